/* select.c — selection filters on one criterion's ranked candidates:
 * novelty (BLAS k-nearest distances to the data), diversity (greedy
 * farthest-point), groups/copies, perturbation with the domain enforced.
 *
 * Defects of the published workflow fixed here: its top-k batches piled onto
 * one spot (no diversity); perturbed points that left the domain were
 * dropped silently (here they are re-drawn or reflected in, and counted);
 * novelty used a k-d tree rebuilt per call — here distances are one dgemm
 * per block, ‖a‖² + ‖b‖² − 2 a·b.
 * Owns: the filters.  Must not read files, the configuration or MPI. */
#include "alfe/acquire/select.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What counts as inside after a perturbation (as the billiard walk allows a
 * point on a face). */
#define SELECT_INSIDE_TOLERANCE 1e-12
/* Novelty blocks: candidates × rows per dgemm. */
#define NOVELTY_BLOCK_C 256
#define NOVELTY_BLOCK_R 1024

static double distance2(const double *a, const double *b, int d)
{
    double s = 0.0;
    for (int j = 0; j < d; j++) {
        const double t = a[j] - b[j];
        s += t * t;
    }
    return s;
}

int select_diversity(acquire_candidate *c, int n, int d, int k, double oversample, int *n_out)
{
    *n_out = 0;
    if (n <= 0 || k <= 0)
        return ALFE_OK;
    if (!(oversample >= 1.0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "diversity: oversample = %g: must be >= 1", oversample);
    double want = ceil(oversample * (double)k);
    const int m = want >= (double)n ? n : (int)want;
    const int pick = k < m ? k : m;
    double *mind = ALFE_MALLOC(sizeof(double) * (size_t)m);
    int *order = ALFE_MALLOC(sizeof(int) * (size_t)m);
    char *taken = ALFE_CALLOC((size_t)m, 1);
    acquire_candidate *tmp = ALFE_MALLOC(sizeof(acquire_candidate) * (size_t)m);

    order[0] = 0; /* the best candidate first */
    taken[0] = 1;
    for (int i = 0; i < m; i++)
        mind[i] = distance2(c[i].eta, c[0].eta, d);
    for (int s = 1; s < pick; s++) {
        int best = -1;
        for (int i = 0; i < m; i++) /* strict >: ties go to the better rank */
            if (!taken[i] && (best < 0 || mind[i] > mind[best]))
                best = i;
        order[s] = best;
        taken[best] = 1;
        for (int i = 0; i < m; i++) {
            const double t = distance2(c[i].eta, c[best].eta, d);
            if (t < mind[i]) mind[i] = t;
        }
    }
    int w = pick;
    for (int i = 0; i < m; i++) /* the unchosen of the top m keep their rank order */
        if (!taken[i]) order[w++] = i;
    for (int i = 0; i < m; i++)
        tmp[i] = c[order[i]];
    memcpy(c, tmp, sizeof(acquire_candidate) * (size_t)m);
    free(tmp);
    free(taken);
    free(order);
    free(mind);
    *n_out = pick;
    return ALFE_OK;
}

/* Insert v into the ascending list best[0..k-1] (k kept smallest). */
static void keep_smallest(double *best, int k, double v)
{
    if (!(v < best[k - 1]))
        return;
    int j = k - 1;
    while (j > 0 && best[j - 1] > v) {
        best[j] = best[j - 1];
        j--;
    }
    best[j] = v;
}

static double pool_max_abs_eig(const acquire_pool *pool, const acquire_candidate *c)
{
    if (!pool || !pool->hess_eig || c->source != ACQUIRE_SOURCE_POOL || c->index < 0 ||
        c->index >= pool->n)
        return 1.0;
    const double *lam = pool->hess_eig + (size_t)c->index * pool->d;
    double big = 0.0;
    for (int j = 0; j < pool->d; j++)
        if (fabs(lam[j]) > big) big = fabs(lam[j]);
    return big;
}

int select_novelty(acquire_candidate *c, int *n, int d, const acquire_data *all,
                   const acquire_pool *pool, int k, double min_distance, int mode,
                   double *novelty, int *n_dropped)
{
    *n_dropped = 0;
    const int nc = *n;
    if (nc <= 0 || !all || all->n <= 0 || !(min_distance > 0.0))
        return ALFE_OK;
    if (k < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "novelty: k = %d: must be >= 1", k);
    if (all->d != d || !all->eta)
        return ALFE_FAIL(ALFE_ERR_INPUT, "novelty: data in %d dimensions, candidates in %d",
                         all->d, d);
    const int nr = all->n;
    const int kk = k < nr ? k : nr;
    const int bc = NOVELTY_BLOCK_C, br = NOVELTY_BLOCK_R;
    double *best = ALFE_MALLOC(sizeof(double) * (size_t)nc * kk);
    double *cand = ALFE_MALLOC(sizeof(double) * (size_t)bc * d);
    double *cn = ALFE_MALLOC(sizeof(double) * (size_t)bc);
    double *rn = ALFE_MALLOC(sizeof(double) * (size_t)nr);
    double *dot = ALFE_MALLOC(sizeof(double) * (size_t)bc * br);
    double *score = ALFE_MALLOC(sizeof(double) * (size_t)nc);
    for (size_t i = 0; i < (size_t)nc * kk; i++)
        best[i] = INFINITY;
    for (int r = 0; r < nr; r++) {
        double s = 0.0;
        for (int j = 0; j < d; j++)
            s += all->eta[(size_t)r * d + j] * all->eta[(size_t)r * d + j];
        rn[r] = s;
    }
    for (int c0 = 0; c0 < nc; c0 += bc) {
        const int mc = nc - c0 < bc ? nc - c0 : bc;
        for (int i = 0; i < mc; i++) {
            double s = 0.0;
            for (int j = 0; j < d; j++) {
                cand[(size_t)i * d + j] = c[c0 + i].eta[j];
                s += c[c0 + i].eta[j] * c[c0 + i].eta[j];
            }
            cn[i] = s;
        }
        for (int r0 = 0; r0 < nr; r0 += br) {
            const int mr = nr - r0 < br ? nr - r0 : br;
            /* dot (mc×mr) = cand (mc×d) · rowsᵀ (d×mr) */
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, mc, mr, d, 1.0, cand, d,
                        all->eta + (size_t)r0 * d, d, 0.0, dot, mr);
            for (int i = 0; i < mc; i++) {
                double *b = best + (size_t)(c0 + i) * kk;
                for (int r = 0; r < mr; r++) {
                    double d2 = cn[i] + rn[r0 + r] - 2.0 * dot[(size_t)i * mr + r];
                    keep_smallest(b, kk, d2 > 0.0 ? d2 : 0.0);
                }
            }
        }
    }
    for (int i = 0; i < nc; i++) {
        double s = 0.0;
        for (int q = 0; q < kk; q++)
            s += sqrt(best[(size_t)i * kk + q]);
        score[i] = s / kk;
        if (mode == NOVELTY_DISTANCE_EIG)
            score[i] *= pool_max_abs_eig(pool, &c[i]);
        if (novelty)
            novelty[i] = score[i];
    }
    int w = 0;
    for (int i = 0; i < nc; i++) {
        if (score[i] < min_distance)
            continue;
        if (w != i)
            c[w] = c[i];
        w++;
    }
    *n_dropped = nc - w;
    *n = w;
    free(score);
    free(dot);
    free(rn);
    free(cn);
    free(cand);
    free(best);
    return ALFE_OK;
}

