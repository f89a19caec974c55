#!/usr/bin/python3
"""run_paper.py — the published workflow's experiment as a benchmark
(`make paper`, `make paper QUICK=1`; docs/results.md).

The oracle is the published surrogate model_14 (../shared/anchor-lco, read at
run time, never copied) imported with `alfe import-keras`, with Gaussian noise
on mu of the size alfe's own Monte Carlo reports on inputs/lco.  Every
configuration of bench/paper/configurations.txt runs with the same seeds and
the same points per round:

  round 0          P space-filling (billiard) points, the same design for all;
  rounds 1..R-1    global-only: P billiard points;
                   the others: P/2 billiard points + P/2 shared equally by
                   their active-learning criteria.

After each campaign the committee of every round is scored (alfe predict)
on the real CASM test set (testing_set.txt, 1,283 rows: its measured mu),
on the oracle's own mu at the same eta, and on the regions of
OUT/regions (made once from the oracle by alfe regions: ends, wells, lowest-g path,
non-convex, global).  Results: OUT/results.json, OUT/results.md (tables),
OUT/*.png (learning curves); analyse.py makes the tables and figures.

Usage: bench/paper/run_paper.py [--quick] [--out DIR] [--ranks N]
                                [--only NAME[,NAME]] [--seeds N]
Environment: ALFE_ANCHOR = directory of the anchor data (default
../shared/anchor-lco next to the repository).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.join(ROOT, "bench", "paper")
ALFE = os.path.join(ROOT, "bin", "alfe")
PY = "/usr/bin/python3"

# Sizes.  FULL is what docs/results.md reports; QUICK checks the pipeline in
# a few minutes.  Chosen so the whole FULL benchmark (7 configurations x 3
# seeds) stays within 3 hours on 2 cores (measured: docs/results.md).
FULL = dict(points=500, rounds=8, seeds=3, layers=2, width=24, committee=4,
            epochs=80, lr=0.003, pool=12000, pool2d=1500)
QUICK = dict(points=300, rounds=4, seeds=1, layers=2, width=24, committee=3,
             epochs=40, lr=0.003, pool=4000, pool2d=500)

# Monte-Carlo-like noise on each mu_j (eV per prim cell): the median
# mu_stderr of alfe's own Monte Carlo on inputs/lco (300 K, phi = 50,
# 0.05 x 6; docs/results.md says how it was measured).
NOISE = [2.5e-3, 1.0e-4, 1.0e-4, 1.0e-4, 1.3e-4, 1.3e-4, 1.3e-4]

PUBLIC = ("The anchor data are files of tests/LCO_zigzag in the public "
          "repository mechanoChem/active-learning on GitHub (Holber & "
          "Garikipati 2025): model_14.weights.h5, Q.txt, transforms.json, "
          "testing_set.txt, external_zigzag.txt.  Put them in a directory "
          "shared/anchor-lco next to the alfe clone, or point ALFE_ANCHOR at "
          "them.")


def log(msg):
    print("paper: " + msg, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, **kw)
    if r.returncode != 0:
        sys.exit("paper: failed (exit %d): %s" % (r.returncode, " ".join(cmd)))
    return r


def mpi_env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", OPENBLAS_NUM_THREADS="1")
    return env


def read_configurations():
    confs = []
    with open(os.path.join(HERE, "configurations.txt")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            name, *items = line.split()
            items = [] if items == ["-"] else items
            confs.append((name, items))
    return confs


def n_criteria(items):
    """Criteria sharing the active-learning half: every *.points item."""
    return sum(1 for it in items if it.split("=")[0].endswith(".points"))


def apply_overrides(text, overrides):
    """Set section.key = value in INI text: replace the key in its section,
    or add it under the section header, or append the section."""
    lines = text.splitlines()
    for sk, value in overrides:
        section, key = sk.split(".", 1)
        start = None
        for i, l in enumerate(lines):
            if l.strip().lower() == "[%s]" % section:
                start = i
                break
        if start is None:
            lines += ["", "[%s]" % section, "%s = %s" % (key, value)]
            continue
        end = len(lines)
        for i in range(start + 1, len(lines)):
            if lines[i].strip().startswith("["):
                end = i
                break
        for i in range(start + 1, end):
            if lines[i].split("=")[0].strip().lower() == key:
                lines[i] = "%s = %s" % (key, value)
                break
        else:
            lines.insert(start + 1, "%s = %s" % (key, value))
    return "\n".join(lines) + "\n"


def write_config(path, fields, overrides):
    with open(os.path.join(HERE, "base.ini")) as f:
        text = f.read()
    for k, v in fields.items():
        text = text.replace("@%s@" % k, str(v))
    text = apply_overrides(text, overrides)
    if "@" in text.replace("@ ", ""):
        for l in text.splitlines():
            if "@" in l and not l.lstrip().startswith(";"):
                sys.exit("paper: unfilled field in %s: %s" % (path, l))
    with open(path, "w") as f:
        f.write(text)


def prepare(anchor, out):
    """Invariants from transforms.json, the imported surrogate, and the
    reference files: CASM test set eta/mu, the oracle's mu at those eta."""
    inv = os.path.join(out, "anchor_invariants.txt")
    model = os.path.join(out, "model14.h5")
    if not os.path.exists(model):
        run([PY, os.path.join(ROOT, "tools", "transforms_to_formulas.py"),
             os.path.join(anchor, "transforms.json"), inv])
        run([ALFE, "import-keras", os.path.join(anchor, "model_14.weights.h5"),
             "--invariants", inv, "--scale", "100", "-o", model, "--force"],
            stdout=subprocess.DEVNULL)
    # The oracle's own mu at the CASM test set's eta (a region "oracle_test").
    oracle_test = os.path.join(out, "oracle_test.txt")
    if not os.path.exists(oracle_test):
        eta = os.path.join(out, "casm_eta.txt")
        with open(os.path.join(anchor, "testing_set.txt")) as f, open(eta, "w") as g:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    g.write(" ".join(line.split()[7:14]) + "\n")
        pred = run([ALFE, "predict", model, "--points", eta], stdout=subprocess.PIPE,
                   text=True).stdout.splitlines()
        with open(eta) as f, open(oracle_test, "w") as g:
            g.write("# eta_0..eta_6 mu_0..mu_6: the oracle (model_14) at the CASM test set's eta\n")
            for e, p in zip(f, [l for l in pred if not l.startswith("#")]):
                g.write(e.strip() + " " + " ".join(p.split()[2:9]) + "\n")
    return inv, model


