/* cirrus — a DynamoDB table's partitions and their capacity (see
 * dynamodb-private.h and docs/models/dynamodb.md#partitions).
 *
 * A table's keys are hashed onto equal hash ranges, one per partition;
 * the provisioned rate of each lane (reads, writes) is split evenly over
 * them.  Each partition and lane has:
 *   - its share, a token bucket of 1 s of its rate.  A request that finds
 *     any capacity left is served and may leave the bucket in debt, paid
 *     back by the refill (so a 1-MB Query on a small table is not refused
 *     for ever);
 *   - a bank of burst capacity: refill that finds the bucket full goes to
 *     the bank, which keeps up to 300 s of the share (AWS: "DynamoDB
 *     currently retains up to five minutes (300 seconds) of unused read
 *     and write capacity"), spent when the share is used up;
 *   - the hard limit of a partition, 3,000 RCU or 1,000 WCU per second, a
 *     1-s bucket that neither burst nor adaptive capacity lifts.
 * Adaptive capacity lets a partition whose share is used up borrow from
 * the table's unused capacity: a table-wide 1-s bucket of the provisioned
 * rate, which every consumption draws on (AWS: adaptive capacity "lets
 * your application continue reading and writing to hot partitions without
 * being throttled, provided that traffic does not exceed your table's
 * total provisioned capacity or the partition maximum capacity").
 *
 * On-demand tables have no provisioned rate: a partition is bounded by its
 * hard limit only, the table by its current capacity, which follows twice
 * the previous peak (ddb_on_demand_grow). */
#include "models/dynamodb/dynamodb-private.h"
#include <math.h>
#include <string.h>

static const double partition_limit[N_LANES] = { DDB_PARTITION_RCU, DDB_PARTITION_WCU };

guint ddb_partitions_for(double rcu, double wcu, gint64 bytes)
{
    double by_capacity = ceil(rcu / DDB_PARTITION_RCU + wcu / DDB_PARTITION_WCU - 1e-9);
    double by_size = ceil((double)bytes / (double)DDB_PARTITION_BYTES);
    return (guint)CLAMP(MAX(by_capacity, by_size), 1, DDB_MAX_PARTITIONS);
}

