/* cirrus — `cirrus run` and `cirrus validate`. */
#include "tools/cli.h"
#include "tools/plot.h"
#include "tools/replicate.h"
#include "tools/runtables.h"
#include "tools/summary.h"
#include "tools/warn.h"
#include "tools/slo.h"
#include "models/registry.h"
#include "sim/kernel/error.h"
#include "sim/h5/h5out.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char *output, *summary_json, *plot_dir, *duration;
    char **sets;
    gint64 seed;
    gboolean seed_given, quiet, strict;
    gint replications, jobs;
    gint64 max_pending, max_in_flight;
    double max_wall;
} RunOptions;

/* --set values plus --seed/--duration, which are shorthands for sets. */
static GPtrArray *collect_sets(const RunOptions *o)
{
    GPtrArray *sets = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; o->sets && o->sets[i]; i++) g_ptr_array_add(sets, g_strdup(o->sets[i]));
    if (o->seed_given) g_ptr_array_add(sets, g_strdup_printf("seed=%" G_GINT64_FORMAT, o->seed));
    if (o->duration) g_ptr_array_add(sets, g_strdup_printf("duration=%s", o->duration));
    g_ptr_array_add(sets, NULL);
    return sets;
}

/* The scenario's `slo:` items must parse (their numbers are only looked
 * up in a run's summary), then the warnings it deserves: printed on
 * stderr; -1 to go on, or the exit status (2 for a bad SLO, or for any
 * warning with --strict). */
static int check_scenario(CirrusScenario *sc, gboolean strict)
{
    GError *error = NULL;
    GArray *slos = cirrus_scenario_slos(sc, &error);
    if (!slos) return cirrus_cli_fail(error);
    g_array_unref(slos);
    GPtrArray *warnings = cirrus_warnings_static(sc);
    guint n = cirrus_warnings_print(stderr, warnings);
    g_ptr_array_unref(warnings);
    if (n > 0 && strict) {
        fprintf(stderr, "cirrus: %u warning%s, and --strict makes them errors\n", n, n == 1 ? "" : "s");
        return 2;
    }
    return -1;
}

