/* cirrus — components' costs (docs/cost.md) against hand-computed bills.
 *
 * Each scenario is deterministic (evenly spaced arrivals, constant service
 * times, fixed capacity), so the number of billed units is known in
 * advance and the bill is asserted to the last few ulps of the arithmetic
 * written out in the test.  Prices come from models/aws/prices/us-east-1.yaml
 * and are written here again, so that a change to the table is noticed. */
#include "testutil.h"
#include "tools/runtables.h"


/* Equal to 1e-12 relative: the same sum, only in another order. */
static void assert_usd(double got, double want)
{
    g_test_message("got %.12g USD, want %.12g", got, want);
    g_assert_cmpfloat(fabs(got - want), <=, 1e-12 * fabs(want));
}

/* 8 requests/s, evenly spaced at 0.125 s (exact in binary), 0.25 s, ...;
 * the one due at the stop time is not sent, so 100 s hold 799 requests
 * and an hour 28,799. */
#define STEADY "arrival: {process: constant, rate: 8/s}\n"

static void test_lambda(void)
{
    /* 799 invocations of 200 ms at 1,024 MB with 2 provisioned.  The one
     * started at 99.875 s ends after the stop: its duration is billed
     * when it ends, outside the run, so 798 durations.
     * Requests 799 x $0.0000002; duration 798 x 0.2 s x 1 GB x
     * $0.0000166667; provisioned 2 x 1 GB x 100 s x $0.0000041667. */
    TestRun *r = test_run_text("name: c\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: fn, " STEADY "}\n"
                               "components:\n"
                               "  - {name: fn, type: lambda, memory: 1024MB, duration: 200ms, cold_start: 0s,\n"
                               "     provisioned_concurrency: 2}\n", NULL);
    g_assert_cmpfloat(test_sum(r, "fn", "Invocations"), ==, 799);
    g_assert_cmpuint(test_summary(r, "fn", "Duration").latency->count, ==, 798);
    assert_usd(test_cost_of(r, "fn"), 799 * 0.0000002 + 798 * 0.2 * 1.0 * 0.0000166667 + 2 * 1.0 * 100 * 0.0000041667);
    test_run_free(r);
    /* Billed durations round up to 1 ms, the cold start included: with
     * handlers of 200.3 ms and cold starts of 100.5 ms, a warm invocation
     * bills 201 ms and a cold one 301 ms (300.8 rounded up, not 201 +
     * 101).  The cold ones all come first and end within the run. */
    r = test_run_text("name: c\nduration: 100s\nworkloads:\n"
                      "  - {name: u, target: fn, " STEADY "}\n"
                      "components:\n"
                      "  - {name: fn, type: lambda, memory: 512MB, duration: 200.3ms, cold_start: 100.5ms}\n", NULL);
    double cold = test_sum(r, "fn", "ColdStarts");
    g_assert_cmpfloat(cold, >=, 2);
    g_assert_cmpuint(test_summary(r, "fn", "Duration").latency->count, ==, 798);
    assert_usd(test_cost_of(r, "fn"), 799 * 0.0000002 + ((798 - cold) * 0.201 + cold * 0.301) * 0.5 * 0.0000166667);
    test_run_free(r);
}

static void test_asg(void)
{
    /* 3 instances for an hour, Pending for their boot and then InService:
     * 3 instance-hours at the m5.large rate, $0.096; with instance.type
     * c5.large, $0.085; with the price overridden, the override. */
    const char *text = "name: c\nduration: 1h\nworkloads:\n"
                       "  - {name: u, target: web, " STEADY "}\n"
                       "components:\n"
                       "  - {name: web, type: asg, min: 3, instance: {service_time: 10ms, workers: 4}}\n";
    TestRun *r = test_run_text(text, NULL);
    assert_usd(test_cost_of(r, "web"), 3 * 0.096);
    test_run_free(r);
    const char *c5[] = {"components.web.instance.type=c5.large", NULL};
    r = test_run_text(text, c5);
    assert_usd(test_cost_of(r, "web"), 3 * 0.085);
    test_run_free(r);
    char *priced = g_strconcat("prices: {ec2.m5.large.hour: 0.1}\n", text, NULL);
    r = test_run_text(priced, NULL);
    assert_usd(test_cost_of(r, "web"), 3 * 0.1);
    test_run_free(r);
    g_free(priced);
}

/* EC2's 60-s minimum per launch: 3 instances at 0 s (no boot time), no
 * traffic; a simple policy on CPU below 50% over 10 s periods removes 2
 * at the first datapoint (10 s), and they are gone at once (no load
 * balancer to drain them).  Billed: the one left for the hour, and 60 s,
 * not 10 s, for each of the other two. */
