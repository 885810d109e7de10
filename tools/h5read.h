/* cirrus — reading back a run's HDF5 file (the layout of docs/outputs.md). */
#ifndef CIRRUS_TOOLS_H5READ_H
#define CIRRUS_TOOLS_H5READ_H

#include <glib.h>

typedef struct CirrusH5Run CirrusH5Run;

/* Open a file written by `cirrus run`; IO error naming the path if it
 * cannot be read or lacks /time. */
CirrusH5Run *cirrus_h5run_open(const char *path, GError **error);
void         cirrus_h5run_close(CirrusH5Run *run);

/* Every series as "components/<name>/<Metric>" or "workloads/<name>/<Metric>",
 * in file order (owned by the run). */
GPtrArray   *cirrus_h5run_series(CirrusH5Run *run);
/* /time, and one series (NULL with an error if absent). */
GArray      *cirrus_h5run_time(CirrusH5Run *run, GError **error);
GArray      *cirrus_h5run_read(CirrusH5Run *run, const char *series, GError **error);
/* A string root attribute (e.g. "scenario"), or NULL. */
char        *cirrus_h5run_attr_string(CirrusH5Run *run, const char *name);

#endif
