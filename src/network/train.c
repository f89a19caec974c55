/* train.c — mini-batch gradient training behind a loss callback (train.h).
 * Owns: the validation split, the epoch orders, the optimizer state
 * (RMSprop / Adam moments), the learning-rate schedule (per-round decay,
 * reduce-on-plateau) and early stopping.  Must not know what the model is:
 * the loss callback does.  MPI only through comm_group (comm.c).
 *
 * Determinism (docs/training.md): random streams are keyed by
 * (split_seed | seed, key, RNG_PURPOSE_TRAIN) — never by rank — and every
 * floating-point sum whose terms could be spread over ranks is taken in a
 * fixed order.  A mini-batch of B samples is cut into C = grad_chunks
 * contiguous chunks ([c·B/C, (c+1)·B/C)); each chunk's mean loss and
 * gradient come from one callback on one rank, weighted by its share n_c/B.
 * The batch sum is defined by a fixed binary tree over the chunk indices
 * (node [lo, hi) = node [lo, mid) + node [mid, hi), mid = lo + (hi − lo)/2).
 * Each rank owns a contiguous run of chunks, sums the maximal tree nodes
 * inside its run (one node when the group size divides C), and the node
 * values are allgathered; every rank then completes the same tree.  The
 * additions are the same whoever does them, so the result is the same bit
 * for bit on 1, 2, … ranks, and a rank sends O(log C) gradients per batch,
 * not C.  (MPI_Allreduce is not used for sums: its order varies with the
 * number of ranks.) */
#include "alfe/network/train.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stream keys under RNG_PURPOSE_TRAIN.  The split stream is seeded by
 * split_seed, the others by seed; epoch e shuffles with key 2 + e. */
enum { TRAIN_KEY_SPLIT = 0, TRAIN_KEY_BOOTSTRAP = 1, TRAIN_KEY_EPOCH0 = 2 };

#define TRAIN_MAX_CHUNKS 4096

void train_default_settings(train_settings *s)
{
    memset(s, 0, sizeof *s);
    /* The anchor's model_14.params.json: [3, 150, tanh×3, dropout 0.06,
     * "RMSprop", 1e-4, lr_decay 0, factor 0.5, patience 150, min_lr 1e-6,
     * epochs 1000, batch 50].  (Dropout is not implemented: the IDNN has
     * none.)  Keras defaults for the optimizer constants and min_delta. */
    s->optimizer = TRAIN_RMSPROP;
    s->learning_rate = 1e-4;
    s->lr_decay = 0.0;
    s->round = 0;
    s->rho = 0.9;
    s->beta1 = 0.9;
    s->beta2 = 0.999;
    s->epsilon = 1e-7;
    s->epochs = 1000;
    s->batch_size = 50;
    s->plateau_factor = 0.5;
    s->plateau_patience = 150;
    s->min_lr = 1e-6;
    s->plateau_min_delta = 1e-4;
    /* The published workflow: EarlyStopping(patience = 2 × patience), but
     * without restore_best_weights and always on; here it is a setting and
     * restores the best weights. */
    s->early_stopping = 1;
    s->es_patience = 300;
    s->validation_fraction = 0.25;
    s->seed = 0;
    s->split_seed = 0;
    s->grad_chunks = 4;
    s->bootstrap = 0;
    s->group = NULL;
}

int train_max_call_samples(const train_settings *s)
{
    int c = s->grad_chunks > 0 ? s->grad_chunks : 1;
    return (s->batch_size + c - 1) / c;
}

