"""Global sensitivity analysis of cyberdeter sweeps: Sobol indices and Morris screening.

Two designs written by cyberdeter's sweep (sim/src/design.cpp) are analysed here:

* Saltelli's design (Saltelli et al. 2010) for variance-based Sobol indices: N base rows
  j, each contributing d + 2 runs A_j, AB_1j, …, AB_dj, B_j, where A and B are the two
  halves of a 2d-dimensional unscrambled Sobol sequence (origin skipped) and AB_i is A
  with column i taken from B. `sobol_indices` estimates first-order indices with the
  Saltelli et al. (2010) estimator and total indices with Jansen's (1999), and gives
  bootstrap intervals over base rows and a convergence check.
* Morris' design (Morris 1991): r one-at-a-time trajectories of d + 1 grid points.
  `morris_effects` computes the elementary effects and their summaries μ, μ* (the mean
  absolute effect, Campolongo, Cariboni & Saltelli 2007) and σ.

References:
    Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S.
    (2010). Variance based sensitivity analysis of model output. Design and estimator
    for the total sensitivity index. Computer Physics Communications 181(2), 259–270.
    Jansen, M. J. W. (1999). Analysis of variance designs for model output. Computer
    Physics Communications 117(1–2), 35–43.
    Sobol', I. M. (1993). Sensitivity estimates for nonlinear mathematical models.
    Mathematical Modeling and Computational Experiment 1, 407–414.
    Morris, M. D. (1991). Factorial sampling plans for preliminary computational
    experiments. Technometrics 33(2), 161–174.
    Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for
    sensitivity analysis of large models. Environmental Modelling & Software 22(10),
    1509–1518.
    Ishigami, T., Homma, T. (1990). An importance quantification technique in
    uncertainty analysis for computer models. Proc. ISUMA '90, 398–403.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

__all__ = [
    "SobolResult", "sobol_indices", "saltelli_sample",
    "MorrisResult", "morris_effects",
    "ishigami", "ishigami_indices", "ISHIGAMI_S1", "ISHIGAMI_ST",
]

# Upper bound on the entries of one block of bootstrap counts (memory ~ 8×this bytes).
_BOOTSTRAP_BLOCK = 1 << 21


# ---------------------------------------------------------------------------------------
# Sobol indices


@dataclass(frozen=True)
class SobolResult:
    """First-order and total Sobol indices with bootstrap intervals.

    Attributes:
        names: parameter names, in design column order.
        S1, ST: first-order and total indices, shape (d,).
        S1_ci, ST_ci: percentile bootstrap intervals, shape (d, 2) (low, high).
        n: number of base rows N (the design has N·(d + 2) runs).
        converged: every interval half-width is below the tolerance and the estimates
            on the first N/2 base rows differ from those on all N by less than it.
        convergence: long frame with columns n, parameter, S1, ST: the estimates on the
            first N/8, N/4, N/2 and N base rows (sizes below 2 omitted), for plotting.
    """

    names: list[str]
    S1: np.ndarray
    S1_ci: np.ndarray
    ST: np.ndarray
    ST_ci: np.ndarray
    n: int
    converged: bool
    convergence: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: parameter, S1, S1_low, S1_high, ST, ST_low, ST_high."""
        return pd.DataFrame({
            "parameter": list(self.names),
            "S1": self.S1, "S1_low": self.S1_ci[:, 0], "S1_high": self.S1_ci[:, 1],
            "ST": self.ST, "ST_low": self.ST_ci[:, 0], "ST_high": self.ST_ci[:, 1],
        })


