/* cirrus — compare and report: replication statistics against Student's t,
 * the comparison table on hand-made files, and HTML escaping. */
#include "testutil.h"
#include "tools/compare.h"
#include "tools/report.h"
#include "sim/kernel/error.h"
#include "sim/h5/h5out.h"
#include <glib/gstdio.h>
#include <math.h>

/* Quantiles of Student's t (two-sided 95%) from standard tables, for the
 * tabulated range and for the expansion beyond it. */
static void test_student_t(void)
{
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(1), 12.7062047, 1e-7);
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(9), 2.2621572, 1e-7);
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(31), 2.0395134, 1e-6);
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(40), 2.0210754, 1e-6);
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(120), 1.9799304, 1e-6);
    g_assert_cmpfloat_with_epsilon(cirrus_student_t975(100000), 1.959988, 1e-6);
    /* 10, 12, 14: mean 12, s = 2, half-width t(2) s / sqrt(3). */
    double x[] = {10, 12, 14}, mean, h;
    cirrus_mean_ci95(x, 3, &mean, &h);
    g_assert_cmpfloat(mean, ==, 12);
    g_assert_cmpfloat_with_epsilon(h, 4.3026527 * 2 / sqrt(3), 1e-6);
    cirrus_mean_ci95(x, 1, &mean, &h);
    g_assert_cmpfloat(mean, ==, 10);
    g_assert_true(isnan(h));
}

/* Honest intervals (issue 21): equal replications have no spread, not
 * 1e-14; a percentile's interval is never narrower than half the
 * histogram bucket that holds it; numbers print to the digits the
 * half-width leaves meaningful. */
