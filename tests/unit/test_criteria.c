/* test_criteria.c — the active-learning criteria and filters (src/acquire/
 * criterion.c, special.c, uncertainty.c, physics.c, select.c, weights.c) on
 * analytic free energies with known answers.
 *
 * The pool's "committee predictions" come from a closed form in 3-D:
 *   g(η) = (u² − 1)² + β v² + γ w²,   (u, v, w) = R η,  R a fixed rotation,
 * so μ = Rᵀ ∇f exactly and the Hessian Rᵀ diag(12u² − 4, 2β, 2γ) R has the
 * eigenvalues {12u² − 4, 2β, 2γ}; the minima are η = Rᵀ(±1, 0, 0).  The
 * eigenvalues are handed over in the order (2β, 2γ, 12u² − 4), i.e. NOT
 * ascending: a criterion that reads "the first eigenvalue" as the smallest
 * (the published defect) then gets the wrong answer and the tests fail.
 * The committee spread is planted: σ(μ_j) = 0.05 (1 + j) + exp(−|η − c|²/0.1)
 * with a known centre c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/acquire/criterion.h"
#include "alfe/acquire/physics.h"
#include "alfe/acquire/select.h"
#include "alfe/acquire/special.h"
#include "alfe/acquire/uncertainty.h"
#include "alfe/acquire/weights.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/space/domain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D 3
#define NPOOL 3000
#define BETA 1.0
#define GAMMA 0.5

static const double QBC_CENTER[D] = {0.7, -0.4, 0.3};

typedef struct {
    double eta[NPOOL * D], g[NPOOL], g_std[NPOOL], mu[NPOOL * D], mu_std[NPOOL * D];
    double eig[NPOOL * D];
    acquire_pool pool;
} fixture;

static double R[D * D]; /* rotation: u = R η */

static void make_rotation(void)
{
    /* R = Rz(a) Rx(b): orthogonal by construction. */
    const double a = 0.6, b = -0.9;
    const double rz[9] = {cos(a), -sin(a), 0, sin(a), cos(a), 0, 0, 0, 1};
    const double rx[9] = {1, 0, 0, 0, cos(b), -sin(b), 0, sin(b), cos(b)};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
                s += rz[i * 3 + k] * rx[k * 3 + j];
            R[i * 3 + j] = s;
        }
}

/* Exact g, μ and the eigenvalues (unsorted order 2β, 2γ, 12u² − 4). */
static void analytic(const double *eta, double *g, double *mu, double *eig)
{
    double u[D] = {0, 0, 0};
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++)
            u[i] += R[i * D + j] * eta[j];
    *g = (u[0] * u[0] - 1) * (u[0] * u[0] - 1) + BETA * u[1] * u[1] + GAMMA * u[2] * u[2];
    const double df[D] = {4 * u[0] * (u[0] * u[0] - 1), 2 * BETA * u[1], 2 * GAMMA * u[2]};
    for (int j = 0; j < D; j++) {
        mu[j] = 0.0;
        for (int i = 0; i < D; i++)
            mu[j] += R[i * D + j] * df[i];
    }
    eig[0] = 2 * BETA;
    eig[1] = 2 * GAMMA;
    eig[2] = 12 * u[0] * u[0] - 4;
}

static double exact_lambda_min(const double *eig)
{
    return fmin(eig[0], fmin(eig[1], eig[2]));
}

static double exact_lambda_absmax(const double *eig)
{
    return fmax(fabs(eig[0]), fmax(fabs(eig[1]), fabs(eig[2])));
}

