/* coordinator.c — `alfe run`: the round loop, read like the algorithm.
 *
 *   load the committee of the last finished round          [collective]
 *   for each round not done (unless the [stop] rule ended the campaign):
 *       the criteria's inputs: pool predictions, rows,      [collective]
 *         weights (active.c)
 *       acquire its points (rank 0) and create its rows    [collective]
 *       hand out its pending rows to the workers            [farm]
 *       train the committee on every usable row             [collective]
 *       the [stop] rule on the round's metrics              [every rank]
 *       record the round as done, with its models           [collective]
 *   validate, write the run record, close
 *
 * Owns: round bookkeeping and the run record.  A round whose rows exist is
 * never acquired again, so resuming redoes exactly the pending rows. */
#include "alfe/run/coordinator.h"

#include "alfe/acquire/acquire.h"
#include "alfe/io/campaign_guard.h"
#include "alfe/run/metrics.h"
#include "alfe/io/campaign_io.h"
#include "alfe/base/comm.h"
#include "alfe/io/config.h"
#include "alfe/space/domain.h"
#include "alfe/base/error.h"
#include "alfe/run/active.h"
#include "alfe/run/evaluate.h"
#include "alfe/run/farm.h"
#include "alfe/run/learn.h"
#include "alfe/run/system.h"
#include "alfe/base/log.h"
#include "alfe/base/rng.h"
#include "alfe/base/stopflag.h"
#include "alfe/base/timers.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const alfe_config *cfg;
    int round;
} progress_context;

static void print_progress(void *context, int64_t done, int64_t total, double seconds)
{
    const progress_context *pc = context;
    double rate = seconds > 0 ? (double)done / seconds : 0.0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0.0;
    log_line("round %d (%d of %d) evaluate: %lld/%lld points (%.0f%%), %.1f points/s, ETA %.0f s",
             pc->round, pc->round + 1, pc->cfg->rounds, (long long)done, (long long)total,
             total ? 100.0 * (double)done / (double)total : 100.0, rate, eta);
}

static void build_info(char *buf, size_t size)
{
    char mpi[256], hdf5[64];
    comm_library_version(mpi, sizeof mpi);
    campaign_library_version(hdf5, sizeof hdf5);
    snprintf(buf, size, "alfe %s (git %s); gcc %s; flags %s; %s; %s", ALFE_VERSION,
             ALFE_GIT_COMMIT, __VERSION__, ALFE_BUILD_FLAGS, hdf5, mpi);
}

/* Order-independent checksum of the done rows and the exact identity
 * μ = −2φ(⟨η⟩ − κ) that every evaluator must satisfy.  Rank 0. */
