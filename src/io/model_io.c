/* model_io.c — committees of IDNNs on disk and the Keras importer.
 *
 * A model group (the root of an "alfe-model" file, or /models/NNNN of a
 * campaign) holds: attributes d, n_members, invariants (the formulas, one
 * string per invariant); and one subgroup member_KK per member with the
 * dataset params (the flat parameter block, idnn.h layout) and attributes
 * n_inputs, n_layers, widths, activations (names), scale.
 * Owns: nothing beyond the call (committees are idnn_committee, network/).
 * Serial HDF5 only; campaign_io.c calls model_write_group collectively for
 * the campaign's copy. */
#include "alfe/io/model_io.h"

#include "alfe/base/error.h"
#include "alfe/io/h5util.h"
#include "alfe/io/campaign_sandbox.h"
#include "alfe/io/campaign_verify.h"
#include "alfe/base/util.h"

#include <ctype.h>
#include <errno.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int activation_from_name(const char *name)
{
    for (int a = 0; a < IDNN_ACTIVATION_COUNT; a++)
        if (!strcmp(name, idnn_activation_names[a]))
            return a;
    return -1;
}

int model_write_group(int64_t loc_id, const idnn_committee *ms)
{
    hid_t loc = (hid_t)loc_id;
    ALFE_CHECK(h5u_attr_write_i64(loc, "d", ms->d));
    ALFE_CHECK(h5u_attr_write_i64(loc, "n_members", ms->n_members));
    ALFE_CHECK(h5u_attr_write_strings(loc, "invariants", (const char *const *)ms->inv->formula,
                                      ms->inv->m));
    for (int k = 0; k < ms->n_members; k++) {
        const idnn *net = ms->members[k];
        char name[32];
        snprintf(name, sizeof name, "member_%02d", k);
        hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5_CHECK(g, "cannot create model group %s", name);
        int status = h5u_dataset_write_f64_2d(g, "params", net->params, net->n_params, 0,
                                              "flat parameter block (docs/idnn.md layout)");
        int64_t widths[IDNN_MAX_LAYERS];
        const char *acts[IDNN_MAX_LAYERS];
        for (int l = 0; l < net->arch.n_layers; l++) {
            widths[l] = net->arch.width[l];
            acts[l] = idnn_activation_names[net->arch.activation[l]];
        }
        if (status == ALFE_OK) status = h5u_attr_write_i64(g, "n_inputs", net->arch.n_inputs);
        if (status == ALFE_OK) status = h5u_attr_write_i64(g, "n_layers", net->arch.n_layers);
        if (status == ALFE_OK)
            status = h5u_attr_write_i64_array(g, "widths", widths, net->arch.n_layers);
        if (status == ALFE_OK)
            status = h5u_attr_write_strings(g, "activations", acts, net->arch.n_layers);
        if (status == ALFE_OK) status = h5u_attr_write_f64(g, "scale", net->arch.scale);
        /* Invariants of the dimensionless eta in, scale * g out: every
         * parameter is dimensionless and scale is per (eV per prim cell). */
        if (status == ALFE_OK)
            status = h5u_attr_write_string(g, "units", "scale: 1/(eV per prim cell)");
        if (status == ALFE_OK) {
            hid_t ds = H5Dopen2(g, "params", H5P_DEFAULT);
            status = ds < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot open %s/params", name)
                            : h5u_attr_write_string(ds, "units", "dimensionless");
            if (ds >= 0)
                H5Dclose(ds);
        }
        H5Gclose(g);
        ALFE_CHECK(status);
    }
    return ALFE_OK;
}

/* The parameter count of an architecture (idnn.c's layout), in double so
 * that a hostile width cannot overflow it. */
static double arch_param_count(int64_t n_inputs, int64_t n_layers, const int64_t *widths)
{
    double total = 0.0, n_in = (double)n_inputs;
    for (int64_t l = 0; l <= n_layers; l++) {
        double n_out = l < n_layers ? (double)widths[l] : 1.0;
        total += n_out * n_in + n_out;
        n_in = n_out;
    }
    return total;
}

