/* cirrus — summary table and summary JSON (see summary.h, docs/outputs.md). */
#include "tools/summary.h"
#include "tools/runtables.h"
#include <math.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------- */

void cirrus_json_string(GString *s, const char *text)
{
    g_string_append_c(s, '"');
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        switch (*p) {
        case '"': g_string_append(s, "\\\""); break;
        case '\\': g_string_append(s, "\\\\"); break;
        case '\n': g_string_append(s, "\\n"); break;
        case '\t': g_string_append(s, "\\t"); break;
        case '\r': g_string_append(s, "\\r"); break;
        default:
            if (*p < 0x20) g_string_append_printf(s, "\\u%04x", *p);
            else g_string_append_c(s, (char)*p);
        }
    }
    g_string_append_c(s, '"');
}

/* JSON has no NaN or infinity: those become null.  Whole numbers (counts,
 * totals) are written in full, never in exponent form; others in the
 * fewest digits (15 to 17) that read back as the same double. */
void cirrus_json_number(GString *s, double v)
{
    if (!isfinite(v)) { g_string_append(s, "null"); return; }
    if (v == floor(v) && fabs(v) < 9.0e15) {
        g_string_append_printf(s, "%" G_GINT64_FORMAT, (gint64)v);
        return;
    }
    /* The shortest of 15..17 significant digits that reads back exactly. */
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    for (int digits = 15; digits <= 17; digits++) {
        char fmt[8];
        g_snprintf(fmt, sizeof fmt, "%%.%dg", digits);
        g_ascii_formatd(buf, sizeof buf, fmt, v);
        if (g_ascii_strtod(buf, NULL) == v) break;
    }
    g_string_append(s, buf);
}

/* One summary number: plain, or {"mean", "ci95", "n"} over replications
 * (DESIGN.md §4). */
static void json_stat(GString *s, const char *key, const CirrusSummaryRow *r, CirrusStat k, guint n, gboolean comma)
{
    cirrus_json_string(s, key);
    g_string_append_c(s, ':');
    if (n > 1) {
        g_string_append(s, "{\"mean\":");
        cirrus_json_number(s, r->v[k]);
        g_string_append(s, ",\"ci95\":");
        cirrus_json_number(s, r->ci95[k]);
        g_string_append_printf(s, ",\"n\":%u}", n);
    } else {
        cirrus_json_number(s, r->v[k]);
    }
    if (comma) g_string_append_c(s, ',');
}

static void json_key_number(GString *s, const char *key, double v, gboolean comma)
{
    cirrus_json_string(s, key);
    g_string_append_c(s, ':');
    cirrus_json_number(s, v);
    if (comma) g_string_append_c(s, ',');
}

static void json_latency(GString *s, const CirrusSummaryRow *r, guint n)
{
    g_string_append(s, "{");
    json_stat(s, "count", r, CIRRUS_STAT_COUNT, n, TRUE);
    json_stat(s, "mean", r, CIRRUS_STAT_MEAN, n, TRUE);
    json_stat(s, "p50", r, CIRRUS_STAT_P50, n, TRUE);
    json_stat(s, "p90", r, CIRRUS_STAT_P90, n, TRUE);
    json_stat(s, "p99", r, CIRRUS_STAT_P99, n, TRUE);
    json_stat(s, "p999", r, CIRRUS_STAT_P999, n, TRUE);
    json_stat(s, "max", r, CIRRUS_STAT_MAX, n, FALSE);
    g_string_append(s, "}");
}

static gboolean same_entity(const CirrusSummaryRow *a, const CirrusSummaryRow *b)
{
    return strcmp(a->group, b->group) == 0 && strcmp(a->entity, b->entity) == 0;
}

