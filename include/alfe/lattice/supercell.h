/* supercell.h — the Monte Carlo lattice: a supercell of the prim (integer
 * matrix T: supercell vectors = prim vectors · T, i.e. T's columns in prim
 * coordinates), its sites, and the cluster-expansion terms laid out for fast
 * local energy changes.
 *
 * Site index = cell index · n_basis + b; cells are the canonical
 * representatives of Z³ modulo T in lexicographic (i, j, k) order.  Every
 * periodic image of every term is a cluster instance; each variable site
 * keeps the list of instances it belongs to.  Local fields
 *   h[v][f] = Σ_{instances c ∋ v, func_c(v) = f} w_c Π_{k ≠ v} φ(σ_k)
 * make ΔE of a change at v equal to Σ_f (φ_f(new) − φ_f(old)) h[v][f]; they
 * are updated only when a change is accepted, so a rejected attempt costs
 * O(1) (the route to beating CASM, see docs/performance.md).
 * Owns: lattice tables and the local fields. */
#ifndef ALFE_SUPERCELL_H
#define ALFE_SUPERCELL_H

#include "alfe/lattice/clex.h"

#include <stdint.h>

typedef struct {
    const clex_model *model;
    int t[3][3];            /* supercell matrix */
    int n_cells, n_basis;
    int n_sites;            /* n_cells · n_basis */
    int (*cells)[3];        /* integer coordinates of each cell */
    int n_var;              /* variable sites */
    int *var_site;          /* variable index -> site index */
    int *site_var;          /* site index -> variable index, or -1 */
    int8_t *var_basis;      /* variable index -> prim basis site b */
    int max_func;           /* largest number of site functions */
    /* Cluster instances (flat): sites as variable indices, function index,
     * weight. */
    int64_t n_inst;
    int8_t *inst_size;
    int32_t *inst_sites;    /* n_inst × CLEX_MAX_CLUSTER */
    int8_t *inst_func;      /* n_inst × CLEX_MAX_CLUSTER */
    double *inst_weight;
    /* Per variable site: the instances containing it (CSR), with the
     * position of the site inside the instance. */
    int64_t *member_start;  /* n_var + 1 */
    int32_t *member_inst;   /* instance id (fits: checked at build) */
    int8_t *member_pos;
    /* Binary models (every variable site: 2 occupants, 1 site function):
     * per-site lists by cluster size with the *other* sites inline, so an
     * accepted change streams through flat arrays (supercell_update_binary). */
    int binary;
    double (*phi_occ)[2];   /* φ of occupant 0 and 1, per variable site */
    int64_t *pair_start, *tri_start, *quad_start, *big_start; /* n_var + 1 each */
    int32_t *pair_other, *tri_other, *quad_other; /* 1, 2, 3 per entry */
    double *pair_w, *tri_w, *quad_w;
    int32_t *big_member;    /* index into member_inst/member_pos (size >= 5) */
} supercell;

/* Hard limit of supercell_create (the configured [mc] max_sites and
 * max_memory_mb are checked first, run/system.c). */
#define SUPERCELL_MAX_CELLS 10000000

/* What a supercell of the model would take, from |det T| alone, before any
 * allocation (supercell_estimate). */
typedef struct {
    int64_t n_cells;       /* |det T| prim cells */
    int64_t n_sites;       /* n_cells × prim sites */
    int64_t n_var;         /* variable sites (the Monte Carlo state) */
    int64_t n_instances;   /* cluster instances (n_cells × terms) */
    double skew;           /* enumeration box / |det T| (cell_lattice_check) */
    double bytes_lattice, bytes_neighbours, bytes_state, bytes; /* estimated memory */
} supercell_size;

/* Size and memory estimate of the supercell T of model (the lattice tables,
 * the cluster-instance (neighbour) lists and one Monte Carlo chain's state);
 * fails (ALFE_ERR_INPUT, est->n_cells and skew still set) for a singular,
 * skewed or larger-than-SUPERCELL_MAX_CELLS matrix (cell_lattice_check). */
