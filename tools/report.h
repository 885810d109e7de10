/* cirrus — `cirrus report`: one self-contained HTML page about a run. */
#ifndef CIRRUS_TOOLS_REPORT_H
#define CIRRUS_TOOLS_REPORT_H

#include <glib.h>
#include "tools/h5read.h"

/* The page (needs gnuplot for the plots; IO error if it fails). */
char *cirrus_report_html(CirrusH5Run *run, GError **error);

/* gnuplot's SVG document made fit to sit inline in HTML: from "<svg" on,
 * every element id and reference to one prefixed with `prefix` (inside
 * tags only, never in text); NULL if it holds a script or an event
 * handler attribute. */
char *cirrus_report_svg_inline(const char *svg, const char *prefix);

#endif
