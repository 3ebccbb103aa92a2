/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Who else has a port open, from /proc/<pid>/fd: a program that takes no
 * lock (screen, cat, a vendor tool) steals the phone's answers, and the
 * technician needs its name to close it.
 *
 * Best effort: "screen (pid 123)" for the first other process holding the
 * device @path names (symlinks followed; compared by device number), NULL
 * when there is none or it cannot be seen (other users' /proc is often
 * unreadable). @ignore_fd (or -1) is a descriptor of this process not to
 * count. Unless @far_end_counts, the process at the far end of a
 * pseudo-terminal (it holds the master: imei-sim, a test's fake phone) is
 * taken for the phone itself, not a rival, even when it keeps the slave
 * open too; a lock it holds on the slave is another matter (count it). */
char *ir_transport_holder_find (const char *path, int ignore_fd, gboolean far_end_counts);

/* ir_transport_holder_find (@path, @ignore_fd, FALSE) on a thread of its
 * own, so that the scan (most of a restore's CPU, ~2 ms on a quiet
 * machine) overlaps what the caller does meanwhile; its scan begins after
 * this call, as ir_transport_holder_find()'s does. @ignore_fd must stay
 * open until the check is finished. */
typedef struct _IrTransportHolderCheck IrTransportHolderCheck;
IrTransportHolderCheck *ir_transport_holder_check_start (const char *path, int ignore_fd);
/* Waits for the scan and frees @check: what ir_transport_holder_find()
 * would have returned. */
char *ir_transport_holder_check_finish (IrTransportHolderCheck *check);

G_END_DECLS
