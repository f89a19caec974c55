/* campaign_info.c — `alfe info`: a serial, read-only summary of a campaign
 * file.  Counts come from the rows themselves (a running round's record is
 * stale until the round ends), so the summary is right after a kill too.
 * Owns: the summary's layout.  Must not write to the file or call MPI. */
#include "alfe/io/campaign_info.h"

#include "campaign_internal.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/campaign_io.h"
#include "alfe/io/campaign_sandbox.h"
#include "alfe/io/h5util.h"
#include "alfe/space/point.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Rows [first, first+n) of a 1-D integer column as int32; -1 on failure. */
static int read_i32_rows(hid_t file, const char *name, int64_t first, int64_t n, int32_t *v)
{
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    if (ds < 0)
        return -1;
    hid_t fs = H5Dget_space(ds);
    hsize_t start[1] = {(hsize_t)first}, count[1] = {(hsize_t)n};
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(1, count, NULL);
    herr_t r = H5Dread(ds, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, v);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(ds);
    return r < 0 ? -1 : 0;
}

/* The "campaign", "format" and "system" lines. */
static void print_header(hid_t file, const char *path, FILE *out)
{
    char version[32] = "", alfe_version[32] = "", created[32] = "", model[32] = "";
    int64_t d = 0, m = 0;
    uint64_t seed = 0;
    double temperature = NAN;
    h5u_attr_read_string(file, "format_version", version, sizeof version);
    h5u_attr_read_string(file, "alfe_version", alfe_version, sizeof alfe_version);
    h5u_attr_read_string(file, "created", created, sizeof created);
    h5u_attr_read_numeric(file, "dimension", H5T_NATIVE_INT64, &d);
    h5u_attr_read_numeric(file, "sublattices", H5T_NATIVE_INT64, &m);
    h5u_attr_read_numeric(file, "seed", H5T_NATIVE_UINT64, &seed);
    hid_t sys = H5Gopen2(file, "system", H5P_DEFAULT);
    if (sys >= 0) {
        h5u_attr_read_string(sys, "model", model, sizeof model);
        h5u_attr_read_numeric(sys, "temperature", H5T_NATIVE_DOUBLE, &temperature);
        H5Gclose(sys);
    }
    fprintf(out, "campaign  %s\n", path);
    fprintf(out, "format    %s %s (written by alfe %s), created %s\n", CAMPAIGN_FORMAT, version,
            alfe_version, created);
    fprintf(out, "system    model %s, d = %lld order parameters, M = %lld sublattices, T = %g K, "
                 "seed %llu\n",
            model, (long long)d, (long long)m, temperature, (unsigned long long)seed);
}

/* Row counts of the whole table, summed over the rounds. */
typedef struct {
    int64_t done, failed, pending;
    int rounds_done;
} info_totals;

/* A μ MSE in a 10-character column; "—" when not measured (NaN). */
static void print_mse(double v, FILE *out)
{
    if (isfinite(v))
        fprintf(out, " %10.3g", v);
    else
        fprintf(out, " %9s\xe2\x80\x94", ""); /* "—": 3 bytes, 1 column */
}

/* One round's line: its record plus counts from the rows' status and
 * criterion columns ("global_billiard 800/800" = done / proposed); with
 * show_mse, the round's three μ MSE (eV² per prim cell², docs/campaign-file.md). */
