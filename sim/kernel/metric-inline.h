/* cirrus — the metric updates, inline (included by kernel.h).
 *
 * cirrus_metric_count, _gauge and _latency run for nearly every event (an
 * M/M/c request makes about 13 of them).  As calls into recorder.c the
 * call, the array lookup and the checks cost about a third as much again
 * as the updates themselves (issue 22, docs/performance.md), so their
 * state is laid out here, where the models' compiler sees it, and the
 * updates are inline.  The fields are the recorder's (recorder.c), which
 * turns them into rows and summaries: models use the functions, never the
 * fields. */
#ifndef CIRRUS_METRIC_INLINE_H
#define CIRRUS_METRIC_INLINE_H

#include <string.h>
#include "sim/kernel/hist.h"
#include "sim/kernel/hot-assert.h"

/* A gauge's area under its integer level (cirrus_metric_level), in
 * level-nanoseconds: exact, and wide enough for a million of anything for
 * a thousand years; also a latency's nanoseconds summed since time 0. */
__extension__ typedef __int128 CirrusLevelArea;

/* How a latency's values reach its total histogram: not at all before
 * statistics begin; each as it is recorded in the interval in which they
 * begin (that interval's histogram also holds values from before) and
 * after the last row; else with the interval's at each row ("the total
 * histogram", below). */
typedef enum {
    CIRRUS_LATENCY_TOTAL_NONE,
    CIRRUS_LATENCY_TOTAL_MERGED,
    CIRRUS_LATENCY_TOTAL_DIRECT,
} CirrusLatencyTotal;

typedef struct CirrusMetricData {
    CirrusMetricDef def;
    char  *owned_name;      /* for metrics added at run time */
    guint  first_series;    /* column of its first series */
    /* count: the events of this interval, the only field an update
     * touches; the recorder adds them to the others at each row */
    gint64 interval_count;
    gint64 total;           /* count: events of the closed intervals since statistics began */
    gint64 run_count;       /* count: events of the closed intervals since time 0 */
    gint64 stats_skip;      /* count: events of this interval from before statistics began */
    /* gauge: its level, areas, and the extremes of this interval (the
     * only extremes an update touches); the statistics' extremes take the
     * interval's at each row (recorder.c) */
    double value, interval_area, interval_max, interval_min, stat_area, stat_min, stat_max;
    double interval_max_before_stats;   /* in the interval in which statistics begin: the max before */
    /* a gauge set by integer levels (cirrus_metric_set_level): the level,
     * this interval's extremes, and the area under it since time 0, which
     * the recorder turns into the fields above (value = level x
     * level_num / level_den) whenever it reads them */
    gint64 level, level_max, level_min;
    CirrusLevelArea level_area;
    CirrusLevelArea level_area_row, level_area_stats;   /* level_area when this row began, when statistics did */
    gint64 level_num, level_den;   /* level_den > 0: a level gauge */
    CirrusTime last_change;
    union {
        /* latency */
        struct { CirrusHist *interval_hist, *total_hist; };
        /* count: cirrus_metric_count_amount's, beside the whole events (in
         * the latency's place, so that the struct, and the index arithmetic
         * of every update, stays as small) */
        struct { double interval_amount, total_amount; };
    };
    /* since time 0, warm-up included (cirrus_metric_run_total, for costs):
     * level x seconds (gauge), amounts (count: its whole events are
     * run_count + interval_count) */
    double run_total;
    /* latency: the values of the closed intervals since time 0, and their
     * sum (ns: each interval histogram's, whose sum of whole nanoseconds
     * is exact; cirrus_metric_run_total adds this interval's) */
    guint64 run_samples;
    CirrusLevelArea run_ns;
    /* latency: where a value goes besides the interval histogram
     * (CirrusLatencyTotal); set by the recorder */
    guint8 total_path;
    /* the per-interval series after warm-up (count and gauge) */
    double series_sum, series_min, series_max, series_last;
    guint64 series_n;
} CirrusMetricData;

/* The first member of every CirrusComponent (kernel-private.h), so that
 * the updates below reach its metrics through the opaque pointer. */
typedef struct CirrusComponentMetrics {
    CirrusMetricData *data;     /* the component's metrics, by index (the
                                 * recorder's array; kept when it grows) */
    guint             n;
    const CirrusTime *now;      /* its simulation's clock */
    CirrusRng        *rng;      /* the component's main stream (cirrus_component_rng, inline) */
} CirrusComponentMetrics;

/* The component as its first member (see CirrusComponentMetrics). */
static inline const CirrusComponentMetrics *cirrus_component_metrics_(const CirrusComponent *c)
{
    return (const CirrusComponentMetrics *)(const void *)c;
}

/* Metric `metric` of c, which must be of `kind`. */
static inline CirrusMetricData *cirrus_metric_at_(CirrusComponent *c, guint metric, CirrusMetricKind kind)
{
    const CirrusComponentMetrics *h = cirrus_component_metrics_(c);
    cirrus_hot_assert(metric < h->n);
    CirrusMetricData *m = &h->data[metric];
    cirrus_hot_assert(m->def.kind == kind);
    (void)kind;
    return m;
}

/* The simulated time now (cirrus_now, inline: models ask for it at
 * nearly every event). */
