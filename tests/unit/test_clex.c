/* test_clex.c — reading CASM prim.json and v1 basis/ECI files (casm_io.c)
 * and expanding orbits with the prim's factor group (symmetry.c).
 *
 * The real-client test loads CASM's ZrO example (inputs/zro/) unchanged (74
 * orbits, 33 non-zero ECIs, 24 operations) and checks every multiplicity,
 * the orbit sums, symmetry invariance of the energy, and CASM's own
 * predicted energies of its ground states (the file's "fit" block).  The
 * other tests use small prims written to temporary files, and bad inputs
 * that must be refused naming the file and the orbit or site.
 * Run from the repository root.  docs/clex-input.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "alfe/lattice/clex.h"
#include "alfe/lattice/symmetry.h"
#include "alfe/base/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clex_fixture.h"

static clex_model *load_ok(const fixture *fx)
{
    clex_model *m = NULL;
    alfe_error_clear();
    int rc = clex_load(fx->prim, fx->eci, &m);
    if (rc != ALFE_OK)
        fail_msg("clex_load(%s, %s) failed: %s", fx->prim, fx->eci, alfe_error_message());
    assert_non_null(m);
    return m;
}

static const clex_orbit_info *orbit_by_index(const clex_model *m, int index)
{
    for (int q = 0; q < m->n_orbits; q++)
        if (m->orbits[q].index == index)
            return &m->orbits[q];
    fail_msg("orbit %d not found", index);
    return NULL;
}

/* With every site function replaced by 1 an orbit's terms add up to its
 * ECIs: the weights are the orbit average (docs/clex-input.md). */
static void check_orbit_sums(const clex_model *m)
{
    for (int q = 0; q < m->n_orbits; q++) {
        const clex_orbit_info *o = &m->orbits[q];
        if (o->size == 0)
            continue;
        double want = 0.0, sum = 0.0;
        for (int n = 0; n < m->n_functions; n++)
            if (m->functions[n].orbit == o->index)
                want += m->functions[n].eci;
        for (int t = 0; t < m->n_terms; t++)
            if (m->terms[t].orbit == o->index)
                sum += m->terms[t].weight;
        char what[64];
        snprintf(what, sizeof what, "orbit %d: sum of term weights", o->index);
        ASSERT_NEAR(sum, want, 1e-12 * (1.0 + fabs(want)), what);
    }
}

/* ------------------------------------------------------------------------- */
/* A direct energy evaluation on a periodic supercell, straight from the
 * terms (the header's formula), independent of supercell.c.  The supercell
 * is the upper-triangular Hermite normal form H (columns = supercell vectors
 * in prim cells), as CASM names it: SCELV_H00_H11_H22_H12_H02_H01. */
typedef struct {
    int h[3][3];
    int n_cells;
} hnf_cell;

static hnf_cell hnf_make(int a, int b, int c, int d, int e, int f)
{
    hnf_cell s = {{{a, f, e}, {0, b, d}, {0, 0, c}}, a * b * c};
    return s;
}

static int floor_div(int x, int n) { return (x >= 0 ? x : x - n + 1) / n; }

/* Index of the cell equal to `cell` modulo the supercell. */
static int hnf_cell_index(const hnf_cell *s, const int cell[3])
{
    int x[3] = {cell[0], cell[1], cell[2]};
    for (int col = 2; col >= 0; col--) {
        int q = floor_div(x[col], s->h[col][col]);
        for (int r = 0; r < 3; r++)
            x[r] -= q * s->h[r][col];
    }
    return (x[0] * s->h[1][1] + x[1]) * s->h[2][2] + x[2];
}

static void hnf_cell_of(const hnf_cell *s, int index, int cell[3])
{
    cell[2] = index % s->h[2][2];
    index /= s->h[2][2];
    cell[1] = index % s->h[1][1];
    cell[0] = index / s->h[1][1];
}

/* occ[b * n_cells + cell index] = occupant index; eV per prim cell. */
static double energy_direct(const clex_model *m, const hnf_cell *s, const int *occ)
{
    double total = 0.0;
    for (int l = 0; l < s->n_cells; l++) {
        int base[3];
        hnf_cell_of(s, l, base);
        for (int t = 0; t < m->n_terms; t++) {
            const clex_term *term = &m->terms[t];
            double product = term->weight;
            for (int k = 0; k < term->size; k++) {
                const clex_ucoord *u = &term->sites[k];
                int cell[3] = {base[0] + u->cell[0], base[1] + u->cell[1], base[2] + u->cell[2]};
                int o = occ[u->b * s->n_cells + hnf_cell_index(s, cell)];
                product *= m->phi[u->b][term->func[k]][o];
            }
            total += product;
        }
    }
    return m->constant + total / s->n_cells;
}

/* ------------------------------------------------------------------------- */
/* the real client's files */

static const int zro_mult[74] = {
    1,  2,  2,  6,  12, 2,  6,  12, 12, 6,  12, 6,  6,  2,  12, 12, 12, 24, 4,
    24, 12, 12, 2,  12, 12, 24, 4,  24, 24, 24, 12, 12, 24, 24, 24, 12, 12, 24,
    24, 12, 24, 6,  12, 24, 12, 24, 24, 4,  24, 24, 24, 24, 24, 24, 24, 24, 24,
    12, 12, 12, 6,  12, 12, 12, 12, 12, 12, 6,  24, 24, 12, 12, 4,  8};

