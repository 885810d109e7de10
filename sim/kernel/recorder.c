/* cirrus — the metric recorder.
 *
 * Models push values as things happen (counts, gauge levels, latencies);
 * the recorder turns them into one row of series per sample interval and,
 * after warm-up, into the run's summary (DESIGN.md §4):
 *   count    series = events in the interval; summary sum = total.
 *   gauge    series = time-weighted mean over the interval, and .max = the
 *            interval's peak; summary mean = time-weighted mean, min/max =
 *            exact extremes of the instantaneous level.
 *   latency  series = .p50 .p90 .p99 .mean of the interval (NaN when the
 *            interval saw none, as CloudWatch shows no data point); summary
 *            = a histogram of every value (< 0.78% relative error). */
#include "sim/kernel/kernel-private.h"
#include <math.h>
#include <string.h>

static const char *const latency_suffixes[] = {".p50", ".p90", ".p99", ".mean"};
static const double latency_quantiles[] = {0.50, 0.90, 0.99};

guint cirrus_metric_add(CirrusComponent *c, const char *name, CirrusMetricKind kind, const char *unit)
{
    g_assert(!c->sim->series_frozen);
    g_assert(cirrus_component_metric_index(c, name) < 0);
    Metric m = {0};
    m.owned_name = g_strdup(name);
    m.def = (CirrusMetricDef){ m.owned_name, kind, unit };
    if (kind == CIRRUS_METRIC_LATENCY) {
        m.interval_hist = g_new(CirrusHist, 1);
        m.total_hist = g_new(CirrusHist, 1);
        cirrus_hist_init(m.interval_hist);
        cirrus_hist_init(m.total_hist);
    }
    m.series_min = INFINITY;
    m.series_max = -INFINITY;
    m.interval_max_before_stats = -INFINITY;
    g_array_append_val(c->metrics, m);
    c->hot.data = (Metric *)(void *)c->metrics->data;   /* it may have moved */
    c->hot.n = c->metrics->len;
    return c->metrics->len - 1;
}

void recorder_metric_clear(Metric *m)
{
    g_free(m->owned_name);
    if (m->def.kind != CIRRUS_METRIC_LATENCY) return;   /* the union holds amounts, not histograms */
    g_free(m->interval_hist);
    g_free(m->total_hist);
}

static inline Metric *metric_at(CirrusComponent *c, guint i)
{
    g_assert(i < c->metrics->len);
    return &g_array_index(c->metrics, Metric, i);
}

void cirrus_metric_count_amount(CirrusComponent *c, guint metric, double amount)
{
    Metric *m = metric_at(c, metric);
    g_assert(m->def.kind == CIRRUS_METRIC_COUNT);
    m->interval_amount += amount;
    m->run_total += amount;
    if (c->sim->in_stats) m->total_amount += amount;
}

void cirrus_metric_set_level(CirrusComponent *c, guint metric, gint64 num, gint64 den)
{
    Metric *m = metric_at(c, metric);
    g_assert(m->def.kind == CIRRUS_METRIC_GAUGE && num != 0 && den > 0);
    g_assert(m->value == 0 && m->last_change == 0);   /* before its first update */
    m->level_num = num;
    m->level_den = den;
}

/* A level gauge's value at `level`: as a model computing it in doubles
 * would (100.0 * busy / workers: the product is exact). */
static double level_value(const Metric *m, gint64 level)
{
    return (double)(level * m->level_num) / (double)m->level_den;
}

/* An area under a level gauge, as value-nanoseconds. */
static double level_area_value(const Metric *m, CirrusLevelArea area)
{
    return (double)area * (double)m->level_num / (double)m->level_den;
}

/* A level gauge's area up to `now`. */
static CirrusLevelArea level_area_at(const Metric *m, CirrusTime now)
{
    return m->level_area + (CirrusLevelArea)m->level * (now - m->last_change);
}

/* Bring a gauge's areas up to `now` at its current level; for a level
 * gauge, its double fields, which the rest of the recorder reads, from its
 * integer ones. */
static void gauge_advance(Metric *m, CirrusTime now)
{
    if (m->level_den == 0) {
        cirrus_metric_gauge_advance_(m, now);
        return;
    }
    m->level_area = level_area_at(m, now);
    m->last_change = now;
    m->value = level_value(m, m->level);
    m->interval_area = level_area_value(m, m->level_area - m->level_area_row);
    m->stat_area = level_area_value(m, m->level_area - m->level_area_stats);
    m->run_total = level_area_value(m, m->level_area) / CIRRUS_SEC;
    m->interval_max = level_value(m, m->level_max);
    m->interval_min = level_value(m, m->level_min);
}