static void test_asg_minimum(void)
{
    TestRun *r = test_run_text("name: c\nduration: 1h\n"
                               "components:\n"
                               "  - {name: web, type: asg, min: 1, desired: 3, metrics_period: 10s,\n"
                               "     instance: {service_time: 10ms, boot_time: 0s},\n"
                               "     policy: {type: simple, alarm: {threshold: 50, comparison: below}, change: -2, cooldown: 0s}}\n",
                               NULL);
    g_assert_cmpfloat(test_sum(r, "web", "ScalingActivities"), ==, 1);
    assert_usd(test_cost_of(r, "web"), (3600.0 + 2 * 60.0) / 3600.0 * 0.096);
    test_run_free(r);
}

static void test_sqs(void)
{
    /* 799 async sends of 100 KB (two 64 KB chunks each), no consumer:
     * 1,598 requests at $0.40 per million. */
    const char *text = "name: c\nduration: 100s\nworkloads:\n"
                       "  - {name: u, target: q, invocation: async, request: {size: 100KB}, " STEADY "}\n"
                       "components:\n"
                       "  - {name: q, type: sqs}\n";
    TestRun *r = test_run_text(text, NULL);
    g_assert_cmpfloat(test_sum(r, "q", "NumberOfMessagesSent"), ==, 799);
    assert_usd(test_cost_of(r, "q"), 1598 * 0.0000004);
    test_run_free(r);
}

static void test_kinesis(void)
{
    /* 799 records of 30 KB (two 25 KB PUT payload units each) into 2
     * shards for 100 s: 2 x 100/3600 shard-hours x $0.015 + 1,598 units x
     * $0.000000014.  On demand: 100/3600 stream-hours x $0.04 + 799 x
     * 30 KB = 23,970 KB / 2^20 GB x $0.08. */
#define KINESIS(stream) "name: c\nduration: 100s\nworkloads:\n" \
                        "  - {name: u, target: s, request: {size: 30KB}, " STEADY "}\n" \
                        "components:\n  - {name: s, type: kinesis, " stream "}\n"
    TestRun *r = test_run_text(KINESIS("shards: 2"), NULL);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords"), ==, 799);
    assert_usd(test_cost_of(r, "s"), 2 * 100 / 3600.0 * 0.015 + 1598 * 0.000000014);
    test_run_free(r);
    r = test_run_text(KINESIS("mode: on_demand"), NULL);
    g_assert_cmpfloat(test_sum(r, "s", "IncomingRecords"), ==, 799);
    assert_usd(test_cost_of(r, "s"), 100 / 3600.0 * 0.04 + 23970 / 1048576.0 * 0.08);
    test_run_free(r);
}

static void test_dynamodb(void)
{
    /* Provisioned for 100 s: (100 RCU x $0.00013 + 100 WCU x $0.00065) an
     * hour plus an index's 10 and 10; 10 GB stored at $0.25 a GB-month
     * (730 h).  On demand: 799 writes of 2 KB, 2 write request units each,
     * billed on the table and on its index at $0.000000625; 799 eventually
     * consistent reads of 4 KB, half a read request unit each, at
     * $0.000000125. */
#define DYNAMODB(request, table) "name: c\nduration: 100s\nworkloads:\n" \
                                 "  - {name: u, target: t, request: " request ", " STEADY "}\n" \
                                 "components:\n  - {name: t, type: dynamodb, " table "}\n"
    TestRun *r = test_run_text(DYNAMODB("{operation: GetItem}", "read_capacity: 100, write_capacity: 100, "
                                        "size: 10GB, global_secondary_indexes: [{name: g, read_capacity: 10, "
                                        "write_capacity: 10}]"), NULL);
    assert_usd(test_cost_of(r, "t"), 100 / 3600.0 * (110 * 0.00013 + 110 * 0.00065) + 10 * 0.25 * 100 / 3600.0 / 730);
    test_run_free(r);
    r = test_run_text(DYNAMODB("{operation: PutItem, size: 2KB}", "mode: on_demand, "
                               "global_secondary_indexes: [{name: g}]"), NULL);
    g_assert_cmpfloat(test_sum(r, "t", "ConsumedWriteCapacityUnits"), ==, 799 * 2);
    assert_usd(test_cost_of(r, "t"), 799 * 2 * 2 * 0.000000625);
    test_run_free(r);
    r = test_run_text(DYNAMODB("{operation: GetItem, size: 4KB}", "mode: on_demand"), NULL);
    assert_usd(test_cost_of(r, "t"), 799 * 0.5 * 0.000000125);
    test_run_free(r);
}

