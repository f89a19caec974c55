/* orderparam.c — sublattice map, η of a configuration, Δη tables.
 * Owns: orderparam.  Must not know about energies or the bias. */
#include "alfe/lattice/orderparam.h"

#include "alfe/base/error.h"
#include "alfe/base/linalg.h"
#include "alfe/base/util.h"

#include <stdlib.h>
#include <string.h>

static int variable_basis_count(const clex_prim *prim)
{
    int n = 0;
    for (int b = 0; b < prim->n_sites; b++)
        n += prim->sites[b].n_occ > 1;
    return n;
}

int orderparam_sublattice_count(const clex_prim *prim, const int ordering[3][3])
{
    int64_t det = imat3_det(ordering);
    return (int)(llabs(det) * variable_basis_count(prim));
}

int orderparam_create(const supercell *sc, const int ordering[3][3], const double *q, int d,
                      int q_columns, const char *species, orderparam **out)
{
    *out = NULL;
    const clex_prim *prim = &sc->model->prim;
    int64_t det_o = imat3_det(ordering);
    if (det_o == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "ordering cell matrix is singular");
    /* T = O·K with K integer  ⇔  adj(O)·T ≡ 0 (mod det O). */
    int64_t adj[3][3];
    imat3_adjugate(ordering, adj);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int64_t v = adj[i][0] * sc->t[0][j] + adj[i][1] * sc->t[1][j] + adj[i][2] * sc->t[2][j];
            if (v % det_o != 0)
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "the supercell is not a whole multiple of the ordering cell "
                                 "(supercell = ordering cell · K needs an integer K)");
        }
    int n_vb = variable_basis_count(prim);
    int m = (int)llabs(det_o) * n_vb;
    if (q_columns != m)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "Q has %d columns but the ordering cell has M = %d sublattices "
                         "(%lld cells x %d variable sites)",
                         q_columns, m, (long long)llabs(det_o), n_vb);
    if (d < 1 || d > m)
        return ALFE_FAIL(ALFE_ERR_INPUT, "dimension %d outside 1..M = %d", d, m);

    orderparam *op = ALFE_CALLOC(1, sizeof *op);
    op->d = d;
    op->m = m;
    op->copies = (int)(sc->n_cells / llabs(det_o));
    op->n_var = sc->n_var;
    op->q = ALFE_MALLOC(sizeof(double) * (size_t)d * m);
    memcpy(op->q, q, sizeof(double) * (size_t)d * m);
    op->q_pinv = ALFE_MALLOC(sizeof(double) * (size_t)m * d);
    int status = linalg_pinv_full_row_rank(q, d, m, op->q_pinv);
    if (status != ALFE_OK) {
        free(op->q);
        free(op->q_pinv);
        free(op);
        return status;
    }
    op->dq = ALFE_MALLOC(sizeof(double) * (size_t)m * d);
    for (int s = 0; s < m; s++)
        for (int j = 0; j < d; j++)
            op->dq[(size_t)s * d + j] = q[(size_t)j * m + s] / op->copies;

    /* Sublattice s = r·n_vb + vb with r the index of the site's cell modulo
     * O among O's canonical cells (the numbering cell_lattice defines). */
    cell_lattice ocells;
    status = cell_lattice_init(&ocells, ordering, 1000000);
    if (status != ALFE_OK) {
        orderparam_destroy(&op);
        return status;
    }
    int vb_of[256];
    for (int b = 0, k = 0; b < prim->n_sites && b < 256; b++)
        vb_of[b] = prim->sites[b].n_occ > 1 ? k++ : -1;
    op->sublattice = ALFE_MALLOC(sizeof(int) * (size_t)sc->n_var);
    for (int v = 0; v < sc->n_var; v++) {
        int site = sc->var_site[v];
        op->sublattice[v] = cell_lattice_index(&ocells, sc->cells[site / sc->n_basis]) * n_vb +
                            vb_of[site % sc->n_basis];
    }
    cell_lattice_free(&ocells);

    /* The counted species, per variable site and occupant. */
    op->max_occ = CLEX_MAX_OCC;
    op->counted = ALFE_CALLOC((size_t)sc->n_var * CLEX_MAX_OCC, 1);
    const char *name = species && species[0] ? species : NULL;
    if (!name) {
        for (int b = 0; b < prim->n_sites && !name; b++)
            if (prim->sites[b].n_occ > 1)
                name = prim->sites[b].occ[prim->sites[b].n_occ - 1];
    }
    int found = 0;
    for (int v = 0; v < sc->n_var; v++) {
        int b = sc->var_site[v] % sc->n_basis;
        int o = clex_occupant_index(prim, b, name);
        if (o >= 0) {
            op->counted[(size_t)v * CLEX_MAX_OCC + o] = 1;
            found = 1;
        }
    }
    if (!found) {
        orderparam_destroy(&op);
        return ALFE_FAIL(ALFE_ERR_INPUT, "species '%s' is not an occupant of any variable site",
                         name);
    }
    *out = op;
    return ALFE_OK;
}

void orderparam_destroy(orderparam **opp)
{
    if (!opp || !*opp)
        return;
    free((*opp)->sublattice);
    free((*opp)->counted);
    free((*opp)->q);
    free((*opp)->dq);
    free((*opp)->q_pinv);
    free(*opp);
    *opp = NULL;
}

void orderparam_eta(const orderparam *op, const int8_t *occ, double *eta)
{
    /* η = Σ_v counted(v) Q[:, s(v)]/copies */
    for (int j = 0; j < op->d; j++)
        eta[j] = 0.0;
    for (int v = 0; v < op->n_var; v++)
        if (op->counted[(size_t)v * CLEX_MAX_OCC + occ[v]]) {
            const double *dq = op->dq + (size_t)op->sublattice[v] * op->d;
            for (int j = 0; j < op->d; j++)
                eta[j] += dq[j];
        }
}
