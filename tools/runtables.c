/* cirrus — /summary and /faults tables (see runtables.h). */
#include "tools/runtables.h"
#include "sim/kernel/error.h"
#include "models/aws/prices.h"
#include "models/transfer.h"
#include "sim/kernel/hist.h"
#include <math.h>
#include <string.h>

const char *const cirrus_stat_names[CIRRUS_STAT_N] = {
    "count", "sum", "mean", "min", "max", "last", "p50", "p90", "p99", "p999",
};

static const char *const string_fields[] = {"group", "entity", "type", "metric", "kind", "unit"};

static const char *kind_name(CirrusMetricKind kind)
{
    switch (kind) {
    case CIRRUS_METRIC_COUNT: return "count";
    case CIRRUS_METRIC_GAUGE: return "gauge";
    case CIRRUS_METRIC_LATENCY: return "latency";
    }
    return "?";
}

/* One metric's numbers, as the summary JSON gives them (latencies in ms). */
static void metric_stats(const CirrusMetricSummary *m, double *v)
{
    for (guint k = 0; k < CIRRUS_STAT_N; k++) v[k] = NAN;
    if (m->kind != CIRRUS_METRIC_LATENCY) {
        v[CIRRUS_STAT_SUM] = m->sum;
        v[CIRRUS_STAT_MEAN] = m->mean;
        v[CIRRUS_STAT_MIN] = m->min;
        v[CIRRUS_STAT_MAX] = m->max;
        v[CIRRUS_STAT_LAST] = m->last;
        return;
    }
    const CirrusHist *h = m->latency;
    static const double q[] = {0.50, 0.90, 0.99, 0.999};
    v[CIRRUS_STAT_COUNT] = (double)h->count;
    if (h->count == 0) return;
    v[CIRRUS_STAT_MEAN] = cirrus_hist_mean(h) / 1e6;
    for (guint k = 0; k < G_N_ELEMENTS(q); k++) v[CIRRUS_STAT_P50 + k] = cirrus_hist_quantile(h, q[k]) / 1e6;
    v[CIRRUS_STAT_MAX] = (double)h->max / 1e6;
}


/* A component's cost rows (docs/cost.md): cost_usd for the whole run and
 * cost_usd_per_month, the same rate over AWS's 730-hour month. */
static void add_cost_rows(GPtrArray *rows, const char *group, const char *entity, const char *type, double usd,
                          double run_s)
{
    for (guint i = 0; i < 2; i++) {
        CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
        r->group = g_strdup(group);
        r->entity = g_strdup(entity);
        r->type = g_strdup(type);
        r->metric = g_strdup(i == 0 ? CIRRUS_COST_METRIC : CIRRUS_COST_MONTH_METRIC);
        r->kind = g_strdup("cost");
        r->unit = g_strdup("USD");
        for (guint k = 0; k < CIRRUS_STAT_N; k++) r->v[k] = r->ci95[k] = NAN;
        r->v[CIRRUS_STAT_SUM] = i == 0 ? usd : run_s > 0 ? usd * CIRRUS_HOURS_PER_MONTH * 3600.0 / run_s : NAN;
        g_ptr_array_add(rows, r);
    }
}

GPtrArray *cirrus_summary_rows(CirrusSim *sim)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(cirrus_summary_row_free);
    /* Costs cover the whole run, warm-up included (AWS bills the time a
     * resource exists), and the total sums the components in file order. */
    double run_s = cirrus_time_to_s(cirrus_sim_now(sim)), total = 0;
    gboolean any = FALSE;
    /* Workloads first, then components, each in file order: the order of
     * the summary table. */
    for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
            CirrusComponent *c = cirrus_sim_component(sim, i);
            gboolean workload = strcmp(cirrus_component_group(c), "workloads") == 0;
            if (workload != (pass == 0)) continue;
            for (guint m = 0; m < cirrus_component_n_metrics(c); m++) {
                CirrusMetricSummary ms;
                cirrus_component_metric_summary(c, m, &ms);
                CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
                r->group = g_strdup(cirrus_component_group(c));
                r->entity = g_strdup(cirrus_component_name(c));
                r->type = g_strdup(cirrus_component_type(c));
                r->metric = g_strdup(ms.name);
                r->kind = g_strdup(kind_name(ms.kind));
                /* A latency row's numbers are milliseconds (its series
                 * in /components are seconds): say so. */
                r->unit = g_strdup(ms.kind == CIRRUS_METRIC_LATENCY ? "Milliseconds" : ms.unit ? ms.unit : "");
                metric_stats(&ms, r->v);
                for (guint k = 0; k < CIRRUS_STAT_N; k++) r->ci95[k] = NAN;
                g_ptr_array_add(rows, r);
            }
            /* The model's bill, and what it sent to other regions
             * (models/transfer.h): a workload or a service may have the
             * latter only. */
            const CirrusModelType *t = cirrus_component_model(c);
            double transfer;
            if (!cirrus_transfer_usd(c, &transfer) && !cirrus_model_has_cost(t)) continue;
            double usd = cirrus_model_cost(t, c, cirrus_component_state(c)) + transfer;
            add_cost_rows(rows, cirrus_component_group(c), cirrus_component_name(c), cirrus_component_type(c),
                          usd, run_s);
            total += usd;
            any = TRUE;
        }
    if (any) add_cost_rows(rows, "total", "total", "total", total, run_s);
    return rows;
}

