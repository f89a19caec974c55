/* learn.c — a round's learning step: gather the usable rows, score the
 * previous committee on the new rows, train the committee over the ranks,
 * optionally search hyper-parameters, and measure (see learn.h).
 * Owns: the learner.  Reads the campaign only through campaign_io.h; MPI only
 * through comm.h. */
#include "alfe/run/learn.h"

#include "curvature_fit.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/network/hypersearch.h"
#include "alfe/run/system.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/base/log.h"
#include "alfe/base/table.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct learner {
    const alfe_config *cfg;
    int d;
    const invariant_set *inv;    /* the system's */
    idnn_committee *committee;   /* NULL until trained or loaded */
    int n_test;
    double *test_eta, *test_mu;  /* rank 0 */
    const region_set *regions;   /* [metrics] regions, or NULL */
};

void learner_set_regions(learner *l, const region_set *regions)
{
    if (l)
        l->regions = regions;
}

idnn_committee *learner_models(const learner *l)
{
    return l ? l->committee : NULL;
}

/* Test rows: a table file (base/table.h); η and μ from the configured
 * column ranges (0-based). */
static int read_test_set(learner *l)
{
    const alfe_config *cfg = l->cfg;
    int e0, e1, m0, m1;
    config_column_range(cfg->tr_test_eta_columns, &e0, &e1);
    config_column_range(cfg->tr_test_mu_columns, &m0, &m1);
    const int last = e1 > m1 ? e1 : m1;
    char why[128];
    snprintf(why, sizeof why, "[training] test_eta_columns/test_mu_columns need column %d "
             "(0-based)", last);
    table_shape shape = {.min_columns = last + 1, .why = why};
    number_table *t = NULL;
    ALFE_CHECK(table_read(cfg->tr_test_set_path, &shape, &t));
    const int n = t->rows, d = l->d;
    l->test_eta = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
    l->test_mu = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
    for (int i = 0; i < n; i++) {
        const double *row = t->values + (size_t)i * t->columns;
        for (int j = 0; j < d; j++) {
            l->test_eta[(size_t)i * d + j] = row[e0 + j];
            l->test_mu[(size_t)i * d + j] = row[m0 + j];
        }
    }
    table_destroy(&t);
    l->n_test = n;
    return ALFE_OK;
}

int learner_create(const alfe_config *cfg, const invariant_set *inv, learner **out)
{
    *out = NULL;
    if (!inv)
        return ALFE_OK;
    learner *l = ALFE_CALLOC(1, sizeof *l);
    l->cfg = cfg;
    l->d = cfg->dimension;
    l->inv = inv;
    int status = ALFE_OK;
    if (comm_rank() == 0 && cfg->tr_test_set && cfg->tr_test_set[0])
        status = read_test_set(l);
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        learner_destroy(&l);
        return status;
    }
    *out = l;
    return ALFE_OK;
}

void learner_destroy(learner **lp)
{
    if (!lp || !*lp)
        return;
    learner *l = *lp;
    idnn_committee_destroy(&l->committee);
    free(l->test_eta);
    free(l->test_mu);
    free(l);
    *lp = NULL;
}

static void configured_arch(const alfe_config *cfg, int m, idnn_arch *arch)
{
    memset(arch, 0, sizeof *arch);
    arch->n_inputs = m;
    arch->n_layers = cfg->net_layers;
    arch->scale = cfg->net_scale;
    for (int k = 0; k < cfg->net_layers; k++) {
        arch->width[k] = cfg->net_width;
        arch->activation[k] = cfg->net_activation;
    }
}

