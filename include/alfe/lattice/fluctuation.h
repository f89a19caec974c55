/* fluctuation.h — the Hessian of the free energy from the fluctuations of η
 * in one umbrella-biased chain (docs/monte-carlo.md, "Curvature from
 * fluctuations").
 *
 * The chain samples P(σ) ∝ exp(−Φ/k_BT) with Φ = N·[E_f − p·c + Σ_j φ_j
 * (η_j − κ_j)²] (mc.h: N prim cells, φ per prim cell).  Coarse-grained to η,
 * P(η) ∝ exp(−N·[g(η) + Σ_j φ_j (η_j − κ_j)²]/k_BT) with g the free energy
 * per prim cell, so in the saddle-point (Gaussian) approximation
 *   Cov(η) = (k_BT/N)·(H + 2Φ)⁻¹,   Φ = diag(φ),
 * and the chain estimates
 *   Ĥ = (k_BT/N)·Ĉ⁻¹ − 2Φ,
 * Ĉ the sample covariance of the equilibrated samples (divisor n − 1).  The
 * linear term −p·c does not change H.
 *
 * Standard error (delta method with the autocorrelation of the influence
 * series): to first order δĤ = −(k_BT/N)·Ĉ⁻¹ δĈ Ĉ⁻¹ and δĈ is the mean of
 * (x_t x_tᵀ − C) over the samples (x_t = η_t − η̄), so Ĥ_kl − H_kl is
 * −(k_BT/N) times the mean of the series y_t = u_tk·u_tl with u_t = Ĉ⁻¹x_t.
 * Its variance is that of the mean of a correlated series: Sokal's window
 * on y (convergence.h), widened to the caller's window (the chain's common
 * window of the η_j, as for μ), so
 *   stderr(Ĥ_kl) = (k_BT/N)·√var_mean(y_kl).
 * Not estimated (τ of y unknown): stderr = +inf.  Where 2φ_j ≫ H_jj, Ĥ_jj
 * is a small difference of large numbers and its stderr says so (it is
 * reported, never dropped).  The second-order bias of Ĉ⁻¹ (relative ≈
 * (d+1)·τ/n) is not corrected; it is ≪ the stderr for n ≫ d·τ.
 * Owns: nothing stateful; a pure function of the samples. */
#ifndef ALFE_FLUCTUATION_H
#define ALFE_FLUCTUATION_H

#include "alfe/space/point.h"

/* error-bar estimators of the influence series (as the τ estimators of mc.h;
 * the last two only to show in tests that they fail) */
enum { FLUCTUATION_SOKAL = 0, FLUCTUATION_CASM = 1, FLUCTUATION_NAIVE = 2 };

/* outcome */
enum {
    FLUCTUATION_OK = 0,
    FLUCTUATION_SHORT = 1,    /* fewer than CONVERGENCE_MIN_SERIES samples: all NaN */
    FLUCTUATION_SINGULAR = 2  /* Ĉ not positive definite (some combination of η
                                 never moved): eta_cov set, Hessian NaN */
};

/* samples: n rows of d values (the equilibrated part of the chain);
 * temperature in K, n_cells = N; phi[d] (eV per prim cell); min_window: the
 * smallest autocorrelation window to sum (0: each series' own Sokal window;
 * < 0: the chain's τ could not be estimated, every stderr is +inf).
 * Fills out's first d×d entries of each matrix (row-major, stride d).
 * Returns FLUCTUATION_OK, _SHORT or _SINGULAR. */
int fluctuation_curvature(const double *samples, int n, int d, double temperature,
                          double n_cells, const double *phi, int min_window, int estimator,
                          point_curvature *out);

/* Ĉ⁻¹ (d×d, row-major) by Cholesky of the correlation matrix, the same
 * bits in every process; FLUCTUATION_SINGULAR when a variance is 0 or a
 * pivot ≤ 1e-12 (some combination of η never moved), else FLUCTUATION_OK. */
int fluctuation_cov_inverse(const double *cov, int d, double *inv);

/* Set the first d×d entries of every matrix to NaN (not measured). */
void fluctuation_clear(point_curvature *out, int d);

#endif
