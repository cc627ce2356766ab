"""Paired effects of a policy change, estimated from runs with common random numbers.

cyberdeter runs a baseline and a counterfactual with the same seed, so replication k of
both shares its random numbers and the two outputs are positively correlated. The right
comparison is then the paired one: the per-replication differences d_k = b_k − a_k are
i.i.d. across replications, and every interval here is an interval for E[d] (or for
the relative change E[b]/E[a] − 1) that uses the pairing. Ignoring it would keep the
same estimate but widen the interval by the factor sqrt(1 / (1 − ρ)) for equal
variances, ρ being the between-arm correlation (Law 2015, Simulation Modeling and
Analysis, 5th ed., §11.2 on common random numbers).

Two intervals are reported for the mean difference: the paired t interval (exact for
normal differences, asymptotically valid otherwise) and a bias-corrected and
accelerated (BCa) bootstrap interval (Efron 1987, JASA 82:171–185; Efron & Tibshirani
1993, An Introduction to the Bootstrap, ch. 14) with Hesterberg's (2015) small-sample
expansion, which resamples pairs and so needs no normality. The relative change is a
ratio of means, for which only the bootstrap interval is given (the same method).

The two intervals are compared (:func:`interval_caution`), because each fails in its own
way: a bootstrap cannot reach beyond the differences it resamples, so when few pairs
differ it under-covers and reads one-sided (49 pairs at 0 and one at −1 give
"−0.02, bootstrap [−0.1, 0]" beside paired t [−0.06, 0.02]); the t interval ignores
skewness. They *disagree materially* when exactly one of them excludes 0, when an
endpoint of one lies more than ``DISAGREEMENT`` (20 %) of the t interval's width from the
other's, or when fewer than ``FEW_DIFFERING`` (15) pairs differ from the most common
difference (measured by ``python3 -m analysis.coverage``: below that the bootstrap's
coverage falls to 0.84–0.93 at a nominal 0.95 while the t interval keeps 0.94–0.98;
docs/analysis.md "Intervals"). Then the
sentence shows both intervals, says why they disagree, and claims an effect only if both
exclude 0. (Skewed differences make both intervals under-cover a little at n = 50: 0.92
for exponential differences; the caution says so rather than preferring one.) All differences equal (all 0, or every pair the same) is stated as such, with
the exact binomial bound on the share of replications that could differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special, stats

if TYPE_CHECKING:  # pandas is only needed by paired_frames; import it lazily there
    import pandas as pd

__all__ = ["Effect", "interval_caution", "paired_effect", "paired_frames", "ratio_of_means"]

# Upper bound on the number of entries of one block of bootstrap indices (memory ~ 8×this).
_BOOTSTRAP_BLOCK = 1 << 21

#: Endpoints further apart than this share of the t interval's width disagree materially.
DISAGREEMENT = 0.20
#: Fewer pairs than this differing from the most common difference: the bootstrap is
#: unreliable (it under-covers; see the module docstring).
FEW_DIFFERING = 15


@dataclass(frozen=True)
class Effect:
    """The paired effect of switching from condition A to condition B on one metric.

    Attributes:
        metric: name of the metric (a /runs column, typically).
        label_a, label_b: names of the baseline (A) and the counterfactual (B).
        n: number of paired runs.
        mean_a, mean_b: sample means of the two arms.
        difference: mean of the paired differences b − a (equal to mean_b − mean_a).
        ci_t: paired t interval for E[b − a] at confidence `level`.
        ci_bootstrap: expanded BCa bootstrap interval for E[b − a] (pairs resampled).
        relative: (mean_b − mean_a) / mean_a; nan if mean_a == 0.
        relative_ci: expanded BCa bootstrap interval for the relative change (pairs
            resampled);
            (nan, nan) if the relative change is undefined or some resample has
            mean_a == 0.
        p_value: two-sided p-value of the paired t test of E[b − a] = 0.
        level: confidence level of the intervals, in (0, 1).
        n_boot, seed: bootstrap resamples and the seed of their generator.
        n_differing: pairs whose difference is not the most common difference.
        modal_difference: the most common difference (the smallest of ties).
        skewness: sample skewness of the differences (0 when they are all equal).
        caution: '' when the two intervals agree; otherwise why they disagree
            (:func:`interval_caution`).
    """

    metric: str
    label_a: str
    label_b: str
    n: int
    mean_a: float
    mean_b: float
    difference: float
    ci_t: tuple[float, float]
    ci_bootstrap: tuple[float, float]
    relative: float
    relative_ci: tuple[float, float]
    p_value: float
    level: float
    n_boot: int = 0
    seed: int = 0
    n_differing: int = 0
    modal_difference: float = 0.0
    skewness: float = 0.0
    caution: str = ""

    @property
    def degenerate(self) -> bool:
        """Every pair has the same difference: there is no interval to estimate."""
        return self.n_differing == 0

    @property
    def bound_differing(self) -> float:
        """Exact one-sided upper confidence bound (at `level`) on the share of replications
        whose difference is not the modal one, given that n_differing of n are not:
        Clopper–Pearson; 1 − (1 − level)^(1/n) when none is (the "rule of three")."""
        k, n = self.n_differing, self.n
        if k >= n:
            return 1.0
        return float(stats.beta.ppf(self.level, k + 1, n - k))

    @property
    def detectable(self) -> bool:
        """An effect is claimed only if both intervals exclude 0 (the relative change's
        bootstrap interval where it is defined, the difference's otherwise)."""
        if self.degenerate:
            return self.difference != 0.0
        boot = self.relative_ci if self._relative_ok else self.ci_bootstrap
        return _excludes_zero(self.ci_t) and _excludes_zero(boot)

    @property
    def _relative_ok(self) -> bool:
        return math.isfinite(self.relative) and all(map(math.isfinite, self.relative_ci))

    @property
    def method(self) -> str:
        """What the intervals are, in words."""
        return (f"paired t; BCa bootstrap ({self.n_boot:,} resamples of the {self.n} pairs, "
                f"seed {self.seed})")

    def sentence(self, what: str | None = None, unit: str | None = None) -> str:
        """One sentence for a report, e.g.

        "Compared with no sanctions, sanctions reduced state-sponsored attacks on Japan
        by 23 % (BCa bootstrap 95 % CI 18–28 %), n = 400 paired runs."

        The verb is "reduced" or "increased" when both the bootstrap interval (of the
        relative change where it is defined) and the paired t interval exclude 0, and
        "did not detectably change" otherwise. When the relative change is undefined
        (mean_a == 0, or some resample had mean_a == 0) the absolute difference is used
        instead. Percentages are magnitudes relative to |mean_a|, so the wording stays
        right for a negative baseline. When the two intervals disagree materially
        (`caution`), both are shown and a second sentence says why; when every pair has
        the same difference, the sentence says so instead of giving an interval.

        Args:
            what: the metric in words (default: the metric's name).
            unit: if given, the absolute mean difference and its interval are added in
                this unit, e.g. unit="attacks per replication".
        """
        what = what or self.metric or "the metric"
        pct = _format_number(100.0 * self.level)
        runs = "paired run" if self.n == 1 else "paired runs"
        head = f"Compared with {self.label_a}, {self.label_b}"
        if self.degenerate:
            return head + " " + self._degenerate_body(what, unit, pct, runs)
        sign = math.copysign(1.0, self.mean_a) if self.mean_a != 0 else 1.0
        relative_ok = self._relative_ok
        if relative_ok:
            # Express as a change relative to |mean_a|: same sign as the difference.
            estimate = sign * self.relative
            low, high = sorted((sign * self.relative_ci[0], sign * self.relative_ci[1]))
            values, suffix = [100.0 * estimate, 100.0 * low, 100.0 * high], " %"
        else:
            estimate = self.difference
            low, high = self.ci_bootstrap
            values, suffix = [estimate, low, high], (f" {unit}" if unit else "")
        detectable = self.detectable
        absolute = [self.difference, *self.ci_bootstrap]
        unit_text = f" {unit}" if unit else ""
        if self.caution:
            # Both intervals of the difference, and the relative change without an interval.
            digits = _decimals([self.difference, *self.ci_t, *self.ci_bootstrap])
            if detectable:
                verb = "reduced" if self.difference < 0 else "increased"
                body = f"{verb} {what} by "
                body += (f"{_fixed(abs(100.0 * estimate), _decimals([100.0 * estimate]))} % ("
                         f"{_signed(self.difference, digits)}{unit_text}; "
                         if relative_ok else
                         f"{_fixed(abs(self.difference), digits)}{unit_text} (")
            else:
                body = (f"did not detectably change {what} "
                        f"({_signed(self.difference, digits)}{unit_text}; ")
            body += (f"{pct} % CI paired t {_range(*self.ci_t, digits)}, BCa bootstrap "
                     f"{_range(*self.ci_bootstrap, digits)})")
            return f"{head} {body}, n = {self.n} {runs}. Caution: {self.caution}"
        level = f"BCa bootstrap {pct} % CI"
        if detectable:
            verb = "reduced" if estimate < 0 else "increased"
            magnitude = [abs(v) for v in values]
            shown_low, shown_high = sorted(magnitude[1:])
            digits = _decimals(magnitude)
            body = (f"{verb} {what} by {_fixed(magnitude[0], digits)}{suffix} "
                    f"({level} {_range(shown_low, shown_high, digits)}{suffix}")
        else:
            digits = _decimals(values)
            body = (f"did not detectably change {what} "
                    f"({_signed(values[0], digits)}{suffix}, "
                    f"{level} {_range(values[1], values[2], digits)}{suffix}")
        if unit and relative_ok:
            digits = _decimals(absolute)
            body += (f"; {_signed(absolute[0], digits)} {unit}, "
                     f"{pct} % CI {_range(absolute[1], absolute[2], digits)}")
        return f"{head} {body}), n = {self.n} {runs}."

    def _degenerate_body(self, what: str, unit: str | None, pct: str, runs: str) -> str:
        share = _fixed(100.0 * self.bound_differing, 1)
        c = self.difference
        if c == 0.0:
            return (f"left {what} unchanged in every one of the {self.n} {runs} (every "
                    f"difference is 0): there is no variation to put an interval on; with "
                    f"{pct} % confidence B and A differ in fewer than {share} % of "
                    f"replications (exact binomial bound).")
        digits = _decimals([c])
        verb = "reduced" if c < 0 else "increased"
        by = f"{_fixed(abs(c), digits)}{f' {unit}' if unit else ''}"
        rel = (f" ({_fixed(abs(100.0 * self.relative), _decimals([100.0 * self.relative]))} %)"
               if math.isfinite(self.relative) else "")
        return (f"{verb} {what} by exactly {by}{rel} in every one of the {self.n} {runs}: the "
                f"difference does not vary between replications, so its interval is that "
                f"point; with {pct} % confidence fewer than {share} % of replications would "
                f"differ by another amount (exact binomial bound).")

    def to_dict(self) -> dict[str, Any]:
        """A flat dict of plain Python scalars (JSON- and DataFrame-friendly).

        Scalar fields keep their names; each interval field `x` becomes `x_low` and
        `x_high` (ci_t_low, ci_t_high, ci_bootstrap_low, ..., relative_ci_high).
        `detectable`, `degenerate` and `method` are added.
        """
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, tuple):
                out[f"{name}_low"], out[f"{name}_high"] = float(value[0]), float(value[1])
            elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
                out[name] = int(value)
            elif isinstance(value, (float, np.floating)):
                out[name] = float(value)
            else:
                out[name] = value
        out["detectable"] = self.detectable
        out["degenerate"] = self.degenerate
        out["method"] = self.method
        return out


