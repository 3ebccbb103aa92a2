/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ir-transport-holder.h"

/* The kernel's major number of Unix 98 pseudo-terminal slaves (/dev/pts/N);
 * N is the minor (Documentation/admin-guide/devices.txt, 136-143). */
#define IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN 136
#define IR_TRANSPORT_HOLDER_PTS_MAJOR_MAX 143

/* One descriptor of a process that names a character device. */
typedef struct {
	int fd;
	dev_t rdev;
	gint64 master_of; /* a pty master (ptmx): its pty's index; -1 otherwise */
} IrTransportHolderFd;

/* A process with at least one such descriptor. */
typedef struct {
	char *pid;
	GArray *fds; /* IrTransportHolderFd */
} IrTransportHolderProc;

/* Every port open of a process shares the /proc scans: a scan reads every
 * descriptor of every process (thousands of readlink() on a busy
 * machine), and a restore of 64 phones opened 64 ports at once, each
 * scanning alone, so each scan grew with the batch (the batch's own ptys)
 * and the batch with the scans. An open now takes the table of the next
 * scan to begin after it asked: never an older one, so a holder that
 * opened the port before we did is seen as before; the opens that ask
 * while one scan runs share the next. */
typedef struct {
	GMutex lock;
	GCond done;
	guint64 started;  /* scans begun */
	guint64 finished; /* the scan @table comes from */
	gboolean scanning;
	GPtrArray *table; /* IrTransportHolderProc, in /proc's order */
} IrTransportHolderScanner;

/* The pty index of a /dev/pts/N device number, or -1 for any other. */
static gint64
ir_transport_holder_pty_index (dev_t rdev)
{
	guint maj = major (rdev);

	if (maj < IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN || maj > IR_TRANSPORT_HOLDER_PTS_MAJOR_MAX)
		return -1;
	return (gint64)(maj - IR_TRANSPORT_HOLDER_PTS_MAJOR_MIN) * 256 + minor (rdev);
}

/* The index of the pty whose master descriptor @fd of process @pid is: its
 * fdinfo says "tty-index:" (Linux 4.9 and later); -1 when it does not. */
static gint64
ir_transport_holder_master_of (const char *pid, const char *fd)
{
	g_autofree char *path = g_build_filename ("/proc", pid, "fdinfo", fd, NULL);
	g_autofree char *info = NULL;
	const char *line;

	if (!g_file_get_contents (path, &info, NULL, NULL))
		return -1;
	line = strstr (info, "tty-index:");
	return line != NULL ? g_ascii_strtoll (line + strlen ("tty-index:"), NULL, 10) : -1;
}

static void
ir_transport_holder_proc_free (gpointer data)
{
	IrTransportHolderProc *proc = data;

	g_free (proc->pid);
	g_array_unref (proc->fds);
	g_free (proc);
}

/* One descriptor @name of process @pid (its fd folder @dir_fd) added to
 * *@proc when it names a character device. */
static void
ir_transport_holder_scan_fd (const char *pid,
			     int dir_fd,
			     const char *name,
			     IrTransportHolderProc **proc)
{
	char dest[PATH_MAX];
	ssize_t len = readlinkat (dir_fd, name, dest, sizeof (dest) - 1);
	IrTransportHolderFd hfd = {.master_of = -1};
	struct stat st;

	if (len <= 0)
		return;
	dest[len] = '\0';
	if (!g_str_has_prefix (dest, "/dev/") || fstatat (dir_fd, name, &st, 0) != 0 ||
	    !S_ISCHR (st.st_mode))
		return;
	hfd.fd = atoi (name);
	hfd.rdev = st.st_rdev;
	if (g_str_has_suffix (dest, "ptmx"))
		hfd.master_of = ir_transport_holder_master_of (pid, name);
	if (*proc == NULL) {
		*proc = g_new0 (IrTransportHolderProc, 1);
		(*proc)->pid = g_strdup (pid);
		(*proc)->fds = g_array_new (FALSE, FALSE, sizeof (IrTransportHolderFd));
	}
	g_array_append_val ((*proc)->fds, hfd);
}

/* The descriptors of process @pid that name a character device: one
 * readlinkat() each, relative to its fd folder; a stat only for those
 * under /dev (sockets and pipes are not ports). NULL when there is none,
 * or the process is not ours to see (another user's). The folder is read
 * with getdents64 into a buffer on the stack: opendir's fstat, fcntl and
 * 32 KiB allocation per process were a fifth of a scan (perf), and a
 * scan is most of a restore's CPU on a busy machine. */
