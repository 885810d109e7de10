/* cirrus — the `rds` model (see rds.h, docs/models/rds.md).
 *
 * A cluster of 1 + read_replicas DB instances, instance 0 the primary
 * (the writer).  Each instance is a station (sim/kernel/station.h) of
 * `workers` serving queries of `query_time`, FIFO.  A request is a query
 * naming `operation: read | write` (models/protocol/invoke.h) or, naming
 * none, a read with probability `reads`.  Writes go to the primary; reads
 * to a replica drawn at random (the reader endpoint), or to the primary
 * when there are none.
 *
 * Connections.  Without a proxy, a query holds one connection of its
 * instance from its arrival to its answer, queue included; a query that
 * finds `max_connections` held is refused at once (REJECTED, MySQL's
 * "Too many connections", counted in TooManyConnections).  With `proxy`,
 * the proxy takes every query and borrows one of at most
 * max_connections x max_connections_percent / 100 connections of the
 * instance for it (RDS Proxy's MaxConnectionsPercent); a query finding
 * none free waits in the proxy's FIFO, and fails after `borrow_timeout`
 * (ConnectionBorrowTimeout).  During a failover the proxy holds queries
 * for the writer in the same queue, up to the same timeout, and sends
 * them to the new writer (RDS Proxy: "queues or holds" connections during
 * failover).
 *
 * Replication.  A write committed on the primary (its query ends) is of
 * a key drawn from `keys` and is applied on each replica after its own
 * `replica_lag` draw.  A read served by a
 * replica that has a write of its key committed but not yet applied when
 * the read begins is a stale read (StaleReads).
 *
 * Faults.  `instance_failure`: the primary fails: its queries in progress
 * and queued fail; the writer is unavailable for a draw from the engine's
 * range (rds_recovery_range: Multi-AZ 60-120 s, Aurora with a replica
 * 15-30 s, otherwise a replacement of 5-12 minutes), during which writes
 * (and reads, with no replica) fail at once, or wait in the proxy.
 * `outage`: the whole cluster is unavailable, queries and the proxy's
 * queue fail.  `slowdown`: query times x factor. */
#include "models/rds/rds-private.h"
#include "models/aws/globals.h"
#include "models/aws/keys.h"
#include "models/aws/prices.h"
#include "models/protocol/client.h"
#include "models/protocol/invoke.h"
#include "sim/kernel/station.h"
#include "sim/loader/config.h"
#include "sim/loader/scenario.h"
#include "sim/loader/suggest.h"
#include <string.h>

enum { RDS_DONE = CIRRUS_EVENT_MODEL, RDS_APPLY, RDS_RECOVERED, RDS_BORROW_TIMEOUT, RDS_TRANSIT, RDS_IDLE };
enum { OP_READ, OP_WRITE };

#define RDS_MAX_REPLICAS 15
#define RDS_MAX_INSTANCES (RDS_MAX_REPLICAS + 1)
/* Keys of the staleness bookkeeping: 24 bits of the holder word. */
#define RDS_MAX_KEYS 10000000
G_STATIC_ASSERT(RDS_MAX_KEYS < (1 << 24));

enum {
    M_REQUESTS, M_CONNECTIONS, M_CPU, M_READ_LATENCY, M_WRITE_LATENCY, M_REPLICA_LAG, M_READ_IOPS, M_WRITE_IOPS,
    M_FAILOVERS, M_STALE_READS, M_TOO_MANY, M_FAILED,
};

