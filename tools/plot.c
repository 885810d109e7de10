/* cirrus — `cirrus plot` (see plot.h).
 *
 * The data go inline into the script as datablocks ($D0 << EOD ... EOD), so
 * no temporary data files are needed; NaN (an interval with no latency
 * values) is a gap in the line.  Names from the file — component and metric
 * names come from a user's scenario — only ever appear inside quoted
 * strings with enhanced text off, never as gnuplot syntax. */
#include "tools/plot.h"
#include "tools/cli.h"
#include "tools/headline.h"
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

/* What a panel's y axis shows, and how a series becomes it: latencies in
 * milliseconds (the file holds seconds), counts as rates per second (the
 * file holds the count per row, and the last row may be shorter), levels
 * as they are. */
typedef enum { PANEL_LATENCY, PANEL_RATE, PANEL_LEVEL } PanelKind;

/* One panel: some series of one entity (or several, for named series). */
typedef struct {
    char *title, *ylabel;
    GPtrArray *series;   /* full names */
    GPtrArray *titles;   /* per series: its line's title; "" hides a line identical to an earlier one */
    gboolean several;    /* series of several entities: label lines entity/Metric */
    gboolean empty;      /* no finite value in any series (a latency nobody recorded) */
    gint *same_as;       /* per series: the earlier line it is identical to (-1: none); set when drawn */
    PanelKind kind;
} Panel;

static void panel_free(gpointer p)
{
    Panel *panel = p;
    g_free(panel->title);
    g_free(panel->ylabel);
    g_ptr_array_unref(panel->series);
    g_ptr_array_unref(panel->titles);
    g_free(panel->same_as);
    g_free(panel);
}

static gboolean has_series(GPtrArray *all, const char *name)
{
    for (guint i = 0; i < all->len; i++)
        if (strcmp(all->pdata[i], name) == 0) return TRUE;
    return FALSE;
}

static Panel *panel_new(PanelKind kind, const char *ylabel)
{
    Panel *panel = g_new0(Panel, 1);
    panel->kind = kind;
    panel->ylabel = g_strdup(ylabel);
    panel->series = g_ptr_array_new_with_free_func(g_free);
    panel->titles = g_ptr_array_new_with_free_func(g_free);
    return panel;
}

static void panel_add(Panel *panel, const char *series)
{
    g_ptr_array_add(panel->series, g_strdup(series));
    g_ptr_array_add(panel->titles, NULL);
}

/* Per-target call metrics (CallsMade.T, CallLatency.T ...: models/protocol/
 * calls.h) come after a component's own. */
static gboolean call_metric(const char *metric)
{
    return g_str_has_prefix(metric, "Call") && strchr(metric, '.') != NULL;
}

/* ---- what the file says about each metric ---------------------------------- */

/* The run's summary rows by "group/entity/metric" (kind, unit) and each
 * entity's type by "group/entity"; empty for a file without /summary. */
typedef struct {
    CirrusRunSummary *summary;
    GHashTable *rows;     /* key -> CirrusSummaryRow * */
    GHashTable *types;    /* "group/entity" -> type */
    GPtrArray *order;     /* "group/entity", summary order */
} RunInfo;

static void run_info_init(RunInfo *ri, CirrusH5Run *run)
{
    ri->summary = cirrus_run_summary_read(run, NULL);
    ri->rows = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ri->types = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    ri->order = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; ri->summary && i < ri->summary->rows->len; i++) {
        CirrusSummaryRow *r = ri->summary->rows->pdata[i];
        if (strcmp(r->group, "total") == 0) continue;
        g_hash_table_insert(ri->rows, g_strdup_printf("%s/%s/%s", r->group, r->entity, r->metric), r);
        char *entity = g_strdup_printf("%s/%s", r->group, r->entity);
        if (!g_hash_table_contains(ri->types, entity)) {
            g_ptr_array_add(ri->order, g_strdup(entity));
            g_hash_table_insert(ri->types, entity, r->type);
        } else {
            g_free(entity);
        }
    }
}

static void run_info_clear(RunInfo *ri)
{
    g_hash_table_unref(ri->rows);
    g_hash_table_unref(ri->types);
    g_ptr_array_unref(ri->order);
    cirrus_run_summary_free(ri->summary);
}

static const char *unit_of(RunInfo *ri, const char *entity, const char *metric, const char *def)
{
    char *key = g_strdup_printf("%s/%s", entity, metric);
    const CirrusSummaryRow *r = g_hash_table_lookup(ri->rows, key);
    g_free(key);
    return r && r->unit && *r->unit ? r->unit : def;
}