static int validate_rows(campaign *c, const alfe_config *cfg, int *valid)
{
    int64_t n = campaign_row_count(c);
    const int d = cfg->dimension;
    point_input *in = ALFE_MALLOC(sizeof *in * (size_t)(n ? n : 1));
    point_result *res = ALFE_MALLOC(sizeof *res * (size_t)(n ? n : 1));
    int32_t *status = ALFE_MALLOC(sizeof *status * (size_t)(n ? n : 1));
    int rc = campaign_read_inputs(c, 0, n, in, status);
    if (rc == ALFE_OK)
        rc = campaign_read_results(c, 0, n, res);
    if (rc != ALFE_OK) {
        free(in);
        free(res);
        free(status);
        return rc;
    }
    int64_t count[3] = {0, 0, 0};
    uint64_t checksum = 0;
    double worst = 0.0, worst_sigma = 0.0, worst_exact = 0.0;
    for (int64_t r = 0; r < n; r++) {
        if (status[r] >= 0 && status[r] <= 2)
            count[status[r]]++;
        if (status[r] != POINT_DONE)
            continue;
        uint64_t h = (uint64_t)r;
        for (int j = 0; j < d; j++) {
            uint64_t bits[2];
            memcpy(&bits[0], &res[r].eta_mean[j], 8);
            memcpy(&bits[1], &res[r].mu[j], 8);
            h ^= rng_splitmix64(&bits[0]);
            h ^= rng_splitmix64(&bits[1]) * 3;
            double identity = -2.0 * in[r].phi[j] * (res[r].eta_mean[j] - in[r].kappa[j]);
            double diff = fabs(identity - res[r].mu[j]);
            worst = fmax(worst, diff);
            if (res[r].mu_stderr[j] > 0)
                worst_sigma = fmax(worst_sigma, diff / res[r].mu_stderr[j]);
            else
                worst_exact = fmax(worst_exact, diff); /* a component without noise */
        }
        checksum += rng_splitmix64(&h);
    }
    /* Noise-free rows must satisfy the identity to rounding; noisy rows
     * within 10 standard errors. */
    int noisy = 0;
    for (int j = 0; j < cfg->dimension; j++)
        noisy |= cfg->oracle_noise[j] > 0;
    int ok = noisy ? worst_sigma < 10.0 && worst_exact < 1e-9 : worst < 1e-9;
    log_line("validation: %lld rows (done %lld, failed %lld, pending %lld); checksum "
             "0x%016llx; mu = -2 phi (eta_mean - kappa): max |difference| %.3g eV%s -> %s",
             (long long)n, (long long)count[1], (long long)count[2], (long long)count[0],
             (unsigned long long)checksum, worst,
             noisy ? " (noisy oracle: checked in units of mu_stderr)" : "",
             ok ? "Valid" : "INVALID");
    *valid = ok;
    free(in);
    free(res);
    free(status);
    return ALFE_OK;
}

/* Rank 0: the round's pending rows (status pending) from the file. */
static int read_pending(campaign *c, const round_record *rec, point_input **pending,
                        int64_t *n_pending)
{
    *pending = NULL;
    *n_pending = 0;
    if (comm_rank() != 0 || rec->n_points == 0)
        return ALFE_OK;
    point_input *rows = ALFE_MALLOC(sizeof *rows * (size_t)rec->n_points);
    int32_t *status = ALFE_MALLOC(sizeof *status * (size_t)rec->n_points);
    int rc = campaign_read_inputs(c, rec->first_row, rec->n_points, rows, status);
    int64_t k = 0;
    for (int64_t i = 0; rc == ALFE_OK && i < rec->n_points; i++) {
        if (status[i] == POINT_PENDING) {
            rows[k] = rows[i];
            rows[k].row = rec->first_row + i;
            k++;
        }
    }
    free(status);
    if (rc != ALFE_OK) {
        free(rows);
        return rc;
    }
    *pending = rows;
    *n_pending = k;
    return ALFE_OK;
}

/* Rank 0: count statuses of a round from its rows. */
static int count_round(campaign *c, round_record *rec)
{
    if (rec->n_points == 0)
        return ALFE_OK;
    point_input *rows = ALFE_MALLOC(sizeof *rows * (size_t)rec->n_points);
    int32_t *status = ALFE_MALLOC(sizeof *status * (size_t)rec->n_points);
    int rc = campaign_read_inputs(c, rec->first_row, rec->n_points, rows, status);
    rec->done = rec->failed = rec->pending = 0;
    for (int64_t i = 0; rc == ALFE_OK && i < rec->n_points; i++) {
        rec->done += status[i] == POINT_DONE;
        rec->failed += status[i] == POINT_FAILED;
        rec->pending += status[i] == POINT_PENDING;
    }
    free(rows);
    free(status);
    return rc;
}

/* ---- A rank that falls silent outside the farm (comm.h "watched phases") --
 * The farm watches the workers while points are evaluated (farm.c).  The
 * acquisition (pool predictions over the ranks), the committee's training
 * and the round boundaries are collective: there comm.c's watch asks the
 * ranks while rank 0 waits in a collective call, and calls on_silence for a
 * rank that does not answer.  Past [run] worker_timeout_seconds the run
 * stops as in the farm: the file is consistent at every such point (see
 * watch_consequence), rank 0 says so and ends the job with exit 3. */
