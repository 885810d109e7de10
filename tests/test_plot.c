/* cirrus — plots: quoting that cannot be escaped, and a real render. */
#include "testutil.h"
#include "tools/plot.h"
#include "tools/runtables.h"
#include "tools/headline.h"
#include "models/registry.h"
#include "sim/h5/h5out.h"
#include <glib/gstdio.h>

/* Whatever a name holds, the quoted form is one gnuplot string literal:
 * it starts and ends with a quote, every inner quote is doubled, and no
 * newline (which would end the command) survives. */
/* Draw `script` with gnuplot when it is installed (the script's checks
 * above stand without it). */
static void render_if_gnuplot(const char *script)
{
    GError *error = NULL;
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (gnuplot) {
        g_assert_true(cirrus_plot_render(script, &error));
        g_assert_no_error(error);
    }
    g_free(gnuplot);
}

static void test_quote(void)
{
    static const char *const nasty[] = {
        "plain", "it's", "'; system('touch /tmp/pwned'); '", "a\nsystem('x')", "''", "`rm -rf /`", "$D0",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(nasty); i++) {
        char *q = cirrus_gnuplot_quote(nasty[i]);
        gsize n = strlen(q);
        g_assert_cmpint(q[0], ==, '\'');
        g_assert_cmpint(q[n - 1], ==, '\'');
        g_assert_null(strchr(q, '\n'));
        /* Inside, quotes only come in pairs. */
        for (gsize k = 1; k + 1 < n; k++) {
            if (q[k] != '\'') continue;
            g_assert_cmpint(q[k + 1], ==, '\'');
            k++;
        }
        g_free(q);
    }
    char *q = cirrus_gnuplot_quote("it's");
    g_assert_cmpstr(q, ==, "'it''s'");
    g_free(q);
}

/* Run the M/M/4 scenario for 10 minutes, plot its dashboard, and check a
 * PNG came out (skipped when gnuplot is not installed). */
static void test_render(void)
{
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (!gnuplot) {
        g_test_skip("gnuplot is not installed");
        return;
    }
    g_free(gnuplot);
    char *dir = g_dir_make_tmp("cirrus-plot-XXXXXX", NULL);
    char *h5 = g_build_filename(dir, "mm4.h5", NULL), *png = g_build_filename(dir, "mm4.png", NULL);
    char *cmd = g_strdup_printf("%s run %s/scenarios/validation/mm4.yaml --duration 10m --set warmup=1m -o %s --quiet",
                                CIRRUS_BINARY, CIRRUS_SOURCE_DIR, h5);
    int status;
    g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    GError *error = NULL;
    CirrusH5Run *run = cirrus_h5run_open(h5, &error);
    g_assert_no_error(error);
    GPtrArray *none = g_ptr_array_new();
    char *script = cirrus_plot_script(run, none, png, &error);
    g_assert_no_error(error);
    /* Both entities appear, their names quoted, each panel with its
     * metrics and unit: latencies in ms, counts per second, levels as
     * they are; a percentage without its pinned peak. */
    g_assert_nonnull(strstr(script, "set title 'users: Latency (ms)'\nset ylabel 'ms'"));
    g_assert_nonnull(strstr(script, "set title 'station: Utilization (percent)'\nset ylabel 'percent'"));
    g_assert_null(strstr(script, "Utilization.max"));
    g_assert_nonnull(strstr(script, "set ylabel 'per second'"));
    /* The warm-up (1 minute, the axis in minutes) is shaded on every panel. */
    g_assert_nonnull(strstr(script, "set object rect from first 0, graph 0 to first 1, graph 1 behind "
                                    "fillcolor rgb '#e5e8eb'"));
    /* Latencies are drawn in ms: the first row of users' p50 (a few tens
     * of ms) is written as a number above 1. */
    const char *block = strstr(script, "$D0 << EOD\n");
    g_assert_nonnull(block);
    double first = g_ascii_strtod(strchr(block + 11, ' ') + 1, NULL);
    g_assert_cmpfloat(first, >, 1);
    g_assert_cmpfloat(first, <, 1000);
    /* The scenario's name once, at the top, not on every panel. */
    g_assert_nonnull(strstr(script, "set multiplot layout 4,2 title 'mm4'\n"));
    g_assert_null(strstr(strstr(script, "title 'mm4'") + strlen("title 'mm4'"), "'mm4'"));
    g_assert_true(cirrus_plot_render(script, &error));
    g_assert_no_error(error);
    char *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(png, &data, &len, NULL));
    g_assert_cmpuint(len, >, 1000);
    g_assert_cmpint(memcmp(data, "\x89PNG", 4), ==, 0);
    g_free(data);
    g_free(script);
    g_ptr_array_unref(none);
    cirrus_h5run_close(run);
    g_unlink(h5);
    g_unlink(png);
    g_rmdir(dir);
    g_free(h5);
    g_free(png);
    g_free(dir);
    g_free(cmd);
}

