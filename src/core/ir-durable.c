/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ir-durable.h"
#include "ir-error.h"

gboolean
ir_durable_write_all (int fd, const void *data, gsize len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write (fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ENOSPC;
		if (n <= 0)
			return FALSE;
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean
ir_durable_sync_dir (const char *dir, GError **error)
{
	int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int errnum;

	if (fd < 0) {
		errnum = errno;
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to open the directory %s to sync it: %s",
			     dir,
			     g_strerror (errnum));
		return FALSE;
	}
	if (fsync (fd) != 0) {
		errnum = errno;
		close (fd);
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_IO,
			     "failed to sync the directory %s: %s",
			     dir,
			     g_strerror (errnum));
		return FALSE;
	}
	close (fd);
	return TRUE;
}
