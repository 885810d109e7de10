/* cirrus — the stream protocol (CIRRUS_SPEAKS_STREAM): between a data
 * stream (a `kinesis` component) and the consumers that read it — a Lambda
 * event source mapping, an Auto Scaling group whose instances have
 * `consumes: {source: clicks, fan_out: shared | enhanced}`, a test's probe.
 *
 * PutRecord is an ordinary request handed over with cirrus_send() (a
 * workload's or a call's); everything else is an event posted and read
 * with the typed functions below, the only code that knows how an event
 * carries its arguments.
 *
 * Shards and positions
 *   A stream is a set of shards, each an ordered log of records.  A shard
 *   is named by a 16-bit id that the stream gives out once and never
 *   reuses (the initial shards are 0 .. shards-1; a split or a merge makes
 *   new ids).  Within a shard, records are numbered 1, 2, 3 ... in the
 *   order the stream accepted them: that number is the record's sequence
 *   number (AWS's are sparse but increase the same way).  A position is a
 *   (shard, sequence number) pair packed in 64 bits, CIRRUS_STREAM_POS();
 *   reading "from position (s, n)" means the records of shard s after
 *   number n.  Number 0 (CIRRUS_STREAM_START) means "from this consumer's
 *   starting point in that shard": the oldest record still retained
 *   (TRIM_HORIZON), or for a shard that was open when a consumer registered
 *   with LATEST, the first record written after the registration.
 *
 *   The stream keeps every record for its retention period (24 h default)
 *   whoever has read it: reading does not delete.  The consumer keeps its
 *   own position (its checkpoint) and asks from it; the stream only
 *   remembers, per consumer and shard, how far it has delivered, for
 *   GetRecords.IteratorAgeMilliseconds and for the reshard rule below.
 *
 * PutRecord (producer -> stream, cirrus_send)
 *   One record of request->size bytes (AWS: at most 1 MB; larger is
 *   REJECTED), answered at once whatever the invocation: OK accepted;
 *   THROTTLED over the shard's write limit (WriteProvisionedThroughput-
 *   Exceeded: the record is not written; the producer may retry with
 *   backoff, as a workload's `client.retries` does); FAILED during an
 *   outage.  The stream draws the record's partition key from its own
 *   `partition_keys` (the producer does not choose it) and keeps its own
 *   copy; the request stays the producer's.
 *
 * Registration (cirrus_stream_register -> cirrus_stream_shard, repeatedly)
 *   RegisterStreamConsumer, once, at the consumer's start (from start():
 *   it posts at delay 0), with its fan-out, starting position and maximum
 *   records per batch (1-10,000).  The consumer is the component that
 *   registers: one registration per component (a component with many
 *   readers, an ASG's instances, shares it out).
 *   The stream then tells the consumer of each shard it may read now, with
 *   the shard's parent and adjacent parent (CIRRUS_STREAM_NO_SHARD when
 *   absent: a split's children have one parent, a merge's child two): at
 *   once after the registration, one per readable shard in id order, and
 *   later for each shard a split or merge creates — but only once this
 *   consumer has drained every parent of it (been answered END for it,
 *   below).  That is AWS's rule, "read the parent shards until they are
 *   exhausted before reading a child", enforced by the stream: a consumer
 *   that reads every shard it has been told about, and forgets a shard
 *   once it has ended, keeps per-key order across a reshard without
 *   knowing about lineage.  At registration the readable shards are those
 *   whose parents hold no records any more (TRIM_HORIZON), or the open
 *   shards (LATEST).
 *
 * Shared throughput: GetRecords (cirrus_stream_get_records ->
 * cirrus_stream_records; a consumer with fan_out shared)
 *   The consumer lends the stream a poll to read one shard from a
 *   position; exactly one answer comes back with it, at once (Kinesis has
 *   no long polling): the next records of the shard, in order, up to the
 *   registered maximum (AWS: 10,000) and 10 MB, possibly none.
 *   AWS limits, per shard, shared by all shared consumers of the stream:
 *   5 GetRecords calls per second (counted in whole-second windows of
 *   simulated time) and 2 MB/s of records read.  The bytes are a token
 *   bucket of 2 MB refilled at 2 MB/s that a call may overdraw (AWS: one
 *   call may return 10 MB, and then "subsequent calls made within the next
 *   5 seconds throw ProvisionedThroughputExceededException"); a call made
 *   while the bucket is below zero, or the 6th call in a second, is
 *   answered at once, empty, THROTTLED (ReadProvisionedThroughput-
 *   Exceeded).  A consumer that gets an empty answer (nothing new,
 *   THROTTLED or FAILED) should pause before asking that shard again:
 *   Lambda polls each shard once a second, KCL's
 *   idleTimeBetweenReadsInMillis defaults to 1,000.
 *
 * Enhanced fan-out: SubscribeToShard (cirrus_stream_subscribe ->
 * cirrus_stream_records; a consumer with fan_out enhanced)
 *   The consumer lends a poll as above, from a position; one outstanding
 *   subscribe per (consumer, shard).  The answer is pushed when there are
 *   records after that position (at once if there are now), at most the
 *   registered maximum per push, and waits as long as needed (the stream
 *   renews AWS's 5-minute subscriptions for the consumer).
 *   Each enhanced consumer has its own 2 MB/s per shard (AWS), not shared
 *   with anyone: a token bucket of 2 MB refilled at 2 MB/s, and a push
 *   carries at most what the bucket holds (at least one record), waiting
 *   for it to refill when it is empty.  A push leaves about 70 ms after
 *   the first record it carries arrived (AWS: "an average of 70 ms" from
 *   write to delivery with enhanced fan-out), so records arriving together
 *   travel together.  There is no call limit.  To keep receiving, the
 *   consumer subscribes again from the position after the last record it
 *   got (this re-arm stands for the flow control of AWS's HTTP/2 push: the
 *   stream never pushes to a consumer still busy with the previous
 *   batch).  AWS allows at most 20 enhanced consumers per stream:
 *   cirrus_stream_lookup() below refuses the 21st at load time.
 *   cirrus_stream_cancel() gives up a waiting subscribe (the consumer
 *   failed or is shutting down): it is answered at once, empty, CANCELLED;
 *   one already answered is left alone.
 *
 * Records (the answer to GetRecords and SubscribeToShard)
 *   cirrus_stream_records() gives the shard, the records as a batch chain
 *   (cirrus_batch_next; in sequence order), their count and bytes, and the
 *   flags, and frees the poll.  A record is a CirrusRequest the stream made
 *   for the consumer, and the consumer's to free (or to hand on):
 *     created, origin  the producer's (so end-to-end latency is now - created)
 *     size             the record's bytes
 *     arrived          ApproximateArrivalTimestamp: when the stream accepted
 *                      it (not the delivery time, which is now).  A consumer
 *                      computes its own IteratorAge as now - arrived of the
 *                      last record of a batch (AWS's definition)
 *     client           the record's partition key (0 .. count-1 of the
 *                      stream's `partition_keys`), not the producer's client:
 *                      records with the same key are in one shard, in order
 *                      (what a Lambda parallelization factor > 1 keeps
 *                      ordered)
 *     ref.position     its position, cirrus_stream_position() (request.h);
 *                      read "from" it to get the records after it
 *     attempt 0, invocation async, reply_to NULL (not to be answered).
 *   The consumer must unlink a record (cirrus_batch_link(record, NULL))
 *   before reusing it.  A batch that fails is the consumer's business: it
 *   keeps the records and retries, or reads them again from its checkpoint
 *   (they are there until they expire).
 *
 *   Flags:
 *     END        the shard is closed (split or merged) and this answer
 *                reaches its last record: nothing more will ever come from
 *                it.  The consumer forgets the shard; its children follow
 *                (cirrus_stream_shard) once all their parents have ended.
 *     TRIMMED    the position asked for is older than the oldest record
 *                retained: records the consumer had not read have expired
 *                (lost; the stream counts them) and the answer starts at
 *                the oldest record retained.
 *     THROTTLED  ReadProvisionedThroughputExceeded (shared reads only): no
 *                records; ask again after a pause.
 *     FAILED     the stream is down (an outage): no records; ask again after
 *                a pause.  A waiting subscribe is answered FAILED when the
 *                outage begins.
 *     CANCELLED  answered because of cirrus_stream_cancel().
 *
 * GetRecords.IteratorAgeMilliseconds (the stream's gauge)
 *   Per consumer and shard, now minus the arrival time of the oldest record
 *   the stream has not yet delivered to it (0 when it has everything):
 *   a consumer that stops reading ages at 1 s per second.  The stream
 *   publishes the maximum over consumers and open or unfinished shards,
 *   as CloudWatch's Maximum statistic of this metric is what alarms use.
 *
 * The event kinds are in models/protocol/events.h. */
