/* main.c — the `alfe` command line: subcommands, usage, exit codes.
 *   0 success (also a graceful stop on a signal), 1 run-time failure,
 *   2 bad input or usage, 3 (alfe run) stopped because a worker rank was
 *   silent past [run] worker_timeout_seconds: resume (ALFE_EXIT_RESUME).
 * Owns: argument parsing and the single place where errors are printed. */
#include "alfe/io/campaign_info.h"
#include "alfe/io/campaign_io.h"
#include "alfe/base/comm.h"
#include "alfe/io/config.h"
#include "alfe/run/coordinator.h"
#include "alfe/space/domain.h"
#include "alfe/run/evaluate.h"
#include "alfe/run/system.h"
#include "alfe/base/linalg.h"
#include "alfe/network/invariants.h"
#include "alfe/run/metrics.h"
#include "alfe/network/invariants_group.h"
#include "alfe/io/model_io.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/base/error.h"
#include "alfe/base/stopflag.h"
#include "alfe/base/table.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const USAGE =
    "usage: alfe <command> [arguments]\n"
    "\n"
    "commands:\n"
    "  run CONFIG           start a campaign, or resume it if its file exists\n"
    "  info CAMPAIGN.h5     status per round: points pending / done / failed, timings\n"
    "  train CONFIG         retrain the latest round's committee from the stored data\n"
    "  mc CONFIG --kappa K  run one Monte Carlo chain (model = clex), print JSON\n"
    "  predict FILE --points P   committee g and mu (mean, std) at the points of P\n"
    "  invariants CONFIG --degree D [-o FILE]\n"
    "                       invariant polynomials of the configured system's symmetry\n"
    "  import-keras W.h5 --invariants F --scale S -o MODEL.h5\n"
    "                       convert a Keras IDNN of the published workflow\n"
    "  regions CONFIG -o DIR [--force]\n"
    "                       write the [metrics] auto_regions of CONFIG as DIR/NAME.txt\n"
    "  help config          every configuration key: type, default, range, meaning\n"
    "  version              print the version and build information\n"
    "\n"
    "`alfe COMMAND --help` describes one command; options take their value as\n"
    "--option VALUE or --option=VALUE.  Exit codes: 0 success (also after a\n"
    "graceful stop on SIGTERM/SIGUSR1), 1 run-time failure, 2 bad input or usage,\n"
    "3 `run` stopped because a worker rank was silent too long (resume it).\n"
    "Run in parallel with: mpirun -n P alfe run CONFIG (rank 0 coordinates).\n";

static const char *const RUN_USAGE =
    "usage: [mpirun -n P] alfe run CONFIG\n"
    "\n"
    "Starts the campaign described by CONFIG (INI; see `alfe help config`), or resumes\n"
    "it when its output file exists: completed rows stay, pending rows are redone, and\n"
    "more rounds are added when [campaign] rounds was raised.  Keys that define the\n"
    "campaign may not change (the message names the key).  SIGTERM or SIGUSR1 stop it\n"
    "gracefully: no new points are handed out, points in flight are written, exit 0;\n"
    "run the same command again to continue.  A worker rank silent (no result of its\n"
    "point) for [run] worker_warn_seconds is reported; past worker_timeout_seconds the\n"
    "run stops with the campaign resumable and exit status 3 (jobs/al_round.sh\n"
    "resubmits).  Progress goes to stdout and to OUTPUT.log; the run record (config,\n"
    "build, timers) goes into the file.\n";

static const char *const INFO_USAGE =
    "usage: alfe info CAMPAIGN.h5\n"
    "\n"
    "Prints the campaign's status per round (points, done, failed, pending, timings,\n"
    "points per criterion) and whether it is complete.  Reads the file only.\n";

static const char *const MC_USAGE =
    "usage: alfe mc CONFIG --kappa k0,k1,... [--phi p0,p1,...] [--temperature T] [--seed S]\n"
    "\n"
    "Evaluates one point as a campaign does: [mc] chains umbrella-biased Monte Carlo\n"
    "chains (default 2, from different starts) with CONFIG's system ([system] model =\n"
    "clex) and [mc] settings, centred at kappa (d values), and prints one JSON object:\n"
    "eta_mean, mu, mu_stderr, tau (d values each; tau null: not estimated), converged,\n"
    "frozen (and frozen_reason when frozen), passes, samples (summed over the chains),\n"
    "equilibration_samples, acceptance, chains, chains_agree, chains_chi2,\n"
    "chains_chi2_limit (the chains' agreement test), eta_cov, hessian, hessian_stderr (d x d each:\n"
    "the covariance of eta and the Hessian of g from it, docs/monte-carlo.md),\n"
    "hessian_poorly_resolved (the j whose H_jj has a relative error of 50 % or more),\n"
    "seconds.  --phi takes 1 or d values (default:\n"
    "[umbrella] phi), --temperature defaults to [system] temperature, --seed is the\n"
    "point's stream seed (default: the seed a campaign gives its point 0).\n";

