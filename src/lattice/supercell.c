/* supercell.c — Monte Carlo lattice, periodic cluster instances and local
 * fields (see supercell.h).
 * Owns: the flat tables of a supercell.  Must not draw random numbers or know
 * about order parameters (orderparam.c) or the bias (mc.c). */
#include "alfe/lattice/supercell.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t imat3_det(const int a[3][3])
{
    return (int64_t)a[0][0] * ((int64_t)a[1][1] * a[2][2] - (int64_t)a[1][2] * a[2][1]) -
           (int64_t)a[0][1] * ((int64_t)a[1][0] * a[2][2] - (int64_t)a[1][2] * a[2][0]) +
           (int64_t)a[0][2] * ((int64_t)a[1][0] * a[2][1] - (int64_t)a[1][1] * a[2][0]);
}

void imat3_adjugate(const int a[3][3], int64_t adj[3][3])
{
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            /* cofactor of a[j][i] */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            adj[i][j] = (int64_t)a[r0][c0] * a[r1][c1] - (int64_t)a[r0][c1] * a[r1][c0];
        }
}

/* floor(a / b) for b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

void cell_lattice_reduce(const cell_lattice *lat, const int c[3], int r[3])
{
    const int64_t sign = lat->det < 0 ? -1 : 1, adet = lat->det * sign;
    int64_t q[3];
    for (int i = 0; i < 3; i++) {
        int64_t num = sign * (lat->adj[i][0] * c[0] + lat->adj[i][1] * c[1] +
                              lat->adj[i][2] * c[2]);
        q[i] = floor_div(num, adet);
    }
    for (int i = 0; i < 3; i++)
        r[i] = (int)(c[i] - ((int64_t)lat->t[i][0] * q[0] + (int64_t)lat->t[i][1] * q[1] +
                             (int64_t)lat->t[i][2] * q[2]));
}

double cell_enumeration_box(const int t[3][3])
{
    double box = 1.0;
    for (int i = 0; i < 3; i++) {
        double row = 1.0;
        for (int j = 0; j < 3; j++)
            row += fabs((double)t[i][j]);
        box *= row;
    }
    return box;
}

int cell_lattice_check(const int t[3][3], int64_t max_cells)
{
    int64_t det = imat3_det(t);
    if (det == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "the cell matrix is singular (determinant 0)");
    int64_t n = llabs(det);
    if (n > max_cells)
        return ALFE_FAIL(ALFE_ERR_INPUT, "a cell of %lld prim cells is too large (at most %lld)",
                         (long long)n, (long long)max_cells);
    double box = cell_enumeration_box(t);
    if (box > CELL_MAX_SKEW * (double)n + CELL_SKEW_SLACK)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "the cell matrix is too skewed or nearly singular: |det| = %lld prim "
                         "cells but its bounding box spans %.3g cells (at most %d x |det| + "
                         "%d); use a more compact (reduced) matrix of the same lattice",
                         (long long)n, box, CELL_MAX_SKEW, CELL_SKEW_SLACK);
    return ALFE_OK;
}

int cell_lattice_init(cell_lattice *lat, const int t[3][3], int64_t max_cells)
{
    memset(lat, 0, sizeof *lat);
    memcpy(lat->t, t, sizeof lat->t);
    lat->det = imat3_det(t);
    ALFE_CHECK(cell_lattice_check(t, max_cells));
    int64_t n = llabs(lat->det);
    imat3_adjugate(t, lat->adj);
    lat->cells = ALFE_MALLOC(sizeof(int[3]) * (size_t)n);
    /* Canonical cells lie in the parallelepiped T·[0,1)³: scan its bounding
     * box in lexicographic order and keep the cells that reduce to themselves. */
    int lo[3], hi[3];
    for (int i = 0; i < 3; i++) {
        int64_t mn = 0, mx = 0;
        for (int j = 0; j < 3; j++) {
            if (t[i][j] < 0)
                mn += t[i][j];
            else
                mx += t[i][j];
        }
        lo[i] = (int)mn;
        hi[i] = (int)mx;
    }
    int count = 0;
    for (int a = lo[0]; a <= hi[0]; a++)
        for (int b = lo[1]; b <= hi[1]; b++)
            for (int c = lo[2]; c <= hi[2]; c++) {
                int cell[3] = {a, b, c}, r[3];
                cell_lattice_reduce(lat, cell, r);
                if (r[0] != a || r[1] != b || r[2] != c)
                    continue;
                if (count >= n) {
                    cell_lattice_free(lat);
                    return ALFE_FAIL(ALFE_ERR_RUNTIME, "cell enumeration overflow");
                }
                memcpy(lat->cells[count++], cell, sizeof cell);
            }
    if (count != n) {
        cell_lattice_free(lat);
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "found %d cells, expected %lld", count, (long long)n);
    }
    lat->n = count;
    return ALFE_OK;
}

