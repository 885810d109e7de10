/* cirrus — the `lambda` model's execution environments and concurrency
 * (see lambda-private.h, docs/models/lambda.md).
 *
 * Every operation here is O(1) per invocation (an environment that stays
 * idle long adds an O(log k) or two, k the number so idle):
 *  - environments live in an array of slots with a free list;
 *  - idle environments sit in a doubly linked list in the order they became
 *    idle, so the most recently used (tail), the least recently used
 *    (head) and the longest idle (head) are at hand; random reuse keeps an
 *    array of the members as well (swap-remove);
 *  - no idle environment is reclaimed before it has been idle `idle_min`.
 *    Those idle that long (a prefix of the on-demand list) are also in a
 *    binary min-heap on the time each is to go; the rest, the young, are
 *    only in the list, so that the environments in constant use never
 *    touch the heap.  One LAMBDA_RECLAIM at a time watches both the heap's
 *    minimum and the moment the oldest young one comes of age (a numbered
 *    timer: when an earlier one is needed, the later one is left to fire
 *    and is ignored);
 *  - an environment that goes idle within idle_min of the end of its
 *    lifetime gets a LAMBDA_EXPIRE at that end (at most one in its life, so
 *    pending timers never outnumber live environments); in the heap, the
 *    end of its lifetime bounds its time to go;
 *  - the scaling rate is a ring of the creation times of the last N new
 *    environments: a new one is allowed when fewer than N were created in
 *    the last `per` (a token bucket of N tokens, each coming back `per`
 *    after it was taken, so no window of length `per` ever holds more).
 *
 * Idle reclamation (docs/models/lambda.md, "Idle environments"): with
 * `idle_timeout`, every idle environment goes after exactly that long.
 * Otherwise an environment idle for `period` draws how many whole periods
 * it will survive, each with probability `survival` (SeBS: of N idle
 * environments, half go after each 380 s) — except the function's last
 * on-demand environment, which goes after exactly `last` of idleness (a
 * single environment is kept ten minutes). */
#include "models/lambda/lambda-private.h"
#include <math.h>

/* ---- idle lists ---------------------------------------------------------- */

static void idle_init(IdleList *l, gboolean random)
{
    l->head = l->tail = ENV_NONE;
    l->len = 0;
    l->members = random ? g_array_new(FALSE, FALSE, sizeof(guint32)) : NULL;
}

static void idle_push(Lambda *f, IdleList *l, guint32 slot, CirrusTime now)
{
    Env *e = lambda_env(f, slot);
    e->state = ENV_IDLE;
    e->idle_since = now;
    e->prev = l->tail;
    e->next = ENV_NONE;
    if (l->tail != ENV_NONE) lambda_env(f, l->tail)->next = slot;
    else l->head = slot;
    l->tail = slot;
    l->len++;
    if (l->members) {
        e->pos = l->members->len;
        g_array_append_val(l->members, slot);
    }
}

static void idle_remove(Lambda *f, IdleList *l, guint32 slot)
{
    Env *e = lambda_env(f, slot);
    g_assert(e->state == ENV_IDLE && l->len > 0);
    if (e->prev != ENV_NONE) lambda_env(f, e->prev)->next = e->next;
    else l->head = e->next;
    if (e->next != ENV_NONE) lambda_env(f, e->next)->prev = e->prev;
    else l->tail = e->prev;
    l->len--;
    if (l->members) {
        guint32 last = g_array_index(l->members, guint32, l->members->len - 1);
        g_array_index(l->members, guint32, e->pos) = last;
        lambda_env(f, last)->pos = e->pos;
        g_array_set_size(l->members, l->members->len - 1);
    }
}

/* Which idle environment `reuse` gives the next invocation. */
static guint32 idle_pick(Lambda *f, const IdleList *l)
{
    g_assert(l->len > 0);
    switch (f->reuse) {
    case REUSE_MRU: return l->tail;
    case REUSE_LRU: return l->head;
    default: return g_array_index(l->members, guint32, cirrus_rng_below(&f->reuse_rng, l->len));
    }
}

/* ---- the idle heap: idle on-demand environments by reclaim time -------- */

#define HEAP(f, i) g_array_index((f)->idle_heap, guint32, (i))

/* Earlier reclaim time first; the lower slot on a tie, so that the order
 * of reclamation never depends on the heap's history. */
static gboolean heap_before(const Lambda *f, guint32 a, guint32 b)
{
    CirrusTime x = lambda_env(f, a)->reclaim_at, y = lambda_env(f, b)->reclaim_at;
    return x < y || (x == y && a < b);
}

