# Learning in the campaign ([network], [training]) on the analytic oracle in
# the 7-D LCO-like space:
#  - the same campaign gives identical data AND models on 1 and 3 ranks, and
#    when interrupted after 2 rounds and extended to 3 (warm start from the
#    stored models); `alfe train` reproduces the stored models;
#  - round metrics are recorded (mse_new is NaN in round 0, before any model);
#  - a configured test set is scored and the score equals `alfe predict`'s;
#  - rounds are numbered from 0 in the log, alfe info, the file and predict
#    --round; predict marks (and warns about) points outside the domain;
#  - learning check (documented thresholds, docs/testing.md): noise-free
#    oracle, 3 rounds x 600 points: on 400 held-out Sobol points the committee's
#    mu MSE is below 1e-4 eV^2 and below 30 % of the variance of every
#    component mu_j (most uniform points of the 7-D domain lie near its
#    boundary, where the entropic mu is steep: the error is 5-10x smaller away
#    from it), and g equals the oracle's g up to a constant within 1 meV RMS
#    (the oracle's g is recomputed here in numpy from docs/oracle.md).
source "$(dirname "$0")/../lib.sh"

net=("network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 2"
     "network.width = 24" "network.committee = 3" "training.epochs = 250"
     "training.batch_size = 64" "training.learning_rate = 0.003" "training.optimizer = adam")

# Test set: rows of an independent oracle campaign (eta in 0-6, mu in 7-13).
write_config "$TEST_TMP/held.ini" "$TEST_TMP/held.h5" "oracle.noise = 0" "global.points = 400" \
    "campaign.rounds = 1" "campaign.seed = 99" "global.method = sobol"
"$ALFE" run "$TEST_TMP/held.ini" > /dev/null 2>&1 || fail "held-out campaign"
"$PYTHON" -c "
import h5py, numpy as np, sys
p = h5py.File(sys.argv[1], 'r')['points']
np.savetxt(sys.argv[2], np.hstack([p['eta_mean'][:], p['mu'][:]]), fmt='%.17g')
np.savetxt(sys.argv[3], p['eta_mean'][:], fmt='%.17g')" "$TEST_TMP/held.h5" "$TEST_TMP/test_set.txt" "$TEST_TMP/held_eta.txt"

cfg() { # file output rounds
    write_config "$1" "$2" "oracle.noise = 0" "global.points = 600" "campaign.rounds = $3" \
        "${net[@]}" "training.test_set = $TEST_TMP/test_set.txt" \
        "training.test_eta_columns = 0-6" "training.test_mu_columns = 7-13"
}
cfg "$TEST_TMP/a.ini" "$TEST_TMP/a1.h5" 3
"$ALFE" run "$TEST_TMP/a.ini" > "$TEST_TMP/a1.log" 2>&1 || fail "1 rank: $(tail -5 "$TEST_TMP/a1.log")"
cfg "$TEST_TMP/b.ini" "$TEST_TMP/a3.h5" 3
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/b.ini" > "$TEST_TMP/a3.log" 2>&1 || fail "3 ranks: $(tail -5 "$TEST_TMP/a3.log")"
cfg "$TEST_TMP/c.ini" "$TEST_TMP/c.h5" 2
$MPIRUN -n 2 "$ALFE" run "$TEST_TMP/c.ini" > /dev/null 2>&1 || fail "2 rounds"
sed -i 's/^rounds = 2$/rounds = 3/' "$TEST_TMP/c.ini"
"$ALFE" run "$TEST_TMP/c.ini" > "$TEST_TMP/c.log" 2>&1 || fail "extended: $(tail -5 "$TEST_TMP/c.log")"

compare_models() { # a b
    "$PYTHON" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
ra, rb = sorted(a["models"]), sorted(b["models"])
assert ra == rb == ["0000", "0001", "0002"], (ra, rb)
for r in ra:
    ga, gb = a["models"][r], b["models"][r]
    assert list(ga.attrs["invariants"]) == list(gb.attrs["invariants"])
    assert sorted(ga) == sorted(gb) and len(ga) == 3, sorted(ga)
    for m in ga:
        x, y = ga[m]["params"][...], gb[m]["params"][...]
        assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), (r, m, abs(x - y).max())
    for key in ("mse_all", "mse_new_before_training", "mse_test"):
        va, vb = a["rounds"][r].attrs[key], b["rounds"][r].attrs[key]
        assert (np.isnan(va) and np.isnan(vb)) or va == vb, (r, key, va, vb)