void cell_lattice_free(cell_lattice *lat)
{
    ALFE_FREE(lat->cells);
    lat->n = 0;
}

int cell_lattice_index(const cell_lattice *lat, const int c[3])
{
    int r[3];
    cell_lattice_reduce(lat, c, r);
    for (int k = 0; k < lat->n; k++)
        if (lat->cells[k][0] == r[0] && lat->cells[k][1] == r[1] && lat->cells[k][2] == r[2])
            return k;
    return -1;
}

/* Hash of canonical cells -> index (open addressing, set-up only). */
typedef struct {
    int64_t capacity;
    int (*key)[3];
    int *value;
} cell_table;

static uint64_t cell_hash(const int c[3])
{
    uint64_t h = (uint64_t)(uint32_t)c[0] * 0x9e3779b97f4a7c15ULL;
    h ^= (uint64_t)(uint32_t)c[1] * 0xc2b2ae3d27d4eb4fULL;
    h ^= (uint64_t)(uint32_t)c[2] * 0x165667b19e3779f9ULL;
    return h ^ (h >> 29);
}

static int64_t cell_slot(const cell_table *tab, const int c[3])
{
    int64_t slot = (int64_t)(cell_hash(c) & (uint64_t)(tab->capacity - 1));
    while (tab->value[slot] >= 0 && memcmp(tab->key[slot], c, sizeof(int) * 3) != 0)
        slot = (slot + 1) & (tab->capacity - 1);
    return slot;
}

struct cell_lookup {
    cell_lattice lattice;
    cell_table table;
};
static struct cell_lookup *lookup_of(const supercell *sc);

/* The lookup lives after the public struct (one allocation). */
typedef struct {
    supercell pub;
    struct cell_lookup lookup;
} supercell_full;

static struct cell_lookup *lookup_of(const supercell *sc)
{
    return &((supercell_full *)sc)->lookup;
}

int supercell_cell_index(const supercell *sc, const int cell[3])
{
    const struct cell_lookup *lk = lookup_of(sc);
    int r[3];
    cell_lattice_reduce(&lk->lattice, cell, r);
    return lk->table.value[cell_slot(&lk->table, r)];
}

static int build_cells(supercell *sc)
{
    struct cell_lookup *lk = lookup_of(sc);
    int status = cell_lattice_init(&lk->lattice, sc->t, SUPERCELL_MAX_CELLS);
    if (status != ALFE_OK) {
        char inner[2048];
        snprintf(inner, sizeof inner, "%s", alfe_error_message());
        alfe_error_clear();
        return ALFE_FAIL(status, "supercell: %s", inner);
    }
    const int n = lk->lattice.n;
    sc->n_cells = n;
    sc->cells = ALFE_MALLOC(sizeof(int[3]) * (size_t)n);
    memcpy(sc->cells, lk->lattice.cells, sizeof(int[3]) * (size_t)n);
    int64_t cap = 16;
    while (cap < 2 * (int64_t)n)
        cap *= 2;
    lk->table.capacity = cap;
    lk->table.key = ALFE_MALLOC(sizeof(int[3]) * (size_t)cap);
    lk->table.value = ALFE_MALLOC(sizeof(int) * (size_t)cap);
    for (int64_t i = 0; i < cap; i++)
        lk->table.value[i] = -1;
    for (int k = 0; k < n; k++) {
        int64_t slot = cell_slot(&lk->table, sc->cells[k]);
        memcpy(lk->table.key[slot], sc->cells[k], sizeof(int[3]));
        lk->table.value[slot] = k;
    }
    return ALFE_OK;
}