/* A row begins for a gauge: its interval's area and extremes start again,
 * at the current level. */
static void gauge_new_interval(Metric *m)
{
    m->interval_area = 0;
    m->interval_max = m->interval_min = m->value;
    m->level_area_row = m->level_area;
    m->level_max = m->level_min = m->level;
}

/* A gauge's extremes since statistics began (none before): the closed
 * intervals' (stat_min, stat_max) and this one's so far. */
static void gauge_stat_extremes(const CirrusSim *sim, const Metric *m, double *min, double *max)
{
    if (!sim->in_stats) return;
    *min = MIN(m->stat_min, m->interval_min);
    *max = MAX(m->stat_max, m->interval_max);
}

/* A count's whole events since statistics began: the closed intervals',
 * and this one's from then on. */
static gint64 count_total(const CirrusSim *sim, const Metric *m)
{
    return m->total + (sim->in_stats ? m->interval_count - m->stats_skip : 0);
}

/* cirrus_metric_count, _gauge and _latency are inline in metric-inline.h;
 * "the total histogram" there says how a latency reaches total_hist. */

/* A latency metric's interval values that are not yet in its total go
 * there, once statistics have begun. */
static void latency_flush(CirrusSim *sim, Metric *m)
{
    if (sim->in_stats && m->total_path != CIRRUS_LATENCY_TOTAL_DIRECT)
        cirrus_hist_merge(m->total_hist, m->interval_hist);
}

double cirrus_metric_run_total(CirrusComponent *c, guint metric)
{
    const Metric *m = metric_at(c, metric);
    /* A gauge's level since its last change, without touching the areas
     * the summary reads. */
    if (m->def.kind == CIRRUS_METRIC_GAUGE && m->level_den > 0)
        return level_area_value(m, level_area_at(m, c->sim->now)) / CIRRUS_SEC;
    if (m->def.kind == CIRRUS_METRIC_GAUGE)
        return m->run_total + m->value * (double)(c->sim->now - m->last_change) / CIRRUS_SEC;
    /* A count's whole events are integers: their sum as a double is the
     * one adding them one by one gave (below 2^53); a count takes events
     * or amounts, never both (cirrus_metric_count_amount). */
    if (m->def.kind == CIRRUS_METRIC_COUNT) return (double)(m->run_count + m->interval_count) + m->run_total;
    /* A latency's: the rows' nanoseconds and this interval's, in seconds
     * (a negative duration counted as 0, as in its histograms). */
    return (double)(m->run_ns + (CirrusLevelArea)m->interval_hist->sum) / CIRRUS_SEC;
}

static void add_series(CirrusSim *sim, CirrusComponent *c, char *name)
{
    g_ptr_array_add(sim->series_groups, c->group_path);
    g_ptr_array_add(sim->series_names, name);
}

void recorder_freeze_series(CirrusSim *sim)
{
    if (sim->series_frozen) return;
    sim->series_frozen = TRUE;
    for (guint ci = 0; ci < sim->components->len; ci++) {
        CirrusComponent *c = sim->components->pdata[ci];
        for (guint i = 0; i < c->metrics->len; i++) {
            Metric *m = metric_at(c, i);
            const char *name = m->def.name;
            m->first_series = sim->series_names->len;
            switch (m->def.kind) {
            case CIRRUS_METRIC_COUNT:
                add_series(sim, c, g_strdup(name));
                break;
            case CIRRUS_METRIC_GAUGE:
                add_series(sim, c, g_strdup(name));
                add_series(sim, c, g_strconcat(name, ".max", NULL));
                break;
            case CIRRUS_METRIC_LATENCY:
                for (guint k = 0; k < G_N_ELEMENTS(latency_suffixes); k++)
                    add_series(sim, c, g_strconcat(name, latency_suffixes[k], NULL));
                break;
            }
        }
    }
    sim->row = g_new0(double, MAX(sim->series_names->len, 1u));
}

guint cirrus_sim_n_series(CirrusSim *sim)
{
    recorder_freeze_series(sim);
    return sim->series_names->len;
}

