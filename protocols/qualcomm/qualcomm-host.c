/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>

#include "ir-error.h"
#include "ir-family-private.h"
#include "ir-qc-channel.h"
#include "ir-qc-diag.h"
#include "ir-qc-nv-imei.h"

/* The host driver of Qualcomm's DIAG port (README.md): no AT at all, every
 * hook talks to the channel's transport. Slot 1 is NV item 550 through
 * the plain NV commands, slot 2 the same item for subscription 1 through
 * the NV subsystem command. */

#define IR_QC_MANUFACTURER "Qualcomm"

/* A status or failure after which asking the same read again may help. */
static gboolean
qualcomm_host_read_retryable (const GError *error)
{
	return g_error_matches (error, IR_ERROR, IR_ERROR_TIMEOUT) ||
	       g_error_matches (error, IR_ERROR, IR_ERROR_PROTOCOL);
}

static IrTransport *
qualcomm_host_transport (IrAtChannel *channel)
{
	return ir_at_channel_get_transport (channel);
}

static GBytes *
qualcomm_host_nv_request (guint slot, gboolean write, const guint8 *data, gsize len)
{
	if (slot == 0)
		return ir_qc_diag_request_nv (
		    write ? IR_QC_DIAG_NV_WRITE : IR_QC_DIAG_NV_READ, IR_QC_NV_UE_IMEI, data, len);
	return ir_qc_diag_request_nv_ext (write, IR_QC_NV_UE_IMEI, (guint16)slot, data, len);
}

/* One NV read of slot @slot's item; the status is judged here: DONE gives
 * the data, INACTIVE an unset slot (*@inactive), the rest an error. */
static gboolean
qualcomm_host_read_nv_once (IrAtChannel *channel,
			    const IrProfile *profile,
			    guint slot,
			    IrQcNvResponse *rsp,
			    gboolean *inactive,
			    GCancellable *cancellable,
			    GError **error)
{
	IrTransport *transport = qualcomm_host_transport (channel);
	g_autoptr (GBytes) req = qualcomm_host_nv_request (slot, FALSE, NULL, 0);
	g_autoptr (GBytes) answer = NULL;
	g_autofree char *what = NULL;

	answer = ir_qc_channel_exchange (
	    transport, req, profile->command_timeout_ms, cancellable, error);
	if (answer == NULL)
		return FALSE;
	if (!ir_qc_diag_parse_nv (g_bytes_get_data (answer, NULL),
				  g_bytes_get_size (answer),
				  FALSE,
				  IR_QC_NV_UE_IMEI,
				  slot == 0 ? -1 : (int)slot,
				  rsp,
				  error))
		return FALSE;
	*inactive = rsp->status == IR_QC_NV_INACTIVE;
	if (rsp->status == IR_QC_NV_DONE || *inactive)
		return TRUE;
	what = g_strdup_printf (
	    "NV item 550 of IMEI slot %u on %s", slot + 1, ir_transport_get_path (transport));
	ir_qc_diag_nv_status_set_error (rsp->status, FALSE, what, error);
	return FALSE;
}

/* Reads slot @slot, asking again on a lost or garbled answer and on BUSY.
 * *@absent when the phone has no such slot (slot 2: the subsystem command
 * refused, or the item inactive). */