enum watch_kind { WATCH_NONE, WATCH_ACQUIRE, WATCH_TRAIN, WATCH_BOUNDARY, WATCH_BOUNDARY_DONE };

static struct {
    const alfe_config *cfg;
    const char *config_path;
    enum watch_kind kind;
    int round;
} watch_state;

static void watch_phase(enum watch_kind kind, const alfe_config *cfg, int round)
{
    watch_state.kind = kind;
    watch_state.round = round;
    char text[160];
    const char *what = kind == WATCH_ACQUIRE ? "the acquisition of round"
                       : kind == WATCH_TRAIN ? "the training of round"
                                             : "the round boundary of round";
    snprintf(text, sizeof text, "%s %d (%d of %d)%s", what, round, round + 1, cfg->rounds,
             kind == WATCH_BOUNDARY        ? ", creating its rows"
             : kind == WATCH_BOUNDARY_DONE ? ", recording it as done with its models"
                                           : "");
    comm_watch_phase(kind == WATCH_NONE ? NULL : text,
                     kind == WATCH_BOUNDARY || kind == WATCH_BOUNDARY_DONE);
}

/* Why the file is consistent when rank 0 stops in this phase. */
static const char *watch_consequence(enum watch_kind kind)
{
    switch (kind) {
    case WATCH_ACQUIRE:
        return "nothing of the round was written yet: the campaign %s is consistent and a "
               "resume acquires round %d again (the same points).";
    case WATCH_TRAIN:
        return "training writes nothing to the file: the campaign %s is consistent, round %d "
               "keeps its rows and stays running, and a resume trains it again from the "
               "previous round's stored committee.";
    case WATCH_BOUNDARY:
        return "the boundary is protected by its backup: the campaign %s is either untouched "
               "or restored from %s.bak by the resume, which creates round %d's rows again "
               "(the same points).";
    default:
        return "the boundary is protected by its backup: the campaign %s is either untouched "
               "or restored from %s.bak by the resume, which trains round %d again (its rows "
               "stay) and records it.";
    }
}

static void on_silence(const comm_silence *x, void *context)
{
    (void)context;
    const alfe_config *cfg = watch_state.cfg;
    char what[640];
    if (x->rank >= 0)
        snprintf(what, sizeof what, "rank %d (host %s) silent for %.1f s during %s: it has "
                 "not answered since rank 0 began waiting for it in a collective call",
                 x->rank, x->host && x->host[0] ? x->host : "unknown", x->silent, x->phase);
    else
        snprintf(what, sizeof what, "a rank silent for %.1f s during %s: rank 0 has waited "
                 "that long inside the file's collective I/O (HDF5), where the ranks cannot be "
                 "asked which one is missing (or the file system is that slow)",
                 x->silent, x->phase);
    if (!x->timed_out) {
        farm_warn_silent(what, cfg->worker_timeout_seconds);
        return;
    }
    char consequence[1024];
    if (watch_state.kind == WATCH_BOUNDARY || watch_state.kind == WATCH_BOUNDARY_DONE)
        snprintf(consequence, sizeof consequence, watch_consequence(watch_state.kind),
                 cfg->output, cfg->output, watch_state.round);
    else
        snprintf(consequence, sizeof consequence, watch_consequence(watch_state.kind),
                 cfg->output, watch_state.round);
    log_line("stopped: %s, more than [run] worker_timeout_seconds = %g", what,
             cfg->worker_timeout_seconds);
    log_line("%s The silent rank cannot take part in closing the file, so the job ends with "
             "MPI_Abort, exit status %d (stopped; resume). Resume with: alfe run %s",
             consequence, ALFE_EXIT_RESUME, watch_state.config_path);
    fprintf(stderr, "alfe: stopped: %s; the campaign is resumable: alfe run %s (exit %d)\n",
            what, watch_state.config_path, ALFE_EXIT_RESUME);
    log_close();
    campaign_unlock();
    comm_abort(ALFE_EXIT_RESUME);
}

