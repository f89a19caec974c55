/* campaign_verify.c — the check of a campaign file at every open (`alfe run`
 * before it writes, `alfe info`, `alfe predict`): its structure (every
 * required group, dataset and attribute with the right shape, type class and
 * range; /points datasets of one row count; /rounds/NNNN numbered without
 * gaps, their row ranges tiling the rows; run states from the known set;
 * models whose parameter counts match their architecture, float64 and
 * finite; a format minor version this build understands) and its content
 * (rows_sha256 of every finished round, format 1.3).  A file that fails is
 * refused, never repaired: the message names the object and what is wrong,
 * and how to restore FILE.bak (docs/restart.md, "A campaign that does not
 * verify").
 * Owns: nothing.  Serial, read-only; must not call MPI. */
#include "alfe/io/campaign_verify.h"

#include "campaign_internal.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/campaign_io.h"
#include "alfe/io/h5util.h"
#include "alfe/io/model_io.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest /system/prim_json or eci_json text (the input files' own limit). */
#define TEXT_MAX_BYTES (64u << 20)
#define ROWS_MAX ((int64_t)1 << 40)

static int fail_at(hid_t loc, const char *name, int attribute, const char *what)
{
    char where[3300];
    h5u_where(loc, name, attribute, where, sizeof where);
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: %s", where, what);
}

static int require_group(hid_t loc, const char *name, hid_t *g)
{
    *g = -1;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return fail_at(loc, name, 0, "required group missing");
    H5O_type_t type = H5O_TYPE_UNKNOWN;
    H5O_info_t info;
    if (H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) >= 0)
        type = info.type;
    if (type != H5O_TYPE_GROUP)
        return fail_at(loc, name, 0, "not a group");
    *g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (*g < 0)
        return fail_at(loc, name, 0, "cannot open the group");
    return ALFE_OK;
}

/* The element count of a numeric array attribute, 1..max (0 when absent). */
static int array_length(hid_t loc, const char *name, int max, int *n)
{
    *n = 0;
    if (H5Aexists(loc, name) <= 0)
        return ALFE_OK;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return fail_at(loc, name, 1, "cannot open the attribute");
    hid_t space = H5Aget_space(a);
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    H5Aclose(a);
    if (rank != 1 || count < 1 || count > max) {
        char what[160];
        snprintf(what, sizeof what, "expected 1 to %d values (rank 1), found %lld (rank %d)",
                 max, (long long)count, rank);
        return fail_at(loc, name, 1, what);
    }
    *n = (int)count;
    return ALFE_OK;
}

/* Every optional string attribute in names[] is a scalar string. */
static int check_strings(hid_t loc, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        int found;
        char *buf = ALFE_MALLOC(1 << 20);
        int status = h5u_get_string(loc, names[i], buf, 1 << 20, &found);
        free(buf);
        ALFE_CHECK(status);
    }
    return ALFE_OK;
}

/* A dataset's rank, extent (dims, up to 3), class and element size. */
static int dataset_shape(hid_t loc, const char *name, int *rank, hsize_t *dims,
                         H5T_class_t *cls, size_t *size, int *scalar)
{
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return fail_at(loc, name, 0, "not a dataset, or cannot be opened");
    hid_t space = H5Dget_space(ds), type = H5Dget_type(ds);
    *rank = H5Sget_simple_extent_ndims(space);
    *scalar = H5Sget_simple_extent_type(space) == H5S_SCALAR;
    hsize_t all[H5S_MAX_RANK] = {0};
    if (*rank >= 0 && *rank <= H5S_MAX_RANK)
        H5Sget_simple_extent_dims(space, all, NULL);
    for (int i = 0; i < 3; i++)
        dims[i] = i < *rank ? all[i] : 0;
    *cls = H5Tget_class(type);
    *size = H5Tget_size(type);
    H5Tclose(type);
    H5Sclose(space);
    H5Dclose(ds);
    return ALFE_OK;
}

/* /config: one scalar string per section.key, each within the 4 KiB a
 * configuration value may hold (campaign_guard.c compares them). */
