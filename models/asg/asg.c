/* cirrus — the `asg` model (see asg.h, docs/models/asg.md).
 *
 * The group keeps `desired` instances that are not terminating: after every
 * change (a policy's decision, a health check's verdict) it launches into
 * the zone with the fewest instances, or terminates the oldest instance of
 * the zone with the most, as the AWS default termination policy does.
 * A launched instance is Pending for `boot_time`, then InService; a
 * terminated one is deregistered from every load balancer attached to the
 * group and is gone when each has answered TARGETS_DRAINED
 * (models/protocol/targets.h).  The scaling policies live in asg_policy.c.
 *
 * Each instance is a station (sim/kernel/station.h): `workers` requests at
 * a time, a FIFO queue up to `queue_limit`, else 503.  After service_time a
 * request makes the instance's `calls` (models/protocol/calls.h), the
 * worker held until they are over.
 * A request from a load balancer names its instance (the target group
 * protocol's ref.instance, models/protocol/request.h); one sent straight to
 * the group goes to the InService instance with the fewest outstanding
 * requests.
 *
 * While we hold a request its `holder` word is ours: the instance id in
 * the low 32 bits, and TAG_DIRECT when we chose the instance.
 *
 * An instance that stops answering (instance_failure, its zone's outage,
 * the group's outage) fails what it holds: queued requests at once, the
 * others when their service or the step of their calls ends, told apart by their arrival
 * time (`failed_at`).  EC2 status checks, every minute, find a failed or
 * impaired instance; with health_check_type elb a load balancer's
 * TARGETS_UNHEALTHY counts too, once the grace period is over.  Either way
 * the instance is terminated and replaced. */
#include "models/asg/asg-private.h"
#include "models/aws/datapoint.h"
#include "models/aws/globals.h"
#include "models/protocol/queue.h"
#include "models/protocol/targets.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <string.h>


/* AWS: EC2 runs its status checks on each running instance every minute. */
/* EC2: per-second billing has a minimum of 60 seconds per launch. */
#define EC2_MINIMUM_BILLED (60 * CIRRUS_SEC)
#define STATUS_CHECK_INTERVAL CIRRUS_MIN
#define MAX_ZONES 64

#define TAG_DIRECT (G_GUINT64_CONSTANT(1) << 63)
#define TAG_ID(tag) ((guint32)((tag) & 0xFFFFFFFFu))

static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome);
static gboolean calls_proceed(CirrusComponent *self, void *state, CirrusRequest *req);

