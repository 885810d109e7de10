/* cirrus — the `kinesis` model's readers: registration and the shard
 * list, shared GetRecords, enhanced fan-out pushes, and the iterator age
 * (the protocol is models/protocol/stream.h).
 *
 * The stream keeps, per consumer and shard, a Lease: where START resolves
 * to, how far it has delivered (for the iterator age and for records that
 * expire unread), whether the consumer has been told about the shard and
 * whether it has read it to its end, and for enhanced fan-out the waiting
 * subscribe and the consumer's own 2 MB/s. */
#include "models/kinesis/kinesis-private.h"
#include <string.h>

/* AWS: enhanced fan-out delivers "with an average of 70 ms" from the write. */
#define PUSH_DELAY (70 * CIRRUS_MS)

/* ---- looking a stream up (for consumers' link) -------------------------------- */

guint kinesis_add_consumer(CirrusComponent *self, void *state, gboolean enhanced)
{
    Kinesis *k = state;
    (void)self;
    if (enhanced) k->enhanced_consumers++;
    return k->enhanced_consumers;
}

/* ---- leases and the shard list --------------------------------------------------- */

static Consumer *consumer_of(Kinesis *k, const CirrusComponent *who, guint *index)
{
    for (guint i = 0; i < k->consumers->len; i++) {
        Consumer *c = k->consumers->pdata[i];
        if (c->who == who) {
            if (index) *index = i;
            return c;
        }
    }
    return NULL;
}

static void grow_leases(Kinesis *k, Consumer *c)
{
    guint old = c->leases->len;
    g_array_set_size(c->leases, k->shards->len);
    for (guint i = old; i < c->leases->len; i++) *lease_at(c, i) = (Lease){.bytes.tokens = SHARD_READ_BYTES};
}

static void announce(CirrusComponent *self, Consumer *c, const Shard *s)
{
    lease_at(c, s->id)->announced = TRUE;
    cirrus_stream_shard_notice(self, c->who, s->id, s->parent, s->adjacent);
}

static gboolean parents_drained(Consumer *c, const Shard *s)
{
    return (s->parent == CIRRUS_STREAM_NO_SHARD || lease_at(c, s->parent)->drained) &&
           (s->adjacent == CIRRUS_STREAM_NO_SHARD || lease_at(c, s->adjacent)->drained);
}

/* The consumer has read `s` to its end: its children may be read now. */
static void drain(CirrusComponent *self, Kinesis *k, Consumer *c, Shard *s)
{
    if (lease_at(c, s->id)->drained) return;
    lease_at(c, s->id)->drained = TRUE;
    for (int i = 0; i < 2; i++) {
        if (s->child[i] == CIRRUS_STREAM_NO_SHARD) continue;
        Shard *child = shard_at(k, s->child[i]);
        if (child->state != SHARD_PLANNED && !lease_at(c, child->id)->announced && parents_drained(c, child))
            announce(self, c, child);
    }
}

void kinesis_register(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev)
{
    g_assert(consumer_of(k, ev->source, NULL) == NULL);   /* one registration per component */
    CirrusStreamRegister args = cirrus_stream_register_args(ev);
    Consumer *c = g_new0(Consumer, 1);
    c->who = ev->source;
    c->fan_out = args.fan_out;
    c->start = args.start;
    c->max_records = args.max_records;   /* 1-10,000: cirrus_stream_register checks */
    c->leases = g_array_new(FALSE, TRUE, sizeof(Lease));
    grow_leases(k, c);
    g_ptr_array_add(k->consumers, c);
    k->store = TRUE;
    /* Parents have smaller ids than their children, so one pass in id
     * order settles each shard after its parents. */
    for (guint i = 0; i < k->shards->len; i++) {
        Shard *s = shard_at(k, i);
        Lease *l = lease_at(c, i);
        if (s->state == SHARD_PLANNED || !parents_drained(c, s)) continue;
        kinesis_trim(self, k, s);
        if (c->start == CIRRUS_STREAM_LATEST) l->start_after = l->delivered = s->last;
        if (s->state == SHARD_CLOSED && (c->start == CIRRUS_STREAM_LATEST || s->first > s->last)) {
            l->drained = TRUE;   /* nothing in it for this consumer */
            l->delivered = s->last;
        } else {
            announce(self, c, s);
        }
    }
    kinesis_update_age(self, k);
}

/* ---- reading ------------------------------------------------------------------------ */

static void refill(Bucket *b, CirrusTime now)
{
    b->tokens = MIN(SHARD_READ_BYTES, b->tokens + SHARD_READ_BYTES * cirrus_time_to_s(now - b->at));
    b->at = now;
}

/* The first sequence number to deliver for a read from `seq`. */
static guint64 resolve(const Shard *s, const Lease *l, guint64 seq, guint *flags)
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

/* Records of `s` from `from`, up to the consumer's batch, 10 MB and
 * `byte_cap` (at least one record): a batch chain. */
