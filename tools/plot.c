/* cirrus — `cirrus plot` (see plot.h).
 *
 * The data go inline into the script as datablocks ($D0 << EOD ... EOD), so
 * no temporary data files are needed; NaN (an interval with no latency
 * values) is a gap in the line.  Names from the file — component and metric
 * names come from a user's scenario — only ever appear inside quoted
 * strings with enhanced text off, never as gnuplot syntax. */
#include "tools/plot.h"
#include "tools/cli.h"
#include "sim/error.h"
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

/* The dashboard: per entity, in file order, up to three panels — its
 * latency percentiles, its gauges (time-weighted mean and peak, at most
 * two), and its counts per interval — leaving out series that are all 0. */
static GPtrArray *dashboard_panels(CirrusH5Run *run)
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
        gsize el = strlen(entity);
        Panel *lat = panel_new(g_strdup_printf("%s: latency percentiles (seconds)", entity));
        Panel *count = panel_new(g_strdup_printf("%s: counts per interval", entity));
        Panel *gauges[2] = {NULL, NULL};   /* one panel each: their scales differ */
        guint n_gauges = 0;
        for (guint i = 0; i < all->len; i++) {
            const char *name = all->pdata[i];
            if (strncmp(name, entity, el) != 0 || name[el] != '/') continue;
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

static void append_datablock(GString *s, guint index, GArray *time, GArray *values, double scale)
{
    g_string_append_printf(s, "$D%u << EOD\n", index);
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
    for (guint i = 0; i < time->len && i < values->len; i++) {
        double v = g_array_index(values, double, i);
        g_string_append_printf(s, "%s %s\n", g_ascii_dtostr(a, sizeof a, g_array_index(time, double, i) / scale),
                               isfinite(v) ? g_ascii_dtostr(b, sizeof b, v) : "NaN");
    }
    g_string_append(s, "EOD\n");
}

char *cirrus_plot_script(CirrusH5Run *run, GPtrArray *series, const char *out, GError **error)
{
    GArray *time = cirrus_h5run_time(run, error);
    if (!time) return NULL;
    double end = time->len ? g_array_index(time, double, time->len - 1) : 0;
    double scale = end > 7200 ? 3600 : 60;
    const char *unit = end > 7200 ? "hours" : "minutes";
    GPtrArray *panels = series->len ? named_panels(series) : dashboard_panels(run);
    GString *s = g_string_new("# written by cirrus plot\n");
    gboolean svg = g_str_has_suffix(out, ".svg");
    guint rows = MAX(panels->len, 1u);
    char *q_out = cirrus_gnuplot_quote(out);
    g_string_append_printf(s, "set terminal %s size %u,%u\nset output %s\n", svg ? "svg dynamic" : "pngcairo",
                           1000, 60 + 230 * rows, q_out);
    g_free(q_out);
    g_string_append(s, "set termoption noenhanced\nset datafile missing 'NaN'\nset grid\nset key outside right top\n");
    guint block = 0;
    gboolean ok = TRUE;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        for (guint i = 0; i < panel->series->len && ok; i++) {
            GArray *v = cirrus_h5run_read(run, panel->series->pdata[i], error);
            if (!v) { ok = FALSE; break; }
            append_datablock(s, block + i, time, v, scale);
            g_array_free(v, TRUE);
        }
        block += panel->series->len;
    }
    char *scenario = cirrus_h5run_attr_string(run, "scenario");
    char *q_title = cirrus_gnuplot_quote(scenario ? scenario : "cirrus run");
    g_string_append_printf(s, "set multiplot layout %u,1 title %s\n", rows, q_title);
    g_free(q_title);
    g_free(scenario);
    g_string_append_printf(s, "set xlabel 'simulated time (%s)'\n", unit);
    block = 0;
    for (guint p = 0; p < panels->len && ok; p++) {
        Panel *panel = panels->pdata[p];
        char *q = cirrus_gnuplot_quote(panel->title);
        g_string_append_printf(s, "set title %s\nplot ", q);
        g_free(q);
        for (guint i = 0; i < panel->series->len; i++) {
            /* With one entity in the panel the metric alone names a line;
             * with several, "entity/Metric". */
            const char *full = panel->series->pdata[i], *metric = strrchr(full, '/') + 1;
            const char *label = panel->several ? strchr(full, '/') + 1 : metric;
            char *qm = cirrus_gnuplot_quote(label);
            g_string_append_printf(s, "%s$D%u using 1:2 with lines lw 2 title %s", i ? ", " : "", block + i, qm);
            g_free(qm);
        }
        g_string_append_c(s, '\n');
        block += panel->series->len;
    }
    g_string_append(s, "unset multiplot\n");
    g_ptr_array_unref(panels);
    g_array_free(time, TRUE);
    if (!ok) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
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
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "Image to write: .png or .svg (default OUT.png)", "FILE"},
        {"list", 0, 0, G_OPTION_ARG_NONE, &list, "List the file's series and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GError *error = NULL;
    GOptionContext *ctx = g_option_context_new("OUT.h5 [SERIES...]");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx,
        "SERIES: a full name (components/web/CPUUtilization), entity/Metric, or Metric for every\n"
        "entity that has it; a latency or gauge name brings its percentiles or peak.\n"
        "With no SERIES: a dashboard with one panel per workload and component.");
    gboolean parsed = g_option_context_parse(ctx, &argc, &argv, &error);
    g_option_context_free(ctx);
    if (!parsed || argc < 2) {
        fprintf(stderr, "cirrus plot: %s\n", parsed ? "expected an HDF5 file (see 'cirrus plot --help')" : error->message);
        g_clear_error(&error);
        g_free(out);
        return 2;
    }
    int status = 0;
    CirrusH5Run *run = cirrus_h5run_open(argv[1], &error);
    GPtrArray *series = g_ptr_array_new_with_free_func(g_free);
    char *script = NULL;
    if (!run) { status = cirrus_cli_fail(error); goto done; }
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
    if (!out) {
        char *base = g_str_has_suffix(argv[1], ".h5") ? g_strndup(argv[1], strlen(argv[1]) - 3) : g_strdup(argv[1]);
        out = g_strconcat(base, ".png", NULL);
        g_free(base);
    }
    if (!(script = cirrus_plot_script(run, series, out, &error)) || !cirrus_plot_render(script, &error)) {
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
