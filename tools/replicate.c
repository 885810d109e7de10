/* cirrus — replications (see replicate.h). */
#include "tools/replicate.h"
#include "tools/runtables.h"
#include "sim/kernel/error.h"
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <string.h>

/* Building a simulation reads the scenario's YAML tree and marks the keys
 * it used (for "unknown key" errors), so builds from one scenario must not
 * overlap; the runs that follow share nothing and overlap freely. */
static GMutex build_lock;

/* Set by SIGINT/SIGTERM; each running replication sees it at its next
 * progress call (every 2^20 events) and stops.  A signal handler cannot
 * safely walk the list of running simulations, hence the flag. */
static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

guint cirrus_jobs(gint requested)
{
    return requested > 0 ? (guint)requested : MAX(g_get_num_processors(), 1u);
}

typedef struct {
    CirrusReplica *r;
    CirrusSim *sim;
} Job;

static gboolean sink_row(void *user_data, double time_s, const double *values, guint n, GError **error)
{
    CirrusReplica *r = ((Job *)user_data)->r;
    if (fwrite(&time_s, sizeof time_s, 1, r->series) != 1 ||
        (n && fwrite(values, sizeof *values, n, r->series) != n)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write replication %" G_GUINT64_FORMAT
                    "'s series to a temporary file: %s", r->replication, g_strerror(errno));
        return FALSE;
    }
    r->n_rows++;
    return TRUE;
}

static void check_stop(void *user_data, CirrusTime now, CirrusTime stop, guint64 events)
{
    (void)now, (void)stop, (void)events;
    if (stop_requested) cirrus_sim_request_stop(((Job *)user_data)->sim);
}

typedef struct {
    const CirrusReplicaLimits *limits;
    GMutex lock;
    guint done, n;
    gboolean progress;
    CirrusReplica *reps;
    GAsyncQueue *finished;    /* index + 1 of each finished replica; NULL run serially */
} Shared;