static CirrusRequest *take(CirrusComponent *self, Consumer *c, Shard *s, guint64 from, double byte_cap,
                           guint *count, gint64 *bytes)
{
    CirrusRequest *head = NULL, *tail = NULL;
    guint64 seq = from;
    *count = 0;
    *bytes = 0;
    for (; seq <= s->last && *count < c->max_records; seq++) {
        const Rec *r = rec_at(s, seq);
        if (*count > 0 && (*bytes + r->size > CIRRUS_STREAM_MAX_BATCH_BYTES || *bytes + r->size > byte_cap)) break;
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
        (*count)++;
        *bytes += r->size;
    }
    lease_at(c, s->id)->delivered = seq - 1;
    return head;
}

/* Deliver what `c` may have from `from`; END (and drain) when that reaches
 * the end of a closed shard. */
static void deliver(CirrusComponent *self, Kinesis *k, Consumer *c, Shard *s, CirrusRequest *poll, guint64 from,
                    double byte_cap, guint flags, Bucket *bucket)
{
    guint count;
    gint64 bytes;
    CirrusRequest *head = take(self, c, s, from, byte_cap, &count, &bytes);
    bucket->tokens -= (double)bytes;
    gboolean ended = s->state == SHARD_CLOSED && lease_at(c, s->id)->delivered >= s->last;
    gboolean shared = c->fan_out == CIRRUS_STREAM_SHARED;
    cirrus_metric_count(self, shared ? M_GET_RECORDS : M_SUBSCRIBE_RECORDS, count);
    cirrus_metric_count(self, shared ? M_GET_BYTES : M_SUBSCRIBE_BYTES, bytes);
    cirrus_stream_answer(self, c->who, poll, s->id, head, count, bytes, flags | (ended ? CIRRUS_STREAM_END : 0));
    if (ended) drain(self, k, c, s);
    kinesis_update_age(self, k);
}

/* The consumer, shard and lease a read names, checked. */
static Consumer *event_lease(Kinesis *k, const CirrusEvent *ev, const CirrusStreamRead *rd, Shard **s, Lease **l)
{
    Consumer *c = consumer_of(k, ev->source, NULL);
    g_assert(c != NULL);                     /* STREAM_REGISTER first */
    g_assert(rd->shard < k->shards->len);
    *s = shard_at(k, rd->shard);
    *l = lease_at(c, rd->shard);
    g_assert((*l)->announced);               /* only shards it was told about */
    return c;
}

void kinesis_get_records(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev)
{
    CirrusStreamRead rd = cirrus_stream_read_args(ev);
    Shard *s;
    Lease *l;
    Consumer *c = event_lease(k, ev, &rd, &s, &l);
    CirrusTime now = cirrus_now(self);
    gint64 sec = now / CIRRUS_SEC;
    if (cirrus_fault_down(k->faults)) {
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_FAILED);
        return;
    }
    /* AWS: 5 GetRecords calls per second per shard and 2 MB/s, shared by
     * every reader without enhanced fan-out. */
    if (s->r_sec != sec) s->r_sec = sec, s->r_calls = 0;
    refill(&s->r_bytes, now);
    if (s->r_calls >= SHARD_READ_CALLS || s->r_bytes.tokens < 0) {
        cirrus_metric_count(self, M_READ_EXCEEDED, 1);
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_THROTTLED);
        return;
    }
    s->r_calls++;
    kinesis_trim(self, k, s);
    guint flags = 0;
    guint64 from = resolve(s, l, rd.seq, &flags);
    deliver(self, k, c, s, rd.poll, from, CIRRUS_STREAM_MAX_BATCH_BYTES, flags, &s->r_bytes);
}

/* ---- enhanced fan-out -------------------------------------------------------------- */

#define PUSH_DATA(consumer, shard, gen) (((guint64)(consumer) << 48) | ((guint64)(shard) << 32) | (gen))

/* A waiting subscribe: push when there is something (PUSH_DELAY after the
 * first record arrived) and the consumer's bucket is not in debt; answer
 * END at once when it has reached the end of a closed shard. */
static void try_push(CirrusComponent *self, Kinesis *k, guint ci, Shard *s)
{
    Consumer *c = k->consumers->pdata[ci];
    Lease *l = lease_at(c, s->id);
    CirrusTime now = cirrus_now(self);
    if (!l->poll || l->push_scheduled) return;
    kinesis_trim(self, k, s);
    guint flags = 0;
    guint64 from = resolve(s, l, l->from, &flags);
    if (from > s->last) {
        if (s->state != SHARD_CLOSED) return;   /* wait for a record */
        CirrusRequest *poll = l->poll;
        l->poll = NULL;
        deliver(self, k, c, s, poll, from, 0, flags, &l->bytes);
        return;
    }
    refill(&l->bytes, now);
    CirrusTime when = MAX(now, rec_at(s, from)->arrived + PUSH_DELAY);
    if (l->bytes.tokens <= 0) when = MAX(when, now + cirrus_time_from_s(-l->bytes.tokens / SHARD_READ_BYTES) + 1);
    l->push_scheduled = TRUE;
    cirrus_schedule(self, when - now, KIN_PUSH, NULL, PUSH_DATA(ci, s->id, l->gen));
}