static fixture *make_pool(void)
{
    make_rotation();
    fixture *f = calloc(1, sizeof *f);
    rng_stream rng;
    rng_stream_init(&rng, 7, 1, RNG_PURPOSE_TEST);
    for (int i = 0; i < NPOOL; i++) {
        double *e = f->eta + i * D;
        for (int j = 0; j < D; j++)
            e[j] = -1.6 + 3.2 * rng_uniform(&rng);
        analytic(e, &f->g[i], f->mu + i * D, f->eig + i * D);
        double r2 = 0.0;
        for (int j = 0; j < D; j++)
            r2 += (e[j] - QBC_CENTER[j]) * (e[j] - QBC_CENTER[j]);
        for (int j = 0; j < D; j++)
            f->mu_std[i * D + j] = 0.05 * (1 + j) + exp(-r2 / 0.1);
        f->g_std[i] = 0.01;
    }
    f->pool = (acquire_pool){.n = NPOOL, .d = D, .eta = f->eta, .g_mean = f->g, .g_std = f->g_std,
                             .mu_mean = f->mu, .mu_std = f->mu_std, .hess_eig = f->eig};
    return f;
}

static int compare_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(const double *v, int n, double q)
{
    double *s = malloc(sizeof(double) * (size_t)n);
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), compare_double);
    const double r = s[(int)(q * (n - 1))];
    free(s);
    return r;
}

static void test_registry(void **state)
{
    (void)state;
    for (int id = 0; id < CRITERION_COUNT; id++) {
        const criterion_def *def = criterion_get(id);
        assert_non_null(def);
        assert_int_equal(def->id, id);
        assert_string_equal(def->name, criterion_names[id]);
        assert_int_equal(criterion_find(def->name), id);
        assert_true((def->propose == NULL) == (id <= CRITERION_GLOBAL_SOBOL));
    }
    assert_null(criterion_get(CRITERION_COUNT));
    assert_int_equal(criterion_find("qbc"), CRITERION_QBC);
    assert_int_equal(criterion_find("nope"), -1);
    /* Published names of the ids already stored in campaign files. */
    assert_string_equal(criterion_names[0], "global_billiard");
    assert_string_equal(criterion_names[1], "global_sobol");

    criterion_settings s;
    criterion_settings_default(&s);
    assert_int_equal(criterion_settings_check(&s, "qbc"), ALFE_OK);
    assert_true(s.diversity == 1);
    s.oversample = 0.5;
    alfe_error_clear();
    assert_int_equal(criterion_settings_check(&s, "qbc"), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "[qbc] oversample"));
    alfe_error_clear();
}

/* Every instability point has a negative exact smallest eigenvalue, all such
 * pool points are found, most negative first. */
static void test_instability(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    s.tolerance = 0.0;
    criterion_input in = {.pool = &f->pool};
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(instability_propose(&in, &s, &c, &n), ALFE_OK);
    int expected = 0;
    for (int i = 0; i < NPOOL; i++)
        expected += exact_lambda_min(f->eig + i * D) < 0.0;
    assert_true(expected > 100);
    assert_int_equal(n, expected);
    for (int r = 0; r < n; r++) {
        const double lmin = exact_lambda_min(f->eig + c[r].index * D);
        assert_true(lmin < 0.0);
        if (r > 0)
            assert_true(exact_lambda_min(f->eig + c[r - 1].index * D) <= lmin);
    }
    free(c);

    /* Band: |λ_min| < band, closest to the spinodal first. */
    s.band = 0.2;
    assert_int_equal(instability_propose(&in, &s, &c, &n), ALFE_OK);
    assert_true(n > 0);
    for (int r = 0; r < n; r++) {
        const double a = fabs(exact_lambda_min(f->eig + c[r].index * D));
        assert_true(a < 0.2);
        if (r > 0)
            assert_true(fabs(exact_lambda_min(f->eig + c[r - 1].index * D)) <= a);
    }
    free(c);

    f->pool.hess_eig = NULL;
    alfe_error_clear();
    assert_int_equal(instability_propose(&in, &s, &c, &n), ALFE_ERR_INPUT);
    alfe_error_clear();
    free(f);
}

