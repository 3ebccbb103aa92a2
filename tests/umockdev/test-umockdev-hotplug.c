/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IrPortMonitor against umockdev's emulated uevents: libusb's udev hotplug
 * backend sees a USB device arrive and leave in the testbed, and the
 * monitor must report both with the device's identity, in the main
 * context it was created in, and must tell nobody once it is gone. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <umockdev.h>

#include "ir-error.h"
#include "ir-port.h"
#include "ir-port-monitor.h"
#include "ir-umockdev-phone.h"

#define EVENT_WAIT_US (5 * G_USEC_PER_SEC)

typedef struct {
	UMockdevTestbed *testbed;
	guint n_arrived;
	guint n_left;
	guint vid;
	guint pid;
	int bus;
	int address;
	GThread *thread; /* where the last signal ran */
} Fixture;

static int
fixture_setup (void **state)
{
	Fixture *fx = g_new0 (Fixture, 1);

	if (!umockdev_in_mock_environment ())
		fail_msg ("not running under umockdev: use `meson test --suite umockdev`");
	fx->testbed = umockdev_testbed_new ();
	*state = fx;
	return 0;
}

static int
fixture_teardown (void **state)
{
	Fixture *fx = *state;

	g_clear_object (&fx->testbed);
	g_free (fx);
	return 0;
}

static void
test_umockdev_hotplug_on_event (Fixture *fx, guint vid, guint pid, int bus, int address)
{
	fx->vid = vid;
	fx->pid = pid;
	fx->bus = bus;
	fx->address = address;
	fx->thread = g_thread_self ();
}

static void
test_umockdev_hotplug_on_arrived (
    IrPortMonitor *monitor, guint vid, guint pid, int bus, int address, gpointer user_data)
{
	Fixture *fx = user_data;

	fx->n_arrived++;
	test_umockdev_hotplug_on_event (fx, vid, pid, bus, address);
}

static void
test_umockdev_hotplug_on_left (
    IrPortMonitor *monitor, guint vid, guint pid, int bus, int address, gpointer user_data)
{
	Fixture *fx = user_data;

	fx->n_left++;
	test_umockdev_hotplug_on_event (fx, vid, pid, bus, address);
}

/* a MediaTek phone as usbfs/sysfs show it */
static char *
test_umockdev_hotplug_add_phone (Fixture *fx, guint devnum)
{
	g_autofree char *name = g_strdup_printf ("1-%u", devnum);
	g_autofree char *devnum_str = g_strdup_printf ("%u", devnum);
	g_autofree char *devnum_prop = g_strdup_printf ("%03u", devnum);
	g_autofree char *devname = g_strdup_printf ("/dev/bus/usb/001/%03u", devnum);
	char *sysfs = umockdev_testbed_add_device (fx->testbed,
						   "usb",
						   name,
						   NULL,
						   /* attributes */
						   "idVendor",
						   "0e8d",
						   "idProduct",
						   "2000",
						   "busnum",
						   "1",
						   "devnum",
						   devnum_str,
						   "bConfigurationValue",
						   "1",
						   "speed",
						   "480",
						   NULL,
						   /* udev properties */
						   "DEVTYPE",
						   "usb_device",
						   "BUSNUM",
						   "001",
						   "DEVNUM",
						   devnum_prop,
						   "DEVNAME",
						   devname,
						   NULL);

	assert_non_null (sysfs);
	ir_umockdev_phone_set_descriptors (fx->testbed, sysfs);
	/* add_device announced it before the descriptors were there */
	umockdev_testbed_uevent (fx->testbed, sysfs, "add");
	return sysfs;
}

static void
test_umockdev_hotplug_remove_phone (Fixture *fx, const char *sysfs)
{
	umockdev_testbed_uevent (fx->testbed, sysfs, "remove");
	umockdev_testbed_remove_device (fx->testbed, sysfs);
}

static gboolean
test_umockdev_hotplug_wait_for (GMainContext *context, guint *counter, guint want)
{
	gint64 deadline = g_get_monotonic_time () + EVENT_WAIT_US;

	while (*counter < want && g_get_monotonic_time () < deadline) {
		if (!g_main_context_iteration (context, FALSE))
			g_usleep (10 * 1000);
	}
	return *counter >= want;
}

