# `alfe import-keras` and `alfe predict` on the published workflow's
# surrogate (../shared/anchor-lco, read at run time): its mu on the 1283 real
# CASM points of testing_set.txt has MSE 8.3e-5 (mu0 5.7e-4) and g(0) = 2.6e-4
# eV, as published; bad inputs give one clear message and exit 2.
source "$(dirname "$0")/../lib.sh"

A=$ROOT/../shared/anchor-lco
if [ ! -d "$A" ]; then
    echo "SKIPPED: ../shared/anchor-lco not found (the published surrogate checks need it)"
else
    "$PYTHON" "$ROOT/tools/transforms_to_formulas.py" "$A/transforms.json" "$TEST_TMP/inv.txt" ||
        fail "transforms_to_formulas"
    "$ALFE" import-keras "$A/model_14.weights.h5" --invariants "$TEST_TMP/inv.txt" --scale 100 \
        -o "$TEST_TMP/model14.h5" > "$TEST_TMP/import.log" 2>&1 || fail "import: $(cat "$TEST_TMP/import.log")"
    awk 'NR > 1 {print $8, $9, $10, $11, $12, $13, $14}' "$A/testing_set.txt" > "$TEST_TMP/eta.txt"
    "$ALFE" predict "$TEST_TMP/model14.h5" --points "$TEST_TMP/eta.txt" > "$TEST_TMP/pred.txt" ||
        fail "predict failed"
    "$PYTHON" - "$A/testing_set.txt" "$TEST_TMP/pred.txt" <<'PY' || fail "surrogate MSE"
import sys, numpy as np
ts = np.loadtxt(sys.argv[1]); p = np.loadtxt(sys.argv[2])
assert p.shape == (1283, 17), p.shape
assert (p[:, 16] == -1).all(), "a model file has no domain: in_domain -1"
mse = ((p[:, 2:9] - ts[:, 22:29]) ** 2).mean()
mse0 = ((p[:, 2] - ts[:, 22]) ** 2).mean()
print("MSE %.4g (mu0 %.4g)" % (mse, mse0))
assert abs(mse - 8.3e-5) < 0.05e-5, mse
assert abs(mse0 - 5.7e-4) < 0.05e-4, mse0
assert (p[:, 1] == 0).all(), "one member: committee std is 0"
PY
    printf "0 0 0 0 0 0 0\n" > "$TEST_TMP/zero.txt"
    "$ALFE" predict "$TEST_TMP/model14.h5" --points "$TEST_TMP/zero.txt" --hessian > "$TEST_TMP/zero.out" ||
        fail "predict --hessian"
    "$PYTHON" - "$TEST_TMP/zero.out" <<'PY' || fail "g(0) / Hessian"
import sys, numpy as np
head = open(sys.argv[1]).readline().split()
assert head[1:3] == ["g", "g_std"] and head[-2:] == ["hess_eig_6", "in_domain"], head
row = np.loadtxt(sys.argv[1])
assert abs(row[0] - 2.6e-4) < 0.05e-4, row[0]
eig = row[16:23]
assert (np.diff(eig) >= 0).all(), "eigenvalues ascending"
PY

    # The surrogate as the oracle of a campaign on the published 7-D space:
    # targeting with the oracle's own mu is exact, so every point lands on its
    # target and its mu is the network's.
    write_config "$TEST_TMP/net.ini" "$TEST_TMP/net.h5" "system.q_file = $A/Q.txt" \
        "oracle.noise = 0" "oracle.network = $TEST_TMP/model14.h5" "global.points = 40" \
        "campaign.rounds = 1"
    $MPIRUN -n 3 "$ALFE" run "$TEST_TMP/net.ini" > "$TEST_TMP/net.log" 2>&1 ||
        fail "network oracle campaign: $(tail -5 "$TEST_TMP/net.log")"
    grep -q "Valid" "$TEST_TMP/net.log" || fail "no Valid line"
    "$PYTHON" -c "
import h5py, numpy as np, sys
p = h5py.File(sys.argv[1], 'r')['points']
assert (p['status'][:] == 1).all()
np.savetxt(sys.argv[2], p['eta_mean'][:], fmt='%.17g')
assert np.allclose(p['eta_mean'][:], p['eta_target'][:], atol=1e-12)
np.save(sys.argv[3], p['mu'][:])" "$TEST_TMP/net.h5" "$TEST_TMP/net_eta.txt" "$TEST_TMP/net_mu.npy" ||
        fail "network oracle rows"
    "$ALFE" predict "$TEST_TMP/model14.h5" --points "$TEST_TMP/net_eta.txt" > "$TEST_TMP/net_pred.txt"
    "$PYTHON" -c "
import numpy as np, sys
mu = np.load(sys.argv[1]); p = np.loadtxt(sys.argv[2])
assert np.allclose(mu, p[:, 2:9], rtol=1e-9, atol=1e-12), abs(mu - p[:, 2:9]).max()" \
        "$TEST_TMP/net_mu.npy" "$TEST_TMP/net_pred.txt" || fail "oracle mu != network mu"
fi

