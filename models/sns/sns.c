/* cirrus — the `sns` model (see sns.h, models/protocol/attributes.h, docs/models/sns.md).
 *
 * Each delivery is a copy of the published request (same creation time,
 * origin, client, size and attributes), handed to the subscriber with
 * cirrus_send; the subscriber's reply tells whether it was accepted.  The
 * copy is the topic's while it waits for a retry, and is freed when the
 * delivery is done or given up.  A subscriber's reply is matched to its
 * subscription by who replied (ev->source): a topic has at most one
 * subscription per endpoint, as on AWS. */
#include "models/sns/sns.h"
#include "models/protocol/invoke.h"
#include "models/protocol/queue.h"
#include "models/protocol/attributes.h"
#include "models/aws/globals.h"
#include "sim/loader/config.h"
#include "sim/loader/scenario.h"
#include <math.h>
#include <string.h>

enum { SNS_RETRY = CIRRUS_EVENT_MODEL };

enum { M_PUBLISHED, M_DELIVERED, M_FAILED, M_FILTERED, M_RETRIES, M_PUBLISH_REJECTED };

static const CirrusMetricDef sns_metrics[] = {
    [M_PUBLISHED]        = {"NumberOfMessagesPublished", CIRRUS_METRIC_COUNT, "Count"},
    [M_DELIVERED]        = {"NumberOfNotificationsDelivered", CIRRUS_METRIC_COUNT, "Count"},
    [M_FAILED]           = {"NumberOfNotificationsFailed", CIRRUS_METRIC_COUNT, "Count"},
    [M_FILTERED]         = {"NumberOfNotificationsFilteredOut", CIRRUS_METRIC_COUNT, "Count"},
    [M_RETRIES]          = {"NotificationRetries", CIRRUS_METRIC_COUNT, "Count"},
    [M_PUBLISH_REJECTED] = {"PublishRejected", CIRRUS_METRIC_COUNT, "Count"},
    {NULL, 0, NULL},
};

/* AWS: the delivery policy for AWS-managed endpoints (Lambda, SQS): 3
 * immediate retries, 2 one second apart, 10 with exponential backoff from
 * 1 s to 20 s, then 20 s apart: "100,015 times, over 23 days" in all. */
#define MAX_ATTEMPTS 100015u
#define IMMEDIATE_RETRIES 3u
#define PRE_BACKOFF_RETRIES 2u
#define BACKOFF_RETRIES 10u
#define MIN_DELAY_S 1.0
#define MAX_DELAY_S 20.0
/* AWS: filter policy constraints: at most 5 attribute names, and at most
 * 150 combinations of values; a message may be up to 256 KiB. */
#define MAX_FILTER_KEYS 5
#define MAX_FILTER_COMBINATIONS 150
#define MAX_MESSAGE_SIZE (256 * 1024)

typedef struct {
    GArray *ids;    /* guint: the name=value pairs accepted for one attribute */
} Condition;

typedef struct {
    char *target_name;
    const CirrusNode *target_at;
    CirrusComponent *target;
    GArray *conds;  /* Condition: all must hold (AND across keys, OR within) */
} Subscription;

typedef struct {
    GArray *subs;   /* Subscription */
    const CirrusFaultState *faults;   /* the kernel's: outages in force */
    double usd_publish;       /* per 64 KB chunk published (link) */
    double billed_publishes;  /* since time 0, 64 KB chunks counted */
} Sns;

/* The 64 KB of a message that AWS bills as one publish. */
#define PUBLISH_CHUNK ((gint64)64 * 1024)

