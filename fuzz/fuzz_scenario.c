/* cirrus — libFuzzer harness for the scenario loader (docs/reliability.md).
 *
 * Input: the bytes of a scenario file.  They go through the same path as
 * `cirrus validate` (the models' registry, one build inside the load) and,
 * when they load, one more cirrus_scenario_build, the `slo:` list and the
 * warnings (tools/warn.h), and everything is freed so
 * that LeakSanitizer sees a leak on any path.  Besides crashes, sanitizer
 * reports and leaks, a refusal that is not a located scenario error
 * ("fuzz.yaml:LINE:COL: ...", or an unreadable side file) aborts: the
 * command line promises exit 2 and a file:line:col message for bad input. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/registry.h"
#include "sim/kernel/error.h"
#include "sim/loader/scenario.h"
#include "sim/kernel/sim.h"
#include "tools/slo.h"
#include "tools/warn.h"

#define LABEL "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The message starts "LABEL:LINE:COL: " with positive LINE and COL. */
static gboolean located(const char *message)
{
    int line = 0, col = 0;
    return g_str_has_prefix(message, LABEL ":") &&
           sscanf(message + strlen(LABEL ":"), "%d:%d:", &line, &col) == 2 && line >= 1 && col >= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The command line refuses a file with NUL bytes before parsing; text
     * loading stops at the first NUL, so such inputs add nothing. */
    if (memchr(data, 0, size)) return 0;
    char *text = g_strndup((const char *)data, size);
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load_text(LABEL, text, cirrus_models_registry(), NULL, &error);
    if (sc) {
        CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
        if (!sim) {
            fprintf(stderr, "a scenario that loaded failed to build: %s\n", error->message);
            abort();
        }
        cirrus_sim_free(sim);
        /* What `cirrus validate` does next: the `slo:` items and the
         * warnings, which read the tree again and must not crash either. */
        GArray *slos = cirrus_scenario_slos(sc, &error);
        if (slos) g_array_unref(slos);
        else g_clear_error(&error);
        g_ptr_array_unref(cirrus_warnings_static(sc));
        cirrus_scenario_free(sc);
    } else {
        if (!error || error->domain != CIRRUS_ERROR) {
            fprintf(stderr, "refused without a cirrus error\n");
            abort();
        }
        /* IO: a side file (trace, samples) named by the input cannot be read. */
        if (error->code != CIRRUS_ERROR_IO && (error->code != CIRRUS_ERROR_SCENARIO || !located(error->message))) {
            fprintf(stderr, "refusal without a located scenario error (code %d): %s\n", error->code, error->message);
            abort();
        }
        g_error_free(error);
    }
    g_free(text);
    return 0;
}
