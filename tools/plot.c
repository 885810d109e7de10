/* cirrus — `cirrus plot` (see plot.h).
 *
 * The data go inline into the script as datablocks ($D0 << EOD ... EOD), so
 * no temporary data files are needed; NaN (an interval with no latency
 * values) is a gap in the line.  Names from the file — component and metric
 * names come from a user's scenario — only ever appear inside quoted
 * strings with enhanced text off, never as gnuplot syntax. */
#include "tools/plot.h"
#include "tools/cli.h"
#include "tools/runtables.h"
#include "sim/kernel/error.h"
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *cirrus_gnuplot_quote(const char *text)
{
    GString *s = g_string_new("'");
    for (const char *p = text; *p; p++) {
        if (*p == '\'') g_string_append(s, "''");
        else if ((unsigned char)*p < 0x20) g_string_append_c(s, ' ');
        else g_string_append_c(s, *p);
    }
    g_string_append_c(s, '\'');
    return g_string_free(s, FALSE);
}

/* "components/web/Latency.p99" -> entity "components/web", metric "Latency.p99". */
static void split_series(const char *series, char **entity, const char **metric)
{
    const char *slash = strrchr(series, '/');
    *entity = g_strndup(series, (gsize)(slash - series));
    *metric = slash + 1;
}

/* One panel: the given series of one entity, with its title. */
typedef struct {
    char *title;
    GPtrArray *series;   /* full names */
    gboolean several;    /* series of several entities: label lines entity/Metric */
} Panel;

static void panel_free(gpointer p)
{
    Panel *panel = p;
    g_free(panel->title);
    g_ptr_array_unref(panel->series);
    g_free(panel);
}

static gboolean has_series(GPtrArray *all, const char *name)
{
    for (guint i = 0; i < all->len; i++)
        if (strcmp(all->pdata[i], name) == 0) return TRUE;
    return FALSE;
}

static const char *metric_of(const char *series) { return strrchr(series, '/') + 1; }

/* TRUE if a series holds some value other than 0 and NaN. */
static gboolean informative(CirrusH5Run *run, const char *series)
{
    GArray *v = cirrus_h5run_read(run, series, NULL);
    gboolean any = FALSE;
    for (guint i = 0; v && i < v->len && !any; i++) {
        double x = g_array_index(v, double, i);
        any = isfinite(x) && x != 0;
    }
    if (v) g_array_free(v, TRUE);
    return any;
}

static Panel *panel_new(char *title)
{
    Panel *panel = g_new0(Panel, 1);
    panel->title = title;
    panel->series = g_ptr_array_new_with_free_func(g_free);
    return panel;
}

/* Add `panel` if it has series; free it otherwise. */
static void keep_panel(GPtrArray *panels, Panel *panel)
{
    if (panel->series->len) g_ptr_array_add(panels, panel);
    else panel_free(panel);
}

/* Per-target call metrics (CallsMade.T, CallLatency.T ...: models/protocol/
 * calls.h) come after a component's own in the dashboard, whose panels
 * have room for a few series only: a function's Duration matters more
 * than its calls' latencies, which the file sorts first. */
static gboolean call_metric(const char *series)
{
    const char *slash = strrchr(series, '/');
    const char *metric = slash ? slash + 1 : series;
    return g_str_has_prefix(metric, "Call") && strchr(metric, '.') != NULL;
}

/* The dashboard: per entity, in file order, up to three panels — its
 * latency percentiles, its gauges (time-weighted mean and peak, at most
 * two), and its counts per interval — leaving out series that are all 0;
 * its own metrics first, its calls' after. */
