/* cirrus — entry point; everything else lives in the cirrus_tools library
 * so that tests can drive commands in-process. */
#include "tools/cli.h"
#include <locale.h>

int main(int argc, char **argv)
{
    /* The character set only (LC_CTYPE): under a UTF-8 locale such as
     * C.UTF-8, GLib then prints help texts' "±" and "…" as they are
     * instead of "?".  Numbers stay in the C locale's format (LC_NUMERIC
     * is untouched), as files and scripts expect. */
    setlocale(LC_CTYPE, "");
    return cirrus_main(argc, argv);
}
