/* cirrus — a CloudWatch metric export as an arrival-rate schedule
 * (docs/capacity-planning.md): the JSON that `aws cloudwatch
 * get-metric-data` prints, or a CSV of `timestamp,value`. */
#ifndef CIRRUS_MODEL_CLOUDWATCH_H
#define CIRRUS_MODEL_CLOUDWATCH_H

#include "models/workload/arrivals.h"
#include "sim/loader/node.h"

typedef struct CirrusCloudWatchSeries {
    double *t;        /* epoch seconds, ascending, distinct */
    double *value;    /* the datapoints (a Sum per period), >= 0 */
    guint   n;
} CirrusCloudWatchSeries;

/* Read `path` (relative to the file `at` came from): JSON when its first
 * non-blank character is '{' (MetricDataResults[0].Timestamps and .Values,
 * in any order; CloudWatch gives them newest first), else CSV lines
 * `timestamp,value` (ISO 8601 or epoch seconds; an optional header line,
 * blank lines and '#' comments skipped).  Timestamps are sorted; a
 * duplicate, a negative value or a malformed line is an error naming
 * file:line (file:line:col for JSON). */
gboolean cirrus_cloudwatch_read(const CirrusNode *at, const char *path, CirrusCloudWatchSeries *out,
                                GError **error);
void     cirrus_cloudwatch_series_clear(CirrusCloudWatchSeries *s);

/* The series as a rate profile starting at t = 0 at the first timestamp:
 * rate_i = value_i / period x scale at t_i - t_0, linear in between.
 * `period` (s) <= 0: the smallest spacing of the timestamps (a single
 * point then needs an explicit period: an error at `at`). */
gboolean cirrus_cloudwatch_profile(const CirrusNode *at, const CirrusCloudWatchSeries *s, double period,
                                   double scale, CirrusRateProfile *out, GError **error);

#endif