static GPtrArray *dashboard_panels(CirrusH5Run *run, const char *only)
{
    GPtrArray *all = cirrus_h5run_series(run);
    GPtrArray *panels = g_ptr_array_new_with_free_func(panel_free);
    GPtrArray *entities = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < all->len; i++) {
        char *entity;
        const char *metric;
        split_series(all->pdata[i], &entity, &metric);
        gboolean seen = FALSE;
        for (guint k = 0; k < entities->len && !seen; k++) seen = strcmp(entities->pdata[k], entity) == 0;
        if (seen) g_free(entity);
        else g_ptr_array_add(entities, entity);
    }
    for (guint e = 0; e < entities->len; e++) {
        const char *entity = entities->pdata[e];
        if (only && strcmp(entity, only) != 0) continue;
        gsize el = strlen(entity);
        Panel *lat = panel_new(g_strdup_printf("%s: latency percentiles (seconds)", entity));
        Panel *count = panel_new(g_strdup_printf("%s: counts per interval", entity));
        Panel *gauges[2] = {NULL, NULL};   /* one panel each: their scales differ */
        guint n_gauges = 0;
        for (guint i = 0; i < 2 * all->len; i++) {
            const char *name = all->pdata[i % all->len];
            if (strncmp(name, entity, el) != 0 || name[el] != '/') continue;
            if (call_metric(name) != (i >= all->len)) continue;   /* own metrics, then calls' */
            if (g_str_has_suffix(name, ".mean") || g_str_has_suffix(name, ".max")) continue;
            if (!informative(run, name)) continue;
            char *max = g_strconcat(name, ".max", NULL);
            if (g_str_has_suffix(name, ".p50") || g_str_has_suffix(name, ".p90") || g_str_has_suffix(name, ".p99")) {
                if (lat->series->len < 3) g_ptr_array_add(lat->series, g_strdup(name));
            } else if (has_series(all, max)) {
                if (n_gauges < 2) {
                    Panel *g = gauges[n_gauges++] =
                        panel_new(g_strdup_printf("%s: %s (time-weighted mean, and peak)", entity, metric_of(name)));
                    g_ptr_array_add(g->series, g_strdup(name));
                    g_ptr_array_add(g->series, g_strdup(max));
                }
            } else if (count->series->len < 4) {
                g_ptr_array_add(count->series, g_strdup(name));
            }
            g_free(max);
        }
        keep_panel(panels, lat);
        for (guint g = 0; g < n_gauges; g++) keep_panel(panels, gauges[g]);
        keep_panel(panels, count);
    }
    g_ptr_array_unref(entities);
    return panels;
}

/* Panels for named series: one per argument given (an empty string in
 * `series` starts the next panel), titled by the entities it shows. */
static GPtrArray *named_panels(GPtrArray *series)
{
    GPtrArray *panels = g_ptr_array_new_with_free_func(panel_free);
    Panel *panel = NULL;
    for (guint i = 0; i <= series->len; i++) {
        const char *name = i < series->len ? series->pdata[i] : "";
        if (!*name) {
            if (panel) keep_panel(panels, panel);
            panel = NULL;
            continue;
        }
        char *entity;
        const char *metric;
        split_series(name, &entity, &metric);
        if (!panel) panel = panel_new(g_strdup(entity));
        else if (!strstr(panel->title, entity)) {
            char *t = g_strdup_printf("%s, %s", panel->title, entity);
            g_free(panel->title);
            panel->title = t;
            panel->several = TRUE;
        }
        g_ptr_array_add(panel->series, g_strdup(name));
        g_free(entity);
    }
    return panels;
}

void cirrus_plot_datablock(GString *s, const char *name, GArray *time, GArray *values, double scale)
{
    g_string_append_printf(s, "%s << EOD\n", name);
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; i < time->len && i < values->len; i++) {
        double v = g_array_index(values, double, i);
        g_string_append_printf(s, "%s %s\n", g_ascii_dtostr(a, sizeof a, g_array_index(time, double, i) / scale),
                               isfinite(v) ? g_ascii_dtostr(b, sizeof b, v) : "NaN");
    }
    g_string_append(s, "EOD\n");
}

/* A band's block: time, low, high; a row where either is NaN breaks the
 * band (a blank line), so that filledcurves never bridges a gap. */
static void band_datablock(GString *s, guint index, GArray *time, GArray *low, GArray *high, double scale)
{
    g_string_append_printf(s, "$B%u << EOD\n", index);
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; i < time->len && i < low->len && i < high->len; i++) {
        double l = g_array_index(low, double, i), h = g_array_index(high, double, i);
        if (!isfinite(l) || !isfinite(h)) {
            g_string_append_c(s, '\n');
            continue;
        }
        g_string_append_printf(s, "%s %s %s\n", g_ascii_dtostr(a, sizeof a, g_array_index(time, double, i) / scale),
                               g_ascii_dtostr(b, sizeof b, l), g_ascii_dtostr(c, sizeof c, h));
    }
    g_string_append(s, "EOD\n");
}

