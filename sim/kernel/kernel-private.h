/* cirrus — kernel internals shared by kernel.c and recorder.c.  Not for
 * models or tools. */
#ifndef CIRRUS_KERNEL_PRIVATE_H
#define CIRRUS_KERNEL_PRIVATE_H

#include "sim/kernel/sim.h"
#include "sim/kernel/pes-inline.h"
#include "sim/kernel/pool.h"

/* A metric's state: CirrusMetricData, in metric-inline.h (the updates
 * are inline in the models). */
typedef CirrusMetricData Metric;

/* A growable ring of events (first in, first out). */
typedef struct {
    CirrusEvent *items;
    guint32 head, len, capacity;   /* capacity: 0 or a power of two */
} EventRing;

/* CirrusSim.dispatching. */
enum { DISPATCH_NONE, DISPATCH_HANDLER };

struct CirrusComponent {
    CirrusComponentMetrics hot;   /* first: the inline metric updates' view */
    CirrusSim *sim;
    const CirrusModelType *type;
    char *name;
    const char *group;       /* interned "components" / "workloads" */
    const char *region;      /* interned `region:`, NULL when none */
    char *group_path;        /* "/components/<name>" */
    void *state;
    void *type_state;        /* shared by its type's components; not owned */
    CirrusFaultState faults; /* outages and slowdowns in force */
    CirrusRng rng;
    GArray *metrics;         /* Metric; hot.data and hot.n follow it */
};

struct CirrusSim {
    guint64 seed, replication;
    CirrusTime now;
    GPtrArray *components;   /* CirrusComponent *, owned */
    GHashTable *by_name;
    CirrusPes *pes;
    /* Events posted with no delay while an event is being handled: they
     * are due now, after every event already due now (those were all
     * pushed earlier, so their sequence numbers are lower), and in the
     * order posted — exactly the pes's (time, sequence) order, without
     * its cost.  Most events are of this kind: requests, replies and
     * notices between components.  The events themselves, in a ring: no
     * slot to take and give back. */
    EventRing due_now;
    /* Whose code runs: DISPATCH_NONE outside handlers (set-up, sample
     * hooks), DISPATCH_HANDLER in a handler the run loop called, and
     * DISPATCH_HANDLER + d in one run at once by a hand-over d levels
     * down (cirrus_send_last; d <= CIRRUS_AT_ONCE_MAX_DEPTH).  Non-zero: posts at now go to the ring. */
    int dispatching;
    /* Debug builds: the running handler made its last act (set by
     * cirrus_send_last, cleared by the run loop). */
    gboolean handed_over;
    /* FALSE when the pes holds nothing due at `now`: the last pes pop said
     * no other entry had its time, and since then only handlers have
     * posted (their posts at now go to the ring, the others later).  Then
     * the ring's next event goes without a peek at the pes. */
    gboolean pes_may_hold_now;
    CirrusEvent *events;     /* event slots, indexed by the pes payload */
    guint32 n_events_cap;
    guint32 *free_slots;     /* stack of free slot indices */
    guint32 n_free;
    CirrusPool *requests;
    guint64 next_request_id;
    guint64 events_done;
    guint64 events_at_once;  /* of them, hand-overs run inside the sender's handler */
    gsize peak_pending;
    volatile gint stop_requested;
    GArray *faults;          /* FaultEntry */
    GHashTable *shared;      /* key -> SharedBlock */
    GHashTable *type_states; /* CirrusModelType * -> its type state (owned) */
    CirrusComponent courier; /* delivers fault events (kernel.c): in no list */
    CirrusSendWatch send_watch;   /* cirrus_sim_watch_sends; NULL: none */
    gpointer send_watch_data;
    GDestroyNotify send_watch_destroy;
    /* recorder */
    gboolean in_stats;       /* now >= warm-up */
    CirrusTime warmup, stats_start;
    GPtrArray *series_names; /* char *, "<group>\t<name>" split at use */
    GPtrArray *series_groups;
    gboolean series_frozen;
    double *row;
};

typedef struct FaultEntry {
    CirrusFault fault;
    CirrusComponent *target;   /* NULL: every component modelling the kind */
    CirrusFault as_outage;     /* a region outage, as the components in the
                                * region that model only `outage` see it */
} FaultEntry;

/* In a fault event's data: deliver the entry's as_outage view. */
#define FAULT_AS_OUTAGE (G_GUINT64_CONSTANT(1) << 63)

/* recorder.c */
void recorder_freeze_series(CirrusSim *sim);
void recorder_begin_stats(CirrusSim *sim, CirrusTime at);
void recorder_fill_row(CirrusSim *sim, CirrusTime at, CirrusTime interval);
void recorder_finish(CirrusSim *sim, CirrusTime at);
void recorder_flush(CirrusSim *sim);
void recorder_metric_clear(Metric *m);

#endif
