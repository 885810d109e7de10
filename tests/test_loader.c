/* Tests for the scenario loader (sim/loader/scenario.c, sim/loader/config.c, sim/loader/node.c)
 * driven through the real model registry: DESIGN.md §2-3 (contract).
 *
 * Every refusal is checked for its error domain and code, the exact
 * "label:LINE:COL:" prefix (so that an editor can jump there), and the words
 * that tell the author what was expected ("did you mean", the key, the
 * component).  Success paths check the values read, --set overrides, and
 * that an override really changes what a run does. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "models/registry.h"
#include "sim/kernel/error.h"
#include "sim/loader/scenario.h"
#include "sim/kernel/sim.h"

#define LABEL "t.yaml"

/* The scenario most tests vary.  Line numbers (1-based) matter below:
 *  1 name          5 target           9 type
 *  2 duration      6 arrival         10 workers
 *  3 workloads     7 components      11 service_time
 *  4 - name: users 8 - name: station */
static const char BASE[] =
    "name: t\n"
    "duration: 1h\n"
    "workloads:\n"
    "  - name: users\n"
    "    target: station\n"
    "    arrival: {process: poisson, rate: 80/s}\n"
    "components:\n"
    "  - name: station\n"
    "    type: service\n"
    "    workers: 4\n"
    "    service_time: {dist: exponential, mean: 40ms}\n";

/* ---- helpers -------------------------------------------------------------- */

/* BASE (or `text`) with the one occurrence of `from` replaced by `to`. */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    if (!at) g_error("edit: '%s' is not in the text", from);
    g_assert_null(strstr(at + 1, from));
    return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static CirrusScenario *load_ok(const char *text, const char *const *sets)
{
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text(LABEL, text, cirrus_models_registry(), sets, &error);
    if (!sc) g_error("expected the scenario to load, got: %s\n--- text ---\n%s", error->message, text);
    g_assert_no_error(error);
    return sc;
}

/* Load must fail with CIRRUS_ERROR/`code`, a message starting with `prefix`
 * and containing each of the NULL-terminated words that follow. */
static void expect_error_v(const char *text, const char *const *sets, int code, const char *prefix, va_list ap)
{
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text(LABEL, text, cirrus_models_registry(), sets, &error);
    if (sc) g_error("expected an error starting '%s', but the scenario loaded:\n%s", prefix, text);
    g_assert_nonnull(error);
    g_assert_true(error->domain == CIRRUS_ERROR);
    if (error->code != code)
        g_error("error code %d, wanted %d, for: %s", error->code, code, error->message);
    if (!g_str_has_prefix(error->message, prefix))
        g_error("message '%s' does not start with '%s'", error->message, prefix);
    for (const char *w = va_arg(ap, const char *); w; w = va_arg(ap, const char *))
        if (!strstr(error->message, w)) g_error("message '%s' does not contain '%s'", error->message, w);
    g_error_free(error);
}

static void expect_error(const char *text, const char *prefix, ...) G_GNUC_NULL_TERMINATED;
static void expect_error(const char *text, const char *prefix, ...)
{
    va_list ap;
    va_start(ap, prefix);
    expect_error_v(text, NULL, CIRRUS_ERROR_SCENARIO, prefix, ap);
    va_end(ap);
}

/* BASE with one edit, expected to fail. */
static void expect_edit_error(const char *from, const char *to, const char *prefix, ...) G_GNUC_NULL_TERMINATED;
static void expect_edit_error(const char *from, const char *to, const char *prefix, ...)
{
    char *text = edit(BASE, from, to);
    va_list ap;
    va_start(ap, prefix);
    expect_error_v(text, NULL, CIRRUS_ERROR_SCENARIO, prefix, ap);
    va_end(ap);
    g_free(text);
}

static void expect_set_error(const char *text, const char *set, int code, const char *prefix, ...)
    G_GNUC_NULL_TERMINATED;
static void expect_set_error(const char *text, const char *set, int code, const char *prefix, ...)
{
    const char *sets[] = {set, NULL};
    va_list ap;
    va_start(ap, prefix);
    expect_error_v(text, sets, code, prefix, ap);
    va_end(ap);
}

/* ---- success ----------------------------------------------------------------- */

static void test_valid(void)
{
    CirrusScenario *sc = load_ok(BASE, NULL);
    g_assert_cmpstr(cirrus_scenario_name(sc), ==, "t");
    g_assert_cmpstr(cirrus_scenario_path(sc), ==, LABEL);
    g_assert_cmpstr(cirrus_scenario_text(sc), ==, BASE);
    g_assert_cmpint(cirrus_scenario_duration(sc), ==, 3600 * CIRRUS_SEC);
    g_assert_cmpint(cirrus_scenario_warmup(sc), ==, 0);
    g_assert_cmpint(cirrus_scenario_sample_interval(sc), ==, 10 * CIRRUS_SEC);   /* default */
    g_assert_cmpuint(cirrus_scenario_seed(sc), ==, 1);                           /* default */

    GError *error = NULL;
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(sim);
    g_assert_cmpuint(cirrus_sim_n_components(sim), ==, 2);
    CirrusComponent *station = cirrus_sim_find(sim, "station"), *users = cirrus_sim_find(sim, "users");
    g_assert_nonnull(station);
    g_assert_nonnull(users);
    g_assert_cmpstr(cirrus_component_type(station), ==, "service");
    g_assert_cmpstr(cirrus_component_type(users), ==, "workload");
    g_assert_cmpstr(cirrus_component_group(station), ==, "components");
    g_assert_cmpstr(cirrus_component_group(users), ==, "workloads");
    g_assert_null(cirrus_sim_find(sim, "nosuch"));
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
}

static void test_valid_full(void)
{
    /* Every key the loader and the two models know, with units. */
    const char *text =
        "name: full-1.0_x\n"
        "description: \"every key\"\n"
        "duration: 90m\n"
        "warmup: 10m\n"
        "seed: 42\n"
        "sample_interval: 30s\n"
        "account: {lambda_concurrency_limit: 500}\n"
        "regions: [us-east-1, eu-west-1]\n"
        "faults: []\n"
        "workloads:\n"
        "  - name: a\n"
        "    target: s1\n"
        "    invocation: sync\n"
        "    arrival:\n"
        "      process: constant\n"
        "      schedule: [[0s, 10/s], [30m, 6000/m], [1h, 3600/h]]\n"
        "    request: {size: 2KB}\n"
        "    clients: 1000\n"
        "    client: {timeout: 30s}\n"
        "components:\n"
        "  - {name: s1, type: service, workers: 8, queue_limit: 100, service_time: 5ms}\n"
        "  - name: s2\n"
        "    type: service\n"
        "    service_time: {dist: lognormal, mean: 50ms, cv: 0.5}\n"
        "  - {name: s3, type: service, service_time: {dist: uniform, min: 1ms, max: 2ms}}\n"
        "  - {name: s4, type: service, service_time: {dist: normal, mean: 1ms, sd: 0.5ms}}\n"
        "  - {name: s5, type: service, service_time: {dist: gamma, mean: 1ms, cv: 2}}\n"
        "  - {name: s6, type: service, service_time: {dist: constant, value: 0}}\n";
    CirrusScenario *sc = load_ok(text, NULL);
    g_assert_cmpstr(cirrus_scenario_name(sc), ==, "full-1.0_x");
    g_assert_cmpint(cirrus_scenario_duration(sc), ==, 90 * CIRRUS_MIN);
    g_assert_cmpint(cirrus_scenario_warmup(sc), ==, 10 * CIRRUS_MIN);
    g_assert_cmpint(cirrus_scenario_sample_interval(sc), ==, 30 * CIRRUS_SEC);
    g_assert_cmpuint(cirrus_scenario_seed(sc), ==, 42);
    cirrus_scenario_free(sc);
}

/* ---- unknown and misspelt keys --------------------------------------------------- */

