#!/usr/bin/python3
"""Thermodynamic integration of g along one order parameter with `alfe mc`.

For targets t in [start, stop] on component J (the other components of kappa
fixed), runs one biased chain per target with phi_J set stiff enough to hold
eta_J, reads mu_J at <eta_J>, and integrates g(eta_J) - g(first) by the
trapezoid rule.  Prints one line per point: eta_J, mu_J, mu_stderr_J, g,
converged.  Example (the embedded LCO-like system, ordering at x = 1/2):

  tools/alfe_ti.py inputs/lco_mc_quick.ini --kappa 0.5,0,0,0,0,0,0 \\
      --phi 50,0.05,0.05,0.05,0.05,0.05,0.05 --component 4 --stop 0.5 \\
      --phi-component 0.5 --temperature 300
"""
import argparse
import json
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config")
    ap.add_argument("--kappa", required=True, help="kappa for the other components (d values)")
    ap.add_argument("--component", type=int, required=True, help="index J of the order parameter")
    ap.add_argument("--start", type=float, default=0.0)
    ap.add_argument("--stop", type=float, required=True)
    ap.add_argument("--points", type=int, default=11)
    ap.add_argument("--phi", required=True, help="phi of every component (1 or d values)")
    ap.add_argument("--phi-component", type=float, default=0.5, help="phi_J (default 0.5)")
    ap.add_argument("--temperature", type=float)
    ap.add_argument("--alfe", default="bin/alfe")
    args = ap.parse_args()

    kappa = [float(x) for x in args.kappa.split(",")]
    phi = [float(x) for x in args.phi.split(",")]
    phi = phi * len(kappa) if len(phi) == 1 else phi
    j = args.component
    phi[j] = args.phi_component
    rows = []
    for target in np.linspace(args.start, args.stop, args.points):
        k = list(kappa)
        k[j] = target
        cmd = [args.alfe, "mc", args.config, "--kappa", ",".join(repr(x) for x in k),
               "--phi", ",".join(repr(x) for x in phi)]
        if args.temperature:
            cmd += ["--temperature", repr(args.temperature)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(out.stderr.strip())
        r = json.loads(out.stdout)
        # null: an error bar that could not be estimated (docs/monte-carlo.md)
        stderr = r["mu_stderr"][j]
        rows.append((r["eta_mean"][j], r["mu"][j], float("inf") if stderr is None else stderr,
                     r["converged"]))
    rows.sort()
    x = np.array([r[0] for r in rows])
    mu = np.array([r[1] for r in rows])
    g = np.concatenate([[0.0], np.cumsum(0.5 * (mu[1:] + mu[:-1]) * np.diff(x))])
    print("# eta_%d  mu_%d  mu_stderr_%d  g-g(first)  converged" % (j, j, j))
    for (e, m, s, c), gi in zip(rows, g):
        print("%.5f %+.6f %.6f %+.6f %d" % (e, m, s, gi, c))


if __name__ == "__main__":
    main()