GPtrArray *cirrus_summary_rows_copy(GPtrArray *rows)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(cirrus_summary_row_free);
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        CirrusSummaryRow *c = g_new(CirrusSummaryRow, 1);
        *c = *r;
        c->group = g_strdup(r->group);
        c->entity = g_strdup(r->entity);
        c->type = g_strdup(r->type);
        c->metric = g_strdup(r->metric);
        c->kind = g_strdup(r->kind);
        c->unit = g_strdup(r->unit);
        g_ptr_array_add(out, c);
    }
    return out;
}

gboolean cirrus_tables_write_rows(CirrusH5 *h, const char *path, GPtrArray *rows, const CirrusH5Field *prefix,
                                  guint n_prefix, CirrusRowColumns columns, GError **error)
{
    guint n_str = G_N_ELEMENTS(string_fields);
    const char **str = g_new(const char *, n_str * MAX(rows->len, 1u));
    double *num = g_new(double, 2 * CIRRUS_STAT_N * MAX(rows->len, 1u));
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        const char *s[] = {r->group, r->entity, r->type, r->metric, r->kind, r->unit};
        for (guint f = 0; f < n_str; f++) str[f * rows->len + i] = s[f];
        for (guint k = 0; k < CIRRUS_STAT_N; k++) {
            num[(2 * k) * rows->len + i] = r->v[k];
            num[(2 * k + 1) * rows->len + i] = r->ci95[k];
        }
    }
    CirrusH5Field *fields = g_new(CirrusH5Field, n_prefix + n_str + 2 * CIRRUS_STAT_N);
    char **names = g_new0(char *, CIRRUS_STAT_N + 1);
    guint n = 0;
    for (guint f = 0; f < n_prefix; f++) fields[n++] = prefix[f];
    for (guint f = 0; f < n_str; f++) fields[n++] = (CirrusH5Field){string_fields[f], str + f * rows->len, NULL};
    for (guint k = 0; k < CIRRUS_STAT_N; k++) {
        /* VALUES and CI95 alone keep the plain names (/summary,
         * /summary_ci95); BOTH names the half-width "<stat>_ci95". */
        if (columns != CIRRUS_ROWS_CI95)
            fields[n++] = (CirrusH5Field){cirrus_stat_names[k], NULL, num + (2 * k) * rows->len};
        if (columns == CIRRUS_ROWS_VALUES) continue;
        names[k] = columns == CIRRUS_ROWS_BOTH ? g_strconcat(cirrus_stat_names[k], "_ci95", NULL)
                                               : g_strdup(cirrus_stat_names[k]);
        fields[n++] = (CirrusH5Field){names[k], NULL, num + (2 * k + 1) * rows->len};
    }
    gboolean ok = cirrus_h5_table(h, path, fields, n, rows->len, error);
    g_strfreev(names);
    g_free(fields);
    g_free(num);
    g_free(str);
    return ok;
}

gboolean cirrus_tables_write_summary(CirrusH5 *h, const char *path, CirrusSim *sim, GError **error)
{
    GPtrArray *rows = cirrus_summary_rows(sim);
    gboolean ok = cirrus_tables_write_rows(h, path, rows, NULL, 0, CIRRUS_ROWS_VALUES, error);
    g_ptr_array_unref(rows);
    return ok;
}

