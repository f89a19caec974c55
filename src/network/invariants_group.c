/* invariants_group.c — invariant polynomials of a finite group acting on η:
 * the group itself built from a CASM prim, an ordering cell and Q; Molien's
 * series; Reynolds averages of monomials and the choice of generators.
 * Owns: the monomial tables and Gram–Schmidt basis of the generator (all
 * local to one call).  Must not evaluate polynomials for the network
 * (invariants.c does) nor know about configurations (orderparam.c does).
 *
 * Method (docs/invariants.md).  For each degree k = 1..D the invariant
 * polynomials of degree k form the image of the Reynolds operator
 *   R(m)(η) = (1/|G|) Σ_g m(A_g η)
 * on the monomials m of degree k, a space of dimension dim_k given by Molien's
 * series.  The products g_i·b, with g_i a chosen generator of degree a < k
 * and b running over a basis of the invariants of degree k − a, span the
 * degree-k part of the algebra the lower-degree generators generate.  A
 * pivoted Gram–Schmidt basis of the monomial-coefficient vectors is seeded
 * with those products; then R(m) for the monomials in canonical order is
 * added whenever it is independent (relative residual > 1e-8): those are the
 * new generators of degree k.  Molien's dim_k stops the scan early and checks
 * that nothing was missed. */
#include "alfe/network/invariants_group.h"

#include "alfe/lattice/clex.h"
#include "alfe/lattice/symmetry.h"
#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/lattice/supercell.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define INVARIANTS_MAX_DEGREE 32
#define INVARIANTS_MAX_MONOMIALS (1L << 20)
/* A Reynolds vector or product independent of the basis so far: its
 * component outside the span, relative to its norm, is above this. */
#define INVARIANTS_RANK_TOL 1e-8
/* Roundoff in a Reynolds average, relative to the largest possible term. */
#define INVARIANTS_CHOP_TOL 1e-12
/* Matrices equal entry by entry within this (relative to their size). */
#define GROUP_MATRIX_TOL 1e-8

/* ------------------------------------------------------------------------ */
/* Small helpers */

/* x, or the fraction p/q (q ≤ 1000) within 1e-12·max(1, |x|) of it: sums of
 * products of rationals such as 1/8 and 1/|G| come out a few ulps off. */
static double snap_rational(double x)
{
    double tol = 1e-12 * (fabs(x) > 1.0 ? fabs(x) : 1.0);
    for (int q = 1; q <= 1000; q++) {
        double p = nearbyint(x * q);
        if (fabs(x - p / q) <= tol)
            return p / q;
    }
    return x;
}

/* C(n, k), saturated at 2^52 (only used for counts below the monomial cap). */
static long binomial(int n, int k)
{
    if (k < 0 || k > n)
        return 0;
    double c = 1.0;
    for (int i = 0; i < k; i++) {
        c = c * (n - i) / (i + 1);
        if (c > 4503599627370496.0)
            return 4503599627370496L;
    }
    return (long)nearbyint(c);
}

/* ------------------------------------------------------------------------ */
/* Monomial tables: all monomials of each degree t ≤ top in the canonical
 * order of invariants.h, and for t < top the index of mon·e_l at t + 1. */

typedef struct {
    int d, top;
    long n[INVARIANTS_MAX_DEGREE + 1];
    uint8_t *mon[INVARIANTS_MAX_DEGREE + 1]; /* n[t] × d */
    int *next[INVARIANTS_MAX_DEGREE];        /* n[t] × d */
} monomial_table;

/* Index of exponent vector e (degree t) in canonical order: before e come,
 * for each j, the monomials that agree on e_0..e_{j−1} and have a larger
 * e_j; with rem = t − Σ_{i<j} e_i and S = rem − e_j − 1 there are
 * C(d−j−1+S, S) of them (monomials of degree ≤ S in d−j−1 variables). */
static long monomial_rank(const uint8_t *e, int d, int t)
{
    long r = 0;
    int rem = t;
    for (int j = 0; j < d - 1; j++) {
        int s = rem - e[j] - 1;
        if (s >= 0)
            r += binomial(d - j - 1 + s, s);
        rem -= e[j];
    }
    return r;
}

static void monomial_fill(uint8_t *e, int j, int d, int rem, uint8_t *out, long *k)
{
    if (j == d - 1) {
        e[j] = (uint8_t)rem;
        memcpy(out + (size_t)(*k) * d, e, (size_t)d);
        (*k)++;
        return;
    }
    for (int p = rem; p >= 0; p--) {
        e[j] = (uint8_t)p;
        monomial_fill(e, j + 1, d, rem - p, out, k);
    }
}

