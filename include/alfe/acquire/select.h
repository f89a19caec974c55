/* select.h — the selection filters applied to one criterion's ranked
 * candidates (criterion.h) by the caller, in this order:
 *   1. select_novelty     drop candidates close to existing rows (optional);
 *   2. select_diversity   farthest-point among the top oversample × points;
 *   3. select_expand      groups/copies (top n1 × d1 copies, next n2 × d2);
 *   4. select_perturb     uniform ±a/2 and back into the domain.
 * Nothing is dropped silently: each filter returns what it dropped, re-drew
 * or reflected.
 * Owns: the filters.  Must not read files, config or MPI. */
#ifndef ALFE_SELECT_H
#define ALFE_SELECT_H

#include "alfe/acquire/criterion.h"
#include "alfe/base/rng.h"
#include "alfe/space/domain.h"

#include <stdint.h>

/* Greedy farthest-point selection (Gonzalez 1985) among the first
 * m = min(n, ceil(oversample × k)) candidates: the best first, then
 * repeatedly the candidate maximising the minimum Euclidean distance to those
 * chosen (ties: better rank).  Reorders c in place so that its first
 * *n_out = min(k, m) entries are the chosen ones in selection order; the rest
 * follow in their original rank order.  k ≤ 0: nothing chosen. */
int select_diversity(acquire_candidate *c, int n, int d, int k, double oversample, int *n_out);

/* Novelty: for each candidate the mean Euclidean distance to its k nearest
 * rows of `all` (k clipped to all->n), times |λ|max of its pool point with
 * NOVELTY_DISTANCE_EIG; candidates below min_distance are removed (c is
 * compacted in place, order kept).  Distances through BLAS,
 * ‖a‖² + ‖b‖² − 2 a·b with cblas_dgemm over blocks of rows.  all->n = 0 or
 * min_distance ≤ 0: nothing dropped.  *n becomes the kept count, *n_dropped
 * the removed one.  novelty (optional, n values) receives each candidate's
 * score before compaction.  pool may be NULL unless NOVELTY_DISTANCE_EIG. */
int select_novelty(acquire_candidate *c, int *n, int d, const acquire_data *all,
                   const acquire_pool *pool, int k, double min_distance, int mode,
                   double *novelty, int *n_dropped);

/* Groups/copies: the top groups[0].count candidates each groups[0].copies
 * times (copies adjacent), then the next groups[1].count × groups[1].copies,
 * … .  n_groups = 0: the first min(n, points) candidates once each.  When
 * the candidates run out, fewer (*n_short = the points missing).  *out is
 * allocated (NULL when *n_out = 0). */
int select_expand(const acquire_candidate *c, int n, const criterion_settings *s,
                  acquire_candidate **out, int *n_out, int *n_short);

/* The stream of one criterion's perturbation in one round:
 * (campaign seed, key = round·2^16 + criterion, RNG_PURPOSE_PERTURB). */
void select_perturb_stream(rng_stream *rng, uint64_t seed, int round, int criterion);

/* Add u ~ U(−a/2, a/2) to each coordinate of each candidate (in order, d
 * draws per try).  A result outside the domain (tolerance 1e-12) is re-drawn
 * up to `tries` times; if still outside, it is reflected into the domain
 * (select_into_domain).  a = 0 only brings outside points in.  Nothing is
 * dropped: *n_redrawn counts candidates that needed a re-draw, *n_reflected
 * those brought in by reflection. */
int select_perturb(acquire_candidate *c, int n, int d, double a, int tries, const domain *dom,
                   rng_stream *rng, int *n_redrawn, int *n_reflected);

/* Bring eta into the domain: mirror it in the most violated face, repeatedly
 * (at most 8·n_half times); if that does not end inside, move it toward the
 * domain centre by bisection until inside.  Returns 1 when eta changed. */
int select_into_domain(const domain *dom, double *eta);

/* What select_apply did, for the round's log and record. */
typedef struct {
    int proposed;        /* candidates in */
    int novelty_dropped; /* removed by novelty */
    int chosen;          /* distinct candidates kept (diversity or top-k) */
    int points;          /* points out (after copies and the budget) */
    int short_of;        /* points the groups wanted but the candidates lacked */
    int redrawn;         /* perturbations re-drawn */
    int reflected;       /* points brought into the domain by reflection */
} select_counts;

/* The four filters in order on one criterion's ranked list c (n entries;
 * c is reordered and compacted): novelty (s->min_distance > 0, against
 * in->all), diversity (s->diversity) or plain top-k, groups/copies, and
 * perturbation + domain (in->dom, stream rng; the domain step also runs when
 * s->perturb = 0).  k, the distinct candidates wanted, is Σ groups[i].count
 * with groups, else `budget`; the output is cut to `budget` points.  *out is
 * allocated (NULL when *n_out = 0). */
int select_apply(acquire_candidate *c, int n, const criterion_input *in,
                 const criterion_settings *s, int budget, rng_stream *rng,
                 acquire_candidate **out, int *n_out, select_counts *counts);

#endif