def template_fields(size, anchor, inv, model, output, seed, name, noise=None):
    """The @FIELD@ values of base.ini shared by the campaigns and the regions."""
    return dict(OUT=output, SEED=seed, NAME=name, ANCHOR=anchor, MODEL=model,
                NOISE=noise if noise is not None else ", ".join("%g" % n for n in NOISE),
                INVARIANTS=inv, LAYERS=size["layers"], WIDTH=size["width"],
                COMMITTEE=size["committee"], LR=size["lr"], EPOCHS=size["epochs"],
                POOL=size["pool"], POOL2D=size["pool2d"])


REGIONS = "ends, wells, lowest_g_path, nonconvex, global"


def make_regions(size, anchor, inv, model, out):
    """The regions of the oracle's truth (alfe regions: ends, wells around the
    published special points, lowest-g path, non-convex, global; 500 points
    each, seed 1), written once to OUT/regions/NAME.txt and scored after the
    fact by analyse.py on every campaign and round."""
    d = os.path.join(out, "regions")
    if os.path.isdir(d) and len([f for f in os.listdir(d) if f.endswith(".txt")]) >= 5:
        return
    ini = os.path.join(out, "regions.ini")
    fields = template_fields(size, anchor, inv, model, os.path.join(out, "regions_unused.h5"),
                             1, "regions", noise="0")
    fields.update(ROUNDS=1, G=size["points"])
    write_config(ini, fields, [("special.file", os.path.join(anchor, "external_zigzag.txt")),
                               ("metrics.auto_regions", REGIONS),
                               ("metrics.region_points", "500")])
    run([ALFE, "regions", ini, "-o", d, "--force"])