/* The wait before retry number r (1-based). */
static CirrusTime retry_delay(guint r)
{
    if (r <= IMMEDIATE_RETRIES) return 0;
    if (r <= IMMEDIATE_RETRIES + PRE_BACKOFF_RETRIES) return cirrus_time_from_s(MIN_DELAY_S);
    guint b = r - IMMEDIATE_RETRIES - PRE_BACKOFF_RETRIES;   /* 1 .. BACKOFF_RETRIES */
    if (b <= BACKOFF_RETRIES)
        return cirrus_time_from_s(MIN_DELAY_S * pow(MAX_DELAY_S / MIN_DELAY_S, (double)(b - 1) / (BACKOFF_RETRIES - 1)));
    return cirrus_time_from_s(MAX_DELAY_S);
}

static gboolean matches(const Subscription *s, guint64 attributes)
{
    for (guint c = 0; c < s->conds->len; c++) {
        const GArray *ids = g_array_index(s->conds, Condition, c).ids;
        gboolean any = FALSE;
        for (guint i = 0; i < ids->len && !any; i++) any = cirrus_attr_has(attributes, g_array_index(ids, guint, i));
        if (!any) return FALSE;
    }
    return TRUE;
}

static void deliver(CirrusComponent *self, Sns *t, CirrusRequest *n, guint k)
{
    cirrus_send(self, g_array_index(t->subs, Subscription, k).target, n, 0);
}

static void on_publish(CirrusComponent *self, Sns *t, CirrusRequest *req)
{
    if (cirrus_fault_down(t->faults)) {
        cirrus_reply(self, req, CIRRUS_OUTCOME_FAILED);
        return;
    }
    if (req->size > MAX_MESSAGE_SIZE) {
        cirrus_metric_count(self, M_PUBLISH_REJECTED, 1);
        cirrus_reply(self, req, CIRRUS_OUTCOME_REJECTED);
        return;
    }
    cirrus_metric_count(self, M_PUBLISHED, 1);
    t->billed_publishes += (double)MAX((req->size + PUBLISH_CHUNK - 1) / PUBLISH_CHUNK, (gint64)1);
    for (guint k = 0; k < t->subs->len; k++) {
        if (!matches(&g_array_index(t->subs, Subscription, k), cirrus_request_data(req)->attributes)) {
            cirrus_metric_count(self, M_FILTERED, 1);
            continue;
        }
        CirrusRequest *n = cirrus_request_copy(self, req);
        cirrus_request_data(n)->next = NULL;
        cirrus_request_data(n)->ref.dedup_id = 0;   /* not a deduplication id */
        n->attempt = 0;
        n->abandoned = 0;
        n->invocation = CIRRUS_INVOKE_ASYNC;   /* AWS: SNS invokes Lambda asynchronously */
        deliver(self, t, n, k);
    }
    cirrus_reply(self, req, CIRRUS_OUTCOME_OK);
}

static guint subscription_of(const Sns *t, const CirrusComponent *target)
{
    for (guint k = 0; k < t->subs->len; k++)
        if (g_array_index(t->subs, Subscription, k).target == target) return k;
    g_assert_not_reached();
    return 0;
}

/* AWS retries "when server-side errors occur (when the system that hosts
 * the subscribed endpoint becomes unavailable)", and throttling; a refusal
 * of the message itself (REJECTED: too large, a client error) is final. */
static void on_reply(CirrusComponent *self, Sns *t, const CirrusEvent *ev)
{
    CirrusRequest *n = ev->request;
    switch ((CirrusOutcome)n->outcome) {
    case CIRRUS_OUTCOME_OK:
        cirrus_metric_count(self, M_DELIVERED, 1);
        cirrus_request_free(self, n);
        return;
    case CIRRUS_OUTCOME_REJECTED:
        break;
    case CIRRUS_OUTCOME_THROTTLED:
    case CIRRUS_OUTCOME_FAILED:
    case CIRRUS_OUTCOME_TIMED_OUT:
        if (n->attempt + 1 < MAX_ATTEMPTS) {
            n->attempt++;
            cirrus_metric_count(self, M_RETRIES, 1);
            cirrus_schedule(self, retry_delay(n->attempt), SNS_RETRY, n, subscription_of(t, ev->source));
            return;
        }
        break;
    case CIRRUS_OUTCOME_PENDING: g_assert_not_reached();
    }
    cirrus_metric_count(self, M_FAILED, 1);
    cirrus_request_free(self, n);
}