static const char *const PREDICT_USAGE =
    "usage: alfe predict CAMPAIGN_OR_MODEL --points FILE [--round R] [--hessian]\n"
    "\n"
    "Evaluates the committee stored in a campaign (/models of round R, default the\n"
    "latest) or in a model file at every point of FILE (one point per line: d numbers\n"
    "separated by spaces, tabs or commas; '#' comments) and prints whitespace columns\n"
    "with a header line: g, g_std,\n"
    "mu_0..mu_{d-1}, mu_std_0..mu_std_{d-1} (committee mean and standard deviation,\n"
    "eV per prim cell), with --hessian the eigenvalues of the committee-mean\n"
    "Hessian of g in ascending order, and last in_domain: 1 when the point lies in the\n"
    "campaign's domain (0 <= x(eta) <= 1, /system/Q), 0 outside (the committee\n"
    "extrapolates; a warning on stderr counts them), -1 for a model file (no domain).\n"
    "R counts from 0, as the run log (\"round R (R+1 of N)\"), alfe info and /rounds/NNNN.\n"
    "When a row holds NaN or infinity (the committee overflows, e.g. far outside the\n"
    "domain), the rows are still printed, then an error names the count and the first\n"
    "such point and the exit status is 2.\n";

static const char *const IMPORT_USAGE =
    "usage: alfe import-keras WEIGHTS.h5 --invariants FILE --scale S -o MODEL.h5\n"
    "                         [--activation tanh|softplus|sigmoid] [--force]\n"
    "\n"
    "Reads the Keras weights of an IDNN of the published workflow (groups\n"
    "dnn_layers/dense, dense_1, ...: kernels [in, out], biases; hidden activation tanh\n"
    "unless given; linear output whose value is S * g) with the invariants of FILE\n"
    "(one formula per line in e0..e(d-1); see docs/invariants.md) and writes an alfe\n"
    "model file usable by `alfe predict` and as [oracle] network.  An existing\n"
    "MODEL.h5 is not replaced (exit 2) unless --force is given.\n";

static const char *const INVARIANTS_USAGE =
    "usage: alfe invariants CONFIG --degree D [-o FILE [--force]]\n"
    "\n"
    "Generates the invariant polynomials of the order parameters of CONFIG's system\n"
    "([system] prim, ordering_cell, q_file, dimension): the group acting on eta is\n"
    "built from the prim's space group and the translations of the ordering cell, and\n"
    "Reynolds averages of monomials up to degree D are kept lowest degree first,\n"
    "leaving out products of lower-degree ones (docs/invariants.md).  Writes a formula\n"
    "file for [network] invariants (default: standard output).  An existing FILE is\n"
    "not replaced (exit 2) unless --force is given.\n";

static int report(int status)
{
    if (status != ALFE_OK && comm_rank() == 0) {
        fprintf(stderr, "alfe: error: %s\n", alfe_error_message());
        if (getenv("ALFE_TRACE") || status == ALFE_ERR_RUNTIME)
            fprintf(stderr, "%s", alfe_error_trace());
    }
    return status;
}

/* ------------------------------------------------------------------------
 * Command-line parsing: every command reads its arguments with getopt_long
 * into its own options struct (so --opt=value and --opt value both work).
 * A parse function only records a message with ALFE_FAIL; the command
 * reports it (for `run` and `train` after MPI start-up, so that one rank
 * prints it).  --help wins over any other mistake on the line. */

enum { OPT_HELP = 'h', OPT_OUTPUT = 'o', OPT_LONG_ONLY = 256, OPT_FORCE = 200 };

typedef struct {
    const char *command;         /* "mc", for messages */
    const struct option *longopts; /* terminated by a zero entry */
    const char *shortopts;       /* must start with ':' */
    char *operands[3];
    int n_operands;
    int help;
} command_line;

/* The long option named by `arg` ("--name" or "--name=value"); how many
 * long options it abbreviates goes to *matches. */
static const struct option *long_option_named(const command_line *cl, const char *arg,
                                              int *matches)
{
    const char *name = arg + 2;
    size_t n = strcspn(name, "=");
    const struct option *found = NULL;
    *matches = 0;
    for (const struct option *o = cl->longopts; o->name; o++) {
        if (strncmp(o->name, name, n))
            continue;
        if (strlen(o->name) == n) {
            *matches = 1;
            return o;
        }
        found = o;
        (*matches)++;
    }
    return found;
}

/* The message for what getopt_long refused (':' missing value, '?' other). */
static int command_line_fail(const command_line *cl, int key, char **argv, int index)
{
    const char *arg = index > 0 ? argv[index - 1] : "";
    int is_long = !strncmp(arg, "--", 2);
    int matches = 0;
    const struct option *o = is_long ? long_option_named(cl, arg, &matches) : NULL;
    size_t name_len = is_long ? strcspn(arg, "=") : 0;
    if (key == ':') {
        if (is_long && o)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s: option --%s needs a value (see `alfe %s "
                             "--help`)", cl->command, o->name, cl->command);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: option -%c needs a value (see `alfe %s --help`)",
                         cl->command, optopt, cl->command);
    }
    if (is_long && matches > 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: option '%.*s' is ambiguous (see `alfe %s --help`)",
                         cl->command, (int)name_len, arg, cl->command);
    if (is_long && o && optopt != 0 && o->has_arg == no_argument && strchr(arg, '='))
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: option --%s takes no value (see `alfe %s --help`)",
                         cl->command, o->name, cl->command);
    if (is_long && optopt == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: unknown option '%.*s' (see `alfe %s --help`)",
                         cl->command, (int)name_len, arg, cl->command);
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: unknown option '-%c' (see `alfe %s --help`)",
                     cl->command, optopt, cl->command);
}

/* Options go to take(opts, key, value); operands (in their order, the first
 * three kept) to cl->operands.  argv[1] is the command: getopt_long sees
 * argv + 1 (and moves the operands after the options). */
