/* cirrus — the command line (DESIGN.md §2, contract).  Each command is a
 * function taking its own argv (argv[0] is the command name) and returning
 * the exit status: 0 ok, 1 the run or its output failed, 2 bad command line
 * or scenario. */
#ifndef CIRRUS_TOOLS_CLI_H
#define CIRRUS_TOOLS_CLI_H

int cirrus_main(int argc, char **argv);
int cirrus_cmd_run(int argc, char **argv);
int cirrus_cmd_validate(int argc, char **argv);
int cirrus_cmd_bench(int argc, char **argv);
int cirrus_cmd_plot(int argc, char **argv);
int cirrus_cmd_compare(int argc, char **argv);
int cirrus_cmd_report(int argc, char **argv);
int cirrus_cmd_sweep(int argc, char **argv);
int cirrus_cmd_plan(int argc, char **argv);

/* Print "cirrus: <message>" on stderr and return the exit status for it. */
#include <glib.h>
int cirrus_cli_fail(GError *error);
/* fprintf(stderr, ...), on MPI rank 0 only (tools/mpi.h): under mpirun
 * the other ranks would say the same. */
void cirrus_cli_error(const char *format, ...) G_GNUC_PRINTF(1, 2);
/* Parse a command's options (argv[0] is the command's name) and check
 * that between min_args and max_args (-1: no limit) arguments remain:
 * -1 to go on, else the exit status 2 after saying on stderr what was
 * wrong ("expected <expected>" for a wrong count). */
int cirrus_cli_parse_args(int *argc, char ***argv, GOptionEntry *entries, const char *usage,
                          const char *description, int min_args, int max_args, const char *expected);
/* The same for a command that takes one SCENARIO argument. */
int cirrus_cli_parse(int *argc, char ***argv, GOptionEntry *entries, const char *usage, const char *description,
                     char **scenario);

#endif
