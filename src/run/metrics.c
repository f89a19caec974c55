/* metrics.c — [metrics] regions: made or read, stored in the campaign, and
 * `alfe regions` (metrics.h).
 * Owns: nothing.  MPI only through comm.h. */
#include "alfe/run/metrics.h"

#include "alfe/acquire/regions.h"
#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/log.h"
#include "alfe/base/table.h"
#include "alfe/base/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_region_file(const alfe_config *cfg, const config_region *cr, campaign_region *r)
{
    const int d = cfg->dimension;
    char why[128];
    snprintf(why, sizeof why, "expected %d: d = %d eta columns then d = %d mu columns", 2 * d, d,
             d);
    table_shape shape = {.columns = 2 * d, .why = why};
    number_table *t = NULL;
    int status = table_read(cr->path, &shape, &t);
    if (status != ALFE_OK) {
        char inner[2048];
        snprintf(inner, sizeof inner, "%s", alfe_error_message());
        alfe_error_clear();
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s:%d: [metrics] regions: region '%s': %s",
                         cfg->config_path, config_key_line(cfg, "metrics", "regions"), cr->name,
                         inner);
    }
    r->n = t->rows;
    r->eta = ALFE_MALLOC(sizeof(double) * (size_t)(t->rows ? t->rows : 1) * d);
    r->mu = ALFE_MALLOC(sizeof(double) * (size_t)(t->rows ? t->rows : 1) * d);
    for (int i = 0; i < t->rows; i++)
        for (int j = 0; j < d; j++) {
            r->eta[(size_t)i * d + j] = t->values[(size_t)i * 2 * d + j];
            r->mu[(size_t)i * d + j] = t->values[(size_t)i * 2 * d + d + j];
        }
    table_destroy(&t);
    size_t n = strlen(cr->file) + 8;
    r->source = ALFE_MALLOC(n);
    snprintf(r->source, n, "file:%s", cr->file);
    r->definition = ALFE_STRDUP("rows of the file: eta (d columns) then reference mu (d columns)");
    return ALFE_OK;
}

int metrics_make_regions(const alfe_system *sys, int autos_only, region_set **out)
{
    *out = NULL;
    const alfe_config *cfg = sys->cfg;
    config_region *cr = NULL;
    int n = 0;
    ALFE_CHECK(config_regions(cfg, &cr, &n));
    if (n == 0)
        return ALFE_OK;
    region_set *set = ALFE_CALLOC(1, sizeof *set);
    set->d = cfg->dimension;
    oracle_model o;
    if (cfg->model == MODEL_ORACLE)
        system_oracle_model(sys, &o);
    int status = ALFE_OK;
    for (int i = 0; i < n && status == ALFE_OK; i++) {
        if (autos_only && cr[i].path)
            continue;
        campaign_region *r = &set->r[set->n++];
        snprintf(r->name, sizeof r->name, "%s", cr[i].name);
        if (cr[i].path) {
            status = read_region_file(cfg, &cr[i], r);
            continue;
        }
        region_settings s = {.seed = cfg->seed,
                             .n_points = cfg->metrics_region_points,
                             .well_radius = cfg->metrics_well_radius,
                             .special_eta = sys->special_eta,
                             .n_special = sys->n_special};
        char definition[1024];
        status = region_make(&o, (enum region_kind)region_kind_of(cr[i].name), &s, &r->eta,
                             &r->mu, &r->n, definition, sizeof definition);
        if (status == ALFE_OK) {
            r->definition = ALFE_STRDUP(definition);
            size_t len = strlen(cr[i].name) + 8;
            r->source = ALFE_MALLOC(len);
            snprintf(r->source, len, "auto:%s", cr[i].name);
        }
    }
    config_regions_free(&cr, n);
    if (status != ALFE_OK) {
        region_set_destroy(&set);
        return status;
    }
    *out = set;
    return ALFE_OK;
}

/* Collective: rank 0's set to every rank (others' *set replaced). */
static void bcast_set(region_set **setp)
{
    int present = comm_rank() == 0 ? *setp != NULL : 0;
    comm_bcast_int(&present, 0);
    if (!present)
        return;
    if (comm_rank() != 0) {
        region_set_destroy(setp);
        *setp = ALFE_CALLOC(1, sizeof **setp);
    }
    region_set *s = *setp;
    comm_bcast_int(&s->d, 0);
    comm_bcast_int(&s->n, 0);
    for (int i = 0; i < s->n; i++) {
        campaign_region *r = &s->r[i];
        comm_bcast_bytes(r->name, sizeof r->name, 0);
        comm_bcast_int(&r->n, 0);
        comm_bcast_string(&r->source, 0);
        comm_bcast_string(&r->definition, 0);
        size_t nd = (size_t)r->n * (size_t)s->d;
        if (comm_rank() != 0) {
            r->eta = ALFE_MALLOC(sizeof(double) * (nd ? nd : 1));
            r->mu = ALFE_MALLOC(sizeof(double) * (nd ? nd : 1));
        }
        comm_bcast_doubles(r->eta, nd, 0);
        comm_bcast_doubles(r->mu, nd, 0);
    }
}

