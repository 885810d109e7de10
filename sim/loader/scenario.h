/* cirrus — loading a scenario file into a runnable simulation.
 *
 * The loader knows the generic top level of DESIGN.md §3 (name, duration,
 * warmup, seed, sample_interval, workloads, components, faults); the
 * component models and any further top-level keys come from the registry
 * the caller hands in, so the kernel stays ignorant of what it simulates. */
#ifndef CIRRUS_SCENARIO_H
#define CIRRUS_SCENARIO_H

#include <glib.h>
#include "sim/kernel/model.h"
#include "sim/kernel/sim.h"

typedef struct CirrusRegistry {
    const CirrusModelType *const *types;  /* NULL-terminated */
    const char *workload_type;            /* the type of `workloads:` entries */
    /* Read the top-level keys the loader does not know (e.g. `account`);
     * may be NULL.  Keys it does not ask for are reported as unknown. */
    gboolean (*read_globals)(CirrusScenario *sc, CirrusNode *root, GError **error);
    /* Called for each simulation built, before any component is added:
     * the blocks of state its components share (cirrus_sim_shared_new);
     * may be NULL. */
    gboolean (*prepare)(CirrusScenario *sc, CirrusSim *sim, GError **error);
    /* Called for each simulation built, once every component has linked:
     * scenario-wide additions that belong to no one model (the bytes that
     * cross regions, models/transfer.c); may be NULL. */
    gboolean (*built)(CirrusScenario *sc, CirrusSim *sim, GError **error);
} CirrusRegistry;

/* Parse `path` and apply `sets` ("a.b.c=value", NULL-terminated, may be
 * NULL), then check the whole scenario by building it once.  Every problem is
 * a CIRRUS_ERROR_SCENARIO (or _IO for an unreadable file) error naming
 * file:line:col. */
CirrusScenario *cirrus_scenario_load(const char *path, const CirrusRegistry *registry,
                                     const char *const *sets, GError **error);
/* The same from text (for tests); `label` names it in messages. */
CirrusScenario *cirrus_scenario_load_text(const char *label, const char *text,
                                          const CirrusRegistry *registry,
                                          const char *const *sets, GError **error);
void cirrus_scenario_free(CirrusScenario *sc);

/* A fresh simulation of the scenario for one replication (0, 1, ...). */
CirrusSim *cirrus_scenario_build(CirrusScenario *sc, guint64 replication, GError **error);

const char *cirrus_scenario_name(const CirrusScenario *sc);
const char *cirrus_scenario_path(const CirrusScenario *sc);
const char *cirrus_scenario_text(const CirrusScenario *sc);   /* the YAML as read */
guint64     cirrus_scenario_seed(const CirrusScenario *sc);
CirrusTime  cirrus_scenario_duration(const CirrusScenario *sc);
CirrusTime  cirrus_scenario_warmup(const CirrusScenario *sc);
CirrusTime  cirrus_scenario_sample_interval(const CirrusScenario *sc);

/* The registry the scenario was loaded with (its model types, for messages
 * that list which types can do something). */
const CirrusRegistry *cirrus_scenario_registry(const CirrusScenario *sc);

/* The scenario's YAML tree as loaded, --set overrides applied (for tools
 * that read it again: warnings, the top-level `slo:` list).  Owned by the
 * scenario; read it with cirrus_node_peek, which marks nothing. */
const CirrusNode *cirrus_scenario_root(const CirrusScenario *sc);

/* For models' link(): the component called `name`, or a located error
 * "unknown component 'x' (did you mean 'y'?)" at `at`. */
CirrusComponent *cirrus_scenario_lookup(CirrusScenario *sc, const CirrusNode *at,
                                        const char *name, GError **error);

/* For models' link(): `from` makes synchronous calls to `to` (it waits for
 * the reply), as the node `at` says.  Once every model has linked, the
 * loader refuses a cycle of such calls (sim/loader/callgraph.h). */
void cirrus_scenario_sync_call(CirrusScenario *sc, CirrusComponent *from, CirrusComponent *to,
                               const CirrusNode *at);

/* The same lookup in a simulation being built (for the loader's own
 * sections, such as faults). */
CirrusComponent *cirrus_sim_lookup_at(CirrusSim *sim, const CirrusNode *at, const char *name, GError **error);

/* Data that read_globals stores for models to read in link(). */
void     cirrus_scenario_set_globals(CirrusScenario *sc, gpointer data, GDestroyNotify destroy);
gpointer cirrus_scenario_globals(const CirrusScenario *sc);

#endif