static void run_one(gpointer data, gpointer user_data)
{
    Shared *sh = user_data;
    Job job = {data, NULL};
    CirrusReplica *r = job.r;
    g_mutex_lock(&build_lock);
    job.sim = cirrus_scenario_build(r->sc, r->replication, &r->error);
    g_mutex_unlock(&build_lock);
    if (!job.sim) goto finished;
    r->n_series = cirrus_sim_n_series(job.sim);
    r->series = tmpfile();
    if (!r->series) {
        g_set_error(&r->error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot create a temporary file: %s", g_strerror(errno));
        cirrus_sim_free(job.sim);
        goto finished;
    }
    CirrusRunSpec spec = {
        .duration = cirrus_scenario_duration(r->sc),
        .warmup = cirrus_scenario_warmup(r->sc),
        .sample_interval = cirrus_scenario_sample_interval(r->sc),
        .sink = sink_row, .progress = check_stop, .user_data = &job,
        .max_pending = sh->limits->max_pending, .max_in_flight = sh->limits->max_in_flight,
        .max_wall_s = sh->limits->max_wall_s,
    };
    gint64 t0 = g_get_monotonic_time();
    if (stop_requested) cirrus_sim_request_stop(job.sim);
    gboolean ok = cirrus_sim_run(job.sim, &spec, &r->error);
    r->wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
    r->events = cirrus_sim_events(job.sim);
    if (!ok) {
        r->interrupted = cirrus_sim_stopped(job.sim);
    } else if (fflush(r->series) != 0 || fseek(r->series, 0, SEEK_SET) != 0) {
        g_set_error(&r->error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot write a temporary file: %s", g_strerror(errno));
    } else {
        r->rows = cirrus_summary_rows(job.sim);
    }
    cirrus_sim_free(job.sim);
    g_mutex_lock(&sh->lock);
    sh->done++;
    if (sh->progress) {
        fprintf(stderr, "\r  %u of %u runs done   ", sh->done, sh->n);
        fflush(stderr);
    }
    g_mutex_unlock(&sh->lock);
finished:
    /* The queue's lock also publishes *r to the thread that pops it. */
    if (sh->finished) g_async_queue_push(sh->finished, GUINT_TO_POINTER((guint)(r - sh->reps) + 1));
}

gboolean cirrus_replicas_run(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                             gboolean progress, GError **error)
{
    return cirrus_replicas_run_ordered(reps, n, jobs, limits, progress, NULL, NULL, error);
}

gboolean cirrus_replicas_run_ordered(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                                     gboolean progress, CirrusReplicasReady ready, gpointer user_data,
                                     GError **error)
{
    Shared sh = {.limits = limits, .n = n, .progress = progress, .reps = reps};
    g_mutex_init(&sh.lock);
    stop_requested = 0;
    void (*old_int)(int) = signal(SIGINT, on_signal);
    void (*old_term)(int) = signal(SIGTERM, on_signal);
    if (jobs <= 1 || n <= 1) {
        for (guint k = 0; k < n; k++) {
            run_one(&reps[k], &sh);
            if (ready) ready(reps, k + 1, user_data);
        }
    } else {
        /* The calling thread waits for the runs as they finish and hands
         * each longer finished prefix to `ready` while the pool runs the
         * rest: `cirrus sweep` writes each finished point's file there,
         * overlapping most of its HDF5 writing (13% of its time with -j 1)
         * with the runs (docs/performance.md). */
        sh.finished = g_async_queue_new();
        gboolean *finished = g_new0(gboolean, n);
        GThreadPool *pool = g_thread_pool_new(run_one, &sh, (gint)MIN(jobs, n), TRUE, NULL);
        for (guint k = 0; k < n; k++) g_thread_pool_push(pool, &reps[k], NULL);
        for (guint popped = 0, prefix = 0; popped < n; popped++) {
            finished[GPOINTER_TO_UINT(g_async_queue_pop(sh.finished)) - 1] = TRUE;
            guint before = prefix;
            while (prefix < n && finished[prefix]) prefix++;
            if (ready && prefix > before) ready(reps, prefix, user_data);
        }
        g_thread_pool_free(pool, FALSE, TRUE);
        g_async_queue_unref(sh.finished);
        g_free(finished);
    }
    signal(SIGINT, old_int);
    signal(SIGTERM, old_term);
    if (progress) fprintf(stderr, "\r%60s\r", "");
    g_mutex_clear(&sh.lock);
    return cirrus_replicas_check(reps, n, error);
}

gboolean cirrus_replicas_check(const CirrusReplica *reps, guint n, GError **error)
{
    for (guint k = 0; k < n; k++)
        if (reps[k].error) {
            g_propagate_prefixed_error(error, g_error_copy(reps[k].error), "replication %" G_GUINT64_FORMAT ": ",
                                       reps[k].replication);
            return FALSE;
        }
    return TRUE;
}

void cirrus_replica_clear(CirrusReplica *r)
{
    if (r->rows) g_ptr_array_unref(r->rows);
    if (r->series) fclose(r->series);
    g_clear_error(&r->error);
    r->rows = NULL;
    r->series = NULL;
}

GPtrArray *cirrus_replicas_summary(CirrusReplica *reps, guint n)
{
    GPtrArray **all = g_new(GPtrArray *, n);
    for (guint k = 0; k < n; k++) all[k] = reps[k].rows;
    /* Copy the first replication's rows for their names, then average. */
    GPtrArray *rows = cirrus_summary_rows_copy(reps[0].rows);
    cirrus_summary_rows_mean(rows, all, n);
    g_free(all);
    return rows;
}

gboolean cirrus_run_attrs(CirrusH5 *h5, CirrusScenario *sc, CirrusSim *sim, const char *overrides,
                          guint replications, GError **error)
{
    return cirrus_h5_attr_string(h5, "scenario", cirrus_scenario_name(sc), error) &&
           cirrus_h5_attr_string(h5, "scenario_yaml", cirrus_scenario_text(sc), error) &&
           cirrus_h5_attr_string(h5, "scenario_path", cirrus_scenario_path(sc), error) &&
           /* what --set/--seed/--duration changed, one per line */
           cirrus_h5_attr_string(h5, "overrides", overrides, error) &&
           cirrus_h5_attr_string(h5, "cirrus_version", CIRRUS_VERSION, error) &&
           cirrus_h5_attr_int64(h5, "seed", (gint64)cirrus_scenario_seed(sc), error) &&
           cirrus_h5_attr_double(h5, "duration_s", cirrus_time_to_s(cirrus_scenario_duration(sc)), error) &&
           cirrus_h5_attr_double(h5, "warmup_s", cirrus_time_to_s(cirrus_scenario_warmup(sc)), error) &&
           cirrus_h5_attr_double(h5, "sample_interval_s", cirrus_time_to_s(cirrus_scenario_sample_interval(sc)),
                                 error) &&
           cirrus_h5_attr_int64(h5, "replications", replications, error) &&
           cirrus_tables_write_faults(h5, sim, error);
}

/* A simulation for the series' names.  Under the build lock: `cirrus
 * sweep` writes while the pool still builds other replications. */
static CirrusSim *build_for_names(CirrusScenario *sc, GError **error)
{
    g_mutex_lock(&build_lock);
    CirrusSim *sim = cirrus_scenario_build(sc, 0, error);
    g_mutex_unlock(&build_lock);
    return sim;
}

/* The series: the means on top, then each replication's own. */
static void declare_series(CirrusH5 *h5, CirrusSim *sim, guint n)
{
    guint s = cirrus_sim_n_series(sim);
    for (guint i = 0; i < s; i++) {
        const char *group, *name;
        cirrus_sim_series(sim, i, &group, &name);
        cirrus_h5_add_series(h5, group, name);
    }
    for (guint k = 0; k < n; k++) {
        char *top = g_strdup_printf("/replications/%u", k);
        cirrus_h5_add_series(h5, top, "time");
        for (guint i = 0; i < s; i++) {
            const char *group, *name;
            cirrus_sim_series(sim, i, &group, &name);
            char *g = g_strconcat(top, group, NULL);
            cirrus_h5_add_series(h5, g, name);
            g_free(g);
        }
        g_free(top);
    }
}

/* Row by row from the replications' temporary files: memory does not grow
 * with the length of the run.  A top-level value is the mean of the
 * replications' values that are numbers (a latency percentile is NaN in
 * an interval without values), NaN when none is. */
static gboolean write_rows(CirrusH5 *h5, CirrusReplica *reps, guint n, guint s, GError **error)
{
    guint width = 1 + s, total = s + n * width;
    double *values = g_new(double, total);
    gboolean ok = TRUE;
    for (guint row = 0; ok && row < reps[0].n_rows; row++) {
        for (guint k = 0; ok && k < n; k++)
            if (fread(values + s + k * width, sizeof(double), width, reps[k].series) != width) {
                g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot read back replication %u's series", k);
                ok = FALSE;
            }
        for (guint i = 0; ok && i < s; i++) {
            double sum = 0;
            guint m = 0;
            for (guint k = 0; k < n; k++) {
                double v = values[s + k * width + 1 + i];
                if (isfinite(v)) { sum += v; m++; }
            }
            values[i] = m ? sum / m : NAN;
        }
        ok = ok && cirrus_h5_append(h5, values[s], values, total, error);
    }
    g_free(values);
    return ok;
}

gboolean cirrus_replicas_write(const char *path, CirrusScenario *sc, const char *overrides, CirrusReplica *reps,
                               guint n, GError **error)
{
    for (guint k = 1; k < n; k++)
        g_return_val_if_fail(reps[k].n_rows == reps[0].n_rows && reps[k].n_series == reps[0].n_series, FALSE);
    CirrusSim *sim = build_for_names(sc, error);
    if (!sim) return FALSE;
    CirrusH5 *h5 = cirrus_h5_open(path, error);
    if (!h5) {
        cirrus_sim_free(sim);
        return FALSE;
    }
    declare_series(h5, sim, n);
    guint64 events = 0;
    double wall = 0;
    for (guint k = 0; k < n; k++) {
        events += reps[k].events;
        wall += reps[k].wall_s;
    }
    GPtrArray *mean = cirrus_replicas_summary(reps, n);
    gboolean ok = cirrus_run_attrs(h5, sc, sim, overrides, n, error) &&
                  write_rows(h5, reps, n, reps[0].n_series, error) &&
                  /* the replications' wall times, summed: the time spent
                   * simulating, whatever -j was */
                  cirrus_h5_attr_double(h5, "wall_s", wall, error) &&
                  cirrus_h5_attr_int64(h5, "events", (gint64)events, error) &&
                  cirrus_tables_write_rows(h5, "/summary", mean, NULL, 0, CIRRUS_ROWS_VALUES, error) &&
                  cirrus_tables_write_rows(h5, "/summary_ci95", mean, NULL, 0, CIRRUS_ROWS_CI95, error);
    for (guint k = 0; ok && k < n; k++) {
        char *table = g_strdup_printf("/replications/%u/summary", k);
        ok = cirrus_tables_write_rows(h5, table, reps[k].rows, NULL, 0, CIRRUS_ROWS_VALUES, error);
        g_free(table);
    }
    g_ptr_array_unref(mean);
    cirrus_sim_free(sim);
    if (!ok) {
        cirrus_h5_close(h5, FALSE, NULL);
        return FALSE;
    }
    return cirrus_h5_close(h5, TRUE, error);
}