static void test_zro_multiplicities(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    clex_model *m = zro_load();
    assert_int_equal(m->n_ops, 24);
    assert_int_equal(m->prim.n_sites, 4);
    assert_int_equal(m->n_orbits, 74);
    int nonzero = 0, clusters = 0;
    for (int q = 0; q < m->n_orbits; q++) {
        const clex_orbit_info *o = &m->orbits[q];
        assert_int_equal(o->index, q);
        if (o->mult != zro_mult[q] || o->expanded != zro_mult[q])
            fail_msg("ZrO orbit %d: mult %d, expanded %d, CASM recorded %d", q, o->mult,
                     o->expanded, zro_mult[q]);
        nonzero += o->eci != 0.0;
        if (o->eci != 0.0)
            clusters += o->mult;
    }
    assert_int_equal(nonzero, 33);
    assert_int_equal(m->n_functions, 74);
    assert_true(m->constant == 0.0);
    /* Binary sites: one decorated term per cluster, weight ECI/mult. */
    assert_int_equal(m->n_terms, clusters);
    for (int t = 0; t < m->n_terms; t++) {
        const clex_orbit_info *o = orbit_by_index(m, m->terms[t].orbit);
        ASSERT_NEAR(m->terms[t].weight, o->eci / o->mult, 1e-15, "weight = ECI/mult");
        assert_int_equal(m->terms[t].sites[0].cell[0], 0);
        assert_int_equal(m->terms[t].sites[0].cell[1], 0);
        assert_int_equal(m->terms[t].sites[0].cell[2], 0);
    }
    check_orbit_sums(m);
    assert_string_equal(m->prim.title, "ZrO");
    assert_int_equal(m->n_func[0], 0);
    assert_int_equal(m->n_func[2], 1);
    int o_index = clex_occupant_index(&m->prim, 2, "O");
    assert_int_equal(o_index, 1);
    assert_true(m->phi[2][0][o_index] == 1.0 && m->phi[2][0][0] == 0.0);
    clex_destroy(&m);
    assert_null(m);
}

/* Configurations of the O sites (sublattices 2 and 3) given by a bit mask. */
static void zro_occupation(const hnf_cell *s, unsigned mask, int *occ)
{
    int n = s->n_cells;
    for (int i = 0; i < 4 * n; i++)
        occ[i] = 0;
    for (int i = 0; i < 2 * n; i++)
        occ[2 * n + i] = (mask >> i) & 1u;
}

/* CASM's own predictions (the file's "fit": clex_gs, clex(formation_energy),
 * eV per prim cell, 8 digits): each is a clex hull vertex, so it is the
 * lowest energy at its composition among all configurations of its
 * supercell — which this test enumerates. */
static void test_zro_casm_energies(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    clex_model *m = zro_load();
    static const struct {
        int hnf[6];
        int n_o;
        double energy;
    } cases[] = {
        {{1, 1, 1, 0, 0, 0}, 0, 0.0},          /* SCEL1_1_1_1_0_0_0/0 */
        {{1, 1, 1, 0, 0, 0}, 2, 0.15690632},   /* SCEL1_1_1_1_0_0_0/2 */
        {{3, 1, 1, 0, 2, 2}, 1, -0.2991767},   /* SCEL3_3_1_1_0_2_2/0 */
        {{3, 1, 1, 0, 2, 2}, 2, -0.54023125},  /* SCEL3_3_1_1_0_2_2/5 */
        {{3, 1, 1, 0, 0, 2}, 3, -0.70051385},  /* SCEL3_3_1_1_0_0_2/8 */
        {{3, 1, 1, 0, 2, 2}, 4, -0.62159179},  /* SCEL3_3_1_1_0_2_2/9 */
        {{2, 2, 1, 0, 1, 0}, 7, -0.14344574},  /* SCEL4_2_2_1_0_1_0/6 */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int *h = cases[c].hnf;
        hnf_cell s = hnf_make(h[0], h[1], h[2], h[3], h[4], h[5]);
        int *occ = calloc((size_t)(4 * s.n_cells), sizeof *occ);
        double lowest = INFINITY;
        for (unsigned mask = 0; mask < (1u << (2 * s.n_cells)); mask++) {
            if (__builtin_popcount(mask) != cases[c].n_o)
                continue;
            zro_occupation(&s, mask, occ);
            double e = energy_direct(m, &s, occ);
            if (e < lowest)
                lowest = e;
        }
        free(occ);
        char what[96];
        snprintf(what, sizeof what, "SCEL%d_%d_%d_%d_%d_%d_%d with %d O: CASM's clex energy",
                 s.n_cells, h[0], h[1], h[2], h[3], h[4], h[5], cases[c].n_o);
        ASSERT_NEAR(lowest, cases[c].energy, 6e-9, what);
    }
    clex_destroy(&m);
}

/* E(g·σ) = E(σ) for every factor-group operation g, on a random
 * configuration of a 3×3×2 supercell (which every hexagonal operation maps
 * onto itself): missing or mis-weighted images would break it. */
static void test_zro_symmetry_invariance(void **state)
{
    (void)state;
    if (!zro_present())
        skip();
    clex_model *m = zro_load();
    hnf_cell s = hnf_make(3, 3, 2, 0, 0, 0);
    int n = s.n_cells;
    int *occ = calloc((size_t)(4 * n), sizeof *occ);
    int *image = calloc((size_t)(4 * n), sizeof *image);
    uint64_t x = 88172645463325252ULL;
    for (int i = 2 * n; i < 4 * n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        occ[i] = (int)(x >> 63);
    }
    double e0 = energy_direct(m, &s, occ);
    int distinct = 0;
    for (int k = 0; k < m->n_ops; k++) {
        for (int b = 0; b < 4; b++)
            for (int l = 0; l < n; l++) {
                clex_ucoord in = {b, {0, 0, 0}}, out;
                hnf_cell_of(&s, l, in.cell);
                assert_int_equal(clex_apply_op(&m->prim, &m->ops[k], &in, &out), ALFE_OK);
                image[out.b * n + hnf_cell_index(&s, out.cell)] = occ[b * n + l];
            }
        distinct += memcmp(image, occ, sizeof *occ * (size_t)(4 * n)) != 0;
        char what[64];
        snprintf(what, sizeof what, "energy after operation %d", k);
        ASSERT_NEAR(energy_direct(m, &s, image), e0, 1e-12, what);
    }
    assert_true(distinct > 0); /* the test configuration is not symmetric */
    free(occ);
    free(image);
    clex_destroy(&m);
}

