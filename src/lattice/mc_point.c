/* mc_point.c — several chains at one point side by side, their agreement and
 * combination (see mc_point.h).
 * Owns: nothing; the chains are the caller's.  Must not do I/O. */
#include "alfe/lattice/mc_point.h"

#include "alfe/base/constants.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/lattice/fluctuation.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int mc_point_agree(const mc_result *each, int R, int d, const double *phi, double *chi2_max,
                   int *worst, double *limit)
{
    int biased = 0;
    for (int j = 0; j < d; j++)
        biased += phi[j] > 0;
    *chi2_max = 0.0;
    *worst = -1;
    *limit = INFINITY;
    if (R < 2 || biased == 0)
        return 1;
    *limit = gsl_cdf_chisq_Qinv(MC_POINT_ALPHA / biased, (double)(R - 1));
    for (int j = 0; j < d; j++) {
        if (!(phi[j] > 0))
            continue;
        double sw = 0.0, swm = 0.0, chi2 = 0.0;
        int zero = 0, unknown = 0;
        for (int r = 0; r < R; r++) {
            const double s = each[r].mu_stderr[j];
            if (!isfinite(s) || !isfinite(each[r].mu[j]))
                unknown = 1;
            else if (s == 0.0)
                zero = 1;
            else {
                sw += 1.0 / (s * s);
                swm += each[r].mu[j] / (s * s);
            }
        }
        if (unknown) {
            chi2 = INFINITY;
        } else if (zero) {
            /* a constant series: the chains agree only on the same value */
            for (int r = 1; r < R; r++)
                if (each[r].mu[j] != each[0].mu[j])
                    chi2 = INFINITY;
        } else {
            const double mean = swm / sw;
            for (int r = 0; r < R; r++) {
                const double z = (each[r].mu[j] - mean) / each[r].mu_stderr[j];
                chi2 += z * z;
            }
        }
        if (chi2 > *chi2_max || (*worst < 0 && chi2 >= *chi2_max)) {
            *chi2_max = chi2;
            *worst = j;
        }
    }
    return *chi2_max <= *limit;
}

/* mean over the chains and the error bar max(w, b), w = √(Σ s²)/R from the
 * chains' own error bars, b = sd/√R from the spread of their means */
static void combine_value(const double *v, const double *s, int R, double *mean, double *err)
{
    double m = 0.0, ss = 0.0;
    for (int r = 0; r < R; r++) {
        m += v[r];
        ss += s[r] * s[r];
    }
    m /= R;
    double within = sqrt(ss) / R, between = 0.0;
    if (R > 1) {
        double var = 0.0;
        for (int r = 0; r < R; r++)
            var += (v[r] - m) * (v[r] - m);
        between = sqrt(var / (R - 1) / R);
    }
    *mean = m;
    *err = isfinite(within) && between > within ? between : within;
}

void mc_point_combine(const mc_result *each, int R, int d, const mc_params *p, mc_result *r)
{
    const double *phi = p->phi;
    if (R == 1) {
        *r = each[0];
        return;
    }
    memset(r, 0, sizeof *r);
    double v[MC_POINT_MAX_CHAINS], s[MC_POINT_MAX_CHAINS];
    int converged = 1;
    for (int c = 0; c < R; c++) {
        converged &= each[c].converged;
        if (each[c].frozen && !r->frozen) {
            r->frozen = 1;
            r->frozen_reason = each[c].frozen_reason;
        }
        r->samples += each[c].samples;
        r->equilibration_samples += each[c].equilibration_samples;
        r->passes += each[c].passes;
        r->acceptance += each[c].acceptance / R;
        r->energy += each[c].energy / R;
        r->seconds += each[c].seconds;
        if (each[c].curvature_status > r->curvature_status)
            r->curvature_status = each[c].curvature_status;
    }
    for (int j = 0; j < d; j++) {
        for (int c = 0; c < R; c++) {
            v[c] = each[c].mu[j];
            s[c] = each[c].mu_stderr[j];
        }
        double mean_mu;
        combine_value(v, s, R, &mean_mu, &r->mu_stderr[j]);
        if (!(phi[j] > 0))
            r->mu_stderr[j] = 0.0; /* μ_j = 0 exactly (mc.c) */
        double eta = 0.0, tau = 0.0;
        for (int c = 0; c < R; c++) {
            eta += each[c].eta_mean[j];
            tau += each[c].tau[j];
        }
        r->eta_mean[j] = eta / R;
        r->tau[j] = tau / R;
        /* the mean of the chains' μ, computed as each chain's is, from the
         * mean ⟨η⟩, so that μ = −2φ(⟨η⟩ − κ) holds exactly for the row */
        r->mu[j] = -2.0 * phi[j] * (r->eta_mean[j] - p->kappa[j]);
    }
    for (int k = 0; k < d * d; k++) {
        double cov = 0.0;
        for (int c = 0; c < R; c++) {
            cov += each[c].curvature.eta_cov[k];
            v[c] = each[c].curvature.hessian[k];
            s[c] = each[c].curvature.hessian_stderr[k];
        }
        r->curvature.eta_cov[k] = cov / R;
        combine_value(v, s, R, &r->curvature.hessian[k], &r->curvature.hessian_stderr[k]);
    }
    /* measured at the point only when measured in every chain (a chain
     * whose Cov is singular or too short has no Ĥ to combine) */
    if (r->curvature_status != FLUCTUATION_OK)
        fluctuation_clear(&r->curvature, d);
    r->chains = R;
    r->chains_agree = mc_point_agree(each, R, d, phi, &r->chains_chi2, &r->chains_worst,
                                     &r->chains_chi2_limit);
    r->converged = converged && r->chains_agree && !r->frozen;
}

