/* campaign_io.c — the campaign file in parallel HDF5 (schema in
 * docs/campaign-file.md): creation, opening, the /points rows, /rounds,
 * /runs and /models.  See campaign_io.h for the collective/independent rules;
 * every metadata change goes through the backup of campaign_guard.c.
 * Owns: the column table and the file handles.  Must not call MPI except
 * through comm.h. */
#include "alfe/io/campaign_io.h"

#include "campaign_internal.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/sha256.h"
#include "alfe/io/config.h"
#include "alfe/base/util.h"
#include "alfe/io/campaign_inputs.h"
#include "alfe/io/h5util.h"
#include "alfe/io/model_io.h"

#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_ROWS 256

/* ---------------------------------------------------------------------------
 * The /points columns: name, file type, width (1 or d), where the value lives
 * in point_input or point_result, units, description. */
enum column_owner { OWNER_INPUT, OWNER_RESULT };
enum column_kind { KIND_I8, KIND_I32, KIND_I64, KIND_U64, KIND_F64 };

typedef struct {
    const char *name;
    enum column_kind file_kind; /* stored type */
    enum column_kind mem_kind;  /* type of the struct field */
    int vector;                 /* 1: d values per row */
    enum column_owner owner;
    size_t offset;
    const char *units;
    const char *description;
} column_spec;

#define IN(f) OWNER_INPUT, offsetof(point_input, f)
#define RES(f) OWNER_RESULT, offsetof(point_result, f)
static const column_spec COLUMNS[] = {
    {"round", KIND_I32, KIND_I32, 0, IN(round), "dimensionless", "round that requested the point"},
    {"criterion", KIND_I32, KIND_I32, 0, IN(criterion), "dimensionless",
     "criterion that proposed the point; names in the attribute criterion_names"},
    {"seed", KIND_U64, KIND_U64, 0, IN(seed), "dimensionless",
     "seed of the point's own random streams (from campaign seed and row)"},
    {"T", KIND_F64, KIND_F64, 0, IN(temperature), "K", "temperature"},
    {"eta_target", KIND_F64, KIND_F64, 1, IN(eta_target), "dimensionless", "order parameters wanted"},
    {"kappa", KIND_F64, KIND_F64, 1, IN(kappa), "dimensionless", "umbrella centre"},
    {"phi", KIND_F64, KIND_F64, 1, IN(phi), "eV per prim cell", "umbrella curvature"},
    {"eta_mean", KIND_F64, KIND_F64, 1, RES(eta_mean), "dimensionless",
     "measured <eta>: where mu was evaluated"},
    {"mu", KIND_F64, KIND_F64, 1, RES(mu), "eV per prim cell", "dg/deta at eta_mean"},
    {"mu_stderr", KIND_F64, KIND_F64, 1, RES(mu_stderr), "eV per prim cell",
     "standard error of mu"},
    {"tau", KIND_F64, KIND_F64, 1, RES(tau), "samples",
     "integrated autocorrelation time of each eta_j (NaN: not a chain, or not estimated)"},
    {"passes", KIND_I64, KIND_I64, 0, RES(passes), "passes", "Monte Carlo passes (0: oracle)"},
    {"samples", KIND_I64, KIND_I64, 0, RES(samples), "samples", "samples averaged"},
    {"equilibration_samples", KIND_I64, KIND_I64, 0, RES(equilibration_samples), "samples",
     "samples discarded as equilibration"},
    {"converged", KIND_I8, KIND_I32, 0, RES(converged), "dimensionless", "1 when the point converged"},
    /* optional: absent from files written before it (read as 0, not written) */
    {"frozen", KIND_I8, KIND_I32, 0, RES(frozen), "dimensionless",
     "1 when the chain was frozen (no move, acceptance below [mc] min_acceptance, or <eta> "
     "on a vertex of the domain): never converged"},
    {"acceptance", KIND_F64, KIND_F64, 0, RES(acceptance), "dimensionless",
     "Metropolis acceptance rate (NaN: not a chain)"},
    {"wall_seconds", KIND_F64, KIND_F64, 0, RES(wall_seconds), "s",
     "evaluation time (differs between runs)"},
    {"rank", KIND_I32, KIND_I32, 0, RES(rank), "dimensionless",
     "MPI rank that evaluated the point (differs between runs)"},
    /* status last: a row counts as written only once its status is. */
    {"status", KIND_I8, KIND_I32, 0, RES(status), "dimensionless", "0 pending, 1 done, 2 failed"},
};
#undef IN
#undef RES
#define N_COLUMNS ((int)(sizeof COLUMNS / sizeof COLUMNS[0]))
#define STATUS_COLUMN (N_COLUMNS - 1)

/* Columns added after format 1.2 was released: files written before them
 * lack them (read as 0; a resume does not add them). */
static int column_optional(const column_spec *col)
{
    return !strcmp(col->name, "frozen");
}

/* The curvature datasets, n_rows × d × d (docs/campaign-file.md, "Curvature
 * columns"; docs/monte-carlo.md): optional, absent from files written before
 * them (read as NaN; a resume does not add them).  Written before status. */
typedef struct {
    const char *name;
    size_t offset; /* in point_curvature */
    const char *units;
    const char *description;
} matrix_spec;

static const matrix_spec MATRICES[] = {
    {"eta_cov", offsetof(point_curvature, eta_cov), "dimensionless",
     "covariance of the sampled eta over the equilibrated samples (NaN: not a chain, or not "
     "measured)"},
    {"hessian", offsetof(point_curvature, hessian), "eV per prim cell",
     "Hessian of g at eta_mean: Monte Carlo (k_B T/N) Cov(eta)^-1 - 2 diag(phi), N prim "
     "cells; oracle: exact plus [oracle] hessian_noise (NaN: not measured)"},
    {"hessian_stderr", offsetof(point_curvature, hessian_stderr), "eV per prim cell",
     "standard error of hessian (inf: not estimated; NaN: not measured)"},
};
#define N_MATRICES ((int)(sizeof MATRICES / sizeof MATRICES[0]))

