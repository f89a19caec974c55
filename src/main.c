/* main.c — the `alfe` command line: subcommands, usage, exit codes.
 *   0 success (also a graceful stop on a signal), 1 run-time failure,
 *   2 bad input or usage.
 * Owns: argument parsing and the single place where errors are printed. */
#include "alfe/io/campaign_info.h"
#include "alfe/io/campaign_io.h"
#include "alfe/base/comm.h"
#include "alfe/io/config.h"
#include "alfe/run/coordinator.h"
#include "alfe/space/domain.h"
#include "alfe/run/evaluate.h"
#include "alfe/base/linalg.h"
#include "alfe/network/invariants.h"
#include "alfe/network/invariants_group.h"
#include "alfe/io/model_io.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/base/error.h"
#include "alfe/base/stopflag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const MC_USAGE =
    "usage: alfe mc CONFIG --kappa k0,k1,... [--phi p0,p1,...] [--temperature T] [--seed S]\n"
    "\n"
    "Runs one umbrella-biased Monte Carlo chain with CONFIG's system ([system] model = clex)\n"
    "and [mc] settings, centred at kappa (d values), and prints one JSON object:\n"
    "eta_mean, mu, mu_stderr, tau (d values each), converged, passes, samples,\n"
    "equilibration_samples, acceptance, seconds.  --phi takes 1 or d values (default:\n"
    "[umbrella] phi), --temperature defaults to [system] temperature, --seed is the\n"
    "chain's stream seed (default: the seed a campaign gives its point 0).\n";

static const char *const PREDICT_USAGE =
    "usage: alfe predict CAMPAIGN_OR_MODEL --points FILE [--round R] [--hessian]\n"
    "\n"
    "Evaluates the committee stored in a campaign (/models of round R, default the\n"
    "latest) or in a model file at every point of FILE (one point per line: d numbers,\n"
    "'#' comments) and prints whitespace columns with a header line: g, g_std,\n"
    "mu_0..mu_{d-1}, mu_std_0..mu_std_{d-1} (committee mean and standard deviation,\n"
    "eV per prim cell) and, with --hessian, the eigenvalues of the committee-mean\n"
    "Hessian of g in ascending order.\n";

static const char *const IMPORT_USAGE =
    "usage: alfe import-keras WEIGHTS.h5 --invariants FILE --scale S -o MODEL.h5\n"
    "                         [--activation tanh|softplus|sigmoid]\n"
    "\n"
    "Reads the Keras weights of an IDNN of the published workflow (groups\n"
    "dnn_layers/dense, dense_1, ...: kernels [in, out], biases; hidden activation tanh\n"
    "unless given; linear output whose value is S * g) with the invariants of FILE\n"
    "(one formula per line in e0..e(d-1); see docs/invariants.md) and writes an alfe\n"
    "model file usable by `alfe predict` and as [oracle] network.\n";

static const char *const INVARIANTS_USAGE =
    "usage: alfe invariants CONFIG --degree D [-o FILE]\n"
    "\n"
    "Generates the invariant polynomials of the order parameters of CONFIG's system\n"
    "([system] prim, ordering_cell, q_file, dimension): the group acting on eta is\n"
    "built from the prim's space group and the translations of the ordering cell, and\n"
    "Reynolds averages of monomials up to degree D are kept lowest degree first,\n"
    "leaving out products of lower-degree ones (docs/invariants.md).  Writes a formula\n"
    "file for [network] invariants (default: standard output).\n";

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

static const char *const TRAIN_USAGE =
    "usage: [mpirun -n P] alfe train CONFIG\n"
    "\n"
    "Retrains the committee of the campaign's latest finished round from the stored\n"
    "rows with the [network] and [training] settings of CONFIG (warm start from the\n"
    "round before when [network] warm_start = yes), and replaces that round's models\n"
    "(/models/NNNN) and metrics.  The campaign's fixed keys must not have changed.\n";

static int command_train(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(TRAIN_USAGE, stdout);
        return ALFE_OK;
    }
    if (comm_init(&argc, &argv) != ALFE_OK)
        return report(ALFE_ERR_RUNTIME);
    int status;
    if (argc != 3) {
        status = ALFE_FAIL(ALFE_ERR_INPUT, "train takes one argument, the config file (see "
                                           "`alfe train --help`)");
    } else {
        campaign_library_init();
        status = coordinator_train(argv[2]);
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

static int parse_list(const char *text, double *values, int max, int *n)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    *n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
        if (*n >= max || alfe_parse_double(tok, &values[*n]) != 0)
            return -1;
        (*n)++;
    }
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

