"""Time windows: a metric counted only over days START..END of every run.

A window is given as ``START..END`` in days from day 0 or as ISO dates (a date is the
midnight that starts it, relative to the scenario's ``run.start_date``: ``2021-07-23..
2021-09-06`` covers 23 July to 5 September), or by a mega-event's name (its
``start_day``..``end_day`` in the resolved scenario). Both ends are inclusive, as a
mega-event's are (docs/model.md).

Two sources, never mixed and never approximated in silence:

* ``/incidents`` (``--incidents``) gives exact windows: each incident carries the day of
  each step, so a count is the number of steps that happened in the window, at the time
  the model counts them in ``/runs``, ``/states`` and ``/attackers`` (launched, succeeded
  and damage at landing; detected at detection; attributed, its correct/wrong split, the
  quiet judgements and coalition invitations at the judgement; public responses, sanctions,
  innocent punished, the signers and the costs they impose at the response). Over the whole
  horizon these counts equal the tables' (tests/analysis/test_window.py checks every one).
* ``/timeseries`` gives totals per reporting period for the run-level flows it has: only
  whole periods inside the window are used, the span actually used is reported, and a
  window that holds no whole period is refused.

Per-state and per-attacker metrics exist only in ``/incidents`` per window; without it a
window is refused with the advice to re-run with ``--incidents``.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from .io import KINDS, BadInput, CyberFile, did_you_mean

_Inc = dict  # column name -> numpy array

#: How each count is read from /incidents: (the day column that places it in time, the
#: other columns needed, a row filter or None, a weight or None).
_COUNTS: dict[str, tuple[str, tuple[str, ...], Callable | None, Callable | None]] = {
    "launched": ("landed_day", (), None, None),
    "succeeded": ("landed_day", ("success",), lambda i: i["success"], None),
    "damage": ("landed_day", ("damage",), None, lambda i: i["damage"]),
    # What the attacker got (docs/model.md §5.5): /attackers' `gain`.
    "gain": ("landed_day", ("gain",), None, lambda i: i["gain"]),
    "detected": ("detected_day", ("detected",), lambda i: i["detected"], None),
    "attributed": ("attributed_day", ("attributed",), lambda i: i["attributed"], None),
    "attributed_correct": ("attributed_day", ("attributed", "correct"),
                           lambda i: i["attributed"] & i["correct"], None),
    "attributed_wrong": ("attributed_day", ("attributed", "correct"),
                         lambda i: i["attributed"] & ~i["correct"], None),
    "responses_none": ("attributed_day", ("attributed", "rung_decided"),
                       lambda i: i["attributed"] & (i["rung_decided"] == 0), None),
    "responses_attribute": ("response_day", ("rung_final",), lambda i: i["rung_final"] == 1, None),
    "responses_coordinate": ("response_day", ("rung_final",), lambda i: i["rung_final"] == 2, None),
    "responses_sanction": ("response_day", ("rung_final",), lambda i: i["rung_final"] == 3, None),
    "sanctions_imposed": ("response_day", ("rung_final",), lambda i: i["rung_final"] == 3, None),
    "public_responses": ("response_day", (), None, None),
    "innocent_punished": ("response_day", ("correct",), lambda i: ~i["correct"], None),
    "reputation_cost": ("response_day", ("reputation_cost",), None, lambda i: i["reputation_cost"]),
    "sanction_cost": ("response_day", ("sanction_cost",), None, lambda i: i["sanction_cost"]),
    "coalitions_invited": ("attributed_day", ("attributed", "rung_decided"),
                           lambda i: i["attributed"] & (i["rung_decided"] >= 2), None),
    "coalitions_failed": ("response_day", ("rung_decided", "signers"),
                          lambda i: (i["rung_decided"] >= 2) & (i["signers"] == 1), None),
    "coalition_signers_sum": ("response_day", ("rung_decided", "signers"),
                              lambda i: i["rung_decided"] >= 2, lambda i: i["signers"]),
    "detection_delay_days_sum": ("detected_day", ("detected", "landed_day"), lambda i: i["detected"],
                                 lambda i: i["detected_day"] - i["landed_day"]),
    "attribution_delay_days_sum": ("attributed_day", ("attributed", "detected_day"),
                                   lambda i: i["attributed"],
                                   lambda i: i["attributed_day"] - i["detected_day"]),
    "response_delay_days_sum": ("response_day", ("landed_day",), None,
                                lambda i: i["response_day"] - i["landed_day"]),
}
for _what in ("launched", "succeeded", "damage"):
    for _k, _kind in enumerate(KINDS):
        _day, _cols, _filter, _weight = _COUNTS[_what]
        _COUNTS[f"{_what}_{_kind}"] = (
            _day, (*_cols, "attacker_kind"),
            (lambda f, k: (lambda i: (i["attacker_kind"] == k) & (f(i) if f else True)))(_filter, _k),
            _weight)

#: Per-state columns (the victim's) that /incidents counts.
STATE_COUNTS = ("launched", "succeeded", "damage", "detected", "attributed", "attributed_correct",
                "attributed_wrong", "responses_none", "responses_attribute",
                "responses_coordinate", "responses_sanction", "sanctions_imposed",
                "innocent_punished") + tuple(f"{w}_{k}" for w in ("launched", "succeeded", "damage")
                                             for k in KINDS)
#: Per-attacker columns: (the /runs-like count it is, the incident column naming the attacker).
ATTACKER_COUNTS = {"launched": ("launched", "attacker"), "succeeded": ("succeeded", "attacker"),
                   "gain": ("gain", "attacker"), "named": ("public_responses", "named"),
                   "named_wrongly": ("innocent_punished", "named"),
                   "reputation_cost": ("reputation_cost", "named"),
                   "sanction_cost": ("sanction_cost", "named")}
#: /timeseries columns that are levels at the end of a period, not counts within it.
LEVELS = ("sanctions_active", "mean_defense", "mean_p_attributed")
#: /runs columns that /timeseries gives as sums of its columns.
TS_SUMS = {"public_responses": ("responses_attribute", "responses_coordinate", "responses_sanction")}

#: Counts that a scheduled public act (docs/model.md §10.3: [[scheduled]] attribute,
#: coordinate or sanction) adds to without an incident record: /incidents cannot place them.
SCHEDULED = {"run": ("sanctions_imposed", "reputation_cost", "sanction_cost"),
             "state": ("sanctions_imposed",),
             "attacker": ("named", "reputation_cost", "sanction_cost")}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def scheduled_public_acts(cf: CyberFile) -> bool:
    """Whether runs of this file may hold scheduled public acts: the (base) scenario has an
    enabled [[scheduled]] attribution, statement or sanction, or a swept parameter sets a
    scheduled event."""
    for e in cf.scenario.get("scheduled", []) or []:
        if e.get("action") in ("attribute", "coordinate", "sanction") and e.get("enabled", True):
            return True
    return any("scheduled" in p.path for p in cf.parameters)


def _unplaced(cf: CyberFile, columns, entity: str | None) -> list[str]:
    """COLUMNS that scheduled public acts add to in this file (not exact from /incidents)."""
    affected = SCHEDULED["run" if entity is None else entity]
    hit = [c for c in columns if c in affected]
    return hit if hit and scheduled_public_acts(cf) else []


@dataclass(frozen=True)
class Window:
    """Days [start, end] of every run (both inclusive); `name` is the mega-event's, if any."""

    start: float
    end: float
    text: str
    name: str | None = None
    start_date: str | None = None

    def day_text(self, day: float) -> str:
        d = f"{day:g}"
        if self.start_date:
            return f"{d} ({to_date(self.start_date, day)})"
        return d

    def describe(self) -> str:
        """``days 2395–2440 (2021-07-23 to 2021-09-06), the mega-event 'Tokyo …'``."""
        span = f"days {self.start:g}–{self.end:g}"
        if self.start_date:
            span += f" ({to_date(self.start_date, self.start)} to {to_date(self.start_date, self.end)})"
        if self.name:
            span += f", the mega-event '{self.name}'"
        return span


