/* cirrus — the event kernel: components, events, requests, the run loop. */
#include "sim/kernel/kernel-private.h"
#include "sim/kernel/error.h"
#include <stddef.h>
#include <string.h>

/* Debug builds: nothing is posted, sent, answered, made or freed after a
 * handler's last act (see cirrus_send_last). */
#define assert_not_handed_over(sim) cirrus_hot_assert(!(sim)->handed_over)

const char *cirrus_outcome_name(CirrusOutcome outcome)
{
    switch (outcome) {
    case CIRRUS_OUTCOME_PENDING: return "pending";
    case CIRRUS_OUTCOME_OK: return "ok";
    case CIRRUS_OUTCOME_THROTTLED: return "throttled";
    case CIRRUS_OUTCOME_REJECTED: return "rejected";
    case CIRRUS_OUTCOME_FAILED: return "failed";
    case CIRRUS_OUTCOME_TIMED_OUT: return "timed out";
    }
    return "?";
}

/* ---- building ---------------------------------------------------------- */

/* The inline metric updates (metric-inline.h) see a component as its
 * first member. */
G_STATIC_ASSERT(offsetof(struct CirrusComponent, hot) == 0);

static const CirrusModelType courier_type;   /* below, with the faults */

CirrusSim *cirrus_sim_new(guint64 seed, guint64 replication)
{
    CirrusSim *sim = g_new0(CirrusSim, 1);
    sim->seed = seed;
    sim->replication = replication;
    sim->components = g_ptr_array_new();
    sim->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    sim->pes = cirrus_pes_new(CIRRUS_PES_DEFAULT);
    sim->requests = cirrus_pool_new(sizeof(CirrusRequest) + CIRRUS_REQUEST_DATA_BYTES);
    sim->series_names = g_ptr_array_new_with_free_func(g_free);
    sim->series_groups = g_ptr_array_new();
    sim->faults = g_array_new(FALSE, FALSE, sizeof(FaultEntry));
    sim->shared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    sim->type_states = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    sim->courier = (CirrusComponent){ .sim = sim, .type = &courier_type, .name = "(fault courier)" };
    return sim;
}

static void component_free(CirrusComponent *c)
{
    cirrus_model_destroy(c->type, c, c->state);
    for (guint i = 0; i < c->metrics->len; i++) recorder_metric_clear(&g_array_index(c->metrics, Metric, i));
    g_array_free(c->metrics, TRUE);
    g_free(c->state);
    g_free(c->name);
    g_free(c->group_path);
    g_free(c);
}

void cirrus_sim_free(CirrusSim *sim)
{
    if (!sim) return;
    for (guint i = 0; i < sim->components->len; i++) component_free(sim->components->pdata[i]);
    g_ptr_array_free(sim->components, TRUE);
    g_hash_table_destroy(sim->by_name);
    cirrus_pes_free(sim->pes);
    g_free(sim->due_now.items);
    cirrus_pool_free(sim->requests);
    g_free(sim->events);
    g_free(sim->free_slots);
    g_ptr_array_free(sim->series_names, TRUE);
    g_ptr_array_free(sim->series_groups, TRUE);
    g_array_free(sim->faults, TRUE);
    g_hash_table_destroy(sim->shared);
    g_hash_table_destroy(sim->type_states);
    if (sim->send_watch_destroy) sim->send_watch_destroy(sim->send_watch_data);
    g_free(sim->row);
    g_free(sim);
}

CirrusComponent *cirrus_sim_add(CirrusSim *sim, const CirrusModelType *type, const char *group,
                                const char *name)
{
    g_assert(!sim->series_frozen);
    g_assert(cirrus_sim_find(sim, name) == NULL);
    CirrusComponent *c = g_new0(CirrusComponent, 1);
    c->sim = sim;
    c->type = type;
    c->name = g_strdup(name);
    c->group = g_intern_string(group);
    c->group_path = g_strdup_printf("/%s/%s", group, name);
    c->state = g_malloc0(type->state_size ? type->state_size : 1);
    if (type->type_state_size) {
        c->type_state = g_hash_table_lookup(sim->type_states, type);
        if (!c->type_state) {
            c->type_state = g_malloc0(type->type_state_size);
            g_hash_table_insert(sim->type_states, (gpointer)type, c->type_state);
        }
    }
    c->metrics = g_array_new(FALSE, TRUE, sizeof(Metric));
    c->hot = (CirrusComponentMetrics){ .now = &sim->now, .rng = &c->rng };
    c->faults.slowdown = 1.0;
    cirrus_rng_seed_named(&c->rng, sim->seed, name, sim->replication);
    for (const CirrusMetricDef *d = type->metrics; d && d->name; d++)
        cirrus_metric_add(c, d->name, d->kind, d->unit);
    g_ptr_array_add(sim->components, c);
    g_hash_table_insert(sim->by_name, c->name, c);
    return c;
}

