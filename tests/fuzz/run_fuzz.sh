#!/bin/sh
# run_fuzz.sh SECONDS TARGET... — run each libFuzzer target of build/fuzz for
# SECONDS (one after the other, under nice -n 19; FUZZ_BIN: another folder
# of binaries, e.g. a copy that a rebuild does not replace mid-run), growing a working corpus
# in build/fuzz/corpus/TARGET (seeded by tests/fuzz/seeds.sh) and writing
# any crash, leak or timeout input to build/fuzz/artifacts/TARGET/.  The
# log is build/fuzz/logs/TARGET.log; its last lines (libFuzzer's final
# "#N DONE cov: ft: corp:" line and the -print_final_stats figures) are what
# docs/testing.md, "Fuzzing", records.  Exit 1 when a target found anything.
# A finding is minimised with
#   build/fuzz/TARGET -minimize_crash=1 -runs=10000 ARTIFACT
# and, once fixed, kept as tests/fuzz/crashes/TARGET/NAME (replayed by make check).
set -u
cd "$(dirname "$0")/../.."
seconds=$1
shift
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
status=0
for t in "$@"; do
    work=$PWD/build/fuzz/corpus/$t
    art=$PWD/build/fuzz/artifacts/$t
    mkdir -p "$work" "$art" build/fuzz/logs
    seeds=$(mktemp -d /tmp/alfe-seeds.XXXXXX)
    tests/fuzz/seeds.sh "$t" "$seeds"
    # Long runs go on past a finding (-fork=1: one worker process, restarted);
    # FUZZ_FORK=0 stops at the first one (the short runs of make check).
    extra=""
    [ "${FUZZ_FORK:-1}" = 1 ] && extra="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
    # HDF5 and MPI keep allocations alive to exit: leaks there are not ours.
    # Campaign templates are ~160 KB; text inputs stay below 64 KB.
    maxlen=65536
    # A hang: 60 s (a slow but bounded input takes ~15 s under the sanitizers
    # on a loaded machine); an HDF5-internal hang (tests/fuzz/known/) would
    # cost that each time, so 10 s for fuzz_h5.
    timeout=60
    [ "$t" = fuzz_h5 ] && { extra="$extra -detect_leaks=0"; maxlen=262144; timeout=10; }
    log=build/fuzz/logs/$t.log
    echo "run_fuzz: $t for $seconds s (log $log)"
    start=$(date +%s)
    # shellcheck disable=SC2086
    nice -n 19 "${FUZZ_BIN:-$PWD/build/fuzz}/$t" -max_total_time="$seconds" -timeout=$timeout -rss_limit_mb=2560 \
        -max_len=$maxlen -print_final_stats=1 -artifact_prefix="$art/" $extra \
        "$work" "$seeds" >"$log" 2>&1
    rc=$?
    # In fork mode a finding does not change the exit status: count artifacts
    # (slow-unit-* files are inputs slower than 10 s, kept but not findings).
    found=$(ls "$art" | grep -c -E '^(crash|leak|timeout|oom)-')
    [ "$found" = 0 ] || rc=1
    rm -rf "$seeds"
    echo "run_fuzz: $t exit $rc after $(( $(date +%s) - start )) s," \
         "corpus $(ls "$work" | wc -l) files"
    grep -E '^#[0-9]+[[:space:]]+DONE|^#[0-9]+: cov:|^Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss' "$log" |
        tail -n 4 | sed 's/^/    /'
    [ "$rc" = 0 ] || { status=1; grep -E 'ERROR|SUMMARY|artifact' "$log" | head -5 | sed 's/^/    /'; }
done
exit $status
