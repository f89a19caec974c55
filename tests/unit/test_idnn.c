/* test_idnn.c — the IDNN (idnn.c): value, gradient and Hessian in η, the
 * loss and its parameter gradient.
 *
 * Three independent checks, each able to fail on its own:
 *  1. finite differences (4-point central stencil, O(h⁴)) of g → μ, of μ →
 *     Hessian, and of the loss → ∂L/∂θ for every parameter, on 1–3 hidden
 *     layers of odd widths, every activation and mixed ones, with and
 *     without reference points and sample weights: relative error < 1e-6;
 *  2. the BLAS path against its plain-loop twin (one point at a time, the
 *     Hessian by forward-over-reverse instead of the layer sum) at batch
 *     sizes 1, 3, 17, chunked and not: max|x − y| < 1e-12·max|y| per array;
 *  3. PyTorch autograd (double backprop) through tests/fixtures/idnn_torch.txt
 *     (tools/idnn_torch_fixture.py): g, μ, Hessian, loss, every parameter
 *     gradient < 1e-10 relative; and 10 full-batch RMSprop/Adam steps in
 *     Keras 3's form taken by the production train_run (train.c) with the
 *     production loss callback idnn_trainer_loss: the loss before and the
 *     parameters after every step < 1e-12 relative (no optimizer arithmetic
 *     in this file).  The fixture's torch-form runs (ε outside the root) must
 *     differ from train_run, showing that the check sees ε's placement.
 * "Relative" (1 and 3) is |x − y| / max(|y|, 1e-4·max|y|) per component, the
 * floor keeping components that vanish up to rounding from dividing by ~0.
 * The invariants are small hand-built polynomials (struct fields filled
 * here), the same tables as the fixture's.
 * Run from the repository root (reads tests/fixtures/idnn_torch.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/error.h"
#include "alfe/network/idnn.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"
#include "alfe/network/train.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SEED
#define SEED 20261121ULL
#endif

#define FIXTURE "tests/fixtures/idnn_torch.txt"
#define FD_TOL 1e-6
#define TWIN_TOL 1e-12
#define TORCH_TOL 1e-10
#define TRAIN_STEP_TOL 1e-12
#define TORCH_GAP_MIN 1e-9
#define REL_FLOOR 1e-4

/* ------------------------------------------------------------------------- */
/* Helpers */

/* Largest |x − y| / max(|y_i|, floor·max|y|) over n values; index in *at. */
static double max_rel_diff(const double *x, const double *y, size_t n, double floor, size_t *at)
{
    double ymax = 0.0, worst = 0.0;
    for (size_t i = 0; i < n; i++)
        ymax = fmax(ymax, fabs(y[i]));
    const double floor_abs = floor * ymax;
    if (at)
        *at = 0;
    for (size_t i = 0; i < n; i++) {
        double den = fmax(fabs(y[i]), floor_abs);
        double r = den > 0.0 ? fabs(x[i] - y[i]) / den : fabs(x[i] - y[i]);
        if (!(r <= worst)) { /* NaN counts as worst */
            worst = isnan(r) ? INFINITY : r;
            if (at)
                *at = i;
        }
    }
    return worst;
}

/* Compare two arrays, print the worst component, fail above tol; relative
 * to max(|y_i|, floor·max|y|). */
static double expect_close_floor(const char *what, const double *x, const double *y, size_t n,
                                 double tol, double floor)
{
    size_t at;
    double r = max_rel_diff(x, y, n, floor, &at), ymax = 0.0;
    for (size_t i = 0; i < n; i++)
        ymax = fmax(ymax, fabs(y[i]));
    if (!(r <= tol))
        fail_msg("%s: component %zu of %zu: %.17g vs %.17g, relative difference %.3g > %.3g "
                 "(largest |value| %.3g)", what, at, n, x[at], y[at], r, tol, ymax);
    return r;
}

static double expect_close(const char *what, const double *x, const double *y, size_t n,
                           double tol)
{
    return expect_close_floor(what, x, y, n, tol, REL_FLOOR);
}

/* The twins sum in different orders, so an entry that cancels to far below
 * its terms differs in relative terms by more than rounding: compare them
 * norm-wise, max|x − y| ≤ tol·max|y| per array. */
static double expect_twin(const char *what, const double *x, const double *y, size_t n)
{
    return expect_close_floor(what, x, y, n, TWIN_TOL, 1.0);
}

/* m = 3 polynomials of d = 4 variables, as rows (coef, e0 e1 e2 e3): the
 * same table as tools/idnn_torch_fixture.py. */
#define TD 4
#define TM 3
static const int test_terms[TM] = {3, 4, 4};
static const double test_rows[] = {
    1.0, 1, 0, 0, 0, 0.5, 1, 0, 0, 1, -0.3, 0, 0, 0, 2,
    1.0, 0, 2, 0, 0, 1.0, 0, 0, 2, 0, 0.7, 0, 0, 0, 2, 0.2, 1, 1, 0, 0,
    1.0, 0, 2, 2, 0, 0.3, 1, 1, 1, 1, 1.0, 0, 0, 0, 3, -0.4, 2, 0, 1, 0,
};

/* An invariant_set built from its struct fields (rows: coef, exponents). */
static invariant_set *inv_from_rows(int d, int m, const int *n_terms, const double *rows)
{
    invariant_set *set = calloc(1, sizeof *set);
    set->d = d;
    set->m = m;
    set->poly = calloc((size_t)m, sizeof(polynomial));
    set->formula = calloc((size_t)m, sizeof(char *));
    for (int k = 0; k < m; k++) {
        polynomial *p = &set->poly[k];
        p->d = d;
        p->n_terms = n_terms[k];
        p->coef = calloc((size_t)n_terms[k], sizeof(double));
        p->pow = calloc((size_t)n_terms[k] * d, sizeof(uint8_t));
        for (int t = 0; t < n_terms[k]; t++) {
            p->coef[t] = rows[0];
            for (int j = 0; j < d; j++)
                p->pow[t * d + j] = (uint8_t)rows[1 + j];
            rows += d + 1;
        }
    }
    return set;
}

static void inv_free(invariant_set **set)
{
    for (int k = 0; k < (*set)->m; k++) {
        free((*set)->poly[k].coef);
        free((*set)->poly[k].pow);
    }
    free((*set)->poly);
    free((*set)->formula);
    free(*set);
    *set = NULL;
}

typedef struct {
    int layers;
    int width[3];
    int act[3];
    double scale;
} test_arch;

enum { T = IDNN_TANH, SP = IDNN_SOFTPLUS, SG = IDNN_SIGMOID };

/* 1–3 hidden layers, odd widths, every activation alone and mixed. */
static const test_arch archs[] = {
    {1, {5}, {T}, 100.0},
    {1, {5}, {SP}, 2.5},
    {1, {7}, {SG}, 1.0},
    {2, {5, 7}, {T, T}, 100.0},
    {2, {7, 5}, {SP, SG}, 3.0},
    {3, {5, 7, 2}, {T, SP, SG}, 100.0},
    {3, {5, 7, 2}, {SG, SG, SG}, 0.7},
    {3, {2, 7, 5}, {SP, SP, SP}, 100.0},
    {3, {3, 1, 4}, {SG, T, SP}, 10.0},
};
#define N_ARCHS ((int)(sizeof archs / sizeof archs[0]))