/* ------------------------------------------------------------------------- */
/* small hand-written prims */

#define SC_LIVA_PRIM                                                                             \
    "{\"title\": \"SC\", \"lattice_vectors\": [[3, 0, 0], [0, 3, 0], [0, 0, 3]],\n"         \
    " \"coordinate_mode\": \"Fractional\",\n"                                               \
    " \"basis\": [{\"coordinate\": [0, 0, 0], \"occupants\": [\"Li\", \"Va\"]}]}\n"
#define SC_SITE_FUNCTIONS                                                                   \
    "[{\"sublat\": 0, \"asym_unit\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": "          \
    "{\"Li\": -1.0, \"Va\": 1.0}}}}]"

/* Simple cubic Li/Va, spin-like basis φ(Li) = −1, φ(Va) = 1. */
static void test_simple_cubic(void **state)
{
    (void)state;
    json_buf jb;
    begin_eci(&jb, SC_SITE_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", "0.5");
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "0.1");
    add_orbit(&jb, 2, 3, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.2");
    end_eci(&jb);
    fixture fx;
    fixture_write(&fx, SC_LIVA_PRIM, jb.text);
    clex_model *m = load_ok(&fx);
    assert_int_equal(m->n_ops, 48);
    assert_int_equal(orbit_by_index(m, 1)->expanded, 1);
    assert_int_equal(orbit_by_index(m, 2)->expanded, 3);
    ASSERT_NEAR(m->constant, 0.5, 0, "constant");
    assert_int_equal(m->n_terms, 4);
    int axis_seen[3] = {0, 0, 0};
    for (int t = 0; t < m->n_terms; t++) {
        const clex_term *term = &m->terms[t];
        if (term->orbit == 1) {
            ASSERT_NEAR(term->weight, 0.1, 0, "point weight (|G|/|G| = 1 exactly)");
            continue;
        }
        assert_int_equal(term->orbit, 2);
        assert_int_equal(term->function, 2);
        ASSERT_NEAR(term->weight, 0.2 / 3, 1e-16, "pair weight = ECI/mult");
        /* canonical: first site at the origin, second one lattice vector up */
        const int *c0 = term->sites[0].cell, *c1 = term->sites[1].cell;
        assert_true(c0[0] == 0 && c0[1] == 0 && c0[2] == 0);
        int axis = -1;
        for (int i = 0; i < 3; i++)
            if (c1[i] == 1 && c1[(i + 1) % 3] == 0 && c1[(i + 2) % 3] == 0)
                axis = i;
        assert_true(axis >= 0);
        axis_seen[axis]++;
    }
    assert_true(axis_seen[0] == 1 && axis_seen[1] == 1 && axis_seen[2] == 1);
    check_orbit_sums(m);

    /* CASM's formula by hand: all Li: 0.5 + 0.1(−1) + 0.2(+1) = 0.6;
     * rock-salt (checkerboard) order on 2×2×2: ⟨φ⟩ = 0, every pair −1:
     * 0.5 − 0.2 = 0.3. */
    hnf_cell s = hnf_make(2, 2, 2, 0, 0, 0);
    int occ[8];
    for (int l = 0; l < 8; l++)
        occ[l] = 0;
    ASSERT_NEAR(energy_direct(m, &s, occ), 0.6, 1e-14, "all Li");
    for (int l = 0; l < 8; l++) {
        int c[3];
        hnf_cell_of(&s, l, c);
        occ[l] = (c[0] + c[1] + c[2]) % 2;
    }
    ASSERT_NEAR(energy_direct(m, &s, occ), 0.3, 1e-14, "rock salt");
    clex_destroy(&m);
    fixture_remove(&fx);
}

/* FCC binary: the textbook multiplicities per site (NN pair 6, 2NN pair 3,
 * NN triangle 8, NN tetrahedron 2). */
static void test_fcc(void **state)
{
    (void)state;
    const char *prim = "{\"title\": \"FCC\","
                       " \"lattice_vectors\": [[0, 2, 2], [2, 0, 2], [2, 2, 0]],"
                       " \"coordinate_mode\": \"Fractional\", \"basis\": [{\"coordinate\": "
                       "[0, 0, 0], \"occupants\": [\"Au\", \"Cu\"]}]}";
    json_buf jb;
    begin_eci(&jb, "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": "
                   "{\"Au\": 0, \"Cu\": 1}}}}]");
    add_orbit(&jb, 0, 1, "", "1", NULL);
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0), "-0.3");
    add_orbit(&jb, 2, 6, "[0, 0, 0, 0], [0, 1, 0, 0]", PHI(0, 0, 0) PHI(0, 0, 1), "0.06");
    add_orbit(&jb, 3, 3, "[0, 0, 0, 0], [0, -1, 1, 1]", PHI(0, 0, 0) PHI(0, 0, 1), "-0.01");
    add_orbit(&jb, 4, 8, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2), "0.002");
    add_orbit(&jb, 5, 2, "[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]",
              PHI(0, 0, 0) PHI(0, 0, 1) PHI(0, 0, 2) PHI(0, 0, 3), "0.004");
    end_eci(&jb);
    fixture fx;
    fixture_write(&fx, prim, jb.text);
    clex_model *m = load_ok(&fx);
    assert_int_equal(m->n_ops, 48);
    const int want[6] = {1, 1, 6, 3, 8, 2};
    for (int q = 0; q < 6; q++)
        assert_int_equal(orbit_by_index(m, q)->expanded, want[q]);
    assert_int_equal(m->n_terms, 1 + 6 + 3 + 8 + 2);
    check_orbit_sums(m);
    /* all Cu (φ = 1): E = Σ ECI */
    hnf_cell s = hnf_make(1, 1, 1, 0, 0, 0);
    int occ[1] = {1};
    ASSERT_NEAR(energy_direct(m, &s, occ), -0.3 + 0.06 - 0.01 + 0.002 + 0.004, 1e-15,
                "all Cu");
    clex_destroy(&m);
    fixture_remove(&fx);
}

