/* convergence.h — equilibration and error bars of a Monte Carlo series, as
 * CASM does it (casm monte; Van de Walle & Asta, Modelling Simul. Mater. Sci.
 * Eng. 10 (2002) 521):
 *
 * Equilibration: the series x[0..n) is split into an equilibration stage
 * [0, s) and two halves [s, s2), [s2, n) of equal size (±1); s is the first
 * index where |mean(half 1) − mean(half 2)| < prec, moved further until the
 * equilibration stage holds values on both sides of the mean of [s, n).
 *
 * Precision of the mean of the equilibrated part: c0 = variance; i = the
 * first lag with autocovariance c_i ≤ c0/2; ρ = 2^(−1/i);
 * var(mean) = c0/n · (1+ρ)/(1−ρ); precision = √2·erfinv(conf)·√var(mean).
 * τ = (1+ρ)/(1−ρ) is the statistical inefficiency (integrated
 * autocorrelation time in samples).
 * Owns: nothing; pure functions over arrays. */
#ifndef ALFE_CONVERGENCE_H
#define ALFE_CONVERGENCE_H

/* Returns 1 and sets *start when equilibrated; 0 when not (start = n). */
int convergence_equilibration(const double *x, int n, double prec, int *start);

typedef struct {
    double mean;
    double var_mean;    /* variance of the mean, autocorrelation-corrected */
    double tau;         /* (1+ρ)/(1−ρ) */
    int found_rho;      /* 0: autocorrelation never fell to 1/2 (var_mean = inf) */
} convergence_stats;

void convergence_mean_stats(const double *x, int n, convergence_stats *out);

/* √2·erfinv(confidence): the factor turning a standard error into a
 * precision at that two-sided confidence level (1.96 for 0.95). */
double convergence_z(double confidence);

#endif