static void sns_handle(CirrusComponent *self, void *state, const CirrusEvent *ev)
{
    Sns *t = state;
    switch (ev->kind) {
    case CIRRUS_EVENT_REQUEST: on_publish(self, t, ev->request); break;
    case CIRRUS_EVENT_REPLY: on_reply(self, t, ev); break;
    case SNS_RETRY: deliver(self, t, ev->request, (guint)ev->data); break;
    /* An outage refuses publishes; deliveries already accepted go on (SNS
     * stores messages redundantly before it answers a publish). */
    case CIRRUS_EVENT_FAULT_BEGIN: case CIRRUS_EVENT_FAULT_END: break;   /* the kernel counts outages */
    default: g_assert_not_reached();
    }
}

/* ---- configuration ------------------------------------------------------- */

/* `filter: {type: [order, refund], region: eu}`: per attribute name, the
 * values accepted (a list, or one value). */
static gboolean read_filter(CirrusComponent *self, Subscription *s, CirrusNode *sub, GError **error)
{
    CirrusNode *filter;
    if (!cirrus_cfg_map(sub, "filter", &filter, error)) return FALSE;
    if (!filter) return TRUE;
    guint keys = cirrus_node_len(filter), combinations = 1;
    if (keys > MAX_FILTER_KEYS) {
        cirrus_node_error(filter, error, "a filter policy may name at most %d attributes (AWS), got %u",
                          MAX_FILTER_KEYS, keys);
        return FALSE;
    }
    for (guint c = 0; c < keys; c++) {
        const char *name = cirrus_node_key(filter, c);
        CirrusNode *v = cirrus_cfg_node(filter, name);
        gboolean list = cirrus_node_kind(v) == CIRRUS_NODE_SEQ;
        guint n = list ? cirrus_node_len(v) : 1;
        if ((!list && cirrus_node_kind(v) != CIRRUS_NODE_SCALAR) || n == 0) {
            cirrus_node_error(v, error, "filter '%s' must be a value or a list of values, e.g. [order, refund]",
                              name);
            return FALSE;
        }
        Condition cond = { g_array_new(FALSE, FALSE, sizeof(guint)) };
        g_array_append_val(s->conds, cond);
        for (guint i = 0; i < n; i++) {
            const CirrusNode *item = list ? cirrus_node_item(v, i) : v;
            if (cirrus_node_kind(item) != CIRRUS_NODE_SCALAR) {
                cirrus_node_error(item, error, "filter '%s': each value must be a single value", name);
                return FALSE;
            }
            guint id = cirrus_attr_intern(self, item, name, cirrus_node_scalar(item), error);
            if (!id) return FALSE;
            g_array_append_val(cond.ids, id);
        }
        combinations *= n;
        if (combinations > MAX_FILTER_COMBINATIONS) {
            cirrus_node_error(filter, error, "a filter policy may have at most %d combinations of values (AWS)",
                              MAX_FILTER_COMBINATIONS);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean sns_configure(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error)
{
    Sns *t = state;
    CirrusNode *subs;
    t->faults = cirrus_component_faults(self);
    t->subs = g_array_new(FALSE, TRUE, sizeof(Subscription));
    if (!cirrus_cfg_require(cfg, "subscriptions", "the topic's subscribers, e.g. [{target: q1}]", error) ||
        !cirrus_cfg_list(cfg, "subscriptions", &subs, error))
        return FALSE;
    for (guint k = 0; k < cirrus_node_len(subs); k++) {
        CirrusNode *sub = cirrus_node_item(subs, k);
        const char *target;
        if (cirrus_node_kind(sub) != CIRRUS_NODE_MAP) {
            cirrus_node_error(sub, error, "each subscription must be a map, e.g. {target: q1}");
            return FALSE;
        }
        Subscription s = { .conds = g_array_new(FALSE, TRUE, sizeof(Condition)) };
        g_array_append_val(t->subs, s);
        Subscription *sp = &g_array_index(t->subs, Subscription, k);
        if (!cirrus_cfg_require(sub, "target", "the subscriber: an sqs queue or a lambda function", error) ||
            !cirrus_cfg_string(sub, "target", NULL, &target, error))
            return FALSE;
        sp->target_name = g_strdup(target);
        sp->target_at = cirrus_node_peek(sub, "target");
        if (!read_filter(self, sp, sub, error)) return FALSE;
    }
    return TRUE;
}

static gboolean sns_link(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error)
{
    (void)self;
    Sns *t = state;
    t->usd_publish = cirrus_price(cirrus_globals(sc)->prices, "sns.publish");
    for (guint k = 0; k < t->subs->len; k++) {
        Subscription *s = &g_array_index(t->subs, Subscription, k);
        s->target = cirrus_scenario_lookup(sc, s->target_at, s->target_name, error);
        if (!s->target) return FALSE;
        gboolean queue = cirrus_speaks(s->target, CIRRUS_SPEAKS_QUEUE);
        if (!queue && !cirrus_speaks(s->target, CIRRUS_SPEAKS_FUNCTION)) {
            cirrus_node_error(s->target_at, error, "an sns subscription delivers to an sqs queue or a lambda "
                              "function; '%s' is of type %s", s->target_name, cirrus_component_type(s->target));
            return FALSE;
        }
        /* AWS: a standard topic cannot deliver to an SQS FIFO queue (only a
         * FIFO topic can). */
        if (queue && cirrus_queue_settings(s->target).fifo) {
            cirrus_node_error(s->target_at, error, "'%s' is a FIFO queue; a standard sns topic delivers only to "
                              "standard queues", s->target_name);
            return FALSE;
        }
        for (guint j = 0; j < k; j++)
            if (g_array_index(t->subs, Subscription, j).target == s->target) {
                cirrus_node_error(s->target_at, error, "'%s' is subscribed twice; a topic has one subscription per "
                                  "endpoint", s->target_name);
                return FALSE;
            }
    }
    return TRUE;
}

/* SNS pricing (https://aws.amazon.com/sns/pricing/): each publish, by the
 * 64 KB chunk; deliveries to SQS queues and Lambda functions, the only
 * subscribers modelled, are free. */
static double sns_cost(CirrusComponent *self, void *state)
{
    (void)self;
    const Sns *t = state;
    return t->billed_publishes * t->usd_publish;
}

static void sns_destroy(CirrusComponent *self, void *state)
{
    Sns *t = state;
    (void)self;
    for (guint k = 0; t->subs && k < t->subs->len; k++) {
        Subscription *s = &g_array_index(t->subs, Subscription, k);
        g_free(s->target_name);
        for (guint c = 0; c < s->conds->len; c++) g_array_free(g_array_index(s->conds, Condition, c).ids, TRUE);
        g_array_free(s->conds, TRUE);
    }
    if (t->subs) g_array_free(t->subs, TRUE);
}

static const CirrusInvokeSpec sns_invoke = {
    .operations = (const char *const[]){"Publish", "PublishBatch", NULL},
    .keys = CIRRUS_KEY_MESSAGES,
};

static const struct CirrusProtocols sns_protocols = {
    .noun = "an sns topic",
    .speaks = CIRRUS_SPEAKS_INVOKE,
    .invoke = &sns_invoke,
};

const CirrusModelType cirrus_sns_type = {
    .name = "sns",
    .state_size = sizeof(Sns),
    .configure = sns_configure,
    .link = sns_link,
    .handle = sns_handle,
    .destroy = sns_destroy,
    .metrics = sns_metrics,
    .cost = sns_cost,
    .faults = CIRRUS_FAULT_BIT(CIRRUS_FAULT_OUTAGE),
    .protocols = &sns_protocols,
};
