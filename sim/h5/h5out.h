/* cirrus — streaming HDF5 output (DESIGN.md §4, contract).
 *
 * Layout: root attributes; /time (seconds, float64); one float64 dataset per
 * series at "<group>/<name>", e.g. "/components/web/Latency.p99", all the
 * same length as /time.  Datasets are chunked, deflate-compressed and
 * extendible; rows are buffered in blocks and written as the run goes, so
 * memory does not grow with simulated time.
 *
 * The file is written under a temporary name in the same directory
 * ("<path>.tmp-XXXXXX") and renamed to <path> only by a successful
 * cirrus_h5_close(..., commit = TRUE): a failed run never leaves a file
 * that looks complete and leaves an existing <path> as it was (a run killed
 * outright may leave its "<path>.tmp-XXXXXX" behind, never a partial
 * <path>); a successful run replaces <path>. */
#ifndef CIRRUS_H5OUT_H
#define CIRRUS_H5OUT_H

#include <glib.h>

typedef struct CirrusH5 CirrusH5;

/* Create the temporary file next to `path`.  IO error names the path. */
CirrusH5 *cirrus_h5_open(const char *path, GError **error);

/* Declare a series before the first row.  `group` is an absolute group path
 * ("/components/web"), created with its parents as needed; `name` may
 * contain dots but not '/'.  Returns the column index (0, 1, 2, ... in the
 * order declared). */
guint cirrus_h5_add_series(CirrusH5 *h, const char *group, const char *name);

/* Append one row: the sample time in seconds and one value per declared
 * series (n_values must equal the number of series). */
gboolean cirrus_h5_append(CirrusH5 *h, double time_s, const double *values,
                          guint n_values, GError **error);

/* Root attributes; may be called at any time before close. */
gboolean cirrus_h5_attr_string(CirrusH5 *h, const char *name, const char *value, GError **error);
gboolean cirrus_h5_attr_double(CirrusH5 *h, const char *name, double value, GError **error);
gboolean cirrus_h5_attr_int64 (CirrusH5 *h, const char *name, gint64 value, GError **error);

/* A small table written at once (not streamed): a 1-D dataset at `path`
 * (parent groups created as needed) of a compound type with one member per
 * field, in the order given — a variable-length UTF-8 string or a float64
 * each — and `n_rows` rows (0 is allowed).  h5py reads it as a structured
 * array.  Used for /summary and /faults (docs/outputs.md). */
typedef struct CirrusH5Field {
    const char *name;
    const char *const *strings;   /* n_rows strings, or NULL for a number field */
    const double *numbers;        /* n_rows numbers when strings is NULL */
} CirrusH5Field;

gboolean cirrus_h5_table(CirrusH5 *h, const char *path, const CirrusH5Field *fields, guint n_fields,
                         guint n_rows, GError **error);

/* A file of tables and copied groups only (a sweep): no /time and no
 * series; call before anything else.  Appending rows is then an error. */
void cirrus_h5_without_series(CirrusH5 *h);

/* Copy everything in the HDF5 file `src_path` — its root's links and
 * attributes — into the group `dst_group` (created with its parents),
 * dataset by dataset as stored (chunks are not recompressed). */
gboolean cirrus_h5_copy_file(CirrusH5 *h, const char *src_path, const char *dst_group, GError **error);

/* Flush buffered rows and close.  commit = TRUE renames the temporary file
 * to the final path (IO error, naming the path, if that fails); FALSE
 * deletes it.  Always frees h. */
gboolean cirrus_h5_close(CirrusH5 *h, gboolean commit, GError **error);

/* The temporary file's name (for messages and tests). */
const char *cirrus_h5_temp_path(const CirrusH5 *h);

#endif
