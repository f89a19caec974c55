#!/usr/bin/python3
"""alfe_report.py — figures of a campaign file and a page that shows them.

Usage: tools/alfe_report.py CAMPAIGN.h5 -o DIR

Writes PNG figures and DIR/index.html (open it in a browser; the page uses
relative links, so DIR can be copied elsewhere):
  points_per_round.png      points per round by proposing criterion and by status
  eta_by_round.png          the evaluated points <eta_mean> projected on the
                            (eta_0, eta_i) planes, coloured by round
  eta_by_criterion.png      the same, coloured by criterion
  mu_vs_eta.png             the measured mu_j against <eta_j> (data, not a model)
  mc_converged.png          share of converged points per round
  mc_acceptance.png         Metropolis acceptance rates      (Monte Carlo only)
  mc_tau.png                integrated autocorrelation times (Monte Carlo only)
  mc_stderr.png             distribution of mu_stderr per order parameter
and, when criteria beyond space filling proposed points (docs/acquisition.md):
  criteria_per_round.png    the requested points eta* of each round on the
                            (eta_0, eta_1) plane, coloured by criterion
  criterion_weights.png     each criterion's weight and budget over the rounds
and, once the campaign holds trained committees (format 1.1 with [network]):
  mse_per_round.png         mu MSE per round: all data, new data before
                            retraining, test set
  region_mse.png            mu MSE per round on each [metrics] region
                            (/rounds/NNNN@mse_regions; skipped without regions)
  model_along_eta0.png      learned g and mu_0 along eta_0 (other eta_i = 0),
                            evaluated with `alfe predict` (--alfe PATH)
  committee_spread.png      committee standard deviation of mu along eta_0  A figure
that cannot be drawn from the file is listed as skipped, with the reason, on
the page and on stdout: nothing is faked.

Needs Debian's python3-h5py, python3-numpy and python3-matplotlib (Agg
backend, no display).  Exit 0 on success, 2 when the file is not a campaign
of format 1.x.
"""
import argparse
import html
import io
import math
import os
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D
from matplotlib.patches import Patch  # noqa: E402

DONE, FAILED, PENDING = 1, 2, 0
DPI = 100


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def marker_size(n):
    """Scatter marker area for n points: large for a few, small for many."""
    return float(np.clip(8000.0 / max(n, 1), 1.5, 16.0))


TAU_FLOOR = 3.0  # smallest tau the estimator of src/lattice/convergence.c reports (but 1)


def eta(j):
    return r"$\langle\eta_{%d}\rangle$" % j


class Campaign:
    """What the figures need, read once."""

    def __init__(self, f):
        self.attrs = {k: f.attrs[k] for k in f.attrs}
        self.d = int(f.attrs["dimension"])
        self.m = int(f.attrs["sublattices"])
        sysg = f["system"]
        self.model = text(sysg.attrs.get("model", "?"))
        self.temperature = float(sysg.attrs.get("temperature", float("nan")))
        self.config = {k: text(v) for k, v in f["config"].attrs.items()}
        p = f["points"]
        self.p = {k: p[k][...] for k in p}
        self.n = self.p["status"].shape[0]
        names = p["criterion"].attrs.get("criterion_names") if "criterion" in p else None
        self.criteria = [text(c) for c in names] if names is not None else []
        self.status = self.p["status"]
        self.done = self.status == DONE
        self.rounds = []
        for name in sorted(f["rounds"]):
            a = f["rounds"][name].attrs
            self.rounds.append({k: (text(v) if isinstance(v, (bytes, str)) else v)
                                for k, v in a.items()})
        self.runs = []
        for name in sorted(f["runs"]):
            a = f["runs"][name].attrs
            self.runs.append({k: text(a[k]) if isinstance(a[k], (bytes, str)) else a[k]
                              for k in ("started", "finished", "ranks", "exit_reason",
                                        "points_evaluated") if k in a})
        self.has_models = "models" in f
        self.model_rounds = sorted(int(k) for k in f["models"]) if self.has_models else []
        self.domain_A = sysg["domain_A"][...]
        self.domain_b = sysg["domain_b"][...]
        self.format_version = text(f.attrs.get("format_version", "?"))

    def config_float(self, key):
        try:
            return float(self.config[key])
        except (KeyError, ValueError):
            return None

    def criterion_name(self, c):
        return self.criteria[c] if 0 <= c < len(self.criteria) else "criterion %d" % c