CirrusComponent *cirrus_sim_find(const CirrusSim *sim, const char *name)
{
    return g_hash_table_lookup(sim->by_name, name);
}

guint cirrus_sim_n_components(const CirrusSim *sim) { return sim->components->len; }
CirrusComponent *cirrus_sim_component(const CirrusSim *sim, guint i) { return sim->components->pdata[i]; }
void *cirrus_component_state(CirrusComponent *c) { return c->state; }
const CirrusModelType *cirrus_component_model(const CirrusComponent *c) { return c->type; }
const char *cirrus_component_group(const CirrusComponent *c) { return c->group; }
const char *cirrus_component_name(const CirrusComponent *c) { return c->name; }
const char *cirrus_component_type(const CirrusComponent *c) { return c->type->name; }
const char *cirrus_component_region(const CirrusComponent *c) { return c->region; }
void cirrus_component_set_region(CirrusComponent *c, const char *region) { c->region = g_intern_string(region); }
CirrusRng *(cirrus_component_rng)(CirrusComponent *c) { return &c->rng; }
typedef struct { gsize size; max_align_t data[]; } SharedBlock;

gpointer cirrus_sim_shared_new(CirrusSim *sim, const char *key, gsize size)
{
    g_assert(!g_hash_table_contains(sim->shared, key));
    SharedBlock *b = g_malloc0(sizeof(SharedBlock) + size);
    b->size = size;
    g_hash_table_insert(sim->shared, g_strdup(key), b);
    return b->data;
}

gpointer cirrus_component_type_state(const CirrusComponent *c) { return c->type_state; }

gpointer cirrus_component_shared(const CirrusComponent *c, const char *key)
{
    SharedBlock *b = g_hash_table_lookup(c->sim->shared, key);
    return b ? b->data : NULL;
}

const struct CirrusProtocols *cirrus_component_protocols(const CirrusComponent *c) { return c->type->protocols; }

void cirrus_component_substream(const CirrusComponent *c, const char *purpose, CirrusRng *out)
{
    /* A separator no name may contain keeps ("a", "b/c") and ("a/b", "c") apart. */
    char *name = g_strconcat(c->name, "\x1f", purpose, NULL);
    cirrus_rng_seed_named(out, c->sim->seed, name, c->sim->replication);
    g_free(name);
}

#undef cirrus_now
CirrusTime cirrus_now(const CirrusComponent *c) { return c->sim->now; }
guint64 cirrus_sim_events(const CirrusSim *sim) { return sim->events_done + sim->events_at_once; }
guint64 cirrus_sim_events_at_once(const CirrusSim *sim) { return sim->events_at_once; }
gsize cirrus_sim_peak_pending(const CirrusSim *sim) { return sim->peak_pending; }
CirrusTime cirrus_sim_now(const CirrusSim *sim) { return sim->now; }
void cirrus_sim_set_pes(CirrusSim *sim, CirrusPesKind kind)
{
    g_assert(cirrus_pes_size(sim->pes) == 0 && sim->events_done == 0);
    cirrus_pes_free(sim->pes);
    sim->pes = cirrus_pes_new(kind);
}

void cirrus_sim_request_stop(CirrusSim *sim) { g_atomic_int_set(&sim->stop_requested, 1); }
gboolean cirrus_sim_stopped(const CirrusSim *sim) { return g_atomic_int_get(&((CirrusSim *)sim)->stop_requested) != 0; }

/* ---- events ------------------------------------------------------------ */

/* Grow the slot array; slots are copied out before dispatch, so moving
 * them is safe.  Out of line, so that cirrus_post's common path needs few
 * registers. */
G_GNUC_NO_INLINE static void event_slots_grow(CirrusSim *sim)
{
    guint32 old = sim->n_events_cap, cap = old ? old * 2 : 1024;
    g_assert(cap <= CIRRUS_PES_MAX_INDEX);
    sim->events = g_renew(CirrusEvent, sim->events, cap);
    sim->free_slots = g_renew(guint32, sim->free_slots, cap);
    for (guint32 i = cap; i > old; i--) sim->free_slots[sim->n_free++] = i - 1;
    sim->n_events_cap = cap;
}

static inline guint32 event_slot(CirrusSim *sim)
{
    if (sim->n_free == 0) event_slots_grow(sim);
    return sim->free_slots[--sim->n_free];
}

