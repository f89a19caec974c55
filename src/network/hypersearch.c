/* hypersearch.c — random hyper-parameter search: draws, ranking and the
 * replacement rule (hypersearch.h).
 * Owns: nothing stateful.  Must not know what a network is (the caller
 * builds candidates from the draws) nor which rank it runs on. */
#include "alfe/network/hypersearch.h"

#include "alfe/network/committee.h"
#include "alfe/base/error.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void hypersearch_default_bounds(hypersearch_bounds *b)
{
    memset(b, 0, sizeof *b);
    b->n_candidates = 16;
    b->layers_min = 2;
    b->layers_max = 4;
    b->width_min = 50;
    b->width_max = 300;
    b->n_activations = 1;
    b->activations[0] = 0; /* IDNN_TANH */
    b->per_layer_activation = 1;
    b->lr_min = 1e-6;
    b->lr_max = 5e-5;
    b->batch_min = 25;
    b->batch_max = 100;
}

int hypersearch_check_bounds(const hypersearch_bounds *b)
{
    if (b->n_candidates < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "hyper-parameter search: %d candidates (need >= 1)",
                         b->n_candidates);
    if (b->layers_min < 1 || b->layers_max < b->layers_min ||
        b->layers_max > HYPERSEARCH_MAX_LAYERS)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "hyper-parameter search: layers [%d, %d] must satisfy 1 <= min <= max "
                         "<= %d",
                         b->layers_min, b->layers_max, HYPERSEARCH_MAX_LAYERS);
    if (b->width_min < 1 || b->width_max < b->width_min)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "hyper-parameter search: width [%d, %d] must satisfy 1 <= min <= max",
                         b->width_min, b->width_max);
    if (b->n_activations < 1 || b->n_activations > HYPERSEARCH_MAX_ACTIVATIONS)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "hyper-parameter search: %d activation choices (need 1..%d)",
                         b->n_activations, HYPERSEARCH_MAX_ACTIVATIONS);
    if (!(b->lr_min > 0.0) || !(b->lr_max >= b->lr_min) || !isfinite(b->lr_max))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "hyper-parameter search: learning rate [%g, %g] must satisfy "
                         "0 < min <= max",
                         b->lr_min, b->lr_max);
    if (b->batch_min < 1 || b->batch_max < b->batch_min)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "hyper-parameter search: batch size [%d, %d] must satisfy 1 <= min "
                         "<= max",
                         b->batch_min, b->batch_max);
    return ALFE_OK;
}

/* Uniform on the inclusive range [lo, hi]. */
static int draw_inclusive(rng_stream *rng, int lo, int hi)
{
    return lo + (int)rng_below(rng, (uint64_t)((int64_t)hi - lo + 1));
}

static uint64_t candidate_key(int round, int candidate, uint64_t tag)
{
    return tag | ((uint64_t)(uint32_t)round << 20) | (uint64_t)(uint32_t)candidate;
}

void hypersearch_draw(const hypersearch_bounds *b, uint64_t campaign_seed, int round,
                      int candidate, hypersearch_candidate *out)
{
    memset(out, 0, sizeof *out);
    rng_stream rng;
    rng_stream_init(&rng, campaign_seed, candidate_key(round, candidate, (uint64_t)1 << 62),
                    RNG_PURPOSE_TRAIN);
    out->layers = draw_inclusive(&rng, b->layers_min, b->layers_max);
    out->width = draw_inclusive(&rng, b->width_min, b->width_max);
    int shared = b->activations[rng_below(&rng, (uint64_t)b->n_activations)];
    for (int l = 0; l < out->layers; l++)
        out->activation[l] = b->per_layer_activation
                                 ? b->activations[rng_below(&rng, (uint64_t)b->n_activations)]
                                 : shared;
    /* log-uniform: ln lr uniform on [ln min, ln max], both ends included
     * (u ∈ [0, 1]: 53-bit u/(2^53 − 1)). */
    double u = (double)(rng_next_u64(&rng) >> 11) / (double)((UINT64_C(1) << 53) - 1);
    out->learning_rate = exp(log(b->lr_min) + u * (log(b->lr_max) - log(b->lr_min)));
    if (out->learning_rate > b->lr_max)
        out->learning_rate = b->lr_max;
    if (out->learning_rate < b->lr_min)
        out->learning_rate = b->lr_min;
    out->batch_size = draw_inclusive(&rng, b->batch_min, b->batch_max);
}

void hypersearch_settings(const hypersearch_candidate *c, const train_settings *base,
                          uint64_t campaign_seed, int round, int candidate, train_settings *out)
{
    *out = *base;
    out->learning_rate = c->learning_rate;
    out->batch_size = c->batch_size;
    out->round = round;
    out->seed = rng_stream_seed(campaign_seed,
                                candidate_key(round, candidate, (uint64_t)1 << 61),
                                RNG_PURPOSE_TRAIN);
    out->split_seed = committee_split_seed(campaign_seed, round);
    out->group = NULL;
}

typedef struct {
    double score;
    int index;
} ranked;

static int compare_ranked(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    int fa = isfinite(a->score), fb = isfinite(b->score);
    if (fa != fb)
        return fa ? -1 : 1;
    if (fa && a->score != b->score)
        return a->score < b->score ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

void hypersearch_rank(int n, const double *scores, int *order)
{
    ranked *r = ALFE_MALLOC((size_t)(n > 0 ? n : 1) * sizeof *r);
    for (int i = 0; i < n; i++) {
        r[i].score = scores[i];
        r[i].index = i;
    }
    qsort(r, (size_t)n, sizeof *r, compare_ranked);
    for (int i = 0; i < n; i++)
        order[i] = r[i].index;
    free(r);
}

int hypersearch_replaces(double winner_score, double current_score)
{
    if (!isfinite(winner_score))
        return 0;
    if (!isfinite(current_score))
        return 1;
    return winner_score < current_score;
}
