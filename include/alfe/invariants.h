/* invariants.h — symmetry-invariant polynomials h(η) fed to the network.
 *
 * A polynomial is a sparse table of monomials (coefficient, exponent vector
 * over e0…e(d−1)) with exact value, gradient and Hessian.  Users write
 * invariants as formulas (+ - * / ^, parentheses, numbers, sqrt(number),
 * variables e0…e(d−1)); alfe can also generate them from the group acting on
 * η by Reynolds averaging of monomials (docs/invariants.md).
 * Owns: polynomial and invariant_set. */
#ifndef ALFE_INVARIANTS_H
#define ALFE_INVARIANTS_H

#include <stdint.h>

typedef struct {
    int d;              /* variables e0 … e(d−1) */
    int n_terms;
    double *coef;       /* n_terms */
    uint8_t *pow;       /* n_terms × d exponents */
} polynomial;

typedef struct {
    int d, m;           /* variables, invariants */
    polynomial *poly;   /* m */
    char **formula;     /* m: the text (as written or generated), for records */
} invariant_set;

/* Parse one formula.  On a syntax error returns ALFE_ERR_INPUT with a message
 * naming the 1-based column, and sets *column (may be NULL). */
int polynomial_parse(const char *text, int d, polynomial *out, int *column);
void polynomial_free(polynomial *p);
/* Value, gradient (d) and Hessian (d×d, row-major); grad/hess may be NULL. */
void polynomial_eval(const polynomial *p, const double *eta, double *value, double *grad,
                     double *hess);

int invariant_set_from_formulas(const char *const *formulas, int m, int d, invariant_set **out);
/* One formula per line, '#' comments and blank lines skipped; errors name
 * path:line:column. */
int invariant_set_read(const char *path, int d, invariant_set **out);
void invariant_set_destroy(invariant_set **set);

/* h (m), J = ∂h/∂η (m×d) and K = ∂²h/∂η² (m×d×d) at one point; J, K may be
 * NULL. */
void invariant_set_eval(const invariant_set *set, const double *eta, double *h, double *jac,
                        double *hess);

/* Invariants of a finite group acting linearly on η (n_ops matrices d×d,
 * row-major, η' = A η): Reynolds averages of monomials up to max_degree, a
 * linearly independent set chosen lowest degree first, leaving out products of
 * lower-degree invariants (docs/invariants.md). */
int invariants_from_group(int d, int n_ops, const double *ops, int max_degree,
                          invariant_set **out);

#endif