int select_expand(const acquire_candidate *c, int n, const criterion_settings *s,
                  acquire_candidate **out, int *n_out, int *n_short)
{
    *out = NULL;
    *n_out = 0;
    *n_short = 0;
    int want = 0;
    if (s->n_groups == 0) {
        want = s->points > 0 ? s->points : 0;
    } else {
        for (int g = 0; g < s->n_groups; g++) {
            if (s->groups[g].count < 0 || s->groups[g].copies < 1)
                return ALFE_FAIL(ALFE_ERR_INPUT, "groups: group %d has %d x %d", g + 1,
                                 s->groups[g].count, s->groups[g].copies);
            want += s->groups[g].count * s->groups[g].copies;
        }
    }
    if (want == 0)
        return ALFE_OK;
    acquire_candidate *o = ALFE_MALLOC(sizeof(acquire_candidate) * (size_t)want);
    int w = 0, next = 0;
    if (s->n_groups == 0) {
        for (; next < n && w < want; next++)
            o[w++] = c[next];
    } else {
        for (int g = 0; g < s->n_groups; g++)
            for (int q = 0; q < s->groups[g].count && next < n; q++, next++)
                for (int copy = 0; copy < s->groups[g].copies; copy++)
                    o[w++] = c[next];
    }
    *n_short = want - w;
    if (w == 0) {
        free(o);
        o = NULL;
    }
    *out = o;
    *n_out = w;
    return ALFE_OK;
}

void select_perturb_stream(rng_stream *rng, uint64_t seed, int round, int criterion)
{
    const uint64_t key = ((uint64_t)(uint32_t)round << 16) | (uint64_t)(uint16_t)criterion;
    rng_stream_init(rng, seed, key, RNG_PURPOSE_PERTURB);
}

static int inside(const domain *dom, const double *eta)
{
    return domain_contains(dom, eta, SELECT_INSIDE_TOLERANCE);
}

