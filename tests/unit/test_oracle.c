/* test_oracle.c — the analytic free energy and the saddle-point "chain"
 * (oracle.c): value against the documented formula, gradient and Hessian
 * against finite differences, the exact ideal-solution limit, the identity
 * mu = -2 phi (<eta> - kappa), noise statistics and reproducibility, and
 * targeting.  Run from the repository root (reads inputs/lco/Q.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/io/config.h"
#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/space/oracle.h"
#include "alfe/space/point.h"
#include "alfe/base/rng.h"
#include "alfe/space/sampling.h"
#include "alfe/run/system.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SEED
#define SEED 5ULL
#endif

#define LCO_Q "inputs/lco/Q.txt"

#define ASSERT_NEAR(a, b, tol, what)                                                       \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s: %.15g vs %.15g differ by %.3g > %.3g", (what), a_, b_,           \
                     fabs(a_ - b_), t_);                                                   \
    } while (0)

/* ------------------------------------------------------------------------- */
/* Fixtures */

/* The oracle of a configuration: its parameters as run/system.c takes them
 * from the keys, then oracle_init. */
static void oracle_init_cfg(oracle_model *o, const domain *dom, const alfe_config *cfg)
{
    oracle_params p;
    system_oracle_params(cfg, &p);
    oracle_init(o, dom, &p);
}

/* The documented defaults, through config_load on a temporary INI file
 * (7-D LCO space, 300 K). */
static alfe_config *load_default_config(void)
{
    char ini[64], cwd[2048], text[4096];
    snprintf(ini, sizeof ini, "/tmp/alfe-test-oracle-XXXXXX");
    int fd = mkstemp(ini);
    assert_true(fd >= 0);
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text,
             "[campaign]\noutput = %s.h5\n"
             "[system]\nmodel = oracle\ndimension = 7\nq_file = %s/%s\ntemperature = 300\n",
             ini, cwd, LCO_Q);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    alfe_config *cfg = NULL;
    alfe_error_clear();
    int rc = config_load(ini, &cfg);
    if (rc != ALFE_OK)
        fail_msg("config_load: %s", alfe_error_message());
    unlink(ini);
    assert_int_equal(cfg->dimension, 7);
    assert_int_equal(cfg->q_m, 8);
    return cfg;
}

static domain *domain_from_config(const alfe_config *cfg)
{
    domain *dom = NULL;
    assert_int_equal(domain_create(cfg->q, cfg->dimension, cfg->q_m, &dom), ALFE_OK);
    return dom;
}

/* Interior points of the domain (slack >= min_slack) from a billiard walk. */
static void interior_points(const domain *dom, int n, double min_slack, uint64_t key,
                            double *pts)
{
    rng_stream r;
    rng_stream_init(&r, SEED, key, RNG_PURPOSE_TEST);
    billiard_walk w;
    billiard_init(&w, dom, &r, 0.0, NULL);
    for (int i = 0; i < n;) {
        double *p = pts + (size_t)i * dom->d;
        assert_int_equal(billiard_next(&w, p), ALFE_OK);
        if (domain_min_slack(dom, p) >= min_slack)
            i++;
    }
}

/* g by the formula of oracle.h / docs/oracle.md, written out plainly. */
static double g_formula(const oracle_model *o, const double *eta)
{
    const domain *dom = o->dom;
    const int d = dom->d, m = dom->m;
    double x[ALFE_MAX_DIM], g = 0;
    domain_x_of_eta(dom, eta, x);
    for (int s = 0; s < m; s++)
        g += o->kt / m * (x[s] * log(x[s]) + (1 - x[s]) * log(1 - x[s]));
    g += o->omega * eta[0] * (1 - eta[0]);
    const double a = o->a2 * (eta[0] - 0.5) * (eta[0] - 0.5) - o->a0;
    for (int i = 1; i < d; i++)
        g += a * pow(eta[i], 2) + o->b * pow(eta[i], 4);
    for (int i = 1; i < d; i++)
        for (int j = i + 1; j < d; j++)
            g += o->c * pow(eta[i], 2) * pow(eta[j], 2);
    return g;
}

