/* cirrus — a stream's records and readers (see stream_log.h). */
#include "models/protocol/stream_log.h"

/* AWS: enhanced fan-out delivers "with an average of 70 ms" from the write. */
#define PUSH_DELAY (70 * CIRRUS_MS)

typedef struct {
    guint64 start_after;       /* CIRRUS_STREAM_START resolves to "after this" */
    guint64 delivered;         /* the last sequence number delivered to it */
    gboolean announced, drained;
    /* Enhanced fan-out: the waiting subscribe, and the consumer's own bytes. */
    CirrusRequest *poll;
    guint64 from;              /* the waiting subscribe reads after this */
    guint32 gen;               /* + 1 whenever a scheduled push becomes stale */
    gboolean push_scheduled;
    CirrusStreamBucket bytes;
} Lease;

typedef struct {
    CirrusComponent *who;
    CirrusStreamFanOut fan_out;
    CirrusStreamStart start;
    guint max_records;
    gboolean trigger;          /* a Lambda trigger: its reads are not billed */
    GArray *leases;            /* Lease, indexed by shard id */
} Consumer;

static CirrusStreamRec *rec_at(CirrusLogShard *s, guint64 seq)
{
    return &g_array_index(s->recs, CirrusStreamRec, s->head + (guint)(seq - s->first));
}
static Lease *lease_at(Consumer *c, guint id) { return &g_array_index(c->leases, Lease, id); }

static void count(CirrusComponent *self, gint metric, gint64 n)
{
    if (metric >= 0) cirrus_metric_count(self, (guint)metric, n);
}

/* ---- the log and its shards ------------------------------------------------------ */

void cirrus_stream_log_init(CirrusStreamLog *log, const CirrusStreamLogRules *rules, const CirrusFaultState *faults)
{
    *log = (CirrusStreamLog){ .rules = *rules, .faults = faults, .store = TRUE };
    log->shards = g_array_new(FALSE, TRUE, sizeof(CirrusLogShard));
    log->consumers = g_ptr_array_new();
}

void cirrus_stream_log_clear(CirrusStreamLog *log)
{
    for (guint i = 0; log->shards && i < log->shards->len; i++) g_array_free(cirrus_log_shard(log, i)->recs, TRUE);
    if (log->shards) g_array_free(log->shards, TRUE);
    for (guint i = 0; log->consumers && i < log->consumers->len; i++) {
        Consumer *c = log->consumers->pdata[i];
        g_array_free(c->leases, TRUE);
        g_free(c);
    }
    if (log->consumers) g_ptr_array_free(log->consumers, TRUE);
    *log = (CirrusStreamLog){0};
}

guint16 cirrus_stream_log_plan(CirrusStreamLog *log, guint16 parent, guint16 adjacent)
{
    CirrusLogShard s = {0};
    s.id = (guint16)log->shards->len;
    s.parent = parent;
    s.adjacent = adjacent;
    s.child[0] = s.child[1] = CIRRUS_STREAM_NO_SHARD;
    s.state = CIRRUS_SHARD_PLANNED;
    s.first = 1;
    s.r_sec = -1;
    s.r_bytes.tokens = log->rules.read_bytes;
    s.recs = g_array_new(FALSE, FALSE, sizeof(CirrusStreamRec));
    g_array_append_val(log->shards, s);
    guint16 parents[2] = {parent, adjacent};
    for (int j = 0; j < 2; j++) {
        if (parents[j] == CIRRUS_STREAM_NO_SHARD) continue;
        CirrusLogShard *p = cirrus_log_shard(log, parents[j]);
        p->child[p->child[0] == CIRRUS_STREAM_NO_SHARD ? 0 : 1] = s.id;
    }
    return s.id;
}

void cirrus_stream_log_open(CirrusStreamLog *log, guint16 id)
{
    g_assert(cirrus_log_shard(log, id)->state == CIRRUS_SHARD_PLANNED);
    cirrus_log_shard(log, id)->state = CIRRUS_SHARD_OPEN;
    log->n_open++;
}

void cirrus_stream_log_close(CirrusStreamLog *log, guint16 id)
{
    g_assert(cirrus_log_shard(log, id)->state == CIRRUS_SHARD_OPEN);
    cirrus_log_shard(log, id)->state = CIRRUS_SHARD_CLOSED;
    log->n_open--;
}

