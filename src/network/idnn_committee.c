/* idnn_committee.c — IDNNs as committee members (idnn_committee.h): the
 * IDNN loss behind train_loss_fn, committee training/prediction, and the
 * hyper-parameter search over architectures.
 * Owns: idnn_trainer, idnn_committee, idnn_hypersearch_result.  Must not
 * call MPI (committee.c and comm.c do the parallel part) nor implement the
 * network (idnn.c) or the optimizer (train.c). */
#include "alfe/network/idnn_committee.h"

#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Glorot initialisation stream key under a member's training seed (train.c
 * uses keys 0, 1 and 2 + epoch). */
#define IDNN_COMMITTEE_KEY_INIT UINT64_MAX
/* Points per block in idnn_committee_predict. */
#define PREDICT_BLOCK 256

/* ---- The adapter ---------------------------------------------------------- */

struct idnn_trainer {
    const invariant_set *inv;
    const idnn_batch *data;
    int d, m;
    double *h, *jac;      /* n×m and n×m×d, at data->eta */
    double *h_ref;        /* n_ref×m */
    idnn *net;            /* bound network */
    idnn_work *work;
    int capacity;         /* rows of the gather scratch (and work's max_batch) */
    double *eta, *mu, *weight, *h_rows, *jac_rows;
};

int idnn_trainer_create(const invariant_set *inv, const idnn_batch *data, idnn_trainer **out)
{
    *out = NULL;
    if (data->n < 0 || data->n_ref < 0 || (data->n > 0 && (!data->eta || !data->mu)) ||
        (data->n_ref > 0 && (!data->eta_ref || !data->g_ref)))
        return ALFE_FAIL(ALFE_ERR_INPUT, "IDNN training data: inconsistent sizes or arrays");
    idnn_trainer *t = ALFE_CALLOC(1, sizeof *t);
    t->inv = inv;
    t->data = data;
    t->d = inv->d;
    t->m = inv->m;
    const size_t n = (size_t)data->n, m = (size_t)t->m, d = (size_t)t->d;
    t->h = ALFE_MALLOC((n * m + 1) * sizeof *t->h);
    t->jac = ALFE_MALLOC((n * m * d + 1) * sizeof *t->jac);
    t->h_ref = ALFE_MALLOC(((size_t)data->n_ref * m + 1) * sizeof *t->h_ref);
    if (n > 0)
        idnn_features(inv, data->n, data->eta, t->h, t->jac);
    if (data->n_ref > 0)
        idnn_features(inv, data->n_ref, data->eta_ref, t->h_ref, NULL);
    *out = t;
    return ALFE_OK;
}

void idnn_trainer_destroy(idnn_trainer **trainer)
{
    idnn_trainer *t = *trainer;
    if (!t)
        return;
    idnn_work_destroy(&t->work);
    free(t->h);
    free(t->jac);
    free(t->h_ref);
    free(t->eta);
    free(t->mu);
    free(t->weight);
    free(t->h_rows);
    free(t->jac_rows);
    ALFE_FREE(*trainer);
}

int idnn_trainer_bind(idnn_trainer *t, idnn *net, int max_samples)
{
    if (net->arch.n_inputs != t->m)
        return ALFE_FAIL(ALFE_ERR_INPUT, "IDNN with %d inputs trained on %d invariants",
                         net->arch.n_inputs, t->m);
    if (max_samples < 1)
        max_samples = 1;
    /* A work area serves every network of one architecture (idnn.h). */
    int same_arch = t->net && t->net->arch.n_layers == net->arch.n_layers &&
                    memcmp(&t->net->arch, &net->arch, sizeof net->arch) == 0;
    if (!t->work || !same_arch || t->capacity < max_samples) {
        idnn_work_destroy(&t->work);
        int rows = max_samples > t->capacity ? max_samples : t->capacity;
        t->work = idnn_work_create(net, t->d, rows);
        if (!t->work)
            return ALFE_FAIL(ALFE_ERR_RUNTIME, "IDNN work area for %d rows", rows);
        if (rows > t->capacity) {
            const size_t r = (size_t)rows, m = (size_t)t->m, d = (size_t)t->d;
            free(t->eta);
            free(t->mu);
            free(t->weight);
            free(t->h_rows);
            free(t->jac_rows);
            t->eta = ALFE_MALLOC(r * d * sizeof *t->eta);
            t->mu = ALFE_MALLOC(r * d * sizeof *t->mu);
            t->weight = ALFE_MALLOC(r * sizeof *t->weight);
            t->h_rows = ALFE_MALLOC(r * m * sizeof *t->h_rows);
            t->jac_rows = ALFE_MALLOC(r * m * d * sizeof *t->jac_rows);
            t->capacity = rows;
        }
    }
    t->net = net;
    return ALFE_OK;
}