static const CirrusMetricDef asg_metrics[] = {
    [M_DESIRED]      = {"GroupDesiredCapacity", CIRRUS_METRIC_GAUGE, "Count"},
    [M_IN_SERVICE]   = {"GroupInServiceInstances", CIRRUS_METRIC_GAUGE, "Count"},
    [M_PENDING]      = {"GroupPendingInstances", CIRRUS_METRIC_GAUGE, "Count"},
    [M_TERMINATING]  = {"GroupTerminatingInstances", CIRRUS_METRIC_GAUGE, "Count"},
    [M_CPU]          = {"CPUUtilization", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_ACTIVITIES]   = {"ScalingActivities", CIRRUS_METRIC_COUNT, "Count"},
    [M_REQUESTS]     = {"RequestCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_REJECTED]     = {"Rejected", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILED]       = {"Failed", CIRRUS_METRIC_COUNT, "Count"},
    [M_LATENCY]      = {"Latency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_REPLACEMENTS] = {"InstanceReplacements", CIRRUS_METRIC_COUNT, "Count"},
    [M_PERIOD_CPU]   = {"PeriodCPUUtilization", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_RCPT]         = {"RequestCountPerTarget", CIRRUS_METRIC_GAUGE, "Count"},
    {NULL, 0, NULL},
};

/* ---- configuration ----------------------------------------------------- */

static gboolean read_zones(Asg *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(cfg, "zones", &list, error)) return FALSE;
    guint n = list ? cirrus_node_len(list) : 1;
    if (n == 0 || n > MAX_ZONES) {
        cirrus_node_error(list, error, "'zones' needs 1 to %d zone names, e.g. [a, b]", MAX_ZONES);
        return FALSE;
    }
    g->zones = g_new0(char *, n + 1);
    g->zones_down = g_new0(guint, n);
    g->n_zones = n;
    if (!list) {
        g->zones[0] = g_strdup("a");   /* one zone, as a group in a single subnet */
        return TRUE;
    }
    for (guint i = 0; i < n; i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        const char *z = cirrus_node_scalar(item);
        if (!z || !*z) {
            cirrus_node_error(item, error, "a zone must be a name such as a or us-east-1a");
            return FALSE;
        }
        if (g_strv_contains((const char *const *)g->zones, z)) {
            cirrus_node_error(item, error, "zone '%s' is listed twice", z);
            return FALSE;
        }
        g->zones[i] = g_strdup(z);
    }
    return TRUE;
}

static gboolean read_instance(CirrusComponent *self, Asg *g, CirrusNode *cfg, GError **error)
{
    CirrusNode *inst, *consumes;
    if (!cirrus_cfg_require(cfg, "instance", "what one instance does, e.g. {workers: 4, service_time: 50ms}", error) ||
        !cirrus_cfg_map(cfg, "instance", &inst, error))
        return FALSE;
    if (!cirrus_cfg_map(inst, "consumes", &consumes, error) ||
        (consumes && !asg_consume_configure(self, g, consumes, error)))
        return FALSE;
    /* boot_time: AWS has no default (it is the AMI's start-up time); 60 s
     * is a typical Linux instance from launch to a serving application,
     * and 0 would hide the launch lag that scaling scenarios are about. */
    /* type: the EC2 instance type it is billed as (docs/cost.md). */
    g->instance_type_at = cirrus_node_peek(inst, "type");
    return cirrus_cfg_string(inst, "type", "m5.large", &g->instance_type, error) &&
           cirrus_cfg_int(inst, "workers", 1, 1, 1000000, &g->workers, error) &&
           cirrus_cfg_int(inst, "queue_limit", -1, -1, G_MAXINT64, &g->queue_limit, error) &&
           cirrus_cfg_dist(inst, "service_time", NULL, &g->service_time, error) &&
           cirrus_cfg_duration(inst, "boot_time", 60 * CIRRUS_SEC, 0, CIRRUS_DAY, &g->boot_time, error) &&
           cirrus_calls_read(self, inst, "calls", "an instance", calls_done, calls_proceed, &g->calls, error);
}

static void instance_free(gpointer data)
{
    Instance *in = data;
    cirrus_station_clear(&in->station);
    g_free(in->pollers);
    g_free(in);
}

static gboolean asg_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const check_types[] = {"ec2", "elb", NULL};
    Asg *g = state;
    int check;
    g->faults = cirrus_component_faults(self);
    g->slots = g_ptr_array_new_with_free_func(instance_free);
    g->free_slots = g_array_new(FALSE, FALSE, sizeof(guint));
    g->by_id = g_hash_table_new(g_direct_hash, g_direct_equal);
    g->lbs = g_ptr_array_new();
    /* AWS: min and max bound desired capacity; the console starts a group
     * with min = desired = 1.  The defaults follow from whatever is given. */
    if (!cirrus_cfg_int(cfg, "min", 1, 0, ASG_MAX_INSTANCES, &g->min, error) ||
        !cirrus_cfg_int(cfg, "desired", g->min, 0, ASG_MAX_INSTANCES, &g->desired, error) ||
        !cirrus_cfg_int(cfg, "max", MAX(g->min, g->desired), 0, ASG_MAX_INSTANCES, &g->max, error))
        return FALSE;
    if (g->min > g->max) {
        cirrus_node_error(cirrus_node_peek(cfg, "max") ? cirrus_node_peek(cfg, "max") : cfg, error,
                          "max (%" G_GINT64_FORMAT ") is below min (%" G_GINT64_FORMAT ")", g->max, g->min);
        return FALSE;
    }
    if (g->desired < g->min || g->desired > g->max) {
        cirrus_node_error(cirrus_node_peek(cfg, "desired") ? cirrus_node_peek(cfg, "desired") : cfg, error,
                          "desired (%" G_GINT64_FORMAT ") must be between min (%" G_GINT64_FORMAT
                          ") and max (%" G_GINT64_FORMAT ")", g->desired, g->min, g->max);
        return FALSE;
    }
    /* AWS: EC2 status checks are the default health check type; the
     * console's grace period is 300 s (the API's is 0).  EC2 sends its
     * metrics every 5 minutes (basic monitoring, the launch templates'
     * default) unless detailed monitoring is on, which sends them every
     * minute: the period the policies' alarms see. */
    gboolean detailed;
    if (!read_zones(g, cfg, error) || !read_instance(self, g, cfg, error) ||
        !cirrus_cfg_enum(cfg, "health_check_type", check_types, 0, &check, error) ||
        !cirrus_cfg_duration(cfg, "health_check_grace", 300 * CIRRUS_SEC, 0, CIRRUS_DAY, &g->grace, error) ||
        !cirrus_cfg_bool(cfg, "detailed_monitoring", FALSE, &detailed, error) ||
        !cirrus_cloudwatch_period_read(cfg, "metrics_period", detailed ? CIRRUS_MIN : 5 * CIRRUS_MIN, &g->period,
                                       error) ||
        !asg_policies_configure(g, cfg, error))
        return FALSE;
    if (cirrus_node_peek(cfg, "detailed_monitoring") && !detailed && g->period < 5 * CIRRUS_MIN) {
        cirrus_node_error(cirrus_node_peek(cfg, "metrics_period"), error,
                          "basic monitoring (detailed_monitoring: false) sends EC2 metrics every 5 minutes: a "
                          "metrics_period of %gs needs detailed_monitoring: true", cirrus_time_to_s(g->period));
        return FALSE;
    }
    g->elb_health = check == 1;
    return TRUE;
}