void cirrus_stream_log_trim(CirrusComponent *self, CirrusStreamLog *log, guint16 id)
{
    CirrusLogShard *s = cirrus_log_shard(log, id);
    CirrusTime now = cirrus_now(self);
    guint64 old_first = s->first;
    while (s->first <= s->last && rec_at(s, s->first)->arrived + log->rules.retention <= now) {
        s->first++;
        s->head++;
    }
    if (s->first == old_first) return;
    count(self, log->rules.m_expired, (gint64)(s->first - old_first));
    for (guint i = 0; i < log->consumers->len; i++) {
        Consumer *c = log->consumers->pdata[i];
        guint64 seen = MAX(lease_at(c, s->id)->delivered, old_first - 1);
        if (seen < s->first - 1) count(self, log->rules.m_expired_unread, (gint64)(s->first - 1 - seen));
    }
    /* Compact once the dead prefix is the larger part. */
    if (s->head >= 4096 && s->head * 2 >= s->recs->len) {
        g_array_remove_range(s->recs, 0, s->head);
        s->head = 0;
    }
}

void cirrus_stream_log_append(CirrusComponent *self, CirrusStreamLog *log, guint16 id, const CirrusStreamRec *rec)
{
    CirrusLogShard *s = cirrus_log_shard(log, id);
    g_assert(s->state == CIRRUS_SHARD_OPEN);
    cirrus_stream_log_trim(self, log, id);
    if (log->store && cirrus_now(self) > 0 && log->consumers->len == 0) log->store = FALSE;
    s->last++;
    if (!log->store) {
        s->first = s->last + 1;
        s->head = 0;
        g_array_set_size(s->recs, 0);
        return;
    }
    g_array_append_val(s->recs, *rec);
}

/* ---- leases and the shard list --------------------------------------------------- */

guint cirrus_stream_log_add_consumer(CirrusStreamLog *log, gboolean enhanced)
{
    if (enhanced) log->enhanced_consumers++;
    return log->enhanced_consumers;
}

static Consumer *consumer_of(CirrusStreamLog *log, const CirrusComponent *who, guint *index)
{
    for (guint i = 0; i < log->consumers->len; i++) {
        Consumer *c = log->consumers->pdata[i];
        if (c->who == who) {
            if (index) *index = i;
            return c;
        }
    }
    return NULL;
}

static void grow_leases(CirrusStreamLog *log, Consumer *c)
{
    guint old = c->leases->len;
    g_array_set_size(c->leases, log->shards->len);
    for (guint i = old; i < c->leases->len; i++) *lease_at(c, i) = (Lease){.bytes.tokens = log->rules.read_bytes};
}

static void announce(CirrusComponent *self, Consumer *c, const CirrusLogShard *s)
{
    lease_at(c, s->id)->announced = TRUE;
    cirrus_stream_shard_notice(self, c->who, s->id, s->parent, s->adjacent);
}

static gboolean parents_drained(Consumer *c, const CirrusLogShard *s)
{
    return (s->parent == CIRRUS_STREAM_NO_SHARD || lease_at(c, s->parent)->drained) &&
           (s->adjacent == CIRRUS_STREAM_NO_SHARD || lease_at(c, s->adjacent)->drained);
}

/* The consumer has read `s` to its end: its children may be read now. */
static void drain(CirrusComponent *self, CirrusStreamLog *log, Consumer *c, CirrusLogShard *s)
{
    if (lease_at(c, s->id)->drained) return;
    lease_at(c, s->id)->drained = TRUE;
    for (int i = 0; i < 2; i++) {
        if (s->child[i] == CIRRUS_STREAM_NO_SHARD) continue;
        CirrusLogShard *child = cirrus_log_shard(log, s->child[i]);
        if (child->state != CIRRUS_SHARD_PLANNED && !lease_at(c, child->id)->announced && parents_drained(c, child))
            announce(self, c, child);
    }
}

static void update_age(CirrusComponent *self, CirrusStreamLog *log);