static void heap_place(Lambda *f, guint32 i, guint32 slot)
{
    HEAP(f, i) = slot;
    lambda_env(f, slot)->heap_pos = i;
}

/* Restore the order around position i (after an insert, a removal or a
 * change of key there). */
static void heap_fix(Lambda *f, guint32 i)
{
    guint32 slot = HEAP(f, i), n = f->idle_heap->len;
    while (i > 0 && heap_before(f, slot, HEAP(f, (i - 1) / 2))) {
        heap_place(f, i, HEAP(f, (i - 1) / 2));
        i = (i - 1) / 2;
    }
    for (;;) {
        guint32 c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(f, HEAP(f, c + 1), HEAP(f, c))) c++;
        if (!heap_before(f, HEAP(f, c), slot)) break;
        heap_place(f, i, HEAP(f, c));
        i = c;
    }
    heap_place(f, i, slot);
}

static void heap_push(Lambda *f, guint32 slot)
{
    g_array_append_val(f->idle_heap, slot);
    heap_fix(f, f->idle_heap->len - 1);
}

static void heap_remove(Lambda *f, guint32 slot)
{
    guint32 i = lambda_env(f, slot)->heap_pos, n = f->idle_heap->len;
    g_assert(i < n && HEAP(f, i) == slot);
    guint32 last = HEAP(f, n - 1);
    g_array_set_size(f->idle_heap, n - 1);
    if (i < n - 1) {
        heap_place(f, i, last);
        heap_fix(f, i);
    }
}

/* ---- environments ------------------------------------------------------- */

static guint32 env_new(Lambda *f, CirrusTime now, gboolean provisioned)
{
    guint32 slot;
    if (f->free_slots->len) {
        slot = g_array_index(f->free_slots, guint32, f->free_slots->len - 1);
        g_array_set_size(f->free_slots, f->free_slots->len - 1);
    } else {
        g_assert(f->envs->len < ENV_NONE);
        slot = f->envs->len;
        g_array_set_size(f->envs, f->envs->len + 1);   /* zeroed: gen 0 */
    }
    Env *e = lambda_env(f, slot);
    guint32 gen = e->gen;
    *e = (Env){0};
    e->gen = gen;
    e->provisioned = (guint8)provisioned;
    e->expires = provisioned || f->max_lifetime == CIRRUS_TIME_NEVER ? CIRRUS_TIME_NEVER : now + f->max_lifetime;
    e->prev = e->next = ENV_NONE;
    f->live++;
    return slot;
}

static void env_destroy(Lambda *f, guint32 slot)
{
    Env *e = lambda_env(f, slot);
    g_assert(e->state != ENV_FREE);
    e->state = ENV_FREE;
    e->gen++;
    e->req = NULL;
    g_array_append_val(f->free_slots, slot);
    f->live--;
}

void lambda_envs_init(Lambda *f)
{
    f->envs = g_array_new(FALSE, TRUE, sizeof(Env));
    f->free_slots = g_array_new(FALSE, FALSE, sizeof(guint32));
    f->scale_times = g_array_new(FALSE, FALSE, sizeof(CirrusTime));
    f->idle_heap = g_array_new(FALSE, FALSE, sizeof(guint32));
    f->young = ENV_NONE;
    idle_init(&f->idle, f->reuse == REUSE_RANDOM);
    idle_init(&f->prov_idle, f->reuse == REUSE_RANDOM);
}

void lambda_envs_clear(Lambda *f)
{
    if (f->envs) g_array_free(f->envs, TRUE);
    if (f->free_slots) g_array_free(f->free_slots, TRUE);
    if (f->scale_times) g_array_free(f->scale_times, TRUE);
    if (f->idle_heap) g_array_free(f->idle_heap, TRUE);
    if (f->idle.members) g_array_free(f->idle.members, TRUE);
    if (f->prov_idle.members) g_array_free(f->prov_idle.members, TRUE);
    f->envs = f->free_slots = f->scale_times = f->idle_heap = f->idle.members = f->prov_idle.members = NULL;
}

/* The gauges are pushed where their levels change: ConcurrentExecutions
 * at each start and end, Environments only when one is made or goes. */
static void concurrency_changed(CirrusComponent *self, const Lambda *f, gboolean provisioned)
{
    cirrus_metric_level(self, M_CONCURRENT, f->busy);
    if (provisioned) cirrus_metric_level(self, M_PROV_CONCURRENT, f->busy_prov);
}

static void environments_changed(CirrusComponent *self, const Lambda *f)
{
    cirrus_metric_level(self, M_ENVIRONMENTS, f->live);
}

