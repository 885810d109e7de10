/* cirrus — `cirrus plot` of a sweep file: each metric against the first
 * swept key, with 95% error bars (docs/outputs.md, "Sweeps").
 *
 * One panel per metric; one line per combination of the other keys'
 * values.  Names from the file (keys, values, entities, metrics) only
 * appear in quoted gnuplot strings (cirrus_gnuplot_quote) or as numbers,
 * never as data lines that gnuplot might read as text: a value such as
 * "EOD" cannot end a datablock early. */
#include "tools/plot.h"
#include "tools/runtables.h"
#include "tools/slo.h"
#include "sim/kernel/error.h"
#include <math.h>
#include <string.h>

typedef struct {
    GPtrArray *keys;          /* char *, swept keys in order */
    GPtrArray **values;       /* per key: per point, char * */
    guint n_points;
    /* /sweep, one entry per row */
    GArray *point;
    GPtrArray *entity, *metric, *kind;
    GArray *num[CIRRUS_STAT_N], *ci[CIRRUS_STAT_N];
} SweepData;

static void data_free(SweepData *d)
{
    for (guint a = 0; d->keys && a < d->keys->len; a++)
        if (d->values[a]) g_ptr_array_unref(d->values[a]);
    g_free(d->values);
    if (d->keys) g_ptr_array_unref(d->keys);
    if (d->point) g_array_free(d->point, TRUE);
    if (d->entity) g_ptr_array_unref(d->entity);
    if (d->metric) g_ptr_array_unref(d->metric);
    if (d->kind) g_ptr_array_unref(d->kind);
    for (guint k = 0; k < CIRRUS_STAT_N; k++) {
        if (d->num[k]) g_array_free(d->num[k], TRUE);
        if (d->ci[k]) g_array_free(d->ci[k], TRUE);
    }
}

static gboolean read_data(CirrusH5Run *run, SweepData *d, GError **error)
{
    char *keys = cirrus_h5run_attr_string(run, "sweep_keys");
    char **split = keys ? g_strsplit(keys, "\n", -1) : NULL;
    g_free(keys);
    d->keys = g_ptr_array_new_with_free_func(g_free);
    for (guint a = 0; split && split[a]; a++) g_ptr_array_add(d->keys, g_strdup(split[a]));
    g_strfreev(split);
    d->values = g_new0(GPtrArray *, MAX(d->keys->len, 1u));
    gboolean ok = d->keys->len > 0;
    for (guint a = 0; ok && a < d->keys->len; a++)
        ok = (d->values[a] = cirrus_h5run_table_strings(run, "/sweep_points", d->keys->pdata[a])) != NULL;
    if (ok) d->n_points = d->values[0]->len;
    ok = ok && (d->point = cirrus_h5run_table_numbers(run, "/sweep", "point")) &&
         (d->entity = cirrus_h5run_table_strings(run, "/sweep", "entity")) &&
         (d->metric = cirrus_h5run_table_strings(run, "/sweep", "metric")) &&
         (d->kind = cirrus_h5run_table_strings(run, "/sweep", "kind"));
    for (guint k = 0; ok && k < CIRRUS_STAT_N; k++) {
        char *name = g_strconcat(cirrus_stat_names[k], "_ci95", NULL);
        ok = (d->num[k] = cirrus_h5run_table_numbers(run, "/sweep", cirrus_stat_names[k])) &&
             (d->ci[k] = cirrus_h5run_table_numbers(run, "/sweep", name));
        g_free(name);
    }
    if (!ok)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE, "'%s': the sweep's /sweep or /sweep_points table is "
                    "missing or incomplete", cirrus_h5run_path(run));
    return ok;
}

/* A panel: one statistic of one entity's metric. */
typedef struct {
    char *entity, *metric;
    CirrusStat stat;
    double bound;         /* a plan's SLO on this number (NaN: none) */
    char *bound_label;
} Panel;

static CirrusStat default_stat(const char *kind)
{
    return strcmp(kind, "count") == 0 || strcmp(kind, "cost") == 0 ? CIRRUS_STAT_SUM : CIRRUS_STAT_MEAN;
}

