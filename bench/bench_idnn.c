/* bench_idnn.c — IDNN training and committee-evaluation throughput.
 *
 *  1. training: the published architecture (12 invariants → 3×150 tanh → 1,
 *     s = 100) on N points (default 10 000) for E epochs at batch 50 and 256
 *     with train_run (RMSprop lr 1e-4, ρ 0.9, ε 1e-7: the anchor's settings;
 *     no validation split, plateau or early stopping), grad_chunks 1 (whole
 *     mini-batches per loss call) and 4 (train.c's default), loss weights
 *     w_g = 0.1 (g(0) = 0) and w_μ = 10; invariants and their Jacobians
 *     precomputed once (they do not depend on the parameters).  Prints points·epochs/s and the GFLOP/s of the dgemm
 *     work the loss does (counted from the shapes), next to a plain dgemm of
 *     the dominant shape (batch × 150 × 150) and a large one.
 *  2. committee: 5 members evaluate g, μ and the Hessian at 10^5 points and
 *     the eigenvalues of the committee-mean Hessian (LAPACKE_dsyev) — the
 *     acquisition pool of one round.
 * Run single-threaded (OPENBLAS_NUM_THREADS=1); bench/run_bench.sh does.
 * Usage: bench_idnn [INVARIANTS_FILE|-] [EPOCHS] [N_POINTS] [POOL_POINTS]
 * (EPOCHS 0: the committee part only; POOL_POINTS 0: training only)
 * INVARIANTS_FILE: 12 formulas of e0..e6 (run_bench.sh converts the anchor's
 * transforms.json when ../shared has it); "-": a built-in generic set, which
 * `bench_idnn --builtin-formulas` prints (for bench_idnn_torch.py). */
#include "alfe/base/error.h"
#include "alfe/network/idnn.h"
#include "alfe/network/invariants.h"
#include "alfe/base/rng.h"
#include "alfe/network/train.h"
#include "alfe/base/util.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D 7
#define M 12

/* A generic stand-in of the same size and degrees as the published LCO
 * invariants (degree ≤ 6 in e1..e6). */
static const char *const builtin_formulas[M] = {
    "e0",
    "e1^2 + e2^2 + e3^2 + e4^2 + e5^2 + e6^2",
    "e1^4 + e2^4 + e3^4 + e4^4 + e5^4 + e6^4",
    "(e1^2 + e2^2)*(e3^2 + e4^2 + e5^2 + e6^2) + (e3^2 + e6^2)*(e4^2 + e5^2)",
    "e1^2*e2^2 + e3^2*e6^2 + e4^2*e5^2",
    "e1^6 + e2^6 + e3^6 + e4^6 + e5^6 + e6^6",
    "(e1^4 + e2^4)*(e3^2 + e4^2) + (e3^4 + e6^4)*(e1^2 + e5^2) + (e4^4 + e5^4)*(e2^2 + e6^2)",
    "e1^2*e2^2*(e3^2 + e4^2) + e3^2*e6^2*(e1^2 + e5^2) + e4^2*e5^2*(e2^2 + e6^2)",
    "e1^4*e2^2 + e3^4*e6^2 + e4^4*e5^2 + e1^2*e2^4 + e3^2*e6^4 + e4^2*e5^4",
    "(e1^2 + e2^2)*(e3^2 + e6^2)*(e4^2 + e5^2)",
    "(e1^2 - e2^2)*(e3*e5 + e4*e6)*(e3*e4 - e5*e6) + e1*e2*(e3^2 - e6^2)*(e4^2 - e5^2)",
    "e1*e2*e3*e4*e5*e6",
};

static void die(const char *what)
{
    fprintf(stderr, "bench_idnn: %s: %s\n", what, alfe_error_message());
    exit(1);
}

static idnn *published_net(uint64_t seed)
{
    idnn_arch arch;
    memset(&arch, 0, sizeof arch);
    arch.n_inputs = M;
    arch.n_layers = 3;
    arch.scale = 100.0;
    for (int l = 0; l < 3; l++) {
        arch.width[l] = 150;
        arch.activation[l] = IDNN_TANH;
    }
    idnn *net = NULL;
    if (idnn_create(&arch, &net) != ALFE_OK)
        die("idnn_create");
    rng_stream rng;
    rng_stream_init(&rng, seed, 0, RNG_PURPOSE_TRAIN);
    idnn_init_glorot(net, &rng);
    return net;
}

