/* casm_io.c — CASM's prim.json and v1 basis/ECI file (basis.json with "eci"
 * entries, as `casm select`/casm-learn write eci.json) into a clex_model.
 * Owns: JSON parsing, every check of those files' content, the model's
 * create/destroy.  Must not do symmetry arithmetic (symmetry.c) or evaluate
 * energies (supercell.c, mc.c).  What is read and refused: docs/clex-input.md. */
#include "alfe/lattice/clex.h"
#include "alfe/lattice/symmetry.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Site functions on sublattices related by symmetry must agree to this
 * (CASM writes them with 6+ digits; they are usually 0, ±1). */
#define PHI_TOL 1e-6
/* The basis file's copy of the prim must match prim.json to this (Å): a
 * guard against pairing files of different projects, not against noise. */
#define PRIM_MATCH_TOL 1e-3
/* A prototype's recorded min_length/max_length must match its distances in
 * prim.json to this (Å); prim.json may differ from the basis file's copy by
 * PRIM_MATCH_TOL per site. */
#define LENGTH_TOL 1e-2

/* ------------------------------------------------------------------------- */
/* JSON helpers */

/* Parse a whole file; a syntax error is reported as path:line:column. */
static int json_parse_file(const char *path, cJSON **root_out)
{
    *root_out = NULL;
    char *text;
    size_t length;
    ALFE_CHECK(alfe_read_text_file(path, &text, &length));
    if (strlen(text) != length) {
        size_t at = strlen(text);
        int line = 1;
        for (size_t i = 0; i < at; i++)
            line += text[i] == '\n';
        free(text);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: malformed JSON: NUL byte (is it a JSON file?)",
                         path, line);
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        /* cJSON leaves `end` at the first character it could not accept. */
        const char *at = end ? end : cJSON_GetErrorPtr();
        if (!at || at < text || at > text + length)
            at = text + length;
        int line = 1;
        const char *line_start = text;
        for (const char *p = text; p < at; p++)
            if (*p == '\n') {
                line++;
                line_start = p + 1;
            }
        char near[24];
        size_t k = 0;
        for (const char *p = at; *p && *p != '\n' && *p != '\r' && k + 1 < sizeof near; p++)
            near[k++] = isprint((unsigned char)*p) ? *p : '?';
        near[k] = '\0';
        int status = ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d:%d: malformed JSON %s%s%s", path, line,
                               (int)(at - line_start) + 1,
                               *at ? "near '" : "(the text ends too early)", near,
                               *at ? "'" : "");
        free(text);
        return status;
    }
    free(text);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: the JSON is not an object {...}", path);
    }
    *root_out = root;
    return ALFE_OK;
}

static const cJSON *json_get(const cJSON *object, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(object, key);
}

/* An integer-valued JSON number in int range; 0 on success. */
static int json_int(const cJSON *item, int *value)
{
    if (!cJSON_IsNumber(item))
        return -1;
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || fabs(v) > 1e9)
        return -1;
    *value = (int)v;
    return 0;
}

static int json_number(const cJSON *item, double *value)
{
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return -1;
    *value = item->valuedouble;
    return 0;
}

static int json_vec3(const cJSON *item, double v[3])
{
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) != 3)
        return -1;
    for (int i = 0; i < 3; i++)
        if (json_number(cJSON_GetArrayItem(item, i), &v[i]) != 0)
            return -1;
    return 0;
}

/* "Va, O" for messages. */
static void occupant_list(const clex_site *site, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int o = 0; o < site->n_occ; o++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", o ? ", " : "", site->occ[o]);
    }
}

static double det3(const double m[3][3])
{
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
           m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

static void inverse3(const double m[3][3], double inv[3][3])
{
    double d = det3(m);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            /* cofactor of m[j][i] */
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]) / d;
        }
}

static double frac_length(const double lattice[3][3], const double d[3])
{
    double cart[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            cart[j] += d[i] * lattice[i][j];
    return sqrt(cart[0] * cart[0] + cart[1] * cart[1] + cart[2] * cart[2]);
}

/* ------------------------------------------------------------------------- */
/* prim */

/* In the prim readers, `where` names the source in messages: "prim.json" or
 * "eci.json: \"prim\"". */

/* "lattice_vectors": 3 rows of 3 numbers (Å), linearly independent. */
static int prim_lattice_read(const cJSON *root, const char *where, clex_prim *prim)
{
    const cJSON *vectors = json_get(root, "lattice_vectors");
    int ok = cJSON_IsArray(vectors) && cJSON_GetArraySize(vectors) == 3;
    for (int i = 0; ok && i < 3; i++)
        ok = json_vec3(cJSON_GetArrayItem(vectors, i), prim->lattice[i]) == 0;
    if (!ok)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: \"lattice_vectors\" must be 3 rows of 3 numbers (Å)", where);
    double volume = det3(prim->lattice);
    double scale = 1.0;
    for (int i = 0; i < 3; i++)
        scale *= sqrt(prim->lattice[i][0] * prim->lattice[i][0] +
                      prim->lattice[i][1] * prim->lattice[i][1] +
                      prim->lattice[i][2] * prim->lattice[i][2]);
    if (!(fabs(volume) > 1e-8 * scale) || scale == 0.0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: \"lattice_vectors\" are linearly dependent (cell volume %g Å^3)",
                         where, volume);
    return ALFE_OK;
}

