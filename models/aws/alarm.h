/* cirrus — a CloudWatch metric alarm's rule: threshold, comparison and
 * how many consecutive datapoints must breach (docs/models/asg.md#policies,
 * docs/models/route53.md#alarm-health-checks).
 *
 * CloudWatch: an alarm goes to ALARM when `periods` consecutive datapoints
 * are beyond the threshold (EvaluationPeriods = DatapointsToAlarm), and
 * back to OK at the first datapoint that is not.  A missing datapoint
 * (NAN) breaches nothing.  Shared by the ASG's scaling policies and Route
 * 53's alarm health checks. */
#ifndef CIRRUS_MODEL_ALARM_H
#define CIRRUS_MODEL_ALARM_H

#include "sim/loader/config.h"

typedef struct {
    double   threshold;
    gint64   periods;     /* consecutive breaching datapoints to be in ALARM */
    gboolean below;       /* LessThanThreshold (else GreaterThanThreshold) */
    gint64   breaching;   /* state: consecutive breaching datapoints so far */
} CirrusAlarm;

/* Read `threshold` (required), `periods` (1-1440, default 1) and
 * `comparison` (above | below, default above) from the alarm's map. */
gboolean cirrus_alarm_read(CirrusNode *map, CirrusAlarm *alarm, GError **error);
/* Whether datapoint `v` is beyond the threshold (never for NAN). */
gboolean cirrus_alarm_breaches(const CirrusAlarm *alarm, double v);
/* Advance the alarm by one datapoint; TRUE while it is in ALARM. */
gboolean cirrus_alarm_advance(CirrusAlarm *alarm, double v);

#endif
