/* campaign_info.h — `alfe info`: a serial, read-only summary of a campaign
 * file (format, system, one line per round, the last run, whether it is
 * complete).
 * Owns: nothing.  Must not open the file for writing or call MPI. */
#ifndef ALFE_CAMPAIGN_INFO_H
#define ALFE_CAMPAIGN_INFO_H

#include <stdio.h>

/* Print the summary of the campaign at path to out; ALFE_ERR_INPUT when it
 * is not an alfe campaign of a known major version. */
int campaign_print_info(const char *path, FILE *out);

#endif
