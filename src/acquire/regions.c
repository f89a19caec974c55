/* regions.c — the automatic regions of [metrics] (regions.h): samples of the
 * oracle's truth for the region metrics.
 * Owns: nothing.  Must not read the configuration or files. */
#include "alfe/acquire/regions.h"

#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/space/sampling.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const region_kind_names[REGION_KIND_COUNT] = {"ends", "wells", "lowest_g_path",
                                                          "nonconvex", "global"};

int region_kind_of(const char *name)
{
    for (int k = 0; k < REGION_KIND_COUNT; k++)
        if (!strcmp(name, region_kind_names[k]))
            return k;
    return -1;
}

typedef struct {
    int n, cap, d;
    double *eta, *mu;
} region_buf;

static void push(region_buf *b, const double *eta, const double *mu)
{
    memcpy(b->eta + (size_t)b->n * b->d, eta, sizeof(double) * (size_t)b->d);
    memcpy(b->mu + (size_t)b->n * b->d, mu, sizeof(double) * (size_t)b->d);
    b->n++;
}

/* Whether a candidate belongs to a rejection region; mu filled (0: g undefined). */
static int accept(const oracle_model *o, enum region_kind kind, const double *eta, double *mu,
                  double *hess, double *scratch)
{
    const int d = o->dom->d;
    double g;
    if (oracle_free_energy(o, eta, &g, mu, kind == REGION_NONCONVEX ? hess : NULL) != 0)
        return 0;
    for (int j = 0; j < d; j++)
        if (!isfinite(mu[j]))
            return 0;
    if (kind == REGION_ENDS)
        return eta[0] < 0.15 || eta[0] > 0.85;
    if (kind == REGION_NONCONVEX) {
        double values[ALFE_MAX_DIM];
        if (linalg_sym_eigenvalues(hess, d, values, scratch) != ALFE_OK) {
            alfe_error_clear();
            return 0;
        }
        return values[0] < 0.0;
    }
    return 1;
}

