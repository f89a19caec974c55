# tools/alfe_report.py and tools/alfe_export.py on small campaigns made
# here: an oracle campaign (two criteria: billiard rounds, then a Sobol round
# added on resume) and a Monte Carlo campaign (model = clex on inputs/lco,
# 4x4x4 supercell, some chains stopped at max_passes unconverged).
# Report: every figure file exists, is a PNG (signature) that matplotlib
# decodes and that is not blank; index.html shows every PNG of the directory
# and only those; the figures that cannot be drawn (the Monte Carlo diagnostics
# for the oracle, the model figures for both) are reported as skipped, on stdout and
# on the page.  Export: points.csv, rounds.csv, runs.csv and config.csv read
# back equal the HDF5 data exactly (floats bit for bit, NaN as NaN).  Both
# tools exit 2 on a file that is not a campaign.
source "$(dirname "$0")/../lib.sh"

L=$ROOT/inputs/lco
REPORT=${ALFE_TEST_REPORT:-$ROOT/tools/alfe_report.py} # (variables: to check that the test fails with broken copies)
EXPORT=${ALFE_TEST_EXPORT:-$ROOT/tools/alfe_export.py}

# The oracle campaign: 2 billiard rounds, then a third with Sobol points.
write_config "$TEST_TMP/o.ini" "$TEST_TMP/oracle.h5" "campaign.rounds = 2" "global.points = 50"
"$ALFE" run "$TEST_TMP/o.ini" >"$TEST_TMP/o.log" 2>&1 || fail "oracle run: $(tail -3 "$TEST_TMP/o.log")"
write_config "$TEST_TMP/o.ini" "$TEST_TMP/oracle.h5" "campaign.rounds = 3" "global.points = 50" \
    "global.method = sobol"
"$ALFE" run "$TEST_TMP/o.ini" >"$TEST_TMP/o2.log" 2>&1 || fail "oracle resume: $(tail -3 "$TEST_TMP/o2.log")"

# The Monte Carlo campaign (as tests/integration/test_clex_campaign.sh).
write_config "$TEST_TMP/m.ini" "$TEST_TMP/mc.h5" "system.model = clex" "system.prim = $L/prim.json" \
    "system.eci = $L/eci.json" "system.supercell = 4 0 0 0 4 0 0 0 4" \
    "system.ordering_cell = 2 0 0 0 2 0 0 0 2" "campaign.rounds = 2" "global.points = 10" \
    "mc.min_passes = 100" "mc.max_passes = 800" "mc.mu_precision = 0.01" \
    "system.temperature = 1000" "umbrella.phi = 5"
$MPIRUN -n 3 "$ALFE" run "$TEST_TMP/m.ini" >"$TEST_TMP/m.log" 2>&1 || fail "mc run: $(tail -3 "$TEST_TMP/m.log")"

# -- report --------------------------------------------------------------------
for c in oracle mc; do
    "$REPORT" "$TEST_TMP/$c.h5" -o "$TEST_TMP/report_$c" >"$TEST_TMP/report_$c.out" 2>&1 ||
        fail "alfe_report.py on the $c campaign exited $?: $(tail -5 "$TEST_TMP/report_$c.out")"
done
"$PYTHON" - "$TEST_TMP" <<'PY' || fail "report"
import os, re, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.image as mpimg
import numpy as np

tmp = sys.argv[1]
MODEL_SKIPS = ["μ MSE per round", "Learned g and μ along η0", "Committee spread",
               "Points per criterion per round", "Criterion weights and budgets",
               "Region μ errors against round"]