static void test_misspelt_top_level(void)
{
    /* A misspelt required key points at the misspelling, not just at the map. */
    expect_edit_error("duration: 1h", "duraton: 1h", LABEL ":2:1: ",
                      "missing required key 'duration'", "'duraton'", "did you mean 'duration'?", NULL);
    /* A misspelt optional key is an unknown key of the scenario. */
    expect_edit_error("duration: 1h\n", "duration: 1h\nwarmpu: 5m\n", LABEL ":3:1: ",
                      "unknown key 'warmpu' in the scenario (did you mean 'warmup'?)", NULL);
    expect_edit_error("duration: 1h\n", "duration: 1h\nsample_intervall: 5s\n", LABEL ":3:1: ",
                      "unknown key 'sample_intervall' in the scenario (did you mean 'sample_interval'?)", NULL);
    expect_edit_error("components:", "componets:", LABEL ":7:1: ",
                      "unknown key 'componets' in the scenario (did you mean 'components'?)", NULL);
    /* Keys of the registry's globals count as known, and suggest too. */
    expect_edit_error("duration: 1h\n", "duration: 1h\nacount: {lambda_concurrency_limit: 200}\n",
                      LABEL ":3:1: ", "unknown key 'acount' in the scenario (did you mean 'account'?)", NULL);
    expect_edit_error("duration: 1h\n", "duration: 1h\naccount: {lambda_concurency_limit: 200}\n",
                      LABEL ":3:11: ", "unknown key 'lambda_concurency_limit'",
                      "did you mean 'lambda_concurrency_limit'?", NULL);
    /* Nothing close: no suggestion, but still located. */
    expect_edit_error("duration: 1h\n", "duration: 1h\nzzzzzz: 1\n", LABEL ":3:1: ",
                      "unknown key 'zzzzzz' in the scenario", NULL);
    char *text = edit(BASE, "duration: 1h\n", "duration: 1h\nzzzzzz: 1\n");
    GError *error = NULL;
    g_assert_null(cirrus_scenario_load_text(LABEL, text, cirrus_models_registry(), NULL, &error));
    g_assert_null(strstr(error->message, "did you mean"));
    g_error_free(error);
    g_free(text);
}

static void test_misspelt_component_key(void)
{
    expect_edit_error("workers: 4", "workres: 4", LABEL ":10:5: ",
                      "unknown key 'workres' in service 'station' (did you mean 'workers'?)", NULL);
    expect_edit_error("workers: 4", "queue_limt: 4", LABEL ":10:5: ",
                      "unknown key 'queue_limt' in service 'station' (did you mean 'queue_limit'?)", NULL);
    /* In a workload, the context names the workload. */
    expect_edit_error("    target: station\n", "    target: station\n    clients_: 3\n", LABEL ":6:5: ",
                      "unknown key 'clients_' in workload 'users' (did you mean 'clients'?)", NULL);
    /* `type` belongs to components; a workload's type is fixed. */
    expect_edit_error("    target: station\n", "    target: station\n    type: service\n", LABEL ":6:5: ",
                      "unknown key 'type' in workload 'users'", NULL);
    /* A misspelt required key of a component. */
    expect_edit_error("service_time:", "service_tme:", LABEL ":11:5: ",
                      "missing required key 'service_time'", "did you mean 'service_time'?", NULL);
    expect_edit_error("    target: station", "    targt: station", LABEL ":5:5: ",
                      "missing required key 'target'", "did you mean 'target'?", NULL);
}

static void test_misspelt_nested_key(void)
{
    expect_edit_error("{process: poisson", "{procss: poisson", LABEL ":6:15: ",
                      "unknown key 'procss' in workload 'users' (did you mean 'process'?)", NULL);
    expect_edit_error("    target: station\n", "    target: station\n    client: {timout: 5s}\n", LABEL ":6:14: ",
                      "unknown key 'timout' in workload 'users' (did you mean 'timeout'?)", NULL);
    expect_edit_error("    target: station\n", "    target: station\n    request: {sise: 2KB}\n", LABEL ":6:15: ",
                      "unknown key 'sise' in workload 'users' (did you mean 'size'?)", NULL);
    /* A parameter the distribution does not take. */
    expect_edit_error("mean: 40ms}", "mean: 40ms, cv: 0.5}", LABEL ":11:51: ",
                      "unknown key 'cv' in service 'station'", NULL);
    /* A misspelt required parameter and a misspelt 'dist'. */
    expect_edit_error("mean: 40ms}", "men: 40ms}", LABEL ":11:39: ",
                      "exponential distribution needs 'mean'", "did you mean 'mean'?", NULL);
    expect_edit_error("{dist: exponential", "{dsit: exponential", LABEL ":11:20: ",
                      "missing required key 'dist'", "did you mean 'dist'?", NULL);
}

/* ---- names, targets and types -------------------------------------------------------- */

static void test_unknown_target(void)
{
    expect_edit_error("target: station", "target: statoin", LABEL ":5:13: ",
                      "unknown component 'statoin' (did you mean 'station'?)", NULL);
    expect_edit_error("target: station", "target: database", LABEL ":5:13: ", "unknown component 'database'", NULL);
    /* A workload is not a target. */
    char *two = edit(BASE, "components:", "  - {name: other, target: users, arrival: {rate: 1/s}}\ncomponents:");
    expect_error(two, LABEL ":7:27: ", "target 'users' is a workload", NULL);
    g_free(two);
}

static void test_unknown_type(void)
{
    expect_edit_error("type: service", "type: servce", LABEL ":9:11: ",
                      "unknown component type 'servce'", "service", "(did you mean 'service'?)", NULL);
    expect_edit_error("type: service", "type: frobnicator", LABEL ":9:11: ",
                      "unknown component type 'frobnicator'", "this version models:", NULL);
    expect_edit_error("    type: service\n", "", LABEL ":8:5: ", "missing required key 'type'", NULL);
    /* A workload is not a component type: it goes under 'workloads'. */
    expect_edit_error("type: service", "type: workload", LABEL ":9:11: ",
                      "'workload' is not a component type", "'workloads'", NULL);
}

static void test_names(void)
{
    expect_edit_error("name: station", "name: st/ation", LABEL ":8:11: ",
                      "name 'st/ation' must start with a letter or digit", NULL);
    expect_edit_error("name: users", "name: -users", LABEL ":4:11: ", "name '-users' must start", NULL);
    expect_edit_error("name: users", "name: \"u s\"", LABEL ":4:11: ", "name 'u s'", NULL);
    char *longname = g_strnfill(65, 'a'), *to = g_strdup_printf("name: %s", longname);
    expect_edit_error("name: users", to, LABEL ":4:11: ", "at most 64", NULL);
    g_free(to);
    g_free(longname);
    /* The scenario's name names the default output file: no path separators. */
    expect_edit_error("name: t\n", "name: a/b\n", LABEL ":1:7: ", "the scenario's name 'a/b'", "'/'", NULL);
    expect_edit_error("name: t\n", "name: \"\"\n", LABEL ":1:7: ", "the scenario's name ''", NULL);
    /* Dots are allowed in names. */
    char *dotted = edit(BASE, "name: station", "name: db.primary");
    char *dotted2 = edit(dotted, "target: station", "target: db.primary");
    cirrus_scenario_free(load_ok(dotted2, NULL));
    g_free(dotted);
    g_free(dotted2);
}

static void test_duplicates(void)
{
    /* Duplicate names across workloads and components. */
    expect_edit_error("name: station", "name: users", LABEL ":8:11: ", "duplicate name 'users'", NULL);
    char *two = g_strconcat(BASE, "  - {name: station, type: service, service_time: 1ms}\n", NULL);
    expect_error(two, LABEL ":12:12: ", "duplicate name 'station'", NULL);
    g_free(two);
    /* Duplicate keys in a map, block and flow. */
    expect_edit_error("    workers: 4\n", "    workers: 4\n    workers: 5\n", LABEL ":11:5: ", "duplicate key 'workers'",
                      NULL);
    expect_edit_error("name: t\n", "name: t\nname: u\n", LABEL ":2:1: ", "duplicate key 'name'", NULL);
    expect_edit_error("rate: 80/s}", "rate: 80/s, rate: 90/s}", LABEL ":6:45: ", "duplicate key 'rate'", NULL);
}