static int command_line_parse(command_line *cl, int argc, char **argv,
                              int (*take)(void *opts, int key, const char *value), void *opts)
{
    int status = ALFE_OK;
    cl->n_operands = 0;
    cl->help = 0;
    opterr = 0;
    optind = 0; /* glibc: start afresh */
    int key;
    while ((key = getopt_long(argc - 1, argv + 1, cl->shortopts, cl->longopts, NULL)) != -1) {
        if (key == OPT_HELP) {
            cl->help = 1;
        } else if (key == ':' || key == '?') {
            if (status == ALFE_OK)
                status = command_line_fail(cl, key, argv + 1, optind);
        } else {
            int rc = take(opts, key, optarg);
            if (status == ALFE_OK)
                status = rc;
        }
    }
    for (int i = optind + 1; i < argc; i++, cl->n_operands++)
        if (cl->n_operands < 3)
            cl->operands[cl->n_operands] = argv[i];
    return status;
}

/* More operands than the command takes. */
static int command_line_extra(const command_line *cl, int max_operands)
{
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: unexpected argument '%s' (see `alfe %s --help`)",
                     cl->command, cl->operands[max_operands], cl->command);
}

/* A campaign (or any HDF5 file) given where the INI configuration belongs:
 * say so instead of failing on its first line of binary. */
static int refuse_hdf5_config(const char *command, const char *path)
{
    static const unsigned char hdf5_signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return ALFE_OK; /* the config reader says "is a directory, not a config file" */
    ALFE_CHECK(alfe_require_regular_file(path)); /* a FIFO would block the fopen */
    FILE *f = fopen(path, "rb");
    if (!f)
        return ALFE_OK; /* the config reader names a missing file */
    unsigned char head[8];
    size_t got = fread(head, 1, sizeof head, f);
    fclose(f);
    if (got == sizeof head && !memcmp(head, hdf5_signature, sizeof head))
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s is an HDF5 file (a campaign or model?): alfe %s "
                         "needs the configuration file (INI, see `alfe help config`), not the "
                         "campaign; `alfe info %s` shows a campaign's status", path, command,
                         path);
    return ALFE_OK;
}

/* -o/--output never replaces an existing file unless --force is given: a
 * mistyped -o CAMPAIGN.h5 would otherwise destroy a campaign.  Devices and
 * FIFOs (/dev/stdout, /dev/null) are written as before. */
static int refuse_existing_output(const char *command, const char *path, int force)
{
    struct stat st;
    if (force || !path || stat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
        return ALFE_OK;
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: output %s already exists; not overwriting it (give "
                     "--force to replace it, or choose another -o)", command, path);
}

static int take_nothing(void *opts, int key, const char *value)
{
    (void)opts;
    (void)key;
    (void)value;
    return ALFE_OK;
}

static const struct option HELP_ONLY_OPTIONS[] = {{"help", no_argument, NULL, OPT_HELP},
                                                  {NULL, 0, NULL, 0}};

/* run, train, info: one operand and --help. */
typedef struct {
    const char *path;
    int help;
} path_options;

static int path_parse_options(const char *command, const char *what, int is_config, int argc,
                              char **argv, path_options *o)
{
    command_line cl = {.command = command, .longopts = HELP_ONLY_OPTIONS, .shortopts = ":h"};
    int status = command_line_parse(&cl, argc, argv, take_nothing, NULL);
    o->help = cl.help;
    o->path = cl.n_operands == 1 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands != 1)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s takes one argument, %s (see `alfe %s --help`)",
                           command, what, command);
    if (status == ALFE_OK && is_config)
        status = refuse_hdf5_config(command, o->path);
    return status;
}

static int command_run(int argc, char **argv)
{
    path_options o;
    int status = path_parse_options("run", "the config file", 1, argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(RUN_USAGE, stdout);
        return ALFE_OK;
    }
    /* Before MPI_Init, which takes a while: a signal during start-up stops
     * the run gracefully too instead of killing a rank. */
    stopflag_install();
    if (comm_init(&argc, &argv) != ALFE_OK)
        return report(ALFE_ERR_RUNTIME);
    if (status == ALFE_OK) {
        campaign_library_init();
        status = coordinator_run(o.path);
    }
    report(status);
    comm_finalize();
    return status;
}

static const char *const TRAIN_USAGE =
    "usage: [mpirun -n P] alfe train CONFIG\n"
    "\n"
    "Retrains the committee of the campaign's latest finished round from the stored\n"
    "rows with the [network] and [training] settings of CONFIG (warm start from the\n"
    "round before when [network] warm_start = yes), and replaces that round's models\n"
    "(/models/NNNN) and metrics.  The campaign's fixed keys must not have changed.\n";

static int command_train(int argc, char **argv)
{
    path_options o;
    int status = path_parse_options("train", "the config file", 1, argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(TRAIN_USAGE, stdout);
        return ALFE_OK;
    }
    if (comm_init(&argc, &argv) != ALFE_OK)
        return report(ALFE_ERR_RUNTIME);
    if (status == ALFE_OK) {
        campaign_library_init();
        status = coordinator_train(o.path);
    }
    report(status);
    comm_finalize();
    return status;
}

static int command_info(int argc, char **argv)
{
    path_options o;
    int status = path_parse_options("info", "the campaign file", 0, argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(INFO_USAGE, stdout);
        return ALFE_OK;
    }
    if (status != ALFE_OK)
        return report(status);
    campaign_library_init();
    return report(campaign_print_info(o.path, stdout));
}

/* A list of numbers on the command line (commas, spaces or tabs between). */
static int parse_list(const char *text, double *values, int max, int *n)
{
    char *copy = ALFE_STRDUP(text);
    int count = table_split_row(copy, values, max);
    free(copy);
    if (count < 0 || count > max)
        return -1;
    *n = count;
    return 0;
}

