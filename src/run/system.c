/* system.c — builds the objects a configuration describes (system.h), once
 * per run, and names the configuration key in every error.
 * Owns: alfe_system.  Must not parse configuration text (config.c) nor do
 * MPI beyond comm_agree_status (comm.h). */
#include "alfe/run/system.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/base/table.h"
#include "alfe/io/model_io.h"
#include "alfe/acquire/special.h"
#include "alfe/acquire/weights.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Wraps the pending error as "<config>[:line]: <what>: <reason>". */
static int config_error(const alfe_config *cfg, const char *section, const char *key,
                        const char *what)
{
    char inner[2048], where[4200];
    snprintf(inner, sizeof inner, "%s", alfe_error_message());
    alfe_error_clear();
    int line = key ? config_key_line(cfg, section, key) : 0;
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d", cfg->config_path, line);
    else
        snprintf(where, sizeof where, "%s", cfg->config_path);
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: %s: %s", where, what, inner);
}

/* The memory limit of the estimates, bytes: [run] max_memory_mb, or the
 * node's physical memory when 0 (unknown: no limit). */
static double memory_limit(const alfe_config *cfg, char *what, size_t size)
{
    if (cfg->max_memory_mb > 0) {
        snprintf(what, size, "[run] max_memory_mb = %g", cfg->max_memory_mb);
        return cfg->max_memory_mb * 1048576.0;
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    snprintf(what, size, "the physical memory (%.0f MiB; [run] max_memory_mb = 0)",
             pages > 0 && page > 0 ? (double)pages * (double)page / 1048576.0 : 0.0);
    return pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
}

/* |det supercell| prim cells, their sites and the memory of the lattice,
 * neighbour lists and Monte Carlo state, before anything is allocated
 * (supercell_estimate): refused above [mc] max_sites or the memory limit. */
static int check_supercell_size(const alfe_config *cfg, const clex_model *model)
{
    supercell_size est;
    int status = supercell_estimate(model, cfg->supercell, &est);
    /* one Monte Carlo state per chain of a point ([mc] chains) */
    const int chains = cfg->mc_chains > 1 ? cfg->mc_chains : 1;
    est.bytes += (chains - 1) * est.bytes_state;
    est.bytes_state *= chains;
    char limit_what[128];
    const double limit = memory_limit(cfg, limit_what, sizeof limit_what);
    if (status == ALFE_OK && est.n_sites > cfg->mc_max_sites)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "|det| = %lld prim cells x %lld sites = %lld sites, more than [mc] "
                           "max_sites = %d (estimated memory %.0f MiB)",
                           (long long)est.n_cells, (long long)(est.n_sites / est.n_cells),
                           (long long)est.n_sites, cfg->mc_max_sites, est.bytes / 1048576.0);
    if (status == ALFE_OK && est.bytes > limit)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%lld sites need an estimated %.0f MiB (lattice %.0f, neighbour lists "
                           "%.0f, Monte Carlo state of %d chain%s %.0f), more than %s",
                           (long long)est.n_sites, est.bytes / 1048576.0,
                           est.bytes_lattice / 1048576.0, est.bytes_neighbours / 1048576.0,
                           chains, chains > 1 ? "s" : "", est.bytes_state / 1048576.0,
                           limit_what);
    if (status != ALFE_OK) {
        char m[9 * 12 + 1] = "";
        for (int i = 0; i < 9; i++)
            snprintf(m + strlen(m), sizeof m - strlen(m), "%s%d", i ? " " : "",
                     cfg->supercell[i / 3][i % 3]);
        char what[256];
        snprintf(what, sizeof what, "[system] supercell = %s", m);
        return config_error(cfg, "system", "supercell", what);
    }
    return ALFE_OK;
}

/* model = clex: the model loads (orbits expand to their multiplicities),
 * the supercell is not too large, tiles the ordering cell and Q has one
 * column per sublattice. */
