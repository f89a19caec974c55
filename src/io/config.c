/* config.c — the key table, INI reading (libiniparser, rank 0), validation,
 * broadcast, canonical text and `alfe help config`.
 * Owns: alfe_config.  Must not open campaign files (campaign_io.c compares a
 * stored configuration with this one). */
#include "alfe/io/config.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/network/invariants.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iniparser.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum key_type { KEY_INT, KEY_U64, KEY_DOUBLE, KEY_STRING, KEY_ENUM, KEY_PHI_LIST, KEY_DIM_LIST,
                KEY_MATRIX };
/* RESUME_CONTENT: a file whose contents are pinned in the campaign
 * (campaign_inputs.c): its path may change on resume, its contents may not
 * (campaigns written before inputs were pinned compare the path, as FIXED). */
enum key_resume { RESUME_FIXED, RESUME_FREE, RESUME_CONTENT };

typedef struct {
    const char *section;
    const char *key;
    enum key_type type;
    const char *default_value; /* NULL: required */
    double min, max;           /* inclusive; per element for lists */
    const char *choices;       /* KEY_ENUM: "a|b|c" (index = stored value) */
    enum key_resume resume;
    size_t offset;             /* into alfe_config */
    const char *help;
} key_spec;

#define OFF(field) offsetof(alfe_config, field)
#define BIG 1e300

