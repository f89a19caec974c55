/* test_train.c — train.c with synthetic losses: optimizer steps against
 * hand-computed values (RMSprop, Adam), convergence to closed-form minima
 * (a convex quadratic, linear least squares), reduce-on-plateau and early
 * stopping on constructed validation curves, the shuffled validation split,
 * epoch shuffling, bootstrap, chunk weighting, determinism, errors; and the
 * serial parts of committee.c and hypersearch.c (seeds, statistics, the
 * one-rank layout, inclusive and log-uniform draws, ranking, the
 * replacement rule).  The parallel paths are tested under mpirun by
 * tests/mpi/committee_mpi.c (tests/integration/test_committee.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/comm.h"
#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/network/hypersearch.h"
#include "alfe/network/idnn.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"
#include "alfe/base/rng.h"
#include "alfe/network/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ASSERT_NEAR(a, b, tol, what)                                                       \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s: %.17g vs %.17g differ by %.3g > %.3g", (what), a_, b_,           \
                     fabs(a_ - b_), t_);                                                   \
    } while (0)

/* Settings with every schedule switched off: one full-batch step per epoch. */
static train_settings plain_settings(int optimizer, double lr, int epochs, int batch)
{
    train_settings s;
    train_default_settings(&s);
    s.optimizer = optimizer;
    s.learning_rate = lr;
    s.epochs = epochs;
    s.batch_size = batch;
    s.plateau_patience = 0;
    s.early_stopping = 0;
    s.validation_fraction = 0.0;
    s.seed = 11;
    s.split_seed = 12;
    return s;
}

/* ---- Optimizer steps ------------------------------------------------------ */

/* One sample; L = θ0²/2 + θ1⁴/4 − 3θ2, ∇L = (θ0, θ1³, −3). */
static int loss_three(void *context, const int *idx, int n, const double *p, double *loss,
                      double *grad)
{
    (void)context;
    (void)idx;
    assert_int_equal(n, 1);
    *loss = 0.5 * p[0] * p[0] + 0.25 * p[1] * p[1] * p[1] * p[1] - 3.0 * p[2];
    if (grad) {
        grad[0] = p[0];
        grad[1] = p[1] * p[1] * p[1];
        grad[2] = -3.0;
    }
    return ALFE_OK;
}

static void run_steps(int optimizer, int steps, double *p)
{
    train_settings s = plain_settings(optimizer, 0.1, steps, 1);
    p[0] = 10.0;
    p[1] = 0.5;
    p[2] = 1.0;
    train_report r;
    assert_int_equal(train_run(&s, 3, p, 1, loss_three, NULL, &r), ALFE_OK);
    assert_int_equal(r.epochs_run, steps);
}

static void test_rmsprop_steps(void **state)
{
    (void)state;
    /* By hand, step 1 of θ0: v = (1−ρ)g² = 0.1·100 = 10 and
     * θ = 10 − 0.1·10/√(10 + 1e-7) = 9.6837722… (Keras's own docstring example
     * gives 9.683772).  The rest: v ← ρv + (1−ρ)g², θ ← θ − lr·g/√(v + ε),
     * evaluated in Python (float64). */
    const double want[3][3] = {
        {9.6837722355643017, 0.18378235278597466, 1.3162277484486302},
        {9.4578802494811196, 0.16725243964374931, 1.5456434756111299},
        {9.270530980376865, 0.15413106356987194, 1.7377381592719743}};
    for (int steps = 1; steps <= 3; steps++) {
        double p[3];
        run_steps(TRAIN_RMSPROP, steps, p);
        for (int j = 0; j < 3; j++)
            ASSERT_NEAR(p[j], want[steps - 1][j], 1e-14 * fabs(want[steps - 1][j]), "rmsprop");
    }
}

static void test_adam_steps(void **state)
{
    (void)state;
    /* Step 1 by hand: m = 0.1 g, v = 0.001 g², α = lr·√0.001/0.1, so
     * θ −= α·m/(√v + ε) ≈ lr·sign(g): θ0 = 9.9000000316…, θ2 = 1.0999998946….
     * Steps 2–3: α_t = lr·√(1−β2^t)/(1−β1^t), m += (g−m)(1−β1),
     * v += (g²−v)(1−β2), θ −= α·m/(√v + ε) (Keras), in Python. */
    const double want[3][3] = {
        {9.900000031622767, 0.40000252975812978, 1.0999998945908558},
        {9.8000275130451495, 0.30644114400828071, 1.1999998200366706},
        {9.7001010647793979, 0.22275811405026835, 1.299999759148204}};
    for (int steps = 1; steps <= 3; steps++) {
        double p[3];
        run_steps(TRAIN_ADAM, steps, p);
        for (int j = 0; j < 3; j++)
            ASSERT_NEAR(p[j], want[steps - 1][j], 1e-14 * fabs(want[steps - 1][j]), "adam");
    }
}

/* ρ = 0 makes the RMSprop step exactly lr·g/√(g² + ε): with g = 1 the
 * parameter moves by lr/√(1 + ε) per step, so the learning rate in use is
 * visible in the parameter history. */
typedef struct {
    int n_train_calls, n_val_calls;
    double history[4096];          /* p[0] at each training call */
    int val_calls_at[512];         /* training calls made before each validation */
    const double *curve;           /* validation loss per validation call */
    int curve_length;
    double val_params[512];        /* p[0] seen by each validation call */
    int max_n;
} probe;

static int loss_probe(void *context, const int *idx, int n, const double *p, double *loss,
                      double *grad)
{
    (void)idx;
    probe *pr = context;
    if (n > pr->max_n)
        pr->max_n = n;
    if (grad) {
        if (pr->n_train_calls < 4096)
            pr->history[pr->n_train_calls] = p[0];
        pr->n_train_calls++;
        grad[0] = 1.0;
        *loss = 1.0;
    } else {
        int k = pr->n_val_calls++;
        assert_true(k < 512);
        pr->val_params[k] = p[0];
        pr->val_calls_at[k] = pr->n_train_calls;
        *loss = k < pr->curve_length ? pr->curve[k] : pr->curve[pr->curve_length - 1];
    }
    return ALFE_OK;
}

static void test_lr_decay_per_round(void **state)
{
    (void)state;
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 2, 1);
    s.rho = 0.0;
    s.lr_decay = 0.5;
    s.round = 3;
    probe pr = {0};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 1, loss_probe, &pr, &r), ALFE_OK);
    /* lr = 0.1/(1 + 0.5·3) = 0.04 */
    ASSERT_NEAR(p, -2 * 0.04 / sqrt(1.0 + 1e-7), 1e-15, "two steps at the decayed rate");
    ASSERT_NEAR(r.final_learning_rate, 0.04, 1e-17, "final rate");
}

/* ---- Convergence ---------------------------------------------------------- */

/* L_i = ½ Σ_j a_j (θ_j − c_ij)²: the minimiser is the mean of c_i. */
typedef struct {
    int n, d;
    double c[64 * 3];
    double a[3];
} quadratic;

static int loss_quadratic(void *context, const int *idx, int n, const double *p, double *loss,
                          double *grad)
{
    const quadratic *q = context;
    double total = 0.0;
    if (grad)
        memset(grad, 0, (size_t)q->d * sizeof *grad);
    for (int k = 0; k < n; k++) {
        const double *c = q->c + (size_t)idx[k] * q->d;
        for (int j = 0; j < q->d; j++) {
            double r = p[j] - c[j];
            total += 0.5 * q->a[j] * r * r;
            if (grad)
                grad[j] += q->a[j] * r / n;
        }
    }
    *loss = total / n;
    return ALFE_OK;
}