/* "coordinate_mode": Fractional (or Direct) → 0, Cartesian → 1. */
static int prim_coordinate_mode_read(const cJSON *root, const char *where, int *cartesian)
{
    const cJSON *mode = json_get(root, "coordinate_mode");
    if (!cJSON_IsString(mode))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: \"coordinate_mode\" is missing: give \"Fractional\" or "
                         "\"Cartesian\"",
                         where);
    if (strcasecmp(mode->valuestring, "Fractional") == 0 ||
        strcasecmp(mode->valuestring, "Direct") == 0)
        *cartesian = 0;
    else if (strcasecmp(mode->valuestring, "Cartesian") == 0)
        *cartesian = 1;
    else
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: \"coordinate_mode\" is \"%s\": give \"Fractional\" (or \"Direct\") "
                         "or \"Cartesian\"",
                         where, mode->valuestring);
    return ALFE_OK;
}

/* A site's "occupants" (or the older "occupant_dof"): distinct names. */
static int prim_occupants_read(const cJSON *site, const char *where, int b, clex_site *s)
{
    const cJSON *occupants = json_get(site, "occupants");
    if (!occupants)
        occupants = json_get(site, "occupant_dof"); /* older CASM prims */
    if (!cJSON_IsArray(occupants) || cJSON_GetArraySize(occupants) == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: basis[%d] (sublattice %d): \"occupants\" must be a non-empty "
                         "array of names",
                         where, b, b);
    int n_occ = cJSON_GetArraySize(occupants);
    if (n_occ > CLEX_MAX_OCC)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: basis[%d] (sublattice %d): %d occupants; at most %d are "
                         "supported",
                         where, b, b, n_occ, CLEX_MAX_OCC);
    s->n_occ = n_occ;
    for (int o = 0; o < n_occ; o++) {
        const cJSON *name = cJSON_GetArrayItem(occupants, o);
        if (!cJSON_IsString(name) || name->valuestring[0] == '\0' ||
            strlen(name->valuestring) >= CLEX_NAME)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: basis[%d] (sublattice %d): occupant %d must be a name of "
                             "1 to %d characters",
                             where, b, b, o, CLEX_NAME - 1);
        snprintf(s->occ[o], CLEX_NAME, "%s", name->valuestring);
        for (int p = 0; p < o; p++)
            if (strcmp(s->occ[p], s->occ[o]) == 0)
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "%s: basis[%d] (sublattice %d): occupant \"%s\" is listed "
                                 "twice",
                                 where, b, b, s->occ[o]);
    }
    return ALFE_OK;
}

/* One element b of "basis": its "coordinate" (fractional, or Cartesian
 * converted with the inverse lattice), its occupants, and a position no
 * earlier site has. */
static int prim_site_read(const cJSON *site, const char *where, int b, int cartesian,
                          const double inverse[3][3], clex_prim *prim)
{
    clex_site *s = &prim->sites[b];
    double x[3];
    if (!cJSON_IsObject(site) || json_vec3(json_get(site, "coordinate"), x) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: basis[%d] (sublattice %d): \"coordinate\" must be 3 numbers",
                         where, b, b);
    if (cartesian) {
        /* x_cart = Σ_i f_i a_i, so f = x_cart · L⁻¹ with L's rows a_i. */
        for (int i = 0; i < 3; i++)
            s->frac[i] = x[0] * inverse[0][i] + x[1] * inverse[1][i] + x[2] * inverse[2][i];
    } else {
        memcpy(s->frac, x, sizeof x);
    }
    ALFE_CHECK(prim_occupants_read(site, where, b, s));
    /* Two sites on one spot would make every symmetry ambiguous. */
    for (int c = 0; c < b; c++) {
        double d[3];
        for (int i = 0; i < 3; i++) {
            d[i] = s->frac[i] - prim->sites[c].frac[i];
            d[i] -= round(d[i]);
        }
        if (frac_length(prim->lattice, d) < CLEX_SITE_TOL)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: basis[%d] and basis[%d] (sublattices %d and %d) are at "
                             "the same position",
                             where, c, b, c, b);
    }
    return ALFE_OK;
}

/* A prim object (prim.json, or the basis file's copy): "title",
 * "lattice_vectors", "coordinate_mode", "basis". */
static int prim_from_json(const cJSON *root, const char *where, clex_prim *prim)
{
    memset(prim, 0, sizeof *prim);
    const cJSON *title = json_get(root, "title");
    if (cJSON_IsString(title))
        snprintf(prim->title, sizeof prim->title, "%s", title->valuestring);
    ALFE_CHECK(prim_lattice_read(root, where, prim));
    int cartesian = 0;
    ALFE_CHECK(prim_coordinate_mode_read(root, where, &cartesian));
    const cJSON *basis = json_get(root, "basis");
    if (!cJSON_IsArray(basis) || cJSON_GetArraySize(basis) == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: \"basis\" must be a non-empty array of sites",
                         where);
    int n = cJSON_GetArraySize(basis);
    prim->sites = ALFE_CALLOC((size_t)n, sizeof *prim->sites);
    prim->n_sites = n;
    double inverse[3][3];
    inverse3(prim->lattice, inverse);
    for (int b = 0; b < n; b++)
        ALFE_CHECK(prim_site_read(cJSON_GetArrayItem(basis, b), where, b, cartesian,
                                  (const double (*)[3])inverse, prim));
    return ALFE_OK;
}