@dataclass(frozen=True)
class WindowUse:
    """How a window was applied: the source and the span actually counted."""

    window: Window
    source: str                      # "incidents" or "timeseries"
    start: float                     # the span used (equal to the window's for incidents)
    end: float
    periods: tuple[int, int] | None = None  # first and last whole period used (timeseries)
    why: str = "the file has no /incidents for an exact window"

    def text(self) -> str:
        w = self.window
        if self.source == "incidents":
            return f"{w.describe()}; exact, counted from /incidents"
        span = f"days {self.start:g}–{self.end:g}"
        if w.start_date:
            span += f" ({to_date(w.start_date, self.start)} to {to_date(w.start_date, self.end)})"
        first, last = self.periods
        which = f"period {first}" if first == last else f"periods {first}–{last}"
        return (f"{w.describe()} asked; counted from /timeseries over the whole reporting "
                f"{which} inside it, {span} ({self.why})")

    def to_dict(self) -> dict:
        return {"window": self.window.text, "window_start_day": self.window.start,
                "window_end_day": self.window.end, "window_name": self.window.name,
                "window_source": self.source, "window_used_start_day": self.start,
                "window_used_end_day": self.end,
                "window_periods": list(self.periods) if self.periods else None,
                "window_text": self.text()}


def to_date(start_date: str, day: float) -> str:
    base = _dt.date.fromisoformat(start_date)
    return (base + _dt.timedelta(days=int(np.floor(day + 1e-9)))).isoformat()


