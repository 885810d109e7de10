/* cirrus — the `dynamodb` model's insides, shared by dynamodb.c (the
 * table: configuration, requests, metrics, cost), ddb_partitions.c (the
 * partitions and their capacity: buckets, burst, adaptive capacity,
 * on-demand growth) and ddb_autoscale.c (auto scaling of provisioned
 * capacity).  Not for other models: they talk to a table only through
 * requests (models/protocol/invoke.h). */
#ifndef CIRRUS_MODEL_DYNAMODB_PRIVATE_H
#define CIRRUS_MODEL_DYNAMODB_PRIVATE_H

#include "models/aws/keys.h"
#include "models/aws/prices.h"
#include "models/dynamodb/ddb_capacity.h"
#include "models/dynamodb/dynamodb.h"
#include "models/protocol/invoke.h"
#include "models/protocol/stream_log.h"
#include "sim/kernel/dist.h"
#include "sim/loader/config.h"

enum { DDB_DONE = CIRRUS_EVENT_MODEL, DDB_MINUTE, DDB_PUSH };

/* AWS: one partition serves at most 3,000 RCU and 1,000 WCU per second,
 * and holds about 10 GB; burst capacity keeps up to 300 s of a partition's
 * unused capacity. */
#define DDB_PARTITION_RCU 3000.0
#define DDB_PARTITION_WCU 1000.0
#define DDB_PARTITION_BYTES (10LL * 1024 * 1024 * 1024)
#define DDB_BURST_SECONDS 300.0
/* AWS's default table quotas: 40,000 RCU and 40,000 WCU per table. */
#define DDB_TABLE_MAX_UNITS 40000.0
/* AWS: a new on-demand table serves up to 4,000 writes/s and 12,000
 * reads/s at once. */
#define DDB_ON_DEMAND_WCU 4000.0
#define DDB_ON_DEMAND_RCU 12000.0
#define DDB_MAX_PARTITIONS 4096

typedef enum { LANE_READ, LANE_WRITE, N_LANES } DdbLaneKind;

/* One partition's capacity for reads or writes. */
typedef struct {
    double tokens;      /* its share of the provisioned rate, up to 1 s of it (may go below 0:
                         * a request that finds any capacity is served and the debt paid) */
    double bank;        /* burst capacity: unused share, up to 300 s of it */
    CirrusTime at;      /* brought up to date then */
    double used;        /* units consumed this sample interval (the hottest-partition metric) */
    double minute;      /* units consumed this minute (hot-item isolation) */
} DdbSlot;

/* Hot-item isolation: a partition busy at half its hard limit or more
 * watches which keys carry its traffic (Misra-Gries heavy hitters: any key
 * with over 1/(DDB_HEAT_KEYS+1) of it is among them). */
#define DDB_HEAT_KEYS 4
typedef struct {
    gboolean single;         /* an isolated key's partition: nothing to watch */
    gboolean watching;
    guint    key[DDB_HEAT_KEYS];
    double   weight[DDB_HEAT_KEYS];   /* in fractions of the partition's hard limits */
    double   total;
} DdbHeat;

/* A partition's hard limit, shared by reads and writes (AWS: a partition
 * serves up to 3,000 RCU or 1,000 WCU a second, "or a linear combination
 * of the two"): a 1-s bucket of one partition-second, of which a read unit
 * takes 1/3,000 and a write unit 1/1,000. */
typedef struct {
    double left;
    CirrusTime at;
} DdbRoom;

/* A table's (or an index's) capacity for reads or writes. */
typedef struct {
    double provisioned;     /* units/s: the provisioned rate, or the on-demand capacity now */
    double table_tokens;    /* the table's unused capacity over the last second (adaptive capacity) */
    CirrusTime table_at;
    /* on-demand: the busiest whole second so far, and this second's count */
    double peak, second_used;
    gint64 second;
    double max;             /* on-demand: the table's maximum throughput, units/s */
} DdbLane;

