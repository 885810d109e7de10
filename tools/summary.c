/* cirrus — summary table and summary JSON (see summary.h, docs/outputs.md). */
#include "tools/summary.h"
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

static void json_key_number(GString *s, const char *key, double v, gboolean comma)
{
    cirrus_json_string(s, key);
    g_string_append_c(s, ':');
    cirrus_json_number(s, v);
    if (comma) g_string_append_c(s, ',');
}

static void json_latency(GString *s, const CirrusHist *h)
{
    g_string_append(s, "{");
    json_key_number(s, "count", (double)h->count, TRUE);
    json_key_number(s, "mean", cirrus_hist_mean(h) / 1e6, TRUE);
    json_key_number(s, "p50", cirrus_hist_quantile(h, 0.50) / 1e6, TRUE);
    json_key_number(s, "p90", cirrus_hist_quantile(h, 0.90) / 1e6, TRUE);
    json_key_number(s, "p99", cirrus_hist_quantile(h, 0.99) / 1e6, TRUE);
    json_key_number(s, "p999", cirrus_hist_quantile(h, 0.999) / 1e6, TRUE);
    json_key_number(s, "max", h->count ? (double)h->max / 1e6 : NAN, FALSE);
    g_string_append(s, "}");
}

static void json_component(GString *s, CirrusComponent *c, gboolean with_type)
{
    cirrus_json_string(s, cirrus_component_name(c));
    g_string_append(s, ":{");
    if (with_type) {
        cirrus_json_string(s, "type");
        g_string_append_c(s, ':');
        cirrus_json_string(s, cirrus_component_type(c));
        g_string_append_c(s, ',');
    }
    cirrus_json_string(s, "metrics");
    g_string_append(s, ":{");
    const CirrusHist *first_latency = NULL;
    for (guint i = 0; i < cirrus_component_n_metrics(c); i++) {
        CirrusMetricSummary m;
        cirrus_component_metric_summary(c, i, &m);
        if (i) g_string_append_c(s, ',');
        cirrus_json_string(s, m.name);
        g_string_append(s, ":{");
        if (m.kind == CIRRUS_METRIC_LATENCY) {
            if (!first_latency) first_latency = m.latency;
            cirrus_json_string(s, "latency_ms");
            g_string_append_c(s, ':');
            json_latency(s, m.latency);
        } else {
            json_key_number(s, "sum", m.sum, TRUE);
            json_key_number(s, "mean", m.mean, TRUE);
            json_key_number(s, "min", m.min, TRUE);
            json_key_number(s, "max", m.max, TRUE);
            json_key_number(s, "last", m.last, FALSE);
        }
        g_string_append_c(s, '}');
    }
    g_string_append_c(s, '}');
    /* The first latency metric (Latency, TargetResponseTime, Duration) is
     * also the entity's own latency_ms block. */
    if (first_latency) {
        g_string_append_c(s, ',');
        cirrus_json_string(s, "latency_ms");
        g_string_append_c(s, ':');
        json_latency(s, first_latency);
    }
    g_string_append_c(s, '}');
}

static void json_group(GString *s, CirrusSim *sim, const char *group)
{
    gboolean first = TRUE, is_workloads = strcmp(group, "workloads") == 0;
    cirrus_json_string(s, group);
    g_string_append(s, ":{");
    for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
        CirrusComponent *c = cirrus_sim_component(sim, i);
        if (strcmp(cirrus_component_group(c), group) != 0) continue;
        if (!first) g_string_append_c(s, ',');
        first = FALSE;
        json_component(s, c, !is_workloads);
    }
    g_string_append_c(s, '}');
}

char *cirrus_summary_json(CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info)
{
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
    json_key_number(s, "replications", 1, TRUE);
    json_group(s, sim, "components");
    g_string_append_c(s, ',');
    json_group(s, sim, "workloads");
    g_string_append(s, "}\n");
    return g_string_free(s, FALSE);
}

/* ---- table ---------------------------------------------------------------- */

static void print_entity(FILE *out, CirrusComponent *c)
{
    fprintf(out, "\n%s %s (%s)\n", strcmp(cirrus_component_group(c), "workloads") == 0 ? "workload" : "component",
            cirrus_component_name(c), cirrus_component_type(c));
    for (guint i = 0; i < cirrus_component_n_metrics(c); i++) {
        CirrusMetricSummary m;
        cirrus_component_metric_summary(c, i, &m);
        switch (m.kind) {
        case CIRRUS_METRIC_COUNT:
            fprintf(out, "  %-26s %14.0f\n", m.name, m.sum);
            break;
        case CIRRUS_METRIC_GAUGE:
            fprintf(out, "  %-26s %14.3f  time-weighted mean; peak %.3f (%s)\n", m.name, m.mean, m.max, m.unit);
            break;
        case CIRRUS_METRIC_LATENCY: {
            const CirrusHist *h = m.latency;
            if (h->count == 0) {
                fprintf(out, "  %-26s %14s\n", m.name, "(none)");
                break;
            }
            fprintf(out, "  %-26s %14.3f  ms mean; p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (n = %" G_GUINT64_FORMAT ")\n",
                    m.name, cirrus_hist_mean(h) / 1e6, cirrus_hist_quantile(h, 0.5) / 1e6,
                    cirrus_hist_quantile(h, 0.9) / 1e6, cirrus_hist_quantile(h, 0.99) / 1e6,
                    cirrus_hist_quantile(h, 0.999) / 1e6, (double)h->max / 1e6, h->count);
            break;
        }
        }
    }
}

void cirrus_summary_print(FILE *out, CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info)
{
    fprintf(out, "scenario %s: %.0f s simulated (statistics after %.0f s of warm-up), seed %" G_GUINT64_FORMAT "\n",
            cirrus_scenario_name(sc), info->duration_s, info->warmup_s, info->seed);
    fprintf(out, "%" G_GUINT64_FORMAT " events in %.2f s of wall time (%.2f M events/s)\n", info->events,
            info->wall_s, info->wall_s > 0 ? (double)info->events / info->wall_s / 1e6 : 0.0);
    fprintf(out, "counts are totals; gauges: time-weighted mean and peak; latencies in ms\n");
    for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; i < cirrus_sim_n_components(sim); i++) {
            CirrusComponent *c = cirrus_sim_component(sim, i);
            if ((strcmp(cirrus_component_group(c), "workloads") == 0) == (pass == 0)) print_entity(out, c);
        }
}
