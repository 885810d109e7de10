/* cirrus — replications: running the same scenario N times with
 * independent random streams, in parallel, and writing them into one HDF5
 * file (docs/outputs.md, "Replications").
 *
 * Determinism: each replication is its own CirrusSim (the kernel has no
 * global mutable state), built from the scenario with replication index k
 * and so its own RNG streams; the threads only simulate, each writing its
 * sample rows to a private temporary file.  Everything that reaches the
 * HDF5 file is written afterwards by the calling thread, in replication
 * order.  The output therefore does not depend on -j or on which thread
 * finished first. */
#ifndef CIRRUS_TOOLS_REPLICATE_H
#define CIRRUS_TOOLS_REPLICATE_H

#include <stdio.h>
#include <glib.h>
#include "sim/h5/h5out.h"
#include "sim/loader/scenario.h"

typedef struct CirrusReplica {
    CirrusScenario *sc;       /* borrowed; building is serialised, running is not */
    guint64 replication;      /* its index k: /replications/<k>, RNG streams */
    /* Results. */
    GPtrArray *rows;          /* CirrusSummaryRow * (tools/runtables.h); NULL until run */
    guint64 events;
    double wall_s;
    FILE *series;             /* rows of (time, value per series) as doubles */
    guint n_rows, n_series;
    gboolean interrupted;     /* stopped by SIGINT/SIGTERM or a limit */
    GError *error;
} CirrusReplica;

typedef struct CirrusReplicaLimits {
    gsize max_pending, max_in_flight;  /* 0: the kernel's defaults */
    double max_wall_s;                 /* per replication; 0: none */
} CirrusReplicaLimits;

/* -j: 0 is every core; anything else as given. */
guint cirrus_jobs(gint requested);

/* Run every replica with up to `jobs` threads.  SIGINT and SIGTERM stop
 * them all.  FALSE if any failed: *error is the first failure in array
 * order.  `progress` shows "k of n done" on stderr. */
gboolean cirrus_replicas_run(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                             gboolean progress, GError **error);

/* Called on the thread that called cirrus_replicas_run_ordered, each time
 * the finished prefix grows: reps[0 .. n_done) are finished (each with its
 * results or its error), the others may still be running.  What it does
 * (HDF5 writing, say) overlaps the runs still going. */
typedef void (*CirrusReplicasReady)(CirrusReplica *reps, guint n_done, gpointer user_data);

/* cirrus_replicas_run, calling `ready` (may be NULL) as the finished
 * prefix grows, the last time with n_done == n. */
gboolean cirrus_replicas_run_ordered(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                                     gboolean progress, CirrusReplicasReady ready, gpointer user_data,
                                     GError **error);
void     cirrus_replica_clear(CirrusReplica *r);
/* FALSE with *error the first failure in array order, "replication k: ...". */
gboolean cirrus_replicas_check(const CirrusReplica *reps, guint n, GError **error);

/* The mean and 95% half-width of every summary number over n replicas
 * (newly allocated rows). */
GPtrArray *cirrus_replicas_summary(CirrusReplica *reps, guint n);

/* The root attributes every run file has (docs/outputs.md), for a run of
 * `replications` replications, and its /faults table. */
gboolean cirrus_run_attrs(CirrusH5 *h5, CirrusScenario *sc, CirrusSim *sim, const char *overrides,
                          guint replications, GError **error);

/* Write the replicated run file `path`: root attributes, the mean series on
 * top (/time, /components/..., /workloads/...), /summary (means),
 * /summary_ci95, /faults, and per replication /replications/<k>/time, its
 * series and its summary. */
gboolean cirrus_replicas_write(const char *path, CirrusScenario *sc, const char *overrides, CirrusReplica *reps,
                               guint n, GError **error);

#endif
