/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib-unix.h>
#include <umockdev.h>

#include "ir-gui-test.h"
#include "ir-port-monitor.h"
#include "ir-umockdev-phone.h"
#include "test-restore-env.h"

/* USB hotplug through the real app: under umockdev (run-under-umockdev.sh)
 * and Xvfb (run-under-xvfb.sh), the workbench signed in against the real
 * imei-brandd; the testbed plugs in the MediaTek phone of
 * tests/umockdev/mediatek-ttyUSB0.umockdev, whose /dev/ttyUSB0 (a
 * pseudo-terminal umockdev holds the other side of) is bridged here to an
 * imei-sim phone. The port monitor's uevent reaches the workbench, which
 * lists the phone and reads it over the USB serial port (model and IMEIs
 * in its row); unplugged, the row goes. */

#define USB_SYSFS   "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-2"
#define PHONE_IMEI1 "490154203237518"
#define PHONE_IMEI2 "352099001761481"
#define PHONE                                                                                      \
	"--family mediatek --serial " RT_MTK_SERIAL " --imei " PHONE_IMEI1 " --imei " PHONE_IMEI2
#define BRIDGE_CHUNK 4096

typedef struct {
	int fd[2]; /* umockdev's side of the port, the simulator's pty */
	guint watch[2];
	/* the port held open: a pty's master reads EIO while no one has its
	 * terminal open, as between the app's opens */
	int hold;
} Bridge;

typedef struct {
	RtServer *server;
	char *tmp;
	IrGuiApp *gui;
	IrWorkbench *bench;
	UMockdevTestbed *testbed;
	IrTestSim *sim;
	Bridge bridge;
	/* this test's tty: umockdev makes a tty's pseudo-terminal once per
	 * name and testbed, so each test plugs in a port of its own name */
	char *tty;
	char *port; /* /dev/TTY */
} Env;

