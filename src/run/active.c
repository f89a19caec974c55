/* active.c — the inputs of a round's criteria and the stop rule (active.h).
 * Owns: the pool, the rows and weights handed to acquire_round.  Must not
 * call MPI nor HDF5 directly (comm.h, campaign_io.h). */
#include "alfe/run/active.h"

#include "alfe/acquire/pool.h"
#include "alfe/acquire/weights.h"
#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/log.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct active_inputs {
    pool *pool;
    acquire_pool pool_view;
    /* Previous round's usable rows with the μ predicted before training. */
    int n_prev;
    double *prev_eta, *prev_mu, *prev_pred;
    int64_t *prev_row;
    acquire_data prev;
    /* Every usable row (novelty). */
    int n_all;
    double *all_eta, *all_mu;
    acquire_data all;
    double weight[CRITERION_COUNT];
    acquire_context ctx;
};

/* Rank 0: the usable (done, converged, finite) rows of rounds [round_lo,
 * round_hi]: ⟨η⟩, μ and row ids. */
static int read_usable_rows(campaign *c, int d, int round_lo, int round_hi, int *n_out,
                            double **eta, double **mu, int64_t **row)
{
    int64_t n_rows = campaign_row_count(c);
    size_t cap = (size_t)(n_rows ? n_rows : 1);
    point_input *in = ALFE_MALLOC(sizeof *in * cap);
    point_result *res = ALFE_MALLOC(sizeof *res * cap);
    int32_t *status_col = ALFE_MALLOC(sizeof(int32_t) * cap);
    int status = campaign_read_inputs(c, 0, n_rows, in, status_col);
    if (status == ALFE_OK)
        status = campaign_read_results(c, 0, n_rows, res);
    *eta = ALFE_MALLOC(sizeof(double) * cap * d);
    *mu = ALFE_MALLOC(sizeof(double) * cap * d);
    *row = ALFE_MALLOC(sizeof(int64_t) * cap);
    int n = 0;
    for (int64_t r = 0; status == ALFE_OK && r < n_rows; r++) {
        if (status_col[r] != POINT_DONE || in[r].round < round_lo || in[r].round > round_hi ||
            !res[r].converged)
            continue;
        int finite = 1;
        for (int j = 0; j < d; j++)
            finite &= isfinite(res[r].eta_mean[j]) && isfinite(res[r].mu[j]);
        if (!finite)
            continue;
        memcpy(*eta + (size_t)n * d, res[r].eta_mean, sizeof(double) * (size_t)d);
        memcpy(*mu + (size_t)n * d, res[r].mu, sizeof(double) * (size_t)d);
        (*row)[n++] = r;
    }
    free(in);
    free(res);
    free(status_col);
    *n_out = n;
    return status;
}

/* Collective: the pool and the learner's predictions on it. */
static int build_pool(const alfe_system *sys, idnn_committee *committee, int round,
                      active_inputs *a)
{
    pool_settings ps;
    system_pool_settings(sys->cfg, &ps);
    double t0 = alfe_wall_time();
    ALFE_CHECK(comm_agree_status(pool_create(&ps, sys->dom, round, &a->pool)));
    ALFE_CHECK(pool_predict_collective(a->pool, committee));
    pool *p = a->pool;
    a->pool_view = (acquire_pool){p->n,       p->d,      p->eta,     p->g_mean,
                                  p->g_std,   p->mu_mean, p->mu_std, p->hess_eig};
    log_line("round %d (%d of %d) acquire: pool of %d points (%d on the boundary, %d in (eta0, "
             "eta1)) predicted on %d rank%s in %.2f s", round, round + 1, sys->cfg->rounds, p->n,
             p->n_boundary, p->n_2d, comm_size(), comm_size() > 1 ? "s" : "",
             alfe_wall_time() - t0);
    return ALFE_OK;
}

/* Collective: round−1's rows with the μ of round−2's stored committee. */
static int build_previous(campaign *c, int d, int round, active_inputs *a)
{
    idnn_committee *before = NULL;
    int status = comm_agree_status(campaign_read_models(c, round - 2, &before));
    if (status != ALFE_OK || !before)
        return status;
    if (comm_rank() == 0) {
        status = read_usable_rows(c, d, round - 1, round - 1, &a->n_prev, &a->prev_eta,
                                  &a->prev_mu, &a->prev_row);
        a->prev_pred = ALFE_MALLOC(sizeof(double) * (size_t)(a->n_prev ? a->n_prev : 1) * d);
        if (status == ALFE_OK && a->n_prev > 0) {
            idnn_committee_output out = {.mu_mean = a->prev_pred};
            status = idnn_committee_predict(before, a->n_prev, a->prev_eta, &out);
        }
        a->prev = (acquire_data){a->n_prev, d, a->prev_eta, a->prev_mu, a->prev_pred,
                                 a->prev_row};
    }
    idnn_committee_destroy(&before);
    return comm_agree_status(status);
}

