# kill -9 at many moments, resume each time: the campaign ends with exactly
# the data of an uninterrupted run.
#
# A reference campaign runs uninterrupted.  The same config with another
# output path is then started again and again and killed with SIGKILL, every
# process of the run at once, until a run completes.  The kill moments are
#   creation  the moment OUTPUT.partial appears (the file is being built),
#   backup    the moment OUTPUT.bak.tmp appears (the backup that opens a
#             round boundary is being copied),
#   boundary  the moment OUTPUT.bak appears (a round boundary is changing
#             metadata: round created, round marked done, run record),
#   evaluate  a random moment after a round's evaluation started.
# Where a kill landed is decided afterwards from what is on disk (a watcher
# can be late: the backup may be gone again), and every kill is checked:
#   - no process of the run survives;
#   - the file the next run will open (OUTPUT.bak when it exists, as the next
#     run restores it) opens in h5py, its rounds tile its rows, no row is
#     done without data, a done round has no pending row;
#   - the next run restored a backup left behind (the file is then the
#     backup's inode), and after a kill inside a round it evaluates exactly
#     the rows that were pending ("N of M points pending"), no done row.
# A campaign that completes by itself while kills are still wanted (a
# watcher missed its last boundary) is checked like the others and the loop
# continues with a fresh one.  Every completed campaign: compare_campaigns
# against the reference, no pending row, as many rows as the reference, the
# last run record says complete, `alfe info` exits 0 and says complete, no
# OUTPUT.bak / .partial left.  Done for 3 ranks (mpirun) and for 1 rank.
# The runs are niced so that the watcher spinning on OUTPUT.bak gets a core
# the moment it appears.
#
# Killing a run: Open MPI 4.1's mpirun puts every rank into a process group
# of its own (same session), so `kill -9 -- -PGID` of mpirun's group does not
# reach the ranks; the run is started with setsid and its processes (mpirun
# and its ranks; alfe and the orted that Open MPI's singleton init forks for a
# 1-rank run) are killed by pid, ranks first, in one `kill` call.
# The kill moments are random; RESTART_KILL_SEED=N repeats a sequence.
source "$(dirname "$0")/../lib.sh"

# Dozens of runs: a copy of the binary, so that a rebuild meanwhile cannot
# mix two versions in one campaign.
cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe

ROUNDS=4
MIN_KILLS=10      # kills per rank count
MIN_BOUNDARY=3    # ... of which at least this many left OUTPUT.bak behind
MIN_EVALUATE=3    # ... and this many landed in the middle of an evaluation
MAX_KILLS=40
SEED=${RESTART_KILL_SEED:-$$}
RANDOM=$SEED
echo "random seed $SEED (RESTART_KILL_SEED=$SEED repeats the kill moments)"

# All descendants of pid $1.
descendants() {
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END { for (p in parent) { q = parent[p]
                  while (q > 1 && q != root && (q in parent)) q = parent[q]
                  if (q == root) print p } }'
}

# start_run RANKS CONFIG LOG: start a run in a session of its own, under a
# subshell (RUN_PID, whose exit status is the run's: 128+9 after a kill, and
# which keeps bash's "Killed" notices out of the test's output).  Returns once
# every process of the run is up: RUN_LEADER (mpirun, or alfe for 1 rank)
# and RUN_PIDS (the ranks, or the orted of Open MPI's singleton init).
start_run() {
    local n=$1 cfg=$2 log=$3 want deadline
    if [ "$n" -gt 1 ]; then
        (setsid nice -n 10 $MPIRUN -n "$n" "$ALFE" run "$cfg" >>"$log" 2>&1; exit $?) 2>/dev/null &
        want=$n
    else
        (setsid nice -n 10 "$ALFE" run "$cfg" >>"$log" 2>&1; exit $?) 2>/dev/null &
        want=1
    fi
    RUN_PID=$!
    RUN_LEADER=""
    RUN_PIDS=""
    deadline=$((SECONDS + 60))
    while running && [ "$SECONDS" -lt "$deadline" ]; do
        RUN_LEADER=$(ps -o pid= --ppid "$RUN_PID" | tr -d ' ')
        RUN_PIDS=$(descendants "$RUN_PID" | grep -vx "$RUN_LEADER")
        [ -n "$RUN_LEADER" ] && [ "$(echo "$RUN_PIDS" | grep -c .)" -ge "$want" ] && break
        sleep 0.01
    done
}

