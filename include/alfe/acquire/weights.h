/* weights.h — dynamic re-weighting of the criteria and the round's budget.
 *
 * Per round r, per criterion c with rows in round r−1:
 *   signal_c = the committee's μ MSE on c's rows of round r−1 before training
 *              on them (WEIGHT_RULE_SURPRISE: how much c surprised the model),
 *              or that MSE minus the MSE after training on them
 *              (WEIGHT_RULE_IMPROVEMENT: the published rule);
 *   signals are divided by their mean over the criteria that have one, so α is
 *   dimensionless;
 *   w_c(r) = max(0, w_c(r−1) + α·signal_c), then renormalised to mean 1 over
 *   the enabled criteria.  A criterion without rows in round r−1 keeps
 *   w_c(r−1) before renormalisation.
 * The update reads the weights of the previous round and the signal of the
 * previous round only: the signals of earlier rounds are not re-added (the
 * published workflow's weights compounded).
 * Owns: the rule.  Must not read files, config or MPI (the caller stores the
 * rule and the weights per round). */
#ifndef ALFE_WEIGHTS_H
#define ALFE_WEIGHTS_H

#include <stdint.h>

enum weight_rule {
    WEIGHT_RULE_NONE = 0,        /* weights stay 1 */
    WEIGHT_RULE_SURPRISE = 1,    /* MSE before training on c's rows */
    WEIGHT_RULE_IMPROVEMENT = 2  /* MSE before − MSE after (published) */
};
extern const char *const weight_rule_names[3];

/* μ MSE over rows and components, mean of (μ̂ − μ)² over n×d values, of the
 * rows whose criterion is c (crit may be NULL: all rows).  No rows: NaN. */
double weights_mse(int n, int d, const double *mu_pred, const double *mu, const int32_t *crit,
                   int c);

/* One update over n_crit criteria.  enabled[c]: criterion c runs this round;
 * w_prev[c]: last round's weights; before[c] / after[c]: the MSE on c's rows
 * of last round before / after training (NaN: c had no rows; after is read
 * only with WEIGHT_RULE_IMPROVEMENT).  w_new[c] = 0 for disabled criteria.
 * When every enabled weight would be 0, they all become 1. */
int weights_update(int n_crit, int rule, double alpha, const int *enabled, const double *w_prev,
                   const double *before, const double *after, double *w_new);

/* The round's points per criterion.  base[c]: c's configured points; the
 * total T = Σ_enabled base[c] is kept.  Each enabled criterion gets
 * floor_points (T < E·floor_points, E the enabled count, is ALFE_ERR_INPUT),
 * and the remaining T − E·floor_points are shared in proportion to base[c]·w[c] by
 * largest remainders (ties: smaller c).  budget[c] = 0 for disabled c. */
int weights_budget(int n_crit, const int *enabled, const int *base, const double *w, int floor_points,
                   int *budget);

#endif
