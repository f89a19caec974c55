# jobs/al_round.sh on a real SLURM: a private cluster on loopback
# (tests/slurm/slurm.sh: munged, slurmctld and slurmd started here, stopped
# by their PIDs from the EXIT trap, also when a check fails).  Jobs are
# followed with `scontrol show job` (no sbatch --wait); a chain of jobs is
# followed through the "submitted continuation job N" line of each job's
# output.  Cases:
#   bad     a bad config: the job fails once (FAILED, exit 2) with alfe's
#           message in its output, nothing is resubmitted;
#   quick   a quick campaign completes in one job (COMPLETED), `alfe info`
#           shows every round done, nothing is resubmitted;
#   cancel  scancel of a running job: alfe stops gracefully (SIGTERM), the
#           job is not continued;
#   guards  (a stand-in alfe, so that they are deterministic) a job that
#           evaluated nothing is not continued; a chain stops at
#           ALFE_CHAIN_MAX jobs; alfe's exit 3 (a silent worker rank gave
#           up on, docs/restart.md "Faults"), or a launcher status of 137 with
#           alfe's line for it in CAMPAIGN.log, is continued like a stop;
#   chain   --time=1 and the warning B:USR1@20 (SBATCH_SIGNAL, so that the
#           continuations get it too) for a campaign of ~60 s of work: each
#           job is stopped by the warning, resubmits itself, and the chain
#           completes the campaign with exactly the rows of an uninterrupted
#           mpirun run;
#   limit   the script without its --signal line: SLURM's SIGTERM at the time
#           limit stops alfe, the job (TIMEOUT) still resubmits itself, and
#           the chain completes identically too.
# chain and limit run side by side (each job takes one CPU with
# --overcommit; the points are mostly sleep), while the references run under
# mpirun outside SLURM.  About 2.5 minutes in all.
source "$(dirname "$0")/../lib.sh"
source "$ROOT/tests/slurm/slurm.sh"

cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe # immune to a rebuild meanwhile
export ALFE_BIN=$ALFE
JOB=${ALFE_TEST_JOB_SCRIPT:-$ROOT/jobs/al_round.sh} # (a variable: to check that the test fails with a broken copy)
unset ALFE_CONFIG ALFE_CAMPAIGN ALFE_LAUNCHER ALFE_SRUN_ARGS ALFE_CHAIN_INDEX ALFE_CHAIN_MAX \
    ALFE_SBATCH_ARGS ALFE_JOB_SCRIPT SBATCH_SIGNAL SBATCH_TIMELIMIT
t_start=$SECONDS

slurm_start "$TEST_TMP/slurm" ||
    fail "SLURM cannot start on this machine (reason and daemon logs above); the job tests need it"

# The references, uninterrupted, under mpirun, in the background meanwhile.
chain_cfg=("campaign.rounds = 3" "global.points = 100" "oracle.delay = 0.4" "run.progress_seconds = 5")
limit_cfg=("campaign.rounds = 4" "global.points = 130" "oracle.delay = 0.4" "run.progress_seconds = 5")
mkdir -p "$TEST_TMP"/{ref,bad,quick,cancel,term,guards,chain,limit}
write_config "$TEST_TMP/ref/chain.ini" "$TEST_TMP/ref/chain.h5" "${chain_cfg[@]}"
write_config "$TEST_TMP/ref/limit.ini" "$TEST_TMP/ref/limit.h5" "${limit_cfg[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref/chain.ini" >"$TEST_TMP/ref/chain.out" 2>&1 &
ref_chain=$!
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref/limit.ini" >"$TEST_TMP/ref/limit.out" 2>&1 &
ref_limit=$!

field() { # JOBID NAME: a field of `scontrol show job`
    scontrol -o show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}
all_jobs() { scontrol -o show job 2>/dev/null | sed -n 's/^JobId=\([0-9]*\) .*/\1/p' | sort -n | tr '\n' ' '; }
EXPECTED_JOBS=""

