/* idnn_committee.c — IDNNs as committee members (idnn_committee.h): the
 * IDNN loss behind train_loss_fn, committee training/prediction, and the
 * hyper-parameter search over architectures.
 * Owns: idnn_trainer, idnn_committee, idnn_hypersearch_result.  Must not
 * call MPI (committee.c and comm.c do the parallel part) nor implement the
 * network (idnn.c) or the optimizer (train.c). */
#include "alfe/network/idnn_committee.h"

#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Glorot initialisation stream key under a member's training seed (train.c
 * uses keys 0, 1 and 2 + epoch). */
#define IDNN_COMMITTEE_KEY_INIT UINT64_MAX
#define PREDICT_BLOCK IDNN_COMMITTEE_BLOCK

/* ---- The adapter ---------------------------------------------------------- */

struct idnn_trainer {
    const invariant_set *inv;
    const idnn_batch *data;
    int d, m;
    double *h, *jac;      /* n×m and n×m×d, at data->eta */
    double *h_ref;        /* n_ref×m */
    double *khess;        /* n×m×d×d = ∇²_η h at data->eta (curvature term only) */
    idnn *net;            /* bound network */
    idnn_work *work;
    int capacity;         /* rows of the gather scratch (and work's max_batch) */
    double *eta, *mu, *weight, *h_rows, *jac_rows;
    double *hess_rows, *hw_rows, *khess_rows; /* curvature term only */
};

/* Whether the data carry the curvature term. */
static int has_hessian(const idnn_batch *data)
{
    return data->n > 0 && data->w_hess != 0.0 && data->hess;
}

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
    if (has_hessian(data)) {
        t->khess = ALFE_MALLOC(n * m * d * d * sizeof *t->khess);
        double *h = ALFE_MALLOC(m * sizeof *h);
        for (size_t p = 0; p < n; p++)
            invariant_set_eval(inv, data->eta + p * d, h, NULL, t->khess + p * m * d * d);
        free(h);
    }
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
    free(t->khess);
    free(t->hess_rows);
    free(t->hw_rows);
    free(t->khess_rows);
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
            if (has_hessian(t->data)) {
                free(t->hess_rows);
                free(t->hw_rows);
                free(t->khess_rows);
                t->hess_rows = ALFE_MALLOC(r * d * d * sizeof *t->hess_rows);
                t->hw_rows = ALFE_MALLOC(r * d * d * sizeof *t->hw_rows);
                t->khess_rows = ALFE_MALLOC(r * m * d * d * sizeof *t->khess_rows);
            }
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
        if (t->khess) {
            memcpy(t->hess_rows + k * d * d, D->hess + i * d * d, d * d * sizeof *t->hess_rows);
            if (D->hess_weight)
                memcpy(t->hw_rows + k * d * d, D->hess_weight + i * d * d,
                       d * d * sizeof *t->hw_rows);
            memcpy(t->khess_rows + k * m * d * d, t->khess + i * m * d * d,
                   m * d * d * sizeof *t->khess_rows);
        }
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
    if (t->khess) {
        b.w_hess = D->w_hess;
        b.hess = t->hess_rows;
        b.hess_weight = D->hess_weight ? t->hw_rows : NULL;
        b.khess = t->khess_rows;
    }
    ALFE_CHECK(idnn_loss(t->net, t->inv, t->work, &b, loss, grad));
    return ALFE_OK;
}

/* ---- The committee --------------------------------------------------------- */

/* idnn_committee_predict's work area for `rows` points per block: the
 * invariants (h, J, and ∇²h when the Hessian is wanted) once per block, every
 * member's g and μ (member-major, for the two-pass spread), one member's
 * Hessian and the running mean Hessian. */
struct idnn_committee_scratch {
    int rows, hess_rows;
    double *h, *jac, *g, *mu;        /* rows×m, rows×m×d, K×rows, K×rows×d */
    double *khess, *hess, *hmean;    /* hess_rows×m×d×d, hess_rows×d×d (twice) */
    double *eig_work;                /* d×d */
};

static void scratch_destroy(idnn_committee_scratch **sp)
{
    idnn_committee_scratch *s = *sp;
    if (!s)
        return;
    free(s->h);
    free(s->jac);
    free(s->g);
    free(s->mu);
    free(s->khess);
    free(s->hess);
    free(s->hmean);
    free(s->eig_work);
    ALFE_FREE(*sp);
}