static IrTransportHolderProc *
ir_transport_holder_scan_proc (const char *pid)
{
	char fddir[64];
	int dir_fd;
	IrTransportHolderProc *proc = NULL;
	/* aligned for struct dirent64 */
	union {
		struct dirent64 ent;
		char bytes[8192];
	} buf;
	long n;

	g_snprintf (fddir, sizeof (fddir), "/proc/%s/fd", pid);
	dir_fd = open (fddir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return NULL;
	while ((n = syscall (SYS_getdents64, dir_fd, buf.bytes, sizeof (buf.bytes))) > 0) {
		for (long off = 0; off < n;) {
			const struct dirent64 *ent = (const struct dirent64 *)(buf.bytes + off);

			off += ent->d_reclen;
			if (ent->d_name[0] == '.')
				continue;
			ir_transport_holder_scan_fd (pid, dir_fd, ent->d_name, &proc);
		}
	}
	close (dir_fd);
	return proc;
}

/* One scan of /proc: every process that has a character device open. */
static GPtrArray *
ir_transport_holder_scan_all (void)
{
	GPtrArray *table = g_ptr_array_new_with_free_func (ir_transport_holder_proc_free);
	g_autoptr (GDir) dir = g_dir_open ("/proc", 0, NULL);
	const char *pid;

	while (dir != NULL && (pid = g_dir_read_name (dir)) != NULL) {
		IrTransportHolderProc *proc;

		if (!g_ascii_isdigit (pid[0]))
			continue;
		proc = ir_transport_holder_scan_proc (pid);
		if (proc != NULL)
			g_ptr_array_add (table, proc);
	}
	return table;
}

/* The process's scanner, made at first use and kept (as /proc is). */
static IrTransportHolderScanner *
ir_transport_holder_scanner (void)
{
	static gsize scanner = 0;

	if (g_once_init_enter (&scanner)) {
		IrTransportHolderScanner *made = g_new0 (IrTransportHolderScanner, 1);

		g_mutex_init (&made->lock);
		g_cond_init (&made->done);
		g_once_init_leave (&scanner, (gsize)made);
	}
	return (IrTransportHolderScanner *)scanner;
}

/* The table of a scan that began after this call: the one running now
 * began too early, so wait for it and then for (or run) the next. */
static GPtrArray *
ir_transport_holder_snapshot (void)
{
	IrTransportHolderScanner *sc = ir_transport_holder_scanner ();
	g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&sc->lock);
	guint64 need = sc->started + 1;

	while (sc->finished < need) {
		g_autoptr (GPtrArray) table = NULL;
		guint64 scan;

		if (sc->scanning) {
			g_cond_wait (&sc->done, &sc->lock);
			continue;
		}
		scan = ++sc->started;
		sc->scanning = TRUE;
		g_mutex_unlock (&sc->lock);
		table = ir_transport_holder_scan_all ();
		g_mutex_lock (&sc->lock);
		if (sc->table != NULL)
			g_ptr_array_unref (sc->table);
		sc->table = g_steal_pointer (&table);
		sc->finished = scan;
		sc->scanning = FALSE;
		g_cond_broadcast (&sc->done);
	}
	return g_ptr_array_ref (sc->table);
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

/* Whether @proc holds device @rdev (not counting @ignore_fd, a descriptor
 * of @proc when it is this process) as a rival: not when, the target
 * being pty @pty_index, it also holds that pty's master (the phone's own
 * end), unless @far_end_counts. */
static gboolean
ir_transport_holder_proc_holds (const IrTransportHolderProc *proc,
				dev_t rdev,
				gint64 pty_index,
				int ignore_fd,
				gboolean far_end_counts)
{
	gboolean holds = FALSE;
	gboolean is_master = FALSE;

	for (guint i = 0; i < proc->fds->len; i++) {
		const IrTransportHolderFd *hfd = &g_array_index (proc->fds, IrTransportHolderFd, i);

		if (pty_index >= 0 && hfd->master_of >= 0)
			is_master = is_master || hfd->master_of == pty_index;
		else if (hfd->rdev == rdev && hfd->fd != ignore_fd)
			holds = TRUE;
	}
	return holds && (far_end_counts || !is_master);
}

char *
ir_transport_holder_find (const char *path, int ignore_fd, gboolean far_end_counts)
{
	g_autofree char *self_pid = g_strdup_printf ("%d", (int)getpid ());
	g_autoptr (GPtrArray) table = NULL;
	struct stat target;
	gint64 pty_index;

	if (stat (path, &target) != 0 || !S_ISCHR (target.st_mode))
		return NULL;
	pty_index = ir_transport_holder_pty_index (target.st_rdev);
	table = ir_transport_holder_snapshot ();
	for (guint i = 0; i < table->len; i++) {
		const IrTransportHolderProc *proc = g_ptr_array_index (table, i);
		int ignore = g_strcmp0 (proc->pid, self_pid) == 0 ? ignore_fd : -1;

		if (ir_transport_holder_proc_holds (
			proc, target.st_rdev, pty_index, ignore, far_end_counts))
			return ir_transport_holder_describe (proc->pid);
	}
	return NULL;
}

struct _IrTransportHolderCheck {
	char *path;
	int ignore_fd;
	GThread *thread;
};

static gpointer
ir_transport_holder_check_thread (gpointer data)
{
	IrTransportHolderCheck *check = data;

	return ir_transport_holder_find (check->path, check->ignore_fd, FALSE);
}

IrTransportHolderCheck *
ir_transport_holder_check_start (const char *path, int ignore_fd)
{
	IrTransportHolderCheck *check = g_new0 (IrTransportHolderCheck, 1);

	check->path = g_strdup (path);
	check->ignore_fd = ignore_fd;
	check->thread = g_thread_new ("ir-holder-scan", ir_transport_holder_check_thread, check);
	return check;
}

char *
ir_transport_holder_check_finish (IrTransportHolderCheck *check)
{
	char *holder;

	g_return_val_if_fail (check != NULL, NULL);
	holder = g_thread_join (check->thread);
	g_free (check->path);
	g_free (check);
	return holder;
}