static int build_clex(const alfe_config *cfg, alfe_system *sys)
{
    int status = clex_load(cfg->prim_path, cfg->eci_path, &sys->clex);
    if (status == ALFE_OK && check_supercell_size(cfg, sys->clex) != ALFE_OK)
        return ALFE_ERR_INPUT;
    if (status == ALFE_OK)
        status = supercell_create(sys->clex, cfg->supercell, &sys->sc);
    if (status == ALFE_OK)
        status = orderparam_create(sys->sc, cfg->ordering_cell, cfg->q, cfg->dimension,
                                   cfg->q_m, cfg->species, &sys->op);
    if (status != ALFE_OK)
        return config_error(cfg, "system", NULL, "[system] model = clex");
    return ALFE_OK;
}

/* Parameters of one member: m inputs, `layers` hidden layers of `width`. */
static double network_parameters(int m, int layers, int width)
{
    return (double)m * width + width + (layers - 1) * ((double)width * width + width) + width + 1;
}

/* The committee's size and memory, from [network] layers, width, committee
 * (and the search bounds when [training] hypersearch > 0) and the m
 * invariants, before any network is allocated or round evaluated: refused
 * above NETWORK_MAX_PARAMETERS parameters or the memory limit. */
static int check_network_size(const alfe_config *cfg, int m)
{
    int layers = cfg->net_layers, width = cfg->net_width;
    int batch = cfg->tr_batch_size;
    if (cfg->tr_hypersearch > 0) {
        layers = cfg->hs_layers_max > layers ? cfg->hs_layers_max : layers;
        width = cfg->hs_width_max > width ? cfg->hs_width_max : width;
        batch = cfg->hs_batch_max > batch ? cfg->hs_batch_max : batch;
    }
    if (batch < IDNN_COMMITTEE_BLOCK)
        batch = IDNN_COMMITTEE_BLOCK;
    const double d = cfg->dimension, k = cfg->net_committee;
    const double p = network_parameters(m, layers, width);
    /* Weights of this and the previous round's committee; one member's
     * training state (gradient, two moments, best weights); a work area per
     * member (idnn.c struct idnn_work: primal and tangent activations per
     * layer, the invariants' Jacobian and Hessians, Hessian tangents). */
    const double work = batch * 8.0 *
                        (2.0 * m + m * d + m * d * d + layers * 6.0 * width + 3.0 * d * width +
                         d * d + d + 1.0);
    const double bytes = 2.0 * k * p * 8.0 + 4.0 * p * 8.0 + k * work;
    char limit_what[128];
    const double limit = memory_limit(cfg, limit_what, sizeof limit_what);
    int status = ALFE_OK;
    if (k * p > NETWORK_MAX_PARAMETERS)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%g members x %.4g parameters (%d layers of width %d, %d inputs) = "
                           "%.4g parameters, more than the limit of %.0e",
                           k, p, layers, width, m, k * p, (double)NETWORK_MAX_PARAMETERS);
    else if (bytes > limit)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%g members x %.4g parameters (%d layers of width %d, %d inputs) "
                           "need an estimated %.0f MiB, more than %s",
                           k, p, layers, width, m, bytes / 1048576.0, limit_what);
    if (status != ALFE_OK) {
        char what[256];
        snprintf(what, sizeof what, "[network] width = %d, layers = %d, committee = %d%s",
                 cfg->net_width, cfg->net_layers, cfg->net_committee,
                 cfg->tr_hypersearch > 0 ? " (with the [training] search bounds)" : "");
        return config_error(cfg, "network", "width", what);
    }
    return ALFE_OK;
}

static int build_invariants(const alfe_config *cfg, alfe_system *sys)
{
    if (invariant_set_read(cfg->net_invariants_path, cfg->dimension, &sys->inv) != ALFE_OK) {
        char what[4200];
        snprintf(what, sizeof what, "[network] invariants = %s", cfg->net_invariants);
        return config_error(cfg, "network", "invariants", what);
    }
    return check_network_size(cfg, sys->inv->m);
}

