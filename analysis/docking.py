"""Docking: the ANU deterrence model's published grid against cyberdeter's, cell by cell.

    cyberdeter sweep scenarios/sweeps/anu_grid.toml -o out/anu_grid.h5
    /usr/bin/python3 -m analysis.docking out/anu_grid.h5 --markdown

The published table is the repository's ``Summary.csv`` (ANU-NSC-Strategy-Statecraft-
Cyberspace/deterrence, MIT): "Max Deterrence" for each (rationality, attribution) of an
11 x 11 grid, in two committed versions: the 10 repeats of every cell
(``analysis/data/anu_summary_repeats.csv``) and their means
(``analysis/data/anu_summary_means.csv``, equal to the repeats' means to 4e-16).

The test of a cell accounts for the spread between seeds on both sides: Welch's two-sample
t-test of the published repeats against our replications of that cell (unequal variances),
with Holm's step-down correction over all cells compared, so that the whole table has a
5 % chance of a false "differs". ``--mirror`` compares the published cell (r, a) with our
cell (1 - r, a): a diagnostic of the reading in which the published table was made with the
random choice taken with probability ``rationality`` instead of ``1 - rationality``
(docs/validation.md §5).

Exit status 2 with ``error: …`` for a file that is not an ANU sweep.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from scipy import stats

DATA = Path(__file__).resolve().parent / "data"
PUBLISHED = DATA / "anu_summary_repeats.csv"


class BadInput(Exception):
    """A file or option that cannot be compared (exit status 2)."""


def published(path: Path = PUBLISHED) -> pd.DataFrame:
    """The published per-repeat table as (rationality, attribution, max_deterrence), the grid
    values rounded to one decimal (Python's linspace wrote 0.30000000000000004)."""
    table = pd.read_csv(path)
    return pd.DataFrame({
        "rationality": table["Rationality"].round(1),
        "attribution": table["Attribution"].round(1),
        "max_deterrence": table["Max Deterrence"].astype(float),
    })


def ours(path: str) -> pd.DataFrame:
    """Our per-replication rows of an ANU sweep (or run) file."""
    try:
        with h5py.File(path, "r") as f:
            model = f["/scenario"].attrs.get("model") if "/scenario" in f else None
            if isinstance(model, bytes):
                model = model.decode()
            if model != "anu_deterrence" or "/runs" not in f:
                raise BadInput(f"{path}: not an output of the ANU model (model = {model!r})")
            runs = f["/runs"]
            return pd.DataFrame({
                "rationality": np.round(runs["rationality"][:], 10),
                "attribution": np.round(runs["attribution"][:], 10),
                "max_deterrence": runs["max_deterrence"][:],
            })
    except OSError as e:
        raise BadInput(f"{path}: cannot be read as HDF5: {e}") from e


@dataclass
class Cell:
    rationality: float
    attribution: float
    published_mean: float
    published_sd: float
    published_n: int
    ours_mean: float
    ours_sd: float
    ours_n: int
    p_value: float
    p_adjusted: float = math.nan

    @property
    def difference(self) -> float:
        return self.ours_mean - self.published_mean

    def verdict(self, alpha: float) -> str:
        return "agrees" if self.p_adjusted >= alpha else "differs"


def welch(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test; 1 when both samples are constant and equal."""
    if len(a) < 2 or len(b) < 2:
        return math.nan
    if np.std(a) == 0 and np.std(b) == 0:
        return 1.0 if a[0] == b[0] else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def holm(p: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate)."""
    order = sorted(range(len(p)), key=lambda i: p[i])
    adjusted = [math.nan] * len(p)
    running = 0.0
    m = len(p)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted


def compare(pub: pd.DataFrame, sim: pd.DataFrame, mirror: bool = False) -> list[Cell]:
    """One Cell per published grid cell that the simulation also has."""
    sim = sim.copy()
    if mirror:
        sim["rationality"] = (1.0 - sim["rationality"]).round(10)
    sim["rationality"] = sim["rationality"].round(1)
    sim["attribution"] = sim["attribution"].round(1)
    groups = dict(tuple(sim.groupby(["rationality", "attribution"])["max_deterrence"]))
    cells = []
    for (r, a), values in pub.groupby(["rationality", "attribution"])["max_deterrence"]:
        if (r, a) not in groups:
            continue
        x, y = values.to_numpy(), groups[(r, a)].to_numpy()
        cells.append(Cell(r, a, x.mean(), x.std(ddof=1), len(x), y.mean(),
                          y.std(ddof=1) if len(y) > 1 else math.nan, len(y), welch(x, y)))
    if not cells:
        raise BadInput("no cell of the published grid is in the file")
    for c, adj in zip(cells, holm([c.p_value for c in cells])):
        c.p_adjusted = adj
    return cells


def grid_markdown(cells: list[Cell], alpha: float) -> str:
    """An 11 x 11 grid: rows rationality, columns attribution, each cell 'published / ours'
    with a mark when the test says they differ."""
    rs = sorted({c.rationality for c in cells})
    attrs = sorted({c.attribution for c in cells})
    at = {(c.rationality, c.attribution): c for c in cells}
    lines = ["| rationality \\ attribution | " + " | ".join(f"{a:.1f}" for a in attrs) + " |",
             "|---|" + "---:|" * len(attrs)]
    for r in rs:
        row = []
        for a in attrs:
            c = at.get((r, a))
            if c is None:
                row.append("")
            else:
                mark = "" if c.verdict(alpha) == "agrees" else " **≠**"
                row.append(f"{c.published_mean:.2f} / {c.ours_mean:.2f}{mark}")
        lines.append(f"| {r:.1f} | " + " | ".join(row) + " |")
    return "\n".join(lines)


def long_markdown(cells: list[Cell], alpha: float) -> str:
    lines = ["| rationality | attribution | published (sd, n) | ours (sd, n) | difference | "
             "p (Welch) | p (Holm) | verdict |", "|---:|---:|---|---|---:|---:|---:|---|"]
    for c in sorted(cells, key=lambda c: (c.rationality, c.attribution)):
        lines.append(
            f"| {c.rationality:.1f} | {c.attribution:.1f} | {c.published_mean:.3f} "
            f"({c.published_sd:.3f}, {c.published_n}) | {c.ours_mean:.3f} ({c.ours_sd:.3f}, "
            f"{c.ours_n}) | {c.difference:+.3f} | {c.p_value:.2g} | {c.p_adjusted:.2g} | "
            f"{c.verdict(alpha)} |")
    return "\n".join(lines)


def summary(cells: list[Cell], alpha: float) -> str:
    differ = [c for c in cells if c.verdict(alpha) == "differs"]
    worst = max(cells, key=lambda c: abs(c.difference))
    return (f"{len(cells) - len(differ)} of {len(cells)} cells agree, {len(differ)} differ "
            f"(Welch's t per cell, Holm-corrected, family-wise alpha {alpha:g}); largest "
            f"difference {worst.difference:+.3f} at rationality {worst.rationality:.1f}, "
            f"attribution {worst.attribution:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m analysis.docking",
        description="Compare an ANU sweep with the published Summary.csv, cell by cell")
    parser.add_argument("file", help="output of `cyberdeter sweep` on an ANU grid")
    parser.add_argument("--published", default=str(PUBLISHED),
                        help="published per-repeat CSV (default: %(default)s)")
    parser.add_argument("--mirror", action="store_true",
                        help="compare the published cell (r, a) with ours at (1 - r, a)")
    parser.add_argument("--alpha", type=float, default=0.05, help="family-wise error rate")
    parser.add_argument("--markdown", action="store_true", help="print the grid in Markdown")
    parser.add_argument("--long", action="store_true", help="print every cell's test")
    args = parser.parse_args(argv)
    try:
        if not 0 < args.alpha < 1:
            raise BadInput(f"--alpha must be in (0, 1), got {args.alpha}")
        cells = compare(published(Path(args.published)), ours(args.file), mirror=args.mirror)
    except BadInput as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    if args.markdown:
        print(grid_markdown(cells, args.alpha))
        print()
    if args.long:
        print(long_markdown(cells, args.alpha))
        print()
    print(summary(cells, args.alpha))
    return 0


if __name__ == "__main__":
    sys.exit(main())
