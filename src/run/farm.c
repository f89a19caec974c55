/* farm.c — coordinator/worker hand-out of points (see farm.h).
 * Owns: the REQUEST/ASSIGN/RELEASE exchange.  A rank-local failure inside
 * the farm (a row that cannot be written) cannot be agreed collectively, so
 * it prints "[rank r] ..." and aborts the job; the campaign file stays
 * consistent (rows are raw data in rows created at the round's start). */
#include "alfe/run/farm.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
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
} farm_request;

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

static void farm_coordinator(const point_input *pending, int64_t n, double interval,
                             farm_progress_fn progress, void *context, farm_outcome *out)
{
    double t0 = alfe_wall_time(), last = t0;
    int active = comm_size() - 1;
    int64_t next = 0;
    while (active > 0) {
        farm_request req;
        int source, tag;
        timer_start(TIMER_WAIT);
        size_t got = comm_recv_any(&req, sizeof req, &source, &tag);
        timer_stop(TIMER_WAIT);
        if (tag != COMM_TAG_REQUEST || got != sizeof req) {
            fprintf(stderr, "[rank 0] alfe: farm: unexpected message (tag %d, %zu bytes) from "
                            "rank %d\n", tag, got, source);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        if (req.row >= 0) {
            out->evaluated++;
            out->failed += req.status == POINT_FAILED;
        }
        if (req.stop)
            stopflag_raise(SIGTERM);
        if (stopflag_signal() || next >= n) {
            comm_send_bytes(source, COMM_TAG_RELEASE, NULL, 0);
            active--;
        } else {
            comm_send_bytes(source, COMM_TAG_ASSIGN, &pending[next], sizeof pending[next]);
            next++;
        }
        maybe_progress(progress, context, interval, t0, &last, out->evaluated, n, 0);
    }
    maybe_progress(progress, context, interval, t0, &last, out->evaluated, n, 1);
    out->stopped = next < n;
}

static void farm_worker(campaign *c, evaluator *ev, farm_outcome *out)
{
    farm_request req = {-1, 0, 0};
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
             double interval, farm_progress_fn progress, void *context, farm_outcome *out)
{
    memset(out, 0, sizeof *out);
    int status = ALFE_OK;
    if (comm_size() == 1)
        status = farm_serial(c, ev, pending, n_pending, interval, progress, context, out);
    else if (comm_rank() == 0)
        farm_coordinator(pending, n_pending, interval, progress, context, out);
    else
        farm_worker(c, ev, out);
    /* Workers may finish at different times: wait without spinning. */
    timer_start(TIMER_WAIT);
    comm_barrier_idle();
    timer_stop(TIMER_WAIT);
    comm_bcast_int(&out->stopped, 0);
    return status;
}
