#!/bin/bash
# bench_acquire.sh — the speed of active learning's acquisition (run by
# `make bench`; figures go to docs/performance.md by hand).
#
#  1. The prediction pool: [pool] points = 100000 evaluated by a committee of
#     5 members of 3 x 150 (tanh) with Hessians and sorted eigenvalues, on 1,
#     2 and 3 ranks (the pool is cut into 512-point blocks spread over every
#     rank, rank 0 included).  The time is the one alfe logs for round 1's
#     "pool of ... predicted on N ranks in T s"; median of REPS runs.
#  2. Acquisition against the whole round: inputs/lco_mc_quick.ini (real Monte
#     Carlo) scaled to 2000 space-filling points per round plus every
#     criterion, default pool (1e5), on 3 ranks; the share of round 1's wall
#     time spent in acquisition (pool + criteria + selection), from the
#     round records (seconds_acquire / seconds_total).
# Usage: bench/bench_acquire.sh [REPS]   (default 3)
set -eu
cd "$(dirname "$0")/.."
reps=${1:-3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
tmp=$(mktemp -d /tmp/alfe-bench-acquire.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$(pwd)

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

pool_config() { # OUTPUT
    cat <<EOF
[campaign]
output = $1
seed = 11
rounds = 2
[system]
model = oracle
dimension = 7
q_file = $root/inputs/lco/Q.txt
temperature = 300
[oracle]
noise = 0.0005
[umbrella]
phi = 50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05
[global]
points = 200
[network]
invariants = $root/inputs/lco/invariants.txt
layers = 3
width = 150
committee = 5
[training]
epochs = 5
[pool]
points = 100000
boundary_share = 0.1
[qbc]
points = 10
[run]
progress_seconds = 1000
EOF
}

echo "pool: 100000 points, committee of 5 x (3 x 150, tanh), g, mu, Hessian and sorted"
echo "eigenvalues; median of $reps runs (seconds as logged by alfe for round 1's pool)"
printf "%6s %10s %10s\n" ranks seconds speedup
t1=""
for n in 1 2 3; do
    : >"$tmp/times"
    for rep in $(seq "$reps"); do
        rm -f "$tmp/p.h5"*
        pool_config "$tmp/p.h5" >"$tmp/p.ini"
        if [ "$n" -eq 1 ]; then
            bin/alfe run "$tmp/p.ini" >"$tmp/p.log" 2>&1
        else
            mpirun -n "$n" bin/alfe run "$tmp/p.ini" >"$tmp/p.log" 2>&1
        fi
        sed -n 's/.*pool of 100000 points.* predicted on [0-9]* ranks\{0,1\} in \([0-9.]*\) s.*/\1/p' \
            "$tmp/p.log" | tail -1 >>"$tmp/times"
    done
    t=$(median <"$tmp/times")
    [ -n "$t" ] || { echo "no pool line in the log:"; tail -5 "$tmp/p.log"; exit 1; }
    [ -z "$t1" ] && t1=$t
    printf "%6d %10.2f %10.2f\n" "$n" "$t" "$(awk -v a="$t1" -v b="$t" 'BEGIN { print a / b }')"
done
echo

echo "acquisition share of a round: inputs/lco_mc_quick.ini with 2000 points per round and"
echo "every criterion, pool 1e5, 3 ranks, round 1 (the first with a committee)"
sed -e "s|^output = .*|output = $tmp/m.h5|" -e "s|^rounds = .*|rounds = 2|" \
    -e "s|^points = 100$|points = 2000|" \
    -e "s|^q_file = lco/|q_file = $root/inputs/lco/|" -e "s|^prim = lco/|prim = $root/inputs/lco/|" \
    -e "s|^eci = lco/|eci = $root/inputs/lco/|" \
    -e "s|^invariants = lco/|invariants = $root/inputs/lco/|" inputs/lco_mc_quick.ini >"$tmp/m.ini"
cat >>"$tmp/m.ini" <<EOF
[qbc]
points = 100
[wells]
points = 50
[instability]
points = 50
[lowest_g]
points = 50
[sensitivity]
points = 50
[high_error]
points = 50
EOF
mpirun -n 3 bin/alfe run "$tmp/m.ini" >"$tmp/m.log" 2>&1 || { tail -5 "$tmp/m.log"; exit 1; }
/usr/bin/python3 - "$tmp/m.h5" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
for name in sorted(f["rounds"]):
    a = f["rounds"][name].attrs
    acq, tot = float(a["seconds_acquire"]), float(a["seconds_total"])
    print("round %s: %5d points, acquisition %.2f s of %.1f s = %.1f %%"
          % (int(name), int(a["n_points"]), acq, tot, 100 * acq / tot))
PY