/* The file reads as an alfe model of this dimension. */
static int build_oracle_network(const alfe_config *cfg, alfe_system *sys)
{
    int status = model_read(cfg->oracle_network_path, -1, &sys->oracle_network);
    if (status == ALFE_OK && sys->oracle_network->d != cfg->dimension)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "the model has d = %d order parameters",
                           sys->oracle_network->d);
    if (status != ALFE_OK) {
        char what[4200];
        snprintf(what, sizeof what, "[oracle] network = %s", cfg->oracle_network);
        return config_error(cfg, "oracle", "network", what);
    }
    return ALFE_OK;
}

/* [oracle] free_energy (syntax already checked by config.c). */
static int build_oracle_formula(const alfe_config *cfg, alfe_system *sys)
{
    int status = oracle_formula_create(cfg->oracle_free_energy, cfg->dimension,
                                       cfg->oracle_ideal, &sys->oracle_formula, NULL);
    if (status != ALFE_OK) {
        char what[4200];
        snprintf(what, sizeof what, "[oracle] free_energy = %s", cfg->oracle_free_energy);
        return config_error(cfg, "oracle", "free_energy", what);
    }
    return ALFE_OK;
}

/* The oracle's free energy from the network: g, ∇g and the Hessian are the
 * committee means.  The network is defined everywhere; keep the oracle's
 * states where a real chain can be: inside the domain. */
static int network_free_energy(const oracle_model *o, void *context, const double *eta,
                               double *g, double *grad, double *hess)
{
    if (domain_min_slack(o->dom, eta) < 0.0)
        return -1;
    idnn_committee_output out = {.g_mean = g, .mu_mean = grad, .hess_mean = hess};
    if (idnn_committee_predict(context, 1, eta, &out) != ALFE_OK) {
        alfe_error_clear();
        return -1;
    }
    return 0;
}

void system_oracle_model(const alfe_system *sys, oracle_model *o)
{
    oracle_params p;
    system_oracle_params(sys->cfg, &p);
    oracle_init(o, sys->dom, &p);
    if (sys->oracle_network)
        oracle_use_free_energy(o, network_free_energy, sys->oracle_network);
    else if (sys->oracle_formula)
        oracle_use_free_energy(o, oracle_formula_free_energy, sys->oracle_formula);
}

/* [special] file: d numbers per point; [special] lines: pairs of them. */
static int build_special(const alfe_config *cfg, alfe_system *sys)
{
    const int d = cfg->dimension;
    char why[64];
    snprintf(why, sizeof why, "[system] dimension = %d", d);
    table_shape shape = {.columns = d, .row_name = "special point", .why = why};
    number_table *t = NULL;
    int status = table_read(cfg->special_path, &shape, &t);
    if (status == ALFE_OK && t->rows == 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no points", cfg->special_path);
    for (int i = 0; status == ALFE_OK && i < t->rows; i++)
        if (!domain_contains(sys->dom, t->values + (size_t)i * d, 1e-9))
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: the point is outside the domain",
                               cfg->special_path, t->row_line[i]);
    if (status != ALFE_OK) {
        table_destroy(&t);
        char what[4200];
        snprintf(what, sizeof what, "[special] file = %s", cfg->special_file);
        return config_error(cfg, "special", "file", what);
    }
    sys->n_special = t->rows;
    sys->special_eta = ALFE_MALLOC(sizeof(double) * (size_t)t->rows * d);
    memcpy(sys->special_eta, t->values, sizeof(double) * (size_t)t->rows * d);
    table_destroy(&t);
    /* "i-j, k-l" (syntax checked by config.c). */
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", cfg->special_lines);
    int cap = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t;", &save); tok; tok = strtok_r(NULL, ", \t;", &save)) {
        int a = atoi(tok), b = atoi(strchr(tok, '-') + 1);
        if (a >= sys->n_special || b >= sys->n_special) {
            ALFE_FAIL(ALFE_ERR_INPUT, "pair %d-%d: the file has %d points (0..%d)", a, b,
                      sys->n_special, sys->n_special - 1);
            char what[4200];
            snprintf(what, sizeof what, "[special] lines = %s", cfg->special_lines);
            return config_error(cfg, "special", "lines", what);
        }
        if (sys->n_special_lines == cap) {
            cap = cap ? 2 * cap : 8;
            sys->special_lines = ALFE_REALLOC(sys->special_lines, sizeof(int) * 2 * (size_t)cap);
        }
        sys->special_lines[2 * sys->n_special_lines] = a;
        sys->special_lines[2 * sys->n_special_lines + 1] = b;
        sys->n_special_lines++;
    }
    return ALFE_OK;
}