def paired_effect(a: Any, b: Any, *, metric: str = "", label_a: str = "A", label_b: str = "B",
                  level: float = 0.95, n_boot: int = 10_000, seed: int = 0) -> Effect:
    """Estimate the paired effect of B versus A with t and bootstrap intervals.

    With d_k = b_k − a_k (k = 1..n) the estimator is the mean difference d̄, with
    standard error s_d / sqrt(n) (s_d: sample standard deviation, ddof = 1). The paired
    t interval is d̄ ± t_{n−1, (1+level)/2} · s_d / sqrt(n) and the p-value is that of
    the two-sided paired t test (Student 1908), identical to scipy.stats.ttest_rel.

    The bootstrap resamples the n pairs with replacement `n_boot` times and forms BCa
    intervals (Efron 1987): with θ̂ the estimate, θ*_1..B the bootstrap replicates and
    θ̂_(i) the leave-one-out (jackknife) estimates, the bias correction is
    z0 = Φ⁻¹(#{θ* < θ̂}/B + ½·#{θ* = θ̂}/B), the acceleration is
    â = Σ(θ̄_(·) − θ̂_(i))³ / (6 [Σ(θ̄_(·) − θ̂_(i))²]^{3/2}), and the interval takes the
    empirical quantiles of θ* at Φ(z0 + (z0 + z_α)/(1 − â(z0 + z_α))). For z_α we use
    the "expanded" quantiles sqrt(n/(n−1)) · t_{n−1, (1∓level)/2} rather than the normal
    ones (Hesterberg 2015, The American Statistician 69:371–386): the bootstrap
    distribution of a mean has the plug-in spread (divisor n) and normal tails, which
    makes plain percentile and BCa intervals too narrow for small n (coverage ≈ 93.5 %
    instead of 95 % at n = 50); the expansion removes that first-order narrowness bias
    and vanishes as n grows. For the mean difference â is the skewness correction of
    the differences; for the relative change θ = mean(b)/mean(a) − 1 (a ratio estimator)
    the same formulas apply to the ratio. When z0 is infinite (all replicates on one
    side of θ̂) the expanded percentile interval is used.

    Args:
        a, b: 1-D arrays of the metric under A and B, paired by replication (same length,
            same order).
        metric, label_a, label_b: names carried into the result and its sentence.
        level: confidence level in (0, 1).
        n_boot: number of bootstrap resamples (≥ 100; Efron & Tibshirani recommend
            ≥ 1000 for interval endpoints, more for BCa).
        seed: seed of the numpy Generator used for resampling (results are a
            deterministic function of the inputs and the seed).

    Raises:
        ValueError: if a or b is not 1-D, their lengths differ, n < 2, a value is not
            finite (the message names the array, the count and the first index), or
            level / n_boot are out of range.
    """
    x = _as_vector(a, "a")
    z = _as_vector(b, "b")
    if x.size != z.size:
        raise ValueError(f"a and b must be paired: a has {x.size} values, b has {z.size}")
    n = x.size
    if n < 2:
        raise ValueError(f"need at least 2 paired runs, got {n}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")

    d = z - x
    mean_a, mean_b = float(x.mean()), float(z.mean())
    diff = float(d.mean())
    sd = float(d.std(ddof=1))
    se = sd / math.sqrt(n)
    if se > 0.0:
        t_stat = diff / se
        p_value = float(2.0 * stats.t.sf(abs(t_stat), df=n - 1))
        half = float(stats.t.ppf(0.5 + level / 2.0, df=n - 1)) * se
        ci_t = (diff - half, diff + half)
    else:  # every pair has the same difference: the interval degenerates to a point
        p_value = 1.0 if diff == 0.0 else 0.0
        ci_t = (diff, diff)

    # Bootstrap replicates of the two means, from the same resampled pairs.
    boot_a, boot_b, boot_d = _bootstrap_means(np.column_stack([x, z, d]), n_boot,
                                              np.random.default_rng(seed))
    jack_a = (x.sum() - x) / (n - 1)  # leave-one-out means
    jack_b = (z.sum() - z) / (n - 1)
    jack_d = (d.sum() - d) / (n - 1)

    ci_boot = _bca_interval(diff, boot_d, jack_d, level)

    if mean_a != 0.0:
        relative = (mean_b - mean_a) / mean_a
        with np.errstate(divide="ignore", invalid="ignore"):
            boot_rel = boot_b / boot_a - 1.0
            jack_rel = jack_b / jack_a - 1.0
        if np.all(np.isfinite(boot_rel)) and np.all(np.isfinite(jack_rel)):
            relative_ci = _bca_interval(relative, boot_rel, jack_rel, level)
        else:  # some resample has mean_a == 0: the ratio is not bootstrappable
            relative_ci = (math.nan, math.nan)
    else:
        relative, relative_ci = math.nan, (math.nan, math.nan)

    values, counts = np.unique(d, return_counts=True)
    modal = float(values[int(np.argmax(counts))])
    n_differing = int(n - counts.max())
    skewness = float(stats.skew(d, bias=False)) if n > 2 and sd > 0.0 else 0.0
    ci_t = (float(ci_t[0]), float(ci_t[1]))
    caution = (interval_caution(ci_t, ci_boot, n=n, n_differing=n_differing, modal=modal,
                                skewness=skewness) if n_differing else "")
    return Effect(metric=metric, label_a=label_a, label_b=label_b, n=n,
                  mean_a=mean_a, mean_b=mean_b, difference=diff,
                  ci_t=ci_t, ci_bootstrap=ci_boot,
                  relative=float(relative), relative_ci=relative_ci,
                  p_value=p_value, level=float(level), n_boot=int(n_boot), seed=int(seed),
                  n_differing=n_differing, modal_difference=modal, skewness=skewness,
                  caution=caution)


