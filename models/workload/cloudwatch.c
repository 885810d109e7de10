/* cirrus — CloudWatch exports as arrival schedules (see cloudwatch.h). */
#include "models/workload/cloudwatch.h"
#include "sim/loader/config.h"
#include "sim/kernel/error.h"
#include "sim/loader/units.h"
#include <math.h>
#include <string.h>

/* One datapoint and where it was read (for messages). */
typedef struct {
    double t, value;
    int line, col;            /* of its timestamp; col 0 for CSV (the JSON tree is gone by the time the
                               * duplicates are found, so the place is kept, not the node) */
} Point;

void cirrus_cloudwatch_series_clear(CirrusCloudWatchSeries *s)
{
    g_free(s->t);
    g_free(s->value);
    memset(s, 0, sizeof *s);
}

/* Epoch seconds, or ISO 8601 (a time without a zone is UTC, as the AWS
 * CLI prints with --start-time given in UTC). */
static gboolean parse_time(const char *text, double *out)
{
    const char *rest;
    if (cirrus_parse_number(text, out, &rest) && !*rest) return isfinite(*out);
    GTimeZone *utc = g_time_zone_new_utc();
    GDateTime *dt = g_date_time_new_from_iso8601(text, utc);
    g_time_zone_unref(utc);
    if (!dt) return FALSE;
    *out = (double)g_date_time_to_unix(dt) + g_date_time_get_microsecond(dt) / 1e6;
    g_date_time_unref(dt);
    return TRUE;
}

static gboolean parse_value(const char *text, double *out)
{
    const char *rest;
    return text && cirrus_parse_number(text, out, &rest) && !*rest && isfinite(*out) && *out >= 0;
}

/* A message at a point: file:line:col for JSON, file:line for CSV. */
static void point_error(const Point *p, const char *file, GError **error, const char *msg)
{
    if (p->col > 0) g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:%d:%d: %s", file, p->line, p->col, msg);
    else g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:%d: %s", file, p->line, msg);
}

/* MetricDataResults[0].Timestamps / .Values of get-metric-data's JSON,
 * parsed as YAML (JSON is YAML's flow style), so that every error has its
 * line and column. */
static gboolean read_json(const char *file, const char *text, gsize len, GArray *points, GError **error)
{
    CirrusNode *root = cirrus_node_parse(file, text, len, error);
    if (!root) return FALSE;
    gboolean ok = FALSE;
    CirrusNode *results = cirrus_node_peek(root, "MetricDataResults"), *first = NULL, *ts = NULL, *vs = NULL;
    if (cirrus_node_kind(root) != CIRRUS_NODE_MAP || !results || cirrus_node_kind(results) != CIRRUS_NODE_SEQ ||
        cirrus_node_len(results) == 0)
        cirrus_node_error(results ? results : root, error, "expected the output of 'aws cloudwatch "
                          "get-metric-data': an object with a non-empty list 'MetricDataResults'");
    else if (cirrus_node_kind(first = cirrus_node_item(results, 0)) != CIRRUS_NODE_MAP ||
             !(ts = cirrus_node_peek(first, "Timestamps")) || !(vs = cirrus_node_peek(first, "Values")) ||
             cirrus_node_kind(ts) != CIRRUS_NODE_SEQ || cirrus_node_kind(vs) != CIRRUS_NODE_SEQ)
        cirrus_node_error(first, error, "MetricDataResults[0] needs the lists 'Timestamps' and 'Values'");
    else if (cirrus_node_len(ts) != cirrus_node_len(vs))
        cirrus_node_error(vs, error, "%u Values for %u Timestamps: they must pair up", cirrus_node_len(vs),
                          cirrus_node_len(ts));
    else
        ok = TRUE;
    for (guint i = 0; ok && i < cirrus_node_len(ts); i++) {
        CirrusNode *t = cirrus_node_item(ts, i), *v = cirrus_node_item(vs, i);
        Point p = {0, 0, cirrus_node_line(t), cirrus_node_col(t)};
        if (!parse_time(cirrus_node_scalar(t) ? cirrus_node_scalar(t) : "", &p.t)) {
            cirrus_node_error(t, error, "expected a timestamp (ISO 8601 or epoch seconds)");
            ok = FALSE;
        } else if (!parse_value(cirrus_node_scalar(v), &p.value)) {
            cirrus_node_error(v, error, "expected a non-negative number (a Sum per period)");
            ok = FALSE;
        } else {
            g_array_append_val(points, p);
        }
    }
    cirrus_node_free(root);
    return ok;
}