def sobol_indices(y: Any, d: int, names: list[str] | None = None, *, level: float = 0.95,
                  n_boot: int = 1000, seed: int = 0, tolerance: float = 0.05) -> SobolResult:
    """Estimate first-order and total Sobol indices from outputs of a Saltelli design.

    With f_A, f_B, f_ABi the outputs of the rows A_j, B_j, AB_ij (j = 1..N) and
    V = the variance (ddof = 0) of the 2N values concat(f_A, f_B):

        S1_i = mean_j( f_B (f_ABi − f_A) ) / V             (Saltelli et al. 2010, Table 2 (b))
        ST_i = mean_j( (f_A − f_ABi)² ) / (2V)              (Jansen 1999; ibid. (f))

    Before estimation the outputs are centred on the mean of concat(f_A, f_B), as SALib
    does. This leaves the estimands, V and ST unchanged, and removes from S1 the term
    c · mean(f_ABi − f_A), which has expectation 0 but a variance growing with the square
    of the output's mean c; without it S1 is needlessly noisy for outputs such as attack
    counts whose mean is large compared with their spread.

    Intervals: the N base rows are resampled with replacement `n_boot` times (each row
    carries all its d + 2 runs, which keeps the design's pairing) and the percentile
    interval at `level` is taken (Efron & Tibshirani 1993, §13.3). The bootstrap treats
    the rows as i.i.d.; for Sobol (quasi-random) points that is conservative, the QMC
    error being smaller than the Monte Carlo error the bootstrap mimics.

    Args:
        y: outputs in the row order of cyberdeter's Saltelli design, grouped by base
            row j: A_j, AB_1j, …, AB_dj, B_j; len(y) == N·(d + 2).
        d: number of parameters.
        names: parameter names (default x1..xd).
        level: confidence level of the intervals.
        n_boot: number of bootstrap resamples.
        seed: seed of the numpy Generator used by the bootstrap.
        tolerance: the half-width and N/2-versus-N agreement that `converged` requires.

    Returns:
        A SobolResult. If the output is constant (V = 0) the indices are undefined: they
        are returned as nan with converged = False, and a RuntimeWarning is issued.

    Raises:
        ValueError: if d < 1, len(y) is not a positive multiple of d + 2, y has non-finite
            values, names has the wrong length, or level / n_boot are out of range.
    """
    if d < 1:
        raise ValueError(f"d must be at least 1, got {d}")
    values = np.asarray(y, dtype=float)
    if values.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {values.shape}")
    if values.size == 0 or values.size % (d + 2) != 0:
        raise ValueError(f"len(y) = {values.size} is not a positive multiple of d + 2 = {d + 2}: "
                         f"a Saltelli design has N·(d + 2) rows")
    _check_finite(values, "y")
    names = _names(names, d)
    _check_level(level, n_boot)
    n = values.size // (d + 2)
    rows = values.reshape(n, d + 2)

    s1, st = _sobol_point(rows)
    if not (np.all(np.isfinite(s1)) and np.all(np.isfinite(st))):
        warnings.warn("sobol_indices: the output is constant, so its Sobol indices are "
                      "undefined (returned as nan)", RuntimeWarning, stacklevel=2)
        nan_ci = np.full((d, 2), np.nan)
        return SobolResult(names=names, S1=s1, S1_ci=nan_ci, ST=st, ST_ci=nan_ci.copy(), n=n,
                           converged=False, convergence=_convergence(rows, names))

    s1_boot, st_boot = _sobol_bootstrap(rows, n_boot, np.random.default_rng(seed))
    probs = [0.5 - level / 2.0, 0.5 + level / 2.0]
    with warnings.catch_warnings():  # all-nan columns (possible only for tiny N)
        warnings.simplefilter("ignore", RuntimeWarning)
        s1_ci = np.nanquantile(s1_boot, probs, axis=0).T
        st_ci = np.nanquantile(st_boot, probs, axis=0).T

    convergence = _convergence(rows, names)
    half_widths = np.concatenate([s1_ci[:, 1] - s1_ci[:, 0], st_ci[:, 1] - st_ci[:, 0]]) / 2.0
    converged = bool(np.all(np.isfinite(half_widths)) and np.all(half_widths < tolerance))
    half = n // 2
    if half >= 2:
        s1_half, st_half = _sobol_point(rows[:half])
        shift = np.abs(np.concatenate([s1_half - s1, st_half - st]))
        converged = converged and bool(np.all(shift < tolerance))
    else:
        converged = False
    return SobolResult(names=names, S1=s1, S1_ci=s1_ci, ST=st, ST_ci=st_ci, n=n,
                       converged=converged, convergence=convergence)


