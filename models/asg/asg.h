/* cirrus — `asg`: an EC2 Auto Scaling group.  Instances that each serve
 * requests with a few workers and a FIFO queue (like a `service`), launched
 * and terminated to keep the group at its desired capacity; scaling
 * policies (simple, step, target tracking) that change that capacity from
 * CloudWatch period aggregates; EC2 and ELB health checks that replace
 * failed instances; and the target group provider side of models/protocol/targets.h.
 * See docs/models/asg.md. */
#ifndef CIRRUS_MODEL_ASG_H
#define CIRRUS_MODEL_ASG_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_asg_type;

#endif
