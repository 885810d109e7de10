/* cirrus — `cirrus sweep`: one scenario over the cross product of --set
 * values, each point with replications, into one HDF5 file
 * (docs/outputs.md, "Sweeps").
 *
 * Every point's replication k uses the scenario's seed and index k, so
 * points differ only by the swept values (common random numbers: the
 * workload's arrivals are the same at every point, which makes the
 * differences between points sharper than independent runs would).  All
 * points' replications go to one thread pool (under mpirun, one per rank:
 * tools/mpi.h); the file is written point by point by one thread (see
 * replicate.h; with -j > 1 each point's as soon as its runs are done, the
 * rest at the end), so it depends neither on -j nor on the ranks. */
#include "tools/cli.h"
#include "tools/compare.h"
#include "tools/mpi.h"
#include "tools/replicate.h"
#include "tools/sweep.h"
#include "tools/runtables.h"
#include "models/registry.h"
#include "sim/kernel/error.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

typedef CirrusSweepAxis Axis;
typedef CirrusSweep Sweep;

CirrusSweepAxis *cirrus_sweep_axis_new(const char *key)
{
    CirrusSweepAxis *a = g_new0(CirrusSweepAxis, 1);
    a->key = g_strdup(key);
    a->values = g_ptr_array_new_with_free_func(g_free);
    return a;
}

void cirrus_sweep_axis_free(gpointer p)
{
    Axis *a = p;
    g_free(a->key);
    g_ptr_array_unref(a->values);
    g_free(a);
}

/* "4,6,8" -> 4 | 6 | 8; commas inside [...] or {...} (a flow list or map
 * as one value) do not split. */
static GPtrArray *split_values(const char *text)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    int depth = 0;
    const char *start = text;
    for (const char *p = text;; p++) {
        if (*p == '[' || *p == '{') depth++;
        else if ((*p == ']' || *p == '}') && depth > 0) depth--;
        if (*p == '\0' || (*p == ',' && depth == 0)) {
            g_ptr_array_add(out, g_strstrip(g_strndup(start, (gsize)(p - start))));
            if (*p == '\0') break;
            start = p + 1;
        }
    }
    return out;
}

static GPtrArray *parse_axes(char **sets, GError **error)
{
    GPtrArray *axes = g_ptr_array_new_with_free_func(cirrus_sweep_axis_free);
    for (guint i = 0; sets && sets[i]; i++) {
        const char *eq = strchr(sets[i], '=');
        Axis *a = g_new0(Axis, 1);
        a->key = eq ? g_strndup(sets[i], (gsize)(eq - sets[i])) : g_strdup(sets[i]);
        a->values = eq ? split_values(eq + 1) : g_ptr_array_new();
        g_ptr_array_add(axes, a);
        gboolean empty = a->values->len == 0 || !*a->key;
        for (guint v = 0; v < a->values->len; v++) empty = empty || !*(char *)a->values->pdata[v];
        for (guint j = 0; j + 1 < axes->len && !empty; j++)
            if (strcmp(((Axis *)axes->pdata[j])->key, a->key) == 0) {
                g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "--set %s is given twice", a->key);
                g_ptr_array_unref(axes);
                return NULL;
            }
        if (empty) {
            g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                        "--set takes KEY=V1,V2,... with no empty value, not '%s'", sets[i]);
            g_ptr_array_unref(axes);
            return NULL;
        }
    }
    if (axes->len == 0) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "nothing to sweep: give at least one --set KEY=V1,V2,...");
        g_ptr_array_unref(axes);
        return NULL;
    }
    return axes;
}

/* Point p's value of axis a: the first axis varies slowest. */
static const char *point_value(GPtrArray *axes, guint p, guint a)
{
    guint stride = 1;
    for (guint b = a + 1; b < axes->len; b++) stride *= ((Axis *)axes->pdata[b])->values->len;
    Axis *axis = axes->pdata[a];
    return axis->values->pdata[(p / stride) % axis->values->len];
}

/* Point p's value of axis a: the cross product's or, for a plan, as listed. */
static const char *sweep_value(const Sweep *sw, guint p, guint a)
{
    return sw->point_values ? sw->point_values[p * sw->axes->len + a] : point_value(sw->axes, p, a);
}

/* "key=value" per axis, NULL-terminated. */
static char **point_sets(const Sweep *sw, guint p)
{
    char **sets = g_new0(char *, sw->axes->len + 1);
    for (guint a = 0; a < sw->axes->len; a++)
        sets[a] = g_strdup_printf("%s=%s", ((Axis *)sw->axes->pdata[a])->key, sweep_value(sw, p, a));
    return sets;
}

/* The point's own run file, written as `cirrus run --replications`
 * writes it. */