/* The top find-wells points lie near the exact minima Rᵀ(±1, 0, 0). */
static void test_wells(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    criterion_input in = {.pool = &f->pool};
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(wells_propose(&in, &s, &c, &n), ALFE_OK);
    assert_true(n >= 5);
    for (int r = 0; r < 5; r++) {
        double dmin = INFINITY;
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            double d2 = 0.0;
            for (int j = 0; j < D; j++) {
                const double m = sgn * R[0 * D + j]; /* Rᵀ e0 = row 0 of R */
                d2 += (c[r].eta[j] - m) * (c[r].eta[j] - m);
            }
            dmin = fmin(dmin, sqrt(d2));
        }
        /* The pool is sparse (spacing ≈ 0.22) and the flattest direction has
         * curvature 2γ = 1, so |η − η*| ≲ |μ̂|; about 6 pool points have
         * |μ̂| < 0.5. */
        assert_true(dmin < 0.5);
        assert_true(dmin < 1.2 * -c[r].score + 0.05);
        assert_true(exact_lambda_min(f->eig + c[r].index * D) > 0.0);
        if (r > 0)
            assert_true(c[r - 1].score >= c[r].score);
    }
    free(c);

    /* Chord: with μ0 re-referenced by a slope s the key is |μ − s e0|. */
    s.chord = 1;
    s.chord_slope = 0.5;
    assert_int_equal(wells_propose(&in, &s, &c, &n), ALFE_OK);
    const double *mu = f->mu + c[0].index * D;
    const double key = sqrt((mu[0] - 0.5) * (mu[0] - 0.5) + mu[1] * mu[1] + mu[2] * mu[2]);
    assert_true(fabs(-c[0].score - key) < 1e-12);
    free(c);
    double slope = 0.0;
    assert_int_equal(physics_chord_slope(&f->pool, &slope), ALFE_OK);
    assert_true(isfinite(slope));
    free(f);
}

/* QBC points have a larger committee spread than the pool's 90th percentile. */
static void test_qbc(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    criterion_input in = {.pool = &f->pool};
    double *spread = malloc(sizeof(double) * NPOOL);
    for (int i = 0; i < NPOOL; i++) {
        spread[i] = 0.0;
        for (int j = 0; j < D; j++)
            spread[i] += f->mu_std[i * D + j] * f->mu_std[i * D + j];
    }
    const double p90 = quantile(spread, NPOOL, 0.9);
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(qbc_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, NPOOL);
    for (int r = 0; r < 50; r++)
        assert_true(spread[c[r].index] > p90);
    /* Deterministic: the same input gives the same bits. */
    acquire_candidate *c2 = NULL;
    int n2 = 0;
    assert_int_equal(qbc_propose(&in, &s, &c2, &n2), ALFE_OK);
    assert_int_equal(n2, n);
    assert_memory_equal(c, c2, sizeof(acquire_candidate) * (size_t)n);
    free(c2);
    free(c);
    /* with_g adds σ(g)². */
    assert_true(fabs(qbc_spread(&f->pool, 5, 1) - spread[5] - 1e-4) < 1e-15);
    free(spread);
    free(f);
}

/* Sensitivity points have a larger |λ|max than the pool median. */
static void test_sensitivity(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    criterion_input in = {.pool = &f->pool};
    double *big = malloc(sizeof(double) * NPOOL);
    for (int i = 0; i < NPOOL; i++)
        big[i] = exact_lambda_absmax(f->eig + i * D);
    const double median = quantile(big, NPOOL, 0.5);
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(sensitivity_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, NPOOL);
    for (int r = 0; r < 50; r++) {
        assert_true(big[c[r].index] > median);
        if (r > 0)
            assert_true(big[c[r - 1].index] >= big[c[r].index]);
    }
    free(c);
    free(big);
    free(f);
}

/* Lowest free energy: one candidate per non-empty η0 bin, the exact
 * per-bin minimum of the pool, bins ordered by g ascending. */
static void test_lowest_g(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    s.bins = 8;
    criterion_input in = {.pool = &f->pool};
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < NPOOL; i++) {
        lo = fmin(lo, f->eta[i * D]);
        hi = fmax(hi, f->eta[i * D]);
    }
    int best[8];
    for (int b = 0; b < 8; b++)
        best[b] = -1;
    for (int i = 0; i < NPOOL; i++) {
        int b = (int)((f->eta[i * D] - lo) / ((hi - lo) / 8));
        if (b > 7) b = 7;
        if (best[b] < 0 || f->g[i] < f->g[best[b]]) best[b] = i;
    }
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(lowest_g_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, 8);
    int seen[8] = {0};
    for (int r = 0; r < n; r++) {
        int found = -1;
        for (int b = 0; b < 8; b++)
            if (best[b] == c[r].index) found = b;
        assert_true(found >= 0);
        assert_int_equal(seen[found], 0);
        seen[found] = 1;
        assert_true(c[r].score == -f->g[c[r].index]);
        if (r > 0)
            assert_true(f->g[c[r - 1].index] <= f->g[c[r].index]);
    }
    free(c);
    free(f);
}

