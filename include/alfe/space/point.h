/* point.h — one requested evaluation ("point") and its result: one row of
 * the campaign's /points table.  Plain structs; farm.c packs them into
 * messages and campaign_io.c writes them. */
#ifndef ALFE_POINT_H
#define ALFE_POINT_H

#include "alfe/space/domain.h"

#include <stdint.h>

enum point_status { POINT_PENDING = 0, POINT_DONE = 1, POINT_FAILED = 2 };

/* Criteria that propose points; the id is stored per row and the names
 * (point.c) in the file's /points/criterion attribute "criterion_names".
 * Ids are append-only: a stored campaign keeps its meaning.  What each one
 * ranks: include/alfe/acquire/criterion.h and docs/acquisition.md. */
enum criterion_id {
    CRITERION_GLOBAL_BILLIARD = 0,
    CRITERION_GLOBAL_SOBOL = 1,
    CRITERION_SPECIAL = 2,       /* configured points and lines between them */
    CRITERION_HIGH_ERROR = 3,    /* previous round's rows, largest μ error */
    CRITERION_WELLS = 4,         /* positive-definite Hessian, smallest |μ̂| */
    CRITERION_INSTABILITY = 5,   /* smallest Hessian eigenvalue below a tolerance */
    CRITERION_LOWEST_G = 6,      /* lowest predicted g per η0 bin */
    CRITERION_SENSITIVITY = 7,   /* largest |Hessian eigenvalue| */
    CRITERION_QBC = 8,           /* largest committee spread */
    CRITERION_COUNT
};
extern const char *const criterion_names[CRITERION_COUNT];

typedef struct {
    int64_t row;       /* global row index = point id */
    int32_t round;
    int32_t criterion;
    uint64_t seed;     /* seed of the point's own random stream */
    double temperature;
    double eta_target[ALFE_MAX_DIM];
    double kappa[ALFE_MAX_DIM];
    double phi[ALFE_MAX_DIM];
} point_input;

/* Curvature measured at a point: the covariance of the sampled η and the
 * Hessian of g estimated from it, with its standard error (d×d each,
 * row-major at stride d; NaN where not measured; docs/monte-carlo.md
 * "Curvature from fluctuations").  3·ALFE_MAX_DIM² doubles (24 KB) is too
 * large for every row of an array of point_result, so a result only points
 * at one, owned by whoever evaluated it (run/evaluate.c); read back from a
 * campaign with campaign_read_curvature. */
typedef struct {
    double eta_cov[ALFE_MAX_DIM * ALFE_MAX_DIM];        /* dimensionless */
    double hessian[ALFE_MAX_DIM * ALFE_MAX_DIM];        /* eV per prim cell */
    double hessian_stderr[ALFE_MAX_DIM * ALFE_MAX_DIM]; /* eV per prim cell;
                                                           inf: not estimated */
} point_curvature;

typedef struct {
    int32_t status;    /* enum point_status */
    int32_t converged;
    int32_t frozen;    /* 1: the chain never moved (mc.h); never converged */
    int64_t passes;
    int64_t samples;
    int64_t equilibration_samples;
    double acceptance;
    double wall_seconds;
    int32_t rank;      /* rank that evaluated it (diagnostic only) */
    double eta_mean[ALFE_MAX_DIM];
    double mu[ALFE_MAX_DIM];
    double mu_stderr[ALFE_MAX_DIM];
    double tau[ALFE_MAX_DIM];
    const char *frozen_reason; /* static text, NULL when not frozen (not stored) */
    /* Monte Carlo with several chains per point (lattice/mc_point.h; not
     * stored): chains run, whether their means agree, the largest χ² of the
     * agreement test, its limit and component (−1: none) */
    int32_t chains, chains_agree, chains_worst;
    double chains_chi2, chains_chi2_limit;
    /* NULL: not measured (stored as NaN).  Written by campaign_write_result;
     * campaign_read_results sets it to NULL (campaign_read_curvature reads
     * the stored values). */
    const point_curvature *curvature;
} point_result;

#endif
