# Monte Carlo campaigns ([system] model = clex) on the embedded LCO-like
# system: identical data on 1 and 3 ranks; chain diagnostics recorded per
# row; non-converged chains are rows flagged converged = 0, never dropped;
# a changed cluster expansion is refused on resume; `alfe mc` prints the
# documented JSON and reproduces a campaign row exactly from its seed.
source "$(dirname "$0")/../lib.sh"

L=$ROOT/inputs/lco
clex() {
    write_config "$1" "$2" "system.model = clex" "system.prim = $L/prim.json" \
        "system.eci = $L/eci.json" "system.supercell = 4 0 0 0 4 0 0 0 4" \
        "system.ordering_cell = 2 0 0 0 2 0 0 0 2" "campaign.rounds = 2" "global.points = 6" \
        "mc.min_passes = 100" "mc.max_passes = 4000" "mc.mu_precision = 0.01" \
        "system.temperature = 1000" "umbrella.phi = 5" "${@:3}"
}
# 1000 K, phi = 5, up to 4000 passes: most chains converge honestly (at
# 300 K and phi0 = 50 the 4x4x4 chains stick after equilibration and are
# frozen: zero error bars are never "converged").

clex "$TEST_TMP/a.ini" "$TEST_TMP/a1.h5"
"$ALFE" run "$TEST_TMP/a.ini" > "$TEST_TMP/a1.log" 2>&1 || fail "1 rank: $(tail -5 "$TEST_TMP/a1.log")"
clex "$TEST_TMP/b.ini" "$TEST_TMP/a3.h5"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/b.ini" > "$TEST_TMP/a3.log" 2>&1 || fail "3 ranks: $(tail -5 "$TEST_TMP/a3.log")"
compare_campaigns "$TEST_TMP/a1.h5" "$TEST_TMP/a3.h5" || fail "1 vs 3 ranks differ"
grep -q "Valid" "$TEST_TMP/a3.log" || fail "no Valid line"

"$PYTHON" - "$TEST_TMP/a1.h5" <<'PY' || fail "row diagnostics"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); p = f["points"]
st = p["status"][:]
assert (st == 1).all(), st
assert f["system"].attrs["model"] == "clex"
assert b"illustrative, not fitted" in f["system/eci_json"][()]
passes, samples, eq = p["passes"][:], p["samples"][:], p["equilibration_samples"][:]
chains = int(f["config"].attrs["mc.chains"])  # passes are summed over a point's chains
assert chains == 2, chains
assert (passes >= 100 * chains).all() and (passes <= 4000 * chains).all(), passes
assert (passes % chains == 0).all(), passes  # the chains run in lockstep
assert (samples > 0).all() and (samples + eq <= passes).all()
acc = p["acceptance"][:]
assert ((acc > 0) & (acc < 1)).all(), acc
conv = p["converged"][:].astype(bool)
assert conv.any(), "no chain converged"
# tau is NaN only where it was not measured: a constant eta_j (stderr exactly 0)
tau, se = p["tau"][:][conv], p["mu_stderr"][:][conv]
assert (np.isfinite(tau) | (se == 0)).all(), (tau, se)
fr = p["frozen"][:].astype(bool)
assert p["frozen"].dtype == np.int8 and not (fr & p["converged"][:].astype(bool)).any()
print("frozen", fr.sum())
mu = -2 * p["phi"][:] * (p["eta_mean"][:] - p["kappa"][:])
assert np.array_equal(mu, p["mu"][:]), "mu = -2 phi (eta - kappa) must hold exactly"
assert (p["mu_stderr"][:] >= 0).all() and np.isfinite(p["mu_stderr"][:][conv]).all()
print("rows", len(st), "converged", conv.sum())
# The curvature from the fluctuations (docs/monte-carlo.md): n x d x d,
# units and labels; Cov symmetric positive definite, H symmetric and
# H = (kT/N) Cov^-1 - 2 diag(phi) with N = 64 prim cells; stderr > 0.
d = p["mu"].shape[1]
for name, units in (("eta_cov", "dimensionless"), ("hessian", "eV per prim cell"),
                    ("hessian_stderr", "eV per prim cell")):
    ds = p[name]
    assert ds.shape == (len(st), d, d) and ds.dtype == np.float64, (name, ds.shape)
    assert ds.attrs["units"] == units and ds.maxshape[0] is None
    assert [dim.label for dim in ds.dims] == ["row", "order parameter", "order parameter"]
