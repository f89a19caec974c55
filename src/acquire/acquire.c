/* acquire.c — the round's proposals and their umbrella targeting.
 * Owns: criterion budgets, the order of the selection filters and point
 * inputs.  Random numbers come from the per-round streams (campaign seed,
 * round, purpose), so the proposals do not depend on the number of ranks or
 * on restarts. */
#include "alfe/acquire/acquire.h"

#include "alfe/acquire/select.h"
#include "alfe/acquire/special.h"
#include "alfe/acquire/weights.h"
#include "alfe/base/error.h"
#include "alfe/base/log.h"
#include "alfe/base/rng.h"
#include "alfe/space/sampling.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
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

int acquire_criterion_runs(const acquire_settings *s, int id, int round)
{
    if (id <= CRITERION_GLOBAL_SOBOL || id >= CRITERION_COUNT)
        return 0;
    const acquire_criterion *c = &s->crit[id];
    if (!c->enabled)
        return 0;
    if (c->only_round >= 0)
        return round == c->only_round;
    return round >= c->s.from_round;
}

unsigned acquire_round_needs(const acquire_settings *s, int round)
{
    unsigned needs = 0;
    for (int id = 0; id < CRITERION_COUNT; id++)
        if (acquire_criterion_runs(s, id, round))
            needs |= criterion_get(id)->needs;
    return needs;
}

/* The points a criterion proposes this round: a growing array of
 * (criterion, η). */
typedef struct {
    int n, cap, d;
    double *eta;
    int32_t *criterion;
} proposal_list;

static void list_add(proposal_list *l, int criterion, const double *eta)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        l->eta = ALFE_REALLOC(l->eta, sizeof(double) * (size_t)l->cap * l->d);
        l->criterion = ALFE_REALLOC(l->criterion, sizeof(int32_t) * (size_t)l->cap);
    }
    memcpy(l->eta + (size_t)l->n * l->d, eta, sizeof(double) * (size_t)l->d);
    l->criterion[l->n++] = criterion;
}

/* Whether the inputs a criterion needs are there this round. */
static int inputs_present(const criterion_def *def, const criterion_input *in)
{
    if ((def->needs & CRITERION_NEEDS_POOL) && !in->pool)
        return 0;
    if ((def->needs & CRITERION_NEEDS_HESSIAN) && (!in->pool || !in->pool->hess_eig))
        return 0;
    if ((def->needs & CRITERION_NEEDS_DATA) && (!in->prev || !in->prev->mu_pred || !in->prev->n))
        return 0;
    if ((def->needs & CRITERION_NEEDS_SPECIAL) && (!in->special || in->special->n == 0))
        return 0;
    return 1;
}

/* One criterion: propose, then select_apply's filters (novelty, diversity,
 * groups/copies, perturbation into the domain); the kept points are added
 * to the list. */
static int run_criterion(const acquire_settings *set, int round, int id,
                         int budget, const criterion_input *in, const acquire_data *all,
                         proposal_list *list, round_record *rec)
{
    const criterion_def *def = criterion_get(id);
    const acquire_criterion *ac = &set->crit[id];
    if (!inputs_present(def, in)) {
        log_line("round %d (%d of %d) acquire: %s has no input yet (%s), skipped", round,
                 round + 1, set->rounds, def->name,
                 (def->needs & CRITERION_NEEDS_DATA) ? "no rows with a prediction before "
                                                       "training"
                                                     : "no committee");
        return ALFE_OK;
    }
    acquire_candidate *cand = NULL;
    int n = 0;
    ALFE_CHECK(def->propose(in, &ac->s, &cand, &n));
    rec->proposed[id] = n;
    const int copies = ac->copies > 0 ? ac->copies : 1;
    int groups = ac->groups > 0 ? ac->groups : budget / copies;
    if (groups * copies > budget)
        groups = budget / copies;
    criterion_settings s = ac->s;
    s.n_groups = 1;
    s.groups[0].count = groups;
    s.groups[0].copies = copies;
    /* Novelty filters new places only: high error re-measures rows on
     * purpose and the special points are wanted wherever they are. */
    criterion_input filter_in = *in;
    filter_in.all = (def->needs & CRITERION_NEEDS_POOL) ? all : NULL;
    rng_stream rng;
    select_perturb_stream(&rng, set->seed, round, id);
    acquire_candidate *kept = NULL;
    int n_out = 0;
    select_counts counts;
    int status = select_apply(cand, n, &filter_in, &s, groups * copies, &rng, &kept, &n_out,
                              &counts);
    for (int i = 0; status == ALFE_OK && i < n_out; i++)
        list_add(list, id, kept[i].eta);
    if (status == ALFE_OK)
        log_line("round %d (%d of %d) acquire: %s budget %d: %d proposed, %d dropped by novelty, "
                 "%d kept (%d x %d; %d perturbations re-drawn, %d reflected into the domain)%s",
                 round, round + 1, set->rounds, def->name, budget, counts.proposed, counts.novelty_dropped, n_out,
                 counts.chosen, copies, counts.redrawn, counts.reflected,
                 counts.short_of ? " (short of candidates)" : "");
    free(cand);
    free(kept);
    return status;
}