void lambda_envs_start(CirrusComponent *self, Lambda *f)
{
    /* AWS initialises provisioned environments before they are used:
     * they are ready, with no cold start, when the run begins. */
    for (gint64 i = 0; i < f->provisioned; i++) idle_push(f, &f->prov_idle, env_new(f, 0, TRUE), 0);
    environments_changed(self, f);
}

/* ---- the scaling rate --------------------------------------------------- */

/* May a new environment be created now?  If so, it is counted. */
static gboolean scale_take(Lambda *f, CirrusTime now)
{
    GArray *t = f->scale_times;
    if ((gint64)t->len < f->scale_envs) {
        g_array_append_val(t, now);
        return TRUE;
    }
    CirrusTime *oldest = &g_array_index(t, CirrusTime, f->scale_head);
    if (*oldest > now - f->scale_per) return FALSE;   /* N created within the last `per` */
    *oldest = now;
    f->scale_head = (guint)((f->scale_head + 1) % t->len);
    return TRUE;
}

/* ---- invocations -------------------------------------------------------- */

static void on_demand_unlink(Lambda *f, guint32 slot);

static gboolean concurrency_available(const Lambda *f)
{
    if (f->reserved >= 0) return f->busy < f->reserved;
    const LambdaAccount *a = f->account;
    return a->unreserved_busy < a->limit - a->claimed;
}

guint32 lambda_acquire(CirrusComponent *self, Lambda *f, gboolean *cold)
{
    CirrusTime now = cirrus_now(self);
    guint32 slot;
    *cold = FALSE;
    if (f->prov_idle.len > 0) {
        /* Provisioned environments first.  Their concurrency was claimed
         * when they were allocated (within a reservation, or from the
         * account: see lambda.c's link). */
        g_assert(f->reserved < 0 || f->busy < f->reserved);
        slot = idle_pick(f, &f->prov_idle);
        idle_remove(f, &f->prov_idle, slot);
        f->busy_prov++;
        f->busy++;
        concurrency_changed(self, f, TRUE);
    } else {
        if (!concurrency_available(f)) return ENV_NONE;
        if (f->idle.len > 0) {
            slot = idle_pick(f, &f->idle);
            on_demand_unlink(f, slot);
        } else {
            if (!scale_take(f, now)) return ENV_NONE;
            slot = env_new(f, now, FALSE);
            *cold = TRUE;
            environments_changed(self, f);
        }
        if (f->reserved < 0) f->account->unreserved_busy++;
        if (f->provisioned > 0) cirrus_metric_count(self, M_SPILLOVER, 1);
        f->busy++;
        concurrency_changed(self, f, FALSE);
    }
    lambda_env(f, slot)->state = ENV_BUSY;
    return slot;
}

/* ---- idle reclamation ---------------------------------------------------- */

/* On-demand environments alive (provisioned ones never go). */
static gint64 on_demand_live(const Lambda *f)
{
    return f->live - f->provisioned;
}

/* How many whole periods an environment idle for one period survives in
 * all: K >= 1 with P(K > k) = survival^k (K = 1 + floor(ln U / ln
 * survival)); no longer than max_lifetime, when it is gone anyway. */
static CirrusTime idle_draw(Lambda *f)
{
    double u = cirrus_rng_uniform_pos(&f->idle_rng);
    double k = 1.0 + (f->idle_survival > 0 ? floor(log(u) / log(f->idle_survival)) : 0.0);
    double cap = (double)f->max_lifetime / (double)f->idle_period;
    return k >= cap ? f->max_lifetime : (CirrusTime)k * f->idle_period;
}

/* When an environment in the heap is to go: the function's last
 * on-demand one after exactly `last` of idleness, any other after its
 * `drawn` idle lifetime; and not after the end of its lifetime. */
static CirrusTime reclaim_time(const Lambda *f, const Env *e, CirrusTime drawn)
{
    CirrusTime life = f->idle_fixed || on_demand_live(f) == 1 ? f->idle_last : drawn;
    return MIN(e->idle_since + life, e->expires);
}

/* Out of the on-demand idle list, and of the heap or the young. */
static void on_demand_unlink(Lambda *f, guint32 slot)
{
    Env *e = lambda_env(f, slot);
    if (e->in_heap) {
        heap_remove(f, slot);
        e->in_heap = 0;
    } else if (f->young == slot) {
        f->young = e->next;
    }
    idle_remove(f, &f->idle, slot);
}

/* The young idle for idle_min by `now` go into the heap, with their time
 * to go (a draw for each, in the order they became idle). */