static IrPortMonitor *
test_umockdev_hotplug_monitor_new (Fixture *fx)
{
	g_autoptr (GError) error = NULL;
	IrPortMonitor *monitor = ir_port_monitor_new (&error);

	if (monitor == NULL)
		fail_msg ("%s", error->message);
	g_signal_connect (monitor, "arrived", G_CALLBACK (test_umockdev_hotplug_on_arrived), fx);
	g_signal_connect (monitor, "left", G_CALLBACK (test_umockdev_hotplug_on_left), fx);
	return monitor;
}

static void
test_umockdev_hotplug_arrive_and_leave (void **state)
{
	Fixture *fx = *state;
	g_autoptr (IrPortMonitor) monitor = test_umockdev_hotplug_monitor_new (fx);
	g_autofree char *sysfs = NULL;

	assert_true (IR_IS_PORT_MONITOR (monitor));
	sysfs = test_umockdev_hotplug_add_phone (fx, 5);
	assert_true (test_umockdev_hotplug_wait_for (NULL, &fx->n_arrived, 1));
	assert_int_equal (fx->vid, 0x0e8d);
	assert_int_equal (fx->pid, 0x2000);
	assert_int_equal (fx->bus, 1);
	assert_int_equal (fx->address, 5);
	/* handlers run in the caller's thread, not libusb's */
	assert_ptr_equal (fx->thread, g_thread_self ());
	assert_int_equal (fx->n_left, 0);

	fx->vid = 0;
	test_umockdev_hotplug_remove_phone (fx, sysfs);
	assert_true (test_umockdev_hotplug_wait_for (NULL, &fx->n_left, 1));
	assert_int_equal (fx->vid, 0x0e8d);
	assert_int_equal (fx->address, 5);
	assert_int_equal (fx->n_arrived, 1);
}

static void
test_umockdev_hotplug_events_in_creating_context (void **state)
{
	Fixture *fx = *state;
	g_autoptr (GMainContext) context = g_main_context_new ();
	g_autoptr (IrPortMonitor) monitor = NULL;
	g_autofree char *sysfs = NULL;
	guint i;

	g_main_context_push_thread_default (context);
	monitor = test_umockdev_hotplug_monitor_new (fx);
	g_main_context_pop_thread_default (context);

	sysfs = test_umockdev_hotplug_add_phone (fx, 6);
	/* the default context gets nothing... */
	for (i = 0; i < 50; i++) {
		g_main_context_iteration (NULL, FALSE);
		g_usleep (10 * 1000);
	}
	assert_int_equal (fx->n_arrived, 0);
	/* ...the monitor's own context gets the event */
	assert_true (test_umockdev_hotplug_wait_for (context, &fx->n_arrived, 1));
	assert_int_equal (fx->address, 6);
	test_umockdev_hotplug_remove_phone (fx, sysfs);
	assert_true (test_umockdev_hotplug_wait_for (context, &fx->n_left, 1));
}

static void
test_umockdev_hotplug_no_events_after_unref (void **state)
{
	Fixture *fx = *state;
	IrPortMonitor *monitor = test_umockdev_hotplug_monitor_new (fx);
	g_autofree char *sysfs = NULL;
	gint64 start;

	sysfs = test_umockdev_hotplug_add_phone (fx, 7);
	/* let the event thread queue the arrival, but do not dispatch it */
	start = g_get_monotonic_time ();
	while (!g_main_context_pending (NULL) && g_get_monotonic_time () - start < EVENT_WAIT_US)
		g_usleep (10 * 1000);
	assert_true (g_main_context_pending (NULL));
	start = g_get_monotonic_time ();
	g_object_unref (monitor);
	/* shutdown interrupts libusb's wait rather than sitting it out */
	assert_true (g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC);
	for (guint i = 0; i < 20; i++) {
		g_main_context_iteration (NULL, FALSE);
		g_usleep (10 * 1000);
	}
	assert_int_equal (fx->n_arrived, 0);
	test_umockdev_hotplug_remove_phone (fx, sysfs);
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown (
		test_umockdev_hotplug_arrive_and_leave, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_umockdev_hotplug_events_in_creating_context, fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown (
		test_umockdev_hotplug_no_events_after_unref, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests (tests, NULL, NULL);
}
