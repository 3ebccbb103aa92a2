/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ir-test-holder.h"

static void
ir_test_holder_wait_exec (GSubprocess *proc)
{
	g_autofree char *path =
	    g_build_filename ("/proc", g_subprocess_get_identifier (proc), "comm", NULL);

	for (guint i = 0; i < 500; i++) {
		g_autofree char *comm = NULL;

		if (g_file_get_contents (path, &comm, NULL, NULL) &&
		    g_strcmp0 (g_strstrip (comm), "sleep") == 0)
			return;
		g_usleep (10 * 1000);
	}
	g_error ("pid %s never became sleep", g_subprocess_get_identifier (proc));
}

GSubprocess *
ir_test_holder_spawn (const char *port)
{
	g_autoptr (GSubprocessLauncher) launcher =
	    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
	g_autoptr (GError) error = NULL;
	int fd = open (port, O_RDWR | O_NOCTTY | O_NONBLOCK);
	GSubprocess *proc;

	if (fd < 0)
		g_error ("cannot open %s: %s", port, g_strerror (errno));
	g_subprocess_launcher_take_stdin_fd (launcher, fd);
	proc = g_subprocess_launcher_spawn (launcher, &error, "sleep", "60", NULL);
	if (proc == NULL)
		g_error ("cannot start sleep: %s", error->message);
	ir_test_holder_wait_exec (proc);
	return proc;
}

char *
ir_test_holder_describe (GSubprocess *holder)
{
	return g_strdup_printf ("sleep (pid %s)", g_subprocess_get_identifier (holder));
}
