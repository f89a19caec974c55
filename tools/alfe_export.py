#!/usr/bin/python3
"""alfe_export.py — export a campaign file's tables to CSV for other tools.

Usage: tools/alfe_export.py CAMPAIGN.h5 --csv DIR

Writes into DIR (created if needed):
  points.csv  the /points table: one line per row (column `row` = point id),
              one column per scalar column and per component of a vector
              column (eta_mean_0 ... eta_mean_{d-1}) and per element of a
              matrix column (hessian_0_0 ... hessian_{d-1}_{d-1}, row-major:
              eta_cov, hessian, hessian_stderr); every row, whatever its
              status (select status == 1 for the done ones); next to the
              numeric codes criterion and status, their names: criterion_name
              (from the attribute criterion_names) and status_name (pending,
              done, failed)
  rounds.csv  one line per /rounds/NNNN record: every attribute except units;
              per-criterion
              arrays become one column per criterion, named after
              criterion_names (points_per_criterion_global_billiard, ...)
  runs.csv    one line per /runs/NNNN record (without the long config and
              build texts) and its timers (timer_total_min, ...)
  config.csv  key,value: the /config attributes
  units.csv   table,column,units: the unit of every numeric column of
              points.csv, rounds.csv and runs.csv (format 1.2; for older files
              only the columns whose units the file records)
  models.csv  only for a campaign with /models (format 1.1 with [network]):
              one line per stored committee (round, members, d, invariants,
              widths, activations, parameters); the weights are not exported
The per-round model metrics (mse_all, mse_new_before_training, mse_test,
n_train, n_excluded, seconds_train) are attributes of /rounds/NNNN and so
columns of rounds.csv.

Numbers are written so that they read back exactly: floats with Python's
repr (shortest round-trip form; nan, inf), integers in full.  Needs only
Debian's python3-h5py and python3-numpy.
"""
import argparse
import csv
import os
import sys

import h5py
import numpy as np

# /points columns in the schema's order (docs/campaign-file.md); columns a
# later minor version adds follow in alphabetical order.
COLUMN_ORDER = ["round", "criterion", "seed", "T", "eta_target", "kappa", "phi", "eta_mean",
                "mu", "mu_stderr", "tau", "passes", "samples", "equilibration_samples",
                "converged", "acceptance", "wall_seconds", "rank", "status"]
SKIP_RUN_ATTRS = {"config", "build", "units"}
# Coded columns and the attribute naming their codes (default for old files).
CODE_NAMES = {"criterion": ("criterion_names", ["global_billiard", "global_sobol"]),
              "status": ("status_names", ["pending", "done", "failed"])}
ROUND_ORDER = ["round", "state", "first_row", "n_points", "done", "failed", "pending",
               "points_per_criterion", "budget_per_criterion", "weight_per_criterion",
               "sobol_index_end", "seconds_acquire", "seconds_evaluate", "seconds_total",
               "points_per_second", "started", "finished"]
