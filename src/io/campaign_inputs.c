/* campaign_inputs.c — the campaign's inputs pinned by content
 * (campaign_inputs.h): SHA-256 of each input file in /system/inputs at
 * creation, compared with the files on resume.
 * Owns: nothing.  Must not call MPI except through comm.h. */
#include "alfe/io/campaign_inputs.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/sha256.h"
#include "alfe/base/util.h"
#include "alfe/io/h5util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_INPUTS 5

typedef struct {
    const char *section, *key;
    const char *written;  /* as in the configuration ("" = unset) */
    const char *resolved; /* the file read, or NULL when unused */
    int elsewhere;        /* 1: compared by campaign_guard.c instead of by hash: Q as
                             the matrix (/system/Q), prim and eci as the stored
                             text (/system/prim_json, eci_json) */
} pinned_input;

/* The pinned files of a configuration; `resolved` is NULL for a key that is
 * unset or that the model does not use. */
static void pinned_inputs(const alfe_config *cfg, pinned_input in[N_INPUTS])
{
    const int clex = cfg->model == MODEL_CLEX, oracle = cfg->model == MODEL_ORACLE;
    const int inv = cfg->net_invariants && cfg->net_invariants[0];
    const int net = oracle && cfg->oracle_network && cfg->oracle_network[0];
    in[0] = (pinned_input){"system", "q_file", cfg->q_file, cfg->q_path, 1};
    in[1] = (pinned_input){"system", "prim", clex ? cfg->prim_file : "",
                           clex ? cfg->prim_path : NULL, 1};
    in[2] = (pinned_input){"system", "eci", clex ? cfg->eci_file : "",
                           clex ? cfg->eci_path : NULL, 1};
    in[3] = (pinned_input){"network", "invariants", inv ? cfg->net_invariants : "",
                           inv ? cfg->net_invariants_path : NULL, 0};
    in[4] = (pinned_input){"oracle", "network", net ? cfg->oracle_network : "",
                           net ? cfg->oracle_network_path : NULL, 0};
}

int campaign_inputs_write(hid_t system, const alfe_config *cfg)
{
    pinned_input in[N_INPUTS];
    pinned_inputs(cfg, in);
    char hex[N_INPUTS][SHA256_HEX];
    int status = ALFE_OK;
    for (int i = 0; i < N_INPUTS; i++) {
        hex[i][0] = '\0';
        if (comm_rank() == 0 && status == ALFE_OK && in[i].resolved)
            status = alfe_sha256_file(in[i].resolved, hex[i]);
    }
    status = comm_agree_status(status);
    if (status != ALFE_OK)
        return status;
    comm_bcast_bytes(hex, sizeof hex, 0);
    hid_t group = H5Gcreate2(system, "inputs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5_CHECK(group, "cannot create /system/inputs");
    status = h5u_attr_write_string(group, "description",
                                   "input files pinned by content: section.key = SHA-256 (hex) "
                                   "of the file's bytes when the campaign was created, \"\" when "
                                   "unset or unused; section.key.path = the path as written in "
                                   "the configuration. A resume refuses a changed file "
                                   "(docs/restart.md)");
    for (int i = 0; i < N_INPUTS && status == ALFE_OK; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s.%s", in[i].section, in[i].key);
        status = h5u_attr_write_string(group, name, hex[i]);
        snprintf(name, sizeof name, "%s.%s.path", in[i].section, in[i].key);
        if (status == ALFE_OK)
            status = h5u_attr_write_string(group, name, in[i].written ? in[i].written : "");
    }
    H5Gclose(group);
    return status;
}

/* "<config>:<line>" of a key, or the config path when the key is not written. */
static void key_where(const alfe_config *cfg, const char *section, const char *key, char *buf,
                      size_t size)
{
    int line = config_key_line(cfg, section, key);
    if (line > 0)
        snprintf(buf, size, "%s:%d", cfg->config_path, line);
    else
        snprintf(buf, size, "%s", cfg->config_path);
}

static int check_one(hid_t group, const char *path, const alfe_config *cfg,
                     const pinned_input *in)
{
    char name[128], stored[256], stored_path[4096], where[4200];
    snprintf(name, sizeof name, "%s.%s", in->section, in->key);
    if (h5u_attr_read_string(group, name, stored, sizeof stored) != 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: /system/inputs has no attribute %s (a damaged "
                                         "campaign)", path, name);
    snprintf(name, sizeof name, "%s.%s.path", in->section, in->key);
    if (h5u_attr_read_string(group, name, stored_path, sizeof stored_path) != 0)
        stored_path[0] = '\0';
    key_where(cfg, in->section, in->key, where, sizeof where);
    if (!stored[0] && !in->resolved)
        return ALFE_OK;
    if (!stored[0])
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: [%s] %s = %s: the campaign %s was created without this file; a "
                         "campaign keeps its inputs fixed (start a new campaign, or unset the key)",
                         where, in->section, in->key, in->written, path);
    if (!in->resolved)
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: [%s] %s is unset (or unused), but the campaign %s was created with "
                         "%s = %s (sha256 %.12s...); a campaign keeps its inputs fixed",
                         where, in->section, in->key, path, in->key, stored_path, stored);
    char now[SHA256_HEX];
    if (alfe_sha256_file(in->resolved, now) != ALFE_OK) {
        char why[2048];
        snprintf(why, sizeof why, "%s", alfe_error_message());
        alfe_error_clear();
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: [%s] %s = %s: %s", where, in->section, in->key,
                         in->written, why);
    }
    if (strcmp(now, stored) == 0 || in->elsewhere)
        return ALFE_OK; /* campaign_guard.c compares them (check_q, check_cluster_expansion) */
    return ALFE_FAIL(ALFE_ERR_INPUT,
                     "%s: [%s] %s = %s: the file %s changed since the campaign %s was created "
                     "(sha256 %.12s... now, %.12s... pinned in /system/inputs, first given as "
                     "%s); a campaign keeps its inputs fixed: restore the file or start a new "
                     "campaign",
                     where, in->section, in->key, in->written, in->resolved, path, now, stored,
                     stored_path);
}

int campaign_inputs_check(hid_t file, const char *path, const alfe_config *cfg, int *pinned)
{
    *pinned = 0;
    if (H5Lexists(file, "system", H5P_DEFAULT) <= 0 ||
        H5Lexists(file, "system/inputs", H5P_DEFAULT) <= 0) {
        printf("[alfe] note: %s has no /system/inputs (written before inputs were pinned by "
               "content): [network] invariants and [oracle] network are compared by path\n",
               path);
        fflush(stdout);
        return ALFE_OK;
    }
    hid_t group = H5Gopen2(file, "system/inputs", H5P_DEFAULT);
    if (group < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: /system/inputs is not a group", path);
    pinned_input in[N_INPUTS];
    pinned_inputs(cfg, in);
    int status = ALFE_OK;
    for (int i = 0; i < N_INPUTS && status == ALFE_OK; i++)
        status = check_one(group, path, cfg, &in[i]);
    H5Gclose(group);
    *pinned = status == ALFE_OK;
    return status;
}
