/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>
#include <glib/gstdio.h>

#include "sim-test-phone.h"

IrSimPhone *
sim_test_phone_new_strv (const char *name, const char *const *settings)
{
	g_autoptr (IrSimPhoneConfig) config = ir_sim_phone_config_new (name);
	g_autoptr (GError) error = NULL;
	IrSimPhone *phone;

	for (guint i = 0; settings[i] != NULL; i += 2) {
		if (!ir_sim_phone_config_set (config, settings[i], settings[i + 1], &error))
			fail_msg ("%s=%s: %s", settings[i], settings[i + 1], error->message);
	}
	if (!ir_sim_phone_config_validate (config, &error))
		fail_msg ("%s", error->message);
	phone = ir_sim_phone_config_create_phone (config, &error);
	if (phone == NULL)
		fail_msg ("%s", error->message);
	ir_sim_phone_start_thread (phone);
	return phone;
}

IrSimPhone *
sim_test_phone_new (const char *name, const char *first_key, ...)
{
	g_autoptr (GPtrArray) settings = g_ptr_array_new ();
	va_list ap;

	va_start (ap, first_key);
	for (const char *key = first_key; key != NULL; key = va_arg (ap, const char *)) {
		g_ptr_array_add (settings, (gpointer)key);
		g_ptr_array_add (settings, va_arg (ap, char *));
	}
	va_end (ap);
	g_ptr_array_add (settings, NULL);
	return sim_test_phone_new_strv (name, (const char *const *)settings->pdata);
}

char *
sim_test_phone_dir_new (const char *tmpl)
{
	g_autoptr (GError) error = NULL;
	char *dir = g_dir_make_tmp (tmpl, &error);

	if (dir == NULL)
		fail_msg ("failed to make a folder from %s: %s", tmpl, error->message);
	return dir;
}

void
sim_test_phone_dir_remove (const char *dir)
{
	g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
	const char *name;

	while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
		g_autofree char *path = g_build_filename (dir, name, NULL);
		(void)g_unlink (path);
	}
	(void)g_rmdir (dir);
}