int system_create(const alfe_config *cfg, unsigned parts, alfe_system **out)
{
    *out = NULL;
    alfe_system *sys = ALFE_CALLOC(1, sizeof *sys);
    sys->cfg = cfg;
    int status = ALFE_OK;
    if (parts & SYSTEM_DOMAIN)
        status = domain_create(cfg->q, cfg->dimension, cfg->q_m, &sys->dom);
    if (status == ALFE_OK && (parts & SYSTEM_DOMAIN) && cfg->special_path)
        status = build_special(cfg, sys);
    if (status == ALFE_OK && (parts & SYSTEM_CLEX) && cfg->model == MODEL_CLEX)
        status = build_clex(cfg, sys);
    if (status == ALFE_OK && (parts & SYSTEM_ORACLE_NETWORK) && cfg->model == MODEL_ORACLE &&
        cfg->oracle_network && cfg->oracle_network[0])
        status = build_oracle_network(cfg, sys);
    if (status == ALFE_OK && (parts & SYSTEM_ORACLE_NETWORK) && cfg->model == MODEL_ORACLE &&
        cfg->oracle_free_energy && cfg->oracle_free_energy[0])
        status = build_oracle_formula(cfg, sys);
    if (status == ALFE_OK && (parts & SYSTEM_INVARIANTS) && cfg->net_invariants &&
        cfg->net_invariants[0])
        status = build_invariants(cfg, sys);
    if (status != ALFE_OK) {
        system_destroy(&sys);
        return status;
    }
    *out = sys;
    return ALFE_OK;
}

int system_create_collective(const alfe_config *cfg, alfe_system **out)
{
    /* The coordinator never evaluates (farm.c): no cluster expansion on
     * rank 0 of a multi-rank run. */
    const int evaluates = comm_size() == 1 || comm_rank() != 0;
    const unsigned parts = SYSTEM_ALL & ~(evaluates ? 0u : (unsigned)SYSTEM_CLEX);
    int status = comm_agree_status(system_create(cfg, parts, out));
    if (status != ALFE_OK)
        system_destroy(out);
    return status;
}

void system_destroy(alfe_system **sysp)
{
    if (!sysp || !*sysp)
        return;
    alfe_system *sys = *sysp;
    idnn_committee_destroy(&sys->oracle_network);
    oracle_formula_destroy(&sys->oracle_formula);
    invariant_set_destroy(&sys->inv);
    orderparam_destroy(&sys->op);
    supercell_destroy(&sys->sc);
    clex_destroy(&sys->clex);
    domain_destroy(&sys->dom);
    free(sys->special_eta);
    free(sys->special_lines);
    ALFE_FREE(*sysp);
}

void system_oracle_params(const alfe_config *cfg, oracle_params *p)
{
    memset(p, 0, sizeof *p);
    p->temperature = cfg->temperature;
    p->omega = cfg->oracle_omega;
    p->a0 = cfg->oracle_a0;
    p->a2 = cfg->oracle_a2;
    p->b = cfg->oracle_b;
    p->c = cfg->oracle_c;
    memcpy(p->noise, cfg->oracle_noise, sizeof p->noise);
    p->hessian_noise = cfg->oracle_hessian_noise;
}

