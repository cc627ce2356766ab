"""Time series: attacks, attributions and responses per reporting period, averaged over
replications with a band, with the scenario's mega-events and policy changes marked.

The table is read in chunks of rows and only the columns asked for (plus ``period``, the
period bounds and ``point`` when points are selected), so memory stays bounded for a
sweep's large ``/timeseries``. Bands: ``ci`` (default) is the t interval of the mean over
runs; ``runs`` is the central ``level`` share of the runs themselves (percentiles; this
one holds the selected columns in memory).

Metrics are ``/timeseries`` columns, plus ``public_responses`` (= responses_attribute +
responses_coordinate + responses_sanction, as in ``/runs``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .io import BadInput, CyberFile, did_you_mean

DEFAULT_METRICS = ("launched", "attributed", "public_responses")
#: Derived columns: name -> the columns summed.
SUMS = {"public_responses": ("responses_attribute", "responses_coordinate", "responses_sanction"),
        "responses_public": ("responses_attribute", "responses_coordinate", "responses_sanction")}
CHUNK_ROWS = 1 << 18


@dataclass
class TimeSeries:
    table: pd.DataFrame        # metric, period, start_day, end_day, mid_day, n, mean, sd, low, high
    metrics: list[str]
    labels: dict               # metric -> axis label with unit
    events: pd.DataFrame       # kind, label, start_day, end_day
    base: bool                 # events of a sweep's base scenario
    varied: list[str]          # swept parameters that move events (their markers are the base's)
    level: float
    band: str
    points: list[int] | None
    start_date: str | None
    source: str = ""
    window_text: str = ""

    def note(self) -> str:
        what = (f"the {self.level:.0%} t interval of the mean over runs" if self.band == "ci"
                else f"the central {self.level:.0%} of runs")
        scope = ("all runs" if self.points is None
                 else f"design point(s) {', '.join(map(str, self.points))}")
        n = int(self.table["n"].max()) if len(self.table) else 0
        return (f"Mean per reporting period over {n} runs ({scope}); the band is {what}. "
                f"Shaded spans: mega-events; dashed lines: policy changes (from the "
                f"{'base ' if self.base else ''}scenario)."
                + (f" The sweep varies {', '.join(self.varied)}, which moves these events "
                   f"between points: the markers show the base scenario's days."
                   if self.varied else "")
                + (" The last period is shorter than the others (the horizon's remainder) "
                   "and is left out of the plot." if self.table["partial"].any() else "")
                + (f" Window: {self.window_text}." if self.window_text else ""))

    def plot(self, title: str | None = None):
        from . import plots
        shown = self.table[~self.table["partial"]] if "partial" in self.table else self.table
        return plots.timeseries(shown, self.metrics, self.labels, self.events,
                                level=self.level, band=self.band, title=title,
                                start_date=self.start_date)

    def write(self, outdir: str | Path, stem: str = "timeseries", title: str | None = None) -> dict:
        from . import plots
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        csv = outdir / f"{stem}.csv"
        self.table.to_csv(csv, index=False)
        paths = plots.save(self.plot(title), outdir, stem)
        paths["csv"] = csv
        if len(self.events):
            ev = outdir / f"{stem}_events.csv"
            self.events.to_csv(ev, index=False)
            paths["events"] = ev
        return paths


def available_metrics(cf: CyberFile) -> list[str]:
    cols = [c for c in cf.columns("timeseries")
            if c not in ("point", "replication", "period", "start_day", "end_day")]
    return cols + [k for k, parts in SUMS.items() if k not in cols and all(p in cols for p in parts)]


def timeseries(cf: CyberFile, metrics: Sequence[str] = DEFAULT_METRICS, *,
               points: Sequence[int] | None = None, level: float = 0.95, band: str = "ci",
               chunk_rows: int = CHUNK_ROWS, window=None) -> TimeSeries:
    """Summary per reporting period of METRICS over the runs (of POINTS, if given); with
    WINDOW only the periods wholly inside it (BadInput if there is none)."""
    if "timeseries" not in cf.h5:
        raise BadInput(f"{cf.path}: has no /timeseries table (a sweep writes it with "
                       f"`cyberdeter sweep --timeseries`)")
    if band not in ("ci", "runs"):
        raise BadInput(f"--band must be 'ci' or 'runs', got '{band}'")
    if not 0 < level < 1:
        raise BadInput(f"--level must be in (0, 1), got {level}")
    metrics = [m.strip() for m in metrics if m.strip()]
    if not metrics:
        raise BadInput("no metrics given")
    cols = cf.columns("timeseries")
    avail = available_metrics(cf)
    need: list[str] = []
    for m in metrics:
        if m not in avail:
            raise BadInput(f"unknown time-series metric '{m}'{did_you_mean(m, avail)}; "
                           f"/timeseries has {', '.join(avail)}")
        for c in SUMS.get(m, (m,)) if m not in cols else (m,):
            if c not in need:
                need.append(c)
    window_text = ""
    first_period, last_period = 0, None
    if window is not None:
        from .window import parse_window, to_date, whole_periods
        w = parse_window(cf, window)
        first_period, last_period, lo, hi = whole_periods(cf, w)
        span = f"days {lo:g}–{hi:g}"
        if w.start_date:
            span += f" ({to_date(w.start_date, lo)} to {to_date(w.start_date, hi)})"
        which = (f"period {first_period}" if first_period == last_period
                 else f"periods {first_period}–{last_period}")
        window_text = (f"{w.describe()} asked; the reporting {which} wholly inside it are "
                       f"shown, {span}")
    if points is not None:
        points = sorted({int(p) for p in points})
        bad = [p for p in points if not 0 <= p < cf.n_points]
        if bad:
            raise BadInput(f"{cf.path}: no design point {bad[0]} (the design has points 0 to "
                           f"{cf.n_points - 1})")
    read = ["period", "start_day", "end_day"] + need + (["point"] if points is not None else [])
    ds = cf.h5["timeseries"]
    total = ds.shape[0]
    size = 0
    acc: dict[str, list[np.ndarray]] = {}
    starts: dict[int, float] = {}
    ends: dict[int, float] = {}
    held: list[pd.DataFrame] = []
    view = ds.fields(read)
    for lo in range(0, total, chunk_rows):
        # plain numpy on the selected fields: no DataFrame per chunk (memory and time)
        chunk = view[lo:min(total, lo + chunk_rows)]
        if points is not None:
            chunk = chunk[np.isin(chunk["point"], points)]
            if len(chunk) == 0:
                continue
        period = chunk["period"].astype(np.int64)
        size = max(size, int(period.max()) + 1)
        first = np.full(size, -1, dtype=np.int64)
        first[period[::-1]] = np.arange(len(period) - 1, -1, -1)
        for p in np.flatnonzero(first >= 0):
            if p not in starts:
                starts[int(p)] = float(chunk["start_day"][first[p]])
                ends[int(p)] = float(chunk["end_day"][first[p]])
        values = {m: _metric_values(chunk, m, cols) for m in metrics}
        if band == "runs":
            held.append(pd.DataFrame({"period": period, **values}))
            continue
        for m, v in values.items():
            sums = [np.bincount(period, minlength=size).astype(float),
                    np.bincount(period, weights=v, minlength=size),
                    np.bincount(period, weights=v * v, minlength=size)]
            old = acc.get(m)
            if old is None:
                acc[m] = sums
            else:
                acc[m] = [np.pad(a, (0, size - len(a))) + b for a, b in zip(old, sums)]
    if not starts:
        raise BadInput(f"{cf.path}: /timeseries has no rows"
                       + (f" for point(s) {points}" if points is not None else ""))
    periods = np.array(sorted(starts))
    frames = []
    for m in metrics:
        if band == "ci":
            n, s, ss = (a[periods] for a in acc[m])
            mean = s / n
            with np.errstate(invalid="ignore", divide="ignore"):
                var = np.maximum(ss - n * mean ** 2, 0.0) / (n - 1)
                sd = np.sqrt(var)
                half = stats.t.ppf(0.5 + level / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
            half = np.where(n > 1, half, np.nan)
            low, high = mean - half, mean + half
        else:
            all_ = pd.concat(held, ignore_index=True)
            g = all_.groupby("period")[m]
            q = (1 - level) / 2
            stat = g.agg(["count", "mean", "std"]).reindex(periods)
            n, mean, sd = (stat[c].to_numpy(float) for c in ("count", "mean", "std"))
            low = g.quantile(q).reindex(periods).to_numpy(float)
            high = g.quantile(1 - q).reindex(periods).to_numpy(float)
        st = np.array([starts[p] for p in periods])
        en = np.array([ends[p] for p in periods])
        frames.append(pd.DataFrame({"metric": m, "period": periods, "start_day": st,
                                    "end_day": en, "mid_day": (st + en) / 2, "n": n.astype(int),
                                    "mean": mean, "sd": sd, "low": low, "high": high}))
    table = pd.concat(frames, ignore_index=True)
    if last_period is not None:
        table = table[(table.period >= first_period) & (table.period <= last_period)]
        table = table.reset_index(drop=True)
    # a period shorter than half the nominal one (the horizon's remainder) is flagged:
    # its counts are not comparable, and the plot leaves it out
    nominal = float(cf.scenario_attrs.get("reporting_days") or np.median(en - st))
    table["partial"] = (table["end_day"] - table["start_day"]) < 0.5 * nominal
    units = cf.units("timeseries")
    desc = cf.descriptions("timeseries")
    labels = {}
    for m in metrics:
        if m in units:
            name, unit = (desc.get(m) or m), units[m]
        else:
            name, unit = "Public responses (attribute, coordinate, sanction)", "count"
        labels[m] = f"{m}\n[{unit} per period]" if unit not in ("", "1") else f"{m}"
        if unit == "count":  # a mean count is never negative
            sel = table.metric == m
            table.loc[sel, "low"] = table.loc[sel, "low"].clip(lower=0.0)
        table.loc[table.metric == m, "unit"] = unit
        table.loc[table.metric == m, "description"] = name
    events = cf.events()
    if last_period is not None:  # only the events the shown periods touch
        shown = table[["start_day", "end_day"]]
        events = events[(events.end_day >= shown.start_day.min())
                        & (events.start_day <= shown.end_day.max())].reset_index(drop=True)
    varied = [p.name for p in cf.parameters
              if p.path.startswith(("mega_events", "policy_changes"))]
    start_date = cf.scenario_attrs.get("start_date") or None
    return TimeSeries(table=table, metrics=metrics, labels=labels, events=events,
                      base=cf.kind == "sweep", varied=varied, level=level,
                      band=band, points=points, start_date=start_date, source=str(cf.path),
                      window_text=window_text)


def _metric_values(chunk: np.ndarray, m: str, cols: list[str]) -> np.ndarray:
    if m in cols:
        return chunk[m].astype(float)
    return sum(chunk[c].astype(float) for c in SUMS[m])
