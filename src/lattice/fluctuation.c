/* fluctuation.c — Ĥ = (k_BT/N)·Ĉ⁻¹ − 2Φ from the samples of one chain, with
 * delta-method standard errors whose autocorrelation comes from Sokal's
 * window on the influence series (formulas and conventions: fluctuation.h).
 * Owns: nothing stateful.  Cost: O(n·d²) for Ĉ and the influence vectors,
 * then one FFT autocovariance O(n log n) per element k ≤ l; run once per
 * chain, after its convergence loop. */
#include "alfe/lattice/fluctuation.h"

#include "alfe/base/constants.h"
#include "alfe/base/util.h"
#include "alfe/lattice/convergence.h"

#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void fluctuation_clear(point_curvature *out, int d)
{
    for (int i = 0; i < d * d; i++)
        out->eta_cov[i] = out->hessian[i] = out->hessian_stderr[i] = NAN;
}

/* Sokal's automatic window on one series, as convergence_mean_stats_window
 * (same c_t = (1/n)Σ(x_i − x̄)(x_{i+t} − x̄), window rule M ≥ C·τ(M) within
 * n/4, Wolff's bias factor 1 + (2M+1)/n), then widened to min_window as
 * convergence_mean_stats_fixed_window — but every lag at once from one FFT
 * (O(n log n) instead of O(n·M): d(d+1)/2 series per chain, with windows of
 * hundreds of samples on slow modes).  fft: scratch of `size` doubles, size
 * a power of 2 ≥ 2n.  Returns var_mean (inf: no window; 0: constant). */
static double window_var_mean(const double *x, int n, int min_window, double *fft, size_t size)
{
    double mean = 0.0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (size_t i = 0; i < size; i++)
        fft[i] = i < (size_t)n ? x[i] - mean : 0.0;
    gsl_fft_real_radix2_transform(fft, 1, size);
    /* halfcomplex: |X_k|² in the real slots, 0 in the imaginary ones */
    fft[0] = fft[0] * fft[0];
    fft[size / 2] = fft[size / 2] * fft[size / 2];
    for (size_t k = 1; k < size / 2; k++) {
        fft[k] = fft[k] * fft[k] + fft[size - k] * fft[size - k];
        fft[size - k] = 0.0;
    }
    gsl_fft_halfcomplex_radix2_inverse(fft, 1, size);
    /* fft[t] = Σ_i (x_i − x̄)(x_{i+t} − x̄) (zero padding: no wrap-around) */
    const double c0 = fft[0] / n;
    if (!(c0 > 1e-300))
        return 0.0;
    double tau = 1.0;
    int window = 0;
    for (int lag = 1; lag <= n / 4; lag++) {
        tau += 2.0 * (fft[lag] / n) / c0;
        if (lag >= CONVERGENCE_SOKAL_C * tau) {
            window = lag;
            break;
        }
    }
    if (window == 0 || !(tau > 0))
        return INFINITY;
    if (min_window > window && min_window <= n / 2) {
        for (int lag = window + 1; lag <= min_window; lag++)
            tau += 2.0 * (fft[lag] / n) / c0;
        window = min_window;
    }
    tau *= 1.0 + (2.0 * window + 1.0) / n;
    return tau > 0 ? c0 / n * tau : INFINITY;
}

int fluctuation_cov_inverse(const double *cov, int d, double *inv)
{
    /* Ĉ⁻¹ by Cholesky of the correlation matrix R = S⁻¹ĈS⁻¹ (S = diag √Ĉ_kk),
     * in plain C so that the result is the same bits in every process (a
     * LAPACK eigensolver is not: alfe mc must reproduce a campaign row).
     * A zero variance or a pivot of R ≤ 1e-12 (R's smallest eigenvalue is
     * at most the smallest pivot): some combination of η did not move. */
    double *chol = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    double scale[ALFE_MAX_DIM];
    int singular = 0;
    for (int k = 0; k < d && !singular; k++) {
        singular = !(cov[k * d + k] > 0);
        scale[k] = singular ? 0.0 : sqrt(cov[k * d + k]);
    }
    for (int k = 0; k < d && !singular; k++) {
        for (int l = 0; l <= k; l++) {
            double s = cov[k * d + l] / (scale[k] * scale[l]);
            for (int e = 0; e < l; e++)
                s -= chol[k * d + e] * chol[l * d + e];
            if (l == k) {
                singular = !(s > 1e-12);
                chol[k * d + k] = singular ? 0.0 : sqrt(s);
            } else {
                chol[k * d + l] = s / chol[l * d + l];
            }
        }
    }
    if (singular) {
        free(chol);
        return FLUCTUATION_SINGULAR;
    }
    /* R⁻¹ = L⁻ᵀL⁻¹: column c of L⁻¹ by forward substitution, then
     * Ĉ⁻¹_kl = R⁻¹_kl/(s_k s_l) */
    double *linv = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    for (int c = 0; c < d; c++)
        for (int k = 0; k < d; k++) {
            double s = k == c ? 1.0 : 0.0;
            for (int e = c; e < k; e++)
                s -= chol[k * d + e] * linv[e * d + c];
            linv[k * d + c] = k < c ? 0.0 : s / chol[k * d + k];
        }
    for (int k = 0; k < d; k++)
        for (int l = k; l < d; l++) {
            double s = 0.0;
            for (int e = l; e < d; e++)
                s += linv[e * d + k] * linv[e * d + l];
            inv[k * d + l] = inv[l * d + k] = s / (scale[k] * scale[l]);
        }
    free(linv);
    free(chol);
    return FLUCTUATION_OK;
}

