/* cirrus — plots: quoting that cannot be escaped, and a real render. */
#include "testutil.h"
#include "tools/plot.h"
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tools/plot/quote", test_quote);
    g_test_add_func("/tools/plot/render", test_render);
    return g_test_run();
}
