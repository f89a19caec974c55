# tests/lib.sh — shared helpers for the integration tests (sourced, not run).
# Each tests/integration/test_*.sh is a bash script run from the repository
# root by tests/run_tests.sh; it exits 0 on success and non-zero (with a
# message on stderr) on failure.  Environment provided:
#   ALFE       the binary under test (the release build, bin/alfe)
#   ALFE_ASAN  the ASan/UBSan build (build/asan/alfe)
#   PYTHON     /usr/bin/python3 (Debian's h5py and numpy)
#   MPIRUN     mpirun with the flags needed as root and for oversubscription
#   TEST_TMP   a fresh scratch directory for this test (removed afterwards)

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${ALFE:=$ROOT/bin/alfe}"
: "${ALFE_ASAN:=$ROOT/build/asan/alfe}"
: "${PYTHON:=/usr/bin/python3}"
: "${MPIRUN:=mpirun --allow-run-as-root --oversubscribe}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
if [ -z "${TEST_TMP:-}" ]; then
    TEST_TMP=$(mktemp -d /tmp/alfe-test.XXXXXX)
    trap 'rm -rf "$TEST_TMP"' EXIT
fi

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# write_config FILE OUTPUT [extra INI lines...]
# A quick oracle config on the shipped 7-D LCO-like Q, writing OUTPUT.
# Extra lines replace keys of the same name in the same section when given
# as "section.key = value"; other lines are appended verbatim.
write_config() {
    local file=$1 output=$2
    shift 2
    "$PYTHON" - "$file" "$output" "$ROOT/inputs/lco/Q.txt" "$@" <<'PY'
import sys
path, output, q = sys.argv[1:4]
extra = sys.argv[4:]
cfg = {
    "campaign": {"output": output, "seed": "7", "rounds": "3"},
    "system": {"model": "oracle", "dimension": "7", "q_file": q, "temperature": "300"},
    "oracle": {"noise": "0.0005"},
    "umbrella": {"phi": "50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05"},
    "global": {"points": "60", "method": "billiard"},
    "run": {"progress_seconds": "0.5"},
}
verbatim = []
for e in extra:
    if "=" in e and "." in e.split("=")[0] and not e.lstrip().startswith("["):
        k, v = e.split("=", 1)
        sec, key = k.strip().split(".", 1)
        cfg.setdefault(sec, {})[key] = v.strip()
    else:
        verbatim.append(e)
with open(path, "w") as f:
    for sec, kv in cfg.items():
        f.write("[%s]\n" % sec)
        for k, v in kv.items():
            f.write("%s = %s\n" % (k, v))
        f.write("\n")
    for line in verbatim:
        f.write(line + "\n")
PY
}

# compare_campaigns A.h5 B.h5 — the point data of two campaigns are
# identical (every /points column except wall_seconds and rank, bit for bit,
# NaN equal to NaN) and so are their round structures.
compare_campaigns() {
    "$PYTHON" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
skip = {"wall_seconds", "rank"}
names = sorted(a["points"].keys())
if names != sorted(b["points"].keys()):
    sys.exit("column sets differ: %s vs %s" % (names, sorted(b["points"].keys())))
for name in names:
    if name in skip:
        continue
    x, y = a["points"][name][...], b["points"][name][...]
    if x.shape != y.shape:
        sys.exit("/points/%s: shapes %s vs %s" % (name, x.shape, y.shape))
    if x.dtype.kind == "f":
        same = np.array_equal(x.view(np.uint64), y.view(np.uint64)) or \
               np.array_equal(x, y, equal_nan=True)
    else:
        same = np.array_equal(x, y)
    if not same:
        bad = np.argwhere(~((x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind == "f" else (x == y)))
        sys.exit("/points/%s differs, first at %s" % (name, bad[0].tolist()))
ra, rb = sorted(a["rounds"].keys()), sorted(b["rounds"].keys())
if ra != rb:
    sys.exit("round groups differ: %s vs %s" % (ra, rb))
for r in ra:
    for key in ("first_row", "n_points", "done", "failed", "pending", "state"):
        if a["rounds"][r].attrs[key] != b["rounds"][r].attrs[key]:
            sys.exit("/rounds/%s attr %s: %r vs %r" % (r, key, a["rounds"][r].attrs[key],
                                                       b["rounds"][r].attrs[key]))
print("identical: %d rows, %d rounds" % (a["points/status"].shape[0], len(ra)))
PY
}
