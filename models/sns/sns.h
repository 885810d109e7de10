/* cirrus — `sns`: an Amazon SNS standard topic.  A publish is a request
 * answered on acceptance; the topic then delivers a copy to every
 * subscription whose filter policy matches the message's attributes: to an
 * sqs queue as a SendMessage, to a lambda function as an asynchronous
 * invocation.  A delivery that fails on the endpoint's side is retried
 * with AWS's delivery policy for AWS-managed endpoints.  See
 * docs/models/sns.md. */
#ifndef CIRRUS_MODEL_SNS_H
#define CIRRUS_MODEL_SNS_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_sns_type;

#endif