/* Collective, once the session is open. */
static void watch_start(const alfe_config *cfg, const char *config_path)
{
    watch_state.cfg = cfg;
    watch_state.config_path = config_path;
    watch_state.kind = WATCH_NONE;
    comm_watch_set(cfg->worker_warn_seconds, cfg->worker_timeout_seconds, on_silence, NULL);
}

static int start_round(campaign *c, const alfe_system *sys, learner *l,
                       idnn_committee *mu_model, int round, round_record *rec)
{
    const alfe_config *cfg = sys->cfg;
    const domain *dom = sys->dom;
    uint64_t sobol_index = 0;
    if (round > 0) {
        round_record previous;
        ALFE_CHECK(campaign_read_round(c, round - 1, &previous));
        sobol_index = previous.sobol_index_end;
    }
    memset(rec, 0, sizeof *rec);
    rec->round = round;
    rec->state = ROUND_RUNNING;
    rec->mse_all = rec->mse_new = rec->mse_test = NAN;
    rec->first_row = campaign_row_count(c);
    point_input *inputs = NULL;
    acquire_settings settings;
    system_acquire_settings(sys, &settings);
    /* The criteria's inputs: pool predictions over every rank, rows, weights. */
    watch_phase(WATCH_ACQUIRE, cfg, round);
    timer_start(TIMER_ACQUIRE);
    double t0 = alfe_wall_time();
    active_inputs *active = NULL;
    int status = active_inputs_build(sys, &settings, c, l, round, &active);
    if (status == ALFE_OK && comm_rank() == 0) {
        status = acquire_round(&settings, dom, round, rec->first_row, sobol_index, mu_model,
                               active_context(active), &inputs, &rec->n_points, rec);
        rec->pending = rec->n_points;
        alfe_timestamp(rec->started, sizeof rec->started);
    }
    active_inputs_destroy(&active);
    rec->seconds_acquire = alfe_wall_time() - t0;
    timer_stop(TIMER_ACQUIRE);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    comm_bcast_bytes(rec, sizeof *rec, 0);
    char what[512] = "";
    size_t used = 0;
    for (int k = 0; k < CRITERION_COUNT; k++)
        if (rec->per_criterion[k] > 0 && used < sizeof what)
            used += (size_t)snprintf(what + used, sizeof what - used, "%s%s %lld",
                                     used ? ", " : "", criterion_names[k],
                                     (long long)rec->per_criterion[k]);
    log_line("round %d (%d of %d) acquire: %lld points (%s) in %.3f s", round, round + 1,
             cfg->rounds,
             (long long)rec->n_points, used ? what : "none", rec->seconds_acquire);
    watch_phase(WATCH_BOUNDARY, cfg, round);
    timer_start(TIMER_BOUNDARY);
    status = campaign_append_round(c, inputs, rec->n_points, rec);
    timer_stop(TIMER_BOUNDARY);
    watch_phase(WATCH_NONE, cfg, round);
    free(inputs);
    return status;
}

/* The targeting guess μ̂: an oracle network knows its own μ (exact
 * targeting, so a benchmark measures learning, not targeting); otherwise the
 * committee once trained; otherwise ideal mixing (NULL). */
static idnn_committee *targeting_model(const evaluator *ev, const learner *l)
{
    idnn_committee *network = evaluator_network(ev);
    return network ? network : learner_models(l);
}

/* Whether the [stop] rule ends the campaign after the round of rec. */
static int stop_due(const alfe_config *cfg, campaign *c, const round_record *rec, char *reason,
                    size_t size)
{
    int status = comm_agree_status(active_stop_reason(cfg, c, rec, reason, size));
    if (status != ALFE_OK)
        return status;
    comm_bcast_bytes(reason, size, 0);
    return ALFE_OK;
}

