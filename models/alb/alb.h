/* cirrus — `alb` and `nlb`: Elastic Load Balancing in front of an Auto
 * Scaling group.  A load balancer forwards each request to one instance of
 * its target group (round robin, least outstanding requests or random,
 * within or across zones, optionally sticky), health-checks the instances
 * and drains the ones being deregistered.  Both types share one model and
 * differ in their AWS defaults.  The protocol with the group is
 * models/protocol/targets.h.  See docs/models/alb.md. */
#ifndef CIRRUS_MODEL_ALB_H
#define CIRRUS_MODEL_ALB_H

#include "sim/kernel/model.h"

extern const CirrusModelType cirrus_alb_type;
extern const CirrusModelType cirrus_nlb_type;

#endif
