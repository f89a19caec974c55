/* model_io.h — trained networks on disk: a committee of IDNNs sharing one
 * invariant set, stored either inside a campaign (/models/NNNN) or in a
 * standalone model file (format "alfe-model"), plus the importer for the
 * published workflow's Keras weights.  Schema: docs/campaign-file.md.
 * Owns: nothing beyond the call (the committee type is network/idnn_committee.h;
 * prediction is idnn_committee_predict).  Serial HDF5 (rank 0 or a single process); the campaign's
 * collective writes go through campaign_io.c. */
#ifndef ALFE_MODEL_IO_H
#define ALFE_MODEL_IO_H

#include "alfe/network/idnn.h"
#include "alfe/network/idnn_committee.h"
#include "alfe/network/invariants.h"

#include <stdint.h>

#define MODEL_FORMAT "alfe-model"
#define MODEL_FORMAT_MAJOR 1
#define MODEL_FORMAT_MINOR 0
/* The largest network a model file may describe (parameters per member), the
 * same limit as a configured network (NETWORK_MAX_PARAMETERS, run/system.h). */
#define MODEL_MAX_PARAMETERS 1000000000.0

/* Read a standalone model file, or a campaign's models of `round` (-1: the
 * latest round that has models), as a committee owning its invariant set,
 * with round (-1 for a model file) and source set.  ALFE_ERR_INPUT with a
 * clear message for a file of another format or major version, or a
 * campaign without models.  Free with idnn_committee_destroy. */
int model_read(const char *path, int round, idnn_committee **out);
/* The order-parameter matrix Q (d x M, row-major, malloc'd) of a campaign
 * file's /system/Q, so a caller can build the domain the committee was
 * trained in; *q = NULL (and ALFE_OK) for a standalone model file, which
 * stores no domain. */
int model_read_q(const char *path, double **q, int *d, int *m);
/* Write a standalone model file (replaces it). */
int model_write(const char *path, const idnn_committee *c, const char *provenance);
/* Write the model group into an open HDF5 location (hid_t as int64_t); used
 * for standalone files and, collectively, for the campaign's /models/NNNN. */
int model_write_group(int64_t loc, const idnn_committee *c);
/* Read a model group from an open location; `where` names it in messages
 * and becomes the committee's source. */
int model_read_group(int64_t loc, const char *where, idnn_committee **out);
/* Check member group `name` of a model group without allocating the network:
 * n_inputs, n_layers, widths (parameter count within MODEL_MAX_PARAMETERS),
 * activations, scale, and params a 1-D float64 dataset of the architecture's
 * length (values are not read).  arch and n_params may be NULL. */
int model_check_member(int64_t loc, const char *name, idnn_arch *arch, size_t *n_params);

/* The published workflow's Keras weights (groups dnn_layers/dense, dense_1,
 * …, each vars/0 kernel [in, out] and vars/1 bias; hidden activation `act`,
 * linear output) with the given invariants and output scale. */
int model_import_keras(const char *weights_path, const invariant_set *inv, double scale,
                       int activation, idnn_committee **out);

#endif
