/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The public face of the irprotocols library: adds every protocol family's
 * host driver to core's family registry (ir-family.h). Programs and tests
 * that identify phones call it once before anything looks a family or a
 * profile up; calling it again does nothing. */
void ir_protocols_register (void);

G_END_DECLS