# submit DIR [VAR=VALUE...] -- SBATCH_OPTIONS... : the job id (jobs run in DIR)
submit() {
    local dir=$1 vars=()
    shift
    while [ "$1" != -- ]; do vars+=("$1"); shift; done
    shift
    (cd "$dir" && env "${vars[@]}" sbatch --parsable "$@") | cut -d';' -f1
}

# wait_job ID SECONDS: prints the final state; fails after SECONDS.
wait_job() {
    local id=$1 deadline=$((SECONDS + $2)) st
    while :; do
        st=$(field "$id" JobState)
        case $st in
        PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING | SIGNALING | STAGE_OUT) ;;
        "") fail "job $id: unknown to scontrol" ;;
        *) echo "$st"; return 0 ;;
        esac
        [ "$SECONDS" -lt "$deadline" ] ||
            fail "job $id still $st after $2 s (a chain that does not end?): $(tail -5 "$(field "$id" StdOut)" 2>/dev/null)"
        sleep 0.5
    done
}

# follow DIR FIRST SECONDS: waits for the chain of jobs that starts with
# FIRST; prints "ID STATE" per job.
follow() {
    local dir=$1 id=$2 deadline=$((SECONDS + $3)) st next
    while [ -n "$id" ]; do
        st=$(wait_job "$id" $((deadline - SECONDS))) || exit 1
        echo "$id $st"
        next=$(sed -n 's/.*submitted continuation job \([0-9]*\) .*/\1/p' "$dir/al_round-$id.out")
        id=$next
    done
}

out_of() { echo "$1/al_round-$2.out"; }

# -- bad: a bad config fails the job once -----------------------------------
t0=$SECONDS
write_config "$TEST_TMP/bad/bad.ini" "$TEST_TMP/bad/bad.h5" "global.points = -5"
id=$(submit "$TEST_TMP/bad" -- -n 2 --overcommit "$JOB" bad.ini) || fail "bad: sbatch failed"
st=$(wait_job "$id" 60) || exit 1
EXPECTED_JOBS="$EXPECTED_JOBS $id"
out=$(out_of "$TEST_TMP/bad" "$id")
[ "$st" = FAILED ] || fail "bad: job $id ended $st, expected FAILED: $(tail -5 "$out")"
[ "$(field "$id" ExitCode)" = 2:0 ] || fail "bad: job $id exit code $(field "$id" ExitCode), expected 2:0"
grep -q "alfe: error: .*bad.ini:[0-9]*: \[global\] points = -5" "$out" ||
    fail "bad: alfe's message is not in the job's output: $(cat "$out")"
grep -q "alfe failed (exit 2, message above): not resubmitting" "$out" || fail "bad: $(tail -3 "$out")"
[ "$(all_jobs)" = "$id " ] || fail "bad: jobs after the bad one: $(all_jobs) (a continuation was submitted)"
[ ! -e "$TEST_TMP/bad/bad.h5" ] || fail "bad: a campaign file was created"
echo "bad: job $id $st, exit 2, message in its output, nothing resubmitted ($((SECONDS - t0)) s)"

# -- quick: a quick campaign completes in one job ----------------------------
t0=$SECONDS
write_config "$TEST_TMP/quick/quick.ini" "$TEST_TMP/quick/quick.h5" "campaign.rounds = 3" "global.points = 60"
id=$(submit "$TEST_TMP/quick" -- -n 3 --overcommit "$JOB" quick.ini) || fail "quick: sbatch failed"
chain=$(follow "$TEST_TMP/quick" "$id" 120) || exit 1
out=$(out_of "$TEST_TMP/quick" "$id")
[ "$chain" = "$id COMPLETED" ] || fail "quick: jobs $chain, expected one COMPLETED: $(tail -5 "$out")"
EXPECTED_JOBS="$EXPECTED_JOBS $id"
grep -q "srun --mpi=pmix $ALFE run quick.ini" "$out" || fail "quick: not launched with srun: $(head -5 "$out")"
grep -q "campaign complete: no continuation" "$out" || fail "quick: $(tail -3 "$out")"
"$ALFE" info "$TEST_TMP/quick/quick.h5" >"$TEST_TMP/quick/info" 2>&1 || fail "quick: alfe info exited $?"
grep -q "^status    3 of 3 rounds done: complete$" "$TEST_TMP/quick/info" ||
    fail "quick: alfe info: $(tail -1 "$TEST_TMP/quick/info")"
