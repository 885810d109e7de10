/* cirrus — what a run reports: the summary table on stdout and the summary
 * JSON of DESIGN.md §4 (contract). */
#ifndef CIRRUS_TOOLS_SUMMARY_H
#define CIRRUS_TOOLS_SUMMARY_H

#include <stdio.h>
#include "sim/loader/scenario.h"

typedef struct CirrusRunInfo {
    guint64 seed;
    double duration_s, warmup_s, wall_s;
    guint64 events;         /* over all replications */
    guint replications;     /* 0 or 1: one run */
} CirrusRunInfo;

void  cirrus_summary_print(FILE *out, CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info);
/* The summary JSON document (newly allocated). */
char *cirrus_summary_json(CirrusScenario *sc, CirrusSim *sim, const CirrusRunInfo *info);

/* The same from summary rows (tools/runtables.h); with info->replications
 * > 1 the rows hold means and half-widths, and every metric number is
 * {"mean", "ci95", "n"} in the JSON and "mean ± half-width" in the table. */
char *cirrus_summary_json_rows(CirrusScenario *sc, GPtrArray *rows, const CirrusRunInfo *info);
void  cirrus_summary_print_header(FILE *out, CirrusScenario *sc, const CirrusRunInfo *info);
void  cirrus_summary_print_rows(FILE *out, GPtrArray *rows, guint replications);

/* JSON pieces, shared with `cirrus compare --json`: a string literal
 * (escaped), and a number (null for NaN and infinities; whole numbers in
 * full, others in the fewest digits that read back exactly). */
void  cirrus_json_string(GString *s, const char *text);
void  cirrus_json_number(GString *s, double v);

#endif