double cirrus_plot_time_scale(double end_s, const char **unit)
{
    *unit = end_s > 7200 ? "hours" : "minutes";
    return end_s > 7200 ? 3600 : 60;
}

static double at(GArray *a, guint i) { return g_array_index(a, double, i); }

/* Row k covers [t0, t1) and its level mean is the time-weighted mean.  One
 * change at c from a steady `old` to a steady `new` gives
 * mean = old + (new - old) (t1 - c) / (t1 - t0): solve for c.  Otherwise
 * (more changes, or levels not known to be steady), the row's midpoint. */
static double change_instant(double t0, double t1, double old, double mean, double next, gboolean exact)
{
    if (exact && next != old) {
        double f = (mean - old) / (next - old);
        if (f >= 0 && f <= 1) return t1 - f * (t1 - t0);
    }
    return 0.5 * (t0 + t1);
}

GArray *cirrus_plot_scaling_times(GArray *time, GArray *level, GArray *activities)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(double));
    guint n = MIN(time->len, level->len);
    if (activities) n = MIN(n, activities->len);
    for (guint k = 0; k < n; k++) {
        double t0 = k ? at(time, k - 1) : 0, t1 = at(time, k);
        double old = k ? at(level, k - 1) : at(level, k), next = k + 1 < n ? at(level, k + 1) : at(level, k);
        if (activities) {
            /* The rows before and after without an activity hold steady
             * levels: with one activity in between, its instant is exact. */
            double m = at(activities, k);
            if (!(m > 0)) continue;
            gboolean steady = k > 0 && at(activities, k - 1) == 0 && (k + 1 >= n || at(activities, k + 1) == 0);
            if (m == 1) {
                double c = change_instant(t0, t1, old, at(level, k), next, steady);
                g_array_append_val(out, c);
            } else {
                for (guint j = 0; j < (guint)m; j++) {
                    double c = t0 + (j + 0.5) * (t1 - t0) / m;
                    g_array_append_val(out, c);
                }
            }
            continue;
        }
        /* No activity series: a row whose mean differs from the one before
         * holds a change, unless it only finishes one begun in that row,
         * which the two-row pattern below consumes. */
        double mean = at(level, k);
        if (k == 0 || mean == old || !isfinite(mean)) continue;
        gboolean steady = (k == 1 || at(level, k - 2) == old) && (k + 2 >= n || at(level, k + 2) == next);
        double c = change_instant(t0, t1, old, mean, next, steady);
        g_array_append_val(out, c);
        if (steady && next != mean) k++;
    }
    return out;
}

/* A truncated run: the part never simulated, from the instant reached to
 * the duration asked for, hatched grey and labelled "truncated at T of D s". */
static void append_truncation(GString *s, CirrusH5Run *run, double scale)
{
    double at, duration;
    if (!cirrus_h5run_truncated(run, &at, &duration) || !isfinite(at)) return;
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_dtostr(a, sizeof a, at / scale);
    g_ascii_dtostr(b, sizeof b, (isfinite(duration) && duration > at ? duration : at) / scale);
    g_string_append_printf(s, "set object rect from first %s, graph 0 to first %s, graph 1 behind "
                              "fillcolor rgb '#d5d8dc' fillstyle pattern 4 border lc rgb '#909497'\n", a, b);
    g_string_append_printf(s, "set arrow from first %s, graph 0 to first %s, graph 1 nohead lc rgb '#515a5a' lw 2 front\n",
                           a, a);
    char *text = cirrus_h5run_truncated_text(run), *q = cirrus_gnuplot_quote(text);
    g_string_append_printf(s, "set label %s at first %s, graph 0.5 left offset 0.8,0 front textcolor rgb '#515a5a'\n",
                           q, a);
    g_free(q);
    g_free(text);
}

/* Fault windows as shaded spans behind the lines, instants (no end) as
 * dashed red lines, each labelled at the top; labels are quoted text. */
