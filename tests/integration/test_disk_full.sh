# A full disk during a run (docs/restart.md "Faults").  Simulated without
# mounting anything, as root in a minimal Debian chroot: the ranks' file-size
# limit (RLIMIT_FSIZE, what `ulimit -f` sets) is lowered with prlimit once the
# campaign exists (a limit set before the start would already stop MPI_Init:
# PMIx and the shared-memory transport create files larger than it), and
# alfe ignores SIGXFSZ, so a write past the limit fails with EFBIG as it would
# with ENOSPC.  Every run is bounded by `timeout`, so a hang fails the test.
#   checked  1 and 3 ranks: the room for the next protected change is
#            checked before it starts; the run ends with exit 1 and one clear
#            message, the file is intact (no FILE.bak, `alfe info` normal,
#            the schema checker passes) and a resume without the limit gives
#            the validation checksum of an uninterrupted run.
#   inside   1 rank with ALFE_SPACE_CHECK=0 (the check off): the write fails
#            inside a round boundary, after the backup was taken.  Exit 1 and
#            a message naming the backup, no segmentation fault (HDF5 crashed
#            in its shutdown before); `alfe info` says the file may be
#            half-written and names FILE.bak; the schema checker fails with a
#            clear message (also on a truncated copy), never a traceback; the
#            resume restores the backup and gives the reference checksum.
# With 3 ranks and the check off the ranks that did not fail wait inside
# HDF5's collective chunk allocation for the one that did: that hang is why
# the check exists, and it is not run here.
source "$(dirname "$0")/../lib.sh"

cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe
CHECK="$PYTHON $ROOT/tools/alfe_schema_check.py"
LIMIT=1228800 # bytes: the file has ~0.5 MB after round 0 and ~1.4 MB after round 2

common=("campaign.rounds = 4" "global.points = 200" "oracle.delay = 0.01" "run.progress_seconds = 0.2")
write_config "$TEST_TMP/ref.ini" "$TEST_TMP/ref.h5" "${common[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref.ini" >"$TEST_TMP/ref.stdout" 2>&1 ||
    fail "reference run exited $?: $(tail -5 "$TEST_TMP/ref.stdout")"
checksum() { grep -o "checksum 0x[0-9a-f]*" "$1" | tail -1; }
ref_sum=$(checksum "$TEST_TMP/ref.stdout")
[ -n "$ref_sum" ] || fail "no validation line in the reference run"

# full NAME RANKS [ENV=VALUE...]: run until the campaign exists, then lower
# the ranks' file-size limit to LIMIT; sets RC and OUT (the run's output).
full() {
    local name=$1 n=$2 pids p deadline
    shift 2
    write_config "$TEST_TMP/$name.ini" "$TEST_TMP/$name.h5" "${common[@]}"
    OUT=$TEST_TMP/$name.stdout
    if [ "$n" -gt 1 ]; then
        (env "$@" setsid timeout -k 5 60 $MPIRUN -n "$n" "$ALFE" run "$TEST_TMP/$name.ini" \
            >"$OUT" 2>&1; echo $? >"$TEST_TMP/$name.rc") 2>/dev/null &
    else
        (env "$@" setsid timeout -k 5 60 "$ALFE" run "$TEST_TMP/$name.ini" \
            >"$OUT" 2>&1; echo $? >"$TEST_TMP/$name.rc") 2>/dev/null &
    fi
    local job=$!
    deadline=$((SECONDS + 30))
    until grep -q "round 0 (1 of 4) evaluate: 200 of 200 points pending" "$TEST_TMP/$name.h5.log" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || fail "$name: the run did not start: $(tail -5 "$OUT")"
        sleep 0.01
    done
    if [ "$n" -gt 1 ]; then
        p=$(pgrep -f "^mpirun.* $ALFE run $TEST_TMP/$name.ini" | head -1)
        pids=$(ps -o pid= --ppid "$p")
    else
        pids=$(pgrep -f "^$ALFE run $TEST_TMP/$name.ini")
    fi
    [ "$(echo $pids | wc -w)" -eq "$n" ] || fail "$name: found ranks '$pids'"
    for p in $pids; do prlimit --pid "$p" --fsize="$LIMIT:$LIMIT" || fail "$name: prlimit $p"; done
    wait "$job"
    RC=$(cat "$TEST_TMP/$name.rc")
    [ "$RC" -ne 124 ] && [ "$RC" -ne 137 ] || fail "$name: hung (killed by timeout after 60 s): $(tail -5 "$OUT")"
    ! grep -qi "segmentation fault\|signal 11" "$OUT" || fail "$name: segmentation fault: $(grep -i -m3 segm "$OUT")"
    [ "$RC" -eq 1 ] || fail "$name: exit $RC, expected 1: $(tail -8 "$OUT")"
}