gboolean cirrus_tables_write_faults(CirrusH5 *h, CirrusSim *sim, GError **error)
{
    guint n = cirrus_sim_n_faults(sim);
    double *start = g_new0(double, n + 1), *duration = g_new0(double, n + 1);
    const char **kind = g_new0(const char *, n + 1), **target = g_new0(const char *, n + 1);
    char **detail = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        const CirrusFault *f = cirrus_sim_fault(sim, i);
        start[i] = cirrus_time_to_s(f->at);
        duration[i] = cirrus_time_to_s(f->duration);
        kind[i] = cirrus_fault_kind_name(f->kind);
        target[i] = f->component ? f->component : f->zone ? f->zone : f->region ? f->region : "";
        detail[i] = f->kind == CIRRUS_FAULT_SLOWDOWN ? g_strdup_printf("x%g", f->factor)
                    : f->kind == CIRRUS_FAULT_INSTANCE_FAILURE ? g_strdup_printf("%" G_GINT64_FORMAT " instance%s", f->count, f->count == 1 ? "" : "s")
                    : g_strdup("");
    }
    const CirrusH5Field fields[] = {
        {"start_s", NULL, start}, {"duration_s", NULL, duration}, {"kind", kind, NULL},
        {"target", target, NULL}, {"detail", (const char *const *)detail, NULL},
    };
    gboolean ok = cirrus_h5_table(h, "/faults", fields, G_N_ELEMENTS(fields), n, error);
    g_strfreev(detail);
    g_free(start);
    g_free(duration);
    g_free(kind);
    g_free(target);
    return ok;
}

/* ---- reading -------------------------------------------------------------- */

void cirrus_summary_row_free(gpointer p)
{
    CirrusSummaryRow *r = p;
    g_free(r->group);
    g_free(r->entity);
    g_free(r->type);
    g_free(r->metric);
    g_free(r->kind);
    g_free(r->unit);
    g_free(r);
}

char *cirrus_summary_row_key(const CirrusSummaryRow *row)
{
    return g_strdup_printf("%s/%s/%s", row->group, row->entity, row->metric);
}

/* One summary table's rows, or NULL if the table or a field is missing. */
static GPtrArray *read_rows(CirrusH5Run *run, const char *table)
{
    GPtrArray *str[G_N_ELEMENTS(string_fields)] = {NULL};
    GArray *num[CIRRUS_STAT_N] = {NULL};
    gboolean ok = TRUE;
    for (guint f = 0; f < G_N_ELEMENTS(string_fields); f++)
        ok = (str[f] = cirrus_h5run_table_strings(run, table, string_fields[f])) && ok;
    for (guint k = 0; k < CIRRUS_STAT_N; k++)
        ok = (num[k] = cirrus_h5run_table_numbers(run, table, cirrus_stat_names[k])) && ok;
    GPtrArray *rows = NULL;
    if (ok) {
        rows = g_ptr_array_new_with_free_func(cirrus_summary_row_free);
        for (guint i = 0; i < str[0]->len; i++) {
            CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
            char **s[] = {&r->group, &r->entity, &r->type, &r->metric, &r->kind, &r->unit};
            for (guint f = 0; f < G_N_ELEMENTS(string_fields); f++) *s[f] = g_strdup(str[f]->pdata[i]);
            for (guint k = 0; k < CIRRUS_STAT_N; k++) {
                r->v[k] = g_array_index(num[k], double, i);
                r->ci95[k] = NAN;
            }
            g_ptr_array_add(rows, r);
        }
    }
    for (guint f = 0; f < G_N_ELEMENTS(string_fields); f++)
        if (str[f]) g_ptr_array_unref(str[f]);
    for (guint k = 0; k < CIRRUS_STAT_N; k++)
        if (num[k]) g_array_free(num[k], TRUE);
    return rows;
}

static gboolean same_rows(GPtrArray *a, GPtrArray *b)
{
    if (a->len != b->len) return FALSE;
    for (guint i = 0; i < a->len; i++) {
        const CirrusSummaryRow *x = a->pdata[i], *y = b->pdata[i];
        if (strcmp(x->group, y->group) || strcmp(x->entity, y->entity) || strcmp(x->metric, y->metric)) return FALSE;
    }
    return TRUE;
}

/* Replace the numbers of `rows` by the mean and 95% half-width over the
 * replications' tables. */
static gint by_number(gconstpointer a, gconstpointer b)
{
    guint64 x = g_ascii_strtoull(*(char *const *)a, NULL, 10), y = g_ascii_strtoull(*(char *const *)b, NULL, 10);
    return x < y ? -1 : x > y;
}