print("models identical")
PY
}
compare_campaigns "$TEST_TMP/a1.h5" "$TEST_TMP/a3.h5" || fail "data: 1 vs 3 ranks"
compare_models "$TEST_TMP/a1.h5" "$TEST_TMP/a3.h5" || fail "models: 1 vs 3 ranks"
compare_campaigns "$TEST_TMP/a1.h5" "$TEST_TMP/c.h5" || fail "data: interrupted vs uninterrupted"
compare_models "$TEST_TMP/a1.h5" "$TEST_TMP/c.h5" || fail "models: interrupted vs uninterrupted"

# alfe train reproduces the latest round's models (deterministic, warm start).
cp "$TEST_TMP/a3.h5" "$TEST_TMP/t.h5"
sed "s|^output = .*|output = $TEST_TMP/t.h5|" "$TEST_TMP/b.ini" > "$TEST_TMP/t.ini"
$MPIRUN -n 2 "$ALFE" train "$TEST_TMP/t.ini" > "$TEST_TMP/t.log" 2>&1 || fail "alfe train: $(tail -5 "$TEST_TMP/t.log")"
compare_models "$TEST_TMP/a1.h5" "$TEST_TMP/t.h5" || fail "alfe train changed the models"
grep -q "last: train on 2 ranks" <("$ALFE" info "$TEST_TMP/t.h5") || fail "run record of alfe train"

"$ALFE" predict "$TEST_TMP/a1.h5" --points "$TEST_TMP/held_eta.txt" > "$TEST_TMP/pred.txt" || fail "predict"

# One round numbering (from 0) in the log, alfe info, the file and predict
# --round: the number the log's last round line prints is a round predict
# takes, and it evaluates that round's models (the latest: the default).
last=$(sed -n 's/^\[alfe\] round \([0-9]*\) (\([0-9]*\) of \([0-9]*\)) done:.*/\1 \2 \3/p' "$TEST_TMP/a1.log" | tail -1)
[ "$last" = "2 3 3" ] || fail "last round line of the log: '$last': $(grep "done:" "$TEST_TMP/a1.log")"
r=${last%% *}
"$ALFE" predict "$TEST_TMP/a1.h5" --points "$TEST_TMP/held_eta.txt" --round "$r" > "$TEST_TMP/pred_r.txt" 2> "$TEST_TMP/err" ||
    fail "predict --round $r (the log's last round) failed: $(cat "$TEST_TMP/err")"
cmp -s "$TEST_TMP/pred.txt" "$TEST_TMP/pred_r.txt" || fail "predict --round $r differs from the latest round's models"
"$ALFE" info "$TEST_TMP/a1.h5" | grep -qE "^ +$r  done " || fail "alfe info has no round $r"
"$PYTHON" -c "import h5py, sys; f = h5py.File(sys.argv[1], 'r'); assert '%04d' % int(sys.argv[2]) in f['models'] and f['rounds/%04d' % int(sys.argv[2])].attrs['round'] == int(sys.argv[2])" \
    "$TEST_TMP/a1.h5" "$r" || fail "/models and /rounds do not hold round $r"
rc=0; "$ALFE" predict "$TEST_TMP/a1.h5" --points "$TEST_TMP/held_eta.txt" --round 3 > /dev/null 2> "$TEST_TMP/err" || rc=$?
[ $rc -eq 2 ] && grep -q "no models for round 3 (rounds are numbered from 0.*stored for rounds 0 to 2)" "$TEST_TMP/err" ||
    fail "predict --round 3 of 3 rounds: exit $rc, $(cat "$TEST_TMP/err")"
# The held-out points lie in the domain: in_domain = 1 on every line, no warning.
"$PYTHON" -c "import numpy as np, sys; p = np.loadtxt(sys.argv[1]); assert p.shape[1] == 2 + 2 * 7 + 1 and (p[:, -1] == 1).all()" \
    "$TEST_TMP/pred.txt" || fail "in_domain column of predict"