def _start_date(cf: CyberFile) -> str | None:
    sd = cf.scenario_attrs.get("start_date") or (cf.scenario.get("run") or {}).get("start_date")
    return str(sd) if sd else None


def _day(cf: CyberFile, value, what: str) -> float:
    """A window end as a day: a number, or an ISO date relative to run.start_date."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = value.isoformat()[:10]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if _DATE.match(text):
        start = _start_date(cf)
        if not start:
            raise BadInput(f"window {what} '{text}': a date needs the scenario's run.start_date, "
                           f"which {cf.path} does not give; give days instead")
        try:
            day = _dt.date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"window {what} '{text}' is not a calendar date") from None
        return float((day - _dt.date.fromisoformat(start)).days)
    try:
        return float(text)
    except ValueError:
        raise BadInput(f"window {what} '{text}': expected a day number or a date YYYY-MM-DD") from None


def mega_events(cf: CyberFile) -> dict[str, tuple[float, float]]:
    out = {}
    for m in cf.scenario.get("mega_events", []) or []:
        if m.get("name"):
            start = float(m.get("start_day", 0.0))
            out[str(m["name"])] = (start, float(m.get("end_day", start)))
    return out


def parse_window(cf: CyberFile, spec) -> Window:
    """A Window from ``"START..END"`` (days or dates), a mega-event's name, or a sweep
    question's ``[start, end]``; BadInput (exit 2) with the reason otherwise."""
    if isinstance(spec, Window):
        return spec
    events = mega_events(cf)
    start_date = _start_date(cf)
    name = None
    if isinstance(spec, (list, tuple)):
        if len(spec) != 2:
            raise BadInput(f"window {spec!r}: expected [start, end]")
        text = f"{spec[0]}..{spec[1]}"
        start, end = _day(cf, spec[0], "start"), _day(cf, spec[1], "end")
    else:
        text = str(spec).strip()
        if text in events:
            name = text
            start, end = events[text]
        elif ".." in text:
            a, b = (s.strip() for s in text.split("..", 1))
            start, end = _day(cf, a, "start"), _day(cf, b, "end")
        else:
            names = list(events)
            raise BadInput(
                f"window '{text}': expected START..END in days or dates (YYYY-MM-DD), or a "
                f"mega-event's name" + did_you_mean(text, names)
                + (f"; the scenario's mega-events are {', '.join(repr(n) for n in names)}"
                   if names else "; the scenario has no mega-events"))
    horizon = cf.scenario_attrs.get("horizon_days")
    if not end >= start:
        raise BadInput(f"window '{text}' ends (day {end:g}) before it starts (day {start:g})")
    if start < 0 or (horizon is not None and end > float(horizon)):
        raise BadInput(f"window '{text}' (days {start:g}–{end:g}) is outside the horizon "
                       f"[0, {float(horizon) if horizon is not None else 0:g}] of the scenario")
    return Window(start=float(start), end=float(end), text=text, name=name, start_date=start_date)


