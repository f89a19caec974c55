# tools/install-deps.sh without root: with packages missing it prints the one
# apt-get command of the set asked for (runtime: no SLURM, munge, cmocka,
# hdf5-tools or clang; test: those too, clang-14 with libclang-rt-14-dev for
# the fuzz targets) and exits 1 without installing anything;
# unknown sets are refused.  dpkg-query is replaced by a stand-in that says
# every package is missing, and the script runs as user nobody.
source "$(dirname "$0")/../lib.sh"

[ "$(id -u)" -eq 0 ] || fail "run as root (the test switches to user nobody)"
mkdir -p "$TEST_TMP/shim"
printf '#!/bin/sh\nexit 1\n' >"$TEST_TMP/shim/dpkg-query"
chmod 755 "$TEST_TMP" "$TEST_TMP/shim" "$TEST_TMP/shim/dpkg-query"
cp tools/install-deps.sh "$TEST_TMP/install-deps.sh" && chmod 755 "$TEST_TMP/install-deps.sh"

as_nobody() { # SET -> output in $TEST_TMP/SET.out, status in $TEST_TMP/SET.rc
    su nobody -s /bin/sh -c "PATH=$TEST_TMP/shim:\$PATH sh $TEST_TMP/install-deps.sh $1" \
        >"$TEST_TMP/$1.out" 2>&1
    echo $? >"$TEST_TMP/$1.rc"
}
for set in runtime test; do
    as_nobody $set
    [ "$(cat "$TEST_TMP/$set.rc")" = 1 ] || fail "$set: exit $(cat "$TEST_TMP/$set.rc"), expected 1"
    [ "$(grep -c 'sudo apt-get install' "$TEST_TMP/$set.out")" = 1 ] ||
        fail "$set: not exactly one install command: $(cat "$TEST_TMP/$set.out")"
    grep -q "install-deps: installing" "$TEST_TMP/$set.out" && fail "$set: tried to install"
done
cmd=$(grep 'sudo apt-get install' "$TEST_TMP/runtime.out")
for p in libhdf5-openmpi-dev libopenblas-dev openmpi-bin python3-h5py; do
    echo "$cmd" | grep -qw -- "$p" || fail "runtime set lacks $p: $cmd"
done
for p in slurmctld slurmd munge libcmocka-dev hdf5-tools clang-14 libclang-rt-14-dev llvm-14; do
    echo "$cmd" | grep -qw -- "$p" && fail "runtime set installs the test-only $p: $cmd"
done
cmd=$(grep 'sudo apt-get install' "$TEST_TMP/test.out")
for p in slurmctld slurmd munge libcmocka-dev hdf5-tools procps libhdf5-openmpi-dev \
    clang-14 libclang-rt-14-dev llvm-14; do
    echo "$cmd" | grep -qw -- "$p" || fail "test set lacks $p: $cmd"
done
as_nobody bogus
[ "$(cat "$TEST_TMP/bogus.rc")" = 2 ] || fail "unknown set: exit $(cat "$TEST_TMP/bogus.rc"), expected 2"
echo ok
