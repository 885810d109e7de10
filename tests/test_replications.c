/* cirrus — replications: their confidence intervals against queueing
 * theory, and their independence.
 *
 * Coverage: a 95% confidence interval from N independent replications
 * covers the true value with probability 0.95 when the per-replication
 * estimates are (nearly) normal and unbiased.  Over 40 seeds the number of
 * intervals that cover the Erlang C mean response time of M/M/4 is then
 * Binomial(40, 0.95): mean 38, and P(X <= 32) = 0.0009, so "at least 33 of
 * 40" fails a correct implementation about once in a thousand seed sets
 * (and the seeds are fixed, so the outcome is too).  A broken half-width —
 * too narrow (a z for a t, s for s/sqrt(N)...) or replications that share
 * their random streams — covers far less often: with the half-width
 * halved, coverage would be about 70%, 28 of 40.  And an interval so wide
 * that it always covers is caught by asserting its width. */
#include "testutil.h"
#include "tools/replicate.h"
#include "tools/runtables.h"

/* M/M/4 of scenarios/validation/mm4.yaml: lambda 80/s, mean service 40 ms.
 * 15 simulated minutes after 5 of warm-up per replication: ~72,000
 * requests, so the ratio estimator's bias (O(1/n)) and the warm-up's are
 * far below the interval's half-width (~2 ms). */
static const char mm4[] =
    "name: mm4\nduration: 20m\nwarmup: 5m\nsample_interval: 60s\n"
    "workloads: [{name: users, target: station, arrival: {process: poisson, rate: 80/s}}]\n"
    "components: [{name: station, type: service, workers: 4, service_time: {dist: exponential, mean: 40ms}}]\n";

static const CirrusSummaryRow *find(GPtrArray *rows, const char *entity, const char *metric)
{
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->entity, entity) == 0 && strcmp(r->metric, metric) == 0) return r;
    }
    g_assert_not_reached();
}

/* N replications of mm4 with `seed`; the summary rows (mean, ci95). */
static GPtrArray *replicate(guint64 seed, guint n, guint jobs, CirrusReplica **out)
{
    GError *error = NULL;
    char *set = g_strdup_printf("seed=%" G_GUINT64_FORMAT, seed);
    const char *sets[] = {set, NULL};
    CirrusScenario *sc = cirrus_scenario_load_text("mm4.yaml", mm4, cirrus_models_registry(), sets, &error);
    g_assert_no_error(error);
    CirrusReplica *reps = g_new0(CirrusReplica, n);
    for (guint k = 0; k < n; k++) reps[k] = (CirrusReplica){.sc = sc, .replication = k};
    CirrusReplicaLimits limits = {0};
    g_assert_true(cirrus_replicas_run(reps, n, jobs, &limits, FALSE, &error));
    g_assert_no_error(error);
    GPtrArray *rows = cirrus_replicas_summary(reps, n);
    if (out) {
        *out = reps;
    } else {
        for (guint k = 0; k < n; k++) cirrus_replica_clear(&reps[k]);
        g_free(reps);
    }
    g_free(set);
    cirrus_scenario_free(sc);
    return rows;
}

static void test_coverage(void)
{
    const double theory = 1000 * test_mmc_response_time(4, 80, 25);   /* ms: 69.82 */
    const guint seeds = 40, n = 8;
    guint covered = 0;
    for (guint64 seed = 1; seed <= seeds; seed++) {
        GPtrArray *rows = replicate(seed, n, 2, NULL);
        const CirrusSummaryRow *lat = find(rows, "users", "Latency");
        double m = lat->v[CIRRUS_STAT_MEAN], h = lat->ci95[CIRRUS_STAT_MEAN];
        gboolean in = fabs(m - theory) <= h;
        covered += in;
        g_test_message("seed %2" G_GUINT64_FORMAT ": %.3f +/- %.3f ms %s", seed, m, h, in ? "" : "(misses)");
        /* An informative interval: a few percent of the value, not one so
         * wide that it could not miss. */
        g_assert_cmpfloat(h, <, 0.08 * theory);
        g_assert_cmpfloat(h, >, 0);
        g_ptr_array_unref(rows);
    }
    g_test_message("theory %.3f ms: covered by %u of %u intervals", theory, covered, seeds);
    g_assert_cmpuint(covered, >=, 33);
}

/* Replications are independent: different streams, so different numbers;
 * and the same whatever the number of threads. */
static void test_independent_and_parallel(void)
{
    CirrusReplica *a, *b;
    GPtrArray *ra = replicate(7, 4, 1, &a), *rb = replicate(7, 4, 2, &b);
    for (guint k = 0; k < 4; k++) {
        const CirrusSummaryRow *x = find(a[k].rows, "users", "Requests");
        const CirrusSummaryRow *y = find(b[k].rows, "users", "Requests");
        g_assert_cmpfloat(x->v[CIRRUS_STAT_SUM], ==, y->v[CIRRUS_STAT_SUM]);
        g_assert_cmpuint(a[k].events, ==, b[k].events);
        if (k > 0) g_assert_cmpfloat(x->v[CIRRUS_STAT_SUM], !=, find(a[0].rows, "users", "Requests")->v[CIRRUS_STAT_SUM]);
    }
    for (guint i = 0; i < ra->len; i++)
        for (guint s = 0; s < CIRRUS_STAT_N; s++) {
            const CirrusSummaryRow *x = ra->pdata[i], *y = rb->pdata[i];
            g_assert_true(memcmp(&x->v[s], &y->v[s], sizeof(double)) == 0);
            g_assert_true(memcmp(&x->ci95[s], &y->ci95[s], sizeof(double)) == 0);
        }
    for (guint k = 0; k < 4; k++) {
        cirrus_replica_clear(&a[k]);
        cirrus_replica_clear(&b[k]);
    }
    g_free(a);
    g_free(b);
    g_ptr_array_unref(ra);
    g_ptr_array_unref(rb);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/replications/ci-coverage-mm4", test_coverage);
    g_test_add_func("/replications/independent-and-parallel", test_independent_and_parallel);
    return g_test_run();
}
