"""The question a sweep file states (``[question]``) and its answer.

    [question]
    text = "Do sanctions by Japan deter state-sponsored attacks on it?"
    metric = "launched_state_sponsored@Japan"
    compare = "sanctions"     # the parameter whose values are compared
    baseline = "off"          # a label or value literal of it (default: its first value)
    treatment = "on"          # default: every other value, each against the baseline
    window = "Tokyo 2020 Olympic and Paralympic Games (held 2021)"   # or [start, end]

The answer is a paired effect (B − A by replication, common random numbers) of each
treatment against the baseline, on the metric counted in the window. Runs are paired
within the other parameters' values: the baseline point and the treatment point of one
combination of the other parameters, replication by replication. When the other
parameters vary, the headline is the effect **pooled over their combinations** — per
replication, the mean over the combinations of the treatment's runs against the mean of
the baseline's, so the pairs stay independent across replications and the intervals are
those of `effect` — and the effect at each combination follows, so a reader sees whether
it holds everywhere. For a per-state or per-attacker metric the displacement (the other
states or attackers, and the total) is given for the headline comparison.

A ``compare`` parameter given by a ``range`` without ``baseline`` and ``treatment`` is
continuous: the answer is then its dose-response slope, the least-squares slope of the
metric on the parameter (on log2 of it for a log-scaled range: per doubling) computed
within each replication over every design point, with paired t and BCa bootstrap
intervals over the replications' slopes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .io import BadInput, CyberFile, Parameter, did_you_mean, toml_literal


@dataclass
class Question:
    metric: str
    compare: str
    baseline: object = None          # as written (label or literal), or None
    treatments: list | None = None   # as written, or None for every other value
    window: object = None            # "name", [start, end], or None
    text: str = ""
    source: str = "the sweep file's [question]"


def read_question(cf: CyberFile, *, metric=None, compare=None, baseline=None, treatment=None,
                  window=None, text=None) -> Question:
    """The sweep file's [question], with any field replaced by the arguments given."""
    if cf.kind != "sweep":
        raise BadInput(f"{cf.path}: a question is asked of a sweep (its [question] table); "
                       f"this is a run file: use `effect A.h5 B.h5`")
    q = dict(cf.sweep_spec.get("question") or {})
    overridden = any(v is not None for v in (metric, compare, baseline, treatment, window))
    if not q and metric is None:
        raise BadInput(
            f"{cf.path}: the sweep file has no [question] table (add one: text, metric, "
            f"compare, baseline, treatment, window; docs/user-guide.md \"Sweeps\"), or give "
            f"the question here: --metric M [--compare P --baseline V --treatment V --window W]")
    for key, value in (("metric", metric), ("compare", compare), ("baseline", baseline),
                       ("window", window), ("text", text)):
        if value is not None:
            q[key] = value
    if treatment is not None:
        q["treatment"] = treatment
    names = [p.name for p in cf.parameters]
    comp = q.get("compare")
    if comp is None:
        if len(names) != 1:
            raise BadInput(f"the question does not say which parameter to compare and the sweep "
                           f"varies {len(names)} ({', '.join(names)}): give --compare P")
        comp = names[0]
    cf.parameter(comp)  # BadInput with a suggestion when unknown
    treatments = q.get("treatment")
    if treatments is not None and not isinstance(treatments, list):
        treatments = [treatments]
    if "metric" not in q:
        raise BadInput("the question has no metric: give --metric M")
    source = ("the sweep file's [question]" if cf.sweep_spec.get("question") else "the command line")
    if overridden and cf.sweep_spec.get("question"):
        source += ", with the command line's changes"
    return Question(metric=str(q["metric"]), compare=comp, baseline=q.get("baseline"),
                    treatments=treatments, window=q.get("window"), text=str(q.get("text", "")),
                    source=source)


# ---------------------------------------------------------------------------------------
# values of the compared parameter


def _stored_levels(cf: CyberFile, p: Parameter) -> np.ndarray:
    """The stored values of P in the design, in the order of first appearance."""
    col = cf.design(decode=False)[p.name].to_numpy(float)
    _, first = np.unique(col, return_index=True)
    return col[np.sort(first)]