static int run_rounds(campaign *c, const alfe_system *sys, evaluator *ev, learner *l,
                      int64_t *evaluated_here, int *stopped, char *stop_reason, size_t size,
                      farm_outcome *abandoned)
{
    const alfe_config *cfg = sys->cfg;
    *stopped = 0;
    stop_reason[0] = '\0';
    int resumed = 0;
    for (int round = 0; round < cfg->rounds; round++) {
        round_record rec;
        ALFE_CHECK(campaign_read_round(c, round, &rec));
        if (rec.state == ROUND_DONE)
            continue;
        if (!resumed && round > 0) {
            /* A campaign stopped by its rule stays stopped (the rule is
             * re-evaluated with the present [stop] keys). */
            round_record last;
            ALFE_CHECK(campaign_read_round(c, round - 1, &last));
            ALFE_CHECK(stop_due(cfg, c, &last, stop_reason, size));
            if (stop_reason[0]) {
                log_line("campaign stopped after round %d (%d of %d) by the [stop] rule: %s",
                         round - 1, round, cfg->rounds, stop_reason);
                return ALFE_OK;
            }
        }
        if (!resumed) {
            /* The committee of the last finished round, for warm start and
             * targeting (none stored: fresh). */
            ALFE_CHECK(comm_agree_status(learner_load(l, c, round - 1)));
            resumed = 1;
        }
        /* A signal during setup or the previous boundary: stop before
         * starting more work (decided together: signals reach ranks apart). */
        if (comm_allreduce_max_int(stopflag_signal() != 0)) {
            *stopped = 1;
            return ALFE_OK;
        }
        if (rec.state == ROUND_ABSENT)
            ALFE_CHECK(start_round(c, sys, l, targeting_model(ev, l), round, &rec));
        point_input *pending = NULL;
        int64_t n_pending = 0;
        ALFE_CHECK(comm_agree_status(read_pending(c, &rec, &pending, &n_pending)));
        if (rec.n_points > 0 && comm_rank() == 0)
            log_line("round %d (%d of %d) evaluate: %lld of %lld points pending on %d rank%s",
                     round, round + 1, cfg->rounds, (long long)n_pending, (long long)rec.n_points,
                     comm_size(), comm_size() > 1 ? "s (1 coordinator)" : "");
        progress_context pc = {cfg, round};
        farm_outcome outcome;
        double t0 = alfe_wall_time();
        farm_settings fs = {cfg->progress_seconds, cfg->worker_warn_seconds,
                            cfg->worker_timeout_seconds};
        int status = farm_run(c, ev, pending, n_pending, &fs, print_progress, &pc, &outcome);
        free(pending);
        ALFE_CHECK(status);
        if (outcome.abandoned) { /* rank 0 only; the caller ends the job */
            *abandoned = outcome;
            return ALFE_OK;
        }
        *evaluated_here += outcome.evaluated_here;
        if (comm_rank() == 0) {
            rec.seconds_evaluate += alfe_wall_time() - t0;
            ALFE_CHECK(count_round(c, &rec));
        }
        if (outcome.stopped) {
            *stopped = 1;
            return ALFE_OK;
        }
        watch_phase(WATCH_TRAIN, cfg, round);
        if (l) {
            timer_start(TIMER_TRAIN);
            status = learner_train_round(l, c, round, &rec);
            timer_stop(TIMER_TRAIN);
            ALFE_CHECK(status);
        }
        ALFE_CHECK(stop_due(cfg, c, &rec, stop_reason, size));
        snprintf(rec.stop_reason, sizeof rec.stop_reason, "%s", stop_reason);
        if (comm_rank() == 0) {
            rec.state = ROUND_DONE;
            rec.seconds_total = rec.seconds_acquire + rec.seconds_evaluate + rec.seconds_train;
            rec.points_per_second =
                rec.seconds_evaluate > 0 ? (double)rec.n_points / rec.seconds_evaluate : 0.0;
            alfe_timestamp(rec.finished, sizeof rec.finished);
        }
        comm_bcast_bytes(&rec, sizeof rec, 0);
        watch_phase(WATCH_BOUNDARY_DONE, cfg, round);
        timer_start(TIMER_BOUNDARY);
        status = campaign_update_round(c, &rec, learner_models(l));
        timer_stop(TIMER_BOUNDARY);
        watch_phase(WATCH_NONE, cfg, round);
        ALFE_CHECK(status);
        log_line("round %d (%d of %d) done: %lld points (%lld done, %lld failed) in %.2f s", round, round + 1,
                 cfg->rounds, (long long)rec.n_points, (long long)rec.done,
                 (long long)rec.failed, rec.seconds_total);
        if (stop_reason[0]) {
            log_line("campaign stopped after round %d (%d of %d) by the [stop] rule: %s", round,
                     round + 1, cfg->rounds, stop_reason);
            return ALFE_OK;
        }
    }
    return ALFE_OK;
}