static double g_only(const oracle_model *o, const double *eta)
{
    double g, grad[ALFE_MAX_DIM];
    assert_int_equal(oracle_free_energy(o, eta, &g, grad, NULL), 0);
    return g;
}

/* ------------------------------------------------------------------------- */

static void test_free_energy_derivatives(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    /* The defaults, and two non-default sets (sign changes, strong
     * couplings, a high and a low temperature, c = 0). */
    alfe_config sets[3] = {*cfg, *cfg, *cfg};
    ASSERT_NEAR(sets[0].oracle_omega, 0.05, 0, "default omega");
    ASSERT_NEAR(sets[0].oracle_a0, 0.1, 0, "default a0");
    sets[1].temperature = 800;
    sets[1].oracle_omega = -0.3;
    sets[1].oracle_a0 = -0.2;
    sets[1].oracle_a2 = 3.7;
    sets[1].oracle_b = 0.9;
    sets[1].oracle_c = 1.3;
    sets[2].temperature = 50;
    sets[2].oracle_omega = 0.4;
    sets[2].oracle_a0 = 0.35;
    sets[2].oracle_a2 = -2.5;
    sets[2].oracle_b = 2.0;
    sets[2].oracle_c = 0.0;
    const int npts = 40;
    double pts[40 * 7];
    interior_points(dom, npts, 0.01, 1, pts);
    for (int c = 0; c < 3; c++) {
        oracle_model o;
        oracle_init_cfg(&o, dom, &sets[c]);
        /* oracle_init takes every parameter from its own key. */
        ASSERT_NEAR(o.kt, ALFE_KB_EV * sets[c].temperature, 0, "kT");
        assert_true(o.dom == dom);
        assert_true(o.omega == sets[c].oracle_omega && o.a0 == sets[c].oracle_a0 &&
                    o.a2 == sets[c].oracle_a2 && o.b == sets[c].oracle_b &&
                    o.c == sets[c].oracle_c &&
                    !memcmp(o.noise, sets[c].oracle_noise, sizeof o.noise));
        for (int i = 0; i < npts; i++) {
            const double *eta = pts + i * d;
            double g, grad[7], hess[49];
            assert_int_equal(oracle_free_energy(&o, eta, &g, grad, hess), 0);
            /* The value is the documented formula. */
            double want = g_formula(&o, eta);
            ASSERT_NEAR(g, want, 1e-13 * (fabs(want) + o.kt), "g vs formula");
            /* Central differences with a step that moves every x_s by at
             * most 1e-4 of its distance to 0 or 1 (and at most 1e-5 in eta):
             * truncation of the log terms below (1e-4)^2/3 relative, of the
             * polynomial ones ~ h^2 b, rounding eps g / h ~ 1e-9 of |grad|;
             * so 1e-6 of the largest component leaves margin while any wrong
             * term (a factor 2, a sign) is off by O(1). */
            double gmax = 0, hmax = 0;
            for (int j = 0; j < d; j++)
                gmax = fmax(gmax, fabs(grad[j]));
            for (int j = 0; j < d * d; j++)
                hmax = fmax(hmax, fabs(hess[j]));
            double pmax = 0;
            for (int k = 0; k < dom->m * d; k++)
                pmax = fmax(pmax, fabs(dom->q_pinv[k]));
            const double h = fmin(1e-5, 1e-4 * domain_min_slack(dom, eta) / pmax);
            for (int k = 0; k < d; k++) {
                double ep[7], em[7];
                memcpy(ep, eta, sizeof ep);
                memcpy(em, eta, sizeof em);
                ep[k] += h;
                em[k] -= h;
                char what[96];
                snprintf(what, sizeof what, "set %d point %d: dg/deta_%d vs FD", c, i, k);
                ASSERT_NEAR((g_only(&o, ep) - g_only(&o, em)) / (2 * h), grad[k], 1e-6 * gmax,
                            what);
                /* Hessian column k: central differences of the gradient. */
                double gp, gm, gradp[7], gradm[7];
                assert_int_equal(oracle_free_energy(&o, ep, &gp, gradp, NULL), 0);
                assert_int_equal(oracle_free_energy(&o, em, &gm, gradm, NULL), 0);
                for (int j = 0; j < d; j++) {
                    snprintf(what, sizeof what, "set %d point %d: H[%d][%d] vs FD", c, i, j, k);
                    ASSERT_NEAR((gradp[j] - gradm[j]) / (2 * h), hess[j * d + k], 1e-6 * hmax,
                                what);
                }
            }
            for (int j = 0; j < d; j++)
                for (int k = 0; k < d; k++)
                    ASSERT_NEAR(hess[j * d + k], hess[k * d + j], 1e-14 * hmax, "H symmetric");
            /* hess == NULL gives the same g and gradient. */
            double g2, grad2[7];
            assert_int_equal(oracle_free_energy(&o, eta, &g2, grad2, NULL), 0);
            assert_true(g2 == g);
            assert_memory_equal(grad2, grad, sizeof grad);
        }
        /* Outside the domain g is undefined. */
        double out[7], g, grad[7];
        memcpy(out, dom->center, sizeof out);
        out[0] = 1.2;
        assert_int_equal(oracle_free_energy(&o, out, &g, grad, NULL), -1);
    }
    domain_destroy(&dom);
    config_destroy(&cfg);
}

