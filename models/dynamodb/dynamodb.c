/* cirrus — the `dynamodb` model (see dynamodb.h, docs/models/dynamodb.md).
 *
 * A request names an operation and its protocol keys (`operation`,
 * `items`, `consistent`, `size` per item: models/protocol/invoke.h) or
 * takes the table's: an operation drawn from its `operations` mix, its
 * `item_size`.  It costs capacity units (ddb_capacity.c) on the
 * partitions of its keys, drawn from the table's `keys`: a single-item
 * operation, a Query and each item of a batch or transaction one key
 * each; a Scan reads every partition alike.  A write also costs each
 * global secondary index its units, on the index's own partitions.
 *
 * A request the capacity cannot serve is throttled
 * (ProvisionedThroughputExceededException, answered THROTTLED: callers
 * with `retries` back off).  A batch serves the items it can and answers
 * OK with the rest unprocessed (UnprocessedItems, in the answer's
 * ref.answer.unprocessed); a batch with no item served, a transaction with any
 * item refused, is throttled whole.  A write that an index cannot take is
 * throttled too (AWS: a throttled global secondary index throttles the
 * table's writes).
 *
 * Answers come after `latency` (per page of a Query or Scan), throttles
 * included; SuccessfulRequestLatency counts the served ones.  Faults: an
 * outage answers every request FAILED (a 500, SystemErrors); a slowdown
 * multiplies the latency. */
#include "models/dynamodb/dynamodb-private.h"
#include "models/aws/globals.h"
#include "models/aws/retry.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <string.h>

enum {
    M_REQUESTS, M_CONSUMED_READ, M_CONSUMED_WRITE, M_PROV_READ, M_PROV_WRITE, M_READ_THROTTLES,
    M_WRITE_THROTTLES, M_THROTTLED, M_LATENCY, M_PARTITIONS, M_HOT_READ, M_HOT_WRITE, M_SYSTEM_ERRORS,
    M_UNPROCESSED, M_SCALING, M_ISOLATED, M_READ_KEY_RANGE, M_WRITE_KEY_RANGE,
};

