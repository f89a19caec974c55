# The campaign file matches docs/campaign-file.md: the schema checker
# (tools/alfe_schema_check.py) passes on real campaigns, the doc's h5py
# snippet runs on one, `alfe info` reports it, a hand-made interrupted file is
# valid and resumes to the same data, and every corrupted copy fails the
# checker with a message naming the problem (so the checker can fail).
source "$(dirname "$0")/../lib.sh"

CHECK="$PYTHON $ROOT/tools/alfe_schema_check.py"
F=$TEST_TMP/c.h5
write_config "$TEST_TMP/c.ini" "$F"
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/c.ini" > "$TEST_TMP/run.log" 2>&1 ||
    fail "2-rank run exited $?: $(tail -5 "$TEST_TMP/run.log")"

out=$($CHECK "$F") || fail "checker rejects a real campaign: $out"
summary="alfe-campaign 1.3, d = 7, M = 8, 180 rows (180 done, 0 failed, 0 pending), 3 rounds (3 done), 1 run"
[ "$out" = "OK $F: $summary" ] || fail "checker summary: $out"

# A Sobol campaign on one rank, resumed once (two run records).
write_config "$TEST_TMP/s.ini" "$TEST_TMP/s.h5" "global.method = sobol" "global.points = 30"
"$ALFE" run "$TEST_TMP/s.ini" > "$TEST_TMP/s.log" 2>&1 || fail "sobol run: $(tail -3 "$TEST_TMP/s.log")"
"$ALFE" run "$TEST_TMP/s.ini" > "$TEST_TMP/s.log" 2>&1 || fail "sobol resume: $(tail -3 "$TEST_TMP/s.log")"
out=$($CHECK "$TEST_TMP/s.h5") || fail "checker rejects a Sobol campaign: $out"
case "$out" in *"90 rows (90 done"*", 2 runs") ;; *) fail "sobol summary: $out" ;; esac

# The doc's h5py snippet (between its markers), on this campaign.
awk '/<!-- snippet: campaign-file-h5py/{on=1; next} /<!-- \/snippet -->/{on=0} on' \
    docs/campaign-file.md | sed '/^```/d' | sed "s|out/demo.h5|$F|" > "$TEST_TMP/snippet.py"
grep -q h5py.File "$TEST_TMP/snippet.py" || fail "no snippet between the markers in docs/campaign-file.md"
"$PYTHON" "$TEST_TMP/snippet.py" > "$TEST_TMP/snippet.out" 2>&1 ||
    fail "doc snippet failed: $(cat "$TEST_TMP/snippet.out")"
[ "$(grep -c '^round [0-2] (done): 60 rows, 60 done, mean |mu| = 0\.0' "$TEST_TMP/snippet.out")" -eq 3 ] ||
    fail "doc snippet output: $(cat "$TEST_TMP/snippet.out")"
grep -q "^all: 180 rows, 180 done; d = 7" "$TEST_TMP/snippet.out" ||
    fail "doc snippet output: $(cat "$TEST_TMP/snippet.out")"

# alfe info.
"$ALFE" info "$F" > "$TEST_TMP/info.txt" 2>&1 || fail "alfe info exited $?: $(cat "$TEST_TMP/info.txt")"
[ "$(grep -cE '^ +[0-2]  done +60 +60 +0 +0 ' "$TEST_TMP/info.txt")" -eq 3 ] ||
    fail "alfe info: no per-round lines: $(cat "$TEST_TMP/info.txt")"
grep -q "alfe-campaign 1.3" "$TEST_TMP/info.txt" || fail "alfe info: no format line"
grep -q "3 of 3 rounds done: complete" "$TEST_TMP/info.txt" || fail "alfe info: not complete: $(cat "$TEST_TMP/info.txt")"

