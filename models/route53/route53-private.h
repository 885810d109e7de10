/* cirrus — Route 53 internals shared by route53.c (records, resolution,
 * client caches, forwarding) and route53_health.c (health checkers). */
#ifndef CIRRUS_MODEL_ROUTE53_PRIVATE_H
#define CIRRUS_MODEL_ROUTE53_PRIVATE_H

#include "models/route53/route53.h"
#include "models/aws/alarm.h"
#include "models/aws/datapoint.h"
#include "models/aws/regions.h"
#include "models/protocol/protocol.h"
#include "sim/loader/config.h"

enum { R53_CHECK = CIRRUS_EVENT_MODEL, R53_CHECK_TIMEOUT, R53_CHANGE, R53_ALARM_PERIOD };

#define R53_MAX_RECORDS 255

typedef enum {
    POLICY_SIMPLE, POLICY_WEIGHTED, POLICY_FAILOVER, POLICY_MULTIVALUE,
    POLICY_LATENCY, POLICY_GEOLOCATION, POLICY_GEOPROXIMITY, POLICY_IP,
} R53Policy;
/* A geolocation record's location, from the most specific. */
typedef enum { GEO_COUNTRY, GEO_CONTINENT, GEO_DEFAULT } R53GeoLevel;
typedef enum { FAILOVER_NONE, FAILOVER_PRIMARY, FAILOVER_SECONDARY } R53Failover;

/* One health checker's view of one endpoint. */
typedef struct {
    gboolean healthy;
    gint64   streak;    /* consecutive results that disagree with `healthy` */
} R53Checker;

/* What an alarm health check's status is while its alarm has
 * insufficient data (AWS's InsufficientDataHealthStatus). */
typedef enum { INSUFFICIENT_LAST_KNOWN, INSUFFICIENT_HEALTHY, INSUFFICIENT_UNHEALTHY } R53Insufficient;

/* An alarm health check's CloudWatch alarm on another component's metric
 * (route53_alarm.c). */
typedef struct {
    char            *component_name, *metric_name;
    const CirrusNode *component_at, *metric_at, *statistic_at;
    int              statistic;    /* CirrusStatistic, or -1: the kind's default */
    CirrusTime       period;
    CirrusDatapoints points;       /* the metric's datapoints (models/aws/datapoint.h) */
    CirrusAlarm      rule;
    R53Insufficient  insufficient;
    gboolean         last_known;   /* healthy when the alarm last had data */
} R53Watch;

/* A health check (route53_health.c): an endpoint check probing a target,
 * a calculated one over child checks, or one following a CloudWatch alarm
 * (watch set); any may be inverted.  A
 * record's `health_check: true` makes an endpoint check of its own named
 * by the record's id; `health_checks:` names the others. */
typedef struct {
    char            *name;         /* metric suffix */
    gboolean         calculated, inverted;
    gboolean         healthy;      /* its status, after inversion */
    /* endpoint */
    char            *target_name;
    const CirrusNode *target_at;
    CirrusComponent *target;
    R53Checker      *checkers;
    guint            n_healthy;    /* checkers that see it healthy */
    /* alarm */
    R53Watch        *watch;
    gboolean         alarm_healthy;  /* its status before inversion */
    /* calculated */
    GArray          *children;     /* guint: check indices */
    gint64           threshold;    /* AWS HealthThreshold */
    guint            n_children_healthy;
    guint            m_status, m_detail;   /* detail: percentage healthy, or child count */
} R53Check;

typedef struct {
    char            *id;           /* set identifier: metric suffix; default the target's name */
    char            *target_name;
    const CirrusNode *target_at;
    CirrusComponent *target;
    gint64           weight;
    R53Failover      failover;
    const char      *region_name;  /* `region:`, else the target's (NULL: none) */
    const CirrusNode *region_at;
    const CirrusRegion *region;    /* located, or NULL */
    gint64           bias;         /* geoproximity, -99..99 */
    R53GeoLevel      geo_level;    /* geolocation */
    const char      *geo_code;     /* interned continent or country code */
    int              check;        /* its health check, or -1 */
    guint            m_weight;     /* Weight.<id>, when the set has `changes` */
    GArray          *cidrs;        /* ip: CirrusCidr, or NULL */
    gboolean         ip_default;   /* ip: `cidr_blocks: default` */
    gboolean         alias;        /* an alias to an alb/nlb: answers with a 60 s TTL */
    gboolean         evaluate;     /* EvaluateTargetHealth: healthy while lb_healthy > 0 */
    gint64           lb_healthy;   /* the load balancer's last told healthy-target count */
    gboolean         healthy;      /* its check's status (TRUE when it has none) */
    guint            m_answers;
} R53Record;