def _name_of(p: Parameter, stored: float) -> str:
    """A value as the sweep file wrote it: its label, else its literal (false, 0.8, …)."""
    if p.values is not None:
        i = int(stored)
        if p.labels is None and p.literals is not None and not isinstance(p.values[i], str):
            return str(p.literals[i])
        return str(p.value_names[i])
    return f"{stored:.6g}"


def _resolve(p: Parameter, value, levels: np.ndarray, key: str) -> float:
    """The stored design value a question's label or literal names."""
    if p.values is not None:
        if isinstance(value, str):
            for names in (p.labels, p.literals):
                if names and value in names:
                    return float(list(names).index(value))
        parsed = toml_literal(value) if isinstance(value, str) else value
        for i, v in enumerate(p.values):
            if type(v) is type(parsed) or (isinstance(v, (int, float)) and not isinstance(v, bool)
                                           and isinstance(parsed, (int, float))
                                           and not isinstance(parsed, bool)):
                if v == parsed:
                    return float(i)
        choices = list(p.labels or p.value_names or ())
        raise BadInput(f"question {key} '{value}' is not a value of parameter '{p.name}'"
                       f"{did_you_mean(str(value), choices)}; it has {', '.join(choices)}")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"question {key} '{value}': parameter '{p.name}' is a range: give a "
                       f"number") from None
    close = np.flatnonzero(np.isclose(levels, x, rtol=1e-9, atol=1e-12))
    if not len(close):
        shown = ", ".join(f"{v:.6g}" for v in np.sort(levels)[:12])
        raise BadInput(f"question {key} {x:g} is not a value the design gave parameter "
                       f"'{p.name}' (it has {shown}{', …' if len(levels) > 12 else ''})")
    return float(levels[close[0]])


# ---------------------------------------------------------------------------------------
# the answer


@dataclass
class Comparison:
    """One treatment against the baseline: the headline effect, and per combination."""

    treatment: str
    headline: object                 # report.EffectOutput (pooled, or the only combination)
    pooled: bool
    combinations: list = field(default_factory=list)   # (label, EffectOutput), when pooled
    pairs: list = field(default_factory=list)          # (baseline point, treatment point)


