/* fuzz_casm.c — the CASM readers (src/lattice/casm_io.c): the input as a
 * prim.json (clex_read_prim, and clex_load against the shipped LCO basis/ECI
 * file) and as a basis/ECI file (clex_load against the shipped prims
 * inputs/lco/prim.json and inputs/zro/prim.json).
 * Checks: no memory error or hang; a model that loads has a factor group,
 * consistent counts and finite ECIs. */
#include "fuzz_common.h"

#include "alfe/lattice/clex.h"

#include <math.h>

#define LCO_PRIM ALFE_SOURCE_DIR "/inputs/lco/prim.json"
#define LCO_ECI ALFE_SOURCE_DIR "/inputs/lco/eci.json"
#define ZRO_PRIM ALFE_SOURCE_DIR "/inputs/zro/prim.json"

static void check_model(const clex_model *m)
{
    if (!m || m->n_ops < 1 || m->n_orbits < 0 || m->n_terms < 0 || m->n_functions < 0 ||
        !isfinite(m->constant) || m->prim.n_sites < 1)
        abort();
    for (int i = 0; i < m->n_orbits; i++)
        if (!isfinite(m->orbits[i].eci) || m->orbits[i].size < 0)
            abort();
    for (int i = 0; i < m->n_functions; i++)
        if (!isfinite(m->functions[i].eci))
            abort();
}

static void load(const char *prim, const char *eci)
{
    clex_model *m = NULL;
    int status = clex_load(prim, eci, &m);
    fuzz_check_status(status);
    if (status == ALFE_OK)
        check_model(m);
    else if (m)
        abort();
    clex_destroy(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("input.json", data, size);
    clex_prim prim;
    memset(&prim, 0, sizeof prim);
    int status = clex_read_prim(path, &prim);
    fuzz_check_status(status);
    if (status == ALFE_OK) {
        clex_prim_free(&prim);
        load(path, LCO_ECI);
    }
    load(LCO_PRIM, path);
    load(ZRO_PRIM, path);
    return 0;
}
