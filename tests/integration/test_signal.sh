# SIGTERM / SIGUSR1 stop a run gracefully: no new points are handed out, the
# points in flight are finished and written, the run exits 0 and says how to
# resume; resuming completes the campaign with exactly the data of an
# uninterrupted run.
#
# How Open MPI 4.1 (mpirun) treats signals, found by trying it here:
#   - SIGUSR1 (and SIGUSR2, SIGTSTP, SIGCONT, SIGALRM, SIGABRT: the default
#     ess_base_forward_signals) sent to mpirun is forwarded to every rank, and
#     mpirun exits with the ranks' status: the graceful path, exit 0.
#   - SIGTERM (or SIGINT) sent to mpirun is not forwarded: mpirun terminates
#     the job, i.e. sends the ranks SIGCONT and SIGTERM and, after
#     odls_base_sigkill_timeout (1 s), SIGKILL; mpirun itself exits 1.  Ranks
#     that finish their points in flight within that second stop gracefully,
#     ranks with longer points are killed (their points are lost, the file
#     stays resumable).  So under mpirun stop a run with SIGUSR1 to mpirun, or
#     with SIGTERM to the rank processes themselves, which is what SLURM does
#     for the tasks of a step (scancel --signal=TERM, sbatch --signal=TERM@T
#     with srun).  Each rank is in a process group of its own, so signalling
#     mpirun's process group does not reach the ranks either.
# Cases: 3 ranks with SIGUSR1 to mpirun; 3 ranks with SIGTERM to every rank;
# 1 rank (no mpirun) with SIGTERM; and, for the record, 3 ranks with SIGTERM
# to mpirun, where only resumability is checked (mpirun's exit status is
# Open MPI's choice).  The signal is sent once this run has finished points,
# while the workers have more in flight; every row evaluated must be in the
# file, complete, and every other row untouched.  Two more cases send the
# signal during start-up, while the ranks are inside MPI_Init (which takes
# hundreds of ms): the run must still stop gracefully (alfe installs its
# handlers before MPI_Init; a signal there used to kill the ranks).  Last,
# SIGTERM to the ranks of the ASan/UBSan build.
source "$(dirname "$0")/../lib.sh"

# Copies: immune to a rebuild meanwhile.
cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe
cp "$ALFE_ASAN" "$TEST_TMP/alfe_asan" && ALFE_ASAN=$TEST_TMP/alfe_asan

common=("campaign.rounds = 2" "global.points = 40" "oracle.delay = 0.05" "run.progress_seconds = 0.1")
write_config "$TEST_TMP/ref.ini" "$TEST_TMP/ref.h5" "${common[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref.ini" >"$TEST_TMP/ref.stdout" 2>&1 ||
    fail "reference run exited $?: $(tail -5 "$TEST_TMP/ref.stdout")"

# All descendants of pid $1.
descendants() {
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END { for (p in parent) { q = parent[p]
                  while (q > 1 && q != root && (q in parent)) q = parent[q]
                  if (q == root) print p } }'
}

