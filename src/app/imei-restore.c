/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "ir-app.h"
#include "ir-protocols.h"

/* imei-restore: the GTK workstation app (src/app/ir-app.h). */
int
main (int argc, char *argv[])
{
	g_autoptr (GError) error = NULL;
	g_autoptr (IrApp) app = NULL;

	setlocale (LC_ALL, "");
	ir_protocols_register ();
	bindtextdomain (GETTEXT_PACKAGE,
			g_getenv ("IMEIRESTORE_LOCALEDIR") != NULL
			    ? g_getenv ("IMEIRESTORE_LOCALEDIR")
			    : IR_LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	textdomain (GETTEXT_PACKAGE);

	if (!ir_app_schema_available (&error)) {
		g_printerr ("imei-restore: %s\n", error->message);
		return 1;
	}
	app = ir_app_new ();
	return g_application_run (G_APPLICATION (app), argc, argv);
}