/* Out of line: the ring's push is on the hottest path. */
G_GNUC_NO_INLINE static void event_ring_grow(EventRing *q)
{
    guint32 cap = q->capacity ? q->capacity * 2 : 64;
    g_assert(cap <= CIRRUS_PES_MAX_INDEX);
    CirrusEvent *items = g_new(CirrusEvent, cap);
    for (guint32 i = 0; i < q->len; i++) items[i] = q->items[(q->head + i) & (q->capacity - 1)];
    g_free(q->items);
    q->items = items;
    q->head = 0;
    q->capacity = cap;
}

/* Every event in the pes holds a slot (freed as the event is
 * dispatched); the ring holds the rest. */
static inline gsize pending_events(const CirrusSim *sim)
{
    return sim->n_events_cap - sim->n_free + sim->due_now.len;
}

/* The next event, into *ev: one due now that was posted without delay,
 * unless the pes still holds one due now (posted earlier, so it goes
 * first); else the pes's next.  FALSE when there is none.  Whether the
 * pes may hold one due now is known without a peek in the common case
 * (sim->pes_may_hold_now, below). */
static inline gboolean next_event(CirrusSim *sim, CirrusEvent *ev)
{
    EventRing *q = &sim->due_now;
    if (q->len > 0 && (!sim->pes_may_hold_now || cirrus_pes_peek_time_inline(sim->pes) != sim->now)) {
        *ev = q->items[q->head];
        q->head = (q->head + 1) & (q->capacity - 1);
        q->len--;
        return TRUE;
    }
    CirrusTime t;
    guint32 slot;
    if (!cirrus_pes_pop_same_time_inline(sim->pes, &t, &slot, &sim->pes_may_hold_now)) return FALSE;
    *ev = sim->events[slot];
    sim->free_slots[sim->n_free++] = slot;
    return TRUE;
}

/* ev at the ring's end (it has room). */
static inline void ring_append(EventRing *q, CirrusEvent ev)
{
    q->items[(q->head + q->len++) & (q->capacity - 1)] = ev;
}

/* cirrus_post's body, inline in it and in cirrus_schedule: a model's
 * timer (two per request on the M/M/c path) then costs one call, not
 * two.  Returns the event's time (now + delay, saturated). */
static inline __attribute__((always_inline)) CirrusTime post_event(CirrusComponent *from, CirrusComponent *target,
                                                             CirrusTime delay, int kind, CirrusRequest *request,
                                                             guint64 data)
{
    CirrusSim *sim = target->sim;
    g_assert(delay >= 0);
    assert_not_handed_over(sim);
    CirrusTime when;
    if (__builtin_add_overflow(sim->now, delay, &when)) when = CIRRUS_TIME_NEVER;   /* saturate */
    CirrusEvent ev = { when, target, from, kind, request, data };
    if (delay == 0 && sim->dispatching) {
        EventRing *q = &sim->due_now;
        if (G_UNLIKELY(q->len == q->capacity)) event_ring_grow(q);
        ring_append(q, ev);
    } else {
        guint32 slot = event_slot(sim);
        sim->events[slot] = ev;
        if (!cirrus_pes_push_inline(sim->pes, when, slot)) g_error("cirrus: event sequence numbers exhausted");
    }
    return when;
}

/* Never inline: it is also the general path of cirrus_schedule and
 * cirrus_reply, taken as a tail call so that their fast paths make no
 * other call (see ring_try_post). */
G_GNUC_NO_INLINE void cirrus_post(CirrusComponent *from, CirrusComponent *target, CirrusTime delay, int kind,
                                  CirrusRequest *request, guint64 data)
{
    post_event(from, target, delay, kind, request, data);
}

/* A request's hand-over (a send or a reply) posted now, from a handler,
 * into the due-now ring when it has room: TRUE.  Else FALSE, and the
 * caller posts through post_event in a function of its own.  The fast
 * path has no call on it — a call anywhere in a function (the ring's
 * growth, a send watcher) makes gcc save six registers on its every entry,
 * ~15 Ir of each send and reply (issue 22) — and puts in the ring the
 * event post_event would have. */
static inline gboolean ring_try_post(CirrusSim *sim, CirrusComponent *from, CirrusComponent *target, int kind,
                                     CirrusRequest *request)
{
    EventRing *q = &sim->due_now;
    assert_not_handed_over(sim);
    if (G_UNLIKELY(!sim->dispatching || q->len == q->capacity)) return FALSE;
    ring_append(q, (CirrusEvent){ sim->now, target, from, kind, request, 0 });
    return TRUE;
}

/* cirrus_schedule's general path: cirrus_post with one argument fewer
 * (the target is the poster), which spares cirrus_schedule's fast path a
 * register save. */
