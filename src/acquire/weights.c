/* weights.c — dynamic re-weighting of the criteria and the round's budget
 * (the rule is written out in weights.h and docs/acquisition.md).
 *
 * Defect of the published workflow fixed here: its weights compounded — every
 * round re-added the signals of all earlier rounds to weights that already
 * held them.  Here w(r) depends on w(r−1) and the signal of round r−1 only.
 * Owns: the rule.  Must not read files, the configuration or MPI. */
#include "alfe/acquire/weights.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>

const char *const weight_rule_names[3] = {"none", "surprise", "improvement"};

double weights_mse(int n, int d, const double *mu_pred, const double *mu, const int32_t *crit,
                   int c)
{
    double s = 0.0;
    long count = 0;
    for (int i = 0; i < n; i++) {
        if (crit && crit[i] != c)
            continue;
        for (int j = 0; j < d; j++) {
            const double r = mu_pred[(size_t)i * d + j] - mu[(size_t)i * d + j];
            s += r * r;
        }
        count += d;
    }
    return count > 0 ? s / (double)count : NAN;
}

int weights_update(int n_crit, int rule, double alpha, const int *enabled, const double *w_prev,
                   const double *before, const double *after, double *w_new)
{
    if (rule < WEIGHT_RULE_NONE || rule > WEIGHT_RULE_IMPROVEMENT)
        return ALFE_FAIL(ALFE_ERR_INPUT, "re-weighting rule %d unknown", rule);
    if (!(alpha >= 0.0) || !isfinite(alpha))
        return ALFE_FAIL(ALFE_ERR_INPUT, "re-weighting alpha = %g: must be finite and >= 0",
                         alpha);
    double *signal = ALFE_MALLOC(sizeof(double) * (size_t)(n_crit > 0 ? n_crit : 1));
    /* Raw signals of the criteria that had rows last round (NaN: none). */
    double mean_abs = 0.0;
    int n_signal = 0;
    for (int c = 0; c < n_crit; c++) {
        signal[c] = NAN;
        if (!enabled[c] || rule == WEIGHT_RULE_NONE || isnan(before[c]))
            continue;
        if (rule == WEIGHT_RULE_SURPRISE)
            signal[c] = before[c];
        else if (after && !isnan(after[c]))
            signal[c] = before[c] - after[c];
        if (isfinite(signal[c])) {
            mean_abs += fabs(signal[c]);
            n_signal++;
        } else {
            signal[c] = NAN;
        }
    }
    if (n_signal > 0)
        mean_abs /= n_signal;
    /* w ← max(0, w_prev + α·signal/mean|signal|), from last round's weights. */
    double sum = 0.0;
    int n_enabled = 0;
    for (int c = 0; c < n_crit; c++) {
        if (!enabled[c]) {
            w_new[c] = 0.0;
            continue;
        }
        n_enabled++;
        double w = isfinite(w_prev[c]) && w_prev[c] >= 0.0 ? w_prev[c] : 1.0;
        if (rule == WEIGHT_RULE_NONE)
            w = 1.0;
        else if (!isnan(signal[c]) && mean_abs > 0.0)
            w += alpha * signal[c] / mean_abs;
        w_new[c] = w > 0.0 ? w : 0.0;
        sum += w_new[c];
    }
    free(signal);
    /* Renormalise to mean 1 over the enabled criteria. */
    for (int c = 0; c < n_crit; c++)
        if (enabled[c])
            w_new[c] = sum > 0.0 ? w_new[c] * n_enabled / sum : 1.0;
    return ALFE_OK;
}

int weights_budget(int n_crit, const int *enabled, const int *base, const double *w, int floor_points,
                   int *budget)
{
    long total = 0;
    int n_enabled = 0;
    double share_sum = 0.0;
    for (int c = 0; c < n_crit; c++) {
        budget[c] = 0;
        if (!enabled[c])
            continue;
        if (base[c] < 0 || !(w[c] >= 0.0))
            return ALFE_FAIL(ALFE_ERR_INPUT, "budget: criterion %d has %d points, weight %g", c,
                             base[c], w[c]);
        total += base[c];
        n_enabled++;
        share_sum += base[c] * w[c];
    }
    if (floor_points < 0 || total < (long)n_enabled * floor_points)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "budget: %ld points cannot give each of %d criteria a floor of %d",
                         total, n_enabled, floor_points);
    const long rest = total - (long)n_enabled * floor_points;
    double *rem = ALFE_MALLOC(sizeof(double) * (size_t)(n_crit > 0 ? n_crit : 1));
    long given = 0;
    for (int c = 0; c < n_crit; c++) {
        rem[c] = -1.0;
        if (!enabled[c])
            continue;
        /* Equal shares when every weight is 0 (cannot happen after
         * weights_update, which resets them to 1). */
        const double exact = share_sum > 0.0 ? rest * (base[c] * w[c]) / share_sum
                                              : (double)rest / n_enabled;
        const long whole = (long)floor(exact);
        budget[c] = floor_points + (int)whole;
        rem[c] = exact - (double)whole;
        given += whole;
    }
    /* Largest remainders get the points left; ties: the smaller id. */
    for (long left = rest - given; left > 0; left--) {
        int best = -1;
        for (int c = 0; c < n_crit; c++)
            if (enabled[c] && (best < 0 || rem[c] > rem[best]))
                best = c;
        budget[best]++;
        rem[best] = -1.0;
    }
    free(rem);
    return ALFE_OK;
}