static int build_instances(supercell *sc)
{
    const clex_model *m = sc->model;
    int64_t n_inst = (int64_t)sc->n_cells * m->n_terms;
    if (n_inst > INT32_MAX)
        return ALFE_FAIL(ALFE_ERR_INPUT, "supercell too large: %lld cluster instances",
                         (long long)n_inst);
    sc->n_inst = n_inst;
    sc->inst_size = ALFE_MALLOC((size_t)(n_inst ? n_inst : 1));
    sc->inst_sites = ALFE_MALLOC(sizeof(int32_t) * (size_t)(n_inst ? n_inst : 1) * CLEX_MAX_CLUSTER);
    sc->inst_func = ALFE_MALLOC((size_t)(n_inst ? n_inst : 1) * CLEX_MAX_CLUSTER);
    sc->inst_weight = ALFE_MALLOC(sizeof(double) * (size_t)(n_inst ? n_inst : 1));
    int64_t *count = ALFE_CALLOC((size_t)sc->n_var + 1, sizeof(int64_t));
    int64_t id = 0;
    for (int cell = 0; cell < sc->n_cells; cell++) {
        for (int t = 0; t < m->n_terms; t++, id++) {
            const clex_term *term = &m->terms[t];
            sc->inst_size[id] = (int8_t)term->size;
            sc->inst_weight[id] = term->weight;
            for (int k = 0; k < term->size; k++) {
                int c[3];
                for (int x = 0; x < 3; x++)
                    c[x] = sc->cells[cell][x] + term->sites[k].cell[x];
                int site = supercell_cell_index(sc, c) * sc->n_basis + term->sites[k].b;
                int v = sc->site_var[site];
                if (v < 0) {
                    free(count);
                    return ALFE_FAIL(ALFE_ERR_INPUT,
                                     "orbit %d has a cluster function on fixed sublattice %d",
                                     term->orbit, term->sites[k].b);
                }
                /* A cluster that wraps onto itself (the same site twice)
                 * would make the local-field algebra inexact: refuse. */
                for (int j = 0; j < k; j++)
                    if (sc->inst_sites[id * CLEX_MAX_CLUSTER + j] == v) {
                        free(count);
                        return ALFE_FAIL(ALFE_ERR_INPUT,
                                         "supercell too small for the cluster expansion: a "
                                         "cluster of orbit %d contains the same site twice "
                                         "(periodic image); use a larger supercell",
                                         term->orbit);
                    }
                sc->inst_sites[id * CLEX_MAX_CLUSTER + k] = v;
                sc->inst_func[id * CLEX_MAX_CLUSTER + k] = (int8_t)term->func[k];
                count[v]++;
            }
        }
    }
    /* Membership lists (CSR): every site appears once per instance. */
    sc->member_start = ALFE_MALLOC(sizeof(int64_t) * ((size_t)sc->n_var + 1));
    sc->member_start[0] = 0;
    for (int v = 0; v < sc->n_var; v++)
        sc->member_start[v + 1] = sc->member_start[v] + count[v];
    int64_t total = sc->member_start[sc->n_var];
    sc->member_inst = ALFE_MALLOC(sizeof(int32_t) * (size_t)(total ? total : 1));
    sc->member_pos = ALFE_MALLOC((size_t)(total ? total : 1));
    memset(count, 0, sizeof(int64_t) * ((size_t)sc->n_var + 1));
    for (int64_t i = 0; i < n_inst; i++)
        for (int k = 0; k < sc->inst_size[i]; k++) {
            int v = sc->inst_sites[i * CLEX_MAX_CLUSTER + k];
            int64_t at = sc->member_start[v] + count[v]++;
            sc->member_inst[at] = (int32_t)i;
            sc->member_pos[at] = (int8_t)k;
        }
    free(count);
    return ALFE_OK;
}

