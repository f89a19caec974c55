/* campaign_sandbox.h — the first read of a campaign or model file made in a
 * child process (base/sandbox.h), so that a crafted file on which the HDF5
 * library itself crashes, hangs or allocates without bound is refused with
 * one message instead of taking alfe down (docs/campaign-file.md,
 * "Verification").  Used by campaign_print_info (`alfe info`), model_read
 * (`alfe predict`, [oracle] network), model_import_keras and
 * campaign_check_existing (`alfe run`, `alfe train`).
 * Owns: nothing.  Serial; must not call MPI. */
#ifndef ALFE_CAMPAIGN_SANDBOX_H
#define ALFE_CAMPAIGN_SANDBOX_H

/* Run read(arg), the reads the caller is about to make of PATH, in a child
 * with a wall-time and a memory limit.  ALFE_OK when the child's read
 * succeeded (the caller then reads in-process), or when the check is off
 * (ALFE_H5_SANDBOX=0, inside a child already, or PATH is not a readable
 * regular file: the in-process read reports that).  Otherwise the error:
 * the child's own message when its read failed normally, or ALFE_ERR_INPUT
 * "PATH: the HDF5 library could not read the file: it crashed ...; the
 * campaign does not verify and was not changed; restore ... mv PATH.bak PATH"
 * (`noun` names the kind of file; when it contains "campaign" the message
 * ends as campaign_verify_refuse's, else with "and was not changed"). */
int campaign_sandboxed(const char *path, const char *noun, int (*read)(void *arg), void *arg);

#endif
