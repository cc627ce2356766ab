"""Displacement: did a policy that changes a metric on one state (or attacker) move it to
the others?

For a per-state metric ``COLUMN@TARGET`` the paired effect (B − A, by replication) is
estimated on the target, on every other state, and on the total over all states; for a
per-attacker metric, on the named attacker, every other attacker and the total. The share
of the target's change that reappears elsewhere is −Δothers / Δtarget (a ratio of paired
mean differences, with the expanded BCa bootstrap interval of analysis.effects); it is
given only when the target's change is detectable, for a ratio over a difference that may
be 0 has no interval worth printing. Issue 13's H1 is the case in point: sanctions cut
attacks on Japan by 35 %, yet 92 % of the avoided attacks went to other states and the
total fell by 0.6 %.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .effects import Effect, paired_effect, ratio_of_means


@dataclass
class Displacement:
    """The paired effect on the target, on every other member, and in total."""

    metric: str                 # COLUMN@TARGET
    column: str
    entity: str                 # "state" or "attacker"
    target: str
    unit: str
    effects: dict               # member name (and "total") -> Effect
    untouched: list             # members at 0 in every run of both conditions
    share: float = math.nan     # −Δothers / Δtarget
    share_ci: tuple = (math.nan, math.nan)
    level: float = 0.95
    window_text: str = ""
    notes: list = field(default_factory=list)

    @property
    def others(self) -> list[str]:
        return [m for m in self.effects if m not in (self.target, "total")]

    def table(self) -> pd.DataFrame:
        rows = []
        for m, e in self.effects.items():
            role = ("target" if m == self.target else "total" if m == "total" else
                    f"other {self.entity}")
            rows.append({"member": m if m != "total" else f"total (all {self.entity}s)",
                         "role": role, "mean_a": e.mean_a, "mean_b": e.mean_b,
                         "difference": e.difference, "ci_t_low": e.ci_t[0],
                         "ci_t_high": e.ci_t[1], "ci_bootstrap_low": e.ci_bootstrap[0],
                         "ci_bootstrap_high": e.ci_bootstrap[1], "p_value": e.p_value,
                         "detectable": e.detectable, "caution": bool(e.caution),
                         "degenerate": e.degenerate})
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """One or two sentences: where the target's change went."""
        t = self.effects[self.target]
        total = self.effects.get("total")
        pct = f"{100 * self.level:g} %"
        unit = "" if self.unit in ("", "1", "count") else f" {self.unit}"
        what = self.column
        if total is None:
            text = (f"{what} is a level, not a count: the other {self.entity}s' changes are "
                    f"listed, but no share of {self.target}'s change is said to move to them")
        elif not t.detectable:
            text = (f"The change of {what} on {self.target} is not distinguishable from 0, so "
                    f"its displacement is not estimated")
        else:
            fewer = "fewer" if t.difference < 0 else "more"
            amount = _short(abs(t.difference))
            if math.isfinite(self.share) and all(map(math.isfinite, self.share_ci)):
                lo, hi = sorted(self.share_ci)
                if self.share > 0:
                    text = (f"Of the {amount}{unit} {fewer} {what} per run on {self.target}, "
                            f"{100 * self.share:.0f} % ({pct} CI {100 * lo:.0f}–{100 * hi:.0f} %, "
                            f"BCa bootstrap) reappeared on other {self.entity}s")
                else:
                    text = (f"The other {self.entity}s changed in the same direction as "
                            f"{self.target} ({100 * -self.share:.0f} % of its change, {pct} CI "
                            f"{100 * -hi:.0f}–{100 * -lo:.0f} %): no displacement")
            else:
                text = (f"{self.target} saw {amount}{unit} {fewer} {what} per run; the share "
                        f"that reappeared elsewhere has no interval (a resample's change on "
                        f"{self.target} was 0)")
        if total is not None:
            rel = (f" ({_signed_pct(total.relative)})" if math.isfinite(total.relative) else "")
            verdict = "changed" if total.detectable else "did not detectably change"
            text += (f"; the total over all {self.entity}s {verdict}: "
                     f"{_signed(total.difference)}{unit} per run{rel}, {pct} CI paired t "
                     f"{_short(total.ci_t[0])} to {_short(total.ci_t[1])}")
        return text + "."

    def lines(self) -> list[str]:
        """The displacement block of `effect`'s text output."""
        pct = f"{100 * self.level:g}%"
        out = [f"  displacement    {self.column} per run on each {self.entity}, B − A, {pct} CIs "
               f"paired t; BCa bootstrap" + (f" ({self.window_text})" if self.window_text else "")]
        width = max([len(m) for m in self.effects] + [12]) + 9
        for m, e in self.effects.items():
            name = (f"{m} (target)" if m == self.target else
                    f"total" if m == "total" else m)
            mark = "  *" if e.caution else ""
            if e.degenerate:
                body = (f"{_short(e.mean_a):>9} → {_short(e.mean_b):<9} {_signed(e.difference):>8}  "
                        f"(the same difference in every pair)")
            else:
                body = (f"{_short(e.mean_a):>9} → {_short(e.mean_b):<9} {_signed(e.difference):>8}  "
                        f"[{_short(e.ci_t[0])}, {_short(e.ci_t[1])}]; "
                        f"[{_short(e.ci_bootstrap[0])}, {_short(e.ci_bootstrap[1])}]{mark}")
            out.append(f"    {name:<{width}} {body}")
        if self.untouched:
            out.append(f"    0 in every run of both: {', '.join(self.untouched)}")
        if any(e.caution for e in self.effects.values()):
            out.append("    * the two intervals disagree (few pairs differ, or skewed "
                       "differences): see `effect` on that member for why")
        out.append(f"  {self.summary()}")
        return out

    def to_dict(self) -> dict:
        return {"metric": self.metric, "entity": self.entity, "target": self.target,
                "share_displaced": self.share, "share_displaced_ci_low": self.share_ci[0],
                "share_displaced_ci_high": self.share_ci[1], "untouched": self.untouched,
                "summary": self.summary(),
                "members": {m: e.to_dict() for m, e in self.effects.items()}}