struct campaign {
    char *path;
    hid_t file;
    hid_t dxpl_independent;
    hid_t columns[N_COLUMNS];
    hid_t matrices[3];          /* the curvature datasets (N_MATRICES) */
    int d;
    int64_t n_rows;
    int rounds_requested;
};

static hid_t kind_type(enum column_kind k)
{
    switch (k) {
    case KIND_I8: return H5T_NATIVE_INT8;
    case KIND_I32: return H5T_NATIVE_INT32;
    case KIND_I64: return H5T_NATIVE_INT64;
    case KIND_U64: return H5T_NATIVE_UINT64;
    case KIND_F64: return H5T_NATIVE_DOUBLE;
    }
    return H5T_NATIVE_DOUBLE;
}

static hid_t kind_file_type(enum column_kind k)
{
    switch (k) {
    case KIND_I8: return H5T_STD_I8LE;
    case KIND_I32: return H5T_STD_I32LE;
    case KIND_I64: return H5T_STD_I64LE;
    case KIND_U64: return H5T_STD_U64LE;
    case KIND_F64: return H5T_IEEE_F64LE;
    }
    return H5T_IEEE_F64LE;
}

static size_t kind_size(enum column_kind k)
{
    return k == KIND_I8 ? 1 : (k == KIND_I32 ? 4 : 8);
}

void campaign_library_init(void)
{
    if (!getenv("ALFE_TRACE"))
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void campaign_library_version(char *buf, size_t size)
{
    unsigned major = 0, minor = 0, release = 0;
    H5get_libversion(&major, &minor, &release);
    snprintf(buf, size, "HDF5 %u.%u.%u", major, minor, release);
}


static hid_t make_parallel_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (comm_hdf5_set_fapl_mpio((int64_t)fapl) != ALFE_OK) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

static int create_columns(hid_t points, int d)
{
    for (int i = 0; i < N_COLUMNS; i++) {
        const column_spec *col = &COLUMNS[i];
        int rank = col->vector ? 2 : 1;
        hsize_t dims[2] = {0, (hsize_t)d};
        hsize_t maxdims[2] = {H5S_UNLIMITED, (hsize_t)d};
        hsize_t chunk[2] = {CHUNK_ROWS, (hsize_t)d};
        hid_t space = H5Screate_simple(rank, dims, maxdims);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, rank, chunk);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
        /* Unwritten rows read as pending / NaN / -1 rank. */
        double nan = NAN;
        int64_t minus_one = -1, zero = 0;
        if (col->file_kind == KIND_F64)
            H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
        else if (!strcmp(col->name, "rank"))
            H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &minus_one);
        else
            H5Pset_fill_value(dcpl, H5T_NATIVE_INT64, &zero);
        hid_t ds = H5Dcreate2(points, col->name, kind_file_type(col->file_kind), space,
                              H5P_DEFAULT, dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Sclose(space);
        H5_CHECK(ds, "cannot create /points/%s", col->name);
        int status = h5u_attr_write_string(ds, "description", col->description);
        if (status == ALFE_OK && col->units[0])
            status = h5u_attr_write_string(ds, "units", col->units);
        /* 1.2: h5py's ds.dims[0].label, ds.dims[1].label. */
        const char *labels[2] = {"row", "order parameter"};
        if (status == ALFE_OK)
            status = h5u_set_dimension_labels(ds, labels, rank);
        if (status == ALFE_OK && !strcmp(col->name, "criterion"))
            status = h5u_attr_write_strings(ds, "criterion_names", criterion_names, CRITERION_COUNT);
        if (status == ALFE_OK && !strcmp(col->name, "status")) {
            const char *codes[] = {"pending", "done", "failed"};
            status = h5u_attr_write_strings(ds, "status_names", codes, 3);
        }
        H5Dclose(ds);
        ALFE_CHECK(status);
    }
    return ALFE_OK;
}

static int create_matrices(hid_t points, int d)
{
    for (int i = 0; i < N_MATRICES; i++) {
        hsize_t dims[3] = {0, (hsize_t)d, (hsize_t)d};
        hsize_t maxdims[3] = {H5S_UNLIMITED, (hsize_t)d, (hsize_t)d};
        hsize_t chunk[3] = {CHUNK_ROWS, (hsize_t)d, (hsize_t)d};
        hid_t space = H5Screate_simple(3, dims, maxdims);
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        H5Pset_chunk(dcpl, 3, chunk);
        H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
        double nan = NAN;
        H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
        hid_t ds = H5Dcreate2(points, MATRICES[i].name, H5T_IEEE_F64LE, space, H5P_DEFAULT,
                              dcpl, H5P_DEFAULT);
        H5Pclose(dcpl);
        H5Sclose(space);
        H5_CHECK(ds, "cannot create /points/%s", MATRICES[i].name);
        int status = h5u_attr_write_string(ds, "description", MATRICES[i].description);
        if (status == ALFE_OK)
            status = h5u_attr_write_string(ds, "units", MATRICES[i].units);
        const char *labels[3] = {"row", "order parameter", "order parameter"};
        if (status == ALFE_OK)
            status = h5u_set_dimension_labels(ds, labels, 3);
        H5Dclose(ds);
        ALFE_CHECK(status);
    }
    return ALFE_OK;
}