/* The one table of known keys.  Ranges are inclusive. */
static const key_spec KEYS[] = {
    {"campaign", "output", KEY_STRING, NULL, 0, 0, NULL, RESUME_FREE, OFF(output),
     "campaign file (HDF5) to create or resume; relative paths are relative to the "
     "working directory"},
    {"campaign", "seed", KEY_U64, "1", 0, 0, NULL, RESUME_FIXED, OFF(seed),
     "campaign seed; every random stream is keyed by (seed, point or round, purpose)"},
    {"campaign", "rounds", KEY_INT, "3", 1, 100000, NULL, RESUME_FREE, OFF(rounds),
     "total number of rounds, those already in the campaign file included; each round "
     "acquires [global] points space-filling points and the points of the active-learning "
     "criteria, evaluates them and, with [network] invariants, trains the committee; raise it "
     "to extend a finished campaign ([stop] may end it earlier)"},
    {"campaign", "description", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(description),
     "free text stored in the campaign file"},
    {"system", "model", KEY_ENUM, NULL, 0, 0, "oracle|clex", RESUME_FIXED, OFF(model),
     "what evaluates a point: oracle = built-in analytic free energy, or [oracle] network "
     "(docs/oracle.md); clex = umbrella-biased Monte Carlo on a CASM cluster expansion "
     "(prim, eci, supercell, ordering_cell and [mc]; docs/monte-carlo.md)"},
    {"system", "dimension", KEY_INT, NULL, 1, ALFE_MAX_DIM, NULL, RESUME_FIXED, OFF(dimension),
     "number d of order parameters (rows of Q used)"},
    {"system", "q_file", KEY_STRING, NULL, 0, 0, NULL, RESUME_FREE, OFF(q_file),
     "order-parameter matrix Q, one row per line (eta = Q x, row 0 = (1/M)(1,...,1)); "
     "relative to the config file's directory; the first `dimension` rows are used; the "
     "path may change on resume but the matrix may not"},
    {"system", "temperature", KEY_DOUBLE, NULL, 1e-6, 1e6, NULL, RESUME_FIXED,
     OFF(temperature), "temperature in K"},
    {"system", "prim", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(prim_file),
     "model = clex: CASM prim.json (relative to the config file); the path may change on "
     "resume but the contents may not"},
    {"system", "eci", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(eci_file),
     "model = clex: CASM v1 basis/ECI file (eci.json); the path may change on resume but the "
     "contents may not"},
    {"system", "supercell", KEY_MATRIX, "0 0 0 0 0 0 0 0 0", 0, 0, NULL, RESUME_FIXED,
     OFF(supercell), "model = clex: Monte Carlo supercell T as 9 integers, row by row "
     "(supercell vectors = prim vectors . T); a whole multiple of the ordering cell"},
    {"system", "ordering_cell", KEY_MATRIX, "0 0 0 0 0 0 0 0 0", 0, 0, NULL, RESUME_FIXED,
     OFF(ordering_cell), "model = clex: ordering cell O as 9 integers, row by row; its "
     "|det O| x (variable sites per prim) sublattices are the columns of Q"},
    {"system", "species", KEY_STRING, "", 0, 0, NULL, RESUME_FIXED, OFF(species),
     "model = clex: the occupant counted in the sublattice fractions x (eta0 = its "
     "fraction); empty = the last occupant of the first variable site"},
    {"mc", "min_passes", KEY_INT, "200", 1, 1000000000, NULL, RESUME_FIXED, OFF(mc_min_passes),
     "passes before the first convergence check"},
    {"mc", "max_passes", KEY_INT, "20000", 1, 1000000000, NULL, RESUME_FIXED, OFF(mc_max_passes),
     "passes after which a chain stops, flagged not converged if it has not converged"},
    {"mc", "check_every", KEY_INT, "100", 1, 1000000, NULL, RESUME_FIXED, OFF(mc_check_every),
     "samples (one per pass) between convergence checks"},
    {"mc", "mu_precision", KEY_DOUBLE, "0.005", 1e-12, 100, NULL, RESUME_FIXED,
     OFF(mc_mu_precision), "requested precision of each mu_j (eV per prim cell) at the "
     "confidence level: eta_j must reach mu_precision/(2 phi_j)"},
    {"mc", "confidence", KEY_DOUBLE, "0.95", 0.5, 0.999999, NULL, RESUME_FIXED,
     OFF(mc_confidence), "two-sided confidence level of the precision"},
    {"mc", "min_tau_samples", KEY_DOUBLE, "50", 0, 1e9, NULL, RESUME_FIXED,
     OFF(mc_min_tau_samples), "a chain converges only with at least min_tau_samples x tau_j "
     "equilibrated samples for every eta_j with phi_j > 0 (tau by Sokal's automatic window)"},
    {"mc", "chains", KEY_INT, "2", 1, 16, NULL, RESUME_FIXED, OFF(mc_chains),
     "independent chains per point, from different starts: the point is "
     "converged only when every chain converged and their mu agree within their error bars "
     "(docs/monte-carlo.md); the error bar includes the spread between the chains"},
    {"mc", "min_acceptance", KEY_DOUBLE, "0.001", 0, 1, NULL, RESUME_FIXED,
     OFF(mc_min_acceptance), "a chain whose acceptance ratio is below this is frozen: never "
     "converged, excluded from training"},
    {"mc", "exchange_potential", KEY_DOUBLE, "0", -100, 100, NULL, RESUME_FIXED,
     OFF(mc_exchange_potential), "exchange chemical potential p (eV) per counted site; the "
     "composition is normally held by the bias on eta0"},
    {"mc", "max_sites", KEY_INT, "1000000", 1, 100000000, NULL, RESUME_FREE, OFF(mc_max_sites),
     "model = clex: the largest supercell accepted, in sites (|det supercell| x sites per "
     "prim); checked, with [run] max_memory_mb, from the determinant before anything is "
     "allocated"},
    {"oracle", "noise", KEY_DIM_LIST, "0", 0, 10, NULL, RESUME_FIXED, OFF(oracle_noise),
     "standard deviation (eV per prim cell) of Gaussian noise added to mu_j: one value for "
     "every component, or [system] dimension values (one per mu_j)"},
    {"oracle", "hessian_noise", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FIXED,
     OFF(oracle_hessian_noise),
     "standard deviation (eV per prim cell) of Gaussian noise added to each element of the "
     "measured Hessian (/points/hessian, symmetric); 0 = the exact Hessian of g"},
    {"oracle", "omega", KEY_DOUBLE, "0.05", -10, 10, NULL, RESUME_FIXED, OFF(oracle_omega),
     "regular-solution interaction omega*eta0*(1-eta0), eV per prim cell"},
    {"oracle", "a0", KEY_DOUBLE, "0.1", -10, 10, NULL, RESUME_FIXED, OFF(oracle_a0),
     "Landau ordering strength at eta0 = 1/2 (a(eta0) = a2*(eta0-1/2)^2 - a0), eV"},
    {"oracle", "a2", KEY_DOUBLE, "1", -100, 100, NULL, RESUME_FIXED, OFF(oracle_a2),
     "Landau coefficient a2 of a(eta0), eV"},
    {"oracle", "b", KEY_DOUBLE, "0.1", 1e-9, 100, NULL, RESUME_FIXED, OFF(oracle_b),
     "quartic Landau coefficient b of each eta_i^4, eV"},
    {"oracle", "c", KEY_DOUBLE, "0.2", 0, 100, NULL, RESUME_FIXED, OFF(oracle_c),
     "coupling c of eta_i^2 eta_j^2 (i<j) that keeps one ordering mode per well, eV"},
    {"oracle", "network", KEY_STRING, "", 0, 0, NULL, RESUME_CONTENT, OFF(oracle_network),
     "a trained model file (alfe-model, e.g. from `alfe import-keras`) whose committee-mean g "
     "replaces the analytic formula; relative to the config file; empty = analytic; the path "
     "may change on resume but the contents may not (pinned by SHA-256, docs/restart.md)"},
    {"oracle", "free_energy", KEY_STRING, "", 0, 0, NULL, RESUME_FIXED, OFF(oracle_free_energy),
     "a polynomial formula in e0 .. e(d-1) (the invariants' syntax: + - * / ^, parentheses, "
     "numbers, sqrt(number)) in eV per prim cell, added to ideal mixing ([oracle] ideal), "
     "that replaces the analytic formula (docs/oracle.md); empty = the analytic formula"},
    {"oracle", "ideal", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FIXED, OFF(oracle_ideal),
     "with [oracle] free_energy: yes = add the ideal mixing of the sublattices (k_B T/M sum "
     "x ln x + (1-x) ln(1-x)); no = the formula alone (points outside the domain fail)"},
    {"oracle", "delay", KEY_DOUBLE, "0", 0, 3600, NULL, RESUME_FREE, OFF(oracle_delay),
     "mean simulated cost per point in seconds (exponentially distributed, from the point's "
     "own stream): exercises restart and load balance with the fast oracle; 0 = none"},
    {"umbrella", "phi", KEY_PHI_LIST, "50, 0.05", 0, 1e6, NULL, RESUME_FIXED, OFF(phi),
     "bias curvature phi_j per order parameter (eV per prim cell): one value for all, or "
     "d values (the default, written out for d = 7: 50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, "
     "as the published runs)"},
    {"global", "points", KEY_INT, "200", 1, 10000000, NULL, RESUME_FREE, OFF(global_points),
     "space-filling points per round"},
    {"global", "method", KEY_ENUM, "billiard", 0, 0, "billiard|sobol", RESUME_FREE,
     OFF(global_method), "billiard = billiard walk; sobol = Sobol sequence with rejection"},
    {"global", "path_length", KEY_DOUBLE, "0", 0, 1e6, NULL, RESUME_FREE,
     OFF(global_path_length),
     "mean billiard path length tau in eta units; 0 = the diagonal of the domain's bounding box"},
    {"network", "invariants", KEY_STRING, "", 0, 0, NULL, RESUME_CONTENT, OFF(net_invariants),
     "formula file of the invariants h(eta) fed to the network (docs/invariants.md), relative "
     "to the config file; empty = no network (no committee is trained); the path may change "
     "on resume but the contents may not (pinned by SHA-256, docs/restart.md)"},
    {"network", "layers", KEY_INT, "3", 1, 8, NULL, RESUME_FIXED, OFF(net_layers),
     "hidden layers of each committee member"},
    {"network", "width", KEY_INT, "150", 1, 4096, NULL, RESUME_FIXED, OFF(net_width),
     "neurons per hidden layer"},
    {"network", "activation", KEY_ENUM, "tanh", 0, 0, "tanh|softplus|sigmoid", RESUME_FIXED,
     OFF(net_activation), "hidden-layer activation"},
    {"network", "scale", KEY_DOUBLE, "100", 1e-6, 1e9, NULL, RESUME_FIXED, OFF(net_scale),
     "output scale s: the network's output is s*g (100 as in the published work)"},
    {"network", "committee", KEY_INT, "5", 1, 256, NULL, RESUME_FIXED, OFF(net_committee),
     "committee members K (different seeds); prediction = mean, uncertainty = spread"},
    {"network", "bootstrap", KEY_ENUM, "no", 0, 0, "no|yes", RESUME_FIXED, OFF(net_bootstrap),
     "yes: each member trains on a bootstrap resample of the training rows"},
    {"network", "warm_start", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FIXED, OFF(net_warm_start),
     "yes: round r starts from round r-1's weights; no: fresh weights every round"},
    {"training", "optimizer", KEY_ENUM, "rmsprop", 0, 0, "rmsprop|adam", RESUME_FIXED,
     OFF(tr_optimizer), "gradient optimizer (Keras semantics, docs/training.md)"},
    {"training", "learning_rate", KEY_DOUBLE, "1e-4", 1e-12, 10, NULL, RESUME_FIXED,
     OFF(tr_learning_rate), "initial learning rate"},
    {"training", "lr_decay", KEY_DOUBLE, "0", 0, 1e6, NULL, RESUME_FIXED, OFF(tr_lr_decay),
     "per-round decay: lr = learning_rate / (1 + lr_decay * round)"},
    {"training", "epochs", KEY_INT, "1000", 1, 10000000, NULL, RESUME_FIXED, OFF(tr_epochs),
     "maximum epochs per round"},
    {"training", "batch_size", KEY_INT, "50", 1, 10000000, NULL, RESUME_FIXED,
     OFF(tr_batch_size), "mini-batch size"},
    {"training", "plateau_factor", KEY_DOUBLE, "0.5", 1e-6, 1, NULL, RESUME_FIXED,
     OFF(tr_plateau_factor), "reduce-on-plateau factor"},
    {"training", "plateau_patience", KEY_INT, "150", 0, 10000000, NULL, RESUME_FIXED,
     OFF(tr_plateau_patience), "epochs without improvement before the rate is reduced (0: off)"},
    {"training", "min_lr", KEY_DOUBLE, "1e-6", 0, 10, NULL, RESUME_FIXED, OFF(tr_min_lr),
     "lower bound of the learning rate"},
    {"training", "early_stopping", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FIXED,
     OFF(tr_early_stopping), "stop after es_patience epochs without improvement, restoring the "
     "best weights"},
    {"training", "es_patience", KEY_INT, "300", 1, 10000000, NULL, RESUME_FIXED,
     OFF(tr_es_patience), "early-stopping patience (epochs)"},
    {"training", "validation_fraction", KEY_DOUBLE, "0.25", 0, 0.9, NULL, RESUME_FIXED,
     OFF(tr_validation_fraction), "share of the rows held out for validation, drawn at random "
     "(shuffled, not the newest rows)"},
    {"training", "weight_g", KEY_DOUBLE, "0.1", 0, 1e9, NULL, RESUME_FIXED, OFF(tr_weight_g),
     "loss weight w_g of the reference term (g(0) - 0)^2"},
    {"training", "weight_mu", KEY_DOUBLE, "10", 1e-12, 1e9, NULL, RESUME_FIXED, OFF(tr_weight_mu),
     "loss weight w_mu of the gradient term"},
    {"training", "weight_hessian", KEY_DOUBLE, "0", 0, 1e9, NULL, RESUME_FIXED,
     OFF(tr_weight_hessian),
     "loss weight w_H of the curvature term: the committee also fits the measured Hessian H of "
     "g (/points/hessian) where it is resolved (hessian_max_rel): w_H x mean over rows and pairs "
     "j <= k of (d2g/deta_j deta_k - H_jk)^2 / |H_jj H_kk| (dropped pairs count 0); 0: off "
     "(docs/training.md, \"Training on the curvature\")"},
    {"training", "hessian_max_rel", KEY_DOUBLE, "0.5", 1e-6, 1e6, NULL, RESUME_FIXED,
     OFF(tr_hessian_max_rel),
     "curvature term: an element H_jk is fitted only when H_jj and H_kk have standard errors "
     "below hessian_max_rel x |H_jj| (and |H_kk|) and its own is below hessian_max_rel x "
     "sqrt(|H_jj H_kk|); 0.5 = alfe mc's hessian_poorly_resolved rule"},
    {"training", "newest_weight", KEY_DOUBLE, "1", 1e-6, 1e6, NULL, RESUME_FIXED,
     OFF(tr_newest_weight), "sample weight of the newest round's rows (others 1)"},
    {"training", "hypersearch", KEY_INT, "0", 0, 10000, NULL, RESUME_FIXED, OFF(tr_hypersearch),
     "candidates of a random hyper-parameter search each round (0: off); the best replace the "
     "committee only when better (docs/training.md has the bounds)"},
    {"training", "hypersearch_trigger", KEY_ENUM, "always", 0, 0,
     "always|never|first|first_and_no_improvement", RESUME_FREE, OFF(tr_hypersearch_trigger),
     "when the hyper-parameter search (hypersearch > 0 candidates) runs: always = every round; "
     "never; first = the first round that trains (round 1 in the log); "
     "first_and_no_improvement = that round and every round whose new rows the committee "
     "predicted (before training) no better than the previous round's new rows (the published "
     "rule)"},
    {"training", "search_layers_min", KEY_INT, "2", 1, 8, NULL, RESUME_FREE, OFF(hs_layers_min),
     "hyper-parameter search: fewest hidden layers (inclusive)"},
    {"training", "search_layers_max", KEY_INT, "4", 1, 8, NULL, RESUME_FREE, OFF(hs_layers_max),
     "hyper-parameter search: most hidden layers (inclusive)"},
    {"training", "search_width_min", KEY_INT, "50", 1, 4096, NULL, RESUME_FREE, OFF(hs_width_min),
     "hyper-parameter search: narrowest hidden layer (inclusive)"},
    {"training", "search_width_max", KEY_INT, "300", 1, 4096, NULL, RESUME_FREE,
     OFF(hs_width_max), "hyper-parameter search: widest hidden layer (inclusive)"},
    {"training", "search_lr_min", KEY_DOUBLE, "1e-6", 1e-12, 10, NULL, RESUME_FREE,
     OFF(hs_lr_min), "hyper-parameter search: smallest learning rate (log-uniform)"},
    {"training", "search_lr_max", KEY_DOUBLE, "5e-5", 1e-12, 10, NULL, RESUME_FREE,
     OFF(hs_lr_max), "hyper-parameter search: largest learning rate (log-uniform)"},
    {"training", "search_batch_min", KEY_INT, "25", 1, 10000000, NULL, RESUME_FREE,
     OFF(hs_batch_min), "hyper-parameter search: smallest batch size (inclusive)"},
    {"training", "search_batch_max", KEY_INT, "100", 1, 10000000, NULL, RESUME_FREE,
     OFF(hs_batch_max), "hyper-parameter search: largest batch size (inclusive)"},
    {"training", "test_set", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(tr_test_set),
     "file of test rows scored every round (numbers separated by spaces, tabs or commas, "
     "'#' comments); relative to the config file"},
    {"training", "test_eta_columns", KEY_STRING, "0-6", 0, 0, NULL, RESUME_FREE,
     OFF(tr_test_eta_columns), "0-based columns of eta in test_set, as first-last"},
    {"training", "test_mu_columns", KEY_STRING, "7-13", 0, 0, NULL, RESUME_FREE,
     OFF(tr_test_mu_columns), "0-based columns of mu in test_set, as first-last"},
    {"run", "progress_seconds", KEY_DOUBLE, "10", 0.01, 86400, NULL, RESUME_FREE,
     OFF(progress_seconds), "seconds between progress lines"},
    {"run", "max_memory_mb", KEY_DOUBLE, "0", 0, 1e9, NULL, RESUME_FREE, OFF(max_memory_mb),
     "memory limit (MiB per process) of the estimates made before allocation: the Monte Carlo "
     "supercell (lattice, neighbour lists, chain state) and the committee (weights, training "
     "state, work areas); 0 = the node's physical memory; a configuration above it is refused "
     "at start-up"},
    {"run", "worker_warn_seconds", KEY_DOUBLE, "600", 0, 1e7, NULL, RESUME_FREE,
     OFF(worker_warn_seconds), "rank 0 reports a worker rank that has been silent (no result "
     "of the point it was given) for longer than this, with its host and point, and likewise "
     "a rank that does not answer while rank 0 waits for it in a collective call of the "
     "acquisition, the training or a round boundary, with its host and the phase; 0 (or not "
     "less than worker_timeout_seconds) = no separate warning"},
    {"run", "worker_timeout_seconds", KEY_DOUBLE, "3600", 0, 1e7, NULL, RESUME_FREE,
     OFF(worker_timeout_seconds), "a worker silent for longer than this stops the run: rows "
     "already written stay, the campaign is left resumable and alfe exits 3 (stopped; resume, "
     "jobs/al_round.sh resubmits); the same for a rank silent in the acquisition, the "
     "training or a round boundary (the file is consistent there too: docs/restart.md); must "
     "exceed the longest single point; 0 = never"},
    {"pool", "points", KEY_INT, "100000", 0, 100000000, NULL, RESUME_FREE, OFF(pool_points),
     "billiard-walk points of the acquisition pool, at which the committee is evaluated for "
     "the pool criteria (built only when one of them is on)"},
    {"pool", "boundary_share", KEY_DOUBLE, "0.1", 0, 1, NULL, RESUME_FREE,
     OFF(pool_boundary_share), "share of the pool's walk points moved onto the domain's "
     "boundary (along a random direction)"},
    {"pool", "walk_2d", KEY_INT, "0", 0, 100000000, NULL, RESUME_FREE, OFF(pool_walk_2d),
     "extra pool points of a billiard walk in (eta0, eta1) with the other order parameters 0 "
     "(reaches the composition ends)"},
    {"special", "file", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(special_file),
     "points file of special points (one eta per line, d numbers, '#' comments), relative to "
     "the config file; evaluated in [special] round; empty = none"},
    {"special", "lines", KEY_STRING, "", 0, 0, NULL, RESUME_FREE, OFF(special_lines),
     "pairs of special points joined by lines of points, as i-j, k-l (0-based line order of "
     "the file's points)"},
    {"special", "line_points", KEY_INT, "5", 0, 100000, NULL, RESUME_FREE,
     OFF(special_line_points), "points on each line, its ends excluded"},
    {"special", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE, OFF(special_copies),
     "points per special point (perturbed copies)"},
    {"special", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE, OFF(special_perturb),
     "perturbation of each copy, uniform in +-perturb/2 per order parameter, before targeting"},
    {"special", "round", KEY_INT, "0", 0, 100000, NULL, RESUME_FREE, OFF(special_round),
     "the round (0-based) whose points include the special points"},
    {"high_error", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].points),
     "previous round's rows ranked by the committee's mu error |mu_pred - mu_MC|^2 before "
     "retraining: points per round before weighting (budget = points x weight); 0 = off"},
    {"high_error", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"high_error", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].copies),
     "points per kept candidate (perturbed copies)"},
    {"high_error", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"high_error", "from_round", KEY_INT, "2", 2, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].from_round),
     "first round (0-based) the criterion proposes in: round r ranks round r-1's rows by the error "
     "of round r-2's committee (the one before training on them), so 2 at the earliest"},
    {"high_error", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"high_error", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_HIGH_ERROR].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"wells", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_WELLS].points),
     "pool points with a positive-definite committee Hessian (wells), ranked by |mu_pred|: "
     "points per round before weighting (budget = points x weight); 0 = off"},
    {"wells", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_WELLS].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"wells", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE, OFF(crit[CONFIG_WELLS].copies),
     "points per kept candidate (perturbed copies)"},
    {"wells", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE, OFF(crit[CONFIG_WELLS].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"wells", "from_round", KEY_INT, "1", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_WELLS].from_round),
     "first round (0-based) the criterion proposes in; it needs the previous round's committee"},
    {"wells", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_WELLS].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"wells", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_WELLS].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"wells", "chord", KEY_ENUM, "no", 0, 0, "no|yes", RESUME_FREE, OFF(crit[CONFIG_WELLS].chord),
     "yes: rank by |mu - s| with s the end-member chord slope of the predicted g (wells of the "
     "common-tangent construction); no: by |mu|"},
    {"instability", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].points),
     "pool points whose smallest committee Hessian eigenvalue is below tolerance "
     "(non-convexity), most negative first: points per round before weighting (budget = "
     "points x weight); 0 = off"},
    {"instability", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"instability", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].copies),
     "points per kept candidate (perturbed copies)"},
    {"instability", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"instability", "from_round", KEY_INT, "1", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].from_round),
     "first round (0-based) the criterion proposes in; it needs the previous round's committee"},
    {"instability", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"instability", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"instability", "tolerance", KEY_DOUBLE, "0", -1e6, 1e6, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].tolerance),
     "a point is unstable when its smallest Hessian eigenvalue is below tolerance (eV)"},
    {"instability", "band", KEY_DOUBLE, "0", 0, 1e6, NULL, RESUME_FREE,
     OFF(crit[CONFIG_INSTABILITY].band),
     "> 0: the spinodal band |smallest eigenvalue| < band instead of the tolerance; 0 = off"},
    {"lowest_g", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].points),
     "per eta0 bin, the pool point of lowest predicted g: points per round before weighting "
     "(budget = points x weight); 0 = off"},
    {"lowest_g", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"lowest_g", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].copies),
     "points per kept candidate (perturbed copies)"},
    {"lowest_g", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"lowest_g", "from_round", KEY_INT, "1", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].from_round),
     "first round (0-based) the criterion proposes in; it needs the previous round's committee"},
    {"lowest_g", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"lowest_g", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"lowest_g", "bins", KEY_INT, "10", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_LOWEST_G].bins),
     "bins of eta0 over the domain's range"},
    {"sensitivity", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].points),
     "pool points ranked by the largest |Hessian eigenvalue|: points per round before "
     "weighting (budget = points x weight); 0 = off"},
    {"sensitivity", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"sensitivity", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].copies),
     "points per kept candidate (perturbed copies)"},
    {"sensitivity", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"sensitivity", "from_round", KEY_INT, "1", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].from_round),
     "first round (0-based) the criterion proposes in; it needs the previous round's committee"},
    {"sensitivity", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"sensitivity", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_SENSITIVITY].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"qbc", "points", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE, OFF(crit[CONFIG_QBC].points),
     "query by committee: pool points ranked by the committee's spread, highest first: points "
     "per round before weighting (budget = points x weight); 0 = off"},
    {"qbc", "groups", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE, OFF(crit[CONFIG_QBC].groups),
     "distinct candidates kept, each copies times; 0 = the budget (points x weight) / copies"},
    {"qbc", "copies", KEY_INT, "1", 1, 10000, NULL, RESUME_FREE, OFF(crit[CONFIG_QBC].copies),
     "points per kept candidate (perturbed copies)"},
    {"qbc", "perturb", KEY_DOUBLE, "0", 0, 10, NULL, RESUME_FREE, OFF(crit[CONFIG_QBC].perturb),
     "perturbation of each point, uniform in +-perturb/2 per order parameter (eta units), "
     "before targeting; a point outside the domain is re-drawn, then reflected in"},
    {"qbc", "from_round", KEY_INT, "1", 1, 100000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_QBC].from_round),
     "first round (0-based) the criterion proposes in; it needs the previous round's committee"},
    {"qbc", "diversity", KEY_ENUM, "yes", 0, 0, "no|yes", RESUME_FREE,
     OFF(crit[CONFIG_QBC].diversity),
     "yes: pick far-apart candidates (farthest point) among the top oversample x groups"},
    {"qbc", "oversample", KEY_DOUBLE, "4", 1, 1000, NULL, RESUME_FREE,
     OFF(crit[CONFIG_QBC].oversample),
     "top candidates considered per candidate kept (diversity, novelty)"},
    {"qbc", "with_g", KEY_ENUM, "no", 0, 0, "no|yes", RESUME_FREE, OFF(crit[CONFIG_QBC].with_g),
     "yes: the spread of g adds to the spread of mu"},
    {"novelty", "min_distance", KEY_DOUBLE, "0", 0, 100, NULL, RESUME_FREE,
     OFF(novelty_min_distance), "drop candidates whose mean distance to their k nearest "
     "usable rows (eta) is below min_distance; 0 = off"},
    {"novelty", "k", KEY_INT, "5", 1, 1000, NULL, RESUME_FREE, OFF(novelty_k),
     "nearest rows of the novelty distance"},
    {"novelty", "mode", KEY_ENUM, "distance", 0, 0, "distance|distance_eig", RESUME_FREE,
     OFF(novelty_mode), "distance = mean distance to the k nearest rows; distance_eig = that "
     "times the largest |Hessian eigenvalue| at the candidate (published)"},
    {"reweight", "rule", KEY_ENUM, "none", 0, 0, "none|surprise|improvement", RESUME_FREE,
     OFF(reweight_rule), "dynamic criterion weights: none = all 1; surprise = the committee's "
     "mu MSE on a criterion's new rows before training; improvement = the MSE drop on them "
     "after training (the published rule); w += alpha * signal, renormalised to mean 1"},
    {"reweight", "alpha", KEY_DOUBLE, "1", 0, 1e6, NULL, RESUME_FREE, OFF(reweight_alpha),
     "step of the weight update per unit of the (normalised) signal"},
    {"reweight", "floor", KEY_INT, "0", 0, 10000000, NULL, RESUME_FREE, OFF(reweight_floor),
     "points every enabled criterion gets whatever its weight (so none is starved); the "
     "rest of the criteria's total points is shared by points x weight"},
    {"stop", "target_mse", KEY_DOUBLE, "0", 0, 1e300, NULL, RESUME_FREE, OFF(stop_target_mse),
     "stop when the mu MSE (eV^2) on the test set (without one: on the new rows before "
     "training) is at or below target_mse; 0 = off"},
    {"stop", "patience", KEY_INT, "0", 0, 100000, NULL, RESUME_FREE, OFF(stop_patience),
     "stop after patience rounds without a relative improvement of min_improvement of that "
     "MSE over the best so far; 0 = off"},
    {"stop", "min_improvement", KEY_DOUBLE, "0.01", 0, 1, NULL, RESUME_FREE,
     OFF(stop_min_improvement), "relative improvement that counts for patience"},
    {"metrics", "regions", KEY_STRING, "", 0, 0, NULL, RESUME_FIXED, OFF(metrics_regions),
     "named regions whose mu MSE is recorded every round, as name:file, name:file (each file: "
     "rows of d eta columns then d reference mu columns, '#' comments; relative to the config "
     "file); read once when the campaign is created and stored in /regions; empty = none"},
    {"metrics", "auto_regions", KEY_STRING, "", 0, 0, NULL, RESUME_FIXED,
     OFF(metrics_auto_regions),
     "regions made from the oracle's exact mu (model = oracle), any of ends, wells, "
     "lowest_g_path, nonconvex, global, separated by commas (docs/campaign-file.md, "
     "/regions); made once from the campaign seed when the campaign is created; empty = none"},
    {"metrics", "well_radius", KEY_DOUBLE, "0.1", 1e-6, 10, NULL, RESUME_FIXED,
     OFF(metrics_well_radius),
     "auto region wells: points within this distance (eta units) of the [special] points"},
    {"metrics", "region_points", KEY_INT, "500", 1, 1000000, NULL, RESUME_FIXED,
     OFF(metrics_region_points), "points of each automatic region"},
};
#define N_KEYS ((int)(sizeof KEYS / sizeof KEYS[0]))

