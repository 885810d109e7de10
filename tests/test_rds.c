/* cirrus — the `rds` model against numbers.
 *
 * Queueing: each instance is an M/M/c station when arrivals are Poisson
 * and query times exponential; reads split at random over n replicas are
 * n Poisson streams of rate lambda / n (Erlang C per replica), writes all
 * on the primary.  Checked within 4 standard errors of batch means.
 * Connections, the proxy's pool and its borrow timeout with constant
 * arrivals and constant query times: counts from the arithmetic (a fluid
 * argument for the proxy's queue).  Staleness with a constant lag and
 * constant writes: the share of reads finding a write of their key not
 * yet applied is L / P over the keys' share; with Poisson writes and an
 * exponential lag, 1 - e^(-w L); within 4 SE of the binomial.
 * Failover windows measured from 1-s series, within the engine's
 * documented range.  max_connections and the cost exact. */
#include "testutil.h"
#include "models/rds/rds-private.h"

/* ---- max_connections ------------------------------------------------------------- */

static gint64 default_conns(const char *cls, RdsEngine e)
{
    const RdsClass *c = rds_class_find(cls);
    g_assert_nonnull(c);
    g_assert_true(rds_class_offered(c, e));
    return rds_default_max_connections(c, e);
}

static void test_max_connections_defaults(void)
{
    /* MySQL {DBInstanceClassMemory/12582880}: 1 GiB -> 85, 16 GiB -> 1,365. */
    g_assert_cmpint(default_conns("db.t3.micro", RDS_MYSQL), ==, 85);
    g_assert_cmpint(default_conns("db.r6g.large", RDS_MYSQL), ==, 1365);
    /* PostgreSQL LEAST({DBInstanceClassMemory/9531392}, 5000): 1 GiB -> 112,
     * 16 GiB -> 1,802, 128 GiB -> 14,418 capped at 5,000. */
    g_assert_cmpint(default_conns("db.t3.micro", RDS_POSTGRES), ==, 112);
    g_assert_cmpint(default_conns("db.m5.xlarge", RDS_POSTGRES), ==, 1802);
    g_assert_cmpint(default_conns("db.r6g.4xlarge", RDS_POSTGRES), ==, 5000);
    /* Aurora MySQL: AWS's table. */
    g_assert_cmpint(default_conns("db.r6g.large", RDS_AURORA_MYSQL), ==, 1000);
    g_assert_cmpint(default_conns("db.t3.medium", RDS_AURORA_MYSQL), ==, 90);
    g_assert_cmpint(default_conns("db.r7g.4xlarge", RDS_AURORA_MYSQL), ==, 4000);
    /* Aurora PostgreSQL: PostgreSQL's formula. */
    g_assert_cmpint(default_conns("db.r6g.large", RDS_AURORA_POSTGRES), ==, 1802);
    g_assert_cmpint(default_conns("db.t4g.medium", RDS_AURORA_POSTGRES), ==, 450);
    /* Aurora does not run on db.m or db.t micro. */
    g_assert_false(rds_class_offered(rds_class_find("db.m5.large"), RDS_AURORA_MYSQL));
    g_assert_false(rds_class_offered(rds_class_find("db.t3.micro"), RDS_AURORA_POSTGRES));
    g_assert_null(rds_class_find("db.r6g.larg"));
}

/* ---- queueing: reads over replicas, writes on the primary ------------------------ */

