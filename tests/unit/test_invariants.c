/* test_invariants.c — polynomials, formulas and invariant generation
 * (invariants.c, invariants_group.c): exact value/gradient/Hessian against
 * hand-coded polynomials and finite differences; parser precedence, numbers,
 * canonical form and every error message with its column; invariant files;
 * the published LCO workflow's 12 invariants against numpy (translated at
 * test time by tools/transforms_to_formulas.py from ../shared); Reynolds
 * generation for FCC 4-sublattice ordering (against the textbook generators,
 * by span) and for inputs/lco (invariance under every group element, the
 * selection rule checked against Molien's series and independent ranks);
 * groups built from a prim; refusals.  Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/network/invariants.h"
#include "alfe/network/invariants_group.h"

#include <complex.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ANCHOR_TRANSFORMS "../shared/anchor-lco/transforms.json"
#define LCO_PRIM "inputs/lco/prim.json"
#define LCO_Q "inputs/lco/Q.txt"
#define LCO_DEGREE 6

#define ASSERT_NEAR(a, b, tol, ...)                                                        \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_)) {                                                      \
            char what_[256];                                                               \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                    \
            fail_msg("%s: %.17g vs %.17g differ by %.3g > %.3g", what_, a_, b_,            \
                     fabs(a_ - b_), t_);                                                   \
        }                                                                                  \
    } while (0)

/* splitmix64: the tests' own reproducible stream. */
static uint64_t rng_state = 0x1234567ULL;
static double uniform(double lo, double hi)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) / 9007199254740992.0;
}

static polynomial parse_ok(const char *text, int d)
{
    polynomial p;
    int column = -1;
    int rc = polynomial_parse(text, d, &p, &column);
    if (rc != ALFE_OK)
        fail_msg("parsing '%s': %s", text, alfe_error_message());
    assert_int_equal(column, 0);
    return p;
}

/* Exact comparison of a polynomial with an expected term list. */
static void expect_terms(const polynomial *p, int n, const double *coef, const uint8_t *pow,
                         const char *what)
{
    if (p->n_terms != n) {
        char *text = polynomial_format(p);
        fail_msg("%s: %d terms (%s), expected %d", what, p->n_terms, text, n);
    }
    for (int t = 0; t < n; t++) {
        if (memcmp(p->pow + (size_t)t * p->d, pow + (size_t)t * p->d, (size_t)p->d) != 0)
            fail_msg("%s: term %d has other exponents", what, t);
        if (p->coef[t] != coef[t])
            fail_msg("%s: term %d coefficient %.17g, expected %.17g", what, t, p->coef[t],
                     coef[t]);
    }
}

/* ------------------------------------------------------------------------ */
/* Parser */

static void test_parse_hand_expanded(void **state)
{
    (void)state;
    {
        polynomial p = parse_ok("(e0 + 2*e1)^2 - e2", 3);
        /* canonical: degree 1 first, then e0^2, e0 e1, e1^2 */
        const double c[] = {-1, 1, 4, 4};
        const uint8_t e[] = {0, 0, 1, 2, 0, 0, 1, 1, 0, 0, 2, 0};
        expect_terms(&p, 4, c, e, "(e0 + 2*e1)^2 - e2");
        polynomial_free(&p);
    }
    {
        polynomial p = parse_ok("(1 + e0)^3", 1);
        const double c[] = {1, 3, 3, 1};
        const uint8_t e[] = {0, 1, 2, 3};
        expect_terms(&p, 4, c, e, "(1 + e0)^3");
        polynomial_free(&p);
    }
    {
        polynomial p = parse_ok("(e0 - e1)*(e0 + e1)", 2);
        const double c[] = {1, -1};
        const uint8_t e[] = {2, 0, 0, 2};
        expect_terms(&p, 2, c, e, "(e0 - e1)*(e0 + e1)");
        polynomial_free(&p);
    }
    {
        /* (x + y + z)^3 has 10 terms with multinomial coefficients */
        polynomial p = parse_ok("(e0+e1+e2)^3", 3);
        assert_int_equal(p.n_terms, 10);
        const double c[] = {1, 3, 3, 3, 6, 3, 1, 3, 3, 1};
        const uint8_t e[] = {3, 0, 0, 2, 1, 0, 2, 0, 1, 1, 2, 0, 1, 1, 1,
                             1, 0, 2, 0, 3, 0, 0, 2, 1, 0, 1, 2, 0, 0, 3};
        expect_terms(&p, 10, c, e, "(e0+e1+e2)^3");
        assert_int_equal(polynomial_degree(&p), 3);
        polynomial_free(&p);
    }
}

/* Value of a constant formula. */
static double constant_of(const char *text)
{
    polynomial p = parse_ok(text, 2);
    if (p.n_terms > 1 || polynomial_degree(&p) != 0)
        fail_msg("'%s' is not a constant", text);
    double v = p.n_terms ? p.coef[0] : 0.0;
    polynomial_free(&p);
    return v;
}

