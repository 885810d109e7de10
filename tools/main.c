/* cirrus — entry point; everything else lives in the cirrus_tools library
 * so that tests can drive commands in-process. */
#include "tools/cli.h"
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

int main(int argc, char **argv)
{
    /* The character set only (LC_CTYPE): under a UTF-8 locale such as
     * C.UTF-8, GLib then prints help texts' "±" and "…" as they are
     * instead of "?".  Numbers stay in the C locale's format (LC_NUMERIC
     * is untouched), as files and scripts expect. */
    setlocale(LC_CTYPE, "");
#ifdef __GLIBC__
    /* HDF5 compresses each chunk with zlib, whose few hundred KB of state
     * are allocated and freed per chunk.  glibc gives the top of the heap
     * back to the kernel on each such free (brk) and takes it again on the
     * next, faulting in and zeroing fresh pages: 1,083 brk calls per
     * simulated day of the mm4 validation scenario, and 0.56 s of system
     * time in 4 replications of it, a fifth of their run
     * (docs/performance.md, "Replications and -j").  Freed memory up to
     * 64 MB stays with the process instead. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
    return cirrus_main(argc, argv);
}
