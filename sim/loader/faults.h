/* cirrus — reading the scenario's `faults:` list (DESIGN.md §3). */
#ifndef CIRRUS_FAULTS_H
#define CIRRUS_FAULTS_H

#include "sim/loader/node.h"
#include "sim/kernel/sim.h"

/* Check every entry of `list` (may be NULL) against the components already
 * in `sim` and add it with cirrus_sim_add_fault().  A fault must start
 * before `duration`; one naming a component must name one whose model
 * lists that kind; a zone or region fault needs some component that
 * models it. */
gboolean cirrus_faults_read(CirrusNode *list, CirrusSim *sim, CirrusTime duration, GError **error);

#endif
