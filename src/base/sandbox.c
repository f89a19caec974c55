/* sandbox.c — run one function in a forked child with limits (see sandbox.h).
 *
 * The child: its stderr goes to a pipe the parent reads; no core dump
 * (RLIMIT_CORE 0); RLIMIT_AS set to what it had at the fork plus the memory
 * limit (not under AddressSanitizer, whose terabytes of reserved shadow
 * memory make an address-space limit meaningless: there the parent reads the
 * child's resident size from /proc every few milliseconds and kills it past
 * the limit); RLIMIT_CPU a little above the wall-time limit as a backstop;
 * on Linux it is killed if the parent dies.  It runs fn, writes the status
 * and the recorded error message to a second pipe, and leaves with _exit, so
 * that no atexit handler (HDF5's H5close, LeakSanitizer, MPI) runs and no
 * stdio buffer inherited from the parent is flushed twice.  alfe_fatal in the
 * child also ends in _exit.
 * The parent: polls both pipes until the child ends, kills it (SIGKILL) at
 * the wall-time limit, and sorts out how it ended.
 * Owns: nothing after sandbox_run returns.  Must not call MPI. */
#include "alfe/base/sandbox.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif
#ifndef SANDBOX_ASAN
#define SANDBOX_ASAN 0
#endif

#define RESULT_MAGIC 0x616c6665u /* "alfe" */
#define POLL_MS 5

static int in_child;

int sandbox_in_child(void) { return in_child; }
int sandbox_under_asan(void) { return SANDBOX_ASAN; }

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Field `field` (0: size, 1: resident) of /proc/PID/statm in bytes, or -1. */
static int64_t statm_bytes(pid_t pid, int field)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/statm");
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long long pages[2] = {-1, -1};
    int n = fscanf(f, "%lld %lld", &pages[0], &pages[1]);
    fclose(f);
    if (n != 2 || pages[field] < 0)
        return -1;
    return (int64_t)pages[field] * (int64_t)sysconf(_SC_PAGESIZE);
}

static void write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void child_fatal(int status)
{
    _exit(status > 0 && status < 126 ? status : 1);
}

static void set_limit(int resource, rlim_t value)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0)
        return;
    if (rl.rlim_max != RLIM_INFINITY && value > rl.rlim_max)
        value = rl.rlim_max;
    rl.rlim_cur = value;
    if (resource == RLIMIT_CORE)
        rl.rlim_max = value;
    setrlimit(resource, &rl);
}

static void __attribute__((noreturn))
child_main(int (*fn)(void *), void *arg, const sandbox_limits *limits, int result_fd,
           int err_fd)
{
    in_child = 1;
    alfe_set_fatal_hook(child_fatal);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    dup2(err_fd, STDERR_FILENO);
    close(err_fd);
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        close(null);
    }
    set_limit(RLIMIT_CORE, 0);
    set_limit(RLIMIT_CPU, (rlim_t)(limits->seconds + 2.0));
    if (!SANDBOX_ASAN && limits->memory_bytes > 0) {
        int64_t have = statm_bytes(0, 0);
        if (have > 0)
            set_limit(RLIMIT_AS, (rlim_t)(have + limits->memory_bytes));
    }
    alfe_error_clear();
    int status = fn(arg);
    unsigned header[2] = {RESULT_MAGIC, (unsigned)status};
    const char *message = status != ALFE_OK ? alfe_error_message() : "";
    write_all(result_fd, header, sizeof header);
    write_all(result_fd, message, strlen(message));
    close(result_fd);
    _exit(0);
}

static void append(char *buf, size_t size, size_t *len, const char *data, size_t n, int tail)
{
    size_t cap = size - 1;
    if (!tail) {
        if (n > cap - *len)
            n = cap - *len;
    } else if (n >= cap) {
        data += n - cap;
        n = cap;
        *len = 0;
    } else if (*len + n > cap) {
        size_t drop = *len + n - cap;
        memmove(buf, buf + drop, *len - drop);
        *len -= drop;
    }
    memcpy(buf + *len, data, n);
    *len += n;
    buf[*len] = 0;
}

/* Append what is readable on fd to buf (keeping the last size-1 bytes when
 * `tail`, else the first); returns 0 at end of file, 1 while it is open. */
static int drain(int fd, char *buf, size_t size, size_t *len, int tail)
{
    char chunk[4096];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 1; /* EAGAIN: nothing more now */
        if (r == 0)
            return 0;
        append(buf, size, len, chunk, (size_t)r, tail);
    }
}

