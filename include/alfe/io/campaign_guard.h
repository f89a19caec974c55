/* campaign_guard.h — what keeps a campaign file safe before and while a run
 * changes it: the run lock (FILE.lock), the backup around every protected
 * boundary (FILE.bak, restored by the next run when a run died inside one)
 * and the check that an existing file is a campaign this configuration may
 * continue (docs/restart.md).
 * Owns: the lock descriptor.  Must not call MPI except through comm.h. */
#ifndef ALFE_CAMPAIGN_GUARD_H
#define ALFE_CAMPAIGN_GUARD_H

#include "alfe/io/config.h"

/* Rank 0 only, before the collective open: restore FILE.bak if a run died
 * inside a boundary; check an existing file is an alfe campaign of a known
 * major version, written with compatible fixed keys and the same Q.
 * *exists is set to 1 when the file exists. */
int campaign_check_existing(const char *path, const alfe_config *cfg, int *exists);

/* Rank 0: take an exclusive lock (FILE.lock, FILE resolved to the real file:
 * symbolic links followed, so every name of one campaign shares one lock) held
 * until campaign_unlock or exit; the lock file holds "host pid" of the holder. */
int campaign_lock(const char *path);
/* Release it.  FILE.lock itself stays: removing it could let two runs hold
 * locks on different files (one opened before the unlink). */
void campaign_unlock(void);

#endif