static const CirrusMetricDef rds_metrics[] = {
    [M_REQUESTS]      = {"Requests", CIRRUS_METRIC_COUNT, "Count"},
    [M_CONNECTIONS]   = {"DatabaseConnections", CIRRUS_METRIC_GAUGE, "Count"},
    [M_CPU]           = {"CPUUtilization", CIRRUS_METRIC_GAUGE, "Percent"},
    [M_READ_LATENCY]  = {"ReadLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_WRITE_LATENCY] = {"WriteLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_REPLICA_LAG]   = {"ReplicaLag", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_READ_IOPS]     = {"ReadIOPS", CIRRUS_METRIC_COUNT, "Count"},
    [M_WRITE_IOPS]    = {"WriteIOPS", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILOVERS]     = {"FailoverCount", CIRRUS_METRIC_COUNT, "Count"},
    [M_STALE_READS]   = {"StaleReads", CIRRUS_METRIC_COUNT, "Count"},
    [M_TOO_MANY]      = {"TooManyConnections", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILED]        = {"Failed", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* One DB instance. */
typedef struct {
    CirrusStation station;     /* workers, FIFO queue (no limit: connections bound it) */
    gint64     conns;          /* connections held (with a proxy: borrowed) */
    guint32    epoch;          /* +1 when it fails: queries begun before fail */
    gboolean   down;           /* the primary, failing over or being replaced */
    CirrusFifo proxy_wait;     /* with a proxy: queries waiting to borrow a connection */
    GHashTable *pending;       /* replicas: 1 + key -> writes committed, not yet applied */
    const CirrusRegion *region;   /* a cross-region replica's region; NULL: the cluster's */
    /* its metrics: `<Metric>.instance<N>` */
    guint m_conns, m_cpu, m_read_latency, m_read_iops, m_write_iops, m_write_latency_or_lag;
} RdsInstance;

typedef struct {
    /* configuration */
    RdsEngine  engine;
    const RdsClass *cls;
    const CirrusNode *cls_at;
    gint64     max_connections, workers, replicas;
    double     reads;              /* share of reads among requests naming no operation */
    CirrusDist query_time, replica_lag;   /* seconds */
    gboolean   multi_az;
    CirrusKeys keys;
    gboolean   proxy;
    gint64     proxy_percent;
    CirrusTime borrow_timeout;
    gint64     pool;               /* connections a query may hold per instance */
    guint      m_borrow_latency, m_client_connections, m_borrow_timeouts;
    /* cross-region read replicas: instances 1 + replicas .. n - 1, by region */
    struct {
        const char *name;
        const CirrusNode *at;
        guint first, count;
    } cross[RDS_MAX_REPLICAS];
    guint      n_cross;
    guint      m_cross_reads;      /* CrossRegionReads, with cross-region replicas */
    gboolean   network_latency;    /* a caller in another region pays the round trip */
    const CirrusRegions *regions;  /* link: the scenario's regions */
    const CirrusRegion *home;      /* link: the cluster's `region:`; NULL: none */
    /* connections kept by callers' sessions (no proxy): a connection per
     * session and instance, closed by the server after wait_timeout idle */
    CirrusTime wait_timeout;       /* 0: never */
    GHashTable *sessions;          /* RdsSession key -> RdsSession */
    /* prices (link) */
    double     usd_instance_hour, usd_io, usd_proxy_vcpu_hour;
    /* run time */
    guint      n;                  /* instances: 1 + replicas */
    RdsInstance inst[RDS_MAX_INSTANCES];
    gint64     in_proxy;           /* with a proxy: queries it holds (ClientConnections) */
    CirrusRng  op_rng, key_rng, route_rng, query_rng, lag_rng, fault_rng;
    const CirrusFaultState *faults;
} Rds;

/* A caller's session's connection to one instance. */
typedef struct {
    guint inst;
    guint queries;          /* its queries in the database now */
    CirrusTime last;        /* when it was last used (a query ended or began) */
    gboolean timer;         /* an RDS_IDLE check is scheduled */
} RdsSession;

/* ---- the holder word: what a query carries while the database holds it ---- */

/* bits 0-4 its instance, 5 a write, 6 stale (a read that began stale),
 * 8-31 its key, 32-63 the instance's epoch when it took its connection. */
#define H_INST(h) ((guint)((h) & 0x1F))
#define H_WRITE 0x20u
#define H_STALE 0x40u
#define H_SESSION 0x80u   /* it came on its caller's session's connection, which outlives it */
#define H_KEY(h) ((guint)(((h) >> 8) & 0xFFFFFFu))
#define H_EPOCH(h) ((guint32)((h) >> 32))
/* The holder word of a query on instance `inst`. */
static inline guint64 h_make(guint inst, gboolean write, guint key, guint32 epoch)
{
    return (guint64)inst | (write ? H_WRITE : 0) | ((guint64)key << 8) | ((guint64)epoch << 32);
}

/* ---- configuration ---------------------------------------------------------- */

/* `instance_class` (after `engine`): one of the table's, offered for the
 * engine; FALSE with a located error (a suggestion for a misspelt one). */
static gboolean read_class(Rds *d, CirrusNode *cfg, GError **error)
{
    const char *name;
    if (!cirrus_cfg_string(cfg, "instance_class", "db.r6g.large", &name, error)) return FALSE;
    d->cls_at = cirrus_node_peek(cfg, "instance_class");
    d->cls = rds_class_find(name);
    if (!d->cls) {
        GString *msg = g_string_new(NULL);
        g_string_printf(msg, "unknown instance_class '%s'", name);
        cirrus_suggest_append(msg, name, rds_class_names, g_strv_length((char **)rds_class_names));
        g_string_append(msg, "; cirrus knows db.t3 and db.t4g micro to large, db.m5, db.m6g, db.m7g, db.r5, db.r6g "
                             "and db.r7g large to 4xlarge");
        cirrus_node_error(d->cls_at ? d->cls_at : cfg, error, "%s", msg->str);
        g_string_free(msg, TRUE);
        return FALSE;
    }
    if (!rds_class_offered(d->cls, d->engine)) {
        cirrus_node_error(d->cls_at ? d->cls_at : cfg, error, "%s is not an Aurora DB instance class (Aurora runs on "
                          "db.t3 and db.t4g medium and large, and the db.r5, db.r6g and db.r7g classes)", name);
        return FALSE;
    }
    return TRUE;
}

/* `proxy`, a map (absent: no proxy). */
static gboolean read_proxy(Rds *d, CirrusNode *cfg, GError **error)
{
    CirrusNode *p;
    if (!cirrus_cfg_map(cfg, "proxy", &p, error)) return FALSE;
    if (!p) return TRUE;
    d->proxy = TRUE;
    /* AWS: MaxConnectionsPercent 1-100, default 100; ConnectionBorrowTimeout
     * default 120 s, at most 3,600 s (the proxy's target group
     * ConnectionPoolConfiguration). */
    return cirrus_cfg_int(p, "max_connections_percent", 100, 1, 100, &d->proxy_percent, error) &&
           cirrus_cfg_duration(p, "borrow_timeout", 120 * CIRRUS_SEC, 0, 3600 * CIRRUS_SEC, &d->borrow_timeout, error);
}

/* `cross_region_replicas: [{region: eu-west-1, count: 2}, ...]` (after
 * `read_replicas`): read replicas in other regions (RDS's cross-Region
 * read replicas; Aurora's are a Global Database's secondary clusters),
 * counted with the in-region ones against AWS's 15. */
static gboolean read_cross_region(Rds *d, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    guint first = 1 + (guint)d->replicas;
    if (!cirrus_cfg_list(cfg, "cross_region_replicas", &list, error) ||
        !cirrus_cfg_bool(cfg, "network_latency", FALSE, &d->network_latency, error))
        return FALSE;
    for (guint g = 0; list && g < cirrus_node_len(list); g++) {
        CirrusNode *item = cirrus_node_item(list, g);
        const char *name;
        gint64 count;
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
            cirrus_node_error(item, error, "each entry is a map such as {region: eu-west-1, count: 1}");
            return FALSE;
        }
        if (!cirrus_cfg_require(item, "region", "the replicas' region", error) ||
            !cirrus_cfg_string(item, "region", NULL, &name, error) ||
            !cirrus_cfg_int(item, "count", 1, 1, RDS_MAX_REPLICAS, &count, error))
            return FALSE;
        if (first + (guint)count > RDS_MAX_INSTANCES) {
            cirrus_node_error(cirrus_node_peek(item, "count"), error, "at most %d read replicas in all, in the "
                              "cluster's region and others (AWS's limit)", RDS_MAX_REPLICAS);
            return FALSE;
        }
        for (guint h = 0; h < d->n_cross; h++)
            if (strcmp(d->cross[h].name, name) == 0) {
                cirrus_node_error(cirrus_node_peek(item, "region"), error, "region '%s' is listed twice", name);
                return FALSE;
            }
        d->cross[d->n_cross].name = g_intern_string(name);
        d->cross[d->n_cross].at = cirrus_node_peek(item, "region");
        d->cross[d->n_cross].first = first;
        d->cross[d->n_cross++].count = (guint)count;
        first += (guint)count;
    }
    d->n = first;
    return TRUE;
}

/* CrossRegionReads: reads served by a replica in their caller's region. */
static void add_cross_region_metric(CirrusComponent *self, Rds *d)
{
    if (d->n_cross) d->m_cross_reads = cirrus_metric_add(self, "CrossRegionReads", CIRRUS_METRIC_COUNT, "Count");
}

/* Add the per-instance metrics (`<Metric>.instance<N>`), and the proxy's
 * when there is one; their indices kept in the state. */
static void add_metrics(CirrusComponent *self, Rds *d)
{
    for (guint i = 0; i < d->n; i++) {
        RdsInstance *in = &d->inst[i];
        char *name;
#define ADD(field, metric, kind, unit)                                   \
        name = g_strdup_printf("%s.instance%u", metric, i);              \
        in->field = cirrus_metric_add(self, name, kind, unit);           \
        g_free(name);
        ADD(m_conns, "DatabaseConnections", CIRRUS_METRIC_GAUGE, "Count");
        ADD(m_cpu, "CPUUtilization", CIRRUS_METRIC_GAUGE, "Percent");
        ADD(m_read_latency, "ReadLatency", CIRRUS_METRIC_LATENCY, "Seconds");
        ADD(m_read_iops, "ReadIOPS", CIRRUS_METRIC_COUNT, "Count");
        ADD(m_write_iops, "WriteIOPS", CIRRUS_METRIC_COUNT, "Count");
        if (i == 0) {
            ADD(m_write_latency_or_lag, "WriteLatency", CIRRUS_METRIC_LATENCY, "Seconds");
        } else {
            ADD(m_write_latency_or_lag, "ReplicaLag", CIRRUS_METRIC_LATENCY, "Seconds");
        }
#undef ADD
    }
    if (d->proxy) {
        /* RDS Proxy's CloudWatch names. */
        d->m_borrow_latency = cirrus_metric_add(self, "DatabaseConnectionsBorrowLatency", CIRRUS_METRIC_LATENCY,
                                                "Seconds");
        d->m_client_connections = cirrus_metric_add(self, "ClientConnections", CIRRUS_METRIC_GAUGE, "Count");
        d->m_borrow_timeouts = cirrus_metric_add(self, "BorrowTimeouts", CIRRUS_METRIC_COUNT, "Count");
    }
}

/* Read every key (docs/models/rds.md), lay out the instances and their
 * metrics; FALSE with a located error. */
static gboolean rds_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Rds *d = state;
    int engine;
    d->faults = cirrus_component_faults(self);
    if (!cirrus_cfg_enum(cfg, "engine", rds_engine_names, RDS_MYSQL, &engine, error)) return FALSE;
    d->engine = (RdsEngine)engine;
    if (!read_class(d, cfg, error)) return FALSE;
    /* Defaults (ours, docs/models/rds.md): a query of lognormal time, mean
     * 4 ms, cv 1; a replica lag exponential of mean 20 ms (Aurora: "usually
     * much less than 100 milliseconds"). */
    CirrusDist def_query, def_lag;
    if (!cirrus_dist_set(&def_query, CIRRUS_DIST_LOGNORMAL, 0.004, 1.0, error)) return FALSE;
    if (!cirrus_dist_set(&def_lag, CIRRUS_DIST_EXPONENTIAL, 0.020, 0, error)) {
        cirrus_dist_clear(&def_query);
        return FALSE;
    }
    gboolean ok =
        cirrus_cfg_int(cfg, "max_connections", rds_default_max_connections(d->cls, d->engine), 1, 100000,
                       &d->max_connections, error) &&
        cirrus_cfg_int(cfg, "workers", d->cls->vcpus, 1, 100000, &d->workers, error) &&
        cirrus_cfg_dist(cfg, "query_time", &def_query, &d->query_time, error) &&
        cirrus_cfg_int(cfg, "read_replicas", 0, 0, RDS_MAX_REPLICAS, &d->replicas, error) &&
        cirrus_cfg_dist(cfg, "replica_lag", &def_lag, &d->replica_lag, error) &&
        cirrus_cfg_bool(cfg, "multi_az", FALSE, &d->multi_az, error) &&
        cirrus_cfg_double(cfg, "reads", 0.8, 0.0, 1.0, &d->reads, error) &&
        cirrus_keys_read(cfg, "keys", 100000, RDS_MAX_KEYS, &d->keys, error) &&
        read_proxy(d, cfg, error) && read_cross_region(d, cfg, error) &&
        /* The server closes a connection idle this long: MySQL's
         * wait_timeout (default 28,800 s, Aurora MySQL's too); PostgreSQL's
         * idle_session_timeout is 0 by default: never. */
        cirrus_cfg_duration(cfg, "wait_timeout",
                            d->engine == RDS_MYSQL || d->engine == RDS_AURORA_MYSQL ? 28800 * CIRRUS_SEC : 0, 0,
                            365 * CIRRUS_DAY, &d->wait_timeout, error);
    cirrus_dist_clear(&def_query);
    cirrus_dist_clear(&def_lag);
    if (!ok) return FALSE;
    if (rds_engine_aurora(d->engine) && d->multi_az && d->replicas == 0) {
        /* Aurora's Multi-AZ is a replica in another zone. */
        cirrus_node_error(cirrus_node_peek(cfg, "multi_az"), error, "an Aurora cluster is Multi-AZ through its "
                          "replicas in other zones: give it read_replicas: 1 or more");
        return FALSE;
    }
    d->pool = d->proxy ? MAX(1, d->max_connections * d->proxy_percent / 100) : d->max_connections;
    for (guint i = 0; i < d->n; i++) {
        cirrus_station_init(&d->inst[i].station, d->workers, -1);
        if (i > 0) d->inst[i].pending = g_hash_table_new(g_direct_hash, g_direct_equal);
    }
    add_metrics(self, d);
    add_cross_region_metric(self, d);
    d->sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    return TRUE;
}

