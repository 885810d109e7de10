/* cirrus — `cirrus bench`: how fast is the kernel on this machine?
 *
 *  1. The pending-event set alone, by the classic hold model: N entries
 *     pending; each hold pops the minimum and pushes it back at that time
 *     plus an exponential increment.  Reported in ns per hold.
 *  2. End to end: an M/M/c station with 100 workers at 90% load, fed by a
 *     Poisson workload, with HDF5 output on.  Reported in events/s and
 *     simulated requests/s. */
#include "tools/cli.h"
#include "models/registry.h"
#include "sim/h5/h5out.h"
#include "sim/kernel/pes.h"
#include "sim/kernel/rng.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static double now_s(void) { return (double)g_get_monotonic_time() / 1e6; }

/* The timed holds: a function of its own, so that callgrind can count
 * the instructions of this loop alone (--toggle-collect=bench_hold_loop,
 * see bench_hold_instructions). */
#define HOLD_TABLE 65536
G_GNUC_NO_INLINE void bench_hold_loop(CirrusPes *pes, const CirrusTime *incr, guint64 holds);
G_GNUC_NO_INLINE void bench_hold_loop(CirrusPes *pes, const CirrusTime *incr, guint64 holds)
{
    CirrusTime t;
    guint32 idx;
    for (guint64 i = 0; i < holds; i++) {
        cirrus_pes_pop(pes, &t, &idx);
        cirrus_pes_push(pes, t + incr[(i * 7919) & (HOLD_TABLE - 1)], idx);
    }
}

/* ns per hold with `pending` entries, over `holds` operations.  The
 * exponential increments (mean 1 ms) are drawn beforehand (a table of
 * 2^16, cycled) so that the figure is the event set's own cost, not that
 * of log(). */
static double bench_hold(CirrusPesKind kind, gsize pending, guint64 holds)
{
    CirrusPes *pes = cirrus_pes_new(kind);
    CirrusRng rng;
    cirrus_rng_seed(&rng, 12345);
    CirrusTime *incr = g_new(CirrusTime, HOLD_TABLE);
    for (gsize i = 0; i < HOLD_TABLE; i++) incr[i] = (CirrusTime)(cirrus_rng_exp1(&rng) * 1e6);
    for (gsize i = 0; i < pending; i++)
        cirrus_pes_push(pes, incr[i % HOLD_TABLE] + (CirrusTime)i, (guint32)(i & (CIRRUS_PES_MAX_INDEX - 1)));
    /* Bring the structure to its steady state first. */
    CirrusTime t;
    guint32 idx;
    for (gsize i = 0; i < pending; i++) {
        cirrus_pes_pop(pes, &t, &idx);
        cirrus_pes_push(pes, t + incr[i & (HOLD_TABLE - 1)], idx);
    }
    double start = now_s();
    bench_hold_loop(pes, incr, holds);
    double elapsed = now_s() - start;
    cirrus_pes_free(pes);
    g_free(incr);
    return elapsed * 1e9 / (double)holds;
}

/* Run this program again under `valgrind --tool=callgrind` with `args`
 * (after "bench"), counting everything or, with `toggle`, only that
 * function; the instructions counted, and the child's standard output
 * into *child_out if asked.  NAN if valgrind cannot be run. */
static double callgrind_count(const char *const *args, const char *toggle, char **child_out)
{
    char *self = g_file_read_link("/proc/self/exe", NULL);
    char *dir = self ? g_dir_make_tmp("cirrus-bench-XXXXXX", NULL) : NULL;
    if (!dir) {
        g_free(self);
        return NAN;
    }
    char *out = g_build_filename(dir, "callgrind.out", NULL);
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, g_strdup("valgrind"));
    g_ptr_array_add(argv, g_strdup("--tool=callgrind"));
    if (toggle) {
        g_ptr_array_add(argv, g_strdup("--collect-atstart=no"));
        g_ptr_array_add(argv, g_strconcat("--toggle-collect=", toggle, NULL));
    }
    g_ptr_array_add(argv, g_strconcat("--callgrind-out-file=", out, NULL));
    g_ptr_array_add(argv, g_strdup(self));
    g_ptr_array_add(argv, g_strdup("bench"));
    for (gsize i = 0; args[i]; i++) g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);
    gint status = 0;
    char *text = NULL;
    double ir = NAN;
    GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL | (child_out ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL);
    if (g_spawn_sync(NULL, (char **)argv->pdata, NULL, flags, NULL, NULL, child_out, NULL, &status, NULL)
        && g_spawn_check_wait_status(status, NULL) && g_file_get_contents(out, &text, NULL, NULL)) {
        /* The profile's "totals: N" (or "summary: N") line: Ir collected. */
        const char *line = strstr(text, "\ntotals:");
        if (!line) line = strstr(text, "\nsummary:");
        if (line) ir = g_ascii_strtod(strchr(line, ':') + 1, NULL);
    }
    g_free(text);
    g_unlink(out);
    g_rmdir(dir);
    g_free(out);
    g_ptr_array_free(argv, TRUE);
    g_free(dir);
    g_free(self);
    return ir;
}

