/* cirrus — spreading a sweep's runs over MPI ranks (see mpi.h).  The one
 * file that knows MPI: built with MPI (CIRRUS_HAVE_MPI, CMake's
 * CIRRUS_MPI) it joins the ranks; built without, the same functions are
 * the one-process versions. */
#include "tools/mpi.h"
#include "tools/runtables.h"
#include "sim/kernel/error.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the launcher's environment (no MPI call) ----------------------------- */

/* Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE and _RANK; PMI launchers
 * (MPICH's and Intel MPI's mpiexec, srun --mpi=pmi2) PMI_SIZE and PMI_RANK. */
static guint env_number(const char *open_mpi, const char *pmi, guint fallback)
{
    const char *names[] = {open_mpi, pmi};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        const char *text = g_getenv(names[i]);
        guint64 v;
        if (text && g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT, &v, NULL)) return (guint)v;
    }
    return fallback;
}

guint cirrus_mpi_launched(void)
{
    return MAX(env_number("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", 1), 1u);
}

static guint launched_rank(void)
{
    return env_number("OMPI_COMM_WORLD_RANK", "PMI_RANK", 0);
}

#ifdef CIRRUS_HAVE_MPI
#include <mpi.h>

static gboolean joined;
static int world_rank, world_size = 1;

enum { TAG_REPLICA = 1, TAG_SERIES, TAG_SERIES_END };
/* Sample rows travel in messages of this many doubles (512 KiB), so that
 * neither side holds a whole run's series in memory. */
#define SERIES_CHUNK 65536

gboolean cirrus_mpi_start(GError **error)
{
    (void)error;
    if (joined || cirrus_mpi_launched() <= 1) return TRUE;
    /* Only the main thread calls MPI; the -j threads only simulate. */
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    joined = TRUE;
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    /* Also on exit() (g_option's --help exits), which mpirun would
     * otherwise report as a rank that died. */
    atexit(cirrus_mpi_finish);
    /* Rank 0 prints the summary; the others' --help and the like would
     * repeat it. */
    int null = world_rank != 0 ? open("/dev/null", O_WRONLY) : -1;
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    return TRUE;
}