int clex_read_prim(const char *path, clex_prim *prim)
{
    memset(prim, 0, sizeof *prim);
    cJSON *root;
    ALFE_CHECK(json_parse_file(path, &root));
    int status = prim_from_json(root, path, prim);
    cJSON_Delete(root);
    if (status != ALFE_OK) {
        clex_prim_free(prim);
        alfe_trace_at(__FILE__, __LINE__, __func__);
    }
    return status;
}

void clex_prim_free(clex_prim *prim)
{
    if (!prim)
        return;
    ALFE_FREE(prim->sites);
    prim->n_sites = 0;
}

int clex_occupant_index(const clex_prim *prim, int b, const char *name)
{
    if (b < 0 || b >= prim->n_sites)
        return -1;
    for (int o = 0; o < prim->sites[b].n_occ; o++)
        if (strcmp(prim->sites[b].occ[o], name) == 0)
            return o;
    return -1;
}

/* The basis file carries a copy of the prim its orbits were made for; the
 * prototypes' [b, i, j, k] only mean something for that prim. */
static int prim_compare(const clex_prim *mine, const char *prim_path, const clex_prim *copy,
                        const char *eci_path)
{
    if (mine->n_sites != copy->n_sites)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: its \"prim\" has %d sites but %s has %d: the basis file was made "
                         "for another prim",
                         eci_path, copy->n_sites, prim_path, mine->n_sites);
    for (int i = 0; i < 3; i++) {
        double d[3];
        for (int j = 0; j < 3; j++)
            d[j] = mine->lattice[i][j] - copy->lattice[i][j];
        if (sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) > PRIM_MATCH_TOL)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: lattice vector %d of its \"prim\" differs from %s by more "
                             "than %g Å: the basis file was made for another prim",
                             eci_path, i, prim_path, PRIM_MATCH_TOL);
    }
    for (int b = 0; b < mine->n_sites; b++) {
        const clex_site *a = &mine->sites[b], *c = &copy->sites[b];
        int same = a->n_occ == c->n_occ;
        for (int o = 0; same && o < a->n_occ; o++)
            same = strcmp(a->occ[o], c->occ[o]) == 0;
        if (!same) {
            char la[256], lc[256];
            occupant_list(a, la, sizeof la);
            occupant_list(c, lc, sizeof lc);
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: sublattice %d of its \"prim\" has occupants [%s] but %s has "
                             "[%s] (same names in the same order are needed)",
                             eci_path, b, lc, prim_path, la);
        }
        double d[3];
        for (int i = 0; i < 3; i++)
            d[i] = a->frac[i] - c->frac[i];
        if (frac_length(mine->lattice, d) > PRIM_MATCH_TOL)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: sublattice %d of its \"prim\" is at (%.6f %.6f %.6f) but in %s "
                             "at (%.6f %.6f %.6f) (fractional): the basis file was made for "
                             "another prim",
                             eci_path, b, c->frac[0], c->frac[1], c->frac[2], prim_path,
                             a->frac[0], a->frac[1], a->frac[2]);
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------- */
/* site basis functions */

/* "\phi_{b,f}" → b, f; 0 on success. */
static int parse_phi_name(const char *s, int *b, int *f)
{
    char tail;
    if (sscanf(s, "\\phi_{%d,%d%c", b, f, &tail) != 3 || tail != '}')
        return -1;
    const char *close = strchr(s, '}');
    return close && close[1] == '\0' ? 0 : -1;
}

/* bspecs' occupation site basis type, or NULL when it names none. */
static const char *bspecs_site_basis(const cJSON *root)
{
    const cJSON *bspecs = json_get(root, "bspecs");
    const cJSON *type =
        json_get(json_get(json_get(json_get(bspecs, "basis_function_specs"), "dof_specs"), "occ"),
                 "site_basis_functions");
    if (!type) /* CASM 0.x layout */
        type = json_get(json_get(bspecs, "basis_functions"), "site_basis_functions");
    if (!type)
        return NULL;
    return cJSON_IsString(type) ? type->valuestring : "(not a name)";
}

/* No values in the file: CASM's "occupation" basis, φ_{b,f}(s) = 1 when the
 * site holds its (f+1)-th listed occupant, else 0 (the first occupant is the
 * reference; casm-bset docs, "Occupation site basis functions"). */
static int site_functions_occupation(clex_model *m, const cJSON *root, const char *path)
{
    const char *type = bspecs_site_basis(root);
    if (!type)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: has no \"site_functions\" values and no bspecs "
                         "site_basis_functions: alfe cannot tell the site basis",
                         path);
    if (strcasecmp(type, "occupation") != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: has no \"site_functions\" values and its bspecs "
                         "site_basis_functions is \"%s\": alfe rebuilds only the OCCUPATION "
                         "basis; give the file with its site_functions (as casm bset writes "
                         "basis.json)",
                         path, type);
    for (int b = 0; b < m->prim.n_sites; b++) {
        m->n_func[b] = m->prim.sites[b].n_occ - 1;
        for (int f = 0; f < m->n_func[b]; f++)
            for (int o = 0; o < m->prim.sites[b].n_occ; o++)
                m->phi[b][f][o] = o == f + 1 ? 1.0 : 0.0;
    }
    return ALFE_OK;
}

