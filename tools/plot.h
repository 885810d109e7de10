/* cirrus — plots of a run's series through gnuplot. */
#ifndef CIRRUS_TOOLS_PLOT_H
#define CIRRUS_TOOLS_PLOT_H

#include <glib.h>
#include "tools/h5read.h"

/* Write the gnuplot script that draws `series` (full names as listed by
 * cirrus_h5run_series; empty: a dashboard of every entity, docs/outputs.md
 * "Plotting") to a PNG or SVG at `out`: a grid of panels, latencies in ms,
 * counts as rates per second, levels as they are, each panel titled with
 * its metrics and unit and its y axis labelled; warm-up, faults, scaling
 * activities and truncation marked.  Every name from the file is quoted so that it cannot inject
 * gnuplot commands. */
char *cirrus_plot_script(CirrusH5Run *run, GPtrArray *series, const char *out, GError **error);

/* The dashboard panels of one entity ("components/web") only, for the
 * HTML report: one SVG per panel, `prefix` + 0, 1, ... + ".svg", their
 * number in *n_panels; NULL (and no error) if it has nothing to draw. */
char *cirrus_plot_entity_panels(CirrusH5Run *run, const char *entity, const char *prefix, guint *n_panels,
                                GError **error);

/* The instants (s) of an asg's scaling activities, from its
 * GroupDesiredCapacity series (time-weighted mean per row; `time` holds
 * each row's end) and, if not NULL, its ScalingActivities counts per row.
 * One change in a row between steady levels: the instant that gives the
 * row's mean, exactly.  Several in a row: spread over the row (with the
 * counts) or its midpoint (without). */
GArray *cirrus_plot_scaling_times(GArray *time, GArray *level, GArray *activities);

/* Inline data for a script: "NAME << EOD", rows "time/scale value"
 * (NaN for a non-finite value), "EOD". */
void cirrus_plot_datablock(GString *s, const char *name, GArray *time, GArray *values, double scale);
/* Seconds per unit of the time axis for a run ending at end_s: minutes up
 * to 2 h, hours beyond. */
double cirrus_plot_time_scale(double end_s, const char **unit);

/* Run gnuplot on a script; IO error if gnuplot is missing or fails. */
gboolean cirrus_plot_render(const char *script, GError **error);

/* A quoted gnuplot string literal for any text: '...' with ' doubled and
 * control characters replaced, so that nothing in it is interpreted. */
char *cirrus_gnuplot_quote(const char *text);

/* A sweep file (tools/sweepplot.c): the gnuplot script of metric vs the
 * first swept key with yerrorbars, one panel per spec ("entity/Metric",
 * "Metric", optionally ":stat"; none: every latency's and gauge's mean);
 * NULL with a usage error for a spec that names nothing.  And the
 * "entity/Metric" names it has. */
char      *cirrus_plot_sweep_script(CirrusH5Run *run, char **specs, guint n_specs, const char *out, GError **error);
/* For the report of a sweep or plan: the same for one spec, as one small
 * panel, with a service level's bound as a dashed red line (bound NaN:
 * none) and the chosen setting's first-knob value (NULL: none) as a
 * green line. */
typedef struct CirrusSweepMarks {
    double bound;
    const char *bound_label;
    const char *chosen;
} CirrusSweepMarks;
char      *cirrus_plot_sweep_marked_script(CirrusH5Run *run, char **specs, guint n_specs,
                                           const CirrusSweepMarks *marks, const char *out, GError **error);
GPtrArray *cirrus_plot_sweep_metrics(CirrusH5Run *run);

#endif