int model_check_member(int64_t loc_id, const char *name, idnn_arch *arch_out, size_t *n_params)
{
    hid_t loc = (hid_t)loc_id;
    char where[3300];
    h5u_where(loc, name, 0, where, sizeof where);
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: member group missing", where);
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (g < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: not a group", where);
    idnn_arch arch;
    memset(&arch, 0, sizeof arch);
    int64_t n_inputs = 0, n_layers = 0, widths[IDNN_MAX_LAYERS];
    int status = h5u_get_i64(g, "n_inputs", 1, 100000, &n_inputs, NULL);
    if (status == ALFE_OK)
        status = h5u_get_i64(g, "n_layers", 1, IDNN_MAX_LAYERS, &n_layers, NULL);
    if (status == ALFE_OK)
        status = h5u_get_f64(g, "scale", 1, &arch.scale, NULL);
    if (status == ALFE_OK && !(arch.scale > 0.0))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s@scale: %g; need > 0", where, arch.scale);
    if (status == ALFE_OK)
        status = h5u_get_i64_array(g, "widths", (int)n_layers, 1, 100000000, widths, NULL);
    double count = status == ALFE_OK ? arch_param_count(n_inputs, n_layers, widths) : 0.0;
    if (status == ALFE_OK && count > MODEL_MAX_PARAMETERS)
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%s@widths: the architecture has %.3g parameters, above the limit "
                           "of %.0e per network",
                           where, count, (double)MODEL_MAX_PARAMETERS);
    char **acts = NULL;
    int n_acts = 0;
    if (status == ALFE_OK)
        status = h5u_get_strings(g, "activations", IDNN_MAX_LAYERS, &acts, &n_acts, NULL);
    if (status == ALFE_OK && n_acts != n_layers)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s@activations: %d names for %lld layers", where,
                           n_acts, (long long)n_layers);
    if (status == ALFE_OK) {
        arch.n_inputs = (int)n_inputs;
        arch.n_layers = (int)n_layers;
        for (int l = 0; l < arch.n_layers && status == ALFE_OK; l++) {
            arch.width[l] = (int)widths[l];
            arch.activation[l] = activation_from_name(acts[l]);
            if (arch.activation[l] < 0)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s@activations: unknown activation '%s'",
                                   where, acts[l]);
        }
    }
    for (int i = 0; i < n_acts; i++)
        free(acts[i]);
    free(acts);
    /* params: a 1-D float64 dataset of exactly the architecture's count. */
    if (status == ALFE_OK) {
        hid_t ds = H5Lexists(g, "params", H5P_DEFAULT) > 0 ? H5Dopen2(g, "params", H5P_DEFAULT)
                                                          : -1;
        if (ds < 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s/params: required dataset missing", where);
        } else {
            hid_t space = H5Dget_space(ds), type = H5Dget_type(ds);
            int rank = H5Sget_simple_extent_ndims(space);
            hsize_t dims[H5S_MAX_RANK] = {0};
            if (rank >= 1 && rank <= H5S_MAX_RANK)
                H5Sget_simple_extent_dims(space, dims, NULL);
            if (rank != 1)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s/params: rank %d, expected 1", where, rank);
            else if (H5Tget_class(type) != H5T_FLOAT || H5Tget_size(type) != 8)
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "%s/params: stored as %s of %zu bytes, expected float64",
                                   where, H5Tget_class(type) == H5T_INTEGER ? "integers"
                                          : H5Tget_class(type) == H5T_FLOAT ? "floats" : "non-numbers",
                                   H5Tget_size(type));
            else if ((double)dims[0] != count)
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "%s/params: %llu values but the architecture needs %.0f "
                                   "(architecture mismatch)",
                                   where, (unsigned long long)dims[0], count);
            H5Tclose(type);
            H5Sclose(space);
            H5Dclose(ds);
        }
    }
    H5Gclose(g);
    if (status == ALFE_OK && arch_out)
        *arch_out = arch;
    if (status == ALFE_OK && n_params)
        *n_params = (size_t)count;
    return status;
}