/* The cluster's region and its cross-region replicas' (located: their
 * round trips come from the regions table). */
static gboolean link_regions(CirrusComponent *self, Rds *d, CirrusScenario *sc, GError **error)
{
    const char *home = cirrus_component_region(self);
    d->regions = cirrus_globals(sc)->regions;
    if (!home) {
        if (d->n_cross == 0) return TRUE;
        cirrus_node_error(d->cross[0].at, error, "cross-region replicas need the cluster's own region: give the "
                          "rds component region: (e.g. us-east-1)");
        return FALSE;
    }
    if (!(d->home = cirrus_region_check(d->regions, NULL, home, d->n_cross > 0 || d->network_latency, error)))
        return FALSE;
    for (guint g = 0; g < d->n_cross; g++) {
        const CirrusRegion *r = cirrus_region_check(d->regions, d->cross[g].at, d->cross[g].name, TRUE, error);
        if (!r) return FALSE;
        if (r == d->home) {
            cirrus_node_error(d->cross[g].at, error, "'%s' is the cluster's own region: count those replicas in "
                              "read_replicas", d->cross[g].name);
            return FALSE;
        }
        for (guint k = 0; k < d->cross[g].count; k++) d->inst[d->cross[g].first + k].region = r;
    }
    return TRUE;
}

