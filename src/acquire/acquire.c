/* acquire.c — the round's proposals and their umbrella targeting.
 * Owns: criterion budgets and point inputs.  Random numbers come from the
 * per-round streams (campaign seed, round, purpose), so the proposals do not
 * depend on the number of ranks or on restarts. */
#include "alfe/acquire/acquire.h"

#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/space/sampling.h"
#include "alfe/base/util.h"

#include <stdlib.h>
#include <string.h>

#define BILLIARD_BURN_IN 100

void acquire_target_kappa(int d, const double *eta_target, const double *mu_guess,
                          const double *phi, double *kappa)
{
    for (int j = 0; j < d; j++)
        kappa[j] = phi[j] > 0 ? eta_target[j] + mu_guess[j] / (2.0 * phi[j]) : eta_target[j];
}

static int propose_global(const acquire_settings *set, const domain *dom, int round, int n,
                          uint64_t *sobol_index, double *eta)
{
    if (set->global_method == ACQUIRE_SOBOL)
        return sampling_sobol(dom, n, sobol_index, eta);
    rng_stream rng;
    rng_stream_init(&rng, set->seed, (uint64_t)round, RNG_PURPOSE_BILLIARD);
    billiard_walk walk;
    billiard_init(&walk, dom, &rng, set->global_path_length, NULL);
    double scratch[ALFE_MAX_DIM];
    for (int i = 0; i < BILLIARD_BURN_IN; i++)
        ALFE_CHECK(billiard_next(&walk, scratch));
    for (int i = 0; i < n; i++)
        ALFE_CHECK(billiard_next(&walk, eta + (size_t)i * dom->d));
    return ALFE_OK;
}

int acquire_round(const acquire_settings *set, const domain *dom, int round, int64_t first_row,
                  uint64_t sobol_index, idnn_committee *mu_model, point_input **inputs_out,
                  int64_t *n_out, round_record *rec)
{
    const int d = dom->d;
    const int n = set->global_points;
    const int criterion = set->global_method == ACQUIRE_SOBOL ? CRITERION_GLOBAL_SOBOL
                                                             : CRITERION_GLOBAL_BILLIARD;
    double *eta = ALFE_MALLOC(sizeof(double) * (size_t)n * d);
    int status = propose_global(set, dom, round, n, &sobol_index, eta);
    if (status != ALFE_OK) {
        free(eta);
        return status;
    }
    point_input *inputs = ALFE_CALLOC((size_t)n, sizeof *inputs);
    const double kt = ALFE_KB_EV * set->temperature;
    double *mu_guess = ALFE_CALLOC((size_t)n * d, sizeof(double));
    if (mu_model) {
        idnn_committee_output out = {.mu_mean = mu_guess};
        status = idnn_committee_predict(mu_model, n, eta, &out);
        if (status != ALFE_OK) {
            free(eta);
            free(inputs);
            free(mu_guess);
            return status;
        }
    }
    for (int i = 0; i < n; i++) {
        point_input *p = &inputs[i];
        p->row = first_row + i;
        p->round = round;
        p->criterion = criterion;
        p->seed = rng_stream_seed(set->seed, (uint64_t)p->row, RNG_PURPOSE_POINT);
        p->temperature = set->temperature;
        memcpy(p->eta_target, eta + (size_t)i * d, sizeof(double) * (size_t)d);
        memcpy(p->phi, set->phi, sizeof(double) * (size_t)d);
        double *guess = mu_guess + (size_t)i * d;
        if (!mu_model) {
            /* μ̂ = ideal mixing until a committee exists. */
            double g = 0.0;
            if (domain_ideal_mixing(dom, kt, p->eta_target, &g, guess, NULL) != 0)
                memset(guess, 0, sizeof(double) * (size_t)d);
        }
        acquire_target_kappa(d, p->eta_target, guess, p->phi, p->kappa);
    }
    free(mu_guess);
    free(eta);
    memset(rec->per_criterion, 0, sizeof rec->per_criterion);
    memset(rec->budget, 0, sizeof rec->budget);
    for (int k = 0; k < CRITERION_COUNT; k++)
        rec->weight[k] = 1.0;
    rec->per_criterion[criterion] = n;
    rec->budget[criterion] = n;
    rec->sobol_index_end = sobol_index;
    *inputs_out = inputs;
    *n_out = n;
    return ALFE_OK;
}
