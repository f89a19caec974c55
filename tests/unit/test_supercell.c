/* test_supercell.c — the Monte Carlo lattice (supercell.c) and the order
 * parameters (orderparam.c), checked against physics that does not depend on
 * how they are implemented:
 *  - every local energy change (local fields, supercell_delta_energy) equals
 *    the difference of two full recomputations, on random configurations of
 *    the real ZrO example and of small hand-written FCC-binary and SC-ternary
 *    expansions, in diagonal and non-diagonal supercells; after a sequence of
 *    accepted changes the incrementally updated fields equal fresh ones;
 *  - supercell_energy equals an independent evaluation straight from the
 *    terms (the formula of clex.h, with its own cell arithmetic);
 *  - E_f is invariant under every factor-group operation and every lattice
 *    translation of the configuration;
 *  - supercells whose clusters wrap onto themselves, and singular matrices,
 *    are refused;
 *  - η of the shipped LCO system equals Q·x with x counted by hand, and the
 *    orderparam checks refuse bad ordering cells and Q files.
 * Tolerances: a full recomputation sums Σ|terms| ≈ A (eV, extensive) with
 * rounding error ~1e-16·A, so energy differences are compared to 1e-10·A
 * ("1e-10 relative"); a wrong field is wrong by at least one ECI/mult
 * (≥ 1e-4 eV here), far above that.  Run from the repository root
 * (reads inputs/lco/ and CASM's ZrO example, shipped in inputs/zro/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clex_fixture.h"

#include "alfe/space/domain.h"
#include "alfe/lattice/orderparam.h"
#include "alfe/base/rng.h"
#include "alfe/base/util.h"
#include "alfe/lattice/supercell.h"
#include "alfe/lattice/symmetry.h"

#define LCO_PRIM "inputs/lco/prim.json"
#define LCO_ECI "inputs/lco/eci.json"
#define LCO_Q "inputs/lco/Q.txt"

/* ------------------------------------------------------------------------- */
/* models */

/* FCC binary (as in test_clex): point, NN and 2NN pairs, NN triangle and NN
 * tetrahedron, occupation basis φ(Au) = 0, φ(Cu) = 1, V_∅ = 0.1. */
static clex_model *fcc_model(void)
{
    const char *prim = "{\"title\": \"FCC\","
                       " \"lattice_vectors\": [[0, 2, 2], [2, 0, 2], [2, 2, 0]],"
                       " \"coordinate_mode\": \"Fractional\", \"basis\": [{\"coordinate\": "
                       "[0, 0, 0], \"occupants\": [\"Au\", \"Cu\"]}]}";
    json_buf jb;
    begin_eci(&jb, "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": "
                   "{\"Au\": 0, \"Cu\": 1}}}}]");
    add_orbit(&jb, 0, 1, "", "1", "0.1");
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "-0.3");
    add_orbit(&jb, 2, 6, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.06");
    add_orbit(&jb, 3, 3, "[0, 0, 0, 0], [0, -1, 1, 1]", PHI(0, 0, 0) PHI(0, 0, 1), "-0.01");
    add_orbit(&jb, 4, 8, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2), "0.02");
    add_orbit(&jb, 5, 2, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2) PHI(0, 0, 3), "0.004");
    end_eci(&jb);
    return load_model(prim, jb.text);
}

/* Simple-cubic binary with clusters of every size the binary tables of
 * supercell.c distinguish: NN pair, right-angle triangle, square plaquette
 * and the 5-site "plus" (a site and its 4 in-plane neighbours), spin basis. */
static clex_model *sc_many_body_model(void)
{
    json_buf jb;
    begin_eci(&jb, SC_SPIN_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", "0.05");
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "0.01");
    add_orbit(&jb, 2, 3, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.03");
    add_orbit(&jb, 3, 12, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2), "-0.02");
    add_orbit(&jb, 4, 3, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 1, 1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2) PHI(0, 0, 3), "0.015");
    add_orbit(&jb, 5, 3,
              "[0, 0, 0, 0], [0, 1, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, -1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2) PHI(0, 0, 3) PHI(0, 0, 4), "0.008");
    end_eci(&jb);
    return load_model(SC_PRIM, jb.text);
}

/* ------------------------------------------------------------------------- */
/* helpers */

static void random_config(const supercell *sc, rng_stream *rng, int8_t *occ)
{
    for (int v = 0; v < sc->n_var; v++)
        occ[v] = (int8_t)rng_below(rng, (uint64_t)sc->model->prim.sites[sc->var_basis[v]].n_occ);
}

static double phi_of(const supercell *sc, int64_t i, int k, int o)
{
    int v = sc->inst_sites[i * CLEX_MAX_CLUSTER + k];
    return sc->model->phi[sc->var_basis[v]][sc->inst_func[i * CLEX_MAX_CLUSTER + k]][o];
}

/* A = Σ_instances |w Π φ| + N|V_∅| (eV, extensive): the scale of the
 * rounding error of a full recomputation of N·E_f. */
