/* cirrus — `cirrus compare` (see compare.h, docs/outputs.md). */
#include "tools/compare.h"
#include "tools/cli.h"
#include "tools/plot.h"
#include "tools/summary.h"
#include "sim/kernel/error.h"
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void row_free(gpointer p)
{
    CirrusCompareRow *r = p;
    g_free(r->value);
    g_free(r->ci95);
    g_free(r);
}

/* The statistics a line shows per kind: the usual ones, then the rest. */
static const CirrusStat count_stats[] = {CIRRUS_STAT_SUM, CIRRUS_STAT_MEAN, CIRRUS_STAT_MIN, CIRRUS_STAT_MAX, CIRRUS_STAT_LAST};
static const CirrusStat gauge_stats[] = {CIRRUS_STAT_MEAN, CIRRUS_STAT_MAX, CIRRUS_STAT_MIN, CIRRUS_STAT_LAST};
static const CirrusStat latency_stats[] = {CIRRUS_STAT_MEAN, CIRRUS_STAT_P50, CIRRUS_STAT_P99, CIRRUS_STAT_COUNT,
                                           CIRRUS_STAT_P90, CIRRUS_STAT_P999, CIRRUS_STAT_MAX};

static const CirrusStat *stats_of(const char *kind, guint *n, guint *usual)
{
    if (strcmp(kind, "latency") == 0) { *n = G_N_ELEMENTS(latency_stats); *usual = 3; return latency_stats; }
    if (strcmp(kind, "gauge") == 0) { *n = G_N_ELEMENTS(gauge_stats); *usual = 2; return gauge_stats; }
    *n = G_N_ELEMENTS(count_stats);
    *usual = 1;
    return count_stats;
}

static const CirrusSummaryRow *find_row(CirrusRunSummary *s, const char *key)
{
    for (guint i = 0; i < s->rows->len; i++) {
        char *k = cirrus_summary_row_key(s->rows->pdata[i]);
        gboolean same = strcmp(k, key) == 0;
        g_free(k);
        if (same) return s->rows->pdata[i];
    }
    return NULL;
}

GPtrArray *cirrus_compare_rows(CirrusRunSummary *const *runs, guint n, gboolean all, guint *left_out)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(row_free);
    const CirrusSummaryRow **match = g_new(const CirrusSummaryRow *, n);
    *left_out = 0;
    for (guint i = 0; i < runs[0]->rows->len; i++) {
        const CirrusSummaryRow *first = runs[0]->rows->pdata[i];
        char *key = cirrus_summary_row_key(first);
        gboolean everywhere = TRUE;
        for (guint k = 0; k < n && everywhere; k++) everywhere = (match[k] = k ? find_row(runs[k], key) : first) != NULL;
        g_free(key);
        if (!everywhere) { (*left_out)++; continue; }
        guint n_stats, usual;
        const CirrusStat *stats = stats_of(first->kind, &n_stats, &usual);
        for (guint s = 0; s < (all ? n_stats : usual); s++) {
            CirrusCompareRow *row = g_new0(CirrusCompareRow, 1);
            row->first = first;
            row->stat = stats[s];
            row->value = g_new(double, n);
            row->ci95 = g_new(double, n);
            gboolean informative = FALSE;
            for (guint k = 0; k < n; k++) {
                row->value[k] = match[k]->v[stats[s]];
                row->ci95[k] = match[k]->ci95[stats[s]];
                informative = informative || (isfinite(row->value[k]) && row->value[k] != 0);
            }
            if (informative || all) g_ptr_array_add(out, row);
            else row_free(row);
        }
    }
    /* Metrics of later runs that the first lacks are left out too. */
    for (guint k = 1; k < n; k++)
        for (guint i = 0; i < runs[k]->rows->len; i++) {
            char *key = cirrus_summary_row_key(runs[k]->rows->pdata[i]);
            if (!find_row(runs[0], key)) (*left_out)++;
            g_free(key);
        }
    g_free(match);
    return out;
}

