/* convergence.c — CASM-style equilibration and an autocorrelation-corrected
 * precision by Sokal's automatic windowing (see convergence.h for the
 * algorithms and their sources; CASM's lag-½ estimator kept for comparison).
 * Owns: nothing stateful.  mc.c runs it every [mc] check_every samples
 * (default 100) once min_passes are done, and once more at max_passes, so
 * each call is O(n) except the autocovariance scan, O(n·M) for the window M
 * (≈ 5τ), which stops at the window or at the caller's max_lag. */
#include "alfe/lattice/convergence.h"

#include "alfe/base/util.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

double convergence_z(double confidence)
{
    return gsl_cdf_ugaussian_Pinv(0.5 * (1.0 + confidence));
}

int convergence_equilibration(const double *x, int n, double prec, int *start)
{
    *start = n;
    if (n < 2)
        return 0;
    double lo = x[0], hi = x[0];
    for (int i = 1; i < n; i++) {
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    /* A constant series is equilibrated from the first sample. */
    if (hi - lo <= 1e-12 * fmax(1.0, fabs(hi))) {
        *start = 0;
        return 1;
    }
    double *prefix = ALFE_MALLOC(sizeof(double) * ((size_t)n + 1));
    prefix[0] = 0.0;
    for (int i = 0; i < n; i++)
        prefix[i + 1] = prefix[i] + x[i];
    int s = -1;
    for (int s1 = 0; s1 + 1 < n; s1++) {
        int size1 = (n - s1) / 2;
        int s2 = s1 + size1;
        double mean1 = (prefix[s2] - prefix[s1]) / size1;
        double mean2 = (prefix[n] - prefix[s2]) / (n - s2);
        if (fabs(mean1 - mean2) < prec) {
            s = s1;
            break;
        }
    }
    if (s < 0) {
        free(prefix);
        return 0;
    }
    /* Extend the equilibration stage until it has crossed the mean. */
    double mean = (prefix[n] - prefix[s]) / (n - s);
    int below = 0, above = 0;
    for (int i = 0; i < s; i++) {
        below |= x[i] <= mean;
        above |= x[i] >= mean;
    }
    while (!(below && above) && s < n - 1) {
        below |= x[s] <= mean;
        above |= x[s] >= mean;
        s++;
    }
    free(prefix);
    if (!(below && above))
        return 0;
    *start = s;
    return 1;
}

int convergence_truncation_geweke(const double *x, int n, double var_unit, double z, int *start)
{
    *start = 0;
    if (n < CONVERGENCE_MIN_SERIES || !(var_unit > 0))
        return 1;
    *start = n;
    if (!isfinite(var_unit))
        return 0;
    double *prefix = ALFE_MALLOC(sizeof(double) * ((size_t)n + 1));
    prefix[0] = 0.0;
    for (int i = 0; i < n; i++)
        prefix[i + 1] = prefix[i] + x[i];
    const int step = n / 200 > 1 ? n / 200 : 1;
    int found = 0;
    for (int s = 0; s <= n / 2 && !found; s += step) {
        const int len = n - s;
        const int l10 = len / 10 > 1 ? len / 10 : 1, l50 = len / 2;
        const double m10 = (prefix[s + l10] - prefix[s]) / l10;
        const double m50 = (prefix[n] - prefix[n - l50]) / l50;
        if (fabs(m10 - m50) < z * sqrt(var_unit * (1.0 / l10 + 1.0 / l50))) {
            *start = s;
            found = 1;
        }
    }
    free(prefix);
    return found;
}

/* The part every estimator shares: out reset to "not estimated", the mean,
 * and c0 = (1/n) Σ (x_i − x̄)².  Returns 0 when there is nothing to
 * estimate (n < 2, or a constant series: mean exact, var_mean 0). */
static int series_moments(const double *x, int n, convergence_stats *out, double *c0_out)
{
    out->mean = NAN;
    out->var_mean = INFINITY;
    out->tau = NAN;
    out->window = 0;
    out->estimated = 0;
    out->constant = 0;
    if (n < 2)
        return 0;
    double sum = 0.0;
    for (int i = 0; i < n; i++)
        sum += x[i];
    const double mean = sum / n;
    out->mean = mean;
    double c0 = 0.0, lo = x[0], hi = x[0];
    for (int i = 0; i < n; i++) {
        c0 += (x[i] - mean) * (x[i] - mean);
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    c0 /= n;
    /* A truly constant series: its mean is exact, τ is undefined. */
    if (hi == lo || c0 <= 1e-300) {
        out->var_mean = 0.0;
        out->constant = 1;
        return 0;
    }
    *c0_out = c0;
    return 1;
}

/* Σ_{i<n−lag} (x_i − x̄)(x_{i+lag} − x̄), unnormalised. */
static double lag_product_sum(const double *x, int n, double mean, int lag)
{
    double c = 0.0;
    const double *a = x, *b = x + lag;
    const int len = n - lag;
    for (int i = 0; i < len; i++)
        c += (a[i] - mean) * (b[i] - mean);
    return c;
}

/* lag_product_sum for the LAG_BLOCK lags lag0 … lag0 + 3 in one pass over
 * the series: each sum takes the same products in the same order as
 * lag_product_sum (so the same bits), and the four independent sums hide
 * the latency of the floating-point additions, which bounds the one-lag
 * loop (eight sums measured no faster).  Needs lag0 + 3 < n. */
#define LAG_BLOCK 4
static void lag_product_sums4(const double *x, int n, double mean, int lag0, double c[LAG_BLOCK])
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    const double *b = x + lag0;
    const int len = n - lag0 - (LAG_BLOCK - 1); /* the shortest of the four */
    for (int i = 0; i < len; i++) {
        const double a = x[i] - mean;
        s0 += a * (b[i] - mean);
        s1 += a * (b[i + 1] - mean);
        s2 += a * (b[i + 2] - mean);
        s3 += a * (b[i + 3] - mean);
    }
    c[0] = s0;
    c[1] = s1;
    c[2] = s2;
    c[3] = s3;
    /* the longer sums' last terms, in order: lag0 + k runs to n − lag0 − k */
    for (int k = 0; k < LAG_BLOCK - 1; k++)
        for (int i = len; i < n - lag0 - k; i++)
            c[k] += (x[i] - mean) * (b[i + k] - mean);
}

/* c_t = lag_product_sum(x, n, mean, t) for t = lag … lag + k − 1 (k ≤
 * LAG_BLOCK), four at a time where the series is long enough. */
static int lag_sums(const double *x, int n, double mean, int lag, int last, double c[LAG_BLOCK])
{
    if (last - lag + 1 >= LAG_BLOCK && lag + LAG_BLOCK - 1 < n) {
        lag_product_sums4(x, n, mean, lag, c);
        return LAG_BLOCK;
    }
    c[0] = lag_product_sum(x, n, mean, lag);
    return 1;
}

/* τ summed to window M, corrected for the subtracted sample mean: each c_t is
 * low by about var(x̄), so τ(M) is low by (2M+1)/n of itself (Wolff 2004). */
static void set_window_estimate(convergence_stats *out, int n, double c0, double tau, int window)
{
    tau *= 1.0 + (2.0 * window + 1.0) / n;
    if (!(tau > 0))
        return;
    out->tau = tau;
    out->window = window;
    out->var_mean = c0 / n * tau;
    out->estimated = 1;
}

void convergence_mean_stats_window(const double *x, int n, int max_lag, convergence_stats *out)
{
    double c0;
    if (!series_moments(x, n, out, &c0) || n < CONVERGENCE_MIN_SERIES)
        return;
    if (max_lag > n / 2)
        max_lag = n / 2;
    /* Sokal's automatic window: τ(M) = 1 + 2 Σ_{t=1..M} c_t/c0 with the
     * biased autocovariance c_t = (1/n) Σ (x_i − x̄)(x_{i+t} − x̄); the window
     * is the smallest M with M ≥ C·τ(M).  Direct sums, stopped at the window. */
    double tau = 1.0, c[LAG_BLOCK];
    for (int lag = 1; lag <= max_lag;) {
        const int k = lag_sums(x, n, out->mean, lag, max_lag, c);
        for (int j = 0; j < k; j++, lag++) {
            tau += 2.0 * (c[j] / n) / c0;
            if (lag >= CONVERGENCE_SOKAL_C * tau) {
                /* tau ≤ 0: anticorrelated beyond what the window resolves */
                if (tau > 0)
                    set_window_estimate(out, n, c0, tau, lag);
                return;
            }
        }
    }
}

void convergence_mean_stats(const double *x, int n, convergence_stats *out)
{
    convergence_mean_stats_window(x, n, n / 4, out);
}

void convergence_mean_stats_casm(const double *x, int n, convergence_stats *out)
{
    double c0;
    if (!series_moments(x, n, out, &c0))
        return;
    const double mean = out->mean;
    for (int lag = 1; lag < n / 2; lag++) {
        const double c = lag_product_sum(x, n, mean, lag) / (n - lag);
        if (c <= 0.5 * c0) {
            double rho = pow(2.0, -1.0 / lag);
            out->tau = (1.0 + rho) / (1.0 - rho);
            out->var_mean = c0 / n * out->tau;
            out->window = lag;
            out->estimated = 1;
            return;
        }
    }
}

void convergence_mean_stats_naive(const double *x, int n, convergence_stats *out)
{
    double c0;
    if (!series_moments(x, n, out, &c0))
        return;
    out->tau = 1.0;
    out->var_mean = c0 / n;
    out->estimated = 1;
}

void convergence_mean_stats_fixed_window(const double *x, int n, int window, convergence_stats *out)
{
    double c0;
    if (!series_moments(x, n, out, &c0) || n < CONVERGENCE_MIN_SERIES || window < 1 ||
        window > n / 2)
        return;
    double tau = 1.0, c[LAG_BLOCK];
    for (int lag = 1; lag <= window;) {
        const int k = lag_sums(x, n, out->mean, lag, window, c);
        for (int j = 0; j < k; j++, lag++)
            tau += 2.0 * (c[j] / n) / c0;
    }
    set_window_estimate(out, n, c0, tau, window);
}
