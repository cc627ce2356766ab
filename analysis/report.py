"""Composed analyses (effects between files or points, sensitivity of a sweep, key-metric
summaries) and the self-contained HTML report.

``build_report(FILE, DIR)`` writes

    DIR/report.html        one page: figures embedded as base64 PNG, tables, provenance,
                           the scenario (and sweep) text in collapsible blocks
    DIR/figures/*.png|svg  every figure, also as SVG
    DIR/tables/*.csv       every table, in full

and adapts to the file: a run file gets its key metrics, time series, per-state and
per-attacker tables and incident chains; a sweep gets its design, dose-response per
parameter (grid, Latin hypercube, Sobol designs), Sobol indices (Saltelli) or Morris
screening (Morris), the time series if it has them, and PRIM boxes when asked
(``discover_metric`` and ``threshold``).

Sensitivity outputs (:func:`sensitivity`): the output of a design point is the **mean of
the metric over its replications**, in design order; Sobol indices are then those of the
model's expected response (replication noise averaged out rather than counted as a hidden
input, which would inflate ST and deflate S1). The share of the variance of the point
means that replication noise still contributes (within-point variance / R over the
variance of the point means) is reported as ``noise_share``: when it is not small,
add replications.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import html
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .doseresponse import dose_response, mean_ci, summarise
from .io import BadInput, CyberFile, open_file, safe_name

#: The metrics a summary shows when the file has them (in this order).
KEY_METRICS = ("launched", "succeeded", "damage", "detected", "attributed", "attributed_correct",
               "attributed_wrong", "public_responses", "sanctions_imposed", "innocent_punished",
               "coalitions_invited", "launched_state_sponsored", "launched_criminal",
               "launched_hacktivist", "reputation_cost", "sanction_cost")
REFERENCE_METRICS = ("events", "remote_events", "end_day", "min_events_per_process",
                     "max_events_per_process")
DERIVED_SHOWN = ("success_rate", "detection_rate", "attribution_accuracy", "mean_detection_delay")


# ---------------------------------------------------------------------------------------
# key metrics


def key_metrics(cf: CyberFile, metrics: Sequence[str] | None = None, *,
                level: float = 0.95, points: Sequence[int] | None = None) -> pd.DataFrame:
    """Mean, sd and t interval over runs of the key metrics (one row per metric)."""
    cols = cf.columns("runs")
    if metrics is None:
        metrics = [m for m in KEY_METRICS if m in cols] or [m for m in REFERENCE_METRICS if m in cols]
        metrics += [m for m in DERIVED_SHOWN if m in cf.metric_names()]
    plain = [m for m in metrics if m in cols]
    frame = cf.runs(plain) if plain else cf.runs([])
    if points is not None:
        frame = frame[frame.point.isin(points)]
    rows = []
    for m in metrics:
        spec = cf.metric_spec(m)
        if spec.table == "runs" and all(c in frame for c in spec.columns):
            v = spec.compute(frame).to_numpy(float)
        else:
            mf = cf.metric(m, points=points)
            v = mf["value"].to_numpy(float)
        s = mean_ci(v, level)
        fin = v[np.isfinite(v)]
        rows.append({"metric": spec.name, "description": spec.label, "unit": spec.unit,
                     "n": s["n"], "mean": s["mean"], "sd": s["sd"], "ci_low": s["ci_low"],
                     "ci_high": s["ci_high"],
                     "min": float(fin.min()) if len(fin) else np.nan,
                     "max": float(fin.max()) if len(fin) else np.nan})
    return pd.DataFrame(rows)


def _session_lines(cf: CyberFile) -> list[str]:
    a = cf.session_attrs
    d = cf.decisions()
    lines = [f"  session      war-game played by {', '.join(a['played'])}: {a.get('status')}, "
             f"replication {a.get('replication')}, turns every {a.get('turn_days', 0):g} days"]
    if len(d):
        by_kind = d.groupby("kind", observed=False).agg(n=("deviates", "size"),
                                                         deviating=("deviates", "sum"))
        words = {"respond": ("responses", "unlike the doctrine"),
                 "join": ("invitations answered", "unlike the model"),
                 "turn": ("turn actions", "changes"),
                 "inject": ("injects by the white cell", "of them"),
                 "override": ("overrides by the white cell", "unlike the model")}
        parts = [f"{int(r.n)} {words[k][0]} ({int(r.deviating)} {words[k][1]})"
                 for k, r in by_kind.iterrows() if r.n]
        lines.append(f"  decisions    {len(d)}: " + ", ".join(parts))
        players = d[d["source"] == "player"]
        if len(players):
            lines.append(f"  time taken   median {players['seconds'].median():.1f} s per player "
                         f"decision, {players['seconds'].sum() / 60:.1f} min in all")
    if a.get("status") != "complete":
        lines.append(f"  stopped at   day {a.get('day_reached', 0):.0f}; continue with "
                     f"`cyberdeter wargame --resume {cf.path}`")
    return lines


def summary_text(cf: CyberFile, *, level: float = 0.95) -> str:
    """What the file is, and the means of its key metrics (the `summary` subcommand)."""
    p = cf.provenance()
    lines = [f"{cf.path}: cyberdeter {cf.producer} output, schema {p.get('schema_version')}"]
    if cf.kind == "sweep":
        lines.append(f"  sweep        {cf.name} ({cf.design_kind} design, {cf.n_points} points × "
                     f"{cf.replications} replications = {cf.n_runs} runs"
                     f"{'' if cf.complete else ', INCOMPLETE: ' + str(p.get('tasks')) + ' tasks'}; "
                     f"common random numbers {'on' if cf.common_random_numbers else 'off'})")
        for prm in cf.parameters:
            if prm.values is not None:
                what = "values " + ", ".join(prm.literals)
            else:
                what = (f"range [{prm.lo:g}, {prm.hi:g}]" if prm.lo is not None else "")
                if prm.log:
                    what += ", log scale"
                if prm.integer:
                    what += ", integers"
                if prm.steps:
                    what += f", {prm.steps} steps"
            lines.append(f"  parameter    {prm.name}: {prm.path}, {what}")
        lines.append(f"  base         scenario {p.get('scenario', '?')} ({p.get('scenario_source', '?')})")
        lines.append(f"  sweep id     {p.get('sweep_id', '?')}")
    else:
        lines.append(f"  scenario     {cf.name} ({p.get('model', '?')} model, "
                     f"{p.get('scenario_source', '?')})")
        if cf.is_session:
            lines.extend(_session_lines(cf))
            if "runs" not in cf.h5:  # interrupted: nothing was simulated to the end
                return "\n".join(lines)
        lines.append(f"  runs         {cf.n_runs} replications of {p.get('horizon_days', '?')} days")
    lines.append(f"  seed         master seed {p.get('master_seed')}")
    lines.append(f"  written      {p.get('created_utc')} by cyberdeter {p.get('program_version')} "
                 f"(git {p.get('git_revision')})")
    lines.append(f"  command      {p.get('command_line')}")
    tables = [f"/{t} ({cf.h5[t].shape[0]:,} rows)" for t in cf.tables]
    lines.append(f"  tables       {', '.join(tables)}")
    question = (cf.sweep_spec.get("question") or {}) if cf.kind == "sweep" else {}
    if question:
        asked = question.get("text") or question.get("metric")
        lines.append(f"  question     {asked} (`python3 -m analysis answer {cf.path}`)")
    km = key_metrics(cf, level=level)
    lines.append(f"  mean per run over {cf.n_runs} runs ({level:.0%} CI):")
    for r in km.itertuples():
        unit = "" if r.unit in ("count", "1") else f" {r.unit}"
        lines.append(f"    {r.metric:<28} {_num(r.mean):>10}{unit}   [{_num(r.ci_low)}, {_num(r.ci_high)}]")
    for table, title in (("states", "launched per state (as victim)"),
                         ("attackers", "launched per attacker")):
        if table in cf.h5 and "launched" in cf.columns(table) and cf.names(table):
            frame, names = cf.members(f"launched@{cf.names(table)[0]}")
            means = frame[names].mean()
            shown = [f"{n} {_num(float(v))}" for n, v in means.items() if v != 0]
            if shown:
                lines.append(f"  {title}, mean per run over {cf.n_runs} runs:")
                lines.append("    " + ", ".join(shown))
    for w in cf.warnings:
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def _num(x, digits: int = 4) -> str:
    """A number for tables and text: 4 significant digits, thousands separated."""
    if x is None:
        return "–"
    if isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)):
        return f"{int(x):,}"
    x = float(x)
    if not math.isfinite(x):
        return "–"
    ax = abs(x)
    if ax == 0:
        return "0"
    if ax >= 10 ** digits:
        return f"{x:,.0f}"
    if ax < 1e-3:
        return f"{x:.{digits - 1}e}"
    return f"{x:.{digits}g}"


# ---------------------------------------------------------------------------------------
# effects


@dataclass
class EffectOutput:
    effect: object                  # analysis.effects.Effect
    sentence: str
    unit: str
    what: str
    info: dict = field(default_factory=dict)
    extra_lines: list = field(default_factory=list)
    displacement: object = None     # analysis.displacement.Displacement, for @ metrics

    def table(self) -> pd.DataFrame:
        e = self.effect
        pct = lambda v: 100 * v  # noqa: E731
        boot = f"BCa bootstrap CI, {e.n_boot:,} resamples, seed {e.seed}"
        return pd.DataFrame([
            {"quantity": f"mean under {e.label_a}", "estimate": e.mean_a, "low": np.nan, "high": np.nan},
            {"quantity": f"mean under {e.label_b}", "estimate": e.mean_b, "low": np.nan, "high": np.nan},
            {"quantity": "difference (paired t CI)", "estimate": e.difference,
             "low": e.ci_t[0], "high": e.ci_t[1]},
            {"quantity": f"difference ({boot})", "estimate": e.difference,
             "low": e.ci_bootstrap[0], "high": e.ci_bootstrap[1]},
            {"quantity": f"relative change [%] ({boot})", "estimate": pct(e.relative),
             "low": pct(e.relative_ci[0]), "high": pct(e.relative_ci[1])},
        ])

    def text(self) -> str:
        e = self.effect
        lines = [self.sentence, ""]
        unit = "" if self.unit in ("", "1") else f" [{self.unit}]"
        lines.append(f"  metric          {e.metric}{unit}  ({self.what})")
        if self.info.get("window_text"):
            lines.append(f"  window          {self.info['window_text']}")
        lines.append(f"  mean A          {_num(e.mean_a):>12}  {e.label_a}")
        lines.append(f"  mean B          {_num(e.mean_b):>12}  {e.label_b}")
        lines.append(f"  difference B−A  {_num(e.difference):>12}  {e.level:.0%} CI paired t "
                     f"[{_num(e.ci_t[0])}, {_num(e.ci_t[1])}]; BCa bootstrap "
                     f"[{_num(e.ci_bootstrap[0])}, {_num(e.ci_bootstrap[1])}]")
        if math.isfinite(e.relative):
            lines.append(f"  relative        {100 * e.relative:>11.1f} %  {e.level:.0%} CI BCa "
                         f"bootstrap [{100 * e.relative_ci[0]:.1f}, {100 * e.relative_ci[1]:.1f}] %")
        lines.append(f"  bootstrap       {e.n_boot:,} resamples of the {e.n} pairs, seed {e.seed} "
                     f"(expanded BCa)")
        lines.append(f"  p (paired t)    {e.p_value:>12.3g}")
        differ = ("none differs from another" if e.degenerate else
                  f"{e.n - e.n_differing} at the most common difference "
                  f"{_num(e.modal_difference)}, {e.n_differing} elsewhere")
        lines.append(f"  pairs           {e.n:>12}  ({differ})")
        if e.caution:
            lines.append("  intervals       read them with the caution above")
        for w in self.info.get("warnings", []):
            lines.append(f"  note: {w}")
        for extra in self.extra_lines:
            lines.append(extra)
        return "\n".join(lines)

    def to_dict(self) -> dict:
        d = dict(self.effect.to_dict())
        d.update({"sentence": self.sentence, "unit": self.unit, "what": self.what})
        d.update({k: v for k, v in self.info.items()})
        if self.displacement is not None:
            d["displacement"] = self.displacement.to_dict()
        return d


def _pair(ma: pd.DataFrame, mb: pd.DataFrame, metric: str, *, label_a: str, label_b: str,
          what: str | None, level: float, n_boot: int, seed: int, unit: str,
          label: str, info: dict) -> EffectOutput:
    from .effects import paired_frames
    a = ma[["replication", "seed", "value"]]
    b = mb[["replication", "seed", "value"]]
    merged = a.merge(b, on="replication", how="inner", suffixes=("_a", "_b"))
    warnings = info.setdefault("warnings", [])
    only = len(a) + len(b) - 2 * len(merged)
    if only:
        warnings.append(f"{only} replications present in only one of the two were left out")
    undefined = ~(np.isfinite(merged["value_a"]) & np.isfinite(merged["value_b"]))
    if undefined.any():
        warnings.append(f"{int(undefined.sum())} pairs where {metric} is undefined were left out")
        merged = merged[~undefined]
    if len(merged) < 2:
        raise BadInput(f"only {len(merged)} paired runs: an effect needs at least 2 replications "
                       f"present in both")
    same_seed = bool((merged["seed_a"] == merged["seed_b"]).all())
    info["common_random_numbers"] = same_seed
    if not same_seed:
        warnings.append("the two sides do not share run seeds (not common random numbers): "
                        "the pairing is still valid, but the interval is wider than with CRN")
    ra = merged[["replication", "value_a"]].rename(columns={"value_a": metric})
    rb = merged[["replication", "value_b"]].rename(columns={"value_b": metric})
    try:
        eff = paired_frames(ra, rb, metric, key=("replication",), label_a=label_a,
                            label_b=label_b, level=level, n_boot=n_boot, seed=seed)
    except ValueError as e:
        raise BadInput(str(e)) from None
    what = what or (label[:1].lower() + label[1:] if label else metric)
    unit_words = None if unit in ("", "1") else ("per run" if unit == "count" else f"{unit} per run")
    return EffectOutput(eff, eff.sentence(what=what, unit=unit_words), unit, what, info)


def _window_of_both(a: CyberFile, b: CyberFile, window):
    """The window as both files read it; BadInput if their scenarios place it differently."""
    if window is None:
        return None
    from .window import parse_window
    wa, wb = parse_window(a, window), parse_window(b, window)
    if (wa.start, wa.end) != (wb.start, wb.end):
        raise BadInput(f"window '{wa.text}' is days {wa.start:g}–{wa.end:g} in {a.path} but "
                       f"{wb.start:g}–{wb.end:g} in {b.path} (their scenarios differ): give "
                       f"the window in days")
    return wa


def _with_window(info: dict, frame: pd.DataFrame) -> None:
    use = frame.attrs.get("window")
    if use is not None:
        info.update(use.to_dict())


def _displacement(ta: pd.DataFrame, tb: pd.DataFrame, names: list[str], out: EffectOutput, *,
                  level: float, n_boot: int, seed: int):
    from .displacement import displacement
    e = out.effect
    disp = displacement(ta, tb, names, metric=e.metric, column=ta.attrs["column"],
                        entity=ta.attrs["entity"], target=ta.attrs["member"], unit=out.unit,
                        label_a=e.label_a, label_b=e.label_b, level=level, n_boot=n_boot,
                        seed=seed, window_text=out.info.get("window_text", ""))
    out.displacement = disp
    out.extra_lines.extend(disp.lines())
    return disp


def effect_between_files(a: CyberFile, b: CyberFile, metric: str, *, labels=None, what=None,
                         level=0.95, n_boot=10_000, seed=0, point_a: int | None = None,
                         point_b: int | None = None, window=None,
                         displace: bool = True) -> EffectOutput:
    """The paired effect of B versus A (two run files, or a point of each sweep); for a
    per-state or per-attacker metric also on every other member and in total."""
    spec_a, spec_b = a.metric_spec(metric), b.metric_spec(metric)
    for f, p in ((a, point_a), (b, point_b)):
        if f.kind == "sweep" and f.n_points > 1 and p is None:
            raise BadInput(f"{f.path} is a sweep of {f.n_points} points: compare two of its "
                           f"points with `effect {f.path} --points P Q`")
    w = _window_of_both(a, b, window)
    ma = a.metric(metric, points=None if point_a is None else [point_a], window=w)
    mb = b.metric(metric, points=None if point_b is None else [point_b], window=w)
    label_a, label_b = labels or (a.path.stem, b.path.stem)
    info = {"a": str(a.path), "b": str(b.path), "metric": spec_a.name}
    _with_window(info, ma)
    if spec_a.unit != spec_b.unit:
        info.setdefault("warnings", []).append(
            f"units differ: {spec_a.unit} (A) vs {spec_b.unit} (B)")
    if a.scenario_attrs.get("master_seed") != b.scenario_attrs.get("master_seed"):
        info.setdefault("warnings", []).append(
            f"master seeds differ ({a.master_seed} vs {b.master_seed})")
    out = _pair(ma, mb, spec_a.name, label_a=label_a, label_b=label_b, what=what, level=level,
                n_boot=n_boot, seed=seed, unit=spec_a.unit, label=spec_a.label, info=info)
    if displace and spec_a.entity is not None:
        ta, names = a.members(metric, window=w)
        tb, names_b = b.members(metric, window=w)
        if names != names_b:
            out.info.setdefault("warnings", []).append(
                f"no displacement: the files' {spec_a.entity}s differ")
        else:
            attrs = dict(ta.attrs)
            if point_a is not None:
                ta = ta[ta.point == point_a]
            if point_b is not None:
                tb = tb[tb.point == point_b]
            common = sorted(set(ta.replication) & set(tb.replication))
            ta = ta[ta.replication.isin(common)].sort_values("replication")
            tb = tb[tb.replication.isin(common)].sort_values("replication")
            ta.attrs = tb.attrs = attrs
            _displacement(ta, tb, names, out, level=level, n_boot=n_boot, seed=seed)
    return out


def point_label(cf: CyberFile, point: int) -> str:
    d = cf.design()
    row = d[d.point == point]
    if row.empty:
        raise BadInput(f"{cf.path}: no design point {point} (the design has points 0 to "
                       f"{cf.n_points - 1})")
    parts = []
    for p in cf.parameters:
        v = row.iloc[0][p.name]
        parts.append(f"{p.name} = {('true' if v else 'false') if isinstance(v, (bool, np.bool_)) else (f'{v:.4g}' if isinstance(v, (float, np.floating)) else v)}")
    return f"point {point} ({', '.join(parts)})"


def effect_between_points(cf: CyberFile, p: int, q: int, metric: str, *, labels=None, what=None,
                          level=0.95, n_boot=10_000, seed=0, window=None,
                          displace: bool = True) -> EffectOutput:
    """The paired effect of point Q versus point P of one sweep (pairs = replications); for
    a per-state or per-attacker metric also on every other member and in total."""
    if cf.kind != "sweep":
        raise BadInput(f"{cf.path}: --points needs a sweep file")
    if p == q:
        raise BadInput(f"--points: the same point twice ({p})")
    spec = cf.metric_spec(metric)
    if window is not None:
        from .window import parse_window
        window = parse_window(cf, window)
    mf = cf.metric(metric, points=[p, q], window=window)
    ma, mb = mf[mf.point == p], mf[mf.point == q]
    label_a, label_b = labels or (point_label(cf, p), point_label(cf, q))
    info = {"file": str(cf.path), "points": [p, q], "metric": spec.name}
    _with_window(info, mf)
    if not cf.common_random_numbers:
        info.setdefault("warnings", []).append(
            "the sweep ran without common random numbers: pairs by replication index are "
            "independent runs")
    out = _pair(ma, mb, spec.name, label_a=label_a, label_b=label_b, what=what, level=level,
                n_boot=n_boot, seed=seed, unit=spec.unit, label=spec.label, info=info)
    if displace and spec.entity is not None:
        table, names = cf.members(metric, window=window)
        ta = table[table.point == p].sort_values("replication")
        tb = table[table.point == q].sort_values("replication")
        common = set(ta.replication) & set(tb.replication)
        ta, tb = ta[ta.replication.isin(common)], tb[tb.replication.isin(common)]
        ta.attrs = tb.attrs = table.attrs
        _displacement(ta, tb, names, out, level=level, n_boot=n_boot, seed=seed)
    return out


# ---------------------------------------------------------------------------------------
# sensitivity


@dataclass
class Sensitivity:
    method: str                     # "sobol" or "morris"
    metric: str
    label: str
    unit: str
    result: object                  # SobolResult or MorrisResult
    table: pd.DataFrame
    noise_share: float
    replications: int
    notes: list[str] = field(default_factory=list)
    level: float = 0.95

    @property
    def stem(self) -> str:
        return f"{self.method}_{safe_name(self.metric)}"

    def text(self) -> str:
        t = self.table.copy()
        lines = []
        if self.method == "sobol":
            r = self.result
            lines.append(f"Sobol indices of {self.metric} (Saltelli design, N = {r.n} base samples, "
                         f"outputs = means over {self.replications} replications per point)")
            lines.append(f"  {'parameter':<24} {'S1':>7} {'[low, high]':>18}   {'ST':>7} {'[low, high]':>18}")
            for x in t.itertuples():
                lines.append(f"  {str(x.parameter):<24} {x.S1:7.3f} [{x.S1_low:7.3f}, {x.S1_high:7.3f}]"
                             f"   {x.ST:7.3f} [{x.ST_low:7.3f}, {x.ST_high:7.3f}]")
            lines.append(f"  converged: {'yes' if r.converged else 'NO'} (criterion: the N/2 and N "
                         f"estimates agree and the interval half-widths are within the tolerance)")
        else:
            r = self.result
            lines.append(f"Morris screening of {self.metric} (r = {r.r} trajectories; effects per "
                         f"unit range; outputs = means over {self.replications} replications)")
            lines.append(f"  {'parameter':<24} {'mu*':>10} {'[low, high]':>22} {'mu':>10} {'sigma':>10}")
            for x in t.itertuples():
                lines.append(f"  {str(x.parameter):<24} {_num(x.mu_star):>10} "
                             f"[{_num(x.mu_star_low):>9}, {_num(x.mu_star_high):>9}] "
                             f"{_num(x.mu):>10} {_num(x.sigma):>10}")
        lines.append(f"  replication noise: {self.noise_share:.1%} of the variance of the point means")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def write(self, outdir: str | Path) -> dict:
        from . import plots
        outdir = Path(outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        paths = {}
        csv = outdir / f"{self.stem}.csv"
        self.table.to_csv(csv, index=False)
        paths["csv"] = csv
        ylabel = plots.axis_label(self.metric, self.unit)
        if self.method == "sobol":
            paths["plot"] = plots.save(plots.sobol(self.table, self.metric, level=self.level), outdir, self.stem)
            conv = getattr(self.result, "convergence", None)
            if conv is not None and len(conv):
                conv.to_csv(outdir / f"{self.stem}_convergence.csv", index=False)
                paths["convergence"] = outdir / f"{self.stem}_convergence.csv"
                paths["convergence_plot"] = plots.save(plots.sobol_convergence(conv), outdir,
                                                       f"{self.stem}_convergence")
        else:
            paths["plot"] = plots.save(plots.morris(self.table, ylabel), outdir, self.stem)
        (outdir / f"{self.stem}.txt").write_text(self.text() + "\n")
        paths["text"] = outdir / f"{self.stem}.txt"
        return paths


def point_means(cf: CyberFile, metric: str) -> tuple[np.ndarray, float, int]:
    """Mean of METRIC per design point (in point order), the replication-noise share of
    their variance, and the replications per point. Every point must have runs."""
    mf = cf.metric(metric)
    fin = mf[np.isfinite(mf["value"])]
    g = fin.groupby("point")["value"]
    means = g.mean().reindex(range(cf.n_points))
    if means.isna().any():
        missing = np.flatnonzero(means.isna().to_numpy())
        why = ("the file is one shard of the sweep: merge the shards first" if not cf.complete
               else f"{metric} is undefined in every run of it")
        raise BadInput(f"{cf.path}: design point {missing[0]} has no value of {metric} ({why})")
    within = float(g.var(ddof=1).mean()) if g.size().min() > 1 else np.nan
    reps = int(g.size().median())
    between = float(np.var(means.to_numpy(), ddof=1)) if len(means) > 1 else np.nan
    noise = within / reps / between if between and between > 0 and np.isfinite(within) else np.nan
    return means.to_numpy(float), noise, reps


def sensitivity(cf: CyberFile, metric: str, *, level: float = 0.95, n_boot: int = 1000,
                seed: int = 0, tolerance: float = 0.05) -> Sensitivity:
    """Sobol indices (Saltelli design) or Morris measures (Morris design) of METRIC."""
    kind = cf.design_kind
    if kind not in ("saltelli", "morris"):
        have = f"a {kind} design" if kind else "a run file"
        raise BadInput(f"{cf.path}: sensitivity indices need a sweep with kind = \"saltelli\" "
                       f"(Sobol indices) or kind = \"morris\" (Morris screening) in its [design]; "
                       f"this is {have}"
                       + ("; use `dose` for a dose-response over it" if kind else ""))
    spec = cf.metric_spec(metric)
    y, noise, reps = point_means(cf, metric)
    names = [p.name for p in cf.parameters]
    d = len(names)
    notes = []
    if np.isfinite(noise) and noise > 0.2:
        notes.append(f"replication noise is {noise:.0%} of the variance between points: the "
                     f"indices mix in noise; run more replications per point")
    try:
        if kind == "saltelli":
            from .sensitivity import sobol_indices
            if len(y) % (d + 2):
                raise BadInput(f"{cf.path}: {len(y)} points is not a multiple of d + 2 = {d + 2}")
            res = sobol_indices(y, d, names, level=level, n_boot=n_boot, seed=seed,
                                tolerance=tolerance)
            if not res.converged:
                notes.append("the indices have not converged (N/2 and N estimates or the "
                             "interval widths differ by more than the tolerance): use more "
                             "base samples (points)")
            method = "sobol"
        else:
            from .sensitivity import morris_effects
            X = cf.unit_design()
            res = morris_effects(X, y, names=names, level=level, n_boot=n_boot, seed=seed)
            method = "morris"
    except ValueError as e:
        raise BadInput(f"{metric}: {e}") from None
    table = res.to_frame()
    return Sensitivity(method, spec.name, spec.label, spec.unit, res, table, noise, reps, notes,
                       level)


# ---------------------------------------------------------------------------------------
# the HTML report


CSS = """
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;max-width:1080px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;
margin-top:2em}h3{font-size:1.05em}
table.t{border-collapse:collapse;font-size:.85em;margin:.6em 0}
table.t th,table.t td{border-bottom:1px solid #e3e3e3;padding:.25em .6em;text-align:right;vertical-align:top}
table.t th{background:#f4f4f4;text-align:center}table.t td:first-child,table.t th:first-child{text-align:left}
table.kv td:first-child{font-weight:600;white-space:nowrap}table.kv td{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.8em;max-height:40em}
details{margin:.6em 0}summary{cursor:pointer;font-weight:600}
.question{font-size:1.1em;font-weight:600}.note{font-size:.88em;color:#555}.warn{color:#a40000}.sentence{font-size:1.05em;background:#f2f7ff;
padding:.6em .8em;border-left:4px solid #4a7fd4}
code{font-size:.92em}
"""


class _Report:
    def __init__(self, outdir: Path):
        self.outdir = outdir
        self.figdir = outdir / "figures"
        self.tabdir = outdir / "tables"
        self.figdir.mkdir(parents=True, exist_ok=True)
        self.tabdir.mkdir(parents=True, exist_ok=True)
        self.parts: list[str] = []
        self.toc: list[tuple[str, str]] = []
        self.n_figures = 0
        self.n_tables = 0

    def h2(self, title: str) -> None:
        anchor = safe_name(title.lower())
        self.toc.append((anchor, title))
        self.parts.append(f'<h2 id="{anchor}">{html.escape(title)}</h2>')

    def h3(self, title: str) -> None:
        self.parts.append(f"<h3>{html.escape(title)}</h3>")

    def p(self, text: str, cls: str = "") -> None:
        c = f' class="{cls}"' if cls else ""
        self.parts.append(f"<p{c}>{html.escape(text)}</p>")

    def raw(self, text: str) -> None:
        self.parts.append(text)

    def figure(self, paths: dict, caption: str) -> None:
        png = Path(paths["png"])
        data = png.read_bytes()
        import base64
        b64 = base64.b64encode(data).decode("ascii")
        svg = Path(paths.get("svg", png.with_suffix(".svg")))
        self.n_figures += 1
        self.parts.append(
            f'<figure><img src="data:image/png;base64,{b64}" alt="{html.escape(caption)}">'
            f"<figcaption>Figure {self.n_figures}. {html.escape(caption)} "
            f'(<a href="figures/{html.escape(svg.name)}">SVG</a>, '
            f'<a href="figures/{html.escape(png.name)}">PNG</a>)</figcaption></figure>')

    def table(self, df: pd.DataFrame, name: str, caption: str = "", *, max_rows: int = 60,
              index: bool = False, kv: bool = False) -> None:
        csv = self.tabdir / f"{safe_name(name)}.csv"
        df.to_csv(csv, index=index)
        self.n_tables += 1
        shown = df.head(max_rows)
        body = _html_table(shown, index=index, kv=kv)
        more = (f'<p class="note">Showing {max_rows} of {len(df):,} rows; the whole table is '
                f'<a href="tables/{csv.name}">tables/{csv.name}</a>.</p>' if len(df) > max_rows
                else f'<p class="note">Table {self.n_tables}. {html.escape(caption)} '
                     f'(<a href="tables/{csv.name}">CSV</a>)</p>')
        if len(df) > max_rows and caption:
            more = f'<p class="note">Table {self.n_tables}. {html.escape(caption)}</p>' + more
        self.parts.append(body + more)

    def adopt(self, paths: dict) -> dict:
        """Moves the tables and texts an analysis wrote next to its figures into tables/."""
        for k, v in list(paths.items()):
            if isinstance(v, (str, Path)) and Path(v).suffix in (".csv", ".txt") \
                    and Path(v).parent == self.figdir:
                target = self.tabdir / Path(v).name
                Path(v).replace(target)
                paths[k] = target
        return paths

    def details(self, summary: str, text: str) -> None:
        self.parts.append(f"<details><summary>{html.escape(summary)}</summary>"
                          f"<pre>{html.escape(text)}</pre></details>")

    def render(self, title: str, subtitle: str) -> str:
        toc = "".join(f'<li><a href="#{a}">{html.escape(t)}</a></li>' for a, t in self.toc)
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
                f"<h1>{html.escape(title)}</h1><p class=\"note\">{html.escape(subtitle)}</p>"
                f"<nav><ul>{toc}</ul></nav>" + "\n".join(self.parts) + "</body></html>\n")


def _cell(v, raw: bool = False) -> str:
    if raw:
        return "–" if v is None else str(v)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return _num(float(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return str(v)


def _html_table(df: pd.DataFrame, *, index: bool = False, kv: bool = False) -> str:
    cls = "t kv" if kv else "t"
    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    head = "" if kv else "<thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr></thead>"
    rows = []
    for idx, r in zip(df.index, df.itertuples(index=False)):
        cells = ([_cell(idx)] if index else []) + [_cell(v, kv) for v in r]
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return f'<table class="{cls}">{head}<tbody>{"".join(rows)}</tbody></table>'


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def provenance_frame(cf: CyberFile, argv: Sequence[str] | None = None) -> pd.DataFrame:
    p = cf.provenance()
    rows = list(p.items())
    rows.append(("file_size_bytes", f"{cf.path.stat().st_size:,}"))
    rows.append(("file_sha256", _sha256(cf.path)))
    seeds = cf.runs(["seed"])["seed"]
    if len(seeds):
        rows.append(("run_seeds", f"{seeds.nunique():,} distinct, derived from the master seed "
                                  f"and the replication (first {seeds.iloc[0]})"))
    import h5py
    import matplotlib
    import scipy
    rows.append(("analysis", f"python3 -m analysis (Python {platform.python_version()}, numpy "
                             f"{np.__version__}, pandas {pd.__version__}, h5py {h5py.__version__}, "
                             f"scipy {scipy.__version__}, matplotlib {matplotlib.__version__})"))
    if argv:
        rows.append(("analysis_command", "python3 -m analysis " + " ".join(argv)))
    rows.append(("analysed_utc", _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
    return pd.DataFrame(rows, columns=["field", "value"])


def build_report(path: str | Path, outdir: str | Path, *, metric: str | None = None,
                 discover_metric: str | None = None, threshold: float | None = None,
                 above: bool = True, level: float = 0.95, n_boot: int = 1000,
                 title: str | None = None, argv: Sequence[str] | None = None,
                 timeseries_metrics: Sequence[str] | None = None, window=None) -> Path:
    """Writes OUTDIR/report.html (+ figures/, tables/); returns the HTML's path.

    A sweep whose file states a [question] opens on its answer (analysis.question); the
    primary metric is then the question's unless METRIC is given. WINDOW restricts the
    answer (in place of the question's window) and the design table, dose-response and
    time series; the key metrics stay over every day."""
    from .timeseries import DEFAULT_METRICS, available_metrics, timeseries
    t0 = time.perf_counter()
    outdir = Path(outdir)
    import h5py
    try:
        with h5py.File(path, "r") as probe:
            is_calibration = "calibration" in probe
    except OSError:
        is_calibration = False
    if is_calibration:
        return _calibration_report(Path(path), outdir, title=title, t0=t0)
    if (discover_metric is None) != (threshold is None):
        raise BadInput("--discover-metric and --threshold go together")
    with open_file(path) as cf:
        if window is not None:
            from .window import parse_window
            window = parse_window(cf, window)  # a bad window fails before anything is written
        rep = _Report(outdir)
        notes: list[str] = list(cf.warnings)
        question = None
        if cf.kind == "sweep" and cf.sweep_spec.get("question"):
            from .question import read_question
            question = read_question(cf)
        # the primary metric
        names = cf.metric_names()
        primary = (metric or (question.metric if question else None)
                   or next((m for m in ("launched", "events") if m in names), names[0]))
        spec = cf.metric_spec(primary)
        if discover_metric is not None:
            cf.metric_spec(discover_metric)  # fail early on a bad name

        from .worlds import is_worlds_sweep
        if question is not None and is_worlds_sweep(cf):
            from .worlds import report_section
            report_section(cf, rep, question, window=window)
        elif question is not None:
            _question_section(cf, rep, question, level=level, n_boot=n_boot, window=window)

        # -- summary --------------------------------------------------------------------
        rep.h2("Summary")
        what = (f"{cf.design_kind} sweep '{cf.name}': {cf.n_points} design points × "
                f"{cf.replications} replications = {cf.n_runs:,} runs"
                if cf.kind == "sweep" else
                f"scenario '{cf.name}': {cf.n_runs:,} replications of "
                f"{cf.scenario_attrs.get('horizon_days', '?')} days")
        rep.p(f"{cf.path.name} is the output of cyberdeter {cf.producer}: {what}. "
              f"Written {cf.attrs.get('created_utc')} by cyberdeter {cf.attrs.get('program_version')} "
              f"(git {cf.attrs.get('git_revision')}).")
        for w in notes:
            rep.p(f"Warning: {w}", "warn")
        km = key_metrics(cf, level=level)
        rep.table(km, "key_metrics", f"Mean per run over all {cf.n_runs:,} runs, with the "
                  f"{level:.0%} t interval of the mean (units per run).")

        if cf.kind == "run":
            _run_sections(cf, rep, spec, primary, level, window)
        else:
            _sweep_sections(cf, rep, spec, primary, level, n_boot, window)

        # -- time series ----------------------------------------------------------------
        if "timeseries" in cf.h5:
            avail = available_metrics(cf)
            ms = [m for m in (timeseries_metrics or DEFAULT_METRICS) if m in avail]
            if ms:
                rep.h2("Time series")
                ts = timeseries(cf, ms, level=level, window=window)
                paths = rep.adopt(ts.write(rep.figdir, "timeseries"))
                rep.figure(paths, ts.note())
                if len(ts.events):
                    rep.table(ts.events, "events", "Mega-events and policy changes of the "
                              + ("base " if cf.kind == "sweep" else "") + "scenario (days).")

        # -- discovery ------------------------------------------------------------------
        if discover_metric is not None:
            from .discovery import discover
            rep.h2("Scenario discovery (PRIM)")
            disc = discover(cf, discover_metric, float(threshold), above=above)
            paths = rep.adopt(disc.write(rep.figdir))
            rep.p(disc.text().splitlines()[0])
            rep.table(disc.summary_frame(), f"prim_{safe_name(disc.metric)}_boxes",
                      "PRIM boxes: coverage = share of the cases of interest inside; density = "
                      "share of the box's runs that are cases; mass = share of all runs inside.")
            if "trajectory_plot" in paths:
                rep.figure(paths["trajectory_plot"], "Peeling trajectory (the chosen box circled).")
            rep.figure(paths["histogram"], f"Distribution of {disc.metric} over "
                       f"{'runs' if disc.per == 'run' else 'design points'}, with the threshold.")
            for b in disc.boxes:
                rep.h3(f"Box {b.index}")
                rep.table(b.limits[b.limits.restricted] if b.limits.restricted.any() else b.limits,
                          f"prim_box{b.index}_limits", "Limits of the box (restricted parameters).")
                rep.p(b.reason)
                if b.chains is not None and len(b.chains):
                    cols = ["chain", "share_inside", "share_outside", "difference",
                            "per_run_inside", "per_run_outside", "n_inside", "n_outside"]
                    rep.table(b.chains[cols], f"prim_box{b.index}_chains",
                              "Incident chains (attacker kind → attribution → response) of the "
                              "runs inside vs outside the box, as shares of each group's incidents.",
                              max_rows=15)
                    key = f"chains_box{b.index}_plot"
                    if key in paths:
                        rep.figure(paths[key], f"Box {b.index}: the most frequent chains inside vs outside.")
            for n in disc.notes:
                rep.p(n, "note")

        # -- provenance and texts -------------------------------------------------------
        rep.h2("Provenance")
        rep.table(provenance_frame(cf, argv), "provenance",
                  "Where these numbers come from: the file's root, /scenario and /sweep attributes.",
                  max_rows=200, kv=True)
        if cf.scenario_text:
            rep.details(f"Scenario file as read ({cf.scenario_attrs.get('source_path', '')})",
                        cf.scenario_text)
        if cf.resolved_text:
            rep.details("Resolved scenario (every parameter after defaults and overrides)",
                        cf.resolved_text)
        if cf.sweep_text:
            rep.details(f"Sweep file ({cf.sweep_attrs.get('source_path', '')})", cf.sweep_text)

        title = title or f"cyberdeter report: {cf.name}"
        subtitle = (f"{cf.path.name} · generated "
                    f"{_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
                    f"python3 -m analysis in {time.perf_counter() - t0:.1f} s")
        out = outdir / "report.html"
        out.write_text(rep.render(title, subtitle), encoding="utf-8")
        return out


def _question_section(cf: CyberFile, rep: _Report, question, *, level: float, n_boot: int,
                      window) -> None:
    """The report's first section: the sweep file's question and its answer."""
    from .question import answer
    rep.h2("Question")
    if question.text:
        rep.p(question.text, "question")
    try:
        ans = answer(cf, question, level=level, n_boot=n_boot, window=window)
    except BadInput as e:
        rep.p(f"The question cannot be answered from this file: {e}", "warn")
        return
    for sentence in ans.sentences():
        rep.p(sentence, "sentence")
    facts = [("metric", f"{ans.metric} [{ans.unit}]"),
             ("compared", f"{question.compare}: " + (
                 f"{ans.baseline} (baseline) against "
                 f"{', '.join(c.treatment for c in ans.comparisons)}"
                 if ans.mode == "effect" else "dose-response slope over its range")),
             ("window", ans.window_text or "every day of the runs"),
             ("other parameters", (", ".join(ans.others) + (
                 ": the headline pools their combinations (per replication, the mean over "
                 "them); each combination is listed" if ans.mode == "effect" else
                 ": varied within each replication's regression")) if ans.others else "none"),
             ("intervals", f"{level:.0%} paired t and expanded BCa bootstrap ({n_boot:,} "
                           f"resamples, seed 0), pairs = replications (common random numbers "
                           f"{'on' if cf.common_random_numbers else 'off'})"),
             ("question from", question.source)]
    rep.table(pd.DataFrame(facts, columns=["field", "value"]), "question",
              "What the sweep file asks, and how it is answered.", kv=True)
    captions = {"": "The answer: means, the paired difference with both intervals, the "
                    "relative change.",
                "_by_combination": "The same comparison at each combination of the other "
                                   "parameters (B − A per run).",
                "_displacement": "Displacement: the paired change on every state (or "
                                 "attacker) and in total; states at 0 in every run are left out."}
    for name, frame in ans.tables().items():
        suffix = next((k for k in ("_by_combination", "_displacement") if name.endswith(k)), "")
        rep.table(frame, name, captions.get(suffix, "The dose-response slope with both "
                                                    "intervals."), max_rows=80)
    for n in ans.notes:
        rep.p(n, "note")
    if ans.mode == "slope":
        dr = dose_response(cf, ans.metric, [question.compare], level=level,
                           window=window if window is not None else question.window)
        rep.figure(rep.adopt(dr.write(rep.figdir)), dr.note())


def _members_by_point(cf: CyberFile, rep: _Report, level: float) -> None:
    """Sweeps: operations launched against each state and by each attacker, mean per run
    at each design point (where displacement shows)."""
    for table, entity, title in (("states", "state", "Per state (as victim), by design point"),
                                 ("attackers", "attacker", "Per attacker, by design point")):
        if table not in cf.h5 or "launched" not in cf.columns(table):
            continue
        names = cf.names(table)
        if not names:
            continue
        frame, names = cf.members(f"launched@{names[0]}")
        means = frame.groupby("point")[names].mean()
        means = means.loc[:, (means != 0).any(axis=0)]
        rep.h3(title)
        rep.table(means.reset_index(), f"{table}_launched_by_point",
                  f"Operations launched {'against each state' if entity == 'state' else 'by each attacker'}"
                  f", mean per run at each design point over its {cf.replications} replications "
                  f"(columns at 0 everywhere are left out; `effect FILE --points P Q -m "
                  f"launched@NAME` gives a paired comparison with the displacement).",
                  max_rows=40)


def _run_sections(cf: CyberFile, rep: _Report, spec, primary: str, level: float,
                  window=None) -> None:
    from . import plots
    v = cf.metric(primary, window=window)["value"].to_numpy(float)
    rep.h2("Distribution over replications")
    rep.figure(plots.save(plots.histogram(v, plots.axis_label(spec.label, spec.unit, per_run=True),
                                          title=f"{primary} per replication"),
                          rep.figdir, f"histogram_{safe_name(primary)}"),
               f"{spec.label} per replication ({len(v)} replications).")
    if "states" in cf.h5:
        rep.h2("Per state (as victim)")
        st = cf.states(decode=True)
        cols = [c for c in ("launched", "succeeded", "damage", "detected", "attributed",
                            "attributed_correct", "attributed_wrong", "responses_attribute",
                            "responses_coordinate", "responses_sanction", "sanctions_imposed",
                            "final_defense", "final_detection_rate", "final_workforce") if c in st]
        table = st.groupby("state", observed=True)[cols].mean()
        n = st.groupby("state", observed=True).size()
        table.insert(0, "replications", n)
        units = st.attrs["units"]
        table.columns = [c if c == "replications" else f"{c} [{units.get(c, '')}]" for c in table.columns]
        rep.table(table.reset_index(), "states", "Mean per replication for each state as a victim.")
        s = summarise(st.assign(value=st["launched"].astype(float)), ["state"], level=level)
        s = s[s["mean"] > 0] if (s["mean"] > 0).any() else s
        rep.figure(plots.save(plots.bars(list(s["state"].astype(str)), s["mean"], s["ci_low"], s["ci_high"],
                                         "operations launched [count per run]",
                                         title=f"Attacks received per state ({level:.0%} CI)"),
                              rep.figdir, "states_launched"),
                   "Operations launched against each state, mean per replication.")
    if "attackers" in cf.h5:
        rep.h2("Per attacker")
        at = cf.attackers(decode=True)
        cols = [c for c in ("launched", "succeeded", "gain", "named", "named_wrongly",
                            "reputation_cost", "sanction_cost", "stock", "p_attributed",
                            "p_sanction") if c in at]
        table = at.groupby("attacker", observed=True)[cols].mean()
        units = at.attrs["units"]
        table.columns = [f"{c} [{units.get(c, '')}]" for c in table.columns]
        rep.table(table.reset_index(), "attackers", "Mean per replication for each attacker "
                  "(p_*: final beliefs, mean over targets).")
    if "incidents" in cf.h5:
        from .discovery import chain_summary
        rep.h2("Incident chains")
        ch = chain_summary(cf)
        ch = ch[["chain", "n_all", "share_all", "per_run_all"]]
        rep.table(ch, "incident_chains", "Every incident as attacker kind → attribution → "
                  "response carried out; share of all incidents and mean per replication.",
                  max_rows=20)
        rep.figure(plots.save(plots.chains(ch.rename(columns={"share_all": "share_inside"})
                                           .assign(share_outside=0.0)),
                              rep.figdir, "incident_chains"),
                   "The most frequent incident chains (share of all incidents).")


def _sweep_sections(cf: CyberFile, rep: _Report, spec, primary: str, level: float,
                    n_boot: int, window=None) -> None:
    rep.h2("Design")
    design = cf.design()
    mf = cf.metric(primary, window=window)
    per_point = summarise(mf, ["point"], level=level)
    table = design.merge(per_point[["point", "n", "mean", "ci_low", "ci_high"]], on="point", how="left")
    table = table.rename(columns={"mean": f"{primary} mean", "ci_low": "ci_low", "ci_high": "ci_high",
                                  "n": "runs"})
    params = cf.parameters
    rep.p(f"{cf.design_kind} design over {len(params)} parameter(s); "
          f"{cf.replications} replications per point, common random numbers "
          f"{'on' if cf.common_random_numbers else 'off'}.")
    ptab = pd.DataFrame([{"parameter": p.name, "path": p.path, "kind": p.kind,
                          "values or range": (", ".join(p.literals) if p.values is not None else
                                              f"[{p.lo:g}, {p.hi:g}]" if p.lo is not None else "")}
                         for p in params])
    rep.table(ptab, "parameters", "Swept parameters.")
    use = mf.attrs.get("window")
    rep.table(table, "design", f"Design points with the mean of {primary} per point "
              f"({level:.0%} t interval over its replications)"
              + (f"; window: {use.text()}" if use is not None else "") + ".", max_rows=40)
    _members_by_point(cf, rep, level)
    kind = cf.design_kind
    if kind in ("saltelli", "morris"):
        rep.h2("Sensitivity")
        try:
            sens = sensitivity(cf, primary, level=level, n_boot=n_boot)
        except BadInput as e:
            rep.p(f"Sensitivity analysis not possible: {e}", "warn")
        else:
            paths = rep.adopt(sens.write(rep.figdir))
            if sens.method == "sobol":
                rep.table(sens.table, sens.stem, f"First-order (S1) and total (ST) Sobol indices of "
                          f"{primary}, {level:.0%} bootstrap intervals; outputs are the means over "
                          f"the replications of each point. Converged: "
                          f"{'yes' if sens.result.converged else 'no'}.")
                rep.figure(paths["plot"], f"Sobol indices of {primary}.")
                if "convergence_plot" in paths:
                    rep.figure(paths["convergence_plot"], "Estimates on the first N/8, N/4, N/2 and "
                               "N base samples: flat lines mean the indices have converged.")
            else:
                rep.table(sens.table, sens.stem, f"Morris measures of {primary} per unit of each "
                          f"parameter's range: μ* (mean absolute elementary effect, {level:.0%} "
                          f"bootstrap interval), μ, σ; outputs are means over replications.")
                rep.figure(paths["plot"], f"Morris screening of {primary}: μ* against σ.")
            rep.p(f"Replication noise accounts for {sens.noise_share:.1%} of the variance of the "
                  f"point means.", "note")
            for n in sens.notes:
                rep.p(n, "warn")
    if kind not in ("saltelli",) and params:
        rep.h2("Dose-response")
        for p in params:
            dr = dose_response(cf, primary, [p.name], level=level, window=window)
            paths = rep.adopt(dr.write(rep.figdir))
            rep.figure(paths, dr.note())
        if kind == "grid" and len(params) >= 2:
            dr = dose_response(cf, primary, [params[0].name, params[1].name], level=level,
                               window=window)
            paths = rep.adopt(dr.write(rep.figdir))
            rep.figure(paths, dr.note())
    if "incidents" in cf.h5:
        from .discovery import chain_summary
        rep.h2("Incident chains")
        ch = chain_summary(cf)[["chain", "n_all", "share_all", "per_run_all"]]
        rep.table(ch, "incident_chains", "Incidents of all runs as attacker kind → attribution → "
                  "response carried out.", max_rows=20)


def _calibration_report(path: Path, outdir: Path, *, title: str | None, t0: float) -> Path:
    """The report of a calibration's output (cyberdeter calibrate): the waves, what the
    targets identify, the pairs plot of the plausible worlds against the prior."""
    import numpy as np
    from .plots import plt, save
    from .worlds import pairs_plot, prior_sample, read_plausible
    pl = read_plausible(path)
    rep = _Report(outdir)
    rep.h2("Plausible worlds")
    n = int(pl.worlds["plausible"].sum())
    rep.p(f"{path.name}: {n} plausible worlds of {len(pl.worlds):,} simulated in "
          f"{len(pl.waves)} waves, against {len(pl.targets)} targets "
          f"(docs/calibration.md, \"Plausible worlds\").")
    waves = pl.waves.copy()
    waves.insert(0, "wave", np.arange(len(waves)))
    rep.table(waves, "waves", "Each wave: worlds simulated, prior draws screened and kept by "
              "the earlier waves' emulators (region_share: the share of the prior left), worlds "
              "non-implausible by their own runs, and each emulator's leave-one-out coverage.")
    params = pl.parameters.copy()
    params["identified"] = [pl.verdict(r) for r in params["interval_ratio"]]
    rep.table(params[["name", "prior", "low", "high", "prior_q05", "prior_q95", "plausible_q05",
                      "plausible_q50", "plausible_q95", "interval_ratio", "identified", "source"]],
              "parameters", "Prior against plausible worlds: interval_ratio is the prior's mass "
              "between the plausible 5 % and 95 % quantiles over 0.9 (near 1: unidentified).")
    rng = np.random.default_rng(0)
    prior = pd.DataFrame({r["name"]: prior_sample(r, 2000, rng) for _, r in pl.parameters.iterrows()})
    fig = pairs_plot(pl.worlds[pl.worlds["plausible"] == 1], prior, pl.names)
    paths = save(fig, rep.figdir, "plausible_pairs")
    plt.close(fig)
    rep.figure(paths, "The plausible worlds (blue) against the prior (grey).")
    rep.table(pl.targets, "targets", "The targets: statistic, incidents counted, band and source.")
    title = title or f"cyberdeter calibration: {path.name}"
    subtitle = (f"{path.name} · generated "
                f"{_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by "
                f"python3 -m analysis in {time.perf_counter() - t0:.1f} s")
    out = outdir / "report.html"
    out.write_text(rep.render(title, subtitle), encoding="utf-8")
    return out
