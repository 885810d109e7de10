/* cirrus — the target group protocol's events (see targets.h). */
#include "models/protocol/targets.h"

/* The data word of a target event: the only place it is packed. */
typedef union {
    guint64 word;
    struct { guint32 id; guint8 zone; } target;
} TargetWord;

G_STATIC_ASSERT(sizeof(TargetWord) == sizeof(guint64));

static void post_target(CirrusComponent *from, CirrusComponent *to, int kind, CirrusTarget t)
{
    TargetWord w = { .word = 0 };
    w.target.id = t.id;
    w.target.zone = (guint8)t.zone;
    cirrus_post(from, to, 0, kind, NULL, w.word);
}

CirrusTarget cirrus_target_of(const CirrusEvent *ev)
{
    g_assert(ev->kind >= CIRRUS_TARGETS_REGISTER && ev->kind <= CIRRUS_TARGETS_UNHEALTHY);
    TargetWord w = { .word = ev->data };
    return (CirrusTarget){ w.target.id, w.target.zone };
}

void cirrus_targets_attach(CirrusComponent *lb, CirrusComponent *group)
{
    cirrus_post(lb, group, 0, CIRRUS_TARGETS_ATTACH, NULL, 0);
}

void cirrus_targets_drained(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t)
{
    post_target(lb, group, CIRRUS_TARGETS_DRAINED, t);
}

void cirrus_targets_probe(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t)
{
    post_target(lb, group, CIRRUS_TARGETS_HEALTH_PROBE, t);
}

void cirrus_targets_unhealthy(CirrusComponent *lb, CirrusComponent *group, CirrusTarget t)
{
    post_target(lb, group, CIRRUS_TARGETS_UNHEALTHY, t);
}

void cirrus_targets_register(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t)
{
    post_target(group, lb, CIRRUS_TARGETS_REGISTER, t);
}

void cirrus_targets_deregister(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t)
{
    post_target(group, lb, CIRRUS_TARGETS_DEREGISTER, t);
}

void cirrus_targets_passed(CirrusComponent *group, CirrusComponent *lb, CirrusTarget t)
{
    post_target(group, lb, CIRRUS_TARGETS_HEALTH_RESULT, t);
}

void cirrus_lb_watch(CirrusComponent *watcher, CirrusComponent *lb)
{
    cirrus_post(watcher, lb, 0, CIRRUS_LB_WATCH, NULL, 0);
}

void cirrus_lb_report_healthy(CirrusComponent *lb, CirrusComponent *watcher, gint64 healthy_targets)
{
    cirrus_post(lb, watcher, 0, CIRRUS_LB_HEALTHY_TARGETS, NULL, (guint64)healthy_targets);
}

gint64 cirrus_lb_healthy_count(const CirrusEvent *ev)
{
    g_assert(ev->kind == CIRRUS_LB_HEALTHY_TARGETS);
    return (gint64)ev->data;
}
