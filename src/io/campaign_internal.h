/* campaign_internal.h — private to src/io/campaign_*.c: the pieces that the
 * file I/O (campaign_io.c), the guard (campaign_guard.c) and `alfe info`
 * (campaign_info.c) share.  Not installed under include/: nothing outside
 * io/ may use HDF5 handles.
 * Owns: nothing.  Must not be included outside src/io/. */
#ifndef ALFE_CAMPAIGN_INTERNAL_H
#define ALFE_CAMPAIGN_INTERNAL_H

#include "alfe/base/sha256.h"
#include "alfe/io/round_record.h"

#include <hdf5.h>
#include <stddef.h>
#include <stdio.h>

/* campaign_guard.c: "path" + suffix (".bak", ".bak.tmp", ".partial"). */
void campaign_sidecar_path(char *buf, size_t size, const char *path, const char *suffix);
/* campaign_guard.c, collective: flush, then rank 0 copies the consistent
 * file to FILE.bak (atomically via FILE.bak.tmp). */
int campaign_boundary_begin(hid_t file, const char *path);
/* campaign_guard.c, collective: flush, then rank 0 removes FILE.bak. */
int campaign_boundary_end(hid_t file, const char *path);

/* campaign_io.c, serial: open read-only (status names a missing or non-HDF5
 * file); -1 on failure. */
hid_t campaign_open_readonly(const char *path, int *status);
/* campaign_io.c: refuse a file that is not an alfe campaign of our major version. */
int campaign_check_format(hid_t file, const char *path);
/* campaign_io.c: /rounds/NNNN of an open file (state ROUND_ABSENT when missing). */
int campaign_read_round_from(hid_t file, int round, round_record *rec);
/* campaign_criteria.c: a round's active-learning attributes (and the root's
 * stop_reason), their reader, the root stop_reason ("" and 0 when none) and
 * `alfe info`'s criteria table. */
int campaign_criteria_write(hid_t g, const round_record *rec);
void campaign_criteria_read(hid_t g, round_record *rec);
int campaign_read_stop_reason(hid_t file, char *buf, size_t size);
void campaign_criteria_print(hid_t file, int n_rounds, FILE *out);
/* campaign_io.c: "done", "running" or "absent" as stored in /rounds/NNNN. */
const char *campaign_round_state_name(int state);

/* campaign_io.c: the /points datasets (for campaign_verify.c) and the SHA-256
 * of rows [first, first+n) over every /points dataset present (serial). */
int campaign_column_count(void);
void campaign_column_info(int i, const char **name, int *vector, int *optional, int *is_float);
int campaign_matrix_count(void);
const char *campaign_matrix_name(int i);
int campaign_rows_sha256(hid_t file, int d, int64_t first, int64_t n, char hex[SHA256_HEX]);
/* campaign_verify.c: the structural and content check of an open file. */
int campaign_verify(hid_t file, const char *path);
int campaign_verify_refuse(const char *path);

#endif