/* The y label of a level in `unit` and of a rate of a count in `unit`. */
static const char *level_label(const char *unit)
{
    if (strcmp(unit, "Percent") == 0) return "percent";
    if (strcmp(unit, "Seconds") == 0) return "seconds";
    if (strcmp(unit, "Milliseconds") == 0) return "ms";
    if (strcmp(unit, "Bytes") == 0) return "bytes";
    if (strcmp(unit, "None") == 0) return "level";
    return "count";
}

static const char *rate_label(const char *unit)
{
    return strcmp(unit, "Bytes") == 0 ? "bytes per second" : "per second";
}

/* ---- transforms ---------------------------------------------------------------- */

static double at(GArray *a, guint i) { return g_array_index(a, double, i); }

/* The series as the panel shows it (newly allocated), or NULL. */
static GArray *panel_values(CirrusH5Run *run, const char *series, PanelKind kind, GArray *time, GError **error)
{
    GArray *v = cirrus_h5run_read(run, series, error);
    if (!v) return NULL;
    for (guint i = 0; i < v->len; i++) {
        double *x = &g_array_index(v, double, i);
        if (kind == PANEL_LATENCY) {
            *x *= 1e3;
        } else if (kind == PANEL_RATE && i < time->len) {
            double dt = at(time, i) - (i ? at(time, i - 1) : 0);
            *x = dt > 0 ? *x / dt : NAN;
        }
    }
    return v;
}

static gboolean same_values(GArray *a, GArray *b)
{
    if (!a || !b || a->len != b->len) return FALSE;
    for (guint i = 0; i < a->len; i++) {
        double x = at(a, i), y = at(b, i);
        if (!(x == y || (isnan(x) && isnan(y)))) return FALSE;
    }
    return TRUE;
}

/* The largest finite absolute value (0 if none). */
static double peak_of(GArray *v)
{
    double m = 0;
    for (guint i = 0; v && i < v->len; i++)
        if (isfinite(at(v, i))) m = MAX(m, fabs(at(v, i)));
    return m;
}

/* ---- the dashboard ---------------------------------------------------------------- */

/* One metric of an entity, as the dashboard sees it. */
typedef struct {
    char *name;          /* the metric, e.g. "Latency", "Utilization" */
    PanelKind kind;      /* latency, rate (a count) or level (a gauge) */
    const char *unit;    /* the file's unit */
    gboolean headline;
    gint order;          /* headline position, or 100 + file position (+ 1000 for call metrics) */
    double peak;         /* of the transformed values */
} Metric;

static gint compare_metrics(gconstpointer a, gconstpointer b)
{
    const Metric *x = a, *y = b;
    return x->order - y->order;
}

/* At most this many series other than headline ones per entity: a
 * dynamodb table has some 30; `cirrus plot --list` lists them all. */
#define DASHBOARD_MAX_OTHERS 10
/* Series in one panel. */
#define PANEL_MAX_SERIES 4
/* Series whose peaks differ more than this go on separate axes. */
#define PANEL_SCALE_RATIO 20.0

static char *short_entity(const char *entity) { return g_strdup(strchr(entity, '/') ? strchr(entity, '/') + 1 : entity); }

/* Title: "entity: M1, M2 (unit)". */
static void panel_title(Panel *panel, const char *entity)
{
    char *e = short_entity(entity);
    GString *t = g_string_new(e);
    g_string_append(t, ": ");
    for (guint i = 0, n = 0; i < panel->series->len; i++) {
        const char *m = strrchr(panel->series->pdata[i], '/') + 1;
        if (panel->kind == PANEL_LATENCY) {
            if (!g_str_has_suffix(m, ".p50")) continue;
            g_string_append_printf(t, "%s%.*s", n++ ? ", " : "", (int)strlen(m) - 4, m);
        } else if (!g_str_has_suffix(m, ".max")) {
            g_string_append_printf(t, "%s%s", n++ ? ", " : "", m);
        }
    }
    /* A list too long for the panel's width: the legend names them. */
    guint n_metrics = 0;
    for (guint i = 0; i < panel->series->len; i++) {
        const char *m = panel->series->pdata[i];
        n_metrics += panel->kind == PANEL_LATENCY ? g_str_has_suffix(m, ".p50") : !g_str_has_suffix(m, ".max");
    }
    if (g_utf8_strlen(t->str, -1) > 52) g_string_printf(t, "%s: %u metrics", e, n_metrics);
    g_string_append_printf(t, " (%s)", panel->ylabel);
    g_free(panel->title);
    panel->title = g_string_free(t, FALSE);
    g_free(e);
}