static int command_mc(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(MC_USAGE, stdout);
        return ALFE_OK;
    }
    const char *config_path = NULL, *kappa_text = NULL, *phi_text = NULL, *temp_text = NULL,
               *seed_text = NULL;
    for (int i = 2; i < argc; i++) {
        const char **slot = NULL;
        if (!strcmp(argv[i], "--kappa")) slot = &kappa_text;
        else if (!strcmp(argv[i], "--phi")) slot = &phi_text;
        else if (!strcmp(argv[i], "--temperature")) slot = &temp_text;
        else if (!strcmp(argv[i], "--seed")) slot = &seed_text;
        if (slot) {
            if (i + 1 >= argc)
                return report(ALFE_FAIL(ALFE_ERR_INPUT, "mc: %s needs a value", argv[i]));
            *slot = argv[++i];
        } else if (argv[i][0] == '-' || config_path) {
            return report(ALFE_FAIL(ALFE_ERR_INPUT, "mc: unexpected argument '%s' (see `alfe mc "
                                                    "--help`)", argv[i]));
        } else {
            config_path = argv[i];
        }
    }
    if (!config_path || !kappa_text)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "mc needs CONFIG and --kappa (see `alfe mc --help`)"));
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
    if (status == ALFE_OK)
        status = evaluator_create(cfg, NULL, &ev);
    point_result res;
    if (status == ALFE_OK)
        status = evaluator_run(ev, &in, &res);
    if (status == ALFE_OK) {
        printf("{");
        print_json_array("eta_mean", res.eta_mean, d);
        print_json_array("mu", res.mu, d);
        print_json_array("mu_stderr", res.mu_stderr, d);
        print_json_array("tau", res.tau, d);
        printf("\"converged\": %s, \"passes\": %lld, \"samples\": %lld, "
               "\"equilibration_samples\": %lld, \"acceptance\": %.17g, \"seconds\": %.6f}\n",
               res.converged ? "true" : "false", (long long)res.passes, (long long)res.samples,
               (long long)res.equilibration_samples, res.acceptance, res.wall_seconds);
    }
    evaluator_destroy(&ev);
    config_destroy(&cfg);
    return report(status);
}

/* Points file: one point per line, d numbers; '#' comments. */
static int read_points(const char *path, int d, double **points, int *n)
{
    char *text;
    ALFE_CHECK(alfe_read_text_file(path, &text, NULL));
    int cap = 1024, count = 0, line_no = 0, status = ALFE_OK;
    double *p = ALFE_MALLOC(sizeof(double) * (size_t)cap * d);
    char *next = text;
    for (char *line; status == ALFE_OK && (line = alfe_next_line(&next));) {
        line_no++;
        double values[ALFE_MAX_DIM + 1];
        int k = 0;
        if (parse_list(line, values, ALFE_MAX_DIM + 1, &k) != 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: not a list of finite numbers: %s",
                               path, line_no, line);
            break;
        }
        if (k == 0)
            continue;
        if (k != d) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: a point has %d numbers, the model has d = %d",
                               path, line_no, k, d);
            break;
        }
        if (count == cap) {
            cap *= 2;
            p = ALFE_REALLOC(p, sizeof(double) * (size_t)cap * d);
        }
        memcpy(p + (size_t)count * d, values, sizeof(double) * (size_t)d);
        count++;
    }
    free(text);
    if (status != ALFE_OK) {
        free(p);
        return status;
    }
    *points = p;
    *n = count;
    return ALFE_OK;
}