# Bad inputs: one message, exit 2.
expect2() { # fragment command...
    local fragment=$1
    shift
    "$@" > "$TEST_TMP/out" 2> "$TEST_TMP/err"
    local rc=$?
    [ $rc -eq 2 ] || fail "$*: exit $rc"
    grep -qF -- "$fragment" "$TEST_TMP/err" || fail "$*: message '$(cat "$TEST_TMP/err")' lacks '$fragment'"
    [ "$(wc -l < "$TEST_TMP/err")" -eq 1 ] || fail "$*: more than one line: $(cat "$TEST_TMP/err")"
}
printf "e0\ne1^2 +* e2\n" > "$TEST_TMP/bad_inv.txt"
echo "not hdf5" > "$TEST_TMP/text.h5"
expect2 "bad_inv.txt:2:" "$ALFE" import-keras "$TEST_TMP/text.h5" --invariants "$TEST_TMP/bad_inv.txt" --scale 100 -o "$TEST_TMP/m.h5"
printf "e0\ne1^2\n" > "$TEST_TMP/inv2.txt"
expect2 "not an HDF5 file" "$ALFE" import-keras "$TEST_TMP/text.h5" --invariants "$TEST_TMP/inv2.txt" --scale 100 -o "$TEST_TMP/m.h5"
expect2 "--scale must be a number > 0" "$ALFE" import-keras "$TEST_TMP/text.h5" --invariants "$TEST_TMP/inv2.txt" --scale -1 -o "$TEST_TMP/m.h5"
expect2 "not an HDF5 file" "$ALFE" predict "$TEST_TMP/text.h5" --points "$TEST_TMP/inv2.txt"
write_config "$TEST_TMP/c.ini" "$TEST_TMP/c.h5" "global.points = 5" "campaign.rounds = 1"
"$ALFE" run "$TEST_TMP/c.ini" > /dev/null 2>&1 || fail "campaign run"
expect2 "has no trained models yet" "$ALFE" predict "$TEST_TMP/c.h5" --points "$TEST_TMP/inv2.txt"
if [ -d "$A" ]; then
    # a Keras file whose first layer does not match the invariants
    expect2 "takes 12 inputs, expected 2" "$ALFE" import-keras "$A/model_14.weights.h5" --invariants "$TEST_TMP/inv2.txt" --scale 100 -o "$TEST_TMP/m.h5"
    # Points files are table files: tabs, commas and comments read as spaces,
    # --points=FILE as --points FILE.
    awk 'NR > 1 && NR <= 21 {print $8 "\t" $9 "\t" $10 "\t" $11 "," $12 ", " $13 "\t" $14 "  # row " NR}' \
        "$A/testing_set.txt" > "$TEST_TMP/eta_tabs.txt"
    "$ALFE" predict "$TEST_TMP/model14.h5" --points="$TEST_TMP/eta_tabs.txt" > "$TEST_TMP/pred_tabs.txt" ||
        fail "predict on a tab-separated points file failed"
    head -21 "$TEST_TMP/pred.txt" | cmp -s - "$TEST_TMP/pred_tabs.txt" ||
        fail "tab/comma-separated points predict differently from space-separated ones"
    printf "0 0 0 0 0 0 0\n0 0 nan 0 0 0 0\n" > "$TEST_TMP/nan.txt"
    expect2 "nan.txt:2: column 3: not a finite number" "$ALFE" predict "$TEST_TMP/model14.h5" --points "$TEST_TMP/nan.txt"
    printf "0.5 0 0\n" > "$TEST_TMP/short.txt"
    expect2 "a point has 3 numbers, the model has d = 7" "$ALFE" predict "$TEST_TMP/model14.h5" --points "$TEST_TMP/short.txt"
    # a model file of another major version
    cp "$TEST_TMP/model14.h5" "$TEST_TMP/v2.h5"
    "$PYTHON" -c "import h5py,sys; f=h5py.File(sys.argv[1],'a'); f.attrs['format_version_major']=2" "$TEST_TMP/v2.h5"
    expect2 "model format version 2" "$ALFE" predict "$TEST_TMP/v2.h5" --points "$TEST_TMP/zero.txt"
fi
# -o replaces an existing file only with --force (refusals: tests/bad_input/cases.tsv)
echo "old" > "$TEST_TMP/inv_old.txt"
"$ALFE" invariants inputs/lco_mc_quick.ini --degree 2 -o "$TEST_TMP/inv_old.txt" --force > /dev/null 2>&1 ||
    fail "invariants -o EXISTING --force failed"
grep -q "^old$" "$TEST_TMP/inv_old.txt" && fail "invariants --force did not replace the file"
write_config "$TEST_TMP/badnet.ini" "$TEST_TMP/badnet.h5" "oracle.network = $TEST_TMP/text.h5"
expect2 "[oracle] network = $TEST_TMP/text.h5: $TEST_TMP/text.h5: not an HDF5 file" "$ALFE" run "$TEST_TMP/badnet.ini"
[ ! -e "$TEST_TMP/badnet.h5" ] || fail "a campaign file was created for a bad network"
echo ok
