/* comm.c — the only file that calls MPI (and the MPI parts of HDF5).
 * Owns: MPI initialisation, the world communicator, message transport.
 * Must not know what a point, a round or a network is: payloads are bytes
 * packed and checked by their owners (farm.c).
 * The one HDF5 exception outside io/: the MPI-IO hook
 * (comm_hdf5_set_fapl_mpio, comm_hdf5_set_dxpl) includes hdf5.h because its
 * calls take the MPI communicator; io/ passes property lists in as int64_t
 * and no other HDF5 call may appear here (tests/integration/test_layers.sh). */
#include "alfe/base/comm.h"

#include "alfe/base/error.h"
#include "alfe/base/util.h"

#include <hdf5.h>
#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>

static int world_rank = 0;
static int world_size = 1;
static int initialized = 0;

static int watching(void);
static void watch_wait(MPI_Request *request);
static void answer_pings(void);
static void collect_pongs(double now);

int comm_init(int *argc, char ***argv)
{
    /* Open MPI's OMPIO keeps a named semaphore per file *basename* in
     * /dev/shm (sharedfp/sm); a process killed while opening or closing the
     * campaign leaves it locked and the next run hangs in MPI_File_open (seen
     * in tests/integration/test_restart_kill.sh), and two campaigns with the
     * same file name would share it.  ROMIO has neither problem, so it is
     * the default unless the user chose an io component. */
    setenv("OMPI_MCA_io", getenv("OMPI_MCA_io") ? getenv("OMPI_MCA_io") : "romio321", 1);
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    alfe_set_fatal_rank(world_rank);
    initialized = 1;
    return ALFE_OK;
}

static int finalize_by_abort = 0;

void comm_finalize_by_abort(int code)
{
    finalize_by_abort = code;
}

static void guard_stop(void);

void comm_finalize(void)
{
    guard_stop();
    /* A library with an object it could not release (an HDF5 file whose
     * close failed) would crash in the handlers MPI_Finalize runs: end the
     * job without them.  Every rank calls this with the agreed status. */
    if (initialized && finalize_by_abort) {
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, finalize_by_abort);
    }
    if (initialized) {
        MPI_Finalize();
        initialized = 0;
    }
}

int comm_rank(void) { return world_rank; }
int comm_size(void) { return world_size; }
int comm_is_initialized(void) { return initialized; }

void comm_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
    if (initialized)
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

void comm_barrier(void)
{
    if (!initialized)
        return;
    if (!watching()) {
        MPI_Barrier(MPI_COMM_WORLD);
        return;
    }
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    watch_wait(&request);
}

/* Sleep with a growing interval: short waits stay fast, long waits idle. */
static void idle_pause(long *nanoseconds)
{
    struct timespec ts = {0, *nanoseconds};
    nanosleep(&ts, NULL);
    if (*nanoseconds < 1000000L)
        *nanoseconds *= 2;
}

/* ---- The watch over silent ranks (comm.h, "watched phases") -------------
 * Inside a watched phase every collective of this file is started
 * non-blocking and completed by watch_wait, which polls it: 2 ms of tight
 * MPI_Test (as fast as the blocking call, which busy-polls too), then
 * MPI_Test with growing sleeps.  While it waits, rank 0 sends every other
 * rank a PING (one outstanding per rank) every ping interval; the other
 * ranks answer PONG whenever they poll: in their own watch_wait, in
 * comm_watch_beat (called by long computations between collectives), in the
 * farm's receives.  A rank that has not answered since rank 0 began to wait
 * is silent; rank 0 hands it to the handler past warn_seconds (once per
 * wait) and past timeout_seconds (the handler ends the job).  Outside a
 * phase the blocking MPI calls are used, unchanged. */
enum { TAG_PING = 110, TAG_PONG = 111 };

static struct {
    double warn, timeout;        /* 0 = never */
    comm_watch_fn handler;
    void *context;
    char phase[200];
    int on;                      /* a phase is set and a limit is > 0 */
    double last_beat;            /* ranks > 0: the last look for a PING */
    char (*hosts)[64];           /* rank 0: every rank's host */
    int *outstanding;            /* rank 0: a PING is unanswered */
    double *heard;               /* rank 0: when rank r last answered */
    double *pinged;              /* rank 0: when rank r was last pinged */
    int *warned;                 /* rank 0: warned about r in this wait */
} watch;