static void test_reads_mmc(void)
{
    /* 2 replicas of 2 workers, exponential queries of 4 ms (mu = 250/s):
     * reads at 800/s are two Poisson streams of 400/s (rho = 0.8); writes
     * at 300/s on the primary (rho = 0.6). */
    TestRun *r = test_run_text(
        "name: q\nduration: 70m\nwarmup: 1m\nsample_interval: 60s\nseed: 5\n"
        "workloads:\n"
        "  - {name: readers, target: db, arrival: {process: poisson, rate: 800/s}, request: {operation: read}}\n"
        "  - {name: writers, target: db, arrival: {process: poisson, rate: 300/s}, request: {operation: write}}\n"
        "components:\n"
        "  - name: db\n    type: rds\n    engine: aurora-mysql\n    instance_class: db.r6g.large\n"
        "    read_replicas: 2\n    workers: 2\n    query_time: {dist: exponential, mean: 4ms}\n", NULL);
    double theory_read = test_mmc_response_time(2, 400, 250), theory_write = test_mmc_response_time(2, 300, 250);
    double m, se;
    for (guint i = 1; i <= 2; i++) {
        char *lat = g_strdup_printf("ReadLatency.instance%u.mean", i), *n = g_strdup_printf("ReadIOPS.instance%u", i);
        test_batch_means(r, test_series(r, "/components/db", lat), test_series(r, "/components/db", n), 0, &m, &se);
        test_assert_agrees(lat, m, theory_read, se);
        g_free(lat);
        g_free(n);
    }
    test_batch_means(r, test_series(r, "/components/db", "WriteLatency.mean"),
                     test_series(r, "/components/db", "WriteIOPS"), 0, &m, &se);
    test_assert_agrees("WriteLatency", m, theory_write, se);
    /* Writes all on the primary, reads none there; the reads split evenly
     * (binomial, within 4 SE). */
    double writes = test_sum(r, "db", "WriteIOPS"), reads = test_sum(r, "db", "ReadIOPS");
    g_assert_cmpfloat(test_sum(r, "db", "WriteIOPS.instance0"), ==, writes);
    g_assert_cmpfloat(test_sum(r, "db", "ReadIOPS.instance0"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "db", "ReadIOPS.instance1") + test_sum(r, "db", "ReadIOPS.instance2"), ==, reads);
    double share = test_sum(r, "db", "ReadIOPS.instance1") / reads;
    g_assert_cmpfloat(fabs(share - 0.5), <, 4 * sqrt(0.25 / reads));
    /* Every replica applies every write. */
    g_assert_cmpfloat(fabs(test_sum(r, "db", "WriteIOPS.instance1") - writes), <, 100);
    /* CPUUtilization of a replica: rho = 80% (time-weighted mean). */
    g_assert_cmpfloat(fabs(test_summary(r, "db", "CPUUtilization.instance1").mean - 80), <, 1.0);
    test_run_free(r);
}

/* Without replicas, reads go to the primary. */
static void test_reads_on_primary(void)
{
    TestRun *r = test_run_text(
        "name: p\nduration: 1m\nseed: 2\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 10/s}}\n"
        "components:\n  - {name: db, type: rds, query_time: 5ms, reads: 0.5}\n", NULL);
    double reads = test_sum(r, "db", "ReadIOPS"), writes = test_sum(r, "db", "WriteIOPS");
    g_assert_cmpfloat(reads + writes, ==, 599);
    g_assert_cmpfloat(test_sum(r, "db", "ReadIOPS.instance0"), ==, reads);
    /* `reads: 0.5` with no operation named: a fair coin per request. */
    g_assert_cmpfloat(fabs(reads / 599 - 0.5), <, 4 * sqrt(0.25 / 599));
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded"), ==, 599);
    test_run_free(r);
}

/* ---- connections ------------------------------------------------------------------- */

/* 20 writes a second for 10 s (199 arrivals, at 0.05 s, ..., 9.95 s) on one
 * worker of 100-ms queries (10 a second), max_connections 10. */
static const char *conn_fmt =
    "name: c\nduration: 10s\nsample_interval: 1s\nseed: 1\n"
    "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 20/s}, request: {operation: write}}\n"
    "components:\n  - name: db\n    type: rds\n    workers: 1\n    max_connections: 10\n"
    "    query_time: {dist: constant, value: 100ms}\n%s";

static void test_too_many_connections(void)
{
    /* Without a proxy each query holds a connection from arrival to answer:
     * 10 held by 0.5 s; thereafter each 100-ms departure frees one, taken by
     * the next of two arrivals, the other refused.  99 answered by 10 s
     * ((10 - 0.05) / 0.1, rounded down), 10 still held: 109 accepted, 90
     * refused. */
    char *text = g_strdup_printf(conn_fmt, "");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    double refused = test_sum(r, "db", "TooManyConnections");
    g_test_message("refused %.0f, answered %.0f", refused, test_sum(r, "u", "Succeeded"));
    g_assert_cmpfloat(fabs(refused - 90), <=, 1);
    g_assert_cmpfloat(test_sum(r, "u", "Rejected"), ==, refused);
    g_assert_cmpfloat(fabs(test_sum(r, "u", "Succeeded") - 99), <=, 1);
    g_assert_cmpfloat(test_summary(r, "db", "DatabaseConnections").max, ==, 10);
    g_assert_cmpfloat(test_sum(r, "db", "Failed"), ==, 0);
    test_run_free(r);
}

