/* cirrus — `cirrus report`: one self-contained HTML page about a run.
 *
 * Everything is inline — CSS, the fault timeline (SVG written here) and
 * the plots (gnuplot's SVG terminal) — and there is no JavaScript, so the
 * page opens anywhere, offline, and can be mailed as one file.  Every
 * string that comes from the file (names, the scenario text, the
 * description) is HTML-escaped; gnuplot escapes its own text, and its SVG
 * element ids are prefixed per plot so that several plots can share the
 * page. */
#include "tools/report.h"
#include "tools/cli.h"
#include "tools/plot.h"
#include "tools/runtables.h"
#include "tools/slo.h"
#include "sim/loader/node.h"
#include "sim/kernel/error.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Readable from a phone (400 px) to a desktop: the headline's cards and
 * the plot panels are grids that fall to one column, tables of numbers
 * become one labelled line per cell on a narrow screen (no sideways
 * scrolling), SVGs scale to the width. */
static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}"
    "main{max-width:1200px;margin:0 auto;padding:1.5em 2em 3em;background:#fff}"
    "h1{font-size:1.8em;margin:.2em 0;overflow-wrap:anywhere}h2{border-bottom:2px solid #dde3ea;padding-bottom:.2em;margin-top:2em}"
    "h3{margin:1.6em 0 .4em;overflow-wrap:anywhere}.muted{color:#667}"
    "table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:.25em .8em;border-bottom:1px solid #e4e7eb;"
    "text-align:left;vertical-align:top;overflow-wrap:anywhere}th{background:#f0f3f6}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;padding:.1em .6em;border-radius:.8em;font-size:.85em;font-weight:600}"
    ".ok{background:#d9f2e0;color:#17612e}.bad{background:#fbe0dd;color:#8c1d13}.warn{background:#fdf0d5;color:#7a4f01}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,180px),1fr));gap:.8em;margin:1em 0}"
    ".card{border:1px solid #e4e7eb;border-radius:.5em;padding:.6em .9em;background:#fbfcfd}"
    ".card .big{font-size:1.55em;font-weight:700;overflow-wrap:anywhere}.card.bad{border-color:#e8a39b;background:#fdf3f2}"
    ".card.ok{border-color:#9fd5ae;background:#f3fbf5}tr.chosen td{background:#eef8f1;font-weight:600}"
    ".panels{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,460px),1fr));gap:.6em}"
    "figure{margin:.5em 0 1.5em}.panels figure{margin:0}figure svg{display:block;width:100%;height:auto;"
    "border:1px solid #e4e7eb}"
    "pre{background:#f4f5f7;border:1px solid #e4e7eb;padding:1em;overflow-x:auto;font-size:13px}"
    "nav a{margin-right:1em}footer{margin-top:3em;font-size:.85em;color:#667}"
    "@media (max-width:700px){main{padding:.8em}h1{font-size:1.4em}"
    "table.rt,table.rt tbody,table.rt tr,table.rt td{display:block;width:100%}table.rt thead{display:none}"
    "table.rt tr{border-bottom:2px solid #dde3ea;padding:.3em 0}"
    "table.rt td{display:flex;justify-content:space-between;gap:1em;border:none;padding:.1em .3em;text-align:right}"
    "table.rt td::before{content:attr(data-label);font-weight:600;color:#556;text-align:left;white-space:nowrap}"
    "table.rt td:empty{display:none}"
    "pre{white-space:pre-wrap;font-size:12px}}";

static void put_escaped(GString *s, const char *text)
{
    char *e = g_markup_escape_text(text ? text : "", -1);
    g_string_append(s, e);
    g_free(e);
}

/* <tr><th>name</th><td>value</td></tr>, both escaped. */
static void meta_row(GString *s, const char *name, const char *value)
{
    g_string_append(s, "<tr><th>");
    put_escaped(s, name);
    g_string_append(s, "</th><td>");
    put_escaped(s, value);
    g_string_append(s, "</td></tr>\n");
}

static char *seconds_text(double s)
{
    if (!isfinite(s)) return g_strdup("-");
    if (s >= 3600 && fmod(s, 60) == 0) return g_strdup_printf("%g s (%g h)", s, s / 3600);
    if (s >= 60 && fmod(s, 1) == 0) return g_strdup_printf("%g s (%g min)", s, s / 60);
    return g_strdup_printf("%g s", s);
}