static void monomial_table_free(monomial_table *mt)
{
    for (int t = 0; t <= mt->top; t++) {
        free(mt->mon[t]);
        mt->mon[t] = NULL;
        if (t < mt->top) {
            free(mt->next[t]);
            mt->next[t] = NULL;
        }
    }
}

static int monomial_table_build(int d, int top, monomial_table *mt)
{
    memset(mt, 0, sizeof *mt);
    mt->d = d;
    mt->top = top;
    uint8_t e[POLYNOMIAL_MAX_VARS];
    for (int t = 0; t <= top; t++) {
        mt->n[t] = binomial(d - 1 + t, t);
        mt->mon[t] = ALFE_MALLOC((size_t)mt->n[t] * d);
        long k = 0;
        monomial_fill(e, 0, d, t, mt->mon[t], &k);
        for (long i = 0; i < k; i++)
            if (monomial_rank(mt->mon[t] + (size_t)i * d, d, t) != i) {
                mt->top = t;
                monomial_table_free(mt);
                return ALFE_FAIL(ALFE_ERR_RUNTIME, "monomial ranking is inconsistent (degree %d)",
                                 t);
            }
    }
    for (int t = 0; t < top; t++) {
        mt->next[t] = ALFE_MALLOC(sizeof(int) * (size_t)mt->n[t] * d);
        for (long i = 0; i < mt->n[t]; i++) {
            memcpy(e, mt->mon[t] + (size_t)i * d, (size_t)d);
            for (int l = 0; l < d; l++) {
                e[l]++;
                mt->next[t][(size_t)i * d + l] = (int)monomial_rank(e, d, t + 1);
                e[l]--;
            }
        }
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------ */
/* Molien's series */

void invariants_molien(int d, int n_ops, const double *ops, int max_degree, double *dims)
{
    double *power = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    double *tmp = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    double *p = ALFE_MALLOC(sizeof(double) * (size_t)(max_degree + 1));
    double *h = ALFE_MALLOC(sizeof(double) * (size_t)(max_degree + 1));
    for (int k = 0; k <= max_degree; k++)
        dims[k] = 0.0;
    for (int g = 0; g < n_ops; g++) {
        const double *a = ops + (size_t)g * d * d;
        memcpy(power, a, sizeof(double) * (size_t)d * d);
        /* p_j = tr A^j = Σ λ^j;  k h_k = Σ_{j=1..k} p_j h_{k−j} (Newton). */
        for (int j = 1; j <= max_degree; j++) {
            double tr = 0.0;
            for (int i = 0; i < d; i++)
                tr += power[i * d + i];
            p[j] = tr;
            if (j == max_degree)
                break;
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++) {
                    double s = 0.0;
                    for (int l = 0; l < d; l++)
                        s += power[r * d + l] * a[l * d + c];
                    tmp[r * d + c] = s;
                }
            memcpy(power, tmp, sizeof(double) * (size_t)d * d);
        }
        h[0] = 1.0;
        for (int k = 1; k <= max_degree; k++) {
            double s = 0.0;
            for (int j = 1; j <= k; j++)
                s += p[j] * h[k - j];
            h[k] = s / k;
        }
        for (int k = 0; k <= max_degree; k++)
            dims[k] += h[k] / n_ops;
    }
    free(power);
    free(tmp);
    free(p);
    free(h);
}

/* ------------------------------------------------------------------------ */
/* Group check: distinct matrices, closed under multiplication, g·h ≠ g·h'
 * (a finite cancellative set of matrices is a group). */

typedef struct {
    double key;
    int index;
} fingerprint;

static int fingerprint_compare(const void *a, const void *b)
{
    double x = ((const fingerprint *)a)->key, y = ((const fingerprint *)b)->key;
    return x < y ? -1 : x > y;
}

/* Σ w_ij A_ij with fixed irrational weights: equal matrices, equal keys. */
static double matrix_key(const double *a, int d)
{
    double s = 0.0;
    for (int i = 0; i < d * d; i++)
        s += a[i] * sin(1.0 + 0.7548776662466927 * i);
    return s;
}

static int matrix_equal(const double *a, const double *b, int d, double tol)
{
    for (int i = 0; i < d * d; i++)
        if (fabs(a[i] - b[i]) > tol)
            return 0;
    return 1;
}

/* Index of a among the sorted fingerprints, or -1. */
static int group_find(const double *ops, int d, const fingerprint *fp, int n, const double *a,
                      double tol)
{
    double key = matrix_key(a, d), window = tol * d * d;
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (fp[mid].key < key - window)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (int i = lo; i < n && fp[i].key <= key + window; i++)
        if (matrix_equal(ops + (size_t)fp[i].index * d * d, a, d, tol))
            return fp[i].index;
    return -1;
}

static int group_check(int d, int n_ops, const double *ops)
{
    double size = 0.0;
    for (long i = 0; i < (long)n_ops * d * d; i++)
        size = fabs(ops[i]) > size ? fabs(ops[i]) : size;
    double tol = GROUP_MATRIX_TOL * (1.0 + size);
    fingerprint *fp = ALFE_MALLOC(sizeof *fp * (size_t)n_ops);
    for (int g = 0; g < n_ops; g++) {
        fp[g].key = matrix_key(ops + (size_t)g * d * d, d);
        fp[g].index = g;
    }
    qsort(fp, (size_t)n_ops, sizeof *fp, fingerprint_compare);
    double *prod = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    int *hit = ALFE_MALLOC(sizeof(int) * (size_t)n_ops);
    int status = ALFE_OK;
    for (int g = 0; g < n_ops && status == ALFE_OK; g++) {
        int other = group_find(ops, d, fp, n_ops, ops + (size_t)g * d * d, tol);
        if (other != g)
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "group matrices %d and %d are equal (pass each element once)",
                               other < g ? other : g, other < g ? g : other);
    }
    for (int i = 0; i < d * d; i++)
        prod[i] = i % (d + 1) == 0;
    if (status == ALFE_OK && group_find(ops, d, fp, n_ops, prod, tol) < 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "the group matrices do not include the identity");
    for (int g = 0; g < n_ops && status == ALFE_OK; g++) {
        const double *a = ops + (size_t)g * d * d;
        for (int i = 0; i < n_ops; i++)
            hit[i] = -1;
        for (int h = 0; h < n_ops && status == ALFE_OK; h++) {
            const double *b = ops + (size_t)h * d * d;
            for (int r = 0; r < d; r++)
                for (int c = 0; c < d; c++) {
                    double s = 0.0;
                    for (int l = 0; l < d; l++)
                        s += a[r * d + l] * b[l * d + c];
                    prod[r * d + c] = s;
                }
            int k = group_find(ops, d, fp, n_ops, prod, tol);
            if (k < 0)
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "the %d matrices are not a group: the product of matrices %d "
                                   "and %d is not among them",
                                   n_ops, g, h);
            else if (hit[k] >= 0)
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "the %d matrices are not a group: matrix %d times %d and "
                                   "times %d give the same product",
                                   n_ops, g, hit[k], h);
            else
                hit[k] = h;
        }
    }
    free(fp);
    free(prod);
    free(hit);
    return status;
}