static void test_convex_quadratic(void **state)
{
    (void)state;
    quadratic q = {.n = 48, .d = 3, .a = {1.0, 4.0, 0.25}};
    rng_stream rng;
    rng_stream_init(&rng, 5, 0, RNG_PURPOSE_TEST);
    double mean[3] = {0};
    for (int i = 0; i < q.n; i++)
        for (int j = 0; j < q.d; j++) {
            q.c[i * q.d + j] = 2.0 * rng_normal(&rng) + j;
            mean[j] += q.c[i * q.d + j] / q.n;
        }
    /* Full batches: the exact gradient, so reduce-on-plateau takes the rate
     * down until the iterate sits on the minimiser.  Mini-batches of 8: the
     * noise of the gradient leaves the iterate within ~lr of it. */
    for (int opt = 0; opt < 2; opt++) {
        for (int full = 0; full < 2; full++) {
            train_settings s = plain_settings(opt, 0.05, 1500, full ? q.n : 8);
            s.plateau_patience = full ? 5 : 20;
            s.plateau_factor = 0.5;
            s.plateau_min_delta = 0.0;
            s.min_lr = 1e-9;
            double p[3] = {5.0, -5.0, 10.0};
            train_report r;
            assert_int_equal(train_run(&s, 3, p, q.n, loss_quadratic, &q, &r), ALFE_OK);
            for (int j = 0; j < 3; j++)
                ASSERT_NEAR(p[j], mean[j], full ? 1e-6 : 1e-2, opt ? "adam: quadratic minimiser"
                                                                  : "rmsprop: quadratic minimiser");
            assert_true(r.lr_reductions > 0 || (opt == TRAIN_ADAM && full));
        }
    }
}

/* L = mean_i (x_i·w − y_i)²: minimiser from the normal equations. */
typedef struct {
    int n, d;
    double x[80 * 4], y[80];
} regression;

static int loss_regression(void *context, const int *idx, int n, const double *w, double *loss,
                           double *grad)
{
    const regression *m = context;
    double total = 0.0;
    if (grad)
        memset(grad, 0, (size_t)m->d * sizeof *grad);
    for (int k = 0; k < n; k++) {
        const double *x = m->x + (size_t)idx[k] * m->d;
        double r = -m->y[idx[k]];
        for (int j = 0; j < m->d; j++)
            r += x[j] * w[j];
        total += r * r;
        if (grad)
            for (int j = 0; j < m->d; j++)
                grad[j] += 2.0 * r * x[j] / n;
    }
    *loss = total / n;
    return ALFE_OK;
}

/* Solve A w = b (d×d) by Gaussian elimination with partial pivoting. */
static void solve(int d, double *a, double *b, double *w)
{
    for (int k = 0; k < d; k++) {
        int piv = k;
        for (int i = k + 1; i < d; i++)
            if (fabs(a[i * d + k]) > fabs(a[piv * d + k]))
                piv = i;
        for (int j = 0; j < d; j++) {
            double t = a[k * d + j];
            a[k * d + j] = a[piv * d + j];
            a[piv * d + j] = t;
        }
        double t = b[k];
        b[k] = b[piv];
        b[piv] = t;
        for (int i = k + 1; i < d; i++) {
            double f = a[i * d + k] / a[k * d + k];
            for (int j = k; j < d; j++)
                a[i * d + j] -= f * a[k * d + j];
            b[i] -= f * b[k];
        }
    }
    for (int k = d - 1; k >= 0; k--) {
        double r = b[k];
        for (int j = k + 1; j < d; j++)
            r -= a[k * d + j] * w[j];
        w[k] = r / a[k * d + k];
    }
}

static void make_regression(regression *m, uint64_t seed)
{
    m->n = 80;
    m->d = 4;
    rng_stream rng;
    rng_stream_init(&rng, seed, 1, RNG_PURPOSE_TEST);
    const double w_true[4] = {1.5, -2.0, 0.5, 3.0};
    for (int i = 0; i < m->n; i++) {
        m->x[i * 4] = 1.0;
        for (int j = 1; j < 4; j++)
            m->x[i * 4 + j] = rng_normal(&rng);
        m->y[i] = 0.3 * rng_normal(&rng);
        for (int j = 0; j < 4; j++)
            m->y[i] += w_true[j] * m->x[i * 4 + j];
    }
}

static void test_least_squares(void **state)
{
    (void)state;
    regression m;
    make_regression(&m, 3);
    double a[16] = {0}, b[4] = {0}, w_star[4];
    for (int i = 0; i < m.n; i++)
        for (int j = 0; j < 4; j++) {
            b[j] += m.x[i * 4 + j] * m.y[i];
            for (int k = 0; k < 4; k++)
                a[j * 4 + k] += m.x[i * 4 + j] * m.x[i * 4 + k];
        }
    solve(4, a, b, w_star);
    for (int opt = 0; opt < 2; opt++) {
        for (int full = 0; full < 2; full++) {
            train_settings s = plain_settings(opt, 0.02, 1500, full ? m.n : 16);
            s.plateau_patience = full ? 10 : 20;
            s.plateau_min_delta = 0.0;
            s.min_lr = 1e-9;
            double w[4] = {0};
            train_report r;
            assert_int_equal(train_run(&s, 4, w, m.n, loss_regression, &m, &r), ALFE_OK);
            for (int j = 0; j < 4; j++)
                ASSERT_NEAR(w[j], w_star[j], full ? 1e-6 : 1e-2,
                            opt ? "adam: least squares" : "rmsprop: least squares");
        }
    }
}

/* ---- Schedules on constructed validation curves -------------------------- */

/* The learning rate used in epoch e, from the parameter history (ρ = 0,
 * g = 1, one step per epoch). */
static double rate_in_epoch(const probe *pr, int e)
{
    return (pr->history[e] - (e + 1 < pr->n_train_calls ? pr->history[e + 1] : NAN)) *
           sqrt(1.0 + 1e-7);
}

static void test_reduce_on_plateau(void **state)
{
    (void)state;
    /* patience 2, factor 0.5, min_delta 0: epochs 3, 7 and 10 end two epochs
     * without improvement; the third reduction stops at min_lr = 0.02
     * instead of 0.0125, and epoch 12's would go below it: none. */
    const double curve[] = {1.0, 0.9, 0.95, 0.92, 0.91, 0.89, 0.895, 0.9,
                            0.5, 0.6, 0.7, 0.8,  0.9,  1.0,  1.1};
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 15, 4);
    s.rho = 0.0;
    s.validation_fraction = 0.2;
    s.plateau_patience = 2;
    s.plateau_factor = 0.5;
    s.plateau_min_delta = 0.0;
    s.min_lr = 0.02;
    probe pr = {.curve = curve, .curve_length = 15};
    double p = 0.0;
    train_report r;
    /* 5 samples: 1 for validation, 4 = one batch per epoch (grad_chunks 1). */
    s.grad_chunks = 1;
    assert_int_equal(train_run(&s, 1, &p, 5, loss_probe, &pr, &r), ALFE_OK);
    assert_int_equal(r.epochs_run, 15);
    assert_int_equal(pr.n_val_calls, 15);
    const double want[14] = {0.1,   0.1,   0.1,   0.1,  0.05, 0.05, 0.05,
                             0.05,  0.025, 0.025, 0.025, 0.02, 0.02, 0.02};
    for (int e = 0; e < 14; e++) {
        char what[64];
        snprintf(what, sizeof what, "rate in epoch %d", e);
        ASSERT_NEAR(rate_in_epoch(&pr, e), want[e], 1e-12, what);
    }
    assert_int_equal(r.lr_reductions, 3);
    ASSERT_NEAR(r.final_learning_rate, 0.02, 0.0, "stops at min_lr");

    /* min_delta 0.02 (Keras's absolute threshold): 0.9 → 0.89 is no longer an
     * improvement, so the second reduction comes at epoch 5, not 7. */
    s.plateau_min_delta = 0.02;
    s.min_lr = 0.0;
    probe pr2 = {.curve = curve, .curve_length = 15};
    p = 0.0;
    assert_int_equal(train_run(&s, 1, &p, 5, loss_probe, &pr2, &r), ALFE_OK);
    ASSERT_NEAR(rate_in_epoch(&pr2, 5), 0.05, 1e-12, "min_delta: epoch 5");
    ASSERT_NEAR(rate_in_epoch(&pr2, 6), 0.025, 1e-12, "min_delta: epoch 6");
}

