/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-brandd-issue.h"
#include "ir-error.h"

/* A database step failed: nothing was recorded (each write is one
 * transaction). A lock held too long, a serialization storm or a database
 * that is down or restarting passes: 503 with Retry-After, so that a
 * client (or the load balancer) tries again or another node. Anything else
 * is the server's fault: 500. */
gboolean
ir_brandd_answer_store_failed (IrBranddAnswer *answer, const GError *error)
{
	gboolean passing = g_error_matches (error, IR_ERROR, IR_ERROR_BUSY) ||
			   g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
			   g_error_matches (error, IR_ERROR, IR_ERROR_DISCONNECTED);

	g_warning ("%s", error->message);
	g_free (answer->message);
	answer->refusal = passing ? IR_BRANDD_UNAVAILABLE : IR_BRANDD_INTERNAL;
	answer->message = g_strdup_printf (
	    passing ? "the database is busy or unreachable and nothing was "
		      "recorded; try again in a few seconds (%s)"
		    : "the server failed and recorded nothing; try again later (%s)",
	    error->message);
	return FALSE;
}
