/* h5util.c — HDF5 attribute and small-dataset helpers (see h5util.h).
 * Owns: nothing stateful. */
#include "alfe/io/h5util.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------
 * Attributes.  In a parallel file these are collective: every rank calls with
 * the same value. */
int h5u_attr_delete(hid_t loc, const char *name)
{
    htri_t exists = H5Aexists(loc, name);
    if (exists > 0)
        H5_CHECK(H5Adelete(loc, name), "cannot replace attribute %s", name);
    return ALFE_OK;
}

int h5u_attr_write(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int rank,
                      const hsize_t *dims, const void *value)
{
    ALFE_CHECK(h5u_attr_delete(loc, name));
    hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    hid_t attr = H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t w = attr >= 0 ? H5Awrite(attr, mem_type, value) : -1;
    if (attr >= 0)
        H5Aclose(attr);
    H5Sclose(space);
    H5_CHECK(w, "cannot write attribute %s", name);
    return ALFE_OK;
}

int h5u_attr_write_string(hid_t loc, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    int status = h5u_attr_write(loc, name, type, type, 0, NULL, &value);
    H5Tclose(type);
    return status;
}

int h5u_attr_write_strings(hid_t loc, const char *name, const char *const *values, int n)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hsize_t dims[1] = {(hsize_t)n};
    int status = h5u_attr_write(loc, name, type, type, 1, dims, values);
    H5Tclose(type);
    return status;
}

int h5u_set_dimension_labels(hid_t ds, const char *const *labels, int n)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    hsize_t dims[1] = {(hsize_t)n};
    int status = h5u_attr_write(ds, "DIMENSION_LABELS", type, type, 1, dims, labels);
    H5Tclose(type);
    return status;
}

int h5u_attr_write_i64(hid_t loc, const char *name, int64_t value)
{
    return h5u_attr_write(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL, &value);
}

int h5u_attr_write_u64(hid_t loc, const char *name, uint64_t value)
{
    return h5u_attr_write(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 0, NULL, &value);
}

int h5u_attr_write_f64(hid_t loc, const char *name, double value)
{
    return h5u_attr_write(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &value);
}

int h5u_attr_write_f64_array(hid_t loc, const char *name, const double *v, int n)
{
    hsize_t dims[1] = {(hsize_t)n};
    return h5u_attr_write(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, v);
}

int h5u_attr_write_i64_array(hid_t loc, const char *name, const int64_t *v, int n)
{
    hsize_t dims[1] = {(hsize_t)n};
    return h5u_attr_write(loc, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, v);
}

/* Read a string attribute (variable or fixed length) into buf; -1 if absent
 * or not a string. */
int h5u_attr_read_string(hid_t loc, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    hid_t ftype = H5Aget_type(attr);
    int result = -1;
    if (H5Tget_class(ftype) == H5T_STRING) {
        hid_t space = H5Aget_space(attr);
        if (H5Sget_simple_extent_npoints(space) == 1) {
            if (H5Tis_variable_str(ftype) > 0) {
                hid_t mtype = H5Tcopy(H5T_C_S1);
                H5Tset_size(mtype, H5T_VARIABLE);
                H5Tset_cset(mtype, H5Tget_cset(ftype)); /* HDF5 converts no ASCII<->UTF-8 */
                char *value = NULL;
                if (H5Aread(attr, mtype, &value) >= 0 && value) {
                    snprintf(buf, size, "%s", value);
                    H5free_memory(value);
                    result = 0;
                }
                H5Tclose(mtype);
            } else {
                size_t n = H5Tget_size(ftype);
                char *tmp = ALFE_CALLOC(n + 1, 1);
                hid_t mtype = H5Tcopy(H5T_C_S1);
                H5Tset_size(mtype, n);
                H5Tset_strpad(mtype, H5Tget_strpad(ftype));
                H5Tset_cset(mtype, H5Tget_cset(ftype));
                if (H5Aread(attr, mtype, tmp) >= 0) {
                    snprintf(buf, size, "%s", tmp);
                    result = 0;
                }
                H5Tclose(mtype);
                free(tmp);
            }
        }
        H5Sclose(space);
    }
    H5Tclose(ftype);
    H5Aclose(attr);
    return result;
}