int region_make(const oracle_model *o, enum region_kind kind, const region_settings *s,
                double **eta_out, double **mu_out, int *n_out, char *definition, size_t size)
{
    *eta_out = *mu_out = NULL;
    *n_out = 0;
    const domain *dom = o->dom;
    const int d = dom->d, n = s->n_points;
    const int pool_factor = s->pool_factor > 0 ? s->pool_factor : 40;
    const long max_tries = (long)(s->max_tries_factor > 0 ? s->max_tries_factor : 2000) * n;
    if (kind == REGION_WELLS && s->n_special <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "region wells needs special points");
    region_buf b = {0, n, d, ALFE_MALLOC(sizeof(double) * (size_t)n * d),
                    ALFE_MALLOC(sizeof(double) * (size_t)n * d)};
    rng_stream rng;
    rng_stream_init(&rng, s->seed, (uint64_t)kind, RNG_PURPOSE_REGIONS);
    double x[ALFE_MAX_DIM], mu[ALFE_MAX_DIM], hess[ALFE_MAX_DIM * ALFE_MAX_DIM];
    double scratch[ALFE_MAX_DIM * ALFE_MAX_DIM];
    long tries = 0;
    int status = ALFE_OK;
    if (kind == REGION_WELLS) {
        for (long t = 0; b.n < n && t < max_tries; t++) {
            const double *c = s->special_eta + (size_t)(t % s->n_special) * d;
            double dir[ALFE_MAX_DIM];
            rng_unit_vector(&rng, d, dir);
            const double r = s->well_radius * pow(rng_uniform(&rng), 1.0 / d);
            for (int j = 0; j < d; j++)
                x[j] = c[j] + r * dir[j];
            if (domain_min_slack(dom, x) >= 0.0 && accept(o, kind, x, mu, hess, scratch))
                push(&b, x, mu);
            tries = t + 1;
        }
        snprintf(definition, size, "points uniform in the balls of radius %g around the %d "
                 "special points (round robin), inside the domain; %ld tries", s->well_radius,
                 s->n_special, tries);
    } else if (kind == REGION_ENDS) {
        /* A walk rarely reaches the ends of a high-dimensional domain: draw
         * x uniform in the corner simplex {x >= 0, mean x <= 0.15} of the
         * sublattice cube (Dirichlet(1, ..., 1) of M + 1 parts, the last
         * dropped), or 1 - x for the other end (alternately), η = Q x, kept
         * when inside the domain with g defined and η0 in the end. */
        const int m = dom->m;
        const double total = 0.15 * m;
        double *xs = ALFE_MALLOC(sizeof(double) * (size_t)m);
        for (long t = 0; b.n < n && t < max_tries; t++) {
            double sum = rng_exponential(&rng, 1.0); /* the dropped part */
            for (int k = 0; k < m; k++) {
                xs[k] = rng_exponential(&rng, 1.0);
                sum += xs[k];
            }
            int ok = 1;
            for (int k = 0; ok && k < m; k++) {
                xs[k] = total * xs[k] / sum;
                ok = xs[k] < 1.0;
                if (t % 2)
                    xs[k] = 1.0 - xs[k];
            }
            tries = t + 1;
            if (!ok)
                continue;
            for (int j = 0; j < d; j++) {
                x[j] = 0.0;
                for (int k = 0; k < m; k++)
                    x[j] += dom->q[(size_t)j * m + k] * xs[k];
            }
            if (domain_min_slack(dom, x) >= 0.0 && accept(o, kind, x, mu, hess, scratch))
                push(&b, x, mu);
        }
        free(xs);
        snprintf(definition, size, "eta = Q x with x uniform in the corner simplex {x >= 0, "
                 "mean x <= 0.15} of the sublattice cube, or 1 - x (alternately), kept when "
                 "inside the domain with eta0 < 0.15 or eta0 > 0.85; %ld tries", tries);
    } else if (kind == REGION_LOWEST_G_PATH) {
        const long pool = (long)pool_factor * n;
        billiard_walk w;
        billiard_init(&w, dom, &rng, 0.0, NULL);
        double *pts = ALFE_MALLOC(sizeof(double) * (size_t)pool * d);
        double *gs = ALFE_MALLOC(sizeof(double) * (size_t)pool);
        double lo = INFINITY, hi = -INFINITY;
        for (long i = 0; i < pool && status == ALFE_OK; i++) {
            status = billiard_next(&w, pts + (size_t)i * d);
            double g;
            if (status == ALFE_OK && oracle_free_energy(o, pts + (size_t)i * d, &g, mu, NULL) == 0 &&
                isfinite(g)) {
                gs[i] = g;
                lo = fmin(lo, pts[(size_t)i * d]);
                hi = fmax(hi, pts[(size_t)i * d]);
            } else {
                gs[i] = NAN;
            }
        }
        long *best = ALFE_MALLOC(sizeof(long) * (size_t)n);
        for (int k = 0; k < n; k++)
            best[k] = -1;
        const double width = hi > lo ? (hi - lo) / n : 1.0;
        for (long i = 0; i < pool && status == ALFE_OK; i++) {
            if (!isfinite(gs[i]))
                continue;
            int k = (int)((pts[(size_t)i * d] - lo) / width);
            k = k < 0 ? 0 : k >= n ? n - 1 : k;
            if (best[k] < 0 || gs[i] < gs[best[k]])
                best[k] = i;
        }
        for (int k = 0; k < n && status == ALFE_OK; k++) {
            double g;
            if (best[k] >= 0 && oracle_free_energy(o, pts + (size_t)best[k] * d, &g, mu, NULL) == 0)
                push(&b, pts + (size_t)best[k] * d, mu);
        }
        snprintf(definition, size, "per bin of eta0 (%d equal bins of [%.6g, %.6g]) the point "
                 "of lowest oracle g among a billiard pool of %ld points", n, lo, hi, pool);
        free(best);
        free(gs);
        free(pts);
    } else {
        billiard_walk w;
        billiard_init(&w, dom, &rng, 0.0, NULL);
        for (tries = 0; b.n < n && tries < max_tries && status == ALFE_OK; tries++) {
            status = billiard_next(&w, x);
            if (status == ALFE_OK && accept(o, kind, x, mu, hess, scratch))
                push(&b, x, mu);
        }
        const char *what = kind == REGION_ENDS        ? "with eta0 < 0.15 or eta0 > 0.85"
                           : kind == REGION_NONCONVEX ? "where the oracle Hessian's smallest "
                                                        "eigenvalue is negative"
                                                      : "uniform in the domain";
        snprintf(definition, size, "billiard-walk points %s; %ld trajectories", what, tries);
    }
    if (status != ALFE_OK) {
        free(b.eta);
        free(b.mu);
        return status;
    }
    *eta_out = b.eta;
    *mu_out = b.mu;
    *n_out = b.n;
    return ALFE_OK;
}