/* The classic Lambda + RDS problem: every environment keeps its
 * connection while it lives (a handler that connects outside the
 * handler), so connections follow environments, not load.  A burst of 300
 * invocations at once (each 1 s of its own, then a 1-ms write) makes 300
 * environments: the first 100 to reach the database get its 100
 * connections, the other 200 are refused ("too many connections": 200
 * function errors, exactly).  Then 5 invocations a second for 60 s: the
 * database is idle, yet its 100 connections stay held (MySQL's
 * wait_timeout is 8 hours) and an invocation that lands on one of the 200
 * environments without one is refused again.  With RDS Proxy the
 * environments connect to the proxy and borrow a database connection per
 * query: nothing is refused and the database holds at most the queries in
 * progress.  With wait_timeout 10 s the server closes idle connections and
 * the refusals stop once the burst's connections are gone. */
static void test_lambda_storm(void)
{
    static const char *fmt =
        "name: storm\nduration: 70s\nwarmup: 0s\nsample_interval: 1s\nseed: 1\n"
        "workloads:\n  - {name: burst, target: fn, arrival: {process: constant, schedule: [[0s, 3000/s], "
        "[0.1s, 3000/s], [0.100001s, 0/s]]}}\n"
        "  - {name: trickle, target: fn, arrival: {process: constant, schedule: [[0s, 0/s], [9.999s, 0/s], "
        "[10s, 5/s]]}}\n"
        "components:\n  - {name: fn, type: lambda, timeout: 60s, duration: {dist: constant, value: 1s}, "
        "calls: [{target: db, operation: write}]}\n"
        "  - name: db\n    type: rds\n    workers: 8\n    max_connections: 100\n"
        "    query_time: {dist: constant, value: 1ms}\n%s";
    char *text = g_strdup_printf(fmt, "");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    double burst_refused = test_sum_rows(r, "db", "TooManyConnections", 0, 10);
    double quiet_refused = test_sum_rows(r, "db", "TooManyConnections", 10, 70);
    double last_conns = test_component_value(r, test_n_rows(r) - 1, "db", "DatabaseConnections");
    g_test_message("no proxy: burst %.0f refused (expected 200), quiet phase %.0f refused of %.0f, connections "
                   "held at the end %.0f", burst_refused, quiet_refused, test_sum(r, "trickle", "Requests"),
                   last_conns);
    g_assert_cmpfloat(burst_refused, ==, 200);
    g_assert_cmpfloat(test_sum(r, "fn", "Errors"), ==, test_sum(r, "db", "TooManyConnections"));
    g_assert_cmpfloat(quiet_refused, >, 0);
    g_assert_cmpfloat(last_conns, ==, 100);
    g_assert_cmpfloat(test_summary(r, "db", "DatabaseConnections").max, ==, 100);
    test_run_free(r);

    text = g_strdup_printf(fmt, "    proxy: {max_connections_percent: 100}\n");
    r = test_run_text(text, NULL);
    g_free(text);
    g_test_message("proxy: %.0f refused, %.0f errors, database connections at most %.0f", test_sum(r, "db",
                   "TooManyConnections"), test_sum(r, "fn", "Errors"), test_summary(r, "db", "DatabaseConnections").max);
    g_assert_cmpfloat(test_sum(r, "db", "TooManyConnections"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "fn", "Errors"), ==, 0);
    g_assert_cmpfloat(test_summary(r, "db", "DatabaseConnections").max, <=, 100);
    test_run_free(r);

    text = g_strdup_printf(fmt, "    wait_timeout: 10s\n");
    r = test_run_text(text, NULL);
    g_free(text);
    double late_refused = test_sum_rows(r, "db", "TooManyConnections", 25, 70);
    last_conns = test_component_value(r, test_n_rows(r) - 1, "db", "DatabaseConnections");
    g_test_message("wait_timeout 10 s: %.0f refused after 25 s, %.0f connections at the end", late_refused, last_conns);
    g_assert_cmpfloat(late_refused, ==, 0);
    g_assert_cmpfloat(last_conns, <, 100);
    test_run_free(r);
}