/* splitmix64: a key's hash, fixed for a run. */
static guint64 mix64(guint64 x)
{
    x += G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

guint ddb_partition_of(const DdbSpace *s, guint key)
{
    if (s->isolated) {
        guint part = GPOINTER_TO_UINT(g_hash_table_lookup(s->isolated, GUINT_TO_POINTER(key)));
        if (part) return part - 1;
    }
    guint64 h = mix64((guint64)key ^ s->salt) >> 32;   /* the top 32 bits of the hash */
    if (s->even) return (guint)((h * s->n_hashed) >> 32);
    guint lo = 0, hi = s->n_hashed - 1;   /* the last range starting at or before h */
    while (lo < hi) {
        guint mid = (lo + hi + 1) / 2;
        if (s->range_lo[mid] <= h) lo = mid;
        else hi = mid - 1;
    }
    return s->range_part[lo];
}

static void slots_fill(DdbSpace *s, guint from, CirrusTime now, gboolean on_demand)
{
    for (int l = 0; l < N_LANES; l++) {
        double share = on_demand ? 0 : s->lanes[l].provisioned / s->n_partitions;
        for (guint p = from; p < s->n_partitions; p++)
            s->slots[l][p] = (DdbSlot){ .tokens = share, .at = now };
    }
    for (guint p = from; p < s->n_partitions; p++) s->room[p] = (DdbRoom){ .left = 1, .at = now };
}

void ddb_space_init(DdbSpace *s, guint n, CirrusTime now, gboolean on_demand, gboolean isolation)
{
    s->n_partitions = s->n_hashed = n;
    s->even = TRUE;
    /* Equal ranges: range i starts at ceil(i 2^32 / n), where the mapping
     * h -> floor(h n / 2^32) begins to give i. */
    s->range_lo = g_new(guint32, DDB_MAX_PARTITIONS);
    s->range_part = g_new(guint, DDB_MAX_PARTITIONS);
    for (guint i = 0; i < n; i++) {
        s->range_lo[i] = (guint32)((((guint64)i << 32) + n - 1) / n);
        s->range_part[i] = i;
    }
    if (isolation) s->heat = g_new0(DdbHeat, n);
    s->room = g_new0(DdbRoom, n);
    for (int l = 0; l < N_LANES; l++) {
        s->slots[l] = g_new0(DdbSlot, n);
        s->lanes[l].table_tokens = s->lanes[l].provisioned;
        s->lanes[l].table_at = now;
    }
    slots_fill(s, 0, now, on_demand);
}

void ddb_space_clear(DdbSpace *s)
{
    for (int l = 0; l < N_LANES; l++) g_free(s->slots[l]);
    g_free(s->room);
    g_free(s->heat);
    g_free(s->range_lo);
    g_free(s->range_part);
    g_free(s->shard_of);
    if (s->isolated) g_hash_table_destroy(s->isolated);
    g_free(s->name);
}

void ddb_space_stream(DdbSpace *s, CirrusStreamLog *log)
{
    s->log = log;
    s->shard_of = g_new(guint16, s->n_partitions);
    for (guint p = 0; p < s->n_partitions; p++) {
        s->shard_of[p] = cirrus_stream_log_plan(log, CIRRUS_STREAM_NO_SHARD, CIRRUS_STREAM_NO_SHARD);
        cirrus_stream_log_open(log, s->shard_of[p]);
    }
}

/* A new partition split from `from` (half its keys, or one hot key): the
 * two share what `from` had — its unused share, at most the new share
 * each, and its burst bank in halves — and the new one has a partition's
 * whole hard limit to itself.  Its stream shard and `from`'s are the two
 * children of `from`'s old one.  Returns the new partition. */
static guint partition_new(DdbSpace *s, guint from, CirrusTime now, gboolean on_demand)
{
    guint q = s->n_partitions++;
    for (int l = 0; l < N_LANES; l++) s->slots[l] = g_renew(DdbSlot, s->slots[l], s->n_partitions);
    s->room = g_renew(DdbRoom, s->room, s->n_partitions);
    s->room[q] = (DdbRoom){ .left = 1, .at = now };
    if (s->heat) {
        s->heat = g_renew(DdbHeat, s->heat, s->n_partitions);
        s->heat[q] = (DdbHeat){0};
    }
    for (int l = 0; l < N_LANES; l++) {
        double share = on_demand ? 0 : s->lanes[l].provisioned / s->n_partitions;
        DdbSlot *old = &s->slots[l][from];
        DdbSlot half = { .tokens = MIN(old->tokens, share), .bank = old->bank / 2, .at = old->at };
        s->slots[l][q] = s->slots[l][from] = half;
    }
    if (s->log) {
        guint16 old = s->shard_of[from];
        s->shard_of = g_renew(guint16, s->shard_of, s->n_partitions);
        cirrus_stream_log_close(s->log, old);
        s->shard_of[from] = cirrus_stream_log_plan(s->log, old, CIRRUS_STREAM_NO_SHARD);
        s->shard_of[q] = cirrus_stream_log_plan(s->log, old, CIRRUS_STREAM_NO_SHARD);
        cirrus_stream_log_open(s->log, s->shard_of[from]);
        cirrus_stream_log_open(s->log, s->shard_of[q]);
    }
    return q;
}

static guint64 range_width(const DdbSpace *s, guint i)
{
    guint64 end = i + 1 < s->n_hashed ? s->range_lo[i + 1] : G_GUINT64_CONSTANT(1) << 32;
    return end - s->range_lo[i];
}

/* Split hash range i in halves: the upper half goes to a new partition. */
static void split_range(DdbSpace *s, guint i, CirrusTime now, gboolean on_demand)
{
    guint64 width = range_width(s, i);
    guint q = partition_new(s, s->range_part[i], now, on_demand);
    memmove(&s->range_lo[i + 2], &s->range_lo[i + 1], (s->n_hashed - i - 1) * sizeof *s->range_lo);
    memmove(&s->range_part[i + 2], &s->range_part[i + 1], (s->n_hashed - i - 1) * sizeof *s->range_part);
    s->range_lo[i + 1] = (guint32)(s->range_lo[i] + width / 2);
    s->range_part[i + 1] = q;
    s->n_hashed++;
    s->even = FALSE;
}

gboolean ddb_space_repartition(DdbSpace *s, guint n, CirrusTime now, gboolean on_demand)
{
    gboolean split = FALSE;
    /* AWS (the developer guide's partition behaviour): "If you increase a
     * table's provisioned throughput and the current partitioning scheme
     * cannot accommodate your new requirements, DynamoDB doubles the
     * current number of partitions": every range splits in halves. */
    while (s->n_hashed < n && s->n_partitions + s->n_hashed <= DDB_MAX_PARTITIONS) {
        for (guint i = 0; i < s->n_hashed; i += 2) split_range(s, i, now, on_demand);
        split = TRUE;
    }
    return split;
}

/* Bring partition p's buckets and the table's up to `now`. */
static void refill(DdbSpace *s, DdbLaneKind lane, DdbSlot *slot, CirrusTime now, gboolean on_demand, gboolean burst)
{
    DdbLane *l = &s->lanes[lane];
    double dt = cirrus_time_to_s(now - slot->at);
    if (dt > 0) {
        slot->at = now;
        if (!on_demand) {
            double share = l->provisioned / s->n_partitions, t = slot->tokens + share * dt;
            if (t > share) {
                if (burst) slot->bank = MIN(share * DDB_BURST_SECONDS, slot->bank + (t - share));
                t = share;
            }
            slot->tokens = t;
        }
    }
    double tdt = cirrus_time_to_s(now - l->table_at);
    if (tdt > 0) {
        l->table_at = now;
        l->table_tokens = MIN(l->provisioned, l->table_tokens + l->provisioned * tdt);
    }
}

DdbRefusal ddb_can_admit(DdbSpace *s, DdbLaneKind lane, guint p, CirrusTime now, gboolean on_demand, gboolean burst,
                         gboolean adaptive)
{
    DdbLane *l = &s->lanes[lane];
    DdbSlot *slot = &s->slots[lane][p];
    DdbRoom *room = &s->room[p];
    refill(s, lane, slot, now, on_demand, burst);
    room->left = MIN(1.0, room->left + cirrus_time_to_s(now - room->at));
    room->at = now;
    if (room->left <= 0) return DDB_KEY_RANGE;   /* the partition's hard limit */
    if (on_demand) return l->table_tokens > 0 ? DDB_ADMITTED : DDB_CAPACITY;
    return slot->tokens > 0 || (adaptive && l->table_tokens > 0) || (burst && slot->bank > 0) ? DDB_ADMITTED
                                                                                              : DDB_CAPACITY;
}

void ddb_consume(DdbSpace *s, DdbLaneKind lane, guint p, double units, gboolean on_demand, gboolean burst,
                 gboolean adaptive)
{
    DdbLane *l = &s->lanes[lane];
    DdbSlot *slot = &s->slots[lane][p];
    s->room[p].left -= units / partition_limit[lane];
    slot->used += units;
    slot->minute += units;
    if (on_demand || (slot->tokens <= 0 && adaptive && l->table_tokens > 0)) {
        l->table_tokens -= units;   /* on-demand capacity, or borrowed from partitions that leave theirs unused */
    } else if (slot->tokens <= 0 && burst && slot->bank > 0) {
        slot->bank -= units;        /* may go below 0: paid back before the bank serves again */
    } else {
        slot->tokens -= units;      /* the partition's share, into debt if need be */
        l->table_tokens -= units;
    }
}

void ddb_note_demand(DdbLane *l, double units, CirrusTime now)
{
    gint64 second = now / CIRRUS_SEC;
    if (second != l->second) {
        l->second = second;
        l->second_used = 0;
    }
    l->second_used += units;
    l->peak = MAX(l->peak, l->second_used);
}

gboolean ddb_on_demand_grow(DdbLane *l, double initial)
{
    /* AWS: an on-demand table "instantly accommodates up to double the
     * previous peak traffic"; traffic that more than doubles the previous
     * peak within 30 minutes may be throttled.  Capacity aims at twice the
     * peak and grows towards it by at most 2^(1/30) a minute: at most a
     * doubling in any 30 minutes, evenly within them. */
    double aim = CLAMP(2 * l->peak, initial, l->max);
    if (aim <= l->provisioned) return FALSE;
    l->provisioned = MIN(aim, l->provisioned * pow(2.0, 1.0 / 30.0));
    return TRUE;
}

void ddb_heat_note(DdbSpace *s, guint p, guint key, DdbLaneKind lane, double units)
{
    DdbHeat *h = &s->heat[p];
    double w = units / partition_limit[lane];
    h->total += w;
    /* Misra-Gries: add to the key's counter, or take a free one, or take
     * the weight off every counter. */
    int free_at = -1;
    for (int i = 0; i < DDB_HEAT_KEYS; i++) {
        if (h->weight[i] > 0 && h->key[i] == key) {
            h->weight[i] += w;
            return;
        }
        if (h->weight[i] <= 0 && free_at < 0) free_at = i;
    }
    if (free_at >= 0) {
        h->key[free_at] = key;
        h->weight[free_at] = w;
        return;
    }
    double least = w;
    for (int i = 0; i < DDB_HEAT_KEYS; i++) least = MIN(least, h->weight[i]);
    for (int i = 0; i < DDB_HEAT_KEYS; i++) h->weight[i] -= least;
    if (w > least) {
        for (int i = 0; i < DDB_HEAT_KEYS; i++)
            if (h->weight[i] <= 0) {
                h->key[i] = key;
                h->weight[i] = w - least;
                break;
            }
    }
}

/* AWS: "If your application drives disproportionately high traffic to one
 * or more items, adaptive capacity rebalances your partitions such that
 * frequently accessed items don't reside on the same partition."  AWS
 * gives no thresholds: watching from half the hard limit, a tenth of the
 * traffic and a minute's delay are cirrus's (docs/models/dynamodb.md). */
#define HEAT_WATCH_FRACTION 0.5
#define HEAT_KEY_FRACTION 0.1

guint ddb_isolate_hot_items(DdbSpace *s, CirrusTime now, gboolean on_demand)
{
    guint moved = 0, n = s->n_partitions;
    guint *keys = g_newa(guint, n), *from = g_newa(guint, n);
    for (guint p = 0; p < n; p++) {
        DdbHeat *h = &s->heat[p];
        double busy = MAX(s->slots[LANE_READ][p].minute / (60.0 * DDB_PARTITION_RCU),
                          s->slots[LANE_WRITE][p].minute / (60.0 * DDB_PARTITION_WCU));
        s->slots[LANE_READ][p].minute = s->slots[LANE_WRITE][p].minute = 0;
        if (h->single) continue;
        if (h->watching && h->total > 0) {
            int top = 0;
            for (int i = 1; i < DDB_HEAT_KEYS; i++) if (h->weight[i] > h->weight[top]) top = i;
            /* The counter undercounts by at most total / (k + 1); it is
             * all of the traffic when nothing else was seen. */
            if (h->weight[top] >= HEAT_KEY_FRACTION * h->total && h->weight[top] < h->total - 1e-9 &&
                s->n_partitions + moved < DDB_MAX_PARTITIONS) {
                keys[moved] = h->key[top];
                from[moved++] = p;
            }
        }
        *h = (DdbHeat){ .watching = busy >= HEAT_WATCH_FRACTION };
    }
    if (!moved) return 0;
    if (!s->isolated) s->isolated = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < moved; i++) {
        /* The key leaves its partition for a new one of its own: both
         * start afresh, as a split's halves. */
        guint q = partition_new(s, from[i], now, on_demand);
        s->heat[q].single = TRUE;
        g_hash_table_insert(s->isolated, GUINT_TO_POINTER(keys[i]), GUINT_TO_POINTER(q + 1));
    }
    return moved;
}

double ddb_take_hottest(DdbSpace *s, DdbLaneKind lane)
{
    double hottest = 0;
    for (guint p = 0; p < s->n_partitions; p++) {
        hottest = MAX(hottest, s->slots[lane][p].used);
        s->slots[lane][p].used = 0;
    }
    return hottest;
}
