/* campaign_guard.c — the crash guard of the campaign file: the run lock, the
 * backup that protects every metadata boundary (FILE.bak: taken after a
 * flush, removed after the change is flushed; a run killed inside restores
 * it on the next start) and the check of an existing file before a run
 * touches it (docs/restart.md).
 * Owns: the lock descriptor and the sidecar files FILE.lock, FILE.bak,
 * FILE.bak.tmp, FILE.partial.  Must not call MPI except through comm.h. */
#include "alfe/io/campaign_guard.h"
#include "alfe/io/campaign_sandbox.h"

#include "campaign_internal.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"
#include "alfe/io/campaign_inputs.h"
#include "alfe/io/h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* ---------------------------------------------------------------------------
 * The run lock. */
static int lock_fd = -1;

/* The file that `path` names, as an absolute path without symbolic links, so
 * that the lock follows the file whatever name a run gives it: realpath() when
 * the file exists; otherwise the links of the last component are followed by
 * hand (a dangling link names the file a run will create) and the directory
 * is resolved.  Falls back to `path` as given when nothing resolves. */
static void resolve_campaign_path(const char *path, char *out, size_t size)
{
    char *real = realpath(path, NULL);
    if (real) {
        snprintf(out, size, "%s", real);
        free(real);
        return;
    }
    char cur[4096], target[4096];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hops = 0; hops < 40; hops++) {
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            break;
        target[n] = '\0';
        if (target[0] == '/') {
            snprintf(cur, sizeof cur, "%s", target);
        } else {
            char *slash = strrchr(cur, '/');
            if (slash) {
                char joined[4096];
                int w = snprintf(joined, sizeof joined, "%.*s/%s", (int)(slash - cur), cur,
                                 target);
                if (w < 0 || (size_t)w >= sizeof joined)
                    break;
                memcpy(cur, joined, (size_t)w + 1);
            } else {
                snprintf(cur, sizeof cur, "%s", target);
            }
        }
    }
    char *slash = strrchr(cur, '/');
    char dir[4096];
    const char *base = slash ? slash + 1 : cur;
    if (slash == cur)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - cur) : 1, slash ? cur : ".");
    char *real_dir = realpath(dir, NULL);
    int w = -1;
    if (real_dir && base[0])
        w = snprintf(out, size, "%s/%s", strcmp(real_dir, "/") ? real_dir : "", base);
    if (w < 0 || (size_t)w >= size)
        snprintf(out, size, "%s", path);
    free(real_dir);
}

int campaign_lock(const char *path)
{
    char resolved[4096], lock_path[4200];
    resolve_campaign_path(path, resolved, sizeof resolved);
    snprintf(lock_path, sizeof lock_path, "%s.lock", resolved);
    int fd = open(lock_path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot create lock file: %s", lock_path,
                         strerror(errno));
    int locked = flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (!locked && errno == EWOULDBLOCK) {
        /* The holder wrote "host pid" when it took the lock. */
        char text[512] = "";
        ssize_t n = pread(fd, text, sizeof text - 1, 0);
        text[n > 0 ? n : 0] = '\0';
        text[strcspn(text, "\n")] = '\0';
        char host[256] = "?", pid[256] = "?";
        if (sscanf(text, "%255s %255s", host, pid) == 1) { /* an old lock: pid only */
            memcpy(pid, host, sizeof pid);
            memcpy(host, "?", 2);
        }
        close(fd);
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s is in use by another alfe run (host %s, pid %s; lock %s); wait "
                         "for it or stop it",
                         path, host, pid, lock_path);
    }
    if (!locked) {
        /* Some parallel file systems mount without flock support: warn and
         * go on; the lock only guards against two runs at once. */
        fprintf(stderr, "alfe: warning: cannot lock %s (%s); make sure no other run uses "
                        "this campaign\n", lock_path, strerror(errno));
    }
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    char buf[300];
    int len = snprintf(buf, sizeof buf, "%s %ld\n", host, (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
        /* The host and pid are informational only. */
    }
    lock_fd = fd;
    return ALFE_OK;
}

void campaign_unlock(void)
{
    if (lock_fd >= 0) {
        flock(lock_fd, LOCK_UN);
        close(lock_fd);
        lock_fd = -1;
    }
}