static gboolean asg_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Asg *g = state;
    const CirrusPrices *prices = cirrus_globals(sc)->prices;
    char *key = g_strdup_printf("ec2.%s.hour", g->instance_type);
    gboolean priced = cirrus_prices_has(prices, key);
    if (priced) g->usd_per_hour = cirrus_price(prices, key);
    else cirrus_prices_unknown(prices, g->instance_type_at, key, "ec2.", error);
    g_free(key);
    if (!priced) return FALSE;
    if (!cirrus_calls_link(g->calls, self, sc, error)) return FALSE;
    return (!g->consume || asg_consume_link(self, g, sc, error)) && asg_policies_link(self, g, sc, error);
}

/* ---- instance bookkeeping ---------------------------------------------- */

/* How the load balancer protocol names an instance (models/protocol/targets.h). */
static CirrusTarget target_of(const Instance *in) { return (CirrusTarget){ in->id, in->zone }; }

Instance *asg_find(Asg *g, guint32 id)
{
    if (!id) return NULL;
    Instance **cached = &g->id_cache[id % ASG_ID_CACHE];
    if (*cached && (*cached)->id == id) return *cached;
    Instance *in = g_hash_table_lookup(g->by_id, GUINT_TO_POINTER(id));
    if (in) *cached = in;
    return in;
}

/* Down for EC2: dead, or its zone is out (what a status check sees). */
static gboolean impaired(const Asg *g, const Instance *in)
{
    return in->dead || g->zones_down[in->zone] > 0;
}

gboolean asg_answers(const Asg *g, const Instance *in)
{
    return (in->state == INST_IN_SERVICE || in->state == INST_TERMINATING) && !impaired(g, in) &&
           !cirrus_fault_down(g->faults);
}

gboolean asg_reporting(const Asg *g, const Instance *in)
{
    /* A dead or cut-off instance sends CloudWatch nothing; one whose
     * application is down (a group outage) still reports an idle CPU. */
    return in->state == INST_IN_SERVICE && !impaired(g, in);
}

gboolean asg_warming(const Asg *g, const Instance *in, CirrusTime now)
{
    (void)g;
    return in->state == INST_PENDING || (in->state == INST_IN_SERVICE && now < in->warm_end);
}

void asg_account(const Asg *g, Instance *in, CirrusTime now)
{
    if (asg_reporting(g, in) && now > in->acc_at) {
        double dt = cirrus_time_to_s(now - in->acc_at);
        in->up_s += dt;
        in->cpu_ws += dt * (double)in->computing;
        if (now > in->warm_end) {
            double settled = cirrus_time_to_s(now - MAX(in->acc_at, in->warm_end));
            in->up_s_settled += settled;
            in->cpu_ws_settled += settled * (double)in->computing;
        }
    }
    in->acc_at = now;
}

/* Around any change to whether an instance reports or how busy it is:
 * unhook brings its sums up to now and takes it out of the CPU gauge's
 * totals, hook puts it back as it now is. */
static void unhook(CirrusComponent *self, Asg *g, Instance *in)
{
    asg_account(g, in, cirrus_now(self));
    if (asg_reporting(g, in)) {
        g->rep_count--;
        g->rep_computing -= in->computing;
    }
}

static void hook(Asg *g, Instance *in)
{
    if (asg_reporting(g, in)) {
        g->rep_count++;
        g->rep_computing += in->computing;
    }
}

static void update_cpu_gauge(CirrusComponent *self, const Asg *g)
{
    double cpu = g->rep_count ? 100.0 * (double)g->rep_computing / ((double)g->workers * (double)g->rep_count) : 0;
    cirrus_metric_gauge(self, M_CPU, cpu);
}

static void update_gauges(CirrusComponent *self, const Asg *g)
{
    cirrus_metric_gauge(self, M_DESIRED, (double)g->desired);
    cirrus_metric_gauge(self, M_IN_SERVICE, (double)g->n_in_service);
    cirrus_metric_gauge(self, M_PENDING, (double)g->n_pending);
    cirrus_metric_gauge(self, M_TERMINATING, (double)g->n_terminating);
    update_cpu_gauge(self, g);
}

/* An instance's part of a scaling activity is done; the activity is
 * complete when its last instance is (AWS starts the cooldown then). */
static void activity_step(CirrusComponent *self, Asg *g, Instance *in)
{
    if (in->activity == ACT_NONE) return;
    Activity a = (Activity)in->activity;
    in->activity = ACT_NONE;
    g_assert(g->pending_activity[a] > 0);
    if (--g->pending_activity[a] == 0) g->activity_done[a] = cirrus_now(self);
}

/* ---- requests ---------------------------------------------------------- */

/* Count a request done (`in`: its instance, NULL when gone) and answer a
 * sync caller — with cirrus_reply_last when `last` (the handler's last
 * act) — or drop a held async copy (answered already). */
static void finish_as(CirrusComponent *self, Instance *in, CirrusRequest *req, CirrusOutcome outcome, gboolean last)
{
    if (in) in->outstanding--;
    if (outcome == CIRRUS_OUTCOME_OK) cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->arrived);
    else cirrus_metric_count(self, M_FAILED, 1);
    if (last) cirrus_station_finish_last(self, req, outcome);
    else cirrus_station_finish(self, req, outcome);
}