@dataclass
class Answer:
    question: Question
    metric: str
    unit: str
    what: str
    mode: str                        # "effect" or "slope"
    baseline: str = ""
    comparisons: list = field(default_factory=list)
    slope: object = None             # effects.Effect of the per-replication slopes
    slope_info: dict = field(default_factory=dict)
    window_text: str = ""
    others: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    def sentences(self) -> list[str]:
        """The answer: one sentence per treatment (and its displacement), or the slope."""
        out = []
        if self.mode == "slope":
            out.append(self._slope_sentence())
        for c in self.comparisons:
            out.append(c.headline.sentence)
            if c.headline.displacement is not None:
                out.append(c.headline.displacement.summary())
            if c.pooled:
                out.append(_heterogeneity(c))
        return out

    def _slope_sentence(self) -> str:
        e, i = self.slope, self.slope_info
        per = "doubling of" if i["log"] else "unit of"
        pct = f"{100 * e.level:g} %"
        unit = "" if self.unit in ("", "1", "count") else f" {self.unit}"
        d = 3
        body = (f"Each {per} {self.question.compare} (from {i['lo']:.4g} to {i['hi']:.4g}) "
                f"{'changed' if e.detectable else 'did not detectably change'} {self.what}"
                f"{' by' if e.detectable else ':'} {_sig(e.difference, d)}{unit} per run "
                f"({pct} CI paired t {_sig(e.ci_t[0], d)} to {_sig(e.ci_t[1], d)}, BCa "
                f"bootstrap {_sig(e.ci_bootstrap[0], d)} to {_sig(e.ci_bootstrap[1], d)}; the "
                f"least-squares slope within each of the {e.n} replications over "
                f"{i['points']} design points)")
        if e.degenerate:
            body += "; every replication has the same slope"
        text = body + "."
        if e.caution:
            text += f" Caution: {e.caution}"
        return text

    def text(self, details: bool = True) -> str:
        lines = []
        q = self.question
        if q.text:
            lines.append(f"Question: {q.text}")
        lines += self.sentences()
        if not details:
            return "\n".join(lines)
        lines.append("")
        lines.append(f"  metric          {self.metric}" + (f" [{self.unit}]" if self.unit not in ("", "1") else ""))
        lines.append(f"  compared        {q.compare}: "
                     + (f"{self.baseline} (baseline) against {', '.join(c.treatment for c in self.comparisons)}"
                        if self.mode == "effect" else "dose-response slope (a continuous range)"))
        lines.append(f"  window          {self.window_text or 'every day of the runs'}")
        if self.others:
            lines.append(f"  other parameters {', '.join(self.others)}: "
                         + ("pooled over their combinations, and at each" if self.mode == "effect"
                            else "varied within each replication's regression"))
        lines.append(f"  question from   {q.source}")
        for c in self.comparisons:
            lines.append("")
            lines.append(f"  {c.treatment} against {self.baseline}"
                         + (" (pooled over the other parameters)" if c.pooled else "") + ":")
            lines += ["  " + line for line in c.headline.text().splitlines()[2:]]
            if c.combinations:
                lines.append("    at each combination of the other parameters (B − A per run, "
                             "paired t; BCa bootstrap):")
                for label, out in c.combinations:
                    e = out.effect
                    flag = "  *" if e.caution else ""
                    body = ("(the same difference in every pair)" if e.degenerate else
                            f"[{_sig(e.ci_t[0], 3)}, {_sig(e.ci_t[1], 3)}]; "
                            f"[{_sig(e.ci_bootstrap[0], 3)}, {_sig(e.ci_bootstrap[1], 3)}]{flag}")
                    lines.append(f"      {label:<40} {_sig(e.difference, 3):>8}  {body}")
                if any(o.effect.caution for _, o in c.combinations):
                    lines.append("      * the two intervals disagree there (few pairs differ, or "
                                 "skewed differences)")
        if self.mode == "slope":
            e = self.slope
            lines.append(f"  slope           {_sig(e.difference, 4)} per {'doubling' if self.slope_info['log'] else 'unit'} "
                         f"of {q.compare}; {e.level:.0%} CI paired t [{_sig(e.ci_t[0], 4)}, "
                         f"{_sig(e.ci_t[1], 4)}]; BCa bootstrap [{_sig(e.ci_bootstrap[0], 4)}, "
                         f"{_sig(e.ci_bootstrap[1], 4)}] ({e.n_boot:,} resamples of the {e.n} "
                         f"replications' slopes, seed {e.seed})")
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The answer's tables for the report (name -> frame)."""
        out = {}
        for c in self.comparisons:
            key = f"answer_{_safe(c.treatment)}"
            out[key] = c.headline.table()
            if c.combinations:
                out[key + "_by_combination"] = pd.DataFrame([
                    {"combination": label, "n": o.effect.n, "mean_a": o.effect.mean_a,
                     "mean_b": o.effect.mean_b, "difference": o.effect.difference,
                     "ci_t_low": o.effect.ci_t[0], "ci_t_high": o.effect.ci_t[1],
                     "ci_bootstrap_low": o.effect.ci_bootstrap[0],
                     "ci_bootstrap_high": o.effect.ci_bootstrap[1],
                     "detectable": o.effect.detectable, "caution": o.effect.caution}
                    for label, o in c.combinations])
            if c.headline.displacement is not None:
                out[key + "_displacement"] = c.headline.displacement.table()
        if self.mode == "slope":
            e = self.slope
            out["answer_slope"] = pd.DataFrame([
                {"quantity": f"slope per {'doubling' if self.slope_info['log'] else 'unit'} of "
                             f"{self.question.compare} (paired t CI)", "estimate": e.difference,
                 "low": e.ci_t[0], "high": e.ci_t[1]},
                {"quantity": f"slope (BCa bootstrap CI, {e.n_boot:,} resamples, seed {e.seed})",
                 "estimate": e.difference, "low": e.ci_bootstrap[0], "high": e.ci_bootstrap[1]}])
        return out

    def to_dict(self) -> dict:
        q = self.question
        d = {"question": q.text, "metric": self.metric, "compare": q.compare,
             "mode": self.mode, "window": self.window_text, "source": q.source,
             "sentences": self.sentences(), "other_parameters": self.others, "notes": self.notes}
        if self.mode == "effect":
            d["baseline"] = self.baseline
            d["comparisons"] = [
                {"treatment": c.treatment, "pooled": c.pooled, "effect": c.headline.to_dict(),
                 "by_combination": [{"combination": label, **o.effect.to_dict()}
                                    for label, o in c.combinations]}
                for c in self.comparisons]
        else:
            d["slope"] = self.slope.to_dict()
            d["slope"].update(self.slope_info)
        return d