static void test_parse_precedence_and_numbers(void **state)
{
    (void)state;
    struct {
        const char *text;
        double value;
    } cases[] = {
        {"1 + 2*3^2", 19},      {"-2^2", -4},           {"(-2)^2", 4},
        {"2*-3", -6},           {"--3", 3},             {"+3", 3},
        {"-(1+2)*3", -9},       {"2^3*2", 16},          {"2*3^2", 18},
        {"12/2/3", 2},          {"2 - 3 - 4", -5},      {"2 - (3 - 4)", 3},
        {"8./3.", 8.0 / 3.0},   {"64./5.", 64.0 / 5.0}, {"1e-3", 1e-3},
        {".5", 0.5},            {"1.5E+2", 150},        {"2.5e1", 25},
        {"sqrt(4)", 2},         {"3/sqrt(4)", 1.5},     {"sqrt(2)^2", 2.0000000000000004},
        {"sqrt(2*8)", 4},       {"2^0", 1},             {"(1+2)*3", 9},
        {" \t 1 +\t2 ", 3},     {"1-1", 0},             {"2e0", 2},
        {"64.*sqrt(5)", 64.0 * 2.23606797749978969640}, {"1+2*3-4/2", 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (constant_of(cases[i].text) != cases[i].value)
            fail_msg("'%s' = %.17g, expected %.17g", cases[i].text, constant_of(cases[i].text),
                     cases[i].value);

    /* Unary minus binds weaker than ^, division is left-associative, and a
     * product of powers adds exponents. */
    polynomial p = parse_ok("-e0^2", 1);
    const double c1[] = {-1};
    const uint8_t e1[] = {2};
    expect_terms(&p, 1, c1, e1, "-e0^2");
    polynomial_free(&p);
    p = parse_ok("e0/2/2", 1);
    const double c2[] = {0.25};
    const uint8_t e2[] = {1};
    expect_terms(&p, 1, c2, e2, "e0/2/2");
    polynomial_free(&p);
    p = parse_ok("e0*e0^2*e0", 1);
    const double c3[] = {1};
    const uint8_t e3[] = {4};
    expect_terms(&p, 1, c3, e3, "e0*e0^2*e0");
    polynomial_free(&p);
    p = parse_ok("e0 - e1 - e2", 3);
    const double c4[] = {1, -1, -1};
    const uint8_t e4[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    expect_terms(&p, 3, c4, e4, "e0 - e1 - e2");
    polynomial_free(&p);
    p = parse_ok("8./3.*e1^2", 2);
    const double c5[] = {8.0 / 3.0};
    const uint8_t e5[] = {0, 2};
    expect_terms(&p, 1, c5, e5, "8./3.*e1^2");
    polynomial_free(&p);
    p = parse_ok("e1/sqrt(4)", 2);
    const double c6[] = {0.5};
    const uint8_t e6[] = {0, 1};
    expect_terms(&p, 1, c6, e6, "e1/sqrt(4)");
    polynomial_free(&p);
    p = parse_ok("  e1 *\te0 ^ 2\r", 2);
    const double c7[] = {1};
    const uint8_t e7[] = {2, 1};
    expect_terms(&p, 1, c7, e7, "whitespace");
    polynomial_free(&p);
    p = parse_ok("e0^0 + e10", 11);
    const double c8[] = {1, 1};
    const uint8_t e8[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    expect_terms(&p, 2, c8, e8, "e0^0 + e10");
    polynomial_free(&p);
    p = parse_ok("e0^255", 1);
    assert_int_equal(p.pow[0], 255);
    polynomial_free(&p);

    /* Numbers of any length (no fixed buffer): 0.25 written with 200 zeros
     * after it, and 1 written with 300 digits of 0 before the point. */
    char long_number[600];
    snprintf(long_number, sizeof long_number, "0.25%0200d*e0", 0);
    p = parse_ok(long_number, 1);
    const double c9[] = {0.25};
    const uint8_t e9[] = {1};
    expect_terms(&p, 1, c9, e9, "200 trailing zeros");
    polynomial_free(&p);
    snprintf(long_number, sizeof long_number, "%0300d1.0 + e0", 0);
    p = parse_ok(long_number, 1);
    const double c10[] = {1, 1};
    const uint8_t e10[] = {0, 1};
    expect_terms(&p, 2, c10, e10, "300 leading zeros");
    polynomial_free(&p);
}

static void test_parse_canonical(void **state)
{
    (void)state;
    polynomial p = parse_ok("e1 + e0 - e1 + e0", 2);
    const double c1[] = {2};
    const uint8_t e1[] = {1, 0};
    expect_terms(&p, 1, c1, e1, "combined");
    polynomial_free(&p);
    p = parse_ok("e0*e1 - e1*e0", 2);
    assert_int_equal(p.n_terms, 0);
    polynomial_free(&p);
    /* cancellation to rounding is a zero, not 5.6e-17 */
    p = parse_ok("0.1*e0 + 0.2*e0 - 0.3*e0 + e1", 2);
    const double c2[] = {1};
    const uint8_t e2[] = {0, 1};
    expect_terms(&p, 1, c2, e2, "rounding cancellation");
    polynomial_free(&p);
    p = parse_ok("0*e0 + e1*0", 2);
    assert_int_equal(p.n_terms, 0);
    polynomial_free(&p);
    p = parse_ok("e2 + e1^2 + 1 + e0*e1 + e0^2 + e2^3 + e0*e2^2", 3);
    const double c3[] = {1, 1, 1, 1, 1, 1, 1};
    const uint8_t e3[] = {0, 0, 0, 0, 0, 1, 2, 0, 0, 1, 1, 0, 0, 2, 0, 1, 0, 2, 0, 0, 3};
    expect_terms(&p, 7, c3, e3, "graded lexicographic order");
    polynomial_free(&p);
    /* polynomial_from_terms: repeats summed, order restored */
    const double tc[] = {1, 2, -1, 5};
    const uint8_t tp[] = {0, 2, 1, 0, 0, 2, 0, 0};
    polynomial_from_terms(2, 4, tc, tp, &p);
    const double c4[] = {5, 2};
    const uint8_t e4[] = {0, 0, 1, 0};
    expect_terms(&p, 2, c4, e4, "polynomial_from_terms");
    polynomial_free(&p);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        int d, column;
        const char *message;
    } cases[] = {
        {"e0 + * e1", 2, 6, "column 6: expected a number or variable"},
        {"e0 +", 2, 5, "column 5: expected a number or variable"},
        {"e0 + ,", 2, 6, "column 6: expected a number or variable"},
        {"e9", 7, 1, "column 1: unknown variable e9 (d = 7)"},
        {"e1 + 2*e7", 7, 8, "column 8: unknown variable e7 (d = 7)"},
        {"e0/e1", 2, 3, "column 3: division by a polynomial is not a polynomial"},
        {"e0 / (1 + e1)", 2, 4, "column 4: division by a polynomial is not a polynomial"},
        {"e0/0", 1, 3, "column 3: division by zero"},
        {"e0/(1-1)", 1, 3, "column 3: division by zero"},
        {"sqrt(e0)", 1, 1,
         "column 1: sqrt of a non-number (only sqrt(number) is a polynomial coefficient)"},
        {"2*sqrt(1-5)", 1, 3, "column 3: sqrt of a negative number"},
        {"sqrt 4", 1, 6, "column 6: expected '(' after sqrt"},
        {"sqrt(4", 1, 7, "column 7: expected ')' to close the '(' at column 5"},
        {"e0^-1", 1, 4, "column 4: expected a non-negative integer exponent"},
        {"e0^1.5", 1, 4, "column 4: expected a non-negative integer exponent"},
        {"e0 ^ e1", 2, 6, "column 6: expected a non-negative integer exponent"},
        {"e0^", 1, 4, "column 4: expected a non-negative integer exponent"},
        {"e0^256", 1, 4, "column 4: exponent 256 is larger than 255"},
        {"e0^2^3", 1, 5, "column 5: chained '^' is ambiguous; use parentheses"},
        {"e0^200*e0^100", 1, 7, "column 7: exponent of e0 would exceed 255"},
        {"(e1^128)^2", 2, 9, "column 9: exponent of e1 would exceed 255"},
        {"(e0 + e1", 2, 9, "column 9: expected ')' to close the '(' at column 1"},
        {"(e0 e1)", 2, 5, "column 5: expected an operator or ')'"},
        {"e0 + e1)", 2, 8, "column 8: unmatched ')'"},
        {"e0 e1", 2, 4, "column 4: expected an operator or the end of the formula"},
        {"2 e1", 2, 3, "column 3: expected an operator or the end of the formula"},
        {"x1 + e0", 7, 1,
         "column 1: unknown name 'x1' (the variables are e0 to e6; the only function is sqrt)"},
        {"e0 + e", 2, 6,
         "column 6: unknown name 'e' (the variables are e0 to e1; the only function is sqrt)"},
        {"e0**2", 1, 3, "column 3: '**' is not an operator; write powers with ^"},
        {"", 1, 1, "column 1: empty formula"},
        {"   ", 1, 4, "column 4: empty formula"},
        {"1e999*e0", 1, 1, "column 1: number 1e999 is out of range"},
        /* a coefficient that overflows is refused where it overflows, not
         * dropped as a zero term */
        {"1e300*1e300*e0", 1, 6, "column 6: a coefficient is not finite (overflow beyond "
                                  "1.79769e+308)"},
        {"e1 + 1e300*e0*1e300", 2, 14, "column 14: a coefficient is not finite (overflow beyond "
                                       "1.79769e+308)"},
        {"(1e200*e0)^2", 1, 11, "column 11: a coefficient is not finite (overflow beyond "
                                "1.79769e+308)"},
        {"1e308*e0/1e-10", 1, 9, "column 9: a coefficient is not finite (overflow beyond "
                                 "1.79769e+308)"},
        {"1.7e308*e0 + 1.7e308*e0", 1, 12, "column 12: a coefficient is not finite (overflow "
                                           "beyond 1.79769e+308)"},
        {"e0 \xe2\x88\x92 e1", 2, 4, "column 4: expected an operator or the end of the formula"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        polynomial p;
        int column = -1;
        alfe_error_clear();
        int rc = polynomial_parse(cases[i].text, cases[i].d, &p, &column);
        if (rc != ALFE_ERR_INPUT)
            fail_msg("'%s' was accepted (rc %d)", cases[i].text, rc);
        if (strcmp(alfe_error_message(), cases[i].message) != 0)
            fail_msg("'%s': message \"%s\", expected \"%s\"", cases[i].text,
                     alfe_error_message(), cases[i].message);
        if (column != cases[i].column)
            fail_msg("'%s': column %d, expected %d", cases[i].text, column, cases[i].column);
        assert_int_equal(p.n_terms, 0);
        polynomial_free(&p);
    }
    polynomial p;
    alfe_error_clear();
    assert_int_equal(polynomial_parse("e0", 0, &p, NULL), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(), "d = 0 is outside 1..64");
    polynomial_free(&p);
}

/* The products of terms are counted over the whole formula (at most 2^20):
 * one 12th power of a 7-term sum (675,773 products) parses, two in one
 * formula are refused at the second '^'.  Each multiplication alone stays
 * below the limit, so a per-multiplication limit let a formula of several
 * such powers run for seconds (tests/fuzz/fuzz_formula found one of 56
 * bytes: 2 s, 25 s under ASan). */
static void test_parse_expansion_budget(void **state)
{
    (void)state;
    const char *one = "(e0+e1+e2+e3+e4+e5+e6)^12";
    polynomial p;
    int column = -1;
    assert_int_equal(polynomial_parse(one, 7, &p, &column), ALFE_OK);
    assert_int_equal(p.n_terms, 18564); /* C(18, 6) monomials of degree 12 in 7 variables */
    polynomial_free(&p);
    char two[128];
    snprintf(two, sizeof two, "%s + %s", one, one);
    alfe_error_clear();
    assert_int_equal(polynomial_parse(two, 7, &p, &column), ALFE_ERR_INPUT);
    assert_int_equal(column, 51);
    assert_string_equal(alfe_error_message(), "column 51: the expansion is too large (more than "
                                              "1048576 products of terms in the formula)");
    assert_int_equal(p.n_terms, 0);
    polynomial_free(&p);
    /* at d = 64 a product costs 8 times as much (its exponent vector): the
     * same power is refused, with the limit in products at that d, and so
     * is the 21-byte power fuzz_formula found (18 s at d = 64 under its
     * instrumentation before; now refused after 131,072 products) */
    alfe_error_clear();
    assert_int_equal(polynomial_parse(one, 64, &p, &column), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(), "column 23: the expansion is too large (more than "
                                              "131072 products of terms in the formula)");
    polynomial_free(&p);
    alfe_error_clear();
    assert_int_equal(polynomial_parse("(e1+e2+1+e2+e1+3)^254", 64, &p, &column), ALFE_ERR_INPUT);
    polynomial_free(&p);
    alfe_error_clear();
    assert_int_equal(polynomial_parse("(e0+e1+e2+e3+e4+e5+e6)^8", 64, &p, &column), ALFE_OK);
    assert_int_equal(p.n_terms, 3003); /* C(14, 6) */
    polynomial_free(&p);
}

/* "(" x n, "e0", ")" x n (or n signs before e0): newly allocated. */
static char *nested(int n, int signs)
{
    char *text = malloc(2 * (size_t)n + 3);
    assert_non_null(text);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        text[k++] = signs ? (i % 2 ? '+' : '-') : '(';
    text[k++] = 'e';
    text[k++] = '0';
    for (int i = 0; i < n && !signs; i++)
        text[k++] = ')';
    text[k] = '\0';
    return text;
}

/* Nesting up to POLYNOMIAL_MAX_DEPTH parses (to e0 exactly); one level more,
 * and 100,000 levels (which would overflow the stack of a recursive parser
 * without the limit, ASan build), are refused at the first level too many. */
static void test_parse_depth_limit(void **state)
{
    (void)state;
    const int depths[3] = {POLYNOMIAL_MAX_DEPTH, POLYNOMIAL_MAX_DEPTH + 1, 100000};
    for (int signs = 0; signs <= 1; signs++)
        for (int i = 0; i < 3; i++) {
            char *text = nested(depths[i], signs);
            polynomial p;
            int column = -1;
            alfe_error_clear();
            int rc = polynomial_parse(text, 1, &p, &column);
            if (i == 0) {
                if (rc != ALFE_OK)
                    fail_msg("depth %d (%s) refused: %s", depths[i], signs ? "signs" : "parens",
                             alfe_error_message());
                assert_int_equal(p.n_terms, 1);
                /* an even number of alternating signs: -+-+...: (-1)^(n/2) */
                assert_true(p.coef[0] == (signs && (depths[i] / 2) % 2 ? -1.0 : 1.0));
            } else {
                assert_int_equal(rc, ALFE_ERR_INPUT);
                char want[128];
                snprintf(want, sizeof want,
                         "column %d: nesting deeper than 256 levels (parentheses or signs)",
                         POLYNOMIAL_MAX_DEPTH + 1);
                assert_string_equal(alfe_error_message(), want);
                assert_int_equal(column, POLYNOMIAL_MAX_DEPTH + 1);
                assert_int_equal(p.n_terms, 0);
            }
            polynomial_free(&p);
            free(text);
        }
    /* sqrt( counts as a level too */
    char *text = malloc(6 * 300 + 16);
    size_t k = 0;
    for (int i = 0; i < 300; i++) {
        memcpy(text + k, "sqrt(", 5);
        k += 5;
    }
    text[k++] = '4';
    for (int i = 0; i < 300; i++)
        text[k++] = ')';
    memcpy(text + k, "*e0", 4);
    polynomial p;
    alfe_error_clear();
    assert_int_equal(polynomial_parse(text, 1, &p, NULL), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "nesting deeper than 256 levels"));
    polynomial_free(&p);
    free(text);
}

/* ------------------------------------------------------------------------ */
/* Evaluation */

/* 3 x^2 y − 2 y z^3 + 5 z + 7, by hand. */
static void hand_eval(const double *x, double *v, double *g, double *h)
{
    double a = x[0], b = x[1], c = x[2];
    *v = 3 * a * a * b - 2 * b * c * c * c + 5 * c + 7;
    g[0] = 6 * a * b;
    g[1] = 3 * a * a - 2 * c * c * c;
    g[2] = -6 * b * c * c + 5;
    double hh[9] = {6 * b, 6 * a, 0, 6 * a, 0, -6 * c * c, 0, -6 * c * c, -12 * b * c};
    memcpy(h, hh, sizeof hh);
}

static void test_eval_against_hand(void **state)
{
    (void)state;
    polynomial p = parse_ok("3*e0^2*e1 - 2*e1*e2^3 + 5*e2 + 7", 3);
    const double points[][3] = {{0, 0, 0}, {1, 2, 3}, {-0.5, 0.25, -1.5}, {0, 1, 0}, {2, 0, -1}};
    for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) {
        double v, g[3], h[9], hv, hg[3], hh[9];
        polynomial_eval(&p, points[i], &v, g, h);
        hand_eval(points[i], &hv, hg, hh);
        ASSERT_NEAR(v, hv, 1e-14 * (1 + fabs(hv)), "value at point %zu", i);
        for (int j = 0; j < 3; j++)
            ASSERT_NEAR(g[j], hg[j], 1e-14 * (1 + fabs(hg[j])), "gradient %d at point %zu", j, i);
        for (int j = 0; j < 9; j++)
            ASSERT_NEAR(h[j], hh[j], 1e-14 * (1 + fabs(hh[j])), "Hessian %d at point %zu", j, i);
        double v2;
        polynomial_eval(&p, points[i], &v2, NULL, NULL); /* NULL grad/hess allowed */
        assert_true(v2 == v);
    }
    polynomial_free(&p);
}

/* Random polynomials in 5 variables (exponents 0..4, some variables at
 * exactly 0): value against a direct sum, gradient against central
 * differences of the value, Hessian against central differences of the
 * gradient. */
static void test_eval_finite_differences(void **state)
{
    (void)state;
    const int d = 5;
    for (int trial = 0; trial < 40; trial++) {
        char text[2048] = "";
        size_t len = 0;
        int n_terms = 1 + trial % 7;
        double coef[8];
        int pw[8][5];
        for (int t = 0; t < n_terms; t++) {
            coef[t] = uniform(-2, 2);
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%.17g", t ? " + " : "",
                                    coef[t]);
            for (int j = 0; j < d; j++) {
                pw[t][j] = (int)uniform(0, 5) * (uniform(0, 1) < 0.5);
                len += (size_t)snprintf(text + len, sizeof text - len, "*e%d^%d", j, pw[t][j]);
            }
        }
        polynomial p = parse_ok(text, d);
        double x[5];
        for (int j = 0; j < d; j++)
            x[j] = trial % 5 == j ? 0.0 : uniform(-1, 1);
        double v, g[5], h[25];
        polynomial_eval(&p, x, &v, g, h);
        double direct = 0.0;
        for (int t = 0; t < n_terms; t++) {
            double m = coef[t];
            for (int j = 0; j < d; j++)
                m *= pow(x[j], pw[t][j]);
            direct += m;
        }
        ASSERT_NEAR(v, direct, 1e-13, "trial %d value of %.150s", trial, text);
        const double step = 1e-5;
        for (int j = 0; j < d; j++) {
            double xp[5], xm[5], vp, vm, gp[5], gm[5];
            memcpy(xp, x, sizeof x);
            memcpy(xm, x, sizeof x);
            xp[j] += step;
            xm[j] -= step;
            polynomial_eval(&p, xp, &vp, gp, NULL);
            polynomial_eval(&p, xm, &vm, gm, NULL);
            ASSERT_NEAR(g[j], (vp - vm) / (2 * step), 1e-7, "trial %d gradient %d of %.150s", trial,
                        j, text);
            for (int k = 0; k < d; k++)
                ASSERT_NEAR(h[k * d + j], (gp[k] - gm[k]) / (2 * step), 1e-7,
                            "trial %d Hessian (%d,%d) of %.150s", trial, k, j, text);
        }
        polynomial_free(&p);
    }
}

/* polynomial_format writes a formula that parses back to the same bits. */
static void test_format_round_trip(void **state)
{
    (void)state;
    const char *texts[] = {
        "2./3.*(e1^2 + e2^2) - 1/7*e0*e2 + 7",
        "-e0^3 + 64*sqrt(5)*e0*e1*e2",
        "1e-20*e1 + 1e20*e2^2 - 0.1*e0",
        "-3",
        "e0 - e1",
        "(e0 + 0.3*e1 - e2/3)^4",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        polynomial p = parse_ok(texts[i], 3);
        char *text = polynomial_format(&p);
        polynomial q = parse_ok(text, 3);
        expect_terms(&q, p.n_terms, p.coef, p.pow, text);
        free(text);
        polynomial_free(&p);
        polynomial_free(&q);
    }
    polynomial p = parse_ok("2/3*e1^2 - e0", 2);
    char *text = polynomial_format(&p);
    assert_string_equal(text, "-e0 + 2/3*e1^2");
    free(text);
    polynomial_free(&p);
    polynomial zero = parse_ok("e0 - e0", 2);
    text = polynomial_format(&zero);
    assert_string_equal(text, "0");
    free(text);
    polynomial_free(&zero);
}

/* ------------------------------------------------------------------------ */
/* Invariant sets and files */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void test_invariant_set_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/alfe-test-invariants-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], out_path[128];
    snprintf(path, sizeof path, "%s/h.txt", dir);
    snprintf(out_path, sizeof out_path, "%s/written.txt", dir);
    write_file(path, "# invariants of a toy system\n"
                     "\n"
                     "e0            # composition\n"
                     "   e1^2 + e2^2\r\n"
                     "\t# an indented comment\n"
                     "e1*e2*(e1 - e2)^2   # last, no final newline");
    invariant_set *set = NULL;
    assert_int_equal(invariant_set_read(path, 3, &set), ALFE_OK);
    assert_int_equal(set->m, 3);
    assert_int_equal(set->d, 3);
    assert_string_equal(set->formula[0], "e0");
    assert_string_equal(set->formula[1], "e1^2 + e2^2");
    assert_string_equal(set->formula[2], "e1*e2*(e1 - e2)^2");
    const double eta[3] = {0.3, -0.2, 0.45};
    double h[3], jac[9], hess[27];
    invariant_set_eval(set, eta, h, jac, hess);
    for (int k = 0; k < 3; k++) {
        double v, g[3], hk[9];
        polynomial_eval(&set->poly[k], eta, &v, g, hk);
        assert_true(v == h[k]);
        assert_memory_equal(g, jac + 3 * k, sizeof g);
        assert_memory_equal(hk, hess + 9 * k, sizeof hk);
    }
    ASSERT_NEAR(h[2], -0.2 * 0.45 * 0.65 * 0.65, 1e-15, "h2");
    invariant_set_eval(set, eta, h, NULL, NULL);

    /* invariant_set_write → invariant_set_read gives the same polynomials. */
    assert_int_equal(invariant_set_write(set, out_path, "written by the test\nsecond line"),
                     ALFE_OK);
    invariant_set *back = NULL;
    assert_int_equal(invariant_set_read(out_path, 3, &back), ALFE_OK);
    assert_int_equal(back->m, 3);
    for (int k = 0; k < 3; k++)
        expect_terms(&back->poly[k], set->poly[k].n_terms, set->poly[k].coef,
                     set->poly[k].pow, "written and read back");
    invariant_set_destroy(&back);
    assert_null(back);
    invariant_set_destroy(&set);
    assert_null(set);

    /* Errors name path:line:column. */
    struct {
        const char *text;
        const char *message; /* after "path:" */
    } bad[] = {
        {"e0\n# c\n  e1 + * e2\n", "3:8: expected a number or variable"},
        {"e0\n  3 + 4  # a constant\n",
         "2:3: the formula is a constant (an invariant must depend on e0 to e2)"},
        {"e0\ne1/e2\n", "2:3: division by a polynomial is not a polynomial"},
        {"e0 + e5\n", "1:6: unknown variable e5 (d = 3)"},
        {"\t(e0\n", "1:5: expected ')' to close the '(' at column 2"},
        {"e0\n1e300*1e300*e1\n", "2:6: a coefficient is not finite (overflow beyond "
                                 "1.79769e+308)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].text);
        char expected[256];
        snprintf(expected, sizeof expected, "%s:%s", path, bad[i].message);
        alfe_error_clear();
        assert_int_equal(invariant_set_read(path, 3, &set), ALFE_ERR_INPUT);
        assert_null(set);
        assert_string_equal(alfe_error_message(), expected);
    }
    /* 100,000 nested parentheses on line 2: path:line:column, no stack
     * overflow. */
    {
        const size_t n = 100000;
        char *deep = malloc(2 * n + 16);
        assert_non_null(deep);
        size_t k = 0;
        memcpy(deep, "e0\n", 3);
        k = 3;
        for (size_t i = 0; i < n; i++)
            deep[k++] = '(';
        memcpy(deep + k, "e1", 2);
        k += 2;
        for (size_t i = 0; i < n; i++)
            deep[k++] = ')';
        deep[k++] = '\n';
        deep[k] = '\0';
        write_file(path, deep);
        free(deep);
        char want[256];
        snprintf(want, sizeof want,
                 "%s:2:257: nesting deeper than 256 levels (parentheses or signs)", path);
        alfe_error_clear();
        assert_int_equal(invariant_set_read(path, 3, &set), ALFE_ERR_INPUT);
        assert_null(set);
        assert_string_equal(alfe_error_message(), want);
    }
    write_file(path, "# only comments\n\n");
    alfe_error_clear();
    assert_int_equal(invariant_set_read(path, 3, &set), ALFE_ERR_INPUT);
    char expected[256];
    snprintf(expected, sizeof expected, "%s: no formulas (one invariant per line)", path);
    assert_string_equal(alfe_error_message(), expected);
    unlink(path);
    alfe_error_clear();
    assert_int_equal(invariant_set_read(path, 3, &set), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "cannot open"));

    /* From strings (the campaign and model files store them so). */
    const char *good[] = {"e0", "e1^2 + e2^2"};
    assert_int_equal(invariant_set_from_formulas(good, 2, 3, &set), ALFE_OK);
    assert_int_equal(set->m, 2);
    assert_string_equal(set->formula[1], "e1^2 + e2^2");
    invariant_set_destroy(&set);
    const char *worse[] = {"e0", "e1^2 +"};
    alfe_error_clear();
    assert_int_equal(invariant_set_from_formulas(worse, 2, 3, &set), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(), "formula 2: column 7: expected a number or variable");
    assert_null(set);
    const char *constant[] = {"e0", "2"};
    alfe_error_clear();
    assert_int_equal(invariant_set_from_formulas(constant, 2, 3, &set), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(),
                        "formula 2: the formula is a constant (an invariant must depend on e0 "
                        "to e2)");
    unlink(out_path);
    rmdir(dir);
}

