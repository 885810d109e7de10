/* cirrus — warnings about a scenario that will run but probably not as
 * meant (docs/getting-started.md, "Warnings"): offered load above a
 * station's capacity, a sync workload that waits forever on an unbounded
 * queue, components nothing reaches, components left out of the cost
 * table, and, after a run, requests still in flight at the end.
 *
 * Warnings never change a run or its outputs; `cirrus validate` and
 * `cirrus run` print them on stderr ("cirrus: FILE:LINE:COL: warning:
 * ..."), and with --strict they are errors (exit status 2). */
#ifndef CIRRUS_TOOLS_WARN_H
#define CIRRUS_TOOLS_WARN_H

#include <stdio.h>
#include <glib.h>
#include "sim/loader/scenario.h"

/* What can be said before running, in file order of the entities they
 * name (newly allocated strings "FILE:LINE:COL: warning: ..."; an empty
 * array when there is nothing to say). */
GPtrArray *cirrus_warnings_static(const CirrusScenario *sc);

/* What a finished run says (summary rows, tools/runtables.h): workloads
 * with more than 1% of their requests still in flight at the end. */
GPtrArray *cirrus_warnings_after_run(const CirrusScenario *sc, GPtrArray *rows);

/* Print each as "cirrus: <warning>" on `out`; the number printed. */
guint cirrus_warnings_print(FILE *out, GPtrArray *warnings);

#endif
