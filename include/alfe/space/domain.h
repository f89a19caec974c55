/* domain.h — order parameters and the sampling domain.
 *
 * η = Q x, with x ∈ [0,1]^M the sublattice compositions and Q (d×M) the
 * order-parameter rows; row 0 is (1/M)(1,…,1) so η0 is the composition.
 * The domain is the polytope {η : 0 ≤ x(η) ≤ 1} with x(η) = Q⁺η (Q⁺ the
 * pseudo-inverse), written as 2M half-spaces A η ≤ b.  Every η in it has a
 * realisable x, since Q Q⁺ = I for full row rank (docs/domain.md).
 * Owns: Q, Q⁺, the half-spaces, the bounding box. */
#ifndef ALFE_DOMAIN_H
#define ALFE_DOMAIN_H

#include "alfe/base/constants.h" /* ALFE_MAX_DIM */

typedef struct {
    int d, m;            /* order parameters, sublattices */
    double *q;           /* d×m, row-major */
    double *q_pinv;      /* m×d */
    int n_half;          /* 2m half-spaces */
    double *a;           /* n_half×d */
    double *b;           /* n_half */
    double *a_norm;      /* |row i of a| */
    double lower[ALFE_MAX_DIM], upper[ALFE_MAX_DIM]; /* bounding box */
    double center[ALFE_MAX_DIM];                     /* η of x = (1/2,…,1/2) */
} domain;

/* Read a Q file: rows of numbers (whitespace or commas), '#' comments.
 * The first d rows are used; the file may hold more (e.g. a full square Q).
 * Ragged rows, non-numbers, non-finite values, too few rows and a row 0 that
 * is not (1/M)(1,…,1) fail with ALFE_ERR_INPUT naming file and line. */
int domain_read_q(const char *path, int d, double **q, int *m);

int domain_create(const double *q, int d, int m, domain **out);
void domain_destroy(domain **dom);

/* x(η) = Q⁺ η. */
void domain_x_of_eta(const domain *dom, const double *eta, double *x);
/* Smallest slack b_i − a_i·η over the half-spaces (negative: outside). */
double domain_min_slack(const domain *dom, const double *eta);
/* 1 when every half-space holds within tol. */
int domain_contains(const domain *dom, const double *eta, double tol);

/* Ideal mixing on the M sublattices, per sublattice site:
 *   g = k_B T/M Σ_s [x_s ln x_s + (1−x_s) ln(1−x_s)],  x = Q⁺η,
 * with its gradient and (when hess != NULL) Hessian in η; they are *added*
 * to grad and hess.  Returns -1 when some x_s is outside (0,1). */
int domain_ideal_mixing(const domain *dom, double kt, const double *eta, double *g,
                        double *grad, double *hess);

#endif