static int command_predict(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(PREDICT_USAGE, stdout);
        return ALFE_OK;
    }
    const char *path = NULL, *points_path = NULL, *round_text = NULL;
    int hessian = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--points") && i + 1 < argc)
            points_path = argv[++i];
        else if (!strcmp(argv[i], "--round") && i + 1 < argc)
            round_text = argv[++i];
        else if (!strcmp(argv[i], "--hessian"))
            hessian = 1;
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return report(ALFE_FAIL(ALFE_ERR_INPUT, "predict: unexpected argument '%s' (see "
                                                    "`alfe predict --help`)", argv[i]));
    }
    if (!path || !points_path)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "predict needs a campaign or model file and "
                                                "--points FILE"));
    long long round = -1;
    if (round_text && (alfe_parse_long(round_text, &round) != 0 || round < 0))
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "predict: --round must be an integer >= 0"));
    campaign_library_init();
    model_set *ms = NULL;
    int status = model_set_read(path, (int)round, &ms);
    double *eta = NULL;
    int n = 0;
    if (status == ALFE_OK)
        status = read_points(points_path, ms->d, &eta, &n);
    if (status == ALFE_OK) {
        const int d = ms->d;
        double *g = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
        double *gs = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
        double *mu = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        double *mus = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        double *hess = hessian ? ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d * d) : NULL;
        status = model_set_predict(ms, n, eta, g, gs, mu, mus, hess);
        if (status == ALFE_OK) {
            printf("# g g_std");
            for (int j = 0; j < d; j++)
                printf(" mu_%d", j);
            for (int j = 0; j < d; j++)
                printf(" mu_std_%d", j);
            for (int j = 0; hessian && j < d; j++)
                printf(" hess_eig_%d", j);
            printf("\n");
            for (int i = 0; i < n && status == ALFE_OK; i++) {
                printf("%.12g %.6g", g[i], gs[i]);
                for (int j = 0; j < d; j++)
                    printf(" %.12g", mu[(size_t)i * d + j]);
                for (int j = 0; j < d; j++)
                    printf(" %.6g", mus[(size_t)i * d + j]);
                if (hessian) {
                    double eig[ALFE_MAX_DIM];
                    status = linalg_sym_eigen(hess + (size_t)i * d * d, d, eig, NULL);
                    for (int j = 0; j < d && status == ALFE_OK; j++)
                        printf(" %.10g", eig[j]);
                }
                printf("\n");
            }
        }
        free(g);
        free(gs);
        free(mu);
        free(mus);
        free(hess);
    }
    free(eta);
    model_set_destroy(&ms);
    return report(status);
}

static int command_import_keras(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(IMPORT_USAGE, stdout);
        return ALFE_OK;
    }
    const char *weights = NULL, *inv_path = NULL, *scale_text = NULL, *output = NULL,
               *act_text = "tanh";
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--invariants") && i + 1 < argc)
            inv_path = argv[++i];
        else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
            scale_text = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            output = argv[++i];
        else if (!strcmp(argv[i], "--activation") && i + 1 < argc)
            act_text = argv[++i];
        else if (argv[i][0] != '-' && !weights)
            weights = argv[i];
        else
            return report(ALFE_FAIL(ALFE_ERR_INPUT, "import-keras: unexpected argument '%s' (see "
                                                    "`alfe import-keras --help`)", argv[i]));
    }
    if (!weights || !inv_path || !scale_text || !output)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "import-keras needs WEIGHTS.h5, --invariants, "
                                                "--scale and -o"));
    double scale;
    if (alfe_parse_double(scale_text, &scale) != 0 || !(scale > 0))
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "import-keras: --scale must be a number > 0"));
    int activation = -1;
    for (int a = 0; a < IDNN_ACTIVATION_COUNT; a++)
        if (!strcmp(act_text, idnn_activation_names[a]))
            activation = a;
    if (activation < 0)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "import-keras: unknown activation '%s'", act_text));
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
    model_set *ms = NULL;
    if (status == ALFE_OK)
        status = model_import_keras(weights, inv, scale, activation, &ms);
    if (status == ALFE_OK) {
        char provenance[2048];
        snprintf(provenance, sizeof provenance,
                 "alfe import-keras %s --invariants %s --scale %g --activation %s", weights,
                 inv_path, scale, act_text);
        status = model_set_write(output, ms, provenance);
    }
    if (status == ALFE_OK)
        printf("wrote %s: %d invariants of d = %d, %d hidden layers, %zu parameters, scale %g\n",
               output, inv->m, inv->d, ms->members[0]->arch.n_layers, ms->members[0]->n_params,
               scale);
    model_set_destroy(&ms);
    invariant_set_destroy(&inv);
    return report(status);
}

static int command_invariants(int argc, char **argv)
{
    if (wants_help(argc, argv)) {
        fputs(INVARIANTS_USAGE, stdout);
        return ALFE_OK;
    }
    const char *config_path = NULL, *degree_text = NULL, *output = NULL;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--degree") && i + 1 < argc)
            degree_text = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            output = argv[++i];
        else if (argv[i][0] != '-' && !config_path)
            config_path = argv[i];
        else
            return report(ALFE_FAIL(ALFE_ERR_INPUT, "invariants: unexpected argument '%s' (see "
                                                    "`alfe invariants --help`)", argv[i]));
    }
    long long degree = 0;
    if (!config_path || !degree_text || alfe_parse_long(degree_text, &degree) != 0 ||
        degree < 1 || degree > 32)
        return report(ALFE_FAIL(ALFE_ERR_INPUT, "invariants needs CONFIG and --degree D (1..32)"));
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
    alfe_set_fatal_hook(comm_abort); /* a rank-local fatal error stops the job */
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
    if (!strcmp(command, "import-keras"))
        return command_import_keras(argc, argv);
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
