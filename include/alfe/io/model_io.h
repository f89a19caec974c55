/* model_io.h — trained networks on disk: a committee of IDNNs sharing one
 * invariant set, stored either inside a campaign (/models/NNNN) or in a
 * standalone model file (format "alfe-model"), plus the importer for the
 * published workflow's Keras weights.  Schema: docs/campaign-file.md.
 * Owns: model_set.  Serial HDF5 (rank 0 or a single process); the campaign's
 * collective writes go through campaign_io.c. */
#ifndef ALFE_MODEL_IO_H
#define ALFE_MODEL_IO_H

#include "alfe/network/idnn.h"
#include "alfe/network/invariants.h"

#include <stdint.h>

#define MODEL_FORMAT "alfe-model"
#define MODEL_FORMAT_MAJOR 1
#define MODEL_FORMAT_MINOR 0

typedef struct {
    int d;                  /* order parameters */
    int n_members;
    idnn **members;
    invariant_set *inv;
    int round;              /* campaign round the models belong to, or -1 */
    char source[1024];      /* file (and group) they were read from */
} model_set;

/* Read a standalone model file, or a campaign's models of `round` (-1: the
 * latest round that has models).  ALFE_ERR_INPUT with a clear message for a
 * file of another format or major version, or a campaign without models. */
int model_set_read(const char *path, int round, model_set **out);
/* Write a standalone model file (replaces it). */
int model_set_write(const char *path, const model_set *ms, const char *provenance);
void model_set_destroy(model_set **ms);
/* Write the model group into an open HDF5 location (hid_t as int64_t); used
 * for standalone files and, collectively, for the campaign's /models/NNNN. */
int model_set_write_group(int64_t loc, const model_set *ms);
/* Read a model group from an open location; `where` names it in messages. */
int model_set_read_group(int64_t loc, const char *where, model_set **out);

/* Committee mean and standard deviation of g and μ at n points (n×d); any
 * output may be NULL.  hess_mean: the committee-mean Hessian (n×d×d). */
int model_set_predict(const model_set *ms, int n, const double *eta, double *g_mean,
                      double *g_std, double *mu_mean, double *mu_std, double *hess_mean);

/* The published workflow's Keras weights (groups dnn_layers/dense, dense_1,
 * …, each vars/0 kernel [in, out] and vars/1 bias; hidden activation `act`,
 * linear output) with the given invariants and output scale. */
int model_import_keras(const char *weights_path, const invariant_set *inv, double scale,
                       int activation, model_set **out);

#endif