G_GNUC_NO_INLINE static void schedule_posted(CirrusComponent *target, CirrusTime delay, int kind,
                                             CirrusRequest *request, guint64 data)
{
    cirrus_post(target, target, delay, kind, request, data);
}

/* The same for a timer whose event cirrus_schedule already put in `slot`
 * (the slot post_event would take) when the wheel would not take it
 * without a call: the push post_event would make, of the same entry.
 * (It re-posted the event through cirrus_post until the seventh round:
 * ~80 instructions more on each of the one push in eight an M/M/100
 * sends here, docs/performance.md.) */
G_GNUC_NO_INLINE static void schedule_slot_pushed(CirrusSim *sim, guint32 slot)
{
    if (!cirrus_pes_push_inline(sim->pes, sim->events[slot].time, slot))
        g_error("cirrus: event sequence numbers exhausted");
}

void cirrus_schedule(CirrusComponent *target, CirrusTime delay, int kind, CirrusRequest *request,
                     guint64 data)
{
    /* The common case — a timer for later, a free event slot, and a push
     * the calendar wheel takes without a call — with no call on its path
     * (see ring_try_post): the slot post_event would take, the same
     * event, the same push.  The event is written before the push, so
     * that the arguments are dead across it and fewer registers are
     * needed. */
    CirrusSim *sim = target->sim;
    assert_not_handed_over(sim);
    CirrusTime when;
    if (G_LIKELY(delay > 0 && sim->n_free > 0 && !__builtin_add_overflow(sim->now, delay, &when))) {
        guint32 slot = sim->free_slots[--sim->n_free];
        sim->events[slot] = (CirrusEvent){ when, target, target, kind, request, data };
        if (G_LIKELY(cirrus_pes_try_push_inline(sim->pes, when, slot))) return;
        schedule_slot_pushed(sim, slot);
        return;
    }
    schedule_posted(target, delay, kind, request, data);
}

/* ---- faults ------------------------------------------------------------ */

const char *cirrus_fault_kind_name(CirrusFaultKind kind)
{
    switch (kind) {
    case CIRRUS_FAULT_OUTAGE: return "outage";
    case CIRRUS_FAULT_SLOWDOWN: return "slowdown";
    case CIRRUS_FAULT_INSTANCE_FAILURE: return "instance_failure";
    case CIRRUS_FAULT_ZONE_OUTAGE: return "zone_outage";
    case CIRRUS_FAULT_REGION_OUTAGE: return "region_outage";
    }
    return "?";
}

void cirrus_sim_add_fault(CirrusSim *sim, const CirrusFault *fault, CirrusComponent *target)
{
    FaultEntry e = { *fault, target, *fault };
    e.as_outage.kind = CIRRUS_FAULT_OUTAGE;
    g_array_append_val(sim->faults, e);
}

guint cirrus_sim_n_faults(const CirrusSim *sim) { return sim->faults->len; }

const CirrusFault *cirrus_sim_fault(const CirrusSim *sim, guint i)
{
    g_assert(i < sim->faults->len);
    return &g_array_index(sim->faults, FaultEntry, i).fault;
}

const CirrusFaultState *cirrus_component_faults(const CirrusComponent *c) { return &c->faults; }

/* Keep the component's fault state as a fault event reaches it.  Overlapping
 * slowdowns multiply; when the last ends the factor is exactly 1 again
 * (dividing back could leave a rounding error behind). */
static void fault_state_apply(CirrusFaultState *s, const CirrusFault *f, gboolean begin)
{
    switch (f->kind) {
    case CIRRUS_FAULT_OUTAGE:
        if (begin) {
            s->outages++;
            s->epoch++;
        } else {
            g_assert(s->outages > 0);
            s->outages--;
        }
        break;
    case CIRRUS_FAULT_SLOWDOWN:
        if (begin) {
            s->slowdowns++;
            s->slowdown *= f->factor;
        } else {
            g_assert(s->slowdowns > 0);
            s->slowdown = --s->slowdowns == 0 ? 1.0 : s->slowdown / f->factor;
        }
        break;
    default:
        break;   /* instance, zone and region faults are the model's own business */
    }
}

const CirrusFault *cirrus_event_fault(const CirrusComponent *self, const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_EVENT_FAULT_BEGIN || ev->kind == CIRRUS_EVENT_FAULT_END);
    guint64 i = ev->data & ~FAULT_AS_OUTAGE;
    g_assert(i < self->sim->faults->len);
    const FaultEntry *e = &g_array_index(self->sim->faults, FaultEntry, i);
    return ev->data & FAULT_AS_OUTAGE ? &e->as_outage : &e->fault;
}

