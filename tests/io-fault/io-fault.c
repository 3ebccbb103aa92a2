/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* An LD_PRELOAD library that makes file writes and syncs fail on purpose,
 * to test what the migration log does on a full or failing disk (see
 * README.md beside it). Test-only: never installed.
 *
 *   IR_FAULT_PATH    fnmatch(3) pattern for the file's path (as
 *                    /proc/self/fd/N names it); other files are untouched
 *   IR_FAULT_OPS     calls to count and fail, comma-separated among
 *                    write, pwrite, fdatasync, fsync (default: all four)
 *   IR_FAULT_AFTER   how many of those calls succeed first (default 0)
 *   IR_FAULT_ERRNO   ENOSPC, EIO, EDQUOT or a number (default EIO)
 *   IR_FAULT_REPORT  a file that receives, at exit, one line per call
 *                    on a matching file: "<call> ok" or "<call> failed"
 *
 * Every call after the first failure fails too (a disk that filled up
 * stays full), and is reported, so a test can see that nobody retried
 * an fsync. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ssize_t (*write_fn) (int, const void *, size_t);
typedef ssize_t (*pwrite_fn) (int, const void *, size_t, off_t);
typedef int (*sync_fn) (int);

static long calls;
static int failing;

static int
io_fault_report_fd (void)
{
	static int fd = -2;
	const char *path;

	if (fd != -2)
		return fd;
	path = getenv ("IR_FAULT_REPORT");
	fd = path != NULL ? open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
	return fd;
}

static int
io_fault_op_selected (const char *op)
{
	const char *ops = getenv ("IR_FAULT_OPS");
	size_t len = strlen (op);

	if (ops == NULL || *ops == '\0')
		return 1;
	for (const char *p = ops; p != NULL; p = strchr (p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp (p, op, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return 1;
	}
	return 0;
}

static int
io_fault_path_matches (int fd)
{
	const char *pattern = getenv ("IR_FAULT_PATH");
	char link[64];
	char path[PATH_MAX];
	ssize_t n;

	if (pattern == NULL || fd == io_fault_report_fd ())
		return 0;
	snprintf (link, sizeof (link), "/proc/self/fd/%d", fd);
	n = readlink (link, path, sizeof (path) - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	return fnmatch (pattern, path, 0) == 0;
}

static int
io_fault_fault_errno (void)
{
	const char *name = getenv ("IR_FAULT_ERRNO");

	if (name == NULL || strcmp (name, "EIO") == 0)
		return EIO;
	if (strcmp (name, "ENOSPC") == 0)
		return ENOSPC;
	if (strcmp (name, "EDQUOT") == 0)
		return EDQUOT;
	return atoi (name) > 0 ? atoi (name) : EIO;
}

static void
io_fault_report (const char *op, int failed)
{
	char line[64];
	int fd = io_fault_report_fd ();
	int len;
	write_fn real_write = (write_fn)dlsym (RTLD_NEXT, "write");

	if (fd < 0)
		return;
	len = snprintf (line, sizeof (line), "%s %s\n", op, failed ? "failed" : "ok");
	if (real_write (fd, line, (size_t)len) < 0)
		return;
}

/* 1: this call must fail (errno set) */
static int
io_fault_should_fail (const char *op, int fd)
{
	const char *after = getenv ("IR_FAULT_AFTER");

	if (!io_fault_op_selected (op) || !io_fault_path_matches (fd))
		return 0;
	calls++;
	if (!failing && calls > (after != NULL ? atol (after) : 0))
		failing = 1;
	io_fault_report (op, failing);
	if (failing)
		errno = io_fault_fault_errno ();
	return failing;
}

ssize_t
write (int fd, const void *buf, size_t count)
{
	write_fn real = (write_fn)dlsym (RTLD_NEXT, "write");

	if (io_fault_should_fail ("write", fd))
		return -1;
	return real (fd, buf, count);
}

ssize_t
pwrite (int fd, const void *buf, size_t count, off_t offset)
{
	pwrite_fn real = (pwrite_fn)dlsym (RTLD_NEXT, "pwrite");

	if (io_fault_should_fail ("pwrite", fd))
		return -1;
	return real (fd, buf, count, offset);
}

int
fdatasync (int fd)
{
	sync_fn real = (sync_fn)dlsym (RTLD_NEXT, "fdatasync");

	if (io_fault_should_fail ("fdatasync", fd))
		return -1;
	return real (fd);
}

int
fsync (int fd)
{
	sync_fn real = (sync_fn)dlsym (RTLD_NEXT, "fsync");

	if (io_fault_should_fail ("fsync", fd))
		return -1;
	return real (fd);
}