/* The entity whose rows start at rows[*i]; *i moves past them. */
static void json_component(GString *s, GPtrArray *rows, guint *i, guint n)
{
    const CirrusSummaryRow *first = rows->pdata[*i];
    cirrus_json_string(s, first->entity);
    g_string_append(s, ":{");
    if (strcmp(first->group, "workloads") != 0) {
        cirrus_json_string(s, "type");
        g_string_append_c(s, ':');
        cirrus_json_string(s, first->type);
        g_string_append_c(s, ',');
    }
    cirrus_json_string(s, "metrics");
    g_string_append(s, ":{");
    const CirrusSummaryRow *first_latency = NULL;
    GPtrArray *costs = g_ptr_array_new();
    guint j = *i;
    gboolean comma = FALSE;
    for (; j < rows->len && same_entity(rows->pdata[j], first); j++) {
        const CirrusSummaryRow *r = rows->pdata[j];
        if (strcmp(r->kind, "cost") == 0) { g_ptr_array_add(costs, (gpointer)r); continue; }
        if (comma) g_string_append_c(s, ',');
        comma = TRUE;
        cirrus_json_string(s, r->metric);
        g_string_append(s, ":{");
        if (strcmp(r->kind, "latency") == 0) {
            if (!first_latency) first_latency = r;
            cirrus_json_string(s, "latency_ms");
            g_string_append_c(s, ':');
            json_latency(s, r, n);
        } else {
            json_stat(s, "sum", r, CIRRUS_STAT_SUM, n, TRUE);
            json_stat(s, "mean", r, CIRRUS_STAT_MEAN, n, TRUE);
            json_stat(s, "min", r, CIRRUS_STAT_MIN, n, TRUE);
            json_stat(s, "max", r, CIRRUS_STAT_MAX, n, TRUE);
            json_stat(s, "last", r, CIRRUS_STAT_LAST, n, FALSE);
        }
        g_string_append_c(s, '}');
    }
    *i = j;
    g_string_append_c(s, '}');
    /* The first latency metric (Latency, TargetResponseTime, Duration) is
     * also the entity's own latency_ms block. */
    if (first_latency) {
        g_string_append_c(s, ',');
        cirrus_json_string(s, "latency_ms");
        g_string_append_c(s, ':');
        json_latency(s, first_latency, n);
    }
    /* cost_usd and cost_usd_per_month (docs/cost.md) beside the metrics. */
    for (guint k = 0; k < costs->len; k++) {
        const CirrusSummaryRow *r = costs->pdata[k];
        g_string_append_c(s, ',');
        json_stat(s, r->metric, r, CIRRUS_STAT_SUM, n, FALSE);
    }
    g_ptr_array_free(costs, TRUE);
    g_string_append_c(s, '}');
}

/* The run's total cost_usd and cost_usd_per_month at the top level. */
static void json_total_cost(GString *s, GPtrArray *rows, guint n)
{
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, "total") != 0) continue;
        g_string_append_c(s, ',');
        json_stat(s, r->metric, r, CIRRUS_STAT_SUM, n, FALSE);
    }
}

static void json_group(GString *s, GPtrArray *rows, const char *group, guint n)
{
    gboolean first = TRUE;
    cirrus_json_string(s, group);
    g_string_append(s, ":{");
    for (guint i = 0; i < rows->len;) {
        if (strcmp(((CirrusSummaryRow *)rows->pdata[i])->group, group) != 0) { i++; continue; }
        if (!first) g_string_append_c(s, ',');
        first = FALSE;
        json_component(s, rows, &i, n);
    }
    g_string_append_c(s, '}');
}

char *cirrus_summary_json_rows(CirrusScenario *sc, GPtrArray *rows, const CirrusRunInfo *info)
{
    guint n = MAX(info->replications, 1u);
    GString *s = g_string_new("{");
    cirrus_json_string(s, "scenario");
    g_string_append_c(s, ':');
    cirrus_json_string(s, cirrus_scenario_name(sc));
    g_string_append_c(s, ',');
    /* The seed and event count are 64-bit integers: written exactly. */
    g_string_append_printf(s, "\"seed\":%" G_GUINT64_FORMAT ",", info->seed);
    json_key_number(s, "duration_s", info->duration_s, TRUE);
    json_key_number(s, "warmup_s", info->warmup_s, TRUE);
    g_string_append_printf(s, "\"events\":%" G_GUINT64_FORMAT ",", info->events);
    json_key_number(s, "wall_s", info->wall_s, TRUE);
    json_key_number(s, "replications", n, TRUE);
    json_group(s, rows, "components", n);
    g_string_append_c(s, ',');
    json_group(s, rows, "workloads", n);
    json_total_cost(s, rows, n);
    g_string_append(s, "}\n");
    return g_string_free(s, FALSE);
}

char *cirrus_summary_json(CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info)
{
    GPtrArray *rows = cirrus_summary_rows(sim);
    char *json = cirrus_summary_json_rows(sc, rows, info);
    g_ptr_array_unref(rows);
    return json;
}

/* ---- table ---------------------------------------------------------------- */

/* "12.345", or over replications "12.35 ± 0.067" (the digits the
 * half-width leaves meaningful, tools/runtables.h). */
static char *pm(const CirrusSummaryRow *r, CirrusStat k, int digits, guint n)
{
    if (n <= 1) return g_strdup_printf("%.*f", digits, r->v[k]);
    char plain[16];
    g_snprintf(plain, sizeof plain, "%%.%df", digits);
    return cirrus_format_pm(r->v[k], r->ci95[k], plain);
}

/* One line of the table: the metric, its main number, what follows. */
typedef struct {
    char *metric, *value, *rest;
} Line;