def answer(cf: CyberFile, question: Question, *, level: float = 0.95, n_boot: int = 10_000,
           seed: int = 0, what: str | None = None, window=None) -> Answer:
    """The answer to QUESTION from the sweep CF (window: overrides the question's)."""
    from .report import EffectOutput, _displacement, _pair
    from .window import parse_window

    p = cf.parameter(question.compare)
    spec = cf.metric_spec(question.metric)
    window_spec = window if window is not None else question.window
    w = parse_window(cf, window_spec) if window_spec is not None else None
    mf = cf.metric(spec.name, window=w)
    use = mf.attrs.get("window")
    window_text = use.text() if use is not None else ""
    what = what or spec.name + (f" in {w.describe()}" if w is not None else "")
    design = cf.design(decode=False)
    others = [o.name for o in cf.parameters if o.name != p.name]
    levels = _stored_levels(cf, p)
    ans = Answer(question=question, metric=spec.name, unit=spec.unit, what=what, mode="effect",
                 window_text=window_text, others=others)
    if not cf.common_random_numbers:
        ans.notes.append("the sweep ran without common random numbers: pairs by replication "
                         "are independent runs, so the intervals are wider than they need be")
    continuous = p.values is None
    if continuous and question.baseline is None and question.treatments is None:
        ans.mode = "slope"
        _slope(cf, p, mf, design, ans, level=level, n_boot=n_boot, seed=seed)
        return ans
    base = _resolve(p, question.baseline, levels, "baseline") if question.baseline is not None \
        else float(levels[0] if not continuous else np.min(levels))
    if question.treatments is not None:
        treats = [_resolve(p, t, levels, "treatment") for t in question.treatments]
    else:
        treats = [float(v) for v in (levels if not continuous else np.sort(levels)) if v != base]
    if not treats:
        raise BadInput(f"parameter '{p.name}' takes one value in this design: nothing to compare")
    ans.baseline = f"{p.name} = {_name_of(p, base)}"
    # points by the other parameters' values
    key_cols = others
    keyed = design.assign(_key=[tuple(r) for r in design[key_cols].to_numpy(float)]) if key_cols \
        else design.assign(_key=[()] * len(design))
    value = design[p.name].to_numpy(float)
    kw = dict(level=level, n_boot=n_boot, seed=seed)
    for t in treats:
        label_b = f"{p.name} = {_name_of(p, t)}"
        pairs = []
        for key, group in keyed.groupby("_key", sort=False):
            pa = group.point[np.isclose(value[group.index], base)].tolist()
            pb = group.point[np.isclose(value[group.index], t)].tolist()
            if pa and pb:
                pairs.append((key, int(pa[0]), int(pb[0])))
        if not pairs:
            raise BadInput(
                f"no design point with {p.name} = {_name_of(p, t)} has the same values of the "
                f"other parameters ({', '.join(others)}) as one with {ans.baseline}: the "
                f"comparison pairs runs within the other parameters' values, which needs a "
                f"grid design")
        combos = []
        for key, pa, pb in pairs:
            ma, mb = mf[mf.point == pa], mf[mf.point == pb]
            label = ", ".join(f"{o} = {_name_of(cf.parameter(o), v)}" for o, v in zip(others, key))
            combos.append((label or "(no other parameters)", pa, pb, ma, mb))
        pooled = len(combos) > 1
        if pooled:
            a = _pooled(mf, [c[1] for c in combos])
            b = _pooled(mf, [c[2] for c in combos])
            n = len(combos)
            head_a = f"{ans.baseline} (mean over {n} combinations of {', '.join(others)})"
            head_b = f"{label_b} (mean over the same {n})"
        else:
            a, b = combos[0][3], combos[0][4]
            head_a, head_b = ans.baseline, label_b
            if others:
                head_a += f" ({combos[0][0]})"
                head_b += f" ({combos[0][0]})"
        info = {"file": str(cf.path), "metric": spec.name, "compare": p.name}
        if use is not None:
            info.update(use.to_dict())
        headline = _pair(a, b, spec.name, label_a=head_a, label_b=head_b, what=what,
                         unit=spec.unit, label=spec.label, info=info, **kw)
        if spec.entity is not None:
            table, names = cf.members(spec.name, window=w)
            ta = _pooled_members(table, [c[1] for c in combos], names)
            tb = _pooled_members(table, [c[2] for c in combos], names)
            ta.attrs = tb.attrs = table.attrs
            _displacement(ta, tb, names, headline, **kw)
        comp = Comparison(treatment=label_b, headline=headline, pooled=pooled,
                          pairs=[(c[1], c[2]) for c in combos])
        if pooled:
            for label, pa, pb, ma, mb in combos:
                out = _pair(ma, mb, spec.name, label_a=ans.baseline, label_b=label_b,
                            what=what, unit=spec.unit, label=spec.label, info={}, **kw)
                comp.combinations.append((label, out))
        ans.comparisons.append(comp)
    return ans


