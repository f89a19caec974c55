/* test_domain.c — Q files, the pseudo-inverse map x(η), the domain polytope
 * and the ideal-mixing free energy (domain.c, linalg.c).
 * Run from the repository root (reads inputs/lco/Q.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SEED
#define SEED 7ULL
#endif

#define LCO_Q "inputs/lco/Q.txt"
#define KB_EV 8.617333262e-5 /* eV/K */

#define ASSERT_NEAR(a, b, tol, what)                                                       \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_))                                                        \
            fail_msg("%s: %.15g vs %.15g differ by %.3g > %.3g", (what), a_, b_,           \
                     fabs(a_ - b_), t_);                                                   \
    } while (0)

/* Write `text` to a new file /tmp/alfe-test-domain-XXXXXX; path into buf. */
static void write_temp(const char *text, char *path, size_t size)
{
    snprintf(path, size, "/tmp/alfe-test-domain-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

/* ------------------------------------------------------------------------- */
/* domain_read_q */

static void test_read_q_good(void **state)
{
    (void)state;
    /* Comments (whole-line, indented, trailing), blank lines, commas with
     * and without spaces, tabs, a CRLF line, more rows than d, no final
     * newline. */
    const char *text = "# a Q file\n"
                       "\n"
                       "0.25, 0.25 0.25,0.25   # composition row\n"
                       "   \t\n"
                       "\t0.5 -0.5 0 0\r\n"
                       "    # indented comment\n"
                       "1e-1,2E-1 , 0.3,-0.6\n"
                       "9 9 9 9\n"
                       "not even numbers: rows beyond d are not read";
    char path[64];
    write_temp(text, path, sizeof path);
    double *q = NULL;
    int m = 0;
    alfe_error_clear();
    assert_int_equal(domain_read_q(path, 3, &q, &m), ALFE_OK);
    assert_int_equal(m, 4);
    const double want[12] = {0.25, 0.25, 0.25, 0.25, 0.5, -0.5, 0, 0, 0.1, 0.2, 0.3, -0.6};
    for (int i = 0; i < 12; i++)
        assert_true(q[i] == want[i]);
    free(q);

    /* d = 1 reads only the composition row. */
    assert_int_equal(domain_read_q(path, 1, &q, &m), ALFE_OK);
    assert_int_equal(m, 4);
    free(q);
    unlink(path);

    /* The shipped LCO file: 7 rows of 8, rows orthogonal. */
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    assert_int_equal(m, 8);
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < 7; j++) {
            double dot = 0;
            for (int s = 0; s < 8; s++)
                dot += q[i * 8 + s] * q[j * 8 + s];
            ASSERT_NEAR(dot, i == j ? 1.0 / 8 : 0.0, 1e-15, "LCO Q Q^T");
        }
    free(q);
    assert_string_equal(alfe_error_message(), "");
}

/* Read `text` as a Q file of dimension d; it must fail with ALFE_ERR_INPUT and
 * a message holding "path:line:" (line > 0) or the path alone (line == 0),
 * and every word of `words` (space separated, may be NULL). */
static void expect_bad_q(const char *text, int d, int line, const char *words)
{
    char path[64], where[96];
    write_temp(text, path, sizeof path);
    double *q = (double *)&q; /* must be reset to NULL */
    int m = -7;
    alfe_error_clear();
    int rc = domain_read_q(path, d, &q, &m);
    const char *msg = alfe_error_message();
    if (rc != ALFE_ERR_INPUT)
        fail_msg("expected ALFE_ERR_INPUT for file <<%s>>, got %d (%s)", text, rc, msg);
    assert_null(q);
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d:", path, line);
    else
        snprintf(where, sizeof where, "%s", path);
    if (!strstr(msg, where))
        fail_msg("message for <<%s>> does not name %s: \"%s\"", text, where, msg);
    if (words) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", words);
        for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
            if (!strstr(msg, w))
                fail_msg("message for <<%s>> lacks \"%s\": \"%s\"", text, w, msg);
    }
    assert_int_equal(alfe_error_code(), ALFE_ERR_INPUT);
    alfe_error_clear();
    unlink(path);
}