static void test_early_stopping_restores_best(void **state)
{
    (void)state;
    const double curve[] = {3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 1.05, 0.5, 0.4};
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 9, 4);
    s.rho = 0.0;
    s.grad_chunks = 1;
    s.validation_fraction = 0.2;
    s.early_stopping = 1;
    s.es_patience = 3;
    probe pr = {.curve = curve, .curve_length = 9};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 5, loss_probe, &pr, &r), ALFE_OK);
    /* Best at epoch 2; epochs 3, 4, 5 do not improve: stop after epoch 5. */
    assert_int_equal(r.epochs_run, 6);
    assert_int_equal(r.stopped_early, 1);
    assert_int_equal(r.best_epoch, 2);
    assert_int_equal(r.restored_best, 1);
    ASSERT_NEAR(r.best_validation_loss, 1.0, 0.0, "best loss");
    ASSERT_NEAR(r.validation_loss, 1.0, 0.0, "loss of the returned weights");
    ASSERT_NEAR(p, pr.val_params[2], 0.0, "restored the weights of epoch 2");
    assert_true(p != pr.val_params[5]);

    /* Without early stopping: all 9 epochs, the last weights are kept, the
     * best epoch is still reported. */
    s.early_stopping = 0;
    probe pr2 = {.curve = curve, .curve_length = 9};
    p = 0.0;
    assert_int_equal(train_run(&s, 1, &p, 5, loss_probe, &pr2, &r), ALFE_OK);
    assert_int_equal(r.epochs_run, 9);
    assert_int_equal(r.stopped_early, 0);
    assert_int_equal(r.restored_best, 0);
    assert_int_equal(r.best_epoch, 8);
    ASSERT_NEAR(p, pr2.val_params[8], 0.0, "last weights kept");
    ASSERT_NEAR(r.validation_loss, 0.4, 0.0, "last validation loss");

    /* Early stopping that never triggers still restores the best epoch. */
    const double bump[] = {3.0, 1.0, 2.0, 2.5};
    s.early_stopping = 1;
    s.es_patience = 10;
    s.epochs = 4;
    probe pr3 = {.curve = bump, .curve_length = 4};
    p = 0.0;
    assert_int_equal(train_run(&s, 1, &p, 5, loss_probe, &pr3, &r), ALFE_OK);
    assert_int_equal(r.epochs_run, 4);
    assert_int_equal(r.stopped_early, 0);
    assert_int_equal(r.restored_best, 1);
    ASSERT_NEAR(p, pr3.val_params[1], 0.0, "restored epoch 1");
}

/* Non-finite loss after a few steps: the run stops and the best weights
 * come back. */
typedef struct {
    int calls;
    int blow_up_at;
} blower;

static int loss_blow_up(void *context, const int *idx, int n, const double *p, double *loss,
                        double *grad)
{
    (void)idx;
    (void)n;
    blower *b = context;
    if (grad) {
        b->calls++;
        grad[0] = 2.0 * (p[0] - 1.0);
    }
    *loss = b->calls >= b->blow_up_at ? NAN : (p[0] - 1.0) * (p[0] - 1.0);
    return ALFE_OK;
}

static void test_divergence(void **state)
{
    (void)state;
    train_settings s = plain_settings(TRAIN_ADAM, 0.1, 50, 4);
    s.validation_fraction = 0.2;
    s.early_stopping = 1;
    s.es_patience = 5;
    blower b = {0, 40};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 10, loss_blow_up, &b, &r), ALFE_OK);
    assert_int_equal(r.diverged, 1);
    assert_true(r.epochs_run < 50);
    assert_int_equal(r.restored_best, 1);
    assert_true(isfinite(p) && isfinite(r.validation_loss));
    /* Without early stopping there is nothing to restore: +inf. */
    s.early_stopping = 0;
    b.calls = 0;
    p = 0.0;
    assert_int_equal(train_run(&s, 1, &p, 10, loss_blow_up, &b, &r), ALFE_OK);
    assert_int_equal(r.diverged, 1);
    assert_true(isinf(r.validation_loss));
}

/* ---- Split, order, bootstrap, chunks -------------------------------------- */

typedef struct {
    int n, n_train;
    int seen_train[200], seen_val[200];
    int epoch_order[4][200];    /* training order of the first epochs */
    int position;               /* training samples seen so far */
    int max_n;
} recorder;

static int loss_record(void *context, const int *idx, int n, const double *p, double *loss,
                       double *grad)
{
    (void)p;
    recorder *rc = context;
    if (n > rc->max_n)
        rc->max_n = n;
    for (int k = 0; k < n; k++) {
        assert_true(idx[k] >= 0 && idx[k] < rc->n);
        if (grad) {
            rc->seen_train[idx[k]]++;
            int e = rc->position / rc->n_train, i = rc->position % rc->n_train;
            if (e < 4)
                rc->epoch_order[e][i] = idx[k];
            rc->position++;
        } else {
            rc->seen_val[idx[k]]++;
        }
    }
    if (grad)
        grad[0] = 0.0;
    *loss = 1.0;
    return ALFE_OK;
}

static void test_shuffled_validation_split(void **state)
{
    (void)state;
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 1, 10);
    s.validation_fraction = 0.25;
    int val[100], train[100], nv, nt;
    assert_int_equal(train_split(&s, 100, val, &nv, train, &nt), ALFE_OK);
    assert_int_equal(nv, 25);
    assert_int_equal(nt, 75);
    /* A partition, sorted, and not the newest 25 samples (the published
     * workflow's Keras split took the last 25 % unshuffled). */
    int mark[100] = {0}, newest = 0;
    for (int i = 0; i < nv; i++) {
        mark[val[i]]++;
        newest += val[i] >= 75;
        if (i)
            assert_true(val[i] > val[i - 1]);
    }
    for (int i = 0; i < nt; i++) {
        mark[train[i]]++;
        if (i)
            assert_true(train[i] > train[i - 1]);
    }
    for (int i = 0; i < 100; i++)
        assert_int_equal(mark[i], 1);
    assert_true(newest < 15);

    /* ⌈f·n⌉ as Keras: 10 samples at 0.25 → 3; 0.3 → 3 (no rounding slip). */
    s.validation_fraction = 0.3;
    assert_int_equal(train_split(&s, 10, NULL, &nv, NULL, &nt), ALFE_OK);
    assert_int_equal(nv, 3);
    s.validation_fraction = 0.25;
    assert_int_equal(train_split(&s, 10, NULL, &nv, NULL, &nt), ALFE_OK);
    assert_int_equal(nv, 3);

    /* The split depends on split_seed, not on seed. */
    int val2[100];
    s.seed = 999;
    assert_int_equal(train_split(&s, 100, val2, &nv, NULL, NULL), ALFE_OK);
    assert_memory_equal(val, val2, 25 * sizeof *val);
    s.split_seed = 13;
    assert_int_equal(train_split(&s, 100, val2, &nv, NULL, NULL), ALFE_OK);
    assert_memory_not_equal(val, val2, 25 * sizeof *val);

    /* Uniform: over 4000 split seeds every index is in validation with
     * probability 1/4 (5 standard errors: 5·√(0.25·0.75/4000) = 0.034). */
    int count[40] = {0};
    for (int k = 0; k < 4000; k++) {
        s.split_seed = 1000 + (uint64_t)k;
        int v[10];
        assert_int_equal(train_split(&s, 40, v, &nv, NULL, NULL), ALFE_OK);
        assert_int_equal(nv, 10);
        for (int i = 0; i < nv; i++)
            count[v[i]]++;
    }
    for (int i = 0; i < 40; i++)
        ASSERT_NEAR(count[i] / 4000.0, 0.25, 0.034, "validation frequency");

    /* train_run uses exactly that split: validation calls see the
     * validation indices once per epoch, training calls never do. */
    s.split_seed = 12;
    s.epochs = 3;
    recorder rc = {.n = 100, .n_train = 75};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 100, loss_record, &rc, &r), ALFE_OK);
    assert_int_equal(r.n_validation, 25);
    assert_int_equal(r.n_train, 75);
    for (int i = 0; i < 100; i++) {
        int in_val = 0;
        for (int k = 0; k < 25; k++)
            in_val |= val[k] == i;
        assert_int_equal(rc.seen_val[i], in_val ? 3 : 0);
        assert_int_equal(rc.seen_train[i], in_val ? 0 : 3);
    }
    /* No call carries more than ⌈batch/grad_chunks⌉ = ⌈10/4⌉ samples. */
    assert_int_equal(train_max_call_samples(&s), 3);
    assert_true(rc.max_n <= 3);
}

