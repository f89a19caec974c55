# [oracle] free_energy and [metrics] regions on a 2-D double well with known
# answers: g = 2 (e0-0.25)^2 (e0-0.75)^2 + (e1-0.1)^2 (ideal = no), wells at
# (0.25, 0.1) and (0.75, 0.1), spinodals e0 = 0.5 -+ sqrt(1/48).
#  1. `alfe regions` writes the five automatic regions; their mu columns are
#     the exact gradient; ends, wells and nonconvex lie where they must (the
#     nonconvex region between the spinodals, reaching both); the
#     lowest_g_path follows e1 = 0.1 and passes within 0.02 of both minima.
#  2. A campaign with those regions plus a file region: /regions holds what
#     `alfe regions` wrote; @mse_regions of the last round equals the MSE of
#     `alfe predict`'s mu against the reference, computed here in Python.
#     tools/alfe_report.py draws region_mse.png;
#     tools/alfe_schema_check.py accepts it and refuses broken region records.
#  3. The same campaign on 3 ranks: identical points, regions and region MSEs.
#  4. Resume keeps /regions; a changed formula is refused (exit 2).
#  5. A campaign without the new /config keys resumes at their defaults only.
source "$(dirname "$0")/../lib.sh"

D=$TEST_TMP
printf "0.5 0.5\n0.5 -0.5\n" > "$D/q2.txt"
printf "0.25 0.1\n0.75 0.1\n" > "$D/wells.txt"
printf "e0\ne1\n" > "$D/inv2.txt"
make_cfg() { # make_cfg FILE OUTPUT [extra lines]
    local f=$1 out=$2
    shift 2
    cat > "$f" <<EOF2
[campaign]
output = $out
seed = 7
rounds = 2
[system]
model = oracle
dimension = 2
q_file = q2.txt
temperature = 300
[oracle]
free_energy = 2*(e0-0.25)^2*(e0-0.75)^2 + (e1-0.1)^2
ideal = no
noise = 0.0001
[umbrella]
phi = 5, 1
[global]
points = 80
[special]
file = wells.txt
[network]
invariants = inv2.txt
layers = 2
width = 8
committee = 2
[training]
optimizer = adam
learning_rate = 0.003
epochs = 40
batch_size = 32
[metrics]
auto_regions = ends, wells, lowest_g_path, nonconvex, global
region_points = 150
well_radius = 0.05
EOF2
    for line in "$@"; do echo "$line" >> "$f"; done
}

# 1. alfe regions
make_cfg "$D/dw.ini" "$D/unused.h5"
"$ALFE" regions "$D/dw.ini" -o "$D/reg" > "$D/regions.log" 2>&1 || fail "alfe regions: $(cat "$D/regions.log")"
"$ALFE" regions "$D/dw.ini" -o "$D/reg" > /dev/null 2>&1 && fail "alfe regions overwrote without --force"
"$ALFE" regions "$D/dw.ini" -o "$D/reg" --force > /dev/null 2>&1 || fail "alfe regions --force"
[ ! -e "$D/unused.h5" ] || fail "alfe regions created the campaign file"
"$PYTHON" - "$D/reg" <<'PY' || fail "automatic regions of the double well are wrong"
import sys, numpy as np
d = sys.argv[1]
def load(n):
    a = np.loadtxt("%s/%s.txt" % (d, n), ndmin=2)
    return a[:, :2], a[:, 2:]
def mu(e):
    x, y = e[:, 0], e[:, 1]
    return np.stack([4 * (x - .25) * (x - .75) * (2 * x - 1), 2 * (y - .1)], axis=1)
for n in ("ends", "wells", "lowest_g_path", "nonconvex", "global"):
    e, m = load(n)
    assert len(e) > 100, (n, len(e))
    assert np.abs(m - mu(e)).max() < 1e-12, n
    # inside the diamond |e1| <= min(e0, 1 - e0)
    assert (np.abs(e[:, 1]) <= np.minimum(e[:, 0], 1 - e[:, 0]) + 1e-12).all(), n