# ---------------------------------------------------------------------------------------
# counting


def countable(column: str, entity: str | None) -> bool:
    """Whether /incidents can count COLUMN (of /runs, /states or /attackers) in a window."""
    if entity == "state":
        return column in STATE_COUNTS
    if entity == "attacker":
        return column in ATTACKER_COUNTS
    return column in _COUNTS


def _run_keys(cf: CyberFile) -> tuple[pd.DataFrame, int]:
    base = cf.runs(["seed"])
    rep = base["replication"].to_numpy(np.int64)
    return base, (int(rep.max()) + 1 if len(rep) else 1)


def _read_incidents(cf: CyberFile, columns: set[str]) -> _Inc:
    ds = cf.h5["incidents"]
    names = ds.dtype.names
    want = sorted(columns | {"replication"} | ({"point"} if "point" in names else set()))
    data = ds.fields(want)[()] if ds.shape[0] else np.zeros(0, dtype=[(c, ds.dtype.fields[c][0]) for c in want])
    out = {c: np.asarray(data[c]) for c in want}
    for c in ("success", "detected", "attributed", "correct"):
        if c in out:
            out[c] = out[c].astype(bool)
    if "point" not in out:
        out["point"] = np.zeros(len(out["replication"]), np.uint64)
    return out


def incident_counts(cf: CyberFile, columns: Sequence[str], window: Window, *,
                    group: str | None = None, n_groups: int = 1) -> dict[str, np.ndarray]:
    """COLUMNS (names of _COUNTS) counted in WINDOW from /incidents, per run of /runs (in its
    row order): arrays of shape (runs,), or (runs, n_groups) by the incident column GROUP
    (victim, attacker or named; rows where it is -1 are left out)."""
    base, R = _run_keys(cf)
    key_runs = base["point"].to_numpy(np.int64) * R + base["replication"].to_numpy(np.int64)
    position = pd.Series(np.arange(len(key_runs)), index=key_runs)
    need: set[str] = set()
    for c in columns:
        day, cols, _f, _w = _COUNTS[c]
        need |= {day, *cols}
    if group:
        need.add(group)
    inc = _read_incidents(cf, need)
    key = inc["point"].astype(np.int64) * R + inc["replication"].astype(np.int64)
    row = position.reindex(key).to_numpy()
    known = ~np.isnan(row)
    row = np.where(known, row, 0).astype(np.int64)
    g = inc[group].astype(np.int64) if group else np.zeros(len(row), np.int64)
    known &= (g >= 0) & (g < n_groups)
    out = {}
    for c in columns:
        day, _cols, keep, weight = _COUNTS[c]
        t = inc[day].astype(float)
        sel = known & (t >= window.start) & (t <= window.end)
        if keep is not None:
            sel &= np.asarray(keep(inc), dtype=bool)
        w = np.asarray(weight(inc), dtype=float)[sel] if weight is not None else None
        flat = np.bincount(row[sel] * n_groups + g[sel], weights=w,
                           minlength=len(key_runs) * n_groups).astype(float)
        out[c] = flat.reshape(len(key_runs), n_groups) if group else flat
    return out


def periods(cf: CyberFile) -> pd.DataFrame:
    """The reporting periods of /timeseries: period, start_day, end_day (one row each)."""
    ds = cf.h5["timeseries"]
    n = ds.shape[0]
    # Every run has the same periods; the first run's rows are enough.
    head = ds.fields(["period", "start_day", "end_day"])[: min(n, 100_000)]
    df = pd.DataFrame({c: head[c] for c in ("period", "start_day", "end_day")})
    return df.drop_duplicates("period").sort_values("period").reset_index(drop=True)


