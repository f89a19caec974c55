/* hypersearch.h — random search over network and training hyper-parameters.
 *
 * Candidate i of a round draws, from its own keyed stream (campaign seed,
 * round, i — never the rank), the number of hidden layers, one width for all
 * of them, the activation(s), the learning rate (log-uniform) and the batch
 * size.  All integer bounds are inclusive: [min, max] both reachable (the
 * published workflow's np.random.randint(lo, hi) never drew hi, so its
 * "2–4 layers" meant 2–3).  Candidates are trained like committee members
 * (spread over the ranks, committee.h) and scored on the shared validation
 * split; the search's winner replaces the current model only when it is
 * strictly better (the published workflow took the winner unconditionally).
 * The best K candidates can serve as the committee.
 * This file is model-agnostic (activations are plain ints: enum
 * idnn_activation in practice); idnn_committee.c builds the networks.
 * Owns: bounds, draws, ranking and the replacement rule. */
#ifndef ALFE_HYPERSEARCH_H
#define ALFE_HYPERSEARCH_H

#include "alfe/network/train.h"

#include <stdint.h>

#define HYPERSEARCH_MAX_LAYERS 8
#define HYPERSEARCH_MAX_ACTIVATIONS 8

typedef struct {
    int n_candidates;
    int layers_min, layers_max;       /* inclusive, 1..HYPERSEARCH_MAX_LAYERS */
    int width_min, width_max;         /* inclusive */
    int n_activations;                /* choices, drawn uniformly */
    int activations[HYPERSEARCH_MAX_ACTIVATIONS];
    int per_layer_activation;         /* 1: each hidden layer draws its own */
    double lr_min, lr_max;            /* log-uniform on [lr_min, lr_max] */
    int batch_min, batch_max;         /* inclusive */
} hypersearch_bounds;

typedef struct {
    int layers, width;
    int activation[HYPERSEARCH_MAX_LAYERS];
    double learning_rate;
    int batch_size;
} hypersearch_candidate;

/* The published search ranges (anchor input.ini [IDNN_Hyperparameter]:
 * layers 2–4, neurons 50–300, learning 1e-6–5e-5, tanh), made inclusive
 * and log-uniform; batch 25–100 (the published search kept 50); 16
 * candidates; activations {0} (tanh) per layer. */
void hypersearch_default_bounds(hypersearch_bounds *b);
/* ALFE_ERR_INPUT naming the bad bound. */
int hypersearch_check_bounds(const hypersearch_bounds *b);
/* Candidate i of a round (stream (campaign seed, 2^62 | round·2^20 + i,
 * RNG_PURPOSE_TRAIN)). */
void hypersearch_draw(const hypersearch_bounds *b, uint64_t campaign_seed, int round,
                      int candidate, hypersearch_candidate *out);
/* Candidate i's training settings: base with its learning rate and batch
 * size, its own training seed and the round's shared validation split
 * (committee_split_seed), so that the scores are comparable. */
void hypersearch_settings(const hypersearch_candidate *c, const train_settings *base,
                          uint64_t campaign_seed, int round, int candidate, train_settings *out);
/* order (n) = candidate indices by ascending score; NaN and ±inf last;
 * ties by index (deterministic). */
void hypersearch_rank(int n, const double *scores, int *order);
/* 1 when the winner's score is finite and strictly below the current
 * model's (a non-finite current score is beaten by any finite one). */
int hypersearch_replaces(double winner_score, double current_score);

#endif
