/* cirrus — warnings (see warn.h).
 *
 * Everything here reads the scenario's YAML tree again (as loaded, with
 * --set applied): the models keep their configuration private, and a
 * warning must never change what they simulate.  The loader has already
 * checked every key, so the values read here are known to be valid.
 *
 * The offered-load check is deliberately one-sided, so that it never
 * warns about a station that copes:
 * - the load is a lower bound: a workload's mean arrival rate over the
 *   run (`rate`, or a `schedule` averaged over [0, duration]), carried to
 *   `service` stations and Auto Scaling groups directly, through an
 *   `alb`/`nlb`, and through `calls` with their probabilities (a caller
 *   passes on at most what it can serve); retries, traces, CloudWatch
 *   replays, cache calls and everything behind a lambda, a queue, a
 *   stream or Route 53 add nothing;
 * - the capacity is an upper bound: workers / mean service_time for a
 *   service, max instances x workers / mean service_time for a group
 *   (time spent waiting on calls is left out, and would only lower it).
 * So "load >= capacity" means the station cannot keep up on average:
 * in steady state its queue grows without bound (or, with a queue
 * limit, it stays full and turns the excess away). */
#include "tools/warn.h"
#include "tools/runtables.h"
#include "sim/loader/config.h"
#include "sim/loader/node.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

typedef struct {
    const char *name, *type;
    const CirrusNode *entry, *at;   /* the entry map; its `name` (where warnings point) */
    gboolean workload;
    double rate;                    /* workload: mean arrival rate (NaN: unknown) */
    double capacity;                /* requests/s a station can serve at most (NaN: not a station) */
    double load;                    /* the offered load found (lower bound) */
    double workers, mean_s;         /* for the message */
    gboolean unbounded;             /* a station with no queue limit */
} Entity;

typedef struct {
    guint from, to;
    double p;                       /* share of `from`'s throughput sent to `to` */
} Flow;

typedef struct {
    const CirrusScenario *sc;
    GArray *entities;               /* Entity, workloads then components, file order */
    GHashTable *index;              /* name -> index + 1 */
    GArray *flows;                  /* Flow */
    GPtrArray *out;
} Checker;

