/* error.h — status codes and error propagation (PETSc style).
 *
 * Every fallible function returns an int status: ALFE_OK, or the code of the
 * first failure.  ALFE_FAIL records one message (the one the user sees) and
 * ALFE_CHECK propagates a failure upward, adding a traceback frame that is
 * printed for run-time errors (and for every error when ALFE_TRACE=1).
 * Owns: the per-process message buffer.  Must not call MPI (see comm.c). */
#ifndef ALFE_ERROR_H
#define ALFE_ERROR_H

/* Exit codes of bin/alfe are the status codes. */
enum alfe_status {
    ALFE_OK = 0,
    ALFE_ERR_RUNTIME = 1, /* run-time failure: I/O, numerics, MPI */
    ALFE_ERR_INPUT = 2    /* bad input or usage: config, files, arguments */
};

/* Exit status (never a status code returned by a function): the run stopped
 * early but cleanly enough to be resumed, because a worker rank was silent
 * past [run] worker_timeout_seconds (docs/restart.md "Faults");
 * jobs/al_round.sh resubmits on it. */
#define ALFE_EXIT_RESUME 3

int alfe_fail_at(int code, const char *file, int line, const char *func,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void alfe_trace_at(const char *file, int line, const char *func);

#define ALFE_FAIL(code, ...) alfe_fail_at((code), __FILE__, __LINE__, __func__, __VA_ARGS__)

#define ALFE_CHECK(expr)                                      \
    do {                                                      \
        int alfe_rc_ = (expr);                                \
        if (alfe_rc_ != ALFE_OK) {                            \
            alfe_trace_at(__FILE__, __LINE__, __func__);      \
            return alfe_rc_;                                  \
        }                                                     \
    } while (0)

/* The recorded message ("" when none) and traceback. */
const char *alfe_error_message(void);
const char *alfe_error_trace(void);
int alfe_error_code(void);
void alfe_error_clear(void);
/* Replace the message (used when a message arrives from another rank). */
void alfe_error_set_message(int code, const char *message);

#endif