[ "$(awk '$2 == "done"' "$TEST_TMP/quick/info" | wc -l)" -eq 3 ] || fail "quick: $(cat "$TEST_TMP/quick/info")"
echo "quick: job $id COMPLETED, alfe info: 3 of 3 rounds done ($((SECONDS - t0)) s)"

# -- cancel: scancel ends the chain ------------------------------------------
t0=$SECONDS
write_config "$TEST_TMP/cancel/long.ini" "$TEST_TMP/cancel/long.h5" "campaign.rounds = 2" \
    "global.points = 200" "oracle.delay = 0.4" "run.progress_seconds = 0.2"
id=$(submit "$TEST_TMP/cancel" -- -n 3 --overcommit "$JOB" long.ini) || fail "cancel: sbatch failed"
deadline=$((SECONDS + 60))
until grep -Eq "evaluate: [1-9][0-9]*/" "$TEST_TMP/cancel/long.h5.log" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "cancel: no progress within 60 s"
    sleep 0.2
done
scancel "$id" || fail "cancel: scancel failed"
st=$(wait_job "$id" 60) || exit 1
EXPECTED_JOBS="$EXPECTED_JOBS $id"
out=$(out_of "$TEST_TMP/cancel" "$id")
[ "$st" = CANCELLED ] || fail "cancel: job $id ended $st"
grep -q "stopped by SIGTERM: points in flight were finished and written" "$out" ||
    fail "cancel: alfe did not stop gracefully: $(tail -5 "$out")"
grep -q "job cancelled (SIGTERM, reason None): not resubmitting" "$out" || fail "cancel: $(tail -3 "$out")"
"$ALFE" info "$TEST_TMP/cancel/long.h5" | grep -q "incomplete" || fail "cancel: campaign not incomplete"
echo "cancel: job $id CANCELLED, alfe stopped gracefully, nothing resubmitted ($((SECONDS - t0)) s)"

# -- term: SIGTERM to mpirun itself (as SLURM does at the limit) --------------
# The warning reaches the batch shell and mpirun gets SIGTERM directly; Open
# MPI's mpirun then exits 1 although alfe stops gracefully.  The job script
# must see the campaign's run record (exit_reason = signal) and go on.
t0=$SECONDS
write_config "$TEST_TMP/term/term.ini" "$TEST_TMP/term/term.h5" "campaign.rounds = 2" \
    "global.points = 200" "oracle.delay = 0.1" "run.progress_seconds = 0.2"
id=$(submit "$TEST_TMP/term" ALFE_LAUNCHER=mpirun -- -n 3 --overcommit "$JOB" term.ini) ||
    fail "term: sbatch failed"
deadline=$((SECONDS + 60))
until grep -Eq "evaluate: [1-9][0-9]*/" "$TEST_TMP/term/term.h5.log" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || fail "term: no progress within 60 s"
    sleep 0.2
done
# As at the time limit: the warning to the batch shell, SIGTERM to mpirun and
# to every rank (the processes whose command line is "... alfe run term.ini").
pids=$(pgrep -f "alfe run term.ini")
[ "$(echo "$pids" | wc -w)" -ge 4 ] || fail "term: expected mpirun and 3 ranks, found: $pids"
scancel --batch --signal=USR1 "$id" || fail "term: scancel --signal=USR1 failed"
kill -TERM $pids || fail "term: kill failed"
chain=$(follow "$TEST_TMP/term" "$id" 180) || exit 1
EXPECTED_JOBS="$EXPECTED_JOBS $(echo "$chain" | cut -d' ' -f1 | tr '\n' ' ')"
out=$(out_of "$TEST_TMP/term" "$id")
[ "$(echo "$chain" | wc -l)" -ge 2 ] || fail "term: no continuation: $(tail -6 "$out")"
echo "$chain" | awk '$2 != "COMPLETED" { exit 1 }' || fail "term: jobs $(echo "$chain" | tr '\n' ' ')"
grep -q "mpirun exited [1-9][0-9]* after SIGUSR1" "$out" ||
    fail "term: mpirun did not exit non-zero (the case this tests): $(grep 'exited' "$out")"