static void finish(CirrusComponent *self, Instance *in, CirrusRequest *req, CirrusOutcome outcome)
{
    finish_as(self, in, req, outcome, FALSE);
}

static void fail_queued(CirrusComponent *self, Instance *in)
{
    CirrusRequest *req;
    while ((req = cirrus_station_take_waiting(&in->station))) finish(self, in, req, CIRRUS_OUTCOME_FAILED);
}

static void instance_gone(CirrusComponent *self, Asg *g, Instance *in);

/* A terminating instance is gone when every load balancer has drained it,
 * or, with none attached, when it has finished what it holds. */
void asg_maybe_gone(CirrusComponent *self, Asg *g, Instance *in)
{
    if (in->state == INST_TERMINATING && in->draining == 0 && (in->deregistered || in->outstanding == 0))
        instance_gone(self, g, in);
}

void asg_computing(CirrusComponent *self, Asg *g, Instance *in, gint64 delta)
{
    unhook(self, g, in);
    in->computing += delta;
    hook(g, in);
    update_cpu_gauge(self, g);
}

static void begin_service(CirrusComponent *self, Asg *g, Instance *in, CirrusRequest *req)
{
    asg_computing(self, g, in, 1);
    double seconds = cirrus_dist_sample(&g->service_time, cirrus_component_rng(self)) * g->faults->slowdown;
    cirrus_schedule(self, cirrus_time_from_s(seconds), ASG_DONE, req, 0);
}

/* The request leaves its worker: finish it, and the worker takes the next
 * one waiting. */
static void release(CirrusComponent *self, Asg *g, Instance *in, CirrusRequest *req, CirrusOutcome outcome)
{
    if (in->state == INST_TERMINATING) {
        /* It may go with this request: answered first, as it always was. */
        finish(self, in, req, outcome);
        CirrusRequest *next = cirrus_station_release(&in->station, asg_answers(g, in));
        if (next) begin_service(self, g, in, next);
        asg_maybe_gone(self, g, in);
        return;
    }
    /* Else the answer is the handler's last act, so that it may be handled
     * at once (cirrus_reply_last); the next request's start (its draw and
     * timer) is not touched by it. */
    CirrusRequest *next = cirrus_station_release(&in->station, asg_answers(g, in));
    if (next) begin_service(self, g, in, next);
    finish_as(self, in, req, outcome, TRUE);
}

