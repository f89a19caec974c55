/* campaign_verify.h — the check every open of an existing campaign makes
 * (`alfe run`, `alfe info`, `alfe predict`): structure, shapes, ranges and the
 * per-round content hash (docs/campaign-file.md, "Verification").
 * Owns: nothing.  The file handle is an hid_t passed as int64_t so that this
 * header stays free of <hdf5.h>. */
#ifndef ALFE_CAMPAIGN_VERIFY_H
#define ALFE_CAMPAIGN_VERIFY_H

#include <stdint.h>

/* Serial, read-only: ALFE_OK, or ALFE_ERR_INPUT with one message "FILE:
 * /object: what is wrong; ... restore ..." naming the FILE.bak command. */
int campaign_verify_file(int64_t file, const char *path);
/* Add "does not verify ... restore with: mv FILE.bak FILE" to the recorded
 * error (a damaged file found before the check); returns ALFE_ERR_INPUT. */
int campaign_verify_refuse(const char *path);

#endif
