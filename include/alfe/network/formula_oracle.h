/* formula_oracle.h — a free energy posed as a formula ([oracle] free_energy):
 *
 *   g(η) = [ideal mixing k_B T/M Σ_s x_s ln x_s + (1−x_s) ln(1−x_s), x = Q⁺η]
 *          + P(η)
 *
 * with P a polynomial in e0 … e(d−1) written in the invariants' formula
 * syntax (invariants.h), and its exact gradient and Hessian.  Plugged into
 * the oracle's saddle-point solver as its free-energy callback
 * (oracle_use_free_energy), so a user or a test can pose a free energy with
 * known wells, spinodals and lowest-g path (docs/oracle.md).
 * Owns: oracle_formula.  Must not read the configuration. */
#ifndef ALFE_FORMULA_ORACLE_H
#define ALFE_FORMULA_ORACLE_H

#include "alfe/network/invariants.h"
#include "alfe/space/oracle.h"

typedef struct {
    polynomial poly;
    int ideal;          /* 1: add the ideal mixing of the domain's sublattices */
} oracle_formula;

/* Parse `text` in d variables.  A syntax error is ALFE_ERR_INPUT "column C:
 * ..." with *column set (may be NULL). */
int oracle_formula_create(const char *text, int d, int ideal, oracle_formula **out,
                          int *column);
void oracle_formula_destroy(oracle_formula **f);

/* The oracle_free_energy_fn: context is an oracle_formula.  Ideal: -1 where
 * some x_s is outside (0,1); without ideal mixing: -1 outside the domain
 * (a chain cannot be there either). */
int oracle_formula_free_energy(const oracle_model *o, void *context, const double *eta,
                               double *g, double *grad, double *hess);

#endif