static GArray *doubles(const double *v, guint n)
{
    GArray *a = g_array_new(FALSE, FALSE, sizeof(double));
    g_array_append_vals(a, v, n);
    return a;
}

/* Scaling instants from a level series, against hand-computed ones: a
 * row's time-weighted mean of 2.5 between steady 2 and 3 over [20, 30)
 * puts the change at 25 s exactly; a change at a row's start gives that
 * start; several in one row are spread over it (with the counts). */
static void test_scaling_times(void)
{
    static const double t[] = {10, 20, 30, 40, 50, 60};
    static const struct {
        double level[6], act[6];
        gboolean with_act;
        guint n;
        double want[3];
    } cases[] = {
        {{2, 2, 2.5, 3, 3, 3}, {0}, FALSE, 1, {25}},
        {{2, 2, 2.5, 3, 3, 3}, {0, 0, 1, 0, 0, 0}, TRUE, 1, {25}},
        {{2, 3, 3, 3, 3, 3}, {0}, FALSE, 1, {10}},
        {{2, 3, 3, 3, 3, 3}, {0, 1, 0, 0, 0, 0}, TRUE, 1, {10}},
        {{2, 2, 2.5, 2, 2, 2}, {0}, FALSE, 1, {25}},                 /* up and down again: one mark */
        {{2, 2, 3, 3, 3, 3}, {0, 0, 2, 0, 0, 0}, TRUE, 2, {22.5, 27.5}},
        {{4, 4, 3.25, 3, 3, 3}, {0, 0, 1, 0, 0, 0}, TRUE, 1, {22.5}}, /* scale-in: 4 -> 3 at 22.5 s */
        {{2, 2, 2, 2, 2, 2}, {0}, FALSE, 0, {0}},
    };
    GArray *time = doubles(t, 6);
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        GArray *level = doubles(cases[c].level, 6), *act = cases[c].with_act ? doubles(cases[c].act, 6) : NULL;
        GArray *got = cirrus_plot_scaling_times(time, level, act);
        g_assert_cmpuint(got->len, ==, cases[c].n);
        for (guint i = 0; i < got->len; i++) g_assert_cmpfloat_with_epsilon(g_array_index(got, double, i), cases[c].want[i], 1e-9);
        g_array_free(got, TRUE);
        g_array_free(level, TRUE);
        if (act) g_array_free(act, TRUE);
    }
    g_array_free(time, TRUE);
}

/* A small file written by hand: a latency and a desired capacity over
 * 10 rows, and two faults whose target is an injection attempt. */