/* ------------------------------------------------------------------------ */
/* The published LCO workflow's invariants against numpy */

static void test_anchor_transforms_vs_numpy(void **state)
{
    (void)state;
    if (access(ANCHOR_TRANSFORMS, R_OK) != 0) {
        printf("SKIPPED: %s not found (run from the repository root with ../shared present)\n",
               ANCHOR_TRANSFORMS);
        skip();
    }
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
        printf("SKIPPED: /usr/bin/python3 with numpy (Debian python3-numpy) not found\n");
        skip();
    }
    char dir[] = "/tmp/alfe-test-invariants-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char formulas[128], values[128], command[512];
    snprintf(formulas, sizeof formulas, "%s/formulas.txt", dir);
    snprintf(values, sizeof values, "%s/numpy.txt", dir);
    const int n_points = 500;
    snprintf(command, sizeof command,
             "/usr/bin/python3 tools/transforms_to_formulas.py %s %s --reference %d 20260421 %s",
             ANCHOR_TRANSFORMS, formulas, n_points, values);
    assert_int_equal(system(command), 0);

    invariant_set *set = NULL;
    if (invariant_set_read(formulas, 7, &set) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    assert_int_equal(set->m, 12);
    FILE *f = fopen(values, "r");
    assert_non_null(f);
    int n, d, m;
    assert_int_equal(fscanf(f, "%d %d %d", &n, &d, &m), 3);
    assert_int_equal(n, n_points);
    assert_int_equal(d, 7);
    assert_int_equal(m, 12);
    /* Tolerance: 1e-12 relative to the value, or to Σ|c_t · monomial_t| when
     * that is larger (h10 is a sum of terms of both signs: rounding in numpy's
     * factored form and in the expanded form differ by ε times the terms). */
    double worst = 0.0;
    int worst_k = -1;
    for (int i = 0; i < n; i++) {
        double eta[7], ref[12], h[12];
        for (int j = 0; j < 7; j++)
            assert_int_equal(fscanf(f, "%lf", &eta[j]), 1);
        for (int k = 0; k < 12; k++)
            assert_int_equal(fscanf(f, "%lf", &ref[k]), 1);
        invariant_set_eval(set, eta, h, NULL, NULL);
        for (int k = 0; k < 12; k++) {
            const polynomial *p = &set->poly[k];
            double mag = 0.0;
            for (int t = 0; t < p->n_terms; t++) {
                double mono = fabs(p->coef[t]);
                for (int j = 0; j < 7; j++)
                    mono *= pow(fabs(eta[j]), p->pow[(size_t)t * 7 + j]);
                mag += mono;
            }
            double scale = fabs(ref[k]) > mag ? fabs(ref[k]) : mag;
            double rel = fabs(h[k] - ref[k]) / scale;
            if (rel > worst) {
                worst = rel;
                worst_k = k;
            }
            if (!(rel <= 1e-12))
                fail_msg("point %d h%d: alfe %.17g numpy %.17g (relative %.3g)", i, k, h[k],
                         ref[k], rel);
        }
    }
    fclose(f);
    printf("12 anchor invariants at %d random points agree with numpy: worst relative "
           "difference %.3g (h%d)\n",
           n, worst, worst_k);
    invariant_set_destroy(&set);
    unlink(formulas);
    unlink(values);
    rmdir(dir);
}

