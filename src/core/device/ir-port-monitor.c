/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <libusb.h>

#include "ir-error.h"
#include "ir-port-monitor.h"

/* libusb delivers hotplug events on whatever thread handles its events;
 * a private thread does that here and every event is handed to the main
 * context the monitor was created in, so that signal handlers run where
 * the caller expects them (a GTK main loop, imeictl's loop). */

/* Shared with queued events: the monitor may be gone by the time an
 * event is dispatched. Only the creating context's thread touches @self. */
typedef struct {
	IrPortMonitor *self;
} IrPortMonitorLink;

typedef struct {
	IrPortMonitorLink *link;
	gboolean arrived;
	guint16 vid;
	guint16 pid;
	int bus;
	int address;
} IrPortMonitorEvent;

struct _IrPortMonitor {
	GObject parent_instance;
	libusb_context *usb;
	libusb_hotplug_callback_handle handle;
	gboolean registered;
	GThread *thread;
	gint running; /* atomic */
	GMainContext *context;
	IrPortMonitorLink *link;
};

G_DEFINE_TYPE (IrPortMonitor, ir_port_monitor, G_TYPE_OBJECT)

enum {
	SIGNAL_ARRIVED,
	SIGNAL_LEFT,
	SIGNAL_LAST,
};

static guint signals[SIGNAL_LAST] = {0};

static void
ir_port_monitor_event_free (gpointer data)
{
	IrPortMonitorEvent *event = data;

	g_atomic_rc_box_release (event->link);
	g_free (event);
}

static gboolean
ir_port_monitor_event_dispatch (gpointer data)
{
	IrPortMonitorEvent *event = data;
	IrPortMonitor *self = event->link->self;

	if (self == NULL)
		return G_SOURCE_REMOVE;
	g_signal_emit (self,
		       signals[event->arrived ? SIGNAL_ARRIVED : SIGNAL_LEFT],
		       0,
		       (guint)event->vid,
		       (guint)event->pid,
		       event->bus,
		       event->address);
	return G_SOURCE_REMOVE;
}

/* Always through a source: g_main_context_invoke() would run the handler
 * right here, in the event thread, whenever nobody iterates the context. */
static void
ir_port_monitor_queue (GMainContext *context, IrPortMonitorEvent *event)
{
	g_autoptr (GSource) source = g_idle_source_new ();

	g_source_set_priority (source, G_PRIORITY_DEFAULT);
	g_source_set_callback (
	    source, ir_port_monitor_event_dispatch, event, ir_port_monitor_event_free);
	g_source_set_static_name (source, "[imeirestore] USB hotplug event");
	g_source_attach (source, context);
}

/* runs in the event thread */
static int LIBUSB_CALL
ir_port_monitor_hotplug_cb (libusb_context *ctx,
			    libusb_device *device,
			    libusb_hotplug_event what,
			    void *user_data)
{
	IrPortMonitor *self = user_data;
	struct libusb_device_descriptor desc = {0};
	IrPortMonitorEvent *event = g_new0 (IrPortMonitorEvent, 1);

	/* libusb keeps the descriptor of a device that left, so this works
	 * for both events */
	libusb_get_device_descriptor (device, &desc);
	event->link = g_atomic_rc_box_acquire (self->link);
	event->arrived = what == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED;
	event->vid = desc.idVendor;
	event->pid = desc.idProduct;
	event->bus = libusb_get_bus_number (device);
	event->address = libusb_get_device_address (device);
	ir_port_monitor_queue (self->context, event);
	return 0; /* stay registered */
}

static gpointer
ir_port_monitor_thread (gpointer user_data)
{
	IrPortMonitor *self = user_data;

	while (g_atomic_int_get (&self->running)) {
		/* the timeout bounds shutdown should the interrupt be missed */
		struct timeval tv = {.tv_sec = 1};

		libusb_handle_events_timeout_completed (self->usb, &tv, NULL);
	}
	return NULL;
}

static void
ir_port_monitor_stop (IrPortMonitor *self)
{
	if (self->thread != NULL) {
		g_atomic_int_set (&self->running, FALSE);
		if (self->registered)
			libusb_hotplug_deregister_callback (self->usb, self->handle);
		self->registered = FALSE;
		libusb_interrupt_event_handler (self->usb);
		g_thread_join (g_steal_pointer (&self->thread));
	}
	if (self->registered) {
		libusb_hotplug_deregister_callback (self->usb, self->handle);
		self->registered = FALSE;
	}
	if (self->usb != NULL) {
		libusb_exit (self->usb);
		self->usb = NULL;
	}
}