/* hcp with octahedral interstitials (like ZrO), written exactly. */
static void hcp_prim_text(char *buf, size_t size, int cartesian)
{
    const double a = 3.2, c = 5.2;
    const double lattice[3][3] = {{a, 0, 0}, {-a / 2, a * sqrt(3.0) / 2, 0}, {0, 0, c}};
    const double frac[4][3] = {
        {0, 0, 0}, {2.0 / 3, 1.0 / 3, 0.5}, {1.0 / 3, 2.0 / 3, 0.25}, {1.0 / 3, 2.0 / 3, 0.75}};
    const char *occupants[4] = {"[\"Zr\"]", "[\"Zr\"]", "[\"Va\", \"O\"]", "[\"Va\", \"O\"]"};
    int n = snprintf(buf, size,
                     "{\"title\": \"hcp\", \"coordinate_mode\": \"%s\",\n \"lattice_vectors\": "
                     "[[%.17g, %.17g, %.17g], [%.17g, %.17g, %.17g], [%.17g, %.17g, %.17g]],\n"
                     " \"basis\": [",
                     cartesian ? "Cartesian" : "Fractional", lattice[0][0], lattice[0][1],
                     lattice[0][2], lattice[1][0], lattice[1][1], lattice[1][2], lattice[2][0],
                     lattice[2][1], lattice[2][2]);
    for (int b = 0; b < 4; b++) {
        double x[3];
        for (int j = 0; j < 3; j++)
            x[j] = cartesian ? frac[b][0] * lattice[0][j] + frac[b][1] * lattice[1][j] +
                                   frac[b][2] * lattice[2][j]
                             : frac[b][j];
        n += snprintf(buf + n, size - (size_t)n,
                      "%s\n  {\"coordinate\": [%.17g, %.17g, %.17g], \"occupants\": %s}",
                      b ? "," : "", x[0], x[1], x[2], occupants[b]);
    }
    snprintf(buf + n, size - (size_t)n, "]}\n");
}

static void hcp_eci_text(json_buf *jb, const char *embedded_prim)
{
    begin_eci(jb, NULL); /* OCCUPATION basis from bspecs: φ(Va) = 0, φ(O) = 1 */
    add_orbit(jb, 0, 1, "", "1", "0.01");
    add_orbit(jb, 1, 2, "[2, 0, 0, 0]", PHI(2, 0, 0), "-1.4");
    add_orbit(jb, 2, 2, "[2, 0, 0, 0], [3, 0, 0, 0]", PHI(2, 0, 0) PHI(3, 0, 1), "0.7");
    add_orbit(jb, 3, 6, "[2, 0, 0, 0], [2, 0, 1, 0]", PHI(2, 0, 0) PHI(2, 0, 1), "0.8");
    add_orbit(jb, 4, 12, "[2, 0, 0, 0], [3, 1, 1, -1]", PHI(2, 0, 0) PHI(3, 0, 1), "-0.05");
    end_eci(jb);
    if (embedded_prim) {
        /* insert "prim": {...} before the final brace */
        size_t len = strlen(jb->text);
        assert_true(len >= 2 && jb->text[len - 2] == '}');
        jb->text[len - 2] = '\0';
        jb_add(jb, ", \"prim\": %s}\n", embedded_prim);
    }
}

static void test_cartesian_twin(void **state)
{
    (void)state;
    char fractional[4096], cartesian[4096];
    hcp_prim_text(fractional, sizeof fractional, 0);
    hcp_prim_text(cartesian, sizeof cartesian, 1);
    json_buf jb;
    /* The basis file carries the Cartesian copy: it must match both. */
    hcp_eci_text(&jb, cartesian);
    fixture fa, fb;
    fixture_write(&fa, fractional, jb.text);
    fixture_write(&fb, cartesian, jb.text);
    clex_model *ma = load_ok(&fa);
    clex_model *mb = load_ok(&fb);
    assert_int_equal(ma->n_ops, 24);
    assert_int_equal(mb->n_ops, 24);
    for (int b = 0; b < 4; b++)
        for (int i = 0; i < 3; i++)
            ASSERT_NEAR(mb->prim.sites[b].frac[i], ma->prim.sites[b].frac[i], 1e-12,
                        "fractional coordinate from Cartesian");
    assert_int_equal(ma->n_terms, mb->n_terms);
    assert_int_equal(ma->n_terms, 2 + 2 + 6 + 12);
    for (int t = 0; t < ma->n_terms; t++) {
        const clex_term *x = &ma->terms[t], *y = &mb->terms[t];
        assert_int_equal(x->size, y->size);
        assert_int_equal(x->orbit, y->orbit);
        for (int k = 0; k < x->size; k++) {
            assert_int_equal(x->sites[k].b, y->sites[k].b);
            assert_memory_equal(x->sites[k].cell, y->sites[k].cell, sizeof x->sites[k].cell);
            assert_int_equal(x->func[k], y->func[k]);
        }
        ASSERT_NEAR(x->weight, y->weight, 0, "weight");
    }
    for (int q = 0; q < ma->n_orbits; q++)
        assert_int_equal(ma->orbits[q].expanded, ma->orbits[q].mult);
    check_orbit_sums(ma);
    /* OCCUPATION basis rebuilt from bspecs: the first occupant (Va) is the
     * reference. */
    assert_int_equal(ma->n_func[2], 1);
    assert_true(ma->phi[2][0][0] == 0.0 && ma->phi[2][0][1] == 1.0);
    assert_int_equal(ma->n_func[0], 0);
    clex_destroy(&ma);
    clex_destroy(&mb);
    fixture_remove(&fa);
    fixture_remove(&fb);
}