static gboolean
qualcomm_host_read_slot (IrAtChannel *channel,
			 const IrProfile *profile,
			 guint slot,
			 char **imei,
			 gboolean *absent,
			 GCancellable *cancellable,
			 GError **error)
{
	for (guint attempt = 1;; attempt++) {
		IrQcNvResponse rsp = {0};
		gboolean inactive = FALSE;
		g_autoptr (GError) error_local = NULL;
		g_autofree char *why = NULL;

		if (qualcomm_host_read_nv_once (
			channel, profile, slot, &rsp, &inactive, cancellable, &error_local)) {
			*absent = slot > 0 && inactive;
			if (!inactive &&
			    ir_qc_nv_imei_decode (rsp.data, sizeof (rsp.data), imei, &why) ==
				IR_QC_NV_IMEI_MALFORMED)
				g_debug (
				    "IMEI slot %u holds a malformed NV 550: %s", slot + 1, why);
			return TRUE;
		}
		if (slot > 0 && g_error_matches (error_local, IR_ERROR, IR_ERROR_NOT_SUPPORTED)) {
			*absent = TRUE;
			return TRUE;
		}
		if (attempt >= IR_AT_READ_ATTEMPTS || !qualcomm_host_read_retryable (error_local)) {
			if (attempt > 1)
				g_prefix_error (&error_local, "after %u attempts: ", attempt);
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_debug ("NV read of slot %u on %s: %s; asking again",
			 slot + 1,
			 ir_at_read_port (channel),
			 error_local->message);
	}
}

static GPtrArray *
qualcomm_host_read_imeis (IrAtChannel *channel,
			  const IrProfile *profile,
			  IrFamilyReadReport *report,
			  GCancellable *cancellable,
			  GError **error)
{
	g_autoptr (GPtrArray) imeis = g_ptr_array_new_with_free_func (g_free);

	for (guint slot = 0; slot < profile->slots; slot++) {
		char *imei = NULL;
		gboolean absent = FALSE;
		g_autoptr (GError) error_local = NULL;

		if (!qualcomm_host_read_slot (
			channel, profile, slot, &imei, &absent, cancellable, &error_local)) {
			g_propagate_prefixed_error (error,
						    g_steal_pointer (&error_local),
						    "failed to read IMEI slot %u: ",
						    slot + 1);
			return NULL;
		}
		if (absent) {
			g_debug ("%s has no IMEI slot %u over DIAG",
				 ir_at_read_port (channel),
				 slot + 1);
			break;
		}
		g_ptr_array_add (imeis, imei);
	}
	ir_family_read_report_add_command (report, "DIAG NV read of item 550 (NV_UE_IMEI_I)");
	return g_steal_pointer (&imeis);
}

/* The answer to a write: judged once, never asked again. */
static gboolean
qualcomm_host_check_write (IrAtChannel *channel, guint slot, GBytes *answer, GError **error)
{
	IrQcNvResponse rsp = {0};
	g_autofree char *what = NULL;
	g_autoptr (GError) error_local = NULL;

	what = g_strdup_printf ("IMEI slot %u on %s", slot + 1, ir_at_read_port (channel));
	if (!ir_qc_diag_parse_nv (g_bytes_get_data (answer, NULL),
				  g_bytes_get_size (answer),
				  TRUE,
				  IR_QC_NV_UE_IMEI,
				  slot == 0 ? -1 : (int)slot,
				  &rsp,
				  &error_local)) {
		if (g_error_matches (error_local, IR_ERROR, IR_ERROR_SPC_LOCKED)) {
			g_set_error (error,
				     IR_ERROR,
				     IR_ERROR_SPC_LOCKED,
				     "%s was not written: the phone wants its service programming "
				     "code (SPC) first and the brand's registry holds none for it; "
				     "ask the brand to add it, then restore again",
				     what);
			return FALSE;
		}
		g_propagate_prefixed_error (
		    error, g_steal_pointer (&error_local), "%s: NV write: ", what);
		return FALSE;
	}
	if (rsp.status != IR_QC_NV_DONE) {
		ir_qc_diag_nv_status_set_error (rsp.status, TRUE, what, error);
		return FALSE;
	}
	return TRUE;
}

static gboolean
qualcomm_host_write_imei (IrAtChannel *channel,
			  const IrProfile *profile,
			  guint slot,
			  const char *imei,
			  GCancellable *cancellable,
			  GError **error)
{
	guint8 nv[IR_QC_NV_IMEI_LEN];
	g_autoptr (GBytes) req = NULL;
	g_autoptr (GBytes) answer = NULL;
	g_autoptr (GError) error_local = NULL;

	if (slot >= profile->slots) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_INVALID_INPUT,
			     "IMEI slot %u does not exist on %s: the phone has %u",
			     slot + 1,
			     ir_at_read_port (channel),
			     profile->slots);
		return FALSE;
	}
	if (!ir_qc_nv_imei_encode (imei, nv, error))
		return FALSE;
	req = qualcomm_host_nv_request (slot, TRUE, nv, sizeof (nv));
	answer = ir_qc_channel_exchange (qualcomm_host_transport (channel),
					 req,
					 profile->write_timeout_ms,
					 cancellable,
					 &error_local);
	if (answer == NULL) {
		/* sent once: a lost or garbled answer leaves the outcome open */
		g_propagate_prefixed_error (
		    error,
		    g_steal_pointer (&error_local),
		    "the NV write of IMEI slot %u was sent but its answer was "
		    "lost; the outcome is unknown: identify the phone again "
		    "to see what it holds: ",
		    slot + 1);
		return FALSE;
	}
	return qualcomm_host_check_write (channel, slot, answer, error);
}