static void print_timer_table(const run_record *run)
{
    log_line("%-10s %10s %10s %10s   (seconds over %d rank%s)", "timer", "min", "avg", "max",
             run->ranks, run->ranks == 1 ? "" : "s");
    for (int t = 0; t < TIMER_COUNT; t++)
        log_line("%-10s %10.3f %10.3f %10.3f", run_timer_names[t], run->timer_min[t],
                 run->timer_avg[t], run->timer_max[t]);
}

/* What `alfe run` and `alfe train` share: the configuration, the system
 * built from it, the locked and opened campaign, the evaluator and the
 * learner. */
typedef struct {
    alfe_config *cfg;
    alfe_system *sys;
    const domain *dom;          /* the system's */
    int exists;
    evaluator *ev;
    learner *l;
    campaign *c;
    region_set *regions;        /* [metrics] regions, or NULL */
    run_record run;
} session;

enum session_mode { SESSION_RUN, SESSION_TRAIN };

/* Collective.  SESSION_TRAIN needs an existing campaign and a network. */
static int session_open(const char *config_path, enum session_mode mode, session *s)
{
    memset(s, 0, sizeof *s);
    alfe_timestamp(s->run.started, sizeof s->run.started);
    s->run.ranks = comm_size();
    ALFE_CHECK(config_load_collective(config_path, &s->cfg));
    const alfe_config *cfg = s->cfg;
    int status = system_create_collective(cfg, &s->sys);
    if (status == ALFE_OK)
        s->dom = s->sys->dom;
    /* [metrics] regions of a new campaign: made (and bad region files
     * refused) before anything is written, the lock file included. */
    region_set *made = NULL;
    if (status == ALFE_OK && comm_rank() == 0 && access(cfg->output, F_OK) != 0)
        status = metrics_make_regions(s->sys, 0, &made);
    status = comm_agree_status(status);
    if (status == ALFE_OK && comm_rank() == 0) {
        status = campaign_lock(cfg->output);
        if (status == ALFE_OK)
            status = campaign_check_existing(cfg->output, cfg, &s->exists);
        if (status == ALFE_OK && mode == SESSION_TRAIN && !s->exists)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no campaign to retrain (run `alfe run %s` "
                                               "first)", cfg->output, config_path);
    }
    status = comm_agree_status(status);
    comm_bcast_int(&s->exists, 0);
    if (status == ALFE_OK && mode == SESSION_RUN)
        status = comm_agree_status(evaluator_create(s->sys, &s->ev));
    if (status == ALFE_OK)
        status = learner_create(cfg, s->sys->inv, &s->l);
    if (status == ALFE_OK && mode == SESSION_TRAIN && !s->l)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: [network] invariants is not set: there is no "
                                           "network to train", config_path);
    if (status == ALFE_OK)
        status = s->exists ? campaign_open(cfg->output, cfg, &s->c)
                           : campaign_create(cfg->output, cfg, s->dom, &s->c);
    if (status == ALFE_OK) {
        status = metrics_campaign_regions(s->sys, s->c, made, &s->regions);
        made = NULL;
        learner_set_regions(s->l, s->regions);
    }
    region_set_destroy(&made);
    if (status == ALFE_OK) {
        char log_path[4096];
        snprintf(log_path, sizeof log_path, "%s.log", cfg->output);
        status = comm_agree_status(log_open(log_path));
    }
    if (status == ALFE_OK) {
        log_raw("--- configuration used ---\n");
        log_raw(cfg->canonical);
        log_raw("--- end of configuration ---\n");
    }
    return status;
}

