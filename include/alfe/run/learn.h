/* learn.h — the learning step of a round: the committee of IDNNs trained on
 * every usable row of the campaign, and the round's metrics.
 *
 * Usable rows: status done, converged, finite ⟨η⟩ and μ.  Sample weights: the
 * newest round's rows get [training] newest_weight, the others 1.  The loss
 * has one reference point, g(0) = 0.  Metrics (μ mean squared error over
 * points and components, eV²): on all usable rows after training; on the
 * round's new rows with the committee of the previous round, *before*
 * retraining (honest generalisation); on the configured test set.
 * Determinism: member seeds come from (campaign seed, round, member), so a
 * round retrained after a crash or on another number of ranks gives the same
 * models.  Owns: the committee and the test set. */
#ifndef ALFE_LEARN_H
#define ALFE_LEARN_H

#include "alfe/io/campaign_io.h"
#include "alfe/io/campaign_regions.h"
#include "alfe/io/config.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"

typedef struct learner learner;

/* inv: the system's invariant set (must outlive the learner); NULL *out
 * (and ALFE_OK) when it is NULL (no network configured).  Every rank. */
int learner_create(const alfe_config *cfg, const invariant_set *inv, learner **out);
void learner_destroy(learner **l);
/* The [metrics] regions scored after every training (the set must outlive
 * the learner; every rank passes the same set, or NULL). */
void learner_set_regions(learner *l, const region_set *regions);

/* The committee of /models/round as the current one (warm start, targeting);
 * none stored: no change.  Every rank. */
int learner_load(learner *l, campaign *c, int round);

/* Collective: train on the rows of rounds 0..round, fill rec's metrics. */
int learner_train_round(learner *l, campaign *c, int round, round_record *rec);

/* The current committee (NULL before any training); it stays owned by the
 * learner. */
idnn_committee *learner_models(const learner *l);

#endif