static void
ir_port_monitor_set_error (GError **error, const char *why)
{
	g_set_error (error,
		     IR_ERROR,
		     IR_ERROR_NOT_SUPPORTED,
		     "USB hotplug is not available here (%s): "
		     "run `imeictl list` again after plugging a phone in",
		     why);
}

static gboolean
ir_port_monitor_start (IrPortMonitor *self, GError **error)
{
	int rc = libusb_init (&self->usb);

	if (rc != LIBUSB_SUCCESS) {
		g_autofree char *why = g_strdup_printf ("libusb: %s", libusb_strerror (rc));

		self->usb = NULL;
		ir_port_monitor_set_error (error, why);
		return FALSE;
	}
	if (!libusb_has_capability (LIBUSB_CAP_HAS_HOTPLUG)) {
		ir_port_monitor_set_error (error, "this libusb has no hotplug support");
		return FALSE;
	}
	rc = libusb_hotplug_register_callback (self->usb,
					       LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
						   LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
					       LIBUSB_HOTPLUG_NO_FLAGS,
					       LIBUSB_HOTPLUG_MATCH_ANY,
					       LIBUSB_HOTPLUG_MATCH_ANY,
					       LIBUSB_HOTPLUG_MATCH_ANY,
					       ir_port_monitor_hotplug_cb,
					       self,
					       &self->handle);
	if (rc != LIBUSB_SUCCESS) {
		g_autofree char *why = g_strdup_printf ("libusb: %s", libusb_strerror (rc));

		ir_port_monitor_set_error (error, why);
		return FALSE;
	}
	self->registered = TRUE;
	g_atomic_int_set (&self->running, TRUE);
	self->thread = g_thread_new ("ir-usb-hotplug", ir_port_monitor_thread, self);
	return TRUE;
}

IrPortMonitor *
ir_port_monitor_new (GError **error)
{
	g_autoptr (IrPortMonitor) self = g_object_new (IR_TYPE_PORT_MONITOR, NULL);

	if (!ir_port_monitor_start (self, error))
		return NULL;
	return g_steal_pointer (&self);
}

static void
ir_port_monitor_dispose (GObject *object)
{
	IrPortMonitor *self = IR_PORT_MONITOR (object);

	ir_port_monitor_stop (self);
	/* events still queued in the context find nobody to tell */
	if (self->link != NULL) {
		self->link->self = NULL;
		g_atomic_rc_box_release (g_steal_pointer (&self->link));
	}
	G_OBJECT_CLASS (ir_port_monitor_parent_class)->dispose (object);
}

static void
ir_port_monitor_finalize (GObject *object)
{
	IrPortMonitor *self = IR_PORT_MONITOR (object);

	g_main_context_unref (self->context);
	G_OBJECT_CLASS (ir_port_monitor_parent_class)->finalize (object);
}

static void
ir_port_monitor_init (IrPortMonitor *self)
{
	self->context = g_main_context_ref_thread_default ();
	self->link = g_atomic_rc_box_new0 (IrPortMonitorLink);
	self->link->self = self;
}

static void
ir_port_monitor_class_init (IrPortMonitorClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS (klass);

	object_class->dispose = ir_port_monitor_dispose;
	object_class->finalize = ir_port_monitor_finalize;

	/* (guint vid, guint pid, int bus, int address): the USB ids travel
	 * as guint, GType has no 16-bit type */
	signals[SIGNAL_ARRIVED] = g_signal_new ("arrived",
						G_TYPE_FROM_CLASS (klass),
						G_SIGNAL_RUN_LAST,
						0,
						NULL,
						NULL,
						NULL,
						G_TYPE_NONE,
						4,
						G_TYPE_UINT,
						G_TYPE_UINT,
						G_TYPE_INT,
						G_TYPE_INT);
	signals[SIGNAL_LEFT] = g_signal_new ("left",
					     G_TYPE_FROM_CLASS (klass),
					     G_SIGNAL_RUN_LAST,
					     0,
					     NULL,
					     NULL,
					     NULL,
					     G_TYPE_NONE,
					     4,
					     G_TYPE_UINT,
					     G_TYPE_UINT,
					     G_TYPE_INT,
					     G_TYPE_INT);
}