static void print_json_array(const char *name, const double *v, int d)
{
    printf("\"%s\": [", name);
    for (int j = 0; j < d; j++) {
        if (isfinite(v[j]))
            printf("%s%.17g", j ? ", " : "", v[j]);
        else
            printf("%snull", j ? ", " : "");
    }
    printf("], ");
}

static void print_json_number(const char *name, double v)
{
    if (isfinite(v))
        printf("\"%s\": %.17g, ", name, v);
    else
        printf("\"%s\": null, ", name);
}

/* alfe mc: Cov(η), Ĥ and its stderr as d arrays of d (null: not measured or
 * not estimated), and the diagonal elements whose relative error is ≥ 50 %
 * (where 2φ_j swamps H_jj; docs/monte-carlo.md). */
static void print_curvature(const point_curvature *cv, int d)
{
    const char *names[3] = {"eta_cov", "hessian", "hessian_stderr"};
    for (int m = 0; m < 3; m++) {
        const double *v = !cv ? NULL : m == 0 ? cv->eta_cov : m == 1 ? cv->hessian
                                                                      : cv->hessian_stderr;
        printf("\"%s\": [", names[m]);
        for (int k = 0; k < d; k++) {
            printf("%s[", k ? ", " : "");
            for (int l = 0; l < d; l++) {
                const double x = v ? v[k * d + l] : NAN;
                if (isfinite(x))
                    printf("%s%.17g", l ? ", " : "", x);
                else
                    printf("%snull", l ? ", " : "");
            }
            printf("]");
        }
        printf("], ");
    }
    printf("\"hessian_poorly_resolved\": [");
    int first = 1;
    for (int j = 0; j < d; j++)
        if (!cv || !(cv->hessian_stderr[j * d + j] < 0.5 * fabs(cv->hessian[j * d + j]))) {
            printf("%s%d", first ? "" : ", ", j);
            first = 0;
        }
    printf("], ");
}

/* alfe mc: the texts of the values; they are read against the config's d. */
typedef struct {
    const char *config_path, *kappa, *phi, *temperature, *seed;
    int help;
} mc_options;

enum { MC_KAPPA = OPT_LONG_ONLY, MC_PHI, MC_TEMPERATURE, MC_SEED };

static int mc_take(void *opts, int key, const char *value)
{
    mc_options *o = opts;
    switch (key) {
    case MC_KAPPA: o->kappa = value; break;
    case MC_PHI: o->phi = value; break;
    case MC_TEMPERATURE: o->temperature = value; break;
    case MC_SEED: o->seed = value; break;
    }
    return ALFE_OK;
}

static int mc_parse_options(int argc, char **argv, mc_options *o)
{
    static const struct option longopts[] = {
        {"kappa", required_argument, NULL, MC_KAPPA},
        {"phi", required_argument, NULL, MC_PHI},
        {"temperature", required_argument, NULL, MC_TEMPERATURE},
        {"seed", required_argument, NULL, MC_SEED},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    command_line cl = {.command = "mc", .longopts = longopts, .shortopts = ":h"};
    int status = command_line_parse(&cl, argc, argv, mc_take, o);
    o->help = cl.help;
    o->config_path = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands > 1)
        status = command_line_extra(&cl, 1);
    if (status == ALFE_OK && (!o->config_path || !o->kappa))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "mc needs CONFIG and --kappa (see `alfe mc --help`)");
    if (status == ALFE_OK)
        status = refuse_hdf5_config("mc", o->config_path);
    return status;
}

