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
 * Owns: oracle parameters.  Must not do I/O. */
#ifndef ALFE_ORACLE_H
#define ALFE_ORACLE_H

#include "alfe/io/config.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

#define ALFE_KB_EV 8.617333262e-5 /* Boltzmann constant, eV/K (CODATA 2018) */

typedef struct {
    const domain *dom;
    double kt;
    double omega, a0, a2, b, c;
    double noise;
    const void *network; /* set: g is this network's committee mean */
} oracle_model;

void oracle_init(oracle_model *o, const domain *dom, const alfe_config *cfg);
/* Use a trained committee (model_set, model_io.h) as the free energy instead
 * of the analytic formula ([oracle] network): g, ∇g and the Hessian are the
 * committee means; points outside the domain are undefined as before. */
void oracle_use_network(oracle_model *o, const void *models);

/* g, ∇g (d) and the Hessian (d×d, may be NULL) at η.  Returns 0, or -1 when
 * some x_s(η) is outside (0,1) (g is undefined there). */
int oracle_free_energy(const oracle_model *o, const double *eta, double *g, double *grad,
                       double *hess);

/* Evaluate a point: ⟨η⟩ by damped Newton on F from eta_target, μ with
 * noise from the point's own stream.  Fills a point_result. */
int oracle_evaluate(const oracle_model *o, const point_input *in, point_result *out);

#endif