static int write_config_group(hid_t file, const alfe_config *cfg)
{
    hid_t group = H5Gcreate2(file, "config", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_CHECK(group, "cannot create /config");
    int status = ALFE_OK;
    for (int i = 0; i < config_key_count() && status == ALFE_OK; i++) {
        const char *section, *key;
        int fixed;
        config_key_info(i, &section, &key, &fixed);
        char name[256], value[4096];
        snprintf(name, sizeof name, "%s.%s", section, key);
        config_value_string(cfg, section, key, value, sizeof value);
        status = h5u_attr_write_string(group, name, value);
    }
    if (status == ALFE_OK)
        status = h5u_attr_write_string(group, "description",
                                   "configuration values used when the campaign was created, "
                                   "one attribute per section.key");
    H5Gclose(group);
    return status;
}

static int write_system_group(hid_t file, const alfe_config *cfg, const domain *dom)
{
    hid_t group = H5Gcreate2(file, "system", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_CHECK(group, "cannot create /system");
    int status = h5u_dataset_write_f64_2d(group, "Q", dom->q, (hsize_t)dom->d, (hsize_t)dom->m,
                                      "order-parameter rows: eta = Q x, x = sublattice "
                                      "compositions in [0,1]");
    if (status == ALFE_OK)
        status = h5u_dataset_write_f64_2d(group, "Q_pinv", dom->q_pinv, (hsize_t)dom->m,
                                      (hsize_t)dom->d, "pseudo-inverse: x(eta) = Q_pinv eta");
    if (status == ALFE_OK)
        status = h5u_dataset_write_f64_2d(group, "domain_A", dom->a, (hsize_t)dom->n_half,
                                      (hsize_t)dom->d, "domain half-spaces: domain_A eta <= domain_b");
    if (status == ALFE_OK)
        status = h5u_dataset_write_f64_2d(group, "domain_b", dom->b, (hsize_t)dom->n_half, 0,
                                      "domain half-spaces: domain_A eta <= domain_b");
    /* 1.2: units and dimension labels of the domain datasets. */
    const char *const system_sets[4] = {"Q", "Q_pinv", "domain_A", "domain_b"};
    const char *const system_labels[4][2] = {{"order parameter", "sublattice"},
                                             {"sublattice", "order parameter"},
                                             {"half-space", "order parameter"},
                                             {"half-space", ""}};
    for (int i = 0; i < 4 && status == ALFE_OK; i++) {
        hid_t ds = H5Dopen2(group, system_sets[i], H5P_DEFAULT);
        status = ds < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot open /system/%s", system_sets[i])
                        : h5u_attr_write_string(ds, "units", "dimensionless");
        if (status == ALFE_OK)
            status = h5u_set_dimension_labels(ds, system_labels[i], i == 3 ? 1 : 2);
        if (ds >= 0)
            H5Dclose(ds);
    }
    if (status == ALFE_OK)
        status = h5u_attr_write_string(group, "units", "temperature: K");
    if (status == ALFE_OK)
        status = h5u_attr_write_string(group, "model", cfg->model == MODEL_ORACLE ? "oracle" : "clex");
    if (status == ALFE_OK)
        status = h5u_attr_write_string(group, "q_file", cfg->q_file);
    if (status == ALFE_OK)
        status = h5u_attr_write_f64(group, "temperature", cfg->temperature);
    if (status == ALFE_OK && cfg->model == MODEL_CLEX) {
        /* The cluster expansion itself, so the campaign is self-contained and
         * a resume can check that it did not change. */
        const char *names[2] = {"prim_json", "eci_json"};
        const char *paths[2] = {cfg->prim_path, cfg->eci_path};
        const char *written[2] = {cfg->prim_file, cfg->eci_file};
        for (int i = 0; i < 2 && status == ALFE_OK; i++) {
            char *text = NULL;
            if (comm_rank() == 0)
                status = alfe_read_text_file(paths[i], &text, NULL);
            status = comm_agree_status(status);
            if (status != ALFE_OK)
                break;
            comm_bcast_string(&text, 0);
            status = h5u_dataset_write_text(group, names[i], text, written[i]);
            free(text);
        }
    }
    if (status == ALFE_OK)
        status = campaign_inputs_write(group, cfg); /* /system/inputs */
    H5Gclose(group);
    return status;
}

static int open_columns(campaign *c)
{
    hid_t points = H5Gopen2(c->file, "points", H5P_DEFAULT);
    H5_CHECK(points, "%s: no /points group", c->path);
    for (int i = 0; i < N_COLUMNS; i++) {
        if (column_optional(&COLUMNS[i]) && H5Lexists(points, COLUMNS[i].name, H5P_DEFAULT) <= 0) {
            c->columns[i] = -1;
            continue;
        }
        c->columns[i] = H5Dopen2(points, COLUMNS[i].name, H5P_DEFAULT);
        if (c->columns[i] < 0) {
            H5Gclose(points);
            return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot open /points/%s", c->path,
                             COLUMNS[i].name);
        }
    }
    for (int i = 0; i < N_MATRICES; i++)
        c->matrices[i] = H5Lexists(points, MATRICES[i].name, H5P_DEFAULT) > 0
                             ? H5Dopen2(points, MATRICES[i].name, H5P_DEFAULT)
                             : -1;
    H5Gclose(points);
    hid_t space = H5Dget_space(c->columns[STATUS_COLUMN]);
    hsize_t dims[1];
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    c->n_rows = (int64_t)dims[0];
    return ALFE_OK;
}

int campaign_create(const char *path, const alfe_config *cfg, const domain *dom,
                    campaign **out)
{
    *out = NULL;
    char partial[4096];
    campaign_sidecar_path(partial, sizeof partial, path, ".partial");
    hid_t fapl = make_parallel_fapl();
    if (fapl < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot set up MPI-IO for %s", path);
    hid_t file = H5Fcreate(partial, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    int status = file < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create %s", partial) : ALFE_OK;
    if (status == ALFE_OK) {
        char created[32];
        alfe_timestamp(created, sizeof created);
        comm_bcast_bytes(created, sizeof created, 0);
        char version[32];
        snprintf(version, sizeof version, "%d.%d", CAMPAIGN_FORMAT_MAJOR, CAMPAIGN_FORMAT_MINOR);
        status = h5u_attr_write_string(file, "format", CAMPAIGN_FORMAT);
        if (status == ALFE_OK) status = h5u_attr_write_string(file, "format_version", version);
        if (status == ALFE_OK) status = h5u_attr_write_i64(file, "format_version_major", CAMPAIGN_FORMAT_MAJOR);
        if (status == ALFE_OK) status = h5u_attr_write_i64(file, "format_version_minor", CAMPAIGN_FORMAT_MINOR);
        if (status == ALFE_OK) status = h5u_attr_write_string(file, "alfe_version", ALFE_VERSION);
        if (status == ALFE_OK) status = h5u_attr_write_string(file, "created", created);
        if (status == ALFE_OK) status = h5u_attr_write_i64(file, "dimension", cfg->dimension);
        if (status == ALFE_OK) status = h5u_attr_write_i64(file, "sublattices", dom->m);
        if (status == ALFE_OK) status = h5u_attr_write_u64(file, "seed", cfg->seed);
        if (status == ALFE_OK) status = h5u_attr_write_i64(file, "rounds_requested", cfg->rounds);
        if (status == ALFE_OK) status = h5u_attr_write_string(file, "description", cfg->description);
        if (status == ALFE_OK)
            status = h5u_attr_write_string(file, "units",
                                       "energies, mu, phi: eV per prim cell; T: K; eta: "
                                       "dimensionless");
        if (status == ALFE_OK)
            status = h5u_attr_write_string(file, "eta_normalisation",
                                       "eta = Q x with x the sublattice compositions in [0,1] "
                                       "and row 0 of Q = (1/M)(1,...,1), so eta0 is the "
                                       "composition (not CASM's x M scaling)");
        if (status == ALFE_OK) status = h5u_attr_write_string(file, "config", cfg->canonical);
        if (status == ALFE_OK) status = write_config_group(file, cfg);
        if (status == ALFE_OK) status = write_system_group(file, cfg, dom);
        if (status == ALFE_OK) {
            hid_t points = H5Gcreate2(file, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            status = points < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create /points")
                                : create_columns(points, cfg->dimension);
            if (status == ALFE_OK)
                status = create_matrices(points, cfg->dimension);
            if (points >= 0)
                H5Gclose(points);
        }
        const char *groups[] = {"rounds", "runs"};
        for (int i = 0; i < 2 && status == ALFE_OK; i++) {
            hid_t g = H5Gcreate2(file, groups[i], H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (g < 0)
                status = ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create /%s", groups[i]);
            else
                H5Gclose(g);
        }
        if (H5Fclose(file) < 0 && status == ALFE_OK)
            status = ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot close %s", partial);
    }
    status = comm_agree_status(status);
    if (status == ALFE_OK && comm_rank() == 0 && rename(partial, path) != 0)
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot rename %s to %s: %s", partial, path,
                           strerror(errno));
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        if (comm_rank() == 0)
            unlink(partial);
        return status;
    }
    return campaign_open(path, cfg, out);
}

int campaign_open(const char *path, const alfe_config *cfg, campaign **out)
{
    *out = NULL;
    campaign *c = ALFE_CALLOC(1, sizeof *c);
    c->path = ALFE_STRDUP(path);
    c->d = cfg->dimension;
    c->rounds_requested = cfg->rounds;
    for (int i = 0; i < N_COLUMNS; i++)
        c->columns[i] = -1;
    for (int i = 0; i < N_MATRICES; i++)
        c->matrices[i] = -1;
    c->dxpl_independent = -1;
    hid_t fapl = make_parallel_fapl();
    c->file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDWR, fapl) : -1;
    if (fapl >= 0)
        H5Pclose(fapl);
    int status = c->file < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot open %s for writing", path)
                             : open_columns(c);
    if (status == ALFE_OK) {
        c->dxpl_independent = H5Pcreate(H5P_DATASET_XFER);
        status = comm_hdf5_set_dxpl((int64_t)c->dxpl_independent, 1);
    }
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        campaign_close(&c);
        return status;
    }
    *out = c;
    return ALFE_OK;
}

int campaign_close(campaign **cp)
{
    if (!cp || !*cp)
        return ALFE_OK;
    campaign *c = *cp;
    int status = ALFE_OK;
    for (int i = 0; i < N_COLUMNS; i++)
        if (c->columns[i] >= 0)
            H5Dclose(c->columns[i]);
    for (int i = 0; i < N_MATRICES; i++)
        if (c->matrices[i] >= 0)
            H5Dclose(c->matrices[i]);
    if (c->dxpl_independent >= 0)
        H5Pclose(c->dxpl_independent);
    if (c->file >= 0 && H5Fclose(c->file) < 0)
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot close %s", c->path);
    free(c->path);
    free(c);
    *cp = NULL;
    return status;
}

int64_t campaign_row_count(const campaign *c) { return c->n_rows; }

int campaign_flush(campaign *c)
{
    H5_CHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "cannot flush %s", c->path);
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * Rows. */
static void *field_address(const column_spec *col, void *input, void *result)
{
    char *base = col->owner == OWNER_INPUT ? (char *)input : (char *)result;
    return base + col->offset;
}

static int column_io(campaign *c, int index, int64_t first, int64_t n, void *buffer, int write)
{
    const column_spec *col = &COLUMNS[index];
    hid_t ds = c->columns[index];
    if (ds < 0) {
        /* an optional column the file lacks: reads as 0, writes are dropped */
        if (!write)
            memset(buffer, 0, kind_size(col->mem_kind) * (size_t)n * (col->vector ? (size_t)c->d : 1));
        return ALFE_OK;
    }
    int rank = col->vector ? 2 : 1;
    hsize_t start[2] = {(hsize_t)first, 0};
    hsize_t count[2] = {(hsize_t)n, (hsize_t)c->d};
    hid_t file_space = H5Dget_space(ds);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mem_space = H5Screate_simple(rank, count, NULL);
    herr_t r = write ? H5Dwrite(ds, kind_type(col->mem_kind), mem_space, file_space,
                                c->dxpl_independent, buffer)
                     : H5Dread(ds, kind_type(col->mem_kind), mem_space, file_space,
                               c->dxpl_independent, buffer);
    H5Sclose(mem_space);
    H5Sclose(file_space);
    if (r < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot %s /points/%s rows %lld..%lld", c->path,
                         write ? "write" : "read", col->name, (long long)first,
                         (long long)(first + n - 1));
    return ALFE_OK;
}

/* Move one column between an array of structs and a packed buffer. */
static void column_pack(const column_spec *col, int d, int64_t n, void *structs,
                        size_t stride, void *packed, int to_packed)
{
    size_t elem = kind_size(col->mem_kind);
    size_t width = col->vector ? (size_t)d : 1;
    for (int64_t r = 0; r < n; r++) {
        char *s = (char *)structs + (size_t)r * stride + col->offset;
        char *p = (char *)packed + (size_t)r * width * elem;
        if (to_packed)
            memcpy(p, s, width * elem);
        else
            memcpy(s, p, width * elem);
    }
}

static int rows_io(campaign *c, enum column_owner owner, int64_t first, int64_t n,
                   void *structs, size_t stride, int write)
{
    if (n == 0)
        return ALFE_OK;
    void *packed = ALFE_MALLOC(sizeof(double) * (size_t)n * (size_t)c->d);
    int status = ALFE_OK;
    for (int i = 0; i < N_COLUMNS && status == ALFE_OK; i++) {
        if (COLUMNS[i].owner != owner)
            continue;
        if (write)
            column_pack(&COLUMNS[i], c->d, n, structs, stride, packed, 1);
        status = column_io(c, i, first, n, packed, write);
        if (!write && status == ALFE_OK)
            column_pack(&COLUMNS[i], c->d, n, structs, stride, packed, 0);
    }
    free(packed);
    return status;
}

int campaign_read_inputs(campaign *c, int64_t first, int64_t n, point_input *inputs,
                         int32_t *status)
{
    ALFE_CHECK(rows_io(c, OWNER_INPUT, first, n, inputs, sizeof *inputs, 0));
    if (status && n > 0)
        ALFE_CHECK(column_io(c, STATUS_COLUMN, first, n, status, 0));
    return ALFE_OK;
}

int campaign_read_results(campaign *c, int64_t first, int64_t n, point_result *results)
{
    for (int64_t i = 0; i < n; i++)
        results[i].curvature = NULL; /* campaign_read_curvature */
    return rows_io(c, OWNER_RESULT, first, n, results, sizeof *results, 0);
}

/* Rows [first, first+n) of one curvature dataset (n × d × d doubles). */
static int matrix_io(campaign *c, int index, int64_t first, int64_t n, double *buffer, int write)
{
    const size_t dd = (size_t)c->d * (size_t)c->d;
    hid_t ds = c->matrices[index];
    if (ds < 0) {
        /* absent from an older file: reads as NaN, writes are dropped */
        for (size_t k = 0; !write && k < (size_t)n * dd; k++)
            buffer[k] = NAN;
        return ALFE_OK;
    }
    if (n == 0)
        return ALFE_OK;
    hsize_t start[3] = {(hsize_t)first, 0, 0};
    hsize_t count[3] = {(hsize_t)n, (hsize_t)c->d, (hsize_t)c->d};
    hid_t file_space = H5Dget_space(ds);
    H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t mem_space = H5Screate_simple(3, count, NULL);
    herr_t r = write ? H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem_space, file_space,
                                c->dxpl_independent, buffer)
                     : H5Dread(ds, H5T_NATIVE_DOUBLE, mem_space, file_space,
                               c->dxpl_independent, buffer);
    H5Sclose(mem_space);
    H5Sclose(file_space);
    if (r < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot %s /points/%s rows %lld..%lld", c->path,
                         write ? "write" : "read", MATRICES[index].name, (long long)first,
                         (long long)(first + n - 1));
    return ALFE_OK;
}

