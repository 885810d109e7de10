/* cirrus — the protocol between a load balancer (alb, nlb) and a target
 * group provider (an asg), as AWS wires an Auto Scaling group to an ELB
 * target group.
 *
 * Components never reach into each other's state: everything below is an
 * event sent with cirrus_post() (ev->source says who sent it) or a request
 * handed over with cirrus_send().
 *
 * Targets are instances, named by a 32-bit id that the provider gives out
 * once and never reuses, and living in a zone (an index into the
 * provider's `zones` list, < 256).  The `data` word of an event packs them:
 * CIRRUS_TARGET_PACK(id, zone).
 *
 *   LB -> provider   TARGETS_ATTACH        (at start) "send me your targets"
 *   provider -> LB   TARGETS_REGISTER      an instance is InService: add it.  It
 *                                          starts in the "initial" health state
 *                                          and gets traffic once it passes one
 *                                          health check (AWS rule; the healthy
 *                                          threshold is for an unhealthy target
 *                                          coming back), and a load balancer whose
 *                                          targets are all unhealthy routes to
 *                                          all of them (ALB "fail open").
 *   provider -> LB   TARGETS_DEREGISTER    stop sending new requests to it; drain
 *                                          its in-flight requests for up to
 *                                          `deregistration_delay`, then reply
 *   LB -> provider   TARGETS_DRAINED       the instance may be terminated now
 *                                          (sent after the last in-flight reply, or
 *                                          when the delay runs out)
 *   LB -> provider   request (cirrus_send) with request->tag = instance id: serve it
 *                                          on that instance; the reply comes back to
 *                                          the LB.  An id the provider no longer
 *                                          runs is answered REJECTED at once.
 *   LB -> provider   TARGETS_HEALTH_PROBE  one health check of that instance
 *   provider -> LB   TARGETS_HEALTH_RESULT data = CIRRUS_TARGET_PACK(id, zone) with
 *                                          CIRRUS_TARGET_HEALTHY set when it passed:
 *                                          sent at once when the instance answers;
 *                                          never sent when it cannot (it failed, or
 *                                          its zone is down) — the LB counts the
 *                                          probe as failed after its `timeout`
 *   LB -> provider   TARGETS_UNHEALTHY     the LB now considers it unhealthy (for a
 *                                          provider using ELB health checks, which
 *                                          then replaces the instance)
 *
 * A load balancer's health, for Route 53 alias records that evaluate
 * target health (any component may watch; docs/models/route53.md#alias):
 *
 *   watcher -> LB    CIRRUS_LB_WATCH       (at start) "tell me your healthy targets"
 *   LB -> watcher    CIRRUS_LB_HEALTHY_TARGETS data = the number of registered,
 *                                          non-draining targets the LB sees healthy
 *                                          (its HealthyHostCount): sent at once on
 *                                          subscription, then at every change
 *
 * Request outcomes an LB passes back to its caller: the target's own answer;
 * REJECTED (503) when it has no target to send to. */
#ifndef CIRRUS_MODEL_TARGETS_H
#define CIRRUS_MODEL_TARGETS_H

#include "models/protocol/events.h"
#include "models/protocol/request.h"

#define CIRRUS_TARGET_HEALTHY ((guint64)1 << 63)
#define CIRRUS_TARGET_PACK(id, zone) ((guint64)(guint32)(id) | ((guint64)(guint8)(zone) << 32))
#define CIRRUS_TARGET_ID(data) ((guint32)((data) & 0xFFFFFFFFu))
#define CIRRUS_TARGET_ZONE(data) ((guint)(((data) >> 32) & 0xFFu))

#endif
