/* pool.c — the acquisition pool (pool.h): keyed walks and the committee's
 * predictions in block-aligned slices over the ranks.
 * Owns: pool arrays.  Must not call MPI directly (comm.h), read the
 * configuration or files. */
#include "alfe/acquire/pool.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/space/sampling.h"

#include <stdlib.h>
#include <string.h>

#define POOL_BURN_IN 100
/* Keys of the round's streams: the walk, its boundary moves, the 2-D walk. */
#define POOL_KEY(round, part) (((uint64_t)(round) << 2) | (uint64_t)(part))

static int walk_points(const domain *dom, const rng_stream *rng, double tau, int moving,
                       const double *start, int n, double *eta)
{
    billiard_walk walk;
    billiard_init(&walk, dom, rng, tau, start);
    billiard_restrict(&walk, moving);
    double scratch[ALFE_MAX_DIM];
    for (int i = 0; i < POOL_BURN_IN; i++)
        ALFE_CHECK(billiard_next(&walk, scratch));
    for (int i = 0; i < n; i++)
        ALFE_CHECK(billiard_next(&walk, eta + (size_t)i * dom->d));
    return ALFE_OK;
}

int pool_create(const pool_settings *s, const domain *dom, int round, pool **out)
{
    *out = NULL;
    if (s->points < 0 || s->walk_2d < 0 || !(s->boundary_share >= 0 && s->boundary_share <= 1))
        return ALFE_FAIL(ALFE_ERR_INPUT, "pool: points %d, walk_2d %d, boundary_share %g",
                         s->points, s->walk_2d, s->boundary_share);
    const int d = dom->d;
    pool *p = ALFE_CALLOC(1, sizeof *p);
    p->d = d;
    p->n_walk = s->points;
    p->n_2d = d >= 2 ? s->walk_2d : 0;
    p->n = p->n_walk + p->n_2d;
    p->n_boundary = (int)(s->boundary_share * p->n_walk + 0.5);
    p->eta = ALFE_MALLOC(sizeof(double) * ((size_t)p->n * d + 1));
    rng_stream rng;
    rng_stream_init(&rng, s->seed, POOL_KEY(round, 0), RNG_PURPOSE_POOL);
    int status = walk_points(dom, &rng, s->path_length, d, NULL, p->n_walk, p->eta);
    /* Every k-th walk point moves to the boundary, spread along the walk. */
    rng_stream_init(&rng, s->seed, POOL_KEY(round, 1), RNG_PURPOSE_POOL);
    for (int b = 0; status == ALFE_OK && b < p->n_boundary; b++) {
        double *x = p->eta + (size_t)((int64_t)b * p->n_walk / p->n_boundary) * d;
        double y[ALFE_MAX_DIM];
        sampling_boundary_point(dom, &rng, x, y);
        memcpy(x, y, sizeof(double) * (size_t)d);
    }
    if (status == ALFE_OK && p->n_2d > 0) {
        /* The slice η2.. = 0 through the domain centre's (η0, η1). */
        double start[ALFE_MAX_DIM] = {0};
        start[0] = dom->center[0];
        start[1] = dom->center[1];
        if (!domain_contains(dom, start, 1e-12))
            status = ALFE_FAIL(ALFE_ERR_INPUT, "pool walk_2d: the point (%g, %g, 0, ...) is "
                                               "outside the domain", start[0], start[1]);
        rng_stream_init(&rng, s->seed, POOL_KEY(round, 2), RNG_PURPOSE_POOL);
        if (status == ALFE_OK)
            status = walk_points(dom, &rng, s->path_length, 2, start, p->n_2d,
                                 p->eta + (size_t)p->n_walk * d);
    }
    if (status != ALFE_OK) {
        pool_destroy(&p);
        return status;
    }
    *out = p;
    return ALFE_OK;
}

void pool_destroy(pool **pp)
{
    if (!pp || !*pp)
        return;
    pool *p = *pp;
    free(p->eta);
    free(p->g_mean);
    free(p->g_std);
    free(p->mu_mean);
    free(p->mu_std);
    free(p->hess_eig);
    ALFE_FREE(*pp);
}

