#!/usr/bin/python3
"""analyse.py — tables and learning curves of the paper benchmark
(bench/paper/run_paper.py writes OUT/runs.json and the campaigns).

Per campaign and round r: points used = rows done up to round r, the
committee's mu MSE (eV^2, mean over the 7 components) on the real CASM test
set (/rounds/NNNN@mse_test, scored by alfe after training round r) and on
the oracle's own mu at those eta (alfe predict --round r against
OUT/oracle_test.txt), and on every region alfe recorded.  Writes
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


def oracle_mse(h5, r, out):
    """mu MSE of round r's committee against the oracle at the CASM test eta."""
    ref = np.loadtxt(os.path.join(out, "oracle_test.txt"))
    eta = os.path.join(out, "casm_eta.txt")
    p = subprocess.run([ALFE, "predict", h5, "--round", str(r), "--points", eta],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if p.returncode not in (0, 2):
        return float("nan")
    rows = np.array([[float(x) for x in l.split()] for l in p.stdout.splitlines()
                     if l and not l.startswith("#")])
    return float(((rows[:, 2:9] - ref[:, 7:14]) ** 2).mean())


def regions_of(rnd):
    """Region MSEs alfe recorded for a round: {name: mse}."""
    names = rnd.attrs.get("region_names")
    values = rnd.attrs.get("mse_regions")
    if names is None or values is None:
        return {}
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in np.atleast_1d(names)]
    return dict(zip(names, (float(v) for v in np.atleast_1d(values))))


def curves(h5, out):
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
    for c in res:
        c["oracle"] = oracle_mse(h5, c["round"], out)
    return res


def main():
    out = sys.argv[1]
    meta = json.load(open(os.path.join(out, "runs.json")))
    data = {}
    for run in meta["runs"]:
        data.setdefault(run["name"], {})[run["seed"]] = curves(run["file"], out)
    json.dump(dict(meta, curves=data), open(os.path.join(out, "results.json"), "w"), indent=1)

    metrics = ["casm", "oracle"]
    regions = sorted({k for runs in data.values() for cs in runs.values() for c in cs
                      for k in c["regions"]})
    lines = ["# Paper benchmark results", "",
             "Sizes: %s; noise on mu: %s eV." % (meta["size"], meta["noise"]), ""]
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