/* High error ranks a planted worst row first; n = 0 and missing μ̂. */
static void test_high_error(void **state)
{
    (void)state;
    enum { N = 40 };
    double eta[N * D], mu[N * D], pred[N * D];
    int64_t row[N];
    for (int i = 0; i < N; i++) {
        row[i] = 1000 + i;
        for (int j = 0; j < D; j++) {
            eta[i * D + j] = 0.01 * i + j;
            mu[i * D + j] = sin(i + j);
            pred[i * D + j] = mu[i * D + j] + 0.01 * cos(3 * i + j); /* small errors */
        }
    }
    pred[17 * D + 1] += 0.5; /* the planted worst row */
    pred[3 * D + 2] -= 0.3;  /* the second */
    acquire_data prev = {.n = N, .d = D, .eta = eta, .mu = mu, .mu_pred = pred, .row = row};
    criterion_input in = {.prev = &prev};
    criterion_settings s;
    criterion_settings_default(&s);
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(high_error_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, N);
    assert_true(c[0].index == 1017);
    assert_true(c[1].index == 1003);
    assert_int_equal(c[0].source, ACQUIRE_SOURCE_DATA);
    assert_memory_equal(c[0].eta, eta + 17 * D, sizeof(double) * D);
    for (int r = 1; r < n; r++)
        assert_true(c[r - 1].score >= c[r].score);
    free(c);

    prev.n = 0;
    c = (acquire_candidate *)&prev; /* must be reset */
    assert_int_equal(high_error_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, 0);
    assert_null(c);
    in.prev = NULL;
    assert_int_equal(high_error_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, 0);
    /* A round with no done rows may come with no arrays at all. */
    acquire_data none = {.n = 0, .d = D};
    in.prev = &none;
    assert_int_equal(high_error_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, 0);
    assert_null(c);

    prev.n = N;
    prev.mu_pred = NULL;
    in.prev = &prev;
    alfe_error_clear();
    assert_int_equal(high_error_propose(&in, &s, &c, &n), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "mu_pred"));
    alfe_error_clear();
}

static double min_pairwise(const acquire_candidate *c, int n)
{
    double m = INFINITY;
    for (int a = 0; a < n; a++)
        for (int b = a + 1; b < n; b++) {
            double d2 = 0.0;
            for (int j = 0; j < D; j++)
                d2 += (c[a].eta[j] - c[b].eta[j]) * (c[a].eta[j] - c[b].eta[j]);
            m = fmin(m, sqrt(d2));
        }
    return m;
}

/* Diversity raises the minimum pairwise distance over plain top-k (QBC on
 * the planted pool: its top candidates pile onto the spread's centre). */
static void test_diversity(void **state)
{
    (void)state;
    fixture *f = make_pool();
    criterion_settings s;
    criterion_settings_default(&s);
    criterion_input in = {.pool = &f->pool};
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(qbc_propose(&in, &s, &c, &n), ALFE_OK);
    const int k = 10;
    const double plain = min_pairwise(c, k);
    const int64_t best = c[0].index;
    int chosen = 0;
    assert_int_equal(select_diversity(c, n, D, k, 4.0, &chosen), ALFE_OK);
    assert_int_equal(chosen, k);
    const double diverse = min_pairwise(c, k);
    assert_true(c[0].index == best); /* the best stays first */
    assert_true(diverse > 1.5 * plain);
    /* Chosen from the top 4k only. */
    double *spread = malloc(sizeof(double) * NPOOL);
    for (int i = 0; i < NPOOL; i++)
        spread[i] = qbc_spread(&f->pool, i, 0);
    const double cut = quantile(spread, NPOOL, 1.0 - 4.0 * k / NPOOL - 1e-9);
    for (int r = 0; r < k; r++)
        assert_true(spread[c[r].index] >= cut);
    free(spread);
    free(c);
    free(f);
}