/* The round's weights from round−1's record (every rank reads it). */
static int build_weights(const acquire_settings *set, campaign *c, int round, active_inputs *a)
{
    for (int k = 0; k < CRITERION_COUNT; k++)
        a->weight[k] = 1.0;
    if (set->reweight_rule == WEIGHT_RULE_NONE || round == 0)
        return ALFE_OK;
    round_record prev;
    ALFE_CHECK(campaign_read_round(c, round - 1, &prev));
    int enabled[CRITERION_COUNT] = {0};
    for (int k = CRITERION_SPECIAL + 1; k < CRITERION_COUNT; k++)
        enabled[k] = acquire_criterion_runs(set, k, round);
    double w_new[CRITERION_COUNT];
    ALFE_CHECK(weights_update(CRITERION_COUNT, set->reweight_rule, set->reweight_alpha, enabled,
                              prev.weight, prev.mse_before, prev.mse_after, w_new));
    for (int k = CRITERION_SPECIAL + 1; k < CRITERION_COUNT; k++)
        if (enabled[k])
            a->weight[k] = w_new[k];
    return ALFE_OK;
}

int active_inputs_build(const alfe_system *sys, const acquire_settings *set, campaign *c,
                        learner *l, int round, active_inputs **out)
{
    *out = NULL;
    const int d = sys->cfg->dimension;
    active_inputs *a = ALFE_CALLOC(1, sizeof *a);
    const unsigned needs = acquire_round_needs(set, round);
    idnn_committee *committee = l ? learner_models(l) : NULL;
    int status = ALFE_OK;
    if ((needs & CRITERION_NEEDS_POOL) && committee)
        status = build_pool(sys, committee, round, a);
    if (status == ALFE_OK && (needs & CRITERION_NEEDS_DATA) && round >= 2)
        status = build_previous(c, d, round, a);
    int novelty = 0;
    for (int k = 0; k < CRITERION_COUNT; k++)
        novelty |= acquire_criterion_runs(set, k, round) && set->crit[k].s.min_distance > 0;
    if (status == ALFE_OK && novelty && comm_rank() == 0) {
        int64_t *rows = NULL;
        status = read_usable_rows(c, d, 0, round - 1, &a->n_all, &a->all_eta, &a->all_mu, &rows);
        free(rows);
        a->all = (acquire_data){a->n_all, d, a->all_eta, a->all_mu, NULL, NULL};
    }
    status = comm_agree_status(status);
    if (status == ALFE_OK)
        status = comm_agree_status(build_weights(set, c, round, a));
    if (status != ALFE_OK) {
        active_inputs_destroy(&a);
        return status;
    }
    a->ctx.pool = a->pool && a->pool->predicted && comm_rank() == 0 ? &a->pool_view : NULL;
    a->ctx.prev = a->prev_pred ? &a->prev : NULL;
    a->ctx.all = a->all_eta ? &a->all : NULL;
    a->ctx.weight = a->weight;
    *out = a;
    return ALFE_OK;
}

const acquire_context *active_context(const active_inputs *a) { return &a->ctx; }

void active_inputs_destroy(active_inputs **ap)
{
    if (!ap || !*ap)
        return;
    active_inputs *a = *ap;
    pool_destroy(&a->pool);
    free(a->prev_eta);
    free(a->prev_mu);
    free(a->prev_pred);
    free(a->prev_row);
    free(a->all_eta);
    free(a->all_mu);
    ALFE_FREE(*ap);
}

int active_stop_reason(const alfe_config *cfg, campaign *c, const round_record *current,
                       char *reason, size_t size)
{
    reason[0] = '\0';
    if (cfg->stop_target_mse <= 0 && cfg->stop_patience <= 0)
        return ALFE_OK;
    double best = INFINITY;
    int since = 0;
    for (int r = 0; r <= current->round; r++) {
        round_record rec;
        if (r < current->round)
            ALFE_CHECK(campaign_read_round(c, r, &rec));
        else
            rec = *current;
        const double m = isfinite(rec.mse_test) ? rec.mse_test : rec.mse_new;
        if (!isfinite(m))
            continue; /* no committee yet to judge */
        if (cfg->stop_target_mse > 0 && m <= cfg->stop_target_mse) {
            snprintf(reason, size, "converged");
            return ALFE_OK;
        }
        if (m < best * (1.0 - cfg->stop_min_improvement) || !isfinite(best)) {
            best = m;
            since = 0;
        } else if (cfg->stop_patience > 0 && ++since >= cfg->stop_patience) {
            snprintf(reason, size, "no_improvement");
            return ALFE_OK;
        }
    }
    return ALFE_OK;
}
