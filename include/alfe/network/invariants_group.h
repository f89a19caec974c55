/* invariants_group.h — invariant polynomials generated from a finite group
 * acting on η: the group built from a CASM prim, an ordering cell and Q;
 * Molien's series; Reynolds generation (docs/invariants.md).
 * Owns: nothing stateful (all tables are local to one call).  Must not
 * evaluate polynomials for the network (invariants.h does). */
#ifndef ALFE_INVARIANTS_GROUP_H
#define ALFE_INVARIANTS_GROUP_H

#include "alfe/network/invariants.h"

/* Invariants of a finite group acting linearly on η (n_ops matrices d×d,
 * row-major, η' = A η): Reynolds averages of monomials up to max_degree, a
 * linearly independent set chosen lowest degree first, leaving out products of
 * lower-degree invariants (docs/invariants.md).  Each invariant is scaled so
 * that its coefficient of largest magnitude (the first in canonical order
 * among equals) is +1, then coefficients within 1e-12 of a fraction p/q with
 * q ≤ 1000 are replaced by it.  Fails with ALFE_ERR_INPUT when the matrices
 * are not closed under multiplication (not a group) or the degree is out of
 * range (1..32, and at most 2^20 monomials of the top degree). */
int invariants_from_group(int d, int n_ops, const double *ops, int max_degree,
                          invariant_set **out);

/* Addition: dimension of the space of invariant polynomials of each degree
 * 0..max_degree (Molien's series: dims[k] = (1/|G|) Σ_g h_k(eigenvalues of
 * A_g), h_k the complete homogeneous symmetric polynomial, from power sums
 * tr A_g^j by Newton's identities).  Values are real averages; they are
 * integers up to rounding when the matrices form a group. */
void invariants_molien(int d, int n_ops, const double *ops, int max_degree, double *dims);

/* Addition: the group acting on η for a CASM prim, an ordering cell O
 * (integer, prim coordinates, columns = ordering-cell vectors, as in
 * orderparam.h) and Q (d×m, row-major, m = M sublattices, s = r·n_vb + vb as
 * in orderparam.c).  Every factor-group operation of the prim followed by
 * every translation of the prim modulo O permutes the sublattices, x' = P x;
 * the induced action is A = Q P Q⁺.  Fails with ALFE_ERR_INPUT when m is not
 * M, when O's lattice is not mapped onto itself by some operation, or when
 * the rows of Q are not closed under the group (Q P ≠ A Q).  *ops receives
 * the distinct matrices (malloc'd, *n_ops × d × d, the identity first). */
int invariants_group_from_prim(const char *prim_path, const int ordering[3][3],
                               const double *q, int d, int m, double **ops, int *n_ops);

#endif