/* ------------------------------------------------------------------------ */
/* Reynolds generation: helpers (independent of the library's internals) */

/* Monomials of one degree, found by brute force, for coefficient vectors. */
typedef struct {
    int d, k, n;
    uint8_t *mon;
} monomials;

static void monomials_fill(monomials *ms, uint8_t *e, int j, int rem)
{
    if (j == ms->d - 1) {
        e[j] = (uint8_t)rem;
        ms->mon = realloc(ms->mon, (size_t)(ms->n + 1) * ms->d);
        memcpy(ms->mon + (size_t)ms->n * ms->d, e, (size_t)ms->d);
        ms->n++;
        return;
    }
    for (int p = 0; p <= rem; p++) {
        e[j] = (uint8_t)p;
        monomials_fill(ms, e, j + 1, rem - p);
    }
}

static monomials monomials_of_degree(int d, int k)
{
    monomials ms = {d, k, 0, NULL};
    uint8_t e[16];
    monomials_fill(&ms, e, 0, k);
    return ms;
}

/* Degree-k coefficient vector of p (other degrees must be absent). */
static void coefficient_vector(const polynomial *p, const monomials *ms, double *v)
{
    for (int i = 0; i < ms->n; i++)
        v[i] = 0.0;
    for (int t = 0; t < p->n_terms; t++) {
        const uint8_t *e = p->pow + (size_t)t * p->d;
        int found = -1;
        for (int i = 0; i < ms->n && found < 0; i++)
            if (!memcmp(ms->mon + (size_t)i * ms->d, e, (size_t)ms->d))
                found = i;
        if (found < 0)
            fail_msg("a term of degree other than %d", ms->k);
        v[found] += p->coef[t];
    }
}

