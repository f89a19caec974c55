# The measured curvature of oracle campaigns (/points/eta_cov, hessian,
# hessian_stderr; docs/oracle.md, docs/campaign-file.md): n x d x d with
# units and labels; without [oracle] hessian_noise the Hessian is exact
# (symmetric, stderr 0, eta_cov NaN: not a chain); with it the deviations
# are N(0, sigma^2) per pair k <= l (mirrored), stderr = sigma, and nothing
# else in the campaign changes (mu, eta, kappa, every round's rows and the
# validation checksum are bit-identical: the noise has its own stream).
source "$(dirname "$0")/../lib.sh"

write_config "$TEST_TMP/a.ini" "$TEST_TMP/a.h5" "campaign.rounds = 2"
write_config "$TEST_TMP/b.ini" "$TEST_TMP/b.h5" "campaign.rounds = 2" "oracle.hessian_noise = 0.01"
"$ALFE" run "$TEST_TMP/a.ini" > "$TEST_TMP/a.log" 2>&1 || fail "exact: $(tail -5 "$TEST_TMP/a.log")"
"$ALFE" run "$TEST_TMP/b.ini" > "$TEST_TMP/b.log" 2>&1 || fail "noisy: $(tail -5 "$TEST_TMP/b.log")"
ca=$(grep -o 'checksum 0x[0-9a-f]*' "$TEST_TMP/a.log" | tail -1)
cb=$(grep -o 'checksum 0x[0-9a-f]*' "$TEST_TMP/b.log" | tail -1)
[ -n "$ca" ] && [ "$ca" = "$cb" ] || fail "validation checksums differ: '$ca' vs '$cb'"

"$PYTHON" - "$TEST_TMP/a.h5" "$TEST_TMP/b.h5" <<'PY' || fail "curvature datasets"
import sys, h5py, numpy as np
a, b = (h5py.File(x, "r")["points"] for x in sys.argv[1:3])
n, d = a["mu"].shape
done = a["status"][:] == 1
assert done.sum() > 50, done.sum()
for p in (a, b):
    for name, units in (("eta_cov", "dimensionless"), ("hessian", "eV per prim cell"),
                        ("hessian_stderr", "eV per prim cell")):
        ds = p[name]
        assert ds.shape == (n, d, d) and ds.dtype == np.float64 and ds.maxshape[0] is None
        assert ds.attrs["units"] == units
        assert [dim.label for dim in ds.dims] == ["row", "order parameter", "order parameter"]
    assert np.isnan(p["eta_cov"][:]).all(), "oracle rows have no fluctuations"
    h = p["hessian"][:]
    assert np.isfinite(h[done]).all() and np.isnan(h[~done]).all()
    assert np.array_equal(h, np.swapaxes(h, 1, 2), equal_nan=True), "not symmetric"
# everything but the curvature is bit-identical
for name in a:
    if name in ("hessian", "hessian_stderr", "wall_seconds", "rank"):
        continue
    assert np.array_equal(a[name][:], b[name][:], equal_nan=True), name
assert (a["hessian_stderr"][:][done] == 0).all()
assert (b["hessian_stderr"][:][done] == 0.01).all()
iu = np.triu_indices(d)
dev = (b["hessian"][:][done] - a["hessian"][:][done])[:, iu[0], iu[1]].ravel()
m = len(dev)
print("Hessian noise: %d draws, mean %.3g, sd %.4g" % (m, dev.mean(), dev.std()))
assert abs(dev.mean()) < 5 * 0.01 / np.sqrt(m)
assert abs(dev.std() - 0.01) < 5 * 0.01 / np.sqrt(2 * m)
PY
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$TEST_TMP/b.h5" > "$TEST_TMP/schema.log" 2>&1 ||
    fail "schema check: $(tail -5 "$TEST_TMP/schema.log")"
echo "ok"