static const CirrusMetricDef ddb_metrics[] = {
    [M_REQUESTS]        = {"Requests", CIRRUS_METRIC_COUNT, "Count"},
    [M_CONSUMED_READ]   = {"ConsumedReadCapacityUnits", CIRRUS_METRIC_COUNT, "Count"},
    [M_CONSUMED_WRITE]  = {"ConsumedWriteCapacityUnits", CIRRUS_METRIC_COUNT, "Count"},
    [M_PROV_READ]       = {"ProvisionedReadCapacityUnits", CIRRUS_METRIC_GAUGE, "Count"},
    [M_PROV_WRITE]      = {"ProvisionedWriteCapacityUnits", CIRRUS_METRIC_GAUGE, "Count"},
    [M_READ_THROTTLES]  = {"ReadThrottleEvents", CIRRUS_METRIC_COUNT, "Count"},
    [M_WRITE_THROTTLES] = {"WriteThrottleEvents", CIRRUS_METRIC_COUNT, "Count"},
    [M_THROTTLED]       = {"ThrottledRequests", CIRRUS_METRIC_COUNT, "Count"},
    [M_LATENCY]         = {"SuccessfulRequestLatency", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_PARTITIONS]      = {"Partitions", CIRRUS_METRIC_GAUGE, "Count"},
    [M_HOT_READ]        = {"ConsumedReadCapacityUnits.MaxPartition", CIRRUS_METRIC_COUNT, "Count"},
    [M_HOT_WRITE]       = {"ConsumedWriteCapacityUnits.MaxPartition", CIRRUS_METRIC_COUNT, "Count"},
    [M_SYSTEM_ERRORS]   = {"SystemErrors", CIRRUS_METRIC_COUNT, "Count"},
    [M_UNPROCESSED]     = {"UnprocessedItems", CIRRUS_METRIC_COUNT, "Count"},
    [M_SCALING]         = {"ScalingActivities", CIRRUS_METRIC_COUNT, "Count"},
    [M_ISOLATED]        = {"HotItemsIsolated", CIRRUS_METRIC_COUNT, "Count"},
    [M_READ_KEY_RANGE]  = {"ReadKeyRangeThroughputThrottleEvents", CIRRUS_METRIC_COUNT, "Count"},
    [M_WRITE_KEY_RANGE] = {"WriteKeyRangeThroughputThrottleEvents", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* ---- configuration ----------------------------------------------------- */

/* An operation's own rules on a request's keys (the invoke protocol's
 * check, and the table's `operations` mix). */
static gboolean check_op(DdbOp op, gint64 items, gint consistent, gint64 size, const CirrusNode *at, const char *role,
                         const char *name, GError **error)
{
    const char *op_name = ddb_op_names[op];
    guint max = ddb_op_max_items(op);
    if (items > 1 && max == 1) {
        cirrus_node_error(at, error, "%s '%s': %s works on one item; 'items' is for Query, Scan, batches and "
                          "transactions", role, name, op_name);
        return FALSE;
    }
    if (items > (gint64)max) {
        cirrus_node_error(at, error, "%s '%s': %s takes at most %u items (AWS), got %" G_GINT64_FORMAT, role, name,
                          op_name, max, items);
        return FALSE;
    }
    if (size > DDB_MAX_ITEM) {
        cirrus_node_error(at, error, "%s '%s': an item is at most 400 KB (AWS), got %" G_GINT64_FORMAT " bytes", role,
                          name, size);
        return FALSE;
    }
    gint64 max_bytes = ddb_op_max_bytes(op);
    if (max_bytes > 0 && size > 0 && size * MAX(items, 1) > max_bytes) {
        cirrus_node_error(at, error, "%s '%s': %s carries at most %" G_GINT64_FORMAT " MB in all (AWS), got %"
                          G_GINT64_FORMAT " items of %" G_GINT64_FORMAT " bytes", role, name, op_name,
                          max_bytes >> 20, MAX(items, 1), size);
        return FALSE;
    }
    if (consistent > 0 && ddb_op_writes(op)) {
        cirrus_node_error(at, error, "%s '%s': 'consistent' is for reads, and %s writes", role, name, op_name);
        return FALSE;
    }
    return TRUE;
}

static gboolean ddb_check_keys(const CirrusComponent *target, const CirrusRequestKeysSpec *spec, gint64 size,
                               const char *role, GError **error)
{
    const char *name = cirrus_component_name(target);
    /* The most specific node: the key the rule is about, else any given. */
    const CirrusNode *any = spec->items_at ? spec->items_at : spec->consistent_at ? spec->consistent_at
                          : spec->operation_at ? spec->operation_at : spec->size_at;
    if (size > DDB_MAX_ITEM)
        return check_op(DDB_GET_ITEM, -1, -1, size, spec->size_at ? spec->size_at : any, role, name, error);
    /* Without an operation the table's mix applies: its rules were checked
     * at configure. */
    if (!(spec->resolved.given & CIRRUS_KEYS_OPERATION)) return TRUE;
    return check_op((DdbOp)spec->resolved.operation, spec->items, spec->consistent, size, any, role, name, error);
}

static gboolean read_operations(Ddb *t, CirrusComponent *self, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(cfg, "operations", &list, error)) return FALSE;
    if (!list) return TRUE;
    guint n = cirrus_node_len(list);
    if (n == 0) {
        cirrus_node_error(list, error, "'operations' needs at least one {operation: GetItem, share: 0.8}");
        return FALSE;
    }
    t->mix = g_new0(DdbMix, n);
    t->n_mix = n;
    double total = 0;
    for (guint i = 0; i < n; i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        int op;
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
            cirrus_node_error(item, error, "each operation is a map such as {operation: PutItem, share: 0.2}");
            return FALSE;
        }
        if (!cirrus_cfg_require(item, "operation", "a DynamoDB operation, e.g. GetItem", error) ||
            !cirrus_cfg_enum(item, "operation", ddb_op_names, 0, &op, error) ||
            !cirrus_cfg_double(item, "share", 1.0, 0.0, G_MAXDOUBLE, &t->mix[i].share, error))
            return FALSE;
        t->mix[i].op = (DdbOp)op;
        if (ddb_op_max_items((DdbOp)op) > 1 && ddb_op_per_item((DdbOp)op)) {
            cirrus_node_error(cirrus_node_peek(item, "operation"), error, "the mix takes single-item operations, "
                              "Query and Scan; a batch or transaction is a call's or request's own "
                              "(operation: %s, items: N)", ddb_op_names[op]);
            return FALSE;
        }
        total += t->mix[i].share;
    }
    if (total <= 0) {
        cirrus_node_error(list, error, "the operations' shares add up to 0");
        return FALSE;
    }
    for (guint i = 0; i < n; i++) t->mix[i].share /= total;
    (void)self;
    return TRUE;
}