static void append_faults(GString *s, GArray *spans, double scale)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; spans && i < spans->len; i++) {
        const CirrusFaultSpan *f = &g_array_index(spans, CirrusFaultSpan, i);
        g_ascii_dtostr(a, sizeof a, f->start_s / scale);
        g_ascii_dtostr(b, sizeof b, f->end_s / scale);
        if (f->end_s > f->start_s)
            g_string_append_printf(s, "set object rect from first %s, graph 0 to first %s, graph 1 behind "
                                      "fillcolor rgb '#f4c7c3' fillstyle solid 0.6 noborder\n", a, b);
        else
            g_string_append_printf(s, "set arrow from first %s, graph 0 to first %s, graph 1 nohead "
                                      "lc rgb '#c0392b' lw 1.5 dt 2 front\n", a, a);
        char *q = cirrus_gnuplot_quote(f->label);
        g_string_append_printf(s, "set label %s at first %s, graph %.2f left offset 0.4,0 front "
                                  "textcolor rgb '#a93226'\n", q, a, 0.94 - 0.07 * (i % 4));
        g_free(q);
    }
}

static void append_scaling(GString *s, GArray *times, double scale)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; times && i < times->len; i++) {
        g_ascii_dtostr(a, sizeof a, g_array_index(times, double, i) / scale);
        g_string_append_printf(s, "set arrow from first %s, graph 0 to first %s, graph 1 nohead "
                                  "lc rgb '#1e8449' lw 1.5 dt 2 back\n", a, a);
    }
}

/* Scaling activities of every entity with a GroupDesiredCapacity series
 * (an asg), keyed by entity. */
static GHashTable *scaling_by_entity(CirrusH5Run *run, GArray *time)
{
    GHashTable *by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
    GPtrArray *all = cirrus_h5run_series(run);
    for (guint i = 0; i < all->len; i++) {
        const char *name = all->pdata[i];
        if (!g_str_has_suffix(name, "/GroupDesiredCapacity")) continue;
        GArray *level = cirrus_h5run_read(run, name, NULL);
        if (!level) continue;
        char *entity = g_strndup(name, strlen(name) - strlen("/GroupDesiredCapacity"));
        char *count = g_strconcat(entity, "/ScalingActivities", NULL);
        GArray *activities = has_series(all, count) ? cirrus_h5run_read(run, count, NULL) : NULL;
        g_hash_table_insert(by, entity, cirrus_plot_scaling_times(time, level, activities));
        if (activities) g_array_free(activities, TRUE);
        g_array_free(level, TRUE);
        g_free(count);
    }
    return by;
}

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};

/* Index in the panel of `base` + suffix, or -1. */
static gint find_in_panel(Panel *panel, const char *base, const char *suffix)
{
    for (guint i = 0; i < panel->series->len; i++) {
        const char *name = panel->series->pdata[i];
        gsize bl = strlen(base);
        if (strncmp(name, base, bl) == 0 && strcmp(name + bl, suffix) == 0) return (gint)i;
    }
    return -1;
}

/* The plot command of one panel: latency percentiles as a p50..p99 band
 * with the p50 line (and p90 dashed), every other series as a line. */
