/* cirrus — the `dynamodb` model against numbers.
 *
 * Capacity arithmetic is exact (AWS bills whole 1-KB and 4-KB blocks):
 * asserted on the functions and end to end with constant arrivals.  The
 * token buckets are deterministic with constant arrivals of 1-unit items,
 * so throttling is asserted to within a request or two of the arithmetic:
 * a partition's bucket starts full (1 s of its share), then refills at the
 * provisioned rate.  Times (burst exhaustion, auto scaling's alarms,
 * on-demand growth, hot-item isolation) are asserted to the second or the
 * minute the rules give.  The one statistical figure, the default latency's
 * mean, is checked within 4 standard errors of the run's batch means. */
#include "testutil.h"
#include "models/dynamodb/dynamodb-private.h"
#include "models/aws/globals.h"
#include "models/workload/workload.h"

/* ---- helpers ------------------------------------------------------------------ */


/* ---- capacity arithmetic ---------------------------------------------------- */

static void test_units_arithmetic(void)
{
    /* The seed's samples: a 2-KB write is 2 WCU, a 4.5-KB write 5 WCU, a
     * strongly consistent 4-KB read 1 RCU, an eventually consistent 6-KB
     * read half of 2 RCU. */
    g_assert_cmpfloat(ddb_units_per_item(DDB_PUT_ITEM, 2 * 1024, 1, FALSE), ==, 2);
    g_assert_cmpfloat(ddb_units_per_item(DDB_PUT_ITEM, 4608, 1, FALSE), ==, 5);
    g_assert_cmpfloat(ddb_units_per_item(DDB_GET_ITEM, 4096, 1, TRUE), ==, 1);
    g_assert_cmpfloat(ddb_units_per_item(DDB_GET_ITEM, 6 * 1024, 1, FALSE), ==, 1);
    /* Block edges: 1 byte over a block costs a whole one. */
    g_assert_cmpfloat(ddb_units_per_item(DDB_UPDATE_ITEM, 1024, 1, FALSE), ==, 1);
    g_assert_cmpfloat(ddb_units_per_item(DDB_DELETE_ITEM, 1025, 1, FALSE), ==, 2);
    g_assert_cmpfloat(ddb_units_per_item(DDB_GET_ITEM, 4097, 1, TRUE), ==, 2);
    g_assert_cmpfloat(ddb_units_per_item(DDB_GET_ITEM, 100, 1, FALSE), ==, 0.5);
    /* Transactions: twice the standard cost, reads always as strong ones. */
    g_assert_cmpfloat(ddb_units_per_item(DDB_TRANSACT_WRITE_ITEMS, 2048, 1, FALSE), ==, 4);
    g_assert_cmpfloat(ddb_units_per_item(DDB_TRANSACT_GET_ITEMS, 6 * 1024, 1, FALSE), ==, 4);
    /* Batches: each item as its single operation. */
    g_assert_cmpfloat(ddb_units_per_item(DDB_BATCH_WRITE_ITEM, 1500, 25, FALSE), ==, 2);
    g_assert_cmpfloat(ddb_units_per_item(DDB_BATCH_GET_ITEM, 1500, 100, FALSE), ==, 0.5);
    /* Query and Scan: the total read, not each item rounded: 100 items of
     * 100 bytes are 10,000 bytes, 3 blocks (AWS's example: a Query of
     * items adding up to 40.8 KB costs 10.5 RCU eventually consistent). */
    g_assert_cmpfloat(ddb_units_per_item(DDB_QUERY, 100, 100, TRUE), ==, 3);
    g_assert_cmpfloat(ddb_units_per_item(DDB_QUERY, 100, 100, FALSE), ==, 1.5);
    g_assert_cmpfloat(ddb_units_per_item(DDB_SCAN, 40 * 1024 + 819, 1, FALSE), ==, 5.5);
    /* Pages of 1 MB. */
    g_assert_cmpuint(ddb_pages(DDB_QUERY, 1024, 1024), ==, 1);
    g_assert_cmpuint(ddb_pages(DDB_QUERY, 1024, 1025), ==, 2);
    g_assert_cmpuint(ddb_pages(DDB_SCAN, 400 * 1024, 10), ==, 4);
    g_assert_cmpuint(ddb_pages(DDB_GET_ITEM, 400 * 1024, 1), ==, 1);
    /* Limits. */
    g_assert_cmpuint(ddb_op_max_items(DDB_BATCH_GET_ITEM), ==, 100);
    g_assert_cmpuint(ddb_op_max_items(DDB_BATCH_WRITE_ITEM), ==, 25);
    g_assert_cmpuint(ddb_op_max_items(DDB_TRANSACT_WRITE_ITEMS), ==, 100);
    g_assert_cmpint(ddb_op_max_bytes(DDB_BATCH_WRITE_ITEM), ==, 16 * 1024 * 1024);
    g_assert_cmpint(ddb_op_max_bytes(DDB_TRANSACT_GET_ITEMS), ==, 4 * 1024 * 1024);
}

static void test_partitions_formula(void)
{
    g_assert_cmpuint(ddb_partitions_for(3000, 1000, 0), ==, 2);
    g_assert_cmpuint(ddb_partitions_for(3000, 0, 0), ==, 1);
    g_assert_cmpuint(ddb_partitions_for(300, 900, 0), ==, 1);
    g_assert_cmpuint(ddb_partitions_for(1000, 500, 0), ==, 1);   /* 0.333 + 0.5 */
    g_assert_cmpuint(ddb_partitions_for(5, 5, 50LL << 30), ==, 5); /* 50 GB: by size */
    g_assert_cmpuint(ddb_partitions_for(5, 5, (10LL << 30) + 1), ==, 2);
    g_assert_cmpuint(ddb_partitions_for(12000, 4000, 0), ==, 8);
}

/* One workload at a constant rate of one operation against `orders`;
 * `table` is the table's own keys (indented by 4). */