const char *const config_criterion_sections[CONFIG_CRITERIA] = {
    "high_error", "wells", "instability", "lowest_g", "sensitivity", "qbc"};
_Static_assert(sizeof KEYS / sizeof KEYS[0] <= CONFIG_MAX_KEYS, "raise CONFIG_MAX_KEYS");

int config_key_line(const alfe_config *cfg, const char *section, const char *key)
{
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key))
            return cfg->key_line[i];
    return 0;
}

int config_key_count(void) { return N_KEYS; }

static void format_value(const alfe_config *cfg, const key_spec *k, char *buf, size_t size);

int config_value_is_default(const alfe_config *cfg, const char *section, const char *key)
{
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key)) {
            if (!KEYS[i].default_value || KEYS[i].type == KEY_PHI_LIST)
                return 0;
            char now[4096];
            format_value(cfg, &KEYS[i], now, sizeof now);
            return config_values_equal(section, key, now, KEYS[i].default_value);
        }
    return 0;
}

int config_values_equal(const char *section, const char *key, const char *a, const char *b)
{
    const key_spec *k = NULL;
    for (int i = 0; i < N_KEYS && !k; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key))
            k = &KEYS[i];
    if (!k || k->type == KEY_STRING || k->type == KEY_ENUM)
        return strcmp(a, b) == 0;
    /* Numeric keys: the same sequence of numbers. */
    const char *p = a, *q = b;
    for (;;) {
        while (*p && strchr(" \t,;/", *p))
            p++;
        while (*q && strchr(" \t,;/", *q))
            q++;
        if (!*p || !*q)
            return !*p && !*q;
        char *pe, *qe;
        double x = strtod(p, &pe), y = strtod(q, &qe);
        if (pe == p || qe == q || x != y)
            return 0;
        p = pe;
        q = qe;
    }
}