/* Keep the prices: the class's instance-hour under the engine (a price
 * the table lacks is refused at `instance_class`), Aurora I/O, the proxy. */
static gboolean rds_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Rds *d = state;
    const CirrusPrices *p = cirrus_globals(sc)->prices;
    (void)self;
    char *key = rds_price_key(d->cls, d->engine);
    gboolean ok = cirrus_prices_has(p, key);
    if (ok) d->usd_instance_hour = cirrus_price(p, key);
    else cirrus_prices_unknown(p, d->cls_at, key, "rds.", error);
    g_free(key);
    d->usd_io = cirrus_price(p, "rds.aurora.io_request");
    d->usd_proxy_vcpu_hour = cirrus_price(p, "rds.proxy.vcpu_hour");
    return ok && link_regions(self, d, sc, error);
}

/* ---- gauges ------------------------------------------------------------------ */

/* Instance i changed: its connections and CPU, the cluster's, the proxy's
 * client connections. */
static void update_gauges(CirrusComponent *self, Rds *d, guint i)
{
    RdsInstance *in = &d->inst[i];
    gint64 conns = 0, busy = 0;
    cirrus_metric_gauge(self, in->m_conns, (double)in->conns);
    cirrus_metric_gauge(self, in->m_cpu, 100.0 * (double)in->station.busy / (double)d->workers);
    for (guint j = 0; j < d->n; j++) {
        conns += d->inst[j].conns;
        busy += d->inst[j].station.busy;
    }
    cirrus_metric_gauge(self, M_CONNECTIONS, (double)conns);
    cirrus_metric_gauge(self, M_CPU, 100.0 * (double)busy / (double)(d->workers * d->n));
    if (d->proxy) cirrus_metric_gauge(self, d->m_client_connections, (double)d->in_proxy);
}

/* ---- queries ------------------------------------------------------------------ */


