/* test_formula_oracle.c — [oracle] free_energy (network/formula_oracle.c):
 * value, gradient and Hessian against finite differences in the 7-D LCO
 * space, against a hand-derived 1-D double well (ideal mixing + W(x)), the
 * ideal = no variant (refused outside the domain), the saddle-point identity
 * mu = grad g(<eta>) through the oracle, and parse errors with columns.
 * Run from the repository root (reads inputs/lco/Q.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/network/formula_oracle.h"
#include "alfe/space/domain.h"
#include "alfe/space/oracle.h"
#include "alfe/space/sampling.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LCO_Q "inputs/lco/Q.txt"

static void oracle_at(oracle_model *o, const domain *dom, oracle_formula *f, double t)
{
    oracle_params p;
    memset(&p, 0, sizeof p);
    p.temperature = t;
    oracle_init(o, dom, &p);
    oracle_use_free_energy(o, oracle_formula_free_energy, f);
}

static void test_fd_7d(void **state)
{
    (void)state;
    double *q = NULL;
    int m = 0;
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    domain *dom = NULL;
    assert_int_equal(domain_create(q, 7, m, &dom), ALFE_OK);
    oracle_formula *f = NULL;
    const char *text = "0.3*(e0-0.5)^2*e1^2 - 0.2*e1^2 + 0.15*e1^4 + 0.4*e2^2*e3^2 - 0.1*e0^3 "
                       "+ 0.05*e4*e5*e6 + e6^4/3";
    assert_int_equal(oracle_formula_create(text, 7, 1, &f, NULL), ALFE_OK);
    oracle_model o;
    oracle_at(&o, dom, f, 300);
    rng_stream r;
    rng_stream_init(&r, 11, 0, RNG_PURPOSE_TEST);
    billiard_walk w;
    billiard_init(&w, dom, &r, 0.0, NULL);
    const double h = 1e-5;
    for (int n = 0; n < 40;) {
        double eta[7], g, grad[7], hess[49];
        assert_int_equal(billiard_next(&w, eta), ALFE_OK);
        if (domain_min_slack(dom, eta) < 0.02)
            continue;
        n++;
        assert_int_equal(oracle_free_energy(&o, eta, &g, grad, hess), 0);
        for (int j = 0; j < 7; j++) {
            double ep[7], em[7], gp, gm, gradp[7], gradm[7];
            memcpy(ep, eta, sizeof ep);
            memcpy(em, eta, sizeof em);
            ep[j] += h;
            em[j] -= h;
            assert_int_equal(oracle_free_energy(&o, ep, &gp, gradp, NULL), 0);
            assert_int_equal(oracle_free_energy(&o, em, &gm, gradm, NULL), 0);
            double fd = (gp - gm) / (2 * h);
            if (fabs(fd - grad[j]) > 1e-6 * (1 + fabs(grad[j])))
                fail_msg("grad[%d] %.12g vs fd %.12g", j, grad[j], fd);
            for (int k = 0; k < 7; k++) {
                double fdh = (gradp[k] - gradm[k]) / (2 * h);
                if (fabs(fdh - hess[j * 7 + k]) > 1e-5 * (1 + fabs(hess[j * 7 + k])))
                    fail_msg("hess[%d][%d] %.12g vs fd %.12g", j, k, hess[j * 7 + k], fdh);
                assert_true(hess[j * 7 + k] == hess[k * 7 + j]);
            }
        }
    }
    oracle_formula_destroy(&f);
    domain_destroy(&dom);
    free(q);
}

/* 1-D: eta0 = x, g = kT (x ln x + (1-x) ln(1-x)) + W(x),
 * W = 2 (x - 0.2)^2 (x - 0.8)^2 + 0.1 x, by hand:
 *   W'  = 4 (x-0.2)(x-0.8)(2x-1) + 0.1,  W'' = 4 [(2x-1)^2 + 2 (x-0.2)(x-0.8)]. */