int learner_load(learner *l, campaign *c, int round)
{
    if (!l || round < 0)
        return ALFE_OK;
    idnn_committee *ms = NULL;
    ALFE_CHECK(campaign_read_models(c, round, &ms));
    if (!ms)
        return ALFE_OK;
    idnn_arch *archs = ALFE_MALLOC(sizeof(idnn_arch) * (size_t)ms->n_members);
    for (int k = 0; k < ms->n_members; k++)
        archs[k] = ms->members[k]->arch;
    idnn_committee *committee = NULL;
    int status = ms->inv->m == l->inv->m
                     ? idnn_committee_create(l->inv, ms->n_members, archs, &committee)
                     : ALFE_FAIL(ALFE_ERR_INPUT, "stored models of round %d take %d invariants, "
                                                 "[network] invariants has %d",
                                 round, ms->inv->m, l->inv->m);
    for (int k = 0; status == ALFE_OK && k < ms->n_members; k++)
        memcpy(committee->members[k]->params, ms->members[k]->params,
               sizeof(double) * ms->members[k]->n_params);
    free(archs);
    idnn_committee_destroy(&ms);
    if (status != ALFE_OK)
        return status;
    idnn_committee_destroy(&l->committee);
    l->committee = committee;
    return ALFE_OK;
}

static void training_settings(const alfe_config *cfg, int round, train_settings *s)
{
    train_default_settings(s);
    s->optimizer = cfg->tr_optimizer == 1 ? TRAIN_ADAM : TRAIN_RMSPROP;
    s->learning_rate = cfg->tr_learning_rate;
    s->lr_decay = cfg->tr_lr_decay;
    s->round = round;
    s->epochs = cfg->tr_epochs;
    s->batch_size = cfg->tr_batch_size;
    s->plateau_factor = cfg->tr_plateau_factor;
    s->plateau_patience = cfg->tr_plateau_patience;
    s->min_lr = cfg->tr_min_lr;
    s->early_stopping = cfg->tr_early_stopping;
    s->es_patience = cfg->tr_es_patience;
    s->validation_fraction = cfg->tr_validation_fraction;
}

/* Mean squared error of the committee mean μ at n points (rank-local). */
static int committee_mse(idnn_committee *committee, int d, int n, const double *eta,
                         const double *mu, double *mse)
{
    *mse = NAN;
    if (!committee || n == 0)
        return ALFE_OK;
    double *pred = ALFE_MALLOC(sizeof(double) * (size_t)n * d);
    idnn_committee_output out = {.mu_mean = pred};
    int status = idnn_committee_predict(committee, n, eta, &out);
    if (status == ALFE_OK) {
        double sum = 0.0;
        for (size_t i = 0; i < (size_t)n * d; i++)
            sum += (pred[i] - mu[i]) * (pred[i] - mu[i]);
        *mse = sum / ((double)n * d);
    }
    free(pred);
    return status;
}

/* Rank 0: usable rows of rounds 0..round, weights, and which are new. */
static int gather_rows(learner *l, campaign *c, int round, int *n_out, double **eta,
                       double **mu, double **weight, int *n_new_out, double **eta_new,
                       double **mu_new, int32_t **crit_new, int64_t *n_excluded,
                       int64_t **taken)
{
    const int d = l->d;
    int64_t n_rows = campaign_row_count(c);
    point_input *in = ALFE_MALLOC(sizeof *in * (size_t)(n_rows ? n_rows : 1));
    point_result *res = ALFE_MALLOC(sizeof *res * (size_t)(n_rows ? n_rows : 1));
    int32_t *status_col = ALFE_MALLOC(sizeof(int32_t) * (size_t)(n_rows ? n_rows : 1));
    int status = campaign_read_inputs(c, 0, n_rows, in, status_col);
    if (status == ALFE_OK)
        status = campaign_read_results(c, 0, n_rows, res);
    *eta = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * d);
    *mu = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * d);
    *weight = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1));
    *eta_new = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * d);
    *mu_new = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * d);
    *crit_new = ALFE_MALLOC(sizeof(int32_t) * (size_t)(n_rows ? n_rows : 1));
    *taken = ALFE_MALLOC(sizeof(int64_t) * (size_t)(n_rows ? n_rows : 1));
    int n = 0, n_new = 0;
    *n_excluded = 0;
    for (int64_t r = 0; status == ALFE_OK && r < n_rows; r++) {
        if (status_col[r] != POINT_DONE || in[r].round > round)
            continue;
        int finite = 1;
        for (int j = 0; j < d; j++)
            finite &= isfinite(res[r].eta_mean[j]) && isfinite(res[r].mu[j]);
        /* Data with a flag is kept in the file but never trained on. */
        if (!finite || !res[r].converged) {
            (*n_excluded)++;
            continue;
        }
        memcpy(*eta + (size_t)n * d, res[r].eta_mean, sizeof(double) * (size_t)d);
        memcpy(*mu + (size_t)n * d, res[r].mu, sizeof(double) * (size_t)d);
        (*weight)[n] = in[r].round == round ? l->cfg->tr_newest_weight : 1.0;
        (*taken)[n] = r;
        n++;
        if (in[r].round == round) {
            memcpy(*eta_new + (size_t)n_new * d, res[r].eta_mean, sizeof(double) * (size_t)d);
            memcpy(*mu_new + (size_t)n_new * d, res[r].mu, sizeof(double) * (size_t)d);
            (*crit_new)[n_new] = in[r].criterion;
            n_new++;
        }
    }
    free(in);
    free(res);
    free(status_col);
    *n_out = n;
    *n_new_out = n_new;
    return status;
}

