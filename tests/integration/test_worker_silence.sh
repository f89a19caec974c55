# A worker rank that falls silent (here: SIGSTOP, as a hung node or a
# process stuck in the kernel would look to rank 0) must not make the run
# wait forever.  3 ranks under mpirun, [run] worker_warn_seconds = 1.5 and
# worker_timeout_seconds = 3; once points are done, rank 2 is stopped:
#   - rank 0 prints a warning naming rank 2, its host and the row it was
#     given, then the stop message, and the run ends (mpirun exit 3, the
#     "stopped, resume" status of jobs/al_round.sh) well within `timeout`
#     (a regression fails instead of hanging), leaving no process behind;
#   - every row a live worker finished is in the file, the stuck worker's row
#     is pending (or done, if it stopped just after writing it), no FILE.bak is left, `alfe info` says incomplete and
#     tools/alfe_schema_check.py passes;
#   - a resume completes the campaign with the validation checksum of an
#     uninterrupted run, and the same /points data and rounds.
# Then with worker_timeout_seconds = 0 (never give up) a worker stopped for
# 4 s is only reported, continues after SIGCONT and the run completes (exit 0,
# the reference checksum).
# Then the same outside the farm (comm.h "watched phases"): with a committee
# to train (3 members, one per rank, long enough to be caught), rank 2 is
# stopped as soon as the log says round 0's training began:
#   - rank 0 warns naming rank 2, its host and "the training of round 0",
#     then stops with exit 3 within the limits, no process left behind;
#   - the file passes the schema check, `alfe info` says incomplete (round 0
#     running, all rows done), no FILE.bak;
#   - the resume trains round 0 again and ends with the checksum of an
#     uninterrupted run of the same configuration and bit-identical /models.
source "$(dirname "$0")/../lib.sh"

cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe
CHECK="$PYTHON $ROOT/tools/alfe_schema_check.py"

common=("campaign.rounds = 2" "global.points = 60" "oracle.delay = 0.2"
        "run.progress_seconds = 0.2" "run.worker_warn_seconds = 1.5")
write_config "$TEST_TMP/ref.ini" "$TEST_TMP/ref.h5" "${common[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref.ini" >"$TEST_TMP/ref.stdout" 2>&1 ||
    fail "reference run exited $?: $(tail -5 "$TEST_TMP/ref.stdout")"
checksum() { grep -o "checksum 0x[0-9a-f]*" "$1" | tail -1; }
ref_sum=$(checksum "$TEST_TMP/ref.stdout")
[ -n "$ref_sum" ] || fail "no validation line in the reference run"

# The pid of MPI rank $2 among the children of mpirun $1 (ps, then the rank
# Open MPI puts into each rank's environment).
rank_pid() {
    local p
    for p in $(ps -o pid= --ppid "$1"); do
        tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" | grep -qx "OMPI_COMM_WORLD_RANK=$2" &&
            { echo "$p"; return 0; }
    done
    return 1
}

# start_at PATTERN NAME EXTRA...: mpirun -n 3 in the background (bounded by
# timeout) once PATTERN (an extended regular expression) is in the log; sets
# RUN_PID (timeout's pid), LEADER (mpirun) and VICTIM (rank 2).
start_at() {
    local pattern=$1 name=$2
    shift 2
    write_config "$TEST_TMP/$name.ini" "$TEST_TMP/$name.h5" "${common[@]}" "$@"
    (setsid timeout -k 5 90 $MPIRUN -n 3 "$ALFE" run "$TEST_TMP/$name.ini" \
        >"$TEST_TMP/$name.stdout" 2>&1; echo $? >"$TEST_TMP/$name.rc") 2>/dev/null &
    RUN_PID=$!
    local deadline=$((SECONDS + 60))
    LEADER="" VICTIM=""
    until grep -Eq "$pattern" "$TEST_TMP/$name.h5.log" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$name: no '$pattern' within 60 s: $(tail -5 "$TEST_TMP/$name.stdout")"
        sleep 0.02
    done
    LEADER=$(pgrep -f "^mpirun.* $ALFE run $TEST_TMP/$name.ini" | head -1)
    [ -n "$LEADER" ] || fail "$name: mpirun not found"
    VICTIM=$(rank_pid "$LEADER" 2) || fail "$name: rank 2 not found among mpirun's children"
}