/* A network of arch ta on m inputs, Glorot kernels and non-zero biases. */
static idnn *make_net(const test_arch *ta, int m, uint64_t key)
{
    idnn_arch arch;
    memset(&arch, 0, sizeof arch);
    arch.n_inputs = m;
    arch.n_layers = ta->layers;
    arch.scale = ta->scale;
    for (int l = 0; l < ta->layers; l++) {
        arch.width[l] = ta->width[l];
        arch.activation[l] = ta->act[l];
    }
    idnn *net = NULL;
    assert_int_equal(idnn_create(&arch, &net), ALFE_OK);
    rng_stream rng;
    rng_stream_init(&rng, SEED, key, RNG_PURPOSE_TEST);
    idnn_init_glorot(net, &rng);
    for (int l = 0; l <= ta->layers; l++) {
        int n = l < ta->layers ? ta->width[l] : 1;
        for (int i = 0; i < n; i++)
            net->params[net->offset_b[l] + i] = 0.6 * rng_uniform(&rng) - 0.3;
    }
    return net;
}

static void random_points(rng_stream *rng, int n, int d, double lo, double hi, double *x)
{
    for (int i = 0; i < n * d; i++)
        x[i] = lo + (hi - lo) * rng_uniform(rng);
}

/* A batch of n points (and n_ref references, sample weights if asked). */
typedef struct {
    idnn_batch b;
    double *eta, *mu, *weight, *eta_ref, *g_ref;
} test_batch;

static void make_batch(test_batch *tb, int n, int n_ref, int weights, uint64_t key)
{
    rng_stream rng;
    rng_stream_init(&rng, SEED, 1000 + key, RNG_PURPOSE_TEST);
    memset(tb, 0, sizeof *tb);
    tb->eta = malloc(sizeof(double) * (size_t)(n ? n : 1) * TD);
    tb->mu = malloc(sizeof(double) * (size_t)(n ? n : 1) * TD);
    tb->weight = malloc(sizeof(double) * (size_t)(n ? n : 1));
    tb->eta_ref = calloc((size_t)(n_ref ? n_ref : 1) * TD, sizeof(double));
    tb->g_ref = calloc((size_t)(n_ref ? n_ref : 1), sizeof(double));
    random_points(&rng, n, TD, -0.7, 0.7, tb->eta);
    for (int i = 0; i < n * TD; i++)
        tb->mu[i] = 0.05 * rng_normal(&rng);
    for (int i = 0; i < n; i++)
        tb->weight[i] = 0.5 + rng_uniform(&rng);
    if (n_ref > 1)
        random_points(&rng, n_ref - 1, TD, -0.3, 0.3, tb->eta_ref + TD);
    for (int r = 0; r < n_ref; r++)
        tb->g_ref[r] = 0.01 * rng_normal(&rng);
    tb->b.n = n;
    tb->b.eta = tb->eta;
    tb->b.mu = tb->mu;
    tb->b.weight = weights ? tb->weight : NULL;
    tb->b.n_ref = n_ref;
    tb->b.eta_ref = tb->eta_ref;
    tb->b.g_ref = tb->g_ref;
    tb->b.w_g = 0.1;
    tb->b.w_mu = 10.0;
}

static void free_batch(test_batch *tb)
{
    free(tb->eta);
    free(tb->mu);
    free(tb->weight);
    free(tb->eta_ref);
    free(tb->g_ref);
}

/* 4-point central difference of f at x along coordinate i, step h. */
#define FD4(fp2, fp1, fm1, fm2, h) ((8.0 * ((fp1) - (fm1)) - ((fp2) - (fm2))) / (12.0 * (h)))

/* ------------------------------------------------------------------------- */
/* Construction */

static void test_create_validates(void **state)
{
    (void)state;
    idnn_arch good;
    memset(&good, 0, sizeof good);
    good.n_inputs = 3;
    good.n_layers = 2;
    good.width[0] = 4;
    good.width[1] = 5;
    good.scale = 100.0;
    idnn *net = (idnn *)1;
    struct {
        const char *what;
        idnn_arch a;
    } bad[8];
    for (int i = 0; i < 8; i++)
        bad[i].a = good;
    bad[0].what = "0 inputs", bad[0].a.n_inputs = 0;
    bad[1].what = "0 layers", bad[1].a.n_layers = 0;
    bad[2].what = "too many layers", bad[2].a.n_layers = IDNN_MAX_LAYERS + 1;
    bad[3].what = "width 0", bad[3].a.width[1] = 0;
    bad[4].what = "activation 3", bad[4].a.activation[0] = IDNN_ACTIVATION_COUNT;
    bad[5].what = "scale 0", bad[5].a.scale = 0.0;
    bad[6].what = "scale NaN", bad[6].a.scale = NAN;
    bad[7].what = "scale -1", bad[7].a.scale = -1.0;
    for (int i = 0; i < 8; i++) {
        alfe_error_clear();
        if (idnn_create(&bad[i].a, &net) != ALFE_ERR_INPUT)
            fail_msg("%s accepted", bad[i].what);
        assert_null(net);
        assert_true(strlen(alfe_error_message()) > 0);
    }
    alfe_error_clear();
    /* unused slots are zeroed in the copy, so memcmp compares architectures */
    good.width[5] = 77;
    good.activation[6] = 2;
    assert_int_equal(idnn_create(&good, &net), ALFE_OK);
    assert_int_equal(net->arch.width[5], 0);
    assert_int_equal(net->arch.activation[6], 0);
    idnn_destroy(&net);
    assert_null(net);
    idnn_destroy(&net); /* destroying NULL is fine */
    assert_string_equal(idnn_activation_names[IDNN_TANH], "tanh");
    assert_string_equal(idnn_activation_names[IDNN_SOFTPLUS], "softplus");
    assert_string_equal(idnn_activation_names[IDNN_SIGMOID], "sigmoid");
}

static void test_layout(void **state)
{
    (void)state;
    idnn *net = make_net(&archs[5], 3, 1); /* 3 → 5 → 7 → 2 → 1 */
    assert_int_equal(net->offset_w[0], 0);
    assert_int_equal(net->offset_b[0], 15);
    assert_int_equal(net->offset_w[1], 20);
    assert_int_equal(net->offset_b[1], 55);
    assert_int_equal(net->offset_w[2], 62);
    assert_int_equal(net->offset_b[2], 76);
    assert_int_equal(net->offset_w[3], 78);
    assert_int_equal(net->offset_b[3], 80);
    assert_int_equal(net->n_params, 81);
    idnn_destroy(&net);
    /* W_l is stored [out][in]: with only W_0[1][2] = 1 and w[1] = 1, g =
     * tanh(h_2)/s. */
    test_arch one = {1, {5}, {T}, 2.0};
    net = make_net(&one, TM, 2);
    memset(net->params, 0, sizeof(double) * net->n_params);
    net->params[net->offset_w[0] + 1 * TM + 2] = 1.0;
    net->params[net->offset_w[1] + 1] = 1.0;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    idnn_work *work = idnn_work_create(net, TD, 1);
    const double e[TD] = {0.3, -0.6, 0.45, 0.2};
    const double h2 = e[1] * e[1] * e[2] * e[2] + 0.3 * e[0] * e[1] * e[2] * e[3] +
                      e[3] * e[3] * e[3] - 0.4 * e[0] * e[0] * e[2];
    double g;
    assert_int_equal(idnn_predict(net, inv, work, 1, e, &g, NULL, NULL), ALFE_OK);
    if (!(fabs(g - tanh(h2) / 2.0) <= 1e-15))
        fail_msg("g = %.17g, expected tanh(h2)/s = %.17g", g, tanh(h2) / 2.0);
    idnn_work_destroy(&work);
    inv_free(&inv);
    idnn_destroy(&net);
}