static TestRun *run_one(const char *duration, const char *rate, const char *request, const char *table,
                        const char *interval)
{
    char *text = g_strdup_printf("name: t\nduration: %s\nsample_interval: %s\nseed: 3\n"
                                 "workloads:\n  - name: users\n    target: orders\n"
                                 "    arrival: {process: constant, rate: %s}\n    request: %s\n"
                                 "components:\n  - name: orders\n    type: dynamodb\n%s",
                                 duration, interval, rate, request, table);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

static void test_seed_samples(void)
{
    static const struct {
        const char *rate;
        double rate_per_s;
        const char *request, *metric;
        double per_second;
    } samples[] = {
        {"20/s", 20, "{operation: PutItem, size: 2KB}", "ConsumedWriteCapacityUnits", 40},
        {"120/m", 2, "{operation: PutItem, size: 4608}", "ConsumedWriteCapacityUnits", 10},
        {"10/s", 10, "{operation: GetItem, consistent: true, size: 4KB}", "ConsumedReadCapacityUnits", 10},
        {"10/s", 10, "{operation: GetItem, size: 6KB}", "ConsumedReadCapacityUnits", 10},
        /* the table's item_size applies when the request gives none */
        {"10/s", 10, "{operation: PutItem}", "ConsumedWriteCapacityUnits", 30},
    };
    for (guint i = 0; i < G_N_ELEMENTS(samples); i++) {
        TestRun *r = run_one("10m", samples[i].rate, samples[i].request,
                             "    read_capacity: 1000\n    write_capacity: 1000\n    item_size: 2100\n", "10s");
        /* Constant arrivals: the n-th at n / rate, the last at 600 s not
         * in the run. */
        double requests = test_sum(r, "orders", "Requests");
        g_assert_cmpfloat(fabs(requests - samples[i].rate_per_s * 600), <=, 1);
        g_assert_cmpfloat(test_sum(r, "orders", samples[i].metric) / requests * samples[i].rate_per_s, ==,
                          samples[i].per_second);
        g_assert_cmpfloat(test_sum(r, "orders", "ThrottledRequests"), ==, 0);
        test_run_free(r);
    }
}

/* ---- throttling ---------------------------------------------------------------- */

static void test_throttle_one_third(void)
{
    /* 150 writes/s of 1 KB on 100 WCU, no burst: the bucket's 100 at the
     * start, then 100 a second; the rest, a third, is throttled. */
    TestRun *r = run_one("10m", "150/s", "{operation: PutItem, size: 1KB}",
                         "    read_capacity: 100\n    write_capacity: 100\n    burst_capacity: false\n", "10s");
    double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
    double throttled = test_sum(r, "orders", "WriteThrottleEvents");
    g_assert_cmpfloat(fabs(served - (100 + 100 * 600)), <=, 1);
    g_assert_cmpfloat(served + throttled, ==, test_sum(r, "orders", "Requests"));
    g_assert_cmpfloat(fabs(throttled / (150 * 600) - 1.0 / 3), <, 0.002);
    g_assert_cmpfloat(test_sum(r, "orders", "WriteKeyRangeThroughputThrottleEvents"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "orders", "ThrottledRequests"), ==, throttled);
    test_run_free(r);
}

static void test_hot_key_ceiling(void)
{
    /* One key at 1,500 writes/s: its partition serves at most 1,000 a
     * second whatever the table has (4,000 WCU, burst and adaptive on). */
    TestRun *r = run_one("5m", "1500/s", "{operation: PutItem, size: 1KB}",
                         "    write_capacity: 4000\n    keys: {count: 1}\n", "10s");
    double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
    g_assert_cmpfloat(served, <=, 1000 + 1000 * 300 + 1);
    g_assert_cmpfloat(served, >=, 1000 * 300);
    g_assert_cmpfloat(test_sum(r, "orders", "HotItemsIsolated"), ==, 0);   /* nothing to isolate it from */
    /* every throttle is the partition's limit (KeyRangeThroughputExceeded) */
    g_assert_cmpfloat(test_sum(r, "orders", "WriteKeyRangeThroughputThrottleEvents"), ==,
                      test_sum(r, "orders", "WriteThrottleEvents"));
    test_run_free(r);
    /* The same load over 100,000 uniform keys: 5 partitions of 800 WCU,
     * about 300 writes/s each: never throttled. */
    r = run_one("5m", "1500/s", "{operation: PutItem, size: 1KB}",
                "    write_capacity: 4000\n    keys: {count: 100000}\n", "10s");
    g_assert_cmpfloat(test_sum(r, "orders", "ConsumedWriteCapacityUnits"), ==, test_sum(r, "orders", "Requests"));
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents"), ==, 0);
    test_run_free(r);
}

static void test_burst_exhaustion(void)
{
    /* 100 WCU idle for 400 s: the bank fills to 300 s x 100 = 30,000 by
     * 300 s.  From 400 s, 200 writes/s: 100 from the share, 100 from the
     * bank (and the bucket's 100): throttles begin at 400 + 30,100 / 100
     * = 701 s. */
    const char *table = "    read_capacity: 100\n    write_capacity: 100\n";
    const char *text_fmt = "name: t\nduration: 15m\nsample_interval: 1s\nseed: 3\n"
                           "workloads:\n  - name: users\n    target: orders\n"
                           "    arrival: {process: constant, schedule: [[0s, 0/s], [400s, 0/s], [400.001s, 200/s]]}\n"
                           "    request: {operation: PutItem, size: 1KB}\n"
                           "components:\n  - name: orders\n    type: dynamodb\n%s%s";
    char *text = g_strdup_printf(text_fmt, table, "");
    TestRun *r = test_run_text(text, NULL);
    gint first = test_first_row_above(r, "orders", "WriteThrottleEvents", 0);
    g_assert_cmpint(first, >=, 0);
    g_test_message("burst: first throttle in the second ending %.0f s", test_row_time(r, (guint)first));
    g_assert_cmpfloat(test_row_time(r, (guint)first), >=, 701);
    g_assert_cmpfloat(test_row_time(r, (guint)first), <=, 703);
    /* after it, 100 a second are served */
    g_assert_cmpfloat(fabs(test_sum_rows(r, "orders", "ConsumedWriteCapacityUnits", 720, 900) - 180 * 100), <=, 2);
    test_run_free(r);
    g_free(text);
    /* Without burst capacity the surge is throttled at once. */
    text = g_strdup_printf(text_fmt, table, "    burst_capacity: false\n");
    r = test_run_text(text, NULL);
    first = test_first_row_above(r, "orders", "WriteThrottleEvents", 0);
    g_assert_cmpfloat(test_row_time(r, (guint)first), <=, 402);
    test_run_free(r);
    g_free(text);
}

static void test_adaptive_capacity(void)
{
    /* 1,500 WCU: two partitions of 750.  One key at 900 writes/s: without
     * adaptive capacity its partition serves its share, 750 a second;
     * with it, the idle partition's unused capacity makes up the rest.
     * At 1,200 a second, even adaptive capacity stops at the partition's
     * 1,000. */
    static const struct { const char *rate, *adaptive; double per_second; } cases[] = {
        {"900/s", "false", 750}, {"900/s", "true", 900}, {"1200/s", "true", 1000},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *table = g_strdup_printf("    read_capacity: 1\n    write_capacity: 1500\n    keys: {count: 1}\n"
                                      "    burst_capacity: false\n    adaptive_capacity: %s\n", cases[i].adaptive);
        TestRun *r = run_one("5m", cases[i].rate, "{operation: PutItem, size: 1KB}", table, "10s");
        double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
        g_test_message("%s, adaptive %s: %.0f served", cases[i].rate, cases[i].adaptive, served);
        g_assert_cmpfloat(fabs(served / 300 - cases[i].per_second), <=, cases[i].per_second * 0.005 + 4);
        test_run_free(r);
        g_free(table);
    }
}

static void test_hot_item_isolation(void)
{
    /* Two keys, 600 writes/s each, that hash onto the same partition:
     * 1,200 a second is over its 1,000, so a fifth is throttled.  After a
     * minute over half its limit the partition watches its keys; at the
     * next minute it moves the heavier one to a partition of its own, and
     * each partition's 600 a second is served in full. */
    guint n = 0;
    for (guint k = 2; k < 64 && !n; k++) {
        DdbSpace s = {0};
        ddb_space_init(&s, k, 0, FALSE, FALSE);
        if (ddb_partition_of(&s, 0) == ddb_partition_of(&s, 1)) n = k;
        ddb_space_clear(&s);
    }
    g_assert_cmpuint(n, >, 0);
    char *table = g_strdup_printf("    read_capacity: 1\n    write_capacity: %u\n    keys: {count: 2}\n"
                                  "    burst_capacity: false\n", n * 1000 - 1);
    TestRun *r = run_one("5m", "1200/s", "{operation: PutItem, size: 1KB}", table, "1s");
    g_assert_cmpfloat(test_component_value(r, 0, "orders", "Partitions"), ==, n);
    g_assert_cmpfloat(test_sum(r, "orders", "HotItemsIsolated"), ==, 1);
    double before = test_sum_rows(r, "orders", "WriteThrottleEvents", 0, 120);
    double after = test_sum_rows(r, "orders", "WriteThrottleEvents", 120, 300);
    g_test_message("%u partitions: %.0f throttled before 2 min, %.0f after", n, before, after);
    g_assert_cmpfloat(fabs(before - 200 * 120), <=, 1000 + 2);
    g_assert_cmpfloat(after, ==, 0);
    g_assert_cmpfloat(test_component_value(r, 200, "orders", "Partitions"), ==, n + 1);
    test_run_free(r);
    g_free(table);
}

/* ---- on-demand ------------------------------------------------------------------- */

static void test_on_demand(void)
{
    /* Writes come in batches of 25 items (each item an event of its own),
     * to keep the run short.  A new on-demand table takes 4,000 writes/s
     * at once. */
#define BATCH "{operation: BatchWriteItem, items: 25, size: 1KB}"
    TestRun *r = run_one("5m", "156/s", BATCH, "    mode: on_demand\n", "10s");
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents"), ==, 0);
    test_run_free(r);
    /* 10,000 writes/s at once: capacity starts at 4,000 and grows towards
     * twice the peak by at most 2^(1/30) a minute, so it reaches 10,000
     * after ceil(30 log2(2.5)) = 40 minutes (AWS: traffic more than double
     * the previous peak within 30 minutes may be throttled). */
    r = run_one("50m", "400/s", BATCH, "    mode: on_demand\n", "60s");
    double first_minute = test_component_value(r, 0, "orders", "ConsumedWriteCapacityUnits");
    g_assert_cmpfloat(fabs(first_minute - 4000 * 60), <=, 4000 + 25);
    gint last = -1;
    for (guint i = 0; i < test_n_rows(r); i++)
        if (test_component_value(r, i, "orders", "WriteThrottleEvents") > 0) last = (gint)i;
    g_test_message("on-demand: throttled until the minute ending %.0f s", test_row_time(r, (guint)last));
    g_assert_cmpfloat(test_row_time(r, (guint)last), ==, 40 * 60);
    /* It keeps growing towards twice the peak, 20,000, with partitions
     * for it (each 1,000 WCU of hard limit): 8, then 16. */
    for (guint i = 0; i < test_n_rows(r); i++) {   /* the growth at i minutes falls in row i */
        double now = test_component_value(r, i, "orders", "ProvisionedWriteCapacityUnits.max");
        g_assert_cmpfloat(fabs(now / (4000 * pow(2, i / 30.0)) - 1), <, 1e-9);
    }
    double capacity = test_summary(r, "orders", "ProvisionedWriteCapacityUnits").max;
    /* Partitions double when the capacity needs more than there are. */
    guint partitions = ddb_partitions_for(12000, 4000, 0);
    while (partitions < ddb_partitions_for(12000, capacity, 0)) partitions *= 2;
    g_assert_cmpfloat(test_summary(r, "orders", "Partitions").max, ==, partitions);
    test_run_free(r);
    /* Twice the previous peak is served at once: 3,000/s for 30 minutes,
     * then 6,000/s (over the initial 4,000). */
    char *text = g_strdup("name: t\nduration: 40m\nsample_interval: 60s\nseed: 3\n"
                          "workloads:\n  - name: users\n    target: orders\n"
                          "    arrival: {process: constant, schedule: [[0s, 120/s], [30m, 120/s], "
                          "[30.001m, 240/s]]}\n    request: " BATCH "\n"
                          "components:\n  - name: orders\n    type: dynamodb\n    mode: on_demand\n");
    r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents"), ==, 0);
    test_run_free(r);
    g_free(text);
#undef BATCH
}

/* ---- auto scaling ------------------------------------------------------------------ */

static void test_auto_scaling(void)
{
    /* 100 WCU at 50 writes/s, target 70%.  At 10 min the load steps to
     * 200/s (the burst bank keeps it served): the datapoints of minutes
     * 11 and 12 are over the target, so at 12:00 the capacity becomes
     * ceil(200 / 0.7) = 286.  At 30 min the load falls back to 50/s:
     * 15 datapoints below 80% of the target (minutes 31 .. 45), so at
     * 45:00 it becomes ceil(50 / 0.7) = 72. */
    const char *text = "name: t\nduration: 60m\nsample_interval: 60s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: constant, schedule: [[0s, 50/s], [10m, 50/s], [10.0001m, 200/s], "
                       "[30m, 200/s], [30.0001m, 50/s]]}\n    request: {operation: PutItem, size: 1KB}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 5\n"
                       "    write_capacity: 100\n    auto_scaling: {write: {min: 5, max: 1000, target: 70}}\n";
    TestRun *r = test_run_text(text, NULL);
    for (guint i = 0; i < test_n_rows(r); i++) {
        double t = test_row_time(r, i), wcu = test_component_value(r, i, "orders", "ProvisionedWriteCapacityUnits");
        double expect = t <= 12 * 60 ? 100 : t <= 45 * 60 ? 286 : 72;
        if (wcu != expect) g_error("at %.0f s: %.1f WCU provisioned, expected %.0f", t, wcu, expect);
    }
    g_assert_cmpfloat(test_sum(r, "orders", "ScalingActivities"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents"), ==, 0);
    test_run_free(r);
}

static void test_scale_in_limit(void)
{
    /* DynamoDB allows 4 decreases in a day, then one in each hour without
     * one.  The load falls by 40% every 16 minutes (from 1,000 writes/s,
     * 12 times), so a decrease is due 15 datapoints after each fall or
     * after the last decrease: at 31, 47, 63 and 79 minutes; the 5th must
     * then wait for an hour without one, to 139 minutes, and the 6th to
     * 199 minutes. */
    static const double expected_minutes[] = {31, 47, 63, 79, 139, 199};
    GString *sched = g_string_new("[[0s, 1000/s]");
    double rate = 1000;
    for (int i = 1; i <= 12; i++) {
        rate *= 0.6;
        g_string_append_printf(sched, ", [%dm, %.3f/s], [%d.0001m, %.3f/s]", 16 * i, rate / 0.6, 16 * i, rate);
    }
    g_string_append(sched, "]");
    char *text = g_strdup_printf("name: t\nduration: 4h\nsample_interval: 60s\nseed: 3\n"
                                 "workloads:\n  - name: users\n    target: orders\n"
                                 "    arrival: {process: constant, schedule: %s}\n"
                                 "    request: {operation: PutItem, size: 1KB}\n"
                                 "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 5\n"
                                 "    write_capacity: 1500\n    burst_capacity: false\n"
                                 "    auto_scaling: {write: {min: 1, max: 5000, target: 70}}\n", sched->str);
    TestRun *r = test_run_text(text, NULL);
    GArray *decreases = g_array_new(FALSE, FALSE, sizeof(double));
    double prev = 1500;
    for (guint i = 0; i < test_n_rows(r); i++) {
        /* a change at the start of row i's minute shows in its mean */
        double wcu = test_component_value(r, i, "orders", "ProvisionedWriteCapacityUnits");
        if (wcu < prev) {
            double minute = test_row_time(r, i) / 60 - 1;
            g_test_message("decrease %u at %.0f min, to %.0f WCU", decreases->len + 1, minute, wcu);
            g_array_append_val(decreases, minute);
        }
        prev = wcu;
    }
    g_assert_cmpuint(decreases->len, ==, G_N_ELEMENTS(expected_minutes));
    for (guint i = 0; i < decreases->len; i++)
        g_assert_cmpfloat(g_array_index(decreases, double, i), ==, expected_minutes[i]);
    g_array_free(decreases, TRUE);
    g_string_free(sched, TRUE);
    test_run_free(r);
    g_free(text);
}

/* ---- indexes, batches, transactions ------------------------------------------------- */

static void test_gsi_throttles_table(void)
{
    /* A table with 1,000 WCU and an index with 50: 100 writes/s are
     * served at the index's 50 a second (and its bucket's 50 at the
     * start); each write the index refuses is a throttle of both. */
    TestRun *r = run_one("10m", "100/s", "{operation: PutItem, size: 1KB}",
                         "    read_capacity: 100\n    write_capacity: 1000\n    burst_capacity: false\n"
                         "    global_secondary_indexes: [{name: by-customer, read_capacity: 10, write_capacity: 50}]\n",
                         "10s");
    double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
    double refused = test_sum(r, "orders", "Requests") - served;
    g_assert_cmpfloat(fabs(served - (50 + 50 * 600)), <=, 1);
    g_assert_cmpfloat(test_sum(r, "orders", "ConsumedWriteCapacityUnits.by-customer"), ==, served);
    /* AWS: the table's WriteThrottleEvents counts its own events only; the
     * index's are under the index; ThrottledRequests counts the requests. */
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents.by-customer"), ==, refused);
    g_assert_cmpfloat(test_sum(r, "orders", "WriteThrottleEvents"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "orders", "ThrottledRequests"), ==, refused);
    test_run_free(r);
    /* Reads do not touch the index. */
    r = run_one("1m", "100/s", "{operation: GetItem, size: 1KB}",
                "    read_capacity: 100\n    write_capacity: 1000\n"
                "    global_secondary_indexes: [{name: by-customer, read_capacity: 1, write_capacity: 1}]\n", "10s");
    g_assert_cmpfloat(test_sum(r, "orders", "ReadThrottleEvents"), ==, 0);
    test_run_free(r);
}

static void test_batch_unprocessed_retried(void)
{
    /* One BatchWriteItem of 25 one-KB items on a 10-WCU table: 10 served,
     * 15 unprocessed; the client resends those 15 after 1 s (10 served,
     * 5 left) and the 5 after 2 s more. */
    const char *text = "name: t\nduration: 1m\nsample_interval: 1s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: constant, schedule: [[0s, 0/s], [0.5s, 0/s], [0.5001s, 1/s], "
                       "[1.6s, 1/s], [1.6001s, 0/s]]}\n"
                       "    request: {operation: BatchWriteItem, items: 25, size: 1KB}\n"
                       "    client: {retries: {base: 1s, jitter: none}}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 10\n"
                       "    write_capacity: 10\n    burst_capacity: false\n    adaptive_capacity: false\n";
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "users", "Requests"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "users", "Succeeded"), ==, 1);
    g_assert_cmpfloat(test_sum(r, "users", "Retries"), ==, 2);
    g_assert_cmpfloat(test_sum(r, "orders", "ConsumedWriteCapacityUnits"), ==, 25);
    g_assert_cmpfloat(test_sum(r, "orders", "UnprocessedItems"), ==, 15 + 5);
    test_run_free(r);
}

static void test_transaction_all_or_nothing(void)
{
    /* TransactWriteItems of 10 items of 1 KB cost 20 WCU.  A key whose
     * partition is out of capacity refuses the whole transaction: on an
     * exhausted 5-WCU table, 1 transaction a second is served about every
     * 4 s (its 20 units are paid back at 5 a second) and the rest throttled
     * whole, never partly. */
    TestRun *r = run_one("10m", "1/s", "{operation: TransactWriteItems, items: 10, size: 1KB}",
                         "    read_capacity: 5\n    write_capacity: 5\n    burst_capacity: false\n", "10s");
    double served = test_sum(r, "orders", "ConsumedWriteCapacityUnits");
    g_assert_cmpfloat(fmod(served, 20), ==, 0);
    g_assert_cmpfloat(fabs(served / 600 - 5), <=, 0.2);
    g_assert_cmpfloat(test_sum(r, "orders", "UnprocessedItems"), ==, 0);
    test_run_free(r);
}

/* ---- retries, latency, faults ----------------------------------------------- */

static void test_sdk_retry_defaults(void)
{
    /* `retries: {}` against a table: the DynamoDB SDK's 10 retries, so
     * during an outage each request is tried 11 times. */
    const char *text = "name: t\nduration: 10m\nsample_interval: 10s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: constant, rate: 1/s}\n    request: {operation: GetItem}\n"
                       "    client: {retries: {}}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n"
                       "faults:\n  - {at: 0s, kind: outage, component: orders, duration: 1h}\n";
    TestRun *r = test_run_text(text, NULL);
    double requests = test_sum(r, "users", "Requests"), failed = test_sum(r, "users", "Failed");
    g_assert_cmpfloat(requests, >, 500);
    /* every one that finished had 11 attempts */
    g_assert_cmpfloat(test_sum(r, "users", "Retries"), >=, 10 * failed);
    g_assert_cmpfloat(test_sum(r, "orders", "SystemErrors"), >=, 11 * failed);
    g_assert_cmpfloat(test_sum(r, "users", "Succeeded"), ==, 0);
    test_run_free(r);
}

static void test_retry_asks_the_same(void)
{
    /* A retry asks for what its first attempt asked (the table's memo,
     * request.h): with a 50/50 mix of GetItem and PutItem on a table that
     * has reads to spare and 1 WCU, a throttled PutItem stays a PutItem
     * through its 5 retries rather than being drawn again as a GetItem.
     * So half the calls are reads, served at once (0.5 RCU each), and
     * nearly every write fails after 6 attempts. */
    const char *text = "name: t\nduration: 10m\nsample_interval: 10s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: poisson, rate: 20/s}\n    request: {size: 1KB}\n"
                       "    client: {retries: {max: 5, base: 1ms, cap: 2ms}}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 1000\n"
                       "    write_capacity: 1\n    burst_capacity: false\n    adaptive_capacity: false\n"
                       "    operations: [{operation: GetItem, share: 0.5}, {operation: PutItem, share: 0.5}]\n";
    TestRun *r = test_run_text(text, NULL);
    double calls = test_sum(r, "users", "Requests"), reads = test_sum(r, "orders", "ConsumedReadCapacityUnits") / 0.5;
    double se = sqrt(0.25 / calls);
    g_test_message("%.0f calls, %.0f reads (%.4f), %.0f writes served", calls, reads, reads / calls,
                   test_sum(r, "orders", "ConsumedWriteCapacityUnits"));
    g_assert_cmpfloat(fabs(reads / calls - 0.5), <, 4 * se);
    /* the writes: at most 1 a second gets through; the rest fail, but for
     * those still between retries when the run ends (Outstanding's last) */
    double writes = calls - reads;
    double in_flight = test_summary(r, "users", "Outstanding").last;
    g_assert_cmpfloat(test_sum(r, "orders", "ConsumedWriteCapacityUnits"), <=, 600 + 1);
    g_assert_cmpfloat(in_flight, <=, 2);   /* 20/s x ~10 ms of backoff and service */
    g_assert_cmpfloat(test_sum(r, "users", "Failed"), >=, writes - 600 - 1 - in_flight);
    test_run_free(r);
}

static void test_latency_and_slowdown(void)
{
    /* The default latency: lognormal, mean 5 ms; a slowdown of 3 makes it
     * 15 ms. */
    TestRun *r = run_one("20m", "200/s", "{operation: GetItem}", "    read_capacity: 1000\n", "10s");
    guint mean = test_series(r, "/components/orders", "SuccessfulRequestLatency.mean");
    guint count = test_series(r, "/components/orders", "Requests");
    double m, se;
    test_batch_means(r, mean, count, 0, &m, &se);
    test_assert_agrees("SuccessfulRequestLatency", m, 0.005, se);
    test_run_free(r);
    const char *text = "name: t\nduration: 20m\nsample_interval: 10s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: constant, rate: 200/s}\n    request: {operation: GetItem}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 1000\n"
                       "faults:\n  - {at: 0s, kind: slowdown, component: orders, factor: 3, duration: 1h}\n";
    r = test_run_text(text, NULL);
    mean = test_series(r, "/components/orders", "SuccessfulRequestLatency.mean");
    count = test_series(r, "/components/orders", "Requests");
    test_batch_means(r, mean, count, 0, &m, &se);
    test_assert_agrees("SuccessfulRequestLatency, slowed down 3x", m, 0.015, se);
    test_run_free(r);
}

static void test_deterministic(void)
{
    const char *table = "    write_capacity: 300\n    keys: {count: 1000, distribution: zipf}\n"
                        "    operations: [{operation: GetItem, share: 0.7}, {operation: PutItem, share: 0.3}]\n";
    TestRun *a = run_one("5m", "800/s", "{}", table, "10s");
    TestRun *b = run_one("5m", "800/s", "{}", table, "10s");
    g_assert_cmpuint(a->rows->len, ==, b->rows->len);
    g_assert_cmpint(memcmp(a->rows->data, b->rows->data, a->rows->len * sizeof(double)), ==, 0);
    /* the mix: 70% reads */
    double reads = test_sum(a, "orders", "ConsumedReadCapacityUnits") + test_sum(a, "orders", "ReadThrottleEvents") * 0.5;
    double requests = test_sum(a, "orders", "Requests");
    double p = 0.7, se = sqrt(p * (1 - p) / requests);
    g_assert_cmpfloat(fabs(reads / 0.5 / requests - p), <, 4 * se);
    test_run_free(a);
    test_run_free(b);
}

/* ---- streams ---------------------------------------------------------------------- */

/* `orders` with a stream, written at `rate` by `users`; `readers` Lambda
 * functions (fn0, fn1 ...) read it.  `table` adds to the table's keys. */
static TestRun *run_stream(const char *duration, const char *rate, const char *request, const char *table,
                           guint readers)
{
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "name: t\nduration: %s\nsample_interval: 10s\nseed: 3\n"
                           "workloads:\n  - name: users\n    target: orders\n"
                           "    arrival: {process: constant, rate: %s}\n    request: %s\n"
                           "components:\n  - name: orders\n    type: dynamodb\n    stream: true\n%s",
                           duration, rate, request, table);
    for (guint i = 0; i < readers; i++)
        g_string_append_printf(text, "  - name: fn%u\n    type: lambda\n    cold_start: 0s\n"
                               "    duration: 5ms\n"
                               "    event_source: {source: orders, batch_size: 100}\n", i);
    TestRun *r = test_run_text(text->str, NULL);
    g_string_free(text, TRUE);
    return r;
}