/* Group same-kind, same-unit metrics into panels, splitting where peaks
 * differ by more than PANEL_SCALE_RATIO (small counts get their own axis)
 * and at PANEL_MAX_SERIES; each panel is sorted largest first. */
static void group_panels(GPtrArray *panels, const char *entity, GArray *metrics, PanelKind kind, GPtrArray *all)
{
    /* The units in order of first appearance. */
    GPtrArray *units = g_ptr_array_new();
    for (guint i = 0; i < metrics->len; i++) {
        const Metric *m = &g_array_index(metrics, Metric, i);
        if (m->kind == kind && !g_ptr_array_find_with_equal_func(units, m->unit, g_str_equal, NULL))
            g_ptr_array_add(units, (gpointer)m->unit);
    }
    for (guint u = 0; u < units->len; u++) {
        GArray *same = g_array_new(FALSE, FALSE, sizeof(Metric));
        for (guint i = 0; i < metrics->len; i++) {
            const Metric *m = &g_array_index(metrics, Metric, i);
            if (m->kind == kind && strcmp(m->unit, units->pdata[u]) == 0) g_array_append_val(same, *m);
        }
        /* Largest peak first; a new panel when the next is much smaller. */
        for (guint i = 1; i < same->len; i++)
            for (guint j = i; j > 0 && g_array_index(same, Metric, j).peak > g_array_index(same, Metric, j - 1).peak; j--) {
                Metric t = g_array_index(same, Metric, j);
                g_array_index(same, Metric, j) = g_array_index(same, Metric, j - 1);
                g_array_index(same, Metric, j - 1) = t;
            }
        Panel *panel = NULL;
        double top = 0;
        guint n = 0;
        for (guint i = 0; i < same->len; i++) {
            const Metric *m = &g_array_index(same, Metric, i);
            gboolean small = top > 0 && m->peak * PANEL_SCALE_RATIO < top && m->peak > 0;
            if (!panel || n >= PANEL_MAX_SERIES || small) {
                if (panel) {
                    panel_title(panel, entity);
                    g_ptr_array_add(panels, panel);
                }
                panel = panel_new(kind, kind == PANEL_RATE ? rate_label(m->unit) : level_label(m->unit));
                top = m->peak;
                n = 0;
            }
            char *full = g_strdup_printf("%s/%s", entity, m->name);
            panel_add(panel, full);
            /* A gauge's peak, where it tells more than the mean: not for a
             * percentage (pinned at 100 whenever busy, it says nothing). */
            char *max = g_strconcat(full, ".max", NULL);
            if (kind == PANEL_LEVEL && strcmp(m->unit, "Percent") != 0 && has_series(all, max)) panel_add(panel, max);
            g_free(max);
            g_free(full);
            n++;
        }
        if (panel) {
            panel_title(panel, entity);
            g_ptr_array_add(panels, panel);
        }
        g_array_free(same, TRUE);
    }
    g_ptr_array_free(units, TRUE);
}

static void metric_clear(gpointer p) { g_free(((Metric *)p)->name); }

/* The dashboard of one entity ("components/web"): every headline metric
 * of its type (headline.h), then up to DASHBOARD_MAX_OTHERS other series
 * that are not 0 all run; latencies one panel each (p50..p99 band, ms),
 * then levels, then rates; *more counts the series left out. */