static void answer_pings(void)
{
    for (;;) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(0, TAG_PING, MPI_COMM_WORLD, &flag, &status);
        if (!flag)
            return;
        int64_t seq = 0;
        MPI_Recv(&seq, 1, MPI_INT64_T, 0, TAG_PING, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&seq, 1, MPI_INT64_T, 0, TAG_PONG, MPI_COMM_WORLD);
    }
}

/* Rank 0: take every PONG that arrived. */
static void collect_pongs(double now)
{
    for (;;) {
        int flag = 0;
        MPI_Status status;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_PONG, MPI_COMM_WORLD, &flag, &status);
        if (!flag)
            return;
        int64_t seq = 0;
        MPI_Recv(&seq, 1, MPI_INT64_T, status.MPI_SOURCE, TAG_PONG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (watch.outstanding && status.MPI_SOURCE > 0 && status.MPI_SOURCE < world_size) {
            watch.outstanding[status.MPI_SOURCE] = 0;
            watch.heard[status.MPI_SOURCE] = now;
        }
    }
}

static double ping_interval(void)
{
    double limit = watch.warn > 0 ? watch.warn : watch.timeout;
    double interval = limit / 4;
    return interval < 0.05 ? 0.05 : interval > 5.0 ? 5.0 : interval;
}

