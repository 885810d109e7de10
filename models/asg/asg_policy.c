/* cirrus — the `asg` model's scaling policies and the CloudWatch period
 * aggregates they read (see asg-private.h, docs/models/asg.md).
 *
 * Every `metrics_period` the group's instances are summed into one
 * datapoint per metric, as CloudWatch aggregates an Auto Scaling group:
 *   CPUUtilization         busy worker-seconds / (workers x reporting
 *                          instance-seconds), in percent;
 *   RequestCountPerTarget  requests received / average reporting instances.
 * The alarms see nothing finer: a burst shorter than a period is averaged
 * into it, which is why scaling lags.
 *
 * Each policy then proposes a desired capacity, or nothing:
 *   simple           alarm in ALARM (the last `periods` datapoints breach),
 *                    no activity under way and no cooldown running:
 *                    desired + change.
 *   step             alarm in ALARM: the step holding (datapoint -
 *                    threshold) gives the change.  Scaling out, it is added
 *                    to the capacity that is not warming up, so a breach
 *                    while launched instances warm up only adds what it
 *                    asks beyond them; scaling in waits for warmup to end.
 *   target_tracking  the two alarms AWS creates: above the target for 3
 *                    datapoints: ceil(capacity x datapoint / target);
 *                    below 90% of it for 15: as few instances as keep the
 *                    datapoint at or under target, one scale-in per
 *                    cooldown, none while instances warm up.  Instances
 *                    still warming up count neither in the datapoint nor in
 *                    the capacity.
 * While an alarm stays in ALARM its policy is invoked again every period
 * (CloudWatch repeats Auto Scaling actions), and the group takes the
 * largest proposal (AWS: with several policies in force, the one giving
 * the largest capacity); a scale-in also needs every target tracking
 * policy to agree. */
#include "models/asg/asg-private.h"
#include "models/protocol/queue.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <stdlib.h>

static const char *const policy_types[] = {"none", "simple", "step", "target_tracking", NULL};
static const char *const metric_names[] = {"CPUUtilization", "RequestCountPerTarget", NULL};

/* AWS: a policy's instance warmup defaults to the group's default cooldown,
 * 300 s; the default instance warmup may be 0 to 3600 s. */
#define DEFAULT_WARMUP (300 * CIRRUS_SEC)
#define DEFAULT_COOLDOWN (300 * CIRRUS_SEC)
/* AWS: target tracking's alarms. */
#define TT_HIGH_PERIODS 3
#define TT_LOW_PERIODS 15
#define TT_LOW_FRACTION 0.9
/* AWS: at most 20 step adjustments per policy. */
#define MAX_STEPS 20

/* ---- configuration ----------------------------------------------------- */

/* A queue's metric: {metric: ApproximateNumberOfMessagesVisible, source:
 * orders, per_instance: true}.  Per instance it is AWS's recommended
 * "backlog per instance" for scaling on SQS; a target tracking policy
 * needs it so (its proportional rule assumes a per-instance metric). */
static gboolean read_queue_metric(Policy *p, CirrusNode *map, CirrusNode *n, GError **error)
{
    static const char *const queue_metrics[] = {"ApproximateNumberOfMessagesVisible", NULL};
    const char *source;
    int which;
    cirrus_cfg_node(map, "metric");
    if (!cirrus_cfg_require(n, "metric", "the queue's metric, ApproximateNumberOfMessagesVisible", error) ||
        !cirrus_cfg_enum(n, "metric", queue_metrics, 0, &which, error) ||
        !cirrus_cfg_require(n, "source", "the sqs queue whose metric it is", error) ||
        !cirrus_cfg_string(n, "source", NULL, &source, error) ||
        !cirrus_cfg_bool(n, "per_instance", FALSE, &p->per_instance, error))
        return FALSE;
    p->metric = METRIC_QUEUE;
    p->source_name = g_strdup(source);
    p->source_at = cirrus_node_peek(n, "source");
    if (p->type == POLICY_TARGET && !p->per_instance) {
        cirrus_node_error(n, error, "target tracking on a queue needs per_instance: true (the backlog per "
                          "instance, as AWS recommends): a total does not fall as instances are added");
        return FALSE;
    }
    return TRUE;
}

static gboolean read_metric(Policy *p, CirrusNode *map, GError **error)
{
    CirrusNode *n = cirrus_node_peek(map, "metric");
    int metric;
    if (n && cirrus_node_kind(n) == CIRRUS_NODE_MAP) return read_queue_metric(p, map, n, error);
    if (!cirrus_cfg_enum(map, "metric", metric_names, METRIC_CPU, &metric, error)) return FALSE;
    p->metric = (PolicyMetric)metric;
    return TRUE;
}

