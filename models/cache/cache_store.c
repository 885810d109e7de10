/* cirrus — a cache's contents (see cache_store.h).
 *
 * Per key, arrays indexed by the key: its place in the dense list of held
 * keys (NONE: not held), its expiry, its LRU links (LRU policies), its LFU
 * counter (LFU policies).  The dense list lets random and sampled
 * evictions pick a held key in O(1).  Expiries are kept in a FIFO of
 * (key, expiry) in fill order; a refill pushes a new pair and the old one
 * is recognised as stale when it comes out (the key's expiry differs). */
#include "models/cache/cache_store.h"

#define NONE G_MAXUINT32

/* Redis's defaults for its LFU counter (redis.conf): lfu-log-factor 10,
 * lfu-decay-time 1 (minute); a new key starts at LFU_INIT_VAL 5. */
#define LFU_LOG_FACTOR 10.0
#define LFU_INIT 5u
#define LFU_DECAY CIRRUS_MIN
/* maxmemory-samples: how many keys a sampled eviction compares. */
#define SAMPLES 5

const char *const cirrus_eviction_names[] = {
    "volatile-lru", "allkeys-lru", "volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random",
    "volatile-ttl", "noeviction", NULL,
};

typedef struct {
    guint32 key;
    CirrusTime at;
} Expiry;

struct CirrusCacheStore {
    guint n_keys;
    guint64 capacity;
    CirrusTime ttl;
    CirrusEviction policy;
    guint32 *pos;            /* per key: index in `held`, or NONE */
    guint32 *held;           /* the held keys, densely */
    guint64 n_held;
    CirrusTime *expires;     /* per key, when ttl > 0 */
    CirrusTime *filled;      /* per key: its last fill */
    guint32 *prev, *next;    /* LRU policies: most recent at head */
    guint32 head, tail;
    guint8 *lfu;             /* LFU policies: Redis's 8-bit logarithmic counter */
    CirrusTime *lfu_decayed; /* LFU: when its counter was last decayed */
    Expiry *fifo;            /* ring of fills, oldest at fifo_head */
    gsize fifo_cap, fifo_head, fifo_len;
    CirrusCacheCounts counts;
};

static gboolean is_lru(CirrusEviction p) { return p == CIRRUS_EVICT_VOLATILE_LRU || p == CIRRUS_EVICT_ALLKEYS_LRU; }
static gboolean is_lfu(CirrusEviction p) { return p == CIRRUS_EVICT_VOLATILE_LFU || p == CIRRUS_EVICT_ALLKEYS_LFU; }

CirrusCacheStore *cirrus_cache_store_new(guint n_keys, guint64 capacity, CirrusTime ttl, CirrusEviction policy)
{
    CirrusCacheStore *s = g_new0(CirrusCacheStore, 1);
    s->n_keys = n_keys;
    s->capacity = MIN(capacity, (guint64)n_keys);   /* never more entries than keys */
    s->ttl = ttl;
    s->policy = policy;
    s->pos = g_new(guint32, n_keys);
    for (guint k = 0; k < n_keys; k++) s->pos[k] = NONE;
    s->held = g_new(guint32, MAX(s->capacity, 1));
    s->filled = g_new0(CirrusTime, MAX(n_keys, 1));
    if (ttl > 0) s->expires = g_new0(CirrusTime, n_keys);
    if (is_lru(policy)) {
        s->prev = g_new(guint32, n_keys);
        s->next = g_new(guint32, n_keys);
        s->head = s->tail = NONE;
    }
    if (is_lfu(policy)) {
        s->lfu = g_new0(guint8, n_keys);
        s->lfu_decayed = g_new0(CirrusTime, n_keys);
    }
    return s;
}

void cirrus_cache_store_free(CirrusCacheStore *s)
{
    if (!s) return;
    g_free(s->pos);
    g_free(s->held);
    g_free(s->expires);
    g_free(s->filled);
    g_free(s->prev);
    g_free(s->next);
    g_free(s->lfu);
    g_free(s->lfu_decayed);
    g_free(s->fifo);
    g_free(s);
}