#define TERNARY_PRIM                                                                        \
    "{\"title\": \"ternary\", \"lattice_vectors\": [[3, 0, 0], [0, 3, 0], [0, 0, 3]],\n"    \
    " \"coordinate_mode\": \"Fractional\",\n"                                               \
    " \"basis\": [{\"coordinate\": [0, 0, 0], \"occupants\": [\"A\", \"B\", \"C\"]}]}\n"
#define TERNARY_SITE_FUNCTIONS                                                              \
    "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"A\": 0, \"B\": 1, \"C\": 0}, " \
    "\"\\\\phi_{0,1}\": {\"A\": 0, \"B\": 0, \"C\": 1}}}}]"

/* A ternary site: two site functions, a point orbit with two cluster
 * functions, and a pair function φ0(s0)φ1(s1) that is not symmetric under
 * exchanging the sites: its images carry both orderings, while the orbit
 * still has 3 (undecorated) clusters per prim cell.  It comes first in its
 * orbit, so that the multiplicity is counted on it. */
static void test_ternary(void **state)
{
    (void)state;
    json_buf jb;
    begin_eci(&jb, TERNARY_SITE_FUNCTIONS);
    add_orbit(&jb, 0, 1, "", "1", "-0.2");
    jb_add(&jb, ",\n{\"linear_orbit_index\": 1, \"mult\": 1, \"prototype\": {\"sites\": "
                "[[0, 0, 0, 0]]}, \"cluster_functions\": ["
                "{\"\\\\Phi_{1}\": \"" PHI(0, 0, 0) "\", \"linear_function_index\": 1, "
                "\"eci\": 0.1}, "
                "{\"\\\\Phi_{2}\": \"" PHI(0, 1, 0) "\", \"linear_function_index\": 2, "
                "\"eci\": 0.2}]}");
    jb_add(&jb, ",\n{\"linear_orbit_index\": 2, \"mult\": 3, \"prototype\": {\"sites\": "
                "[[0, 0, 0, 0], [0, 1, 0, 0]]}, \"cluster_functions\": ["
                "{\"\\\\Phi_{3}\": \"" PHI(0, 0, 0) PHI(0, 1, 1) "\", "
                "\"linear_function_index\": 3, \"eci\": 0.3}, "
                "{\"\\\\Phi_{4}\": \"" PHI(0, 0, 0) PHI(0, 0, 1) "\", "
                "\"linear_function_index\": 4}]}");
    end_eci(&jb);
    fixture fx;
    fixture_write(&fx, TERNARY_PRIM, jb.text);
    clex_model *m = load_ok(&fx);
    assert_int_equal(m->n_func[0], 2);
    assert_int_equal(m->n_functions, 5);
    assert_int_equal(orbit_by_index(m, 1)->n_functions, 2);
    ASSERT_NEAR(orbit_by_index(m, 1)->eci, 0.1, 0, "orbit eci = first function's");
    assert_int_equal(orbit_by_index(m, 2)->expanded, 3);
    ASSERT_NEAR(orbit_by_index(m, 2)->eci, 0.3, 0, "pair orbit eci = first function's");
    int point_functions = 0, seen[3][2] = {{0, 0}, {0, 0}, {0, 0}};
    for (int t = 0; t < m->n_terms; t++) {
        const clex_term *term = &m->terms[t];
        if (term->orbit == 1) {
            point_functions |= 1 << term->func[0];
            ASSERT_NEAR(term->weight, term->func[0] == 0 ? 0.1 : 0.2, 0, "point weight");
            assert_int_equal(term->function, term->func[0] + 1);
            continue;
        }
        assert_int_equal(term->orbit, 2);
        assert_int_equal(term->function, 3); /* function 4 has no ECI: no terms */
        /* 48 operations, 16 per undecorated pair, 8 per ordering */
        ASSERT_NEAR(term->weight, 0.3 / 6, 1e-16, "pair weight = ECI · 8/48");
        int axis = -1;
        for (int i = 0; i < 3; i++)
            if (term->sites[1].cell[i] == 1)
                axis = i;
        assert_true(axis >= 0);
        assert_true(term->func[0] != term->func[1]);
        seen[axis][term->func[0]]++;
    }
    assert_int_equal(point_functions, 3);
    assert_int_equal(m->n_terms, 2 + 6);
    for (int axis = 0; axis < 3; axis++)
        assert_true(seen[axis][0] == 1 && seen[axis][1] == 1);
    check_orbit_sums(m);

    /* B C B C ... along x (2×1×1): ⟨φ0⟩ = ⟨φ1⟩ = 1/2; the symmetrised pair
     * function ½(φ0φ1 + φ1φ0) is ½ on each x pair and 0 on y and z pairs:
     * correlation (2·½)/(3·2) = 1/6.  E = −0.2 + 0.05 + 0.1 + 0.3/6. */
    hnf_cell s = hnf_make(2, 1, 1, 0, 0, 0);
    int occ[2] = {1, 2};
    ASSERT_NEAR(energy_direct(m, &s, occ), -0.2 + 0.05 + 0.1 + 0.05, 1e-15, "B/C layers");
    clex_destroy(&m);
    fixture_remove(&fx);
}