cov, h, hse = p["eta_cov"][:], p["hessian"][:], p["hessian_stderr"][:]
kt = 8.617333262e-5 * p["T"][:]
# A chain with too few samples has no Cov (NaN); one where some combination
# of eta never moved (these stiff 4x4x4 chains, phi0 = 50: most of them)
# has a singular Cov and no Hessian (NaN), never a number.
measured = 0
for r in range(len(st)):
    if np.isnan(cov[r]).all():
        assert np.isnan(h[r]).all() and np.isnan(hse[r]).all(), r
        continue
    assert np.array_equal(cov[r], cov[r].T), r
    if np.isnan(h[r]).all():  # singular: a zero variance or a correlation eigenvalue ~0
        sd = np.sqrt(np.diag(cov[r]))
        assert (sd == 0).any() or np.linalg.eigvalsh(cov[r] / np.outer(sd, sd))[0] < 1e-9, r
        assert np.isnan(hse[r]).all(), r
        continue
    assert np.array_equal(h[r], h[r].T), r
    want = kt[r] / 64 * np.linalg.inv(cov[r]) - 2 * np.diag(p["phi"][r])
    assert np.allclose(h[r], want, rtol=1e-6, atol=1e-9 * np.abs(want).max()), r
    assert (hse[r] > 0).all(), r
    measured += 1
assert measured >= 1
print("curvature rows", len(st), "measured", measured)
PY

# A file written before the optional /points/frozen column (format 1.2)
# still reads and resumes: the column reads as 0 and is not added.  Such a
# file also predates the rounds' content hash (1.3), so the emulation drops
# rows_sha256 and says 1.2 (a 1.3 file missing a hashed column does not
# verify: test_hostile_campaign).
cp "$TEST_TMP/a1.h5" "$TEST_TMP/old.h5"
"$PYTHON" -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r+')
for name in ('frozen', 'eta_cov', 'hessian', 'hessian_stderr'):
    del f['points/' + name]
for r in f['rounds'].values():
    if 'rows_sha256' in r.attrs:
        del r.attrs['rows_sha256']
f.attrs.modify('format_version_minor', 2)
f.attrs.modify('format_version', '1.2')
del f['config'].attrs['mc.chains']  # written before [mc] chains: one chain per point" "$TEST_TMP/old.h5"
"$ALFE" info "$TEST_TMP/old.h5" > "$TEST_TMP/old_info.log" 2>&1 || fail "info without frozen: $(tail -3 "$TEST_TMP/old_info.log")"
# The default (2 chains) is not how the old rows were made: refused, file unchanged.
old_sum=$(sha256sum "$TEST_TMP/old.h5" | cut -d' ' -f1)
clex "$TEST_TMP/o.ini" "$TEST_TMP/old.h5" "campaign.rounds = 3"
"$ALFE" run "$TEST_TMP/o.ini" > "$TEST_TMP/old.log" 2> "$TEST_TMP/old.err"
rc=$?
[ $rc -eq 2 ] || fail "old campaign resumed with 2 chains: exit $rc"
grep -q "\[mc\] chains = 2, but .* was started before the key existed, with the equivalent of chains = 1" "$TEST_TMP/old.err" ||
    fail "legacy chains message: $(cat "$TEST_TMP/old.err")"
[ "$(sha256sum "$TEST_TMP/old.h5" | cut -d' ' -f1)" = "$old_sum" ] || fail "refused resume changed the file"
clex "$TEST_TMP/o.ini" "$TEST_TMP/old.h5" "campaign.rounds = 3" "mc.chains = 1"
"$ALFE" run "$TEST_TMP/o.ini" > "$TEST_TMP/old.log" 2>&1 || fail "resume without frozen: $(tail -5 "$TEST_TMP/old.log")"
"$PYTHON" -c "
import h5py, sys
p = h5py.File(sys.argv[1], 'r')['points']
assert 'frozen' not in p and 'hessian' not in p and len(p['status']) == 18 and (p['status'][:] == 1).all()" "$TEST_TMP/old.h5" ||
    fail "resumed old file"
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$TEST_TMP/old.h5" > "$TEST_TMP/old_schema.log" 2>&1 || fail "schema of the old file: $(tail -5 "$TEST_TMP/old_schema.log")"
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$TEST_TMP/a1.h5" > /dev/null || fail "schema with frozen"