void cirrus_compare_diff(const CirrusCompareRow *row, guint k, double *diff, double *pct, double *ci95)
{
    *diff = row->value[k] - row->value[0];
    /* Rounding noise of sums of doubles is no difference. */
    if (fabs(*diff) <= 1e-12 * MAX(fabs(row->value[k]), fabs(row->value[0]))) *diff = 0;
    *pct = row->value[0] != 0 && isfinite(row->value[0]) ? 100 * *diff / fabs(row->value[0]) : NAN;
    /* Independent runs: the variances of the two means add. */
    *ci95 = isfinite(row->ci95[0]) && isfinite(row->ci95[k]) ? hypot(row->ci95[0], row->ci95[k]) : NAN;
}

char *cirrus_compare_stat_label(const CirrusCompareRow *row)
{
    const char *name = cirrus_stat_names[row->stat];
    gboolean latency = strcmp(row->first->kind, "latency") == 0;
    if (latency) return row->stat == CIRRUS_STAT_COUNT ? g_strdup("count") : g_strdup_printf("%s (ms)", name);
    if (strcmp(row->first->kind, "count") == 0 && row->stat == CIRRUS_STAT_SUM) return g_strdup("total");
    if (strcmp(row->first->kind, "cost") == 0) return g_strdup("total (USD)");
    if (strcmp(row->first->kind, "count") == 0) return g_strdup_printf("%s per interval", name);
    if (row->stat == CIRRUS_STAT_MAX) return g_strdup_printf("peak (%s)", row->first->unit);
    return g_strdup_printf("%s (%s)", name, row->first->unit);
}

/* ---- output --------------------------------------------------------------- */

/* A value alone as before ("%.0f" for whole or large numbers, else 4
 * significant digits); with a half-width, the digits it leaves
 * meaningful ("21.89 ± 0", "346.0 ± 2.1"). */
static char *number(double v, double ci)
{
    if (!isfinite(v)) return g_strdup("-");
    return cirrus_format_pm(v, ci, fabs(v) >= 1e4 || v == floor(v) ? "%.0f" : "%.4g");
}

/* Pad to `width` display columns (UTF-8 aware, for "±"). */
static void put_cell(GString *out, const char *text, int width, gboolean left)
{
    int pad = width - (int)g_utf8_strlen(text, -1);
    if (!left)
        for (int i = 0; i < pad; i++) g_string_append_c(out, ' ');
    g_string_append(out, text);
    if (left)
        for (int i = 0; i < pad; i++) g_string_append_c(out, ' ');
}

void cirrus_compare_format(GString *out, GPtrArray *rows, const char *const *labels, guint n, gboolean diffs)
{
    /* Every cell first, then the widths. */
    guint cols = 2 + n + (diffs ? 2 * (n - 1) : 0);
    GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(cells, g_strdup("metric"));
    g_ptr_array_add(cells, g_strdup("statistic"));
    for (guint k = 0; k < n; k++) g_ptr_array_add(cells, g_strdup(labels[k]));
    for (guint k = 1; diffs && k < n; k++) {
        g_ptr_array_add(cells, g_strdup_printf("%s-%s", labels[k], labels[0]));
        g_ptr_array_add(cells, g_strdup_printf("%s-%s %%", labels[k], labels[0]));
    }
    for (guint r = 0; r < rows->len; r++) {
        const CirrusCompareRow *row = rows->pdata[r];
        g_ptr_array_add(cells, g_strdup_printf("%s/%s", row->first->entity, row->first->metric));
        g_ptr_array_add(cells, cirrus_compare_stat_label(row));
        for (guint k = 0; k < n; k++) g_ptr_array_add(cells, number(row->value[k], row->ci95[k]));
        for (guint k = 1; diffs && k < n; k++) {
            double d, pct, ci;
            cirrus_compare_diff(row, k, &d, &pct, &ci);
            g_ptr_array_add(cells, number(d, ci));
            g_ptr_array_add(cells, isfinite(pct) ? g_strdup_printf("%+.1f%%", pct) : g_strdup("-"));
        }
    }
    int *width = g_new0(int, cols);
    for (guint i = 0; i < cells->len; i++)
        width[i % cols] = MAX(width[i % cols], (int)g_utf8_strlen(cells->pdata[i], -1));
    for (guint i = 0; i < cells->len; i++) {
        guint c = i % cols;
        if (c) g_string_append(out, "  ");
        put_cell(out, cells->pdata[i], width[c], c < 2);
        if (c == cols - 1) g_string_append_c(out, '\n');
    }
    g_ptr_array_unref(cells);
    g_free(width);
}