static void on_register(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev)
{
    g_assert(consumer_of(log, ev->source, NULL) == NULL);   /* one registration per component */
    CirrusStreamRegister args = cirrus_stream_register_args(ev);
    Consumer *c = g_new0(Consumer, 1);
    c->who = ev->source;
    c->fan_out = args.fan_out;
    c->start = args.start;
    c->max_records = MIN(args.max_records, log->rules.max_batch);   /* 1-10,000: cirrus_stream_register checks */
    c->trigger = args.trigger;
    c->leases = g_array_new(FALSE, TRUE, sizeof(Lease));
    grow_leases(log, c);
    g_ptr_array_add(log->consumers, c);
    log->store = TRUE;
    /* Parents have smaller ids than their children, so one pass in id
     * order settles each shard after its parents. */
    for (guint i = 0; i < log->shards->len; i++) {
        CirrusLogShard *s = cirrus_log_shard(log, i);
        Lease *l = lease_at(c, i);
        if (s->state == CIRRUS_SHARD_PLANNED || !parents_drained(c, s)) continue;
        cirrus_stream_log_trim(self, log, s->id);
        if (c->start == CIRRUS_STREAM_LATEST) l->start_after = l->delivered = s->last;
        if (s->state == CIRRUS_SHARD_CLOSED && (c->start == CIRRUS_STREAM_LATEST || s->first > s->last)) {
            l->drained = TRUE;   /* nothing in it for this consumer */
            l->delivered = s->last;
        } else {
            announce(self, c, s);
        }
    }
    update_age(self, log);
}

/* ---- reading ------------------------------------------------------------------------ */

static void refill(CirrusStreamBucket *b, double rate, CirrusTime now)
{
    b->tokens = MIN(rate, b->tokens + rate * cirrus_time_to_s(now - b->at));
    b->at = now;
}

/* The first sequence number to deliver for a read from `seq`. */
static guint64 resolve(const CirrusLogShard *s, const Lease *l, guint64 seq, guint *flags)
{
    gboolean start = seq == CIRRUS_STREAM_START;
    guint64 from = (start ? l->start_after : seq) + 1;
    g_assert(from <= s->last + 1);   /* a position the shard has reached */
    if (from < s->first) {
        if (!start) *flags |= CIRRUS_STREAM_TRIMMED;
        from = s->first;
    }
    return from;
}

/* Records of `s` from `from`, up to the consumer's batch, the answer's
 * bytes and `byte_cap` (at least one record): a batch chain. */
static CirrusRequest *take(CirrusComponent *self, CirrusStreamLog *log, Consumer *c, CirrusLogShard *s, guint64 from,
                           double byte_cap, guint *n, gint64 *bytes)
{
    CirrusRequest *head = NULL, *tail = NULL;
    guint64 seq = from;
    *n = 0;
    *bytes = 0;
    for (; seq <= s->last && *n < c->max_records; seq++) {
        const CirrusStreamRec *r = rec_at(s, seq);
        if (*n > 0 && (*bytes + r->size > log->rules.max_batch_bytes || *bytes + r->size > byte_cap)) break;
        CirrusRequest *req = cirrus_request_new(self);
        req->created = r->created;
        req->arrived = r->arrived;
        req->origin = r->origin;
        req->client = r->key;
        req->size = r->size;
        req->invocation = CIRRUS_INVOKE_ASYNC;
        cirrus_request_data(req)->ref.position = CIRRUS_STREAM_POS(s->id, seq);
        if (tail) cirrus_batch_link(tail, req);
        else head = req;
        tail = req;
        (*n)++;
        *bytes += r->size;
    }
    lease_at(c, s->id)->delivered = seq - 1;
    return head;
}

/* Deliver what `c` may have from `from`; END (and drain) when that reaches
 * the end of a closed shard. */
static void deliver(CirrusComponent *self, CirrusStreamLog *log, Consumer *c, CirrusLogShard *s, CirrusRequest *poll,
                    guint64 from, double byte_cap, guint flags, CirrusStreamBucket *bucket)
{
    guint n;
    gint64 bytes;
    CirrusRequest *head = take(self, log, c, s, from, byte_cap, &n, &bytes);
    bucket->tokens -= (double)bytes;
    gboolean ended = s->state == CIRRUS_SHARD_CLOSED && lease_at(c, s->id)->delivered >= s->last;
    gboolean shared = c->fan_out == CIRRUS_STREAM_SHARED;
    count(self, shared ? log->rules.m_get_records : log->rules.m_subscribe_records, n);
    count(self, shared ? log->rules.m_get_bytes : log->rules.m_subscribe_bytes, bytes);
    cirrus_stream_answer(self, c->who, poll, s->id, head, n, bytes, flags | (ended ? CIRRUS_STREAM_END : 0));
    if (ended) drain(self, log, c, s);
    update_age(self, log);
}

/* The consumer, shard and lease a read names, checked. */
static Consumer *event_lease(CirrusStreamLog *log, const CirrusEvent *ev, const CirrusStreamRead *rd,
                             CirrusLogShard **s, Lease **l)
{
    Consumer *c = consumer_of(log, ev->source, NULL);
    g_assert(c != NULL);                     /* STREAM_REGISTER first */
    g_assert(rd->shard < log->shards->len);
    *s = cirrus_log_shard(log, rd->shard);
    *l = lease_at(c, rd->shard);
    g_assert((*l)->announced);               /* only shards it was told about */
    return c;
}