/* η0 ∈ [0, 1], η1..6 ∈ [−0.5, 0.5] (the LCO box). */
static void sample_points(rng_stream *rng, int n, double *eta)
{
    for (int p = 0; p < n; p++) {
        eta[p * D] = rng_uniform(rng);
        for (int j = 1; j < D; j++)
            eta[p * D + j] = rng_uniform(rng) - 0.5;
    }
}

/* dgemm flops of one point's loss and gradient (see docs/idnn.md): forward,
 * ∇_h backward, tangent forward, 2× weight gradients (depth 2b), ā pass. */
static double loss_flops_per_point(const idnn *net)
{
    double p = 0.0, first = 0.0;
    int n_in = net->arch.n_inputs;
    for (int l = 0; l < net->arch.n_layers; l++) {
        p += (double)net->arch.width[l] * n_in;
        if (l == 0)
            first = (double)net->arch.width[l] * n_in;
        n_in = net->arch.width[l];
    }
    return 2.0 * (5.0 * p + (p - first));
}

static double dgemm_gflops(int mrows, int n, int k, double seconds_target)
{
    double *a = ALFE_MALLOC(sizeof(double) * (size_t)mrows * k);
    double *b = ALFE_MALLOC(sizeof(double) * (size_t)n * k);
    double *c = ALFE_MALLOC(sizeof(double) * (size_t)mrows * n);
    for (size_t i = 0; i < (size_t)mrows * k; i++)
        a[i] = 1e-3 * (double)(i % 97);
    for (size_t i = 0; i < (size_t)n * k; i++)
        b[i] = 1e-3 * (double)(i % 89);
    long reps = 0;
    double t0 = alfe_wall_time(), t = 0.0;
    while (t < seconds_target) {
        for (int r = 0; r < 10; r++)
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mrows, n, k, 1.0, a, k, b, k,
                        0.0, c, n);
        reps += 10;
        t = alfe_wall_time() - t0;
    }
    free(a);
    free(b);
    free(c);
    return 2.0 * mrows * n * k * reps / t / 1e9;
}

/* The IDNN loss as a train_loss_fn: gather the samples' precomputed h, J
 * and μ into contiguous rows, add the g(0) = 0 term in full (train.h). */
typedef struct {
    const double *h, *jac, *mu;
    double h0[M];
    double *bh, *bj, *bmu;
    idnn *net;
    idnn_work *work;
    long calls;
} bench_context;

static int bench_loss(void *context, const int *idx, int n_idx, const double *params,
                      double *loss, double *grad)
{
    bench_context *c = context;
    if (params != c->net->params)
        memcpy(c->net->params, params, sizeof(double) * c->net->n_params);
    for (int r = 0; r < n_idx; r++) {
        const int p = idx[r];
        memcpy(c->bh + (size_t)r * M, c->h + (size_t)p * M, sizeof(double) * M);
        memcpy(c->bj + (size_t)r * M * D, c->jac + (size_t)p * M * D, sizeof(double) * M * D);
        memcpy(c->bmu + (size_t)r * D, c->mu + (size_t)p * D, sizeof(double) * D);
    }
    static const double zero_g = 0.0;
    idnn_batch bt = {0};
    bt.n = n_idx;
    bt.mu = c->bmu;
    bt.h = c->bh;
    bt.jac = c->bj;
    bt.n_ref = 1;
    bt.h_ref = c->h0;
    bt.g_ref = &zero_g;
    bt.w_g = 0.1;
    bt.w_mu = 10.0;
    c->calls++;
    return idnn_loss(c->net, NULL, c->work, &bt, loss, grad);
}

/* Train a fresh published network for `epochs` epochs with train_run:
 * RMSprop lr 1e-4, ρ 0.9, ε 1e-7, no validation split, no plateau or early
 * stopping (nothing but the optimizer), grad_chunks as given.  One warm-up
 * epoch first.  Returns the points·epochs/s of the timed epochs. */