static int check_settings(const train_settings *s, int n_samples)
{
    if (s->optimizer != TRAIN_RMSPROP && s->optimizer != TRAIN_ADAM)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: unknown optimizer %d", s->optimizer);
    if (!(s->learning_rate > 0.0) || !isfinite(s->learning_rate))
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: learning rate %g must be > 0",
                         s->learning_rate);
    if (!(s->lr_decay >= 0.0) || !isfinite(s->lr_decay) || s->round < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: lr_decay %g and round %d must be >= 0",
                         s->lr_decay, s->round);
    if (!(s->rho >= 0.0 && s->rho < 1.0) || !(s->beta1 >= 0.0 && s->beta1 < 1.0) ||
        !(s->beta2 >= 0.0 && s->beta2 < 1.0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: rho, beta1, beta2 must be in [0, 1)");
    if (!(s->epsilon > 0.0) || !isfinite(s->epsilon))
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: epsilon %g must be > 0", s->epsilon);
    if (s->epochs < 1 || s->batch_size < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: epochs %d and batch size %d must be >= 1",
                         s->epochs, s->batch_size);
    if (s->plateau_patience < 0 || !(s->plateau_factor > 0.0 && s->plateau_factor < 1.0) ||
        !(s->min_lr >= 0.0) || !(s->plateau_min_delta >= 0.0))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "training: reduce-on-plateau needs 0 < factor < 1 (%g), patience >= 0 "
                         "(%d), min_lr >= 0 (%g), min_delta >= 0 (%g)",
                         s->plateau_factor, s->plateau_patience, s->min_lr, s->plateau_min_delta);
    if (s->early_stopping && s->es_patience < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: early-stopping patience %d must be >= 1",
                         s->es_patience);
    if (!(s->validation_fraction >= 0.0 && s->validation_fraction < 1.0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: validation fraction %g must be in [0, 1)",
                         s->validation_fraction);
    if (s->grad_chunks < 1 || s->grad_chunks > TRAIN_MAX_CHUNKS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: grad_chunks %d must be in 1..%d",
                         s->grad_chunks, TRAIN_MAX_CHUNKS);
    if (n_samples < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: no samples");
    return ALFE_OK;
}

static int compare_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static void shuffle(int *v, int n, rng_stream *rng)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1);
        int t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* ⌈f·n⌉, as Keras's validation_split (n − ⌊n(1 − f)⌋), guarded against
 * f·n landing a rounding error above an integer. */
static int validation_count(double fraction, int n)
{
    if (fraction <= 0.0)
        return 0;
    return (int)ceil(fraction * n - 1e-9);
}

int train_split(const train_settings *s, int n_samples, int *validation, int *n_validation,
                int *training, int *n_train)
{
    if (n_samples < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "training: no samples");
    int nv = validation_count(s->validation_fraction, n_samples);
    if (nv >= n_samples)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "training: validation fraction %g of %d samples leaves none to train on",
                         s->validation_fraction, n_samples);
    /* A random permutation, not the newest samples (the published
     * workflow's Keras validation_split took the last 25 % unshuffled). */
    int *perm = ALFE_MALLOC((size_t)n_samples * sizeof *perm);
    for (int i = 0; i < n_samples; i++)
        perm[i] = i;
    rng_stream rng;
    rng_stream_init(&rng, s->split_seed, TRAIN_KEY_SPLIT, RNG_PURPOSE_TRAIN);
    shuffle(perm, n_samples, &rng);
    qsort(perm, (size_t)nv, sizeof *perm, compare_int);
    qsort(perm + nv, (size_t)(n_samples - nv), sizeof *perm, compare_int);
    if (validation)
        memcpy(validation, perm, (size_t)nv * sizeof *perm);
    if (training)
        memcpy(training, perm + nv, (size_t)(n_samples - nv) * sizeof *perm);
    if (n_validation)
        *n_validation = nv;
    if (n_train)
        *n_train = n_samples - nv;
    free(perm);
    return ALFE_OK;
}

/* ---- Chunked loss evaluation over a group -------------------------------- */

/* A node [lo, hi) of the chunk tree and where its value (stride doubles:
 * loss, failed, gradient) is. */
typedef struct {
    int lo, hi, rank;
    const double *value;
} tree_node;