# Chains that cannot converge are stored, flagged.
clex "$TEST_TMP/c.ini" "$TEST_TMP/c.h5" "mc.max_passes = 100" "mc.mu_precision = 1e-7" \
    "system.temperature = 2000" "umbrella.phi = 5"
"$ALFE" run "$TEST_TMP/c.ini" > "$TEST_TMP/c.log" 2>&1 || fail "unconverged run: $(tail -5 "$TEST_TMP/c.log")"
"$PYTHON" - "$TEST_TMP/c.h5" <<'PY' || fail "non-converged rows"
import sys, h5py, numpy as np
p = h5py.File(sys.argv[1], "r")["points"]
assert len(p["status"]) == 12 and (p["status"][:] == 1).all()
assert (p["converged"][:] == 0).all(), p["converged"][:]
assert (p["passes"][:] == 200).all()  # 100 per chain, 2 chains
assert np.isfinite(p["mu"][:]).all()
PY

# Learning on such rows: the non-converged ones are excluded and counted.
clex "$TEST_TMP/e.ini" "$TEST_TMP/e.h5" "mc.max_passes = 100" "mc.mu_precision = 1e-7" \
    "system.temperature = 2000" "umbrella.phi = 5" \
    "network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 1" \
    "network.width = 4" "network.committee = 1" "training.epochs = 3"
"$ALFE" run "$TEST_TMP/e.ini" > "$TEST_TMP/e.log" 2>&1 || fail "learning on unconverged rows: $(tail -3 "$TEST_TMP/e.log")"
grep -q "only 0 usable rows (12 done rows excluded: not converged or non-finite)" "$TEST_TMP/e.log" ||
    fail "exclusion not logged: $(grep train "$TEST_TMP/e.log")"
"$PYTHON" -c "
import h5py, sys
r = h5py.File(sys.argv[1], 'r')['rounds/0001'].attrs
assert r['n_train'] == 0 and r['n_excluded'] == 12, (r['n_train'], r['n_excluded'])" "$TEST_TMP/e.h5" ||
    fail "n_train / n_excluded"

# A changed cluster expansion is refused; the file is untouched.
sum_before=$(sha256sum "$TEST_TMP/a1.h5" | cut -d' ' -f1)
sed 's/"eci": 0.055/"eci": 0.056/' "$L/eci.json" > "$TEST_TMP/eci_changed.json"
sed -i "s|^eci = .*|eci = $TEST_TMP/eci_changed.json|; s|^rounds = 2|rounds = 3|" "$TEST_TMP/a.ini"
"$ALFE" run "$TEST_TMP/a.ini" > "$TEST_TMP/d.out" 2> "$TEST_TMP/d.err"
rc=$?
[ $rc -eq 2 ] || fail "changed ECI on resume: exit $rc"
grep -q "the file's contents differ from the campaign's (/system/eci_json)" "$TEST_TMP/d.err" ||
    fail "message: $(cat "$TEST_TMP/d.err")"
[ "$(sha256sum "$TEST_TMP/a1.h5" | cut -d' ' -f1)" = "$sum_before" ] || fail "campaign file changed"

# alfe mc: the JSON object, and a campaign row reproduced from its seed.
"$PYTHON" - "$ALFE" "$TEST_TMP/b.ini" "$TEST_TMP/a1.h5" <<'PY' || fail "alfe mc"
import sys, json, subprocess, h5py, numpy as np
alfe, ini, h5 = sys.argv[1:4]
p = h5py.File(h5, "r")["points"]
# a row whose Hessian was measured (the curvature is then compared too)
r = next((i for i in range(len(p["status"])) if np.isfinite(p["hessian"][i]).all()), 4)
args = [alfe, "mc", ini, "--kappa", ",".join(repr(float(x)) for x in p["kappa"][r]),
        "--phi", ",".join(repr(float(x)) for x in p["phi"][r]),
        "--temperature", repr(float(p["T"][r])), "--seed", str(int(p["seed"][r]))]