void campaign_sidecar_path(char *buf, size_t size, const char *path, const char *suffix)
{
    snprintf(buf, size, "%s%s", path, suffix);
}

/* Rank 0, before any open: a FILE.bak means a run died inside a boundary
 * after the backup was complete; the backup is the last consistent state. */
static int restore_backup(const char *path)
{
    char bak[4096], tmp[4096], partial[4096];
    campaign_sidecar_path(bak, sizeof bak, path, ".bak");
    campaign_sidecar_path(tmp, sizeof tmp, path, ".bak.tmp");
    campaign_sidecar_path(partial, sizeof partial, path, ".partial");
    unlink(tmp);     /* an incomplete backup: the main file was not touched yet */
    unlink(partial); /* an incomplete creation: no campaign existed */
    if (access(bak, F_OK) == 0) {
        if (rename(bak, path) != 0)
            return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot restore %s from %s: %s", path, bak,
                             strerror(errno));
        printf("[alfe] restored %s from its backup (the previous run stopped during a "
               "round boundary)\n", path);
        fflush(stdout);
    }
    return ALFE_OK;
}

/* Flush, then rank 0 copies the consistent file to FILE.bak (atomically via
 * FILE.bak.tmp).  Collective. */
int campaign_boundary_begin(hid_t file, const char *path)
{
    H5_CHECK(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush %s", path);
    comm_barrier();
    int status = ALFE_OK;
    if (comm_rank() == 0) {
        char bak[4096], tmp[4096];
        campaign_sidecar_path(bak, sizeof bak, path, ".bak");
        campaign_sidecar_path(tmp, sizeof tmp, path, ".bak.tmp");
        status = alfe_copy_file(path, tmp);
        if (status == ALFE_OK && rename(tmp, bak) != 0)
            status = ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot rename %s: %s", tmp, strerror(errno));
    }
    return comm_agree_status(status);
}

int campaign_boundary_end(hid_t file, const char *path)
{
    H5_CHECK(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush %s", path);
    comm_barrier();
    if (comm_rank() == 0) {
        char bak[4096];
        campaign_sidecar_path(bak, sizeof bak, path, ".bak");
        unlink(bak);
    }
    comm_barrier();
    return ALFE_OK;
}

/* ---------------------------------------------------------------------------
 * The check of an existing file (rank 0, serial, read-only). */
/* Keys added after campaigns existed whose default is not the behaviour
 * before them: a campaign without the key ran with this value. */
static const struct {
    const char *section, *key, *before;
} LEGACY[] = {
    {"mc", "chains", "1"}, /* one Monte Carlo chain per point before [mc] chains */
};

static const char *legacy_value(const char *section, const char *key)
{
    for (size_t i = 0; i < sizeof LEGACY / sizeof LEGACY[0]; i++)
        if (!strcmp(LEGACY[i].section, section) && !strcmp(LEGACY[i].key, key))
            return LEGACY[i].before;
    return NULL;
}

/* Every fixed key of the configuration equals the one stored in /config
 * (pinned: the keys of files pinned by content are compared by content,
 * campaign_inputs.c, not by path). */
static int check_fixed_keys(hid_t file, const char *path, const alfe_config *cfg, int pinned)
{
    hid_t group = H5Gopen2(file, "config", H5P_DEFAULT);
    if (group < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: no /config group", path);
    int status = ALFE_OK;
    for (int i = 0; i < config_key_count() && status == ALFE_OK; i++) {
        const char *section, *key;
        int fixed;
        config_key_info(i, &section, &key, &fixed);
        if (!fixed || (pinned && config_key_pinned_by_content(section, key)))
            continue;
        char name[256], stored[4096], now[4096];
        snprintf(name, sizeof name, "%s.%s", section, key);
        config_value_string(cfg, section, key, now, sizeof now);
        const char *before = legacy_value(section, key);
        /* (the [mc] keys matter only to Monte Carlo campaigns) */
        if (before && !strcmp(section, "mc") && cfg->model != MODEL_CLEX)
            before = NULL;
        if (before && h5u_attr_read_string(group, name, stored, sizeof stored) != 0) {
            if (config_values_equal(section, key, before, now))
                continue; /* a key newer than the campaign, at its earlier behaviour */
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: [%s] %s = %s, but %s was started before the key existed, "
                               "with the equivalent of %s = %s; a campaign keeps it fixed (set "
                               "%s = %s in [%s] to resume it)",
                               cfg->config_path, section, key, now, path, key, before, key,
                               before, section);
            continue;
        }
        if (h5u_attr_read_string(group, name, stored, sizeof stored) != 0 &&
            config_value_is_default(cfg, section, key))
            continue; /* a key newer than the campaign, at its default */
        if (h5u_attr_read_string(group, name, stored, sizeof stored) != 0)
            status = ALFE_FAIL(ALFE_ERR_INPUT, "%s: /config has no %s", path, name);
        else if (!config_values_equal(section, key, stored, now))
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: [%s] %s = %s differs from the campaign's %s = %s; a "
                               "campaign keeps it fixed (start a new campaign, or restore the "
                               "value)",
                               cfg->config_path, section, key, now, key, stored);
    }
    H5Gclose(group);
    return status;
}

/* The Q of the configuration equals /system/Q exactly. */
static int check_q(hid_t file, const alfe_config *cfg)
{
    double *q = NULL;
    hsize_t dims[2] = {0, 0};
    int rank = 0;
    int status = h5u_read_f64_dataset(file, "system/Q", &q, dims, &rank);
    if (status == ALFE_OK) {
        int same = rank == 2 && (int)dims[0] == cfg->dimension && (int)dims[1] == cfg->q_m;
        for (size_t i = 0; same && i < (size_t)cfg->dimension * cfg->q_m; i++)
            same = q[i] == cfg->q[i];
        if (!same)
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: [system] q_file = %s holds a different Q from the one "
                               "stored in the campaign (/system/Q); a campaign keeps Q fixed",
                               cfg->config_path, cfg->q_file);
    }
    free(q);
    return status;
}