static int command_mc(int argc, char **argv)
{
    mc_options o;
    int parsed = mc_parse_options(argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(MC_USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    const char *config_path = o.config_path, *kappa_text = o.kappa, *phi_text = o.phi,
               *temp_text = o.temperature, *seed_text = o.seed;
    campaign_library_init();
    alfe_config *cfg = NULL;
    int status = config_load_for(config_path, CONFIG_FOR_MC, &cfg);
    if (status != ALFE_OK)
        return report(status);
    const int d = cfg->dimension;
    point_input in;
    memset(&in, 0, sizeof in);
    int n = 0;
    if (parse_list(kappa_text, in.kappa, ALFE_MAX_DIM, &n) != 0 || n != d)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: --kappa needs %d finite numbers ([system] "
                                           "dimension), got '%s'", d, kappa_text);
    memcpy(in.phi, cfg->phi, sizeof in.phi);
    if (status == ALFE_OK && phi_text) {
        double phi[ALFE_MAX_DIM];
        if (parse_list(phi_text, phi, ALFE_MAX_DIM, &n) != 0 || (n != 1 && n != d))
            status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: --phi needs 1 or %d finite numbers, got '%s'",
                               d, phi_text);
        for (int j = 0; status == ALFE_OK && j < d; j++) {
            in.phi[j] = phi[n == 1 ? 0 : j];
            if (in.phi[j] < 0)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: --phi values must be >= 0, got %g",
                                   in.phi[j]);
        }
    }
    in.temperature = cfg->temperature;
    if (status == ALFE_OK && temp_text &&
        (alfe_parse_double(temp_text, &in.temperature) != 0 || !(in.temperature > 0)))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: --temperature must be a number > 0 K, got '%s'",
                           temp_text);
    in.seed = rng_stream_seed(cfg->seed, 0, RNG_PURPOSE_POINT);
    if (status == ALFE_OK && seed_text && alfe_parse_u64(seed_text, &in.seed) != 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: --seed must be an unsigned integer, got '%s'",
                           seed_text);
    if (status == ALFE_OK && cfg->model != MODEL_CLEX)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "mc: %s has [system] model = oracle; alfe mc runs "
                                           "Monte Carlo and needs model = clex", config_path);
    /* κ is the bias centre, not a state: it may leave the domain, but a
     * centre far outside (x(κ) beyond [-0.5, 1.5]) is probably a mistake. */
    domain *dom = NULL;
    if (status == ALFE_OK && domain_create(cfg->q, d, cfg->q_m, &dom) != ALFE_OK)
        alfe_error_clear(); /* the check is advisory; clex validation comes next */
    if (dom) {
        double x[4096];
        if (dom->m <= 4096) {
            domain_x_of_eta(dom, in.kappa, x);
            for (int s = 0; s < dom->m; s++)
                if (x[s] < -0.5 || x[s] > 1.5) {
                    fprintf(stderr, "alfe: warning: kappa is far outside the domain "
                                    "(sublattice %d would have fraction %.3g)\n", s, x[s]);
                    break;
                }
        }
        domain_destroy(&dom);
    }
    evaluator *ev = NULL;
    alfe_system *sys = NULL;
    if (status == ALFE_OK)
        status = system_create(cfg, SYSTEM_CLEX, &sys);
    if (status == ALFE_OK)
        status = evaluator_create(sys, &ev);
    point_result res;
    if (status == ALFE_OK)
        status = evaluator_run(ev, &in, &res);
    if (status == ALFE_OK) {
        printf("{");
        print_json_array("eta_mean", res.eta_mean, d);
        print_json_array("mu", res.mu, d);
        print_json_array("mu_stderr", res.mu_stderr, d);
        print_json_array("tau", res.tau, d);
        printf("\"converged\": %s, \"frozen\": %s, ", res.converged ? "true" : "false",
               res.frozen ? "true" : "false");
        if (res.frozen)
            printf("\"frozen_reason\": \"%s\", ", res.frozen_reason);
        printf("\"passes\": %lld, \"samples\": %lld, "
               "\"equilibration_samples\": %lld, \"acceptance\": %.17g, ",
               (long long)res.passes, (long long)res.samples,
               (long long)res.equilibration_samples, res.acceptance);
        printf("\"chains\": %d, \"chains_agree\": %s, ", res.chains,
               res.chains_agree ? "true" : "false");
        if (res.chains > 1) {
            print_json_number("chains_chi2", res.chains_chi2);
            print_json_number("chains_chi2_limit", res.chains_chi2_limit);
        }
        print_curvature(res.curvature, d);
        printf("\"seconds\": %.6f}\n", res.wall_seconds);
        if (res.frozen)
            fprintf(stderr, "alfe: warning: the chain is frozen (%s): not converged, its mu "
                            "is a bound set by the bias, not a measurement\n",
                    res.frozen_reason);
        else if (!res.chains_agree)
            fprintf(stderr, "alfe: warning: the %d chains disagree on mu_%d (chi^2 = %.3g, "
                            "limit %.3g): not converged; a chain is probably in a long-lived "
                            "metastable state, and mu_stderr includes the spread between the "
                            "chains (docs/monte-carlo.md, \"Several chains per point\")\n",
                    res.chains, res.chains_worst, res.chains_chi2, res.chains_chi2_limit);
    }
    evaluator_destroy(&ev);
    system_destroy(&sys);
    config_destroy(&cfg);
    return report(status);
}

/* Points file: a table file (base/table.h) of d numbers per line. */
static int read_points(const char *path, int d, double **points, int *n)
{
    char why[64];
    snprintf(why, sizeof why, "the model has d = %d", d);
    table_shape shape = {.columns = d, .row_name = "point", .why = why};
    number_table *t = NULL;
    ALFE_CHECK(table_read(path, &shape, &t));
    *points = t->values ? t->values : ALFE_MALLOC(sizeof(double) * (size_t)d);
    *n = t->rows;
    t->values = NULL;
    table_destroy(&t);
    return ALFE_OK;
}

/* alfe predict */
typedef struct {
    const char *path, *points;
    long long round; /* -1: the latest */
    int hessian, help;
} predict_options;

enum { PREDICT_POINTS = OPT_LONG_ONLY, PREDICT_ROUND, PREDICT_HESSIAN };

static int predict_take(void *opts, int key, const char *value)
{
    predict_options *o = opts;
    switch (key) {
    case PREDICT_POINTS: o->points = value; break;
    case PREDICT_HESSIAN: o->hessian = 1; break;
    case PREDICT_ROUND:
        if (alfe_parse_long(value, &o->round) != 0 || o->round < 0 || o->round > INT_MAX)
            return ALFE_FAIL(ALFE_ERR_INPUT, "predict: --round must be an integer in [0, %d], "
                             "got '%s'", INT_MAX, value);
        break;
    }
    return ALFE_OK;
}

static int predict_parse_options(int argc, char **argv, predict_options *o)
{
    static const struct option longopts[] = {
        {"points", required_argument, NULL, PREDICT_POINTS},
        {"round", required_argument, NULL, PREDICT_ROUND},
        {"hessian", no_argument, NULL, PREDICT_HESSIAN},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->round = -1;
    command_line cl = {.command = "predict", .longopts = longopts, .shortopts = ":h"};
    int status = command_line_parse(&cl, argc, argv, predict_take, o);
    o->help = cl.help;
    o->path = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands > 1)
        status = command_line_extra(&cl, 1);
    if (status == ALFE_OK && (!o->path || !o->points))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "predict needs a campaign or model file and "
                                           "--points FILE (see `alfe predict --help`)");
    return status;
}

