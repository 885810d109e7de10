/* cirrus — parsing durations, sizes and rates (see units.h). */
#include "sim/loader/units.h"
#include <math.h>
#include <string.h>

/* Scan a decimal number by hand rather than trusting strtod's wider syntax
 * (hex, "inf", "nan", locale decimal commas).  *rest points past it. */
gboolean cirrus_parse_number(const char *text, double *out, const char **rest)
{
    const char *p = text;
    while (*p == ' ') p++;
    const char *start = p;
    if (*p == '+' || *p == '-') p++;
    gboolean digits = FALSE;
    while (g_ascii_isdigit(*p)) { p++; digits = TRUE; }
    if (*p == '.') { p++; while (g_ascii_isdigit(*p)) { p++; digits = TRUE; } }
    if (!digits) return FALSE;
    if ((*p == 'e' || *p == 'E') && (g_ascii_isdigit(p[1]) ||
        ((p[1] == '+' || p[1] == '-') && g_ascii_isdigit(p[2])))) {
        p += 2;
        while (g_ascii_isdigit(*p)) p++;
    }
    char *buf = g_strndup(start, (gsize)(p - start));
    double v = g_ascii_strtod(buf, NULL);
    g_free(buf);
    if (!isfinite(v)) return FALSE;
    while (*p == ' ') p++;
    *out = v;
    *rest = p;
    return TRUE;
}

typedef struct { const char *name; double scale; } Unit;

static const Unit duration_units[] = {
    {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9},
};
static const Unit size_units[] = {
    {"B", 1.0}, {"KB", 1024.0}, {"MB", 1048576.0}, {"GB", 1073741824.0},
};
static const Unit per_units[] = { {"s", 1.0}, {"m", 60.0}, {"h", 3600.0} };

static gboolean find_unit(const Unit *units, gsize n, const char *name, double *scale)
{
    for (gsize i = 0; i < n; i++)
        if (strcmp(units[i].name, name) == 0) { *scale = units[i].scale; return TRUE; }
    return FALSE;
}

gboolean cirrus_parse_duration(const char *text, CirrusTime *out, const char **why)
{
    double v, scale;
    const char *rest;
    *why = "a duration with a unit (ns, us, ms, s, m, h, d), e.g. 30s";
    if (!cirrus_parse_number(text, &v, &rest)) return FALSE;
    if (*rest == '\0') {
        if (v != 0.0) return FALSE;     /* a bare number is ambiguous unless 0 */
        *out = 0;
        return TRUE;
    }
    if (!find_unit(duration_units, G_N_ELEMENTS(duration_units), rest, &scale)) return FALSE;
    if (v < 0) { *why = "a duration that is not negative"; return FALSE; }
    double ns = v * scale;
    if (ns >= 9.2e18) { *why = "a duration shorter than 290 years"; return FALSE; }
    *out = (CirrusTime)llround(ns);
    return TRUE;
}

gboolean cirrus_parse_size(const char *text, gint64 *bytes, const char **why)
{
    double v, scale = 1.0;
    const char *rest;
    *why = "a size (B, KB, MB, GB), e.g. 256KB";
    if (!cirrus_parse_number(text, &v, &rest)) return FALSE;
    if (*rest && !find_unit(size_units, G_N_ELEMENTS(size_units), rest, &scale)) return FALSE;
    if (v < 0) { *why = "a size that is not negative"; return FALSE; }
    double b = v * scale;
    if (b >= 9.2e18) { *why = "a size below 8 EB"; return FALSE; }
    *bytes = (gint64)llround(b);
    return TRUE;
}

gboolean cirrus_parse_rate(const char *text, double *per_second, gboolean *is_bytes, const char **why)
{
    double v, per, scale = 1.0;
    const char *rest;
    *why = "a rate such as 100/s, 6000/m or 1MB/s";
    if (!cirrus_parse_number(text, &v, &rest)) return FALSE;
    const char *slash = strchr(rest, '/');
    if (!slash) return FALSE;
    char *amount_unit = g_strndup(rest, (gsize)(slash - rest));
    g_strstrip(amount_unit);
    gboolean ok = amount_unit[0] == '\0' ||
                  find_unit(size_units, G_N_ELEMENTS(size_units), amount_unit, &scale);
    *is_bytes = amount_unit[0] != '\0';
    g_free(amount_unit);
    if (!ok || !find_unit(per_units, G_N_ELEMENTS(per_units), slash + 1, &per)) return FALSE;
    if (v < 0) { *why = "a rate that is not negative"; return FALSE; }
    double r = v * scale / per;
    if (!isfinite(r)) return FALSE;    /* leave *per_second alone on failure, as the others do */
    *per_second = r;
    return TRUE;
}

gboolean cirrus_parse_event_rate(const char *text, double *per_second, const char **why)
{
    gboolean bytes = FALSE;
    double v;
    if (!cirrus_parse_rate(text, &v, &bytes, why) || bytes) {
        /* Keep a specific reason ("not negative"); replace the generic
         * syntax hint, which mentions byte rates. */
        if (bytes || g_str_has_prefix(*why, "a rate such as")) *why = "a rate of events such as 100/s or 6000/m";
        return FALSE;
    }
    /* Events closer than the clock's 1 ns all land on one instant: the run
     * would never advance (it used to stop only at --max-in-flight). */
    if (v > 1e9) { *why = "a rate of at most 1e9/s (one event per nanosecond, the clock's resolution)"; return FALSE; }
    *per_second = v;
    return TRUE;
}

char *cirrus_format_duration(CirrusTime t)
{
    if (t % CIRRUS_SEC == 0 && t / CIRRUS_SEC < 100000) return g_strdup_printf("%" G_GINT64_FORMAT "s", t / CIRRUS_SEC);
    if (t % CIRRUS_DAY == 0) return g_strdup_printf("%" G_GINT64_FORMAT "d", t / CIRRUS_DAY);
    if (t % CIRRUS_HOUR == 0) return g_strdup_printf("%" G_GINT64_FORMAT "h", t / CIRRUS_HOUR);
    if (t % CIRRUS_MS == 0 && t < CIRRUS_SEC) return g_strdup_printf("%" G_GINT64_FORMAT "ms", t / CIRRUS_MS);
    /* Seconds with the exact nanoseconds: "%.9g" rounded 9199999999s to
     * "9.2e+09s", which is another duration, and one the parser refuses
     * (found by fuzz_units, docs/reliability.md). */
    if (t < 0) return g_strdup_printf("%.9gs", cirrus_time_to_s(t));   /* not a duration; for messages only */
    GString *s = g_string_new(NULL);
    g_string_printf(s, "%" G_GINT64_FORMAT, t / CIRRUS_SEC);
    if (t % CIRRUS_SEC) {
        g_string_append_printf(s, ".%09" G_GINT64_FORMAT, t % CIRRUS_SEC);
        while (s->str[s->len - 1] == '0') g_string_truncate(s, s->len - 1);
    }
    g_string_append_c(s, 's');
    return g_string_free(s, FALSE);
}