static gboolean read_gsis(Ddb *t, CirrusComponent *self, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(cfg, "global_secondary_indexes", &list, error)) return FALSE;
    guint n = list ? cirrus_node_len(list) : 0;
    /* AWS: at most 20 global secondary indexes per table (default quota). */
    if (n > 20) {
        cirrus_node_error(list, error, "at most 20 global secondary indexes per table (AWS's quota)");
        return FALSE;
    }
    t->gsis = g_new0(DdbSpace, n ? n : 1);
    for (guint i = 0; i < n; i++) {
        CirrusNode *item = cirrus_node_item(list, i);
        DdbSpace *g = &t->gsis[i];
        const char *name;
        gint64 rcu = 0, wcu = 0;
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
            cirrus_node_error(item, error, "each index is a map such as {name: by-customer, write_capacity: 200}");
            return FALSE;
        }
        if (!cirrus_cfg_require(item, "name", "the index's name", error) ||
            !cirrus_cfg_string(item, "name", NULL, &name, error))
            return FALSE;
        if (t->on_demand) {
            CirrusNode *bad = cirrus_node_peek(item, "read_capacity") ? cirrus_node_peek(item, "read_capacity")
                                                                       : cirrus_node_peek(item, "write_capacity");
            if (bad) {
                cirrus_node_error(bad, error, "an on_demand table's indexes are on-demand too: no capacities");
                return FALSE;
            }
        } else if (!cirrus_cfg_int(item, "read_capacity", (gint64)t->table.lanes[LANE_READ].provisioned, 1,
                                   (gint64)DDB_TABLE_MAX_UNITS, &rcu, error) ||
                   !cirrus_cfg_int(item, "write_capacity", (gint64)t->table.lanes[LANE_WRITE].provisioned, 1,
                                   (gint64)DDB_TABLE_MAX_UNITS, &wcu, error)) {
            return FALSE;
        }
        for (guint j = 0; j < i; j++)
            if (strcmp(t->gsis[j].name, name) == 0) {
                cirrus_node_error(cirrus_node_peek(item, "name"), error, "index '%s' is listed twice", name);
                return FALSE;
            }
        g->name = g_strdup(name);
        g->lanes[LANE_READ].provisioned = t->on_demand ? DDB_ON_DEMAND_RCU : (double)rcu;
        g->lanes[LANE_WRITE].provisioned = t->on_demand ? DDB_ON_DEMAND_WCU : (double)wcu;
        g->salt = (guint64)(i + 1) * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
        t->n_gsis = i + 1;
        /* CloudWatch reports an index's metrics under the table with a
         * GlobalSecondaryIndexName dimension: here, a suffix. */
        char *metric = g_strdup_printf("ConsumedWriteCapacityUnits.%s", name);
        g->m_consumed_write = cirrus_metric_add(self, metric, CIRRUS_METRIC_COUNT, "Count");
        g_free(metric);
        metric = g_strdup_printf("WriteThrottleEvents.%s", name);
        g->m_throttles = cirrus_metric_add(self, metric, CIRRUS_METRIC_COUNT, "Count");
        g_free(metric);
    }
    return TRUE;
}