int campaign_read_curvature(campaign *c, int64_t first, int64_t n, double *eta_cov,
                            double *hessian, double *hessian_stderr)
{
    double *out[3] = {eta_cov, hessian, hessian_stderr};
    for (int i = 0; i < N_MATRICES; i++)
        if (out[i])
            ALFE_CHECK(matrix_io(c, i, first, n, out[i], 0));
    return ALFE_OK;
}

int campaign_write_result(campaign *c, int64_t row, const point_result *res)
{
    if (row < 0 || row >= c->n_rows)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "row %lld outside the %lld rows of %s",
                         (long long)row, (long long)c->n_rows, c->path);
    /* The curvature first (NaN when not measured): status goes last. */
    {
        const size_t dd = (size_t)c->d * (size_t)c->d;
        double nan_matrix[ALFE_MAX_DIM * ALFE_MAX_DIM];
        for (size_t k = 0; k < dd; k++)
            nan_matrix[k] = NAN;
        for (int i = 0; i < N_MATRICES; i++) {
            const double *m = res->curvature ? (const double *)((const char *)res->curvature +
                                                                MATRICES[i].offset)
                                             : nan_matrix;
            ALFE_CHECK(matrix_io(c, i, row, 1, (double *)m, 1));
        }
    }
    /* Column by column in table order: status is the last column. */
    for (int i = 0; i < N_COLUMNS; i++) {
        if (COLUMNS[i].owner != OWNER_RESULT)
            continue;
        ALFE_CHECK(column_io(c, i, row, 1, field_address(&COLUMNS[i], NULL, (void *)res), 1));
    }
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * Rounds and runs. */
static void round_name(char *buf, size_t size, int round)
{
    snprintf(buf, size, "rounds/%04d", round);
}

