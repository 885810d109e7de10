/* cirrus — error domain. */
#include "sim/kernel/error.h"

G_DEFINE_QUARK(cirrus-error-quark, cirrus_error)

int cirrus_error_exit_status(const GError *error)
{
    if (error && error->domain == CIRRUS_ERROR &&
        (error->code == CIRRUS_ERROR_SCENARIO || error->code == CIRRUS_ERROR_USAGE))
        return 2;
    return 1;
}
