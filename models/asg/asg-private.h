/* cirrus — the `asg` model's insides, shared by asg.c (instances, requests,
 * the load balancer protocol, health, faults) and asg_policy.c (scaling
 * policies and the CloudWatch period aggregates they read).  Not for other
 * models: they talk to an asg only through the kernel. */
#ifndef CIRRUS_MODEL_ASG_PRIVATE_H
#define CIRRUS_MODEL_ASG_PRIVATE_H

#include "models/aws/alarm.h"
#include "models/asg/asg.h"
#include "models/protocol/calls.h"
#include "models/protocol/request.h"
#include "sim/loader/config.h"
#include "sim/kernel/station.h"

enum {
    ASG_DONE = CIRRUS_EVENT_MODEL, ASG_BOOT, ASG_PERIOD, ASG_STATUS_CHECK, ASG_GRACE_END,
    ASG_MESSAGE_DONE, ASG_POLL_AGAIN,   /* asg_consume.c */
};

/* One worker of a consuming instance (asg_consume.c). */
typedef struct AsgPoller AsgPoller;
/* A consuming group's settings and counters (asg_consume.c). */
typedef struct AsgConsume AsgConsume;

/* The most instances a group may have (min, max, desired, a change). */
#define ASG_MAX_INSTANCES 100000

enum {
    M_DESIRED, M_IN_SERVICE, M_PENDING, M_TERMINATING, M_CPU, M_ACTIVITIES, M_REQUESTS,
    M_REJECTED, M_FAILED, M_LATENCY, M_REPLACEMENTS, M_PERIOD_CPU, M_RCPT,
};

/* An instance's lifecycle as Auto Scaling reports it.  A slot whose
 * instance is gone is FREE and waits for the next launch. */
typedef enum { INST_FREE, INST_PENDING, INST_IN_SERVICE, INST_TERMINATING } InstanceState;

/* A policy's scaling activity that an instance belongs to until it is
 * complete: launched ones when they are InService, terminated ones when
 * they are gone (AWS starts a cooldown only then). */
typedef enum { ACT_NONE, ACT_OUT, ACT_IN } Activity;

typedef struct {
    guint32    id;            /* given once, never reused; 0 for a free slot */
    guint      slot;          /* its index in Asg.slots */
    guint8     zone;          /* index into the group's zones */
    guint8     state;         /* InstanceState */
    guint8     activity;      /* Activity */
    gboolean   dead;          /* instance_failure: stopped for good */
    gboolean   unhealthy;     /* marked by a health check; being replaced */
    gboolean   elb_reported;  /* an LB reported it unhealthy during its grace period */
    gboolean   deregistered;  /* sent TARGETS_DEREGISTER to at least one LB */
    CirrusTime launched, in_service_at;
    CirrusTime warm_end;      /* its metrics count for the policies from here on */
    CirrusTime failed_at;     /* it last stopped answering then (-1: never) */
    /* workers (busy: computing, waiting on a sync call, or a consumer's
     * worker on a message) and the requests waiting for one */
    CirrusStation station;
    gint64     computing;     /* workers inside service_time: the CPU */
    gint64     outstanding;   /* requests it holds: queued or occupying a worker */
    guint      draining;      /* LBs yet to send TARGETS_DRAINED */
    AsgPoller *pollers;       /* consuming groups: one per worker (kept across slot reuse) */
    /* CloudWatch sums for the current period, kept up to date by
     * asg_account(): busy worker-seconds and reporting seconds, over the
     * whole period and over the part past warm_end ("settled"). */
    CirrusTime acc_at;
    double     cpu_ws, up_s, cpu_ws_settled, up_s_settled;
} Instance;

typedef enum { POLICY_NONE, POLICY_SIMPLE, POLICY_STEP, POLICY_TARGET } PolicyType;
typedef enum { METRIC_CPU, METRIC_RCPT, METRIC_QUEUE } PolicyMetric;

typedef struct {
    double   lower, upper;    /* relative to the threshold; +-INFINITY when open */
    gint64   change;
    const CirrusNode *at;     /* for configure() messages */
} Step;

typedef struct {
    PolicyType   type;
    PolicyMetric metric;
    /* simple and step: the CloudWatch alarm */
    CirrusAlarm  alarm;
    gint64       change;      /* simple */
    CirrusTime   cooldown;    /* simple; target tracking: scale-in only */
    Step        *steps;       /* step, sorted by lower bound */
    guint        n_steps;
    /* target tracking */
    double       target;
    gboolean     disable_scale_in;
    /* METRIC_QUEUE: a queue's ApproximateNumberOfMessagesVisible, in
     * total or per InService instance (AWS's "backlog per instance") */
    char        *source_name;
    const CirrusNode *source_at;
    CirrusComponent *source;
    gboolean     per_instance;
    double       queue_visible;   /* the queue's answer for this period */
    /* target tracking's state: consecutive datapoints above the target
     * (high) and below 90% of it (low) */
    gint64       high, low;
} Policy;

