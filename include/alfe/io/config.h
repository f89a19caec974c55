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
#define CONFIG_MAX_KEYS 200

/* The criteria that rank pool points or past rows, one INI section each
 * ([high_error], [wells], [instability], [lowest_g], [sensitivity], [qbc]). */
enum config_criterion {
    CONFIG_HIGH_ERROR = 0,
    CONFIG_WELLS,
    CONFIG_INSTABILITY,
    CONFIG_LOWEST_G,
    CONFIG_SENSITIVITY,
    CONFIG_QBC,
    CONFIG_CRITERIA
};
extern const char *const config_criterion_sections[CONFIG_CRITERIA];
enum config_reweight { REWEIGHT_NONE = 0, REWEIGHT_SURPRISE = 1, REWEIGHT_IMPROVEMENT = 2 };
enum config_hypersearch_trigger {
    HYPERSEARCH_ALWAYS = 0,             /* every round (with [training] hypersearch > 0) */
    HYPERSEARCH_NEVER = 1,
    HYPERSEARCH_FIRST = 2,              /* the first round that trains */
    HYPERSEARCH_FIRST_AND_NO_IMPROVEMENT = 3
};

/* One criterion's section: budget and selection (all sections the same keys,
 * plus the criterion's own options). */
typedef struct {
    int points;          /* budget per round; 0 = off */
    int groups, copies;  /* groups x copies points; groups 0 = points / copies */
    double perturb;      /* uniform ±perturb/2 per coordinate, eta units */
    int from_round;      /* first round (0-based) the criterion runs in */
    int diversity;       /* 0/1: farthest-point picking among the top candidates */
    double oversample;   /* candidates considered per point kept */
    double tolerance, band;  /* instability */
    int bins;                /* lowest_g */
    int chord;               /* wells: 0/1 */
    int with_g;              /* qbc */
} config_criterion_keys;
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
    int mc_min_passes, mc_max_passes, mc_check_every, mc_chains;
    double mc_mu_precision, mc_confidence, mc_exchange_potential;
    double mc_min_tau_samples, mc_min_acceptance;
    int mc_max_sites;
    /* [oracle] */
    double oracle_noise[ALFE_MAX_DIM]; /* per mu_j */
    double oracle_hessian_noise;
    double oracle_omega;
    double oracle_a0, oracle_a2, oracle_b, oracle_c;
    double oracle_delay;
    char *oracle_network;          /* model file, as written ("" = analytic) */
    char *oracle_network_path;     /* resolved against config_dir */
    char *oracle_free_energy;      /* formula in e0..e(d-1) ("" = none; docs/oracle.md) */
    int oracle_ideal;              /* 1: ideal mixing added to the formula */
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
    double tr_weight_hessian, tr_hessian_max_rel; /* curvature term (0: off) */
    int tr_hypersearch;
    char *tr_test_set, *tr_test_eta_columns, *tr_test_mu_columns;
    /* [run] */
    double progress_seconds;
    double max_memory_mb;          /* 0 = physical memory */
    double worker_warn_seconds;    /* a silent worker is reported after this; 0 = never */
    double worker_timeout_seconds; /* ... and the run stops after this; 0 = never */
    /* [pool] */
    int pool_points;
    double pool_boundary_share;
    int pool_walk_2d;
    /* [special] */
    char *special_file;        /* as written ("" = none) */
    char *special_lines;       /* "i-j, k-l" pairs of special points (0-based) */
    int special_line_points, special_copies;
    double special_perturb;
    int special_round;
    /* one section per criterion (enum config_criterion) */
    config_criterion_keys crit[CONFIG_CRITERIA];
    /* [novelty] */
    double novelty_min_distance;
    int novelty_k, novelty_mode;
    /* [reweight] */
    int reweight_rule;
    double reweight_alpha;
    int reweight_floor;
    /* [stop] */
    double stop_target_mse;
    int stop_patience;
    double stop_min_improvement;
    /* [training] hyper-parameter search trigger and bounds */
    int tr_hypersearch_trigger;
    int hs_layers_min, hs_layers_max, hs_width_min, hs_width_max;
    double hs_lr_min, hs_lr_max;
    int hs_batch_min, hs_batch_max;

    /* [metrics] (docs/campaign-file.md, /regions) */
    char *metrics_regions;         /* "name:file, ..." as written ("" = none) */
    char *metrics_auto_regions;    /* "ends, wells, ..." ("" = none) */
    double metrics_well_radius;
    int metrics_region_points;

    /* Derived on rank 0 and broadcast. */
    char *q_path;   /* q_file resolved against config_dir */
    char *prim_path, *eci_path; /* resolved; NULL for the oracle */
    char *net_invariants_path, *tr_test_set_path; /* resolved, or NULL */
    char *special_path;  /* [special] file resolved, or NULL */
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

/* [metrics] regions and auto_regions, parsed: the file regions in their
 * order, then the automatic ones in auto_regions order.  Errors name the
 * configuration file, line and key (unknown automatic name, a name that is
 * not [A-Za-z0-9_]+ of at most CONFIG_REGION_NAME_MAX characters, a repeated
 * name, a file that does not exist).  *out is newly allocated
 * (config_regions_free); *n = 0 and *out = NULL when there are none. */
#define CONFIG_MAX_REGIONS 16
#define CONFIG_REGION_NAME_MAX 31
typedef struct {
    char name[CONFIG_REGION_NAME_MAX + 1];
    char *file;  /* as written; NULL for an automatic region */
    char *path;  /* resolved against config_dir; NULL for an automatic region */
} config_region;
int config_regions(const alfe_config *cfg, config_region **out, int *n);
void config_regions_free(config_region **regions, int n);
/* The names [metrics] auto_regions accepts, in their canonical order. */
extern const char *const config_auto_region_names[5];

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
/* 1 when the key's value used is its default (a campaign written before the
 * key existed has no /config attribute for it and resumes only then). */
int config_value_is_default(const alfe_config *cfg, const char *section, const char *key);
int config_key_info(int i, const char **section, const char **key, int *fixed);
/* 1 for a key that names an input file pinned by content in the campaign
 * ([network] invariants, [oracle] network: campaign_inputs.h); such a key is
 * also reported fixed by config_key_info, for campaigns without pins. */
int config_key_pinned_by_content(const char *section, const char *key);

#endif