/* Rank of r rows of length n (singular values above 1e-9 of the largest). */
static int matrix_rank(const double *rows, int r, int n)
{
    if (r == 0)
        return 0;
    double *a = malloc(sizeof(double) * (size_t)r * n);
    memcpy(a, rows, sizeof(double) * (size_t)r * n);
    int ns = r < n ? r : n;
    double *s = malloc(sizeof(double) * (size_t)ns);
    double *superb = malloc(sizeof(double) * (size_t)(ns > 1 ? ns : 1));
    int info = (int)LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'N', 'N', r, n, a, n, s, NULL, 1, NULL, 1,
                                   superb);
    assert_int_equal(info, 0);
    int rank = 0;
    for (int i = 0; i < ns; i++)
        rank += s[i] > 1e-9 * s[0];
    free(a);
    free(s);
    free(superb);
    return rank;
}

/* Rows: every product of ≥ min_factors members of set (repeats allowed) of
 * total degree k, as degree-k coefficient vectors appended to *rows. */
static void products_of_degree(const polynomial *set, const int *deg, int n_set, int start,
                               int k, int factors, int min_factors, polynomial *acc,
                               const monomials *ms, double **rows, int *n_rows)
{
    if (k == 0) {
        if (factors < min_factors)
            return;
        *rows = realloc(*rows, sizeof(double) * (size_t)(*n_rows + 1) * ms->n);
        coefficient_vector(acc, ms, *rows + (size_t)(*n_rows) * ms->n);
        (*n_rows)++;
        return;
    }
    for (int i = start; i < n_set; i++) {
        if (deg[i] > k)
            continue;
        polynomial next;
        assert_int_equal(polynomial_multiply(acc, &set[i], &next), ALFE_OK);
        products_of_degree(set, deg, n_set, i, k - deg[i], factors + 1, min_factors, &next, ms,
                           rows, n_rows);
        polynomial_free(&next);
    }
}

/* Coefficient vectors of the degree-k part of the algebra a set generates
 * (products of ≥ min_factors members). */