static void warn_at(Checker *k, const CirrusNode *at, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void warn_at(Checker *k, const CirrusNode *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(k->out, g_strdup_printf("%s:%d:%d: warning: %s", cirrus_node_file(at), cirrus_node_line(at),
                                            cirrus_node_col(at), msg));
    g_free(msg);
}

static Entity *entity(Checker *k, guint i) { return &g_array_index(k->entities, Entity, i); }

static gint find(Checker *k, const char *name)
{
    gpointer v = name ? g_hash_table_lookup(k->index, name) : NULL;
    return v ? GPOINTER_TO_INT(v) - 1 : -1;
}

/* A scalar under a map, or NULL. */
static const char *scalar(const CirrusNode *map, const char *key)
{
    const CirrusNode *n = map && cirrus_node_kind(map) == CIRRUS_NODE_MAP ? cirrus_node_peek(map, key) : NULL;
    return n ? cirrus_node_scalar(n) : NULL;
}

static double number(const CirrusNode *map, const char *key, double def)
{
    const char *s = scalar(map, key);
    char *end;
    double v = s ? g_ascii_strtod(s, &end) : def;
    return s && (end == s || *end) ? def : v;
}

/* The mean of a distribution key (seconds), NaN if absent or unreadable. */
static double dist_mean(const CirrusNode *map, const char *key)
{
    if (!map || !cirrus_node_peek(map, key)) return NAN;
    CirrusDist d;
    memset(&d, 0, sizeof d);
    /* The loader has read this key already: reading it again is only a
     * conversion (cirrus_cfg_dist marks the node used, which is harmless
     * after loading). */
    if (!cirrus_cfg_dist((CirrusNode *)map, key, NULL, &d, NULL)) return NAN;
    double m = cirrus_dist_mean(&d);
    cirrus_dist_clear(&d);
    return m;
}

/* A workload's mean arrival rate over [0, duration], NaN when it is not
 * known from the file alone (a trace, a CloudWatch export). */
static double mean_rate(const CirrusNode *entry, double duration_s)
{
    const CirrusNode *arrival = cirrus_node_peek(entry, "arrival");
    if (!arrival || cirrus_node_kind(arrival) != CIRRUS_NODE_MAP) return NAN;
    const CirrusNode *rate = cirrus_node_peek(arrival, "rate"), *schedule = cirrus_node_peek(arrival, "schedule");
    double r;
    if (rate) return cirrus_node_to_rate(rate, &r, NULL) ? r : NAN;
    if (!schedule || cirrus_node_kind(schedule) != CIRRUS_NODE_SEQ || cirrus_node_len(schedule) == 0) return NAN;
    /* Piecewise linear through the points, flat before the first and
     * after the last (docs/models/workload.md). */
    guint n = cirrus_node_len(schedule);
    double *t = g_new(double, n), *v = g_new(double, n), area = 0;
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < n; i++) {
        const CirrusNode *pt = cirrus_node_item(schedule, i);
        CirrusTime at;
        ok = cirrus_node_len(pt) == 2 && cirrus_node_to_duration(cirrus_node_item(pt, 0), &at, NULL) &&
             cirrus_node_to_rate(cirrus_node_item(pt, 1), &v[i], NULL);
        if (ok) t[i] = MIN(cirrus_time_to_s(at), duration_s);
    }
    if (ok) {
        area += v[0] * t[0];
        for (guint i = 1; i < n; i++) area += (t[i] - t[i - 1]) * (v[i] + v[i - 1]) / 2;
        area += v[n - 1] * (duration_s - t[n - 1]);
    }
    g_free(t);
    g_free(v);
    return ok && duration_s > 0 ? area / duration_s : NAN;
}

static void add_flow(Checker *k, guint from, const char *to, double p)
{
    gint t = find(k, to);
    if (t < 0 || p <= 0) return;
    Flow f = {from, (guint)t, p};
    g_array_append_val(k->flows, f);
}

/* The targets of a `calls` list (plain calls and parallel groups; a
 * cache call's hits are unknown, so it and its lists add nothing). */
static void add_calls(Checker *k, guint from, const CirrusNode *calls)
{
    for (guint i = 0; calls && cirrus_node_kind(calls) == CIRRUS_NODE_SEQ && i < cirrus_node_len(calls); i++) {
        const CirrusNode *item = cirrus_node_item(calls, i);
        if (cirrus_node_kind(item) != CIRRUS_NODE_MAP || cirrus_node_peek(item, "cache")) continue;
        const CirrusNode *group = cirrus_node_peek(item, "parallel");
        if (group) {
            add_calls(k, from, group);
            continue;
        }
        add_flow(k, from, scalar(item, "target"), number(item, "probability", 1.0));
    }
}

/* Stations, their capacity, and the flows between entities. */
static void read_stations(Checker *k)
{
    double duration_s = cirrus_time_to_s(cirrus_scenario_duration(k->sc));
    for (guint i = 0; i < k->entities->len; i++) {
        Entity *e = entity(k, i);
        e->capacity = e->rate = NAN;
        if (e->workload) {
            e->rate = mean_rate(e->entry, duration_s);
            add_flow(k, i, scalar(e->entry, "target"), 1.0);
        } else if (strcmp(e->type, "service") == 0) {
            e->workers = number(e->entry, "workers", 1);
            e->mean_s = dist_mean(e->entry, "service_time");
            e->capacity = e->mean_s > 0 ? e->workers / e->mean_s : NAN;
            e->unbounded = number(e->entry, "queue_limit", -1) < 0;
            add_calls(k, i, cirrus_node_peek(e->entry, "calls"));
        } else if (strcmp(e->type, "asg") == 0) {
            const CirrusNode *inst = cirrus_node_peek(e->entry, "instance");
            if (!inst || cirrus_node_peek(inst, "consumes")) continue;   /* it pulls from a queue */
            double min = number(e->entry, "min", 1), desired = number(e->entry, "desired", min);
            double max = number(e->entry, "max", MAX(min, desired));
            e->workers = max * number(inst, "workers", 1);
            e->mean_s = dist_mean(inst, "service_time");
            e->capacity = e->mean_s > 0 ? e->workers / e->mean_s : NAN;
            e->unbounded = number(inst, "queue_limit", -1) < 0;
            add_calls(k, i, cirrus_node_peek(inst, "calls"));
        } else if (strcmp(e->type, "alb") == 0 || strcmp(e->type, "nlb") == 0) {
            add_flow(k, i, scalar(e->entry, "targets"), 1.0);
        }
    }
}