static double abs_scale(const supercell *sc, const int8_t *occ)
{
    double a = fabs(sc->model->constant) * sc->n_cells;
    for (int64_t i = 0; i < sc->n_inst; i++) {
        double p = fabs(sc->inst_weight[i]);
        for (int k = 0; k < sc->inst_size[i]; k++)
            p *= fabs(phi_of(sc, i, k, occ[sc->inst_sites[i * CLEX_MAX_CLUSTER + k]]));
        a += p;
    }
    return a;
}

/* Largest possible |local field|: max over sites of Σ_{instances ∋ v}
 * |w| Π_{k ≠ v} max_o |φ_k(o)| — the scale of the fields' rounding error. */
static double field_scale(const supercell *sc)
{
    double worst = 0.0;
    for (int v = 0; v < sc->n_var; v++) {
        double sum = 0.0;
        for (int64_t a = sc->member_start[v]; a < sc->member_start[v + 1]; a++) {
            int64_t i = sc->member_inst[a];
            double p = fabs(sc->inst_weight[i]);
            for (int k = 0; k < sc->inst_size[i]; k++) {
                if (k == sc->member_pos[a])
                    continue;
                int w = sc->inst_sites[i * CLEX_MAX_CLUSTER + k];
                double mx = 0.0;
                for (int o = 0; o < sc->model->prim.sites[sc->var_basis[w]].n_occ; o++)
                    mx = fmax(mx, fabs(phi_of(sc, i, k, o)));
                p *= mx;
            }
            sum += p;
        }
        worst = fmax(worst, sum);
    }
    return worst;
}

static supercell *make_supercell(const clex_model *m, const int t[3][3])
{
    supercell *sc = NULL;
    alfe_error_clear();
    int rc = supercell_create(m, t, &sc);
    if (rc != ALFE_OK)
        fail_msg("supercell_create [%d %d %d; %d %d %d; %d %d %d]: %s", t[0][0], t[0][1],
                 t[0][2], t[1][0], t[1][1], t[1][2], t[2][0], t[2][1], t[2][2],
                 alfe_error_message());
    assert_int_equal(sc->n_cells, llabs(imat3_det(t)));
    return sc;
}

/* Local ΔE of changing v to o (from the fields h) against two full
 * recomputations. */
static void check_one_delta(const supercell *sc, int8_t *occ, const double *h, int v, int o,
                            const char *label)
{
    const double e0 = supercell_energy(sc, occ) * sc->n_cells;
    const double a0 = abs_scale(sc, occ);
    const double local = supercell_delta_energy(sc, h, occ, v, o);
    const int old = occ[v];
    occ[v] = (int8_t)o;
    const double e1 = supercell_energy(sc, occ) * sc->n_cells;
    const double a1 = abs_scale(sc, occ);
    occ[v] = (int8_t)old;
    ASSERT_NEAR(local, e1 - e0, 1e-10 * fmax(a0, a1), "%s: ΔE at variable site %d, %d -> %d",
                label, v, old, o);
}

static void check_all_deltas(const supercell *sc, int8_t *occ, const double *h,
                             const char *label)
{
    for (int v = 0; v < sc->n_var; v++)
        for (int o = 0; o < sc->model->prim.sites[sc->var_basis[v]].n_occ; o++)
            if (o != occ[v])
                check_one_delta(sc, occ, h, v, o, label);
}

/* Random configuration: every local ΔE; then n_moves random changes, each
 * checked with the incrementally updated fields before it is applied; then
 * the updated fields against fresh ones and every ΔE again.  Binary models
 * keep a second copy of the fields updated by supercell_update_binary (the
 * chain's fast path), checked the same way. */
static void check_local_fields(const supercell *sc, uint64_t seed, int n_moves,
                               const char *name)
{
    const int n = sc->n_var, mf = sc->max_func;
    const size_t nh = (size_t)n * (size_t)mf;
    int8_t *occ = malloc((size_t)n);
    double *h = malloc(sizeof(double) * nh);
    double *hb = malloc(sizeof(double) * nh);
    double *fresh = malloc(sizeof(double) * nh);
    double *phib = malloc(sizeof(double) * (size_t)n);
    rng_stream rng;
    rng_stream_init(&rng, seed, 1, RNG_PURPOSE_TEST);
    random_config(sc, &rng, occ);
    supercell_local_fields(sc, occ, h);
    memcpy(hb, h, sizeof(double) * nh);
    if (sc->binary)
        for (int v = 0; v < n; v++)
            phib[v] = sc->phi_occ[v][occ[v]];
    char label[128];
    snprintf(label, sizeof label, "%s, random start", name);
    check_all_deltas(sc, occ, h, label);
    const double hscale = field_scale(sc);
    assert_true(hscale > 0);
    for (int step = 0; step < n_moves; step++) {
        int v = (int)rng_below(&rng, (uint64_t)n);
        int n_occ = sc->model->prim.sites[sc->var_basis[v]].n_occ;
        int old = occ[v];
        int k = (int)rng_below(&rng, (uint64_t)(n_occ - 1));
        int o = k >= old ? k + 1 : k;
        snprintf(label, sizeof label, "%s, move %d", name, step);
        check_one_delta(sc, occ, h, v, o, label);
        if (sc->binary) {
            snprintf(label, sizeof label, "%s, binary fields, move %d", name, step);
            check_one_delta(sc, occ, hb, v, o, label);
        }
        occ[v] = (int8_t)o;
        supercell_update_fields(sc, occ, v, old, h);
        if (sc->binary) {
            const double dphi = sc->phi_occ[v][o] - phib[v];
            phib[v] = sc->phi_occ[v][o];
            supercell_update_binary(sc, phib, v, dphi, hb);
        }
    }
    supercell_local_fields(sc, occ, fresh);
    for (size_t i = 0; i < nh; i++) {
        ASSERT_NEAR(h[i], fresh[i], 1e-10 * hscale,
                    "%s: field %zu after %d updates vs fresh", name, i, n_moves);
        if (sc->binary)
            ASSERT_NEAR(hb[i], fresh[i], 1e-10 * hscale,
                        "%s: binary-path field %zu after %d updates vs fresh", name, i, n_moves);
    }
    snprintf(label, sizeof label, "%s, after %d moves", name, n_moves);
    check_all_deltas(sc, occ, h, label);
    free(occ);
    free(h);
    free(hb);
    free(fresh);
    free(phib);
}