static gboolean ddb_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    static const char *const modes[] = {"provisioned", "on_demand", NULL};
    Ddb *t = state;
    CirrusDist default_latency;
    int mode;
    gint64 rcu, wcu, max_read, max_write;
    t->faults = cirrus_component_faults(self);
    if (!cirrus_cfg_enum(cfg, "mode", modes, 0, &mode, error) || !ddb_dax_read(self, t, cfg, error) ||
        !ddb_stream_read(self, t, cfg, error))
        return FALSE;
    t->on_demand = mode == 1;
    if (t->on_demand) {
        CirrusNode *bad = cirrus_node_peek(cfg, "read_capacity") ? cirrus_node_peek(cfg, "read_capacity")
                                                                  : cirrus_node_peek(cfg, "write_capacity");
        if (bad) {
            cirrus_node_error(bad, error, "an on_demand table has no provisioned capacity (drop '%s', or use mode: "
                              "provisioned)", cirrus_node_peek(cfg, "read_capacity") ? "read_capacity"
                                                                                     : "write_capacity");
            return FALSE;
        }
    }
    /* AWS: the console proposes 5 RCU and 5 WCU for a new provisioned
     * table; the table quota is 40,000 of each; an item is at most 400 KB;
     * on-demand tables' maximum throughput defaults to that quota.
     * "Single-digit millisecond" latency: lognormal, mean 5 ms, cv 0.5 (an
     * assumption, docs/models/dynamodb.md). */
    if (!cirrus_dist_set(&default_latency, CIRRUS_DIST_LOGNORMAL, 0.005, 0.5, error)) return FALSE;
    gboolean ok =
        cirrus_cfg_int(cfg, "read_capacity", 5, 1, (gint64)DDB_TABLE_MAX_UNITS, &rcu, error) &&
        cirrus_cfg_int(cfg, "write_capacity", 5, 1, (gint64)DDB_TABLE_MAX_UNITS, &wcu, error) &&
        cirrus_cfg_int(cfg, "max_read_request_units", (gint64)DDB_TABLE_MAX_UNITS, 1, (gint64)DDB_TABLE_MAX_UNITS,
                       &max_read, error) &&
        cirrus_cfg_int(cfg, "max_write_request_units", (gint64)DDB_TABLE_MAX_UNITS, 1, (gint64)DDB_TABLE_MAX_UNITS,
                       &max_write, error) &&
        cirrus_cfg_size(cfg, "size", 0, &t->stored_bytes, error) &&
        cirrus_cfg_size(cfg, "item_size", DDB_KB, &t->item_size, error) &&
        cirrus_keys_read(cfg, "keys", 100000, CIRRUS_KEYS_MAX, &t->keys, error) &&
        cirrus_cfg_bool(cfg, "burst_capacity", TRUE, &t->burst, error) &&
        cirrus_cfg_bool(cfg, "adaptive_capacity", TRUE, &t->adaptive, error) &&
        cirrus_cfg_dist(cfg, "latency", &default_latency, &t->latency, error);
    cirrus_dist_clear(&default_latency);
    if (!ok) return FALSE;
    if (!t->on_demand && (cirrus_node_peek(cfg, "max_read_request_units") || cirrus_node_peek(cfg, "max_write_request_units"))) {
        CirrusNode *bad = cirrus_node_peek(cfg, "max_read_request_units") ? cirrus_node_peek(cfg, "max_read_request_units")
                                                                          : cirrus_node_peek(cfg, "max_write_request_units");
        cirrus_node_error(bad, error, "the maximum request units are an on_demand table's; a provisioned table's "
                          "capacity is read_capacity and write_capacity");
        return FALSE;
    }
    if (t->item_size < 1 || t->item_size > DDB_MAX_ITEM) {
        cirrus_node_error(cirrus_node_peek(cfg, "item_size"), error, "'item_size' must be from 1 byte to 400KB "
                          "(AWS's item limit)");
        return FALSE;
    }
    DdbSpace *s = &t->table;
    s->lanes[LANE_READ].provisioned = t->on_demand ? MIN(DDB_ON_DEMAND_RCU, (double)max_read) : (double)rcu;
    s->lanes[LANE_WRITE].provisioned = t->on_demand ? MIN(DDB_ON_DEMAND_WCU, (double)max_write) : (double)wcu;
    s->lanes[LANE_READ].max = (double)max_read;
    s->lanes[LANE_WRITE].max = (double)max_write;
    if (!read_operations(t, self, cfg, error) || !read_gsis(t, self, cfg, error) || !ddb_scaling_read(t, cfg, error))
        return FALSE;
    for (guint i = 0; i < t->n_mix; i++)
        if (!check_op(t->mix[i].op, -1, -1, t->item_size, cfg, "table", cirrus_component_name(self), error))
            return FALSE;
    return TRUE;
}

static gboolean ddb_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Ddb *t = state;
    const CirrusPrices *p = cirrus_globals(sc)->prices;
    (void)self;
    t->usd_rcu_hour = cirrus_price(p, "dynamodb.rcu_hour");
    t->usd_wcu_hour = cirrus_price(p, "dynamodb.wcu_hour");
    t->usd_read_unit = cirrus_price(p, "dynamodb.on_demand.read_request_unit");
    t->usd_write_unit = cirrus_price(p, "dynamodb.on_demand.write_request_unit");
    t->usd_gb_month = cirrus_price(p, "dynamodb.storage.gb_month");
    t->usd_stream_read = cirrus_price(p, "dynamodb.streams.read_request_unit");
    return ddb_dax_link(t, p, error);
}

/* ---- requests ------------------------------------------------------------ */

static void update_gauges(CirrusComponent *self, const Ddb *t)
{
    cirrus_metric_gauge(self, M_PROV_READ, t->table.lanes[LANE_READ].provisioned);
    cirrus_metric_gauge(self, M_PROV_WRITE, t->table.lanes[LANE_WRITE].provisioned);
    cirrus_metric_gauge(self, M_PARTITIONS, (double)t->table.n_partitions);
}

static DdbOp draw_op(Ddb *t)
{
    if (!t->mix) return DDB_GET_ITEM;
    double u = cirrus_rng_uniform(&t->op_rng), acc = 0;
    for (guint i = 0; i + 1 < t->n_mix; i++)
        if (u < (acc += t->mix[i].share)) return t->mix[i].op;
    return t->mix[t->n_mix - 1].op;
}

/* Whether one item can be served now — on the table's partition of its
 * key and, for a write, on every index's.  A refusal is counted where it
 * happens (AWS: a PutItem on a table with indexes is one event on the
 * table and one on each index; WriteThrottleEvents of the table counts
 * the table's, an index's its own).  TRUE when all admit it. */