static double bench_train(const invariant_set *inv, int n, const double *h, const double *jac,
                          const double *mu, int batch, int grad_chunks, int epochs,
                          double *first_loss, double *last_loss, double *seconds)
{
    idnn *net = published_net(7);
    train_settings ts;
    train_default_settings(&ts);
    ts.batch_size = batch;
    ts.grad_chunks = grad_chunks;
    ts.validation_fraction = 0.0;
    ts.early_stopping = 0;
    ts.plateau_patience = 0;
    ts.seed = 2026;
    const int rows = train_max_call_samples(&ts);
    bench_context c = {.h = h, .jac = jac, .mu = mu, .net = net};
    const double zero[D] = {0};
    invariant_set_eval(inv, zero, c.h0, NULL, NULL);
    c.work = idnn_work_create(net, D, rows);
    c.bh = ALFE_MALLOC(sizeof(double) * (size_t)rows * M);
    c.bj = ALFE_MALLOC(sizeof(double) * (size_t)rows * M * D);
    c.bmu = ALFE_MALLOC(sizeof(double) * (size_t)rows * D);
    train_report rep;
    ts.epochs = 1;
    if (train_run(&ts, net->n_params, net->params, n, bench_loss, &c, &rep) != ALFE_OK)
        die("train_run");
    *first_loss = rep.final_training_loss;
    ts.epochs = epochs;
    ts.seed = 2027;
    const double t0 = alfe_wall_time();
    if (train_run(&ts, net->n_params, net->params, n, bench_loss, &c, &rep) != ALFE_OK)
        die("train_run");
    *seconds = alfe_wall_time() - t0;
    *last_loss = rep.final_training_loss;
    free(c.bh);
    free(c.bj);
    free(c.bmu);
    idnn_work_destroy(&c.work);
    idnn_destroy(&net);
    return (double)n * epochs / *seconds;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--builtin-formulas")) {
        for (int k = 0; k < M; k++)
            printf("%s\n", builtin_formulas[k]);
        return 0;
    }
    const char *inv_path = argc > 1 ? argv[1] : "-";
    const int epochs = argc > 2 ? atoi(argv[2]) : 5;
    const int n = argc > 3 ? atoi(argv[3]) : 10000;
    const int pool = argc > 4 ? atoi(argv[4]) : 100000;
    invariant_set *inv = NULL;
    if (strcmp(inv_path, "-") != 0) {
        if (invariant_set_read(inv_path, D, &inv) != ALFE_OK)
            die(inv_path);
    } else if (invariant_set_from_formulas(builtin_formulas, M, D, &inv) != ALFE_OK) {
        die("built-in invariants");
    }
    if (inv->m != M) {
        fprintf(stderr, "bench_idnn: %s has %d invariants, expected %d\n", inv_path, inv->m, M);
        return 1;
    }
    printf("IDNN: %d invariants (%s) -> 3x150 tanh -> 1, s = 100, float64, 1 thread\n", M,
           strcmp(inv_path, "-") ? inv_path : "built-in generic set");

    /* data: μ = ∇ of a smooth quadratic-plus-quartic stand-in free energy */
    rng_stream rng;
    rng_stream_init(&rng, 2026, 0, RNG_PURPOSE_TEST);
    double *eta = ALFE_MALLOC(sizeof(double) * (size_t)n * D);
    double *mu = ALFE_MALLOC(sizeof(double) * (size_t)n * D);
    double *h = ALFE_MALLOC(sizeof(double) * (size_t)n * M);
    double *jac = ALFE_MALLOC(sizeof(double) * (size_t)n * M * D);
    sample_points(&rng, n, eta);
    for (int p = 0; p < n; p++)
        for (int j = 0; j < D; j++) {
            double x = eta[p * D + j] - (j == 0 ? 0.5 : 0.0);
            mu[p * D + j] = 0.02 * x + 0.3 * x * x * x;
        }
    double t0 = alfe_wall_time();
    idnn_features(inv, n, eta, h, jac);
    const double t_features = alfe_wall_time() - t0;
    printf("invariants and Jacobians of %d points: %.3f s (once per training set)\n", n,
           t_features);

    const int batches[2] = {50, 256};
    idnn *probe = published_net(7);
    const double flops = loss_flops_per_point(probe);
    idnn_destroy(&probe);
    for (int bi = 0; bi < 2 && epochs > 0; bi++) {
        const int batch = batches[bi];
        for (int chunks = 1; chunks <= 4; chunks += 3) {
            double first, last, t;
            const double rate = bench_train(inv, n, h, jac, mu, batch, chunks, epochs, &first,
                                            &last, &t);
            printf("train batch %4d, grad_chunks %d: %d epochs of %d points in %.3f s: %.0f "
                   "points*epochs/s; %.1f GFLOP/s in the loss's dgemms (%.0f flop/point); "
                   "loss %.4g -> %.4g\n",
                   batch, chunks, epochs, n, t, rate, rate * flops / 1e9, flops, first, last);
        }
        printf("dgemm %dx150x150 (NoTrans, Trans): %.1f GFLOP/s\n", batch,
               dgemm_gflops(batch, 150, 150, 0.3));
    }
    if (epochs > 0)
        printf("dgemm 1000x1000x1000: %.1f GFLOP/s\n", dgemm_gflops(1000, 1000, 1000, 0.5));

    /* committee of 5 on the pool: g, μ, Hessian; eigenvalues of the mean */
    if (pool > 0) {
        const int K = 5, chunk = 256;
        double *pe = ALFE_MALLOC(sizeof(double) * (size_t)pool * D);
        rng_stream prng;
        rng_stream_init(&prng, 2026, 2, RNG_PURPOSE_TEST);
        sample_points(&prng, pool, pe);
        double *g = ALFE_MALLOC(sizeof(double) * chunk), *mu_c = ALFE_MALLOC(sizeof(double) * chunk * D);
        double *hs = ALFE_MALLOC(sizeof(double) * chunk * D * D);
        double *hmean = ALFE_CALLOC((size_t)pool * D * D, sizeof(double));
        double *eig = ALFE_MALLOC(sizeof(double) * (size_t)pool * D);
        idnn *members[5];
        for (int k = 0; k < K; k++)
            members[k] = published_net(100 + (uint64_t)k);
        idnn_work *work = idnn_work_create(members[0], D, chunk);
        /* the invariants, J and K once per chunk, shared by the members */
        double *fh = ALFE_MALLOC(sizeof(double) * chunk * M);
        double *fj = ALFE_MALLOC(sizeof(double) * chunk * M * D);
        double *fk = ALFE_MALLOC(sizeof(double) * chunk * M * D * D);
        double t_inv = 0.0;
        t0 = alfe_wall_time();
        for (int s = 0; s < pool; s += chunk) {
            const int len = pool - s < chunk ? pool - s : chunk;
            const double ti = alfe_wall_time();
            for (int p = 0; p < len; p++)
                invariant_set_eval(inv, pe + ((size_t)s + p) * D, fh + (size_t)p * M,
                                   fj + (size_t)p * M * D, fk + (size_t)p * M * D * D);
            t_inv += alfe_wall_time() - ti;
            for (int k = 0; k < K; k++) {
                if (idnn_predict_features(members[k], work, len, fh, fj, fk, g, mu_c, hs) !=
                    ALFE_OK)
                    die("idnn_predict_features");
                for (size_t i = 0; i < (size_t)len * D * D; i++)
                    hmean[(size_t)s * D * D + i] += hs[i] / K;
            }
        }
        free(fh), free(fj), free(fk);
        const double t_pred = alfe_wall_time() - t0;
        t0 = alfe_wall_time();
        for (int p = 0; p < pool; p++)
            if (LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', D, hmean + (size_t)p * D * D, D,
                              eig + (size_t)p * D) != 0) {
                fprintf(stderr, "bench_idnn: dsyev failed at point %d\n", p);
                return 1;
            }
        const double t_eig = alfe_wall_time() - t0;
        printf("committee of %d on %d points: g, mu, Hessian %.2f s (of which invariants with "
               "their Jacobians and Hessians, once for all members, %.2f s), eigenvalues of the "
               "mean Hessian %.2f s, total %.2f s (target < 10 s on 2 ranks)\n",
               K, pool, t_pred, t_inv, t_eig, t_pred + t_eig);
        for (int k = 0; k < K; k++)
            idnn_destroy(&members[k]);
        idnn_work_destroy(&work);
        free(pe), free(g), free(mu_c), free(hs), free(hmean), free(eig);
    }
    free(eta), free(mu), free(h), free(jac);
    invariant_set_destroy(&inv);
    return 0;
}
