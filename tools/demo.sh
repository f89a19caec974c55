#!/bin/bash
# demo.sh — run the embedded default campaigns with mpirun on the local cores
# and summarise them (called by `make demo`):
#   inputs/oracle_quick.ini   the analytic oracle, 7-D LCO-like space (seconds)
#   inputs/lco_mc_quick.ini   real Monte Carlo on the LCO-like cluster expansion
#   inputs/oracle_al.ini      active learning on the oracle: special points, every
#                             criterion on the committee's pool, re-weighting
# Usage: tools/demo.sh [RANKS]   (default: cores + 1; rank 0 only coordinates
# and sleeps while it waits, so one extra rank keeps every core computing)
set -eu
cd "$(dirname "$0")/.."
ranks=${1:-$(( $(nproc) + 1 ))}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
mkdir -p out

run_demo() { # config output
    local config=$1 output=$2
    if [ -e "$output" ]; then
        echo "demo: removing the previous demo campaign $output"
        rm -f "$output" "$output.log" "$output.bak" "$output.lock"
    fi
    echo "demo: mpirun -n $ranks bin/alfe run $config"
    mpirun -n "$ranks" bin/alfe run "$config"
    echo
    echo "demo: campaign file: $(pwd)/$output   (log: $output.log)"
    echo "demo: bin/alfe info $output"
    bin/alfe info "$output"
    echo
}

run_demo inputs/oracle_quick.ini out/demo.h5
run_demo inputs/lco_mc_quick.ini out/lco_mc.h5
run_demo inputs/oracle_al.ini out/oracle_al.h5

echo "demo: open the files in Python with, e.g.:"
echo "  /usr/bin/python3 -c \"import h5py; f = h5py.File('out/lco_mc.h5', 'r'); print(f['points/mu'].shape)\""
/usr/bin/python3 -c "import h5py; f = h5py.File('out/lco_mc.h5', 'r'); print('  ->', f['points/mu'].shape, 'mu rows x order parameters')"
