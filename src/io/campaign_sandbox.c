/* campaign_sandbox.c — the first read of a campaign or model file in a
 * child process with limits (see campaign_sandbox.h).
 *
 * Limits: wall time 10 s + 0.5 s per MB of the file (x4 in a sanitizer
 * build), or ALFE_H5_SANDBOX_SECONDS; memory 1 GiB + 16 x the file size
 * (RLIMIT_AS; under AddressSanitizer the child's resident size, see
 * sandbox.c).  ALFE_H5_SANDBOX=0 reads in-process only (for debugging with
 * gdb; the fuzz target fuzz_h5 sets it to fuzz the readers themselves).
 * Owns: nothing.  Serial; must not call MPI. */
#include "alfe/io/campaign_sandbox.h"

#include "campaign_internal.h"

#include "alfe/base/error.h"
#include "alfe/base/sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void limits_for(const struct stat *st, sandbox_limits *limits)
{
    double mb = (double)st->st_size / (1 << 20);
    limits->seconds = (10.0 + 0.5 * mb) * (sandbox_under_asan() ? 4.0 : 1.0);
    const char *env = getenv("ALFE_H5_SANDBOX_SECONDS");
    if (env && *env) {
        char *end = NULL;
        double s = strtod(env, &end);
        if (end && *end == 0 && s > 0 && s < 1e6)
            limits->seconds = s;
    }
    limits->memory_bytes = ((int64_t)1 << 30) + 16 * (int64_t)st->st_size;
}

int campaign_sandboxed(const char *path, const char *noun, int (*read)(void *arg), void *arg)
{
    const char *env = getenv("ALFE_H5_SANDBOX");
    if (sandbox_in_child() || (env && !strcmp(env, "0")))
        return ALFE_OK;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, R_OK) != 0)
        return ALFE_OK;
    sandbox_limits limits;
    limits_for(&st, &limits);
    sandbox_outcome *out = malloc(sizeof *out);
    if (!out)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "out of memory");
    int status = sandbox_run(read, arg, &limits, out);
    if (status != ALFE_OK) {
        free(out);
        return status;
    }
    if (getenv("ALFE_TRACE") && out->stderr_tail[0])
        fprintf(stderr, "alfe: the checking process of %s wrote (last %zu bytes):\n%s\n", path,
                strlen(out->stderr_tail), out->stderr_tail);
    if (out->end == SANDBOX_RETURNED) {
        status = out->status;
        if (status != ALFE_OK)
            alfe_error_set_message(status, out->message);
        free(out);
        return status;
    }
    char how[256];
    sandbox_describe(out, &limits, how, sizeof how);
    int timed_out = out->end == SANDBOX_TIMED_OUT;
    free(out);
    int campaign = strstr(noun, "campaign") != NULL;
    status = ALFE_FAIL(ALFE_ERR_INPUT,
                       "%s: the HDF5 library could not read the file: %s, in the separate "
                       "process that reads a %s before alfe opens it; the file is damaged%s%s",
                       path, how, noun,
                       timed_out ? " (or the file system very slow: ALFE_H5_SANDBOX_SECONDS "
                                   "sets the limit)"
                                 : "",
                       campaign ? "" : " and was not changed");
    return campaign ? campaign_verify_refuse(path) : status;
}