/* Offline first (a phone may refuse NV writes while its modem runs); a
 * phone without the mode change is told by its write. */
static gboolean
qualcomm_host_go_offline (IrAtChannel *channel,
			  const IrProfile *profile,
			  GCancellable *cancellable,
			  GError **error)
{
	g_autoptr (GBytes) req = ir_qc_diag_request_control (IR_QC_DIAG_MODE_OFFLINE);
	g_autoptr (GBytes) answer = NULL;
	g_autoptr (GError) error_local = NULL;

	answer = ir_qc_channel_exchange (qualcomm_host_transport (channel),
					 req,
					 profile->command_timeout_ms,
					 cancellable,
					 &error_local);
	if (answer != NULL && ir_qc_diag_check_response (g_bytes_get_data (answer, NULL),
							 g_bytes_get_size (answer),
							 IR_QC_DIAG_CONTROL,
							 3,
							 &error_local))
		return TRUE;
	if (g_error_matches (error_local, IR_ERROR, IR_ERROR_NOT_SUPPORTED)) {
		g_debug (
		    "%s: %s; writing without it", ir_at_read_port (channel), error_local->message);
		return TRUE;
	}
	g_propagate_prefixed_error (error,
				    g_steal_pointer (&error_local),
				    "nothing written to %s: the mode change to offline failed: ",
				    ir_at_read_port (channel));
	return FALSE;
}

/* The SPC is sent once: a phone locks itself after repeated wrong codes. */
static gboolean
qualcomm_host_send_spc (IrAtChannel *channel,
			const IrProfile *profile,
			const char *spc,
			GCancellable *cancellable,
			GError **error)
{
	g_autoptr (GBytes) req = NULL;
	g_autoptr (GBytes) answer = NULL;
	g_autoptr (GError) error_local = NULL;
	gboolean accepted = FALSE;

	req = ir_qc_diag_request_spc (spc, error);
	if (req == NULL)
		return FALSE;
	answer = ir_qc_channel_exchange (qualcomm_host_transport (channel),
					 req,
					 profile->command_timeout_ms,
					 cancellable,
					 &error_local);
	/* the request held the code: wipe our copy as soon as it is sent */
	OPENSSL_cleanse ((gpointer)g_bytes_get_data (req, NULL), g_bytes_get_size (req));
	if (answer == NULL || !ir_qc_diag_parse_spc (g_bytes_get_data (answer, NULL),
						     g_bytes_get_size (answer),
						     &accepted,
						     &error_local)) {
		g_propagate_prefixed_error (error,
					    g_steal_pointer (&error_local),
					    "nothing written to %s: the SPC was sent but not "
					    "answered; do not send it again before identifying the "
					    "phone: ",
					    ir_at_read_port (channel));
		return FALSE;
	}
	if (!accepted) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_SPC_REFUSED,
			     "nothing written to %s: the phone refused the service programming "
			     "code (SPC) from the brand's registry; stop here and do not try "
			     "again (phones lock after repeated wrong codes): ask the brand to "
			     "check the SPC it holds for this phone",
			     ir_at_read_port (channel));
		return FALSE;
	}
	return TRUE;
}

static gboolean
qualcomm_host_prepare_write (IrAtChannel *channel,
			     const IrProfile *profile,
			     const char *spc,
			     GCancellable *cancellable,
			     GError **error)
{
	if (!qualcomm_host_go_offline (channel, profile, cancellable, error))
		return FALSE;
	if (spc == NULL)
		return TRUE;
	return qualcomm_host_send_spc (channel, profile, spc, cancellable, error);
}

static gboolean
qualcomm_host_probe (IrAtChannel *channel,
		     guint timeout_ms,
		     GCancellable *cancellable,
		     GError **error)
{
	g_autoptr (GBytes) req = ir_qc_diag_request_simple (IR_QC_DIAG_VERSION_INFO);
	g_autoptr (GBytes) answer = NULL;
	g_autoptr (GError) error_local = NULL;
	g_autofree char *model = NULL;
	const guint8 *p;
	gsize len = 0;

	answer = ir_qc_channel_exchange (
	    qualcomm_host_transport (channel), req, timeout_ms, cancellable, &error_local);
	if (answer == NULL) {
		/* silence or garbage: not a DIAG port; gone or cancelled: say so */
		if (g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED) ||
		    g_error_matches (error_local, IR_ERROR, IR_ERROR_CANCELLED)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return FALSE;
		}
		g_debug ("%s: %s", ir_at_read_port (channel), error_local->message);
		return FALSE;
	}
	/* a real version-info answer, or DIAG's refusal of the request,
	 * proves the protocol; the bare request coming back is an AT port
	 * echoing what it was sent (ATE1), not a DIAG port */
	p = g_bytes_get_data (answer, &len);
	if ((p[0] == IR_QC_DIAG_BAD_CMD || p[0] == IR_QC_DIAG_BAD_LEN) && len > 1)
		return TRUE;
	model = ir_qc_diag_parse_version_model (p, len, NULL);
	return model != NULL;
}