static gboolean aggregate(CirrusH5Run *run, GPtrArray *names, GPtrArray *rows, GError **error)
{
    /* Replication order (0, 1, 2, ..., 10), not name order (0, 1, 10,
     * 2): the sums then run in the order cirrus run added them, and the
     * means equal the file's /summary bit for bit. */
    g_ptr_array_sort(names, by_number);
    GPtrArray *reps = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    gboolean ok = TRUE;
    for (guint k = 0; k < names->len && ok; k++) {
        char *table = g_strdup_printf("/replications/%s/summary", (char *)names->pdata[k]);
        GPtrArray *r = read_rows(run, table);
        ok = r && same_rows(r, rows);
        if (!ok)
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                        "'%s': %s %s the metrics of /summary", cirrus_h5run_path(run), table,
                        r ? "does not hold" : "is missing or lacks");
        if (r) g_ptr_array_add(reps, r);
        g_free(table);
    }
    if (ok) cirrus_summary_rows_mean(rows, (GPtrArray *const *)reps->pdata, reps->len);
    g_ptr_array_unref(reps);
    return ok;
}

CirrusRunSummary *cirrus_run_summary_read(CirrusH5Run *run, GError **error)
{
    GPtrArray *rows = read_rows(run, "/summary");
    if (!rows) {
        char *truncated = cirrus_h5run_truncated_text(run);
        if (truncated)   /* cirrus kept no summary of a truncated run before issue 21 */
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                        "'%s' is a run %s, written by a cirrus that kept no summary of an interrupted run "
                        "(run it again)", cirrus_h5run_path(run), truncated);
        else
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                        "'%s' has no /summary table: not written by this version of cirrus run (run it again)",
                        cirrus_h5run_path(run));
        g_free(truncated);
        return NULL;
    }
    CirrusRunSummary *s = g_new0(CirrusRunSummary, 1);
    s->rows = rows;
    s->replications = 1;
    s->truncated_at_s = s->duration_s = NAN;
    if (!cirrus_h5run_truncated(run, &s->truncated_at_s, &s->duration_s)) s->truncated_at_s = s->duration_s = NAN;
    GPtrArray *reps = cirrus_h5run_children(run, "/replications");
    if (reps && reps->len > 0) {
        s->replications = reps->len;
        if (!aggregate(run, reps, rows, error)) {
            cirrus_run_summary_free(s);
            s = NULL;
        }
    }
    if (reps) g_ptr_array_unref(reps);
    return s;
}

void cirrus_run_summary_free(CirrusRunSummary *s)
{
    if (!s) return;
    g_ptr_array_unref(s->rows);
    g_free(s);
}

static void span_clear(gpointer p)
{
    CirrusFaultSpan *f = p;
    g_free(f->kind);
    g_free(f->target);
    g_free(f->label);
}

GArray *cirrus_fault_spans_read(CirrusH5Run *run)
{
    GArray *spans = g_array_new(FALSE, TRUE, sizeof(CirrusFaultSpan));
    g_array_set_clear_func(spans, span_clear);
    GArray *start = cirrus_h5run_table_numbers(run, "/faults", "start_s");
    GArray *duration = cirrus_h5run_table_numbers(run, "/faults", "duration_s");
    GPtrArray *kind = cirrus_h5run_table_strings(run, "/faults", "kind");
    GPtrArray *target = cirrus_h5run_table_strings(run, "/faults", "target");
    GPtrArray *detail = cirrus_h5run_table_strings(run, "/faults", "detail");
    double end = 0;
    if (!cirrus_h5run_attr_double(run, "truncated_at_s", &end)) cirrus_h5run_attr_double(run, "duration_s", &end);
    for (guint i = 0; start && duration && kind && target && detail && i < start->len; i++) {
        CirrusFaultSpan f = {0};
        f.start_s = g_array_index(start, double, i);
        double d = g_array_index(duration, double, i);
        f.end_s = d > 0 ? (end > 0 ? MIN(f.start_s + d, MAX(end, f.start_s)) : f.start_s + d) : f.start_s;
        f.kind = g_strdup(kind->pdata[i]);
        f.target = g_strdup(target->pdata[i]);
        const char *det = detail->pdata[i];
        f.label = g_strdup_printf("%s %s%s%s", f.kind, f.target, *det ? " " : "", det);
        g_array_append_val(spans, f);
    }
    if (start) g_array_free(start, TRUE);
    if (duration) g_array_free(duration, TRUE);
    if (kind) g_ptr_array_unref(kind);
    if (target) g_ptr_array_unref(target);
    if (detail) g_ptr_array_unref(detail);
    return spans;
}

void cirrus_fault_spans_free(GArray *spans)
{
    if (spans) g_array_free(spans, TRUE);
}

/* ---- replication statistics ---------------------------------------------- */