static void on_get_records(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev)
{
    CirrusStreamRead rd = cirrus_stream_read_args(ev);
    CirrusLogShard *s;
    Lease *l;
    Consumer *c = event_lease(log, ev, &rd, &s, &l);
    CirrusTime now = cirrus_now(self);
    gint64 sec = now / CIRRUS_SEC;
    if (cirrus_fault_down(log->faults)) {
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_FAILED);
        return;
    }
    /* The owner's limits per shard (Kinesis: 5 calls/s and 2 MB/s), shared
     * by every reader without enhanced fan-out. */
    if (s->r_sec != sec) s->r_sec = sec, s->r_calls = 0;
    refill(&s->r_bytes, log->rules.read_bytes, now);
    if (s->r_calls >= log->rules.read_calls || s->r_bytes.tokens < 0) {
        count(self, log->rules.m_read_exceeded, 1);
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_THROTTLED);
        return;
    }
    s->r_calls++;
    if (!c->trigger) count(self, log->rules.m_billed_reads, 1);
    cirrus_stream_log_trim(self, log, s->id);
    guint flags = 0;
    guint64 from = resolve(s, l, rd.seq, &flags);
    deliver(self, log, c, s, rd.poll, from, (double)log->rules.max_batch_bytes, flags, &s->r_bytes);
}

/* ---- enhanced fan-out -------------------------------------------------------------- */

#define PUSH_DATA(consumer, shard, gen) (((guint64)(consumer) << 48) | ((guint64)(shard) << 32) | (gen))

/* A waiting subscribe: push when there is something (PUSH_DELAY after the
 * first record arrived) and the consumer's bucket is not in debt; answer
 * END at once when it has reached the end of a closed shard. */
static void try_push(CirrusComponent *self, CirrusStreamLog *log, guint ci, CirrusLogShard *s)
{
    Consumer *c = log->consumers->pdata[ci];
    Lease *l = lease_at(c, s->id);
    CirrusTime now = cirrus_now(self);
    double rate = log->rules.read_bytes;
    if (!l->poll || l->push_scheduled) return;
    cirrus_stream_log_trim(self, log, s->id);
    guint flags = 0;
    guint64 from = resolve(s, l, l->from, &flags);
    if (from > s->last) {
        if (s->state != CIRRUS_SHARD_CLOSED) return;   /* wait for a record */
        CirrusRequest *poll = l->poll;
        l->poll = NULL;
        deliver(self, log, c, s, poll, from, 0, flags, &l->bytes);
        return;
    }
    refill(&l->bytes, rate, now);
    CirrusTime when = MAX(now, rec_at(s, from)->arrived + PUSH_DELAY);
    if (l->bytes.tokens <= 0) when = MAX(when, now + cirrus_time_from_s(-l->bytes.tokens / rate) + 1);
    l->push_scheduled = TRUE;
    cirrus_schedule(self, when - now, log->rules.push_event, NULL, PUSH_DATA(ci, s->id, l->gen));
}

static void on_push(CirrusComponent *self, CirrusStreamLog *log, guint64 data)
{
    guint ci = (guint)(data >> 48), id = (guint)((data >> 32) & 0xFFFFu);
    Consumer *c = log->consumers->pdata[ci];
    CirrusLogShard *s = cirrus_log_shard(log, id);
    Lease *l = lease_at(c, id);
    if ((guint32)data != l->gen) return;   /* the subscribe was answered or cancelled */
    l->push_scheduled = FALSE;
    if (cirrus_fault_down(log->faults)) return;                 /* (already answered FAILED) */
    refill(&l->bytes, log->rules.read_bytes, cirrus_now(self));
    cirrus_stream_log_trim(self, log, s->id);
    guint flags = 0;
    guint64 from = resolve(s, l, l->from, &flags);
    if (l->bytes.tokens <= 0 || from > s->last) {
        try_push(self, log, ci, s);
        return;
    }
    CirrusRequest *poll = l->poll;
    l->poll = NULL;
    l->gen++;
    deliver(self, log, c, s, poll, from, l->bytes.tokens, flags, &l->bytes);
}

