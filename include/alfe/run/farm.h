/* farm.h — dynamic hand-out of a round's pending points.
 *
 * Rank 0 hands out points one at a time: a worker asks, gets the next point,
 * evaluates it, writes its row (independent I/O), and asks again, so uneven
 * evaluation times balance.  With one rank the same loop evaluates locally.
 * On a stop signal rank 0 stops handing out; points in flight finish and are
 * written.  Messages are fixed-size structs with their size checked.
 * Owns: the farm protocol (tags in comm.h). */
#ifndef ALFE_FARM_H
#define ALFE_FARM_H

#include "alfe/io/campaign_io.h"
#include "alfe/run/evaluate.h"
#include "alfe/space/point.h"

#include <stdint.h>

typedef struct {
    int64_t evaluated_here; /* points this rank evaluated in this phase */
    int64_t evaluated;      /* points evaluated in this phase, all ranks (rank 0 knows) */
    int64_t failed;         /* of those, with status failed (rank 0 knows) */
    int stopped;            /* every rank: a stop signal left points pending */
} farm_outcome;

/* Called on rank 0 at most every `interval` seconds and at the end. */
typedef void (*farm_progress_fn)(void *context, int64_t done, int64_t total, double seconds);

/* Collective.  `pending` and `n_pending` are read on rank 0 only. */
int farm_run(campaign *c, evaluator *ev, const point_input *pending, int64_t n_pending,
             double interval, farm_progress_fn progress, void *context, farm_outcome *out);

#endif