/* A table, or a global secondary index of one: its partitions and lanes. */
typedef struct {
    char      *name;            /* NULL for the table itself */
    guint      n_partitions;    /* hash ranges and isolated keys, in the order they were made */
    /* The hash ranges, in hash order: range_lo[i] is the first 32-bit hash
     * of the i-th, range_part[i] its partition.  `even`: still the initial
     * equal ranges, range i on partition i. */
    guint      n_hashed;
    guint32   *range_lo;
    guint     *range_part;
    gboolean   even;
    DdbSlot   *slots[N_LANES];  /* n_partitions each */
    DdbRoom   *room;            /* n_partitions: each partition's hard limit */
    DdbHeat   *heat;            /* n_partitions; NULL: no isolation (indexes) */
    GHashTable *isolated;       /* key -> 1 + its partition; NULL: none yet */
    /* The table's stream (NULL: none): each partition's open shard. */
    CirrusStreamLog *log;
    guint16   *shard_of;        /* n_partitions */
    DdbLane    lanes[N_LANES];
    guint64    salt;            /* hashes its keys apart from another index's */
    /* GSIs: their metrics (the table's are fixed indices) */
    guint      m_consumed_write, m_throttles;
} DdbSpace;

typedef struct {
    gint64 min, max;
    double target;             /* percent utilisation */
    gint64 above, below;       /* consecutive datapoints above the target, below 80% of it */
    gint   decreases_today;    /* in this 24-h day of the run */
    gint64 day;
    CirrusTime last_decrease;
    gboolean on;
} DdbScaling;

typedef struct {
    DdbOp  op;
    double share;
} DdbMix;

typedef struct {
    /* configuration */
    gboolean   on_demand;
    gboolean   burst, adaptive;
    gint64     item_size;
    gint64     stored_bytes;
    CirrusKeys keys;
    DdbMix    *mix;             /* `operations`; NULL: GetItem */
    guint      n_mix;
    CirrusDist latency;         /* seconds */
    DdbScaling scaling[N_LANES];
    /* the table and its global secondary indexes */
    DdbSpace   table;
    DdbSpace  *gsis;
    guint      n_gsis;
    /* run time */
    CirrusRng  key_rng, op_rng, latency_rng;
    double     minute_units[N_LANES];   /* units served in the minute so far (auto scaling) */
    const CirrusFaultState *faults;
    double     usd_rcu_hour, usd_wcu_hour, usd_read_unit, usd_write_unit, usd_gb_month;
    double     billed_units[N_LANES];   /* on-demand request units since time 0 */
    /* the stream (ddb_stream.c); NULL: none */
    CirrusStreamLog *stream;
    guint      m_stream_records, m_stream_shards, m_stream_billed;
    double     usd_stream_read;
    /* DAX in front (ddb_dax.c); NULL: none */
    struct DdbDax *dax;
} Ddb;

/* ddb_partitions.c */
/* Lay out a space of `n` partitions over its lanes (provisioned rates or
 * on-demand capacity already set), buckets full; `isolation`: it may
 * isolate hot items (ddb_isolate_hot_items). */
void     ddb_space_init(DdbSpace *s, guint n, CirrusTime now, gboolean on_demand, gboolean isolation);
void     ddb_space_clear(DdbSpace *s);
/* Grow to at least `n` hash ranges (never fewer: DynamoDB does not merge
 * partitions) by splitting every range in halves, as often as needed;
 * TRUE when any split. */
gboolean ddb_space_repartition(DdbSpace *s, guint n, CirrusTime now, gboolean on_demand);
/* Give the space a stream: one open shard per partition, children of
 * nothing; splits and isolations then close a partition's shard and open
 * two children (the owner calls cirrus_stream_log_resharded after). */
void     ddb_space_stream(DdbSpace *s, CirrusStreamLog *log);
/* Partitions a provisioned table needs: ceil(max(RCU/3000 + WCU/1000,
 * bytes / 10 GB)), at least 1. */
guint    ddb_partitions_for(double rcu, double wcu, gint64 bytes);
/* The partition that holds key `key`. */
guint    ddb_partition_of(const DdbSpace *s, guint key);
/* Whether partition p can serve the lane now: its hard limit not
 * reached, and capacity left in its share, the table's unused capacity
 * (`adaptive`) or its burst bank (`burst`); a request that finds any is
 * served whole (ddb_consume), and the debt paid back by the refill. */
