/* campaign_io.h — the campaign file: one parallel-HDF5 file per campaign
 * (schema: docs/campaign-file.md, format "alfe-campaign" 1.x): creating and
 * opening it, its rows, rounds, runs and models.  The lock, the backups and
 * the check of an existing file are in campaign_guard.h; `alfe info` in
 * campaign_info.h.
 *
 * Collective operations (create, open, extend, new groups, attributes, flush,
 * close) happen on every rank with identical arguments, at round boundaries
 * only; a worker writes the rows it computed with independent I/O into rows
 * created at the round's start.  Every boundary that changes metadata is
 * guarded by a backup copy (FILE.bak) taken after a flush and removed after
 * the change is flushed, so a run killed at any moment leaves a file that the
 * next run can open (docs/restart.md).
 * Owns: the file's HDF5 handles.  Must not call MPI except through comm.h. */
#ifndef ALFE_CAMPAIGN_IO_H
#define ALFE_CAMPAIGN_IO_H

#include "alfe/base/timers.h"
#include "alfe/io/round_record.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/space/domain.h"
#include "alfe/space/point.h"

#include <stddef.h>
#include <stdint.h>

/* The configuration (io/config.h), by pointer only: the file functions take
 * it, and this header stays free of config.h. */
struct alfe_config;

#define CAMPAIGN_FORMAT "alfe-campaign"
#define CAMPAIGN_FORMAT_MAJOR 1
#define CAMPAIGN_FORMAT_MINOR 3
/* The units attribute of /rounds/NNNN (1.2): one "name: unit" per numeric
 * attribute (docs/campaign-file.md). */
#define CAMPAIGN_ROUND_UNITS                                                                  \
    "round: dimensionless; first_row: dimensionless; n_points: dimensionless; "               \
    "done: dimensionless; failed: dimensionless; pending: dimensionless; "                    \
    "points_per_criterion: dimensionless; budget_per_criterion: dimensionless; "              \
    "weight_per_criterion: dimensionless; sobol_index_end: dimensionless; "                   \
    "seconds_acquire: s; seconds_evaluate: s; seconds_total: s; points_per_second: 1/s; "     \
    "mse_all: eV^2 (per prim cell)^2; mse_new_before_training: eV^2 (per prim cell)^2; "      \
    "mse_test: eV^2 (per prim cell)^2; n_train: dimensionless; n_excluded: dimensionless; "   \
    "seconds_train: s; proposed_per_criterion: dimensionless; "                               \
    "mse_before_per_criterion: eV^2 (per prim cell)^2; "                                      \
    "spread_before_per_criterion: eV per prim cell; "                                         \
    "mse_after_per_criterion: eV^2 (per prim cell)^2"
#define ALFE_VERSION "0.1.0"

typedef struct campaign campaign;

/* What /runs/NNNN records about one run of `alfe run`. */
typedef struct {
    char started[32], finished[32];
    int32_t ranks;
    char exit_reason[64];              /* see docs/campaign-file.md, /runs */
    int64_t points_evaluated;
    double timer_min[TIMER_COUNT], timer_avg[TIMER_COUNT], timer_max[TIMER_COUNT];
} run_record;

/* Silence HDF5's own error printing (alfe reports errors itself). */
void campaign_library_init(void);
/* "HDF5 major.minor.release" of the linked library (for the run record). */
void campaign_library_version(char *buf, size_t size);

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
/* Any rank, independent: the curvature of rows [first, first+n) from
 * /points/eta_cov, /points/hessian and /points/hessian_stderr, n × d × d
 * each (row-major; NaN: not measured, also for a file written before these
 * datasets; hessian_stderr inf: not estimated).  Any pointer may be NULL. */
int campaign_read_curvature(campaign *c, int64_t first, int64_t n, double *eta_cov,
                            double *hessian, double *hessian_stderr);
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

#endif