/* What an entity passes on per second: a workload its rate, a station
 * what it serves (at most its capacity), a load balancer what it gets. */
static double throughput(const Entity *e)
{
    if (e->workload) return isfinite(e->rate) ? e->rate : 0;
    if (isfinite(e->capacity)) return MIN(e->load, e->capacity);
    return strcmp(e->type, "alb") == 0 || strcmp(e->type, "nlb") == 0 ? e->load : 0;
}

static void check_load(Checker *k)
{
    /* Propagate: at most one pass per entity reaches a fixed point on an
     * acyclic graph; a loop of async calls is cut there (a lower bound). */
    guint n = k->entities->len;
    for (guint pass = 0; pass <= n; pass++) {
        double *load = g_new0(double, n);
        for (guint f = 0; f < k->flows->len; f++) {
            const Flow *fl = &g_array_index(k->flows, Flow, f);
            load[fl->to] += fl->p * throughput(entity(k, fl->from));
        }
        gboolean same = TRUE;
        for (guint i = 0; i < n; i++) {
            same = same && load[i] == entity(k, i)->load;
            entity(k, i)->load = load[i];
        }
        g_free(load);
        if (same) break;
    }
    for (guint i = 0; i < n; i++) {
        const Entity *e = entity(k, i);
        if (!isfinite(e->capacity) || e->load <= 0 || e->load < e->capacity) continue;
        warn_at(k, e->at, "%s '%s': offered load %.4g requests/s is at or above its capacity of %.4g/s "
                "(%g worker%s / mean service_time %.4g ms; utilisation %.0f%%): in steady state %s",
                e->type, e->name, e->load, e->capacity, e->workers, e->workers == 1 ? "" : "s", 1e3 * e->mean_s,
                100 * e->load / e->capacity,
                e->unbounded ? "its queue grows without bound (no queue_limit), and so does latency"
                             : "its queue stays full and it refuses the excess (503)");
    }
}

/* A sync workload with no client timeout into a station whose queue has
 * no limit (directly or through a load balancer): nothing ever fails, an
 * overload only shows as latency. */
static void check_waits_forever(Checker *k)
{
    for (guint i = 0; i < k->entities->len; i++) {
        const Entity *w = entity(k, i);
        if (!w->workload) continue;
        const char *inv = scalar(w->entry, "invocation");
        const CirrusNode *client = cirrus_node_peek(w->entry, "client");
        const char *timeout = scalar(client, "timeout");
        CirrusTime t = 0;
        if ((inv && strcmp(inv, "sync") != 0) ||
            (timeout && (!cirrus_node_to_duration(cirrus_node_peek(client, "timeout"), &t, NULL) || t > 0)))
            continue;
        gint s = find(k, scalar(w->entry, "target"));
        if (s >= 0 && (strcmp(entity(k, (guint)s)->type, "alb") == 0 || strcmp(entity(k, (guint)s)->type, "nlb") == 0))
            s = find(k, scalar(entity(k, (guint)s)->entry, "targets"));
        if (s < 0 || !isfinite(entity(k, (guint)s)->capacity) || !entity(k, (guint)s)->unbounded) continue;
        const Entity *st = entity(k, (guint)s);
        warn_at(k, w->at, "workload '%s' calls %s '%s' synchronously with no client.timeout, and '%s' has no "
                "queue_limit: an overload never fails a request, it only makes it wait (give the client a "
                "timeout or the %s a queue_limit)", w->name, st->type, st->name, st->name, st->type);
    }
}