/* Its service time is over: its calls, or done. */
static void on_done(CirrusComponent *self, Asg *g, CirrusRequest *req)
{
    Instance *in = asg_find(g, TAG_ID(req->holder));
    if (!in) {   /* terminated while it served: the work is lost */
        finish(self, NULL, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    asg_computing(self, g, in, -1);
    if (req->arrived <= in->failed_at) release(self, g, in, req, CIRRUS_OUTCOME_FAILED);   /* held when it stopped */
    else if (g->calls) cirrus_calls_begin_last(g->calls, self, g, req);
    else release(self, g, in, req, CIRRUS_OUTCOME_OK);
}

/* Before each step of its calls: the instance still holds the request and
 * has not stopped answering since it arrived. */
static gboolean calls_proceed(CirrusComponent *self, void *state, CirrusRequest *req)
{
    const Instance *in = asg_find(state, TAG_ID(req->holder));
    (void)self;
    return in && req->arrived > in->failed_at;
}

/* The calls are over; a dependency's error is the application's 5xx, and
 * a request its instance stopped holding meanwhile fails too. */
static void calls_done(CirrusComponent *self, void *state, CirrusRequest *req, CirrusOutcome outcome)
{
    Asg *g = state;
    if (g->consume) {   /* a worker's calls after a message */
        asg_consume_calls_done(self, g, req, outcome);
        return;
    }
    Instance *in = asg_find(g, TAG_ID(req->holder));
    if (!in) finish(self, NULL, req, CIRRUS_OUTCOME_FAILED);
    else if (outcome != CIRRUS_OUTCOME_OK || !calls_proceed(self, g, req)) release(self, g, in, req, CIRRUS_OUTCOME_FAILED);
    else release(self, g, in, req, CIRRUS_OUTCOME_OK);
}

/* Take a request on an instance: a free worker, else the queue, else 503. */
static void serve(CirrusComponent *self, Asg *g, Instance *in, CirrusRequest *req)
{
    if (cirrus_station_full(&in->station)) {
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    req = cirrus_station_accept_async(self, req);
    in->outstanding++;
    if (cirrus_station_admit(&in->station, req) == CIRRUS_STATION_STARTED) begin_service(self, g, in, req);
}

/* Without a load balancer: the InService instance with the fewest
 * outstanding requests (ties: the lowest id), among those that answer. */
static Instance *pick_direct(const Asg *g)
{
    Instance *best = NULL;
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state != INST_IN_SERVICE || !asg_answers(g, in)) continue;
        if (!best || in->outstanding < best->outstanding ||
            (in->outstanding == best->outstanding && in->id < best->id))
            best = in;
    }
    return best;
}

static void on_request(CirrusComponent *self, Asg *g, CirrusRequest *req)
{
    Instance *in;
    cirrus_metric_count(self, M_REQUESTS, 1);
    g->period_requests++;
    if (g->consume) {
        /* Its workers poll a queue: it serves no requests (docs/models/asg.md). */
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    guint32 chosen = cirrus_request_data(req)->ref.instance;
    if (chosen != 0) {
        /* From a load balancer, for one instance.  Not running (yet, or
         * any more): refused; running but not answering: the connection
         * fails (a 5xx). */
        in = asg_find(g, chosen);
        if (!in || in->state == INST_PENDING) {
            cirrus_metric_count(self, M_REJECTED, 1);
            cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
            return;
        }
        if (!asg_answers(g, in)) {
            cirrus_metric_count(self, M_FAILED, 1);
            cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
            return;
        }
    } else {
        in = pick_direct(g);
        if (!in) {
            cirrus_metric_count(self, M_REJECTED, 1);
            cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
            return;
        }
        req->holder = TAG_DIRECT | in->id;
    }
    if (chosen != 0) req->holder = chosen;
    serve(self, g, in, req);
}

/* ---- lifecycle ----------------------------------------------------------- */

/* The zone with the fewest instances (pending or InService) among those
 * that can take a launch; -1 when every zone is out. */
static int launch_zone(const Asg *g)
{
    gint64 *count = g_new0(gint64, g->n_zones);
    for (guint i = 0; i < g->slots->len; i++) {
        const Instance *in = g->slots->pdata[i];
        if (in->state == INST_PENDING || in->state == INST_IN_SERVICE) count[in->zone]++;
    }
    int best = -1;
    for (guint z = 0; z < g->n_zones; z++)
        if (g->zones_down[z] == 0 && (best < 0 || count[z] < count[best])) best = (int)z;
    g_free(count);
    return best;
}

static Instance *launch(CirrusComponent *self, Asg *g, guint zone, Activity activity)
{
    Instance *in;
    if (g->free_slots->len) {
        guint slot = g_array_index(g->free_slots, guint, g->free_slots->len - 1);
        g_array_set_size(g->free_slots, g->free_slots->len - 1);
        in = g->slots->pdata[slot];
        CirrusStation keep = in->station;   /* nothing waits; keep its buffer */
        AsgPoller *pollers = in->pollers;
        *in = (Instance){0};
        in->station = keep;
        in->pollers = pollers;
        in->slot = slot;
    } else {
        in = g_new0(Instance, 1);
        in->slot = g->slots->len;
        g_ptr_array_add(g->slots, in);
    }
    in->station.workers = g->workers;
    in->station.queue_limit = g->queue_limit;
    in->station.busy = 0;
    g_assert(g->next_id < G_MAXUINT32);
    in->id = ++g->next_id;
    in->zone = (guint8)zone;
    in->state = INST_PENDING;
    in->activity = (guint8)activity;
    in->launched = in->acc_at = cirrus_now(self);
    in->failed_at = -1;
    g_hash_table_insert(g->by_id, GUINT_TO_POINTER(in->id), in);
    g->id_cache[in->id % ASG_ID_CACHE] = in;
    g->n_pending++;
    if (activity != ACT_NONE) g->pending_activity[activity]++;
    return in;
}

static void want_status_check(CirrusComponent *self, Asg *g)
{
    if (g->status_check_due) return;
    CirrusTime now = cirrus_now(self), at = (now / STATUS_CHECK_INTERVAL + 1) * STATUS_CHECK_INTERVAL;
    g->status_check_due = TRUE;
    cirrus_schedule(self, at - now, ASG_STATUS_CHECK, NULL, 0);
}

static void to_in_service(CirrusComponent *self, Asg *g, Instance *in)
{
    CirrusTime now = cirrus_now(self);
    unhook(self, g, in);
    g->n_pending--;
    g->n_in_service++;
    in->state = INST_IN_SERVICE;
    in->in_service_at = now;
    /* AWS instance warmup counts from InService. */
    in->warm_end = now + g->warmup;
    hook(g, in);
    for (guint i = 0; i < g->lbs->len; i++)
        cirrus_targets_register(self, g->lbs->pdata[i], target_of(in));
    activity_step(self, g, in);
    if (impaired(g, in)) want_status_check(self, g);
    if (g->consume) asg_consume_start(self, g, in);
}

static void instance_gone(CirrusComponent *self, Asg *g, Instance *in)
{
    g_assert(in->state == INST_TERMINATING);
    unhook(self, g, in);
    /* What it reported this period still counts in the period's datapoint. */
    g->gone_cpu_ws += in->cpu_ws;
    g->gone_up_s += in->up_s;
    g->gone_cpu_ws_settled += in->cpu_ws_settled;
    g->gone_up_s_settled += in->up_s_settled;
    fail_queued(self, in);   /* what it still held dies with it */
    activity_step(self, g, in);
    /* EC2 bills at least 60 s per launch. */
    CirrusTime life = cirrus_now(self) - in->launched;
    if (life < EC2_MINIMUM_BILLED) g->minimum_billed_s += cirrus_time_to_s(EC2_MINIMUM_BILLED - life);
    g_hash_table_remove(g->by_id, GUINT_TO_POINTER(in->id));
    g->n_terminating--;
    in->state = INST_FREE;
    in->id = 0;
    g_array_append_val(g->free_slots, in->slot);
    update_gauges(self, g);
}

/* Start terminating an instance (as part of `activity`). */
static void terminate(CirrusComponent *self, Asg *g, Instance *in, Activity activity)
{
    g_assert(in->state == INST_PENDING || in->state == INST_IN_SERVICE);
    activity_step(self, g, in);   /* a launch cut short is over too */
    in->activity = (guint8)activity;
    if (activity != ACT_NONE) g->pending_activity[activity]++;
    unhook(self, g, in);
    if (in->state == INST_PENDING) g->n_pending--;
    else g->n_in_service--;
    g->n_terminating++;
    gboolean registered = in->state == INST_IN_SERVICE;
    in->state = INST_TERMINATING;
    hook(g, in);
    if (registered) {
        /* AWS: an instance behind a load balancer is deregistered and
         * terminated only when connection draining completes. */
        for (guint i = 0; i < g->lbs->len; i++)
            cirrus_targets_deregister(self, g->lbs->pdata[i], target_of(in));
        in->draining = g->lbs->len;
        in->deregistered = g->lbs->len > 0;
    }
    if (g->consume) asg_consume_stop(self, g, in);
    asg_maybe_gone(self, g, in);
}

/* The AWS default termination policy: the zone with the most instances,
 * then the oldest instance there (launched first; ties: the lowest id).
 * Zones that tie for the most are treated as one. */
static Instance *scale_in_victim(const Asg *g)
{
    gint64 *count = g_new0(gint64, g->n_zones), most = 0;
    for (guint i = 0; i < g->slots->len; i++) {
        const Instance *in = g->slots->pdata[i];
        if (in->state == INST_PENDING || in->state == INST_IN_SERVICE) count[in->zone]++;
    }
    for (guint z = 0; z < g->n_zones; z++) most = MAX(most, count[z]);
    Instance *best = NULL;
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if ((in->state != INST_PENDING && in->state != INST_IN_SERVICE) || count[in->zone] != most) continue;
        if (!best || in->launched < best->launched || (in->launched == best->launched && in->id < best->id))
            best = in;
    }
    g_free(count);
    g_assert(best);
    return best;
}

/* Launch or terminate until the instances that are not terminating number
 * `desired`.  Launches wait while every zone is out. */
static void reconcile(CirrusComponent *self, Asg *g, Activity activity)
{
    gint64 n = g->n_pending + g->n_in_service;
    for (; n < g->desired; n++) {
        int zone = launch_zone(g);
        if (zone < 0) break;
        Instance *in = launch(self, g, (guint)zone, activity);
        cirrus_schedule(self, g->boot_time, ASG_BOOT, NULL, in->id);
    }
    for (; n > g->desired; n--) terminate(self, g, scale_in_victim(g), activity);
    update_gauges(self, g);
}

void asg_scale(CirrusComponent *self, Asg *g, gint64 desired, const Policy *policy)
{
    g_assert(desired != g->desired && desired >= g->min && desired <= g->max);
    Activity a = desired > g->desired ? ACT_OUT : ACT_IN;
    g->desired = desired;
    cirrus_metric_count(self, M_ACTIVITIES, 1);
    /* The cooldown that follows this activity: a simple policy's own; a
     * target tracking policy's for scale-in only; none for step scaling,
     * which relies on instance warmup instead. */
    g->activity_cooldown[a] = policy->type == POLICY_SIMPLE ? policy->cooldown
                            : policy->type == POLICY_TARGET && a == ACT_IN ? policy->cooldown : 0;
    reconcile(self, g, a);
    if (g->pending_activity[a] == 0) g->activity_done[a] = cirrus_now(self);
}

static void on_boot(CirrusComponent *self, Asg *g, guint32 id)
{
    Instance *in = asg_find(g, id);
    if (!in || in->state != INST_PENDING) return;   /* terminated while it booted */
    to_in_service(self, g, in);
    update_gauges(self, g);
}

/* ---- health ------------------------------------------------------------ */

/* AWS: an unhealthy instance is terminated and replaced at once, without
 * waiting for a cooldown, and its replacement is no scaling activity. */
static void replace(CirrusComponent *self, Asg *g, Instance *in)
{
    in->unhealthy = TRUE;
    cirrus_metric_count(self, M_REPLACEMENTS, 1);
    terminate(self, g, in, ACT_NONE);
}

static void on_status_check(CirrusComponent *self, Asg *g)
{
    gboolean any = FALSE;
    g->status_check_due = FALSE;
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state == INST_IN_SERVICE && impaired(g, in)) {
            replace(self, g, in);
            any = TRUE;
        }
    }
    if (any) reconcile(self, g, ACT_NONE);
}