static char *write_fault_file(const char *dir, const char *target, double truncated_at)
{
    char *path = g_build_filename(dir, "faults.h5", NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(path, &error);
    g_assert_no_error(error);
    cirrus_h5_add_series(h, "/components/web", "Latency.p50");
    cirrus_h5_add_series(h, "/components/web", "Latency.p90");
    cirrus_h5_add_series(h, "/components/web", "Latency.p99");
    cirrus_h5_add_series(h, "/components/web", "GroupDesiredCapacity");
    cirrus_h5_add_series(h, "/components/web", "GroupDesiredCapacity.max");
    for (guint k = 1; k <= 10; k++) {
        double cap = k < 5 ? 2 : k == 5 ? 2.5 : 3;
        double row[] = {0.01 * k, 0.02 * k, 0.05 * k, cap, cap};
        g_assert_true(cirrus_h5_append(h, 10.0 * k, row, G_N_ELEMENTS(row), &error));
    }
    const double start[] = {20, 70}, duration[] = {30, 0};
    const char *kind[] = {"zone_outage", "instance_failure"}, *tgt[] = {target, target}, *detail[] = {"", "2 instances"};
    const CirrusH5Field fields[] = {
        {"start_s", NULL, start}, {"duration_s", NULL, duration}, {"kind", kind, NULL},
        {"target", tgt, NULL}, {"detail", detail, NULL},
    };
    g_assert_true(cirrus_h5_table(h, "/faults", fields, G_N_ELEMENTS(fields), 2, &error));
    g_assert_true(cirrus_h5_attr_double(h, "duration_s", truncated_at > 0 ? 300 : 100, &error));
    if (truncated_at > 0) {
        g_assert_true(cirrus_h5_attr_int64(h, "truncated", 1, &error));
        g_assert_true(cirrus_h5_attr_double(h, "truncated_at_s", truncated_at, &error));
    }
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);
    return path;
}

/* Fault windows are shaded spans, an instant fault a line, the scaling
 * activity (2 -> 3 at 45 s) a line, the latency a p50..p99 band; fault
 * labels are quoted, so a zone named like a gnuplot command stays text
 * and gnuplot runs nothing. */
static void test_decorations(void)
{
    char *dir = g_dir_make_tmp("cirrus-plot-XXXXXX", NULL);
    char *pwned = g_build_filename(dir, "pwned", NULL);
    char *target = g_strdup_printf("a'; system('touch %s'); print '\nsystem(\"touch %s\")", pwned, pwned);
    char *h5 = write_fault_file(dir, target, 0), *png = g_build_filename(dir, "f.png", NULL);
    GError *error = NULL;
    CirrusH5Run *run = cirrus_h5run_open(h5, &error);
    g_assert_no_error(error);
    GArray *spans = cirrus_fault_spans_read(run);
    g_assert_cmpuint(spans->len, ==, 2);
    g_assert_cmpfloat(g_array_index(spans, CirrusFaultSpan, 0).end_s, ==, 50);
    g_assert_cmpfloat(g_array_index(spans, CirrusFaultSpan, 1).end_s, ==, 70);   /* no end */
    char *label = g_strdup_printf("zone_outage %s", target);
    g_assert_cmpstr(g_array_index(spans, CirrusFaultSpan, 0).label, ==, label);
    cirrus_fault_spans_free(spans);
    GPtrArray *none = g_ptr_array_new();
    char *script = cirrus_plot_script(run, none, png, &error);
    g_assert_no_error(error);
    /* x axis in minutes: the span [20, 50) s is [1/3, 5/6) min */
    g_assert_nonnull(strstr(script, "set object rect from first 0.33333333333333331, graph 0 to first 0.83333333333333337"));
    g_assert_nonnull(strstr(script, "set arrow from first 1.1666666666666667, graph 0 to first 1.1666666666666667, graph 1 nohead lc rgb '#c0392b'"));
    g_assert_nonnull(strstr(script, "set arrow from first 0.75, graph 0 to first 0.75, graph 1 nohead lc rgb '#1e8449'"));
    g_assert_nonnull(strstr(script, "using 1:2:3 with filledcurves"));
    char *q = cirrus_gnuplot_quote(label);
    g_assert_nonnull(strstr(script, q));
    g_free(q);
    /* Nothing of the target outside a quoted string: every line holding
     * "touch" is a label command whose text is one quoted literal. */
    char **lines = g_strsplit(script, "\n", -1);
    for (guint i = 0; lines[i]; i++)
        if (strstr(lines[i], "touch")) g_assert_true(g_str_has_prefix(lines[i], "set label '"));
    g_strfreev(lines);
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (gnuplot) {
        g_assert_true(cirrus_plot_render(script, &error));
        g_assert_no_error(error);
        g_assert_false(g_file_test(pwned, G_FILE_TEST_EXISTS));
        g_assert_true(g_file_test(png, G_FILE_TEST_EXISTS));
    }
    g_free(gnuplot);
    g_free(script);
    g_ptr_array_unref(none);
    cirrus_h5run_close(run);
    g_unlink(png);
    g_unlink(h5);
    g_rmdir(dir);
    g_free(label);
    g_free(target);
    g_free(pwned);
    g_free(png);
    g_free(h5);
    g_free(dir);
}