static int algebra_rows(const polynomial *set, int n_set, int k, int min_factors,
                        const monomials *ms, double **rows)
{
    int *deg = malloc(sizeof(int) * (size_t)(n_set > 0 ? n_set : 1));
    for (int i = 0; i < n_set; i++)
        deg[i] = polynomial_degree(&set[i]);
    polynomial one;
    const double c1 = 1.0;
    uint8_t zero[16] = {0};
    polynomial_from_terms(ms->d, 1, &c1, zero, &one);
    int n_rows = 0;
    *rows = NULL;
    products_of_degree(set, deg, n_set, 0, k, 0, min_factors, &one, ms, rows, &n_rows);
    polynomial_free(&one);
    free(deg);
    return n_rows;
}

/* Molien's series by another route than the library's (power sums and
 * Newton's identities): the eigenvalues λ of each A (LAPACK dgeev) and the
 * series Π_i 1/(1 − λ_i t), multiplied out in complex arithmetic. */
static void molien_reference(int d, int n_ops, const double *ops, int kmax, double *dims)
{
    for (int k = 0; k <= kmax; k++)
        dims[k] = 0.0;
    double *a = malloc(sizeof(double) * (size_t)d * d);
    double *wr = malloc(sizeof(double) * (size_t)d), *wi = malloc(sizeof(double) * (size_t)d);
    for (int g = 0; g < n_ops; g++) {
        memcpy(a, ops + (size_t)g * d * d, sizeof(double) * (size_t)d * d);
        assert_int_equal(LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', d, a, d, wr, wi, NULL, 1,
                                       NULL, 1),
                         0);
        double complex c[33] = {1.0};
        for (int i = 0; i < d; i++) {
            double complex lambda = wr[i] + I * wi[i];
            for (int k = 1; k <= kmax; k++) /* c ← c / (1 − λ t) */
                c[k] += lambda * c[k - 1];
        }
        for (int k = 0; k <= kmax; k++) {
            assert_true(fabs(cimag(c[k])) < 1e-9);
            dims[k] += creal(c[k]) / n_ops;
        }
    }
    free(a);
    free(wr);
    free(wi);
}

/* Check the selection rule at every degree k ≤ kmax: the generators of
 * degree k are independent of the products of lower-degree generators, and
 * together they span all Molien_k invariants.  Returns counts per degree. */
static void check_selection(const invariant_set *set, int n_ops, const double *ops, int kmax,
                            int *count)
{
    double dims[33];
    molien_reference(set->d, n_ops, ops, kmax, dims);
    for (int k = 1; k <= kmax; k++) {
        monomials ms = monomials_of_degree(set->d, k);
        double *prod_rows = NULL;
        int n_prod = algebra_rows(set->poly, set->m, k, 2, &ms, &prod_rows);
        int rank_prod = matrix_rank(prod_rows, n_prod, ms.n);
        count[k] = 0;
        double *all = malloc(sizeof(double) * (size_t)(n_prod + set->m) * ms.n);
        if (n_prod)
            memcpy(all, prod_rows, sizeof(double) * (size_t)n_prod * ms.n);
        int n_all = n_prod;
        for (int i = 0; i < set->m; i++)
            if (polynomial_degree(&set->poly[i]) == k) {
                coefficient_vector(&set->poly[i], &ms, all + (size_t)n_all * ms.n);
                n_all++;
                count[k]++;
            }
        int rank_all = matrix_rank(all, n_all, ms.n);
        int molien = (int)nearbyint(dims[k]);
        assert_true(fabs(dims[k] - molien) < 1e-8);
        if (rank_all != rank_prod + count[k])
            fail_msg("degree %d: %d new invariants but the rank grows by %d over the %d "
                     "products",
                     k, count[k], rank_all - rank_prod, rank_prod);
        if (rank_all != molien)
            fail_msg("degree %d: generated invariants and their products span %d, Molien %d", k,
                     rank_all, molien);
        free(prod_rows);
        free(all);
        free(ms.mon);
    }
}

/* Every invariant is unchanged by every group element at random points. */
static void check_invariance(const invariant_set *set, int n_ops, const double *ops, int n_points,
                             double box)
{
    const int d = set->d;
    double *eta = malloc(sizeof(double) * (size_t)d), *img = malloc(sizeof(double) * (size_t)d);
    double *h = malloc(sizeof(double) * (size_t)set->m), *hg = malloc(sizeof(double) * (size_t)set->m);
    for (int pt = 0; pt < n_points; pt++) {
        for (int j = 0; j < d; j++)
            eta[j] = uniform(-box, box);
        invariant_set_eval(set, eta, h, NULL, NULL);
        for (int g = 0; g < n_ops; g++) {
            const double *a = ops + (size_t)g * d * d;
            for (int i = 0; i < d; i++) {
                img[i] = 0.0;
                for (int j = 0; j < d; j++)
                    img[i] += a[i * d + j] * eta[j];
            }
            invariant_set_eval(set, img, hg, NULL, NULL);
            for (int k = 0; k < set->m; k++)
                ASSERT_NEAR(hg[k], h[k], 1e-12 * (1 + fabs(h[k])),
                            "invariant %d (%s) under group element %d", k, set->formula[k], g);
        }
    }
    free(eta);
    free(img);
    free(h);
    free(hg);
}

/* ------------------------------------------------------------------------ */
/* FCC 4-sublattice ordering */

static const double hadamard[16] = {1, 1, 1, 1, 1, 1, -1, -1, 1, -1, 1, -1, 1, -1, -1, 1};

/* A = Q P Q⁻¹ for all 24 permutations P of the 4 sublattices, Q = H/4,
 * Q⁻¹ = Hᵀ; 24 × 16 values into ops. */
static int fcc_group(double *ops)
{
    int n = 0;
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int dd = 0; dd < 4; dd++) {
                    int perm[4] = {a, b, c, dd};
                    int used = 0;
                    for (int s = 0; s < 4; s++)
                        used |= 1 << perm[s];
                    if (used != 15)
                        continue;
                    double p[16] = {0};
                    for (int s = 0; s < 4; s++)
                        p[perm[s] * 4 + s] = 1.0;
                    double *out = ops + (size_t)n * 16;
                    for (int i = 0; i < 4; i++)
                        for (int j = 0; j < 4; j++) {
                            double acc = 0.0;
                            for (int u = 0; u < 4; u++)
                                for (int v = 0; v < 4; v++)
                                    acc += hadamard[i * 4 + u] / 4 * p[u * 4 + v] *
                                           hadamard[j * 4 + v];
                            out[i * 4 + j] = acc;
                        }
                    n++;
                }
    return n;
}

