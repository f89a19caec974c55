/* campaign_regions.c — /regions (campaign_regions.h) and the region
 * attributes of /rounds/NNNN (region_names, mse_regions), and `alfe info`'s
 * regions table.
 * Owns: region_set.  Must not call MPI except through comm.h. */
#include "alfe/io/campaign_regions.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/h5util.h"
#include "campaign_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void region_set_destroy(region_set **setp)
{
    if (!setp || !*setp)
        return;
    region_set *s = *setp;
    for (int i = 0; i < s->n; i++) {
        free(s->r[i].source);
        free(s->r[i].definition);
        free(s->r[i].eta);
        free(s->r[i].mu);
    }
    ALFE_FREE(*setp);
}

int campaign_has_regions(campaign *c)
{
    return H5Lexists(campaign_handle(c), "regions", H5P_DEFAULT) > 0;
}

static int write_one(hid_t group, const campaign_region *r, int d)
{
    hid_t g = H5Gcreate2(group, r->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_CHECK(g, "cannot create /regions/%s", r->name);
    /* An empty region keeps its shape 0 × d. */
    double none = 0.0;
    int status = h5u_dataset_write_f64_2d(g, "eta", r->n ? r->eta : &none, (hsize_t)r->n,
                                          (hsize_t)d, "order parameters of the region's rows");
    if (status == ALFE_OK)
        status = h5u_dataset_write_f64_2d(g, "mu", r->n ? r->mu : &none, (hsize_t)r->n,
                                          (hsize_t)d, "reference mu (eV per prim cell)");
    if (status == ALFE_OK)
        status = h5u_attr_write_string(g, "source", r->source);
    if (status == ALFE_OK)
        status = h5u_attr_write_string(g, "definition", r->definition);
    if (status == ALFE_OK)
        status = h5u_attr_write_i64(g, "rows", r->n);
    H5Gclose(g);
    return status;
}

int campaign_write_regions(campaign *c, const region_set *set)
{
    hid_t file = campaign_handle(c);
    const char *path = campaign_file_path(c);
    ALFE_CHECK(campaign_boundary_begin(file, path));
    hid_t group = H5Gcreate2(file, "regions", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    int status = group < 0 ? ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot create /regions", path)
                           : ALFE_OK;
    const char *names[ROUND_MAX_REGIONS];
    for (int i = 0; i < set->n; i++)
        names[i] = set->r[i].name;
    if (status == ALFE_OK)
        status = h5u_attr_write_strings(group, "names", names, set->n);
    if (status == ALFE_OK)
        status = h5u_attr_write_string(group, "description",
                                       "[metrics] regions: eta and reference mu per row; the "
                                       "committee's mu MSE on each is /rounds/NNNN@mse_regions");
    for (int i = 0; i < set->n && status == ALFE_OK; i++)
        status = write_one(group, &set->r[i], set->d);
    if (group >= 0)
        H5Gclose(group);
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    return campaign_boundary_end(file, path);
}

static int read_matrix(hid_t g, const char *name, const char *where, int d, int n, double **out)
{
    double *v = NULL;
    hsize_t dims[2] = {0, 0};
    int rank = 0;
    ALFE_CHECK(h5u_read_f64_dataset(g, name, &v, dims, &rank));
    if (!(rank == 2 && (int)dims[0] == n && (int)dims[1] == d) && !(n == 0)) {
        free(v);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s/%s: expected %d x %d", where, name, n, d);
    }
    *out = v;
    return ALFE_OK;
}

int campaign_read_regions(campaign *c, region_set **out)
{
    *out = NULL;
    hid_t file = campaign_handle(c);
    const char *path = campaign_file_path(c);
    hid_t group = H5Gopen2(file, "regions", H5P_DEFAULT);
    H5_CHECK(group, "%s: no /regions", path);
    char **names = NULL;
    int n = 0;
    if (h5u_attr_read_strings(group, "names", &names, &n) != 0 || n > ROUND_MAX_REGIONS) {
        H5Gclose(group);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: /regions has no valid names attribute", path);
    }
    region_set *set = ALFE_CALLOC(1, sizeof *set);
    set->d = campaign_dimension(c);
    int status = ALFE_OK;
    for (int i = 0; i < n; i++) {
        campaign_region *r = &set->r[i];
        if (status == ALFE_OK) {
            snprintf(r->name, sizeof r->name, "%s", names[i]);
            set->n = i + 1;
            hid_t g = H5Gopen2(group, names[i], H5P_DEFAULT);
            char where[4200];
            snprintf(where, sizeof where, "%s:/regions/%s", path, names[i]);
            if (g < 0) {
                status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: missing", where);
            } else {
                int64_t rows = 0;
                char text[4096] = "";
                h5u_attr_read_numeric(g, "rows", H5T_NATIVE_INT64, &rows);
                r->n = (int)rows;
                h5u_attr_read_string(g, "source", text, sizeof text);
                r->source = ALFE_STRDUP(text);
                text[0] = '\0';
                h5u_attr_read_string(g, "definition", text, sizeof text);
                r->definition = ALFE_STRDUP(text);
                status = read_matrix(g, "eta", where, set->d, r->n, &r->eta);
                if (status == ALFE_OK)
                    status = read_matrix(g, "mu", where, set->d, r->n, &r->mu);
                H5Gclose(g);
            }
        }
        free(names[i]);
    }
    free(names);
    H5Gclose(group);
    if (status != ALFE_OK) {
        region_set_destroy(&set);
        return status;
    }
    *out = set;
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * /rounds/NNNN attributes. */
int campaign_regions_round_write(hid_t g, const round_record *rec)
{
    if (rec->n_regions <= 0)
        return ALFE_OK;
    const char *names[ROUND_MAX_REGIONS];
    for (int i = 0; i < rec->n_regions; i++)
        names[i] = rec->region_names[i];
    ALFE_CHECK(h5u_attr_write_strings(g, "region_names", names, rec->n_regions));
    ALFE_CHECK(h5u_attr_write_string(g, "units", CAMPAIGN_ROUND_UNITS
                                     "; mse_regions: eV^2 (per prim cell)^2"));
    return h5u_attr_write_f64_array(g, "mse_regions", rec->mse_region, rec->n_regions);
}

int campaign_regions_round_read(hid_t g, round_record *rec)
{
    /* Through the validating readers (h5util.c): at most ROUND_MAX_REGIONS
     * names, each fitting the record, and exactly as many MSEs (NaN allowed:
     * an empty region). */
    rec->n_regions = 0;
    char **names = NULL;
    int n = 0, found = 0;
    int status = h5u_get_strings(g, "region_names", ROUND_MAX_REGIONS, &names, &n, &found);
    if (status != ALFE_OK || !found)
        return status;
    for (int i = 0; i < n && status == ALFE_OK; i++) {
        if (strlen(names[i]) >= sizeof rec->region_names[i])
            status = ALFE_FAIL(ALFE_ERR_INPUT, "@region_names: name %d is longer than %zu "
                               "characters", i, sizeof rec->region_names[i] - 1);
        else
            snprintf(rec->region_names[i], sizeof rec->region_names[i], "%s", names[i]);
        rec->mse_region[i] = NAN;
    }
    if (status == ALFE_OK && n > 0)
        status = h5u_get_f64_array(g, "mse_regions", n, 0, rec->mse_region, &found);
    if (status == ALFE_OK)
        rec->n_regions = n;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return status;
}

/* `alfe info`: per region its rows and the last finished round's MSE. */
void campaign_regions_print(hid_t file, int n_rounds, FILE *out)
{
    if (H5Lexists(file, "regions", H5P_DEFAULT) <= 0)
        return;
    hid_t group = H5Gopen2(file, "regions", H5P_DEFAULT);
    if (group < 0)
        return;
    char **names = NULL;
    int n = 0;
    if (h5u_attr_read_strings(group, "names", &names, &n) != 0) {
        H5Gclose(group);
        return;
    }
    round_record last;
    memset(&last, 0, sizeof last);
    int last_round = -1;
    for (int r = n_rounds - 1; r >= 0 && last_round < 0; r--) {
        round_record rec;
        if (campaign_read_round_from(file, r, &rec) == ALFE_OK && rec.state == ROUND_DONE &&
            rec.n_regions > 0) {
            last = rec;
            last_round = r;
        }
    }
    fprintf(out, "regions ([metrics]; mu MSE in eV^2 (per prim cell)^2 after training%s):\n",
            last_round >= 0 ? "" : ", not measured yet");
    if (last_round >= 0)
        fprintf(out, "  %-20s %8s %12s   (round %d)\n", "region", "rows", "mse", last_round);
    else
        fprintf(out, "  %-20s %8s\n", "region", "rows");
    for (int i = 0; i < n; i++) {
        int64_t rows = 0;
        hid_t g = H5Gopen2(group, names[i], H5P_DEFAULT);
        char source[512] = "";
        if (g >= 0) {
            h5u_attr_read_numeric(g, "rows", H5T_NATIVE_INT64, &rows);
            h5u_attr_read_string(g, "source", source, sizeof source);
            H5Gclose(g);
        }
        double mse = NAN;
        for (int k = 0; k < last.n_regions; k++)
            if (!strcmp(last.region_names[k], names[i]))
                mse = last.mse_region[k];
        if (last_round >= 0 && isfinite(mse))
            fprintf(out, "  %-20s %8lld %12.4g   %s\n", names[i], (long long)rows, mse, source);
        else
            fprintf(out, "  %-20s %8lld %12s   %s\n", names[i], (long long)rows, "-", source);
        free(names[i]);
    }
    free(names);
    H5Gclose(group);
}