static void run_section(GString *s, CirrusH5Run *run, guint replications)
{
    g_string_append(s, "<section id=\"run\"><h2>Run</h2>\n<table class=\"meta\">\n");
    static const char *const text_attrs[][2] = {
        {"scenario", "Scenario"}, {"scenario_path", "Scenario file"}, {"overrides", "Command-line overrides"},
        {"cirrus_version", "cirrus version"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(text_attrs); i++) {
        char *v = cirrus_h5run_attr_string(run, text_attrs[i][0]);
        meta_row(s, text_attrs[i][1], v && *v ? v : "(none)");
        g_free(v);
    }
    meta_row(s, "Output file", cirrus_h5run_path(run));
    double v;
    char *t = cirrus_h5run_attr_double(run, "seed", &v) ? g_strdup_printf("%.0f", v) : g_strdup("-");
    meta_row(s, "Seed", t);
    g_free(t);
    static const char *const time_attrs[][2] = {
        {"duration_s", "Simulated duration"}, {"warmup_s", "Warm-up (left out of the summary)"},
        {"sample_interval_s", "Sample interval"}, {"wall_s", "Wall time"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(time_attrs); i++) {
        t = seconds_text(cirrus_h5run_attr_double(run, time_attrs[i][0], &v) ? v : NAN);
        meta_row(s, time_attrs[i][1], t);
        g_free(t);
    }
    t = cirrus_h5run_attr_double(run, "events", &v) ? g_strdup_printf("%.0f", v) : g_strdup("-");
    meta_row(s, "Events", t);
    g_free(t);
    t = g_strdup_printf("%u", replications);
    meta_row(s, "Replications", t);
    g_free(t);
    char *truncated = cirrus_h5run_truncated_text(run);
    g_string_append(s, "<tr><th>Status</th><td>");
    if (truncated) {
        g_string_append(s, "<span class=\"badge bad\">truncated</span> ");
        put_escaped(s, truncated);
        g_string_append(s, " (interrupted, or over a limit): the series and the summary cover only what was "
                           "simulated");
    } else {
        g_string_append(s, "<span class=\"badge ok\">complete</span>");
    }
    g_free(truncated);
    g_string_append(s, "</td></tr>\n</table></section>\n");
}

/* The timeline: one row per fault over [0, duration], spans as bars and
 * instants as diamonds, drawn here (gnuplot is not needed for boxes). */
static void fault_section(GString *s, CirrusH5Run *run)
{
    GArray *spans = cirrus_fault_spans_read(run);
    double end = 0;
    cirrus_h5run_attr_double(run, "duration_s", &end);
    g_string_append(s, "<section id=\"faults\"><h2>Fault timeline</h2>\n");
    if (spans->len == 0 || !(end > 0)) {
        g_string_append(s, "<p>The scenario injects no faults.</p></section>\n");
        cirrus_fault_spans_free(spans);
        return;
    }
    const double left = 40, width = 920, row = 26;
    double height = 40 + row * spans->len;
    const char *unit;
    double scale = cirrus_plot_time_scale(end, &unit);
    g_string_append_printf(s, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 %.0f\" "
                              "role=\"img\" aria-label=\"fault timeline\" font-family=\"sans-serif\" font-size=\"12\">\n",
                           height);
    /* Axis with about ten ticks at whole units. */
    double step = ceil(end / scale / 10);
    for (double x = 0; x <= end / scale + 1e-9; x += step) {
        double px = left + width * x * scale / end;
        g_string_append_printf(s, "<line x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e4e7eb\"/>"
                                  "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" fill=\"#667\">%g</text>\n",
                               px, px, height - 20, px, height - 6, x);
    }
    for (guint i = 0; i < spans->len; i++) {
        const CirrusFaultSpan *f = &g_array_index(spans, CirrusFaultSpan, i);
        double x0 = left + width * f->start_s / end, x1 = left + width * f->end_s / end, y = 14 + row * i;
        if (f->end_s > f->start_s)
            g_string_append_printf(s, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" rx=\"3\" fill=\"#e8a39b\"/>",
                                   x0, y, MAX(x1 - x0, 1.0));
        else
            g_string_append_printf(s, "<path d=\"M%.1f %.1f l7 9 l-7 9 l-7 -9 z\" fill=\"#c0392b\"/>", x0, y);
        gboolean right = x1 < left + width * 0.7;
        g_string_append_printf(s, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", right ? x1 + 10 : x0 - 10, y + 13,
                               right ? "start" : "end");
        put_escaped(s, f->label);
        g_string_append(s, "</text>\n");
    }
    g_string_append_printf(s, "</svg><figcaption class=\"muted\">simulated time (%s)</figcaption></figure>\n", unit);
    g_string_append(s, "<table><tr><th>start</th><th>end</th><th>kind</th><th>target</th><th>detail</th></tr>\n");
    for (guint i = 0; i < spans->len; i++) {
        const CirrusFaultSpan *f = &g_array_index(spans, CirrusFaultSpan, i);
        char *a = seconds_text(f->start_s), *b = f->end_s > f->start_s ? seconds_text(f->end_s) : g_strdup("(no end)");
        g_string_append_printf(s, "<tr><td class=\"num\">%s</td><td class=\"num\">%s</td><td>", a, b);
        put_escaped(s, f->kind);
        g_string_append(s, "</td><td>");
        put_escaped(s, f->target);
        g_string_append(s, "</td><td>");
        put_escaped(s, f->label + strlen(f->kind) + 1 + strlen(f->target));
        g_string_append(s, "</td></tr>\n");
        g_free(a);
        g_free(b);
    }
    g_string_append(s, "</table></section>\n");
    cirrus_fault_spans_free(spans);
}

static void put_number(GString *s, double v, double ci)
{
    if (!isfinite(v)) { g_string_append(s, "–"); return; }
    char *t = cirrus_format_pm(v, ci, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.4g");
    g_string_append(s, t);
    g_free(t);
}

/* A <td> with its column's name for narrow screens (table.rt). */
static void open_td(GString *s, const char *label, gboolean num)
{
    g_string_append_printf(s, "<td data-label=\"%s\"%s>", label, num ? " class=\"num\"" : "");
}

/* One entity's summary: counts as totals, gauges as mean and peak,
 * latencies as mean and percentiles in ms; a latency whose every value is
 * 0 (a wait nobody waited; an async workload answered on acceptance at
 * once) as one line saying so rather than a row of zeros. */
static void summary_table(GString *s, GPtrArray *rows, guint from, guint to)
{
    static const char *const heads[] = {"metric", "kind", "total / mean", "p50", "p90", "p99", "p99.9",
                                        "peak / max", "unit"};
    g_string_append(s, "<table class=\"summary rt\"><thead><tr>");
    for (guint k = 0; k < G_N_ELEMENTS(heads); k++) g_string_append_printf(s, "<th>%s</th>", heads[k]);
    g_string_append(s, "</tr></thead><tbody>\n");
    for (guint i = from; i < to; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        gboolean latency = strcmp(r->kind, "latency") == 0, count = strcmp(r->kind, "count") == 0 ||
                                                                strcmp(r->kind, "cost") == 0;
        g_string_append(s, "<tr>");
        open_td(s, heads[0], FALSE);
        put_escaped(s, r->metric);
        g_string_append(s, "</td>");
        open_td(s, heads[1], FALSE);
        put_escaped(s, r->kind);
        g_string_append(s, "</td>");
        if (latency && r->v[CIRRUS_STAT_MAX] == 0) {
            g_string_append_printf(s, "<td data-label=\"values\" colspan=\"6\" class=\"muted\">every value 0%s</td>"
                                      "<td data-label=\"unit\">ms (n = %.0f)</td></tr>\n",
                                   strcmp(r->group, "workloads") == 0 && strcmp(r->metric, "Latency") == 0
                                       ? " (an async workload is answered on acceptance)" : "",
                                   r->v[CIRRUS_STAT_COUNT]);
            continue;
        }
        open_td(s, heads[2], TRUE);
        CirrusStat first = count ? CIRRUS_STAT_SUM : CIRRUS_STAT_MEAN;
        put_number(s, r->v[first], r->ci95[first]);
        static const CirrusStat pct[] = {CIRRUS_STAT_P50, CIRRUS_STAT_P90, CIRRUS_STAT_P99, CIRRUS_STAT_P999};
        for (guint k = 0; k < G_N_ELEMENTS(pct); k++) {
            g_string_append(s, "</td>");
            open_td(s, heads[3 + k], TRUE);
            if (latency) put_number(s, r->v[pct[k]], r->ci95[pct[k]]);
        }
        g_string_append(s, "</td>");
        open_td(s, heads[7], TRUE);
        if (!count) put_number(s, r->v[CIRRUS_STAT_MAX], r->ci95[CIRRUS_STAT_MAX]);
        g_string_append(s, "</td>");
        open_td(s, heads[8], FALSE);
        if (latency) g_string_append_printf(s, "ms (n = %.0f)", r->v[CIRRUS_STAT_COUNT]);
        else put_escaped(s, r->unit);
        g_string_append(s, "</td></tr>\n");
    }
    g_string_append(s, "</tbody></table>\n");
}


/* ---- the headline ------------------------------------------------------------ */

/* The number of a metric of an entity in summary rows (NaN if absent). */
static const CirrusSummaryRow *find_row(GPtrArray *rows, const char *group, const char *entity, const char *metric)
{
    for (guint i = 0; rows && i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, group) == 0 && strcmp(r->entity, entity) == 0 && strcmp(r->metric, metric) == 0) return r;
    }
    return NULL;
}

static double stat_of_row(GPtrArray *rows, const char *group, const char *entity, const char *metric, CirrusStat k)
{
    const CirrusSummaryRow *r = find_row(rows, group, entity, metric);
    return r ? r->v[k] : NAN;
}

/* "1,234,567" */
static char *grouped(double v)
{
    if (!isfinite(v)) return g_strdup("–");
    char *raw = g_strdup_printf("%.0f", fabs(v));
    GString *out = g_string_new(v < 0 ? "-" : "");
    gsize n = strlen(raw);
    for (gsize i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0) g_string_append_c(out, ',');
        g_string_append_c(out, raw[i]);
    }
    g_free(raw);
    return g_string_free(out, FALSE);
}

/* "41 min 30 s", "1 h 5 min", "45 s" for a simulated instant. */
static char *instant_text(double t)
{
    if (!isfinite(t)) return g_strdup("–");
    if (t >= 3600) return g_strdup_printf("%d h %02d min", (int)(t / 3600), (int)fmod(t / 60, 60));
    if (t >= 60) return fmod(t, 60) == 0 ? g_strdup_printf("%d min", (int)(t / 60))
                                         : g_strdup_printf("%d min %d s", (int)(t / 60), (int)fmod(t, 60));
    return g_strdup_printf("%g s", t);
}