static void test_ideal_solution_limit(void **state)
{
    (void)state;
    /* d = 1, Q = (1/M, ..., 1/M): every x_s = eta, and with
     * a0 = a2 = b = c = omega = 0, g = kT [x ln x + (1-x) ln(1-x)],
     * mu0 = kT ln(x/(1-x)), d mu0/d eta = kT / (x(1-x)). */
    const int m = 4;
    const double q[4] = {0.25, 0.25, 0.25, 0.25};
    domain *dom = NULL;
    assert_int_equal(domain_create(q, 1, m, &dom), ALFE_OK);
    alfe_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.temperature = 300;
    oracle_model o;
    oracle_init_cfg(&o, dom, &cfg);
    const double kt = ALFE_KB_EV * 300;
    const double xs[8] = {1e-6, 0.01, 0.1, 0.3, 0.5, 0.77, 0.99, 1 - 1e-6};
    for (int i = 0; i < 8; i++) {
        const double x = xs[i];
        double g, grad[1], hess[1];
        assert_int_equal(oracle_free_energy(&o, &x, &g, grad, hess), 0);
        ASSERT_NEAR(grad[0], kt * log(x / (1 - x)), 1e-12, "mu0 = kT ln(x/(1-x))");
        ASSERT_NEAR(g, kt * (x * log(x) + (1 - x) * log(1 - x)), 1e-12, "ideal g");
        ASSERT_NEAR(hess[0], kt / (x * (1 - x)), 1e-12 * kt / (x * (1 - x)), "ideal d2g");
    }
    /* The regular solution adds omega (1 - 2x) to mu0. */
    cfg.oracle_omega = 0.07;
    oracle_init_cfg(&o, dom, &cfg);
    for (int i = 0; i < 8; i++) {
        const double x = xs[i];
        double g, grad[1];
        assert_int_equal(oracle_free_energy(&o, &x, &g, grad, NULL), 0);
        ASSERT_NEAR(grad[0], kt * log(x / (1 - x)) + 0.07 * (1 - 2 * x), 1e-12,
                    "regular solution mu0");
    }
    /* A 1-D point: <eta> solves kT ln(e/(1-e)) + omega (1-2e) = -2 phi (e - kappa). */
    point_input in;
    point_result res;
    memset(&in, 0, sizeof in);
    in.seed = 1;
    in.temperature = 300;
    in.phi[0] = 50;
    const double kappas[4] = {0.02, 0.3, 0.5, 0.93};
    for (int i = 0; i < 4; i++) {
        in.kappa[0] = kappas[i];
        in.eta_target[0] = kappas[i];
        assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
        assert_int_equal(res.status, POINT_DONE);
        const double e = res.eta_mean[0];
        assert_true(e > 0 && e < 1);
        ASSERT_NEAR(res.mu[0], kt * log(e / (1 - e)) + 0.07 * (1 - 2 * e), 1e-12,
                    "1-D point: mu = dg/deta at <eta>");
        ASSERT_NEAR(res.mu[0], -2 * 50 * (e - kappas[i]), 1e-9, "1-D point: mu = -2 phi (e - k)");
    }
    domain_destroy(&dom);
}