static void test_read_q_bad(void **state)
{
    (void)state;
    /* Ragged rows. */
    expect_bad_q("# c\n0.5 0.5\n0.5 -0.5 0.1\n", 2, 3, "ragged");
    expect_bad_q("0.25 0.25 0.25 0.25\n\n# c\n1 2 3\n", 2, 4, "ragged");
    /* Non-finite values. */
    expect_bad_q("0.5 0.5\nnan 0.1\n", 2, 2, "finite");
    expect_bad_q("0.5 0.5\n\n0.1 inf\n", 2, 3, "finite");
    expect_bad_q("0.5 0.5\n0.1 -inf\n", 2, 2, "finite");
    expect_bad_q("0.5 0.5\n0.1 -Infinity\n", 2, 2, "finite");
    expect_bad_q("0.5 0.5\n0.1 1e999\n", 2, 2, "finite");
    expect_bad_q("NaN 0.5\n0.1 0.2\n", 2, 1, "finite");
    /* Non-numbers. */
    expect_bad_q("0.5 0.5\n0.1 abc\n", 2, 2, NULL);
    expect_bad_q("0.5 0.5\n# ok\n0.1 1.2.3\n", 2, 3, NULL);
    expect_bad_q("0.5 0.5\n0.5x -0.5\n", 2, 2, NULL);
    expect_bad_q("0.5;0.5\n0.5 -0.5\n", 2, 1, NULL);
    expect_bad_q("0.5 0.5\n0.5 - 0.5\n", 2, 2, NULL);
    /* Too few rows: the message names the line where the file ended. */
    expect_bad_q("0.5 0.5\n0.5 -0.5\n", 3, 2, "dimension");
    expect_bad_q("# only\n0.5 0.5\n\n# comments\n", 2, 4, "dimension");
    /* Row 0 not (1/M)(1,...,1): the message names the line of row 0. */
    expect_bad_q("# c\n0.3 0.3 0.4\n0 0.5 -0.5\n", 2, 2, "row 0");
    expect_bad_q("1 1 1 1\n1 -1 1 -1\n", 2, 1, "row 0");         /* CASM scaling */
    expect_bad_q("\n\n0.5 -0.5\n0.5 0.5\n", 2, 3, "row 0");       /* rows swapped */
    expect_bad_q("-0.25 -0.25 -0.25 -0.25\n", 1, 1, "row 0");
    /* Fewer columns (sublattices) than order parameters. */
    expect_bad_q("0.5 0.5\n0.5 -0.5\n0.1 0.2\n", 3, 1, "columns");
    /* A file that does not exist. */
    double *q = NULL;
    int m = 0;
    alfe_error_clear();
    assert_int_equal(domain_read_q("/tmp/alfe-test-domain-no-such-file", 1, &q, &m),
                     ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "/tmp/alfe-test-domain-no-such-file"));
    assert_null(q);
    alfe_error_clear();
}

/* ------------------------------------------------------------------------- */
/* domain_create */

/* A few Q matrices (d×m, row-major) of increasing generality. */
typedef struct {
    const char *name;
    int d, m;
    double q[7 * 8];
} q_case;

static int make_cases(q_case *cases)
{
    int n = 0;
    /* The shipped 7-D LCO space. */
    double *q;
    int m;
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    cases[n] = (q_case){.name = "lco", .d = 7, .m = m};
    memcpy(cases[n].q, q, sizeof(double) * 7 * 8);
    free(q);
    n++;
    /* A square, non-orthogonal 3×3 (a parallelepiped). */
    cases[n] = (q_case){.name = "square3",
                        .d = 3,
                        .m = 3,
                        .q = {1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, -0.2, 0.1, 0.1, 0.3, -0.4}};
    n++;
    /* A random 4×6 with the composition row. */
    rng_stream r;
    rng_stream_init(&r, SEED, 1, RNG_PURPOSE_TEST);
    cases[n] = (q_case){.name = "random4x6", .d = 4, .m = 6};
    for (int s = 0; s < 6; s++)
        cases[n].q[s] = 1.0 / 6;
    for (int i = 6; i < 24; i++)
        cases[n].q[i] = 0.3 * rng_normal(&r);
    n++;
    /* d = 1: the composition alone. */
    cases[n] = (q_case){.name = "composition", .d = 1, .m = 5, .q = {0.2, 0.2, 0.2, 0.2, 0.2}};
    n++;
    return n;
}