# Still running?  (Builtins only: the watchers below must not fork while
# they spin.)
running() {
    local stat
    read -r stat 2>/dev/null <"/proc/$RUN_PID/stat" || return 1
    stat=${stat##*) }
    [ "${stat:0:1}" != Z ]
}

# kill_run: SIGKILL every process of the run (ranks first, in one call), then
# wait until all are gone.
kill_run() {
    kill -9 $RUN_PIDS $RUN_LEADER 2>/dev/null
    [ -n "$RUN_LEADER" ] && kill -9 -- -"$RUN_LEADER" 2>/dev/null
    local extra
    extra=$(descendants "$RUN_PID")
    [ -n "$extra" ] && kill -9 $extra 2>/dev/null
    wait "$RUN_PID"
    local deadline=$((SECONDS + 30)) p alive
    while :; do
        alive=""
        for p in $RUN_PIDS $RUN_LEADER $extra; do
            kill -0 "$p" 2>/dev/null && alive="$alive $p"
        done
        [ -z "$alive" ] && break
        [ "$SECONDS" -lt "$deadline" ] || fail "processes of the killed run survive:$alive"
        sleep 0.05
    done
}

# remember_leftover PATH: before a run starts, hard-link a PATH left by the
# kill before (the run restores or discards it at its start), so that
# wait_for_file can tell it from a new one without forking.
remember_leftover() {
    rm -f "$TEST_TMP/leftover"
    [ -e "$1" ] && ln "$1" "$TEST_TMP/leftover"
    return 0
}

# wait_for_file PATH [OR_PATH]: spin until this run creates PATH, or OR_PATH
# exists (0), or the run ended (1).
wait_for_file() {
    local path=$1 or_path=${2:-} i=0 deadline=$((SECONDS + 60))
    while [ ! -e "$path" ] || [ "$path" -ef "$TEST_TMP/leftover" ]; do
        [ -n "$or_path" ] && [ -e "$or_path" ] && return 0
        i=$((i + 1))
        if [ $((i % 500)) -eq 0 ]; then
            running || return 1
            [ "$SECONDS" -lt "$deadline" ] || return 1
        fi
    done
    return 0
}

# wait_for_evaluation LOG FROM_LINE: until this run logs a round's
# "N of M points pending" line with N > 0 (0), or the run ended (1).
wait_for_evaluation() {
    local log=$1 from=$2 deadline=$((SECONDS + 60))
    while running && [ "$SECONDS" -lt "$deadline" ]; do
        tail -n +"$from" "$log" 2>/dev/null | grep -Eq "evaluate: [1-9][0-9]* of [0-9]+ points pending" &&
            return 0
        sleep 0.005
    done
    return 1
}

# check_after_kill OUT: the file the next run will open (the backup when
# there is one) is readable and consistent; prints "rows done pending
# running_round" for the classification.
check_after_kill() {
    "$PYTHON" - "$1" <<'PY'
import os, sys, h5py, numpy as np
out = sys.argv[1]
path = out + ".bak" if os.path.exists(out + ".bak") else out
with h5py.File(path, "r") as f:
    cols = {k: f["points"][k][...] for k in f["points"].keys()}
    n = cols["status"].shape[0]
    for k, v in cols.items():
        assert v.shape[0] == n, "%s: /points/%s has %d rows, status %d" % (path, k, v.shape[0], n)
    st = cols["status"]
    assert np.isin(st, (0, 1, 2)).all(), "%s: bad status values" % path
    done = st == 1
    assert not np.isnan(cols["mu"][done]).any(), "%s: a done row has NaN mu" % path
    assert not np.isnan(cols["eta_mean"][done]).any(), "%s: a done row has NaN eta_mean" % path
    rounds = sorted(f["rounds"].keys())
    first, running = 0, -1
    for i, r in enumerate(rounds):
        a = f["rounds"][r].attrs
        assert r == "%04d" % i, "%s: round groups %s" % (path, rounds)
        assert a["first_row"] == first, "%s: round %s starts at %d, not %d" % (
            path, r, a["first_row"], first)
        first += a["n_points"]
        state = a["state"].decode() if isinstance(a["state"], bytes) else a["state"]
        if state == "done":
            seg = st[a["first_row"]:a["first_row"] + a["n_points"]]
            assert (seg != 0).all(), "%s: round %s is done with pending rows" % (path, r)
        else:
            assert i == len(rounds) - 1, "%s: round %s %s but not the last" % (path, r, state)
            running = i
    assert first == n, "%s: rounds hold %d rows, /points %d" % (path, first, n)
    print(n, int(done.sum()), int((st == 0).sum()), running)
PY
}

# verify_complete RANKS OUT REFERENCE: a campaign that a run completed.
verify_complete() {
    local n=$1 out=$2 ref=$3
    awk '/^--- run/ { valid = 0 } /Valid/ { valid = 1 } END { exit !valid }' "$out.stdout" ||
        fail "$n ranks: the completing run has no Valid line"
    [ ! -e "$out.bak" ] && [ ! -e "$out.partial" ] && [ ! -e "$out.bak.tmp" ] ||
        fail "$n ranks: a backup or partial file is left after completion"
    compare_campaigns "$ref" "$out" || fail "$n ranks: resumed campaign differs from the reference"
    "$PYTHON" - "$ref" "$out" <<'PY' || fail "$n ranks: rows pending or duplicated"
import sys, h5py, numpy as np
ref, out = (h5py.File(p, "r") for p in sys.argv[1:3])
n_ref, n = ref["points/status"].shape[0], out["points/status"].shape[0]
assert n == n_ref, "%d rows, reference %d" % (n, n_ref)
st = out["points/status"][...]
assert (st != 0).all(), "%d rows pending" % int((st == 0).sum())
assert not np.isnan(out["points/mu"][...][st == 1]).any(), "done rows with NaN mu"
runs = out["runs"]
last = runs[sorted(runs.keys())[-1]].attrs["exit_reason"]
last = last.decode() if isinstance(last, bytes) else last
assert last == "complete", "last run record says %s" % last
PY
    "$ALFE" info "$out" >"$out.info" 2>&1 || fail "$n ranks: alfe info exited $?: $(cat "$out.info")"
    grep -q "rounds done: complete" "$out.info" || fail "$n ranks: alfe info: $(tail -1 "$out.info")"
}

# kill_campaign RANKS REFERENCE CONFIG-LINES...: the kill/resume loop on a
# campaign until it completes, then its checks.  A run that completes by
# itself while kills are still wanted (its boundary slipped past the watcher)
# is checked the same way, and the loop goes on with a fresh campaign.
kill_campaign() {
    local n=$1 ref=$2
    shift 2
    local kills=0 instance=0 c_creation=0 c_backup=0 c_boundary=0 c_evaluate=0 c_other=0
    local c_startup=0
    local kind kind_i=0 landed state from hit rc t0=$SECONDS
    local out log bak_inode prev_done rows done pending running_round expect_pending line
    while :; do
        instance=$((instance + 1))
        [ "$instance" -le 5 ] || fail "$n ranks: 5 campaigns completed before enough kills landed"
        out=$TEST_TMP/kill${n}_$instance.h5
        log=$out.stdout
        bak_inode=""
        expect_pending=""
        prev_done=0
        write_config "$TEST_TMP/kill${n}_$instance.ini" "$out" "$@"
        : >"$log"
        while :; do
            # The kind of kill moment to aim at next; none once enough landed.
            if [ "$kills" -ge "$MAX_KILLS" ]; then
                fail "$n ranks: $kills kills and still not $MIN_BOUNDARY boundary and" \
                     "$MIN_EVALUATE evaluation kills (boundary $c_boundary, evaluate $c_evaluate)"
            elif [ ! -e "$out" ] && [ "$c_creation" -lt 2 ]; then
                kind=creation
            elif [ "$kills" -ge "$MIN_KILLS" ] && [ "$c_boundary" -ge "$MIN_BOUNDARY" ] &&
                 [ "$c_evaluate" -ge "$MIN_EVALUATE" ]; then
                kind=none
            elif [ "$c_boundary" -ge "$MIN_BOUNDARY" ] && [ "$c_evaluate" -lt "$MIN_EVALUATE" ]; then
                kind=evaluate
            elif [ "$c_evaluate" -ge "$MIN_EVALUATE" ] && [ "$c_boundary" -lt "$MIN_BOUNDARY" ]; then
                kind=boundary
            else
                kind_i=$((kind_i + 1))
                case $((kind_i % 4)) in
                1 | 3) kind=evaluate ;;
                2) kind=boundary ;;
                0) kind=backup ;;
                esac
            fi
            from=1
            [ -e "$out.log" ] && from=$(($(wc -l <"$out.log") + 1))
            echo "--- run (aiming at: $kind)" >>"$log"
            case $kind in
            creation) remember_leftover "$out.partial" ;;
            backup) remember_leftover "$out.bak.tmp" ;;
            boundary) remember_leftover "$out.bak" ;;
            esac
            start_run "$n" "$TEST_TMP/kill${n}_$instance.ini" "$log"
            hit=0
            case $kind in
            creation)
                # When the watcher misses the moment (a loaded machine), the
                # kill lands just after the file was created instead.
                wait_for_file "$out.partial" "$out" && hit=1 ;;
            backup) wait_for_file "$out.bak.tmp" && hit=1 ;;
            boundary) wait_for_file "$out.bak" && hit=1 ;;
            evaluate)
                if wait_for_evaluation "$out.log" "$from"; then
                    sleep "0.$(printf %03d $((RANDOM % 200)))"
                    running && hit=1
                fi ;;
            esac
            if [ "$hit" = 1 ]; then
                kill_run
            else
                wait "$RUN_PID"
                rc=$?
            fi
            # A kill that left a backup: the next run restored it (renamed
            # it over the file) before doing anything else.
            if [ -n "$bak_inode" ] && [ "$(stat -c %i "$out")" != "$bak_inode" ]; then
                fail "$n ranks: the run after kill $kills did not restore the backup"
            fi
            bak_inode=""
            # A kill inside round R's evaluation: the next run redid exactly
            # the rows that were pending, no done row.
            if [ -n "$expect_pending" ]; then
                line=$(tail -n +"$from" "$out.log" | grep -m1 -Eo "round [0-9]+ \([0-9]+ of [0-9]+\) evaluate: [0-9]+ of")
                if [ -n "$line" ] || [ "$hit" = 0 ]; then
                    [ "${line% of}" = "${expect_pending}" ] ||
                        fail "$n ranks: after kill $kills the file had ${expect_pending#* evaluate: }" \
                             "rows of ${expect_pending%% evaluate*} pending; the next run logged: $line"
                fi
            fi
            expect_pending=""
            if [ "$hit" = 0 ]; then
                # Not killed: the run finished by itself, successfully.
                [ "$rc" -eq 0 ] || fail "$n ranks: a run exited $rc: $(tail -20 "$log")"
                verify_complete "$n" "$out" "$ref"
                echo "campaign $instance complete and identical to the reference" \
                     "$([ "$kind" = none ] || echo "(it completed while aiming at $kind)")"
                break
            fi
            kills=$((kills + 1))
            # Where did it land?
            if [ -e "$out.partial" ]; then
                landed=creation
                c_creation=$((c_creation + 1))
                [ ! -e "$out" ] || fail "$n ranks: both $out and $out.partial exist"
            elif [ ! -e "$out" ]; then
                landed=startup
                c_startup=$((c_startup + 1))
            else
                state=$(check_after_kill "$out") ||
                    fail "$n ranks: after kill $kills (aimed at $kind) the file does not check out"
                read -r rows done pending running_round <<<"$state"
                if [ -e "$out.bak.tmp" ]; then
                    landed=backup
                    c_backup=$((c_backup + 1))
                elif [ -e "$out.bak" ]; then
                    landed=boundary
                    c_boundary=$((c_boundary + 1))
                    bak_inode=$(stat -c %i "$out.bak")
                elif [ "$running_round" -ge 0 ] && [ "$pending" -gt 0 ] && [ "$done" -gt "$prev_done" ]; then
                    landed=evaluate
                    c_evaluate=$((c_evaluate + 1))
                else
                    landed=other
                    c_other=$((c_other + 1))
                fi
                prev_done=$done
                [ "$running_round" -ge 0 ] &&
                    expect_pending="round $running_round ($((running_round + 1)) of $ROUNDS) evaluate: $pending"
                landed="$landed (rows $rows, done $done, pending $pending)"
            fi
            echo "kill $kills (aimed at $kind) landed: $landed"
        done
        [ "$kind" = none ] && break
    done
    echo "$n ranks: $kills kills in $((SECONDS - t0)) s over $instance campaign(s): creation" \
         "(OUTPUT.partial present) $c_creation, backup (OUTPUT.bak.tmp present) $c_backup," \
         "boundary (OUTPUT.bak present) $c_boundary," \
         "evaluation $c_evaluate, startup $c_startup, other $c_other"
}

# progress_seconds is not a campaign-defining key; evaluation is announced
# in OUTPUT.log, which the evaluate kills watch.
common=("campaign.rounds = $ROUNDS" "global.points = 40" "oracle.delay = 0.01" "run.progress_seconds = 0.05")
write_config "$TEST_TMP/ref.ini" "$TEST_TMP/ref.h5" "${common[@]}"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/ref.ini" >"$TEST_TMP/ref.stdout" 2>&1 ||
    fail "reference run exited $?: $(tail -5 "$TEST_TMP/ref.stdout")"

for n in 3 1; do
    kill_campaign "$n" "$TEST_TMP/ref.h5" "${common[@]}"
done
echo "ok"
