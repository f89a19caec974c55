/* acquire.h — proposing the points of a round (rank 0).
 *
 * Each criterion proposes points; this version has the space-filling
 * criterion only (billiard walk or Sobol; see sampling.h), since the others
 * need a trained committee.  Every point gets its umbrella centre by
 * targeting: κ = η* + μ̂/(2φ) with μ̂ the current best guess of μ at η* — the
 * ideal-mixing μ until a network exists (docs/acquisition.md).
 * Owns: the round's proposals.  Must not do file I/O nor read the
 * configuration (run/ fills acquire_settings). */
#ifndef ALFE_ACQUIRE_H
#define ALFE_ACQUIRE_H

#include "alfe/base/constants.h"
#include "alfe/io/round_record.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

#include <stdint.h>

enum acquire_global_method { ACQUIRE_BILLIARD = 0, ACQUIRE_SOBOL = 1 };

/* What the criteria need from the configuration (filled by run/system.c). */
typedef struct {
    uint64_t seed;                /* campaign seed */
    double temperature;           /* K: the points' temperature, ideal-mixing μ̂ */
    double phi[ALFE_MAX_DIM];     /* umbrella stiffness per order parameter */
    int global_points;            /* space-filling points per round */
    int global_method;            /* enum acquire_global_method */
    double global_path_length;    /* billiard walk */
} acquire_settings;

/* Propose round `round`'s points, rows first_row.. ; *inputs is allocated.
 * rec receives budgets, weights, counts per criterion and the Sobol position
 * (sobol_index = the position after the previous round).  mu_model: a
 * committee whose mean μ is the targeting guess μ̂ — the trained committee,
 * or an oracle network (then targeting is exact); NULL: the ideal-mixing μ. */
int acquire_round(const acquire_settings *s, const domain *dom, int round, int64_t first_row,
                  uint64_t sobol_index, idnn_committee *mu_model, point_input **inputs,
                  int64_t *n, round_record *rec);

/* κ for a wanted η* given μ̂: κ_j = η*_j + μ̂_j/(2φ_j) (κ_j = η*_j when φ_j = 0). */
void acquire_target_kappa(int d, const double *eta_target, const double *mu_guess,
                          const double *phi, double *kappa);

#endif
