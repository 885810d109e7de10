/* cirrus — libFuzzer harness for the unit parsers (sim/loader/units.h).
 *
 * Input: one value as a scenario would write it.  Every parser sees it; on
 * success the result must obey the contract in units.h (finite, not
 * negative, an event rate of at most 1e9/s, a duration that formats and
 * parses back to itself); on failure the reason must be set. */
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/loader/units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(gboolean ok, const char *what, const char *text)
{
    if (ok) return;
    fprintf(stderr, "units contract broken: %s for '%s'\n", what, text);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memchr(data, 0, size)) return 0;
    char *text = g_strndup((const char *)data, size);
    const char *why = NULL, *rest = NULL;
    double v = 0;

    if (cirrus_parse_number(text, &v, &rest)) {
        check(isfinite(v), "number not finite", text);
        check(rest >= text && rest <= text + size, "rest outside the text", text);
    }

    CirrusTime t = -1;
    why = NULL;
    if (cirrus_parse_duration(text, &t, &why)) {
        check(t >= 0, "negative duration", text);
        char *s = cirrus_format_duration(t);
        CirrusTime back = -1;
        const char *why2 = NULL;
        gboolean ok = cirrus_parse_duration(s, &back, &why2);
        check(ok, "formatted duration does not parse", s);
        /* Exact text; parsing goes through a double, so above 2^53 ns
         * (104 days) allow its rounding, a few parts in 10^16. */
        check(fabs((double)back - (double)t) <= 1e-15 * (double)t, "formatted duration parses to another value", s);
        g_free(s);
    } else {
        check(why != NULL, "duration refused without a reason", text);
    }

    gint64 bytes = -1;
    why = NULL;
    if (cirrus_parse_size(text, &bytes, &why)) check(bytes >= 0, "negative size", text);
    else check(why != NULL, "size refused without a reason", text);

    double rate = -1;
    gboolean is_bytes = FALSE;
    why = NULL;
    if (cirrus_parse_rate(text, &rate, &is_bytes, &why)) check(isfinite(rate) && rate >= 0, "bad rate", text);
    else check(why != NULL, "rate refused without a reason", text);

    why = NULL;
    if (cirrus_parse_event_rate(text, &rate, &why))
        check(isfinite(rate) && rate >= 0 && rate <= 1e9, "bad event rate", text);
    else check(why != NULL, "event rate refused without a reason", text);

    g_free(text);
    return 0;
}