static void test_epoch_shuffle(void **state)
{
    (void)state;
    /* Each epoch visits every training sample once, in a new order. */
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 1, 7);
    recorder a = {.n = 30, .n_train = 30}, b = {.n = 30, .n_train = 30};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 30, loss_record, &a, &r), ALFE_OK);
    s.epochs = 2;
    assert_int_equal(train_run(&s, 1, &p, 30, loss_record, &b, &r), ALFE_OK);
    for (int i = 0; i < 30; i++) {
        assert_int_equal(a.seen_train[i], 1);
        assert_int_equal(b.seen_train[i], 2);
    }
    /* Epoch 0 is the same in both runs; epoch 1 differs from epoch 0 and
     * is not sorted. */
    assert_memory_equal(a.epoch_order[0], b.epoch_order[0], 30 * sizeof(int));
    assert_memory_not_equal(b.epoch_order[0], b.epoch_order[1], 30 * sizeof(int));
    int sorted = 1;
    for (int i = 1; i < 30; i++)
        sorted &= a.epoch_order[0][i] > a.epoch_order[0][i - 1];
    assert_false(sorted);
}

static void test_bootstrap(void **state)
{
    (void)state;
    train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 1, 8);
    s.validation_fraction = 0.25;
    s.bootstrap = 1;
    int val[80], nv;
    assert_int_equal(train_split(&s, 80, val, &nv, NULL, NULL), ALFE_OK);
    recorder rc = {.n = 80, .n_train = 60};
    double p = 0.0;
    train_report r;
    assert_int_equal(train_run(&s, 1, &p, 80, loss_record, &rc, &r), ALFE_OK);
    int total = 0, repeated = 0, distinct = 0;
    for (int i = 0; i < 80; i++) {
        total += rc.seen_train[i];
        repeated += rc.seen_train[i] > 1;
        distinct += rc.seen_train[i] > 0;
    }
    assert_int_equal(total, 60);           /* n_train draws */
    assert_true(repeated > 0);             /* with replacement */
    assert_true(distinct < 60);
    for (int k = 0; k < nv; k++)           /* never a validation sample */
        assert_int_equal(rc.seen_train[val[k]], 0);
    /* Another member seed draws another resample. */
    recorder rc2 = {.n = 80, .n_train = 60};
    s.seed = 77;
    assert_int_equal(train_run(&s, 1, &p, 80, loss_record, &rc2, &r), ALFE_OK);
    assert_memory_not_equal(rc.seen_train, rc2.seen_train, sizeof rc.seen_train);
}

/* A loss independent of the parameters with per-sample values v_i: the
 * batch loss must be the plain mean whatever the chunking (unequal chunks
 * are weighted by their size), and so the reported epoch loss is the mean
 * over the training samples. */
static int loss_values(void *context, const int *idx, int n, const double *p, double *loss,
                       double *grad)
{
    (void)p;
    const double *v = context;
    double t = 0.0;
    for (int k = 0; k < n; k++)
        t += v[idx[k]];
    *loss = t / n;
    if (grad)
        grad[0] = 0.0;
    return ALFE_OK;
}

static void test_chunk_weights(void **state)
{
    (void)state;
    double v[23];
    double mean = 0.0;
    for (int i = 0; i < 23; i++) {
        v[i] = (i * 7919) % 23 + 0.25 * i;
        mean += v[i] / 23;
    }
    for (int chunks = 1; chunks <= 9; chunks++) {
        train_settings s = plain_settings(TRAIN_RMSPROP, 0.1, 1, 10);
        s.grad_chunks = chunks;
        double p = 0.0;
        train_report r;
        assert_int_equal(train_run(&s, 1, &p, 23, loss_values, v, &r), ALFE_OK);
        ASSERT_NEAR(r.final_training_loss, mean, 1e-12, "epoch loss with chunks");
    }
}

/* ---- Determinism and the group path on one rank -------------------------- */

static void train_regression(const train_settings *s, double *w, train_report *r)
{
    regression m;
    make_regression(&m, 8);
    memset(w, 0, 4 * sizeof *w);
    assert_int_equal(train_run(s, 4, w, m.n, loss_regression, &m, r), ALFE_OK);
}

static void test_determinism(void **state)
{
    (void)state;
    train_settings s;
    train_default_settings(&s);
    s.learning_rate = 0.01;
    s.epochs = 40;
    s.batch_size = 9;
    s.seed = 21;
    s.split_seed = 22;
    s.plateau_patience = 3;
    s.es_patience = 5;
    double a[4], b[4], c[4], d[4];
    train_report ra, rb, rc, rd;
    train_regression(&s, a, &ra);
    train_regression(&s, b, &rb);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(ra.epochs_run, rb.epochs_run);
    assert_true(ra.validation_loss == rb.validation_loss);
    assert_true(ra.final_learning_rate == rb.final_learning_rate);
    /* A one-rank group (no MPI here) runs the group code: same bits. */
    comm_group *world = NULL;
    assert_int_equal(comm_group_world(&world), ALFE_OK);
    assert_int_equal(comm_group_size(world), 1);
    assert_int_equal(comm_group_rank(world), 0);
    s.group = world;
    train_regression(&s, c, &rc);
    assert_memory_equal(a, c, sizeof a);
    comm_group_free(&world);
    assert_null(world);
    s.group = NULL;
    /* Another seed: other epoch orders, other weights. */
    s.seed = 23;
    train_regression(&s, d, &rd);
    assert_memory_not_equal(a, d, sizeof a);
}

static void test_comm_group_without_mpi(void **state)
{
    (void)state;
    comm_group *g = NULL;
    assert_int_equal(comm_group_split(3, 0, &g), ALFE_OK);
    assert_non_null(g);
    assert_int_equal(comm_group_size(g), 1);
    double buf[3] = {1.0, -2.0, 0.5};
    comm_group_allreduce_sum_doubles(g, buf, 3);
    comm_group_bcast_doubles(g, buf, 3, 0);
    assert_true(buf[0] == 1.0 && buf[1] == -2.0 && buf[2] == 0.5);
    comm_group_free(&g);
    assert_int_equal(comm_group_split(-1, 0, &g), ALFE_OK);
    assert_null(g);
    assert_int_equal(comm_group_size(NULL), 1);
    assert_int_equal(comm_group_rank(NULL), 0);
}

/* ---- Errors --------------------------------------------------------------- */

static int loss_fails(void *context, const int *idx, int n, const double *p, double *loss,
                      double *grad)
{
    (void)idx;
    (void)n;
    (void)p;
    (void)grad;
    int *calls = context;
    *loss = 0.0;
    if (++*calls == 3)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "synthetic failure");
    if (grad)
        grad[0] = 0.0;
    return ALFE_OK;
}

static void test_errors(void **state)
{
    (void)state;
    double p = 0.0;
    train_report r;
    train_settings good = plain_settings(TRAIN_RMSPROP, 0.1, 2, 4);
    struct {
        const char *what;
        train_settings s;
    } bad[12];
    for (int i = 0; i < 12; i++)
        bad[i].s = good;
    bad[0].what = "optimizer", bad[0].s.optimizer = 7;
    bad[1].what = "learning rate", bad[1].s.learning_rate = 0.0;
    bad[2].what = "epochs", bad[2].s.epochs = 0;
    bad[3].what = "batch", bad[3].s.batch_size = 0;
    bad[4].what = "factor", bad[4].s.plateau_factor = 1.0;
    bad[5].what = "validation", bad[5].s.validation_fraction = 1.0;
    bad[6].what = "chunks", bad[6].s.grad_chunks = 0;
    bad[7].what = "rho", bad[7].s.rho = 1.0;
    bad[8].what = "epsilon", bad[8].s.epsilon = 0.0;
    bad[9].what = "es patience", bad[9].s.early_stopping = 1, bad[9].s.es_patience = 0;
    bad[10].what = "decay", bad[10].s.lr_decay = -1.0;
    bad[11].what = "nan lr", bad[11].s.learning_rate = NAN;
    for (int i = 0; i < 12; i++) {
        alfe_error_clear();
        int calls = 0;
        int st = train_run(&bad[i].s, 1, &p, 10, loss_fails, &calls, &r);
        if (st != ALFE_ERR_INPUT)
            fail_msg("bad %s accepted (status %d)", bad[i].what, st);
        assert_int_equal(calls, 0);
        assert_true(strlen(alfe_error_message()) > 0);
    }
    /* Too few samples for the split. */
    alfe_error_clear();
    train_settings s = good;
    s.validation_fraction = 0.5;
    int calls = 0;
    assert_int_equal(train_run(&s, 1, &p, 1, loss_fails, &calls, &r), ALFE_ERR_INPUT);
    assert_int_equal(train_run(&s, 1, &p, 0, loss_fails, &calls, &r), ALFE_ERR_INPUT);
    /* A failing callback: its status and message come back. */
    alfe_error_clear();
    calls = 0;
    assert_int_equal(train_run(&good, 1, &p, 10, loss_fails, &calls, &r), ALFE_ERR_RUNTIME);
    assert_string_equal(alfe_error_message(), "synthetic failure");
    alfe_error_clear();
}