static void test_stream_records(void)
{
    /* Every write served is one record: 100 PutItems a second for 10
     * minutes on ample capacity; the reads are none.  A Lambda trigger
     * gets them all, polling each shard 4 times a second, and its reads
     * are not billed. */
    TestRun *r = run_stream("10m", "100/s", "{operation: PutItem, size: 1KB}",
                            "    read_capacity: 100\n    write_capacity: 1000\n", 1);
    double written = test_sum(r, "orders", "Stream.Records");
    g_assert_cmpfloat(written, ==, test_sum(r, "orders", "ConsumedWriteCapacityUnits"));
    g_assert_cmpfloat(written, ==, test_sum(r, "orders", "Requests"));
    g_assert_cmpfloat(test_sum(r, "orders", "ReturnedRecordsCount"), ==, test_sum(r, "fn0", "PolledEventCount"));
    /* all but the last quarter second's are read (constant arrivals: 25) */
    g_assert_cmpfloat(written - test_sum(r, "fn0", "PolledEventCount"), <=, 25);
    g_assert_cmpfloat(test_sum(r, "orders", "ReturnedBytes"), ==, 1024 * test_sum(r, "orders", "ReturnedRecordsCount"));
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.BilledReadRequests"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.ReadThrottleEvents"), ==, 0);
    /* a shard per partition: ceil(100 / 3,000 + 1,000 / 1,000) = 2 */
    g_assert_cmpfloat(test_summary(r, "orders", "Stream.OpenShards").max, ==, 2);
    /* polls 4 times a second: records wait 125 ms on average for one */
    CirrusMetricSummary age = test_summary(r, "fn0", "IteratorAge");
    g_test_message("IteratorAge: mean %.1f ms, max %.1f ms", age.mean, age.max);
    g_assert_cmpfloat(age.max, <=, 250 + 1);
    test_run_free(r);
    /* Batches and transactions: a record per item. */
    r = run_stream("1m", "10/s", "{operation: BatchWriteItem, items: 25, size: 1KB}",
                   "    write_capacity: 1000\n", 0);
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.Records"), ==, 25 * test_sum(r, "orders", "Requests"));
    test_run_free(r);
    r = run_stream("1m", "10/s", "{operation: GetItem}", "    read_capacity: 100\n", 0);
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.Records"), ==, 0);
    test_run_free(r);
}