typedef struct {
    const comm_group *group;
    int group_rank, group_size, chunks;
    size_t n_params, stride;  /* stride = 2 + n_params */
    train_loss_fn loss;
    void *context;
    /* Mini-batch gradients (batch_loss_gradient). */
    double *slots;            /* chunks × stride: this rank's weighted leaves */
    double *send, *recv;      /* this rank's node values; everyone's */
    double *arena;            /* sums formed while completing the tree */
    size_t arena_used;
    tree_node *nodes;         /* every rank's nodes, in rank (= chunk) order */
    int n_nodes, first_node, my_nodes;
    size_t *counts;           /* doubles sent per group rank */
    tree_node *leaves;        /* this rank's chunks as nodes */
    /* Validation losses (set_loss). */
    double *vslots;           /* blocks × chunks × 2 */
    size_t vslots_capacity;
} evaluator;

/* The rank (in the group) that evaluates chunk c: contiguous runs of
 * chunks per rank when there are at least as many chunks as ranks. */
static int chunk_owner(const evaluator *ev, int c)
{
    if (ev->group_size <= ev->chunks)
        return (int)((int64_t)c * ev->group_size / ev->chunks);
    return c;
}

static void chunk_bounds(int c, int chunks, int n, int *lo, int *hi)
{
    *lo = (int)((int64_t)c * n / chunks);
    *hi = (int)((int64_t)(c + 1) * n / chunks);
}

/* After the exchange: every rank sees the same failure flags.  The rank
 * whose callback failed keeps its own message and status. */
static int agree_failure(const evaluator *ev, const double *flags, size_t stride, int n_slots,
                         int local_status)
{
    for (int k = 0; k < n_slots; k++) {
        if (flags[(size_t)k * stride] != 0.0) {
            if (local_status != ALFE_OK)
                return local_status;
            return ALFE_FAIL(ALFE_ERR_RUNTIME,
                             "training: the loss failed on rank %d of the training group",
                             chunk_owner(ev, k % ev->chunks));
        }
    }
    return ALFE_OK;
}

/* Chunks [first, last) evaluated by group rank r. */
static void owned_chunks(const evaluator *ev, int r, int *first, int *last)
{
    *first = ev->chunks;
    *last = ev->chunks;
    for (int c = 0; c < ev->chunks; c++)
        if (chunk_owner(ev, c) == r) {
            if (*first == ev->chunks)
                *first = c;
            *last = c + 1;
        }
}

/* The maximal tree nodes inside [a, b), left to right. */
static void decompose(int lo, int hi, int a, int b, int rank, tree_node *out, int *n)
{
    if (hi <= a || lo >= b || a >= b)
        return;
    if (a <= lo && hi <= b) {
        out[*n].lo = lo;
        out[*n].hi = hi;
        out[*n].rank = rank;
        out[*n].value = NULL;
        (*n)++;
        return;
    }
    const int mid = lo + (hi - lo) / 2;
    decompose(lo, mid, a, b, rank, out, n);
    decompose(mid, hi, a, b, rank, out, n);
}

/* Value of tree node [lo, hi) for a batch of n samples, from the given
 * nodes; NULL when its chunks hold no samples.  Sums go to the arena. */
static const double *tree_value(evaluator *ev, int lo, int hi, int n, const tree_node *given,
                                int n_given)
{
    if ((int64_t)hi * n / ev->chunks == (int64_t)lo * n / ev->chunks)
        return NULL;
    for (int k = 0; k < n_given; k++)
        if (given[k].lo == lo && given[k].hi == hi)
            return given[k].value;
    const int mid = lo + (hi - lo) / 2;
    if (hi - lo < 2)
        return NULL; /* unreachable: the given nodes cover every chunk */
    const double *left = tree_value(ev, lo, mid, n, given, n_given);
    const double *right = tree_value(ev, mid, hi, n, given, n_given);
    if (!left || !right)
        return left ? left : right;
    double *sum = ev->arena + ev->arena_used * ev->stride;
    ev->arena_used++;
    for (size_t j = 0; j < ev->stride; j++)
        sum[j] = left[j] + right[j];
    return sum;
}

/* Loss and gradient of one mini-batch idx[0..n): Σ_c (n_c/n)·chunk mean,
 * summed over the chunk tree (see the top of the file). */