def saltelli_sample(n: int, d: int, seed: int | None = None) -> np.ndarray:
    """Saltelli's design in [0, 1)^d, in cyberdeter's row order.

    With seed=None this reproduces the C++ generator (sim::design::saltelli) exactly:
    points 1..n of the unscrambled 2d-dimensional Sobol sequence with Joe–Kuo direction
    numbers (scipy.stats.qmc.Sobol(scramble=False), which yields the same points as
    Boost.Random's sobol engine), the origin (point 0) skipped; A = the first d columns,
    B = the last d. Rows are grouped by base row j: A_j, AB_1j, …, AB_dj, B_j, where AB_ij
    is A_j with column i taken from B_j.

    With an integer seed the base points are instead the first n points of an
    Owen-scrambled Sobol sequence (randomised QMC, seeded; no point is skipped since
    scrambling removes the degenerate origin). Use it to replicate a design independently.

    Args:
        n: number of base rows N, a power of two (as the C++ requires: Sobol points are
            balanced only in blocks of 2^k).
        d: number of parameters.
        seed: None for the C++ design, or the scrambling seed.

    Returns:
        An array of shape (n·(d + 2), d).

    Raises:
        ValueError: if n is not a power of two or d is out of range.
    """
    if n < 1 or (n & (n - 1)) != 0:
        lower = 1 << max(0, int(n).bit_length() - 1)
        raise ValueError(
            "Saltelli design needs a power of two of base samples (Sobol points are balanced "
            "only in blocks of 2^k, and the index estimators rely on that balance); "
            f"{n} is not one: use {lower} or {lower * 2}")
    if not 1 <= d <= 21201 // 2:
        raise ValueError(f"d must be between 1 and {21201 // 2}, got {d}")
    if seed is None:
        engine = qmc.Sobol(2 * d, scramble=False)
        engine.fast_forward(1)  # skip the origin: the same as drawing n + 1, dropping row 0
    else:
        engine = qmc.Sobol(2 * d, scramble=True, seed=np.random.default_rng(seed))
    base = engine.random(n)
    a, b = base[:, :d], base[:, d:]
    out = np.repeat(a[:, np.newaxis, :], d + 2, axis=1)
    columns = np.arange(d)
    out[:, columns + 1, columns] = b
    out[:, d + 1, :] = b
    return out.reshape(n * (d + 2), d)