static void test_stream_readers(void)
{
    /* AWS: more than two readers per shard may be throttled.  Each Lambda
     * trigger polls every shard 4 times a second: two fit in the 10 calls
     * a second cirrus allows, three do not. */
    TestRun *r = run_stream("2m", "50/s", "{operation: PutItem, size: 1KB}", "    write_capacity: 500\n", 2);
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.ReadThrottleEvents"), ==, 0);
    test_run_free(r);
    r = run_stream("2m", "50/s", "{operation: PutItem, size: 1KB}", "    write_capacity: 500\n", 3);
    double throttled = test_sum(r, "orders", "Stream.ReadThrottleEvents");
    g_test_message("three readers: %.0f GetRecords throttled in 120 s", throttled);
    g_assert_cmpfloat(throttled, >, 100);
    /* nothing is lost: each reader still gets every record (throttled
     * polls are retried) */
    for (guint i = 0; i < 3; i++) {
        char name[8];
        g_snprintf(name, sizeof name, "fn%u", i);
        g_assert_cmpfloat(test_sum(r, "orders", "Stream.Records") - test_sum(r, name, "PolledEventCount"), <=, 100);
    }
    test_run_free(r);
}

static void test_stream_follows_partitions(void)
{
    /* The stream's shards follow the partitions: 1,000 WCU is 2 partitions
     * (with 5 RCU), so 2 shards; auto scaling to 2,858 WCU (2,000 writes/s
     * at 70%) needs 3 partitions, so every partition splits: 4, and 4
     * child shards open as the 2 parents close.  The reader reads each
     * parent to its end before its children: no record is lost. */
    TestRun *r = run_stream("10m", "2000/s", "{operation: PutItem, size: 1KB}",
                            "    read_capacity: 5\n    write_capacity: 1000\n"
                            "    auto_scaling: {write: {min: 100, max: 10000, target: 70}}\n", 1);
    g_assert_cmpfloat(test_component_value(r, 0, "orders", "Stream.OpenShards"), ==, 2);
    g_assert_cmpfloat(test_summary(r, "orders", "Partitions").max, ==, 4);
    g_assert_cmpfloat(test_summary(r, "orders", "Stream.OpenShards").max, ==, 4);
    double written = test_sum(r, "orders", "Stream.Records");
    g_assert_cmpfloat(written, ==, test_sum(r, "orders", "ConsumedWriteCapacityUnits"));
    g_assert_cmpfloat(written - test_sum(r, "fn0", "PolledEventCount"), <=, 4 * 2000 / 4);
    test_run_free(r);
}

