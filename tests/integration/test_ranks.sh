# The campaign file's data are identical for 1, 2 and 4 ranks (random
# streams are keyed by point and round, never by rank), for both global
# methods, with the release build; the 2-rank run also with ASan/UBSan.
source "$(dirname "$0")/../lib.sh"

for method in billiard sobol; do
    for n in 1 2 4; do
        write_config "$TEST_TMP/$method$n.ini" "$TEST_TMP/$method$n.h5" \
            "global.method = $method" "global.points = 150" "oracle.delay = 0.0005"
        $MPIRUN -n $n "$ALFE" run "$TEST_TMP/$method$n.ini" > "$TEST_TMP/$method$n.log" 2>&1 ||
            fail "$method on $n ranks exited $?: $(tail -5 "$TEST_TMP/$method$n.log")"
        grep -q "Valid" "$TEST_TMP/$method$n.log" || fail "$method on $n ranks: no Valid line"
    done
    compare_campaigns "$TEST_TMP/${method}1.h5" "$TEST_TMP/${method}2.h5" || fail "$method: 1 vs 2 ranks"
    compare_campaigns "$TEST_TMP/${method}1.h5" "$TEST_TMP/${method}4.h5" || fail "$method: 1 vs 4 ranks"
    # Every rank other than the coordinator evaluated points on 4 ranks.
    "$PYTHON" - "$TEST_TMP/${method}4.h5" <<'PY' || fail "$method: load not spread over workers"
import sys, h5py, numpy as np
r = h5py.File(sys.argv[1], "r")["points/rank"][:]
counts = {k: int((r == k).sum()) for k in (1, 2, 3)}
assert (r != 0).all(), "rank 0 evaluated points while coordinating"
assert min(counts.values()) > 0, counts
print("points per worker", counts)
PY
done

# Checksums printed by the runs agree too.
for method in billiard sobol; do
    sums=$(grep -ho "checksum 0x[0-9a-f]*" "$TEST_TMP/$method"[124].log | sort -u | wc -l)
    [ "$sums" -eq 1 ] || fail "$method: checksums differ between rank counts"
done

# The sanitizer build on 2 ranks gives the same data as the release build.
write_config "$TEST_TMP/asan.ini" "$TEST_TMP/asan.h5" "global.method = billiard" "global.points = 150" "oracle.delay = 0.0005"
$MPIRUN -n 2 "$ALFE_ASAN" run "$TEST_TMP/asan.ini" > "$TEST_TMP/asan.log" 2>&1 ||
    fail "ASan build on 2 ranks: $(tail -20 "$TEST_TMP/asan.log")"
compare_campaigns "$TEST_TMP/billiard1.h5" "$TEST_TMP/asan.h5" || fail "ASan build differs"
echo "ok"
