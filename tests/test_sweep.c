/* cirrus — `cirrus sweep` against queueing theory: the M/M/4 station of
 * scenarios/validation/mm4.yaml with 4, 6 and 8 workers.  The offered
 * load is lambda / mu = 3.2 Erlangs whatever the number of workers, so the
 * mean utilization is exactly 100 x 3.2 / c percent in expectation: 80,
 * 53.33, 40.  Each point's 95% interval (8 replications) must cover it, and
 * be narrow enough (under 2% of the value) that covering it means
 * something.  Each interval misses with probability 0.05, so this is a
 * check of the sweep's plumbing (which number lands in which row), with
 * fixed seeds; the coverage itself is measured over 40 seeds in
 * test_replications.c. */
#include "testutil.h"
#include "tools/cli.h"
#include "tools/h5read.h"
#include "tools/runtables.h"
#include <glib/gstdio.h>

static void test_mm4_workers(void)
{
    char *dir = g_dir_make_tmp("cirrus-sweep-XXXXXX", NULL);
    char *out = g_build_filename(dir, "sweep.h5", NULL);
    char *scenario = g_build_filename(CIRRUS_SOURCE_DIR, "scenarios", "validation", "mm4.yaml", NULL);
    char *argv[] = {"sweep", scenario, "--set", "components.station.workers=4,6,8", "--set", "duration=20m",
                    "--replications", "8", "-j", "2", "-o", out, "-q", NULL};
    g_assert_cmpint(cirrus_cmd_sweep(G_N_ELEMENTS(argv) - 1, argv), ==, 0);

    GError *error = NULL;
    CirrusH5Run *run = cirrus_h5run_open_any(out, &error);
    g_assert_no_error(error);
    g_assert_true(cirrus_h5run_is_sweep(run));
    GArray *point = cirrus_h5run_table_numbers(run, "/sweep", "point");
    GPtrArray *entity = cirrus_h5run_table_strings(run, "/sweep", "entity");
    GPtrArray *metric = cirrus_h5run_table_strings(run, "/sweep", "metric");
    GPtrArray *workers = cirrus_h5run_table_strings(run, "/sweep", "components.station.workers");
    GArray *mean = cirrus_h5run_table_numbers(run, "/sweep", "mean");
    GArray *ci = cirrus_h5run_table_numbers(run, "/sweep", "mean_ci95");
    g_assert_nonnull(point);
    g_assert_nonnull(workers);
    g_assert_nonnull(ci);
    guint found = 0;
    for (guint i = 0; i < point->len; i++) {
        if (strcmp(entity->pdata[i], "station") != 0 || strcmp(metric->pdata[i], "Utilization") != 0) continue;
        int c = atoi(workers->pdata[i]);
        g_assert_cmpint(c, ==, 4 + 2 * (int)g_array_index(point, double, i));
        double m = g_array_index(mean, double, i), h = g_array_index(ci, double, i), theory = 320.0 / c;
        g_test_message("c = %d: utilization %.3f +/- %.3f %%, theory %.3f %%", c, m, h, theory);
        g_assert_cmpfloat(fabs(m - theory), <=, h);
        g_assert_cmpfloat(h, <, 0.02 * theory);
        found++;
    }
    g_assert_cmpuint(found, ==, 3);
    /* Each point's runs, in the layout of cirrus run --replications. */
    GArray *rep = cirrus_h5run_table_numbers(run, "/points/2/replications/7/summary", "mean");
    g_assert_nonnull(rep);
    GArray *t = cirrus_h5run_table_numbers(run, "/sweep_points", "point");
    g_assert_cmpuint(t->len, ==, 3);
    g_array_free(t, TRUE);
    g_array_free(rep, TRUE);
    g_array_free(point, TRUE);
    g_array_free(mean, TRUE);
    g_array_free(ci, TRUE);
    g_ptr_array_unref(entity);
    g_ptr_array_unref(metric);
    g_ptr_array_unref(workers);
    cirrus_h5run_close(run);

    /* compare and report take runs: a sweep is refused, saying what it is. */
    g_assert_null(cirrus_h5run_open(out, &error));
    g_assert_nonnull(strstr(error->message, "is a sweep"));
    g_clear_error(&error);
    g_unlink(out);
    g_rmdir(dir);
    g_free(scenario);
    g_free(out);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sweep/mm4-workers", test_mm4_workers);
    return g_test_run();
}
