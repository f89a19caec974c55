/* test_pool.c — the acquisition pool (acquire/pool.c).
 *
 * - pool_slice: for many pool sizes and rank counts the slices tile [0, n)
 *   in rank order and every inner boundary is a multiple of
 *   IDNN_COMMITTEE_BLOCK, which is what makes the prediction independent of
 *   the rank count;
 * - that independence itself: a committee's prediction of the whole pool
 *   equals, bit for bit, its predictions block by block and over the slices
 *   of 1 … 7 ranks (pool_predict_collective on one process uses the same
 *   slices as rank 0 of one);
 * - pool_create: every point inside the domain, the boundary share on the
 *   boundary, the (η0, η1) walk with η2… = 0 reaching both composition ends,
 *   the same pool for the same (seed, round), another for another round.
 * Run from the repository root (reads inputs/lco/Q.txt and invariants.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/acquire/pool.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"
#include "alfe/space/domain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LCO_Q "inputs/lco/Q.txt"
#define LCO_INVARIANTS "inputs/lco/invariants.txt"

static domain *make_lco(void)
{
    double *q;
    int m;
    domain *dom = NULL;
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    assert_int_equal(domain_create(q, 7, m, &dom), ALFE_OK);
    free(q);
    return dom;
}

static void test_slices_tile_in_blocks(void **state)
{
    (void)state;
    const int sizes[] = {0, 1, 511, 512, 513, 1024, 1500, 5000, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int n = sizes[s];
        for (int ranks = 1; ranks <= 7; ranks++) {
            int expect = 0;
            for (int r = 0; r < ranks; r++) {
                int first, end;
                pool_slice(n, r, ranks, &first, &end);
                assert_int_equal(first, expect);
                assert_true(end >= first && end <= n);
                if (end < n)
                    assert_int_equal(end % IDNN_COMMITTEE_BLOCK, 0);
                expect = end;
            }
            assert_int_equal(expect, n);
        }
    }
}

static void test_pool_points(void **state)
{
    (void)state;
    domain *dom = make_lco();
    pool_settings s = {.seed = 5, .points = 3000, .boundary_share = 0.1, .walk_2d = 800};
    pool *p = NULL, *again = NULL, *other = NULL;
    assert_int_equal(pool_create(&s, dom, 2, &p), ALFE_OK);
    assert_int_equal(p->n, 3800);
    assert_int_equal(p->n_boundary, 300);
    int on_boundary = 0;
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < p->n; i++) {
        const double *e = p->eta + (size_t)i * 7;
        const double slack = domain_min_slack(dom, e);
        assert_true(slack > -1e-9);
        on_boundary += i < p->n_walk && slack < 1e-9;
        if (i >= p->n_walk) {
            for (int j = 2; j < 7; j++)
                assert_true(e[j] == 0.0);
            lo = fmin(lo, e[0]);
            hi = fmax(hi, e[0]);
        }
    }
    assert_int_equal(on_boundary, p->n_boundary);
    /* The plane walk reaches both composition ends (what it is for). */
    assert_true(lo < 0.05 && hi > 0.95);
    assert_int_equal(pool_create(&s, dom, 2, &again), ALFE_OK);
    assert_memory_equal(p->eta, again->eta, sizeof(double) * (size_t)p->n * 7);
    assert_int_equal(pool_create(&s, dom, 3, &other), ALFE_OK);
    assert_true(memcmp(p->eta, other->eta, sizeof(double) * 7) != 0);
    pool_destroy(&p);
    pool_destroy(&again);
    pool_destroy(&other);
    assert_null(p);
    pool_settings bad = s;
    bad.boundary_share = 1.5;
    assert_int_equal(pool_create(&bad, dom, 0, &p), ALFE_ERR_INPUT);
    assert_null(p);
    domain_destroy(&dom);
}

/* Predictions of n points, field by field, from one call or from calls over
 * the given slices. */
typedef struct {
    double *g, *gs, *mu, *mus, *eig;
} prediction;