static void test_rds(void)
{
    /* 100 s.  RDS for PostgreSQL db.m6g.large ($0.159 an hour), Multi-AZ
     * (the standby billed as the primary) and 1 read replica: 3 instance
     * prices; RDS Proxy on its 2 instances of 2 vCPUs at $0.015 a
     * vCPU-hour.  Aurora MySQL db.t4g.medium ($0.073) with 2 replicas: 3
     * instances, and Aurora Standard's I/O, $0.20 per million: one per
     * query, 799 queries. */
#define RDS(db) "name: c\nduration: 100s\nworkloads:\n" \
                "  - {name: u, target: d, request: {operation: write}, " STEADY "}\n" \
                "components:\n  - {name: d, type: rds, query_time: 1ms, " db "}\n"
    TestRun *r = test_run_text(RDS("engine: postgres, instance_class: db.m6g.large, multi_az: true, "
                                   "read_replicas: 1, proxy: {}"), NULL);
    assert_usd(test_cost_of(r, "d"), 100 / 3600.0 * (3 * 0.159 + 2 * 2 * 0.015));
    test_run_free(r);
    r = test_run_text(RDS("engine: aurora-mysql, instance_class: db.t4g.medium, read_replicas: 2"), NULL);
    g_assert_cmpfloat(test_sum(r, "d", "WriteIOPS"), ==, 799);
    assert_usd(test_cost_of(r, "d"), 100 / 3600.0 * 3 * 0.073 + 799 * 0.0000002);
    test_run_free(r);
}

static void test_sns(void)
{
    /* 799 publishes of 1 KB to a topic with one SQS subscriber: 799 x
     * $0.0000005; the delivery is free for SNS and a 1-chunk SendMessage
     * for the queue. */
    TestRun *r = test_run_text("name: c\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: t, invocation: async, " STEADY "}\n"
                               "components:\n"
                               "  - {name: t, type: sns, subscriptions: [{target: q}]}\n"
                               "  - {name: q, type: sqs}\n", NULL);
    assert_usd(test_cost_of(r, "t"), 799 * 0.0000005);
    assert_usd(test_cost_of(r, "q"), 799 * 0.0000004);
    test_run_free(r);
}

static void test_route53(void)
{
    /* ttl 0: every request a query, 799 of them at the latency-policy
     * rate; the zone and one health check prorated over 100 s of a
     * 730-hour month. */
    TestRun *r = test_run_text("name: c\nduration: 100s\nworkloads:\n"
                               "  - {name: u, target: dns, " STEADY "}\n"
                               "components:\n"
                               "  - name: dns\n    type: route53\n    ttl: 0s\n    policy: latency\n"
                               "    records:\n"
                               "      - {target: a, region: us-east-1, health_check: true}\n"
                               "      - {target: b, region: eu-west-1}\n"
                               "  - {name: a, type: service, workers: 4, service_time: 10ms}\n"
                               "  - {name: b, type: service, workers: 4, service_time: 10ms}\n", NULL);
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 799);
    assert_usd(test_cost_of(r, "dns"), 799 * 0.0000006 + 100 / (730 * 3600.0) * (0.50 + 1 * 0.50));
    test_run_free(r);
    /* Alias queries to an AWS resource are free (Route 53 pricing; the
     * seed: "ALIAS does not charge"): one client's queries, all answered
     * by the alias to the load balancer, bill only the zone, while
     * DNSQueries still counts them.  The same set with a plain record
     * (and the alias's 60-s TTL) bills every query. */
    static const char alias[] =
        "name: c\nduration: 100s\nworkloads:\n"
        "  - {name: u, target: dns, clients: 1, " STEADY "}\n"
        "components:\n"
        "  - {name: dns, type: route53, records: [{target: lb%s}]%s}\n"
        "  - {name: lb, type: alb, targets: web}\n"
        "  - {name: web, type: asg, instance: {service_time: 1ms}}\n";
    char *text = g_strdup_printf(alias, ", alias: true", "");
    r = test_run_text(text, NULL);
    g_free(text);
    double queries = test_sum(r, "dns", "DNSQueries");
    g_assert_cmpfloat(queries, ==, 2);   /* at 0.125 s and 60.125 s: the alias's 60-s TTL */
    assert_usd(test_cost_of(r, "dns"), 100 / (730 * 3600.0) * 0.50);
    test_run_free(r);
    text = g_strdup_printf(alias, "", ", ttl: 60s");
    r = test_run_text(text, NULL);
    g_free(text);
    g_assert_cmpfloat(test_sum(r, "dns", "DNSQueries"), ==, 2);
    assert_usd(test_cost_of(r, "dns"), 2 * 0.0000004 + 100 / (730 * 3600.0) * 0.50);
    test_run_free(r);
}