# start NAME EXTRA...: as start_at, once this run has finished a point.
start() {
    start_at "evaluate: [1-9][0-9]*/[0-9]+ points" "$@"
}

# --- 1. timeout: the run stops, the campaign resumes to the reference -------
start silent "run.worker_timeout_seconds = 3"
kill -STOP "$VICTIM" || fail "cannot stop rank 2 (pid $VICTIM)"
t0=$SECONDS
trap 'kill -CONT $VICTIM 2>/dev/null; kill -9 $VICTIM 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
wait "$RUN_PID"
elapsed=$((SECONDS - t0))
rc=$(cat "$TEST_TMP/silent.rc")
out=$TEST_TMP/silent.stdout
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "the run hung: killed by timeout after 90 s: $(tail -5 "$out")"
[ "$rc" -eq 3 ] || fail "exit $rc, expected 3 (stopped, resume): $(tail -8 "$out")"
[ "$elapsed" -le 30 ] || fail "the run took $elapsed s after the stop (timeout 3 s)"
grep -Eq "warning: worker rank 2 \(host [^)]+\) silent for [0-9.]+ s since it was given row [0-9]+ \(point [0-9]+ of round 0\)" "$out" ||
    fail "no silence warning naming rank 2, its host and row: $(grep -i silent "$out")"
grep -q "stopped: worker rank 2 (host .*) silent for .* more than \[run\] worker_timeout_seconds = 3" "$out" ||
    fail "no stop line: $(tail -5 "$out")"
grep -q "Resume with: alfe run $TEST_TMP/silent.ini" "$out" || fail "no resume hint: $(tail -5 "$out")"
grep -q "alfe: stopped: .*(exit 3)" "$out" || fail "no message on stderr"
sleep 1
if ps -o stat= -p "$VICTIM" 2>/dev/null | grep -qv Z; then
    fail "the stopped rank (pid $VICTIM) is still alive after the run ended"
fi
[ ! -e "$TEST_TMP/silent.h5.bak" ] || fail "a FILE.bak was left"
stuck_row=$(grep -o "silent for [0-9.]* s since it was given row [0-9]*" "$out" | head -1 | awk '{ print $NF }')
echo "silent: rank 2 (pid $VICTIM) stopped; run ended after $elapsed s with exit 3; its row $stuck_row"
"$ALFE" info "$TEST_TMP/silent.h5" >"$TEST_TMP/silent.info" 2>&1 ||
    fail "alfe info exited $?: $(cat "$TEST_TMP/silent.info")"
grep -q "incomplete" "$TEST_TMP/silent.info" || fail "alfe info: $(tail -1 "$TEST_TMP/silent.info")"
$CHECK "$TEST_TMP/silent.h5" >"$TEST_TMP/silent.check" 2>&1 ||
    fail "schema check of the stopped campaign: $(cat "$TEST_TMP/silent.check")"
"$PYTHON" - "$TEST_TMP/silent.h5" "$stuck_row" <<'PY' || fail "rows after the stop"
import sys, h5py, numpy as np
p = h5py.File(sys.argv[1], "r")["points"]
st, stuck = p["status"][...], int(sys.argv[2])
done, pending = st == 1, st == 0
# Pending unless the worker was stopped between writing it and asking again.
assert st[stuck] in (0, 1), "the stuck worker's row %d has status %d" % (stuck, st[stuck])
assert done.sum() > 0 and pending.sum() > 0, (done.sum(), pending.sum())
for col in ("mu", "eta_mean", "mu_stderr"):
    v = p[col][...]
    assert not np.isnan(v[done]).any(), "a done row has NaN " + col
print("  %d rows done, %d pending; row %d %s" % (done.sum(), pending.sum(), stuck,
      "pending" if st[stuck] == 0 else "written before the worker stopped"))
PY
kill -9 "$VICTIM" 2>/dev/null
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/silent.ini" >"$TEST_TMP/silent.resume" 2>&1 ||
    fail "resume exited $?: $(tail -10 "$TEST_TMP/silent.resume")"
grep -q "Valid" "$TEST_TMP/silent.resume" || fail "resume: no Valid line"
[ "$(checksum "$TEST_TMP/silent.resume")" = "$ref_sum" ] ||
    fail "resume: $(checksum "$TEST_TMP/silent.resume"), uninterrupted $ref_sum"