/* A round's training rows: every rank holds eta, mu and weight (n rows);
 * the round's new rows and the previous committee's error on them are
 * rank 0's (mse_new is shared). */
typedef struct {
    int n, n_new;
    int64_t n_excluded;
    double *eta, *mu, *weight;
    double *eta_new, *mu_new;
    int32_t *crit_new;              /* criterion of each new row */
    double mse_new;
    /* Per criterion, the previous committee on the new rows: μ MSE and mean
     * μ spread (NaN: no rows or no committee). */
    double mse_before[CRITERION_COUNT], spread_before[CRITERION_COUNT];
    /* [training] weight_hessian > 0: the measured Hessian and its weights ν
     * (n×d×d, every rank; curvature_fit.h), kept elements, rows with any,
     * and the previous committee's RMS error on them (rank 0's, shared) */
    double *hess, *hess_weight;
    int64_t hess_kept;
    int hess_rows;
    double hess_rms_before;
} round_rows;

static void round_rows_free(round_rows *r)
{
    free(r->eta);
    free(r->mu);
    free(r->weight);
    free(r->eta_new);
    free(r->mu_new);
    free(r->crit_new);
    free(r->hess);
    free(r->hess_weight);
    memset(r, 0, sizeof *r);
}

/* Rank 0: a committee's μ MSE per criterion over the new rows and (spread
 * != NULL) its mean μ spread there. */
static int criteria_scores(idnn_committee *committee, int d, int n, const double *eta,
                           const double *mu, const int32_t *crit, double *mse, double *spread)
{
    for (int k = 0; k < CRITERION_COUNT; k++) {
        mse[k] = NAN;
        if (spread)
            spread[k] = NAN;
    }
    if (!committee || n == 0)
        return ALFE_OK;
    double *pred = ALFE_MALLOC(sizeof(double) * (size_t)n * d);
    double *std = ALFE_MALLOC(sizeof(double) * (size_t)n * d);
    idnn_committee_output out = {.mu_mean = pred, .mu_std = spread ? std : NULL};
    int status = idnn_committee_predict(committee, n, eta, &out);
    double sum[CRITERION_COUNT] = {0}, sum_std[CRITERION_COUNT] = {0};
    int64_t count[CRITERION_COUNT] = {0};
    for (int i = 0; status == ALFE_OK && i < n; i++) {
        int k = crit[i] >= 0 && crit[i] < CRITERION_COUNT ? crit[i] : 0;
        for (int j = 0; j < d; j++) {
            size_t x = (size_t)i * d + j;
            sum[k] += (pred[x] - mu[x]) * (pred[x] - mu[x]);
            if (spread)
                sum_std[k] += std[x];
        }
        count[k] += d;
    }
    for (int k = 0; status == ALFE_OK && k < CRITERION_COUNT; k++)
        if (count[k] > 0) {
            mse[k] = sum[k] / (double)count[k];
            if (spread)
                spread[k] = sum_std[k] / (double)count[k];
        }
    free(pred);
    free(std);
    return status;
}