e, _ = load("ends")
assert ((e[:, 0] < .15) | (e[:, 0] > .85)).all()
e, _ = load("wells")
dist = np.minimum(np.hypot(e[:, 0] - .25, e[:, 1] - .1), np.hypot(e[:, 0] - .75, e[:, 1] - .1))
assert dist.max() <= .05 + 1e-12, dist.max()
assert (e[:, 0] < .5).sum() > 50 and (e[:, 0] > .5).sum() > 50
e, _ = load("nonconvex")
s = np.sqrt(1 / 48)
assert ((e[:, 0] > .5 - s) & (e[:, 0] < .5 + s)).all(), (e[:, 0].min(), e[:, 0].max())
assert e[:, 0].min() < .5 - s + .02 and e[:, 0].max() > .5 + s - .02
e, _ = load("lowest_g_path")
inner = (e[:, 0] > .15) & (e[:, 0] < .85)
assert np.median(np.abs(e[inner, 1] - .1)) < .02, np.median(np.abs(e[inner, 1] - .1))
for w in ((.25, .1), (.75, .1)):
    assert np.hypot(e[:, 0] - w[0], e[:, 1] - w[1]).min() < .02, w
print("regions ok")
PY

# 2. a campaign with the regions and a file region (the global one, by name "mine")
cp "$D/reg/global.txt" "$D/mine.txt"
make_cfg "$D/c1.ini" "$D/c1.h5" "regions = mine:mine.txt"
"$ALFE" run "$D/c1.ini" > "$D/c1.log" 2>&1 || fail "campaign: $(tail -5 "$D/c1.log")"
grep -q "regions: mu MSE" "$D/c1.log" || fail "no regions line in the log"
"$ALFE" info "$D/c1.h5" > "$D/info.txt" || fail "alfe info"
grep -q "lowest_g_path" "$D/info.txt" && grep -q "mine " "$D/info.txt" || fail "alfe info shows no regions: $(cat "$D/info.txt")"
"$PYTHON" - "$D/c1.h5" "$D/reg" "$D/pts.txt" <<'PY' || fail "/regions differs from alfe regions"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
names = [n.decode() if isinstance(n, bytes) else n for n in f["regions"].attrs["names"]]
assert names == ["mine", "ends", "wells", "lowest_g_path", "nonconvex", "global"], names
for n in names[1:]:
    a = np.loadtxt("%s/%s.txt" % (sys.argv[2], n), ndmin=2)
    assert np.array_equal(f["regions/%s/eta" % n][...], a[:, :2]), n
    assert np.array_equal(f["regions/%s/mu" % n][...], a[:, 2:]), n
np.savetxt(sys.argv[3], f["regions/mine/eta"][...], fmt="%.17g")
PY
"$ALFE" predict "$D/c1.h5" --points "$D/pts.txt" > "$D/pred.txt" 2>/dev/null || fail "alfe predict"
"$PYTHON" - "$D/c1.h5" "$D/mine.txt" "$D/pred.txt" <<'PY' || fail "mse_regions differs from the MSE computed in Python"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
ref = np.loadtxt(sys.argv[2], ndmin=2)[:, 2:]
with open(sys.argv[3]) as fh:
    header = fh.readline().lstrip("#").split()
pred = np.loadtxt(sys.argv[3], ndmin=2)
mu = pred[:, [header.index("mu_0"), header.index("mu_1")]]
want = float(np.mean((mu - ref) ** 2))
last = f["rounds"][sorted(f["rounds"].keys())[-1]]
names = [n.decode() if isinstance(n, bytes) else n for n in last.attrs["region_names"]]
got = float(last.attrs["mse_regions"][names.index("mine")])
got_global = float(last.attrs["mse_regions"][names.index("global")])
print("mine: stored %.12g, python %.12g" % (got, want))
assert abs(got - want) <= 1e-9 * max(want, 1e-300), (got, want)
assert got == got_global  # the same rows under two names
PY