static int command_predict(int argc, char **argv)
{
    predict_options o;
    int parsed = predict_parse_options(argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(PREDICT_USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    const char *path = o.path, *points_path = o.points;
    const long long round = o.round;
    const int hessian = o.hessian;
    campaign_library_init();
    idnn_committee *ms = NULL;
    int status = model_read(path, (int)round, &ms);
    double *eta = NULL;
    int n = 0;
    if (status == ALFE_OK)
        status = read_points(points_path, ms->d, &eta, &n);
    /* The campaign's domain, to mark points where the committee extrapolates. */
    domain *dom = NULL;
    int *inside = NULL;
    if (status == ALFE_OK) {
        double *q = NULL;
        int qd = 0, qm = 0;
        status = model_read_q(path, &q, &qd, &qm);
        if (status == ALFE_OK && q && qd == ms->d)
            status = domain_create(q, qd, qm, &dom);
        free(q);
    }
    if (status == ALFE_OK) {
        inside = ALFE_MALLOC(sizeof(int) * (size_t)(n ? n : 1));
        int outside = 0, first = -1;
        for (int i = 0; i < n; i++) {
            inside[i] = dom ? domain_contains(dom, eta + (size_t)i * ms->d, 1e-9) : -1;
            if (inside[i] == 0 && outside++ == 0)
                first = i;
        }
        if (outside > 0)
            fprintf(stderr, "alfe: warning: %s: %d of %d points lie outside the campaign's "
                            "domain (0 <= x(eta) <= 1), the first is point %d (counting from 0); "
                            "the committee extrapolates there (column in_domain = 0)\n",
                    points_path, outside, n, first);
    }
    if (status == ALFE_OK) {
        const int d = ms->d;
        double *g = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
        double *gs = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
        double *mu = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        double *mus = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        double *eig = hessian ? ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d) : NULL;
        idnn_committee_output out = {g, gs, mu, mus, NULL, eig};
        status = idnn_committee_predict(ms, n, eta, &out);
        if (status == ALFE_OK) {
            printf("# g g_std");
            for (int j = 0; j < d; j++)
                printf(" mu_%d", j);
            for (int j = 0; j < d; j++)
                printf(" mu_std_%d", j);
            for (int j = 0; hessian && j < d; j++)
                printf(" hess_eig_%d", j);
            printf(" in_domain\n");
            for (int i = 0; i < n && status == ALFE_OK; i++) {
                printf("%.12g %.6g", g[i], gs[i]);
                for (int j = 0; j < d; j++)
                    printf(" %.12g", mu[(size_t)i * d + j]);
                for (int j = 0; j < d; j++)
                    printf(" %.6g", mus[(size_t)i * d + j]);
                for (int j = 0; hessian && j < d; j++)
                    printf(" %.10g", eig[(size_t)i * d + j]);
                printf(" %d\n", inside[i]);
            }
            /* Far outside the domain the committee can overflow: say so
             * instead of leaving NaN or inf in the table silently. */
            int bad = 0, first_bad = -1;
            for (int i = 0; i < n; i++) {
                int finite = isfinite(g[i]) && isfinite(gs[i]);
                for (int j = 0; j < d; j++)
                    finite = finite && isfinite(mu[(size_t)i * d + j]) &&
                             isfinite(mus[(size_t)i * d + j]);
                for (int j = 0; hessian && j < d; j++)
                    finite = finite && isfinite(eig[(size_t)i * d + j]);
                if (!finite && bad++ == 0)
                    first_bad = i;
            }
            if (bad > 0) {
                fflush(stdout);
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: %d of %d points give non-finite results "
                                   "(NaN or infinity in their row), the first is point %d "
                                   "(counting from 0); the committee overflows there (points "
                                   "far outside the domain?)", points_path, bad, n, first_bad);
            }
        }
        free(g);
        free(gs);
        free(mu);
        free(mus);
        free(eig);
    }
    free(eta);
    free(inside);
    domain_destroy(&dom);
    idnn_committee_destroy(&ms);
    return report(status);
}

/* alfe import-keras */
typedef struct {
    const char *weights, *invariants, *output, *activation_name;
    double scale;
    int activation, force, help;
} import_options;

enum { IMPORT_INVARIANTS = OPT_LONG_ONLY, IMPORT_SCALE, IMPORT_ACTIVATION };

static int import_take(void *opts, int key, const char *value)
{
    import_options *o = opts;
    switch (key) {
    case IMPORT_INVARIANTS: o->invariants = value; break;
    case OPT_OUTPUT: o->output = value; break;
    case OPT_FORCE: o->force = 1; break;
    case IMPORT_SCALE:
        if (alfe_parse_double(value, &o->scale) != 0 || !(o->scale > 0))
            return ALFE_FAIL(ALFE_ERR_INPUT, "import-keras: --scale must be a number > 0, got "
                             "'%s'", value);
        break;
    case IMPORT_ACTIVATION:
        o->activation_name = value;
        o->activation = -1;
        for (int a = 0; a < IDNN_ACTIVATION_COUNT; a++)
            if (!strcmp(value, idnn_activation_names[a]))
                o->activation = a;
        if (o->activation < 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "import-keras: unknown activation '%s'", value);
        break;
    }
    return ALFE_OK;
}

