/* cirrus — Route 53 health checks that follow a CloudWatch alarm (see
 * route53-private.h and docs/models/route53.md#alarm-health-checks).
 *
 * AWS's CLOUDWATCH_METRIC health check: healthy while its alarm is OK,
 * unhealthy while it is in ALARM; while the alarm has insufficient data,
 * what InsufficientDataHealthStatus says (Healthy, Unhealthy, or
 * LastKnownStatus: the status when the alarm last had data, healthy for a
 * new check).  No health checker probes anything: the metric is another
 * component's, as the component would publish it to CloudWatch.
 *
 * Every `period` the metric's datapoint for the period just ended is taken
 * (models/aws/datapoint.h: a count's Sum, a gauge's time-weighted Average,
 * a latency's Average, Sum or SampleCount; a latency with no value in a
 * period has no datapoint — insufficient data —, a count with no events
 * is 0, as an alarm that treats missing data as not breaching sees an
 * error count).  The alarm rule is models/aws/alarm.h's. */
#include "models/route53/route53-private.h"
#include "sim/loader/scenario.h"
#include <math.h>

static const char *const insufficient_names[] = {"last_known", "healthy", "unhealthy", NULL};

gboolean r53_read_alarm(R53Check *c, CirrusNode *item, GError **error)
{
    CirrusNode *map;
    const char *component, *metric;
    int insufficient;
    R53Watch *w = g_new0(R53Watch, 1);
    c->watch = w;
    w->statistic = -1;
    if (!cirrus_cfg_map(item, "alarm", &map, error) ||
        !cirrus_cfg_require(map, "component", "the component whose metric the alarm watches", error) ||
        !cirrus_cfg_string(map, "component", NULL, &component, error) ||
        !cirrus_cfg_require(map, "metric", "one of that component's metrics, e.g. Failed", error) ||
        !cirrus_cfg_string(map, "metric", NULL, &metric, error) ||
        !cirrus_statistic_read(map, "statistic", &w->statistic, error) ||
        !cirrus_cloudwatch_period_read(map, "period", 60 * CIRRUS_SEC, &w->period, error) ||
        !cirrus_alarm_read(map, &w->rule, error) ||
        !cirrus_cfg_enum(item, "insufficient_data", insufficient_names, INSUFFICIENT_LAST_KNOWN, &insufficient, error))
        return FALSE;
    /* CloudWatch: EvaluationPeriods x Period may not exceed one day. */
    if (w->rule.periods * w->period > CIRRUS_DAY) {
        cirrus_node_error(map, error, "periods x period may not exceed one day (CloudWatch's limit on how far "
                          "back an alarm looks)");
        return FALSE;
    }
    w->component_name = g_strdup(component);
    w->metric_name = g_strdup(metric);
    w->component_at = cirrus_node_peek(map, "component");
    w->metric_at = cirrus_node_peek(map, "metric");
    w->statistic_at = cirrus_node_peek(map, "statistic");
    w->insufficient = (R53Insufficient)insufficient;
    return TRUE;
}

gboolean r53_link_alarm(CirrusComponent *self, R53Check *c, CirrusScenario *sc, GError **error)
{
    R53Watch *w = c->watch;
    CirrusComponent *watched = cirrus_scenario_lookup(sc, w->component_at, w->component_name, error);
    if (!watched) return FALSE;
    if (watched == self) {
        cirrus_node_error(w->component_at, error, "an alarm health check watches another component's metric");
        return FALSE;
    }
    return cirrus_datapoints_watch(&w->points, watched, w->metric_name, w->metric_at, w->statistic, w->statistic_at,
                                   w->period, error);
}

void r53_alarm_start(CirrusComponent *self, R53 *r)
{
    for (guint i = 0; i < r->checks->len; i++) {
        R53Check *c = r53_check(r, i);
        if (!c->watch) continue;
        /* A new alarm has no data: INSUFFICIENT_DATA until its first period
         * ends.  LastKnownStatus is then healthy (AWS: a new check with no
         * last known status is healthy). */
        c->watch->last_known = TRUE;
        c->alarm_healthy = c->watch->insufficient != INSUFFICIENT_UNHEALTHY;
        cirrus_schedule(self, c->watch->period, R53_ALARM_PERIOD, NULL, i);
    }
}

void r53_on_alarm_period(CirrusComponent *self, R53 *r, guint check)
{
    R53Check *c = r53_check(r, check);
    R53Watch *w = c->watch;
    double v = cirrus_datapoints_take(&w->points);
    gboolean in_alarm = cirrus_alarm_advance(&w->rule, v);
    if (!isnan(v)) {
        /* OK or ALARM; the gauge keeps the last datapoint there was */
        cirrus_metric_gauge(self, c->m_detail, v);
        c->alarm_healthy = !in_alarm;
        w->last_known = c->alarm_healthy;
    } else
        c->alarm_healthy = w->insufficient == INSUFFICIENT_HEALTHY     ? TRUE
                         : w->insufficient == INSUFFICIENT_UNHEALTHY ? FALSE
                                                                     : w->last_known;
    r53_health_refresh(self, r, FALSE);
    cirrus_schedule(self, w->period, R53_ALARM_PERIOD, NULL, check);
}

void r53_alarm_free(R53Watch *w)
{
    if (!w) return;
    g_free(w->component_name);
    g_free(w->metric_name);
    g_free(w);
}