const char *campaign_round_state_name(int state)
{
    return state == ROUND_DONE ? "done" : state == ROUND_RUNNING ? "running" : "absent";
}

static int write_round_attrs(hid_t g, const round_record *rec)
{
    ALFE_CHECK(h5u_attr_write_i64(g, "round", rec->round));
    ALFE_CHECK(h5u_attr_write_string(g, "state", campaign_round_state_name(rec->state)));
    ALFE_CHECK(h5u_attr_write_i64(g, "first_row", rec->first_row));
    ALFE_CHECK(h5u_attr_write_i64(g, "n_points", rec->n_points));
    ALFE_CHECK(h5u_attr_write_i64(g, "done", rec->done));
    ALFE_CHECK(h5u_attr_write_i64(g, "failed", rec->failed));
    ALFE_CHECK(h5u_attr_write_i64(g, "pending", rec->pending));
    ALFE_CHECK(h5u_attr_write_i64_array(g, "points_per_criterion", rec->per_criterion, CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_f64_array(g, "budget_per_criterion", rec->budget, CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_f64_array(g, "weight_per_criterion", rec->weight, CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_strings(g, "criterion_names", criterion_names, CRITERION_COUNT));
    ALFE_CHECK(h5u_attr_write_u64(g, "sobol_index_end", rec->sobol_index_end));
    ALFE_CHECK(h5u_attr_write_f64(g, "seconds_acquire", rec->seconds_acquire));
    ALFE_CHECK(h5u_attr_write_f64(g, "seconds_evaluate", rec->seconds_evaluate));
    ALFE_CHECK(h5u_attr_write_f64(g, "seconds_total", rec->seconds_total));
    ALFE_CHECK(h5u_attr_write_f64(g, "points_per_second", rec->points_per_second));
    ALFE_CHECK(h5u_attr_write_string(g, "started", rec->started));
    ALFE_CHECK(h5u_attr_write_string(g, "finished", rec->finished));
    ALFE_CHECK(h5u_attr_write_f64(g, "mse_all", rec->mse_all));
    ALFE_CHECK(h5u_attr_write_f64(g, "mse_new_before_training", rec->mse_new));
    ALFE_CHECK(h5u_attr_write_f64(g, "mse_test", rec->mse_test));
    ALFE_CHECK(h5u_attr_write_i64(g, "n_train", rec->n_train));
    ALFE_CHECK(h5u_attr_write_i64(g, "n_excluded", rec->n_excluded));
    ALFE_CHECK(h5u_attr_write_f64(g, "seconds_train", rec->seconds_train));
    /* 1.2: the units of the numeric attributes, "name: unit; ..." */
    ALFE_CHECK(h5u_attr_write_string(g, "units", CAMPAIGN_ROUND_UNITS));
    return campaign_criteria_write(g, rec);
}

int campaign_round_count(const campaign *c)
{
    hid_t rounds = H5Gopen2(c->file, "rounds", H5P_DEFAULT);
    if (rounds < 0)
        return 0;
    H5G_info_t info;
    int n = H5Gget_info(rounds, &info) < 0 ? 0 : (int)info.nlinks;
    H5Gclose(rounds);
    return n;
}

int campaign_read_round_from(hid_t file, int round, round_record *rec)
{
    memset(rec, 0, sizeof *rec);
    char name[64];
    round_name(name, sizeof name, round);
    if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
        rec->round = round;
        rec->state = ROUND_ABSENT;
        return ALFE_OK;
    }
    hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
    H5_CHECK(g, "cannot open /%s", name);
    char state[32];
    rec->round = round;
    rec->mse_all = rec->mse_new = rec->mse_test = NAN;
    /* Every attribute through the validating readers (shape, class, range):
     * campaign_verify.c has checked them at open, this keeps the reader safe
     * on its own. */
    const int64_t max_rows = (int64_t)1 << 40;
    int found = 0;
    int status = h5u_get_string(g, "state", state, sizeof state, NULL);
    if (status == ALFE_OK && strcmp(state, "done") != 0 && strcmp(state, "running") != 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "/%s@state: '%s' is not a round state", name, state);
    rec->state = !strcmp(state, "done") ? ROUND_DONE : ROUND_RUNNING;
    struct { const char *name; int64_t *out; } counts[] = {
        {"first_row", &rec->first_row}, {"n_points", &rec->n_points}, {"done", &rec->done},
        {"failed", &rec->failed}, {"pending", &rec->pending}, {"n_train", &rec->n_train},
        {"n_excluded", &rec->n_excluded}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0] && status == ALFE_OK; i++)
        status = h5u_get_i64(g, counts[i].name, i < 2 ? 0 : -1, max_rows, counts[i].out, &found);
    struct { const char *name; double *out; } reals[] = {
        {"seconds_acquire", &rec->seconds_acquire}, {"seconds_evaluate", &rec->seconds_evaluate},
        {"seconds_total", &rec->seconds_total}, {"points_per_second", &rec->points_per_second},
        {"mse_all", &rec->mse_all}, {"mse_new_before_training", &rec->mse_new},
        {"mse_test", &rec->mse_test}, {"seconds_train", &rec->seconds_train}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0] && status == ALFE_OK; i++)
        status = h5u_get_f64(g, reals[i].name, 0, reals[i].out, &found);
    if (status == ALFE_OK)
        status = h5u_get_u64(g, "sobol_index_end", &rec->sobol_index_end, &found);
    if (status == ALFE_OK)
        status = h5u_get_string(g, "started", rec->started, sizeof rec->started, &found);
    if (status == ALFE_OK)
        status = h5u_get_string(g, "finished", rec->finished, sizeof rec->finished, &found);
    /* Per-criterion arrays: at most CRITERION_COUNT values (older files
     * may hold fewer); never more than the record's arrays hold. */
    if (status == ALFE_OK) {
        h5u_attr_read_numeric_n(g, "points_per_criterion", H5T_NATIVE_INT64, rec->per_criterion,
                                CRITERION_COUNT);
        h5u_attr_read_numeric_n(g, "budget_per_criterion", H5T_NATIVE_DOUBLE, rec->budget,
                                CRITERION_COUNT);
        h5u_attr_read_numeric_n(g, "weight_per_criterion", H5T_NATIVE_DOUBLE, rec->weight,
                                CRITERION_COUNT);
        campaign_criteria_read(g, rec);
    }
    H5Gclose(g);
    return status;
}

