/* cirrus — typed configuration access (see config.h). */
#include "sim/loader/config.h"
#include "sim/kernel/error.h"
#include "sim/loader/suggest.h"
#include "sim/loader/units.h"
#include <math.h>
#include <string.h>

CirrusNode *cirrus_cfg_node(CirrusNode *map, const char *key) { return cirrus_node_get(map, key); }

/* Report that `key` is missing from `map`.  A key that is present and a
 * plausible misspelling of it (and not one of `exclude`, keys known to be
 * valid there) is most likely the culprit, so the error points at it and
 * suggests the right spelling: a misspelt required key would otherwise be
 * reported as merely missing, with no "did you mean". */
static void missing_key(CirrusNode *map, const char *key, const char *message,
                        const char *const *exclude, GError **error)
{
    guint limit = MAX(2u, (guint)strlen(key) / 3), best = G_MAXUINT;
    CirrusNode *near = NULL;
    for (guint i = 0; cirrus_node_kind(map) == CIRRUS_NODE_MAP && i < cirrus_node_len(map); i++) {
        const char *k = cirrus_node_key(map, i);
        if (exclude && g_strv_contains(exclude, k)) continue;
        guint d = cirrus_edit_distance(k, key);
        if (d <= limit && d < best) {
            best = d;
            near = cirrus_node_key_node(map, i);
        }
    }
    if (near)
        cirrus_node_error(near, error, "%s: found '%s' instead (did you mean '%s'?)", message,
                          cirrus_node_scalar(near), key);
    else
        cirrus_node_error(map, error, "%s", message);
}

gboolean cirrus_cfg_require(CirrusNode *map, const char *key, const char *what, GError **error)
{
    if (cirrus_node_get(map, key)) return TRUE;
    char *msg = g_strdup_printf("missing required key '%s' (%s)", key, what);
    missing_key(map, key, msg, NULL, error);
    g_free(msg);
    return FALSE;
}

/* The scalar text at `key`, or NULL (absent).  FALSE if present but not a
 * single value. */
static gboolean scalar_at(CirrusNode *map, const char *key, const char *expected,
                          CirrusNode **node, GError **error)
{
    *node = cirrus_node_get(map, key);
    if (!*node) return TRUE;
    if (cirrus_node_kind(*node) != CIRRUS_NODE_SCALAR) {
        cirrus_node_error(*node, error, "'%s' must be %s, not %s", key, expected,
                          cirrus_node_kind_name(cirrus_node_kind(*node)));
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_string(CirrusNode *map, const char *key, const char *def,
                           const char **out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "text", &n, error)) return FALSE;
    *out = n ? cirrus_node_scalar(n) : def;
    return TRUE;
}

/* "'key': " before a conversion message, or nothing for a list item. */
static const char *key_label(const char *key, char *buf, gsize len)
{
    if (!key) return "";
    g_snprintf(buf, len, "'%s': ", key);
    return buf;
}

