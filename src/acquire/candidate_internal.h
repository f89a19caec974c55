/* candidate_internal.h — filling one acquire_candidate (criteria of this
 * folder only).  Owns: nothing.  Must not be included outside src/acquire/. */
#ifndef ALFE_CANDIDATE_INTERNAL_H
#define ALFE_CANDIDATE_INTERNAL_H

#include "alfe/acquire/criterion.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <stdlib.h>
#include <string.h>

static inline void candidate_set(acquire_candidate *c, double score, int source, int64_t index,
                                 const double *eta, int d)
{
    memset(c, 0, sizeof *c);
    c->score = score;
    c->source = source;
    c->index = index;
    memcpy(c->eta, eta, sizeof(double) * (size_t)d);
}

static inline int pool_check(const criterion_input *in, int need_hessian, const char *who)
{
    if (!in || !in->pool)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: no pool", who);
    const acquire_pool *p = in->pool;
    if (p->n < 0 || p->d < 1 || p->d > ALFE_MAX_DIM)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: pool of %d points in %d dimensions", who, p->n,
                         p->d);
    if (p->n > 0 && (!p->eta || !p->g_mean || !p->mu_mean))
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: pool without eta, g or mu predictions", who);
    if (need_hessian && p->n > 0 && !p->hess_eig)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: pool without Hessian eigenvalues", who);
    return ALFE_OK;
}

static inline acquire_candidate *candidates_alloc(int n)
{
    return n > 0 ? ALFE_MALLOC(sizeof(acquire_candidate) * (size_t)n) : NULL;
}

/* Shrink to the used length (n may be 0: free and NULL). */
static inline void candidates_finish(acquire_candidate *c, int n, acquire_candidate **out, int *n_out)
{
    criterion_sort(c, n);
    if (n == 0) {
        free(c);
        c = NULL;
    }
    *out = c;
    *n_out = n;
}

#endif