/* A numeric attribute of exactly n elements (n = 1: a scalar or a 1-element
 * array) converted to mem_type; -1 if absent or of another shape or class
 * (never reads more than n elements: campaign_verify.c names the problem). */
int h5u_attr_read_numeric_n(hid_t loc, const char *name, hid_t mem_type, void *value, int n)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    hid_t space = H5Aget_space(attr);
    hid_t ftype = H5Aget_type(attr);
    H5T_class_t cls = H5Tget_class(ftype);
    hssize_t count = H5Sget_simple_extent_npoints(space);
    int ok = count >= 1 && count <= n && (cls == H5T_INTEGER || cls == H5T_FLOAT);
    herr_t r = ok ? H5Aread(attr, mem_type, value) : -1;
    H5Tclose(ftype);
    H5Sclose(space);
    H5Aclose(attr);
    return r < 0 ? -1 : 0;
}

int h5u_attr_read_numeric(hid_t loc, const char *name, hid_t mem_type, void *value)
{
    return h5u_attr_read_numeric_n(loc, name, mem_type, value, 1);
}

/* ---------------------------------------------------------------------------
 * Validating readers: every shape, class and range is checked before the
 * read; a failure is "FILE: /object[@attribute]: what is wrong", exit 2. */
void h5u_where(hid_t loc, const char *name, int attribute, char *buf, size_t size)
{
    char file[2048] = "?", obj[1024] = "";
    if (H5Fget_name(loc, file, sizeof file) < 0)
        snprintf(file, sizeof file, "?");
    if (H5Iget_name(loc, obj, sizeof obj) < 0)
        obj[0] = '\0';
    const char *sep = attribute ? "@" : (strcmp(obj, "/") && obj[0] ? "/" : "");
    if (!obj[0] || (!strcmp(obj, "/") && !attribute))
        snprintf(buf, size, "%s: /%s", file, name);
    else
        snprintf(buf, size, "%s: %s%s%s", file, obj, sep, name);
}