/* One site function "\\phi_{b,f}": {occupant: value, ...} of sublattice b
 * (occupants: the site's names for messages): a function of this site not
 * given before, with a finite value for every occupant. */
static int site_function_read(clex_model *m, int b, const cJSON *function,
                              const char *occupants, const char *path, int *given)
{
    const clex_site *site = &m->prim.sites[b];
    int fb, f;
    if (parse_phi_name(function->string, &fb, &f) != 0 || fb != b || f < 0 ||
        f >= site->n_occ - 1 || given[f])
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions: sublattice %d (occupants [%s]): \"%s\" "
                         "is not one of \\phi_{%d,0}..\\phi_{%d,%d}, each once",
                         path, b, occupants, function->string, b, b, site->n_occ - 2);
    given[f] = 1;
    if (!cJSON_IsObject(function))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions: %s of sublattice %d must be an object "
                         "{occupant: value}",
                         path, function->string, b);
    int have[CLEX_MAX_OCC] = {0};
    const cJSON *value;
    cJSON_ArrayForEach(value, function)
    {
        int o = clex_occupant_index(&m->prim, b, value->string);
        if (o < 0)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: site_functions: %s gives a value for occupant \"%s\", "
                             "which sublattice %d of the prim does not have (its "
                             "occupants: [%s])",
                             path, function->string, value->string, b, occupants);
        if (json_number(value, &m->phi[b][f][o]) != 0)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: site_functions: %s of occupant \"%s\" (sublattice %d) "
                             "is not a finite number",
                             path, function->string, value->string, b);
        have[o] = 1;
    }
    for (int o = 0; o < site->n_occ; o++)
        if (!have[o])
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: site_functions: %s gives no value for occupant \"%s\" "
                             "of sublattice %d",
                             path, function->string, site->occ[o], b);
    m->n_func[b]++;
    return ALFE_OK;
}

/* One element e of "site_functions": {"sublat": b, "occ": {"basis": null |
 * {"\\phi_{b,f}": ...}}} (or "basis" directly in the entry); each sublattice
 * once (seen), n_occ − 1 functions for a site with 2+ occupants. */
static int site_functions_entry_read(clex_model *m, const cJSON *entry, int e, int *seen,
                                     const char *path)
{
    int n = m->prim.n_sites;
    int b = e;
    const cJSON *sublat = json_get(entry, "sublat");
    if (sublat && json_int(sublat, &b) != 0)
        b = -1;
    if (!cJSON_IsObject(entry) || b < 0 || b >= n)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions[%d]: \"sublat\" must be a sublattice "
                         "0..%d",
                         path, e, n - 1);
    if (seen[b]++)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions[%d]: sublattice %d is given twice", path, e, b);
    const clex_site *site = &m->prim.sites[b];
    char occupants[256];
    occupant_list(site, occupants, sizeof occupants);
    const cJSON *holder = json_get(entry, "occ") ? json_get(entry, "occ") : entry;
    if (!cJSON_HasObjectItem(holder, "basis"))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions[%d] (sublattice %d) has no \"occ\": "
                         "{\"basis\": ...}",
                         path, e, b);
    const cJSON *basis = json_get(holder, "basis");
    if (cJSON_IsNull(basis)) {
        if (site->n_occ > 1)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: site_functions: sublattice %d has occupants [%s] but its "
                             "basis is null",
                             path, b, occupants);
        return ALFE_OK;
    }
    if (!cJSON_IsObject(basis))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions: the basis of sublattice %d must be null or "
                         "an object {\"\\\\phi_{b,f}\": {occupant: value}}",
                         path, b);
    int given[CLEX_MAX_FUNC] = {0};
    const cJSON *function;
    cJSON_ArrayForEach(function, basis)
    {
        ALFE_CHECK(site_function_read(m, b, function, occupants, path, given));
    }
    if (m->n_func[b] != site->n_occ - 1)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: site_functions: sublattice %d has %d occupants ([%s]) and "
                         "needs %d site functions, the file gives %d",
                         path, b, site->n_occ, occupants, site->n_occ - 1, m->n_func[b]);
    return ALFE_OK;
}

/* "site_functions": the values φ_{b,f}(occupant) of every sublattice, or,
 * when the file gives none, the occupation basis its bspecs name. */
static int site_functions_read(clex_model *m, const cJSON *root, const char *path)
{
    int n = m->prim.n_sites;
    m->phi = ALFE_CALLOC((size_t)n, sizeof *m->phi);
    m->n_func = ALFE_CALLOC((size_t)n, sizeof *m->n_func);
    const cJSON *list = json_get(root, "site_functions");
    if (!list || cJSON_IsNull(list))
        return site_functions_occupation(m, root, path);
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) != n)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: \"site_functions\" must be an array with one entry per prim site "
                         "(%d)",
                         path, n);
    /* Entries without any "basis" (only sublat/asym_unit): no values given. */
    int with_values = 0;
    const cJSON *entry_scan;
    cJSON_ArrayForEach(entry_scan, list)
    {
        const cJSON *holder = json_get(entry_scan, "occ") ? json_get(entry_scan, "occ")
                                                          : entry_scan;
        with_values += cJSON_HasObjectItem(holder, "basis") != 0;
    }
    if (with_values == 0)
        return site_functions_occupation(m, root, path);
    int *seen = ALFE_CALLOC((size_t)n, sizeof *seen);
    int status = ALFE_OK;
    for (int e = 0; e < n && status == ALFE_OK; e++)
        status = site_functions_entry_read(m, cJSON_GetArrayItem(list, e), e, seen, path);
    free(seen);
    return status;
}