static int check_config(hid_t config)
{
    H5O_info_t info;
    if (H5Oget_info(config, &info) < 0)
        return fail_at(config, "", 0, "cannot list the attributes");
    int status = ALFE_OK;
    for (hsize_t i = 0; i < info.num_attrs && status == ALFE_OK; i++) {
        char name[512] = "";
        if (H5Aget_name_by_idx(config, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            return fail_at(config, "", 0, "cannot read an attribute name");
        char value[4096];
        status = h5u_get_string(config, name, value, sizeof value, NULL);
    }
    return status;
}

static int check_root(hid_t file, int64_t *d, int64_t *m)
{
    int64_t major = 0, minor = 0, requested = 0;
    uint64_t seed = 0;
    int found = 0;
    ALFE_CHECK(h5u_get_i64(file, "format_version_major", 0, 1000000, &major, NULL));
    ALFE_CHECK(h5u_get_i64(file, "format_version_minor", 0, 1000000, &minor, &found));
    if (minor > CAMPAIGN_FORMAT_MINOR) {
        char what[200];
        snprintf(what, sizeof what,
                 "format version %lld.%lld is newer than this alfe (%s) understands (up to "
                 "%d.%d); use a newer alfe",
                 (long long)major, (long long)minor, ALFE_VERSION, CAMPAIGN_FORMAT_MAJOR,
                 CAMPAIGN_FORMAT_MINOR);
        return fail_at(file, "format_version_minor", 1, what);
    }
    ALFE_CHECK(h5u_get_i64(file, "dimension", 1, ALFE_MAX_DIM, d, NULL));
    ALFE_CHECK(h5u_get_i64(file, "sublattices", 1, 100000, m, NULL));
    ALFE_CHECK(h5u_get_u64(file, "seed", &seed, NULL));
    ALFE_CHECK(h5u_get_i64(file, "rounds_requested", 0, 1000000000, &requested, &found));
    const char *strings[] = {"format", "format_version", "alfe_version", "created",
                             "description", "units", "eta_normalisation", "config",
                             "stop_reason"};
    return check_strings(file, strings, (int)(sizeof strings / sizeof strings[0]));
}

static int check_system(hid_t file, int64_t d, int64_t m)
{
    hid_t sys;
    ALFE_CHECK(require_group(file, "system", &sys));
    double *v = NULL;
    hsize_t dims[2];
    hsize_t want_q[2] = {(hsize_t)d, (hsize_t)m}, want_p[2] = {(hsize_t)m, (hsize_t)d};
    int status = h5u_get_f64_dataset(sys, "Q", 2, want_q, (size_t)(d * m), 1, &v, dims);
    free(v);
    v = NULL;
    if (status == ALFE_OK && H5Lexists(sys, "Q_pinv", H5P_DEFAULT) > 0) {
        status = h5u_get_f64_dataset(sys, "Q_pinv", 2, want_p, (size_t)(d * m), 1, &v, dims);
        free(v);
        v = NULL;
    }
    double temperature = 0.0;
    int found;
    if (status == ALFE_OK)
        status = h5u_get_f64(sys, "temperature", 1, &temperature, &found);
    const char *strings[] = {"units", "model", "q_file"};
    if (status == ALFE_OK)
        status = check_strings(sys, strings, 3);
    /* The cluster expansion's texts: scalar fixed-length strings of a
     * bounded size (an array of strings would not fit the reader's buffer). */
    const char *texts[] = {"prim_json", "eci_json"};
    for (int i = 0; i < 2 && status == ALFE_OK; i++) {
        if (H5Lexists(sys, texts[i], H5P_DEFAULT) <= 0)
            continue;
        int rank, scalar;
        hsize_t tdims[3];
        H5T_class_t cls;
        size_t size;
        status = dataset_shape(sys, texts[i], &rank, tdims, &cls, &size, &scalar);
        if (status == ALFE_OK && (!scalar || cls != H5T_STRING)) {
            char what[200];
            snprintf(what, sizeof what, "expected one string (a scalar), found %s of rank %d "
                                        "with %llu elements",
                     cls == H5T_STRING ? "strings" : "non-strings", rank,
                     (unsigned long long)(rank >= 1 ? tdims[0] : 1));
            status = fail_at(sys, texts[i], 0, what);
        }
        if (status == ALFE_OK && size > TEXT_MAX_BYTES)
            status = fail_at(sys, texts[i], 0, "a text longer than 64 MiB");
    }
    H5Gclose(sys);
    return status;
}

static int check_points(hid_t file, int64_t d, int64_t *n_rows)
{
    hid_t points;
    ALFE_CHECK(require_group(file, "points", &points));
    int status = ALFE_OK;
    int64_t rows = -1;
    const char *first_name = NULL;
    for (int i = 0; i < campaign_column_count() + campaign_matrix_count() && status == ALFE_OK;
         i++) {
        const char *name;
        int vector = 0, optional = 1, is_float = 1, want_rank;
        if (i < campaign_column_count()) {
            campaign_column_info(i, &name, &vector, &optional, &is_float);
            want_rank = vector ? 2 : 1;
        } else {
            name = campaign_matrix_name(i - campaign_column_count());
            want_rank = 3;
        }
        if (H5Lexists(points, name, H5P_DEFAULT) <= 0) {
            if (!optional)
                status = fail_at(points, name, 0, "required dataset missing");
            continue;
        }
        int rank, scalar;
        hsize_t dims[3];
        H5T_class_t cls;
        size_t size;
        status = dataset_shape(points, name, &rank, dims, &cls, &size, &scalar);
        if (status != ALFE_OK)
            break;
        char what[256] = "";
        if (rank != want_rank)
            snprintf(what, sizeof what, "rank %d, expected %d", rank, want_rank);
        else if ((rank >= 2 && dims[1] != (hsize_t)d) || (rank == 3 && dims[2] != (hsize_t)d))
            snprintf(what, sizeof what, "%llu order parameters per row, the campaign has d = %lld",
                     (unsigned long long)dims[1], (long long)d);
        else if (is_float && (cls != H5T_FLOAT || size != 8))
            snprintf(what, sizeof what, "expected float64 values");
        else if (!is_float && (cls != H5T_INTEGER || size > 8))
            snprintf(what, sizeof what, "expected integers");
        else if (rows >= 0 && (int64_t)dims[0] != rows)
            snprintf(what, sizeof what, "%llu rows, but /points/%s has %lld",
                     (unsigned long long)dims[0], first_name, (long long)rows);
        if (what[0])
            status = fail_at(points, name, 0, what);
        if (rows < 0) {
            rows = (int64_t)dims[0];
            first_name = name;
        }
    }
    H5Gclose(points);
    *n_rows = rows < 0 ? 0 : rows;
    return status;
}

/* One /rounds/NNNN: attributes in shape and range, the row range starting
 * where the previous one ended, the content hash of a finished round. */
static int check_round(hid_t file, hid_t g, int64_t d, int64_t n_rows, int64_t expect_first,
                       int64_t *end, int *is_done, int *unhashed)
{
    char state[32];
    ALFE_CHECK(h5u_get_string(g, "state", state, sizeof state, NULL));
    if (strcmp(state, "done") != 0 && strcmp(state, "running") != 0) {
        char what[200];
        snprintf(what, sizeof what, "'%s' is not a round state (done or running)", state);
        return fail_at(g, "state", 1, what);
    }
    *is_done = !strcmp(state, "done");
    int64_t first = 0, n = 0, v = 0;
    int found;
    ALFE_CHECK(h5u_get_i64(g, "first_row", 0, ROWS_MAX, &first, NULL));
    ALFE_CHECK(h5u_get_i64(g, "n_points", 0, ROWS_MAX, &n, NULL));
    if (first != expect_first) {
        char what[200];
        snprintf(what, sizeof what, "%lld, but the previous rounds end at row %lld (round "
                                    "ranges must tile /points without gaps or overlaps)",
                 (long long)first, (long long)expect_first);
        return fail_at(g, "first_row", 1, what);
    }
    if (first + n > n_rows) {
        char what[200];
        snprintf(what, sizeof what, "%lld rows from row %lld go past the %lld rows of /points",
                 (long long)n, (long long)first, (long long)n_rows);
        return fail_at(g, "n_points", 1, what);
    }
    *end = first + n;
    const char *counts[] = {"round", "done", "failed", "pending", "n_train", "n_excluded"};
    for (int i = 0; i < 6; i++)
        ALFE_CHECK(h5u_get_i64(g, counts[i], i == 0 ? 0 : -1, ROWS_MAX, &v, &found));
    uint64_t u;
    ALFE_CHECK(h5u_get_u64(g, "sobol_index_end", &u, &found));
    const char *seconds[] = {"seconds_acquire", "seconds_evaluate", "seconds_total",
                             "points_per_second", "seconds_train"};
    double x;
    for (int i = 0; i < 5; i++)
        ALFE_CHECK(h5u_get_f64(g, seconds[i], 0, &x, &found));
    const char *mses[] = {"mse_all", "mse_new_before_training", "mse_test"};
    for (int i = 0; i < 3; i++)
        ALFE_CHECK(h5u_get_f64(g, mses[i], 0, &x, &found));
    const char *arrays[] = {"points_per_criterion", "proposed_per_criterion"};
    const char *farrays[] = {"budget_per_criterion", "weight_per_criterion",
                             "mse_before_per_criterion", "spread_before_per_criterion",
                             "mse_after_per_criterion"};
    int64_t iv[CRITERION_COUNT];
    double fv[CRITERION_COUNT];
    for (int i = 0; i < 2; i++) {
        int len;
        ALFE_CHECK(array_length(g, arrays[i], CRITERION_COUNT, &len));
        if (len > 0)
            ALFE_CHECK(h5u_get_i64_array(g, arrays[i], len, 0, ROWS_MAX, iv, NULL));
    }
    for (int i = 0; i < 5; i++) {
        int len;
        ALFE_CHECK(array_length(g, farrays[i], CRITERION_COUNT, &len));
        if (len > 0)
            ALFE_CHECK(h5u_get_f64_array(g, farrays[i], len, 0, fv, NULL));
    }
    round_record rec;
    char buf[1 << 16];
    ALFE_CHECK(h5u_get_string(g, "started", rec.started, sizeof rec.started, &found));
    ALFE_CHECK(h5u_get_string(g, "finished", rec.finished, sizeof rec.finished, &found));
    ALFE_CHECK(h5u_get_string(g, "reweight_rule", rec.reweight_rule, sizeof rec.reweight_rule,
                              &found));
    ALFE_CHECK(h5u_get_string(g, "stop_reason", rec.stop_reason, sizeof rec.stop_reason, &found));
    ALFE_CHECK(h5u_get_string(g, "units", buf, sizeof buf, &found));
    char stored[SHA256_HEX + 8];
    ALFE_CHECK(h5u_get_string(g, "rows_sha256", stored, sizeof stored, &found));
    if (!found || !*is_done) {
        /* the hash describes a finished round's final rows */
        if (!found && *is_done)
            (*unhashed)++;
        return ALFE_OK;
    }
    char now[SHA256_HEX];
    ALFE_CHECK(campaign_rows_sha256(file, (int)d, first, n, now));
    if (strcmp(now, stored) != 0) {
        char what[400];
        snprintf(what, sizeof what,
                 "the rows %lld..%lld of /points no longer match the round's content hash "
                 "(stored %.12s..., now %.12s...): the written data were changed or damaged",
                 (long long)first, (long long)(first + n - 1), stored, now);
        return fail_at(g, "rows_sha256", 1, what);
    }
    return ALFE_OK;
}

static int check_rounds(hid_t file, int64_t d, int64_t n_rows, int *unhashed, int *n_rounds)
{
    hid_t rounds;
    ALFE_CHECK(require_group(file, "rounds", &rounds));
    H5G_info_t info;
    int status = H5Gget_info(rounds, &info) < 0 ? fail_at(file, "rounds", 0, "cannot list")
                                                : ALFE_OK;
    int64_t end = 0;
    int running = -1;
    *n_rounds = status == ALFE_OK ? (int)info.nlinks : 0;
    for (hsize_t i = 0; i < info.nlinks && status == ALFE_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "%04d", (int)i);
        if (H5Lexists(rounds, name, H5P_DEFAULT) <= 0) {
            char what[200];
            snprintf(what, sizeof what, "missing: /rounds has %llu groups, so rounds 0000 to "
                                        "%04llu are expected (numbered without gaps)",
                     (unsigned long long)info.nlinks, (unsigned long long)info.nlinks - 1);
            status = fail_at(rounds, name, 0, what);
            break;
        }
        hid_t g;
        status = require_group(rounds, name, &g);
        if (status != ALFE_OK)
            break;
        int done = 0;
        if (running >= 0) {
            char what[160];
            snprintf(what, sizeof what, "round %04d is still running but is not the last", running);
            status = fail_at(rounds, name, 0, what);
        }
        if (status == ALFE_OK)
            status = check_round(file, g, d, n_rows, end, &end, &done, unhashed);
        if (status == ALFE_OK && !done)
            running = (int)i;
        H5Gclose(g);
    }
    if (status == ALFE_OK && end != n_rows) {
        char what[200];
        snprintf(what, sizeof what, "the rounds cover rows 0..%lld but /points has %lld rows",
                 (long long)end - 1, (long long)n_rows);
        status = fail_at(file, "rounds", 0, what);
    }
    H5Gclose(rounds);
    return status;
}

static int check_models(hid_t file, int64_t d, int n_rounds)
{
    if (H5Lexists(file, "models", H5P_DEFAULT) <= 0)
        return ALFE_OK;
    hid_t models;
    ALFE_CHECK(require_group(file, "models", &models));
    H5G_info_t info;
    int status = H5Gget_info(models, &info) < 0 ? fail_at(file, "models", 0, "cannot list")
                                                : ALFE_OK;
    int lo = 0;
    for (hsize_t i = 0; i < info.nlinks && status == ALFE_OK; i++) {
        char name[64] = "";
        H5Lget_name_by_idx(models, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                           H5P_DEFAULT);
        int r = -1;
        if (strlen(name) == 4 && strspn(name, "0123456789") == 4)
            r = atoi(name);
        if (r < 0 || r >= n_rounds) {
            char what[200];
            snprintf(what, sizeof what, "not a round of the campaign (rounds 0000 to %04d)",
                     n_rounds - 1);
            status = fail_at(models, name, 0, what);
            break;
        }
        /* A committee is stored for every round from the first trained one
         * on: the names are consecutive. */
        if (i > 0 && r != lo + (int)i) {
            char what[200], missing_name[32];
            snprintf(missing_name, sizeof missing_name, "%04d", lo + (int)i);
            snprintf(what, sizeof what, "missing: committees are stored for rounds %04d and %s "
                                        "but not for this one between them", lo, name);
            status = fail_at(models, missing_name, 0, what);
            break;
        }
        if (i == 0)
            lo = r;
        hid_t g;
        status = require_group(models, name, &g);
        if (status != ALFE_OK)
            break;
        int64_t md = 0, n_members = 0, round = 0;
        int found;
        status = h5u_get_i64(g, "d", 1, ALFE_MAX_DIM, &md, NULL);
        if (status == ALFE_OK && md != d) {
            char what[160];
            snprintf(what, sizeof what, "%lld, but the campaign has d = %lld", (long long)md,
                     (long long)d);
            status = fail_at(g, "d", 1, what);
        }
        if (status == ALFE_OK)
            status = h5u_get_i64(g, "n_members", 1, 10000, &n_members, NULL);
        if (status == ALFE_OK)
            status = h5u_get_i64(g, "round", 0, 1000000000, &round, &found);
        char **formulas = NULL;
        int m = 0;
        if (status == ALFE_OK)
            status = h5u_get_strings(g, "invariants", 100000, &formulas, &m, NULL);
        for (int k = 0; k < m; k++)
            free(formulas[k]);
        free(formulas);
        for (int k = 0; k < n_members && status == ALFE_OK; k++) {
            char member[32];
            snprintf(member, sizeof member, "member_%02d", k);
            idnn_arch arch;
            status = model_check_member((int64_t)g, member, &arch, NULL);
            if (status == ALFE_OK && arch.n_inputs != m) {
                char what[200];
                snprintf(what, sizeof what, "%d inputs but the group has %d invariants "
                                            "(architecture mismatch)", arch.n_inputs, m);
                hid_t mg = H5Gopen2(g, member, H5P_DEFAULT);
                status = fail_at(mg, "n_inputs", 1, what);
                H5Gclose(mg);
            }
            /* The values: float64 and finite (the shape was checked). */
            if (status == ALFE_OK) {
                hid_t mg = H5Gopen2(g, member, H5P_DEFAULT);
                double *v = NULL;
                hsize_t dims[1];
                status = h5u_get_f64_dataset(mg, "params", 1, NULL, (size_t)MODEL_MAX_PARAMETERS,
                                             1, &v, dims);
                free(v);
                H5Gclose(mg);
            }
        }
        H5Gclose(g);
    }
    H5Gclose(models);
    return status;
}

static int check_runs(hid_t file)
{
    hid_t runs;
    ALFE_CHECK(require_group(file, "runs", &runs));
    H5G_info_t info;
    int status = H5Gget_info(runs, &info) < 0 ? fail_at(file, "runs", 0, "cannot list") : ALFE_OK;
    for (hsize_t i = 0; i < info.nlinks && status == ALFE_OK; i++) {
        char name[64] = "";
        H5Lget_name_by_idx(runs, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                           H5P_DEFAULT);
        hid_t g;
        status = require_group(runs, name, &g);
        if (status != ALFE_OK)
            break;
        int64_t v;
        int found;
        status = h5u_get_i64(g, "ranks", 0, 100000000, &v, &found);
        if (status == ALFE_OK)
            status = h5u_get_i64(g, "points_evaluated", 0, ROWS_MAX, &v, &found);
        const char *strings[] = {"started", "finished", "exit_reason", "config", "build", "units"};
        if (status == ALFE_OK)
            status = check_strings(g, strings, 6);
        H5Gclose(g);
    }
    H5Gclose(runs);
    return status;
}

/* Append to the recorded message that the file was refused and how to
 * restore its backup; returns ALFE_ERR_INPUT. */
int campaign_verify_refuse(const char *path)
{
    char bak[4200], message[16384], prior[4096];
    snprintf(prior, sizeof prior, "%s", alfe_error_message());
    campaign_sidecar_path(bak, sizeof bak, path, ".bak");
    if (access(bak, F_OK) == 0)
        snprintf(message, sizeof message,
                 "%s; the campaign does not verify and was not changed; restore its backup "
                 "with: mv %s %s (docs/restart.md, \"A campaign that does not verify\")",
                 prior, bak, path);
    else
        snprintf(message, sizeof message,
                 "%s; the campaign does not verify and was not changed; there is no backup "
                 "%s to restore with mv %s %s: restore the file from a copy "
                 "(docs/restart.md, \"A campaign that does not verify\")",
                 prior, bak, bak, path);
    alfe_error_set_message(ALFE_ERR_INPUT, message);
    return ALFE_ERR_INPUT;
}

int campaign_verify(hid_t file, const char *path)
{
    int64_t d = 0, m = 0, n_rows = 0;
    int unhashed = 0, n_rounds = 0;
    int status = check_root(file, &d, &m);
    if (status == ALFE_OK)
        status = check_system(file, d, m);
    if (status == ALFE_OK) {
        hid_t config;
        status = require_group(file, "config", &config);
        if (status == ALFE_OK) {
            status = check_config(config);
            H5Gclose(config);
        }
    }
    if (status == ALFE_OK)
        status = check_points(file, d, &n_rows);
    if (status == ALFE_OK)
        status = check_rounds(file, d, n_rows, &unhashed, &n_rounds);
    if (status == ALFE_OK)
        status = check_models(file, d, n_rounds);
    if (status == ALFE_OK)
        status = check_runs(file);
    if (status != ALFE_OK)
        return campaign_verify_refuse(path);
    if (unhashed > 0)
        fprintf(stderr, "alfe: note: %s: %d finished round%s without a content hash (written "
                        "before format 1.3): %s rows are not checked for damage\n",
                path, unhashed, unhashed == 1 ? "" : "s", unhashed == 1 ? "its" : "their");
    return ALFE_OK;
}

int campaign_verify_file(int64_t file, const char *path)
{
    return campaign_verify((hid_t)file, path);
}