# the schema checker accepts the file and notices broken region records
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$D/c1.h5" > "$D/schema.txt" || fail "schema: $(cat "$D/schema.txt")"
cp "$D/c1.h5" "$D/broken.h5"
"$PYTHON" - "$D/broken.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
r = f["rounds"][sorted(f["rounds"].keys())[-1]]
r.attrs["mse_regions"] = r.attrs["mse_regions"][:2]
del f["regions/ends/mu"]
PY
"$PYTHON" "$ROOT/tools/alfe_schema_check.py" "$D/broken.h5" > "$D/schema.txt" && fail "schema check accepted broken regions"
grep -q "/regions/ends/mu: float64 dataset missing" "$D/schema.txt" &&
    grep -q "region_names and mse_regions must both be present" "$D/schema.txt" ||
    fail "schema check: $(cat "$D/schema.txt")"

# the report draws region MSE against round
"$PYTHON" "$ROOT/tools/alfe_report.py" "$D/c1.h5" -o "$D/report" > "$D/report.log" 2>&1 ||
    fail "alfe_report: $(tail -3 "$D/report.log")"
[ -s "$D/report/region_mse.png" ] && grep -q "region_mse.png" "$D/report/index.html" ||
    fail "the report has no region_mse.png"

# 3. ranks 1 vs 3
make_cfg "$D/c3.ini" "$D/c3.h5" "regions = mine:mine.txt"
$MPIRUN -n 3 "$ALFE" run "$D/c3.ini" > "$D/c3.log" 2>&1 || fail "3 ranks: $(tail -5 "$D/c3.log")"
compare_campaigns "$D/c1.h5" "$D/c3.h5" || fail "1 vs 3 ranks: points differ"
"$PYTHON" - "$D/c1.h5" "$D/c3.h5" <<'PY' || fail "1 vs 3 ranks: regions or region MSEs differ"
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for n in a["regions"]:
    for k in ("eta", "mu"):
        assert np.array_equal(a["regions"][n][k][...], b["regions"][n][k][...]), (n, k)
for r in a["rounds"]:
    x, y = a["rounds"][r].attrs.get("mse_regions"), b["rounds"][r].attrs.get("mse_regions")
    assert (x is None) == (y is None), r
    if x is not None:
        assert np.array_equal(x, y, equal_nan=True), (r, x, y)
print("ranks ok")
PY

# 4. resume: /regions kept; a changed formula is refused and leaves the file alone
sed -i 's/^rounds = 2/rounds = 3/' "$D/c1.ini"
"$ALFE" run "$D/c1.ini" > "$D/c1b.log" 2>&1 || fail "resume: $(tail -5 "$D/c1b.log")"
sum=$(sha256sum < "$D/c1.h5")
sed -i 's/^free_energy = 2\*/free_energy = 3*/' "$D/c1.ini"
"$ALFE" run "$D/c1.ini" > "$D/c1c.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "changed formula: exit $rc, expected 2"
grep -q "free_energy = 3\*(e0-0.25).*differs from the campaign's free_energy = 2\*" "$D/c1c.log" ||
    fail "changed formula: $(cat "$D/c1c.log")"
[ "$(sha256sum < "$D/c1.h5")" = "$sum" ] || fail "the refused run changed the campaign"

# 5. a campaign written before these keys existed (no /config attribute for
#    them) resumes with their defaults, and is refused a non-default value
write_config "$D/old.ini" "$D/old.h5" "global.points = 20" "campaign.rounds = 1"
"$ALFE" run "$D/old.ini" > "$D/old.log" 2>&1 || fail "old campaign: $(tail -3 "$D/old.log")"
"$PYTHON" - "$D/old.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r+")
for k in ("oracle.free_energy", "oracle.ideal", "metrics.regions", "metrics.auto_regions",
          "metrics.well_radius", "metrics.region_points"):
    del f["config"].attrs[k]
PY
write_config "$D/old.ini" "$D/old.h5" "global.points = 20" "campaign.rounds = 2"
"$ALFE" run "$D/old.ini" > "$D/old2.log" 2>&1 || fail "resuming a campaign without the new keys: $(tail -3 "$D/old2.log")"
write_config "$D/old.ini" "$D/old.h5" "global.points = 20" "campaign.rounds = 3" "oracle.free_energy = e0^2"
"$ALFE" run "$D/old.ini" > "$D/old3.log" 2>&1 && fail "a formula added to an old campaign was accepted"
grep -q "/config has no oracle.free_energy" "$D/old3.log" || fail "old campaign + formula: $(cat "$D/old3.log")"
echo "ok"
