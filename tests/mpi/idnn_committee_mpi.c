/* idnn_committee_mpi.c — IDNN committees under mpirun, for
 * tests/integration/test_committee.sh (run on 1, 2 and 4 ranks; the lines
 * starting with "idnn" and "predict" must be identical between runs).
 *
 * Data: μ = ∇g at 120 points of η ∈ [0,1]×[−½,½] for a known
 * g(η) = 0.3η0² − 0.2η0 + 0.5η1² + 0.4η0η1² (even in η1, like the invariants
 * e0, e0², e1²), sample weights 1 or 2, and the reference g(0) = 0.
 * Scenarios: a one-member committee (on 2 and 4 ranks its mini-batches are
 * split over sub-communicators), a three-member bootstrap committee (on 4
 * ranks: groups {0,3}, {1}, {2}), a warm-started second round, the committee
 * prediction (mean and spread of g and μ, member Hessians), an IDNN
 * hyper-parameter search and its adoption rule.  Each rank checks that it
 * holds rank 0's weights; the fit must improve on the untrained committee. */
#include "alfe/base/comm.h"
#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/network/hypersearch.h"
#include "alfe/network/idnn.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"
#include "alfe/base/rng.h"
#include "alfe/network/train.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED 20260522ULL
#define N_POINTS 120
#define D 2

static int failures = 0;

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define HASH0 0xcbf29ce484222325ULL

static void check(int status, const char *what)
{
    if (status != ALFE_OK) {
        fprintf(stderr, "[rank %d] %s failed: %s\n%s", comm_rank(), what, alfe_error_message(),
                alfe_error_trace());
        comm_abort(1);
    }
}

static void check_agreement(const char *what, uint64_t h)
{
    uint64_t h0 = h;
    comm_bcast_bytes(&h0, sizeof h0, 0);
    if (comm_allreduce_max_int(h0 != h)) {
        if (comm_rank() == 0)
            printf("DISAGREE %s: ranks hold different weights\n", what);
        failures++;
    }
}

/* Hash and print every member; returns the committee's hash. */
static uint64_t print_committee(const char *tag, const idnn_committee *c,
                                const train_report *reports)
{
    uint64_t all = HASH0;
    for (int k = 0; k < c->n_members; k++) {
        const idnn *net = c->members[k];
        uint64_t h = hash_bytes(HASH0, net->params, net->n_params * sizeof(double));
        all = hash_bytes(all, &h, sizeof h);
        if (comm_rank() == 0) {
            printf("idnn %s member %d layers %d width %d n_params %zu", tag, k,
                   net->arch.n_layers, net->arch.width[0], net->n_params);
            if (reports)
                printf(" epochs %d best_epoch %d val %a", reports[k].epochs_run,
                       reports[k].best_epoch, reports[k].validation_loss);
            printf(" hash %016llx\n", (unsigned long long)h);
        }
    }
    check_agreement(tag, all);
    return all;
}

typedef struct {
    double eta[N_POINTS * D], mu[N_POINTS * D], weight[N_POINTS];
    double eta_ref[D], g_ref[1];
    idnn_batch batch;
} dataset;

static void make_data(dataset *s)
{
    rng_stream rng;
    rng_stream_init(&rng, SEED, 0, RNG_PURPOSE_TEST);
    for (int p = 0; p < N_POINTS; p++) {
        double e0 = rng_uniform(&rng), e1 = rng_uniform(&rng) - 0.5;
        s->eta[p * D] = e0;
        s->eta[p * D + 1] = e1;
        s->mu[p * D] = 0.6 * e0 - 0.2 + 0.4 * e1 * e1;
        s->mu[p * D + 1] = e1 + 0.8 * e0 * e1;
        s->weight[p] = p % 3 == 0 ? 2.0 : 1.0;
    }
    s->eta_ref[0] = s->eta_ref[1] = 0.0;
    s->g_ref[0] = 0.0;
    memset(&s->batch, 0, sizeof s->batch);
    s->batch.n = N_POINTS;
    s->batch.eta = s->eta;
    s->batch.mu = s->mu;
    s->batch.weight = s->weight;
    s->batch.n_ref = 1;
    s->batch.eta_ref = s->eta_ref;
    s->batch.g_ref = s->g_ref;
    s->batch.w_g = 0.1;
    s->batch.w_mu = 10.0;
}

