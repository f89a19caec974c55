#!/bin/sh
# install-deps.sh — installs the Debian/Ubuntu packages alfe needs to build,
# test and run. Idempotent: when every package is present it returns at once.
# As root it runs apt-get; otherwise it prints the exact command to run.
# Owns: the package list. Must not touch anything outside apt.
set -eu

PACKAGES="build-essential pkg-config openmpi-bin libopenmpi-dev libhdf5-openmpi-dev
hdf5-tools libopenblas-dev liblapacke-dev libgsl-dev libiniparser-dev libcjson-dev
libsymspg-dev libcmocka-dev python3-h5py python3-numpy python3-matplotlib
slurm-wlm slurmctld slurmd slurm-client munge"

# Optional extras (reference fixtures, benchmarks); install with --extras.
EXTRAS="python3-torch hyperfine"

want="$PACKAGES"
if [ "${1:-}" = "--extras" ]; then want="$PACKAGES $EXTRAS"; fi

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
    echo "alfe: missing Debian packages:$missing" >&2
    echo "alfe: install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: done"
