#!/bin/bash
# al_round.sh — run or continue an alfe campaign as a SLURM batch job, and
# continue it in a new job when the time limit comes first (jobs/README.md).
#
#   sbatch jobs/al_round.sh CONFIG            (or ALFE_CONFIG=CONFIG sbatch jobs/al_round.sh)
#
# Defaults; change them here, on the sbatch command line, or with SBATCH_*
# variables (see "Options of the continuations" below):
#SBATCH --job-name=al_round
#SBATCH --nodes=1
#   One rank coordinates (it sleeps while it waits) and the others evaluate
#   points; on one node of 16 cores, 16 tasks keep 15 cores busy (with
#   --overcommit, 17 tasks keep all 16 busy).
#SBATCH --ntasks=16
#SBATCH --time=24:00:00
#   B:USR1@300: SLURM sends SIGUSR1 to this batch shell about 300 s before the
#   time limit (up to ~60 s earlier: slurmctld checks every 30 s).  The shell
#   passes it on to the launcher (srun or mpirun), which forwards it to every
#   rank; alfe then hands out no new points, finishes and writes the points in
#   flight, and exits 0.  300 s must cover the longest single point plus the
#   file's close and the resubmission.  (Without "B:" SLURM would signal the
#   tasks of srun's step directly and not this shell; that also stops alfe,
#   but not alfe under mpirun, whose ranks are not a step.)
#SBATCH --signal=B:USR1@300
#SBATCH --output=%x-%j.out
#
# What it does:
#   1. launches `srun --mpi=pmix ALFE run CONFIG` when srun has the pmix
#      plugin, else `mpirun -n NTASKS ALFE run CONFIG` (ALFE_LAUNCHER=srun or
#      mpirun forces one; as root, mpirun gets Open MPI's root variables), with
#      OPENBLAS_NUM_THREADS=1;
#   2. on SIGUSR1 (warning) or SIGTERM (time limit or scancel) sends SIGUSR1 to
#      the launcher and waits for alfe to stop;
#   3. reads the campaign's state with `alfe info` (its last line, "status
#      N of M rounds done: complete", "...: complete (stopped: REASON)" when
#      the [stop] rule ended it early, or ": incomplete ...") and submits its
#      own continuation, `sbatch --dependency=afterany:THIS_JOB`, only when
#      alfe exited 0 or stopped gracefully on a signal (a run record of this
#      job with exit_reason "signal": mpirun itself may exit 1 when it got
#      SIGTERM) and the campaign is incomplete, and
#        - the job was not cancelled (scancel ends the chain),
#        - this job evaluated at least one point (otherwise a continuation
#          would not either: e.g. a single point longer than the job), and
#        - the chain is shorter than ALFE_CHAIN_MAX jobs (default 50).
#      A real error (alfe exit 1 or 2, e.g. a bad config) is never resubmitted:
#      the job fails with alfe's message in its output file and exit code.
#      Exit 3 is alfe's "stopped, resume": a worker rank was silent longer
#      than [run] worker_timeout_seconds (a hung node or process), rank 0 left
#      the campaign resumable and ended the job with MPI_Abort; it is
#      resubmitted like a graceful stop, under the same guards.  A launcher
#      may report MPI_Abort's status differently (srun), so the script also
#      recognises the stop by the line alfe appends to CAMPAIGN.log.
#
# Variables (all optional):
#   ALFE_CONFIG      the config, when no argument is given
#   ALFE_BIN         the alfe binary (default: bin/alfe next to jobs/, else alfe on PATH)
#   ALFE_CAMPAIGN    the campaign file (default: [campaign] output of the config,
#                    relative to the job's working directory, as alfe reads it)
#   ALFE_LAUNCHER    auto (default), srun or mpirun
#   ALFE_SRUN_ARGS   srun options (default --mpi=pmix when srun --mpi=list has pmix)
#   ALFE_MPIRUN      the mpirun command (default mpirun)
#   ALFE_CHAIN_MAX   the longest chain of jobs (default 50; 0 = never resubmit)
#   ALFE_CHAIN_INDEX this job's place in the chain (set by the script, 1 = first)
#   ALFE_SBATCH_ARGS extra sbatch options for the continuations
#
# Options of the continuations: a continuation gets this script's #SBATCH
# lines, the SBATCH_* variables of the environment (sbatch reads them; each
# job passes them on), and copies of this job's time limit, partition,
# account, QOS, nodes, tasks, CPUs per task, overcommit, job name and output
# file pattern.  SLURM does not tell a job its --signal option: to change the
# warning for the whole chain edit the #SBATCH line above or submit with
# SBATCH_SIGNAL=B:USR1@600 (not --signal on the command line).
#
# Exit status: alfe's (0 also when the chain continues, or after alfe's exit
# 3 when it does), 1 when the chain stopped on a guard or could not be
# continued, 2 for a usage error.