/* ---- values: units, ranges, types ------------------------------------------------------- */

static void test_bad_unit(void)
{
    expect_edit_error("mean: 40ms", "mean: 40 ms/s", LABEL ":11:45: ", "'mean': expected a duration with a unit",
                      "got '40 ms/s'", NULL);
    expect_edit_error("mean: 40ms", "mean: 40", LABEL ":11:45: ", "'mean': expected a duration with a unit",
                      "e.g. 30s", "got '40'", NULL);
    expect_edit_error("duration: 1h", "duration: 60", LABEL ":2:11: ", "'duration': expected a duration", NULL);
    expect_edit_error("rate: 80/s", "rate: 80", LABEL ":6:39: ", "'rate': expected a rate", "got '80'", NULL);
    expect_edit_error("rate: 80/s", "rate: 80/d", LABEL ":6:39: ", "'rate': expected a rate", NULL);
    /* A byte rate where events are meant. */
    expect_edit_error("rate: 80/s", "rate: 1MB/s", LABEL ":6:39: ", "a rate of events", "got '1MB/s'", NULL);
    expect_edit_error("    target: station\n", "    target: station\n    request: {size: 2XB}\n", LABEL ":6:21: ",
                      "'size': expected a size", NULL);
    /* A bare duration is a constant distribution: it needs a unit too. */
    expect_edit_error("{dist: exponential, mean: 40ms}", "5", LABEL ":11:19: ", "'service_time': expected a duration",
                      NULL);
}

static void test_negative(void)
{
    expect_edit_error("workers: 4", "workers: -1", LABEL ":10:14: ", "'workers' must be between 1 and", "got -1", NULL);
    expect_edit_error("workers: 4", "workers: 0", LABEL ":10:14: ", "'workers' must be between 1 and", NULL);
    expect_edit_error("mean: 40ms", "mean: -5ms", LABEL ":11:45: ", "not negative", "got '-5ms'", NULL);
    expect_edit_error("duration: 1h", "duration: -1h", LABEL ":2:11: ", "not negative", NULL);
    expect_edit_error("rate: 80/s", "rate: -1/s", LABEL ":6:39: ", "not negative", NULL);
    expect_edit_error("name: t\n", "name: t\nseed: -3\n", LABEL ":2:7: ", "'seed' must be between 0 and", NULL);
    expect_edit_error("workers: 4", "workers: 4\n    queue_limit: -2", LABEL ":11:18: ", "'queue_limit' must be between -1",
                      NULL);
    expect_edit_error("    target: station\n", "    target: station\n    clients: 0\n", LABEL ":6:14: ",
                      "'clients' must be between 1", NULL);
    expect_edit_error("duration: 1h", "duration: 0s", LABEL ":2:11: ", "'duration' must be between", NULL);
}

static void test_nan_inf(void)
{
    expect_edit_error("workers: 4", "workers: .nan", LABEL ":10:14: ", "'workers' must be a whole number", "'.nan'", NULL);
    expect_edit_error("workers: 4", "workers: .inf", LABEL ":10:14: ", "'workers' must be a whole number", NULL);
    expect_edit_error("mean: 40ms", "mean: .inf", LABEL ":11:45: ", "'mean': expected a duration", "'.inf'", NULL);
    expect_edit_error("mean: 40ms", "mean: nan", LABEL ":11:45: ", "'mean': expected a duration", NULL);
    expect_edit_error("mean: 40ms", "mean: infs", LABEL ":11:45: ", "'mean': expected a duration", NULL);
    expect_edit_error("mean: 40ms", "mean: 1e999s", LABEL ":11:45: ", "'mean': expected a duration", NULL);
    expect_edit_error("rate: 80/s", "rate: nan/s", LABEL ":6:39: ", "'rate': expected a rate", NULL);
    expect_edit_error("rate: 80/s", "rate: inf/s", LABEL ":6:39: ", "'rate': expected a rate", NULL);
    expect_edit_error("duration: 1h", "duration: .nan", LABEL ":2:11: ", "'duration': expected a duration", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: lognormal, mean: 40ms, cv: .nan}", LABEL ":11:53: ",
                      "'cv': expected a number, got '.nan'", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: gamma, mean: 40ms, cv: 1e400}", LABEL ":11:49: ",
                      "'cv': expected a number", NULL);
}

static void test_wrong_type(void)
{
    expect_edit_error("workers: 4", "workers: [1,2]", LABEL ":10:14: ", "'workers' must be a whole number, not a list",
                      NULL);
    expect_edit_error("workers: 4", "workers: {n: 1}", LABEL ":10:14: ", "'workers' must be a whole number, not a map",
                      NULL);
    expect_edit_error("workers: 4", "workers: 1.5", LABEL ":10:14: ", "'workers' must be a whole number, got '1.5'",
                      NULL);
    expect_edit_error("workers: 4", "workers: four", LABEL ":10:14: ", "'workers' must be a whole number", NULL);
    expect_edit_error("arrival: {process: poisson, rate: 80/s}", "arrival: poisson", LABEL ":6:14: ",
                      "'arrival' must be a map", "not a single value", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "[exponential, 40ms]", LABEL ":11:19: ",
                      "'service_time' must be a distribution", NULL);
    expect_edit_error("name: t\n", "name: [t]\n", LABEL ":1:7: ", "'name' must be text, not a list", NULL);
    expect_edit_error("duration: 1h", "duration: {h: 1}", LABEL ":2:11: ", "'duration' must be a duration, not a map",
                      NULL);
    expect_error("name: t\nduration: 1h\ncomponents: {a: 1}\n", LABEL ":3:13: ", "'components' must be a list, not a map",
                 NULL);
    expect_error("name: t\nduration: 1h\nworkloads: [users]\n", LABEL ":3:13: ",
                 "each entry of 'workloads' must be a map with a 'name'", NULL);
    expect_error("name: t\nduration: 1h\nregions: us-east-1\n", LABEL ":3:10: ", "'regions' must be a list", NULL);
    expect_error("name: t\nduration: 1h\nregions: [[a]]\n", LABEL ":3:11: ", "a region must be a name", NULL);
    expect_edit_error("    target: station\n", "    target: station\n    request: 2KB\n", LABEL ":6:14: ",
                      "'request' must be a map", NULL);
    /* A map key must be a name. */
    expect_edit_error("name: t\n", "name: t\n[a, b]: 1\n", LABEL ":2:1: ", "a map key must be a plain name, not a list",
                      NULL);
}