/* F = g + sum phi (eta - kappa)^2 and its Hessian. */
static double biased_f(const oracle_model *o, const point_input *in, const double *eta,
                       double *hess)
{
    const int d = o->dom->d;
    double g, grad[ALFE_MAX_DIM];
    assert_int_equal(oracle_free_energy(o, eta, &g, grad, hess), 0);
    for (int j = 0; j < d; j++) {
        g += in->phi[j] * (eta[j] - in->kappa[j]) * (eta[j] - in->kappa[j]);
        if (hess)
            hess[j * d + j] += 2 * in->phi[j];
    }
    return g;
}

static void test_evaluate_identity(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    for (int j = 0; j < d; j++)
        assert_true(cfg->oracle_noise[j] == 0.0);
    assert_true(cfg->phi[0] == 50 && cfg->phi[1] == 0.05 && cfg->phi[6] == 0.05);
    oracle_model o;
    oracle_init_cfg(&o, dom, cfg);
    const int npts = 60;
    double pts[60 * 7];
    interior_points(dom, npts, 0.02, 2, pts);
    rng_stream r;
    rng_stream_init(&r, SEED, 3, RNG_PURPOSE_TEST);
    for (int i = 0; i < npts; i++) {
        point_input in;
        point_result res;
        memset(&in, 0, sizeof in);
        in.row = i;
        in.seed = rng_stream_seed(SEED, (uint64_t)i, RNG_PURPOSE_POINT);
        in.temperature = cfg->temperature;
        memcpy(in.eta_target, pts + i * d, sizeof(double) * d);
        memcpy(in.phi, cfg->phi, sizeof(double) * d);
        /* Half targeted as the coordinator does (kappa = eta + grad g/(2 phi)),
         * half with kappa off by a random amount. */
        double g, grad[7];
        assert_int_equal(oracle_free_energy(&o, in.eta_target, &g, grad, NULL), 0);
        for (int j = 0; j < d; j++)
            in.kappa[j] = in.eta_target[j] +
                          (i % 2 ? grad[j] / (2 * in.phi[j]) : 0.05 * rng_normal(&r));
        assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
        if (res.status != POINT_DONE)
            fail_msg("point %d: status %d", i, res.status);
        assert_int_equal(res.converged, 1);
        assert_true(domain_min_slack(dom, res.eta_mean) > 0);
        double gm, mu_exact[7], hess[49];
        assert_int_equal(oracle_free_energy(&o, res.eta_mean, &gm, mu_exact, NULL), 0);
        char what[96];
        for (int j = 0; j < d; j++) {
            snprintf(what, sizeof what, "point %d: mu_%d = -2 phi (<eta> - kappa)", i, j);
            ASSERT_NEAR(res.mu[j], -2 * in.phi[j] * (res.eta_mean[j] - in.kappa[j]), 1e-9, what);
            snprintf(what, sizeof what, "point %d: mu_%d = dg/deta at <eta>", i, j);
            ASSERT_NEAR(res.mu[j], mu_exact[j], 1e-12, what);
            assert_true(res.mu_stderr[j] == 0.0);
        }
        /* <eta> minimises F: F did not increase from the start, and the
         * Hessian of F there is positive semi-definite. */
        double f_start = biased_f(&o, &in, in.eta_target, NULL);
        double f_end = biased_f(&o, &in, res.eta_mean, hess);
        assert_true(f_end <= f_start + 1e-15);
        double ev[7];
        assert_int_equal(linalg_sym_eigen(hess, d, ev, NULL), ALFE_OK);
        if (!(ev[0] > -1e-9))
            fail_msg("point %d: <eta> is not a minimum of F (eigenvalue %.3g)", i, ev[0]);
    }
    domain_destroy(&dom);
    config_destroy(&cfg);
}

/* [oracle] noise per component: μ_j gets σ_j z_j with z_j from the point's
 * stream drawn for every j (so σ_j = 0 leaves μ_j exact and does not shift
 * the other components' draws); mu_stderr_j = σ_j. */