/* Collective: the run record (timers over ranks, build, configuration). */
static int session_write_run(session *s, const char *exit_reason, int64_t evaluated_here)
{
    timer_stop(TIMER_TOTAL);
    double local[TIMER_COUNT];
    for (int t = 0; t < TIMER_COUNT; t++)
        local[t] = timer_seconds(t);
    run_record *run = &s->run;
    comm_allreduce_min_avg_max(local, TIMER_COUNT, run->timer_min, run->timer_avg,
                               run->timer_max);
    run->points_evaluated = comm_allreduce_sum_i64(evaluated_here);
    snprintf(run->exit_reason, sizeof run->exit_reason, "%s", exit_reason);
    alfe_timestamp(run->finished, sizeof run->finished);
    comm_bcast_bytes(run, sizeof *run, 0);
    char build[1024];
    build_info(build, sizeof build);
    comm_bcast_bytes(build, sizeof build, 0);
    int status = campaign_write_run(s->c, run, s->cfg->canonical, build);
    print_timer_table(run);
    return status;
}

static int session_close(session *s, int status)
{
    int close_status = campaign_close(&s->c);
    if (status == ALFE_OK)
        status = close_status;
    log_close();
    if (comm_rank() == 0)
        campaign_unlock();
    learner_destroy(&s->l);
    region_set_destroy(&s->regions);
    evaluator_destroy(&s->ev);
    system_destroy(&s->sys);
    config_destroy(&s->cfg);
    return status;
}

/* Rank 0, when a worker was given up for silence (farm.h): no collective
 * can complete, so the file cannot be closed the normal way.  It needs no
 * closing to be valid: between round boundaries nothing but raw rows is
 * written (independent I/O, straight to the file; HDF5 caches no raw data
 * in parallel mode and no metadata is dirty), every live worker has written
 * its last row, and the round stays `running` with its unfinished rows
 * pending, exactly as after a kill -9 outside a boundary (docs/restart.md).
 * Rank 0 says so, flushes the log, releases the lock and ends the job with
 * MPI_Abort, which kills the stuck rank too (a SIGSTOPped process dies on
 * SIGKILL), so nothing waits for it. */
static void stop_abandoned(session *s, const char *config_path, const farm_outcome *outcome)
{
    log_line("stopped: %s", outcome->why);
    log_line("rows already written stay: the campaign %s is consistent and resumable (its "
             "round stays running, unfinished rows pending). The silent rank cannot take part "
             "in closing the file, so the job ends with MPI_Abort, exit status %d (stopped; "
             "resume). Resume with: alfe run %s",
             s->cfg->output, ALFE_EXIT_RESUME, config_path);
    fprintf(stderr, "alfe: stopped: %s; the campaign is resumable: alfe run %s (exit %d)\n",
            outcome->why, config_path, ALFE_EXIT_RESUME);
    log_close();
    campaign_unlock();
    comm_abort(ALFE_EXIT_RESUME);
}

