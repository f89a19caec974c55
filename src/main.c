/* main.c — the `alfe` command line: subcommands, usage, exit codes.
 *   0 success (also a graceful stop on a signal), 1 run-time failure,
 *   2 bad input or usage.
 * Owns: argument parsing and the single place where errors are printed. */
#include "alfe/campaign_io.h"
#include "alfe/comm.h"
#include "alfe/config.h"
#include "alfe/coordinator.h"
#include "alfe/error.h"
#include "alfe/stopflag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const USAGE =
    "usage: alfe <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  run CONFIG           start a campaign, or resume it if its file exists\n"
    "  info CAMPAIGN.h5     status per round: points pending / done / failed, timings\n"
    "  help config          every configuration key: type, default, range, meaning\n"
    "  version              print the version and build information\n"
    "\n"
    "`alfe COMMAND --help` describes one command.  Exit codes: 0 success (also after a\n"
    "graceful stop on SIGTERM/SIGUSR1), 1 run-time failure, 2 bad input or usage.\n"
    "Run in parallel with: mpirun -n P alfe run CONFIG (rank 0 coordinates).\n";

static const char *const RUN_USAGE =
    "usage: [mpirun -n P] alfe run CONFIG\n"
    "\n"
    "Starts the campaign described by CONFIG (INI; see `alfe help config`), or resumes\n"
    "it when its output file exists: completed rows stay, pending rows are redone, and\n"
    "more rounds are added when [campaign] rounds was raised.  Keys that define the\n"
    "campaign may not change (the message names the key).  SIGTERM or SIGUSR1 stop it\n"
    "gracefully: no new points are handed out, points in flight are written, exit 0;\n"
    "run the same command again to continue.  Progress goes to stdout and to\n"
    "OUTPUT.log; the run record (config, build, timers) goes into the file.\n";

static const char *const INFO_USAGE =
    "usage: alfe info CAMPAIGN.h5\n"
    "\n"
    "Prints the campaign's status per round (points, done, failed, pending, timings,\n"
    "points per criterion) and whether it is complete.  Reads the file only.\n";

static int report(int status)
{
    if (status != ALFE_OK && comm_rank() == 0) {
        fprintf(stderr, "alfe: error: %s\n", alfe_error_message());
        if (getenv("ALFE_TRACE") || status == ALFE_ERR_RUNTIME)
            fprintf(stderr, "%s", alfe_error_trace());
    }
    return status;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

static int command_run(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(RUN_USAGE, stdout);
        return ALFE_OK;
    }
    /* Before MPI_Init, which takes a while: a signal during start-up stops
     * the run gracefully too instead of killing a rank. */
    stopflag_install();
    if (comm_init(&argc, &argv) != ALFE_OK)
        return report(ALFE_ERR_RUNTIME);
    int status;
    if (argc != 3) {
        status = ALFE_FAIL(ALFE_ERR_INPUT, "run takes one argument, the config file (see "
                                           "`alfe run --help`)");
    } else {
        campaign_library_init();
        status = coordinator_run(argv[2]);
    }
    report(status);
    comm_finalize();
    return status;
}

static int command_info(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(INFO_USAGE, stdout);
        return ALFE_OK;
    }
    if (argc != 3)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "info takes one argument, the campaign file"));
    campaign_library_init();
    return report(campaign_print_info(argv[2], stdout));
}

static int command_help(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[2], "config")) {
        config_print_help(stdout);
        return ALFE_OK;
    }
    if (argc >= 3 && strcmp(argv[2], "--help") && strcmp(argv[2], "-h"))
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "unknown help topic '%s' (try: alfe help config)",
                                argv[2]));
    fputs(USAGE, stdout);
    return ALFE_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return ALFE_ERR_INPUT;
    }
    const char *command = argv[1];
    if (!strcmp(command, "run"))
        return command_run(argc, argv);
    if (!strcmp(command, "info"))
        return command_info(argc, argv);
    if (!strcmp(command, "help") || !strcmp(command, "--help") || !strcmp(command, "-h"))
        return command_help(argc, argv);
    if (!strcmp(command, "version") || !strcmp(command, "--version")) {
        printf("alfe %s (git %s), campaign format %d.%d, built with gcc %s, flags %s\n",
               ALFE_VERSION, ALFE_GIT_COMMIT, CAMPAIGN_FORMAT_MAJOR, CAMPAIGN_FORMAT_MINOR,
               __VERSION__, ALFE_BUILD_FLAGS);
        return ALFE_OK;
    }
    return report(ALFE_FAIL(ALFE_ERR_INPUT, "unknown command '%s' (see `alfe help`)", command));
}
