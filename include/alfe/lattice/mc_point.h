/* mc_point.h — several Monte Carlo chains at one point, run side by side, and
 * the check that they agree (docs/monte-carlo.md, "Several chains per
 * point").
 *
 * No estimator inside one chain can see a long-lived metastable state that
 * lasts the whole run: the chain is stationary in it, with a τ like the
 * equilibrium one.  Independent chains from different starts can (Gelman and
 * Rubin's argument): the point is converged only when every chain converged
 * at the same check and their means agree within their error bars.
 *
 * Chains: chain r uses the point's seed with stream r; even r start from
 * x(κ) (as one chain always did), odd r from the disordered start (mc.h),
 * so that two chains start from different states.  Each chain runs from
 * check to check (mc_next_stop) and stops at its first converged check, as
 * one chain does (mc.h); when every chain has stopped converged the
 * agreement test decides, and if they disagree every chain goes on to its
 * next converged check.  A chain that reaches max_passes unconverged ends
 * the point, not converged.
 *
 * Agreement, for every η_j with φ_j > 0, with the chains' μ_rj and error
 * bars s_rj: χ²_j = Σ_r w_r (μ_rj − μ̄_j)², w_r = 1/s_rj², μ̄_j the
 * w-weighted mean, is χ² with R − 1 degrees of freedom when the chains
 * sample one state with honest error bars.  The chains agree when every
 * χ²_j is below the χ²_{R−1} quantile at 1 − α/d_b (Bonferroni over the d_b
 * biased components; α = MC_POINT_ALPHA, so a point with honest chains is
 * refused with probability ≤ α).
 *
 * Reported: ⟨η_j⟩ the plain mean over the chains and μ_j = −2φ_j(⟨η_j⟩ − κ_j)
 * from it (the mean of the chains' μ_j up to rounding); the error bar
 * max(w, b) of two estimates of the standard error of that mean: the
 * chains' own, w = √(Σ_r s_rj²)/R, and the spread of their means,
 * b = sd_r(μ_rj)/√R (R − 1 degrees of freedom).  Both are unbiased in the
 * variance for chains that sample one state with honest error bars, and then
 * the larger is on average 17 % above the true standard error for R = 2
 * (E max(1, |Z|) = 1.166); b also holds when the chains' own error bars are
 * too small (τ̂ fluctuating low when a chain stops: on the LCO-like system
 * the pooled √((w² + b²)/2) left the spread 1.02–1.43× the error bar, the
 * larger 0.83–1.15×, docs/monte-carlo.md), and it makes the error bar of
 * chains that disagree reflect their disagreement.  τ_j: the mean of the
 * chains' τ; passes, samples and equilibration samples summed over the
 * chains (samples + equilibration = passes, as for one chain); acceptance and energy: the mean; the
 * curvature: Cov(η) the mean of the chains', Ĥ = (k_BT/N)Ĉ⁻¹ − 2Φ from it
 * (mc_point_run; mc_point_combine leaves the mean of the chains' Ĥ), its
 * error bar combined as μ's; not measured (NaN) unless measured in every
 * chain.
 * Frozen when any chain is frozen (its reason reported).
 * One chain (R = 1) is exactly mc_chain_run. */
#ifndef ALFE_MC_POINT_H
#define ALFE_MC_POINT_H

#include "alfe/lattice/mc.h"

#define MC_POINT_MAX_CHAINS 16
#define MC_POINT_ALPHA 0.01

/* chains: R ≥ 1 chains on the same supercell; each (R entries, may be NULL)
 * receives every chain's own result. */
int mc_point_run(mc_chain *const *chains, int n_chains, const mc_params *params,
                 mc_result *result, mc_result *each);

/* The combination of R finished chains' results (pure; for tests): fills
 * result (converged only if every chain converged and they agree). */
void mc_point_combine(const mc_result *each, int n_chains, int d, const mc_params *params,
                      mc_result *result);

/* The agreement test alone on the chains' results: the largest χ²_j (and
 * its j in *worst, −1 if none) and the limit; returns 1 when they agree. */
int mc_point_agree(const mc_result *each, int n_chains, int d, const double *phi,
                   double *chi2_max, int *worst, double *limit);

#endif