#define H5U_FAIL(loc, name, attribute, ...)                                         \
    do {                                                                           \
        char where_[3200], what_[512];                                             \
        h5u_where((loc), (name), (attribute), where_, sizeof where_);              \
        snprintf(what_, sizeof what_, __VA_ARGS__);                                \
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: %s", where_, what_);                 \
    } while (0)

/* Open attribute `name` and check its element count (want < 0: any count up
 * to -want) and class; *attr = -1 when absent. */
static int attr_open_checked(hid_t loc, const char *name, int want, H5T_class_t cls1,
                             H5T_class_t cls2, hid_t *attr, hssize_t *count)
{
    *attr = -1;
    htri_t exists = H5Aexists(loc, name);
    if (exists < 0)
        H5U_FAIL(loc, name, 1, "cannot check the attribute");
    if (exists == 0)
        return ALFE_OK;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        H5U_FAIL(loc, name, 1, "cannot open the attribute");
    hid_t space = H5Aget_space(a), ftype = H5Aget_type(a);
    H5S_class_t scls = H5Sget_simple_extent_type(space);
    int rank = H5Sget_simple_extent_ndims(space);
    hssize_t n = H5Sget_simple_extent_npoints(space);
    H5T_class_t c = H5Tget_class(ftype);
    size_t tsize = H5Tget_size(ftype);
    H5Sclose(space);
    H5Tclose(ftype);
    const char *cls_name = c == H5T_INTEGER ? "integer" : c == H5T_FLOAT ? "floating-point"
                           : c == H5T_STRING ? "string" : "other";
    int status = ALFE_OK;
    char msg[256] = "";
    if (scls == H5S_NULL || n < 0)
        snprintf(msg, sizeof msg, "empty (null dataspace)");
    else if (want == 1 && (rank > 1 || n != 1))
        snprintf(msg, sizeof msg, "expected a scalar, found an array of %lld element%s (rank %d)",
                 (long long)n, n == 1 ? "" : "s", rank);
    else if (want > 1 && (rank != 1 || n != want))
        snprintf(msg, sizeof msg, "expected %d values (rank 1), found %lld (rank %d)", want,
                 (long long)n, rank);
    else if (want < 0 && (rank > 1 || n > -want))
        snprintf(msg, sizeof msg, "expected at most %d values (rank 1), found %lld (rank %d)",
                 -want, (long long)n, rank);
    else if (c != cls1 && c != cls2)
        snprintf(msg, sizeof msg, "expected %s data, found %s", 
                 cls1 == H5T_INTEGER ? "integer" : cls1 == H5T_STRING ? "string" : "numeric",
                 cls_name);
    else if ((c == H5T_INTEGER || c == H5T_FLOAT) && tsize > 8)
        snprintf(msg, sizeof msg, "%zu-byte numbers are not supported", tsize);
    if (msg[0]) {
        H5Aclose(a);
        H5U_FAIL(loc, name, 1, "%s", msg);
    }
    *attr = a;
    *count = n;
    return status;
}

static int missing(hid_t loc, const char *name, int *found)
{
    if (found) {
        *found = 0;
        return ALFE_OK;
    }
    H5U_FAIL(loc, name, 1, "required attribute missing");
}

int h5u_get_i64(hid_t loc, const char *name, int64_t lo, int64_t hi, int64_t *out, int *found)
{
    hid_t a;
    hssize_t n;
    ALFE_CHECK(attr_open_checked(loc, name, 1, H5T_INTEGER, H5T_INTEGER, &a, &n));
    if (a < 0)
        return missing(loc, name, found);
    /* Read through both signed and unsigned 64-bit so no value is clipped. */
    hid_t ftype = H5Aget_type(a);
    int is_unsigned = H5Tget_sign(ftype) == H5T_SGN_NONE;
    H5Tclose(ftype);
    int64_t v = 0;
    uint64_t u = 0;
    herr_t r = is_unsigned ? H5Aread(a, H5T_NATIVE_UINT64, &u) : H5Aread(a, H5T_NATIVE_INT64, &v);
    H5Aclose(a);
    if (r < 0)
        H5U_FAIL(loc, name, 1, "cannot read the attribute");
    if (is_unsigned && u > (uint64_t)INT64_MAX)
        H5U_FAIL(loc, name, 1, "%llu is outside %lld..%lld", (unsigned long long)u,
                 (long long)lo, (long long)hi);
    if (is_unsigned)
        v = (int64_t)u;
    if (v < lo || v > hi)
        H5U_FAIL(loc, name, 1, "%lld is outside %lld..%lld", (long long)v, (long long)lo,
                 (long long)hi);
    *out = v;
    if (found)
        *found = 1;
    return ALFE_OK;
}

int h5u_get_u64(hid_t loc, const char *name, uint64_t *out, int *found)
{
    hid_t a;
    hssize_t n;
    ALFE_CHECK(attr_open_checked(loc, name, 1, H5T_INTEGER, H5T_INTEGER, &a, &n));
    if (a < 0)
        return missing(loc, name, found);
    hid_t ftype = H5Aget_type(a);
    int is_signed = H5Tget_sign(ftype) != H5T_SGN_NONE;
    H5Tclose(ftype);
    int64_t v = 0;
    uint64_t u = 0;
    herr_t r = is_signed ? H5Aread(a, H5T_NATIVE_INT64, &v) : H5Aread(a, H5T_NATIVE_UINT64, &u);
    H5Aclose(a);
    if (r < 0)
        H5U_FAIL(loc, name, 1, "cannot read the attribute");
    if (is_signed && v < 0)
        H5U_FAIL(loc, name, 1, "%lld is negative", (long long)v);
    *out = is_signed ? (uint64_t)v : u;
    if (found)
        *found = 1;
    return ALFE_OK;
}

int h5u_get_f64(hid_t loc, const char *name, int finite, double *out, int *found)
{
    return h5u_get_f64_array(loc, name, 1, finite, out, found);
}

int h5u_get_f64_array(hid_t loc, const char *name, int n, int finite, double *out, int *found)
{
    hid_t a;
    hssize_t count;
    ALFE_CHECK(attr_open_checked(loc, name, n, H5T_FLOAT, H5T_INTEGER, &a, &count));
    if (a < 0)
        return missing(loc, name, found);
    double *tmp = ALFE_MALLOC(sizeof(double) * (size_t)n);
    herr_t r = H5Aread(a, H5T_NATIVE_DOUBLE, tmp);
    H5Aclose(a);
    if (r < 0) {
        free(tmp);
        H5U_FAIL(loc, name, 1, "cannot read the attribute");
    }
    for (int i = 0; finite && i < n; i++)
        if (!isfinite(tmp[i])) {
            double bad = tmp[i];
            free(tmp);
            H5U_FAIL(loc, name, 1, "value %d is %g (finite values only)", i, bad);
        }
    memcpy(out, tmp, sizeof(double) * (size_t)n);
    free(tmp);
    if (found)
        *found = 1;
    return ALFE_OK;
}

int h5u_get_i64_array(hid_t loc, const char *name, int n, int64_t lo, int64_t hi, int64_t *out,
                      int *found)
{
    hid_t a;
    hssize_t count;
    ALFE_CHECK(attr_open_checked(loc, name, n, H5T_INTEGER, H5T_INTEGER, &a, &count));
    if (a < 0)
        return missing(loc, name, found);
    int64_t *tmp = ALFE_MALLOC(sizeof(int64_t) * (size_t)n);
    herr_t r = H5Aread(a, H5T_NATIVE_INT64, tmp);
    H5Aclose(a);
    if (r < 0) {
        free(tmp);
        H5U_FAIL(loc, name, 1, "cannot read the attribute");
    }
    for (int i = 0; i < n; i++)
        if (tmp[i] < lo || tmp[i] > hi) {
            long long bad = (long long)tmp[i];
            free(tmp);
            H5U_FAIL(loc, name, 1, "value %d is %lld, outside %lld..%lld", i, bad,
                     (long long)lo, (long long)hi);
        }
    memcpy(out, tmp, sizeof(int64_t) * (size_t)n);
    free(tmp);
    if (found)
        *found = 1;
    return ALFE_OK;
}

int h5u_get_string(hid_t loc, const char *name, char *buf, size_t size, int *found)
{
    buf[0] = '\0';
    hid_t a;
    hssize_t count;
    ALFE_CHECK(attr_open_checked(loc, name, 1, H5T_STRING, H5T_STRING, &a, &count));
    if (a < 0)
        return missing(loc, name, found);
    hid_t ftype = H5Aget_type(a);
    int variable = H5Tis_variable_str(ftype) > 0;
    size_t flen = H5Tget_size(ftype);
    H5Tclose(ftype);
    H5Aclose(a);
    if (!variable && flen >= size)
        H5U_FAIL(loc, name, 1, "a string of %zu bytes (at most %zu expected)", flen, size - 1);
    if (h5u_attr_read_string(loc, name, buf, size) != 0)
        H5U_FAIL(loc, name, 1, "cannot read the string");
    /* snprintf truncated a longer variable-length string: refuse it. */
    if (strlen(buf) == size - 1) {
        char *big = ALFE_MALLOC(size + 2);
        int again = h5u_attr_read_string(loc, name, big, size + 2);
        size_t len = again == 0 ? strlen(big) : 0;
        free(big);
        if (len >= size)
            H5U_FAIL(loc, name, 1, "a string longer than %zu bytes", size - 1);
    }
    if (found)
        *found = 1;
    return ALFE_OK;
}

int h5u_get_strings(hid_t loc, const char *name, int max_n, char ***values, int *n, int *found)
{
    *values = NULL;
    *n = 0;
    hid_t a;
    hssize_t count;
    ALFE_CHECK(attr_open_checked(loc, name, -max_n, H5T_STRING, H5T_STRING, &a, &count));
    if (a < 0)
        return missing(loc, name, found);
    H5Aclose(a);
    if (h5u_attr_read_strings(loc, name, values, n) != 0)
        H5U_FAIL(loc, name, 1, "cannot read the strings");
    if (found)
        *found = 1;
    return ALFE_OK;
}

/* A float dataset of the given rank; dims[i] > 0 must match, 0 = any; at most
 * max_elems values; every value finite when `finite`.  *values newly
 * allocated, *out_dims the extent. */
int h5u_get_f64_dataset(hid_t loc, const char *name, int rank, const hsize_t *want,
                        size_t max_elems, int finite, double **values, hsize_t *out_dims)
{
    *values = NULL;
    htri_t exists = H5Lexists(loc, name, H5P_DEFAULT);
    if (exists <= 0)
        H5U_FAIL(loc, name, 0, "required dataset missing");
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        H5U_FAIL(loc, name, 0, "not a dataset, or cannot be opened");
    hid_t space = H5Dget_space(ds), ftype = H5Dget_type(ds);
    int r = H5Sget_simple_extent_ndims(space);
    H5T_class_t c = H5Tget_class(ftype);
    size_t tsize = H5Tget_size(ftype);
    hsize_t dims[H5S_MAX_RANK];
    if (r >= 0 && r <= H5S_MAX_RANK)
        H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    H5Tclose(ftype);
    char msg[256] = "";
    if (r != rank)
        snprintf(msg, sizeof msg, "expected rank %d, found rank %d", rank, r);
    else if (c != H5T_FLOAT || tsize != 8)
        snprintf(msg, sizeof msg, "expected float64 data, found %s of %zu bytes",
                 c == H5T_FLOAT ? "floats" : c == H5T_INTEGER ? "integers" : "another type", tsize);
    size_t total = 1;
    for (int i = 0; !msg[0] && i < rank; i++) {
        if (want && want[i] > 0 && dims[i] != want[i])
            snprintf(msg, sizeof msg, "dimension %d is %llu, expected %llu", i,
                     (unsigned long long)dims[i], (unsigned long long)want[i]);
        else if (dims[i] > 0 && total > max_elems / dims[i])
            snprintf(msg, sizeof msg, "more than %zu values", max_elems);
        else
            total *= (size_t)dims[i];
    }
    if (!msg[0] && total > max_elems)
        snprintf(msg, sizeof msg, "more than %zu values", max_elems);
    if (msg[0]) {
        H5Dclose(ds);
        H5U_FAIL(loc, name, 0, "%s", msg);
    }
    double *v = ALFE_MALLOC(sizeof(double) * (total ? total : 1));
    herr_t rd = total ? H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : 0;
    H5Dclose(ds);
    if (rd < 0) {
        free(v);
        H5U_FAIL(loc, name, 0, "cannot read the dataset (damaged data?)");
    }
    for (size_t i = 0; finite && i < total; i++)
        if (!isfinite(v[i])) {
            double bad = v[i];
            free(v);
            H5U_FAIL(loc, name, 0, "value %zu is %g (finite values only)", i, bad);
        }
    for (int i = 0; i < rank; i++)
        out_dims[i] = dims[i];
    *values = v;
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * Plain datasets (small, written whole). */
int h5u_dataset_write_f64_2d(hid_t loc, const char *name, const double *v, hsize_t rows,
                                hsize_t cols, const char *description)
{
    hsize_t dims[2] = {rows, cols};
    hid_t space = H5Screate_simple(cols ? 2 : 1, dims, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT);
    H5Sclose(space);
    H5_CHECK(ds, "cannot create dataset %s", name);
    /* Collective in a parallel file: every rank passes the same data. */
    herr_t w = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    int status = w < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot write dataset %s", name) : ALFE_OK;
    if (status == ALFE_OK && description)
        status = h5u_attr_write_string(ds, "description", description);
    H5Dclose(ds);
    return status;
}

/* A text file as a scalar fixed-length string dataset (variable-length data
 * cannot be written in parallel HDF5); every rank passes the same text. */
int h5u_dataset_write_text(hid_t loc, const char *name, const char *text, const char *source)
{
    size_t n = strlen(text);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, n ? n : 1);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t ds = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    herr_t w = ds >= 0 ? H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, n ? text : " ") : -1;
    int status = w < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot write dataset %s", name) : ALFE_OK;
    if (status == ALFE_OK)
        status = h5u_attr_write_string(ds, "source", source);
    if (ds >= 0)
        H5Dclose(ds);
    H5Sclose(space);
    H5Tclose(type);
    return status;
}

