# Only regular files are read: a FIFO (or a device) given as the config, the
# campaign, a model, a points file or any input file named by the config
# (q_file, invariants, test_set, ...) or as [campaign] output is refused at
# once with exit 2 and one message naming the path and what it is, instead of
# blocking for ever in open() or read().  Each command runs under `timeout 10`
# so that a regression fails instead of hanging.
source "$(dirname "$0")/../lib.sh"

D=$TEST_TMP
mkfifo "$D/fifo"
# A campaign with a committee, for predict and the test set.
write_config "$D/ok.ini" "$D/ok.h5" "campaign.rounds = 1" "global.points = 20" "[network]" "invariants = $ROOT/inputs/lco/invariants.txt"
"$ALFE" run "$D/ok.ini" > "$D/ok.log" 2>&1 || fail "the base run failed: $(tail -3 "$D/ok.log")"

n=0
expect_fifo() { # fragment command...
    local fragment=$1
    shift
    timeout 10 "$@" < /dev/null > "$D/out" 2> "$D/err"
    local rc=$?
    [ $rc -ne 124 ] || fail "$*: hung (killed by timeout 10)"
    [ $rc -eq 2 ] || fail "$*: exit $rc, expected 2: $(cat "$D/err")"
    grep -qF -- "$fragment" "$D/err" || fail "$*: message '$(cat "$D/err")' lacks '$fragment'"
    [ "$(grep -c 'alfe: error:' "$D/err")" -eq 1 ] || fail "$*: not one error line: $(cat "$D/err")"
    n=$((n + 1))
    echo "ok  $(head -1 "$D/err")"
}
IS_FIFO="$D/fifo: is a FIFO (named pipe), not a regular file"
expect_fifo "$IS_FIFO" "$ALFE" run "$D/fifo"
expect_fifo "$IS_FIFO" "$ALFE" train "$D/fifo"
expect_fifo "$IS_FIFO" "$ALFE" mc "$D/fifo" --kappa 0,0,0,0,0,0,0
expect_fifo "$IS_FIFO" "$ALFE" invariants "$D/fifo" --degree 2
expect_fifo "$IS_FIFO" "$ALFE" info "$D/fifo"
expect_fifo "$IS_FIFO" "$ALFE" predict "$D/fifo" --points "$D/ok.ini"
printf "0 0 0 0 0 0 0\n" > "$D/p.txt"
expect_fifo "$IS_FIFO" "$ALFE" import-keras "$D/fifo" --invariants "$ROOT/inputs/lco/invariants.txt" --scale 100 -o "$D/m.h5"
expect_fifo "$IS_FIFO" "$ALFE" import-keras "$D/ok.h5" --invariants "$D/fifo" --scale 100 -o "$D/m.h5"
for key in "system.q_file" "campaign.output"; do
    write_config "$D/c.ini" "$D/new.h5" "$key = $D/fifo"
    expect_fifo "$IS_FIFO" "$ALFE" run "$D/c.ini"
    grep -qF "$D/c.ini:" "$D/err" || fail "$key: the message does not name the config line: $(cat "$D/err")"
done
write_config "$D/c.ini" "$D/new.h5" "[network]" "invariants = $D/fifo"
expect_fifo "$IS_FIFO" "$ALFE" run "$D/c.ini"
write_config "$D/c.ini" "$D/new.h5" "[network]" "invariants = $ROOT/inputs/lco/invariants.txt" "[training]" "test_set = $D/fifo"
expect_fifo "$IS_FIFO" "$ALFE" run "$D/c.ini"
grep -qF "[training] test_set = $D/fifo" "$D/err" || fail "test_set: the message does not name the key: $(cat "$D/err")"
expect_fifo "$IS_FIFO" "$ALFE" predict "$D/ok.h5" --points "$D/fifo"
# a character device is no input file either
expect_fifo "/dev/null: is a character device, not a regular file" "$ALFE" run /dev/null
[ ! -e "$D/new.h5" ] || fail "a campaign was created"
echo "ok: $n refusals"
