/* active.h — the inputs of a round's active-learning criteria, built before
 * acquisition, and the stop rule.
 *
 * active_inputs_build (collective) gathers what the criteria that run this
 * round need (acquire_round_needs): the acquisition pool and the learner's
 * committee predictions on it (pool.h: every rank predicts a slice, rank 0
 * gathers), the previous round's done rows with the μ predicted BEFORE
 * training on them (high error: recomputed from the stored /models of round
 * r−2, so a resumed run sees the same bits as an uninterrupted one), every
 * usable row's η (novelty) and the round's criterion weights (weights.h,
 * from round r−1's record: its weights and its rows' MSE before and after
 * training).  The context is complete on rank 0, which acquires.
 * Owns: active_inputs.  Must not call MPI (comm.h) nor HDF5 (campaign_io.h). */
#ifndef ALFE_ACTIVE_H
#define ALFE_ACTIVE_H

#include "alfe/acquire/acquire.h"
#include "alfe/io/campaign_io.h"
#include "alfe/run/learn.h"
#include "alfe/run/system.h"

#include <stddef.h>

typedef struct active_inputs active_inputs;

/* Collective.  l may be NULL (no network: the criteria that need a committee
 * are skipped). */
int active_inputs_build(const alfe_system *sys, const acquire_settings *set, campaign *c,
                        learner *l, int round, active_inputs **out);
/* The context for acquire_round (rank 0; other ranks: weights only). */
const acquire_context *active_context(const active_inputs *a);
void active_inputs_destroy(active_inputs **a);

/* The [stop] rule after the round of `current` (every rank; rounds before it
 * from their records, `current` as given, so it may not be stored yet):
 * "converged" when the μ MSE on the test set (or, with
 * none, on the new rows before training) reaches [stop] target_mse,
 * "no_improvement" after [stop] patience rounds without a relative
 * improvement of min_improvement on the best so far; "" to go on. */
int active_stop_reason(const alfe_config *cfg, campaign *c, const round_record *current,
                       char *reason, size_t size);

#endif
