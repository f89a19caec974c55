/* oracle.h — the built-in analytic free energy that stands in for Monte Carlo
 * (docs/oracle.md has the formula and its parameters).
 *
 *   g(η) = k_B T/M Σ_s [x_s ln x_s + (1−x_s) ln(1−x_s)]        x = Q⁺η
 *        + Ω η0 (1−η0)
 *        + Σ_{i≥1} [a(η0) ηi² + b ηi⁴] + c Σ_{1≤i<j} ηi² ηj²
 *   a(η0) = a2 (η0 − ½)² − a0
 *
 * An oracle point behaves like an umbrella-sampling chain in the saddle-point
 * limit: ⟨η⟩ minimises F(η) = g(η) + Σ_j φ_j (η_j − κ_j)², so that
 * μ = ∇g(⟨η⟩) = −2φ(⟨η⟩ − κ) exactly (before noise).
 * Owns: oracle parameters.  Must not do I/O nor know what a network is: a
 * trained free energy comes in as a callback (oracle_use_free_energy). */
#ifndef ALFE_ORACLE_H
#define ALFE_ORACLE_H

#include "alfe/base/constants.h" /* ALFE_KB_EV */
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

/* The oracle's parameters ([system] temperature and [oracle], filled by
 * run/system.c from the configuration). */
typedef struct {
    double temperature;                 /* K */
    double omega, a0, a2, b, c;         /* eV per prim cell */
    double noise[ALFE_MAX_DIM];         /* eV per prim cell, on μ_j */
    double hessian_noise;               /* eV per prim cell, on each H_kl */
} oracle_params;

typedef struct oracle_model oracle_model;

/* The free energy the saddle-point solver uses: g, ∇g (d) and the Hessian
 * (d×d, may be NULL) at η; 0, or -1 where g is undefined (the point is then
 * a failed point).  context is the one given to oracle_use_free_energy. */
typedef int (*oracle_free_energy_fn)(const oracle_model *o, void *context, const double *eta,
                                     double *g, double *grad, double *hess);

struct oracle_model {
    const domain *dom;
    double kt;
    double omega, a0, a2, b, c;
    double noise[ALFE_MAX_DIM];
    double hessian_noise;
    oracle_free_energy_fn free_energy;  /* oracle_analytic_free_energy by default */
    void *context;
};

void oracle_init(oracle_model *o, const domain *dom, const oracle_params *p);
/* Use another free energy instead of the analytic formula (run/evaluate.c:
 * a trained committee for [oracle] network). */
void oracle_use_free_energy(oracle_model *o, oracle_free_energy_fn fn, void *context);
/* The analytic formula above (context unused); the default callback. */
int oracle_analytic_free_energy(const oracle_model *o, void *context, const double *eta,
                                double *g, double *grad, double *hess);

/* g, ∇g (d) and the Hessian (d×d, may be NULL) at η through the oracle's
 * callback.  Returns 0, or -1 where g is undefined (analytic: some x_s(η)
 * outside (0,1)). */
int oracle_free_energy(const oracle_model *o, const double *eta, double *g, double *grad,
                       double *hess);

/* Evaluate a point: ⟨η⟩ by damped Newton on F from eta_target, μ with
 * noise from the point's own stream.  Fills a point_result. */
int oracle_evaluate(const oracle_model *o, const point_input *in, point_result *out);

/* The measured curvature of an evaluated point (res from oracle_evaluate):
 * g's exact Hessian at ⟨η⟩ (through the callback) plus Gaussian noise of
 * standard deviation hessian_noise on each element k ≤ l, mirrored so the
 * matrix stays symmetric, from the point's own stream (key 1 of the
 * oracle-noise purpose, so μ's noise is unchanged); hessian_stderr =
 * hessian_noise (0: exact); eta_cov NaN (not a chain).  A failed point, or
 * one whose Hessian cannot be evaluated: all NaN. */
void oracle_curvature(const oracle_model *o, const point_input *in, const point_result *res,
                      point_curvature *out);

#endif
