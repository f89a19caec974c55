/* fuzz_common.h — shared helpers of the libFuzzer targets (tests/fuzz/).
 * Each target is one file fuzz_NAME.c defining LLVMFuzzerTestOneInput; the
 * Makefile links it with -fsanitize=fuzzer,address,undefined against the
 * library objects of build/fuzz (README of this folder: docs/testing.md,
 * "Fuzzing").  Readers that only take a path get the input through a file
 * in a private scratch directory made once per process. */
#ifndef ALFE_FUZZ_COMMON_H
#define ALFE_FUZZ_COMMON_H

#include "alfe/base/error.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef ALFE_SOURCE_DIR
#define ALFE_SOURCE_DIR "."
#endif

/* The private scratch directory (created on first use, removed at exit). */
static char fuzz_dir[256];

__attribute__((unused)) static void fuzz_dir_remove(void)
{
    if (fuzz_dir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
    }
}

__attribute__((unused)) static const char *fuzz_scratch(void)
{
    if (!fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/alfe-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir;
}

/* Write the input to scratch/NAME; returns the path (static buffer). */
__attribute__((unused)) static const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

/* A NUL-terminated heap copy of the input (free it). */
__attribute__((unused)) static char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A failing reader must leave a message; a message without a failure, or a
 * failure without one, is a bug in the error handling. */
__attribute__((unused)) static void fuzz_check_status(int status)
{
    if (status != ALFE_OK && status != ALFE_ERR_INPUT && status != ALFE_ERR_RUNTIME) {
        fprintf(stderr, "fuzz: unknown status %d\n", status);
        abort();
    }
    if (status != ALFE_OK && alfe_error_message()[0] == '\0') {
        fprintf(stderr, "fuzz: failure %d without a message\n", status);
        abort();
    }
    alfe_error_clear();
}

#endif