static void print_table(GPtrArray *rows, char **files, CirrusRunSummary **runs, guint n, guint left_out)
{
    GString *out = g_string_new(NULL);
    char **labels = g_new0(char *, n + 1);
    for (guint k = 0; k < n; k++) {
        g_string_append_printf(out, "%c = %s (%u replication%s", 'A' + k, files[k], runs[k]->replications,
                               runs[k]->replications == 1 ? "" : "s, mean ± 95% CI");
        if (isfinite(runs[k]->truncated_at_s))
            g_string_append_printf(out, "; TRUNCATED at %.6g s of %.6g s: its numbers cover only what was simulated",
                                   runs[k]->truncated_at_s, runs[k]->duration_s);
        g_string_append(out, ")\n");
        labels[k] = g_strdup_printf("%c", 'A' + k);
    }
    cirrus_compare_format(out, rows, (const char *const *)labels, n, TRUE);
    if (left_out) g_string_append_printf(out, "(%u metric%s not in every file left out)\n", left_out, left_out == 1 ? "" : "s");
    fputs(out->str, stdout);
    g_string_free(out, TRUE);
    g_strfreev(labels);
}

static void json_numbers(GString *s, const char *key, const double *v, guint n, gboolean comma)
{
    cirrus_json_string(s, key);
    g_string_append(s, ":[");
    for (guint k = 0; k < n; k++) {
        if (k) g_string_append_c(s, ',');
        cirrus_json_number(s, v[k]);
    }
    g_string_append_c(s, ']');
    if (comma) g_string_append_c(s, ',');
}

static void print_json(GPtrArray *rows, char **files, CirrusRunSummary **runs, guint n, guint left_out)
{
    GString *s = g_string_new("{\"runs\":[");
    for (guint k = 0; k < n; k++) {
        g_string_append(s, k ? ",{\"file\":" : "{\"file\":");
        cirrus_json_string(s, files[k]);
        g_string_append_printf(s, ",\"replications\":%u,\"truncated_at_s\":", runs[k]->replications);
        cirrus_json_number(s, runs[k]->truncated_at_s);
        g_string_append_c(s, '}');
    }
    g_string_append(s, "],\"metrics\":[");
    double *d = g_new(double, n), *pct = g_new(double, n), *ci = g_new(double, n);
    for (guint r = 0; r < rows->len; r++) {
        const CirrusCompareRow *row = rows->pdata[r];
        g_string_append(s, r ? ",{" : "{");
        const char *names[] = {"group", "entity", "metric", "kind", "unit"};
        const char *vals[] = {row->first->group, row->first->entity, row->first->metric, row->first->kind,
                              strcmp(row->first->kind, "latency") == 0 && row->stat != CIRRUS_STAT_COUNT ? "ms" : row->first->unit};
        for (guint f = 0; f < G_N_ELEMENTS(names); f++) {
            cirrus_json_string(s, names[f]);
            g_string_append_c(s, ':');
            cirrus_json_string(s, vals[f]);
            g_string_append_c(s, ',');
        }
        cirrus_json_string(s, "stat");
        g_string_append_c(s, ':');
        cirrus_json_string(s, cirrus_stat_names[row->stat]);
        g_string_append_c(s, ',');
        d[0] = pct[0] = ci[0] = NAN;
        for (guint k = 1; k < n; k++) cirrus_compare_diff(row, k, &d[k], &pct[k], &ci[k]);
        json_numbers(s, "values", row->value, n, TRUE);
        json_numbers(s, "ci95", row->ci95, n, TRUE);
        json_numbers(s, "diff", d, n, TRUE);
        json_numbers(s, "diff_pct", pct, n, TRUE);
        json_numbers(s, "diff_ci95", ci, n, FALSE);
        g_string_append_c(s, '}');
    }
    g_string_append_printf(s, "],\"left_out\":%u}\n", left_out);
    fputs(s->str, stdout);
    g_string_free(s, TRUE);
    g_free(d);
    g_free(pct);
    g_free(ci);
}

/* ---- overlay plots ---------------------------------------------------------- */

