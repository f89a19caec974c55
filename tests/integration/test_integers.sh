# Exact numbers: integers are decimal (seed = 010 gives the same campaign as
# seed = 10, not as 8; hex refusals and out-of-range values are in
# tests/bad_input/cases.tsv), and `alfe predict` at a point where the committee
# overflows (1e300) does not print NaN silently: the rows are printed, then one
# error naming the points file, the count of non-finite rows and the first,
# exit 2.
source "$(dirname "$0")/../lib.sh"

D=$TEST_TMP
for s in 010 10 8; do
    write_config "$D/s$s.ini" "$D/s$s.h5" "campaign.seed = $s" "campaign.rounds = 1" "global.points = 8"
    "$ALFE" run "$D/s$s.ini" > "$D/s$s.log" 2>&1 || fail "seed = $s: run failed: $(tail -3 "$D/s$s.log")"
done
compare_campaigns "$D/s010.h5" "$D/s10.h5" > "$D/cmp.log" 2>&1 ||
    fail "seed = 010 and seed = 10 give different campaigns: $(tail -3 "$D/cmp.log")"
compare_campaigns "$D/s010.h5" "$D/s8.h5" > /dev/null 2>&1 &&
    fail "seed = 010 gives the campaign of seed = 8 (read as octal)"
"$PYTHON" - "$D/s010.h5" <<'PY' || fail "stored seed"
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    v = f["config"].attrs["campaign.seed"]
    v = v.decode() if isinstance(v, bytes) else v
    assert str(v).strip() in ("10", "010"), v
PY
echo "ok  seed = 010 is ten"

write_config "$D/net.ini" "$D/net.h5" "campaign.rounds = 1" "global.points = 20" \
    "[network]" "invariants = $ROOT/inputs/lco/invariants.txt"
"$ALFE" run "$D/net.ini" > "$D/net.log" 2>&1 || fail "network run failed: $(tail -3 "$D/net.log")"
printf "0.1 0 0 0 0 0 0\n0.2 0 0 0 0 0 0\n1e300 0 0 0 0 0 0\n1e300 1e300 0 0 0 0 0\n" > "$D/p.txt"
"$ALFE" predict "$D/net.h5" --points "$D/p.txt" > "$D/pred.out" 2> "$D/pred.err"
rc=$?
[ $rc -eq 2 ] || fail "predict at 1e300 exited $rc, expected 2: $(cat "$D/pred.err")"
grep -qF "p.txt: 1 of 4 points give non-finite results (NaN or infinity in their row), the first is point 3" "$D/pred.err" ||
    fail "predict at 1e300: message: $(cat "$D/pred.err")"
[ "$(grep -vc '^#' "$D/pred.out")" -eq 4 ] || fail "predict at 1e300: the rows are not printed: $(cat "$D/pred.out")"
head -2 "$D/p.txt" > "$D/ok.txt"
"$ALFE" predict "$D/net.h5" --points "$D/ok.txt" > "$D/ok.out" 2> "$D/ok.err" || fail "predict on finite points: $(cat "$D/ok.err")"
echo "ok  predict refuses non-finite results: $(cat "$D/pred.err")"