/* One criterion section into its typed settings. */
static void criterion_from_config(const alfe_config *cfg, const config_criterion_keys *k,
                                  acquire_criterion *c)
{
    criterion_settings_default(&c->s);
    c->enabled = k->points > 0;
    c->only_round = -1;
    c->groups = k->groups;
    c->copies = k->copies;
    c->s.points = k->points;
    c->s.from_round = k->from_round;
    c->s.perturb = k->perturb;
    c->s.diversity = k->diversity;
    c->s.oversample = k->oversample;
    c->s.min_distance = cfg->novelty_min_distance;
    c->s.novelty_k = cfg->novelty_k;
    c->s.novelty_mode = cfg->novelty_mode;
    c->s.tolerance = k->tolerance;
    c->s.band = k->band;
    c->s.bins = k->bins;
    c->s.chord = k->chord;
    c->s.with_g = k->with_g;
}

void system_acquire_settings(const alfe_system *sys, acquire_settings *s)
{
    const alfe_config *cfg = sys->cfg;
    memset(s, 0, sizeof *s);
    s->seed = cfg->seed;
    s->rounds = cfg->rounds;
    s->temperature = cfg->temperature;
    memcpy(s->phi, cfg->phi, sizeof s->phi);
    s->global_points = cfg->global_points;
    s->global_method = cfg->global_method == GLOBAL_SOBOL ? ACQUIRE_SOBOL : ACQUIRE_BILLIARD;
    s->global_path_length = cfg->global_path_length;
    for (int id = 0; id < CRITERION_COUNT; id++) {
        criterion_settings_default(&s->crit[id].s);
        s->crit[id].only_round = -1;
        s->crit[id].copies = 1;
    }
    /* Config sections in enum config_criterion order = criterion ids from
     * CRITERION_HIGH_ERROR on (names checked equal in system_create). */
    for (int k = 0; k < CONFIG_CRITERIA; k++)
        criterion_from_config(cfg, &cfg->crit[k], &s->crit[CRITERION_HIGH_ERROR + k]);
    acquire_criterion *sp = &s->crit[CRITERION_SPECIAL];
    sp->enabled = sys->n_special > 0;
    sp->only_round = cfg->special_round;
    sp->copies = cfg->special_copies;
    sp->s.perturb = cfg->special_perturb;
    sp->s.diversity = 0;  /* every special point, in the file's order */
    sp->s.points = sys->n_special;
    s->special.n = sys->n_special;
    s->special.d = cfg->dimension;
    s->special.eta = sys->special_eta;
    s->special.n_lines = sys->n_special_lines;
    s->special.line_pairs = sys->special_lines;
    s->special.line_points = cfg->special_line_points;
    s->reweight_rule = cfg->reweight_rule == REWEIGHT_SURPRISE      ? WEIGHT_RULE_SURPRISE
                       : cfg->reweight_rule == REWEIGHT_IMPROVEMENT ? WEIGHT_RULE_IMPROVEMENT
                                                                    : WEIGHT_RULE_NONE;
    s->reweight_alpha = cfg->reweight_alpha;
    s->reweight_floor = cfg->reweight_floor;
}

void system_pool_settings(const alfe_config *cfg, pool_settings *s)
{
    memset(s, 0, sizeof *s);
    s->seed = cfg->seed;
    s->points = cfg->pool_points;
    s->boundary_share = cfg->pool_boundary_share;
    s->walk_2d = cfg->pool_walk_2d;
    s->path_length = cfg->global_path_length;
}

void system_hypersearch_bounds(const alfe_config *cfg, hypersearch_bounds *b)
{
    hypersearch_default_bounds(b);
    b->n_candidates = cfg->tr_hypersearch;
    b->layers_min = cfg->hs_layers_min;
    b->layers_max = cfg->hs_layers_max;
    b->width_min = cfg->hs_width_min;
    b->width_max = cfg->hs_width_max;
    b->lr_min = cfg->hs_lr_min;
    b->lr_max = cfg->hs_lr_max;
    b->batch_min = cfg->hs_batch_min;
    b->batch_max = cfg->hs_batch_max;
}
