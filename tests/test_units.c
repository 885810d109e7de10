/* Tests for sim/loader/units.c: the duration, size and rate syntax of DESIGN.md §3
 * (contract).  Every accepted value is checked to the exact nanosecond,
 * byte or event per second; every refusal is checked for its explanation
 * (*why), which the loader puts after "expected ..." in its messages. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "sim/kernel/clock.h"
#include "sim/loader/units.h"

/* ---- helpers ------------------------------------------------------------ */

static void assert_duration(const char *text, CirrusTime want)
{
    CirrusTime got = -12345;
    const char *why = NULL;
    if (!cirrus_parse_duration(text, &got, &why))
        g_error("duration '%s' refused (%s), wanted %" G_GINT64_FORMAT " ns", text, why, (gint64)want);
    if (got != want)
        g_error("duration '%s' = %" G_GINT64_FORMAT " ns, wanted %" G_GINT64_FORMAT, text, (gint64)got,
                (gint64)want);
}

/* Refused, with *why containing `why_part`, and *out left alone. */
static void assert_duration_refused(const char *text, const char *why_part)
{
    CirrusTime got = -12345;
    const char *why = NULL;
    if (cirrus_parse_duration(text, &got, &why))
        g_error("duration '%s' accepted as %" G_GINT64_FORMAT " ns; it must be refused", text, (gint64)got);
    g_assert_nonnull(why);
    if (!strstr(why, why_part)) g_error("duration '%s': why = '%s', wanted it to contain '%s'", text, why, why_part);
    g_assert_cmpint(got, ==, -12345);
}

static void assert_size(const char *text, gint64 want)
{
    gint64 got = -1;
    const char *why = NULL;
    if (!cirrus_parse_size(text, &got, &why)) g_error("size '%s' refused (%s)", text, why);
    if (got != want) g_error("size '%s' = %" G_GINT64_FORMAT ", wanted %" G_GINT64_FORMAT, text, got, want);
}

static void assert_size_refused(const char *text, const char *why_part)
{
    gint64 got = -12345;
    const char *why = NULL;
    if (cirrus_parse_size(text, &got, &why))
        g_error("size '%s' accepted as %" G_GINT64_FORMAT "; it must be refused", text, got);
    g_assert_nonnull(why);
    if (!strstr(why, why_part)) g_error("size '%s': why = '%s', wanted '%s'", text, why, why_part);
    g_assert_cmpint(got, ==, -12345);
}

static void assert_rate(const char *text, double want, gboolean want_bytes)
{
    double got = -1;
    gboolean bytes = !want_bytes;
    const char *why = NULL;
    if (!cirrus_parse_rate(text, &got, &bytes, &why)) g_error("rate '%s' refused (%s)", text, why);
    if (fabs(got - want) > 1e-12 * fabs(want)) g_error("rate '%s' = %.17g/s, wanted %.17g", text, got, want);
    if (bytes != want_bytes) g_error("rate '%s': is_bytes = %d, wanted %d", text, bytes, want_bytes);
}

static void assert_rate_refused(const char *text, const char *why_part)
{
    double got = -12345;
    gboolean bytes = FALSE;
    const char *why = NULL;
    if (cirrus_parse_rate(text, &got, &bytes, &why))
        g_error("rate '%s' accepted as %g/s; it must be refused", text, got);
    g_assert_nonnull(why);
    if (!strstr(why, why_part)) g_error("rate '%s': why = '%s', wanted '%s'", text, why, why_part);
    g_assert_cmpfloat(got, ==, -12345);
}

/* ---- numbers ------------------------------------------------------------ */

static void test_number(void)
{
    double v = 0;
    const char *rest = NULL;
    g_assert_true(cirrus_parse_number("42", &v, &rest));
    g_assert_cmpfloat(v, ==, 42.0);
    g_assert_cmpstr(rest, ==, "");
    g_assert_true(cirrus_parse_number("1.5e3ms", &v, &rest));
    g_assert_cmpfloat(v, ==, 1500.0);
    g_assert_cmpstr(rest, ==, "ms");
    g_assert_true(cirrus_parse_number("-2.25", &v, &rest));
    g_assert_cmpfloat(v, ==, -2.25);
    g_assert_true(cirrus_parse_number(".5", &v, &rest));
    g_assert_cmpfloat(v, ==, 0.5);
    g_assert_true(cirrus_parse_number("2e-3s", &v, &rest));
    g_assert_cmpfloat(v, ==, 0.002);
    g_assert_cmpstr(rest, ==, "s");
    /* "1e" is the number 1 followed by the text "e", not an exponent. */
    g_assert_true(cirrus_parse_number("1e", &v, &rest));
    g_assert_cmpfloat(v, ==, 1.0);
    g_assert_cmpstr(rest, ==, "e");
    /* Hex: only the leading 0 is a number; the rest is left over. */
    g_assert_true(cirrus_parse_number("0x10", &v, &rest));
    g_assert_cmpfloat(v, ==, 0.0);
    g_assert_cmpstr(rest, ==, "x10");
    /* No digits, NaN, infinities, overflow: not numbers. */
    const char *bad[] = {"", ".", "-", "+", "e5", "nan", "NaN", "inf", "-inf", "infinity", "1e999", "-1e999", "x"};
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
        if (cirrus_parse_number(bad[i], &v, &rest)) g_error("'%s' parsed as the number %g", bad[i], v);
}

