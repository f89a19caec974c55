/* fuzz_formula.c — the invariants formula parser (src/network/invariants.c):
 * polynomial_parse of the input with d = 7 (the shipped LCO system) and
 * d = 64 (the limit), and invariant_set_read of the input as a file.
 * Checks: no memory error or stack overflow; a polynomial that parses is in
 * canonical form with finite coefficients, and polynomial_format writes a
 * formula that parses back to the same polynomial (invariants.h). */
#include "fuzz_common.h"

#include "alfe/network/invariants.h"

#include <math.h>

static void check_poly(const polynomial *p, int d)
{
    if (p->d != d || p->n_terms < 0)
        abort();
    for (int t = 0; t < p->n_terms; t++)
        if (!isfinite(p->coef[t]) || p->coef[t] == 0.0)
            abort();
}

static void check_round_trip(const polynomial *p)
{
    char *text = polynomial_format(p);
    polynomial q;
    int column = -1;
    int status = polynomial_parse(text, p->d, &q, &column);
    if (status != ALFE_OK) {
        fprintf(stderr, "fuzz: polynomial_format wrote '%s', which does not parse: %s\n", text,
                alfe_error_message());
        abort();
    }
    int same = q.n_terms == p->n_terms;
    for (int t = 0; same && t < p->n_terms; t++)
        same = q.coef[t] == p->coef[t] &&
               !memcmp(q.pow + (size_t)t * (size_t)p->d, p->pow + (size_t)t * (size_t)p->d,
                       (size_t)p->d);
    if (!same) {
        fprintf(stderr, "fuzz: '%s' does not read back to the polynomial it was written from\n",
                text);
        abort();
    }
    polynomial_free(&q);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    static const int dims[2] = {7, POLYNOMIAL_MAX_VARS};
    for (int i = 0; i < 2; i++) {
        polynomial p;
        int column = -1;
        int status = polynomial_parse(text, dims[i], &p, &column);
        fuzz_check_status(status);
        if (status == ALFE_OK) {
            check_poly(&p, dims[i]);
            check_round_trip(&p);
            polynomial_free(&p);
        } else if (column < 1) {
            abort(); /* a syntax error names its column */
        }
    }
    free(text);

    invariant_set *set = NULL;
    const char *path = fuzz_write_file("invariants.txt", data, size);
    int status = invariant_set_read(path, 7, &set);
    fuzz_check_status(status);
    if (status == ALFE_OK) {
        if (set->m < 1 || set->d != 7)
            abort();
        for (int k = 0; k < set->m; k++)
            check_poly(&set->poly[k], 7);
    }
    invariant_set_destroy(&set);
    return 0;
}
