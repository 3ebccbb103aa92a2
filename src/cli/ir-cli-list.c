/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-output.h"
#include "ir-cli.h"
#include "ir-port.h"
#include "ir-profile.h"

/* imeictl list: every serial port with its USB identity. Opens nothing, so
 * it is safe to run while another program talks to a phone. */

static char *
ir_cli_list_usb_ids (const IrPortInfo *port)
{
	if (port->usb_vid == 0 && port->usb_pid == 0)
		return NULL;
	return g_strdup_printf ("%04x:%04x", port->usb_vid, port->usb_pid);
}

static void
ir_cli_list_add_int_or_null (JsonBuilder *builder, const char *member, int value)
{
	json_builder_set_member_name (builder, member);
	if (value >= 0)
		json_builder_add_int_value (builder, value);
	else
		json_builder_add_null_value (builder);
}

static void
ir_cli_list_format_json (GPtrArray *ports, GString *out)
{
	g_autoptr (JsonBuilder) builder = json_builder_new ();
	g_autoptr (JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object (builder);
	json_builder_set_member_name (builder, "ports");
	json_builder_begin_array (builder);
	for (guint i = 0; i < ports->len; i++) {
		const IrPortInfo *port = g_ptr_array_index (ports, i);
		g_autofree char *vid = ir_cli_output_usb_id_to_string (port->usb_vid);
		g_autofree char *pid = ir_cli_output_usb_id_to_string (port->usb_pid);

		json_builder_begin_object (builder);
		ir_cli_output_json_add_string_or_null (builder, "path", port->path);
		ir_cli_output_json_add_string_or_null (builder, "kind", port->kind);
		ir_cli_output_json_add_string_or_null (builder, "description", port->description);
		ir_cli_output_json_add_string_or_null (builder, "usb_vid", vid);
		ir_cli_output_json_add_string_or_null (builder, "usb_pid", pid);
		ir_cli_list_add_int_or_null (builder, "usb_bus", port->usb_bus);
		ir_cli_list_add_int_or_null (builder, "usb_address", port->usb_address);
		ir_cli_output_json_add_string_or_null (builder, "serial", port->usb_serial);
		ir_cli_output_json_add_string_or_null (
		    builder, "manufacturer", port->usb_manufacturer);
		ir_cli_output_json_add_string_or_null (builder, "product", port->usb_product);
		/* a USB id of a DIAG profile: the port is probed in DIAG first */
		ir_cli_output_json_add_string_or_null (
		    builder,
		    "protocol_guess",
		    ir_profile_guess_binary_family (port->usb_vid, port->usb_pid) != NULL ? "diag"
											  : NULL);
		json_builder_end_object (builder);
	}
	json_builder_end_array (builder);
	json_builder_end_object (builder);
	root = json_builder_get_root (builder);
	text = ir_cli_output_json_to_string (root);
	g_string_append (out, text);
}

static void
ir_cli_list_format_text (GPtrArray *ports, GString *out)
{
	g_autoptr (IrCliTable) table = ir_cli_table_new (6);

	if (ports->len == 0) {
		g_string_append (
		    out,
		    "no serial ports found; is the phone connected and in AT/diagnostic "
		    "mode?\n");
		return;
	}
	ir_cli_table_add_row (table, "PORT", "KIND", "USB", "SERIAL", "MANUFACTURER", "PRODUCT");
	for (guint i = 0; i < ports->len; i++) {
		const IrPortInfo *port = g_ptr_array_index (ports, i);
		g_autofree char *ids = ir_cli_list_usb_ids (port);
		const char *product =
		    port->usb_product != NULL ? port->usb_product : port->description;

		ir_cli_table_add_row (table,
				      port->path,
				      port->kind,
				      ids,
				      port->usb_serial,
				      port->usb_manufacturer,
				      product);
	}
	ir_cli_table_render (table, out);
}

static gboolean
ir_cli_list_run (IrCli *cli, GCancellable *cancellable, GError **error)
{
	g_autoptr (GPtrArray) ports = ir_port_list (error);

	if (ports == NULL) {
		g_prefix_error (error, "failed to list serial ports: ");
		return FALSE;
	}
	if (cli->json)
		ir_cli_list_format_json (ports, cli->out);
	else
		ir_cli_list_format_text (ports, cli->out);
	return TRUE;
}

const IrCliCommand ir_cli_command_list = {
    .name = "list",
    .parameter_string = "",
    .summary = "List serial ports with their USB identity",
    .description = "Lists every serial port with its kind, USB vendor:product ids, USB serial\n"
		   "number, manufacturer and product. Opens no port.",
    .entries = NULL,
    .min_args = 0,
    .max_args = 0,
    .uses_device = FALSE,
    .run = ir_cli_list_run,
};