void cirrus_mpi_finish(void)
{
    int finalized = 1;
    if (joined) MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

guint cirrus_mpi_rank(void)
{
    return joined ? (guint)world_rank : launched_rank();
}

guint cirrus_mpi_size(void)
{
    return (guint)world_size;
}

/* Wait for a request without spinning.  Open MPI's blocking calls poll a
 * core at 100%: a rank that finished its share early, or every rank while
 * rank 0 writes the file, would take the core from the ranks still
 * working (on an oversubscribed or shared machine, that is the run's own
 * time).  Tests back off from 10 us to 2 ms. */
static void wait_idle(MPI_Request *req)
{
    for (gulong pause = 10;; pause = MIN(pause * 2, 2000)) {
        int done = 0;
        MPI_Test(req, &done, MPI_STATUS_IGNORE);
        if (done) return;
        g_usleep(pause);
    }
}

/* A GError as a GVariant: the domain by name (quarks are per process). */
#define ERROR_TYPE "(sis)"

static GVariant *error_pack(const GError *e)
{
    return g_variant_new(ERROR_TYPE, g_quark_to_string(e->domain), e->code, e->message);
}

static GError *error_unpack(GVariant *v)
{
    const char *domain, *message;
    gint code;
    g_variant_get(v, "(&si&s)", &domain, &code, &message);
    return g_error_new_literal(g_quark_from_string(domain), code, message);
}

/* Collective: rank `owner`'s `v` (a full reference there, NULL elsewhere),
 * as a full reference on every rank. */
static GVariant *bcast_variant(GVariant *v, int owner, const GVariantType *type)
{
    guint64 len = world_rank == owner ? g_variant_get_size(v) : 0;
    MPI_Request req;
    MPI_Ibcast(&len, 1, MPI_UINT64_T, owner, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    g_return_val_if_fail(len <= G_MAXINT, v);
    void *data = world_rank == owner ? (void *)g_variant_get_data(v) : g_malloc(len);
    MPI_Ibcast(data, (int)len, MPI_BYTE, owner, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    if (world_rank == owner) return v;
    return g_variant_ref_sink(g_variant_new_from_data(type, data, len, FALSE, g_free, data));
}

void cirrus_mpi_agree(GError **error)
{
    g_return_if_fail(error != NULL);
    if (world_size <= 1) return;
    int mine = *error ? world_rank : world_size, owner;
    MPI_Request req;
    MPI_Iallreduce(&mine, &owner, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    if (owner == world_size) return;
    GVariant *v = bcast_variant(world_rank == owner ? g_variant_ref_sink(error_pack(*error)) : NULL, owner,
                                G_VARIANT_TYPE(ERROR_TYPE));
    if (world_rank != owner) {
        g_clear_error(error);
        *error = error_unpack(v);
    }
    g_variant_unref(v);
}

/* ---- a replica's results, rank r -> rank 0 -------------------------------- */

/* Everything of a CirrusReplica that cirrus_replicas_write and the summary
 * use, but the sample rows: the error if any, interrupted, events, wall_s,
 * n_rows, n_series, and the summary rows (NULL: none).  Doubles travel as
 * their bytes, so rank 0 computes from exactly the numbers the rank had. */
#define ROW_TYPE     "(ssssssadad)"
#define REPLICA_TYPE "(m" ERROR_TYPE "btduuma" ROW_TYPE ")"

static GVariant *stats_pack(const double *v)
{
    return g_variant_new_fixed_array(G_VARIANT_TYPE_DOUBLE, v, CIRRUS_STAT_N, sizeof *v);
}

static void stats_unpack(GVariant *a, double *v)
{
    gsize n;
    const double *x = g_variant_get_fixed_array(a, &n, sizeof *x);
    for (guint k = 0; k < CIRRUS_STAT_N; k++) v[k] = k < n ? x[k] : NAN;
    g_variant_unref(a);
}

static GVariant *replica_pack(const CirrusReplica *r)
{
    GVariant *rows = NULL;
    if (r->rows) {
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a" ROW_TYPE));
        for (guint i = 0; i < r->rows->len; i++) {
            const CirrusSummaryRow *row = r->rows->pdata[i];
            g_variant_builder_add(&b, "(ssssss@ad@ad)", row->group, row->entity, row->type, row->metric, row->kind,
                                  row->unit, stats_pack(row->v), stats_pack(row->ci95));
        }
        rows = g_variant_builder_end(&b);
    }
    return g_variant_new("(@m" ERROR_TYPE "btduu@ma" ROW_TYPE ")",
                         g_variant_new_maybe(G_VARIANT_TYPE(ERROR_TYPE), r->error ? error_pack(r->error) : NULL),
                         r->interrupted, r->events, r->wall_s, r->n_rows, r->n_series,
                         g_variant_new_maybe(G_VARIANT_TYPE("a" ROW_TYPE), rows));
}

static void replica_unpack(CirrusReplica *r, GVariant *v)
{
    GVariant *error, *rows;
    gboolean interrupted;
    g_variant_get(v, "(@m" ERROR_TYPE "btduu@ma" ROW_TYPE ")", &error, &interrupted, &r->events, &r->wall_s,
                  &r->n_rows, &r->n_series, &rows);
    r->interrupted = interrupted;
    GVariant *e = g_variant_get_maybe(error), *a = g_variant_get_maybe(rows);
    if (e) {
        r->error = error_unpack(e);
        g_variant_unref(e);
    }
    if (a) {
        /* Rows whose strings point into the message, copied into rows
         * that own theirs (and free as cirrus_summary_rows' do). */
        gsize n = g_variant_n_children(a);
        CirrusSummaryRow *view = g_new0(CirrusSummaryRow, n);
        GPtrArray *ptrs = g_ptr_array_sized_new((guint)n);
        for (gsize i = 0; i < n; i++) {
            CirrusSummaryRow *row = &view[i];
            GVariant *stats, *ci95;
            g_variant_get_child(a, i, "(&s&s&s&s&s&s@ad@ad)", &row->group, &row->entity, &row->type, &row->metric,
                                &row->kind, &row->unit, &stats, &ci95);
            stats_unpack(stats, row->v);
            stats_unpack(ci95, row->ci95);
            g_ptr_array_add(ptrs, row);
        }
        r->rows = cirrus_summary_rows_copy(ptrs);
        g_ptr_array_unref(ptrs);
        g_free(view);
        g_variant_unref(a);
    }
    g_variant_unref(error);
    g_variant_unref(rows);
}

/* The sample rows, in chunks, then whether they could all be read back
 * (a short read still sends every chunk, so that both sides agree on the
 * messages). */
static void send_series(CirrusReplica *r)
{
    gsize total = (gsize)r->n_rows * (1 + r->n_series);
    double *buf = g_new(double, SERIES_CHUNK);
    int read_ok = 1;
    for (gsize done = 0; done < total;) {
        gsize m = MIN(total - done, (gsize)SERIES_CHUNK);
        if (read_ok && fread(buf, sizeof *buf, m, r->series) != m) read_ok = 0;
        MPI_Send(buf, (int)m, MPI_DOUBLE, 0, TAG_SERIES, MPI_COMM_WORLD);
        done += m;
    }
    MPI_Send(&read_ok, 1, MPI_INT, 0, TAG_SERIES_END, MPI_COMM_WORLD);
    g_free(buf);
}

/* Into a temporary file, as the rank 0's own replicas have theirs. */
static void receive_series(CirrusReplica *r, int source)
{
    gsize total = (gsize)r->n_rows * (1 + r->n_series);
    double *buf = g_new(double, SERIES_CHUNK);
    const char *fail = (r->series = tmpfile()) ? NULL : "create";
    int errnum = errno;
    for (gsize done = 0; done < total;) {
        gsize m = MIN(total - done, (gsize)SERIES_CHUNK);
        MPI_Recv(buf, (int)m, MPI_DOUBLE, source, TAG_SERIES, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (!fail && fwrite(buf, sizeof *buf, m, r->series) != m) fail = "write", errnum = errno;
        done += m;
    }
    int read_ok;
    MPI_Recv(&read_ok, 1, MPI_INT, source, TAG_SERIES_END, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (!fail && (fflush(r->series) != 0 || fseek(r->series, 0, SEEK_SET) != 0)) fail = "write", errnum = errno;
    if (!r->error && !read_ok) {
        g_set_error(&r->error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "rank %d could not read back its series", source);
    } else if (!r->error && fail) {
        g_set_error(&r->error, CIRRUS_ERROR, CIRRUS_ERROR_IO, "cannot %s a temporary file: %s", fail,
                    g_strerror(errnum));
    }
    g_free(buf);
}

static void send_replica(CirrusReplica *r)
{
    GVariant *v = g_variant_ref_sink(replica_pack(r));
    g_return_if_fail(g_variant_get_size(v) <= G_MAXINT);
    MPI_Send(g_variant_get_data(v), (int)g_variant_get_size(v), MPI_BYTE, 0, TAG_REPLICA, MPI_COMM_WORLD);
    g_variant_unref(v);
    /* A replica that ran to the end has rows, and its series rewound. */
    if (r->rows) send_series(r);
    cirrus_replica_clear(r);
}

static void receive_replica(CirrusReplica *r, int source)
{
    MPI_Status st;
    int len;
    MPI_Probe(source, TAG_REPLICA, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, MPI_BYTE, &len);
    void *data = g_malloc(MAX(len, 1));
    MPI_Recv(data, len, MPI_BYTE, source, TAG_REPLICA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    GVariant *v = g_variant_ref_sink(g_variant_new_from_data(G_VARIANT_TYPE(REPLICA_TYPE), data, (gsize)len, FALSE,
                                                             g_free, data));
    replica_unpack(r, v);
    g_variant_unref(v);
    if (r->rows) receive_series(r, source);
}

gboolean cirrus_mpi_replicas_run(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                                 gboolean progress, GError **error)
{
    if (world_size <= 1) return cirrus_replicas_run(reps, n, jobs, limits, progress, error);
    /* Ranks started with other arguments (mpirun's A : B form) would not
     * agree on the messages to come. */
    int counts[2] = {(int)n, -(int)n};
    MPI_Request req;
    MPI_Iallreduce(MPI_IN_PLACE, counts, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req);
    wait_idle(&req);
    if (counts[0] != -counts[1]) {
        g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                    "the ranks have from %d to %d runs to share: start every rank with the same sweep", -counts[1],
                    counts[0]);
        return FALSE;
    }
    /* Round robin: a point's replications cost about the same and
     * neighbouring points differ little, so every rank gets a like share
     * of each; the assignment depends on nothing but n and the size. */
    guint rank = (guint)world_rank, size = (guint)world_size;
    guint n_mine = n > rank ? (n - rank + size - 1) / size : 0;
    if (n_mine > 0) {
        CirrusReplica *mine = g_new(CirrusReplica, n_mine);
        for (guint j = 0; j < n_mine; j++) mine[j] = reps[rank + j * size];
        /* Failures stay in the replicas; the first in array order over all
         * ranks is reported below. */
        cirrus_replicas_run(mine, n_mine, jobs, limits, progress && rank == 0, NULL);
        for (guint j = 0; j < n_mine; j++) reps[rank + j * size] = mine[j];
        g_free(mine);
    }
    /* Everyone done simulating (waiting idle, not spinning); then rank 0
     * takes the replicas in array order. */
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    wait_idle(&req);
    if (rank == 0) {
        for (guint i = 0; i < n; i++)
            if (i % size != 0) receive_replica(&reps[i], (int)(i % size));
    } else {
        for (guint i = rank; i < n; i += size) send_replica(&reps[i]);
    }
    GError *first = NULL;
    if (rank == 0) cirrus_replicas_check(reps, n, &first);
    cirrus_mpi_agree(&first);
    if (!first) return TRUE;
    g_propagate_error(error, first);
    return FALSE;
}

#else /* !CIRRUS_HAVE_MPI: one process */

gboolean cirrus_mpi_start(GError **error)
{
    guint n = cirrus_mpi_launched();
    if (n <= 1) return TRUE;
    g_set_error(error, CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                "started by mpirun as one of %u ranks, but this cirrus was built without MPI: run it without mpirun, "
                "or rebuild with MPI (libopenmpi-dev; cmake -DCIRRUS_MPI=ON)", n);
    return FALSE;
}

void cirrus_mpi_finish(void) {}

/* The launcher's rank even here, so that only rank 0 says the above. */
guint cirrus_mpi_rank(void)
{
    return launched_rank();
}

guint cirrus_mpi_size(void)
{
    return 1;
}

void cirrus_mpi_agree(GError **error)
{
    (void)error;
}

gboolean cirrus_mpi_replicas_run(CirrusReplica *reps, guint n, guint jobs, const CirrusReplicaLimits *limits,
                                 gboolean progress, GError **error)
{
    return cirrus_replicas_run(reps, n, jobs, limits, progress, error);
}

#endif