typedef struct {
    R53Policy   policy;
    CirrusTime  ttl;
    GArray     *records;           /* R53Record */
    GArray     *checks;            /* R53Check */
    GArray     *check_order;       /* guint: every check after its children */
    CirrusTime  interval, check_timeout;
    gint64      threshold, n_checkers;
    CirrusRng   pick_rng;          /* which record an answer holds */
    GHashTable *caches;            /* origin component -> its callers' answers (R53Callers, route53.c) */
    const CirrusComponent *last_origin;   /* the origin of the last request, and its callers' answers */
    struct R53Callers *last_callers;
    GArray     *rtts;              /* CirrusTime: the distinct round trips cache entries name */
    GHashTable *pending;           /* health checks' probes awaiting an answer: request id -> R53Pending */
    guint       n_named;           /* checks from `health_checks:` (the first ones) */
    gboolean    all_healthy;       /* every checked record is healthy */
    CirrusRegions *regions;        /* the scenario's (a reference) */
    gboolean    network_latency;   /* delay requests by the caller-record RTT */
    GArray     *changes;           /* R53Change, in the order given */
    /* prices (link): per query of this policy, per hosted zone-month, per
     * health check-month */
    double      usd_query, usd_zone_month, usd_check_month;
} R53;

enum { R53_M_QUERIES, R53_M_STATUS, R53_M_REQUESTS };

/* route53_health.c */
gboolean r53_read_health(CirrusComponent *self, R53 *r, CirrusNode *cfg, GError **error);
/* A record's `health_check`: false, true (a check of its own) or a name. */
gboolean r53_read_record_check(CirrusComponent *self, R53 *r, R53Record *rec, CirrusNode *item, GError **error);
gboolean r53_link_health(CirrusComponent *self, R53 *r, CirrusScenario *sc, GError **error);
void     r53_health_destroy(R53 *r);
/* Recompute every check's status and the records' from the endpoint
 * checkers' views; gauges for what changed (everything when `force`). */
void     r53_health_refresh(CirrusComponent *self, R53 *r, gboolean force);
void     r53_health_start(CirrusComponent *self, R53 *r);
void     r53_on_check(CirrusComponent *self, R53 *r, guint64 data);
void     r53_on_check_timeout(CirrusComponent *self, R53 *r, guint64 id);
/* The answer to the probe `id`: ignored after its timeout. */
void     r53_on_check_reply(CirrusComponent *self, R53 *r, guint64 id, CirrusOutcome outcome);

/* route53_alarm.c: health checks that follow a CloudWatch alarm */
gboolean r53_read_alarm(R53Check *c, CirrusNode *item, GError **error);
gboolean r53_link_alarm(CirrusComponent *self, R53Check *c, CirrusScenario *sc, GError **error);
void     r53_alarm_start(CirrusComponent *self, R53 *r);
void     r53_on_alarm_period(CirrusComponent *self, R53 *r, guint check);
void     r53_alarm_free(R53Watch *w);

/* route53_alias.c: alias records to a load balancer (alb, nlb) */
gboolean r53_read_alias(R53 *r, R53Record *rec, CirrusNode *item, GError **error);
/* A set's `ttl` is refused when every record is an alias (it would apply to none). */
gboolean r53_check_alias(const R53 *r, CirrusNode *cfg, GError **error);
gboolean r53_link_alias(const R53Record *rec, GError **error);
void     r53_alias_start(CirrusComponent *self, R53 *r);
void     r53_on_lb_healthy(CirrusComponent *self, R53 *r, const CirrusComponent *lb, gint64 count);
/* The TTL an answer with this record is cached for. */
CirrusTime r53_record_ttl(const R53 *r, const R53Record *rec);

/* route53_ip.c: IP-based routing */
gboolean r53_read_ip(R53 *r, R53Record *rec, CirrusNode *item, GError **error);
gboolean r53_check_ip(const R53 *r, CirrusNode *list, GError **error);
guint    r53_resolve_ip(const R53 *r, const CirrusRequest *req);

/* route53_changes.c: weight changes at set times (a blue/green shift) */
typedef struct {
    CirrusTime at;
    guint      record;
    gint64     weight;
} R53Change;

gboolean r53_read_changes(CirrusComponent *self, R53 *r, CirrusNode *cfg, GError **error);
void     r53_changes_start(CirrusComponent *self, R53 *r);
void     r53_on_change(CirrusComponent *self, R53 *r, guint64 index);

/* route53_geo.c: latency, geolocation, geoproximity */
gboolean r53_read_geo(R53 *r, R53Record *rec, CirrusNode *item, GError **error);
gboolean r53_check_geo(const R53 *r, CirrusNode *list, GError **error);
gboolean r53_link_geo(R53 *r, R53Record *rec, CirrusScenario *sc, GError **error);
const CirrusRegion *r53_caller_region(const R53 *r, const CirrusRequest *req);
guint    r53_resolve_geo(R53 *r, const CirrusRegion *caller);

/* An endpoint check: probed by checkers (not calculated, no alarm). */
static inline gboolean r53_is_endpoint(const R53Check *c)
{
    return !c->calculated && !c->watch;
}

static inline R53Check *r53_check(const R53 *r, guint i)
{
    return &g_array_index(r->checks, R53Check, i);
}

static inline R53Record *r53_record(const R53 *r, guint i)
{
    return &g_array_index(r->records, R53Record, i);
}

#endif