static int read_member(hid_t loc, const char *name, const char *where, idnn **out)
{
    (void)where;
    *out = NULL;
    idnn_arch arch;
    size_t count = 0;
    ALFE_CHECK(model_check_member((int64_t)loc, name, &arch, &count));
    idnn *net = NULL;
    ALFE_CHECK(idnn_create(&arch, &net));
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    double *params = NULL;
    hsize_t want[1] = {(hsize_t)net->n_params}, dims[1];
    int status = g < 0 ? ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open %s", where, name)
                       : h5u_get_f64_dataset(g, "params", 1, want, net->n_params, 1, &params, dims);
    if (status == ALFE_OK)
        memcpy(net->params, params, sizeof(double) * net->n_params);
    free(params);
    if (g >= 0)
        H5Gclose(g);
    if (status != ALFE_OK) {
        idnn_destroy(&net);
        return status;
    }
    *out = net;
    return ALFE_OK;
}

int model_read_group(int64_t loc_id, const char *where, idnn_committee **out)
{
    hid_t loc = (hid_t)loc_id;
    *out = NULL;
    int64_t d = 0, n_members = 0;
    if (H5Aexists(loc, "d") <= 0 || H5Aexists(loc, "n_members") <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: not a model group (no d / n_members)", where);
    ALFE_CHECK(h5u_get_i64(loc, "d", 1, 64, &d, NULL));
    ALFE_CHECK(h5u_get_i64(loc, "n_members", 1, 10000, &n_members, NULL));
    char **formulas = NULL;
    int m = 0;
    ALFE_CHECK(h5u_get_strings(loc, "invariants", 100000, &formulas, &m, NULL));
    if (m < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: no invariants", where);
    invariant_set *inv = NULL;
    int status = invariant_set_from_formulas((const char *const *)formulas, m, (int)d, &inv);
    for (int i = 0; i < m; i++)
        free(formulas[i]);
    free(formulas);
    idnn **members = ALFE_CALLOC((size_t)n_members, sizeof(idnn *));
    for (int k = 0; k < n_members && status == ALFE_OK; k++) {
        char name[32];
        snprintf(name, sizeof name, "member_%02d", k);
        status = read_member(loc, name, where, &members[k]);
        if (status == ALFE_OK && members[k]->arch.n_inputs != m)
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s/%s: the network takes %d inputs but there are %d "
                               "invariants (architecture mismatch)",
                               where, name, members[k]->arch.n_inputs, m);
    }
    if (status == ALFE_OK)
        status = idnn_committee_adopt(inv, 1, (int)n_members, members, where, out);
    else {
        for (int k = 0; k < n_members; k++)
            idnn_destroy(&members[k]);
        invariant_set_destroy(&inv);
    }
    free(members);
    ALFE_CHECK(status);
    snprintf((*out)->source, sizeof (*out)->source, "%s", where);
    return ALFE_OK;
}

/* The rounds stored under /models (a campaign): the one to read (`round`, or
 * the latest when round < 0; -1 when absent) and the lowest and highest.
 * A /models that is not a group, or whose link names cannot be read (a
 * damaged file), is ALFE_ERR_INPUT: unchecked, H5Gget_info left the link
 * count undefined and the loop ran for ever (found by tests/fuzz/fuzz_h5). */
static int models_rounds(hid_t models, const char *path, int round, int *chosen, int *lo,
                         int *hi)
{
    H5G_info_t info;
    if (models < 0 || H5Gget_info(models, &info) < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: /models is not a readable group (damaged file?)",
                         path);
    for (hsize_t i = 0; i < info.nlinks; i++) {
        char name[64];
        if (H5Lget_name_by_idx(models, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot read the names in /models (damaged "
                             "file?)", path);
        int r = atoi(name);
        if ((round < 0 && r > *chosen) || r == round)
            *chosen = r;
        *lo = *lo < 0 || r < *lo ? r : *lo;
        *hi = r > *hi ? r : *hi;
    }
    return ALFE_OK;
}

static int model_read_in_process(const char *path, int round, idnn_committee **out)
{
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: no such file", path);
    ALFE_CHECK(alfe_require_regular_file(path));
    if (access(path, R_OK) != 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot read: %s", path, strerror(errno));
    if (H5Fis_hdf5(path) <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: not an HDF5 file (expected an alfe model or "
                                         "campaign)", path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open", path);
    char format[64] = "";
    int64_t major = -1;
    h5u_attr_read_string(file, "format", format, sizeof format);
    int status = ALFE_OK;
    if (!strcmp(format, MODEL_FORMAT) || !strcmp(format, "alfe-campaign"))
        status = h5u_get_i64(file, "format_version_major", 0, 1000000, &major, NULL);
    if (status != ALFE_OK) {
        if (!strcmp(format, "alfe-campaign"))
            status = campaign_verify_refuse(path);
    } else if (!strcmp(format, MODEL_FORMAT)) {
        if (major != MODEL_FORMAT_MAJOR)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: model format version %lld; this alfe reads "
                                               "%d.x only", path, (long long)major,
                               MODEL_FORMAT_MAJOR);
        else
            status = model_read_group((int64_t)file, path, out);
    } else if (!strcmp(format, "alfe-campaign")) {
        if (major != 1) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: campaign format version %lld; this alfe "
                                               "reads 1.x only", path, (long long)major);
        } else if ((status = campaign_verify_file((int64_t)file, path)) != ALFE_OK) {
            /* refused: campaign_verify.c said why */
        } else if (H5Lexists(file, "models", H5P_DEFAULT) <= 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: the campaign has no trained models yet", path);
        } else {
            hid_t models = H5Gopen2(file, "models", H5P_DEFAULT);
            int chosen = -1, lo = -1, hi = -1;
            status = models_rounds(models, path, round, &chosen, &lo, &hi);
            if (status == ALFE_OK && (chosen < 0 || (round >= 0 && chosen != round))) {
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: no models for round %d (rounds are "
                                   "numbered from 0, as in the run log and alfe info; models "
                                   "stored for rounds %d to %d)", path, round, lo, hi);
            } else if (status == ALFE_OK) {
                char name[64], where[1200];
                snprintf(name, sizeof name, "%04d", chosen);
                snprintf(where, sizeof where, "%s:/models/%s", path, name);
                hid_t g = H5Gopen2(models, name, H5P_DEFAULT);
                status = model_read_group((int64_t)g, where, out);
                if (status == ALFE_OK)
                    (*out)->round = chosen;
                H5Gclose(g);
            }
            if (models >= 0)
                H5Gclose(models);
        }
    } else {
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: not an alfe model or campaign file (format '%s')",
                           path, format);
    }
    H5Fclose(file);
    return status;
}

typedef struct {
    const char *path;
    int round;
} model_read_args;

/* In the checking process: the reads of model_read and model_read_q
 * (`alfe predict` makes both). */
static int model_read_child(void *arg)
{
    const model_read_args *a = arg;
    idnn_committee *c = NULL;
    int status = model_read_in_process(a->path, a->round, &c);
    idnn_committee_destroy(&c);
    double *q = NULL;
    int d = 0, m = 0;
    if (status == ALFE_OK)
        status = model_read_q(a->path, &q, &d, &m);
    free(q);
    return status;
}

int model_read(const char *path, int round, idnn_committee **out)
{
    *out = NULL;
    model_read_args args = {path, round};
    ALFE_CHECK(campaign_sandboxed(path, "model or campaign", model_read_child, &args));
    return model_read_in_process(path, round, out);
}

int model_read_q(const char *path, double **q, int *d, int *m)
{
    *q = NULL;
    *d = *m = 0;
    ALFE_CHECK(alfe_require_regular_file(path));
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open", path);
    char format[64] = "";
    h5u_attr_read_string(file, "format", format, sizeof format);
    int status = ALFE_OK;
    if (!strcmp(format, "alfe-campaign")) {
        hsize_t dims[2] = {0, 0};
        int rank = 0;
        status = h5u_read_f64_dataset(file, "system/Q", q, dims, &rank);
        if (status == ALFE_OK && rank != 2) {
            free(*q);
            *q = NULL;
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: /system/Q is not a matrix", path);
        }
        if (status == ALFE_OK) {
            *d = (int)dims[0];
            *m = (int)dims[1];
        }
    }
    H5Fclose(file);
    return status;
}

int model_write(const char *path, const idnn_committee *ms, const char *provenance)
{
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot create", path);
    char created[32], version[16];
    alfe_timestamp(created, sizeof created);
    snprintf(version, sizeof version, "%d.%d", MODEL_FORMAT_MAJOR, MODEL_FORMAT_MINOR);
    int status = h5u_attr_write_string(file, "format", MODEL_FORMAT);
    if (status == ALFE_OK) status = h5u_attr_write_string(file, "format_version", version);
    if (status == ALFE_OK) status = h5u_attr_write_i64(file, "format_version_major", MODEL_FORMAT_MAJOR);
    if (status == ALFE_OK) status = h5u_attr_write_i64(file, "format_version_minor", MODEL_FORMAT_MINOR);
    if (status == ALFE_OK) status = h5u_attr_write_string(file, "created", created);
    if (status == ALFE_OK) status = h5u_attr_write_string(file, "provenance", provenance);
    if (status == ALFE_OK)
        status = h5u_attr_write_string(file, "units", "g and mu in eV per prim cell; the network "
                                                      "output is scale * g");
    if (status == ALFE_OK)
        status = model_write_group((int64_t)file, ms);
    if (H5Fclose(file) < 0 && status == ALFE_OK)
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot close", path);
    return status;
}

/* ---------------------------------------------------------------------------
 * Keras import. */
static int read_f32_as_f64(hid_t loc, const char *name, double **values, hsize_t *dims, int *rank)
{
    /* h5u_read_f64_dataset converts any float type to double. */
    return h5u_read_f64_dataset(loc, name, values, dims, rank);
}

typedef struct {
    int index;       /* 0 for "dense", k for "dense_k" */
    char name[64];
} dense_layer;

static int compare_dense(const void *a, const void *b)
{
    return ((const dense_layer *)a)->index - ((const dense_layer *)b)->index;
}

static int import_keras_in_process(const char *weights_path, const invariant_set *inv,
                                   double scale, int activation, idnn_committee **out)
{
    *out = NULL;
    ALFE_CHECK(alfe_require_regular_file(weights_path));
    if (H5Fis_hdf5(weights_path) <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: not an HDF5 file", weights_path);
    hid_t file = H5Fopen(weights_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open", weights_path);
    if (H5Lexists(file, "dnn_layers", H5P_DEFAULT) <= 0) {
        H5Fclose(file);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: no dnn_layers group (not a Keras IDNN weights "
                                         "file of the published workflow)", weights_path);
    }
    hid_t layers = H5Gopen2(file, "dnn_layers", H5P_DEFAULT);
    H5G_info_t info;
    H5Gget_info(layers, &info);
    dense_layer dense[IDNN_MAX_LAYERS + 2];
    int n_dense = 0, status = ALFE_OK;
    for (hsize_t i = 0; i < info.nlinks && status == ALFE_OK; i++) {
        char name[64];
        H5Lget_name_by_idx(layers, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                           H5P_DEFAULT);
        if (!strncmp(name, "dropout", 7))
            continue; /* no weights; inactive at inference */
        int index = -1;
        if (!strcmp(name, "dense"))
            index = 0;
        else if (!strncmp(name, "dense_", 6) && isdigit((unsigned char)name[6]))
            index = atoi(name + 6);
        if (index < 0)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: unexpected layer dnn_layers/%s (only dense and "
                                               "dropout layers are understood)", weights_path, name);
        else if (n_dense >= IDNN_MAX_LAYERS + 1)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: more than %d dense layers", weights_path,
                               IDNN_MAX_LAYERS + 1);
        else {
            dense[n_dense].index = index;
            snprintf(dense[n_dense].name, sizeof dense[n_dense].name, "%s", name);
            n_dense++;
        }
    }
    if (status == ALFE_OK && n_dense < 2)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: needs at least one hidden and one output dense "
                                           "layer, found %d dense layers", weights_path, n_dense);
    qsort(dense, (size_t)n_dense, sizeof dense[0], compare_dense);
    double *kernel[IDNN_MAX_LAYERS + 1] = {0}, *bias[IDNN_MAX_LAYERS + 1] = {0};
    hsize_t kdims[IDNN_MAX_LAYERS + 1][2];
    for (int l = 0; l < n_dense && status == ALFE_OK; l++) {
        char path[160];
        hsize_t bdims[2];
        int krank = 0, brank = 0;
        snprintf(path, sizeof path, "%s/vars/0", dense[l].name);
        status = read_f32_as_f64(layers, path, &kernel[l], kdims[l], &krank);
        if (status == ALFE_OK) {
            snprintf(path, sizeof path, "%s/vars/1", dense[l].name);
            status = read_f32_as_f64(layers, path, &bias[l], bdims, &brank);
        }
        if (status == ALFE_OK && (krank != 2 || brank != 1 || bdims[0] != kdims[l][1]))
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: dnn_layers/%s: kernel/bias shapes do not form "
                                               "a dense layer", weights_path, dense[l].name);
        hsize_t want_in = l == 0 ? (hsize_t)inv->m : kdims[l > 0 ? l - 1 : 0][1];
        if (status == ALFE_OK && kdims[l][0] != want_in)
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: dnn_layers/%s takes %llu inputs, expected %llu%s",
                               weights_path, dense[l].name, (unsigned long long)kdims[l][0],
                               (unsigned long long)want_in,
                               l == 0 ? " (the number of invariants)" : "");
    }
    if (status == ALFE_OK && kdims[n_dense - 1][1] != 1)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: the last dense layer has %llu outputs, expected 1",
                           weights_path, (unsigned long long)kdims[n_dense - 1][1]);
    idnn *net = NULL;
    if (status == ALFE_OK) {
        idnn_arch arch;
        memset(&arch, 0, sizeof arch);
        arch.n_inputs = inv->m;
        arch.n_layers = n_dense - 1;
        arch.scale = scale;
        for (int l = 0; l < arch.n_layers; l++) {
            arch.width[l] = (int)kdims[l][1];
            arch.activation[l] = activation;
        }
        status = idnn_create(&arch, &net);
        if (status == ALFE_OK) {
            /* Keras kernels are [in, out]; alfe's W_l is [out, in]. */
            for (int l = 0; l <= arch.n_layers; l++) {
                const hsize_t n_in = kdims[l][0], n_out = kdims[l][1];
                double *w = net->params + net->offset_w[l];
                for (hsize_t o = 0; o < n_out; o++)
                    for (hsize_t i = 0; i < n_in; i++)
                        w[o * n_in + i] = kernel[l][i * n_out + o];
                memcpy(net->params + net->offset_b[l], bias[l], sizeof(double) * n_out);
            }
        }
    }
    /* A copy of the invariants, owned by the committee. */
    invariant_set *own = NULL;
    if (status == ALFE_OK)
        status = invariant_set_from_formulas((const char *const *)inv->formula, inv->m, inv->d,
                                             &own);
    if (status == ALFE_OK) {
        status = idnn_committee_adopt(own, 1, 1, &net, weights_path, out);
        if (status == ALFE_OK)
            snprintf((*out)->source, sizeof (*out)->source, "%s", weights_path);
    }
    idnn_destroy(&net);
    for (int l = 0; l < n_dense; l++) {
        free(kernel[l]);
        free(bias[l]);
    }
    H5Gclose(layers);
    H5Fclose(file);
    return status;
}

typedef struct {
    const char *path;
    const invariant_set *inv;
    double scale;
    int activation;
} import_args;

/* In the checking process: the whole import, result dropped. */
static int import_keras_child(void *arg)
{
    const import_args *a = arg;
    idnn_committee *c = NULL;
    int status = import_keras_in_process(a->path, a->inv, a->scale, a->activation, &c);
    idnn_committee_destroy(&c);
    return status;
}

int model_import_keras(const char *weights_path, const invariant_set *inv, double scale,
                       int activation, idnn_committee **out)
{
    *out = NULL;
    import_args args = {weights_path, inv, scale, activation};
    ALFE_CHECK(campaign_sandboxed(weights_path, "Keras weights file", import_keras_child, &args));
    return import_keras_in_process(weights_path, inv, scale, activation, out);
}
