/* h5util.c — HDF5 attribute and small-dataset helpers (see h5util.h).
 * Owns: nothing stateful. */
#include "alfe/io/h5util.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

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

int h5u_attr_read_numeric(hid_t loc, const char *name, hid_t mem_type, void *value)
{
    if (H5Aexists(loc, name) <= 0)
        return -1;
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    if (attr < 0)
        return -1;
    herr_t r = H5Aread(attr, mem_type, value);
    H5Aclose(attr);
    return r < 0 ? -1 : 0;
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
    if (H5Tget_class(ftype) == H5T_STRING && H5Tis_variable_str(ftype) <= 0) {
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
    if (H5Tget_class(ftype) == H5T_STRING && count >= 0) {
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