int config_key_info(int i, const char **section, const char **key, int *fixed)
{
    if (i < 0 || i >= N_KEYS)
        return 0;
    *section = KEYS[i].section;
    *key = KEYS[i].key;
    *fixed = KEYS[i].resume != RESUME_FREE;
    return 1;
}

int config_key_pinned_by_content(const char *section, const char *key)
{
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key))
            return KEYS[i].resume == RESUME_CONTENT;
    return 0;
}

static const char *resume_word(enum key_resume r)
{
    return r == RESUME_FIXED     ? "fixed"
           : r == RESUME_CONTENT ? "contents fixed"
                                 : "may change";
}

static const char *type_name(enum key_type t)
{
    switch (t) {
    case KEY_INT: return "integer";
    case KEY_U64: return "unsigned 64-bit integer";
    case KEY_DOUBLE: return "real";
    case KEY_STRING: return "string";
    case KEY_ENUM: return "choice";
    case KEY_PHI_LIST: return "list of reals";
    case KEY_DIM_LIST: return "real or list of reals";
    case KEY_MATRIX: return "3x3 integer matrix";
    }
    return "?";
}

/* ---------------------------------------------------------------------------
 * Where keys are: a line index of the file, for messages (iniparser keeps no
 * line numbers).  It also finds what iniparser accepts silently: duplicate
 * keys and keys outside any section. */
typedef struct {
    char section[128];
    char key[128];
    int line;
} key_location;

typedef struct {
    key_location *items;
    int n;
} location_index;

static void lower_copy(char *dst, size_t size, const char *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < size; i++)
        dst[k++] = (char)tolower((unsigned char)src[i]);
    dst[k] = '\0';
    char *t = alfe_trim(dst);
    if (t != dst)
        memmove(dst, t, strlen(t) + 1);
}

static void add_location(location_index *index, int *cap, const key_location *loc)
{
    if (index->n == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        index->items = ALFE_REALLOC(index->items, sizeof(key_location) * (size_t)*cap);
    }
    index->items[index->n++] = *loc;
}