static void test_glorot(void **state)
{
    (void)state;
    idnn_arch arch;
    memset(&arch, 0, sizeof arch);
    arch.n_inputs = 12;
    arch.n_layers = 3;
    arch.scale = 100.0;
    for (int l = 0; l < 3; l++)
        arch.width[l] = 150;
    idnn *net = NULL, *twin = NULL;
    assert_int_equal(idnn_create(&arch, &net), ALFE_OK);
    assert_int_equal(idnn_create(&arch, &twin), ALFE_OK);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = 9.0; /* biases must be reset */
    rng_stream rng, rng2;
    rng_stream_init(&rng, SEED, 5, RNG_PURPOSE_TEST);
    rng_stream_init(&rng2, SEED, 5, RNG_PURPOSE_TEST);
    idnn_init_glorot(net, &rng);
    idnn_init_glorot(twin, &rng2);
    assert_memory_equal(net->params, twin->params, sizeof(double) * net->n_params);
    int n_in = 12;
    for (int l = 0; l <= 3; l++) {
        int n_out = l < 3 ? 150 : 1;
        double limit = sqrt(6.0 / (n_in + n_out)), sum = 0.0, sum2 = 0.0, amax = 0.0;
        size_t count = (size_t)n_in * n_out;
        for (size_t i = 0; i < count; i++) {
            double w = net->params[net->offset_w[l] + i];
            sum += w;
            sum2 += w * w;
            amax = fmax(amax, fabs(w));
        }
        assert_true(amax <= limit);
        assert_true(amax > 0.9 * limit); /* the whole range is used */
        /* U(−a, a): mean 0, variance a²/3; 5 standard errors */
        double var = limit * limit / 3.0;
        if (!(fabs(sum / count) < 5.0 * sqrt(var / count)))
            fail_msg("layer %d: mean %g", l, sum / count);
        if (count > 1000 && !(fabs(sum2 / count - var) < 5.0 * sqrt(0.8 * var * var / count)))
            fail_msg("layer %d: variance %g, expected %g", l, sum2 / count, var);
        for (int i = 0; i < n_out; i++)
            assert_true(net->params[net->offset_b[l] + i] == 0.0);
        n_in = n_out;
    }
    idnn_destroy(&net);
    idnn_destroy(&twin);
}

/* ------------------------------------------------------------------------- */
/* Activations: a one-unit network g(η) = σ(η) (h = e0, W = 1, b = 0, w = 1,
 * c = 0, s = 1) gives σ, σ', σ'' as g, μ, Hessian; references in long double. */

static void activation_reference(int act, long double z, long double *a, long double *d1,
                                 long double *d2)
{
    if (act == IDNN_TANH) {
        long double t = tanhl(z), c = coshl(z);
        *a = t;
        *d1 = fabsl(z) > 300 ? 4.0L * expl(-2.0L * fabsl(z)) : 1.0L / (c * c);
        *d2 = -2.0L * t * *d1;
        return;
    }
    long double sig = 1.0L / (1.0L + expl(-z)), sigc = 1.0L / (1.0L + expl(z));
    if (act == IDNN_SOFTPLUS) {
        *a = z > 0 ? z + log1pl(expl(-z)) : log1pl(expl(z));
        *d1 = sig;
        *d2 = sig * sigc;
    } else {
        *a = sig;
        *d1 = sig * sigc;
        *d2 = sig * sigc * -tanhl(z / 2.0L); /* 1 − 2σ without cancellation */
    }
}

static void test_activations(void **state)
{
    (void)state;
    const int one[1] = {1};
    const double row[] = {1.0, 1};
    invariant_set *inv = inv_from_rows(1, 1, one, row);
    const double zs[] = {-800, -300, -40, -5, -1, -1e-9, 0, 1e-9, 1e-3, 0.5, 3, 20, 40, 300, 800};
    const int nz = (int)(sizeof zs / sizeof zs[0]);
    for (int act = 0; act < IDNN_ACTIVATION_COUNT; act++) {
        test_arch ta = {1, {1}, {act}, 1.0};
        idnn *net = make_net(&ta, 1, 3);
        memset(net->params, 0, sizeof(double) * net->n_params);
        net->params[net->offset_w[0]] = 1.0;
        net->params[net->offset_w[1]] = 1.0;
        idnn_work *work = idnn_work_create(net, 1, 4);
        for (int i = 0; i < nz; i++) {
            double g, mu, h, gn, mun, hn;
            assert_int_equal(idnn_predict(net, inv, work, 1, &zs[i], &g, &mu, &h), ALFE_OK);
            assert_int_equal(idnn_predict_naive(net, inv, 1, &zs[i], &gn, &mun, &hn), ALFE_OK);
            long double ra, r1, r2;
            activation_reference(act, zs[i], &ra, &r1, &r2);
            const double got[3] = {g, mu, h}, naive[3] = {gn, mun, hn};
            const long double want[3] = {ra, r1, r2};
            for (int k = 0; k < 3; k++) {
                if (!isfinite(got[k]))
                    fail_msg("%s: derivative %d at z = %g is %g", idnn_activation_names[act], k,
                             zs[i], got[k]);
                assert_true(got[k] == naive[k]);
                /* relative 1e-14, or absolute 1e-300 where the value underflows */
                long double err = fabsl((long double)got[k] - want[k]);
                if (!(err <= 1e-14L * fabsl(want[k]) || err < 1e-300L))
                    fail_msg("%s: derivative %d at z = %g: %.17g, expected %.17Lg",
                             idnn_activation_names[act], k, zs[i], got[k], want[k]);
            }
        }
        idnn_work_destroy(&work);
        assert_null(work);
        idnn_destroy(&net);
    }
    inv_free(&inv);
}

/* ------------------------------------------------------------------------- */
/* Finite differences */

static void test_fd_eta(void **state)
{
    (void)state;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    const int n = 4;
    const double h = 1e-3;
    double worst_mu = 0.0, worst_h = 0.0;
    for (int a = 0; a < N_ARCHS; a++) {
        idnn *net = make_net(&archs[a], TM, 10 + a);
        idnn_work *work = idnn_work_create(net, TD, 3);
        rng_stream rng;
        rng_stream_init(&rng, SEED, 100 + a, RNG_PURPOSE_TEST);
        double eta[4 * TD], mu[4 * TD], hess[4 * TD * TD];
        random_points(&rng, n, TD, -0.7, 0.7, eta);
        assert_int_equal(idnn_predict(net, inv, work, n, eta, NULL, mu, hess), ALFE_OK);
        double fd_mu[4 * TD], fd_h[4 * TD * TD];
        for (int p = 0; p < n; p++)
            for (int j = 0; j < TD; j++) {
                double x[4 * TD], gv[4], mv[4][TD];
                const double steps[4] = {2 * h, h, -h, -2 * h};
                for (int k = 0; k < 4; k++) {
                    memcpy(x, eta + p * TD, sizeof(double) * TD);
                    x[j] += steps[k];
                    assert_int_equal(idnn_predict(net, inv, work, 1, x, &gv[k], mv[k], NULL),
                                     ALFE_OK);
                }
                fd_mu[p * TD + j] = FD4(gv[0], gv[1], gv[2], gv[3], h);
                for (int i = 0; i < TD; i++) /* ∂μ_i/∂η_j */
                    fd_h[(p * TD + i) * TD + j] = FD4(mv[0][i], mv[1][i], mv[2][i], mv[3][i], h);
            }
        char what[96];
        snprintf(what, sizeof what, "arch %d: mu vs finite differences of g", a);
        worst_mu = fmax(worst_mu, expect_close(what, mu, fd_mu, (size_t)n * TD, FD_TOL));
        snprintf(what, sizeof what, "arch %d: Hessian vs finite differences of mu", a);
        worst_h = fmax(worst_h, expect_close(what, hess, fd_h, (size_t)n * TD * TD, FD_TOL));
        idnn_work_destroy(&work);
        idnn_destroy(&net);
    }
    print_message("finite differences in eta, %d architectures: mu %.2e, Hessian %.2e "
                  "(tolerance %.0e)\n", N_ARCHS, worst_mu, worst_h, FD_TOL);
    inv_free(&inv);
}