static void test_create_pinv(void **state)
{
    (void)state;
    q_case cases[4];
    int n = make_cases(cases);
    for (int c = 0; c < n; c++) {
        const int d = cases[c].d, m = cases[c].m;
        const double *q = cases[c].q;
        domain *dom = NULL;
        assert_int_equal(domain_create(q, d, m, &dom), ALFE_OK);
        assert_non_null(dom);
        assert_int_equal(dom->d, d);
        assert_int_equal(dom->m, m);
        assert_int_equal(dom->n_half, 2 * m);
        const double *p = dom->q_pinv;
        double pq[8 * 8];
        /* Q Q+ = I (d×d). */
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int s = 0; s < m; s++)
                    sum += q[i * m + s] * p[s * d + j];
                ASSERT_NEAR(sum, i == j, 1e-12, cases[c].name);
            }
        /* The other Penrose conditions make Q+ the pseudo-inverse (not just
         * some right inverse): Q+ Q symmetric, Q+ Q Q+ = Q+. */
        for (int s = 0; s < m; s++)
            for (int t = 0; t < m; t++) {
                double sum = 0;
                for (int j = 0; j < d; j++)
                    sum += p[s * d + j] * q[j * m + t];
                pq[s * m + t] = sum;
            }
        for (int s = 0; s < m; s++)
            for (int t = 0; t < m; t++)
                ASSERT_NEAR(pq[s * m + t], pq[t * m + s], 1e-12, "Q+Q symmetric");
        for (int s = 0; s < m; s++)
            for (int j = 0; j < d; j++) {
                double sum = 0;
                for (int t = 0; t < m; t++)
                    sum += pq[s * m + t] * p[t * d + j];
                ASSERT_NEAR(sum, p[s * d + j], 1e-12, "Q+ Q Q+ = Q+");
            }
        /* LCO: orthogonal rows of norm^2 1/8, so Q+ = 8 Q^T exactly. */
        if (!strcmp(cases[c].name, "lco"))
            for (int s = 0; s < m; s++)
                for (int j = 0; j < d; j++)
                    ASSERT_NEAR(p[s * d + j], 8 * q[j * m + s], 1e-12, "LCO Q+ = 8 Q^T");
        /* The stored Q is a copy. */
        for (int i = 0; i < d * m; i++)
            assert_true(dom->q[i] == q[i]);
        domain_destroy(&dom);
        assert_null(dom);
    }
}