static void append_plot(GString *s, Panel *panel, guint block, gboolean faults, gboolean scaling)
{
    g_string_append(s, "plot ");
    guint items = 0, colour = 0;
    for (guint i = 0; i < panel->series->len; i++) {
        const char *full = panel->series->pdata[i], *metric = strrchr(full, '/') + 1;
        /* With one entity in the panel the metric alone names a line; with
         * several, "entity/Metric". */
        const char *label = panel->several ? strchr(full, '/') + 1 : metric;
        char *base = g_str_has_suffix(full, ".p50") ? g_strndup(full, strlen(full) - 4) : NULL;
        gint p99 = base ? find_in_panel(panel, base, ".p99") : -1;
        if (g_str_has_suffix(full, ".p99") || g_str_has_suffix(full, ".p90")) {
            char *b = g_strndup(full, strlen(full) - 4);
            gboolean in_band = find_in_panel(panel, b, ".p50") >= 0 && find_in_panel(panel, b, ".p99") >= 0;
            g_free(b);
            if (in_band) { g_free(base); continue; }   /* drawn with its p50 */
        }
        const char *c = colours[colour++ % G_N_ELEMENTS(colours)];
        if (p99 >= 0) {
            gsize ll = strlen(label) - 4;
            char *band = panel->several ? g_strdup_printf("%.*s p50..p99", (int)ll, label) : g_strdup("p50..p99");
            char *q_band = cirrus_gnuplot_quote(band);
            g_free(band);
            char *q50 = cirrus_gnuplot_quote(label);
            g_string_append_printf(s, "%s$B%u using 1:2:3 with filledcurves fc rgb '%s' fs transparent solid 0.25 "
                                      "noborder title %s, $D%u using 1:2 with lines lw 2 lc rgb '%s' title %s",
                                   items++ ? ", " : "", block + i, c, q_band, block + i, c, q50);
            gint p90 = find_in_panel(panel, base, ".p90");
            if (p90 >= 0) {
                char *q90 = cirrus_gnuplot_quote(panel->several ? strchr(panel->series->pdata[p90], '/') + 1
                                                                : strrchr(panel->series->pdata[p90], '/') + 1);
                g_string_append_printf(s, ", $D%u using 1:2 with lines lw 1 dt 2 lc rgb '%s' title %s", block + p90, c, q90);
                g_free(q90);
            }
            g_free(q_band);
            g_free(q50);
        } else {
            char *q = cirrus_gnuplot_quote(label);
            g_string_append_printf(s, "%s$D%u using 1:2 with lines lw 2 lc rgb '%s' title %s", items++ ? ", " : "",
                                   block + i, c, q);
            g_free(q);
        }
        g_free(base);
    }
    if (faults) g_string_append(s, ", keyentry with boxes fc rgb '#f4c7c3' fs solid 0.6 noborder title 'fault window'");
    if (scaling) g_string_append(s, ", keyentry with lines lc rgb '#1e8449' lw 1.5 dt 2 title 'scaling activity'");
    g_string_append_c(s, '\n');
}

/* Does the panel show an entity with scaling activities? */
static GArray *panel_scaling(GHashTable *scaling, Panel *panel)
{
    for (guint i = 0; i < panel->series->len; i++) {
        char *entity;
        const char *metric;
        split_series(panel->series->pdata[i], &entity, &metric);
        GArray *t = g_hash_table_lookup(scaling, entity);
        g_free(entity);
        if (t && t->len) return t;
    }
    return NULL;
}