typedef enum {
    DDB_ADMITTED,
    DDB_CAPACITY,    /* ProvisionedThroughputExceeded (on-demand: the table's capacity now) */
    DDB_KEY_RANGE,   /* KeyRangeThroughputExceeded: the partition's 3,000 RCU / 1,000 WCU */
} DdbRefusal;
DdbRefusal ddb_can_admit(DdbSpace *s, DdbLaneKind lane, guint p, CirrusTime now, gboolean on_demand, gboolean burst,
                         gboolean adaptive);
/* Consume `units` on partition p (after ddb_can_admit, at the same time):
 * from its share while it has any, then borrowed, then banked. */
void     ddb_consume(DdbSpace *s, DdbLaneKind lane, guint p, double units, gboolean on_demand, gboolean burst,
                     gboolean adaptive);
/* On-demand: note `units` consumed now, for the previous-peak rule. */
void     ddb_note_demand(DdbLane *l, double units, CirrusTime now);
/* On-demand, once a minute: capacity towards twice the previous peak,
 * at most doubling per 30 minutes; TRUE when it grew. */
gboolean ddb_on_demand_grow(DdbLane *l, double initial);
/* Once a minute (`isolate`: the table's own space): a partition whose
 * traffic reached half its hard limit watches its keys for the next
 * minute; one that watched moves its heaviest key, if that key carries at
 * least a tenth of its traffic but not all, to a partition of its own.
 * The number of keys isolated. */
guint    ddb_isolate_hot_items(DdbSpace *s, CirrusTime now, gboolean on_demand);
/* Note a key's use of partition p (only while it watches). */
void     ddb_heat_note(DdbSpace *s, guint p, guint key, DdbLaneKind lane, double units);
/* The hottest partition's consumption this interval; resets the counters. */
double   ddb_take_hottest(DdbSpace *s, DdbLaneKind lane);

/* ddb_stream.c */
gboolean ddb_stream_read(CirrusComponent *self, Ddb *t, CirrusNode *cfg, GError **error);
void     ddb_stream_start(CirrusComponent *self, Ddb *t);
/* A write of item `key` (`size` bytes) on partition p was served for `req`. */
void     ddb_stream_write(CirrusComponent *self, Ddb *t, guint p, guint key, gint64 size, const CirrusRequest *req);
/* Partitions split or keys were isolated: readers learn of the new shards. */
void     ddb_stream_resharded(CirrusComponent *self, Ddb *t);
void     ddb_stream_clear(Ddb *t);

/* ddb_dax.c: DAX in front of the table.  read: the `dax` map (absent:
 * none); link: its node price; hit: before the table, whether DAX answers
 * `op` on `key` itself (counted); served: after the table served it, the
 * caches filled or written through; seconds: DAX's hop (0 without DAX). */
gboolean ddb_dax_read(CirrusComponent *self, Ddb *t, CirrusNode *cfg, GError **error);
gboolean ddb_dax_link(Ddb *t, const CirrusPrices *prices, GError **error);
void     ddb_dax_start(CirrusComponent *self, Ddb *t);
gboolean ddb_dax_hit(CirrusComponent *self, Ddb *t, DdbOp op, guint key, gboolean consistent);
void     ddb_dax_served(CirrusComponent *self, Ddb *t, DdbOp op, guint key, gboolean consistent);
double   ddb_dax_seconds(Ddb *t);
double   ddb_dax_cost(const Ddb *t, double hours);
void     ddb_dax_clear(Ddb *t);
extern const CirrusStreamOps ddb_stream_ops;

/* ddb_autoscale.c */
gboolean ddb_scaling_read(Ddb *t, CirrusNode *cfg, GError **error);
/* Once a minute: `consumed` units of each lane in the minute that ended;
 * may change the provisioned rates (and add partitions).  TRUE when it did. */
gboolean ddb_scaling_minute(CirrusComponent *self, Ddb *t, const double consumed[N_LANES]);

#endif