/* Collective: rank 0 gathers the rows and scores the previous committee on
 * the new ones (before retraining); the rows then reach every rank. */
static int gather_round(learner *l, campaign *c, int round, round_rows *r)
{
    const int d = l->d;
    memset(r, 0, sizeof *r);
    r->mse_new = NAN;
    r->hess_rms_before = NAN;
    const int curvature = l->cfg->tr_weight_hessian > 0.0;
    const size_t dd = (size_t)d * d;
    int status = ALFE_OK;
    if (comm_rank() == 0) {
        int64_t *taken = NULL;
        status = gather_rows(l, c, round, &r->n, &r->eta, &r->mu, &r->weight, &r->n_new,
                             &r->eta_new, &r->mu_new, &r->crit_new, &r->n_excluded, &taken);
        if (status == ALFE_OK && curvature) {
            r->hess = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * dd);
            r->hess_weight = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * dd);
            status = curvature_gather(c, r->n, taken, d, l->cfg->tr_hessian_max_rel, r->hess,
                                      r->hess_weight, &r->hess_kept, &r->hess_rows);
            if (status == ALFE_OK)
                status = curvature_rms_error(l->committee, r->n, d, r->eta, r->hess,
                                             r->hess_weight, &r->hess_rms_before);
        }
        free(taken);
        if (status == ALFE_OK)
            status = committee_mse(l->committee, d, r->n_new, r->eta_new, r->mu_new,
                                   &r->mse_new);
        if (status == ALFE_OK)
            status = criteria_scores(l->committee, d, r->n_new, r->eta_new, r->mu_new,
                                     r->crit_new, r->mse_before, r->spread_before);
    }
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        round_rows_free(r);
        return status;
    }
    comm_bcast_int(&r->n, 0);
    comm_bcast_i64(&r->n_excluded, 0);
    comm_bcast_doubles(&r->mse_new, 1, 0);
    comm_bcast_doubles(r->mse_before, CRITERION_COUNT, 0);
    comm_bcast_doubles(r->spread_before, CRITERION_COUNT, 0);
    if (comm_rank() != 0) {
        r->eta = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * d);
        r->mu = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * d);
        r->weight = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1));
    }
    comm_bcast_doubles(r->eta, (size_t)r->n * d, 0);
    comm_bcast_doubles(r->mu, (size_t)r->n * d, 0);
    comm_bcast_doubles(r->weight, (size_t)r->n, 0);
    if (curvature) {
        if (comm_rank() != 0) {
            r->hess = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * dd);
            r->hess_weight = ALFE_MALLOC(sizeof(double) * (size_t)(r->n ? r->n : 1) * dd);
        }
        comm_bcast_doubles(r->hess, (size_t)r->n * dd, 0);
        comm_bcast_doubles(r->hess_weight, (size_t)r->n * dd, 0);
        comm_bcast_i64(&r->hess_kept, 0);
        comm_bcast_int(&r->hess_rows, 0);
        comm_bcast_doubles(&r->hess_rms_before, 1, 0);
    }
    return ALFE_OK;
}

/* Collective: the committee (created or re-initialised unless warm start)
 * trained on data; reports (K) allocated and filled. */