/* ---------------------------------------------------------------------------
 * The /points table for campaign_verify.c and the content hash of a round. */
int campaign_column_count(void) { return N_COLUMNS; }

void campaign_column_info(int i, const char **name, int *vector, int *optional, int *is_float)
{
    *name = COLUMNS[i].name;
    *vector = COLUMNS[i].vector;
    *optional = column_optional(&COLUMNS[i]);
    *is_float = COLUMNS[i].file_kind == KIND_F64;
}

int campaign_matrix_count(void) { return N_MATRICES; }
const char *campaign_matrix_name(int i) { return MATRICES[i].name; }

/* SHA-256 over rows [first, first+n) of every /points dataset the file has,
 * in the column table's order then the curvature datasets', each value as
 * its stored little-endian type (docs/campaign-file.md, rows_sha256).
 * Serial reads with the default transfer (rank 0 or a read-only file). */
int campaign_rows_sha256(hid_t file, int d, int64_t first, int64_t n, char hex[SHA256_HEX])
{
    sha256_ctx ctx;
    sha256_init(&ctx);
    const int64_t block = 1024;
    const size_t dd = (size_t)d * (size_t)d;
    void *buf = ALFE_MALLOC(8 * (size_t)block * (dd > 0 ? dd : 1));
    int status = ALFE_OK;
    for (int i = 0; i < N_COLUMNS + N_MATRICES && status == ALFE_OK; i++) {
        char name[64];
        int is_matrix = i >= N_COLUMNS;
        snprintf(name, sizeof name, "points/%s",
                 is_matrix ? MATRICES[i - N_COLUMNS].name : COLUMNS[i].name);
        if (H5Lexists(file, name, H5P_DEFAULT) <= 0)
            continue;
        hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
        if (ds < 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "cannot open /%s", name);
            break;
        }
        int rank = is_matrix ? 3 : (COLUMNS[i].vector ? 2 : 1);
        hid_t type = is_matrix ? H5T_IEEE_F64LE : kind_file_type(COLUMNS[i].file_kind);
        size_t width = is_matrix ? dd : (COLUMNS[i].vector ? (size_t)d : 1);
        size_t elem = is_matrix ? 8 : kind_size(COLUMNS[i].file_kind);
        for (int64_t r = first; r < first + n && status == ALFE_OK; r += block) {
            int64_t m = first + n - r < block ? first + n - r : block;
            hsize_t start[3] = {(hsize_t)r, 0, 0};
            hsize_t count[3] = {(hsize_t)m, (hsize_t)d, (hsize_t)d};
            hid_t fs = H5Dget_space(ds);
            hid_t ms = H5Screate_simple(rank, count, NULL);
            herr_t rd = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0
                            ? -1
                            : H5Dread(ds, type, ms, fs, H5P_DEFAULT, buf);
            H5Sclose(ms);
            H5Sclose(fs);
            if (rd < 0)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "cannot read /%s rows %lld..%lld (damaged "
                                   "data?)", name, (long long)r, (long long)(r + m - 1));
            else
                sha256_update(&ctx, buf, (size_t)m * width * elem);
        }
        H5Dclose(ds);
    }
    free(buf);
    unsigned char digest[SHA256_BYTES];
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    return status;
}

