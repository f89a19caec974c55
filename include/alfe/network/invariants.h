/* invariants.h — symmetry-invariant polynomials h(η) fed to the network.
 *
 * A polynomial is a sparse table of monomials (coefficient, exponent vector
 * over e0…e(d−1)) with exact value, gradient and Hessian.  Users write
 * invariants as formulas (+ - * / ^, parentheses, numbers, sqrt(number),
 * variables e0…e(d−1)); alfe can also generate them from the group acting on
 * η by Reynolds averaging of monomials (docs/invariants.md).
 * Owns: polynomial and invariant_set (invariants.c).  The Reynolds generator
 * and the group acting on η built from a prim are in invariants_group.h. */
#ifndef ALFE_INVARIANTS_H
#define ALFE_INVARIANTS_H

#include <stdint.h>

/* Limits: variables per polynomial, exponent of one variable (uint8_t). */
#define POLYNOMIAL_MAX_VARS 64
#define POLYNOMIAL_MAX_EXPONENT 255
/* Deepest nesting of parentheses, sqrt( and unary signs in a formula. */
#define POLYNOMIAL_MAX_DEPTH 256

/* Canonical form, kept by every function here: no two terms share an
 * exponent vector, no coefficient is zero (a sum that cancels to rounding,
 * |Σc| ≤ 4ε·Σ|c|, counts as zero), and terms are sorted by total degree, then
 * by the exponent of e0 descending, then of e1, … (graded lexicographic:
 * 1, e0, e1, …, e0^2, e0*e1, …).  The zero polynomial has no terms. */
typedef struct {
    int d;              /* variables e0 … e(d−1), 1..POLYNOMIAL_MAX_VARS */
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
 * "column C: what was expected" (C 1-based) and sets *column (may be NULL;
 * 0 on success).  Grammar, lowest precedence first (docs/invariants.md):
 *   sum     = product { ("+" | "-") product }
 *   product = unary { ("*" | "/") unary }        divisor must be a constant
 *   unary   = ("-" | "+") unary | power          so -e0^2 = -(e0^2)
 *   power   = primary [ "^" integer ]            0..255; a^b^c is refused
 *   primary = number | "e" index | "sqrt" "(" sum ")" | "(" sum ")"
 * numbers as in C (2, 8., .5, 1e-3, 8./3. is 8/3); sqrt only of a
 * non-negative constant.  Refused: nesting ("(", "sqrt(", unary signs)
 * deeper than POLYNOMIAL_MAX_DEPTH, and a coefficient that is not finite
 * (a number or product beyond ±DBL_MAX, e.g. 1e300*1e300*e0). */
int polynomial_parse(const char *text, int d, polynomial *out, int *column);
void polynomial_free(polynomial *p);
/* Value, gradient (d) and Hessian (d×d, row-major); grad/hess may be NULL. */
void polynomial_eval(const polynomial *p, const double *eta, double *value, double *grad,
                     double *hess);

/* Additions. */
/* Highest total degree of a term (0 for constants and the zero polynomial). */
int polynomial_degree(const polynomial *p);
/* Deep copy into *out. */
void polynomial_copy(const polynomial *p, polynomial *out);
/* Canonical polynomial from n terms in any order, repeats allowed (they are
 * summed); coef and pow (n × d) are copied. */
void polynomial_from_terms(int d, int n, const double *coef, const uint8_t *pow,
                           polynomial *out);
/* out = a·b (out may not alias a or b).  Fails with ALFE_ERR_INPUT when an
 * exponent would exceed POLYNOMIAL_MAX_EXPONENT or the expansion has more
 * than 2^22 products of terms; out is then the zero polynomial. */
int polynomial_multiply(const polynomial *a, const polynomial *b, polynomial *out);
/* A formula that polynomial_parse reads back to the same polynomial
 * (coefficients that are p/q with q ≤ 1000 exactly in double are written as
 * p/q, others with 17 significant digits; "0" for the zero polynomial).
 * Newly allocated. */
char *polynomial_format(const polynomial *p);

int invariant_set_from_formulas(const char *const *formulas, int m, int d, invariant_set **out);
/* One formula per line, '#' comments (whole line or after a formula) and
 * blank lines skipped; errors name path:line:column.  A formula that is a
 * constant is refused (it would be a dead network input). */
int invariant_set_read(const char *path, int d, invariant_set **out);
void invariant_set_destroy(invariant_set **set);
/* Addition: write a formula file invariant_set_read reads back to the same
 * polynomials: `comment` first (may be NULL; each of its lines prefixed with
 * "# "), then polynomial_format of each invariant, one per line. */
int invariant_set_write(const invariant_set *set, const char *path, const char *comment);

/* h (m), J = ∂h/∂η (m×d) and K = ∂²h/∂η² (m×d×d) at one point; J, K may be
 * NULL. */
void invariant_set_eval(const invariant_set *set, const double *eta, double *h, double *jac,
                        double *hess);

#endif
