/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The auditor's view of a migration log (docs/migration-log.md): verifying
 * it from its bytes, querying its restorations, exporting and counting
 * them. No GTK, no CLI: imeictl audit and the GTK auditor view both sit on
 * these. One header each; this one includes them all. */

#include "ir-audit-export.h"
#include "ir-audit-filter.h"
#include "ir-audit-paths.h"
#include "ir-audit-query.h"
#include "ir-audit-stats.h"
#include "ir-audit-verify.h"
