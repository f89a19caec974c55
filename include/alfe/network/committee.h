/* committee.h — a committee of K models trained in parallel over the ranks.
 *
 * A member is a flat parameter block and a loss over sample indices
 * (committee_model); what the model is (an IDNN in practice:
 * idnn_committee.h; linear models in tests) is the caller's business.
 *
 * Rank layout over the world's P ranks (committee_layout):
 *   P <= K: member k is trained by rank k mod P alone (ranks train their
 *           members one after the other);
 *   P >  K: member k is trained by the ranks r ≡ k (mod K), which form a
 *           comm_group and split every mini-batch (train.c).
 * Either way member k's first rank is k mod P.  After training every rank
 * holds every member's trained parameters and report (broadcast from the
 * first rank), so prediction can be spread over all ranks.
 *
 * Determinism: member k's streams come from committee_member_seed(campaign
 * seed, round, k) and train.c never keys anything by rank, so the same seeds
 * give the same trained members bit for bit on 1, 2, 4, … ranks (at equal
 * grad_chunks).  See docs/training.md.
 * Owns: the layout (its comm_groups).  MPI only through comm.h. */
#ifndef ALFE_COMMITTEE_H
#define ALFE_COMMITTEE_H

#include "alfe/network/train.h"

#include <stddef.h>
#include <stdint.h>

typedef struct committee_layout committee_layout;

/* Collective over the world. */
int committee_layout_create(int n_members, committee_layout **out);
void committee_layout_destroy(committee_layout **layout);
int committee_layout_members(const committee_layout *layout);
/* The world rank that trains member k first (and broadcasts it): k mod P. */
int committee_layout_owner(const committee_layout *layout, int member);
/* 1 when this rank takes part in training member k. */
int committee_layout_trains(const committee_layout *layout, int member);
/* Ranks that train member k together (1 when P <= K). */
int committee_layout_group_size(const committee_layout *layout, int member);

/* What the committee needs from a model type.  All members share the
 * samples 0..n_samples−1; member k's loss has the train_loss_fn contract. */
typedef struct {
    void *model;
    /* Before member k is trained on this rank: the largest n_idx its loss
     * will see (size scratch here, not per call).  May be NULL. */
    int (*prepare)(void *model, int member, int max_samples);
    int (*loss)(void *model, int member, const int *idx, int n_idx, const double *params,
                double *loss, double *grad);
    /* After member k's training on this rank (also after a failure). May be NULL. */
    void (*release)(void *model, int member);
} committee_model;

/* Member k's training seed for a round: the stream seed of
 * (campaign seed, round·2^20 + k, RNG_PURPOSE_TRAIN). */
uint64_t committee_member_seed(uint64_t campaign_seed, int round, int member);
/* The validation-split seed shared by every member of a round (and by the
 * hyper-parameter candidates, whose validation losses are compared). */
uint64_t committee_split_seed(uint64_t campaign_seed, int round);
/* base with member k's seed, the round's split seed and `bootstrap`. */
void committee_member_settings(const train_settings *base, uint64_t campaign_seed, int round,
                               int member, int bootstrap, train_settings *out);

/* Train every member (collective over the world).  params[k] (n_params[k]
 * doubles) holds member k's initial parameters on every rank that trains it
 * (in practice: on every rank, from keyed streams or the previous round) and
 * its trained parameters on every rank on return; settings[k] is member k's
 * train_settings (its group is set here); reports[k] is filled on every
 * rank.  A failure anywhere is returned by every rank with one message. */
int committee_train(const committee_layout *layout, const size_t *n_params,
                    double *const *params, const train_settings *settings, int n_samples,
                    const committee_model *model, train_report *reports);

/* Committee statistics of n quantities over K members: values is K×n
 * (member-major); mean (n) and the population standard deviation (n,
 * √(mean of squared deviations); 0 for K = 1).  Either output may be NULL. */
void committee_mean_std(int n_members, size_t n, const double *values, double *mean,
                        double *std);

#endif