/* The workloads of the scenario text that are `invocation: async`. */
static GHashTable *async_workloads(const char *yaml)
{
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    CirrusNode *root = yaml ? cirrus_node_parse("scenario", yaml, strlen(yaml), NULL) : NULL;
    const CirrusNode *list = root && cirrus_node_kind(root) == CIRRUS_NODE_MAP ? cirrus_node_peek(root, "workloads") : NULL;
    for (guint i = 0; list && cirrus_node_kind(list) == CIRRUS_NODE_SEQ && i < cirrus_node_len(list); i++) {
        const CirrusNode *w = cirrus_node_item(list, i);
        if (cirrus_node_kind(w) != CIRRUS_NODE_MAP) continue;
        const CirrusNode *name = cirrus_node_peek(w, "name"), *inv = cirrus_node_peek(w, "invocation");
        if (name && cirrus_node_scalar(name) && inv && g_strcmp0(cirrus_node_scalar(inv), "async") == 0)
            g_hash_table_add(out, g_strdup(cirrus_node_scalar(name)));
    }
    cirrus_node_free(root);
    return out;
}

/* Saturation: a utilisation at or above this many percent over a whole
 * sample interval, or any refusal counted (a full queue, a throttle). */
#define SATURATED_PERCENT 99.0
static const char *const utilisations[] = {"Utilization", "CPUUtilization", "EngineCPUUtilization"};
static const char *const refusals[] = {"Rejected", "Throttles", "ThrottledRequests", "ReadThrottleEvents",
                                       "WriteThrottleEvents", "WriteProvisionedThroughputExceeded",
                                       "ReadProvisionedThroughputExceeded", "SendThrottled", "PublishRejected"};

typedef struct {
    char *entity, *type, *reason;
    double at_s;       /* the start of the first interval after the warm-up in which it saturated */
} Saturation;

static void saturation_clear(gpointer p)
{
    Saturation *x = p;
    g_free(x->entity);
    g_free(x->type);
    g_free(x->reason);
}

static gint saturation_order(gconstpointer a, gconstpointer b)
{
    const Saturation *x = a, *y = b;
    return x->at_s < y->at_s ? -1 : x->at_s > y->at_s;
}

/* Every component that saturated after the warm-up, first first (ties in
 * the scenario's order: the sort is stable). */
static GArray *saturations(CirrusH5Run *run, GPtrArray *rows)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(Saturation));
    g_array_set_clear_func(out, saturation_clear);
    GArray *time = cirrus_h5run_time(run, NULL);
    double warmup = 0;
    cirrus_h5run_attr_double(run, "warmup_s", &warmup);
    for (guint i = 0; time && rows && i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, "components") != 0) continue;
        gboolean util = FALSE, refusal = FALSE;
        for (guint k = 0; k < G_N_ELEMENTS(utilisations); k++) util = util || strcmp(r->metric, utilisations[k]) == 0;
        for (guint k = 0; k < G_N_ELEMENTS(refusals); k++) refusal = refusal || strcmp(r->metric, refusals[k]) == 0;
        if (!(util && strcmp(r->kind, "gauge") == 0) && !(refusal && strcmp(r->kind, "count") == 0)) continue;
        char *series = g_strdup_printf("components/%s/%s", r->entity, r->metric);
        GArray *v = cirrus_h5run_read(run, series, NULL);
        g_free(series);
        /* Saturated after the warm-up, in some interval: then since when
         * (which may be during the warm-up: a start-up transient that
         * ends does not count, a saturation that lasts does). */
        gboolean after = FALSE;
        for (guint k = 0; v && k < v->len && k < time->len && !after; k++) {
            double start = k ? g_array_index(time, double, k - 1) : 0, x = g_array_index(v, double, k);
            after = start >= warmup && (util ? x >= SATURATED_PERCENT : x > 0);
        }
        for (guint k = 0; after && k < v->len && k < time->len; k++) {
            double start = k ? g_array_index(time, double, k - 1) : 0, x = g_array_index(v, double, k);
            if (!(util ? x >= SATURATED_PERCENT : x > 0)) continue;
            /* A component may saturate in several ways: keep its first. */
            Saturation *same = NULL;
            for (guint j = 0; j < out->len; j++)
                if (strcmp(g_array_index(out, Saturation, j).entity, r->entity) == 0) same = &g_array_index(out, Saturation, j);
            if (same && same->at_s <= start) break;
            char *reason = util ? g_strdup_printf("%s reached %.0f%% (interval mean %.1f%%)", r->metric, SATURATED_PERCENT, x)
                                : g_strdup_printf("first %s (%.0f in the interval)", r->metric, x);
            if (same) {
                g_free(same->reason);
                same->reason = reason;
                same->at_s = start;
            } else {
                Saturation sat = {g_strdup(r->entity), g_strdup(r->type), reason, start};
                g_array_append_val(out, sat);
            }
            break;
        }
        if (v) g_array_free(v, TRUE);
    }
    if (time) g_array_free(time, TRUE);
    /* Stable: insertion sort keeps the scenario's order among equal times. */
    for (guint i = 1; i < out->len; i++)
        for (guint j = i; j > 0 && saturation_order(&g_array_index(out, Saturation, j), &g_array_index(out, Saturation, j - 1)) < 0; j--) {
            Saturation t = g_array_index(out, Saturation, j);
            g_array_index(out, Saturation, j) = g_array_index(out, Saturation, j - 1);
            g_array_index(out, Saturation, j - 1) = t;
        }
    return out;
}

static void card(GString *s, const char *cls, const char *big, const char *what)
{
    g_string_append_printf(s, "<div class=\"card%s%s\"><div class=\"big\">", cls ? " " : "", cls ? cls : "");
    put_escaped(s, big);
    g_string_append(s, "</div><div>");
    put_escaped(s, what);
    g_string_append(s, "</div></div>\n");
}

/* What a reader wants first: requests and failures, each workload's
 * latency against the scenario's SLOs, the component that saturated
 * first, the month's cost. */