#ifndef CIRRUS_MODEL_STREAMS_H
#define CIRRUS_MODEL_STREAMS_H

#include "models/protocol/protocol.h"
#include "models/protocol/events.h"
#include "models/protocol/request.h"
#include "sim/loader/node.h"

/* AWS: GetRecords returns at most 10,000 records and 10 MB; a record's
 * data blob is at most 1 MB; at most 20 enhanced fan-out consumers per
 * stream. */
#define CIRRUS_STREAM_MAX_BATCH 10000
#define CIRRUS_STREAM_MAX_BATCH_BYTES (10 * 1024 * 1024)
#define CIRRUS_STREAM_MAX_RECORD_BYTES (1024 * 1024)
#define CIRRUS_STREAM_MAX_ENHANCED 20

/* Positions: shard id (16 bits) and sequence number (48 bits). */
#define CIRRUS_STREAM_NO_SHARD 0xFFFFu
#define CIRRUS_STREAM_START 0u
#define CIRRUS_STREAM_SEQ_MASK ((G_GUINT64_CONSTANT(1) << 48) - 1)
#define CIRRUS_STREAM_POS(shard, seq) (((guint64)((shard) & 0xFFFFu) << 48) | ((guint64)(seq) & CIRRUS_STREAM_SEQ_MASK))
#define CIRRUS_STREAM_POS_SHARD(pos) ((guint)((pos) >> 48))
#define CIRRUS_STREAM_POS_SEQ(pos) ((guint64)(pos) & CIRRUS_STREAM_SEQ_MASK)