out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
res = json.loads(out)
keys = {"eta_mean", "mu", "mu_stderr", "converged", "frozen", "passes", "samples",
        "equilibration_samples", "acceptance", "tau", "seconds", "eta_cov", "hessian",
        "hessian_stderr", "hessian_poorly_resolved", "chains", "chains_agree", "chains_chi2",
        "chains_chi2_limit"}
assert set(res) - {"frozen_reason"} == keys, set(res) ^ keys
print(res)
for k in ("eta_mean", "mu", "mu_stderr", "tau"):
    assert len(res[k]) == 7
assert np.array_equal(np.array(res["eta_mean"]), p["eta_mean"][r]), (res["eta_mean"], p["eta_mean"][r])
assert np.array_equal(np.array(res["mu"]), p["mu"][r])
assert res["passes"] == p["passes"][r] and res["samples"] == p["samples"][r]
assert res["converged"] == bool(p["converged"][r])
assert res["chains"] == 2 and res["chains_chi2_limit"] > 0
assert res["chains_agree"] == (res["chains_chi2"] <= res["chains_chi2_limit"])
for k in ("eta_cov", "hessian", "hessian_stderr"):
    stored = p[k][r]  # JSON null: NaN (not measured) or inf (stderr not estimated)
    stored = np.where(np.isfinite(stored), stored, np.nan)
    assert np.array_equal(np.array(res[k], dtype=float), stored, equal_nan=True), k
poor = [j for j in range(7) if not p["hessian_stderr"][r][j, j] < 0.5 * abs(p["hessian"][r][j, j])]
assert res["hessian_poorly_resolved"] == poor, (res["hessian_poorly_resolved"], poor)
# The same chain again, written --option=value (getopt_long reads both forms).
args_eq = args[:3] + [o + "=" + v for o, v in zip(args[3::2], args[4::2])]
again = json.loads(subprocess.run(args_eq, capture_output=True, text=True, check=True).stdout)
again.pop("seconds"); res.pop("seconds")
assert again == res, "same seed (--option=value form), different result"
print("alfe mc reproduces row", r)
PY
# kappa far outside the domain: a warning, not an error (it is a bias centre).
"$ALFE" mc "$TEST_TMP/b.ini" --kappa 3,0,0,0,0,0,0 > /dev/null 2> "$TEST_TMP/w.err" ||
    fail "far kappa should run"
grep -q "warning: kappa is far outside the domain" "$TEST_TMP/w.err" || fail "no warning: $(cat "$TEST_TMP/w.err")"

# kappa far outside the domain: nothing moves; the chain is frozen, never converged.
"$ALFE" mc "$TEST_TMP/b.ini" --kappa 1.5,0,0,0,0,0,0 > "$TEST_TMP/frozen.json" 2> "$TEST_TMP/frozen.err" ||
    fail "frozen chain should run"
"$PYTHON" -c "
import json, sys
r = json.load(open(sys.argv[1]))
assert r['frozen'] is True and r['converged'] is False, r
assert r['frozen_reason'], r
assert all(t is None for t in r['tau']), r['tau']" "$TEST_TMP/frozen.json" ||
    fail "kappa 1.5: not flagged frozen: $(cat "$TEST_TMP/frozen.json")"
grep -q "the chain is frozen" "$TEST_TMP/frozen.err" || fail "no frozen warning: $(cat "$TEST_TMP/frozen.err")"

# The real CASM example, shipped in inputs/zro (LGPL-2.1, inputs/zro/README.md).
"$ALFE" mc "$ROOT/inputs/zro_mc.ini" --kappa 0.3,0 > "$TEST_TMP/zro.json" ||
    fail "alfe mc on ZrO failed"
"$PYTHON" -c "import json,sys; r=json.load(open(sys.argv[1])); assert r['converged'] and 0.28 < r['eta_mean'][0] < 0.34, r" "$TEST_TMP/zro.json" ||
    fail "ZrO chain: $(cat "$TEST_TMP/zro.json")"
echo ok