/* Orbits map sublattice b onto b' with φ_{b,f} ↦ φ_{b',f}: that is only
 * right when the two functions take the same value on each occupant. */
static int site_functions_check_symmetry(const clex_model *m, const char *path)
{
    const clex_prim *prim = &m->prim;
    for (int k = 0; k < m->n_ops; k++)
        for (int b = 0; b < prim->n_sites; b++) {
            clex_ucoord in = {b, {0, 0, 0}}, out;
            ALFE_CHECK(clex_apply_op(prim, &m->ops[k], &in, &out));
            int c = out.b;
            if (c == b)
                continue;
            if (m->n_func[b] != m->n_func[c])
                return ALFE_FAIL(ALFE_ERR_INPUT,
                                 "%s: site_functions: sublattices %d and %d are equivalent by "
                                 "symmetry but have %d and %d site functions",
                                 path, b, c, m->n_func[b], m->n_func[c]);
            for (int f = 0; f < m->n_func[b]; f++)
                for (int o = 0; o < prim->sites[b].n_occ; o++) {
                    int oc = clex_occupant_index(prim, c, prim->sites[b].occ[o]);
                    double vb = m->phi[b][f][o], vc = oc >= 0 ? m->phi[c][f][oc] : NAN;
                    if (!(fabs(vb - vc) <= PHI_TOL))
                        return ALFE_FAIL(ALFE_ERR_INPUT,
                                         "%s: site_functions: sublattices %d and %d are "
                                         "equivalent by symmetry but \\phi_{%d,%d}(%s) = %g and "
                                         "\\phi_{%d,%d}(%s) = %g differ: the orbit expansion "
                                         "needs the same site functions on equivalent sites",
                                         path, b, c, b, f, prim->sites[b].occ[o], vb, c, f,
                                         prim->sites[b].occ[o], vc);
                }
        }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------- */
/* cluster functions */

static int read_uint(const char **p, int *value)
{
    if (!isdigit((unsigned char)**p))
        return -1;
    long v = 0;
    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        if (v > 1000000)
            return -1;
        (*p)++;
    }
    *value = (int)v;
    return 0;
}

static int expect(const char **p, const char *text)
{
    size_t n = strlen(text);
    if (strncmp(*p, text, n) != 0)
        return -1;
    *p += n;
    return 0;
}

/* A cluster function "\phi_{b,f}(s_{k})\phi_{...}(s_{...})...": one product
 * with every prototype site k exactly once, b = the sublattice of site k.
 * Fills prototype->func; on failure writes why into `why`. */
static int parse_cluster_function(const char *text, const clex_model *m, clex_term *prototype,
                                  char *why, size_t why_size)
{
    if (prototype->size == 0) {
        const char *p = text;
        while (isspace((unsigned char)*p))
            p++;
        int one = expect(&p, "1") == 0;
        while (isspace((unsigned char)*p))
            p++;
        if (!one || *p) {
            snprintf(why, why_size, "is not \"1\", the empty cluster's function");
            return -1;
        }
        return 0;
    }
    if (strchr(text, '+') || strchr(text, '[')) {
        snprintf(why, why_size,
                 "is a sum of products; alfe reads one product \\phi_{b,f}(s_{k})... per "
                 "cluster function");
        return -1;
    }
    int seen[CLEX_MAX_CLUSTER] = {0};
    const char *p = text;
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        int b, f, k;
        if (expect(&p, "\\phi_{") || read_uint(&p, &b) || expect(&p, ",") || read_uint(&p, &f) ||
            expect(&p, "}(s_{") || read_uint(&p, &k) || expect(&p, "})")) {
            snprintf(why, why_size,
                     "has unexpected text at character %d (\"%.16s\"); only products of "
                     "\\phi_{b,f}(s_{k}) of occupation site functions are supported",
                     (int)(start - text) + 1, start);
            return -1;
        }
        if (k >= prototype->size) {
            snprintf(why, why_size, "refers to site s_{%d} but the prototype has sites 0..%d", k,
                     prototype->size - 1);
            return -1;
        }
        if (seen[k]++) {
            snprintf(why, why_size, "uses site s_{%d} twice", k);
            return -1;
        }
        if (b != prototype->sites[k].b) {
            snprintf(why, why_size,
                     "has \\phi_{%d,%d}(s_{%d}) but prototype site %d is on sublattice %d", b, f,
                     k, k, prototype->sites[k].b);
            return -1;
        }
        if (f >= m->n_func[b]) {
            snprintf(why, why_size,
                     "has \\phi_{%d,%d} but sublattice %d has %d site function(s)", b, f, b,
                     m->n_func[b]);
            return -1;
        }
        prototype->func[k] = f;
    }
    for (int k = 0; k < prototype->size; k++)
        if (!seen[k]) {
            snprintf(why, why_size, "has no factor for prototype site s_{%d}", k);
            return -1;
        }
    return 0;
}

/* The "\Phi_{n}" entry of one cluster function object. */
static const cJSON *cluster_function_text(const cJSON *function)
{
    const cJSON *item;
    cJSON_ArrayForEach(item, function)
    {
        if (item->string && strncmp(item->string, "\\Phi", 4) == 0 && cJSON_IsString(item))
            return item;
    }
    return NULL;
}