/* No site_functions, bspecs OCCUPATION: φ_{b,f}(s) = 1 for the (f+1)-th
 * occupant, the first occupant being the reference. */
static void test_occupation_fallback(void **state)
{
    (void)state;
    json_buf jb;
    begin_eci(&jb, NULL);
    add_orbit(&jb, 0, 1, "", "1", NULL);
    add_orbit(&jb, 1, 1, "[0, 0, 0, 0]", PHI(0, 1, 0), "0.1");
    end_eci(&jb);
    fixture fx;
    fixture_write(&fx, TERNARY_PRIM, jb.text);
    clex_model *m = load_ok(&fx);
    assert_int_equal(m->n_func[0], 2);
    const double want[2][3] = {{0, 1, 0}, {0, 0, 1}};
    for (int f = 0; f < 2; f++)
        for (int o = 0; o < 3; o++)
            assert_true(m->phi[0][f][o] == want[f][o]);
    clex_destroy(&m);
    fixture_remove(&fx);
}

/* ------------------------------------------------------------------------- */
/* bad inputs */

typedef struct {
    const char *name;
    const char *prim;     /* NULL: SC_LIVA_PRIM */
    const char *sf;       /* site_functions; NULL: SC_SITE_FUNCTIONS; "-": none */
    const char *orbits;   /* extra orbits after the empty one */
    const char *bspecs;   /* replaces the default bspecs, or NULL */
    int culprit;          /* 0: the prim file, 1: the basis file */
    const char *expect[3];
} bad_case;

#define ORBIT(index, mult, sites, function)                                                 \
    ",\n{\"linear_orbit_index\": " #index ", \"mult\": " #mult ", \"prototype\": "          \
    "{\"sites\": [" sites "]}, \"cluster_functions\": [{\"\\\\Phi_{" #index "}\": \""       \
    function "\", \"eci\": 0.1}]}"
#define POINT ORBIT(1, 1, "[0, 0, 0, 0]", PHI(0, 0, 0))
#define PAIR_FN PHI(0, 0, 0) PHI(0, 0, 1)