compare_campaigns "$TEST_TMP/ref.h5" "$TEST_TMP/silent.h5" || fail "resumed campaign differs"
$CHECK "$TEST_TMP/silent.h5" >/dev/null 2>&1 || fail "schema check after the resume"
echo "silent: resume gives the uninterrupted run's $ref_sum"

# --- 2. worker_timeout_seconds = 0: reported, never given up ------------------
start patient "run.worker_timeout_seconds = 0"
kill -STOP "$VICTIM" || fail "cannot stop rank 2"
sleep 4
kill -CONT "$VICTIM"
wait "$RUN_PID"
rc=$(cat "$TEST_TMP/patient.rc")
[ "$rc" -eq 0 ] || fail "patient: exit $rc: $(tail -8 "$TEST_TMP/patient.stdout")"
grep -q "warning: worker rank 2 .*worker_timeout_seconds = 0: waiting for it indefinitely" \
    "$TEST_TMP/patient.stdout" || fail "patient: no warning: $(grep -i silent "$TEST_TMP/patient.stdout")"
[ "$(checksum "$TEST_TMP/patient.stdout")" = "$ref_sum" ] || fail "patient: checksum differs"
echo "patient: warned, waited, completed with $ref_sum"

# --- 3. a rank stopped during the committee's training ------------------------
train=("network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 2"
       "network.width = 24" "network.committee = 3" "training.epochs = 3000"
       "training.early_stopping = no" "oracle.delay = 0")
write_config "$TEST_TMP/tref.ini" "$TEST_TMP/tref.h5" "${common[@]}" "${train[@]}" \
    "run.worker_timeout_seconds = 3"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/tref.ini" >"$TEST_TMP/tref.stdout" 2>&1 ||
    fail "training reference run exited $?: $(tail -5 "$TEST_TMP/tref.stdout")"
tref_sum=$(checksum "$TEST_TMP/tref.stdout")
[ -n "$tref_sum" ] || fail "no validation line in the training reference run"
! grep -q "silent" "$TEST_TMP/tref.stdout" ||
    fail "training reference: a live rank was reported silent: $(grep silent "$TEST_TMP/tref.stdout")"
start_at "round 0 \\(1 of 2\\) train: 3 members" trained "${train[@]}" "run.worker_timeout_seconds = 3"
kill -STOP "$VICTIM" || fail "cannot stop rank 2 (pid $VICTIM)"
t0=$SECONDS
wait "$RUN_PID"
elapsed=$((SECONDS - t0))
rc=$(cat "$TEST_TMP/trained.rc")
out=$TEST_TMP/trained.stdout
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "trained: the run hung: killed by timeout: $(tail -5 "$out")"
[ "$rc" -eq 3 ] || fail "trained: exit $rc, expected 3 (stopped, resume): $(tail -8 "$out")"
[ "$elapsed" -le 40 ] || fail "trained: the run took $elapsed s after the stop (timeout 3 s)"
grep -Eq "warning: rank 2 \(host [^)]+\) silent for [0-9.]+ s during the training of round 0 \(1 of 2\)" "$out" ||
    fail "trained: no warning naming rank 2, its host and the phase: $(grep -i silent "$out")"
grep -q "stopped: rank 2 (host .*) silent for .* during the training of round 0 .* more than \[run\] worker_timeout_seconds = 3" "$out" ||
    fail "trained: no stop line: $(tail -5 "$out")"
grep -q "Resume with: alfe run $TEST_TMP/trained.ini" "$out" || fail "trained: no resume hint"
grep -q "alfe: stopped: .*(exit 3)" "$out" || fail "trained: no message on stderr"
sleep 1
if ps -o stat= -p "$VICTIM" 2>/dev/null | grep -qv Z; then
    fail "trained: the stopped rank (pid $VICTIM) is still alive after the run ended"
fi
[ ! -e "$TEST_TMP/trained.h5.bak" ] || fail "trained: a FILE.bak was left"
echo "trained: rank 2 stopped during training; run ended after $elapsed s with exit 3"
"$ALFE" info "$TEST_TMP/trained.h5" >"$TEST_TMP/trained.info" 2>&1 ||
    fail "trained: alfe info exited $?: $(cat "$TEST_TMP/trained.info")"
