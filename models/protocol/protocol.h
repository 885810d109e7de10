/* cirrus — protocols: what a component speaks to the others, and finding
 * one by what it can do.
 *
 * A model says what it speaks in a CirrusProtocols table that its
 * CirrusModelType.protocols points to: a set of capabilities (`speaks`)
 * and, for the protocols that have link-time questions, a table of slots
 * (a queue tells its visibility timeout, a stream counts its enhanced
 * consumers, a workload says where its callers are).  As with Redis's
 * connection types or SQLite's modules, a capability is a filled slot: no
 * model ever compares another's YAML type name.  A component that needs a
 * queue looks one up with cirrus_protocol_lookup(..., CIRRUS_SPEAKS_QUEUE,
 * ...), which names what it found instead when that cannot do it.
 *
 * Two kinds of traffic cross a protocol:
 *  - at run time, only events: a request handed over with cirrus_send()
 *    and its reply, or a protocol's notice posted with its typed functions
 *    (queue.h, stream.h, targets.h, calls.h);
 *  - at link time (and for facts fixed by configure(), such as a workload's
 *    client regions), a component may ask another through the slots of its
 *    table.  A slot answers from the callee's own state; the caller never
 *    sees that state.
 *
 * Protocols and their headers:
 *   invoke        takes requests (cirrus_send): every service, and what a
 *                 workload or a `calls` entry may target; the protocol keys
 *                 a request may carry are the target's (invoke.h)
 *   function      a Lambda function: invoked asynchronously with events
 *                 (SNS subscriptions, destinations)
 *   queue         SQS: send, receive, delete, change visibility (queue.h)
 *   stream        Kinesis: put, get, subscribe (stream.h)
 *   target group  gives a load balancer its targets (targets.h)
 *   load balancer reports its healthy targets to watchers (targets.h)
 *   client        a workload: its callers' regions and networks (client.h)
 *   compute       runs code that makes `calls` (calls.h)
 *   cache         a cache a `calls` entry reads through (`cache:` with
 *                 on_miss): GET, SET, DELETE of one key (cache.h) */
#ifndef CIRRUS_PROTOCOL_H
#define CIRRUS_PROTOCOL_H

#include "sim/kernel/model.h"
#include "sim/loader/scenario.h"

typedef enum {
    CIRRUS_SPEAKS_INVOKE        = 1u << 0,
    CIRRUS_SPEAKS_FUNCTION      = 1u << 1,
    CIRRUS_SPEAKS_QUEUE         = 1u << 2,
    CIRRUS_SPEAKS_STREAM        = 1u << 3,
    CIRRUS_SPEAKS_TARGET_GROUP  = 1u << 4,
    CIRRUS_SPEAKS_LOAD_BALANCER = 1u << 5,
    CIRRUS_SPEAKS_CLIENT        = 1u << 6,
    CIRRUS_SPEAKS_COMPUTE       = 1u << 7,
    CIRRUS_SPEAKS_CACHE         = 1u << 8,
} CirrusCapability;

typedef struct CirrusInvokeSpec CirrusInvokeSpec;     /* invoke.h */
typedef struct CirrusQueueOps CirrusQueueOps;         /* queue.h */
typedef struct CirrusStreamOps CirrusStreamOps;       /* stream.h */
typedef struct CirrusClientOps CirrusClientOps;       /* client.h */
typedef struct CirrusCacheOps CirrusCacheOps;         /* cache.h */

struct CirrusProtocols {
    /* How messages name a component of this type: "an sqs queue". */
    const char *noun;
    /* What it can do: CirrusCapability bits. */
    guint32 speaks;
    /* With CIRRUS_SPEAKS_INVOKE: the operations and protocol keys its
     * requests may carry (NULL: none beyond `size`). */
    const CirrusInvokeSpec *invoke;
    /* Slots of the protocols that have questions; each is required with
     * its capability and absent without it. */
    const CirrusQueueOps *queue;     /* CIRRUS_SPEAKS_QUEUE */
    const CirrusStreamOps *stream;   /* CIRRUS_SPEAKS_STREAM */
    const CirrusClientOps *client;   /* CIRRUS_SPEAKS_CLIENT */
    const CirrusCacheOps *cache;     /* CIRRUS_SPEAKS_CACHE */
};

/* Whether `c` speaks every protocol in `capabilities`. */
gboolean    cirrus_speaks(const CirrusComponent *c, guint32 capabilities);
/* "an sqs queue", "a workload" ...: for messages. */
const char *cirrus_component_noun(const CirrusComponent *c);

/* For link(): the component called `name` that speaks `capabilities`
 * (one CirrusCapability or several, all needed), or a located error at
 * `at`: unknown (with a suggestion), `self` when !may_be_self, or one
 * that cannot: "<role> '<name>' is <noun>; <role> takes <what>
 * (type <types that can>)".  `role` names the key ("a call's target",
 * "consumes"), `what` what it needs ("a queue"). */
CirrusComponent *cirrus_protocol_lookup(CirrusScenario *sc, CirrusComponent *self, const CirrusNode *at,
                                        const char *name, guint32 capabilities, const char *role,
                                        const char *what, GError **error);
/* The YAML types of `registry` that speak `capabilities`, as "sqs" or
 * "alb, nlb or asg" (freed by the caller). */
char *cirrus_protocol_types(const CirrusRegistry *registry, guint32 capabilities);

/* The slot table of `c` for a protocol it speaks (asserts it does);
 * `state` is its state, for the slot.  For the protocols' own headers. */
const struct CirrusProtocols *cirrus_protocols_of(const CirrusComponent *c, guint32 capability, void **state);

/* Checks a model type's table (for the registry and tests): each slot set
 * exactly when its capability is, and a noun.  FALSE with a message. */
gboolean cirrus_protocols_valid(const CirrusModelType *type, GError **error);

#endif