def _pooled(mf: pd.DataFrame, points: list[int]) -> pd.DataFrame:
    """Per replication, the mean of the metric over POINTS (replications in all of them)."""
    sel = mf[mf.point.isin(points)]
    counts = sel.groupby("replication")["point"].nunique()
    full = counts[counts == len(points)].index
    sel = sel[sel.replication.isin(full)]
    g = sel.groupby("replication", sort=True)
    return pd.DataFrame({"replication": g["value"].mean().index.to_numpy(),
                         "seed": g["seed"].first().to_numpy(),
                         "value": g["value"].mean().to_numpy()})


def _pooled_members(table: pd.DataFrame, points: list[int], names: list[str]) -> pd.DataFrame:
    sel = table[table.point.isin(points)]
    counts = sel.groupby("replication")["point"].nunique()
    sel = sel[sel.replication.isin(counts[counts == len(points)].index)]
    cols = names + (["total"] if "total" in table else [])
    out = sel.groupby("replication", sort=True)[cols].mean().reset_index()
    out.insert(0, "point", -1)
    return out


def _slope(cf: CyberFile, p: Parameter, mf: pd.DataFrame, design: pd.DataFrame, ans: Answer, *,
           level: float, n_boot: int, seed: int) -> None:
    from .effects import paired_effect
    x_of = design.set_index("point")[p.name]
    frame = mf.assign(x=x_of.reindex(mf.point).to_numpy(float))
    frame = frame[np.isfinite(frame["value"])]
    log = p.kind == "log range"
    if log:
        frame = frame.assign(x=np.log2(frame["x"]))
    slopes = []
    for _, g in frame.groupby("replication", sort=True):
        x, y = g["x"].to_numpy(float), g["value"].to_numpy(float)
        if len(np.unique(x)) < 2:
            continue
        xc = x - x.mean()
        slopes.append(float(np.dot(xc, y - y.mean()) / np.dot(xc, xc)))
    if len(slopes) < 2:
        raise BadInput(f"a dose-response slope over '{p.name}' needs at least 2 replications "
                       f"with 2 or more of its values; this file has {len(slopes)}")
    try:
        e = paired_effect(np.zeros(len(slopes)), np.asarray(slopes), metric=ans.metric,
                          label_a="0", label_b="slope", level=level, n_boot=n_boot, seed=seed)
    except ValueError as err:
        raise BadInput(str(err)) from None
    ans.slope = e
    ans.slope_info = {"log": log, "lo": float(np.min(design[p.name])),
                      "hi": float(np.max(design[p.name])),
                      "points": int(frame.point.nunique())}


def _heterogeneity(c: Comparison) -> str:
    effects = [o.effect for _, o in c.combinations]
    n = len(effects)
    down = sum(e.detectable and e.difference < 0 for e in effects)
    up = sum(e.detectable and e.difference > 0 for e in effects)
    parts = []
    if down:
        parts.append(f"a detectable decrease at {down}")
    if up:
        parts.append(f"a detectable increase at {up}")
    if not parts:
        return (f"At none of the {n} combinations of the other parameters is the effect "
                f"detectable on its own.")
    return (f"At the {n} combinations of the other parameters taken one by one: "
            f"{' and '.join(parts)} of {n}.")


def _sig(x: float, digits: int = 3) -> str:
    if not math.isfinite(x):
        return "–"
    text = f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:,.0f}"
    return text.replace("-", "\u2212")


def _safe(text: str) -> str:
    from .io import safe_name
    return safe_name(text)
