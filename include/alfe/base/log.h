/* log.h — progress and phase lines from rank 0, to stdout and the run log
 * (CAMPAIGN.h5.log).  Other ranks print nothing through it.
 * Owns: the log file handle. */
#ifndef ALFE_LOG_H
#define ALFE_LOG_H

int log_open(const char *path);
void log_close(void);
/* One line, prefixed "[alfe] " on stdout and with a timestamp in the log. */
void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Text into the log file only (e.g. the config used). */
void log_raw(const char *text);

#endif