/* Cross-region read replicas, exact with constant times: a reader in
 * eu-west-1 with a replica there reads locally in the query's 4 ms
 * (CrossRegionReads counts each), and that replica applies each write
 * 20 ms + half the round trip after its commit; without it, the reader
 * pays the round trip to us-east-1 on each read (network_latency). */
static void test_cross_region(void)
{
    static const char *fmt =
        "name: xr\nduration: 60s\nwarmup: 0s\nseed: 3\n"
        "workloads:\n  - {name: us, target: db, client: {region: us-east-1}, request: {operation: read}, "
        "arrival: {process: poisson, rate: 100/s}}\n"
        "  - {name: eu, target: db, client: {region: eu-west-1}, request: {operation: read}, "
        "arrival: {process: poisson, rate: 100/s}}\n"
        "  - {name: w, target: db, client: {region: us-east-1}, request: {operation: write}, "
        "arrival: {process: poisson, rate: 10/s}}\n"
        "components:\n  - {name: db, type: rds, region: us-east-1, instance_class: db.r6g.xlarge, workers: 1000, "
        "read_replicas: 1, network_latency: true, query_time: {dist: constant, value: 4ms}, "
        "replica_lag: {dist: constant, value: 20ms}%s}\n";
    char *text = g_strdup_printf(fmt, ", cross_region_replicas: [{region: eu-west-1}]");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    const CirrusHist *eu = test_summary(r, "eu", "Latency").latency, *lag = test_summary(r, "db",
                                                                                         "ReplicaLag.instance2").latency;
    double half_rtt = (double)(lag->min - 20 * CIRRUS_MS) / 1e6;
    g_test_message("local replica: eu reads %.3f-%.3f ms; eu replica lag %.3f ms (20 + RTT/2 = %.3f)", eu->min / 1e6,
                   eu->max / 1e6, lag->min / 1e6, 20 + half_rtt);
    g_assert_cmpint(eu->min, ==, 4 * CIRRUS_MS);
    g_assert_cmpint(eu->max, ==, 4 * CIRRUS_MS);
    g_assert_cmpint(lag->max, ==, lag->min);
    g_assert_cmpfloat(half_rtt, >, 30);   /* an ocean away */
    g_assert_cmpint(test_summary(r, "db", "ReplicaLag.instance1").latency->max, ==, 20 * CIRRUS_MS);
    g_assert_cmpfloat(test_sum(r, "db", "CrossRegionReads"), ==, test_sum(r, "eu", "Requests"));
    test_run_free(r);
    text = g_strdup_printf(fmt, "");
    r = test_run_text(text, NULL);
    g_free(text);
    eu = test_summary(r, "eu", "Latency").latency;
    g_test_message("no local replica: eu reads %.3f ms (4 + RTT)", eu->min / 1e6);
    g_assert_cmpint(eu->min, ==, eu->max);
    g_assert_cmpfloat(fabs((double)(eu->min - 4 * CIRRUS_MS) / 1e6 - 2 * half_rtt), <=, 0.001);
    g_assert_cmpint(test_summary(r, "us", "Latency").latency->max, ==, 4 * CIRRUS_MS);
    test_run_free(r);
    test_assert_scenario_error("name: bad\nduration: 1m\ncomponents:\n"
                               "  - {name: db, type: rds, cross_region_replicas: [{region: eu-west-1}]}\n",
                               NULL, "bad.yaml:4:", "need the cluster's own region");
    test_assert_scenario_error("name: bad\nduration: 1m\ncomponents:\n"
                               "  - {name: db, type: rds, region: us-east-1, read_replicas: 14, "
                               "cross_region_replicas: [{region: eu-west-1, count: 2}]}\n",
                               NULL, "bad.yaml:4:", "at most 15 read replicas in all");
    test_assert_scenario_error("name: bad\nduration: 1m\ncomponents:\n"
                               "  - {name: db, type: rds, region: us-east-1, "
                               "cross_region_replicas: [{region: us-east-1}]}\n",
                               NULL, "bad.yaml:4:", "the cluster's own region");
}

