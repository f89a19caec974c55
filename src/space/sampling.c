/* sampling.c — billiard walk and Sobol-with-rejection in the domain.
 * Owns: trajectory arithmetic.  See sampling.h for the references. */
#include "alfe/space/sampling.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <gsl/gsl_qrng.h>
#include <math.h>
#include <string.h>

/* Points may sit on a face after a reflection; this is "inside". */
#define INSIDE_TOLERANCE 1e-10

double sampling_default_tau(const domain *dom)
{
    double diag2 = 0.0;
    for (int j = 0; j < dom->d; j++) {
        double w = dom->upper[j] - dom->lower[j];
        diag2 += w * w;
    }
    return sqrt(diag2);
}

void billiard_init(billiard_walk *walk, const domain *dom, const rng_stream *rng, double tau,
                   const double *start)
{
    memset(walk, 0, sizeof *walk);
    walk->dom = dom;
    walk->rng = *rng;
    walk->tau = tau > 0 ? tau : sampling_default_tau(dom);
    walk->max_reflections = 50 * dom->d + 100;
    walk->moving = dom->d;
    memcpy(walk->x, start ? start : dom->center, sizeof(double) * (size_t)dom->d);
}

/* One trajectory from walk->x; returns 1 and writes `end` when it finished
 * within the reflection budget and inside the domain, else 0. */
static int billiard_trajectory(billiard_walk *walk, double *end)
{
    const domain *dom = walk->dom;
    const int d = dom->d;
    double x[ALFE_MAX_DIM], v[ALFE_MAX_DIM];
    const int k = walk->moving;
    memcpy(x, walk->x, sizeof(double) * (size_t)d);
    memset(v, 0, sizeof v);
    rng_unit_vector(&walk->rng, k, v);
    double remaining = rng_exponential(&walk->rng, walk->tau);
    for (int reflections = 0; reflections <= walk->max_reflections; reflections++) {
        /* First face hit along v: min over a_i·v > 0 of (b_i − a_i·x)/(a_i·v). */
        double t_hit = INFINITY;
        int face = -1;
        for (int i = 0; i < dom->n_half; i++) {
            const double *a = dom->a + (size_t)i * d;
            double av = 0.0, ax = 0.0;
            for (int j = 0; j < d; j++) {
                av += a[j] * v[j];
                ax += a[j] * x[j];
            }
            if (av <= 1e-14 * dom->a_norm[i])
                continue;
            double t = (dom->b[i] - ax) / av;
            if (t < 0.0)
                t = 0.0; /* already on (or a rounding hair outside) the face */
            if (t < t_hit) {
                t_hit = t;
                face = i;
            }
        }
        if (face < 0 || t_hit >= remaining) {
            for (int j = 0; j < d; j++)
                end[j] = x[j] + remaining * v[j];
            return domain_min_slack(dom, end) >= -INSIDE_TOLERANCE;
        }
        for (int j = 0; j < d; j++)
            x[j] += t_hit * v[j];
        remaining -= t_hit;
        /* Specular reflection: v ← v − 2 (v·n) n, n the unit face normal
         * (within the moving coordinates: its projection on them). */
        const double *a = dom->a + (size_t)face * d;
        double inv_norm = 1.0 / dom->a_norm[face];
        if (k < d) {
            double norm2 = 0.0;
            for (int j = 0; j < k; j++)
                norm2 += a[j] * a[j];
            inv_norm = 1.0 / sqrt(norm2); /* > 0: the face was hit along v */
        }
        double vn = 0.0;
        for (int j = 0; j < k; j++)
            vn += v[j] * a[j] * inv_norm;
        for (int j = 0; j < k; j++)
            v[j] -= 2.0 * vn * a[j] * inv_norm;
    }
    return 0;
}

int billiard_next(billiard_walk *walk, double *point)
{
    for (int attempt = 0; attempt < 1000; attempt++) {
        walk->trajectories++;
        if (billiard_trajectory(walk, point)) {
            memcpy(walk->x, point, sizeof(double) * (size_t)walk->dom->d);
            return ALFE_OK;
        }
        walk->retries++;
    }
    return ALFE_FAIL(ALFE_ERR_RUNTIME,
                     "billiard walk: 1000 trajectories in a row failed at a corner of the domain "
                     "(is the domain degenerate?)");
}

void billiard_restrict(billiard_walk *walk, int moving)
{
    walk->moving = moving >= 1 && moving < walk->dom->d ? moving : walk->dom->d;
}

double sampling_boundary_point(const domain *dom, rng_stream *rng, const double *x,
                               double *point)
{
    const int d = dom->d;
    double v[ALFE_MAX_DIM];
    rng_unit_vector(rng, d, v);
    double t_hit = INFINITY;
    for (int i = 0; i < dom->n_half; i++) {
        const double *a = dom->a + (size_t)i * d;
        double av = 0.0, ax = 0.0;
        for (int j = 0; j < d; j++) {
            av += a[j] * v[j];
            ax += a[j] * x[j];
        }
        if (av <= 1e-14 * dom->a_norm[i])
            continue;
        double t = (dom->b[i] - ax) / av;
        t_hit = fmin(t_hit, t < 0.0 ? 0.0 : t);
    }
    if (!isfinite(t_hit))
        t_hit = 0.0; /* unbounded direction cannot happen in a polytope */
    for (int j = 0; j < d; j++)
        point[j] = x[j] + t_hit * v[j];
    return t_hit;
}

int sampling_sobol(const domain *dom, int n, uint64_t *index, double *points)
{
    const int d = dom->d;
    if (d > 40)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "Sobol sampling supports at most 40 dimensions (GSL), got %d", d);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)d);
    if (!q)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "gsl_qrng_alloc(sobol, %d) failed", d);
    double u[40], eta[ALFE_MAX_DIM];
    for (uint64_t i = 0; i < *index; i++)
        gsl_qrng_get(q, u);
    uint64_t draws = 0;
    int kept = 0;
    while (kept < n) {
        gsl_qrng_get(q, u);
        draws++;
        for (int j = 0; j < d; j++)
            eta[j] = dom->lower[j] + u[j] * (dom->upper[j] - dom->lower[j]);
        /* Strictly inside: the sequence starts on box corners and faces. */
        if (domain_min_slack(dom, eta) > 0.0) {
            memcpy(points + (size_t)kept * d, eta, sizeof(double) * (size_t)d);
            kept++;
        } else if (draws > 100000 && (uint64_t)kept * 100000 < draws) {
            gsl_qrng_free(q);
            return ALFE_FAIL(ALFE_ERR_RUNTIME,
                             "Sobol rejection kept %d of %llu draws: the domain fills too little "
                             "of its bounding box; use method = billiard",
                             kept, (unsigned long long)draws);
        }
    }
    *index += draws;
    gsl_qrng_free(q);
    return ALFE_OK;
}