def whole_periods(cf: CyberFile, window: Window) -> tuple[int, int, float, float]:
    """The first and last reporting period wholly inside WINDOW and their span; BadInput
    (with the nearest whole-period span) when there is none."""
    p = periods(cf)
    eps = 1e-6
    inside = p[(p.start_day >= window.start - eps) & (p.end_day <= window.end + eps)]
    if inside.empty:
        over = p[(p.end_day > window.start) & (p.start_day < window.end)]
        if over.empty:
            over = p.iloc[[int(np.argmin(np.abs(p.start_day - window.start)))]]
        lo, hi = float(over.start_day.min()), float(over.end_day.max())
        length = float(np.median(p.end_day - p.start_day)) if len(p) else 0.0
        raise BadInput(
            f"the window {window.describe()} holds no whole reporting period of /timeseries "
            f"(periods are {length:.4g} days; the periods it touches span days {lo:g}–{hi:g}): "
            f"re-run with --incidents for an exact window, or give a window of whole periods, "
            f"e.g. --window {lo:g}..{hi:g}")
    first, last = int(inside.period.min()), int(inside.period.max())
    return first, last, float(inside.start_day.min()), float(inside.end_day.max())


def timeseries_counts(cf: CyberFile, columns: Sequence[str], window: Window
                      ) -> tuple[dict[str, np.ndarray], WindowUse]:
    """COLUMNS (/runs flows that /timeseries has) summed over the whole periods inside
    WINDOW, per run of /runs."""
    first, last, lo, hi = whole_periods(cf, window)
    base, R = _run_keys(cf)
    key_runs = base["point"].to_numpy(np.int64) * R + base["replication"].to_numpy(np.int64)
    position = pd.Series(np.arange(len(key_runs)), index=key_runs)
    ts_cols = set(cf.columns("timeseries"))
    read = set()
    for c in columns:
        read |= set(TS_SUMS.get(c, (c,)))
    read = sorted(read | {"replication", "period"} | ({"point"} if "point" in ts_cols else set()))
    data = cf.h5["timeseries"].fields(read)[()]
    sel = (data["period"] >= first) & (data["period"] <= last)
    data = data[sel]
    point = data["point"].astype(np.int64) if "point" in ts_cols else np.zeros(len(data), np.int64)
    row = position.reindex(point * R + data["replication"].astype(np.int64)).to_numpy()
    ok = ~np.isnan(row)
    row = row[ok].astype(np.int64)
    out = {}
    for c in columns:
        v = sum(data[p].astype(float) for p in TS_SUMS.get(c, (c,)))[ok]
        out[c] = np.bincount(row, weights=v, minlength=len(key_runs)).astype(float)
    return out, WindowUse(window, "timeseries", lo, hi, (first, last))


def _timeseries_has(cf: CyberFile, column: str) -> bool:
    if "timeseries" not in cf.h5:
        return False
    cols = set(cf.columns("timeseries"))
    return column not in LEVELS and all(p in cols for p in TS_SUMS.get(column, (column,)))