/* Mean squared error of the committee-mean μ on the data. */
static double mu_mse(idnn_committee *c, const dataset *s)
{
    double mean[N_POINTS * D], e = 0.0;
    idnn_committee_output out = {.mu_mean = mean};
    check(idnn_committee_predict(c, N_POINTS, s->eta, &out), "predict");
    for (int i = 0; i < N_POINTS * D; i++)
        e += (mean[i] - s->mu[i]) * (mean[i] - s->mu[i]);
    return e / (N_POINTS * D);
}

static train_settings base_settings(void)
{
    train_settings s;
    train_default_settings(&s);
    s.learning_rate = 5e-3;
    s.epochs = 12;
    s.batch_size = 16;
    s.plateau_patience = 3;
    s.plateau_min_delta = 0.0;
    s.es_patience = 5;
    return s;
}

static idnn_committee *make_committee(const invariant_set *inv, int K)
{
    idnn_arch arch[4];
    for (int k = 0; k < K; k++) {
        memset(&arch[k], 0, sizeof arch[k]);
        arch[k].n_inputs = inv->m;
        arch[k].n_layers = 2;
        arch[k].width[0] = arch[k].width[1] = 6;
        arch[k].activation[0] = IDNN_TANH;
        arch[k].activation[1] = k % 2 ? IDNN_SOFTPLUS : IDNN_TANH;
        arch[k].scale = 10.0;
    }
    idnn_committee *c = NULL;
    check(idnn_committee_create(inv, K, arch, &c), "committee");
    idnn_committee_init_fresh(c, SEED, 1);
    return c;
}