int coordinator_run(const char *config_path)
{
    timer_start(TIMER_TOTAL);
    timer_start(TIMER_SETUP);
    session s;
    int status = session_open(config_path, SESSION_RUN, &s);
    timer_stop(TIMER_SETUP);
    const alfe_config *cfg = s.cfg;

    int stopped = 0, valid = 1;
    char stop_reason[32] = "";
    int64_t evaluated_here = 0;
    if (status == ALFE_OK) {
        log_line("%s campaign %s: %d round%s, model %s, d = %d, M = %d, T = %g K, %d rank%s",
                 s.exists ? "resuming" : "new", cfg->output, cfg->rounds,
                 cfg->rounds == 1 ? "" : "s",
                 cfg->model == MODEL_ORACLE ? "oracle" : "clex", cfg->dimension, cfg->q_m,
                 cfg->temperature, comm_size(), comm_size() > 1 ? "s" : "");
        farm_outcome abandoned;
        memset(&abandoned, 0, sizeof abandoned);
        watch_start(cfg, config_path);
        status = run_rounds(s.c, s.sys, s.ev, s.l, &evaluated_here, &stopped, stop_reason,
                            sizeof stop_reason, &abandoned);
        watch_phase(WATCH_NONE, cfg, 0);
        if (abandoned.abandoned)
            stop_abandoned(&s, config_path, &abandoned);
    }
    if (status == ALFE_OK && comm_rank() == 0)
        status = validate_rows(s.c, cfg, &valid);
    if (status == ALFE_OK) {
        status = comm_agree_status(status);
        comm_bcast_int(&valid, 0);
    }
    if (status == ALFE_OK) {
        status = session_write_run(&s, stopped          ? "signal"
                                        : !valid         ? "invalid"
                                        : stop_reason[0] ? stop_reason
                                                         : "complete",
                                   evaluated_here);
        const run_record *run = &s.run;
        log_line("%lld points evaluated in %.2f s: %.1f points/s", (long long)run->points_evaluated,
                 run->timer_max[TIMER_TOTAL],
                 run->timer_max[TIMER_TOTAL] > 0
                     ? (double)run->points_evaluated / run->timer_max[TIMER_TOTAL] : 0.0);
        if (stopped)
            log_line("stopped by %s: points in flight were finished and written. Resume with: "
                     "alfe run %s", stopflag_signal_name(stopflag_signal()), config_path);
        else if (stop_reason[0])
            log_line("campaign %s: stopped by the [stop] rule (%s)", cfg->output, stop_reason);
        else
            log_line("campaign %s: %d round%s done (numbered 0 to %d)", cfg->output, cfg->rounds,
                     cfg->rounds == 1 ? "" : "s", cfg->rounds - 1);
    }
    status = session_close(&s, status);
    if (status == ALFE_OK && !valid)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "validation failed (see the validation line)");
    return status;
}

int coordinator_train(const char *config_path)
{
    timer_start(TIMER_TOTAL);
    timer_start(TIMER_SETUP);
    session s;
    int status = session_open(config_path, SESSION_TRAIN, &s);
    timer_stop(TIMER_SETUP);
    /* The latest finished round: its committee is retrained from the rows of
     * rounds 0..r, starting (warm start) from round r−1's stored models. */
    int latest = -1;
    round_record rec;
    for (int r = 0; status == ALFE_OK && r < campaign_round_count(s.c); r++) {
        status = campaign_read_round(s.c, r, &rec);
        if (status == ALFE_OK && rec.state == ROUND_DONE)
            latest = r;
    }
    if (status == ALFE_OK && latest < 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no finished round to train on", s.cfg->output);
    status = comm_agree_status(status);
    if (status == ALFE_OK)
        status = campaign_read_round(s.c, latest, &rec);
    if (status == ALFE_OK)
        status = comm_agree_status(learner_load(s.l, s.c, latest - 1));
    if (status == ALFE_OK) {
        log_line("retraining round %d (%d of %d) of %s", latest, latest + 1, s.cfg->rounds, s.cfg->output);
        timer_start(TIMER_TRAIN);
        status = learner_train_round(s.l, s.c, latest, &rec);
        timer_stop(TIMER_TRAIN);
    }
    if (status == ALFE_OK) {
        timer_start(TIMER_BOUNDARY);
        status = campaign_update_round(s.c, &rec, learner_models(s.l));
        timer_stop(TIMER_BOUNDARY);
    }
    if (status == ALFE_OK)
        status = session_write_run(&s, "train", 0);
    return session_close(&s, status);
}