grep -q "alfe recorded a clean end (run record exit_reason = signal)" "$out" ||
    fail "term: $(tail -4 "$out")"
"$ALFE" info "$TEST_TMP/term/term.h5" | grep -q "^status    2 of 2 rounds done: complete$" ||
    fail "term: campaign not complete after the chain"
echo "term: mpirun got SIGTERM and exited non-zero, alfe stopped gracefully, the chain completed" \
    "($((SECONDS - t0)) s)"

# -- guards: no progress, chain length (a stand-in alfe) ----------------------
t0=$SECONDS
cat >"$TEST_TMP/guards/alfe" <<'EOF'
#!/bin/bash
# Stand-in for alfe: `run` adds FAKE_STEP evaluated rows to a counter (and
# exits 0 with the campaign incomplete); `info` prints the rows and status.
n=$(cat "$FAKE_COUNT" 2>/dev/null || echo 0)
case $1 in
run) echo $((n + FAKE_STEP)) >"$FAKE_COUNT"; touch "$FAKE_CAMPAIGN"; echo "fake alfe run: +$FAKE_STEP rows"
     # FAKE_SILENT: one exit status per job; the run ends as alfe does when
     # a worker rank was silent too long (its log line, then that status).
     if [ -n "${FAKE_SILENT:-}" ] && [ -s "$FAKE_SILENT" ]; then
         code=$(head -1 "$FAKE_SILENT")
         sed -i 1d "$FAKE_SILENT"
         echo "12:00:00 [alfe] rows already written stay: ... the job ends with MPI_Abort, exit status 3 (stopped; resume). Resume with: alfe run g.ini" >>"$FAKE_CAMPAIGN.log"
         exit "$code"
     fi ;;
info) echo "  all   1000  $n  0  $((1000 - n))"
      echo "status    0 of 3 rounds done: incomplete (resume with: alfe run CONFIG)" ;;
esac
EOF
chmod +x "$TEST_TMP/guards/alfe"
write_config "$TEST_TMP/guards/g.ini" "$TEST_TMP/guards/g.h5"
fake=(ALFE_BIN="$TEST_TMP/guards/alfe" FAKE_CAMPAIGN="$TEST_TMP/guards/g.h5")
id=$(submit "$TEST_TMP/guards" "${fake[@]}" FAKE_COUNT="$TEST_TMP/guards/none" FAKE_STEP=0 -- \
    -n 1 "$JOB" g.ini) || fail "guards: sbatch failed"
chain=$(follow "$TEST_TMP/guards" "$id" 60) || exit 1
grep -q "no point was evaluated in this job (0 rows before and after): not resubmitting" \
    "$(out_of "$TEST_TMP/guards" "$id")" || fail "guards: $(tail -3 "$(out_of "$TEST_TMP/guards" "$id")")"
[ "$chain" = "$id FAILED" ] || fail "guards: no progress: jobs $chain, expected one FAILED"
EXPECTED_JOBS="$EXPECTED_JOBS $id"
id=$(submit "$TEST_TMP/guards" "${fake[@]}" FAKE_COUNT="$TEST_TMP/guards/some" FAKE_STEP=10 \
    ALFE_CHAIN_MAX=3 -- -n 1 "$JOB" g.ini) || fail "guards: sbatch failed"
chain=$(follow "$TEST_TMP/guards" "$id" 90) || exit 1
EXPECTED_JOBS="$EXPECTED_JOBS $(echo "$chain" | cut -d' ' -f1 | tr '\n' ' ')"
[ "$(echo "$chain" | awk '{ print $2 }' | tr '\n' ' ')" = "COMPLETED COMPLETED FAILED " ] ||
    fail "guards: ALFE_CHAIN_MAX=3: jobs $(echo "$chain" | tr '\n' ' ')"
