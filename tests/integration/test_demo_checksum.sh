# The demo campaigns (`make demo`: tools/demo.sh) give the expected results:
# each config listed in tests/expected/demo_checksums.txt is run as the demo
# runs it (the same file, mpirun -n 3, release build) in a scratch directory,
# and its "validation: ... checksum 0x..." line must be "Valid" with the
# stored checksum.  Rank counts other than 3: DEMO_RANKS="2 4".
source "$(dirname "$0")/../lib.sh"

expected=$ROOT/tests/expected/demo_checksums.txt
ranks_list=${DEMO_RANKS:-3}
[ -f "$expected" ] || fail "missing $expected"

# The file names exactly the campaigns tools/demo.sh runs.
demo=$(grep -o '^run_demo inputs/[^ ]*' "$ROOT/tools/demo.sh" | awk '{print $2}' | sort)
listed=$(grep -v '^[[:space:]]*#' "$expected" | awk 'NF {print $1}' | sort)
[ -n "$demo" ] || fail "tools/demo.sh runs no inputs/*.ini (run_demo lines)"
[ "$demo" = "$listed" ] ||
    fail "tools/demo.sh runs [$(echo $demo)] but $expected lists [$(echo $listed)]"

n=0
bad=0
while read -r config want rest <&3; do
    case "$config" in ''|'#'*) continue ;; esac
    [ -z "${rest:-}" ] || fail "$expected: more than two fields for $config"
    [[ "$want" =~ ^0x[0-9a-f]{16}$ ]] || fail "$expected: bad checksum '$want' for $config"
    [ -f "$ROOT/$config" ] || fail "$expected: no such config $config"
    for ranks in $ranks_list; do
        name=$(basename "$config" .ini)-$ranks
        dir=$TEST_TMP/$name
        # The configs write out/<name>.h5 relative to the working directory.
        mkdir -p "$dir/out"
        (cd "$dir" && $MPIRUN -n "$ranks" "$ALFE" run "$ROOT/$config") < /dev/null > "$dir.log" 2>&1 ||
            fail "$config on $ranks ranks exited $?: $(tail -5 "$dir.log")"
        line=$(grep "validation:" "$dir.log" | tail -1)
        [ -n "$line" ] || fail "$config on $ranks ranks: no validation line: $(tail -5 "$dir.log")"
        got=$(echo "$line" | grep -o 'checksum 0x[0-9a-f]*' | awk '{print $2}')
        case "$line" in *"-> Valid") ;; *) fail "$config on $ranks ranks: $line" ;; esac
        if [ "$got" != "$want" ]; then
            echo "$config on $ranks ranks: checksum $got, expected $want" >&2
            bad=$((bad + 1))
        else
            echo "$config on $ranks ranks: checksum $got as expected"
        fi
        n=$((n + 1))
    done
done 3< "$expected"
[ "$n" -ge 2 ] || fail "$expected lists fewer than 2 campaigns"
[ "$bad" -eq 0 ] ||
    fail "$bad of $n checksums differ from tests/expected/demo_checksums.txt: the demo's results changed. If that is deliberate, update the file in the same commit and say why in the message."
echo "ok: $n runs"
