/* config.h — the run configuration: one table of known keys (name, type,
 * default, range, resume policy, help) drives parsing, validation, the
 * `alfe help config` text, broadcast and the resume compatibility check.
 * Owns: alfe_config and its lifetime.  Reads INI with libiniparser on rank 0.
 * Must not build physics or network objects (run/system.c does). */
#ifndef ALFE_CONFIG_H
#define ALFE_CONFIG_H

#include "alfe/space/domain.h"

#include <stdint.h>
#include <stdio.h>

enum config_model { MODEL_ORACLE = 0, MODEL_CLEX = 1 };
enum config_global_method { GLOBAL_BILLIARD = 0, GLOBAL_SOBOL = 1 };
/* Room for the key table (checked when config.c is compiled). */
#define CONFIG_MAX_KEYS 160

typedef struct alfe_config {
    char *config_path; /* as given on the command line */
    char *config_dir;  /* its directory: input files are relative to it */
    /* [campaign] */
    char *output;
    uint64_t seed;
    int rounds;
    char *description;
    /* [system] */
    int model;
    int dimension;
    char *q_file;          /* as written */
    double temperature;
    char *prim_file, *eci_file; /* model = clex, as written */
    int supercell[3][3];
    int ordering_cell[3][3];
    char *species;
    /* [mc] */
    int mc_min_passes, mc_max_passes, mc_check_every;
    double mc_mu_precision, mc_confidence, mc_exchange_potential;
    /* [oracle] */
    double oracle_noise;
    double oracle_omega;
    double oracle_a0, oracle_a2, oracle_b, oracle_c;
    double oracle_delay;
    char *oracle_network;          /* model file, as written ("" = analytic) */
    char *oracle_network_path;     /* resolved against config_dir */
    /* [umbrella] */
    double phi[ALFE_MAX_DIM];
    /* [global] */
    int global_points;
    int global_method;
    double global_path_length;
    /* [network] */
    char *net_invariants;
    int net_layers, net_width, net_activation;
    double net_scale;
    int net_committee, net_bootstrap, net_warm_start;
    /* [training] */
    int tr_optimizer;
    double tr_learning_rate, tr_lr_decay;
    int tr_epochs, tr_batch_size;
    double tr_plateau_factor;
    int tr_plateau_patience;
    double tr_min_lr;
    int tr_early_stopping, tr_es_patience;
    double tr_validation_fraction, tr_weight_g, tr_weight_mu, tr_newest_weight;
    int tr_hypersearch;
    char *tr_test_set, *tr_test_eta_columns, *tr_test_mu_columns;
    /* [run] */
    double progress_seconds;

    /* Derived on rank 0 and broadcast. */
    char *q_path;   /* q_file resolved against config_dir */
    char *prim_path, *eci_path; /* resolved; NULL for the oracle */
    char *net_invariants_path, *tr_test_set_path; /* resolved, or NULL */
    double *q;      /* dimension × q_m, the rows used */
    int q_m;
    char *canonical; /* every key with the value used, as INI text */
    /* The line of each key of the table in the file (0: not written), for
     * messages of the objects built from the values (run/system.c). */
    int key_line[CONFIG_MAX_KEYS];
} alfe_config;

/* Rank 0: read and validate `path`; every error is ALFE_ERR_INPUT with one
 * message naming file, line, section and key.  Values are parsed and
 * range-checked, paths resolved and input files checked to exist; the
 * objects they describe (cluster expansion, invariants, oracle network) are
 * built and checked by run/system.c. */
int config_load(const char *path, alfe_config **out);
/* CONFIG_FOR_MC skips the output-file checks (`alfe mc` writes no file). */
enum config_purpose { CONFIG_FOR_RUN, CONFIG_FOR_MC };
int config_load_for(const char *path, enum config_purpose purpose, alfe_config **out);
/* Collective: rank 0 reads, the verdict and the values reach every rank.
 * On failure every rank returns the same status and message. */
int config_load_collective(const char *path, alfe_config **out);
void config_destroy(alfe_config **cfg);

/* The line of [section] key in the configuration file, or 0 (default used,
 * or an unknown key). */
int config_key_line(const alfe_config *cfg, const char *section, const char *key);

/* "first-last" (0-based, inclusive) → 0, else -1. */
int config_column_range(const char *text, int *first, int *last);

/* Print the key reference (`alfe help config`). */
void config_print_help(FILE *out);

/* Canonical "value used" of one key, or NULL for an unknown key. */
const char *config_value_string(const alfe_config *cfg, const char *section, const char *key,
                                char *buf, size_t size);

/* The keys of the table, for /config and the resume check: for i = 0 ..
 * config_key_count() - 1, config_key_info gives section, key and whether the
 * value is fixed once a campaign exists (it returns 0 past the end). */
int config_key_count(void);
/* Equal values of one key given as text (numbers compared as numbers, so
 * "0.05" equals "0.050000000000000003"; strings exactly). */
int config_values_equal(const char *section, const char *key, const char *a, const char *b);
int config_key_info(int i, const char **section, const char **key, int *fixed);

#endif