int idnn_trainer_loss(void *context, const int *idx, int n_idx, const double *params,
                      double *loss, double *grad)
{
    idnn_trainer *t = context;
    if (!t->net || n_idx > t->capacity)
        return ALFE_FAIL(ALFE_ERR_RUNTIME,
                         "IDNN loss: %d samples for scratch of %d (idnn_trainer_bind first)",
                         n_idx, t->capacity);
    if (params != t->net->params)
        memcpy(t->net->params, params, t->net->n_params * sizeof *params);
    const idnn_batch *D = t->data;
    const size_t d = (size_t)t->d, m = (size_t)t->m;
    for (int k = 0; k < n_idx; k++) {
        const size_t i = (size_t)idx[k];
        memcpy(t->eta + k * d, D->eta + i * d, d * sizeof *t->eta);
        memcpy(t->mu + k * d, D->mu + i * d, d * sizeof *t->mu);
        memcpy(t->h_rows + k * m, t->h + i * m, m * sizeof *t->h);
        memcpy(t->jac_rows + k * m * d, t->jac + i * m * d, m * d * sizeof *t->jac);
        if (D->weight)
            t->weight[k] = D->weight[i];
    }
    idnn_batch b = {0};
    b.n = n_idx;
    b.eta = t->eta;
    b.mu = t->mu;
    b.weight = D->weight ? t->weight : NULL;
    b.n_ref = D->n_ref;
    b.eta_ref = D->eta_ref;
    b.g_ref = D->g_ref;
    b.w_g = D->w_g;
    b.w_mu = D->w_mu;
    b.h = t->h_rows;
    b.jac = t->jac_rows;
    b.h_ref = D->n_ref > 0 ? t->h_ref : NULL;
    ALFE_CHECK(idnn_loss(t->net, t->inv, t->work, &b, loss, grad));
    return ALFE_OK;
}

/* ---- The committee --------------------------------------------------------- */

static idnn_committee *committee_alloc(const invariant_set *inv, int n_members)
{
    idnn_committee *c = ALFE_CALLOC(1, sizeof *c);
    c->n_members = n_members;
    c->d = inv->d;
    c->inv = inv;
    c->members = ALFE_CALLOC((size_t)n_members, sizeof *c->members);
    c->work = ALFE_CALLOC((size_t)n_members, sizeof *c->work);
    return c;
}

int idnn_committee_create(const invariant_set *inv, int n_members, const idnn_arch *archs,
                          idnn_committee **out)
{
    *out = NULL;
    if (n_members < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "IDNN committee: %d members", n_members);
    idnn_committee *c = committee_alloc(inv, n_members);
    for (int k = 0; k < n_members; k++) {
        int status = archs[k].n_inputs == inv->m
                         ? idnn_create(&archs[k], &c->members[k])
                         : ALFE_FAIL(ALFE_ERR_INPUT,
                                     "IDNN committee member %d: %d inputs for %d invariants", k,
                                     archs[k].n_inputs, inv->m);
        if (status != ALFE_OK) {
            idnn_committee_destroy(&c);
            ALFE_CHECK(status);
        }
    }
    *out = c;
    return ALFE_OK;
}

