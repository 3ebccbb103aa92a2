/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ir-transport-holder.h"

/* The kernel's major number of Unix 98 pseudo-terminal slaves (/dev/pts/N);
 * N is the minor (Documentation/admin-guide/devices.txt, 136-143). */
#define IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN 136
#define IR_TRANSPORT_HOLDER_PTS_MAJOR_MAX 143

/* The pty index of a /dev/pts/N device number, or -1 for any other. */
static gint64
ir_transport_holder_pty_index (dev_t rdev)
{
	guint maj = major (rdev);

	if (maj < IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN || maj > IR_TRANSPORT_HOLDER_PTS_MAJOR_MAX)
		return -1;
	return (gint64)(maj - IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN) * 256 + minor (rdev);
}

/* Whether descriptor @fd of process @pid is the master of pty @index: its
 * fdinfo says "tty-index:" (Linux 4.9 and later). */
static gboolean
ir_transport_holder_is_master (const char *pid, const char *fd, gint64 index)
{
	g_autofree char *path = g_build_filename ("/proc", pid, "fdinfo", fd, NULL);
	g_autofree char *info = NULL;
	const char *line;

	if (!g_file_get_contents (path, &info, NULL, NULL))
		return FALSE;
	line = strstr (info, "tty-index:");
	return line != NULL && g_ascii_strtoll (line + strlen ("tty-index:"), NULL, 10) == index;
}

typedef struct {
	gboolean holds;	    /* has the device open */
	gboolean is_master; /* holds the pty's master: the phone's own end */
} IrTransportHolderScan;

static void
ir_transport_holder_scan (const char *pid,
			  dev_t rdev,
			  gint64 pty_index,
			  const char *ignore_fd,
			  IrTransportHolderScan *scan)
{
	g_autofree char *fddir = g_build_filename ("/proc", pid, "fd", NULL);
	g_autoptr (GDir) fds = g_dir_open (fddir, 0, NULL);
	const char *fd;

	if (fds == NULL)
		return; /* another user's process: not ours to see */
	while ((fd = g_dir_read_name (fds)) != NULL) {
		g_autofree char *link = g_build_filename (fddir, fd, NULL);
		g_autofree char *dest = g_file_read_link (link, NULL);
		struct stat st;

		/* only device nodes: stat() of sockets and pipes is wasted */
		if (dest == NULL || !g_str_has_prefix (dest, "/dev/"))
			continue;
		if (pty_index >= 0 && g_str_has_suffix (dest, "ptmx") &&
		    ir_transport_holder_is_master (pid, fd, pty_index)) {
			scan->is_master = TRUE;
			continue;
		}
		if (g_strcmp0 (fd, ignore_fd) == 0)
			continue;
		if (stat (link, &st) == 0 && S_ISCHR (st.st_mode) && st.st_rdev == rdev)
			scan->holds = TRUE;
	}
}

static char *
ir_transport_holder_describe (const char *pid)
{
	g_autofree char *comm_path = g_build_filename ("/proc", pid, "comm", NULL);
	g_autofree char *comm = NULL;

	if (!g_file_get_contents (comm_path, &comm, NULL, NULL))
		return g_strdup_printf ("pid %s", pid);
	return g_strdup_printf ("%s (pid %s)", g_strstrip (comm), pid);
}

char *
ir_transport_holder_find (const char *path, int ignore_fd, gboolean far_end_counts)
{
	g_autofree char *self_pid = g_strdup_printf ("%d", (int)getpid ());
	g_autofree char *ignore = g_strdup_printf ("%d", ignore_fd);
	g_autoptr (GDir) proc = NULL;
	struct stat target;
	const char *pid;
	gint64 pty_index;

	if (stat (path, &target) != 0 || !S_ISCHR (target.st_mode))
		return NULL;
	pty_index = ir_transport_holder_pty_index (target.st_rdev);
	proc = g_dir_open ("/proc", 0, NULL);
	if (proc == NULL)
		return NULL;
	while ((pid = g_dir_read_name (proc)) != NULL) {
		IrTransportHolderScan scan = {FALSE, FALSE};

		if (!g_ascii_isdigit (pid[0]))
			continue;
		ir_transport_holder_scan (pid,
					  target.st_rdev,
					  pty_index,
					  g_strcmp0 (pid, self_pid) == 0 ? ignore : NULL,
					  &scan);
		if (scan.holds && (far_end_counts || !scan.is_master))
			return ir_transport_holder_describe (pid);
	}
	return NULL;
}