# caught PID SIGNUM: PID has a handler for SIGNUM (SigCgt in /proc; builtins only).
caught() {
    local key val
    while read -r key val; do
        [ "$key" = SigCgt: ] && { (((16#$val >> ($2 - 1)) & 1)); return; }
    done 2>/dev/null <"/proc/$1/status"
    return 1
}

running() {
    local stat
    read -r stat 2>/dev/null <"/proc/$RUN_PID/stat" || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

# signal_case NAME RANKS WHOM SIGNAL WHEN [BINARY]: start a campaign, send SIGNAL to
# WHOM (mpirun | ranks | one: one rank alone) WHEN (inflight: once points are done and more are in
# flight; startup: as soon as every rank is inside MPI_Init), check the stop,
# resume, check the result.
signal_case() {
    local name=$1 n=$2 whom=$3 sig=$4 when=$5 bin=${6:-$ALFE}
    local cfg=$TEST_TMP/$name.ini out=$TEST_TMP/$name.h5 log=$TEST_TMP/$name.stdout
    local leader ranks procs p targets line done_at_signal=0 rc deadline
    write_config "$cfg" "$out" "${common[@]}"
    # In a subshell: keeps bash's job notices out of the output; setsid: a
    # session of its own, as a batch job would have.
    if [ "$n" -gt 1 ]; then
        (setsid $MPIRUN -n "$n" "$bin" run "$cfg" >"$log" 2>&1; exit $?) 2>/dev/null &
    else
        (setsid "$bin" run "$cfg" >"$log" 2>&1; exit $?) 2>/dev/null &
    fi
    RUN_PID=$!
    # The processes: mpirun and its ranks, or alfe (and its singleton orted).
    deadline=$((SECONDS + 60))
    while running && [ "$SECONDS" -lt "$deadline" ]; do
        leader=$(ps -o pid= --ppid "$RUN_PID" | tr -d ' ')
        ranks=$([ -n "$leader" ] && descendants "$leader")
        [ -n "$leader" ] && { [ "$n" -eq 1 ] || [ "$(echo "$ranks" | grep -c .)" -ge "$n" ]; } && break
        sleep 0.01
    done
    procs=$([ "$n" -gt 1 ] && echo $ranks || echo "$leader")
    [ -n "$procs" ] || fail "$name: the run did not start: $(tail -5 "$log")"
    if [ "$when" = startup ]; then
        # Open MPI's own handlers (SIGSEGV) are installed early in MPI_Init,
        # which then takes a while (hundreds of ms here).
        for p in $procs; do
            until caught "$p" 11 || ! running || [ "$SECONDS" -ge "$deadline" ]; do :; done
        done
    else
        # Until this run has written points (a progress line with done > 0).
        line=""
        while running && [ "$SECONDS" -lt "$deadline" ]; do
            line=$(grep -Eo "evaluate: [1-9][0-9]*/[0-9]+ points" "$out.log" 2>/dev/null | tail -1)
            [ -n "$line" ] && break
            sleep 0.01
        done
        [ -n "$line" ] || fail "$name: no progress line within 60 s: $(tail -5 "$log")"
        line=$(grep -Eo "evaluate: [1-9][0-9]*/[0-9]+ points" "$out.log" | tail -1)
        done_at_signal=${line#evaluate: }
        done_at_signal=${done_at_signal%%/*}
    fi
    case $whom in
    mpirun) targets=$leader ;;
    ranks) targets=$procs ;;
    one) targets=$(echo $procs | awk '{ print $NF }') ;; # one rank alone
    esac
    kill -"$sig" $targets || fail "$name: cannot send $sig"
    # The run must end by itself: a hang is a failure.
    deadline=$((SECONDS + 60))
    while running && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.05
    done
    if running; then
        kill -9 $ranks $leader 2>/dev/null
        wait "$RUN_PID"
        fail "$name: still running 60 s after $sig: $(tail -5 "$log")"
    fi
    wait "$RUN_PID"
    rc=$?
    echo "$name: $sig to $whom ($when, $done_at_signal points done): exit $rc," \
         "$(grep -o "stopped by [A-Z0-9]*" "$log")"
    [ ! -e "$out.bak" ] && [ ! -e "$out.partial" ] || [ "$name" = term_mpirun ] ||
        fail "$name: a backup or partial file is left after a graceful stop"
    if [ "$name" != term_mpirun ]; then
        [ "$rc" -eq 0 ] || fail "$name: exit $rc after $sig: $(tail -20 "$log")"
        grep -q "stopped by SIG$sig: points in flight were finished and written" "$log" ||
            fail "$name: stdout does not say it stopped: $(tail -5 "$log")"
        grep -q "Resume with: alfe run $cfg\$" "$log" ||
            fail "$name: stdout does not say how to resume: $(tail -5 "$log")"
        "$ALFE" info "$out" >"$out.info" 2>&1 || fail "$name: alfe info exited $?: $(cat "$out.info")"
        grep -q "incomplete" "$out.info" || fail "$name: alfe info: $(tail -1 "$out.info")"
    fi
    if [ "$name" != term_mpirun ] && [ "$when" = inflight ]; then
        awk '$1 == "all" && $5 > 0 { found = 1 } END { exit !found }' "$out.info" ||
            fail "$name: alfe info shows no pending rows: $(grep "^ *all" "$out.info")"
        "$PYTHON" - "$out" "$done_at_signal" <<'PY' || fail "$name: rows after the stop"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
at_signal = int(sys.argv[2])
p = f["points"]
st = p["status"][...]
done, pending = st == 1, st == 0
assert pending.any(), "no pending rows: the stop came too late to test anything"
for col in ("mu", "eta_mean", "mu_stderr"):
    v = p[col][...]
    assert not np.isnan(v[done]).any(), "a done row has NaN %s" % col
    assert np.isnan(v[pending]).all(), "a pending row has %s data" % col
assert (p["rank"][...][pending] == -1).all(), "a pending row has a rank"
assert np.isnan(p["wall_seconds"][...][pending]).all(), "a pending row has wall_seconds"
run = f["runs"]["0000"].attrs
reason = run["exit_reason"].decode() if isinstance(run["exit_reason"], bytes) else run["exit_reason"]
assert reason == "signal", "run record exit_reason %s" % reason
# Every point evaluated was written, those in flight at the signal included.
assert run["points_evaluated"] == done.sum(), \
    "%d points evaluated, %d rows done" % (run["points_evaluated"], done.sum())
assert done.sum() > at_signal, \
    "%d rows done, %d were done when the signal came: nothing in flight finished" % (
        done.sum(), at_signal)
print("  %d rows done (%d at the signal), %d pending" % (done.sum(), at_signal, pending.sum()))
PY
    fi
    # Resume to completion: the data of an uninterrupted run.
    if [ "$n" -gt 1 ]; then
        $MPIRUN -n "$n" "$bin" run "$cfg" >"$log.resume" 2>&1
    else
        "$bin" run "$cfg" >"$log.resume" 2>&1
    fi || fail "$name: resume exited $?: $(tail -20 "$log.resume")"
    grep -q "Valid" "$log.resume" || fail "$name: resume has no Valid line"
    compare_campaigns "$TEST_TMP/ref.h5" "$out" || fail "$name: resumed campaign differs from the reference"
    "$ALFE" info "$out" >"$out.info" 2>&1 || fail "$name: alfe info exited $? after the resume"
    grep -q "rounds done: complete" "$out.info" || fail "$name: alfe info after the resume: $(tail -1 "$out.info")"
}

signal_case usr1_mpirun 3 mpirun USR1 inflight
signal_case term_ranks 3 ranks TERM inflight
signal_case term_serial 1 ranks TERM inflight
signal_case term_mpirun 3 mpirun TERM inflight
signal_case term_one_rank 3 one TERM inflight
signal_case usr1_mpirun_startup 3 mpirun USR1 startup
signal_case term_serial_startup 1 ranks TERM startup
signal_case term_ranks_asan 3 ranks TERM inflight "$ALFE_ASAN"

# During training (a committee is trained after every round): the round's
# training finishes, the round is stored with its models, the run stops
# gracefully (exit 0, run record "signal") before the next round, and a
# resume gives the data and models of an uninterrupted run.
train=("${common[@]}" "network.invariants = $ROOT/inputs/lco/invariants.txt"
       "network.committee = 2" "network.width = 24" "training.epochs = 400")
write_config "$TEST_TMP/train_ref.ini" "$TEST_TMP/train_ref.h5" "${train[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/train_ref.ini" >"$TEST_TMP/train_ref.stdout" 2>&1 ||
    fail "training reference exited $?: $(tail -5 "$TEST_TMP/train_ref.stdout")"
write_config "$TEST_TMP/train.ini" "$TEST_TMP/train.h5" "${train[@]}"
(setsid $MPIRUN -n 3 "$ALFE" run "$TEST_TMP/train.ini" >"$TEST_TMP/train.stdout" 2>&1; exit $?) 2>/dev/null &
RUN_PID=$!
deadline=$((SECONDS + 60))
until grep -q "round 0 (1 of 2) train: 2 members" "$TEST_TMP/train.h5.log" 2>/dev/null; do
    running && [ "$SECONDS" -lt "$deadline" ] || fail "train: no training line: $(tail -5 "$TEST_TMP/train.stdout")"
    sleep 0.01
done
# Still training (the metrics line comes after it): the signal lands in training.
grep -q "round 0 (1 of 2) metrics" "$TEST_TMP/train.h5.log" && fail "train: training ended before the signal"
kill -USR1 "$(ps -o pid= --ppid "$RUN_PID" | tr -d ' ')" || fail "train: cannot signal mpirun"
wait "$RUN_PID"
rc=$?
[ "$rc" -eq 0 ] || fail "train: exit $rc after SIGUSR1 during training: $(tail -10 "$TEST_TMP/train.stdout")"
grep -q "stopped by SIGUSR1" "$TEST_TMP/train.stdout" || fail "train: $(tail -3 "$TEST_TMP/train.stdout")"
"$ALFE" info "$TEST_TMP/train.h5" >"$TEST_TMP/train.info" 2>&1 || fail "train: alfe info exited $?"
grep -q "^status    1 of 2 rounds done: incomplete" "$TEST_TMP/train.info" ||
    fail "train: expected round 1 stored and the run stopped: $(tail -1 "$TEST_TMP/train.info")"
"$PYTHON" - "$TEST_TMP/train.h5" <<'PY' || fail "train: round 1's models not stored"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert "models" in f and len(f["models"]) == 1, list(f.get("models", {}))
PY
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/train.ini" >"$TEST_TMP/train.resume" 2>&1 ||
    fail "train: resume exited $?: $(tail -10 "$TEST_TMP/train.resume")"
compare_campaigns "$TEST_TMP/train_ref.h5" "$TEST_TMP/train.h5" ||
    fail "train: resumed campaign differs from the uninterrupted one"
"$PYTHON" - "$TEST_TMP/train_ref.h5" "$TEST_TMP/train.h5" <<'PY' || fail "train: models differ after the resume"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["models"] for p in sys.argv[1:3])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
def walk(g, h, path):
    for k in g:
        if isinstance(g[k], h5py.Dataset):
            assert np.array_equal(g[k][...], h[k][...]), path + "/" + k
        else:
            walk(g[k], h[k], path + "/" + k)
walk(a, b, "/models")
print("train: SIGUSR1 during training: round stored with its models, exit 0; resume identical")
PY
echo "ok"
