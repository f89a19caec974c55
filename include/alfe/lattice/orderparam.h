/* orderparam.h — order parameters of a supercell configuration.
 *
 * The ordering cell (integer matrix O, prim coordinates) must tile the
 * supercell: T = O·K with K integer.  A variable site (b, cell) belongs to
 * sublattice s = r·n_vb + vb, where r is the index of cell modulo O among the
 * ordering cell's canonical cells in lexicographic (i, j, k) order and vb the
 * index of b among the variable basis sites.  x_s = (sites of sublattice s
 * holding the counted species)/(copies of the ordering cell), η = Q x
 * (ARCHITECTURE §2.3); a change at a site of sublattice s moves η by
 * ±Q[:, s]/copies.
 * Owns: the site → sublattice map and Δη tables. */
#ifndef ALFE_ORDERPARAM_H
#define ALFE_ORDERPARAM_H

#include "alfe/lattice/supercell.h"

typedef struct {
    int d, m;               /* order parameters, sublattices (columns of Q) */
    int copies;             /* ordering cells in the supercell */
    int n_var;              /* variable sites of the supercell */
    int *sublattice;        /* variable index -> sublattice s */
    int8_t *counted;        /* per variable site and occupant: 1 if it counts in x */
    int max_occ;
    double *q;              /* d×m */
    double *dq;             /* m×d: Q[:, s] / copies */
    double *q_pinv;         /* m×d: x(η) = Q⁺ η */
} orderparam;

/* species: the occupant counted in x (NULL: the last occupant of the first
 * variable site).  Errors (ALFE_ERR_INPUT): O singular, supercell not a
 * multiple of O, Q with a column count other than M, species unknown. */
int orderparam_create(const supercell *sc, const int ordering[3][3], const double *q, int d,
                      int q_columns, const char *species, orderparam **out);
void orderparam_destroy(orderparam **op);

/* Number M of sublattices for an ordering cell (to check Q before building). */
int orderparam_sublattice_count(const clex_prim *prim, const int ordering[3][3]);

/* η of a configuration (d values). */
void orderparam_eta(const orderparam *op, const int8_t *occ, double *eta);

#endif
