/* committee_mpi.c — committee training under mpirun, for
 * tests/integration/test_committee.sh.  Run on 1, 2, 3 and 4 ranks; the lines
 * starting with "member", "hyper" and "predict" must be identical between
 * runs (they carry 64-bit hashes of the trained weights' bits), and the
 * "calls" lines show that every rank did part of the work.
 *
 * Scenarios (argv[1], default "synthetic"):
 *   synthetic  a one-hidden-layer tanh regression written here (not the
 *              IDNN), as committees of K = 1, 2, 3, 4 (K = 4 with bootstrap,
 *              members of different sizes, RMSprop and Adam) and K = 1
 *              with 6 chunks per batch: on 2, 3 and 4 ranks K < P exercises
 *              the sub-communicators that split a member's mini-batches,
 *              including group sizes that do not divide the chunk count;
 *              then a loss failing on one rank (every rank must return the
 *              error), a random hyper-parameter search (5 candidates) and the
 *              replacement rule.
 *   idnn       IDNN committees (K = 1 and 3) on μ data from a known g, the
 *              committee prediction (mean, spread, Hessians), an IDNN
 *              hyper-parameter search and its adoption rule.
 * Every rank checks that it holds the same weights as rank 0.  Exit status
 * 0 when all ran and agreed. */
#include "alfe/base/comm.h"
#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/network/hypersearch.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/base/rng.h"
#include "alfe/network/train.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED 20260521ULL

static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
    /* FNV-1a, 64 bit: order-dependent, so it pins every bit in place. */
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define HASH0 0xcbf29ce484222325ULL

static int failures = 0;

static void check(int status, const char *what)
{
    if (status != ALFE_OK) {
        fprintf(stderr, "[rank %d] %s failed: %s\n%s", comm_rank(), what, alfe_error_message(),
                alfe_error_trace());
        comm_abort(1);
    }
}

/* Every rank's hash equals rank 0's. */
static void check_agreement(const char *what, uint64_t h)
{
    uint64_t h0 = h;
    comm_bcast_bytes(&h0, sizeof h0, 0);
    int differs = comm_allreduce_max_int(h0 != h);
    if (differs) {
        if (comm_rank() == 0)
            printf("DISAGREE %s: ranks hold different weights\n", what);
        failures++;
    }
}

/* Loss calls per rank: min and max over the ranks. */
static void print_calls(const char *what, long calls)
{
    double local = (double)calls, mn, avg, mx;
    comm_allreduce_min_avg_max(&local, 1, &mn, &avg, &mx);
    if (comm_rank() == 0)
        printf("calls %s min %.0f max %.0f\n", what, mn, mx);
}

/* ---- A small nonlinear model: f(x) = Σ_h a_h tanh(b_h x + c_h) + d ---------- */

#define N_SYN 160

typedef struct {
    double x[N_SYN], y[N_SYN];
    int hidden[64];      /* per member */
    int member_offset;   /* member k uses hidden[k + member_offset] */
    long calls;
    int fail_rank, fail_at, fail_count; /* fail_at > 0: that call fails there */
} mlp_model;

static size_t mlp_params(int hidden) { return 3 * (size_t)hidden + 1; }

static int mlp_loss(void *model, int member, const int *idx, int n, const double *p,
                    double *loss, double *grad)
{
    mlp_model *m = model;
    const int H = m->hidden[member + m->member_offset];
    const double *a = p, *b = p + H, *c = p + 2 * H, d = p[3 * H];
    m->calls++;
    if (m->fail_at > 0 && comm_rank() == m->fail_rank && ++m->fail_count == m->fail_at)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "synthetic loss failure on rank %d", comm_rank());
    if (grad)
        memset(grad, 0, mlp_params(H) * sizeof *grad);
    double total = 0.0;
    for (int k = 0; k < n; k++) {
        const double x = m->x[idx[k]];
        double f = d, t[16];
        for (int h = 0; h < H; h++) {
            t[h] = tanh(b[h] * x + c[h]);
            f += a[h] * t[h];
        }
        const double r = f - m->y[idx[k]];
        total += r * r;
        if (grad) {
            const double g = 2.0 * r / n;
            for (int h = 0; h < H; h++) {
                const double s = a[h] * (1.0 - t[h] * t[h]);
                grad[h] += g * t[h];
                grad[H + h] += g * s * x;
                grad[2 * H + h] += g * s;
            }
            grad[3 * H] += g;
        }
    }
    *loss = total / n;
    return ALFE_OK;
}