/* Instructions per hold, counted by callgrind in a run of one hold test
 * (--hold KIND:N), counting only bench_hold_loop.  Unlike the wall-clock
 * figure it does not depend on the machine's load, so it shows a
 * change's effect exactly.  NAN if valgrind cannot be run. */
#define HOLD_CALLGRIND_HOLDS 1000000
static double bench_hold_instructions(CirrusPesKind kind, gsize pending)
{
    char *hold = g_strdup_printf("%s:%zu", cirrus_pes_kind_name(kind), pending);
    char *holds = g_strdup_printf("%d", HOLD_CALLGRIND_HOLDS);
    const char *args[] = { "--hold", hold, "--holds", holds, NULL };
    double ir = callgrind_count(args, "bench_hold_loop", NULL) / HOLD_CALLGRIND_HOLDS;
    g_free(hold);
    g_free(holds);
    return ir;
}

typedef struct { CirrusH5 *h5; } BenchSink;

static gboolean bench_row(void *ud, double t, const double *v, guint n, GError **error)
{
    BenchSink *b = ud;
    return !b->h5 || cirrus_h5_append(b->h5, t, v, n, error);
}

static const char mmc_scenario[] =
    "name: bench-mmc\n"
    "duration: %s\n"
    "seed: 7\n"
    "workloads:\n"
    "  - {name: users, target: station, arrival: {process: poisson, rate: 9000/s}}\n"
    "components:\n"
    "  - {name: station, type: service, workers: 100,\n"
    "     service_time: {dist: exponential, mean: 10ms}}\n";

typedef struct {
    guint64 events, requests;   /* done in the run */
    double events_per_s, requests_per_s;   /* of wall time, the run loop alone */
} BenchMmc;

/* Run the M/M/100 scenario; FALSE on failure. */
static gboolean bench_mmc(const char *duration, CirrusPesKind kind, gboolean with_output, BenchMmc *result,
                          GError **error)
{
    char *text = g_strdup_printf(mmc_scenario, duration);
    CirrusScenario *sc = cirrus_scenario_load_text("bench-mmc", text, cirrus_models_registry(), NULL, error);
    g_free(text);
    if (!sc) return FALSE;
    CirrusSim *sim = cirrus_scenario_build(sc, 0, error);
    if (sim) cirrus_sim_set_pes(sim, kind);
    BenchSink sink = {0};
    char *dir = NULL, *path = NULL;
    gboolean ok = sim != NULL;
    if (ok && with_output) {
        dir = g_dir_make_tmp("cirrus-bench-XXXXXX", error);
        ok = dir != NULL;
        if (ok) {
            path = g_build_filename(dir, "bench.h5", NULL);
            ok = (sink.h5 = cirrus_h5_open(path, error)) != NULL;
        }
        for (guint i = 0; ok && i < cirrus_sim_n_series(sim); i++) {
            const char *g, *n;
            cirrus_sim_series(sim, i, &g, &n);
            cirrus_h5_add_series(sink.h5, g, n);
        }
    }
    if (ok) {
        CirrusRunSpec spec = { .duration = cirrus_scenario_duration(sc), .sample_interval = CIRRUS_SEC,
                               .sink = bench_row, .user_data = &sink };
        double start = now_s();
        ok = cirrus_sim_run(sim, &spec, error);
        double wall = now_s() - start;
        gint req = cirrus_component_metric_index(cirrus_sim_find(sim, "users"), "Requests");
        CirrusMetricSummary m;
        cirrus_component_metric_summary(cirrus_sim_find(sim, "users"), (guint)req, &m);
        result->events = cirrus_sim_events(sim);
        result->requests = (guint64)m.sum;
        result->events_per_s = (double)result->events / wall;
        result->requests_per_s = m.sum / wall;
    }
    if (sink.h5) ok = cirrus_h5_close(sink.h5, ok, ok ? error : NULL) && ok;
    if (path) g_unlink(path);
    if (dir) g_rmdir(dir);
    g_free(path);
    g_free(dir);
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    return ok;
}