/* `poller`: a stream reader that is not a Lambda trigger (a KCL worker, an
 * application calling GetRecords): reads every shard it is told of, once
 * a second, from where it got to; counts the GetRecords answered and the
 * records. */
enum { POLLER_POLL = CIRRUS_EVENT_MODEL };

typedef struct {
    char *source_name;
    const CirrusNode *source_at;
    CirrusComponent *source;
    GHashTable *position;       /* shard -> the position to read after */
    gint64 answered, records;
} Poller;

static gboolean poller_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Poller *p = state;
    const char *source;
    (void)self;
    if (!cirrus_cfg_string(cfg, "source", NULL, &source, error)) return FALSE;
    p->source_name = g_strdup(source);
    p->source_at = cirrus_node_peek(cfg, "source");
    p->position = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    return TRUE;
}

static gboolean poller_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Poller *p = state;
    p->source = cirrus_stream_lookup(self, sc, p->source_at, p->source_name, FALSE, error);
    return p->source != NULL;
}

static void poller_start(CirrusComponent *self, void *state)
{
    Poller *p = state;
    cirrus_stream_register(self, p->source, CIRRUS_STREAM_SHARED, CIRRUS_STREAM_TRIM_HORIZON, 1000, FALSE);
}

static void poller_read(CirrusComponent *self, Poller *p, guint shard)
{
    guint64 *at = g_hash_table_lookup(p->position, GUINT_TO_POINTER(shard));
    cirrus_stream_get_records(self, p->source, shard, *at);
}

