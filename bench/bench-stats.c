/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bench-stats.h"

static int
bench_stats_compare (const void *a, const void *b)
{
	gdouble x = *(const gdouble *)a;
	gdouble y = *(const gdouble *)b;

	return (x > y) - (x < y);
}

/* a sorted copy: callers keep their samples in the order they were taken */
static gdouble *
bench_stats_sorted (const gdouble *values, guint n)
{
	gdouble *sorted = g_memdup2 (values, n * sizeof (gdouble));

	qsort (sorted, n, sizeof (gdouble), bench_stats_compare);
	return sorted;
}

gdouble
bench_stats_median (const gdouble *values, guint n)
{
	g_autofree gdouble *sorted = NULL;

	if (n == 0)
		return 0;
	sorted = bench_stats_sorted (values, n);
	if (n % 2 == 1)
		return sorted[n / 2];
	return (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

gdouble
bench_stats_percentile (const gdouble *values, guint n, guint pct)
{
	g_autofree gdouble *sorted = NULL;
	guint rank;

	if (n == 0)
		return 0;
	sorted = bench_stats_sorted (values, n);
	rank = (guint)((MIN (pct, 100) * (guint64)n + 99) / 100);
	return sorted[MAX (rank, 1) - 1];
}

gdouble
bench_stats_array_median (GArray *values)
{
	return bench_stats_median ((const gdouble *)(gpointer)values->data, values->len);
}

gdouble
bench_stats_array_percentile (GArray *values, guint pct)
{
	return bench_stats_percentile ((const gdouble *)(gpointer)values->data, values->len, pct);
}