/* Time a whole scenario as `cirrus run` would, HDF5 output included. */
static gboolean bench_scenario(const char *path, GError **error)
{
    CirrusScenario *sc = cirrus_scenario_load(path, cirrus_models_registry(), NULL, error);
    if (!sc) return FALSE;
    CirrusSim *sim = cirrus_scenario_build(sc, 0, error);
    char *dir = g_dir_make_tmp("cirrus-bench-XXXXXX", error), *out = dir ? g_build_filename(dir, "run.h5", NULL) : NULL;
    BenchSink sink = {0};
    gboolean ok = sim && dir && (sink.h5 = cirrus_h5_open(out, error)) != NULL;
    for (guint i = 0; ok && i < cirrus_sim_n_series(sim); i++) {
        const char *g, *n;
        cirrus_sim_series(sim, i, &g, &n);
        cirrus_h5_add_series(sink.h5, g, n);
    }
    if (ok) {
        CirrusRunSpec spec = { .duration = cirrus_scenario_duration(sc), .warmup = cirrus_scenario_warmup(sc),
                               .sample_interval = cirrus_scenario_sample_interval(sc),
                               .sink = bench_row, .user_data = &sink };
        double start = now_s();
        ok = cirrus_sim_run(sim, &spec, error);
        double wall = now_s() - start;
        if (ok)
            printf("  %s: %.0f s simulated in %.2f s of wall time, %.1f M events (%.2f M events/s)\n",
                   cirrus_scenario_name(sc), cirrus_time_to_s(spec.duration), wall,
                   (double)cirrus_sim_events(sim) / 1e6, (double)cirrus_sim_events(sim) / wall / 1e6);
    }
    if (sink.h5) ok = cirrus_h5_close(sink.h5, FALSE, NULL) && ok;
    if (dir) g_rmdir(dir);
    g_free(out);
    g_free(dir);
    cirrus_sim_free(sim);
    cirrus_scenario_free(sc);
    return ok;
}

/* Instructions per M/M/100 request with HDF5 output and every metric
 * (issue 22's measure): the model run for 1 and for 2 simulated minutes
 * under callgrind (--mmc, whole program), and the difference in
 * instructions over the difference in requests — the second minute's
 * cost alone, without start-up or the file's closing, so it does not
 * depend on the run's length.  Also the events per request. */
static void bench_mmc_instructions(void)
{
    double ir[2];
    guint64 requests[2] = {0, 0}, events[2] = {0, 0};
    static const char *const durations[] = {"1m", "2m"};
    for (int i = 0; i < 2; i++) {
        const char *args[] = { "--mmc", durations[i], NULL };
        char *out = NULL;
        ir[i] = callgrind_count(args, NULL, &out);
        if (!out || sscanf(out, "requests %" G_GUINT64_FORMAT " events %" G_GUINT64_FORMAT, &requests[i], &events[i]) != 2)
            ir[i] = NAN;
        g_free(out);
    }
    if (isnan(ir[0]) || isnan(ir[1]) || requests[1] <= requests[0]) {
        printf("  instructions per request: nan (valgrind not found or the runs failed)\n");
        return;
    }
    double dr = (double)(requests[1] - requests[0]);
    printf("  instructions per request (wheel, HDF5 on; callgrind, 2 minus 1 simulated minutes, %.0f requests):"
           " %.1f Ir, %.3f events\n", dr, (ir[1] - ir[0]) / dr, (double)(events[1] - events[0]) / dr);
}

/* --mmc DURATION: the M/M/100 alone, with HDF5 output, the default
 * structure; prints its requests and events (what
 * bench_mmc_instructions runs under callgrind). */
static int bench_one_mmc(const char *duration)
{
    GError *error = NULL;
    BenchMmc r;
    if (!bench_mmc(duration, CIRRUS_PES_DEFAULT, TRUE, &r, &error)) return cirrus_cli_fail(error);
    printf("requests %" G_GUINT64_FORMAT " events %" G_GUINT64_FORMAT "\n", r.requests, r.events);
    return 0;
}

/* --hold KIND:N: one hold test alone (what bench_hold_instructions runs
 * under callgrind). */
static int bench_one_hold(const char *spec, guint64 holds)
{
    char **parts = g_strsplit(spec, ":", 2);
    CirrusPesKind kind;
    guint64 pending = 0;
    gboolean ok = parts[0] && parts[1] && cirrus_pes_kind_from_name(parts[0], &kind)
                  && g_ascii_string_to_unsigned(parts[1], 10, 1, CIRRUS_PES_MAX_INDEX / 2, &pending, NULL);
    g_strfreev(parts);
    if (!ok) {
        fprintf(stderr, "cirrus bench: --hold wants KIND:N (wheel, radix or heap4, N pending), got '%s'\n", spec);
        return 2;
    }
    printf("%s, %" G_GUINT64_FORMAT " pending: %.1f ns/hold\n", cirrus_pes_kind_name(kind), pending,
           bench_hold(kind, (gsize)pending, holds));
    return 0;
}