static void poller_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Poller *p = state;
    if (ev->kind == CIRRUS_STREAM_SHARD) {
        guint shard = cirrus_stream_shard(ev).shard;
        guint64 *at = g_new(guint64, 1);
        *at = CIRRUS_STREAM_POS(shard, CIRRUS_STREAM_START);
        g_hash_table_insert(p->position, GUINT_TO_POINTER(shard), at);
        poller_read(self, p, shard);
    } else if (ev->kind == CIRRUS_STREAM_RECORDS) {
        CirrusStreamRecords got = cirrus_stream_records(self, ev);
        if (!(got.flags & (CIRRUS_STREAM_THROTTLED | CIRRUS_STREAM_FAILED))) p->answered++;
        p->records += got.count;
        for (CirrusRequest *r = got.records, *next; r; r = next) {
            next = cirrus_batch_next(r);
            if (!next) *(guint64 *)g_hash_table_lookup(p->position, GUINT_TO_POINTER(got.shard)) =
                           cirrus_stream_position(r);
            cirrus_request_free(self, r);
        }
        if (!(got.flags & CIRRUS_STREAM_END)) cirrus_schedule(self, CIRRUS_SEC, POLLER_POLL, NULL, got.shard);
    } else if (ev->kind == POLLER_POLL) {
        poller_read(self, p, (guint)ev->data);
    }
}