/* ---- LRU list ------------------------------------------------------------ */

static void lru_unlink(CirrusCacheStore *s, guint32 k)
{
    if (s->prev[k] != NONE) s->next[s->prev[k]] = s->next[k];
    else s->head = s->next[k];
    if (s->next[k] != NONE) s->prev[s->next[k]] = s->prev[k];
    else s->tail = s->prev[k];
}

static void lru_push_front(CirrusCacheStore *s, guint32 k)
{
    s->prev[k] = NONE;
    s->next[k] = s->head;
    if (s->head != NONE) s->prev[s->head] = k;
    s->head = k;
    if (s->tail == NONE) s->tail = k;
}

/* ---- LFU counter (Redis's LFULogIncr and LFUDecrAndReturn) ---------------- */

/* The counter after its decay: one less per minute since it was last
 * decayed. */
static guint8 lfu_decay(CirrusCacheStore *s, guint32 k, CirrusTime now)
{
    CirrusTime periods = (now - s->lfu_decayed[k]) / LFU_DECAY;
    if (periods > 0) {
        s->lfu[k] = periods >= s->lfu[k] ? 0 : (guint8)(s->lfu[k] - periods);
        s->lfu_decayed[k] += periods * LFU_DECAY;
    }
    return s->lfu[k];
}

static void lfu_use(CirrusCacheStore *s, guint32 k, CirrusTime now, CirrusRng *rng)
{
    guint8 c = lfu_decay(s, k, now);
    if (c == 255) return;
    double base = c > LFU_INIT ? (double)(c - LFU_INIT) : 0.0;
    if (cirrus_rng_uniform(rng) < 1.0 / (base * LFU_LOG_FACTOR + 1.0)) s->lfu[k] = (guint8)(c + 1);
}

/* ---- held keys ----------------------------------------------------------- */

static void remove_key(CirrusCacheStore *s, guint32 k)
{
    guint32 i = s->pos[k];
    guint32 last = s->held[--s->n_held];
    s->held[i] = last;
    s->pos[last] = i;
    s->pos[k] = NONE;
    if (s->prev) lru_unlink(s, k);
}

static void fifo_push(CirrusCacheStore *s, guint32 key, CirrusTime at)
{
    if (s->fifo_len == s->fifo_cap) {
        gsize cap = s->fifo_cap ? 2 * s->fifo_cap : 64;
        Expiry *ring = g_new(Expiry, cap);
        for (gsize i = 0; i < s->fifo_len; i++) ring[i] = s->fifo[(s->fifo_head + i) % s->fifo_cap];
        g_free(s->fifo);
        s->fifo = ring;
        s->fifo_cap = cap;
        s->fifo_head = 0;
    }
    s->fifo[(s->fifo_head + s->fifo_len++) % s->fifo_cap] = (Expiry){key, at};
}

/* Remove every entry whose expiry is due at `now` (Redis deletes an
 * expired key when it is touched and by its active expiry cycle; cirrus
 * removes it exactly when due). */
static void expire_due(CirrusCacheStore *s, CirrusTime now)
{
    while (s->fifo_len > 0) {
        Expiry e = s->fifo[s->fifo_head];
        if (e.at > now) break;
        s->fifo_head = (s->fifo_head + 1) % s->fifo_cap;
        s->fifo_len--;
        /* A stale pair: the key was refilled (a later expiry) or removed. */
        if (s->pos[e.key] == NONE || s->expires[e.key] != e.at) continue;
        remove_key(s, e.key);
        s->counts.expirations++;
    }
}