static gboolean item_can(CirrusComponent *self, Ddb *t, DdbLaneKind lane, guint key, CirrusTime now)
{
    DdbSpace *s = &t->table;
    DdbRefusal why = ddb_can_admit(s, lane, ddb_partition_of(s, key), now, t->on_demand, t->burst, t->adaptive);
    if (why != DDB_ADMITTED) {
        cirrus_metric_count(self, lane == LANE_READ ? M_READ_THROTTLES : M_WRITE_THROTTLES, 1);
        if (why == DDB_KEY_RANGE)
            cirrus_metric_count(self, lane == LANE_READ ? M_READ_KEY_RANGE : M_WRITE_KEY_RANGE, 1);
        return FALSE;
    }
    for (guint g = 0; lane == LANE_WRITE && g < t->n_gsis; g++) {
        DdbSpace *x = &t->gsis[g];
        if (ddb_can_admit(x, lane, ddb_partition_of(x, key), now, t->on_demand, t->burst, t->adaptive) !=
            DDB_ADMITTED) {
            cirrus_metric_count(self, x->m_throttles, 1);
            return FALSE;
        }
    }
    return TRUE;
}

/* Serve one item admitted by item_can() (at the same time): its units on
 * its partitions, the indexes' counted; a write is a stream record. */
static void item_take(CirrusComponent *self, Ddb *t, DdbLaneKind lane, guint key, double units, gint64 size,
                      const CirrusRequest *req)
{
    DdbSpace *s = &t->table;
    CirrusTime now = cirrus_now(self);
    guint p = ddb_partition_of(s, key);
    ddb_consume(s, lane, p, units, t->on_demand, t->burst, t->adaptive);
    if (t->stream && lane == LANE_WRITE) ddb_stream_write(self, t, p, key, size, req);
    if (s->heat && s->heat[p].watching) ddb_heat_note(s, p, key, lane, units);
    for (guint g = 0; lane == LANE_WRITE && g < t->n_gsis; g++) {
        DdbSpace *x = &t->gsis[g];
        ddb_consume(x, lane, ddb_partition_of(x, key), units, t->on_demand, t->burst, t->adaptive);
        cirrus_metric_count_amount(self, x->m_consumed_write, units);
        if (t->on_demand) ddb_note_demand(&x->lanes[lane], units, now);
    }
}

/* Units served: counted, and on-demand, billed and noted for the peak. */
static void consumed(CirrusComponent *self, Ddb *t, DdbLaneKind lane, double units, CirrusTime now)
{
    cirrus_metric_count_amount(self, lane == LANE_READ ? M_CONSUMED_READ : M_CONSUMED_WRITE, units);
    t->minute_units[lane] += units;
    if (!t->on_demand) return;
    t->billed_units[lane] += units * (1 + (lane == LANE_WRITE ? t->n_gsis : 0));
    ddb_note_demand(&t->table.lanes[lane], units, now);
}

/* Serve what a request asks: its outcome, and the items left unprocessed
 * (a batch's). */
static CirrusOutcome serve(CirrusComponent *self, Ddb *t, const CirrusRequest *req, DdbOp op, guint key,
                           gint64 size, guint items, gboolean consistent, guint *unprocessed)
{
    CirrusTime now = cirrus_now(self);
    DdbLaneKind lane = ddb_op_writes(op) ? LANE_WRITE : LANE_READ;
    double units = ddb_units_per_item(op, size, items, consistent);
    *unprocessed = 0;
    if (op == DDB_SCAN) {
        /* A Scan reads every partition alike: all of them or none. */
        DdbSpace *s = &t->table;
        double each = units / s->n_partitions;
        for (guint p = 0; p < s->n_partitions; p++) {
            DdbRefusal why = ddb_can_admit(s, lane, p, now, t->on_demand, t->burst, t->adaptive);
            if (why == DDB_ADMITTED) continue;
            cirrus_metric_count(self, M_READ_THROTTLES, 1);
            if (why == DDB_KEY_RANGE) cirrus_metric_count(self, M_READ_KEY_RANGE, 1);
            cirrus_metric_count(self, M_THROTTLED, 1);
            return CIRRUS_OUTCOME_THROTTLED;
        }
        for (guint p = 0; p < s->n_partitions; p++) ddb_consume(s, lane, p, each, t->on_demand, t->burst, t->adaptive);
        consumed(self, t, lane, units, now);
        return CIRRUS_OUTCOME_OK;
    }
    if (!ddb_op_per_item(op)) {
        /* One key: a single item, or a Query's items under one partition key. */
        if (!item_can(self, t, lane, key, now)) {
            cirrus_metric_count(self, M_THROTTLED, 1);
            return CIRRUS_OUTCOME_THROTTLED;
        }
        item_take(self, t, lane, key, units, size, req);
        consumed(self, t, lane, units, now);
        return CIRRUS_OUTCOME_OK;
    }
    guint *keys = g_newa(guint, items);
    for (guint i = 0; i < items; i++) keys[i] = cirrus_keys_draw(&t->keys, &t->key_rng);
    if (op == DDB_TRANSACT_GET_ITEMS || op == DDB_TRANSACT_WRITE_ITEMS) {
        /* All or nothing: every item's partitions must admit it, then
         * all of them are served. */
        for (guint i = 0; i < items; i++)
            if (!item_can(self, t, lane, keys[i], now)) {
                cirrus_metric_count(self, M_THROTTLED, 1);
                return CIRRUS_OUTCOME_THROTTLED;
            }
        for (guint i = 0; i < items; i++) item_take(self, t, lane, keys[i], units, size, req);
        consumed(self, t, lane, units * items, now);
        return CIRRUS_OUTCOME_OK;
    }
    /* A batch: each item on its own; the ones refused are unprocessed.
     * AWS: ThrottledRequests counts a batch only when every item in it was
     * throttled (it then fails whole, ProvisionedThroughputExceeded). */
    guint refused = 0;
    for (guint i = 0; i < items; i++) {
        if (item_can(self, t, lane, keys[i], now)) {
            item_take(self, t, lane, keys[i], units, size, req);
            consumed(self, t, lane, units, now);
        } else {
            refused++;
        }
    }
    if (refused == items) {
        cirrus_metric_count(self, M_THROTTLED, 1);
        return CIRRUS_OUTCOME_THROTTLED;
    }
    if (refused) cirrus_metric_count(self, M_UNPROCESSED, refused);
    *unprocessed = refused;
    return CIRRUS_OUTCOME_OK;
}