/* ------------------------------------------------------------------------ */
/* Reynolds averages */

typedef struct {
    double *cur, *nxt;       /* dense coefficient arrays, zero outside the lists */
    int *cur_idx, *nxt_idx;  /* indices present */
    uint8_t *seen;           /* 1 when an index is in nxt_idx */
    double *sum, *bound;     /* Reynolds sum (dense, top degree) */
} reynolds_work;

static void reynolds_work_create(long n_max, reynolds_work *w)
{
    w->cur = ALFE_CALLOC((size_t)n_max, sizeof(double));
    w->nxt = ALFE_CALLOC((size_t)n_max, sizeof(double));
    w->cur_idx = ALFE_MALLOC(sizeof(int) * (size_t)n_max);
    w->nxt_idx = ALFE_MALLOC(sizeof(int) * (size_t)n_max);
    w->seen = ALFE_CALLOC((size_t)n_max, 1);
    w->sum = ALFE_CALLOC((size_t)n_max, sizeof(double));
}

static void reynolds_work_free(reynolds_work *w)
{
    free(w->cur);
    free(w->nxt);
    free(w->cur_idx);
    free(w->nxt_idx);
    free(w->seen);
    free(w->sum);
}

/* R(m) for monomial m of degree k into w->sum (dense over the degree-k
 * monomials, cleared first), entries below INVARIANTS_CHOP_TOL times the
 * largest possible term set to 0.  m(Aη) = Π_j (Σ_l A_jl η_l)^{m_j} is
 * expanded one linear factor at a time over the nonzero coefficients only
 * (for signed-permutation matrices each step keeps one term).  Returns 1
 * when R(m) ≠ 0. */
