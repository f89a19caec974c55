/* symmetry.h — the symmetry of a prim: its factor group (spglib), the image
 * of a site under an operation, and the expansion of a decorated prototype
 * cluster into its orbit (docs/clex-input.md).  Types and tolerances
 * (clex_symop, CLEX_SYMPREC, CLEX_SITE_TOL) are in clex.h.
 * Owns: nothing stateful.  Must not read files. */
#ifndef ALFE_SYMMETRY_H
#define ALFE_SYMMETRY_H

#include "alfe/lattice/clex.h"

/* Factor group of a prim (spglib), sites distinguished by occupant lists. */
int clex_factor_group(const clex_prim *prim, clex_symop **ops, int *n_ops);
/* Image of a site under an operation; fails when it is not a prim site. */
int clex_apply_op(const clex_prim *prim, const clex_symop *op, const clex_ucoord *in,
                  clex_ucoord *out);

/* Addition (clex_load uses it).  Expand one decorated prototype
 * cluster: apply every operation of ops[0..n_ops) to prototype->sites (each
 * site keeps its function index), put each image in canonical form (sites
 * sorted by (b, i, j, k, f), then translated so that the first site is in
 * cell 0), and return the distinct decorated images in *images (malloc'd,
 * *n_images of them) with weight = prototype->weight · (operations giving
 * that image) / n_ops and orbit/function copied from the prototype, so that
 * the weights sum to prototype->weight.  *n_clusters = distinct undecorated
 * clusters = clusters of the orbit per prim cell (CASM's mult).  A prototype
 * of size 0 gives one image and *n_clusters = 1.  Fails with ALFE_ERR_INPUT
 * when the prototype repeats a site, ALFE_ERR_RUNTIME when an image is not a
 * prim site (operations that are not the prim's). */
int clex_orbit_expand(const clex_prim *prim, const clex_symop *ops, int n_ops,
                      const clex_term *prototype, clex_term **images, int *n_images,
                      int *n_clusters);

#endif
