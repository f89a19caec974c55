# Builds off Debian: with pkg-config hidden (PKG_CONFIG=false), a build whose
# every library is given by the Makefile's variables — as on a cluster with
# `module load` or Spack — works and gives the same campaign as bin/alfe; with
# a library neither given nor found, make names the variables to set.
source "$(dirname "$0")/../lib.sh"

pc() { pkg-config "$@" || fail "pkg-config $*"; }
B=$TEST_TMP/build
vars=(PKG_CONFIG=false BUILDDIR="$B/obj" BINDIR="$B/bin"
      HDF5_CFLAGS="$(pc --cflags hdf5-openmpi)" HDF5_LIBS="$(pc --libs hdf5-openmpi)"
      MPI_CFLAGS="$(pc --cflags ompi-c)" MPI_LIBS="$(pc --libs ompi-c)"
      BLAS_CFLAGS="$(pc --cflags openblas)" BLAS_LIBS="$(pc --libs openblas)"
      LAPACKE_CFLAGS="$(pc --cflags lapacke)" LAPACKE_LIBS="$(pc --libs lapacke)"
      GSL_CFLAGS="$(pc --cflags gsl)" GSL_LIBS="-lgsl"
      SPGLIB_CFLAGS="$(pc --cflags spglib)" SPGLIB_LIBS="$(pc --libs spglib)"
      CJSON_CFLAGS="$(pc --cflags libcjson)" CJSON_LIBS="$(pc --libs libcjson)"
      INIPARSER_CFLAGS="-I/usr/include/iniparser" INIPARSER_LIBS="-liniparser")

# A missing library is named, with the variables to set, and nothing is built.
if make -C "$ROOT" --no-print-directory PKG_CONFIG=false BUILDDIR="$B/none" BINDIR="$B/none" \
        all > "$TEST_TMP/missing.log" 2>&1; then
    fail "a build with pkg-config hidden and no variables succeeded"
fi
grep -q "library HDF5 not found by false: set HDF5_CFLAGS and HDF5_LIBS" "$TEST_TMP/missing.log" ||
    fail "no message naming HDF5_CFLAGS: $(tail -5 "$TEST_TMP/missing.log")"
[ ! -e "$B/none/alfe" ] || fail "a binary was linked without libraries"

# Every library by variable: builds, and nothing was asked of pkg-config (it
# is 'false'; a build depending on it would lack include paths and fail).
nice make -C "$ROOT" --no-print-directory -j2 "${vars[@]}" all > "$TEST_TMP/build.log" 2>&1 ||
    fail "build with variables: $(grep -m5 -i error "$TEST_TMP/build.log")"
[ -x "$B/bin/alfe" ] || fail "no binary in BINDIR"
"$B/bin/alfe" version > /dev/null || fail "the variable-built binary does not run"

# Same data as the default build on a small campaign.
for who in default vars; do
    bin=$ALFE
    [ $who = vars ] && bin=$B/bin/alfe
    write_config "$TEST_TMP/$who.ini" "$TEST_TMP/$who.h5" "campaign.rounds = 2" "global.points = 40"
    $MPIRUN -n 2 "$bin" run "$TEST_TMP/$who.ini" > "$TEST_TMP/$who.log" 2>&1 ||
        fail "$who build: $(tail -5 "$TEST_TMP/$who.log")"
done
compare_campaigns "$TEST_TMP/default.h5" "$TEST_TMP/vars.h5" || fail "variable build differs"
echo "ok"
