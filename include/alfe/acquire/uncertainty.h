/* uncertainty.h — criteria that rank by what the committee does not know:
 * high error (measured rows the committee predicted worst), sensitivity
 * (largest |Hessian eigenvalue|), query by committee (largest spread).
 * Owns: their propose functions.  Must not read files, config or MPI. */
#ifndef ALFE_UNCERTAINTY_H
#define ALFE_UNCERTAINTY_H

#include "alfe/acquire/criterion.h"

/* in->prev rows ranked by Σ_j (μ̂_j − μ_j)², largest first, μ̂ the committee
 * before retraining on them (prev->mu_pred).  n = 0: no candidates, ALFE_OK.
 * prev NULL or mu_pred NULL with n > 0: ALFE_ERR_INPUT.  Candidate: the row's
 * measured η, source DATA, index the global row id. */
int high_error_propose(const criterion_input *in, const criterion_settings *s,
                       acquire_candidate **out, int *n_out);

/* Pool points ranked by max_j |λ_j| of the predicted Hessian, largest first
 * (the maximum is taken over all d eigenvalues, so their order does not
 * matter).  hess_eig NULL: ALFE_ERR_INPUT. */
int sensitivity_propose(const criterion_input *in, const criterion_settings *s,
                        acquire_candidate **out, int *n_out);

/* Pool points ranked by the committee spread Σ_j σ(μ_j)² (+ σ(g)² with
 * with_g), largest first. */
int qbc_propose(const criterion_input *in, const criterion_settings *s,
                acquire_candidate **out, int *n_out);

/* The QBC key of pool point i (exposed for tests and diagnostics). */
double qbc_spread(const acquire_pool *pool, int i, int with_g);

#endif