/* AWS: ELB health checks count only for a group that turns them on, and
 * only after the grace period from InService.  A report during the grace
 * period is looked at again when it ends. */
static void on_unhealthy(CirrusComponent *self, Asg *g, CirrusTarget named)
{
    Instance *in = asg_find(g, named.id);
    if (!g->elb_health || !in || in->state != INST_IN_SERVICE) return;
    CirrusTime now = cirrus_now(self), grace_end = in->in_service_at + g->grace;
    if (now >= grace_end) {
        replace(self, g, in);
        reconcile(self, g, ACT_NONE);
    } else if (!in->elb_reported) {
        in->elb_reported = TRUE;
        cirrus_schedule(self, grace_end - now, ASG_GRACE_END, NULL, in->id);
    }
}

static void on_grace_end(CirrusComponent *self, Asg *g, guint32 id)
{
    Instance *in = asg_find(g, id);
    if (!in || in->state != INST_IN_SERVICE || !in->elb_reported) return;
    in->elb_reported = FALSE;
    /* The load balancer says nothing when an instance recovers, so judge
     * by whether it answers its health checks now. */
    if (!asg_answers(g, in)) {
        replace(self, g, in);
        reconcile(self, g, ACT_NONE);
    }
}

/* ---- the load balancer protocol (models/protocol/targets.h) --------------------- */