static gboolean read_alarm(Policy *p, CirrusNode *map, GError **error)
{
    CirrusNode *alarm;
    return cirrus_cfg_require(map, "alarm", "the CloudWatch alarm, e.g. {threshold: 70, periods: 2}", error) &&
           cirrus_cfg_map(map, "alarm", &alarm, error) && cirrus_alarm_read(alarm, &p->alarm, error);
}

static int compare_steps(const void *a, const void *b)
{
    double x = ((const Step *)a)->lower, y = ((const Step *)b)->lower;
    return x < y ? -1 : x > y;
}

static gboolean read_bound(CirrusNode *item, const char *key, double open, double *out, GError **error)
{
    CirrusNode *n = cirrus_cfg_node(item, key);
    if (!n) {
        *out = open;
        return TRUE;
    }
    return cirrus_node_to_double(n, out, error);
}

/* AWS's rules for step adjustments: no overlap and no gap, at most one
 * open lower and one open upper bound, never both in one step; and here
 * also: every breach of the alarm falls in some step. */
static gboolean read_steps(Policy *p, CirrusNode *map, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_require(map, "steps", "step adjustments, e.g. [{lower: 0, upper: 20, change: 1}, "
                            "{lower: 20, change: 3}]", error) ||
        !cirrus_cfg_list(map, "steps", &list, error))
        return FALSE;
    guint n = cirrus_node_len(list);
    if (n == 0 || n > MAX_STEPS) {
        cirrus_node_error(list, error, "'steps' needs 1 to %d step adjustments", MAX_STEPS);
        return FALSE;
    }
    p->steps = g_new0(Step, n);
    p->n_steps = n;
    for (guint i = 0; i < n; i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        Step *s = &p->steps[i];
        s->at = item;
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
            cirrus_node_error(item, error, "each step must be a map such as {lower: 0, upper: 20, change: 1}");
            return FALSE;
        }
        if (!read_bound(item, "lower", -INFINITY, &s->lower, error) ||
            !read_bound(item, "upper", INFINITY, &s->upper, error) ||
            !cirrus_cfg_require(item, "change", "the instances to add (or, negative, remove)", error) ||
            !cirrus_cfg_int(item, "change", 0, -ASG_MAX_INSTANCES, ASG_MAX_INSTANCES, &s->change, error))
            return FALSE;
        if (isinf(s->lower) && isinf(s->upper)) {
            cirrus_node_error(item, error, "a step needs 'lower' or 'upper': only one end may be open");
            return FALSE;
        }
        if (!(s->lower < s->upper)) {
            cirrus_node_error(item, error, "'lower' (%g) must be below 'upper' (%g)", s->lower, s->upper);
            return FALSE;
        }
    }
    qsort(p->steps, n, sizeof(Step), compare_steps);
    for (guint i = 0; i + 1 < n; i++) {
        if (p->steps[i].upper != p->steps[i + 1].lower) {
            cirrus_node_error(p->steps[i + 1].at, error, "steps must meet without a gap or an overlap: "
                              "this one starts at %g, the one below ends at %g",
                              p->steps[i + 1].lower, p->steps[i].upper);
            return FALSE;
        }
    }
    const Step *first = &p->steps[0], *last = &p->steps[n - 1];
    gboolean covered = p->alarm.below ? isinf(first->lower) && last->upper >= 0 : first->lower <= 0 && isinf(last->upper);
    if (!covered) {
        cirrus_node_error(list, error, "the steps must cover every breach of an alarm %s its threshold: "
                          "bounds relative to it, from %s", p->alarm.below ? "below" : "above",
                          p->alarm.below ? "0 down (the lowest step with no 'lower')"
                                   : "0 up (the highest step with no 'upper')");
        return FALSE;
    }
    return TRUE;
}

/* The group's instance warmup: one value for all its step and target
 * tracking policies (as AWS's default instance warmup is per group). */
static gboolean read_warmup(Asg *g, CirrusNode *map, gboolean *seen, GError **error)
{
    CirrusTime warmup;
    if (!cirrus_cfg_duration(map, "warmup", DEFAULT_WARMUP, 0, 3600 * CIRRUS_SEC, &warmup, error)) return FALSE;
    if (*seen && warmup != g->warmup) {
        cirrus_node_error(cirrus_node_peek(map, "warmup") ? cirrus_node_peek(map, "warmup") : map, error,
                          "every step and target_tracking policy of a group has the same instance warmup "
                          "(%gs here, %gs in an earlier one)", cirrus_time_to_s(warmup), cirrus_time_to_s(g->warmup));
        return FALSE;
    }
    g->warmup = warmup;
    *seen = TRUE;
    return TRUE;
}