/* The memo of a request's choices (request.h): the operation drawn from
 * the mix in the top byte, 1 + the item's key below (0: none, for the
 * operations of many keys); keys are fewer than 2^24 (CIRRUS_KEYS_MAX). */
/* req->holder while its answer waits: its outcome, and this bit when DAX
 * answered it. */
#define DAX_HIT ((guint64)1 << 32)

#define MEMO(op, key_plus_1) (((guint32)(op) << 24) | (guint32)(key_plus_1))
#define MEMO_OP(memo) ((DdbOp)((memo) >> 24))
#define MEMO_KEY_PLUS_1(memo) ((memo) & 0xFFFFFFu)
G_STATIC_ASSERT(CIRRUS_KEYS_MAX < 0xFFFFFF && DDB_N_OPS < 256);

static void on_request(CirrusComponent *self, Ddb *t, CirrusRequest *req)
{
    CirrusRequestData *d = cirrus_request_data(req);
    /* A retry asks for what its first attempt asked: the memo this table
     * left in the answer, which the caller carried over. */
    guint32 memo = d->ref.answer.memo;
    d->ref.answer.unprocessed = d->ref.answer.memo = 0;
    cirrus_metric_count(self, M_REQUESTS, 1);
    if (cirrus_fault_down(t->faults)) {   /* an InternalServerError: a 500 */
        cirrus_metric_count(self, M_SYSTEM_ERRORS, 1);
        d->ref.answer.memo = memo;
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    const CirrusRequestKeys *k = &d->keys;
    DdbOp op = k->given & CIRRUS_KEYS_OPERATION ? (DdbOp)k->operation : memo ? MEMO_OP(memo) : draw_op(t);
    guint key_plus_1 = 0;
    if (op != DDB_SCAN && !ddb_op_per_item(op))
        key_plus_1 = MEMO_KEY_PLUS_1(memo) ? MEMO_KEY_PLUS_1(memo) : cirrus_keys_draw(&t->keys, &t->key_rng) + 1;
    gint64 size = k->given & CIRRUS_KEYS_SIZE ? req->size : t->item_size;
    guint items = ddb_op_max_items(op) == 1 ? 1 : MAX(k->items, 1u);
    guint unprocessed;
    d->ref.answer.memo = MEMO(op, key_plus_1);
    /* DAX answers a hit itself: the table never sees it. */
    double seconds = ddb_dax_seconds(t);
    if (key_plus_1 && ddb_dax_hit(self, t, op, key_plus_1 - 1, k->consistent != 0)) {
        d->ref.answer.unprocessed = 0;
        req->holder = (guint64)CIRRUS_OUTCOME_OK | DAX_HIT;
        cirrus_schedule(self, cirrus_time_from_s(seconds * t->faults->slowdown), DDB_DONE, req, 0);
        return;
    }
    CirrusOutcome outcome = serve(self, t, req, op, key_plus_1 - 1, MIN(size, (gint64)DDB_MAX_ITEM), items,
                                  k->consistent != 0, &unprocessed);
    if (key_plus_1 && outcome == CIRRUS_OUTCOME_OK) ddb_dax_served(self, t, op, key_plus_1 - 1, k->consistent != 0);
    d->ref.answer.unprocessed = unprocessed;
    for (guint p = ddb_pages(op, size, items); p > 0; p--) seconds += cirrus_dist_sample(&t->latency, &t->latency_rng);
    req->holder = (guint64)outcome;
    cirrus_schedule(self, cirrus_time_from_s(seconds * t->faults->slowdown), DDB_DONE, req, 0);
}

static void on_done(CirrusComponent *self, CirrusRequest *req)
{
    CirrusOutcome outcome = (CirrusOutcome)(req->holder & ~DAX_HIT);
    /* CloudWatch's table latency: what reached the table (not DAX's hits). */
    if (outcome == CIRRUS_OUTCOME_OK && !(req->holder & DAX_HIT))
        cirrus_metric_latency(self, M_LATENCY, cirrus_now(self) - req->arrived);
    cirrus_reply_last(self, req, outcome);
}

/* Once a minute: auto scaling and on-demand growth, and the partitions
 * more capacity needs. */
static void on_minute(CirrusComponent *self, Ddb *t)
{
    CirrusTime now = cirrus_now(self);
    DdbSpace *s = &t->table;
    gboolean changed;
    if (t->on_demand) {
        changed = ddb_on_demand_grow(&s->lanes[LANE_READ], DDB_ON_DEMAND_RCU);
        changed = ddb_on_demand_grow(&s->lanes[LANE_WRITE], DDB_ON_DEMAND_WCU) || changed;
        for (guint g = 0; g < t->n_gsis; g++) {
            /* An index of an on-demand table scales as the table does. */
            DdbSpace *x = &t->gsis[g];
            gboolean grew = ddb_on_demand_grow(&x->lanes[LANE_READ], DDB_ON_DEMAND_RCU);
            grew = ddb_on_demand_grow(&x->lanes[LANE_WRITE], DDB_ON_DEMAND_WCU) || grew;
            if (grew)
                ddb_space_repartition(x, ddb_partitions_for(x->lanes[LANE_READ].provisioned,
                                                            x->lanes[LANE_WRITE].provisioned, 0), now, TRUE);
        }
    } else {
        changed = ddb_scaling_minute(self, t, t->minute_units);
        if (changed) cirrus_metric_count(self, M_SCALING, 1);
    }
    t->minute_units[LANE_READ] = t->minute_units[LANE_WRITE] = 0;
    if (s->heat) {
        guint moved = ddb_isolate_hot_items(s, now, t->on_demand);
        if (moved) {
            cirrus_metric_count(self, M_ISOLATED, moved);
            update_gauges(self, t);
            ddb_stream_resharded(self, t);
        }
    }
    if (changed) {
        guint n = ddb_partitions_for(s->lanes[LANE_READ].provisioned, s->lanes[LANE_WRITE].provisioned,
                                     t->stored_bytes);
        if (ddb_space_repartition(s, n, now, t->on_demand)) ddb_stream_resharded(self, t);
        update_gauges(self, t);
    }
    cirrus_schedule(self, CIRRUS_MIN, DDB_MINUTE, NULL, 0);
}

/* ---- the model ----------------------------------------------------------- */

static void ddb_start(CirrusComponent *self, void *state)
{
    Ddb *t = state;
    DdbSpace *s = &t->table;
    cirrus_component_substream(self, "keys", &t->key_rng);
    cirrus_component_substream(self, "operations", &t->op_rng);
    cirrus_component_substream(self, "latency", &t->latency_rng);
    ddb_space_init(s, ddb_partitions_for(s->lanes[LANE_READ].provisioned, s->lanes[LANE_WRITE].provisioned,
                                         t->stored_bytes), 0, t->on_demand, t->adaptive);
    ddb_stream_start(self, t);
    ddb_dax_start(self, t);
    for (guint g = 0; g < t->n_gsis; g++) {
        DdbSpace *x = &t->gsis[g];
        /* An on-demand index's maximum throughput is its table's. */
        x->lanes[LANE_READ].max = s->lanes[LANE_READ].max;
        x->lanes[LANE_WRITE].max = s->lanes[LANE_WRITE].max;
        ddb_space_init(x, ddb_partitions_for(x->lanes[LANE_READ].provisioned, x->lanes[LANE_WRITE].provisioned, 0),
                       0, t->on_demand, FALSE);
    }
    cirrus_schedule(self, CIRRUS_MIN, DDB_MINUTE, NULL, 0);
    update_gauges(self, t);
}

static void ddb_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Ddb *t = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_request(self, t, ev->request); break;
    case DDB_DONE: on_done(self, ev->request); break;
    case DDB_MINUTE: on_minute(self, t); break;
    case CIRRUS_EVENT_FAULT_BEGIN:
        /* The kernel keeps the state; an outage answers the stream's
         * waiting readers (none: no enhanced fan-out, so a no-op). */
        if (t->stream && cirrus_event_fault(self, ev)->kind == CIRRUS_FAULT_OUTAGE)
            cirrus_stream_log_fail_waiting(self, t->stream);
        break;
    case CIRRUS_EVENT_FAULT_END: break;
    default:
        /* the stream's readers; a table sends nothing, so gets no replies */
        if (!t->stream || !cirrus_stream_log_handle(self, t->stream, ev)) g_assert_not_reached();
    }
}