/* Novelty removes a planted duplicate of an existing row and keeps distinct
 * points; the BLAS distances match direct ones. */
static void test_novelty(void **state)
{
    (void)state;
    enum { NR = 1500, NC = 300 }; /* more than one dgemm block each way */
    double *rows = malloc(sizeof(double) * NR * D);
    rng_stream rng;
    rng_stream_init(&rng, 9, 2, RNG_PURPOSE_TEST);
    for (int i = 0; i < NR * D; i++)
        rows[i] = rng_uniform(&rng);
    acquire_data all = {.n = NR, .d = D, .eta = rows};
    acquire_candidate *c = calloc(NC, sizeof *c);
    for (int i = 0; i < NC; i++) {
        c[i].index = i;
        for (int j = 0; j < D; j++) /* far from the unit cube */
            c[i].eta[j] = 3.0 + 0.1 * i + j;
    }
    memcpy(c[123].eta, rows + 777 * D, sizeof(double) * D); /* planted duplicate */
    double *nov = malloc(sizeof(double) * NC);
    int n = NC, dropped = -1;
    assert_int_equal(select_novelty(c, &n, D, &all, NULL, 1, 0.05, NOVELTY_DISTANCE, nov, &dropped),
                     ALFE_OK);
    assert_int_equal(dropped, 1);
    assert_int_equal(n, NC - 1);
    assert_true(nov[123] < 1e-6);
    for (int r = 0; r < n; r++)
        assert_true(c[r].index != 123);
    for (int r = 1; r < n; r++) /* order kept */
        assert_true(c[r - 1].index < c[r].index);
    /* A direct check of one distance (k = 1). */
    double dmin = INFINITY;
    for (int q = 0; q < NR; q++) {
        double d2 = 0.0;
        for (int j = 0; j < D; j++)
            d2 += (c[0].eta[j] - rows[q * D + j]) * (c[0].eta[j] - rows[q * D + j]);
        dmin = fmin(dmin, sqrt(d2));
    }
    assert_true(fabs(nov[0] - dmin) < 1e-9);
    /* Off: nothing dropped. */
    n = NC;
    assert_int_equal(select_novelty(c, &n, D, &all, NULL, 1, 0.0, NOVELTY_DISTANCE, NULL, &dropped),
                     ALFE_OK);
    assert_int_equal(dropped, 0);
    free(nov);
    free(c);
    free(rows);
}

/* A 3-D parallelepiped domain (as test_sampling.c). */
static const double Q3[9] = {1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, -0.2, 0.1, 0.1, 0.3, -0.4};

/* Perturbation keeps every point inside and loses none, deterministically;
 * vertices (where most perturbations leave) exercise re-draw and reflection. */
