/* domain.c — Q files, the pseudo-inverse map x(η), the domain polytope.
 * Owns: the domain struct.  Must not sample (sampling.c does). */
#include "alfe/space/domain.h"

#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/base/table.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int domain_read_q(const char *path, int d, double **q_out, int *m_out)
{
    *q_out = NULL;
    /* Rows beyond the first d are not read (a file may hold a full square Q). */
    table_shape shape = {.max_rows = d};
    number_table *t = NULL;
    ALFE_CHECK(table_read(path, &shape, &t));
    const int rows = t->rows, m = t->columns, row0_line = rows > 0 ? t->row_line[0] : 0;
    int status = ALFE_OK;
    if (rows == 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%s: has no rows of numbers but [system] dimension = %d needs %d",
                           path, d, d);
    else if (rows < d)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%s:%d: the file ends after %d rows of numbers but [system] "
                           "dimension = %d needs %d",
                           path, t->lines, rows, d, d);
    if (status == ALFE_OK && m < d)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%s:%d: has %d columns (sublattices) but [system] dimension = %d: "
                           "need at least as many sublattices as order parameters",
                           path, row0_line, m, d);
    double *q = t->values;
    t->values = NULL;
    table_destroy(&t);
    if (status == ALFE_OK) {
        for (int s = 0; s < m; s++) {
            if (fabs(q[s] - 1.0 / m) > 1e-9 * (1.0 / m) + 1e-15) {
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "%s:%d: row 0 must be the composition row (1/M)(1,...,1) = "
                                   "%.10g for M = %d, but column %d is %.10g (alfe normalises "
                                   "eta = Q x; divide a CASM-scaled Q by M)",
                                   path, row0_line, 1.0 / m, m, s + 1, q[s]);
                break;
            }
        }
    }
    if (status == ALFE_OK) {
        /* The domain needs the pseudo-inverse: the d rows must be independent. */
        double *pinv = ALFE_MALLOC(sizeof(double) * (size_t)m * d);
        int rc = linalg_pinv_full_row_rank(q, d, m, pinv);
        free(pinv);
        if (rc != ALFE_OK) {
            char inner[1024];
            snprintf(inner, sizeof inner, "%s", alfe_error_message());
            alfe_error_clear();
            status = ALFE_FAIL(rc, "%s: %s", path, inner);
        }
    }
    if (status != ALFE_OK) {
        free(q);
        return status;
    }
    *q_out = q;
    *m_out = m;
    return ALFE_OK;
}

int domain_create(const double *q, int d, int m, domain **out)
{
    *out = NULL;
    if (d < 1 || d > ALFE_MAX_DIM)
        return ALFE_FAIL(ALFE_ERR_INPUT, "dimension %d outside 1..%d", d, ALFE_MAX_DIM);
    domain *dom = ALFE_CALLOC(1, sizeof *dom);
    dom->d = d;
    dom->m = m;
    dom->q = ALFE_MALLOC(sizeof(double) * (size_t)d * m);
    memcpy(dom->q, q, sizeof(double) * (size_t)d * m);
    dom->q_pinv = ALFE_MALLOC(sizeof(double) * (size_t)m * d);
    int status = linalg_pinv_full_row_rank(q, d, m, dom->q_pinv);
    if (status != ALFE_OK) {
        domain_destroy(&dom);
        return status;
    }
    /* 0 ≤ Q⁺_s·η  →  −Q⁺_s·η ≤ 0 ;  Q⁺_s·η ≤ 1 */
    dom->n_half = 2 * m;
    dom->a = ALFE_MALLOC(sizeof(double) * (size_t)dom->n_half * d);
    dom->b = ALFE_MALLOC(sizeof(double) * (size_t)dom->n_half);
    dom->a_norm = ALFE_MALLOC(sizeof(double) * (size_t)dom->n_half);
    for (int s = 0; s < m; s++) {
        double norm2 = 0.0;
        for (int j = 0; j < d; j++) {
            double v = dom->q_pinv[(size_t)s * d + j];
            dom->a[(size_t)(2 * s) * d + j] = -v;
            dom->a[(size_t)(2 * s + 1) * d + j] = v;
            norm2 += v * v;
        }
        dom->b[2 * s] = 0.0;
        dom->b[2 * s + 1] = 1.0;
        dom->a_norm[2 * s] = dom->a_norm[2 * s + 1] = sqrt(norm2);
    }
    /* Bounding box of {Q x : x ∈ [0,1]^M}, which contains the domain. */
    for (int j = 0; j < d; j++) {
        double lo = 0.0, hi = 0.0, c = 0.0;
        for (int s = 0; s < m; s++) {
            double v = q[(size_t)j * m + s];
            if (v < 0)
                lo += v;
            else
                hi += v;
            c += 0.5 * v;
        }
        dom->lower[j] = lo;
        dom->upper[j] = hi;
        dom->center[j] = c;
    }
    *out = dom;
    return ALFE_OK;
}

void domain_destroy(domain **dom)
{
    if (!dom || !*dom)
        return;
    free((*dom)->q);
    free((*dom)->q_pinv);
    free((*dom)->a);
    free((*dom)->b);
    free((*dom)->a_norm);
    free(*dom);
    *dom = NULL;
}

void domain_x_of_eta(const domain *dom, const double *eta, double *x)
{
    for (int s = 0; s < dom->m; s++) {
        double sum = 0.0;
        for (int j = 0; j < dom->d; j++)
            sum += dom->q_pinv[(size_t)s * dom->d + j] * eta[j];
        x[s] = sum;
    }
}

double domain_min_slack(const domain *dom, const double *eta)
{
    double worst = INFINITY;
    for (int i = 0; i < dom->n_half; i++) {
        double dot = 0.0;
        for (int j = 0; j < dom->d; j++)
            dot += dom->a[(size_t)i * dom->d + j] * eta[j];
        double slack = dom->b[i] - dot;
        if (slack < worst)
            worst = slack;
    }
    return worst;
}

int domain_contains(const domain *dom, const double *eta, double tol)
{
    return domain_min_slack(dom, eta) >= -tol;
}

int domain_ideal_mixing(const domain *dom, double kt, const double *eta, double *g,
                        double *grad, double *hess)
{
    const int d = dom->d, m = dom->m;
    const double pref = kt / m;
    double value = 0.0;
    for (int s = 0; s < m; s++) {
        const double *p = dom->q_pinv + (size_t)s * d; /* ∂x_s/∂η */
        double xs = 0.0;
        for (int j = 0; j < d; j++)
            xs += p[j] * eta[j];
        if (!(xs > 0.0 && xs < 1.0))
            return -1;
        value += pref * (xs * log(xs) + (1.0 - xs) * log1p(-xs));
        const double dlog = pref * (log(xs) - log1p(-xs));
        const double curv = pref / (xs * (1.0 - xs));
        for (int j = 0; j < d; j++) {
            grad[j] += dlog * p[j];
            if (hess)
                for (int k = 0; k < d; k++)
                    hess[j * d + k] += curv * p[j] * p[k];
        }
    }
    *g += value;
    return 0;
}
