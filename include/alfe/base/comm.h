/* comm.h — the parallel layer: the only interface to MPI.
 *
 * Typed wrappers in the manner of CoMD's parallel.c: rank/size, broadcasts,
 * reductions, tagged point-to-point messages of packed bytes, collective error
 * agreement, and the HDF5 MPI-IO file-access hook.  A one-rank run uses the same
 * calls.  Waiting loops (comm_recv_any, comm_barrier_idle) sleep instead of
 * spinning, so an idle coordinator or a worker at a round barrier leaves the
 * core to ranks that compute (important with more ranks than cores). */
#ifndef ALFE_COMM_H
#define ALFE_COMM_H

#include <stddef.h>
#include <stdint.h>

/* Message tags of the coordinator/worker farm, one enum for all. */
enum comm_tag {
    COMM_TAG_REQUEST = 101, /* worker -> coordinator: result of last point + ask */
    COMM_TAG_ASSIGN = 102,  /* coordinator -> worker: a point to evaluate */
    COMM_TAG_RELEASE = 103  /* coordinator -> worker: no more points this phase */
};

int comm_init(int *argc, char ***argv);
void comm_finalize(void);
/* Make comm_finalize end the job with MPI_Abort(code) instead of
 * MPI_Finalize (set on every rank when a file could not be closed: the
 * handlers of MPI_Finalize would touch it). */
void comm_finalize_by_abort(int code);
int comm_rank(void);
int comm_size(void);
int comm_is_initialized(void);
/* Abort every rank (rank-local fatal error). Never returns. */
void comm_abort(int code) __attribute__((noreturn));

void comm_barrier(void);
/* Barrier that sleeps while it waits (see header comment). */
void comm_barrier_idle(void);
/* The same, giving up after `seconds` (< 0: never): 1 when every rank
 * arrived, 0 on time-out (the barrier stays pending: end the job with
 * comm_abort, a later collective would not match). */
int comm_barrier_idle_within(double seconds);

void comm_bcast_bytes(void *buf, size_t bytes, int root);
void comm_bcast_int(int *value, int root);
void comm_bcast_i64(int64_t *value, int root);
void comm_bcast_doubles(double *values, size_t n, int root);
/* Broadcast a heap string from root; other ranks receive a new allocation
 * (their *s is freed first if non-NULL). */
void comm_bcast_string(char **s, int root);

int comm_allreduce_max_int(int value);
int64_t comm_allreduce_sum_i64(int64_t value);
/* Element-wise min, mean and max over ranks of n doubles (all ranks get them). */
void comm_allreduce_min_avg_max(const double *local, size_t n, double *min, double *avg,
                                double *max);

/* Gather to root: rank r sends counts[r] doubles (send); on root, recv
 * (Σ counts) becomes the contributions in rank order (recv unused
 * elsewhere).  counts is the same array on every rank. */
void comm_gatherv_doubles(const double *send, double *recv, const size_t *counts, int root);

/* Collective error agreement: every rank passes its local status; all ranks
 * return the largest status, and the message of the lowest failing rank is
 * copied into every rank's error buffer, so any rank can print it. */
int comm_agree_status(int local_status);

/* Tagged messages of packed bytes. */
void comm_send_bytes(int dest, int tag, const void *buf, size_t bytes);
/* Receive from any source with any of the farm tags, sleeping between polls.
 * Returns the byte count; fails (aborts) when the message exceeds capacity. */
size_t comm_recv_any(void *buf, size_t capacity, int *source, int *tag);
/* The same, giving up after `seconds` (< 0: never): 1 and the message (its
 * byte count in *got), or 0 when nothing arrived in time. */
int comm_recv_any_within(void *buf, size_t capacity, int *source, int *tag, double seconds,
                         size_t *got);
/* Blocking receive from one source (any tag). */
size_t comm_recv_from(int source, void *buf, size_t capacity, int *tag);

