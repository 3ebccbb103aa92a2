/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <libserialport.h>

#include "ir-error.h"
#include "ir-port.h"
#include "ir-transport-replay.h"
#include "ir-transport-script.h"
#include "ir-transport-serialport.h"
#include "ir-transport-termios.h"

#define IR_PORT_REPLAY_PREFIX "replay:"
#define IR_PORT_SCRIPT_PREFIX "script:"

/* Unix 98 pseudo-terminal slaves (Documentation/admin-guide/devices.txt) */
#define IR_PORT_PTY_MAJOR_MIN 136
#define IR_PORT_PTY_MAJOR_MAX 143

void
ir_port_info_free (IrPortInfo *info)
{
	if (info == NULL)
		return;
	g_free (info->path);
	g_free (info->description);
	g_free (info->kind);
	g_free (info->usb_serial);
	g_free (info->usb_manufacturer);
	g_free (info->usb_product);
	g_free (info);
}

static IrPortInfo *
ir_port_info_new (const char *path, const char *kind)
{
	IrPortInfo *info = g_new0 (IrPortInfo, 1);

	info->path = g_strdup (path);
	info->kind = g_strdup (kind);
	info->usb_bus = -1;
	info->usb_address = -1;
	return info;
}

static const char *
ir_port_kind_from_transport (enum sp_transport transport)
{
	switch (transport) {
	case SP_TRANSPORT_USB:
		return "usb";
	case SP_TRANSPORT_BLUETOOTH:
		return "bluetooth";
	case SP_TRANSPORT_NATIVE:
	default:
		return "native";
	}
}

/* libserialport returns NULL or "" for strings sysfs does not have */
static char *
ir_port_dup_nonempty (const char *str)
{
	if (str == NULL || str[0] == '\0')
		return NULL;
	return g_strdup (str);
}

static IrPortInfo *
ir_port_info_from_sp (const char *path, struct sp_port *port)
{
	IrPortInfo *info =
	    ir_port_info_new (path, ir_port_kind_from_transport (sp_get_port_transport (port)));
	int vid = 0;
	int pid = 0;
	int bus = -1;
	int address = -1;

	info->description = ir_port_dup_nonempty (sp_get_port_description (port));
	if (sp_get_port_transport (port) != SP_TRANSPORT_USB)
		return info;
	if (sp_get_port_usb_vid_pid (port, &vid, &pid) == SP_OK) {
		info->usb_vid = (guint16)vid;
		info->usb_pid = (guint16)pid;
	}
	if (sp_get_port_usb_bus_address (port, &bus, &address) == SP_OK) {
		info->usb_bus = bus;
		info->usb_address = address;
	}
	info->usb_serial = ir_port_dup_nonempty (sp_get_port_usb_serial (port));
	info->usb_manufacturer = ir_port_dup_nonempty (sp_get_port_usb_manufacturer (port));
	info->usb_product = ir_port_dup_nonempty (sp_get_port_usb_product (port));
	return info;
}

static gint
ir_port_info_cmp (gconstpointer a, gconstpointer b)
{
	const IrPortInfo *ia = *(const IrPortInfo *const *)a;
	const IrPortInfo *ib = *(const IrPortInfo *const *)b;

	return g_strcmp0 (ia->path, ib->path);
}

GPtrArray *
ir_port_list (GError **error)
{
	g_autoptr (GPtrArray) ports =
	    g_ptr_array_new_with_free_func ((GDestroyNotify)ir_port_info_free);
	struct sp_port **list = NULL;
	enum sp_return rc;

	rc = sp_list_ports (&list);
	if (rc != SP_OK) {
		ir_transport_serialport_set_error (
		    error, rc, "list the serial ports in", "/sys/class/tty", FALSE);
		return NULL;
	}
	for (guint i = 0; list[i] != NULL; i++)
		g_ptr_array_add (ports, ir_port_info_from_sp (sp_get_port_name (list[i]), list[i]));
	sp_free_port_list (list);
	g_ptr_array_sort (ports, ir_port_info_cmp);
	return g_steal_pointer (&ports);
}

