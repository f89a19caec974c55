/* system.c — builds the objects a configuration describes (system.h), once
 * per run, and names the configuration key in every error.
 * Owns: alfe_system.  Must not parse configuration text (config.c) nor do
 * MPI beyond comm_agree_status (comm.h). */
#include "alfe/run/system.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/model_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* model = clex: the model loads (orbits expand to their multiplicities),
 * the supercell tiles the ordering cell and Q has one column per
 * sublattice. */
static int build_clex(const alfe_config *cfg, alfe_system *sys)
{
    int status = clex_load(cfg->prim_path, cfg->eci_path, &sys->clex);
    if (status == ALFE_OK)
        status = supercell_create(sys->clex, cfg->supercell, &sys->sc);
    if (status == ALFE_OK)
        status = orderparam_create(sys->sc, cfg->ordering_cell, cfg->q, cfg->dimension,
                                   cfg->q_m, cfg->species, &sys->op);
    if (status != ALFE_OK)
        return config_error(cfg, "system", NULL, "[system] model = clex");
    return ALFE_OK;
}

static int build_invariants(const alfe_config *cfg, alfe_system *sys)
{
    if (invariant_set_read(cfg->net_invariants_path, cfg->dimension, &sys->inv) != ALFE_OK) {
        char what[4200];
        snprintf(what, sizeof what, "[network] invariants = %s", cfg->net_invariants);
        return config_error(cfg, "network", "invariants", what);
    }
    return ALFE_OK;
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

int system_create(const alfe_config *cfg, unsigned parts, alfe_system **out)
{
    *out = NULL;
    alfe_system *sys = ALFE_CALLOC(1, sizeof *sys);
    sys->cfg = cfg;
    int status = ALFE_OK;
    if (parts & SYSTEM_DOMAIN)
        status = domain_create(cfg->q, cfg->dimension, cfg->q_m, &sys->dom);
    if (status == ALFE_OK && (parts & SYSTEM_CLEX) && cfg->model == MODEL_CLEX)
        status = build_clex(cfg, sys);
    if (status == ALFE_OK && (parts & SYSTEM_ORACLE_NETWORK) && cfg->model == MODEL_ORACLE &&
        cfg->oracle_network && cfg->oracle_network[0])
        status = build_oracle_network(cfg, sys);
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
    invariant_set_destroy(&sys->inv);
    orderparam_destroy(&sys->op);
    supercell_destroy(&sys->sc);
    clex_destroy(&sys->clex);
    domain_destroy(&sys->dom);
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
    p->noise = cfg->oracle_noise;
}

void system_acquire_settings(const alfe_config *cfg, acquire_settings *s)
{
    memset(s, 0, sizeof *s);
    s->seed = cfg->seed;
    s->temperature = cfg->temperature;
    memcpy(s->phi, cfg->phi, sizeof s->phi);
    s->global_points = cfg->global_points;
    s->global_method = cfg->global_method == GLOBAL_SOBOL ? ACQUIRE_SOBOL : ACQUIRE_BILLIARD;
    s->global_path_length = cfg->global_path_length;
}
