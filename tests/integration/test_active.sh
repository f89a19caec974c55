# Active learning in the round loop (docs/acquisition.md):
#   ranks     an active-learning campaign (special points in round 0, every
#             criterion from round 1 on a pool predicted over the ranks,
#             high error from round 2, novelty, re-weighting) gives the same
#             points, round records and models, bit for bit, on 1, 2 and 4
#             ranks; the 2-rank run also with the ASan/UBSan build;
#   signal    SIGUSR1 after round 2 and a resume give the reference campaign;
#   kill      kill -9 of every process while round 2 or 3 is being acquired
#             (the pool is being predicted, then the criteria select), then a
#             resume, gives the reference campaign;
#   stop      [stop] target_mse ends a campaign as "converged", [stop]
#             patience as "no_improvement": the run record's exit_reason, the
#             root and round stop_reason, `alfe info`'s "complete (stopped:
#             REASON)", and a second `alfe run` adds nothing;
#   search    [training] hypersearch_trigger: never, first (round 1 only) and
#             first_and_no_improvement (round 1 and the rounds whose new rows
#             the committee predicted no better than the previous round's);
#   schema    tools/alfe_schema_check.py accepts every file.
source "$(dirname "$0")/../lib.sh"

cp "$ALFE" "$TEST_TMP/alfe" && ALFE=$TEST_TMP/alfe
CHECK="$PYTHON $ROOT/tools/alfe_schema_check.py"

# rnd K N: an ERE for the log's name of the K-th of N rounds (1-based K), as
# "round K/N" or as "round K-1 (K of N)" (0-based numbering with the count).
rnd() { echo "round ($1/$2|$(($1 - 1)) \\($1 of $2\\))"; }

# active_config FILE OUTPUT [more keys]: 4 rounds, every criterion on.
active_config() {
    local file=$1 out=$2
    shift 2
    write_config "$file" "$out" "campaign.rounds = 4" "global.points = 60" \
        "network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 2" \
        "network.width = 12" "network.committee = 3" "training.optimizer = adam" \
        "training.learning_rate = 0.003" "training.epochs = 40" "training.batch_size = 32" \
        "pool.points = 1500" "pool.walk_2d = 300" \
        "special.file = $ROOT/inputs/lco/special_points.txt" "special.lines = 0-1, 0-2" \
        "special.line_points = 2" "special.copies = 2" "special.perturb = 0.02" \
        "high_error.points = 12" "high_error.groups = 4" "high_error.copies = 3" \
        "high_error.perturb = 0.02" "wells.points = 8" "instability.points = 8" \
        "lowest_g.points = 8" "lowest_g.bins = 5" "sensitivity.points = 8" "qbc.points = 12" \
        "novelty.min_distance = 0.002" "reweight.rule = surprise" "reweight.floor = 2" "$@"
}

# compare_active A B: compare_campaigns plus the models and the criteria records.
compare_active() {
    compare_campaigns "$1" "$2" || return 1
    "$PYTHON" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
def walk(f):
    out = {}
    f["models"].visititems(lambda n, o: out.__setitem__(n, o[...]) if isinstance(o, h5py.Dataset) else None)
    return out
ma, mb = walk(a), walk(b)
assert sorted(ma) == sorted(mb), "model datasets differ: %s vs %s" % (sorted(ma), sorted(mb))
for k in ma:
    assert ma[k].tobytes() == mb[k].tobytes(), "/models/%s differs" % k
keys = ("points_per_criterion", "budget_per_criterion", "weight_per_criterion",
        "proposed_per_criterion", "mse_before_per_criterion", "mse_after_per_criterion",
        "spread_before_per_criterion", "mse_all", "mse_new_before_training")
for r in a["rounds"]:
    for k in keys:
        x, y = np.asarray(a["rounds"][r].attrs[k]), np.asarray(b["rounds"][r].attrs[k])
        assert x.tobytes() == y.tobytes(), "/rounds/%s %s: %s vs %s" % (r, k, x, y)
print("models and criteria records identical: %d model datasets" % len(ma))
PY
}

# ---- ranks ------------------------------------------------------------------
for n in 1 2 4; do
    active_config "$TEST_TMP/r$n.ini" "$TEST_TMP/r$n.h5"
    $MPIRUN -n $n "$ALFE" run "$TEST_TMP/r$n.ini" >"$TEST_TMP/r$n.log" 2>&1 ||
        fail "$n ranks exited $?: $(tail -5 "$TEST_TMP/r$n.log")"
    grep -q -- "-> Valid" "$TEST_TMP/r$n.log" || fail "$n ranks: no Valid line"