static void test_reynolds_fcc(void **state)
{
    (void)state;
    double ops[24 * 16];
    assert_int_equal(fcc_group(ops), 24);
    /* S4 on the permutation representation: Molien 1/((1−t)(1−t²)(1−t³)(1−t⁴)) */
    double dims[6];
    invariants_molien(4, 24, ops, 5, dims);
    const double expect_dims[6] = {1, 1, 2, 3, 5, 6};
    for (int k = 0; k <= 5; k++)
        ASSERT_NEAR(dims[k], expect_dims[k], 1e-12, "Molien dimension at degree %d", k);

    /* Up to degree 6: the invariant ring of S4 on the 4 sublattices is
     * polynomial (η0 and three generators of η1..η3 of degrees 2, 3, 4), so
     * degrees 5 and 6 hold only products and must give nothing new. */
    invariant_set *set = NULL;
    if (invariants_from_group(4, 24, ops, 6, &set) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    int count[7] = {0};
    for (int i = 0; i < set->m; i++) {
        count[polynomial_degree(&set->poly[i])]++;
        printf("FCC invariant %d: %s\n", i, set->formula[i]);
    }
    printf("FCC (d = 4, |G| = 24): invariants per degree 1..6: %d %d %d %d %d %d\n", count[1],
           count[2], count[3], count[4], count[5], count[6]);
    assert_int_equal(set->m, 4);
    for (int k = 1; k <= 6; k++)
        assert_int_equal(count[k], k <= 4);
    /* Each is normalised: largest coefficient +1. */
    for (int i = 0; i < set->m; i++) {
        double big = 0.0;
        for (int t = 0; t < set->poly[i].n_terms; t++)
            big = fabs(set->poly[i].coef[t]) > big ? fabs(set->poly[i].coef[t]) : big;
        assert_true(big == 1.0);
    }
    check_invariance(set, 24, ops, 5, 1.0);
    int sel[7];
    check_selection(set, 24, ops, 6, sel);

    /* The span, degree by degree, of the algebra the generators generate is
     * that of the textbook set {η0, η1²+η2²+η3², η1η2η3,
     * η1²η2²+η1²η3²+η2²η3²}. */
    const char *textbook[] = {"e0", "e1^2 + e2^2 + e3^2", "e1*e2*e3",
                              "e1^2*e2^2 + e1^2*e3^2 + e2^2*e3^2"};
    invariant_set *ref = NULL;
    assert_int_equal(invariant_set_from_formulas(textbook, 4, 4, &ref), ALFE_OK);
    for (int k = 1; k <= 4; k++) {
        monomials ms = monomials_of_degree(4, k);
        double *ra = NULL, *rb = NULL;
        int na = algebra_rows(set->poly, set->m, k, 1, &ms, &ra);
        int nb = algebra_rows(ref->poly, ref->m, k, 1, &ms, &rb);
        double *both = malloc(sizeof(double) * (size_t)(na + nb) * ms.n);
        memcpy(both, ra, sizeof(double) * (size_t)na * ms.n);
        memcpy(both + (size_t)na * ms.n, rb, sizeof(double) * (size_t)nb * ms.n);
        int rank_a = matrix_rank(ra, na, ms.n), rank_b = matrix_rank(rb, nb, ms.n);
        int rank_ab = matrix_rank(both, na + nb, ms.n);
        if (rank_a != rank_b || rank_ab != rank_a)
            fail_msg("degree %d: generated span %d, textbook span %d, together %d", k, rank_a,
                     rank_b, rank_ab);
        assert_int_equal(rank_a, (int)expect_dims[k]);
        free(ra);
        free(rb);
        free(both);
        free(ms.mon);
    }
    invariant_set_destroy(&ref);
    invariant_set_destroy(&set);
}

/* FCC prim, conventional cubic ordering cell (4 sublattices), Q = H/4: the
 * group built from the prim's space group is the same 24 matrices. */
static void test_group_from_prim_fcc(void **state)
{
    (void)state;
    char dir[] = "/tmp/alfe-test-invariants-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char prim[128];
    snprintf(prim, sizeof prim, "%s/prim.json", dir);
    write_file(prim, "{\"title\": \"FCC\","
                     " \"lattice_vectors\": [[0, 2, 2], [2, 0, 2], [2, 2, 0]],"
                     " \"coordinate_mode\": \"Fractional\", \"basis\": [{\"coordinate\": "
                     "[0, 0, 0], \"occupants\": [\"Au\", \"Cu\"]}]}");
    const int cubic[3][3] = {{-1, 1, 1}, {1, -1, 1}, {1, 1, -1}};
    double q[16];
    for (int i = 0; i < 16; i++)
        q[i] = hadamard[i] / 4;
    double *ops = NULL;
    int n_ops = 0;
    if (invariants_group_from_prim(prim, cubic, q, 4, 4, &ops, &n_ops) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    assert_int_equal(n_ops, 24);
    for (int i = 0; i < 16; i++)
        assert_true(ops[i] == (i % 5 == 0)); /* identity first */
    double direct[24 * 16];
    fcc_group(direct);
    for (int g = 0; g < 24; g++) {
        int found = 0;
        for (int h = 0; h < 24 && !found; h++) {
            int same = 1;
            for (int i = 0; i < 16; i++)
                same &= fabs(ops[g * 16 + i] - direct[h * 16 + i]) < 1e-12;
            found = same;
        }
        if (!found)
            fail_msg("group element %d from the prim is not a permutation of the 4 sublattices",
                     g);
    }
    free(ops);
    /* The prim cell itself: one sublattice, the trivial group on η0. */
    const int simple[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    double q1 = 1.0;
    assert_int_equal(invariants_group_from_prim(prim, simple, &q1, 1, 1, &ops, &n_ops) == ALFE_OK,
                     1);
    assert_int_equal(n_ops, 1);
    free(ops);
    /* m must be M = 4 */
    alfe_error_clear();
    assert_int_equal(invariants_group_from_prim(prim, cubic, q, 1, 8, &ops, &n_ops),
                     ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(),
                        "Q has 8 columns but the ordering cell has M = 4 sublattices (4 cells x 1 "
                        "variable sites)");
    assert_null(ops);
    /* An ordering cell whose lattice lacks the cubic symmetry (2×1×1 prim cells) */
    const int slab[3][3] = {{2, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const double q2[4] = {0.5, 0.5, 0.5, -0.5};
    alfe_error_clear();
    assert_int_equal(invariants_group_from_prim(prim, slab, q2, 2, 2, &ops, &n_ops),
                     ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "does not map the ordering cell's lattice onto "
                                                 "itself"));
    unlink(prim);
    rmdir(dir);
}

/* ------------------------------------------------------------------------ */
/* inputs/lco */

static void test_reynolds_lco(void **state)
{
    (void)state;
    double *q = NULL;
    int m = 0;
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    assert_int_equal(m, 8);
    const int twice[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    double *ops = NULL;
    int n_ops = 0;
    if (invariants_group_from_prim(LCO_PRIM, twice, q, 7, m, &ops, &n_ops) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    /* 12 point operations × 8 translations; the images are signed
     * permutations of η1..η6 fixing η0. */
    assert_true(n_ops > 1 && n_ops <= 96 && 96 % n_ops == 0);
    for (int g = 0; g < n_ops; g++) {
        const double *a = ops + (size_t)g * 49;
        assert_true(a[0] == 1.0);
        for (int i = 0; i < 7; i++) {
            int nonzero = 0;
            for (int j = 0; j < 7; j++) {
                double v = a[i * 7 + j];
                assert_true(v == 0.0 || v == 1.0 || v == -1.0);
                nonzero += v != 0.0;
            }
            assert_int_equal(nonzero, 1);
        }
    }
    invariant_set *set = NULL;
    double t0 = (double)clock() / CLOCKS_PER_SEC;
    if (invariants_from_group(7, n_ops, ops, LCO_DEGREE, &set) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    double seconds = (double)clock() / CLOCKS_PER_SEC - t0;
    int count[LCO_DEGREE + 1] = {0};
    for (int i = 0; i < set->m; i++) {
        count[polynomial_degree(&set->poly[i])]++;
        printf("LCO invariant %d: %s\n", i, set->formula[i]);
    }
    printf("LCO (d = 7, |G| = %d, degree <= %d, %.2f s): invariants per degree:", n_ops,
           LCO_DEGREE, seconds);
    for (int k = 1; k <= LCO_DEGREE; k++)
        printf(" %d", count[k]);
    printf(" (total %d)\n", set->m);
    check_invariance(set, n_ops, ops, 5, 0.5);
    int sel[LCO_DEGREE + 1];
    check_selection(set, n_ops, ops, LCO_DEGREE, sel);
    for (int k = 1; k <= LCO_DEGREE; k++)
        assert_int_equal(sel[k], count[k]);
    /* The number of generators per degree of a minimal generating set is a
     * property of the invariant ring (check_selection proved this set is
     * one); η0 is the only linear invariant. */
    const int expect[LCO_DEGREE + 1] = {0, 1, 2, 2, 4, 2, 3};
    for (int k = 1; k <= LCO_DEGREE; k++)
        assert_int_equal(count[k], expect[k]);
    assert_string_equal(set->formula[0], "e0");

    /* The generated set survives a trip through a formula file. */
    char path[] = "/tmp/alfe-test-invariants-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(invariant_set_write(set, path, "LCO invariants"), ALFE_OK);
    invariant_set *back = NULL;
    assert_int_equal(invariant_set_read(path, 7, &back), ALFE_OK);
    assert_int_equal(back->m, set->m);
    for (int k = 0; k < set->m; k++)
        expect_terms(&back->poly[k], set->poly[k].n_terms, set->poly[k].coef,
                     set->poly[k].pow, set->formula[k]);
    invariant_set_destroy(&back);
    unlink(path);
    invariant_set_destroy(&set);
    free(ops);
    free(q);
}

/* Rows 0, 1, 2 and 4 of the LCO Q: η3 is missing from the first star, so
 * the group maps η1, η2 outside the span. */
static void test_group_not_closed(void **state)
{
    (void)state;
    double *q = NULL;
    int m = 0;
    assert_int_equal(domain_read_q(LCO_Q, 7, &q, &m), ALFE_OK);
    double q4[4 * 8];
    const int rows[4] = {0, 1, 2, 4};
    for (int r = 0; r < 4; r++)
        memcpy(q4 + r * 8, q + rows[r] * 8, sizeof(double) * 8);
    const int twice[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    double *ops = NULL;
    int n_ops = -1;
    alfe_error_clear();
    assert_int_equal(invariants_group_from_prim(LCO_PRIM, twice, q4, 4, 8, &ops, &n_ops),
                     ALFE_ERR_INPUT);
    assert_null(ops);
    assert_int_equal(n_ops, 0);
    const char *msg = alfe_error_message();
    printf("refused: %s\n", msg);
    assert_non_null(strstr(msg, "the 4 rows of Q are not closed under the symmetry group"));
    assert_non_null(strstr(msg, "Q needs every row of each star"));
    /* The whole first star is closed. */
    assert_int_equal(invariants_group_from_prim(LCO_PRIM, twice, q, 4, 8, &ops, &n_ops), ALFE_OK);
    free(ops);
    free(q);
}

static void test_from_group_refusals(void **state)
{
    (void)state;
    double ops[24 * 16];
    fcc_group(ops);
    invariant_set *set = NULL;
    /* 23 of the 24: not closed */
    alfe_error_clear();
    assert_int_equal(invariants_from_group(4, 23, ops, 3, &set), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "are not a group"));
    assert_null(set);
    /* a repeated element */
    double twice[48 * 16];
    memcpy(twice, ops, sizeof ops);
    memcpy(twice + 24 * 16, ops, sizeof ops);
    alfe_error_clear();
    assert_int_equal(invariants_from_group(4, 48, twice, 3, &set), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "are equal (pass each element once)"));
    /* no identity: {−I} alone */
    double minus[4] = {-1, 0, 0, -1};
    alfe_error_clear();
    assert_int_equal(invariants_from_group(2, 1, minus, 3, &set), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(), "the group matrices do not include the identity");
    alfe_error_clear();
    assert_int_equal(invariants_from_group(4, 24, ops, 0, &set), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(), "invariant degree 0 is outside 1..32");
    alfe_error_clear();
    assert_int_equal(invariants_from_group(40, 1, ops, 30, &set), ALFE_ERR_INPUT);
    assert_non_null(strstr(alfe_error_message(), "monomials (at most 1048576)"));
    /* {I, −I} on one variable: η² is the generator, nothing of degree 1 or 3. */
    double pm[2] = {1, -1};
    assert_int_equal(invariants_from_group(1, 2, pm, 4, &set), ALFE_OK);
    assert_int_equal(set->m, 1);
    assert_string_equal(set->formula[0], "e0^2");
    invariant_set_destroy(&set);
    alfe_error_clear();
    assert_int_equal(invariants_from_group(1, 2, pm, 1, &set), ALFE_ERR_INPUT);
    assert_string_equal(alfe_error_message(),
                        "the group has no invariant polynomials of degree 1..1");
    /* A rotation by 120° in the plane (non-monomial matrices): invariants
     * x²+y² (degree 2) and Re (x+iy)³ (degree 3), checked by value. */
    const double c = -0.5, s = sqrt(3.0) / 2;
    double c3[3 * 4] = {1, 0, 0, 1, c, -s, s, c, c, s, -s, c};
    assert_int_equal(invariants_from_group(2, 3, c3, 4, &set), ALFE_OK);
    int count[5] = {0};
    for (int i = 0; i < set->m; i++)
        count[polynomial_degree(&set->poly[i])]++;
    printf("C3 in the plane: invariants per degree 1..4: %d %d %d %d (%s; %s; %s)\n", count[1],
           count[2], count[3], count[4], set->formula[0], set->m > 1 ? set->formula[1] : "",
           set->m > 2 ? set->formula[2] : "");
    /* Molien for C3 on R²: 1 + t² + 2t³ + t⁴ + …, generated by x²+y² and
     * the two cubics Re z³, Im z³ (with a relation at degree 6). */
    assert_int_equal(count[1], 0);
    assert_int_equal(count[2], 1);
    assert_int_equal(count[3], 2);
    assert_int_equal(count[4], 0);
    check_invariance(set, 3, c3, 5, 1.0);
    int sel[5];
    check_selection(set, 3, c3, 4, sel);
    invariant_set_destroy(&set);
}

/* C3 about z with cos(2π/3), sin(2π/3) from libm (not exactly −1/2, √3/2):
 * the Reynolds average of e0 is ~1e-16, not 0, and must count as 0 — else
 * it would be normalised into the "invariant" e0 and fill degree 1 in place
 * of e2. */
static void test_reynolds_roundoff(void **state)
{
    (void)state;
    const double pi = 3.14159265358979323846;
    double ops[3 * 9];
    for (int g = 0; g < 3; g++) {
        double c = cos(2 * pi * g / 3), s = sin(2 * pi * g / 3);
        double a[9] = {c, -s, 0, s, c, 0, 0, 0, 1};
        memcpy(ops + 9 * g, a, sizeof a);
    }
    invariant_set *set = NULL;
    if (invariants_from_group(3, 3, ops, 3, &set) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    int count[4] = {0};
    for (int i = 0; i < set->m; i++)
        count[polynomial_degree(&set->poly[i])]++;
    printf("C3 about z: invariants per degree 1..3: %d %d %d (%s; %s; ...)\n", count[1],
           count[2], count[3], set->formula[0], set->formula[1]);
    assert_string_equal(set->formula[0], "e2");
    assert_int_equal(count[1], 1);
    assert_int_equal(count[2], 1); /* e0² + e1² */
    assert_int_equal(count[3], 2); /* Re, Im (e0 + i e1)³ */
    assert_string_equal(set->formula[1], "e0^2 + e1^2");
    check_invariance(set, 3, ops, 5, 1.0);
    int sel[4];
    check_selection(set, 3, ops, 3, sel);
    invariant_set_destroy(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_hand_expanded),
        cmocka_unit_test(test_parse_precedence_and_numbers),
        cmocka_unit_test(test_parse_canonical),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_depth_limit),
        cmocka_unit_test(test_parse_expansion_budget),
        cmocka_unit_test(test_eval_against_hand),
        cmocka_unit_test(test_eval_finite_differences),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_invariant_set_files),
        cmocka_unit_test(test_anchor_transforms_vs_numpy),
        cmocka_unit_test(test_reynolds_fcc),
        cmocka_unit_test(test_group_from_prim_fcc),
        cmocka_unit_test(test_reynolds_lco),
        cmocka_unit_test(test_group_not_closed),
        cmocka_unit_test(test_from_group_refusals),
        cmocka_unit_test(test_reynolds_roundoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