static void test_missing_required(void)
{
    expect_edit_error("name: t\n", "", LABEL ":1:1: ", "missing required key 'name'", NULL);
    expect_edit_error("duration: 1h\n", "", LABEL ":1:1: ", "missing required key 'duration'", "e.g. 2h", NULL);
    expect_edit_error("    target: station\n", "", LABEL ":4:5: ", "missing required key 'target'", NULL);
    expect_edit_error("    arrival: {process: poisson, rate: 80/s}\n", "", LABEL ":4:5: ",
                      "missing required key 'arrival'", NULL);
    expect_edit_error("    service_time: {dist: exponential, mean: 40ms}\n", "", LABEL ":8:5: ",
                      "missing required key 'service_time'", NULL);
    expect_edit_error("  - name: station\n    type: service\n", "  - type: service\n", LABEL ":8:5: ",
                      "missing required key 'name'", NULL);
    /* Distributions: the name and each parameter. */
    expect_edit_error("{dist: exponential, mean: 40ms}", "{mean: 40ms}", LABEL ":11:19: ", "missing required key 'dist'",
                      NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: exponential}", LABEL ":11:19: ",
                      "exponential distribution needs 'mean'", NULL);
    /* 'min' is a valid key here, never taken for a misspelling of 'max'. */
    char *text = edit(BASE, "{dist: exponential, mean: 40ms}", "{dist: uniform, min: 1ms}");
    expect_error(text, LABEL ":11:19: ", "uniform distribution needs 'max'", NULL);
    GError *error = NULL;
    g_assert_null(cirrus_scenario_load_text(LABEL, text, cirrus_models_registry(), NULL, &error));
    g_assert_null(strstr(error->message, "did you mean"));
    g_error_free(error);
    g_free(text);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: lognormal, mean: 40ms}", LABEL ":11:19: ",
                      "lognormal distribution needs 'cv'", NULL);
    /* Arrivals: exactly one of rate and schedule. */
    expect_edit_error("{process: poisson, rate: 80/s}", "{process: poisson}", LABEL ":6:14: ",
                      "needs exactly one of 'rate'", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{rate: 80/s, schedule: [[0s, 1/s]]}", LABEL ":6:14: ",
                      "needs exactly one of 'rate'", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{process: trace}", LABEL ":6:14: ",
                      "process 'trace' needs 'trace: FILE'", NULL);
}

static void test_enum(void)
{
    expect_edit_error("    target: station\n", "    target: station\n    invocation: maybe\n", LABEL ":6:17: ",
                      "'invocation' must be one of sync, async; got 'maybe'", NULL);
    expect_edit_error("    target: station\n", "    target: station\n    invocation: asink\n", LABEL ":6:17: ",
                      "got 'asink' (did you mean 'async'?)", NULL);
    /* A timeout only makes sense for a caller that waits. */
    expect_edit_error("    target: station\n", "    target: station\n    invocation: async\n    client: {timeout: 1s}\n",
                      LABEL ":7:23: ", "'timeout' applies to sync invocations", NULL);
    expect_edit_error("process: poisson", "process: poison", LABEL ":6:24: ",
                      "'process' must be one of poisson, constant, trace; got 'poison' (did you mean 'poisson'?)", NULL);
    expect_edit_error("dist: exponential", "dist: exponentail", LABEL ":11:26: ",
                      "'dist' must be one of constant, exponential, uniform, normal, lognormal, gamma, empirical",
                      "(did you mean 'exponential'?)", NULL);
}

/* ---- YAML itself ------------------------------------------------------------------ */

static void test_invalid_yaml(void)
{
    /* An unclosed flow mapping is noticed on the next line; the message
     * also says where it began. */
    expect_edit_error("rate: 80/s}", "rate: 80/s", LABEL ":7:11: ", "invalid YAML",
                      "while parsing a flow mapping that starts at line 6, column 14", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "[poisson, 80/s", LABEL ":7:11: ", "invalid YAML",
                      "flow sequence that starts at line 6, column 14", NULL);
    /* A tab in indentation. */
    expect_edit_error("    workers: 4", "\tworkers: 4", LABEL ":10:1: ", "invalid YAML", "tab character", NULL);
    expect_error("{{{{", LABEL ":", "invalid YAML", NULL);
    expect_error("name: t\n  bad indent: 1\n", LABEL ":2:", "invalid YAML", NULL);
    expect_error("name: \"unterminated\n", LABEL ":", "invalid YAML", NULL);
    /* Two documents. */
    expect_error("name: t\nduration: 1h\n---\nname: u\n", LABEL ":3:1: ", "only one YAML document", NULL);
    /* Invalid UTF-8 from a caller that did not check. */
    expect_error("name: t\xff\xfe\n", LABEL ":", "invalid YAML", NULL);
    /* A NUL escaped into a value. */
    expect_error("name: \"a\\0b\"\nduration: 1h\n", LABEL ":1:7: ", "NUL character", NULL);
}

static void test_not_a_map(void)
{
    expect_error("- name: t\n- duration: 1h\n", LABEL ":1:1: ",
                 "a scenario must be a map with at least 'name' and 'duration', not a list", NULL);
    expect_error("hello\n", LABEL ":1:1: ", "a scenario must be a map", "not a single value", NULL);
    expect_error("42", LABEL ":1:1: ", "a scenario must be a map", NULL);
    expect_error("", LABEL ":1:1: ", "the file is empty", NULL);
    expect_error("# only a comment\n\n", LABEL ":1:1: ", "the file is empty", NULL);
    expect_error("{}", LABEL ":1:1: ", "missing required key 'name'", NULL);
}

static void test_alias(void)
{
    expect_error("name: &n t\ndescription: *n\nduration: 1h\n", LABEL ":2:14: ",
                 "YAML aliases (*n) are not supported", NULL);
    /* Anchors alone are harmless and ignored. */
    cirrus_scenario_free(load_ok("name: &n t\nduration: &d 1h\n", NULL));
    /* A billion-laughs document fails at the first alias, at once. */
    expect_error("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", LABEL ":2:8: ", "YAML aliases (*a)", NULL);
}

static char *nested(guint depth)
{
    GString *s = g_string_new("name: t\nduration: 1h\ndescription: ");
    for (guint i = 0; i < depth; i++) g_string_append_c(s, '[');
    for (guint i = 0; i < depth; i++) g_string_append_c(s, ']');
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}

static void test_nesting(void)
{
    /* The value of a top-level key is at depth 1, so the 64th bracket is the
     * deepest accepted and the 65th is refused where it stands. */
    char *ok = nested(64), *deep = nested(65), *huge = nested(100000);
    expect_error(ok, LABEL ":3:14: ", "'description' must be text, not a list", NULL);
    expect_error(deep, LABEL ":3:78: ", "nesting deeper than 64 levels", NULL);
    expect_error(huge, LABEL ":3:78: ", "nesting deeper than 64 levels", NULL);
    g_free(ok);
    g_free(deep);
    g_free(huge);
    /* Maps count too. */
    GString *s = g_string_new("name: t\nduration: 1h\ndescription: ");
    for (int i = 0; i < 200; i++) g_string_append(s, "{a: ");
    expect_error(s->str, LABEL ":3:", "nesting deeper than 64 levels", NULL);
    g_string_free(s, TRUE);
}

/* ---- scenario-wide rules ------------------------------------------------------------ */

static void test_warmup(void)
{
    expect_edit_error("duration: 1h\n", "duration: 1h\nwarmup: 1h\n", LABEL ":3:9: ",
                      "'warmup' (1h) must be shorter than 'duration' (1h)", NULL);
    expect_edit_error("duration: 1h\n", "duration: 1h\nwarmup: 2h\n", LABEL ":3:9: ",
                      "'warmup' (2h) must be shorter than 'duration' (1h)", NULL);
    expect_edit_error("duration: 1h\n", "duration: 1h\nwarmup: 1s\nwarmup: 2s\n", LABEL ":4:1: ", "duplicate key", NULL);
    char *text = edit(BASE, "duration: 1h\n", "duration: 1h\nwarmup: 59m\n");
    CirrusScenario *sc = load_ok(text, NULL);
    g_assert_cmpint(cirrus_scenario_warmup(sc), ==, 59 * CIRRUS_MIN);
    cirrus_scenario_free(sc);
    g_free(text);
}

