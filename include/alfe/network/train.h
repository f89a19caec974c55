/* train.h — gradient training of a parameter vector, independent of what the
 * loss is (the IDNN loss in practice, synthetic losses in tests).
 *
 * RMSprop or Adam; learning rate decaying per round; reduce-on-plateau
 * (factor, patience, minimum); mini-batches drawn from a shuffled order each
 * epoch; early stopping on a *shuffled* validation split that restores the
 * best weights; sample weights are the loss's business (ω_p in idnn_batch).
 * Deterministic given the seed.  When several ranks share one model
 * (a sub-communicator), each evaluates the loss on its part of every
 * mini-batch and the gradients are summed (train_settings.group).
 * Algorithms, defaults and the determinism rule: docs/training.md.
 * Owns: optimizer state. */
#ifndef ALFE_TRAIN_H
#define ALFE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

enum train_optimizer { TRAIN_RMSPROP = 0, TRAIN_ADAM = 1 };

/* Loss over the samples idx[0..n_idx) at params; grad (n_params) is
 * overwritten with the gradient of that loss (a mean over those samples,
 * weighted by `share` = n_idx / minibatch size when the batch is split).
 * Returns a status.
 *
 * Contract in detail (train.c relies on it):
 * - The callback returns the plain mean over its n_idx samples; train_run
 *   applies the share itself: a mini-batch of B samples is always cut into
 *   grad_chunks contiguous chunks, chunk c gets weight n_c / B, and the batch
 *   loss and gradient are Σ_c (n_c/B)·(chunk mean), summed over a fixed
 *   binary tree of the chunk indices whichever ranks evaluate them.
 *   A term that is not a per-sample mean (the IDNN's g(η_ref) term) must be
 *   added in full by every call: the shares sum to 1.
 * - grad == NULL asks for the loss only (validation).
 * - params is train_run's own array (the caller's, updated in place).
 * - n_idx never exceeds train_max_call_samples(settings). */
typedef int (*train_loss_fn)(void *context, const int *idx, int n_idx, const double *params,
                             double *loss, double *grad);

typedef struct {
    int optimizer;              /* enum train_optimizer */
    double learning_rate;
    double lr_decay;            /* per round: lr = learning_rate / (1 + lr_decay·round) */
    int round;
    double rho;                 /* RMSprop decay (0.9) */
    double beta1, beta2;        /* Adam (0.9, 0.999) */
    double epsilon;             /* 1e-7 (Keras) */
    int epochs;
    int batch_size;
    double plateau_factor;      /* reduce-on-plateau: lr *= factor ... */
    int plateau_patience;       /* ... after this many epochs without improvement */
    double min_lr;
    int early_stopping;         /* 1: stop after es_patience epochs without improvement */
    int es_patience;
    double validation_fraction; /* of the samples, drawn at random (shuffled) */
    uint64_t seed;
    void *group;                /* NULL: this rank alone; else a comm_group (comm.h) */

    /* Additions (docs/training.md). */
    double plateau_min_delta;   /* an epoch improves when monitor < best − this (Keras: 1e-4) */
    uint64_t split_seed;        /* the validation split depends on this only, so that
                                   runs with different `seed`s (committee members,
                                   hyper-parameter candidates) share one split */
    int grad_chunks;            /* C: every mini-batch is cut into C chunks (4); the
                                   chunking, not the group size, fixes the summation
                                   order.  Part of the reproducibility key: runs agree
                                   bit for bit for any group size only at equal C.
                                   Groups larger than C leave ranks idle. */
    int bootstrap;              /* 1: train on n_train draws with replacement from the
                                   training part (after the validation split, so the
                                   validation samples never leak into training) */
} train_settings;

typedef struct {
    int epochs_run;
    double best_validation_loss;
    double final_training_loss;
    double final_learning_rate;
    int best_epoch;

    /* Additions. */
    double validation_loss;     /* of the returned parameters: the best epoch's when
                                   early stopping restored them, else the last epoch's;
                                   +inf after divergence without a finite best.
                                   Without a validation split these are training losses. */
    int n_train, n_validation;
    int lr_reductions;          /* reduce-on-plateau steps taken */
    int stopped_early;          /* early stopping ended the run before `epochs` */
    int restored_best;          /* the best epoch's parameters were restored */
    int diverged;               /* a non-finite batch loss stopped the run */
} train_report;

/* The published hyper-parameters (anchor model_14): RMSprop, lr 1e-4, no
 * decay, plateau factor 0.5 / patience 150 / min_lr 1e-6, 1000 epochs, batch
 * 50, validation 25 %, early stopping with patience 300 (2 × plateau
 * patience, as the published workflow), restoring the best weights. */
void train_default_settings(train_settings *s);
int train_run(const train_settings *s, size_t n_params, double *params, int n_samples,
              train_loss_fn loss, void *context, train_report *report);

/* Additions. */

/* The most samples one loss call can carry: ⌈batch_size / grad_chunks⌉
 * (size the callback's scratch with it). */
int train_max_call_samples(const train_settings *s);
/* The validation split train_run would use for n_samples samples: the
 * sorted validation indices (n_validation of them, may be 0) and the sorted
 * training indices (n_train).  Either output may be NULL. */
int train_split(const train_settings *s, int n_samples, int *validation, int *n_validation,
                int *training, int *n_train);
/* The loss of params on that validation split, computed as train_run does
 * (same chunking and summation order; collective over s->group).  NaN when
 * the split is empty. */
int train_validation_loss(const train_settings *s, size_t n_params, const double *params,
                          int n_samples, train_loss_fn loss, void *context, double *value);

#endif