void cirrus_summary_rows_mean(GPtrArray *rows, GPtrArray *const *reps, guint n)
{
    double *x = g_new(double, MAX(n, 1u));
    for (guint i = 0; i < rows->len; i++) {
        CirrusSummaryRow *row = rows->pdata[i];
        gboolean latency = strcmp(row->kind, "latency") == 0;
        for (guint s = 0; s < CIRRUS_STAT_N; s++) {
            for (guint k = 0; k < n; k++) x[k] = ((CirrusSummaryRow *)reps[k]->pdata[i])->v[s];
            cirrus_mean_ci95(x, n, &row->v[s], &row->ci95[s]);
            /* Each replication's percentile is a bucket's midpoint, within
             * half a bucket of the true value, and the replications may
             * share the bucket: the interval is never narrower. */
            if (latency && cirrus_stat_is_percentile((CirrusStat)s) && isfinite(row->ci95[s]))
                row->ci95[s] = MAX(row->ci95[s], cirrus_percentile_resolution_ms(row->v[s]));
        }
    }
    g_free(x);
}

double cirrus_student_t975(guint df)
{
    /* Exact to the digits shown for df <= 30 (standard tables); beyond,
     * the Cornish-Fisher expansion of t in powers of 1/df around the normal
     * quantile, whose error at df = 30 is below 1e-6. */
    static const double table[] = {
        12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041,
        2.2621572, 2.2281389, 2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053,
        2.1098156, 2.1009220, 2.0930241, 2.0859634, 2.0796138, 2.0738731, 2.0686576, 2.0638986,
        2.0595386, 2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725,
    };
    g_return_val_if_fail(df >= 1, NAN);
    if (df <= G_N_ELEMENTS(table)) return table[df - 1];
    const double z = 1.959963984540054, v = df, z2 = z * z;
    const double g1 = (z2 + 1) * z / 4;
    const double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
    const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
    const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
    return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

void cirrus_mean_ci95(const double *x, guint n, double *mean, double *half_width)
{
    double sum = 0, ss = 0;
    for (guint i = 0; i < n; i++) sum += x[i];
    *mean = n ? sum / n : NAN;
    for (guint i = 0; i < n; i++) ss += (x[i] - *mean) * (x[i] - *mean);
    *half_width = n >= 2 ? cirrus_student_t975(n - 1) * sqrt(ss / (n - 1) / n) : NAN;
    /* Equal values have no spread: rounding in sum / n must not show as a
     * half-width of 1e-14 (or a mean an ulp away from the value). */
    gboolean equal = n >= 2;
    for (guint i = 1; equal && i < n; i++) equal = x[i] == x[0];
    if (equal) {
        *mean = x[0];
        *half_width = 0;
    }
}

double cirrus_percentile_resolution_ms(double value_ms)
{
    if (!isfinite(value_ms) || value_ms <= 0) return 0;
    double ns = value_ms * 1e6;
    if (ns >= 9.2e18) return value_ms / 128;   /* past the histogram's top: its relative bound */
    int64_t lower, upper;
    cirrus_hist_bucket_bounds(cirrus_hist_bucket_of((int64_t)ns), &lower, &upper);
    return (double)(upper - lower) / 2 / 1e6;
}

gboolean cirrus_stat_is_percentile(CirrusStat s)
{
    return s == CIRRUS_STAT_P50 || s == CIRRUS_STAT_P90 || s == CIRRUS_STAT_P99 || s == CIRRUS_STAT_P999;
}

/* "v ± h" to the digits h says something about: h to 2 significant digits
 * and v to the same decimal place; h == 0 (every replication the same) as
 * "v ± 0"; no h (NaN): v alone, by `plain`. */
char *cirrus_format_pm(double v, double h, const char *plain)
{
    if (!isfinite(v)) return g_strdup("-");
    if (!isfinite(h)) return g_strdup_printf(plain, v);
    if (h <= 0) {
        char *s = v == floor(v) && fabs(v) < 1e15 ? g_strdup_printf("%.0f", v) : g_strdup_printf(plain, v);
        char *t = g_strdup_printf("%s ± 0", s);
        g_free(s);
        return t;
    }
    /* The decimal place of h's second significant digit. */
    int place = (int)floor(log10(h)) - 1;
    double unit = pow(10, place);
    double hr = ceil(h / unit - 1e-9) * unit;   /* never round a half-width down */
    if (hr >= 100 * unit) {                      /* 9.96 -> 10: one place less */
        place++;
        unit *= 10;
        hr = ceil(h / unit - 1e-9) * unit;
    }
    int decimals = place < 0 ? -place : 0;
    return g_strdup_printf("%.*f ± %.*f", decimals, v, decimals, hr);
}