grep -q "incomplete" "$TEST_TMP/trained.info" || fail "trained: alfe info: $(tail -1 "$TEST_TMP/trained.info")"
grep -Eq "^ +0 +running +60 +60 +0 +0 " "$TEST_TMP/trained.info" ||
    fail "trained: round 0 should be running with its 60 rows done: $(cat "$TEST_TMP/trained.info")"
$CHECK "$TEST_TMP/trained.h5" >"$TEST_TMP/trained.check" 2>&1 ||
    fail "trained: schema check of the stopped campaign: $(cat "$TEST_TMP/trained.check")"
kill -9 "$VICTIM" 2>/dev/null
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/trained.ini" >"$TEST_TMP/trained.resume" 2>&1 ||
    fail "trained: resume exited $?: $(tail -10 "$TEST_TMP/trained.resume")"
grep -q "round 0 (1 of 2) train: 3 members" "$TEST_TMP/trained.resume" ||
    fail "trained: the resume did not train round 0 again"
[ "$(checksum "$TEST_TMP/trained.resume")" = "$tref_sum" ] ||
    fail "trained: resume: $(checksum "$TEST_TMP/trained.resume"), uninterrupted $tref_sum"
compare_campaigns "$TEST_TMP/tref.h5" "$TEST_TMP/trained.h5" || fail "trained: resumed campaign differs"
"$PYTHON" - "$TEST_TMP/tref.h5" "$TEST_TMP/trained.h5" <<'PY' || fail "trained: /models differ"
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a["models"].visit(lambda n: names.append(n) if isinstance(a["models"][n], h5py.Dataset) else None)
assert names, "no models stored"
for n in names:
    x, y = a["models"][n][...], b["models"][n][...]
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), n
print("  /models: %d datasets bit-identical to the uninterrupted run" % len(names))
PY
$CHECK "$TEST_TMP/trained.h5" >/dev/null 2>&1 || fail "trained: schema check after the resume"
echo "trained: resume trains round 0 again and gives the uninterrupted run's $tref_sum"

