/* cirrus — the `sqs` model (see sqs.h, models/protocol/queue.h, docs/models/sqs.md).
 *
 * Messages live in one array of slots, reused through a free list, so
 * memory follows the number of messages in the queue at once and a send
 * allocates nothing once the array has grown to the peak.  Each message is
 * on a few intrusive lists (indices into the array, in both directions):
 *   ret       all messages, by expiry (enqueue time + retention);
 *   age       all messages, in the order they entered this queue;
 *   q         its state's list: delayed (by due time), visible (standard
 *             queues: in the order they became visible), in flight (by
 *             the end of their visibility timeout), or the free list;
 *   grp       FIFO: its message group's messages, in send order.
 * The three time-ordered lists each have one timer for their head, so a
 * message costs no event of its own for its delay, its visibility timeout
 * or its retention.  An ordered insert searches from the tail: O(1) when
 * the new time is the latest, as it is unless ChangeMessageVisibility
 * shortens a timeout or a dead-letter queue receives a message enqueued
 * earlier elsewhere.
 *
 * A FIFO queue delivers by message group: a group is "ready" when none of
 * its messages is in flight and its first message is visible; a receive
 * takes the oldest ready group and as many of its consecutive visible
 * messages as the batch allows, then the next ready group.  Ready groups
 * wait in a FIFO in the order they became ready; entries that stopped
 * being ready are skipped when popped.
 *
 * Long polls wait in arrival order; whenever messages become deliverable
 * (sent, delay over, visibility timeout over, a FIFO group unblocked) the
 * first waiting poll is answered with what is deliverable then, and so on
 * while any is. */
#include "models/sqs/sqs.h"
#include "models/aws/globals.h"
#include "models/protocol/invoke.h"
#include "models/protocol/queue.h"
#include "sim/loader/config.h"
#include "sim/kernel/fifo.h"
#include "sim/kernel/pool.h"
#include "sim/loader/scenario.h"
#include <string.h>

enum { SQS_DELAY_DUE = CIRRUS_EVENT_MODEL, SQS_VISIBILITY_DUE, SQS_RETENTION_DUE, SQS_POLL_TIMEOUT,
       SQS_MOVE_START, SQS_MOVE_STEP };
enum { T_DELAY, T_VISIBILITY, T_RETENTION, N_TIMERS };   /* event kind SQS_DELAY_DUE + t */

enum {
    M_SENT, M_RECEIVED, M_DELETED, M_EMPTY, M_VISIBLE, M_NOT_VISIBLE, M_DELAYED, M_OLDEST,
    M_MOVED_DLQ, M_EXPIRED, M_DUPLICATES, M_REJECTED, M_THROTTLED, M_DEDUPLICATED, M_MOVED_IN,
    M_WAIT_TIME, M_MOVED_OUT, M_MOVES_REFUSED,
};

