"""Dose-response: a metric against one or two swept parameters, with intervals.

Each row of the table is one value of the parameter(s) (one grid level; or, for a
continuous parameter sampled at many values by a Latin hypercube, Sobol or Morris design,
one of ``bins`` quantile bins of it); the statistics are over every run at those values —
all replications, and all values of the parameters not asked for (the response is the
average over them, as the design spreads them). The interval is the t interval of the
mean of the runs (``level``, default 95 %).

With common random numbers the runs of two levels are positively correlated, so the
difference between two levels is known more precisely than the overlap of their
intervals suggests: for a paired comparison use ``python3 -m analysis effect FILE
--points P Q``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .io import BadInput, CyberFile, safe_name

#: A numeric parameter with more distinct values than this is binned.
MAX_LEVELS = 12


def mean_ci(values, level: float = 0.95) -> dict:
    """n, mean, sd, sem and the t interval of the mean of VALUES (NaN ignored)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    mean = float(v.mean()) if n else np.nan
    sd = float(v.std(ddof=1)) if n > 1 else np.nan
    sem = sd / np.sqrt(n) if n > 1 else np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sem if n > 1 else np.nan
    return {"n": n, "mean": mean, "sd": sd, "sem": sem, "ci_low": mean - half, "ci_high": mean + half}


def summarise(frame: pd.DataFrame, by: Sequence[str], value: str = "value",
              level: float = 0.95) -> pd.DataFrame:
    """Per group of BY: n, mean, sd, sem, ci_low, ci_high of VALUE (vectorised)."""
    v = frame[value].astype(float)
    g = frame.assign(_v=v).dropna(subset=["_v"]).groupby(list(by), observed=True, sort=True)["_v"]
    out = g.agg(n="count", mean="mean", sd="std").reset_index()
    n = out["n"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sem = out["sd"].to_numpy(float) / np.sqrt(n)
        tcrit = np.where(n > 1, stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)), np.nan)
    out["sem"] = sem
    out["ci_low"] = out["mean"] - tcrit * sem
    out["ci_high"] = out["mean"] + tcrit * sem
    out["n"] = out["n"].astype(int)
    return out


@dataclass
class DoseResponse:
    """A dose-response table and what it needs to be plotted and explained."""

    metric: str
    label: str
    unit: str
    params: list[str]
    param_labels: list[str]
    table: pd.DataFrame
    level: float
    binned: dict = field(default_factory=dict)
    log_x: bool = False
    dropped: int = 0
    source: str = ""
    window_text: str = ""

    @property
    def stem(self) -> str:
        return ("dose_" + safe_name(self.metric) + "_" + "_".join(safe_name(p) for p in self.params)
                + ("_window" if self.window_text else ""))

    def note(self) -> str:
        parts = [f"Mean of {self.metric} per run at each value of {' and '.join(self.params)}, "
                 f"with the {self.level:.0%} t interval of the mean; other swept parameters "
                 f"are averaged over as the design spreads them."]
        if self.window_text:
            parts.append(f"Window: {self.window_text}.")
        for p, edges in self.binned.items():
            parts.append(f"{p} is continuous in this design: its values are grouped in "
                         f"{len(edges) - 1} quantile bins (plotted at the bin's median).")
        if self.dropped:
            parts.append(f"{self.dropped} runs where the metric is undefined (a ratio over 0) "
                         f"are left out.")
        return " ".join(parts)

    def plot(self, title: str | None = None):
        from . import plots
        ylabel = plots.axis_label(self.label, self.unit, per_run=True)
        return plots.dose_response(self.table, ylabel, self.params, self.param_labels,
                                   level=self.level, title=title, log_x=self.log_x)

    def write(self, outdir: str | Path, *, title: str | None = None) -> dict:
        """Writes STEM.csv, STEM.png and STEM.svg into OUTDIR; returns their paths."""
        from . import plots
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        csv = outdir / f"{self.stem}.csv"
        self.table.to_csv(csv, index=False)
        paths = plots.save(self.plot(title), outdir, self.stem)
        paths["csv"] = csv
        return paths


def dose_response(cf: CyberFile, metric: str, params: Sequence[str], *, level: float = 0.95,
                  bins: int = 8, points: Sequence[int] | None = None,
                  window=None) -> DoseResponse:
    """The dose-response table of METRIC against one or two of the sweep's PARAMS."""
    if cf.kind != "sweep":
        raise BadInput(f"{cf.path}: dose-response needs a sweep file (cyberdeter sweep or "
                       f"merge); this is a run file without swept parameters")
    params = list(params)
    if not 1 <= len(params) <= 2:
        raise BadInput("dose-response takes one or two parameters (--param P [--param Q])")
    ps = [cf.parameter(p) for p in params]
    params = [p.name for p in ps]
    if len(set(params)) != len(params):
        raise BadInput(f"the same parameter twice: {params[0]}")
    if not 0 < level < 1:
        raise BadInput(f"--level must be in (0, 1), got {level}")
    mf = cf.metric(metric, with_design=True, points=points, window=window)
    use = mf.attrs.get("window")
    dropped = int((~np.isfinite(mf["value"].to_numpy(float))).sum())
    binned = {}
    frame = mf[["point", "value", *params]].copy()
    for p in ps:
        col = frame[p.name]
        numeric = (pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col))
        if numeric and col.nunique() > MAX_LEVELS:
            # quantile bins over the design's distinct values (each point once)
            uniq = np.unique(col.to_numpy(float))
            edges = np.unique(np.quantile(uniq, np.linspace(0, 1, bins + 1)))
            which = np.clip(np.searchsorted(edges, col.to_numpy(float), side="right") - 1,
                            0, len(edges) - 2)
            medians = pd.Series(col.to_numpy(float)).groupby(which).median()
            frame[p.name] = medians.reindex(which).to_numpy()
            frame[f"{p.name}_bin_low"] = edges[which]
            frame[f"{p.name}_bin_high"] = edges[which + 1]
            binned[p.name] = edges
    by = list(params)
    for p in params:
        if p in binned:
            by += [f"{p}_bin_low", f"{p}_bin_high"]
    table = summarise(frame, by, level=level)
    pts = frame.groupby(by, observed=True, sort=True)["point"].nunique().reset_index(drop=True)
    table.insert(len(by), "points", pts.to_numpy())
    if table.empty:
        raise BadInput(f"{metric}: no run has a defined value (a ratio over 0 everywhere?)")
    spec = cf.metric_spec(metric)
    labels = []
    for p in ps:
        unit = cf.design().attrs["units"].get(p.name, "")
        lab = p.name if p.name == p.path else f"{p.name} ({p.path})"
        if p.kind == "log range":
            lab += ", log scale"
        labels.append(lab + (f" [{unit}]" if unit and unit != "1" else ""))
    return DoseResponse(metric=spec.name, label=spec.label, unit=spec.unit, params=params,
                        param_labels=labels, table=table, level=level, binned=binned,
                        log_x=ps[0].kind == "log range", dropped=dropped, source=str(cf.path),
                        window_text=use.text() if use is not None else "")