static gboolean write_point_file(const char *path, Sweep *sw, guint p, GError **error)
{
    char **sets = point_sets(sw, p);
    char *overrides = g_strjoinv("\n", sets);
    gboolean ok = cirrus_replicas_write(path, sw->sc[p], overrides, sw->reps + p * sw->n_reps, sw->n_reps, error);
    g_free(overrides);
    g_strfreev(sets);
    return ok;
}

/* The point's run file (written now, next to the output, unless it was
 * already: sw->point_files), copied in as /points/<p>. */
static gboolean write_point(CirrusH5 *h5, Sweep *sw, guint p, GError **error)
{
    char *group = g_strdup_printf("/points/%u", p);
    gboolean ok;
    if (sw->point_files && sw->point_files[p]) {
        ok = cirrus_h5_copy_file(h5, sw->point_files[p], group, error);
    } else {
        char *tmp = g_strdup_printf("%s.point%u", cirrus_h5_temp_path(h5), p);
        ok = write_point_file(tmp, sw, p, error) && cirrus_h5_copy_file(h5, tmp, group, error);
        g_unlink(tmp);
        g_free(tmp);
    }
    g_free(group);
    return ok;
}

/* Writing the points' files while the other points run (called by
 * cirrus_replicas_run_ordered on this thread, so HDF5 stays on one
 * thread).  Writing them (means, series, summaries) was nearly all of a
 * sweep's serial part: 0.87 s of 6.47 with -j 1 for mm4, 4 points x 8
 * runs of 4 h (0.2 s a point).  Now only the last point's file and the
 * copying in are left for the end.  Opportunistic: if a file cannot be
 * made here, the point is written at the end as before, and fails there
 * with the usual error. */
typedef struct {
    Sweep *sw;
    const char *out;
    guint next;         /* the first point not yet considered */
    gboolean give_up;
} EarlyPoints;

static void write_ready_points(CirrusReplica *reps, guint n_done, gpointer data)
{
    EarlyPoints *e = data;
    Sweep *sw = e->sw;
    for (; !e->give_up && e->next < sw->n_points && (e->next + 1) * sw->n_reps <= n_done; e->next++) {
        guint p = e->next;
        /* A failed run fails the sweep: nothing to write. */
        if (!cirrus_replicas_check(reps + p * sw->n_reps, sw->n_reps, NULL)) continue;
        char *path = g_strdup_printf("%s.point%u-XXXXXX", e->out, p);
        int fd = g_mkstemp(path);
        if (fd >= 0) close(fd);
        if (fd >= 0 && write_point_file(path, sw, p, NULL)) {
            sw->point_files[p] = path;
        } else {
            if (fd >= 0) g_unlink(path);
            g_free(path);
            e->give_up = TRUE;
        }
    }
}

/* /sweep_points: one row per point, its index and the value of each key (as
 * given); /sweep: one row per point and metric, the same prefix, then
 * the summary fields with each statistic's mean and its _ci95. */
static gboolean write_tables(CirrusH5 *h5, Sweep *sw, GError **error)
{
    guint n_keys = sw->axes->len, n_rows = 0;
    for (guint p = 0; p < sw->n_points; p++) n_rows += sw->summary[p]->len;
    GPtrArray *all = g_ptr_array_new();
    double *point_of_point = g_new(double, sw->n_points), *point_of_row = g_new(double, MAX(n_rows, 1u));
    const char **values = g_new(const char *, n_keys * sw->n_points);
    const char **row_values = g_new(const char *, n_keys * MAX(n_rows, 1u));
    for (guint p = 0, r = 0; p < sw->n_points; p++) {
        point_of_point[p] = p;
        for (guint a = 0; a < n_keys; a++) values[a * sw->n_points + p] = sweep_value(sw, p, a);
        for (guint i = 0; i < sw->summary[p]->len; i++, r++) {
            g_ptr_array_add(all, sw->summary[p]->pdata[i]);
            point_of_row[r] = p;
            for (guint a = 0; a < n_keys; a++) row_values[a * n_rows + r] = values[a * sw->n_points + p];
        }
    }
    CirrusH5Field *fields = g_new(CirrusH5Field, n_keys + 1), *prefix = g_new(CirrusH5Field, n_keys + 1);
    fields[0] = (CirrusH5Field){"point", NULL, point_of_point};
    prefix[0] = (CirrusH5Field){"point", NULL, point_of_row};
    for (guint a = 0; a < n_keys; a++) {
        const char *key = ((Axis *)sw->axes->pdata[a])->key;
        fields[a + 1] = (CirrusH5Field){key, values + a * sw->n_points, NULL};
        prefix[a + 1] = (CirrusH5Field){key, row_values + a * n_rows, NULL};
    }
    gboolean ok = cirrus_h5_table(h5, "/sweep_points", fields, n_keys + 1, sw->n_points, error) &&
                  cirrus_tables_write_rows(h5, "/sweep", all, prefix, n_keys + 1, CIRRUS_ROWS_BOTH, error);
    g_free(fields);
    g_free(prefix);
    g_free(values);
    g_free(row_values);
    g_free(point_of_point);
    g_free(point_of_row);
    g_ptr_array_unref(all);
    return ok;
}

