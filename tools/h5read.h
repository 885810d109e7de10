/* cirrus — reading back a run's HDF5 file (the layout of docs/outputs.md). */
#ifndef CIRRUS_TOOLS_H5READ_H
#define CIRRUS_TOOLS_H5READ_H

#include <glib.h>

typedef struct CirrusH5Run CirrusH5Run;

/* Open a file written by `cirrus run`; IO error naming the path if it
 * cannot be read or lacks /time. */
CirrusH5Run *cirrus_h5run_open(const char *path, GError **error);
void         cirrus_h5run_close(CirrusH5Run *run);
/* The same, also accepting a sweep file (cirrus sweep: no /time; a
 * root attribute sweep_keys), which cirrus_h5run_open refuses with a
 * message saying what it is. */
CirrusH5Run *cirrus_h5run_open_any(const char *path, GError **error);
gboolean     cirrus_h5run_is_sweep(CirrusH5Run *run);

/* Every series as "components/<name>/<Metric>" or "workloads/<name>/<Metric>",
 * in file order (owned by the run). */
GPtrArray   *cirrus_h5run_series(CirrusH5Run *run);
/* /time, and one series (NULL with an error if absent). */
GArray      *cirrus_h5run_time(CirrusH5Run *run, GError **error);
GArray      *cirrus_h5run_read(CirrusH5Run *run, const char *series, GError **error);
/* A string root attribute (e.g. "scenario"), or NULL. */
char        *cirrus_h5run_attr_string(CirrusH5Run *run, const char *name);

/* A numeric root attribute (int64 or float64); FALSE if absent. */
gboolean     cirrus_h5run_attr_double(CirrusH5Run *run, const char *name, double *value);
/* A run that was interrupted or hit a limit (root attribute truncated =
 * 1): TRUE, with the simulated time reached and the duration asked for
 * (NaN if absent); FALSE for a complete run or a sweep. */
gboolean     cirrus_h5run_truncated(CirrusH5Run *run, double *at_s, double *duration_s);
/* "truncated at 1000.03 s of 7200 s", or NULL for a complete run. */
char        *cirrus_h5run_truncated_text(CirrusH5Run *run);
/* The path the run was opened from. */
const char  *cirrus_h5run_path(CirrusH5Run *run);

/* One field of a table written by cirrus_h5_table (e.g. "/summary",
 * "entity"), one entry per row; NULL if the table or the field is absent. */
GPtrArray   *cirrus_h5run_table_strings(CirrusH5Run *run, const char *table, const char *field);
GArray      *cirrus_h5run_table_numbers(CirrusH5Run *run, const char *table, const char *field);
/* The names of the links in a group, in name order ("/replications" ->
 * "0", "1", ...); NULL if there is no such group. */
GPtrArray   *cirrus_h5run_children(CirrusH5Run *run, const char *group);

#endif
