/* farm.h — dynamic hand-out of a round's pending points.
 *
 * Rank 0 hands out points one at a time: a worker asks, gets the next point,
 * evaluates it, writes its row (independent I/O), and asks again, so uneven
 * evaluation times balance.  With one rank the same loop evaluates locally.
 * On a stop signal rank 0 stops handing out; points in flight finish and are
 * written.  Messages are fixed-size structs with their size checked.
 * Rank 0 watches every worker: one silent (no result of the point it was
 * given) for longer than warn_seconds is reported with its host and point;
 * past timeout_seconds the worker is given up, the others finish and write
 * their points in flight, and farm_run returns on rank 0 only, with
 * `abandoned` set and no collective started (one could not complete): the
 * caller ends the job (docs/restart.md "Faults").
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
    int abandoned;          /* rank 0 only: workers were given up for silence; the
                               other ranks are still inside farm_run */
    char why[768];          /* rank 0, when abandoned: which rank, host, point, how long */
} farm_outcome;

typedef struct {
    double progress_seconds; /* progress lines at most this often */
    double warn_seconds;     /* report a silent worker (0 = never) */
    double timeout_seconds;  /* give it up and stop (0 = never) */
} farm_settings;

/* Called on rank 0 at most every `interval` seconds and at the end. */
typedef void (*farm_progress_fn)(void *context, int64_t done, int64_t total, double seconds);

/* Collective (except when rank 0 abandons, see above).  `pending` and
 * `n_pending` are read on rank 0 only. */
int farm_run(campaign *c, evaluator *ev, const point_input *pending, int64_t n_pending,
             const farm_settings *settings, farm_progress_fn progress, void *context,
             farm_outcome *out);

/* The log's warning about a silent rank (what: who, since when), with what
 * happens next under [run] worker_timeout_seconds; farm.c and the watch over
 * the collectives (coordinator.c) say it the same way. */
void farm_warn_silent(const char *what, double timeout_seconds);

#endif