def _sobol_point(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S1, ST) from the (N, d + 2) matrix of outputs; nan where V = 0."""
    d = rows.shape[1] - 2
    f_a, f_ab, f_b = rows[:, 0], rows[:, 1:d + 1], rows[:, d + 1]
    centre = 0.5 * (f_a.mean() + f_b.mean())
    f_a, f_ab, f_b = f_a - centre, f_ab - centre, f_b - centre
    variance = np.var(np.concatenate([f_a, f_b]))
    if not variance > 0.0:
        return np.full(d, np.nan), np.full(d, np.nan)
    s1 = np.mean(f_b[:, np.newaxis] * (f_ab - f_a[:, np.newaxis]), axis=0) / variance
    st = np.mean((f_a[:, np.newaxis] - f_ab) ** 2, axis=0) / (2.0 * variance)
    return s1, st


def _sobol_bootstrap(rows: np.ndarray, n_boot: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap replicates of (S1, ST), each of shape (n_boot, d).

    Every estimator is a ratio of means of per-row quantities, so a resample is a vector
    of counts w (how often each base row was drawn) and its statistics are w @ Q / N.
    The centring constant is that of the full sample (a fixed shift, so each replicate
    still estimates the same indices).
    """
    n, d = rows.shape[0], rows.shape[1] - 2
    f_a, f_ab, f_b = rows[:, 0], rows[:, 1:d + 1], rows[:, d + 1]
    centre = 0.5 * (f_a.mean() + f_b.mean())
    f_a, f_ab, f_b = f_a - centre, f_ab - centre, f_b - centre
    per_row = np.column_stack([
        f_b[:, np.newaxis] * (f_ab - f_a[:, np.newaxis]),  # S1 numerators
        (f_a[:, np.newaxis] - f_ab) ** 2,                   # 2·ST numerators
        f_a + f_b,                                          # for the mean of concat(A, B)
        f_a**2 + f_b**2,                                    # for its second moment
    ])
    means = np.empty((n_boot, per_row.shape[1]))
    block = max(1, _BOOTSTRAP_BLOCK // n)
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        counts = _resample_counts(rng, stop - start, n)
        means[start:stop] = counts @ per_row / n
    first, second = means[:, 2 * d] / 2.0, means[:, 2 * d + 1] / 2.0
    variance = second - first**2
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = np.where(variance > 0.0, variance, np.nan)
        s1 = means[:, :d] / variance[:, np.newaxis]
        st = means[:, d:2 * d] / (2.0 * variance[:, np.newaxis])
    return s1, st


def _convergence(rows: np.ndarray, names: list[str]) -> pd.DataFrame:
    """Estimates on the first N/8, N/4, N/2, N base rows (sizes < 2 omitted)."""
    n = rows.shape[0]
    sizes = sorted({m for m in (n // 8, n // 4, n // 2, n) if m >= 2})
    frames = []
    for m in sizes:
        s1, st = _sobol_point(rows[:m])
        frames.append(pd.DataFrame({"n": m, "parameter": names, "S1": s1, "ST": st}))
    if not frames:
        return pd.DataFrame({"n": pd.Series(dtype=int), "parameter": pd.Series(dtype=object),
                             "S1": pd.Series(dtype=float), "ST": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Morris elementary effects


@dataclass(frozen=True)
class MorrisResult:
    """Morris screening measures per parameter.

    Attributes:
        names: parameter names.
        mu: mean elementary effect (signed; effects of opposite sign cancel).
        mu_star: mean absolute elementary effect (Campolongo et al. 2007), the measure
            of overall importance.
        sigma: standard deviation of the elementary effects (ddof = 1; nan if r = 1),
            a measure of non-linearity and interaction.
        mu_star_ci: percentile bootstrap interval of mu_star over trajectories, (d, 2).
        r: number of trajectories.
    """

    names: list[str]
    mu: np.ndarray
    mu_star: np.ndarray
    sigma: np.ndarray
    mu_star_ci: np.ndarray
    r: int

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: parameter, mu, mu_star, mu_star_low, mu_star_high, sigma."""
        return pd.DataFrame({
            "parameter": list(self.names), "mu": self.mu, "mu_star": self.mu_star,
            "mu_star_low": self.mu_star_ci[:, 0], "mu_star_high": self.mu_star_ci[:, 1],
            "sigma": self.sigma,
        })


def morris_effects(X: Any, y: Any, *, names: list[str] | None = None, level: float = 0.95,
                   n_boot: int = 1000, seed: int = 0) -> MorrisResult:
    """Elementary effects of a Morris design and their summaries μ, μ*, σ.

    Along trajectory t the step from row k to row k + 1 moves exactly one factor i, and
    its elementary effect (Morris 1991) is

        EE_i^(t) = (y[k+1] − y[k]) / (X[k+1, i] − X[k, i]),

    in unit coordinates, so effects are comparable across factors. Over the r
    trajectories: μ_i = mean EE_i, μ*_i = mean |EE_i| (Campolongo et al. 2007; unlike μ
    it does not let effects of opposite sign cancel), σ_i = std EE_i (ddof = 1). A large
    σ relative to μ* indicates a non-linear effect or interactions. The interval for μ*
    is the percentile bootstrap over trajectories (the trajectories are independent).

    Args:
        X: design of shape (r·(d + 1), d) in unit coordinates [0, 1], rows grouped by
            trajectory, every factor moving exactly once per trajectory.
        y: outputs, one per row of X.
        names: parameter names (default x1..xd).
        level, n_boot, seed: bootstrap interval settings.

    Raises:
        ValueError: on shape mismatch, non-finite values, coordinates outside [0, 1], or a
            design that is not made of one-at-a-time trajectories (the message names the
            trajectory and the rows).
    """
    design = np.asarray(X, dtype=float)
    if design.ndim != 2 or design.shape[1] < 1:
        raise ValueError(f"X must be 2-D with at least one column, got shape {design.shape}")
    m, d = design.shape
    if m == 0 or m % (d + 1) != 0:
        raise ValueError(f"X has {m} rows, not a positive multiple of d + 1 = {d + 1}: a Morris "
                         f"design has r·(d + 1) rows")
    values = np.asarray(y, dtype=float)
    if values.shape != (m,):
        raise ValueError(f"y must have one value per row of X ({m}), got shape {values.shape}")
    _check_finite(design.ravel(), "X")
    _check_finite(values, "y")
    if design.min() < -1e-12 or design.max() > 1.0 + 1e-12:
        raise ValueError("X must be in unit coordinates [0, 1] (the design before mapping to "
                         f"parameter ranges); its range is [{design.min()}, {design.max()}]")
    names = _names(names, d)
    _check_level(level, n_boot)
    r = m // (d + 1)

    paths = design.reshape(r, d + 1, d)
    steps = np.diff(paths, axis=1)             # (r, d, d): step s of trajectory t
    moved = np.abs(steps) > 1e-12
    count = moved.sum(axis=2)
    bad = np.argwhere(count != 1)
    if bad.size:
        t, s = (int(v) for v in bad[0])
        row = t * (d + 1) + s
        raise ValueError(f"trajectory {t}: rows {row} and {row + 1} differ in {int(count[t, s])} "
                         "factors; consecutive rows of a Morris trajectory must differ in "
                         "exactly one")
    factor = np.argmax(moved, axis=2)          # (r, d): the factor moved at each step
    repeated = np.sort(factor, axis=1) != np.arange(d)
    if repeated.any():
        t = int(np.argwhere(repeated.any(axis=1))[0, 0])
        missing = sorted(set(range(d)) - set(factor[t].tolist()))
        raise ValueError(f"trajectory {t} (rows {t * (d + 1)}–{t * (d + 1) + d}) does not move "
                         f"every factor exactly once (never moves {[names[i] for i in missing]})")

    dy = np.diff(values.reshape(r, d + 1), axis=1)                     # (r, d)
    dx = np.take_along_axis(steps, factor[:, :, np.newaxis], axis=2)[:, :, 0]
    ee = np.empty((r, d))
    np.put_along_axis(ee, factor, dy / dx, axis=1)                     # ee[t, factor]

    mu = ee.mean(axis=0)
    mu_star = np.abs(ee).mean(axis=0)
    sigma = ee.std(axis=0, ddof=1) if r > 1 else np.full(d, np.nan)

    rng = np.random.default_rng(seed)
    boot = np.empty((n_boot, d))
    block = max(1, _BOOTSTRAP_BLOCK // r)
    for start in range(0, n_boot, block):
        stop = min(n_boot, start + block)
        boot[start:stop] = _resample_counts(rng, stop - start, r) @ np.abs(ee) / r
    mu_star_ci = np.quantile(boot, [0.5 - level / 2.0, 0.5 + level / 2.0], axis=0).T
    return MorrisResult(names=names, mu=mu, mu_star=mu_star, sigma=sigma,
                        mu_star_ci=mu_star_ci, r=r)


# ---------------------------------------------------------------------------------------
# Ishigami test function


def ishigami(X: Any, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami–Homma (1990) function f = sin x1 + a sin² x2 + b x3⁴ sin x1.

    X: array of shape (m, 3) with the inputs in [−π, π]^3 (independent uniforms).
    """
    x = np.asarray(X, dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"X must have shape (m, 3), got {x.shape}")
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total Sobol indices of the Ishigami function.

    For x_i ~ U(−π, π): V1 = ½ (1 + bπ⁴/5)², V2 = a²/8, V3 = 0,
    V13 = b²π⁸ (1/18 − 1/50) = 8b²π⁸/225, and V = V1 + V2 + V13
    = a²/8 + bπ⁴/5 + b²π⁸/18 + ½. S1 = (V1, V2, 0)/V, ST = (V1 + V13, V2, V13)/V
    (Ishigami & Homma 1990; Sobol' & Levitan 1999).
    """
    pi4 = math.pi**4
    v1 = 0.5 * (1.0 + b * pi4 / 5.0) ** 2
    v2 = a * a / 8.0
    v13 = 8.0 * b * b * pi4 * pi4 / 225.0
    total = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / total, np.array([v1 + v13, v2, v13]) / total


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


ISHIGAMI_S1: np.ndarray = _read_only(ishigami_indices()[0])
"""Analytic first-order indices of Ishigami with a = 7, b = 0.1 (≈ 0.3139, 0.4424, 0)."""
ISHIGAMI_ST: np.ndarray = _read_only(ishigami_indices()[1])
"""Analytic total indices of Ishigami with a = 7, b = 0.1 (≈ 0.5576, 0.4424, 0.2437)."""


# ---------------------------------------------------------------------------------------
# helpers


def _resample_counts(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """(size, n) matrix: how often each of n units is drawn in each of `size` resamples."""
    draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, np.newaxis]
    return np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(float)


def _names(names: Sequence[str] | None, d: int) -> list[str]:
    if names is None:
        return [f"x{i + 1}" for i in range(d)]
    names = [str(name) for name in names]
    if len(names) != d:
        raise ValueError(f"names has {len(names)} entries for {d} parameters")
    return names


def _check_finite(values: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} has {int(bad.sum())} non-finite value(s); the first is at "
                         f"flat index {first}")


def _check_level(level: float, n_boot: int) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
