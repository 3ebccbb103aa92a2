/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <umockdev.h>

G_BEGIN_DECLS

/* The MediaTek phone of mediatek-ttyUSB0.umockdev (vendor 0e8d, product
 * 2000) as libusb reads it: its device descriptors, the binary sysfs file
 * "descriptors" that the umockdev-record format cannot hold, written to
 * the USB device at @sysfs. libusb's hotplug ignores a device until they
 * are there: send the "add" uevent after. */
void ir_umockdev_phone_set_descriptors (UMockdevTestbed *testbed, const char *sysfs);

G_END_DECLS
