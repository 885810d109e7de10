/* cirrus — typed access to a component's configuration.
 *
 * Every accessor looks a key up in a map node (marking it used and recording
 * it as a valid key for "did you mean"), converts and range-checks it, and on
 * any problem returns FALSE with a CIRRUS_ERROR_SCENARIO error that names
 * file:line:col and says what was expected.  When the key is absent the
 * default is stored and TRUE returned; pass `required` = TRUE (the _req
 * variants) to make absence an error located at the map.
 *
 * A model's configure() reads all of its keys through these; afterwards the
 * loader reports any key nobody asked for as unknown. */
#ifndef CIRRUS_CONFIG_H
#define CIRRUS_CONFIG_H

#include <glib.h>
#include "sim/kernel/clock.h"
#include "sim/kernel/dist.h"
#include "sim/loader/node.h"

/* The node behind `key`, or NULL (absent).  Marks it used. */
CirrusNode *cirrus_cfg_node(CirrusNode *map, const char *key);

gboolean cirrus_cfg_require(CirrusNode *map, const char *key, const char *what, GError **error);

/* Text; *out points into the tree (copy it to keep it beyond configure). */
gboolean cirrus_cfg_string(CirrusNode *map, const char *key, const char *def,
                           const char **out, GError **error);
/* Whole number in [min, max]. */
gboolean cirrus_cfg_int(CirrusNode *map, const char *key, gint64 def, gint64 min,
                        gint64 max, gint64 *out, GError **error);
/* Real number in [min, max]. */
gboolean cirrus_cfg_double(CirrusNode *map, const char *key, double def, double min,
                           double max, double *out, GError **error);
gboolean cirrus_cfg_bool(CirrusNode *map, const char *key, gboolean def,
                         gboolean *out, GError **error);
/* Duration in [min, max]. */
gboolean cirrus_cfg_duration(CirrusNode *map, const char *key, CirrusTime def,
                             CirrusTime min, CirrusTime max, CirrusTime *out, GError **error);
gboolean cirrus_cfg_size(CirrusNode *map, const char *key, gint64 def,
                         gint64 *out, GError **error);
/* Event rate per second (not bytes). */
gboolean cirrus_cfg_rate(CirrusNode *map, const char *key, double def,
                         double *out, GError **error);
/* One of `choices` (NULL-terminated); *out is its index. */
gboolean cirrus_cfg_enum(CirrusNode *map, const char *key, const char *const *choices,
                         int def, int *out, GError **error);
/* A distribution of durations, in seconds:
 *   {dist: exponential, mean: 50ms} — parameters per dist.h, durations
 *   with units — or a bare duration "50ms" meaning constant.  `def` may be
 *   NULL to make the key required.  Empirical reads `file:` (relative to
 *   the scenario file), one sample in seconds per line. */
gboolean cirrus_cfg_dist(CirrusNode *map, const char *key, const CirrusDist *def,
                         CirrusDist *out, GError **error);
/* A nested map (or NULL when absent); error if present but not a map. */
gboolean cirrus_cfg_map(CirrusNode *map, const char *key, CirrusNode **out, GError **error);
/* A list (or NULL when absent); error if present but not a list. */
gboolean cirrus_cfg_list(CirrusNode *map, const char *key, CirrusNode **out, GError **error);

/* Value conversions for a node already in hand (for list items). */
gboolean cirrus_node_to_duration(const CirrusNode *node, CirrusTime *out, GError **error);
gboolean cirrus_node_to_rate(const CirrusNode *node, double *out, GError **error);
gboolean cirrus_node_to_double(const CirrusNode *node, double *out, GError **error);

/* A path relative to the directory of the file a node came from. */
char *cirrus_node_resolve_path(const CirrusNode *node, const char *path);

/* Read a file of numbers, one per line (blank lines and lines starting
 * with '#' skipped), into `out` (doubles).  Errors name "file:line:col"; a
 * file with NUL bytes or invalid UTF-8 is refused at `at`.  With
 * `ascending`, values must not decrease.  `at` locates the key naming it. */
gboolean cirrus_read_numbers(const CirrusNode *at, const char *path, gboolean ascending,
                             GArray *out, GError **error);
/* Read one column of a CSV file: the first line that is not blank or a
 * comment is the header naming the columns (comma-separated, no quoting);
 * each later row gives one number, checked as cirrus_read_numbers does.
 * Errors in the file name "file:line"; a missing column is located at
 * `column_at`, a missing file at `at`. */
gboolean cirrus_read_csv_column(const CirrusNode *at, const CirrusNode *column_at, const char *path,
                                const char *column, gboolean ascending, GArray *out, GError **error);

#endif
