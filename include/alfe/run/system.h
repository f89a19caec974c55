/* system.h — the physical system of a run, built once from the
 * configuration: the order-parameter domain, the cluster expansion with its
 * supercell and order parameters (model = clex), the invariant set of the
 * network ([network] invariants) and the oracle's network ([oracle] network);
 * and the typed settings the physics and the criteria take instead of the
 * configuration (oracle_params, acquire_settings).
 *
 * Errors name the configuration file, line and key:
 *   "inputs/x.ini:12: [network] invariants = inv.txt: <reason>".
 * Owns: every object it builds (the configuration stays the caller's and
 * must outlive the system).  Must not parse configuration text (config.c). */
#ifndef ALFE_SYSTEM_H
#define ALFE_SYSTEM_H

#include "alfe/acquire/acquire.h"
#include "alfe/acquire/pool.h"
#include "alfe/network/hypersearch.h"
#include "alfe/io/config.h"
#include "alfe/lattice/clex.h"
#include "alfe/lattice/orderparam.h"
#include "alfe/lattice/supercell.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/formula_oracle.h"
#include "alfe/network/invariants.h"
#include "alfe/space/domain.h"
#include "alfe/space/oracle.h"

typedef struct {
    const alfe_config *cfg;          /* not owned */
    domain *dom;                     /* SYSTEM_DOMAIN */
    clex_model *clex;                /* SYSTEM_CLEX and model = clex, else NULL */
    supercell *sc;
    orderparam *op;
    invariant_set *inv;              /* SYSTEM_INVARIANTS and [network] invariants set */
    idnn_committee *oracle_network;  /* SYSTEM_ORACLE_NETWORK, model = oracle and
                                        [oracle] network set */
    oracle_formula *oracle_formula;  /* SYSTEM_ORACLE_NETWORK, model = oracle and
                                        [oracle] free_energy set */
    /* SYSTEM_DOMAIN and [special] file set: the special points (n×d) and the
     * line pairs (n_lines×2) of [special] lines, checked against them. */
    int n_special, n_special_lines;
    double *special_eta;
    int *special_lines;
} alfe_system;

/* The most parameters of a committee (members × parameters per member),
 * checked with the memory estimate when the invariants are read (before any
 * round is evaluated). */
#define NETWORK_MAX_PARAMETERS 1000000000.0

enum system_part {
    SYSTEM_DOMAIN = 1,
    SYSTEM_CLEX = 2,
    SYSTEM_INVARIANTS = 4,
    SYSTEM_ORACLE_NETWORK = 8,
    SYSTEM_ALL = 15
};

/* Build the parts (enum system_part, or-ed) that the configuration asks for,
 * on this process alone. */
int system_create(const alfe_config *cfg, unsigned parts, alfe_system **out);
/* Collective (`alfe run`, `alfe train`): every rank builds the domain, the
 * invariants and the oracle network; the cluster expansion is built only on
 * the ranks that evaluate points (every rank of a single-rank run, ranks ≥ 1
 * otherwise: rank 0 coordinates, farm.c).  A failure on any rank is
 * returned by every rank with the failing rank's message. */
int system_create_collective(const alfe_config *cfg, alfe_system **out);
void system_destroy(alfe_system **sys);

/* The oracle's parameters and the criteria's settings from the configuration
 * (acquire_settings points into sys's special points: sys must outlive s). */
void system_oracle_params(const alfe_config *cfg, oracle_params *p);
/* The oracle as configured, the one truth of a campaign: the analytic
 * formula, [oracle] free_energy (ideal mixing + formula) or [oracle] network
 * (committee-mean g inside the domain).  o points into sys. */
void system_oracle_model(const alfe_system *sys, oracle_model *o);
void system_acquire_settings(const alfe_system *sys, acquire_settings *s);
/* The acquisition pool's settings ([pool]). */
void system_pool_settings(const alfe_config *cfg, pool_settings *s);
/* The hyper-parameter search bounds ([training] hypersearch, search_*). */
void system_hypersearch_bounds(const alfe_config *cfg, hypersearch_bounds *b);

#endif
