/* cirrus — the units of scenario values (DESIGN.md §3, contract).
 *
 *   durations  250ms 30s 5m 2h 4d, also ns and us; "0" alone is allowed
 *   sizes      256KB 1MB 10GB, B; a plain number is bytes (KB = 1024 B)
 *   rates      100/s 6000/m 50/h (events per unit time), 1MB/s (bytes)
 *
 * A number is decimal: optional sign, digits, optional fraction and
 * exponent ("1.5e3ms").  NaN, infinities, hex and negative values are
 * refused.  On failure each parser returns FALSE and sets *why to a static
 * explanation suitable after "expected ..." in a message. */
#ifndef CIRRUS_UNITS_H
#define CIRRUS_UNITS_H

#include <glib.h>
#include "sim/kernel/clock.h"

gboolean cirrus_parse_number(const char *text, double *out, const char **rest);
gboolean cirrus_parse_duration(const char *text, CirrusTime *out, const char **why);
/* A duration as a scenario would write it, for messages: whole seconds
 * below 100,000 s ("900s"), else whole days or hours ("14d"), else
 * milliseconds ("250ms"), else seconds with the exact fraction
 * ("1.000000001s"): it parses back to `t`.  Free with g_free. */
char    *cirrus_format_duration(CirrusTime t);
gboolean cirrus_parse_size(const char *text, gint64 *bytes, const char **why);
/* Rate in events (or bytes, if *is_bytes) per second. */
gboolean cirrus_parse_rate(const char *text, double *per_second, gboolean *is_bytes, const char **why);
/* A rate of events only (100/s, 6000/m), at most 1e9/s (the clock ticks in
 * nanoseconds); a byte rate is refused. */
gboolean cirrus_parse_event_rate(const char *text, double *per_second, const char **why);

#endif