class Report:
    def __init__(self, camp, path, outdir):
        self.c = camp
        self.path = path
        self.outdir = outdir
        self.figures = []  # (file, title, caption)
        self.skipped = []  # (title, reason)

    def save(self, fig, name, title, caption):
        fname = name + ".png"
        # The title on the figure itself, so a PNG shown alone says what it is.
        fig.suptitle("%s — %s" % (title, os.path.basename(self.path)), fontsize=11)
        fig.savefig(os.path.join(self.outdir, fname), dpi=DPI, bbox_inches="tight")
        plt.close(fig)
        self.figures.append((fname, title, caption))
        print("wrote %s" % os.path.join(self.outdir, fname))

    def skip(self, title, reason):
        self.skipped.append((title, reason))
        print("skipped: %s — %s" % (title, reason))

    # -- colours ------------------------------------------------------------
    def round_colours(self, rounds):
        """Colours for the given per-point rounds, and a legend or colour bar maker."""
        all_rounds = [int(r["round"]) for r in self.c.rounds] or sorted(set(rounds.tolist()))
        if len(all_rounds) <= 10:
            cmap = plt.get_cmap("tab10")
            lut = {r: cmap(i % 10) for i, r in enumerate(all_rounds)}
            cols = [lut[int(r)] for r in rounds]

            def legend(fig, axes):
                present = sorted(set(int(r) for r in rounds))
                handles = [Line2D([], [], ls="", marker="o", color=lut[r], label="round %d" % r)
                           for r in present]
                fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                           fontsize=8, frameon=False)
            return cols, legend
        lo, hi = min(all_rounds), max(all_rounds)
        norm = matplotlib.colors.Normalize(lo, hi)
        cmap = plt.get_cmap("viridis")
        cols = cmap(norm(rounds))

        def colorbar(fig, axes):
            sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
            fig.colorbar(sm, ax=axes, label="round", shrink=0.8)
        return cols, colorbar

    def criterion_colours(self, crit):
        cmap = plt.get_cmap("Set1")
        lut = {c: cmap(i % 9) for i, c in enumerate(sorted(set(crit.tolist())))}
        cols = [lut[int(c)] for c in crit]

        def legend(fig, axes):
            handles = [Line2D([], [], ls="", marker="o", color=lut[c],
                              label=self.c.criterion_name(c)) for c in sorted(lut)]
            fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                           fontsize=8, frameon=False)
        return cols, legend

    # -- figures ------------------------------------------------------------
    def points_per_round(self):
        title = "Points per round"
        c = self.c
        if c.n == 0:
            return self.skip(title, "the campaign has no rows yet")
        rounds = [int(r["round"]) for r in c.rounds]
        x = np.arange(len(rounds))
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
        bottom = np.zeros(len(rounds))
        cmap = plt.get_cmap("Set1")
        ncrit = max(len(c.criteria), int(c.p["criterion"].max()) + 1)
        for k in range(ncrit):
            counts = np.array([np.sum((c.p["round"] == r) & (c.p["criterion"] == k))
                               for r in rounds])
            if counts.sum() == 0:
                continue
            a1.bar(x, counts, bottom=bottom, color=cmap(k % 9), label=c.criterion_name(k))
            bottom += counts
        a1.set_title("by proposing criterion")
        bottom = np.zeros(len(rounds))
        for st, name, col in ((DONE, "done", "tab:green"), (FAILED, "failed", "tab:red"),
                              (PENDING, "pending", "0.7")):
            counts = np.array([np.sum((c.p["round"] == r) & (c.status == st)) for r in rounds])
            a2.bar(x, counts, bottom=bottom, color=col, label="%s (%d)" % (name, counts.sum()))
            bottom += counts
        a2.set_title("by status")
        top = max(1, max(r["n_points"] for r in c.rounds) if c.rounds else 1)
        for a in (a1, a2):
            a.set_ylim(0, 1.3 * top)  # room for the legend above the bars
            a.set_xticks(x)
            a.set_xticklabels([str(r) for r in rounds])
            a.set_xlabel("round")
            a.set_ylabel("points")
            a.legend(fontsize=8, loc="upper left", ncol=3)
        states = ", ".join("%d %s" % (sum(r["state"] == s for r in c.rounds), s)
                           for s in ("done", "running") if any(r["state"] == s for r in c.rounds))
        self.save(fig, "points_per_round", title,
                  "Rows of /points per round (%d rows, %d rounds: %s), stacked by the "
                  "criterion that proposed them (left) and by status (right)."
                  % (c.n, len(rounds), states))

    def eta_planes(self, by):
        c = self.c
        title = "Evaluated points on the (η0, ηi) planes, by %s" % by
        if c.d < 2:
            return self.skip(title, "d = 1: there is no (η0, ηi) plane")
        if not c.done.any():
            return self.skip(title, "no point is done yet")
        e = c.p["eta_mean"][c.done]
        if by == "round":
            key = c.p["round"][c.done]
            cols, legend = self.round_colours(key)
        else:
            key = c.p["criterion"][c.done]
            cols, legend = self.criterion_colours(key)
        order = np.argsort(key, kind="stable")  # later rounds on top
        cols = np.asarray(cols)[order]
        e = e[order]
        npan = c.d - 1
        ncols = min(3, npan)
        nrows = math.ceil(npan / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols + 1.0, 3.5 * nrows),
                                 squeeze=False, constrained_layout=True)
        size = marker_size(len(e))
        for i in range(1, c.d):
            a = axes[(i - 1) // ncols][(i - 1) % ncols]
            a.scatter(e[:, 0], e[:, i], c=cols, s=size, linewidths=0, rasterized=True)
            a.set_xlabel(eta(0))
            a.set_ylabel(eta(i))
        for k in range(npan, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        legend(fig, axes)
        what = ("the round that requested them" if by == "round"
                else "the criterion that proposed them")
        self.save(fig, "eta_by_" + by, title,
                  "Where μ was measured: ⟨η⟩ of the %d done points projected on the planes "
                  "(η0, ηi), i = 1…%d, coloured by %s. η0 is the mean occupation (composition); "
                  "the other ηi are order parameters (rows of Q)." % (len(e), c.d - 1, what))

    def mu_vs_eta(self):
        c = self.c
        title = "Measured μ against ⟨η⟩"
        if not c.done.any():
            return self.skip(title, "no point is done yet")
        e, mu = c.p["eta_mean"][c.done], c.p["mu"][c.done]
        key = c.p["round"][c.done]
        cols, legend = self.round_colours(key)
        order = np.argsort(key, kind="stable")
        cols, e, mu = np.asarray(cols)[order], e[order], mu[order]
        ncols = min(4, c.d)
        nrows = math.ceil(c.d / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols + 1.0, 3.2 * nrows),
                                 squeeze=False, constrained_layout=True)
        size = marker_size(len(e))
        for j in range(c.d):
            a = axes[j // ncols][j % ncols]
            a.scatter(e[:, j], mu[:, j], c=cols, s=size, linewidths=0, rasterized=True)
            a.set_xlabel(eta(j))
            a.set_ylabel(r"$\mu_{%d}$ (eV per prim cell)" % j)
        for k in range(c.d, nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        legend(fig, axes)
        self.save(fig, "mu_vs_eta", title,
                  "The measured chemical potentials μj = ∂g/∂ηj of the %d done points against "
                  "⟨ηj⟩ (each panel one j; the other components vary). These are the data a "
                  "model is trained on, not a model." % len(e))

    def not_monte_carlo(self, title):
        """Skip a Monte Carlo diagnostic for a campaign without chains; True if skipped."""
        if self.c.model == "clex":
            return False
        self.skip(title, "no Monte Carlo chains in this campaign (model %s): a Monte Carlo "
                         "diagnostic" % self.c.model)
        return True

    def mc_converged(self):
        c = self.c
        title = "Converged share per round"
        if self.not_monte_carlo(title):
            return
        if not c.done.any():
            return self.skip(title, "no point is done yet")
        rounds = [int(r["round"]) for r in c.rounds]
        x = np.arange(len(rounds))
        share, labels = [], []
        for r in rounds:
            sel = c.done & (c.p["round"] == r)
            k, n = int(np.sum(c.p["converged"][sel] == 1)), int(sel.sum())
            share.append(100.0 * k / n if n else np.nan)
            labels.append("%d/%d" % (k, n))
        fig, a = plt.subplots(figsize=(6.5, 3.8), constrained_layout=True)
        bars = a.bar(x, np.nan_to_num(share), color="tab:blue")
        for b, lab in zip(bars, labels):
            a.annotate(lab, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center",
                       va="bottom", fontsize=8)
        a.set_ylim(0, 112)
        a.set_xticks(x)
        a.set_xticklabels([str(r) for r in rounds])
        a.set_xlabel("round")
        a.set_ylabel("converged done points (%)")
        if c.model == "clex":
            note = ("A chain converged when every μj reached [mc] mu_precision = %s eV at the "
                    "[mc] confidence level within max_passes; the others are stored with "
                    "converged = 0." % c.config.get("mc.mu_precision", "?"))
        else:
            note = "For the analytic oracle every evaluated point counts as converged."
        self.save(fig, "mc_converged", title,
                  "Share of the done points of each round with converged = 1 (labels: "
                  "converged/done). " + note)

    def mc_acceptance(self):
        c = self.c
        title = "Metropolis acceptance"
        acc = c.p["acceptance"][c.done]
        ok = np.isfinite(acc)
        if not ok.any():
            return self.skip(title, "no Monte Carlo chains in this campaign (model %s): "
                                    "acceptance is NaN" % c.model)
        e0 = c.p["eta_mean"][c.done][:, 0][ok]
        conv = c.p["converged"][c.done][ok] == 1
        acc = acc[ok]
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
        a1.hist(acc, bins=min(40, max(5, len(acc) // 5)), color="tab:blue")
        a1.set_xlabel("acceptance rate")
        a1.set_ylabel("points")
        a2.scatter(e0[conv], acc[conv], s=10, color="tab:blue", label="converged")
        if (~conv).any():
            a2.scatter(e0[~conv], acc[~conv], s=14, color="tab:red", marker="x",
                       label="not converged")
        a2.set_xlabel(eta(0))
        a2.set_ylabel("acceptance rate")
        a2.set_yscale("log")
        a2.legend(fontsize=8)
        self.save(fig, "mc_acceptance", title,
                  "Metropolis acceptance rate of the %d chains: distribution (left) and against "
                  "the composition ⟨η0⟩ (right). A rate near 0 means a frozen chain (its "
                  "μ_stderr is then 0, see docs/monte-carlo.md)." % len(acc))

    def mc_tau(self):
        c = self.c
        title = "Integrated autocorrelation time"
        tau = c.p["tau"][c.done]
        if not np.isfinite(tau).any():
            return self.skip(title, "no Monte Carlo chains in this campaign (model %s): "
                                    "tau is NaN" % c.model)
        # The estimator's floor (src/lattice/convergence.c): τ = (1+ρ)/(1−ρ) with
        # ρ = 2^(−1/L) at the first lag L where the autocorrelation falls below
        # 1/2, so its smallest value is 3 (L = 1: decorrelated within one
        # sample, resolution not finer), and 1 for a constant series (e.g. η0
        # at fixed composition).  Those are bounds, not measurements.
        floor = TAU_FLOOR + 1e-9
        finite = [tau[:, j][np.isfinite(tau[:, j])] for j in range(c.d)]
        data = [x[x > floor] for x in finite]
        at_floor = [int(np.sum(x <= floor)) for x in finite]
        fig, a = plt.subplots(figsize=(max(6.0, 0.9 * c.d + 2), 4.4), constrained_layout=True)
        a.boxplot([x if len(x) else [np.nan] for x in data], showfliers=True,
                  flierprops={"markersize": 3})
        a.axhline(TAU_FLOOR, color="0.5", ls=":", lw=1,
                  label="estimator floor τ = %g (values at it are bounds, not drawn)" % TAU_FLOOR)
        for j in range(c.d):
            a.annotate("%d at floor" % at_floor[j] if at_floor[j] else "", (j + 1, TAU_FLOOR),
                       xytext=(0, -12), textcoords="offset points", ha="center", va="top",
                       fontsize=7, color="0.35")
        a.set_xticks(range(1, c.d + 1))
        a.set_xticklabels([r"$\eta_{%d}$" % j for j in range(c.d)])
        a.set_yscale("log")
        lo = min([TAU_FLOOR] + [float(x.min()) for x in data if len(x)])
        hi = max([TAU_FLOOR * 10] + [float(x.max()) for x in data if len(x)])
        a.set_ylim(lo / 2.5, hi * 1.5)
        a.set_ylabel("τ (samples)")
        a.legend(fontsize=8, loc="upper left")
        self.save(fig, "mc_tau", title,
                  "Integrated autocorrelation time τ = (1+ρ)/(1−ρ) of each ηj over the chains "
                  "of the %d done points, where it was measured; boxes: quartiles, whiskers: "
                  "1.5 IQR. Values at the estimator's floor (τ ≤ %g: the series decorrelates "
                  "within one sample, or is constant — η0 at fixed composition) are upper "
                  "bounds, not measurements: they are counted under each box (%s) and not "
                  "drawn." % (int(c.done.sum()), TAU_FLOOR,
                              ", ".join("η%d: %d" % (j, k) for j, k in enumerate(at_floor))))

    def mc_stderr(self):
        c = self.c
        title = "μ standard errors"
        if self.not_monte_carlo(title):
            return
        if not c.done.any():
            return self.skip(title, "no point is done yet")
        se = c.p["mu_stderr"][c.done]
        fig, a = plt.subplots(figsize=(max(6.0, 0.9 * c.d + 2), 4), constrained_layout=True)
        positive = [se[:, j][se[:, j] > 0] for j in range(c.d)]
        zeros = [int(np.sum(se[:, j] == 0)) for j in range(c.d)]
        a.boxplot([x if len(x) else [np.nan] for x in positive], showfliers=True,
                  flierprops={"markersize": 3})
        a.set_xticks(range(1, c.d + 1))
        a.set_xticklabels([r"$\mu_{%d}$" % j for j in range(c.d)])
        a.set_yscale("log")
        a.set_ylabel("μ_stderr (eV per prim cell)")
        note = ""
        prec, conf = c.config_float("mc.mu_precision"), c.config_float("mc.confidence")
        if c.model == "clex" and prec and conf and 0 < conf < 1:
            z = statistics.NormalDist().inv_cdf(0.5 + conf / 2)
            a.axhline(prec / z, color="tab:red", ls="--", lw=1,
                      label="mu_precision / z = %.3g eV" % (prec / z))
            a.legend(fontsize=8)
            note = (" Dashed: [mc] mu_precision / z(confidence %g) — a converged chain has every "
                    "μ_stderr below it." % conf)
        elif c.model == "oracle":
            note = " For the oracle μ_stderr is its noise setting ([oracle] noise)."
        if any(zeros):
            note += (" Zero values (not shown on the log scale): %s."
                     % ", ".join("μ%d: %d" % (j, z) for j, z in enumerate(zeros) if z))
        self.save(fig, "mc_stderr", title,
                  "Distribution of the standard error of each μj over the %d done points; "
                  "boxes: quartiles, whiskers: 1.5 IQR.%s" % (int(c.done.sum()), note))

    def models(self, alfe):
        c = self.c
        self.mse_per_round()
        self.region_mse()
        titles = ["Learned g and μ along η0 (other ηi = 0)", "Committee spread along η0"]
        if not c.has_models:
            for t in titles:
                self.skip(t, "the campaign has no /models (no [network] configured, or format "
                             "%s without trained networks)" % c.format_version)
            return
        if not alfe or not os.access(alfe, os.X_OK):
            for t in titles:
                self.skip(t, "the alfe binary (%s) is needed to evaluate the networks: give "
                             "--alfe PATH" % alfe)
            return
        # The line η0 ∈ (0,1), ηi = 0, inside the domain.
        t = np.linspace(0.0, 1.0, 401)
        line = np.zeros((t.size, c.d))
        line[:, 0] = t
        inside = ((line @ c.domain_A.T) < c.domain_b - 1e-9).all(axis=1)
        line = line[inside]
        if len(line) < 2:
            for t in titles:
                self.skip(t, "the line eta_i = 0 does not cross the domain")
            return
        rounds = c.model_rounds
        if len(rounds) > 4:
            rounds = [rounds[int(round(k))] for k in np.linspace(0, len(rounds) - 1, 4)]
        preds = {}
        with tempfile.TemporaryDirectory() as tmp:
            pts = os.path.join(tmp, "line.txt")
            np.savetxt(pts, line, fmt="%.17g")
            for r in rounds:
                out = subprocess.run([alfe, "predict", self.path, "--points", pts, "--round",
                                      str(r)], capture_output=True, text=True)
                if out.returncode != 0:
                    for t in titles:
                        self.skip(t, "alfe predict failed: %s" % out.stderr.strip())
                    return
                preds[r] = np.loadtxt(io.StringIO(out.stdout), ndmin=2)
        x = line[:, 0]
        cmap = plt.get_cmap("viridis")
        colour = {r: cmap(k / max(1, len(rounds) - 1)) for k, r in enumerate(rounds)}
        # The η0 range of the data: outside it the committee extrapolates.
        e0 = c.p["eta_mean"][c.done, 0]
        data_lo, data_hi = (float(e0.min()), float(e0.max())) if len(e0) else (x[0], x[-1])

        def mark_data_range(a):
            for lo, hi in ((x[0], data_lo), (data_hi, x[-1])):
                if hi > lo:
                    a.axvspan(lo, hi, color="0.85", alpha=0.6, lw=0, zorder=0)
            for v in (data_lo, data_hi):
                a.axvline(v, color="0.4", ls="--", lw=0.8, zorder=1)

        extrap = Patch(facecolor="0.85", edgecolor="0.4", ls="--",
                       label="outside the data's η0 range (extrapolation)")
        band = Patch(facecolor="0.6", alpha=0.35, label="committee spread: mean ± 1σ over members")
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
        for r in rounds:
            p = preds[r]
            g, gs, mu0, mu0s = p[:, 0], p[:, 1], p[:, 2], p[:, 2 + c.d]
            g = g - g.min()
            axes[0].plot(x, g, color=colour[r], label="round %d committee mean" % r)
            axes[0].fill_between(x, g - gs, g + gs, color=colour[r], alpha=0.25, linewidth=0)
            axes[1].plot(x, mu0, color=colour[r], label="round %d committee mean" % r)
            axes[1].fill_between(x, mu0 - mu0s, mu0 + mu0s, color=colour[r], alpha=0.25,
                                 linewidth=0)
        near = c.done & (np.abs(c.p["eta_mean"][:, 1:]).max(axis=1) < 0.02) if c.d > 1 else c.done
        if near.any():
            axes[1].errorbar(c.p["eta_mean"][near, 0], c.p["mu"][near, 0],
                             yerr=c.p["mu_stderr"][near, 0], fmt="o", ms=3, color="k",
                             label="measured μ0, |ηi| < 0.02 (%d)" % int(near.sum()))
        for a in axes:
            mark_data_range(a)
            a.set_xlabel(eta(0))
        axes[0].set_ylabel("g − min g (eV per prim cell)")
        axes[0].set_title("free energy g", fontsize=10)
        axes[1].set_ylabel(r"$\mu_0$ (eV per prim cell)")
        axes[1].set_title(r"$\mu_0 = \partial g/\partial\eta_0$", fontsize=10)
        for a in axes:
            h, _ = a.get_legend_handles_labels()
            a.legend(handles=h + [band, extrap], fontsize=7, loc="upper left")
        if near.any():
            points_note = ("black: the %d measured points within 0.02 of the line (every "
                           "|ηi| < 0.02, i ≥ 1), with their μ_stderr." % int(near.sum()))
        else:
            points_note = ("No measured point lies within 0.02 of the line (every |ηi| < 0.02, "
                           "i ≥ 1), so no data point is drawn: the data are spread over the "
                           "%d-dimensional domain (see the η planes)." % c.d)
        self.save(fig, "model_along_eta0", titles[0],
                  "Committee mean of the learned free energy g (left, shifted to a minimum of "
                  "0) and of μ0 = ∂g/∂η0 (right) along η0 with every other ηi = 0, for the "
                  "models of rounds %s; bands: ± one standard deviation over the committee's "
                  "members (their disagreement, not a measurement error). Grey, outside the "
                  "dashed lines: η0 beyond the range of the measured points (%.3g to %.3g), "
                  "where the networks extrapolate. %s Evaluated with `alfe predict`."
                  % (", ".join(str(r) for r in rounds), data_lo, data_hi, points_note))
        fig, ax = plt.subplots(figsize=(6.5, 4.4), constrained_layout=True)
        medians = []
        for r in rounds:
            p = preds[r]
            spread = p[:, 2 + c.d:2 + 2 * c.d].mean(axis=1)
            medians.append(float(np.median(spread)))
            ax.semilogy(x, np.maximum(spread, 1e-12), color=colour[r], label="round %d" % r)
        mark_data_range(ax)
        ax.set_xlabel(eta(0))
        ax.set_ylabel("committee std of μj, mean over j\n(eV per prim cell)")
        h, _ = ax.get_legend_handles_labels()
        ax.legend(handles=h + [extrap], fontsize=8)
        trend = ("falls" if medians[-1] < 0.8 * medians[0] else
                 "rises" if medians[-1] > 1.25 * medians[0] else "stays about level")
        self.save(fig, "committee_spread", titles[1],
                  "Uncertainty of the committee: the standard deviation of μj over the members "
                  "(eV per prim cell), averaged over the components j, along the same line "
                  "(other ηi = 0), per round; grey: outside the data's η0 range. Its median "
                  "over the line %s from round %d to round %d (%s eV per prim cell). The "
                  "spread measures how much the members disagree; it falls where added data "
                  "pin the model down, and can rise when retraining on more, harder data "
                  "changes the members differently."
                  % (trend, rounds[0], rounds[-1],
                     " → ".join("%.2g" % m for m in medians)))

    # -- active learning --------------------------------------------------------
    def active_criteria(self):
        """Criterion ids other than the two global ones that proposed points."""
        crit = self.c.p["criterion"] if "criterion" in self.c.p else np.zeros(0, int)
        return sorted(int(k) for k in set(crit.tolist()) if k > 1)

    def criteria_per_round(self):
        c = self.c
        title = "Points per criterion per round on (η0, η1)"
        if c.d < 2:
            return self.skip(title, "d = 1: there is no (η0, η1) plane")
        if not self.active_criteria():
            return self.skip(title, "only space filling proposed points in this campaign "
                                    "(no active-learning criterion configured)")
        rounds = [int(r["round"]) for r in c.rounds]
        ncols = min(4, len(rounds))
        nrows = math.ceil(len(rounds) / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols + 1.5, 3.3 * nrows),
                                 squeeze=False, constrained_layout=True, sharex=True,
                                 sharey=True)
        crit_all = c.p["criterion"]
        cols_all, legend = self.criterion_colours(crit_all)
        cols_all = np.asarray(cols_all)
        e = c.p["eta_target"]
        for i, r in enumerate(rounds):
            a = axes[i // ncols][i % ncols]
            sel = c.p["round"] == r
            # Space filling underneath, the criteria on top.
            order = np.argsort(crit_all[sel], kind="stable")
            a.scatter(e[sel][order, 0], e[sel][order, 1], c=cols_all[sel][order],
                      s=marker_size(int(sel.sum())) * 1.5, linewidths=0, rasterized=True)
            counts = ", ".join("%s %d" % (c.criterion_name(k), int(np.sum(crit_all[sel] == k)))
                               for k in sorted(set(crit_all[sel].tolist())) if k > 1)
            a.set_title("round %d" % r, fontsize=9)
            a.text(0.02, 0.02, counts, transform=a.transAxes, fontsize=6, va="bottom",
                   wrap=True)
            a.set_xlabel("η*0 (requested)")
            a.set_ylabel("η*1 (requested)")
        for k in range(len(rounds), nrows * ncols):
            axes[k // ncols][k % ncols].set_visible(False)
        legend(fig, axes)
        self.save(fig, "criteria_per_round", title,
                  "The requested points η* of every round (rows of /points, before the Monte "
                  "Carlo moved them to ⟨η⟩) on the (η0, η1) plane, one panel per round, "
                  "coloured by the criterion that proposed them; the counts per criterion are "
                  "in each panel's corner.")

    def criterion_weights(self):
        c = self.c
        title = "Criterion weights and budgets over the rounds"
        active = self.active_criteria()
        if not active or not c.rounds or "weight_per_criterion" not in c.rounds[0]:
            return self.skip(title, "only space filling proposed points in this campaign "
                                    "(no active-learning criterion configured)")
        rounds = np.array([int(r["round"]) for r in c.rounds])
        w = np.array([np.asarray(r["weight_per_criterion"], float) for r in c.rounds])
        b = np.array([np.asarray(r["budget_per_criterion"], float) for r in c.rounds])
        rule = c.rounds[-1].get("reweight_rule", "none")
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
        cmap = plt.get_cmap("Set1")
        lut = {k: cmap(i % 9) for i, k in enumerate(sorted(set(c.p["criterion"].tolist())))}
        for k in active:
            on = b[:, k] > 0
            if not on.any():
                continue
            a1.plot(rounds[on], w[on, k], marker="o", color=lut.get(k, "k"),
                    label=c.criterion_name(k))
            a2.plot(rounds[on], b[on, k], marker="o", color=lut.get(k, "k"),
                    label=c.criterion_name(k))
        a1.set_ylabel("weight (mean 1 over the weighted criteria)")
        a2.set_ylabel("budget (points requested)")
        a1.set_title("weights, rule: %s" % rule, fontsize=10)
        a2.set_title("budgets", fontsize=10)
        for a in (a1, a2):
            a.set_xlabel("round")
            a.xaxis.get_major_locator().set_params(integer=True)
            a.legend(fontsize=8)
        self.save(fig, "criterion_weights", title,
                  "Per round, the weight of each active-learning criterion "
                  "(weight_per_criterion, re-weighting rule %s) and its budget "
                  "(budget_per_criterion), for the rounds in which it ran." % rule)

    def mse_per_round(self):
        c = self.c
        title = "μ MSE per round (all data, new data before retraining, test set)"
        keys = [("mse_all", "all usable rows (after training)"),
                ("mse_new_before_training", "new rows, before retraining"),
                ("mse_test", "test set")]
        series = {k: np.array([float(r.get(k, np.nan)) for r in c.rounds]) for k, _ in keys}
        if not any(np.isfinite(v).any() for v in series.values()):
            return self.skip(title, "no round has training metrics (no [network] configured, "
                                    "or format %s)" % c.format_version)
        fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
        rounds = np.arange(len(c.rounds))
        for (k, label), marker in zip(keys, "osd"):
            v = series[k]
            if np.isfinite(v).any():
                ax.semilogy(rounds[np.isfinite(v)], v[np.isfinite(v)], marker=marker, label=label)
        ax.set_xlabel("round")
        ax.set_ylabel("μ mean squared error (eV per prim cell)²")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=8)
        self.save(fig, "mse_per_round", title,
                  "Mean squared error of the committee-mean μ over points and components: on "
                  "every usable row after the round's training, on the round's new rows with "
                  "the previous round's committee (honest generalisation; none in round 0), "
                  "and on the configured test set%s (region metrics: region_mse.png)." % ("" if np.isfinite(series["mse_test"]).any() else
                                     " — none here: [training] test_set is not set"))

    def region_mse(self):
        c = self.c
        title = "Region μ errors against round ([metrics] regions)"
        names = []
        for r in c.rounds:
            for n in r.get("region_names", []):
                n = text(n)
                if n not in names:
                    names.append(n)
        if not names:
            return self.skip(title, "the campaign records no region metrics ([metrics] regions "
                                    "and auto_regions not set, or no [network])")
        fig, ax = plt.subplots(figsize=(6.5, 4), constrained_layout=True)
        markers = "osd^v<>phx*"
        for i, n in enumerate(names):
            x, y = [], []
            for k, r in enumerate(c.rounds):
                rn = [text(v) for v in r.get("region_names", [])]
                m = np.atleast_1d(np.asarray(r.get("mse_regions", []), float))
                if n in rn and rn.index(n) < len(m):
                    v = float(m[rn.index(n)])
                    if np.isfinite(v) and v > 0:
                        x.append(k)
                        y.append(v)
            if x:
                ax.semilogy(x, y, marker=markers[i % len(markers)], label=n)
        ax.set_xlabel("round")
        ax.set_ylabel("μ mean squared error (eV per prim cell)²")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=8)
        self.save(fig, "region_mse", title,
                  "Mean squared error of the committee-mean μ (over rows and components) after "
                  "each round's training on each region of /regions (docs/campaign-file.md): "
                  "%s." % ", ".join(names))

    # -- the page -----------------------------------------------------------
    def write_html(self):
        c = self.c
        e = html.escape
        a = c.attrs
        summary = [
            ("file", os.path.abspath(self.path)),
            ("format", "%s %s (alfe %s), created %s" % (text(a.get("format")), c.format_version,
                                                       text(a.get("alfe_version")),
                                                       text(a.get("created")))),
            ("description", text(a.get("description", ""))),
            ("system", "model %s, d = %d order parameters, M = %d sublattices, T = %g K, "
                       "seed %s" % (c.model, c.d, c.m, c.temperature, text(a.get("seed")))),
            ("rows", "%d: %d done, %d failed, %d pending" %
             (c.n, int(c.done.sum()), int(np.sum(c.status == FAILED)),
              int(np.sum(c.status == PENDING)))),
            ("rounds", "%d of %d done" % (sum(r["state"] == "done" for r in c.rounds),
                                          int(a.get("rounds_requested", len(c.rounds))))),
        ]
        out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
               "<title>alfe report: %s</title>" % e(os.path.basename(self.path)),
               "<style>body{font-family:sans-serif;max-width:1150px;margin:1em auto;"
               "padding:0 1em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
               "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
               "th{background:#f0f0f0}td.l,th.l{text-align:left}"
               "figure{margin:1.5em 0}img{max-width:100%;border:1px solid #ddd}"
               "figcaption{font-size:.92em;max-width:950px}.skip{color:#8a4b00}</style>",
               "</head><body>",
               "<h1>alfe campaign report: %s</h1>" % e(os.path.basename(self.path)),
               "<table>"]
        for k, v in summary:
            out.append("<tr><th class=\"l\">%s</th><td class=\"l\">%s</td></tr>" % (e(k), e(v)))
        out.append("</table>")
        out.append("<h2>Rounds</h2><table><tr><th>round</th><th class=\"l\">state</th>"
                   "<th>points</th><th>done</th><th>failed</th><th>pending</th>"
                   "<th>evaluate (s)</th><th>points/s</th><th>μ MSE all</th>"
                   "<th>μ MSE new, before training</th><th>μ MSE test</th></tr>")

        def mse(v):
            v = float(v) if v is not None else float("nan")
            return "%.3g" % v if np.isfinite(v) else "—"
        for r in c.rounds:
            sel = c.p["round"] == r["round"]
            out.append("<tr><td>%d</td><td class=\"l\">%s</td><td>%d</td><td>%d</td><td>%d</td>"
                       "<td>%d</td><td>%.3g</td><td>%.3g</td><td>%s</td><td>%s</td><td>%s</td>"
                       "</tr>" %
                       (r["round"], e(r["state"]), r["n_points"], np.sum(sel & c.done),
                        np.sum(sel & (c.status == FAILED)), np.sum(sel & (c.status == PENDING)),
                        r.get("seconds_evaluate", float("nan")),
                        r.get("points_per_second", float("nan")), mse(r.get("mse_all")),
                        mse(r.get("mse_new_before_training")), mse(r.get("mse_test"))))
        out.append("</table><p><small>Rounds are numbered from 0, as in the run log "
                   "(<code>round 3 (4 of 4)</code>), <code>alfe info</code>, /rounds/NNNN and "
                   "<code>alfe predict --round</code>; μ MSE in (eV per prim cell)², — not "
                   "measured.</small></p>")
        if c.runs:
            out.append("<h2>Runs</h2><table><tr><th>run</th><th class=\"l\">started</th>"
                       "<th class=\"l\">finished</th><th>ranks</th><th class=\"l\">exit reason</th>"
                       "<th>points evaluated</th></tr>")
            for i, r in enumerate(c.runs):
                out.append("<tr><td>%d</td><td class=\"l\">%s</td><td class=\"l\">%s</td><td>%s</td>"
                           "<td class=\"l\">%s</td><td>%s</td></tr>" %
                           (i, e(str(r.get("started", ""))), e(str(r.get("finished", ""))),
                            r.get("ranks", ""), e(str(r.get("exit_reason", ""))),
                            r.get("points_evaluated", "")))
            out.append("</table>")
        out.append("<h2>Figures</h2>")
        for fname, title, caption in self.figures:
            out.append("<figure id=\"%s\"><h3>%s</h3><a href=\"%s\"><img src=\"%s\" alt=\"%s\">"
                       "</a><figcaption>%s</figcaption></figure>" %
                       (e(fname[:-4]), e(title), e(fname), e(fname), e(title), e(caption)))
        if self.skipped:
            out.append("<h2>Not drawn</h2><ul class=\"skip\">")
            for title, reason in self.skipped:
                out.append("<li><b>skipped: %s</b> — %s</li>" % (e(title), e(reason)))
            out.append("</ul>")
        out.append("<p><small>Written by tools/alfe_report.py from %s.</small></p>" %
                   e(os.path.abspath(self.path)))
        out.append("</body></html>")
        path = os.path.join(self.outdir, "index.html")
        with open(path, "w") as f:
            f.write("\n".join(out) + "\n")
        print("wrote %s (%d figures, %d skipped)" % (path, len(self.figures), len(self.skipped)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("campaign", help="campaign file (HDF5, format alfe-campaign 1.x)")
    ap.add_argument("-o", "--output", required=True, metavar="DIR",
                    help="directory for the PNG files and index.html")
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--alfe", default=os.path.join(here, "..", "bin", "alfe"),
                    help="the alfe binary used to evaluate the stored networks "
                         "(default: bin/alfe of this repository)")
    args = ap.parse_args()
    try:
        f = h5py.File(args.campaign, "r")
    except OSError as exc:
        print("alfe_report: %s: cannot open: %s" % (args.campaign, exc), file=sys.stderr)
        return 2
    with f:
        if text(f.attrs.get("format", "")) != "alfe-campaign":
            print("alfe_report: %s is not an alfe campaign file" % args.campaign, file=sys.stderr)
            return 2
        if int(f.attrs.get("format_version_major", -1)) != 1:
            print("alfe_report: %s: campaign format version %s; this tool reads 1.x only"
                  % (args.campaign, text(f.attrs.get("format_version", "?"))), file=sys.stderr)
            return 2
        camp = Campaign(f)
    os.makedirs(args.output, exist_ok=True)
    r = Report(camp, args.campaign, args.output)
    r.points_per_round()
    r.eta_planes("round")
    r.eta_planes("criterion")
    r.mu_vs_eta()
    r.mc_converged()
    r.mc_acceptance()
    r.mc_tau()
    r.mc_stderr()
    r.criteria_per_round()
    r.criterion_weights()
    r.models(os.path.abspath(args.alfe))
    r.write_html()
    return 0


if __name__ == "__main__":
    sys.exit(main())