void idnn_committee_destroy(idnn_committee **committee)
{
    idnn_committee *c = *committee;
    if (!c)
        return;
    for (int k = 0; k < c->n_members; k++) {
        idnn_destroy(&c->members[k]);
        idnn_work_destroy(&c->work[k]);
    }
    free(c->members);
    free(c->work);
    ALFE_FREE(*committee);
}

void idnn_committee_init_fresh(idnn_committee *c, uint64_t campaign_seed, int round)
{
    for (int k = 0; k < c->n_members; k++) {
        rng_stream rng;
        rng_stream_init(&rng, committee_member_seed(campaign_seed, round, k),
                        IDNN_COMMITTEE_KEY_INIT, RNG_PURPOSE_TRAIN);
        idnn_init_glorot(c->members[k], &rng);
    }
}

/* committee_model over a list of networks sharing one trainer. */
typedef struct {
    idnn_trainer *trainer;
    idnn **nets;
} net_list;

static int nets_prepare(void *model, int member, int max_samples)
{
    net_list *nl = model;
    return idnn_trainer_bind(nl->trainer, nl->nets[member], max_samples);
}

static int nets_loss(void *model, int member, const int *idx, int n_idx, const double *params,
                     double *loss, double *grad)
{
    (void)member;
    net_list *nl = model;
    return idnn_trainer_loss(nl->trainer, idx, n_idx, params, loss, grad);
}

/* Train nets[0..K) with settings[k] over the ranks. */
static int train_nets(const invariant_set *inv, const idnn_batch *data, int K, idnn **nets,
                      const train_settings *settings, train_report *reports)
{
    committee_layout *layout = NULL;
    ALFE_CHECK(committee_layout_create(K, &layout));
    idnn_trainer *trainer = NULL;
    int status = idnn_trainer_create(inv, data, &trainer);
    /* Every rank passes the same data: the status is already collective. */
    if (status == ALFE_OK) {
        size_t *n_params = ALFE_MALLOC((size_t)K * sizeof *n_params);
        double **params = ALFE_MALLOC((size_t)K * sizeof *params);
        for (int k = 0; k < K; k++) {
            n_params[k] = nets[k]->n_params;
            params[k] = nets[k]->params;
        }
        net_list nl = {trainer, nets};
        committee_model model = {&nl, nets_prepare, nets_loss, NULL};
        status = committee_train(layout, n_params, params, settings, data->n, &model, reports);
        free(n_params);
        free(params);
    }
    idnn_trainer_destroy(&trainer);
    committee_layout_destroy(&layout);
    ALFE_CHECK(status);
    return ALFE_OK;
}

int idnn_committee_train(idnn_committee *c, const idnn_batch *data, const train_settings *base,
                         uint64_t campaign_seed, int round, int bootstrap,
                         train_report *reports)
{
    train_settings *settings = ALFE_MALLOC((size_t)c->n_members * sizeof *settings);
    for (int k = 0; k < c->n_members; k++)
        committee_member_settings(base, campaign_seed, round, k, bootstrap, &settings[k]);
    int status = train_nets(c->inv, data, c->n_members, c->members, settings, reports);
    free(settings);
    ALFE_CHECK(status);
    return ALFE_OK;
}

int idnn_committee_validation_losses(idnn_committee *c, const idnn_batch *data,
                                     const train_settings *base, uint64_t campaign_seed,
                                     int round, double *losses)
{
    idnn_trainer *trainer = NULL;
    ALFE_CHECK(idnn_trainer_create(c->inv, data, &trainer));
    int status = ALFE_OK;
    for (int k = 0; k < c->n_members && status == ALFE_OK; k++) {
        train_settings s;
        committee_member_settings(base, campaign_seed, round, k, 0, &s);
        status = idnn_trainer_bind(trainer, c->members[k], train_max_call_samples(&s));
        if (status == ALFE_OK)
            status = train_validation_loss(&s, c->members[k]->n_params, c->members[k]->params,
                                           data->n, idnn_trainer_loss, trainer, &losses[k]);
    }
    idnn_trainer_destroy(&trainer);
    ALFE_CHECK(status);
    return ALFE_OK;
}

