/* cirrus — plots of a run's series through gnuplot. */
#ifndef CIRRUS_TOOLS_PLOT_H
#define CIRRUS_TOOLS_PLOT_H

#include <glib.h>
#include "tools/h5read.h"

/* Write the gnuplot script that draws `series` (full names as listed by
 * cirrus_h5run_series; empty: a dashboard of every entity) to a PNG or SVG
 * at `out`.  Every name from the file is quoted so that it cannot inject
 * gnuplot commands. */
char *cirrus_plot_script(CirrusH5Run *run, GPtrArray *series, const char *out, GError **error);

/* Run gnuplot on a script; IO error if gnuplot is missing or fails. */
gboolean cirrus_plot_render(const char *script, GError **error);

/* A quoted gnuplot string literal for any text: '...' with ' doubled and
 * control characters replaced, so that nothing in it is interpreted. */
char *cirrus_gnuplot_quote(const char *text);

#endif