/* ---- Watched phases: a rank that falls silent inside a collective ------
 * A blocking collective waits forever for a rank that stopped (SIGSTOP, a
 * hung node).  Between comm_watch_phase("training round 3 (4 of 5)") and
 * comm_watch_phase(NULL) every collective of this file is started
 * non-blocking and polled; while rank 0 waits in one it asks the other ranks
 * (a small PING message, answered whenever they poll: in a collective, in
 * comm_watch_beat, in the farm's receives).  A rank that has not answered
 * for warn_seconds is handed to `handler` (once per wait); past
 * timeout_seconds the handler is called with timed_out = 1 and must end the
 * job (comm_abort); if it returns, rank 0 aborts with status 1.  Collective
 * calls inside HDF5 block there: see blocking_io below.
 * Outside a phase, or with both limits 0, the blocking calls are used. */
typedef struct {
    int rank;            /* the silent rank; -1: unknown (blocked inside HDF5) */
    const char *host;    /* its host (MPI_Get_processor_name); NULL if unknown */
    double silent;       /* seconds without an answer from it */
    double waited;       /* seconds rank 0 has waited in this collective */
    const char *phase;   /* the phase text given to comm_watch_phase */
    int timed_out;       /* past timeout_seconds: end the job */
} comm_silence;
typedef void (*comm_watch_fn)(const comm_silence *silence, void *context);
/* Collective, once per run (gathers the hosts on rank 0, starts rank 0's
 * guard thread, reads ALFE_FAULT_STOP): the limits (0 = never) and the
 * handler (rank 0). */
void comm_watch_set(double warn_seconds, double timeout_seconds, comm_watch_fn handler,
                    void *context);
/* Every rank, at the same points: the phase (NULL or "" ends it).
 * blocking_io: the phase also makes collective calls inside HDF5 (a round
 * boundary); a thread on rank 0 then reports, with rank = -1 (unknown),
 * when the main thread has been outside a watched collective for the
 * limits (it is blocked inside HDF5, or the boundary's own work is slow). */
void comm_watch_phase(const char *phase, int blocking_io);
/* The phase being watched, or NULL. */
const char *comm_watch_current(void);
/* Cheap (a clock read; a message probe at most every 20 ms): lets a rank
 * that computes between two collectives answer rank 0 (training epochs). */
void comm_watch_beat(void);

/* This process's host (MPI_Get_processor_name; "?" when unknown). */
void comm_processor_name(char *buf, size_t size);
/* The MPI library's version string (first line). */
void comm_library_version(char *buf, size_t size);

/* Install the MPI-IO driver on an HDF5 file-access property list (hid_t). */
int comm_hdf5_set_fapl_mpio(int64_t fapl);
/* Select independent (1) or collective (0) MPI-IO on a transfer list. */
int comm_hdf5_set_dxpl(int64_t dxpl, int independent);

/* ---- Groups of ranks (sub-communicators) ------------------------------
 * A comm_group is a set of ranks that act together, e.g. the ranks sharing
 * one committee member (train.c sums their gradients).  It wraps an MPI
 * communicator; callers never see MPI.  Without MPI (unit tests) or on one
 * rank every group has one member and the collectives below are no-ops, so
 * one-rank runs go through the same code.  A NULL group means "this rank
 * alone": rank 0 of size 1. */
typedef struct comm_group comm_group;

/* Every rank (a new handle on the world; free it with comm_group_free). */
int comm_group_world(comm_group **out);
/* Collective over the world: ranks passing the same color >= 0 form one
 * group, ordered by key (ties by world rank); color < 0 gives *out = NULL. */
int comm_group_split(int color, int key, comm_group **out);
int comm_group_rank(const comm_group *group);
int comm_group_size(const comm_group *group);
/* In place: buf (n) becomes the element-wise sum over the group.  MPI's
 * summation order depends on the group size: callers that need results
 * independent of it sum only one non-zero contribution per element (see
 * train.c). */
void comm_group_allreduce_sum_doubles(const comm_group *group, double *buf, size_t n);
/* buf (n) on every rank of the group becomes root's (root = group rank). */
void comm_group_bcast_doubles(const comm_group *group, double *buf, size_t n, int root);
/* Every rank r contributes counts[r] doubles (send); recv (Σ counts) on every
 * rank becomes the contributions in rank order.  counts is the same array
 * on every rank. */
void comm_group_allgather_doubles(const comm_group *group, const double *send, double *recv,
                                  const size_t *counts);
void comm_group_free(comm_group **group);

#endif
