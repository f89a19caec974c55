/* curvature_fit.c — the measured Hessian as training data and the
 * committee's error on it (curvature_fit.h).
 * Owns: nothing stateful.  Must not: call MPI (the caller broadcasts). */
#include "curvature_fit.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/network/idnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int curvature_gather(campaign *c, int n, const int64_t *rows, int d, double max_rel,
                     double *hess, double *weight, int64_t *kept, int *rows_with)
{
    *kept = 0;
    *rows_with = 0;
    const int64_t n_rows = campaign_row_count(c);
    const size_t dd = (size_t)d * d;
    double *h = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * dd);
    double *se = ALFE_MALLOC(sizeof(double) * (size_t)(n_rows ? n_rows : 1) * dd);
    int status = campaign_read_curvature(c, 0, n_rows, NULL, h, se);
    for (int i = 0; status == ALFE_OK && i < n; i++) {
        const double *hr = h + (size_t)rows[i] * dd, *sr = se + (size_t)rows[i] * dd;
        double *ho = hess + (size_t)i * dd, *wo = weight + (size_t)i * dd;
        const int k = idnn_hessian_weights(d, hr, sr, max_rel, wo);
        for (size_t e = 0; e < dd; e++)
            ho[e] = wo[e] != 0.0 ? hr[e] : 0.0;
        *kept += k;
        *rows_with += k > 0;
    }
    free(h);
    free(se);
    return status;
}

int curvature_rms_error(idnn_committee *committee, int n, int d, const double *eta,
                        const double *hess, const double *weight, double *rms)
{
    *rms = NAN;
    if (!committee || n == 0)
        return ALFE_OK;
    const size_t dd = (size_t)d * d;
    double *pred = ALFE_MALLOC(sizeof(double) * (size_t)n * dd);
    idnn_committee_output out = {.hess_mean = pred};
    int status = idnn_committee_predict(committee, n, eta, &out);
    double sum = 0.0;
    int64_t count = 0;
    for (int p = 0; status == ALFE_OK && p < n; p++)
        for (int j = 0; j < d; j++)
            for (int k = j; k < d; k++) {
                const size_t e = (size_t)p * dd + (size_t)j * d + k;
                if (weight[e] == 0.0)
                    continue;
                sum += weight[e] * (pred[e] - hess[e]) * (pred[e] - hess[e]);
                count++;
            }
    if (status == ALFE_OK && count > 0)
        *rms = sqrt(sum / (double)count);
    free(pred);
    return status;
}