static int fit_committee(learner *l, const round_rows *r, const idnn_batch *data,
                         const train_settings *base, int round, train_report **reports)
{
    const alfe_config *cfg = l->cfg;
    int status = ALFE_OK;
    *reports = NULL;
    if (!l->committee) {
        idnn_arch *archs = ALFE_MALLOC(sizeof(idnn_arch) * (size_t)cfg->net_committee);
        for (int k = 0; k < cfg->net_committee; k++)
            configured_arch(cfg, l->inv->m, &archs[k]);
        status = idnn_committee_create(l->inv, cfg->net_committee, archs, &l->committee);
        free(archs);
        if (status == ALFE_OK)
            idnn_committee_init_fresh(l->committee, cfg->seed, round);
    } else if (!cfg->net_warm_start) {
        idnn_committee_init_fresh(l->committee, cfg->seed, round);
    }
    if (status != ALFE_OK)
        return status;
    *reports = ALFE_CALLOC((size_t)l->committee->n_members, sizeof **reports);
    log_line("round %d (%d of %d) train: %d member%s on %d rows (%d new; %lld done rows excluded: "
             "not converged or non-finite), %d rank%s", round, round + 1, cfg->rounds,
             l->committee->n_members, l->committee->n_members == 1 ? "" : "s", r->n, r->n_new,
             (long long)r->n_excluded, comm_size(), comm_size() == 1 ? "" : "s");
    return idnn_committee_train(l->committee, data, base, cfg->seed, round, cfg->net_bootstrap,
                                *reports);
}

/* Collective ([training] hypersearch > 0): candidates trained and the best
 * replace the committee when better (idnn_hypersearch_adopt). */
static int search_hyperparameters(learner *l, const idnn_batch *data,
                                  const train_settings *base, int round)
{
    const alfe_config *cfg = l->cfg;
    double *current = ALFE_MALLOC(sizeof(double) * (size_t)l->committee->n_members);
    int status = idnn_committee_validation_losses(l->committee, data, base, cfg->seed, round,
                                                  current);
    hypersearch_bounds bounds;
    system_hypersearch_bounds(cfg, &bounds);
    idnn_hypersearch_result *search = NULL;
    if (status == ALFE_OK)
        status = idnn_hypersearch_run(l->inv, data, &bounds, base, cfg->net_scale, cfg->seed,
                                      round, &search);
    int replaced = 0;
    if (status == ALFE_OK)
        status = idnn_hypersearch_adopt(search, l->committee->n_members, current,
                                        l->committee->n_members, &l->committee, &replaced);
    if (status == ALFE_OK)
        log_line("round %d (%d of %d) hyper-parameter search: %d candidates, %s", round, round + 1,
                 cfg->rounds, cfg->tr_hypersearch,
                 replaced ? "the best replace the committee" : "the committee stays");
    idnn_hypersearch_result_destroy(&search);
    free(current);
    return status;
}

/* Rank 0: the members' validation losses and epochs. */
static void log_training(const learner *l, const train_report *reports, int round)
{
    double best = INFINITY, worst = -INFINITY;
    int epochs = 0;
    for (int k = 0; k < l->committee->n_members; k++) {
        best = fmin(best, reports[k].validation_loss);
        worst = fmax(worst, reports[k].validation_loss);
        epochs += reports[k].epochs_run;
    }
    log_line("round %d (%d of %d) train: validation loss %.4g .. %.4g over members, %d epochs "
             "in all", round, round + 1, l->cfg->rounds, best, worst, epochs);
}

/* Rank 0 ([training] weight_hessian > 0): the curvature term's data and the
 * committee's relative RMS Hessian error on the kept elements (curvature_fit.h)
 * before and after. */
static int log_curvature(const learner *l, const round_rows *r, int round)
{
    const int d = l->d;
    double after = NAN;
    ALFE_CHECK(curvature_rms_error(l->committee, r->n, d, r->eta, r->hess, r->hess_weight,
                                   &after));
    char before[64] = "";
    if (isfinite(r->hess_rms_before))
        snprintf(before, sizeof before, " %.3g before ->", r->hess_rms_before);
    if (r->hess_kept > 0)
        log_line("round %d (%d of %d) train: curvature term weight_hessian %g on %lld of %lld "
                 "Hessian elements (j <= k) in %d of %d rows; committee Hessian relative RMS "
                 "error on them%s %.3g after training", round, round + 1,
                 l->cfg->rounds, l->cfg->tr_weight_hessian, (long long)r->hess_kept,
                 (long long)r->n * d * (d + 1) / 2, r->hess_rows, r->n, before, after);
    else
        log_line("round %d (%d of %d) train: curvature term weight_hessian %g: no resolved "
                 "Hessian element in the %d rows (hessian_max_rel %g), trained on mu alone",
                 round, round + 1, l->cfg->rounds, l->cfg->tr_weight_hessian, r->n,
                 l->cfg->tr_hessian_max_rel);
    return ALFE_OK;
}