gboolean cirrus_sweep_write(const char *path, Sweep *sw, const char *const *extra, GError **error)
{
    CirrusH5 *h5 = cirrus_h5_open(path, error);
    if (!h5) return FALSE;
    cirrus_h5_without_series(h5);
    GString *keys = g_string_new(NULL);
    for (guint a = 0; a < sw->axes->len; a++)
        g_string_append_printf(keys, "%s%s", a ? "\n" : "", ((Axis *)sw->axes->pdata[a])->key);
    CirrusScenario *sc = sw->sc[0];
    gboolean ok = cirrus_h5_attr_string(h5, "scenario", cirrus_scenario_name(sc), error) &&
                  cirrus_h5_attr_string(h5, "scenario_yaml", cirrus_scenario_text(sc), error) &&
                  cirrus_h5_attr_string(h5, "scenario_path", cirrus_scenario_path(sc), error) &&
                  cirrus_h5_attr_string(h5, "cirrus_version", CIRRUS_VERSION, error) &&
                  cirrus_h5_attr_string(h5, "sweep_keys", keys->str, error) &&
                  cirrus_h5_attr_int64(h5, "points", sw->n_points, error) &&
                  cirrus_h5_attr_int64(h5, "replications", sw->n_reps, error) &&
                  write_tables(h5, sw, error);
    for (guint i = 0; ok && extra && extra[i] && extra[i + 1]; i += 2)
        ok = cirrus_h5_attr_string(h5, extra[i], extra[i + 1], error);
    for (guint p = 0; ok && p < sw->n_points; p++) ok = write_point(h5, sw, p, error);
    g_string_free(keys, TRUE);
    if (!ok) {
        cirrus_h5_close(h5, FALSE, NULL);
        return FALSE;
    }
    return cirrus_h5_close(h5, TRUE, error);
}

/* The points side by side, as `cirrus compare` shows runs. */
static void print_summary(Sweep *sw, const char *path, double wall)
{
    GString *out = g_string_new(NULL);
    g_string_append_printf(out, "sweep of %s: %u point%s x %u replication%s%s, %.2f s of wall time\n",
                           cirrus_scenario_name(sw->sc[0]), sw->n_points, sw->n_points == 1 ? "" : "s", sw->n_reps,
                           sw->n_reps == 1 ? "" : "s", sw->n_reps > 1 ? " (mean ± 95% CI)" : "", wall);
    CirrusRunSummary *runs = g_new0(CirrusRunSummary, sw->n_points);
    CirrusRunSummary **ptrs = g_new(CirrusRunSummary *, sw->n_points);
    char **labels = g_new0(char *, sw->n_points + 1);
    for (guint p = 0; p < sw->n_points; p++) {
        runs[p] = (CirrusRunSummary){sw->summary[p], sw->n_reps, NAN, NAN};
        ptrs[p] = &runs[p];
        labels[p] = g_strdup_printf("P%u", p);
        char **sets = point_sets(sw, p);
        char *joined = g_strjoinv(", ", sets);
        g_string_append_printf(out, "P%u = %s\n", p, joined);
        g_free(joined);
        g_strfreev(sets);
    }
    guint left_out;
    GPtrArray *rows = cirrus_compare_rows(ptrs, sw->n_points, FALSE, &left_out);
    cirrus_compare_format(out, rows, (const char *const *)labels, sw->n_points, FALSE);
    g_string_append_printf(out, "\nsweep written to %s\n", path);
    fputs(out->str, stdout);
    g_ptr_array_unref(rows);
    g_strfreev(labels);
    g_free(ptrs);
    g_free(runs);
    g_string_free(out, TRUE);
}