/* "entity/Metric[:stat]" or "Metric[:stat]": the panels it names. */
static gboolean want(SweepData *d, const char *spec, GArray *panels, GError **error)
{
    char **parts = g_strsplit(spec, ":", 2);
    const char *name = parts[0], *slash = strchr(name, '/');
    gint stat = -1;
    for (guint k = 0; parts[1] && k < CIRRUS_STAT_N; k++)
        if (strcmp(parts[1], cirrus_stat_names[k]) == 0) stat = (gint)k;
    gboolean found = FALSE;
    for (guint i = 0; i < d->point->len && (!parts[1] || stat >= 0); i++) {
        if (g_array_index(d->point, double, i) != 0) continue;   /* point 0 names every metric */
        const char *e = d->entity->pdata[i], *m = d->metric->pdata[i];
        gboolean match = slash ? strncmp(name, e, (gsize)(slash - name)) == 0 && strlen(e) == (gsize)(slash - name) &&
                                     strcmp(slash + 1, m) == 0
                               : strcmp(name, m) == 0;
        if (!match) continue;
        Panel p = {g_strdup(e), g_strdup(m), stat >= 0 ? (CirrusStat)stat : default_stat(d->kind->pdata[i]), NAN, NULL};
        g_array_append_val(panels, p);
        found = TRUE;
    }
    if (!found)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "the sweep has no metric '%s' (ENTITY/METRIC or METRIC, optionally :STAT, STAT one of count, "
                    "sum, mean, min, max, last, p50, p90, p99, p999)", spec);
    g_strfreev(parts);
    return found;
}

/* With nothing named: every latency's mean and every gauge's mean. */
static void default_panels(SweepData *d, GArray *panels)
{
    for (guint i = 0; i < d->point->len; i++) {
        if (g_array_index(d->point, double, i) != 0 || strcmp(d->kind->pdata[i], "count") == 0) continue;
        gboolean varies = FALSE;
        for (guint j = 0; j < d->point->len && !varies; j++) {
            double v = g_array_index(d->num[CIRRUS_STAT_MEAN], double, j);
            varies = strcmp(d->entity->pdata[j], d->entity->pdata[i]) == 0 &&
                     strcmp(d->metric->pdata[j], d->metric->pdata[i]) == 0 && isfinite(v) && v != 0;
        }
        if (!varies) continue;
        Panel p = {g_strdup(d->entity->pdata[i]), g_strdup(d->metric->pdata[i]), CIRRUS_STAT_MEAN, NAN, NULL};
        g_array_append_val(panels, p);
    }
}

static void panel_clear(gpointer p)
{
    Panel *panel = p;
    g_free(panel->entity);
    g_free(panel->metric);
    g_free(panel->bound_label);
}

/* A plan's file (cirrus plan: root attribute plan_slos): each SLO on a
 * panel's number sets its bound; with no METRIC named, one panel per SLO
 * (a percentage SLO's panel shows its count, without a bound). */
