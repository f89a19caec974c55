#!/bin/sh
# install-deps.sh — installs the Debian/Ubuntu packages alfe needs, in two
# sets, so that running alfe never pulls in what only its tests need:
#
#   runtime   build and run alfe and its Python tools (`make`, `make demo`):
#             compiler, MPI, parallel HDF5, OpenBLAS/LAPACKE, GSL, iniparser,
#             cJSON, spglib, python3-h5py/numpy/matplotlib.  No daemons.
#   test      runtime + what the tests call (`make check`): cmocka,
#             hdf5-tools, a private SLURM (slurmctld, slurmd, munge; the tests
#             start and stop their own daemons on loopback), procps (ps),
#             clang-14 with its sanitizer and libFuzzer runtimes
#             (libclang-rt-14-dev; the fuzz targets of tests/fuzz/), and the
#             few programs a minimal system lacks.
#   extras    test + optional tools for reference fixtures and benchmarks
#             (python3-torch, hyperfine).
#
# Usage: tools/install-deps.sh [runtime|test|extras]   (default: runtime)
# Idempotent: when every package of the set is present it returns at once.
# As root it runs apt-get; otherwise it prints the one command to run and
# exits 1.  Owns: the package lists.  Must not touch anything outside apt.
set -eu

RUNTIME="build-essential pkg-config openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
libopenblas-dev liblapacke-dev libgsl-dev libiniparser-dev libcjson-dev libsymspg-dev
python3-h5py python3-numpy python3-matplotlib"

# Every program a test calls that a minimal Debian (gcc, make, git) lacks:
# ps (procps), mawk is essential already; python3 comes with the runtime set.
# clang-14 + libclang-rt-14-dev: -fsanitize=fuzzer,address,undefined (tests/fuzz/);
# llvm-14 for llvm-symbolizer-14 (clang-14 does not pull it in): without it
# sanitizer stacks are not symbolised and tests/fuzz/triage.sh cannot tell a
# frame of the sanitizer runtime from alfe's.
TEST="libcmocka-dev hdf5-tools procps slurm-wlm slurmctld slurmd slurm-client munge
clang-14 libclang-rt-14-dev llvm-14"

EXTRAS="python3-torch hyperfine"

set_name=${1:-runtime}
case "$set_name" in
    runtime) want="$RUNTIME" ;;
    test) want="$RUNTIME $TEST" ;;
    extras | --extras) want="$RUNTIME $TEST $EXTRAS" ;;
    -h | --help)
        sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "install-deps: unknown set '$set_name' (runtime, test or extras)" >&2
        exit 2
        ;;
esac

missing=""
for p in $want; do
    # dpkg-query prints "install ok installed" only for fully installed packages.
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $p" ;;
    esac
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "alfe: missing Debian packages ($set_name set):$missing" >&2
    echo "alfe: install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
    echo "alfe: (on a cluster without root: load MPI, parallel HDF5 and OpenBLAS as" >&2
    echo "alfe:  modules and build with 'make' and the variables of README.md," >&2
    echo "alfe:  'Building on a cluster')" >&2
    exit 1
fi

echo "install-deps: installing ($set_name set)$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