static const bad_case bad_cases[] = {
    {"malformed prim", "{\n  \"title\": \"SC\"\n  \"basis\": []\n}\n", NULL, POINT, NULL, 0,
     {":3:3: malformed JSON", "near '\"basis\"", NULL}},
    {"truncated basis file", NULL, "TRUNCATE", POINT, NULL, 1,
     {":4:12: malformed JSON (the text ends too early)", NULL, NULL}},
    {"no variable site",
     "{\"lattice_vectors\": [[3,0,0],[0,3,0],[0,0,3]], \"coordinate_mode\": \"Fractional\","
     " \"basis\": [{\"coordinate\": [0,0,0], \"occupants\": [\"Li\"]}]}",
     "-", "", NULL, 0, {"no site has two or more occupants", NULL, NULL}},
    {"unknown coordinate mode",
     "{\"lattice_vectors\": [[3,0,0],[0,3,0],[0,0,3]], \"coordinate_mode\": \"Crystal\","
     " \"basis\": [{\"coordinate\": [0,0,0], \"occupants\": [\"Li\", \"Va\"]}]}",
     NULL, POINT, NULL, 0, {"\"coordinate_mode\" is \"Crystal\"", NULL, NULL}},
    {"occupant not in prim", NULL,
     "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"Li\": -1, \"Na\": 1}}}}]",
     POINT, NULL, 1, {"occupant \"Na\"", "sublattice 0", "[Li, Va]"}},
    {"occupant without value", NULL,
     "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"Li\": -1}}}}]", POINT, NULL,
     1, {"no value for occupant \"Va\"", "sublattice 0", NULL}},
    {"variable site with null basis", NULL, "[{\"sublat\": 0, \"occ\": {\"basis\": null}}]",
     POINT, NULL, 1, {"sublattice 0 has occupants [Li, Va] but its basis is null", NULL, NULL}},
    {"invalid sublattice", NULL, NULL, ORBIT(1, 1, "[5, 0, 0, 0]", PHI(5, 0, 0)), NULL, 1,
     {"linear_orbit_index 1:", "sublattice 5", "0..0"}},
    {"too many sites", NULL, NULL,
     ORBIT(3, 1,
           "[0,0,0,0],[0,1,0,0],[0,2,0,0],[0,3,0,0],[0,4,0,0],[0,5,0,0],[0,6,0,0],[0,7,0,0],"
           "[0,8,0,0]",
           PHI(0, 0, 0)),
     NULL, 1, {"linear_orbit_index 3:", "9 sites", "at most 8"}},
    {"wrong mult", NULL, NULL, POINT ORBIT(2, 4, "[0,0,0,0],[0,1,0,0]", PAIR_FN), NULL, 1,
     {"linear_orbit_index 2:", "gives 3 clusters per prim cell", "mult = 4"}},
    {"sum of products", NULL, NULL,
     ORBIT(2, 3, "[0,0,0,0],[0,1,0,0]", PHI(0, 0, 0) " + " PHI(0, 0, 1)), NULL, 1,
     {"linear_orbit_index 2:", "sum of products", NULL}},
    {"sublattice of a factor", NULL, NULL,
     ORBIT(2, 3, "[0,0,0,0],[0,1,0,0]", PHI(0, 0, 0) PHI(1, 0, 1)), NULL, 1,
     {"linear_orbit_index 2:", "\\phi_{1,0}(s_{1}) but prototype site 1 is on sublattice 0",
      NULL}},
    {"site used twice", NULL, NULL,
     ORBIT(2, 3, "[0,0,0,0],[0,1,0,0]", PHI(0, 0, 0) PHI(0, 0, 0)), NULL, 1,
     {"linear_orbit_index 2:", "uses site s_{0} twice", NULL}},
    {"site missing", NULL, NULL, ORBIT(2, 3, "[0,0,0,0],[0,1,0,0]", PHI(0, 0, 0)), NULL, 1,
     {"linear_orbit_index 2:", "no factor for prototype site s_{1}", NULL}},
    {"function index too large", NULL, NULL, ORBIT(1, 1, "[0,0,0,0]", PHI(0, 1, 0)), NULL, 1,
     {"linear_orbit_index 1:", "has \\phi_{0,1} but sublattice 0 has 1 site function", NULL}},
    {"not a product", NULL, NULL, ORBIT(1, 1, "[0,0,0,0]", "0.5*" PHI(0, 0, 0)), NULL, 1,
     {"linear_orbit_index 1:", "has unexpected text at character 1", NULL}},
    {"repeated prototype site", NULL, NULL, ORBIT(2, 3, "[0,0,0,0],[0,0,0,0]", PAIR_FN), NULL,
     1, {"linear_orbit_index 2:", "prototype sites 0 and 1 are the same site", NULL}},
    {"strain dofs", NULL, NULL, POINT,
     "\"bspecs\": {\"basis_function_specs\": {\"dofs\": [\"occ\", \"GLstrain\"]}}", 1,
     {"\"GLstrain\"", "occupation", NULL}},
    {"chebychev without values", NULL, "-", POINT,
     "\"bspecs\": {\"basis_function_specs\": {\"dof_specs\": {\"occ\": "
     "{\"site_basis_functions\": \"CHEBYCHEV\"}}}}",
     1, {"no \"site_functions\" values", "\"CHEBYCHEV\"", NULL}},
    {"fixed site in a prototype",
     "{\"lattice_vectors\": [[3,0,0],[0,3,0],[0,0,3]], \"coordinate_mode\": \"Fractional\","
     " \"basis\": [{\"coordinate\": [0,0,0], \"occupants\": [\"Li\", \"Va\"]},"
     " {\"coordinate\": [0.5,0.5,0.5], \"occupants\": [\"Cs\"]}]}",
     "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"Li\": -1, \"Va\": 1}}}},"
     " {\"sublat\": 1, \"occ\": {\"basis\": null}}]",
     ORBIT(1, 1, "[1, 0, 0, 0]", PHI(1, 0, 0)), NULL, 1,
     {"linear_orbit_index 1:", "sublattice 1, which has a single occupant (Cs)", NULL}},
    {"not primitive",
     "{\"lattice_vectors\": [[3,0,0],[0,3,0],[0,0,3]], \"coordinate_mode\": \"Fractional\","
     " \"basis\": [{\"coordinate\": [0,0,0], \"occupants\": [\"Li\", \"Va\"]},"
     " {\"coordinate\": [0.5,0.5,0.5], \"occupants\": [\"Li\", \"Va\"]}]}",
     "-", POINT, NULL, 0, {"not primitive", "(0.500000 0.500000 0.500000)", NULL}},
    {"asymmetric site functions",
     "{\"lattice_vectors\": [[3.2,0,0],[-1.6,2.7712812921102037,0],[0,0,5.2]],"
     " \"coordinate_mode\": \"Fractional\", \"basis\": ["
     "{\"coordinate\": [0.3333333333333333,0.6666666666666666,0.25], \"occupants\": [\"A\", "
     "\"B\"]}, {\"coordinate\": [0.6666666666666666,0.3333333333333333,0.75], \"occupants\": "
     "[\"A\", \"B\"]}]}",
     "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"A\": 0, \"B\": 1}}}},"
     " {\"sublat\": 1, \"occ\": {\"basis\": {\"\\\\phi_{1,0}\": {\"A\": 1, \"B\": 0}}}}]",
     POINT, NULL, 1, {"sublattices 0 and 1 are equivalent by symmetry", "differ", NULL}},
    {"embedded prim of another project", NULL, "EMBED", POINT, NULL, 1,
     {"sublattice 0 of its \"prim\" has occupants [Va, Li]", "[Li, Va]", NULL}},
    {"recorded max_length", NULL, NULL,
     ",\n{\"linear_orbit_index\": 2, \"mult\": 3, \"prototype\": {\"sites\": [[0,0,0,0],"
     "[0,1,1,0]], \"min_length\": 4.242640687, \"max_length\": 3.0}, \"cluster_functions\": "
     "[{\"\\\\Phi_{2}\": \"" PAIR_FN "\", \"eci\": 0.1}]}",
     NULL, 1, {"linear_orbit_index 2:", "longest site-to-site distance is 4.242641", "= 3.000000"}},
    {"empty cluster function", NULL, NULL, POINT, "EMPTY2", 1,
     {"linear_orbit_index 0:", "is not \"1\", the empty cluster's function", NULL}},
};