static const CirrusMetricDef sqs_metrics[] = {
    [M_SENT]          = {"NumberOfMessagesSent", CIRRUS_METRIC_COUNT, "Count"},
    [M_RECEIVED]      = {"NumberOfMessagesReceived", CIRRUS_METRIC_COUNT, "Count"},
    [M_DELETED]       = {"NumberOfMessagesDeleted", CIRRUS_METRIC_COUNT, "Count"},
    [M_EMPTY]         = {"NumberOfEmptyReceives", CIRRUS_METRIC_COUNT, "Count"},
    [M_VISIBLE]       = {"ApproximateNumberOfMessagesVisible", CIRRUS_METRIC_GAUGE, "Count"},
    [M_NOT_VISIBLE]   = {"ApproximateNumberOfMessagesNotVisible", CIRRUS_METRIC_GAUGE, "Count"},
    [M_DELAYED]       = {"ApproximateNumberOfMessagesDelayed", CIRRUS_METRIC_GAUGE, "Count"},
    [M_OLDEST]        = {"ApproximateAgeOfOldestMessage", CIRRUS_METRIC_GAUGE, "Seconds"},
    [M_MOVED_DLQ]     = {"MessagesMovedToDLQ", CIRRUS_METRIC_COUNT, "Count"},
    [M_EXPIRED]       = {"MessagesExpired", CIRRUS_METRIC_COUNT, "Count"},
    [M_DUPLICATES]    = {"DuplicateDeliveries", CIRRUS_METRIC_COUNT, "Count"},
    [M_REJECTED]      = {"SendRejected", CIRRUS_METRIC_COUNT, "Count"},
    [M_THROTTLED]     = {"SendThrottled", CIRRUS_METRIC_COUNT, "Count"},
    [M_DEDUPLICATED]  = {"MessagesDeduplicated", CIRRUS_METRIC_COUNT, "Count"},
    [M_MOVED_IN]      = {"MessagesMovedIn", CIRRUS_METRIC_COUNT, "Count"},
    [M_WAIT_TIME]     = {"WaitTime", CIRRUS_METRIC_LATENCY, "Seconds"},
    [M_MOVED_OUT]     = {"MessagesMovedOut", CIRRUS_METRIC_COUNT, "Count"},
    [M_MOVES_REFUSED] = {"MessageMoveTasksRefused", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

#define NONE G_MAXUINT32
/* AWS: FIFO deduplication interval; SendMessage limits of a FIFO queue
 * (per API action: 300 calls/s; high throughput: 300 calls/s per message
 * group, up to 70,000 per queue in the largest regions); the most a
 * ChangeMessageVisibility may extend a receive. */
#define DEDUP_WINDOW (5 * CIRRUS_MIN)
#define FIFO_CALLS_PER_S 300
#define HT_GROUP_CALLS_PER_S 300
#define HT_QUEUE_CALLS_PER_S 70000
#define MAX_VISIBILITY (12 * CIRRUS_HOUR)
/* AWS: StartMessageMoveTask's MaxNumberOfMessagesPerSecond is at most 500. */
#define MAX_MOVE_RATE 500.0

typedef enum { MSG_FREE, MSG_DELAYED, MSG_VISIBLE, MSG_INFLIGHT } MsgState;
enum { L_RET, L_AGE, L_Q, L_GRP, N_LINKS };

/* The 64 KB (65,536 bytes) of payload that AWS bills as one request. */
#define SQS_CHUNK ((gint64)64 * 1024)

typedef struct { guint32 head, tail; } List;

typedef struct {
    CirrusTime enqueued;      /* its original enqueue time (retention counts from it) */
    CirrusTime entered;       /* when it entered this queue (its age) */
    CirrusTime expires;       /* enqueued + retention */
    CirrusTime due;           /* delayed: visible then; in flight: visible again then */
    CirrusTime received_at;   /* its last receive */
    CirrusTime created;       /* the producer's request's */
    CirrusComponent *origin;
    CirrusComponent *source;  /* the queue it was dead-lettered from, or NULL */
    guint64  client;
    gint64   size;
    guint64  attributes;      /* the producer's message attributes */
    guint32  receives;        /* ApproximateReceiveCount */
    guint32  group;           /* FIFO: index into groups */
    guint32  link[N_LINKS][2];   /* [list][0 prev, 1 next] */
    guint16  gen;             /* +1 at each receive and each free: receipt handles */
    guint16  gen_first;       /* gen when it was enqueued */
    guint8   state;           /* MsgState */
} Message;

/* A hash key: a message group (origin, client) or a deduplication id. */
typedef struct { guint64 a, b, c; } Key;

typedef struct {
    Key      key;
    List     msgs;            /* its messages in send order (grp links) */
    guint32  index;
    guint32  inflight;        /* its messages in flight */
    gboolean queued;          /* in the ready FIFO */
    gint64   win;             /* high throughput: the second being counted ... */
    guint32  win_calls;       /* ... and SendMessage calls in it */
} Group;

typedef struct {
    Key        key;
    CirrusTime expires;
} Dedup;

typedef struct {
    CirrusComponent *consumer;
    CirrusRequest   *poll;
    guint64          poll_id;
    guint32          prev, next;   /* waiting list, or next free */
    guint32          gen;
    guint8           max;
    gboolean         busy;
} Waiter;


/* A message move task (StartMessageMoveTask) from this queue. */
typedef struct {
    CirrusTime at;
    double rate;                 /* messages/s; 0: as fast as possible */
    char *dest_name;             /* NULL: each message back to its source */
    const CirrusNode *dest_at;
    CirrusComponent *dest;
} MoveTask;

typedef struct {
    /* configuration */
    gboolean   fifo, content_dedup, high_throughput;
    double     usd_request;      /* per billed request (link) */
    double     billed_requests;  /* API requests since time 0, 64 KB chunks counted */
    CirrusTime visibility, retention, delay, receive_wait;
    gint64     max_size, max_receives;
    char      *dlq_name;
    const CirrusNode *dlq_at;
    CirrusComponent *dlq;

    /* messages */
    GArray    *msgs;          /* Message */
    guint32    free_head;
    List       ret, age, delayed, visible, inflight;
    gint64     n_delayed, n_visible, n_inflight;
    gint64     shown[3];               /* the count gauges' values as last set (update_gauges) */
    CirrusTime timer_at[N_TIMERS];   /* the pending timer's time (NEVER: none) */

    /* FIFO */
    GPtrArray  *groups;       /* Group *, owned, never freed before the queue */
    GHashTable *group_by_key; /* Key * -> Group * */
    CirrusFifo  ready;        /* Group * */
    GPtrArray  *origins;      /* CirrusComponent *: numbered for keys */
    CirrusPool *dedup_pool;   /* Dedup */
    GHashTable *dedup;        /* Key * -> Dedup * */
    CirrusFifo  dedup_order;  /* Dedup *, oldest first */
    gint64      win;          /* SendMessage calls in second `win` */
    guint32     win_calls;

    /* consumers */
    GArray    *waiters;       /* Waiter */
    guint32    waiter_free;
    List       waiting;       /* long polls, in arrival order */
    const CirrusFaultState *faults;   /* the kernel's: outages in force */

    /* message move tasks */
    GArray    *moves;         /* MoveTask, in `at` order */
    gint       move_active;   /* index of the running task, or -1 */
    gint64     move_left, move_done;
} Sqs;

/* ---- keys ---------------------------------------------------------------- */

static guint key_hash(gconstpointer p)
{
    const Key *k = p;
    guint64 h = k->a * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15);
    h ^= k->b + G_GUINT64_CONSTANT(0x632BE59BD9B4E019) + (h << 6) + (h >> 2);
    h ^= k->c + G_GUINT64_CONSTANT(0x85EBCA77C2B2AE63) + (h << 6) + (h >> 2);
    return (guint)(h ^ (h >> 32));
}

static gboolean key_equal(gconstpointer x, gconstpointer y)
{
    const Key *a = x, *b = y;
    return a->a == b->a && a->b == b->b && a->c == b->c;
}

/* Producers numbered in the order the queue first hears from them. */
static guint64 origin_number(Sqs *q, CirrusComponent *origin)
{
    for (guint i = 0; i < q->origins->len; i++)
        if (q->origins->pdata[i] == origin) return i;
    g_ptr_array_add(q->origins, origin);
    return q->origins->len - 1;
}

/* ---- lists ----------------------------------------------------------------- */

static inline Message *msg(const Sqs *q, guint32 i) { return &g_array_index(q->msgs, Message, i); }

static CirrusTime list_key(const Message *m, int k) { return k == L_RET ? m->expires : m->due; }

static void list_remove(Sqs *q, List *l, int k, guint32 i)
{
    Message *m = msg(q, i);
    guint32 p = m->link[k][0], n = m->link[k][1];
    if (p != NONE) msg(q, p)->link[k][1] = n;
    else l->head = n;
    if (n != NONE) msg(q, n)->link[k][0] = p;
    else l->tail = p;
    m->link[k][0] = m->link[k][1] = NONE;
}

/* Insert `i` after `at` (NONE: at the head). */
static void list_insert_after(Sqs *q, List *l, int k, guint32 at, guint32 i)
{
    Message *m = msg(q, i);
    guint32 n = at == NONE ? l->head : msg(q, at)->link[k][1];
    m->link[k][0] = at;
    m->link[k][1] = n;
    if (at != NONE) msg(q, at)->link[k][1] = i;
    else l->head = i;
    if (n != NONE) msg(q, n)->link[k][0] = i;
    else l->tail = i;
}

static void list_push_back(Sqs *q, List *l, int k, guint32 i) { list_insert_after(q, l, k, l->tail, i); }

/* Keep the list ordered by its time (ties in insertion order). */
static void list_insert_sorted(Sqs *q, List *l, int k, guint32 i)
{
    CirrusTime t = list_key(msg(q, i), k);
    guint32 at = l->tail;
    while (at != NONE && list_key(msg(q, at), k) > t) at = msg(q, at)->link[k][0];
    list_insert_after(q, l, k, at, i);
}

/* ---- timers ---------------------------------------------------------------- */

static List *timer_list(Sqs *q, int t)
{
    return t == T_DELAY ? &q->delayed : t == T_VISIBILITY ? &q->inflight : &q->ret;
}

/* Make sure a timer fires at `at` or earlier.  A timer event carries its
 * time; one that is no longer q->timer_at[t] when it fires was superseded. */
static void arm(CirrusComponent *self, Sqs *q, int t, CirrusTime at)
{
    if (at >= q->timer_at[t]) return;
    CirrusTime now = cirrus_now(self);
    q->timer_at[t] = at;
    cirrus_schedule(self, at > now ? at - now : 0, SQS_DELAY_DUE + t, NULL, (guint64)at);
}

static void rearm(CirrusComponent *self, Sqs *q, int t)
{
    List *l = timer_list(q, t);
    if (l->head != NONE) arm(self, q, t, list_key(msg(q, l->head), t == T_RETENTION ? L_RET : L_Q));
}

/* ---- metrics ----------------------------------------------------------------- */

static double oldest_age_s(CirrusComponent *self, const Sqs *q)
{
    return q->age.head == NONE ? 0 : cirrus_time_to_s(cirrus_now(self) - msg(q, q->age.head)->entered);
}

/* The gauges.  The counts are told only when they change (this runs on
 * every send, receive and delete, and most change one count or none); the
 * age of the oldest message grows between events, so it is set every time
 * (and at every sample, sqs_sample). */
static void update_gauges(CirrusComponent *self, Sqs *q)
{
    const gint64 now[3] = {q->n_visible, q->n_inflight, q->n_delayed};
    static const guint metric[3] = {M_VISIBLE, M_NOT_VISIBLE, M_DELAYED};
    for (int i = 0; i < 3; i++)
        if (now[i] != q->shown[i]) {
            q->shown[i] = now[i];
            cirrus_metric_gauge(self, metric[i], (double)now[i]);
        }
    cirrus_metric_gauge(self, M_OLDEST, oldest_age_s(self, q));
}

/* ---- messages ---------------------------------------------------------------- */

static Group *group_of(const Sqs *q, const Message *m) { return q->groups->pdata[m->group]; }

/* FIFO: queue the group for delivery if it has become ready. */
static void group_check_ready(Sqs *q, Group *g)
{
    if (g->queued || g->inflight > 0 || g->msgs.head == NONE || msg(q, g->msgs.head)->state != MSG_VISIBLE) return;
    g->queued = TRUE;
    cirrus_fifo_push(&q->ready, g);
}

static Group *group_for(Sqs *q, CirrusComponent *origin, guint64 client)
{
    Key key = { origin_number(q, origin), client, 0 };
    Group *g = g_hash_table_lookup(q->group_by_key, &key);
    if (g) return g;
    g = g_new0(Group, 1);
    g->key = key;
    g->msgs.head = g->msgs.tail = NONE;
    g->index = q->groups->len;
    g->win = -1;
    g_ptr_array_add(q->groups, g);
    g_hash_table_insert(q->group_by_key, &g->key, g);
    return g;
}

static guint32 msg_alloc(Sqs *q)
{
    guint32 i;
    if (q->free_head != NONE) {
        i = q->free_head;
        q->free_head = msg(q, i)->link[L_Q][1];
    } else {
        g_assert(q->msgs->len < NONE);
        i = q->msgs->len;
        g_array_set_size(q->msgs, i + 1);   /* zeroed: gen 0 */
    }
    Message *m = msg(q, i);
    guint16 gen = m->gen;
    *m = (Message){0};
    m->gen = m->gen_first = gen;
    for (int k = 0; k < N_LINKS; k++) m->link[k][0] = m->link[k][1] = NONE;
    return i;
}

static void make_visible(Sqs *q, guint32 i)
{
    Message *m = msg(q, i);
    m->state = MSG_VISIBLE;
    q->n_visible++;
    if (q->fifo) group_check_ready(q, group_of(q, m));
    else list_push_back(q, &q->visible, L_Q, i);
}

/* Take a message out of the queue for good (deleted, expired, moved). */
static void drop_message(Sqs *q, guint32 i)
{
    Message *m = msg(q, i);
    switch ((MsgState)m->state) {
    case MSG_DELAYED: list_remove(q, &q->delayed, L_Q, i); q->n_delayed--; break;
    case MSG_VISIBLE:
        if (!q->fifo) list_remove(q, &q->visible, L_Q, i);
        q->n_visible--;
        break;
    case MSG_INFLIGHT: list_remove(q, &q->inflight, L_Q, i); q->n_inflight--; break;
    case MSG_FREE: g_assert_not_reached();
    }
    list_remove(q, &q->ret, L_RET, i);
    list_remove(q, &q->age, L_AGE, i);
    if (q->fifo) {
        Group *g = group_of(q, m);
        if (m->state == MSG_INFLIGHT) g->inflight--;
        list_remove(q, &g->msgs, L_GRP, i);
        m->state = MSG_FREE;
        group_check_ready(q, g);
    }
    m->state = MSG_FREE;
    m->gen++;
    m->origin = NULL;
    m->link[L_Q][1] = q->free_head;
    q->free_head = i;
}

static guint32 enqueue(CirrusComponent *self, Sqs *q, const CirrusRequest *req, CirrusTime enqueued, CirrusTime delay)
{
    CirrusTime now = cirrus_now(self);
    guint32 i = msg_alloc(q);
    Message *m = msg(q, i);
    m->enqueued = enqueued;
    m->entered = now;
    m->expires = enqueued + q->retention;
    m->created = req->created;
    m->origin = req->origin;
    m->client = req->client;
    m->size = req->size;
    m->attributes = cirrus_request_data_const(req)->attributes;
    list_insert_sorted(q, &q->ret, L_RET, i);
    list_push_back(q, &q->age, L_AGE, i);
    if (q->fifo) {
        Group *g = group_for(q, req->origin, req->client);
        m = msg(q, i);
        m->group = g->index;
        list_push_back(q, &g->msgs, L_GRP, i);
    }
    if (delay > 0) {
        m->state = MSG_DELAYED;
        m->due = now + delay;
        q->n_delayed++;
        list_insert_sorted(q, &q->delayed, L_Q, i);
        arm(self, q, T_DELAY, m->due);
    } else {
        make_visible(q, i);
    }
    arm(self, q, T_RETENTION, msg(q, q->ret.head)->expires);
    return i;
}

static gboolean redrive_due(const Sqs *q, guint32 i)
{
    return q->dlq && (gint64)msg(q, i)->receives >= q->max_receives;
}

/* AWS: a message whose receive count would exceed maxReceiveCount is moved
 * to the dead-letter queue instead of being delivered; its original
 * enqueue time goes with it. */
/* The message as a request for another queue (made for the purpose; the
 * receiver frees it). */
static CirrusRequest *message_out(CirrusComponent *self, const Message *m)
{
    CirrusRequest *r = cirrus_request_new(self);
    r->created = m->created;
    r->origin = m->origin;
    r->client = m->client;
    r->size = m->size;
    cirrus_request_data(r)->attributes = m->attributes;
    r->invocation = CIRRUS_INVOKE_ASYNC;
    return r;
}

static void move_to_dlq(CirrusComponent *self, Sqs *q, guint32 i)
{
    const Message *m = msg(q, i);
    cirrus_queue_redrive(self, q->dlq, message_out(self, m), m->enqueued);
    cirrus_metric_count(self, M_MOVED_DLQ, 1);
    drop_message(q, i);
}

/* Deliver message `i`: in flight for the visibility timeout, and a request
 * for the consumer. */
static CirrusRequest *receive_one(CirrusComponent *self, Sqs *q, guint32 i)
{
    CirrusTime now = cirrus_now(self);
    Message *m = msg(q, i);
    if (!q->fifo) list_remove(q, &q->visible, L_Q, i);
    q->n_visible--;
    q->n_inflight++;
    m->state = MSG_INFLIGHT;
    m->receives++;
    m->gen++;
    m->received_at = now;
    m->due = now + q->visibility;
    list_insert_sorted(q, &q->inflight, L_Q, i);
    arm(self, q, T_VISIBILITY, m->due);
    if (q->fifo) group_of(q, m)->inflight++;
    cirrus_metric_count(self, M_RECEIVED, 1);
    if (m->receives > 1) cirrus_metric_count(self, M_DUPLICATES, 1);
    else cirrus_metric_latency(self, M_WAIT_TIME, now - m->entered);

    CirrusRequest *r = cirrus_request_new(self);
    r->created = m->created;
    r->origin = m->origin ? m->origin : self;
    r->client = m->client;
    r->size = m->size;
    cirrus_request_data(r)->attributes = m->attributes;
    r->attempt = m->receives - 1;
    r->invocation = CIRRUS_INVOKE_ASYNC;
    cirrus_request_data(r)->ref.receipt = (guint64)i | ((guint64)m->gen << 32);
    return r;
}

/* Up to `max` deliverable messages, chained as a batch in delivery
 * order; the count. */
static guint deliver(CirrusComponent *self, Sqs *q, guint max, CirrusRequest **chain)
{
    CirrusRequest *tail = NULL;
    guint n = 0;
    *chain = NULL;
#define APPEND(r) do { CirrusRequest *r_ = (r); if (tail) cirrus_batch_link(tail, r_); else *chain = r_; tail = r_; n++; } while (0)
    if (!q->fifo) {
        while (n < max && q->visible.head != NONE) {
            guint32 i = q->visible.head;
            if (redrive_due(q, i)) move_to_dlq(self, q, i);
            else APPEND(receive_one(self, q, i));
        }
        return n;
    }
    /* FIFO: as many of one group's messages as fit, then the next group. */
    Group *g;
    while (n < max && (g = cirrus_fifo_pop(&q->ready))) {
        g->queued = FALSE;
        guint32 i = g->msgs.head;
        if (g->inflight > 0 || i == NONE) continue;
        while (i != NONE && n < max && msg(q, i)->state == MSG_VISIBLE) {
            guint32 next = msg(q, i)->link[L_GRP][1];
            if (redrive_due(q, i)) move_to_dlq(self, q, i);
            else APPEND(receive_one(self, q, i));
            i = next;
        }
    }
#undef APPEND
    return n;
}

/* ---- receiving --------------------------------------------------------------- */

static void answer(CirrusComponent *self, CirrusComponent *consumer, CirrusRequest *poll,
                   CirrusRequest *chain, guint n, guint flags)
{
    /* NumberOfEmptyReceives counts calls that succeeded and found nothing:
     * not a receive given up by its consumer, nor one that failed in an
     * outage (an error, not an answer). */
    if (n == 0 && !(flags & (CIRRUS_QUEUE_CANCELLED | CIRRUS_QUEUE_FAILED))) cirrus_metric_count(self, M_EMPTY, 1);
    cirrus_queue_answer(self, consumer, poll, chain, n, flags);
}

/* CIRRUS_QUEUE_MORE when messages are still visible after a delivery: a
 * backlog, which is what a Lambda event source mapping scales up on. */
static guint more_flag(const Sqs *q)
{
    return q->n_visible > 0 ? CIRRUS_QUEUE_MORE : 0;
}

static inline Waiter *waiter(const Sqs *q, guint32 s) { return &g_array_index(q->waiters, Waiter, s); }

static void waiter_unlink(Sqs *q, guint32 s)
{
    Waiter *w = waiter(q, s);
    if (w->prev != NONE) waiter(q, w->prev)->next = w->next;
    else q->waiting.head = w->next;
    if (w->next != NONE) waiter(q, w->next)->prev = w->prev;
    else q->waiting.tail = w->prev;
    w->busy = FALSE;
    w->gen++;               /* its timeout, still pending, is now stale */
    w->next = q->waiter_free;
    q->waiter_free = s;
}

/* Answer waiting long polls while messages are deliverable. */
static void serve_waiters(CirrusComponent *self, Sqs *q)
{
    while (q->waiting.head != NONE) {
        guint32 s = q->waiting.head;
        CirrusRequest *chain;
        guint n = deliver(self, q, waiter(q, s)->max, &chain);
        if (n == 0) return;
        CirrusComponent *consumer = waiter(q, s)->consumer;
        CirrusRequest *poll = waiter(q, s)->poll;
        waiter_unlink(q, s);
        answer(self, consumer, poll, chain, n, more_flag(q));
    }
}

static void on_receive(CirrusComponent *self, Sqs *q, const CirrusEvent *ev)
{
    CirrusRequest *poll = ev->request;
    CirrusQueueReceive args = cirrus_queue_receive_args(ev);
    guint max = args.max;
    g_assert(poll != NULL);
    CirrusTime wait = args.wait == CIRRUS_QUEUE_WAIT_DEFAULT ? q->receive_wait : args.wait;
    if (cirrus_fault_down(q->faults)) {
        answer(self, ev->source, poll, NULL, 0, CIRRUS_QUEUE_FAILED);
        return;
    }
    CirrusRequest *chain;
    guint n = deliver(self, q, max, &chain);
    if (n > 0 || wait == 0) {
        answer(self, ev->source, poll, chain, n, (wait == 0 ? CIRRUS_QUEUE_SHORT : 0) | more_flag(q));
        update_gauges(self, q);
        return;
    }
    /* Long polling: wait for a message, or the end of the wait. */
    guint32 s;
    if (q->waiter_free != NONE) {
        s = q->waiter_free;
        q->waiter_free = waiter(q, s)->next;
    } else {
        g_assert(q->waiters->len < NONE);
        s = q->waiters->len;
        g_array_set_size(q->waiters, s + 1);
    }
    Waiter *w = waiter(q, s);
    w->consumer = ev->source;
    w->poll = poll;
    w->poll_id = poll->id;
    w->max = (guint8)max;
    w->busy = TRUE;
    w->next = NONE;
    w->prev = q->waiting.tail;
    if (q->waiting.tail != NONE) waiter(q, q->waiting.tail)->next = s;
    else q->waiting.head = s;
    q->waiting.tail = s;
    cirrus_schedule(self, wait, SQS_POLL_TIMEOUT, NULL, (guint64)s | ((guint64)w->gen << 32));
    update_gauges(self, q);   /* messages may have moved to the DLQ */
}

static void on_poll_timeout(CirrusComponent *self, Sqs *q, guint64 data)
{
    guint32 s = (guint32)data;
    Waiter *w = waiter(q, s);
    if (!w->busy || w->gen != (guint32)(data >> 32)) return;   /* answered already */
    CirrusComponent *consumer = w->consumer;
    CirrusRequest *poll = w->poll;
    waiter_unlink(q, s);
    answer(self, consumer, poll, NULL, 0, 0);
}

static void on_cancel(CirrusComponent *self, Sqs *q, guint64 poll_id)
{
    for (guint32 s = q->waiting.head; s != NONE; s = waiter(q, s)->next) {
        if (waiter(q, s)->poll_id != poll_id) continue;
        CirrusComponent *consumer = waiter(q, s)->consumer;
        CirrusRequest *poll = waiter(q, s)->poll;
        waiter_unlink(q, s);
        answer(self, consumer, poll, NULL, 0, CIRRUS_QUEUE_CANCELLED);
        return;
    }
}

/* The message a receipt handle names, or NONE: a handle of a message that
 * is gone (its slot free, or reused by another message).  *latest says
 * whether it is the handle of the message's last receive. */
static guint32 by_handle(const Sqs *q, guint64 handle, gboolean *latest)
{
    guint32 i = (guint32)handle;
    guint16 gen = (guint16)(handle >> 32);
    if (i >= q->msgs->len) return NONE;
    const Message *m = msg(q, i);
    guint16 issued = (guint16)(gen - m->gen_first), now = (guint16)(m->gen - m->gen_first);
    if (m->state == MSG_FREE || issued == 0 || issued > now) return NONE;
    *latest = gen == m->gen;
    return i;
}

static void on_delete(CirrusComponent *self, Sqs *q, guint64 handle)
{
    gboolean latest;
    if (cirrus_fault_down(q->faults)) return;   /* the call fails: the message stays */
    guint32 i = by_handle(q, handle & CIRRUS_QUEUE_HANDLE_MASK, &latest);
    if (i == NONE) return;
    cirrus_metric_count(self, M_DELETED, 1);
    drop_message(q, i);
    serve_waiters(self, q);   /* FIFO: its group may be free now */
    update_gauges(self, q);
}

/* DeleteMessageBatch: each message as on_delete; the messages are ours. */
static void on_delete_batch(CirrusComponent *self, Sqs *q, CirrusRequest *chain)
{
    gboolean latest;
    for (CirrusRequest *m = chain, *next; m; m = next) {
        next = cirrus_batch_next(m);
        guint32 i = cirrus_fault_down(q->faults) ? NONE : by_handle(q, cirrus_request_data(m)->ref.receipt & CIRRUS_QUEUE_HANDLE_MASK,
                                                       &latest);
        if (i != NONE) {
            cirrus_metric_count(self, M_DELETED, 1);
            drop_message(q, i);
        }
        cirrus_request_free(self, m);
    }
    serve_waiters(self, q);
    update_gauges(self, q);
}

static void on_change_visibility(CirrusComponent *self, Sqs *q, const CirrusEvent *ev)
{
    gboolean latest;
    CirrusQueueVisibility args = cirrus_queue_visibility_args(ev);
    guint32 i = by_handle(q, args.receipt, &latest);
    guint seconds = args.seconds;
    CirrusTime now = cirrus_now(self), until = now + (CirrusTime)seconds * CIRRUS_SEC;
    if (cirrus_fault_down(q->faults) || i == NONE || !latest || msg(q, i)->state != MSG_INFLIGHT ||
        seconds > CIRRUS_QUEUE_MAX_VISIBILITY_S || until > msg(q, i)->received_at + MAX_VISIBILITY)
        return;
    list_remove(q, &q->inflight, L_Q, i);
    if (seconds == 0) {
        q->n_inflight--;
        if (q->fifo) group_of(q, msg(q, i))->inflight--;
        make_visible(q, i);
        serve_waiters(self, q);
        update_gauges(self, q);
        return;
    }
    msg(q, i)->due = until;
    list_insert_sorted(q, &q->inflight, L_Q, i);
    arm(self, q, T_VISIBILITY, until);
}

static void on_timer(CirrusComponent *self, Sqs *q, int t, CirrusTime at)
{
    if (at != q->timer_at[t]) return;   /* superseded by an earlier one */
    q->timer_at[t] = CIRRUS_TIME_NEVER;
    CirrusTime now = cirrus_now(self);
    List *l = timer_list(q, t);
    int k = t == T_RETENTION ? L_RET : L_Q;
    while (l->head != NONE && list_key(msg(q, l->head), k) <= now) {
        guint32 i = l->head;
        switch (t) {
        case T_DELAY:
            list_remove(q, l, L_Q, i);
            q->n_delayed--;
            make_visible(q, i);
            break;
        case T_VISIBILITY:
            list_remove(q, l, L_Q, i);
            q->n_inflight--;
            if (q->fifo) group_of(q, msg(q, i))->inflight--;
            make_visible(q, i);
            break;
        case T_RETENTION:
            cirrus_metric_count(self, M_EXPIRED, 1);
            drop_message(q, i);
            break;
        }
    }
    rearm(self, q, t);
    serve_waiters(self, q);
    update_gauges(self, q);
}

/* ---- sending --------------------------------------------------------------- */

/* FIFO SendMessage rate: whole seconds of simulated time, each allowing
 * so many calls. */
static gboolean count_call(gint64 *win, guint32 *calls, gint64 second, guint32 limit)
{
    if (*win != second) {
        *win = second;
        *calls = 0;
    }
    return *calls < limit;
}

static gboolean fifo_admit(CirrusComponent *self, Sqs *q, const CirrusRequest *req)
{
    gint64 second = cirrus_now(self) / CIRRUS_SEC;
    if (!q->high_throughput) {
        if (!count_call(&q->win, &q->win_calls, second, FIFO_CALLS_PER_S)) return FALSE;
        q->win_calls++;
        return TRUE;
    }
    Group *g = group_for(q, req->origin, req->client);
    if (!count_call(&g->win, &g->win_calls, second, HT_GROUP_CALLS_PER_S) ||
        !count_call(&q->win, &q->win_calls, second, HT_QUEUE_CALLS_PER_S))
        return FALSE;
    g->win_calls++;
    q->win_calls++;
    return TRUE;
}

/* FIFO deduplication: a message is identified by its producer's explicit
 * id (request->tag, non-zero) or else as the producer's logical message
 * (origin, client, creation time), which a retry (attempt > 0) repeats.
 * TRUE: a duplicate within 5 minutes of the first send; drop it. */
static gboolean fifo_duplicate(CirrusComponent *self, Sqs *q, const CirrusRequest *req)
{
    CirrusTime now = cirrus_now(self);
    while (cirrus_fifo_len(&q->dedup_order) > 0) {
        Dedup *d = q->dedup_order.items[q->dedup_order.head];
        if (d->expires > now) break;
        cirrus_fifo_pop(&q->dedup_order);
        g_hash_table_remove(q->dedup, &d->key);
        cirrus_pool_release(q->dedup_pool, d);
    }
    guint64 dedup_id = cirrus_request_data_const(req)->ref.dedup_id;
    gboolean explicit_id = dedup_id != 0;
    Key key = { origin_number(q, req->origin) * 2 + (explicit_id ? 1 : 0), explicit_id ? dedup_id : req->client,
                explicit_id ? 0 : (guint64)req->created };
    if (g_hash_table_contains(q->dedup, &key)) return explicit_id || req->attempt > 0;
    Dedup *d = cirrus_pool_alloc(q->dedup_pool);
    d->key = key;
    d->expires = now + DEDUP_WINDOW;
    g_hash_table_insert(q->dedup, &d->key, d);
    cirrus_fifo_push(&q->dedup_order, d);
    return FALSE;
}

static void on_send(CirrusComponent *self, Sqs *q, CirrusRequest *req)
{
    if (cirrus_fault_down(q->faults)) {
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    /* SendMessageBatch: up to 10 messages whose sizes add up to at most
     * the maximum message size (AWS). */
    guint n = MAX(cirrus_request_data(req)->keys.messages, 1u);
    if (req->size > q->max_size || n > CIRRUS_QUEUE_MAX_BATCH) {
        cirrus_metric_count(self, M_REJECTED, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    if (q->fifo && !fifo_admit(self, q, req)) {
        cirrus_metric_count(self, M_THROTTLED, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_THROTTLED);
        return;
    }
    if (q->fifo && fifo_duplicate(self, q, req)) {
        /* AWS: accepted successfully, but not delivered. */
        cirrus_metric_count(self, M_DEDUPLICATED, 1);
        cirrus_reply_last(self, req, CIRRUS_OUTCOME_OK);
        return;
    }
    for (guint k = 0; k < n; k++) msg(q, enqueue(self, q, req, cirrus_now(self), q->delay))->size = req->size / n;
    cirrus_metric_count(self, M_SENT, n);
    if (q->waiting.head != NONE) {
        /* Long polls wait: they are answered after the sender, as always. */
        cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
        serve_waiters(self, q);
        update_gauges(self, q);
        return;
    }
    update_gauges(self, q);
    cirrus_reply_last(self, req, CIRRUS_OUTCOME_OK);   /* last: it may be handled at once */
}

/* A message moved here from a source queue.  AWS: a standard queue keeps
 * its original enqueue time (retention counts from it); a FIFO queue
 * resets it.  It is not counted as sent, and not delayed. */
static void on_redrive(CirrusComponent *self, Sqs *q, CirrusRequest *req, CirrusTime enqueued,
                       CirrusComponent *source)
{
    guint32 i = enqueue(self, q, req, q->fifo ? cirrus_now(self) : enqueued, 0);
    msg(q, i)->source = source;   /* where a move task without destination returns it */
    cirrus_request_free(self, req);
    cirrus_metric_count(self, M_MOVED_IN, 1);
    serve_waiters(self, q);
    update_gauges(self, q);
}

static void on_query(CirrusComponent *self, Sqs *q, const CirrusEvent *ev)
{
    CirrusQueueAttr attr = cirrus_queue_query_attr(ev);
    guint64 v = 0;
    switch (attr) {
    case CIRRUS_QUEUE_ATTR_VISIBLE: v = (guint64)q->n_visible; break;
    case CIRRUS_QUEUE_ATTR_NOT_VISIBLE: v = (guint64)q->n_inflight; break;
    case CIRRUS_QUEUE_ATTR_DELAYED: v = (guint64)q->n_delayed; break;
    case CIRRUS_QUEUE_ATTR_OLDEST_AGE_MS:
        v = q->age.head == NONE ? 0 : (guint64)((cirrus_now(self) - msg(q, q->age.head)->entered) / CIRRUS_MS);
        break;
    default: g_assert_not_reached();
    }
    cirrus_queue_attribute_answer(self, ev->source, attr, v);
}

/* ---- message move tasks (dead-letter queue redrive) ------------------------- */

/* A message a move task may take: visible and, in a FIFO queue, the head
 * of a group with nothing in flight (a group leaves in order). */
static gboolean movable(const Sqs *q, guint32 i)
{
    const Message *m = msg(q, i);
    if (m->state != MSG_VISIBLE) return FALSE;
    if (!q->fifo) return TRUE;
    const Group *g = group_of(q, m);
    return g->inflight == 0 && g->msgs.head == i;
}

/* Move the oldest movable message that has somewhere to go.  AWS: "Dead-
 * letter queues redrive messages in the order they are received, starting
 * with the oldest message." */
static gboolean move_one(CirrusComponent *self, Sqs *q, const MoveTask *t)
{
    for (guint32 i = q->age.head; i != NONE; i = msg(q, i)->link[L_AGE][1]) {
        const Message *m = msg(q, i);
        CirrusComponent *dest = t->dest ? t->dest : m->source;
        if (!dest || !movable(q, i)) continue;
        cirrus_queue_move(self, dest, message_out(self, m));
        cirrus_metric_count(self, M_MOVED_OUT, 1);
        drop_message(q, i);
        return TRUE;
    }
    return FALSE;
}

/* One step of the running task: one message at its rate (the k-th at
 * at + k / rate, so that steps do not drift), or all at once without one.
 * The task ends when it has moved the messages that were visible when it
 * started (AWS: ApproximateNumberOfMessagesToMove is "obtained at the time
 * of starting the message movement task"), when nothing is left to move,
 * or in an outage (it fails). */
static void move_step(CirrusComponent *self, Sqs *q)
{
    const MoveTask *t = &g_array_index(q->moves, MoveTask, q->move_active);
    CirrusTime now = cirrus_now(self);
    while (q->move_left > 0) {
        if (cirrus_fault_down(q->faults) || !move_one(self, q, t)) {
            q->move_left = 0;
            break;
        }
        q->move_left--;
        q->move_done++;
        if (t->rate > 0) break;
    }
    serve_waiters(self, q);   /* FIFO: a group may have a new head */
    update_gauges(self, q);
    if (q->move_left == 0) {
        q->move_active = -1;
        return;
    }
    CirrusTime next = t->at + cirrus_time_from_s((double)q->move_done / t->rate);
    cirrus_schedule(self, next > now ? next - now : 0, SQS_MOVE_STEP, NULL, 0);
}

/* AWS: "Only one active message movement task is supported per queue at
 * any given time": a task due while another runs is refused. */
static void on_move_start(CirrusComponent *self, Sqs *q, gint k)
{
    if (q->move_active >= 0 || cirrus_fault_down(q->faults)) {
        cirrus_metric_count(self, M_MOVES_REFUSED, 1);
        return;
    }
    q->move_active = k;
    q->move_left = q->n_visible;
    q->move_done = 0;
    move_step(self, q);
}

/* ---- faults ---------------------------------------------------------------- */

/* An outage: SendMessage fails, receives are answered at once with an
 * error, deletes and visibility changes fail.  Messages are kept (SQS
 * stores them redundantly); their timers run on. */
static void on_fault(CirrusComponent *self, Sqs *q, const CirrusFault *f, gboolean begin)
{
    g_assert(f->kind == CIRRUS_FAULT_OUTAGE);   /* counted by the kernel */
    if (!begin) return;
    while (q->waiting.head != NONE) {
        guint32 s = q->waiting.head;
        CirrusComponent *consumer = waiter(q, s)->consumer;
        CirrusRequest *poll = waiter(q, s)->poll;
        waiter_unlink(q, s);
        answer(self, consumer, poll, NULL, 0, CIRRUS_QUEUE_FAILED);
    }
}

/* ---- configuration ------------------------------------------------------- */

/* What a queue tells the others about itself (models/protocol/queue.h). */
static void sqs_settings(const CirrusComponent *self, const void *state, CirrusQueueSettings *out)
{
    const Sqs *q = state;
    (void)self;
    *out = (CirrusQueueSettings){ .fifo = q->fifo, .visibility_timeout = q->visibility,
                                  .receive_wait = q->receive_wait };
}

static gboolean read_dlq(Sqs *q, CirrusNode *cfg, GError **error)
{
    CirrusNode *dlq;
    const char *target;
    if (!cirrus_cfg_map(cfg, "dlq", &dlq, error)) return FALSE;
    if (!dlq) return TRUE;
    /* AWS: a redrive policy names the dead-letter queue and maxReceiveCount,
     * 1 to 1,000; neither has a default. */
    if (!cirrus_cfg_require(dlq, "target", "the dead-letter queue, an sqs component", error) ||
        !cirrus_cfg_string(dlq, "target", NULL, &target, error) ||
        !cirrus_cfg_require(dlq, "max_receive_count", "receives before a message moves to the DLQ, 1 to 1000", error) ||
        !cirrus_cfg_int(dlq, "max_receive_count", 0, 1, 1000, &q->max_receives, error))
        return FALSE;
    q->dlq_name = g_strdup(target);
    q->dlq_at = cirrus_node_peek(dlq, "target");
    return TRUE;
}

static gboolean read_move(Sqs *q, CirrusNode *item, GError **error)
{
    MoveTask t = {0};
    const char *dest;
    if (cirrus_node_kind(item) != CIRRUS_NODE_MAP) {
        cirrus_node_error(item, error, "each move task must be a map, e.g. {at: 2h, rate: 50/s}");
        return FALSE;
    }
    if (!cirrus_cfg_require(item, "at", "when the task starts", error) ||
        !cirrus_cfg_duration(item, "at", 0, 0, CIRRUS_TIME_NEVER, &t.at, error) ||
        !cirrus_cfg_rate(item, "rate", 0, &t.rate, error) ||
        !cirrus_cfg_string(item, "destination", NULL, &dest, error))
        return FALSE;
    const CirrusNode *rate = cirrus_node_peek(item, "rate");
    if (rate && (t.rate <= 0 || t.rate > MAX_MOVE_RATE)) {
        cirrus_node_error(rate, error, "'rate' must be above 0/s and at most 500/s "
                          "(AWS: MaxNumberOfMessagesPerSecond is at most 500; omit it for the fastest)");
        return FALSE;
    }
    if (q->moves->len > 0 && t.at < g_array_index(q->moves, MoveTask, q->moves->len - 1).at) {
        cirrus_node_error(cirrus_node_peek(item, "at"), error, "move tasks must be listed in time order");
        return FALSE;
    }
    if (dest) {
        t.dest_name = g_strdup(dest);
        t.dest_at = cirrus_node_peek(item, "destination");
    }
    g_array_append_val(q->moves, t);
    return TRUE;
}

/* StartMessageMoveTask as scheduled actions: `move_tasks: [{at, rate,
 * destination}]`. */
static gboolean read_moves(Sqs *q, CirrusNode *cfg, GError **error)
{
    CirrusNode *list;
    if (!cirrus_cfg_list(cfg, "move_tasks", &list, error)) return FALSE;
    for (guint i = 0; list && i < cirrus_node_len(list); i++)
        if (!read_move(q, cirrus_node_item(list, i), error)) return FALSE;
    return TRUE;
}

static gboolean fifo_only(Sqs *q, CirrusNode *cfg, const char *key, gboolean *out, GError **error)
{
    if (!cirrus_cfg_bool(cfg, key, FALSE, out, error)) return FALSE;
    if (*out && !q->fifo) {
        cirrus_node_error(cirrus_node_peek(cfg, key), error, "'%s' applies to FIFO queues only (fifo: true)", key);
        return FALSE;
    }
    return TRUE;
}

static gboolean sqs_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Sqs *q = state;
    q->faults = cirrus_component_faults(self);
    q->moves = g_array_new(FALSE, TRUE, sizeof(MoveTask));
    q->move_active = -1;
    /* AWS defaults and ranges: VisibilityTimeout 30 s (0 to 12 h),
     * MessageRetentionPeriod 4 days (60 s to 14 days), DelaySeconds 0
     * (0 to 15 min), ReceiveMessageWaitTimeSeconds 0 (0 to 20 s),
     * MaximumMessageSize 256 KiB (1 KiB to 1 MiB). */
    if (!cirrus_cfg_bool(cfg, "fifo", FALSE, &q->fifo, error) ||
        !cirrus_cfg_duration(cfg, "visibility_timeout", 30 * CIRRUS_SEC, 0, MAX_VISIBILITY, &q->visibility, error) ||
        !cirrus_cfg_duration(cfg, "retention", 4 * CIRRUS_DAY, CIRRUS_MIN, 14 * CIRRUS_DAY, &q->retention, error) ||
        !cirrus_cfg_duration(cfg, "delay", 0, 0, 15 * CIRRUS_MIN, &q->delay, error) ||
        !cirrus_cfg_duration(cfg, "receive_wait", 0, 0, CIRRUS_QUEUE_MAX_WAIT_MS * CIRRUS_MS, &q->receive_wait, error) ||
        !cirrus_cfg_size(cfg, "max_message_size", 256 * 1024, &q->max_size, error) ||
        !fifo_only(q, cfg, "content_based_deduplication", &q->content_dedup, error) ||
        !fifo_only(q, cfg, "high_throughput", &q->high_throughput, error) ||
        !read_dlq(q, cfg, error) || !read_moves(q, cfg, error))
        return FALSE;
    if (q->max_size < 1024 || q->max_size > 1024 * 1024) {
        cirrus_node_error(cirrus_node_peek(cfg, "max_message_size"), error,
                          "'max_message_size' must be from 1KB to 1MB (AWS: 1,024 to 1,048,576 bytes)");
        return FALSE;
    }
    q->msgs = g_array_new(FALSE, TRUE, sizeof(Message));
    q->waiters = g_array_new(FALSE, TRUE, sizeof(Waiter));
    q->free_head = q->waiter_free = NONE;
    q->ret = q->age = q->delayed = q->visible = q->inflight = q->waiting = (List){NONE, NONE};
    for (int t = 0; t < N_TIMERS; t++) q->timer_at[t] = CIRRUS_TIME_NEVER;
    q->origins = g_ptr_array_new();
    q->win = -1;
    if (q->fifo) {
        q->groups = g_ptr_array_new_with_free_func(g_free);
        q->group_by_key = g_hash_table_new(key_hash, key_equal);
        q->dedup = g_hash_table_new(key_hash, key_equal);
        q->dedup_pool = cirrus_pool_new(sizeof(Dedup));
    }
    return TRUE;
}

/* Another sqs component named at `at` (a DLQ or a move destination). */
static CirrusComponent *other_queue(CirrusComponent *self, CirrusScenario *sc, const CirrusNode *at,
                                    const char *name, const char *what, GError **error)
{
    CirrusComponent *c = cirrus_scenario_lookup(sc, at, name, error);
    if (!c) return NULL;
    if (c == self || !cirrus_speaks(c, CIRRUS_SPEAKS_QUEUE)) {
        cirrus_node_error(at, error, "%s must be another sqs component, not '%s'", what, name);
        return NULL;
    }
    return c;
}

static gboolean link_moves(CirrusComponent *self, Sqs *q, CirrusScenario *sc, GError **error)
{
    for (guint k = 0; k < q->moves->len; k++) {
        MoveTask *t = &g_array_index(q->moves, MoveTask, k);
        if (!t->dest_name) continue;
        t->dest = other_queue(self, sc, t->dest_at, t->dest_name, "a move task's destination", error);
        if (!t->dest) return FALSE;
        /* AWS: "you can also configure any other queue as the redrive
         * destination if both queues are the same type". */
        if (cirrus_queue_settings(t->dest).fifo != q->fifo) {
            cirrus_node_error(t->dest_at, error, "a move task's destination must be a %s queue like '%s' "
                              "('%s' is %s)", q->fifo ? "FIFO" : "standard", cirrus_component_name(self),
                              t->dest_name, q->fifo ? "standard" : "FIFO");
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean sqs_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    Sqs *q = state;
    q->usd_request = cirrus_price(cirrus_globals(sc)->prices, q->fifo ? "sqs.fifo.request" : "sqs.standard.request");
    if (!link_moves(self, q, sc, error)) return FALSE;
    if (!q->dlq_name) return TRUE;
    q->dlq = other_queue(self, sc, q->dlq_at, q->dlq_name, "the dead-letter queue", error);
    if (!q->dlq) return FALSE;
    CirrusQueueSettings dlq = cirrus_queue_settings(q->dlq);
    if (dlq.fifo != q->fifo) {
        /* AWS: "The dead-letter queue of a FIFO queue must also be a FIFO
         * queue.  Similarly, the dead-letter queue of a standard queue must
         * also be a standard queue." */
        cirrus_node_error(q->dlq_at, error, "the dead-letter queue of a %s queue must also be a %s queue ('%s' is %s)",
                          q->fifo ? "FIFO" : "standard", q->fifo ? "FIFO" : "standard", q->dlq_name,
                          dlq.fifo ? "FIFO" : "standard");
        return FALSE;
    }
    return TRUE;
}

/* ---- the model ------------------------------------------------------------- */

static void sqs_start(CirrusComponent *self, void *state)
{
    Sqs *q = state;
    for (guint k = 0; k < q->moves->len; k++)
        cirrus_schedule(self, g_array_index(q->moves, MoveTask, k).at, SQS_MOVE_START, NULL, k);
    update_gauges(self, q);
}

/* AWS bills every API request, each 64 KB chunk of a payload as one
 * (https://aws.amazon.com/sqs/pricing/): SendMessage(Batch) by its bytes;
 * ReceiveMessage (empty or not), DeleteMessage(Batch),
 * ChangeMessageVisibility and GetQueueAttributes as one each.  Redrives to
 * a dead-letter queue and message moves are not requests of ours. */
static void bill(Sqs *q, const CirrusEvent *ev)
{
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST:
        q->billed_requests += (double)MAX((ev->request->size + SQS_CHUNK - 1) / SQS_CHUNK, (gint64)1);
        break;
    case CIRRUS_QUEUE_RECEIVE: case CIRRUS_QUEUE_DELETE: case CIRRUS_QUEUE_DELETE_BATCH:
    case CIRRUS_QUEUE_CHANGE_VISIBILITY: case CIRRUS_QUEUE_QUERY:
        q->billed_requests += 1;
        break;
    default:
        break;
    }
}

static double sqs_cost(CirrusComponent *self, void *state)
{
    (void)self;
    const Sqs *q = state;
    return q->billed_requests * q->usd_request;
}

static void sqs_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Sqs *q = state;
    bill(q, ev);
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_send(self, q, ev->request); break;
    case CIRRUS_QUEUE_RECEIVE: on_receive(self, q, ev); break;
    case CIRRUS_QUEUE_CANCEL: on_cancel(self, q, cirrus_queue_event_id(ev)); break;
    case CIRRUS_QUEUE_DELETE: on_delete(self, q, cirrus_queue_event_id(ev)); break;
    case CIRRUS_QUEUE_DELETE_BATCH: on_delete_batch(self, q, ev->request); break;
    case CIRRUS_QUEUE_CHANGE_VISIBILITY: on_change_visibility(self, q, ev); break;
    case CIRRUS_QUEUE_QUERY: on_query(self, q, ev); break;
    case CIRRUS_QUEUE_REDRIVE: on_redrive(self, q, ev->request, cirrus_queue_redrive_enqueued(ev), ev->source); break;
    /* AWS: "The redrive task resets the retention period. All redriven
     * messages are considered new messages with a new messageID and
     * enqueueTime". */
    case CIRRUS_QUEUE_MOVE: on_redrive(self, q, ev->request, cirrus_now(self), NULL); break;
    case SQS_MOVE_START: on_move_start(self, q, (gint)ev->data); break;
    case SQS_MOVE_STEP: move_step(self, q); break;
    case SQS_DELAY_DUE: case SQS_VISIBILITY_DUE: case SQS_RETENTION_DUE:
        on_timer(self, q, ev->kind - SQS_DELAY_DUE, (CirrusTime)ev->data);
        break;
    case SQS_POLL_TIMEOUT: on_poll_timeout(self, q, ev->data); break;
    case CIRRUS_EVENT_FAULT_BEGIN: on_fault(self, q, cirrus_event_fault(self, ev), TRUE); break;
    case CIRRUS_EVENT_FAULT_END: on_fault(self, q, cirrus_event_fault(self, ev), FALSE); break;
    default: g_assert_not_reached();   /* a queue sends no requests, so gets no replies */
    }
}

/* The age of the oldest message grows between events: bring it up to the
 * sample time. */
static void sqs_sample(CirrusComponent *self, void *state)
{
    cirrus_metric_gauge(self, M_OLDEST, oldest_age_s(self, state));
}

static void sqs_destroy(CirrusComponent *self, void *state)
{
    Sqs *q = state;
    (void)self;
    g_free(q->dlq_name);
    for (guint k = 0; q->moves && k < q->moves->len; k++) g_free(g_array_index(q->moves, MoveTask, k).dest_name);
    if (q->moves) g_array_free(q->moves, TRUE);
    if (q->msgs) g_array_free(q->msgs, TRUE);
    if (q->waiters) g_array_free(q->waiters, TRUE);
    if (q->origins) g_ptr_array_free(q->origins, TRUE);
    if (q->group_by_key) g_hash_table_destroy(q->group_by_key);
    if (q->groups) g_ptr_array_free(q->groups, TRUE);
    if (q->dedup) g_hash_table_destroy(q->dedup);
    if (q->dedup_pool) cirrus_pool_free(q->dedup_pool);
    cirrus_fifo_clear(&q->ready);
    cirrus_fifo_clear(&q->dedup_order);
}

static const CirrusQueueOps sqs_queue = { .settings = sqs_settings };

static const CirrusInvokeSpec sqs_invoke = {
    .operations = (const char *const[]){"SendMessage", "SendMessageBatch", NULL},
    .keys = CIRRUS_KEY_MESSAGES,
};

static const struct CirrusProtocols sqs_protocols = {
    .noun = "an sqs queue",
    .speaks = CIRRUS_SPEAKS_INVOKE | CIRRUS_SPEAKS_QUEUE,
    .invoke = &sqs_invoke,
    .queue = &sqs_queue,
};

const CirrusModelType cirrus_sqs_type = {
    .name = "sqs",
    .state_size = sizeof(Sqs),
    .configure = sqs_configure,
    .link = sqs_link,
    .start = sqs_start,
    .handle = sqs_handle,
    .sample = sqs_sample,
    .destroy = sqs_destroy,
    .metrics = sqs_metrics,
    .cost = sqs_cost,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE),
    .protocols = &sqs_protocols,
};
