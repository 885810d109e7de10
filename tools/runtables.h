/* cirrus — the tables a run adds to its HDF5 file besides the series:
 * /summary (the run's summary numbers) and /faults (the scenario's faults
 * as time spans), their reading back, and replication statistics
 * (docs/outputs.md, "Tables"). */
#ifndef CIRRUS_TOOLS_RUNTABLES_H
#define CIRRUS_TOOLS_RUNTABLES_H

#include <glib.h>
#include "sim/h5/h5out.h"
#include "sim/kernel/sim.h"
#include "tools/h5read.h"

/* The numbers of one summary row.  Counts and gauges fill sum, mean, min,
 * max, last (as in the summary JSON); latencies fill count, mean, p50, p90,
 * p99, p999, max in milliseconds.  The others are NaN. */
typedef enum {
    CIRRUS_STAT_COUNT, CIRRUS_STAT_SUM, CIRRUS_STAT_MEAN, CIRRUS_STAT_MIN, CIRRUS_STAT_MAX,
    CIRRUS_STAT_LAST, CIRRUS_STAT_P50, CIRRUS_STAT_P90, CIRRUS_STAT_P99, CIRRUS_STAT_P999,
    CIRRUS_STAT_N
} CirrusStat;

extern const char *const cirrus_stat_names[CIRRUS_STAT_N];

typedef struct CirrusSummaryRow {
    char *group, *entity, *type, *metric, *kind, *unit;
    double v[CIRRUS_STAT_N];
    double ci95[CIRRUS_STAT_N];   /* 95% half-width over replications; NaN with one run */
} CirrusSummaryRow;

typedef struct CirrusRunSummary {
    GPtrArray *rows;        /* CirrusSummaryRow *, in summary order */
    guint replications;     /* 1, or the number of /replications/<k>/summary tables */
    /* A truncated run (its summary covers [warmup, truncated_at_s]): the
     * instant reached and the duration asked for; NaN for a complete run. */
    double truncated_at_s, duration_s;
} CirrusRunSummary;

typedef struct CirrusFaultSpan {
    double start_s, end_s;  /* end_s == start_s: no end (instance_failure) */
    char *kind, *target, *label;
} CirrusFaultSpan;

/* The summary rows of a finished simulation (ci95 NaN), in summary order.
 * A component whose model has a cost slot adds two rows of kind "cost"
 * (unit USD, the number in `sum`): cost_usd for the run and
 * cost_usd_per_month; when any does, a last entity "total" (group
 * "total") holds their sums. */
#define CIRRUS_COST_METRIC       "cost_usd"
#define CIRRUS_COST_MONTH_METRIC "cost_usd_per_month"
GPtrArray *cirrus_summary_rows(CirrusSim *sim);
GPtrArray *cirrus_summary_rows_copy(GPtrArray *rows);
/* Replace the numbers of `rows` by the mean and 95% half-width over n
 * replications' rows (each with the same metrics in the same order). */
void       cirrus_summary_rows_mean(GPtrArray *rows, GPtrArray *const *reps, guint n);

/* Which numbers a table of summary rows holds: the values (/summary), the
 * half-widths under the same names (/summary_ci95), or both, the
 * half-width of "mean" as "mean_ci95" (the /sweep table). */
typedef enum { CIRRUS_ROWS_VALUES, CIRRUS_ROWS_CI95, CIRRUS_ROWS_BOTH } CirrusRowColumns;
/* A table of summary rows at `path`: the `prefix` fields (one entry per
 * row each), then group, entity, type, metric, kind, unit, then the
 * numbers. */
gboolean cirrus_tables_write_rows(CirrusH5 *h, const char *path, GPtrArray *rows, const CirrusH5Field *prefix,
                                  guint n_prefix, CirrusRowColumns columns, GError **error);

/* Writing, at the end of a run: /summary (path), and /faults. */
gboolean cirrus_tables_write_summary(CirrusH5 *h, const char *path, CirrusSim *sim, GError **error);
gboolean cirrus_tables_write_faults(CirrusH5 *h, CirrusSim *sim, GError **error);

/* Reading.  The summary is NULL with a usage error naming the file when it
 * has no /summary (a file written before cirrus 0.1.0 had one).  With a
 * /replications group, the numbers are the mean over the replications and
 * ci95 their Student-t 95% half-width. */
CirrusRunSummary *cirrus_run_summary_read(CirrusH5Run *run, GError **error);
void              cirrus_run_summary_free(CirrusRunSummary *s);
/* "components/web/Latency": the row's key. */
char             *cirrus_summary_row_key(const CirrusSummaryRow *row);
/* Free a row (a GPtrArray's free function for rows). */
void              cirrus_summary_row_free(gpointer row);
/* The faults, in scenario order, with the run's end clipping open spans;
 * an empty array for a file with no /faults. */
GArray           *cirrus_fault_spans_read(CirrusH5Run *run);
void              cirrus_fault_spans_free(GArray *spans);

/* The 97.5% quantile of Student's t with `df` degrees of freedom (df >= 1). */
double cirrus_student_t975(guint df);
/* Mean and 95% half-width of n values (half-width NaN for n < 2; equal
 * values: exactly that value, half-width 0). */
void   cirrus_mean_ci95(const double *x, guint n, double *mean, double *half_width);
/* Half the width of the latency histogram's bucket holding a value in ms
 * (sim/kernel/hist.h): how far a percentile reported as that value may be
 * from the true one.  0 for a value <= 0 or NaN. */
double cirrus_percentile_resolution_ms(double value_ms);
gboolean cirrus_stat_is_percentile(CirrusStat s);
/* "v ± h" with h rounded up to 2 significant digits and v to the same
 * decimal place ("346.0 ± 2.7"); "v ± 0" for h == 0 and v alone for NaN h,
 * both printed by the printf format `plain` (one double); "-" for NaN v. */
char  *cirrus_format_pm(double v, double h, const char *plain);

#endif