static void test_perturb(void **state)
{
    (void)state;
    domain *dom = NULL;
    assert_int_equal(domain_create(Q3, 3, 3, &dom), ALFE_OK);
    enum { N = 64 };
    acquire_candidate c[N], c2[N];
    memset(c, 0, sizeof c);
    for (int i = 0; i < N; i++) {
        const double x[3] = {(double)(i & 1), (double)((i >> 1) & 1), (double)((i >> 2) & 1)};
        for (int r = 0; r < 3; r++) {
            c[i].eta[r] = 0.0;
            for (int s = 0; s < 3; s++)
                c[i].eta[r] += Q3[r * 3 + s] * x[s];
        }
        c[i].index = i;
    }
    c[5].eta[1] += 2.0; /* already outside: brought in, counted */
    memcpy(c2, c, sizeof c);
    rng_stream rng;
    int redrawn = 0, reflected = 0;
    select_perturb_stream(&rng, 42, 3, CRITERION_SPECIAL);
    assert_int_equal(select_perturb(c, N, 3, 0.3, 2, dom, &rng, &redrawn, &reflected), ALFE_OK);
    for (int i = 0; i < N; i++) {
        assert_true(domain_contains(dom, c[i].eta, 1e-12));
        assert_true(c[i].index == i);
    }
    assert_true(redrawn > 0);
    assert_true(reflected > 0);
    /* Same stream → same bits. */
    int r2 = 0, f2 = 0;
    select_perturb_stream(&rng, 42, 3, CRITERION_SPECIAL);
    assert_int_equal(select_perturb(c2, N, 3, 0.3, 2, dom, &rng, &r2, &f2), ALFE_OK);
    assert_memory_equal(c, c2, sizeof c);
    assert_int_equal(r2, redrawn);
    assert_int_equal(f2, reflected);
    /* No re-draws: every outside point is reflected in. */
    select_perturb_stream(&rng, 42, 4, CRITERION_SPECIAL);
    assert_int_equal(select_perturb(c2, N, 3, 1.0, 0, dom, &rng, &r2, &f2), ALFE_OK);
    assert_int_equal(r2, 0);
    assert_true(f2 > 0);
    for (int i = 0; i < N; i++)
        assert_true(domain_contains(dom, c2[i].eta, 1e-12));
    domain_destroy(&dom);
}

/* Re-weighting moves budget toward a criterion that always finds high error;
 * mean 1 over the enabled ones; the floor holds. */
static void test_weights(void **state)
{
    (void)state;
    enum { NC = 4 };
    const int enabled[NC] = {1, 1, 0, 1};
    const int base[NC] = {20, 20, 20, 20};
    double w[NC] = {1, 1, 1, 1}, wn[NC];
    int budget[NC];
    const double before[NC] = {0.01, 0.5, 0.2, 0.02}; /* criterion 1 surprises */
    const double after[NC] = {0.009, 0.1, 0.1, 0.019};
    for (int round = 0; round < 10; round++) {
        assert_int_equal(
            weights_update(NC, WEIGHT_RULE_SURPRISE, 0.5, enabled, w, before, after, wn),
            ALFE_OK);
        double mean = 0.0;
        for (int c = 0; c < NC; c++) {
            assert_true(wn[c] >= 0.0);
            mean += enabled[c] ? wn[c] / 3.0 : 0.0;
        }
        assert_true(fabs(mean - 1.0) < 1e-12);
        assert_true(wn[2] == 0.0);
        assert_true(wn[1] > wn[0] && wn[1] > wn[3]);
        memcpy(w, wn, sizeof w);
    }
    assert_true(w[1] > 2.0);
    assert_int_equal(weights_budget(NC, enabled, base, w, 3, budget), ALFE_OK);
    assert_int_equal(budget[0] + budget[1] + budget[3], 60);
    assert_int_equal(budget[2], 0);
    for (int c = 0; c < NC; c++)
        if (enabled[c]) assert_true(budget[c] >= 3);
    assert_true(budget[1] > budget[0] && budget[1] > budget[3]);
    assert_true(budget[1] > 20);

    /* No compounding: an update reads last round's weights and last round's
     * signal only, so a round without signals leaves the weights as they are
     * (the published weights kept growing from old signals). */
    const double one[NC] = {1, 1, 1, 1};
    const double quiet[NC] = {NAN, NAN, NAN, NAN};
    double w1[NC], w2[NC];
    assert_int_equal(weights_update(NC, WEIGHT_RULE_SURPRISE, 0.5, enabled, one, before, NULL, w1),
                     ALFE_OK);
    assert_int_equal(weights_update(NC, WEIGHT_RULE_SURPRISE, 0.5, enabled, w1, quiet, NULL, w2),
                     ALFE_OK);
    for (int c = 0; c < NC; c++)
        assert_true(fabs(w2[c] - w1[c]) < 1e-12);
    assert_int_equal(weights_update(NC, WEIGHT_RULE_SURPRISE, 0.5, enabled, one, quiet, NULL, wn),
                     ALFE_OK);
    for (int c = 0; c < NC; c++)
        assert_true(wn[c] == (enabled[c] ? 1.0 : 0.0));
    /* The published rule (improvement) also favours criterion 1 here. */
    assert_int_equal(
        weights_update(NC, WEIGHT_RULE_IMPROVEMENT, 0.5, enabled, one, before, after, wn),
        ALFE_OK);
    assert_true(wn[1] > wn[0] && wn[1] > wn[3]);
    /* Floor larger than the total: an error. */
    alfe_error_clear();
    assert_int_equal(weights_budget(NC, enabled, base, w, 21, budget), ALFE_ERR_INPUT);
    alfe_error_clear();
    /* MSE over rows and components, per criterion. */
    const double p[4] = {1, 2, 3, 4}, m[4] = {0, 2, 3, 2};
    const int32_t crit[2] = {5, 6};
    assert_true(fabs(weights_mse(2, 2, p, m, crit, 5) - 0.5) < 1e-15);
    assert_true(fabs(weights_mse(2, 2, p, m, NULL, 0) - 1.25) < 1e-15);
    assert_true(isnan(weights_mse(2, 2, p, m, crit, 7)));
}

