/* orderparam.c — sublattice map, η of a configuration, Δη tables.
 * Owns: orderparam.  Must not know about energies or the bias. */
#include "alfe/orderparam.h"

#include "alfe/error.h"
#include "alfe/linalg.h"
#include "alfe/util.h"

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

    /* Canonical cells of O in lexicographic order (bounding-box scan). */
    int64_t adet = llabs(det_o), sign = det_o < 0 ? -1 : 1;
    int (*ocells)[3] = ALFE_MALLOC(sizeof(int[3]) * (size_t)adet);
    int n_oc = 0, lo[3], hi[3];
    for (int i = 0; i < 3; i++) {
        lo[i] = hi[i] = 0;
        for (int j = 0; j < 3; j++) {
            if (ordering[i][j] < 0)
                lo[i] += ordering[i][j];
            else
                hi[i] += ordering[i][j];
        }
    }
    for (int a = lo[0]; a <= hi[0]; a++)
        for (int b = lo[1]; b <= hi[1]; b++)
            for (int c = lo[2]; c <= hi[2]; c++) {
                int inside = 1;
                int cell[3] = {a, b, c};
                for (int i = 0; i < 3 && inside; i++) {
                    int64_t num = sign * (adj[i][0] * cell[0] + adj[i][1] * cell[1] + adj[i][2] * cell[2]);
                    inside = num >= 0 && num < adet;
                }
                if (inside && n_oc < adet)
                    memcpy(ocells[n_oc++], cell, sizeof cell);
            }
    int vb_of[256];
    for (int b = 0, k = 0; b < prim->n_sites && b < 256; b++)
        vb_of[b] = prim->sites[b].n_occ > 1 ? k++ : -1;

    op->sublattice = ALFE_MALLOC(sizeof(int) * (size_t)sc->n_var);
    for (int v = 0; v < sc->n_var; v++) {
        int site = sc->var_site[v];
        const int *cell = sc->cells[site / sc->n_basis];
        int b = site % sc->n_basis;
        /* reduce cell modulo O */
        int r[3];
        int64_t qv[3];
        for (int i = 0; i < 3; i++) {
            int64_t num = sign * (adj[i][0] * cell[0] + adj[i][1] * cell[1] + adj[i][2] * cell[2]);
            int64_t fl = num / adet;
            if (num % adet != 0 && num < 0)
                fl--;
            qv[i] = fl;
        }
        for (int i = 0; i < 3; i++)
            r[i] = (int)(cell[i] - (ordering[i][0] * qv[0] + ordering[i][1] * qv[1] +
                                    ordering[i][2] * qv[2]));
        int index = -1;
        for (int k = 0; k < n_oc && index < 0; k++)
            if (!memcmp(ocells[k], r, sizeof r))
                index = k;
        op->sublattice[v] = index * n_vb + vb_of[b];
    }
    free(ocells);

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
