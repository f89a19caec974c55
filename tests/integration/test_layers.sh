# The layer rules of docs/architecture.md hold in every #include of src/ and
# include/alfe/ (sources and headers, so a header's own includes count):
#   - arrows point down only: main.c → run → acquire → io → network →
#     lattice → space → base (a file includes its own layer or lower ones);
#   - headers under src/<layer>/ are private to that folder;
#   - <mpi.h> only in src/base/comm.c;
#   - <hdf5.h> (and H5*.h) only in src/io/, include/alfe/io/ and the MPI-IO
#     hook in src/base/comm.c;
#   - <iniparser.h>/<dictionary.h> and <cJSON.h> only in io/ and the CASM
#     reader src/lattice/casm_io.c;
#   - alfe/io/config.h not in space/, lattice/, network/ or acquire/: physics
#     and criteria get typed settings, never the configuration.
# Every violation is printed as file:line: what; the test fails if there is
# any.  It was checked to fail by adding `#include "alfe/io/config.h"` to
# src/lattice/mc.c and `#include <mpi.h>` to src/base/util.c.
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"

"$PYTHON" - <<'EOF' || fail "layer rules broken (violations above; see docs/architecture.md)"
import os, re, sys

ORDER = ["base", "space", "lattice", "network", "io", "acquire", "run", "main"]
RANK = {name: i for i, name in enumerate(ORDER)}
NO_CONFIG = {"space", "lattice", "network", "acquire"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def layer_of(path):
    """Layer of a file under src/ or include/alfe/ (None: not in a layer)."""
    parts = path.split("/")
    if parts[0] == "src" and len(parts) == 2:
        return "main" if parts[1] == "main.c" else None
    if parts[0] == "src" and len(parts) >= 3:
        return parts[1]
    if parts[:2] == ["include", "alfe"] and len(parts) >= 4:
        return parts[2]
    return None


def in_io(path):
    return path.startswith("src/io/") or path.startswith("include/alfe/io/")


files = []
for top in ("src", "include/alfe"):
    for dirpath, _, names in os.walk(top):
        for name in names:
            if name.endswith((".c", ".h")):
                files.append(os.path.join(dirpath, name))
files.sort()

violations = []
for path in files:
    layer = layer_of(path)
    if layer is None or layer not in RANK:
        violations.append(f"{path}:1: not in a layer folder ({', '.join(ORDER[:-1])}) nor src/main.c")
        continue
    with open(path, encoding="utf-8") as f:
        lines = f.readlines()
    for number, line in enumerate(lines, 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        kind, target = m.groups()
        where = f"{path}:{number}"
        if kind == "<":
            base = os.path.basename(target)
            if base == "mpi.h" and path != "src/base/comm.c":
                violations.append(f"{where}: <mpi.h> outside src/base/comm.c (use comm.h)")
            if (base == "hdf5.h" or re.match(r"H5\w*\.h$", base)) and not (
                    in_io(path) or path == "src/base/comm.c"):
                violations.append(f"{where}: <{target}> outside io/ and the MPI-IO hook in "
                                  f"src/base/comm.c")
            if base in ("iniparser.h", "dictionary.h", "cJSON.h") and not (
                    in_io(path) or path == "src/lattice/casm_io.c"):
                violations.append(f"{where}: <{target}> outside io/ and the CASM reader "
                                  f"src/lattice/casm_io.c")
            continue
        # A quoted include: "alfe/<layer>/x.h" from include/, or a private
        # header next to the file (src/<layer>/x.h).
        local = os.path.normpath(os.path.join(os.path.dirname(path), target))
        if os.path.exists(local):
            resolved = local
        elif os.path.exists(os.path.join("include", target)):
            resolved = os.path.join("include", target)
        else:
            violations.append(f"{where}: \"{target}\" found neither next to the file nor "
                              f"under include/")
            continue
        to = layer_of(resolved)
        if to is None or to not in RANK:
            violations.append(f"{where}: \"{target}\" is not in a layer folder")
            continue
        if resolved.startswith("src/") and os.path.dirname(resolved) != os.path.dirname(path):
            violations.append(f"{where}: \"{target}\" is private to {os.path.dirname(resolved)}/")
        if RANK[to] > RANK[layer]:
            violations.append(f"{where}: {layer} includes {to} (\"{target}\"): arrows point "
                              f"down only ({' -> '.join(reversed(ORDER))})")
        if resolved == "include/alfe/io/config.h" and layer in NO_CONFIG:
            violations.append(f"{where}: {layer}/ includes the configuration "
                              f"(alfe/io/config.h); pass typed settings instead")

for v in violations:
    print(v)
print(f"{len(files)} files checked, {len(violations)} violations", file=sys.stderr)
sys.exit(1 if violations else 0)
EOF
