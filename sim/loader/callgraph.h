/* cirrus — the graph of synchronous calls between components, and the check
 * that it has no cycle.
 *
 * A sync call holds the caller (a worker, a load balancer's connection, a
 * resolver's pending query) until the callee replies.  If the calls form a
 * cycle (a -> b -> a) every request that enters it starts a chain of calls
 * that never ends: workers run out and the run deadlocks, or in-flight
 * requests grow until a resource limit stops it.  No AWS service breaks such
 * a loop for you, so the loader refuses it, naming the cycle.
 *
 * Models declare their sync edges in link() with cirrus_scenario_sync_call()
 * (scenario.h); the loader checks the graph once every model has linked.
 * Asynchronous sends (queues, async invocations, on-failure destinations)
 * are not edges: the sender does not wait, so a loop through them is a
 * workload, not a deadlock. */
#ifndef CIRRUS_CALLGRAPH_H
#define CIRRUS_CALLGRAPH_H

#include <glib.h>
#include "sim/loader/node.h"
#include "sim/kernel/sim.h"

typedef struct CirrusCallGraph CirrusCallGraph;

CirrusCallGraph *cirrus_callgraph_new(void);
void cirrus_callgraph_free(CirrusCallGraph *g);
/* `from` waits for `to`; `at` is the node that says so (for the message). */
void cirrus_callgraph_add(CirrusCallGraph *g, CirrusComponent *from, CirrusComponent *to, const CirrusNode *at);
/* FALSE with a located error "sync calls form a cycle: a -> b -> a" at the
 * edge that closes the first cycle found (components in file order, edges
 * in the order declared: deterministic). */
gboolean cirrus_callgraph_check(const CirrusCallGraph *g, CirrusSim *sim, GError **error);

#endif