/* A file name from entity and metric: anything but [A-Za-z0-9._-] becomes _. */
static char *plot_name(const CirrusSummaryRow *row)
{
    char *name = g_strdup_printf("%s-%s-%s", row->group, row->entity, row->metric);
    for (char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '_' && *p != '-') *p = '_';
    return name;
}

/* One PNG per metric every run has and some run's series shows: each
 * run's series over the same time axis (a latency as its p50..p99 band
 * and p50 line). */
static int write_overlays(const char *dir, char **files, CirrusH5Run **h5, guint n, GPtrArray *rows, gboolean quiet)
{
    if (g_mkdir_with_parents(dir, 0777) != 0) {
        fprintf(stderr, "cirrus compare: cannot create '%s': %s\n", dir, g_strerror(errno));
        return 1;
    }
    GString *s = g_string_new("# written by cirrus compare\nset terminal pngcairo size 1000,420\n"
                              "set termoption noenhanced\nset encoding utf8\nset datafile missing 'NaN'\nset grid\n"
                              "set key below horizontal\nset yrange [0:*]\n");
    double end = 0;
    GArray **time = g_new0(GArray *, n);
    for (guint k = 0; k < n; k++) {
        time[k] = cirrus_h5run_time(h5[k], NULL);
        if (time[k] && time[k]->len) end = MAX(end, g_array_index(time[k], double, time[k]->len - 1));
    }
    const char *unit;
    double scale = cirrus_plot_time_scale(end, &unit);
    g_string_append_printf(s, "set xlabel 'simulated time (%s)'\n", unit);
    static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};
    guint written = 0, block = 0;
    const CirrusSummaryRow *last = NULL;
    for (guint r = 0; r < rows->len; r++) {
        const CirrusSummaryRow *m = ((CirrusCompareRow *)rows->pdata[r])->first;
        if (m == last) continue;   /* one plot per metric, not per statistic */
        last = m;
        gboolean latency = strcmp(m->kind, "latency") == 0;
        char *series = g_strdup_printf("%s/%s/%s%s", m->group, m->entity, m->metric, latency ? ".p50" : "");
        char *high = latency ? g_strdup_printf("%s/%s/%s.p99", m->group, m->entity, m->metric) : NULL;
        GString *plot = g_string_new("plot ");
        gboolean ok = TRUE;
        for (guint k = 0; k < n && ok; k++) {
            GArray *v = time[k] ? cirrus_h5run_read(h5[k], series, NULL) : NULL;
            GArray *hv = v && high ? cirrus_h5run_read(h5[k], high, NULL) : NULL;
            ok = v && (!high || hv);
            /* As the dashboards show them: latencies in ms, counts per second. */
            for (guint i = 0; ok && i < v->len; i++) {
                double dt = g_array_index(time[k], double, i) - (i ? g_array_index(time[k], double, i - 1) : 0);
                if (latency) {
                    g_array_index(v, double, i) *= 1e3;
                    g_array_index(hv, double, i) *= 1e3;
                } else if (strcmp(m->kind, "count") == 0 && i < time[k]->len) {
                    g_array_index(v, double, i) = dt > 0 ? g_array_index(v, double, i) / dt : NAN;
                }
            }
            if (ok) {
                char name[32], label[8];
                g_snprintf(name, sizeof name, "$C%u", block);
                g_snprintf(label, sizeof label, "%c", 'A' + k);
                cirrus_plot_datablock(s, name, time[k], v, scale);
                const char *c = colours[k % G_N_ELEMENTS(colours)];
                char *base = g_path_get_basename(files[k]);
                char *key = g_strdup_printf("%s: %s", label, base);
                g_free(base);
                if (hv) {
                    g_snprintf(name, sizeof name, "$H%u", block);
                    cirrus_plot_datablock(s, name, time[k], hv, scale);
                    char *t99 = g_strdup_printf("%s p99", key), *t50 = g_strdup_printf("%s p50", key);
                    char *q99 = cirrus_gnuplot_quote(t99), *q50 = cirrus_gnuplot_quote(t50);
                    g_string_append_printf(plot, "%s$H%u using 1:2 with lines lw 1 dt 2 lc rgb '%s' title %s, "
                                                 "$C%u using 1:2 with lines lw 2 lc rgb '%s' title %s",
                                           k ? ", " : "", block, c, q99, block, c, q50);
                    g_free(t99);
                    g_free(t50);
                    g_free(q99);
                    g_free(q50);
                } else {
                    char *q = cirrus_gnuplot_quote(key);
                    g_string_append_printf(plot, "%s$C%u using 1:2 with lines lw 2 lc rgb '%s' title %s",
                                           k ? ", " : "", block, c, q);
                    g_free(q);
                }
                g_free(key);
                block++;
            }
            if (v) g_array_free(v, TRUE);
            if (hv) g_array_free(hv, TRUE);
        }
        if (ok) {
            char *file = plot_name(m), *png = g_strdup_printf("%s/%s.png", dir, file);
            gboolean count = strcmp(m->kind, "count") == 0;
            const char *ylabel = latency ? "ms" : count ? (strcmp(m->unit, "Bytes") == 0 ? "bytes per second" : "per second")
                                                        : m->unit;
            char *title = g_strdup_printf("%s: %s (%s%s)", m->entity, m->metric, ylabel,
                                          latency ? ", p50 and p99" : count ? "" : ", time-weighted mean");
            char *q_png = cirrus_gnuplot_quote(png), *q_title = cirrus_gnuplot_quote(title), *q_y = cirrus_gnuplot_quote(ylabel);
            g_string_append_printf(s, "set output %s\nset title %s\nset ylabel %s\n%s\n", q_png, q_title, q_y, plot->str);
            g_free(q_y);
            g_free(q_png);
            g_free(q_title);
            g_free(title);
            g_free(png);
            g_free(file);
            written++;
        }
        g_string_free(plot, TRUE);
        g_free(series);
        g_free(high);
    }
    GError *error = NULL;
    int status = 0;
    if (written && !cirrus_plot_render(s->str, &error)) status = cirrus_cli_fail(error);
    else if (!quiet) printf("%u overlay plot%s written to %s\n", written, written == 1 ? "" : "s", dir);
    for (guint k = 0; k < n; k++)
        if (time[k]) g_array_free(time[k], TRUE);
    g_free(time);
    g_string_free(s, TRUE);
    return status;
}