/* The binary layout (see supercell.h): for each site, its pairs, triplets and
 * quadruplets with the other sites inline; larger clusters go through the
 * generic member lists. */
static void build_binary_tables(supercell *sc)
{
    const int n = sc->n_var;
    int64_t *counts[4];
    for (int k = 0; k < 4; k++)
        counts[k] = ALFE_CALLOC((size_t)n + 1, sizeof(int64_t));
    for (int v = 0; v < n; v++)
        for (int64_t a = sc->member_start[v]; a < sc->member_start[v + 1]; a++) {
            int size = sc->inst_size[sc->member_inst[a]];
            if (size >= 2)
                counts[size >= 5 ? 3 : size - 2][v]++;
        }
    int64_t **starts[4] = {&sc->pair_start, &sc->tri_start, &sc->quad_start, &sc->big_start};
    for (int k = 0; k < 4; k++) {
        int64_t *st = ALFE_MALLOC(sizeof(int64_t) * ((size_t)n + 1));
        st[0] = 0;
        for (int v = 0; v < n; v++)
            st[v + 1] = st[v] + counts[k][v];
        *starts[k] = st;
        memset(counts[k], 0, sizeof(int64_t) * ((size_t)n + 1));
    }
    size_t np = (size_t)sc->pair_start[n], nt = (size_t)sc->tri_start[n],
           nq = (size_t)sc->quad_start[n], nb = (size_t)sc->big_start[n];
    sc->pair_other = ALFE_MALLOC(sizeof(int32_t) * (np ? np : 1));
    sc->pair_w = ALFE_MALLOC(sizeof(double) * (np ? np : 1));
    sc->tri_other = ALFE_MALLOC(sizeof(int32_t) * 2 * (nt ? nt : 1));
    sc->tri_w = ALFE_MALLOC(sizeof(double) * (nt ? nt : 1));
    sc->quad_other = ALFE_MALLOC(sizeof(int32_t) * 3 * (nq ? nq : 1));
    sc->quad_w = ALFE_MALLOC(sizeof(double) * (nq ? nq : 1));
    sc->big_member = ALFE_MALLOC(sizeof(int32_t) * (nb ? nb : 1));
    for (int v = 0; v < n; v++)
        for (int64_t a = sc->member_start[v]; a < sc->member_start[v + 1]; a++) {
            const int64_t i = sc->member_inst[a];
            const int size = sc->inst_size[i], p = sc->member_pos[a];
            const int32_t *sites = sc->inst_sites + i * CLEX_MAX_CLUSTER;
            int32_t others[CLEX_MAX_CLUSTER];
            for (int k = 0, o = 0; k < size; k++)
                if (k != p)
                    others[o++] = sites[k];
            if (size == 2) {
                int64_t at = sc->pair_start[v] + counts[0][v]++;
                sc->pair_other[at] = others[0];
                sc->pair_w[at] = sc->inst_weight[i];
            } else if (size == 3) {
                int64_t at = sc->tri_start[v] + counts[1][v]++;
                memcpy(sc->tri_other + 2 * at, others, 2 * sizeof(int32_t));
                sc->tri_w[at] = sc->inst_weight[i];
            } else if (size == 4) {
                int64_t at = sc->quad_start[v] + counts[2][v]++;
                memcpy(sc->quad_other + 3 * at, others, 3 * sizeof(int32_t));
                sc->quad_w[at] = sc->inst_weight[i];
            } else if (size >= 5) {
                int64_t at = sc->big_start[v] + counts[3][v]++;
                sc->big_member[at] = (int32_t)a;
            }
        }
    for (int k = 0; k < 4; k++)
        free(counts[k]);
    sc->phi_occ = ALFE_MALLOC(sizeof(double[2]) * (size_t)n);
    for (int v = 0; v < n; v++) {
        int b = sc->var_basis[v];
        sc->phi_occ[v][0] = sc->model->phi[b][0][0];
        sc->phi_occ[v][1] = sc->model->phi[b][0][1];
    }
}

