/* cirrus — `service`: a station of c identical workers with a FIFO queue.
 * The building block of queueing theory (M/M/c, M/M/c/K) and a stand-in for
 * any backend (a database, a third-party API).  See docs/models/service.md. */
#ifndef CIRRUS_MODEL_SERVICE_H
#define CIRRUS_MODEL_SERVICE_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_service_type;

#endif