# --- 4, 5. a rank that stops inside a round boundary, or in the acquisition ----
# ALFE_FAULT_STOP=R:PHASE:N makes rank R stop itself (SIGSTOP) right after its
# N-th watched collective of that phase (src/base/comm.c), so the place is
# exact: in the boundary that records round 0, after the backup was made, so
# that rank 0 then blocks inside HDF5's collective I/O (only the guard thread
# sees it; rank unknown); in the acquisition of round 1, between two
# collectives of the pool's predictions (rank 0 names rank 2).
fault_run() { # NAME FAULT: run to its end (exit 3 expected), bounded by timeout
    local name=$1 fault=$2
    write_config "$TEST_TMP/$name.ini" "$TEST_TMP/$name.h5" "${common[@]}" "${train[@]}" \
        "run.worker_timeout_seconds = 3"
    local t=$SECONDS
    setsid timeout -k 5 60 $MPIRUN -x ALFE_FAULT_STOP="$fault" -n 3 "$ALFE" run \
        "$TEST_TMP/$name.ini" >"$TEST_TMP/$name.stdout" 2>&1
    local rc=$?
    elapsed=$((SECONDS - t))
    [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "$name: the run hung: $(tail -5 "$TEST_TMP/$name.stdout")"
    [ "$rc" -eq 3 ] || fail "$name: exit $rc, expected 3: $(tail -8 "$TEST_TMP/$name.stdout")"
    grep -q "ALFE_FAULT_STOP: stopping" "$TEST_TMP/$name.stdout" || fail "$name: the fault did not fire"
    grep -q "Resume with: alfe run $TEST_TMP/$name.ini" "$TEST_TMP/$name.stdout" || fail "$name: no resume hint"
}
resume_to_reference() { # NAME: resume, compare with the uninterrupted run
    local name=$1
    $MPIRUN -n 3 "$ALFE" run "$TEST_TMP/$name.ini" >"$TEST_TMP/$name.resume" 2>&1 ||
        fail "$name: resume exited $?: $(tail -10 "$TEST_TMP/$name.resume")"
    [ "$(checksum "$TEST_TMP/$name.resume")" = "$tref_sum" ] ||
        fail "$name: resume: $(checksum "$TEST_TMP/$name.resume"), uninterrupted $tref_sum"
    compare_campaigns "$TEST_TMP/tref.h5" "$TEST_TMP/$name.h5" || fail "$name: resumed campaign differs"
    "$PYTHON" - "$TEST_TMP/tref.h5" "$TEST_TMP/$name.h5" <<'PY' || fail "$name: /models differ"
import sys, h5py
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
names = []
a["models"].visit(lambda n: names.append(n) if isinstance(a["models"][n], h5py.Dataset) else None)
for n in names:
    x, y = a["models"][n][...], b["models"][n][...]
    assert x.tobytes() == y.tobytes() and x.shape == y.shape, n
PY
    $CHECK "$TEST_TMP/$name.h5" >/dev/null 2>&1 || fail "$name: schema check after the resume"
    [ ! -e "$TEST_TMP/$name.h5.bak" ] || fail "$name: FILE.bak left after the resume"
}

fault_run boundary "2:the round boundary of round 0 (1 of 2), recording:3"
out=$TEST_TMP/boundary.stdout
grep -Eq "warning: a rank silent for [0-9.]+ s during the round boundary of round 0 \(1 of 2\), recording it as done with its models: rank 0 has waited" "$out" ||
    fail "boundary: no warning naming the phase: $(grep -i silent "$out")"
grep -q "stopped: a rank silent .* more than \[run\] worker_timeout_seconds = 3" "$out" ||
    fail "boundary: no stop line: $(tail -5 "$out")"
[ "$elapsed" -le 40 ] || fail "boundary: the run took $elapsed s"
[ -e "$TEST_TMP/boundary.h5.bak" ] || fail "boundary: no FILE.bak: the stop was not inside the protected change"
$CHECK "$TEST_TMP/boundary.h5.bak" >"$TEST_TMP/boundary.check" 2>&1 ||
    fail "boundary: schema check of FILE.bak: $(cat "$TEST_TMP/boundary.check")"
"$ALFE" info "$TEST_TMP/boundary.h5" >"$TEST_TMP/boundary.info" 2>&1 ||
    fail "boundary: alfe info exited $?: $(cat "$TEST_TMP/boundary.info")"
grep -q "half-written: the next \`alfe run\` restores FILE.bak" "$TEST_TMP/boundary.info" ||
    fail "boundary: alfe info does not mention the backup: $(tail -2 "$TEST_TMP/boundary.info")"
echo "boundary: stopped inside the round boundary after $elapsed s with exit 3; FILE.bak passes the schema check; alfe info names it"
resume_to_reference boundary
grep -q "restored .* from its backup" "$TEST_TMP/boundary.resume" || fail "boundary: the resume did not restore FILE.bak"
echo "boundary: resume restores FILE.bak and gives the uninterrupted run's $tref_sum"

fault_run acquire "2:the acquisition of round 1:1"
out=$TEST_TMP/acquire.stdout
grep -Eq "warning: rank 2 \(host [^)]+\) silent for [0-9.]+ s during the acquisition of round 1 \(2 of 2\)" "$out" ||
    fail "acquire: no warning naming rank 2 and the phase: $(grep -i silent "$out")"
grep -q "stopped: rank 2 (host .*) silent .* during the acquisition of round 1" "$out" ||
    fail "acquire: no stop line: $(tail -5 "$out")"
[ "$elapsed" -le 40 ] || fail "acquire: the run took $elapsed s"
[ ! -e "$TEST_TMP/acquire.h5.bak" ] || fail "acquire: a FILE.bak was left"
$CHECK "$TEST_TMP/acquire.h5" >"$TEST_TMP/acquire.check" 2>&1 ||
    fail "acquire: schema check: $(cat "$TEST_TMP/acquire.check")"
"$ALFE" info "$TEST_TMP/acquire.h5" >"$TEST_TMP/acquire.info" 2>&1 || fail "acquire: alfe info exited $?"
grep -Eq "^ +0 +done +60 " "$TEST_TMP/acquire.info" && grep -q "incomplete" "$TEST_TMP/acquire.info" ||
    fail "acquire: alfe info: $(cat "$TEST_TMP/acquire.info")"
resume_to_reference acquire
echo "acquire: stopped in round 1's acquisition after $elapsed s with exit 3; resume gives $tref_sum"
echo "ok"