/* The summary rows: one cost_usd and cost_usd_per_month per billed
 * component, and a total that is their sum, per month x 730 h / run. */
static void test_summary_rows(void)
{
    TestRun *r = test_run_text("name: c\nduration: 1h\nworkloads:\n"
                               "  - {name: u, target: lb, " STEADY "}\n"
                               "components:\n"
                               "  - {name: lb, type: alb, targets: web}\n"
                               "  - {name: web, type: asg, min: 2, instance: {service_time: 10ms, workers: 4}}\n"
                               "  - {name: svc, type: service, workers: 1, service_time: 1ms}\n", NULL);
    GPtrArray *rows = cirrus_summary_rows(r->sim);
    double total = NAN, month = NAN, lb = NAN, web = NAN;
    guint cost_rows = 0;
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *row = rows->pdata[i];
        /* A latency row's numbers are milliseconds, and its unit says so. */
        if (strcmp(row->kind, "latency") == 0) g_assert_cmpstr(row->unit, ==, "Milliseconds");
        if (strcmp(row->kind, "cost") != 0) continue;
        cost_rows++;
        g_assert_cmpstr(row->unit, ==, "USD");
        gboolean per_month = strcmp(row->metric, CIRRUS_COST_MONTH_METRIC) == 0;
        if (strcmp(row->entity, "total") == 0) *(per_month ? &month : &total) = row->v[CIRRUS_STAT_SUM];
        else if (!per_month && strcmp(row->entity, "lb") == 0) lb = row->v[CIRRUS_STAT_SUM];
        else if (!per_month && strcmp(row->entity, "web") == 0) web = row->v[CIRRUS_STAT_SUM];
    }
    g_assert_cmpuint(cost_rows, ==, 6);   /* lb, web, total; the service is not billed */
    /* The alb: an hour of 8 requests/s of 1 KB to 2 instances (10 ms
     * each).  LCU dimensions: new connections 28,799/3,600 s / 25 = 0.32;
     * active about 8 x 0.01 = 0.08, / 3000; bytes 28,799 x 1,024 B =
     * 0.029 GB/h.  So 1 h x ($0.0225 + 0.32 x $0.008). */
    g_assert_cmpfloat(test_sum(r, "lb", "RequestCount"), ==, 28799);
    assert_usd(lb, 1.0 * (0.0225 + 28799 / 3600.0 / 25 * 0.008));
    assert_usd(web, 2 * 0.096);
    assert_usd(total, lb + web);
    assert_usd(month, total * 730);
    g_ptr_array_unref(rows);
    test_run_free(r);
}

static void test_errors(void)
{
    const char *asg = "name: c\nduration: 1h\nworkloads:\n  - {name: u, target: web, " STEADY "}\n"
                      "components:\n  - {name: web, type: asg, instance: {type: m5.larg, service_time: 10ms}}\n";
    test_assert_scenario_error(asg, NULL, "bad.yaml:7:45", "no price for 'ec2.m5.larg.hour'");
    test_assert_scenario_error(asg, NULL, "bad.yaml:7:45", "did you mean 'ec2.m5.large.hour'");
    test_assert_scenario_error("name: c\nduration: 1h\nprices: {lambda.requests: 1}\n", NULL, "bad.yaml:3:",
                               "did you mean 'lambda.request'");
    test_assert_scenario_error("name: c\nduration: 1h\nprices: {lambda.request: -1}\n", NULL, "bad.yaml:3:",
                               "lambda.request");
    test_assert_scenario_error("name: c\nduration: 1h\nprices: [1]\n", NULL, "bad.yaml:3:", "'prices' must be a map");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cost/lambda", test_lambda);
    g_test_add_func("/cost/asg", test_asg);
    g_test_add_func("/cost/asg-minimum", test_asg_minimum);
    g_test_add_func("/cost/sqs", test_sqs);
    g_test_add_func("/cost/kinesis", test_kinesis);
    g_test_add_func("/cost/dynamodb", test_dynamodb);
    g_test_add_func("/cost/rds", test_rds);
    g_test_add_func("/cost/sns", test_sns);
    g_test_add_func("/cost/route53", test_route53);
    g_test_add_func("/cost/alb_and_summary_rows", test_summary_rows);
    g_test_add_func("/cost/errors", test_errors);
    return g_test_run();
}