static void on_subscribe(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev)
{
    CirrusStreamRead rd = cirrus_stream_read_args(ev);
    CirrusLogShard *s;
    Lease *l;
    Consumer *c = event_lease(log, ev, &rd, &s, &l);
    guint ci = 0;
    consumer_of(log, c->who, &ci);
    g_assert(c->fan_out == CIRRUS_STREAM_ENHANCED);
    g_assert(l->poll == NULL);   /* one subscribe per (consumer, shard) at a time */
    if (cirrus_fault_down(log->faults)) {
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_FAILED);
        return;
    }
    l->poll = rd.poll;
    l->from = rd.seq;
    try_push(self, log, ci, s);
}

/* Answer a waiting subscribe empty with `flags`. */
static void give_up(CirrusComponent *self, Consumer *c, guint id, guint flags)
{
    Lease *l = lease_at(c, id);
    CirrusRequest *poll = l->poll;
    l->poll = NULL;
    l->push_scheduled = FALSE;
    l->gen++;
    cirrus_stream_answer(self, c->who, poll, id, NULL, 0, 0, flags);
}

static void on_cancel(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev)
{
    Consumer *c = consumer_of(log, ev->source, NULL);
    guint64 poll_id = cirrus_stream_cancel_id(ev);
    g_assert(c != NULL);
    for (guint i = 0; i < c->leases->len; i++)
        if (lease_at(c, i)->poll && lease_at(c, i)->poll->id == poll_id) {
            give_up(self, c, i, CIRRUS_STREAM_CANCELLED);
            return;
        }
}

void cirrus_stream_log_fail_waiting(CirrusComponent *self, CirrusStreamLog *log)
{
    for (guint ci = 0; ci < log->consumers->len; ci++) {
        Consumer *c = log->consumers->pdata[ci];
        for (guint i = 0; i < c->leases->len; i++)
            if (lease_at(c, i)->poll) give_up(self, c, i, CIRRUS_STREAM_FAILED);
    }
}

void cirrus_stream_log_wake(CirrusComponent *self, CirrusStreamLog *log, guint16 id)
{
    CirrusLogShard *s = cirrus_log_shard(log, id);
    for (guint ci = 0; ci < log->consumers->len; ci++) {
        Consumer *c = log->consumers->pdata[ci];
        if (c->fan_out == CIRRUS_STREAM_ENHANCED) try_push(self, log, ci, s);
    }
}

void cirrus_stream_log_resharded(CirrusComponent *self, CirrusStreamLog *log)
{
    for (guint ci = 0; ci < log->consumers->len; ci++) grow_leases(log, log->consumers->pdata[ci]);
    for (guint i = 0; i < log->shards->len; i++)
        if (cirrus_log_shard(log, i)->state == CIRRUS_SHARD_CLOSED) cirrus_stream_log_wake(self, log, (guint16)i);
}

gboolean cirrus_stream_log_handle(CirrusComponent *self, CirrusStreamLog *log, const CirrusEvent *ev)
{
    if ((guint)ev->kind == log->rules.push_event) on_push(self, log, ev->data);
    else if (ev->kind == CIRRUS_STREAM_REGISTER) on_register(self, log, ev);
    else if (ev->kind == CIRRUS_STREAM_GET_RECORDS) on_get_records(self, log, ev);
    else if (ev->kind == CIRRUS_STREAM_SUBSCRIBE) on_subscribe(self, log, ev);
    else if (ev->kind == CIRRUS_STREAM_CANCEL) on_cancel(self, log, ev);
    else return FALSE;
    return TRUE;
}

/* ---- iterator age ---------------------------------------------------------------- */

static void update_age(CirrusComponent *self, CirrusStreamLog *log)
{
    CirrusTime now = cirrus_now(self), age = 0;
    if (log->rules.m_iterator_age < 0) return;
    for (guint ci = 0; ci < log->consumers->len; ci++) {
        Consumer *c = log->consumers->pdata[ci];
        for (guint i = 0; i < c->leases->len; i++) {
            Lease *l = lease_at(c, i);
            CirrusLogShard *s = cirrus_log_shard(log, i);
            if (!l->announced || l->drained || l->delivered >= s->last || s->first > s->last) continue;
            age = MAX(age, now - rec_at(s, MAX(l->delivered + 1, s->first))->arrived);
        }
    }
    cirrus_metric_gauge(self, (guint)log->rules.m_iterator_age, (double)(age / CIRRUS_MS));
}

void cirrus_stream_log_sample(CirrusComponent *self, CirrusStreamLog *log)
{
    for (guint i = 0; i < log->shards->len; i++)
        if (cirrus_log_shard(log, i)->state != CIRRUS_SHARD_PLANNED) cirrus_stream_log_trim(self, log, (guint16)i);
    update_age(self, log);
}
