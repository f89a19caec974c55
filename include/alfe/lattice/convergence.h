/* convergence.h — equilibration and error bars of a Monte Carlo series, as
 * CASM does it (casm monte; Van de Walle & Asta, Modelling Simul. Mater. Sci.
 * Eng. 10 (2002) 521):
 *
 * Equilibration: the series x[0..n) is split into an equilibration stage
 * [0, s) and two halves [s, s2), [s2, n) of equal size (±1); s is the first
 * index where |mean(half 1) − mean(half 2)| < prec, moved further until the
 * equilibration stage holds values on both sides of the mean of [s, n).
 *
 * Precision of the mean of the equilibrated part (replaces CASM's lag-½
 * estimator, which under-estimates τ on short runs; docs/monte-carlo.md):
 * Sokal's automatic windowing (A. D. Sokal, "Monte Carlo methods in
 * statistical mechanics", Cargèse lectures 1996, §3): c0 = variance,
 * τ(M) = 1 + 2 Σ_{t=1..M} c_t/c0, window M = the smallest M with M ≥ C·τ(M)
 * (C = 5); var(mean) = c0/n · τ; precision = √2·erfinv(conf)·√var(mean).
 * τ is the integrated autocorrelation time (statistical inefficiency) in
 * samples; it is NaN (not estimated, var(mean) = inf) when the series is
 * shorter than CONVERGENCE_MIN_SERIES or no window ≤ max_lag satisfies the
 * condition; a constant series has var(mean) = 0 and τ = NaN.
 * Owns: nothing; pure functions over arrays. */
#ifndef ALFE_CONVERGENCE_H
#define ALFE_CONVERGENCE_H

/* Returns 1 and sets *start when equilibrated; 0 when not (start = n). */
int convergence_equilibration(const double *x, int n, double prec, int *start);

/* Truncation of a leading transient by Geweke's diagnostic (J. Geweke,
 * Bayesian Statistics 4 (1992) 169: the mean of the first 10 % of a
 * stationary series equals that of its last 50 %): the smallest start s in
 * [0, n/2] (scanned in steps of max(1, n/200)) at which
 *   |mean(first 10 % of [s, n)) − mean(last 50 % of [s, n))|
 *       < z·√(var_unit·(1/L10 + 1/L50)),
 * var_unit = c0·τ (the variance of a mean of L samples is var_unit/L),
 * measured by the caller on the second half of the series.  CASM's scan
 * (above) compares the halves with the requested precision only; for a
 * weakly biased component that is several sample standard deviations, so a
 * chain that starts in a long-lived metastable state and leaves it mid-run
 * keeps the trapped part (docs/monte-carlo.md).  Comparing the first tenth
 * makes a remaining piece of the transient stand out against noise ~3×
 * better than comparing halves.  Returns 1 and sets *start, or 0 (start =
 * n) when no s ≤ n/2 passes; var_unit = 0 (constant): start 0. */
int convergence_truncation_geweke(const double *x, int n, double var_unit, double z, int *start);
#define CONVERGENCE_GEWEKE_Z 2.0

/* Sokal's automatic window constant C and the shortest series analysed. */
#define CONVERGENCE_SOKAL_C 5.0
#define CONVERGENCE_MIN_SERIES 20

typedef struct {
    double mean;
    double var_mean;    /* variance of the mean, autocorrelation-corrected;
                           inf when τ was not estimated, 0 for a constant series */
    double tau;         /* integrated autocorrelation time (samples); NaN when
                           not estimated (and for a constant series) */
    int window;         /* the window M (Sokal) or lag i (CASM) used */
    int estimated;      /* 1: τ measured; 0: too short, or no window ≤ max_lag */
    int constant;       /* 1: every value equal (mean exact, var_mean = 0) */
} convergence_stats;

/* Sokal's automatic windowing, searching windows M ≤ max_lag (≤ n/2). */
void convergence_mean_stats_window(const double *x, int n, int max_lag, convergence_stats *out);
/* τ summed over a given window (≤ n/2), with the same bias correction: for
 * a window chosen on another, slower component of the same chain. */
void convergence_mean_stats_fixed_window(const double *x, int n, int window, convergence_stats *out);
/* The same with max_lag = n/4. */
void convergence_mean_stats(const double *x, int n, convergence_stats *out);
/* CASM's estimator (lag-½, ρ = 2^(−1/i)), kept for comparison and tests. */
void convergence_mean_stats_casm(const double *x, int n, convergence_stats *out);
/* No autocorrelation correction (τ = 1), for the calibration tests' contrast. */
void convergence_mean_stats_naive(const double *x, int n, convergence_stats *out);

/* √2·erfinv(confidence): the factor turning a standard error into a
 * precision at that two-sided confidence level (1.96 for 0.95). */
double convergence_z(double confidence);

#endif
