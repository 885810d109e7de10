/* cirrus — workloads: the clients that send requests into the system.
 * Arrivals are Poisson, evenly spaced (constant) or replayed from a trace;
 * the rate may follow a piecewise-linear schedule.  See docs/models/workload.md. */
#ifndef CIRRUS_MODEL_WORKLOAD_H
#define CIRRUS_MODEL_WORKLOAD_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_workload_type;

#endif