/* The hottest partition's consumption in the interval just ended. */
static void ddb_sample(CirrusComponent *self, void *state)
{
    Ddb *t = state;
    if (!t->table.slots[LANE_READ]) return;   /* not started */
    cirrus_metric_count_amount(self, M_HOT_READ, ddb_take_hottest(&t->table, LANE_READ));
    cirrus_metric_count_amount(self, M_HOT_WRITE, ddb_take_hottest(&t->table, LANE_WRITE));
    if (t->stream) cirrus_stream_log_sample(self, t->stream);
}

static void ddb_destroy(CirrusComponent *self, void *state)
{
    Ddb *t = state;
    (void)self;
    ddb_space_clear(&t->table);
    ddb_stream_clear(t);
    ddb_dax_clear(t);
    for (guint g = 0; g < t->n_gsis; g++) ddb_space_clear(&t->gsis[g]);
    g_free(t->gsis);
    g_free(t->mix);
    cirrus_keys_clear(&t->keys);
    cirrus_dist_clear(&t->latency);
}

/* DynamoDB pricing (https://aws.amazon.com/dynamodb/pricing/, us-east-1):
 * provisioned capacity per RCU-hour and WCU-hour, the table's and each
 * index's, for the whole run; on-demand per read and write request unit
 * (a write to a table with indexes is billed on each); storage per
 * GB-month, prorated; the stream's GetRecords calls by readers other than
 * Lambda triggers, one read request unit each. */