done
# Every criterion proposed and kept points somewhere.
"$PYTHON" - "$TEST_TMP/r1.h5" <<'PY' || fail "not every criterion kept points"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
names = [n.decode() if isinstance(n, bytes) else n for n in f["points/criterion"].attrs["criterion_names"]]
crit = f["points/criterion"][:]
rnd = f["points/round"][:]
counts = {n: int((crit == i).sum()) for i, n in enumerate(names)}
print("rows per criterion", counts)
for n in ("special", "high_error", "wells", "instability", "lowest_g", "sensitivity", "qbc"):
    assert counts[n] > 0, n
assert set(rnd[crit == names.index("special")]) == {0}, "special points outside round 0"
assert set(rnd[crit == names.index("high_error")]) <= {2, 3}, "high error before round 2"
assert set(rnd[crit == names.index("qbc")]) == {1, 2, 3}, "qbc not in every round from 1"
w = np.array([f["rounds"]["%04d" % r].attrs["weight_per_criterion"] for r in range(4)])
assert np.allclose(w[:2], 1.0), "weights before any signal"
assert not np.allclose(w[3], 1.0), "surprise re-weighting left every weight at 1"
PY
compare_active "$TEST_TMP/r1.h5" "$TEST_TMP/r2.h5" || fail "1 vs 2 ranks"
compare_active "$TEST_TMP/r1.h5" "$TEST_TMP/r4.h5" || fail "1 vs 4 ranks"
sums=$(grep -ho "checksum 0x[0-9a-f]*" "$TEST_TMP"/r[124].log | sort -u | wc -l)
[ "$sums" -eq 1 ] || fail "checksums differ between rank counts"
grep -q "pool of 1800 points (150 on the boundary, 300 in (eta0, eta1)) predicted on 4 ranks" \
    "$TEST_TMP/r4.log" || fail "4 ranks: no pool line: $(grep pool "$TEST_TMP/r4.log" | head -2)"
for n in 1 2 4; do $CHECK "$TEST_TMP/r$n.h5" >/dev/null || fail "schema check, $n ranks"; done
"$ALFE" info "$TEST_TMP/r2.h5" >"$TEST_TMP/info.txt" || fail "alfe info exited $?"
grep -Eq "^ +3  qbc +[0-9]+ +[0-9.]+ +1800 +[0-9]+" "$TEST_TMP/info.txt" ||
    fail "alfe info: no criteria table row for qbc in round 3: $(cat "$TEST_TMP/info.txt")"
grep -q "re-weighting rule: surprise" "$TEST_TMP/info.txt" || fail "alfe info: no re-weighting rule"
tail -1 "$TEST_TMP/info.txt" | grep -q "status    4 of 4 rounds done: complete$" ||
    fail "alfe info: last line $(tail -1 "$TEST_TMP/info.txt")"

active_config "$TEST_TMP/asan.ini" "$TEST_TMP/asan.h5"
$MPIRUN -n 2 "$ALFE_ASAN" run "$TEST_TMP/asan.ini" >"$TEST_TMP/asan.log" 2>&1 ||
    fail "ASan build on 2 ranks: $(tail -20 "$TEST_TMP/asan.log")"
compare_active "$TEST_TMP/r1.h5" "$TEST_TMP/asan.h5" || fail "ASan build differs"

# ---- signal: SIGUSR1 to mpirun after round 2, resume -------------------------
active_config "$TEST_TMP/sig.ini" "$TEST_TMP/sig.h5" "oracle.delay = 0.002"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/sig.ini" >"$TEST_TMP/sig.log" 2>&1 &
pid=$!
deadline=$((SECONDS + 120))
until grep -Eq "$(rnd 2 4) done" "$TEST_TMP/sig.log" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || break
    [ "$SECONDS" -lt "$deadline" ] || fail "signal: round 2 never ended"
    sleep 0.02
done
kill -USR1 $pid 2>/dev/null
wait $pid || fail "signal: the stopped run exited $?: $(tail -5 "$TEST_TMP/sig.log")"
grep -q "stopped by SIGUSR1" "$TEST_TMP/sig.log" || echo "note: the run ended before the signal"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/sig.ini" >>"$TEST_TMP/sig.log" 2>&1 ||
    fail "signal: resume exited $?: $(tail -5 "$TEST_TMP/sig.log")"
