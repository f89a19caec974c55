#!/bin/sh
# triage.sh TARGET FILE — replay one input on build/fuzz/TARGET and say where
# it fails: prints "clean", "alfe FRAME" (a report, crash or hang in alfe's
# code or the harness: a bug to fix) or "hdf5 FRAME" (a crash or sanitizer
# report whose innermost frame outside the sanitizer runtime and libc lies
# inside the HDF5 library itself: a crafted file that breaks HDF5 1.10, which
# alfe cannot prevent; kept in tests/fuzz/known/).  Leaks and running out of
# memory always count as alfe's.  A timeout counts as HDF5's only when the
# stack at the alarm is deep inside the library (4 or more HDF5 frames on
# top: e.g. the global-heap cache spinning inside one H5Aread); a loop in
# alfe that calls HDF5 over and over shows 1-2 (an error-stack frame), so
# it counts as alfe's.  A heuristic: look at every timeout by hand too.
# FUZZ_TIMEOUT: seconds before an input counts as a hang (default 30).
# Exit 0 for clean and hdf5, 1 for alfe.
set -u
cd "$(dirname "$0")/../.."
t=$1
f=$2
extra="-max_len=65536"
[ "$t" = fuzz_h5 ] && extra="-detect_leaks=0 -max_len=262144"
[ -f "$f" ] || { echo "triage.sh: no file $f" >&2; exit 2; }
# Stacks must be symbolised to tell the sanitizer runtime's frames (memcpy
# interceptors) from alfe's: ASan looks only for "llvm-symbolizer" in PATH,
# which Debian's llvm-14 installs as llvm-symbolizer-14.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in llvm-symbolizer llvm-symbolizer-14 /usr/lib/llvm-14/bin/llvm-symbolizer; do
        if p=$(command -v "$s" 2>/dev/null); then
            export ASAN_SYMBOLIZER_PATH="$p"
            break
        fi
    done
fi
[ -n "${ASAN_SYMBOLIZER_PATH:-}" ] || {
    echo "triage.sh: no llvm-symbolizer (package llvm-14): cannot classify $f" >&2
    exit 2
}
log=$(mktemp /tmp/alfe-triage.XXXXXX)
# shellcheck disable=SC2086
ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    build/fuzz/"$t" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2560 -artifact_prefix=/tmp/alfe-triage- $extra "$f" \
    >"$log" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    echo clean
    rm -f "$log"
    exit 0
fi
if grep -q -E 'libFuzzer: timeout' "$log"; then
    # Frames after the signal frame of libc (AlarmCallback, libc, then the
    # code that was running).
    top=$(grep -E '^ +#[0-9]+ 0x' "$log" | sed -n '5,8p')
    if [ "$(printf '%s\n' "$top" | grep -c libhdf5)" -ge 4 ]; then
        echo "hdf5 timeout inside HDF5: $(printf '%s\n' "$top" | sed -n 1p | sed 's/^ *//')"
        rm -f "$log"
        exit 0
    fi
fi
if grep -q -E 'libFuzzer: timeout|LeakSanitizer|out-of-memory' "$log"; then
    echo "alfe $(grep -m1 -E 'libFuzzer: timeout|LeakSanitizer|out-of-memory' "$log")"
    rm -f "$log"
    exit 1
fi
# The first stack frame not in the sanitizer/fuzzer runtime or libc.
frame=$(grep -E '^ +#[0-9]+ 0x' "$log" |
    grep -v -E '__interceptor_|__asan|__sanitizer|__ubsan|fuzzer::|libc\.so|sysdeps|/libc-|abort|raise| in (malloc|calloc|realloc|free|posix_memalign) ' |
    head -n 1 | sed 's/^ *//')
rm -f "$log"
case "$frame" in
    *libhdf5*) echo "hdf5 $frame"; exit 0 ;;
    *) echo "alfe $frame"; exit 1 ;;
esac
