/* sampling.h — space filling inside the domain polytope.
 *
 * Billiard walk (Gryazina & Polyak, "Billiard walk — a new sampling algorithm
 * for control and optimization", IFAC 2014): from the current point pick a
 * direction uniform on the sphere and a path length ℓ ~ Exp(mean τ), travel ℓ
 * with specular reflection at the faces, and take the end as the next point;
 * when one trajectory reflects more than max_reflections times (a corner),
 * it is discarded and retried from the same point.  Its stationary law is
 * uniform on the polytope.  Sobol points (GSL's gsl_qrng_sobol) are drawn in
 * the bounding box and kept when inside (rejection).
 * Owns: walk state.  Must not read config or files. */
#ifndef ALFE_SAMPLING_H
#define ALFE_SAMPLING_H

#include "alfe/space/domain.h"
#include "alfe/base/rng.h"

#include <stdint.h>

typedef struct {
    const domain *dom;
    rng_stream rng;
    double tau;              /* mean path length */
    int max_reflections;     /* per trajectory, before a retry */
    double x[ALFE_MAX_DIM];  /* current point */
    long trajectories;       /* trajectories run (retries included) */
    long retries;            /* trajectories discarded at corners */
    int moving;              /* coordinates 0..moving-1 move (d: all) */
} billiard_walk;

/* Default mean path length: the diagonal of the domain's bounding box. */
double sampling_default_tau(const domain *dom);

/* Start a walk at `start` (NULL: the domain centre) with stream rng. */
void billiard_init(billiard_walk *walk, const domain *dom, const rng_stream *rng, double tau,
                   const double *start);
/* Advance one trajectory; the new point is written to point (d values). */
int billiard_next(billiard_walk *walk, double *point);

/* Walk in the coordinates 0..moving−1 only (the others keep the start's
 * values): a billiard walk on the slice of the domain through the start,
 * e.g. moving = 2 walks in (η0, η1).  moving ≥ d restores the full walk. */
void billiard_restrict(billiard_walk *walk, int moving);

/* A point on the boundary: from x (inside) along a direction uniform on the
 * sphere to the first face.  Returns the distance travelled. */
double sampling_boundary_point(const domain *dom, rng_stream *rng, const double *x,
                               double *point);

/* n points of the Sobol sequence that fall inside the domain, starting at
 * sequence index *index (updated past the last point drawn).  Fails when d > 40
 * (GSL's limit) or when rejection keeps fewer than 1 in 10^5 draws. */
int sampling_sobol(const domain *dom, int n, uint64_t *index, double *points);

#endif
