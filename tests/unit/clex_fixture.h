/* clex_fixture.h — helpers shared by test_supercell.c, test_mc.c and
 * test_mc_point.c: small
 * CASM prim.json / basis-ECI files written to a temporary directory and
 * loaded with clex_load (the approach of test_clex.c), a tolerance assertion,
 * the path of the real ZrO example, and the bit-for-bit comparison of two
 * Monte Carlo results.  Include after <cmocka.h>.
 * Run the tests from the repository root. */
#ifndef ALFE_TEST_CLEX_FIXTURE_H
#define ALFE_TEST_CLEX_FIXTURE_H

#include "alfe/lattice/clex.h"
#include "alfe/lattice/mc.h"
#include "alfe/base/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FX_UNUSED __attribute__((unused))

#define ZRO_DIR "inputs/zro" /* CASM's ZrO example, shipped (inputs/zro/README.md) */

#define ASSERT_NEAR(a, b, tol, ...)                                                        \
    do {                                                                                   \
        double a_ = (a), b_ = (b), t_ = (tol);                                             \
        if (!(fabs(a_ - b_) <= t_)) {                                                      \
            char what_[256];                                                               \
            snprintf(what_, sizeof what_, __VA_ARGS__);                                    \
            fail_msg("%s: %.15g vs %.15g differ by %.3g > %.3g", what_, a_, b_,            \
                     fabs(a_ - b_), t_);                                                   \
        }                                                                                  \
    } while (0)

/* JSON text of a site function factor \phi_{b,f}(s_{k}) (escaped backslash). */
#define PHI(b, f, k) "\\\\phi_{" #b "," #f "}(s_{" #k "})"

typedef struct {
    char dir[64];
    char prim[128];
    char eci[128];
} fixture;

