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
#include "sim/kernel/error.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char css[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#222;margin:0;background:#f6f7f9}"
    "main{max-width:1100px;margin:0 auto;padding:1.5em 2em 3em;background:#fff}"
    "h1{font-size:1.8em;margin:.2em 0}h2{border-bottom:2px solid #dde3ea;padding-bottom:.2em;margin-top:2em}"
    "h3{margin:1.6em 0 .4em}.muted{color:#667}"
    "table{border-collapse:collapse;margin:.5em 0 1em}th,td{padding:.25em .8em;border-bottom:1px solid #e4e7eb;"
    "text-align:left;vertical-align:top}th{background:#f0f3f6}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".badge{display:inline-block;padding:.1em .6em;border-radius:.8em;font-size:.85em;font-weight:600}"
    ".ok{background:#d9f2e0;color:#17612e}.bad{background:#fbe0dd;color:#8c1d13}"
    "figure{margin:.5em 0 1.5em}figure svg{width:100%;height:auto;border:1px solid #e4e7eb}"
    "pre{background:#f4f5f7;border:1px solid #e4e7eb;padding:1em;overflow-x:auto;font-size:13px}"
    "nav a{margin-right:1em}footer{margin-top:3em;font-size:.85em;color:#667}";

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

/* One entity's summary: counts as totals, gauges as mean and peak,
 * latencies as mean and percentiles in ms. */
static void summary_table(GString *s, GPtrArray *rows, guint from, guint to)
{
    g_string_append(s, "<table class=\"summary\"><tr><th>metric</th><th>kind</th><th>total / mean</th><th>p50</th>"
                       "<th>p90</th><th>p99</th><th>p99.9</th><th>peak / max</th><th>unit</th></tr>\n");
    for (guint i = from; i < to; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        gboolean latency = strcmp(r->kind, "latency") == 0, count = strcmp(r->kind, "count") == 0 ||
                                                                strcmp(r->kind, "cost") == 0;
        g_string_append(s, "<tr><td>");
        put_escaped(s, r->metric);
        g_string_append(s, "</td><td>");
        put_escaped(s, r->kind);
        g_string_append(s, "</td><td class=\"num\">");
        CirrusStat first = count ? CIRRUS_STAT_SUM : CIRRUS_STAT_MEAN;
        put_number(s, r->v[first], r->ci95[first]);
        static const CirrusStat pct[] = {CIRRUS_STAT_P50, CIRRUS_STAT_P90, CIRRUS_STAT_P99, CIRRUS_STAT_P999};
        for (guint k = 0; k < G_N_ELEMENTS(pct); k++) {
            g_string_append(s, "</td><td class=\"num\">");
            if (latency) put_number(s, r->v[pct[k]], r->ci95[pct[k]]);
        }
        g_string_append(s, "</td><td class=\"num\">");
        if (!count) put_number(s, r->v[CIRRUS_STAT_MAX], r->ci95[CIRRUS_STAT_MAX]);
        g_string_append(s, "</td><td>");
        if (latency) g_string_append_printf(s, "ms (n = %.0f)", r->v[CIRRUS_STAT_COUNT]);
        else put_escaped(s, r->unit);
        g_string_append(s, "</td></tr>\n");
    }
    g_string_append(s, "</table>\n");
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

/* One entity's dashboard as inline SVG, or NULL (nothing to draw). */
static char *entity_svg(CirrusH5Run *run, const char *entity, guint index, GError **error)
{
    char *path = NULL;
    int fd = g_file_open_tmp("cirrus-report-XXXXXX.svg", &path, error);
    if (fd < 0) return NULL;
    close(fd);
    char *script = cirrus_plot_entity_script(run, entity, path, error), *svg = NULL, *text = NULL;
    if (script && cirrus_plot_render(script, error) && g_file_get_contents(path, &text, NULL, error)) {
        char *prefix = g_strdup_printf("p%u_", index);
        svg = cirrus_report_svg_inline(text, prefix);
        g_free(prefix);
    }
    g_unlink(path);
    g_free(path);
    g_free(script);
    g_free(text);
    return svg;
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
    g_string_append(s, "<nav><a href=\"#run\">Run</a><a href=\"#faults\">Faults</a><a href=\"#results\">Results</a>"
                       "<a href=\"#scenario\">Scenario</a></nav>\n</header>\n");
    run_section(s, run, summary ? summary->replications : 1);
    fault_section(s, run);
    g_string_append(s, "<section id=\"results\"><h2>Results</h2>\n");
    g_string_append(s, "<p class=\"muted\">Summary numbers cover the time after the warm-up: counts are totals, gauges "
                       "time-weighted means and exact peaks, latencies in milliseconds. Plots cover the whole run; "
                       "shaded spans are fault windows, dashed green lines scaling activities, blue bands the p50 to "
                       "p99 range of a latency.</p>\n");
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
    /* One block per workload and component, in the summary's order (or the
     * series' order when there is no summary). */
    GPtrArray *entities = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *all = cirrus_h5run_series(run);
    for (guint i = 0; i < all->len; i++) {
        char *e = g_strndup(all->pdata[i], (gsize)(strrchr(all->pdata[i], '/') - (char *)all->pdata[i]));
        if (entities->len && strcmp(entities->pdata[entities->len - 1], e) == 0) g_free(e);
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
        if (svg) {
            g_string_append_printf(s, "<figure>%s</figure>\n", svg);
            g_free(svg);
        } else if (error && *error) {
            ok = FALSE;
        }
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

int cirrus_cmd_report(int argc, char **argv)
{
    char *out = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "HTML file to write (default OUT.html)", "FILE"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int parsed = cirrus_cli_parse_args(&argc, &argv, entries, "OUT.h5",
        "Writes one self-contained HTML page: run metadata, the fault timeline, the summary and\n"
        "plots of every workload and component, and the scenario text. Needs gnuplot.",
        1, 1, "one HDF5 file");
    if (parsed >= 0) {
        g_free(out);
        return parsed;
    }
    GError *error = NULL;
    int status = 0;
    CirrusH5Run *run = cirrus_h5run_open(argv[1], &error);
    char *html = run ? cirrus_report_html(run, &error) : NULL;
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