/* Groups/copies: exactly n1·d1 + n2·d2 points, in order. */
static void test_groups(void **state)
{
    (void)state;
    acquire_candidate c[10];
    memset(c, 0, sizeof c);
    for (int i = 0; i < 10; i++)
        c[i].index = 100 + i;
    criterion_settings s;
    criterion_settings_default(&s);
    s.n_groups = 2;
    s.groups[0] = (criterion_group){3, 2};
    s.groups[1] = (criterion_group){2, 4};
    acquire_candidate *o = NULL;
    int n = 0, missing = -1;
    assert_int_equal(select_expand(c, 10, &s, &o, &n, &missing), ALFE_OK);
    assert_int_equal(n, 3 * 2 + 2 * 4);
    assert_int_equal(missing, 0);
    const int64_t want[14] = {100, 100, 101, 101, 102, 102, 103, 103,
                              103, 103, 104, 104, 104, 104};
    for (int i = 0; i < n; i++)
        assert_true(o[i].index == want[i]);
    free(o);
    /* Too few candidates: fewer points, counted. */
    assert_int_equal(select_expand(c, 4, &s, &o, &n, &missing), ALFE_OK);
    assert_int_equal(n, 3 * 2 + 1 * 4);
    assert_int_equal(missing, 4);
    free(o);
    /* No groups: the top `points` once. */
    s.n_groups = 0;
    s.points = 4;
    assert_int_equal(select_expand(c, 10, &s, &o, &n, &missing), ALFE_OK);
    assert_int_equal(n, 4);
    assert_true(o[3].index == 103);
    free(o);
}

/* Special points: configured points in order, then lines. */
static void test_special(void **state)
{
    (void)state;
    const double eta[3 * 2] = {0, 0, 1, 0, 0.5, 0.5};
    const int pairs[2] = {0, 1};
    acquire_special sp = {.n = 3, .d = 2, .eta = eta, .n_lines = 1, .line_pairs = pairs,
                          .line_points = 3};
    criterion_input in = {.special = &sp};
    criterion_settings s;
    criterion_settings_default(&s);
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(special_propose(&in, &s, &c, &n), ALFE_OK);
    assert_int_equal(n, 6);
    assert_int_equal(special_count(&sp), 6);
    for (int i = 0; i < n; i++)
        assert_true(c[i].index == i);
    assert_true(c[2].eta[0] == 0.5 && c[2].eta[1] == 0.5);
    assert_true(fabs(c[3].eta[0] - 0.25) < 1e-15 && fabs(c[5].eta[0] - 0.75) < 1e-15);
    free(c);
    const int bad[2] = {0, 3};
    sp.line_pairs = bad;
    alfe_error_clear();
    assert_int_equal(special_propose(&in, &s, &c, &n), ALFE_ERR_INPUT);
    alfe_error_clear();
}

/* The filters chained (select_apply) on a QBC ranking inside a domain: the
 * budget is met, a candidate sitting on an existing row is dropped, every
 * point is inside, the result is reproducible. */