/* ---- durations ------------------------------------------------------------ */

static void test_duration_units(void)
{
    assert_duration("250ms", 250000000);
    assert_duration("30s", 30000000000);
    assert_duration("5m", 300000000000);
    assert_duration("2h", 7200000000000);
    assert_duration("4d", 345600000000000);
    assert_duration("1.5s", 1500000000);
    assert_duration("100us", 100000);
    assert_duration("7ns", 7);
    assert_duration("0", 0);
    assert_duration("0s", 0);
    assert_duration("0.0", 0);
    assert_duration("1e3ms", 1000000000);
    assert_duration("1.5e3ms", 1500000000);
    assert_duration("0.1s", 100000000);
    assert_duration("0.5ns", 1);            /* rounds to the nearest ns */
    assert_duration("14d", 14 * CIRRUS_DAY);
    assert_duration("3650d", 3650 * CIRRUS_DAY);
    assert_duration("+2s", 2 * CIRRUS_SEC);
    assert_duration("40 ms", 40 * CIRRUS_MS);   /* a space before the unit is allowed */
}

static void test_duration_refused(void)
{
    const char *unit = "a duration with a unit (ns, us, ms, s, m, h, d), e.g. 30s";
    assert_duration_refused("30", unit);            /* a bare non-zero number is ambiguous */
    assert_duration_refused("1.5", unit);
    assert_duration_refused("5x", unit);
    assert_duration_refused("5sec", unit);
    assert_duration_refused("5S", unit);            /* units are case-sensitive: S is not s */
    assert_duration_refused("5 m s", unit);
    assert_duration_refused("40 ms/s", unit);
    assert_duration_refused("nan", unit);
    assert_duration_refused("nans", unit);
    assert_duration_refused("inf", unit);
    assert_duration_refused("infs", unit);
    assert_duration_refused("0x10s", unit);
    assert_duration_refused("", unit);
    assert_duration_refused("s", unit);
    assert_duration_refused("ms", unit);
    assert_duration_refused("1e999s", unit);
    assert_duration_refused("-5s", "a duration that is not negative");
    assert_duration_refused("-0.001ms", "a duration that is not negative");
    assert_duration_refused("1e30d", "a duration shorter than 290 years");
    assert_duration_refused("300000d", "a duration shorter than 290 years");
    assert_duration_refused("9.3e18ns", "a duration shorter than 290 years");
}

/* ---- sizes ------------------------------------------------------------------ */

static void test_size(void)
{
    assert_size("256KB", 262144);
    assert_size("1MB", 1048576);
    assert_size("10GB", 10737418240);
    assert_size("512", 512);
    assert_size("512B", 512);
    assert_size("0", 0);
    assert_size("0B", 0);
    assert_size("1.5KB", 1536);
    assert_size("2 KB", 2048);
    assert_size("1024MB", 1073741824);
}

static void test_size_refused(void)
{
    const char *unit = "a size (B, KB, MB, GB), e.g. 256KB";
    assert_size_refused("B", unit);
    assert_size_refused("KB", unit);
    assert_size_refused("", unit);
    assert_size_refused("5x", unit);
    assert_size_refused("5kb", unit);      /* case-sensitive, as documented */
    assert_size_refused("1TB", unit);
    assert_size_refused("nan", unit);
    assert_size_refused("infKB", unit);
    assert_size_refused("0x10", unit);
    assert_size_refused("-1KB", "a size that is not negative");
    assert_size_refused("-5", "a size that is not negative");
    assert_size_refused("1e30GB", "a size below 8 EB");
}

/* ---- rates ------------------------------------------------------------------ */