/* train_validation_loss agrees with the validation loss train_run reports. */
static void test_validation_loss_function(void **state)
{
    (void)state;
    regression m;
    make_regression(&m, 9);
    train_settings s = plain_settings(TRAIN_ADAM, 0.01, 5, 8);
    s.validation_fraction = 0.3;
    double w[4] = {0}, v;
    train_report r;
    assert_int_equal(train_run(&s, 4, w, m.n, loss_regression, &m, &r), ALFE_OK);
    assert_int_equal(train_validation_loss(&s, 4, w, m.n, loss_regression, &m, &v), ALFE_OK);
    assert_true(v == r.validation_loss);
    s.validation_fraction = 0.0;
    assert_int_equal(train_validation_loss(&s, 4, w, m.n, loss_regression, &m, &v), ALFE_OK);
    assert_true(isnan(v));
}

static void test_default_settings(void **state)
{
    (void)state;
    /* The published model_14.params.json values. */
    train_settings s;
    train_default_settings(&s);
    assert_int_equal(s.optimizer, TRAIN_RMSPROP);
    assert_true(s.learning_rate == 1e-4);
    assert_true(s.lr_decay == 0.0);
    assert_true(s.plateau_factor == 0.5);
    assert_int_equal(s.plateau_patience, 150);
    assert_true(s.min_lr == 1e-6);
    assert_int_equal(s.epochs, 1000);
    assert_int_equal(s.batch_size, 50);
    assert_true(s.rho == 0.9 && s.epsilon == 1e-7);
    assert_true(s.beta1 == 0.9 && s.beta2 == 0.999);
    assert_int_equal(s.early_stopping, 1);
    assert_int_equal(s.es_patience, 300);
    assert_true(s.validation_fraction == 0.25);
    assert_null(s.group);
}


/* ---- Committee (serial parts) --------------------------------------------- */

static void test_committee_statistics(void **state)
{
    (void)state;
    /* K = 3 members × 2 quantities, member-major. */
    const double v[6] = {1.0, 10.0, 2.0, 10.0, 6.0, 10.0};
    double mean[2], std[2];
    committee_mean_std(3, 2, v, mean, std);
    ASSERT_NEAR(mean[0], 3.0, 1e-15, "mean");
    ASSERT_NEAR(std[0], sqrt(14.0 / 3.0), 1e-15, "population std");
    ASSERT_NEAR(mean[1], 10.0, 0.0, "constant mean");
    ASSERT_NEAR(std[1], 0.0, 0.0, "constant spread");
    committee_mean_std(1, 2, v, NULL, std);
    assert_true(std[0] == 0.0 && std[1] == 0.0);
}

static void test_committee_seeds(void **state)
{
    (void)state;
    /* Distinct per member and round, shared split per round. */
    uint64_t seen[3 * 4];
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 4; k++) {
            seen[r * 4 + k] = committee_member_seed(7, r, k);
            for (int j = 0; j < r * 4 + k; j++)
                assert_true(seen[j] != seen[r * 4 + k]);
        }
    assert_true(committee_member_seed(7, 1, 2) == committee_member_seed(7, 1, 2));
    assert_true(committee_member_seed(8, 1, 2) != committee_member_seed(7, 1, 2));
    assert_true(committee_split_seed(7, 1) != committee_split_seed(7, 2));
    train_settings base, a, b;
    train_default_settings(&base);
    committee_member_settings(&base, 7, 1, 0, 1, &a);
    committee_member_settings(&base, 7, 1, 1, 0, &b);
    assert_true(a.seed != b.seed);
    assert_true(a.split_seed == b.split_seed && a.split_seed == committee_split_seed(7, 1));
    assert_int_equal(a.bootstrap, 1);
    assert_int_equal(b.bootstrap, 0);
    assert_int_equal(a.round, 1);
}

/* The committee on one rank (no MPI): every member trained here, with the
 * same result as train_run on each member directly. */
typedef struct {
    regression data;
    int prepared[4], released[4], max_samples[4];
} regression_model;

static int reg_prepare(void *model, int member, int max_samples)
{
    regression_model *m = model;
    m->prepared[member]++;
    m->max_samples[member] = max_samples;
    return ALFE_OK;
}

static int reg_loss(void *model, int member, const int *idx, int n, const double *w,
                    double *loss, double *grad)
{
    regression_model *m = model;
    assert_true(n <= m->max_samples[member]);
    return loss_regression(&m->data, idx, n, w, loss, grad);
}

static void reg_release(void *model, int member)
{
    regression_model *m = model;
    m->released[member]++;
}

static void test_committee_one_rank(void **state)
{
    (void)state;
    committee_layout *layout = NULL;
    assert_int_equal(committee_layout_create(0, &layout), ALFE_ERR_INPUT);
    alfe_error_clear();
    assert_int_equal(committee_layout_create(3, &layout), ALFE_OK);
    assert_int_equal(committee_layout_members(layout), 3);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(committee_layout_trains(layout, k), 1);
        assert_int_equal(committee_layout_owner(layout, k), 0);
        assert_int_equal(committee_layout_group_size(layout, k), 1);
    }
    regression_model m = {0};
    make_regression(&m.data, 4);
    train_settings base = plain_settings(TRAIN_ADAM, 0.02, 20, 12), settings[3];
    base.validation_fraction = 0.2;
    double w[3][4] = {{0}}, direct[3][4] = {{0}};
    double *params[3] = {w[0], w[1], w[2]};
    size_t n_params[3] = {4, 4, 4};
    train_report reports[3], r;
    for (int k = 0; k < 3; k++)
        committee_member_settings(&base, 99, 2, k, k == 2, &settings[k]);
    committee_model model = {&m, reg_prepare, reg_loss, reg_release};
    assert_int_equal(committee_train(layout, n_params, params, settings, m.data.n, &model, reports),
                     ALFE_OK);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(m.prepared[k], 1);
        assert_int_equal(m.released[k], 1);
        assert_int_equal(m.max_samples[k], train_max_call_samples(&settings[k]));
        assert_int_equal(train_run(&settings[k], 4, direct[k], m.data.n, loss_regression, &m.data,
                                   &r),
                         ALFE_OK);
        assert_memory_equal(w[k], direct[k], sizeof w[k]);
        assert_true(reports[k].validation_loss == r.validation_loss);
        assert_int_equal(reports[k].epochs_run, r.epochs_run);
    }
    /* Different seeds (and a bootstrap) give different members. */
    assert_memory_not_equal(w[0], w[1], sizeof w[0]);
    assert_memory_not_equal(w[0], w[2], sizeof w[0]);
    committee_layout_destroy(&layout);
    assert_null(layout);
}

/* ---- Hyper-parameter search ----------------------------------------------- */

