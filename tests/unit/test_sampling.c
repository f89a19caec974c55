/* test_sampling.c — billiard walk and Sobol-with-rejection (sampling.c).
 *
 * The billiard walk's stationary law is uniform on the domain, so its long-run
 * mean and covariance are compared with exact values (a parallelepiped) or
 * with an independent exact sampler (the 7-D LCO domain).  The walk is
 * autocorrelated: standard errors come from batch means (100 batches), and
 * every comparison allows 5 standard errors.  Every comparison also checks
 * that its standard error is small next to the quantity tested, so that a
 * pass means something.
 * Run from the repository root (reads inputs/lco/Q.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/space/sampling.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SEED
#define SEED 11ULL
#endif

#define LCO_Q "inputs/lco/Q.txt"
#define NBATCH 100
#define NSIGMA 5.0

#define ASSERT_NEAR(a, b, tol, what)                                                       \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s: %.10g vs %.10g differ by %.3g > %.3g", (what), a_, b_,           \
                     fabs(a_ - b_), t_);                                                   \
    } while (0)

/* A non-orthogonal square Q (d = M = 3): the domain is the parallelepiped
 * Q [0,1]^3, so the uniform law on it has mean Q (1/2) and covariance
 * Q Q^T / 12 exactly. */
static const double Q3[9] = {1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, -0.2, 0.1, 0.1, 0.3, -0.4};

static domain *make_parallelepiped(void)
{
    domain *dom = NULL;
    assert_int_equal(domain_create(Q3, 3, 3, &dom), ALFE_OK);
    return dom;
}

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

/* Mean and second moments about `c` of n points (rows of p), and the mean
 * distance in x to the boundary (the smallest slack), with standard errors:
 * from batch means when batches > 1 (correlated series), else from the
 * sample variance (independent points).  cov[j*d+k] estimates
 * E[(eta_j - c_j)(eta_k - c_k)], which is the covariance when c is the
 * exact mean.  The slack is the most sensitive of these to a sampler that
 * over- or under-weights the faces. */
typedef struct {
    double mean[ALFE_MAX_DIM], mean_se[ALFE_MAX_DIM];
    double cov[64], cov_se[64];
    double slack, slack_se;
} moments;

static void estimate(const domain *dom, const double *p, long n, const double *c, int batches,
                     moments *out)
{
    const int d = dom->d;
    const int nq = d + d * d + 1;
    double *sum = calloc((size_t)nq, sizeof(double));
    double *sum2 = calloc((size_t)nq, sizeof(double));
    double *acc = calloc((size_t)nq, sizeof(double));
    double f[ALFE_MAX_DIM + 64 + 1];
    const int nb = batches > 1 ? batches : (int)n;
    const long len = n / nb; /* points per batch (1: independent points) */
    for (int b = 0; b < nb; b++) {
        memset(acc, 0, sizeof(double) * (size_t)nq);
        for (long t = b * len; t < (b + 1) * len; t++) {
            const double *x = p + t * d;
            for (int j = 0; j < d; j++)
                f[j] = x[j];
            for (int j = 0; j < d; j++)
                for (int k = 0; k < d; k++)
                    f[d + j * d + k] = (x[j] - c[j]) * (x[k] - c[k]);
            f[d + d * d] = domain_min_slack(dom, x);
            for (int i = 0; i < nq; i++)
                acc[i] += f[i];
        }
        for (int i = 0; i < nq; i++) {
            double bm = acc[i] / len;
            sum[i] += bm;
            sum2[i] += bm * bm;
        }
    }
    for (int i = 0; i < nq; i++) {
        double mean = sum[i] / nb;
        double var = (sum2[i] - nb * mean * mean) / (nb - 1);
        double se = sqrt(fmax(var, 0.0) / nb);
        if (i < d) {
            out->mean[i] = mean;
            out->mean_se[i] = se;
        } else if (i < d + d * d) {
            out->cov[i - d] = mean;
            out->cov_se[i - d] = se;
        } else {
            out->slack = mean;
            out->slack_se = se;
        }
    }
    free(sum);
    free(sum2);
    free(acc);
}

