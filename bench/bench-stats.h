/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Order statistics of a benchmark's samples, in whatever unit they are
 * in, one definition for every bench so that their figures mean the same.
 * None changes the order of the samples it is given; each is 0 for no
 * samples. */

/* The middle sample, or the mean of the two middle ones. */
gdouble bench_stats_median (const gdouble *values, guint n);

/* Nearest rank: the smallest sample with at least @pct percent of the
 * samples at or below it (@pct 0 gives the minimum, 100 the maximum). */
gdouble bench_stats_percentile (const gdouble *values, guint n, guint pct);

/* The same of a GArray of gdouble. */
gdouble bench_stats_array_median (GArray *values);
gdouble bench_stats_array_percentile (GArray *values, guint pct);

G_END_DECLS