static void promote(Lambda *f, CirrusTime now)
{
    while (f->young != ENV_NONE && lambda_env(f, f->young)->idle_since + f->idle_min <= now) {
        guint32 slot = f->young;
        Env *e = lambda_env(f, slot);
        e->reclaim_at = reclaim_time(f, e, f->idle_fixed ? 0 : idle_draw(f));
        e->in_heap = 1;
        heap_push(f, slot);
        f->young = e->next;
    }
}

/* An on-demand environment went: if one is left and it is idle in the
 * heap, it is now the last, and goes after `last` of idleness from when it
 * became idle (at once if that is past).  A young one gets the rule when it
 * comes of age, a busy one when it goes idle; one that is idle cannot stop
 * being the last, since a new environment is made only when none is idle. */
static void after_death(Lambda *f)
{
    if (f->idle_fixed || on_demand_live(f) != 1 || f->idle.len != 1) return;
    Env *e = lambda_env(f, f->idle.head);
    if (!e->in_heap) return;
    e->reclaim_at = reclaim_time(f, e, 0);
    heap_fix(f, e->heap_pos);
}

/* Watch the heap's minimum and the oldest young: a LAMBDA_RECLAIM at the
 * earlier, unless one is due already no later. */
static void want_reclaim(CirrusComponent *self, Lambda *f)
{
    CirrusTime due = CIRRUS_TIME_NEVER, now = cirrus_now(self);
    if (f->idle_heap->len) due = lambda_env(f, HEAP(f, 0))->reclaim_at;
    if (f->young != ENV_NONE) due = MIN(due, lambda_env(f, f->young)->idle_since + f->idle_min);
    if (due == CIRRUS_TIME_NEVER || (f->reclaim_pending && f->reclaim_due <= due)) return;
    f->reclaim_pending = TRUE;
    f->reclaim_due = due;
    f->reclaim_gen++;
    cirrus_schedule(self, due > now ? due - now : 0, LAMBDA_RECLAIM, NULL, f->reclaim_gen);
}

void lambda_release(CirrusComponent *self, Lambda *f, guint32 slot)
{
    CirrusTime now = cirrus_now(self);
    Env *e = lambda_env(f, slot);
    g_assert(e->state == ENV_BUSY);
    e->req = NULL;
    f->busy--;
    if (e->provisioned) {
        f->busy_prov--;
        concurrency_changed(self, f, TRUE);
        idle_push(f, &f->prov_idle, slot, now);
        return;
    }
    concurrency_changed(self, f, FALSE);
    if (f->reserved < 0) f->account->unreserved_busy--;
    if (now >= e->expires) {
        /* AWS terminates environments every few hours, even busy ones,
         * once their invocation is over. */
        env_destroy(f, slot);
        environments_changed(self, f);
        after_death(f);
        want_reclaim(self, f);
        return;
    }
    idle_push(f, &f->idle, slot, now);
    e->in_heap = 0;
    if (!e->expire_set && e->expires < now + f->idle_min) {
        /* Its lifetime ends before it could come of age. */
        e->expire_set = 1;
        cirrus_schedule(self, e->expires - now, LAMBDA_EXPIRE, NULL, ((guint64)e->gen << 32) | slot);
    }
    if (f->young == ENV_NONE) {
        /* The only young one: watch it (behind other young ones, it comes
         * of age after them, and the watch is on them already). */
        f->young = slot;
        want_reclaim(self, f);
    }
}

/* Reclaim every idle on-demand environment whose time has come (each
 * going may make the one left the last, due sooner), then watch the next. */
void lambda_on_reclaim(CirrusComponent *self, Lambda *f, guint64 data)
{
    if (data != f->reclaim_gen) return;   /* superseded by an earlier one */
    CirrusTime now = cirrus_now(self);
    gboolean gone = FALSE;
    f->reclaim_pending = FALSE;
    promote(f, now);
    while (f->idle_heap->len > 0 && lambda_env(f, HEAP(f, 0))->reclaim_at <= now) {
        guint32 slot = HEAP(f, 0);
        on_demand_unlink(f, slot);
        env_destroy(f, slot);
        after_death(f);
        gone = TRUE;
    }
    want_reclaim(self, f);
    if (gone) environments_changed(self, f);
}

/* An environment reached its maximum lifetime: gone now if idle; if busy,
 * when its invocation ends (lambda_release). */
void lambda_on_expire(CirrusComponent *self, Lambda *f, guint64 data)
{
    guint32 slot = (guint32)(data & 0xFFFFFFFFu), gen = (guint32)(data >> 32);
    Env *e = lambda_env(f, slot);
    if (e->gen != gen || e->state != ENV_IDLE) return;   /* gone already, or busy */
    on_demand_unlink(f, slot);
    env_destroy(f, slot);
    environments_changed(self, f);
    after_death(f);
    want_reclaim(self, f);
}
