/* cirrus — what a request carries for the protocol it travels under.
 *
 * The kernel's CirrusRequest has what every request has (who sent it, its
 * client, size, attempt, invocation, outcome); this is the typed rest, in
 * the bytes the kernel keeps after each request
 * (cirrus_request_protocol_data).  Each field has one meaning, and says
 * which protocol sets and reads it. */
#ifndef CIRRUS_PROTOCOL_REQUEST_H
#define CIRRUS_PROTOCOL_REQUEST_H

#include "sim/kernel/kernel.h"

/* The protocol keys of a call or a workload's `request:` (DESIGN.md §6),
 * for the target to read (models/protocol/invoke.h). */
typedef struct {
    guint32 items;        /* items a Query or a batch reads or writes; 0: one */
    guint8  operation;    /* index into the target's operations (with CIRRUS_KEYS_OPERATION) */
    guint8  consistent;   /* a strongly consistent read */
    guint8  messages;     /* SendMessageBatch: the messages it carries, 2 to 10;
                           * 0 or 1: a single SendMessage */
    guint8  given;        /* CIRRUS_KEYS_* bits: which keys the call or request set */
} CirrusRequestKeys;

/* CirrusRequestKeys.given: the request named an operation (else the
 * target chooses, e.g. a table's operation mix), gave a size (else a
 * table's item_size applies, DESIGN.md §7). */
#define CIRRUS_KEYS_OPERATION 0x1u
#define CIRRUS_KEYS_SIZE      0x2u

typedef struct CirrusRequestData {
    /* queue, stream: a batch — the next message or record after this one
     * (NULL-terminated, in delivery order); a receive or a GetRecords
     * answered hangs its batch here. */
    CirrusRequest *next;
    /* What the request refers to at its target; one of: */
    union {
        guint64 dedup_id;   /* queue SendMessage (FIFO): an explicit deduplication id; 0: none */
        guint64 receipt;    /* queue: a delivered message's receipt handle */
        guint64 position;   /* stream: a record's position, CIRRUS_STREAM_POS() */
        guint32 instance;   /* target group: the instance a load balancer chose; 0: none */
        /* invoke, a target's answer (a table's): the items of a batch it
         * left unprocessed; its memo of what it chose for the request (a
         * table's drawn item and operation), 0: none, which callers copy
         * into the request's retries so that a retry asks the same */
        struct { guint32 unprocessed, memo; } answer;
        /* cache (cache.h): the key a GET, SET or DELETE is about, + 1 (0:
         * the cache draws one from its keys); a GET's answer: whether it
         * was a hit */
        struct { guint32 key_plus_1, hit; } cache;
    } ref;
    union {
        /* queue, topic: message attributes, up to 8 interned name=value
         * pairs, one per byte (attributes.h); 0: none */
        guint64 attributes;
        /* invoke, to a target whose spec says `sessions` (a database): the
         * caller's session — one Lambda environment's life, say — that
         * keeps its connection between requests; 0: none (a connection
         * per request) */
        guint64 session;
    };
    CirrusRequestKeys keys;
} CirrusRequestData;

G_STATIC_ASSERT(sizeof(CirrusRequestData) <= CIRRUS_REQUEST_DATA_BYTES);

static inline CirrusRequestData *cirrus_request_data(CirrusRequest *r)
{
    return (CirrusRequestData *)cirrus_request_protocol_data(r);
}

static inline const CirrusRequestData *cirrus_request_data_const(const CirrusRequest *r)
{
    return (const CirrusRequestData *)cirrus_request_protocol_data_const(r);
}

/* The next request of the batch `r` is in (NULL at its end). */
static inline CirrusRequest *cirrus_batch_next(CirrusRequest *r) { return cirrus_request_data(r)->next; }
static inline void cirrus_batch_link(CirrusRequest *r, CirrusRequest *next) { cirrus_request_data(r)->next = next; }

#endif
