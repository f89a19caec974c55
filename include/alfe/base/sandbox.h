/* sandbox.h — run one function in a forked child process with limits (wall
 * time, memory, no core dump) and tell how it ended: returned (with its
 * status and recorded error message), killed by a signal, stopped at the
 * time or memory limit, or exited on its own.  Used to make the first read
 * of an untrusted file in a process whose crash cannot take the caller with
 * it (docs/campaign-file.md, "Verification").
 * Owns: nothing after sandbox_run returns.  Must not call MPI: the child
 * never calls MPI and leaves with _exit (no atexit handlers, no flush of the
 * parent's stdio buffers or library state). */
#ifndef ALFE_SANDBOX_H
#define ALFE_SANDBOX_H

#include <stdint.h>

typedef struct {
    double seconds;       /* wall-time limit (> 0) */
    int64_t memory_bytes; /* memory the child may add to what the caller had
                             at the fork (0: no limit).  RLIMIT_AS in a normal
                             build; under AddressSanitizer (whose shadow memory
                             makes RLIMIT_AS unusable) the parent watches the
                             child's resident size instead */
} sandbox_limits;

enum sandbox_end {
    SANDBOX_RETURNED,  /* fn returned: status and message below */
    SANDBOX_SIGNALLED, /* killed by a signal it raised or received */
    SANDBOX_TIMED_OUT, /* still running at the time limit: killed */
    SANDBOX_MEMORY,    /* over the memory limit (or out of memory under it) */
    SANDBOX_SANITIZER, /* stopped by a sanitizer report (sanitizer builds) */
    SANDBOX_EXITED     /* exited without returning (exit code below) */
};

typedef struct {
    int end;            /* enum sandbox_end */
    int status;         /* SANDBOX_RETURNED: fn's return value */
    int signal;         /* SANDBOX_SIGNALLED: the signal number */
    int exit_code;      /* SANDBOX_EXITED / SANDBOX_SANITIZER: the exit code */
    double seconds;     /* how long the child ran */
    char message[8192]; /* SANDBOX_RETURNED with status != 0: the child's
                           alfe_error_message() */
    char stderr_tail[4096]; /* the last of what the child wrote to stderr */
} sandbox_outcome;

/* Run fn(arg) in a child with the limits.  ALFE_OK when the child ran and
 * ended (in any way: see out->end); ALFE_ERR_RUNTIME (message recorded) when
 * no child could be started.  The child's stderr is captured, not shown. */
int sandbox_run(int (*fn)(void *arg), void *arg, const sandbox_limits *limits,
                sandbox_outcome *out);

/* 1 inside a sandbox child (so that nested callers run fn directly). */
int sandbox_in_child(void);
/* 1 in an AddressSanitizer build. */
int sandbox_under_asan(void);

/* How the child ended, in words: "killed by signal SIGSEGV (segmentation
 * fault)", "still running after the time limit of 12 s", ...; "" for
 * SANDBOX_RETURNED. */
void sandbox_describe(const sandbox_outcome *out, const sandbox_limits *limits, char *text,
                      int size);

#endif
