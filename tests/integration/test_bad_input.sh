# Every bad input (config syntax, keys, values, the Q file, the output path,
# an existing file that cannot be resumed, the command line) gets exactly one
# "alfe: error: ..." line on stderr naming the file, the section/key and the
# line (where there is one), exit code 2 on every rank, and leaves the campaign file alone: a new
# output path is not created, an existing file keeps its sha256sum, and no
# FILE.bak / FILE.partial / FILE.log is left.  The cases are the table
# tests/bad_input/cases.tsv (its header explains the columns).
source "$(dirname "$0")/../lib.sh"

DATA=$ROOT/tests/bad_input
Q=$ROOT/inputs/lco/Q.txt
FILES=$TEST_TMP/files
mkdir -p "$FILES"

# --- Files that the cases copy: a real campaign and things that are not one.
write_config "$FILES/base.ini" "$FILES/base.h5" "global.points = 20" "campaign.rounds = 1"
"$ALFE" run "$FILES/base.ini" > "$FILES/base.log" 2>&1 ||
    fail "the base campaign run failed: $(tail -5 "$FILES/base.log")"
echo "this is a text file, not a campaign" > "$FILES/text.h5"
head -c 3000 "$FILES/base.h5" > "$FILES/truncated.h5"
"$PYTHON" - "$FILES" <<'PY' || fail "cannot make the h5py files"
import shutil, sys, h5py, numpy as np
d = sys.argv[1]
with h5py.File(d + "/foreign.h5", "w") as f:
    f["data"] = np.arange(10.0)
    f.attrs["creator"] = "not alfe"
shutil.copy(d + "/base.h5", d + "/v2.h5")
with h5py.File(d + "/v2.h5", "r+") as f:
    f.attrs["format_version_major"] = np.int64(2)
PY

# --- Controls: the default case config is valid, both new and resumed, so
# each case fails for the one thing it changes.
mkdir -p "$TEST_TMP/control"
write_config "$TEST_TMP/control/new.ini" "$TEST_TMP/control/new.h5"
"$ALFE" run "$TEST_TMP/control/new.ini" > "$TEST_TMP/control/new.log" 2>&1 ||
    fail "control: a new campaign with the default case config failed: $(tail -3 "$TEST_TMP/control/new.log")"
cp "$FILES/base.h5" "$TEST_TMP/control/resume.h5"
write_config "$TEST_TMP/control/resume.ini" "$TEST_TMP/control/resume.h5"
"$ALFE" run "$TEST_TMP/control/resume.ini" > "$TEST_TMP/control/resume.log" 2>&1 ||
    fail "control: resuming the base campaign failed: $(tail -3 "$TEST_TMP/control/resume.log")"

# --- Setup helpers used by the table's setup column (C, CFG, OUT are set).
cfg() { write_config "$CFG" "$OUT" "$@"; }
drop() { sed -i "/^$1 *=/d" "$CFG"; }
template() { sed -e "s|@OUTPUT@|$OUT|" -e "s|@Q@|$Q|" "$DATA/$1" > "$CFG"; }
existing() { cp "$FILES/$1" "$OUT"; }