static void entity_panels(CirrusH5Run *run, RunInfo *ri, GPtrArray *all, const char *entity, GArray *time,
                          GPtrArray *panels, guint *more)
{
    const char *type = g_hash_table_lookup(ri->types, entity);
    if (!type) type = g_str_has_prefix(entity, "workloads/") ? "workload" : NULL;
    gsize el = strlen(entity);
    GArray *metrics = g_array_new(FALSE, TRUE, sizeof(Metric));
    g_array_set_clear_func(metrics, metric_clear);
    for (guint i = 0; i < all->len; i++) {
        const char *full = all->pdata[i];
        if (strncmp(full, entity, el) != 0 || full[el] != '/' || strchr(full + el + 1, '/')) continue;
        const char *name = full + el + 1;
        Metric m = {0};
        gsize fl = strlen(full);
        char *stem = fl > 4 ? g_strndup(full, fl - 4) : g_strdup(full);   /* without ".p50" or ".max" */
        char *p99 = g_strconcat(stem, ".p99", NULL), *max = g_strconcat(full, ".max", NULL);
        if (g_str_has_suffix(name, ".p50") && has_series(all, p99)) {
            m.name = g_strndup(name, strlen(name) - 4);
            m.kind = PANEL_LATENCY;
            m.unit = "Milliseconds";
        } else if (g_str_has_suffix(name, ".p90") || g_str_has_suffix(name, ".p99") || g_str_has_suffix(name, ".mean") ||
                   (g_str_has_suffix(name, ".max") && has_series(all, stem))) {
            ;   /* drawn with their metric */
        } else {
            m.name = g_strdup(name);
            m.kind = has_series(all, max) ? PANEL_LEVEL : PANEL_RATE;
            m.unit = unit_of(ri, entity, name, "Count");
        }
        g_free(stem);
        g_free(p99);
        g_free(max);
        if (!m.name) continue;
        m.headline = type && cirrus_headline_is(type, m.name);
        gint pos = -1;
        for (const char *const *h = cirrus_headline_metrics(type); m.headline && h[pos + 1]; pos++)
            if (strcmp(h[pos + 1], m.name) == 0) break;
        m.order = m.headline ? pos + 1 : 100 + (gint)i + (call_metric(m.name) ? 1000 : 0);
        char *shown = m.kind == PANEL_LATENCY ? g_strconcat(entity, "/", m.name, ".p99", NULL) : g_strdup(full);
        GArray *v = panel_values(run, shown, m.kind, time, NULL);
        m.peak = peak_of(v);
        if (v) g_array_free(v, TRUE);
        g_free(shown);
        g_array_append_val(metrics, m);
    }
    g_array_sort(metrics, compare_metrics);
    /* Keep every headline metric and the first informative others. */
    guint others = 0;
    for (guint i = 0; i < metrics->len;) {
        Metric *m = &g_array_index(metrics, Metric, i);
        gboolean keep = m->headline || (m->peak > 0 && others < DASHBOARD_MAX_OTHERS);
        if (!m->headline && m->peak > 0 && others >= DASHBOARD_MAX_OTHERS) (*more)++;
        if (!m->headline && keep) others++;
        if (keep) i++;
        else g_array_remove_index(metrics, i);
    }
    for (guint i = 0; i < metrics->len; i++) {
        const Metric *m = &g_array_index(metrics, Metric, i);
        if (m->kind != PANEL_LATENCY) continue;
        Panel *panel = panel_new(PANEL_LATENCY, "ms");
        for (guint k = 0; k < 3; k++) {
            char *full = g_strdup_printf("%s/%s.%s", entity, m->name, k == 0 ? "p50" : k == 1 ? "p90" : "p99");
            panel_add(panel, full);
            g_free(full);
        }
        panel_title(panel, entity);
        g_ptr_array_add(panels, panel);
    }
    group_panels(panels, entity, metrics, PANEL_LEVEL, all);
    group_panels(panels, entity, metrics, PANEL_RATE, all);
    g_array_free(metrics, TRUE);
}

/* The entities of the file: the summary's order (the scenario file's:
 * workloads, then components), then any others in the series' order. */
static GPtrArray *entities_of(RunInfo *ri, GPtrArray *all)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < ri->order->len; i++) g_ptr_array_add(out, g_strdup(ri->order->pdata[i]));
    for (guint i = 0; i < all->len; i++) {
        const char *full = all->pdata[i];
        char *entity = g_strndup(full, (gsize)(strrchr(full, '/') - full));
        if (g_ptr_array_find_with_equal_func(out, entity, g_str_equal, NULL)) g_free(entity);
        else g_ptr_array_add(out, entity);
    }
    return out;
}

static GPtrArray *dashboard_panels(CirrusH5Run *run, RunInfo *ri, GArray *time, const char *only, guint *more)
{
    GPtrArray *all = cirrus_h5run_series(run);
    GPtrArray *panels = g_ptr_array_new_with_free_func(panel_free);
    GPtrArray *entities = entities_of(ri, all);
    for (guint e = 0; e < entities->len; e++)
        if (!only || strcmp(entities->pdata[e], only) == 0)
            entity_panels(run, ri, all, entities->pdata[e], time, panels, more);
    g_ptr_array_unref(entities);
    return panels;
}

/* A named panel's title: "users: Latency; web: CPUUtilization (unit)",
 * each entity once per run of its series, each metric once (a latency's
 * percentiles and a gauge's peak under their metric's name). */