/* The event data under which `comp` gets fault entry `i`, or G_MAXUINT64
 * when the fault is not for it.  A region outage goes to the components
 * whose `region:` it names: as itself to a model that lists region_outage,
 * else as an `outage` to one that lists that (the region is down, so each
 * thing in it is). */
static guint64 fault_data(const FaultEntry *e, const CirrusComponent *comp, guint i)
{
    guint32 bits = comp->type->faults;
    if (e->target) return e->target == comp ? i : G_MAXUINT64;
    if (e->fault.kind != CIRRUS_FAULT_REGION_OUTAGE)
        return bits & CIRRUS_FAULT_BIT(e->fault.kind) ? i : G_MAXUINT64;
    if (comp->region != e->fault.region) return G_MAXUINT64;   /* both interned */
    if (bits & CIRRUS_FAULT_BIT(CIRRUS_FAULT_REGION_OUTAGE)) return i;
    return bits & CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE) ? i | FAULT_AS_OUTAGE : G_MAXUINT64;
}

/* Fault events travel through the courier, a component of the kernel's
 * own that no model sees: it brings the target's fault state up to date
 * and then hands the event to the target (ev->source, which scheduled
 * nothing: the kernel posts in its name).  So the run loop need not look
 * at the kind of every event for the few that are faults. */
static void courier_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    (void)self;
    (void)state;
    CirrusComponent *target = ev->source;
    CirrusEvent delivered = *ev;
    delivered.target = target;
    fault_state_apply(&target->faults, cirrus_event_fault(target, ev), ev->kind == CIRRUS_EVENT_FAULT_BEGIN);
    cirrus_model_handle(target->type, target, target->state, &delivered);
}

static const CirrusModelType courier_type = { .name = "(fault courier)", .handle = courier_handle };

/* Schedule each fault's begin and end for whoever models it. */
static void schedule_faults(CirrusSim *sim, GPtrArray *order)
{
    for (guint i = 0; i < sim->faults->len; i++) {
        const FaultEntry *e = &g_array_index(sim->faults, FaultEntry, i);
        for (guint c = 0; c < order->len; c++) {
            CirrusComponent *comp = order->pdata[c];
            guint64 data = fault_data(e, comp, i);
            if (data == G_MAXUINT64) continue;
            cirrus_post(comp, &sim->courier, e->fault.at, CIRRUS_EVENT_FAULT_BEGIN, NULL, data);
            if (e->fault.duration > 0)
                cirrus_post(comp, &sim->courier, e->fault.at + e->fault.duration, CIRRUS_EVENT_FAULT_END, NULL, data);
        }
    }
}

/* ---- requests ---------------------------------------------------------- */

/* Protocol data follows the request, 8-aligned. */
G_STATIC_ASSERT(sizeof(CirrusRequest) % 8 == 0);

CirrusRequest *cirrus_request_new(CirrusComponent *origin)
{
    CirrusSim *sim = origin->sim;
    assert_not_handed_over(sim);
    CirrusRequest *r = cirrus_pool_take(sim->requests);
    *r = (CirrusRequest){ .id = ++sim->next_request_id, .created = sim->now, .arrived = sim->now,
                          .origin = origin };
    memset(cirrus_request_protocol_data(r), 0, CIRRUS_REQUEST_DATA_BYTES);
    return r;
}

void cirrus_request_free(CirrusComponent *holder, CirrusRequest *request)
{
    assert_not_handed_over(holder->sim);
    request->id = 0;  /* stale events carrying the old id now see a mismatch */
    cirrus_pool_release(holder->sim->requests, request);
}

CirrusRequest *cirrus_request_copy(CirrusComponent *holder, const CirrusRequest *request)
{
    assert_not_handed_over(holder->sim);
    CirrusRequest *r = cirrus_pool_take(holder->sim->requests);
    *r = *request;
    memcpy(cirrus_request_protocol_data(r), cirrus_request_protocol_data_const(request),
           CIRRUS_REQUEST_DATA_BYTES);
    r->id = ++holder->sim->next_request_id;
    r->reply_to = NULL;
    r->caller.word = 0;
    r->holder = 0;
    r->outcome = CIRRUS_OUTCOME_PENDING;
    return r;
}

void cirrus_sim_watch_sends(CirrusSim *sim, CirrusSendWatch watch, gpointer data, GDestroyNotify destroy)
{
    if (sim->send_watch_destroy) sim->send_watch_destroy(sim->send_watch_data);
    sim->send_watch = watch;
    sim->send_watch_data = data;
    sim->send_watch_destroy = destroy;
}