static void headline_section(GString *s, CirrusH5Run *run, CirrusRunSummary *summary, const char *yaml)
{
    g_string_append(s, "<section id=\"headline\"><h2>Headline</h2>\n");
    if (!summary) {
        g_string_append(s, "<p>No summary in the file: nothing to say.</p></section>\n");
        return;
    }
    GPtrArray *rows = summary->rows;
    double requests = 0, failed = 0, timed_out = 0, throttled = 0, rejected = 0;
    GPtrArray *workloads = g_ptr_array_new();
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, "workloads") != 0 || strcmp(r->metric, "Requests") != 0) continue;
        g_ptr_array_add(workloads, r->entity);
        requests += r->v[CIRRUS_STAT_SUM];
        double f = stat_of_row(rows, "workloads", r->entity, "Failed", CIRRUS_STAT_SUM);
        double t = stat_of_row(rows, "workloads", r->entity, "TimedOut", CIRRUS_STAT_SUM);
        double th = stat_of_row(rows, "workloads", r->entity, "Throttled", CIRRUS_STAT_SUM);
        double rj = stat_of_row(rows, "workloads", r->entity, "Rejected", CIRRUS_STAT_SUM);
        failed += isfinite(f) ? f : 0;
        timed_out += isfinite(t) ? t : 0;
        throttled += isfinite(th) ? th : 0;
        rejected += isfinite(rj) ? rj : 0;
    }
    double bad = failed + timed_out, share = requests > 0 ? 100 * bad / requests : NAN;
    char *truncated = cirrus_h5run_truncated_text(run);
    if (truncated) {
        g_string_append(s, "<p><span class=\"badge bad\">truncated</span> ");
        put_escaped(s, truncated);
        g_string_append(s, ": every number below covers only what was simulated.</p>\n");
    }
    g_string_append(s, "<div class=\"cards\">\n");
    char *req = grouped(requests), *big = NULL, *what = NULL;
    card(s, NULL, req, summary->replications > 1 ? "requests after the warm-up (mean per replication)"
                                                  : "requests after the warm-up");
    GString *kinds = g_string_new(NULL);
    double other = failed - throttled - rejected;
    struct { double n; const char *what; } k[] = {{rejected, "rejected (503)"}, {throttled, "throttled (429)"},
                                                   {other, "failed (5xx)"}, {timed_out, "timed out"}};
    for (guint i = 0; i < G_N_ELEMENTS(k); i++)
        if (k[i].n >= 0.5) {
            char *n = grouped(k[i].n);
            g_string_append_printf(kinds, "%s%s %s", kinds->len ? ", " : "", n, k[i].what);
            g_free(n);
        }
    big = isfinite(share) ? g_strdup_printf(share > 0 && share < 0.01 ? "%.2g%%" : "%.2f%%", share) : g_strdup("–");
    what = g_strdup_printf("failed or timed out%s%s", kinds->len ? ": " : "", kinds->str);
    card(s, bad >= 0.5 ? "bad" : "ok", big, what);
    g_free(big);
    g_free(what);
    /* The bottleneck. */
    GArray *sat = saturations(run, rows);
    if (sat->len) {
        const Saturation *first = &g_array_index(sat, Saturation, 0);
        char *when = instant_text(first->at_s);
        what = g_strdup_printf("saturated first, at %s", when);
        card(s, "bad", first->entity, what);
        g_free(what);
        g_free(when);
    } else {
        card(s, "ok", "none", "component saturated after the warm-up");
    }
    const CirrusSummaryRow *month = find_row(rows, "total", "total", CIRRUS_COST_MONTH_METRIC);
    if (month) {
        double usd = month->v[CIRRUS_STAT_SUM];
        char *amount = usd >= 100 ? grouped(usd) : g_strdup_printf("%.2f", usd);
        big = g_strdup_printf("$%s", amount);
        card(s, NULL, big, "a month (730 h) at list prices");
        g_free(amount);
        g_free(big);
    }
    g_string_append(s, "</div>\n");
    g_free(req);
    g_string_free(kinds, TRUE);

    /* Workloads: requests, failures, latency. */
    GHashTable *async = async_workloads(yaml);
    g_string_append(s, "<h3>Workloads</h3>\n<table class=\"rt\" id=\"workloads\"><thead><tr><th>workload</th>"
                       "<th>requests</th><th>failed or timed out</th><th>p50 (ms)</th><th>p99 (ms)</th></tr></thead><tbody>\n");
    for (guint i = 0; i < workloads->len; i++) {
        const char *w = workloads->pdata[i];
        double n = stat_of_row(rows, "workloads", w, "Requests", CIRRUS_STAT_SUM);
        double f = stat_of_row(rows, "workloads", w, "Failed", CIRRUS_STAT_SUM) +
                   stat_of_row(rows, "workloads", w, "TimedOut", CIRRUS_STAT_SUM);
        g_string_append(s, "<tr>");
        open_td(s, "workload", FALSE);
        put_escaped(s, w);
        g_string_append(s, "</td>");
        open_td(s, "requests", TRUE);
        char *t = grouped(n);
        g_string_append_printf(s, "%s</td>", t);
        g_free(t);
        open_td(s, "failed or timed out", TRUE);
        t = grouped(f);
        g_string_append_printf(s, "%s (%.2f%%)</td>", t, n > 0 ? 100 * f / n : 0.0);
        g_free(t);
        const CirrusSummaryRow *lat = find_row(rows, "workloads", w, "Latency");
        if (g_hash_table_contains(async, w)) {
            g_string_append(s, "<td data-label=\"latency\" colspan=\"2\" class=\"muted\">async: answered on "
                               "acceptance (see the target's latency)</td>");
        } else {
            open_td(s, "p50 (ms)", TRUE);
            if (lat) put_number(s, lat->v[CIRRUS_STAT_P50], lat->ci95[CIRRUS_STAT_P50]);
            g_string_append(s, "</td>");
            open_td(s, "p99 (ms)", TRUE);
            if (lat) put_number(s, lat->v[CIRRUS_STAT_P99], lat->ci95[CIRRUS_STAT_P99]);
            g_string_append(s, "</td>");
        }
        g_string_append(s, "</tr>\n");
    }
    g_string_append(s, "</tbody></table>\n");
    g_hash_table_unref(async);

    /* Service levels: the scenario's `slo:` list (tools/slo.h). */
    GArray *slos = cirrus_slos_from_yaml(yaml);
    g_string_append(s, "<h3>Service levels</h3>\n");
    if (slos->len == 0)
        g_string_append(s, "<p class=\"muted\">The scenario declares none (a top-level <code>slo:</code> list, e.g. "
                           "<code>[users.latency_ms.p99 &lt; 200, users.Failed &lt; 0.1%]</code>).</p>\n");
    else
        g_string_append(s, "<table class=\"rt\" id=\"slos\"><thead><tr><th>service level</th><th>this run</th>"
                           "<th>verdict</th></tr></thead><tbody>\n");
    for (guint i = 0; i < slos->len; i++) {
        CirrusSlo *slo = &g_array_index(slos, CirrusSlo, i);
        g_string_append(s, "<tr>");
        open_td(s, "service level", FALSE);
        put_escaped(s, slo->text);
        g_string_append(s, "</td>");
        open_td(s, "this run", TRUE);
        GError *bad_slo = NULL;
        if (!cirrus_slo_resolve(slo, rows, "slo:", &bad_slo)) {
            put_escaped(s, bad_slo->message);
            g_string_append(s, "</td><td data-label=\"verdict\"><span class=\"badge warn\">unknown</span></td></tr>\n");
            g_error_free(bad_slo);
            continue;
        }
        const CirrusSummaryRow *r = rows->pdata[slo->row];
        double v = cirrus_slo_value(slo, rows), hw = slo->percent ? NAN : r->ci95[slo->stat];
        if (slo->percent && isfinite(r->ci95[slo->stat])) {
            const CirrusSummaryRow *d = rows->pdata[slo->denominator];
            hw = d->v[CIRRUS_STAT_SUM] > 0 ? 100 * r->ci95[slo->stat] / d->v[CIRRUS_STAT_SUM] : NAN;
        }
        put_number(s, v, hw);
        if (slo->percent) g_string_append(s, "%");
        gboolean met = cirrus_slo_meets(slo, v, hw);
        g_string_append_printf(s, "</td><td data-label=\"verdict\"><span class=\"badge %s\">%s</span></td></tr>\n",
                               met ? "ok" : "bad", met ? "met" : "missed");
    }
    if (slos->len) g_string_append(s, "</tbody></table>\n");
    if (slos->len && summary->replications > 1)
        g_string_append(s, "<p class=\"muted\">Met means the whole 95% interval is on the right side of the bound, "
                           "as <code>cirrus plan</code> judges.</p>\n");
    g_array_unref(slos);

    /* The bottleneck, and what saturated after it. */
    g_string_append(s, "<h3>Bottleneck</h3>\n");
    if (sat->len == 0) {
        g_string_append(s, "<p id=\"bottleneck\" data-component=\"\">No component saturated after the warm-up: "
                           "no utilisation reached 99% over a sample interval and nothing was refused for "
                           "capacity (a full queue, a throttle).</p>\n");
    } else {
        const Saturation *first = &g_array_index(sat, Saturation, 0);
        char *when = instant_text(first->at_s);
        g_string_append(s, "<p id=\"bottleneck\" data-component=\"");
        put_escaped(s, first->entity);
        g_string_append(s, "\"><strong>");
        put_escaped(s, first->entity);
        g_string_append(s, "</strong> (");
        put_escaped(s, first->type);
        double warmup = 0;
        cirrus_h5run_attr_double(run, "warmup_s", &warmup);
        g_string_append_printf(s, ") saturated first, in the interval from %s%s: ", when,
                               first->at_s < warmup ? " (during the warm-up, and after it)" : "");
        put_escaped(s, first->reason);
        g_string_append(s, ".</p>\n");
        g_free(when);
        if (sat->len > 1) {
            g_string_append(s, "<p>Then: ");
            for (guint i = 1; i < sat->len; i++) {
                const Saturation *x = &g_array_index(sat, Saturation, i);
                char *w = instant_text(x->at_s);
                g_string_append(s, i > 1 ? "; " : "");
                put_escaped(s, x->entity);
                g_string_append_printf(s, " at %s (", w);
                put_escaped(s, x->reason);
                g_string_append(s, ")");
                g_free(w);
            }
            g_string_append(s, ".</p>\n");
        }
    }
    g_array_unref(sat);

    /* The month's cost by component. */
    g_string_append(s, "<h3>Cost a month</h3>\n");
    GString *unpriced = g_string_new(NULL);
    gboolean any = FALSE;
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, "components") == 0 && (i == 0 || strcmp(((CirrusSummaryRow *)rows->pdata[i - 1])->entity,
                                                                      r->entity) != 0) &&
            !find_row(rows, "components", r->entity, CIRRUS_COST_MONTH_METRIC))
            g_string_append_printf(unpriced, "%s%s", unpriced->len ? ", " : "", r->entity);
        if (strcmp(r->metric, CIRRUS_COST_MONTH_METRIC) != 0 || strcmp(r->group, "total") == 0) continue;
        if (!any) g_string_append(s, "<table class=\"rt\" id=\"cost\"><thead><tr><th>component</th>"
                                     "<th>USD a month</th></tr></thead><tbody>\n");
        any = TRUE;
        g_string_append(s, "<tr>");
        open_td(s, "component", FALSE);
        put_escaped(s, r->entity);
        g_string_append(s, "</td>");
        open_td(s, "USD a month", TRUE);
        put_number(s, r->v[CIRRUS_STAT_SUM], r->ci95[CIRRUS_STAT_SUM]);
        g_string_append(s, "</td></tr>\n");
    }
    if (any && month) {
        g_string_append(s, "<tr><td data-label=\"component\"><strong>total</strong></td><td data-label=\"USD a month\" "
                           "class=\"num\"><strong>");
        put_number(s, month->v[CIRRUS_STAT_SUM], month->ci95[CIRRUS_STAT_SUM]);
        g_string_append(s, "</strong></td></tr>\n");
    }
    if (any) g_string_append(s, "</tbody></table>\n");
    else g_string_append(s, "<p>Nothing in the scenario is billed.</p>\n");
    if (any && unpriced->len) {
        g_string_append(s, "<p class=\"muted\">Not priced, so not in the total: ");
        put_escaped(s, unpriced->str);
        g_string_append(s, " (docs/cost.md).</p>\n");
    }
    if (any) g_string_append(s, "<p class=\"muted\">The run's cost scaled to AWS's 730-hour month, warm-up included "
                                "(docs/cost.md).</p>\n");
    g_string_free(unpriced, TRUE);
    g_ptr_array_free(workloads, TRUE);
    g_free(truncated);
    g_string_append(s, "</section>\n");
}