/* n steps of the walk into pts (n×d); every point must be inside. */
static void run_walk(const domain *dom, uint64_t key, double tau, long n, double *pts,
                     billiard_walk *walk)
{
    rng_stream r;
    rng_stream_init(&r, SEED, key, RNG_PURPOSE_BILLIARD);
    billiard_init(walk, dom, &r, tau, NULL);
    for (long t = 0; t < n; t++) {
        double *x = pts + t * dom->d;
        assert_int_equal(billiard_next(walk, x), ALFE_OK);
        if (!(domain_min_slack(dom, x) >= -1e-10))
            fail_msg("billiard step %ld left the domain: slack %.3g", t, domain_min_slack(dom, x));
        for (int j = 0; j < dom->d; j++)
            assert_true(x[j] == walk->x[j]);
        /* Retries are for rare corner trajectories (none are expected in
         * these domains); fail fast when they are the rule. */
        if (walk->retries > 1000 + t / 100)
            fail_msg("billiard walk: %ld retries in %ld steps", walk->retries, t + 1);
    }
    assert_true(walk->trajectories == n + walk->retries);
}

/* ------------------------------------------------------------------------- */

static void test_billiard_parallelepiped(void **state)
{
    (void)state;
    domain *dom = make_parallelepiped();
    const int d = 3;
    double mean_exact[3], cov_exact[9];
    for (int j = 0; j < d; j++) {
        mean_exact[j] = 0;
        for (int s = 0; s < 3; s++)
            mean_exact[j] += 0.5 * Q3[j * 3 + s];
        ASSERT_NEAR(dom->center[j], mean_exact[j], 1e-15, "centre = Q (1/2)");
    }
    for (int j = 0; j < d; j++)
        for (int k = 0; k < d; k++) {
            double sum = 0;
            for (int s = 0; s < 3; s++)
                sum += Q3[j * 3 + s] * Q3[k * 3 + s];
            cov_exact[j * d + k] = sum / 12.0;
        }

    /* The default mean path length (the bounding-box diagonal) and a short
     * one (a tenth of it: fewer reflections, slower mixing). */
    const double taus[2] = {0.0, 0.1 * sampling_default_tau(dom)};
    const long n = 200000;
    double *pts = malloc(sizeof(double) * (size_t)n * d);
    for (int c = 0; c < 2; c++) {
        billiard_walk walk;
        run_walk(dom, (uint64_t)c, taus[c], n, pts, &walk);
        moments mo;
        estimate(dom, pts, n, mean_exact, NBATCH, &mo);
        char what[96];
        for (int j = 0; j < d; j++) {
            double width = dom->upper[j] - dom->lower[j];
            assert_true(mo.mean_se[j] < 0.005 * width); /* the test has resolution */
            snprintf(what, sizeof what, "tau %g: mean eta_%d (se %.2g)", walk.tau, j,
                     mo.mean_se[j]);
            ASSERT_NEAR(mo.mean[j], mean_exact[j], NSIGMA * mo.mean_se[j], what);
        }
        for (int j = 0; j < d; j++)
            for (int k = 0; k < d; k++) {
                double scale = sqrt(cov_exact[j * d + j] * cov_exact[k * d + k]);
                assert_true(mo.cov_se[j * d + k] < 0.02 * scale);
                snprintf(what, sizeof what, "tau %g: cov(%d,%d) (se %.2g)", walk.tau, j, k,
                         mo.cov_se[j * d + k]);
                ASSERT_NEAR(mo.cov[j * d + k], cov_exact[j * d + k],
                            NSIGMA * mo.cov_se[j * d + k], what);
            }
        /* x is uniform on the cube, min(x_s, 1 - x_s) uniform on [0, 1/2]
         * and independent: the smallest of three has mean 1/8. */
        assert_true(mo.slack_se < 0.005 * 0.125);
        snprintf(what, sizeof what, "tau %g: mean smallest slack (se %.2g)", walk.tau,
                 mo.slack_se);
        ASSERT_NEAR(mo.slack, 0.125, NSIGMA * mo.slack_se, what);
    }
    free(pts);
    domain_destroy(&dom);
}