void supercell_update_binary(const supercell *sc, const double *phi, int v, double dphi,
                             double *h)
{
    /* h at every other site of a cluster through v changes by
     * w·Δφ_v·Π(φ of the remaining sites). */
    for (int64_t a = sc->pair_start[v], e = sc->pair_start[v + 1]; a < e; a++)
        h[sc->pair_other[a]] += sc->pair_w[a] * dphi;
    for (int64_t a = sc->tri_start[v], e = sc->tri_start[v + 1]; a < e; a++) {
        const int32_t *o = sc->tri_other + 2 * a;
        const double wd = sc->tri_w[a] * dphi;
        h[o[0]] += wd * phi[o[1]];
        h[o[1]] += wd * phi[o[0]];
    }
    for (int64_t a = sc->quad_start[v], e = sc->quad_start[v + 1]; a < e; a++) {
        const int32_t *o = sc->quad_other + 3 * a;
        const double wd = sc->quad_w[a] * dphi;
        const double p0 = phi[o[0]], p1 = phi[o[1]], p2 = phi[o[2]];
        h[o[0]] += wd * p1 * p2;
        h[o[1]] += wd * p0 * p2;
        h[o[2]] += wd * p0 * p1;
    }
    for (int64_t a = sc->big_start[v], e = sc->big_start[v + 1]; a < e; a++) {
        const int64_t m = sc->big_member[a];
        const int64_t i = sc->member_inst[m];
        const int p = sc->member_pos[m], size = sc->inst_size[i];
        const int32_t *sites = sc->inst_sites + i * CLEX_MAX_CLUSTER;
        for (int q = 0; q < size; q++) {
            if (q == p)
                continue;
            double prod = sc->inst_weight[i] * dphi;
            for (int k = 0; k < size; k++)
                if (k != p && k != q)
                    prod *= phi[sites[k]];
            h[sites[q]] += prod;
        }
    }
}

int supercell_estimate(const clex_model *model, const int t[3][3], supercell_size *est)
{
    memset(est, 0, sizeof *est);
    int64_t det = imat3_det(t);
    est->n_cells = det < 0 ? -det : det;
    est->skew = est->n_cells ? cell_enumeration_box(t) / (double)est->n_cells : INFINITY;
    ALFE_CHECK(cell_lattice_check(t, SUPERCELL_MAX_CELLS));
    const double cells = (double)est->n_cells;
    int n_basis = model->prim.n_sites, var_per_cell = 0, max_func = 1;
    for (int b = 0; b < n_basis; b++) {
        var_per_cell += model->prim.sites[b].n_occ > 1;
        if (model->n_func[b] > max_func)
            max_func = model->n_func[b];
    }
    double sites_in_terms = 0.0;
    for (int k = 0; k < model->n_terms; k++)
        sites_in_terms += model->terms[k].size;
    est->n_sites = (int64_t)est->n_cells * n_basis;
    est->n_var = (int64_t)est->n_cells * var_per_cell;
    est->n_instances = est->n_cells * model->n_terms;
    /* Bytes per prim cell, array by array as supercell_create and
     * mc_chain_create allocate them (upper bounds: the binary tables are
     * counted in full even when the model is not binary). */
    double lattice = 12.0             /* cells */
                     + 12.0 + 2 * 4.0 /* cell lookup: lattice copy; hash key + value, x2 */
                     + 2 * 16.0       /* hash capacity up to 4 x cells */
                     + n_basis * 9.0;  /* site_var, var_site, var_basis */
    double neighbours = model->n_terms * (1.0 + 5.0 * CLEX_MAX_CLUSTER + 8.0) /* instances */
                        + sites_in_terms * 5.0                             /* member lists */
                        + sites_in_terms * (4.0 * 3 + 8.0)                 /* binary lists */
                        + var_per_cell * 4 * 8.0;                           /* CSR starts */
    double state = var_per_cell * (1.0 + 8.0 * max_func + 8.0 + 4.0 + 16.0); /* chain + op */
    est->bytes_lattice = cells * lattice;
    est->bytes_neighbours = cells * neighbours;
    est->bytes_state = cells * state;
    est->bytes = est->bytes_lattice + est->bytes_neighbours + est->bytes_state;
    return ALFE_OK;
}