int supercell_estimate(const clex_model *model, const int t[3][3], supercell_size *est);

/* Build the lattice and cluster tables.  Fails (ALFE_ERR_INPUT) for a
 * singular matrix or a model without variable sites. */
int supercell_create(const clex_model *model, const int t[3][3], supercell **out);
void supercell_destroy(supercell **sc);

/* Reduce an integer cell modulo the supercell and return its cell index. */
int supercell_cell_index(const supercell *sc, const int cell[3]);

/* Energy per prim cell (E_f) of a configuration occ[variable index] (occupant
 * indices), by full recomputation (for tests and the chain's start). */
double supercell_energy(const supercell *sc, const int8_t *occ);

/* Local fields of a configuration, h[v · max_func + f]. */
void supercell_local_fields(const supercell *sc, const int8_t *occ, double *h);
/* Update the local fields after occ[v] changed from old_occ to occ[v]. */
void supercell_update_fields(const supercell *sc, const int8_t *occ, int v, int old_occ,
                             double *h);
/* Binary models: update the fields after φ of site v changed by dphi, with
 * phi[] the current φ of every variable site (already updated at v). */
void supercell_update_binary(const supercell *sc, const double *phi, int v, double dphi,
                             double *h);

/* Total-energy change (eV, not per prim) of changing occ[v] to new_occ. */
static inline double supercell_delta_energy(const supercell *sc, const double *h,
                                            const int8_t *occ, int v, int new_occ)
{
    const clex_model *m = sc->model;
    const int b = sc->var_basis[v];
    const int old_occ = occ[v];
    double de = 0.0;
    for (int f = 0; f < m->n_func[b]; f++)
        de += (m->phi[b][f][new_occ] - m->phi[b][f][old_occ]) * h[(int64_t)v * sc->max_func + f];
    return de;
}

/* Exact integer helpers for 3×3 matrices. */
int64_t imat3_det(const int a[3][3]);
void imat3_adjugate(const int a[3][3], int64_t adj[3][3]);

/* Cells of ℤ³ modulo the lattice spanned by T's columns (prim coordinates):
 * the |det T| canonical representatives, in lexicographic (i, j, k) order —
 * the order that numbers the cells of a supercell and the sublattices of an
 * ordering cell (orderparam.h), so every module must use this one helper. */
typedef struct {
    int t[3][3];
    int64_t adj[3][3];
    int64_t det;
    int n;                  /* |det T| */
    int (*cells)[3];        /* n canonical cells, lexicographic */
} cell_lattice;

/* Fails (ALFE_ERR_INPUT) for a singular T or more than max_cells cells. */
int cell_lattice_init(cell_lattice *lat, const int t[3][3], int64_t max_cells);
/* The checks of cell_lattice_init before anything is allocated: T not
 * singular, |det T| ≤ max_cells, and not too skewed: the box that the cell
 * enumeration scans, cell_enumeration_box(T) = Π_i (1 + Σ_j |T_ij|) cells,
 * at most CELL_MAX_SKEW·|det T| + CELL_SKEW_SLACK (a diagonal T has a ratio
 * ≤ 8; a nearly singular T such as [[1000,999,0],[999,998,0],[0,0,1]],
 * |det| = 1, spans 8·10^6). */
#define CELL_MAX_SKEW 64
#define CELL_SKEW_SLACK 4096
int cell_lattice_check(const int t[3][3], int64_t max_cells);
double cell_enumeration_box(const int t[3][3]);
void cell_lattice_free(cell_lattice *lat);
/* r = c − T·floor(T⁻¹c): the canonical representative of c. */
void cell_lattice_reduce(const cell_lattice *lat, const int c[3], int r[3]);
/* Index of c's representative among lat->cells (linear search: small T). */
int cell_lattice_index(const cell_lattice *lat, const int c[3]);

#endif
