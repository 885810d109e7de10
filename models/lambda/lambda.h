/* cirrus — `lambda`: an AWS Lambda function.  Execution environments that
 * each run one invocation at a time (a cold start for a new one, reuse of
 * an idle one, reclaim after an idle timeout, recycling after a maximum
 * lifetime, provisioned ones made ready at the start); the account's
 * regional concurrency limit shared by the functions without reserved
 * concurrency; reserved concurrency; the per-function scaling rate; sync
 * invocations answered when done (or throttled at once) and async ones
 * queued, retried (function errors: max_retries at 1 and 2 minutes;
 * throttles and system errors: exponential backoff up to max_event_age) and
 * finally sent to `on_failure` or dropped.  See docs/models/lambda.md. */
#ifndef CIRRUS_MODEL_LAMBDA_H
#define CIRRUS_MODEL_LAMBDA_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_lambda_type;

#endif