resume_identical() { # NAME RANKS
    local name=$1 n=$2
    if [ "$n" -gt 1 ]; then
        timeout 60 $MPIRUN -n "$n" "$ALFE" run "$TEST_TMP/$name.ini" >"$TEST_TMP/$name.resume" 2>&1
    else
        timeout 60 "$ALFE" run "$TEST_TMP/$name.ini" >"$TEST_TMP/$name.resume" 2>&1
    fi || fail "$name: resume exited $?: $(tail -8 "$TEST_TMP/$name.resume")"
    [ "$(checksum "$TEST_TMP/$name.resume")" = "$ref_sum" ] ||
        fail "$name: resume gave $(checksum "$TEST_TMP/$name.resume"), uninterrupted $ref_sum"
    compare_campaigns "$TEST_TMP/ref.h5" "$TEST_TMP/$name.h5" >/dev/null || fail "$name: resumed campaign differs"
    $CHECK "$TEST_TMP/$name.h5" >/dev/null || fail "$name: schema check after the resume"
}

# --- checked: refused before the change, file intact ------------------------
for n in 1 3; do
    name=checked$n
    full "$name" "$n"
    grep -q "alfe: error: .*$name.h5: the next change needs about [0-9.]* MiB more, but the file-size limit of rank [0-9] (ulimit -f) is 1.2 MiB.*nothing was changed: the campaign is intact and resumes with \`alfe run\` once there is room" "$OUT" ||
        fail "$name: message: $(grep -m2 "error" "$OUT")"
    [ "$(grep -c "alfe: error:" "$OUT")" -eq 1 ] || fail "$name: not exactly one error message"
    [ ! -e "$TEST_TMP/$name.h5.bak" ] || fail "$name: a FILE.bak was left: the change had started"
    "$ALFE" info "$TEST_TMP/$name.h5" >"$TEST_TMP/$name.info" 2>&1 || fail "$name: alfe info exited $?"
    ! grep -q "half-written" "$TEST_TMP/$name.info" || fail "$name: alfe info calls an intact file half-written"
    $CHECK "$TEST_TMP/$name.h5" >"$TEST_TMP/$name.check" 2>&1 || fail "$name: schema: $(cat "$TEST_TMP/$name.check")"
    resume_identical "$name" "$n"
    echo "$name: exit 1 before the change ($(grep -o "needs about [0-9.]* MiB more" "$OUT")), file intact; resume gives $ref_sum"
done

# --- inside: the check off, the write fails inside a boundary ----------------
name=inside
full "$name" 1 ALFE_SPACE_CHECK=0
grep -q "alfe: error: .*$name.h5: .*(File too large); the change was not completed and .*$name.h5 may be half-written: its backup .*$name.h5.bak holds the state before the change and the next \`alfe run\` restores it" "$OUT" ||
    fail "inside: message: $(grep -m2 "error" "$OUT")"
[ -e "$TEST_TMP/$name.h5.bak" ] || fail "inside: no FILE.bak"
"$ALFE" info "$TEST_TMP/$name.h5" >"$TEST_TMP/$name.info" 2>&1
grep -q "^warning   .*$name.h5 may be half-written: .*$name.h5.bak exists" "$TEST_TMP/$name.info" &&
    grep -q "^status .*incomplete (half-written: the next \`alfe run\` restores FILE.bak)" "$TEST_TMP/$name.info" ||
    fail "inside: alfe info: $(head -2 "$TEST_TMP/$name.info") ... $(tail -1 "$TEST_TMP/$name.info")"
cp "$TEST_TMP/$name.h5" "$TEST_TMP/cut.h5" && cp "$TEST_TMP/$name.h5.bak" "$TEST_TMP/cut.h5.bak"
truncate -s 300000 "$TEST_TMP/cut.h5"
for f in "$name.h5" cut.h5; do
    if $CHECK "$TEST_TMP/$f" >"$TEST_TMP/$f.check" 2>&1; then
        fail "schema check passed the half-written $f"
    fi
    ! grep -q Traceback "$TEST_TMP/$f.check" || fail "schema check crashed on $f: $(tail -3 "$TEST_TMP/$f.check")"
    grep -q "$f.bak exists" "$TEST_TMP/$f.check" || fail "schema check on $f: $(cat "$TEST_TMP/$f.check")"
done
"$ALFE" info "$TEST_TMP/cut.h5" >"$TEST_TMP/cut.info" 2>&1 && fail "alfe info accepted a truncated file"
grep -q "cut.h5.bak exists: a run stopped while changing the campaign" "$TEST_TMP/cut.info" ||
    fail "alfe info on a truncated file: $(cat "$TEST_TMP/cut.info")"
resume_identical "$name" 1
grep -q "restored .*$name.h5 from its backup" "$TEST_TMP/$name.resume" || fail "inside: the resume did not restore the backup"
echo "inside: exit 1 inside a boundary, backup named by the run, alfe info and the checker; resume restored it and gives $ref_sum"
echo "ok"