/* ------------------------------------------------------------------------- */
/* An energy evaluation straight from the model's terms (clex.h's formula)
 * with its own cell arithmetic, independent of supercell.c: the supercell is
 * an upper-triangular Hermite normal form H (columns = supercell vectors). */

static int floor_div_int(int x, int n) { return (x >= 0 ? x : x - n + 1) / n; }

static int hnf_index(const int h[3][3], const int cell[3])
{
    int x[3] = {cell[0], cell[1], cell[2]};
    for (int col = 2; col >= 0; col--) {
        int q = floor_div_int(x[col], h[col][col]);
        for (int r = 0; r < 3; r++)
            x[r] -= q * h[r][col];
    }
    return (x[0] * h[1][1] + x[1]) * h[2][2] + x[2];
}

static double energy_direct(const supercell *sc, const int8_t *occ)
{
    const clex_model *m = sc->model;
    const int (*h)[3] = sc->t;
    assert_true(h[1][0] == 0 && h[2][0] == 0 && h[2][1] == 0);
    const int n_cells = h[0][0] * h[1][1] * h[2][2];
    /* occupant per (hnf cell index, b); fixed sites hold occupant 0 */
    int *by_cell = calloc((size_t)n_cells * (size_t)sc->n_basis, sizeof(int));
    for (int v = 0; v < sc->n_var; v++) {
        int site = sc->var_site[v];
        by_cell[hnf_index(h, sc->cells[site / sc->n_basis]) * sc->n_basis +
                site % sc->n_basis] = occ[v];
    }
    double total = 0.0;
    for (int a = 0; a < h[0][0]; a++)
        for (int b = 0; b < h[1][1]; b++)
            for (int c = 0; c < h[2][2]; c++)
                for (int t = 0; t < m->n_terms; t++) {
                    const clex_term *term = &m->terms[t];
                    double p = term->weight;
                    for (int k = 0; k < term->size; k++) {
                        const clex_ucoord *u = &term->sites[k];
                        int cell[3] = {a + u->cell[0], b + u->cell[1], c + u->cell[2]};
                        int o = by_cell[hnf_index(h, cell) * sc->n_basis + u->b];
                        p *= m->phi[u->b][term->func[k]][o];
                    }
                    total += p;
                }
    free(by_cell);
    return m->constant + total / n_cells;
}

static void check_energy_direct(const supercell *sc, uint64_t seed, const char *name)
{
    int8_t *occ = malloc((size_t)sc->n_var);
    rng_stream rng;
    rng_stream_init(&rng, seed, 2, RNG_PURPOSE_TEST);
    for (int rep = 0; rep < 5; rep++) {
        random_config(sc, &rng, occ);
        ASSERT_NEAR(supercell_energy(sc, occ), energy_direct(sc, occ),
                    1e-12 * abs_scale(sc, occ) / sc->n_cells,
                    "%s: supercell_energy vs direct evaluation (configuration %d)", name, rep);
    }
    free(occ);
}

/* ------------------------------------------------------------------------- */
/* local fields and ΔE */

static void test_local_fields_zro(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    clex_model *m = zro_load();
    /* 3×3×2 (hexagonal, invariant under the point group) and a skewed HNF */
    const int cells[2][3][3] = {{{3, 0, 0}, {0, 3, 0}, {0, 0, 2}},
                                {{3, 1, 1}, {0, 3, 1}, {0, 0, 2}}};
    const char *names[2] = {"ZrO 3x3x2", "ZrO HNF [3 1 1; 0 3 1; 0 0 2]"};
    for (int c = 0; c < 2; c++) {
        supercell *sc = make_supercell(m, cells[c]);
        assert_int_equal(sc->n_var, 2 * sc->n_cells);
        assert_int_equal(sc->n_inst, (int64_t)sc->n_cells * m->n_terms);
        assert_true(sc->binary);
        check_energy_direct(sc, 11 + (uint64_t)c, names[c]);
        check_local_fields(sc, 21 + (uint64_t)c, 400, names[c]);
        supercell_destroy(&sc);
        assert_null(sc);
    }
    clex_destroy(&m);
}

