/* invariants.c — polynomials (sparse monomial tables), their exact value,
 * gradient and Hessian, the formula parser and invariant sets.
 * Owns: polynomial and invariant_set.  Must not know about groups (the
 * Reynolds generator is invariants_group.c) or about the network. */
#include "alfe/network/invariants.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Products of terms one multiplication may form (memory: ~(8 + d) bytes each). */
#define POLYNOMIAL_MAX_PRODUCTS (1L << 22)
/* Products of terms in all the multiplications of one parsed formula (powers
 * included), for d ≤ 8 variables: at most about 1 s of expansion per formula
 * (fuzz_formula found a 56-byte formula that took 2 s, and five powers in one
 * line took 21 s, when only each multiplication was limited).  A product
 * costs O(d) (its exponent vector is written and compared while sorting), so
 * for d > 8 each counts ⌈d/8⌉ times: 131,072 products at d = 64
 * (fuzz_formula, which parses every input at d = 7 and 64, spent 18 s under
 * its instrumentation on a 21-byte power at d = 64). */
#define POLYNOMIAL_FORMULA_MAX_PRODUCTS (1L << 20)

/* What one product of terms costs against that budget. */
static long product_weight(int d) { return d > 8 ? (d + 7) / 8 : 1; }

/* ------------------------------------------------------------------------ */
/* Canonical form */

static int term_degree(const uint8_t *e, int d)
{
    int s = 0;
    for (int j = 0; j < d; j++)
        s += e[j];
    return s;
}

/* Graded lexicographic: lower degree first, then higher power of e0, e1, …
 * (da, db: the total degrees of a and b). */
static int term_compare(const uint8_t *a, int da, const uint8_t *b, int db, int d)
{
    if (da != db)
        return da < db ? -1 : 1;
    for (int j = 0; j < d; j++)
        if (a[j] != b[j])
            return a[j] > b[j] ? -1 : 1;
    return 0;
}

static void poly_alloc(polynomial *p, int d, int n_terms)
{
    p->d = d;
    p->n_terms = n_terms;
    p->coef = ALFE_MALLOC(sizeof(double) * (size_t)(n_terms > 0 ? n_terms : 1));
    p->pow = ALFE_CALLOC((size_t)(n_terms > 0 ? n_terms : 1) * (size_t)d, 1);
}

/* Stable merge sort of term indices (qsort cannot carry d without globals).
 * The degrees are computed once, not in every comparison: sorting the 10^6
 * terms of a large expansion in 64 variables took 2 s, mostly summing
 * exponents (found by tests/fuzz/fuzz_formula). */
static void sort_terms(const uint8_t *pow, int d, int *idx, int *tmp, int n)
{
    int *deg = ALFE_MALLOC(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        deg[i] = term_degree(pow + (size_t)i * d, d);
    for (int width = 1; width < n; width *= 2) {
        for (int lo = 0; lo < n; lo += 2 * width) {
            int mid = lo + width < n ? lo + width : n;
            int hi = lo + 2 * width < n ? lo + 2 * width : n;
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                if (term_compare(pow + (size_t)idx[j] * d, deg[idx[j]], pow + (size_t)idx[i] * d,
                                 deg[idx[i]], d) < 0)
                    tmp[k++] = idx[j++];
                else
                    tmp[k++] = idx[i++];
            }
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, sizeof(int) * (size_t)n);
    }
    free(deg);
}

/* Sort, sum equal monomials, drop zeros.  A sum is zero when it cancels to
 * rounding: |Σc| ≤ 4ε·Σ|c| (a coefficient that exact arithmetic would make 0,
 * e.g. 0.1 + 0.2 − 0.3, must not survive as 5.6e-17). */
