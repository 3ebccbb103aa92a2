/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

gboolean ir_bad_prefix_check (const char *path);
gboolean ir_bad_prefix_load (const char *path);
