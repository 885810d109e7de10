/* Protocols (models/protocol/): every registered model says what it speaks
 * in a well-formed table; components are found by what they can do, with
 * errors naming what was found; shared blocks are never made by a lookup. */
#include "testutil.h"
#include "models/protocol/queue.h"

static void test_tables_valid(void)
{
    const CirrusRegistry *reg = cirrus_models_registry();
    for (guint i = 0; reg->types[i]; i++) {
        GError *error = NULL;
        g_assert_nonnull(reg->types[i]->protocols);
        g_assert_true(cirrus_protocols_valid(reg->types[i], &error));
        g_assert_no_error(error);
    }
    /* What can take a request, serve a target group, be a queue. */
    char *queues = cirrus_protocol_types(reg, CIRRUS_SPEAKS_QUEUE);
    char *groups = cirrus_protocol_types(reg, CIRRUS_SPEAKS_TARGET_GROUP);
    g_assert_cmpstr(queues, ==, "sqs");
    g_assert_cmpstr(groups, ==, "asg");
    g_free(queues);
    g_free(groups);
}

static const char *const base =
    "name: p\nduration: 1m\n"
    "workloads:\n  - {name: users, target: %s, arrival: {process: poisson, rate: 1/s}}\n"
    "components:\n"
    "  - {name: orders, type: sqs}\n"
    "  - {name: db, type: service, service_time: {dist: constant, value: 1ms}}\n"
    "  - {name: fn, type: lambda, duration: {dist: constant, value: 1ms}, event_source: {source: %s}}\n";

static void test_lookup_by_capability(void)
{
    char *ok = g_strdup_printf(base, "orders", "orders");
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text("ok.yaml", ok, cirrus_models_registry(), NULL, &error);
    g_assert_no_error(error);
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    g_assert_no_error(error);
    CirrusComponent *q = cirrus_sim_find(sim, "orders"), *db = cirrus_sim_find(sim, "db");
    g_assert_true(cirrus_speaks(q, CIRRUS_SPEAKS_QUEUE | CIRRUS_SPEAKS_INVOKE));
    g_assert_false(cirrus_speaks(db, CIRRUS_SPEAKS_QUEUE));
    g_assert_false(cirrus_speaks(cirrus_sim_find(sim, "users"), CIRRUS_SPEAKS_INVOKE));
    CirrusQueueSettings s = cirrus_queue_settings(q);
    g_assert_cmpint(s.visibility_timeout, ==, 30 * CIRRUS_SEC);   /* AWS's default */
    g_assert_false(s.fifo);
    /* A lookup of a block nobody made finds nothing, and makes nothing. */
    g_assert_null(cirrus_component_shared(q, "no-such-block"));
    g_assert_null(cirrus_component_shared(q, "no-such-block"));
    g_assert_nonnull(cirrus_component_shared(q, "message-attributes"));
    /* Functions share their type's state (the account's concurrency). */
    g_assert_nonnull(cirrus_component_type_state(cirrus_sim_find(sim, "fn")));
    g_assert_null(cirrus_component_type_state(q));
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    g_free(ok);

    /* A mapping that reads a service, a workload that sends to a workload. */
    char *bad = g_strdup_printf(base, "orders", "db");
    test_assert_scenario_error(bad, NULL, "bad.yaml:8:", "event_source 'db' is a service; a mapping reads an sqs queue");
    g_free(bad);
    bad = g_strdup_printf(base, "users", "orders");
    test_assert_scenario_error(bad, NULL, "bad.yaml:4:", "target 'users' is a workload; a workload sends to a component");
    g_free(bad);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/models/protocol/tables", test_tables_valid);
    g_test_add_func("/models/protocol/lookup", test_lookup_by_capability);
    return g_test_run();
}