static void test_proxy_queues(void)
{
    /* With the proxy at 50%: a pool of 5 connections; nobody is refused, the
     * rest wait in the proxy.  With the default 120-s borrow timeout nobody
     * fails in 10 s: 99 answered, 5 connections at most. */
    char *text = g_strdup_printf(conn_fmt, "    proxy: {max_connections_percent: 50}\n");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "db", "TooManyConnections"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "db", "Failed"), ==, 0);
    g_assert_cmpfloat(fabs(test_sum(r, "u", "Succeeded") - 99), <=, 1);
    g_assert_cmpfloat(test_summary(r, "db", "DatabaseConnections").max, ==, 5);
    /* The proxy holds the other 199 - 99 - 5 = 95 at the end. */
    g_assert_cmpfloat(fabs(test_summary(r, "db", "ClientConnections").max - 100), <=, 2);
    test_run_free(r);
    /* A 2-s borrow timeout.  Fluid: the proxy's queue holds the arrivals of
     * the last x seconds, its head x old; borrowing takes the head at 10/s
     * while 20/s arrive, so x grows at 1/2 per second and reaches 2 s at
     * about 4.25 s (the pool took the first 5); from then on 10 a second
     * time out: ~57 by 10 s. */
    text = g_strdup_printf(conn_fmt, "    proxy: {max_connections_percent: 50, borrow_timeout: 2s}\n");
    r = test_run_text(text, NULL);
    g_free(text);
    double timeouts = test_sum(r, "db", "BorrowTimeouts");
    g_test_message("borrow timeouts %.0f", timeouts);
    g_assert_cmpfloat(fabs(timeouts - 57), <=, 3);
    g_assert_cmpfloat(test_sum(r, "db", "Failed"), ==, timeouts);
    g_assert_cmpfloat(test_sum(r, "u", "Failed"), ==, timeouts);
    g_assert_cmpfloat(test_summary(r, "db", "DatabaseConnectionsBorrowLatency").max, <=, 2.0);
    test_run_free(r);
}

/* ---- staleness ------------------------------------------------------------------------ */

/* The share of reads that were stale, and its standard error from 60
 * batches of a minute (the stale state lasts a while, so successive reads
 * are not independent: batch means, not the binomial). */
static double stale_share(const char *writes, const char *keys, const char *lag, double *se)
{
    char *text = g_strdup_printf(
        "name: s\nduration: 60m\nsample_interval: 1m\nseed: 9\n"
        "workloads:\n"
        "  - {name: w, target: db, arrival: %s, request: {operation: write}}\n"
        "  - {name: rd, target: db, arrival: {process: poisson, rate: 50/s}, request: {operation: read}}\n"
        "components:\n  - name: db\n    type: rds\n    read_replicas: 1\n    workers: 16\n"
        "    query_time: {dist: constant, value: 1ms}\n    keys: %s\n    replica_lag: %s\n", writes, keys, lag);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    double stale = test_sum(r, "db", "StaleReads"), reads = test_sum(r, "db", "ReadIOPS");
    guint cs = test_series(r, "/components/db", "StaleReads"), cr = test_series(r, "/components/db", "ReadIOPS");
    double m = 0, v = 0;
    guint n = test_n_rows(r);
    for (guint i = 0; i < n; i++) m += test_value(r, i, cs) / test_value(r, i, cr);
    m /= n;
    for (guint i = 0; i < n; i++) v += pow(test_value(r, i, cs) / test_value(r, i, cr) - m, 2);
    *se = sqrt(v / (n - 1) / n);
    test_run_free(r);
    return stale / reads;
}

static void test_stale_reads(void)
{
    /* One write a second, applied on the replica exactly L later: a read is
     * stale when a write of its key committed in the L before it — share
     * L x (its key's share of writes). */
    const char *every_second = "{process: constant, rate: 1/s}";
    double share, se;
    share = stale_share(every_second, "{count: 1}", "300ms", &se);
    g_test_message("1 key, lag 300 ms: stale share %.4f (0.3), SE %.4f", share, se);
    g_assert_cmpfloat(fabs(share - 0.3), <, 4 * se);
    share = stale_share(every_second, "{count: 2}", "300ms", &se);
    g_test_message("2 keys, lag 300 ms: stale share %.4f (0.15), SE %.4f", share, se);
    g_assert_cmpfloat(fabs(share - 0.15), <, 4 * se);
    /* A lag above the write interval: always a write pending. */
    share = stale_share(every_second, "{count: 1}", "1500ms", &se);
    g_assert_cmpfloat(share, >, 0.999);
    /* Poisson writes (5/s; commits 1 ms later, still Poisson) and an
     * exponential lag of mean 100 ms: the writes on their way to the
     * replica are an M/G/infinity population, Poisson of mean 5 x 0.1, and
     * a read is stale unless it is empty: 1 - e^-0.5 = 0.3935. */
    share = stale_share("{process: poisson, rate: 5/s}", "{count: 1}", "{dist: exponential, mean: 100ms}", &se);
    double p = 1 - exp(-0.5);
    g_test_message("Poisson writes, exponential lag: stale share %.4f (%.4f), SE %.4f", share, p, se);
    g_assert_cmpfloat(fabs(share - p), <, 4 * se);
    g_assert_cmpfloat(4 * se, <, 0.05 * p);
}

