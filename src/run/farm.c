/* farm.c — coordinator/worker hand-out of points (see farm.h).
 * Owns: the REQUEST/ASSIGN/RELEASE exchange and rank 0's watch over silent
 * workers.  A rank-local failure inside
 * the farm (a row that cannot be written) cannot be agreed collectively, so
 * it prints "[rank r] ..." and aborts the job; the campaign file stays
 * consistent (rows are raw data in rows created at the round's start). */
#include "alfe/run/farm.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/log.h"
#include "alfe/base/stopflag.h"
#include "alfe/base/timers.h"
#include "alfe/base/util.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    int64_t row;     /* row just written, or -1 on the first request */
    int32_t status;  /* its point status */
    int32_t stop;    /* this worker received a stop signal */
    char host[64];   /* the worker's host, for rank 0's reports */
} farm_request;

/* Rank 0's view of one worker. */
enum worker_state {
    WORKER_STARTING, /* has not asked for a point in this phase yet */
    WORKER_BUSY,     /* evaluating the point it was given */
    WORKER_RELEASED, /* told there is no more work */
    WORKER_GIVEN_UP  /* silent past the time-out */
};

typedef struct {
    int state;
    double since;    /* when it was last heard from (or the phase started) */
    int warned;      /* the silence warning for this point was printed */
    int64_t row;     /* the point it was given (WORKER_BUSY) */
    int32_t round;
    char host[64];
} worker_watch;

static void fatal_here(void)
{
    fprintf(stderr, "[rank %d] alfe: %s\n%s", comm_rank(), alfe_error_message(),
            alfe_error_trace());
    comm_abort(ALFE_ERR_RUNTIME);
}

static void evaluate_and_write(campaign *c, evaluator *ev, const point_input *in,
                               point_result *res)
{
    timer_start(TIMER_EVALUATE);
    int status = evaluator_run(ev, in, res);
    timer_stop(TIMER_EVALUATE);
    if (status != ALFE_OK)
        fatal_here();
    res->rank = comm_rank();
    timer_start(TIMER_WRITE);
    status = campaign_write_result(c, in->row, res);
    timer_stop(TIMER_WRITE);
    if (status != ALFE_OK)
        fatal_here();
}

static void maybe_progress(farm_progress_fn progress, void *context, double interval,
                           double t0, double *last, int64_t done, int64_t total, int force)
{
    double now = alfe_wall_time();
    if (progress && (force || now - *last >= interval)) {
        progress(context, done, total, now - t0);
        *last = now;
    }
}

static int farm_serial(campaign *c, evaluator *ev, const point_input *pending, int64_t n,
                       double interval, farm_progress_fn progress, void *context,
                       farm_outcome *out)
{
    double t0 = alfe_wall_time(), last = t0;
    point_result res;
    for (int64_t i = 0; i < n; i++) {
        if (stopflag_signal()) {
            out->stopped = 1;
            break;
        }
        evaluate_and_write(c, ev, &pending[i], &res);
        out->evaluated_here++;
        out->evaluated++;
        out->failed += res.status == POINT_FAILED;
        maybe_progress(progress, context, interval, t0, &last, out->evaluated, n, 0);
    }
    maybe_progress(progress, context, interval, t0, &last, out->evaluated, n, 1);
    return ALFE_OK;
}

/* A silent worker: what it was doing, for the warning and the stop. */
static void describe_silence(const worker_watch *w, int rank, double silent, char *buf,
                             size_t size)
{
    if (w->state == WORKER_STARTING)
        snprintf(buf, size, "worker rank %d (host %s) silent for %.1f s: it has not asked for a "
                            "point since this round's evaluation started",
                 rank, w->host[0] ? w->host : "unknown", silent);
    else
        snprintf(buf, size, "worker rank %d (host %s) silent for %.1f s since it was given row "
                            "%lld (point %lld of round %d)",
                 rank, w->host[0] ? w->host : "unknown", silent, (long long)w->row,
                 (long long)w->row, (int)w->round);
}

