# Committee training is independent of the rank count: the MPI test
# programs of tests/mpi/ train committees on 1, 2, 3 and 4 ranks and print
# 64-bit hashes of every trained member's weights; the hashes (and epochs,
# validation losses, rankings, predictions) must be identical bit for bit.
#   committee_mpi: a synthetic nonlinear model, K = 1, 2, 3, 4 members
#     (bootstrap, RMSprop and Adam, members of different sizes), K = 1 with
#     six chunks per batch, and a random hyper-parameter search.
#   idnn_committee_mpi: real IDNN committees (K = 1 and 3), a warm-started
#     round, committee prediction and Hessians, an IDNN hyper-parameter
#     search and its adoption rule.
# With K < P ranks share a member (sub-communicators splitting every
# mini-batch; 3 ranks, and 6 chunks on 4 ranks, give groups whose size does
# not divide the chunk count, where a naive MPI sum would differ): every rank
# must have evaluated part of the loss, and for K = 1 each rank fewer chunks
# than the single rank did.
source "$(dirname "$0")/../lib.sh"

cd "$ROOT" || fail "no repository root"
programs="committee_mpi idnn_committee_mpi"

for prog in $programs; do
    bin=build/release/tests/mpi/$prog
    make --no-print-directory -s "$bin" > "$TEST_TMP/make.log" 2>&1 ||
        fail "cannot build $bin: $(tail -5 "$TEST_TMP/make.log")"
    for n in 1 2 3 4; do
        out=$TEST_TMP/$prog.$n
        $MPIRUN -n $n "$bin" > "$out" 2> "$out.err" ||
            fail "$prog on $n ranks exited $?: $(tail -5 "$out.err") $(tail -5 "$out")"
        grep -q '^Valid$' "$out" || fail "$prog on $n ranks: no Valid line: $(tail -5 "$out")"
        ! grep -q DISAGREE "$out" || fail "$prog on $n ranks: ranks hold different weights"
        grep -E '^(K=|hyper|idnn|predict)' "$out" > "$out.weights"
        [ -s "$out.weights" ] || fail "$prog on $n ranks printed no weights"
    done
    for n in 2 3 4; do
        diff "$TEST_TMP/$prog.1.weights" "$TEST_TMP/$prog.$n.weights" > "$TEST_TMP/diff" ||
            fail "$prog: trained weights differ between 1 and $n ranks:
$(head -20 "$TEST_TMP/diff")"
        # Every rank computed loss chunks in every scenario.
        awk '/^calls/ && $4 + 0 <= 0 { bad = 1; print } END { exit bad }' \
            "$TEST_TMP/$prog.$n" || fail "$prog on $n ranks: a rank evaluated no loss"
        # K = 1 on n ranks: the member's chunks were shared out.
        one=$(awk '$1 == "calls" && $2 == "K=1" { print $6 }' "$TEST_TMP/$prog.1")
        many=$(awk '$1 == "calls" && $2 == "K=1" { print $6 }' "$TEST_TMP/$prog.$n")
        if [ -n "$one" ]; then
            [ "$many" -lt "$one" ] ||
                fail "$prog: K = 1 on $n ranks: a rank made $many loss calls, one rank alone $one"
        fi
    done
    echo "$prog: $(wc -l < "$TEST_TMP/$prog.1.weights") lines identical on 1, 2, 3 and 4 ranks"
done

# The replacement rule of the hyper-parameter search: the winner of the
# synthetic search is worse than the current model, which is kept.
grep -q '^hyper winner .* replaces 0 (a current model twice as bad: 1, twice as good: 0)' \
    "$TEST_TMP/committee_mpi.1" || fail "replacement rule: $(grep '^hyper winner' "$TEST_TMP/committee_mpi.1")"
echo "ok"