compare_active "$TEST_TMP/r1.h5" "$TEST_TMP/sig.h5" || fail "signal: resumed campaign differs"

# ---- kill -9 during the acquisition of round 2 or 3, resume -----------------
# A big pool makes the acquisition last; the run is killed a random moment
# after the previous round's end was logged, i.e. while the pool is being
# predicted or the criteria select (the log tells which came first).
descendants() {
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2 }
        END { for (p in parent) { q = parent[p]
                  while (q > 1 && q != root && (q in parent)) q = parent[q]
                  if (q == root) print p } }'
}
# The reference with the big pool (uninterrupted, 3 ranks).
active_config "$TEST_TMP/kref.ini" "$TEST_TMP/kref.h5" "pool.points = 40000"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/kref.ini" >"$TEST_TMP/kref.log" 2>&1 ||
    fail "kill reference exited $?: $(tail -5 "$TEST_TMP/kref.log")"
active_config "$TEST_TMP/kill.ini" "$TEST_TMP/kill.h5" "pool.points = 40000"
kills=0
for target in 2 3; do
    : >"$TEST_TMP/kill.log.$target"
    (setsid $MPIRUN -n 3 "$ALFE" run "$TEST_TMP/kill.ini" >"$TEST_TMP/kill.log.$target" 2>&1; exit $?) 2>/dev/null &
    runner=$!
    deadline=$((SECONDS + 120))
    until grep -Eq "$(rnd $target 4) done" "$TEST_TMP/kill.log.$target" 2>/dev/null; do
        kill -0 $runner 2>/dev/null || fail "kill: the run ended before round $target was done"
        [ "$SECONDS" -lt "$deadline" ] || fail "kill: round $target never ended"
        sleep 0.01
    done
    sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
    procs=$(descendants $runner)
    kill -9 $procs 2>/dev/null
    wait $runner 2>/dev/null
    sleep 0.2
    acquired=$(grep -Ec "$(rnd $((target + 1)) 4) acquire: [0-9]+ points" "$TEST_TMP/kill.log.$target")
    echo "kill after round $target: $( [ "$acquired" -eq 0 ] && echo "during the acquisition of round $((target + 1))" || echo "after round $((target + 1))'s acquisition")"
    [ "$acquired" -eq 0 ] && kills=$((kills + 1))
done
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/kill.ini" >"$TEST_TMP/kill.log" 2>&1 ||
    fail "kill: resume exited $?: $(tail -5 "$TEST_TMP/kill.log")"
compare_active "$TEST_TMP/kref.h5" "$TEST_TMP/kill.h5" || fail "kill: resumed campaign differs"
[ "$kills" -ge 1 ] || fail "kill: no kill landed inside an acquisition"
$CHECK "$TEST_TMP/kill.h5" >/dev/null || fail "schema check after kills"

# ---- stop rule ----------------------------------------------------------------
# converged: any finite MSE on the new rows before training (round 1 on) is
# below 1 eV^2.
active_config "$TEST_TMP/conv.ini" "$TEST_TMP/conv.h5" "campaign.rounds = 6" "stop.target_mse = 1"
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/conv.ini" >"$TEST_TMP/conv.log" 2>&1 ||
    fail "stop converged exited $?: $(tail -5 "$TEST_TMP/conv.log")"
grep -Eq "stopped after $(rnd 2 6) by the \[stop\] rule: converged" "$TEST_TMP/conv.log" ||
    fail "stop: no 'converged' line: $(grep -i stop "$TEST_TMP/conv.log")"
"$ALFE" info "$TEST_TMP/conv.h5" | tail -1 | grep -q "status    2 of 6 rounds done: complete (stopped: converged)$" ||
    fail "stop: alfe info says $("$ALFE" info "$TEST_TMP/conv.h5" | tail -1)"