static int sweep(const char *path, GPtrArray *axes, guint n_reps, guint jobs, const char *output, gboolean quiet)
{
    GError *error = NULL;
    Sweep sw = {.axes = axes, .n_points = 1, .n_reps = n_reps};
    for (guint a = 0; a < axes->len; a++) sw.n_points *= ((Axis *)axes->pdata[a])->values->len;
    sw.sc = g_new0(CirrusScenario *, sw.n_points);
    sw.summary = g_new0(GPtrArray *, sw.n_points);
    sw.reps = g_new0(CirrusReplica, sw.n_points * n_reps);
    for (guint p = 0; p < sw.n_points && !error; p++) {
        char **sets = point_sets(&sw, p);
        sw.sc[p] = cirrus_scenario_load(path, cirrus_models_registry(), (const char *const *)sets, &error);
        if (!sw.sc[p]) {
            char *joined = g_strjoinv(", ", sets);
            g_prefix_error(&error, "at %s: ", joined);
            g_free(joined);
        }
        for (guint k = 0; k < n_reps; k++) sw.reps[p * n_reps + k] = (CirrusReplica){.sc = sw.sc[p], .replication = k};
        g_strfreev(sets);
    }
    /* Under mpirun every rank loads the scenario and runs its share
     * (tools/mpi.h); rank 0 alone writes and prints.  Each agreement
     * makes an error on any rank every rank's, so that all stop with one
     * exit status and one message (a no-op in one process). */
    cirrus_mpi_agree(&error);
    char *out = output ? g_strdup(output) : sw.sc[0] ? g_strdup_printf("%s-sweep.h5", cirrus_scenario_name(sw.sc[0])) : NULL;
    CirrusReplicaLimits limits = {0};
    gint64 t0 = g_get_monotonic_time();
    gboolean progress = !quiet && isatty(STDERR_FILENO);
    if (!error) {
        gboolean ran;
        if (jobs > 1 && cirrus_mpi_size() == 1 && cirrus_mpi_rank() == 0) {
            /* One process with threads: each point's file is written as
             * soon as its runs are done (with -j 1 there is nothing to
             * overlap; under mpirun, rank 0 has the runs only at the end). */
            sw.point_files = g_new0(char *, sw.n_points);
            EarlyPoints early = {.sw = &sw, .out = out};
            ran = cirrus_replicas_run_ordered(sw.reps, sw.n_points * n_reps, jobs, &limits, progress,
                                              write_ready_points, &early, &error);
        } else {
            ran = cirrus_mpi_replicas_run(sw.reps, sw.n_points * n_reps, jobs, &limits, progress, &error);
        }
        if (!ran) g_prefix_error(&error, "no output written: ");
    }
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    if (!error && cirrus_mpi_rank() == 0) {
        for (guint p = 0; p < sw.n_points; p++) sw.summary[p] = cirrus_replicas_summary(sw.reps + p * n_reps, n_reps);
        if (cirrus_sweep_write(out, &sw, NULL, &error) && !quiet) print_summary(&sw, out, wall);
    }
    cirrus_mpi_agree(&error);
    int status = error ? cirrus_cli_fail(error) : 0;
    for (guint i = 0; i < sw.n_points * n_reps; i++) cirrus_replica_clear(&sw.reps[i]);
    for (guint p = 0; p < sw.n_points; p++) {
        cirrus_scenario_free(sw.sc[p]);
        if (sw.summary[p]) g_ptr_array_unref(sw.summary[p]);
        if (sw.point_files && sw.point_files[p]) g_unlink(sw.point_files[p]);
        if (sw.point_files) g_free(sw.point_files[p]);
    }
    g_free(sw.point_files);
    g_free(sw.sc);
    g_free(sw.summary);
    g_free(sw.reps);
    g_free(out);
    return status;
}

int cirrus_cmd_sweep(int argc, char **argv)
{
    char *output = NULL, **sets = NULL, *path;
    gint replications = 1, jobs = 1;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "A key and its values, e.g. components.db.workers=4,6,8 "
         "(repeatable: the cross product; one value: a fixed override)", "KEY=V1,V2,..."},
        {"replications", 0, 0, G_OPTION_ARG_INT, &replications, "Replications per point (default 1)", "N"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs in parallel (default 1; 0: every core)", "N"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "The HDF5 file (default NAME-sweep.h5)", "OUT.h5"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No summary table, no progress", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int status = cirrus_cli_parse(&argc, &argv, entries, "SCENARIO.yaml",
                                  "Runs the scenario at every combination of the --set values and writes one HDF5\n"
                                  "file: a table of points x metrics (mean, 95% CI) and every point's runs\n"
                                  "(docs/outputs.md, \"Sweeps\"). 'cirrus plot OUT.h5' draws metric vs parameter.\n"
                                  "Under 'mpirun -np N' (a build with MPI) the runs are spread over N ranks and\n"
                                  "rank 0 writes the same file (docs/performance.md).",
                                  &path);
    GError *error = NULL;
    GPtrArray *axes = NULL;
    if (status < 0 && (replications < 1 || jobs < 0)) {
        cirrus_cli_error("cirrus sweep: --replications takes a whole number from 1 up, -j one from 0 (every core) up\n");
        status = 2;
    }
    if (status < 0 && !(axes = parse_axes(sets, &error))) status = cirrus_cli_fail(error);
    if (status < 0) status = sweep(path, axes, (guint)replications, cirrus_jobs(jobs), output, quiet);
    if (axes) g_ptr_array_unref(axes);
    g_strfreev(sets);
    g_free(output);
    return status;
}