/* cirrus_send's general path: a watcher, a delay, or no room in the ring. */
G_GNUC_NO_INLINE static void send_posted(CirrusComponent *from, CirrusComponent *to, CirrusRequest *request,
                                         CirrusTime delay)
{
    if (from->sim->send_watch) from->sim->send_watch(from, to, request, from->sim->send_watch_data);
    request->arrived = post_event(from, to, delay, CIRRUS_EVENT_REQUEST, request, 0);
}

/* What a send sets on the request (cirrus_send, cirrus_send_last). */
static inline void set_sent(CirrusRequest *request, CirrusComponent *from)
{
    request->reply_to = from;
    request->holder = 0;
    request->outcome = CIRRUS_OUTCOME_PENDING;
}

/* What an answer sets on it (cirrus_reply, cirrus_reply_last). */
static inline void set_answered(CirrusRequest *request, CirrusOutcome outcome)
{
    g_assert(request->reply_to != NULL);
    request->outcome = (guint8)outcome;
    request->holder = 0;
}

void cirrus_send(CirrusComponent *from, CirrusComponent *to, CirrusRequest *request, CirrusTime delay)
{
    set_sent(request, from);
    /* Its arrival at `to` — the delivery's time — set here rather than by
     * the run loop at delivery (a test of every event's kind saved):
     * nothing reads a request's `arrived` while it travels (its sender
     * has handed it over, and only sends deliver requests). */
    CirrusSim *sim = from->sim;
    if (G_LIKELY(delay == 0 && !sim->send_watch) && ring_try_post(sim, from, to, CIRRUS_EVENT_REQUEST, request)) {
        request->arrived = sim->now;
        return;
    }
    send_posted(from, to, request, delay);
}

void cirrus_reply(CirrusComponent *self, CirrusRequest *request, CirrusOutcome outcome)
{
    set_answered(request, outcome);
    if (!ring_try_post(self->sim, self, request->reply_to, CIRRUS_EVENT_REPLY, request))
        cirrus_post(self, request->reply_to, 0, CIRRUS_EVENT_REPLY, request, 0);   /* not from a handler, or no room */
}

/* ---- hand-overs as a handler's last act --------------------------------
 *
 * A request handed over now is an event due now, dispatched after every
 * event already due now: the pes's, then the ring's.  When there are none
 * and the sender's handler does nothing after the hand-over, the run loop
 * would dispatch it next, with nothing in between — so running the
 * target's handler at once, inside the sender's, gives the same order and
 * the same results, and spares the event its trip through the ring and
 * the loop (issue 22).  A handler run at once may hand over at once in
 * turn, CIRRUS_AT_ONCE_MAX_DEPTH levels deep: the stack stays bounded
 * whatever the chain of hand-overs. */

/* Would a hand-over posted now be the next event, and may it run at
 * once (not too deep)? */
static inline gboolean hand_over_is_next(CirrusSim *sim)
{
    /* In a handler, fewer than CIRRUS_AT_ONCE_MAX_DEPTH levels down: one unsigned test. */
    return (guint)(sim->dispatching - DISPATCH_HANDLER) < CIRRUS_AT_ONCE_MAX_DEPTH && sim->due_now.len == 0 &&
           (!sim->pes_may_hold_now || cirrus_pes_peek_time_inline(sim->pes) != sim->now);
}

/* The sender's last act is made (debug builds: see assert_not_handed_over). */
static inline void mark_last_act(CirrusSim *sim)
{
#ifndef NDEBUG
    if (sim->dispatching != DISPATCH_NONE) sim->handed_over = TRUE;
#else
    (void)sim;
#endif
}

/* The hand-over's event, handled now (hand_over_is_next). */
static void hand_over_at_once(CirrusSim *sim, CirrusComponent *from, CirrusComponent *target, int kind,
                              CirrusRequest *request)
{
    CirrusEvent ev = { sim->now, target, from, kind, request, 0 };
    sim->dispatching++;
    sim->events_at_once++;
    cirrus_model_handle(target->type, target, target->state, &ev);
    sim->dispatching--;
    mark_last_act(sim);
}

void cirrus_send_last(CirrusComponent *from, CirrusComponent *to, CirrusRequest *request)
{
    CirrusSim *sim = from->sim;
    if (G_UNLIKELY(sim->send_watch) || !hand_over_is_next(sim)) {
        cirrus_send(from, to, request, 0);
        mark_last_act(sim);
        return;
    }
    set_sent(request, from);
    request->arrived = sim->now;
    hand_over_at_once(sim, from, to, CIRRUS_EVENT_REQUEST, request);
}

