# Inputs pinned by content (docs/restart.md): a campaign stores the SHA-256 of
# its input files in /system/inputs; a resume compares the files' contents,
# not their path strings:
#  - ./invariants.txt for invariants.txt, or a copy elsewhere with equal
#    contents, is accepted;
#  - an edited invariants file, a replaced oracle network file, or an
#    invariants file added to / dropped from a campaign is refused (exit 2,
#    one message naming the key and the file), and the campaign file keeps
#    its bytes (sha256sum) with no sidecar left;
#  - a campaign from before the pins (no /system/inputs) keeps the old
#    behaviour: a note, the path strings compared.
source "$(dirname "$0")/../lib.sh"

D=$TEST_TMP/pin
mkdir -p "$D/elsewhere"
cd "$D" || fail "cd $D"
cp "$ROOT/inputs/lco/invariants.txt" invariants.txt
net=("network.layers = 1" "network.width = 8" "network.committee = 2" "training.epochs = 5"
     "global.points = 20")

# refused NAME CONFIG CAMPAIGN FRAGMENT...: exit 2, one error line with every
# fragment, the campaign unchanged and no sidecar left.
refused() {
    local name=$1 cfg=$2 h5=$3
    shift 3
    local before after rc
    before=$(sha256sum < "$h5")
    "$ALFE" run "$cfg" > "$D/$name.out" 2> "$D/$name.err"
    rc=$?
    [ "$rc" -eq 2 ] || fail "$name: exit $rc, expected 2: $(cat "$D/$name.err")"
    [ "$(wc -l < "$D/$name.err")" -eq 1 ] && grep -q '^alfe: error: ' "$D/$name.err" ||
        fail "$name: stderr is not one 'alfe: error:' line: $(cat "$D/$name.err")"
    for fragment in "$@"; do
        grep -qF -- "$fragment" "$D/$name.err" || fail "$name: stderr lacks '$fragment': $(cat "$D/$name.err")"
    done
    after=$(sha256sum < "$h5")
    [ "$before" = "$after" ] || fail "$name: $h5 changed"
    for sidecar in .bak .bak.tmp .partial; do
        [ -e "$h5$sidecar" ] && fail "$name: $h5$sidecar was left"
    done
    echo "ok  $name: $(cat "$D/$name.err")"
}
accepted() {
    local name=$1 cfg=$2
    "$ALFE" run "$cfg" > "$D/$name.out" 2>&1 || fail "$name: refused: $(tail -3 "$D/$name.out")"
    echo "ok  $name: accepted"
}

# --- The pins are written: the hashes of the files, the paths as given.
write_config c1.ini inv.h5 "network.invariants = invariants.txt" "campaign.rounds = 1" "${net[@]}"
accepted create c1.ini
"$PYTHON" - inv.h5 invariants.txt "$ROOT/inputs/lco/Q.txt" <<'PY' || fail "/system/inputs"
import hashlib, sys, h5py
f = h5py.File(sys.argv[1], "r")
a = f["system/inputs"].attrs
s = lambda v: v.decode() if isinstance(v, bytes) else str(v)
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
assert s(a["network.invariants"]) == sha(sys.argv[2]), a["network.invariants"]
assert s(a["network.invariants.path"]) == "invariants.txt"
assert s(a["system.q_file"]) == sha(sys.argv[3])
assert s(a["oracle.network"]) == "" and s(a["system.prim"]) == "" and s(a["system.eci"]) == ""
PY

# --- Equal contents under another spelling or another path: accepted.
write_config c2.ini inv.h5 "network.invariants = ./invariants.txt" "campaign.rounds = 2" "${net[@]}"
accepted dot_slash c2.ini
cp invariants.txt elsewhere/copy.txt
write_config c3.ini inv.h5 "network.invariants = elsewhere/copy.txt" "campaign.rounds = 3" "${net[@]}"
accepted copy_elsewhere c3.ini

# --- An edited invariants file: refused, the key and the file named.
# the same number of formulas, one changed: nothing but the pin can tell
sed -i '$ s/$/ + e0/' invariants.txt
write_config c4.ini inv.h5 "network.invariants = invariants.txt" "campaign.rounds = 4" "${net[@]}"
refused edited_invariants c4.ini inv.h5 "[network] invariants = invariants.txt" \
    "the file ./invariants.txt changed since the campaign inv.h5 was created" "/system/inputs"
# Dropped: no invariants now, the campaign had them.
write_config c5.ini inv.h5 "campaign.rounds = 4" "${net[@]}"
refused dropped_invariants c5.ini inv.h5 "[network] invariants is unset" "invariants.txt"
# Added: a campaign created without invariants.
write_config n1.ini noinv.h5 "campaign.rounds = 1" "global.points = 20"
accepted create_without_network n1.ini
write_config n2.ini noinv.h5 "campaign.rounds = 2" "network.invariants = invariants.txt" "${net[@]}"
refused added_invariants n2.ini noinv.h5 "[network] invariants = invariants.txt" \
    "was created without this file"

# --- The oracle network file replaced by another model (a campaign's models
# serve as a model file, model_io.h).
cp "$ROOT/inputs/lco/invariants.txt" invariants.txt
write_config m1.ini model1.h5 "network.invariants = invariants.txt" "campaign.rounds = 1" "${net[@]}"
write_config m2.ini model2.h5 "network.invariants = invariants.txt" "campaign.rounds = 1" \
    "campaign.seed = 8" "${net[@]}"
accepted model1 m1.ini
accepted model2 m2.ini
cp model1.h5 oracle_net.h5
write_config o1.ini orc.h5 "oracle.network = oracle_net.h5" "oracle.noise = 0" "campaign.rounds = 1" \
    "global.points = 20"
accepted oracle_create o1.ini
write_config o2.ini orc.h5 "oracle.network = ./oracle_net.h5" "oracle.noise = 0" "campaign.rounds = 2" \
    "global.points = 20"
accepted oracle_dot_slash o2.ini
cp model2.h5 oracle_net.h5
write_config o3.ini orc.h5 "oracle.network = oracle_net.h5" "oracle.noise = 0" "campaign.rounds = 3" \
    "global.points = 20"
refused replaced_oracle_network o3.ini orc.h5 "[oracle] network = oracle_net.h5" \
    "the file ./oracle_net.h5 changed since the campaign orc.h5 was created"
cp model1.h5 oracle_net.h5
accepted oracle_restored o3.ini

# --- A campaign from before the pins: a note, then the path strings decide.
cp "$ROOT/inputs/lco/invariants.txt" invariants.txt
write_config p1.ini old.h5 "network.invariants = invariants.txt" "campaign.rounds = 1" "${net[@]}"
accepted old_create p1.ini
"$PYTHON" -c "import h5py, sys; del h5py.File(sys.argv[1], 'r+')['system/inputs']" old.h5 ||
    fail "cannot drop /system/inputs"
write_config p2.ini old.h5 "network.invariants = invariants.txt" "campaign.rounds = 2" "${net[@]}"
accepted old_same_path p2.ini
grep -q "note: old.h5 has no /system/inputs" "$D/old_same_path.out" ||
    fail "no note for a campaign without pins: $(cat "$D/old_same_path.out")"
write_config p3.ini old.h5 "network.invariants = ./invariants.txt" "campaign.rounds = 3" "${net[@]}"
refused old_other_path p3.ini old.h5 "[network] invariants = ./invariants.txt differs from the campaign's"
echo "ok: inputs pinned by content"
