/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs under umockdev-run with mediatek-ttyUSB0.umockdev: a fake USB serial
 * port whose only existence is the sysfs tree and /dev node umockdev
 * provides. Discovery must find it through libserialport's sysfs walk
 * with its USB identity, and ir_port_transport_new() must open it with the
 * libserialport transport (the modem-line ioctls a pty lacks come from
 * ir-modem-ioctl-preload). */
#include "config.h"

#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ir-error.h"
#include "ir-port.h"
#include "ir-transport-serialport.h"

#define FAKE_PORT "/dev/ttyUSB0"

static int
test_umockdev_ports_check_environment (void **state)
{
	/* without umockdev this would test the build machine's ports */
	if (g_getenv ("UMOCKDEV_DIR") == NULL)
		fail_msg ("not running under umockdev-run: use `meson test --suite umockdev`");
	if (dlsym (RTLD_DEFAULT, "ir_modem_ioctl_emulated") == NULL)
		fail_msg ("ir-modem-ioctl-preload is not in LD_PRELOAD");
	return 0;
}

static void
test_umockdev_ports_assert_fake_identity (const IrPortInfo *info)
{
	assert_string_equal (info->kind, "usb");
	assert_int_equal (info->usb_vid, 0x0e8d);
	assert_int_equal (info->usb_pid, 0x2000);
	assert_int_equal (info->usb_bus, 1);
	assert_int_equal (info->usb_address, 5);
	assert_non_null (info->usb_serial);
	assert_string_equal (info->usb_serial, "IRTEST0001");
	assert_non_null (info->usb_manufacturer);
	assert_string_equal (info->usb_manufacturer, "MediaTek Inc");
	assert_non_null (info->usb_product);
	assert_string_equal (info->usb_product, "MT65xx Preloader");
	assert_non_null (info->description);
}

static void
test_umockdev_ports_list_finds_fake_port (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (GPtrArray) ports = ir_port_list (&error);
	IrPortInfo *info;

	assert_null (error);
	assert_non_null (ports);
	/* the testbed's /sys/class/tty holds this one port and nothing of
	 * the host's: proof that enumeration went through sysfs */
	assert_int_equal (ports->len, 1);
	info = g_ptr_array_index (ports, 0);
	assert_string_equal (info->path, FAKE_PORT);
	test_umockdev_ports_assert_fake_identity (info);
}

static void
test_umockdev_ports_query_fake_port (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrPortInfo) info = ir_port_query (FAKE_PORT, &error);

	assert_null (error);
	assert_non_null (info);
	assert_string_equal (info->path, FAKE_PORT);
	test_umockdev_ports_assert_fake_identity (info);
}

static void
test_umockdev_ports_open_with_libserialport (void **state)
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrTransport) transport = ir_port_transport_new (FAKE_PORT, &error);
	g_autoptr (IrTransport) second = NULL;
	unsigned int *emulated = dlsym (RTLD_DEFAULT, "ir_modem_ioctl_emulated");
	unsigned int emulated_before = *emulated;
	guint8 buf[16];

	assert_null (error);
	assert_non_null (transport);
	assert_true (IR_IS_TRANSPORT_SERIALPORT (transport));
	if (!ir_transport_open (transport, &error))
		fail_msg ("%s", error->message);
	/* sp_open() asked for the modem lines, which only the preload has */
	assert_true (*emulated > emulated_before);

	assert_true (ir_transport_write (transport, (const guint8 *)"AT\r", 3, &error));
	assert_null (error);
	/* nothing plays the phone: a silent port times out without error */
	assert_int_equal (ir_transport_read (transport, buf, sizeof (buf), 100, NULL, &error), 0);
	assert_null (error);

	/* the libserialport transport locks like the termios one */
	second = ir_port_transport_new (FAKE_PORT, &error);
	assert_non_null (second);
	assert_false (ir_transport_open (second, &error));
	assert_true (g_error_matches (error, IR_ERROR, IR_ERROR_BUSY));
	assert_non_null (strstr (error->message, FAKE_PORT));

	ir_transport_close (transport);
	assert_false (ir_transport_is_open (transport));
}

int
main (void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test (test_umockdev_ports_list_finds_fake_port),
	    cmocka_unit_test (test_umockdev_ports_query_fake_port),
	    cmocka_unit_test (test_umockdev_ports_open_with_libserialport),
	};
	return cmocka_run_group_tests (tests, test_umockdev_ports_check_environment, NULL);
}
