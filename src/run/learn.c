/* learn.c — a round's learning step: gather the usable rows, score the
 * previous committee on the new rows, train the committee over the ranks,
 * optionally search hyper-parameters, and measure (see learn.h).
 * Owns: the learner.  Reads the campaign only through campaign_io.h; MPI only
 * through comm.h. */
#include "alfe/run/learn.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/network/hypersearch.h"
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
    invariant_set *inv;
    idnn_committee *committee;   /* NULL until trained or loaded */
    model_set view;              /* non-owning view of the committee */
    int n_test;
    double *test_eta, *test_mu;  /* rank 0 */
};

static void refresh_view(learner *l)
{
    memset(&l->view, 0, sizeof l->view);
    if (!l->committee)
        return;
    l->view.d = l->d;
    l->view.n_members = l->committee->n_members;
    l->view.members = l->committee->members;
    l->view.inv = l->inv;
    l->view.round = -1;
}

const model_set *learner_models(const learner *l)
{
    return l && l->committee ? &l->view : NULL;
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

int learner_create(const alfe_config *cfg, learner **out)
{
    *out = NULL;
    if (!cfg->net_invariants || !cfg->net_invariants[0])
        return ALFE_OK;
    learner *l = ALFE_CALLOC(1, sizeof *l);
    l->cfg = cfg;
    l->d = cfg->dimension;
    int status = invariant_set_read(cfg->net_invariants_path, cfg->dimension, &l->inv);
    if (status == ALFE_OK && comm_rank() == 0 && cfg->tr_test_set && cfg->tr_test_set[0])
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
    invariant_set_destroy(&l->inv);
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
    void *loaded = NULL;
    ALFE_CHECK(campaign_read_models(c, round, &loaded));
    model_set *ms = loaded;
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
    model_set_destroy(&ms);
    if (status != ALFE_OK)
        return status;
    idnn_committee_destroy(&l->committee);
    l->committee = committee;
    refresh_view(l);
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
    int status = idnn_committee_predict(committee, n, eta, NULL, NULL, pred, NULL);
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
                       double **mu_new, int64_t *n_excluded)
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
        n++;
        if (in[r].round == round) {
            memcpy(*eta_new + (size_t)n_new * d, res[r].eta_mean, sizeof(double) * (size_t)d);
            memcpy(*mu_new + (size_t)n_new * d, res[r].mu, sizeof(double) * (size_t)d);
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

int learner_train_round(learner *l, campaign *c, int round, round_record *rec)
{
    const alfe_config *cfg = l->cfg;
    const int d = l->d;
    double t0 = alfe_wall_time();
    double *eta = NULL, *mu = NULL, *weight = NULL, *eta_new = NULL, *mu_new = NULL;
    int n = 0, n_new = 0, status = ALFE_OK;
    int64_t n_excluded = 0;
    double mse_new = NAN;
    if (comm_rank() == 0) {
        status = gather_rows(l, c, round, &n, &eta, &mu, &weight, &n_new, &eta_new, &mu_new,
                             &n_excluded);
        /* The previous committee on the new rows: before retraining. */
        if (status == ALFE_OK)
            status = committee_mse(l->committee, d, n_new, eta_new, mu_new, &mse_new);
    }
    ALFE_CHECK(comm_agree_status(status));
    comm_bcast_int(&n, 0);
    comm_bcast_i64(&n_excluded, 0);
    comm_bcast_doubles(&mse_new, 1, 0);
    if (comm_rank() != 0) {
        eta = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        mu = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1) * d);
        weight = ALFE_MALLOC(sizeof(double) * (size_t)(n ? n : 1));
    }
    comm_bcast_doubles(eta, (size_t)n * d, 0);
    comm_bcast_doubles(mu, (size_t)n * d, 0);
    comm_bcast_doubles(weight, (size_t)n, 0);

    if (n < 2) {
        log_line("round %d/%d train: only %d usable rows (%lld done rows excluded: not "
                 "converged or non-finite), no training this round", round + 1, cfg->rounds, n,
                 (long long)n_excluded);
    } else {
        double zero_eta[ALFE_MAX_DIM] = {0}, zero_g = 0.0;
        idnn_batch data;
        memset(&data, 0, sizeof data);
        data.n = n;
        data.eta = eta;
        data.mu = mu;
        data.weight = weight;
        data.n_ref = 1;
        data.eta_ref = zero_eta;
        data.g_ref = &zero_g;
        data.w_g = cfg->tr_weight_g;
        data.w_mu = cfg->tr_weight_mu;
        train_settings base;
        training_settings(cfg, round, &base);
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
        train_report *reports = NULL;
        if (status == ALFE_OK) {
            reports = ALFE_CALLOC((size_t)l->committee->n_members, sizeof *reports);
            log_line("round %d/%d train: %d members on %d rows (%d new; %lld done rows excluded: "
                     "not converged or non-finite), %d ranks", round + 1, cfg->rounds,
                     l->committee->n_members, n, n_new, (long long)n_excluded, comm_size());
            status = idnn_committee_train(l->committee, &data, &base, cfg->seed, round,
                                          cfg->net_bootstrap, reports);
        }
        if (status == ALFE_OK && cfg->tr_hypersearch > 0) {
            double *current = ALFE_MALLOC(sizeof(double) * (size_t)l->committee->n_members);
            status = idnn_committee_validation_losses(l->committee, &data, &base, cfg->seed,
                                                      round, current);
            hypersearch_bounds bounds;
            hypersearch_default_bounds(&bounds);
            bounds.n_candidates = cfg->tr_hypersearch;
            idnn_hypersearch_result *search = NULL;
            if (status == ALFE_OK)
                status = idnn_hypersearch_run(l->inv, &data, &bounds, &base, cfg->net_scale,
                                              cfg->seed, round, &search);
            int replaced = 0;
            if (status == ALFE_OK)
                status = idnn_hypersearch_adopt(search, l->committee->n_members, current,
                                                l->committee->n_members, &l->committee,
                                                &replaced);
            if (status == ALFE_OK)
                log_line("round %d/%d hyper-parameter search: %d candidates, %s", round + 1,
                         cfg->rounds, cfg->tr_hypersearch,
                         replaced ? "the best replace the committee" : "the committee stays");
            idnn_hypersearch_result_destroy(&search);
            free(current);
        }
        if (status == ALFE_OK && comm_rank() == 0) {
            double best = INFINITY, worst = -INFINITY;
            int epochs = 0;
            for (int k = 0; k < l->committee->n_members; k++) {
                best = fmin(best, reports[k].validation_loss);
                worst = fmax(worst, reports[k].validation_loss);
                epochs += reports[k].epochs_run;
            }
            log_line("round %d/%d train: validation loss %.4g .. %.4g over members, %d epochs "
                     "in all", round + 1, cfg->rounds, best, worst, epochs);
        }
        free(reports);
        refresh_view(l);
    }
    status = comm_agree_status(status);
    /* Metrics on rank 0, shared. */
    double metrics[2] = {NAN, NAN};
    if (status == ALFE_OK && comm_rank() == 0) {
        status = committee_mse(l->committee, d, n, eta, mu, &metrics[0]);
        if (status == ALFE_OK && l->n_test > 0)
            status = committee_mse(l->committee, d, l->n_test, l->test_eta, l->test_mu,
                                   &metrics[1]);
    }
    status = comm_agree_status(status);
    comm_bcast_doubles(metrics, 2, 0);
    rec->mse_all = metrics[0];
    rec->mse_new = mse_new;
    rec->mse_test = metrics[1];
    rec->n_train = n;
    rec->n_excluded = n_excluded;
    rec->seconds_train = alfe_wall_time() - t0;
    comm_bcast_doubles(&rec->seconds_train, 1, 0);
    if (status == ALFE_OK)
        log_line("round %d/%d metrics: mu MSE all %.3g, new (before training) %.3g, test %.3g "
                 "eV^2; training %.1f s", round + 1, cfg->rounds, rec->mse_all, rec->mse_new,
                 rec->mse_test, rec->seconds_train);
    free(eta);
    free(mu);
    free(weight);
    free(eta_new);
    free(mu_new);
    return status;
}