static void test_local_fields_fcc(void **state)
{
    (void)state;
    clex_model *m = fcc_model();
    const int cells[2][3][3] = {{{4, 0, 0}, {0, 4, 0}, {0, 0, 4}},
                                {{3, 1, 2}, {0, 3, 1}, {0, 0, 4}}};
    const char *names[2] = {"FCC 4x4x4", "FCC HNF [3 1 2; 0 3 1; 0 0 4]"};
    for (int c = 0; c < 2; c++) {
        supercell *sc = make_supercell(m, cells[c]);
        check_energy_direct(sc, 31 + (uint64_t)c, names[c]);
        check_local_fields(sc, 41 + (uint64_t)c, 500, names[c]);
        supercell_destroy(&sc);
    }
    clex_destroy(&m);
}

static void test_local_fields_ternary(void **state)
{
    (void)state;
    clex_model *m = ternary_model();
    assert_int_equal(m->n_func[0], 2);
    const int cells[2][3][3] = {{{3, 0, 0}, {0, 3, 0}, {0, 0, 2}},
                                {{3, 1, 0}, {0, 2, 1}, {0, 0, 3}}};
    const char *names[2] = {"ternary 3x3x2", "ternary HNF [3 1 0; 0 2 1; 0 0 3]"};
    for (int c = 0; c < 2; c++) {
        supercell *sc = make_supercell(m, cells[c]);
        assert_int_equal(sc->max_func, 2);
        assert_false(sc->binary);
        check_energy_direct(sc, 51 + (uint64_t)c, names[c]);
        check_local_fields(sc, 61 + (uint64_t)c, 500, names[c]);
        supercell_destroy(&sc);
    }
    clex_destroy(&m);
}

static void test_local_fields_many_body(void **state)
{
    (void)state;
    clex_model *m = sc_many_body_model();
    const int cells[2][3][3] = {{{4, 0, 0}, {0, 3, 0}, {0, 0, 3}},
                                {{3, 1, 2}, {0, 4, 1}, {0, 0, 3}}};
    const char *names[2] = {"SC 2-5 body 4x3x3", "SC 2-5 body HNF [3 1 2; 0 4 1; 0 0 3]"};
    for (int c = 0; c < 2; c++) {
        supercell *sc = make_supercell(m, cells[c]);
        assert_true(sc->binary);
        /* every list of the binary layout is in use, the 5-site one too */
        assert_true(sc->pair_start[sc->n_var] > 0 && sc->tri_start[sc->n_var] > 0 &&
                    sc->quad_start[sc->n_var] > 0 && sc->big_start[sc->n_var] > 0);
        check_energy_direct(sc, 91 + (uint64_t)c, names[c]);
        check_local_fields(sc, 95 + (uint64_t)c, 500, names[c]);
        supercell_destroy(&sc);
    }
    clex_destroy(&m);
}

/* ------------------------------------------------------------------------- */
/* symmetry */

/* The supercell lattice is invariant under rotation R (fractional) when
 * T⁻¹ R T is an integer matrix: adj(T)·R·T ≡ 0 (mod det T). */
static int supercell_invariant(const supercell *sc, const int r[3][3])
{
    int64_t adj[3][3], det = imat3_det(sc->t);
    imat3_adjugate(sc->t, adj);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int64_t v = 0;
            for (int k = 0; k < 3; k++)
                for (int l = 0; l < 3; l++)
                    v += adj[i][k] * r[k][l] * sc->t[l][j];
            if (v % det != 0)
                return 0;
        }
    return 1;
}

/* E_f(g·σ) = E_f(σ) for every factor-group operation g and E_f(σ + τ) =
 * E_f(σ) for every lattice translation τ of the supercell. */