static int import_parse_options(int argc, char **argv, import_options *o)
{
    static const struct option longopts[] = {
        {"invariants", required_argument, NULL, IMPORT_INVARIANTS},
        {"scale", required_argument, NULL, IMPORT_SCALE},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"activation", required_argument, NULL, IMPORT_ACTIVATION},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->activation_name = "tanh";
    o->activation = IDNN_TANH;
    command_line cl = {.command = "import-keras", .longopts = longopts, .shortopts = ":ho:"};
    int status = command_line_parse(&cl, argc, argv, import_take, o);
    o->help = cl.help;
    o->weights = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands > 1)
        status = command_line_extra(&cl, 1);
    if (status == ALFE_OK && (!o->weights || !o->invariants || !(o->scale > 0) || !o->output))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "import-keras needs WEIGHTS.h5, --invariants, "
                                           "--scale and -o (see `alfe import-keras --help`)");
    if (status == ALFE_OK)
        status = refuse_existing_output("import-keras", o->output, o->force);
    return status;
}

static int command_import_keras(int argc, char **argv)
{
    import_options o;
    int parsed = import_parse_options(argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(IMPORT_USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    const char *weights = o.weights, *inv_path = o.invariants, *output = o.output,
               *act_text = o.activation_name;
    const double scale = o.scale;
    const int activation = o.activation;
    campaign_library_init();
    /* d is the largest variable index used, + 1: read with the maximum and
     * shrink to what the formulas use. */
    invariant_set *inv = NULL;
    int status = invariant_set_read(inv_path, ALFE_MAX_DIM, &inv);
    if (status == ALFE_OK) {
        int d_used = 0;
        for (int k = 0; k < inv->m; k++)
            for (int t = 0; t < inv->poly[k].n_terms; t++)
                for (int j = 0; j < inv->d; j++)
                    if (inv->poly[k].pow[(size_t)t * inv->d + j] && j + 1 > d_used)
                        d_used = j + 1;
        invariant_set_destroy(&inv);
        status = invariant_set_read(inv_path, d_used, &inv);
    }
    idnn_committee *ms = NULL;
    if (status == ALFE_OK)
        status = model_import_keras(weights, inv, scale, activation, &ms);
    if (status == ALFE_OK) {
        char provenance[2048];
        snprintf(provenance, sizeof provenance,
                 "alfe import-keras %s --invariants %s --scale %g --activation %s", weights,
                 inv_path, scale, act_text);
        status = model_write(output, ms, provenance);
    }
    if (status == ALFE_OK)
        printf("wrote %s: %d invariants of d = %d, %d hidden layers, %zu parameters, scale %g\n",
               output, inv->m, inv->d, ms->members[0]->arch.n_layers, ms->members[0]->n_params,
               scale);
    idnn_committee_destroy(&ms);
    invariant_set_destroy(&inv);
    return report(status);
}

/* alfe invariants */
typedef struct {
    const char *config_path, *output;
    long long degree;
    int force, help;
} invariants_options;

enum { INVARIANTS_DEGREE = OPT_LONG_ONLY };

static int invariants_take(void *opts, int key, const char *value)
{
    invariants_options *o = opts;
    switch (key) {
    case OPT_OUTPUT: o->output = value; break;
    case OPT_FORCE: o->force = 1; break;
    case INVARIANTS_DEGREE:
        if (alfe_parse_long(value, &o->degree) != 0 || o->degree < 1 || o->degree > 32)
            return ALFE_FAIL(ALFE_ERR_INPUT, "invariants: --degree must be an integer in 1..32, "
                             "got '%s'", value);
        break;
    }
    return ALFE_OK;
}

static int invariants_parse_options(int argc, char **argv, invariants_options *o)
{
    static const struct option longopts[] = {
        {"degree", required_argument, NULL, INVARIANTS_DEGREE},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    command_line cl = {.command = "invariants", .longopts = longopts, .shortopts = ":ho:"};
    int status = command_line_parse(&cl, argc, argv, invariants_take, o);
    o->help = cl.help;
    o->config_path = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands > 1)
        status = command_line_extra(&cl, 1);
    if (status == ALFE_OK && (!o->config_path || o->degree == 0))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "invariants needs CONFIG and --degree D (1..32)");
    if (status == ALFE_OK)
        status = refuse_hdf5_config("invariants", o->config_path);
    if (status == ALFE_OK)
        status = refuse_existing_output("invariants", o->output, o->force);
    return status;
}

static int command_invariants(int argc, char **argv)
{
    invariants_options o;
    int parsed = invariants_parse_options(argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(INVARIANTS_USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    const char *config_path = o.config_path, *output = o.output;
    const long long degree = o.degree;
    campaign_library_init();
    alfe_config *cfg = NULL;
    int status = config_load_for(config_path, CONFIG_FOR_MC, &cfg);
    if (status == ALFE_OK && (!cfg->prim_path || !cfg->prim_path[0]))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "invariants: %s has no [system] prim (model = clex "
                                           "systems carry the symmetry)", config_path);
    double *ops = NULL;
    int n_ops = 0;
    invariant_set *inv = NULL;
    if (status == ALFE_OK)
        status = invariants_group_from_prim(cfg->prim_path, cfg->ordering_cell, cfg->q,
                                            cfg->dimension, cfg->q_m, &ops, &n_ops);
    if (status == ALFE_OK)
        status = invariants_from_group(cfg->dimension, n_ops, ops, (int)degree, &inv);
    if (status == ALFE_OK) {
        char comment[4096];
        snprintf(comment, sizeof comment,
                 "generated by: alfe invariants %s --degree %lld (group of %d matrices on eta)",
                 config_path, degree, n_ops);
        status = invariant_set_write(inv, output ? output : "/dev/stdout", comment);
        if (status == ALFE_OK && output)
            printf("wrote %s: %d invariants of degree <= %lld\n", output, inv->m, degree);
    }
    invariant_set_destroy(&inv);
    free(ops);
    config_destroy(&cfg);
    return report(status);
}

/* alfe regions */
static const char *const REGIONS_USAGE =
    "usage: alfe regions CONFIG -o DIR [--force]\n"
    "\n"
    "Makes the automatic regions of CONFIG's [metrics] auto_regions from its oracle\n"
    "(model = oracle: analytic, [oracle] free_energy or [oracle] network) and the\n"
    "campaign seed, exactly as `alfe run` stores them in /regions, and writes each\n"
    "as DIR/NAME.txt: '#' header lines, then one row per point, d eta columns and d\n"
    "columns of the oracle's exact mu (a [metrics] regions file or an `alfe predict\n"
    "--points` file).  DIR is created when missing; existing files are refused\n"
    "unless --force.  No campaign is run or opened.\n";

typedef struct {
    const char *config_path, *output;
    int force, help;
} regions_options;

static int regions_take(void *opts, int key, const char *value)
{
    regions_options *o = opts;
    switch (key) {
    case OPT_OUTPUT: o->output = value; break;
    case OPT_FORCE: o->force = 1; break;
    }
    return ALFE_OK;
}

static int command_regions(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0}};
    regions_options o;
    memset(&o, 0, sizeof o);
    command_line cl = {.command = "regions", .longopts = longopts, .shortopts = ":ho:"};
    int status = command_line_parse(&cl, argc, argv, regions_take, &o);
    o.help = cl.help;
    o.config_path = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (o.help) {
        alfe_error_clear();
        fputs(REGIONS_USAGE, stdout);
        return ALFE_OK;
    }
    if (status == ALFE_OK && cl.n_operands > 1)
        status = command_line_extra(&cl, 1);
    if (status == ALFE_OK && (!o.config_path || !o.output))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "regions needs CONFIG and -o DIR");
    if (status == ALFE_OK)
        status = refuse_hdf5_config("regions", o.config_path);
    if (status != ALFE_OK)
        return report(status);
    campaign_library_init();
    return report(metrics_regions_command(o.config_path, o.output, o.force));
}