/* Budgets of the weighted criteria (all but global and special) this round. */
static int criteria_budgets(const acquire_settings *set, int round, const double *weight,
                            int *budget, round_record *rec)
{
    int enabled[CRITERION_COUNT] = {0}, base[CRITERION_COUNT] = {0};
    double w[CRITERION_COUNT];
    int any = 0;
    for (int id = 0; id < CRITERION_COUNT; id++) {
        w[id] = weight ? weight[id] : 1.0;
        rec->weight[id] = w[id];
        if (id > CRITERION_SPECIAL && acquire_criterion_runs(set, id, round)) {
            enabled[id] = 1;
            base[id] = set->crit[id].s.points;
            any = 1;
        }
    }
    if (!any) {
        memset(budget, 0, sizeof(int) * CRITERION_COUNT);
        return ALFE_OK;
    }
    return weights_budget(CRITERION_COUNT, enabled, base, w, set->reweight_floor, budget);
}

int acquire_round(const acquire_settings *set, const domain *dom, int round, int64_t first_row,
                  uint64_t sobol_index, idnn_committee *mu_model, const acquire_context *ctx,
                  point_input **inputs_out, int64_t *n_out, round_record *rec)
{
    const int d = dom->d;
    const int n_global = set->global_points;
    const int global = set->global_method == ACQUIRE_SOBOL ? CRITERION_GLOBAL_SOBOL
                                                          : CRITERION_GLOBAL_BILLIARD;
    memset(rec->per_criterion, 0, sizeof rec->per_criterion);
    memset(rec->budget, 0, sizeof rec->budget);
    memset(rec->proposed, 0, sizeof rec->proposed);
    for (int k = 0; k < CRITERION_COUNT; k++)
        rec->weight[k] = 1.0;
    snprintf(rec->reweight_rule, sizeof rec->reweight_rule, "%s",
             weight_rule_names[set->reweight_rule]);

    proposal_list list = {0, 0, d, NULL, NULL};
    double *eta = ALFE_MALLOC(sizeof(double) * (size_t)(n_global ? n_global : 1) * d);
    int status = propose_global(set, dom, round, n_global, &sobol_index, eta);
    for (int i = 0; status == ALFE_OK && i < n_global; i++)
        list_add(&list, global, eta + (size_t)i * d);
    free(eta);
    rec->budget[global] = n_global;
    rec->proposed[global] = n_global;

    int budget[CRITERION_COUNT] = {0};
    if (status == ALFE_OK)
        status = criteria_budgets(set, round, ctx ? ctx->weight : NULL, budget, rec);
    criterion_input in = {ctx ? ctx->pool : NULL, ctx ? ctx->prev : NULL, ctx ? ctx->all : NULL,
                          &set->special, dom};
    for (int id = CRITERION_SPECIAL; status == ALFE_OK && id < CRITERION_COUNT; id++) {
        if (!acquire_criterion_runs(set, id, round))
            continue;
        /* The special points are not weighted: all of them, copies each. */
        int b = id == CRITERION_SPECIAL ? special_count(&set->special) * set->crit[id].copies
                                        : budget[id];
        rec->budget[id] = b;
        if (b > 0)
            status = run_criterion(set, round, id, b, &in, in.all, &list, rec);
    }
    const int n = list.n;
    point_input *inputs = ALFE_CALLOC((size_t)(n ? n : 1), sizeof *inputs);
    const double kt = ALFE_KB_EV * set->temperature;
    double *mu_guess = ALFE_CALLOC((size_t)(n ? n : 1) * d, sizeof(double));
    if (status == ALFE_OK && mu_model && n > 0) {
        idnn_committee_output out = {.mu_mean = mu_guess};
        status = idnn_committee_predict(mu_model, n, list.eta, &out);
    }
    for (int i = 0; status == ALFE_OK && i < n; i++) {
        point_input *p = &inputs[i];
        p->row = first_row + i;
        p->round = round;
        p->criterion = list.criterion[i];
        p->seed = rng_stream_seed(set->seed, (uint64_t)p->row, RNG_PURPOSE_POINT);
        p->temperature = set->temperature;
        memcpy(p->eta_target, list.eta + (size_t)i * d, sizeof(double) * (size_t)d);
        memcpy(p->phi, set->phi, sizeof(double) * (size_t)d);
        double *guess = mu_guess + (size_t)i * d;
        if (!mu_model) {
            /* μ̂ = ideal mixing until a committee exists. */
            double g = 0.0;
            if (domain_ideal_mixing(dom, kt, p->eta_target, &g, guess, NULL) != 0)
                memset(guess, 0, sizeof(double) * (size_t)d);
        }
        acquire_target_kappa(d, p->eta_target, guess, p->phi, p->kappa);
        rec->per_criterion[p->criterion]++;
    }
    free(mu_guess);
    free(list.eta);
    free(list.criterion);
    if (status != ALFE_OK) {
        free(inputs);
        return status;
    }
    rec->sobol_index_end = sobol_index;
    *inputs_out = inputs;
    *n_out = n;
    return ALFE_OK;
}
