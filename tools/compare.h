/* cirrus — `cirrus compare`: the summaries of several runs side by side. */
#ifndef CIRRUS_TOOLS_COMPARE_H
#define CIRRUS_TOOLS_COMPARE_H

#include <glib.h>
#include "tools/runtables.h"

/* One line of the table: one statistic of one metric, in every run. */
typedef struct CirrusCompareRow {
    const CirrusSummaryRow *first;   /* the metric in the first run (names, kind, unit) */
    CirrusStat stat;
    double *value, *ci95;            /* one per run; ci95 NaN without replications */
} CirrusCompareRow;

/* The lines for the metrics every run has, in the first run's order: per
 * kind the usual statistics (a count's total; a gauge's mean and peak; a
 * latency's mean, p50 and p99), or every one with `all`; lines that are 0
 * or NaN in every run are left out unless `all`.  *left_out counts the
 * metrics missing from some run. */
GPtrArray *cirrus_compare_rows(CirrusRunSummary *const *runs, guint n, gboolean all, guint *left_out);

/* Difference of run k from run 0: absolute, in % of run 0 (NaN when run 0
 * is 0), and its 95% half-width sqrt(h0^2 + hk^2) when both runs have
 * one (NaN otherwise). */
void cirrus_compare_diff(const CirrusCompareRow *row, guint k, double *diff, double *pct, double *ci95);

/* "total", "mean", "p99 (ms)"...: what a line shows, with its unit. */
char *cirrus_compare_stat_label(const CirrusCompareRow *row);

/* The aligned table of `rows` (one column per run, headed by labels[k]),
 * and with `diffs` each run's difference from the first, absolute and in
 * %: what `cirrus compare` and `cirrus sweep` print. */
void cirrus_compare_format(GString *out, GPtrArray *rows, const char *const *labels, guint n, gboolean diffs);

#endif