void cirrus_sim_series(CirrusSim *sim, guint i, const char **group, const char **name)
{
    recorder_freeze_series(sim);
    g_assert(i < sim->series_names->len);
    *group = sim->series_groups->pdata[i];
    *name = sim->series_names->pdata[i];
}

void recorder_begin_stats(CirrusSim *sim, CirrusTime at)
{
    sim->in_stats = TRUE;
    sim->stats_start = at;
    for (guint ci = 0; ci < sim->components->len; ci++) {
        CirrusComponent *c = sim->components->pdata[ci];
        for (guint i = 0; i < c->metrics->len; i++) {
            Metric *m = metric_at(c, i);
            /* Statistics that start at 0 begin after the components' start(),
             * and what they counted then is part of the run. */
            if (m->def.kind == CIRRUS_METRIC_COUNT) {
                /* This interval's events so far are before statistics
                 * began, unless they began at 0 */
                m->stats_skip = at == 0 ? 0 : m->interval_count;
                if (at == 0) m->total_amount += m->interval_amount;
            }
            if (at == 0 && m->def.kind == CIRRUS_METRIC_LATENCY) cirrus_hist_merge(m->total_hist, m->interval_hist);
            if (m->def.kind == CIRRUS_METRIC_LATENCY) m->total_path = CIRRUS_LATENCY_TOTAL_DIRECT;   /* until this interval's row */
            if (m->def.kind != CIRRUS_METRIC_GAUGE) continue;
            gauge_advance(m, at);
            m->stat_area = 0;
            m->level_area_stats = m->level_area;
            m->stat_min = m->stat_max = m->value;
            /* This interval's extremes so far are from before statistics:
             * its row still shows its max, the statistics do not. */
            m->interval_max_before_stats = m->interval_max;
            m->interval_max = m->interval_min = m->value;
            m->level_max = m->level_min = m->level;
        }
    }
}

static void series_note(Metric *m, double v)
{
    m->series_sum += v;
    m->series_n++;
    m->series_last = v;
    if (v < m->series_min) m->series_min = v;
    if (v > m->series_max) m->series_max = v;
}

void recorder_fill_row(CirrusSim *sim, CirrusTime at, CirrusTime interval)
{
    /* An interval counts toward the series statistics when it lies wholly
     * after the warm-up. */
    gboolean after_warmup = sim->in_stats && at - interval >= sim->stats_start;
    double *row = sim->row;
    for (guint ci = 0; ci < sim->components->len; ci++) {
        CirrusComponent *c = sim->components->pdata[ci];
        for (guint i = 0; i < c->metrics->len; i++) {
            Metric *m = metric_at(c, i);
            double *out = row + m->first_series;
            switch (m->def.kind) {
            case CIRRUS_METRIC_COUNT:
                out[0] = (double)m->interval_count + m->interval_amount;
                m->total = count_total(sim, m);
                m->run_count += m->interval_count;
                m->interval_count = 0;
                m->stats_skip = 0;
                m->interval_amount = 0;
                if (after_warmup) series_note(m, out[0]);
                break;
            case CIRRUS_METRIC_GAUGE:
                gauge_advance(m, at);
                out[0] = m->interval_area / (double)interval;
                out[1] = MAX(m->interval_max, m->interval_max_before_stats);
                gauge_stat_extremes(sim, m, &m->stat_min, &m->stat_max);
                gauge_new_interval(m);
                m->interval_max_before_stats = -INFINITY;
                if (after_warmup) series_note(m, out[0]);
                break;
            case CIRRUS_METRIC_LATENCY: {
                const CirrusHist *h = m->interval_hist;
                cirrus_hist_quantiles(h, latency_quantiles, G_N_ELEMENTS(latency_quantiles), out);
                for (guint k = 0; k < G_N_ELEMENTS(latency_quantiles); k++) out[k] /= 1e9;
                out[3] = cirrus_hist_mean(h) / 1e9;
                latency_flush(sim, m);
                m->total_path = sim->in_stats ? CIRRUS_LATENCY_TOTAL_MERGED : CIRRUS_LATENCY_TOTAL_NONE;
                m->run_samples += h->count;
                m->run_ns += (CirrusLevelArea)h->sum;
                cirrus_hist_reset(m->interval_hist);
                break;
            }
            }
        }
    }
}