/* Every scalar value below `node` that names another entity: a reference.
 * Under a key `source` (an event source, a consumed queue, a metric's
 * source) the data flows the other way: the named entity reaches this one. */
static void collect_refs(Checker *k, guint self, const CirrusNode *node, gboolean pull, GArray *edges, int depth)
{
    if (!node || depth > CIRRUS_NODE_MAX_DEPTH) return;
    switch (cirrus_node_kind(node)) {
    case CIRRUS_NODE_SCALAR: {
        gint t = find(k, cirrus_node_scalar(node));
        if (t >= 0 && (guint)t != self) {
            guint e[2] = {pull ? (guint)t : self, pull ? self : (guint)t};
            g_array_append_vals(edges, e, 2);
        }
        break;
    }
    case CIRRUS_NODE_SEQ:
        for (guint i = 0; i < cirrus_node_len(node); i++)
            collect_refs(k, self, cirrus_node_item(node, i), pull, edges, depth + 1);
        break;
    case CIRRUS_NODE_MAP:
        for (guint i = 0; i < cirrus_node_len(node); i++) {
            const char *key = cirrus_node_key(node, i);
            if (depth == 0 && (strcmp(key, "name") == 0 || strcmp(key, "type") == 0)) continue;
            collect_refs(k, self, cirrus_node_item(node, i), pull || strcmp(key, "source") == 0, edges, depth + 1);
        }
        break;
    }
}

static void check_unreached(Checker *k)
{
    guint n = k->entities->len;
    GArray *edges = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < n; i++) collect_refs(k, i, entity(k, i)->entry, FALSE, edges, 0);
    gboolean *reached = g_new0(gboolean, n);
    guint *stack = g_new(guint, n), top = 0;
    for (guint i = 0; i < n; i++)
        if (entity(k, i)->workload) reached[i] = TRUE, stack[top++] = i;
    while (top > 0) {
        guint from = stack[--top];
        for (guint e = 0; e + 1 < edges->len; e += 2)
            if (g_array_index(edges, guint, e) == from && !reached[g_array_index(edges, guint, e + 1)]) {
                reached[g_array_index(edges, guint, e + 1)] = TRUE;
                stack[top++] = g_array_index(edges, guint, e + 1);
            }
    }
    for (guint i = 0; i < n; i++)
        if (!reached[i])
            warn_at(k, entity(k, i)->at, "%s '%s': nothing reaches it (no workload's requests lead to it "
                    "through targets, calls, subscriptions or event sources): it will sit idle",
                    entity(k, i)->type, entity(k, i)->name);
    g_free(stack);
    g_free(reached);
    g_array_free(edges, TRUE);
}

/* A model with no price, in a scenario whose cost table is not empty: the
 * total leaves it out without saying so. */
static void check_prices(Checker *k)
{
    const CirrusRegistry *reg = cirrus_scenario_registry(k->sc);
    gboolean *billed = g_new0(gboolean, k->entities->len), any = FALSE;
    for (guint i = 0; i < k->entities->len; i++) {
        const Entity *e = entity(k, i);
        for (guint t = 0; !e->workload && reg->types[t]; t++)
            if (strcmp(reg->types[t]->name, e->type) == 0) billed[i] = cirrus_model_has_cost(reg->types[t]);
        any = any || billed[i];
    }
    for (guint i = 0; any && i < k->entities->len; i++)
        if (!entity(k, i)->workload && !billed[i])
            warn_at(k, entity(k, i)->at, "%s '%s' has no price: the cost table and its total leave it out "
                    "(docs/cost.md)", entity(k, i)->type, entity(k, i)->name);
    g_free(billed);
}

