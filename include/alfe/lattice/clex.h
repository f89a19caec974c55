/* clex.h — a cluster expansion read from CASM's own files (prim.json and the
 * v1 basis/ECI file), expanded with the prim's space group (spglib).
 *
 * Energy per prim cell of a configuration σ on a supercell of N prim cells:
 *   E_f(σ) = V_∅ + (1/N) Σ_cells L Σ_terms t  w_t Π_k φ_{b_k, f_k}(σ(b_k, L + cell_k))
 * where each term is one decorated cluster (sites with their site function
 * index f) of a cluster function α with non-zero ECI, translated so that
 * its first site lies in cell 0, and
 *   w_t = ECI_α · (number of factor-group images giving this decorated
 *         cluster) / |G|  — which is ECI_α / mult_α for binary sites;
 * the sum over all images of the factor group is the orbit average that
 * CASM's correlations are (CASM: E_f = Σ_α ECI_α ⟨Φ_α⟩).  An orbit may have
 * several cluster functions (sites with 3+ occupants), each with its own
 * terms.  docs/clex-input.md.
 * Owns: the model struct and the functions of casm_io.c (reading and
 * loading); the symmetry operations on a prim are in symmetry.h.  Must not
 * include the configuration. */
#ifndef ALFE_CLEX_H
#define ALFE_CLEX_H

#define CLEX_MAX_OCC 8      /* occupants per site */
#define CLEX_MAX_FUNC 7     /* site basis functions per site (n_occ - 1) */
#define CLEX_MAX_CLUSTER 8  /* sites per cluster */
#define CLEX_NAME 32
/* Symmetry tolerances, in Å: spglib's symprec (CASM's default tolerance is
 * also 1e-5), and the distance within which an image of a site is taken to be
 * a prim site in clex_apply_op (a few symprec: spglib's translations are only
 * as good as symprec). */
#define CLEX_SYMPREC 1e-5
#define CLEX_SITE_TOL 1e-4

typedef struct {
    double frac[3];                 /* fractional coordinates in the prim */
    int n_occ;
    char occ[CLEX_MAX_OCC][CLEX_NAME]; /* occupant names ("Va" = vacancy) */
} clex_site;

typedef struct {
    char title[128];
    double lattice[3][3];           /* rows: lattice vectors a, b, c in Å */
    int n_sites;
    clex_site *sites;
} clex_prim;

/* A site of the crystal: sublattice b of the prim cell at integer cell. */
typedef struct {
    int b;
    int cell[3];
} clex_ucoord;

/* One decorated cluster with its interaction (see the header comment). */
typedef struct {
    int size;
    int orbit;                      /* linear_orbit_index */
    clex_ucoord sites[CLEX_MAX_CLUSTER];
    int func[CLEX_MAX_CLUSTER];     /* site basis function index f of each site */
    double weight;                  /* w_t, eV per prim cell */
    int function;                   /* addition: linear_function_index of the
                                       cluster function this term comes from */
} clex_term;

typedef struct {
    int index;                      /* linear_orbit_index */
    int size;                       /* sites in the prototype */
    int mult;                       /* multiplicity CASM recorded */
    int expanded;                   /* clusters per prim cell found by expansion */
    double eci;                     /* 0 when the file gives none; for an orbit
                                       with several cluster functions, the ECI
                                       of the first (all are in functions[]) */
    int n_functions;                /* addition: cluster functions of the orbit */
} clex_orbit_info;

/* Addition: one cluster function (one "\\Phi_{n}" entry of the file). */
typedef struct {
    int index;                      /* linear_function_index */
    int orbit;                      /* linear_orbit_index */
    double eci;                     /* 0 when the file gives none */
} clex_function_info;

/* One symmetry operation in fractional coordinates: x' = rot x + trans. */
typedef struct {
    int rot[3][3];
    double trans[3];
} clex_symop;

typedef struct {
    clex_prim prim;
    /* Site basis: phi[b][f][o] = φ_{b,f}(occupant o) for sublattice b. */
    double (*phi)[CLEX_MAX_FUNC][CLEX_MAX_OCC];
    int *n_func;                    /* functions per sublattice (0 for fixed sites) */
    int n_orbits;
    clex_orbit_info *orbits;
    double constant;                /* ECI of the empty cluster, eV per prim cell */
    int n_terms;
    clex_term *terms;               /* non-zero ECI only */
    int n_functions;                /* addition: every cluster function, in */
    clex_function_info *functions;  /*   file order (the empty one included) */
    int n_ops;
    clex_symop *ops;                /* factor group of the prim */
    char source[2][512];            /* prim and ECI file names, for records */
} clex_model;

/* Read prim.json and the basis/ECI file, check them, find the factor group,
 * expand every orbit and check its multiplicity.  Errors are ALFE_ERR_INPUT
 * naming the file and the orbit (linear_orbit_index) or site. */
int clex_load(const char *prim_path, const char *eci_path, clex_model **out);
void clex_destroy(clex_model **model);

/* Read prim.json alone (also used for the ordering cell's symmetry). */
int clex_read_prim(const char *path, clex_prim *prim);
void clex_prim_free(clex_prim *prim);

/* Index of an occupant name on sublattice b, or -1. */
int clex_occupant_index(const clex_prim *prim, int b, const char *name);

#endif