/* Uniform points on the LCO domain without the walk.  With d = M - 1 the
 * row space of Q is the hyperplane n.x = 0 (n spans the null space of Q), and
 * x(eta) = Q+ eta ranges over it, so the domain is the linear image eta = Q x
 * of the slice {x in [0,1]^M : n.x = 0}.  Choosing the M-1 coordinates other
 * than a pivot s* uniformly in [0,1], solving n.x = 0 for x_{s*}, and
 * keeping the point when it is inside the domain (i.e. x_{s*} in [0,1])
 * samples that slice, hence the domain, uniformly (a linear chart has a
 * constant Jacobian).  About half the draws are kept, against < 1e-3 for
 * rejection from the bounding box. */
static long reference_lco(const domain *dom, long n, double *pts)
{
    const int d = dom->d, m = dom->m;
    assert_int_equal(m, d + 1);
    /* n = (I - Q+ Q) e_s for the s that gives the largest component. */
    double nv[ALFE_MAX_DIM + 1], best[ALFE_MAX_DIM + 1];
    int pivot = -1;
    double best_abs = 0;
    for (int s0 = 0; s0 < m; s0++) {
        for (int s = 0; s < m; s++) {
            double pq = 0;
            for (int j = 0; j < d; j++)
                pq += dom->q_pinv[s * d + j] * dom->q[j * m + s0];
            nv[s] = (s == s0) - pq;
        }
        for (int s = 0; s < m; s++)
            if (fabs(nv[s]) > best_abs) {
                best_abs = fabs(nv[s]);
                pivot = s;
                memcpy(best, nv, sizeof(double) * (size_t)m);
            }
    }
    assert_true(best_abs > 0.1);
    rng_stream r;
    rng_stream_init(&r, SEED, 1, RNG_PURPOSE_TEST); /* not the walk's stream */
    long draws = 0, kept = 0;
    while (kept < n) {
        double x[ALFE_MAX_DIM + 1], dot = 0;
        for (int s = 0; s < m; s++)
            if (s != pivot) {
                x[s] = rng_uniform(&r);
                dot += best[s] * x[s];
            }
        x[pivot] = -dot / best[pivot];
        draws++;
        double *eta = pts + kept * d;
        for (int j = 0; j < d; j++) {
            eta[j] = 0;
            for (int s = 0; s < m; s++)
                eta[j] += dom->q[j * m + s] * x[s];
        }
        int in_cube = x[pivot] >= 0 && x[pivot] <= 1;
        int in_domain = domain_contains(dom, eta, 0.0);
        if (in_cube != in_domain && fabs(x[pivot] - 0.5) < 0.5 - 1e-9)
            fail_msg("reference sampler: slice point with x* = %.17g but contains = %d",
                     x[pivot], in_domain);
        if (in_domain) {
            /* The chart is consistent: x(eta) gives back x. */
            double xb[ALFE_MAX_DIM + 1];
            domain_x_of_eta(dom, eta, xb);
            for (int s = 0; s < m; s++)
                ASSERT_NEAR(xb[s], x[s], 1e-12, "x(Q x) = x on the slice");
            kept++;
        }
    }
    return draws;
}