/* The prim and ECI files have the contents stored in /system (clex only). */
static int check_cluster_expansion(hid_t file, const alfe_config *cfg)
{
    const char *names[2] = {"system/prim_json", "system/eci_json"};
    const char *keys[2] = {"prim", "eci"};
    const char *paths[2] = {cfg->prim_path, cfg->eci_path};
    const char *written[2] = {cfg->prim_file, cfg->eci_file};
    int status = ALFE_OK;
    for (int i = 0; i < 2 && status == ALFE_OK; i++) {
        char *stored = h5u_read_text_dataset(file, names[i]);
        char *now = NULL;
        status = alfe_read_text_file(paths[i], &now, NULL);
        /* Fixed-length strings drop a trailing NUL pad only; compare the
         * text as written. */
        if (status == ALFE_OK && (!stored || strcmp(stored, now) != 0))
            status = ALFE_FAIL(ALFE_ERR_INPUT,
                               "%s: [system] %s = %s: the file's contents differ from the "
                               "campaign's (/%s); a campaign keeps its cluster expansion "
                               "fixed",
                               cfg->config_path, keys[i], written[i], names[i]);
        free(stored);
        free(now);
    }
    return status;
}

typedef struct {
    const char *path;
    const alfe_config *cfg;
} existing_args;

/* The read-only checks of an existing campaign (in the checking process
 * first, then in-process). */
static int check_existing_file(void *arg)
{
    const existing_args *a = arg;
    const char *path = a->path;
    const alfe_config *cfg = a->cfg;
    int status;
    hid_t file = campaign_open_readonly(path, &status);
    if (file < 0)
        return status;
    status = campaign_check_format(file, path);
    if (status == ALFE_OK)
        status = campaign_verify(file, path);
    int pinned = 0;
    if (status == ALFE_OK)
        status = campaign_inputs_check(file, path, cfg, &pinned);
    if (status == ALFE_OK)
        status = check_fixed_keys(file, path, cfg, pinned);
    if (status == ALFE_OK)
        status = check_q(file, cfg);
    if (status == ALFE_OK && cfg->model == MODEL_CLEX)
        status = check_cluster_expansion(file, cfg);
    H5Fclose(file);
    return status;
}

int campaign_check_existing(const char *path, const alfe_config *cfg, int *exists)
{
    ALFE_CHECK(restore_backup(path));
    *exists = access(path, F_OK) == 0;
    if (!*exists)
        return ALFE_OK;
    existing_args args = {path, cfg};
    ALFE_CHECK(campaign_sandboxed(path, "campaign", check_existing_file, &args));
    return check_existing_file(&args);
}
