/* log.c — rank-0 progress lines on stdout and in the run log.
 * Owns: the log FILE.  Must not be used for error messages (main.c prints
 * those, once). */
#include "alfe/base/log.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static FILE *log_file;

int log_open(const char *path)
{
    if (comm_rank() != 0)
        return ALFE_OK;
    log_file = fopen(path, "a");
    if (!log_file)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot open log: %s", path, strerror(errno));
    return ALFE_OK;
}

void log_close(void)
{
    if (log_file) {
        fclose(log_file);
        log_file = NULL;
    }
}

void log_line(const char *fmt, ...)
{
    if (comm_rank() != 0)
        return;
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    printf("[alfe] %s\n", text);
    fflush(stdout);
    if (log_file) {
        char stamp[32];
        alfe_timestamp(stamp, sizeof stamp);
        fprintf(log_file, "%s %s\n", stamp, text);
        fflush(log_file);
    }
}

void log_raw(const char *text)
{
    if (comm_rank() == 0 && log_file) {
        fputs(text, log_file);
        fflush(log_file);
    }
}
