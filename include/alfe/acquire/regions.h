/* regions.h — the automatic regions of [metrics] auto_regions: samples of
 * η with the oracle's exact μ = ∇g(η), on which the committee's μ MSE is
 * recorded every round (docs/campaign-file.md, /regions).
 *
 *   ends           η = Q x, x uniform in the corner simplex {x ≥ 0, mean x ≤
 *                  0.15} of the sublattice cube or 1 − x (alternately), inside
 *                  the domain: η0 < 0.15 or η0 > 0.85
 *   wells          points uniform in the balls of radius well_radius around
 *                  the special points (round robin), inside the domain
 *   lowest_g_path  a billiard pool of pool_factor × n points cut into n
 *                  equal bins of η0; per bin the pool point of lowest g
 *   nonconvex      billiard points where the Hessian's λ_min < 0
 *   global         billiard points (uniform in the domain)
 *
 * Each region draws from its own stream (seed, kind, RNG_PURPOSE_REGIONS).
 * Points where g is undefined are skipped; a rejection region may end with
 * fewer than n points (0 when the region is empty, e.g. no non-convexity)
 * after max_tries_factor × n trajectories.
 * Owns: nothing.  Must not read the configuration or files. */
#ifndef ALFE_REGIONS_H
#define ALFE_REGIONS_H

#include "alfe/space/oracle.h"

#include <stddef.h>
#include <stdint.h>

enum region_kind { REGION_ENDS, REGION_WELLS, REGION_LOWEST_G_PATH, REGION_NONCONVEX,
                   REGION_GLOBAL, REGION_KIND_COUNT };

/* "ends", "wells", "lowest_g_path", "nonconvex", "global". */
extern const char *const region_kind_names[REGION_KIND_COUNT];
/* The kind of a name, or -1. */
int region_kind_of(const char *name);

typedef struct {
    uint64_t seed;              /* the campaign seed */
    int n_points;               /* points wanted */
    double well_radius;         /* wells */
    const double *special_eta;  /* wells: n_special × d */
    int n_special;
    int pool_factor;            /* lowest_g_path pool size / n_points (default 40) */
    int max_tries_factor;       /* rejection regions: trajectories / n_points (default 2000) */
} region_settings;

/* Make one region: *eta and *mu newly allocated (n × d each, n ≤ n_points),
 * definition a one-line text of how it was made (stored with it). */
int region_make(const oracle_model *o, enum region_kind kind, const region_settings *s,
                double **eta, double **mu, int *n, char *definition, size_t size);

#endif