static void plan_slo_panels(CirrusH5Run *run, SweepData *d, GArray *panels, gboolean add)
{
    char *text = cirrus_h5run_attr_string(run, "plan_slos");
    if (!text) return;
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < d->point->len; i++) {
        if (g_array_index(d->point, double, i) != 0) continue;
        CirrusSummaryRow *r = g_new0(CirrusSummaryRow, 1);
        r->group = r->type = r->unit = (char *)"";
        r->entity = d->entity->pdata[i];
        r->metric = d->metric->pdata[i];
        r->kind = d->kind->pdata[i];
        g_ptr_array_add(rows, r);
    }
    char **lines = g_strsplit(text, "\n", -1);
    for (guint l = 0; lines[l]; l++) {
        CirrusSlo slo;
        if (!*lines[l] || !cirrus_slo_parse(lines[l], "--slo", &slo, NULL) ||
            !cirrus_slo_resolve(&slo, rows, "--slo", NULL)) {
            cirrus_slo_clear(&slo);
            continue;
        }
        const CirrusSummaryRow *r = rows->pdata[slo.row];
        gboolean found = FALSE;
        for (guint p = 0; p < panels->len; p++) {
            Panel *pan = &g_array_index(panels, Panel, p);
            if (strcmp(pan->entity, r->entity) != 0 || strcmp(pan->metric, r->metric) != 0 || pan->stat != slo.stat) continue;
            found = TRUE;
            if (!slo.percent && !pan->bound_label) {
                pan->bound = slo.bound;
                pan->bound_label = g_strdup_printf("SLO %s", slo.text);
            }
        }
        if (!found && add) {
            Panel pan = {g_strdup(r->entity), g_strdup(r->metric), slo.stat, slo.percent ? NAN : slo.bound,
                         slo.percent ? NULL : g_strdup_printf("SLO %s", slo.text)};
            g_array_append_val(panels, pan);
        }
        cirrus_slo_clear(&slo);
    }
    g_strfreev(lines);
    g_ptr_array_unref(rows);
    g_free(text);
}

/* The x of each point: the first key's value if every value is a plain
 * number, else its position among the distinct values (labelled). */
static double *x_positions(SweepData *d, GPtrArray *labels)
{
    double *x = g_new(double, d->n_points);
    gboolean numeric = TRUE;
    for (guint p = 0; p < d->n_points && numeric; p++) {
        char *end;
        const char *v = d->values[0]->pdata[p];
        x[p] = g_ascii_strtod(v, &end);
        numeric = end != v && *end == '\0' && isfinite(x[p]);
    }
    for (guint p = 0; !numeric && p < d->n_points; p++) {
        guint i = 0;
        while (i < labels->len && strcmp(labels->pdata[i], d->values[0]->pdata[p]) != 0) i++;
        if (i == labels->len) g_ptr_array_add(labels, d->values[0]->pdata[p]);
        x[p] = i;
    }
    return x;
}

/* The line a point belongs to: the values of the keys after the first. */
static char *line_of(SweepData *d, guint p)
{
    GString *s = g_string_new(NULL);
    for (guint a = 1; a < d->keys->len; a++)
        g_string_append_printf(s, "%s%s=%s", a > 1 ? ", " : "", (char *)d->keys->pdata[a],
                               (char *)d->values[a]->pdata[p]);
    return g_string_free(s, FALSE);
}

static void append_number(GString *s, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_string_append(s, isfinite(v) ? g_ascii_dtostr(buf, sizeof buf, v) : "NaN");
}

char *cirrus_plot_sweep_script(CirrusH5Run *run, char **specs, guint n_specs, const char *out, GError **error)
{
    return cirrus_plot_sweep_marked_script(run, specs, n_specs, NULL, out, error);
}