typedef enum { CIRRUS_STREAM_SHARED = 0, CIRRUS_STREAM_ENHANCED = 1 } CirrusStreamFanOut;
typedef enum { CIRRUS_STREAM_TRIM_HORIZON = 0, CIRRUS_STREAM_LATEST = 1 } CirrusStreamStart;

/* STREAM_RECORDS flags. */
#define CIRRUS_STREAM_END       0x01u   /* the shard's last record: it has ended for this consumer */
#define CIRRUS_STREAM_TRIMMED   0x02u   /* records after the position asked for had expired */
#define CIRRUS_STREAM_THROTTLED 0x04u   /* ReadProvisionedThroughputExceeded: none; pause */
#define CIRRUS_STREAM_FAILED    0x08u   /* the stream is down (an outage): none; pause */
#define CIRRUS_STREAM_CANCELLED 0x10u   /* answered because of cirrus_stream_cancel */

/* ---- the consumer's side ---- */

/* RegisterStreamConsumer: once per consumer component, from its start();
 * batches of at most `max_records` (1-10,000); `trigger`: the consumer is
 * a Lambda event source mapping (AWS bills no DynamoDB stream reads made
 * by Lambda triggers). */
void    cirrus_stream_register(CirrusComponent *consumer, CirrusComponent *stream, CirrusStreamFanOut fan_out,
                               CirrusStreamStart start, guint max_records, gboolean trigger);

/* A shard the consumer may read now (a STREAM_SHARD event); a parent is
 * CIRRUS_STREAM_NO_SHARD when absent. */
typedef struct {
    guint shard;
    guint parent;
    guint adjacent;               /* a merge's second parent */
} CirrusStreamShard;

CirrusStreamShard cirrus_stream_shard(const CirrusEvent *ev);

/* GetRecords (fan_out shared) and SubscribeToShard (fan_out enhanced):
 * lend `stream` a new poll to read the shard of `position`
 * (CIRRUS_STREAM_POS) after it.  `who` comes back with the answer (which
 * shard or worker asked).  Returns the poll's id, for cirrus_stream_cancel. */
guint64 cirrus_stream_get_records(CirrusComponent *consumer, CirrusComponent *stream, guint64 who,
                                  guint64 position);
