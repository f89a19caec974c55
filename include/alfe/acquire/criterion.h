/* criterion.h — what an active-learning criterion sees and returns, its
 * typed settings, and the registry id → (name, needs, propose function).
 *
 * A criterion is a pure function: it gets the pool (points + the committee's
 * predictions at them), the data so far, the special points, the domain and
 * its typed settings, and returns ranked candidates.  It never sees the
 * configuration, MPI or the campaign file: run/ fills these structs (the pool
 * evaluation over ranks, the INI sections and the records are its job).
 * Ranking is deterministic: same input → same output bits; ties are broken
 * by the candidate's index (smaller first).
 *
 * After propose, the caller applies the selection filters of select.h in
 * this order: novelty (optional), diversity (default on), groups/copies
 * expansion, perturbation + domain, then takes the criterion's budget
 * (weights.h).  docs/acquisition.md describes every criterion, its keys and
 * which defect of the published workflow it fixes.
 *
 * Owns: the input/output/settings types and the registry table (criterion.c).
 * Must not include io/, run/ or comm.h. */
#ifndef ALFE_CRITERION_H
#define ALFE_CRITERION_H

#include "alfe/base/constants.h" /* ALFE_MAX_DIM */
#include "alfe/space/domain.h"
#include "alfe/space/point.h" /* enum criterion_id, criterion_names */

#include <stdint.h>

/* The pool: many points (a billiard-walk sample) at which the committee was
 * evaluated.  All arrays row-major, owned by the caller. */
typedef struct {
    int n, d;
    const double *eta;      /* n×d */
    const double *g_mean;   /* n: committee mean of g */
    const double *g_std;    /* n: committee standard deviation of g (NULL: 0) */
    const double *mu_mean;  /* n×d: committee mean of μ = ∇g */
    const double *mu_std;   /* n×d: committee standard deviation of μ */
    const double *hess_eig; /* n×d: eigenvalues of the committee-mean Hessian of
                               g, ascending per point; NULL when not computed.
                               The criteria do not rely on the order (they take
                               the min / max |λ| themselves). */
} acquire_pool;

/* Rows with Monte Carlo results. */
typedef struct {
    int n, d;
    const double *eta;      /* n×d: measured ⟨η⟩ */
    const double *mu;       /* n×d: measured μ */
    const double *mu_pred;  /* n×d: committee mean μ̂ at eta BEFORE retraining on
                               these rows (the previous round's committee);
                               NULL when not available */
    const int64_t *row;     /* n: global row ids (NULL: 0..n-1) */
} acquire_data;

/* The configured special points (end members, wells, vertices), given as an
 * array (reading the file is run/'s job: base/table.h table_read), and lines
 * between configured pairs of them. */
typedef struct {
    int n, d;
    const double *eta;      /* n×d */
    int n_lines;
    const int *line_pairs;  /* n_lines×2 indices into eta */
    int line_points;        /* interior points per line, evenly spaced */
} acquire_special;

/* Everything a criterion may look at.  Members a criterion does not need
 * (criterion_def.needs) may be NULL. */
typedef struct {
    const acquire_pool *pool;
    const acquire_data *prev;       /* the previous round's done rows */
    const acquire_data *all;        /* all usable rows so far */
    const acquire_special *special;
    const domain *dom;
} criterion_input;

/* Where a candidate came from: index is into that array (the global row id
 * for ACQUIRE_SOURCE_DATA). */
enum acquire_source {
    ACQUIRE_SOURCE_POOL = 0,
    ACQUIRE_SOURCE_DATA = 1,
    ACQUIRE_SOURCE_SPECIAL = 2
};

/* One ranked proposal.  score: larger is better within one criterion's list
 * (criteria that rank "ascending" store the negated key, see each criterion),
 * so every list is sorted by score descending, then index ascending. */
typedef struct {
    double score;
    int source;                 /* enum acquire_source */
    int64_t index;
    double eta[ALFE_MAX_DIM];
} acquire_candidate;

/* The published "top n1 candidates × d1 copies each, next n2 × d2". */
#define CRITERION_MAX_GROUPS 4
typedef struct {
    int count;   /* candidates in this group */
    int copies;  /* copies of each */
} criterion_group;

/* How novelty scores a candidate (select_novelty). */
enum novelty_mode {
    NOVELTY_DISTANCE = 0,      /* mean distance to the k nearest rows */
    NOVELTY_DISTANCE_EIG = 1   /* published: that distance × |λ|max of the
                                  candidate's pool point (1 when not a pool
                                  point or no Hessian) */
};

/* Typed settings of one criterion; criterion_settings_default fills the
 * defaults.  The common part applies to every criterion (the filters), the
 * rest only to the criterion named in its comment. */
typedef struct {
    /* common */
    int points;              /* budget before re-weighting (weights.h) */
    int from_round;          /* first round the criterion runs in */
    int n_groups;            /* 0: each of the top `points` once */
    criterion_group groups[CRITERION_MAX_GROUPS];
    double perturb;          /* a: uniform ±a/2 per coordinate (0: none) */
    int perturb_tries;       /* re-draws before reflecting into the domain */
    int diversity;           /* 1 (default): farthest-point among the top */
    double oversample;       /* diversity looks at oversample × points (≥ 1) */
    double min_distance;     /* novelty: drop below this (0: novelty off) */
    int novelty_k;           /* novelty: k nearest existing rows */
    int novelty_mode;        /* enum novelty_mode */
    /* instability */
    double tolerance;        /* λ_min < tolerance qualifies */
    double band;             /* > 0: spinodal band |λ_min| < band instead */
    /* lowest_g */
    int bins;                /* equal η0 bins over the pool's η0 range */
    /* wells */
    int chord;               /* 1: μ0 − s with s the end-member chord slope */
    double chord_slope;      /* s; NaN: from the pool (physics.h) */
    /* qbc */
    int with_g;              /* 1: add g_std² to the μ spread */
} criterion_settings;

void criterion_settings_default(criterion_settings *s);
/* ALFE_ERR_INPUT naming the criterion and the key when a value is out of
 * range (negative points, copies < 1, oversample < 1, bins < 1, …). */
int criterion_settings_check(const criterion_settings *s, const char *name);

/* Ranked candidates, best first, in *out (allocated; the caller frees;
 * NULL when *n_out = 0).  Every candidate of the full ranked list is
 * returned; the filters and the budget cut it. */
typedef int (*criterion_propose_fn)(const criterion_input *in, const criterion_settings *s,
                                    acquire_candidate **out, int *n_out);

/* What a criterion needs in criterion_input. */
enum criterion_needs {
    CRITERION_NEEDS_POOL = 1u << 0,    /* pool with g/μ means and spreads */
    CRITERION_NEEDS_HESSIAN = 1u << 1, /* pool.hess_eig */
    CRITERION_NEEDS_DATA = 1u << 2,    /* prev (with mu_pred) */
    CRITERION_NEEDS_SPECIAL = 1u << 3  /* special */
};

typedef struct {
    int id;                     /* enum criterion_id */
    const char *name;           /* criterion_names[id] (the INI section name) */
    unsigned needs;             /* enum criterion_needs bits */
    criterion_propose_fn propose; /* NULL for the global criteria (sampling:
                                     acquire.c + space/sampling.c) */
} criterion_def;

/* The definition of id (NULL when out of range). */
const criterion_def *criterion_get(int id);
/* The id of a name (criterion_names); -1 when unknown. */
int criterion_find(const char *name);

/* Sort candidates by score descending, then index ascending (then source). */
void criterion_sort(acquire_candidate *c, int n);

#endif