static int batch_loss_gradient(evaluator *ev, const int *idx, int n, const double *params,
                               double *loss, double *grad)
{
    const size_t stride = ev->stride;
    int status = ALFE_OK, n_leaves = 0;
    for (int c = 0; c < ev->chunks; c++) {
        if (chunk_owner(ev, c) != ev->group_rank)
            continue;
        int lo, hi;
        chunk_bounds(c, ev->chunks, n, &lo, &hi);
        double *slot = ev->slots + (size_t)c * stride;
        ev->leaves[n_leaves].lo = c;
        ev->leaves[n_leaves].hi = c + 1;
        ev->leaves[n_leaves].value = slot;
        n_leaves++;
        slot[0] = 0.0;
        slot[1] = 0.0;
        if (hi == lo)
            continue;
        if (status == ALFE_OK) {
            int st = ev->loss(ev->context, idx + lo, hi - lo, params, &slot[0], slot + 2);
            if (st != ALFE_OK) {
                status = st;
                slot[1] = 1.0;
                continue;
            }
            const double w = (double)(hi - lo) / (double)n;
            slot[0] *= w;
            for (size_t j = 2; j < stride; j++)
                slot[j] *= w;
        } else {
            slot[1] = 1.0; /* not evaluated after a failure */
        }
    }
    /* This rank's nodes, from its leaves. */
    ev->arena_used = 0;
    for (int k = 0; k < ev->my_nodes; k++) {
        const tree_node *node = &ev->nodes[ev->first_node + k];
        const double *v = tree_value(ev, node->lo, node->hi, n, ev->leaves, n_leaves);
        double *out = ev->send + (size_t)k * stride;
        if (v)
            memcpy(out, v, stride * sizeof *out);
        else
            memset(out, 0, stride * sizeof *out);
    }
    comm_group_allgather_doubles(ev->group, ev->send, ev->recv, ev->counts);
    for (int k = 0; k < ev->n_nodes; k++) {
        const double *v = ev->recv + (size_t)k * stride;
        ev->nodes[k].value = v;
        if (v[1] != 0.0 && (int64_t)ev->nodes[k].hi * n / ev->chunks !=
                               (int64_t)ev->nodes[k].lo * n / ev->chunks) {
            if (status != ALFE_OK)
                return status;
            return ALFE_FAIL(ALFE_ERR_RUNTIME,
                             "training: the loss failed on rank %d of the training group",
                             ev->nodes[k].rank);
        }
    }
    ev->arena_used = 0;
    const double *root = tree_value(ev, 0, ev->chunks, n, ev->nodes, ev->n_nodes);
    *loss = root[0];
    memcpy(grad, root + 2, ev->n_params * sizeof *grad);
    return ALFE_OK;
}

/* Loss over idx[0..n) (the validation set) in blocks of `block` samples,
 * each cut into chunks like a mini-batch; one exchange for the whole set. */
static int set_loss(evaluator *ev, const int *idx, int n, int block, const double *params,
                    double *loss)
{
    if (n == 0) {
        *loss = NAN;
        return ALFE_OK;
    }
    const int blocks = (n + block - 1) / block;
    const size_t need = (size_t)blocks * (size_t)ev->chunks * 2;
    if (need > ev->vslots_capacity) {
        free(ev->vslots);
        ev->vslots = ALFE_MALLOC(need * sizeof *ev->vslots);
        ev->vslots_capacity = need;
    }
    int status = ALFE_OK;
    for (int b = 0; b < blocks; b++) {
        const int start = b * block;
        const int nb = n - start < block ? n - start : block;
        for (int c = 0; c < ev->chunks; c++) {
            int lo, hi;
            chunk_bounds(c, ev->chunks, nb, &lo, &hi);
            double *slot = ev->vslots + ((size_t)b * ev->chunks + c) * 2;
            if (chunk_owner(ev, c) == ev->group_rank && hi > lo && status == ALFE_OK) {
                slot[0] = 0.0;
                slot[1] = 0.0;
                int st = ev->loss(ev->context, idx + start + lo, hi - lo, params, &slot[0],
                                  NULL);
                if (st != ALFE_OK) {
                    status = st;
                    slot[1] = 1.0;
                }
            } else {
                slot[0] = -0.0;
                slot[1] = -0.0;
            }
        }
    }
    if (ev->group_size > 1)
        comm_group_allreduce_sum_doubles(ev->group, ev->vslots, need);
    ALFE_CHECK(agree_failure(ev, ev->vslots + 1, 2, blocks * ev->chunks, status));
    double total = 0.0;
    for (int b = 0; b < blocks; b++) {
        const int start = b * block;
        const int nb = n - start < block ? n - start : block;
        for (int c = 0; c < ev->chunks; c++) {
            int lo, hi;
            chunk_bounds(c, ev->chunks, nb, &lo, &hi);
            if (hi > lo)
                total += (double)(hi - lo) / (double)n *
                         ev->vslots[((size_t)b * ev->chunks + c) * 2];
        }
    }
    *loss = total;
    return ALFE_OK;
}