int mc_point_run(mc_chain *const *chains, int R, const mc_params *p, mc_result *r,
                 mc_result *each)
{
    if (R < 1 || R > MC_POINT_MAX_CHAINS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "chains per point must be in [1, %d] (got %d)",
                         MC_POINT_MAX_CHAINS, R);
    if (R == 1) {
        ALFE_CHECK(mc_chain_run(chains[0], p, r));
        if (each)
            each[0] = *r;
        return ALFE_OK;
    }
    const double t0 = alfe_wall_time();
    mc_result *res = ALFE_CALLOC((size_t)R, sizeof *res); /* 25 KB each */
    int status = ALFE_OK;
    for (int c = 0; c < R && status == ALFE_OK; c++)
        status = mc_chain_begin(chains[c], p, (uint64_t)c,
                                c % 2 ? MC_START_DISORDERED : MC_START_KAPPA);
    if (status != ALFE_OK) {
        free(res);
        return status;
    }
    const int d = mc_chain_dimension(chains[0]);
    /* Each chain runs from check to check and stops at its first converged
     * check, as one chain does (so chain 0 stops where mc_chain_run would).
     * When every chain has stopped converged, the agreement test decides;
     * if they disagree, every chain that can goes on to its next converged
     * check and the test is repeated.  A chain that reaches max_passes
     * unconverged ends the point (not converged). */
    int active[MC_POINT_MAX_CHAINS], conv[MC_POINT_MAX_CHAINS];
    for (int c = 0; c < R; c++)
        active[c] = 1, conv[c] = 0;
    int agreed = 0, exhausted = 0;
    while (!agreed && !exhausted) {
        int running = 0;
        for (int c = 0; c < R; c++) {
            if (!active[c])
                continue;
            int is_check;
            const int64_t next = mc_next_stop(mc_chain_passes_done(chains[c]), p, &is_check);
            if (next < 0) {
                active[c] = 0;
                exhausted = 1;
                continue;
            }
            mc_chain_advance(chains[c], p, next);
            if (is_check && mc_chain_check(chains[c], p, 0, &res[c])) {
                conv[c] = 1;
                active[c] = 0;
            }
            running |= active[c];
        }
        if (running || exhausted)
            continue;
        /* every chain stopped converged */
        double chi2, limit;
        int worst;
        agreed = mc_point_agree(res, R, d, p->phi, &chi2, &worst, &limit);
        for (int c = 0; c < R && !agreed; c++) {
            active[c] = mc_chain_passes_done(chains[c]) < p->max_passes;
            conv[c] = 0;
            exhausted |= !active[c];
        }
    }
    for (int c = 0; c < R; c++) {
        const int converged = conv[c] || mc_chain_check(chains[c], p, 1, &res[c]);
        mc_chain_finish(chains[c], p, converged, &res[c]);
    }
    mc_point_combine(res, R, d, p, r);
    /* Ĥ from the pooled Cov(η), so that the stored Ĥ = (k_BT/N)Ĉ⁻¹ − 2Φ holds
     * for the stored Ĉ as for one chain (the mean of the chains' Ĥ differs
     * at second order) */
    if (r->curvature_status == FLUCTUATION_OK) {
        double inv[ALFE_MAX_DIM * ALFE_MAX_DIM];
        const double kt_n = ALFE_KB_EV * p->temperature / mc_chain_cells(chains[0]);
        if (fluctuation_cov_inverse(r->curvature.eta_cov, d, inv) == FLUCTUATION_OK)
            for (int k = 0; k < d; k++)
                for (int l = 0; l < d; l++)
                    r->curvature.hessian[k * d + l] =
                        kt_n * inv[k * d + l] - (k == l ? 2.0 * p->phi[k] : 0.0);
    }
    r->seconds = alfe_wall_time() - t0;
    if (each)
        memcpy(each, res, sizeof(mc_result) * (size_t)R);
    free(res);
    return ALFE_OK;
}