static int index_locations(const char *path, const char *text, location_index *index)
{
    index->items = NULL;
    index->n = 0;
    int cap = 0, line_no = 0, continued = 0;
    char section[128] = "";
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        line_no++;
        char line[4096];
        size_t n = len < sizeof line - 1 ? len : sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        char *t = alfe_trim(line);
        size_t tl = strlen(t);
        int is_continuation = continued;
        continued = tl > 0 && t[tl - 1] == '\\';
        if (!is_continuation && *t && *t != ';' && *t != '#') {
            if (*t == '[') {
                char *close = strchr(t, ']');
                if (close) {
                    lower_copy(section, sizeof section, t + 1, (size_t)(close - t - 1));
                    /* The header itself, as key "": where the section starts. */
                    key_location loc;
                    snprintf(loc.section, sizeof loc.section, "%s", section);
                    loc.key[0] = '\0';
                    loc.line = line_no;
                    add_location(index, &cap, &loc);
                }
            } else {
                char *eq = strchr(t, '=');
                if (eq) {
                    if (section[0] == '\0') {
                        free(index->items);
                        return ALFE_FAIL(ALFE_ERR_INPUT,
                                         "%s:%d: key outside any [section]: %s", path, line_no, t);
                    }
                    key_location loc;
                    snprintf(loc.section, sizeof loc.section, "%s", section);
                    lower_copy(loc.key, sizeof loc.key, t, (size_t)(eq - t));
                    loc.line = line_no;
                    for (int i = 0; i < index->n && loc.key[0]; i++)
                        if (!strcmp(index->items[i].section, loc.section) &&
                            !strcmp(index->items[i].key, loc.key)) {
                            int first = index->items[i].line;
                            free(index->items);
                            return ALFE_FAIL(ALFE_ERR_INPUT,
                                             "%s:%d: [%s] %s is given twice (first on line %d)",
                                             path, line_no, loc.section, loc.key, first);
                        }
                    add_location(index, &cap, &loc);
                }
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    return ALFE_OK;
}

static int location_line(const location_index *index, const char *section, const char *key)
{
    for (int i = 0; i < index->n; i++)
        if (!strcmp(index->items[i].section, section) && !strcmp(index->items[i].key, key))
            return index->items[i].line;
    return 0;
}

/* ---------------------------------------------------------------------------
 * iniparser reports syntax errors through a callback; keep the first. */
static char ini_error[1024];

static int capture_ini_error(const char *fmt, ...)
{
    if (ini_error[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ini_error, sizeof ini_error, fmt, ap);
        va_end(ap);
    }
    return 0;
}

/* "iniparser: syntax error in F (12):\n-> text" -> "F:12: syntax error: text" */
static int report_syntax_error(const char *path)
{
    int line = 0;
    const char *open = strrchr(ini_error, '(');
    if (open)
        line = atoi(open + 1);
    const char *arrow = strstr(ini_error, "-> ");
    char text[512] = "";
    if (arrow) {
        snprintf(text, sizeof text, "%s", arrow + 3);
        alfe_trim(text);
    }
    if (line > 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: malformed INI line: %s", path, line, text);
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: malformed INI file", path);
}

/* ---------------------------------------------------------------------------
 * Values. */
static int key_error(const char *path, int line, const key_spec *k, const char *value,
                     const char *what)
{
    if (line > 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [%s] %s = %s: %s", path, line, k->section,
                         k->key, value, what);
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: [%s] %s = %s (default): %s", path, k->section, k->key,
                     value, what);
}

static void range_text(const key_spec *k, char *buf, size_t size)
{
    if (k->type == KEY_INT)
        snprintf(buf, size, "an integer in [%.0f, %.0f]", k->min, k->max);
    else
        snprintf(buf, size, "a finite number in [%g, %g]", k->min, k->max);
}

static int parse_value(alfe_config *cfg, const key_spec *k, const char *value, const char *path,
                       int line)
{
    char *base = (char *)cfg;
    char what[256];
    switch (k->type) {
    case KEY_INT: {
        long long v;
        if (alfe_parse_long(value, &v) != 0 || (double)v < k->min || (double)v > k->max) {
            range_text(k, what, sizeof what);
            char msg[300];
            snprintf(msg, sizeof msg, "must be %s", what);
            return key_error(path, line, k, value, msg);
        }
        *(int *)(base + k->offset) = (int)v;
        return ALFE_OK;
    }
    case KEY_U64: {
        uint64_t v;
        if (alfe_parse_u64(value, &v) != 0)
            return key_error(path, line, k, value, "must be an unsigned 64-bit integer");
        *(uint64_t *)(base + k->offset) = v;
        return ALFE_OK;
    }
    case KEY_DOUBLE: {
        double v;
        if (alfe_parse_double(value, &v) != 0 || v < k->min || v > k->max) {
            range_text(k, what, sizeof what);
            char msg[300];
            snprintf(msg, sizeof msg, "must be %s", what);
            return key_error(path, line, k, value, msg);
        }
        *(double *)(base + k->offset) = v;
        return ALFE_OK;
    }
    case KEY_STRING: {
        char **slot = (char **)(base + k->offset);
        free(*slot);
        *slot = ALFE_STRDUP(value);
        return ALFE_OK;
    }
    case KEY_ENUM: {
        const char *c = k->choices;
        for (int index = 0; c && *c; index++) {
            const char *bar = strchr(c, '|');
            size_t n = bar ? (size_t)(bar - c) : strlen(c);
            if (strlen(value) == n && strncmp(value, c, n) == 0) {
                *(int *)(base + k->offset) = index;
                return ALFE_OK;
            }
            c = bar ? bar + 1 : NULL;
        }
        char msg[300];
        snprintf(msg, sizeof msg, "must be one of %s", k->choices);
        return key_error(path, line, k, value, msg);
    }
    case KEY_PHI_LIST:
    case KEY_DIM_LIST: {
        /* Parsed after dimension is known: see parse_dim_list. */
        return ALFE_OK;
    }
    case KEY_MATRIX: {
        int (*mat)[3] = (int (*)[3])(base + k->offset);
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", value);
        int n = 0;
        char *save = NULL;
        for (char *tok = strtok_r(buf, " \t,;/", &save); tok; tok = strtok_r(NULL, " \t,;/", &save)) {
            long long v;
            if (n >= 9 || alfe_parse_long(tok, &v) != 0 || v < -100000 || v > 100000)
                return key_error(path, line, k, value, "must be 9 integers (3 rows of 3)");
            mat[n / 3][n % 3] = (int)v;
            n++;
        }
        if (n != 9)
            return key_error(path, line, k, value, "must be 9 integers (3 rows of 3)");
        return ALFE_OK;
    }
    }
    return ALFE_FAIL(ALFE_ERR_RUNTIME, "unknown key type");
}

/* A list of [system] dimension values (phi, [oracle] noise): one value (every
 * component), d values, or, for phi only, the default "50, 0.05" (eta0,
 * others). */
static int parse_dim_list(alfe_config *cfg, const key_spec *k, const char *value, int is_default,
                          const char *path, int line)
{
    double *out = (double *)((char *)cfg + k->offset);
    double v[ALFE_MAX_DIM + 1];
    int n = 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", value);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
        if (n > ALFE_MAX_DIM)
            return key_error(path, line, k, value, "too many values");
        if (alfe_parse_double(tok, &v[n]) != 0) {
            char msg[300];
            snprintf(msg, sizeof msg, "'%s' is not a finite number", tok);
            return key_error(path, line, k, value, msg);
        }
        if (v[n] < k->min || v[n] > k->max) {
            char msg[300];
            snprintf(msg, sizeof msg, "every value must be in [%g, %g] (got %g)", k->min, k->max,
                     v[n]);
            return key_error(path, line, k, value, msg);
        }
        n++;
    }
    int d = cfg->dimension;
    if (n == 0) {
        return key_error(path, line, k, value, "needs at least one value");
    } else if (is_default && k->type == KEY_PHI_LIST) {
        out[0] = v[0];
        for (int j = 1; j < d; j++)
            out[j] = v[1];
    } else if (n == 1) {
        for (int j = 0; j < d; j++)
            out[j] = v[0];
    } else if (n == d) {
        memcpy(out, v, sizeof(double) * (size_t)d);
    } else {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "has %d values; give 1 (for every order parameter) or [system] dimension = %d",
                 n, d);
        return key_error(path, line, k, value, msg);
    }
    return ALFE_OK;
}

/* Shortest decimal text that reads back as the same double (so 0.05 stays
 * "0.05" in the stored configuration, yet comparisons are exact). */
static void format_double(char *buf, size_t size, double v)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

static void format_value(const alfe_config *cfg, const key_spec *k, char *buf, size_t size)
{
    const char *base = (const char *)cfg;
    switch (k->type) {
    case KEY_INT:
        snprintf(buf, size, "%d", *(const int *)(base + k->offset));
        break;
    case KEY_U64:
        snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)(base + k->offset));
        break;
    case KEY_DOUBLE:
        format_double(buf, size, *(const double *)(base + k->offset));
        break;
    case KEY_STRING: {
        const char *s = *(char *const *)(base + k->offset);
        snprintf(buf, size, "%s", s ? s : "");
        break;
    }
    case KEY_ENUM: {
        int index = *(const int *)(base + k->offset);
        const char *c = k->choices;
        for (int i = 0; i < index && c; i++) {
            c = strchr(c, '|');
            if (c)
                c++;
        }
        size_t n = c ? strcspn(c, "|") : 0;
        snprintf(buf, size, "%.*s", (int)n, c ? c : "");
        break;
    }
    case KEY_MATRIX: {
        const int (*mat)[3] = (const int (*)[3])(base + k->offset);
        snprintf(buf, size, "%d %d %d  %d %d %d  %d %d %d", mat[0][0], mat[0][1], mat[0][2],
                 mat[1][0], mat[1][1], mat[1][2], mat[2][0], mat[2][1], mat[2][2]);
        break;
    }
    case KEY_PHI_LIST:
    case KEY_DIM_LIST: {
        /* [oracle] noise with equal values is written as one value (as
         * before it was a list), so stored configurations compare equal. */
        const double *list = (const double *)((const char *)cfg + k->offset);
        int n = cfg->dimension, same = 1;
        for (int j = 1; j < n; j++)
            same &= list[j] == list[0];
        if (k->type == KEY_DIM_LIST && same)
            n = 1;
        size_t used = 0;
        buf[0] = '\0';
        for (int j = 0; j < n && used + 1 < size; j++) {
            char one[32];
            format_double(one, sizeof one, list[j]);
            used += (size_t)snprintf(buf + used, size - used, "%s%s", j ? ", " : "", one);
        }
        break;
    }
    }
}

const char *config_value_string(const alfe_config *cfg, const char *section, const char *key,
                                char *buf, size_t size)
{
    for (int i = 0; i < N_KEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key)) {
            format_value(cfg, &KEYS[i], buf, size);
            return buf;
        }
    return NULL;
}