/* A query the database holds fails (counted; with a proxy, it leaves it). */
static void fail(CirrusComponent *self, Rds *d, CirrusRequest *req)
{
    cirrus_metric_count(self, M_FAILED, 1);
    if (d->proxy) d->in_proxy--;
    cirrus_station_finish(self, req, CIRRUS_OUTCOME_FAILED);
}

/* `req` holds a worker of instance i: its query runs.  A read on a replica
 * that has not applied a write of its key reads stale data. */
static void begin(CirrusComponent *self, Rds *d, guint i, CirrusRequest *req)
{
    RdsInstance *in = &d->inst[i];
    if (!(req->holder & H_WRITE) && in->pending &&
        g_hash_table_contains(in->pending, GUINT_TO_POINTER(H_KEY(req->holder) + 1)))
        req->holder |= H_STALE;
    double s = cirrus_dist_sample(&d->query_time, &d->query_rng) * d->faults->slowdown;
    cirrus_schedule(self, cirrus_time_from_s(s), RDS_DONE, req, 0);
}

/* `req` takes a connection of instance i (checked free) and its queue. */
static void enter(CirrusComponent *self, Rds *d, guint i, CirrusRequest *req)
{
    RdsInstance *in = &d->inst[i];
    if (!(req->holder & H_SESSION)) in->conns++;   /* a session's connection is counted while open */
    req->holder = (req->holder & 0xFFFFFFFFu) | ((guint64)in->epoch << 32);
    if (cirrus_station_admit(&in->station, req) == CIRRUS_STATION_STARTED) begin(self, d, i, req);
    update_gauges(self, d, i);
}

/* The first request of `q` without taking it, or NULL. */
static CirrusRequest *fifo_head(const CirrusFifo *q) { return q->len ? q->items[q->head] : NULL; }

/* With a proxy: queries waiting for instance i borrow the connections it
 * has free, first come first served. */
static void proxy_dispatch(CirrusComponent *self, Rds *d, guint i)
{
    RdsInstance *in = &d->inst[i];
    CirrusRequest *req;
    while (!in->down && in->conns < d->pool && (req = cirrus_fifo_pop(&in->proxy_wait))) {
        cirrus_metric_latency(self, d->m_borrow_latency, cirrus_now(self) - req->arrived);
        enter(self, d, i, req);
    }
}

/* ---- sessions: connections that outlive their queries ---------------------- */

/* The sessions table's key of `session`'s connection to instance i. */
static guint64 session_key(guint64 session, guint i) { return session * 31 + i; }

/* `req`'s session's connection to instance i, opened if it has none and
 * the instance has a connection left: FALSE when it cannot connect. */
static gboolean session_connect(CirrusComponent *self, Rds *d, const CirrusRequest *req, guint i)
{
    guint64 key = session_key(cirrus_request_data_const(req)->session, i);
    RdsSession *s = g_hash_table_lookup(d->sessions, &key);
    if (!s) {
        if (d->inst[i].conns >= d->max_connections) return FALSE;
        guint64 *k = g_new(guint64, 1);
        *k = key;
        s = g_new0(RdsSession, 1);
        s->inst = i;
        g_hash_table_insert(d->sessions, k, s);
        d->inst[i].conns++;
        update_gauges(self, d, i);
    }
    s->queries++;
    s->last = cirrus_now(self);
    return TRUE;
}

/* A query of a session left instance i: the connection stays, idle, and
 * the server closes it after wait_timeout unless it is used again. */
static void session_done(CirrusComponent *self, Rds *d, const CirrusRequest *req, guint i)
{
    guint64 key = session_key(cirrus_request_data_const(req)->session, i);
    RdsSession *s = g_hash_table_lookup(d->sessions, &key);
    if (!s) return;   /* its connection broke (a failure) */
    s->queries--;
    s->last = cirrus_now(self);
    if (d->wait_timeout > 0 && !s->timer) {
        s->timer = TRUE;
        cirrus_schedule(self, d->wait_timeout, RDS_IDLE, NULL, key);
    }
}

/* A session's idle check: closed if unused for wait_timeout, else checked
 * again when it would be. */
static void on_idle(CirrusComponent *self, Rds *d, guint64 key)
{
    RdsSession *s = g_hash_table_lookup(d->sessions, &key);
    CirrusTime now = cirrus_now(self);
    if (!s) return;   /* it broke meanwhile */
    if (s->queries > 0 || s->last + d->wait_timeout > now) {
        cirrus_schedule(self, s->queries > 0 ? d->wait_timeout : s->last + d->wait_timeout - now, RDS_IDLE, NULL, key);
        return;
    }
    guint i = s->inst;
    g_hash_table_remove(d->sessions, &key);
    d->inst[i].conns--;
    update_gauges(self, d, i);
}

/* Instance i failed: its sessions' connections break (their queries in
 * progress fail with it; the callers connect again on their next query). */
static void close_sessions(Rds *d, guint i)
{
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, d->sessions);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        RdsSession *s = value;
        if (s->inst != i) continue;
        d->inst[i].conns--;
        g_hash_table_iter_remove(&it);
    }
}

/* A read's instance: a replica in its caller's region when the cluster
 * has some there (a reader in that region uses its local replicas'
 * endpoint), else the reader endpoint: an in-region replica at random
 * (each connection resolves the endpoint's DNS afresh and lands on one of
 * the replicas), or the primary when there is none. */
