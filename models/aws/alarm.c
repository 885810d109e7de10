/* cirrus — a CloudWatch metric alarm's rule (see alarm.h). */
#include "models/aws/alarm.h"
#include <math.h>

static const char *const comparisons[] = {"above", "below", NULL};

gboolean cirrus_alarm_read(CirrusNode *map, CirrusAlarm *alarm, GError **error)
{
    int comparison;
    /* CloudWatch allows an alarm to look back at most one day of
     * one-minute datapoints (EvaluationPeriods x Period <= 1 day). */
    if (!cirrus_cfg_require(map, "threshold", "the value the metric must cross", error) ||
        !cirrus_cfg_double(map, "threshold", 0, -G_MAXDOUBLE, G_MAXDOUBLE, &alarm->threshold, error) ||
        !cirrus_cfg_int(map, "periods", 1, 1, 1440, &alarm->periods, error) ||
        !cirrus_cfg_enum(map, "comparison", comparisons, 0, &comparison, error))
        return FALSE;
    alarm->below = comparison == 1;
    alarm->breaching = 0;
    return TRUE;
}

gboolean cirrus_alarm_breaches(const CirrusAlarm *alarm, double v)
{
    return !isnan(v) && (alarm->below ? v < alarm->threshold : v > alarm->threshold);
}

gboolean cirrus_alarm_advance(CirrusAlarm *alarm, double v)
{
    alarm->breaching = cirrus_alarm_breaches(alarm, v) ? alarm->breaching + 1 : 0;
    return alarm->breaching >= alarm->periods;
}