last=$(echo "$chain" | tail -1 | cut -d' ' -f1)
grep -q "chain of 3 jobs reached ALFE_CHAIN_MAX=3: not resubmitting" "$(out_of "$TEST_TMP/guards" "$last")" ||
    fail "guards: $(tail -3 "$(out_of "$TEST_TMP/guards" "$last")")"
# A silent worker (alfe exit 3; then a launcher reporting MPI_Abort as 137,
# recognised by alfe's log line): stopped, resubmitted, until the chain limit.
printf '3\n137\n' >"$TEST_TMP/guards/silent"
id=$(submit "$TEST_TMP/guards" "${fake[@]}" FAKE_COUNT="$TEST_TMP/guards/silent_count" FAKE_STEP=10 \
    FAKE_SILENT="$TEST_TMP/guards/silent" ALFE_CHAIN_MAX=3 -- -n 1 "$JOB" g.ini) ||
    fail "guards: sbatch failed"
chain=$(follow "$TEST_TMP/guards" "$id" 90) || exit 1
EXPECTED_JOBS="$EXPECTED_JOBS $(echo "$chain" | cut -d' ' -f1 | tr '\n' ' ')"
[ "$(echo "$chain" | awk '{ print $2 }' | tr '\n' ' ')" = "COMPLETED COMPLETED FAILED " ] ||
    fail "guards: silent worker: jobs $(echo "$chain" | tr '\n' ' ')"
codes=(3 137)
for k in 1 2; do
    job=$(echo "$chain" | sed -n "${k}p" | cut -d' ' -f1)
    grep -q "alfe stopped early: a worker rank was silent .* exited ${codes[k - 1]})" \
        "$(out_of "$TEST_TMP/guards" "$job")" &&
        grep -q "submitted continuation job .*(this one stopped on a silent worker)" \
            "$(out_of "$TEST_TMP/guards" "$job")" ||
        fail "guards: silent worker, job $k: $(tail -4 "$(out_of "$TEST_TMP/guards" "$job")")"
done
echo "guards: no progress stops the chain; ALFE_CHAIN_MAX=3 gives 3 jobs; a silent-worker stop" \
    "(exit 3, or 137 with alfe's log line) is continued ($((SECONDS - t0)) s)"

# -- chain and limit: stopped before the time limit, continued, identical ----
t0=$SECONDS
write_config "$TEST_TMP/chain/chain.ini" "$TEST_TMP/chain/chain.h5" "${chain_cfg[@]}"
write_config "$TEST_TMP/limit/limit.ini" "$TEST_TMP/limit/limit.h5" "${limit_cfg[@]}"
sed '/^#SBATCH --signal/d' "$JOB" >"$TEST_TMP/limit/al_round_nosignal.sh"
! grep -q "^#SBATCH --signal" "$TEST_TMP/limit/al_round_nosignal.sh" || fail "limit: sed"
first_chain=$(submit "$TEST_TMP/chain" SBATCH_SIGNAL=B:USR1@20 -- -n 3 --overcommit --time=1 \
    "$JOB" chain.ini) || fail "chain: sbatch failed"
first_limit=$(submit "$TEST_TMP/limit" -- -n 3 --overcommit --time=1 \
    "$TEST_TMP/limit/al_round_nosignal.sh" limit.ini) || fail "limit: sbatch failed"
chain=$(follow "$TEST_TMP/chain" "$first_chain" 300) || exit 1
echo "chain: jobs $(echo "$chain" | tr '\n' ' ')($((SECONDS - t0)) s)"
limit=$(follow "$TEST_TMP/limit" "$first_limit" 300) || exit 1
echo "limit: jobs $(echo "$limit" | tr '\n' ' ')($((SECONDS - t0)) s)"
EXPECTED_JOBS="$EXPECTED_JOBS $(printf "%s\n%s\n" "$chain" "$limit" | awk '{ print $1 }' | tr '\n' ' ')"

