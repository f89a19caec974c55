/* symmetry.c — the prim's factor group (spglib), the image of a site under
 * one operation, and the expansion of a prototype cluster into its orbit.
 * Owns: symmetry arithmetic only.  Must not read files (casm_io.c does) or
 * evaluate energies (supercell.c and mc.c do); see docs/clex-input.md. */
#include "alfe/lattice/symmetry.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <math.h>
#include <spglib.h>
#include <stdio.h>
#include <string.h>

/* Length in Å of a fractional displacement. */
static double frac_length(const double lattice[3][3], const double d[3])
{
    double cart[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            cart[j] += d[i] * lattice[i][j];
    return sqrt(cart[0] * cart[0] + cart[1] * cart[1] + cart[2] * cart[2]);
}

/* Sites are told apart by their set of allowed occupants (order ignored):
 * the factor group may only map a site onto one that allows the same
 * species.  The list order is a matter of the site basis, checked by
 * casm_io.c against the site functions. */
static int same_occupant_set(const clex_site *a, const clex_site *b)
{
    if (a->n_occ != b->n_occ)
        return 0;
    for (int i = 0; i < a->n_occ; i++) {
        int found = 0;
        for (int j = 0; j < b->n_occ && !found; j++)
            found = strcmp(a->occ[i], b->occ[j]) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

int clex_factor_group(const clex_prim *prim, clex_symop **ops_out, int *n_ops_out)
{
    *ops_out = NULL;
    *n_ops_out = 0;
    int n = prim->n_sites;
    if (n <= 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "prim '%s' has no sites", prim->title);
    /* spglib wants the lattice vectors as columns; ours are rows. */
    double lattice[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            lattice[i][j] = prim->lattice[j][i];
    double(*position)[3] = ALFE_MALLOC(sizeof *position * (size_t)n);
    int *types = ALFE_MALLOC(sizeof *types * (size_t)n);
    for (int b = 0; b < n; b++) {
        memcpy(position[b], prim->sites[b].frac, sizeof position[b]);
        types[b] = b;
        for (int c = 0; c < b; c++)
            if (same_occupant_set(&prim->sites[b], &prim->sites[c])) {
                types[b] = types[c];
                break;
            }
    }
    /* 48 point operations times at most n pure translations (a cell that is
     * not primitive) bounds the group. */
    int max_size = 48 * n;
    int(*rotation)[3][3] = ALFE_MALLOC(sizeof *rotation * (size_t)max_size);
    double(*translation)[3] = ALFE_MALLOC(sizeof *translation * (size_t)max_size);
    int count = spg_get_symmetry(rotation, translation, max_size, lattice, position, types, n,
                                 CLEX_SYMPREC);
    int status = ALFE_OK;
    if (count <= 0) {
        status = ALFE_FAIL(ALFE_ERR_INPUT,
                           "prim '%s': spglib found no symmetry operation (%s); check the "
                           "lattice vectors and that no two sites coincide",
                           prim->title, spg_get_error_message(spg_get_error_code()));
    } else {
        clex_symop *ops = ALFE_MALLOC(sizeof *ops * (size_t)count);
        for (int k = 0; k < count; k++) {
            memcpy(ops[k].rot, rotation[k], sizeof ops[k].rot);
            memcpy(ops[k].trans, translation[k], sizeof ops[k].trans);
        }
        *ops_out = ops;
        *n_ops_out = count;
    }
    free(rotation);
    free(translation);
    free(types);
    free(position);
    return status;
}

int clex_apply_op(const clex_prim *prim, const clex_symop *op, const clex_ucoord *in,
                  clex_ucoord *out)
{
    if (in->b < 0 || in->b >= prim->n_sites)
        return ALFE_FAIL(ALFE_ERR_INPUT, "site on sublattice %d: the prim has sublattices 0..%d",
                         in->b, prim->n_sites - 1);
    double x[3], y[3];
    for (int i = 0; i < 3; i++)
        x[i] = prim->sites[in->b].frac[i] + in->cell[i];
    for (int i = 0; i < 3; i++) {
        y[i] = op->trans[i];
        for (int j = 0; j < 3; j++)
            y[i] += op->rot[i][j] * x[j];
    }
    /* The nearest basis site modulo lattice translations, if close enough:
     * coordinates carry noise (CASM writes ~1e-8), so no exact match. */
    int best = -1;
    double best_distance = CLEX_SITE_TOL;
    for (int b = 0; b < prim->n_sites; b++) {
        double d[3];
        for (int i = 0; i < 3; i++) {
            d[i] = y[i] - prim->sites[b].frac[i];
            d[i] -= round(d[i]);
        }
        double distance = frac_length(prim->lattice, d);
        if (distance < best_distance) {
            best_distance = distance;
            best = b;
        }
    }
    if (best < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME,
                         "prim '%s': a symmetry operation maps sublattice %d of cell (%d %d %d) "
                         "to (%.6f %.6f %.6f), which is no prim site within %g Å",
                         prim->title, in->b, in->cell[0], in->cell[1], in->cell[2], y[0], y[1],
                         y[2], CLEX_SITE_TOL);
    out->b = best;
    for (int i = 0; i < 3; i++)
        out->cell[i] = (int)lround(y[i] - prim->sites[best].frac[i]);
    return ALFE_OK;
}

/* Order of decorated sites: (b, i, j, k, f).  Comparing b first and then
 * the cell is unchanged by a common translation of all sites, so the sorted
 * order of a cluster does not depend on where the cluster sits. */
static int decorated_site_compare(const clex_ucoord *a, int fa, const clex_ucoord *b, int fb)
{
    if (a->b != b->b)
        return a->b < b->b ? -1 : 1;
    for (int i = 0; i < 3; i++)
        if (a->cell[i] != b->cell[i])
            return a->cell[i] < b->cell[i] ? -1 : 1;
    if (fa != fb)
        return fa < fb ? -1 : 1;
    return 0;
}

/* Sort the sites, then translate the first site into cell 0: one
 * representative per translation class, so equal classes compare equal. */
static void cluster_canonicalise(clex_term *t)
{
    for (int i = 1; i < t->size; i++) {
        clex_ucoord site = t->sites[i];
        int f = t->func[i];
        int j = i - 1;
        while (j >= 0 && decorated_site_compare(&t->sites[j], t->func[j], &site, f) > 0) {
            t->sites[j + 1] = t->sites[j];
            t->func[j + 1] = t->func[j];
            j--;
        }
        t->sites[j + 1] = site;
        t->func[j + 1] = f;
    }
    if (t->size == 0)
        return;
    int shift[3] = {t->sites[0].cell[0], t->sites[0].cell[1], t->sites[0].cell[2]};
    for (int i = 0; i < t->size; i++)
        for (int k = 0; k < 3; k++)
            t->sites[i].cell[k] -= shift[k];
}

static int cluster_same_sites(const clex_term *a, const clex_term *b)
{
    if (a->size != b->size)
        return 0;
    for (int i = 0; i < a->size; i++)
        if (decorated_site_compare(&a->sites[i], 0, &b->sites[i], 0) != 0)
            return 0;
    return 1;
}

static int cluster_same_decoration(const clex_term *a, const clex_term *b)
{
    if (!cluster_same_sites(a, b))
        return 0;
    for (int i = 0; i < a->size; i++)
        if (a->func[i] != b->func[i])
            return 0;
    return 1;
}

int clex_orbit_expand(const clex_prim *prim, const clex_symop *ops, int n_ops,
                      const clex_term *prototype, clex_term **images_out, int *n_images_out,
                      int *n_clusters_out)
{
    *images_out = NULL;
    *n_images_out = 0;
    *n_clusters_out = 0;
    if (n_ops <= 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "orbit %d: expansion without symmetry operations",
                         prototype->orbit);
    if (prototype->size < 0 || prototype->size > CLEX_MAX_CLUSTER)
        return ALFE_FAIL(ALFE_ERR_INPUT, "orbit %d: %d sites; at most %d are supported",
                         prototype->orbit, prototype->size, CLEX_MAX_CLUSTER);
    for (int i = 0; i < prototype->size; i++)
        for (int j = 0; j < i; j++)
            if (decorated_site_compare(&prototype->sites[i], 0, &prototype->sites[j], 0) == 0)
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "orbit %d: prototype sites %d and %d are the same site",
                                 prototype->orbit, j, i);
    /* At most n_ops distinct images: linear search is cheap enough (|G| ≤ 48
     * for a primitive cell) and keeps the order deterministic. */
    clex_term *images = ALFE_MALLOC(sizeof *images * (size_t)n_ops);
    int *image_count = ALFE_CALLOC((size_t)n_ops, sizeof *image_count);
    clex_term *shapes = ALFE_MALLOC(sizeof *shapes * (size_t)n_ops);
    int n_images = 0, n_shapes = 0, status = ALFE_OK;
    for (int k = 0; k < n_ops && status == ALFE_OK; k++) {
        clex_term image = *prototype;
        for (int i = 0; i < prototype->size && status == ALFE_OK; i++)
            status = clex_apply_op(prim, &ops[k], &prototype->sites[i], &image.sites[i]);
        if (status != ALFE_OK)
            break;
        cluster_canonicalise(&image);
        int found = -1;
        for (int m = 0; m < n_images && found < 0; m++)
            if (cluster_same_decoration(&images[m], &image))
                found = m;
        if (found < 0) {
            found = n_images++;
            images[found] = image;
        }
        image_count[found]++;
        int shape_found = 0;
        for (int m = 0; m < n_shapes && !shape_found; m++)
            shape_found = cluster_same_sites(&shapes[m], &image);
        if (!shape_found)
            shapes[n_shapes++] = image;
    }
    free(shapes);
    if (status != ALFE_OK) {
        free(images);
        free(image_count);
        alfe_trace_at(__FILE__, __LINE__, __func__);
        return status;
    }
    /* Each operation contributes prototype->weight / |G|: summed over the
     * group this is CASM's orbit average ECI·⟨Φ⟩ (docs/clex-input.md). */
    for (int m = 0; m < n_images; m++)
        images[m].weight = prototype->weight * ((double)image_count[m] / n_ops);
    free(image_count);
    *images_out = images;
    *n_images_out = n_images;
    *n_clusters_out = n_shapes;
    return ALFE_OK;
}