static void poller_destroy(CirrusComponent *self, void *state)
{
    Poller *p = state;
    (void)self;
    g_free(p->source_name);
    if (p->position) g_hash_table_destroy(p->position);
}

static const CirrusModelType poller_type = {
    .name = "poller", .state_size = sizeof(Poller), .configure = poller_configure, .link = poller_link,
    .start = poller_start, .handle = poller_handle, .destroy = poller_destroy,
    .metrics = (const CirrusMetricDef[]){{NULL, 0, NULL}},
};

static void test_stream_billed_reads(void)
{
    /* A reader that is not a Lambda trigger pays for its GetRecords: one
     * stream read request unit ($0.02 per 100,000) per call answered.  It
     * reads the table's 2 shards once a second for 10 minutes, and gets
     * every record. */
    static const CirrusModelType *const types[] = {&cirrus_workload_type, &cirrus_dynamodb_type, &poller_type, NULL};
    const CirrusRegistry registry = {
        .types = types, .workload_type = "workload", .read_globals = cirrus_globals_read,
        .prepare = cirrus_models_prepare,
    };
    const char *text = "name: t\nduration: 10m\nsample_interval: 10s\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n"
                       "    arrival: {process: constant, rate: 100/s}\n    request: {operation: PutItem, size: 1KB}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n    read_capacity: 100\n"
                       "    write_capacity: 1000\n    stream: true\n"
                       "  - {name: app, type: poller, source: orders}\n";
    TestRun *r = test_run_with(text, &registry, NULL, CIRRUS_PES_DEFAULT);
    const Poller *app = cirrus_component_state(cirrus_sim_find(r->sim, "app"));
    double billed = test_sum(r, "orders", "Stream.BilledReadRequests");
    g_test_message("%" G_GINT64_FORMAT " GetRecords answered, %.0f billed, %" G_GINT64_FORMAT " records", app->answered,
                   billed, app->records);
    g_assert_cmpfloat(billed, ==, (double)app->answered);
    g_assert_cmpfloat(fabs(billed - 2 * 600), <=, 2);
    g_assert_cmpfloat(test_sum(r, "orders", "Stream.Records") - (double)app->records, <=, 100);
    /* the bill: provisioned capacity for 10 minutes, and the reads */
    double usd = (100 * 0.00013 + 1000 * 0.00065) / 6 + billed * 0.0000002;
    g_assert_cmpfloat(fabs(test_cost_of(r, "orders") - usd), <=, 1e-12 * usd);
    test_run_free(r);
}

static void test_stream_errors(void)
{
    const char *base = "name: t\nduration: 1m\nseed: 3\n"
                       "workloads:\n  - name: users\n    target: orders\n    arrival: {rate: 1/s}\n"
                       "components:\n  - name: orders\n    type: dynamodb\n%s"
                       "  - name: fn\n    type: lambda\n    duration: 5ms\n    event_source: {source: orders%s}\n";
    char *text = g_strdup_printf(base, "", "");
    test_assert_scenario_error(text, NULL, "bad.yaml:14:28:", "stream is off (give the table stream: true)");
    g_free(text);
    text = g_strdup_printf(base, "    stream: true\n", ", fan_out: enhanced");
    test_assert_scenario_error(text, NULL, "bad.yaml:15:28:", "no enhanced fan-out");
    g_free(text);
}

/* ---- bad input -------------------------------------------------------------------- */

