/* cirrus — the invoke protocol: a request handed over with cirrus_send()
 * and its reply (sim/kernel/kernel.h), and the protocol keys a request may
 * carry for its target (DESIGN.md §6).
 *
 * Every component that takes requests (CIRRUS_SPEAKS_INVOKE) may be a
 * workload's `target` or a `calls` entry's.  What its requests may say
 * beyond `size` is its CirrusInvokeSpec: the operations it knows (an sqs
 * queue SendMessage or SendMessageBatch; a DynamoDB table GetItem,
 * PutItem ...) and the keys it reads (`items`, `consistent`,
 * `messages`).  A call or a request that names another operation, or a key
 * its target does not read, is a scenario error at load time:
 *   "'calls' target 'orders' is an sqs queue: it takes operation
 *    SendMessage or SendMessageBatch, not GetItem".
 * The keys travel in the request's protocol data (request.h, `keys`). */
#ifndef CIRRUS_PROTOCOL_INVOKE_H
#define CIRRUS_PROTOCOL_INVOKE_H

#include "models/protocol/protocol.h"
#include "models/protocol/request.h"
#include "sim/loader/node.h"

/* Keys beyond `size` a request may carry (CirrusInvokeSpec.keys). */
typedef enum {
    CIRRUS_KEY_ITEMS      = 1u << 0,   /* items: a Query's or a batch's item count */
    CIRRUS_KEY_CONSISTENT = 1u << 1,   /* consistent: a strongly consistent read */
    CIRRUS_KEY_MESSAGES   = 1u << 2,   /* messages: a batch of 2-10 messages (SendMessageBatch, PublishBatch) */
} CirrusRequestKey;

typedef struct CirrusRequestKeysSpec CirrusRequestKeysSpec;

struct CirrusInvokeSpec {
    /* The operations its requests may name, NULL-terminated; the first is
     * what a request naming none asks for (unless the target chooses:
     * CIRRUS_KEYS_OPERATION unset).  NULL: it has none to name. */
    const char *const *operations;
    /* CirrusRequestKey bits: the keys it reads. */
    guint32 keys;
    /* The target type's own rules on a call's or request's keys, once
     * they are resolved (an item over 400 KB, a batch over its limit):
     * FALSE with a located error.  `size` is the bytes given, -1 when
     * none.  May be NULL. */
    gboolean (*check)(const CirrusComponent *target, const CirrusRequestKeysSpec *spec, gint64 size,
                      const char *role, GError **error);
    /* It may answer a batch OK with part of it undone, their count in the
     * reply's ref.unprocessed (a table's UnprocessedItems): a caller with
     * `retries` sends those items again (AWS: "retry the batch operation
     * on those items ... with exponential backoff"). */
    gboolean partial_batches;
    /* It writes a memo into its answers (ref.answer.memo, request.h) that
     * a caller copies into the request's retries: a retried GetItem asks
     * for the same item. */
    gboolean memo;
    /* Its SDK client's retry defaults where they are not the standard
     * mode's (a call's or a workload's `retries` that leaves max or base
     * unsaid takes these); NULL: the standard mode's. */
    const struct CirrusRetryDefaults *retry_defaults;
    /* Its requests carry the caller's session (request.h): a caller that
     * keeps a connection open between requests — a Lambda environment —
     * is told apart from one that opens one per request. */
    gboolean sessions;
};

/* The keys a call or a workload's `request:` gives (read at configure,
 * checked against the target at link). */
struct CirrusRequestKeysSpec {
    const char *operation;          /* NULL: not given (the tree's string) */
    gint64 items, messages;         /* -1: not given */
    gint consistent;                /* -1: not given */
    const CirrusNode *operation_at, *items_at, *messages_at, *consistent_at, *size_at;   /* NULL: not given */
    CirrusRequestKeys resolved;     /* after link: what each request carries */
};

/* Read `operation`, `items`, `consistent` and `messages` from `map` (may
 * be NULL: none given).  Ranges: items 1-1,000,000 (a Query reads more
 * than one page), messages 1-10 (AWS's batch limit). */
gboolean cirrus_request_keys_read(CirrusNode *map, CirrusRequestKeysSpec *spec, GError **error);
/* Check the keys against what `target` takes, as `role` says where they
 * come from ("'calls' target", "target"), and resolve the operation's
 * index; `size`: the bytes the call or request gives, -1 when none (for
 * the target's own check, and CIRRUS_KEYS_SIZE).  FALSE with a located
 * error naming what the target takes. */
gboolean cirrus_request_keys_link(CirrusRequestKeysSpec *spec, const CirrusComponent *target, const char *role,
                                  gint64 size, GError **error);
/* Put the resolved keys on a request. */
static inline void cirrus_request_keys_apply(const CirrusRequestKeysSpec *spec, CirrusRequest *req)
{
    cirrus_request_data(req)->keys = spec->resolved;
}

/* The name of the operation a request to `target` asks for (its keys'
 * index into the target's operations), or NULL when it has none. */
const char *cirrus_request_operation(const CirrusComponent *target, const CirrusRequest *req);

#endif