static void test_evaluate_noise_per_component(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    const double sigma[7] = {2.5e-3, 0.0, 1e-4, 3e-4, 0.0, 1.3e-4, 1e-2};
    alfe_config noisy_cfg = *cfg;
    memcpy(noisy_cfg.oracle_noise, sigma, sizeof sigma);
    oracle_model clean, noisy;
    oracle_init_cfg(&clean, dom, cfg);
    oracle_init_cfg(&noisy, dom, &noisy_cfg);
    const int npts = 400;
    double *pts = malloc(sizeof(double) * npts * d);
    interior_points(dom, npts, 0.02, 5, pts);
    double sum2[7] = {0};
    for (int i = 0; i < npts; i++) {
        point_input in;
        memset(&in, 0, sizeof in);
        in.row = i;
        in.seed = rng_stream_seed(SEED, (uint64_t)i, RNG_PURPOSE_POINT);
        in.temperature = 300;
        memcpy(in.eta_target, pts + i * d, sizeof(double) * d);
        memcpy(in.kappa, pts + i * d, sizeof(double) * d);
        memcpy(in.phi, cfg->phi, sizeof(double) * d);
        point_result a, c;
        assert_int_equal(oracle_evaluate(&noisy, &in, &a), ALFE_OK);
        assert_int_equal(oracle_evaluate(&clean, &in, &c), ALFE_OK);
        rng_stream r;
        rng_stream_init(&r, in.seed, 0, RNG_PURPOSE_ORACLE_NOISE);
        for (int j = 0; j < d; j++) {
            const double z = rng_normal(&r), noise = a.mu[j] - c.mu[j];
            if (sigma[j] == 0)
                assert_true(a.mu[j] == c.mu[j]);
            ASSERT_NEAR(noise, sigma[j] * z, 1e-15, "noise_j = sigma_j z_j from the stream");
            assert_true(a.mu_stderr[j] == sigma[j]);
            sum2[j] += noise * noise;
        }
    }
    for (int j = 0; j < d; j++) /* spread per component: sigma_j within 5 sigma_j/sqrt(2n) */
        ASSERT_NEAR(sqrt(sum2[j] / npts), sigma[j], 5 * sigma[j] / sqrt(2.0 * npts),
                    "per-component noise standard deviation");
    free(pts);
    domain_destroy(&dom);
    config_destroy(&cfg);
    (void)noisy;
}

static void test_evaluate_noise(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    const double sigma = 0.01;
    alfe_config noisy_cfg = *cfg;
    for (int j = 0; j < d; j++)
        noisy_cfg.oracle_noise[j] = sigma;
    oracle_model clean, noisy;
    oracle_init_cfg(&clean, dom, cfg);
    oracle_init_cfg(&noisy, dom, &noisy_cfg);
    const int npts = 300;
    double *pts = malloc(sizeof(double) * npts * d);
    interior_points(dom, npts, 0.02, 4, pts);
    double sum = 0, sum2 = 0;
    long count = 0;
    for (int i = 0; i < npts; i++) {
        point_input in;
        memset(&in, 0, sizeof in);
        in.row = i;
        in.seed = rng_stream_seed(SEED, (uint64_t)i, RNG_PURPOSE_POINT);
        in.temperature = 300;
        memcpy(in.eta_target, pts + i * d, sizeof(double) * d);
        memcpy(in.kappa, pts + i * d, sizeof(double) * d);
        memcpy(in.phi, cfg->phi, sizeof(double) * d);
        point_result a, b, c;
        assert_int_equal(oracle_evaluate(&noisy, &in, &a), ALFE_OK);
        assert_int_equal(oracle_evaluate(&clean, &in, &c), ALFE_OK);
        assert_int_equal(a.status, POINT_DONE);
        assert_int_equal(c.status, POINT_DONE);
        /* Noise goes on mu only: <eta> is the same as without noise. */
        assert_memory_equal(a.eta_mean, c.eta_mean, sizeof(double) * d);
        /* The noise comes from the point's own stream (seed, 0, noise):
         * the same numbers on any rank, in any order. */
        rng_stream r;
        rng_stream_init(&r, in.seed, 0, RNG_PURPOSE_ORACLE_NOISE);
        for (int j = 0; j < d; j++) {
            double noise = a.mu[j] - c.mu[j];
            ASSERT_NEAR(noise, sigma * rng_normal(&r), 1e-15, "noise = sigma z from the stream");
            assert_true(a.mu_stderr[j] == sigma);
            sum += noise;
            sum2 += noise * noise;
            count++;
        }
        /* Same point, same seed: bit-identical (apart from the wall time). */
        if (i < 20) {
            assert_int_equal(oracle_evaluate(&noisy, &in, &b), ALFE_OK);
            a.wall_seconds = b.wall_seconds = 0;
            assert_memory_equal(&a, &b, sizeof a);
            /* Another seed: other noise, same <eta>. */
            in.seed ^= 0x5555;
            assert_int_equal(oracle_evaluate(&noisy, &in, &b), ALFE_OK);
            assert_memory_equal(a.eta_mean, b.eta_mean, sizeof(double) * d);
            for (int j = 0; j < d; j++)
                assert_true(a.mu[j] != b.mu[j]);
        }
    }
    /* 2100 draws: mean 0 within 5 sigma/sqrt(n); standard deviation sigma
     * within 5 sigma/sqrt(2n) (Gaussian). */
    double mean = sum / count, sd = sqrt(sum2 / count - mean * mean);
    ASSERT_NEAR(mean, 0.0, 5 * sigma / sqrt((double)count), "noise mean");
    ASSERT_NEAR(sd, sigma, 5 * sigma / sqrt(2.0 * count), "noise standard deviation");
    free(pts);
    domain_destroy(&dom);
    config_destroy(&cfg);
}