char *cirrus_plot_sweep_marked_script(CirrusH5Run *run, char **specs, guint n_specs, const CirrusSweepMarks *marks,
                                      const char *out, GError **error)
{
    SweepData d = {0};
    if (!read_data(run, &d, error)) {
        data_free(&d);
        return NULL;
    }
    GArray *panels = g_array_new(FALSE, TRUE, sizeof(Panel));
    g_array_set_clear_func(panels, panel_clear);
    gboolean ok = TRUE;
    for (guint i = 0; i < n_specs && ok; i++) ok = want(&d, specs[i], panels, error);
    /* A plan's SLOs and choice, drawn on cirrus plot's panels too. */
    if (ok && !marks) plan_slo_panels(run, &d, panels, n_specs == 0);
    if (ok && panels->len == 0) default_panels(&d, panels);
    char *plan_choice = marks ? NULL : cirrus_h5run_attr_string(run, "plan_choice");
    if (plan_choice && strchr(plan_choice, '\n')) *strchr(plan_choice, '\n') = '\0';
    if (marks && isfinite(marks->bound) && panels->len) {
        Panel *pan = &g_array_index(panels, Panel, 0);
        pan->bound = marks->bound;
        pan->bound_label = g_strdup(marks->bound_label ? marks->bound_label : "SLO");
    }
    const char *chosen = marks ? marks->chosen : plan_choice && *plan_choice ? plan_choice : NULL;
    GPtrArray *labels = g_ptr_array_new(), *lines = g_ptr_array_new_with_free_func(g_free);
    double *x = x_positions(&d, labels);
    guint *line = g_new(guint, d.n_points);
    for (guint p = 0; p < d.n_points; p++) {
        char *l = line_of(&d, p);
        guint i = 0;
        while (i < lines->len && strcmp(lines->pdata[i], l) != 0) i++;
        if (i == lines->len) g_ptr_array_add(lines, l);
        else g_free(l);
        line[p] = i;
    }
    GString *s = g_string_new("# written by cirrus plot (a sweep)\n");
    char *q_out = cirrus_gnuplot_quote(out);
    guint rows = MAX(panels->len, 1u);
    if (marks)   /* one panel for a report: its own small, legible SVG */
        g_string_append_printf(s, "set terminal %s size 560,340 font ',13'\nset output %s\n",
                               g_str_has_suffix(out, ".svg") ? "svg dynamic" : "pngcairo", q_out);
    else
        g_string_append_printf(s, "set terminal %s size %u,%u\nset output %s\n",
                               g_str_has_suffix(out, ".svg") ? "svg dynamic" : "pngcairo", 1000, 60 + 300 * rows, q_out);
    g_free(q_out);
    g_string_append(s, "set termoption noenhanced\nset encoding utf8\nset datafile missing 'NaN'\nset grid\n");
    g_string_append(s, marks ? "set key below horizontal\n"
                             : "set key outside right top\nset lmargin at screen 0.1\nset rmargin at screen 0.7\n");
    g_string_append(s, "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05\n");
    /* Data: per panel and line, "x mean half-width" (a half-width of 0
     * where there is none, one replication). */
    for (guint pi = 0; ok && pi < panels->len; pi++) {
        Panel *pan = &g_array_index(panels, Panel, pi);
        for (guint l = 0; l < lines->len; l++) {
            g_string_append_printf(s, "$S%u_%u << EOD\n", pi, l);
            for (guint p = 0; p < d.n_points; p++) {
                if (line[p] != l) continue;
                for (guint i = 0; i < d.point->len; i++) {
                    if (g_array_index(d.point, double, i) != p || strcmp(d.entity->pdata[i], pan->entity) != 0 ||
                        strcmp(d.metric->pdata[i], pan->metric) != 0) continue;
                    double ci = g_array_index(d.ci[pan->stat], double, i);
                    append_number(s, x[p]);
                    g_string_append_c(s, ' ');
                    append_number(s, g_array_index(d.num[pan->stat], double, i));
                    g_string_append_c(s, ' ');
                    append_number(s, isfinite(ci) ? ci : 0);
                    g_string_append_c(s, '\n');
                }
            }
            g_string_append(s, "EOD\n");
        }
    }
    char *scenario = cirrus_h5run_attr_string(run, "scenario");
    char *title = g_strdup_printf("%s: sweep (mean, 95%% CI)", scenario ? scenario : "cirrus");
    char *q = cirrus_gnuplot_quote(title);
    if (!marks) g_string_append_printf(s, "set multiplot layout %u,1 title %s\n", rows, q);
    g_free(q);
    g_free(title);
    g_free(scenario);
    /* Each panel's service level: a dashed red line at its bound across
     * the points, drawn as data so that the y range takes it in. */
    double lo = d.n_points ? x[0] : 0, hi = lo;
    for (guint p = 1; p < d.n_points; p++) lo = MIN(lo, x[p]), hi = MAX(hi, x[p]);
    for (guint pi = 0; pi < panels->len && d.n_points; pi++) {
        Panel *pan = &g_array_index(panels, Panel, pi);
        if (!isfinite(pan->bound)) continue;
        g_string_append_printf(s, "$SLO%u << EOD\n", pi);
        append_number(s, lo);
        g_string_append_c(s, ' ');
        append_number(s, pan->bound);
        g_string_append_c(s, '\n');
        append_number(s, hi);
        g_string_append_c(s, ' ');
        append_number(s, pan->bound);
        g_string_append(s, "\nEOD\n");
    }
    for (guint p = 0; chosen && p < d.n_points; p++) {
        if (strcmp(d.values[0]->pdata[p], chosen) != 0) continue;
        /* The setting chosen: a green line at its first knob's value. */
        char b[G_ASCII_DTOSTR_BUF_SIZE];
        g_ascii_dtostr(b, sizeof b, x[p]);
        g_string_append_printf(s, "set arrow from first %s, graph 0 to first %s, graph 1 nohead lw 2 "
                                  "lc rgb '#1e8449' front\n", b, b);
        char *label = g_strdup_printf("chosen: %s", chosen);
        q = cirrus_gnuplot_quote(label);
        g_string_append_printf(s, "set label %s at first %s, graph 0.95 left offset 0.5,0 front textcolor rgb '#1e8449'\n",
                               q, b);
        g_free(q);
        g_free(label);
        break;
    }
    q = cirrus_gnuplot_quote(d.keys->pdata[0]);
    g_string_append_printf(s, "set xlabel %s\n", q);
    g_free(q);
    if (labels->len) {
        g_string_append(s, "set xtics (");
        for (guint i = 0; i < labels->len; i++) {
            q = cirrus_gnuplot_quote(labels->pdata[i]);
            g_string_append_printf(s, "%s%s %u", i ? ", " : "", q, i);
            g_free(q);
        }
        g_string_append(s, ")\n");
    }
    for (guint pi = 0; ok && pi < panels->len; pi++) {
        Panel *pan = &g_array_index(panels, Panel, pi);
        char *t = g_strdup_printf("%s/%s %s", pan->entity, pan->metric, cirrus_stat_names[pan->stat]);
        q = cirrus_gnuplot_quote(t);
        g_string_append_printf(s, "set title %s\nplot ", q);
        g_free(q);
        g_free(t);
        for (guint l = 0; l < lines->len; l++) {
            const char *name = *(char *)lines->pdata[l] ? lines->pdata[l] : pan->metric;
            q = cirrus_gnuplot_quote(name);
            g_string_append_printf(s, "%s$S%u_%u using 1:2:3 with yerrorbars lc %u pt 7 title %s, "
                                      "$S%u_%u using 1:2 with lines lc %u notitle",
                                   l ? ", " : "", pi, l, l + 1, q, pi, l, l + 1);
            g_free(q);
        }
        if (isfinite(pan->bound) && d.n_points) {
            q = cirrus_gnuplot_quote(pan->bound_label);
            g_string_append_printf(s, ", $SLO%u using 1:2 with lines lw 2 dt 2 lc rgb '#c0392b' title %s", pi, q);
            g_free(q);
        }
        g_string_append_c(s, '\n');
    }
    if (!marks) g_string_append(s, "unset multiplot\n");
    g_free(plan_choice);
    g_free(x);
    g_free(line);
    g_ptr_array_unref(labels);
    g_ptr_array_unref(lines);
    g_array_free(panels, TRUE);
    data_free(&d);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

GPtrArray *cirrus_plot_sweep_metrics(CirrusH5Run *run)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GArray *point = cirrus_h5run_table_numbers(run, "/sweep", "point");
    GPtrArray *entity = cirrus_h5run_table_strings(run, "/sweep", "entity");
    GPtrArray *metric = cirrus_h5run_table_strings(run, "/sweep", "metric");
    for (guint i = 0; point && entity && metric && i < point->len; i++)
        if (g_array_index(point, double, i) == 0)
            g_ptr_array_add(out, g_strdup_printf("%s/%s", (char *)entity->pdata[i], (char *)metric->pdata[i]));
    if (point) g_array_free(point, TRUE);
    if (entity) g_ptr_array_unref(entity);
    if (metric) g_ptr_array_unref(metric);
    return out;
}