static void on_attach(CirrusComponent *self, Asg *g, CirrusComponent *lb)
{
    for (guint i = 0; i < g->lbs->len; i++)
        if (g->lbs->pdata[i] == lb) return;
    g_ptr_array_add(g->lbs, lb);
    for (guint i = 0; i < g->slots->len; i++) {
        const Instance *in = g->slots->pdata[i];
        if (in->state == INST_IN_SERVICE)
            cirrus_targets_register(self, lb, target_of(in));
    }
}

static void on_drained(CirrusComponent *self, Asg *g, CirrusTarget named)
{
    Instance *in = asg_find(g, named.id);
    if (!in || in->state != INST_TERMINATING || in->draining == 0) return;
    in->draining--;
    asg_maybe_gone(self, g, in);
}

static void on_probe(CirrusComponent *self, Asg *g, const CirrusEvent *ev)
{
    const Instance *in = asg_find(g, cirrus_target_of(ev).id);
    if (in && asg_answers(g, in))
        cirrus_targets_passed(self, ev->source, target_of(in));
}

/* ---- faults ------------------------------------------------------------ */

/* The instance stops answering: what waits fails now, what is in service
 * or in a call fails when that ends. */
static void stop_answering(CirrusComponent *self, Instance *in)
{
    in->failed_at = cirrus_now(self);
    fail_queued(self, in);
}

static void kill_instances(CirrusComponent *self, Asg *g, gint64 count)
{
    GPtrArray *alive = g_ptr_array_new();
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state == INST_IN_SERVICE && !in->dead) g_ptr_array_add(alive, in);
    }
    /* A partial Fisher-Yates shuffle picks `count` of them. */
    for (guint k = 0; k < alive->len && (gint64)k < count; k++) {
        guint j = k + (guint)cirrus_rng_below(&g->fault_rng, alive->len - k);
        Instance *in = alive->pdata[j];
        alive->pdata[j] = alive->pdata[k];
        alive->pdata[k] = in;
        unhook(self, g, in);
        in->dead = TRUE;
        hook(g, in);
        stop_answering(self, in);
    }
    if (alive->len) want_status_check(self, g);
    g_ptr_array_free(alive, TRUE);
}

static void zone_fault(CirrusComponent *self, Asg *g, const char *zone, gboolean begin)
{
    guint z = 0;
    while (z < g->n_zones && strcmp(g->zones[z], zone) != 0) z++;
    if (z == g->n_zones) return;   /* not one of ours */
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state != INST_FREE && in->zone == z) unhook(self, g, in);
    }
    if (begin) g->zones_down[z]++;
    else g->zones_down[z]--;
    for (guint i = 0; i < g->slots->len; i++) {
        Instance *in = g->slots->pdata[i];
        if (in->state == INST_FREE || in->zone != z) continue;
        hook(g, in);
        if (begin) stop_answering(self, in);
        if (begin && in->state == INST_IN_SERVICE) want_status_check(self, g);
    }
    /* AWS launches into the zones that work; once this one does again,
     * launches that waited for a zone can go ahead. */
    if (!begin) reconcile(self, g, ACT_NONE);
}

static void on_fault(CirrusComponent *self, Asg *g, const CirrusFault *f, gboolean begin)
{
    switch (f->kind) {
    case CIRRUS_FAULT_SLOWDOWN:
        break;   /* the kernel's factor, read as each service starts */
    case CIRRUS_FAULT_OUTAGE:
        /* The application is down on every instance (the kernel counts the
         * outage): EC2 status checks still pass, load balancer health
         * checks do not. */
        for (guint i = 0; begin && i < g->slots->len; i++) {
            Instance *in = g->slots->pdata[i];
            if (in->state != INST_FREE) stop_answering(self, in);
        }
        break;
    case CIRRUS_FAULT_INSTANCE_FAILURE:
        if (begin) kill_instances(self, g, f->count);
        break;
    case CIRRUS_FAULT_ZONE_OUTAGE:
        zone_fault(self, g, f->zone, begin);
        break;
    case CIRRUS_FAULT_REGION_OUTAGE:
        g_assert_not_reached();
    }
    if (!begin && g->consume) asg_consume_resume(self, g);   /* instances that answer again poll again */
    update_gauges(self, g);
}

