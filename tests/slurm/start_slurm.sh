#!/bin/bash
# start_slurm.sh DIR — start the test cluster of tests/slurm/slurm.sh by hand
# and leave it running: prints the SLURM_CONF to export.  Stop it with
# tests/slurm/stop_slurm.sh DIR.
set -u
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
source "$(dirname "$0")/slurm.sh"
slurm_start "$1" || exit 1
trap - EXIT INT TERM
echo "export SLURM_CONF=$SLURM_CONF"