static guint read_instance(CirrusComponent *self, Rds *d, const CirrusRequest *req)
{
    const char *caller = d->n_cross ? cirrus_caller_region(req) : NULL;
    for (guint g = 0; caller && g < d->n_cross; g++)
        if (strcmp(d->cross[g].name, caller) == 0) {
            cirrus_metric_count(self, d->m_cross_reads, 1);
            return d->cross[g].first + (guint)cirrus_rng_below(&d->route_rng, d->cross[g].count);
        }
    return d->replicas == 0 ? 0 : 1 + (guint)cirrus_rng_below(&d->route_rng, (guint64)d->replicas);
}

/* With `network_latency`: the round trip between the caller's region and
 * instance i's, when both are known and differ (0 otherwise). */
static CirrusTime transit(const Rds *d, const CirrusRequest *req, guint i)
{
    if (!d->network_latency || !d->home) return 0;
    const char *caller = cirrus_caller_region(req);
    const CirrusRegion *from = caller ? cirrus_region_find(d->regions, caller) : NULL;
    const CirrusRegion *to = d->inst[i].region ? d->inst[i].region : d->home;
    return from && from != to && from->continent ? cirrus_region_rtt(d->regions, from, to) : 0;
}

/* A query reaches instance i (its holder word says which, and its row):
 * it fails (outage, writer down without a proxy), is refused (no
 * connection left, without a proxy), waits in the proxy, or takes a
 * connection. */
