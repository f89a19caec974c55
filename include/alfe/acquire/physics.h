/* physics.h — criteria that rank by the shape of the predicted free energy:
 * find wells (convex, flat), phase instability (non-convex), lowest free
 * energy per composition bin.
 * Owns: their propose functions and the chord slope.  Must not read files,
 * config or MPI. */
#ifndef ALFE_PHYSICS_H
#define ALFE_PHYSICS_H

#include "alfe/acquire/criterion.h"

/* Pool points whose predicted Hessian is positive definite (every eigenvalue
 * > 0), ranked by |μ̂| ascending (score −|μ̂|).  With chord, μ̂0 is replaced by
 * μ̂0 − s (s = chord_slope, or physics_chord_slope of the pool when NaN), so a
 * well is a point where g touches a line parallel to the end-member chord
 * rather than a point of zero slope.  hess_eig NULL: ALFE_ERR_INPUT. */
int wells_propose(const criterion_input *in, const criterion_settings *s,
                  acquire_candidate **out, int *n_out);

/* The end-member chord slope of the pool's predictions:
 *   s = (ĝ(i1) − ĝ(i0)) / (η0(i1) − η0(i0))
 * with i0 / i1 the pool points of smallest / largest η0 (ties: smaller
 * index).  η0 is the composition and the extremes of η0 in the domain are
 * the end members, so i0 and i1 are the pool's nearest points to them.
 * ALFE_ERR_INPUT when the pool has fewer than 2 points or one η0. */
int physics_chord_slope(const acquire_pool *pool, double *slope);

/* Pool points whose smallest predicted Hessian eigenvalue λ_min (taken as the
 * minimum over all d values) is below `tolerance`, most negative first
 * (score −λ_min).  With band > 0 instead: points with |λ_min| < band (near
 * the spinodal), |λ_min| ascending (score −|λ_min|).  hess_eig NULL:
 * ALFE_ERR_INPUT. */
int instability_propose(const criterion_input *in, const criterion_settings *s,
                        acquire_candidate **out, int *n_out);

/* `bins` equal bins over the pool's η0 range [min η0, max η0] (the last bin
 * closed); per non-empty bin the pool point of lowest ĝ (ties: smaller
 * index): one candidate per bin, the bins ordered by that ĝ ascending
 * (score −ĝ). */
int lowest_g_propose(const criterion_input *in, const criterion_settings *s,
                     acquire_candidate **out, int *n_out);

#endif