static gboolean read_policy(Asg *g, Policy *p, CirrusNode *map, gboolean *warmup_seen, GError **error)
{
    int type;
    CirrusNode *cooldown;
    if (cirrus_node_kind(map) != CIRRUS_NODE_MAP) {
        cirrus_node_error(map, error, "a policy must be a map such as {type: target_tracking, target: 50}");
        return FALSE;
    }
    if (!cirrus_cfg_enum(map, "type", policy_types, POLICY_NONE, &type, error)) return FALSE;
    p->type = (PolicyType)type;
    switch (p->type) {
    case POLICY_NONE:
        return TRUE;
    case POLICY_SIMPLE:
        /* AWS: a simple policy's cooldown defaults to the group's default
         * cooldown, 300 s. */
        if (!read_metric(p, map, error) || !read_alarm(p, map, error) ||
            !cirrus_cfg_require(map, "change", "the instances to add (or, negative, remove)", error) ||
            !cirrus_cfg_int(map, "change", 0, -ASG_MAX_INSTANCES, ASG_MAX_INSTANCES, &p->change, error) ||
            !cirrus_cfg_duration(map, "cooldown", DEFAULT_COOLDOWN, 0, CIRRUS_DAY, &p->cooldown, error))
            return FALSE;
        if (p->change == 0) {
            cirrus_node_error(cirrus_node_peek(map, "change"), error, "'change' must not be 0");
            return FALSE;
        }
        return TRUE;
    case POLICY_STEP:
        if ((cooldown = cirrus_cfg_node(map, "cooldown"))) {
            cirrus_node_error(cooldown, error, "a step scaling policy has no cooldown (AWS: cooldowns are for "
                              "simple policies); instances launched by a step are counted after 'warmup'");
            return FALSE;
        }
        return read_metric(p, map, error) && read_alarm(p, map, error) && read_steps(p, map, error) &&
               read_warmup(g, map, warmup_seen, error);
    case POLICY_TARGET:
        if (!read_metric(p, map, error) ||
            !cirrus_cfg_require(map, "target", "the value to hold the metric at, e.g. 50", error) ||
            !cirrus_cfg_double(map, "target", 0, 1e-9, p->metric == METRIC_CPU ? 100 : G_MAXDOUBLE,
                               &p->target, error) ||
            !read_warmup(g, map, warmup_seen, error) ||
            !cirrus_cfg_duration(map, "cooldown", DEFAULT_COOLDOWN, 0, CIRRUS_DAY, &p->cooldown, error) ||
            !cirrus_cfg_bool(map, "disable_scale_in", FALSE, &p->disable_scale_in, error))
            return FALSE;
        return TRUE;
    }
    g_assert_not_reached();
    return FALSE;
}

gboolean asg_policies_configure(Asg *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *node = cirrus_cfg_node(cfg, "policy");
    gboolean warmup_seen = FALSE;
    g->warmup = DEFAULT_WARMUP;
    if (!node) return TRUE;
    /* One policy, or a list (a scale-out and a scale-in policy, as AWS
     * step and simple scaling are usually set up). */
    gboolean list = cirrus_node_kind(node) == CIRRUS_NODE_SEQ;
    if (!list && cirrus_node_kind(node) != CIRRUS_NODE_MAP) {
        cirrus_node_error(node, error, "'policy' must be a map (one policy) or a list of them");
        return FALSE;
    }
    guint n = list ? cirrus_node_len(node) : 1;
    g->policies = g_new0(Policy, n ? n : 1);
    for (guint i = 0; i < n; i++) {
        g->n_policies = i + 1;
        if (!read_policy(g, &g->policies[i], list ? cirrus_node_item(node, i) : node, &warmup_seen, error))
            return FALSE;
    }
    return TRUE;
}

gboolean asg_policies_link(CirrusComponent *self, Asg *g, CirrusScenario *sc, GError **error)
{
    (void)self;
    for (guint i = 0; i < g->n_policies; i++) {
        Policy *p = &g->policies[i];
        if (p->metric != METRIC_QUEUE) continue;
        p->source = cirrus_scenario_lookup(sc, p->source_at, p->source_name, error);
        if (!p->source) return FALSE;
        if (!cirrus_speaks(p->source, CIRRUS_SPEAKS_QUEUE)) {
            cirrus_node_error(p->source_at, error, "'%s' is %s; ApproximateNumberOfMessagesVisible is an sqs "
                              "queue's metric", p->source_name, cirrus_component_noun(p->source));
            return FALSE;
        }
    }
    return TRUE;
}