int cirrus_cmd_validate(int argc, char **argv)
{
    char **sets = NULL, *path;
    gboolean strict = FALSE;
    GOptionEntry entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Override a scenario key (path=value)", "KEY=VALUE"},
        {"strict", 0, 0, G_OPTION_ARG_NONE, &strict, "Treat warnings as errors (exit status 2)", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int status = cirrus_cli_parse(&argc, &argv, entries, "SCENARIO.yaml",
                               "Checks the scenario: prints errors, and warnings about what would run but\n"
                               "probably not as meant (docs/getting-started.md, \"Warnings\").", &path);
    if (status < 0) {
        GError *error = NULL;
        CirrusScenario *sc = cirrus_scenario_load(path, cirrus_models_registry(), (const char *const *)sets, &error);
        status = sc ? check_scenario(sc, strict) : cirrus_cli_fail(error);
        if (status < 0) status = 0;
        cirrus_scenario_free(sc);
    }
    g_strfreev(sets);
    return status;
}

/* ---- the run ------------------------------------------------------------------ */

typedef struct {
    CirrusH5 *h5;
    gboolean show_progress;
    gint64 started_us, last_print_us;
} RunContext;

static gboolean write_row(void *user_data, double time_s, const double *values, guint n, GError **error)
{
    RunContext *rc = user_data;
    return !rc->h5 || cirrus_h5_append(rc->h5, time_s, values, n, error);
}

/* One updating line on a terminal: simulated time, % done, events/s, ETA. */
static void show_progress(void *user_data, CirrusTime now, CirrusTime stop, guint64 events)
{
    RunContext *rc = user_data;
    gint64 t = g_get_monotonic_time();
    if (!rc->show_progress || t - rc->started_us < 1000000 || t - rc->last_print_us < 200000) return;
    rc->last_print_us = t;
    double wall = (double)(t - rc->started_us) / 1e6, done = (double)now / (double)stop;
    double eta = done > 0 ? wall * (1 - done) / done : 0;
    fprintf(stderr, "\r  simulated %.0f of %.0f s  %5.1f%%  %.2f M events/s  ETA %.0f s   ",
            cirrus_time_to_s(now), cirrus_time_to_s(stop), 100 * done, (double)events / wall / 1e6, eta);
    fflush(stderr);
}

static CirrusSim *volatile running_sim;

static void on_signal(int sig)
{
    (void)sig;
    if (running_sim) cirrus_sim_request_stop(running_sim);
}

static gboolean open_output(CirrusScenario *sc, CirrusSim *sim, const char *path, const char *overrides,
                            CirrusH5 **out, GError **error)
{
    CirrusH5 *h5 = cirrus_h5_open(path, error);
    if (!h5) return FALSE;
    for (guint i = 0; i < cirrus_sim_n_series(sim); i++) {
        const char *group, *name;
        cirrus_sim_series(sim, i, &group, &name);
        cirrus_h5_add_series(h5, group, name);
    }
    if (!cirrus_run_attrs(h5, sc, sim, overrides, 1, error)) {
        cirrus_h5_close(h5, FALSE, NULL);
        return FALSE;
    }
    *out = h5;
    return TRUE;
}

/* The default plot of a finished run: DIR/NAME.png. */
static int plot_dashboard(const char *h5, const char *dir, const char *name, gboolean quiet)
{
    GError *error = NULL;
    if (g_mkdir_with_parents(dir, 0777) != 0) {
        fprintf(stderr, "cirrus: cannot create '%s': %s\n", dir, g_strerror(errno));
        return 1;
    }
    char *png = g_strdup_printf("%s/%s.png", dir, name), *script = NULL;
    CirrusH5Run *run = cirrus_h5run_open(h5, &error);
    GPtrArray *none = g_ptr_array_new();
    gboolean ok = run && (script = cirrus_plot_script(run, none, png, &error)) && cirrus_plot_render(script, &error);
    if (ok && !quiet) printf("plot written to %s\n", png);
    g_ptr_array_unref(none);
    cirrus_h5run_close(run);
    g_free(script);
    g_free(png);
    if (ok) return 0;
    /* The run itself succeeded and its file is kept: a plot failure is an
     * output failure (1), not a scenario error. */
    error->code = CIRRUS_ERROR_IO;
    return cirrus_cli_fail(error);
}

/* What a finished run shows: the summary table (or JSON), the plot. */
static int report(CirrusScenario *sc, const RunOptions *o, const char *output, GPtrArray *rows,
                  const CirrusRunInfo *info)
{
    GError *error = NULL;
    int status = 0;
    gboolean json_to_stdout = o->summary_json && strcmp(o->summary_json, "-") == 0;
    GPtrArray *warnings = cirrus_warnings_after_run(sc, rows);
    guint n_warnings = cirrus_warnings_print(stderr, warnings);
    g_ptr_array_unref(warnings);
    if (!o->quiet && !json_to_stdout) {
        cirrus_summary_print_header(stdout, sc, info);
        cirrus_summary_print_rows(stdout, rows, info->replications);
        printf("\nseries written to %s\n", output);
    }
    if (o->plot_dir) status = plot_dashboard(output, o->plot_dir, cirrus_scenario_name(sc), o->quiet);
    if (o->summary_json) {
        char *json = cirrus_summary_json_rows(sc, rows, info);
        if (json_to_stdout) {
            fputs(json, stdout);
        } else if (!g_file_set_contents(o->summary_json, json, -1, &error)) {
            GError *io = error;
            error = g_error_new(CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write '%s': %s", o->summary_json, io->message);
            g_error_free(io);
            status = cirrus_cli_fail(error);
        }
        g_free(json);
    }
    if (status == 0 && n_warnings > 0 && o->strict) {
        fprintf(stderr, "cirrus: %u warning%s, and --strict makes them errors\n", n_warnings,
                n_warnings == 1 ? "" : "s");
        status = 2;
    }
    return status;
}

/* --replications N > 1: run them (-j at a time), write one file, report
 * the means with their 95% half-widths. */
static int run_replicated(CirrusScenario *sc, const RunOptions *o, const char *overrides)
{
    GError *error = NULL;
    guint n = (guint)o->replications;
    CirrusReplica *reps = g_new0(CirrusReplica, n);
    for (guint k = 0; k < n; k++) reps[k] = (CirrusReplica){.sc = sc, .replication = k};
    CirrusReplicaLimits limits = {(gsize)o->max_pending, (gsize)o->max_in_flight, o->max_wall};
    char *output = o->output ? g_strdup(o->output) : g_strdup_printf("%s.h5", cirrus_scenario_name(sc));
    gint64 t0 = g_get_monotonic_time();
    int status = 0;
    gboolean ok = cirrus_replicas_run(reps, n, cirrus_jobs(o->jobs), &limits, !o->quiet && isatty(STDERR_FILENO), &error);
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (!ok && error->domain == CIRRUS_ERROR && error->code != CIRRUS_ERROR_SCENARIO) {
        /* Interrupted, over a limit, or an IO failure: nothing is kept
         * (unlike a single run, whose truncated series are). */
        error->code = CIRRUS_ERROR_IO;
        g_prefix_error(&error, "no output written: ");
    }
    if (!ok || !cirrus_replicas_write(output, sc, overrides, reps, n, &error)) {
        status = cirrus_cli_fail(error);
    } else {
        CirrusRunInfo info = {
            .seed = cirrus_scenario_seed(sc),
            .duration_s = cirrus_time_to_s(cirrus_scenario_duration(sc)),
            .warmup_s = cirrus_time_to_s(cirrus_scenario_warmup(sc)),
            .wall_s = wall,
            .replications = n,
        };
        for (guint k = 0; k < n; k++) info.events += reps[k].events;
        GPtrArray *rows = cirrus_replicas_summary(reps, n);
        status = report(sc, o, output, rows, &info);
        g_ptr_array_unref(rows);
    }
    for (guint k = 0; k < n; k++) cirrus_replica_clear(&reps[k]);
    g_free(reps);
    g_free(output);
    return status;
}

static int run_scenario(CirrusScenario *sc, const RunOptions *o, const char *overrides)
{
    GError *error = NULL;
    RunContext rc = { .show_progress = !o->quiet && isatty(STDERR_FILENO) };
    CirrusSim *sim = cirrus_scenario_build(sc, 0, &error);
    if (!sim) return cirrus_cli_fail(error);
    char *output = o->output ? g_strdup(o->output) : g_strdup_printf("%s.h5", cirrus_scenario_name(sc));
    int status = 0;
    if (!open_output(sc, sim, output, overrides, &rc.h5, &error)) {
        status = cirrus_cli_fail(error);
        goto out;
    }
    CirrusRunSpec spec = {
        .duration = cirrus_scenario_duration(sc),
        .warmup = cirrus_scenario_warmup(sc),
        .sample_interval = cirrus_scenario_sample_interval(sc),
        .sink = write_row, .progress = show_progress, .user_data = &rc,
        .max_pending = (gsize)o->max_pending, .max_in_flight = (gsize)o->max_in_flight, .max_wall_s = o->max_wall,
    };
    rc.started_us = g_get_monotonic_time();
    running_sim = sim;
    void (*old_int)(int) = signal(SIGINT, on_signal);
    void (*old_term)(int) = signal(SIGTERM, on_signal);
    gboolean ran = cirrus_sim_run(sim, &spec, &error);
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    running_sim = NULL;
    if (rc.show_progress) fprintf(stderr, "\r%80s\r", "");
    CirrusRunInfo info = {
        .seed = cirrus_scenario_seed(sc),
        .duration_s = cirrus_time_to_s(spec.duration),
        .warmup_s = cirrus_time_to_s(spec.warmup),
        .wall_s = (double)(g_get_monotonic_time() - rc.started_us) / 1e6,
        .events = cirrus_sim_events(sim),
    };
    if (!ran && cirrus_sim_stopped(sim)) {
        /* Interrupted (SIGINT/SIGTERM) or over a limit: keep what was
         * simulated, marked as such so that nothing mistakes it for a
         * complete run. */
        GError *io = NULL;
        /* The partial summary covers [warmup, the instant reached]: the
         * kernel finished the models there (sim/kernel/sim.h). */
        gboolean kept = cirrus_h5_attr_int64(rc.h5, "truncated", 1, &io) &&
                        cirrus_h5_attr_double(rc.h5, "truncated_at_s", cirrus_time_to_s(cirrus_sim_now(sim)), &io) &&
                        cirrus_h5_attr_int64(rc.h5, "events", (gint64)info.events, &io) &&
                        cirrus_h5_attr_double(rc.h5, "wall_s", info.wall_s, &io) &&
                        cirrus_tables_write_summary(rc.h5, "/summary", sim, &io) &&
                        cirrus_h5_close(rc.h5, TRUE, &io);
        if (!kept) cirrus_h5_close(rc.h5, FALSE, NULL);
        fprintf(stderr, "cirrus: %s; %s\n", error->message,
                kept ? "the series and a summary of what was simulated are in the output file, marked 'truncated'"
                     : "the output could not be kept");
        if (kept) fprintf(stderr, "cirrus: output: %s\n", output);
        g_clear_error(&io);
        g_error_free(error);
        status = 1;
        goto out;
    }
    if (!ran) {
        /* Nothing that looks complete is left behind. */
        cirrus_h5_close(rc.h5, FALSE, NULL);
        status = cirrus_cli_fail(error);
        goto out;
    }
    gboolean ok = cirrus_h5_attr_double(rc.h5, "wall_s", info.wall_s, &error) &&
                  cirrus_h5_attr_int64(rc.h5, "events", (gint64)info.events, &error) &&
                  cirrus_tables_write_summary(rc.h5, "/summary", sim, &error);
    if (!cirrus_h5_close(rc.h5, ok, ok ? &error : NULL) || !ok) {
        status = cirrus_cli_fail(error);
        goto out;
    }
    GPtrArray *rows = cirrus_summary_rows(sim);
    status = report(sc, o, output, rows, &info);
    g_ptr_array_unref(rows);
out:
    g_free(output);
    cirrus_sim_free(sim);
    return status;
}

int cirrus_cmd_run(int argc, char **argv)
{
    RunOptions o = { .replications = 1, .jobs = 1 };
    char *path, *seed_text = NULL;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output, "HDF5 file for the time series (default NAME.h5)", "OUT.h5"},
        {"seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Random seed (overrides the scenario's)", "N"},
        {"duration", 0, 0, G_OPTION_ARG_STRING, &o.duration, "Simulated time (overrides the scenario's)", "T"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.sets, "Override a scenario key, e.g. components.db.workers=8", "KEY=VALUE"},
        {"replications", 0, 0, G_OPTION_ARG_INT, &o.replications, "Independent replications: mean and 95% CI of every number", "N"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &o.jobs, "Replications run in parallel (default 1; 0: every core)", "N"},
        {"summary-json", 0, 0, G_OPTION_ARG_FILENAME, &o.summary_json, "Write the summary as JSON ('-': stdout)", "FILE"},
        {"plot", 0, 0, G_OPTION_ARG_FILENAME, &o.plot_dir, "Write the dashboard plot to DIR/NAME.png", "DIR"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &o.quiet, "No summary table, no progress (warnings and errors still)", NULL},
        {"strict", 0, 0, G_OPTION_ARG_NONE, &o.strict, "Treat warnings as errors: exit status 2 (before the run for "
         "what the scenario says, after it for what the run showed)", NULL},
        {"max-pending", 0, 0, G_OPTION_ARG_INT64, &o.max_pending, "Stop if more events are pending (default 16777216)", "N"},
        {"max-in-flight", 0, 0, G_OPTION_ARG_INT64, &o.max_in_flight, "Stop if more requests are alive (default 20000000)", "N"},
        {"max-wall", 0, 0, G_OPTION_ARG_DOUBLE, &o.max_wall, "Stop after this many seconds of wall time", "SECONDS"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int status = cirrus_cli_parse(&argc, &argv, entries, "SCENARIO.yaml",
                               "Runs the scenario and writes its time series to HDF5 (docs/outputs.md).", &path);
    if (status >= 0) goto out;
    if (seed_text) {
        guint64 seed;
        if (!g_ascii_string_to_unsigned(seed_text, 10, 0, G_MAXINT64, &seed, NULL)) {
            fprintf(stderr, "cirrus run: --seed takes a whole number from 0 to 2^63-1, not '%s'\n", seed_text);
            status = 2;
            goto out;
        }
        o.seed = (gint64)seed;
        o.seed_given = TRUE;
    }
    if (o.max_pending < 0 || o.max_in_flight < 0 || o.max_wall < 0) {
        fprintf(stderr, "cirrus run: --max-pending, --max-in-flight and --max-wall take positive numbers\n");
        status = 2;
        goto out;
    }
    if (o.replications < 1 || o.jobs < 0) {
        fprintf(stderr, "cirrus run: --replications takes a whole number from 1 up, -j one from 0 (every core) up\n");
        status = 2;
        goto out;
    }
    GPtrArray *sets = collect_sets(&o);
    GError *error = NULL;
    CirrusScenario *sc = cirrus_scenario_load(path, cirrus_models_registry(), (const char *const *)sets->pdata, &error);
    char *overrides = g_strjoinv("\n", (char **)sets->pdata);
    g_ptr_array_free(sets, TRUE);
    status = !sc ? cirrus_cli_fail(error) : check_scenario(sc, o.strict);
    if (status < 0) status = o.replications > 1 ? run_replicated(sc, &o, overrides)
                                                               : run_scenario(sc, &o, overrides);
    g_free(overrides);
    cirrus_scenario_free(sc);
out:
    g_free(o.output);
    g_free(o.summary_json);
    g_free(o.plot_dir);
    g_free(o.duration);
    g_free(seed_text);
    g_strfreev(o.sets);
    return status;
}