static int reynolds_average(const monomial_table *mt, int n_ops, const double *ops,
                            const uint8_t *m, int k, reynolds_work *w)
{
    const int d = mt->d;
    long n = mt->n[k];
    for (long i = 0; i < n; i++)
        w->sum[i] = 0.0;
    double bound = 0.0;
    for (int g = 0; g < n_ops; g++) {
        const double *a = ops + (size_t)g * d * d;
        int n_cur = 1, t = 0;
        w->cur_idx[0] = 0;
        w->cur[0] = 1.0;
        double term_bound = 1.0;
        for (int j = 0; j < d; j++) {
            const double *row = a + (size_t)j * d;
            double row_norm = 0.0;
            for (int l = 0; l < d; l++)
                row_norm += fabs(row[l]);
            for (int rep = 0; rep < m[j]; rep++, t++) {
                term_bound *= row_norm;
                const int *next = mt->next[t];
                int n_nxt = 0;
                for (int c = 0; c < n_cur; c++) {
                    int idx = w->cur_idx[c];
                    double v = w->cur[idx];
                    w->cur[idx] = 0.0;
                    if (v == 0.0)
                        continue;
                    for (int l = 0; l < d; l++) {
                        if (row[l] == 0.0)
                            continue;
                        int to = next[(size_t)idx * d + l];
                        if (!w->seen[to]) {
                            w->seen[to] = 1;
                            w->nxt_idx[n_nxt++] = to;
                        }
                        w->nxt[to] += v * row[l];
                    }
                }
                for (int c = 0; c < n_nxt; c++)
                    w->seen[w->nxt_idx[c]] = 0;
                double *sw = w->cur;
                w->cur = w->nxt;
                w->nxt = sw;
                int *si = w->cur_idx;
                w->cur_idx = w->nxt_idx;
                w->nxt_idx = si;
                n_cur = n_nxt;
            }
        }
        for (int c = 0; c < n_cur; c++) {
            int idx = w->cur_idx[c];
            w->sum[idx] += w->cur[idx];
            w->cur[idx] = 0.0;
        }
        bound = term_bound > bound ? term_bound : bound;
    }
    int nonzero = 0;
    for (long i = 0; i < n; i++) {
        w->sum[i] /= n_ops;
        if (fabs(w->sum[i]) <= INVARIANTS_CHOP_TOL * bound)
            w->sum[i] = 0.0;
        nonzero |= w->sum[i] != 0.0;
    }
    return nonzero;
}

/* Dense degree-k vector → polynomial; with normalise, scaled so that the
 * first coefficient of largest magnitude is +1 and snapped to fractions. */
static void dense_to_polynomial(const monomial_table *mt, int k, const double *v, int normalise,
                                polynomial *out)
{
    const int d = mt->d;
    long n = mt->n[k], nz = 0;
    double big = 0.0;
    for (long i = 0; i < n; i++)
        if (v[i] != 0.0) {
            nz++;
            if (fabs(v[i]) > big * (1.0 + 1e-12))
                big = fabs(v[i]);
        }
    double scale = 1.0;
    if (normalise)
        for (long i = 0; i < n; i++)
            if (fabs(v[i]) >= big * (1.0 - 1e-12)) {
                scale = v[i];
                break;
            }
    double *coef = ALFE_MALLOC(sizeof(double) * (size_t)(nz > 0 ? nz : 1));
    uint8_t *pow = ALFE_MALLOC((size_t)(nz > 0 ? nz : 1) * d);
    long t = 0;
    for (long i = 0; i < n; i++)
        if (v[i] != 0.0) {
            coef[t] = normalise ? snap_rational(v[i] / scale) : v[i];
            memcpy(pow + (size_t)t * d, mt->mon[k] + (size_t)i * d, (size_t)d);
            t++;
        }
    polynomial_from_terms(d, (int)nz, coef, pow, out);
    free(coef);
    free(pow);
}

static void polynomial_to_dense(const polynomial *p, int k, long n, double *v)
{
    for (long i = 0; i < n; i++)
        v[i] = 0.0;
    for (int t = 0; t < p->n_terms; t++) {
        const uint8_t *e = p->pow + (size_t)t * p->d;
        int deg = 0;
        for (int j = 0; j < p->d; j++)
            deg += e[j];
        if (deg == k) /* homogeneous by construction; other degrees cannot occur */
            v[monomial_rank(e, p->d, k)] += p->coef[t];
    }
}

/* Orthonormal basis of the span so far (rows of length n). */
typedef struct {
    long n;
    int rank;
    long cap; /* doubles allocated in rows */
    double *rows;
    double *work;
} span_basis;

static void span_reset(span_basis *sb, long n)
{
    sb->n = n;
    sb->rank = 0;
    sb->work = ALFE_REALLOC(sb->work, sizeof(double) * (size_t)n);
}