static gboolean read_csv(const char *file, const char *text, GArray *points, GError **error)
{
    char **lines = g_strsplit(text, "\n", -1);
    gboolean ok = TRUE, seen = FALSE;
    for (guint i = 0; lines[i] && ok; i++) {
        char *line = g_strstrip(lines[i]);
        if (!*line || *line == '#') continue;
        Point p = {0, 0, (int)i + 1, 0};
        char **f = g_strsplit(line, ",", -1);
        gboolean pair = g_strv_length(f) == 2;
        gboolean good = pair && parse_time(g_strstrip(f[0]), &p.t) && parse_value(g_strstrip(f[1]), &p.value);
        /* The first line may be a header such as timestamp,value. */
        gboolean header = !seen && pair && !parse_time(f[0], &p.t);
        if (good) {
            g_array_append_val(points, p);
        } else if (!header) {
            point_error(&p, file, error, "expected 'timestamp,value' (ISO 8601 or epoch seconds, and a "
                                         "non-negative number)");
            ok = FALSE;
        }
        seen = TRUE;
        g_strfreev(f);
    }
    g_strfreev(lines);
    return ok;
}

static gint by_time(gconstpointer a, gconstpointer b)
{
    double x = ((const Point *)a)->t, y = ((const Point *)b)->t;
    return x < y ? -1 : x > y;
}

gboolean cirrus_cloudwatch_read(const CirrusNode *at, const char *path, CirrusCloudWatchSeries *out,
                                GError **error)
{
    memset(out, 0, sizeof *out);
    char *full = cirrus_node_resolve_path(at, path), *text = NULL;
    gsize len = 0;
    GError *io = NULL;
    if (!g_file_get_contents(full, &text, &len, &io)) {
        cirrus_node_error(at, error, "cannot read '%s': %s", full, io->message);
        g_error_free(io);
        g_free(full);
        return FALSE;
    }
    GArray *points = g_array_new(FALSE, FALSE, sizeof(Point));
    const char *start = text;
    while (g_ascii_isspace(*start)) start++;
    gboolean ok = strlen(text) == len && g_utf8_validate(text, (gssize)len, NULL);
    if (!ok)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_SCENARIO, "%s:1: not a CloudWatch export: binary data", full);
    else if (*start == '{')
        ok = read_json(full, text, len, points, error);
    else
        ok = read_csv(full, text, points, error);
    if (ok && points->len == 0) {
        cirrus_node_error(at, error, "'%s' holds no datapoints", full);
        ok = FALSE;
    }
    /* CloudWatch lists the newest first (ScanBy TimestampDescending). */
    g_array_sort(points, by_time);
    for (guint i = 1; ok && i < points->len; i++) {
        const Point *p = &g_array_index(points, Point, i);
        if (p->t == g_array_index(points, Point, i - 1).t) {
            point_error(p, full, error, "a second datapoint for the same timestamp");
            ok = FALSE;
        }
    }
    if (ok) {
        out->n = points->len;
        out->t = g_new(double, out->n);
        out->value = g_new(double, out->n);
        for (guint i = 0; i < out->n; i++) {
            out->t[i] = g_array_index(points, Point, i).t;
            out->value[i] = g_array_index(points, Point, i).value;
        }
    }
    g_array_free(points, TRUE);
    g_free(text);
    g_free(full);
    return ok;
}

gboolean cirrus_cloudwatch_profile(const CirrusNode *at, const CirrusCloudWatchSeries *s, double period,
                                   double scale, CirrusRateProfile *out, GError **error)
{
    if (period <= 0) {
        period = INFINITY;
        for (guint i = 1; i < s->n; i++) period = MIN(period, s->t[i] - s->t[i - 1]);
        if (!isfinite(period)) {
            cirrus_node_error(at, error, "one datapoint does not tell the period: give 'period' (e.g. 5m)");
            return FALSE;
        }
    }
    out->n = s->n;
    out->t = g_new(double, s->n);
    out->rate = g_new(double, s->n);
    for (guint i = 0; i < s->n; i++) {
        out->t[i] = s->t[i] - s->t[0];
        out->rate[i] = s->value[i] / period * scale;
    }
    return TRUE;
}