static void test_rate(void)
{
    assert_rate("100/s", 100.0, FALSE);
    assert_rate("6000/m", 100.0, FALSE);
    assert_rate("3600/h", 1.0, FALSE);
    assert_rate("50/h", 50.0 / 3600.0, FALSE);
    assert_rate("0/s", 0.0, FALSE);
    assert_rate("2.5/s", 2.5, FALSE);
    assert_rate("1e3/s", 1000.0, FALSE);
    assert_rate("80 /s", 80.0, FALSE);
    assert_rate("1MB/s", 1048576.0, TRUE);
    assert_rate("60KB/m", 1024.0, TRUE);
    assert_rate("2GB/h", 2.0 * 1073741824.0 / 3600.0, TRUE);
    assert_rate("10B/s", 10.0, TRUE);
}

static void test_rate_refused(void)
{
    const char *unit = "a rate such as 100/s, 6000/m or 1MB/s";
    assert_rate_refused("100", unit);
    assert_rate_refused("/s", unit);
    assert_rate_refused("10/x", unit);
    assert_rate_refused("10/", unit);
    assert_rate_refused("10/d", unit);      /* per day is not a rate unit */
    assert_rate_refused("10/s/s", unit);
    assert_rate_refused("10TB/s", unit);
    assert_rate_refused("10 per s", unit);
    assert_rate_refused("nan/s", unit);
    assert_rate_refused("inf/s", unit);
    assert_rate_refused("", unit);
    assert_rate_refused("1e308GB/s", unit);  /* overflows to infinity */
    assert_rate_refused("-1/s", "a rate that is not negative");
    assert_rate_refused("-1MB/s", "a rate that is not negative");
}

/* Event rates stop at one per nanosecond, the clock's resolution: 1e9/s
 * is the fastest accepted, anything above it is refused with the reason. */
static void test_event_rate_limit(void)
{
    double got = 0;
    const char *why = NULL;
    g_assert_true(cirrus_parse_event_rate("1e9/s", &got, &why));
    g_assert_cmpfloat(got, ==, 1e9);
    g_assert_true(cirrus_parse_event_rate("6e10/m", &got, &why));
    g_assert_cmpfloat(got, ==, 1e9);
    const char *fast[] = {"1.000001e9/s", "1e10/s", "1e300/s", "6.1e10/m"};
    for (guint i = 0; i < G_N_ELEMENTS(fast); i++) {
        got = -1;
        g_assert_false(cirrus_parse_event_rate(fast[i], &got, &why));
        g_assert_cmpfloat(got, ==, -1);
        g_assert_nonnull(strstr(why, "at most 1e9/s"));
    }
    /* Byte rates are not events: 2GB/s is a plain rate. */
    gboolean bytes = FALSE;
    g_assert_true(cirrus_parse_rate("2GB/s", &got, &bytes, &why));
    g_assert_true(bytes);
}

/* Durations in messages read as a scenario would write them, and parse
 * back to the same value. */
static void test_format_duration(void)
{
    static const struct { CirrusTime t; const char *text; } cases[] = {
        {0, "0s"}, {900 * CIRRUS_SEC, "900s"}, {21600 * CIRRUS_SEC, "21600s"}, {14 * CIRRUS_DAY, "14d"},
        {365 * CIRRUS_DAY, "365d"}, {30 * CIRRUS_HOUR, "30h"}, {250 * CIRRUS_MS, "250ms"},
        {1500 * CIRRUS_MS, "1.5s"},
        /* Exact, not 9 significant digits (fuzz_units found "9199999999s"
         * printed as "9.2e+09s", which is refused as too long). */
        {4000000001 * CIRRUS_SEC, "4000000001s"}, {CIRRUS_SEC + 1, "1.000000001s"},
        {123456 * CIRRUS_SEC + 789 * CIRRUS_MS, "123456.789s"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = cirrus_format_duration(cases[i].t);
        CirrusTime back;
        const char *why;
        g_assert_cmpstr(text, ==, cases[i].text);
        g_assert_true(cirrus_parse_duration(text, &back, &why));
        g_assert_cmpint(back, ==, cases[i].t);
        g_free(text);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sim/units/number", test_number);
    g_test_add_func("/sim/units/duration", test_duration_units);
    g_test_add_func("/sim/units/duration-refused", test_duration_refused);
    g_test_add_func("/sim/units/size", test_size);
    g_test_add_func("/sim/units/size-refused", test_size_refused);
    g_test_add_func("/sim/units/rate", test_rate);
    g_test_add_func("/sim/units/rate-refused", test_rate_refused);
    g_test_add_func("/sim/units/event-rate-limit", test_event_rate_limit);
    g_test_add_func("/sim/units/format-duration", test_format_duration);
    return g_test_run();
}