static int member_work(idnn_committee *c, int k)
{
    if (!c->work[k]) {
        c->work[k] = idnn_work_create(c->members[k], c->d, PREDICT_BLOCK);
        if (!c->work[k])
            return ALFE_FAIL(ALFE_ERR_RUNTIME, "IDNN work area for member %d", k);
    }
    return ALFE_OK;
}

int idnn_committee_member_predict(idnn_committee *c, int member, int n, const double *eta,
                                  double *g, double *mu, double *hess)
{
    if (member < 0 || member >= c->n_members)
        return ALFE_FAIL(ALFE_ERR_INPUT, "IDNN committee: no member %d of %d", member,
                         c->n_members);
    ALFE_CHECK(member_work(c, member));
    ALFE_CHECK(idnn_predict(c->members[member], c->inv, c->work[member], n, eta, g, mu, hess));
    return ALFE_OK;
}

int idnn_committee_predict(idnn_committee *c, int n, const double *eta, double *g_mean,
                           double *g_std, double *mu_mean, double *mu_std)
{
    const int K = c->n_members;
    const size_t d = (size_t)c->d, m = (size_t)c->inv->m;
    const int want_mu = mu_mean || mu_std;
    double *g = ALFE_MALLOC((size_t)K * PREDICT_BLOCK * sizeof *g);
    double *mu = want_mu ? ALFE_MALLOC((size_t)K * PREDICT_BLOCK * d * sizeof *mu) : NULL;
    /* The invariants do not depend on the member: once per block. */
    double *h = ALFE_MALLOC((size_t)PREDICT_BLOCK * m * sizeof *h);
    double *jac = want_mu ? ALFE_MALLOC((size_t)PREDICT_BLOCK * m * d * sizeof *jac) : NULL;
    int status = ALFE_OK;
    for (int k = 0; k < K && status == ALFE_OK; k++)
        status = member_work(c, k);
    for (int start = 0; start < n && status == ALFE_OK; start += PREDICT_BLOCK) {
        const int nb = n - start < PREDICT_BLOCK ? n - start : PREDICT_BLOCK;
        idnn_features(c->inv, nb, eta + (size_t)start * d, h, jac);
        for (int k = 0; k < K && status == ALFE_OK; k++)
            status = idnn_predict_features(c->members[k], c->work[k], nb, h, jac, NULL,
                                           g + (size_t)k * nb,
                                           want_mu ? mu + (size_t)k * nb * d : NULL, NULL);
        if (status != ALFE_OK)
            break;
        committee_mean_std(K, (size_t)nb, g, g_mean ? g_mean + start : NULL,
                           g_std ? g_std + start : NULL);
        if (want_mu)
            committee_mean_std(K, (size_t)nb * d, mu, mu_mean ? mu_mean + (size_t)start * d : NULL,
                               mu_std ? mu_std + (size_t)start * d : NULL);
    }
    free(g);
    free(mu);
    free(h);
    free(jac);
    ALFE_CHECK(status);
    return ALFE_OK;
}

/* ---- Hyper-parameter search ------------------------------------------------ */

