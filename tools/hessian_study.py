#!/usr/bin/python3
"""hessian_study.py — does [training] weight_hessian lower the held-out mu error?

For each system (the analytic oracle with its exact Hessian plus
[oracle] hessian_noise, and Monte Carlo on inputs/lco) and each seed, one
single-round campaign (round 0: space filling, then one committee trained on
its rows) is run once per weight_hessian value: the rows are the same for
every weight (round 0's points do not depend on training) and so are the
training seeds, so the only difference is the curvature term.  The held-out
mu MSE is /rounds/0000's mse_test on a test set from an independent campaign
of the same system (another seed; the oracle's without noise).  Prints one
table row per (system, weight): median, min and max over the seeds, and the
per-seed ratio to weight 0.

usage: tools/hessian_study.py OUTDIR [--systems oracle,mc] [--seeds 11,12,13]
       [--weights 0,1,10] [--ranks 2]   (run from the repository root,
       after make; docs/training.md, "Training on the curvature")
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LCO = os.path.join(ROOT, "inputs", "lco")

NETWORK = """
[network]
invariants = {lco}/invariants.txt
layers = 2
width = 24
committee = 3

[training]
optimizer = adam
learning_rate = 0.003
epochs = {epochs}
batch_size = {batch}
weight_hessian = {w}
{test}
"""

SYSTEMS = {
    "oracle": dict(head="""[campaign]
output = {out}
seed = {seed}
rounds = 1

[system]
model = oracle
dimension = 7
q_file = {lco}/Q.txt
temperature = 300

[oracle]
noise = {noise}
hessian_noise = {hnoise}

[umbrella]
phi = 50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05

[global]
points = {points}
method = billiard
""", points=300, test_points=400, epochs=150, batch=64, noise=0.0005, hnoise=0.01),
    "mc": dict(head="""[campaign]
output = {out}
seed = {seed}
rounds = 1

[system]
model = clex
dimension = 7
q_file = {lco}/Q.txt
temperature = 300
prim = {lco}/prim.json
eci = {lco}/eci.json
supercell = 10 0 0  0 10 0  0 0 10
ordering_cell = 2 0 0  0 2 0  0 0 2

[mc]
min_passes = 200
max_passes = 5000
mu_precision = 0.005

[umbrella]
phi = 50, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05

[global]
points = {points}
method = billiard
""", points=150, test_points=150, epochs=200, batch=32, noise=0, hnoise=0),
}


def run(cfg_text, path, ranks):
    with open(path + ".ini", "w") as f:
        f.write(cfg_text)
    if os.path.exists(path + ".h5"):
        os.remove(path + ".h5")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    r = subprocess.run(["mpirun", "-n", str(ranks), os.path.join(ROOT, "bin", "alfe"), "run",
                        path + ".ini"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    with open(path + ".out", "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        sys.exit("%s: alfe run exited %d (see %s.out)" % (path, r.returncode, path))
    return path + ".h5"


def retrain(cfg_text, src_h5, path, ranks, weight):
    """The rows of src_h5 (a copy), its fixed key training.weight_hessian
    set to weight in /config, round 0 retrained by `alfe train`."""
    with open(path + ".ini", "w") as f:
        f.write(cfg_text)
    with open(src_h5, "rb") as a, open(path + ".h5", "wb") as b:
        b.write(a.read())
    with h5py.File(path + ".h5", "r+") as f:
        f["config"].attrs["training.weight_hessian"] = "%g" % weight
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    r = subprocess.run(["mpirun", "-n", str(ranks), os.path.join(ROOT, "bin", "alfe"), "train",
                        path + ".ini"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    with open(path + ".out", "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        sys.exit("%s: alfe train exited %d (see %s.out)" % (path, r.returncode, path))
    return path + ".h5"


def test_set(system, outdir, ranks):
    """An independent campaign of the system (seed 9001, no network; the
    oracle's without noise): its converged rows as 'eta mu' text."""
    s = SYSTEMS[system]
    path = os.path.join(outdir, system + "_test")
    head = s["head"].format(out=path + ".h5", seed=9001, lco=LCO, noise=0, hnoise=0,
                            points=s["test_points"])
    h5 = run(head, path, ranks)
    with h5py.File(h5, "r") as f:
        p = f["points"]
        ok = (p["status"][:] == 1) & (p["converged"][:] == 1)
        rows = np.hstack([p["eta_mean"][:][ok], p["mu"][:][ok]])
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    np.savetxt(path + ".txt", rows, fmt="%.17g")
    return path + ".txt", len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--systems", default="oracle,mc")
    ap.add_argument("--seeds", default="11,12,13")
    ap.add_argument("--weights", default="0,1,10")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--retrain", action="store_true",
                    help="evaluate each seed's rows once (first weight) and retrain copies "
                         "with `alfe train` for the other weights (the same rows; for Monte "
                         "Carlo, where the evaluation dominates)")
    ap.add_argument("--points", type=int, default=0, help="points per campaign (0: default)")
    ap.add_argument("--hessian-noise", type=float, default=None,
                    help="oracle: [oracle] hessian_noise (default 0.01)")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    seeds = [int(x) for x in a.seeds.split(",")]
    weights = [float(x) for x in a.weights.split(",")]
    for system in a.systems.split(","):
        s = dict(SYSTEMS[system])
        if a.points:
            s["points"] = a.points
        if a.hessian_noise is not None:
            s["hnoise"] = a.hessian_noise
        if os.path.exists(os.path.join(a.outdir, system + "_test.txt")):
            test = os.path.join(a.outdir, system + "_test.txt")
            n_test = len(np.loadtxt(test))
        else:
            test, n_test = test_set(system, a.outdir, a.ranks)
        mse = {}
        for seed in seeds:
            for w in weights:
                path = os.path.join(a.outdir, "%s_s%d_w%g" % (system, seed, w))
                text = s["head"].format(out=path + ".h5", seed=seed, lco=LCO, noise=s["noise"],
                                        hnoise=s["hnoise"], points=s["points"])
                text += NETWORK.format(lco=LCO, epochs=s["epochs"], batch=s["batch"], w=w,
                                       test="test_set = " + test)
                if a.retrain and w != weights[0]:
                    first = os.path.join(a.outdir, "%s_s%d_w%g" % (system, seed, weights[0]))
                    h5 = retrain(text, first + ".h5", path, a.ranks, w)
                else:
                    h5 = run(text, path, a.ranks)
                with h5py.File(h5, "r") as f:
                    mse[seed, w] = float(f["rounds/0000"].attrs["mse_test"])
                print("%s seed %d weight_hessian %g: held-out mu MSE %.4g eV^2" %
                      (system, seed, w, mse[seed, w]), flush=True)
        print("\n%s (%d test rows), held-out mu MSE over seeds %s:" % (system, n_test, seeds))
        print("| weight_hessian | median (eV²) | min | max | ratio to 0 per seed |")
        print("|---|---|---|---|---|")
        for w in weights:
            v = np.array([mse[sd, w] for sd in seeds])
            ratio = ", ".join("%.2f" % (mse[sd, w] / mse[sd, weights[0]]) for sd in seeds)
            print("| %g | %.3g | %.3g | %.3g | %s |" % (w, np.median(v), v.min(), v.max(), ratio))
        print(flush=True)


if __name__ == "__main__":
    main()