int fluctuation_curvature(const double *samples, int n, int d, double temperature,
                          double n_cells, const double *phi, int min_window, int estimator,
                          point_curvature *out)
{
    fluctuation_clear(out, d);
    if (d < 1 || n < CONVERGENCE_MIN_SERIES)
        return FLUCTUATION_SHORT;
    const double kt_n = ALFE_KB_EV * temperature / n_cells;
    double mean[ALFE_MAX_DIM] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            mean[j] += samples[(size_t)i * d + j];
    for (int j = 0; j < d; j++)
        mean[j] /= n;
    /* Ĉ with divisor n − 1 */
    double *cov = out->eta_cov;
    for (int k = 0; k < d * d; k++)
        cov[k] = 0.0;
    for (int i = 0; i < n; i++) {
        const double *x = samples + (size_t)i * d;
        for (int k = 0; k < d; k++)
            for (int l = k; l < d; l++)
                cov[k * d + l] += (x[k] - mean[k]) * (x[l] - mean[l]);
    }
    for (int k = 0; k < d; k++)
        for (int l = k; l < d; l++)
            cov[l * d + k] = cov[k * d + l] = cov[k * d + l] / (n - 1);

    double *inv = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    if (fluctuation_cov_inverse(cov, d, inv) != FLUCTUATION_OK) {
        free(inv);
        return FLUCTUATION_SINGULAR;
    }
    for (int k = 0; k < d; k++)
        for (int l = 0; l < d; l++)
            out->hessian[k * d + l] = kt_n * inv[k * d + l] - (k == l ? 2.0 * phi[k] : 0.0);

    /* influence vectors u_t = Ĉ⁻¹(η_t − η̄), then y_t = u_tk u_tl per element */
    double *u = ALFE_MALLOC(sizeof(double) * (size_t)n * d);
    double *y = ALFE_MALLOC(sizeof(double) * (size_t)n);
    size_t fft_size = 1;
    while (fft_size < 2 * (size_t)n)
        fft_size *= 2;
    double *fft = ALFE_MALLOC(sizeof(double) * fft_size);
    for (int i = 0; i < n; i++) {
        const double *x = samples + (size_t)i * d;
        for (int k = 0; k < d; k++) {
            double s = 0.0;
            for (int l = 0; l < d; l++)
                s += inv[k * d + l] * (x[l] - mean[l]);
            u[(size_t)i * d + k] = s;
        }
    }
    for (int k = 0; k < d; k++)
        for (int l = k; l < d; l++) {
            for (int i = 0; i < n; i++)
                y[i] = u[(size_t)i * d + k] * u[(size_t)i * d + l];
            convergence_stats st;
            if (estimator == FLUCTUATION_NAIVE) {
                convergence_mean_stats_naive(y, n, &st);
            } else if (estimator == FLUCTUATION_CASM) {
                convergence_mean_stats_casm(y, n, &st);
            } else if (min_window < 0) {
                /* the chain's own τ could not be estimated: neither can
                 * these (and the window scan would cost O(n²)) */
                st.var_mean = INFINITY;
            } else {
                st.var_mean = window_var_mean(y, n, min_window, fft, fft_size);
            }
            /* not estimated: var_mean = inf, stderr = inf */
            const double se = kt_n * sqrt(st.var_mean);
            out->hessian_stderr[k * d + l] = out->hessian_stderr[l * d + k] = se;
        }
    free(fft);
    free(y);
    free(u);
    free(inv);
    return FLUCTUATION_OK;
}