static void test_billiard_lco(void **state)
{
    (void)state;
    domain *dom = make_lco();
    const int d = 7;
    const long n_walk = 100000, n_ref = 100000;
    double *walk_pts = malloc(sizeof(double) * (size_t)n_walk * d);
    double *ref_pts = malloc(sizeof(double) * (size_t)n_ref * d);
    billiard_walk walk;
    run_walk(dom, 7, 0.0, n_walk, walk_pts, &walk);
    long draws = reference_lco(dom, n_ref, ref_pts);
    assert_true(draws < 4 * n_ref);

    /* The domain is symmetric about its centre (x -> 1 - x), so the exact
     * mean is the centre and second moments about it are the covariance. */
    moments mw, mr;
    estimate(dom, walk_pts, n_walk, dom->center, NBATCH, &mw);
    estimate(dom, ref_pts, n_ref, dom->center, 1, &mr);
    char what[96];
    for (int j = 0; j < d; j++) {
        double sd = sqrt(mr.cov[j * d + j]);
        assert_true(mw.mean_se[j] < 0.02 * sd && mr.mean_se[j] < 0.02 * sd);
        snprintf(what, sizeof what, "LCO walk mean eta_%d (se %.2g)", j, mw.mean_se[j]);
        ASSERT_NEAR(mw.mean[j], dom->center[j], NSIGMA * mw.mean_se[j], what);
        snprintf(what, sizeof what, "LCO reference mean eta_%d (se %.2g)", j, mr.mean_se[j]);
        ASSERT_NEAR(mr.mean[j], dom->center[j], NSIGMA * mr.mean_se[j], what);
    }
    for (int j = 0; j < d; j++)
        for (int k = 0; k <= j; k++) {
            int i = j * d + k;
            double se = sqrt(mw.cov_se[i] * mw.cov_se[i] + mr.cov_se[i] * mr.cov_se[i]);
            double scale = sqrt(mr.cov[j * d + j] * mr.cov[k * d + k]);
            assert_true(se < 0.03 * scale);
            snprintf(what, sizeof what, "LCO cov(%d,%d): walk vs reference (se %.2g)", j, k, se);
            ASSERT_NEAR(mw.cov[i], mr.cov[i], NSIGMA * se, what);
        }
    double slack_se = sqrt(mw.slack_se * mw.slack_se + mr.slack_se * mr.slack_se);
    assert_true(slack_se < 0.01 * mr.slack);
    snprintf(what, sizeof what, "LCO mean smallest slack: walk vs reference (se %.2g)", slack_se);
    ASSERT_NEAR(mw.slack, mr.slack, NSIGMA * slack_se, what);
    free(walk_pts);
    free(ref_pts);
    domain_destroy(&dom);
}

static void test_billiard_basics(void **state)
{
    (void)state;
    domain *dom = make_parallelepiped();
    const int d = 3;
    rng_stream r, r_copy;
    rng_stream_init(&r, SEED, 3, RNG_PURPOSE_BILLIARD);
    r_copy = r;

    /* Same stream, same walk; the caller's stream is not advanced. */
    billiard_walk w1, w2;
    billiard_init(&w1, dom, &r, 0.0, NULL);
    billiard_init(&w2, dom, &r, 0.0, NULL);
    assert_memory_equal(&r, &r_copy, sizeof r);
    ASSERT_NEAR(w1.tau, sampling_default_tau(dom), 0, "default tau");
    double diag2 = 0;
    for (int j = 0; j < d; j++)
        diag2 += (dom->upper[j] - dom->lower[j]) * (dom->upper[j] - dom->lower[j]);
    ASSERT_NEAR(sampling_default_tau(dom), sqrt(diag2), 1e-15, "bounding-box diagonal");
    for (int t = 0; t < 1000; t++) {
        double a[3], b[3];
        assert_int_equal(billiard_next(&w1, a), ALFE_OK);
        assert_int_equal(billiard_next(&w2, b), ALFE_OK);
        assert_memory_equal(a, b, sizeof a);
    }

    /* The walk starts where asked: with a tiny path length the first point
     * is within a few tau of the start (NULL: the centre). */
    const double start[3] = {0.4, 0.05, 0.02};
    assert_true(domain_contains(dom, start, 0.0));
    const double *starts[2] = {start, dom->center};
    for (int c = 0; c < 2; c++) {
        billiard_walk w;
        billiard_init(&w, dom, &r, 1e-6, c == 0 ? start : NULL);
        double p[3], dist2 = 0;
        assert_int_equal(billiard_next(&w, p), ALFE_OK);
        for (int j = 0; j < d; j++)
            dist2 += (p[j] - starts[c][j]) * (p[j] - starts[c][j]);
        assert_true(sqrt(dist2) < 1e-4);
        assert_true(sqrt(dist2) > 0);
    }

    /* A walk started in a corner of the domain stays inside. */
    double corner[3];
    for (int j = 0; j < d; j++)
        corner[j] = 0; /* eta = Q 0: the vertex x = 0 */
    billiard_walk w;
    billiard_init(&w, dom, &r, 0.0, corner);
    for (int t = 0; t < 2000; t++) {
        double p[3];
        assert_int_equal(billiard_next(&w, p), ALFE_OK);
        assert_true(domain_min_slack(dom, p) >= -1e-10);
    }
    domain_destroy(&dom);
}

/* ------------------------------------------------------------------------- */