static void terms_append(clex_model *m, int *capacity, const clex_term *terms, int n)
{
    if (m->n_terms + n > *capacity) {
        while (m->n_terms + n > *capacity)
            *capacity = *capacity ? 2 * *capacity : 256;
        m->terms = ALFE_REALLOC(m->terms, sizeof *m->terms * (size_t)*capacity);
    }
    memcpy(m->terms + m->n_terms, terms, sizeof *terms * (size_t)n);
    m->n_terms += n;
}

/* An orbit's own keys: "linear_orbit_index" (unique) and "mult". */
static int orbit_keys_read(clex_model *m, const cJSON *orbit, int position, const char *path)
{
    clex_orbit_info *info = &m->orbits[position];
    if (!cJSON_IsObject(orbit) || json_int(json_get(orbit, "linear_orbit_index"), &info->index) ||
        info->index < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbits[%d] has no \"linear_orbit_index\" (a non-negative "
                         "integer)",
                         path, position);
    int index = info->index;
    for (int q = 0; q < position; q++)
        if (m->orbits[q].index == index)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: orbits[%d] and orbits[%d] both have linear_orbit_index %d",
                             path, q, position, index);
    if (json_int(json_get(orbit, "mult"), &info->mult) || info->mult < 1)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: \"mult\" must be a positive "
                         "integer",
                         path, index);
    return ALFE_OK;
}

/* One element of "prototype"/"sites": [b, i, j, k], a site with a site
 * function, not repeating an earlier site of the prototype. */
static int prototype_site_read(const clex_model *m, const cJSON *site, int index, int k,
                               const char *path, clex_term *prototype)
{
    const clex_prim *prim = &m->prim;
    int v[4];
    int ok = cJSON_IsArray(site) && cJSON_GetArraySize(site) == 4;
    for (int i = 0; ok && i < 4; i++)
        ok = json_int(cJSON_GetArrayItem(site, i), &v[i]) == 0;
    if (!ok)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: prototype site %d must be 4 "
                         "integers [sublattice, i, j, k]",
                         path, index, k);
    if (v[0] < 0 || v[0] >= prim->n_sites)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: prototype site %d has "
                         "sublattice %d but the prim has sublattices 0..%d",
                         path, index, k, v[0], prim->n_sites - 1);
    if (m->n_func[v[0]] == 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: prototype site %d is on "
                         "sublattice %d, which has a single occupant (%s) and no site "
                         "function",
                         path, index, k, v[0], prim->sites[v[0]].occ[0]);
    prototype->sites[k].b = v[0];
    for (int i = 0; i < 3; i++)
        prototype->sites[k].cell[i] = v[i + 1];
    for (int q = 0; q < k; q++)
        if (prototype->sites[q].b == v[0] && prototype->sites[q].cell[0] == v[1] &&
            prototype->sites[q].cell[1] == v[2] && prototype->sites[q].cell[2] == v[3])
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: orbit with linear_orbit_index %d: prototype sites %d and %d "
                             "are the same site",
                             path, index, q, k);
    return ALFE_OK;
}

/* CASM records the prototype's shortest and longest site-to-site distances
 * ("min_length", "max_length"): a cheap guard against a corrupted or foreign
 * prototype that would still expand to the recorded mult. */
static int prototype_lengths_check(const clex_model *m, const cJSON *prototype_json,
                                   const clex_term *prototype, int index, const char *path)
{
    const clex_prim *prim = &m->prim;
    double shortest = 0.0, longest = 0.0;
    for (int k = 0; k < prototype->size; k++)
        for (int q = 0; q < k; q++) {
            double d[3];
            for (int i = 0; i < 3; i++)
                d[i] = prim->sites[prototype->sites[k].b].frac[i] + prototype->sites[k].cell[i] -
                       prim->sites[prototype->sites[q].b].frac[i] - prototype->sites[q].cell[i];
            double r = frac_length(prim->lattice, d);
            shortest = (q == 0 && k == 1) || r < shortest ? r : shortest;
            longest = r > longest ? r : longest;
        }
    const char *length_keys[2] = {"min_length", "max_length"};
    const double lengths[2] = {shortest, longest};
    for (int i = 0; i < 2; i++) {
        double recorded;
        const cJSON *item = json_get(prototype_json, length_keys[i]);
        if (item && json_number(item, &recorded) == 0 &&
            fabs(recorded - lengths[i]) > LENGTH_TOL)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: orbit with linear_orbit_index %d: the prototype's %s "
                             "site-to-site distance is %.6f Å in the prim of %s but the file "
                             "records %s = %.6f Å",
                             path, index, i ? "longest" : "shortest", lengths[i],
                             m->source[0], length_keys[i], recorded);
    }
    return ALFE_OK;
}

/* The orbit's "prototype": {"sites": [[b, i, j, k], ...], "min_length",
 * "max_length"} into an undecorated term of orbit `index`. */
