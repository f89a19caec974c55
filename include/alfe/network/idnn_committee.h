/* idnn_committee.h — IDNNs as committee members: the IDNN loss as a
 * train_loss_fn (idnn_trainer), a committee of K IDNNs trained over the ranks
 * (committee.h), its predictions (mean and spread of g and μ, per-member
 * Hessians), and the hyper-parameter search over architectures
 * (hypersearch.h) whose best candidates can become the committee.
 *
 * The data set is one idnn_batch holding every sample (n points with μ and
 * optional weights ω_p, plus the reference points of the g term); training
 * losses are over sample indices into it.  The reference term is added in
 * full by every loss call (train.h: the chunk shares sum to 1).
 * Owns: idnn_trainer (precomputed invariants, gather scratch), idnn_committee
 * (its networks, optionally its invariant set, its prediction work area),
 * idnn_hypersearch_result. */
#ifndef ALFE_IDNN_COMMITTEE_H
#define ALFE_IDNN_COMMITTEE_H

#include "alfe/network/hypersearch.h"
#include "alfe/network/idnn.h"
#include "alfe/network/invariants.h"
#include "alfe/network/train.h"

#include <stdint.h>

/* ---- The adapter ----------------------------------------------------------
 * Holds the data set, its invariants h and Jacobians J computed once (they
 * do not depend on the parameters), and scratch for ⌈batch/grad_chunks⌉ rows
 * sized by idnn_trainer_bind: a loss call gathers its samples into the
 * scratch and allocates nothing. */
typedef struct idnn_trainer idnn_trainer;

/* data must outlive the trainer (it is not copied). */
int idnn_trainer_create(const invariant_set *inv, const idnn_batch *data, idnn_trainer **out);
void idnn_trainer_destroy(idnn_trainer **trainer);
/* Train `net` next, with loss calls of at most max_samples samples. */
int idnn_trainer_bind(idnn_trainer *trainer, idnn *net, int max_samples);
/* train_loss_fn; context = the trainer.  params is the bound net's block (or
 * a copy of the same length, copied in). */
int idnn_trainer_loss(void *trainer, const int *idx, int n_idx, const double *params,
                      double *loss, double *grad);

/* ---- The committee -------------------------------------------------------
 * The one committee type of alfe: trained in learn.c, read and written by
 * model_io.c (campaign /models/NNNN and standalone model files), used for
 * targeting, `alfe predict`, the network oracle and the metrics. */
typedef struct idnn_committee_scratch idnn_committee_scratch;

typedef struct {
    int n_members, d;
    idnn **members;              /* owned */
    const invariant_set *inv;    /* shared by the members; == own_inv when owned */
    invariant_set *own_inv;      /* owned copy (models read from a file), or NULL */
    int round;                   /* campaign round the models belong to, or -1 */
    char source[1024];           /* file (and group) they were read from, or "" */
    idnn_work **work;            /* per member, for prediction (lazy) */
    idnn_committee_scratch *scratch;  /* idnn_committee_predict's work area (lazy) */
} idnn_committee;

/* K networks; archs has K entries (members may differ: hyper-search). */
int idnn_committee_create(const invariant_set *inv, int n_members, const idnn_arch *archs,
                          idnn_committee **out);
/* A committee of existing networks: takes ownership of members[0..K−1] (the
 * array itself stays the caller's) and, when own_inv is set, of inv (also
 * on failure: everything given is destroyed).  Every member must take inv->m
 * inputs (ALFE_ERR_INPUT naming `where` otherwise). */
int idnn_committee_adopt(invariant_set *inv, int own_inv, int n_members, idnn **members,
                         const char *where, idnn_committee **out);
void idnn_committee_destroy(idnn_committee **c);
/* Fresh start: member k's Glorot weights from the stream
 * (committee_member_seed(campaign seed, round, k), 2^64−1, RNG_PURPOSE_TRAIN),
 * the same on every rank.  (Warm start: keep the parameters.) */
void idnn_committee_init_fresh(idnn_committee *c, uint64_t campaign_seed, int round);
/* Train every member on data (collective over the world; layout of
 * committee.h): member k with committee_member_settings(base, campaign seed,
 * round, k, bootstrap).  Every rank holds every trained member afterwards;
 * reports (K) filled on every rank. */
int idnn_committee_train(idnn_committee *c, const idnn_batch *data, const train_settings *base,
                         uint64_t campaign_seed, int round, int bootstrap,
                         train_report *reports);
/* Each member's loss on the round's shared validation split (the split of
 * committee_split_seed(campaign seed, round), as in training). Local. */
int idnn_committee_validation_losses(idnn_committee *c, const idnn_batch *data,
                                     const train_settings *base, uint64_t campaign_seed,
                                     int round, double *losses);

/* What idnn_committee_predict fills at n points; any field may be NULL. */
typedef struct {
    double *g_mean, *g_std;      /* n */
    double *mu_mean, *mu_std;    /* n×d */
    double *hess_mean;           /* n×d×d: the committee-mean Hessian */
    double *hess_eig;            /* n×d: its eigenvalues, ascending (dsyev) */
} idnn_committee_output;

/* The committee prediction at n points η (n×d), local.  Means: the members'
 * values summed in member order, then divided by K (the Hessian: the sum in
 * member order of each member's Hessian divided by K).  Spreads: population
 * standard deviations over the members by two passes (committee_mean_std).
 * The invariants are evaluated once per point for all members; blocks of
 * IDNN_COMMITTEE_BLOCK points use the committee's work area, created on
 * first use and grown only when a call needs more rows than any before, so
 * repeated calls allocate nothing. */
#define IDNN_COMMITTEE_BLOCK 512
int idnn_committee_predict(idnn_committee *c, int n, const double *eta,
                           const idnn_committee_output *out);
/* One member's g, μ and Hessian (n×d×d) for acquisition; outputs may be NULL. */
int idnn_committee_member_predict(idnn_committee *c, int member, int n, const double *eta,
                                  double *g, double *mu, double *hess);

/* ---- Hyper-parameter search ---------------------------------------------- */
typedef struct {
    int n_candidates;
    hypersearch_candidate *candidates;   /* n_candidates */
    train_report *reports;               /* n_candidates */
    double *scores;                      /* validation loss of the returned weights */
    int *order;                          /* candidate indices, best first */
    idnn **nets;                         /* trained networks (owned; NULL once taken) */
} idnn_hypersearch_result;

/* Draw b->n_candidates architectures and learning rates/batch sizes, train
 * them over the ranks (collective; candidate i like committee member i) on
 * the round's shared validation split, and rank them.  scale: the output
 * scale s of every network. */
int idnn_hypersearch_run(const invariant_set *inv, const idnn_batch *data,
                         const hypersearch_bounds *b, const train_settings *base, double scale,
                         uint64_t campaign_seed, int round, idnn_hypersearch_result **out);
void idnn_hypersearch_result_destroy(idnn_hypersearch_result **r);
/* The replacement rule: when the search's winner is strictly better than the
 * best of current_scores (n_current, e.g. idnn_committee_validation_losses
 * of the current committee), *current is replaced by a committee of the best
 * K candidates (K <= n_candidates; the networks move out of r) and
 * *replaced = 1; otherwise nothing changes and *replaced = 0. */
int idnn_hypersearch_adopt(idnn_hypersearch_result *r, int n_members, const double *current_scores,
                           int n_current, idnn_committee **current, int *replaced);

#endif
