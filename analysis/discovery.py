"""Scenario discovery: PRIM boxes of the parameter space where an outcome of interest
occurs, each explained by the incident chains of the runs inside it.

**Cases.** By default every run is a case (``per="run"``): X is the run's design point
(its parameter values; booleans as 0/1, value lists of strings as their index), y the
metric of the run, and the outcome of interest is ``y > threshold`` (``--above``) or
``y < threshold`` (``--below``). Coverage and density are then shares of runs, which
keeps the replications' spread in the picture: a box of density 0.8 holds points where
deterrence fails in 80 % of runs. ``per="point"`` uses the mean over replications of
each design point instead.

**Chains.** With ``/incidents`` (``cyberdeter run --incidents``, ``cyberdeter sweep
--incidents``) every incident of a run is summarised as one chain

    attacker kind → attribution → response

where attribution is ``undetected`` (never detected within the window), ``not attributed``
(detected, no judgement named an actor), ``attributed correctly`` or ``attributed
wrongly``, and response is the rung carried out (``rung_final``: none, attribute,
coordinate, sanction). For each box the chains of the runs inside are compared with those
of the runs outside, as shares of all incidents of each group, and per run. The chain
with the largest excess share inside is the box's reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .io import AnalysisError, BadInput, CyberFile, KINDS, safe_name

ATTRIBUTION = ("undetected", "not attributed", "attributed correctly", "attributed wrongly")
RUNGS = ("none", "attribute", "coordinate", "sanction")
CHUNK_ROWS = 1 << 18
_CHAIN_COLUMNS = ["replication", "attacker_kind", "detected", "attributed", "correct", "rung_final"]


def chain_labels(cf: CyberFile | None = None) -> list[str]:
    kinds = (cf.names("attacker_kinds") if cf is not None else []) or list(KINDS)
    rungs = (cf.names("rungs") if cf is not None else []) or list(RUNGS)
    return [f"{k} → {a} → {r}" for k in kinds for a in ATTRIBUTION for r in rungs]


def chain_codes(frame, n_rungs: int = 4) -> np.ndarray:
    """Chain code per incident: (kind · 4 + attribution) · n_rungs + rung, where attribution
    is 0 undetected, 1 not attributed, 2 attributed correctly, 3 attributed wrongly.
    FRAME: a DataFrame (decoded or not) or a structured array of /incidents rows."""
    def col(name):
        c = frame[name]
        if isinstance(getattr(c, "dtype", None), pd.CategoricalDtype):
            return np.asarray(c.cat.codes, dtype=np.int64)
        return np.asarray(c)
    kind = col("attacker_kind").astype(np.int64)
    rung = col("rung_final").astype(np.int64)
    detected = col("detected").astype(bool)
    attributed = col("attributed").astype(bool)
    correct = col("correct").astype(bool)
    att = np.where(~detected, 0, np.where(~attributed, 1, np.where(correct, 2, 3)))
    return (kind * 4 + att) * n_rungs + rung


def chain_summary(cf: CyberFile, groups: np.ndarray | None = None,
                  group_names: Sequence[str] = ("outside", "inside"),
                  chunk_rows: int = CHUNK_ROWS) -> pd.DataFrame:
    """Incident chains per group of runs.

    GROUPS: one integer per row of /runs (its order), the group of that run (0, 1, …;
    -1 = leave out); None puts every run in one group "all". Returns one row per chain
    seen, with columns chain, kind, attribution, response and per group g: ``n_g``
    (incidents), ``share_g`` (of the group's incidents) and ``per_run_g`` (incidents per
    run of the group); sorted by the share in the last group, largest first.
    """
    if "incidents" not in cf.h5:
        raise BadInput(f"{cf.path}: has no /incidents table (run with `cyberdeter run "
                       f"--incidents` or `cyberdeter sweep --incidents`)")
    runs = cf.runs([], decode=False)
    point = runs["point"].to_numpy(np.int64)
    rep = runs["replication"].to_numpy(np.int64)
    if groups is None:
        groups = np.zeros(len(runs), dtype=np.int64)
        group_names = ("all",)
    groups = np.asarray(groups, dtype=np.int64)
    if len(groups) != len(runs):
        raise AnalysisError(f"chain_summary: {len(groups)} groups for {len(runs)} runs")
    n_groups = len(group_names)
    R = int(rep.max()) + 1 if len(rep) else 1
    P = int(point.max()) + 1 if len(point) else 1
    lookup = np.full(P * R, -1, dtype=np.int64)
    lookup[point * R + rep] = groups
    kinds = cf.names("attacker_kinds") or list(KINDS)
    rungs = cf.names("rungs") or list(RUNGS)
    n_codes = len(kinds) * 4 * len(rungs)
    counts = np.zeros(n_groups * n_codes, dtype=np.int64)
    ds = cf.h5["incidents"]
    has_point = "point" in ds.dtype.names
    cols = (["point"] if has_point else []) + _CHAIN_COLUMNS
    total = ds.shape[0]
    view = ds.fields(cols)
    for lo in range(0, total, chunk_rows):
        chunk = view[lo:min(total, lo + chunk_rows)]  # structured array of the 6-7 fields
        ip = chunk["point"].astype(np.int64) if has_point else np.zeros(len(chunk), np.int64)
        ir = chunk["replication"].astype(np.int64)
        ok = (ip < P) & (ir < R)
        g = np.full(len(chunk), -1, dtype=np.int64)
        g[ok] = lookup[ip[ok] * R + ir[ok]]
        code = chain_codes(chunk, len(rungs))
        keep = (g >= 0) & (code >= 0) & (code < n_codes)
        counts += np.bincount(g[keep] * n_codes + code[keep], minlength=n_groups * n_codes)
    counts = counts.reshape(n_groups, n_codes)
    runs_per_group = np.bincount(groups[groups >= 0], minlength=n_groups)
    labels = [(k, a, r) for k in kinds for a in ATTRIBUTION for r in rungs]
    seen = counts.sum(axis=0) > 0
    out = pd.DataFrame({
        "chain": [f"{k} → {a} → {r}" for (k, a, r), s in zip(labels, seen) if s],
        "kind": [k for (k, _, _), s in zip(labels, seen) if s],
        "attribution": [a for (_, a, _), s in zip(labels, seen) if s],
        "response": [r for (_, _, r), s in zip(labels, seen) if s],
    })
    for gi, name in enumerate(group_names):
        c = counts[gi][seen]
        tot = c.sum()
        out[f"n_{name}"] = c
        out[f"share_{name}"] = c / tot if tot else np.nan
        out[f"per_run_{name}"] = c / runs_per_group[gi] if runs_per_group[gi] else np.nan
    if n_groups >= 2:
        a, b = group_names[-1], group_names[0]
        out["difference"] = out[f"share_{a}"] - out[f"share_{b}"]
    out = out.sort_values(f"share_{group_names[-1]}", ascending=False, kind="mergesort")
    out.attrs["runs"] = {name: int(runs_per_group[i]) for i, name in enumerate(group_names)}
    out.attrs["incidents"] = {name: int(counts[i].sum()) for i, name in enumerate(group_names)}
    return out.reset_index(drop=True)


@dataclass
class BoxReport:
    index: int
    box: object                     # analysis.prim.Box
    limits: pd.DataFrame            # parameter, low, high, restricted
    runs_inside: int
    chains: pd.DataFrame | None     # chain_summary with groups outside/inside
    reason: str


@dataclass
class Discovery:
    metric: str
    label: str
    unit: str
    threshold: float
    above: bool
    per: str
    result: object                  # analysis.prim.PrimResult
    boxes: list[BoxReport]
    n_cases: int
    n: int
    values: np.ndarray = field(repr=False)
    notes: list[str] = field(default_factory=list)
    source: str = ""

    @property
    def outcome(self) -> str:
        return f"{self.metric} {'>' if self.above else '<'} {self.threshold:g}"

    def summary_frame(self) -> pd.DataFrame:
        rows = []
        for b in self.boxes:
            rows.append({"box": b.index, "coverage": b.box.coverage, "density": b.box.density,
                         "mass": b.box.mass, "n": b.box.n, "runs_inside": b.runs_inside,
                         "limits": " and ".join(r.condition for r in b.limits.itertuples()
                                                if r.restricted) or "(whole space)",
                         "reason": b.reason})
        return pd.DataFrame(rows)

    def limits_frame(self) -> pd.DataFrame:
        frames = [b.limits.assign(box=b.index) for b in self.boxes]
        if not frames:
            return pd.DataFrame(columns=["box", "parameter", "low", "high", "categories",
                                         "restricted", "condition"])
        df = pd.concat(frames, ignore_index=True)
        return df[["box", "parameter", "low", "high", "categories", "restricted", "condition"]]

    def text(self) -> str:
        lines = [f"Outcome of interest: {self.outcome} ({self.label}); "
                 f"{self.n_cases} of {self.n} {'runs' if self.per == 'run' else 'design points'} "
                 f"({self.n_cases / max(self.n, 1):.1%})."]
        if not self.boxes:
            lines.append("PRIM found no box.")
        for b in self.boxes:
            if not any(r.restricted for r in b.limits.itertuples()):
                lines.append(
                    f"Box {b.index} is the whole design: no region concentrates the outcome "
                    "enough to pay for the coverage it would give up (the rule maximises "
                    "coverage × density); the chains below describe all runs. The peeling "
                    "trajectory shows where it is denser: choose a box from it with "
                    "--min-coverage C (the densest box keeping a share C of the cases).")
                trajectory = self.result.trajectory
                for step in trajectory[trajectory["box"] == b.index - 1].itertuples():
                    if 0 < step.step <= 4:
                        lines.append(f"    peel {step.step}: {step.peel}: coverage "
                                     f"{step.coverage:.2f}, density {step.density:.2f}")
            lines.append(f"Box {b.index}: coverage {b.box.coverage:.2f}, density {b.box.density:.2f}, "
                         f"mass {b.box.mass:.2f}, n = {b.box.n}")
            for r in b.limits.itertuples():
                if r.restricted:
                    lines.append(f"    {r.condition}")
            lines.append(f"    {b.reason}")
        lines += self.notes
        return "\n".join(lines)

    def write(self, outdir: str | Path) -> dict:
        from . import plots
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        stem = "prim_" + safe_name(self.metric)
        paths: dict = {}
        self.summary_frame().to_csv(outdir / f"{stem}_boxes.csv", index=False)
        self.limits_frame().to_csv(outdir / f"{stem}_limits.csv", index=False)
        paths["boxes"] = outdir / f"{stem}_boxes.csv"
        paths["limits"] = outdir / f"{stem}_limits.csv"
        traj = getattr(self.result, "trajectory", None)
        if traj is not None and len(traj):
            traj.to_csv(outdir / f"{stem}_trajectory.csv", index=False)
            paths["trajectory"] = outdir / f"{stem}_trajectory.csv"
            first = traj[traj["box"] == 0] if "box" in traj else traj
            chosen = (list(np.flatnonzero(first["selected"].to_numpy(bool)))
                      if "selected" in first else [])
            paths["trajectory_plot"] = plots.save(
                plots.prim_trajectory(first.reset_index(drop=True), chosen,
                                      title=f"PRIM peeling trajectory: {self.outcome}"),
                outdir, f"{stem}_trajectory")
        paths["histogram"] = plots.save(
            plots.histogram(self.values, plots.axis_label(self.label, self.unit, per_run=self.per == "run"),
                            threshold=self.threshold, title=f"Distribution of {self.metric}"),
            outdir, f"{stem}_histogram")
        for b in self.boxes:
            if b.chains is not None and len(b.chains):
                csv = outdir / f"{stem}_box{b.index}_chains.csv"
                b.chains.to_csv(csv, index=False)
                paths[f"chains_box{b.index}"] = csv
                paths[f"chains_box{b.index}_plot"] = plots.save(
                    plots.chains(b.chains, title=f"Box {b.index}: incident chains inside vs outside"),
                    outdir, f"{stem}_box{b.index}_chains")
        (outdir / f"{stem}.txt").write_text(self.text() + "\n")
        paths["text"] = outdir / f"{stem}.txt"
        return paths


def _limits(box, X: pd.DataFrame) -> pd.DataFrame:
    """The box's limits as a flat table: parameter, low, high (numeric parameters, shown
    within the data's range), categories (allowed values of the others), restricted and
    condition (readable)."""
    lim = box.limits.copy()
    if "parameter" not in lim.columns:
        lim = lim.rename_axis("parameter").reset_index()
    if "categories" not in lim.columns:
        lim["categories"] = None
    if "restricted" not in lim.columns:
        lim["restricted"] = True
    rows = []
    for r in lim.itertuples():
        cats = r.categories
        if cats is not None and not (isinstance(cats, float) and np.isnan(cats)):
            allowed = ", ".join(_fmt(v) for v in cats)
            rows.append((r.parameter, np.nan, np.nan, allowed, bool(r.restricted),
                         f"{r.parameter} in {{{allowed}}}"))
            continue
        col = X[r.parameter].to_numpy(float) if r.parameter in X else np.array([r.low, r.high])
        low = max(float(r.low), float(np.min(col)))
        high = min(float(r.high), float(np.max(col)))
        if np.isfinite(r.low) and np.isfinite(r.high):
            cond = f"{low:.4g} ≤ {r.parameter} ≤ {high:.4g}"
        elif np.isfinite(r.low):
            cond = f"{r.parameter} ≥ {low:.4g}"
        elif np.isfinite(r.high):
            cond = f"{r.parameter} ≤ {high:.4g}"
        else:
            cond = f"{r.parameter}: any"
        rows.append((r.parameter, low, high, "", bool(r.restricted), cond))
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "categories", "restricted",
                                       "condition"])


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _reason(chains: pd.DataFrame, inside_runs: int, outside_runs: int) -> str:
    """The box's reason: the chain most over-represented inside (by share of incidents),
    then the most frequent one, and the incidents per run inside vs outside."""
    inc = chains.attrs.get("incidents", {})
    n_in, n_out = inc.get("inside", 0), inc.get("outside", 0)
    if not n_in:
        return "The runs inside the box have no incidents."
    per_run = (f"runs inside have {n_in / max(inside_runs, 1):.1f} incidents each"
               + (f" (vs {n_out / outside_runs:.1f} outside)" if outside_runs else ""))
    top = chains.iloc[0]
    parts = []
    if "difference" in chains and outside_runs and n_out:
        over = chains.sort_values("difference", ascending=False, kind="mergesort").iloc[0]
        if over.difference > 0:
            parts.append(f"The chain most over-represented inside is {over.chain} "
                         f"({over.share_inside:.0%} of incidents inside vs "
                         f"{over.share_outside:.0%} outside, {over.per_run_inside:.1f} vs "
                         f"{over.per_run_outside:.1f} per run)")
    most = (f"the most frequent inside is {top.chain} ({top.share_inside:.0%}"
            + (f" vs {top.share_outside:.0%} outside)" if outside_runs and n_out else ")"))
    if parts and parts[0].find(top.chain) < 0:
        parts.append(most)
    elif not parts:
        parts.append(most[0].upper() + most[1:])
    parts.append(per_run)
    return "; ".join(parts) + "."


def discover(cf: CyberFile, metric: str, threshold: float, *, above: bool = True,
             per: str = "run", alpha: float = 0.05, min_mass: float = 0.05,
             max_boxes: int = 1, paste: bool = True, seed: int = 0,
             min_coverage: float | None = None) -> Discovery:
    """PRIM on a sweep: the boxes where METRIC is above (or below) THRESHOLD."""
    from .prim import prim
    if cf.kind != "sweep" or not cf.parameters:
        raise BadInput(f"{cf.path}: scenario discovery needs a sweep file (cyberdeter sweep or "
                       f"merge): a run file has no parameters to search over")
    if per not in ("run", "point"):
        raise BadInput(f"--per must be 'run' or 'point', got '{per}'")
    mf = cf.metric(metric, with_design=False)
    spec = cf.metric_spec(metric)
    Xp = cf.design().set_index("point")
    values = mf["value"].to_numpy(float)
    finite = np.isfinite(values)
    notes = []
    if not finite.all():
        notes.append(f"{int((~finite).sum())} runs where {spec.name} is undefined are left out.")
    if per == "run":
        X = Xp.reindex(mf["point"].to_numpy()).reset_index(drop=True)[finite]
        y = values[finite]
        run_rows = np.nonzero(finite)[0]
    else:
        y_point = mf[finite].groupby("point")["value"].mean()
        X = Xp.reindex(y_point.index.to_numpy()).reset_index(drop=True)
        y = y_point.to_numpy(float)
        run_rows = None
    X = X.reset_index(drop=True)
    for c in X.columns:   # categoricals as plain values (PRIM factorises them itself)
        if isinstance(X[c].dtype, pd.CategoricalDtype):
            X[c] = X[c].astype(str)
    const = [c for c in X.columns if X[c].nunique() <= 1]
    if const:
        notes.append(f"Left out of the search (one value only): {', '.join(const)}.")
        X = X.drop(columns=const)
    if X.shape[1] == 0:
        raise BadInput(f"{cf.path}: every swept parameter has a single value: nothing to search")
    cases = (y > threshold) if above else (y < threshold)
    n_cases = int(cases.sum())
    if n_cases == 0 or n_cases == len(y):
        raise BadInput(
            f"no {'run' if per == 'run' else 'design point'} has {spec.name} "
            f"{'>' if above else '<'} {threshold:g}" if n_cases == 0 else
            f"every {'run' if per == 'run' else 'design point'} has {spec.name} "
            f"{'>' if above else '<'} {threshold:g}: nothing to discover"
            + f" (range {np.min(y):.4g} to {np.max(y):.4g})")
    try:
        result = prim(X, y, threshold=threshold, alpha=alpha, min_mass=min_mass, paste=paste,
                      min_coverage=min_coverage,
                      max_boxes=max_boxes, threshold_type=">" if above else "<", seed=seed)
    except ValueError as e:
        raise BadInput(f"PRIM: {e}") from None
    has_incidents = "incidents" in cf.h5
    if not has_incidents:
        notes.append("No /incidents in this file: rerun the sweep with --incidents to explain "
                     "the boxes by their incident chains.")
    reports = []
    point_all = mf["point"].to_numpy()
    for k, box in enumerate(result.boxes, start=1):
        lim = _limits(box, X)
        if per == "run":
            inside_rows = np.zeros(len(mf), dtype=bool)
            inside_rows[run_rows[np.asarray(box.contains(X), dtype=bool)]] = True
            groups = np.where(finite, inside_rows.astype(np.int64), -1)
        else:
            pts = y_point.index.to_numpy()[np.asarray(box.contains(X), dtype=bool)]
            inside_rows = np.isin(point_all, pts)
            groups = inside_rows.astype(np.int64)
        n_in = int((groups == 1).sum())
        n_out = int((groups == 0).sum())
        chains = None
        reason = ""
        if has_incidents:
            chains = chain_summary(cf, groups, ("outside", "inside"))
            reason = _reason(chains, n_in, n_out)
        reports.append(BoxReport(k, box, lim, n_in, chains, reason or
                                 "(no incident records to explain the box)"))
    return Discovery(metric=spec.name, label=spec.label, unit=spec.unit, threshold=float(threshold),
                     above=above, per=per, result=result, boxes=reports, n_cases=n_cases,
                     n=len(y), values=y, notes=notes, source=str(cf.path))