static gboolean
ir_port_check_exists (const char *path, struct stat *st, GError **error)
{
	if (stat (path, st) != 0) {
		ir_transport_termios_set_error_errno (error, errno, "open", path, TRUE);
		return FALSE;
	}
	/* a folder is a wrong path, not a phone that failed: the same exit
	 * as a missing port (3), with what to give instead */
	if (S_ISDIR (st->st_mode)) {
		g_set_error (
		    error,
		    IR_ERROR,
		    IR_ERROR_NOT_FOUND,
		    "failed to open %s: it is a directory, not a serial port: give the "
		    "phone's port, e.g. /dev/ttyUSB0 (run `imeictl list` to see the ports)",
		    path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
ir_port_is_pty (const char *resolved, const struct stat *st)
{
	if (g_str_has_prefix (resolved, "/dev/pts/"))
		return TRUE;
	return S_ISCHR (st->st_mode) && major (st->st_rdev) >= IR_PORT_PTY_MAJOR_MIN &&
	       major (st->st_rdev) <= IR_PORT_PTY_MAJOR_MAX;
}

/* the libserialport view of @name, NULL when sysfs does not know it */
static struct sp_port *
ir_port_lookup_sp (const char *name)
{
	struct sp_port *port = NULL;

	if (!g_str_has_prefix (name, "/dev/"))
		return NULL; /* all libserialport accepts on Linux */
	if (sp_get_port_by_name (name, &port) != SP_OK)
		return NULL;
	return port;
}

typedef struct {
	char *resolved; /* symlinks followed */
	gboolean is_pty;
	struct sp_port *port; /* when libserialport knows it */
	char *device;	      /* the name libserialport knows it by */
} IrPortClass;

static void
ir_port_class_clear (IrPortClass *klass)
{
	g_free (klass->resolved);
	g_free (klass->device);
	if (klass->port != NULL)
		sp_free_port (klass->port);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (IrPortClass, ir_port_class_clear)

/* libserialport's sysfs lookup comes first: a name it knows is a real
 * port even where a testbed (umockdev) backs its node with a pty; then
 * pseudo-terminals, also behind symlinks such as imei-sim's, which
 * libserialport cannot open; then a symlink to a known port
 * (/dev/serial/by-id). */
static void
ir_port_classify (const char *path, const struct stat *st, IrPortClass *klass)
{
	klass->resolved = ir_transport_termios_resolve_path (path);
	klass->port = ir_port_lookup_sp (path);
	if (klass->port != NULL) {
		klass->device = g_strdup (path);
		return;
	}
	klass->is_pty = ir_port_is_pty (klass->resolved, st);
	if (klass->is_pty)
		return;
	klass->port = ir_port_lookup_sp (klass->resolved);
	if (klass->port != NULL)
		klass->device = g_strdup (klass->resolved);
}

/* "replay:FILE" (a session recording) and "script:FILE" (an answer
 * script): files that play a phone, with no USB identity. */
static IrPortInfo *
ir_port_query_replay (const char *path, GError **error)
{
	gboolean script = g_str_has_prefix (path, IR_PORT_SCRIPT_PREFIX);
	const char *file = strchr (path, ':') + 1;
	const char *what = script ? "answer script" : "session recording";
	IrPortInfo *info;

	if (!g_file_test (file, G_FILE_TEST_IS_REGULAR)) {
		g_set_error (error,
			     IR_ERROR,
			     IR_ERROR_NOT_FOUND,
			     "%s %s does not exist: give the file a %s was saved to",
			     what,
			     file,
			     what);
		return NULL;
	}
	info = ir_port_info_new (path, script ? "script" : "replay");
	info->description = g_strdup_printf ("%s %s", what, file);
	return info;
}

IrPortInfo *
ir_port_query (const char *path, GError **error)
{
	struct stat st;
	g_auto (IrPortClass) klass = {NULL};
	IrPortInfo *info;

	g_return_val_if_fail (path != NULL, NULL);

	if (g_str_has_prefix (path, IR_PORT_REPLAY_PREFIX) ||
	    g_str_has_prefix (path, IR_PORT_SCRIPT_PREFIX))
		return ir_port_query_replay (path, error);
	if (!ir_port_check_exists (path, &st, error))
		return NULL;
	ir_port_classify (path, &st, &klass);
	if (klass.port != NULL)
		return ir_port_info_from_sp (path, klass.port);
	if (klass.is_pty) {
		info = ir_port_info_new (path, "pty");
		info->description = g_strdup_printf ("pseudo-terminal %s", klass.resolved);
		return info;
	}
	info = ir_port_info_new (path, "native");
	info->description = g_path_get_basename (klass.resolved);
	return info;
}

IrTransport *
ir_port_transport_new (const char *path, GError **error)
{
	struct stat st;
	g_auto (IrPortClass) klass = {NULL};

	g_return_val_if_fail (path != NULL, NULL);

	if (g_str_has_prefix (path, IR_PORT_REPLAY_PREFIX))
		return ir_transport_replay_new (path + strlen (IR_PORT_REPLAY_PREFIX), error);
	if (g_str_has_prefix (path, IR_PORT_SCRIPT_PREFIX))
		return ir_transport_script_new (path + strlen (IR_PORT_SCRIPT_PREFIX), error);
	if (!ir_port_check_exists (path, &st, error))
		return NULL;
	ir_port_classify (path, &st, &klass);
	if (klass.port != NULL)
		return ir_transport_serialport_new (path, klass.device);
	return ir_transport_termios_new (path);
}