void asg_policies_clear(Asg *g)
{
    for (guint i = 0; i < g->n_policies; i++) {
        g_free(g->policies[i].steps);
        g_free(g->policies[i].source_name);
    }
    g_free(g->policies);
    g->policies = NULL;
    g->n_policies = 0;
}

/* ---- evaluation -------------------------------------------------------- */

/* One period's datapoints.  NAN: no instance reported (CloudWatch has no
 * datapoint; no policy acts on missing data). */
typedef struct {
    double cpu, cpu_settled, rcpt;
    double capacity, capacity_settled;   /* average reporting instances */
} Datapoints;

static gint64 clamp_capacity(const Asg *g, gint64 n)
{
    return CLAMP(n, g->min, g->max);
}

/* ceil() that does not turn 4.0000000001 (rounding noise) into 5. */
static gint64 ceil_count(double x)
{
    return x <= 0 ? 0 : (gint64)ceil(x - 1e-9);
}

static gint64 propose_simple(const Asg *g, Policy *p, double v, CirrusTime now)
{
    if (!cirrus_alarm_advance(&p->alarm, v)) return -1;
    /* AWS: a simple policy waits for the activity under way to complete,
     * then for the cooldown after it. */
    if (g->pending_activity[ACT_OUT] > 0 || g->pending_activity[ACT_IN] > 0) return -1;
    if (now < g->activity_done[ACT_OUT] + g->activity_cooldown[ACT_OUT] ||
        now < g->activity_done[ACT_IN] + g->activity_cooldown[ACT_IN])
        return -1;
    return clamp_capacity(g, g->desired + p->change);
}

/* Instances counted as current capacity (not warming up), and whether any
 * is warming up. */
static gint64 settled_capacity(const Asg *g, CirrusTime now, gboolean *warming)
{
    gint64 n = 0;
    *warming = FALSE;
    for (guint i = 0; i < g->slots->len; i++) {
        const Instance *in = g->slots->pdata[i];
        if (asg_warming(g, in, now)) *warming = TRUE;
        else if (in->state == INST_IN_SERVICE) n++;
    }
    return n;
}

static gint64 propose_step(const Asg *g, Policy *p, double v, CirrusTime now)
{
    if (!cirrus_alarm_advance(&p->alarm, v)) return -1;
    /* AWS: above the threshold a step's lower bound is inclusive and its
     * upper bound exclusive; below it, the other way round. */
    double diff = v - p->alarm.threshold;
    const Step *step = NULL;
    for (guint i = 0; i < p->n_steps && !step; i++) {
        const Step *s = &p->steps[i];
        if (p->alarm.below ? diff > s->lower && diff <= s->upper : diff >= s->lower && diff < s->upper) step = s;
    }
    if (!step || step->change == 0) return -1;
    gboolean warming;
    gint64 current = settled_capacity(g, now, &warming);
    if (step->change > 0) {
        gint64 want = clamp_capacity(g, current + step->change);
        return want > g->desired ? want : -1;
    }
    /* AWS: scale-in waits until launched instances have warmed up. */
    return warming ? -1 : clamp_capacity(g, g->desired + step->change);
}

/* A queue metric's datapoint: the queue's visible messages, divided per
 * InService instance when asked (all of them count: the backlog is the
 * queue's, not reported by the instances). */
static double queue_datapoint(const Asg *g, const Policy *p)
{
    if (!p->per_instance) return p->queue_visible;
    return p->queue_visible / (double)MAX(g->n_in_service, 1);
}

static gint64 propose_target(const Asg *g, Policy *p, const Datapoints *d, CirrusTime now, gboolean *blocks_in)
{
    double v = p->metric == METRIC_CPU ? d->cpu_settled : p->metric == METRIC_RCPT ? d->rcpt : queue_datapoint(g, p);
    double capacity = p->metric == METRIC_CPU ? d->capacity_settled
                    : p->metric == METRIC_RCPT ? d->capacity : (double)MAX(g->n_in_service, 1);
    *blocks_in = !p->disable_scale_in;
    if (isnan(v)) {
        p->high = p->low = 0;
        return -1;
    }
    p->high = v > p->target ? p->high + 1 : 0;
    p->low = v < TT_LOW_FRACTION * p->target ? p->low + 1 : 0;
    if (p->high >= TT_HIGH_PERIODS) {
        /* Proportional: the capacity that would bring the datapoint to
         * the target.  Warming instances are not counted on either side,
         * so a breach while they warm up asks for no more than it did. */
        gint64 want = clamp_capacity(g, ceil_count(capacity * v / p->target));
        return want > g->desired ? want : -1;
    }
    if (p->low < TT_LOW_PERIODS || p->disable_scale_in) return -1;
    gboolean warming;
    settled_capacity(g, now, &warming);
    if (warming || g->pending_activity[ACT_IN] > 0 || now < g->activity_done[ACT_IN] + p->cooldown) return -1;
    /* Scale in no further than keeps the datapoint at or under target. */
    gint64 want = clamp_capacity(g, ceil_count(capacity * v / p->target));
    if (want >= g->desired) return -1;
    *blocks_in = FALSE;
    return want;
}