void farm_warn_silent(const char *what, double timeout_seconds)
{
    if (timeout_seconds > 0)
        log_line("warning: %s; the run stops if it stays silent for %g s ([run] "
                 "worker_timeout_seconds)", what, timeout_seconds);
    else
        log_line("warning: %s ([run] worker_timeout_seconds = 0: waiting for it "
                 "indefinitely)", what);
}

static int warns(const farm_settings *fs)
{
    return fs->warn_seconds > 0 &&
           (fs->timeout_seconds <= 0 || fs->warn_seconds < fs->timeout_seconds);
}

/* Seconds until the next warning or time-out is due (< 0: none). */
static double next_deadline(const worker_watch *w, int size, const farm_settings *fs, double now)
{
    double first = -1.0;
    for (int r = 1; r < size; r++) {
        if (w[r].state != WORKER_STARTING && w[r].state != WORKER_BUSY)
            continue;
        double due[2] = {warns(fs) && !w[r].warned ? w[r].since + fs->warn_seconds : -1.0,
                         fs->timeout_seconds > 0 ? w[r].since + fs->timeout_seconds : -1.0};
        for (int k = 0; k < 2; k++)
            if (due[k] >= 0 && (first < 0 || due[k] < first))
                first = due[k];
    }
    return first < 0 ? -1.0 : (first > now ? first - now : 0.0);
}

/* Warn about, or give up, the workers silent for too long. */
static void check_silence(worker_watch *w, int size, const farm_settings *fs, int *active,
                          farm_outcome *out)
{
    double now = alfe_wall_time();
    for (int r = 1; r < size; r++) {
        if (w[r].state != WORKER_STARTING && w[r].state != WORKER_BUSY)
            continue;
        double silent = now - w[r].since;
        char what[512];
        describe_silence(&w[r], r, silent, what, sizeof what);
        if (fs->timeout_seconds > 0 && silent >= fs->timeout_seconds) {
            w[r].state = WORKER_GIVEN_UP;
            (*active)--;
            if (!out->abandoned)
                snprintf(out->why, sizeof out->why, "%s, more than [run] "
                         "worker_timeout_seconds = %g", what, fs->timeout_seconds);
            out->abandoned = 1;
            log_line("%s: more than [run] worker_timeout_seconds = %g; giving it up: no new "
                     "points are handed out, the other workers finish and write theirs, then "
                     "the run stops", what, fs->timeout_seconds);
        } else if (warns(fs) && !w[r].warned && silent >= fs->warn_seconds) {
            w[r].warned = 1;
            farm_warn_silent(what, fs->timeout_seconds);
        }
    }
}

