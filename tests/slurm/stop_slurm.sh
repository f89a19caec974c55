#!/bin/bash
# stop_slurm.sh DIR — stop a cluster started with tests/slurm/start_slurm.sh
# DIR: cancels its jobs, stops its daemons by the PIDs in their pid files.
set -u
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
source "$(dirname "$0")/slurm.sh"
[ -f "$1/slurm.conf" ] || { echo "$0: no $1/slurm.conf" >&2; exit 1; }
# shellcheck disable=SC2034 # read by slurm_stop
SLURM_DIR=$(cd "$1" && pwd)
slurm_stop