static void test_create_halfspaces(void **state)
{
    (void)state;
    q_case cases[4];
    int n = make_cases(cases);
    rng_stream r;
    rng_stream_init(&r, SEED, 2, RNG_PURPOSE_TEST);
    for (int c = 0; c < n; c++) {
        const int d = cases[c].d, m = cases[c].m;
        domain *dom = NULL;
        assert_int_equal(domain_create(cases[c].q, d, m, &dom), ALFE_OK);
        double x[8], eta[7];

        /* |a_i| is the norm of row i. */
        for (int i = 0; i < dom->n_half; i++) {
            double norm2 = 0;
            for (int j = 0; j < d; j++)
                norm2 += dom->a[i * d + j] * dom->a[i * d + j];
            ASSERT_NEAR(dom->a_norm[i], sqrt(norm2), 1e-14, "a_norm");
        }

        /* The centre: eta = Q (1/2,...,1/2), x = 1/2 everywhere (the ones
         * vector is in the row space), slack 1/2. */
        for (int j = 0; j < d; j++) {
            double sum = 0;
            for (int s = 0; s < m; s++)
                sum += 0.5 * cases[c].q[j * m + s];
            ASSERT_NEAR(dom->center[j], sum, 1e-15, "centre");
        }
        domain_x_of_eta(dom, dom->center, x);
        for (int s = 0; s < m; s++)
            ASSERT_NEAR(x[s], 0.5, 1e-12, "x(centre)");
        ASSERT_NEAR(domain_min_slack(dom, dom->center), 0.5, 1e-12, "slack at the centre");
        assert_true(domain_contains(dom, dom->center, 0.0));

        /* Random eta, alternately uniform in a box 20 % larger than the
         * bounding box (the LCO domain fills < 0.1 % of it) and on random rays
         * from the centre out to 1.25 times the distance to the first face:
         * A eta <= b holds exactly when 0 <= x(eta) <= 1, and the slack is
         * min_s min(x_s, 1 - x_s).  Inside points lie in the bounding box. */
        int inside = 0, outside = 0;
        for (int k = 0; k < 20000; k++) {
            if (k % 2 == 0) {
                for (int j = 0; j < d; j++) {
                    double w = dom->upper[j] - dom->lower[j];
                    eta[j] = dom->lower[j] - 0.1 * w + 1.2 * w * rng_uniform(&r);
                }
            } else {
                double u[7], du[8], t_max = INFINITY;
                rng_unit_vector(&r, d, u);
                domain_x_of_eta(dom, u, du);
                for (int s = 0; s < m; s++)
                    t_max = fmin(t_max, 0.5 / fabs(du[s]));
                double t = 1.25 * t_max * rng_uniform(&r);
                for (int j = 0; j < d; j++)
                    eta[j] = dom->center[j] + t * u[j];
            }
            domain_x_of_eta(dom, eta, x);
            double want = INFINITY;
            int in_x = 1;
            for (int s = 0; s < m; s++) {
                double xs = 0;
                for (int j = 0; j < d; j++)
                    xs += dom->q_pinv[s * d + j] * eta[j];
                ASSERT_NEAR(x[s], xs, 1e-14, "x(eta) = Q+ eta");
                want = fmin(want, fmin(xs, 1 - xs));
                in_x &= xs >= 0 && xs <= 1;
            }
            ASSERT_NEAR(domain_min_slack(dom, eta), want, 1e-13, "min slack");
            int in = domain_contains(dom, eta, 0.0);
            assert_int_equal(in, in_x);
            if (in) {
                inside++;
                for (int j = 0; j < d; j++)
                    assert_true(eta[j] >= dom->lower[j] - 1e-15 && eta[j] <= dom->upper[j] + 1e-15);
            } else {
                outside++;
            }
        }
        /* Both outcomes occurred, so the check above was not vacuous. */
        if (!(inside > 100 && outside > 100))
            fail_msg("%s: %d inside, %d outside", cases[c].name, inside, outside);

        /* Along random rays from the centre: just before the first face
         * x is in [0,1] and eta is inside; just past it one x_s is outside
         * [0,1] by ~1e-9 and eta is outside (but inside with tol 1e-6). */
        for (int k = 0; k < 2000; k++) {
            double u[7];
            rng_unit_vector(&r, d, u);
            double du[8];
            domain_x_of_eta(dom, u, du); /* x(centre + t u) = 1/2 + t du */
            double t_max = INFINITY;
            for (int s = 0; s < m; s++)
                if (du[s] != 0)
                    t_max = fmin(t_max, 0.5 / fabs(du[s]));
            double eps = 1e-9 / fmax(1e-300, 0.5 / t_max); /* ~1e-9 in x */
            for (int side = -1; side <= 1; side += 2) {
                for (int j = 0; j < d; j++)
                    eta[j] = dom->center[j] + (t_max + side * eps) * u[j];
                domain_x_of_eta(dom, eta, x);
                double worst = 0; /* distance of x outside [0,1] */
                for (int s = 0; s < m; s++)
                    worst = fmax(worst, fmax(-x[s], x[s] - 1));
                if (side < 0) {
                    assert_true(worst == 0.0);
                    assert_true(domain_contains(dom, eta, 0.0));
                } else {
                    assert_true(worst > 0.5e-9 && worst < 2e-9);
                    assert_false(domain_contains(dom, eta, 0.0));
                    assert_false(domain_contains(dom, eta, 1e-10));
                    assert_true(domain_contains(dom, eta, 1e-6));
                    assert_true(domain_min_slack(dom, eta) < 0);
                }
            }
        }
        domain_destroy(&dom);
    }
}

