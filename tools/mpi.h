/* cirrus — spreading a sweep's runs over MPI ranks (docs/performance.md,
 * "Sweeps across machines (MPI)").
 *
 * Under `mpirun -np N` (N > 1), `cirrus sweep` runs job i (point p's
 * replication k is job p * R + k) on rank i mod N, each rank with its own
 * -j threads; the ranks then send each replica's results (summary rows,
 * counts, sample rows) to rank 0, which writes the file and prints, from
 * the same numbers in the same order as one process would: the file is the
 * same, bit for bit.  The other ranks print nothing and end with rank 0's
 * exit status.
 *
 * Started without a launcher, by `mpirun -np 1`, or in a build without MPI
 * (CIRRUS_MPI=OFF), every function here is the one-process version: one
 * rank, rank 0, agreement a no-op, cirrus_replicas_run.  Callers need no
 * #ifdef. */
#ifndef CIRRUS_TOOLS_MPI_H
#define CIRRUS_TOOLS_MPI_H

#include <glib.h>
#include "tools/replicate.h"

/* The number of ranks a launcher (Open MPI's mpirun, or a PMI launcher such
 * as MPICH's mpiexec) started, read from its environment: 1 without one.
 * No MPI call. */
guint    cirrus_mpi_launched(void);
/* Join the other ranks (MPI_Init) when launched with more than one;
 * FALSE with a usage error when this build has no MPI.  Ranks other than
 * 0 then write nothing on stdout. */
gboolean cirrus_mpi_start(GError **error);
/* MPI_Finalize after cirrus_mpi_start (also run at exit); otherwise nothing. */
void     cirrus_mpi_finish(void);
/* This process's rank (0 when alone; before cirrus_mpi_start, the
 * launcher's) and the number of ranks taking part (1 when alone). */
guint    cirrus_mpi_rank(void);
guint    cirrus_mpi_size(void);

/* Collective: when any rank holds an error, every rank ends up with a copy
 * of the error of the lowest such rank (so they all stop, with the same
 * exit status, and rank 0 can say why). */
void     cirrus_mpi_agree(GError **error);

/* Collective: run this rank's share of the n replicas (replica i on rank
 * i mod size) with up to `jobs` threads, then send the results to rank 0.
 * On every rank: FALSE with the first failure in array order (as
 * cirrus_replicas_run says it) if any replica failed anywhere.  On rank 0
 * every replica then holds its results; on the others, none. */
gboolean cirrus_mpi_replicas_run(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                                 gboolean progress, GError **error);

#endif
