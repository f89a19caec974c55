#!/bin/bash
# run_tests.sh — every test of `make check`: the cmocka unit tests (built
# with ASan/UBSan) and the integration scripts tests/integration/test_*.sh.
# Usage: tests/run_tests.sh [name-filter]
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OPENBLAS_NUM_THREADS=1
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
filter=${1:-}
passed=0
failed=0
failures=""
start_all=$(date +%s)

run_one() {
    local name=$1
    shift
    local log
    log=$(mktemp /tmp/alfe-testlog.XXXXXX)
    local t0 ms
    t0=$(date +%s%N)
    if "$@" >"$log" 2>&1; then
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        printf "PASS  %-40s %4d.%01d s\n" "$name" $((ms / 1000)) $((ms % 1000 / 100))
        passed=$((passed + 1))
    else
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        printf "FAIL  %-40s %4d.%01d s\n" "$name" $((ms / 1000)) $((ms % 1000 / 100))
        sed 's/^/      | /' "$log" | tail -40
        failed=$((failed + 1))
        failures="$failures $name"
    fi
    rm -f "$log"
}

for t in build/asan/tests/test_*; do
    [ -x "$t" ] || continue
    name=unit/$(basename "$t")
    case "$name" in *"$filter"*) ;; *) continue ;; esac
    run_one "$name" "$t"
done

for t in tests/integration/test_*.sh; do
    [ -f "$t" ] || continue
    name=integration/$(basename "$t" .sh)
    case "$name" in *"$filter"*) ;; *) continue ;; esac
    run_one "$name" bash "$t"
done

echo "----"
echo "$passed passed, $failed failed in $(( $(date +%s) - start_all )) s"
if [ "$failed" -ne 0 ]; then
    echo "failed:$failures"
    exit 1
fi