int sandbox_run(int (*fn)(void *arg), void *arg, const sandbox_limits *limits,
                sandbox_outcome *out)
{
    memset(out, 0, sizeof *out);
    int result_pipe[2], err_pipe[2];
    if (pipe(result_pipe) != 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create a pipe for the checking process: %s",
                         strerror(errno));
    if (pipe(err_pipe) != 0) {
        close(result_pipe[0]);
        close(result_pipe[1]);
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot create a pipe for the checking process: %s",
                         strerror(errno));
    }
    fflush(NULL);
    int64_t parent_resident = statm_bytes(0, 1);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(result_pipe[0]);
        close(result_pipe[1]);
        close(err_pipe[0]);
        close(err_pipe[1]);
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "cannot start the checking process: %s",
                         strerror(e));
    }
    if (pid == 0) {
        close(result_pipe[0]);
        close(err_pipe[0]);
        child_main(fn, arg, limits, result_pipe[1], err_pipe[1]);
    }
    close(result_pipe[1]);
    close(err_pipe[1]);
    fcntl(result_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(err_pipe[0], F_SETFL, O_NONBLOCK);

    char result[sizeof out->message + 2 * sizeof(unsigned)];
    size_t result_len = 0, err_len = 0;
    int result_open = 1, err_open = 1, reaped = 0, wstatus = 0, killed_for = -1;
    while (!reaped) {
        struct pollfd fds[2] = {{result_open ? result_pipe[0] : -1, POLLIN, 0},
                                {err_open ? err_pipe[0] : -1, POLLIN, 0}};
        poll(fds, 2, POLL_MS);
        if (result_open)
            result_open = drain(result_pipe[0], result, sizeof result, &result_len, 0);
        if (err_open)
            err_open = drain(err_pipe[0], out->stderr_tail, sizeof out->stderr_tail, &err_len,
                             1);
        pid_t w = waitpid(pid, &wstatus, WNOHANG);
        if (w == pid) {
            reaped = 1;
            break;
        }
        /* SIGCHLD ignored by someone (the child is reaped automatically):
         * it has ended once both pipes are closed. */
        if (w < 0 && errno == ECHILD && !result_open && !err_open) {
            wstatus = 0;
            break;
        }
        if (killed_for >= 0)
            continue;
        if (now_seconds() - start > limits->seconds) {
            killed_for = SANDBOX_TIMED_OUT;
            kill(pid, SIGKILL);
        } else if (SANDBOX_ASAN && limits->memory_bytes > 0 && parent_resident > 0) {
            int64_t resident = statm_bytes(pid, 1);
            if (resident > parent_resident + limits->memory_bytes) {
                killed_for = SANDBOX_MEMORY;
                kill(pid, SIGKILL);
            }
        }
    }
    out->seconds = now_seconds() - start;
    drain(result_pipe[0], result, sizeof result, &result_len, 0);
    drain(err_pipe[0], out->stderr_tail, sizeof out->stderr_tail, &err_len, 1);
    close(result_pipe[0]);
    close(err_pipe[0]);

    unsigned header[2] = {0, 0};
    if (result_len >= sizeof header)
        memcpy(header, result, sizeof header);
    int returned = header[0] == RESULT_MAGIC && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
    if (killed_for >= 0) {
        out->end = killed_for;
    } else if (returned) {
        out->end = SANDBOX_RETURNED;
        out->status = (int)header[1];
        size_t n = result_len - sizeof header;
        if (n > sizeof out->message - 1)
            n = sizeof out->message - 1;
        memcpy(out->message, result + sizeof header, n);
        out->message[n] = 0;
    } else if (WIFSIGNALED(wstatus)) {
        out->end = WTERMSIG(wstatus) == SIGXCPU ? SANDBOX_TIMED_OUT : SANDBOX_SIGNALLED;
        out->signal = WTERMSIG(wstatus);
    } else {
        out->exit_code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
        if (strstr(out->stderr_tail, "out of memory") ||
            strstr(out->stderr_tail, "allocator is out of memory") ||
            strstr(out->stderr_tail, "allocation-size-too-big") ||
            strstr(out->stderr_tail, "requested allocation size"))
            out->end = SANDBOX_MEMORY;
        else if (strstr(out->stderr_tail, "Sanitizer"))
            out->end = SANDBOX_SANITIZER;
        else
            out->end = SANDBOX_EXITED;
    }
    return ALFE_OK;
}

static const char *signal_name(int sig)
{
    static const struct {
        int sig;
        const char *name, *what;
    } table[] = {
        {SIGSEGV, "SIGSEGV", "segmentation fault"},
        {SIGBUS, "SIGBUS", "bus error"},
        {SIGABRT, "SIGABRT", "aborted"},
        {SIGFPE, "SIGFPE", "arithmetic exception"},
        {SIGILL, "SIGILL", "illegal instruction"},
        {SIGKILL, "SIGKILL", "killed"},
        {SIGTERM, "SIGTERM", "terminated"},
        {SIGINT, "SIGINT", "interrupted"},
        {SIGXCPU, "SIGXCPU", "CPU time limit"},
        {SIGTRAP, "SIGTRAP", "trap"},
    };
    static char text[96];
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (table[i].sig == sig) {
            snprintf(text, sizeof text, "%s (%s)", table[i].name, table[i].what);
            return text;
        }
    snprintf(text, sizeof text, "%d", sig);
    return text;
}

void sandbox_describe(const sandbox_outcome *out, const sandbox_limits *limits, char *text,
                      int size)
{
    switch (out->end) {
    case SANDBOX_SIGNALLED:
        snprintf(text, (size_t)size, "it crashed with signal %s", signal_name(out->signal));
        break;
    case SANDBOX_TIMED_OUT:
        snprintf(text, (size_t)size, "it did not finish within the time limit of %.3g s",
                 limits->seconds);
        break;
    case SANDBOX_MEMORY:
        snprintf(text, (size_t)size, "it needed more than the memory limit of %.0f MB",
                 (double)limits->memory_bytes / (1 << 20));
        break;
    case SANDBOX_SANITIZER:
        snprintf(text, (size_t)size, "it crashed: the sanitizer found a memory error in it "
                                     "(exit code %d)", out->exit_code);
        break;
    case SANDBOX_EXITED:
        snprintf(text, (size_t)size, "it stopped with exit code %d", out->exit_code);
        break;
    default:
        if (size > 0)
            text[0] = 0;
    }
}