int main(int argc, char **argv)
{
    check(comm_init(&argc, &argv), "comm_init");
    const char *formulas[3] = {"e0", "e0^2", "e1^2"};
    invariant_set *inv = NULL;
    check(invariant_set_from_formulas(formulas, 3, D, &inv), "invariants");
    dataset *data = ALFE_CALLOC(1, sizeof *data);
    make_data(data);
    const train_settings base = base_settings();
    train_report reports[8];

    /* K = 1: on 2 and 4 ranks every rank shares the one member. */
    idnn_committee *one = make_committee(inv, 1);
    check(idnn_committee_train(one, &data->batch, &base, SEED, 1, 0, reports), "train K=1");
    print_committee("K=1", one, reports);

    /* K = 3 with bootstrap. */
    idnn_committee *three = make_committee(inv, 3);
    double before = mu_mse(three, data);
    check(idnn_committee_train(three, &data->batch, &base, SEED, 1, 1, reports), "train K=3");
    print_committee("K=3", three, reports);
    double after = mu_mse(three, data);
    if (comm_rank() == 0)
        printf("idnn fit mu mse untrained %a trained %a\n", before, after);
    if (!(after < 0.5 * before)) {
        if (comm_rank() == 0)
            printf("FIT did not improve\n");
        failures++;
    }

    /* Prediction: mean and spread of g and μ, and member Hessians. */
    const double points[4 * D] = {0.1, 0.0, 0.5, 0.25, 0.9, -0.4, 0.3, -0.1};
    double gm[4], gs[4], mm[4 * D], ms[4 * D], hess[4 * D * D];
    idnn_committee_output out = {.g_mean = gm, .g_std = gs, .mu_mean = mm, .mu_std = ms};
    check(idnn_committee_predict(three, 4, points, &out), "predict");
    uint64_t h = HASH0;
    h = hash_bytes(h, gm, sizeof gm);
    h = hash_bytes(h, gs, sizeof gs);
    h = hash_bytes(h, mm, sizeof mm);
    h = hash_bytes(h, ms, sizeof ms);
    for (int k = 0; k < 3; k++) {
        check(idnn_committee_member_predict(three, k, 4, points, NULL, NULL, hess), "hessian");
        h = hash_bytes(h, hess, sizeof hess);
    }
    int spread = 0;
    for (int i = 0; i < 4; i++)
        spread += gs[i] > 0.0;
    if (comm_rank() == 0)
        printf("predict g %a %a spread %a mu %a hessian %a hash %016llx\n", gm[0], gm[1], gs[1],
               mm[2], hess[0], (unsigned long long)h);
    if (spread != 4) {
        if (comm_rank() == 0)
            printf("PREDICT committee spread is zero\n");
        failures++;
    }

    /* Warm start: round 2 continues from round 1's weights. */
    train_settings warm = base;
    warm.epochs = 4;
    check(idnn_committee_train(three, &data->batch, &warm, SEED, 2, 1, reports), "warm start");
    print_committee("K=3-round-2", three, reports);

    /* Hyper-parameter search and the adoption rule. */
    hypersearch_bounds b;
    hypersearch_default_bounds(&b);
    b.n_candidates = 3;
    b.layers_min = 1;
    b.layers_max = 2;
    b.width_min = 3;
    b.width_max = 8;
    b.n_activations = 3;
    b.activations[0] = IDNN_TANH;
    b.activations[1] = IDNN_SOFTPLUS;
    b.activations[2] = IDNN_SIGMOID;
    b.lr_min = 1e-3;
    b.lr_max = 1e-2;
    b.batch_min = 8;
    b.batch_max = 24;
    idnn_hypersearch_result *r = NULL;
    check(idnn_hypersearch_run(inv, &data->batch, &b, &base, 10.0, SEED, 2, &r), "hypersearch");
    uint64_t hr = HASH0;
    for (int i = 0; i < r->n_candidates; i++) {
        const idnn *net = r->nets[i];
        uint64_t hi = hash_bytes(HASH0, net->params, net->n_params * sizeof(double));
        hr = hash_bytes(hr, &hi, sizeof hi);
        if (comm_rank() == 0)
            printf("idnn hyper candidate %d layers %d width %d lr %a batch %d score %a hash "
                   "%016llx\n",
                   i, r->candidates[i].layers, r->candidates[i].width,
                   r->candidates[i].learning_rate, r->candidates[i].batch_size, r->scores[i],
                   (unsigned long long)hi);
    }
    check_agreement("hyper", hr);
    double current[3];
    check(idnn_committee_validation_losses(three, &data->batch, &base, SEED, 2, current),
          "validation losses");
    int replaced = -1;
    check(idnn_hypersearch_adopt(r, 2, current, 3, &three, &replaced), "adopt");
    const double winner = r->scores[r->order[0]];
    double best_current = fmin(current[0], fmin(current[1], current[2]));
    if (comm_rank() == 0)
        printf("idnn hyper order %d %d %d winner %a current best %a replaced %d members %d\n",
               r->order[0], r->order[1], r->order[2], winner, best_current, replaced,
               three->n_members);
    if (replaced != (winner < best_current) || (replaced && three->n_members != 2)) {
        if (comm_rank() == 0)
            printf("ADOPT rule broken\n");
        failures++;
    }
    /* A current committee that cannot be beaten is kept. */
    double unbeatable[1] = {0.0};
    int replaced_again = -1;
    idnn_committee *keep = three;
    check(idnn_hypersearch_adopt(r, 1, unbeatable, 1, &three, &replaced_again), "adopt");
    if (replaced_again != 0 || three != keep)
        failures++;
    print_committee("after-search", three, NULL);
    /* One the winner beats is replaced by the best two candidates, in
     * order (the networks move out of the result). */
    if (!replaced) {
        double worse[1] = {2.0 * winner};
        const idnn *first = r->nets[r->order[0]], *second = r->nets[r->order[1]];
        check(idnn_hypersearch_adopt(r, 2, worse, 1, &three, &replaced_again), "adopt");
        if (replaced_again != 1 || three->n_members != 2 || three->members[0] != first ||
            three->members[1] != second || r->nets[r->order[0]] != NULL) {
            if (comm_rank() == 0)
                printf("ADOPT did not take the two best candidates\n");
            failures++;
        }
        print_committee("adopted", three, NULL);
    }
    idnn_hypersearch_result_destroy(&r);

    idnn_committee_destroy(&one);
    idnn_committee_destroy(&three);
    invariant_set_destroy(&inv);
    free(data);
    int bad = comm_allreduce_max_int(failures);
    if (comm_rank() == 0)
        printf("%s\n", bad ? "INVALID" : "Valid");
    comm_finalize();
    return bad ? 1 : 0;
}