/* Add v when it is independent of the span: two passes of modified
 * Gram–Schmidt ("twice is enough") on v/‖v‖; returns 1 when added. */
static int span_add(span_basis *sb, const double *v)
{
    long n = sb->n;
    double norm = 0.0;
    for (long i = 0; i < n; i++)
        norm += v[i] * v[i];
    norm = sqrt(norm);
    if (norm == 0.0)
        return 0;
    double *u = sb->work;
    for (long i = 0; i < n; i++)
        u[i] = v[i] / norm;
    for (int pass = 0; pass < 2; pass++)
        for (int r = 0; r < sb->rank; r++) {
            const double *b = sb->rows + (size_t)r * n;
            double dot = 0.0;
            for (long i = 0; i < n; i++)
                dot += b[i] * u[i];
            for (long i = 0; i < n; i++)
                u[i] -= dot * b[i];
        }
    double res = 0.0;
    for (long i = 0; i < n; i++)
        res += u[i] * u[i];
    res = sqrt(res);
    if (res <= INVARIANTS_RANK_TOL)
        return 0;
    if ((long)(sb->rank + 1) * n > sb->cap) { /* cap counts doubles: n changes per degree */
        sb->cap = 2 * (sb->rank + 1) * n;
        sb->rows = ALFE_REALLOC(sb->rows, sizeof(double) * (size_t)sb->cap);
    }
    double *row = sb->rows + (size_t)sb->rank * n;
    for (long i = 0; i < n; i++)
        row[i] = u[i] / res;
    sb->rank++;
    return 1;
}

/* Polynomials spanning the invariants of one degree. */
typedef struct {
    int n, cap;
    polynomial *p;
} poly_list;

static void poly_list_push(poly_list *l, polynomial *p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->p = ALFE_REALLOC(l->p, sizeof(polynomial) * (size_t)l->cap);
    }
    l->p[l->n++] = *p;
}

static void poly_list_free(poly_list *l)
{
    for (int i = 0; i < l->n; i++)
        polynomial_free(&l->p[i]);
    free(l->p);
    l->p = NULL;
    l->n = l->cap = 0;
}