static void mlp_data(mlp_model *m)
{
    rng_stream rng;
    rng_stream_init(&rng, SEED, 0, RNG_PURPOSE_TEST);
    for (int i = 0; i < N_SYN; i++) {
        m->x[i] = 2.0 * rng_uniform(&rng) - 1.0;
        m->y[i] = sin(2.0 * m->x[i]) + 0.3 * m->x[i] * m->x[i] + 0.05 * rng_normal(&rng);
    }
}

static void mlp_init(double *p, size_t n, uint64_t seed)
{
    rng_stream rng;
    rng_stream_init(&rng, seed, UINT64_MAX, RNG_PURPOSE_TRAIN);
    for (size_t j = 0; j < n; j++)
        p[j] = 0.5 * rng_normal(&rng);
}

static train_settings synthetic_base(void)
{
    train_settings s;
    train_default_settings(&s);
    s.learning_rate = 0.01;
    s.epochs = 40;
    s.batch_size = 16;
    s.plateau_patience = 4;
    s.plateau_min_delta = 0.0;
    s.min_lr = 1e-5;
    s.es_patience = 8;
    s.validation_fraction = 0.25;
    return s;
}

static uint64_t print_member(const char *tag, int k, const double *p, size_t n,
                             const train_report *r)
{
    uint64_t h = hash_bytes(HASH0, p, n * sizeof *p);
    if (comm_rank() == 0)
        printf("%s member %d n_params %zu epochs %d best_epoch %d val %a p0 %a hash %016llx\n",
               tag, k, n, r->epochs_run, r->best_epoch, r->validation_loss, p[0],
               (unsigned long long)h);
    return h;
}

static void synthetic_committee(mlp_model *m, int K, int bootstrap, int chunks)
{
    committee_layout *layout = NULL;
    check(committee_layout_create(K, &layout), "layout");
    size_t n_params[8];
    double *params[8];
    train_settings settings[8];
    train_report reports[8];
    const train_settings base = synthetic_base();
    for (int k = 0; k < K; k++) {
        m->hidden[k] = 3 + k % 2;
        n_params[k] = mlp_params(m->hidden[k]);
        params[k] = ALFE_MALLOC(n_params[k] * sizeof(double));
        committee_member_settings(&base, SEED, 1, k, bootstrap, &settings[k]);
        settings[k].optimizer = k % 2 ? TRAIN_ADAM : TRAIN_RMSPROP;
        settings[k].grad_chunks = chunks;
        mlp_init(params[k], n_params[k], settings[k].seed);
    }
    m->calls = 0;
    committee_model model = {m, NULL, mlp_loss, NULL};
    check(committee_train(layout, n_params, params, settings, N_SYN, &model, reports),
          "committee_train");
    char tag[32];
    if (chunks == 4)
        snprintf(tag, sizeof tag, "K=%d", K);
    else
        snprintf(tag, sizeof tag, "K=%d/C=%d", K, chunks);
    uint64_t h = HASH0;
    for (int k = 0; k < K; k++) {
        uint64_t hk = print_member(tag, k, params[k], n_params[k], &reports[k]);
        h = hash_bytes(h, &hk, sizeof hk);
        if (comm_rank() == 0 && committee_layout_trains(layout, k) != (k % comm_size() == 0))
            printf("LAYOUT member %d not on rank %d\n", k, k % comm_size());
    }
    check_agreement(tag, h);
    print_calls(tag, m->calls);
    for (int k = 0; k < K; k++)
        free(params[k]);
    committee_layout_destroy(&layout);
}

/* Random search over the synthetic model: width → hidden units (layers and
 * activations do not apply to it), learning rate, batch size. */