typedef struct {
    /* configuration */
    gint64     min, max, desired;
    char     **zones;         /* NULL-terminated */
    guint      n_zones;
    gint64     workers, queue_limit;
    CirrusDist service_time;
    CirrusTime boot_time;
    CirrusCalls *calls;       /* instance.calls; NULL: none */
    gboolean   elb_health;    /* health_check_type: elb */
    CirrusTime grace;
    CirrusTime period;        /* metrics_period */
    Policy    *policies;
    guint      n_policies;
    guint      queries_pending;   /* queue metrics asked for, not yet answered this period */
    AsgConsume *consume;          /* NULL: the instances serve requests */
    CirrusTime warmup;        /* the instance warmup of the step / target tracking policies */

    /* instances: slots are reused, ids never are */
    GPtrArray  *slots;        /* Instance *, owned */
    GArray     *free_slots;   /* guint */
    GHashTable *by_id;        /* id -> Instance * */
    /* In front of by_id (asg_find is on the path of every message and
     * reply): entry id % ASG_ID_CACHE is the instance last found or created
     * with such an id.  Instances are never freed during a run, only
     * reused with a new id, so an entry is valid when its id matches. */
#define ASG_ID_CACHE 256
    Instance   *id_cache[ASG_ID_CACHE];
    guint32     next_id;
    gint64      n_pending, n_in_service, n_terminating;
    GPtrArray  *lbs;          /* attached load balancers (CirrusComponent *) */

    /* what is wrong */
    guint      *zones_down;   /* zone outages in force, per zone */
    const CirrusFaultState *faults;   /* the kernel's: group outages, slowdowns */
    gboolean    status_check_due;
    CirrusRng   fault_rng;    /* which instances an instance_failure kills */

    /* scaling activities: instances still to complete, and when the last
     * one in each direction completed, with the cooldown that follows it */
    gint64      pending_activity[3];    /* by Activity (ACT_OUT, ACT_IN) */
    CirrusTime  activity_done[3];
    CirrusTime  activity_cooldown[3];

    /* CloudWatch: the CPU gauge's totals over reporting instances; the
     * requests received in the current period; and the period's sums of
     * instances gone since it began */
    gint64      rep_count, rep_computing;
    gint64      period_requests;
    double      gone_cpu_ws, gone_up_s, gone_cpu_ws_settled, gone_up_s_settled;
    /* instance.type (configure, into the scenario tree) and its on-demand
     * price per instance-hour (link) */
    const char *instance_type;
    const CirrusNode *instance_type_at;
    double      usd_per_hour;
    double      minimum_billed_s;   /* EC2's 60-s minimum: seconds billed beyond
                                     * the lives of instances gone sooner */
} Asg;

/* asg.c */
Instance  *asg_find(Asg *g, guint32 id);
/* Running and answering: serves requests and health probes. */
gboolean   asg_answers(const Asg *g, const Instance *in);
/* A terminating instance goes once nothing holds it. */
void       asg_maybe_gone(CirrusComponent *self, Asg *g, Instance *in);
/* `delta` more (or fewer) of the instance's workers compute: the CPU. */
void       asg_computing(CirrusComponent *self, Asg *g, Instance *in, gint64 delta);
/* Whether an instance sends metrics: InService and alive. */
gboolean   asg_reporting(const Asg *g, const Instance *in);
/* Bring an instance's CloudWatch sums up to now. */
void       asg_account(const Asg *g, Instance *in, CirrusTime now);
/* Launching but not yet past its warmup: not counted as current capacity
 * by step and target tracking policies (AWS instance warmup). */
gboolean   asg_warming(const Asg *g, const Instance *in, CirrusTime now);
/* Set the desired capacity as `policy` decided, and launch or terminate to
 * match: one scaling activity. */
void       asg_scale(CirrusComponent *self, Asg *g, gint64 desired, const Policy *policy);

/* asg_policy.c */
gboolean   asg_policies_configure(Asg *g, CirrusNode *cfg, GError **error);
gboolean   asg_policies_link(CirrusComponent *self, Asg *g, CirrusScenario *sc, GError **error);
/* At the end of a period: ask the queues that policies read; FALSE if
 * none (evaluate now), else asg_period_end() runs when they answer. */
gboolean   asg_policies_query(CirrusComponent *self, Asg *g);
void       asg_policies_answer(CirrusComponent *self, Asg *g, const CirrusEvent *ev);
void       asg_policies_clear(Asg *g);
/* The end of a CloudWatch period: compute the aggregates, evaluate the
 * alarms, scale. */
void       asg_period_end(CirrusComponent *self, Asg *g);

/* asg_consume.c: instances whose workers poll an sqs queue (`consumes`) */
gboolean   asg_consume_configure(CirrusComponent *self, Asg *g, CirrusNode *cfg, GError **error);
gboolean   asg_consume_link(CirrusComponent *self, Asg *g, CirrusScenario *sc, GError **error);
/* An instance is InService: its workers start polling. */
void       asg_consume_start(CirrusComponent *self, Asg *g, Instance *in);
/* An instance is terminating: it polls no more, finishes what it holds. */
void       asg_consume_stop(CirrusComponent *self, Asg *g, Instance *in);
/* After a fault ends: workers of instances that answer again poll again. */
void       asg_consume_resume(CirrusComponent *self, Asg *g);
void       asg_consume_handle(CirrusComponent *self, Asg *g, const CirrusEvent *ev);
/* The calls a worker made after processing message `msg` are over: the
 * message is deleted (OK) or left to come back (a call failed). */
void       asg_consume_calls_done(CirrusComponent *self, Asg *g, CirrusRequest *msg, CirrusOutcome outcome);
void       asg_consume_free(Asg *g);

#endif