/* The oracle's measured curvature (oracle_curvature): with [oracle]
 * hessian_noise = 0 exactly g's Hessian at ⟨η⟩ (symmetric, stderr 0,
 * eta_cov NaN: not a chain); with noise σ the deviations are σ·z from the
 * point's own stream (key 1), one draw per pair k ≤ l, mirrored, stderr σ,
 * mean 0 and standard deviation σ over 300 points × 28 pairs; μ and ⟨η⟩ are
 * bit-identical with and without the Hessian noise; a failed point is NaN. */
static void test_curvature(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    const double sigma = 0.02;
    alfe_config noisy_cfg = *cfg;
    noisy_cfg.oracle_hessian_noise = sigma;
    oracle_model clean, noisy;
    oracle_init_cfg(&clean, dom, cfg);
    oracle_init_cfg(&noisy, dom, &noisy_cfg);
    const int npts = 300;
    double *pts = malloc(sizeof(double) * npts * d);
    interior_points(dom, npts, 0.02, 9, pts);
    double sum = 0, sum2 = 0;
    long count = 0;
    point_curvature *a = malloc(sizeof *a), *c = malloc(sizeof *c);
    for (int i = 0; i < npts; i++) {
        point_input in;
        memset(&in, 0, sizeof in);
        in.row = i;
        in.seed = rng_stream_seed(SEED, (uint64_t)i, RNG_PURPOSE_POINT);
        in.temperature = 300;
        memcpy(in.eta_target, pts + i * d, sizeof(double) * d);
        memcpy(in.kappa, pts + i * d, sizeof(double) * d);
        memcpy(in.phi, cfg->phi, sizeof(double) * d);
        point_result ra, rc;
        assert_int_equal(oracle_evaluate(&noisy, &in, &ra), ALFE_OK);
        assert_int_equal(oracle_evaluate(&clean, &in, &rc), ALFE_OK);
        assert_int_equal(ra.status, POINT_DONE);
        ra.wall_seconds = rc.wall_seconds = 0;
        assert_memory_equal(&ra, &rc, sizeof ra); /* μ, ⟨η⟩: the Hessian noise is apart */
        oracle_curvature(&noisy, &in, &ra, a);
        oracle_curvature(&clean, &in, &rc, c);
        double g, grad[7], hess[49];
        assert_int_equal(oracle_free_energy(&clean, rc.eta_mean, &g, grad, hess), 0);
        rng_stream r;
        rng_stream_init(&r, in.seed, 1, RNG_PURPOSE_ORACLE_NOISE);
        for (int k = 0; k < d; k++)
            for (int l = 0; l < d; l++) {
                assert_true(isnan(a->eta_cov[k * d + l]) && isnan(c->eta_cov[k * d + l]));
                ASSERT_NEAR(c->hessian[k * d + l], hess[k * d + l],
                            1e-12 * (1 + fabs(hess[k * d + l])), "exact Hessian");
                assert_true(c->hessian[k * d + l] == c->hessian[l * d + k]);
                assert_true(a->hessian[k * d + l] == a->hessian[l * d + k]);
                assert_true(c->hessian_stderr[k * d + l] == 0.0);
                assert_true(a->hessian_stderr[k * d + l] == sigma);
                if (l < k)
                    continue;
                const double noise = a->hessian[k * d + l] - c->hessian[k * d + l];
                ASSERT_NEAR(noise, sigma * rng_normal(&r), 1e-12, "Hessian noise = sigma z from key 1");
                sum += noise;
                sum2 += noise * noise;
                count++;
            }
    }
    const double mean = sum / count, sd = sqrt(sum2 / count - mean * mean);
    ASSERT_NEAR(mean, 0.0, 5 * sigma / sqrt((double)count), "Hessian noise mean");
    ASSERT_NEAR(sd, sigma, 5 * sigma / sqrt(2.0 * count), "Hessian noise standard deviation");
    /* a failed point: NaN */
    point_result failed;
    memset(&failed, 0, sizeof failed);
    failed.status = POINT_FAILED;
    point_input in;
    memset(&in, 0, sizeof in);
    oracle_curvature(&noisy, &in, &failed, a);
    for (int k = 0; k < d * d; k++)
        assert_true(isnan(a->hessian[k]) && isnan(a->hessian_stderr[k]));
    free(a);
    free(c);
    free(pts);
    domain_destroy(&dom);
    config_destroy(&cfg);
}