static void evaluator_init(evaluator *ev, const train_settings *s, size_t n_params,
                           train_loss_fn loss, void *context, int with_gradient)
{
    memset(ev, 0, sizeof *ev);
    ev->group = s->group;
    ev->group_rank = comm_group_rank(ev->group);
    ev->group_size = comm_group_size(ev->group);
    ev->chunks = s->grad_chunks;
    ev->n_params = n_params;
    ev->stride = 2 + n_params;
    ev->loss = loss;
    ev->context = context;
    if (!with_gradient)
        return;
    const size_t C = (size_t)ev->chunks, P = (size_t)ev->group_size;
    /* At most 2⌈log2 C⌉ nodes per rank and C in all. */
    ev->nodes = ALFE_MALLOC((C + 2 * P) * sizeof *ev->nodes);
    ev->counts = ALFE_MALLOC(P * sizeof *ev->counts);
    ev->leaves = ALFE_MALLOC(C * sizeof *ev->leaves);
    for (int r = 0; r < ev->group_size; r++) {
        int first, last, before = ev->n_nodes;
        owned_chunks(ev, r, &first, &last);
        decompose(0, ev->chunks, first, last, r, ev->nodes, &ev->n_nodes);
        ev->counts[r] = (size_t)(ev->n_nodes - before) * ev->stride;
        if (r == ev->group_rank) {
            ev->first_node = before;
            ev->my_nodes = ev->n_nodes - before;
        }
    }
    ev->slots = ALFE_MALLOC(C * ev->stride * sizeof *ev->slots);
    ev->send = ALFE_MALLOC(((size_t)ev->my_nodes + 1) * ev->stride * sizeof *ev->send);
    ev->recv = ALFE_MALLOC((size_t)ev->n_nodes * ev->stride * sizeof *ev->recv);
    ev->arena = ALFE_MALLOC(C * ev->stride * sizeof *ev->arena);
}

static void evaluator_free(evaluator *ev)
{
    ALFE_FREE(ev->slots);
    ALFE_FREE(ev->send);
    ALFE_FREE(ev->recv);
    ALFE_FREE(ev->arena);
    ALFE_FREE(ev->nodes);
    ALFE_FREE(ev->counts);
    ALFE_FREE(ev->leaves);
    ALFE_FREE(ev->vslots);
}

int train_validation_loss(const train_settings *s, size_t n_params, const double *params,
                          int n_samples, train_loss_fn loss, void *context, double *value)
{
    ALFE_CHECK(check_settings(s, n_samples));
    int nv = validation_count(s->validation_fraction, n_samples);
    int *validation = ALFE_MALLOC(((size_t)nv + 1) * sizeof *validation);
    int status = train_split(s, n_samples, validation, &nv, NULL, NULL);
    if (status == ALFE_OK) {
        evaluator ev;
        evaluator_init(&ev, s, n_params, loss, context, 0);
        status = set_loss(&ev, validation, nv, s->batch_size, params, value);
        evaluator_free(&ev);
    }
    free(validation);
    ALFE_CHECK(status);
    return ALFE_OK;
}

