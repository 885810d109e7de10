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
 * Every `period` the metric's datapoint for the period just ended is
 * computed from its run totals (sim/kernel/kernel.h): a count's Sum, a gauge's
 * time-weighted Average, a latency's Average, Sum or SampleCount.  A
 * latency with no value in a period has no datapoint (insufficient data);
 * a count with no events is 0 (as an alarm that treats missing data as not
 * breaching sees an error count).  The alarm rule is models/aws/alarm.h's. */
#include "models/route53/route53-private.h"
#include "sim/loader/scenario.h"
#include "sim/loader/suggest.h"
#include <math.h>

static const char *const statistics[] = {"sum", "average", "sample_count", NULL};
static const char *const insufficient_names[] = {"last_known", "healthy", "unhealthy", NULL};

/* CloudWatch: a standard-resolution alarm's period is a multiple of 60 s;
 * high-resolution metrics also allow 10 s and 30 s. */
static gboolean valid_period(CirrusTime p)
{
    return p == 10 * CIRRUS_SEC || p == 30 * CIRRUS_SEC || (p > 0 && p % (60 * CIRRUS_SEC) == 0);
}

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
        !cirrus_cfg_enum(map, "statistic", statistics, -1, &w->statistic, error) ||
        !cirrus_cfg_duration(map, "period", 60 * CIRRUS_SEC, 10 * CIRRUS_SEC, CIRRUS_DAY, &w->period, error) ||
        !cirrus_alarm_read(map, &w->rule, error) ||
        !cirrus_cfg_enum(item, "insufficient_data", insufficient_names, INSUFFICIENT_LAST_KNOWN, &insufficient, error))
        return FALSE;
    if (!valid_period(w->period)) {
        cirrus_node_error(cirrus_node_peek(map, "period"), error,
                          "a CloudWatch alarm's period is 10s, 30s or a multiple of 60s");
        return FALSE;
    }
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

/* "'web' has no metric 'Faild' (did you mean 'Failed'?)" */
static void unknown_metric(const R53Watch *w, GError **error)
{
    guint n = cirrus_component_n_metrics(w->component);
    const char **names = g_new0(const char *, n + 1);
    for (guint i = 0; i < n; i++) names[i] = cirrus_metric_name(w->component, i);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "%s '%s' has no metric '%s'", cirrus_component_type(w->component), w->component_name,
                    w->metric_name);
    cirrus_suggest_append(msg, w->metric_name, names, n);
    cirrus_node_error(w->metric_at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(names);
}

gboolean r53_link_alarm(CirrusComponent *self, R53Check *c, CirrusScenario *sc, GError **error)
{
    R53Watch *w = c->watch;
    w->component = cirrus_scenario_lookup(sc, w->component_at, w->component_name, error);
    if (!w->component) return FALSE;
    if (w->component == self) {
        cirrus_node_error(w->component_at, error, "an alarm health check watches another component's metric");
        return FALSE;
    }
    gint m = cirrus_component_metric_index(w->component, w->metric_name);
    if (m < 0) {
        unknown_metric(w, error);
        return FALSE;
    }
    w->metric = (guint)m;
    CirrusMetricKind kind = w->kind = cirrus_metric_kind(w->component, w->metric);
    /* The statistics the run totals give for each kind. */
    if (w->statistic < 0) w->statistic = kind == CIRRUS_METRIC_COUNT ? STAT_SUM : STAT_AVERAGE;
    gboolean ok = kind == CIRRUS_METRIC_LATENCY || (kind == CIRRUS_METRIC_COUNT && w->statistic == STAT_SUM) ||
                  (kind == CIRRUS_METRIC_GAUGE && w->statistic == STAT_AVERAGE);
    if (!ok) {
        cirrus_node_error(w->statistic_at, error, "'%s' is a %s: its statistic is %s", w->metric_name,
                          kind == CIRRUS_METRIC_COUNT ? "count" : "level",
                          kind == CIRRUS_METRIC_COUNT ? "sum (the events in each period)"
                                                      : "average (its time-weighted mean over each period)");
        return FALSE;
    }
    return TRUE;
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

/* The datapoint of the period just ended; NAN when there is none. */
static double datapoint(R53Watch *w)
{
    double total = cirrus_metric_run_total(w->component, w->metric);
    guint64 samples = cirrus_metric_run_samples(w->component, w->metric);
    double sum = total - w->last_total;
    guint64 n = samples - w->last_samples;
    w->last_total = total;
    w->last_samples = samples;
    switch (w->kind) {
    case CIRRUS_METRIC_COUNT: return sum;
    case CIRRUS_METRIC_GAUGE: return sum / cirrus_time_to_s(w->period);   /* level x seconds / seconds */
    case CIRRUS_METRIC_LATENCY: break;
    }
    /* Latencies: seconds summed; CloudWatch has no datapoint without values. */
    if (w->statistic == STAT_SAMPLE_COUNT) return (double)n;
    if (n == 0) return NAN;
    return w->statistic == STAT_SUM ? sum : sum / (double)n;
}

void r53_on_alarm_period(CirrusComponent *self, R53 *r, guint check)
{
    R53Check *c = r53_check(r, check);
    R53Watch *w = c->watch;
    double v = datapoint(w);
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
