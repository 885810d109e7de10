/* cirrus — the sweep file (docs/outputs.md, "Sweeps"), shared by
 * `cirrus sweep` (a grid of --set values) and `cirrus plan` (the points a
 * search explored). */
#ifndef CIRRUS_TOOLS_SWEEP_H
#define CIRRUS_TOOLS_SWEEP_H

#include <glib.h>
#include "tools/replicate.h"

typedef struct CirrusSweepAxis {
    char *key;
    GPtrArray *values;   /* char *, as given to --set */
} CirrusSweepAxis;

typedef struct CirrusSweep {
    GPtrArray *axes;          /* CirrusSweepAxis *; point p takes the cross product's p-th values */
    guint n_points, n_reps;
    CirrusScenario **sc;      /* one per point */
    CirrusReplica *reps;      /* point p's replication k at [p * n_reps + k] */
    GPtrArray **summary;      /* one per point: mean and ci95 rows */
    /* NULL: the points are the cross product above.  Else point p's value
     * of axis a is point_values[p * axes->len + a] (and the axes' values
     * are not used): the settings `cirrus plan` explored. */
    const char *const *point_values;
    /* NULL, or per point NULL or the path of its run file, already
     * written (`cirrus sweep` writes each point's as soon as its runs are
     * done, while the others run): copied in as it is. */
    char **point_files;
} CirrusSweep;

/* One axis (freed with the axes array's free function, cirrus_sweep_axis_free). */
CirrusSweepAxis *cirrus_sweep_axis_new(const char *key);
void             cirrus_sweep_axis_free(gpointer axis);

/* Write the sweep file `path`: root attributes (and `extra`, name/value
 * pairs, NULL-terminated, may be NULL), /sweep_points, /sweep and every
 * point's run under /points/<p>. */
gboolean cirrus_sweep_write(const char *path, CirrusSweep *sw, const char *const *extra, GError **error);

#endif