/* A truncated run (stopped at 103 s of 300 s): the axis covers the 300 s
 * asked for (5 minutes), the part never simulated is hatched from 103 s
 * on, with a line and the label "truncated at 103 s of 300 s". */
static void test_truncated(void)
{
    char *dir = g_dir_make_tmp("cirrus-plot-XXXXXX", NULL);
    char *h5 = write_fault_file(dir, "zone-a", 103), *png = g_build_filename(dir, "t.png", NULL);
    GError *error = NULL;
    CirrusH5Run *run = cirrus_h5run_open(h5, &error);
    g_assert_no_error(error);
    GPtrArray *none = g_ptr_array_new();
    char *script = cirrus_plot_script(run, none, png, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(script, "set xrange [0:5]\n"));
    g_assert_nonnull(strstr(script, "set object rect from first 1.7166666666666666, graph 0 to first 5, graph 1 behind "
                                    "fillcolor rgb '#d5d8dc' fillstyle pattern 4"));
    g_assert_nonnull(strstr(script, "set label 'truncated at 103 s of 300 s' at first 1.7166666666666666, graph 0.5"));
    g_assert_nonnull(strstr(script, "title 'not simulated'"));
    render_if_gnuplot(script);
    g_free(script);
    g_ptr_array_unref(none);
    cirrus_h5run_close(run);
    g_unlink(png);
    g_unlink(h5);
    g_rmdir(dir);
    g_free(png);
    g_free(h5);
    g_free(dir);
}

/* Every headline metric of every model (tools/headline.h) is drawn, with
 * a unit on its panel, even when it is 0 (or has no value) all run and
 * even beside more informative series than the dashboard keeps: a file
 * with one entity per model type holding its headline metrics, all 0 (a
 * latency: NaN), and 14 busy other counts. */