int cirrus_cmd_bench(int argc, char **argv)
{
    gboolean quick = FALSE, callgrind = FALSE;
    char **scenarios = NULL;
    char *hold = NULL, *mmc = NULL;
    gint64 hold_count = 0;
    GOptionEntry entries[] = {
        {"quick", 0, 0, G_OPTION_ARG_NONE, &quick, "Shorter runs (a smoke test; noisier figures)", NULL},
        {"scenario", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &scenarios,
         "Also time this scenario end to end (e.g. scenarios/bench/web-tier-40.yaml); repeatable", "FILE"},
        {"callgrind", 0, 0, G_OPTION_ARG_NONE, &callgrind,
         "Also count instructions per hold and per M/M/100 request with valgrind's callgrind (slow: minutes)", NULL},
        {"mmc", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &mmc, "Only the M/M/100, this long", "DURATION"},
        {"hold", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &hold, "Only one hold test", "KIND:N"},
        {"holds", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT64, &hold_count, "Holds for --hold", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int parsed = cirrus_cli_parse_args(&argc, &argv, entries, "",
        "Measures the pending-event set (hold model) and an end-to-end M/M/100 run.", 0, 0, "no arguments");
    if (parsed >= 0) return parsed;
    GError *error = NULL;
    if (hold || mmc) {
        int rc = hold ? bench_one_hold(hold, hold_count > 0 ? (guint64)hold_count : 1000000) : bench_one_mmc(mmc);
        g_free(hold);
        g_free(mmc);
        g_strfreev(scenarios);
        return rc;
    }
    guint64 holds = quick ? 1000000 : 10000000;
    /* 10^7 pending takes a few hundred MB and, for the heap, tens of
     * seconds: not in a quick run. */
    static const gsize sizes[] = {1000, 100000, 1000000, 10000000};
    gsize n_sizes = quick ? 3 : 4;
    static const CirrusPesKind kinds[] = {CIRRUS_PES_WHEEL, CIRRUS_PES_RADIX, CIRRUS_PES_HEAP4};
    printf("pending-event set, hold model (pop the minimum, push it back at +Exp), %" G_GUINT64_FORMAT " holds:\n",
           holds);
    printf("  %10s %14s %14s %14s %12s", "pending", "wheel ns/hold", "radix ns/hold", "heap4 ns/hold", "radix/wheel");
    if (callgrind) printf(" %14s %14s %14s", "wheel Ir/hold", "radix Ir/hold", "heap4 Ir/hold");
    printf("\n");
    for (gsize i = 0; i < n_sizes; i++) {
        double ns[G_N_ELEMENTS(kinds)];
        for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) ns[k] = bench_hold(kinds[k], sizes[i], holds);
        printf("  %10zu %14.1f %14.1f %14.1f %12.2f", sizes[i], ns[0], ns[1], ns[2], ns[1] / ns[0]);
        for (gsize k = 0; callgrind && k < G_N_ELEMENTS(kinds); k++) {
            fflush(stdout);
            printf(" %14.1f", bench_hold_instructions(kinds[k], sizes[i]));
        }
        printf("\n");
        fflush(stdout);
    }
    if (callgrind)
        printf("  (Ir/hold: instructions per hold under callgrind, %d holds; nan: valgrind not found)\n",
               HOLD_CALLGRIND_HOLDS);
    printf("end to end, M/M/100 at 90%% load (9000 requests/s, mean service 10 ms, %s simulated):\n",
           quick ? "2 min" : "20 min");
    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++)
        for (int out = 0; out < 2; out++) {
            BenchMmc r;
            if (!bench_mmc(quick ? "2m" : "20m", kinds[k], out, &r, &error)) return cirrus_cli_fail(error);
            printf("  %-5s HDF5 output %-3s: %6.2f M events/s, %6.2f M simulated requests/s\n",
                   cirrus_pes_kind_name(kinds[k]), out ? "on" : "off", r.events_per_s / 1e6, r.requests_per_s / 1e6);
            fflush(stdout);
        }
    if (callgrind) bench_mmc_instructions();
    if (scenarios) printf("scenarios (HDF5 output on, %s):\n", cirrus_pes_kind_name(CIRRUS_PES_DEFAULT));
    for (guint i = 0; scenarios && scenarios[i]; i++)
        if (!bench_scenario(scenarios[i], &error)) {
            g_strfreev(scenarios);
            return cirrus_cli_fail(error);
        }
    g_strfreev(scenarios);
    return 0;
}