static void print_round(hid_t file, int r, int show_mse, FILE *out, info_totals *totals)
{
    round_record rec;
    campaign_read_round_from(file, r, &rec);
    int64_t n = rec.n_points > 0 ? rec.n_points : 0;
    int32_t *crit = ALFE_MALLOC(sizeof(int32_t) * (size_t)n);
    int32_t *status = ALFE_MALLOC(sizeof(int32_t) * (size_t)n);
    if (n > 0 && read_i32_rows(file, "points/criterion", rec.first_row, n, crit) != 0)
        memset(crit, 0xff, sizeof(int32_t) * (size_t)n); /* no criterion known */
    int status_read = n > 0 && read_i32_rows(file, "points/status", rec.first_row, n, status) == 0;
    int64_t all_crit[CRITERION_COUNT] = {0}, done_crit[CRITERION_COUNT] = {0};
    int64_t done = 0, failed = 0;
    for (int64_t i = 0; i < n; i++) {
        int known = crit[i] >= 0 && crit[i] < CRITERION_COUNT;
        if (known)
            all_crit[crit[i]]++;
        if (status_read && status[i] == POINT_DONE) {
            done++;
            if (known)
                done_crit[crit[i]]++;
        } else if (status_read && status[i] == POINT_FAILED) {
            failed++;
        }
    }
    free(status);
    free(crit);
    int64_t pending = rec.n_points - done - failed;
    totals->done += done;
    totals->failed += failed;
    totals->pending += pending;
    totals->rounds_done += rec.state == ROUND_DONE;
    char crit_text[512] = "";
    size_t used = 0;
    for (int k = 0; k < CRITERION_COUNT; k++)
        if (all_crit[k] > 0)
            used += (size_t)snprintf(crit_text + used, sizeof crit_text - used,
                                     "%s%s %lld/%lld", used ? ", " : "", criterion_names[k],
                                     (long long)done_crit[k], (long long)all_crit[k]);
    fprintf(out, "%5d  %-8s %8lld %8lld %8lld %8lld %10.3f %10.3f %9.1f", r,
            campaign_round_state_name(rec.state), (long long)rec.n_points, (long long)done,
            (long long)failed, (long long)pending, rec.seconds_acquire, rec.seconds_evaluate,
            rec.points_per_second);
    if (show_mse) {
        print_mse(rec.mse_all, out);
        print_mse(rec.mse_new, out);
        print_mse(rec.mse_test, out);
    }
    fprintf(out, "  %s\n", crit_text);
}

/* The table of rounds and its "all" line; returns the number of rounds. */
static int print_rounds(hid_t file, FILE *out, info_totals *totals)
{
    hid_t rounds = H5Gopen2(file, "rounds", H5P_DEFAULT);
    H5G_info_t ginfo = {0};
    if (rounds >= 0) {
        H5Gget_info(rounds, &ginfo);
        H5Gclose(rounds);
    }
    /* The μ MSE columns only when some round measured one ([network]). */
    int show_mse = 0;
    for (int r = 0; r < (int)ginfo.nlinks && !show_mse; r++) {
        round_record rec;
        campaign_read_round_from(file, r, &rec);
        show_mse = isfinite(rec.mse_all) || isfinite(rec.mse_new) || isfinite(rec.mse_test);
    }
    fprintf(out, "\n%5s  %-8s %8s %8s %8s %8s %10s %10s %9s", "round", "state", "points", "done",
            "failed", "pending", "acquire_s", "evaluate_s", "points/s");
    if (show_mse)
        fprintf(out, " %10s %10s %10s", "mse_all", "mse_new", "mse_test");
    fprintf(out, "  %s\n", "per criterion");
    for (int r = 0; r < (int)ginfo.nlinks; r++)
        print_round(file, r, show_mse, out, totals);
    fprintf(out, "%5s  %-8s %8lld %8lld %8lld %8lld\n", "all", "",
            (long long)(totals->done + totals->failed + totals->pending),
            (long long)totals->done, (long long)totals->failed, (long long)totals->pending);
    if (show_mse)
        fprintf(out, "       rounds count from 0 (as the run log and predict --round); mu MSE in "
                     "eV^2 (per prim cell)^2:\n       mse_all all usable rows after training, "
                     "mse_new the round's rows before it, mse_test the test set; "
                     "\xe2\x80\x94 not measured\n");
    return (int)ginfo.nlinks;
}