static void test_sample_interval(void)
{
    /* 4 days at 1 ms is 345.6 million rows. */
    expect_edit_error("duration: 1h\n", "duration: 4d\nsample_interval: 1ms\n", LABEL ":3:18: ",
                      "sample_interval gives more than 10 million rows", NULL);
    /* With the default 10s, a duration beyond 1157 days is too long: the
     * error points at the duration (there is no sample_interval to show). */
    expect_edit_error("duration: 1h\n", "duration: 1158d\n", LABEL ":2:11: ", "10 million",
                      "default 10s sample_interval", NULL);
    expect_edit_error("duration: 1h\n", "duration: 3650d\n", LABEL ":2:11: ", "10 million", NULL);
    char *text = edit(BASE, "duration: 1h\n", "duration: 1157d\n");
    cirrus_scenario_free(load_ok(text, NULL));
    g_free(text);
    /* Exactly 10 million rows is still allowed. */
    text = edit(BASE, "duration: 1h\n", "duration: 10000s\nsample_interval: 1ms\n");
    CirrusScenario *sc = load_ok(text, NULL);
    g_assert_cmpint(cirrus_scenario_sample_interval(sc), ==, CIRRUS_MS);
    cirrus_scenario_free(sc);
    g_free(text);
    expect_edit_error("duration: 1h\n", "duration: 1h\nsample_interval: 2h\n", LABEL ":3:18: ",
                      "'sample_interval' must be between", NULL);
    expect_edit_error("duration: 1h\n", "duration: 1h\nsample_interval: 0\n", LABEL ":3:18: ",
                      "'sample_interval' must be between", NULL);
}

static void test_schedule(void)
{
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: [[0s, 10/s], [30m, 20/s], [30m, 5/s], [30m, 1/s]]}",
                      LABEL ":6:63: ", "at most two schedule points may share a time", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: [[10m, 10/s], [5m, 20/s]]}", LABEL ":6:39: ",
                      "schedule times must not decrease", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: [[0s, 10/s, 3]]}", LABEL ":6:26: ",
                      "each schedule point must be [time, rate]", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: []}", LABEL ":6:25: ",
                      "'schedule' needs at least one", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: [[0s, 10]]}", LABEL ":6:31: ",
                      "expected a rate", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{schedule: [[5, 10/s]]}", LABEL ":6:27: ",
                      "expected a duration", NULL);
}

static void test_distributions(void)
{
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: uniform, min: 50ms, max: 10ms}", LABEL ":11:19: ",
                      "'service_time': uniform: min must be <= max", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: lognormal, mean: 50ms, cv: -0.5}", LABEL ":11:19: ",
                      "'service_time': lognormal: cv must be >= 0 (got -0.5)", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: gamma, mean: 50ms, cv: 0}", LABEL ":11:19: ",
                      "'service_time': gamma: cv must be > 0 (got 0)", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: exponential, mean: 0ms}", LABEL ":11:19: ",
                      "exponential: mean must be > 0", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: lognormal, mean: 0s, cv: 1}", LABEL ":11:19: ",
                      "lognormal: mean must be > 0", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: normal, mean: 5ms, sd: -1ms}", LABEL ":11:49: ",
                      "'sd': expected a duration that is not negative", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: constant, value: -1ms}", LABEL ":11:43: ",
                      "'value': expected a duration that is not negative", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: gamma, mean: 5ms, cv: 0.5ms}", LABEL ":11:48: ",
                      "'cv': expected a number, got '0.5ms'", NULL);
    expect_edit_error("{dist: exponential, mean: 40ms}", "{dist: empirical}", LABEL ":11:19: ",
                      "missing required key 'file'", NULL);
}

/* ---- files next to the scenario (traces, samples) ----------------------------------------- */

static char *trace_scenario(const char *path)
{
    char *arrival = g_strdup_printf("{process: trace, trace: '%s'}", path);
    char *text = edit(BASE, "{process: poisson, rate: 80/s}", arrival);
    g_free(arrival);
    return text;
}

static void test_trace_files(void)
{
    GError *error = NULL;
    char *dir = g_dir_make_tmp("cirrus-loader-XXXXXX", &error);
    g_assert_no_error(error);
    char *good = g_build_filename(dir, "good.csv", NULL);
    char *unsorted = g_build_filename(dir, "unsorted.csv", NULL);
    char *words = g_build_filename(dir, "words.csv", NULL);
    char *negative = g_build_filename(dir, "negative.csv", NULL);
    char *empty = g_build_filename(dir, "empty.csv", NULL);
    char *missing = g_build_filename(dir, "missing.csv", NULL);
    char *samples = g_build_filename(dir, "samples.txt", NULL);
    g_assert_true(g_file_set_contents(good, "# arrival times\n0.5\n1\n1\n2.25\r\n\n3e0\n", -1, NULL));
    g_assert_true(g_file_set_contents(unsorted, "1\n2\n1.5\n", -1, NULL));
    g_assert_true(g_file_set_contents(words, "# header\n\n0.5\nabc\n", -1, NULL));
    g_assert_true(g_file_set_contents(negative, "1\n-2\n", -1, NULL));
    g_assert_true(g_file_set_contents(empty, "# nothing\n\n", -1, NULL));
    g_assert_true(g_file_set_contents(samples, "0.002\n0.001\n0.004\n", -1, NULL));

    char *text = trace_scenario(good);
    cirrus_scenario_free(load_ok(text, NULL));
    g_free(text);

    char *want;
    text = trace_scenario(unsorted);
    want = g_strdup_printf("%s:3:1: ", unsorted);
    expect_error(text, want, "times must not decrease (1.5 after 2)", NULL);
    g_free(want);
    g_free(text);

    text = trace_scenario(words);
    want = g_strdup_printf("%s:4:1: ", words);
    expect_error(text, want, "expected a non-negative number in seconds, got 'abc'", NULL);
    g_free(want);
    g_free(text);

    text = trace_scenario(negative);
    want = g_strdup_printf("%s:2:1: ", negative);
    expect_error(text, want, "got '-2'", NULL);
    g_free(want);
    g_free(text);

    text = trace_scenario(empty);
    expect_error(text, LABEL ":6:38: ", "holds no numbers", NULL);
    g_free(text);

    text = trace_scenario(missing);
    expect_error(text, LABEL ":6:38: ", "cannot read", missing, NULL);
    g_free(text);

    /* A trace with a rate is contradictory. */
    char *arrival = g_strdup_printf("{process: trace, trace: '%s', rate: 1/s}", good);
    text = edit(BASE, "{process: poisson, rate: 80/s}", arrival);
    expect_error(text, LABEL ":6:14: ", "takes no 'rate', 'schedule' or 'cloudwatch'", NULL);
    g_free(text);
    g_free(arrival);

    /* Empirical samples: read (any order), and refused when missing. */
    char *dist = g_strdup_printf("{dist: empirical, file: '%s'}", samples);
    text = edit(BASE, "{dist: exponential, mean: 40ms}", dist);
    cirrus_scenario_free(load_ok(text, NULL));
    g_free(text);
    g_free(dist);
    dist = g_strdup_printf("{dist: empirical, file: '%s'}", missing);
    text = edit(BASE, "{dist: exponential, mean: 40ms}", dist);
    expect_error(text, LABEL ":11:43: ", "cannot read", missing, NULL);
    g_free(text);
    g_free(dist);

    const char *all[] = {good, unsorted, words, negative, empty, samples};
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) g_assert_cmpint(g_remove(all[i]), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    g_free(good);
    g_free(unsorted);
    g_free(words);
    g_free(negative);
    g_free(empty);
    g_free(missing);
    g_free(samples);
    g_free(dir);
}

static char *csv_scenario(const char *path, const char *column)
{
    char *arrival = g_strdup_printf("{process: trace, trace: {file: '%s', column: %s}}", path, column);
    char *text = edit(BASE, "{process: poisson, rate: 80/s}", arrival);
    g_free(arrival);
    return text;
}

/* `trace: {file, column}`: a CSV with a header; each error names the
 * trace's file and line (bad rows) or the scenario's (missing file or
 * column). */