int supercell_create(const clex_model *model, const int t[3][3], supercell **out)
{
    *out = NULL;
    supercell_full *full = ALFE_CALLOC(1, sizeof *full);
    supercell *sc = &full->pub;
    sc->model = model;
    memcpy(sc->t, t, sizeof sc->t);
    sc->n_basis = model->prim.n_sites;
    int status = build_cells(sc);
    if (status == ALFE_OK) {
        sc->n_sites = sc->n_cells * sc->n_basis;
        sc->site_var = ALFE_MALLOC(sizeof(int) * (size_t)sc->n_sites);
        sc->var_site = ALFE_MALLOC(sizeof(int) * (size_t)sc->n_sites);
        sc->var_basis = ALFE_MALLOC((size_t)sc->n_sites);
        sc->n_var = 0;
        sc->max_func = 1;
        for (int b = 0; b < sc->n_basis; b++)
            if (model->n_func[b] > sc->max_func)
                sc->max_func = model->n_func[b];
        for (int s = 0; s < sc->n_sites; s++) {
            int b = s % sc->n_basis;
            if (model->prim.sites[b].n_occ > 1) {
                sc->site_var[s] = sc->n_var;
                sc->var_basis[sc->n_var] = (int8_t)b;
                sc->var_site[sc->n_var++] = s;
            } else {
                sc->site_var[s] = -1;
            }
        }
        if (sc->n_var == 0)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "the prim has no variable site");
    }
    if (status == ALFE_OK)
        status = build_instances(sc);
    if (status == ALFE_OK) {
        sc->binary = 1;
        for (int b = 0; b < sc->n_basis; b++)
            if (model->prim.sites[b].n_occ > 1 &&
                (model->prim.sites[b].n_occ != 2 || model->n_func[b] != 1))
                sc->binary = 0;
        if (sc->binary)
            build_binary_tables(sc);
    }
    if (status != ALFE_OK) {
        supercell_destroy(&sc);
        return status;
    }
    *out = sc;
    return ALFE_OK;
}

void supercell_destroy(supercell **scp)
{
    if (!scp || !*scp)
        return;
    supercell *sc = *scp;
    struct cell_lookup *lk = lookup_of(sc);
    cell_lattice_free(&lk->lattice);
    free(lk->table.key);
    free(lk->table.value);
    free(sc->cells);
    free(sc->var_site);
    free(sc->site_var);
    free(sc->var_basis);
    free(sc->inst_size);
    free(sc->inst_sites);
    free(sc->inst_func);
    free(sc->inst_weight);
    free(sc->member_start);
    free(sc->member_inst);
    free(sc->member_pos);
    free(sc->phi_occ);
    free(sc->pair_start);
    free(sc->tri_start);
    free(sc->quad_start);
    free(sc->big_start);
    free(sc->pair_other);
    free(sc->tri_other);
    free(sc->quad_other);
    free(sc->pair_w);
    free(sc->tri_w);
    free(sc->quad_w);
    free(sc->big_member);
    free(sc);
    *scp = NULL;
}

/* φ value of position k of instance i under configuration occ. */
static inline double inst_phi(const supercell *sc, const int8_t *occ, int64_t i, int k)
{
    int v = sc->inst_sites[i * CLEX_MAX_CLUSTER + k];
    int b = sc->var_basis[v];
    return sc->model->phi[b][sc->inst_func[i * CLEX_MAX_CLUSTER + k]][occ[v]];
}