/* The "runs" line: how many runs are recorded and how the last one ended. */
static void print_last_run(hid_t file, FILE *out)
{
    hid_t runs = H5Gopen2(file, "runs", H5P_DEFAULT);
    if (runs < 0)
        return;
    H5G_info_t rinfo = {0};
    H5Gget_info(runs, &rinfo);
    if (rinfo.nlinks > 0) {
        char name[32], reason[64] = "", finished[32] = "";
        int64_t ranks = 0;
        snprintf(name, sizeof name, "%04d", (int)rinfo.nlinks - 1);
        hid_t g = H5Gopen2(runs, name, H5P_DEFAULT);
        if (g >= 0) {
            h5u_attr_read_string(g, "exit_reason", reason, sizeof reason);
            h5u_attr_read_string(g, "finished", finished, sizeof finished);
            h5u_attr_read_numeric(g, "ranks", H5T_NATIVE_INT64, &ranks);
            H5Gclose(g);
        }
        fprintf(out, "\nruns      %d recorded; last: %s on %lld rank%s, finished %s\n",
                (int)rinfo.nlinks, reason, (long long)ranks, ranks == 1 ? "" : "s", finished);
    }
    H5Gclose(runs);
}

/* FILE.bak next to the file means a run stopped inside a protected change
 * (killed, or the disk filled up): the file may be half-written and the
 * backup holds the state before the change (docs/restart.md). */
static int backup_present(const char *path, char *bak, size_t size)
{
    campaign_sidecar_path(bak, size, path, ".bak");
    return access(bak, F_OK) == 0;
}

static int print_info(const char *path, FILE *out)
{
    int status;
    char bak[4096];
    int half = backup_present(path, bak, sizeof bak);
    hid_t file = campaign_open_readonly(path, &status);
    if (file < 0) {
        if (half) {
            char message[16384];
            snprintf(message, sizeof message,
                     "%.4000s; %s exists: a run stopped while changing the campaign (killed, or the "
                     "disk full) and left it half-written; the next `alfe run` restores the "
                     "backup (by hand: mv %s %s)", alfe_error_message(), bak, bak, path);
            alfe_error_set_message(status, message);
        }
        return status;
    }
    if (half)
        fprintf(out, "warning   %s may be half-written: %s exists, so a run stopped while "
                     "changing it (killed, or the disk full); the next `alfe run` restores the "
                     "backup first (by hand: mv %s %s). The file as it is now:\n",
                path, bak, bak, path);
    status = campaign_check_format(file, path);
    if (status == ALFE_OK)
        status = campaign_verify(file, path);
    if (status != ALFE_OK) {
        H5Fclose(file);
        return status;
    }
    int64_t requested = 0;
    h5u_attr_read_numeric(file, "rounds_requested", H5T_NATIVE_INT64, &requested);
    print_header(file, path, out);
    info_totals totals = {0, 0, 0, 0};
    int n_rounds = print_rounds(file, out, &totals);
    campaign_criteria_print(file, n_rounds, out);
    campaign_regions_print(file, n_rounds, out);
    print_last_run(file, out);
    /* A campaign stopped by its [stop] rule is complete once its last round
     * is done, whatever rounds it asked for. */
    char stopped[32];
    int stop = campaign_read_stop_reason(file, stopped, sizeof stopped) && totals.pending == 0 &&
               n_rounds > 0 && totals.rounds_done == n_rounds;
    int complete = (totals.rounds_done >= requested && totals.pending == 0 && requested > 0) ||
                   stop;
    fprintf(out, "status    %d of %lld rounds done: %s%s%s%s\n", totals.rounds_done,
            (long long)requested,
            half       ? "incomplete (half-written: the next `alfe run` restores FILE.bak)"
            : complete ? "complete"
                       : "incomplete (resume with: alfe run CONFIG)",
            stop ? " (stopped: " : "", stop ? stopped : "", stop ? ")" : "");
    H5Fclose(file);
    return ALFE_OK;
}

/* In the checking process: everything alfe info reads, printed nowhere. */
static int print_info_child(void *arg)
{
    FILE *null = fopen("/dev/null", "w");
    if (!null)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "/dev/null: cannot open");
    int status = print_info((const char *)arg, null);
    fclose(null);
    return status;
}

int campaign_print_info(const char *path, FILE *out)
{
    ALFE_CHECK(campaign_sandboxed(path, "campaign", print_info_child, (void *)path));
    return print_info(path, out);
}