# (shellcheck: option variables are split on spaces on purpose; traps call on_signal)
# shellcheck disable=SC2206,SC2015,SC2317
set -u

say() { echo "al_round: $(date +%H:%M:%S) $*"; }
die() { # status message...
    local status=$1
    shift
    say "error: $*"
    exit "$status"
}

# The warning (SIGUSR1) and SIGTERM may come at any moment: catch them from
# the start, pass them on once alfe runs.
signal=""
launcher=""
launcher_pid=""
on_signal() { # NAME
    signal=$1 interrupted=yes
    say "received SIG$1${launcher_pid:+: stopping alfe (SIGUSR1 to $launcher)}"
    [ -n "$launcher_pid" ] && kill -USR1 "$launcher_pid" 2>/dev/null
}
trap 'on_signal USR1' USR1
trap 'on_signal TERM' TERM

if [ -z "${SLURM_JOB_ID:-}" ]; then
    echo "usage: sbatch [OPTIONS] jobs/al_round.sh CONFIG   (a SLURM batch script; see jobs/README.md)" >&2
    exit 2
fi
config=${1:-${ALFE_CONFIG:-}}
[ -n "$config" ] || die 2 "no config: sbatch jobs/al_round.sh CONFIG, or set ALFE_CONFIG"
[ -f "$config" ] || die 2 "config $config not found (relative paths start at $PWD)"

# SLURM runs a copy of this script: the original's path (for the
# continuation and to find bin/alfe) is the job's Command without its arguments.
job_field() { # NAME: one field of `scontrol -o show job` for this job (no spaces in it)
    scontrol -o show job "$SLURM_JOB_ID" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1
}
script=${ALFE_JOB_SCRIPT:-}
if [ -z "$script" ]; then
    script=$(scontrol show job "$SLURM_JOB_ID" 2>/dev/null | sed -n 's/^ *Command=//p' | head -1)
    args="$*"
    [ -n "$args" ] && script=${script%" $args"}
fi
[ -f "$script" ] || die 1 "cannot find this script's path (got '$script'); set ALFE_JOB_SCRIPT"
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")

alfe=${ALFE_BIN:-}
if [ -z "$alfe" ]; then
    alfe=$(dirname "$script")/../bin/alfe
    [ -x "$alfe" ] || alfe=$(command -v alfe || true)
fi
[ -x "$alfe" ] || die 2 "alfe binary not found: build it (make) or set ALFE_BIN"

