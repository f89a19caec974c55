# Done rows at low temperature and the documented schema (docs/campaign-file.md:
# a done row's mu_stderr is finite when converged, else finite or +inf when
# τ could not be estimated; never NaN).  A Monte Carlo campaign on the LCO-like
# system at 30 K (12 points, 1 rank, a few seconds) gives chains whose τ cannot
# be estimated: those rows must carry converged = 0 (most are frozen too), the
# schema checker must pass, and it must fail on a copy in which such a row is
# marked converged (so the rule is enforced, not just written down).
source "$(dirname "$0")/../lib.sh"

CHECK="$PYTHON $ROOT/tools/alfe_schema_check.py"
sed -e "s|output = out/lco_mc.h5|output = $TEST_TMP/low.h5|; s|temperature = 300|temperature = 30|" \
    -e "s|points = 100|points = 12|; s|rounds = 3|rounds = 1|; s|max_passes = 5000|max_passes = 1500|" \
    -e "s|= lco/|= $ROOT/inputs/lco/|g; /^\[network\]/,\$d" "$ROOT/inputs/lco_mc_quick.ini" >"$TEST_TMP/low.ini"
"$ALFE" run "$TEST_TMP/low.ini" >"$TEST_TMP/low.stdout" 2>&1 || fail "run exited $?: $(tail -5 "$TEST_TMP/low.stdout")"
$CHECK "$TEST_TMP/low.h5" >"$TEST_TMP/check" 2>&1 || fail "schema check: $(cat "$TEST_TMP/check")"
"$PYTHON" - "$TEST_TMP/low.h5" "$TEST_TMP/bad.h5" <<'PY' || fail "low-temperature rows"
import shutil, sys, h5py, numpy as np
p = h5py.File(sys.argv[1], "r")["points"]
st, se, cv, fr = (p[k][...] for k in ("status", "mu_stderr", "converged", "frozen"))
done = st == 1
inf = done & np.isinf(se).any(axis=1)
assert inf.any(), "no done row with an infinite mu_stderr at 30 K: the test checks nothing"
assert not np.isnan(se[done]).any(), "a done row has NaN mu_stderr"
assert (cv[inf] == 0).all(), "rows %s: mu_stderr = inf but converged = 1" % np.flatnonzero(inf & (cv == 1))
assert (se[done & (cv == 1)] < np.inf).all()
# A chain whose kept (equilibrated) samples never moved has zero error bars:
# it is frozen, never converged (it relaxed during equilibration, then stuck).
stuck = done & (cv == 1) & (se == 0).all(axis=1)
assert not stuck.any(), "rows %s: converged with mu_stderr = 0 (frozen after equilibration)" % np.flatnonzero(stuck)
print("%d done rows; %d with +inf mu_stderr, all converged = 0 (%d of them frozen)"
      % (done.sum(), inf.sum(), (fr[inf] == 1).sum()))
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    row = int(np.flatnonzero(inf)[0])
    f["points/converged"][row] = 1
    f["points/frozen"][row] = 0
PY
if $CHECK "$TEST_TMP/bad.h5" >"$TEST_TMP/check.bad" 2>&1; then
    fail "schema check passed a converged row with mu_stderr = inf"
fi
grep -q "mu_stderr: non-finite" "$TEST_TMP/check.bad" || fail "schema check: $(cat "$TEST_TMP/check.bad")"
echo "schema check refuses a converged row with mu_stderr = inf"
echo "ok"
