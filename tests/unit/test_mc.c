/* test_mc.c — the umbrella-biased Metropolis chain (mc.c) and the CASM-style
 * convergence analysis (convergence.c), against exact results:
 *  - ideal solution (one variable site, point ECI only): the chain's ⟨η0⟩
 *    equals the exact finite-N biased average (a binomial sum), and its μ0
 *    equals V1 + k_BT ln(x/(1−x)) up to the derived 1/N finite-size shift;
 *  - exhaustive enumeration of all 2^16 states of a 4×2×2 simple-cubic cell
 *    with pair and triplet ECIs and a bias on η0 and on a staggered η1:
 *    the chain's ⟨η_j⟩ and μ_j equal the exact biased-ensemble values;
 *  - ΔΦ of a move equals the difference of full recomputations of Φ and is
 *    reversed exactly by the backward move (binary, ternary and the shipped
 *    7-D LCO system, with an exchange potential);
 *  - the stationary distribution: final states of many independent short
 *    chains on a 2×2×2 cell (256 states) against the Boltzmann weights
 *    (chi-square);
 *  - determinism, bad parameters;
 *  - convergence.c on synthetic series: equilibration after a transient,
 *    constant series, AR(1) series with known ρ, convergence_z.
 * Every random number comes from fixed seeds.  Run from the repository root
 * (reads inputs/lco/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clex_fixture.h"

#include "alfe/convergence.h"
#include "alfe/domain.h"
#include "alfe/mc.h"
#include "alfe/oracle.h"
#include "alfe/orderparam.h"
#include "alfe/rng.h"
#include "alfe/supercell.h"

#include <gsl/gsl_cdf.h>

#define LCO_PRIM "inputs/lco/prim.json"
#define LCO_ECI "inputs/lco/eci.json"
#define LCO_Q "inputs/lco/Q.txt"

/* ------------------------------------------------------------------------- */
/* a chain with its lattice and order parameters */

typedef struct {
    clex_model *m;
    supercell *sc;
    orderparam *op;
    mc_chain *ch;
} mc_system;

static void system_open(mc_system *s, clex_model *m, const int t[3][3], const int o[3][3],
                        const double *q, int d, int cols, const char *species)
{
    s->m = m;
    alfe_error_clear();
    if (supercell_create(m, t, &s->sc) != ALFE_OK)
        fail_msg("supercell_create: %s", alfe_error_message());
    if (orderparam_create(s->sc, o, q, d, cols, species, &s->op) != ALFE_OK)
        fail_msg("orderparam_create: %s", alfe_error_message());
    assert_int_equal(mc_chain_create(s->sc, s->op, &s->ch), ALFE_OK);
}

static void system_close(mc_system *s)
{
    mc_chain_destroy(&s->ch);
    assert_null(s->ch);
    orderparam_destroy(&s->op);
    supercell_destroy(&s->sc);
    clex_destroy(&s->m);
}

static mc_params default_params(double temperature, uint64_t seed)
{
    mc_params p;
    memset(&p, 0, sizeof p);
    p.temperature = temperature;
    p.min_passes = 200;
    p.max_passes = 20000;
    p.check_every = 100;
    p.mu_precision = 0.005;
    p.confidence = 0.95;
    p.seed = seed;
    return p;
}

static void run_ok(mc_system *s, const mc_params *p, mc_result *r)
{
    alfe_error_clear();
    if (mc_chain_run(s->ch, p, r) != ALFE_OK)
        fail_msg("mc_chain_run: %s", alfe_error_message());
}

static int n_counted(const mc_system *s, const int8_t *occ)
{
    int n = 0;
    for (int v = 0; v < s->sc->n_var; v++)
        n += s->op->counted[(size_t)v * CLEX_MAX_OCC + occ[v]];
    return n;
}

/* Φ(σ) = N·[E_f − p·c + Σ_j φ_j(η_j − κ_j)²], c = counted sites / N, by
 * full recomputation (mc.h). */
static double potential_full(const mc_system *s, const mc_params *p, const int8_t *occ)
{
    const double n_cells = s->sc->n_cells;
    double eta[ALFE_MAX_DIM];
    orderparam_eta(s->op, occ, eta);
    double bias = 0.0;
    for (int j = 0; j < s->op->d; j++)
        bias += p->phi[j] * (eta[j] - p->kappa[j]) * (eta[j] - p->kappa[j]);
    return n_cells * supercell_energy(s->sc, occ) - p->exchange_potential * n_counted(s, occ) +
           n_cells * bias;
}

/* The scale of the rounding error of potential_full: Σ|terms| of the
 * energy plus the magnitude of the other two terms. */
static double potential_scale(const mc_system *s, const mc_params *p, const int8_t *occ)
{
    const supercell *sc = s->sc;
    double a = fabs(sc->model->constant) * sc->n_cells;
    for (int64_t i = 0; i < sc->n_inst; i++) {
        double t = fabs(sc->inst_weight[i]);
        for (int k = 0; k < sc->inst_size[i]; k++) {
            int v = sc->inst_sites[i * CLEX_MAX_CLUSTER + k];
            t *= fabs(sc->model->phi[sc->var_basis[v]][sc->inst_func[i * CLEX_MAX_CLUSTER + k]]
                                    [occ[v]]);
        }
        a += t;
    }
    double eta[ALFE_MAX_DIM];
    orderparam_eta(s->op, occ, eta);
    for (int j = 0; j < s->op->d; j++)
        a += sc->n_cells * p->phi[j] * (fabs(eta[j]) + fabs(p->kappa[j])) *
             (fabs(eta[j]) + fabs(p->kappa[j]));
    return a + fabs(p->exchange_potential) * sc->n_var;
}

/* ------------------------------------------------------------------------- */
/* models */

/* Simple cubic Va/Li, occupation basis, E_f = V0 + V1·x (ideal solution). */
static clex_model *ideal_model(double v0, double v1)
{
    json_buf jb;
    char a[32], b[32];
    snprintf(a, sizeof a, "%.17g", v0);
    snprintf(b, sizeof b, "%.17g", v1);
    begin_eci(&jb, SC_OCC_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", a);
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), b);
    end_eci(&jb);
    return load_model(SC_PRIM, jb.text);
}

/* Simple cubic Va/Li, spin basis: point, NN pair (3 per cell) and NN
 * right-angle triangle (12 per cell).  Both clusters fit in a 2×2×2 cell. */
#define INT_V1 0.01
#define INT_PAIR 0.03
#define INT_TRIPLET 0.02
static clex_model *interacting_model(void)
{
    json_buf jb;
    begin_eci(&jb, SC_SPIN_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", "0.0");
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "0.01");
    add_orbit(&jb, 2, 3, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.03");
    add_orbit(&jb, 3, 12, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2), "0.02");
    end_eci(&jb);
    return load_model(SC_PRIM, jb.text);
}

/* Ordering cell 2×1×1 of simple cubic: M = 2 sublattices (x even, x odd),
 * η0 = composition, η1 = (x_0 − x_1)/2 (alternation along x). */
static const int ORDER_2X1X1[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
static const double Q_STAGGER[4] = {0.5, 0.5, 0.5, -0.5};
static const int IDENTITY[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