# The campaign file: [campaign] output (iniparser rules: sections and keys
# are case-insensitive, ';' or '#' start a comment, values may be quoted).
campaign=${ALFE_CAMPAIGN:-$(awk '
    { line = $0; sub(/^[ \t]+/, "", line) }
    line ~ /^\[/ { sec = tolower(line); sub(/^\[[ \t]*/, "", sec); sub(/[ \t]*\].*$/, "", sec); next }
    sec == "campaign" && tolower(line) ~ /^output[ \t]*=/ {
        v = line; sub(/^[^=]*=[ \t]*/, "", v)
        if (v ~ /^"/) { sub(/^"/, "", v); sub(/".*$/, "", v) }
        else if (v ~ /^\x27/) { sub(/^\x27/, "", v); sub(/\x27.*$/, "", v) }
        else { sub(/[;#].*$/, "", v); sub(/[ \t]+$/, "", v) }
        out = v
    }
    END { print out }' "$config")}

chain_index=${ALFE_CHAIN_INDEX:-1}
chain_max=${ALFE_CHAIN_MAX:-50}
case "$chain_index$chain_max" in *[!0-9]*) die 2 "ALFE_CHAIN_INDEX and ALFE_CHAIN_MAX must be integers" ;; esac

export OPENBLAS_NUM_THREADS=1

# The launcher.
launcher=${ALFE_LAUNCHER:-auto}
srun_args=${ALFE_SRUN_ARGS-}
if [ "$launcher" = auto ]; then
    launcher=mpirun
    if command -v srun >/dev/null 2>&1; then
        if [ -n "${ALFE_SRUN_ARGS+set}" ]; then
            launcher=srun
        elif srun --mpi=list 2>&1 | grep -qw pmix; then
            launcher=srun srun_args=--mpi=pmix
        fi
    fi
fi
ntasks=${SLURM_NTASKS:-${SLURM_NPROCS:-}}
case $launcher in
srun) cmd=(srun $srun_args "$alfe" run "$config") ;;
mpirun)
    if [ "$(id -u)" -eq 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
    # Open MPI counts SLURM's tasks as its slots; --overcommit may give more
    # tasks than cores.
    export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
    # At the time limit SLURM sends SIGTERM to every process of the job: the
    # ranks stop gracefully, but mpirun, on its own SIGTERM, kills them after
    # odls_base_sigkill_timeout (1 s by default), losing longer points in
    # flight.  Give them most of SLURM's KillWait (30 s by default) instead.
    export OMPI_MCA_odls_base_sigkill_timeout=${OMPI_MCA_odls_base_sigkill_timeout:-25}
    cmd=(${ALFE_MPIRUN:-mpirun} ${ntasks:+-n "$ntasks"} "$alfe" run "$config") ;;
*) die 2 "ALFE_LAUNCHER=$launcher: use auto, srun or mpirun" ;;
esac

# Rows evaluated so far (done + failed; 0 before the campaign exists).
evaluated() {
    if [ -z "$campaign" ] || [ ! -f "$campaign" ]; then echo 0; return; fi
    "$alfe" info "$campaign" 2>/dev/null | awk '$1 == "all" { n = $3 + $4 } END { print n + 0 }'
}
# The campaign's run records: how many, and why the last one ended (alfe
# info: "runs  N recorded; last: REASON on R ranks, ...").
runs_recorded() {
    if [ -z "$campaign" ] || [ ! -f "$campaign" ]; then echo 0; return; fi
    "$alfe" info "$campaign" 2>/dev/null | awk '$1 == "runs" { n = $2 } END { print n + 0 }'
}
last_exit_reason() {
    "$alfe" info "$campaign" 2>/dev/null |
        awk '$1 == "runs" { for (i = 1; i < NF; i++) if ($i == "last:") r = $(i + 1) } END { print r }'
}

say "job $SLURM_JOB_ID (chain job $chain_index of at most $chain_max) on ${SLURM_JOB_NODELIST:-?}," \
    "${ntasks:-?} tasks, time limit $(job_field TimeLimit)"
say "config $config, campaign ${campaign:-?}, working directory $PWD"
say "${cmd[*]}"
before=$(evaluated)
runs_before=$(runs_recorded)
# The campaign log's size now: alfe's stop line for a silent worker
# (see "exit 3" above) is looked for in what this job appends.
log_before=$(stat -c %s "$campaign.log" 2>/dev/null || echo 0)

# In the background, so that the traps run while it runs (bash runs a trap
# only between commands, and `wait` returns when one arrives).
"${cmd[@]}" &
launcher_pid=$!
[ -n "$signal" ] && kill -USR1 "$launcher_pid" 2>/dev/null # arrived during the start
while :; do
    interrupted=""
    wait "$launcher_pid"
    rc=$?
    [ -n "$interrupted" ] && [ "$rc" -gt 128 ] && continue # a trap ran: wait again
    break
done
trap - USR1 TERM
say "$launcher exited $rc${signal:+ after SIG$signal}"
# A launcher that itself got SIGTERM (SLURM signals every process of the job
# at the time limit; a user may kill mpirun) can exit 1 although alfe stopped
# gracefully (Open MPI's mpirun does).  The campaign knows: alfe writes a run
# record only when it ends cleanly; one written by this job with exit_reason
# "signal" (a graceful stop), "complete" or a [stop]-rule end ("converged",
# "no_improvement") means alfe itself succeeded.
if [ "$rc" -ne 0 ] && [ -n "$signal" ] && [ -n "$campaign" ] &&
    [ "$(runs_recorded)" -gt "$runs_before" ]; then
    run_reason=$(last_exit_reason)
    case $run_reason in
    signal | complete | converged | no_improvement)
        say "alfe recorded a clean end (run record exit_reason = $run_reason): treating exit $rc" \
            "of $launcher as stopped"
        rc=0 ;;
    esac
fi

# Exit 3, or alfe's line for it in the log (the launcher's status after
# MPI_Abort is its own choice): stopped because a worker rank was silent.
silent_stop=""
if [ "$rc" -eq 3 ] || { [ "$rc" -ne 0 ] && [ -n "$campaign" ] && [ -f "$campaign.log" ] &&
    tail -c +"$((log_before + 1))" "$campaign.log" | grep -q "exit status 3 (stopped; resume)"; }; then
    say "alfe stopped early: a worker rank was silent for longer than [run]" \
        "worker_timeout_seconds (its message above; $launcher exited $rc); the campaign is" \
        "resumable: treating it as stopped"
    silent_stop=yes rc=0
fi

# Why did the job end, and is anything left to do?
cancelled=""
if [ "$signal" = TERM ]; then
    # SIGTERM comes at the time limit (Reason=TimeLimit) and from scancel.
    reason=$(job_field Reason)
    [ "$reason" = TimeLimit ] || cancelled=yes
fi
case $rc in
1 | 2) die "$rc" "alfe failed (exit $rc, message above): not resubmitting" ;;
esac
if [ "$rc" -ne 0 ] && [ -z "$signal" ]; then
    die 1 "$launcher exited $rc without a stop signal: not resubmitting (the campaign resumes" \
        "from where it stopped: sbatch $script $config)"
fi
[ -n "$campaign" ] || die 1 "no [campaign] output in $config: cannot check the campaign; set ALFE_CAMPAIGN"
info=$("$alfe" info "$campaign" 2>&1)
info_rc=$?
status_line=$(printf '%s\n' "$info" | grep '^status ' | tail -1)
[ "$info_rc" -eq 0 ] && [ -n "$status_line" ] ||
    die 1 "alfe info $campaign exited $info_rc: $(printf '%s\n' "$info" | tail -3)"
say "$status_line"
case $status_line in
*": complete"*)
    say "campaign complete: no continuation"
    exit 0 ;;
*": incomplete"*) ;;
*) die 1 "unexpected status line from alfe info: $status_line" ;;
esac
[ -z "$cancelled" ] || die 1 "job cancelled (SIGTERM, reason ${reason:-?}): not resubmitting;" \
    "continue with: sbatch $script $config"