/* ---- Optimizers (Keras 3 semantics, float64) ----------------------------- */

/* RMSprop: v = ρv + (1−ρ)g²; θ −= lr·g / √(v + ε).  Keras adds ε inside the
 * square root (keras/src/optimizers/rmsprop.py), not to √v. */
static void step_rmsprop(const train_settings *s, double lr, size_t n, const double *g,
                         double *v, double *theta)
{
    const double rho = s->rho, one_minus_rho = 1.0 - s->rho, eps = s->epsilon;
    for (size_t j = 0; j < n; j++) {
        v[j] = rho * v[j] + one_minus_rho * (g[j] * g[j]);
        theta[j] -= (lr * g[j]) / sqrt(v[j] + eps);
    }
}

/* Adam with Keras's bias correction folded into the step size:
 * α = lr·√(1−β2^t)/(1−β1^t); m += (g−m)(1−β1); v += (g²−v)(1−β2);
 * θ −= α·m/(√v + ε)  (keras/src/optimizers/adam.py; Kingma & Ba 2015, §2). */
static void step_adam(const train_settings *s, double lr, long step, size_t n, const double *g,
                      double *m, double *v, double *theta)
{
    const double t = (double)(step + 1);
    const double alpha = lr * sqrt(1.0 - pow(s->beta2, t)) / (1.0 - pow(s->beta1, t));
    const double a1 = 1.0 - s->beta1, a2 = 1.0 - s->beta2, eps = s->epsilon;
    for (size_t j = 0; j < n; j++) {
        m[j] += (g[j] - m[j]) * a1;
        v[j] += (g[j] * g[j] - v[j]) * a2;
        theta[j] -= (m[j] * alpha) / (sqrt(v[j]) + eps);
    }
}

/* ---- The training loop --------------------------------------------------- */