void kinesis_push(CirrusComponent *self, Kinesis *k, guint64 data)
{
    guint ci = (guint)(data >> 48), id = (guint)((data >> 32) & 0xFFFFu);
    Consumer *c = k->consumers->pdata[ci];
    Shard *s = shard_at(k, id);
    Lease *l = lease_at(c, id);
    if ((guint32)data != l->gen) return;   /* the subscribe was answered or cancelled */
    l->push_scheduled = FALSE;
    if (cirrus_fault_down(k->faults)) return;                 /* (already answered FAILED) */
    refill(&l->bytes, cirrus_now(self));
    kinesis_trim(self, k, s);
    guint flags = 0;
    guint64 from = resolve(s, l, l->from, &flags);
    if (l->bytes.tokens <= 0 || from > s->last) {
        try_push(self, k, ci, s);
        return;
    }
    CirrusRequest *poll = l->poll;
    l->poll = NULL;
    l->gen++;
    deliver(self, k, c, s, poll, from, l->bytes.tokens, flags, &l->bytes);
}

void kinesis_subscribe(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev)
{
    CirrusStreamRead rd = cirrus_stream_read_args(ev);
    Shard *s;
    Lease *l;
    Consumer *c = event_lease(k, ev, &rd, &s, &l);
    guint ci = 0;
    consumer_of(k, c->who, &ci);
    g_assert(c->fan_out == CIRRUS_STREAM_ENHANCED);
    g_assert(l->poll == NULL);   /* one subscribe per (consumer, shard) at a time */
    if (cirrus_fault_down(k->faults)) {
        cirrus_stream_answer(self, c->who, rd.poll, s->id, NULL, 0, 0, CIRRUS_STREAM_FAILED);
        return;
    }
    l->poll = rd.poll;
    l->from = rd.seq;
    try_push(self, k, ci, s);
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

void kinesis_cancel(CirrusComponent *self, Kinesis *k, const CirrusEvent *ev)
{
    Consumer *c = consumer_of(k, ev->source, NULL);
    guint64 poll_id = cirrus_stream_cancel_id(ev);
    g_assert(c != NULL);
    for (guint i = 0; i < c->leases->len; i++)
        if (lease_at(c, i)->poll && lease_at(c, i)->poll->id == poll_id) {
            give_up(self, c, i, CIRRUS_STREAM_CANCELLED);
            return;
        }
}

void kinesis_fail_waiting(CirrusComponent *self, Kinesis *k)
{
    for (guint ci = 0; ci < k->consumers->len; ci++) {
        Consumer *c = k->consumers->pdata[ci];
        for (guint i = 0; i < c->leases->len; i++)
            if (lease_at(c, i)->poll) give_up(self, c, i, CIRRUS_STREAM_FAILED);
    }
}

void kinesis_wake(CirrusComponent *self, Kinesis *k, Shard *s)
{
    for (guint ci = 0; ci < k->consumers->len; ci++) {
        Consumer *c = k->consumers->pdata[ci];
        if (c->fan_out == CIRRUS_STREAM_ENHANCED) try_push(self, k, ci, s);
    }
}

void kinesis_resharded(CirrusComponent *self, Kinesis *k)
{
    for (guint ci = 0; ci < k->consumers->len; ci++) grow_leases(k, k->consumers->pdata[ci]);
    for (guint i = 0; i < k->shards->len; i++)
        if (shard_at(k, i)->state == SHARD_CLOSED) kinesis_wake(self, k, shard_at(k, i));
}

/* ---- iterator age ---------------------------------------------------------------- */

void kinesis_update_age(CirrusComponent *self, Kinesis *k)
{
    CirrusTime now = cirrus_now(self), age = 0;
    for (guint ci = 0; ci < k->consumers->len; ci++) {
        Consumer *c = k->consumers->pdata[ci];
        for (guint i = 0; i < c->leases->len; i++) {
            Lease *l = lease_at(c, i);
            Shard *s = shard_at(k, i);
            if (!l->announced || l->drained || l->delivered >= s->last || s->first > s->last) continue;
            age = MAX(age, now - rec_at(s, MAX(l->delivered + 1, s->first))->arrived);
        }
    }
    cirrus_metric_gauge(self, M_ITERATOR_AGE, (double)(age / CIRRUS_MS));
}

void kinesis_consumers_free(Kinesis *k)
{
    for (guint i = 0; i < k->consumers->len; i++) {
        Consumer *c = k->consumers->pdata[i];
        g_array_free(c->leases, TRUE);
        g_free(c);
    }
    g_ptr_array_free(k->consumers, TRUE);
}