static void test_targeting(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    oracle_model o;
    oracle_init_cfg(&o, dom, cfg);
    const int npts = 30;
    double pts[30 * 7];
    interior_points(dom, npts, 0.02, 5, pts);
    for (int i = 0; i < npts; i++) {
        const double *star = pts + i * d;
        double g, grad[7];
        assert_int_equal(oracle_free_energy(&o, star, &g, grad, NULL), 0);
        for (int pass = 0; pass < 2; pass++) {
            point_input in;
            point_result res;
            memset(&in, 0, sizeof in);
            in.seed = (uint64_t)i;
            in.temperature = 300;
            if (pass == 0) {
                /* As the coordinator does it: default phi, start at eta*. */
                memcpy(in.phi, cfg->phi, sizeof(double) * d);
                memcpy(in.eta_target, star, sizeof(double) * d);
            } else {
                /* Stiffer bias (F strictly convex), Newton from the centre. */
                in.phi[0] = 50;
                for (int j = 1; j < d; j++)
                    in.phi[j] = 1.0;
                memcpy(in.eta_target, dom->center, sizeof(double) * d);
            }
            for (int j = 0; j < d; j++)
                in.kappa[j] = star[j] + grad[j] / (2 * in.phi[j]);
            if (pass == 1) {
                double hess[49], ev[7];
                biased_f(&o, &in, star, hess);
                assert_int_equal(linalg_sym_eigen(hess, d, ev, NULL), ALFE_OK);
                assert_true(ev[0] > 0.5);
            }
            assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
            assert_int_equal(res.status, POINT_DONE);
            char what[96];
            for (int j = 0; j < d; j++) {
                snprintf(what, sizeof what, "pass %d point %d: <eta_%d> = eta*", pass, i, j);
                ASSERT_NEAR(res.eta_mean[j], star[j], 1e-8, what);
                snprintf(what, sizeof what, "pass %d point %d: mu_%d = grad g(eta*)", pass, i, j);
                ASSERT_NEAR(res.mu[j], grad[j], 1e-8 * (2 * in.phi[j]) + 1e-12, what);
            }
        }
    }
    domain_destroy(&dom);
    config_destroy(&cfg);
}

static void test_evaluate_outside(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    oracle_model o;
    oracle_init_cfg(&o, dom, cfg);
    point_input in;
    point_result res;
    memset(&in, 0, sizeof in);
    memcpy(in.eta_target, dom->center, sizeof(double) * 7);
    in.eta_target[0] = -0.1; /* composition below 0 */
    memcpy(in.kappa, in.eta_target, sizeof(double) * 7);
    memcpy(in.phi, cfg->phi, sizeof(double) * 7);
    assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
    assert_int_equal(res.status, POINT_FAILED);
    assert_int_equal(res.converged, 0);
    for (int j = 0; j < 7; j++)
        assert_true(isnan(res.mu[j]) && isnan(res.eta_mean[j]));
    domain_destroy(&dom);
    config_destroy(&cfg);
}