void cirrus_reply_last(CirrusComponent *self, CirrusRequest *request, CirrusOutcome outcome)
{
    CirrusSim *sim = self->sim;
    if (!hand_over_is_next(sim)) {
        cirrus_reply(self, request, outcome);
        mark_last_act(sim);
        return;
    }
    set_answered(request, outcome);
    hand_over_at_once(sim, self, request->reply_to, CIRRUS_EVENT_REPLY, request);
}

/* ---- running ----------------------------------------------------------- */

static gint compare_components(gconstpointer a, gconstpointer b)
{
    const CirrusComponent *x = *(CirrusComponent *const *)a, *y = *(CirrusComponent *const *)b;
    int g = strcmp(x->group, y->group);
    return g ? g : strcmp(x->name, y->name);
}

static gboolean emit_row(CirrusSim *sim, const CirrusRunSpec *spec, CirrusTime at, CirrusTime interval,
                         GError **error)
{
    for (guint i = 0; i < sim->components->len; i++) {
        CirrusComponent *c = sim->components->pdata[i];
        CirrusTime saved = sim->now;
        sim->now = at;    /* sample() sees the sample time */
        cirrus_model_sample(c->type, c, c->state);
        sim->now = saved;
    }
    recorder_fill_row(sim, at, interval);
    if (!spec->sink) return TRUE;
    return spec->sink(spec->user_data, cirrus_time_to_s(at), sim->row, sim->series_names->len, error);
}

/* Take every sample row due at or before `limit`, and start statistics if
 * the warm-up ends by then.  Rows and the start of statistics fall *before*
 * the events at their instant: row k covers [(k-1)Δ, kΔ). */
static gboolean rows_until(CirrusSim *sim, const CirrusRunSpec *spec, CirrusTime limit,
                           CirrusTime *next_sample, GError **error)
{
    while (*next_sample <= limit || (!sim->in_stats && sim->warmup <= limit)) {
        /* A warm-up that ends on a sample instant ends after that row: the
         * row covers the interval before it, and what models record while
         * it is taken (their sample hooks) belongs to that interval. */
        if (!sim->in_stats && sim->warmup < *next_sample) {
            sim->now = sim->warmup;
            recorder_begin_stats(sim, sim->warmup);
            continue;
        }
        sim->now = *next_sample;
        if (!emit_row(sim, spec, *next_sample, spec->sample_interval, error)) return FALSE;
        *next_sample += spec->sample_interval;
    }
    return TRUE;
}

typedef struct {
    gsize max_pending, max_in_flight;
    gint64 deadline_us;   /* G_MAXINT64: none */
} Limits;

/* Checked every 4,096 events: a stop request, and the resource limits.  A
 * queue that grows without bound shows up as in-flight requests (or
 * pending events) long before memory runs out. */
static gboolean within_limits(CirrusSim *sim, const CirrusRunSpec *spec, const Limits *limits, CirrusTime t,
                              GError **error)
{
    (void)spec;
    if (g_atomic_int_get(&sim->stop_requested)) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN, "the run was interrupted at %.3fs", cirrus_time_to_s(t));
        return FALSE;
    }
    gsize pending = pending_events(sim), in_flight = cirrus_pool_in_use(sim->requests);
    if (pending > sim->peak_pending) sim->peak_pending = pending;
    if (pending > limits->max_pending)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN,
                    "stopped at %.3fs: %zu pending events, over the limit of %zu (--max-pending)",
                    cirrus_time_to_s(t), pending, limits->max_pending);
    else if (in_flight > limits->max_in_flight)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN,
                    "stopped at %.3fs: %zu requests in flight, over the limit of %zu (--max-in-flight); "
                    "a queue that grows without bound? look at QueueLength", cirrus_time_to_s(t), in_flight,
                    limits->max_in_flight);
    else if (g_get_monotonic_time() > limits->deadline_us)
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_RUN, "stopped at %.3fs: the wall-clock limit (--max-wall) was reached",
                    cirrus_time_to_s(t));
    else
        return TRUE;
    cirrus_sim_request_stop(sim);
    return FALSE;
}

/* The first instant at which the run loop has something to do besides
 * handling an event: stop, take a sample, or end the warm-up (one test an
 * event, not two). */
static CirrusTime next_mark(const CirrusSim *sim, CirrusTime stop, CirrusTime next_sample)
{
    return MIN(stop, sim->in_stats ? next_sample : MIN(next_sample, sim->warmup));
}

