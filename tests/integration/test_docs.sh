# The documentation stays true: docs/configuration.md is what `alfe help
# config` prints, the README's h5py example runs against a real campaign, and
# every command answers --help with exit 0.
source "$(dirname "$0")/../lib.sh"

tools/gen_config_doc.sh "$TEST_TMP/configuration.md"
cmp -s "$TEST_TMP/configuration.md" docs/configuration.md ||
    fail "docs/configuration.md is stale: run tools/gen_config_doc.sh and commit it"

for cmd in "run --help" "info --help" "train --help" "mc --help" "predict --help" \
           "import-keras --help" "invariants -h" "version --help" "help --help" "help" \
           "help config" "version" "mc x --bogus --help"; do
    "$ALFE" $cmd > "$TEST_TMP/help.txt" 2>&1 || fail "alfe $cmd exited $?"
    [ -s "$TEST_TMP/help.txt" ] || fail "alfe $cmd printed nothing"
done

write_config "$TEST_TMP/c.ini" "$TEST_TMP/readme.h5" "global.points = 40" "campaign.rounds = 2"
"$ALFE" run "$TEST_TMP/c.ini" > "$TEST_TMP/run.log" 2>&1 || fail "run failed: $(tail -3 "$TEST_TMP/run.log")"
# The README's Python block (between ```python and ```), on this campaign.
awk '/^```python/{on=1; next} /^```/{on=0} on' README.md |
    sed "s|out/demo.h5|$TEST_TMP/readme.h5|" > "$TEST_TMP/snippet.py"
[ -s "$TEST_TMP/snippet.py" ] || fail "no python block in README.md"
"$PYTHON" "$TEST_TMP/snippet.py" > "$TEST_TMP/snippet.out" 2>&1 ||
    fail "README snippet failed: $(cat "$TEST_TMP/snippet.out")"
grep -q "alfe-campaign 1.1" "$TEST_TMP/snippet.out" || fail "README snippet output: $(cat "$TEST_TMP/snippet.out")"
grep -q "80 points done" "$TEST_TMP/snippet.out" || fail "README snippet output: $(cat "$TEST_TMP/snippet.out")"
echo ok
