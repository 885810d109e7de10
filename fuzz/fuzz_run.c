/* cirrus — libFuzzer harness that runs what loads (docs/reliability.md).
 *
 * fuzz_scenario stops at building the simulation; the models' start(),
 * handle(), fault and sample code only runs in a simulation.  Here a
 * scenario that loads is also run, briefly: at most the first 2 simulated
 * minutes (faults at 0-2 m therefore fire), with small resource limits and
 * a quarter-second wall-clock cap so that one input cannot stall the
 * campaign.  Hitting a limit is an ordinary refusal (a run error), not a
 * finding; a crash, an assertion, a sanitizer report or a leak is. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/registry.h"
#include "sim/kernel/error.h"
#include "sim/loader/scenario.h"
#include "sim/kernel/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, 0, size)) return 0;
    char *text = g_strndup((const char *)data, size);
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text("fuzz.yaml", text, cirrus_models_registry(), NULL, &error);
    g_free(text);
    if (!sc) {
        g_error_free(error);
        return 0;
    }
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    if (!sim) {
        fprintf(stderr, "a scenario that loaded failed to build: %s\n", error->message);
        abort();
    }
    CirrusTime duration = MIN(cirrus_scenario_duration(sc), 2 * CIRRUS_MIN);
    CirrusRunSpec spec = {
        .duration = duration,
        .warmup = MIN(cirrus_scenario_warmup(sc), duration / 2),
        .sample_interval = MIN(cirrus_scenario_sample_interval(sc), duration),
        .max_pending = 200000,
        .max_in_flight = 200000,
        .max_wall_s = 0.25,
    };
    if (!cirrus_sim_run(sim, &spec, &error)) {
        if (!error || error->domain != CIRRUS_ERROR) {
            fprintf(stderr, "a run stopped without a cirrus error\n");
            abort();
        }
        g_error_free(error);
    }
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    return 0;
}
