"""Scenario discovery with the Patient Rule Induction Method (PRIM).

Given sweep inputs X (one row per run) and a flag y marking the cases of interest (say,
runs in which deterrence failed), PRIM (Friedman & Fisher 1999) looks for a box, that is a
conjunction of an interval per numeric parameter and a set of allowed categories per
categorical one, that holds many cases of interest (coverage) and few others (high
density), and that is simple enough to read. Its use for policy questions, with coverage,
density and interpretability as the yardsticks, is "scenario discovery" (Bryant &
Lempert 2010; Lempert, Bryant & Bankes 2008).

The algorithm has three phases, all deterministic:

1. Peeling. Starting from the box holding every point, repeatedly remove the one slice
   that most increases the density per point removed, (density after − density before) /
   (points removed). The candidates are, for each numeric column, the α-quantile slice
   from below or from above (⌊α·n⌋ points of the current box, at least one; fewer or
   more when values are tied), and for each categorical or boolean column all points of
   one of its categories. Ties go to the peel removing fewer points, then to the first
   column. Peeling stops when no peel keeps the box's mass at or above `min_mass`; the
   successive boxes form the peeling trajectory.

   Friedman & Fisher's original criterion (the highest density after the peel) is
   unfair to categorical peels, which remove a whole category at once: with a boolean
   noise column, the half of the box that happens to be denser by chance often beats
   every α-slice, and half the box is lost for nothing. Normalising the gain by the mass
   removed is the "lenient 1" criterion of Kwakkel & Jaxa-Rozen (2016), proposed for
   exactly these heterogeneous inputs; for numeric peels of equal size it ranks
   candidates exactly as the original.
2. Selection. On the trajectory, choose the box maximising coverage × density
   (equivalently TP²/n, with TP the cases of interest among its n points); see `prim`.
3. Pasting. Grow the chosen box, one slice (or one category) at a time, by the
   addition that gives the highest density, for as long as the density does not
   decrease (compared exactly, in integers). Pasting corrects the greediness of peeling,
   in particular the overshoot of a peel whose slice straddled a boundary. Slices hold a
   share `paste_alpha` of the box's points (default min(α, 0.01)), finer than peeling's:
   a slice as wide as the last peel would straddle that same boundary again and be
   refused.

Covering (max_boxes > 1): remove the points of the box found and repeat on the rest.

References:
    Friedman, J. H., Fisher, N. I. (1999). Bump hunting in high-dimensional data.
    Statistics and Computing 9(2), 123–143.
    Bryant, B. P., Lempert, R. J. (2010). Thinking inside the box: a participatory,
    computer-assisted approach to scenario discovery. Technological Forecasting and
    Social Change 77(1), 34–49.
    Lempert, R. J., Bryant, B. P., Bankes, S. C. (2008). Comparing algorithms for
    scenario discovery. RAND Working Paper WR-557-NSF.
    Kwakkel, J. H., Jaxa-Rozen, M. (2016). Improving scenario discovery for handling
    heterogeneous uncertainties and multinomial classified outcomes. Environmental
    Modelling & Software 79, 311–321.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Box", "PrimResult", "prim"]

_COMPARISONS = {
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal,
}


@dataclass(frozen=True, eq=False)
class Box:
    """A PRIM box and its statistics.

    Attributes:
        limits: one row per parameter (index "parameter") with columns
            low, high: the closed interval allowed for a numeric parameter (−inf / +inf on
                an unrestricted side; nan for categorical parameters);
            categories: for a categorical or boolean parameter, the tuple of allowed
                values (None for numeric ones);
            restricted: whether the box constrains the parameter at all.
        coverage: the box's cases of interest as a share of all cases of interest in the
            data given to `prim`.
        density: the share of the box's points that are cases of interest.
        mass: the box's points as a share of all points given to `prim`.
        n: number of points in the box.

    For the second and later boxes of a covering run the statistics count only the points
    not inside an earlier box (those are the points the box was found on); coverage and
    mass are still shares of the full data, so coverages add up across boxes.
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int

    def contains(self, X: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the rows of X inside the box (closed limits).

        Only the restricted parameters are checked, so X may omit the others, and
        unrestricted categorical parameters may take values not seen by `prim`.
        """
        mask = np.ones(len(X), dtype=bool)
        for name, row in self.limits[self.limits["restricted"]].iterrows():
            if name not in X.columns:
                raise KeyError(f"X has no column {name!r}, on which the box is restricted")
            column = X[name]
            if row["categories"] is None:
                values = column.to_numpy(dtype=float)
                mask &= (values >= row["low"]) & (values <= row["high"])
            else:
                mask &= column.isin(list(row["categories"])).to_numpy()
        return mask

    def describe(self) -> str:
        """E.g. "capability >= 0.62 and sanctions in {false}: coverage 81 %, density 74 %,
        120 points"."""
        terms = []
        for name, row in self.limits[self.limits["restricted"]].iterrows():
            if row["categories"] is not None:
                allowed = ", ".join(_format_value(v) for v in row["categories"])
                terms.append(f"{name} in {{{allowed}}}")
            elif np.isfinite(row["low"]) and np.isfinite(row["high"]):
                terms.append(f"{_format_number(row['low'])} <= {name} <= "
                             f"{_format_number(row['high'])}")
            elif np.isfinite(row["low"]):
                terms.append(f"{name} >= {_format_number(row['low'])}")
            else:
                terms.append(f"{name} <= {_format_number(row['high'])}")
        rule = " and ".join(terms) if terms else "all points (no restriction)"
        points = "point" if self.n == 1 else "points"
        return (f"{rule}: coverage {100 * self.coverage:.0f} %, "
                f"density {100 * self.density:.0f} %, {self.n} {points}")


@dataclass(frozen=True, eq=False)
class PrimResult:
    """The boxes found and the peeling trajectories they were chosen from.

    Attributes:
        boxes: the selected, pasted box of each covering iteration; first the main one.
        trajectory: one row per peeling step with columns box (covering iteration,
            0-based), step (0 = the starting box), coverage, density, mass, n, peel (the
            restriction added at this step, "" for step 0) and selected (the step chosen
            for that box, before pasting). Coverage and mass are shares of the full data.
    """

    boxes: list[Box] = field(default_factory=list)
    trajectory: pd.DataFrame = field(default_factory=pd.DataFrame)


def prim(X: pd.DataFrame, y: Any, *, threshold: float | None = None, alpha: float = 0.05,
         min_mass: float = 0.05, paste: bool = True, max_boxes: int = 1,
         threshold_type: str = ">", seed: int = 0,
         paste_alpha: float | None = None, min_coverage: float | None = None) -> PrimResult:
    """Find box(es) of X where cases of interest concentrate (Friedman & Fisher 1999).

    Box selection rule: among the boxes of the peeling trajectory, the one maximising
    coverage × density, the first (largest) one on ties. With TP the cases of interest in
    a box of n points and P those in the data, coverage × density = TP² / (P·n), so:
    (i) the rule does not depend on whether coverage is counted against the whole data or
    the points left by covering; (ii) peeling a slice of m points holding t cases of
    interest improves the score iff (TP − t)²/(n − m) > TP²/n, roughly iff the slice's
    density t/m is below half the box's density. The chosen box therefore sheds the
    regions that are mostly not of interest but keeps any slice whose density is at least
    about half its own; peeling further into a homogeneous region loses coverage without
    gaining density and lowers the score. The rule needs no tuning constant. The whole
    trajectory is returned for users who prefer to choose by eye on the coverage-density
    plot (Bryant & Lempert 2010).

    Args:
        X: the inputs, one row per run. Numeric columns (float or int) get intervals;
            boolean, categorical and object columns get sets of allowed values.
        y: boolean (True = case of interest), or numeric with `threshold` (a case of
            interest when `y threshold_type threshold`, e.g. y > threshold). A numeric y of
            only 0s and 1s without a threshold is read as boolean.
        threshold: see y.
        alpha: share of the box's points removed by a numeric peel.
        min_mass: the smallest mass (share of all points) a peeled box may have.
        paste: whether to paste after selection.
        paste_alpha: share of the box's points added by a numeric paste (at least one
            point); default min(alpha, 0.01). It should be finer than alpha: a paste is
            accepted only if the added slice is at least as dense as the box, and a slice
            as wide as the last peel straddles the very boundary that peel crossed, so
            pasting with the peeling α almost never succeeds.
        max_boxes: number of covering iterations. Covering stops early when no cases of
            interest remain, the remaining points are fewer than min_mass, or the best box
            on the rest is the unrestricted one (no structure left).
        threshold_type: one of ">", ">=", "<", "<=".
        min_coverage: if given, the selection rule is instead the densest box of the
            trajectory whose coverage is at least this (0 to 1), the largest on ties: the
            usual choice by eye on the coverage-density plot, made explicit. Use it when
            an outcome depends on the parameters only moderately: coverage × density then
            keeps the whole design, because no region is dense enough to pay for the
            coverage it gives up.
        seed: accepted for a uniform interface; unused, because this implementation is
            deterministic (ties are broken by a fixed order, never at random).

    Returns:
        A PrimResult with at least one box.

    Raises:
        TypeError: if X is not a pandas DataFrame.
        ValueError: on a length mismatch, missing values in X or y, unsupported column
            types, out-of-range settings, a numeric y without a threshold, a threshold with
            a boolean y, no case of interest, or only cases of interest.
    """
    del seed  # deterministic; see the docstring
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if X.shape[1] == 0 or len(X) == 0:
        raise ValueError(f"X must have at least one row and one column, got shape {X.shape}")
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    if not 0.0 < min_mass < 1.0:
        raise ValueError(f"min_mass must be in (0, 1), got {min_mass}")
    if max_boxes < 1:
        raise ValueError(f"max_boxes must be at least 1, got {max_boxes}")
    paste_alpha = min(alpha, 0.01) if paste_alpha is None else paste_alpha
    if not 0.0 < paste_alpha < 0.5:
        raise ValueError(f"paste_alpha must be in (0, 0.5), got {paste_alpha}")
    interest = _cases_of_interest(y, len(X), threshold, threshold_type)
    data = _Data.from_frame(X)

    total_n, total_p = len(X), int(interest.sum())
    active = np.ones(total_n, dtype=bool)
    boxes: list[Box] = []
    trajectories: list[pd.DataFrame] = []
    for index in range(max_boxes):
        rows = np.flatnonzero(active)
        sub = data.take(rows)
        sub_y = interest[rows]
        if sub_y.sum() == 0 or len(rows) < min_mass * total_n:
            break
        states, steps = _peel(sub, sub_y, alpha, min_mass * total_n)
        if min_coverage is None:
            scores = np.array([tp * tp / n for tp, n in zip(steps["tp"], steps["n"])])
        else:
            scores = np.array([tp / n if tp >= min_coverage * total_p else -1.0
                               for tp, n in zip(steps["tp"], steps["n"])])
        chosen = int(np.argmax(scores))
        state = states[chosen]
        if paste:
            state = _paste(sub, sub_y, state, paste_alpha)
        state = sub.normalise(state)
        if index > 0 and not sub.restricted(state).any():
            break  # nothing left to find: the best box is all the remaining points
        inside_sub = sub.mask(state)
        tp, n = int(sub_y[inside_sub].sum()), int(inside_sub.sum())
        boxes.append(Box(limits=sub.limits(state), coverage=tp / total_p, density=tp / n,
                         mass=n / total_n, n=n))
        frame = pd.DataFrame({
            "box": index, "step": np.arange(len(states)),
            "coverage": np.asarray(steps["tp"], dtype=float) / total_p,
            "density": np.asarray(steps["tp"], dtype=float) / np.asarray(steps["n"]),
            "mass": np.asarray(steps["n"], dtype=float) / total_n,
            "n": np.asarray(steps["n"], dtype=int), "peel": steps["peel"],
        })
        frame["selected"] = frame["step"] == chosen
        trajectories.append(frame)
        active[rows[inside_sub]] = False
    trajectory = pd.concat(trajectories, ignore_index=True)
    return PrimResult(boxes=boxes, trajectory=trajectory)


# ---------------------------------------------------------------------------------------
# internals


@dataclass(frozen=True, eq=False)
class _State:
    """A box: numeric limits (closed) and, per categorical column, allowed codes."""

    low: np.ndarray       # (p_num,)
    high: np.ndarray      # (p_num,)
    allowed: tuple[np.ndarray, ...]  # per categorical column, bool over its codes

    def replace(self, *, low: tuple[int, float] | None = None,
                high: tuple[int, float] | None = None,
                drop: tuple[int, int] | None = None, add: tuple[int, int] | None = None) -> _State:
        new_low, new_high = self.low.copy(), self.high.copy()
        allowed = list(self.allowed)
        if low is not None:
            new_low[low[0]] = low[1]
        if high is not None:
            new_high[high[0]] = high[1]
        for change, value in ((drop, False), (add, True)):
            if change is not None:
                column = allowed[change[0]].copy()
                column[change[1]] = value
                allowed[change[0]] = column
        return _State(new_low, new_high, tuple(allowed))


@dataclass(frozen=True, eq=False)
class _Data:
    """X split into a numeric matrix and categorical codes, in the original column order."""

    names: list[str]
    numeric: np.ndarray            # (n, p_num) float
    numeric_names: list[str]
    codes: np.ndarray              # (n, p_cat) int
    categorical_names: list[str]
    categories: list[np.ndarray]   # per categorical column, the values of its codes

    @classmethod
    def from_frame(cls, X: pd.DataFrame) -> _Data:
        names = [str(c) for c in X.columns]
        if len(set(names)) != len(names):
            raise ValueError("X has duplicated column names")
        numeric_names, numeric_cols, categorical_names, code_cols, categories = [], [], [], [], []
        for name, column in zip(names, (X[c] for c in X.columns)):
            if column.isna().any():
                raise ValueError(f"X column {name!r} has {int(column.isna().sum())} missing "
                                 "value(s)")
            if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
                if pd.api.types.is_datetime64_any_dtype(column) or \
                        pd.api.types.is_timedelta64_dtype(column):
                    raise ValueError(f"X column {name!r}: unsupported dtype {column.dtype}")
                try:
                    codes, uniques = pd.factorize(column, sort=True)
                except TypeError:  # values of mixed, unorderable types: first-seen order
                    codes, uniques = pd.factorize(column, sort=False)
                categorical_names.append(name)
                code_cols.append(codes)
                categories.append(np.asarray(uniques, dtype=object))
            elif pd.api.types.is_complex_dtype(column):
                raise ValueError(f"X column {name!r}: unsupported dtype {column.dtype}")
            else:
                values = column.to_numpy(dtype=float)
                if not np.all(np.isfinite(values)):
                    raise ValueError(f"X column {name!r} has non-finite values")
                numeric_names.append(name)
                numeric_cols.append(values)
        n = len(X)
        numeric = np.column_stack(numeric_cols) if numeric_cols else np.empty((n, 0))
        codes = np.column_stack(code_cols) if code_cols else np.empty((n, 0), dtype=int)
        return cls(names, numeric, numeric_names, codes, categorical_names, categories)

    def take(self, rows: np.ndarray) -> _Data:
        return _Data(self.names, self.numeric[rows], self.numeric_names, self.codes[rows],
                     self.categorical_names, self.categories)

    def full_state(self) -> _State:
        p_num = self.numeric.shape[1]
        return _State(np.full(p_num, -np.inf), np.full(p_num, np.inf),
                      tuple(np.ones(len(c), dtype=bool) for c in self.categories))

    def column_masks(self, state: _State) -> np.ndarray:
        """(n, p_num + p_cat): whether each point satisfies each column's constraint."""
        num = (self.numeric >= state.low) & (self.numeric <= state.high)
        cat = [state.allowed[j][self.codes[:, j]] for j in range(self.codes.shape[1])]
        return np.column_stack([num, *cat]) if cat else num

    def mask(self, state: _State) -> np.ndarray:
        return self.column_masks(state).all(axis=1)

    def normalise(self, state: _State) -> _State:
        """Widen limits that exclude no point of this data to ±inf / all categories."""
        low, high = state.low.copy(), state.high.copy()
        if self.numeric.shape[0]:
            low[low <= self.numeric.min(axis=0)] = -np.inf
            high[high >= self.numeric.max(axis=0)] = np.inf
        allowed = []
        for j, column in enumerate(state.allowed):
            present = np.bincount(self.codes[:, j], minlength=column.size) > 0
            allowed.append(np.ones_like(column) if column[present].all() else column.copy())
        return _State(low, high, tuple(allowed))

    def restricted(self, state: _State) -> np.ndarray:
        num = np.isfinite(state.low) | np.isfinite(state.high)
        cat = np.array([not a.all() for a in state.allowed], dtype=bool)
        return np.concatenate([num, cat])

    def limits(self, state: _State) -> pd.DataFrame:
        restricted = dict(zip(self.numeric_names + self.categorical_names, self.restricted(state)))
        rows = {}
        for j, name in enumerate(self.numeric_names):
            rows[name] = (float(state.low[j]), float(state.high[j]), None, bool(restricted[name]))
        for j, name in enumerate(self.categorical_names):
            allowed = tuple(_plain(v) for v in self.categories[j][state.allowed[j]])
            rows[name] = (math.nan, math.nan, allowed, bool(restricted[name]))
        frame = pd.DataFrame.from_dict(rows, orient="index",
                                       columns=["low", "high", "categories", "restricted"])
        frame = frame.loc[self.names]
        frame.index.name = "parameter"
        frame["restricted"] = frame["restricted"].astype(bool)
        return frame


def _cases_of_interest(y: Any, n: int, threshold: float | None, threshold_type: str) -> np.ndarray:
    values = np.asarray(y)
    if values.ndim != 1 or values.size != n:
        raise ValueError(f"y must be 1-D with one value per row of X ({n}), "
                         f"got shape {values.shape}")
    if values.dtype == bool:
        if threshold is not None:
            raise ValueError("threshold given, but y is boolean (already the cases of interest)")
        interest = values
    else:
        try:
            numbers = values.astype(float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"y must be boolean or numeric, got dtype {values.dtype}") from error
        if np.isnan(numbers).any():
            raise ValueError(f"y has {int(np.isnan(numbers).sum())} missing value(s)")
        if threshold is None:
            if not np.isin(numbers, (0.0, 1.0)).all():
                raise ValueError("numeric y needs a threshold (cases of interest are "
                                 "y > threshold by default), or pass a boolean y")
            interest = numbers == 1.0
        else:
            if threshold_type not in _COMPARISONS:
                raise ValueError(f"threshold_type must be one of {list(_COMPARISONS)}, "
                                 f"got {threshold_type!r}")
            interest = _COMPARISONS[threshold_type](numbers, threshold)
    count = int(interest.sum())
    if count == 0:
        raise ValueError("no case of interest: y is never true"
                         + ("" if threshold is None else f" (y {threshold_type} {threshold})"))
    if count == n:
        raise ValueError("every point is a case of interest: there is nothing to discover"
                         + ("" if threshold is None else f" (y {threshold_type} {threshold})"))
    return interest.astype(bool)


def _peel(data: _Data, y: np.ndarray, alpha: float,
          min_points: float) -> tuple[list[_State], dict[str, list]]:
    """The peeling trajectory: the boxes and their (tp, n, peel description)."""
    state = data.full_state()
    inside = np.ones(len(y), dtype=bool)
    states = [state]
    steps: dict[str, list] = {"tp": [int(y.sum())], "n": [len(y)], "peel": [""]}
    p_num = data.numeric.shape[1]
    while True:
        rows = np.flatnonzero(inside)
        n, y_in = rows.size, y[rows]
        tp = int(y_in.sum())
        k = max(1, math.floor(alpha * n))
        best: tuple[float, int] | None = None  # (gain per point removed, −points removed)
        best_change: dict[str, Any] = {}
        best_text = ""

        def consider(removed: int, removed_tp: int, change: dict[str, Any], text: str) -> None:
            nonlocal best, best_change, best_text
            left = n - removed
            if removed <= 0 or left <= 0 or left < min_points:
                return
            # Density gain per point removed (Kwakkel & Jaxa-Rozen 2016, "lenient 1").
            key = (((tp - removed_tp) / left - tp / n) / removed, -removed)
            if best is None or key > best:
                best, best_change, best_text = key, change, text

        for j in range(p_num):
            values = data.numeric[rows, j]
            order = np.argsort(values, kind="stable")
            s = values[order]
            cum = np.concatenate([[0], np.cumsum(y_in[order])])
            if s[0] == s[-1]:
                continue
            # from below: new low = s[k] unless tied with the minimum, then the next value
            m = int(np.searchsorted(s, s[min(k, n - 1)], side="left"))
            if m == 0:
                m = int(np.searchsorted(s, s[0], side="right"))
            consider(m, int(cum[m]), {"low": (j, float(s[m]))},
                     f"{data.numeric_names[j]} >= {s[m]:.6g}")
            # from above: new high = s[n-1-k] unless tied with the maximum
            m = n - int(np.searchsorted(s, s[max(n - 1 - k, 0)], side="right"))
            if m == 0:
                m = n - int(np.searchsorted(s, s[-1], side="left"))
            consider(m, tp - int(cum[n - m]), {"high": (j, float(s[n - m - 1]))},
                     f"{data.numeric_names[j]} <= {s[n - m - 1]:.6g}")
        for j in range(data.codes.shape[1]):
            codes = data.codes[rows, j]
            size = data.categories[j].size
            counts = np.bincount(codes, minlength=size)
            positives = np.bincount(codes, weights=y_in, minlength=size).astype(int)
            if np.count_nonzero(counts) < 2:
                continue
            for c in np.flatnonzero(counts):
                consider(int(counts[c]), int(positives[c]), {"drop": (j, int(c))},
                         f"{data.categorical_names[j]} != {_format_value(data.categories[j][c])}")
        if best is None:
            break
        state = state.replace(**best_change)
        inside = data.mask(state)
        states.append(state)
        steps["tp"].append(int(y[inside].sum()))
        steps["n"].append(int(inside.sum()))
        steps["peel"].append(best_text)
    return states, steps


def _paste(data: _Data, y: np.ndarray, state: _State, alpha: float) -> _State:
    """Grow the box while the best single paste does not lower its density."""
    p_num, p_cat = data.numeric.shape[1], data.codes.shape[1]
    p = p_num + p_cat
    while True:
        masks = data.column_masks(state)
        satisfied = masks.sum(axis=1)
        inside = satisfied == p
        n, tp = int(inside.sum()), int(y[inside].sum())
        k = max(1, math.floor(alpha * n))
        best: tuple[float, int] | None = None  # (density after, points added)
        best_counts = (0, 0)
        best_change: dict[str, Any] = {}

        def consider(candidates: np.ndarray, change: dict[str, Any]) -> None:
            nonlocal best, best_counts, best_change
            added = int(candidates.sum())
            if added == 0:
                return
            added_tp = int(y[candidates].sum())
            key = ((tp + added_tp) / (n + added), added)
            if best is None or key > best:
                best, best_counts, best_change = key, (added, added_tp), change

        for j in range(p_num):
            others = satisfied - masks[:, j] == p - 1   # inside on every other column
            values = data.numeric[:, j]
            below = others & (values < state.low[j])
            if below.any():  # the k nearest points below the face (all ties included)
                outside = values[below]
                rank = outside.size - min(k, outside.size)
                cut = np.partition(outside, rank)[rank]
                consider(below & (values >= cut), {"low": (j, float(cut))})
            above = others & (values > state.high[j])
            if above.any():
                outside = values[above]
                rank = min(k, outside.size) - 1
                cut = np.partition(outside, rank)[rank]
                consider(above & (values <= cut), {"high": (j, float(cut))})
        for j in range(p_cat):
            others = satisfied - masks[:, p_num + j] == p - 1
            codes = data.codes[:, j]
            for c in np.flatnonzero(~state.allowed[j]):
                consider(others & (codes == c), {"add": (j, int(c))})
        if best is None:
            return state
        added, added_tp = best_counts
        # Accept iff (tp + added_tp) / (n + added) >= tp / n, compared exactly.
        if (tp + added_tp) * n < tp * (n + added):
            return state
        state = state.replace(**best_change)


def _plain(value: Any) -> Any:
    """numpy scalars to Python scalars (for readable tuples of categories)."""
    return value.item() if isinstance(value, np.generic) else value


def _format_number(value: float) -> str:
    """3 significant digits, without an exponent for magnitudes from 0.001 to 10^7."""
    if value == int(value) and abs(value) < 1e7:
        return str(int(value))
    if 1e3 <= abs(value) < 1e7:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _format_value(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
