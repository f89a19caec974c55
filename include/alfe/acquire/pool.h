/* pool.h — the acquisition pool: many points of the domain at which the
 * committee is evaluated, so that the criteria (wells, instability, lowest
 * g, sensitivity, query by committee) rank candidates by its predictions.
 *
 * The points are a billiard walk in the domain (sampling.h) of `points`
 * points, a share `boundary_share` of which is moved along a random
 * direction onto the boundary, plus an optional `walk_2d` points of a walk
 * in (η0, η1) with η2.. = 0 (the published fix for the composition ends,
 * which a 7-D walk rarely visits).  The stream is keyed by (campaign seed,
 * round, RNG_PURPOSE_POOL), so every rank generates the same pool and it
 * is never broadcast.
 *
 * The prediction is collective: the pool is cut into slices of whole blocks
 * of IDNN_COMMITTEE_BLOCK points, each rank predicts its slices and rank 0
 * gathers the results (comm_gatherv_doubles).  Every block holds the same
 * points whatever the number of ranks, so the predictions are bit-identical
 * on 1 or 64 ranks.
 * Owns: pool points and their predictions.  Must not read the
 * configuration (run/system.c fills pool_settings) nor do file I/O. */
#ifndef ALFE_POOL_H
#define ALFE_POOL_H

#include "alfe/network/idnn_committee.h"
#include "alfe/space/domain.h"

#include <stdint.h>

typedef struct {
    uint64_t seed;           /* campaign seed */
    int points;              /* billiard-walk points (boundary ones included) */
    double boundary_share;   /* share of them moved onto the boundary, [0, 1] */
    int walk_2d;             /* extra points of a walk in (eta0, eta1), others 0 */
    double path_length;      /* mean billiard path length; 0 = the box diagonal */
} pool_settings;

typedef struct {
    int n, d;
    int n_walk, n_boundary, n_2d;  /* n = n_walk + n_2d; n_boundary of the walk's */
    double *eta;                   /* n×d, every rank */
    /* After pool_predict_collective, on rank 0 (NULL elsewhere): the
     * committee's mean and spread of g and mu and the eigenvalues of its
     * mean Hessian, ascending. */
    int predicted;
    double *g_mean, *g_std;        /* n */
    double *mu_mean, *mu_std;      /* n×d */
    double *hess_eig;              /* n×d */
} pool;

/* The round's pool (local, the same on every rank). */
int pool_create(const pool_settings *s, const domain *dom, int round, pool **out);
void pool_destroy(pool **p);

/* Collective over the world: the committee's predictions at every pool
 * point, gathered on rank 0.  Every rank must pass the same committee. */
int pool_predict_collective(pool *p, idnn_committee *committee);

/* The rows [*first, *end) of the pool that `rank` of `size` predicts:
 * whole blocks of IDNN_COMMITTEE_BLOCK points (the last one may be short). */
void pool_slice(int n, int rank, int size, int *first, int *end);

#endif
