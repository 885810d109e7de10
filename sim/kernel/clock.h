/* cirrus — simulated time.
 *
 * Time is a signed 64-bit count of nanoseconds since the start of the run.
 * There is no floating-point clock anywhere in the kernel: floating point is
 * only used to *draw* durations (distributions) and to *report* them.
 * INT64_MAX ns is about 292 years, far beyond any scenario. */
#ifndef CIRRUS_CLOCK_H
#define CIRRUS_CLOCK_H

#include <stdint.h>

typedef int64_t CirrusTime;

#define CIRRUS_NS  ((CirrusTime)1)
#define CIRRUS_US  ((CirrusTime)1000)
#define CIRRUS_MS  ((CirrusTime)1000000)
#define CIRRUS_SEC ((CirrusTime)1000000000)
#define CIRRUS_MIN (60 * CIRRUS_SEC)
#define CIRRUS_HOUR (60 * CIRRUS_MIN)
#define CIRRUS_DAY (24 * CIRRUS_HOUR)
#define CIRRUS_TIME_NEVER INT64_MAX

/* Seconds (as reported in outputs) from nanoseconds, and back.  The
 * conversion to nanoseconds rounds to the nearest nanosecond and saturates,
 * so a huge drawn duration can never wrap around into the past. */
static inline double cirrus_time_to_s(CirrusTime t) { return (double)t / 1e9; }

static inline CirrusTime cirrus_time_from_s(double s)
{
    if (!(s > 0.0)) return 0;                 /* also catches NaN */
    if (s >= 9.2e9) return CIRRUS_TIME_NEVER; /* ~292 years */
    return (CirrusTime)(s * 1e9 + 0.5);
}

#endif