static Line make_line(const CirrusSummaryRow *r, guint n)
{
    /* With replications the numbers are wider and a count's mean is not
     * whole: one more digit. */
    int count_digits = n > 1 ? 1 : 0;
    Line l = {g_strdup(r->metric), NULL, NULL};
    if (strcmp(r->kind, "cost") == 0) {
        /* Dollars to a hundredth of a cent, and finer for tiny bills. */
        l.value = pm(r, CIRRUS_STAT_SUM, fabs(r->v[CIRRUS_STAT_SUM]) < 1 ? 6 : 4, n);
        l.rest = g_strdup_printf("USD%s", strcmp(r->metric, CIRRUS_COST_METRIC) == 0 ? " for the run, warm-up included"
                                                                                      : " (730 h)");
    } else if (strcmp(r->kind, "count") == 0) {
        l.value = pm(r, CIRRUS_STAT_SUM, count_digits, n);
    } else if (strcmp(r->kind, "gauge") == 0) {
        char *b = pm(r, CIRRUS_STAT_MAX, 3, n);
        l.value = pm(r, CIRRUS_STAT_MEAN, 3, n);
        l.rest = g_strdup_printf("time-weighted mean; peak %s (%s)", b, r->unit);
        g_free(b);
    } else if (!(r->v[CIRRUS_STAT_COUNT] > 0)) {
        l.value = g_strdup("(none)");
    } else {
        static const CirrusStat q[] = {CIRRUS_STAT_P50, CIRRUS_STAT_P90, CIRRUS_STAT_P99, CIRRUS_STAT_P999, CIRRUS_STAT_MAX};
        static const char *const label[] = {"p50", "p90", "p99", "p99.9", "max"};
        GString *rest = g_string_new("ms mean; ");
        for (guint k = 0; k < G_N_ELEMENTS(q); k++) {
            char *v = pm(r, q[k], 3, n);
            g_string_append_printf(rest, "%s%s %s", k ? "  " : "", label[k], v);
            g_free(v);
        }
        g_string_append_printf(rest, "  (n = %.0f%s)", r->v[CIRRUS_STAT_COUNT], n > 1 ? " per replication" : "");
        l.value = pm(r, CIRRUS_STAT_MEAN, 3, n);
        l.rest = g_string_free(rest, FALSE);
    }
    return l;
}

/* Pad to `width` display columns (UTF-8: "±" is one). */
static void put_padded(FILE *out, const char *text, int width, gboolean left)
{
    int pad = width - (int)g_utf8_strlen(text, -1);
    if (left) fputs(text, out);
    for (int i = 0; i < pad; i++) fputc(' ', out);
    if (!left) fputs(text, out);
}

void cirrus_summary_print_rows(FILE *out, GPtrArray *rows, guint replications)
{
    /* Every line first: the columns are as wide as the widest metric name
     * and number of the whole table (at least 26 and 14, as before). */
    Line *lines = g_new0(Line, MAX(rows->len, 1u));
    int wm = 26, wv = 14;
    for (guint i = 0; i < rows->len; i++) {
        lines[i] = make_line(rows->pdata[i], replications);
        wm = MAX(wm, (int)g_utf8_strlen(lines[i].metric, -1));
        wv = MAX(wv, (int)g_utf8_strlen(lines[i].value, -1));
    }
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        gboolean total = strcmp(r->group, "total") == 0;
        if ((i == 0 || !same_entity(rows->pdata[i - 1], r)) && total)
            fprintf(out, "\ncost of all components\n");
        else if (i == 0 || !same_entity(rows->pdata[i - 1], r))
            fprintf(out, "\n%s %s (%s)\n", strcmp(r->group, "workloads") == 0 ? "workload" : "component",
                    r->entity, r->type);
        fputs("  ", out);
        put_padded(out, lines[i].metric, wm, TRUE);
        fputc(' ', out);
        put_padded(out, lines[i].value, wv, FALSE);
        if (lines[i].rest) fprintf(out, "  %s", lines[i].rest);
        fputc('\n', out);
        g_free(lines[i].metric);
        g_free(lines[i].value);
        g_free(lines[i].rest);
    }
    g_free(lines);
}

void cirrus_summary_print_header(FILE *out, CirrusScenario *sc, const CirrusRunInfo *info)
{
    fprintf(out, "scenario %s: %.0f s simulated (statistics after %.0f s of warm-up), seed %" G_GUINT64_FORMAT "\n",
            cirrus_scenario_name(sc), info->duration_s, info->warmup_s, info->seed);
    if (info->replications > 1)
        fprintf(out, "%u replications (independent random streams): mean ± 95%% confidence half-width (Student t)\n",
                info->replications);
    fprintf(out, "%" G_GUINT64_FORMAT " events in %.2f s of wall time (%.2f M events/s)\n", info->events,
            info->wall_s, info->wall_s > 0 ? (double)info->events / info->wall_s / 1e6 : 0.0);
    fprintf(out, "counts are totals; gauges: time-weighted mean and peak; latencies in ms\n");
}

void cirrus_summary_print(FILE *out, CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info)
{
    cirrus_summary_print_header(out, sc, info);
    GPtrArray *rows = cirrus_summary_rows(sim);
    cirrus_summary_print_rows(out, rows, 1);
    g_ptr_array_unref(rows);
}