/* ---- failover ----------------------------------------------------------------------------- */

/* The failover window: from the first 1-s row with a failed write to the
 * last, in seconds (rows are 1 s). */
static double failover_window(const char *engine_block, const char *duration, guint64 seed, double *failovers)
{
    char *text = g_strdup_printf(
        "name: f\nduration: %s\nsample_interval: 1s\nseed: %" G_GUINT64_FORMAT "\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 50/s}, request: {operation: write}}\n"
        "components:\n  - name: db\n    type: rds\n    query_time: 2ms\n%s"
        "faults:\n  - {at: 60s, kind: instance_failure, component: db}\n", duration, seed, engine_block);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    gint first = -1, last = -1;
    for (guint i = 0; i < test_n_rows(r); i++)
        if (test_component_value(r, i, "db", "Failed") > 0) {
            if (first < 0) first = (gint)i;
            last = (gint)i;
        }
    g_assert_cmpint(first, ==, 60);   /* the row of 60-61 s */
    *failovers = test_sum(r, "db", "FailoverCount");
    /* writes fail at 50/s through the window, none outside */
    double failed = test_sum(r, "db", "Failed");
    double window = last - first + 1;
    g_assert_cmpfloat(fabs(failed - 50 * window), <=, 50);
    test_run_free(r);
    return window;
}

static void test_failover_windows(void)
{
    static const struct {
        const char *block, *duration;
        double lo, hi, failovers;
    } cases[] = {
        /* RDS Multi-AZ DB instance: 60-120 s */
        {"    engine: mysql\n    multi_az: true\n", "5m", 60, 120, 1},
        {"    engine: postgres\n    multi_az: true\n    read_replicas: 1\n", "5m", 60, 120, 1},
        /* Aurora with a replica: within 30 s */
        {"    engine: aurora-mysql\n    read_replicas: 1\n", "3m", 15, 30, 1},
        {"    engine: aurora-postgresql\n    read_replicas: 2\n    multi_az: true\n", "3m", 15, 30, 1},
        /* neither: a replacement (RDS ~10 min, Aurora under 10 min) */
        {"    engine: mysql\n    read_replicas: 1\n", "15m", 480, 720, 0},
        {"    engine: aurora-mysql\n", "15m", 300, 600, 0},
    };
    for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
        /* Each window within the range (+-1 s: 1-s rows); over 8 seeds the
         * draws spread over it (uniform: some below the middle, some above). */
        double shortest = G_MAXDOUBLE, longest = 0, mid = (cases[c].lo + cases[c].hi) / 2;
        for (guint64 seed = 1; seed <= 8; seed++) {
            double failovers;
            double w = failover_window(cases[c].block, cases[c].duration, seed, &failovers);
            g_test_message("case %u seed %" G_GUINT64_FORMAT ": writes failed for %.0f s", c, seed, w);
            g_assert_cmpfloat(w, >=, cases[c].lo - 1);
            g_assert_cmpfloat(w, <=, cases[c].hi + 1);
            g_assert_cmpfloat(failovers, ==, cases[c].failovers);
            shortest = MIN(shortest, w);
            longest = MAX(longest, w);
        }
        g_assert_cmpfloat(shortest, <, mid);
        g_assert_cmpfloat(longest, >, mid);
    }
}

/* Reads on the replicas go on through a failover; the proxy holds writes
 * for the new writer instead of failing them. */