static void test_hypersearch_draws(void **state)
{
    (void)state;
    hypersearch_bounds b;
    hypersearch_default_bounds(&b);
    assert_int_equal(hypersearch_check_bounds(&b), ALFE_OK);
    /* The published ranges, inclusive. */
    assert_int_equal(b.layers_min, 2);
    assert_int_equal(b.layers_max, 4);
    assert_int_equal(b.width_min, 50);
    assert_int_equal(b.width_max, 300);
    b.width_min = 50;
    b.width_max = 52;
    b.batch_min = 25;
    b.batch_max = 27;
    b.n_activations = 3;
    b.activations[0] = 0;
    b.activations[1] = 1;
    b.activations[2] = 2;
    int layers_seen[5] = {0}, width_seen[3] = {0}, batch_seen[3] = {0}, act_seen[3] = {0};
    int mixed = 0;
    double sum_log = 0.0;
    const int draws = 3000;
    const double la = log(b.lr_min), lb = log(b.lr_max);
    for (int i = 0; i < draws; i++) {
        hypersearch_candidate c, again;
        hypersearch_draw(&b, 5, 3, i, &c);
        hypersearch_draw(&b, 5, 3, i, &again);
        assert_memory_equal(&c, &again, sizeof c);
        assert_true(c.layers >= 2 && c.layers <= 4);
        assert_true(c.width >= 50 && c.width <= 52);
        assert_true(c.batch_size >= 25 && c.batch_size <= 27);
        assert_true(c.learning_rate >= b.lr_min && c.learning_rate <= b.lr_max);
        layers_seen[c.layers]++;
        width_seen[c.width - 50]++;
        batch_seen[c.batch_size - 25]++;
        for (int l = 0; l < c.layers; l++) {
            assert_true(c.activation[l] >= 0 && c.activation[l] <= 2);
            act_seen[c.activation[l]]++;
            mixed |= c.activation[l] != c.activation[0];
        }
        sum_log += log(c.learning_rate);
    }
    /* Upper bounds are reachable (the published randint never drew them). */
    for (int v = 2; v <= 4; v++)
        assert_true(layers_seen[v] > draws / 6);
    for (int v = 0; v < 3; v++) {
        assert_true(width_seen[v] > draws / 6);
        assert_true(batch_seen[v] > draws / 6);
        assert_true(act_seen[v] > 0);
    }
    assert_true(mixed);
    /* Log-uniform: ln lr uniform on [ln min, ln max]; 5 standard errors. */
    ASSERT_NEAR(sum_log / draws, 0.5 * (la + lb), 5.0 * (lb - la) / sqrt(12.0 * draws),
                "mean of ln lr");
    /* Another round, other candidates; one activation for all layers. */
    hypersearch_candidate c0, c1;
    hypersearch_draw(&b, 5, 3, 0, &c0);
    hypersearch_draw(&b, 5, 4, 0, &c1);
    assert_memory_not_equal(&c0, &c1, sizeof c0);
    b.per_layer_activation = 0;
    for (int i = 0; i < 200; i++) {
        hypersearch_draw(&b, 5, 3, i, &c0);
        for (int l = 1; l < c0.layers; l++)
            assert_int_equal(c0.activation[l], c0.activation[0]);
    }
    /* A degenerate range is a single value. */
    b.lr_min = b.lr_max = 1e-3;
    b.layers_min = b.layers_max = 3;
    hypersearch_draw(&b, 5, 3, 7, &c0);
    assert_true(c0.learning_rate == 1e-3);
    assert_int_equal(c0.layers, 3);

    /* Settings: the candidate's rate and batch, its own seed, the round's
     * shared split. */
    train_settings base, s0, s1;
    train_default_settings(&base);
    hypersearch_draw(&b, 5, 3, 0, &c0);
    hypersearch_settings(&c0, &base, 5, 3, 0, &s0);
    hypersearch_settings(&c0, &base, 5, 3, 1, &s1);
    assert_true(s0.learning_rate == c0.learning_rate);
    assert_int_equal(s0.batch_size, c0.batch_size);
    assert_true(s0.seed != s1.seed);
    assert_true(s0.split_seed == s1.split_seed && s0.split_seed == committee_split_seed(5, 3));
    for (int k = 0; k < 8; k++)
        assert_true(s0.seed != committee_member_seed(5, 3, k));
}

static void test_hypersearch_bad_bounds(void **state)
{
    (void)state;
    hypersearch_bounds good, b;
    hypersearch_default_bounds(&good);
    for (int i = 0; i < 8; i++) {
        b = good;
        switch (i) {
        case 0: b.n_candidates = 0; break;
        case 1: b.layers_min = 0; break;
        case 2: b.layers_max = 1; break;
        case 3: b.layers_max = HYPERSEARCH_MAX_LAYERS + 1; break;
        case 4: b.width_max = 10; break;
        case 5: b.lr_min = 0.0; break;
        case 6: b.lr_max = 1e-7; break;
        case 7: b.batch_min = 0; break;
        }
        alfe_error_clear();
        if (hypersearch_check_bounds(&b) != ALFE_ERR_INPUT)
            fail_msg("bad bounds %d accepted", i);
        assert_true(strlen(alfe_error_message()) > 0);
    }
    alfe_error_clear();
}

static void test_hypersearch_rank_and_replace(void **state)
{
    (void)state;
    const double scores[6] = {3.0, NAN, 1.0, INFINITY, 1.0, 2.0};
    int order[6];
    hypersearch_rank(6, scores, order);
    const int want[6] = {2, 4, 5, 0, 1, 3};
    assert_memory_equal(order, want, sizeof want);
    /* The winner replaces the current model only when strictly better. */
    assert_int_equal(hypersearch_replaces(1.0, 2.0), 1);
    assert_int_equal(hypersearch_replaces(2.0, 1.0), 0);
    assert_int_equal(hypersearch_replaces(1.0, 1.0), 0);
    assert_int_equal(hypersearch_replaces(NAN, 1.0), 0);
    assert_int_equal(hypersearch_replaces(INFINITY, INFINITY), 0);
    assert_int_equal(hypersearch_replaces(1.0, INFINITY), 1);
    assert_int_equal(hypersearch_replaces(1.0, NAN), 1);
}

/* ---- The IDNN adapter and committee (serial) ------------------------------ */

#define TR_N 20

typedef struct {
    double eta[TR_N * 2], mu[TR_N * 2], weight[TR_N], eta_ref[2], g_ref[1];
    idnn_batch all;
} idnn_data;

static void make_idnn_data(idnn_data *s)
{
    rng_stream rng;
    rng_stream_init(&rng, 31, 0, RNG_PURPOSE_TEST);
    for (int p = 0; p < TR_N; p++) {
        s->eta[2 * p] = rng_uniform(&rng);
        s->eta[2 * p + 1] = rng_uniform(&rng) - 0.5;
        const double e0 = s->eta[2 * p], e1 = s->eta[2 * p + 1];
        s->mu[2 * p] = 0.6 * e0 - 0.2 + 0.4 * e1 * e1 + 0.01 * rng_normal(&rng);
        s->mu[2 * p + 1] = e1 + 0.8 * e0 * e1 + 0.01 * rng_normal(&rng);
        s->weight[p] = 1.0 + p % 4;
    }
    s->eta_ref[0] = 0.2;
    s->eta_ref[1] = 0.1;
    s->g_ref[0] = 0.05;
    memset(&s->all, 0, sizeof s->all);
    s->all.n = TR_N;
    s->all.eta = s->eta;
    s->all.mu = s->mu;
    s->all.weight = s->weight;
    s->all.n_ref = 1;
    s->all.eta_ref = s->eta_ref;
    s->all.g_ref = s->g_ref;
    s->all.w_g = 0.3;
    s->all.w_mu = 2.0;
}

static idnn_arch small_arch(int m, int activation)
{
    idnn_arch a;
    memset(&a, 0, sizeof a);
    a.n_inputs = m;
    a.n_layers = 2;
    a.width[0] = 5;
    a.width[1] = 4;
    a.activation[0] = IDNN_TANH;
    a.activation[1] = activation;
    a.scale = 10.0;
    return a;
}