double supercell_energy(const supercell *sc, const int8_t *occ)
{
    double total = 0.0;
    if (sc->binary) {
        for (int64_t i = 0; i < sc->n_inst; i++) {
            const int32_t *sites = sc->inst_sites + i * CLEX_MAX_CLUSTER;
            double p = sc->inst_weight[i];
            for (int k = 0; k < sc->inst_size[i]; k++)
                p *= sc->phi_occ[sites[k]][occ[sites[k]]];
            total += p;
        }
        return sc->model->constant + total / sc->n_cells;
    }
    for (int64_t i = 0; i < sc->n_inst; i++) {
        double p = sc->inst_weight[i];
        for (int k = 0; k < sc->inst_size[i]; k++)
            p *= inst_phi(sc, occ, i, k);
        total += p;
    }
    return sc->model->constant + total / sc->n_cells;
}

void supercell_local_fields(const supercell *sc, const int8_t *occ, double *h)
{
    memset(h, 0, sizeof(double) * (size_t)sc->n_var * (size_t)sc->max_func);
    if (sc->binary) {
        /* h[v] = Σ w Π_{k≠v} φ_k, with the products of all but one factor
         * from prefix and suffix products (no division: φ may be 0). */
        for (int64_t i = 0; i < sc->n_inst; i++) {
            const int size = sc->inst_size[i];
            const int32_t *sites = sc->inst_sites + i * CLEX_MAX_CLUSTER;
            double phi[CLEX_MAX_CLUSTER], prefix[CLEX_MAX_CLUSTER + 1];
            prefix[0] = sc->inst_weight[i];
            for (int k = 0; k < size; k++) {
                phi[k] = sc->phi_occ[sites[k]][occ[sites[k]]];
                prefix[k + 1] = prefix[k] * phi[k];
            }
            double suffix = 1.0;
            for (int k = size - 1; k >= 0; k--) {
                h[sites[k]] += prefix[k] * suffix;
                suffix *= phi[k];
            }
        }
        return;
    }
    for (int64_t i = 0; i < sc->n_inst; i++) {
        const int size = sc->inst_size[i];
        for (int p = 0; p < size; p++) {
            double prod = sc->inst_weight[i];
            for (int k = 0; k < size; k++)
                if (k != p)
                    prod *= inst_phi(sc, occ, i, k);
            int v = sc->inst_sites[i * CLEX_MAX_CLUSTER + p];
            h[(int64_t)v * sc->max_func + sc->inst_func[i * CLEX_MAX_CLUSTER + p]] += prod;
        }
    }
}

void supercell_update_fields(const supercell *sc, const int8_t *occ, int v, int old_occ,
                             double *h)
{
    const clex_model *m = sc->model;
    const int b = sc->var_basis[v];
    for (int64_t a = sc->member_start[v]; a < sc->member_start[v + 1]; a++) {
        const int64_t i = sc->member_inst[a];
        const int p = sc->member_pos[a];
        const int size = sc->inst_size[i];
        const int32_t *sites = sc->inst_sites + i * CLEX_MAX_CLUSTER;
        const int8_t *func = sc->inst_func + i * CLEX_MAX_CLUSTER;
        const double dphi = m->phi[b][func[p]][occ[v]] - m->phi[b][func[p]][old_occ];
        if (dphi == 0.0)
            continue;
        /* h at every other position q changes by w·Δφ_p·Π_{k≠p,q} φ_k. */
        for (int q = 0; q < size; q++) {
            if (q == p)
                continue;
            double prod = sc->inst_weight[i] * dphi;
            for (int k = 0; k < size; k++)
                if (k != p && k != q)
                    prod *= inst_phi(sc, occ, i, k);
            h[(int64_t)sites[q] * sc->max_func + func[q]] += prod;
        }
    }
}