guint64 cirrus_stream_subscribe(CirrusComponent *consumer, CirrusComponent *stream, guint64 who,
                                guint64 position);
/* Give up a waiting subscribe (the consumer stops). */
void    cirrus_stream_cancel(CirrusComponent *consumer, CirrusComponent *stream, guint64 poll_id);

/* An answer to a read (a STREAM_RECORDS event), its poll freed. */
typedef struct {
    guint64 who;                  /* as given to cirrus_stream_get_records / _subscribe */
    guint shard;
    CirrusRequest *records;       /* a batch chain (request.h), the consumer's now; NULL: none */
    guint count;
    gint64 bytes;                 /* of all the records */
    guint flags;                  /* CIRRUS_STREAM_END ... */
} CirrusStreamRecords;

CirrusStreamRecords cirrus_stream_records(CirrusComponent *consumer, const CirrusEvent *ev);

/* A delivered record's position: read from it for the records after it. */
static inline guint64 cirrus_stream_position(const CirrusRequest *record)
{
    return cirrus_request_data_const(record)->ref.position;
}

/* ---- the stream's side ---- */

/* STREAM_REGISTER (the consumer is ev->source). */
typedef struct {
    CirrusStreamFanOut fan_out;
    CirrusStreamStart start;
    guint max_records;            /* 1-10,000 */
    gboolean trigger;             /* a Lambda event source mapping */
} CirrusStreamRegister;

CirrusStreamRegister cirrus_stream_register_args(const CirrusEvent *ev);
/* Tell `consumer` of a shard it may read now. */
void    cirrus_stream_shard_notice(CirrusComponent *stream, CirrusComponent *consumer, guint shard, guint parent,
                                   guint adjacent);

/* STREAM_GET_RECORDS or STREAM_SUBSCRIBE: the poll lent (to come back with
 * cirrus_stream_answer) and the position to read after. */
typedef struct {
    CirrusRequest *poll;
    guint shard;
    guint64 seq;                  /* CIRRUS_STREAM_START: the consumer's starting point */
} CirrusStreamRead;

CirrusStreamRead cirrus_stream_read_args(const CirrusEvent *ev);
/* STREAM_CANCEL: the id of the poll to give up. */
guint64 cirrus_stream_cancel_id(const CirrusEvent *ev);
/* Answer a read: STREAM_RECORDS to `consumer` with its poll and the
 * records of `shard` (a batch chain, NULL: none) now the consumer's. */
void    cirrus_stream_answer(CirrusComponent *stream, CirrusComponent *consumer, CirrusRequest *poll, guint shard,
                             CirrusRequest *records, guint count, gint64 bytes, guint flags);

/* The stream protocol's slots (CIRRUS_SPEAKS_STREAM, protocol.h). */
struct CirrusStreamOps {
    /* A consumer component is being linked to the stream: count it; the
     * number of enhanced fan-out consumers it now has (with this one). */
    guint (*add_consumer)(CirrusComponent *stream, void *state, gboolean enhanced);
    /* Why a consumer (with enhanced fan-out or not) cannot read it, e.g. a
     * table whose stream is off: a sentence, or NULL when it can.  May be
     * NULL: always readable. */
    const char *(*refuse)(CirrusComponent *stream, void *state, gboolean enhanced);
    /* How often a managed poller reads each shard (Lambda's event source
     * mapping; AWS: Kinesis "once per second", DynamoDB Streams "4 times
     * per second"); 0: once a second. */
    CirrusTime poll_period;
};

/* The stream's poll_period (once a second unless it says otherwise). */
CirrusTime cirrus_stream_poll_period(const CirrusComponent *stream);

/* For a consumer's link(): the stream called `name`, or a located error at
 * `at` when there is none, it is not a stream, it refuses the consumer, or
 * (`enhanced`) it already has CIRRUS_STREAM_MAX_ENHANCED enhanced fan-out
 * consumers.  Call it once
 * per consumer component (the stream counts them). */
CirrusComponent *cirrus_stream_lookup(CirrusComponent *consumer, CirrusScenario *sc, const CirrusNode *at,
                                      const char *name, gboolean enhanced, GError **error);

#endif