void asg_period_end(CirrusComponent *self, Asg *g)
{
    CirrusTime now = cirrus_now(self);
    double cpu_ws = g->gone_cpu_ws, up_s = g->gone_up_s;
    double cpu_ws_settled = g->gone_cpu_ws_settled, up_s_settled = g->gone_up_s_settled;
    g->gone_cpu_ws = g->gone_up_s = g->gone_cpu_ws_settled = g->gone_up_s_settled = 0;
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state == INST_FREE) continue;
        asg_account(g, in, now);
        cpu_ws += in->cpu_ws;
        up_s += in->up_s;
        cpu_ws_settled += in->cpu_ws_settled;
        up_s_settled += in->up_s_settled;
        in->cpu_ws = in->up_s = in->cpu_ws_settled = in->up_s_settled = 0;
    }
    double period_s = cirrus_time_to_s(g->period), workers = (double)g->workers;
    Datapoints d = {
        .cpu = up_s > 0 ? 100.0 * cpu_ws / (workers * up_s) : NAN,
        .cpu_settled = up_s_settled > 0 ? 100.0 * cpu_ws_settled / (workers * up_s_settled) : NAN,
        .rcpt = up_s > 0 ? (double)g->period_requests / (up_s / period_s) : NAN,
        .capacity = up_s / period_s,
        .capacity_settled = up_s_settled / period_s,
    };
    g->period_requests = 0;
    cirrus_metric_gauge(self, M_PERIOD_CPU, isnan(d.cpu) ? 0 : d.cpu);
    cirrus_metric_gauge(self, M_RCPT, isnan(d.rcpt) ? 0 : d.rcpt);

    gint64 best = -1;
    const Policy *winner = NULL;
    gboolean tt_blocks_in = FALSE;
    for (guint i = 0; i < g->n_policies; i++) {
        Policy *p = &g->policies[i];
        /* Step and target tracking policies see only instances past
         * their warmup (AWS: a warming instance's usage data is left out
         * of the aggregate); a simple policy has no warmup. */
        double v = p->metric == METRIC_CPU ? (p->type == POLICY_STEP ? d.cpu_settled : d.cpu)
                 : p->metric == METRIC_RCPT ? d.rcpt : queue_datapoint(g, p);
        gboolean blocks = FALSE;
        gint64 want = -1;
        switch (p->type) {
        case POLICY_NONE: break;
        case POLICY_SIMPLE: want = propose_simple(g, p, v, now); break;
        case POLICY_STEP: want = propose_step(g, p, v, now); break;
        case POLICY_TARGET: want = propose_target(g, p, &d, now, &blocks); break;
        }
        if (want < 0 && blocks) tt_blocks_in = TRUE;
        if (want > best) {
            best = want;
            winner = p;
        }
    }
    if (!winner || best == g->desired) return;
    if (best < g->desired && tt_blocks_in) return;   /* AWS: every target tracking policy must agree to scale in */
    asg_scale(self, g, best, winner);
}

/* ---- queue metrics ------------------------------------------------------ */

gboolean asg_policies_query(CirrusComponent *self, Asg *g)
{
    g_assert(g->queries_pending == 0);
    for (guint i = 0; i < g->n_policies; i++) {
        if (g->policies[i].metric != METRIC_QUEUE) continue;
        g->queries_pending++;
        cirrus_queue_query(self, g->policies[i].source, CIRRUS_QUEUE_ATTR_VISIBLE);
    }
    return g->queries_pending > 0;
}

void asg_policies_answer(CirrusComponent *self, Asg *g, const CirrusEvent *ev)
{
    g_assert(g->queries_pending > 0);
    CirrusQueueAttribute answer = cirrus_queue_attribute(ev);
    g_assert(answer.attr == CIRRUS_QUEUE_ATTR_VISIBLE);
    for (guint i = 0; i < g->n_policies; i++)
        if (g->policies[i].source == ev->source) g->policies[i].queue_visible = (double)answer.value;
    if (--g->queries_pending == 0) asg_period_end(self, g);
}
