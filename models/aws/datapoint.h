/* cirrus — CloudWatch's periods and datapoints: the rules shared by the
 * Auto Scaling group's policies and Route 53's alarm health checks (with
 * the alarm rule itself in alarm.h).
 *
 * A CloudWatch period is 10 s or 30 s (high-resolution metrics) or a
 * multiple of 60 s.  A datapoint is one statistic of a metric over one
 * period: here, of a component's own metric, from the kernel's run totals
 * (sim/kernel/kernel.h: cirrus_metric_run_total, _run_samples) — a
 * count's Sum, a gauge's time-weighted Average, a latency's Average, Sum
 * or SampleCount; a latency with no value in the period has no datapoint
 * (NAN: insufficient data), a count with no event is 0.
 *
 * An Auto Scaling group's own datapoints (CPUUtilization over the
 * instances past their warmup, RequestCountPerTarget) are aggregates AWS
 * computes over instances, not one metric's statistic: asg_policy.c makes
 * them, on the period read here. */
#ifndef CIRRUS_AWS_DATAPOINT_H
#define CIRRUS_AWS_DATAPOINT_H

#include "sim/kernel/kernel.h"
#include "sim/loader/node.h"

/* Whether `period` is one CloudWatch allows. */
gboolean cirrus_cloudwatch_period_valid(CirrusTime period);
/* Read a period under `key` of `map` (default `def`), refusing one that
 * CloudWatch does not allow, with a located error. */
gboolean cirrus_cloudwatch_period_read(CirrusNode *map, const char *key, CirrusTime def, CirrusTime *out,
                                       GError **error);

typedef enum { CIRRUS_STAT_SUM, CIRRUS_STAT_AVERAGE, CIRRUS_STAT_SAMPLE_COUNT } CirrusStatistic;

/* Read `statistic` (sum | average | sample_count) under `key`: -1 when
 * absent (the metric's kind then chooses, at link). */
gboolean cirrus_statistic_read(CirrusNode *map, const char *key, int *out, GError **error);

/* The datapoints of one metric of one component, period after period. */
typedef struct {
    CirrusComponent *component;
    guint            metric;
    CirrusMetricKind kind;
    CirrusStatistic  statistic;
    CirrusTime       period;
    double           last_total;     /* the metric's run totals at the last period's end */
    guint64          last_samples;
} CirrusDatapoints;

/* Watch `component`'s metric `name` every `period` with `statistic` (-1:
 * Sum for a count, Average otherwise).  A located error when it has no
 * such metric (with a suggestion, at `name_at`) or the statistic does not
 * fit its kind (at `statistic_at`). */
gboolean cirrus_datapoints_watch(CirrusDatapoints *d, CirrusComponent *component, const char *name,
                                 const CirrusNode *name_at, int statistic, const CirrusNode *statistic_at,
                                 CirrusTime period, GError **error);
/* The datapoint of the period that ends now (call once per period). */
double   cirrus_datapoints_take(CirrusDatapoints *d);

#endif