static void test_headline_metrics(void)
{
    char *dir = g_dir_make_tmp("cirrus-plot-XXXXXX", NULL);
    char *path = g_build_filename(dir, "headline.h5", NULL), *png = g_build_filename(dir, "h.png", NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(path, &error);
    g_assert_no_error(error);
    const CirrusRegistry *reg = cirrus_models_registry();
    const char *const *types = cirrus_headline_types();
    GPtrArray *rows = g_ptr_array_new();
    GArray *kinds = g_array_new(FALSE, FALSE, sizeof(CirrusMetricKind));
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (guint t = 0; types[t]; t++) {
        const CirrusModelType *model = NULL;
        for (guint k = 0; reg->types[k]; k++)
            if (strcmp(reg->types[k]->name, types[t]) == 0) model = reg->types[k];
        g_assert_nonnull(model);
        gboolean workload = strcmp(types[t], "workload") == 0;
        /* The model's page names the same headline metrics. */
        char *page = g_strdup_printf("%s/docs/models/%s.md", CIRRUS_SOURCE_DIR,
                                     strcmp(types[t], "nlb") == 0 ? "alb" : types[t]), *doc = NULL;
        if (g_file_get_contents(page, &doc, NULL, NULL)) {
            const char *line = strstr(doc, "**Headline metrics**");
            if (!line) g_error("%s has no **Headline metrics** line", page);
            char *end = strchr(line, '\n'), *one = g_strndup(line, end ? (gsize)(end - line) : strlen(line));
            for (const char *const *m = cirrus_headline_metrics(types[t]); *m; m++) {
                char *quoted = g_strdup_printf("`%s`", *m);
                if (!strstr(one, quoted)) g_error("%s: the headline metrics line does not name %s", page, *m);
                g_free(quoted);
            }
            g_free(one);
        }
        g_free(doc);
        g_free(page);
        char *group = g_strdup_printf("/%s/e-%s", workload ? "workloads" : "components", types[t]);
        for (const char *const *m = cirrus_headline_metrics(types[t]); *m; m++) {
            /* Each headline metric is one the model defines: its kind and unit from there. */
            const CirrusMetricDef *def = NULL;
            for (guint k = 0; model->metrics[k].name; k++)
                if (strcmp(model->metrics[k].name, *m) == 0) def = &model->metrics[k];
            if (!def) g_error("headline metric %s of %s is not one of its metrics", *m, types[t]);
            static const char *const lat[] = {".p50", ".p90", ".p99", ".mean"};
            if (def->kind == CIRRUS_METRIC_LATENCY) {
                for (guint k = 0; k < 4; k++) {
                    char *n = g_strconcat(*m, lat[k], NULL);
                    cirrus_h5_add_series(h, group, n);
                    g_free(n);
                }
            } else {
                cirrus_h5_add_series(h, group, *m);
                if (def->kind == CIRRUS_METRIC_GAUGE) {
                    char *n = g_strconcat(*m, ".max", NULL);
                    cirrus_h5_add_series(h, group, n);
                    g_free(n);
                }
            }
            for (guint k = 0; k < (def->kind == CIRRUS_METRIC_LATENCY ? 4u : def->kind == CIRRUS_METRIC_GAUGE ? 2u : 1u); k++) {
                CirrusMetricKind kind = def->kind == CIRRUS_METRIC_LATENCY ? def->kind : (CirrusMetricKind)-1;
                g_array_append_val(kinds, kind);
            }
            CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
            r->group = g_strdup(workload ? "workloads" : "components");
            r->entity = g_strdup_printf("e-%s", types[t]);
            r->type = g_strdup(types[t]);
            r->metric = g_strdup(*m);
            r->kind = g_strdup(def->kind == CIRRUS_METRIC_LATENCY ? "latency" : def->kind == CIRRUS_METRIC_GAUGE ? "gauge" : "count");
            r->unit = g_strdup(def->kind == CIRRUS_METRIC_LATENCY ? "Milliseconds" : def->unit);
            for (guint k = 0; k < CIRRUS_STAT_N; k++) r->v[k] = r->ci95[k] = NAN;
            g_ptr_array_add(rows, r);
            g_ptr_array_add(names, g_strdup_printf("e-%s\t%s", types[t], *m));
        }
        if (strcmp(types[t], "lambda") == 0)
            for (guint k = 0; k < 14; k++) {   /* busy other series, more than the dashboard keeps */
                char *n = g_strdup_printf("Other%02u", k);
                cirrus_h5_add_series(h, group, n);
                CirrusMetricKind kind = (CirrusMetricKind)-2;
                g_array_append_val(kinds, kind);
                g_free(n);
            }
        g_free(group);
    }
    double *row = g_new(double, kinds->len);
    for (guint k = 1; k <= 10; k++) {
        for (guint i = 0; i < kinds->len; i++) {
            gint kind = (gint)g_array_index(kinds, CirrusMetricKind, i);
            row[i] = kind == CIRRUS_METRIC_LATENCY ? NAN : kind == -2 ? 100.0 * k + i : 0;
        }
        g_assert_true(cirrus_h5_append(h, 10.0 * k, row, kinds->len, &error));
    }
    g_assert_true(cirrus_tables_write_rows(h, "/summary", rows, NULL, 0, CIRRUS_ROWS_VALUES, &error));
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);

    CirrusH5Run *run = cirrus_h5run_open(path, &error);
    g_assert_no_error(error);
    GPtrArray *none = g_ptr_array_new();
    char *script = cirrus_plot_script(run, none, png, &error);
    g_assert_no_error(error);
    /* Per panel: its title, y label and plot command. */
    if (g_getenv("CIRRUS_TEST_DUMP")) g_file_set_contents(g_getenv("CIRRUS_TEST_DUMP"), script, -1, NULL);
    char **panels = g_strsplit(script, "set title '", -1);
    for (guint i = 0; i < names->len; i++) {
        char **en = g_strsplit(names->pdata[i], "\t", 2);
        char *head = g_strdup_printf("%s: ", en[0]);
        gboolean drawn = FALSE;
        for (guint p = 1; panels[p] && !drawn; p++) {
            if (!g_str_has_prefix(panels[p], head)) continue;
            const char *plot = strstr(panels[p], "\nplot ");
            g_assert_nonnull(plot);
            /* The metric names a line of the panel: "title 'M'", 'M.p50',
             * or part of a merged title "M = N". */
            char *a = g_strdup_printf("title '%s'", en[1]), *b = g_strdup_printf("title '%s.p50'", en[1]);
            char *c = g_strdup_printf("title '%s = ", en[1]), *d = g_strdup_printf(" = %s'", en[1]);
            char *e = g_strdup_printf(" = %s = ", en[1]);
            char *f = g_strdup_printf("title '= %s'", en[1]);   /* identical to the line before it */
            drawn = strstr(plot, a) || strstr(plot, b) || strstr(plot, c) || strstr(plot, d) || strstr(plot, e) ||
                    strstr(plot, f);
            g_free(f);
            if (drawn) {
                /* ... on a panel whose y axis says its unit. */
                const char *yl = strstr(panels[p], "set ylabel '");
                g_assert_nonnull(yl);
                g_assert_true(yl < plot);
                g_assert_cmpint(yl[12], !=, '\'');
            }
            g_free(a);
            g_free(b);
            g_free(c);
            g_free(d);
            g_free(e);
        }
        if (!drawn) g_error("headline metric %s of %s is not drawn", en[1], en[0]);
        g_free(head);
        g_strfreev(en);
    }
    /* 14 busy other series: 10 kept, 4 counted in the title. */
    g_assert_nonnull(strstr(script, "(4 more series not drawn: cirrus plot --list)"));
    render_if_gnuplot(script);
    g_strfreev(panels);
    g_free(script);
    g_ptr_array_unref(none);
    cirrus_h5run_close(run);
    g_ptr_array_unref(names);
    g_array_free(kinds, TRUE);
    g_free(row);
    for (guint i = 0; i < rows->len; i++) cirrus_summary_row_free(rows->pdata[i]);
    g_ptr_array_free(rows, TRUE);
    g_unlink(png);
    g_unlink(path);
    g_rmdir(dir);
    g_free(png);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tools/plot/quote", test_quote);
    g_test_add_func("/tools/plot/render", test_render);
    g_test_add_func("/tools/plot/scaling-times", test_scaling_times);
    g_test_add_func("/tools/plot/decorations", test_decorations);
    g_test_add_func("/tools/plot/headline-metrics", test_headline_metrics);
    g_test_add_func("/tools/plot/truncated", test_truncated);
    return g_test_run();
}