static idnn_committee *committee_alloc(const invariant_set *inv, int n_members)
{
    idnn_committee *c = ALFE_CALLOC(1, sizeof *c);
    c->n_members = n_members;
    c->d = inv->d;
    c->inv = inv;
    c->round = -1;
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

int idnn_committee_adopt(invariant_set *inv, int own_inv, int n_members, idnn **members,
                         const char *where, idnn_committee **out)
{
    *out = NULL;
    int status = n_members < 1 ? ALFE_FAIL(ALFE_ERR_INPUT, "%s: %d committee members", where,
                                           n_members)
                               : ALFE_OK;
    for (int k = 0; k < n_members && status == ALFE_OK; k++)
        if (members[k]->arch.n_inputs != inv->m)
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s/member_%02d: the network takes %d inputs but there are %d "
                               "invariants (architecture mismatch)",
                               where, k, members[k]->arch.n_inputs, inv->m);
    if (status != ALFE_OK) {
        for (int k = 0; k < n_members; k++)
            idnn_destroy(&members[k]);
        if (own_inv)
            invariant_set_destroy(&inv);
        return status;
    }
    idnn_committee *c = committee_alloc(inv, n_members);
    for (int k = 0; k < n_members; k++) {
        c->members[k] = members[k];
        members[k] = NULL;
    }
    if (own_inv)
        c->own_inv = inv;
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
    scratch_destroy(&c->scratch);
    invariant_set_destroy(&c->own_inv);
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

/* Scratch for blocks of `rows` points (and the Hessian when want_hess):
 * allocated on first use, grown only when a call needs more. */
static int ensure_scratch(idnn_committee *c, int rows, int want_hess)
{
    const size_t K = (size_t)c->n_members, d = (size_t)c->d, m = (size_t)c->inv->m;
    if (!c->scratch) {
        c->scratch = ALFE_CALLOC(1, sizeof *c->scratch);
        c->scratch->eig_work = ALFE_MALLOC(d * d * sizeof(double));
    }
    idnn_committee_scratch *s = c->scratch;
    if (rows > s->rows) {
        s->h = ALFE_REALLOC(s->h, (size_t)rows * m * sizeof(double));
        s->jac = ALFE_REALLOC(s->jac, (size_t)rows * m * d * sizeof(double));
        s->g = ALFE_REALLOC(s->g, K * (size_t)rows * sizeof(double));
        s->mu = ALFE_REALLOC(s->mu, K * (size_t)rows * d * sizeof(double));
        s->rows = rows;
    }
    if (want_hess && rows > s->hess_rows) {
        s->khess = ALFE_REALLOC(s->khess, (size_t)rows * m * d * d * sizeof(double));
        s->hess = ALFE_REALLOC(s->hess, (size_t)rows * d * d * sizeof(double));
        s->hmean = ALFE_REALLOC(s->hmean, (size_t)rows * d * d * sizeof(double));
        s->hess_rows = rows;
    }
    return ALFE_OK;
}

/* One block of nb points at eta: every output of `out` at offset start. */
static int predict_block(idnn_committee *c, int start, int nb, const double *eta,
                         const idnn_committee_output *out)
{
    const int K = c->n_members, d = c->d, m = c->inv->m;
    const size_t dd = (size_t)d * d;
    const int want_hess = out->hess_mean || out->hess_eig;
    idnn_committee_scratch *s = c->scratch;
    /* The invariants do not depend on the member: once per point. */
    for (int p = 0; p < nb; p++)
        invariant_set_eval(c->inv, eta + (size_t)p * d, s->h + (size_t)p * m,
                           s->jac + (size_t)p * m * d,
                           want_hess ? s->khess + (size_t)p * m * dd : NULL);
    if (want_hess)
        memset(s->hmean, 0, sizeof(double) * (size_t)nb * dd);
    for (int k = 0; k < K; k++) {
        ALFE_CHECK(idnn_predict_features(c->members[k], c->work[k], nb, s->h, s->jac,
                                         want_hess ? s->khess : NULL, s->g + (size_t)k * nb,
                                         s->mu + (size_t)k * nb * d,
                                         want_hess ? s->hess : NULL));
        /* Each member's Hessian divided by K, summed in member order. */
        for (size_t a = 0; want_hess && a < (size_t)nb * dd; a++)
            s->hmean[a] += s->hess[a] / K;
    }
    committee_mean_std(K, (size_t)nb, s->g, out->g_mean ? out->g_mean + start : NULL,
                       out->g_std ? out->g_std + start : NULL);
    committee_mean_std(K, (size_t)nb * d, s->mu,
                       out->mu_mean ? out->mu_mean + (size_t)start * d : NULL,
                       out->mu_std ? out->mu_std + (size_t)start * d : NULL);
    if (out->hess_mean)
        memcpy(out->hess_mean + (size_t)start * dd, s->hmean, sizeof(double) * (size_t)nb * dd);
    for (int p = 0; out->hess_eig && p < nb; p++)
        ALFE_CHECK(linalg_sym_eigenvalues(s->hmean + (size_t)p * dd, d,
                                          out->hess_eig + ((size_t)start + p) * d, s->eig_work));
    return ALFE_OK;
}

int idnn_committee_predict(idnn_committee *c, int n, const double *eta,
                           const idnn_committee_output *out)
{
    if (n <= 0)
        return ALFE_OK;
    const int want_hess = out->hess_mean || out->hess_eig;
    for (int k = 0; k < c->n_members; k++)
        ALFE_CHECK(member_work(c, k));
    ALFE_CHECK(ensure_scratch(c, n < PREDICT_BLOCK ? n : PREDICT_BLOCK, want_hess));
    for (int start = 0; start < n; start += PREDICT_BLOCK) {
        const int nb = n - start < PREDICT_BLOCK ? n - start : PREDICT_BLOCK;
        ALFE_CHECK(predict_block(c, start, nb, eta + (size_t)start * c->d, out));
    }
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
    /* The invariant set (when owned), round and source carry over. */
    c->own_inv = (*current)->own_inv;
    (*current)->own_inv = NULL;
    c->round = (*current)->round;
    memcpy(c->source, (*current)->source, sizeof c->source);
    idnn_committee_destroy(current);
    *current = c;
    *replaced = 1;
    return ALFE_OK;
}
