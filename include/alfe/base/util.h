/* util.h — checked allocation, wall clock, small string and path helpers.
 * Owns: the fatal-error hook.  Allocation failure is fatal on the calling
 * rank: it prints "[rank r] file:line: ..." and calls the hook, which main.c
 * sets to comm_abort (the whole job stops); without a hook (serial tools and
 * tests) the process exits with the status.  Must not depend on comm.h. */
#ifndef ALFE_UTIL_H
#define ALFE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Rank-local fatal error: flush and call the hook (default: exit(status)).
 * Never returns; a hook that returns is followed by abort(). */
void alfe_fatal(int status) __attribute__((noreturn));
/* Install the fatal hook (NULL: the default); main.c passes comm_abort. */
void alfe_set_fatal_hook(void (*hook)(int status));
/* The rank printed in fatal messages (comm_init sets it; 0 by default). */
void alfe_set_fatal_rank(int rank);

void *alfe_malloc_at(size_t bytes, const char *file, int line);
void *alfe_calloc_at(size_t count, size_t size, const char *file, int line);
void *alfe_realloc_at(void *ptr, size_t bytes, const char *file, int line);
char *alfe_strdup_at(const char *s, const char *file, int line);
#define ALFE_MALLOC(bytes) alfe_malloc_at((bytes), __FILE__, __LINE__)
#define ALFE_CALLOC(count, size) alfe_calloc_at((count), (size), __FILE__, __LINE__)
#define ALFE_REALLOC(ptr, bytes) alfe_realloc_at((ptr), (bytes), __FILE__, __LINE__)
#define ALFE_STRDUP(s) alfe_strdup_at((s), __FILE__, __LINE__)
/* free() and set the pointer to NULL (destroy-style). */
#define ALFE_FREE(ptr) do { free(ptr); (ptr) = NULL; } while (0)

/* Seconds since an arbitrary fixed point (monotonic). */
double alfe_wall_time(void);
/* UTC as ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" into buf (>= 21 bytes). */
void alfe_timestamp(char *buf, size_t size);

/* Directory part of a path ("." when there is none), newly allocated. */
char *alfe_path_dirname(const char *path);
/* `path` if absolute, else `dir`/`path`; newly allocated. */
char *alfe_path_join(const char *dir, const char *path);

/* The largest text input file (configuration, Q, invariants, prim.json, ECI,
 * points files, test sets): 64 MiB. */
#define ALFE_MAX_TEXT_FILE (64 * 1024 * 1024)

/* Whole file into a NUL-terminated buffer; status ALFE_ERR_INPUT names the
 * file when it cannot be read or is larger than ALFE_MAX_TEXT_FILE (checked
 * with fstat before reading, and reading stops at the limit). */
int alfe_read_text_file(const char *path, char **text, size_t *length);

/* SHA-256 of a file's bytes as lower-case hex (SHA256_HEX bytes with the NUL;
 * sha256.h), read in pieces; ALFE_ERR_INPUT names the file when it cannot be
 * read or is not a regular file. */
int alfe_sha256_file(const char *path, char hex[65]);

/* ALFE_ERR_INPUT naming the path and what it is when `path` exists but is not
 * a regular file (a FIFO would block an open or read for ever, a device or
 * socket is no input file); ALFE_OK for a regular file or a missing path (the
 * reader names a missing file).  Every input-file reader calls it first. */
int alfe_require_regular_file(const char *path);

/* Next line of a text buffer, split in place: returns the line (its '\n'
 * replaced by NUL, any '#' comment cut off) and advances *cursor; NULL at
 * the end.  Line numbers stay exact: blank lines are returned too. */
char *alfe_next_line(char **cursor);

/* Copy a file byte for byte and fsync the copy. */
int alfe_copy_file(const char *from, const char *to);

/* Parse helpers: whole-string conversions; return 0 on success. */
int alfe_parse_long(const char *s, long long *value);
int alfe_parse_u64(const char *s, uint64_t *value);
int alfe_parse_double(const char *s, double *value);

/* Trim leading and trailing whitespace in place; returns s. */
char *alfe_trim(char *s);

#endif