static void build_canonical(alfe_config *cfg)
{
    size_t cap = 8192, used = 0;
    char *text = ALFE_MALLOC(cap);
    text[0] = '\0';
    const char *section = "";
    for (int i = 0; i < N_KEYS; i++) {
        char value[4096];
        format_value(cfg, &KEYS[i], value, sizeof value);
        size_t need = strlen(KEYS[i].section) + strlen(KEYS[i].key) + strlen(value) + 16;
        if (used + need >= cap) {
            cap = 2 * cap + need;
            text = ALFE_REALLOC(text, cap);
        }
        if (strcmp(section, KEYS[i].section)) {
            section = KEYS[i].section;
            used += (size_t)snprintf(text + used, cap - used, "%s[%s]\n", used ? "\n" : "",
                                     section);
        }
        used += (size_t)snprintf(text + used, cap - used, "%s = %s\n", KEYS[i].key, value);
    }
    free(cfg->canonical);
    cfg->canonical = text;
}

/* ---------------------------------------------------------------------------
 * Checks that involve several keys or the file system. */
static int check_output(const alfe_config *cfg, const char *path, int line)
{
    const char *out = cfg->output;
    if (out[0] == '\0')
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [campaign] output is empty", path, line);
    struct stat st;
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [campaign] output = %s is a directory", path,
                         line, out);
    if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
        int rc = alfe_require_regular_file(out);
        char why[1024];
        snprintf(why, sizeof why, "%s", alfe_error_message());
        alfe_error_clear();
        return ALFE_FAIL(rc, "%s:%d: [campaign] output = %s", path, line, why);
    }
    char *dir = alfe_path_dirname(out);
    int status = ALFE_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "%s:%d: [campaign] output = %s: directory %s does not exist", path,
                           line, out, dir);
    } else if (access(out, F_OK) != 0) {
        /* A new campaign: prove the directory takes a file (access(W_OK) says
         * yes to root even on read-only mounts, so try for real). */
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/.alfe-probe-%ld", dir, (long)getpid());
        int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s:%d: [campaign] output = %s: cannot create files in %s: %s",
                               path, line, out, dir, strerror(errno));
        } else {
            close(fd);
            unlink(probe);
        }
    } else if (access(out, R_OK | W_OK) != 0) {
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [campaign] output = %s is not writable: %s",
                           path, line, out, strerror(errno));
    }
    free(dir);
    return status;
}

static long long det3(const int a[3][3])
{
    return (long long)a[0][0] * ((long long)a[1][1] * a[2][2] - (long long)a[1][2] * a[2][1]) -
           (long long)a[0][1] * ((long long)a[1][0] * a[2][2] - (long long)a[1][2] * a[2][0]) +
           (long long)a[0][2] * ((long long)a[1][0] * a[2][1] - (long long)a[1][1] * a[2][0]);
}

/* model = clex: the files exist and the cell matrices are non-singular.
 * The model itself (orbits, supercell, Q against the ordering cell) is
 * built and checked by run/system.c. */
static int check_clex(alfe_config *cfg, const char *path, const location_index *index)
{
    const char *names[2] = {"prim", "eci"};
    char *files[2] = {cfg->prim_file, cfg->eci_file};
    char **resolved[2] = {&cfg->prim_path, &cfg->eci_path};
    for (int i = 0; i < 2; i++) {
        int line = location_line(index, "system", names[i]);
        if (files[i][0] == '\0')
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s: [system] model = clex needs [system] %s", path,
                             names[i]);
        free(*resolved[i]);
        *resolved[i] = alfe_path_join(cfg->config_dir, files[i]);
        struct stat st;
        if (stat(*resolved[i], &st) != 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [system] %s = %s: %s not found", path, line,
                             names[i], files[i], *resolved[i]);
    }
    const char *mats[2] = {"supercell", "ordering_cell"};
    const int (*m[2])[3] = {cfg->supercell, cfg->ordering_cell};
    for (int i = 0; i < 2; i++)
        if (det3(m[i]) == 0)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s:%d: [system] %s: model = clex needs a non-singular 3x3 matrix",
                             path, location_line(index, "system", mats[i]), mats[i]);
    return ALFE_OK;
}

/* "a-b" → first, last (0-based, inclusive). */
static int parse_column_range(const char *text, int *first, int *last)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    char *dash = strchr(buf, '-');
    if (!dash)
        return -1;
    *dash = '\0';
    long long a, b;
    if (alfe_parse_long(buf, &a) != 0 || alfe_parse_long(dash + 1, &b) != 0 || a < 0 || b < a ||
        b > 100000)
        return -1;
    *first = (int)a;
    *last = (int)b;
    return 0;
}

/* [network] and [training]: the invariants path resolved (run/system.c
 * reads them); the test set exists and its column ranges have d columns
 * each. */
static int check_learning(alfe_config *cfg, const char *path, const location_index *index)
{
    free(cfg->net_invariants_path);
    cfg->net_invariants_path = alfe_path_join(cfg->config_dir, cfg->net_invariants);
    if (cfg->tr_test_set[0]) {
        const char *keys[2] = {"test_eta_columns", "test_mu_columns"};
        const char *values[2] = {cfg->tr_test_eta_columns, cfg->tr_test_mu_columns};
        for (int i = 0; i < 2; i++) {
            int a, b;
            if (parse_column_range(values[i], &a, &b) != 0 || b - a + 1 != cfg->dimension)
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "%s:%d: [training] %s = %s: must be first-last (0-based) "
                                 "spanning [system] dimension = %d columns",
                                 path, location_line(index, "training", keys[i]), keys[i],
                                 values[i], cfg->dimension);
        }
        free(cfg->tr_test_set_path);
        cfg->tr_test_set_path = alfe_path_join(cfg->config_dir, cfg->tr_test_set);
        struct stat st;
        if (stat(cfg->tr_test_set_path, &st) != 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [training] test_set = %s: %s not found", path,
                             location_line(index, "training", "test_set"), cfg->tr_test_set,
                             cfg->tr_test_set_path);
        if (alfe_require_regular_file(cfg->tr_test_set_path) != ALFE_OK) {
            char why[1024];
            snprintf(why, sizeof why, "%s", alfe_error_message());
            alfe_error_clear();
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [training] test_set = %s: %s", path,
                             location_line(index, "training", "test_set"), cfg->tr_test_set, why);
        }
    }
    return ALFE_OK;
}

int config_column_range(const char *text, int *first, int *last)
{
    return parse_column_range(text, first, last);
}

/* ---------------------------------------------------------------------------
 * [oracle] free_energy and [metrics]. */
const char *const config_auto_region_names[5] = {"ends", "wells", "lowest_g_path", "nonconvex",
                                                 "global"};

void config_regions_free(config_region **regions, int n)
{
    if (!regions || !*regions)
        return;
    for (int i = 0; i < n; i++) {
        free((*regions)[i].file);
        free((*regions)[i].path);
    }
    free(*regions);
    *regions = NULL;
}

static int region_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > CONFIG_REGION_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

int config_regions(const alfe_config *cfg, config_region **out, int *n_out)
{
    *out = NULL;
    *n_out = 0;
    const char *path = cfg->config_path;
    config_region *r = ALFE_CALLOC(CONFIG_MAX_REGIONS, sizeof *r);
    int n = 0, status = ALFE_OK;
    for (int pass = 0; pass < 2 && status == ALFE_OK; pass++) {
        const char *key = pass == 0 ? "regions" : "auto_regions";
        const char *value = pass == 0 ? cfg->metrics_regions : cfg->metrics_auto_regions;
        int line = config_key_line(cfg, "metrics", key);
        if (!value || !value[0])
            continue;
        char *buf = ALFE_STRDUP(value), *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok && status == ALFE_OK;
             tok = strtok_r(NULL, ",", &save)) {
            char *item = alfe_trim(tok), *file = NULL;
            if (!item[0])
                continue;
            if (pass == 0) {
                char *colon = strchr(item, ':');
                if (!colon) {
                    status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] regions = %s: '%s' "
                                       "must be name:file", path, line, value, item);
                    break;
                }
                *colon = '\0';
                item = alfe_trim(item);
                file = alfe_trim(colon + 1);
            }
            int known = pass == 0;
            for (int a = 0; a < 5 && !known; a++)
                known = !strcmp(item, config_auto_region_names[a]);
            if (!known)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] auto_regions = %s: unknown "
                                   "region '%s' (known: ends, wells, lowest_g_path, nonconvex, "
                                   "global)", path, line, value, item);
            else if (!region_name_ok(item))
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] %s = %s: region name '%s' "
                                   "must be 1 to %d letters, digits or '_'", path, line, key,
                                   value, item, CONFIG_REGION_NAME_MAX);
            for (int i = 0; i < n && status == ALFE_OK; i++)
                if (!strcmp(r[i].name, item))
                    status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] %s = %s: region '%s' "
                                       "is named twice ([metrics] regions and auto_regions "
                                       "share one set of names)", path, line, key, value, item);
            if (status == ALFE_OK && n == CONFIG_MAX_REGIONS)
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] %s = %s: more than %d "
                                   "regions", path, line, key, value, CONFIG_MAX_REGIONS);
            if (status == ALFE_OK && file) {
                struct stat st;
                char *resolved = alfe_path_join(cfg->config_dir, file);
                if (!file[0] || stat(resolved, &st) != 0)
                    status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] regions = %s: region "
                                       "'%s': file %s not found", path, line, value, item,
                                       resolved);
                else if (alfe_require_regular_file(resolved) != ALFE_OK) {
                    char why[1024];
                    snprintf(why, sizeof why, "%s", alfe_error_message());
                    alfe_error_clear();
                    status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] regions = %s: region "
                                       "'%s': %s", path, line, value, item, why);
                }
                if (status == ALFE_OK) {
                    r[n].file = ALFE_STRDUP(file);
                    r[n].path = resolved;
                } else {
                    free(resolved);
                }
            }
            if (status == ALFE_OK)
                snprintf(r[n++].name, sizeof r[0].name, "%s", item);
        }
        free(buf);
    }
    if (status != ALFE_OK || n == 0) {
        config_regions_free(&r, n);
        return status;
    }
    *out = r;
    *n_out = n;
    return ALFE_OK;
}

