/* mc.h — umbrella-biased semi-grand-canonical Metropolis Monte Carlo on a
 * cluster expansion (ARCHITECTURE §2.1–2.2).
 *
 * Potential (extensive), N prim cells:
 *   Φ(σ) = N·[E_f(σ) − p·c(σ) + Σ_j φ_j (η_j(σ) − κ_j)²]
 * with c = (sites holding the counted species)/N.  A move picks a uniformly
 * random variable site and a uniformly random different occupant; it is
 * accepted with probability min(1, exp(−ΔΦ/k_BT)).  One pass = one attempt
 * per variable site; η is sampled once per pass.  Convergence: CASM's
 * equilibration, Sokal's τ on one window common to all η_j (convergence.h):
 * checked every `check_every` samples once min_passes are done; every η_j
 * with φ_j > 0 must reach the precision mu_precision/(2φ_j)
 * (so that μ_j = −2φ_j(⟨η_j⟩ − κ_j) is known to mu_precision at the given
 * confidence) with at least min_tau_samples × τ_j samples; stop at max_passes
 * otherwise, flagged not converged.  A frozen chain (mc_frozen_reason) is
 * never converged.
 * Start: a random configuration whose sublattice fractions are x(κ) = Q⁺κ,
 * clipped to [0,1] (docs/monte-carlo.md), or ½ (mc_chain_begin).
 * Several chains per point and their agreement: mc_point.h.
 * Owns: one chain's buffers (reused across points on a worker). */
#ifndef ALFE_MC_H
#define ALFE_MC_H

#include "alfe/space/domain.h"
#include "alfe/space/point.h"
#include "alfe/lattice/orderparam.h"
#include "alfe/lattice/supercell.h"

#include <stdint.h>

/* τ estimators: Sokal's window (used), CASM's lag-½ (the previous one), and
 * none (τ = 1: no autocorrelation correction) — the last two only for the
 * calibration tests that show they fail (docs/monte-carlo.md). */
enum { MC_TAU_SOKAL = 0, MC_TAU_CASM = 1, MC_TAU_NAIVE = 2 };

typedef struct {
    double temperature;             /* K */
    double kappa[ALFE_MAX_DIM];
    double phi[ALFE_MAX_DIM];       /* eV per prim cell */
    double exchange_potential;      /* p, eV per counted site */
    int64_t min_passes, max_passes;
    int check_every;                /* samples between convergence checks */
    double mu_precision;            /* eV per prim cell */
    double confidence;              /* two-sided, e.g. 0.95 */
    double min_tau_samples;         /* converged needs samples ≥ this × τ_j (0 = off) */
    double min_acceptance;          /* below: the chain is frozen */
    int tau_estimator;              /* MC_TAU_SOKAL (0, the default), or for
                                       comparison MC_TAU_CASM / MC_TAU_NAIVE */
    uint64_t seed;                  /* the point's stream seed */
} mc_params;

typedef struct {
    double eta_mean[ALFE_MAX_DIM];
    double mu[ALFE_MAX_DIM];
    double mu_stderr[ALFE_MAX_DIM];
    double tau[ALFE_MAX_DIM];       /* samples; NaN when not estimated */
    int converged;                  /* never set when frozen */
    int frozen;                     /* η never moved, acceptance < min_acceptance,
                                       or ⟨η⟩ on a vertex of the domain */
    const char *frozen_reason;      /* static text; NULL when not frozen */
    int64_t passes, samples, equilibration_samples;
    double acceptance;
    double energy;                  /* E_f per prim cell of the final state */
    double seconds;
    /* Cov(η) of the equilibrated samples and the Hessian of g from it, with
     * standard errors (fluctuation.h; first d×d entries, row-major) */
    point_curvature curvature;
    int curvature_status;           /* FLUCTUATION_OK, _SHORT or _SINGULAR */
    /* several chains per point (mc_point.h); one chain: chains 1, agree 1,
     * χ² 0 and no test (worst and limit unset) */
    int chains;
    int chains_agree;               /* the chains' means agree (mc_point.h) */
    double chains_chi2;             /* largest χ² of the agreement test over η_j */
    int chains_worst;               /* its component (−1: none) */
    double chains_chi2_limit;       /* the test's limit */
} mc_result;

typedef struct mc_chain mc_chain;

int mc_chain_create(const supercell *sc, const orderparam *op, mc_chain **out);
void mc_chain_destroy(mc_chain **chain);
/* One chain at the point: begin (stream 0, start MC_START_KAPPA), advance
 * to each check, check, finish. */
int mc_chain_run(mc_chain *chain, const mc_params *params, mc_result *result);

/* The same run in steps, for several chains side by side (mc_point.c).
 * Starts: a random configuration with the sublattice fractions x(κ) = Q⁺κ
 * clipped to [0,1], or one with ½ on every sublattice (a disordered start,
 * overdispersed for the cross-chain check).  stream: the chain's random
 * stream under the point's seed (0 for the first chain). */
enum { MC_START_KAPPA = 0, MC_START_DISORDERED = 1 };
int mc_chain_begin(mc_chain *chain, const mc_params *params, uint64_t stream, int start);
/* Run passes until `until` passes are done (one η sample per pass). */
void mc_chain_advance(mc_chain *chain, const mc_params *params, int64_t until);
int64_t mc_chain_passes_done(const mc_chain *chain);
int mc_chain_dimension(const mc_chain *chain);
double mc_chain_cells(const mc_chain *chain); /* N prim cells */
/* The convergence analysis of the samples so far: fills result's averages
 * and returns 1 when converged.  final = 0 (inside the loop) stops at the
 * first failing component (result incomplete unless converged). */
int mc_chain_check(mc_chain *chain, const mc_params *params, int final, mc_result *result);
/* After the last check: passes, acceptance, frozen, energy, curvature. */
void mc_chain_finish(mc_chain *chain, const mc_params *params, int converged, mc_result *result);
/* The next number of passes to stop at after `done`: the next convergence
 * check (≥ min_passes, a multiple of check_every; *is_check = 1), or
 * max_passes (*is_check = 0 unless it is a check); −1 when done. */
int64_t mc_next_stop(int64_t done, const mc_params *params, int *is_check);

/* Frozen-chain detector: NULL when the chain moved, else the reason.
 * samples: n rows of d values (mc_chain_run passes the equilibrated
 * samples); x_mean: the m sublattice fractions
 * of ⟨η⟩ (x = Q⁺⟨η⟩).  Frozen when every η_j is constant over the samples,
 * when acceptance < min_acceptance, or when every x_s is 0 or 1 (within
 * 1e-9: no sublattice left its vertex value during the sampled part). */
const char *mc_frozen_reason(const double *samples, int64_t n, int d, double acceptance,
                             double min_acceptance, const double *x_mean, int m);

/* Access to the chain's state for tests (exhaustive enumeration, detailed
 * balance): the configuration (occupant per variable site), set or read. */
int8_t *mc_chain_configuration(mc_chain *chain);
/* The η samples of the last run (n rows of d values, equilibration
 * included); valid until the next run or destroy.  For tools and tests. */
const double *mc_chain_samples(const mc_chain *chain, int64_t *n);
/* ΔΦ (eV, extensive) of changing variable site v to occupant new_occ in the
 * chain's current state, and apply it (updating every cached quantity). */
double mc_chain_delta_potential(mc_chain *chain, const mc_params *params, int v, int new_occ);
void mc_chain_apply(mc_chain *chain, const mc_params *params, int v, int new_occ);
/* Recompute every cached quantity from the configuration. */
void mc_chain_reset_state(mc_chain *chain, const mc_params *params);

#endif