static void poly_canonicalise(polynomial *p)
{
    int n = p->n_terms, d = p->d;
    if (n == 0)
        return;
    int *idx = ALFE_MALLOC(sizeof(int) * (size_t)n);
    int *tmp = ALFE_MALLOC(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    sort_terms(p->pow, d, idx, tmp, n);
    double *coef = ALFE_MALLOC(sizeof(double) * (size_t)n);
    uint8_t *pow = ALFE_MALLOC((size_t)n * (size_t)d);
    int out = 0;
    for (int i = 0; i < n;) {
        const uint8_t *e = p->pow + (size_t)idx[i] * d;
        double sum = 0.0, mag = 0.0;
        int j = i;
        while (j < n && !memcmp(p->pow + (size_t)idx[j] * d, e, (size_t)d)) {
            sum += p->coef[idx[j]];
            mag += fabs(p->coef[idx[j]]);
            j++;
        }
        /* A non-finite sum is kept (never dropped as "zero"): the parser
         * refuses it, naming the formula. */
        if (!isfinite(sum) || (sum != 0.0 && fabs(sum) > 4.0 * DBL_EPSILON * mag)) {
            coef[out] = sum;
            memcpy(pow + (size_t)out * d, e, (size_t)d);
            out++;
        }
        i = j;
    }
    free(idx);
    free(tmp);
    free(p->coef);
    free(p->pow);
    p->coef = coef;
    p->pow = pow;
    p->n_terms = out;
}

void polynomial_free(polynomial *p)
{
    if (!p)
        return;
    free(p->coef);
    free(p->pow);
    p->coef = NULL;
    p->pow = NULL;
    p->n_terms = 0;
}

void polynomial_from_terms(int d, int n, const double *coef, const uint8_t *pow,
                           polynomial *out)
{
    poly_alloc(out, d, n);
    if (n > 0) {
        memcpy(out->coef, coef, sizeof(double) * (size_t)n);
        memcpy(out->pow, pow, (size_t)n * (size_t)d);
    }
    poly_canonicalise(out);
}

void polynomial_copy(const polynomial *p, polynomial *out)
{
    poly_alloc(out, p->d, p->n_terms);
    if (p->n_terms > 0) {
        memcpy(out->coef, p->coef, sizeof(double) * (size_t)p->n_terms);
        memcpy(out->pow, p->pow, (size_t)p->n_terms * (size_t)p->d);
    }
}

int polynomial_degree(const polynomial *p)
{
    int deg = 0;
    for (int t = 0; t < p->n_terms; t++) {
        int s = term_degree(p->pow + (size_t)t * p->d, p->d);
        if (s > deg)
            deg = s;
    }
    return deg;
}

static void poly_constant(int d, double c, polynomial *out)
{
    poly_alloc(out, d, c != 0.0);
    if (c != 0.0)
        out->coef[0] = c;
}

/* 1 and the value when p is a constant (the zero polynomial included). */
static int poly_is_constant(const polynomial *p, double *value)
{
    if (p->n_terms == 0) {
        *value = 0.0;
        return 1;
    }
    if (p->n_terms == 1 && term_degree(p->pow, p->d) == 0) {
        *value = p->coef[0];
        return 1;
    }
    return 0;
}

/* a + sign·b into a (b is freed). */
static void poly_add_into(polynomial *a, polynomial *b, double sign)
{
    int n = a->n_terms + b->n_terms, d = a->d;
    double *coef = ALFE_MALLOC(sizeof(double) * (size_t)(n > 0 ? n : 1));
    uint8_t *pow = ALFE_MALLOC((size_t)(n > 0 ? n : 1) * (size_t)d);
    if (a->n_terms) {
        memcpy(coef, a->coef, sizeof(double) * (size_t)a->n_terms);
        memcpy(pow, a->pow, (size_t)a->n_terms * d);
    }
    for (int t = 0; t < b->n_terms; t++)
        coef[a->n_terms + t] = sign * b->coef[t];
    if (b->n_terms)
        memcpy(pow + (size_t)a->n_terms * d, b->pow, (size_t)b->n_terms * d);
    polynomial_free(a);
    polynomial_free(b);
    a->coef = coef;
    a->pow = pow;
    a->n_terms = n;
    poly_canonicalise(a);
}

/* Multiply; on failure *bad_var is the variable whose exponent overflows
 * (-1: too many products).  *budget is the count of products of terms still
 * allowed (POLYNOMIAL_MAX_PRODUCTS for one multiplication, or what is left of
 * POLYNOMIAL_FORMULA_MAX_PRODUCTS for a whole formula); it is reduced by this
 * multiplication's, each product counted `weight` times (product_weight for
 * a formula, 1 for polynomial_multiply). */
static int poly_multiply(const polynomial *a, const polynomial *b, polynomial *out,
                         int *bad_var, long *budget, long weight)
{
    int d = a->d;
    long n = (long)a->n_terms * b->n_terms;
    *bad_var = -1;
    if (n > *budget / weight) {
        poly_alloc(out, d, 0);
        return -1;
    }
    *budget -= n * weight;
    poly_alloc(out, d, (int)n);
    long k = 0;
    for (int i = 0; i < a->n_terms; i++)
        for (int j = 0; j < b->n_terms; j++, k++) {
            const uint8_t *ea = a->pow + (size_t)i * d, *eb = b->pow + (size_t)j * d;
            uint8_t *e = out->pow + (size_t)k * d;
            for (int v = 0; v < d; v++) {
                int s = ea[v] + eb[v];
                if (s > POLYNOMIAL_MAX_EXPONENT) {
                    *bad_var = v;
                    polynomial_free(out);
                    poly_alloc(out, d, 0);
                    return -1;
                }
                e[v] = (uint8_t)s;
            }
            out->coef[k] = a->coef[i] * b->coef[j];
        }
    poly_canonicalise(out);
    return 0;
}

int polynomial_multiply(const polynomial *a, const polynomial *b, polynomial *out)
{
    int bad_var;
    if (a->d != b->d) {
        poly_alloc(out, a->d, 0);
        return ALFE_FAIL(ALFE_ERR_INPUT, "cannot multiply polynomials in %d and %d variables",
                         a->d, b->d);
    }
    long budget = POLYNOMIAL_MAX_PRODUCTS;
    if (poly_multiply(a, b, out, &bad_var, &budget, 1) != 0) {
        if (bad_var >= 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "exponent of e%d would exceed %d", bad_var,
                             POLYNOMIAL_MAX_EXPONENT);
        return ALFE_FAIL(ALFE_ERR_INPUT, "the expansion has more than %ld products of terms",
                         POLYNOMIAL_MAX_PRODUCTS);
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------ */
/* Evaluation */

static double power_int(double x, int n)
{
    double r = 1.0;
    while (n > 0) {
        if (n & 1)
            r *= x;
        x *= x;
        n >>= 1;
    }
    return r;
}

/* Per term c·Π_a f_a with f_a = η_a^{p_a} over its active variables a:
 *   ∂/∂η_a   = c f'_a Π_{b≠a} f_b,
 *   ∂²/∂η_a² = c f''_a Π_{b≠a} f_b,   ∂²/∂η_a∂η_b = c f'_a f'_b Π_{c≠a,b} f_c,
 * with the products taken from prefix/suffix products, never by dividing by
 * η (which may be 0). */
void polynomial_eval(const polynomial *p, const double *eta, double *value, double *grad,
                     double *hess)
{
    const int d = p->d;
    double val = 0.0;
    if (grad)
        for (int j = 0; j < d; j++)
            grad[j] = 0.0;
    if (hess)
        for (int j = 0; j < d * d; j++)
            hess[j] = 0.0;
    int act[POLYNOMIAL_MAX_VARS];
    double f[POLYNOMIAL_MAX_VARS], f1[POLYNOMIAL_MAX_VARS], f2[POLYNOMIAL_MAX_VARS];
    double pre[POLYNOMIAL_MAX_VARS + 1], suf[POLYNOMIAL_MAX_VARS + 1];
    for (int t = 0; t < p->n_terms; t++) {
        const uint8_t *e = p->pow + (size_t)t * d;
        const double c = p->coef[t];
        int na = 0;
        for (int j = 0; j < d; j++) {
            if (!e[j])
                continue;
            int k = e[j];
            double x = eta[j];
            double xk2 = k >= 2 ? power_int(x, k - 2) : 0.0;
            act[na] = j;
            f2[na] = k >= 2 ? (double)k * (k - 1) * xk2 : 0.0;
            f1[na] = k >= 2 ? (double)k * xk2 * x : 1.0;
            f[na] = k >= 2 ? xk2 * x * x : x;
            na++;
        }
        pre[0] = 1.0;
        for (int a = 0; a < na; a++)
            pre[a + 1] = pre[a] * f[a];
        val += c * pre[na];
        if (!grad && !hess)
            continue;
        suf[na] = 1.0;
        for (int a = na - 1; a >= 0; a--)
            suf[a] = suf[a + 1] * f[a];
        for (int a = 0; a < na; a++) {
            double others = pre[a] * suf[a + 1];
            if (grad)
                grad[act[a]] += c * f1[a] * others;
            if (!hess)
                continue;
            hess[act[a] * d + act[a]] += c * f2[a] * others;
            double mid = 1.0; /* Π_{a<c<b} f_c */
            for (int b = a + 1; b < na; b++) {
                double h = c * f1[a] * f1[b] * pre[a] * mid * suf[b + 1];
                hess[act[a] * d + act[b]] += h;
                hess[act[b] * d + act[a]] += h;
                mid *= f[b];
            }
        }
    }
    if (value)
        *value = val;
}

/* ------------------------------------------------------------------------ */
/* Formula parser (recursive descent; grammar in invariants.h) */

typedef struct {
    const char *text;
    int pos;          /* byte offset */
    int d;
    int depth;        /* nesting of parentheses and unary signs now */
    int err_col;      /* 1-based column of the error, 0 when none */
    long budget;      /* products of terms left for the whole formula
                         (POLYNOMIAL_FORMULA_MAX_PRODUCTS) */
    char msg[256];
} parser;

/* 1-based column of a byte offset, counting UTF-8 characters. */
static int column_of(const char *text, int pos)
{
    int col = 1;
    for (int i = 0; i < pos && text[i]; i++)
        col += ((unsigned char)text[i] & 0xC0) != 0x80;
    return col;
}

__attribute__((format(printf, 3, 4))) static int parse_fail(parser *ps, int pos,
                                                            const char *fmt, ...)
{
    if (ps->err_col == 0) {
        ps->err_col = column_of(ps->text, pos);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->msg, sizeof ps->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void skip_space(parser *ps)
{
    while (ps->text[ps->pos] && isspace((unsigned char)ps->text[ps->pos]))
        ps->pos++;
}

/* Length of a C-style number at s (0 when there is none). */
static int scan_number(const char *s)
{
    int i = 0, digits = 0;
    while (isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        int j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static int parse_sum(parser *ps, polynomial *out);

/* Every parse_* function leaves *out empty (nothing to free) when it fails. */
static void poly_empty(polynomial *p, int d)
{
    p->d = d;
    p->n_terms = 0;
    p->coef = NULL;
    p->pow = NULL;
}

static int fail_expansion(parser *ps, int op, int bad_var)
{
    if (bad_var >= 0)
        return parse_fail(ps, op, "exponent of e%d would exceed %d", bad_var,
                          POLYNOMIAL_MAX_EXPONENT);
    return parse_fail(ps, op,
                      "the expansion is too large (more than %ld products of terms in the "
                      "formula)",
                      POLYNOMIAL_FORMULA_MAX_PRODUCTS / product_weight(ps->d));
}

/* Every coefficient finite (an overflow such as 1e300*1e300*e0 is an error,
 * not a term dropped); frees *p on failure. */
static int check_finite(parser *ps, int op, polynomial *p)
{
    for (int t = 0; t < p->n_terms; t++)
        if (!isfinite(p->coef[t])) {
            polynomial_free(p);
            return parse_fail(ps, op, "a coefficient is not finite (overflow beyond %g)",
                              DBL_MAX);
        }
    return 0;
}

/* One level deeper ("(", sqrt( or a unary sign): refused beyond
 * POLYNOMIAL_MAX_DEPTH, so that no formula can exhaust the stack. */
static int enter(parser *ps, int pos)
{
    if (++ps->depth > POLYNOMIAL_MAX_DEPTH)
        return parse_fail(ps, pos, "nesting deeper than %d levels (parentheses or signs)",
                          POLYNOMIAL_MAX_DEPTH);
    return 0;
}

/* After "(" sum: the closing parenthesis. */
static int expect_close(parser *ps, int open, polynomial *inner)
{
    skip_space(ps);
    if (ps->text[ps->pos] == ')') {
        ps->pos++;
        return 0;
    }
    polynomial_free(inner);
    if (ps->text[ps->pos] == '\0')
        return parse_fail(ps, ps->pos, "expected ')' to close the '(' at column %d",
                          column_of(ps->text, open));
    return parse_fail(ps, ps->pos, "expected an operator or ')'");
}

static int parse_primary(parser *ps, polynomial *out)
{
    poly_empty(out, ps->d);
    skip_space(ps);
    const char *s = ps->text + ps->pos;
    int start = ps->pos;
    if (*s == '(') {
        if (enter(ps, start) != 0)
            return -1;
        ps->pos++;
        if (parse_sum(ps, out) != 0)
            return -1;
        ps->depth--;
        return expect_close(ps, start, out);
    }
    int len = scan_number(s);
    if (len > 0) {
        /* A copy of exactly the scanned text (of any length): strtod on
         * the formula itself could read further ("0x1p3" as hex). */
        char small[64];
        char *buf = len < (int)sizeof small ? small : ALFE_MALLOC((size_t)len + 1);
        memcpy(buf, s, (size_t)len);
        buf[len] = '\0';
        double v = strtod(buf, NULL);
        if (buf != small)
            free(buf);
        if (!isfinite(v))
            return parse_fail(ps, start, "number %.*s%s is out of range", len < 40 ? len : 40, s,
                              len > 40 ? "..." : "");
        ps->pos += len;
        poly_constant(ps->d, v, out);
        return 0;
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        int n = 0;
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
            n++;
        char name[64];
        snprintf(name, sizeof name, "%.*s", n < 63 ? n : 63, s);
        ps->pos += n;
        if (n == 4 && !strncmp(s, "sqrt", 4)) {
            skip_space(ps);
            if (ps->text[ps->pos] != '(')
                return parse_fail(ps, ps->pos, "expected '(' after sqrt");
            int open = ps->pos;
            if (enter(ps, open) != 0)
                return -1;
            ps->pos++;
            polynomial arg;
            if (parse_sum(ps, &arg) != 0 || expect_close(ps, open, &arg) != 0)
                return -1;
            ps->depth--;
            double v;
            int constant = poly_is_constant(&arg, &v);
            polynomial_free(&arg);
            if (!constant)
                return parse_fail(ps, start, "sqrt of a non-number (only sqrt(number) is a "
                                             "polynomial coefficient)");
            if (v < 0.0)
                return parse_fail(ps, start, "sqrt of a negative number");
            poly_constant(ps->d, sqrt(v), out);
            return 0;
        }
        if (s[0] == 'e' && n > 1) {
            int all_digits = 1;
            for (int i = 1; i < n; i++)
                all_digits &= isdigit((unsigned char)s[i]) != 0;
            if (all_digits) {
                long index = n - 1 > 9 ? -1 : strtol(s + 1, NULL, 10);
                if (index < 0 || index >= ps->d)
                    return parse_fail(ps, start, "unknown variable %s (d = %d)", name, ps->d);
                poly_alloc(out, ps->d, 1);
                out->coef[0] = 1.0;
                out->pow[index] = 1;
                return 0;
            }
        }
        return parse_fail(ps, start,
                          "unknown name '%s' (the variables are e0 to e%d; the only function "
                          "is sqrt)",
                          name, ps->d - 1);
    }
    return parse_fail(ps, start, "expected a number or variable");
}

static int parse_power(parser *ps, polynomial *out)
{
    if (parse_primary(ps, out) != 0)
        return -1;
    skip_space(ps);
    if (ps->text[ps->pos] != '^')
        return 0;
    int op = ps->pos;
    ps->pos++;
    skip_space(ps);
    const char *s = ps->text + ps->pos;
    int len = scan_number(s), all_digits = len > 0;
    for (int i = 0; i < len; i++)
        all_digits &= isdigit((unsigned char)s[i]) != 0;
    long n = !all_digits ? -1 : len > 4 ? 99999 : strtol(s, NULL, 10);
    int failed = 0;
    if (!all_digits)
        failed = parse_fail(ps, ps->pos, "expected a non-negative integer exponent");
    else if (n > POLYNOMIAL_MAX_EXPONENT)
        failed = parse_fail(ps, ps->pos, "exponent %.*s is larger than %d", len, s,
                            POLYNOMIAL_MAX_EXPONENT);
    if (!failed) {
        ps->pos += len;
        skip_space(ps);
        if (ps->text[ps->pos] == '^')
            failed = parse_fail(ps, ps->pos, "chained '^' is ambiguous; use parentheses");
    }
    if (failed) {
        polynomial_free(out);
        return -1;
    }
    /* Square-and-multiply on polynomials. */
    polynomial result, base = *out, tmp;
    poly_constant(ps->d, 1.0, &result);
    int bad_var = -1;
    for (long k = n; k > 0 && !failed; k >>= 1) {
        if (k & 1) {
            failed = poly_multiply(&result, &base, &tmp, &bad_var, &ps->budget,
                                   product_weight(ps->d)) != 0;
            polynomial_free(&result);
            result = tmp;
        }
        if (k > 1 && !failed) {
            failed = poly_multiply(&base, &base, &tmp, &bad_var, &ps->budget,
                                   product_weight(ps->d)) != 0;
            polynomial_free(&base);
            base = tmp;
        }
    }
    polynomial_free(&base);
    *out = result;
    if (failed) {
        polynomial_free(out);
        return fail_expansion(ps, op, bad_var);
    }
    return check_finite(ps, op, out);
}

static int parse_unary(parser *ps, polynomial *out)
{
    skip_space(ps);
    char c = ps->text[ps->pos];
    if (c == '-' || c == '+') {
        poly_empty(out, ps->d);
        if (enter(ps, ps->pos) != 0)
            return -1;
        ps->pos++;
        if (parse_unary(ps, out) != 0)
            return -1;
        ps->depth--;
        if (c == '-')
            for (int t = 0; t < out->n_terms; t++)
                out->coef[t] = -out->coef[t];
        return 0;
    }
    return parse_power(ps, out);
}

static int parse_product(parser *ps, polynomial *out)
{
    if (parse_unary(ps, out) != 0)
        return -1;
    for (;;) {
        skip_space(ps);
        char c = ps->text[ps->pos];
        if (c != '*' && c != '/')
            return 0;
        int op = ps->pos;
        if (c == '*' && ps->text[op + 1] == '*') {
            polynomial_free(out);
            return parse_fail(ps, op, "'**' is not an operator; write powers with ^");
        }
        ps->pos++;
        polynomial rhs;
        if (parse_unary(ps, &rhs) != 0) {
            polynomial_free(out);
            return -1;
        }
        if (c == '*') {
            polynomial prod;
            int bad_var;
            int failed = poly_multiply(out, &rhs, &prod, &bad_var, &ps->budget,
                                       product_weight(ps->d)) != 0;
            polynomial_free(&rhs);
            polynomial_free(out);
            *out = prod;
            if (failed) {
                polynomial_free(out);
                return fail_expansion(ps, op, bad_var);
            }
            if (check_finite(ps, op, out) != 0)
                return -1;
            continue;
        }
        double v;
        int constant = poly_is_constant(&rhs, &v);
        polynomial_free(&rhs);
        if (!constant || v == 0.0) {
            polynomial_free(out);
            return parse_fail(ps, op, !constant ? "division by a polynomial is not a polynomial"
                                                : "division by zero");
        }
        /* Divide (not multiply by 1/v): 8./3. must be the double nearest 8/3. */
        for (int t = 0; t < out->n_terms; t++)
            out->coef[t] /= v;
        poly_canonicalise(out); /* underflow to 0 */
        if (check_finite(ps, op, out) != 0)
            return -1;
    }
}

static int parse_sum(parser *ps, polynomial *out)
{
    if (parse_product(ps, out) != 0)
        return -1;
    for (;;) {
        skip_space(ps);
        char c = ps->text[ps->pos];
        if (c != '+' && c != '-')
            return 0;
        int op = ps->pos;
        ps->pos++;
        polynomial rhs;
        if (parse_product(ps, &rhs) != 0) {
            polynomial_free(out);
            return -1;
        }
        poly_add_into(out, &rhs, c == '-' ? -1.0 : 1.0);
        if (check_finite(ps, op, out) != 0)
            return -1;
    }
}

/* Parse without recording an error: 0, or -1 with ps->err_col and ps->msg
 * (and *out empty). */
static int parse_formula(const char *text, int d, polynomial *out, parser *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->text = text;
    ps->d = d;
    ps->budget = POLYNOMIAL_FORMULA_MAX_PRODUCTS;
    poly_empty(out, d);
    skip_space(ps);
    if (ps->text[ps->pos] == '\0')
        return parse_fail(ps, ps->pos, "empty formula");
    if (parse_sum(ps, out) != 0)
        return -1;
    skip_space(ps);
    char c = ps->text[ps->pos];
    if (c != '\0') {
        polynomial_free(out);
        if (c == ')')
            return parse_fail(ps, ps->pos, "unmatched ')'");
        return parse_fail(ps, ps->pos, "expected an operator or the end of the formula");
    }
    return 0;
}

int polynomial_parse(const char *text, int d, polynomial *out, int *column)
{
    if (column)
        *column = 0;
    poly_empty(out, d);
    if (d < 1 || d > POLYNOMIAL_MAX_VARS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "d = %d is outside 1..%d", d, POLYNOMIAL_MAX_VARS);
    parser ps;
    if (parse_formula(text, d, out, &ps) != 0) {
        if (column)
            *column = ps.err_col;
        return ALFE_FAIL(ALFE_ERR_INPUT, "column %d: %s", ps.err_col, ps.msg);
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------ */
/* Formatting */

/* p and q ≤ 1000 with (double)p/q == x exactly; 0 when there are none. */
static int exact_fraction(double x, long long *p, int *q)
{
    for (int den = 1; den <= 1000; den++) {
        double num = nearbyint(x * den);
        if (num > 9007199254740992.0)
            return 0;
        if (num / den == x) {
            *p = (long long)num;
            *q = den;
            return 1;
        }
    }
    return 0;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        while (*len + n + 1 > *cap)
            *cap *= 2;
        *buf = ALFE_REALLOC(*buf, *cap);
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *polynomial_format(const polynomial *p)
{
    size_t cap = 64, len = 0;
    char *buf = ALFE_MALLOC(cap);
    buf[0] = '\0';
    if (p->n_terms == 0) {
        append(&buf, &len, &cap, "0");
        return buf;
    }
    char piece[64];
    for (int t = 0; t < p->n_terms; t++) {
        double c = p->coef[t];
        const uint8_t *e = p->pow + (size_t)t * p->d;
        if (t == 0)
            append(&buf, &len, &cap, c < 0 ? "-" : "");
        else
            append(&buf, &len, &cap, c < 0 ? " - " : " + ");
        double a = fabs(c);
        int constant = term_degree(e, p->d) == 0;
        if (a != 1.0 || constant) {
            long long num;
            int den;
            if (exact_fraction(a, &num, &den))
                snprintf(piece, sizeof piece, den == 1 ? "%lld" : "%lld/%d", num, den);
            else
                snprintf(piece, sizeof piece, "%.17g", a);
            append(&buf, &len, &cap, piece);
        }
        int first = a == 1.0 && !constant;
        for (int j = 0; j < p->d; j++) {
            if (!e[j])
                continue;
            if (e[j] == 1)
                snprintf(piece, sizeof piece, "%se%d", first ? "" : "*", j);
            else
                snprintf(piece, sizeof piece, "%se%d^%d", first ? "" : "*", j, e[j]);
            append(&buf, &len, &cap, piece);
            first = 0;
        }
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* Invariant sets */

static invariant_set *set_create(int d, int m)
{
    invariant_set *set = ALFE_CALLOC(1, sizeof *set);
    set->d = d;
    set->m = m;
    set->poly = ALFE_CALLOC((size_t)(m > 0 ? m : 1), sizeof(polynomial));
    set->formula = ALFE_CALLOC((size_t)(m > 0 ? m : 1), sizeof(char *));
    return set;
}

void invariant_set_destroy(invariant_set **setp)
{
    if (!setp || !*setp)
        return;
    invariant_set *set = *setp;
    for (int k = 0; k < set->m; k++) {
        polynomial_free(&set->poly[k]);
        free(set->formula[k]);
    }
    free(set->poly);
    free(set->formula);
    free(set);
    *setp = NULL;
}

int invariant_set_from_formulas(const char *const *formulas, int m, int d, invariant_set **out)
{
    *out = NULL;
    if (m < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "no invariant formulas");
    if (d < 1 || d > POLYNOMIAL_MAX_VARS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "d = %d is outside 1..%d", d, POLYNOMIAL_MAX_VARS);
    invariant_set *set = set_create(d, 0);
    set->poly = ALFE_REALLOC(set->poly, sizeof(polynomial) * (size_t)m);
    set->formula = ALFE_REALLOC(set->formula, sizeof(char *) * (size_t)m);
    for (int k = 0; k < m; k++) {
        parser ps;
        double v;
        if (parse_formula(formulas[k], d, &set->poly[k], &ps) != 0) {
            invariant_set_destroy(&set);
            return ALFE_FAIL(ALFE_ERR_INPUT, "formula %d: column %d: %s", k + 1, ps.err_col,
                             ps.msg);
        }
        set->m = k + 1;
        set->formula[k] = ALFE_STRDUP(formulas[k]);
        if (poly_is_constant(&set->poly[k], &v)) {
            invariant_set_destroy(&set);
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "formula %d: the formula is a constant (an invariant must depend "
                             "on e0 to e%d)",
                             k + 1, d - 1);
        }
    }
    *out = set;
    return ALFE_OK;
}

int invariant_set_read(const char *path, int d, invariant_set **out)
{
    *out = NULL;
    if (d < 1 || d > POLYNOMIAL_MAX_VARS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: d = %d is outside 1..%d", path, d,
                         POLYNOMIAL_MAX_VARS);
    char *text;
    ALFE_CHECK(alfe_read_text_file(path, &text, NULL));
    invariant_set *set = set_create(d, 0);
    int cap = 0, line_no = 0, status = ALFE_OK;
    char *next = text;
    for (char *line; status == ALFE_OK && (line = alfe_next_line(&next));) {
        line_no++;
        /* Parse the untrimmed line so that columns are those of the file. */
        const char *p = line;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            continue;
        if (set->m == cap) {
            cap = cap ? 2 * cap : 16;
            set->poly = ALFE_REALLOC(set->poly, sizeof(polynomial) * (size_t)cap);
            set->formula = ALFE_REALLOC(set->formula, sizeof(char *) * (size_t)cap);
        }
        parser ps;
        double v;
        polynomial poly;
        if (parse_formula(line, d, &poly, &ps) != 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d:%d: %s", path, line_no, ps.err_col, ps.msg);
            break;
        }
        if (poly_is_constant(&poly, &v)) {
            polynomial_free(&poly);
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s:%d:%d: the formula is a constant (an invariant must depend "
                               "on e0 to e%d)",
                               path, line_no, column_of(line, (int)(p - line)), d - 1);
            break;
        }
        set->poly[set->m] = poly;
        set->formula[set->m] = ALFE_STRDUP(alfe_trim(line));
        set->m++;
    }
    free(text);
    if (status == ALFE_OK && set->m == 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no formulas (one invariant per line)", path);
    if (status != ALFE_OK) {
        invariant_set_destroy(&set);
        return status;
    }
    *out = set;
    return ALFE_OK;
}

int invariant_set_write(const invariant_set *set, const char *path, const char *comment)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot create", path);
    if (comment) {
        const char *s = comment;
        while (*s) {
            const char *nl = strchr(s, '\n');
            int n = nl ? (int)(nl - s) : (int)strlen(s);
            fprintf(f, "# %.*s\n", n, s);
            s += n + (nl != NULL);
        }
    }
    for (int k = 0; k < set->m; k++) {
        /* The canonical text, not set->formula[k]: a caller's string may
         * hold a newline or '#' that would split or cut the line. */
        char *text = polynomial_format(&set->poly[k]);
        fprintf(f, "%s\n", text);
        free(text);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: write error", path);
    return ALFE_OK;
}

void invariant_set_eval(const invariant_set *set, const double *eta, double *h, double *jac,
                        double *hess)
{
    const int d = set->d;
    for (int k = 0; k < set->m; k++)
        polynomial_eval(&set->poly[k], eta, &h[k], jac ? jac + (size_t)k * d : NULL,
                        hess ? hess + (size_t)k * d * d : NULL);
}