static void test_fd_params(void **state)
{
    (void)state;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    const double h = 1e-3;
    double worst = 0.0;
    int checked = 0;
    for (int a = 0; a < N_ARCHS; a++)
        for (int variant = 0; variant < 4; variant++) {
            const int with_ref = variant & 1, with_weight = (variant >> 1) & 1;
            idnn *net = make_net(&archs[a], TM, 20 + a);
            idnn_work *work = idnn_work_create(net, TD, 4);
            test_batch tb;
            make_batch(&tb, 5, with_ref ? 3 : 0, with_weight, (uint64_t)(a * 4 + variant));
            double loss, *grad = malloc(sizeof(double) * net->n_params);
            double *fd = malloc(sizeof(double) * net->n_params);
            assert_int_equal(idnn_loss(net, inv, work, &tb.b, &loss, grad), ALFE_OK);
            for (size_t i = 0; i < net->n_params; i++) {
                const double keep = net->params[i];
                const double steps[4] = {2 * h, h, -h, -2 * h};
                double f[4];
                for (int k = 0; k < 4; k++) {
                    net->params[i] = keep + steps[k];
                    assert_int_equal(idnn_loss(net, inv, work, &tb.b, &f[k], NULL), ALFE_OK);
                }
                net->params[i] = keep;
                fd[i] = FD4(f[0], f[1], f[2], f[3], h);
            }
            char what[128];
            snprintf(what, sizeof what, "arch %d, %s references, %s weights: dL/dtheta vs finite "
                     "differences", a, with_ref ? "with" : "no", with_weight ? "with" : "no");
            worst = fmax(worst, expect_close(what, grad, fd, net->n_params, FD_TOL));
            checked += (int)net->n_params;
            free(grad);
            free(fd);
            free_batch(&tb);
            idnn_work_destroy(&work);
            idnn_destroy(&net);
        }
    print_message("finite differences of the loss: %d parameter derivatives, %d architectures x "
                  "(references, weights): worst %.2e (tolerance %.0e)\n", checked, N_ARCHS, worst,
                  FD_TOL);
    inv_free(&inv);
}

/* ------------------------------------------------------------------------- */
/* The curvature term (docs/idnn.md §4b) */

/* A measured Hessian per point (symmetric, N(0, 0.3²) + 0.5 on the
 * diagonal) and weights ν with a few elements dropped (and NaN there). */
static void make_hessian_data(int n, uint64_t key, double *hm, double *hw)
{
    rng_stream rng;
    rng_stream_init(&rng, SEED, 5000 + key, RNG_PURPOSE_TEST);
    for (int p = 0; p < n; p++)
        for (int j = 0; j < TD; j++)
            for (int k = j; k < TD; k++) {
                const double v = 0.3 * rng_normal(&rng) + (j == k ? 0.5 : 0.0);
                const double w = rng_uniform(&rng) < 0.25 ? 0.0 : 0.5 + rng_uniform(&rng);
                hm[(p * TD + j) * TD + k] = hm[(p * TD + k) * TD + j] = w ? v : NAN;
                hw[(p * TD + j) * TD + k] = hw[(p * TD + k) * TD + j] = w;
            }
}

/* The loss value against the Hessian of idnn_predict (an independent
 * path: the layer sum, no adjoints), and ∂L/∂θ of the curvature term alone
 * and of all three terms together against finite differences, with sample
 * weights and dropped elements, in one chunk and in chunks of 2; the
 * precomputed h, J, ∇²h give the same bits as evaluating them. */
static void test_fd_hessian_params(void **state)
{
    (void)state;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    const double h = 1e-3, floor = REL_FLOOR;
    const int n = 5;
    double worst = 0.0, worst_value = 0.0;
    int checked = 0;
    for (int a = 0; a < N_ARCHS; a++)
        for (int variant = 0; variant < 2; variant++) {
            idnn *net = make_net(&archs[a], TM, 40 + a);
            idnn_work *work = idnn_work_create(net, TD, variant ? 2 : 8);
            test_batch tb;
            make_batch(&tb, n, variant ? 2 : 0, 1, (uint64_t)(200 + a * 2 + variant));
            double hm[5 * TD * TD], hw[5 * TD * TD];
            make_hessian_data(n, (uint64_t)(a * 2 + variant), hm, hw);
            tb.b.hess = hm;
            tb.b.hess_weight = hw;
            tb.b.w_hess = 3.0;
            if (!variant)
                tb.b.w_mu = 0.0; /* the curvature term alone */
            /* value: from idnn_predict's Hessian */
            {
                idnn_batch only = tb.b;
                only.w_mu = 0.0;
                only.n_ref = 0;
                double hess[5 * TD * TD], loss;
                assert_int_equal(idnn_predict(net, inv, work, n, tb.eta, NULL, NULL, hess),
                                 ALFE_OK);
                double expect = 0.0;
                for (int p = 0; p < n; p++)
                    for (int j = 0; j < TD; j++)
                        for (int k = j; k < TD; k++) {
                            const int e = (p * TD + j) * TD + k;
                            if (hw[e] == 0.0)
                                continue;
                            const double x = hess[e] - hm[e];
                            expect += tb.weight[p] * hw[e] * x * x;
                        }
                expect *= only.w_hess / (n * (TD * (TD + 1) / 2.0));
                assert_int_equal(idnn_loss(net, inv, work, &only, &loss, NULL), ALFE_OK);
                char what[96];
                snprintf(what, sizeof what, "arch %d: curvature loss vs idnn_predict's Hessian", a);
                worst_value = fmax(worst_value, expect_close(what, &loss, &expect, 1, 1e-12));
            }
            double loss, *grad = malloc(sizeof(double) * net->n_params);
            double *fd = malloc(sizeof(double) * net->n_params);
            assert_int_equal(idnn_loss(net, inv, work, &tb.b, &loss, grad), ALFE_OK);
            assert_true(isfinite(loss) && loss > 0.0);
            for (size_t i = 0; i < net->n_params; i++) {
                const double keep = net->params[i];
                const double steps[4] = {2 * h, h, -h, -2 * h};
                double f[4];
                for (int k = 0; k < 4; k++) {
                    net->params[i] = keep + steps[k];
                    assert_int_equal(idnn_loss(net, inv, work, &tb.b, &f[k], NULL), ALFE_OK);
                }
                net->params[i] = keep;
                fd[i] = FD4(f[0], f[1], f[2], f[3], h);
            }
            char what[128];
            snprintf(what, sizeof what, "arch %d, %s: dL/dtheta vs finite differences", a,
                     variant ? "all terms, chunks of 2" : "curvature term alone");
            worst = fmax(worst, expect_close_floor(what, grad, fd, net->n_params, FD_TOL, floor));
            checked += (int)net->n_params;
            /* precomputed invariants: the same bits */
            {
                double hh[5 * TM], jj[5 * TM * TD], kk[5 * TM * TD * TD], loss2;
                for (int p = 0; p < n; p++)
                    invariant_set_eval(inv, tb.eta + p * TD, hh + p * TM, jj + p * TM * TD,
                                       kk + p * TM * TD * TD);
                idnn_batch pre = tb.b;
                pre.h = hh;
                pre.jac = jj;
                pre.khess = kk;
                double *grad2 = malloc(sizeof(double) * net->n_params);
                assert_int_equal(idnn_loss(net, inv, work, &pre, &loss2, grad2), ALFE_OK);
                assert_memory_equal(&loss, &loss2, sizeof loss);
                assert_memory_equal(grad, grad2, sizeof(double) * net->n_params);
                free(grad2);
            }
            free(grad);
            free(fd);
            free_batch(&tb);
            idnn_work_destroy(&work);
            idnn_destroy(&net);
        }
    /* the weights rule */
    {
        double hm[4] = {1.0, 0.1, 0.1, 0.2}, se[4] = {0.4, 0.05, 0.05, 0.2}, w[4];
        assert_int_equal(idnn_hessian_weights(2, hm, se, 0.5, w), 1); /* H_11 unresolved */
        assert_true(w[0] == 1.0 && w[1] == 0.0 && w[2] == 0.0 && w[3] == 0.0);
        assert_int_equal(idnn_hessian_weights(2, (double[]){-2.0, 0, 0, 0.5}, (double[]){0, 0, 0, 0},
                                              0.5, w), 3);
        assert_true(w[0] == 0.25 && w[1] == 1.0 && w[2] == 1.0 && w[3] == 4.0); /* 1/|H_jj H_kk| */
        se[3] = 0.05;
        assert_int_equal(idnn_hessian_weights(2, hm, se, 0.5, w), 3);
        se[1] = se[2] = INFINITY;
        assert_int_equal(idnn_hessian_weights(2, hm, se, 0.5, w), 2);
        assert_true(w[1] == 0.0 && w[2] == 0.0);
        double zero[4] = {0, 0, 0, 0}; /* exact (oracle): all kept */
        assert_int_equal(idnn_hessian_weights(2, hm, zero, 0.5, w), 3);
        hm[1] = hm[2] = NAN;
        assert_int_equal(idnn_hessian_weights(2, hm, zero, 0.5, w), 2);
    }
    print_message("curvature term: %d parameter derivatives vs finite differences, worst %.2e "
                  "(tolerance %.0e); value vs idnn_predict %.2e\n", checked, worst, FD_TOL,
                  worst_value);
    inv_free(&inv);
}