char *cirrus_report_svg_inline(const char *svg, const char *prefix)
{
    const char *start = strstr(svg, "<svg");
    if (!start) return NULL;
    GString *out = g_string_new(NULL);
    gboolean in_tag = FALSE, scripted = FALSE;
    /* Only inside tags: gnuplot writes text with '<' as "&lt;", so every
     * '<' opens a tag, and names in text are never rewritten. */
    for (const char *p = start; *p; p++) {
        if (*p == '<') in_tag = TRUE;
        else if (*p == '>') in_tag = FALSE;
        if (in_tag && p > start && g_ascii_isspace(p[-1]) && g_ascii_strncasecmp(p, "on", 2) == 0)
            scripted = TRUE;   /* an event handler attribute */
        if (in_tag) {
            static const char *const refs[] = {"id='", "id=\"", "href='#", "href=\"#", "url(#"};
            gboolean done = FALSE;
            for (guint k = 0; k < G_N_ELEMENTS(refs) && !done; k++) {
                gsize n = strlen(refs[k]);
                if (strncmp(p, refs[k], n) == 0 && (k > 1 || p == start || p[-1] == ' ' || p[-1] == '\t')) {
                    g_string_append_len(out, p, (gssize)n);
                    g_string_append(out, prefix);
                    p += n - 1;
                    done = TRUE;
                }
            }
            if (done) continue;
        }
        g_string_append_c(out, *p);
    }
    /* No script may reach the page, whatever gnuplot wrote. */
    char *lower = g_ascii_strdown(out->str, -1);
    scripted = scripted || strstr(lower, "<script") != NULL;
    g_free(lower);
    if (scripted) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

/* One entity's dashboard panels, each an inline SVG in a <figure>, in a
 * grid that is one column wide on a phone (the CSS): "" when it has
 * nothing to draw, NULL on an error. */
static char *entity_svg(CirrusH5Run *run, const char *entity, guint index, GError **error)
{
    char *dir = g_dir_make_tmp("cirrus-report-XXXXXX", error);
    if (!dir) return NULL;
    char *prefix = g_build_filename(dir, "p", NULL);
    guint n = 0;
    GError *local = NULL;
    char *script = cirrus_plot_entity_panels(run, entity, prefix, &n, &local);
    GString *html = g_string_new(NULL);
    gboolean ok = !local && (!script || cirrus_plot_render(script, &local));
    if (ok && n) g_string_append(html, "<div class=\"panels\">\n");
    for (guint k = 0; ok && k < n; k++) {
        char *file = g_strdup_printf("%s%u.svg", prefix, k), *text = NULL;
        if (g_file_get_contents(file, &text, NULL, &local)) {
            char *id = g_strdup_printf("p%u_%u_", index, k);
            char *svg = cirrus_report_svg_inline(text, id);
            if (svg) g_string_append_printf(html, "<figure class=\"panel\">%s</figure>\n", svg);
            g_free(svg);
            g_free(id);
        } else {
            ok = FALSE;
        }
        g_unlink(file);
        g_free(file);
        g_free(text);
    }
    if (ok && n) g_string_append(html, "</div>\n");
    g_rmdir(dir);
    g_free(prefix);
    g_free(dir);
    g_free(script);
    if (!ok) {
        g_propagate_error(error, local);
        g_string_free(html, TRUE);
        return NULL;
    }
    return g_string_free(html, FALSE);
}

char *cirrus_report_html(CirrusH5Run *run, GError **error)
{
    GError *no_summary = NULL;
    CirrusRunSummary *summary = cirrus_run_summary_read(run, &no_summary);
    char *name = cirrus_h5run_attr_string(run, "scenario");
    char *yaml = cirrus_h5run_attr_string(run, "scenario_yaml");
    GString *s = g_string_new("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    g_string_append(s, "cirrus report: ");
    put_escaped(s, name ? name : "run");
    g_string_append_printf(s, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<header>\n<p class=\"muted\">cirrus report</p>\n<h1>", css);
    put_escaped(s, name ? name : "run");
    g_string_append(s, "</h1>\n");
    /* The scenario's own description line, when it has one. */
    char **lines = g_strsplit(yaml ? yaml : "", "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "description:")) {
            g_string_append(s, "<p class=\"description\">");
            put_escaped(s, g_strstrip(*l + strlen("description:")));
            g_string_append(s, "</p>\n");
        }
    g_strfreev(lines);
    g_string_append(s, "<nav><a href=\"#headline\">Headline</a><a href=\"#run\">Run</a><a href=\"#faults\">Faults</a>"
                       "<a href=\"#results\">Results</a><a href=\"#scenario\">Scenario</a></nav>\n</header>\n");
    headline_section(s, run, summary, yaml);
    run_section(s, run, summary ? summary->replications : 1);
    fault_section(s, run);
    g_string_append(s, "<section id=\"results\"><h2>Results</h2>\n");
    g_string_append(s, "<p class=\"muted\">Summary numbers cover the time after the warm-up: counts are totals, gauges "
                       "time-weighted means and exact peaks, latencies in milliseconds. Plots cover the whole run: "
                       "latencies in milliseconds (a band from p50 to p99, the p50 line, the p90 dashed), counts as "
                       "rates per second, levels with their peak dotted; the warm-up is shaded grey, fault windows "
                       "red, scaling activities are dashed green lines, and a part never simulated (a truncated "
                       "run) is hatched.</p>\n");
    if (!summary) {
        g_string_append(s, "<p>");
        put_escaped(s, no_summary->message);
        g_string_append(s, "</p>\n");
    }
    /* The bill of all components together (docs/cost.md): the summary's
     * "total" entity, which has no series and so no block below. */
    for (guint i = 0; summary && i < summary->rows->len; i++) {
        const CirrusSummaryRow *r = summary->rows->pdata[i];
        if (strcmp(r->group, "total") != 0) continue;
        g_string_append(s, strcmp(r->metric, CIRRUS_COST_METRIC) == 0 ? "<p class=\"cost\">Cost of all components: $"
                                                                         : ", a month (730 h): $");
        put_number(s, r->v[CIRRUS_STAT_SUM], r->ci95[CIRRUS_STAT_SUM]);
        if (strcmp(r->metric, CIRRUS_COST_MONTH_METRIC) == 0)
            g_string_append(s, " (list prices, warm-up included; <code>cost_usd</code> rows below)</p>\n");
    }
    /* One block per workload and component, in the summary's order (the
     * scenario file's), then any entity with series but no summary rows. */
    GPtrArray *entities = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; summary && i < summary->rows->len; i++) {
        const CirrusSummaryRow *r = summary->rows->pdata[i];
        if (strcmp(r->group, "total") == 0) continue;
        char *e = g_strdup_printf("%s/%s", r->group, r->entity);
        if (g_ptr_array_find_with_equal_func(entities, e, g_str_equal, NULL)) g_free(e);
        else g_ptr_array_add(entities, e);
    }
    GPtrArray *all = cirrus_h5run_series(run);
    for (guint i = 0; i < all->len; i++) {
        char *e = g_strndup(all->pdata[i], (gsize)(strrchr(all->pdata[i], '/') - (char *)all->pdata[i]));
        if (g_ptr_array_find_with_equal_func(entities, e, g_str_equal, NULL)) g_free(e);
        else g_ptr_array_add(entities, e);
    }
    gboolean ok = TRUE;
    for (guint e = 0; e < entities->len && ok; e++) {
        const char *entity = entities->pdata[e];
        const char *short_name = strchr(entity, '/') + 1;
        guint from = 0, to = 0;
        const char *type = g_str_has_prefix(entity, "workloads/") ? "workload" : "component";
        for (guint i = 0; summary && i < summary->rows->len; i++) {
            const CirrusSummaryRow *r = summary->rows->pdata[i];
            char *key = g_strdup_printf("%s/%s", r->group, r->entity);
            if (strcmp(key, entity) == 0) {
                if (to == 0) from = i;
                to = i + 1;
                type = r->type;
            }
            g_free(key);
        }
        g_string_append_printf(s, "<section class=\"entity\" id=\"e%u\"><h3>", e);
        put_escaped(s, short_name);
        g_string_append(s, " <span class=\"muted\">");
        put_escaped(s, type);
        g_string_append(s, "</span></h3>\n");
        if (to > from) summary_table(s, summary->rows, from, to);
        char *svg = entity_svg(run, entity, e, error);
        if (svg) g_string_append(s, svg);
        else ok = FALSE;
        g_free(svg);
        g_string_append(s, "</section>\n");
    }
    g_string_append(s, "</section>\n<section id=\"scenario\"><h2>Scenario</h2>\n<pre>");
    put_escaped(s, yaml ? yaml : "(not stored in the file)");
    g_string_append_printf(s, "</pre>\n</section>\n<footer>Written by cirrus %s.</footer>\n</main>\n</body>\n</html>\n",
                           CIRRUS_VERSION);
    g_ptr_array_unref(entities);
    g_clear_error(&no_summary);
    cirrus_run_summary_free(summary);
    g_free(name);
    g_free(yaml);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

/* ---- sweeps and plans --------------------------------------------------------- */

/* A sweep file's /sweep table as summary rows, one array per point. */
static GPtrArray **sweep_rows(CirrusH5Run *run, guint n_points)
{
    GArray *point = cirrus_h5run_table_numbers(run, "/sweep", "point");
    static const char *const text[] = {"group", "entity", "type", "metric", "kind", "unit"};
    GPtrArray *col[G_N_ELEMENTS(text)];
    GArray *num[CIRRUS_STAT_N], *ci[CIRRUS_STAT_N];
    gboolean ok = point != NULL;
    for (guint k = 0; k < G_N_ELEMENTS(text); k++) ok = (col[k] = cirrus_h5run_table_strings(run, "/sweep", text[k])) && ok;
    for (guint k = 0; k < CIRRUS_STAT_N; k++) {
        char *name = g_strconcat(cirrus_stat_names[k], "_ci95", NULL);
        ok = (num[k] = cirrus_h5run_table_numbers(run, "/sweep", cirrus_stat_names[k])) && ok;
        ok = (ci[k] = cirrus_h5run_table_numbers(run, "/sweep", name)) && ok;
        g_free(name);
    }
    GPtrArray **out = g_new0(GPtrArray *, MAX(n_points, 1u));
    for (guint p = 0; p < n_points; p++) out[p] = g_ptr_array_new();
    for (guint i = 0; ok && i < point->len; i++) {
        double pv = g_array_index(point, double, i);
        if (!(pv >= 0) || pv >= n_points) continue;
        CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
        char **fields[] = {&r->group, &r->entity, &r->type, &r->metric, &r->kind, &r->unit};
        for (guint k = 0; k < G_N_ELEMENTS(text); k++) *fields[k] = g_strdup(col[k]->pdata[i]);
        for (guint k = 0; k < CIRRUS_STAT_N; k++) {
            r->v[k] = g_array_index(num[k], double, i);
            r->ci95[k] = g_array_index(ci[k], double, i);
        }
        g_ptr_array_add(out[(guint)pv], r);
    }
    if (point) g_array_free(point, TRUE);
    for (guint k = 0; k < G_N_ELEMENTS(text); k++) if (col[k]) g_ptr_array_unref(col[k]);
    for (guint k = 0; k < CIRRUS_STAT_N; k++) {
        if (num[k]) g_array_free(num[k], TRUE);
        if (ci[k]) g_array_free(ci[k], TRUE);
    }
    return out;
}

static void sweep_rows_free(GPtrArray **rows, guint n)
{
    for (guint p = 0; p < n; p++) {
        for (guint i = 0; i < rows[p]->len; i++) cirrus_summary_row_free(rows[p]->pdata[i]);
        g_ptr_array_unref(rows[p]);
    }
    g_free(rows);
}

/* One curve of a sweep as an inline SVG (NULL on an error). */
static char *sweep_curve(CirrusH5Run *run, const char *spec, const CirrusSweepMarks *marks, guint index, GError **error)
{
    char *path = NULL;
    int fd = g_file_open_tmp("cirrus-report-XXXXXX.svg", &path, error);
    if (fd < 0) return NULL;
    close(fd);
    char *specs[] = {(char *)spec};
    char *script = cirrus_plot_sweep_marked_script(run, specs, 1, marks, path, error), *text = NULL, *svg = NULL;
    if (script && cirrus_plot_render(script, error) && g_file_get_contents(path, &text, NULL, error)) {
        char *prefix = g_strdup_printf("s%u_", index);
        svg = cirrus_report_svg_inline(text, prefix);
        g_free(prefix);
    }
    g_unlink(path);
    g_free(path);
    g_free(script);
    g_free(text);
    return svg;
}

/* The SLO's number at a point, and its half-width (a percentage's from
 * its count's). */
static void slo_at(CirrusSlo *slo, GPtrArray *rows, double *v, double *hw)
{
    const CirrusSummaryRow *r = rows->pdata[slo->row];
    *v = cirrus_slo_value(slo, rows);
    *hw = r->ci95[slo->stat];
    if (slo->percent) {
        const CirrusSummaryRow *d = rows->pdata[slo->denominator];
        *hw = d->v[CIRRUS_STAT_SUM] > 0 && isfinite(*hw) ? 100 * *hw / d->v[CIRRUS_STAT_SUM] : NAN;
    }
}

/* The page of a sweep file (cirrus sweep) or of the points a plan
 * explored (cirrus plan): the curves of the service levels (or of each
 * workload's p99 and the cost) against the first key, the SLO's bound
 * and the chosen setting on them, and the table of runs. */
static char *sweep_report_html(CirrusH5Run *run, GError **error)
{
    char *name = cirrus_h5run_attr_string(run, "scenario"), *yaml = cirrus_h5run_attr_string(run, "scenario_yaml");
    char *keys_text = cirrus_h5run_attr_string(run, "sweep_keys"), *plan_slos = cirrus_h5run_attr_string(run, "plan_slos");
    char *choice_text = cirrus_h5run_attr_string(run, "plan_choice"), *objective = cirrus_h5run_attr_string(run, "plan_objective");
    gboolean plan = plan_slos != NULL;
    char **keys = g_strsplit(keys_text ? keys_text : "", "\n", -1), **choice = g_strsplit(choice_text ? choice_text : "", "\n", -1);
    guint n_keys = g_strv_length(keys);
    GPtrArray **values = g_new0(GPtrArray *, MAX(n_keys, 1u));
    guint n_points = 0;
    gboolean ok = n_keys > 0;
    for (guint k = 0; ok && k < n_keys; k++) ok = (values[k] = cirrus_h5run_table_strings(run, "/sweep_points", keys[k])) != NULL;
    if (ok) n_points = values[0]->len;
    double reps = 1;
    cirrus_h5run_attr_double(run, "replications", &reps);
    GPtrArray **rows = sweep_rows(run, n_points);
    /* The service levels: the plan's, or the scenario's slo: list. */
    GArray *slos;
    if (plan) {
        slos = cirrus_slos_from_yaml(NULL);
        char **lines = g_strsplit(plan_slos, "\n", -1);
        for (guint i = 0; lines[i]; i++) {
            CirrusSlo slo;
            if (*lines[i] && cirrus_slo_parse(lines[i], "--slo", &slo, NULL)) g_array_append_val(slos, slo);
            else cirrus_slo_clear(&slo);
        }
        g_strfreev(lines);
    } else {
        slos = cirrus_slos_from_yaml(yaml);
    }
    gboolean *resolved = g_new0(gboolean, MAX(slos->len, 1u));
    for (guint i = 0; n_points && i < slos->len; i++)
        resolved[i] = cirrus_slo_resolve(&g_array_index(slos, CirrusSlo, i), rows[0], "slo", NULL);
    gint chosen = -1;
    for (guint p = 0; plan && choice[0] && *choice[0] && p < n_points && chosen < 0; p++) {
        gboolean all = TRUE;
        for (guint k = 0; k < n_keys && all; k++) all = choice[k] && strcmp(values[k]->pdata[p], choice[k]) == 0;
        if (all) chosen = (gint)p;
    }

    GString *s = g_string_new("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    g_string_append(s, plan ? "cirrus plan report: " : "cirrus sweep report: ");
    put_escaped(s, name ? name : "sweep");
    g_string_append_printf(s, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<header>\n<p class=\"muted\">%s</p>\n<h1>",
                           css, plan ? "cirrus plan report" : "cirrus sweep report");
    put_escaped(s, name ? name : "sweep");
    g_string_append(s, "</h1>\n<nav><a href=\"#headline\">Headline</a><a href=\"#curves\">Curves</a>"
                       "<a href=\"#runs\">Runs</a><a href=\"#scenario\">Scenario</a></nav>\n</header>\n");
    g_string_append(s, "<section id=\"headline\"><h2>Headline</h2>\n<div class=\"cards\">\n");
    char *t = g_strdup_printf("%u", n_points);
    card(s, NULL, t, plan ? "settings explored" : "points swept");
    g_free(t);
    t = g_strdup_printf("%.0f", reps);
    card(s, NULL, t, "replications per point");
    g_free(t);
    if (plan) {
        if (chosen >= 0) {
            GString *c = g_string_new(NULL);
            for (guint k = 0; k < n_keys; k++) g_string_append_printf(c, "%s%s", k ? ", " : "", (char *)values[k]->pdata[chosen]);
            char *w = g_strdup_printf("chosen (%s, by %s)", keys_text, objective && *objective ? objective : "cost");
            card(s, "ok", c->str, w);
            g_free(w);
            g_string_free(c, TRUE);
        } else {
            card(s, "bad", "none", "no setting explored met every SLO");
        }
    }
    g_string_append(s, "</div>\n<p>");
    g_string_append(s, plan ? "Swept by <code>cirrus plan</code>: " : "Swept by <code>cirrus sweep</code>: ");
    for (guint k = 0; k < n_keys; k++) {
        g_string_append(s, k ? ", <code>" : "<code>");
        put_escaped(s, keys[k]);
        g_string_append(s, "</code>");
    }
    g_string_append(s, ". Numbers are means over the replications with their 95% half-width.</p>\n");
    if (slos->len) {
        g_string_append(s, "<p>Service levels: ");
        for (guint i = 0; i < slos->len; i++) {
            g_string_append(s, i ? ", <code>" : "<code>");
            put_escaped(s, g_array_index(slos, CirrusSlo, i).text);
            g_string_append(s, "</code>");
        }
        g_string_append(s, plan ? " (the plan's <code>--slo</code>).</p>\n" : " (the scenario's <code>slo:</code>).</p>\n");
    }
    g_string_append(s, "</section>\n");

    /* Curves. */
    g_string_append(s, "<section id=\"curves\"><h2>Curves</h2>\n<div class=\"panels\">\n");
    GPtrArray *specs = g_ptr_array_new_with_free_func(g_free), *labels = g_ptr_array_new_with_free_func(g_free);
    GArray *bounds = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < slos->len; i++) {
        if (!resolved[i]) continue;
        CirrusSlo *slo = &g_array_index(slos, CirrusSlo, i);
        const CirrusSummaryRow *r = rows[0]->pdata[slo->row];
        g_ptr_array_add(specs, g_strdup_printf("%s/%s:%s", r->entity, r->metric, cirrus_stat_names[slo->stat]));
        g_ptr_array_add(labels, g_strdup_printf("SLO %s", slo->text));
        double b = slo->percent ? NAN : slo->bound;   /* a percentage is not in the metric's units */
        g_array_append_val(bounds, b);
    }
    for (guint i = 0; n_points && i < rows[0]->len && slos->len == 0; i++) {
        const CirrusSummaryRow *r = rows[0]->pdata[i];
        if (strcmp(r->group, "workloads") == 0 && strcmp(r->metric, "Latency") == 0 && r->v[CIRRUS_STAT_MAX] > 0) {
            g_ptr_array_add(specs, g_strdup_printf("%s/Latency:p99", r->entity));
            g_ptr_array_add(labels, NULL);
            double b = NAN;
            g_array_append_val(bounds, b);
        }
    }
    for (guint i = 0; n_points && i < rows[0]->len; i++) {
        const CirrusSummaryRow *r = rows[0]->pdata[i];
        if (strcmp(r->group, "total") == 0 && strcmp(r->metric, CIRRUS_COST_MONTH_METRIC) == 0) {
            g_ptr_array_add(specs, g_strdup_printf("total/%s:sum", CIRRUS_COST_MONTH_METRIC));
            g_ptr_array_add(labels, NULL);
            double b = NAN;
            g_array_append_val(bounds, b);
        }
    }
    for (guint i = 0; ok && i < specs->len; i++) {
        CirrusSweepMarks marks = {g_array_index(bounds, double, i), labels->pdata[i],
                                  chosen >= 0 ? values[0]->pdata[chosen] : NULL};
        char *svg = sweep_curve(run, specs->pdata[i], &marks, i, error);
        if (!svg) { ok = FALSE; break; }
        g_string_append_printf(s, "<figure class=\"panel curve\">%s</figure>\n", svg);
        g_free(svg);
    }
    g_string_append(s, "</div>\n</section>\n");

    /* The table of runs. */
    g_string_append(s, "<section id=\"runs\"><h2>Runs</h2>\n<table class=\"rt\" id=\"points\"><thead><tr><th>point</th>");
    for (guint k = 0; k < n_keys; k++) {
        g_string_append(s, "<th>");
        put_escaped(s, keys[k]);
        g_string_append(s, "</th>");
    }
    for (guint i = 0; i < slos->len; i++) {
        g_string_append(s, "<th>");
        put_escaped(s, g_array_index(slos, CirrusSlo, i).lhs);
        g_string_append(s, "</th>");
    }
    g_string_append(s, "<th>USD a month</th>");
    if (slos->len) g_string_append(s, "<th>every SLO</th>");
    g_string_append(s, "</tr></thead><tbody>\n");
    for (guint p = 0; p < n_points; p++) {
        g_string_append_printf(s, "<tr%s><td data-label=\"point\">P%u%s</td>", (gint)p == chosen ? " class=\"chosen\"" : "", p,
                               (gint)p == chosen ? " <span class=\"badge ok\">chosen</span>" : "");
        for (guint k = 0; k < n_keys; k++) {
            g_string_append(s, "<td data-label=\"");
            put_escaped(s, keys[k]);
            g_string_append(s, "\" class=\"num\">");
            put_escaped(s, values[k]->pdata[p]);
            g_string_append(s, "</td>");
        }
        gboolean all = TRUE;
        for (guint i = 0; i < slos->len; i++) {
            CirrusSlo *slo = &g_array_index(slos, CirrusSlo, i);
            g_string_append(s, "<td data-label=\"");
            put_escaped(s, slo->lhs);
            g_string_append(s, "\" class=\"num\">");
            if (!resolved[i] || rows[p]->len != rows[0]->len) {
                g_string_append(s, "–</td>");
                all = FALSE;
                continue;
            }
            double v, hw;
            slo_at(slo, rows[p], &v, &hw);
            put_number(s, v, hw);
            if (slo->percent) g_string_append(s, "%");
            all = all && cirrus_slo_meets(slo, v, hw);
            g_string_append(s, "</td>");
        }
        g_string_append(s, "<td data-label=\"USD a month\" class=\"num\">");
        for (guint i = 0; i < rows[p]->len; i++) {
            const CirrusSummaryRow *r = rows[p]->pdata[i];
            if (strcmp(r->group, "total") == 0 && strcmp(r->metric, CIRRUS_COST_MONTH_METRIC) == 0)
                put_number(s, r->v[CIRRUS_STAT_SUM], r->ci95[CIRRUS_STAT_SUM]);
        }
        g_string_append(s, "</td>");
        if (slos->len)
            g_string_append_printf(s, "<td data-label=\"every SLO\"><span class=\"badge %s\">%s</span></td>",
                                   all ? "ok" : "bad", all ? "met" : "missed");
        g_string_append(s, "</tr>\n");
    }
    g_string_append(s, "</tbody></table>\n");
    if (plan)
        g_string_append(s, "<p class=\"muted\">A setting meets an SLO when the 95% interval of its mean lies wholly on "
                           "the right side of the bound; <code>cirrus plan</code> judges each replication's number, "
                           "the table shows their mean.</p>\n");
    g_string_append(s, "</section>\n<section id=\"scenario\"><h2>Scenario</h2>\n<pre>");
    put_escaped(s, yaml ? yaml : "(not stored in the file)");
    g_string_append_printf(s, "</pre>\n</section>\n<footer>Written by cirrus %s.</footer>\n</main>\n</body>\n</html>\n",
                           CIRRUS_VERSION);
    g_ptr_array_unref(specs);
    g_ptr_array_unref(labels);
    g_array_free(bounds, TRUE);
    g_free(resolved);
    g_array_unref(slos);
    sweep_rows_free(rows, n_points);
    for (guint k = 0; k < n_keys; k++) if (values[k]) g_ptr_array_unref(values[k]);
    g_free(values);
    g_strfreev(keys);
    g_strfreev(choice);
    g_free(name);
    g_free(yaml);
    g_free(keys_text);
    g_free(plan_slos);
    g_free(choice_text);
    g_free(objective);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

int cirrus_cmd_report(int argc, char **argv)
{
    char *out = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "HTML file to write (default OUT.html)", "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int parsed = cirrus_cli_parse_args(&argc, &argv, entries, "OUT.h5",
        "Writes one self-contained HTML page: a headline (requests, failures, latency against the\n"
        "scenario's slo: list, the bottleneck, the month's cost), run metadata, the fault timeline,\n"
        "the summary and plots of every workload and component, and the scenario text.  For a sweep\n"
        "or plan file: the curves with the SLO and the chosen setting, and the table of runs.\n"
        "Needs gnuplot.",
        1, 1, "one HDF5 file");
    if (parsed >= 0) {
        g_free(out);
        return parsed;
    }
    GError *error = NULL;
    int status = 0;
    CirrusH5Run *run = cirrus_h5run_open_any(argv[1], &error);
    char *html = !run ? NULL : cirrus_h5run_is_sweep(run) ? sweep_report_html(run, &error) : cirrus_report_html(run, &error);
    if (!out) {
        char *base = g_str_has_suffix(argv[1], ".h5") ? g_strndup(argv[1], strlen(argv[1]) - 3) : g_strdup(argv[1]);
        out = g_strconcat(base, ".html", NULL);
        g_free(base);
    }
    if (!html) {
        status = cirrus_cli_fail(error);
    } else if (!g_file_set_contents(out, html, -1, &error)) {
        GError *io = g_error_new(CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write '%s': %s", out, error->message);
        g_error_free(error);
        status = cirrus_cli_fail(io);
    } else {
        printf("report written to %s\n", out);
    }
    g_free(html);
    cirrus_h5run_close(run);
    g_free(out);
    return status;
}
