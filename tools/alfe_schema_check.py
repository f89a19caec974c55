#!/usr/bin/python3
"""alfe_schema_check.py — check a campaign file against its documented schema
(docs/campaign-file.md, format "alfe-campaign" version 1.x).

Usage: tools/alfe_schema_check.py [--allow-partial] FILE

Exit 0 with a one-line summary when FILE conforms; exit 1 listing every
violation (row-level violations grouped, with the first rows named).
--allow-partial accepts pending rows of a running round that hold results:
what a run killed while writing a row leaves (its status is written last, so
the row stays pending and is redone on resume).

Needs only Debian's python3-h5py and python3-numpy.
"""
import argparse
import hashlib
import re
import sys

import h5py
import numpy as np

FORMAT = "alfe-campaign"
MAJOR = 1
DOMAIN_TOL = 1e-9

# Attribute kinds: "str" (scalar string), "i64", "u64", "f64" (scalar), and
# "i64[]", "f64[]", "str[]" (1-D arrays).
ROOT_ATTRS = {
    "format": "str", "format_version": "str", "format_version_major": "i64",
    "format_version_minor": "i64", "alfe_version": "str", "created": "str",
    "dimension": "i64", "sublattices": "i64", "seed": "u64", "rounds_requested": "i64",
    "description": "str", "units": "str", "eta_normalisation": "str", "config": "str",
}
CONFIG_KEYS_1_0 = [
    "campaign.output", "campaign.seed", "campaign.rounds", "campaign.description",
    "system.model", "system.dimension", "system.q_file", "system.temperature",
    "oracle.noise", "oracle.omega", "oracle.a0", "oracle.a2", "oracle.b", "oracle.c",
    "oracle.delay", "umbrella.phi", "global.points", "global.method", "global.path_length",
    "run.progress_seconds",
]
KNOWN_MINOR = 3
ROUND_ATTRS_1_1 = {"mse_all": "f64", "mse_new_before_training": "f64", "mse_test": "f64",
                   "n_train": "i64", "n_excluded": "i64", "seconds_train": "f64"}
ROUND_ATTRS = {
    "round": "i64", "state": "str", "first_row": "i64", "n_points": "i64", "done": "i64",
    "failed": "i64", "pending": "i64", "points_per_criterion": "i64[]",
    "budget_per_criterion": "f64[]", "weight_per_criterion": "f64[]",
    "criterion_names": "str[]", "sobol_index_end": "u64", "seconds_acquire": "f64",
    "seconds_evaluate": "f64", "seconds_total": "f64", "points_per_second": "f64",
    "started": "str", "finished": "str",
}
RUN_ATTRS = {
    "started": "str", "finished": "str", "ranks": "i64", "exit_reason": "str",
    "points_evaluated": "i64", "config": "str", "build": "str",
}
# train: `alfe train`; converged, no_improvement: the [stop] rule ended the campaign.
EXIT_REASONS = ("complete", "signal", "invalid", "train", "converged", "no_improvement")
# Active-learning records of a round (docs/campaign-file.md), all or none.
ROUND_ATTRS_ACTIVE = {
    "proposed_per_criterion": "i64[]", "mse_before_per_criterion": "f64[]",
    "spread_before_per_criterion": "f64[]", "mse_after_per_criterion": "f64[]",
    "reweight_rule": "str", "stop_reason": "str",
}
REWEIGHT_RULES = ("none", "surprise", "improvement")
STOP_REASONS = ("", "converged", "no_improvement")
# /points columns of format 1.0: name -> (dtype, vector (n x d), units or None).
COLUMNS = {
    "round": ("<i4", False, None),
    "criterion": ("<i4", False, None),
    "seed": ("<u8", False, None),
    "T": ("<f8", False, "K"),
    "eta_target": ("<f8", True, None),
    "kappa": ("<f8", True, None),
    "phi": ("<f8", True, "eV per prim cell"),
    "eta_mean": ("<f8", True, None),
    "mu": ("<f8", True, "eV per prim cell"),
    "mu_stderr": ("<f8", True, "eV per prim cell"),
    "tau": ("<f8", True, "samples"),
    "passes": ("<i8", False, None),
    "samples": ("<i8", False, None),
    "equilibration_samples": ("<i8", False, None),
    "converged": ("|i1", False, None),
    "acceptance": ("<f8", False, None),
    "wall_seconds": ("<f8", False, "s"),
    "rank": ("<i4", False, None),
    "status": ("|i1", False, None),
}
# Optional /points columns (format 1.2, added later; a file may lack them):
# frozen = 1 when the Monte Carlo chain was frozen (docs/monte-carlo.md),
# never together with converged = 1.
OPTIONAL_COLUMNS = {"frozen": ("|i1", False, "dimensionless")}
# 1.2: every /points column has units ("dimensionless" where 1.0 gave none)
# and dimension labels ("row", and "order parameter" for n x d columns).
UNITS_1_2 = {name: units or {"passes": "passes", "samples": "samples",
                             "equilibration_samples": "samples"}.get(name, "dimensionless")
             for name, (_, _, units) in COLUMNS.items()}