/* Bytes that arrive on one side go out of the other, as the cable would. */
static gboolean
test_gui_hotplug_bridge_pass (Bridge *bridge, guint from)
{
	guint8 buf[BRIDGE_CHUNK];
	ssize_t n = read (bridge->fd[from], buf, sizeof (buf));
	ssize_t done = 0;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		bridge->watch[from] = 0;
		return G_SOURCE_REMOVE;
	}
	while (done < n) {
		ssize_t w = write (bridge->fd[1 - from], buf + done, (size_t)(n - done));
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			break;
		done += w > 0 ? w : 0;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
test_gui_hotplug_bridge_host (int fd, GIOCondition condition, gpointer data)
{
	return test_gui_hotplug_bridge_pass (data, 0);
}

static gboolean
test_gui_hotplug_bridge_phone (int fd, GIOCondition condition, gpointer data)
{
	return test_gui_hotplug_bridge_pass (data, 1);
}

static void
test_gui_hotplug_bridge_start (Env *env)
{
	Bridge *bridge = &env->bridge;
	struct termios raw;

	bridge->fd[0] = umockdev_testbed_get_dev_fd (env->testbed, env->port);
	if (bridge->fd[0] < 0)
		fail_msg ("umockdev made no pseudo-terminal for %s", env->port);
	bridge->hold = open (env->port, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (bridge->hold < 0)
		fail_msg ("cannot open %s in the testbed: %s", env->port, g_strerror (errno));
	bridge->fd[1] = open (env->sim->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (bridge->fd[1] < 0)
		fail_msg ("cannot open the simulator's %s: %s", env->sim->path, g_strerror (errno));
	/* the simulator's side is a terminal we opened: raw, as a host opens
	 * a phone's port (no echo, no line editing, no CR/NL mapping) */
	assert_int_equal (tcgetattr (bridge->fd[1], &raw), 0);
	cfmakeraw (&raw);
	assert_int_equal (tcsetattr (bridge->fd[1], TCSANOW, &raw), 0);
	g_unix_set_fd_nonblocking (bridge->fd[0], TRUE, NULL);
	bridge->watch[0] = g_unix_fd_add (
	    bridge->fd[0], G_IO_IN | G_IO_HUP | G_IO_ERR, test_gui_hotplug_bridge_host, bridge);
	bridge->watch[1] = g_unix_fd_add (
	    bridge->fd[1], G_IO_IN | G_IO_HUP | G_IO_ERR, test_gui_hotplug_bridge_phone, bridge);
}

/* umockdev's side belongs to the testbed; the simulator's is ours. */
static void
test_gui_hotplug_bridge_stop (Bridge *bridge)
{
	for (guint i = 0; i < 2; i++)
		if (bridge->watch[i] != 0)
			g_clear_handle_id (&bridge->watch[i], g_source_remove);
	if (bridge->fd[1] >= 0)
		close (bridge->fd[1]);
	if (bridge->hold >= 0)
		close (bridge->hold);
	bridge->fd[1] = bridge->hold = -1;
}

static int
test_gui_hotplug_setup (void **state)
{
	Env *env = g_new0 (Env, 1);
	g_autofree char *pass_file =
	    g_build_filename (test_restore_env_pki (), "pkcs12-passphrase.txt", NULL);
	g_autofree char *p12 =
	    g_build_filename (test_restore_env_pki (), "technician-alice.p12", NULL);
	g_autofree char *trust =
	    g_build_filename (test_restore_env_pki (), "trust-store.conf", NULL);
	g_autofree char *state_dir = NULL;
	g_autofree char *passphrase = NULL;
	g_autofree char *error = NULL;
	GSettings *settings;

	if (!umockdev_in_mock_environment ())
		fail_msg ("not running under umockdev: use `meson test --suite gui`");
	env->bridge.fd[0] = env->bridge.fd[1] = env->bridge.hold = -1;
	env->testbed = umockdev_testbed_new ();
	env->server = test_restore_env_server_start (NULL);
	env->tmp = ir_test_harness_mkdtemp ();
	state_dir = g_build_filename (env->tmp, "state", NULL);
	env->gui = ir_gui_app_start ();
	env->bench = ir_app_window_get_workbench (env->gui->window);
	settings = ir_app_get_settings (env->gui->app);
	g_settings_set_string (settings, "credential", p12);
	g_settings_set_string (settings, "trust-store", trust);
	g_settings_set_string (settings, "state-dir", state_dir);
	g_settings_set_string (settings, "server-url", env->server->url);
	assert_true (g_file_get_contents (pass_file, &passphrase, NULL, NULL));
	error = ir_gui_test_sign_in (env->gui, g_strstrip (passphrase));
	if (error != NULL)
		fail_msg ("cannot sign in: %s", error);
	assert_string_equal (ir_app_window_get_visible_page (env->gui->window), "workbench");
	*state = env;
	return 0;
}

static int
test_gui_hotplug_teardown (void **state)
{
	Env *env = *state;

	test_gui_hotplug_bridge_stop (&env->bridge);
	ir_gui_app_free (env->gui);
	g_clear_pointer (&env->sim, ir_test_harness_sim_free);
	g_clear_object (&env->testbed);
	g_free (env->tty);
	g_free (env->port);
	test_restore_env_server_free (env->server);
	ir_test_harness_rmdir (env->tmp);
	g_free (env->tmp);
	g_free (env);
	return 0;
}

/* A new phone for the test: its simulator, and the tty name it will have. */
static void
test_gui_hotplug_new_phone (Env *env, const char *tty)
{
	g_clear_pointer (&env->sim, ir_test_harness_sim_free);
	env->sim = test_restore_env_sim_start (PHONE);
	g_free (env->tty);
	g_free (env->port);
	env->tty = g_strdup (tty);
	env->port = g_strdup_printf ("/dev/%s", tty);
	assert_null (ir_workbench_get_row (env->bench, env->port));
	assert_int_equal (ir_workbench_get_n_phones (env->bench), 0);
}

/* @text with every @from replaced by @to; takes @text. */
static char *
test_gui_hotplug_replace (char *text, const char *from, const char *to)
{
	g_auto (GStrv) parts = g_strsplit (text, from, -1);

	g_free (text);
	return g_strjoinv (to, parts);
}

/* tests/umockdev/mediatek-ttyUSB0.umockdev with the tty named env->tty:
 * its records (the tty first, then its parents up to the USB device). */
static char **
test_gui_hotplug_fixture (Env *env)
{
	g_autofree char *path = g_build_filename (
	    g_getenv ("IR_SRCDIR"), "tests", "umockdev", "mediatek-ttyUSB0.umockdev", NULL);
	g_autofree char *text = NULL;
	g_autofree char *renamed = NULL;
	const char *n = env->tty + strlen ("ttyUSB");
	g_autofree char *dev = g_strdup_printf ("188:%s", n);
	g_autofree char *minor = g_strdup_printf ("MINOR=%s", n);

	assert_true (g_file_get_contents (path, &text, NULL, NULL));
	renamed = test_gui_hotplug_replace (g_steal_pointer (&text), "ttyUSB0", env->tty);
	/* its device number too: /sys/dev/char/188:N stays after a removal */
	renamed = test_gui_hotplug_replace (g_steal_pointer (&renamed), "188:0", dev);
	renamed = test_gui_hotplug_replace (g_steal_pointer (&renamed), "MINOR=0", minor);
	return g_strsplit (renamed, "\n\n", -1);
}

static char *
test_gui_hotplug_tty_sysfs (Env *env)
{
	return g_strdup_printf ("%s/1-2:1.0/%s/tty/%s", USB_SYSFS, env->tty, env->tty);
}

/* Adds @count of the fixture's records from @first on (0: up to the
 * end); the tty is record 0, the USB device the last. */
static void
test_gui_hotplug_add_records (Env *env, guint first, guint count)
{
	g_auto (GStrv) records = test_gui_hotplug_fixture (env);
	guint end = count > 0 ? first + count : g_strv_length (records);
	g_autoptr (GString) text = g_string_new (NULL);
	g_autoptr (GError) error = NULL;

	assert_true (first < end && end <= g_strv_length (records));
	for (guint i = first; i < end; i++)
		g_string_append_printf (text, "%s\n\n", records[i]);
	if (!umockdev_testbed_add_from_string (env->testbed, text->str, &error))
		fail_msg ("cannot add the fixture's devices: %s", error->message);
}

/* The USB device announced: its descriptors, which libusb reads for its
 * ids, then the "add" uevent libusb's hotplug listens for (the one adding
 * it sent came before the descriptors). */
static void
test_gui_hotplug_announce (Env *env)
{
	ir_umockdev_phone_set_descriptors (env->testbed, USB_SYSFS);
	umockdev_testbed_uevent (env->testbed, USB_SYSFS, "add");
}

/* The phone on the USB bus, its serial port there at once. Nothing runs in
 * the main loop meanwhile, so the workbench cannot open the port before
 * the bridge to the simulator is in place. */
static void
test_gui_hotplug_plug_in (Env *env)
{
	test_gui_hotplug_add_records (env, 0, 0);
	test_gui_hotplug_bridge_start (env);
	test_gui_hotplug_announce (env);
}

/* The cable out, as the kernel tells it: the tty first, then the
 * usb-serial port, the interface and the USB device, each with its
 * "remove" uevent (umockdev removes a device's own node and class link,
 * not its children's). */
static void
test_gui_hotplug_unplug (Env *env)
{
	g_autofree char *tty = test_gui_hotplug_tty_sysfs (env);
	g_autofree char *serial = g_strdup_printf ("%s/1-2:1.0/%s", USB_SYSFS, env->tty);
	const char *gone[] = {tty, serial, USB_SYSFS "/1-2:1.0", USB_SYSFS};

	test_gui_hotplug_bridge_stop (&env->bridge);
	for (gsize i = 0; i < G_N_ELEMENTS (gone); i++) {
		umockdev_testbed_uevent (env->testbed, gone[i], "remove");
		umockdev_testbed_remove_device (env->testbed, gone[i]);
	}
}

/* Read, or failed to be (the test then says why). */
static gboolean
test_gui_hotplug_read (gpointer data)
{
	Env *env = data;
	IrPhone *phone = ir_workbench_get_phone (env->bench, env->port);
	IrPhoneState state = phone != NULL ? ir_phone_get_state (phone) : IR_PHONE_STATE_NEW;

	return state == IR_PHONE_STATE_IDENTIFIED || state == IR_PHONE_STATE_FAILED;
}

static gboolean
test_gui_hotplug_gone (gpointer data)
{
	Env *env = data;

	return ir_workbench_get_row (env->bench, env->port) == NULL;
}

/* The phone read through the bridge (model and both IMEIs in its row),
 * then unplugged: the row and the phone are gone. */
static void
test_gui_hotplug_read_then_unplug (Env *env, const char *shot)
{
	IrPhoneRow *row;
	IrPhone *phone;

	ir_gui_test_wait (test_gui_hotplug_read, env, "the plugged-in phone is read");
	phone = ir_workbench_get_phone (env->bench, env->port);
	if (ir_phone_get_state (phone) == IR_PHONE_STATE_FAILED)
		fail_msg ("the phone on %s was not read: %s",
			  env->port,
			  ir_phone_get_error (phone)->message);
	assert_int_equal (ir_workbench_get_n_phones (env->bench), 1);
	row = ir_workbench_get_row (env->bench, env->port);
	assert_non_null (row);
	if (strstr (ir_phone_row_get_title_text (row), "MT6765") == NULL)
		fail_msg ("the row's title says: %s", ir_phone_row_get_title_text (row));
	if (strstr (ir_phone_row_get_slots_text (row), PHONE_IMEI1) == NULL ||
	    strstr (ir_phone_row_get_slots_text (row), PHONE_IMEI2) == NULL)
		fail_msg ("the row's slots say: %s", ir_phone_row_get_slots_text (row));
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), shot);

	test_gui_hotplug_unplug (env);
	ir_gui_test_wait (test_gui_hotplug_gone, env, "the unplugged phone's row goes");
	assert_null (ir_workbench_get_phone (env->bench, env->port));
	assert_int_equal (ir_workbench_get_n_phones (env->bench), 0);
}

/* Plugged in: a row for the USB port; unplugged, it goes. */
static void
test_gui_hotplug_row_follows_the_cable (void **state)
{
	Env *env = *state;

	test_gui_hotplug_new_phone (env, "ttyUSB0");
	test_gui_hotplug_plug_in (env);
	test_gui_hotplug_read_then_unplug (env, "hotplug-plugged-in");
	ir_gui_test_snapshot (GTK_WIDGET (env->gui->window), "hotplug-unplugged");
}

static void
test_gui_hotplug_on_arrived (
    IrPortMonitor *monitor, guint vid, guint pid, int bus, int address, gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
}

static gboolean
test_gui_hotplug_flag (gpointer data)
{
	return *(gboolean *)data;
}

/* The kernel announces the USB device before its driver has made the
 * serial port (on a first plug, udev loads the driver's module in
 * between): the workbench must still list the phone once the port is
 * there. The tty comes after the USB device's "add" uevent has been
 * dispatched (a monitor of the test's own, beside the workbench's, sees
 * it). */
static void
test_gui_hotplug_port_after_device (void **state)
{
	Env *env = *state;
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPortMonitor) monitor = ir_port_monitor_new (&error);
	gboolean arrived = FALSE;

	if (monitor == NULL)
		fail_msg ("%s", error->message);
	g_signal_connect (monitor, "arrived", G_CALLBACK (test_gui_hotplug_on_arrived), &arrived);
	test_gui_hotplug_new_phone (env, "ttyUSB1");
	test_gui_hotplug_add_records (env, 1, 0);
	test_gui_hotplug_announce (env);
	ir_gui_test_wait (test_gui_hotplug_flag, &arrived, "the USB device is announced");
	ir_gui_test_settle ();
	assert_int_equal (ir_workbench_get_n_phones (env->bench), 0);

	test_gui_hotplug_add_records (env, 0, 1);
	test_gui_hotplug_bridge_start (env);
	test_gui_hotplug_read_then_unplug (env, "hotplug-port-after-device");
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_gui_hotplug_row_follows_the_cable),
	    cmocka_unit_test (test_gui_hotplug_port_after_device),
	};

	gtk_init (NULL, NULL);
	return cmocka_run_group_tests_name (
	    "gui-hotplug", tests, test_gui_hotplug_setup, test_gui_hotplug_teardown);
}