/* Whether the hyper-parameter search runs this round ([training]
 * hypersearch_trigger): the first round that trains is the one without a
 * committee yet; "no improvement" compares the previous committee's μ MSE
 * on this round's new rows with the one on the previous round's new rows
 * (previous_mse_new; NaN: none, e.g. the first trained round). */
static int search_due(const learner *l, const round_rows *r, int first, double previous_mse_new)
{
    const alfe_config *cfg = l->cfg;
    if (cfg->tr_hypersearch <= 0)
        return 0;
    switch (cfg->tr_hypersearch_trigger) {
    case HYPERSEARCH_ALWAYS: return 1;
    case HYPERSEARCH_NEVER: return 0;
    case HYPERSEARCH_FIRST: return first;
    case HYPERSEARCH_FIRST_AND_NO_IMPROVEMENT:
        return first || (isfinite(r->mse_new) && isfinite(previous_mse_new) &&
                         !(r->mse_new < previous_mse_new));
    }
    return 0;
}

/* Collective: fit, optionally search, on the round's rows (n >= 2). */
static int train_on_rows(learner *l, const round_rows *r, int round, double previous_mse_new)
{
    const alfe_config *cfg = l->cfg;
    double zero_eta[ALFE_MAX_DIM] = {0}, zero_g = 0.0;
    idnn_batch data;
    memset(&data, 0, sizeof data);
    data.n = r->n;
    data.eta = r->eta;
    data.mu = r->mu;
    data.weight = r->weight;
    data.n_ref = 1;
    data.eta_ref = zero_eta;
    data.g_ref = &zero_g;
    data.w_g = cfg->tr_weight_g;
    data.w_mu = cfg->tr_weight_mu;
    if (r->hess && r->hess_kept > 0) {
        data.hess = r->hess;
        data.hess_weight = r->hess_weight;
        data.w_hess = cfg->tr_weight_hessian;
    }
    train_settings base;
    training_settings(cfg, round, &base);
    train_report *reports = NULL;
    const int first = l->committee == NULL;
    int status = fit_committee(l, r, &data, &base, round, &reports);
    if (status == ALFE_OK && search_due(l, r, first, previous_mse_new))
        status = search_hyperparameters(l, &data, &base, round);
    if (status == ALFE_OK && comm_rank() == 0)
        log_training(l, reports, round);
    if (status == ALFE_OK && comm_rank() == 0 && r->hess)
        status = log_curvature(l, r, round);
    free(reports);
    return status;
}