def displacement(table_a: pd.DataFrame, table_b: pd.DataFrame, names: list[str], *,
                 metric: str, column: str, entity: str, target: str, unit: str,
                 label_a: str = "A", label_b: str = "B", level: float = 0.95,
                 n_boot: int = 10_000, seed: int = 0, window_text: str = "") -> Displacement:
    """Paired effects per member and in total from two :meth:`CyberFile.members` frames
    (rows of the same replications in the same order)."""
    a = table_a.reset_index(drop=True)
    b = table_b.reset_index(drop=True)
    if list(a["replication"]) != list(b["replication"]):
        merged = a[["replication"]].merge(b[["replication"]], on="replication")
        a = a.set_index("replication").loc[merged.replication].reset_index()
        b = b.set_index("replication").loc[merged.replication].reset_index()
    kw = dict(label_a=label_a, label_b=label_b, level=level, n_boot=n_boot, seed=seed)
    effects: dict[str, Effect] = {}
    untouched = []
    order = [target] + [m for m in names if m != target]
    for m in order:
        xa, xb = a[m].to_numpy(float), b[m].to_numpy(float)
        ok = np.isfinite(xa) & np.isfinite(xb)
        if m != target and not (np.any(xa[ok] != 0) or np.any(xb[ok] != 0)):
            untouched.append(m)
            continue
        effects[m] = paired_effect(xa[ok], xb[ok], metric=f"{column}@{m}", **kw)
    if "total" in a and "total" in b:
        effects["total"] = paired_effect(a["total"].to_numpy(float), b["total"].to_numpy(float),
                                         metric=f"{column} (all {entity}s)", **kw)
    d_target = b[target].to_numpy(float) - a[target].to_numpy(float)
    others = [m for m in names if m != target]
    d_others = (b[others].to_numpy(float) - a[others].to_numpy(float)).sum(axis=1) \
        if others else np.zeros_like(d_target)
    share, share_ci = math.nan, (math.nan, math.nan)
    additive = "total" in a  # levels (final_defense, beliefs) do not move between members
    if additive and effects[target].detectable and others and np.all(np.isfinite(d_others)):
        share, share_ci = ratio_of_means(-d_others, d_target, level=level, n_boot=n_boot,
                                         seed=seed)
    return Displacement(metric=metric, column=column, entity=entity, target=target, unit=unit,
                        effects=effects, untouched=untouched, share=share, share_ci=share_ci,
                        level=level, window_text=window_text)


def _short(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    if x == 0:
        return "0"
    ax = abs(x)
    text = f"{x:,.0f}" if ax >= 1000 else f"{x:.3g}"
    return text.replace("-", "\u2212")


def _signed(x: float) -> str:
    s = _short(x)
    return s if s.startswith("\u2212") or s == "0" else f"+{s}"


def _signed_pct(r: float) -> str:
    return _signed(100 * r) + " %"