static FX_UNUSED void fx_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static FX_UNUSED void fixture_write(fixture *fx, const char *prim_text, const char *eci_text)
{
    snprintf(fx->dir, sizeof fx->dir, "/tmp/alfe-test-mc-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->prim, sizeof fx->prim, "%s/prim.json", fx->dir);
    snprintf(fx->eci, sizeof fx->eci, "%s/eci.json", fx->dir);
    fx_write_file(fx->prim, prim_text);
    fx_write_file(fx->eci, eci_text);
}

static FX_UNUSED void fixture_remove(fixture *fx)
{
    unlink(fx->prim);
    unlink(fx->eci);
    rmdir(fx->dir);
}

/* A growing text buffer for JSON. */
typedef struct {
    char text[32768];
} json_buf;

static FX_UNUSED void __attribute__((format(printf, 2, 3))) jb_add(json_buf *jb, const char *fmt,
                                                                   ...)
{
    size_t used = strlen(jb->text);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(jb->text + used, sizeof jb->text - used, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof jb->text - used);
}

static FX_UNUSED void begin_eci(json_buf *jb, const char *site_functions)
{
    jb->text[0] = '\0';
    jb_add(jb, "{\n\"bspecs\": {\"basis_function_specs\": {\"dof_specs\": {\"occ\": "
               "{\"site_basis_functions\": \"OCCUPATION\"}}, \"dofs\": [\"occ\"]}},\n");
    if (site_functions)
        jb_add(jb, "\"site_functions\": %s,\n", site_functions);
    jb_add(jb, "\"orbits\": [");
}

/* One orbit with one cluster function; eci NULL = no "eci" entry. */
static FX_UNUSED void add_orbit(json_buf *jb, int index, int mult, const char *sites,
                                const char *function, const char *eci)
{
    const char *open = strstr(jb->text, "\"orbits\": [");
    int first = open && open + strlen("\"orbits\": [") == jb->text + strlen(jb->text);
    jb_add(jb,
           "%s{\"linear_orbit_index\": %d, \"mult\": %d, \"prototype\": {\"sites\": [%s]},\n"
           "  \"cluster_functions\": [{\"\\\\Phi_{%d}\": \"%s\", \"linear_function_index\": %d",
           first ? "" : ",\n", index, mult, sites, index, function, index);
    if (eci)
        jb_add(jb, ", \"eci\": %s", eci);
    jb_add(jb, "}]}");
}

static FX_UNUSED void end_eci(json_buf *jb) { jb_add(jb, "]\n}\n"); }

/* Write, load (failing the test with the message otherwise) and remove. */
static FX_UNUSED clex_model *load_model(const char *prim_text, const char *eci_text)
{
    fixture fx;
    fixture_write(&fx, prim_text, eci_text);
    clex_model *m = NULL;
    alfe_error_clear();
    int rc = clex_load(fx.prim, fx.eci, &m);
    fixture_remove(&fx);
    if (rc != ALFE_OK)
        fail_msg("clex_load failed: %s", alfe_error_message());
    assert_non_null(m);
    return m;
}

/* Simple cubic, one variable site Va/Li. */
#define SC_PRIM                                                                             \
    "{\"title\": \"SC\", \"lattice_vectors\": [[3, 0, 0], [0, 3, 0], [0, 0, 3]],\n"         \
    " \"coordinate_mode\": \"Fractional\",\n"                                               \
    " \"basis\": [{\"coordinate\": [0, 0, 0], \"occupants\": [\"Va\", \"Li\"]}]}\n"
/* Spin-like basis φ(Va) = −1, φ(Li) = +1. */
#define SC_SPIN_FUNCTIONS                                                                   \
    "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"Va\": -1.0, \"Li\": 1.0}}}}]"
/* Occupation basis φ(Va) = 0, φ(Li) = 1. */
#define SC_OCC_FUNCTIONS                                                                    \
    "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": {\"Va\": 0.0, \"Li\": 1.0}}}}]"

/* Simple-cubic ternary A/B/C: two site functions, a point orbit with two
 * cluster functions, an NN pair with the asymmetric function φ0(s0)φ1(s1),
 * and an NN right-angle triangle φ0φ1φ1 — terms whose sites carry
 * different function indices, the general case of the local fields. */
static FX_UNUSED clex_model *ternary_model(void)
{
    const char *prim =
        "{\"title\": \"ternary\", \"lattice_vectors\": [[3, 0, 0], [0, 3, 0], [0, 0, 3]],\n"
        " \"coordinate_mode\": \"Fractional\",\n"
        " \"basis\": [{\"coordinate\": [0, 0, 0], \"occupants\": [\"A\", \"B\", \"C\"]}]}\n";
    json_buf jb;
    begin_eci(&jb, "[{\"sublat\": 0, \"occ\": {\"basis\": {\"\\\\phi_{0,0}\": "
                   "{\"A\": -1, \"B\": 0.5, \"C\": 1}, \"\\\\phi_{0,1}\": "
                   "{\"A\": 0.3, \"B\": -1, \"C\": 0.7}}}}]");
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
                "\"linear_function_index\": 3, \"eci\": 0.3}]}");
    jb_add(&jb, ",\n{\"linear_orbit_index\": 3, \"mult\": 12, \"prototype\": {\"sites\": "
                "[[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]}, \"cluster_functions\": ["
                "{\"\\\\Phi_{4}\": \"" PHI(0, 0, 0) PHI(0, 1, 1) PHI(0, 1, 2) "\", "
                "\"linear_function_index\": 4, \"eci\": -0.07}]}");
    end_eci(&jb);
    return load_model(prim, jb.text);
}

static FX_UNUSED int zro_present(void)
{
    if (access(ZRO_DIR "/prim.json", R_OK) == 0 &&
        access(ZRO_DIR "/formation_energy_eci.json", R_OK) == 0)
        return 1;
    /* The files are part of the repository: their absence is a broken
     * checkout or a test run from the wrong directory, not a reason to skip. */
    fprintf(stderr, "FAIL: " ZRO_DIR "/prim.json or formation_energy_eci.json not readable "
            "(run the unit tests from the repository root)\n");
    exit(1);
}

static FX_UNUSED clex_model *zro_load(void)
{
    clex_model *m = NULL;
    alfe_error_clear();
    int rc = clex_load(ZRO_DIR "/prim.json", ZRO_DIR "/formation_energy_eci.json", &m);
    if (rc != ALFE_OK)
        fail_msg("ZrO: %s", alfe_error_message());
    return m;
}

/* Two Monte Carlo results equal bit for bit (averages, error bars, τ,
 * counts, acceptance, energy). */
static FX_UNUSED int fx_same_mc_result(const mc_result *a, const mc_result *b, int d)
{
    size_t n = sizeof(double) * (size_t)d;
    return !memcmp(a->eta_mean, b->eta_mean, n) && !memcmp(a->mu, b->mu, n) &&
           !memcmp(a->mu_stderr, b->mu_stderr, n) && !memcmp(a->tau, b->tau, n) &&
           a->converged == b->converged && a->passes == b->passes && a->samples == b->samples &&
           a->equilibration_samples == b->equilibration_samples &&
           !memcmp(&a->acceptance, &b->acceptance, sizeof(double)) &&
           !memcmp(&a->energy, &b->energy, sizeof(double));
}

#endif
