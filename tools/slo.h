/* cirrus — service levels: "ENTITY.METRIC[.STAT] < BOUND" (or <=, >, >=,
 * a bound in % of the entity's first count), as `cirrus plan --slo` and a
 * scenario's top-level `slo:` list write them (docs/capacity-planning.md,
 * docs/outputs.md "Report"), judged against a run's summary rows. */
#ifndef CIRRUS_TOOLS_SLO_H
#define CIRRUS_TOOLS_SLO_H

#include <glib.h>
#include "sim/loader/scenario.h"
#include "tools/runtables.h"

typedef enum { CIRRUS_SLO_LT, CIRRUS_SLO_LE, CIRRUS_SLO_GT, CIRRUS_SLO_GE } CirrusSloOp;

typedef struct CirrusSlo {
    char *text;              /* as given */
    char *lhs;               /* ENTITY.METRIC[.STAT] */
    CirrusSloOp op;
    double bound;
    gboolean percent;        /* the bound is a % of the entity's first count metric */
    gint row, denominator;   /* resolved row indices (-1: not yet) */
    CirrusStat stat;
} CirrusSlo;

/* Parse `text` into *s (always initialised: clear it with
 * cirrus_slo_clear).  FALSE with a usage error that names `option`
 * ("--slo", "slo:") for text that is not an SLO. */
gboolean cirrus_slo_parse(const char *text, const char *option, CirrusSlo *s, GError **error);
void     cirrus_slo_clear(CirrusSlo *s);
/* Find the SLO's row among a run's summary rows: ENTITY.METRIC or
 * ENTITY.METRIC.STAT, or ENTITY.latency_ms[.STAT] for the entity's first
 * latency (as in the summary JSON).  Names may hold dots: the longest
 * entity and metric that match win.  FALSE with a usage error naming
 * `option` when the rows have no such number. */
gboolean cirrus_slo_resolve(CirrusSlo *s, GPtrArray *rows, const char *option, GError **error);
/* The SLO's number in `rows` (resolved first; a percentage of the
 * denominator, NaN when that is 0). */
double   cirrus_slo_value(const CirrusSlo *s, GPtrArray *rows);
/* How far the side of the 95% interval that must clear the bound does so
 * (negative: it does not); hw NaN counts as 0. */
double   cirrus_slo_margin(const CirrusSlo *s, double mean, double hw);
gboolean cirrus_slo_meets(const CirrusSlo *s, double mean, double hw);
/* "<", "<=", ">", ">=". */
const char *cirrus_slo_op_text(CirrusSloOp op);

/* The scenario's top-level `slo:` list, parsed (CirrusSlo, cleared by the
 * array's free function; empty without one).  NULL with a scenario error
 * at file:line:col for an item that is not an SLO. */
GArray *cirrus_scenario_slos(const CirrusScenario *sc, GError **error);
/* The same from the YAML text of a run file's `scenario_yaml` attribute
 * (NULL text, unparsable text or a bad item: an empty array). */
GArray *cirrus_slos_from_yaml(const char *yaml);

#endif
