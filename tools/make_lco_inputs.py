#!/usr/bin/python3
"""Write inputs/lco/{prim.json, eci.json, Q.txt}: the embedded LCO-like system.

Li_xCoO2-like O3 lattice (R-3m; rhombohedral prim, hex a = 2.816 Å,
c = 14.054 Å, O at z = 0.2604): Li/Va on one sublattice, Co and O fixed.
ECIs are ILLUSTRATIVE, NOT FITTED (occupation basis, phi(Li) = 1): in-plane
nearest-neighbour repulsion with weaker second-neighbour and interlayer
repulsion, tuned with alfe's own Monte Carlo so that the second star of
stripe orderings (eta4..eta6 = +-1/2, x = 1/2) is the equilibrium state at
300 K and disorders near 400 K (docs/lco-system.md shows how).
Q: the 8 characters (-1)^(a i + b j + c k) / 8 of the 2x2x2 rhombohedral
ordering cell; the 7 used are (000), the star (100),(010),(001) and the star
(011),(101),(110).  Run from the repository root: tools/make_lco_inputs.py
"""
import itertools
import json
import math
import os

A, C, U = 2.816, 14.054, 0.2604
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "inputs", "lco")

ORBITS = [  # (comment, prototype sites [b, i, j, k], mult, eci or None)
    ("empty", [], 1, 0.0),
    ("point", [[1, 0, 0, 0]], 1, -0.20),
    ("pair in-plane NN (2.82 A)", [[1, 0, 0, 0], [1, 1, -1, 0]], 3, 0.380),
    ("pair in-plane 2NN (4.88 A)", [[1, 0, 0, 0], [1, 2, -1, -1]], 3, 0.055),
    ("pair interlayer NN (4.96 A)", [[1, 0, 0, 0], [1, 1, 0, 0]], 3, 0.055),
    ("pair in-plane 3NN (5.63 A), no ECI", [[1, 0, 0, 0], [1, 2, -2, 0]], 3, None),
    ("triplet in-plane NN triangle, no ECI", [[1, 0, 0, 0], [1, 1, -1, 0], [1, 1, 0, -1]], 2, None),
]


def prim():
    r3 = math.sqrt(3.0)
    vectors = [[A / 2, A * r3 / 6, C / 3], [-A / 2, A * r3 / 6, C / 3], [0.0, -A * r3 / 3, C / 3]]
    return {
        "title": "LCO-like O3 Li/Va lattice (R-3m LiCoO2, rhombohedral prim); written by alfe",
        "lattice_vectors": [[round(x, 10) for x in v] for v in vectors],
        "coordinate_mode": "Fractional",
        "basis": [
            {"coordinate": [0.0, 0.0, 0.0], "occupants": ["Co"]},
            {"coordinate": [0.5, 0.5, 0.5], "occupants": ["Va", "Li"]},
            {"coordinate": [U, U, U], "occupants": ["O"]},
            {"coordinate": [-U, -U, -U], "occupants": ["O"]},
        ],
    }


def eci():
    out = {
        "comment": "alfe inputs/lco: ECIs are illustrative, not fitted (LCO-like Li/Va lattice); "
                   "CASM v1 basis/ECI format, occupation site basis phi(Li) = 1, phi(Va) = 0; "
                   "written by tools/make_lco_inputs.py",
        "bspecs": {"basis_function_specs": {"dof_specs": {"occ": {"site_basis_functions": "OCCUPATION"}}}},
        "site_functions": [
            {"sublat": 0, "asym_unit": 0, "occ": {"basis": None}},
            {"sublat": 1, "asym_unit": 1, "occ": {"basis": {"\\phi_{1,0}": {"Li": 1.0, "Va": 0.0}}}},
            {"sublat": 2, "asym_unit": 2, "occ": {"basis": None}},
            {"sublat": 3, "asym_unit": 2, "occ": {"basis": None}},
        ],
        "orbits": [],
    }
    for n, (name, sites, mult, value) in enumerate(ORBITS):
        text = "".join("\\phi_{1,0}(s_{%d})" % k for k in range(len(sites))) or "1"
        function = {"\\Phi_{%d}" % n: text, "linear_function_index": n}
        if value is not None:
            function["eci"] = value
        out["orbits"].append({"comment": name, "linear_orbit_index": n, "mult": mult,
                              "cluster_functions": [function], "prototype": {"sites": sites}})
    return out


def q_text():
    sites = list(itertools.product((0, 1), repeat=3))
    modes = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 0)]
    lines = ["# Q for the LCO-like O3 Li/Va lattice: 2x2x2 ordering cell of the rhombohedral prim,",
             "# M = 8 sublattices s = 4i+2j+k for (i,j,k) in {0,1}^3; rows = characters",
             "# (-1)^(a i + b j + c k) / 8 for (a,b,c) = (000) composition, (100),(010),(001) [star 1],",
             "# (011),(101),(110) [star 2].  The eighth character (111) is left out (d = 7).",
             "# eta = Q x with x the Li fraction of each sublattice; see docs/order-parameters.md.",
             "# Written by tools/make_lco_inputs.py."]
    for a, b, c in modes:
        lines.append(" ".join("%.6f" % ((-1) ** (a * i + b * j + c * k) / 8) for (i, j, k) in sites))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    with open(os.path.join(OUT, "prim.json"), "w") as f:
        json.dump(prim(), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "eci.json"), "w") as f:
        json.dump(eci(), f, indent=2)
        f.write("\n")
    with open(os.path.join(OUT, "Q.txt"), "w") as f:
        f.write(q_text())
    print("wrote", os.path.normpath(OUT))
