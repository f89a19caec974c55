/* physics.c — criteria that read the shape of the predicted free energy:
 * find wells, phase instability, lowest free energy per η0 bin.
 *
 * Defects of the published workflow fixed here:
 *   - instability read the first eigenvalue of an UNSORTED eigenvalue list as
 *     "the smallest"; here λ_min is the minimum over all d eigenvalues (the
 *     pool's are documented ascending, but the criterion does not rely on it)
 *     and the ranking is most negative first;
 *   - wells: positive definiteness is tested on all d eigenvalues (> 0), so
 *     it does not depend on their order either;
 *   - lowest free energy: exactly one (the lowest) point per bin, ties by
 *     index, so the result is deterministic.
 * Owns: wells/instability/lowest-g propose, the chord slope.  Must not read
 * files, the configuration or MPI. */
#include "alfe/acquire/physics.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "candidate_internal.h"

#include <math.h>
#include <stdlib.h>

int physics_chord_slope(const acquire_pool *pool, double *slope)
{
    if (!pool || pool->n < 2 || !pool->eta || !pool->g_mean)
        return ALFE_FAIL(ALFE_ERR_INPUT, "chord slope: the pool needs at least 2 points");
    const int d = pool->d;
    int lo = 0, hi = 0;
    for (int i = 1; i < pool->n; i++) {
        if (pool->eta[(size_t)i * d] < pool->eta[(size_t)lo * d]) lo = i;
        if (pool->eta[(size_t)i * d] > pool->eta[(size_t)hi * d]) hi = i;
    }
    const double deta = pool->eta[(size_t)hi * d] - pool->eta[(size_t)lo * d];
    if (!(deta > 0.0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "chord slope: every pool point has the same eta0");
    *slope = (pool->g_mean[hi] - pool->g_mean[lo]) / deta;
    return ALFE_OK;
}

static double min_of(const double *v, int d)
{
    double m = v[0];
    for (int j = 1; j < d; j++)
        if (v[j] < m) m = v[j];
    return m;
}

int wells_propose(const criterion_input *in, const criterion_settings *s,
                  acquire_candidate **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    ALFE_CHECK(pool_check(in, 1, "wells"));
    const acquire_pool *p = in->pool;
    const int d = p->d;
    double shift = 0.0; /* subtracted from μ̂0 */
    if (s->chord) {
        shift = s->chord_slope;
        if (isnan(shift))
            ALFE_CHECK(physics_chord_slope(p, &shift));
    }
    acquire_candidate *c = candidates_alloc(p->n);
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const double *lam = p->hess_eig + (size_t)i * d;
        if (!(min_of(lam, d) > 0.0)) /* positive definite; NaN fails too */
            continue;
        const double *mu = p->mu_mean + (size_t)i * d;
        double norm2 = 0.0;
        for (int j = 0; j < d; j++) {
            const double m = j == 0 ? mu[0] - shift : mu[j];
            norm2 += m * m;
        }
        if (!isfinite(norm2))
            continue;
        candidate_set(&c[k++], -sqrt(norm2), ACQUIRE_SOURCE_POOL, i, p->eta + (size_t)i * d, d);
    }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}

int instability_propose(const criterion_input *in, const criterion_settings *s,
                        acquire_candidate **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    ALFE_CHECK(pool_check(in, 1, "instability"));
    const acquire_pool *p = in->pool;
    const int d = p->d;
    acquire_candidate *c = candidates_alloc(p->n);
    int k = 0;
    for (int i = 0; i < p->n; i++) {
        const double lmin = min_of(p->hess_eig + (size_t)i * d, d);
        if (!isfinite(lmin))
            continue;
        double score;
        if (s->band > 0.0) {
            if (!(fabs(lmin) < s->band))
                continue;
            score = -fabs(lmin);
        } else {
            if (!(lmin < s->tolerance))
                continue;
            score = -lmin;
        }
        candidate_set(&c[k++], score, ACQUIRE_SOURCE_POOL, i, p->eta + (size_t)i * d, d);
    }
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}

int lowest_g_propose(const criterion_input *in, const criterion_settings *s,
                     acquire_candidate **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    ALFE_CHECK(pool_check(in, 0, "lowest_g"));
    if (s->bins < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "lowest_g: bins = %d: must be >= 1", s->bins);
    const acquire_pool *p = in->pool;
    const int d = p->d;
    if (p->n == 0)
        return ALFE_OK;
    double lo = p->eta[0], hi = p->eta[0];
    for (int i = 1; i < p->n; i++) {
        const double e = p->eta[(size_t)i * d];
        if (e < lo) lo = e;
        if (e > hi) hi = e;
    }
    const int nb = s->bins;
    const double width = (hi - lo) / nb;
    int *best = ALFE_MALLOC(sizeof(int) * (size_t)nb);
    for (int b = 0; b < nb; b++)
        best[b] = -1;
    for (int i = 0; i < p->n; i++) {
        const double g = p->g_mean[i];
        if (!isfinite(g))
            continue;
        int b = width > 0.0 ? (int)((p->eta[(size_t)i * d] - lo) / width) : 0;
        if (b >= nb) b = nb - 1; /* the last bin is closed */
        if (b < 0) b = 0;
        if (best[b] < 0 || g < p->g_mean[best[b]]) /* ties: the smaller index stays */
            best[b] = i;
    }
    acquire_candidate *c = candidates_alloc(nb);
    int k = 0;
    for (int b = 0; b < nb; b++)
        if (best[b] >= 0)
            candidate_set(&c[k++], -p->g_mean[best[b]], ACQUIRE_SOURCE_POOL, best[b],
                          p->eta + (size_t)best[b] * d, d);
    free(best);
    candidates_finish(c, k, out, n_out);
    return ALFE_OK;
}
