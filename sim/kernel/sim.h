/* cirrus — building and running a simulation (the caller's side).
 *
 * The scenario loader creates the components; tools run the simulation,
 * receive each sample row as it is taken, and read the summaries at the
 * end.  Models never use this header. */
#ifndef CIRRUS_SIM_H
#define CIRRUS_SIM_H

#include <glib.h>
#include "sim/kernel/hist.h"
#include "sim/kernel/kernel.h"
#include "sim/kernel/model.h"
#include "sim/kernel/pes.h"

/* Each replication gets its own, independent RNG streams. */
CirrusSim *cirrus_sim_new(guint64 seed, guint64 replication);
void       cirrus_sim_free(CirrusSim *sim);

/* Add a component of `type`; `group` is "components" or "workloads" (it
 * names the HDF5 group and the summary section).  The state is allocated
 * zeroed; the caller then configures it. */
CirrusComponent *cirrus_sim_add(CirrusSim *sim, const CirrusModelType *type,
                                const char *group, const char *name);
CirrusComponent *cirrus_sim_find(const CirrusSim *sim, const char *name);
guint            cirrus_sim_n_components(const CirrusSim *sim);
CirrusComponent *cirrus_sim_component(const CirrusSim *sim, guint i);
void            *cirrus_component_state(CirrusComponent *c);
const CirrusModelType *cirrus_component_model(const CirrusComponent *c);
const char      *cirrus_component_group(const CirrusComponent *c);
/* A zeroed block of `size` bytes shared by the simulation's components
 * under `key` (cirrus_component_shared finds it), freed with it.  Made
 * once, before components are configured (the registry's prepare hook);
 * a second block under one key is a bug. */
gpointer         cirrus_sim_shared_new(CirrusSim *sim, const char *key, gsize size);
/* For the loader: the component's `region:` (interned here). */
void             cirrus_component_set_region(CirrusComponent *c, const char *region);

/* One row of samples: time (s) and one value per series, in series order. */
typedef gboolean (*CirrusRowSink)(void *user_data, double time_s, const double *values,
                                  guint n_values, GError **error);
/* Called now and then during a long run (about every 2^20 events). */
typedef void (*CirrusProgress)(void *user_data, CirrusTime now, CirrusTime stop, guint64 events);

typedef struct CirrusRunSpec {
    CirrusTime     duration;         /* stop time */
    CirrusTime     warmup;           /* statistics start here */
    CirrusTime     sample_interval;  /* > 0 */
    CirrusRowSink  sink;             /* may be NULL */
    CirrusProgress progress;         /* may be NULL */
    void          *user_data;
    /* Limits (0: the default).  A run that reaches one stops early, as if
     * interrupted, with an error that says which limit and what grew. */
    gsize          max_pending;      /* pending events; default 16 M */
    gsize          max_in_flight;    /* live requests; default 20 M (~2 GB) */
    double         max_wall_s;       /* wall-clock seconds; default none */
} CirrusRunSpec;

#define CIRRUS_DEFAULT_MAX_PENDING   ((gsize)16 * 1024 * 1024)
#define CIRRUS_DEFAULT_MAX_IN_FLIGHT ((gsize)20 * 1000 * 1000)

/* Series are known once every component is configured and linked: each
 * count gives one series, each gauge two (name, name.max), each latency
 * four (name.p50, .p90, .p99, .mean).  group is "/components/<name>". */
guint cirrus_sim_n_series(CirrusSim *sim);
void  cirrus_sim_series(CirrusSim *sim, guint i, const char **group, const char **name);

/* Start every component (in name order, so that the order of the scenario
 * file does not matter) and run until `duration`.  FALSE if the sink failed
 * or the run was stopped (cirrus_sim_request_stop) or hit a limit; when
 * stopped (cirrus_sim_stopped), the models and metrics are finished at the
 * instant reached (cirrus_sim_now), so that summaries cover
 * [warmup, that instant]: a truncated run's partial summary. */
gboolean cirrus_sim_run(CirrusSim *sim, const CirrusRunSpec *spec, GError **error);
/* Add a fault (copied).  `target` is the component it names, or NULL for a
 * zone fault, which goes to every component whose model lists that kind,
 * or a region fault, which goes to the components of that region (see
 * kernel.h).  Its events are scheduled when the run starts. */
void cirrus_sim_add_fault(CirrusSim *sim, const CirrusFault *fault, CirrusComponent *target);
/* The faults added, in the order of the scenario (for the HDF5 /faults
 * table that plots and reports draw on the time axis). */
guint              cirrus_sim_n_faults(const CirrusSim *sim);
const CirrusFault *cirrus_sim_fault(const CirrusSim *sim, guint i);

/* Watching hand-offs: `watch` is called for every request handed over
 * with cirrus_send (request->reply_to already `from`), before it is
 * delivered, for accounting that belongs to no one model (the bytes that
 * cross regions, models/transfer.c).  One watch per simulation (a second
 * replaces the first); `destroy` (may be NULL) frees `data` with the
 * simulation. */
typedef void (*CirrusSendWatch)(CirrusComponent *from, CirrusComponent *to, const CirrusRequest *request,
                                gpointer data);
void cirrus_sim_watch_sends(CirrusSim *sim, CirrusSendWatch watch, gpointer data, GDestroyNotify destroy);

/* Choose the pending-event set (before the run; default radix).  Results
 * are identical either way. */
void     cirrus_sim_set_pes(CirrusSim *sim, CirrusPesKind kind);
/* Ask a running simulation to stop at the next event (signal-safe). */
void     cirrus_sim_request_stop(CirrusSim *sim);
/* TRUE once a stop was requested or a limit reached (the run then ends
 * early, rows written up to the last sample time before it). */
gboolean cirrus_sim_stopped(const CirrusSim *sim);

/* Events handled so far, and of them those run at once, inside their
 * sender's handler (cirrus_send_last). */
guint64  cirrus_sim_events(const CirrusSim *sim);
guint64  cirrus_sim_events_at_once(const CirrusSim *sim);
/* The most events found pending (in the pes and the due-now ring) when
 * the run loop checked its limits — every 4,096 events and at the end:
 * a sample, not a watch on every post (that cost ~24 instructions a
 * request, 1.5% of an M/M/100 run), which is enough to show whether
 * pending events follow what is alive or pile up. */
gsize    cirrus_sim_peak_pending(const CirrusSim *sim);
CirrusTime cirrus_sim_now(const CirrusSim *sim);

/* What the run measured, after warm-up, per metric (DESIGN.md §4). */
typedef struct CirrusMetricSummary {
    const char      *name;
    CirrusMetricKind kind;
    const char      *unit;
    double sum, mean, min, max, last;  /* see docs/outputs.md per kind */
    guint64 intervals;                 /* sample intervals after warm-up */
    const CirrusHist *latency;         /* LATENCY only: values in ns */
} CirrusMetricSummary;

void  cirrus_component_metric_summary(const CirrusComponent *c, guint i, CirrusMetricSummary *out);

#endif