static void arrive(CirrusComponent *self, Rds *d, CirrusRequest *req, guint64 h)
{
    guint i = H_INST(h);
    RdsInstance *in = &d->inst[i];
    if (cirrus_fault_down(d->faults) || (!d->proxy && in->down)) {   /* an outage; the writer failing over */
        cirrus_metric_count(self, M_FAILED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (!d->proxy && cirrus_request_data(req)->session) {
        if (!session_connect(self, d, req, i)) {   /* MySQL: ERROR 1040 "Too many connections" */
            cirrus_metric_count(self, M_TOO_MANY, 1);
            cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
            return;
        }
        req = cirrus_station_accept_async(self, req);
        req->holder = h | H_SESSION;
        enter(self, d, i, req);
        return;
    }
    if (!d->proxy) {
        if (in->conns >= d->max_connections) {   /* MySQL: ERROR 1040 "Too many connections" */
            cirrus_metric_count(self, M_TOO_MANY, 1);
            cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
            return;
        }
        req = cirrus_station_accept_async(self, req);
        req->holder = h;
        enter(self, d, i, req);
        return;
    }
    req = cirrus_station_accept_async(self, req);
    req->holder = h;
    d->in_proxy++;
    if (!in->down && in->conns < d->pool && cirrus_fifo_len(&in->proxy_wait) == 0) {
        cirrus_metric_latency(self, d->m_borrow_latency, 0);
        enter(self, d, i, req);
        return;
    }
    cirrus_fifo_push(&in->proxy_wait, req);
    cirrus_schedule(self, d->borrow_timeout, RDS_BORROW_TIMEOUT, NULL, (req->id << 5) | i);
    update_gauges(self, d, i);
}

/* A query arrives: its operation, row and instance are chosen; with
 * `network_latency` a caller in another region first pays the round trip
 * (its request and its answer, both counted before it reaches the
 * instance). */
static void on_request(CirrusComponent *self, Rds *d, CirrusRequest *req)
{
    cirrus_metric_count(self, M_REQUESTS, 1);
    if (cirrus_fault_down(d->faults)) {
        cirrus_metric_count(self, M_FAILED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    const CirrusRequestKeys *k = &cirrus_request_data(req)->keys;
    gboolean write = k->given & CIRRUS_KEYS_OPERATION ? k->operation == OP_WRITE
                                                      : cirrus_rng_uniform(&d->op_rng) >= d->reads;
    guint key = cirrus_keys_draw(&d->keys, &d->key_rng);
    guint i = write ? 0 : read_instance(self, d, req);
    guint64 h = h_make(i, write, key, 0);
    CirrusTime rtt = transit(d, req, i);
    if (rtt > 0) cirrus_schedule(self, rtt, RDS_TRANSIT, req, h);
    else arrive(self, d, req, h);
}

/* A query waited borrow_timeout: if it still waits, it fails.  The
 * proxy's queue is FIFO and every wait has the same timeout, so a query
 * still waiting when its timer fires is at the head. */
static void on_borrow_timeout(CirrusComponent *self, Rds *d, guint64 data)
{
    guint i = (guint)(data & 0x1F);
    guint64 id = data >> 5;
    RdsInstance *in = &d->inst[i];
    CirrusRequest *head = fifo_head(&in->proxy_wait);
    if (!head || head->id != id) return;   /* it borrowed a connection, or failed */
    cirrus_fifo_pop(&in->proxy_wait);
    cirrus_metric_count(self, d->m_borrow_timeouts, 1);
    fail(self, d, head);
    update_gauges(self, d, i);
}

/* An apply event's data: the replica (4 bits), the key (24), and the
 * commit time in microseconds modulo 2^36 (19 hours: a lag is shorter). */
#define APPLY_US_BITS 36
#define APPLY_US_MASK ((G_GUINT64_CONSTANT(1) << APPLY_US_BITS) - 1)
G_STATIC_ASSERT(RDS_MAX_INSTANCES <= 16);

/* A write of `key` committed on the primary now: each replica applies it
 * after its own draw of replica_lag (independent draws: writes of
 * different rows may be applied out of commit order; a row is stale on a
 * replica until every write of it has been applied there). */
static void replicate(CirrusComponent *self, Rds *d, guint key)
{
    CirrusTime now = cirrus_now(self);
    guint64 us = ((guint64)(now / 1000)) & APPLY_US_MASK;
    for (guint r = 1; r < d->n; r++) {
        RdsInstance *in = &d->inst[r];
        gpointer k = GUINT_TO_POINTER(key + 1);
        g_hash_table_replace(in->pending, k, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(in->pending, k)) + 1));
        CirrusTime lag = cirrus_time_from_s(cirrus_dist_sample(&d->replica_lag, &d->lag_rng));
        /* Across regions the change travels one way first. */
        if (in->region) lag += cirrus_region_rtt(d->regions, d->home, in->region) / 2;
        cirrus_schedule(self, MAX(lag, 0), RDS_APPLY, NULL, (us << 28) | ((guint64)key << 4) | r);
    }
}

/* A replica applies a write: its row is no longer behind, unless another
 * write of it is still on its way. */
static void on_apply(CirrusComponent *self, Rds *d, guint64 data)
{
    guint r = (guint)(data & 0xF), key = (guint)((data >> 4) & 0xFFFFFFu);
    guint64 committed_us = data >> 28, now_us = ((guint64)(cirrus_now(self) / 1000)) & APPLY_US_MASK;
    RdsInstance *in = &d->inst[r];
    gpointer k = GUINT_TO_POINTER(key + 1);
    guint left = GPOINTER_TO_UINT(g_hash_table_lookup(in->pending, k));
    g_assert(left > 0);
    if (left == 1) g_hash_table_remove(in->pending, k);
    else g_hash_table_replace(in->pending, k, GUINT_TO_POINTER(left - 1));
    CirrusTime lag = (CirrusTime)((now_us - committed_us) & APPLY_US_MASK) * 1000;
    cirrus_metric_count(self, in->m_write_iops, 1);
    cirrus_metric_latency(self, M_REPLICA_LAG, lag);
    cirrus_metric_latency(self, in->m_write_latency_or_lag, lag);
}

/* A query's time is over: answered OK (a write committed and sent to the
 * replicas, a read counted stale or not) unless its instance failed
 * meanwhile; its connection and worker go to the next. */
static void on_done(CirrusComponent *self, Rds *d, CirrusRequest *req)
{
    guint64 h = req->holder;
    guint i = H_INST(h);
    RdsInstance *in = &d->inst[i];
    gboolean write = (h & H_WRITE) != 0;
    if (h & H_SESSION) session_done(self, d, req, i);
    else in->conns--;
    CirrusOutcome outcome = CIRRUS_OUTCOME_OK;
    if (H_EPOCH(h) != in->epoch) {
        /* Its instance failed, or the cluster went down, meanwhile. */
        cirrus_metric_count(self, M_FAILED, 1);
        outcome = CIRRUS_OUTCOME_FAILED;
    } else {
        CirrusTime latency = cirrus_now(self) - req->arrived;
        if (write) {
            cirrus_metric_latency(self, M_WRITE_LATENCY, latency);
            cirrus_metric_latency(self, in->m_write_latency_or_lag, latency);
            cirrus_metric_count(self, M_WRITE_IOPS, 1);
            cirrus_metric_count(self, in->m_write_iops, 1);
            replicate(self, d, H_KEY(h));
        } else {
            cirrus_metric_latency(self, M_READ_LATENCY, latency);
            cirrus_metric_latency(self, in->m_read_latency, latency);
            cirrus_metric_count(self, M_READ_IOPS, 1);
            cirrus_metric_count(self, in->m_read_iops, 1);
            if (h & H_STALE) cirrus_metric_count(self, M_STALE_READS, 1);
        }
    }
    if (d->proxy) {
        /* The proxy's dispatch may answer others: this answer first, as
         * it always was. */
        d->in_proxy--;
        cirrus_station_finish(self, req, outcome);
    }
    CirrusRequest *next = cirrus_station_release(&in->station, TRUE);
    if (next) begin(self, d, i, next);
    if (d->proxy) proxy_dispatch(self, d, i);
    update_gauges(self, d, i);
    if (!d->proxy) cirrus_station_finish_last(self, req, outcome);   /* may be handled at once */
}

/* Instance i fails: what it holds fails now (queued) or when its query's
 * time comes (in progress: the epoch moves on). */
static void fail_instance(CirrusComponent *self, Rds *d, guint i, gboolean proxy_too)
{
    RdsInstance *in = &d->inst[i];
    CirrusRequest *req;
    in->epoch++;
    while ((req = cirrus_station_take_waiting(&in->station))) {
        if (req->holder & H_SESSION) session_done(self, d, req, i);
        else in->conns--;
        fail(self, d, req);
    }
    close_sessions(d, i);   /* the instance's connections break: callers reconnect */
    while (proxy_too && (req = cirrus_fifo_pop(&in->proxy_wait))) fail(self, d, req);
    update_gauges(self, d, i);
}

/* A fault begins or ends: an outage fails what every instance holds; an
 * instance failure fails the primary and starts its recovery (a failover
 * or a replacement, rds_recovery); slowdowns are the kernel's factor. */
static void on_fault(CirrusComponent *self, Rds *d, const CirrusFault *f, gboolean begin_)
{
    if (!begin_) return;   /* an outage's end: the kernel's state; slowdowns: its factor */
    if (f->kind == CIRRUS_FAULT_OUTAGE) {
        for (guint i = 0; i < d->n; i++) fail_instance(self, d, i, TRUE);
        return;
    }
    if (f->kind != CIRRUS_FAULT_INSTANCE_FAILURE || d->inst[0].down) return;
    RdsRecovery r = rds_recovery(d->engine, d->multi_az, d->replicas);
    CirrusTime lo, hi;
    rds_recovery_range(r, d->engine, &lo, &hi);
    CirrusTime took = lo + (CirrusTime)(cirrus_rng_uniform(&d->fault_rng) * (double)(hi - lo));
    d->inst[0].down = TRUE;
    fail_instance(self, d, 0, FALSE);   /* the proxy holds its queries for the new writer */
    if (r != RDS_RECOVER_REPLACE) cirrus_metric_count(self, M_FAILOVERS, 1);
    cirrus_schedule(self, took, RDS_RECOVERED, NULL, 0);
}

/* The writer is back (the standby or a promoted replica took over, or the
 * replacement is up): queries held by the proxy go to it. */
static void on_recovered(CirrusComponent *self, Rds *d)
{
    d->inst[0].down = FALSE;
    if (d->proxy) proxy_dispatch(self, d, 0);
    update_gauges(self, d, 0);
}

/* The model's events: requests, its own timers, faults. */
static void rds_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Rds *d = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, d, ev->request); break;
    case RDS_DONE: on_done(self, d, ev->request); break;
    case RDS_APPLY: on_apply(self, d, ev->data); break;
    case RDS_RECOVERED: on_recovered(self, d); break;
    case RDS_BORROW_TIMEOUT: on_borrow_timeout(self, d, ev->data); break;
    case RDS_TRANSIT: arrive(self, d, ev->request, ev->data); break;
    case RDS_IDLE: on_idle(self, d, ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, d, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, d, cirrus_event_fault(self, ev), FALSE); break;
    default: g_assert_not_reached();   /* a database sends nothing, so gets no replies */
    }
}

