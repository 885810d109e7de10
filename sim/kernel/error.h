/* cirrus — the error domain for recoverable errors (GError).
 *
 * Bad input (a scenario, a command line, an unwritable path) is reported
 * through GError and never aborts; a broken invariant is a bug and is
 * g_assert()ed.  The code says which exit status the command line uses. */
#ifndef CIRRUS_ERROR_H
#define CIRRUS_ERROR_H

#include <glib.h>

#define CIRRUS_ERROR (cirrus_error_quark())
GQuark cirrus_error_quark(void);

typedef enum {
    CIRRUS_ERROR_SCENARIO, /* bad scenario file or --set value: exit 2 */
    CIRRUS_ERROR_USAGE,    /* bad command line: exit 2 */
    CIRRUS_ERROR_IO,       /* cannot read/write a file: exit 1 (2 for the scenario itself) */
    CIRRUS_ERROR_RUN,      /* the simulation could not complete: exit 1 */
} CirrusErrorCode;

/* Exit status for an error, per DESIGN.md §2: 2 usage/scenario, 1 otherwise. */
int cirrus_error_exit_status(const GError *error);

#endif