static void build_bad_eci(const bad_case *c, json_buf *jb)
{
    jb->text[0] = '\0';
    jb_add(jb, "{\n");
    if (c->bspecs && strcmp(c->bspecs, "EMPTY2") != 0)
        jb_add(jb, "%s,\n", c->bspecs);
    else
        jb_add(jb, "\"bspecs\": {\"basis_function_specs\": {\"dof_specs\": {\"occ\": "
                   "{\"site_basis_functions\": \"OCCUPATION\"}}, \"dofs\": [\"occ\"]}},\n");
    if (!c->sf || strcmp(c->sf, "TRUNCATE") == 0 || strcmp(c->sf, "EMBED") == 0)
        jb_add(jb, "\"site_functions\": %s,\n", SC_SITE_FUNCTIONS);
    else if (strcmp(c->sf, "-") != 0)
        jb_add(jb, "\"site_functions\": %s,\n", c->sf);
    if (c->sf && strcmp(c->sf, "EMBED") == 0)
        jb_add(jb, "\"prim\": {\"lattice_vectors\": [[3,0,0],[0,3,0],[0,0,3]], "
                   "\"coordinate_mode\": \"Fractional\", \"basis\": [{\"coordinate\": [0,0,0], "
                   "\"occupants\": [\"Va\", \"Li\"]}]},\n");
    jb_add(jb, "\"orbits\": [{\"linear_orbit_index\": 0, \"mult\": 1, \"prototype\": "
               "{\"sites\": []}, \"cluster_functions\": [{\"\\\\Phi_{0}\": \"%s\"}]}%s]\n}\n",
           c->bspecs && strcmp(c->bspecs, "EMPTY2") == 0 ? "2" : "1", c->orbits);
    if (c->sf && strcmp(c->sf, "TRUNCATE") == 0) /* cut after "orbits": [ */
        strstr(jb->text, "\"orbits\": [")[strlen("\"orbits\": [")] = '\0';
}

static void test_bad_inputs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        json_buf jb;
        build_bad_eci(c, &jb);
        fixture fx;
        fixture_write(&fx, c->prim ? c->prim : SC_LIVA_PRIM, jb.text);
        clex_model *m = NULL;
        alfe_error_clear();
        int rc = clex_load(fx.prim, fx.eci, &m);
        const char *msg = alfe_error_message();
        if (rc != ALFE_ERR_INPUT)
            fail_msg("case '%s': status %d (want %d), message: %s", c->name, rc, ALFE_ERR_INPUT,
                     msg);
        assert_null(m);
        const char *culprit = c->culprit ? fx.eci : fx.prim;
        if (!strstr(msg, culprit))
            fail_msg("case '%s': message does not name %s: %s", c->name, culprit, msg);
        for (int k = 0; k < 3 && c->expect[k]; k++)
            if (!strstr(msg, c->expect[k]))
                fail_msg("case '%s': message lacks \"%s\": %s", c->name, c->expect[k], msg);
        printf("  %-34s %s\n", c->name, msg);
        fixture_remove(&fx);
    }
}

/* clex_read_prim alone, and clex_apply_op on a screw axis. */
static void test_read_prim_and_apply_op(void **state)
{
    (void)state;
    char text[4096];
    hcp_prim_text(text, sizeof text, 1);
    fixture fx;
    fixture_write(&fx, text, "{}");
    clex_prim prim;
    alfe_error_clear();
    assert_int_equal(clex_read_prim(fx.prim, &prim), ALFE_OK);
    assert_int_equal(prim.n_sites, 4);
    assert_string_equal(prim.title, "hcp");
    assert_int_equal(clex_occupant_index(&prim, 3, "O"), 1);
    assert_int_equal(clex_occupant_index(&prim, 3, "Zr"), -1);
    assert_int_equal(clex_occupant_index(&prim, 7, "O"), -1);
    /* Inversion through the octahedral site (1/3, 2/3, 1/4), x' = 2c − x,
     * maps the other octahedral site (1/3, 2/3, 3/4) to (1/3, 2/3, −1/4):
     * sublattice 3 in cell (0, 0, −1); the Zr sites swap with each other
     * only up to a lattice translation. */
    clex_symop inversion = {{{-1, 0, 0}, {0, -1, 0}, {0, 0, -1}}, {2.0 / 3, 4.0 / 3, 0.5}};
    clex_ucoord in = {3, {0, 0, 0}}, out;
    assert_int_equal(clex_apply_op(&prim, &inversion, &in, &out), ALFE_OK);
    assert_int_equal(out.b, 3);
    assert_int_equal(out.cell[0], 0);
    assert_int_equal(out.cell[1], 0);
    assert_int_equal(out.cell[2], -1);
    in = (clex_ucoord){1, {2, 0, -1}}; /* (8/3, 1/3, −1/2) → (−2, 1, 1) */
    assert_int_equal(clex_apply_op(&prim, &inversion, &in, &out), ALFE_OK);
    assert_int_equal(out.b, 0);
    assert_int_equal(out.cell[0], -2);
    assert_int_equal(out.cell[1], 1);
    assert_int_equal(out.cell[2], 1);
    /* A translation by half a cell is no symmetry: no site there. */
    clex_symop half = {{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, {0.5, 0, 0}};
    alfe_error_clear();
    assert_int_not_equal(clex_apply_op(&prim, &half, &in, &out), ALFE_OK);
    assert_non_null(strstr(alfe_error_message(), "no prim site"));
    clex_symop *ops = NULL;
    int n_ops = 0;
    assert_int_equal(clex_factor_group(&prim, &ops, &n_ops), ALFE_OK);
    assert_int_equal(n_ops, 24);
    free(ops);
    clex_prim_free(&prim);
    assert_null(prim.sites);
    fixture_remove(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zro_multiplicities),
        cmocka_unit_test(test_zro_casm_energies),
        cmocka_unit_test(test_zro_symmetry_invariance),
        cmocka_unit_test(test_simple_cubic),
        cmocka_unit_test(test_fcc),
        cmocka_unit_test(test_cartesian_twin),
        cmocka_unit_test(test_ternary),
        cmocka_unit_test(test_occupation_fallback),
        cmocka_unit_test(test_read_prim_and_apply_op),
        cmocka_unit_test(test_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
