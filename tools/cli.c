/* cirrus — command dispatch, --help and --version. */
#include "tools/cli.h"
#include "tools/mpi.h"
#include "sim/kernel/error.h"
#include "sim/loader/suggest.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    gboolean ranks;   /* spreads its work over MPI ranks under mpirun (tools/mpi.h) */
} Command;

static const Command commands[] = {
    {"run", cirrus_cmd_run, "run a scenario; write HDF5 series, a summary, optional JSON", FALSE},
    {"validate", cirrus_cmd_validate, "check a scenario; print errors and warnings only", FALSE},
    {"plot", cirrus_cmd_plot, "draw a run's series (PNG or SVG) through gnuplot", FALSE},
    {"compare", cirrus_cmd_compare, "put the summaries of runs side by side, with differences and overlay plots", FALSE},
    {"sweep", cirrus_cmd_sweep, "run a scenario over a grid of --set values, with replications; one HDF5 file", TRUE},
    {"plan", cirrus_cmd_plan, "find the cheapest value of a capacity knob that meets service levels", FALSE},
    {"report", cirrus_cmd_report, "write one self-contained HTML page about a run", FALSE},
    {"bench", cirrus_cmd_bench, "measure the event kernel's speed on this machine", FALSE},
};

static void print_help(FILE *out)
{
    fprintf(out, "cirrus %s — a discrete-event simulator of cloud architectures\n\n"
                 "Usage: cirrus COMMAND [OPTIONS]\n\nCommands:\n", CIRRUS_VERSION);
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s %s\n", "version", "print the version (also --version, -v)");
    fprintf(out, "\n'cirrus COMMAND --help' describes a command's options.\n"
                 "Exit status: 0 ok, 1 the run or its output failed, 2 bad command line or scenario.\n");
}

int cirrus_cli_parse_args(int *argc, char ***argv, GOptionEntry *entries, const char *usage,
                          const char *description, int min_args, int max_args, const char *expected)
{
    GError *error = NULL;
    /* GLib's "Usage:" line names the program by g_get_prgname(): make it
     * "cirrus run", not "run" (argv[0] here is the command's name). */
    char *prgname = g_strdup_printf("cirrus %s", (*argv)[0]);
    g_set_prgname(prgname);
    g_free(prgname);
    GOptionContext *ctx = g_option_context_new(usage);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (description) g_option_context_set_description(ctx, description);
    gboolean ok = g_option_context_parse(ctx, argc, argv, &error);
    g_option_context_free(ctx);
    if (!ok) {
        cirrus_cli_error("cirrus %s: %s\n", (*argv)[0], error->message);
        g_error_free(error);
        return 2;
    }
    int args = *argc - 1;
    if (args < min_args || (max_args >= 0 && args > max_args)) {
        cirrus_cli_error("cirrus %s: expected %s (see 'cirrus %s --help')\n", (*argv)[0], expected, (*argv)[0]);
        return 2;
    }
    return -1;
}

int cirrus_cli_parse(int *argc, char ***argv, GOptionEntry *entries, const char *usage,
                     const char *description, char **scenario)
{
    int status = cirrus_cli_parse_args(argc, argv, entries, usage, description, 1, 1, "one scenario file");
    if (status < 0) *scenario = (*argv)[1];
    return status;
}

int cirrus_cli_fail(GError *error)
{
    int status = cirrus_error_exit_status(error);
    cirrus_cli_error("cirrus: %s\n", error->message);
    g_error_free(error);
    return status;
}

void cirrus_cli_error(const char *format, ...)
{
    if (cirrus_mpi_rank() != 0) return;
    va_list ap;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
}

/* Under mpirun with several ranks: -1 to go on when the command spreads
 * its work over the ranks (and MPI is built in), else the exit status,
 * said once: the ranks would each run it whole, writing the same files
 * at the same time. */
static int join_ranks(const Command *c)
{
    GError *error = NULL;
    if (!c->ranks)
        error = g_error_new(CIRRUS_ERROR, CIRRUS_ERROR_USAGE,
                            "'cirrus %s' runs in one process: under mpirun with %u ranks only 'cirrus sweep' "
                            "spreads its runs over them (start it without mpirun, or with -np 1)",
                            c->name, cirrus_mpi_launched());
    else
        cirrus_mpi_start(&error);
    return error ? cirrus_cli_fail(error) : -1;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-v") == 0 || strcmp(cmd, "version") == 0) {
        printf("cirrus %s\n", CIRRUS_VERSION);
        return 0;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            int status = cirrus_mpi_launched() > 1 ? join_ranks(&commands[i]) : -1;
            return status >= 0 ? status : commands[i].run(argc - 1, argv + 1);
        }
    fprintf(stderr, "cirrus: unknown command '%s'", cmd);
    const char *names[G_N_ELEMENTS(commands)];
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) names[i] = commands[i].name;
    GString *hint = g_string_new(NULL);
    cirrus_suggest_append(hint, cmd, names, G_N_ELEMENTS(commands));
    fprintf(stderr, "%s; 'cirrus --help' lists the commands\n", hint->str);
    g_string_free(hint, TRUE);
    return 2;
}

/* Output that did not reach stdout (a full disk, /dev/full, a closed
 * descriptor) is a failed run, not a success: stdio only reports it when
 * the buffer is flushed, so check once at the end. */
int cirrus_main(int argc, char **argv)
{
    int status = dispatch(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "cirrus: cannot write to standard output: %s\n",
                errno ? g_strerror(errno) : "write error");
        if (status == 0) status = 1;
    }
    cirrus_mpi_finish();
    return status;
}