static void test_csv_traces(void)
{
    static const struct { const char *name, *text, *line, *words; } bad[] = {
        {"unsorted.csv", "start_s,x\n1,a\n2,b\n1.5,c\n", ":4:1: ", "column 'start_s': times must not decrease (1.5 after 2)"},
        {"negative.csv", "x,start_s\n0,1\n0,-2\n", ":3:3: ", "column 'start_s': expected a non-negative number in seconds, got '-2'"},
        {"words.csv", "# log\nstart_s\n0.5\n\nabc\n", ":5:1: ", "got 'abc'"},
        {"unit.csv", "start_s\n5ms\n", ":2:1: ", "got '5ms'"},
        {"blank.csv", "a,start_s\n1, \n", ":2:3: ", "got ''"},
        {"short.csv", "a,b,start_s\n1,2,3\n1,2\n", ":3:1: ", "2 fields, but 'start_s' is field 3 of the header"},
    };
    GError *error = NULL;
    char *dir = g_dir_make_tmp("cirrus-loader-XXXXXX", &error);
    g_assert_no_error(error);
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        char *path = g_build_filename(dir, bad[i].name, NULL);
        g_assert_true(g_file_set_contents(path, bad[i].text, -1, NULL));
        char *text = csv_scenario(path, "start_s");
        char *want = g_strconcat(path, bad[i].line, NULL);
        /* The trace's file:line first, then where the scenario names it. */
        expect_error(text, want, bad[i].words, "(named at " LABEL ":6:", NULL);
        g_free(want);
        g_free(text);
        g_assert_cmpint(g_remove(path), ==, 0);
        g_free(path);
    }
    char *good = g_build_filename(dir, "good.csv", NULL);
    g_assert_true(g_file_set_contents(good, "# measured\nstart_s,is_cold\r\n0,1\r\n2.5,0\n2.5,0\n", -1, NULL));
    char *text = csv_scenario(good, "start_s");
    cirrus_scenario_free(load_ok(text, NULL));
    g_free(text);
    /* A column the header lacks: located at `column`, with a suggestion. */
    text = csv_scenario(good, "start");
    char *want = g_strdup_printf(LABEL ":6:%d: %s:2: the header has no column 'start' (it has start_s, is_cold)",
                                 (int)(strstr(text, "column: start") - strstr(text, "    arrival")) + 9, good);
    expect_error(text, want, "(did you mean 'start_s'?)", NULL);
    g_free(want);
    g_free(text);
    /* A header and no rows. */
    char *empty = g_build_filename(dir, "empty.csv", NULL);
    g_assert_true(g_file_set_contents(empty, "start_s\n\n", -1, NULL));
    text = csv_scenario(empty, "start_s");
    expect_error(text, LABEL ":6:", "holds no rows under its header", NULL);
    g_free(text);
    /* A missing file: located at `file`, naming it. */
    char *missing = g_build_filename(dir, "missing.csv", NULL);
    text = csv_scenario(missing, "start_s");
    expect_error(text, LABEL ":6:", "cannot read", missing, NULL);
    g_free(text);
    /* A map needs `file`; its keys are checked like any other. */
    expect_edit_error("{process: poisson, rate: 80/s}", "{process: trace, trace: {column: start_s}}", LABEL ":6:38: ",
                      "missing required key 'file'", NULL);
    expect_edit_error("{process: poisson, rate: 80/s}", "{process: trace, trace: [a.csv]}", LABEL ":6:38: ",
                      "'trace' must be a file name or {file: FILE, column: NAME}", NULL);
    char *arrival = g_strdup_printf("{process: trace, trace: {file: '%s', colum: start_s}}", good);
    text = edit(BASE, "{process: poisson, rate: 80/s}", arrival);
    expect_error(text, LABEL ":6:", "missing required key 'column'", "found 'colum' instead (did you mean 'column'?)", NULL);
    g_free(text);
    g_free(arrival);
    g_assert_cmpint(g_remove(good), ==, 0);
    g_assert_cmpint(g_remove(empty), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    g_free(good);
    g_free(empty);
    g_free(missing);
    g_free(dir);
}