/* Collective: the round's metrics (rank 0, shared) into rec. */
static int measure_round(learner *l, const round_rows *r, int status, round_record *rec)
{
    double metrics[2] = {NAN, NAN};
    for (int k = 0; k < CRITERION_COUNT; k++)
        rec->mse_after[k] = NAN;
    if (status == ALFE_OK && comm_rank() == 0) {
        status = committee_mse(l->committee, l->d, r->n, r->eta, r->mu, &metrics[0]);
        if (status == ALFE_OK && l->n_test > 0)
            status = committee_mse(l->committee, l->d, l->n_test, l->test_eta, l->test_mu,
                                   &metrics[1]);
        if (status == ALFE_OK)
            status = criteria_scores(l->committee, l->d, r->n_new, r->eta_new, r->mu_new,
                                     r->crit_new, rec->mse_after, NULL);
    }
    /* [metrics] regions: the committee's μ MSE on each (NaN: empty region). */
    const int n_regions = l->regions ? l->regions->n : 0;
    rec->n_regions = n_regions;
    for (int i = 0; i < n_regions; i++) {
        snprintf(rec->region_names[i], sizeof rec->region_names[i], "%s",
                 l->regions->r[i].name);
        rec->mse_region[i] = NAN;
        if (status == ALFE_OK && comm_rank() == 0)
            status = committee_mse(l->committee, l->d, l->regions->r[i].n, l->regions->r[i].eta,
                                   l->regions->r[i].mu, &rec->mse_region[i]);
    }
    status = comm_agree_status(status);
    if (n_regions > 0)
        comm_bcast_doubles(rec->mse_region, (size_t)n_regions, 0);
    comm_bcast_doubles(metrics, 2, 0);
    comm_bcast_doubles(rec->mse_after, CRITERION_COUNT, 0);
    memcpy(rec->mse_before, r->mse_before, sizeof rec->mse_before);
    memcpy(rec->spread_before, r->spread_before, sizeof rec->spread_before);
    rec->mse_all = metrics[0];
    rec->mse_new = r->mse_new;
    rec->mse_test = metrics[1];
    rec->n_train = r->n;
    rec->n_excluded = r->n_excluded;
    return status;
}

int learner_train_round(learner *l, campaign *c, int round, round_record *rec)
{
    const alfe_config *cfg = l->cfg;
    double t0 = alfe_wall_time();
    round_rows r;
    ALFE_CHECK(gather_round(l, c, round, &r));
    double previous_mse_new = NAN;
    if (round > 0) {
        round_record previous;
        int rs = campaign_read_round(c, round - 1, &previous);
        if (rs != ALFE_OK) {
            round_rows_free(&r);
            return rs;
        }
        previous_mse_new = previous.mse_new;
    }
    int status = ALFE_OK;
    if (r.n < 2)
        log_line("round %d (%d of %d) train: only %d usable rows (%lld done rows excluded: not "
                 "converged or non-finite), no training this round", round, round + 1, cfg->rounds, r.n,
                 (long long)r.n_excluded);
    else
        status = train_on_rows(l, &r, round, previous_mse_new);
    status = comm_agree_status(status);
    status = measure_round(l, &r, status, rec);
    rec->seconds_train = alfe_wall_time() - t0;
    comm_bcast_doubles(&rec->seconds_train, 1, 0);
    if (status == ALFE_OK) {
        /* Metrics not measured (no committee yet, no test set) are left out,
         * never printed as "nan". */
        char all[48] = "", fresh[48] = "", test[48] = "";
        if (isfinite(rec->mse_all))
            snprintf(all, sizeof all, " all %.3g", rec->mse_all);
        if (isfinite(rec->mse_new))
            snprintf(fresh, sizeof fresh, ", new (before training) %.3g", rec->mse_new);
        if (isfinite(rec->mse_test))
            snprintf(test, sizeof test, ", test %.3g", rec->mse_test);
        if (all[0] || fresh[0] || test[0])
            log_line("round %d (%d of %d) metrics: mu MSE%s%s%s eV^2; training %.1f s", round,
                     round + 1, cfg->rounds, all, fresh, test, rec->seconds_train);
        else
            log_line("round %d (%d of %d) metrics: mu MSE not measured; training %.1f s", round,
                     round + 1, cfg->rounds, rec->seconds_train);
        if (rec->n_regions > 0 && l->committee) {
            char line[2048] = "";
            size_t used = 0;
            for (int i = 0; i < rec->n_regions && used + 64 < sizeof line; i++)
                used += isfinite(rec->mse_region[i])
                            ? (size_t)snprintf(line + used, sizeof line - used, "%s%s %.3g",
                                               i ? ", " : "", rec->region_names[i],
                                               rec->mse_region[i])
                            : (size_t)snprintf(line + used, sizeof line - used, "%s%s (empty)",
                                               i ? ", " : "", rec->region_names[i]);
            log_line("round %d (%d of %d) regions: mu MSE %s eV^2", round, round + 1,
                     cfg->rounds, line);
        }
    }
    round_rows_free(&r);
    return status;
}