subst() {
    local s=$1
    s=${s//@CFG@/$CFG}
    s=${s//@OUT@/$OUT}
    s=${s//@DATA@/$DATA}
    s=${s//@Q@/$Q}
    s=${s//@C@/$C}
    printf '%s' "$s"
}

# What the output path is: absent, a directory (its listing) or a file (sha256).
snapshot() {
    if [ -d "$1" ]; then
        echo "directory: $(ls -A "$1" | tr '\n' ' ')"
    elif [ -e "$1" ]; then
        sha256sum < "$1"
    else
        echo absent
    fi
}

HERE=$PWD
failures=0
n_cases=0
case_fail() {
    echo "FAIL [$name]: $*" >&2
    failures=$((failures + 1))
}

while IFS=$'\t' read -r -a field; do
    [ "${#field[@]}" -eq 0 ] && continue
    case "${field[0]}" in '#'*) continue ;; esac
    [ "${#field[@]}" -ge 6 ] || fail "cases.tsv: malformed row: ${field[*]}"
    name=${field[0]} ranks=${field[1]} code=${field[2]} setup=${field[3]}
    n_cases=$((n_cases + 1))
    C=$TEST_TMP/case/$name
    mkdir -p "$C"
    CFG=$C/config.ini
    OUT=$C/out.h5
    case_failures=$failures
    cd "$C" || fail "cannot enter $C"
    eval "$setup" < /dev/null > "$C/setup.log" 2>&1
    setup_status=$?
    cd "$HERE" || fail "cannot return to $HERE"
    [ "$setup_status" -eq 0 ] || { case_fail "setup failed: $(cat "$C/setup.log")"; continue; }
    read -r -a args <<< "$(subst "${field[4]}")"
    before=$(snapshot "$OUT")

    if [ "$ranks" -eq 1 ]; then
        "$ALFE" "${args[@]}" < /dev/null > "$C/stdout" 2> "$C/stderr.0"
        echo $? > "$C/rc.0"
        : > "$C/stderr.mpirun"
    else
        # Each rank's stderr and exit code separately (mpirun's own exit code
        # says little): mpirun must not stop the job at the first non-zero
        # exit, or the other ranks' codes are lost; -q drops its summary.
        export CASE_DIR=$C
        $MPIRUN -q --mca orte_abort_on_non_zero_status 0 -n "$ranks" bash -c \
            '"$0" "$@" 2> "$CASE_DIR/stderr.$OMPI_COMM_WORLD_RANK"; rc=$?
             echo $rc > "$CASE_DIR/rc.$OMPI_COMM_WORLD_RANK"; exit $rc' \
            "$ALFE" "${args[@]}" < /dev/null > "$C/stdout" 2> "$C/stderr.mpirun"
    fi

    for ((r = 0; r < ranks; r++)); do
        rc=$(cat "$C/rc.$r" 2>/dev/null || echo "none")
        [ "$rc" = "$code" ] || case_fail "rank $r exited $rc, expected $code"
    done
    cat "$C"/stderr.* > "$C/stderr"
    lines=$(wc -l < "$C/stderr")
    errors=$(grep -c "alfe: error:" "$C/stderr")
    if [ "$lines" -ne 1 ] || [ "$errors" -ne 1 ] || ! head -1 "$C/stderr" | grep -q '^alfe: error: '; then
        case_fail "stderr is not one 'alfe: error:' line ($lines lines, $errors errors):
$(head -20 "$C/stderr")"
    fi
    for ((i = 5; i < ${#field[@]}; i++)); do
        fragment=$(subst "${field[$i]}")
        grep -qF -- "$fragment" "$C/stderr" ||
            case_fail "stderr lacks '$fragment': $(head -3 "$C/stderr")"
    done
    [ -s "$C/stdout" ] && case_fail "unexpected stdout: $(head -3 "$C/stdout")"
    after=$(snapshot "$OUT")
    [ "$before" = "$after" ] || case_fail "$OUT changed: $before -> $after"
    for sidecar in .bak .bak.tmp .partial .log; do
        [ -e "$OUT$sidecar" ] && case_fail "$OUT$sidecar was left"
    done
    [ "$before" = absent ] && [ -e "$OUT.lock" ] && case_fail "$OUT.lock was created"
    ls -A "$C" | grep -q '^\.alfe-probe' && case_fail "a probe file was left in $C"
    [ "$failures" -eq "$case_failures" ] &&
        echo "ok  $name ($ranks rank$([ "$ranks" -gt 1 ] && echo s)): $(head -1 "$C/stderr")"
done < "$DATA/cases.tsv"

[ "$n_cases" -ge 25 ] || fail "only $n_cases cases ran"
[ "$failures" -eq 0 ] || fail "$failures check(s) failed over $n_cases cases"
echo "ok: $n_cases bad-input cases"