/* Read a text dataset written by h5u_dataset_write_text (NULL when absent). */
char *h5u_read_text_dataset(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    if (ds < 0)
        return NULL;
    hid_t ftype = H5Dget_type(ds);
    char *text = NULL;
    hid_t tspace = H5Dget_space(ds);
    int scalar = H5Sget_simple_extent_type(tspace) == H5S_SCALAR;
    H5Sclose(tspace);
    /* Only a scalar fixed-length string (an array of strings would not fit
     * the buffer: campaign_verify.c names it). */
    if (scalar && H5Tget_class(ftype) == H5T_STRING && H5Tis_variable_str(ftype) <= 0) {
        size_t n = H5Tget_size(ftype);
        text = ALFE_CALLOC(n + 1, 1);
        hid_t mtype = H5Tcopy(ftype);
        if (H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, text) < 0)
            ALFE_FREE(text);
        H5Tclose(mtype);
    }
    H5Tclose(ftype);
    H5Dclose(ds);
    return text;
}

int h5u_read_f64_dataset(hid_t loc, const char *name, double **values, hsize_t *dims,
                            int *rank)
{
    *values = NULL;
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "dataset %s is missing", name);
    hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
    H5_CHECK(ds, "cannot open dataset %s", name);
    hid_t space = H5Dget_space(ds);
    *rank = H5Sget_simple_extent_ndims(space);
    if (*rank < 1 || *rank > 2) {
        H5Sclose(space);
        H5Dclose(ds);
        return ALFE_FAIL(ALFE_ERR_INPUT, "dataset %s has rank %d", name, *rank);
    }
    dims[1] = 1;
    H5Sget_simple_extent_dims(space, dims, NULL);
    hid_t ftype = H5Dget_type(ds);
    H5T_class_t cls = H5Tget_class(ftype);
    H5Tclose(ftype);
    if ((cls != H5T_FLOAT && cls != H5T_INTEGER) || dims[0] > ((hsize_t)1 << 31) ||
        dims[1] > ((hsize_t)1 << 31) || (double)dims[0] * (double)dims[1] > 268435456.0) {
        H5Sclose(space);
        H5Dclose(ds);
        return ALFE_FAIL(ALFE_ERR_INPUT, "dataset %s: not numeric, or more than 2^28 values",
                         name);
    }
    size_t n = (size_t)dims[0] * (*rank == 2 ? (size_t)dims[1] : 1);
    *values = ALFE_MALLOC(sizeof(double) * (n ? n : 1));
    herr_t r = n ? H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *values) : 0;
    H5Sclose(space);
    H5Dclose(ds);
    if (r < 0) {
        free(*values);
        *values = NULL;
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot read dataset %s", name);
    }
    return ALFE_OK;
}