/* The entry to evict, or NONE when the policy may evict nothing. */
static guint32 victim(CirrusCacheStore *s, CirrusTime now, CirrusRng *rng)
{
    gboolean volatile_only = s->policy == CIRRUS_EVICT_VOLATILE_LRU || s->policy == CIRRUS_EVICT_VOLATILE_LFU ||
                             s->policy == CIRRUS_EVICT_VOLATILE_RANDOM || s->policy == CIRRUS_EVICT_VOLATILE_TTL;
    if (s->n_held == 0 || s->policy == CIRRUS_EVICT_NOEVICTION || (volatile_only && s->ttl == 0)) return NONE;
    switch (s->policy) {
    case CIRRUS_EVICT_VOLATILE_LRU:
    case CIRRUS_EVICT_ALLKEYS_LRU:
        return s->tail;
    case CIRRUS_EVICT_VOLATILE_RANDOM:
    case CIRRUS_EVICT_ALLKEYS_RANDOM:
        return s->held[cirrus_rng_below(rng, s->n_held)];
    default: {
        /* Sampled: the least frequently used, or the nearest to expiry, of
         * SAMPLES held keys drawn at random (with replacement). */
        guint32 best = NONE;
        for (int i = 0; i < SAMPLES; i++) {
            guint32 k = s->held[cirrus_rng_below(rng, s->n_held)];
            if (best == NONE) best = k;
            else if (s->lfu ? lfu_decay(s, k, now) < lfu_decay(s, best, now) : s->expires[k] < s->expires[best])
                best = k;
        }
        return best;
    }
    }
}

gboolean cirrus_cache_get(CirrusCacheStore *s, guint key, CirrusTime now, CirrusRng *rng)
{
    g_assert(key < s->n_keys);
    if (s->ttl > 0) expire_due(s, now);
    if (s->pos[key] == NONE) return FALSE;
    if (s->prev) {
        lru_unlink(s, key);
        lru_push_front(s, key);
    }
    if (s->lfu) lfu_use(s, key, now, rng);
    return TRUE;
}

gboolean cirrus_cache_set(CirrusCacheStore *s, guint key, CirrusTime now, CirrusRng *rng)
{
    g_assert(key < s->n_keys);
    if (s->ttl > 0) expire_due(s, now);
    if (s->pos[key] == NONE) {
        if (s->n_held >= s->capacity) {
            guint32 v = s->capacity > 0 ? victim(s, now, rng) : NONE;
            if (v == NONE) {
                s->counts.fill_failures++;
                return FALSE;
            }
            remove_key(s, v);
            s->counts.evictions++;
        }
        s->pos[key] = (guint32)s->n_held;
        s->held[s->n_held++] = key;
        if (s->prev) lru_push_front(s, key);
        if (s->lfu) {
            s->lfu[key] = LFU_INIT;
            s->lfu_decayed[key] = now;
        }
    } else {
        if (s->prev) {
            lru_unlink(s, key);
            lru_push_front(s, key);
        }
        if (s->lfu) lfu_use(s, key, now, rng);
    }
    s->filled[key] = now;
    if (s->ttl > 0) {
        s->expires[key] = now + s->ttl;
        fifo_push(s, key, s->expires[key]);
    }
    return TRUE;
}

gboolean cirrus_cache_delete(CirrusCacheStore *s, guint key, CirrusTime now)
{
    g_assert(key < s->n_keys);
    if (s->ttl > 0) expire_due(s, now);
    if (s->pos[key] == NONE) return FALSE;
    remove_key(s, key);
    return TRUE;
}

void cirrus_cache_flush(CirrusCacheStore *s)
{
    for (guint64 i = 0; i < s->n_held; i++) s->pos[s->held[i]] = NONE;
    s->n_held = 0;
    s->head = s->tail = NONE;
    s->fifo_len = 0;
    s->fifo_head = 0;
}

guint64 cirrus_cache_items(CirrusCacheStore *s, CirrusTime now)
{
    if (s->ttl > 0) expire_due(s, now);
    return s->n_held;
}

guint64 cirrus_cache_capacity(const CirrusCacheStore *s) { return s->capacity; }

CirrusTime cirrus_cache_filled_at(const CirrusCacheStore *s, guint key)
{
    g_assert(key < s->n_keys && s->pos[key] != NONE);
    return s->filled[key];
}

CirrusCacheCounts cirrus_cache_take_counts(CirrusCacheStore *s)
{
    CirrusCacheCounts c = s->counts;
    s->counts = (CirrusCacheCounts){0};
    return c;
}
