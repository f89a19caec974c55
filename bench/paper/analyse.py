#!/usr/bin/python3
"""analyse.py — tables and learning curves of the paper benchmark
(bench/paper/run_paper.py writes OUT/runs.json and the campaigns).

Per campaign and round r: points used = rows done up to round r, the
committee's mu MSE (eV^2, mean over the 7 components) on the real CASM test
set (/rounds/NNNN@mse_test, scored by alfe after training round r) and on
the oracle's own mu at those eta (alfe predict --round r against
OUT/oracle_test.txt), on every region alfe recorded in the campaign, and on
the region files of OUT/regions/NAME.txt when present (rows of eta then the
oracle's mu; made by `alfe regions`, scored after the fact with alfe
predict, so campaigns run before a region existed are scored the same way).
The published surrogate's own MSE on the CASM test set (its floor: the test
set's Monte Carlo noise and the surrogate's error) is drawn as a line.
Writes
OUT/results.json, OUT/results.md (median and range over seeds) and
OUT/curves_*.png (MSE against points used, log scale, one line per
configuration: the median over seeds, the band their range).

Usage: analyse.py OUT
"""
import json
import os
import subprocess
import sys

import h5py
import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ALFE = os.path.join(ROOT, "bin", "alfe")


D = 7


def predict_mu(model, eta_file, r=None):
    """The committee's mean mu at every point of eta_file (rows x D), NaN on failure."""
    cmd = [ALFE, "predict", model, "--points", eta_file]
    if r is not None:
        cmd += ["--round", str(r)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if p.returncode not in (0, 2):
        return None
    rows = np.array([[float(x) for x in l.split()] for l in p.stdout.splitlines()
                     if l.strip() and not l.lstrip().startswith(("#", "g"))])
    return rows[:, 2:2 + D]


def predict_mse(h5, r, eta_file, ref_mu):
    mu = predict_mu(h5, eta_file, r)
    if mu is None or mu.shape != ref_mu.shape:
        return float("nan")
    return float(((mu - ref_mu) ** 2).mean())


def region_files(out):
    """{name: (eta file, reference mu)} from OUT/regions/NAME.txt (eta, mu)."""
    d = os.path.join(out, "regions")
    res = {}
    if not os.path.isdir(d):
        return res
    for fn in sorted(os.listdir(d)):
        if not fn.endswith(".txt") or fn.endswith(".eta.txt"):
            continue
        data = np.loadtxt(os.path.join(d, fn), ndmin=2)
        if data.shape[0] == 0 or data.shape[1] < 2 * D:
            continue
        eta = os.path.join(d, fn[:-4] + ".eta.txt")
        np.savetxt(eta, data[:, :D], fmt="%.17g")
        res[fn[:-4]] = (eta, data[:, D:2 * D])
    return res


def surrogate_floor(out, anchor):
    """The published surrogate's own mu MSE on the CASM test set."""
    test = np.loadtxt(os.path.join(anchor, "testing_set.txt"), ndmin=2)
    mu = predict_mu(os.path.join(out, "model14.h5"), os.path.join(out, "casm_eta.txt"))
    if mu is None:
        return float("nan")
    return float(((mu - test[:, 22:29]) ** 2).mean())


def regions_of(rnd):
    """Region MSEs alfe recorded for a round: {name: mse}."""
    names = rnd.attrs.get("region_names")
    values = rnd.attrs.get("mse_regions")
    if names is None or values is None:
        return {}
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.atleast_1d(names)]
    return dict(zip(names, (float(v) for v in np.atleast_1d(values))))


def curves(h5, out, regions):
    res = []
    with h5py.File(h5, "r") as f:
        keys = sorted(f["rounds"].keys())
        status = f["points/status"][:]
        for k in keys:
            rnd = f["rounds"][k]
            r = int(rnd.attrs["round"])
            last = int(rnd.attrs["first_row"]) + int(rnd.attrs["n_points"])
            used = int((status[:last] == 1).sum())
            if "models" not in f or k not in f["models"]:
                continue
            res.append(dict(round=r, points=used, casm=float(rnd.attrs["mse_test"]),
                            regions=regions_of(rnd),
                            seconds=float(rnd.attrs.get("seconds_total", np.nan))))
    ref = np.loadtxt(os.path.join(out, "oracle_test.txt"), ndmin=2)[:, D:2 * D]
    for c in res:
        c["oracle"] = predict_mse(h5, c["round"], os.path.join(out, "casm_eta.txt"), ref)
        for name, (eta, mu) in regions.items():
            c["regions"].setdefault(name, predict_mse(h5, c["round"], eta, mu))
    return res


