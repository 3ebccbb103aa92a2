/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "ir-cli-loop.h"

void
ir_cli_loop_init (IrCliLoop *self)
{
	self->context = g_main_context_new ();
	self->loop = g_main_loop_new (self->context, FALSE);
	self->res = NULL;
	g_main_context_push_thread_default (self->context);
}

void
ir_cli_loop_clear (IrCliLoop *self)
{
	if (self->context == NULL)
		return;
	g_clear_object (&self->res);
	g_main_context_pop_thread_default (self->context);
	g_main_loop_unref (self->loop);
	g_main_context_unref (self->context);
	self->context = NULL;
}

void
ir_cli_loop_done (GObject *source, GAsyncResult *res, gpointer user_data)
{
	IrCliLoop *self = user_data;

	g_set_object (&self->res, res);
	g_main_loop_quit (self->loop);
}

GAsyncResult *
ir_cli_loop_wait (IrCliLoop *self)
{
	g_clear_object (&self->res);
	/* the engine completes in an idle, never before this runs */
	g_main_loop_run (self->loop);
	return self->res;
}