static void test_failover_reads_and_proxy(void)
{
    const char *fmt =
        "name: f\nduration: 3m\nsample_interval: 1s\nseed: 4\n"
        "workloads:\n"
        "  - {name: w, target: db, arrival: {process: constant, rate: 20/s}, request: {operation: write}}\n"
        "  - {name: rd, target: db, arrival: {process: constant, rate: 20/s}, request: {operation: read}}\n"
        "components:\n  - name: db\n    type: rds\n    engine: aurora-mysql\n    read_replicas: 1\n"
        "    query_time: 2ms\n%s"
        "faults:\n  - {at: 60s, kind: instance_failure, component: db}\n";
    char *text = g_strdup_printf(fmt, "");
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "rd", "Failed"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "w", "Failed"), >=, 15 * 20 - 20);
    test_run_free(r);
    text = g_strdup_printf(fmt, "    proxy: {}\n");
    r = test_run_text(text, NULL);
    g_free(text);
    /* 15-30 s within the 120-s borrow timeout: no write fails (the query in
     * progress at the failure, if any, aside); they wait up to the window. */
    g_assert_cmpfloat(test_sum(r, "w", "Failed"), <=, 1);
    double waited = test_summary(r, "db", "DatabaseConnectionsBorrowLatency").max;
    g_test_message("longest borrow wait %.1f s", waited);
    g_assert_cmpfloat(waited, >=, 15 - 0.1);
    g_assert_cmpfloat(waited, <=, 30 + 0.1);
    test_run_free(r);
}

static void test_outage(void)
{
    /* The whole cluster: reads and writes fail for 10 s. */
    TestRun *r = test_run_text(
        "name: o\nduration: 1m\nseed: 3\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 10/s}}\n"
        "components:\n  - {name: db, type: rds, read_replicas: 2, query_time: 5ms}\n"
        "faults:\n  - {at: 20s, kind: outage, component: db, duration: 10s}\n", NULL);
    g_assert_cmpfloat(fabs(test_sum(r, "u", "Failed") - 100), <=, 1);
    g_assert_cmpfloat(test_sum(r, "u", "Succeeded") + test_sum(r, "u", "Failed"), ==, 599);
    test_run_free(r);
}

static void test_slowdown(void)
{
    /* Constant 10-ms queries, 3 times slower from 10 s to 20 s: 30 ms then,
     * 10 ms otherwise (a query's time is fixed when it starts). */
    TestRun *r = test_run_text(
        "name: s\nduration: 30s\nsample_interval: 1s\nseed: 3\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 10/s}, request: {operation: write}}\n"
        "components:\n  - {name: db, type: rds, query_time: 10ms}\n"
        "faults:\n  - {at: 10s, kind: slowdown, component: db, factor: 3, duration: 10s}\n", NULL);
    CirrusMetricSummary m = test_summary(r, "db", "WriteLatency");
    g_assert_cmpfloat(fabs(m.min - 0.010), <, 1e-9);
    g_assert_cmpfloat(fabs(m.max - 0.030), <, 1e-9);
    g_assert_cmpfloat(fabs(test_component_value(r, 15, "db", "WriteLatency.mean") - 0.030), <, 1e-9);
    g_assert_cmpfloat(fabs(test_component_value(r, 25, "db", "WriteLatency.mean") - 0.010), <, 1e-9);
    test_run_free(r);
}

/* ---- cost ------------------------------------------------------------------------------------ */

static void test_cost(void)
{
    /* RDS for MySQL db.r6g.large ($0.215/h), Multi-AZ (2x), 2 replicas,
     * with RDS Proxy (3 instances x 2 vCPUs x $0.015/h), for 1 h:
     * 4 x 0.215 + 6 x 0.015 = 0.95. */
    TestRun *r = test_run_text(
        "name: c\nduration: 1h\nsample_interval: 1m\nseed: 1\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 1/s}}\n"
        "components:\n  - {name: db, type: rds, engine: mysql, instance_class: db.r6g.large, multi_az: true,\n"
        "     read_replicas: 2, query_time: 5ms, proxy: {}}\n", NULL);
    g_assert_cmpfloat(fabs(test_cost_of(r, "db") - 0.95), <, 1e-9);
    test_run_free(r);
    /* Aurora PostgreSQL db.r6g.large ($0.26/h) and a replica, 1 h: 0.52, and
     * $0.20 per million I/O: 3,599 queries. */
    r = test_run_text(
        "name: c\nduration: 1h\nsample_interval: 1m\nseed: 1\n"
        "workloads:\n  - {name: u, target: db, arrival: {process: constant, rate: 1/s}}\n"
        "components:\n  - {name: db, type: rds, engine: aurora-postgresql, instance_class: db.r6g.large,\n"
        "     read_replicas: 1, query_time: 5ms}\n", NULL);
    g_assert_cmpfloat(fabs(test_cost_of(r, "db") - (0.52 + 3599 * 0.0000002)), <, 1e-9);
    test_run_free(r);
}