# mutate SRC DST KIND: a copy of SRC changed with h5py.
mutate() {
    cp "$1" "$2"
    "$PYTHON" - "$2" "$3" <<'PY' || fail "mutate $3 failed"
import sys, h5py, numpy as np
path, kind = sys.argv[1:3]
f = h5py.File(path, "r+")
p, st = f["points"], f["points/status"]
done_row = int(np.flatnonzero(st[:] == 1)[0])
def reset(rows):
    # rows back to the unwritten state: what a round start leaves
    for name in ("eta_mean", "mu", "mu_stderr", "tau", "acceptance", "wall_seconds"):
        p[name][rows] = np.nan
    for name in ("passes", "samples", "equilibration_samples", "converged", "status"):
        p[name][rows] = 0
    p["rank"][rows] = -1
def interrupt():
    # the last round stopped with its rows 150.. still pending
    g = f["rounds/0002"]
    g.attrs["state"] = "running"
    g.attrs["finished"] = ""
    g.attrs.modify("done", np.int64(0))
    g.attrs.modify("pending", g.attrs["n_points"])
    reset(slice(150, 180))
if kind == "interrupted":
    interrupt()
elif kind == "partial":
    interrupt()
    p["eta_mean"][160] = p["eta_target"][160]
    p["mu"][160] = 0.0
elif kind == "drop_column":
    del p["mu"]
elif kind == "status7":
    st[3] = 7
elif kind == "mu_nan":
    p["mu"][done_row, 2] = np.nan
elif kind == "major2":
    f.attrs.modify("format_version_major", np.int64(2))
elif kind == "not_alfe":
    f.attrs["format"] = "something-else"
elif kind == "dtype":
    v = p["round"][:]
    del p["round"]
    p.create_dataset("round", data=v.astype(np.float64), maxshape=(None,), chunks=(256,))
    p["round"].attrs["description"] = "round that requested the point"
elif kind == "short_column":
    p["tau"].resize((st.shape[0] - 1, p["tau"].shape[1]))
elif kind == "outside":
    p["eta_mean"][done_row] = 10.0
elif kind == "pending_in_done_round":
    reset(5)
elif kind == "counts":
    f["rounds/0001"].attrs.modify("done", np.int64(59))
    f["rounds/0001"].attrs.modify("failed", np.int64(1))
elif kind == "first_row":
    f["rounds/0001"].attrs.modify("first_row", np.int64(61))
elif kind == "q_row0":
    f["system/Q"][0, 0] += 0.1
elif kind == "domain_b":
    b = f["system/domain_b"][:]
    del f["system/domain_b"]
    f["system"].create_dataset("domain_b", data=b[:-1])
elif kind == "no_seed":
    del f.attrs["seed"]
elif kind == "attr_type":
    del f.attrs["dimension"]
    f.attrs["dimension"] = np.float64(7)
elif kind == "no_units":
    del p["eta_mean"].attrs["units"]
elif kind == "no_labels":
    del p["mu"].attrs["DIMENSION_LABELS"]
elif kind == "local_time":
    f.attrs["created"] = "2026-12-07T03:52:18"
elif kind == "round_units":
    del f["rounds/0001"].attrs["units"]
elif kind == "hash":
    f["points/mu"][70, 1] += 1e-12
elif kind == "as_1_1":
    # What alfe 0.1.0 wrote as 1.1: none of the 1.2 (and 1.3) additions.
    f.attrs.modify("format_version_minor", np.int64(1))
    f.attrs["format_version"] = "1.1"
    units_1_0 = {"T", "phi", "mu", "mu_stderr", "tau", "wall_seconds"}
    def strip(name, obj):
        if "DIMENSION_LABELS" in obj.attrs:
            del obj.attrs["DIMENSION_LABELS"]
        if "rows_sha256" in obj.attrs:
            del obj.attrs["rows_sha256"]
        if name and "units" in obj.attrs and not (name.startswith("points/") and name[7:] in units_1_0):
            del obj.attrs["units"]
        for key in ("created", "started", "finished"):
            v = obj.attrs.get(key)
            if isinstance(v, (str, bytes)):
                obj.attrs[key] = (v.decode() if isinstance(v, bytes) else v).rstrip("Z")
    f.visititems(strip)
    strip("", f)
else:
    sys.exit("unknown kind " + kind)
f.close()
PY
}

# A valid interrupted file: last round running with pending rows; `alfe info`
# says so, and resuming gives the uninterrupted campaign's data.
mutate "$F" "$TEST_TMP/int.h5" interrupted
out=$($CHECK "$TEST_TMP/int.h5") || fail "checker rejects an interrupted campaign: $out"
case "$out" in *"(150 done, 0 failed, 30 pending), 3 rounds (2 done)"*) ;; *) fail "interrupted summary: $out" ;; esac
"$ALFE" info "$TEST_TMP/int.h5" > "$TEST_TMP/info.txt" 2>&1 || fail "alfe info on an interrupted file exited $?"
grep -qE '^ +2  running +60 +30 +0 +30 ' "$TEST_TMP/info.txt" || fail "alfe info, running round: $(cat "$TEST_TMP/info.txt")"
grep -q "incomplete" "$TEST_TMP/info.txt" || fail "alfe info: interrupted file not incomplete"
write_config "$TEST_TMP/int.ini" "$TEST_TMP/int.h5"
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/int.ini" > "$TEST_TMP/int.log" 2>&1 ||
    fail "resume exited $?: $(tail -5 "$TEST_TMP/int.log")"
