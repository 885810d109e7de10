/* cirrus — the `apigateway` model: an API Gateway stage (REST or HTTP
 * API) with AWS's token-bucket throttles, usage plans, integration
 * timeout, stage cache, Lambda authorizer and canary
 * (docs/models/apigateway.md). */
#ifndef CIRRUS_MODEL_APIGATEWAY_H
#define CIRRUS_MODEL_APIGATEWAY_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_apigateway_type;

#endif
