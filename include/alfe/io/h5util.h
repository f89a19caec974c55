/* h5util.h — small HDF5 helpers shared by campaign_io.c and model_io.c:
 * attributes (scalar, arrays, strings in their stored character set) and
 * whole small datasets.  In a parallel file every call that writes is
 * collective: all ranks pass the same values.
 * Owns: nothing stateful.  hid_t values are passed as int64_t-compatible
 * hid_t from <hdf5.h>. */
#ifndef ALFE_H5UTIL_H
#define ALFE_H5UTIL_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#define H5_CHECK(expr, ...)                                         \
    do {                                                            \
        if ((expr) < 0)                                             \
            return ALFE_FAIL(ALFE_ERR_RUNTIME, __VA_ARGS__);        \
    } while (0)

int h5u_attr_delete(hid_t loc, const char *name);
int h5u_attr_write(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int rank,
                   const hsize_t *dims, const void *value);
int h5u_attr_write_string(hid_t loc, const char *name, const char *value);
int h5u_attr_write_strings(hid_t loc, const char *name, const char *const *values, int n);
int h5u_attr_write_i64(hid_t loc, const char *name, int64_t value);
int h5u_attr_write_u64(hid_t loc, const char *name, uint64_t value);
int h5u_attr_write_f64(hid_t loc, const char *name, double value);
int h5u_attr_write_f64_array(hid_t loc, const char *name, const double *v, int n);
int h5u_attr_write_i64_array(hid_t loc, const char *name, const int64_t *v, int n);
/* Read a string attribute (variable or fixed length) into buf; -1 if absent. */
int h5u_attr_read_string(hid_t loc, const char *name, char *buf, size_t size);
/* Read a scalar numeric attribute converted to mem_type; -1 if absent or not a
 * scalar number (never more than one element is read). */
int h5u_attr_read_numeric(hid_t loc, const char *name, hid_t mem_type, void *value);
/* Read a numeric attribute of exactly n elements; -1 if absent or another shape. */
int h5u_attr_read_numeric_n(hid_t loc, const char *name, hid_t mem_type, void *value, int n);
/* Validating readers (one per kind of read): rank, extent, type class, range
 * and finiteness are checked before anything is read; an error names the
 * object, "FILE: /object@attribute: what is wrong" (ALFE_ERR_INPUT).  found:
 * NULL = required (absent is an error); else set to 0/1 and absent is OK. */
void h5u_where(hid_t loc, const char *name, int attribute, char *buf, size_t size);
int h5u_get_i64(hid_t loc, const char *name, int64_t lo, int64_t hi, int64_t *out, int *found);
int h5u_get_u64(hid_t loc, const char *name, uint64_t *out, int *found);
int h5u_get_f64(hid_t loc, const char *name, int finite, double *out, int *found);
int h5u_get_f64_array(hid_t loc, const char *name, int n, int finite, double *out, int *found);
int h5u_get_i64_array(hid_t loc, const char *name, int n, int64_t lo, int64_t hi, int64_t *out,
                      int *found);
/* A scalar string that fits buf (a longer one is an error, not cut). */
int h5u_get_string(hid_t loc, const char *name, char *buf, size_t size, int *found);
/* A 1-D string array of at most max_n strings (free as h5u_attr_read_strings). */
int h5u_get_strings(hid_t loc, const char *name, int max_n, char ***values, int *n, int *found);
/* A float64 dataset of the given rank (want[i] > 0: that extent; 0: any), at
 * most max_elems values, finite when asked; out_dims gets the extent. */
int h5u_get_f64_dataset(hid_t loc, const char *name, int rank, const hsize_t *want,
                        size_t max_elems, int finite, double **values, hsize_t *out_dims);
/* Read a string-array attribute: *n strings, each newly allocated (free each
 * and the array); -1 if absent or not strings. */
int h5u_attr_read_strings(hid_t loc, const char *name, char ***values, int *n);
int h5u_dataset_write_f64_2d(hid_t loc, const char *name, const double *v, hsize_t rows,
                             hsize_t cols, const char *description);
int h5u_dataset_write_text(hid_t loc, const char *name, const char *text, const char *source);
char *h5u_read_text_dataset(hid_t loc, const char *name);
/* Dimension labels as HDF5's dimension-scale API stores them (attribute
 * DIMENSION_LABELS: one variable-length ASCII string per dimension, what
 * H5DSset_label writes and h5py's ds.dims[i].label reads), without linking
 * hdf5_hl.  n = the dataset's rank. */
int h5u_set_dimension_labels(hid_t ds, const char *const *labels, int n);
int h5u_read_f64_dataset(hid_t loc, const char *name, double **values, hsize_t *dims,
                         int *rank);

#endif