static void test_create_bad(void **state)
{
    (void)state;
    domain *dom = (domain *)&dom;
    /* Row 2 = 2 x row 1. */
    const double dep[12] = {0.25, 0.25, 0.25, 0.25, 0.1, -0.2, 0.3, 0.0, 0.2, -0.4, 0.6, 0.0};
    alfe_error_clear();
    assert_int_equal(domain_create(dep, 3, 4, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    assert_non_null(strstr(alfe_error_message(), "linearly dependent"));
    alfe_error_clear();
    /* A row that is a combination of two others (row 3 = row 1 + row 2). */
    const double comb[16] = {0.25, 0.25, 0.25,  0.25, 0.1, -0.2, 0.3, 0.0,
                             0.0,  0.5,  -0.1,  0.2,  0.1, 0.3,  0.2, 0.2};
    assert_int_equal(domain_create(comb, 4, 4, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    alfe_error_clear();
    /* The composition row twice. */
    const double twice[6] = {1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 3};
    assert_int_equal(domain_create(twice, 2, 3, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    alfe_error_clear();
    /* More rows than columns; dimension outside 1..ALFE_MAX_DIM. */
    const double tall[6] = {0.5, 0.5, 0.5, -0.5, 0.1, 0.2};
    assert_int_equal(domain_create(tall, 3, 2, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    alfe_error_clear();
    assert_int_equal(domain_create(tall, 0, 2, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    alfe_error_clear();
    assert_int_equal(domain_create(tall, ALFE_MAX_DIM + 1, 2, &dom), ALFE_ERR_INPUT);
    assert_null(dom);
    alfe_error_clear();
}

/* ------------------------------------------------------------------------- */
/* domain_ideal_mixing */

/* Finite-difference step at eta: 1e-4 of the smallest x_s or 1 - x_s,
 * divided by the largest change of any x_s per unit step in one eta_j. */
static double fd_step(const domain *dom, const double *eta)
{
    double pmax = 0;
    for (int i = 0; i < dom->m * dom->d; i++)
        pmax = fmax(pmax, fabs(dom->q_pinv[i]));
    return 1e-4 * domain_min_slack(dom, eta) / pmax;
}

static double ideal_g(const domain *dom, double kt, const double *eta)
{
    double g = 0, grad[8];
    assert_int_equal(domain_ideal_mixing(dom, kt, eta, &g, grad, NULL), 0);
    return g;
}

static void test_ideal_mixing(void **state)
{
    (void)state;
    q_case cases[4];
    int n = make_cases(cases);
    rng_stream r;
    rng_stream_init(&r, SEED, 3, RNG_PURPOSE_TEST);
    const double kts[2] = {KB_EV * 300.0, 0.7};
    for (int c = 0; c < n; c++) {
        const int d = cases[c].d, m = cases[c].m;
        domain *dom = NULL;
        assert_int_equal(domain_create(cases[c].q, d, m, &dom), ALFE_OK);
        for (int k = 0; k < 2; k++) {
            const double kt = kts[k];
            int tested = 0;
            while (tested < 40) {
                /* Interior points with every x_s in [0.02, 0.98]. */
                double eta[7], x[8];
                for (int j = 0; j < d; j++)
                    eta[j] = dom->lower[j] + (dom->upper[j] - dom->lower[j]) * rng_uniform(&r);
                if (domain_min_slack(dom, eta) < 0.02)
                    continue;
                tested++;
                domain_x_of_eta(dom, eta, x);
                /* Value against the formula; results are added to the
                 * inputs (g, grad, hess start non-zero). */
                double want = 0;
                for (int s = 0; s < m; s++)
                    want += kt / m * (x[s] * log(x[s]) + (1 - x[s]) * log(1 - x[s]));
                double g = 1.5, grad[7], hess[49];
                for (int j = 0; j < d; j++)
                    grad[j] = 0.25 * j;
                for (int j = 0; j < d * d; j++)
                    hess[j] = -0.5 * j;
                assert_int_equal(domain_ideal_mixing(dom, kt, eta, &g, grad, hess), 0);
                ASSERT_NEAR(g - 1.5, want, 1e-14 * fabs(want) + 1e-15, "ideal g");
                for (int j = 0; j < d; j++)
                    grad[j] -= 0.25 * j;
                for (int j = 0; j < d * d; j++)
                    hess[j] += 0.5 * j;
                /* Central differences with a step h that moves every x_s
                 * by at most 1e-4 of its distance to 0 or 1: the relative
                 * truncation error of the log terms is then below
                 * (1e-4)^2/3 and rounding (eps g / h) stays near 1e-10, so
                 * 1e-6 of the largest entry leaves a wide margin. */
                const double h = fd_step(dom, eta);
                double gmax = 0, hmax = 0;
                for (int j = 0; j < d; j++)
                    gmax = fmax(gmax, fabs(grad[j]));
                for (int j = 0; j < d * d; j++)
                    hmax = fmax(hmax, fabs(hess[j]));
                for (int j = 0; j < d; j++) {
                    double ep[7], em[7];
                    memcpy(ep, eta, sizeof ep);
                    memcpy(em, eta, sizeof em);
                    ep[j] += h;
                    em[j] -= h;
                    double fd = (ideal_g(dom, kt, ep) - ideal_g(dom, kt, em)) / (2 * h);
                    ASSERT_NEAR(fd, grad[j], 1e-6 * gmax + 1e-15, "ideal gradient vs FD");
                    /* Hessian column j: central difference of the gradient. */
                    double gp[7] = {0}, gm[7] = {0}, gv = 0;
                    assert_int_equal(domain_ideal_mixing(dom, kt, ep, &gv, gp, NULL), 0);
                    assert_int_equal(domain_ideal_mixing(dom, kt, em, &gv, gm, NULL), 0);
                    for (int i = 0; i < d; i++)
                        ASSERT_NEAR((gp[i] - gm[i]) / (2 * h), hess[i * d + j], 1e-6 * hmax,
                                    "ideal Hessian vs FD of the gradient");
                    /* Second difference of g on the diagonal. */
                    double fd2 = (ideal_g(dom, kt, ep) - 2 * ideal_g(dom, kt, eta) +
                                  ideal_g(dom, kt, em)) /
                                 (h * h);
                    ASSERT_NEAR(fd2, hess[j * d + j], 1e-3 * hmax,
                                "ideal Hessian diagonal vs second difference");
                }
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++)
                        ASSERT_NEAR(hess[i * d + j], hess[j * d + i], 1e-13 * (hmax + 0.5 * d * d),
                                    "ideal Hessian symmetric");
            }
            /* Outside (0,1): at the vertex x = 0 and just past the centre's
             * reach, -1 and nothing added. */
            double zero[7] = {0}, g = 0, grad[7] = {0};
            assert_int_equal(domain_ideal_mixing(dom, kt, zero, &g, grad, NULL), -1);
            double far[7];
            for (int j = 0; j < d; j++)
                far[j] = dom->upper[j] + 1.0;
            assert_int_equal(domain_ideal_mixing(dom, kt, far, &g, grad, NULL), -1);
            assert_true(g == 0.0);
        }
        domain_destroy(&dom);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_q_good),       cmocka_unit_test(test_read_q_bad),
        cmocka_unit_test(test_create_pinv),       cmocka_unit_test(test_create_halfspaces),
        cmocka_unit_test(test_create_bad),        cmocka_unit_test(test_ideal_mixing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