printf "0.5 0 0 0 0 0 0\n2 0 0 0 0 0 0\n" > "$TEST_TMP/outside.txt"
"$ALFE" predict "$TEST_TMP/a1.h5" --points "$TEST_TMP/outside.txt" > "$TEST_TMP/pred_out.txt" 2> "$TEST_TMP/err" || fail "predict outside"
grep -q "warning: .*outside.txt: 1 of 2 points lie outside the campaign's domain" "$TEST_TMP/err" || fail "no warning for a point outside: $(cat "$TEST_TMP/err")"
[ "$(awk '!/^#/ {print $NF}' "$TEST_TMP/pred_out.txt" | tr '\n' ' ')" = "1 0 " ] || fail "in_domain: $(cat "$TEST_TMP/pred_out.txt")"
! grep -qi "nan\| 1 ranks" "$TEST_TMP/a1.log" || fail "nan or '1 ranks' in the log: $(grep -i "nan\| 1 ranks" "$TEST_TMP/a1.log")"
"$PYTHON" - "$TEST_TMP/a1.h5" "$TEST_TMP/held.h5" "$TEST_TMP/pred.txt" "$ROOT/inputs/lco/Q.txt" <<'PY' || fail "metrics / learning check"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); held = h5py.File(sys.argv[2], "r")["points"]
p = np.loadtxt(sys.argv[3])
r = [f["rounds"][k].attrs for k in sorted(f["rounds"])]
assert np.isnan(r[0]["mse_new_before_training"]), "round 0 has no previous model"
assert all(np.isfinite(x["mse_new_before_training"]) for x in r[1:])
assert all(x["n_train"] == 600 * (i + 1) for i, x in enumerate(r)), [x["n_train"] for x in r]
eta, mu = held["eta_mean"][:], held["mu"][:]
mse = ((p[:, 2:9] - mu) ** 2).mean()
assert abs(mse - r[-1]["mse_test"]) <= 1e-12 * mse, (mse, r[-1]["mse_test"])
ratio = ((p[:, 2:9] - mu) ** 2).mean(axis=0) / mu.var(axis=0)
print("held-out mu MSE %.3g eV^2; per component MSE / var(mu_j): %s" % (mse, np.round(ratio, 3)))
assert mse < 1e-4, "committee did not learn mu (MSE above 1e-4 eV^2)"
assert (ratio < 0.3).all(), "a component of mu is not learned beyond its mean"
# The oracle's g (docs/oracle.md, default parameters, 300 K).
kT = 8.617333262e-5 * 300
Qp = np.linalg.pinv(np.loadtxt(sys.argv[4]))
x = eta @ Qp.T
e0, oi = eta[:, 0], eta[:, 1:]
s2, s4 = (oi ** 2).sum(1), (oi ** 4).sum(1)
g = (kT / 8 * np.sum(x * np.log(x) + (1 - x) * np.log1p(-x), axis=1) + 0.05 * e0 * (1 - e0)
     + (1.0 * (e0 - 0.5) ** 2 - 0.1) * s2 + 0.1 * s4 + 0.5 * 0.2 * (s2 ** 2 - s4))
dg = (p[:, 0] - g) - (p[:, 0] - g).mean()
rms = np.sqrt((dg ** 2).mean())
print("g up to a constant: RMS %.3g eV over a range of %.3g eV" % (rms, g.max() - g.min()))
assert rms < 1e-3, "g not recovered"
PY

# Bad inputs: one message, exit 2, no file.
printf "e0\ne1^2 + e9\n" > "$TEST_TMP/bad_inv.txt"
write_config "$TEST_TMP/bad1.ini" "$TEST_TMP/bad1.h5" "network.invariants = $TEST_TMP/bad_inv.txt"
"$ALFE" run "$TEST_TMP/bad1.ini" > /dev/null 2> "$TEST_TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "\[network\] invariants = .*bad_inv.txt:2:" "$TEST_TMP/err" || fail "bad invariants: $rc $(cat "$TEST_TMP/err")"
write_config "$TEST_TMP/bad2.ini" "$TEST_TMP/bad2.h5" "network.invariants = $ROOT/inputs/lco/invariants.txt" \
    "training.test_set = $TEST_TMP/test_set.txt" "training.test_mu_columns = 7-9"
"$ALFE" run "$TEST_TMP/bad2.ini" > /dev/null 2> "$TEST_TMP/err"; rc=$?
[ $rc -eq 2 ] && grep -q "\[training\] test_mu_columns = 7-9: must be first-last" "$TEST_TMP/err" || fail "bad columns: $rc $(cat "$TEST_TMP/err")"
[ ! -e "$TEST_TMP/bad1.h5" ] && [ ! -e "$TEST_TMP/bad2.h5" ] || fail "a campaign file was created"
write_config "$TEST_TMP/nonet.ini" "$TEST_TMP/a1.h5"
"$ALFE" train "$TEST_TMP/nonet.ini" > /dev/null 2> "$TEST_TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "train without a network: exit $rc"
echo ok
