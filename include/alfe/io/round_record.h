/* round_record.h — the plain record of one round, as /rounds/NNNN stores it:
 * its rows, budgets and weights per criterion, the Sobol position, timings
 * and the learning metrics.  No functions: campaign_io.c reads and writes it,
 * acquire.c fills the proposal part, learn.c the metrics, coordinator.c the
 * rest.
 * Owns: the struct and enum round_state.  Must not include config, MPI or
 * HDF5 headers. */
#ifndef ALFE_ROUND_RECORD_H
#define ALFE_ROUND_RECORD_H

#include "alfe/space/point.h"

#include <stdint.h>

/* The most regions a round records (config.h CONFIG_MAX_REGIONS). */
#define ROUND_MAX_REGIONS 16

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
    /* Active learning, per criterion (docs/acquisition.md): candidates the
     * criterion proposed (before the filters; kept = per_criterion); at
     * training, the previous committee's mu MSE on the criterion's new rows
     * before training, its mean mu spread there (mean over rows and
     * components of the members' standard deviation) and the MSE after
     * training (NaN: no rows or no committee). */
    int64_t proposed[CRITERION_COUNT];
    double mse_before[CRITERION_COUNT];
    double spread_before[CRITERION_COUNT];
    double mse_after[CRITERION_COUNT];
    /* [metrics] regions (docs/campaign-file.md, /regions): the committee's
     * mu MSE after training on each region, in /regions order (NaN: no
     * committee or an empty region). */
    int32_t n_regions;
    char region_names[ROUND_MAX_REGIONS][32];
    double mse_region[ROUND_MAX_REGIONS];
    char reweight_rule[16];            /* rule that set the weights: none|surprise|improvement */
    char stop_reason[32];              /* "" or why the campaign stopped after this round */
} round_record;

#endif