/* ------------------------------------------------------------------------- */
/* BLAS path against the plain-loop twin */

static void test_blas_vs_naive(void **state)
{
    (void)state;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    const int sizes[3] = {1, 3, 17};
    double worst = 0.0;
    for (int a = 0; a < N_ARCHS; a++)
        for (int si = 0; si < 3; si++)
            for (int chunk = 0; chunk < 2; chunk++) {
                const int n = sizes[si];
                const int max_batch = chunk ? 5 : n; /* 5: several chunks and a remainder */
                idnn *net = make_net(&archs[a], TM, 40 + a);
                idnn_work *work = idnn_work_create(net, TD, max_batch);
                test_batch tb;
                make_batch(&tb, n, n > 1 ? 7 : 1, si & 1, (uint64_t)(100 + a * 6 + si * 2 + chunk));
                double *g = malloc(sizeof(double) * n), *gn = malloc(sizeof(double) * n);
                double *mu = malloc(sizeof(double) * n * TD), *mun = malloc(sizeof(double) * n * TD);
                double *hs = malloc(sizeof(double) * n * TD * TD);
                double *hn = malloc(sizeof(double) * n * TD * TD);
                assert_int_equal(idnn_predict(net, inv, work, n, tb.eta, g, mu, hs), ALFE_OK);
                assert_int_equal(idnn_predict_naive(net, inv, n, tb.eta, gn, mun, hn), ALFE_OK);
                char what[96];
                snprintf(what, sizeof what, "arch %d, n %d, chunk %d: g", a, n, max_batch);
                worst = fmax(worst, expect_twin(what, g, gn, (size_t)n));
                snprintf(what, sizeof what, "arch %d, n %d, chunk %d: mu", a, n, max_batch);
                worst = fmax(worst, expect_twin(what, mu, mun, (size_t)n * TD));
                snprintf(what, sizeof what, "arch %d, n %d, chunk %d: Hessian", a, n, max_batch);
                worst = fmax(worst, expect_twin(what, hs, hn, (size_t)n * TD * TD));
                /* partial requests give the same numbers */
                double *g2 = malloc(sizeof(double) * n), *mu2 = malloc(sizeof(double) * n * TD);
                assert_int_equal(idnn_predict(net, inv, work, n, tb.eta, g2, NULL, NULL), ALFE_OK);
                assert_memory_equal(g, g2, sizeof(double) * n);
                assert_int_equal(idnn_predict(net, inv, work, n, tb.eta, NULL, mu2, NULL), ALFE_OK);
                assert_memory_equal(mu, mu2, sizeof(double) * n * TD);

                double loss, lossn, loss0;
                double *grad = malloc(sizeof(double) * net->n_params);
                double *gradn = malloc(sizeof(double) * net->n_params);
                assert_int_equal(idnn_loss(net, inv, work, &tb.b, &loss, grad), ALFE_OK);
                assert_int_equal(idnn_loss_naive(net, inv, &tb.b, &lossn, gradn), ALFE_OK);
                snprintf(what, sizeof what, "arch %d, n %d, chunk %d: loss", a, n, max_batch);
                worst = fmax(worst, expect_twin(what, &loss, &lossn, 1));
                snprintf(what, sizeof what, "arch %d, n %d, chunk %d: gradient", a, n, max_batch);
                worst = fmax(worst, expect_twin(what, grad, gradn, net->n_params));
                assert_int_equal(idnn_loss(net, inv, work, &tb.b, &loss0, NULL), ALFE_OK);
                assert_true(loss0 == loss);
                free(g), free(gn), free(mu), free(mun), free(hs), free(hn), free(g2), free(mu2);
                free(grad), free(gradn);
                free_batch(&tb);
                idnn_work_destroy(&work);
                idnn_destroy(&net);
            }
    print_message("BLAS path vs plain-loop twin: worst relative difference %.2e (tolerance "
                  "%.0e)\n", worst, TWIN_TOL);
    inv_free(&inv);
}

/* Precomputed invariants (idnn_features) give the same loss and gradient,
 * with and without eta/inv, and the same predictions (idnn_predict_features);
 * shape mismatches are refused. */