static void test_hand_1d(void **state)
{
    (void)state;
    const double q1 = 1.0;
    domain *dom = NULL;
    assert_int_equal(domain_create(&q1, 1, 1, &dom), ALFE_OK);
    oracle_formula *f = NULL;
    assert_int_equal(oracle_formula_create("2*(e0-0.2)^2*(e0-0.8)^2 + 0.1*e0", 1, 1, &f, NULL),
                     ALFE_OK);
    oracle_model o;
    oracle_at(&o, dom, f, 300);
    const double kt = ALFE_KB_EV * 300;
    for (double x = 0.01; x < 1.0; x += 0.07) {
        double g, grad[1], hess[1];
        assert_int_equal(oracle_free_energy(&o, &x, &g, grad, hess), 0);
        const double ge = kt * (x * log(x) + (1 - x) * log(1 - x)) +
                          2 * pow(x - 0.2, 2) * pow(x - 0.8, 2) + 0.1 * x;
        const double de = kt * log(x / (1 - x)) + 4 * (x - 0.2) * (x - 0.8) * (2 * x - 1) + 0.1;
        const double he = kt / (x * (1 - x)) +
                          4 * (pow(2 * x - 1, 2) + 2 * (x - 0.2) * (x - 0.8));
        if (fabs(g - ge) > 1e-13 || fabs(grad[0] - de) > 1e-12 || fabs(hess[0] - he) > 1e-10)
            fail_msg("x = %g: g %.15g/%.15g mu %.15g/%.15g H %.15g/%.15g", x, g, ge, grad[0],
                     de, hess[0], he);
    }
    /* outside (0,1): undefined */
    double g, grad[1], x = 1.2;
    assert_int_equal(oracle_free_energy(&o, &x, &g, grad, NULL), -1);
    /* the oracle's point: mu = grad g(<eta>) = -2 phi (<eta> - kappa) */
    point_input in;
    memset(&in, 0, sizeof in);
    in.kappa[0] = in.eta_target[0] = 0.35;
    in.phi[0] = 5;
    in.seed = 3;
    point_result res;
    assert_int_equal(oracle_evaluate(&o, &in, &res), ALFE_OK);
    assert_int_equal(res.status, POINT_DONE);
    double e = res.eta_mean[0];
    assert_int_equal(oracle_free_energy(&o, &e, &g, grad, NULL), 0);
    if (fabs(res.mu[0] - grad[0]) > 1e-10 || fabs(res.mu[0] + 2 * 5 * (e - 0.35)) > 1e-9)
        fail_msg("mu %.15g, grad %.15g, -2phi(eta-kappa) %.15g", res.mu[0], grad[0],
                 -10 * (e - 0.35));
    oracle_formula_destroy(&f);

    /* ideal = no: exactly W, and -1 outside the domain only */
    assert_int_equal(oracle_formula_create("2*(e0-0.2)^2*(e0-0.8)^2 + 0.1*e0", 1, 0, &f, NULL),
                     ALFE_OK);
    oracle_at(&o, dom, f, 300);
    x = 0.3;
    double hess[1];
    assert_int_equal(oracle_free_energy(&o, &x, &g, grad, hess), 0);
    assert_true(fabs(g - (2 * 0.01 * 0.25 + 0.03)) < 1e-15);
    assert_true(fabs(hess[0] - 4 * (0.16 + 2 * 0.1 * -0.5)) < 1e-13);
    x = 0.0; /* on the boundary: defined without ideal mixing */
    assert_int_equal(oracle_free_energy(&o, &x, &g, grad, NULL), 0);
    x = -0.1;
    assert_int_equal(oracle_free_energy(&o, &x, &g, grad, NULL), -1);
    oracle_formula_destroy(&f);
    domain_destroy(&dom);
}

static void test_parse_errors(void **state)
{
    (void)state;
    oracle_formula *f = NULL;
    int column = 0;
    assert_int_equal(oracle_formula_create("e0 + e9", 7, 1, &f, &column), ALFE_ERR_INPUT);
    assert_null(f);
    assert_int_equal(column, 6);
    alfe_error_clear();
    assert_int_equal(oracle_formula_create("e0 * (e1 +", 7, 1, &f, &column), ALFE_ERR_INPUT);
    assert_true(column > 0);
    alfe_error_clear();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fd_7d),
        cmocka_unit_test(test_hand_1d),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
