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
 * Owns: optimizer state. */
#ifndef ALFE_TRAIN_H
#define ALFE_TRAIN_H

#include <stddef.h>
#include <stdint.h>

enum train_optimizer { TRAIN_RMSPROP = 0, TRAIN_ADAM = 1 };

/* Loss over the samples idx[0..n_idx) at params; grad (n_params) is
 * overwritten with the gradient of that loss (a mean over those samples,
 * weighted by `share` = n_idx / minibatch size when the batch is split).
 * Returns a status. */
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
} train_settings;

typedef struct {
    int epochs_run;
    double best_validation_loss;
    double final_training_loss;
    double final_learning_rate;
    int best_epoch;
} train_report;

void train_default_settings(train_settings *s);
int train_run(const train_settings *s, size_t n_params, double *params, int n_samples,
              train_loss_fn loss, void *context, train_report *report);

#endif