/* [oracle] free_energy parses in e0..e(d-1) (the column is the formula's);
 * [metrics] names regions that exist and that the model can make. */
static int check_formula_and_metrics(alfe_config *cfg, const char *path,
                                     const location_index *index)
{
    if (cfg->oracle_free_energy[0]) {
        int line = location_line(index, "oracle", "free_energy");
        if (cfg->model != MODEL_ORACLE)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [oracle] free_energy needs [system] model "
                             "= oracle", path, line);
        if (cfg->oracle_network[0])
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [oracle] free_energy and [oracle] network "
                             "are both set; give one", path, line);
        polynomial p;
        int column = 0;
        if (polynomial_parse(cfg->oracle_free_energy, cfg->dimension, &p, &column) != ALFE_OK) {
            char why[1024];
            snprintf(why, sizeof why, "%s", alfe_error_message());
            alfe_error_clear();
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [oracle] free_energy = %s: %s (of the "
                             "formula; variables e0 .. e%d for [system] dimension = %d)", path,
                             line, cfg->oracle_free_energy, why, cfg->dimension - 1,
                             cfg->dimension);
        }
        polynomial_free(&p);
    }
    config_region *r = NULL;
    int n = 0;
    ALFE_CHECK(config_regions(cfg, &r, &n));
    int status = ALFE_OK;
    for (int i = 0; i < n && status == ALFE_OK; i++) {
        if (r[i].path)
            continue;
        int line = location_line(index, "metrics", "auto_regions");
        if (cfg->model != MODEL_ORACLE)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] auto_regions needs [system] "
                               "model = oracle (the regions are made from the oracle's exact "
                               "mu)", path, line);
        else if (!strcmp(r[i].name, "wells") && !cfg->special_file[0])
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] auto_regions: region 'wells' "
                               "needs [special] file (its points are the wells)", path, line);
    }
    config_regions_free(&r, n);
    return status;
}

/* [oracle] network: the path resolved (run/system.c reads the model). */
static int check_network(alfe_config *cfg)
{
    free(cfg->oracle_network_path);
    cfg->oracle_network_path = alfe_path_join(cfg->config_dir, cfg->oracle_network);
    return ALFE_OK;
}

/* "i-j, k-l" → 0, else -1 (the pairs are range-checked against the file
 * by run/system.c, which reads it). */
static int check_special_lines(const char *text)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ", \t;", &save); tok; tok = strtok_r(NULL, ", \t;", &save)) {
        char *dash = strchr(tok, '-');
        if (!dash || dash == tok)
            return -1;
        *dash = '\0';
        long long x, y;
        if (alfe_parse_long(tok, &x) != 0 || alfe_parse_long(dash + 1, &y) != 0 || x < 0 ||
            y < 0 || x == y || x > 1000000 || y > 1000000)
            return -1;
    }
    return 0;
}

/* [special], [stop], the criteria and the search bounds: values that only
 * make sense together. */
static int check_acquisition(alfe_config *cfg, const char *path, const location_index *index)
{
    free(cfg->special_path);
    cfg->special_path = NULL;
    if (cfg->special_file[0]) {
        cfg->special_path = alfe_path_join(cfg->config_dir, cfg->special_file);
        struct stat st;
        if (stat(cfg->special_path, &st) != 0)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [special] file = %s: %s not found", path,
                             location_line(index, "special", "file"), cfg->special_file,
                             cfg->special_path);
    }
    if (cfg->special_lines[0] && check_special_lines(cfg->special_lines) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [special] lines = %s: must be pairs i-j of "
                                         "distinct 0-based point indices, separated by commas",
                         path, location_line(index, "special", "lines"), cfg->special_lines);
    if (cfg->special_lines[0] && !cfg->special_file[0])
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [special] lines needs [special] file", path,
                         location_line(index, "special", "lines"));
    for (int c = 0; c < CONFIG_CRITERIA; c++) {
        const config_criterion_keys *k = &cfg->crit[c];
        /* Every subset of the criteria that runs in a round can then give
         * each of them the floor (weights_budget). */
        if (k->points > 0 && cfg->reweight_floor > k->points)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [reweight] floor = %d exceeds [%s] points = %d "
                                             "(every criterion that runs gets the floor)", path,
                             location_line(index, "reweight", "floor"), cfg->reweight_floor,
                             config_criterion_sections[c], k->points);
        if (k->points > 0 && k->groups * k->copies > k->points)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [%s] groups = %d x copies = %d exceeds "
                                             "points = %d", path,
                             location_line(index, config_criterion_sections[c], "groups"),
                             config_criterion_sections[c], k->groups, k->copies, k->points);
    }
    const struct {
        const char *lo, *hi;
        double a, b;
    } pairs[] = {{"search_layers_min", "search_layers_max", cfg->hs_layers_min, cfg->hs_layers_max},
                 {"search_width_min", "search_width_max", cfg->hs_width_min, cfg->hs_width_max},
                 {"search_lr_min", "search_lr_max", cfg->hs_lr_min, cfg->hs_lr_max},
                 {"search_batch_min", "search_batch_max", cfg->hs_batch_min, cfg->hs_batch_max}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i].a > pairs[i].b)
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [training] %s = %g exceeds %s = %g", path,
                             location_line(index, "training", pairs[i].lo), pairs[i].lo,
                             pairs[i].a, pairs[i].hi, pairs[i].b);
    return ALFE_OK;
}

static int check_combinations(alfe_config *cfg, const char *path, const location_index *index,
                              int check_output_file)
{
    if (cfg->global_method == GLOBAL_SOBOL && cfg->dimension > 40)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s:%d: [global] method = sobol supports dimension <= 40 (GSL), but "
                         "[system] dimension = %d",
                         path, location_line(index, "global", "method"), cfg->dimension);
    if (check_output_file)
        ALFE_CHECK(check_output(cfg, path, location_line(index, "campaign", "output")));

    free(cfg->q_path);
    cfg->q_path = alfe_path_join(cfg->config_dir, cfg->q_file);
    int q_line = location_line(index, "system", "q_file");
    struct stat st;
    if (stat(cfg->q_path, &st) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [system] q_file = %s: %s not found", path,
                         q_line, cfg->q_file, cfg->q_path);
    int status = domain_read_q(cfg->q_path, cfg->dimension, &cfg->q, &cfg->q_m);
    if (status != ALFE_OK) {
        char inner[2048];
        snprintf(inner, sizeof inner, "%s", alfe_error_message());
        alfe_error_clear();
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [system] q_file: %s", path, q_line, inner);
    }
    if (cfg->model == MODEL_CLEX)
        ALFE_CHECK(check_clex(cfg, path, index));
    if (cfg->model == MODEL_ORACLE && cfg->oracle_network[0])
        ALFE_CHECK(check_network(cfg));
    if (cfg->net_invariants[0])
        ALFE_CHECK(check_learning(cfg, path, index));
    ALFE_CHECK(check_acquisition(cfg, path, index));
    ALFE_CHECK(check_formula_and_metrics(cfg, path, index));
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * Loading. */
int config_load(const char *path, alfe_config **out)
{
    return config_load_for(path, CONFIG_FOR_RUN, out);
}