int idnn_hypersearch_run(const invariant_set *inv, const idnn_batch *data,
                         const hypersearch_bounds *b, const train_settings *base, double scale,
                         uint64_t campaign_seed, int round, idnn_hypersearch_result **out)
{
    *out = NULL;
    ALFE_CHECK(hypersearch_check_bounds(b));
    if (b->layers_max > IDNN_MAX_LAYERS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "hyper-parameter search: %d layers > %d",
                         b->layers_max, IDNN_MAX_LAYERS);
    for (int a = 0; a < b->n_activations; a++)
        if (b->activations[a] < 0 || b->activations[a] >= IDNN_ACTIVATION_COUNT)
            return ALFE_FAIL(ALFE_ERR_INPUT, "hyper-parameter search: activation %d unknown",
                             b->activations[a]);
    const int N = b->n_candidates;
    idnn_hypersearch_result *r = ALFE_CALLOC(1, sizeof *r);
    r->n_candidates = N;
    r->candidates = ALFE_CALLOC((size_t)N, sizeof *r->candidates);
    r->reports = ALFE_CALLOC((size_t)N, sizeof *r->reports);
    r->scores = ALFE_CALLOC((size_t)N, sizeof *r->scores);
    r->order = ALFE_CALLOC((size_t)N, sizeof *r->order);
    r->nets = ALFE_CALLOC((size_t)N, sizeof *r->nets);
    train_settings *settings = ALFE_MALLOC((size_t)N * sizeof *settings);
    int status = ALFE_OK;
    for (int i = 0; i < N && status == ALFE_OK; i++) {
        hypersearch_candidate *cand = &r->candidates[i];
        hypersearch_draw(b, campaign_seed, round, i, cand);
        hypersearch_settings(cand, base, campaign_seed, round, i, &settings[i]);
        idnn_arch arch;
        memset(&arch, 0, sizeof arch);
        arch.n_inputs = inv->m;
        arch.n_layers = cand->layers;
        for (int l = 0; l < cand->layers; l++) {
            arch.width[l] = cand->width;
            arch.activation[l] = cand->activation[l];
        }
        arch.scale = scale;
        status = idnn_create(&arch, &r->nets[i]);
        if (status == ALFE_OK) {
            rng_stream rng;
            rng_stream_init(&rng, settings[i].seed, IDNN_COMMITTEE_KEY_INIT, RNG_PURPOSE_TRAIN);
            idnn_init_glorot(r->nets[i], &rng);
        }
    }
    if (status == ALFE_OK)
        status = train_nets(inv, data, N, r->nets, settings, r->reports);
    free(settings);
    if (status != ALFE_OK) {
        idnn_hypersearch_result_destroy(&r);
        ALFE_CHECK(status);
    }
    for (int i = 0; i < N; i++)
        r->scores[i] = r->reports[i].validation_loss;
    hypersearch_rank(N, r->scores, r->order);
    *out = r;
    return ALFE_OK;
}

void idnn_hypersearch_result_destroy(idnn_hypersearch_result **result)
{
    idnn_hypersearch_result *r = *result;
    if (!r)
        return;
    for (int i = 0; i < r->n_candidates; i++)
        idnn_destroy(&r->nets[i]);
    free(r->nets);
    free(r->candidates);
    free(r->reports);
    free(r->scores);
    free(r->order);
    ALFE_FREE(*result);
}

int idnn_hypersearch_adopt(idnn_hypersearch_result *r, int n_members, const double *current_scores,
                           int n_current, idnn_committee **current, int *replaced)
{
    *replaced = 0;
    if (n_members < 1 || n_members > r->n_candidates)
        return ALFE_FAIL(ALFE_ERR_INPUT, "hyper-parameter search: a committee of %d from %d "
                         "candidates", n_members, r->n_candidates);
    if (!*current)
        return ALFE_FAIL(ALFE_ERR_INPUT, "hyper-parameter search: no current committee");
    double best_current = INFINITY;
    for (int k = 0; k < n_current; k++)
        if (isfinite(current_scores[k]) && current_scores[k] < best_current)
            best_current = current_scores[k];
    const int winner = r->order[0];
    if (!r->nets[winner] || !hypersearch_replaces(r->scores[winner], best_current))
        return ALFE_OK;
    /* Only candidates with a finite validation loss join: a diverged
     * network would spoil the committee mean. */
    int K = 0;
    while (K < n_members && isfinite(r->scores[r->order[K]]) && r->nets[r->order[K]])
        K++;
    idnn_committee *c = committee_alloc((*current)->inv, K);
    for (int k = 0; k < K; k++) {
        c->members[k] = r->nets[r->order[k]];
        r->nets[r->order[k]] = NULL;
    }
    idnn_committee_destroy(current);
    *current = c;
    *replaced = 1;
    return ALFE_OK;
}