/* Rank 0, while it waits (since `start`): ping, listen, judge. */
static void watch_check(double start, double now)
{
    collect_pongs(now);
    static int64_t seq = 0;
    for (int r = 1; r < world_size; r++) {
        if (!watch.outstanding[r] && now - watch.pinged[r] >= ping_interval()) {
            seq++;
            MPI_Send(&seq, 1, MPI_INT64_T, r, TAG_PING, MPI_COMM_WORLD);
            watch.outstanding[r] = 1;
            watch.pinged[r] = now;
        }
    }
    for (int r = 1; r < world_size; r++) {
        if (!watch.outstanding[r])
            continue;
        double since = watch.heard[r] > start ? watch.heard[r] : start;
        double silent = now - since;
        comm_silence s = {r, watch.hosts[r], silent, now - start, watch.phase, 0};
        if (watch.timeout > 0 && silent >= watch.timeout) {
            s.timed_out = 1;
            if (watch.handler)
                watch.handler(&s, watch.context);
            fprintf(stderr, "[rank 0] alfe: rank %d silent for %.1f s during %s\n", r, silent,
                    watch.phase);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        if (watch.warn > 0 && (watch.timeout <= 0 || watch.warn < watch.timeout) &&
            !watch.warned[r] && silent >= watch.warn) {
            watch.warned[r] = 1;
            if (watch.handler)
                watch.handler(&s, watch.context);
        }
    }
}

/* ---- The guard thread (rank 0): waits inside HDF5 -------------------------
 * A phase marked blocking_io (the round boundaries) also makes collective
 * calls inside HDF5, which block in the library where no PING can be sent.
 * A thread on rank 0 watches the main thread there: when it has been
 * outside watch_wait (so inside HDF5, or copying the backup) for
 * warn_seconds / timeout_seconds since the phase began or its last watched
 * collective ended, the thread calls the handler with rank = -1 (which rank
 * is silent cannot be asked).  The thread calls no MPI except, on time-out,
 * the handler's MPI_Abort (Open MPI 4.1 ends the job from any thread under
 * MPI_THREAD_FUNNELED; tested, docs/architecture.md). */
static struct {
    pthread_mutex_t lock;
    pthread_t thread;
    int started, stop;
    int blocking_io;    /* the phase makes collective calls inside HDF5 */
    int in_wait;        /* the main thread is in watch_wait */
    int warned;
    double mark;        /* CLOCK_MONOTONIC: phase start or last watched collective */
    char phase[200];
} guard = {.lock = PTHREAD_MUTEX_INITIALIZER};

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void guard_mark(int in_wait)
{
    pthread_mutex_lock(&guard.lock);
    guard.in_wait = in_wait;
    if (!in_wait) {
        guard.mark = mono_now();
        guard.warned = 0;
    }
    pthread_mutex_unlock(&guard.lock);
}

static void *guard_main(void *unused)
{
    (void)unused;
    double limit = watch.warn > 0 ? watch.warn : watch.timeout;
    double step = limit / 20;
    step = step < 0.01 ? 0.01 : step > 0.25 ? 0.25 : step;
    struct timespec pause = {(time_t)step, (long)((step - (double)(time_t)step) * 1e9)};
    for (;;) {
        nanosleep(&pause, NULL);
        pthread_mutex_lock(&guard.lock);
        if (guard.stop) {
            pthread_mutex_unlock(&guard.lock);
            return NULL;
        }
        double waited = mono_now() - guard.mark;
        int due_timeout = guard.blocking_io && !guard.in_wait && watch.timeout > 0 &&
                          waited >= watch.timeout;
        int due_warn = guard.blocking_io && !guard.in_wait && !guard.warned &&
                       watch.warn > 0 && (watch.timeout <= 0 || watch.warn < watch.timeout) &&
                       waited >= watch.warn;
        char phase[200];
        memcpy(phase, guard.phase, sizeof phase);
        if (due_warn)
            guard.warned = 1;
        pthread_mutex_unlock(&guard.lock);
        if (!due_timeout && !due_warn)
            continue;
        comm_silence s = {-1, NULL, waited, waited, phase, due_timeout};
        if (watch.handler)
            watch.handler(&s, watch.context);
        if (due_timeout) {
            fprintf(stderr, "[rank 0] alfe: waited %.1f s inside collective I/O during %s\n",
                    waited, phase);
            comm_abort(ALFE_ERR_RUNTIME);
        }
    }
}

static void guard_stop(void)
{
    if (!guard.started)
        return;
    pthread_mutex_lock(&guard.lock);
    guard.stop = 1;
    pthread_mutex_unlock(&guard.lock);
    pthread_join(guard.thread, NULL);
    guard.started = 0;
}

/* ---- Fault injection for the tests -------------------------------------
 * ALFE_FAULT_STOP="R:PREFIX:N": rank R stops itself (SIGSTOP) right after
 * its N-th watched collective in phases whose text begins with PREFIX, as a
 * hung rank would (tests/integration/test_worker_silence.sh uses it to stop
 * a rank at a chosen place inside a round boundary or an acquisition). */
static struct {
    int armed, rank, nth, count;
    char prefix[160];
} fault;

static void fault_parse(void)
{
    const char *env = getenv("ALFE_FAULT_STOP");
    if (!env)
        return;
    char prefix[160];
    int rank = -1, nth = 0, used = 0;
    if (sscanf(env, "%d:%159[^:]:%d%n", &rank, prefix, &nth, &used) == 3 &&
        env[used] == '\0' && rank >= 0 && nth > 0) {
        fault.armed = 1;
        fault.rank = rank;
        fault.nth = nth;
        snprintf(fault.prefix, sizeof fault.prefix, "%s", prefix);
    } else {
        fprintf(stderr, "alfe: ALFE_FAULT_STOP=%s is not RANK:PHASE-PREFIX:N; ignored\n", env);
    }
}

static void fault_after_collective(void)
{
    if (!fault.armed || fault.rank != world_rank ||
        strncmp(watch.phase, fault.prefix, strlen(fault.prefix)) != 0)
        return;
    if (++fault.count == fault.nth) {
        fault.armed = 0;
        fprintf(stderr, "[rank %d] ALFE_FAULT_STOP: stopping after watched collective %d of %s\n",
                world_rank, fault.count, watch.phase);
        fflush(stderr);
        raise(SIGSTOP);
    }
}

/* Complete a started collective (see above). */
static void watch_poll(MPI_Request *request);

static void watch_wait(MPI_Request *request)
{
    int guarded = guard.started && guard.blocking_io;
    if (guarded)
        guard_mark(1);
    watch_poll(request);
    if (guarded)
        guard_mark(0);
    fault_after_collective();
}

static void watch_poll(MPI_Request *request)
{
    int done = 0;
    double start = MPI_Wtime();
    for (int i = 0;; i++) {
        MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        if ((i & 63) == 63 && MPI_Wtime() - start > 2e-3)
            break;
    }
    if (world_rank == 0)
        for (int r = 1; r < world_size; r++)
            watch.warned[r] = 0;
    long pause = 20000L;
    for (;;) {
        MPI_Test(request, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        double now = MPI_Wtime();
        if (world_rank == 0)
            watch_check(start, now);
        else {
            answer_pings();
            watch.last_beat = now;
        }
        idle_pause(&pause);
    }
}

static int watching(void)
{
    return initialized && world_size > 1 && watch.on;
}

void comm_watch_set(double warn_seconds, double timeout_seconds, comm_watch_fn handler,
                    void *context)
{
    watch.warn = warn_seconds > 0 ? warn_seconds : 0;
    watch.timeout = timeout_seconds > 0 ? timeout_seconds : 0;
    watch.handler = handler;
    watch.context = context;
    if (!initialized || world_size == 1 || watch.hosts)
        return;
    char host[64];
    comm_processor_name(host, sizeof host);
    if (world_rank == 0) {
        watch.hosts = ALFE_CALLOC((size_t)world_size, sizeof *watch.hosts);
        watch.outstanding = ALFE_CALLOC((size_t)world_size, sizeof *watch.outstanding);
        watch.heard = ALFE_CALLOC((size_t)world_size, sizeof *watch.heard);
        watch.pinged = ALFE_CALLOC((size_t)world_size, sizeof *watch.pinged);
        watch.warned = ALFE_CALLOC((size_t)world_size, sizeof *watch.warned);
    }
    MPI_Gather(host, (int)sizeof host, MPI_CHAR, watch.hosts ? watch.hosts[0] : NULL,
               (int)sizeof host, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (world_rank == 0)
        for (int r = 0; r < world_size; r++)
            watch.hosts[r][63] = '\0';
    fault_parse();
    if (world_rank == 0 && (watch.warn > 0 || watch.timeout > 0)) {
        guard.mark = mono_now();
        guard.started = pthread_create(&guard.thread, NULL, guard_main, NULL) == 0;
        if (!guard.started)
            fprintf(stderr, "alfe: warning: no guard thread (pthread_create failed): a rank "
                            "silent inside a round boundary's HDF5 calls is not reported\n");
    }
}

void comm_watch_phase(const char *phase, int blocking_io)
{
    snprintf(watch.phase, sizeof watch.phase, "%s", phase ? phase : "");
    watch.on = phase && phase[0] && (watch.warn > 0 || watch.timeout > 0) &&
               (world_rank != 0 || watch.hosts);
    fault.count = 0;
    if (guard.started) {
        pthread_mutex_lock(&guard.lock);
        memcpy(guard.phase, watch.phase, sizeof guard.phase);
        guard.blocking_io = watch.on && blocking_io;
        guard.in_wait = 0;
        guard.warned = 0;
        guard.mark = mono_now();
        pthread_mutex_unlock(&guard.lock);
    }
}

const char *comm_watch_current(void)
{
    return watch.on ? watch.phase : NULL;
}

void comm_watch_beat(void)
{
    if (!watching() || world_rank == 0)
        return;
    double now = MPI_Wtime();
    if (now - watch.last_beat < 0.02)
        return;
    watch.last_beat = now;
    answer_pings();
}

/* The collectives below: non-blocking and watched inside a phase, the
 * blocking call otherwise. */
static void allreduce(const void *send, void *recv, int n, MPI_Datatype type, MPI_Op op,
                      MPI_Comm comm)
{
    if (!watching()) {
        MPI_Allreduce(send, recv, n, type, op, comm);
        return;
    }
    MPI_Request request;
    MPI_Iallreduce(send, recv, n, type, op, comm, &request);
    watch_wait(&request);
}

static void bcast(void *buf, int n, MPI_Datatype type, int root, MPI_Comm comm)
{
    if (!watching()) {
        MPI_Bcast(buf, n, type, root, comm);
        return;
    }
    MPI_Request request;
    MPI_Ibcast(buf, n, type, root, comm, &request);
    watch_wait(&request);
}

int comm_barrier_idle_within(double seconds)
{
    if (!initialized || world_size == 1)
        return 1;
    MPI_Request request;
    MPI_Ibarrier(MPI_COMM_WORLD, &request);
    int done = 0;
    long pause = 20000L;
    double start = MPI_Wtime();
    for (;;) {
        MPI_Test(&request, &done, MPI_STATUS_IGNORE);
        if (done)
            return 1;
        /* The request stays pending: the caller ends the job (comm_abort). */
        if (seconds >= 0 && MPI_Wtime() - start >= seconds)
            return 0;
        idle_pause(&pause);
    }
}

void comm_barrier_idle(void)
{
    comm_barrier_idle_within(-1.0);
}

void comm_bcast_bytes(void *buf, size_t bytes, int root)
{
    if (!initialized || world_size == 1)
        return;
    /* MPI counts are int: send in pieces below 1 GiB. */
    char *p = buf;
    while (bytes > 0) {
        size_t piece = bytes > (1u << 30) ? (1u << 30) : bytes;
        bcast(p, (int)piece, MPI_BYTE, root, MPI_COMM_WORLD);
        p += piece;
        bytes -= piece;
    }
}

void comm_bcast_int(int *value, int root) { comm_bcast_bytes(value, sizeof *value, root); }
void comm_bcast_i64(int64_t *value, int root) { comm_bcast_bytes(value, sizeof *value, root); }

void comm_bcast_doubles(double *values, size_t n, int root)
{
    comm_bcast_bytes(values, n * sizeof *values, root);
}

void comm_gatherv_doubles(const double *send, double *recv, const size_t *counts, int root)
{
    if (!initialized || world_size == 1) {
        if (recv != send && counts[0] > 0)
            memmove(recv, send, counts[0] * sizeof *recv);
        return;
    }
    int *icounts = ALFE_MALLOC(2 * (size_t)world_size * sizeof *icounts);
    int *displs = icounts + world_size;
    size_t total = 0;
    for (int r = 0; r < world_size; r++) {
        if (counts[r] > (size_t)INT_MAX || total > (size_t)INT_MAX) {
            fprintf(stderr, "[rank %d] %s:%d: gather of %zu doubles exceeds MPI's int\n",
                    world_rank, __FILE__, __LINE__, counts[r]);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        icounts[r] = (int)counts[r];
        displs[r] = (int)total;
        total += counts[r];
    }
    if (!watching()) {
        MPI_Gatherv(send, icounts[world_rank], MPI_DOUBLE, recv, icounts, displs, MPI_DOUBLE,
                    root, MPI_COMM_WORLD);
    } else {
        MPI_Request request;
        MPI_Igatherv(send, icounts[world_rank], MPI_DOUBLE, recv, icounts, displs, MPI_DOUBLE,
                     root, MPI_COMM_WORLD, &request);
        watch_wait(&request);
    }
    free(icounts);
}

void comm_bcast_string(char **s, int root)
{
    int64_t n = 0;
    if (world_rank == root)
        n = *s ? (int64_t)strlen(*s) + 1 : 0;
    comm_bcast_i64(&n, root);
    if (world_rank != root) {
        free(*s);
        *s = NULL;
        if (n > 0)
            *s = ALFE_MALLOC((size_t)n);
    }
    if (n > 0)
        comm_bcast_bytes(*s, (size_t)n, root);
}

int comm_allreduce_max_int(int value)
{
    int out = value;
    if (initialized && world_size > 1)
        allreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out;
}

int64_t comm_allreduce_sum_i64(int64_t value)
{
    int64_t out = value;
    if (initialized && world_size > 1)
        allreduce(&value, &out, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    return out;
}

void comm_allreduce_min_avg_max(const double *local, size_t n, double *min, double *avg,
                                double *max)
{
    if (!initialized || world_size == 1) {
        memcpy(min, local, n * sizeof *local);
        memcpy(avg, local, n * sizeof *local);
        memcpy(max, local, n * sizeof *local);
        return;
    }
    allreduce(local, min, (int)n, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    allreduce(local, max, (int)n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    allreduce(local, avg, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (size_t i = 0; i < n; i++)
        avg[i] /= world_size;
}

int comm_agree_status(int local_status)
{
    if (!initialized || world_size == 1)
        return local_status;
    int worst = comm_allreduce_max_int(local_status);
    if (worst == ALFE_OK)
        return ALFE_OK;
    /* The lowest rank holding the worst status speaks for everyone. */
    int candidate = local_status == worst ? world_rank : world_size;
    int speaker;
    allreduce(&candidate, &speaker, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    char message[2048];
    if (world_rank == speaker)
        snprintf(message, sizeof message, "%s", alfe_error_message());
    bcast(message, (int)sizeof message, MPI_CHAR, speaker, MPI_COMM_WORLD);
    message[sizeof message - 1] = '\0';
    if (world_rank != speaker)
        alfe_error_set_message(worst, message);
    return worst;
}

void comm_send_bytes(int dest, int tag, const void *buf, size_t bytes)
{
    MPI_Send(buf, (int)bytes, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
}

static size_t receive_probed(MPI_Status *status, void *buf, size_t capacity)
{
    int count = 0;
    MPI_Get_count(status, MPI_BYTE, &count);
    if ((size_t)count > capacity) {
        fprintf(stderr, "[rank %d] %s:%d: message of %d bytes from rank %d exceeds %zu\n",
                world_rank, __FILE__, __LINE__, count, status->MPI_SOURCE, capacity);
        comm_abort(ALFE_ERR_RUNTIME);
    }
    MPI_Recv(buf, count, MPI_BYTE, status->MPI_SOURCE, status->MPI_TAG, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    return (size_t)count;
}

int comm_recv_any_within(void *buf, size_t capacity, int *source, int *tag, double seconds,
                         size_t *got)
{
    MPI_Status status;
    int flag = 0;
    long pause = 20000L;
    /* Answer quickly when requests come fast (short evaluations): poll with
     * sched_yield for up to 2 ms, which leaves the core to a worker sharing
     * it; then sleep with growing pauses (long evaluations).  Sleeping at
     * once would add the kernel's timer slack (~50 µs) to every request. */
    double start = MPI_Wtime();
    double spin_until = start + 2e-3;
    for (;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
        if (flag && status.MPI_TAG == TAG_PONG) { /* a late answer to the watch */
            collect_pongs(MPI_Wtime());
            continue;
        }
        if (flag)
            break;
        double now = MPI_Wtime();
        if (seconds >= 0 && now - start >= seconds)
            return 0;
        if (now < spin_until)
            sched_yield();
        else
            idle_pause(&pause);
    }
    *source = status.MPI_SOURCE;
    *tag = status.MPI_TAG;
    *got = receive_probed(&status, buf, capacity);
    return 1;
}

size_t comm_recv_any(void *buf, size_t capacity, int *source, int *tag)
{
    size_t got = 0;
    comm_recv_any_within(buf, capacity, source, tag, -1.0, &got);
    return got;
}

size_t comm_recv_from(int source, void *buf, size_t capacity, int *tag)
{
    MPI_Status status;
    for (;;) {
        MPI_Probe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &status);
        if (status.MPI_TAG != TAG_PING)
            break;
        answer_pings(); /* the watch's question, left from a phase before */
    }
    *tag = status.MPI_TAG;
    return receive_probed(&status, buf, capacity);
}

void comm_processor_name(char *buf, size_t size)
{
    char name[MPI_MAX_PROCESSOR_NAME];
    int len = 0;
    if (!initialized || MPI_Get_processor_name(name, &len) != MPI_SUCCESS)
        snprintf(name, sizeof name, "?");
    snprintf(buf, size, "%s", name);
}

void comm_library_version(char *buf, size_t size)
{
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(version, &len);
    version[strcspn(version, "\n,")] = '\0';
    snprintf(buf, size, "%s", version);
}

int comm_hdf5_set_fapl_mpio(int64_t fapl)
{
    if (H5Pset_fapl_mpio((hid_t)fapl, MPI_COMM_WORLD, MPI_INFO_NULL) < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "H5Pset_fapl_mpio failed");
    return ALFE_OK;
}

int comm_hdf5_set_dxpl(int64_t dxpl, int independent)
{
    if (H5Pset_dxpl_mpio((hid_t)dxpl, independent ? H5FD_MPIO_INDEPENDENT
                                                  : H5FD_MPIO_COLLECTIVE) < 0)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "H5Pset_dxpl_mpio failed");
    return ALFE_OK;
}

/* ---- Groups of ranks --------------------------------------------------- */

struct comm_group {
    MPI_Comm comm;  /* MPI_COMM_NULL when MPI is not initialised */
    int rank, size;
    int owns;       /* the communicator was created here (free it) */
};

/* MPI counts are int: collectives on doubles go in pieces of 2^27 (1 GiB). */
#define COMM_PIECE_DOUBLES ((size_t)1 << 27)

static comm_group *group_new(MPI_Comm comm, int owns)
{
    comm_group *g = ALFE_CALLOC(1, sizeof *g);
    g->comm = comm;
    g->owns = owns;
    g->rank = 0;
    g->size = 1;
    if (comm != MPI_COMM_NULL) {
        MPI_Comm_rank(comm, &g->rank);
        MPI_Comm_size(comm, &g->size);
    }
    return g;
}

int comm_group_world(comm_group **out)
{
    *out = group_new(initialized ? MPI_COMM_WORLD : MPI_COMM_NULL, 0);
    return ALFE_OK;
}

int comm_group_split(int color, int key, comm_group **out)
{
    *out = NULL;
    if (!initialized) {
        if (color >= 0)
            *out = group_new(MPI_COMM_NULL, 0);
        return ALFE_OK;
    }
    MPI_Comm comm = MPI_COMM_NULL;
    if (MPI_Comm_split(MPI_COMM_WORLD, color >= 0 ? color : MPI_UNDEFINED, key, &comm) !=
        MPI_SUCCESS)
        return ALFE_FAIL(ALFE_ERR_RUNTIME, "MPI_Comm_split failed");
    if (comm != MPI_COMM_NULL)
        *out = group_new(comm, 1);
    return ALFE_OK;
}

int comm_group_rank(const comm_group *group) { return group ? group->rank : 0; }
int comm_group_size(const comm_group *group) { return group ? group->size : 1; }

void comm_group_allreduce_sum_doubles(const comm_group *group, double *buf, size_t n)
{
    if (!group || group->size == 1 || group->comm == MPI_COMM_NULL)
        return;
    for (size_t done = 0; done < n; done += COMM_PIECE_DOUBLES) {
        size_t piece = n - done < COMM_PIECE_DOUBLES ? n - done : COMM_PIECE_DOUBLES;
        allreduce(MPI_IN_PLACE, buf + done, (int)piece, MPI_DOUBLE, MPI_SUM, group->comm);
    }
}

void comm_group_bcast_doubles(const comm_group *group, double *buf, size_t n, int root)
{
    if (!group || group->size == 1 || group->comm == MPI_COMM_NULL)
        return;
    for (size_t done = 0; done < n; done += COMM_PIECE_DOUBLES) {
        size_t piece = n - done < COMM_PIECE_DOUBLES ? n - done : COMM_PIECE_DOUBLES;
        bcast(buf + done, (int)piece, MPI_DOUBLE, root, group->comm);
    }
}

void comm_group_allgather_doubles(const comm_group *group, const double *send, double *recv,
                                  const size_t *counts)
{
    if (!group || group->size == 1 || group->comm == MPI_COMM_NULL) {
        if (recv != send)
            memmove(recv, send, counts[0] * sizeof *recv);
        return;
    }
    int *icounts = ALFE_MALLOC(2 * (size_t)group->size * sizeof *icounts);
    int *displs = icounts + group->size;
    size_t total = 0;
    for (int r = 0; r < group->size; r++) {
        if (counts[r] > (size_t)INT_MAX || total > (size_t)INT_MAX) {
            fprintf(stderr, "[rank %d] %s:%d: allgather of %zu doubles exceeds MPI's int\n",
                    world_rank, __FILE__, __LINE__, counts[r]);
            comm_abort(ALFE_ERR_RUNTIME);
        }
        icounts[r] = (int)counts[r];
        displs[r] = (int)total;
        total += counts[r];
    }
    if (!watching()) {
        MPI_Allgatherv(send, icounts[group->rank], MPI_DOUBLE, recv, icounts, displs,
                       MPI_DOUBLE, group->comm);
    } else {
        MPI_Request request;
        MPI_Iallgatherv(send, icounts[group->rank], MPI_DOUBLE, recv, icounts, displs,
                        MPI_DOUBLE, group->comm, &request);
        watch_wait(&request);
    }
    free(icounts);
}

void comm_group_free(comm_group **group)
{
    if (!*group)
        return;
    /* A communicator cannot be freed after MPI_Finalize. */
    if ((*group)->owns && (*group)->comm != MPI_COMM_NULL && initialized)
        MPI_Comm_free(&(*group)->comm);
    ALFE_FREE(*group);
}
