/* linalg.c — pseudo-inverse and symmetric eigen-solves through LAPACKE.
 * Owns: LAPACK calls for small matrices.  Hot loops do not come here. */
#include "alfe/base/linalg.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int linalg_pinv_full_row_rank(const double *a, int d, int m, double *pinv)
{
    if (d > m)
        return ALFE_FAIL(ALFE_ERR_INPUT, "Q has more rows (%d) than columns (%d)", d, m);
    /* a = U S V^T (thin SVD); pinv = V S^-1 U^T. */
    double *work = ALFE_MALLOC(sizeof(double) * (size_t)d * m);
    double *s = ALFE_MALLOC(sizeof(double) * (size_t)d);
    double *u = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    double *vt = ALFE_MALLOC(sizeof(double) * (size_t)d * m);
    double *superb = ALFE_MALLOC(sizeof(double) * (size_t)(d > 1 ? d : 1));
    memcpy(work, a, sizeof(double) * (size_t)d * m);
    int info = (int)LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', d, m, work, m, s, u, d, vt,
                                   m, superb);
    int status = ALFE_OK;
    if (info != 0) {
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "SVD of Q failed (LAPACK info %d)", info);
    } else if (!(s[d - 1] > 1e-10 * s[0])) {
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "the %d rows of Q are linearly dependent (singular values %.3g ... %.3g)",
                           d, s[0], s[d - 1]);
    } else {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < d; j++) {
                double sum = 0.0;
                for (int k = 0; k < d; k++)
                    sum += vt[(size_t)k * m + i] / s[k] * u[(size_t)j * d + k];
                pinv[(size_t)i * d + j] = sum;
            }
    }
    free(work);
    free(s);
    free(u);
    free(vt);
    free(superb);
    return status;
}

int linalg_sym_eigen(const double *a, int n, double *values, double *vectors)
{
    double *work = vectors ? vectors : ALFE_MALLOC(sizeof(double) * (size_t)n * n);
    memcpy(work, a, sizeof(double) * (size_t)n * n);
    int info = (int)LAPACKE_dsyev(LAPACK_ROW_MAJOR, vectors ? 'V' : 'N', 'U', n, work, n,
                                  values);
    if (!vectors)
        free(work);
    if (info != 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "symmetric eigen-solve failed (LAPACK info %d)",
                         info);
    return ALFE_OK;
}

int linalg_sym_eigenvalues(const double *a, int n, double *values, double *scratch)
{
    memcpy(scratch, a, sizeof(double) * (size_t)n * n);
    int info = (int)LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', n, scratch, n, values);
    if (info != 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "symmetric eigen-solve failed (LAPACK info %d)",
                         info);
    return ALFE_OK;
}

int linalg_solve_shifted(const double *a, int n, const double *b, double floor, double *x)
{
    double values[64], vectors[64 * 64], rhs[64];
    if (n > 64)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "linalg_solve_shifted: n = %d > 64", n);
    ALFE_CHECK(linalg_sym_eigen(a, n, values, vectors));
    memcpy(rhs, b, sizeof(double) * (size_t)n);
    double shift = values[0] < floor ? floor - values[0] : 0.0;
    /* x = V diag(1/(λ+shift)) V^T b */
    double coeff[64];
    for (int k = 0; k < n; k++) {
        double dot = 0.0;
        for (int i = 0; i < n; i++)
            dot += vectors[i * n + k] * rhs[i];
        coeff[k] = dot / (values[k] + shift);
    }
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int k = 0; k < n; k++)
            sum += vectors[i * n + k] * coeff[k];
        x[i] = sum;
    }
    return ALFE_OK;
}