static void test_honest_intervals(void)
{
    double same[] = {21.89, 21.89, 21.89, 21.89}, mean, h;
    cirrus_mean_ci95(same, 4, &mean, &h);
    g_assert_cmpfloat(mean, ==, 21.89);
    g_assert_cmpfloat(h, ==, 0);
    /* 346.03 ms = 346,030,000 ns lies in [2^28, 2^29), split into 64
     * buckets of 2^22 ns = 4.194304 ms: half of that. */
    g_assert_cmpfloat_with_epsilon(cirrus_percentile_resolution_ms(346.03), 2.097152, 1e-12);
    /* 4 ms = 4,000,000 ns in [2^21, 2^22): buckets of 2^15 ns. */
    g_assert_cmpfloat_with_epsilon(cirrus_percentile_resolution_ms(4.0), 0.016384, 1e-12);
    /* Below 128 ns every value has its own bucket of 1 ns. */
    g_assert_cmpfloat_with_epsilon(cirrus_percentile_resolution_ms(50e-6), 0.5e-6, 1e-15);
    g_assert_cmpfloat(cirrus_percentile_resolution_ms(0), ==, 0);
    g_assert_cmpfloat(cirrus_percentile_resolution_ms(NAN), ==, 0);

    /* Four replications with the same p99: the row's half-width is the
     * bucket's, not 0; the mean (a count) keeps its Student t interval. */
    GPtrArray *reps[4], *rows = NULL;
    for (guint k = 0; k < 4; k++) {
        CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
        r->group = g_strdup("workloads");
        r->entity = g_strdup("users");
        r->type = g_strdup("workload");
        r->metric = g_strdup("Latency");
        r->kind = g_strdup("latency");
        r->unit = g_strdup("Milliseconds");
        for (guint s = 0; s < CIRRUS_STAT_N; s++) r->v[s] = r->ci95[s] = NAN;
        r->v[CIRRUS_STAT_P99] = 346.03;
        r->v[CIRRUS_STAT_MEAN] = 130 + k;
        reps[k] = g_ptr_array_new_with_free_func(cirrus_summary_row_free);
        g_ptr_array_add(reps[k], r);
    }
    rows = cirrus_summary_rows_copy(reps[0]);
    cirrus_summary_rows_mean(rows, reps, 4);
    const CirrusSummaryRow *m = rows->pdata[0];
    g_assert_cmpfloat(m->v[CIRRUS_STAT_P99], ==, 346.03);
    g_assert_cmpfloat_with_epsilon(m->ci95[CIRRUS_STAT_P99], 2.097152, 1e-12);
    /* 130..133: s = 1.290994, t(3) = 3.1824463: 2.0543 */
    g_assert_cmpfloat_with_epsilon(m->ci95[CIRRUS_STAT_MEAN], 3.1824463 * 1.2909944 / 2, 1e-6);
    g_assert_true(isnan(m->ci95[CIRRUS_STAT_P50]));
    for (guint k = 0; k < 4; k++) g_ptr_array_unref(reps[k]);
    g_ptr_array_unref(rows);

    static const struct { double v, h; const char *plain, *want; } cases[] = {
        {346.03, 2.097152, "%.3f", "346.0 ± 2.1"},
        {21.89, 0, "%.4g", "21.89 ± 0"},
        {0, 0, "%.1f", "0 ± 0"},
        {5517652.25, 3876.2, "%.1f", "5517652 ± 3900"},
        {79.9777127, 0.35912, "%.3f", "79.98 ± 0.36"},
        {12.3456, 9.96, "%.3f", "12 ± 10"},
        {0.000123456, 0.0000123, "%.3g", "0.000123 ± 0.000013"},
        {5, NAN, "%.3f", "5.000"},
        {NAN, 1, "%.3f", "-"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *t = cirrus_format_pm(cases[i].v, cases[i].h, cases[i].plain);
        g_assert_cmpstr(t, ==, cases[i].want);
        g_free(t);
    }
}

/* A summary table of two metrics: users/Requests (count, total `requests`)
 * and users/Latency (latency, p99 `p99` ms). */
static gboolean write_summary(CirrusH5 *h, const char *path, double requests, double p99, gboolean extra)
{
    const char *group[] = {"workloads", "workloads", "components"}, *entity[] = {"users", "users", "db"};
    const char *type[] = {"workload", "workload", "service"}, *metric[] = {"Requests", "Latency", "Requests"};
    const char *kind[] = {"count", "latency", "count"}, *unit[] = {"Count", "Milliseconds", "Count"};
    double v[CIRRUS_STAT_N][3];
    for (guint k = 0; k < CIRRUS_STAT_N; k++) v[k][0] = v[k][1] = v[k][2] = NAN;
    v[CIRRUS_STAT_SUM][0] = requests;
    v[CIRRUS_STAT_SUM][2] = 7;
    v[CIRRUS_STAT_COUNT][1] = requests;
    v[CIRRUS_STAT_MEAN][1] = p99 / 2;
    v[CIRRUS_STAT_P50][1] = p99 / 3;
    v[CIRRUS_STAT_P99][1] = p99;
    CirrusH5Field fields[6 + CIRRUS_STAT_N] = {
        {"group", group, NULL}, {"entity", entity, NULL}, {"type", type, NULL},
        {"metric", metric, NULL}, {"kind", kind, NULL}, {"unit", unit, NULL},
    };
    for (guint k = 0; k < CIRRUS_STAT_N; k++) fields[6 + k] = (CirrusH5Field){cirrus_stat_names[k], NULL, v[k]};
    GError *error = NULL;
    gboolean ok = cirrus_h5_table(h, path, fields, G_N_ELEMENTS(fields), extra ? 3 : 2, &error);
    g_assert_no_error(error);
    return ok;
}

/* A run file: /time, one series, and a summary; with `reps` values, a
 * /replications/<k>/summary for each (Requests = reps[k]). */
static char *write_run(const char *dir, const char *name, double requests, double p99, const double *reps, guint n_reps,
                       gboolean extra)
{
    char *path = g_build_filename(dir, name, NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(path, &error);
    g_assert_no_error(error);
    cirrus_h5_add_series(h, "/workloads/users", "Requests");
    for (guint k = 1; k <= 6; k++) {
        double row = requests / 6;
        g_assert_true(cirrus_h5_append(h, 10.0 * k, &row, 1, &error));
    }
    g_assert_true(cirrus_h5_attr_string(h, "scenario", "hand-made", &error));
    g_assert_true(cirrus_h5_attr_double(h, "duration_s", 60, &error));
    g_assert_true(write_summary(h, "/summary", requests, p99, extra));
    for (guint k = 0; k < n_reps; k++) {
        char *table = g_strdup_printf("/replications/%u/summary", k);
        g_assert_true(write_summary(h, table, reps[k], p99 + k, extra));
        g_free(table);
    }
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    g_assert_no_error(error);
    return path;
}

static CirrusRunSummary *read_summary(const char *path, CirrusH5Run **run)
{
    GError *error = NULL;
    *run = cirrus_h5run_open(path, &error);
    g_assert_no_error(error);
    CirrusRunSummary *s = cirrus_run_summary_read(*run, &error);
    g_assert_no_error(error);
    return s;
}

/* A with 3 replications (Requests 100, 110, 120; p99 10, 11, 12 ms)
 * against B, one run (Requests 150, p99 20 ms): A's numbers are the
 * replication means with t(2) half-widths, B - A and % follow, and the
 * metric only B has is left out and counted. */
static void test_compare_rows(void)
{
    char *dir = g_dir_make_tmp("cirrus-compare-XXXXXX", NULL);
    const double reps[] = {100, 110, 120};
    char *a = write_run(dir, "a.h5", 999, 10, reps, 3, FALSE), *b = write_run(dir, "b.h5", 150, 20, NULL, 0, TRUE);
    CirrusH5Run *ra, *rb;
    CirrusRunSummary *runs[2] = {read_summary(a, &ra), read_summary(b, &rb)};
    g_assert_cmpuint(runs[0]->replications, ==, 3);
    g_assert_cmpuint(runs[1]->replications, ==, 1);
    guint left_out;
    GPtrArray *rows = cirrus_compare_rows(runs, 2, FALSE, &left_out);
    g_assert_cmpuint(left_out, ==, 1);
    /* Requests total; Latency mean, p50, p99. */
    g_assert_cmpuint(rows->len, ==, 4);
    const CirrusCompareRow *req = rows->pdata[0], *p99 = rows->pdata[3];
    g_assert_cmpstr(req->first->metric, ==, "Requests");
    g_assert_cmpint(req->stat, ==, CIRRUS_STAT_SUM);
    g_assert_cmpfloat(req->value[0], ==, 110);
    g_assert_cmpfloat_with_epsilon(req->ci95[0], 4.3026527 * 10 / sqrt(3), 1e-5);
    g_assert_cmpfloat(req->value[1], ==, 150);
    g_assert_true(isnan(req->ci95[1]));
    double d, pct, ci;
    cirrus_compare_diff(req, 1, &d, &pct, &ci);
    g_assert_cmpfloat(d, ==, 40);
    g_assert_cmpfloat_with_epsilon(pct, 100.0 * 40 / 110, 1e-12);
    g_assert_true(isnan(ci));
    g_assert_cmpint(p99->stat, ==, CIRRUS_STAT_P99);
    g_assert_cmpfloat(p99->value[0], ==, 11);
    char *label = cirrus_compare_stat_label(p99);
    g_assert_cmpstr(label, ==, "p99 (ms)");
    g_free(label);
    g_ptr_array_unref(rows);
    /* With --all, every statistic, zeros and NaNs included. */
    rows = cirrus_compare_rows(runs, 2, TRUE, &left_out);
    g_assert_cmpuint(rows->len, ==, 5 + 7);
    g_ptr_array_unref(rows);
    cirrus_run_summary_free(runs[0]);
    cirrus_run_summary_free(runs[1]);
    cirrus_h5run_close(ra);
    cirrus_h5run_close(rb);
    g_unlink(a);
    g_unlink(b);
    g_rmdir(dir);
    g_free(a);
    g_free(b);
    g_free(dir);
}

/* A file without /summary is refused with a usage error that names it. */
static void test_no_summary(void)
{
    char *dir = g_dir_make_tmp("cirrus-compare-XXXXXX", NULL);
    char *path = g_build_filename(dir, "bare.h5", NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(path, &error);
    cirrus_h5_add_series(h, "/workloads/users", "Requests");
    double row = 1;
    g_assert_true(cirrus_h5_append(h, 10, &row, 1, &error));
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    CirrusH5Run *run = cirrus_h5run_open(path, &error);
    g_assert_no_error(error);
    g_assert_null(cirrus_run_summary_read(run, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, "bare.h5"));
    g_clear_error(&error);
    cirrus_h5run_close(run);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
}

/* Inline SVG: ids and references prefixed inside tags only; text that
 * looks like an id stays as it was; a script or handler is refused. */
static void test_svg_inline(void)
{
    const char *svg = "<?xml version=\"1.0\"?>\n<svg viewBox='0 0 1 1'><defs><path id='gpPt0' d='M0,0'/></defs>"
                      "<use xlink:href='#gpPt0'/><g clip-path=\"url(#clip1)\"><text>id='x' &lt;b></text></g></svg>";
    char *out = cirrus_report_svg_inline(svg, "p3_");
    g_assert_cmpstr(out, ==, "<svg viewBox='0 0 1 1'><defs><path id='p3_gpPt0' d='M0,0'/></defs>"
                             "<use xlink:href='#p3_gpPt0'/><g clip-path=\"url(#p3_clip1)\"><text>id='x' &lt;b></text></g></svg>");
    g_free(out);
    g_assert_null(cirrus_report_svg_inline("<svg><script>alert(1)</script></svg>", "p_"));
    g_assert_null(cirrus_report_svg_inline("<svg><g onload='alert(1)'/></svg>", "p_"));
    g_assert_null(cirrus_report_svg_inline("not svg", "p_"));
}

/* Every string from the file reaches the page escaped: a scenario named
 * like a script and a scenario text closing the <pre> stay text. */
static void test_report_escapes(void)
{
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (!gnuplot) {
        g_test_skip("gnuplot is not installed");
        return;
    }
    g_free(gnuplot);
    char *dir = g_dir_make_tmp("cirrus-report-XXXXXX", NULL);
    char *path = write_run(dir, "r.h5", 60, 5, NULL, 0, FALSE);
    /* Rewrite the attributes through a second file: attributes are only
     * written by the writer, so make a fresh file with nasty ones. */
    char *nasty = g_build_filename(dir, "nasty.h5", NULL);
    GError *error = NULL;
    CirrusH5 *h = cirrus_h5_open(nasty, &error);
    cirrus_h5_add_series(h, "/workloads/users", "Requests");
    double row = 3;
    g_assert_true(cirrus_h5_append(h, 10, &row, 1, &error));
    g_assert_true(cirrus_h5_attr_string(h, "scenario", "<script>alert(\"x\")", &error));
    g_assert_true(cirrus_h5_attr_string(h, "scenario_yaml", "name: x\ndescription: </pre><script>alert('d')</script>\n", &error));
    g_assert_true(write_summary(h, "/summary", 3, 1, FALSE));
    g_assert_true(cirrus_h5_close(h, TRUE, &error));
    CirrusH5Run *run = cirrus_h5run_open(nasty, &error);
    g_assert_no_error(error);
    char *html = cirrus_report_html(run, &error);
    g_assert_no_error(error);
    g_assert_null(strstr(html, "<script"));
    g_assert_null(strstr(html, "</pre><"));
    g_assert_nonnull(strstr(html, "<h1>&lt;script&gt;alert(&quot;x&quot;)</h1>"));
    g_assert_nonnull(strstr(html, "&lt;/pre&gt;&lt;script&gt;alert(&apos;d&apos;)&lt;/script&gt;"));
    g_assert_nonnull(strstr(html, "<svg"));
    g_free(html);
    cirrus_h5run_close(run);
    g_unlink(nasty);
    g_unlink(path);
    g_rmdir(dir);
    g_free(nasty);
    g_free(path);
    g_free(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tools/compare/student-t", test_student_t);
    g_test_add_func("/tools/compare/rows", test_compare_rows);
    g_test_add_func("/tools/compare/honest-intervals", test_honest_intervals);
    g_test_add_func("/tools/compare/no-summary", test_no_summary);
    g_test_add_func("/tools/report/svg-inline", test_svg_inline);
    g_test_add_func("/tools/report/escapes", test_report_escapes);
    return g_test_run();
}