static void test_features_and_refusals(void **state)
{
    (void)state;
    invariant_set *inv = inv_from_rows(TD, TM, test_terms, test_rows);
    idnn *net = make_net(&archs[5], TM, 60);
    idnn_work *work = idnn_work_create(net, TD, 4);
    test_batch tb;
    make_batch(&tb, 9, 2, 1, 77);
    double loss, loss2, *grad = malloc(sizeof(double) * net->n_params);
    double *grad2 = malloc(sizeof(double) * net->n_params);
    assert_int_equal(idnn_loss(net, inv, work, &tb.b, &loss, grad), ALFE_OK);
    double h[9 * TM], jac[9 * TM * TD], h_ref[2 * TM];
    idnn_features(inv, 9, tb.eta, h, jac);
    idnn_features(inv, 2, tb.eta_ref, h_ref, NULL);
    idnn_batch pre = tb.b;
    pre.h = h, pre.jac = jac, pre.h_ref = h_ref;
    pre.eta = NULL, pre.eta_ref = NULL;
    assert_int_equal(idnn_loss(net, NULL, work, &pre, &loss2, grad2), ALFE_OK);
    assert_true(loss2 == loss);
    assert_memory_equal(grad, grad2, sizeof(double) * net->n_params);
    /* h alone precomputed: J evaluated from inv */
    pre.eta = tb.eta, pre.jac = NULL;
    assert_int_equal(idnn_loss(net, inv, work, &pre, &loss2, grad2), ALFE_OK);
    assert_true(loss2 == loss);
    assert_memory_equal(grad, grad2, sizeof(double) * net->n_params);
    /* the naive twin honours the precomputed fields too */
    pre.jac = jac;
    assert_int_equal(idnn_loss_naive(net, inv, &pre, &loss2, grad2), ALFE_OK);
    expect_twin("naive twin with precomputed features", grad2, grad, net->n_params);

    /* idnn_predict_features gives idnn_predict's bits, chunked (4 < 9) */
    {
        double kh[9 * TM * TD * TD], g1[9], g2[9], m1[9 * TD], m2[9 * TD];
        double h1[9 * TD * TD], h2[9 * TD * TD];
        for (int p = 0; p < 9; p++)
            invariant_set_eval(inv, tb.eta + p * TD, h + p * TM, jac + p * TM * TD,
                               kh + p * TM * TD * TD);
        assert_int_equal(idnn_predict(net, inv, work, 9, tb.eta, g1, m1, h1), ALFE_OK);
        assert_int_equal(idnn_predict_features(net, work, 9, h, jac, kh, g2, m2, h2), ALFE_OK);
        assert_memory_equal(g1, g2, sizeof g1);
        assert_memory_equal(m1, m2, sizeof m1);
        assert_memory_equal(h1, h2, sizeof h1);
        assert_int_equal(idnn_predict_features(net, work, 9, h, NULL, NULL, g2, NULL, NULL),
                         ALFE_OK);
        assert_memory_equal(g1, g2, sizeof g1);
        alfe_error_clear();
        assert_int_not_equal(idnn_predict_features(net, work, 9, h, jac, NULL, g2, m2, h2),
                             ALFE_OK);
        alfe_error_clear();
    }

    /* terms: n = 0 leaves the g term, w_g = 0 the μ term; they add up */
    idnn_batch only_g = tb.b, only_mu = tb.b;
    only_g.n = 0;
    only_mu.w_g = 0.0;
    double lg, lm;
    assert_int_equal(idnn_loss(net, inv, work, &only_g, &lg, NULL), ALFE_OK);
    assert_int_equal(idnn_loss(net, inv, work, &only_mu, &lm, NULL), ALFE_OK);
    assert_true(lg > 0.0 && lm > 0.0);
    assert_true(fabs(lg + lm - loss) <= 1e-14 * loss);
    idnn_batch none = tb.b;
    none.n = 0, none.n_ref = 0;
    assert_int_equal(idnn_loss(net, inv, work, &none, &lg, grad), ALFE_OK);
    assert_true(lg == 0.0);
    for (size_t i = 0; i < net->n_params; i++)
        assert_true(grad[i] == 0.0);

    /* refusals */
    assert_null(idnn_work_create(net, 0, 4));
    assert_null(idnn_work_create(net, TD, 0));
    idnn *other = make_net(&archs[0], TM, 61);
    double g;
    alfe_error_clear();
    assert_int_not_equal(idnn_predict(other, inv, work, 1, tb.eta, &g, NULL, NULL), ALFE_OK);
    assert_int_not_equal(idnn_loss(other, inv, work, &tb.b, &loss, NULL), ALFE_OK);
    const int one[1] = {1};
    const double row[] = {1.0, 1, 0, 0, 0};
    invariant_set *inv1 = inv_from_rows(TD, 1, one, row);
    assert_int_equal(idnn_predict(net, inv1, work, 1, tb.eta, &g, NULL, NULL), ALFE_ERR_INPUT);
    idnn_batch nomu = tb.b;
    nomu.mu = NULL;
    assert_int_not_equal(idnn_loss(net, inv, work, &nomu, &loss, NULL), ALFE_OK);
    idnn_batch noinv = tb.b;
    assert_int_not_equal(idnn_loss(net, NULL, work, &noinv, &loss, NULL), ALFE_OK);
    alfe_error_clear();
    inv_free(&inv1);
    idnn_destroy(&other);
    free(grad);
    free(grad2);
    free_batch(&tb);
    idnn_work_destroy(&work);
    idnn_destroy(&net);
    inv_free(&inv);
}

/* ------------------------------------------------------------------------- */
/* PyTorch fixture */

typedef struct {
    char section[64], key[32];
    int count;
    double *v;
} fx_record;

typedef struct {
    fx_record *rec;
    int n, cap;
} fixture;

static void fixture_read(const char *path, fixture *fx)
{
    char *text = NULL;
    if (alfe_read_text_file(path, &text, NULL) != ALFE_OK)
        fail_msg("cannot read %s (regenerate: tools/idnn_torch_fixture.py %s)", path, path);
    /* comments out */
    for (char *p = text; *p; p++)
        if (*p == '#')
            while (*p && *p != '\n')
                *p++ = ' ';
    memset(fx, 0, sizeof *fx);
    char *save = NULL, section[64] = "", case_name[32] = "";
    const char *sep = " \t\r\n";
    char *tok = strtok_r(text, sep, &save);
    if (!tok || strcmp(tok, "alfe-idnn-fixture") != 0)
        fail_msg("%s: not an alfe IDNN fixture", path);
    tok = strtok_r(NULL, sep, &save);
    if (!tok || strcmp(tok, "1") != 0)
        fail_msg("%s: unknown fixture version %s", path, tok ? tok : "(none)");
    int ended = 0;
    while ((tok = strtok_r(NULL, sep, &save)) != NULL) {
        if (!strcmp(tok, "end")) {
            ended = 1;
            break;
        }
        if (!strcmp(tok, "case") || !strcmp(tok, "optimizer")) {
            char *name = strtok_r(NULL, sep, &save);
            assert_non_null(name);
            if (!strcmp(tok, "case")) {
                snprintf(case_name, sizeof case_name, "%s", name);
                snprintf(section, sizeof section, "%s", name);
            } else {
                snprintf(section, sizeof section, "%s/%s", case_name, name);
            }
            continue;
        }
        char *count_tok = strtok_r(NULL, sep, &save);
        long long count;
        if (!count_tok || alfe_parse_long(count_tok, &count) != 0 || count < 0)
            fail_msg("%s: record %s has no count", path, tok);
        if (fx->n == fx->cap) {
            fx->cap = fx->cap ? 2 * fx->cap : 64;
            fx->rec = realloc(fx->rec, sizeof(fx_record) * (size_t)fx->cap);
        }
        fx_record *r = &fx->rec[fx->n++];
        snprintf(r->section, sizeof r->section, "%s", section);
        snprintf(r->key, sizeof r->key, "%s", tok);
        r->count = (int)count;
        r->v = malloc(sizeof(double) * (size_t)(count ? count : 1));
        for (long long i = 0; i < count; i++) {
            char *num = strtok_r(NULL, sep, &save);
            if (!num || alfe_parse_double(num, &r->v[i]) != 0)
                fail_msg("%s: %s/%s: value %lld missing or not a number", path, section, tok, i);
        }
    }
    if (!ended)
        fail_msg("%s: truncated (no 'end')", path);
    free(text);
}

static void fixture_free(fixture *fx)
{
    for (int i = 0; i < fx->n; i++)
        free(fx->rec[i].v);
    free(fx->rec);
}

/* The index-th record (section, key); fails when missing unless optional. */
static const fx_record *fx_get(const fixture *fx, const char *section, const char *key, int index,
                               int expect_count)
{
    for (int i = 0; i < fx->n; i++)
        if (!strcmp(fx->rec[i].section, section) && !strcmp(fx->rec[i].key, key) && index-- == 0) {
            if (expect_count >= 0 && fx->rec[i].count != expect_count)
                fail_msg("fixture %s/%s: %d values, expected %d", section, key, fx->rec[i].count,
                         expect_count);
            return &fx->rec[i];
        }
    fail_msg("fixture: %s/%s missing", section, key);
    return NULL;
}