grep -q "30 of 60 points pending" "$TEST_TMP/int.log" || fail "resume did not redo the 30 pending rows"
out=$($CHECK "$TEST_TMP/int.h5") || fail "checker rejects the resumed campaign: $out"
compare_campaigns "$F" "$TEST_TMP/int.h5" > /dev/null || fail "resumed campaign differs from the original"

# A row half-written by a killed run: invalid by default, accepted with --allow-partial.
mutate "$F" "$TEST_TMP/partial.h5" partial
out=$($CHECK "$TEST_TMP/partial.h5") && fail "checker accepts a half-written pending row by default"
echo "$out" | grep -q "results written .* /rounds/0002, running: .*--allow-partial.* in 1 pending row: 160" ||
    fail "half-written row: $out"
out=$($CHECK --allow-partial "$TEST_TMP/partial.h5") || fail "--allow-partial rejects: $out"
echo "$out" | grep -q "1 partially written pending row" || fail "--allow-partial summary: $out"

# Corrupted copies: each fails with its own message.
expect_fail() {
    local kind=$1 pattern=$2
    mutate "$F" "$TEST_TMP/$kind.h5" "$kind"
    local out rc=0
    out=$($CHECK "$TEST_TMP/$kind.h5") || rc=$?
    [ "$rc" -eq 1 ] || fail "$kind: checker exited $rc, expected 1: $out"
    echo "$out" | grep -qE -- "$pattern" || fail "$kind: no message matching '$pattern' in: $out"
}
expect_fail drop_column '^  /points/mu: column missing$'
expect_fail status7 '/points/status: value \[7\] outside \{0 pending, 1 done, 2 failed\} in 1 row: 3$'
expect_fail mu_nan '/points/mu: non-finite in 1 done row: 0$'
expect_fail major2 'format version 2\.[0-9]: this checker reads format alfe-campaign version 1\.x only'
expect_fail not_alfe 'not an alfe campaign'
expect_fail dtype '/points/round: dtype float64, expected int32'
expect_fail short_column '/points/tau: shape \(179, 7\), expected \(180, 7\)'
expect_fail outside '/points/eta_mean: outside the domain .* in 1 done row: 0$'
expect_fail pending_in_done_round '/rounds/0000 \(state done\): status pending in 1 row: 5$'
expect_fail pending_in_done_round \
    'state done with done/failed/pending = \[60, 0, 0\], but the status column counts \[59, 0, 1\]'
expect_fail counts '/rounds/0001: state done with done/failed/pending = \[59, 1, 0\]'
expect_fail first_row '/rounds/0001: first_row = 61, expected 60'
expect_fail q_row0 '/system/Q: row 0 is not \(1/M\)'
expect_fail domain_b '/system/domain_b: shape \(15,\), expected \(16,\)'
expect_fail no_seed '^  /: attribute seed missing$'
expect_fail attr_type '/: attribute dimension has type float64, expected i64'

# 1.2: units, dimension labels and time zones are checked.
expect_fail no_units '^  /points/eta_mean: attribute units missing$'
expect_fail no_labels "/points/mu: dimension labels \\('', ''\\), expected \\('row', 'order parameter'\\)"
expect_fail local_time "/: created = '2026-12-07T03:52:18' is not ISO 8601 with a time zone"
expect_fail round_units '^  /rounds/0001: attribute units missing$'
# 1.3: the content hash of a finished round.
expect_fail hash '/rounds/0001: rows_sha256 [0-9a-f]{12}\.\.\. but the rows 60\.\.119 hash to .*damaged'