static void test_select_apply(void **state)
{
    (void)state;
    domain *dom = NULL;
    assert_int_equal(domain_create(Q3, 3, 3, &dom), ALFE_OK);
    enum { N = 800 };
    static double eta[N * D], g[N], mu[N * D], mu_std[N * D];
    rng_stream rng;
    rng_stream_init(&rng, 5, 3, RNG_PURPOSE_TEST);
    for (int i = 0; i < N; i++) {
        double x[3], r2 = 0.0;
        for (int q = 0; q < 3; q++)
            x[q] = rng_uniform(&rng);
        for (int r = 0; r < 3; r++) {
            eta[i * D + r] = 0.0;
            for (int q = 0; q < 3; q++)
                eta[i * D + r] += Q3[r * 3 + q] * x[q];
            r2 += (x[r] - 0.8) * (x[r] - 0.8);
        }
        g[i] = 0.0;
        for (int j = 0; j < D; j++) {
            mu[i * D + j] = 0.0;
            mu_std[i * D + j] = exp(-r2 / 0.05); /* peaked near the corner x = 0.8 */
        }
    }
    acquire_pool pool = {.n = N, .d = D, .eta = eta, .g_mean = g, .mu_mean = mu, .mu_std = mu_std};
    criterion_settings s;
    criterion_settings_default(&s);
    s.perturb = 0.02;
    s.min_distance = 1e-6;
    s.novelty_k = 1;
    criterion_input in = {.pool = &pool, .dom = dom};
    acquire_candidate *c = NULL;
    int n = 0;
    assert_int_equal(qbc_propose(&in, &s, &c, &n), ALFE_OK);
    const int64_t top = c[0].index;
    acquire_data all = {.n = 1, .d = D, .eta = eta + top * D}; /* already measured */
    in.all = &all;
    acquire_candidate *c2 = malloc(sizeof(acquire_candidate) * (size_t)n);
    memcpy(c2, c, sizeof(acquire_candidate) * (size_t)n);
    acquire_candidate *o = NULL, *o2 = NULL;
    int m = 0, m2 = 0;
    select_counts counts, counts2;
    select_perturb_stream(&rng, 1, 2, CRITERION_QBC);
    assert_int_equal(select_apply(c, n, &in, &s, 12, &rng, &o, &m, &counts), ALFE_OK);
    assert_int_equal(m, 12);
    assert_int_equal(counts.novelty_dropped, 1);
    assert_int_equal(counts.chosen, 12);
    for (int i = 0; i < m; i++) {
        assert_true(o[i].index != top);
        assert_true(domain_contains(dom, o[i].eta, 1e-12));
    }
    select_perturb_stream(&rng, 1, 2, CRITERION_QBC);
    assert_int_equal(select_apply(c2, n, &in, &s, 12, &rng, &o2, &m2, &counts2), ALFE_OK);
    assert_int_equal(m2, m);
    assert_memory_equal(o, o2, sizeof(acquire_candidate) * (size_t)m);
    free(o2);
    free(o);
    /* Groups: the budget cuts the copies. */
    s.n_groups = 1;
    s.groups[0] = (criterion_group){4, 5};
    memcpy(c2, c, sizeof(acquire_candidate) * (size_t)n);
    assert_int_equal(select_apply(c2, n - 1, &in, &s, 12, &rng, &o, &m, &counts), ALFE_OK);
    assert_int_equal(m, 12);
    assert_int_equal(counts.chosen, 4);
    assert_true(o[0].index == o[4].index && o[4].index != o[5].index);
    free(o);
    free(c2);
    free(c);
    domain_destroy(&dom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),    cmocka_unit_test(test_instability),
        cmocka_unit_test(test_wells),       cmocka_unit_test(test_qbc),
        cmocka_unit_test(test_sensitivity), cmocka_unit_test(test_lowest_g),
        cmocka_unit_test(test_high_error),  cmocka_unit_test(test_diversity),
        cmocka_unit_test(test_novelty),     cmocka_unit_test(test_perturb),
        cmocka_unit_test(test_weights),     cmocka_unit_test(test_groups),
        cmocka_unit_test(test_special),     cmocka_unit_test(test_select_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