static void test_idnn_trainer(void **state)
{
    (void)state;
    const char *formulas[3] = {"e0", "e0^2 + e1^2", "e0*e1^2"};
    invariant_set *inv = NULL;
    assert_int_equal(invariant_set_from_formulas(formulas, 3, 2, &inv), ALFE_OK);
    idnn_data *s = calloc(1, sizeof *s);
    make_idnn_data(s);
    idnn_arch arch = small_arch(3, IDNN_SOFTPLUS);
    idnn *net = NULL;
    assert_int_equal(idnn_create(&arch, &net), ALFE_OK);
    rng_stream rng;
    rng_stream_init(&rng, 3, 0, RNG_PURPOSE_TEST);
    idnn_init_glorot(net, &rng);
    for (size_t j = 0; j < net->n_params; j++)  /* non-zero biases too */
        net->params[j] += 0.05 * rng_normal(&rng);

    idnn_trainer *t = NULL;
    assert_int_equal(idnn_trainer_create(inv, &s->all, &t), ALFE_OK);
    assert_int_equal(idnn_trainer_bind(t, net, 4), ALFE_OK);
    /* Indexed samples (a repeat included) against the same rows gathered
     * by hand through the plain-loop twin. */
    const int idx[4] = {5, 2, 17, 2};
    double eta[8], mu[8], w[4];
    for (int k = 0; k < 4; k++) {
        memcpy(eta + 2 * k, s->eta + 2 * idx[k], 2 * sizeof(double));
        memcpy(mu + 2 * k, s->mu + 2 * idx[k], 2 * sizeof(double));
        w[k] = s->weight[idx[k]];
    }
    idnn_batch b = s->all;
    b.n = 4;
    b.eta = eta;
    b.mu = mu;
    b.weight = w;
    const size_t np = net->n_params;
    double *g1 = malloc(np * sizeof *g1), *g2 = malloc(np * sizeof *g2);
    double l1, l2, l3;
    assert_int_equal(idnn_trainer_loss(t, idx, 4, net->params, &l1, g1), ALFE_OK);
    assert_int_equal(idnn_loss_naive(net, inv, &b, &l2, g2), ALFE_OK);
    ASSERT_NEAR(l1, l2, 1e-12 * fabs(l2), "adapter loss vs gathered batch");
    for (size_t j = 0; j < np; j++)
        ASSERT_NEAR(g1[j], g2[j], 1e-10 * (1.0 + fabs(g2[j])), "adapter gradient");
    assert_int_equal(idnn_trainer_loss(t, idx, 4, net->params, &l3, NULL), ALFE_OK);
    assert_true(l3 == l1);
    /* Sample weights and the reference term reach the loss. */
    b.weight = NULL;
    assert_int_equal(idnn_loss_naive(net, inv, &b, &l2, NULL), ALFE_OK);
    assert_true(fabs(l2 - l1) > 1e-6 * fabs(l1));
    /* params other than the net's block are copied in. */
    double *p2 = malloc(np * sizeof *p2);
    for (size_t j = 0; j < np; j++)
        p2[j] = net->params[j] * 1.01;
    assert_int_equal(idnn_trainer_loss(t, idx, 4, p2, &l3, NULL), ALFE_OK);
    assert_memory_equal(net->params, p2, np * sizeof *p2);
    assert_true(l3 != l1);
    /* More samples than bound for: an error, not an overflow. */
    const int many[5] = {0, 1, 2, 3, 4};
    alfe_error_clear();
    assert_int_equal(idnn_trainer_loss(t, many, 5, net->params, &l3, NULL), ALFE_ERR_RUNTIME);
    alfe_error_clear();
    /* Training through the adapter lowers the loss on all samples. */
    train_settings ts = plain_settings(TRAIN_ADAM, 0.01, 60, 8);
    int all_idx[TR_N];
    for (int i = 0; i < TR_N; i++)
        all_idx[i] = i;
    assert_int_equal(idnn_trainer_bind(t, net, TR_N), ALFE_OK);
    double before, after;
    assert_int_equal(idnn_trainer_loss(t, all_idx, TR_N, net->params, &before, NULL), ALFE_OK);
    train_report r;
    assert_int_equal(idnn_trainer_bind(t, net, train_max_call_samples(&ts)), ALFE_OK);
    assert_int_equal(train_run(&ts, np, net->params, TR_N, idnn_trainer_loss, t, &r), ALFE_OK);
    assert_int_equal(idnn_trainer_bind(t, net, TR_N), ALFE_OK);
    assert_int_equal(idnn_trainer_loss(t, all_idx, TR_N, net->params, &after, NULL), ALFE_OK);
    assert_true(after < 0.8 * before);

    free(g1);
    free(g2);
    free(p2);
    idnn_trainer_destroy(&t);
    assert_null(t);
    idnn_destroy(&net);
    free(s);
    invariant_set_destroy(&inv);
}

static void test_idnn_committee_serial(void **state)
{
    (void)state;
    const char *formulas[3] = {"e0", "e0^2 + e1^2", "e0*e1^2"};
    invariant_set *inv = NULL;
    assert_int_equal(invariant_set_from_formulas(formulas, 3, 2, &inv), ALFE_OK);
    idnn_data *s = calloc(1, sizeof *s);
    make_idnn_data(s);
    idnn_arch archs[3] = {small_arch(3, IDNN_TANH), small_arch(3, IDNN_SOFTPLUS),
                          small_arch(3, IDNN_SIGMOID)};
    idnn_committee *c = NULL, *c2 = NULL;
    archs[1].n_inputs = 4;
    assert_int_equal(idnn_committee_create(inv, 3, archs, &c), ALFE_ERR_INPUT);
    assert_null(c);
    alfe_error_clear();
    archs[1].n_inputs = 3;
    assert_int_equal(idnn_committee_create(inv, 3, archs, &c), ALFE_OK);
    assert_int_equal(idnn_committee_create(inv, 3, archs, &c2), ALFE_OK);
    /* Fresh starts are keyed: same seed and round, same weights; members
     * differ from each other. */
    idnn_committee_init_fresh(c, 5, 1);
    idnn_committee_init_fresh(c2, 5, 1);
    for (int k = 0; k < 3; k++)
        assert_memory_equal(c->members[k]->params, c2->members[k]->params,
                            c->members[k]->n_params * sizeof(double));
    assert_memory_not_equal(c->members[0]->params, c->members[1]->params, 8 * sizeof(double));
    idnn_committee_init_fresh(c2, 5, 2);
    assert_memory_not_equal(c->members[0]->params, c2->members[0]->params, 8 * sizeof(double));

    train_settings base = plain_settings(TRAIN_RMSPROP, 0.01, 5, 6);
    base.validation_fraction = 0.25;
    train_report reports[3];
    assert_int_equal(idnn_committee_train(c, &s->all, &base, 5, 1, 1, reports), ALFE_OK);
    /* Validation losses as training saw them (no early stopping here: the
     * last epoch's loss is the returned weights'). */
    double losses[3];
    assert_int_equal(idnn_committee_validation_losses(c, &s->all, &base, 5, 1, losses), ALFE_OK);
    for (int k = 0; k < 3; k++)
        ASSERT_NEAR(losses[k], reports[k].validation_loss, 1e-12 * fabs(losses[k]),
                    "validation loss of a member");

    /* Committee mean and spread against the members' own predictions. */
    enum { NP = 600 };  /* more than one prediction block (IDNN_COMMITTEE_BLOCK) */
    double *eta = malloc(NP * 2 * sizeof *eta);
    rng_stream rng;
    rng_stream_init(&rng, 9, 0, RNG_PURPOSE_TEST);
    for (int i = 0; i < NP * 2; i++)
        eta[i] = rng_uniform(&rng) - 0.3;
    double *gm = malloc(NP * sizeof *gm), *gs = malloc(NP * sizeof *gs);
    double *mm = malloc(NP * 2 * sizeof *mm), *ms = malloc(NP * 2 * sizeof *ms);
    double *g = malloc(3 * NP * sizeof *g), *mu = malloc(3 * NP * 2 * sizeof *mu);
    double *hess = malloc(NP * 4 * sizeof *hess);
    assert_true(NP > IDNN_COMMITTEE_BLOCK);
    idnn_committee_output out = {.g_mean = gm, .g_std = gs, .mu_mean = mm, .mu_std = ms};
    assert_int_equal(idnn_committee_predict(c, NP, eta, &out), ALFE_OK);
    for (int k = 0; k < 3; k++)
        assert_int_equal(idnn_predict_naive(c->members[k], inv, NP, eta, g + k * NP,
                                            mu + k * NP * 2, NULL),
                         ALFE_OK);
    for (int i = 0; i < NP; i++) {
        double m = (g[i] + g[NP + i] + g[2 * NP + i]) / 3.0, v = 0.0;
        for (int k = 0; k < 3; k++)
            v += (g[k * NP + i] - m) * (g[k * NP + i] - m) / 3.0;
        ASSERT_NEAR(gm[i], m, 1e-12, "committee mean g");
        ASSERT_NEAR(gs[i], sqrt(v), 1e-10, "committee spread g");
        for (int j = 0; j < 2; j++) {
            double mmu = 0.0;
            for (int k = 0; k < 3; k++)
                mmu += mu[k * NP * 2 + i * 2 + j] / 3.0;
            ASSERT_NEAR(mm[i * 2 + j], mmu, 1e-11, "committee mean mu");
        }
        assert_true(gs[i] > 0.0 && ms[2 * i] > 0.0);
    }
    double *hn = malloc(NP * 4 * sizeof *hn);
    assert_int_equal(idnn_committee_member_predict(c, 2, NP, eta, NULL, NULL, hess), ALFE_OK);
    assert_int_equal(idnn_predict_naive(c->members[2], inv, NP, eta, NULL, NULL, hn), ALFE_OK);
    for (int i = 0; i < NP * 4; i++)
        ASSERT_NEAR(hess[i], hn[i], 1e-9 * (1.0 + fabs(hn[i])), "member Hessian");
    assert_int_equal(idnn_committee_member_predict(c, 3, 1, eta, NULL, NULL, NULL),
                     ALFE_ERR_INPUT);
    alfe_error_clear();

    free(eta);
    free(gm);
    free(gs);
    free(mm);
    free(ms);
    free(g);
    free(mu);
    free(hess);
    free(hn);
    idnn_committee_destroy(&c);
    idnn_committee_destroy(&c2);
    assert_null(c);
    free(s);
    invariant_set_destroy(&inv);
}