int train_run(const train_settings *s, size_t n_params, double *params, int n_samples,
              train_loss_fn loss, void *context, train_report *report)
{
    memset(report, 0, sizeof *report);
    ALFE_CHECK(check_settings(s, n_samples));

    int n_val = validation_count(s->validation_fraction, n_samples);
    int *validation = ALFE_MALLOC(((size_t)n_val + 1) * sizeof *validation);
    int *training = ALFE_MALLOC((size_t)n_samples * sizeof *training);
    int n_train = 0;
    int status = train_split(s, n_samples, validation, &n_val, training, &n_train);
    if (status != ALFE_OK) {
        free(validation);
        free(training);
        ALFE_CHECK(status);
    }
    if (s->bootstrap) {
        /* Resample the training part only: validation samples never leak. */
        int *pool = ALFE_MALLOC((size_t)n_train * sizeof *pool);
        memcpy(pool, training, (size_t)n_train * sizeof *pool);
        rng_stream rng;
        rng_stream_init(&rng, s->seed, TRAIN_KEY_BOOTSTRAP, RNG_PURPOSE_TRAIN);
        for (int i = 0; i < n_train; i++)
            training[i] = pool[rng_below(&rng, (uint64_t)n_train)];
        qsort(training, (size_t)n_train, sizeof *training, compare_int);
        free(pool);
    }
    report->n_train = n_train;
    report->n_validation = n_val;

    evaluator ev;
    evaluator_init(&ev, s, n_params, loss, context, 1);
    int *order = ALFE_MALLOC((size_t)n_train * sizeof *order);
    double *grad = ALFE_CALLOC(n_params + 1, sizeof *grad);
    double *moment1 = ALFE_CALLOC(n_params + 1, sizeof *moment1);
    double *moment2 = ALFE_CALLOC(n_params + 1, sizeof *moment2);
    double *best = s->early_stopping ? ALFE_MALLOC((n_params + 1) * sizeof *best) : NULL;

    double lr = s->learning_rate / (1.0 + s->lr_decay * s->round);
    double plateau_best = INFINITY, es_best = INFINITY, monitor = INFINITY;
    int plateau_wait = 0, es_wait = 0, have_best = 0;
    long step = 0;
    report->best_epoch = -1;
    report->best_validation_loss = INFINITY;

    for (int epoch = 0; epoch < s->epochs && status == ALFE_OK; epoch++) {
        /* Epoch e's order depends on (seed, e) only, not on earlier epochs. */
        memcpy(order, training, (size_t)n_train * sizeof *order);
        rng_stream rng;
        rng_stream_init(&rng, s->seed, TRAIN_KEY_EPOCH0 + (uint64_t)epoch, RNG_PURPOSE_TRAIN);
        shuffle(order, n_train, &rng);

        double epoch_loss = 0.0;
        for (int start = 0; start < n_train; start += s->batch_size) {
            int nb = n_train - start < s->batch_size ? n_train - start : s->batch_size;
            double batch_loss = 0.0;
            comm_watch_beat(); /* answer rank 0's watch (comm.h) while computing */
            status = batch_loss_gradient(&ev, order + start, nb, params, &batch_loss, grad);
            if (status != ALFE_OK)
                break;
            /* The batch loss is the same on every rank of the group, so all
             * of them stop together. */
            if (!isfinite(batch_loss)) {
                report->diverged = 1;
                break;
            }
            if (s->optimizer == TRAIN_ADAM)
                step_adam(s, lr, step, n_params, grad, moment1, moment2, params);
            else
                step_rmsprop(s, lr, n_params, grad, moment2, params);
            step++;
            epoch_loss += batch_loss * nb;
        }
        if (status != ALFE_OK || report->diverged)
            break;
        report->epochs_run = epoch + 1;
        report->final_training_loss = epoch_loss / n_train;

        /* Monitor the validation loss; without a split, the training loss
         * (Keras would warn and do nothing). */
        if (n_val > 0) {
            status = set_loss(&ev, validation, n_val, s->batch_size, params, &monitor);
            if (status != ALFE_OK)
                break;
        } else {
            monitor = report->final_training_loss;
        }

        /* Reduce on plateau (Keras ReduceLROnPlateau, mode "min", cooldown
         * 0): wait counts epochs without an improvement of min_delta; at
         * `patience` the rate drops by `factor`, not below min_lr. */
        if (monitor < plateau_best - s->plateau_min_delta) {
            plateau_best = monitor;
            plateau_wait = 0;
        } else if (s->plateau_patience > 0) {
            plateau_wait++;
            if (plateau_wait >= s->plateau_patience && lr > s->min_lr) {
                lr = fmax(lr * s->plateau_factor, s->min_lr);
                plateau_wait = 0;
                report->lr_reductions++;
            }
        }

        /* Early stopping (Keras EarlyStopping, min_delta 0,
         * restore_best_weights): the best epoch is tracked in any case. */
        if (monitor < es_best) {
            es_best = monitor;
            report->best_epoch = epoch;
            es_wait = 0;
            if (best) {
                memcpy(best, params, n_params * sizeof *params);
                have_best = 1;
            }
        } else {
            es_wait++;
            if (s->early_stopping && es_wait >= s->es_patience && epoch + 1 < s->epochs) {
                report->stopped_early = 1;
                break;
            }
        }
    }

    if (status == ALFE_OK) {
        report->best_validation_loss = es_best;
        report->final_learning_rate = lr;
        /* After a divergence the parameters changed within the unfinished
         * epoch, so even a best last epoch must be restored. */
        int current_is_best = !report->diverged && report->best_epoch == report->epochs_run - 1;
        if (have_best && !current_is_best) {
            memcpy(params, best, n_params * sizeof *params);
            report->restored_best = 1;
            report->validation_loss = es_best;
        } else if (report->diverged) {
            report->validation_loss = INFINITY;
        } else {
            report->validation_loss = monitor;
        }
    }

    evaluator_free(&ev);
    free(order);
    free(grad);
    free(moment1);
    free(moment2);
    free(best);
    free(validation);
    free(training);
    ALFE_CHECK(status);
    return ALFE_OK;
}
