/* cirrus — Route 53: a record set that clients resolve, with routing
 * policies, health checks and client-side caching for the TTL.  See
 * docs/models/route53.md. */
#ifndef CIRRUS_MODEL_ROUTE53_H
#define CIRRUS_MODEL_ROUTE53_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_route53_type;

#endif