SYSTEM_LABELS_1_2 = {"Q": ("order parameter", "sublattice"),
                     "Q_pinv": ("sublattice", "order parameter"),
                     "domain_A": ("half-space", "order parameter"), "domain_b": ("half-space",)}
MSE_UNITS = "eV^2 (per prim cell)^2"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
RESULT_FLOAT = ["eta_mean", "mu", "mu_stderr", "tau", "acceptance", "wall_seconds"]
RESULT_ZERO = ["passes", "samples", "equilibration_samples", "converged"]
PENDING, DONE, FAILED = 0, 1, 2


class Checker:
    def __init__(self, path, allow_partial):
        self.path = path
        self.allow_partial = allow_partial
        self.violations = []
        self.notes = []

    def bad(self, msg):
        self.violations.append(msg)

    def rows_bad(self, mask, what, kind="", offset=0):
        """One violation for all the rows where mask holds: "WHAT in N KIND rows: 3, 8"."""
        rows = np.flatnonzero(mask) + offset
        if rows.size:
            first = ", ".join(str(r) for r in rows[:5]) + (", ..." if rows.size > 5 else "")
            self.bad("%s in %d %srow%s: %s" % (what, rows.size, kind + " " if kind else "",
                                               "s" if rows.size > 1 else "", first))

    # -- attributes ---------------------------------------------------------
    def attr(self, obj, name, kind, where):
        """The value of attribute name of kind, or None (violation noted)."""
        if name not in obj.attrs:
            self.bad("%s: attribute %s missing" % (where, name))
            return None
        aid = obj.attrs.get_id(name)
        dt, shape = aid.dtype, aid.shape
        base, array = kind.rstrip("[]"), kind.endswith("[]")
        if array != (len(shape) == 1) or len(shape) > 1:
            self.bad("%s: attribute %s has shape %s, expected %s" %
                     (where, name, shape, "1-D" if array else "scalar"))
            return None
        if base == "str":
            ok = h5py.check_string_dtype(dt) is not None
        else:
            ok = dt == np.dtype({"i64": "<i8", "u64": "<u8", "f64": "<f8"}[base])
        if not ok:
            self.bad("%s: attribute %s has type %s, expected %s" % (where, name, dt, kind))
            return None
        value = obj.attrs[name]
        if base == "str":
            decode = lambda v: v.decode() if isinstance(v, bytes) else str(v)
            value = [decode(v) for v in value] if array else decode(value)
        return value

    def attrs(self, obj, spec, where):
        return {name: self.attr(obj, name, kind, where) for name, kind in spec.items()}

    def description(self, ds, where):
        self.attr(ds, "description", "str", where)

    # -- the file -----------------------------------------------------------
    def run(self):
        try:
            f = h5py.File(self.path, "r")
        except OSError as e:
            self.bad("cannot open as HDF5: %s" % e)
            return None
        with f:
            return self.check_file(f)

    def check_file(self, f):
        fmt = f.attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode()
        if fmt != FORMAT:
            self.bad('not an alfe campaign: root attribute format is %r, expected "%s"' %
                     (fmt, FORMAT))
            return None
        root = self.attrs(f, ROOT_ATTRS, "/")
        major, minor = root["format_version_major"], root["format_version_minor"]
        if major is None:
            return None
        if major != MAJOR:  # another major version: nothing else is comparable
            self.violations = ["campaign format version %d.%s: this checker reads format %s "
                               "version %d.x only (a new major version changes the meaning of "
                               "existing objects)" % (major, minor, FORMAT, MAJOR)]
            return None
        if minor is not None and root["format_version"] is not None and \
                root["format_version"] != "%d.%d" % (major, minor):
            self.bad("/: format_version %r disagrees with format_version_major/minor %d.%d"
                     % (root["format_version"], major, minor))
        self.minor = int(minor) if minor is not None else 0
        if self.minor > KNOWN_MINOR:
            self.notes.append("minor version %d: checked as 1.%d, later additions ignored"
                              % (self.minor, KNOWN_MINOR))
        d, m = root["dimension"], root["sublattices"]
        if d is not None and m is not None and (d < 1 or m < 1):
            self.bad("/: dimension = %d and sublattices = %d must be positive" % (d, m))
        if d is None or m is None or d < 1 or m < 1:
            return None
        d, m = int(d), int(m)
        for g in ("config", "system", "points", "rounds", "runs"):
            if not isinstance(f.get(g), h5py.Group):
                self.bad("/%s: group missing" % g)
        if self.violations:
            return None
        self.check_config(f["config"], d, root["seed"])
        dom = self.check_system(f["system"], d, m)
        pts = self.check_points(f["points"], d, dom)
        rounds = self.check_rounds(f["rounds"], pts)
        self.check_active(f, rounds)
        runs = self.check_runs(f["runs"])
        if self.minor >= 1:
            self.check_1_1(f, d, rounds)
        if self.minor >= 2:
            self.check_1_2(f)
        self.check_1_3(f, rounds)
        if pts is None:
            return None
        st = pts["status"]
        return ("%s: %s %s, d = %d, M = %d, %d rows (%d done, %d failed, %d pending), "
                "%d rounds (%d done), %d run%s" %
                (self.path, FORMAT, root["format_version"], d, m, st.size,
                 (st == DONE).sum(), (st == FAILED).sum(), (st == PENDING).sum(),
                 len(rounds), sum(r["state"] == "done" for r in rounds), runs,
                 "" if runs == 1 else "s"))

    # -- 1.3: the content hash of every finished round (rows_sha256) ----------
    # The /points datasets in the order of src/io/campaign_io.c's column table,
    # then the curvature datasets; each row range as stored, little-endian.
    HASH_ORDER = ("round", "criterion", "seed", "T", "eta_target", "kappa", "phi", "eta_mean",
                  "mu", "mu_stderr", "tau", "passes", "samples", "equilibration_samples",
                  "converged", "frozen", "acceptance", "wall_seconds", "rank", "status",
                  "eta_cov", "hessian", "hessian_stderr")

    def rows_sha256(self, points, first, n):
        h = hashlib.sha256()
        for name in self.HASH_ORDER:
            ds = points.get(name)
            if not isinstance(ds, h5py.Dataset):
                continue
            h.update(np.ascontiguousarray(ds[first:first + n]).astype(
                ds.dtype.newbyteorder("<")).tobytes())
        return h.hexdigest()

    def check_1_3(self, f, rounds):
        for name in sorted(f["rounds"]):
            g, where = f["rounds"][name], "/rounds/" + name
            state = self.attr(g, "state", "str", where)
            if "rows_sha256" not in g.attrs:
                if self.minor >= 3 and state == "done":
                    self.bad("%s: a finished round of a 1.%d file without rows_sha256"
                             % (where, self.minor))
                continue
            stored = self.attr(g, "rows_sha256", "str", where)
            if stored is None or state != "done":
                continue  # the hash describes a finished round's final rows
            if not re.fullmatch(r"[0-9a-f]{64}", stored):
                self.bad("%s: rows_sha256 %r is not 64 lower-case hex digits" % (where, stored))
                continue
            try:
                first, n = int(g.attrs["first_row"]), int(g.attrs["n_points"])
            except (KeyError, TypeError, ValueError):
                continue
            now = self.rows_sha256(f["points"], first, n)
            if now != stored:
                self.bad("%s: rows_sha256 %s... but the rows %d..%d hash to %s... (data changed "
                         "or damaged)" % (where, stored[:12], first, first + n - 1, now[:12]))

    # -- 1.2 additions: units, dimension labels, timestamps with a time zone --
    def units_map(self, obj, where):
        """The "name: unit; name: unit" attribute units of a group, as a dict."""
        text = self.attr(obj, "units", "str", where)
        if text is None:
            return {}
        pairs = [p.split(":", 1) for p in text.split(";") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            self.bad("%s: attribute units %r is not 'name: unit; ...'" % (where, text))
            return {}
        return {k.strip(): v.strip() for k, v in pairs}

    def labels(self, ds, expected, where):
        got = tuple(dim.label for dim in ds.dims)
        if got != tuple(expected):
            self.bad("%s: dimension labels %s, expected %s" % (where, got, tuple(expected)))

    def timestamp(self, obj, name, where, may_be_empty=False):
        value = obj.attrs.get(name)
        value = value.decode() if isinstance(value, bytes) else value
        if value is None or (may_be_empty and value == ""):
            return
        if not TIMESTAMP.match(str(value)):
            self.bad("%s: %s = %r is not ISO 8601 with a time zone (e.g. "
                     "2026-12-07T03:52:18Z)" % (where, name, value))

    def check_1_2(self, f):
        self.timestamp(f, "created", "/")
        for name, units in UNITS_1_2.items():
            ds = f["points"].get(name)
            if isinstance(ds, h5py.Dataset):
                where = "/points/" + name
                u = self.attr(ds, "units", "str", where)
                if u is not None and u != units:
                    self.bad("%s: units %r, expected %r" % (where, u, units))
                self.labels(ds, ("row", "order parameter")[:ds.ndim], where)
        sysg = f["system"]
        for name, labels in SYSTEM_LABELS_1_2.items():
            ds = sysg.get(name)
            if isinstance(ds, h5py.Dataset):
                where = "/system/" + name
                if self.attr(ds, "units", "str", where) not in (None, "dimensionless"):
                    self.bad("%s: units %r, expected 'dimensionless'" % (where, ds.attrs["units"]))
                self.labels(ds, labels, where)
        if self.units_map(sysg, "/system").get("temperature") != "K":
            self.bad("/system: attribute units does not give temperature: K")
        numeric = [k for k, kind in list(ROUND_ATTRS.items()) + list(ROUND_ATTRS_1_1.items())
                   if not kind.startswith("str")]
        for name in sorted(f["rounds"]):
            where = "/rounds/" + name
            g = f["rounds"][name]
            units = self.units_map(g, where)
            missing = [k for k in numeric if k not in units]
            if missing:
                self.bad("%s: attribute units names no unit for %s" % (where, ", ".join(missing)))
            for k in ("mse_all", "mse_new_before_training", "mse_test"):
                if k in units and units[k] != MSE_UNITS:
                    self.bad("%s: units of %s %r, expected %r" % (where, k, units[k], MSE_UNITS))
            self.timestamp(g, "started", where)
            self.timestamp(g, "finished", where, may_be_empty=True)
        for name in sorted(f["runs"]):
            where = "/runs/" + name
            g = f["runs"][name]
            units = self.units_map(g, where)
            for k in ("ranks", "points_evaluated", "timers"):
                if k not in units:
                    self.bad("%s: attribute units names no unit for %s" % (where, k))
            self.timestamp(g, "started", where)
            self.timestamp(g, "finished", where)
            t = g.get("timers")
            if isinstance(t, h5py.Dataset):
                if self.attr(t, "units", "str", where + "/timers") not in (None, "s"):
                    self.bad("%s/timers: units %r, expected 's'" % (where, t.attrs["units"]))
                self.labels(t, ("timer", "statistic over ranks"), where + "/timers")
        for name in sorted(f.get("models", {})):
            for mem in sorted(k for k in f["models"][name] if k.startswith("member_")):
                where = "/models/%s/%s" % (name, mem)
                mg = f["models"][name][mem]
                if "params" in mg and self.attr(mg["params"], "units", "str", where + "/params") \
                        not in (None, "dimensionless"):
                    self.bad("%s/params: units %r, expected 'dimensionless'" %
                             (where, mg["params"].attrs["units"]))
                if "scale" not in self.units_map(mg, where):
                    self.bad("%s: attribute units names no unit for scale" % where)
    # -- active-learning records: per criterion and round, the stop reason -----
    def check_active(self, f, rounds):
        names = sorted(f["rounds"]) if "rounds" in f else []
        last_stop = None
        for i, name in enumerate(names):
            g, where = f["rounds"][name], "/rounds/" + name
            if "proposed_per_criterion" not in g.attrs:
                continue
            a = self.attrs(g, ROUND_ATTRS_ACTIVE, where)
            n_crit = len(g.attrs["criterion_names"]) if "criterion_names" in g.attrs else None
            for k, kind in ROUND_ATTRS_ACTIVE.items():
                if kind.endswith("[]") and a[k] is not None and n_crit is not None and \
                        len(a[k]) != n_crit:
                    self.bad("%s: %s has %d entries, criterion_names %d" %
                             (where, k, len(a[k]), n_crit))
            if a["proposed_per_criterion"] is not None and min(a["proposed_per_criterion"]) < 0:
                self.bad("%s: proposed_per_criterion has a negative count" % where)
            if a["reweight_rule"] is not None and a["reweight_rule"] not in REWEIGHT_RULES:
                self.bad("%s: reweight_rule %r, expected one of %s" %
                         (where, a["reweight_rule"], ", ".join(REWEIGHT_RULES)))
            if a["stop_reason"] is not None and a["stop_reason"] not in STOP_REASONS:
                self.bad("%s: stop_reason %r, expected one of %s" %
                         (where, a["stop_reason"], ", ".join(repr(r) for r in STOP_REASONS)))
            if a["stop_reason"] and i != len(names) - 1:
                self.bad("%s: stop_reason %r but a later round exists" % (where, a["stop_reason"]))
            for k in ("mse_before_per_criterion", "spread_before_per_criterion",
                      "mse_after_per_criterion"):
                v = a[k]
                if v is not None and any(x < 0 for x in v if np.isfinite(x)):
                    self.bad("%s: %s has a negative value" % (where, k))
            last_stop = a["stop_reason"]
        if "stop_reason" in f.attrs:
            root = self.attr(f, "stop_reason", "str", "/")
            if root is not None and last_stop is not None and root != last_stop:
                self.bad("/: stop_reason %r differs from the last round's %r" % (root, last_stop))

    # -- 1.1 additions: round metrics, /models, the CASM texts ----------------
    def check_1_1(self, f, d, rounds):
        for name in sorted(f["rounds"]):
            self.attrs(f["rounds"][name], ROUND_ATTRS_1_1, "/rounds/" + name)
        sysg = f["system"]
        model = sysg.attrs.get("model")
        model = model.decode() if isinstance(model, bytes) else model
        if model == "clex":
            for name in ("prim_json", "eci_json"):
                ds = sysg.get(name)
                if not isinstance(ds, h5py.Dataset) or ds.dtype.kind != "S" or ds.shape != ():
                    self.bad("/system/%s: a scalar string dataset is required for model = clex"
                             % name)
        models = f.get("models")
        if models is None:
            return
        done = {"%04d" % i for i, r in enumerate(rounds) if r.get("state") == "done"}
        for name in sorted(models):
            where = "/models/" + name
            g = models[name]
            if name not in {"%04d" % i for i in range(len(rounds))}:
                self.bad("%s: no round of that number" % where)
            a = self.attrs(g, {"round": "i64", "d": "i64", "n_members": "i64"}, where)
            if a["d"] is not None and a["d"] != d:
                self.bad("%s: d = %d, the campaign has %d" % (where, a["d"], d))
            inv = g.attrs.get("invariants")
            if inv is None or len(inv) < 1:
                self.bad("%s: attribute invariants (formula strings) missing" % where)
                continue
            m = len(inv)
            members = sorted(k for k in g if k.startswith("member_"))
            if a["n_members"] is not None and len(members) != a["n_members"]:
                self.bad("%s: %d member groups, n_members = %d" % (where, len(members),
                                                                   a["n_members"]))
            for mem in members:
                mw = where + "/" + mem
                mg = g[mem]
                arch = self.attrs(mg, {"n_inputs": "i64", "n_layers": "i64", "scale": "f64"}, mw)
                widths = mg.attrs.get("widths")
                if arch["n_inputs"] is None or arch["n_layers"] is None or widths is None:
                    continue
                if arch["n_inputs"] != m:
                    self.bad("%s: n_inputs = %d, %d invariants" % (mw, arch["n_inputs"], m))
                sizes = [m] + [int(w) for w in widths]
                n_params = sum(sizes[i + 1] * (sizes[i] + 1) for i in range(len(sizes) - 1)) \
                    + sizes[-1] + 1
                params = mg.get("params")
                if not isinstance(params, h5py.Dataset) or params.shape != (n_params,):
                    self.bad("%s/params: shape %s, the architecture needs (%d,)" %
                             (mw, None if params is None else params.shape, n_params))
                elif not np.isfinite(params[...]).all():
                    self.bad("%s/params: non-finite values" % mw)

    def check_config(self, g, d, seed):
        for name in list(g.attrs):
            self.attr(g, name, "str", "/config")
        for key in CONFIG_KEYS_1_0 + ["description"]:
            if key not in g.attrs:
                self.bad("/config: attribute %s missing" % key)
        try:
            if int(g.attrs["system.dimension"]) != d:
                self.bad("/config: system.dimension = %s but /dimension = %d" %
                         (g.attrs["system.dimension"], d))
            if seed is not None and int(g.attrs["campaign.seed"]) != int(seed):
                self.bad("/config: campaign.seed = %s but /seed = %d" %
                         (g.attrs["campaign.seed"], seed))
        except (KeyError, ValueError, TypeError):
            pass

    def dataset(self, g, name, shape, where):
        """A float64 dataset of the given shape, read, or None."""
        ds = g.get(name)
        if not isinstance(ds, h5py.Dataset):
            self.bad("%s/%s: dataset missing" % (where, name))
            return None
        if ds.dtype != np.dtype("<f8"):
            self.bad("%s/%s: dtype %s, expected float64" % (where, name, ds.dtype))
        if ds.shape != shape:
            self.bad("%s/%s: shape %s, expected %s" % (where, name, ds.shape, shape))
            return None
        self.description(ds, "%s/%s" % (where, name))
        return ds[...]

    def check_system(self, g, d, m):
        a = self.attrs(g, {"model": "str", "q_file": "str", "temperature": "f64"}, "/system")
        if a["model"] is not None and a["model"] not in ("oracle", "clex"):
            self.bad("/system: model %r is not oracle or clex" % a["model"])
        if a["temperature"] is not None and not a["temperature"] > 0:
            self.bad("/system: temperature %r is not positive" % a["temperature"])
        q = self.dataset(g, "Q", (d, m), "/system")
        q_pinv = self.dataset(g, "Q_pinv", (m, d), "/system")
        A = self.dataset(g, "domain_A", (2 * m, d), "/system")
        b = self.dataset(g, "domain_b", (2 * m,), "/system")
        if q is not None and not np.allclose(q[0], 1.0 / m, rtol=0, atol=1e-12):
            self.bad("/system/Q: row 0 is not (1/M)(1,...,1) with M = %d" % m)
        if q is not None and q_pinv is not None and \
                not np.allclose(q @ q_pinv, np.eye(d), rtol=0, atol=1e-8):
            self.bad("/system/Q_pinv: Q Q_pinv is not the identity")
        if A is None or b is None:
            return None
        # Monte Carlo averages live in the image of the cube {Q x : x in [0,1]^M}
        # (its bounding box here), which is larger than the pseudo-inverse
        # domain when d < M; the oracle's entropy keeps x(eta) in (0,1).
        box = None
        if a["model"] == "clex" and q is not None:
            box = (np.minimum(q, 0).sum(axis=1), np.maximum(q, 0).sum(axis=1))
        return (A, b, box)

    def check_points(self, g, d, dom):
        cols, n = {}, None
        for name in ["status"] + list(COLUMNS):  # n = rows of status (as alfe reads it)
            if n is None and isinstance(g.get(name), h5py.Dataset) and g[name].ndim >= 1:
                n = g[name].shape[0]
        for name, (dtype, vector, units) in COLUMNS.items():
            where = "/points/" + name
            ds = g.get(name)
            if not isinstance(ds, h5py.Dataset):
                self.bad("%s: column missing" % where)
                continue
            shape = (n, d) if vector else (n,)
            ok = True
            if ds.dtype != np.dtype(dtype):
                self.bad("%s: dtype %s, expected %s" % (where, ds.dtype, np.dtype(dtype)))
                ok = False
            if ds.shape != shape:
                self.bad("%s: shape %s, expected %s (%s)" %
                         (where, ds.shape, shape, "n_rows x d" if vector else "n_rows"))
                ok = False
            elif ds.maxshape[0] is not None:
                self.bad("%s: not extendible (maxshape %s)" % (where, ds.maxshape))
            self.description(ds, where)
            if units is not None:
                u = self.attr(ds, "units", "str", where)
                if u is not None and u != units:
                    self.bad("%s: units %r, expected %r" % (where, u, units))
            if ok:
                cols[name] = ds[...]
        # Optional columns (absent from older files): dtype, shape, values.
        for name, (dtype, vector, units) in OPTIONAL_COLUMNS.items():
            ds = g.get(name)
            if ds is None:
                continue
            where = "/points/" + name
            if not isinstance(ds, h5py.Dataset) or ds.dtype != np.dtype(dtype) or \
                    ds.shape != (n,):
                self.bad("%s: expected %s of shape (%s,)" % (where, np.dtype(dtype), n))
                continue
            v = ds[...]
            self.rows_bad(~np.isin(v, (0, 1)), "%s: value outside {0, 1}" % where)
            if "converged" in g and g["converged"].shape == v.shape:
                self.rows_bad((v == 1) & (g["converged"][...] == 1),
                              "%s: a frozen row is converged" % where)
        for name, ds in g.items():
            if name not in COLUMNS and name not in OPTIONAL_COLUMNS and isinstance(ds, h5py.Dataset) and \
                    (ds.ndim < 1 or ds.shape[0] != n):
                self.bad("/points/%s: %s rows, the other columns have %s" %
                         (name, ds.shape[0] if ds.ndim else "no", n))
        crit_names = None
        if "criterion" in g:
            crit_names = self.attr(g["criterion"], "criterion_names", "str[]", "/points/criterion")
        if "status" in g:
            names = self.attr(g["status"], "status_names", "str[]", "/points/status")
            if names is not None and list(names) != ["pending", "done", "failed"]:
                self.bad("/points/status: status_names %s, expected [pending, done, failed]"
                         % list(names))
        if len(cols) != len(COLUMNS):
            return None
        self.check_rows(cols, dom, crit_names)
        cols["criterion_names"] = crit_names
        return cols

    def check_rows(self, c, dom, crit_names):
        st = c["status"]
        known = np.isin(st, (PENDING, DONE, FAILED))
        self.rows_bad(~known, "/points/status: value %s outside {0 pending, 1 done, 2 failed}"
                      % sorted(set(st[~known].tolist())))
        done, failed = st == DONE, st == FAILED
        # Inputs: written for every row when its round starts.
        for name in ("T", "eta_target", "kappa", "phi"):
            v = c[name].reshape(st.size, -1 if st.size else 1)
            self.rows_bad(~np.isfinite(v).all(axis=1), "/points/%s: non-finite input" % name)
        self.rows_bad(~(c["T"] > 0), "/points/T: not positive")
        if crit_names is not None:
            self.rows_bad((c["criterion"] < 0) | (c["criterion"] >= len(crit_names)),
                          "/points/criterion: id outside criterion_names")
        # Done rows: finite results, measured inside the domain.
        for name in ("eta_mean", "mu"):
            self.rows_bad(done & ~np.isfinite(c[name]).all(axis=1),
                          "/points/%s: non-finite" % name, "done")
        # mu_stderr: finite on converged rows; a non-converged chain whose
        # autocorrelation time could not be estimated reports +inf (never NaN).
        se = c["mu_stderr"]
        conv = c["converged"] == 1
        self.rows_bad(done & conv & ~np.isfinite(se).all(axis=1),
                      "/points/mu_stderr: non-finite", "done, converged")
        self.rows_bad(done & np.isnan(se).any(axis=1), "/points/mu_stderr: NaN", "done")
        self.rows_bad(done & (c["mu_stderr"] < 0).any(axis=1), "/points/mu_stderr: negative",
                      "done")
        self.rows_bad((done | failed) & (c["rank"] < 0), "/points/rank: no rank (< 0)",
                      "done or failed")
        self.rows_bad((done | failed) & ~(c["wall_seconds"] >= 0),
                      "/points/wall_seconds: not written", "done or failed")
        if dom is not None:
            A, b, box = dom
            for name, mask, kind in (("eta_mean", done, "done"),
                                     ("eta_target", np.ones_like(done), "")):
                v = np.nan_to_num(c[name], nan=0.0)
                if name == "eta_mean" and box is not None:
                    outside = ((v < box[0] - DOMAIN_TOL) | (v > box[1] + DOMAIN_TOL)).any(axis=1)
                    self.rows_bad(mask & outside, "/points/eta_mean: outside the image of the "
                                  "sublattice cube (Monte Carlo states are Q x, x in [0,1]^M)",
                                  kind)
                    continue
                outside = ((v @ A.T) > b + DOMAIN_TOL).any(axis=1)
                self.rows_bad(mask & outside, "/points/%s: outside the domain (domain_A eta "
                              "<= domain_b + %g fails)" % (name, DOMAIN_TOL), kind)

    def pending_with_results(self, c):
        """Pending rows that do not hold the fill values of unwritten rows."""
        st = c["status"]
        written = np.zeros(st.size, bool)
        for name in RESULT_FLOAT:
            written |= ~np.isnan(c[name].reshape(st.size, -1 if st.size else 1)).all(axis=1)
        for name in RESULT_ZERO:
            written |= c[name] != 0
        written |= c["rank"] != -1
        return (st == PENDING) & written

    def check_rounds(self, g, c):
        n_rounds = len(g)
        names = sorted(g.keys())
        expected = ["%04d" % i for i in range(n_rounds)]
        if names != expected:
            self.bad("/rounds: groups %s, expected %s (0000, 0001, ... without gaps)" %
                     (names, expected))
        records = []
        for i, name in enumerate(names):
            where = "/rounds/" + name
            if not isinstance(g[name], h5py.Group):
                self.bad("%s: not a group" % where)
                continue
            rec = self.attrs(g[name], ROUND_ATTRS, where)
            rec["where"] = where
            records.append(rec)
            if rec["round"] is not None and rec["round"] != i:
                self.bad("%s: attribute round = %d, expected %d" % (where, rec["round"], i))
            if rec["state"] is not None and rec["state"] not in ("running", "done"):
                self.bad("%s: state %r, expected running or done" % (where, rec["state"]))
            if rec["state"] == "running" and i != len(names) - 1:
                self.bad("%s: running but a later round exists (rounds run one after the "
                         "other)" % where)
            if rec["state"] == "done" and not rec["finished"]:
                self.bad("%s: state done without a finished time" % where)
            counts = [rec[k] for k in ("done", "failed", "pending", "n_points")]
            if None not in counts and counts[0] + counts[1] + counts[2] != counts[3]:
                self.bad("%s: done + failed + pending = %d + %d + %d != n_points = %d" %
                         (where, *counts))
            for k in ("points_per_criterion", "budget_per_criterion", "weight_per_criterion",
                      "criterion_names"):
                if c is not None and c["criterion_names"] is not None and \
                        rec[k] is not None and len(rec[k]) != len(c["criterion_names"]):
                    self.bad("%s: %s has %d entries, /points/criterion has %d criteria" %
                             (where, k, len(rec[k]), len(c["criterion_names"])))
            if c is not None and rec["criterion_names"] is not None and \
                    c["criterion_names"] is not None and \
                    list(rec["criterion_names"]) != list(c["criterion_names"]):
                self.bad("%s: criterion_names differ from /points/criterion's" % where)
        if c is None:
            return records
        st, n = c["status"], c["status"].size
        row = 0
        covered = np.zeros(n, bool)
        partial = 0
        pending_results = self.pending_with_results(c)
        for i_round, rec in enumerate(records):
            where, first, count = rec["where"], rec["first_row"], rec["n_points"]
            if first is None or count is None:
                continue
            if first != row:
                self.bad("%s: first_row = %d, expected %d (rounds own contiguous rows in "
                         "order)" % (where, first, row))
            if count < 0 or first < 0 or first + count > n:
                self.bad("%s: rows %d..%d outside the %d rows of /points" %
                         (where, first, first + count - 1, n))
                row = first + max(count, 0)
                continue
            row = first + count
            sl = slice(first, first + count)
            covered[sl] = True
            self.rows_bad(c["round"][sl] != i_round, "/points/round: not %d, though %s owns "
                          "the row" % (i_round, where), offset=first)
            if rec["points_per_criterion"] is not None and c["criterion_names"] is not None and \
                    len(rec["points_per_criterion"]) == len(c["criterion_names"]):
                per = np.bincount(c["criterion"][sl].clip(0, len(c["criterion_names"])),
                                  minlength=len(c["criterion_names"]) + 1)
                if list(per[:-1]) != list(rec["points_per_criterion"]):
                    self.bad("%s: points_per_criterion %s, but /points/criterion counts %s" %
                             (where, list(rec["points_per_criterion"]), list(per[:-1])))
            s = st[sl]
            actual = [int((s == DONE).sum()), int((s == FAILED).sum()), int((s == PENDING).sum())]
            pend_res = pending_results[sl]
            if rec["state"] == "done":
                recorded = [rec["done"], rec["failed"], rec["pending"]]
                if None not in recorded and recorded != actual:
                    self.bad("%s: state done with done/failed/pending = %s, but the status "
                             "column counts %s" % (where, recorded, actual))
                self.rows_bad(s == PENDING, "%s (state done): status pending" % where,
                              offset=first)
            elif self.allow_partial:
                partial += int(pend_res.sum())
                pend_res = np.zeros_like(pend_res)
            self.rows_bad(pend_res, "/points: results written (not the fill values NaN, 0, "
                          "rank -1)%s" % ("" if rec["state"] == "done" else
                                          " in %s, running: a run killed while writing a row "
                                          "leaves this (--allow-partial accepts it)," % where),
                          "pending", first)
        if row != n:
            self.bad("/rounds: the rounds' n_points sum to %d, /points has %d rows" % (row, n))
        self.rows_bad(~covered, "/points: owned by no /rounds record")
        if partial:
            self.notes.append("%d partially written pending row%s" %
                              (partial, "s" if partial > 1 else ""))
        return records

    def check_runs(self, g):
        names = sorted(g.keys())
        expected = ["%04d" % i for i in range(len(names))]
        if names != expected:
            self.bad("/runs: groups %s, expected %s" % (names, expected))
        for name in names:
            where = "/runs/" + name
            run = g[name]
            if not isinstance(run, h5py.Group):
                self.bad("%s: not a group" % where)
                continue
            a = self.attrs(run, RUN_ATTRS, where)
            if a["exit_reason"] is not None and a["exit_reason"] not in EXIT_REASONS:
                self.bad("%s: exit_reason %r, expected one of %s" %
                         (where, a["exit_reason"], ", ".join(EXIT_REASONS)))
            if a["ranks"] is not None and a["ranks"] < 1:
                self.bad("%s: ranks = %d" % (where, a["ranks"]))
            if a["points_evaluated"] is not None and a["points_evaluated"] < 0:
                self.bad("%s: points_evaluated = %d" % (where, a["points_evaluated"]))
            ds = run.get("timers")
            if not isinstance(ds, h5py.Dataset):
                self.bad("%s/timers: dataset missing" % where)
                continue
            timer_names = self.attr(ds, "names", "str[]", where + "/timers")
            columns = self.attr(ds, "columns", "str[]", where + "/timers")
            self.description(ds, where + "/timers")
            if columns is not None and list(columns) != ["min", "avg", "max"]:
                self.bad("%s/timers: columns %s, expected [min, avg, max]" % (where, columns))
            if timer_names is not None and (ds.shape != (len(timer_names), 3) or
                                            ds.dtype != np.dtype("<f8")):
                self.bad("%s/timers: %s %s, expected float64 (%d, 3)" %
                         (where, ds.dtype, ds.shape, len(timer_names)))
            elif timer_names is not None:
                t = ds[...]
                slack = 1e-9 * np.abs(t).max(initial=1.0)
                if not ((t[:, 0] <= t[:, 1] + slack) & (t[:, 1] <= t[:, 2] + slack)).all():
                    self.bad("%s/timers: some row is not min <= avg <= max" % where)
        return len(names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--allow-partial", action="store_true",
                    help="accept pending rows of a running round that hold results "
                         "(left by a run killed while writing them)")
    args = ap.parse_args()
    checker = Checker(args.file, args.allow_partial)
    summary = checker.run()
    if checker.violations:
        print("%s: %d schema violation%s:" % (args.file, len(checker.violations),
                                             "s" if len(checker.violations) > 1 else ""))
        for v in checker.violations:
            print("  " + v)
        return 1
    note = "; " + "; ".join(checker.notes) if checker.notes else ""
    print("OK " + summary + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