static void predict_slices(idnn_committee *c, int n, const double *eta, int ranks,
                           prediction *out)
{
    out->g = calloc((size_t)n, sizeof(double));
    out->gs = calloc((size_t)n, sizeof(double));
    out->mu = calloc((size_t)n * 7, sizeof(double));
    out->mus = calloc((size_t)n * 7, sizeof(double));
    out->eig = calloc((size_t)n * 7, sizeof(double));
    for (int r = 0; r < ranks; r++) {
        int first, end;
        pool_slice(n, r, ranks, &first, &end);
        if (end == first)
            continue;
        idnn_committee_output o = {.g_mean = out->g + first, .g_std = out->gs + first,
                                   .mu_mean = out->mu + (size_t)first * 7,
                                   .mu_std = out->mus + (size_t)first * 7,
                                   .hess_eig = out->eig + (size_t)first * 7};
        assert_int_equal(idnn_committee_predict(c, end - first, eta + (size_t)first * 7, &o),
                         ALFE_OK);
    }
}

static void prediction_free(prediction *p)
{
    free(p->g);
    free(p->gs);
    free(p->mu);
    free(p->mus);
    free(p->eig);
}

static void test_prediction_independent_of_ranks(void **state)
{
    (void)state;
    domain *dom = make_lco();
    invariant_set *inv = NULL;
    assert_int_equal(invariant_set_read(LCO_INVARIANTS, 7, &inv), ALFE_OK);
    idnn_arch arch[2];
    memset(arch, 0, sizeof arch);
    for (int k = 0; k < 2; k++) {
        arch[k].n_inputs = inv->m;
        arch[k].n_layers = 2;
        arch[k].width[0] = arch[k].width[1] = 9 + k;
        arch[k].scale = 100.0;
    }
    idnn_committee *c = NULL;
    assert_int_equal(idnn_committee_create(inv, 2, arch, &c), ALFE_OK);
    idnn_committee_init_fresh(c, 3, 0);
    pool_settings s = {.seed = 9, .points = 1500, .boundary_share = 0.1, .walk_2d = 300};
    pool *p = NULL;
    assert_int_equal(pool_create(&s, dom, 1, &p), ALFE_OK);
    const int n = p->n;
    prediction whole;
    predict_slices(c, n, p->eta, 1, &whole);
    for (int ranks = 2; ranks <= 7; ranks++) {
        prediction sliced;
        predict_slices(c, n, p->eta, ranks, &sliced);
        assert_memory_equal(whole.g, sliced.g, sizeof(double) * (size_t)n);
        assert_memory_equal(whole.gs, sliced.gs, sizeof(double) * (size_t)n);
        assert_memory_equal(whole.mu, sliced.mu, sizeof(double) * (size_t)n * 7);
        assert_memory_equal(whole.mus, sliced.mus, sizeof(double) * (size_t)n * 7);
        assert_memory_equal(whole.eig, sliced.eig, sizeof(double) * (size_t)n * 7);
        prediction_free(&sliced);
    }
    /* The collective on one process (no MPI): rank 0 of 1 gets everything. */
    assert_int_equal(pool_predict_collective(p, c), ALFE_OK);
    assert_true(p->predicted);
    assert_memory_equal(whole.g, p->g_mean, sizeof(double) * (size_t)n);
    assert_memory_equal(whole.gs, p->g_std, sizeof(double) * (size_t)n);
    assert_memory_equal(whole.mu, p->mu_mean, sizeof(double) * (size_t)n * 7);
    assert_memory_equal(whole.mus, p->mu_std, sizeof(double) * (size_t)n * 7);
    assert_memory_equal(whole.eig, p->hess_eig, sizeof(double) * (size_t)n * 7);
    /* Eigenvalues ascending, spreads non-negative. */
    for (int i = 0; i < n; i++) {
        assert_true(p->g_std[i] >= 0.0);
        for (int j = 1; j < 7; j++)
            assert_true(p->hess_eig[(size_t)i * 7 + j - 1] <= p->hess_eig[(size_t)i * 7 + j]);
    }
    prediction_free(&whole);
    pool_destroy(&p);
    idnn_committee_destroy(&c);
    invariant_set_destroy(&inv);
    domain_destroy(&dom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slices_tile_in_blocks),
        cmocka_unit_test(test_pool_points),
        cmocka_unit_test(test_prediction_independent_of_ranks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