static void check_invariance(const supercell *sc, uint64_t seed, const char *name)
{
    const clex_model *m = sc->model;
    const int n = sc->n_var, nb = sc->n_basis;
    int8_t *occ = malloc((size_t)n), *image = malloc((size_t)n);
    rng_stream rng;
    rng_stream_init(&rng, seed, 3, RNG_PURPOSE_TEST);
    random_config(sc, &rng, occ);
    const double e0 = supercell_energy(sc, occ);
    const double tol = 1e-10 * abs_scale(sc, occ) / sc->n_cells;
    int distinct = 0;
    for (int g = 0; g < m->n_ops; g++) {
        if (!supercell_invariant(sc, m->ops[g].rot))
            fail_msg("%s: the supercell is not invariant under operation %d (choose another)",
                     name, g);
        memset(image, -1, (size_t)n);
        for (int v = 0; v < n; v++) {
            int site = sc->var_site[v];
            clex_ucoord in = {site % nb, {0, 0, 0}}, out;
            memcpy(in.cell, sc->cells[site / nb], sizeof in.cell);
            assert_int_equal(clex_apply_op(&m->prim, &m->ops[g], &in, &out), ALFE_OK);
            int tv = sc->site_var[supercell_cell_index(sc, out.cell) * nb + out.b];
            assert_true(tv >= 0);
            assert_int_equal(image[tv], -1); /* a permutation of the sites */
            image[tv] = occ[v];
        }
        distinct += memcmp(image, occ, (size_t)n) != 0;
        ASSERT_NEAR(supercell_energy(sc, image), e0, tol, "%s: E_f after operation %d", name, g);
    }
    assert_true(distinct > 0); /* the configuration is not symmetric */
    distinct = 0;
    for (int l = 0; l < sc->n_cells; l++) {
        memset(image, -1, (size_t)n);
        for (int v = 0; v < n; v++) {
            int site = sc->var_site[v];
            int cell[3];
            for (int x = 0; x < 3; x++)
                cell[x] = sc->cells[site / nb][x] + sc->cells[l][x];
            int tv = sc->site_var[supercell_cell_index(sc, cell) * nb + site % nb];
            assert_int_equal(image[tv], -1);
            image[tv] = occ[v];
        }
        distinct += memcmp(image, occ, (size_t)n) != 0;
        ASSERT_NEAR(supercell_energy(sc, image), e0, tol, "%s: E_f after translation by (%d %d %d)",
                    name, sc->cells[l][0], sc->cells[l][1], sc->cells[l][2]);
    }
    assert_int_equal(distinct, sc->n_cells - 1);
    free(occ);
    free(image);
}

static void test_symmetry_invariance(void **state)
{
    (void)state;
    const int fcc_cell[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};
    const int sc_cell[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
    clex_model *m = fcc_model();
    assert_int_equal(m->n_ops, 48);
    supercell *sc = make_supercell(m, fcc_cell);
    check_invariance(sc, 71, "FCC 4x4x4");
    supercell_destroy(&sc);
    clex_destroy(&m);
    m = ternary_model();
    assert_int_equal(m->n_ops, 48);
    sc = make_supercell(m, sc_cell);
    check_invariance(sc, 72, "ternary 3x3x3");
    supercell_destroy(&sc);
    clex_destroy(&m);
}

/* hcp: 3×3×2 is invariant under all 24 operations of P6₃/mmc. */
static void test_symmetry_invariance_zro(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    const int hcp_cell[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 2}};
    clex_model *m = zro_load();
    assert_int_equal(m->n_ops, 24);
    supercell *sc = make_supercell(m, hcp_cell);
    check_invariance(sc, 73, "ZrO 3x3x2");
    supercell_destroy(&sc);
    clex_destroy(&m);
}

/* ------------------------------------------------------------------------- */
/* refusals */

static void expect_refused(const clex_model *m, const int t[3][3], const char *want,
                           const char *what)
{
    supercell *sc = (supercell *)&sc; /* must be reset to NULL */
    alfe_error_clear();
    int rc = supercell_create(m, t, &sc);
    const char *msg = alfe_error_message();
    if (rc != ALFE_ERR_INPUT)
        fail_msg("%s: status %d (want ALFE_ERR_INPUT), message: %s", what, rc, msg);
    assert_null(sc);
    if (!strstr(msg, want))
        fail_msg("%s: message lacks \"%s\": %s", what, want, msg);
    printf("  %-40s %s\n", what, msg);
}

