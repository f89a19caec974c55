# The documentation stays true: docs/configuration.md is what `alfe help
# config` prints, the README's h5py example runs against a real campaign,
# every command answers --help with exit 0, and every shell command shown in
# README.md, docs/*.md, jobs/README.md and inputs/*/README.md (code lines
# starting with bin/alfe, mpirun, tools/, printf or mkdir) runs, in document
# order, in a copy of the clone's tracked files (plus bin/alfe) and exits 0.
# Not run: make, module, spack, sbatch (not such lines), and commands on
# ../shared/anchor-lco, which is not shipped: their page must say where to get
# it (the mechanoChem/active-learning repository).
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
grep -q "alfe-campaign 1.3" "$TEST_TMP/snippet.out" || fail "README snippet output: $(cat "$TEST_TMP/snippet.out")"
grep -q "80 points done" "$TEST_TMP/snippet.out" || fail "README snippet output: $(cat "$TEST_TMP/snippet.out")"

# -- every command of the documentation, from a clean clone --------------------
CLONE=$TEST_TMP/clone
mkdir -p "$CLONE/bin"
if git -C "$ROOT" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z | while IFS= read -r -d '' f; do
        [ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp --parents -t "$CLONE") ||
        fail "copying the tracked files"
else
    (cd "$ROOT" && tar cf - --exclude=./build --exclude=./bin --exclude=./out .) | (cd "$CLONE" && tar xf -)
fi
cp "$ALFE" "$CLONE/bin/alfe"
docs=(README.md docs/*.md jobs/README.md inputs/*/README.md)
"$PYTHON" - "${docs[@]}" > "$TEST_TMP/commands.txt" <<'PY' || fail "extracting the commands"
import re, sys
# Code lines (in ``` fences other than python/ini/json, or indented 4 spaces)
# that start with one of these; continuation lines (trailing \) joined.
PREFIX = re.compile(r"^(bin/alfe |mpirun |tools/|printf |mkdir )")
for path in sys.argv[1:]:
    lines = open(path, encoding="utf-8").read().split("\n")
    fence, i = None, 0
    while i < len(lines):
        raw = lines[i]
        m = re.match(r"^\s*```(\S*)", raw)
        if m:
            fence = None if fence is not None else m.group(1)
            i += 1
            continue
        code = (fence is not None and fence not in ("python", "ini", "json")) or \
            (fence is None and raw.startswith("    "))
        text, start = raw.strip(), i
        while text.endswith("\\") and i + 1 < len(lines):
            i += 1
            text = text[:-1].rstrip() + " " + lines[i].strip()
        i += 1
        if code and PREFIX.match(text):
            print("%s:%d\t%s" % (path, start + 1, text))
PY
[ "$(grep -c "" "$TEST_TMP/commands.txt")" -ge 15 ] || fail "too few doc commands found: $(cat "$TEST_TMP/commands.txt")"
ran=0
skipped=0
while IFS=$'\t' read -r where cmd; do
    if [[ "$cmd" == *"../shared/anchor-lco"* ]]; then
        grep -q "mechanoChem/active-learning" "${where%%:*}" ||
            fail "$where needs ../shared/anchor-lco but the page does not say where to get it"
        skipped=$((skipped + 1))
        continue
    fi
    if [[ "$cmd" == tools/idnn_torch_fixture.py* ]] && ! "$PYTHON" -c "import torch" 2> /dev/null; then
        skipped=$((skipped + 1)) # needs python3-torch, not a runtime package
        continue
    fi
    (cd "$CLONE" && bash -c "$cmd") > "$TEST_TMP/cmd.out" 2>&1 < /dev/null ||
        fail "$where: '$cmd' exited $? in a clean clone: $(tail -5 "$TEST_TMP/cmd.out")"
    ran=$((ran + 1))
done < "$TEST_TMP/commands.txt"
# What the commands made is what the documentation says.
cmp -s "$CLONE/inputs/lco/invariants.txt" "$ROOT/inputs/lco/invariants.txt" ||
    fail "docs/invariants.md's command does not regenerate the shipped inputs/lco/invariants.txt"
for f in out/demo.h5 out/lco_mc.h5 out/lco_mc_report/index.html out/lco_mc_csv/points.csv \
         out/lco_mc_csv/units.csv; do
    [ -s "$CLONE/$f" ] || fail "the documented commands did not make $f"
done
echo "documentation commands: $ran ran, $skipped skipped (../shared/anchor-lco or PyTorch)"
echo ok
