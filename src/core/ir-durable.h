/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The two durable-write steps every store of the workstation needs (the
 * migration log, the workstation key, the used-token store), written
 * once. Whole-file replacements use g_file_set_contents_full (...,
 * G_FILE_SET_CONTENTS_CONSISTENT) instead. */

/* Writes all @len bytes, again after a short write or EINTR. FALSE with
 * errno set on failure (a write of 0 bytes is ENOSPC). Not for the
 * migration log's records, which must land in one write() or be cut. */
gboolean ir_durable_write_all (int fd, const void *data, gsize len);

/* fsync of the directory @dir, so that a file created, renamed or linked
 * in it survives a crash. IR_ERROR_IO naming @dir on failure. */
gboolean ir_durable_sync_dir (const char *dir, GError **error);

G_END_DECLS