def campaign(name, items, seed, size, anchor, inv, model, out, ranks):
    h5 = os.path.join(out, "%s_s%d.h5" % (name, seed))
    done_marker = h5 + ".done"
    if os.path.exists(done_marker):
        log("%s seed %d: done before, kept (%s)" % (name, seed, h5))
        return h5
    for suffix in ("", ".bak", ".lock", ".log"):
        if os.path.exists(h5 + suffix):
            os.remove(h5 + suffix)
    P = size["points"]
    nc = n_criteria(items)
    G = P if nc == 0 else P // 2
    C = 0 if nc == 0 else (P - G) // nc
    fields = template_fields(size, anchor, inv, model, h5, seed, name)
    special = os.path.join(anchor, "external_zigzag.txt")
    overrides = []
    for it in items:
        k, v = it.split("=", 1)
        v = (v.replace("@C@", str(C)).replace("@SPECIAL@", special)
             .replace("@SPECIAL_COPIES@", str(max(1, C // 26)))
             .replace("@LGCOPIES@", str(max(1, C // 50))))
        overrides.append((k, v))
    ini = os.path.join(out, "%s_s%d.ini" % (name, seed))
    env = mpi_env()
    t0 = time.time()
    # Round 0: the same P-point space-filling design for every configuration.
    write_config(ini, dict(fields, ROUNDS=1, G=P), [])
    with open(h5 + ".out", "w") as logf:
        run(["mpirun", "-n", str(ranks), ALFE, "run", ini], stdout=logf,
            stderr=subprocess.STDOUT, env=env)
        # Rounds 1..R-1: the configuration's split (same campaign, resumed).
        write_config(ini, dict(fields, ROUNDS=size["rounds"], G=G), overrides)
        run(["mpirun", "-n", str(ranks), ALFE, "run", ini], stdout=logf,
            stderr=subprocess.STDOUT, env=env)
    seconds = time.time() - t0
    with open(done_marker, "w") as f:
        json.dump(dict(seconds=seconds, global_points=G, criterion_points=C), f)
    log("%s seed %d: %d rounds in %.0f s (%s)" % (name, seed, size["rounds"], seconds, h5))
    return h5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--ranks", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", default="")
    ap.add_argument("--seeds", type=int, default=0)
    a = ap.parse_args()
    anchor = os.path.abspath(os.environ.get("ALFE_ANCHOR",
                                            os.path.join(ROOT, "..", "shared", "anchor-lco")))
    if not os.path.isfile(os.path.join(anchor, "model_14.weights.h5")):
        sys.exit("paper: the published surrogate is not at %s/model_14.weights.h5.\n%s"
                 % (anchor, PUBLIC))
    size = dict(QUICK if a.quick else FULL)
    if a.seeds:
        size["seeds"] = a.seeds
    out = os.path.abspath(a.out or os.path.join(ROOT, "out", "paper-quick" if a.quick else "paper"))
    os.makedirs(out, exist_ok=True)
    log("output in %s (%s sizes: %s)" % (out, "QUICK" if a.quick else "full", size))
    t0 = time.time()
    inv, model = prepare(anchor, out)
    confs = read_configurations()
    if a.only:
        keep = a.only.split(",")
        confs = [c for c in confs if c[0] in keep]
    make_regions(size, anchor, inv, model, out)
    runs = []
    for seed in range(1, size["seeds"] + 1):
        for name, items in confs:
            h5 = campaign(name, items, seed, size, anchor, inv, model, out, a.ranks)
            runs.append(dict(name=name, seed=seed, file=h5))
    with open(os.path.join(out, "runs.json"), "w") as f:
        json.dump(dict(size=size, noise=NOISE, anchor=anchor, runs=runs), f, indent=1)
    run([PY, os.path.join(HERE, "analyse.py"), out])
    log("finished in %.0f s: %s/results.md" % (time.time() - t0, out))


if __name__ == "__main__":
    main()