def points_to_reach(runs, target):
    """Median over seeds of the points at which the casm MSE first is <= target."""
    reach = []
    for cs in runs.values():
        hit = [c["points"] for c in cs if c["casm"] <= target]
        reach.append(hit[0] if hit else np.inf)
    return float(np.median(reach)) if reach else np.inf


def main():
    out = sys.argv[1]
    meta = json.load(open(os.path.join(out, "runs.json")))
    anchor = meta.get("anchor") or os.environ.get(
        "ALFE_ANCHOR", os.path.join(ROOT, "..", "shared", "anchor-lco"))
    regions = region_files(out)
    data = {}
    for run in meta["runs"]:
        if os.path.exists(run["file"]):
            data.setdefault(run["name"], {})[run["seed"]] = curves(run["file"], out, regions)
    floor = surrogate_floor(out, anchor)
    json.dump(dict(meta, curves=data, surrogate_casm_mse=floor),
              open(os.path.join(out, "results.json"), "w"), indent=1)

    metrics = ["casm", "oracle"]
    regions = sorted({k for runs in data.values() for cs in runs.values() for c in cs
                      for k in c["regions"]})
    lines = ["# Paper benchmark results", "",
             "Sizes: %s; noise on mu: %s eV." % (meta["size"], meta["noise"]), "",
             "The published surrogate (the oracle) on the CASM test set: mu MSE %.3g eV^2." % floor,
             ""]
    # Targets: points each configuration needs to reach global-only's final
    # CASM MSE (median over seeds of the first round at or below it).
    if "global" in data:
        finals = [cs[-1] for cs in data["global"].values() if cs]
        g_final = float(np.median([c["casm"] for c in finals]))
        g_points = float(np.median([c["points"] for c in finals]))
        lines += ["## Points to reach global-only's final CASM MSE (%.3g eV^2 at %d points)"
                  % (g_final, g_points), "",
                  "| configuration | points (median over seeds) | fraction of global's |",
                  "|---|---:|---:|"]
        for name, runs in data.items():
            n = points_to_reach(runs, g_final)
            lines.append("| %s | %s | %s |" % (name, "not reached" if np.isinf(n) else "%d" % n,
                                               "-" if np.isinf(n) else "%.2f" % (n / g_points)))
        lines.append("")
    for m in metrics + ["region:" + r for r in regions]:
        lines += ["## mu MSE (eV^2): %s" % m, "",
                  "| configuration | points | median | min | max |", "|---|---:|---:|---:|---:|"]
        for name, runs in data.items():
            finals = []
            for cs in runs.values():
                if not cs:
                    continue
                c = cs[-1]
                v = c["regions"].get(m[7:], np.nan) if m.startswith("region:") else c[m]
                finals.append((c["points"], v))
            if finals:
                v = np.array([x[1] for x in finals])
                lines.append("| %s | %d | %.3g | %.3g | %.3g |" % (
                    name, int(np.median([x[0] for x in finals])), np.median(v), v.min(), v.max()))
        lines.append("")
    open(os.path.join(out, "results.md"), "w").write("\n".join(lines) + "\n")

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for m in metrics + ["region:" + r for r in regions]:
        fig, ax = plt.subplots(figsize=(6, 4))
        for name, runs in data.items():
            cs = [c for c in runs.values() if c]
            if not cs:
                continue
            n = min(len(c) for c in cs)
            pts = np.median([[c[i]["points"] for i in range(n)] for c in cs], axis=0)
            val = np.array([[(c[i]["regions"].get(m[7:], np.nan) if m.startswith("region:")
                              else c[i][m]) for i in range(n)] for c in cs])
            ax.plot(pts, np.median(val, axis=0), marker="o", ms=3, label=name)
            if len(cs) > 1:
                ax.fill_between(pts, val.min(axis=0), val.max(axis=0), alpha=0.15)
        if m == "casm" and np.isfinite(floor):
            ax.axhline(floor, color="k", ls="--", lw=1, label="surrogate itself")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("points used")
        ax.set_ylabel("mu MSE (eV$^2$)")
        ax.set_title(m)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "curves_%s.png" % m.replace("region:", "region_")), dpi=110)
        plt.close(fig)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