/* ---- the model ------------------------------------------------------------------ */

/* Seed the random streams, one per purpose; the gauges at 0. */
static void rds_start(CirrusComponent *self, void *state)
{
    Rds *d = state;
    cirrus_component_substream(self, "operations", &d->op_rng);
    cirrus_component_substream(self, "keys", &d->key_rng);
    cirrus_component_substream(self, "reader-endpoint", &d->route_rng);
    cirrus_component_substream(self, "query_time", &d->query_rng);
    cirrus_component_substream(self, "replica_lag", &d->lag_rng);
    cirrus_component_substream(self, "failover", &d->fault_rng);
    for (guint i = 0; i < d->n; i++) update_gauges(self, d, i);
}

/* Free what configure and the run allocated. */
static void rds_destroy(CirrusComponent *self, void *state)
{
    Rds *d = state;
    (void)self;
    for (guint i = 0; i < d->n; i++) {
        RdsInstance *in = &d->inst[i];
        cirrus_station_clear(&in->station);
        cirrus_fifo_clear(&in->proxy_wait);
        if (in->pending) g_hash_table_destroy(in->pending);
    }
    cirrus_dist_clear(&d->query_time);
    cirrus_dist_clear(&d->replica_lag);
    cirrus_keys_clear(&d->keys);
    if (d->sessions) g_hash_table_destroy(d->sessions);
}

/* Amazon RDS and Aurora pricing (us-east-1, on-demand; docs/cost.md):
 * every instance per instance-hour for the whole run — the primary, twice
 * over for an RDS Multi-AZ DB instance (the standby is billed as the
 * primary), each read replica; Aurora Standard's I/O per request, one per
 * query served and per write (ReadIOPS + WriteIOPS of the cluster); RDS
 * Proxy per vCPU-hour of each instance it serves. */
static double rds_cost(CirrusComponent *self, void *state)
{
    Rds *d = state;
    double hours = cirrus_time_to_s(cirrus_now(self)) / 3600.0;
    double instances = (double)d->n + (d->multi_az && !rds_engine_aurora(d->engine) ? 1 : 0);
    double usd = hours * instances * d->usd_instance_hour;
    if (rds_engine_aurora(d->engine))
        usd += (cirrus_metric_run_total(self, M_READ_IOPS) + cirrus_metric_run_total(self, M_WRITE_IOPS)) * d->usd_io;
    if (d->proxy) usd += hours * (double)d->n * (double)MAX(2, d->cls->vcpus) * d->usd_proxy_vcpu_hour;
    return usd;
}

static const CirrusInvokeSpec rds_invoke = {
    .operations = (const char *const[]){"read", "write", NULL},
    .keys = 0,   /* no items, consistent or messages */
    .sessions = TRUE,   /* a Lambda environment keeps its connection */
};

static const struct CirrusProtocols rds_protocols = {
    .noun = "an rds database",
    .speaks = CIRRUS_SPEAKS_INVOKE,
    .invoke = &rds_invoke,
};

const CirrusModelType cirrus_rds_type = {
    .name = "rds",
    .state_size = sizeof(Rds),
    .configure = rds_configure,
    .link = rds_link,
    .start = rds_start,
    .handle = rds_handle,
    .destroy = rds_destroy,
    .metrics = rds_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN) |
              CIRRUS_FAULT_BIT(CIRRUS_FAULT_INSTANCE_FAILURE),
    .cost = rds_cost,
    .protocols = &rds_protocols,
};