static gboolean to_double(const CirrusNode *node, const char *key, double *out, GError **error)
{
    char buf[128];
    const char *rest, *text = cirrus_node_scalar(node);
    if (!text || !cirrus_parse_number(text, out, &rest) || *rest) {
        cirrus_node_error(node, error, "%sexpected a number, got '%s'", key_label(key, buf, sizeof buf),
                          text ? text : "(not a value)");
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_double(CirrusNode *map, const char *key, double def, double min,
                           double max, double *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "a number", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    double v;
    if (!to_double(n, key, &v, error)) return FALSE;
    if (v < min || v > max) {
        cirrus_node_error(n, error, "'%s' must be between %g and %g, got %s", key, min, max,
                          cirrus_node_scalar(n));
        return FALSE;
    }
    *out = v;
    return TRUE;
}

gboolean cirrus_cfg_int(CirrusNode *map, const char *key, gint64 def, gint64 min,
                        gint64 max, gint64 *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "a whole number", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    const char *text = cirrus_node_scalar(n);
    gint64 v;
    GError *conv = NULL;
    if (!g_ascii_string_to_signed(text, 10, G_MININT64, G_MAXINT64, &v, &conv)) {
        g_error_free(conv);
        cirrus_node_error(n, error, "'%s' must be a whole number, got '%s'", key, text);
        return FALSE;
    }
    if (v < min || v > max) {
        cirrus_node_error(n, error, "'%s' must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                          ", got %s", key, min, max, text);
        return FALSE;
    }
    *out = v;
    return TRUE;
}

gboolean cirrus_cfg_bool(CirrusNode *map, const char *key, gboolean def, gboolean *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "true or false", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    const char *t = cirrus_node_scalar(n);
    if (strcmp(t, "true") == 0 || strcmp(t, "yes") == 0 || strcmp(t, "on") == 0) *out = TRUE;
    else if (strcmp(t, "false") == 0 || strcmp(t, "no") == 0 || strcmp(t, "off") == 0) *out = FALSE;
    else {
        cirrus_node_error(n, error, "'%s' must be true or false, got '%s'", key, t);
        return FALSE;
    }
    return TRUE;
}

static gboolean to_duration(const CirrusNode *node, const char *key, CirrusTime *out, GError **error)
{
    char buf[128];
    const char *why, *text = cirrus_node_scalar(node);
    if (!text || !cirrus_parse_duration(text, out, &why)) {
        if (!text) why = "a duration with a unit, e.g. 30s";
        cirrus_node_error(node, error, "%sexpected %s, got '%s'", key_label(key, buf, sizeof buf), why,
                          text ? text : "(not a value)");
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_duration(CirrusNode *map, const char *key, CirrusTime def, CirrusTime min,
                             CirrusTime max, CirrusTime *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "a duration", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    if (!to_duration(n, key, out, error)) return FALSE;
    if (*out < min || *out > max) {
        char *lo = cirrus_format_duration(min), *hi = cirrus_format_duration(max);
        cirrus_node_error(n, error, "'%s' must be between %s and %s, got %s", key, lo, hi, cirrus_node_scalar(n));
        g_free(lo);
        g_free(hi);
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_size(CirrusNode *map, const char *key, gint64 def, gint64 *out, GError **error)
{
    CirrusNode *n;
    const char *why;
    if (!scalar_at(map, key, "a size", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    if (!cirrus_parse_size(cirrus_node_scalar(n), out, &why)) {
        cirrus_node_error(n, error, "'%s': expected %s, got '%s'", key, why, cirrus_node_scalar(n));
        return FALSE;
    }
    return TRUE;
}

static gboolean to_rate(const CirrusNode *node, const char *key, double *out, GError **error)
{
    char buf[128];
    const char *why = "a rate of events such as 100/s or 6000/m", *text = cirrus_node_scalar(node);
    if (!text || !cirrus_parse_event_rate(text, out, &why)) {
        cirrus_node_error(node, error, "%sexpected %s, got '%s'", key_label(key, buf, sizeof buf), why,
                          text ? text : "(not a value)");
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_rate(CirrusNode *map, const char *key, double def, double *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "a rate", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    return to_rate(n, key, out, error);
}

gboolean cirrus_cfg_enum(CirrusNode *map, const char *key, const char *const *choices,
                         int def, int *out, GError **error)
{
    CirrusNode *n;
    if (!scalar_at(map, key, "a name", &n, error)) return FALSE;
    if (!n) { *out = def; return TRUE; }
    const char *t = cirrus_node_scalar(n);
    guint count = 0;
    for (; choices[count]; count++)
        if (strcmp(choices[count], t) == 0) { *out = (int)count; return TRUE; }
    char *list = g_strjoinv(", ", (char **)choices);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "'%s' must be one of %s; got '%s'", key, list, t);
    cirrus_suggest_append(msg, t, choices, count);
    cirrus_node_error(n, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(list);
    return FALSE;
}

gboolean cirrus_cfg_map(CirrusNode *map, const char *key, CirrusNode **out, GError **error)
{
    *out = cirrus_node_get(map, key);
    if (*out && cirrus_node_kind(*out) != CIRRUS_NODE_MAP) {
        cirrus_node_error(*out, error, "'%s' must be %s, not %s", key,
                          cirrus_node_kind_name(CIRRUS_NODE_MAP), cirrus_node_kind_name(cirrus_node_kind(*out)));
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_cfg_list(CirrusNode *map, const char *key, CirrusNode **out, GError **error)
{
    *out = cirrus_node_get(map, key);
    if (*out && cirrus_node_kind(*out) != CIRRUS_NODE_SEQ) {
        cirrus_node_error(*out, error, "'%s' must be %s, not %s", key,
                          cirrus_node_kind_name(CIRRUS_NODE_SEQ), cirrus_node_kind_name(cirrus_node_kind(*out)));
        return FALSE;
    }
    return TRUE;
}

char *cirrus_node_resolve_path(const CirrusNode *node, const char *path)
{
    if (g_path_is_absolute(path)) return g_strdup(path);
    char *dir = g_path_get_dirname(cirrus_node_file(node));
    char *full = g_build_filename(dir, path, NULL);
    g_free(dir);
    return full;
}

/* The text of a file named in the scenario, or FALSE with an error at `at`. */
static gboolean read_named_file(const CirrusNode *at, const char *path, char **full, char **text, GError **error)
{
    GError *io = NULL;
    gsize len = 0;
    *full = cirrus_node_resolve_path(at, path);
    if (!g_file_get_contents(*full, text, &len, &io)) {
        cirrus_node_error(at, error, "cannot read '%s': %s", *full, io->message);
        g_error_free(io);
        g_free(*full);
        return FALSE;
    }
    /* Splitting on lines would stop silently at a NUL byte, and bytes that
     * are not UTF-8 would reach the message as they are. */
    if (strlen(*text) != len || !g_utf8_validate(*text, (gssize)len, NULL)) {
        cirrus_node_error(at, error, "'%s' is not a text file of numbers: it holds binary data "
                          "(NUL bytes or invalid UTF-8)", *full);
        g_free(*text);
        g_free(*full);
        return FALSE;
    }
    return TRUE;
}

/* An error in a line of a file the scenario names: the file and its line
 * first (what to fix), then where the scenario names it. */
static void file_line_error(const CirrusNode *at, GError **error, const char *full, guint line, guint col,
                            const char *fmt, ...) G_GNUC_PRINTF(6, 7);
static void file_line_error(const CirrusNode *at, GError **error, const char *full, guint line, guint col,
                            const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:%u:%u: %s (named at %s:%d:%d)", full, line, col, msg,
                cirrus_node_file(at), cirrus_node_line(at), cirrus_node_col(at));
    g_free(msg);
}

/* One value of a numbers file or column: a non-negative number, not below
 * the last one when `ascending`. */
static gboolean append_number(const CirrusNode *at, const char *full, guint line, guint col, const char *what,
                              const char *text, gboolean ascending, GArray *out, GError **error)
{
    double v;
    const char *rest;
    if (!cirrus_parse_number(text, &v, &rest) || *rest || v < 0 || !isfinite(v)) {
        file_line_error(at, error, full, line, col, "%sexpected a non-negative number in seconds, got '%s'", what,
                        text);
        return FALSE;
    }
    if (ascending && out->len && v < g_array_index(out, double, out->len - 1)) {
        file_line_error(at, error, full, line, col, "%stimes must not decrease (%s after %g)", what, text,
                        g_array_index(out, double, out->len - 1));
        return FALSE;
    }
    g_array_append_val(out, v);
    return TRUE;
}

static gboolean skipped_line(const char *line)
{
    return !*line || *line == '#';
}

gboolean cirrus_read_numbers(const CirrusNode *at, const char *path, gboolean ascending,
                             GArray *out, GError **error)
{
    char *full, *text;
    if (!read_named_file(at, path, &full, &text, error)) return FALSE;
    gboolean ok = TRUE;
    char **lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] && ok; i++) {
        guint col = 1 + (guint)strspn(lines[i], " \t\r\v\f");   /* where the number starts */
        char *line = g_strstrip(lines[i]);
        if (!skipped_line(line)) ok = append_number(at, full, i + 1, col, "", line, ascending, out, error);
    }
    if (ok && out->len == 0) {
        cirrus_node_error(at, error, "'%s' holds no numbers", full);
        ok = FALSE;
    }
    g_strfreev(lines);
    g_free(text);
    g_free(full);
    return ok;
}

/* The index of `column` in a CSV header, or -1 with an error at `at` that
 * lists the header's names and suggests the closest. */
static int csv_find_column(const CirrusNode *at, const char *full, guint line, char **names,
                           const char *column, GError **error)
{
    guint n = g_strv_length(names);
    for (guint k = 0; k < n; k++) {
        g_strstrip(names[k]);
        if (strcmp(names[k], column) == 0) return (int)k;
    }
    char *list = g_strjoinv(", ", names);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "%s:%u: the header has no column '%s' (it has %s)", full, line, column, list);
    cirrus_suggest_append(msg, column, (const char *const *)names, n);
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(list);
    return -1;
}

gboolean cirrus_read_csv_column(const CirrusNode *at, const CirrusNode *column_at, const char *path,
                                const char *column, gboolean ascending, GArray *out, GError **error)
{
    char *full, *text;
    if (!read_named_file(at, path, &full, &text, error)) return FALSE;
    gboolean ok = TRUE;
    int col = -1;
    char *what = g_strdup_printf("column '%s': ", column);
    char **lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] && ok; i++) {
        guint indent = (guint)strspn(lines[i], " \t\r\v\f");
        char *line = g_strstrip(lines[i]);
        if (skipped_line(line)) continue;
        char **fields = g_strsplit(line, ",", -1);
        if (col < 0) {
            /* The first line that is not blank or a comment names the columns. */
            col = csv_find_column(column_at, full, i + 1, fields, column, error);
            ok = col >= 0;
        } else if (g_strv_length(fields) <= (guint)col) {
            file_line_error(at, error, full, i + 1, 1 + indent, "%u fields, but '%s' is field %d of the header",
                            g_strv_length(fields), column, col + 1);
            ok = FALSE;
        } else {
            /* The field's column: the fields before it, their commas, its own indent. */
            guint at_col = 1 + indent;
            for (int f = 0; f < col; f++) at_col += (guint)strlen(fields[f]) + 1;
            at_col += (guint)strspn(fields[col], " \t\r\v\f");
            ok = append_number(at, full, i + 1, at_col, what, g_strstrip(fields[col]), ascending, out, error);
        }
        g_strfreev(fields);
    }
    if (ok && out->len == 0) {
        cirrus_node_error(at, error, "'%s' holds no rows under its header", full);
        ok = FALSE;
    }
    g_strfreev(lines);
    g_free(what);
    g_free(text);
    g_free(full);
    return ok;
}

/* ---- distributions ---------------------------------------------------- */

/* Every key a distribution map may hold: never taken for a misspelling. */
static const char *const dist_keys[] = {"dist", "value", "mean", "min", "max", "sd", "cv", "file", NULL};

/* A distribution parameter given as a duration (with units) -> seconds. */
static gboolean dist_param(CirrusNode *map, const char *kind, const char *key, gboolean is_duration,
                           double *out, GError **error)
{
    CirrusNode *n = cirrus_node_get(map, key);
    if (!n) {
        char *msg = g_strdup_printf("%s distribution needs '%s'", kind, key);
        missing_key(map, key, msg, dist_keys, error);
        g_free(msg);
        return FALSE;
    }
    if (!is_duration) return to_double(n, key, out, error);
    CirrusTime t;
    if (!to_duration(n, key, &t, error)) return FALSE;
    *out = cirrus_time_to_s(t);
    return TRUE;
}

gboolean cirrus_cfg_dist(CirrusNode *map, const char *key, const CirrusDist *def,
                         CirrusDist *out, GError **error)
{
    CirrusNode *n = cirrus_node_get(map, key);
    memset(out, 0, sizeof *out);
    if (!n) {
        if (!def) {
            char *msg = g_strdup_printf("missing required key '%s' (a distribution such as "
                                        "{dist: exponential, mean: 50ms})", key);
            missing_key(map, key, msg, NULL, error);
            g_free(msg);
            return FALSE;
        }
        *out = *def;
        if (def->kind == CIRRUS_DIST_EMPIRICAL)
            return cirrus_dist_set_empirical(out, def->samples, def->n_samples, error);
        return TRUE;
    }
    if (cirrus_node_kind(n) == CIRRUS_NODE_SCALAR) {
        CirrusTime t;
        if (!to_duration(n, key, &t, error)) return FALSE;
        cirrus_dist_constant(out, cirrus_time_to_s(t));
        return TRUE;
    }
    if (cirrus_node_kind(n) != CIRRUS_NODE_MAP) {
        cirrus_node_error(n, error, "'%s' must be a distribution such as {dist: exponential, mean: 50ms}", key);
        return FALSE;
    }
    static const char *const kinds[] = {"constant", "exponential", "uniform", "normal",
                                        "lognormal", "gamma", "empirical", NULL};
    int kind;
    if (!cirrus_cfg_require(n, "dist", "the distribution's name", error) ||
        !cirrus_cfg_enum(n, "dist", kinds, 0, &kind, error))
        return FALSE;
    gboolean ok;
    double p1 = 0, p2 = 0;
    const char *name = kinds[kind];
    switch ((CirrusDistKind)kind) {
    case CIRRUS_DIST_CONSTANT: ok = dist_param(n, name, "value", TRUE, &p1, error); break;
    case CIRRUS_DIST_EXPONENTIAL: ok = dist_param(n, name, "mean", TRUE, &p1, error); break;
    case CIRRUS_DIST_UNIFORM:
        ok = dist_param(n, name, "min", TRUE, &p1, error) && dist_param(n, name, "max", TRUE, &p2, error);
        break;
    case CIRRUS_DIST_NORMAL:
        ok = dist_param(n, name, "mean", TRUE, &p1, error) && dist_param(n, name, "sd", TRUE, &p2, error);
        break;
    case CIRRUS_DIST_LOGNORMAL:
    case CIRRUS_DIST_GAMMA:
        ok = dist_param(n, name, "mean", TRUE, &p1, error) && dist_param(n, name, "cv", FALSE, &p2, error);
        break;
    case CIRRUS_DIST_EMPIRICAL: {
        const char *file;
        if (!cirrus_cfg_require(n, "file", "a file of samples in seconds, one per line", error) ||
            !cirrus_cfg_string(n, "file", NULL, &file, error))
            return FALSE;
        GArray *samples = g_array_new(FALSE, FALSE, sizeof(double));
        ok = cirrus_read_numbers(cirrus_node_get(n, "file"), file, FALSE, samples, error) &&
             cirrus_dist_set_empirical(out, (double *)(void *)samples->data, samples->len, error);
        g_array_free(samples, TRUE);
        return ok;
    }
    default: g_assert_not_reached();
    }
    if (!ok) return FALSE;
    GError *bad = NULL;
    if (!cirrus_dist_set(out, (CirrusDistKind)kind, p1, p2, &bad)) {
        cirrus_node_error(n, error, "'%s': %s", key, bad->message);
        g_error_free(bad);
        return FALSE;
    }
    return TRUE;
}

gboolean cirrus_node_to_double(const CirrusNode *node, double *out, GError **error)
{
    return to_double(node, NULL, out, error);
}

gboolean cirrus_node_to_duration(const CirrusNode *node, CirrusTime *out, GError **error)
{
    return to_duration(node, NULL, out, error);
}

gboolean cirrus_node_to_rate(const CirrusNode *node, double *out, GError **error)
{
    return to_rate(node, NULL, out, error);
}