static void test_sobol(void **state)
{
    (void)state;
    domain *dom = make_parallelepiped();
    const int d = 3, n = 2000;
    double *all = malloc(sizeof(double) * (size_t)n * d);
    double *again = malloc(sizeof(double) * (size_t)n * d);
    double *parts = malloc(sizeof(double) * (size_t)n * d);

    /* Inside (strictly), deterministic, index advanced past the last draw. */
    uint64_t idx_all = 0, idx_again = 0;
    assert_int_equal(sampling_sobol(dom, n, &idx_all, all), ALFE_OK);
    assert_true(idx_all >= (uint64_t)n);
    for (int i = 0; i < n; i++)
        assert_true(domain_min_slack(dom, all + i * d) > 0.0);
    assert_int_equal(sampling_sobol(dom, n, &idx_again, again), ALFE_OK);
    assert_true(idx_again == idx_all);
    assert_memory_equal(all, again, sizeof(double) * (size_t)n * d);

    /* A second call continues the sequence: two halves = one whole. */
    uint64_t idx = 0;
    assert_int_equal(sampling_sobol(dom, n / 2, &idx, parts), ALFE_OK);
    uint64_t idx_half = idx;
    assert_true(idx_half > 0 && idx_half < idx_all);
    assert_int_equal(sampling_sobol(dom, n / 2, &idx, parts + (size_t)(n / 2) * d), ALFE_OK);
    assert_true(idx == idx_all);
    assert_memory_equal(all, parts, sizeof(double) * (size_t)n * d);
    /* The last point kept is sequence element index - 1. */
    uint64_t idx_last = idx_half - 1;
    double p[3];
    assert_int_equal(sampling_sobol(dom, 1, &idx_last, p), ALFE_OK);
    assert_true(idx_last == idx_half);
    assert_memory_equal(p, all + (size_t)(n / 2 - 1) * d, sizeof p);

    /* No repeats. */
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            assert_false(memcmp(all + i * d, all + k * d, sizeof(double) * d) == 0);

    /* Space filling: the points' mean and covariance are those of the
     * uniform law (quasi-Monte Carlo error ~ 1/n, far below these bounds,
     * while e.g. points from half the domain miss them by a lot). */
    double mean[3] = {0}, cov[9] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            mean[j] += all[i * d + j] / n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++)
            for (int k = 0; k < d; k++)
                cov[j * d + k] += (all[i * d + j] - dom->center[j]) *
                                  (all[i * d + k] - dom->center[k]) / n;
    double sd[3];
    for (int j = 0; j < d; j++) {
        sd[j] = 0;
        for (int s = 0; s < 3; s++)
            sd[j] += Q3[j * 3 + s] * Q3[j * 3 + s] / 12;
        sd[j] = sqrt(sd[j]);
    }
    for (int j = 0; j < d; j++) {
        ASSERT_NEAR(mean[j], dom->center[j], 0.02 * sd[j], "Sobol mean");
        for (int k = 0; k < d; k++) {
            double exact = 0;
            for (int s = 0; s < 3; s++)
                exact += Q3[j * 3 + s] * Q3[k * 3 + s] / 12;
            ASSERT_NEAR(cov[j * d + k], exact, 0.02 * sd[j] * sd[k], "Sobol covariance");
        }
    }
    free(all);
    free(again);
    free(parts);
    domain_destroy(&dom);

    /* The 7-D LCO domain fills < 1e-3 of its bounding box: still works. */
    dom = make_lco();
    double lco[20 * 7];
    idx = 0;
    assert_int_equal(sampling_sobol(dom, 20, &idx, lco), ALFE_OK);
    for (int i = 0; i < 20; i++)
        assert_true(domain_min_slack(dom, lco + i * 7) > 0.0);
    domain_destroy(&dom);

    /* More than 40 dimensions (GSL's limit) fail before touching the
     * domain's arrays.  domain_create caps d at ALFE_MAX_DIM = 32, so the
     * domain is built by hand. */
    domain big;
    memset(&big, 0, sizeof big);
    big.d = 41;
    big.m = 41;
    idx = 0;
    alfe_error_clear();
    assert_int_equal(sampling_sobol(&big, 1, &idx, p), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "40"));
    assert_true(idx == 0);
    alfe_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_billiard_basics),
        cmocka_unit_test(test_billiard_parallelepiped),
        cmocka_unit_test(test_billiard_lco),
        cmocka_unit_test(test_sobol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
