# One writer per campaign, and the lock follows the file: while a slow run
# writes a campaign, a second `alfe run` whose [campaign] output is a symbolic
# link to the same file (or the same file by its own name) is refused with exit
# 2 and a message naming the first run's host and pid; the first run completes
# (Valid) and its file passes tools/alfe_schema_check.py.
source "$(dirname "$0")/../lib.sh"

D=$TEST_TMP
mkdir -p "$D/real" "$D/other"
write_config "$D/first.ini" "$D/real/c.h5" "campaign.rounds = 2" "global.points = 40" \
    "oracle.delay = 0.05" "run.progress_seconds = 0.2"
"$ALFE" run "$D/first.ini" > "$D/first.log" 2>&1 &
first=$!
# Wait until the first run holds the lock (its pid is in the lock file).
for _ in $(seq 1 100); do
    grep -qw "$first" "$D/real/c.h5.lock" 2>/dev/null && break
    sleep 0.1
done
grep -qw "$first" "$D/real/c.h5.lock" 2>/dev/null ||
    { kill "$first" 2>/dev/null; fail "the first run did not take the lock: $(cat "$D/first.log")"; }
kill -0 "$first" 2>/dev/null || fail "the first run ended too early: $(tail -3 "$D/first.log")"

host=$(hostname)
ln -s "$D/real/c.h5" "$D/other/link.h5"
ln -s ../real "$D/other/dirlink"
for out in "$D/other/link.h5" "$D/other/dirlink/c.h5" "$D/real/c.h5"; do
    write_config "$D/second.ini" "$out" "campaign.rounds = 2" "global.points = 40" \
        "oracle.delay = 0.05" "run.progress_seconds = 0.2"
    "$ALFE" run "$D/second.ini" > "$D/second.log" 2>&1
    rc=$?
    [ "$rc" -eq 2 ] || { kill "$first" 2>/dev/null; fail "second run on $out exited $rc, expected 2: $(tail -3 "$D/second.log")"; }
    kill -0 "$first" 2>/dev/null || fail "the first run ended before the second was tried ($out)"
    grep -qF "in use by another alfe run (host $host, pid $first;" "$D/second.log" ||
        { kill "$first"; fail "second run on $out: message lacks host $host and pid $first: $(cat "$D/second.log")"; }
    echo "ok  refused: $out: $(grep 'alfe: error' "$D/second.log")"
done
[ ! -e "$D/other/link.h5.lock" ] || fail "a lock was taken on the link's name"

wait "$first" || fail "the first run exited $?: $(tail -5 "$D/first.log")"
grep -q "Valid" "$D/first.log" || fail "the first run has no Valid line: $(tail -5 "$D/first.log")"
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$D/real/c.h5" > "$D/schema.log" 2>&1 ||
    fail "schema check: $(tail -5 "$D/schema.log")"
# After the first run, the link resumes the same campaign (the lock is free).
write_config "$D/second.ini" "$D/other/link.h5" "campaign.rounds = 2" "global.points = 40"
"$ALFE" run "$D/second.ini" > "$D/second.log" 2>&1 || fail "resume through the link failed: $(tail -3 "$D/second.log")"
echo ok