static Checker *checker_new(const CirrusScenario *sc)
{
    Checker *k = g_new0(Checker, 1);
    k->sc = sc;
    k->entities = g_array_new(FALSE, TRUE, sizeof(Entity));
    k->index = g_hash_table_new(g_str_hash, g_str_equal);
    k->flows = g_array_new(FALSE, FALSE, sizeof(Flow));
    k->out = g_ptr_array_new_with_free_func(g_free);
    const CirrusNode *root = cirrus_scenario_root(sc);
    for (guint s = 0; s < 2; s++) {
        const CirrusNode *list = cirrus_node_peek(root, s == 0 ? "workloads" : "components");
        for (guint i = 0; list && i < cirrus_node_len(list); i++) {
            const CirrusNode *entry = cirrus_node_item(list, i);
            Entity e = {
                .name = scalar(entry, "name"),
                .type = s == 0 ? "workload" : scalar(entry, "type"),
                .entry = entry, .at = cirrus_node_peek(entry, "name"), .workload = s == 0,
            };
            if (!e.name || !e.type || g_hash_table_contains(k->index, e.name)) continue;
            g_array_append_val(k->entities, e);
            g_hash_table_insert(k->index, (gpointer)e.name, GINT_TO_POINTER((gint)k->entities->len));
        }
    }
    return k;
}

static GPtrArray *checker_free(Checker *k)
{
    GPtrArray *out = k->out;
    g_array_free(k->entities, TRUE);
    g_hash_table_destroy(k->index);
    g_array_free(k->flows, TRUE);
    g_free(k);
    return out;
}

GPtrArray *cirrus_warnings_static(const CirrusScenario *sc)
{
    Checker *k = checker_new(sc);
    read_stations(k);
    check_load(k);
    check_waits_forever(k);
    check_unreached(k);
    check_prices(k);
    return checker_free(k);
}

/* The row of `metric` of workload `entity`, or NULL. */
static const CirrusSummaryRow *workload_row(GPtrArray *rows, const char *entity, const char *metric)
{
    for (guint i = 0; i < rows->len; i++) {
        const CirrusSummaryRow *r = rows->pdata[i];
        if (strcmp(r->group, "workloads") == 0 && strcmp(r->entity, entity) == 0 && strcmp(r->metric, metric) == 0)
            return r;
    }
    return NULL;
}

GPtrArray *cirrus_warnings_after_run(const CirrusScenario *sc, GPtrArray *rows)
{
    Checker *k = checker_new(sc);
    gboolean warmup = cirrus_scenario_warmup(sc) > 0;
    for (guint i = 0; i < k->entities->len; i++) {
        const Entity *w = entity(k, i);
        if (!w->workload) continue;
        const CirrusSummaryRow *out = workload_row(rows, w->name, "Outstanding");
        const CirrusSummaryRow *req = workload_row(rows, w->name, "Requests");
        if (!out || !req) continue;
        double left = out->v[CIRRUS_STAT_LAST], made = req->v[CIRRUS_STAT_SUM];
        if (!(left > 0) || !(made > 0) || left <= 0.01 * made) continue;
        warn_at(k, w->at, "workload '%s': %.0f requests still in flight at the end, %.1f%% of the %.0f made%s: "
                "the latency statistics leave them out, and the failure counts do not know how they end",
                w->name, left, 100 * left / made, made, warmup ? " after the warm-up" : "");
    }
    return checker_free(k);
}

guint cirrus_warnings_print(FILE *out, GPtrArray *warnings)
{
    for (guint i = 0; i < warnings->len; i++) fprintf(out, "cirrus: %s\n", (const char *)warnings->pdata[i]);
    return warnings->len;
}