def ratio_of_means(numerator: Any, denominator: Any, *, level: float = 0.95,
                   n_boot: int = 10_000, seed: int = 0) -> tuple[float, tuple[float, float]]:
    """mean(numerator) / mean(denominator) over paired rows, with the expanded BCa
    bootstrap interval of `paired_effect` (rows resampled together). (nan, (nan, nan))
    when the denominator's mean is 0, or some resample's is."""
    x = _as_vector(numerator, "numerator")
    y = _as_vector(denominator, "denominator")
    if x.size != y.size or x.size < 2:
        raise ValueError(f"need at least 2 paired rows, got {x.size} and {y.size}")
    n = x.size
    if y.mean() == 0.0:
        return math.nan, (math.nan, math.nan)
    estimate = float(x.mean() / y.mean())
    boot_x, boot_y = _bootstrap_means(np.column_stack([x, y]), n_boot, np.random.default_rng(seed))
    jack_x, jack_y = (x.sum() - x) / (n - 1), (y.sum() - y) / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boot, jack = boot_x / boot_y, jack_x / jack_y
    if not (np.all(np.isfinite(boot)) and np.all(np.isfinite(jack))):
        return estimate, (math.nan, math.nan)
    return estimate, _bca_interval(estimate, boot, jack, level)


def interval_caution(ci_t: tuple[float, float], ci_boot: tuple[float, float], *, n: int,
                     n_differing: int, modal: float, skewness: float) -> str:
    """'' when the paired t and bootstrap intervals agree; otherwise one sentence saying
    that they disagree and why (the rule is in the module docstring).

    Args:
        ci_t, ci_boot: the two intervals of the mean difference.
        n: pairs; n_differing: pairs whose difference is not the modal one, `modal`.
        skewness: sample skewness of the differences.
    """
    width = ci_t[1] - ci_t[0]
    verdicts = _excludes_zero(ci_t) != _excludes_zero(ci_boot)
    apart = max(abs(ci_t[0] - ci_boot[0]), abs(ci_t[1] - ci_boot[1]))
    far = width > 0.0 and apart > DISAGREEMENT * width
    few = n_differing < FEW_DIFFERING
    if not (verdicts or far or few):
        return ""
    if verdicts:
        which = "bootstrap" if _excludes_zero(ci_boot) else "paired t"
        other = "paired t" if which == "bootstrap" else "bootstrap"
        what = f"the {which} interval excludes 0 but the {other} interval does not"
    elif far:
        what = (f"the paired t and bootstrap intervals disagree (ends up to "
                f"{_format_number(round(100.0 * apart / width))} % of the t interval's width "
                f"apart)")
    else:
        what = "the paired t and bootstrap intervals agree here, but"
    modal_text = "0" if modal == 0.0 else _fixed(modal, max(0, 3 - _magnitude(modal)))
    if few:
        which = (f"there are only {n} pairs" if n - n_differing == 1 else
                 f"only {n_differing} of {n} pairs differ from {modal_text}")
        why = (f"{which}, and a bootstrap cannot reach beyond the differences it resamples, "
               f"so with so few it under-covers while the paired t interval holds its level; "
               f"read the t interval, and run more replications for a firmer answer")
        if not (verdicts or far):
            return f"{what} {why}."
        return f"{what}: {why}."
    if abs(skewness) >= 1.0:
        why = (f"the differences are skewed (skewness {_fixed(skewness, 1)}): the t interval "
               f"ignores that and the bootstrap corrects only part of it, and both cover less "
               f"than their level at this n; report both, and run more replications for a "
               f"firmer answer")
    else:
        why = ("the differences are far from normal at this n; report both, and run more "
               "replications for a firmer answer")
    return f"{what}: {why}."