/* A free-energy callback replaces the formula (oracle_use_free_energy): a
 * quadratic g = Σ ½ a_j (η_j − c_j)² has the saddle point of
 * g + Σ φ_j (η_j − κ_j)² at η_j = (a_j c_j + 2 φ_j κ_j)/(a_j + 2 φ_j), with
 * μ_j = a_j (η_j − c_j); the callback sees its context; NULL restores the
 * analytic formula. */
typedef struct {
    double a[7], c[7];
    int calls;
} quadratic_fe;

static int quadratic_free_energy(const oracle_model *o, void *context, const double *eta,
                                 double *g, double *grad, double *hess)
{
    quadratic_fe *q = context;
    const int d = o->dom->d;
    q->calls++;
    *g = 0.0;
    for (int j = 0; j < d; j++) {
        const double r = eta[j] - q->c[j];
        *g += 0.5 * q->a[j] * r * r;
        grad[j] = q->a[j] * r;
    }
    if (hess) {
        memset(hess, 0, sizeof(double) * (size_t)d * d);
        for (int j = 0; j < d; j++)
            hess[j * d + j] = q->a[j];
    }
    return 0;
}

static void test_free_energy_callback(void **state)
{
    (void)state;
    alfe_config *cfg = load_default_config();
    domain *dom = domain_from_config(cfg);
    const int d = 7;
    oracle_model o;
    oracle_init_cfg(&o, dom, cfg);
    assert_true(o.free_energy == oracle_analytic_free_energy);
    quadratic_fe q;
    memset(&q, 0, sizeof q);
    for (int j = 0; j < d; j++) {
        q.a[j] = 0.5 + 0.25 * j;
        q.c[j] = j == 0 ? 0.4 : 0.01 * j;
    }
    oracle_use_free_energy(&o, quadratic_free_energy, &q);
    point_input in;
    memset(&in, 0, sizeof in);
    in.seed = 17;
    in.temperature = cfg->temperature;
    for (int j = 0; j < d; j++) {
        in.phi[j] = cfg->phi[j];
        in.kappa[j] = j == 0 ? 0.55 : -0.02 * j;
        in.eta_target[j] = q.c[j];
    }
    point_result res;
    assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
    assert_int_equal(res.status, POINT_DONE);
    assert_true(q.calls > 0);
    for (int j = 0; j < d; j++) {
        const double eta = (q.a[j] * q.c[j] + 2.0 * in.phi[j] * in.kappa[j]) /
                           (q.a[j] + 2.0 * in.phi[j]);
        ASSERT_NEAR(res.eta_mean[j], eta, 1e-12, "saddle point of the callback's g");
        ASSERT_NEAR(res.mu[j], q.a[j] * (eta - q.c[j]), 1e-11, "mu from the callback");
    }
    /* Back to the formula. */
    oracle_use_free_energy(&o, NULL, NULL);
    oracle_model ref;
    oracle_init_cfg(&ref, dom, cfg);
    double g1, g2, grad1[7], grad2[7];
    const double eta0[7] = {0.5, 0.01, -0.02, 0.03, 0, 0, 0.01};
    assert_int_equal(oracle_free_energy(&o, eta0, &g1, grad1, NULL), 0);
    assert_int_equal(oracle_free_energy(&ref, eta0, &g2, grad2, NULL), 0);
    assert_true(g1 == g2);
    assert_memory_equal(grad1, grad2, sizeof grad1);
    domain_destroy(&dom);
    config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_energy_derivatives),
        cmocka_unit_test(test_ideal_solution_limit),
        cmocka_unit_test(test_evaluate_identity),
        cmocka_unit_test(test_evaluate_noise),
        cmocka_unit_test(test_evaluate_noise_per_component),
        cmocka_unit_test(test_curvature),
        cmocka_unit_test(test_targeting),
        cmocka_unit_test(test_evaluate_outside),
        cmocka_unit_test(test_free_energy_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
