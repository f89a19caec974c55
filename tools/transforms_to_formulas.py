#!/usr/bin/python3
"""transforms_to_formulas.py — turn a transforms.json of numpy expressions
(the published LCO workflow's invariants: [name, "numpy of x[:,j]"] pairs)
into an alfe formula file (docs/invariants.md): x[:,j] -> ej,
np.sqrt(n) -> sqrt(n), ** -> ^.  One formula per line, the name as a
trailing '# name' comment.

  transforms_to_formulas.py TRANSFORMS.json OUT.txt
  transforms_to_formulas.py TRANSFORMS.json OUT.txt --reference N SEED VALUES.txt

With --reference it also evaluates the *original* numpy expressions at N
random points (η0 uniform in [0, 1], the others in [-0.5, 0.5], numpy's
default_rng(SEED)) and writes VALUES.txt: a line "N d m", then one line per
point with d coordinates and m values (%.17g), so that a test can compare
alfe's polynomials with numpy.

Owns: nothing but its output files.  Debian's python3 and numpy only.
"""
import json
import re
import sys

# The only constructs the translation knows; anything else left over is an
# error (better than a formula that silently means something else).
VARIABLE = re.compile(r"x\[\s*:\s*,\s*(\d+)\s*\]")
SQRT = re.compile(r"np\.sqrt\(")


def translate(expr):
    out = VARIABLE.sub(lambda m: "e" + m.group(1), expr)
    out = SQRT.sub("sqrt(", out)
    out = out.replace("**", "^")
    rest = re.sub(r"(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", "0", out)  # numbers
    rest = re.sub(r"\bsqrt\(|\be\d+\b", "(", rest)                # sqrt, variables
    leftover = re.search(r"[A-Za-z_\[\].,]+", rest)
    if leftover:
        raise ValueError("cannot translate %r (left over: %r)" % (expr, leftover.group(0)))
    return out


def variables_used(expr):
    return [int(j) for j in VARIABLE.findall(expr)]


def main(argv):
    if len(argv) not in (3, 7) or (len(argv) == 7 and argv[3] != "--reference"):
        sys.stderr.write(__doc__)
        return 2
    src, dst = argv[1], argv[2]
    with open(src) as f:
        pairs = json.load(f)
    if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p)
            for p in pairs):
        sys.stderr.write("%s: expected a list of [name, expression] pairs\n" % src)
        return 2
    try:
        formulas = [translate(expr) for _, expr in pairs]
    except ValueError as e:
        sys.stderr.write("%s: %s\n" % (src, e))
        return 2
    d = 1 + max(max(variables_used(expr), default=0) for _, expr in pairs)
    with open(dst, "w") as f:
        f.write("# alfe invariant formulas (docs/invariants.md), d = %d\n" % d)
        f.write("# translated by tools/transforms_to_formulas.py from %s\n" % src)
        for (name, _), formula in zip(pairs, formulas):
            f.write("%s  # %s\n" % (formula, name))
    if len(argv) == 7:
        import numpy as np
        n, seed, values_path = int(argv[4]), int(argv[5]), argv[6]
        rng = np.random.default_rng(seed)
        x = rng.uniform(-0.5, 0.5, size=(n, d))
        x[:, 0] = rng.uniform(0.0, 1.0, size=n)
        # The reference data's own expressions, evaluated as the published
        # workflow evaluates them.
        h = np.column_stack([eval(expr, {"np": np, "x": x}) * np.ones(n) for _, expr in pairs])
        with open(values_path, "w") as f:
            f.write("%d %d %d\n" % (n, d, len(pairs)))
            for i in range(n):
                f.write(" ".join("%.17g" % v for v in list(x[i]) + list(h[i])) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