after=$(evaluated)
[ "$after" -gt "$before" ] ||
    die 1 "no point was evaluated in this job ($before rows before and after): not" \
        "resubmitting (is the time limit shorter than the --signal lead plus one point?)"
[ "$chain_index" -lt "$chain_max" ] ||
    die 1 "chain of $chain_index jobs reached ALFE_CHAIN_MAX=$chain_max: not resubmitting;" \
        "continue with: sbatch $script $config"

# The continuation: this job's size and limits, a clean SLURM environment.
opts=(--parsable --dependency="afterany:$SLURM_JOB_ID" --chdir="$PWD")
limit=$(job_field TimeLimit)
[ -n "$limit" ] && [ "$limit" != UNLIMITED ] && opts+=(--time="$limit")
for pair in Partition:partition Account:account QOS:qos; do
    value=$(job_field "${pair%%:*}")
    [ -n "$value" ] && [ "$value" != "(null)" ] && opts+=("--${pair#*:}=$value")
done
[ -n "${SLURM_JOB_NUM_NODES:-}" ] && opts+=(--nodes="$SLURM_JOB_NUM_NODES")
[ -n "$ntasks" ] && opts+=(--ntasks="$ntasks")
[ -n "${SLURM_CPUS_PER_TASK:-}" ] && opts+=(--cpus-per-task="$SLURM_CPUS_PER_TASK")
[ "${SLURM_OVERCOMMIT:-0}" = 1 ] && opts+=(--overcommit)
[ -n "${SLURM_JOB_NAME:-}" ] && opts+=(--job-name="$SLURM_JOB_NAME")
stdout=$(job_field StdOut)
case $stdout in *"$SLURM_JOB_ID"*) opts+=(--output="${stdout//$SLURM_JOB_ID/%j}") ;; esac
opts+=(${ALFE_SBATCH_ARGS-})
next=$((chain_index + 1))
say "sbatch ${opts[*]} $script $config"
new=$(
    for v in $(compgen -e); do
        case $v in SLURM_CONF) ;; SLURM_*) unset "$v" ;; esac
    done
    export ALFE_CHAIN_INDEX=$next ALFE_CHAIN_MAX=$chain_max ALFE_JOB_SCRIPT=$script ALFE_BIN=$alfe
    sbatch "${opts[@]}" "$script" "$config" 2>&1
)
sbatch_rc=$?
[ "$sbatch_rc" -eq 0 ] || die 1 "sbatch failed ($sbatch_rc): $new"
new=${new%%;*}
say "submitted continuation job $new (chain job $next of at most $chain_max)," \
    "it starts when job $SLURM_JOB_ID ends${silent_stop:+ (this one stopped on a silent worker)}"
exit 0