RUN_ORDER = ["started", "finished", "ranks", "exit_reason", "points_evaluated"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def cell(v):
    """One value as CSV text that reads back exactly."""
    if isinstance(v, (bytes, str)):
        return text(v)
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return text(v)


def flatten_attrs(attrs, order, criterion_names=None, skip=()):
    """Attributes as (name, value) pairs, those in order first, then the
    others alphabetically; 1-D arrays become one column per entry, named by
    criterion when the array has one entry per criterion."""
    out = []
    names = [k for k in order if k in attrs] + sorted(k for k in attrs if k not in order)
    for name in names:
        if name in skip:
            continue
        v = attrs[name]
        if isinstance(v, np.ndarray) and v.ndim == 1:
            labels = [text(c) for c in criterion_names] \
                if criterion_names is not None and len(criterion_names) == v.size \
                else [str(i) for i in range(v.size)]
            out.extend(("%s_%s" % (name, lab), x) for lab, x in zip(labels, v))
        elif isinstance(v, np.ndarray) and v.ndim == 0:
            out.append((name, v[()]))
        else:
            out.append((name, v))
    return out


def write_table(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([cell(v) for v in r])


def column_text(values):
    """A 1-D array as CSV texts (tolist gives Python floats and ints: exact repr)."""
    if values.dtype.kind == "f":
        return [repr(x) for x in values.tolist()]
    return [str(x) for x in values.tolist()]


def export_points(f, outdir):
    p = f["points"]
    names = [c for c in COLUMN_ORDER if c in p] + sorted(c for c in p if c not in COLUMN_ORDER)
    n = p["status"].shape[0]
    header, columns = ["row"], [[str(i) for i in range(n)]]
    for name in names:
        data = p[name][...]
        if data.ndim == 1:
            header.append(name)
            columns.append(column_text(data))
            labels = CODE_NAMES.get(name)
            if labels is not None:  # criterion_name, status_name: the codes' names
                labels = [text(x) for x in p[name].attrs.get(labels[0], labels[1])]
                header.append(name + "_name")
                columns.append([labels[v] if 0 <= v < len(labels) else "" for v in
                                data.tolist()])
        elif data.ndim == 2:
            for j in range(data.shape[1]):
                header.append("%s_%d" % (name, j))
                columns.append(column_text(data[:, j]))
        elif data.ndim == 3:  # n x d x d (eta_cov, hessian, hessian_stderr)
            for j in range(data.shape[1]):
                for k in range(data.shape[2]):
                    header.append("%s_%d_%d" % (name, j, k))
                    columns.append(column_text(data[:, j, k]))
        else:
            raise SystemExit("/points/%s: %d-D column not supported" % (name, data.ndim))
    path = os.path.join(outdir, "points.csv")
    with open(path, "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        w.writerows(zip(*columns))
    return path, n, len(header)


def export_rounds(f, outdir):
    rows, header = [], None
    for name in sorted(f["rounds"]):
        a = f["rounds"][name].attrs
        crit = a.get("criterion_names")
        pairs = flatten_attrs(a, ROUND_ORDER, crit, skip={"criterion_names", "units"})
        if header is None:
            header = [k for k, _ in pairs]
        values = dict(pairs)
        rows.append([values.get(k, "") for k in header])
    path = os.path.join(outdir, "rounds.csv")
    write_table(path, header or ["round"], rows)
    return path, len(rows)


def export_runs(f, outdir):
    rows, header = [], None
    for name in sorted(f["runs"]):
        g = f["runs"][name]
        pairs = [("run", int(name))] + flatten_attrs(g.attrs, RUN_ORDER, skip=SKIP_RUN_ATTRS)
        if "timers" in g:
            t = g["timers"]
            tn = [text(x) for x in t.attrs.get("names", [])]
            cn = [text(x) for x in t.attrs.get("columns", [])]
            v = t[...]
            for i in range(v.shape[0]):
                for j in range(v.shape[1]):
                    pairs.append(("timer_%s_%s" % (tn[i] if i < len(tn) else i,
                                                   cn[j] if j < len(cn) else j), v[i, j]))
        if header is None:
            header = [k for k, _ in pairs]
        values = dict(pairs)
        rows.append([values.get(k, "") for k in header])
    path = os.path.join(outdir, "runs.csv")
    write_table(path, header or ["run"], rows)
    return path, len(rows)


def export_config(f, outdir):
    a = f["config"].attrs
    path = os.path.join(outdir, "config.csv")
    write_table(path, ["key", "value"], [(k, text(a[k])) for k in sorted(a)])
    return path, len(a)


METRIC_ATTRS = ["mse_all", "mse_new_before_training", "mse_test", "n_train", "n_excluded",
                "seconds_train"]


def units_of(attr_text):
    """A group's units attribute ("name: unit; ...") as a dict."""
    pairs = [p.split(":", 1) for p in text(attr_text).split(";") if ":" in p]
    return {k.strip(): v.strip() for k, v in pairs}


def export_units(f, outdir, points_header, rounds_header, runs_header):
    """units.csv: table, column, units for every column whose unit the file
    records (/points/<name> units, /rounds/NNNN and /runs/NNNN units)."""
    rows = []
    p = f["points"]
    for col in points_header[1:]:
        base, _, j = col.rpartition("_")
        base3, _, k = base.rpartition("_")
        if base in p and p[base].ndim == 2 and j.isdigit():
            name = base
        elif base3 in p and p[base3].ndim == 3 and j.isdigit() and k.isdigit():
            name = base3
        else:
            name = col
        if name in p and "units" in p[name].attrs:
            rows.append(("points.csv", col, text(p[name].attrs["units"])))
    for table, group, header in (("rounds.csv", "rounds", rounds_header),
                                 ("runs.csv", "runs", runs_header)):
        units = {}
        for name in f[group]:
            units.update(units_of(f[group][name].attrs.get("units", "")))
        for col in header:
            key = col if col in units else next((k for k in units if col.startswith(k + "_")),
                                                None)
            if key is None and col.startswith("timer_") and "timers" in units:
                key = "timers"  # timer_<phase>_<statistic>: the timers dataset
            if key is not None:
                rows.append((table, col, units[key]))
    path = os.path.join(outdir, "units.csv")
    write_table(path, ["table", "column", "units"], rows)
    return path, len(rows)


def export_models(f, outdir):
    """/models/NNNN (format 1.1, campaigns with [network]): one line per
    stored committee describing it; the weights themselves are not tables
    (read them with h5py or evaluate them with `alfe predict`).  None when the
    campaign has no /models."""
    if "models" not in f:
        return None
    rows = []
    for name in sorted(f["models"]):
        g = f["models"][name]
        a = g.attrs
        members = sorted(k for k in g if k.startswith("member_"))
        first = g[members[0]].attrs if members else {}
        rows.append([int(a.get("round", int(name))), int(a.get("n_members", len(members))),
                     int(a.get("d", 0)), len(a.get("invariants", [])),
                     " ".join(str(int(w)) for w in first.get("widths", [])),
                     " ".join(text(x) for x in first.get("activations", [])),
                     sum(int(g[m]["params"].shape[0]) for m in members if "params" in g[m])])
    path = os.path.join(outdir, "models.csv")
    write_table(path, ["round", "n_members", "d", "n_invariants", "widths", "activations",
                       "n_params_total"], rows)
    return path, len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Files: points.csv, rounds.csv, runs.csv, config.csv, "
                                        "units.csv (and models.csv with /models).")
    ap.add_argument("campaign", help="campaign file (HDF5, format alfe-campaign 1.x)")
    ap.add_argument("--csv", required=True, metavar="DIR", help="directory for the CSV files")
    args = ap.parse_args()
    try:
        f = h5py.File(args.campaign, "r")
    except OSError as e:
        print("alfe_export: %s: cannot open: %s" % (args.campaign, e), file=sys.stderr)
        return 2
    with f:
        if text(f.attrs.get("format", "")) != "alfe-campaign":
            print("alfe_export: %s is not an alfe campaign file" % args.campaign, file=sys.stderr)
            return 2
        if int(f.attrs.get("format_version_major", -1)) != 1:
            print("alfe_export: %s: campaign format version %s; this tool reads 1.x only"
                  % (args.campaign, text(f.attrs.get("format_version", "?"))), file=sys.stderr)
            return 2
        os.makedirs(args.csv, exist_ok=True)
        path, n, ncol = export_points(f, args.csv)
        print("wrote %s: %d rows x %d columns" % (path, n, ncol))
        path, n = export_rounds(f, args.csv)
        print("wrote %s: %d rounds" % (path, n))
        path, n = export_runs(f, args.csv)
        print("wrote %s: %d runs" % (path, n))
        path, n = export_config(f, args.csv)
        print("wrote %s: %d keys" % (path, n))
        headers = []
        for name in ("points.csv", "rounds.csv", "runs.csv"):
            with open(os.path.join(args.csv, name), newline="") as fh:
                headers.append(next(csv.reader(fh)))
        path, n = export_units(f, args.csv, *headers)
        print("wrote %s: units of %d columns" % (path, n))
        models = export_models(f, args.csv)
        if models is None:
            print("metrics: none in this campaign (no /models: it was run without [network]): "
                  "nothing to export")
        else:
            print("wrote %s: %d committee(s) (their weights are not tables and are not "
                  "exported: read /models with h5py or evaluate them with alfe predict)" % models)
            rounds = [f["rounds"][n].attrs for n in f["rounds"]]
            present = [k for k in METRIC_ATTRS if any(k in a for a in rounds)]
            print("metrics: columns of rounds.csv: %s" % (", ".join(present) or "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