static void test_relative_paths(void)
{
    /* A relative trace path is relative to the scenario file, not to the
     * current directory. */
    GError *error = NULL;
    char *dir = g_dir_make_tmp("cirrus-loader-XXXXXX", &error);
    g_assert_no_error(error);
    char *trace = g_build_filename(dir, "arrivals.csv", NULL);
    char *yaml = g_build_filename(dir, "s.yaml", NULL);
    char *text = trace_scenario("arrivals.csv");
    g_assert_true(g_file_set_contents(trace, "0.5\n1.5\n", -1, NULL));
    g_assert_true(g_file_set_contents(yaml, text, -1, NULL));
    CirrusScenario *sc = cirrus_scenario_load(yaml, cirrus_models_registry(), NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(sc);
    g_assert_cmpstr(cirrus_scenario_path(sc), ==, yaml);
    cirrus_scenario_free(sc);
    /* Errors in a file name the file. */
    char *bad = edit(BASE, "workers: 4", "workres: 4");
    g_assert_true(g_file_set_contents(yaml, bad, -1, NULL));
    g_assert_null(cirrus_scenario_load(yaml, cirrus_models_registry(), NULL, &error));
    char *want = g_strdup_printf("%s:10:5: unknown key 'workres'", yaml);
    g_assert_true(g_str_has_prefix(error->message, want));
    g_clear_error(&error);
    /* Binary data is refused before YAML sees it. */
    g_assert_true(g_file_set_contents(yaml, "name: t\0\x01\x02", 10, NULL));
    g_assert_null(cirrus_scenario_load(yaml, cirrus_models_registry(), NULL, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO);
    g_assert_nonnull(strstr(error->message, "binary data"));
    g_clear_error(&error);
    /* A file that cannot be read is a usage error (exit 2), naming it. */
    char *nosuch = g_build_filename(dir, "nosuch.yaml", NULL);
    g_assert_null(cirrus_scenario_load(nosuch, cirrus_models_registry(), NULL, &error));
    g_assert_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE);
    g_assert_nonnull(strstr(error->message, nosuch));
    g_clear_error(&error);
    g_assert_cmpint(g_remove(trace), ==, 0);
    g_assert_cmpint(g_remove(yaml), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
    g_free(nosuch);
    g_free(want);
    g_free(bad);
    g_free(text);
    g_free(yaml);
    g_free(trace);
    g_free(dir);
}

static void test_faults(void)
{
    /* Faults load when their component models them ... */
    char *ok = edit(BASE, "components:", "faults:\n  - {at: 30m, kind: outage, component: station, duration: 10m}\n"
                    "  - {at: 40m, kind: slowdown, component: station, factor: 5, duration: 5m}\ncomponents:");
    cirrus_scenario_free(load_ok(ok, NULL));
    g_free(ok);
    /* ... and every mistake is located and explained. */
    expect_edit_error("components:", "faults:\n  - {at: 30m, kind: instance_failure, component: station}\ncomponents:",
                      LABEL ":8:50: ", "service 'station' does not model instance_failure faults (it models: outage, slowdown)",
                      NULL);
    expect_edit_error("components:", "faults:\n  - {at: 30m, kind: outage, component: statoin, duration: 1m}\ncomponents:",
                      LABEL ":8:40: ", "unknown component 'statoin' (did you mean 'station'?)", NULL);
    expect_edit_error("components:", "faults:\n  - {at: 30m, kind: outage, component: station}\ncomponents:",
                      LABEL ":8:5: ", "missing required key 'duration'", NULL);
    expect_edit_error("components:", "faults:\n  - {at: 3h, kind: outage, component: station, duration: 1m}\ncomponents:",
                      LABEL ":8:10: ", "the fault starts at or after the end of the run", NULL);
    expect_edit_error("components:", "faults:\n  - {at: 1m, kind: outag, component: station, duration: 1m}\ncomponents:",
                      LABEL ":8:20: ", "(did you mean 'outage'?)", NULL);
    expect_edit_error("components:", "faults:\n  - {at: 1m, kind: slowdown, component: station, duration: 1m}\ncomponents:",
                      LABEL ":8:5: ", "missing required key 'factor'", NULL);
    expect_edit_error("components:", "faults:\n  - {at: 1m, kind: zone_outage, zone: a, duration: 1m}\ncomponents:",
                      LABEL ":8:5: ", "no component in this scenario models zone_outage faults", NULL);
    expect_edit_error("components:", "faults: {at: 30m}\ncomponents:", LABEL ":7:9: ", "'faults' must be a list", NULL);
    char *text = edit(BASE, "components:", "faults: []\ncomponents:");
    cirrus_scenario_free(load_ok(text, NULL));
    g_free(text);
}

/* ---- --set ------------------------------------------------------------------------------- */

/* Completed requests at `station` over a 100 s run: constant arrivals at
 * 10/s (the n-th at n/10 s) and a constant service time of 1 s. */
static double completed_after_run(const char *const *sets)
{
    const char *text =
        "name: run\n"
        "duration: 100s\n"
        "workloads:\n"
        "  - {name: users, target: station, arrival: {process: constant, rate: 10/s}}\n"
        "components:\n"
        "  - {name: station, type: service, workers: 1, service_time: 1s}\n";
    CirrusScenario *sc = load_ok(text, sets);
    GError *error = NULL;
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    g_assert_no_error(error);
    CirrusRunSpec spec = {
        .duration = cirrus_scenario_duration(sc),
        .warmup = cirrus_scenario_warmup(sc),
        .sample_interval = cirrus_scenario_sample_interval(sc),
    };
    g_assert_true(cirrus_sim_run(sim, &spec, &error));
    g_assert_no_error(error);
    CirrusComponent *station = cirrus_sim_find(sim, "station");
    gint i = cirrus_component_metric_index(station, "Completed");
    g_assert_cmpint(i, >=, 0);
    CirrusMetricSummary sum;
    cirrus_component_metric_summary(station, (guint)i, &sum);
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    return sum.sum;
}

static void test_set_values(void)
{
    const char *duration[] = {"duration=2h", NULL};
    CirrusScenario *sc = load_ok(BASE, duration);
    g_assert_cmpint(cirrus_scenario_duration(sc), ==, 2 * CIRRUS_HOUR);
    cirrus_scenario_free(sc);

    const char *several[] = {"duration=30m", "seed=7", "warmup=1m", "sample_interval=1s", "description=", NULL};
    sc = load_ok(BASE, several);
    g_assert_cmpint(cirrus_scenario_duration(sc), ==, 30 * CIRRUS_MIN);
    g_assert_cmpuint(cirrus_scenario_seed(sc), ==, 7);
    g_assert_cmpint(cirrus_scenario_warmup(sc), ==, CIRRUS_MIN);
    g_assert_cmpint(cirrus_scenario_sample_interval(sc), ==, CIRRUS_SEC);
    cirrus_scenario_free(sc);

    /* Later sets win. */
    const char *twice[] = {"duration=2h", "duration=3h", NULL};
    sc = load_ok(BASE, twice);
    g_assert_cmpint(cirrus_scenario_duration(sc), ==, 3 * CIRRUS_HOUR);
    cirrus_scenario_free(sc);

    /* By name and by index, and maps as values. */
    const char *by_name[] = {"components.station.workers=8", NULL};
    cirrus_scenario_free(load_ok(BASE, by_name));
    const char *by_index[] = {"components.0.workers=8", "workloads.0.arrival.rate=5/s", NULL};
    cirrus_scenario_free(load_ok(BASE, by_index));
    const char *as_map[] = {"components.station.service_time={dist: constant, value: 5ms}", NULL};
    cirrus_scenario_free(load_ok(BASE, as_map));
    /* A map that was left out is created. */
    const char *created[] = {"workloads.users.client.timeout=5s", NULL};
    cirrus_scenario_free(load_ok(BASE, created));

    /* A name holding dots can still be addressed. */
    char *dotted = edit(BASE, "name: station", "name: db.primary");
    char *dotted2 = edit(dotted, "target: station", "target: db.primary");
    const char *dotted_set[] = {"components.db.primary.workers=8", NULL};
    cirrus_scenario_free(load_ok(dotted2, dotted_set));
    expect_set_error(dotted2, "components.db.primary.workers=0", CIRRUS_ERROR_SCENARIO,
                     "--set components.db.primary.workers:1:1: ", "'workers' must be between 1", NULL);
    g_free(dotted);
    g_free(dotted2);
}

static void test_set_changes_the_run(void)
{
    /* One worker serving 1 s each: completions at 1.1 s, 2.1 s, ... 99.1 s. */
    g_assert_cmpfloat(completed_after_run(NULL), ==, 99);
    /* Eight workers: 8 per second once saturated (arrivals at 10/s). */
    const char *eight[] = {"components.station.workers=8", NULL};
    double c8 = completed_after_run(eight);
    g_assert_cmpfloat(c8, >=, 780);
    g_assert_cmpfloat(c8, <=, 800);
    /* 5 ms service: every arrival but the last (at 100.0 s) completes. */
    const char *fast[] = {"components.station.service_time={dist: constant, value: 5ms}", NULL};
    g_assert_cmpfloat(completed_after_run(fast), ==, 999);
    /* The run length follows --duration. */
    const char *half[] = {"duration=50s", NULL};
    g_assert_cmpfloat(completed_after_run(half), ==, 49);
}

static void test_set_errors(void)
{
    expect_set_error(BASE, "components.nosuch.workers=2", CIRRUS_ERROR_SCENARIO, "--set components.nosuch.workers: ",
                     "'nosuch' is not in the scenario", NULL);
    expect_set_error(BASE, "components.5.workers=2", CIRRUS_ERROR_SCENARIO, "--set components.5.workers: ",
                     "'5' is not in the scenario", NULL);
    expect_set_error(BASE, "bogus", CIRRUS_ERROR_USAGE, "--set 'bogus': expected KEY=VALUE", NULL);
    expect_set_error(BASE, "=5", CIRRUS_ERROR_USAGE, "--set '=5': expected KEY=VALUE", NULL);
    expect_set_error(BASE, "components..workers=2", CIRRUS_ERROR_USAGE, "--set components..workers: ", "empty part",
                     NULL);
    expect_set_error(BASE, "duration.=2", CIRRUS_ERROR_USAGE, "--set duration.: ", "empty part", NULL);
    /* A misspelt key created by --set is unknown, located at the --set. */
    expect_set_error(BASE, "components.station.workrs=8", CIRRUS_ERROR_SCENARIO, "--set components.station.workrs:1:1: ",
                     "unknown key 'workrs' in service 'station' (did you mean 'workers'?)", NULL);
    expect_set_error(BASE, "duraton=2h", CIRRUS_ERROR_SCENARIO, "--set duraton:1:1: ",
                     "unknown key 'duraton' in the scenario (did you mean 'duration'?)", NULL);
    expect_set_error(BASE, "components.station.client.timeout=5s", CIRRUS_ERROR_SCENARIO,
                     "--set components.station.client.timeout:1:1: ", "unknown key 'client' in service 'station'", NULL);
    /* Bad values are located at the --set, as YAML. */
    expect_set_error(BASE, "duration=5x", CIRRUS_ERROR_SCENARIO, "--set duration:1:1: ", "'duration': expected a duration",
                     NULL);
    expect_set_error(BASE, "components.station.workers=[1", CIRRUS_ERROR_SCENARIO, "--set components.station.workers:",
                     "invalid YAML", NULL);
    expect_set_error(BASE, "components.station.service_time={dist: gamma, mean: 5ms, cv: 0}", CIRRUS_ERROR_SCENARIO,
                     "--set components.station.service_time:1:1: ", "gamma: cv must be > 0", NULL);
    expect_set_error(BASE, "name=*x", CIRRUS_ERROR_SCENARIO, "--set name:1:1: ", "YAML aliases", NULL);
}

static void test_set_paths(void)
{
    /* Setting through a value that is not a map or list. */
    expect_set_error(BASE, "duration.x=1", CIRRUS_ERROR_SCENARIO, "--set duration.x: ",
                     "the path must end at a key of a map", NULL);
    expect_set_error(BASE, "name.a.b=1", CIRRUS_ERROR_SCENARIO, "--set name.a.b: ", "'a' is not in the scenario", NULL);
    expect_set_error(BASE, "components.station=1", CIRRUS_ERROR_SCENARIO, "--set components.station: ",
                     "the path must end at a key of a map", NULL);
    /* A --set that breaks the warm-up rule reports the two values. */
    expect_set_error(BASE, "warmup=1h", CIRRUS_ERROR_SCENARIO, "--set warmup:1:1: ",
                     "'warmup' (1h) must be shorter than 'duration' (1h)", NULL);
}

/* ---- robustness --------------------------------------------------------------------------- */

static const char FUZZ_BASE[] =
    "name: fuzz\n"
    "description: \"mutated\"\n"
    "duration: 10m\n"
    "warmup: 1m\n"
    "seed: 3\n"
    "sample_interval: 5s\n"
    "account: {lambda_concurrency_limit: 500}\n"
    "regions: [us-east-1]\n"
    "workloads:\n"
    "  - name: users\n"
    "    target: station\n"
    "    invocation: sync\n"
    "    arrival:\n"
    "      process: poisson\n"
    "      schedule: [[0s, 10/s], [5m, 6000/m]]\n"
    "    request: {size: 2KB}\n"
    "    clients: 10\n"
    "    client: {timeout: 30s}\n"
    "components:\n"
    "  - name: station\n"
    "    type: service\n"
    "    workers: 4\n"
    "    queue_limit: 100\n"
    "    service_time: {dist: lognormal, mean: 40ms, cv: 0.5}\n"
    "  - {name: backup, type: service, service_time: 5ms}\n";

static void mutate(GString *s, GRand *rng)
{
    static const char inserts[] = ":[{&*\t-#\n'\"!|>%@,}]? ";
    guint len = (guint)s->len;
    switch (g_rand_int_range(rng, 0, 6)) {
    case 0:   /* flip one byte (never to NUL: the text is a C string) */
        if (len) {
            guint at = (guint)g_rand_int_range(rng, 0, (gint32)len);
            char c = (char)(s->str[at] ^ (1 << g_rand_int_range(rng, 0, 8)));
            s->str[at] = c ? c : 'x';
        }
        break;
    case 1:   /* truncate */
        g_string_truncate(s, (gsize)g_rand_int_range(rng, 0, (gint32)len + 1));
        break;
    case 2: case 3:   /* insert a character that means something to YAML */
        g_string_insert_c(s, g_rand_int_range(rng, 0, (gint32)len + 1), inserts[g_rand_int_range(rng, 0, sizeof inserts - 1)]);
        break;
    case 4:   /* delete a run */
        if (len) {
            guint at = (guint)g_rand_int_range(rng, 0, (gint32)len);
            guint run = (guint)g_rand_int_range(rng, 1, 8);
            g_string_erase(s, at, MIN(len - at, run));
        }
        break;
    case 5:   /* duplicate a line elsewhere (duplicate keys, odd indents) */
        if (len) {
            guint from = (guint)g_rand_int_range(rng, 0, (gint32)len), to = from;
            while (from > 0 && s->str[from - 1] != '\n') from--;
            while (to < len && s->str[to] != '\n') to++;
            char *line = g_strndup(s->str + from, to - from + (to < len));
            g_string_insert(s, g_rand_int_range(rng, 0, (gint32)len + 1), line);
            g_free(line);
        }
        break;
    }
}

static void test_fuzz(void)
{
    GRand *rng = g_rand_new_with_seed(20240601);
    guint loaded = 0, refused = 0;
    /* The unmutated text must load, or the test proves nothing. */
    cirrus_scenario_free(load_ok(FUZZ_BASE, NULL));
    for (guint i = 0; i < 2000; i++) {
        GString *s = g_string_new(FUZZ_BASE);
        guint n = (guint)g_rand_int_range(rng, 1, 5);
        for (guint k = 0; k < n; k++) mutate(s, rng);
        GError *error = NULL;
        CirrusScenario *sc = cirrus_scenario_load_text(LABEL, s->str, cirrus_models_registry(), NULL, &error);
        if (sc) {
            g_assert_no_error(error);
            /* A scenario that loads also builds. */
            CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
            g_assert_no_error(error);
            g_assert_nonnull(sim);
            cirrus_sim_free(sim);
            cirrus_scenario_free(sc);
            loaded++;
        } else {
            g_assert_nonnull(error);
            if (error->domain != CIRRUS_ERROR || error->code != CIRRUS_ERROR_SCENARIO ||
                !g_str_has_prefix(error->message, LABEL ":"))
                g_error("mutation %u: unexpected error (code %d) '%s' for:\n%s", i, error->code, error->message, s->str);
            /* line:col are positive numbers. */
            int line = 0, col = 0;
            if (sscanf(error->message + strlen(LABEL ":"), "%d:%d:", &line, &col) != 2 || line < 1 || col < 1)
                g_error("mutation %u: no line:col in '%s'", i, error->message);
            g_error_free(error);
            refused++;
        }
        g_string_free(s, TRUE);
    }
    g_rand_free(rng);
    g_test_message("fuzz: %u loaded, %u refused", loaded, refused);
    /* Both outcomes happen: the mutations are neither all fatal nor all harmless. */
    g_assert_cmpuint(loaded, >, 20);
    g_assert_cmpuint(refused, >, 1000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/loader/valid", test_valid);
    g_test_add_func("/sim/loader/valid-full", test_valid_full);
    g_test_add_func("/sim/loader/misspelt-top-level", test_misspelt_top_level);
    g_test_add_func("/sim/loader/misspelt-component-key", test_misspelt_component_key);
    g_test_add_func("/sim/loader/misspelt-nested-key", test_misspelt_nested_key);
    g_test_add_func("/sim/loader/unknown-target", test_unknown_target);
    g_test_add_func("/sim/loader/unknown-type", test_unknown_type);
    g_test_add_func("/sim/loader/names", test_names);
    g_test_add_func("/sim/loader/duplicates", test_duplicates);
    g_test_add_func("/sim/loader/bad-unit", test_bad_unit);
    g_test_add_func("/sim/loader/negative", test_negative);
    g_test_add_func("/sim/loader/nan-inf", test_nan_inf);
    g_test_add_func("/sim/loader/wrong-type", test_wrong_type);
    g_test_add_func("/sim/loader/missing-required", test_missing_required);
    g_test_add_func("/sim/loader/enum", test_enum);
    g_test_add_func("/sim/loader/invalid-yaml", test_invalid_yaml);
    g_test_add_func("/sim/loader/not-a-map", test_not_a_map);
    g_test_add_func("/sim/loader/alias", test_alias);
    g_test_add_func("/sim/loader/nesting", test_nesting);
    g_test_add_func("/sim/loader/warmup", test_warmup);
    g_test_add_func("/sim/loader/sample-interval", test_sample_interval);
    g_test_add_func("/sim/loader/schedule", test_schedule);
    g_test_add_func("/sim/loader/distributions", test_distributions);
    g_test_add_func("/sim/loader/trace-files", test_trace_files);
    g_test_add_func("/sim/loader/csv-traces", test_csv_traces);
    g_test_add_func("/sim/loader/relative-paths", test_relative_paths);
    g_test_add_func("/sim/loader/faults", test_faults);
    g_test_add_func("/sim/loader/set-values", test_set_values);
    g_test_add_func("/sim/loader/set-changes-the-run", test_set_changes_the_run);
    g_test_add_func("/sim/loader/set-errors", test_set_errors);
    g_test_add_func("/sim/loader/set-paths", test_set_paths);
    g_test_add_func("/sim/loader/fuzz", test_fuzz);
    return g_test_run();
}
