/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

gboolean ir_good_save (const char *path);
gboolean ir_good (const char *path);