int invariants_from_group(int d, int n_ops, const double *ops, int max_degree,
                          invariant_set **out)
{
    *out = NULL;
    if (d < 1 || d > POLYNOMIAL_MAX_VARS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "d = %d is outside 1..%d", d, POLYNOMIAL_MAX_VARS);
    if (n_ops < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "no group matrices");
    if (max_degree < 1 || max_degree > INVARIANTS_MAX_DEGREE)
        return ALFE_FAIL(ALFE_ERR_INPUT, "invariant degree %d is outside 1..%d", max_degree,
                         INVARIANTS_MAX_DEGREE);
    long n_top = binomial(d - 1 + max_degree, max_degree);
    if (n_top > INVARIANTS_MAX_MONOMIALS)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "degree %d in %d variables has %ld monomials (at most %ld): lower "
                         "the degree",
                         max_degree, d, n_top, INVARIANTS_MAX_MONOMIALS);
    for (long i = 0; i < (long)n_ops * d * d; i++)
        if (!isfinite(ops[i]))
            return ALFE_FAIL(ALFE_ERR_INPUT, "group matrix %ld has a non-finite entry",
                             i / ((long)d * d));
    ALFE_CHECK(group_check(d, n_ops, ops));

    monomial_table mt;
    ALFE_CHECK(monomial_table_build(d, max_degree, &mt));
    double *molien = ALFE_MALLOC(sizeof(double) * (size_t)(max_degree + 1));
    invariants_molien(d, n_ops, ops, max_degree, molien);
    reynolds_work w;
    reynolds_work_create(n_top, &w);
    double *vec = ALFE_MALLOC(sizeof(double) * (size_t)n_top);
    span_basis sb = {0, 0, 0, NULL, NULL};
    poly_list *level = ALFE_CALLOC((size_t)max_degree + 1, sizeof(poly_list));
    poly_list gens = {0, 0, NULL};
    long n_all = 0; /* generators are at most all monomials of degree 1..D */
    for (int k = 1; k <= max_degree; k++)
        n_all += mt.n[k];
    int *gen_degree = ALFE_MALLOC(sizeof(int) * (size_t)n_all);
    int status = ALFE_OK;

    for (int k = 1; k <= max_degree && status == ALFE_OK; k++) {
        long n = mt.n[k];
        span_reset(&sb, n);
        long expect = (long)nearbyint(molien[k]);
        int target = fabs(molien[k] - (double)expect) < 1e-6 ? (int)expect : -1;
        /* Products of a lower-degree generator with the degree-(k − a) invariants. */
        int n_gens_below = gens.n;
        for (int i = 0; i < n_gens_below && sb.rank != target; i++) {
            int a = gen_degree[i];
            const poly_list *partner = &level[k - a];
            for (int b = 0; b < partner->n && sb.rank != target; b++) {
                polynomial prod;
                status = polynomial_multiply(&gens.p[i], &partner->p[b], &prod);
                if (status != ALFE_OK) {
                    polynomial_free(&prod);
                    break;
                }
                polynomial_to_dense(&prod, k, n, vec);
                if (span_add(&sb, vec))
                    poly_list_push(&level[k], &prod);
                else
                    polynomial_free(&prod);
            }
            if (status != ALFE_OK)
                break;
        }
        /* New generators: Reynolds averages of the monomials, in order. */
        for (long i = 0; i < n && sb.rank != target && status == ALFE_OK; i++) {
            if (!reynolds_average(&mt, n_ops, ops, mt.mon[k] + (size_t)i * d, k, &w))
                continue;
            polynomial gen;
            dense_to_polynomial(&mt, k, w.sum, 1, &gen);
            polynomial_to_dense(&gen, k, n, vec);
            if (!span_add(&sb, vec)) {
                polynomial_free(&gen);
                continue;
            }
            polynomial copy;
            polynomial_copy(&gen, &copy);
            poly_list_push(&level[k], &copy);
            gen_degree[gens.n] = k;
            poly_list_push(&gens, &gen);
        }
        if (status == ALFE_OK && target >= 0 && sb.rank != target)
            status = ALFE_FAIL(ALFE_ERR_RUNTIME,
                               "degree %d: the Reynolds averages span %d invariants but "
                               "Molien's series gives %d",
                               k, sb.rank, target);
    }

    if (status == ALFE_OK && gens.n == 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "the group has no invariant polynomials of degree 1..%d", max_degree);
    if (status == ALFE_OK) {
        invariant_set *set = ALFE_CALLOC(1, sizeof *set);
        set->d = d;
        set->m = gens.n;
        set->poly = gens.p;
        set->formula = ALFE_MALLOC(sizeof(char *) * (size_t)gens.n);
        for (int i = 0; i < gens.n; i++)
            set->formula[i] = polynomial_format(&set->poly[i]);
        gens.p = NULL;
        gens.n = 0;
        *out = set;
    }
    poly_list_free(&gens);
    for (int k = 0; k <= max_degree; k++)
        poly_list_free(&level[k]);
    free(level);
    free(gen_degree);
    free(sb.rows);
    free(sb.work);
    free(vec);
    free(molien);
    reynolds_work_free(&w);
    monomial_table_free(&mt);
    return status;
}

/* ------------------------------------------------------------------------ */
/* The group acting on η for a prim, an ordering cell and Q */

/* What the steps of invariants_group_from_prim share. */
typedef struct {
    const char *prim_path;
    const int (*ordering)[3];
    int64_t det;                    /* det of the ordering cell (non-zero) */
    const double *q;                /* d × m */
    int d, m;
    clex_prim prim;
    int n_vb;                       /* variable sites (2+ occupants) of the prim */
    int *vb_of;                     /* prim site -> variable-site index, or -1 */
    int *b_of_vb;                   /* variable-site index -> prim site */
    clex_symop *symops;             /* the prim's factor group */
    int n_sym;
    cell_lattice lattice;           /* the ordering cell's cells (as orderparam.c) */
    double *q_pinv;                 /* m × d */
    double q_size;                  /* largest |Q_ij|, the scale of the closure test */
} prim_group;

static void prim_group_free(prim_group *pg)
{
    free(pg->vb_of);
    free(pg->b_of_vb);
    free(pg->symops);
    cell_lattice_free(&pg->lattice);
    free(pg->q_pinv);
    clex_prim_free(&pg->prim);
}

