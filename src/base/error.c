/* error.c — the per-process error message and traceback buffers.
 * Owns: recording and returning messages.  Must not print or call MPI:
 * printing is main.c's job, so that exactly one rank prints. */
#include "alfe/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char error_message[2048];
static char error_trace[4096];
static int error_code_value;

int alfe_fail_at(int code, const char *file, int line, const char *func,
                 const char *fmt, ...)
{
    /* Keep the first message: it names the real cause; callers up the
     * stack only add frames. */
    if (error_message[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(error_message, sizeof error_message, fmt, ap);
        va_end(ap);
        error_code_value = code;
    }
    alfe_trace_at(file, line, func);
    return code;
}

void alfe_trace_at(const char *file, int line, const char *func)
{
    size_t used = strlen(error_trace);
    if (used + 1 < sizeof error_trace)
        snprintf(error_trace + used, sizeof error_trace - used, "  at %s:%d in %s()\n",
                 file, line, func);
}

const char *alfe_error_message(void) { return error_message; }
const char *alfe_error_trace(void) { return error_trace; }
int alfe_error_code(void) { return error_code_value; }

void alfe_error_clear(void)
{
    error_message[0] = '\0';
    error_trace[0] = '\0';
    error_code_value = ALFE_OK;
}

void alfe_error_set_message(int code, const char *message)
{
    snprintf(error_message, sizeof error_message, "%s", message);
    error_code_value = code;
}