void pool_slice(int n, int rank, int size, int *first, int *end)
{
    const int64_t blocks = ((int64_t)n + IDNN_COMMITTEE_BLOCK - 1) / IDNN_COMMITTEE_BLOCK;
    int64_t b0 = blocks * rank / size, b1 = blocks * (rank + 1) / size;
    int64_t f = b0 * IDNN_COMMITTEE_BLOCK, e = b1 * IDNN_COMMITTEE_BLOCK;
    *first = (int)(f < n ? f : n);
    *end = (int)(e < n ? e : n);
}

/* Per point, packed for the gather: g_mean, g_std, mu_mean (d), mu_std (d),
 * hess_eig (d). */
#define POOL_RECORD(d) (2 + 3 * (size_t)(d))

int pool_predict_collective(pool *p, idnn_committee *committee)
{
    const int d = p->d, rank = comm_rank(), size = comm_size();
    const size_t rec = POOL_RECORD(d);
    int first, end;
    pool_slice(p->n, rank, size, &first, &end);
    const int n_local = end - first;
    double *g = ALFE_MALLOC(sizeof(double) * ((size_t)n_local * (2 + 2 * (size_t)d * (1 + d)) + 1));
    double *g_std = g + n_local, *mu = g_std + n_local, *mu_std = mu + (size_t)n_local * d;
    double *eig = mu_std + (size_t)n_local * d, *hess = eig + (size_t)n_local * d;
    idnn_committee_output o = {.g_mean = g, .g_std = g_std, .mu_mean = mu, .mu_std = mu_std,
                               .hess_mean = hess, .hess_eig = eig};
    int status = n_local > 0 ? idnn_committee_predict(committee, n_local,
                                                      p->eta + (size_t)first * d, &o)
                             : ALFE_OK;
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        free(g);
        return status;
    }
    double *send = ALFE_MALLOC(sizeof(double) * ((size_t)n_local * rec + 1));
    for (int i = 0; i < n_local; i++) {
        double *r = send + (size_t)i * rec;
        r[0] = g[i];
        r[1] = g_std[i];
        memcpy(r + 2, mu + (size_t)i * d, sizeof(double) * (size_t)d);
        memcpy(r + 2 + d, mu_std + (size_t)i * d, sizeof(double) * (size_t)d);
        memcpy(r + 2 + 2 * d, eig + (size_t)i * d, sizeof(double) * (size_t)d);
    }
    free(g);
    size_t *counts = ALFE_MALLOC(sizeof *counts * (size_t)size);
    for (int r = 0; r < size; r++) {
        int f, e;
        pool_slice(p->n, r, size, &f, &e);
        counts[r] = (size_t)(e - f) * rec;
    }
    double *all = rank == 0 ? ALFE_MALLOC(sizeof(double) * ((size_t)p->n * rec + 1)) : NULL;
    comm_gatherv_doubles(send, all, counts, 0);
    free(send);
    free(counts);
    if (rank == 0) {
        const size_t n = (size_t)p->n;
        p->g_mean = ALFE_REALLOC(p->g_mean, sizeof(double) * (n + 1));
        p->g_std = ALFE_REALLOC(p->g_std, sizeof(double) * (n + 1));
        p->mu_mean = ALFE_REALLOC(p->mu_mean, sizeof(double) * (n * d + 1));
        p->mu_std = ALFE_REALLOC(p->mu_std, sizeof(double) * (n * d + 1));
        p->hess_eig = ALFE_REALLOC(p->hess_eig, sizeof(double) * (n * d + 1));
        for (size_t i = 0; i < n; i++) {
            const double *r = all + i * rec;
            p->g_mean[i] = r[0];
            p->g_std[i] = r[1];
            memcpy(p->mu_mean + i * d, r + 2, sizeof(double) * (size_t)d);
            memcpy(p->mu_std + i * d, r + 2 + d, sizeof(double) * (size_t)d);
            memcpy(p->hess_eig + i * d, r + 2 + 2 * d, sizeof(double) * (size_t)d);
        }
        free(all);
    }
    p->predicted = 1;
    return ALFE_OK;
}