/* The whole script for `panels`, one under the other. */
static char *panels_script(CirrusH5Run *run, GPtrArray *panels, const char *out, GError **error)
{
    GArray *time = cirrus_h5run_time(run, error);
    if (!time) return NULL;
    double end = time->len ? g_array_index(time, double, time->len - 1) : 0;
    const char *unit;
    double scale = cirrus_plot_time_scale(end, &unit);
    GString *s = g_string_new("# written by cirrus plot\n");
    gboolean svg = g_str_has_suffix(out, ".svg");
    guint rows = MAX(panels->len, 1u);
    char *q_out = cirrus_gnuplot_quote(out);
    g_string_append_printf(s, "set terminal %s size %u,%u\nset output %s\n", svg ? "svg dynamic" : "pngcairo",
                           1000, 60 + 230 * rows, q_out);
    g_free(q_out);
    g_string_append(s, "set termoption noenhanced\nset encoding utf8\nset datafile missing 'NaN'\nset grid\n"
                       "set key outside right top\n"
                       /* the same plot area in every panel, whatever its key's width */
                       "set lmargin at screen 0.08\nset rmargin at screen 0.68\n");
    guint block = 0;
    gboolean ok = TRUE;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        for (guint i = 0; i < panel->series->len && ok; i++) {
            GArray *v = cirrus_h5run_read(run, panel->series->pdata[i], error);
            if (!v) { ok = FALSE; break; }
            char name[32];
            g_snprintf(name, sizeof name, "$D%u", block + i);
            cirrus_plot_datablock(s, name, time, v, scale);
            const char *full = panel->series->pdata[i];
            char *base = g_str_has_suffix(full, ".p50") ? g_strndup(full, strlen(full) - 4) : NULL;
            gint p99 = base ? find_in_panel(panel, base, ".p99") : -1;
            if (p99 >= 0) {
                GArray *high = cirrus_h5run_read(run, panel->series->pdata[p99], error);
                if (high) band_datablock(s, block + i, time, v, high, scale);
                else ok = FALSE;
                if (high) g_array_free(high, TRUE);
            }
            g_free(base);
            g_array_free(v, TRUE);
        }
        block += panel->series->len;
    }
    char *scenario = cirrus_h5run_attr_string(run, "scenario");
    char *q_title = cirrus_gnuplot_quote(scenario ? scenario : "cirrus run");
    g_string_append_printf(s, "set multiplot layout %u,1 title %s\n", rows, q_title);
    g_free(q_title);
    g_free(scenario);
    char e[G_ASCII_DTOSTR_BUF_SIZE];
    /* A truncated run keeps the axis of the run asked for: the missing
     * part shows as such (append_truncation). */
    double truncated_at, duration;
    if (cirrus_h5run_truncated(run, &truncated_at, &duration) && isfinite(duration) && duration > end) end = duration;
    g_string_append_printf(s, "set xlabel 'simulated time (%s)'\nset xrange [0:%s]\n", unit,
                           g_ascii_dtostr(e, sizeof e, end > 0 ? end / scale : 1));
    GArray *faults = cirrus_fault_spans_read(run);
    GHashTable *scaling = scaling_by_entity(run, time);
    block = 0;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        char *q = cirrus_gnuplot_quote(panel->title);
        g_string_append_printf(s, "unset object\nunset arrow\nunset label\nset title %s\n", q);
        g_free(q);
        append_faults(s, faults, scale);
        append_truncation(s, run, scale);
        GArray *marks = panel_scaling(scaling, panel);
        append_scaling(s, marks, scale);
        append_plot(s, panel, block, faults->len > 0, marks != NULL);
        block += panel->series->len;
    }
    g_string_append(s, "unset multiplot\n");
    g_hash_table_unref(scaling);
    cirrus_fault_spans_free(faults);
    g_array_free(time, TRUE);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

char *cirrus_plot_script(CirrusH5Run *run, GPtrArray *series, const char *out, GError **error)
{
    GPtrArray *panels = series->len ? named_panels(series) : dashboard_panels(run, NULL);
    char *script = panels_script(run, panels, out, error);
    g_ptr_array_unref(panels);
    return script;
}

char *cirrus_plot_entity_script(CirrusH5Run *run, const char *entity, const char *out, GError **error)
{
    GPtrArray *panels = dashboard_panels(run, entity);
    char *script = panels->len ? panels_script(run, panels, out, error) : NULL;
    g_ptr_array_unref(panels);
    return script;
}

gboolean cirrus_plot_render(const char *script, GError **error)
{
    char *gnuplot = g_find_program_in_path("gnuplot");
    if (!gnuplot) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO,
                    "gnuplot is not installed; on Debian: apt-get install gnuplot-nox");
        return FALSE;
    }
    char *path = NULL;
    GError *io = NULL;
    int fd = g_file_open_tmp("cirrus-plot-XXXXXX.gp", &path, &io);
    gboolean ok = fd >= 0 && g_file_set_contents(path, script, -1, &io);
    if (fd >= 0) close(fd);
    char *err_text = NULL;
    int status = 0;
    if (ok) {
        char *argv[] = {gnuplot, path, NULL};
        ok = g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_text, &status, &io) &&
             g_spawn_check_wait_status(status, NULL);
        if (!ok && !io)
            io = g_error_new(CIRRUS_ERROR, CIRRUS_ERROR_IO, "gnuplot failed: %s", err_text ? g_strstrip(err_text) : "");
    }
    if (!ok) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot plot: %s", io ? io->message : "?");
        g_clear_error(&io);
    }
    if (path) g_unlink(path);
    g_free(path);
    g_free(err_text);
    g_free(gnuplot);
    return ok;
}

/* A name on the command line: a full series name, "entity/Metric",
 * "Metric" (every entity that has it) — or a latency or gauge base name,
 * which expands to its percentiles or mean and peak. */