/* idnn_committee_predict against references built from the members' own
 * predictions (idnn_committee_member_predict, the per-member path):
 *   mean     = (Σ_k v_k in member order) / K, bit for bit;
 *   spread   = √(Σ_k (v_k − mean)² / K), the two-pass population value;
 *   Hessian  = Σ_k (H_k / K) in member order, bit for bit;
 *   eigenvalues = dsyev of that mean Hessian, ascending.
 * Members of different widths, more points than one block, repeated calls
 * (the work area is reused) and partial requests give the same numbers. */
static void test_committee_predict(void **state)
{
    (void)state;
    enum { K = 3, D = 3, NP = 2 * IDNN_COMMITTEE_BLOCK + 37 };
    const char *formulas[4] = {"e0", "e1^2 + e2^2", "e0*e1^2 + e0*e2^2", "e1^2*e2^2"};
    invariant_set *inv = NULL;
    assert_int_equal(invariant_set_from_formulas(formulas, 4, D, &inv), ALFE_OK);
    idnn_arch archs[K] = {small_arch(4, IDNN_TANH), small_arch(4, IDNN_SOFTPLUS),
                          small_arch(4, IDNN_SIGMOID)};
    archs[2].width[0] = 7; /* a member of another shape: its own work area */
    idnn_committee *c = NULL;
    assert_int_equal(idnn_committee_create(inv, K, archs, &c), ALFE_OK);
    idnn_committee_init_fresh(c, 11, 0);

    double *eta = malloc((size_t)NP * D * sizeof *eta);
    rng_stream rng;
    rng_stream_init(&rng, 13, 0, RNG_PURPOSE_TEST);
    for (int i = 0; i < NP * D; i++)
        eta[i] = 1.6 * rng_uniform(&rng) - 0.8;
    double *g = malloc((size_t)K * NP * sizeof *g);
    double *mu = malloc((size_t)K * NP * D * sizeof *mu);
    double *h = malloc((size_t)K * NP * D * D * sizeof *h);
    for (int k = 0; k < K; k++)
        assert_int_equal(idnn_committee_member_predict(c, k, NP, eta, g + (size_t)k * NP,
                                                       mu + (size_t)k * NP * D,
                                                       h + (size_t)k * NP * D * D),
                         ALFE_OK);
    double *gm = malloc(NP * sizeof *gm), *gs = malloc(NP * sizeof *gs);
    double *mm = malloc((size_t)NP * D * sizeof *mm), *ms = malloc((size_t)NP * D * sizeof *ms);
    double *hm = malloc((size_t)NP * D * D * sizeof *hm), *ev = malloc((size_t)NP * D * sizeof *ev);
    idnn_committee_output out = {gm, gs, mm, ms, hm, ev};
    assert_int_equal(idnn_committee_predict(c, NP, eta, &out), ALFE_OK);

    for (int i = 0; i < NP; i++) {
        /* g: mean bit for bit, spread by the two-pass formula. */
        double sum = 0.0;
        for (int k = 0; k < K; k++)
            sum += g[(size_t)k * NP + i];
        const double mean = sum / K;
        assert_true(gm[i] == mean);
        double v = 0.0;
        for (int k = 0; k < K; k++)
            v += (g[(size_t)k * NP + i] - mean) * (g[(size_t)k * NP + i] - mean);
        ASSERT_NEAR(gs[i], sqrt(v / K), 1e-15 * (1.0 + fabs(gs[i])), "two-pass spread of g");
        assert_true(gs[i] > 0.0);
        for (int j = 0; j < D; j++) {
            double s_mu = 0.0;
            for (int k = 0; k < K; k++)
                s_mu += mu[((size_t)k * NP + i) * D + j];
            const double m_mu = s_mu / K;
            assert_true(mm[(size_t)i * D + j] == m_mu);
            double v_mu = 0.0;
            for (int k = 0; k < K; k++) {
                const double r = mu[((size_t)k * NP + i) * D + j] - m_mu;
                v_mu += r * r;
            }
            ASSERT_NEAR(ms[(size_t)i * D + j], sqrt(v_mu / K),
                        1e-15 * (1.0 + fabs(ms[(size_t)i * D + j])), "two-pass spread of mu");
        }
        /* The mean Hessian, then its eigenvalues by dsyev, ascending. */
        double href[D * D], eref[D];
        for (int a = 0; a < D * D; a++) {
            href[a] = 0.0;
            for (int k = 0; k < K; k++)
                href[a] += h[((size_t)k * NP + i) * D * D + a] / K;
            assert_true(hm[(size_t)i * D * D + a] == href[a]);
        }
        assert_int_equal(linalg_sym_eigen(href, D, eref, NULL), ALFE_OK);
        for (int j = 0; j < D; j++) {
            assert_true(ev[(size_t)i * D + j] == eref[j]);
            if (j > 0)
                assert_true(ev[(size_t)i * D + j - 1] <= ev[(size_t)i * D + j]);
        }
    }

    /* Again, with only some outputs and on fewer points: the same numbers. */
    double *gm2 = malloc(NP * sizeof *gm2), *ev2 = malloc((size_t)NP * D * sizeof *ev2);
    idnn_committee_output part = {.g_mean = gm2, .hess_eig = ev2};
    assert_int_equal(idnn_committee_predict(c, NP, eta, &part), ALFE_OK);
    assert_memory_equal(gm2, gm, NP * sizeof *gm);
    assert_memory_equal(ev2, ev, (size_t)NP * D * sizeof *ev);
    idnn_committee_output one = {.g_mean = gm2, .mu_mean = mm, .hess_mean = hm};
    assert_int_equal(idnn_committee_predict(c, 1, eta + (size_t)5 * D, &one), ALFE_OK);
    assert_true(gm2[0] == gm[5]);

    /* One member: the mean is the member, the spread zero. */
    idnn_committee *solo = NULL;
    assert_int_equal(idnn_committee_create(inv, 1, archs, &solo), ALFE_OK);
    idnn_committee_init_fresh(solo, 11, 0);
    idnn_committee_output so = {.g_mean = gm2, .g_std = gs};
    assert_int_equal(idnn_committee_predict(solo, NP, eta, &so), ALFE_OK);
    for (int i = 0; i < NP; i++) {
        assert_true(gm2[i] == g[i]);
        assert_true(gs[i] == 0.0);
    }

    idnn_committee_destroy(&solo);
    idnn_committee_destroy(&c);
    free(eta);
    free(g);
    free(mu);
    free(h);
    free(gm);
    free(gs);
    free(mm);
    free(ms);
    free(hm);
    free(ev);
    free(gm2);
    free(ev2);
    invariant_set_destroy(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_settings),
        cmocka_unit_test(test_rmsprop_steps),
        cmocka_unit_test(test_adam_steps),
        cmocka_unit_test(test_lr_decay_per_round),
        cmocka_unit_test(test_convex_quadratic),
        cmocka_unit_test(test_least_squares),
        cmocka_unit_test(test_reduce_on_plateau),
        cmocka_unit_test(test_early_stopping_restores_best),
        cmocka_unit_test(test_divergence),
        cmocka_unit_test(test_shuffled_validation_split),
        cmocka_unit_test(test_epoch_shuffle),
        cmocka_unit_test(test_bootstrap),
        cmocka_unit_test(test_chunk_weights),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_comm_group_without_mpi),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_validation_loss_function),
        cmocka_unit_test(test_committee_statistics),
        cmocka_unit_test(test_committee_seeds),
        cmocka_unit_test(test_committee_one_rank),
        cmocka_unit_test(test_hypersearch_draws),
        cmocka_unit_test(test_hypersearch_bad_bounds),
        cmocka_unit_test(test_hypersearch_rank_and_replace),
        cmocka_unit_test(test_idnn_trainer),
        cmocka_unit_test(test_idnn_committee_serial),
        cmocka_unit_test(test_committee_predict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