static void farm_coordinator(const point_input *pending, int64_t n, const farm_settings *fs,
                             farm_progress_fn progress, void *context, farm_outcome *out)
{
    double t0 = alfe_wall_time(), last = t0;
    const int size = comm_size();
    worker_watch *w = ALFE_CALLOC((size_t)size, sizeof *w);
    for (int r = 1; r < size; r++) {
        w[r].state = WORKER_STARTING;
        w[r].since = t0;
        w[r].row = -1;
    }
    int active = size - 1;
    int64_t next = 0;
    while (active > 0) {
        farm_request req;
        int source, tag;
        size_t got = 0;
        timer_start(TIMER_WAIT);
        int arrived = comm_recv_any_within(&req, sizeof req, &source, &tag,
                                           next_deadline(w, size, fs, alfe_wall_time()), &got);
        timer_stop(TIMER_WAIT);
        if (!arrived) {
            check_silence(w, size, fs, &active, out);
            continue;
        }
        if (tag != COMM_TAG_REQUEST || got != sizeof req || source < 1 || source >= size) {
            fprintf(stderr, "[rank 0] alfe: farm: unexpected message (tag %d, %zu bytes) from "
                            "rank %d\n", tag, got, source);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        worker_watch *x = &w[source];
        req.host[sizeof req.host - 1] = '\0';
        memcpy(x->host, req.host, sizeof x->host);
        if (req.row >= 0) {
            out->evaluated++;
            out->failed += req.status == POINT_FAILED;
        }
        if (req.stop)
            stopflag_raise(SIGTERM);
        if (x->state == WORKER_GIVEN_UP) {
            /* Back after it was given up (e.g. SIGCONT): its row is written;
             * let it go (it is no longer counted as active). */
            log_line("worker rank %d (host %s) answered after it was given up; its row is "
                     "written", source, x->host);
            comm_send_bytes(source, COMM_TAG_RELEASE, NULL, 0);
            x->state = WORKER_RELEASED;
            continue;
        }
        x->since = alfe_wall_time();
        x->warned = 0;
        if (stopflag_signal() || out->abandoned || next >= n) {
            comm_send_bytes(source, COMM_TAG_RELEASE, NULL, 0);
            x->state = WORKER_RELEASED;
            active--;
        } else {
            comm_send_bytes(source, COMM_TAG_ASSIGN, &pending[next], sizeof pending[next]);
            x->state = WORKER_BUSY;
            x->row = pending[next].row;
            x->round = pending[next].round;
            next++;
        }
        maybe_progress(progress, context, fs->progress_seconds, t0, &last, out->evaluated, n, 0);
    }
    maybe_progress(progress, context, fs->progress_seconds, t0, &last, out->evaluated, n, 1);
    out->stopped = next < n;
    free(w);
}

static void farm_worker(campaign *c, evaluator *ev, farm_outcome *out)
{
    farm_request req;
    memset(&req, 0, sizeof req);
    req.row = -1;
    comm_processor_name(req.host, sizeof req.host);
    for (;;) {
        req.stop = stopflag_signal() != 0;
        comm_send_bytes(0, COMM_TAG_REQUEST, &req, sizeof req);
        point_input in;
        int tag;
        timer_start(TIMER_WAIT);
        size_t got = comm_recv_from(0, &in, sizeof in, &tag);
        timer_stop(TIMER_WAIT);
        if (tag == COMM_TAG_RELEASE)
            break;
        if (tag != COMM_TAG_ASSIGN || got != sizeof in) {
            fprintf(stderr, "[rank %d] alfe: farm: unexpected message (tag %d, %zu bytes)\n",
                    comm_rank(), tag, got);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        point_result res;
        evaluate_and_write(c, ev, &in, &res);
        out->evaluated_here++;
        req.row = in.row;
        req.status = res.status;
    }
}

int farm_run(campaign *c, evaluator *ev, const point_input *pending, int64_t n_pending,
             const farm_settings *settings, farm_progress_fn progress, void *context,
             farm_outcome *out)
{
    memset(out, 0, sizeof *out);
    int status = ALFE_OK;
    if (comm_size() == 1)
        status = farm_serial(c, ev, pending, n_pending, settings->progress_seconds, progress,
                             context, out);
    else if (comm_rank() == 0)
        farm_coordinator(pending, n_pending, settings, progress, context, out);
    else
        farm_worker(c, ev, out);
    /* A worker given up cannot join any collective: rank 0 leaves the
     * others here (they wait in the barrier below) and ends the job. */
    if (out->abandoned)
        return status;
    /* Workers may finish at different times: wait without spinning.  Every
     * worker was released, so the barrier is quick; a rank that does not
     * come within the time-out (stopped after its last request) stops the
     * run as above. */
    timer_start(TIMER_WAIT);
    int together = comm_rank() == 0 && settings->timeout_seconds > 0
                       ? comm_barrier_idle_within(settings->timeout_seconds)
                       : (comm_barrier_idle(), 1);
    timer_stop(TIMER_WAIT);
    if (!together) {
        snprintf(out->why, sizeof out->why, "a worker rank did not reach the end of the "
                 "round's evaluation within [run] worker_timeout_seconds = %g after its last "
                 "point", settings->timeout_seconds);
        out->abandoned = 1;
        return status;
    }
    comm_bcast_int(&out->stopped, 0);
    return status;
}