/* ---- bad input ------------------------------------------------------------------------------- */

static void test_config_errors(void)
{
    static const struct { const char *db, *request, *where, *what; } cases[] = {
        {"read_replicas: 16", "{operation: read}", "bad.yaml:5:", "'read_replicas' must be between 0 and 15, got 16"},
        {"instance_class: db.r6g.larg", "{operation: read}", "bad.yaml:5:",
         "unknown instance_class 'db.r6g.larg' (did you mean 'db.r6g.large'?)"},
        {"engine: postgress", "{operation: read}", "bad.yaml:5:", "got 'postgress' (did you mean 'postgres'?)"},
        {"engine: aurora-mysql, instance_class: db.m5.large", "{operation: read}", "bad.yaml:5:",
         "db.m5.large is not an Aurora DB instance class"},
        {"engine: aurora-mysql, multi_az: true", "{operation: read}", "bad.yaml:5:",
         "Multi-AZ through its replicas"},
        {"proxy: {max_connections_percent: 0}", "{operation: read}", "bad.yaml:5:",
         "'max_connections_percent' must be between 1 and 100"},
        {"reads: 1.5", "{operation: read}", "bad.yaml:5:", "'reads' must be between 0 and 1"},
        {"query_time: 5ms", "{operation: wrte}", "bad.yaml:3:",
         "target 'db' is an rds database: it takes operation read or write, not wrte (did you mean 'write'?)"},
        {"query_time: 5ms", "{operation: read, items: 2}", "bad.yaml:3:", "it takes no 'items'"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf(
            "name: e\nduration: 1m\n"
            "workloads: [{name: u, target: db, arrival: {process: constant, rate: 1/s}, request: %s}]\n"
            "components:\n  - {name: db, type: rds, %s}\n", cases[i].request, cases[i].db);
        test_assert_scenario_error(text, NULL, cases[i].where, cases[i].what);
        g_free(text);
    }
}

static void test_deterministic(void)
{
    const char *text = "name: d\nduration: 2m\nseed: 7\n"
                       "workloads:\n  - {name: u, target: db, arrival: {process: poisson, rate: 300/s}}\n"
                       "components:\n  - {name: db, type: rds, read_replicas: 3, keys: {count: 50}}\n"
                       "faults:\n  - {at: 30s, kind: instance_failure, component: db}\n";
    TestRun *a = test_run_text(text, NULL), *b = test_run_text(text, NULL);
    const char *metrics[] = {"StaleReads", "ReadIOPS", "WriteIOPS", "Failed"};
    for (guint i = 0; i < G_N_ELEMENTS(metrics); i++)
        g_assert_cmpfloat(test_sum(a, "db", metrics[i]), ==, test_sum(b, "db", metrics[i]));
    g_assert_cmpfloat(test_summary(a, "db", "ReadLatency").mean, ==, test_summary(b, "db", "ReadLatency").mean);
    test_run_free(a);
    test_run_free(b);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/rds/max-connections/defaults", test_max_connections_defaults);
    g_test_add_func("/models/rds/queueing/reads-mmc", test_reads_mmc);
    g_test_add_func("/models/rds/queueing/reads-on-primary", test_reads_on_primary);
    g_test_add_func("/models/rds/connections/too-many", test_too_many_connections);
    g_test_add_func("/models/rds/connections/proxy", test_proxy_queues);
    g_test_add_func("/models/rds/connections/lambda-storm", test_lambda_storm);
    g_test_add_func("/models/rds/replication/cross-region", test_cross_region);
    g_test_add_func("/models/rds/replication/stale-reads", test_stale_reads);
    g_test_add_func("/models/rds/faults/failover-windows", test_failover_windows);
    g_test_add_func("/models/rds/faults/failover-reads-and-proxy", test_failover_reads_and_proxy);
    g_test_add_func("/models/rds/faults/outage", test_outage);
    g_test_add_func("/models/rds/faults/slowdown", test_slowdown);
    g_test_add_func("/models/rds/cost", test_cost);
    g_test_add_func("/models/rds/config-errors", test_config_errors);
    g_test_add_func("/models/rds/deterministic", test_deterministic);
    return g_test_run();
}
