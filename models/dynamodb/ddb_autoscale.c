/* cirrus — DynamoDB auto scaling of provisioned capacity (see
 * dynamodb-private.h and docs/models/dynamodb.md#auto-scaling).
 *
 * `auto_scaling: {read: {min, max, target}, write: {...}}`: Application
 * Auto Scaling's target tracking on each lane's utilisation, consumed over
 * provisioned capacity, with the two CloudWatch alarms AWS creates for a
 * table (AWS knowledge center, "DynamoDB auto scaling"): it "increases
 * provisioned capacity when utilization exceeds [the target] for at least
 * 2 consecutive minutes" and "decreases provisioned capacity when
 * utilization is 20% or more below the target for 15 consecutive
 * minutes".  The new capacity is what brings the last minute's consumption
 * to the target, within min and max.  Decreases are limited as DynamoDB
 * limits them: up to 4 in a day, and one more in each hour without one
 * (AWS's "Throughput decreases per day" quota); a day here is 24 h of the
 * run.  A change takes effect at once (AWS applies an increase within
 * minutes; documented as a simplification), and more capacity may add
 * partitions, which are never taken away. */
#include "models/dynamodb/dynamodb-private.h"
#include <math.h>

/* AWS's alarms for a table's target tracking. */
#define HIGH_MINUTES 2
#define LOW_MINUTES 15
#define LOW_FRACTION 0.8
#define DECREASES_PER_DAY 4

static gboolean read_lane(CirrusNode *map, const char *key, DdbScaling *s, double provisioned, GError **error)
{
    CirrusNode *lane;
    if (!cirrus_cfg_map(map, key, &lane, error)) return FALSE;
    if (!lane) return TRUE;
    /* AWS (console defaults): target 70%, min 5 (or the capacity), max
     * 40,000 (the table quota). */
    if (!cirrus_cfg_int(lane, "min", MIN(5, (gint64)provisioned), 1, (gint64)DDB_TABLE_MAX_UNITS, &s->min, error) ||
        !cirrus_cfg_int(lane, "max", (gint64)DDB_TABLE_MAX_UNITS, 1, (gint64)DDB_TABLE_MAX_UNITS, &s->max, error) ||
        !cirrus_cfg_double(lane, "target", 70, 20, 90, &s->target, error))
        return FALSE;
    if (s->min > s->max) {
        cirrus_node_error(cirrus_node_peek(lane, "max") ? cirrus_node_peek(lane, "max") : lane, error,
                          "max (%" G_GINT64_FORMAT ") is below min (%" G_GINT64_FORMAT ")", s->max, s->min);
        return FALSE;
    }
    s->on = TRUE;
    s->last_decrease = -CIRRUS_DAY;
    return TRUE;
}

gboolean ddb_scaling_read(Ddb *t, CirrusNode *cfg, GError **error)
{
    CirrusNode *map;
    if (!cirrus_cfg_map(cfg, "auto_scaling", &map, error)) return FALSE;
    if (!map) return TRUE;
    if (t->on_demand) {
        cirrus_node_error(map, error, "an on_demand table scales itself: 'auto_scaling' is for provisioned tables");
        return FALSE;
    }
    if (!read_lane(map, "read", &t->scaling[LANE_READ], t->table.lanes[LANE_READ].provisioned, error) ||
        !read_lane(map, "write", &t->scaling[LANE_WRITE], t->table.lanes[LANE_WRITE].provisioned, error))
        return FALSE;
    /* AWS: registering a scalable target whose minimum is above the
     * current capacity (or maximum below it) brings the capacity within
     * them at once. */
    for (int l = 0; l < N_LANES; l++)
        if (t->scaling[l].on)
            t->table.lanes[l].provisioned = CLAMP(t->table.lanes[l].provisioned, (double)t->scaling[l].min,
                                                  (double)t->scaling[l].max);
    return TRUE;
}

/* One lane's minute: a new provisioned rate, or the same. */
static double decide(DdbScaling *s, double provisioned, double rate, CirrusTime now)
{
    double utilisation = 100.0 * rate / provisioned;
    s->above = utilisation > s->target ? s->above + 1 : 0;
    s->below = utilisation < s->target * LOW_FRACTION ? s->below + 1 : 0;
    double wanted = CLAMP(ceil(rate / (s->target / 100.0)), (double)s->min, (double)s->max);
    if (s->above >= HIGH_MINUTES && wanted > provisioned) {
        s->above = 0;
        return wanted;
    }
    if (s->below < LOW_MINUTES || wanted >= provisioned) return provisioned;
    gint64 day = now / CIRRUS_DAY;
    if (day != s->day) {
        s->day = day;
        s->decreases_today = 0;
    }
    if (s->decreases_today >= DECREASES_PER_DAY && now - s->last_decrease < CIRRUS_HOUR) return provisioned;
    s->decreases_today++;
    s->last_decrease = now;
    s->below = 0;
    return wanted;
}

gboolean ddb_scaling_minute(CirrusComponent *self, Ddb *t, const double consumed[N_LANES])
{
    gboolean changed = FALSE;
    CirrusTime now = cirrus_now(self);
    for (int l = 0; l < N_LANES; l++) {
        DdbScaling *s = &t->scaling[l];
        if (!s->on) continue;
        DdbLane *lane = &t->table.lanes[l];
        double next = decide(s, lane->provisioned, consumed[l] / 60.0, now);
        if (next == lane->provisioned) continue;
        lane->provisioned = next;
        changed = TRUE;
    }
    return changed;
}
