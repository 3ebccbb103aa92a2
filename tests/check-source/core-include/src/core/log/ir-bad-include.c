/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-source fixture: core reaching into a front end and into another
 * folder's private header. */
#include "ir-cli-output.h"
#include "ir-session-private.h"

int
ir_bad_include_answer (void)
{
	return 42;
}
