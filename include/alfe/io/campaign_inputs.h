/* campaign_inputs.h — the input files that define a campaign, pinned by
 * content: their SHA-256 is stored at creation in /system/inputs and a resume
 * compares the files' contents now with it, not their path strings
 * (docs/restart.md, "Inputs pinned by content").
 *
 * Pinned keys: [system] q_file, [system] prim and eci (model = clex),
 * [network] invariants and [oracle] network (model = oracle).  Q, prim and
 * eci are compared by campaign_guard.c as before (Q as the matrix in
 * /system/Q, prim and eci as the text stored in /system), so their hashes
 * are a record; invariants and the oracle network are compared by hash — each "section.key" attribute of /system/inputs
 * holds the lower-case hex SHA-256 of the file, or "" when the key was unset
 * (or unused by the model); "section.key.path" holds the path as written.
 * Owns: nothing.  Must not call MPI except through comm.h. */
#ifndef ALFE_CAMPAIGN_INPUTS_H
#define ALFE_CAMPAIGN_INPUTS_H

#include "alfe/io/config.h"

#include <hdf5.h>

/* Collective (every rank writes the same attributes; rank 0 hashes): the
 * group "inputs" under /system (the open group `system`). */
int campaign_inputs_write(hid_t system, const alfe_config *cfg);

/* Rank 0, read-only: the pinned files of `file` (campaign `path`) against
 * the configuration's.  ALFE_ERR_INPUT naming the configuration line, the
 * key and the file whose contents changed (or that was added or dropped).
 * *pinned = 1 when the campaign has /system/inputs; 0 for a campaign written
 * before inputs were pinned (a one-line note on stdout; the caller compares
 * the keys' path strings as before). */
int campaign_inputs_check(hid_t file, const char *path, const alfe_config *cfg, int *pinned);

#endif