gboolean cirrus_sim_run(CirrusSim *sim, const CirrusRunSpec *spec, GError **error)
{
    Limits limits = {
        .max_pending = spec->max_pending ? MIN(spec->max_pending, (gsize)CIRRUS_PES_MAX_INDEX / 2)
                                         : CIRRUS_DEFAULT_MAX_PENDING,
        .max_in_flight = spec->max_in_flight ? spec->max_in_flight : CIRRUS_DEFAULT_MAX_IN_FLIGHT,
        .deadline_us = spec->max_wall_s > 0 ? g_get_monotonic_time() + (gint64)(spec->max_wall_s * 1e6) : G_MAXINT64,
    };
    g_assert(spec->sample_interval > 0 && spec->duration > 0);
    recorder_freeze_series(sim);
    sim->warmup = spec->warmup;
    sim->now = 0;

    /* Start in (group, name) order: the file's order must not matter. */
    GPtrArray *order = g_ptr_array_copy(sim->components, NULL, NULL);
    g_ptr_array_sort(order, compare_components);
    schedule_faults(sim, order);
    for (guint i = 0; i < order->len; i++) {
        CirrusComponent *c = order->pdata[i];
        cirrus_model_start(c->type, c, c->state);
    }
    /* With no warm-up, statistics start at 0 once the components have:
     * a gauge's level before its model first set it (the 0 it was created
     * with) held for no time and is no extreme of the run. */
    if (spec->warmup == 0) recorder_begin_stats(sim, 0);

    const CirrusTime stop = spec->duration, interval = spec->sample_interval;
    CirrusTime next_sample = interval;
    CirrusTime mark = next_mark(sim, stop, next_sample);
    gboolean ok = TRUE;
    CirrusEvent ev;
    /* Events handled since events_done was last brought up to date. */
    guint until_check = 4096;
    /* Every post from here to the end of the loop is a handler's (sample
     * hooks aside, above): posts without delay go to the due-now ring. */
    sim->dispatching = DISPATCH_HANDLER;
    sim->pes_may_hold_now = TRUE;
    for (;;) {
        if (!next_event(sim, &ev)) break;
        CirrusTime t = ev.time;
        if (t >= mark) {
            /* An event at or after the stop time ends the run unexecuted. */
            if (t >= stop) break;
            /* Sample hooks are not handlers: what they post goes to the pes. */
            sim->dispatching = DISPATCH_NONE;
            gboolean rows_ok = rows_until(sim, spec, t, &next_sample, error);
            sim->dispatching = DISPATCH_HANDLER;
            sim->pes_may_hold_now = TRUE;   /* the hooks may have posted at now */
            if (!rows_ok) {
                ok = FALSE;
                break;
            }
            mark = next_mark(sim, stop, next_sample);
        }
        sim->now = t;
        cirrus_model_handle(ev.target->type, ev.target, ev.target->state, &ev);
#ifndef NDEBUG
        sim->handed_over = FALSE;   /* see cirrus_send_last */
#endif
        if (G_UNLIKELY(--until_check == 0)) {
            /* Every 4,096 events (well under a millisecond): a stop request
             * is honoured promptly, progress reported now and then.  The
             * count is kept in the loop (a register) and stored here. */
            until_check = 4096;
            sim->events_done += 4096;
            if (spec->progress && (sim->events_done & 0xFFFFF) == 0)
                spec->progress(spec->user_data, t, stop, cirrus_sim_events(sim));
            if (!within_limits(sim, spec, &limits, t, error)) { ok = FALSE; break; }
        }
    }
    sim->dispatching = DISPATCH_NONE;
    sim->events_done += 4096 - until_check;
    sim->peak_pending = MAX(sim->peak_pending, pending_events(sim));
    if (!ok) goto done;
    /* The rest of the rows up to the stop time; a last partial interval gets
     * a row at the stop time itself. */
    if (!rows_until(sim, spec, stop, &next_sample, error)) { ok = FALSE; goto done; }
    if (next_sample - interval < stop) {
        sim->now = stop;
        if (!emit_row(sim, spec, stop, stop - (next_sample - interval), error)) { ok = FALSE; goto done; }
    }
    sim->now = stop;
    for (guint i = 0; i < order->len; i++) {
        CirrusComponent *c = order->pdata[i];
        cirrus_model_finish(c->type, c, c->state);
    }
    recorder_finish(sim, stop);
done:
    /* Stopped early (a signal or a limit): finish the models and the
     * recorder at the instant reached, as a run whose duration was that
     * instant would, so that the summary describes what was simulated. */
    if (!ok && cirrus_sim_stopped(sim)) {
        for (guint i = 0; i < order->len; i++) {
            CirrusComponent *c = order->pdata[i];
            cirrus_model_finish(c->type, c, c->state);
        }
        recorder_finish(sim, sim->now);
    }
    recorder_flush(sim);
    g_ptr_array_free(order, TRUE);
    return ok;
}