static void named_title(Panel *panel)
{
    GString *t = g_string_new(NULL);
    char *last_entity = NULL;
    GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < panel->series->len; i++) {
        const char *full = panel->series->pdata[i], *slash = strrchr(full, '/');
        char *entity = g_strndup(full, (gsize)(slash - full)), *e = short_entity(entity);
        const char *metric = slash + 1;
        static const char *const suffixes[] = {".max", ".p50", ".p90", ".p99", ".mean"};
        gsize ml = strlen(metric);
        for (guint k = 0; k < G_N_ELEMENTS(suffixes); k++)
            if (g_str_has_suffix(metric, suffixes[k])) ml -= strlen(suffixes[k]);
        char *key = g_strdup_printf("%s/%.*s", entity, (int)ml, metric);
        if (!g_ptr_array_find_with_equal_func(seen, key, g_str_equal, NULL)) {
            gboolean same = last_entity && strcmp(last_entity, entity) == 0;
            g_string_append_printf(t, "%s%s%s%.*s", t->len ? (same ? ", " : "; ") : "", same ? "" : e, same ? "" : ": ",
                                   (int)ml, metric);
            g_ptr_array_add(seen, key);
            g_free(last_entity);
            last_entity = g_strdup(entity);
        } else {
            g_free(key);
        }
        g_free(entity);
        g_free(e);
    }
    g_string_append_printf(t, " (%s)", panel->ylabel);
    g_free(panel->title);
    panel->title = g_string_free(t, FALSE);
    g_free(last_entity);
    g_ptr_array_unref(seen);
}

/* Panels for named series: one per argument given (an empty string in
 * `series` starts the next panel), titled by the entities and metrics it
 * shows, with the unit of the first series. */