int metrics_campaign_regions(const alfe_system *sys, campaign *c, region_set *made,
                             region_set **out)
{
    *out = NULL;
    const alfe_config *cfg = sys->cfg;
    const int configured = (cfg->metrics_regions && cfg->metrics_regions[0]) ||
                           (cfg->metrics_auto_regions && cfg->metrics_auto_regions[0]);
    region_set *set = NULL;
    int status = ALFE_OK;
    if (campaign_has_regions(c)) {
        region_set_destroy(&made);
        if (comm_rank() == 0)
            status = campaign_read_regions(c, &set);
        status = comm_agree_status(status);
        if (status == ALFE_OK)
            bcast_set(&set);
    } else if (configured) {
        if (comm_rank() == 0)
            status = made ? (set = made, ALFE_OK) : metrics_make_regions(sys, 0, &set);
        else
            region_set_destroy(&made);
        status = comm_agree_status(status);
        if (status == ALFE_OK)
            bcast_set(&set);
        if (status == ALFE_OK && set)
            status = campaign_write_regions(c, set);
        for (int i = 0; status == ALFE_OK && set && i < set->n; i++)
            log_line("region %s: %d rows (%s): %s", set->r[i].name, set->r[i].n,
                     set->r[i].source, set->r[i].definition);
    } else {
        region_set_destroy(&made);
    }
    if (status != ALFE_OK) {
        region_set_destroy(&set);
        return status;
    }
    *out = set;
    return ALFE_OK;
}

int metrics_regions_command(const char *config_path, const char *dir, int force)
{
    alfe_config *cfg = NULL;
    ALFE_CHECK(config_load_for(config_path, CONFIG_FOR_MC, &cfg));
    int status = ALFE_OK;
    if (!cfg->metrics_auto_regions || !cfg->metrics_auto_regions[0])
        status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: [metrics] auto_regions is empty: no regions to "
                           "write", config_path);
    alfe_system *sys = NULL;
    if (status == ALFE_OK)
        status = system_create(cfg, SYSTEM_DOMAIN | SYSTEM_ORACLE_NETWORK, &sys);
    region_set *set = NULL;
    if (status == ALFE_OK)
        status = metrics_make_regions(sys, 1, &set);
    struct stat st;
    if (status == ALFE_OK && stat(dir, &st) != 0 && mkdir(dir, 0777) != 0)
        status = ALFE_FAIL(ALFE_ERR_INPUT, "-o %s: cannot create the directory: %s", dir,
                           strerror(errno));
    else if (status == ALFE_OK && stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
        status = ALFE_FAIL(ALFE_ERR_INPUT, "-o %s: not a directory", dir);
    const int d = cfg->dimension;
    for (int i = 0; status == ALFE_OK && set && i < set->n; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s.txt", dir, set->r[i].name);
        if (!force && access(path, F_OK) == 0) {
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s exists (give --force to overwrite)", path);
            break;
        }
    }
    for (int i = 0; status == ALFE_OK && set && i < set->n; i++) {
        const campaign_region *r = &set->r[i];
        char path[4200], tmp[4300];
        snprintf(path, sizeof path, "%s/%s.txt", dir, r->name);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f) {
            status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot write: %s", tmp, strerror(errno));
            break;
        }
        fprintf(f, "# alfe region %s of %s (%s, seed %llu): %d rows\n", r->name, config_path,
                r->source, (unsigned long long)cfg->seed, r->n);
        fprintf(f, "# %s\n", r->definition);
        fprintf(f, "# columns: eta0 .. eta%d, then the oracle's exact mu0 .. mu%d (eV per prim "
                   "cell)\n", d - 1, d - 1);
        for (int k = 0; k < r->n; k++) {
            for (int j = 0; j < d; j++)
                fprintf(f, "%s%.17g", j ? " " : "", r->eta[(size_t)k * d + j]);
            for (int j = 0; j < d; j++)
                fprintf(f, " %.17g", r->mu[(size_t)k * d + j]);
            fputc('\n', f);
        }
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
            unlink(tmp);
            status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot write: %s", path, strerror(errno));
        } else {
            printf("%s: %d rows (%s)\n", path, r->n, r->definition);
        }
    }
    region_set_destroy(&set);
    system_destroy(&sys);
    config_destroy(&cfg);
    return status;
}
