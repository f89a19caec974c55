/* campaign_io.h — the campaign file: one parallel-HDF5 file per campaign
 * (schema: docs/campaign-file.md, format "alfe-campaign" 1.x).
 *
 * Collective operations (create, open, extend, new groups, attributes, flush,
 * close) happen on every rank with identical arguments, at round boundaries
 * only; a worker writes the rows it computed with independent I/O into rows
 * created at the round's start.  Every boundary that changes metadata is
 * guarded by a backup copy (FILE.bak) taken after a flush and removed after
 * the change is flushed, so a run killed at any moment leaves a file that the
 * next run can open (docs/restart.md).
 * Owns: HDF5 handles.  Must not call MPI except through comm.h. */
#ifndef ALFE_CAMPAIGN_IO_H
#define ALFE_CAMPAIGN_IO_H

#include "alfe/network/idnn_committee.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"
#include "alfe/base/timers.h"

#include <stdint.h>
#include <stdio.h>

/* The configuration (io/config.h), by pointer only: criteria that include
 * this header for round_record do not see the configuration. */
struct alfe_config;

#define CAMPAIGN_FORMAT "alfe-campaign"
#define CAMPAIGN_FORMAT_MAJOR 1
#define CAMPAIGN_FORMAT_MINOR 1
#define ALFE_VERSION "0.1.0"

typedef struct campaign campaign;

enum round_state { ROUND_ABSENT = 0, ROUND_RUNNING = 1, ROUND_DONE = 2 };

/* What /rounds/NNNN records.  Identical on every rank when written. */
typedef struct {
    int32_t round;
    int32_t state;                     /* enum round_state */
    int64_t first_row, n_points;
    int64_t done, failed, pending;
    int64_t per_criterion[CRITERION_COUNT];
    double budget[CRITERION_COUNT];    /* points requested per criterion */
    double weight[CRITERION_COUNT];    /* criterion weights used */
    uint64_t sobol_index_end;          /* Sobol sequence position after this round */
    double seconds_acquire, seconds_evaluate, seconds_total;
    double points_per_second;
    char started[32], finished[32];
    /* After training (NaN / 0 while no network is configured): μ mean squared
     * error (eV², over points and components) on all usable rows, on this
     * round's new rows with the previous round's committee (before
     * retraining: honest generalisation), and on the configured test set. */
    double mse_all, mse_new, mse_test;
    int64_t n_train;                   /* usable rows the committee trained on */
    int64_t n_excluded;                /* done rows left out: not converged or non-finite */
    double seconds_train;
} round_record;


typedef struct {
    char started[32], finished[32];
    int32_t ranks;
    char exit_reason[64];              /* complete | signal | invalid */
    int64_t points_evaluated;
    double timer_min[TIMER_COUNT], timer_avg[TIMER_COUNT], timer_max[TIMER_COUNT];
} run_record;

/* Silence HDF5's own error printing (alfe reports errors itself). */
void campaign_library_init(void);

/* Rank 0 only, before the collective open: restore FILE.bak if a run died
 * inside a boundary; check an existing file is an alfe campaign of a known
 * major version, written with compatible fixed keys and the same Q.
 * *exists is set to 1 when the file exists. */
int campaign_check_existing(const char *path, const struct alfe_config *cfg, int *exists);

/* Rank 0: take an exclusive lock (FILE.lock) held until campaign_unlock or exit. */
int campaign_lock(const char *path);
/* Release it.  FILE.lock itself stays: removing it could let two runs hold
 * locks on different files (one opened before the unlink). */
void campaign_unlock(void);

/* Collective: create a new file (atomically: built as FILE.partial, renamed). */
int campaign_create(const char *path, const struct alfe_config *cfg, const domain *dom,
                    campaign **out);
/* Collective: open an existing file for reading and writing. */
int campaign_open(const char *path, const struct alfe_config *cfg, campaign **out);
/* Collective. */
int campaign_close(campaign **c);

int64_t campaign_row_count(const campaign *c);
/* Number of /rounds/NNNN groups and the record of one of them. */
int campaign_round_count(const campaign *c);
int campaign_read_round(campaign *c, int round, round_record *rec);

/* Collective round start: extend /points by n rows, rank 0 writes the inputs
 * (only rank 0's `inputs` is read), create /rounds/NNNN with state running.
 * The record must be identical on every rank. */
int campaign_append_round(campaign *c, const point_input *inputs, int64_t n,
                          const round_record *rec);
/* Any rank, independent: read rows [first, first+n) as inputs and statuses. */
int campaign_read_inputs(campaign *c, int64_t first, int64_t n, point_input *inputs,
                         int32_t *status);
/* Any rank, independent: read results of rows [first, first+n). */
int campaign_read_results(campaign *c, int64_t first, int64_t n, point_result *results);
/* Any rank, independent: write one row's result; status goes last. */
int campaign_write_result(campaign *c, int64_t row, const point_result *res);
/* Any rank: the models of /models/NNNN through the open file (*out = NULL
 * and ALFE_OK when the round has none). */
int campaign_read_models(campaign *c, int round, idnn_committee **out);

/* Collective round end (or any update of its record).  When models is not
 * NULL it is written as /models/NNNN in the same protected boundary (every
 * rank passes the same models). */
int campaign_update_round(campaign *c, const round_record *rec,
                          const idnn_committee *models);
/* Collective: append /runs/NNNN. */
int campaign_write_run(campaign *c, const run_record *run, const char *config_text,
                       const char *build_info);
/* Collective. */
int campaign_flush(campaign *c);

/* `alfe info`: serial, read-only summary. */
int campaign_print_info(const char *path, FILE *out);

#endif