static inline CirrusTime cirrus_now_inline_(const CirrusComponent *c)
{
    return *cirrus_component_metrics_(c)->now;
}

/* The component's main random stream (cirrus_component_rng, inline:
 * most draws are on the hot path). */
static inline CirrusRng *cirrus_component_rng_inline_(CirrusComponent *c)
{
    return cirrus_component_metrics_(c)->rng;
}

/* Bring a gauge's areas up to `now` at its current level.  The
 * statistics' area is kept before statistics begin too, without a test of
 * whether they have: recorder_begin_stats resets it, and nothing reads it
 * before. */
static inline void cirrus_metric_gauge_advance_(CirrusMetricData *m, CirrusTime now)
{
    double dt = (double)(now - m->last_change);
    m->interval_area += m->value * dt;
    m->run_total += m->value * dt / CIRRUS_SEC;
    m->stat_area += m->value * dt;
    m->last_change = now;
}

/* The bit pattern of a double: 0 for +0 alone (one test for "both +0"). */
static inline guint64 cirrus_double_bits_(double x)
{
    guint64 bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

/* n more events of count `metric` of c: in this interval, which the
 * recorder adds to the run's total and, once statistics have begun, to the
 * summary's at each row (integers, so the sums are the same as adding
 * each event to each). */
static inline void cirrus_metric_count(CirrusComponent *c, guint metric, gint64 n)
{
    CirrusMetricData *m = cirrus_metric_at_(c, metric, CIRRUS_METRIC_COUNT);
    m->interval_count += n;
}

/* Gauge `metric` of c is at `value` from now on: the time at its previous
 * level is added to its areas, and its extremes follow. */
static inline void cirrus_metric_gauge(CirrusComponent *c, guint metric, double value)
{
    CirrusMetricData *m = cirrus_metric_at_(c, metric, CIRRUS_METRIC_GAUGE);
    cirrus_hot_assert(m->level_den == 0);   /* a level gauge: cirrus_metric_level */
    /* A level of +0 set again (an empty queue staying empty, the common
     * case) changes nothing: the areas would each gain +0 * dt, which
     * leaves a sum that is never -0 as it is; the extremes already cover
     * 0, the level since it was set or since they were reset; and
     * last_change weighs nothing while the level is 0. */
    if ((cirrus_double_bits_(value) | cirrus_double_bits_(m->value)) == 0) return;
    cirrus_metric_gauge_advance_(m, *cirrus_component_metrics_(c)->now);
    m->value = value;
    if (value > m->interval_max) m->interval_max = value;
    if (value < m->interval_min) m->interval_min = value;
}

/* Gauge `metric` of c, made a level gauge with cirrus_metric_set_level,
 * is at `level` from now on.  The time at the previous level is added to
 * the area in integers — exact, with one multiplication, where
 * cirrus_metric_gauge adds a double to three areas — and the statistics
 * since the warm-up, the interval's mean and the run's total all follow
 * from that one area by subtraction when the recorder reads them. */
static inline void cirrus_metric_level(CirrusComponent *c, guint metric, gint64 level)
{
    CirrusMetricData *m = cirrus_metric_at_(c, metric, CIRRUS_METRIC_GAUGE);
    cirrus_hot_assert(m->level_den > 0);
    /* 0 set again: nothing to add, and the extremes already cover 0 (as
     * in cirrus_metric_gauge). */
    if ((level | m->level) == 0) return;
    CirrusTime now = *cirrus_component_metrics_(c)->now;
    m->level_area += (CirrusLevelArea)m->level * (now - m->last_change);
    m->last_change = now;
    m->level = level;
    if (level > m->level_max) m->level_max = level;
    if (level < m->level_min) m->level_min = level;
}

/* A latency goes into the interval histogram only; the total follows at
 * each row by merging the interval's (exact integer sums and comparisons,
 * so the result is the same as adding every value twice, for a bucket
 * walk per row instead of a bucket add per value).  The sums of values are
 * doubles, but of whole nanoseconds, so they too are exact in any order
 * below 2^53 ns (104 days of latencies added up); beyond, the total's is
 * rounded once a row rather than once a value.  In the interval in which
 * statistics begin, the interval histogram also
 * holds values from before, so there values go to the total directly
 * (CIRRUS_LATENCY_TOTAL_DIRECT) and that row merges nothing (recorder.c).
 * The count of values since time 0 (cirrus_metric_run_samples) is the
 * rows' counts added up, plus this interval's. */
/* One duration (ns; a negative one counts as 0) for latency `metric` of
 * c. */
/* Forced inline: gcc kept one out-of-line copy for the whole program,
 * and the call cost 10 Ir of an M/M/100 request (three latencies). */
static inline __attribute__((always_inline)) void cirrus_metric_latency(CirrusComponent *c, guint metric, CirrusTime value)
{
    CirrusMetricData *m = cirrus_metric_at_(c, metric, CIRRUS_METRIC_LATENCY);
    cirrus_hist_add(m->interval_hist, value);
    if (G_UNLIKELY(m->total_path == CIRRUS_LATENCY_TOTAL_DIRECT)) cirrus_hist_add(m->total_hist, value);
}

#endif
