/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "ir-answer-script.h"
#include "ir-transport.h"

G_BEGIN_DECLS

/* Plays an answer script (ir-answer-script.h) as the phone: each command
 * line the host writes (up to CR) gets the script's answer for it, in any
 * order; a silent answer lets the host's read time out. No echo: a script
 * holds answers only. Selected by "script:FILE" paths. */
#define IR_TYPE_TRANSPORT_SCRIPT (ir_transport_script_get_type ())
G_DECLARE_FINAL_TYPE (IrTransportScript, ir_transport_script, IR, TRANSPORT_SCRIPT, IrTransport)

/* Loads @path; the transport's path is "script:@path". */
IrTransport *ir_transport_script_new (const char *path, GError **error);
/* Plays @script (taken over) under the name "script:@path". */
IrTransport *ir_transport_script_new_for_script (IrAnswerScript *script, const char *path);
/* How many times the host sent @command (compared as the script compares
 * commands: case-insensitively, as the host wrote it, blanks included). */
guint ir_transport_script_get_asked (IrTransportScript *self, const char *command);

G_END_DECLS