int config_load_for(const char *path, enum config_purpose purpose, alfe_config **out)
{
    *out = NULL;
    char *text = NULL;
    struct stat st;
    if (stat(path, &st) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: config file not found", path);
    if (S_ISDIR(st.st_mode))
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: is a directory, not a config file", path);
    ALFE_CHECK(alfe_require_regular_file(path));
    ALFE_CHECK(alfe_read_text_file(path, &text, NULL));

    location_index index;
    int status = index_locations(path, text, &index);
    free(text);
    if (status != ALFE_OK)
        return status;

    ini_error[0] = '\0';
    iniparser_set_error_callback(capture_ini_error);
    dictionary *ini = iniparser_load(path);
    iniparser_set_error_callback(NULL);
    if (!ini || ini_error[0] != '\0') {
        if (ini)
            iniparser_freedict(ini);
        free(index.items);
        return report_syntax_error(path);
    }

    alfe_config *cfg = ALFE_CALLOC(1, sizeof *cfg);
    cfg->config_path = ALFE_STRDUP(path);
    cfg->config_dir = alfe_path_dirname(path);

    /* Unknown sections and keys: everything iniparser found must be in KEYS. */
    int nsec = iniparser_getnsec(ini);
    for (int s = 0; s < nsec && status == ALFE_OK; s++) {
        const char *sec = iniparser_getsecname(ini, s);
        int known_section = 0;
        for (int i = 0; i < N_KEYS; i++)
            known_section |= !strcmp(KEYS[i].section, sec);
        if (!known_section) {
            char where[4200];
            int line = location_line(&index, sec, "");
            if (line > 0)
                snprintf(where, sizeof where, "%s:%d", path, line);
            else
                snprintf(where, sizeof where, "%s", path);
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: unknown section [%s] (known: campaign, system, mc, oracle, "
                               "umbrella, global, network, training, run, pool, special, "
                               "high_error, wells, instability, lowest_g, sensitivity, qbc, "
                               "novelty, reweight, stop, metrics; see `alfe help config`)",
                               where, sec);
            break;
        }
        int nkeys = iniparser_getsecnkeys(ini, sec);
        const char **keys = ALFE_CALLOC((size_t)(nkeys > 0 ? nkeys : 1), sizeof(char *));
        iniparser_getseckeys(ini, sec, keys);
        for (int j = 0; j < nkeys && status == ALFE_OK; j++) {
            const char *colon = strchr(keys[j], ':');
            const char *name = colon ? colon + 1 : keys[j];
            int known = 0;
            for (int i = 0; i < N_KEYS; i++)
                known |= !strcmp(KEYS[i].section, sec) && !strcmp(KEYS[i].key, name);
            if (!known)
                status = ALFE_FAIL(ALFE_ERR_INPUT,
                                   "%s:%d: unknown key '%s' in [%s] (see `alfe help config`)",
                                   path, location_line(&index, sec, name), name, sec);
        }
        free(keys);
    }

    /* Values, in table order (dimension precedes phi). */
    for (int i = 0; i < N_KEYS && status == ALFE_OK; i++) {
        const key_spec *k = &KEYS[i];
        char full[300];
        snprintf(full, sizeof full, "%s:%s", k->section, k->key);
        const char *value = iniparser_getstring(ini, full, NULL);
        int line = location_line(&index, k->section, k->key);
        cfg->key_line[i] = line;
        int is_default = value == NULL;
        if (is_default && k->default_value == NULL) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: required key [%s] %s is missing", path,
                               k->section, k->key);
            break;
        }
        if (is_default)
            value = k->default_value;
        if (k->type == KEY_PHI_LIST || k->type == KEY_DIM_LIST)
            status = parse_dim_list(cfg, k, value, is_default, path, line);
        else
            status = parse_value(cfg, k, value, path, line);
    }
    iniparser_freedict(ini);
    if (status == ALFE_OK)
        status = check_combinations(cfg, path, &index, purpose == CONFIG_FOR_RUN);
    free(index.items);
    if (status != ALFE_OK) {
        config_destroy(&cfg);
        return status;
    }
    build_canonical(cfg);
    *out = cfg;
    return ALFE_OK;
}

int config_load_collective(const char *path, alfe_config **out)
{
    *out = NULL;
    alfe_config *cfg = NULL;
    int status = ALFE_OK;
    if (comm_rank() == 0)
        status = config_load(path, &cfg);
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        config_destroy(&cfg);
        return status;
    }
    if (comm_rank() != 0)
        cfg = ALFE_CALLOC(1, sizeof *cfg);
    /* Scalars travel as the struct's bytes; every pointer is then re-sent. */
    alfe_config copy = *cfg;
    comm_bcast_bytes(&copy, sizeof copy, 0);
    if (comm_rank() != 0) {
        *cfg = copy;
        cfg->config_path = cfg->config_dir = cfg->output = cfg->description = NULL;
        cfg->q_file = cfg->q_path = cfg->canonical = NULL;
        cfg->prim_file = cfg->eci_file = cfg->species = cfg->prim_path = cfg->eci_path = NULL;
        cfg->oracle_network = cfg->oracle_network_path = NULL;
        cfg->oracle_free_energy = cfg->metrics_regions = cfg->metrics_auto_regions = NULL;
        cfg->net_invariants = cfg->net_invariants_path = cfg->tr_test_set = NULL;
        cfg->tr_test_set_path = cfg->tr_test_eta_columns = cfg->tr_test_mu_columns = NULL;
        cfg->q = NULL;
        cfg->special_file = cfg->special_lines = cfg->special_path = NULL;
    }
    comm_bcast_string(&cfg->special_file, 0);
    comm_bcast_string(&cfg->special_lines, 0);
    comm_bcast_string(&cfg->special_path, 0);
    comm_bcast_string(&cfg->config_path, 0);
    comm_bcast_string(&cfg->config_dir, 0);
    comm_bcast_string(&cfg->output, 0);
    comm_bcast_string(&cfg->description, 0);
    comm_bcast_string(&cfg->q_file, 0);
    comm_bcast_string(&cfg->q_path, 0);
    comm_bcast_string(&cfg->prim_file, 0);
    comm_bcast_string(&cfg->eci_file, 0);
    comm_bcast_string(&cfg->species, 0);
    comm_bcast_string(&cfg->prim_path, 0);
    comm_bcast_string(&cfg->eci_path, 0);
    comm_bcast_string(&cfg->oracle_network, 0);
    comm_bcast_string(&cfg->oracle_network_path, 0);
    comm_bcast_string(&cfg->oracle_free_energy, 0);
    comm_bcast_string(&cfg->metrics_regions, 0);
    comm_bcast_string(&cfg->metrics_auto_regions, 0);
    comm_bcast_string(&cfg->net_invariants, 0);
    comm_bcast_string(&cfg->net_invariants_path, 0);
    comm_bcast_string(&cfg->tr_test_set, 0);
    comm_bcast_string(&cfg->tr_test_set_path, 0);
    comm_bcast_string(&cfg->tr_test_eta_columns, 0);
    comm_bcast_string(&cfg->tr_test_mu_columns, 0);
    comm_bcast_string(&cfg->canonical, 0);
    size_t nq = (size_t)cfg->dimension * (size_t)cfg->q_m;
    if (comm_rank() != 0)
        cfg->q = ALFE_MALLOC(sizeof(double) * nq);
    comm_bcast_doubles(cfg->q, nq, 0);
    *out = cfg;
    return ALFE_OK;
}

void config_destroy(alfe_config **cfg)
{
    if (!cfg || !*cfg)
        return;
    alfe_config *c = *cfg;
    free(c->config_path);
    free(c->config_dir);
    free(c->output);
    free(c->description);
    free(c->q_file);
    free(c->prim_file);
    free(c->eci_file);
    free(c->species);
    free(c->prim_path);
    free(c->eci_path);
    free(c->oracle_network);
    free(c->oracle_network_path);
    free(c->oracle_free_energy);
    free(c->metrics_regions);
    free(c->metrics_auto_regions);
    free(c->net_invariants);
    free(c->net_invariants_path);
    free(c->tr_test_set);
    free(c->tr_test_set_path);
    free(c->tr_test_eta_columns);
    free(c->tr_test_mu_columns);
    free(c->q_path);
    free(c->q);
    free(c->special_file);
    free(c->special_lines);
    free(c->special_path);
    free(c->canonical);
    free(c);
    *cfg = NULL;
}

void config_print_help(FILE *out)
{
    fprintf(out,
            "alfe configuration reference (INI).  Sections and keys are case-insensitive;\n"
            "';' and '#' start comments.  Keys marked 'fixed' may not change once the\n"
            "campaign file exists (alfe run and alfe train refuse, naming the key); for\n"
            "keys marked 'contents fixed' the file's path may change but not its bytes\n"
            "(SHA-256 pinned in the campaign); the others apply to rounds not yet\n"
            "started.  Ranges are inclusive.  Integers are decimal (a leading zero does\n"
            "not mean octal: seed = 010 is ten; 0x... is refused); a value outside its\n"
            "range is refused, never truncated.  Text input files (this file, Q,\n"
            "invariants, prim, eci, points and test sets) may be at most 64 MiB.\n");
    const char *section = "";
    for (int i = 0; i < N_KEYS; i++) {
        const key_spec *k = &KEYS[i];
        if (strcmp(section, k->section)) {
            section = k->section;
            fprintf(out, "\n[%s]\n", section);
        }
        char range[128] = "";
        if (k->type == KEY_INT)
            snprintf(range, sizeof range, ", range [%.0f, %.0f]", k->min, k->max);
        else if (k->type == KEY_DOUBLE || k->type == KEY_PHI_LIST || k->type == KEY_DIM_LIST)
            snprintf(range, sizeof range, ", range [%g, %g]", k->min, k->max);
        else if (k->type == KEY_ENUM)
            snprintf(range, sizeof range, ", one of %s", k->choices);
        if (k->type == KEY_PHI_LIST) /* the default is 2 values spread over d (parse_phi) */
            fprintf(out, "  %-18s %s%s, default 50 for eta0 and 0.05 for every other eta_j, "
                         "%s\n", k->key, type_name(k->type), range,
                    resume_word(k->resume));
        else
            fprintf(out, "  %-18s %s%s, default %s%s%s, %s\n", k->key, type_name(k->type), range,
                    k->default_value ? "\"" : "",
                    k->default_value ? k->default_value : "(required)",
                    k->default_value ? "\"" : "", resume_word(k->resume));
        /* wrap the help text at ~76 columns */
        const char *h = k->help;
        while (*h) {
            int width = 72;
            int n = (int)strlen(h);
            if (n > width) {
                n = width;
                while (n > 0 && h[n] != ' ')
                    n--;
                if (n == 0)
                    n = width;
            }
            fprintf(out, "      %.*s\n", n, h);
            h += n;
            while (*h == ' ')
                h++;
        }
    }
}