static gboolean expand(GPtrArray *all, const char *want, GPtrArray *out)
{
    gboolean found = FALSE;
    static const char *const suffixes[] = {"", ".p50", ".p90", ".p99", ".max"};
    for (guint i = 0; i < all->len; i++) {
        const char *name = all->pdata[i];
        for (guint k = 0; k < G_N_ELEMENTS(suffixes); k++) {
            char *w = g_strconcat(want, suffixes[k], NULL);
            gsize nl = strlen(name), wl = strlen(w);
            gboolean match = strcmp(name, w) == 0 || (nl > wl && name[nl - wl - 1] == '/' && strcmp(name + nl - wl, w) == 0);
            g_free(w);
            if (match) { g_ptr_array_add(out, g_strdup(name)); found = TRUE; break; }
        }
    }
    return found;
}

int cirrus_cmd_plot(int argc, char **argv)
{
    char *out = NULL;
    gboolean list = FALSE;
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Image to write: .png or .svg, nothing else (default OUT.png)", "FILE"},
        {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the file's series and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    int parsed = cirrus_cli_parse_args(&argc, &argv, entries, "OUT.h5 [SERIES...]",
        "SERIES: a full name (components/web/CPUUtilization), entity/Metric, or Metric for every\n"
        "entity that has it; a latency or gauge name brings its percentiles or peak.\n"
        "With no SERIES: a dashboard with one panel per workload and component.\n"
        "A sweep file (cirrus sweep): each METRIC (entity/Metric or Metric, optionally :STAT, e.g.\n"
        "users/Latency:p99) against the first swept key, with 95% error bars; with none, every\n"
        "latency's and gauge's mean.",
        1, -1, "an HDF5 file");
    if (parsed >= 0) {
        g_free(out);
        return parsed;
    }
    GError *error = NULL;
    int status = 0;
    /* gnuplot writes what its terminal makes, whatever the name says:
     * refuse a name whose format would not be the one written. */
    if (out && !g_str_has_suffix(out, ".png") && !g_str_has_suffix(out, ".svg")) {
        const char *dot = strrchr(out, '.');
        fprintf(stderr, "cirrus plot: -o '%s': cirrus plot writes PNG (.png) or SVG (.svg), not %s%s\n", out,
                dot && !strchr(dot, '/') ? dot : "a file without one of those extensions",
                dot && !strchr(dot, '/') ? " (convert the PNG, e.g. with ImageMagick)" : "");
        g_free(out);
        return 2;
    }
    CirrusH5Run *run = cirrus_h5run_open_any(argv[1], &error);
    GPtrArray *series = g_ptr_array_new_with_free_func(g_free);
    char *script = NULL;
    if (!run) { status = cirrus_cli_fail(error); goto done; }
    if (!out) {
        char *base = g_str_has_suffix(argv[1], ".h5") ? g_strndup(argv[1], strlen(argv[1]) - 3) : g_strdup(argv[1]);
        out = g_strconcat(base, ".png", NULL);
        g_free(base);
    }
    if (cirrus_h5run_is_sweep(run)) {
        if (list) {
            GPtrArray *metrics = cirrus_plot_sweep_metrics(run);
            for (guint i = 0; i < metrics->len; i++) printf("%s\n", (char *)metrics->pdata[i]);
            g_ptr_array_unref(metrics);
            goto done;
        }
        script = cirrus_plot_sweep_script(run, argv + 2, (guint)(argc - 2), out, &error);
        goto render;
    }
    GPtrArray *all = cirrus_h5run_series(run);
    if (list) {
        for (guint i = 0; i < all->len; i++) printf("%s\n", (char *)all->pdata[i]);
        goto done;
    }
    for (int i = 2; i < argc; i++) {
        if (i > 2) g_ptr_array_add(series, g_strdup(""));   /* one panel per argument */
        if (!expand(all, argv[i], series)) {
            fprintf(stderr, "cirrus plot: '%s' has no series '%s' ('cirrus plot --list %s' lists them)\n", argv[1], argv[i], argv[1]);
            status = 2;
            goto done;
        }
    }
    script = cirrus_plot_script(run, series, out, &error);
render:
    if (!script || !cirrus_plot_render(script, &error)) {
        status = cirrus_cli_fail(error);
        goto done;
    }
    printf("plot written to %s\n", out);
done:
    g_free(script);
    g_ptr_array_unref(series);
    cirrus_h5run_close(run);
    g_free(out);
    return status;
}