void recorder_finish(CirrusSim *sim, CirrusTime at)
{
    for (guint ci = 0; ci < sim->components->len; ci++) {
        CirrusComponent *c = sim->components->pdata[ci];
        for (guint i = 0; i < c->metrics->len; i++) {
            Metric *m = metric_at(c, i);
            if (m->def.kind == CIRRUS_METRIC_GAUGE) gauge_advance(m, at);
        }
    }
}

/* When the run ends, finished or not: latencies recorded since the last
 * row (by the models' finish(), or before an interruption) go into the
 * totals the summary reads.  Once only: later values go there directly. */
void recorder_flush(CirrusSim *sim)
{
    for (guint ci = 0; ci < sim->components->len; ci++) {
        CirrusComponent *c = sim->components->pdata[ci];
        for (guint i = 0; i < c->metrics->len; i++) {
            Metric *m = metric_at(c, i);
            if (m->def.kind != CIRRUS_METRIC_LATENCY) continue;
            latency_flush(sim, m);
            if (sim->in_stats) m->total_path = CIRRUS_LATENCY_TOTAL_DIRECT;
        }
    }
}

guint cirrus_component_n_metrics(const CirrusComponent *c) { return c->metrics->len; }

guint64 cirrus_metric_run_samples(CirrusComponent *c, guint metric)
{
    const Metric *m = metric_at(c, metric);
    switch (m->def.kind) {
    case CIRRUS_METRIC_COUNT: return (guint64)cirrus_metric_run_total(c, metric);
    case CIRRUS_METRIC_LATENCY: return m->run_samples + m->interval_hist->count;
    case CIRRUS_METRIC_GAUGE: break;
    }
    return 0;
}

CirrusMetricKind cirrus_metric_kind(const CirrusComponent *c, guint metric)
{
    g_assert(metric < c->metrics->len);
    return g_array_index(c->metrics, Metric, metric).def.kind;
}

const char *cirrus_metric_name(const CirrusComponent *c, guint metric)
{
    g_assert(metric < c->metrics->len);
    return g_array_index(c->metrics, Metric, metric).def.name;
}

gint cirrus_component_metric_index(const CirrusComponent *c, const char *name)
{
    for (guint i = 0; i < c->metrics->len; i++)
        if (g_strcmp0(g_array_index(c->metrics, Metric, i).def.name, name) == 0) return (gint)i;
    return -1;
}

void cirrus_component_metric_summary(const CirrusComponent *c, guint i, CirrusMetricSummary *out)
{
    const Metric *m = &g_array_index(c->metrics, Metric, i);
    const CirrusSim *sim = c->sim;
    Metric synced;
    if (m->level_den > 0) {
        /* A level gauge: its double fields as of its last change, as for any gauge. */
        synced = *m;
        gauge_advance(&synced, m->last_change);
        m = &synced;
    }
    *out = (CirrusMetricSummary){ .name = m->def.name, .kind = m->def.kind, .unit = m->def.unit };
    gboolean any = m->series_n > 0;
    out->intervals = m->series_n;
    switch (m->def.kind) {
    case CIRRUS_METRIC_COUNT:
        out->sum = (double)count_total(sim, m) + m->total_amount;
        out->mean = any ? m->series_sum / (double)m->series_n : 0;
        out->min = any ? m->series_min : 0;
        out->max = any ? m->series_max : 0;
        out->last = any ? m->series_last : 0;
        break;
    case CIRRUS_METRIC_GAUGE: {
        double span = (double)(sim->now - sim->stats_start);
        /* sum: the interval means added up, so that sum × interval is the
         * area under the level (e.g. instance-seconds). */
        out->sum = m->series_sum;
        out->mean = sim->in_stats && span > 0 ? m->stat_area / span : m->value;
        out->min = out->max = m->value;
        gauge_stat_extremes(sim, m, &out->min, &out->max);
        out->last = m->value;
        break;
    }
    case CIRRUS_METRIC_LATENCY:
        out->latency = m->total_hist;
        out->sum = (double)m->total_hist->count;
        out->mean = cirrus_hist_mean(m->total_hist) / 1e9;
        out->min = m->total_hist->count ? (double)m->total_hist->min / 1e9 : NAN;
        out->max = m->total_hist->count ? (double)m->total_hist->max / 1e9 : NAN;
        out->last = out->mean;
        break;
    }
}
