/* cirrus — plots: quoting that cannot be escaped, and a real render. */
#include "testutil.h"
#include "tools/plot.h"
#include "tools/runtables.h"
#include "sim/h5/h5out.h"
#include <glib/gstdio.h>

/* Whatever a name holds, the quoted form is one gnuplot string literal:
 * it starts and ends with a quote, every inner quote is doubled, and no
 * newline (which would end the command) survives. */
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
    /* Both entities appear, their names quoted. */
    g_assert_nonnull(strstr(script, "'workloads/users: latency percentiles (seconds)'"));
    g_assert_nonnull(strstr(script, "'components/station: Utilization (time-weighted mean, and peak)'"));
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
static char *write_fault_file(const char *dir, const char *target)
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
    g_assert_true(cirrus_h5_attr_double(h, "duration_s", 100, &error));
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
    char *h5 = write_fault_file(dir, target), *png = g_build_filename(dir, "f.png", NULL);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tools/plot/quote", test_quote);
    g_test_add_func("/tools/plot/render", test_render);
    g_test_add_func("/tools/plot/scaling-times", test_scaling_times);
    g_test_add_func("/tools/plot/decorations", test_decorations);
    return g_test_run();
}