/* A finished round's content hash (rank 0 computes, every rank writes). */
static int write_round_hash(campaign *c, hid_t g, const round_record *rec)
{
    char hex[SHA256_HEX] = "";
    int status = ALFE_OK;
    if (comm_rank() == 0)
        status = campaign_rows_sha256(c->file, c->d, rec->first_row, rec->n_points, hex);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    comm_bcast_bytes(hex, sizeof hex, 0);
    return h5u_attr_write_string(g, "rows_sha256", hex);
}

int campaign_read_round(campaign *c, int round, round_record *rec)
{
    return campaign_read_round_from(c->file, round, rec);
}

int campaign_append_round(campaign *c, const point_input *inputs, int64_t n,
                          const round_record *rec)
{
    ALFE_CHECK(campaign_boundary_begin(c->file, c->path));
    int64_t first = c->n_rows;
    int status = ALFE_OK;
    if (n > 0) {
        for (int i = 0; i < N_COLUMNS && status == ALFE_OK; i++) {
            hsize_t dims[2] = {(hsize_t)(first + n), (hsize_t)c->d};
            if (c->columns[i] < 0)
                continue; /* optional column absent from an older file */
            if (H5Dset_extent(c->columns[i], dims) < 0)
                status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot extend /points/%s", c->path,
                                   COLUMNS[i].name);
        }
        for (int i = 0; i < N_MATRICES && status == ALFE_OK; i++) {
            hsize_t dims[3] = {(hsize_t)(first + n), (hsize_t)c->d, (hsize_t)c->d};
            if (c->matrices[i] >= 0 && H5Dset_extent(c->matrices[i], dims) < 0)
                status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot extend /points/%s", c->path,
                                   MATRICES[i].name);
        }
        if (status == ALFE_OK)
            c->n_rows = first + n;
        if (status == ALFE_OK && comm_rank() == 0)
            status = rows_io(c, OWNER_INPUT, first, n, (void *)inputs, sizeof *inputs, 1);
        status = comm_agree_status(status);
    }
    if (status == ALFE_OK) {
        char name[64];
        round_name(name, sizeof name, rec->round);
        hid_t g = H5Gcreate2(c->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        status = g < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot create /%s", c->path, name)
                       : write_round_attrs(g, rec);
        if (g >= 0)
            H5Gclose(g);
    }
    if (status == ALFE_OK)
        status = h5u_attr_write_i64(c->file, "rounds_requested", c->rounds_requested);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status; /* the backup stays: the next run restores it */
    return campaign_boundary_end(c->file, c->path);
}

int campaign_read_models(campaign *c, int round, idnn_committee **out)
{
    *out = NULL;
    char name[64], where[4200];
    snprintf(name, sizeof name, "models/%04d", round);
    if (H5Lexists(c->file, "models", H5P_DEFAULT) <= 0 ||
        H5Lexists(c->file, name, H5P_DEFAULT) <= 0)
        return ALFE_OK;
    hid_t g = H5Gopen2(c->file, name, H5P_DEFAULT);
    H5_CHECK(g, "%s: cannot open /%s", c->path, name);
    snprintf(where, sizeof where, "%s:/%s", c->path, name);
    idnn_committee *ms = NULL;
    int status = model_read_group((int64_t)g, where, &ms);
    H5Gclose(g);
    if (status == ALFE_OK) {
        ms->round = round;
        *out = ms;
    }
    return status;
}

/* /models/NNNN (collective; replaces an earlier copy of the same round, left
 * by a run that stopped between writing models and finishing the round). */