static int prototype_read(clex_model *m, const cJSON *orbit, int position, const char *path,
                          clex_term *prototype)
{
    clex_orbit_info *info = &m->orbits[position];
    int index = info->index;
    const cJSON *prototype_json = json_get(orbit, "prototype");
    const cJSON *sites = json_get(prototype_json, "sites");
    if (!cJSON_IsArray(sites))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: \"prototype\": {\"sites\": "
                         "[[b, i, j, k], ...]} is missing",
                         path, index);
    int size = cJSON_GetArraySize(sites);
    if (size > CLEX_MAX_CLUSTER)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: the prototype has %d sites; alfe "
                         "supports clusters of at most %d sites (CLEX_MAX_CLUSTER)",
                         path, index, size, CLEX_MAX_CLUSTER);
    info->size = size;
    memset(prototype, 0, sizeof *prototype);
    prototype->size = size;
    prototype->orbit = index;
    for (int k = 0; k < size; k++)
        ALFE_CHECK(prototype_site_read(m, cJSON_GetArrayItem(sites, k), index, k, path,
                                       prototype));
    return prototype_lengths_check(m, prototype_json, prototype, index, path);
}

/* One element n of "cluster_functions": its "\\Phi_{n}" string decorates
 * the prototype, its "eci" and "linear_function_index" are recorded in
 * m->functions. */
static int cluster_function_read(clex_model *m, const cJSON *function, int index, int n,
                                 const char *path, int *function_capacity,
                                 clex_term *decorated, double *eci, int *function_index)
{
    const cJSON *text = cluster_function_text(function);
    if (!text)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: cluster_functions[%d] has "
                         "no \"\\\\Phi_{n}\" function string",
                         path, index, n);
    const cJSON *linear = json_get(function, "linear_function_index");
    if (linear && json_int(linear, function_index) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: cluster_functions[%d]: "
                         "\"linear_function_index\" must be an integer",
                         path, index, n);
    const cJSON *eci_item = json_get(function, "eci");
    if (eci_item && json_number(eci_item, eci) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: cluster_functions[%d]: "
                         "\"eci\" must be a finite number",
                         path, index, n);
    char why[256];
    if (parse_cluster_function(text->valuestring, m, decorated, why, sizeof why) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: cluster function %s = "
                         "\"%s\" %s",
                         path, index, text->string, text->valuestring, why);
    if (m->n_functions == *function_capacity) {
        *function_capacity = *function_capacity ? 2 * *function_capacity : 128;
        m->functions = ALFE_REALLOC(m->functions,
                                    sizeof *m->functions * (size_t)*function_capacity);
    }
    m->functions[m->n_functions++] =
        (clex_function_info){.index = *function_index, .orbit = index, .eci = *eci};
    return ALFE_OK;
}

/* Expand one decorated cluster function with the factor group; the first
 * expansion of an orbit also checks its multiplicity.  Non-zero ECI become
 * terms (or the constant for the empty cluster). */
static int orbit_function_expand(clex_model *m, clex_orbit_info *info, clex_term *decorated,
                                 const char *path, int *counted, int *term_capacity)
{
    double eci = decorated->weight;
    clex_term *images;
    int n_images, n_clusters;
    ALFE_CHECK(clex_orbit_expand(&m->prim, m->ops, m->n_ops, decorated, &images, &n_images,
                                 &n_clusters));
    if (!*counted) {
        *counted = 1;
        info->expanded = n_clusters;
        if (n_clusters != info->mult) {
            free(images);
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: orbit with linear_orbit_index %d: expanding its prototype "
                             "with the prim's %d symmetry operations gives %d clusters per "
                             "prim cell but the file records mult = %d (basis file of "
                             "another prim, or coordinates too imprecise for the symmetry "
                             "tolerance %g Å?)",
                             path, info->index, m->n_ops, n_clusters, info->mult, CLEX_SYMPREC);
        }
    }
    if (eci != 0.0) {
        if (decorated->size == 0)
            m->constant += eci;
        else
            terms_append(m, term_capacity, images, n_images);
    }
    free(images);
    return ALFE_OK;
}

/* One element of "orbits": its keys, its prototype, then each of its
 * "cluster_functions", expanded and appended as terms. */
static int orbit_read(clex_model *m, const cJSON *orbit, int position, const char *path,
                      int *term_capacity, int *function_capacity)
{
    clex_orbit_info *info = &m->orbits[position];
    ALFE_CHECK(orbit_keys_read(m, orbit, position, path));
    int index = info->index;
    clex_term prototype;
    ALFE_CHECK(prototype_read(m, orbit, position, path, &prototype));
    const cJSON *functions = json_get(orbit, "cluster_functions");
    if (!cJSON_IsArray(functions))
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: orbit with linear_orbit_index %d: \"cluster_functions\" is missing",
                         path, index);
    int n_functions = cJSON_GetArraySize(functions);
    info->n_functions = n_functions;
    /* The multiplicity does not depend on the decoration: count it with the
     * first function's (or none), then expand each function on its own. */
    int counted = 0;
    for (int n = 0; n <= n_functions; n++) {
        clex_term decorated = prototype;
        double eci = 0.0;
        int function_index = -1;
        if (n < n_functions) {
            ALFE_CHECK(cluster_function_read(m, cJSON_GetArrayItem(functions, n), index, n, path,
                                             function_capacity, &decorated, &eci,
                                             &function_index));
            if (n == 0)
                info->eci = eci;
        } else if (counted) {
            break;
        }
        if (counted && eci == 0.0)
            continue;
        decorated.function = function_index;
        decorated.weight = eci;
        ALFE_CHECK(orbit_function_expand(m, info, &decorated, path, &counted, term_capacity));
    }
    return ALFE_OK;
}

