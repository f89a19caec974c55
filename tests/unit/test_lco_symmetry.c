/* test_lco_symmetry.c — the embedded LCO-like system's order parameters
 * (inputs/lco/Q.txt on the 2×2×2 rhombohedral ordering cell) are closed under
 * the space group of inputs/lco/prim.json: every factor-group operation and
 * lattice translation permutes the 8 sublattices, and the permutation maps
 * row 0 to itself, each row of the first star {η1, η2, η3} to ± a row of that
 * star, each row of the second star {η4, η5, η6} to ± a row of that star, and
 * the left-out character (111) to ± itself.  Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "alfe/lattice/clex.h"
#include "alfe/lattice/symmetry.h"
#include "alfe/space/domain.h"
#include "alfe/base/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define M 8

static int sublattice_of(const int cell[3])
{
    int i = ((cell[0] % 2) + 2) % 2, j = ((cell[1] % 2) + 2) % 2, k = ((cell[2] % 2) + 2) % 2;
    return 4 * i + 2 * j + k;
}

/* Row r transformed by the permutation: (r∘P)[s] = r[perm⁻¹... ] — we need
 * the image of the function η_r under the operation: η'_r(x) = η_r(x∘g), i.e.
 * the row with entries r[perm[s]]. */
static void transform_row(const double *row, const int *perm, double *out)
{
    for (int s = 0; s < M; s++)
        out[s] = row[perm[s]];
}

/* Index of the row of q (d rows) equal to ±v, or -1. */
static int match_row(const double *q, int rows, const double *v, int *sign)
{
    for (int r = 0; r < rows; r++)
        for (int sg = -1; sg <= 1; sg += 2) {
            int same = 1;
            for (int s = 0; s < M && same; s++)
                same = fabs(q[r * M + s] - sg * v[s]) < 1e-12;
            if (same) {
                *sign = sg;
                return r;
            }
        }
    return -1;
}

static void test_rows_closed_under_space_group(void **state)
{
    (void)state;
    clex_prim prim;
    assert_int_equal(clex_read_prim("inputs/lco/prim.json", &prim), ALFE_OK);
    clex_symop *ops = NULL;
    int n_ops = 0;
    assert_int_equal(clex_factor_group(&prim, &ops, &n_ops), ALFE_OK);
    assert_int_equal(n_ops, 12); /* R-3m point group, order 12 */
    double *q = NULL;
    int m = 0;
    assert_int_equal(domain_read_q("inputs/lco/Q.txt", 7, &q, &m), ALFE_OK);
    assert_int_equal(m, M);
    /* The full character table, including the left-out (111) row. */
    double all[8 * M];
    memcpy(all, q, sizeof(double) * 7 * M);
    for (int s = 0; s < M; s++) {
        int i = s >> 2, j = (s >> 1) & 1, k = s & 1;
        all[7 * M + s] = ((i + j + k) % 2 ? -1.0 : 1.0) / 8.0;
    }
    const int star_of[8] = {0, 1, 1, 1, 2, 2, 2, 3};
    int checked = 0, moved = 0;
    for (int g = 0; g < n_ops; g++)
        for (int t = 0; t < M; t++) {
            int shift[3] = {t >> 2, (t >> 1) & 1, t & 1};
            int perm[M];
            int seen[M] = {0};
            for (int s = 0; s < M; s++) {
                clex_ucoord in = {1, {s >> 2, (s >> 1) & 1, s & 1}}, out;
                assert_int_equal(clex_apply_op(&prim, &ops[g], &in, &out), ALFE_OK);
                assert_int_equal(out.b, 1); /* Li maps to Li */
                int cell[3] = {out.cell[0] + shift[0], out.cell[1] + shift[1],
                               out.cell[2] + shift[2]};
                perm[s] = sublattice_of(cell);
                seen[perm[s]]++;
            }
            for (int s = 0; s < M; s++)
                assert_int_equal(seen[s], 1); /* a permutation */
            for (int r = 0; r < 8; r++) {
                double image[M];
                transform_row(all + r * M, perm, image);
                int sign = 0;
                int to = match_row(all, 8, image, &sign);
                assert_true(to >= 0);
                assert_int_equal(star_of[to], star_of[r]);
                moved += to != r;
                checked++;
            }
        }
    /* The stars are not trivial: some operation moves rows within them. */
    assert_true(moved > 0);
    print_message("checked %d row images under %d operations x %d translations\n", checked, n_ops,
                  M);
    free(q);
    free(ops);
    clex_prim_free(&prim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_rows_closed_under_space_group)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
