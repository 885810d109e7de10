/* cirrus — CloudWatch exports as arrival schedules (models/workload/cloudwatch.h).
 *
 * scenarios/data/cloudwatch-example.json is an hour of an ALB's
 * RequestCount, Sum per 5 minutes, as `aws cloudwatch get-metric-data`
 * prints it (newest first); cloudwatch-example.csv is the same hour as
 * timestamp,value with ISO 8601 and epoch-second timestamps mixed.  Each
 * must give the rates value / 300 s at 0, 300, ..., 3300 s.  A workload
 * driven by it (scale 1.5) must send the integral of that rate, within 4
 * Poisson standard deviations.  Malformed files give errors naming the
 * file and line (and column, for JSON). */
#include "testutil.h"
#include "models/workload/cloudwatch.h"
#include <glib/gstdio.h>

static const double values[] = {30000, 36000, 45000, 60000, 54000, 48000, 42000, 36000, 33000, 30000, 27000, 30000};
#define T0 1795176000.0   /* 2026-11-20T12:00:00Z */

static void check_example(const char *name)
{
    char *path = g_build_filename(CIRRUS_SOURCE_DIR, "scenarios", "data", name, NULL);
    CirrusNode *at = cirrus_node_new_scalar("test.yaml", 1, path);
    CirrusCloudWatchSeries s;
    CirrusRateProfile p;
    GError *error = NULL;
    g_assert_true(cirrus_cloudwatch_read(at, path, &s, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(s.n, ==, G_N_ELEMENTS(values));
    g_assert_true(cirrus_cloudwatch_profile(at, &s, 0, 1.5, &p, &error));
    for (guint i = 0; i < s.n; i++) {
        g_assert_cmpfloat(s.t[i], ==, T0 + 300.0 * i);
        g_assert_cmpfloat(p.t[i], ==, 300.0 * i);
        g_assert_cmpfloat(p.rate[i], ==, values[i] / 300.0 * 1.5);
    }
    g_free(p.t);
    g_free(p.rate);
    /* An explicit period overrides the spacing: 1-minute Sums. */
    g_assert_true(cirrus_cloudwatch_profile(at, &s, 60, 1, &p, &error));
    g_assert_cmpfloat(p.rate[3], ==, 60000 / 60.0);
    g_free(p.t);
    g_free(p.rate);
    cirrus_cloudwatch_series_clear(&s);
    cirrus_node_free(at);
    g_free(path);
}

static void test_json(void) { check_example("cloudwatch-example.json"); }
static void test_csv(void) { check_example("cloudwatch-example.csv"); }

/* A workload on the JSON export, scaled by 1.5, for an hour: the expected
 * count is 1.5 x the integral of the piecewise-linear rate (trapezoids over
 * the 11 spans, then the last rate for the last 300 s). */
static void test_workload(void)
{
    char *path = g_build_filename(CIRRUS_SOURCE_DIR, "scenarios", "data", "cloudwatch-example.json", NULL);
    char *text = g_strdup_printf("name: cw\nduration: 1h\nseed: 3\nworkloads:\n"
                                 "  - {name: u, target: s, arrival: {process: poisson, cloudwatch: '%s', scale: 1.5}}\n"
                                 "components:\n  - {name: s, type: service, workers: 1000, service_time: 1ms}\n",
                                 path);
    TestRun *r = test_run_text(text, NULL);
    double expected = 0;
    for (guint i = 0; i + 1 < G_N_ELEMENTS(values); i++) expected += 300 * (values[i] + values[i + 1]) / 2 / 300.0;
    expected += 300 * values[G_N_ELEMENTS(values) - 1] / 300.0;
    expected *= 1.5;
    double got = test_sum(r, "s", "Requests"), sd = sqrt(expected);
    g_test_message("requests %.0f, expected %.1f, sd %.1f", got, expected, sd);
    g_assert_cmpfloat(4 * sd, <, 0.01 * expected);
    g_assert_cmpfloat(fabs(got - expected), <=, 4 * sd);
    test_run_free(r);
    g_free(text);
    g_free(path);
}

/* Loading a scenario on `content` (written to `file`) must fail with an
 * error holding `where` (e.g. "a.json:3:") and `what`. */
static void assert_bad(const char *file, const char *content, const char *where, const char *what)
{
    char *dir = g_dir_make_tmp("cirrus-cw-XXXXXX", NULL);
    char *data = g_build_filename(dir, file, NULL), *yaml = g_build_filename(dir, "s.yaml", NULL);
    g_assert_true(g_file_set_contents(data, content, -1, NULL));
    char *scenario = g_strdup_printf("name: t\nduration: 1h\nworkloads:\n"
                                     "  - {name: u, target: s, arrival: {cloudwatch: %s}}\n"
                                     "components: [{name: s, type: service}]\n", file);
    g_assert_true(g_file_set_contents(yaml, scenario, -1, NULL));
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load(yaml, cirrus_models_registry(), NULL, &error);
    g_assert_null(sc);
    g_assert_nonnull(error);
    g_test_message("%s", error->message);
    g_assert_nonnull(strstr(error->message, where));
    g_assert_nonnull(strstr(error->message, what));
    g_error_free(error);
    g_unlink(data);
    g_unlink(yaml);
    g_rmdir(dir);
    g_free(scenario);
    g_free(data);
    g_free(yaml);
    g_free(dir);
}

static void test_malformed(void)
{
    assert_bad("a.json", "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-20T12:00:00Z\",\n"
                         "  \"2026-11-20T12:05:00Z\"], \"Values\": [1, 2]\n", "a.json:3:", "invalid YAML");
    assert_bad("b.json", "{\"Messages\": []}\n", "b.json:1:1:", "'MetricDataResults'");
    assert_bad("c.json", "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-20T12:00:00Z\"],\n"
                         "  \"Values\": [1, 2]}]}\n", "c.json:2:13:", "2 Values for 1 Timestamps");
    assert_bad("d.json", "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-20T12:00:00Z\",\n"
                         "  \"yesterday\"], \"Values\": [1, 2]}]}\n", "d.json:2:3:", "expected a timestamp");
    assert_bad("e.json", "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-20T12:00:00Z\",\n"
                         "  \"2026-11-20T12:05:00Z\"], \"Values\": [1,\n  -2]}]}\n", "e.json:3:3:", "non-negative number");
    assert_bad("f.json", "{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-20T12:05:00Z\",\n"
                         "  \"2026-11-20T12:05:00+00:00\"], \"Values\": [1, 2]}]}\n", "f.json:2:3:", "same timestamp");
    assert_bad("g.csv", "timestamp,value\n1795176000,10\n1795176300;20\n", "g.csv:3:", "expected 'timestamp,value'");
    assert_bad("h.csv", "# nothing\n\n", "s.yaml:4:", "h.csv' holds no datapoints");
    assert_bad("i.csv", "1795176000,10\n", "s.yaml:4:", "give 'period'");
    assert_bad("j.csv", "1795176000,10\n1795176000,11\n", "j.csv:2:", "same timestamp");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cloudwatch/json", test_json);
    g_test_add_func("/cloudwatch/csv", test_csv);
    g_test_add_func("/cloudwatch/workload", test_workload);
    g_test_add_func("/cloudwatch/malformed", test_malformed);
    return g_test_run();
}