expect = {
    "oracle": (["points_per_round", "eta_by_round", "eta_by_criterion", "mu_vs_eta"],
               ["Converged share per round", "Metropolis acceptance",
                "Integrated autocorrelation time", "μ standard errors"] + MODEL_SKIPS),
    "mc": (["points_per_round", "eta_by_round", "eta_by_criterion", "mu_vs_eta",
            "mc_converged", "mc_acceptance", "mc_tau", "mc_stderr"], MODEL_SKIPS),
}
for camp, (figures, skipped) in expect.items():
    d = os.path.join(tmp, "report_" + camp)
    out = open(os.path.join(tmp, "report_%s.out" % camp)).read()
    pngs = sorted(f for f in os.listdir(d) if f.endswith(".png"))
    assert pngs == sorted(f + ".png" for f in figures), (camp, pngs)
    for f in pngs:
        path = os.path.join(d, f)
        with open(path, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n", "%s: not a PNG" % path
        img = mpimg.imread(path)
        assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 300, (path, img.shape)
        assert img[..., :3].std() > 0.05, "%s looks blank" % path
        assert "wrote %s" % path in out, "%s not announced on stdout" % f
    page = open(os.path.join(d, "index.html"), encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    shown = sorted(set(re.findall(r'<img src="([^"]+)"', page)))
    assert shown == pngs, "index.html shows %s, the directory has %s" % (shown, pngs)
    assert page.count("<figcaption>") == len(pngs), "a figure without a caption"
    for title in skipped:
        assert re.search(r"skipped: %s[^\n]*—" % re.escape(title), out), \
            "%s: '%s' not reported as skipped on stdout:\n%s" % (camp, title, out)
        assert "<b>skipped: %s" % title in page, "%s: '%s' not on the page as skipped" % (camp, title)
    n_skip = len(re.findall(r"^skipped: ", out, re.M))
    assert n_skip == len(skipped), "%s: %d skipped, expected %d:\n%s" % (camp, n_skip, len(skipped), out)
    assert "no /models" in out
    print("report %s: %d figures, %d skipped" % (camp, len(pngs), n_skip))
PY

# -- export --------------------------------------------------------------------
for c in oracle mc; do
    "$EXPORT" "$TEST_TMP/$c.h5" --csv "$TEST_TMP/csv_$c" >"$TEST_TMP/export_$c.out" 2>&1 ||
        fail "alfe_export.py on the $c campaign exited $?: $(tail -5 "$TEST_TMP/export_$c.out")"
    "$PYTHON" - "$TEST_TMP/$c.h5" "$TEST_TMP/csv_$c" <<'PY' || fail "export of the $c campaign"
import csv, os, sys
import h5py, numpy as np

h5, d = sys.argv[1:3]
f = h5py.File(h5, "r")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def same(csv_text, value, where):
    """csv_text reads back as exactly value."""
    if isinstance(value, (bytes, str)):
        ok = csv_text == text(value)
    elif isinstance(value, (float, np.floating)):
        x = float(csv_text)
        ok = (np.isnan(x) and np.isnan(value)) or \
            np.float64(x).view(np.uint64) == np.float64(value).view(np.uint64)
    else:
        ok = int(csv_text) == int(value)
    assert ok, "%s: CSV %r, HDF5 %r" % (where, csv_text, value)


def table(name):
    with open(os.path.join(d, name), newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


# points.csv: every column, every row.
header, rows = table("points.csv")
p = f["points"]
n = p["status"].shape[0]
assert len(rows) == n, "%d CSV rows, %d HDF5 rows" % (len(rows), n)
assert header[0] == "row" and [int(r[0]) for r in rows] == list(range(n))
expected_header, cells = ["row"], 0
code_names = {"criterion_name": "criterion_names", "status_name": "status_names"}
for name, attr in code_names.items():  # the codes' names, next to their numeric column
    code = name[:-len("_name")]
    assert header.index(name) == header.index(code) + 1, (name, header)
    labels = [text(x) for x in p[code].attrs[attr]]
    k = header.index(name)
    for i, v in enumerate(p[code][:].tolist()):
        assert rows[i][k] == labels[v], ("points.csv row %d %s" % (i, name), rows[i][k], labels[v])
for name in header[1:]:
    if name in code_names:
        continue
    col, _, j = name.rpartition("_")
    col3, _, k3 = col.rpartition("_")
    if col in p and p[col].ndim == 2 and j.isdigit():
        data = p[col][:, int(j)]
    elif col3 in p and p[col3].ndim == 3 and j.isdigit() and k3.isdigit():
        data = p[col3][:, int(k3), int(j)]  # name_k_l: element [k, l]
    else:
        data = p[name][...]
    k = header.index(name)
    kind = data.dtype.kind
    for i in range(n):
        same(rows[i][k], data[i].item() if kind != "f" else data[i], "points.csv row %d %s" % (i, name))
        cells += 1
for col in p:  # every column, component and matrix element is there
    shape = p[col].shape[1:]
    names = [col] if not shape else ["%s_%d" % (col, j) for j in range(shape[0])] \
        if len(shape) == 1 else ["%s_%d_%d" % (col, j, k) for j in range(shape[0])
                                 for k in range(shape[1])]
    for nm in names:
        assert nm in header, "points.csv lacks %s" % nm
assert len(header) == 1 + len(code_names) + sum(int(np.prod(p[c].shape[1:])) for c in p)
nan_cells = sum(r.count("nan") for r in rows)

# rounds.csv: every attribute of every round record.
header, rows = table("rounds.csv")
groups = sorted(f["rounds"])
assert len(rows) == len(groups)
for g, row in zip(groups, rows):
    a = f["rounds"][g].attrs
    crit = [text(c) for c in a["criterion_names"]]
    for key in a:
        v = a[key]
        if key in ("criterion_names", "units"):  # names: in the column names; units: units.csv
            continue
        if isinstance(v, np.ndarray) and v.ndim == 1:
            for c, x in zip(crit, v):
                same(row[header.index("%s_%s" % (key, c))], x, "rounds.csv %s %s_%s" % (g, key, c))
        else:
            same(row[header.index(key)], v, "rounds.csv %s %s" % (g, key))

# runs.csv: the records and their timers.
header, rows = table("runs.csv")
runs = sorted(f["runs"])
assert len(rows) == len(runs)
for r, row in zip(runs, rows):
    g = f["runs"][r]
    same(row[header.index("run")], int(r), "runs.csv run")
    for key in ("started", "finished", "ranks", "exit_reason", "points_evaluated"):
        same(row[header.index(key)], g.attrs[key], "runs.csv %s %s" % (r, key))
    t = g["timers"]
    names = [text(x) for x in t.attrs["names"]]
    cols = [text(x) for x in t.attrs["columns"]]
    for i, tn in enumerate(names):
        for j, cn in enumerate(cols):
            same(row[header.index("timer_%s_%s" % (tn, cn))], t[i, j], "runs.csv %s timer" % r)

# units.csv: the units the file records, for every numeric column of the
# three tables (format 1.2 records them all).
header, rows = table("units.csv")
assert header == ["table", "column", "units"]
units = {(t, c): u for t, c, u in rows}
for name in ("points.csv", "rounds.csv", "runs.csv"):
    cols, body = table(name)
    for k, col in enumerate(cols):
        numeric = all(r[k] in ("", "nan") or r[k].lstrip("-").replace(".", "", 1)
                      .replace("e", "", 1).replace("-", "").replace("+", "").isdigit() or
                      r[k] in ("inf", "-inf") for r in body)
        # A column of empty strings only (stop_reason when no rule stopped the
        # campaign) is a string column, not a number without a unit.
        if col in ("row", "run") or not numeric or all(r[k] == "" for r in body):
            continue
        assert (name, col) in units, "units.csv: no unit for %s %s" % (name, col)
assert units[("points.csv", "mu_0")] == "eV per prim cell"
assert units[("points.csv", "eta_mean_0")] == "dimensionless"
assert units[("rounds.csv", "mse_all")] == "eV^2 (per prim cell)^2"
assert units[("runs.csv", "timer_total_max")] == "s"

# config.csv
header, rows = table("config.csv")
assert header == ["key", "value"]
assert {k: v for k, v in rows} == {k: text(v) for k, v in f["config"].attrs.items()}
print("export %s: %d point cells (%d NaN), %d rounds, %d runs, %d config keys: equal to the HDF5 data"
      % (os.path.basename(h5), cells, nan_cells, len(groups), len(runs), len(rows)))
PY
done
grep -q "metrics: none in this campaign" "$TEST_TMP/export_oracle.out" || fail "export: $(cat "$TEST_TMP/export_oracle.out")"

# The MC campaign has NaN-free chain columns, the oracle campaign NaN ones:
# both kinds went through the comparison above.
"$PYTHON" -c "
import h5py, numpy as np, sys
o = h5py.File('$TEST_TMP/oracle.h5', 'r')['points']; m = h5py.File('$TEST_TMP/mc.h5', 'r')['points']
assert np.isnan(o['acceptance'][:]).all() and np.isfinite(m['acceptance'][:]).all()
assert set(o['criterion'][:].tolist()) == {0, 1}, 'the oracle campaign should have two criteria'
assert (m['converged'][:] == 0).any() and (m['converged'][:] == 1).any(), m['converged'][:]
" || fail "the test campaigns do not cover what they should"

# A campaign with trained committees: the model figures are drawn (with
# bin/alfe evaluating the networks), not skipped.
# Round 1 uses active-learning criteria on the committee of round 0 (the
# criteria figures are drawn too).
write_config "$TEST_TMP/net.ini" "$TEST_TMP/net.h5" "global.points = 60" "campaign.rounds = 2" \
    "network.invariants = $ROOT/inputs/lco/invariants.txt" "network.layers = 1" \
    "network.width = 8" "network.committee = 2" "training.epochs = 20" "pool.points = 600" \
    "qbc.points = 10" "wells.points = 6" "reweight.rule = surprise"
"$ALFE" run "$TEST_TMP/net.ini" > /dev/null 2>&1 || fail "campaign with a network"
$REPORT "$TEST_TMP/net.h5" -o "$TEST_TMP/r_net" --alfe "$ALFE" > "$TEST_TMP/r_net.out" 2>&1 ||
    fail "report of a campaign with models: $(cat "$TEST_TMP/r_net.out")"
# The export describes the stored committees (models.csv) and points to the
# metric columns of rounds.csv, without a warning about unknown data.
"$EXPORT" "$TEST_TMP/net.h5" --csv "$TEST_TMP/csv_net" > "$TEST_TMP/export_net.out" 2>&1 ||
    fail "export of a campaign with models: $(cat "$TEST_TMP/export_net.out")"
grep -q "metrics: columns of rounds.csv: mse_all" "$TEST_TMP/export_net.out" &&
    ! grep -qi "does not know" "$TEST_TMP/export_net.out" ||
    fail "export of a campaign with models: $(cat "$TEST_TMP/export_net.out")"
"$PYTHON" - "$TEST_TMP/net.h5" "$TEST_TMP/csv_net/models.csv" <<'PY' || fail "models.csv"
import csv, sys, h5py
f = h5py.File(sys.argv[1], "r")
rows = list(csv.DictReader(open(sys.argv[2])))
assert [int(r["round"]) for r in rows] == [int(f["models"][n].attrs["round"]) for n in sorted(f["models"])], rows
for r, n in zip(rows, sorted(f["models"])):
    g = f["models"][n]
    members = [k for k in g if k.startswith("member_")]
    assert int(r["n_members"]) == len(members) == int(g.attrs["n_members"]), r
    assert int(r["n_params_total"]) == sum(g[m]["params"].shape[0] for m in members), r
PY
for fig in mse_per_round model_along_eta0 committee_spread criteria_per_round criterion_weights; do
    "$PYTHON" -c "
import sys, matplotlib.image as im
d = open(sys.argv[1], 'rb').read(8)
assert d == b'\x89PNG\r\n\x1a\n', 'not a PNG'
a = im.imread(sys.argv[1]); assert a.std() > 0.01, 'blank figure'" "$TEST_TMP/r_net/$fig.png" ||
        fail "$fig.png missing or not a valid, non-blank PNG"
    grep -q "$fig.png" "$TEST_TMP/r_net/index.html" || fail "$fig.png not on the page"
done
! grep -q "skipped: .*\(Learned g\|Committee spread\|MSE per round\|Points per criterion\|Criterion weights\)" "$TEST_TMP/r_net.out" ||
    fail "model figures skipped: $(cat "$TEST_TMP/r_net.out")"
# Without a usable alfe binary they are skipped with the reason, not faked.
$REPORT "$TEST_TMP/net.h5" -o "$TEST_TMP/r_nobin" --alfe /nonexistent/alfe > "$TEST_TMP/r_nobin.out" 2>&1 ||
    fail "report without alfe: $(cat "$TEST_TMP/r_nobin.out")"
grep -q "skipped: Learned g .*the alfe binary" "$TEST_TMP/r_nobin.out" || fail "no skip note: $(cat "$TEST_TMP/r_nobin.out")"

# Not a campaign: exit 2, a message.
"$PYTHON" -c "import h5py; h5py.File('$TEST_TMP/other.h5', 'w').attrs['format'] = 'something'"
for tool in "$REPORT $TEST_TMP/other.h5 -o $TEST_TMP/r_other" "$EXPORT $TEST_TMP/other.h5 --csv $TEST_TMP/c_other"; do
    $tool >"$TEST_TMP/other.out" 2>&1
    rc=$?
    [ $rc -eq 2 ] || fail "$tool: exit $rc on a file that is not a campaign"
    grep -q "is not an alfe campaign file" "$TEST_TMP/other.out" || fail "$tool: $(cat "$TEST_TMP/other.out")"
done
echo ok
