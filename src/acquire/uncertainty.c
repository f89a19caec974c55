/* uncertainty.c — criteria that rank by what the committee does not know:
 * high error, sensitivity, query by committee.
 *
 * Defects of the published workflow fixed here:
 *   - high error crashed (it indexed the previous round's predictions without
 *     checking they existed); here n = 0 gives no candidates and missing μ̂
 *     is an input error with a message;
 *   - sensitivity ranked by an eigenvalue of an UNSORTED list; here the key is
 *     max_j |λ_j| over all d eigenvalues, largest first;
 *   - query by committee took the LOWEST committee variance; here the
 *     HIGHEST spread comes first.
 * Owns: their propose functions.  Must not read files, the configuration or
 * MPI. */
#include "alfe/acquire/uncertainty.h"

#include "candidate_internal.h"

#include <math.h>

int high_error_propose(const criterion_input *in, const criterion_settings *s,
                       acquire_candidate **out, int *n_out)
{
    (void)s;
    *out = NULL;
    *n_out = 0;
    const acquire_data *prev = in ? in->prev : NULL;
    if (!prev || prev->n == 0)
        return ALFE_OK; /* no previous round (or nothing done in it) */
    if (prev->n < 0 || prev->d < 1 || prev->d > ALFE_MAX_DIM)
        return ALFE_FAIL(ALFE_ERR_INPUT, "high_error: %d rows in %d dimensions", prev->n,
                         prev->d);
    if (!prev->eta || !prev->mu)
        return ALFE_FAIL(ALFE_ERR_INPUT, "high_error: rows without eta or mu");
    if (!prev->mu_pred)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "high_error: %d rows but no committee prediction before retraining "
                         "(mu_pred)",
                         prev->n);
    const int d = prev->d;
    acquire_candidate *c = candidates_alloc(prev->n);
    int k = 0;
    for (int i = 0; i < prev->n; i++) {
        const double *mu = prev->mu + (size_t)i * d, *pred = prev->mu_pred + (size_t)i * d;
        double e2 = 0.0;
        for (int j = 0; j < d; j++) {
            const double r = pred[j] - mu[j];
            e2 += r * r;
        }
        if (!isfinite(e2))
            continue;
        candidate_set(&c[k++], e2, ACQUIRE_SOURCE_DATA, prev->row ? prev->row[i] : i,
                      prev->eta + (size_t)i * d, d);
    }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}

int sensitivity_propose(const criterion_input *in, const criterion_settings *s,
                        acquire_candidate **out, int *n_out)
{
    (void)s;
    *out = NULL;
    *n_out = 0;
    ALFE_CHECK(pool_check(in, 1, "sensitivity"));
    const acquire_pool *p = in->pool;
    const int d = p->d;
    acquire_candidate *c = candidates_alloc(p->n);
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const double *lam = p->hess_eig + (size_t)i * d;
        double big = 0.0;
        for (int j = 0; j < d; j++)
            if (fabs(lam[j]) > big) big = fabs(lam[j]);
        int finite = 1;
        for (int j = 0; j < d; j++)
            finite &= isfinite(lam[j]);
        if (!finite)
            continue;
        candidate_set(&c[k++], big, ACQUIRE_SOURCE_POOL, i, p->eta + (size_t)i * d, d);
    }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}

double qbc_spread(const acquire_pool *pool, int i, int with_g)
{
    const int d = pool->d;
    double v = 0.0;
    if (pool->mu_std)
        for (int j = 0; j < d; j++) {
            const double sd = pool->mu_std[(size_t)i * d + j];
            v += sd * sd;
        }
    if (with_g && pool->g_std)
        v += pool->g_std[i] * pool->g_std[i];
    return v;
}

int qbc_propose(const criterion_input *in, const criterion_settings *s,
                acquire_candidate **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    ALFE_CHECK(pool_check(in, 0, "qbc"));
    const acquire_pool *p = in->pool;
    if (p->n > 0 && !p->mu_std)
        return ALFE_FAIL(ALFE_ERR_INPUT, "qbc: pool without committee spread of mu");
    if (p->n > 0 && s->with_g && !p->g_std)
        return ALFE_FAIL(ALFE_ERR_INPUT, "qbc: with_g but the pool has no spread of g");
    const int d = p->d;
    acquire_candidate *c = candidates_alloc(p->n);
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const double v = qbc_spread(p, i, s->with_g);
        if (!isfinite(v))
            continue;
        candidate_set(&c[k++], v, ACQUIRE_SOURCE_POOL, i, p->eta + (size_t)i * d, d);
    }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}
