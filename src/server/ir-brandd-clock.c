/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-clock.h"
#include "ir-error.h"

#define IR_BRANDD_CLOCK_ENV "IMEI_BRANDD_TEST_NOW"

static gboolean
ir_brandd_clock_fixed (gint64 *when)
{
	const char *text = g_getenv (IR_BRANDD_CLOCK_ENV);
	guint64 value = 0;

	if (text == NULL || text[0] == '\0')
		return FALSE;
	if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT32, &value, NULL))
		return FALSE;
	*when = (gint64)value;
	return TRUE;
}

gboolean
ir_brandd_clock_check (gboolean *fixed, GError **error)
{
	const char *text = g_getenv (IR_BRANDD_CLOCK_ENV);
	gint64 when = 0;

	*fixed = ir_brandd_clock_fixed (&when);
	if (text != NULL && text[0] != '\0' && !*fixed) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "$" IR_BRANDD_CLOCK_ENV
			     " is \"%s\", not seconds since 1970; it is for "
			     "tests only: unset it",
			     text);
		return FALSE;
	}
	return TRUE;
}

gint64
ir_brandd_clock_now (void)
{
	gint64 when = 0;

	if (ir_brandd_clock_fixed (&when))
		return when;
	return g_get_real_time () / G_USEC_PER_SEC;
}