/* ---- the model ---------------------------------------------------------- */

static void asg_start(CirrusComponent *self, void *state)
{
    Asg *g = state;
    cirrus_component_substream(self, "instance_failure", &g->fault_rng);
    cirrus_calls_start(g->calls, self);
    /* No activity has ever happened: no cooldown is running. */
    g->activity_done[ACT_OUT] = g->activity_done[ACT_IN] = -365 * CIRRUS_DAY;
    /* The run starts with the group already running at its desired
     * capacity, warmed up. */
    for (gint64 i = 0; i < g->desired; i++) {
        Instance *in = launch(self, g, (guint)launch_zone(g), ACT_NONE);
        to_in_service(self, g, in);
        in->warm_end = 0;
    }
    cirrus_schedule(self, g->period, ASG_PERIOD, NULL, 0);
    update_gauges(self, g);
}

static void asg_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Asg *g = state;
    /* Its own kinds first (requests and completions take no test of the
     * calls' kinds); replies and the calls' timers fall to the default. */
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, g, ev->request); break;
    case ASG_DONE: on_done(self, g, ev->request); break;
    case ASG_BOOT: on_boot(self, g, (guint32)ev->data); break;
    case ASG_PERIOD:
        if (!asg_policies_query(self, g)) asg_period_end(self, g);   /* else when the queues answer */
        cirrus_schedule(self, g->period, ASG_PERIOD, NULL, 0);
        break;
    case CIRRUS_QUEUE_ATTRIBUTE: asg_policies_answer(self, g, ev); break;
    case CIRRUS_QUEUE_MESSAGES: case ASG_MESSAGE_DONE: case ASG_POLL_AGAIN: asg_consume_handle(self, g, ev); break;
    case ASG_STATUS_CHECK: on_status_check(self, g); break;
    case ASG_GRACE_END: on_grace_end(self, g, (guint32)ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, g, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, g, cirrus_event_fault(self, ev), FALSE); break;
    case CIRRUS_TARGETS_ATTACH: on_attach(self, g, ev->source); break;
    case CIRRUS_TARGETS_DRAINED: on_drained(self, g, cirrus_target_of(ev)); break;
    case CIRRUS_TARGETS_HEALTH_PROBE: on_probe(self, g, ev); break;
    case CIRRUS_TARGETS_UNHEALTHY: on_unhealthy(self, g, cirrus_target_of(ev)); break;
    default:
        if (!g->calls || !cirrus_calls_handle_event(g->calls, self, ev)) g_assert_not_reached();
    }
}

static void asg_destroy(CirrusComponent *self, void *state)
{
    Asg *g = state;
    (void)self;
    if (g->slots) g_ptr_array_free(g->slots, TRUE);
    if (g->free_slots) g_array_free(g->free_slots, TRUE);
    if (g->by_id) g_hash_table_destroy(g->by_id);
    if (g->lbs) g_ptr_array_free(g->lbs, TRUE);
    cirrus_calls_free(g->calls);
    g_strfreev(g->zones);
    g_free(g->zones_down);
    cirrus_dist_clear(&g->service_time);
    asg_policies_clear(g);
    asg_consume_free(g);
}

/* EC2 bills Linux instances per second from launch until terminated
 * (https://aws.amazon.com/ec2/pricing/on-demand/): every instance that
 * exists, Pending (booting), InService or Terminating, is billed, and an
 * instance terminated within a minute of its launch for 60 s.  Instances
 * still running when the run ends are billed for their time so far. */
static double asg_cost(CirrusComponent *self, void *state)
{
    const Asg *g = state;
    double instance_s = cirrus_metric_run_total(self, M_PENDING) + cirrus_metric_run_total(self, M_IN_SERVICE) +
                        cirrus_metric_run_total(self, M_TERMINATING) + g->minimum_billed_s;
    return instance_s / 3600.0 * g->usd_per_hour;
}

static const struct CirrusProtocols asg_protocols = {
    .noun = "an Auto Scaling group (asg)",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_TARGET_GROUP | CIRRUS_SPEAKS_COMPUTE,
};

const CirrusModelType cirrus_asg_type = {
    .name = "asg",
    .state_size = sizeof(Asg),
    .configure = asg_configure,
    .link = asg_link,
    .start = asg_start,
    .handle = asg_handle,
    .destroy = asg_destroy,
    .metrics = asg_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN) |
              CIRRUS_FAULT_BIT(CIRRUS_FAULT_INSTANCE_FAILURE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_ZONE_OUTAGE),
    .cost = asg_cost,
    .protocols = &asg_protocols,
};