static void test_bad_input(void)
{
    static const struct { const char *table, *request, *where, *what; } cases[] = {
        {"    write_capacity: -5\n", "{operation: PutItem}", "bad.yaml:12:21", "write_capacity"},
        {"    mode: on_demand\n    read_capacity: 100\n", "{operation: GetItem}", "bad.yaml:13:20",
         "on_demand table has no provisioned capacity"},
        {"", "{operation: GetItme}", "bad.yaml:7:26", "(did you mean 'GetItem'?)"},
        {"", "{operation: BatchWriteItem, items: 26}", "bad.yaml:7:49", "at most 25 items"},
        {"", "{operation: BatchGetItem, items: 101}", "bad.yaml:7:", "at most 100 items"},
        {"", "{operation: PutItem, size: 401KB}", "bad.yaml:7:41", "400 KB"},
        {"", "{operation: PutItem, items: 3}", "bad.yaml:7:", "one item"},
        {"", "{operation: PutItem, consistent: true}", "bad.yaml:7:", "'consistent' is for reads"},
        {"    item_size: 500KB\n", "{operation: GetItem}", "bad.yaml:12:", "400KB"},
        {"    mode: on_demand\n    auto_scaling: {write: {target: 70}}\n", "{}", "bad.yaml:13:", "scales itself"},
        {"    auto_scaling: {write: {min: 50, max: 10}}\n", "{}", "bad.yaml:12:", "below min"},
        {"    operations: [{operation: BatchGetItem}]\n", "{}", "bad.yaml:12:", "single-item operations"},
        {"    stream: yes please\n", "{}", "bad.yaml:12:", "stream"},
        {"    global_secondary_indexes: [{name: a}, {name: a}]\n", "{}", "bad.yaml:12:", "listed twice"},
        {"    read_capcity: 5\n", "{}", "bad.yaml:12:", "read_capacity"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf("name: t\nduration: 1m\nseed: 3\n"
                                     "workloads:\n  - name: users\n    target: orders\n    request: %s\n"
                                     "    arrival: {rate: 1/s}\n"
                                     "components:\n  - name: orders\n    type: dynamodb\n%s",
                                     cases[i].request, cases[i].table);
        test_assert_scenario_error(text, NULL, cases[i].where, cases[i].what);
        g_free(text);
    }
}

/* DAX in front: eventually consistent GetItems of 1,000 zipf keys at
 * 2,000/s on a 100-RCU table.  Without DAX the table throttles; with DAX
 * (item TTL 60 s) the table sees only the item cache's misses, each
 * 0.5 RCU, the hit ratio follows the TTL formula Σ p_i λ_i T/(1+λ_i T),
 * and nothing is throttled.  Strongly consistent reads pass through;
 * DAX's nodes are billed per hour. */
static TestRun *run_dax(const char *dax, const char *request)
{
    char *text = g_strdup_printf(
        "name: t\nduration: 1210s\nwarmup: 10s\nsample_interval: 60s\nseed: 8\n"
        "workloads:\n  - {name: w, target: t, request: {operation: GetItem%s}, "
        "arrival: {process: poisson, rate: 2000/s}}\n"
        "components:\n  - {name: t, type: dynamodb, read_capacity: 100, write_capacity: 5, burst_capacity: false, "
        "keys: {count: 1000, distribution: zipf, skew: 1.0}%s}\n", request, dax);
    TestRun *r = test_run_text(text, NULL);
    g_free(text);
    return r;
}

static void test_dax(void)
{
    TestRun *r = run_dax("", "");
    double plain_throttled = test_sum(r, "t", "ReadThrottleEvents");
    test_run_free(r);
    r = run_dax(", dax: {nodes: 3, item_ttl: 60s}", "");
    double hits = test_sum(r, "t", "ItemCacheHits"), misses = test_sum(r, "t", "ItemCacheMisses");
    double theory = 0, sum = 0;
    for (guint i = 0; i < 1000; i++) sum += 1.0 / (i + 1);
    for (guint i = 0; i < 1000; i++) {
        double p = 1.0 / (i + 1) / sum, lt = 2000 * p * 60;
        theory += p * lt / (1 + lt);
    }
    /* SE by batch means: each 60-s row a batch (the TTL is 60 s). */
    double ratio = hits / (hits + misses), s1 = 0, s2 = 0;
    guint n = test_n_rows(r);
    for (guint i = 0; i < n; i++) {
        double h = test_component_value(r, i, "t", "ItemCacheHits"), m = test_component_value(r, i, "t", "ItemCacheMisses");
        s1 += h / (h + m);
        s2 += h / (h + m) * h / (h + m);
    }
    double se = sqrt((s2 / n - s1 / n * s1 / n) / (n - 1));
    g_test_message("DAX: hit ratio %.5f (theory %.5f, 4 SE %.5f), table reads %.0f RCU for %.0f misses; throttled %.0f (without "
                   "DAX %.0f)", ratio, theory, 4 * se, test_sum(r, "t", "ConsumedReadCapacityUnits"), misses,
                   test_sum(r, "t", "ReadThrottleEvents"), plain_throttled);
    g_assert_cmpfloat(fabs(ratio - theory), <=, 4 * se);
    g_assert_cmpfloat(test_sum(r, "t", "ConsumedReadCapacityUnits"), ==, 0.5 * misses);
    g_assert_cmpfloat(test_sum(r, "t", "ReadThrottleEvents"), ==, 0);
    g_assert_cmpfloat(plain_throttled, >, 0.9 * 1200 * (2000 - 200));
    g_assert_cmpfloat(fabs(test_cost_of(r, "t") - (1210.0 / 3600 * (3 * 0.269 + 100 * 0.00013 + 5 * 0.00065))), <, 1e-9);
    test_run_free(r);
    /* Strongly consistent reads: never cached, 1 RCU each. */
    r = run_dax(", dax: {nodes: 1}", ", consistent: true");
    g_assert_cmpfloat(test_sum(r, "t", "ItemCacheHits") + test_sum(r, "t", "ItemCacheMisses"), ==, 0);
    g_assert_cmpfloat(test_sum(r, "t", "ReadThrottleEvents"), >, 0);
    test_run_free(r);
    test_assert_scenario_error("name: bad\nduration: 1m\ncomponents:\n"
                               "  - {name: t, type: dynamodb, dax: {node_type: dax.r5.larg}}\n",
                               NULL, "bad.yaml:4:", "did you mean 'dax.r5.large'?");
    test_assert_scenario_error("name: bad\nduration: 1m\ncomponents:\n  - {name: t, type: dynamodb, dax: {nodes: 12}}\n",
                               NULL, "bad.yaml:4:", "'nodes'");
}

/* Writes through DAX update its item cache: a PutItem then a GetItem of
 * the same single key always hits. */
static void test_dax_write_through(void)
{
    TestRun *r = test_run_text(
        "name: t\nduration: 100s\nwarmup: 0s\nseed: 2\n"
        "workloads:\n  - {name: w, target: t, request: {operation: PutItem}, arrival: {process: poisson, rate: 1/s}}\n"
        "  - {name: r, target: t, request: {operation: GetItem}, arrival: {process: poisson, rate: 50/s}}\n"
        "components:\n  - {name: t, type: dynamodb, keys: {count: 1}, dax: {item_ttl: 0s}}\n", NULL);
    /* Only reads before the first write miss (the key was never loaded). */
    double misses = test_sum(r, "t", "ItemCacheMisses"), hits = test_sum(r, "t", "ItemCacheHits");
    g_test_message("write-through: %.0f hits, %.0f misses", hits, misses);
    g_assert_cmpfloat(misses, <=, 1);
    g_assert_cmpfloat(hits, >, 4500);
    test_run_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/dynamodb/capacity/arithmetic", test_units_arithmetic);
    g_test_add_func("/models/dynamodb/capacity/partitions", test_partitions_formula);
    g_test_add_func("/models/dynamodb/capacity/seed-samples", test_seed_samples);
    g_test_add_func("/models/dynamodb/throttle/one-third", test_throttle_one_third);
    g_test_add_func("/models/dynamodb/throttle/hot-key", test_hot_key_ceiling);
    g_test_add_func("/models/dynamodb/throttle/burst", test_burst_exhaustion);
    g_test_add_func("/models/dynamodb/throttle/adaptive", test_adaptive_capacity);
    g_test_add_func("/models/dynamodb/throttle/isolation", test_hot_item_isolation);
    g_test_add_func("/models/dynamodb/on-demand", test_on_demand);
    g_test_add_func("/models/dynamodb/auto-scaling/timing", test_auto_scaling);
    g_test_add_func("/models/dynamodb/auto-scaling/decreases-per-day", test_scale_in_limit);
    g_test_add_func("/models/dynamodb/gsi", test_gsi_throttles_table);
    g_test_add_func("/models/dynamodb/batch/unprocessed", test_batch_unprocessed_retried);
    g_test_add_func("/models/dynamodb/transaction", test_transaction_all_or_nothing);
    g_test_add_func("/models/dynamodb/retries/sdk-defaults", test_sdk_retry_defaults);
    g_test_add_func("/models/dynamodb/retries/same-request", test_retry_asks_the_same);
    g_test_add_func("/models/dynamodb/latency", test_latency_and_slowdown);
    g_test_add_func("/models/dynamodb/deterministic", test_deterministic);
    g_test_add_func("/models/dynamodb/stream/records", test_stream_records);
    g_test_add_func("/models/dynamodb/stream/readers", test_stream_readers);
    g_test_add_func("/models/dynamodb/stream/partitions", test_stream_follows_partitions);
    g_test_add_func("/models/dynamodb/stream/billed-reads", test_stream_billed_reads);
    g_test_add_func("/models/dynamodb/stream/errors", test_stream_errors);
    g_test_add_func("/models/dynamodb/bad-input", test_bad_input);
    g_test_add_func("/models/dynamodb/dax/hot-reads", test_dax);
    g_test_add_func("/models/dynamodb/dax/write-through", test_dax_write_through);
    return g_test_run();
}