n=$(echo "$chain" | wc -l)
[ "$n" -ge 2 ] || fail "chain: one job ($chain) and no continuation: $(tail -4 "$(out_of "$TEST_TMP/chain" "$first_chain")")"
echo "$chain" | awk '$2 != "COMPLETED" { exit 1 }' || fail "chain: not every job COMPLETED: $chain"
i=0
for id in $(echo "$chain" | cut -d' ' -f1); do
    i=$((i + 1))
    out=$(out_of "$TEST_TMP/chain" "$id")
    [ "$(field "$id" ExitCode)" = 0:0 ] || fail "chain: job $id exit code $(field "$id" ExitCode)"
    if [ "$i" -lt "$n" ]; then
        grep -q "received SIGUSR1: stopping alfe (SIGUSR1 to srun)" "$out" &&
            grep -q "stopped by SIGUSR1: points in flight were finished and written" "$out" &&
            grep -q "submitted continuation job" "$out" ||
            fail "chain: job $id was not stopped by the warning and continued: $(tail -5 "$out")"
    else
        grep -q "campaign complete: no continuation" "$out" || fail "chain: last job $id: $(tail -3 "$out")"
    fi
done
for which in chain limit; do
    "$ALFE" info "$TEST_TMP/$which/$which.h5" >"$TEST_TMP/$which/info" 2>&1 || fail "$which: alfe info exited $?"
    grep -q "rounds done: complete$" "$TEST_TMP/$which/info" || fail "$which: $(tail -1 "$TEST_TMP/$which/info")"
done

first=$(echo "$limit" | head -1)
[ "$first" = "$first_limit TIMEOUT" ] || fail "limit: first job $first, expected TIMEOUT"
out=$(out_of "$TEST_TMP/limit" "$first_limit")
grep -q "received SIGTERM: stopping alfe" "$out" &&
    grep -q "stopped by SIGTERM: points in flight were finished and written" "$out" &&
    grep -q "submitted continuation job" "$out" ||
    fail "limit: the job at its time limit was not stopped and continued: $(tail -8 "$out")"
[ "$(echo "$limit" | tail -1 | cut -d' ' -f2)" = COMPLETED ] || fail "limit: last job: $limit"

wait "$ref_chain" || fail "reference run (chain) exited $?: $(tail -5 "$TEST_TMP/ref/chain.out")"
wait "$ref_limit" || fail "reference run (limit) exited $?: $(tail -5 "$TEST_TMP/ref/limit.out")"
compare_campaigns "$TEST_TMP/ref/chain.h5" "$TEST_TMP/chain/chain.h5" ||
    fail "chain: the chain's campaign differs from the uninterrupted run"
compare_campaigns "$TEST_TMP/ref/limit.h5" "$TEST_TMP/limit/limit.h5" ||
    fail "limit: the chain's campaign differs from the uninterrupted run"
"$PYTHON" - "$TEST_TMP/chain/chain.h5" "$n" <<'PY' || fail "chain: run records"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
reasons = [f["runs"][r].attrs["exit_reason"] for r in sorted(f["runs"])]
reasons = [r.decode() if isinstance(r, bytes) else r for r in reasons]
n = int(sys.argv[2])
assert len(reasons) == n, "%d run records for %d jobs" % (len(reasons), n)
assert reasons[-1] == "complete" and set(reasons[:-1]) <= {"signal"}, reasons
print("run records:", " ".join(reasons))
PY
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$TEST_TMP/chain/chain.h5" >/dev/null || fail "chain: schema check"

# Nothing else was submitted, nothing is left.
expected=$(echo "$EXPECTED_JOBS" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
[ "$(all_jobs)" = "$expected" ] || fail "jobs $(all_jobs), expected exactly $expected"
[ -z "$(squeue -h)" ] || fail "jobs left: $(squeue)"
echo "all jobs accounted for: $expected($((SECONDS - t_start)) s in all)"
echo ok