int select_into_domain(const domain *dom, double *eta)
{
    if (inside(dom, eta))
        return 0;
    const int d = dom->d;
    /* Mirror in the most violated face: η ← η − 2 (a_i·η − b_i)/|a_i|² a_i,
     * the specular reflection the billiard walk uses at a face. */
    double p[ALFE_MAX_DIM];
    memcpy(p, eta, sizeof(double) * (size_t)d);
    for (int it = 0; it < 8 * dom->n_half && !inside(dom, p); it++) {
        int worst = -1;
        double excess = 0.0;
        for (int i = 0; i < dom->n_half; i++) {
            double ai_p = 0.0;
            for (int j = 0; j < d; j++)
                ai_p += dom->a[(size_t)i * d + j] * p[j];
            const double e = (ai_p - dom->b[i]) / dom->a_norm[i];
            if (e > excess) {
                excess = e;
                worst = i;
            }
        }
        if (worst < 0)
            break;
        for (int j = 0; j < d; j++)
            p[j] -= 2.0 * excess * dom->a[(size_t)worst * d + j] / dom->a_norm[worst];
    }
    if (!inside(dom, p)) {
        /* Mirrors went on bouncing (a thin corner): the point on the segment
         * centre → p farthest from the centre that is inside (bisection; the
         * centre is inside and the domain convex). */
        double lo = 0.0, hi = 1.0, q[ALFE_MAX_DIM];
        for (int it = 0; it < 60; it++) {
            const double t = 0.5 * (lo + hi);
            for (int j = 0; j < d; j++)
                q[j] = dom->center[j] + t * (p[j] - dom->center[j]);
            if (inside(dom, q)) lo = t;
            else hi = t;
        }
        for (int j = 0; j < d; j++)
            p[j] = dom->center[j] + lo * (p[j] - dom->center[j]);
    }
    memcpy(eta, p, sizeof(double) * (size_t)d);
    return 1;
}

int select_perturb(acquire_candidate *c, int n, int d, double a, int tries, const domain *dom,
                   rng_stream *rng, int *n_redrawn, int *n_reflected)
{
    *n_redrawn = 0;
    *n_reflected = 0;
    if (!(a >= 0.0) || tries < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "perturb = %g with %d tries: need a >= 0, tries >= 0",
                         a, tries);
    if (!dom || dom->d != d)
        return ALFE_FAIL(ALFE_ERR_INPUT, "perturb: domain in %d dimensions, points in %d",
                         dom ? dom->d : -1, d);
    for (int i = 0; i < n; i++) {
        double base[ALFE_MAX_DIM], p[ALFE_MAX_DIM];
        memcpy(base, c[i].eta, sizeof(double) * (size_t)d);
        memcpy(p, base, sizeof(double) * (size_t)d);
        if (a > 0.0) {
            for (int t = 0; t <= tries; t++) {
                for (int j = 0; j < d; j++)
                    p[j] = base[j] + a * (rng_uniform(rng) - 0.5);
                if (inside(dom, p))
                    break;
                if (t == 0 && tries > 0)
                    (*n_redrawn)++;
            }
        }
        *n_reflected += select_into_domain(dom, p);
        memcpy(c[i].eta, p, sizeof(double) * (size_t)d);
    }
    return ALFE_OK;
}

int select_apply(acquire_candidate *c, int n, const criterion_input *in,
                 const criterion_settings *s, int budget, rng_stream *rng,
                 acquire_candidate **out, int *n_out, select_counts *counts)
{
    *out = NULL;
    *n_out = 0;
    memset(counts, 0, sizeof *counts);
    counts->proposed = n;
    if (!in || !in->dom)
        return ALFE_FAIL(ALFE_ERR_INPUT, "select: no domain");
    const int d = in->dom->d;
    if (budget <= 0 || n <= 0)
        return ALFE_OK;
    if (s->min_distance > 0.0 && in->all)
        ALFE_CHECK(select_novelty(c, &n, d, in->all, in->pool, s->novelty_k, s->min_distance,
                                  s->novelty_mode, NULL, &counts->novelty_dropped));
    int k = budget;
    if (s->n_groups > 0) {
        k = 0;
        for (int g = 0; g < s->n_groups; g++)
            k += s->groups[g].count;
    }
    if (s->diversity)
        ALFE_CHECK(select_diversity(c, n, d, k, s->oversample, &counts->chosen));
    else
        counts->chosen = k < n ? k : n;
    criterion_settings local = *s;
    if (local.n_groups == 0)
        local.points = counts->chosen;
    acquire_candidate *o = NULL;
    int m = 0;
    ALFE_CHECK(select_expand(c, counts->chosen, &local, &o, &m, &counts->short_of));
    if (m > budget)
        m = budget;
    int status = select_perturb(o, m, d, s->perturb, s->perturb_tries, in->dom, rng,
                                &counts->redrawn, &counts->reflected);
    if (status != ALFE_OK) {
        free(o);
        ALFE_CHECK(status);
    }
    if (m == 0) {
        free(o);
        o = NULL;
    }
    counts->points = m;
    *out = o;
    *n_out = m;
    return ALFE_OK;
}