static void synthetic_hypersearch(mlp_model *m)
{
    hypersearch_bounds b;
    hypersearch_default_bounds(&b);
    b.n_candidates = 5;
    b.width_min = 2;
    b.width_max = 6;
    b.lr_min = 1e-3;
    b.lr_max = 3e-2;
    b.batch_min = 8;
    b.batch_max = 32;
    check(hypersearch_check_bounds(&b), "bounds");
    const int N = b.n_candidates;
    const train_settings base = synthetic_base();
    size_t n_params[8];
    double *params[8];
    train_settings settings[8];
    train_report reports[8];
    double scores[8];
    int order[8];
    for (int i = 0; i < N; i++) {
        hypersearch_candidate c;
        hypersearch_draw(&b, SEED, 1, i, &c);
        hypersearch_settings(&c, &base, SEED, 1, i, &settings[i]);
        m->hidden[i] = c.width;
        n_params[i] = mlp_params(c.width);
        params[i] = ALFE_MALLOC(n_params[i] * sizeof(double));
        mlp_init(params[i], n_params[i], settings[i].seed);
        if (comm_rank() == 0)
            printf("hyper candidate %d width %d lr %a batch %d\n", i, c.width, c.learning_rate,
                   c.batch_size);
    }
    committee_layout *layout = NULL;
    check(committee_layout_create(N, &layout), "layout");
    committee_model model = {m, NULL, mlp_loss, NULL};
    m->calls = 0;
    check(committee_train(layout, n_params, params, settings, N_SYN, &model, reports),
          "hyper-parameter candidates");
    uint64_t h = HASH0;
    for (int i = 0; i < N; i++) {
        uint64_t hi = print_member("hyper", i, params[i], n_params[i], &reports[i]);
        h = hash_bytes(h, &hi, sizeof hi);
        scores[i] = reports[i].validation_loss;
    }
    check_agreement("hyper", h);
    hypersearch_rank(N, scores, order);

    /* The current model: a one-member committee with the base settings
     * (the round's shared split, so its score compares with the
     * candidates'); the winner replaces it only when strictly better. */
    const size_t nc = mlp_params(3);
    double *current = ALFE_MALLOC(nc * sizeof *current);
    train_settings cs;
    train_report cr;
    committee_member_settings(&base, SEED, 1, 0, 0, &cs);
    mlp_init(current, nc, cs.seed);
    m->hidden[N] = 3;
    m->member_offset = N;
    committee_layout *one = NULL;
    check(committee_layout_create(1, &one), "layout");
    check(committee_train(one, &nc, &current, &cs, N_SYN, &model, &cr), "current model");
    committee_layout_destroy(&one);
    m->member_offset = 0;
    const double winner = scores[order[0]];
    if (comm_rank() == 0)
        printf("hyper winner %d score %a current %a replaces %d (a current model twice as "
               "bad: %d, twice as good: %d)\n",
               order[0], winner, cr.validation_loss,
               hypersearch_replaces(winner, cr.validation_loss),
               hypersearch_replaces(winner, 2.0 * winner),
               hypersearch_replaces(winner, 0.5 * winner));
    free(current);
    if (comm_rank() == 0) {
        printf("hyper order");
        for (int i = 0; i < N; i++)
            printf(" %d", order[i]);
        printf("\n");
    }
    print_calls("hyper", m->calls);
    for (int i = 0; i < N; i++)
        free(params[i]);
    committee_layout_destroy(&layout);
}

/* A loss failing on the last rank (inside a shared member on P > 1): every
 * rank returns an error and none hangs. */
static void synthetic_failure(mlp_model *m)
{
    committee_layout *layout = NULL;
    check(committee_layout_create(1, &layout), "layout");
    const train_settings base = synthetic_base();
    train_settings s;
    committee_member_settings(&base, SEED, 1, 0, 0, &s);
    m->hidden[0] = 3;
    size_t n = mlp_params(3);
    double *p = ALFE_MALLOC(n * sizeof *p);
    mlp_init(p, n, s.seed);
    m->fail_rank = comm_size() - 1;
    m->fail_at = 25;
    m->fail_count = 0;
    committee_model model = {m, NULL, mlp_loss, NULL};
    train_report r;
    int status = committee_train(layout, &n, &p, &s, N_SYN, &model, &r);
    int worst_ok = comm_allreduce_max_int(status == ALFE_OK);
    if (comm_rank() == 0)
        printf("K=1 failure status %d on every rank %s\n", status,
               worst_ok ? "NO" : "yes");
    if (worst_ok || strlen(alfe_error_message()) == 0)
        failures++;
    alfe_error_clear();
    m->fail_at = 0;
    free(p);
    committee_layout_destroy(&layout);
}

int main(int argc, char **argv)
{
    check(comm_init(&argc, &argv), "comm_init");
    const char *scenario = argc > 1 ? argv[1] : "synthetic";
    if (strcmp(scenario, "synthetic") == 0) {
        mlp_model *m = ALFE_CALLOC(1, sizeof *m);
        mlp_data(m);
        synthetic_committee(m, 1, 0, 4);
        synthetic_committee(m, 2, 0, 4);
        synthetic_committee(m, 3, 0, 4);
        synthetic_committee(m, 4, 1, 4);
        /* Six chunks: on 4 ranks rank 2 owns chunks 3–4, two tree nodes. */
        synthetic_committee(m, 1, 0, 6);
        synthetic_failure(m);
        synthetic_hypersearch(m);
        free(m);
    } else {
        if (comm_rank() == 0)
            fprintf(stderr, "unknown scenario %s\n", scenario);
        failures++;
    }
    int bad = comm_allreduce_max_int(failures);
    if (comm_rank() == 0)
        printf("%s\n", bad ? "INVALID" : "Valid");
    comm_finalize();
    return bad ? 1 : 0;
}