static int write_models(campaign *c, int round, const idnn_committee *models)
{
    if (H5Lexists(c->file, "models", H5P_DEFAULT) <= 0) {
        hid_t g = H5Gcreate2(c->file, "models", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5_CHECK(g, "%s: cannot create /models", c->path);
        H5Gclose(g);
    }
    char name[64];
    snprintf(name, sizeof name, "models/%04d", round);
    if (H5Lexists(c->file, name, H5P_DEFAULT) > 0)
        H5_CHECK(H5Ldelete(c->file, name, H5P_DEFAULT), "%s: cannot replace /%s", c->path, name);
    hid_t g = H5Gcreate2(c->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_CHECK(g, "%s: cannot create /%s", c->path, name);
    int status = h5u_attr_write_i64(g, "round", round);
    if (status == ALFE_OK)
        status = model_write_group((int64_t)g, models);
    H5Gclose(g);
    return status;
}

int campaign_update_round(campaign *c, const round_record *rec,
                          const idnn_committee *models)
{
    ALFE_CHECK(campaign_boundary_begin(c->file, c->path));
    char name[64];
    round_name(name, sizeof name, rec->round);
    hid_t g = H5Gopen2(c->file, name, H5P_DEFAULT);
    int status = g < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot open /%s", c->path, name)
                       : write_round_attrs(g, rec);
    /* 1.3: the rows of a finished round are final; their hash is checked at
     * every open (campaign_verify.c). */
    if (status == ALFE_OK && rec->state == ROUND_DONE)
        status = write_round_hash(c, g, rec);
    if (g >= 0)
        H5Gclose(g);
    if (status == ALFE_OK && models)
        status = write_models(c, rec->round, models);
    if (status == ALFE_OK)
        status = h5u_attr_write_i64(c->file, "rounds_requested", c->rounds_requested);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    return campaign_boundary_end(c->file, c->path);
}

int campaign_write_run(campaign *c, const run_record *run, const char *config_text,
                       const char *build_info)
{
    ALFE_CHECK(campaign_boundary_begin(c->file, c->path));
    hid_t runs = H5Gopen2(c->file, "runs", H5P_DEFAULT);
    H5_CHECK(runs, "%s: no /runs group", c->path);
    H5G_info_t info;
    H5Gget_info(runs, &info);
    char name[32];
    snprintf(name, sizeof name, "%04d", (int)info.nlinks);
    hid_t g = H5Gcreate2(runs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int status = g < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create /runs/%s", name) : ALFE_OK;
    if (status == ALFE_OK) status = h5u_attr_write_string(g, "started", run->started);
    if (status == ALFE_OK) status = h5u_attr_write_string(g, "finished", run->finished);
    if (status == ALFE_OK) status = h5u_attr_write_i64(g, "ranks", run->ranks);
    if (status == ALFE_OK) status = h5u_attr_write_string(g, "exit_reason", run->exit_reason);
    if (status == ALFE_OK) status = h5u_attr_write_i64(g, "points_evaluated", run->points_evaluated);
    if (status == ALFE_OK) status = h5u_attr_write_string(g, "config", config_text);
    if (status == ALFE_OK) status = h5u_attr_write_string(g, "build", build_info);
    if (status == ALFE_OK)
        status = h5u_attr_write_string(g, "units", "ranks: dimensionless; points_evaluated: "
                                                   "dimensionless; timers: s");
    if (status == ALFE_OK) {
        double table[TIMER_COUNT * 3];
        for (int t = 0; t < TIMER_COUNT; t++) {
            table[3 * t] = run->timer_min[t];
            table[3 * t + 1] = run->timer_avg[t];
            table[3 * t + 2] = run->timer_max[t];
        }
        status = h5u_dataset_write_f64_2d(g, "timers", table, TIMER_COUNT, 3,
                                      "seconds per phase: min, avg, max over ranks");
        if (status == ALFE_OK) {
            hid_t ds = H5Dopen2(g, "timers", H5P_DEFAULT);
            const char *cols[] = {"min", "avg", "max"};
            status = h5u_attr_write_strings(ds, "names", run_timer_names, TIMER_COUNT);
            if (status == ALFE_OK)
                status = h5u_attr_write_strings(ds, "columns", cols, 3);
            const char *labels[2] = {"timer", "statistic over ranks"};
            if (status == ALFE_OK)
                status = h5u_attr_write_string(ds, "units", "s");
            if (status == ALFE_OK)
                status = h5u_set_dimension_labels(ds, labels, 2);
            H5Dclose(ds);
        }
    }
    if (g >= 0)
        H5Gclose(g);
    H5Gclose(runs);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    return campaign_boundary_end(c->file, c->path);
}

/* ---------------------------------------------------------------------------
 * Read-only access for the checks of campaign_guard.c and for alfe info
 * (rank 0, serial). */
int campaign_check_format(hid_t file, const char *path)
{
    char format[128];
    if (h5u_attr_read_string(file, "format", format, sizeof format) != 0 ||
        strcmp(format, CAMPAIGN_FORMAT) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: an HDF5 file but not an alfe campaign (no format = \"%s\" "
                         "attribute); refusing to touch it",
                         path, CAMPAIGN_FORMAT);
    int64_t major = -1, minor = -1;
    int found = 0;
    if (h5u_get_i64(file, "format_version_major", 0, 1000000, &major, NULL) != ALFE_OK ||
        h5u_get_i64(file, "format_version_minor", 0, 1000000, &minor, &found) != ALFE_OK)
        return campaign_verify_refuse(path);
    if (major != CAMPAIGN_FORMAT_MAJOR)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: campaign format version %lld.%lld; this alfe (%s) reads "
                         "version %d.x only",
                         path, (long long)major, (long long)minor, ALFE_VERSION,
                         CAMPAIGN_FORMAT_MAJOR);
    return ALFE_OK;
}

hid_t campaign_open_readonly(const char *path, int *status)
{
    *status = ALFE_OK;
    struct stat st;
    if (stat(path, &st) != 0) {
        *status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no such file", path);
        return -1;
    }
    if ((*status = alfe_require_regular_file(path)) != ALFE_OK)
        return -1;
    if (access(path, R_OK) != 0) {
        *status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (H5Fis_hdf5(path) <= 0) {
        *status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: not an HDF5 file (and so not an alfe campaign)",
                            path);
        return -1;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        *status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open as HDF5", path);
    return file;
}