static double ddb_cost(CirrusComponent *self, void *state)
{
    const Ddb *t = state;
    double hours = cirrus_time_to_s(cirrus_now(self)) / 3600.0;
    double storage = (double)t->stored_bytes / (1024.0 * 1024 * 1024) * hours / CIRRUS_HOURS_PER_MONTH * t->usd_gb_month;
    double stream = t->stream ? cirrus_metric_run_total(self, t->m_stream_billed) * t->usd_stream_read : 0;
    stream += ddb_dax_cost(t, hours);   /* DAX's nodes too */
    if (t->on_demand)
        return t->billed_units[LANE_READ] * t->usd_read_unit + t->billed_units[LANE_WRITE] * t->usd_write_unit +
               storage + stream;
    double usd = cirrus_metric_run_total(self, M_PROV_READ) / 3600.0 * t->usd_rcu_hour +
                 cirrus_metric_run_total(self, M_PROV_WRITE) / 3600.0 * t->usd_wcu_hour;
    for (guint g = 0; g < t->n_gsis; g++)
        usd += hours * (t->gsis[g].lanes[LANE_READ].provisioned * t->usd_rcu_hour +
                        t->gsis[g].lanes[LANE_WRITE].provisioned * t->usd_wcu_hour);
    return usd + storage + stream;
}

/* The AWS SDK for Java's DynamoDB client retries 10 times from a 25 ms
 * base (PredefinedRetryPolicies.DYNAMODB_DEFAULT_MAX_ERROR_RETRY and
 * PredefinedBackoffStrategies.DYNAMODB_DEFAULT_BASE_DELAY) where its other
 * clients retry 3 times from 100 ms; after a throttle it waits from a
 * 500 ms base with equal jitter (SDK_DEFAULT_THROTTLED_BASE_DELAY: "the
 * equal jitter scheme for throttled exceptions ... guarantees a minimum
 * delay"). */
static const CirrusRetryDefaults ddb_retry_defaults = {
    .max_retries = 10, .base = 25 * CIRRUS_MS,
    .throttle_base = 500 * CIRRUS_MS, .throttle_jitter = CIRRUS_JITTER_EQUAL,
};

static const CirrusInvokeSpec ddb_invoke = {
    .operations = ddb_op_names,
    .keys = CIRRUS_KEY_ITEMS | CIRRUS_KEY_CONSISTENT,
    .check = ddb_check_keys,
    .partial_batches = TRUE,
    .memo = TRUE,
    .retry_defaults = &ddb_retry_defaults,
};

static const struct CirrusProtocols ddb_protocols = {
    .noun = "a dynamodb table",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_STREAM,
    .invoke = &ddb_invoke,
    .stream = &ddb_stream_ops,
};

const CirrusModelType cirrus_dynamodb_type = {
    .name = "dynamodb",
    .state_size = sizeof(Ddb),
    .configure = ddb_configure,
    .link = ddb_link,
    .start = ddb_start,
    .handle = ddb_handle,
    .sample = ddb_sample,
    .destroy = ddb_destroy,
    .metrics = ddb_metrics,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) | CIRRUS_FAULT_BIT(CIRRUS_FAULT_SLOWDOWN),
    .cost = ddb_cost,
    .protocols = &ddb_protocols,
};