/* ------------------------------------------------------------------------- */
/* the model */

/* CASM's prim is primitive; a pure translation in the group would make
 * `mult` (clusters per prim cell) mean something else. */
static int prim_check_primitive(const clex_model *m, const char *prim_path)
{
    for (int k = 0; k < m->n_ops; k++) {
        const clex_symop *op = &m->ops[k];
        int identity = 1;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                identity &= op->rot[i][j] == (i == j);
        double t[3];
        for (int i = 0; i < 3; i++)
            t[i] = op->trans[i] - round(op->trans[i]);
        if (identity && frac_length(m->prim.lattice, t) > CLEX_SITE_TOL)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: the prim is not primitive: the translation (%.6f %.6f %.6f) "
                             "(fractional) maps it onto itself; CASM's prim must be primitive",
                             prim_path, op->trans[0], op->trans[1], op->trans[2]);
    }
    return ALFE_OK;
}

/* The basis file's "prim" (when present) is the prim of prim.json. */
static int embedded_prim_check(const clex_prim *prim, const char *prim_path, const cJSON *copy,
                               const char *eci_path)
{
    if (!copy)
        return ALFE_OK;
    char where[600];
    snprintf(where, sizeof where, "%s: \"prim\"", eci_path);
    clex_prim embedded;
    memset(&embedded, 0, sizeof embedded);
    int status = cJSON_IsObject(copy) ? prim_from_json(copy, where, &embedded)
                                      : ALFE_FAIL(ALFE_ERR_INPUT, "%s: is not an object", where);
    if (status == ALFE_OK)
        status = prim_compare(prim, prim_path, &embedded, eci_path);
    clex_prim_free(&embedded);
    return status;
}

/* "bspecs"/"basis_function_specs"/"dofs", when present, lists "occ" only. */
static int bspecs_check_dofs(const cJSON *root, const char *eci_path)
{
    const cJSON *dofs = json_get(json_get(json_get(root, "bspecs"), "basis_function_specs"),
                                 "dofs");
    const cJSON *dof;
    cJSON_ArrayForEach(dof, dofs)
    {
        if (!cJSON_IsString(dof) || strcmp(dof->valuestring, "occ") != 0)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: bspecs \"dofs\" lists \"%s\": alfe reads occupation "
                             "(\"occ\") cluster expansions only",
                             eci_path, cJSON_IsString(dof) ? dof->valuestring : "?");
    }
    return ALFE_OK;
}

static int model_read(clex_model *m, const char *prim_path, const char *eci_path)
{
    ALFE_CHECK(clex_read_prim(prim_path, &m->prim));
    const clex_prim *prim = &m->prim;
    int variable = 0;
    for (int b = 0; b < prim->n_sites; b++)
        variable += prim->sites[b].n_occ >= 2;
    if (!variable)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: no site has two or more occupants: there is nothing to expand "
                         "(a variable site lists e.g. \"occupants\": [\"Va\", \"Li\"])",
                         prim_path);
    ALFE_CHECK(clex_factor_group(prim, &m->ops, &m->n_ops));
    ALFE_CHECK(prim_check_primitive(m, prim_path));

    cJSON *root;
    ALFE_CHECK(json_parse_file(eci_path, &root));
    int status = embedded_prim_check(prim, prim_path, json_get(root, "prim"), eci_path);
    if (status == ALFE_OK)
        status = bspecs_check_dofs(root, eci_path);
    if (status == ALFE_OK)
        status = site_functions_read(m, root, eci_path);
    if (status == ALFE_OK)
        status = site_functions_check_symmetry(m, eci_path);
    const cJSON *orbits = json_get(root, "orbits");
    if (status == ALFE_OK && (!cJSON_IsArray(orbits) || cJSON_GetArraySize(orbits) == 0))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: \"orbits\" must be a non-empty array", eci_path);
    if (status == ALFE_OK) {
        m->n_orbits = cJSON_GetArraySize(orbits);
        m->orbits = ALFE_CALLOC((size_t)m->n_orbits, sizeof *m->orbits);
        int term_capacity = 0, function_capacity = 0;
        for (int q = 0; q < m->n_orbits && status == ALFE_OK; q++)
            status = orbit_read(m, cJSON_GetArrayItem(orbits, q), q, eci_path, &term_capacity,
                                &function_capacity);
    }
    cJSON_Delete(root);
    if (status != ALFE_OK)
        alfe_trace_at(__FILE__, __LINE__, __func__);
    return status;
}

int clex_load(const char *prim_path, const char *eci_path, clex_model **out)
{
    *out = NULL;
    clex_model *m = ALFE_CALLOC(1, sizeof *m);
    snprintf(m->source[0], sizeof m->source[0], "%s", prim_path);
    snprintf(m->source[1], sizeof m->source[1], "%s", eci_path);
    int status = model_read(m, prim_path, eci_path);
    if (status != ALFE_OK) {
        clex_destroy(&m);
        alfe_trace_at(__FILE__, __LINE__, __func__);
        return status;
    }
    *out = m;
    return ALFE_OK;
}

void clex_destroy(clex_model **model)
{
    if (!model || !*model)
        return;
    clex_model *m = *model;
    clex_prim_free(&m->prim);
    free(m->phi);
    free(m->n_func);
    free(m->orbits);
    free(m->terms);
    free(m->functions);
    free(m->ops);
    free(m);
    *model = NULL;
}