static const char *const VERSION_USAGE =
    "usage: alfe version\n"
    "\n"
    "Prints the version, the git commit it was built from, the campaign file format\n"
    "and the compiler and flags of the build.\n";

/* alfe help [TOPIC], alfe version: --help and operands only. */
typedef struct {
    const char *topic;
    int help;
} topic_options;

static int topic_parse_options(const char *command, int max_operands, int argc, char **argv,
                               topic_options *o)
{
    command_line cl = {.command = command, .longopts = HELP_ONLY_OPTIONS, .shortopts = ":h"};
    int status = command_line_parse(&cl, argc, argv, take_nothing, NULL);
    o->help = cl.help;
    o->topic = cl.n_operands > 0 ? cl.operands[0] : NULL;
    if (status == ALFE_OK && cl.n_operands > max_operands)
        status = command_line_extra(&cl, max_operands);
    return status;
}

static int command_help(int argc, char **argv)
{
    topic_options o;
    int parsed = topic_parse_options("help", 1, argc, argv, &o);
    if (o.help || (parsed == ALFE_OK && !o.topic)) {
        alfe_error_clear();
        fputs(USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    if (!strcmp(o.topic, "config")) {
        config_print_help(stdout);
        return ALFE_OK;
    }
    return report(ALFE_FAIL(ALFE_ERR_INPUT, "unknown help topic '%s' (try: alfe help config)",
                            o.topic));
}

static int command_version(int argc, char **argv)
{
    topic_options o;
    int parsed = topic_parse_options("version", 0, argc, argv, &o);
    if (o.help) {
        alfe_error_clear();
        fputs(VERSION_USAGE, stdout);
        return ALFE_OK;
    }
    if (parsed != ALFE_OK)
        return report(parsed);
    printf("alfe %s (git %s), campaign format %d.%d, built with gcc %s, flags %s\n",
           ALFE_VERSION, ALFE_GIT_COMMIT, CAMPAIGN_FORMAT_MAJOR, CAMPAIGN_FORMAT_MINOR,
           __VERSION__, ALFE_BUILD_FLAGS);
    return ALFE_OK;
}

int main(int argc, char **argv)
{
    alfe_set_fatal_hook(comm_abort); /* a rank-local fatal error stops the job */
    /* A file-size limit (ulimit -f) must not kill a rank in the middle of a
     * write: ignored, the write fails with EFBIG and alfe reports it like a
     * full disk (exit 1, the campaign's backup kept; docs/restart.md). */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        fputs(USAGE, stderr);
        return ALFE_ERR_INPUT;
    }
    const char *command = argv[1];
    if (!strcmp(command, "run"))
        return command_run(argc, argv);
    if (!strcmp(command, "info"))
        return command_info(argc, argv);
    if (!strcmp(command, "mc"))
        return command_mc(argc, argv);
    if (!strcmp(command, "train"))
        return command_train(argc, argv);
    if (!strcmp(command, "predict"))
        return command_predict(argc, argv);
    if (!strcmp(command, "invariants"))
        return command_invariants(argc, argv);
    if (!strcmp(command, "regions"))
        return command_regions(argc, argv);
    if (!strcmp(command, "import-keras"))
        return command_import_keras(argc, argv);
    if (!strcmp(command, "help") || !strcmp(command, "--help") || !strcmp(command, "-h"))
        return command_help(argc, argv);
    if (!strcmp(command, "version") || !strcmp(command, "--version"))
        return command_version(argc, argv);
    return report(ALFE_FAIL(ALFE_ERR_INPUT, "unknown command '%s' (see `alfe help`)", command));
}