def run_counts(cf: CyberFile, columns: Sequence[str], window: Window, metric: str
               ) -> tuple[dict[str, np.ndarray], WindowUse]:
    """Run-level COLUMNS in WINDOW, exact from /incidents when the file has it, else over
    whole periods of /timeseries; BadInput when neither can count them."""
    columns = list(dict.fromkeys(columns))
    unplaced = _unplaced(cf, columns, None)
    if "incidents" in cf.h5 and all(c in _COUNTS for c in columns) and not unplaced:
        return incident_counts(cf, columns, window), WindowUse(window, "incidents", window.start,
                                                               window.end)
    if all(_timeseries_has(cf, c) for c in columns):
        counts, use = timeseries_counts(cf, columns, window)
        if "incidents" in cf.h5:
            not_inc = [c for c in columns if c not in _COUNTS]
            why = (f"/incidents does not count {', '.join(not_inc)}" if not_inc else
                   f"scheduled public acts add to {', '.join(unplaced)} without an incident")
            use = WindowUse(use.window, use.source, use.start, use.end, use.periods, why)
        return counts, use
    if unplaced:
        raise BadInput(
            f"'{metric}' cannot be restricted to a window in this file: its scenario has "
            f"scheduled public acts ([[scheduled]], docs/model.md §10.3), which add to "
            f"{', '.join(unplaced)} without an incident record, and /timeseries does not "
            f"count {', '.join(c for c in columns if not _timeseries_has(cf, c))} per period")
    missing = [c for c in columns if c not in _COUNTS]
    if missing and not all(_timeseries_has(cf, c) for c in missing):
        raise BadInput(
            f"'{metric}' cannot be restricted to a window: {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not counted per incident or per "
            f"reporting period; metrics a window can restrict are counts of "
            f"{', '.join(sorted(_COUNTS))}, and ratios of them")
    lacking = [c for c in columns if not _timeseries_has(cf, c)]
    if "incidents" in cf.h5:  # then some column is only in /timeseries and others not in it
        raise BadInput(f"'{metric}' in a window: {', '.join(missing)} only /timeseries counts "
                       f"(whole periods) and {', '.join(lacking)} only /incidents (exact); "
                       f"a metric is counted from one source")
    raise BadInput(
        f"'{metric}' in a window needs /incidents (exact) or /timeseries with "
        f"{', '.join(lacking)} (whole reporting periods); {cf.path} has "
        f"{'/timeseries without it' if 'timeseries' in cf.h5 else 'neither'}: re-run with "
        f"--incidents")


def member_counts(cf: CyberFile, column: str, entity: str, window: Window, metric: str
                  ) -> tuple[np.ndarray, WindowUse]:
    """COLUMN@every state (entity "state") or attacker in WINDOW, per run of /runs: an
    array of shape (runs, members). Needs /incidents."""
    if "incidents" not in cf.h5:
        raise BadInput(
            f"'{metric}' in a window: a per-{entity} count over a window comes from "
            f"/incidents, which {cf.path} does not have (/timeseries has totals only); "
            f"re-run with --incidents (`cyberdeter run --incidents` or `cyberdeter sweep "
            f"--incidents`)")
    if not countable(column, entity):
        allowed = STATE_COUNTS if entity == "state" else tuple(ATTACKER_COUNTS)
        raise BadInput(f"'{metric}' cannot be restricted to a window: /incidents does not count "
                       f"'{column}' per {entity}{did_you_mean(column, allowed)}; per-{entity} "
                       f"metrics in a window are {', '.join(allowed)}")
    if _unplaced(cf, [column], entity):
        raise BadInput(
            f"'{metric}' cannot be restricted to a window in this file: its scenario has "
            f"scheduled public acts ([[scheduled]], docs/model.md §10.3), which add to "
            f"{column} without an incident record; per-{entity} counts in a window come "
            f"only from /incidents")
    if entity == "state":
        count, group, names = column, "victim", cf.names("states")
    else:
        (count, group), names = ATTACKER_COUNTS[column], cf.names("attackers")
    values = incident_counts(cf, [count], window, group=group, n_groups=len(names))[count]
    return values, WindowUse(window, "incidents", window.start, window.end)


def windowed_values(cf: CyberFile, spec, window: Window) -> tuple[np.ndarray, WindowUse]:
    """The metric of SPEC (an analysis.io.MetricSpec) in WINDOW, per run of /runs."""
    if spec.entity is None:
        counts, use = run_counts(cf, spec.columns, window, spec.name)
        return spec.compute(pd.DataFrame(counts)).to_numpy(float), use
    column = spec.name.split("@", 1)[0]
    values, use = member_counts(cf, column, spec.entity, window, spec.name)
    names = cf.names("states" if spec.entity == "state" else "attackers")
    return values[:, names.index(spec.member)], use