/* Number the prim's variable sites; M must be (cells of O) × (variable sites). */
static int prim_group_sublattices(prim_group *pg)
{
    const clex_prim *prim = &pg->prim;
    size_t n = (size_t)(prim->n_sites > 0 ? prim->n_sites : 1);
    pg->vb_of = ALFE_MALLOC(sizeof(int) * n);
    pg->b_of_vb = ALFE_MALLOC(sizeof(int) * n);
    pg->n_vb = 0;
    for (int b = 0; b < prim->n_sites; b++) {
        pg->vb_of[b] = prim->sites[b].n_occ > 1 ? pg->n_vb : -1;
        if (prim->sites[b].n_occ > 1)
            pg->b_of_vb[pg->n_vb++] = b;
    }
    int64_t adet = pg->det < 0 ? -pg->det : pg->det;
    long big_m = (long)adet * pg->n_vb;
    if (pg->n_vb == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s has no variable sites", pg->prim_path);
    if (pg->m != big_m)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "Q has %d columns but the ordering cell has M = %ld sublattices "
                         "(%lld cells x %d variable sites)",
                         pg->m, big_m, (long long)adet, pg->n_vb);
    if (pg->d < 1 || pg->d > pg->m)
        return ALFE_FAIL(ALFE_ERR_INPUT, "dimension %d outside 1..M = %d", pg->d, pg->m);
    return ALFE_OK;
}

/* An operation permutes the sublattices only if it maps O's lattice onto
 * itself: rot·O[:, c] ∈ O ℤ³ ⇔ adj(O)·rot·O[:, c] ≡ 0 (mod det O). */
static int prim_group_check_ordering(const prim_group *pg)
{
    int64_t adj[3][3];
    imat3_adjugate(pg->ordering, adj);
    for (int g = 0; g < pg->n_sym; g++)
        for (int c = 0; c < 3; c++) {
            const clex_symop *op = &pg->symops[g];
            int v[3];
            for (int i = 0; i < 3; i++)
                v[i] = op->rot[i][0] * pg->ordering[0][c] + op->rot[i][1] * pg->ordering[1][c] +
                       op->rot[i][2] * pg->ordering[2][c];
            for (int i = 0; i < 3; i++)
                if ((adj[i][0] * v[0] + adj[i][1] * v[1] + adj[i][2] * v[2]) % pg->det != 0)
                    return ALFE_FAIL(
                        ALFE_ERR_INPUT,
                        "operation %d of the space group of %s does not map the ordering "
                        "cell's lattice onto itself, so it does not permute the %d "
                        "sublattices: choose an ordering cell with the prim's full symmetry",
                        g, pg->prim_path, pg->m);
        }
    return ALFE_OK;
}

/* The permutation of the M sublattices by factor-group operation g followed
 * by the translation to cell t: x'_{perm[s]} = x_s (the occupation of
 * sublattice s moves to perm[s]). */
static int prim_group_permutation(const prim_group *pg, int g, int t, int *perm)
{
    int m = pg->m, n_vb = pg->n_vb;
    const int (*cells)[3] = (const int (*)[3])pg->lattice.cells;
    for (int s = 0; s < m; s++)
        perm[s] = -1;
    for (int s = 0; s < m; s++) {
        int r = s / n_vb, vb = s % n_vb;
        clex_ucoord in = {pg->b_of_vb[vb], {cells[r][0], cells[r][1], cells[r][2]}}, img;
        ALFE_CHECK(clex_apply_op(&pg->prim, &pg->symops[g], &in, &img));
        int moved[3] = {img.cell[0] + cells[t][0], img.cell[1] + cells[t][1],
                        img.cell[2] + cells[t][2]};
        int k = cell_lattice_index(&pg->lattice, moved);
        int vb2 = pg->vb_of[img.b];
        if (k < 0 || vb2 < 0)
            return ALFE_FAIL(ALFE_ERR_RUNTIME,
                             "operation %d maps sublattice %d outside the variable "
                             "sublattices",
                             g, s);
        perm[s] = k * n_vb + vb2;
    }
    int status = ALFE_OK;
    for (int s = 0; s < m; s++)
        for (int u = s + 1; u < m; u++)
            if (perm[s] == perm[u])
                status = ALFE_FAIL(ALFE_ERR_RUNTIME,
                                   "operation %d does not permute the sublattices", g);
    return status;
}

/* The d × d matrix of a sublattice permutation on η: A = Q P Q⁺ with
 * (Q P)[i][s] = Q[i][perm[s]] (qp: d × m work), entries snapped to simple
 * rationals; fails when Q's rows are not closed: Q P ≠ A Q, i.e.
 * Q P (I − Q⁺Q) ≠ 0.  g and t name the operation in the message. */