static GPtrArray *named_panels(RunInfo *ri, GPtrArray *all, GPtrArray *series)
{
    GPtrArray *panels = g_ptr_array_new_with_free_func(panel_free);
    Panel *panel = NULL;
    for (guint i = 0; i <= series->len; i++) {
        const char *name = i < series->len ? series->pdata[i] : "";
        if (!*name) {
            if (panel) {
                named_title(panel);
                g_ptr_array_add(panels, panel);
            }
            panel = NULL;
            continue;
        }
        const char *slash = strrchr(name, '/'), *metric = slash + 1;
        char *entity = g_strndup(name, (gsize)(slash - name));
        if (!panel) {
            gboolean latency = g_str_has_suffix(name, ".p50") || g_str_has_suffix(name, ".p90") ||
                               g_str_has_suffix(name, ".p99") || g_str_has_suffix(name, ".mean");
            char *max = g_strconcat(name, ".max", NULL);
            gboolean level = g_str_has_suffix(name, ".max") || has_series(all, max);
            g_free(max);
            char *base = g_str_has_suffix(name, ".max") ? g_strndup(metric, strlen(metric) - 4) : g_strdup(metric);
            const char *unit = unit_of(ri, entity, base, "Count");
            panel = latency ? panel_new(PANEL_LATENCY, "ms")
                            : level ? panel_new(PANEL_LEVEL, level_label(unit)) : panel_new(PANEL_RATE, rate_label(unit));
            g_free(base);
        }
        if (panel->series->len && strncmp(panel->series->pdata[0], entity, strlen(entity)) != 0) panel->several = TRUE;
        panel_add(panel, name);
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

/* A line's title: the metric alone with one entity in the panel,
 * "entity/Metric" with several; a latency's percentile names as "p50". */
static char *line_title(Panel *panel, guint i)
{
    const char *full = panel->series->pdata[i], *metric = strrchr(full, '/') + 1;
    if (panel->titles->pdata[i]) return g_strdup(panel->titles->pdata[i]);
    const char *name = panel->several ? strchr(full, '/') + 1 : metric;
    /* A gauge's peak: "peak" beside its mean when the panel has one gauge. */
    if (g_str_has_suffix(full, ".max") && !panel->several) {
        guint bases = 0;
        for (guint k = 0; k < panel->series->len; k++) bases += !g_str_has_suffix(panel->series->pdata[k], ".max");
        if (bases == 1) return g_strdup("peak");
        return g_strdup_printf("%.*s peak", (int)strlen(name) - 4, name);
    }
    return g_strdup(name);
}

/* The plot command of one panel: latency percentiles as a p50..p99 band
 * with the p50 line (and p90 dashed), a gauge's peak as a thin dashed line
 * of its mean's colour, every other series as a line; lines identical to
 * an earlier one are not drawn, the earlier one's title names both. */
static void append_plot(GString *s, Panel *panel, guint block, gboolean faults, gboolean scaling, gboolean warmup,
                        gboolean truncated)
{
    g_string_append(s, "plot ");
    guint items = 0, colour = 0, peaks = 0;
    const char *last_colour = colours[0];
    if (panel->empty) g_string_append_printf(s, "%s$EMPTY using 1:2 with points pt -1 notitle", items++ ? ", " : "");
    const char **colour_of = g_new0(const char *, MAX(panel->series->len, 1u));
    for (guint i = 0; i < panel->series->len; i++) {
        const char *full = panel->series->pdata[i];
        if (panel->titles->pdata[i] && !*(char *)panel->titles->pdata[i]) continue;   /* a peak like its level */
        if (panel->same_as && panel->same_as[i] >= 0) {   /* identical to an earlier line: its key entry only */
            char *q = cirrus_gnuplot_quote(panel->titles->pdata[i]);
            const char *c = colour_of[panel->same_as[i]] ? colour_of[panel->same_as[i]] : colours[0];
            g_string_append_printf(s, "%skeyentry with lines lw 2 lc rgb '%s' title %s", items++ ? ", " : "", c, q);
            g_free(q);
            continue;
        }
        char *title = line_title(panel, i);
        char *q = cirrus_gnuplot_quote(title);
        char *base = g_str_has_suffix(full, ".p50") ? g_strndup(full, strlen(full) - 4) : NULL;
        gint p99 = base ? find_in_panel(panel, base, ".p99") : -1;
        gboolean skip = FALSE;
        if (g_str_has_suffix(full, ".p99") || g_str_has_suffix(full, ".p90")) {
            char *b = g_strndup(full, strlen(full) - 4);
            skip = find_in_panel(panel, b, ".p50") >= 0 && find_in_panel(panel, b, ".p99") >= 0;   /* with its p50 */
            g_free(b);
        }
        if (skip) {
        } else if (g_str_has_suffix(full, ".max") && i > 0) {
            /* Peaks are dotted in their level's colour; one key entry says so. */
            g_string_append_printf(s, "%s$D%u using 1:2 with lines lw 1 dt 3 lc rgb '%s' notitle", items++ ? ", " : "",
                                   block + i, last_colour);
            peaks++;
        } else if (p99 >= 0) {
            const char *c = last_colour = colours[colour++ % G_N_ELEMENTS(colours)];
            gsize ll = strlen(title) > 4 ? strlen(title) - 4 : 0;
            char *band = panel->several ? g_strdup_printf("%.*s p50..p99", (int)ll, title) : g_strdup("p50..p99");
            char *q_band = cirrus_gnuplot_quote(band);
            g_string_append_printf(s, "%s$B%u using 1:2:3 with filledcurves fc rgb '%s' fs transparent solid 0.25 "
                                      "noborder title %s, $D%u using 1:2 with lines lw 2 lc rgb '%s' title %s",
                                   items++ ? ", " : "", block + i, c, q_band, block + i, c, q);
            gint p90 = find_in_panel(panel, base, ".p90");
            if (p90 >= 0) {
                char *t90 = line_title(panel, (guint)p90), *q90 = cirrus_gnuplot_quote(t90);
                g_string_append_printf(s, ", $D%u using 1:2 with lines lw 1 dt 2 lc rgb '%s' title %s", block + p90, c, q90);
                g_free(q90);
                g_free(t90);
            }
            g_free(band);
            g_free(q_band);
        } else {
            /* Lines that nearly coincide (Requests and Succeeded) stay
             * apart: each is thinner than the one before, drawn over it. */
            double lw = MAX(1.0, 3.5 - 0.9 * colour);
            const char *c = last_colour = colour_of[i] = colours[colour++ % G_N_ELEMENTS(colours)];
            g_string_append_printf(s, "%s$D%u using 1:2 with lines lw %.1f lc rgb '%s' title %s", items++ ? ", " : "",
                                   block + i, lw, c, q);
        }
        g_free(base);
        g_free(q);
        g_free(title);
    }
    /* Fault windows are labelled where they are: no key entry. */
    (void)faults;
    if (peaks) g_string_append_printf(s, ", keyentry with lines lw 1 dt 3 lc rgb '#444444' title '%s'",
                                      peaks == 1 && !panel->several ? "peak" : "peaks (dotted)");
    if (scaling) g_string_append(s, ", keyentry with lines lc rgb '#1e8449' lw 1.5 dt 2 title 'scaling'");
    if (warmup) g_string_append(s, ", keyentry with boxes fc rgb '#e5e8eb' fs solid 1 noborder title 'warm-up'");
    if (truncated) g_string_append(s, ", keyentry with boxes fc rgb '#d5d8dc' fs pattern 4 title 'not simulated'");
    g_string_append_c(s, '\n');
    g_free(colour_of);
}

/* Does the panel show an entity with scaling activities? */
static GArray *panel_scaling(GHashTable *scaling, Panel *panel)
{
    for (guint i = 0; i < panel->series->len; i++) {
        const char *full = panel->series->pdata[i];
        char *entity = g_strndup(full, (gsize)(strrchr(full, '/') - full));
        GArray *t = g_hash_table_lookup(scaling, entity);
        g_free(entity);
        if (t && t->len) return t;
    }
    return NULL;
}

/* Warm-up: a grey span from 0, labelled, behind the lines: what happens
 * there (a start-up spike) is not in the summary. */
static void append_warmup(GString *s, double warmup_s, double scale)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_dtostr(a, sizeof a, warmup_s / scale);
    g_string_append_printf(s, "set object rect from first 0, graph 0 to first %s, graph 1 behind "
                              "fillcolor rgb '#e5e8eb' fillstyle solid 1 noborder\n", a);
}

/* Where the panels go: one image (a grid, `cols` wide, the scenario's name
 * once on top), or one SVG per panel, `prefix` + index + ".svg" (the
 * report's, which lays them out itself). */
typedef struct {
    const char *out;
    const char *prefix;
} Target;

#define PANEL_W 560
#define PANEL_H 300

/* The whole script for `panels`. */
static char *panels_script(CirrusH5Run *run, GPtrArray *panels, GArray *time, const Target *target, guint more,
                           GError **error)
{
    double end = time->len ? g_array_index(time, double, time->len - 1) : 0;
    double truncated_at, duration, warmup = 0;
    gboolean truncated = cirrus_h5run_truncated(run, &truncated_at, &duration);
    if (truncated && isfinite(duration) && duration > end) end = duration;
    if (!cirrus_h5run_attr_double(run, "warmup_s", &warmup) || !(warmup > 0)) warmup = 0;
    const char *unit;
    double scale = cirrus_plot_time_scale(end, &unit);
    GString *s = g_string_new("# written by cirrus plot\n");
    guint n = MAX(panels->len, 1u), cols = target->prefix || n == 1 ? 1 : 2, rows = (n + cols - 1) / cols;
    const char *out = target->prefix ? "" : target->out;
    gboolean svg = target->prefix || g_str_has_suffix(out, ".svg");
    g_string_append_printf(s, "set terminal %s size %u,%u font ',%u'\n", svg ? "svg dynamic" : "pngcairo",
                           cols * PANEL_W, target->prefix ? PANEL_H : 40 + rows * PANEL_H, svg ? 13 : 11);
    if (!target->prefix) {
        char *q_out = cirrus_gnuplot_quote(out);
        g_string_append_printf(s, "set output %s\n", q_out);
        g_free(q_out);
    }
    /* Keys below the plot, never over the data; every plot area alike. */
    g_string_append(s, "set termoption noenhanced\nset encoding utf8\nset datafile missing 'NaN'\nset grid\n"
                       "set key below horizontal maxrows 2 samplen 2\nset yrange [0:*]\nset format y '%.4g'\n"
                       /* headroom: a level at its maximum is not hidden in the frame */
                       "set offsets 0, 0, graph 0.05, 0\n");
    guint block = 0;
    gboolean ok = TRUE;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        GPtrArray *values = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
        g_free(panel->same_as);
        panel->same_as = g_new(gint, MAX(panel->series->len, 1u));
        for (guint i = 0; i < panel->series->len; i++) panel->same_as[i] = -1;
        panel->empty = TRUE;
        for (guint i = 0; i < panel->series->len && ok; i++) {
            GArray *v = panel_values(run, panel->series->pdata[i], panel->kind, time, error);
            if (!v) { ok = FALSE; break; }
            for (guint k = 0; k < v->len && panel->empty; k++) panel->empty = !isfinite(at(v, k));
            g_ptr_array_add(values, v);
            char name[32];
            g_snprintf(name, sizeof name, "$D%u", block + i);
            cirrus_plot_datablock(s, name, time, v, scale);
            const char *full = panel->series->pdata[i];
            /* A line identical to an earlier one of the panel (Failed and
             * Rejected, Requests and Succeeded) would hide under it: one
             * line, titled with both names. */
            /* A peak equal to its mean all along (a constant level) adds
             * nothing: not drawn. */
            if (g_str_has_suffix(full, ".max") && i > 0 && same_values(values->pdata[i - 1], v)) {
                g_free(panel->titles->pdata[i]);
                panel->titles->pdata[i] = g_strdup("");
            }
            for (guint j = 0; panel->kind != PANEL_LATENCY && j < i && !panel->titles->pdata[i]; j++) {
                if ((panel->titles->pdata[j] && !*(char *)panel->titles->pdata[j]) || panel->same_as[j] >= 0) continue;
                if (g_str_has_suffix(full, ".max") != g_str_has_suffix(panel->series->pdata[j], ".max")) continue;
                if (!same_values(values->pdata[j], v)) continue;
                /* Drawn once; each identical one gets a key entry of its
                 * own, "= Name", in the same colour (one long merged title
                 * could be wider than the panel, and gnuplot drops such a key). */
                char *ti = line_title(panel, i);
                g_free(panel->titles->pdata[i]);
                panel->titles->pdata[i] = g_strdup_printf("= %s", ti);
                panel->same_as[i] = (gint)j;
                g_free(ti);
                break;
            }
            char *base = g_str_has_suffix(full, ".p50") ? g_strndup(full, strlen(full) - 4) : NULL;
            gint p99 = base ? find_in_panel(panel, base, ".p99") : -1;
            if (p99 >= 0) {
                GArray *high = panel_values(run, panel->series->pdata[p99], panel->kind, time, error);
                if (high) band_datablock(s, block + i, time, v, high, scale);
                else ok = FALSE;
                if (high) g_array_free(high, TRUE);
            }
            g_free(base);
        }
        g_ptr_array_unref(values);
        block += panel->series->len;
    }
    if (!target->prefix) {
        char *scenario = cirrus_h5run_attr_string(run, "scenario");
        GString *title = g_string_new(scenario ? scenario : "cirrus run");
        if (more) g_string_append_printf(title, "  (%u more series not drawn: cirrus plot --list)", more);
        char *q_title = cirrus_gnuplot_quote(title->str);
        g_string_append_printf(s, "set multiplot layout %u,%u title %s\n", rows, cols, q_title);
        g_free(q_title);
        g_string_free(title, TRUE);
        g_free(scenario);
    }
    char e[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append_printf(s, "set xlabel 'simulated time (%s)'\nset xrange [0:%s]\n", unit,
                           g_ascii_dtostr(e, sizeof e, end > 0 ? end / scale : 1));
    /* One invisible point below the axis: a panel whose series have no
     * value at all (a latency nothing recorded) still draws, empty. */
    g_string_append(s, "$EMPTY << EOD\n0 -1\nEOD\n");
    GArray *faults = cirrus_fault_spans_read(run);
    GHashTable *scaling = scaling_by_entity(run, time);
    block = 0;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        if (target->prefix) {
            char *file = g_strdup_printf("%s%u.svg", target->prefix, p), *q = cirrus_gnuplot_quote(file);
            g_string_append_printf(s, "set output %s\n", q);
            g_free(q);
            g_free(file);
        }
        char *q = cirrus_gnuplot_quote(panel->title), *qy = cirrus_gnuplot_quote(panel->ylabel);
        g_string_append_printf(s, "unset object\nunset arrow\nunset label\nset title %s\nset ylabel %s\n", q, qy);
        g_free(q);
        g_free(qy);
        if (panel->empty)
            g_string_append(s, "set yrange [0:1]\nset label 'no values in this run' at graph 0.5, graph 0.5 center\n");
        else
            g_string_append(s, "set yrange [0:*]\n");
        if (warmup > 0) append_warmup(s, warmup, scale);
        append_faults(s, faults, scale);
        append_truncation(s, run, scale);
        GArray *marks = panel_scaling(scaling, panel);
        append_scaling(s, marks, scale);
        append_plot(s, panel, block, faults->len > 0, marks != NULL, warmup > 0, truncated);
        block += panel->series->len;
    }
    if (!target->prefix) g_string_append(s, "unset multiplot\n");
    g_hash_table_unref(scaling);
    cirrus_fault_spans_free(faults);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

char *cirrus_plot_script(CirrusH5Run *run, GPtrArray *series, const char *out, GError **error)
{
    GArray *time = cirrus_h5run_time(run, error);
    if (!time) return NULL;
    RunInfo ri;
    run_info_init(&ri, run);
    guint more = 0;
    GPtrArray *panels = series->len ? named_panels(&ri, cirrus_h5run_series(run), series)
                                    : dashboard_panels(run, &ri, time, NULL, &more);
    Target target = {out, NULL};
    char *script = panels_script(run, panels, time, &target, more, error);
    g_ptr_array_unref(panels);
    run_info_clear(&ri);
    g_array_free(time, TRUE);
    return script;
}

char *cirrus_plot_entity_panels(CirrusH5Run *run, const char *entity, const char *prefix, guint *n_panels,
                                GError **error)
{
    *n_panels = 0;
    GArray *time = cirrus_h5run_time(run, error);
    if (!time) return NULL;
    RunInfo ri;
    run_info_init(&ri, run);
    guint more = 0;
    GPtrArray *panels = dashboard_panels(run, &ri, time, entity, &more);
    Target target = {NULL, prefix};
    char *script = panels->len ? panels_script(run, panels, time, &target, more, error) : NULL;
    if (script) *n_panels = panels->len;
    g_ptr_array_unref(panels);
    run_info_clear(&ri);
    g_array_free(time, TRUE);
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
