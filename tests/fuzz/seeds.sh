#!/bin/sh
# seeds.sh TARGET DIR — fill DIR with the seed corpus of a fuzz target: the
# small files checked in under tests/fuzz/corpus/TARGET/ plus the
# repository's own inputs of that kind (copied at run time, not checked in
# twice).  fuzz_h5's templates are written by tests/fuzz/make_h5_seeds.sh.
set -eu
cd "$(dirname "$0")/../.."
target=$1
dir=$2
mkdir -p "$dir"
cp tests/fuzz/corpus/"$target"/* "$dir"/ 2>/dev/null || true
case "$target" in
    fuzz_ini)
        for f in inputs/*.ini tests/bad_input/*.ini; do cp "$f" "$dir/$(basename "$f")"; done ;;
    fuzz_casm)
        cp inputs/lco/prim.json "$dir/lco_prim.json"
        cp inputs/lco/eci.json "$dir/lco_eci.json"
        cp inputs/zro/prim.json "$dir/zro_prim.json"
        cp inputs/zro/formation_energy_eci.json "$dir/zro_eci.json" ;;
    fuzz_formula)
        cp inputs/lco/invariants.txt "$dir/lco_invariants.txt"
        n=0
        grep -v '^#' inputs/lco/invariants.txt | while IFS= read -r line; do
            n=$((n + 1))
            printf '%s\n' "$line" >"$dir/lco_line$n.txt"
        done ;;
    fuzz_table)
        cp inputs/lco/Q.txt "$dir/lco_Q.txt"
        cp inputs/zro/Q.txt "$dir/zro_Q.txt"
        cp inputs/lco/special_points.txt "$dir/lco_special.txt"
        for f in tests/bad_input/q_*.txt; do cp "$f" "$dir/bad_$(basename "$f")"; done ;;
    fuzz_h5)
        tests/fuzz/make_h5_seeds.sh "$dir" ;;
    *) echo "seeds.sh: unknown target $target" >&2; exit 2 ;;
esac
