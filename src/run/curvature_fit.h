/* curvature_fit.h — the measured curvature for the committee's curvature
 * term ([training] weight_hessian > 0; docs/training.md, "Training on the
 * curvature"): the Hessian of g stored per row (/points/hessian, its
 * standard error) turned into the training arrays of idnn_batch, and the
 * committee's error on it for the round's log line.
 * Rank 0 only (reads the campaign); the caller broadcasts.  Private to run/. */
#ifndef ALFE_RUN_CURVATURE_FIT_H
#define ALFE_RUN_CURVATURE_FIT_H

#include "alfe/io/campaign_io.h"
#include "alfe/network/idnn_committee.h"

#include <stdint.h>

/* The n training rows (campaign row indices rows[i]): hess and weight
 * (n×d×d each) from /points/hessian and hessian_stderr with
 * idnn_hessian_weights(max_rel); dropped elements get weight 0 and hess 0
 * (not NaN).  *kept = kept elements j ≤ k over all rows, *rows_with = rows
 * with at least one. */
int curvature_gather(campaign *c, int n, const int64_t *rows, int d, double max_rel,
                     double *hess, double *weight, int64_t *kept, int *rows_with);

/* The committee-mean Hessian against the measured one over the kept
 * elements j ≤ k, relative as in the loss: √(mean ν_jk (Ĥ_jk − H_jk)²) with
 * ν = 1/|H_jj H_kk| (dimensionless); NaN without a committee or kept
 * elements. */
int curvature_rms_error(idnn_committee *committee, int n, int d, const double *eta,
                        const double *hess, const double *weight, double *rms);

#endif