static int fx_int(const fixture *fx, const char *section, const char *key)
{
    return (int)fx_get(fx, section, key, 0, 1)->v[0];
}

static double fx_num(const fixture *fx, const char *section, const char *key)
{
    return fx_get(fx, section, key, 0, 1)->v[0];
}

/* The fixture's optimizer runs through production code: train_run (train.c)
 * drives the production loss callback idnn_trainer_loss
 * (idnn_committee.c) on the case's batch, with every schedule off so that an
 * epoch is one full-batch step: batch = n, no validation split, no
 * reduce-on-plateau, no early stopping, no decay.  (The epoch shuffle only
 * reorders the samples inside the batch, i.e. the summation order.)  The
 * test does no optimizer arithmetic of its own.
 *
 * For k = 1 … steps, train_run with epochs = k from the case's parameters
 * (the optimizer state starts fresh in every train_run, so these are the
 * first k steps of one run): its parameters against params_after[k−1] and
 * its training loss (the loss before step k: one batch per epoch) against
 * losses[k−1].  Each with grad_chunks 1 and the production default 4 (the
 * batch in chunks, the reference term added in full by every call).
 *
 * Sections in Keras' form (eps_inside 1) are what train.c implements and
 * must agree; the torch sections (ε outside √) must NOT: they show that the
 * fixture tells the ε placements apart (by ~1e-1 relative, far above the
 * tolerance).  Returns the worst relative differences. */
static void check_optimizer(const fixture *fx, const char *section, idnn *net,
                            const invariant_set *inv, const idnn_batch *b, const double *params0,
                            double *worst_loss, double *worst_param, double *torch_gap)
{
    const size_t P = net->n_params;
    const int steps = fx_int(fx, section, "steps");
    const int inside = fx_int(fx, section, "eps_inside");
    const int adam = strstr(section, "adam") != NULL;
    const fx_record *losses = fx_get(fx, section, "losses", 0, steps);
    const fx_record *after = fx_get(fx, section, "params_after", 0, steps * (int)P);
    const fx_record *final = fx_get(fx, section, "final_params", 0, (int)P);
    assert_memory_equal(final->v, after->v + (size_t)(steps - 1) * P, P * sizeof(double));

    train_settings s;
    train_default_settings(&s);
    s.optimizer = adam ? TRAIN_ADAM : TRAIN_RMSPROP;
    s.learning_rate = fx_num(fx, section, "lr");
    s.epsilon = fx_num(fx, section, "eps");
    if (adam) {
        s.beta1 = fx_num(fx, section, "beta1");
        s.beta2 = fx_num(fx, section, "beta2");
    } else {
        s.rho = fx_num(fx, section, "rho");
    }
    s.lr_decay = 0.0;
    s.batch_size = b->n;        /* full batch: one step per epoch */
    s.validation_fraction = 0.0;
    s.plateau_patience = 0;     /* reduce-on-plateau off */
    s.early_stopping = 0;
    s.bootstrap = 0;
    s.seed = 5;
    s.split_seed = 6;

    idnn_trainer *t = NULL;
    assert_int_equal(idnn_trainer_create(inv, b, &t), ALFE_OK);
    double *theta = malloc(sizeof(double) * P);
    const int chunk_counts[2] = {1, 4};
    for (int cc = 0; cc < 2; cc++) {
        s.grad_chunks = chunk_counts[cc];
        assert_int_equal(idnn_trainer_bind(t, net, train_max_call_samples(&s)), ALFE_OK);
        for (int k = 1; k <= steps; k++) {
            s.epochs = k;
            memcpy(theta, params0, sizeof(double) * P);
            train_report r;
            assert_int_equal(train_run(&s, P, theta, b->n, idnn_trainer_loss, t, &r), ALFE_OK);
            assert_int_equal(r.epochs_run, k);
            assert_int_equal(r.n_train, b->n);
            assert_int_equal(r.n_validation, 0);
            assert_false(r.diverged || r.stopped_early || r.restored_best || r.lr_reductions);
            assert_true(r.final_learning_rate == s.learning_rate);
            const double *want = after->v + (size_t)(k - 1) * P;
            char what[160];
            if (!inside) {
                /* torch's ε placement: train_run must differ */
                *torch_gap = fmin(*torch_gap, max_rel_diff(theta, want, P, REL_FLOOR, NULL));
                continue;
            }
            snprintf(what, sizeof what, "%s: train_run loss before step %d (grad_chunks %d)",
                     section, k, s.grad_chunks);
            *worst_loss = fmax(*worst_loss, expect_close(what, &r.final_training_loss,
                                                         &losses->v[k - 1], 1, TRAIN_STEP_TOL));
            snprintf(what, sizeof what, "%s: train_run parameters after step %d (grad_chunks %d)",
                     section, k, s.grad_chunks);
            *worst_param = fmax(*worst_param, expect_close(what, theta, want, P, TRAIN_STEP_TOL));
        }
    }
    free(theta);
    idnn_trainer_destroy(&t);
}

