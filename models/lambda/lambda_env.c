/* cirrus — the `lambda` model's execution environments and concurrency
 * (see lambda-private.h, docs/models/lambda.md).
 *
 * Every operation here is O(1) per invocation:
 *  - environments live in an array of slots with a free list;
 *  - idle environments sit in a doubly linked list in the order they became
 *    idle, so the most recently used (tail), the least recently used (head)
 *    and the longest idle (head, for the idle timeout) are at hand; random
 *    reuse keeps an array of the members as well (swap-remove);
 *  - one LAMBDA_RECLAIM timer at a time watches the head of the on-demand
 *    list; an environment that goes idle within idle_timeout of the end
 *    of its lifetime gets a LAMBDA_EXPIRE at that end (at most one in its
 *    life, so pending timers never outnumber live environments);
 *  - the scaling rate is a ring of the creation times of the last N new
 *    environments: a new one is allowed when fewer than N were created in
 *    the last `per` (a token bucket of N tokens, each coming back `per`
 *    after it was taken, so no window of length `per` ever holds more). */
#include "models/lambda/lambda-private.h"

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

/* Take an idle environment as `reuse` says. */
static guint32 idle_take(Lambda *f, IdleList *l)
{
    g_assert(l->len > 0);
    guint32 slot;
    switch (f->reuse) {
    case REUSE_MRU: slot = l->tail; break;
    case REUSE_LRU: slot = l->head; break;
    default: slot = g_array_index(l->members, guint32, cirrus_rng_below(&f->reuse_rng, l->len)); break;
    }
    idle_remove(f, l, slot);
    return slot;
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
    idle_init(&f->idle, f->reuse == REUSE_RANDOM);
    idle_init(&f->prov_idle, f->reuse == REUSE_RANDOM);
}

void lambda_envs_clear(Lambda *f)
{
    if (f->envs) g_array_free(f->envs, TRUE);
    if (f->free_slots) g_array_free(f->free_slots, TRUE);
    if (f->scale_times) g_array_free(f->scale_times, TRUE);
    if (f->idle.members) g_array_free(f->idle.members, TRUE);
    if (f->prov_idle.members) g_array_free(f->prov_idle.members, TRUE);
    f->envs = f->free_slots = f->scale_times = f->idle.members = f->prov_idle.members = NULL;
}

/* The gauges are pushed where their levels change: ConcurrentExecutions
 * at each start and end, Environments only when one is made or goes. */
static void concurrency_changed(CirrusComponent *self, const Lambda *f, gboolean provisioned)
{
    cirrus_metric_gauge(self, M_CONCURRENT, (double)f->busy);
    if (provisioned) cirrus_metric_gauge(self, M_PROV_CONCURRENT, (double)f->busy_prov);
}

static void environments_changed(CirrusComponent *self, const Lambda *f)
{
    cirrus_metric_gauge(self, M_ENVIRONMENTS, (double)f->live);
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
        slot = idle_take(f, &f->prov_idle);
        f->busy_prov++;
        f->busy++;
        concurrency_changed(self, f, TRUE);
    } else {
        if (!concurrency_available(f)) return ENV_NONE;
        if (f->idle.len > 0) {
            slot = idle_take(f, &f->idle);
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

static void want_reclaim(CirrusComponent *self, Lambda *f)
{
    if (f->reclaim_pending || f->idle.head == ENV_NONE) return;
    CirrusTime due = lambda_env(f, f->idle.head)->idle_since + f->idle_timeout, now = cirrus_now(self);
    f->reclaim_pending = TRUE;
    cirrus_schedule(self, due > now ? due - now : 0, LAMBDA_RECLAIM, NULL, 0);
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
        return;
    }
    idle_push(f, &f->idle, slot, now);
    if (!e->expire_set && e->expires < now + f->idle_timeout) {
        /* Its lifetime ends before the idle timeout would reclaim it. */
        e->expire_set = 1;
        cirrus_schedule(self, e->expires - now, LAMBDA_EXPIRE, NULL, ((guint64)e->gen << 32) | slot);
    }
    want_reclaim(self, f);
}

/* The idle timeout: reclaim every on-demand environment idle for at least
 * idle_timeout (the longest idle are at the head), then watch the next. */
void lambda_on_reclaim(CirrusComponent *self, Lambda *f)
{
    CirrusTime now = cirrus_now(self);
    f->reclaim_pending = FALSE;
    while (f->idle.head != ENV_NONE && lambda_env(f, f->idle.head)->idle_since + f->idle_timeout <= now) {
        guint32 slot = f->idle.head;
        idle_remove(f, &f->idle, slot);
        env_destroy(f, slot);
    }
    want_reclaim(self, f);
    environments_changed(self, f);
}

/* An environment reached its maximum lifetime: gone now if idle; if busy,
 * when its invocation ends (lambda_release). */
void lambda_on_expire(CirrusComponent *self, Lambda *f, guint64 data)
{
    guint32 slot = (guint32)(data & 0xFFFFFFFFu), gen = (guint32)(data >> 32);
    Env *e = lambda_env(f, slot);
    if (e->gen != gen || e->state != ENV_IDLE) return;   /* gone already, or busy */
    idle_remove(f, &f->idle, slot);
    env_destroy(f, slot);
    environments_changed(self, f);
}