/* A read of the identity that may be refused or lost: NULL then. */
static GBytes *
qualcomm_host_ask (IrAtChannel *channel,
		   IrQcDiagCommand command,
		   GCancellable *cancellable,
		   GError **error)
{
	const IrProfile *base = ir_profile_lookup ("qualcomm");
	guint timeout_ms = base != NULL ? base->command_timeout_ms : 3000;
	g_autoptr (GBytes) req = ir_qc_diag_request_simple (command);

	for (guint attempt = 1;; attempt++) {
		g_autoptr (GError) error_local = NULL;
		GBytes *answer = ir_qc_channel_exchange (
		    qualcomm_host_transport (channel), req, timeout_ms, cancellable, &error_local);
		if (answer != NULL)
			return answer;
		if (attempt >= IR_AT_READ_ATTEMPTS || !qualcomm_host_read_retryable (error_local)) {
			g_propagate_error (error, g_steal_pointer (&error_local));
			return NULL;
		}
	}
}

static gboolean
qualcomm_host_identify (IrAtChannel *channel,
			IrFamilyIdentity *identity,
			GCancellable *cancellable,
			GError **error)
{
	g_autoptr (GBytes) version = NULL;
	g_autoptr (GBytes) build = NULL;
	g_autoptr (GBytes) esn = NULL;
	g_autoptr (GError) error_local = NULL;

	version = qualcomm_host_ask (channel, IR_QC_DIAG_VERSION_INFO, cancellable, error);
	if (version == NULL)
		return FALSE;
	identity->manufacturer = g_strdup (IR_QC_MANUFACTURER);
	identity->model = ir_qc_diag_parse_version_model (
	    g_bytes_get_data (version, NULL), g_bytes_get_size (version), NULL);
	build = qualcomm_host_ask (channel, IR_QC_DIAG_EXT_BUILD_ID, cancellable, &error_local);
	if (build != NULL) {
		g_autofree char *build_id = NULL;
		g_autofree char *model = NULL;
		if (ir_qc_diag_parse_ext_build_id (g_bytes_get_data (build, NULL),
						   g_bytes_get_size (build),
						   &build_id,
						   &model,
						   NULL)) {
			identity->revision = g_steal_pointer (&build_id);
			/* the extended model string is the longer, better name */
			if (model != NULL) {
				g_free (identity->model);
				identity->model = g_steal_pointer (&model);
			}
		}
	} else if (g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED) ||
		   g_error_matches (error_local, IR_ERROR, IR_ERROR_CANCELLED)) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	g_clear_error (&error_local);
	esn = qualcomm_host_ask (channel, IR_QC_DIAG_ESN, cancellable, &error_local);
	if (esn != NULL) {
		g_autofree char *text = ir_qc_diag_parse_esn (
		    g_bytes_get_data (esn, NULL), g_bytes_get_size (esn), NULL);
		/* GSM-only phones answer an ESN of zero: no serial at all */
		if (text != NULL && g_strcmp0 (text, "00000000") != 0)
			identity->serial = g_strdup_printf ("ESN:%s", text);
	} else if (g_error_matches (error_local, IR_ERROR, IR_ERROR_DISCONNECTED) ||
		   g_error_matches (error_local, IR_ERROR, IR_ERROR_CANCELLED)) {
		g_propagate_error (error, g_steal_pointer (&error_local));
		return FALSE;
	}
	return TRUE;
}

const IrFamily ir_family_qualcomm = {
    .id = "qualcomm",
    .title = "Qualcomm (DIAG NV 550)",
    .read_imeis = qualcomm_host_read_imeis,
    .write_imei = qualcomm_host_write_imei,
    .probe = qualcomm_host_probe,
    .identify = qualcomm_host_identify,
    .prepare_write = qualcomm_host_prepare_write,
    .after_write = "the phone is offline (DIAG mode change): restart it (power off, then on) "
		   "so that its modem takes the restored IMEI",
};
