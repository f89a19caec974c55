/* acquire.h — proposing the points of a round (rank 0).
 *
 * Every round has the space-filling criterion (billiard walk or Sobol; see
 * sampling.h).  The other criteria (criterion.h's registry) run when
 * enabled: the special points in their round, and from their from_round on
 * the criteria that rank the previous round's rows (high error) or the
 * acquisition pool's committee predictions (pool.h).  Per criterion, in
 * this order (docs/acquisition.md):
 *   budget      points × weight shared by weights_budget (weights.h),
 *   propose     the ranked candidates (criterion.h),
 *   novelty     drop candidates close to the usable rows (select.h),
 *   diversity   farthest-point among the top oversample × groups,
 *   groups      each kept candidate `copies` times,
 *   perturb     uniform ±a/2 and back into the domain,
 * and then every point gets its umbrella centre by targeting:
 * κ = η* + μ̂/(2φ) with μ̂ the current best guess of μ at η* (the ideal-mixing
 * μ until a network exists), after the perturbation so that
 * μ = −2φ(⟨η⟩ − κ) holds for the perturbed point.
 * Owns: the round's proposals.  Must not do file I/O, MPI nor read the
 * configuration (run/ fills acquire_settings and acquire_context). */
#ifndef ALFE_ACQUIRE_H
#define ALFE_ACQUIRE_H

#include "alfe/acquire/criterion.h"
#include "alfe/base/constants.h"
#include "alfe/io/round_record.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

#include <stdint.h>

enum acquire_global_method { ACQUIRE_BILLIARD = 0, ACQUIRE_SOBOL = 1 };

/* One criterion's configuration. */
typedef struct {
    int enabled;               /* configured points > 0 (special: points given) */
    criterion_settings s;      /* s.points = the configured points (before weights) */
    int groups, copies;        /* groups × copies points; groups 0 = budget / copies */
    int only_round;            /* >= 0: runs in this round only (special); -1: from_round on */
} acquire_criterion;

/* What the criteria need from the configuration (filled by run/system.c). */
typedef struct {
    uint64_t seed;                /* campaign seed */
    int rounds;                   /* rounds of the campaign (log lines only) */
    double temperature;           /* K: the points' temperature, ideal-mixing μ̂ */
    double phi[ALFE_MAX_DIM];     /* umbrella stiffness per order parameter */
    int global_points;            /* space-filling points per round */
    int global_method;            /* enum acquire_global_method */
    double global_path_length;    /* billiard walk */
    acquire_criterion crit[CRITERION_COUNT];  /* by enum criterion_id (globals unused) */
    acquire_special special;      /* the special points (arrays owned by run/) */
    int reweight_rule;            /* enum weight_rule */
    double reweight_alpha;
    int reweight_floor;           /* points each weighted criterion gets at least */
} acquire_settings;

/* What a round's criteria look at besides the settings (run/ fills it). */
typedef struct {
    const acquire_pool *pool;     /* the pool's predictions, or NULL */
    const acquire_data *prev;     /* previous round's done rows with mu_pred, or NULL */
    const acquire_data *all;      /* every usable row (novelty), or NULL */
    const double *weight;         /* CRITERION_COUNT weights of this round (NULL: all 1) */
} acquire_context;

/* Whether criterion id proposes in round `round` (enabled, its round, and
 * what it needs is configured); ignores whether the inputs exist. */
int acquire_criterion_runs(const acquire_settings *s, int id, int round);
/* The union of criterion_needs bits over the criteria that run in round. */
unsigned acquire_round_needs(const acquire_settings *s, int round);

/* Propose round `round`'s points, rows first_row.. ; *inputs is allocated.
 * rec receives budgets, weights, proposed and kept counts per criterion and
 * the Sobol position (sobol_index = the position after the previous round).
 * mu_model: a committee whose mean μ is the targeting guess μ̂ — the trained
 * committee, or an oracle network (then targeting is exact); NULL: the
 * ideal-mixing μ.  ctx may be NULL (space filling only). */
int acquire_round(const acquire_settings *s, const domain *dom, int round, int64_t first_row,
                  uint64_t sobol_index, idnn_committee *mu_model, const acquire_context *ctx,
                  point_input **inputs, int64_t *n, round_record *rec);

/* κ for a wanted η* given μ̂: κ_j = η*_j + μ̂_j/(2φ_j) (κ_j = η*_j when φ_j = 0). */
void acquire_target_kappa(int d, const double *eta_target, const double *mu_guess,
                          const double *phi, double *kappa);

#endif
