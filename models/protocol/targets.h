/* cirrus — the target group protocol (CIRRUS_SPEAKS_TARGET_GROUP and
 * CIRRUS_SPEAKS_LOAD_BALANCER): between a load balancer (alb, nlb) and a
 * target group provider (an asg), as AWS wires an Auto Scaling group to an
 * ELB target group.
 *
 * Everything below is an event posted and read with the typed functions at
 * the end of this file (the only code that packs an event's data, in
 * targets.c), or a request handed over with cirrus_send().
 *
 * Targets are instances (CirrusTarget): an id that the provider gives out
 * once and never reuses, and a zone.
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
 *   LB -> provider   request (cirrus_send) with ref.instance = the id (request.h):
 *                                          serve it on that instance; the reply comes
 *                                          back to the LB.  An id the provider no
 *                                          longer runs is answered REJECTED at once.
 *   LB -> provider   TARGETS_HEALTH_PROBE  one health check of that instance
 *   provider -> LB   TARGETS_HEALTH_RESULT it passed (cirrus_targets_passed):
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
 *   LB -> watcher    CIRRUS_LB_HEALTHY_TARGETS the number of registered,
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


/* An instance as the protocol names it: an id its group gives out once and
 * never reuses, and its zone (an index into the group's `zones`, < 256). */
typedef struct {
    guint32 id;
    guint   zone;
} CirrusTarget;

/* The target an event of this protocol names (every kind but ATTACH,
 * LB_WATCH and LB_HEALTHY_TARGETS). */
CirrusTarget cirrus_target_of(const CirrusEvent *ev);

/* load balancer -> group */
void cirrus_targets_attach(CirrusComponent *lb, CirrusComponent *group);
void cirrus_targets_drained(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t);
void cirrus_targets_probe(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t);
void cirrus_targets_unhealthy(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t);
/* group -> load balancer */
void cirrus_targets_register(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t);
void cirrus_targets_deregister(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t);
/* The instance answered a probe (TARGETS_HEALTH_RESULT; silence is a failed probe). */
void cirrus_targets_passed(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t);

/* watcher <-> load balancer */
void   cirrus_lb_watch(CirrusComponent *watcher, CirrusComponent *lb);
void   cirrus_lb_report_healthy(CirrusComponent *lb, CirrusComponent *watcher, gint64 healthy_targets);
/* LB_HEALTHY_TARGETS: the load balancer's HealthyHostCount. */
gint64 cirrus_lb_healthy_count(const CirrusEvent *ev);

#endif