static int prim_group_matrix(const prim_group *pg, const int *perm, int g, int t, double *qp,
                             double *a)
{
    int d = pg->d, m = pg->m;
    const double *q = pg->q;
    for (int i = 0; i < d; i++)
        for (int s = 0; s < m; s++)
            qp[(size_t)i * m + s] = q[(size_t)i * m + perm[s]];
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
            double sum = 0.0;
            for (int s = 0; s < m; s++)
                sum += qp[(size_t)i * m + s] * pg->q_pinv[(size_t)s * d + j];
            a[i * d + j] = snap_rational(sum);
        }
    double residual = 0.0;
    for (int i = 0; i < d; i++)
        for (int s = 0; s < m; s++) {
            double sum = 0.0;
            for (int j = 0; j < d; j++)
                sum += a[i * d + j] * q[(size_t)j * m + s];
            double r = fabs(qp[(size_t)i * m + s] - sum);
            residual = r > residual ? r : residual;
        }
    if (residual > 1e-9 * pg->q_size) {
        const int *cell = pg->lattice.cells[t];
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "the %d rows of Q are not closed under the symmetry group: "
                         "operation %d of the space group of %s with translation "
                         "(%d %d %d) maps them outside their span (residual %.3g); "
                         "Q needs every row of each star (all images of a row)",
                         d, g, pg->prim_path, cell[0], cell[1], cell[2], residual);
    }
    return ALFE_OK;
}

/* Append a to the list of distinct d × d matrices (*ops, *n_ops of *cap). */
static void group_add_distinct(double **ops, int *n_ops, int *cap, const double *a, int d)
{
    for (int h = 0; h < *n_ops; h++)
        if (matrix_equal(*ops + (size_t)h * d * d, a, d, 1e-9))
            return;
    if (*n_ops == *cap) {
        *cap *= 2;
        *ops = ALFE_REALLOC(*ops, sizeof(double) * (size_t)*cap * d * d);
    }
    memcpy(*ops + (size_t)*n_ops * d * d, a, sizeof(double) * (size_t)d * d);
    (*n_ops)++;
}

/* Every (factor-group operation, translation in the ordering cell) as a
 * matrix on η; the distinct ones, identity first, in *ops. */
static int prim_group_operations(const prim_group *pg, double **ops_out, int *n_out)
{
    int d = pg->d, m = pg->m;
    int *perm = ALFE_MALLOC(sizeof(int) * (size_t)m);
    double *a = ALFE_MALLOC(sizeof(double) * (size_t)d * d);
    double *qp = ALFE_MALLOC(sizeof(double) * (size_t)d * m);
    int cap = 16, n_ops = 1;
    double *ops = ALFE_MALLOC(sizeof(double) * (size_t)cap * d * d);
    for (int i = 0; i < d * d; i++)
        ops[i] = i % (d + 1) == 0;
    int status = ALFE_OK;
    for (int g = 0; g < pg->n_sym && status == ALFE_OK; g++)
        for (int t = 0; t < pg->lattice.n && status == ALFE_OK; t++) {
            status = prim_group_permutation(pg, g, t, perm);
            if (status == ALFE_OK)
                status = prim_group_matrix(pg, perm, g, t, qp, a);
            if (status == ALFE_OK)
                group_add_distinct(&ops, &n_ops, &cap, a, d);
        }
    free(perm);
    free(a);
    free(qp);
    if (status != ALFE_OK) {
        free(ops);
        return status;
    }
    *ops_out = ops;
    *n_out = n_ops;
    return ALFE_OK;
}

int invariants_group_from_prim(const char *prim_path, const int ordering[3][3],
                               const double *q, int d, int m, double **ops_out, int *n_out)
{
    *ops_out = NULL;
    *n_out = 0;
    prim_group pg = {.prim_path = prim_path, .ordering = ordering, .q = q, .d = d, .m = m};
    pg.det = imat3_det(ordering);
    if (pg.det == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "ordering cell matrix is singular");
    ALFE_CHECK(clex_read_prim(prim_path, &pg.prim));
    int status = prim_group_sublattices(&pg);
    if (status == ALFE_OK) {
        pg.q_pinv = ALFE_MALLOC(sizeof(double) * (size_t)m * d);
        status = linalg_pinv_full_row_rank(q, d, m, pg.q_pinv);
    }
    if (status == ALFE_OK)
        status = clex_factor_group(&pg.prim, &pg.symops, &pg.n_sym);
    /* The ordering cell's cells, numbered as orderparam.c numbers them. */
    if (status == ALFE_OK)
        status = cell_lattice_init(&pg.lattice, ordering, 1000000);
    if (status == ALFE_OK)
        status = prim_group_check_ordering(&pg);
    if (status == ALFE_OK) {
        for (long i = 0; i < (long)d * m; i++)
            pg.q_size = fabs(q[i]) > pg.q_size ? fabs(q[i]) : pg.q_size;
        status = prim_group_operations(&pg, ops_out, n_out);
    }
    prim_group_free(&pg);
    if (status != ALFE_OK)
        alfe_trace_at(__FILE__, __LINE__, __func__);
    return status;
}
