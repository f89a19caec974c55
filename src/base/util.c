/* util.c — checked allocation, clocks, paths, whole-file I/O, parsing.
 * Owns: the fatal-error hook and the rank shown in fatal messages (set once
 * at start-up).  Must not call MPI or include comm.h: comm.c sets the rank and
 * main.c installs comm_abort as the hook, so serial code needs no MPI. */
#include "alfe/base/util.h"

#include "alfe/base/error.h"
#include "alfe/base/sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void exit_flushed(int status)
{
    fflush(stdout);
    fflush(stderr);
    exit(status);
}

static void (*fatal_hook)(int status) = exit_flushed;
static int fatal_rank = 0;

void alfe_set_fatal_hook(void (*hook)(int status))
{
    fatal_hook = hook ? hook : exit_flushed;
}

void alfe_set_fatal_rank(int rank) { fatal_rank = rank; }

void alfe_fatal(int status)
{
    fatal_hook(status);
    abort(); /* a hook must not return */
}

static void out_of_memory(size_t bytes, const char *file, int line)
{
    fprintf(stderr, "[rank %d] %s:%d: out of memory allocating %zu bytes\n",
            fatal_rank, file, line, bytes);
    alfe_fatal(ALFE_ERR_RUNTIME);
}

void *alfe_malloc_at(size_t bytes, const char *file, int line)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        out_of_memory(bytes, file, line);
    return p;
}

void *alfe_calloc_at(size_t count, size_t size, const char *file, int line)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size, file, line);
    return p;
}

void *alfe_realloc_at(void *ptr, size_t bytes, const char *file, int line)
{
    void *p = realloc(ptr, bytes ? bytes : 1);
    if (!p)
        out_of_memory(bytes, file, line);
    return p;
}

char *alfe_strdup_at(const char *s, const char *file, int line)
{
    size_t n = strlen(s) + 1;
    char *p = alfe_malloc_at(n, file, line);
    memcpy(p, s, n);
    return p;
}

double alfe_wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void alfe_timestamp(char *buf, size_t size)
{
    /* ISO 8601 in UTC with its zone, e.g. 2026-12-07T03:52:18Z: readable
     * anywhere, and comparable between machines in different zones. */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *alfe_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ALFE_STRDUP(".");
    if (slash == path)
        return ALFE_STRDUP("/");
    size_t n = (size_t)(slash - path);
    char *dir = ALFE_MALLOC(n + 1);
    memcpy(dir, path, n);
    dir[n] = '\0';
    return dir;
}

char *alfe_path_join(const char *dir, const char *path)
{
    if (path[0] == '/' || dir == NULL || dir[0] == '\0')
        return ALFE_STRDUP(path);
    size_t n = strlen(dir) + strlen(path) + 2;
    char *out = ALFE_MALLOC(n);
    snprintf(out, n, "%s/%s", dir, path);
    return out;
}

int alfe_require_regular_file(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
        return ALFE_OK;
    const char *kind = S_ISFIFO(st.st_mode)   ? "a FIFO (named pipe)"
                       : S_ISDIR(st.st_mode)  ? "a directory"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a regular file";
    return ALFE_FAIL(ALFE_ERR_INPUT, "%s: is %s, not a regular file (alfe reads input files "
                     "only from regular files)", path, kind);
}

int alfe_read_text_file(const char *path, char **text, size_t *length)
{
    *text = NULL;
    ALFE_CHECK(alfe_require_regular_file(path));
    FILE *f = fopen(path, "rb");
    if (!f)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    /* The size before reading (a regular file says it), then no more than
     * the limit read in any case (the file may grow while it is read). */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > ALFE_MAX_TEXT_FILE) {
        fclose(f);
        return ALFE_FAIL(ALFE_ERR_INPUT,
                         "%s: the file has %lld bytes, more than the %d MiB limit of a text "
                         "input file",
                         path, (long long)st.st_size, ALFE_MAX_TEXT_FILE >> 20);
    }
    size_t cap = 4096, n = 0;
    char *buf = ALFE_MALLOC(cap);
    int too_long = 0;
    for (;;) {
        if (n + 1 >= cap) {
            cap *= 2;
            if (cap > (size_t)ALFE_MAX_TEXT_FILE + 2)
                cap = (size_t)ALFE_MAX_TEXT_FILE + 2;
            buf = ALFE_REALLOC(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > ALFE_MAX_TEXT_FILE) {
            too_long = 1;
            break;
        }
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || too_long) {
        free(buf);
        if (too_long)
            return ALFE_FAIL(ALFE_ERR_INPUT,
                             "%s: more than the %d MiB limit of a text input file was read",
                             path, ALFE_MAX_TEXT_FILE >> 20);
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    if (length)
        *length = n;
    return ALFE_OK;
}

int alfe_sha256_file(const char *path, char hex[SHA256_HEX])
{
    hex[0] = '\0';
    ALFE_CHECK(alfe_require_regular_file(path));
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return ALFE_FAIL(ALFE_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[1 << 16];
    for (;;) {
        ssize_t got = read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            return ALFE_FAIL(ALFE_ERR_INPUT, "%s: read error: %s", path, strerror(e));
        }
        if (got == 0)
            break;
        sha256_update(&ctx, buf, (size_t)got);
    }
    close(fd);
    unsigned char digest[SHA256_BYTES];
    sha256_final(&ctx, digest);
    sha256_hex(digest, hex);
    return ALFE_OK;
}

char *alfe_next_line(char **cursor)
{
    char *line = *cursor;
    if (!line || !*line)
        return NULL;
    char *newline = strchr(line, '\n');
    if (newline) {
        *newline = '\0';
        *cursor = newline + 1;
    } else {
        *cursor = NULL;
    }
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    return line;
}

int alfe_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot open for copying: %s", from,
                         strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot create: %s", to, strerror(e));
    }
    char buf[1 << 16];
    int status = ALFE_OK;
    for (;;) {
        ssize_t got = read(in, buf, sizeof buf);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: read error: %s", from, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        for (ssize_t off = 0; off < got;) {
            ssize_t put = write(out, buf + off, (size_t)(got - off));
            if (put < 0) {
                if (errno == EINTR)
                    continue;
                status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: write error: %s", to, strerror(errno));
                break;
            }
            off += put;
        }
        if (status != ALFE_OK)
            break;
    }
    if (status == ALFE_OK && fsync(out) != 0)
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: fsync failed: %s", to, strerror(errno));
    close(in);
    close(out);
    return status;
}

int alfe_parse_long(const char *s, long long *value)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return -1;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno != 0 || *end != '\0')
        return -1;
    *value = v;
    return 0;
}

int alfe_parse_u64(const char *s, uint64_t *value)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0' || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10); /* decimal only: 010 is ten, 0x10 refused */
    while (isspace((unsigned char)*end))
        end++;
    if (errno != 0 || *end != '\0')
        return -1;
    *value = (uint64_t)v;
    return 0;
}

int alfe_parse_double(const char *s, double *value)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0')
        return -1;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (errno == ERANGE && fabs(v) > 1.0)
        return -1;
    if (*end != '\0' || !isfinite(v))
        return -1;
    *value = v;
    return 0;
}

char *alfe_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}