"$ALFE" info "$TEST_TMP/conv.h5" | grep -q "last: converged on 2 ranks" || fail "stop: run record"
rows=$("$PYTHON" -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['points/status'].shape[0])" "$TEST_TMP/conv.h5")
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/conv.ini" >>"$TEST_TMP/conv.log" 2>&1 || fail "stop: second run exited $?"
rows2=$("$PYTHON" -c "import h5py,sys; print(h5py.File(sys.argv[1],'r')['points/status'].shape[0])" "$TEST_TMP/conv.h5")
[ "$rows" = "$rows2" ] || fail "stop: a second run added rows ($rows -> $rows2)"
"$PYTHON" - "$TEST_TMP/conv.h5" <<'PY' || fail "stop: records"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
s = lambda v: v.decode() if isinstance(v, bytes) else v
assert s(f.attrs["stop_reason"]) == "converged", f.attrs["stop_reason"]
assert s(f["rounds/0001"].attrs["stop_reason"]) == "converged"
assert s(f["rounds/0000"].attrs["stop_reason"]) == ""
runs = sorted(f["runs"])
assert [s(f["runs"][r].attrs["exit_reason"]) for r in runs] == ["converged", "converged"], runs
PY
$CHECK "$TEST_TMP/conv.h5" >/dev/null || fail "schema check, converged"
# Raising the target away: the campaign goes on from where it stopped.
sed -i 's/^target_mse = 1$/target_mse = 0/' "$TEST_TMP/conv.ini"
echo "rounds = 3" >/dev/null
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/conv.ini" >>"$TEST_TMP/conv.log" 2>&1 || fail "stop: continuing exited $?"
"$ALFE" info "$TEST_TMP/conv.h5" | tail -1 | grep -q "status    6 of 6 rounds done: complete$" ||
    fail "stop: continued campaign: $("$ALFE" info "$TEST_TMP/conv.h5" | tail -1)"

# no_improvement: patience 1 and an improvement of 99 % that never comes.
active_config "$TEST_TMP/pat.ini" "$TEST_TMP/pat.h5" "campaign.rounds = 6" "stop.patience = 1" \
    "stop.min_improvement = 0.99"
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/pat.ini" >"$TEST_TMP/pat.log" 2>&1 ||
    fail "stop no_improvement exited $?: $(tail -5 "$TEST_TMP/pat.log")"
grep -q "by the \[stop\] rule: no_improvement" "$TEST_TMP/pat.log" ||
    fail "stop: no 'no_improvement' line: $(grep -i metrics "$TEST_TMP/pat.log")"
"$ALFE" info "$TEST_TMP/pat.h5" | tail -1 | grep -q "complete (stopped: no_improvement)$" ||
    fail "stop: alfe info says $("$ALFE" info "$TEST_TMP/pat.h5" | tail -1)"
$CHECK "$TEST_TMP/pat.h5" >/dev/null || fail "schema check, no_improvement"

# ---- hyper-parameter search triggers ------------------------------------------
for trigger in never first first_and_no_improvement; do
    write_config "$TEST_TMP/hs_$trigger.ini" "$TEST_TMP/hs_$trigger.h5" "campaign.rounds = 5" \
        "global.points = 40" "network.invariants = $ROOT/inputs/lco/invariants.txt" \
        "network.layers = 1" "network.width = 8" "network.committee = 2" \
        "training.optimizer = adam" "training.learning_rate = 0.003" "training.epochs = 20" \
        "training.hypersearch = 2" "training.hypersearch_trigger = $trigger" \
        "training.search_layers_min = 1" "training.search_layers_max = 2" \
        "training.search_width_min = 4" "training.search_width_max = 8"
    $MPIRUN -n 2 "$ALFE" run "$TEST_TMP/hs_$trigger.ini" >"$TEST_TMP/hs_$trigger.log" 2>&1 ||
        fail "search $trigger exited $?: $(tail -5 "$TEST_TMP/hs_$trigger.log")"
    "$PYTHON" - "$TEST_TMP/hs_$trigger.h5" "$TEST_TMP/hs_$trigger.log" "$trigger" <<'PY' ||
import re, sys, h5py, numpy as np
path, log, trigger = sys.argv[1:4]
text = open(log).read()
# "round K/5" (1-based) or "round R (R+1 of 5)" (0-based).
searched = sorted([int(k) - 1 for k in re.findall(r"round (\d+)/5 hyper-parameter search", text)] +
                  [int(r) for r in re.findall(r"round (\d+) \(\d+ of 5\) hyper-parameter search", text)])
f = h5py.File(path, "r")
new = [f["rounds"]["%04d" % r].attrs["mse_new_before_training"] for r in range(5)]
if trigger == "never":
    want = []
elif trigger == "first":
    want = [0]
else:
    want = [0] + [r for r in range(2, 5) if not new[r] < new[r - 1]]
print(trigger, "searched in rounds", searched, "mse_new", np.round(new, 8).tolist())
assert searched == want, "searched %s, expected %s" % (searched, want)
PY
        fail "search trigger $trigger"
done
echo "ok"
