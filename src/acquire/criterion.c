/* criterion.c — the registry of criteria (id → name, needs, propose), the
 * default settings and their range checks, and the common ranking order.
 * Owns: the table.  Must not read files, the configuration or MPI. */
#include "alfe/acquire/criterion.h"

#include "alfe/acquire/physics.h"
#include "alfe/acquire/special.h"
#include "alfe/acquire/uncertainty.h"
#include "alfe/base/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by enum criterion_id; names come from criterion_names (point.c) so
 * ids and names stay one table. */
static const struct {
    unsigned needs;
    criterion_propose_fn propose;
} registry[CRITERION_COUNT] = {
    [CRITERION_GLOBAL_BILLIARD] = {0, NULL},
    [CRITERION_GLOBAL_SOBOL] = {0, NULL},
    [CRITERION_SPECIAL] = {CRITERION_NEEDS_SPECIAL, special_propose},
    [CRITERION_HIGH_ERROR] = {CRITERION_NEEDS_DATA, high_error_propose},
    [CRITERION_WELLS] = {CRITERION_NEEDS_POOL | CRITERION_NEEDS_HESSIAN, wells_propose},
    [CRITERION_INSTABILITY] = {CRITERION_NEEDS_POOL | CRITERION_NEEDS_HESSIAN,
                               instability_propose},
    [CRITERION_LOWEST_G] = {CRITERION_NEEDS_POOL, lowest_g_propose},
    [CRITERION_SENSITIVITY] = {CRITERION_NEEDS_POOL | CRITERION_NEEDS_HESSIAN,
                               sensitivity_propose},
    [CRITERION_QBC] = {CRITERION_NEEDS_POOL, qbc_propose},
};

static criterion_def defs[CRITERION_COUNT];

const criterion_def *criterion_get(int id)
{
    if (id < 0 || id >= CRITERION_COUNT)
        return NULL;
    criterion_def *def = &defs[id];
    def->id = id;
    def->name = criterion_names[id];
    def->needs = registry[id].needs;
    def->propose = registry[id].propose;
    return def;
}

int criterion_find(const char *name)
{
    for (int id = 0; name && id < CRITERION_COUNT; id++)
        if (strcmp(name, criterion_names[id]) == 0)
            return id;
    return -1;
}

void criterion_settings_default(criterion_settings *s)
{
    memset(s, 0, sizeof *s);
    s->points = 0;
    s->from_round = 1;
    s->n_groups = 0;
    s->perturb = 0.0;
    s->perturb_tries = 10;
    s->diversity = 1;
    s->oversample = 4.0;
    s->min_distance = 0.0;
    s->novelty_k = 5;
    s->novelty_mode = NOVELTY_DISTANCE;
    s->tolerance = 0.0;
    s->band = 0.0;
    s->bins = 10;
    s->chord = 0;
    s->chord_slope = NAN;
    s->with_g = 0;
}

int criterion_settings_check(const criterion_settings *s, const char *name)
{
    const char *n = name ? name : "criterion";
    if (s->points < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] points = %d: must be >= 0", n, s->points);
    if (s->from_round < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] from_round = %d: must be >= 0", n, s->from_round);
    if (s->n_groups < 0 || s->n_groups > CRITERION_MAX_GROUPS)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] groups: %d groups, at most %d", n, s->n_groups,
                         CRITERION_MAX_GROUPS);
    for (int g = 0; g < s->n_groups; g++)
        if (s->groups[g].count < 0 || s->groups[g].copies < 1)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "[%s] groups: group %d has %d candidates x %d copies "
                             "(need >= 0 x >= 1)",
                             n, g + 1, s->groups[g].count, s->groups[g].copies);
    if (!(s->perturb >= 0.0) || !isfinite(s->perturb))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] perturb = %g: must be finite and >= 0", n,
                         s->perturb);
    if (s->perturb_tries < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] perturb_tries = %d: must be >= 0", n,
                         s->perturb_tries);
    if (!(s->oversample >= 1.0) || !isfinite(s->oversample))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] oversample = %g: must be >= 1", n, s->oversample);
    if (!(s->min_distance >= 0.0))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] min_distance = %g: must be >= 0", n,
                         s->min_distance);
    if (s->novelty_k < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] novelty_k = %d: must be >= 1", n, s->novelty_k);
    if (s->novelty_mode != NOVELTY_DISTANCE && s->novelty_mode != NOVELTY_DISTANCE_EIG)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] novelty mode %d unknown", n, s->novelty_mode);
    if (!isfinite(s->tolerance))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] tolerance = %g: must be finite", n, s->tolerance);
    if (!(s->band >= 0.0) || !isfinite(s->band))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] band = %g: must be finite and >= 0", n, s->band);
    if (s->bins < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] bins = %d: must be >= 1", n, s->bins);
    if (isinf(s->chord_slope))
        return ALFE_FAIL(ALFE_ERR_INPUT, "[%s] chord_slope is infinite", n);
    return ALFE_OK;
}

/* Score descending, then source and index ascending: a total order, so qsort
 * (not stable) still gives one result. */
static int candidate_compare(const void *pa, const void *pb)
{
    const acquire_candidate *a = pa, *b = pb;
    if (a->score > b->score) return -1;
    if (a->score < b->score) return 1;
    if (a->source != b->source) return a->source < b->source ? -1 : 1;
    if (a->index != b->index) return a->index < b->index ? -1 : 1;
    return 0;
}

void criterion_sort(acquire_candidate *c, int n)
{
    if (n > 1)
        qsort(c, (size_t)n, sizeof *c, candidate_compare);
}