def paired_frames(runs_a: pd.DataFrame, runs_b: pd.DataFrame, metric: str, *,
                  key: str | Sequence[str] = ("replication",), **kw: Any) -> Effect:
    """Pair two /runs frames on `key` and estimate the paired effect of `metric`.

    The frames are inner-joined on the key columns and sorted by them, so the row order
    of the inputs does not matter. Every row must pair: a replication present in only one
    frame means the runs are not the common-random-numbers pairs the paired analysis
    assumes, so it is an error rather than silently dropped.

    Args:
        runs_a, runs_b: frames with the key columns and the metric column.
        metric: the column to compare.
        key: the column(s) identifying a replication (a string or a sequence).
        **kw: passed to `paired_effect` (label_a, label_b, level, n_boot, seed; metric
            defaults to the `metric` argument).

    Raises:
        ValueError: if a key or the metric column is missing, a key is duplicated within
            a frame, or some replications do not pair (the message says how many).
    """
    keys = [key] if isinstance(key, str) else list(key)
    if not keys:
        raise ValueError("key must name at least one column")
    for name, frame in (("runs_a", runs_a), ("runs_b", runs_b)):
        missing = [c for c in [*keys, metric] if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} has no column(s) {missing}")
        duplicated = int(frame.duplicated(subset=keys).sum())
        if duplicated:
            raise ValueError(f"{name} has {duplicated} duplicated value(s) of key {keys}; "
                             "pairing needs one row per replication")
    left = runs_a[[*keys, metric]]
    right = runs_b[[*keys, metric]]
    merged = left.merge(right, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    only_a = int((merged["_merge"] == "left_only").sum())
    only_b = int((merged["_merge"] == "right_only").sum())
    if only_a or only_b:
        raise ValueError(f"{only_a + only_b} replication(s) did not pair on {keys}: "
                         f"{only_a} only in runs_a, {only_b} only in runs_b")
    merged = merged.sort_values(keys, kind="mergesort")
    kw.setdefault("metric", metric)
    return paired_effect(merged[f"{metric}_a"].to_numpy(), merged[f"{metric}_b"].to_numpy(), **kw)


# ---------------------------------------------------------------------------------------
# helpers


def _as_vector(values: Any, name: str) -> np.ndarray:
    """A 1-D float array, or ValueError naming the array and its first non-finite value."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s); "
                         f"the first is {arr[first]} at index {first}")
    return arr


def _bootstrap_means(columns: np.ndarray, n_boot: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Column means over n_boot resamples of the rows, shape (k, n_boot) for k columns.

    All columns share the resampled rows (the pairs). Blocks of resamples bound the
    memory; the block size depends only on n, so results depend only on the seed.
    """
    n, k = columns.shape
    block = max(1, _BOOTSTRAP_BLOCK // (n * k))
    means = np.empty((k, n_boot))
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[:, start:stop] = columns[idx].mean(axis=1).T
    return means


def _bca_interval(estimate: float, replicates: np.ndarray, jackknife: np.ndarray,
                  level: float) -> tuple[float, float]:
    """Expanded BCa interval from bootstrap replicates and jackknife estimates.

    BCa (Efron 1987) with the normal quantiles z_α replaced by the expanded quantiles
    sqrt(n/(n−1)) · t_{n−1, α} (Hesterberg 2015), n = len(jackknife).
    """
    b, n = replicates.size, jackknife.size
    below = np.count_nonzero(replicates < estimate)
    ties = np.count_nonzero(replicates == estimate)
    share = (below + 0.5 * ties) / b
    alphas = np.array([0.5 - level / 2.0, 0.5 + level / 2.0])
    z_alpha = math.sqrt(n / (n - 1.0)) * stats.t.ppf(alphas, df=n - 1)
    alphas = special.ndtr(z_alpha)  # the expanded percentile levels
    if 0.0 < share < 1.0:
        z0 = special.ndtri(share)
        dev = jackknife.mean() - jackknife
        denom = 6.0 * float(np.sum(dev**2)) ** 1.5
        accel = float(np.sum(dev**3)) / denom if denom > 0.0 else 0.0
        pole = 1.0 - accel * (z0 + z_alpha)
        # An extreme acceleration (|â| ≳ 0.3, tiny or degenerate samples) puts a level
        # past the pole of the BCa map; then keep the expanded percentile levels.
        if np.all(pole > 0.0):
            alphas = special.ndtr(z0 + (z0 + z_alpha) / pole)
    low, high = np.quantile(replicates, alphas)
    return float(low), float(high)


def _magnitude(x: float) -> int:
    """Digits before the point of |x| (1 for 1–9.99, 0 below 1)."""
    return max(0, math.floor(math.log10(abs(x))) + 1) if x else 0


def _excludes_zero(interval: tuple[float, float]) -> bool:
    low, high = interval
    return bool(math.isfinite(low) and math.isfinite(high) and not (low <= 0.0 <= high))


def _decimals(values: Sequence[float]) -> int:
    """Decimals for [estimate, low, high]: about 2 significant digits for the largest
    magnitude, and at least 1 significant digit of the interval's width, so that the
    two ends of a narrow interval never print alike (0–6 decimals)."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    largest = max(finite, default=0.0)
    digits = 0 if largest == 0.0 or largest >= 10.0 else 1 - math.floor(math.log10(largest))
    if len(values) == 3 and all(map(math.isfinite, values[1:])):
        width = abs(values[2] - values[1])
        if width > 0.0:
            digits = max(digits, -math.floor(math.log10(width)))
    return max(0, min(6, digits))


def _fixed(value: float, digits: int) -> str:
    text = f"{value:.{digits}f}"
    if float(text) == 0.0:
        text = text.lstrip("-")
    return text.replace("-", "\u2212")


def _signed(value: float, digits: int) -> str:
    text = _fixed(value, digits)
    return text if text.startswith("\u2212") or float(f"{value:.{digits}f}") == 0.0 else f"+{text}"


def _range(low: float, high: float, digits: int) -> str:
    """"18–28" for same-signed non-negative bounds, otherwise "−8 to 2"."""
    lo, hi = _fixed(low, digits), _fixed(high, digits)
    if low >= 0.0 and high >= 0.0:
        return f"{lo}\u2013{hi}"
    return f"{lo} to {hi}"


def _format_number(value: float) -> str:
    return f"{value:g}"
