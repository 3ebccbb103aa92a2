/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-umockdev-phone.h"

void
ir_umockdev_phone_set_descriptors (UMockdevTestbed *testbed, const char *sysfs)
{
	/* umockdev takes a non-const buffer */
	guint8 descriptors[] = {/* device: USB 2.0, vendor 0e8d, product 2000, one configuration */
				0x12,
				0x01,
				0x00,
				0x02,
				0x00,
				0x00,
				0x00,
				0x40,
				0x8d,
				0x0e,
				0x00,
				0x20,
				0x00,
				0x01,
				0x01,
				0x02,
				0x03,
				0x01,
				/* configuration 1, no interfaces */
				0x09,
				0x02,
				0x09,
				0x00,
				0x00,
				0x01,
				0x00,
				0x80,
				0x32};

	umockdev_testbed_set_attribute_binary (
	    testbed, sysfs, "descriptors", descriptors, sizeof (descriptors));
}
