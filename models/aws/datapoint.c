/* cirrus — CloudWatch periods and datapoints (see datapoint.h). */
#include "models/aws/datapoint.h"
#include "sim/loader/config.h"
#include "sim/loader/suggest.h"
#include <math.h>

gboolean cirrus_cloudwatch_period_valid(CirrusTime p)
{
    return p == 10 * CIRRUS_SEC || p == 30 * CIRRUS_SEC || (p > 0 && p % (60 * CIRRUS_SEC) == 0);
}

gboolean cirrus_cloudwatch_period_read(CirrusNode *map, const char *key, CirrusTime def, CirrusTime *out,
                                       GError **error)
{
    if (!cirrus_cfg_duration(map, key, def, 10 * CIRRUS_SEC, CIRRUS_DAY, out, error)) return FALSE;
    if (cirrus_cloudwatch_period_valid(*out)) return TRUE;
    cirrus_node_error(cirrus_node_peek(map, key), error,
                      "'%s': a CloudWatch period is 10s, 30s or a multiple of 60s", key);
    return FALSE;
}

gboolean cirrus_statistic_read(CirrusNode *map, const char *key, int *out, GError **error)
{
    static const char *const statistics[] = {"sum", "average", "sample_count", NULL};
    return cirrus_cfg_enum(map, key, statistics, -1, out, error);
}

/* "service 'web' has no metric 'Faild' (did you mean 'Failed'?)" */
static void unknown_metric(CirrusComponent *component, const char *name, const CirrusNode *at, GError **error)
{
    guint n = cirrus_component_n_metrics(component);
    const char **names = g_new0(const char *, n + 1);
    for (guint i = 0; i < n; i++) names[i] = cirrus_metric_name(component, i);
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "%s '%s' has no metric '%s'", cirrus_component_type(component),
                    cirrus_component_name(component), name);
    cirrus_suggest_append(msg, name, names, n);
    cirrus_node_error(at, error, "%s", msg->str);
    g_string_free(msg, TRUE);
    g_free(names);
}

gboolean cirrus_datapoints_watch(CirrusDatapoints *d, CirrusComponent *component, const char *name,
                                 const CirrusNode *name_at, int statistic, const CirrusNode *statistic_at,
                                 CirrusTime period, GError **error)
{
    gint m = cirrus_component_metric_index(component, name);
    if (m < 0) {
        unknown_metric(component, name, name_at, error);
        return FALSE;
    }
    CirrusMetricKind kind = cirrus_metric_kind(component, (guint)m);
    /* The statistics the run totals give for each kind. */
    if (statistic < 0) statistic = kind == CIRRUS_METRIC_COUNT ? CIRRUS_STAT_SUM : CIRRUS_STAT_AVERAGE;
    gboolean ok = kind == CIRRUS_METRIC_LATENCY || (kind == CIRRUS_METRIC_COUNT && statistic == CIRRUS_STAT_SUM) ||
                  (kind == CIRRUS_METRIC_GAUGE && statistic == CIRRUS_STAT_AVERAGE);
    if (!ok) {
        cirrus_node_error(statistic_at, error, "'%s' is a %s: its statistic is %s", name,
                          kind == CIRRUS_METRIC_COUNT ? "count" : "level",
                          kind == CIRRUS_METRIC_COUNT ? "sum (the events in each period)"
                                                      : "average (its time-weighted mean over each period)");
        return FALSE;
    }
    *d = (CirrusDatapoints){ .component = component, .metric = (guint)m, .kind = kind,
                             .statistic = (CirrusStatistic)statistic, .period = period };
    return TRUE;
}

double cirrus_datapoints_take(CirrusDatapoints *d)
{
    double total = cirrus_metric_run_total(d->component, d->metric);
    guint64 samples = cirrus_metric_run_samples(d->component, d->metric);
    double sum = total - d->last_total;
    guint64 n = samples - d->last_samples;
    d->last_total = total;
    d->last_samples = samples;
    switch (d->kind) {
    case CIRRUS_METRIC_COUNT: return sum;
    case CIRRUS_METRIC_GAUGE: return sum / cirrus_time_to_s(d->period);   /* level x seconds / seconds */
    case CIRRUS_METRIC_LATENCY: break;
    }
    /* Latencies: seconds summed; CloudWatch has no datapoint without values. */
    if (d->statistic == CIRRUS_STAT_SAMPLE_COUNT) return (double)n;
    if (n == 0) return NAN;
    return d->statistic == CIRRUS_STAT_SUM ? sum : sum / (double)n;
}