# A 1.1 file (as alfe 0.1.0 wrote it: no 1.2 additions) is valid as 1.1,
# `alfe info` reads it, and alfe resumes it (one more round) without rewriting
# its version; the rounds it adds carry the 1.2 attributes, which 1.1 readers ignore.
mutate "$F" "$TEST_TMP/old.h5" as_1_1
out=$($CHECK "$TEST_TMP/old.h5") || fail "checker rejects a 1.1 file: $out"
echo "$out" | grep -q "alfe-campaign 1.1, .* 3 rounds (3 done)" || fail "1.1 summary: $out"
"$ALFE" info "$TEST_TMP/old.h5" > "$TEST_TMP/info.txt" 2>&1 || fail "alfe info on a 1.1 file: $(cat "$TEST_TMP/info.txt")"
grep -q "alfe-campaign 1.1" "$TEST_TMP/info.txt" || fail "alfe info on a 1.1 file: $(cat "$TEST_TMP/info.txt")"
# no content hashes before 1.3: accepted with a note
grep -q "note: .*: 3 finished rounds without a content hash" "$TEST_TMP/info.txt" ||
    fail "alfe info on a 1.1 file: no note about the missing hashes: $(cat "$TEST_TMP/info.txt")"
write_config "$TEST_TMP/old.ini" "$TEST_TMP/old.h5" "campaign.rounds = 4"
"$ALFE" run "$TEST_TMP/old.ini" > "$TEST_TMP/old.log" 2>&1 || fail "resume of a 1.1 file: $(tail -3 "$TEST_TMP/old.log")"
grep -q "round 3 (4 of 4) done" "$TEST_TMP/old.log" || fail "resume of a 1.1 file: $(cat "$TEST_TMP/old.log")"
out=$($CHECK "$TEST_TMP/old.h5") || fail "checker rejects the resumed 1.1 file: $out"
echo "$out" | grep -q "alfe-campaign 1.1, .* 4 rounds (4 done), 2 runs" || fail "resumed 1.1 summary: $out"
"$PYTHON" -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
assert 'rows_sha256' not in f['rounds/0002'].attrs and 'rows_sha256' in f['rounds/0003'].attrs
" "$TEST_TMP/old.h5" || fail "the resumed 1.1 file: the new round has no rows_sha256"

# alfe itself refuses another major version with a clear message and exit 2.
rc=0
"$ALFE" info "$TEST_TMP/major2.h5" > "$TEST_TMP/info.txt" 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "alfe info on a 2.0 file exited $rc, expected 2"
grep -q "campaign format version 2\.[0-9]; this alfe (.*) reads version 1.x only" "$TEST_TMP/info.txt" ||
    fail "alfe info on a 2.0 file: $(cat "$TEST_TMP/info.txt")"

# Version 1.1 additions: a campaign with a committee, and a Monte Carlo one.
write_config "$TEST_TMP/net.ini" "$TEST_TMP/net.h5" "global.points = 40" "campaign.rounds = 2" \
    "network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 1" \
    "network.width = 6" "network.committee = 2" "training.epochs = 5"
"$ALFE" run "$TEST_TMP/net.ini" > /dev/null 2>&1 || fail "campaign with a network"
out=$($CHECK "$TEST_TMP/net.h5") || fail "checker on a 1.3 campaign with models: $out"
echo "$out" | grep -q "alfe-campaign 1.3" || fail "not 1.3: $out"
"$PYTHON" - "$TEST_TMP/net.h5" "$TEST_TMP/net_bad.h5" <<'PY'
import h5py, shutil, sys
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "a") as f:
    del f["models/0001/member_01/params"]
    f["models/0001/member_01/params"] = [1.0, 2.0]
PY
rc=0; out=$($CHECK "$TEST_TMP/net_bad.h5") || rc=$?
[ "$rc" -eq 1 ] && echo "$out" | grep -q "/models/0001/member_01/params: shape (2,), the architecture needs" ||
    fail "corrupted model not reported: $out"
L=$ROOT/inputs/lco
write_config "$TEST_TMP/mc.ini" "$TEST_TMP/mc.h5" "system.model = clex" "system.prim = $L/prim.json" \
    "system.eci = $L/eci.json" "system.supercell = 4 0 0 0 4 0 0 0 4" \
    "system.ordering_cell = 2 0 0 0 2 0 0 0 2" "global.points = 10" "campaign.rounds = 1" \
    "mc.min_passes = 100" "mc.max_passes = 400"
"$ALFE" run "$TEST_TMP/mc.ini" > /dev/null 2>&1 || fail "Monte Carlo campaign"
out=$($CHECK "$TEST_TMP/mc.h5") || fail "checker on a Monte Carlo campaign: $out"
echo ok