int h5u_attr_read_strings(hid_t loc, const char *name, char ***values, int *n)
{
    *values = NULL;
    *n = 0;
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    hid_t ftype = H5Aget_type(attr);
    hid_t space = H5Aget_space(attr);
    int result = -1;
    hssize_t count = H5Sget_simple_extent_npoints(space);
    size_t flen = H5Tget_size(ftype);
    if (H5Tget_class(ftype) == H5T_STRING && count >= 0 && count <= 65536 &&
        H5Sget_simple_extent_ndims(space) <= 1 && flen <= 1048576 &&
        (double)count * (double)flen <= 67108864.0) {
        char **out = ALFE_CALLOC((size_t)(count ? count : 1), sizeof(char *));
        if (H5Tis_variable_str(ftype) > 0) {
            hid_t mtype = H5Tcopy(H5T_C_S1);
            H5Tset_size(mtype, H5T_VARIABLE);
            H5Tset_cset(mtype, H5Tget_cset(ftype));
            char **raw = ALFE_CALLOC((size_t)(count ? count : 1), sizeof(char *));
            if (H5Aread(attr, mtype, raw) >= 0) {
                for (hssize_t i = 0; i < count; i++) {
                    out[i] = ALFE_STRDUP(raw[i] ? raw[i] : "");
                    H5free_memory(raw[i]);
                }
                result = 0;
            }
            free(raw);
            H5Tclose(mtype);
        } else {
            size_t len = H5Tget_size(ftype);
            char *raw = ALFE_CALLOC((size_t)(count ? count : 1) * len + 1, 1);
            hid_t mtype = H5Tcopy(ftype);
            if (H5Aread(attr, mtype, raw) >= 0) {
                for (hssize_t i = 0; i < count; i++) {
                    out[i] = ALFE_CALLOC(len + 1, 1);
                    memcpy(out[i], raw + (size_t)i * len, len);
                }
                result = 0;
            }
            H5Tclose(mtype);
            free(raw);
        }
        if (result == 0) {
            *values = out;
            *n = (int)count;
        } else {
            free(out);
        }
    }
    H5Sclose(space);
    H5Tclose(ftype);
    H5Aclose(attr);
    return result;
}