int cirrus_cmd_compare(int argc, char **argv)
{
    char *dir = NULL;
    gboolean json = FALSE, all = FALSE;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &dir, "Directory for overlay plots, one PNG per metric", "DIR"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "Write the table as JSON on stdout", NULL},
        {"all", 0, 0, G_OPTION_ARG_NONE, &all, "Every statistic of every metric, zeros included", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int parsed = cirrus_cli_parse_args(&argc, &argv, entries, "A.h5 B.h5 [MORE.h5...]",
        "Puts the summary numbers of runs side by side, with each run's difference from the first\n"
        "(A): absolute and in %. Files with replications show mean ± 95% confidence half-width.",
        2, -1, "two or more HDF5 files");
    if (parsed >= 0) {
        g_free(dir);
        return parsed;
    }
    GError *error = NULL;
    guint n = (guint)argc - 1;
    CirrusH5Run **h5 = g_new0(CirrusH5Run *, n);
    CirrusRunSummary **runs = g_new0(CirrusRunSummary *, n);
    int status = 0;
    for (guint k = 0; k < n && status == 0; k++) {
        if (!(h5[k] = cirrus_h5run_open(argv[k + 1], &error)) || !(runs[k] = cirrus_run_summary_read(h5[k], &error)))
            status = cirrus_cli_fail(error);
    }
    if (status == 0) {
        guint left_out;
        GPtrArray *rows = cirrus_compare_rows(runs, n, all, &left_out);
        if (rows->len == 0 && left_out > 0) {
            fprintf(stderr, "cirrus compare: the files have no metrics in common (%u left out)\n", left_out);
            status = 2;
        } else {
            if (json) print_json(rows, argv + 1, runs, n, left_out);
            else print_table(rows, argv + 1, runs, n, left_out);
            if (dir) status = write_overlays(dir, argv + 1, h5, n, rows, json);
        }
        g_ptr_array_unref(rows);
    }
    for (guint k = 0; k < n; k++) {
        cirrus_run_summary_free(runs[k]);
        cirrus_h5run_close(h5[k]);
    }
    g_free(runs);
    g_free(h5);
    g_free(dir);
    return status;
}
