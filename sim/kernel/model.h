/* cirrus — what a component model is: a table of handlers.
 *
 * In the manner of ROSS's tw_lptype and SQLite's sqlite3_module: the kernel
 * allocates state_size zeroed bytes per component and calls the slots below
 * through the inline wrappers at the end of this file, which skip optional
 * (NULL) slots.  Every slot receives the component and its state as void *;
 * the model casts inside.  Function pointers are never cast. */
#ifndef CIRRUS_MODEL_H
#define CIRRUS_MODEL_H

#include <glib.h>
#include "sim/kernel/kernel.h"
/* A scenario node (sim/loader/node.h): opaque to the kernel, which only
 * hands it to a model's configure(). */
typedef struct CirrusNode CirrusNode;

typedef struct CirrusScenario CirrusScenario;
/* What a model speaks to others, slot by slot (models/protocol/protocol.h):
 * opaque to the kernel, which only hands it out. */
struct CirrusProtocols;

typedef struct CirrusModelType {
    /* The YAML `type:` this model is registered under, e.g. "service". */
    const char *name;
    /* Bytes of per-component state, allocated zeroed by the kernel. */
    gsize state_size;
    /* Bytes of state shared by every component of this type in one
     * simulation (cirrus_component_type_state), allocated zeroed by the
     * kernel with the first such component: e.g. the account's Lambda
     * concurrency, shared by every function.  0: none. */
    gsize type_state_size;
    /* Read the component's own keys from `cfg` (config.h accessors); refuse
     * bad values with a located GError.  Required. */
    gboolean (*configure)(CirrusComponent *self, void *state, CirrusNode *cfg, GError **error);
    /* Resolve names of other components (cirrus_scenario_lookup); may be
     * NULL.  Called after every component is configured. */
    gboolean (*link)(CirrusComponent *self, void *state, CirrusScenario *sc, GError **error);
    /* Schedule the first events at time 0; may be NULL. */
    void (*start)(CirrusComponent *self, void *state);
    /* Handle one event addressed to this component.  Required. */
    void (*handle)(CirrusComponent *self, void *state, const CirrusEvent *ev);
    /* Just before each sample row: push any gauge computed lazily; may be NULL. */
    void (*sample)(CirrusComponent *self, void *state);
    /* At the end of the run (now == stop time); may be NULL. */
    void (*finish)(CirrusComponent *self, void *state);
    /* Free what configure() allocated; may be NULL. */
    void (*destroy)(CirrusComponent *self, void *state);
    /* Its metrics, in index order, terminated by {NULL}. */
    const CirrusMetricDef *metrics;
    /* The fault kinds it models, as CIRRUS_FAULT_BIT(kind) bits; the loader
     * refuses a fault aimed at a model without that bit. */
    guint32 faults;
    /* What the component costs in USD for the run so far, warm-up included
     * (AWS bills the whole time a resource exists): from its settings, the
     * prices it kept in link() and cirrus_metric_run_total().  Called after
     * finish() for the summary's cost_usd; may be NULL (nothing billed). */
    double (*cost)(CirrusComponent *self, void *state);
    /* The protocols it speaks (models/protocol/protocol.h): a component is
     * found by what it can do, through the slots filled here, never by its
     * type name.  NULL: it speaks none (nobody may send to it). */
    const struct CirrusProtocols *protocols;
} CirrusModelType;

#define CIRRUS_FAULT_BIT(kind) (1u << (kind))

static inline gboolean cirrus_model_configure(const CirrusModelType *t, CirrusComponent *c, void *s,
                                              CirrusNode *cfg, GError **error)
{
    return t->configure(c, s, cfg, error);
}
static inline gboolean cirrus_model_link(const CirrusModelType *t, CirrusComponent *c, void *s,
                                         CirrusScenario *sc, GError **error)
{
    return t->link ? t->link(c, s, sc, error) : TRUE;
}
static inline void cirrus_model_start(const CirrusModelType *t, CirrusComponent *c, void *s)
{
    if (t->start) t->start(c, s);
}
static inline void cirrus_model_handle(const CirrusModelType *t, CirrusComponent *c, void *s,
                                       const CirrusEvent *ev)
{
    t->handle(c, s, ev);
}
static inline void cirrus_model_sample(const CirrusModelType *t, CirrusComponent *c, void *s)
{
    if (t->sample) t->sample(c, s);
}
static inline void cirrus_model_finish(const CirrusModelType *t, CirrusComponent *c, void *s)
{
    if (t->finish) t->finish(c, s);
}
static inline gboolean cirrus_model_has_cost(const CirrusModelType *t)
{
    return t->cost != NULL;
}
static inline double cirrus_model_cost(const CirrusModelType *t, CirrusComponent *c, void *s)
{
    return t->cost ? t->cost(c, s) : 0.0;
}
static inline void cirrus_model_destroy(const CirrusModelType *t, CirrusComponent *c, void *s)
{
    if (t->destroy) t->destroy(c, s);
}

#endif
