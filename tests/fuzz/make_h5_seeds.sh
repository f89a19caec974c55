#!/bin/bash
# make_h5_seeds.sh DIR — templates for fuzz_h5: real small files written by
# bin/alfe, copied into DIR:
#   campaign_oracle.h5  2 rounds of the analytic oracle, no network
#   campaign_models.h5  2 rounds with a committee of 2 tiny networks (/models)
#   model.h5            that committee as a standalone alfe-model file
# The campaigns are repacked with chunks of 8 rows (h5repack).
# They are made once into build/fuzz/h5_templates/ (remove it to remake) and
# need bin/alfe and build/fuzz/fuzz_h5 (make all fuzz-build).
set -eu
cd "$(dirname "$0")/../.."
dest=$1
tpl=build/fuzz/h5_templates
if [ ! -f "$tpl/model.h5" ]; then
    rm -rf "$tpl"
    mkdir -p "$tpl"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
    common="[system]
model = oracle
dimension = 7
q_file = $PWD/inputs/lco/Q.txt
temperature = 300
[oracle]
noise = 0.0005
[umbrella]
phi = 50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05
[global]
points = 8
method = billiard"
    printf '[campaign]\noutput = %s\nseed = 7\nrounds = 2\n%s\n' \
        "$tpl/campaign_oracle.h5" "$common" >"$tpl/oracle.ini"
    printf '[campaign]\noutput = %s\nseed = 7\nrounds = 2\n%s\n[network]\ninvariants = %s\nlayers = 1\nwidth = 3\ncommittee = 2\n[training]\nepochs = 3\nbatch_size = 8\n' \
        "$tpl/campaign_models.h5" "$common" "$PWD/inputs/lco/invariants.txt" >"$tpl/models.ini"
    for c in oracle models; do
        mpirun --allow-run-as-root --oversubscribe -n 2 bin/alfe run "$tpl/$c.ini" \
            >"$tpl/$c.log" 2>&1 || { cat "$tpl/$c.log" >&2; exit 1; }
    done
    ALFE_FUZZ_WRITE_MODEL="$tpl/campaign_models.h5:$tpl/model.h5" build/fuzz/fuzz_h5
    # Chunks of 8 rows instead of 256 (h5repack): 160 KB instead of 550 KB
    # per campaign, so more of the mutations land in metadata.
    for c in oracle models; do
        /usr/bin/python3 - "$tpl/campaign_$c.h5" "$tpl/small_$c.h5" <<'PY'
import subprocess, sys
import h5py
args = []
with h5py.File(sys.argv[1], "r") as f:
    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.chunks:
            chunk = "x".join(["8"] + [str(n) for n in obj.shape[1:]])
            args.extend(["-l", "%s:CHUNK=%s" % (name, chunk)])
    f.visititems(visit)
subprocess.check_call(["h5repack"] + args + [sys.argv[1], sys.argv[2]])
PY
        mv "$tpl/small_$c.h5" "$tpl/campaign_$c.h5"
    done
fi
mkdir -p "$dest"
cp "$tpl"/*.h5 "$dest"/
