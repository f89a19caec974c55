/* campaign_space.c — room on disk for a protected change, checked before
 * the change starts (docs/restart.md "Faults").
 *
 * A write that fails inside one of HDF5's collective operations (extending
 * /points allocates and fills chunks collectively; metadata is flushed by
 * several ranks) leaves the ranks that did not fail waiting in the
 * collective for the one that did: with 3 ranks a full disk hung the run
 * (found with tests/integration/test_disk_full.sh).  So before a boundary
 * touches the file, every rank checks its own file-size limit (RLIMIT_FSIZE:
 * `ulimit -f`, some batch systems) against the file's size plus the growth
 * expected, and rank 0 reserves that growth on disk: fallocate with
 * FALLOC_FL_KEEP_SIZE allocates the blocks past the end of the file without
 * changing its size or contents (the later writes use them, so they cannot
 * fail for lack of space), or, where the file system cannot do that,
 * statvfs must show the room free.  The outcome is agreed over the ranks:
 * on failure no rank has started the change, the file is intact, and the run
 * ends with a clear message (exit 1).
 * ALFE_SPACE_CHECK=0 in the environment skips the check (to test what
 * happens without it: tests/integration/test_disk_full.sh).
 * Owns: nothing.  Must not call MPI except through comm.h. */
#define _GNU_SOURCE /* fallocate, FALLOC_FL_KEEP_SIZE */
#include "campaign_internal.h"

#include "alfe/base/comm.h"
#include "alfe/base/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Rounded up generously: HDF5's metadata (B-tree and heap nodes, object
 * headers, attributes) comes on top of the raw data. */
#define SPACE_MARGIN_BYTES ((int64_t)1 << 20)

static double mib(int64_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

static int check_local_limit(const char *path, int64_t size, int64_t need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return ALFE_OK;
    if ((uint64_t)size + (uint64_t)need <= (uint64_t)rl.rlim_cur)
        return ALFE_OK;
    return ALFE_FAIL(ALFE_ERR_RUNTIME,
                     "%s: the next change needs about %.1f MiB more, but the file-size limit "
                     "of rank %d (ulimit -f) is %.1f MiB and the file has %.1f MiB",
                     path, mib(need), comm_rank(), mib((int64_t)rl.rlim_cur), mib(size));
}

static int reserve_on_disk(const char *path, int64_t size, int64_t need)
{
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: cannot open to reserve space: %s", path,
                         strerror(errno));
    int rc = fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)size, (off_t)need);
    int err = errno;
    int status = ALFE_OK;
    if (rc != 0 && (err == ENOSPC || err == EDQUOT || err == EFBIG)) {
        status = ALFE_FAIL(ALFE_ERR_RUNTIME, "%s: the next change needs about %.1f MiB more "
                                             "and the disk has no room for it (%s)",
                           path, mib(need), strerror(err));
    } else if (rc != 0) {
        /* fallocate not supported here (some parallel or network file
         * systems): ask for the free space instead. */
        struct statvfs vfs;
        if (fstatvfs(fd, &vfs) == 0 &&
            (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize < need)
            status = ALFE_FAIL(ALFE_ERR_RUNTIME,
                               "%s: the next change needs about %.1f MiB more but only %.1f MiB "
                               "are free on its file system",
                               path, mib(need), mib((int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize));
    }
    close(fd);
    return status;
}

int campaign_space_reserve(const char *path, int64_t growth)
{
    const char *env = getenv("ALFE_SPACE_CHECK");
    if (env && !strcmp(env, "0"))
        return ALFE_OK;
    int64_t need = growth + SPACE_MARGIN_BYTES;
    struct stat st;
    int64_t size = stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
    int status = check_local_limit(path, size, need);
    if (status == ALFE_OK && comm_rank() == 0)
        status = reserve_on_disk(path, size, need);
    status = comm_agree_status(status);
    if (status != ALFE_OK) {
        char message[3072];
        snprintf(message, sizeof message,
                 "%s; nothing was changed: the campaign is intact and resumes with `alfe run` "
                 "once there is room", alfe_error_message());
        alfe_error_set_message(status, message);
    }
    return status;
}