static void test_refusals(void **state)
{
    (void)state;
    json_buf jb;
    begin_eci(&jb, SC_SPIN_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", NULL);
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "0.1");
    add_orbit(&jb, 2, 3, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.2");
    end_eci(&jb);
    clex_model *m = load_model(SC_PRIM, jb.text);
    const int one[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    const int thin[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 1}};
    /* columns (2,1,0), (3,2,0), (0,0,3): no diagonal 1, but (1,0,0) =
     * 2·(2,1,0) − (3,2,0) is a lattice vector, so the x pair wraps */
    const int skew[3][3] = {{2, 3, 0}, {1, 2, 0}, {0, 0, 3}};
    const int singular[3][3] = {{1, 2, 0}, {2, 4, 0}, {0, 0, 3}};
    const int zero[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    const char *wrap = "contains the same site twice";
    expect_refused(m, one, wrap, "SC pair in 1x1x1");
    expect_refused(m, thin, wrap, "SC pair in 2x2x1");
    expect_refused(m, skew, wrap, "SC pair in skewed cell");
    expect_refused(m, singular, "singular", "singular matrix");
    expect_refused(m, zero, "singular", "zero matrix");
    /* the smallest cells that are accepted */
    const int ok2[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    const int okneg[3][3] = {{0, 2, 0}, {2, 0, 0}, {0, 0, -2}}; /* det −8: accepted */
    supercell *sc = make_supercell(m, ok2);
    assert_int_equal(sc->n_var, 8);
    supercell_destroy(&sc);
    sc = make_supercell(m, okneg);
    assert_int_equal(sc->n_cells, 8);
    supercell_destroy(&sc);
    clex_destroy(&m);
}

static void test_refusals_zro(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    const int one[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    /* the skewed HNF [2 1 1; 0 3 1; 0 0 3] has 18 cells, like 3×3×2, but a
     * long triplet of orbit 41 wraps in it */
    const int skew[3][3] = {{2, 1, 1}, {0, 3, 1}, {0, 0, 3}};
    clex_model *m = zro_load();
    expect_refused(m, one, "contains the same site twice", "ZrO in 1x1x1");
    expect_refused(m, skew, "orbit 41 contains the same site twice",
                   "ZrO in HNF [2 1 1; 0 3 1; 0 0 3]");
    clex_destroy(&m);
}

/* ------------------------------------------------------------------------- */
/* size and memory estimate before allocation */

/* The bytes supercell_create and one chain (mc.c) actually allocate for sc,
 * counted from its tables (the cell lookup's hash table: capacity = the
 * power of 2 >= 2 n_cells, 16 bytes a slot, plus the lattice's own cells). */
static double actual_bytes(const supercell *sc)
{
    double cap = 16;
    while (cap < 2.0 * sc->n_cells)
        cap *= 2;
    double b = 12.0 * sc->n_cells * 2 + 16.0 * cap + 9.0 * sc->n_sites;
    b += (double)sc->n_inst * (1 + 4 * CLEX_MAX_CLUSTER + CLEX_MAX_CLUSTER + 8);
    b += 8.0 * (sc->n_var + 1) + 5.0 * (double)sc->member_start[sc->n_var];
    if (sc->binary) {
        const int64_t n = sc->n_var;
        b += 4 * 8.0 * (n + 1) + 2 * 8.0 * n;
        b += (4.0 + 8.0) * sc->pair_start[n] + (8.0 + 8.0) * sc->tri_start[n] +
             (12.0 + 8.0) * sc->quad_start[n] + 4.0 * sc->big_start[n];
    }
    b += sc->n_var * (1.0 + 8.0 * sc->max_func + 4.0 + 8.0); /* occ, h, scratch, phi */
    return b;
}

static void test_size_estimate(void **state)
{
    (void)state;
    clex_model *models[2] = {fcc_model(), sc_many_body_model()};
    const int cells[3][3][3] = {{{4, 0, 0}, {0, 4, 0}, {0, 0, 4}},
                                {{6, 0, 0}, {0, 5, 0}, {0, 0, 4}},
                                {{2, 2, 0}, {-2, 2, 0}, {0, 0, 6}}};
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < 3; c++) {
            supercell_size est;
            alfe_error_clear();
            assert_int_equal(supercell_estimate(models[k], cells[c], &est), ALFE_OK);
            supercell *sc = make_supercell(models[k], cells[c]);
            assert_int_equal(est.n_cells, sc->n_cells);
            assert_int_equal(est.n_sites, sc->n_sites);
            assert_int_equal(est.n_var, sc->n_var);
            assert_int_equal(est.n_instances, sc->n_inst);
            double actual = actual_bytes(sc);
            printf("  model %d cell %d: %lld sites, estimate %.0f bytes, tables %.0f bytes "
                   "(ratio %.2f)\n", k, c, (long long)est.n_sites, est.bytes, actual,
                   est.bytes / actual);
            /* an upper estimate, within a factor 3 */
            assert_true(est.bytes >= actual);
            assert_true(est.bytes <= 3.0 * actual);
            supercell_destroy(&sc);
        }
    /* 200^3: estimated (not refused here: [mc] max_sites is the caller's,
     * run/system.c) from the determinant alone, instantly. */
    const int big[3][3] = {{200, 0, 0}, {0, 200, 0}, {0, 0, 200}};
    supercell_size est;
    double t0 = alfe_wall_time();
    assert_int_equal(supercell_estimate(models[0], big, &est), ALFE_OK);
    assert_true(alfe_wall_time() - t0 < 0.01);
    assert_int_equal(est.n_cells, 8000000);
    assert_int_equal(est.n_sites, 8000000);
    assert_true(est.bytes > 8000000.0 * 100);
    /* Refused before anything is allocated: singular, nearly singular and
     * skewed, and more than SUPERCELL_MAX_CELLS prim cells. */
    struct {
        int t[3][3];
        const char *want;
    } bad[] = {
        {{{1, 2, 0}, {2, 4, 0}, {0, 0, 3}}, "singular (determinant 0)"},
        {{{1000, 999, 0}, {999, 998, 0}, {0, 0, 1}},
         "too skewed or nearly singular: |det| = 1 prim cells but its bounding box spans "
         "7.99e+06 cells (at most 64 x |det| + 4096)"},
        {{{1, 100000, 0}, {0, 1, 100000}, {0, 0, 1}}, "too skewed or nearly singular"},
        {{{216, 0, 0}, {0, 216, 0}, {0, 0, 216}}, "a cell of 10077696 prim cells is too large "
                                                  "(at most 10000000)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        alfe_error_clear();
        t0 = alfe_wall_time();
        assert_int_equal(supercell_estimate(models[0], bad[i].t, &est), ALFE_ERR_INPUT);
        if (!strstr(alfe_error_message(), bad[i].want))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, alfe_error_message(), bad[i].want);
        supercell *sc = (supercell *)&sc;
        alfe_error_clear();
        assert_int_equal(supercell_create(models[0], bad[i].t, &sc), ALFE_ERR_INPUT);
        assert_null(sc);
        assert_non_null(strstr(alfe_error_message(), bad[i].want));
        assert_true(alfe_wall_time() - t0 < 0.05);
    }
    /* The skew criterion accepts ordinary sheared supercells. */
    const int sheared[3][3] = {{10, 10, 0}, {-10, 10, 0}, {0, 0, 10}};
    assert_int_equal(cell_lattice_check(sheared, SUPERCELL_MAX_CELLS), ALFE_OK);
    assert_true(cell_enumeration_box(sheared) == 21.0 * 21.0 * 11.0);
    clex_destroy(&models[0]);
    clex_destroy(&models[1]);
}

/* ------------------------------------------------------------------------- */
/* order parameters of the shipped LCO system */

static int mod2(int a) { return ((a % 2) + 2) % 2; }

typedef struct {
    clex_model *m;
    double *q;
    int m_cols;
} lco_system;

static void lco_open(lco_system *s)
{
    alfe_error_clear();
    if (clex_load(LCO_PRIM, LCO_ECI, &s->m) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    if (domain_read_q(LCO_Q, 7, &s->q, &s->m_cols) != ALFE_OK)
        fail_msg("%s", alfe_error_message());
    assert_int_equal(s->m_cols, 8);
}

static void lco_close(lco_system *s)
{
    clex_destroy(&s->m);
    free(s->q);
}

/* η by hand: sublattice s = 4(i mod 2) + 2(j mod 2) + (k mod 2) of a site in
 * cell (i, j, k) (the order Q.txt documents), x_s = Li count / copies,
 * η = Q x. */
static void eta_by_hand(const supercell *sc, const double *q, const int8_t *occ, double *eta,
                        int *per_sublattice)
{
    const int li = clex_occupant_index(&sc->model->prim, 1, "Li");
    int count[8] = {0};
    for (int s = 0; s < 8; s++)
        per_sublattice[s] = 0;
    for (int v = 0; v < sc->n_var; v++) {
        int site = sc->var_site[v];
        assert_int_equal(site % sc->n_basis, 1);
        const int *c = sc->cells[site / sc->n_basis];
        int s = 4 * mod2(c[0]) + 2 * mod2(c[1]) + mod2(c[2]);
        per_sublattice[s]++;
        count[s] += occ[v] == li;
    }
    const double copies = sc->n_cells / 8.0;
    for (int j = 0; j < 7; j++) {
        eta[j] = 0.0;
        for (int s = 0; s < 8; s++)
            eta[j] += q[j * 8 + s] * count[s] / copies;
    }
}

static void test_orderparam_lco(void **state)
{
    (void)state;
    lco_system ls;
    lco_open(&ls);
    const int ordering[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    const int cells[2][3][3] = {{{4, 0, 0}, {0, 4, 0}, {0, 0, 4}},
                                {{4, 2, 0}, {0, 4, 0}, {0, 0, 2}}}; /* = 2I·[2 1 0; 0 2 0; 0 0 1] */
    assert_int_equal(orderparam_sublattice_count(&ls.m->prim, ordering), 8);
    for (int c = 0; c < 2; c++) {
        supercell *sc = make_supercell(ls.m, cells[c]);
        orderparam *op = NULL;
        alfe_error_clear();
        if (orderparam_create(sc, ordering, ls.q, 7, 8, NULL, &op) != ALFE_OK)
            fail_msg("orderparam_create: %s", alfe_error_message());
        assert_int_equal(op->m, 8);
        assert_int_equal(op->d, 7);
        assert_int_equal(op->copies, sc->n_cells / 8);
        int8_t *occ = malloc((size_t)sc->n_var);
        const int li = clex_occupant_index(&ls.m->prim, 1, "Li");
        const int va = clex_occupant_index(&ls.m->prim, 1, "Va");
        double eta[7], want[7];
        int per[8];
        rng_stream rng;
        rng_stream_init(&rng, 81 + (uint64_t)c, 4, RNG_PURPOSE_TEST);
        for (int rep = 0; rep < 20; rep++) {
            /* random fill with a random Li fraction, plus all-Va and all-Li */
            double p = rep == 0 ? 0.0 : rep == 1 ? 1.0 : rng_uniform(&rng);
            for (int v = 0; v < sc->n_var; v++)
                occ[v] = (int8_t)(rng_uniform(&rng) < p ? li : va);
            orderparam_eta(op, occ, eta);
            eta_by_hand(sc, ls.q, occ, want, per);
            for (int s = 0; s < 8; s++)
                assert_int_equal(per[s], op->copies); /* each sublattice once per copy */
            int n_li = 0;
            for (int v = 0; v < sc->n_var; v++)
                n_li += occ[v] == li;
            ASSERT_NEAR(eta[0], (double)n_li / sc->n_var, 1e-14, "η0 = Li fraction");
            for (int j = 0; j < 7; j++)
                ASSERT_NEAR(eta[j], want[j], 1e-14, "supercell %d, configuration %d: η%d", c,
                            rep, j);
        }
        /* Li on the layers i even, Va on i odd: x = (1,1,1,1,0,0,0,0), so
         * η0 = 1/2, η1 = 4/8 (the (100) wave), every other η 0. */
        for (int v = 0; v < sc->n_var; v++)
            occ[v] = (int8_t)(mod2(sc->cells[sc->var_site[v] / sc->n_basis][0]) == 0 ? li : va);
        orderparam_eta(op, occ, eta);
        const double layered[7] = {0.5, 0.5, 0, 0, 0, 0, 0};
        for (int j = 0; j < 7; j++)
            ASSERT_NEAR(eta[j], layered[j], 1e-14, "(100) layers: η%d", j);
        /* Δη of a change at a site of sublattice s is ±Q[:, s]/copies */
        for (int v = 0; v < sc->n_var; v += 7) {
            double before[7], after[7];
            orderparam_eta(op, occ, before);
            int old = occ[v];
            occ[v] = (int8_t)(old == li ? va : li);
            orderparam_eta(op, occ, after);
            int s = op->sublattice[v];
            double sign = old == li ? -1.0 : 1.0;
            for (int j = 0; j < 7; j++)
                ASSERT_NEAR(after[j] - before[j], sign * ls.q[j * 8 + s] / op->copies, 1e-14,
                            "Δη%d of a change at site %d", j, v);
            occ[v] = (int8_t)old;
        }
        free(occ);
        orderparam_destroy(&op);
        assert_null(op);
        supercell_destroy(&sc);
    }
    lco_close(&ls);
}

static void expect_op_refused(const supercell *sc, const int o[3][3], const double *q, int d,
                              int cols, const char *species, const char *want,
                              const char *what)
{
    orderparam *op = (orderparam *)&op;
    alfe_error_clear();
    int rc = orderparam_create(sc, o, q, d, cols, species, &op);
    const char *msg = alfe_error_message();
    if (rc != ALFE_ERR_INPUT)
        fail_msg("%s: status %d (want ALFE_ERR_INPUT), message: %s", what, rc, msg);
    assert_null(op);
    if (!strstr(msg, want))
        fail_msg("%s: message lacks \"%s\": %s", what, want, msg);
    printf("  %-40s %s\n", what, msg);
}

static void test_orderparam_refusals(void **state)
{
    (void)state;
    lco_system ls;
    lco_open(&ls);
    const int o2[3][3] = {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}};
    const int t3[3][3] = {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}};
    /* det 64 = 8·8 but (1, 4, 0) is not in the 2I lattice */
    const int t_skew[3][3] = {{4, 1, 0}, {0, 4, 0}, {0, 0, 4}};
    const int t4[3][3] = {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}};
    const int o_singular[3][3] = {{2, 0, 0}, {0, 2, 0}, {2, 2, 0}};
    supercell *sc3 = make_supercell(ls.m, t3);
    supercell *scs = make_supercell(ls.m, t_skew);
    supercell *sc4 = make_supercell(ls.m, t4);
    const char *multiple = "not a whole multiple of the ordering cell";
    expect_op_refused(sc3, o2, ls.q, 7, 8, NULL, multiple, "3x3x3 over 2x2x2");
    expect_op_refused(scs, o2, ls.q, 7, 8, NULL, multiple, "skewed 64-cell over 2x2x2");
    expect_op_refused(sc4, o2, ls.q, 7, 4, NULL,
                      "Q has 4 columns but the ordering cell has M = 8 sublattices",
                      "Q with 4 columns");
    expect_op_refused(sc4, o2, ls.q, 7, 16, NULL,
                      "Q has 16 columns but the ordering cell has M = 8 sublattices",
                      "Q with 16 columns");
    expect_op_refused(sc4, o_singular, ls.q, 7, 8, NULL, "singular", "singular ordering cell");
    expect_op_refused(sc4, o2, ls.q, 7, 8, "Na", "species 'Na'", "unknown species");
    expect_op_refused(sc4, o2, ls.q, 9, 8, NULL, "outside 1..M = 8", "d > M");
    double q_dup[2 * 8];
    memcpy(q_dup, ls.q, sizeof(double) * 8);
    memcpy(q_dup + 8, ls.q, sizeof(double) * 8);
    expect_op_refused(sc4, o2, q_dup, 2, 8, NULL, "", "linearly dependent rows of Q");
    supercell_destroy(&sc3);
    supercell_destroy(&scs);
    supercell_destroy(&sc4);
    lco_close(&ls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_local_fields_fcc),
        cmocka_unit_test(test_local_fields_ternary),
        cmocka_unit_test(test_local_fields_many_body),
        cmocka_unit_test(test_local_fields_zro),
        cmocka_unit_test(test_symmetry_invariance),
        cmocka_unit_test(test_symmetry_invariance_zro),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refusals_zro),
        cmocka_unit_test(test_size_estimate),
        cmocka_unit_test(test_orderparam_lco),
        cmocka_unit_test(test_orderparam_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