static void test_torch_fixture(void **state)
{
    (void)state;
    fixture fx;
    fixture_read(FIXTURE, &fx);
    int cases = 0, optimizers = 0;
    double worst[8] = {0}; /* g, mu, hess, g_ref, loss, grad, opt losses, opt params */
    double torch_gap = INFINITY; /* smallest difference train_run vs torch's ε placement */
    double worst_hess[2] = {0};  /* loss and gradient with the curvature term */
    int keras_sections = 0, torch_sections = 0;
    for (int c = 0; c < fx.n; c++) {
        if (strcmp(fx.rec[c].key, "d") != 0 || strchr(fx.rec[c].section, '/'))
            continue;
        const char *sec = fx.rec[c].section;
        cases++;
        const int d = fx_int(&fx, sec, "d"), m = fx_int(&fx, sec, "m");
        const int L = fx_int(&fx, sec, "layers");
        assert_true(L >= 1 && L <= IDNN_MAX_LAYERS && m >= 1 && d >= 1);
        /* invariants from the poly records */
        int n_terms[16];
        assert_true(m <= 16);
        size_t total_rows = 0;
        for (int k = 0; k < m; k++)
            total_rows += (size_t)fx_get(&fx, sec, "poly", k, -1)->count;
        double *rows = malloc(sizeof(double) * total_rows), *rp = rows;
        for (int k = 0; k < m; k++) {
            const fx_record *r = fx_get(&fx, sec, "poly", k, -1);
            assert_int_equal(r->count % (d + 1), 0);
            n_terms[k] = r->count / (d + 1);
            memcpy(rp, r->v, sizeof(double) * (size_t)r->count);
            rp += r->count;
        }
        invariant_set *inv = inv_from_rows(d, m, n_terms, rows);
        free(rows);
        /* network */
        idnn_arch arch;
        memset(&arch, 0, sizeof arch);
        arch.n_inputs = m;
        arch.n_layers = L;
        arch.scale = fx_num(&fx, sec, "scale");
        const fx_record *wr = fx_get(&fx, sec, "width", 0, L);
        const fx_record *ar = fx_get(&fx, sec, "activation", 0, L);
        for (int l = 0; l < L; l++) {
            arch.width[l] = (int)wr->v[l];
            arch.activation[l] = (int)ar->v[l];
        }
        idnn *net = NULL;
        assert_int_equal(idnn_create(&arch, &net), ALFE_OK);
        const fx_record *pr = fx_get(&fx, sec, "params", 0, (int)net->n_params);
        memcpy(net->params, pr->v, sizeof(double) * net->n_params);
        /* batch */
        const int n = fx_int(&fx, sec, "n"), n_ref = fx_int(&fx, sec, "n_ref");
        idnn_batch b = {0};
        b.n = n;
        b.eta = fx_get(&fx, sec, "eta", 0, n * d)->v;
        b.mu = fx_get(&fx, sec, "mu", 0, n * d)->v;
        const fx_record *wt = fx_get(&fx, sec, "weight", 0, -1);
        assert_true(wt->count == 0 || wt->count == n);
        b.weight = wt->count ? wt->v : NULL;
        b.n_ref = n_ref;
        b.eta_ref = fx_get(&fx, sec, "eta_ref", 0, n_ref * d)->v;
        b.g_ref = fx_get(&fx, sec, "g_ref", 0, n_ref)->v;
        b.w_g = fx_num(&fx, sec, "w_g");
        b.w_mu = fx_num(&fx, sec, "w_mu");
        /* predictions, both paths */
        idnn_work *work = idnn_work_create(net, d, 4); /* 4 < n: chunked */
        double *g = malloc(sizeof(double) * (size_t)(n + n_ref));
        double *mu = malloc(sizeof(double) * (size_t)n * d);
        double *hs = malloc(sizeof(double) * (size_t)n * d * d);
        double *grad = malloc(sizeof(double) * net->n_params), loss;
        for (int naive = 0; naive < 2; naive++) {
            char what[128];
            const char *path = naive ? "plain loops" : "BLAS";
            if (naive)
                assert_int_equal(idnn_predict_naive(net, inv, n, b.eta, g, mu, hs), ALFE_OK);
            else
                assert_int_equal(idnn_predict(net, inv, work, n, b.eta, g, mu, hs), ALFE_OK);
            snprintf(what, sizeof what, "torch %s (%s): g", sec, path);
            worst[0] = fmax(worst[0], expect_close(what, g, fx_get(&fx, sec, "expect_g", 0, n)->v,
                                                   (size_t)n, TORCH_TOL));
            snprintf(what, sizeof what, "torch %s (%s): mu", sec, path);
            worst[1] = fmax(worst[1], expect_close(what, mu,
                                                   fx_get(&fx, sec, "expect_mu", 0, n * d)->v,
                                                   (size_t)n * d, TORCH_TOL));
            snprintf(what, sizeof what, "torch %s (%s): Hessian", sec, path);
            worst[2] = fmax(worst[2], expect_close(what, hs,
                                                   fx_get(&fx, sec, "expect_hess", 0, n * d * d)->v,
                                                   (size_t)n * d * d, TORCH_TOL));
            if (n_ref) {
                if (naive)
                    assert_int_equal(idnn_predict_naive(net, inv, n_ref, b.eta_ref, g, NULL, NULL),
                                     ALFE_OK);
                else
                    assert_int_equal(idnn_predict(net, inv, work, n_ref, b.eta_ref, g, NULL, NULL),
                                     ALFE_OK);
                snprintf(what, sizeof what, "torch %s (%s): g at the references", sec, path);
                worst[3] = fmax(worst[3],
                                expect_close(what, g, fx_get(&fx, sec, "expect_g_ref", 0, n_ref)->v,
                                             (size_t)n_ref, TORCH_TOL));
            }
            if (naive)
                assert_int_equal(idnn_loss_naive(net, inv, &b, &loss, grad), ALFE_OK);
            else
                assert_int_equal(idnn_loss(net, inv, work, &b, &loss, grad), ALFE_OK);
            snprintf(what, sizeof what, "torch %s (%s): loss", sec, path);
            worst[4] = fmax(worst[4], expect_close(what, &loss,
                                                   fx_get(&fx, sec, "expect_loss", 0, 1)->v, 1,
                                                   TORCH_TOL));
            snprintf(what, sizeof what, "torch %s (%s): dL/dtheta", sec, path);
            worst[5] = fmax(worst[5], expect_close(what, grad,
                                                   fx_get(&fx, sec, "expect_grad", 0,
                                                          (int)net->n_params)->v,
                                                   net->n_params, TORCH_TOL));
        }
        /* the curvature term (BLAS path only: the twin has none), chunked */
        {
            idnn_batch bh = b;
            bh.hess = fx_get(&fx, sec, "hess_target", 0, n * d * d)->v;
            bh.hess_weight = fx_get(&fx, sec, "hess_weight", 0, n * d * d)->v;
            bh.w_hess = fx_num(&fx, sec, "w_hess");
            char what[128];
            assert_int_equal(idnn_loss(net, inv, work, &bh, &loss, grad), ALFE_OK);
            snprintf(what, sizeof what, "torch %s: loss with the curvature term", sec);
            worst_hess[0] = fmax(worst_hess[0],
                                 expect_close(what, &loss,
                                              fx_get(&fx, sec, "expect_hess_loss", 0, 1)->v, 1,
                                              TORCH_TOL));
            snprintf(what, sizeof what, "torch %s: dL/dtheta with the curvature term", sec);
            worst_hess[1] = fmax(worst_hess[1],
                                 expect_close(what, grad,
                                              fx_get(&fx, sec, "expect_hess_grad", 0,
                                                     (int)net->n_params)->v,
                                              net->n_params, TORCH_TOL));
        }
        /* optimizer sections of this case */
        char prefix[80];
        snprintf(prefix, sizeof prefix, "%s/", sec);
        for (int o = 0; o < fx.n; o++)
            if (!strcmp(fx.rec[o].key, "steps") &&
                !strncmp(fx.rec[o].section, prefix, strlen(prefix))) {
                check_optimizer(&fx, fx.rec[o].section, net, inv, &b, pr->v, &worst[6],
                                &worst[7], &torch_gap);
                if (fx_int(&fx, fx.rec[o].section, "eps_inside"))
                    keras_sections++;
                else
                    torch_sections++;
                optimizers++;
            }
        free(g), free(mu), free(hs), free(grad);
        idnn_work_destroy(&work);
        idnn_destroy(&net);
        inv_free(&inv);
    }
    assert_true(cases >= 3);
    assert_true(optimizers >= 4);
    assert_true(keras_sections >= 2 && torch_sections >= 2);
    print_message("PyTorch fixture, %d cases: worst relative difference g %.2e, mu %.2e, Hessian "
                  "%.2e, g_ref %.2e, loss %.2e, gradient %.2e (tolerance %.0e); train_run on %d "
                  "Keras-form optimizers x 10 steps: losses %.2e, parameters %.2e (tolerance "
                  "%.0e); %d torch-form runs differ from train_run by >= %.2e (required > %.0e)\n",
                  cases, worst[0], worst[1], worst[2], worst[3], worst[4], worst[5], TORCH_TOL,
                  keras_sections, worst[6], worst[7], TRAIN_STEP_TOL, torch_sections, torch_gap,
                  TORCH_GAP_MIN);
    print_message("PyTorch fixture, curvature term (triple backprop): loss %.2e, gradient %.2e "
                  "(tolerance %.0e)\n", worst_hess[0], worst_hess[1], TORCH_TOL);
    if (!(torch_gap > TORCH_GAP_MIN))
        fail_msg("train_run agrees with torch's eps placement to %.2e: the fixture no longer tells "
                 "the forms apart", torch_gap);
    fixture_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_validates),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_glorot),
        cmocka_unit_test(test_activations),
        cmocka_unit_test(test_fd_eta),
        cmocka_unit_test(test_fd_params),
        cmocka_unit_test(test_fd_hessian_params),
        cmocka_unit_test(test_blas_vs_naive),
        cmocka_unit_test(test_features_and_refusals),
        cmocka_unit_test(test_torch_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
