"""Dose-response of the formal games: the simulation against the closed form, point by point.

    cyberdeter sweep scenarios/sweeps/attribution_detection.toml -o out/attribution_detection.h5
    /usr/bin/python3 -m analysis.games out/attribution_detection.h5 --markdown \\
        --plot docs/figures/games-attribution-detection.png
    cyberdeter sweep scenarios/sweeps/timing_stealth.toml -o out/timing_stealth.h5
    /usr/bin/python3 -m analysis.games out/timing_stealth.h5 --markdown \\
        --plot docs/figures/games-timing-stealth.png

An attribution-game sweep gives, per design point and attacker, the simulated attack
frequency (the mean over replications of attacks / opportunities) against a_i, the closed
form that the binary solved for that point (/attackers attack_theory). A timing-game sweep
gives, per point, the threshold the attacker's search found, T̂, against T* (/runs
threshold_theory), and V(T̂) measured on independent episodes against V(T̂) in closed form
(value_theory_found) and V(T*) (value_theory). Nothing is solved here: the closed form is
the binary's.

The x axis is the sweep's first parameter (``--parameter NAME`` for another); the other
parameters, and the attackers, make separate series. Each point's mean comes with a Student-t
interval over its replications, and the table says whether the closed form lies inside it
(at 95 %, about one point in twenty lies outside by chance).

Exit status 2 with ``error: …`` for a file that is not a sweep of a game.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass

import h5py
import numpy as np
import pandas as pd
from scipy import stats


class BadInput(Exception):
    """A file or option that cannot be analysed (exit status 2)."""


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass
class Sweep:
    model: str
    parameters: list[str]
    design: pd.DataFrame  # point, then one column per parameter (numbers or value literals)
    tables: dict[str, pd.DataFrame]
    attackers: list[str]


def load(path: str) -> Sweep:
    """The design and the tables of a game sweep's output."""
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise BadInput(f"{path}: cannot be read as HDF5: {e}") from e
    with f:
        model = _text(f["/scenario"].attrs.get("model", "")) if "/scenario" in f else ""
        if model not in ("attribution_game", "timing_game"):
            raise BadInput(f"{path}: not an output of a game (model = {model!r})")
        if "/design" not in f:
            raise BadInput(f"{path}: not a sweep (no /design): `cyberdeter run` files have one "
                           "point; sweep a parameter for a dose-response")
        names = [_text(n) for n in f["/design"].attrs["parameters"]]
        design = pd.DataFrame({"point": f["/design/point"][:]})
        for name in names:
            ds = f[f"/design/{name}"]
            values = ds[:]
            if "values" in ds.attrs:
                literals = [_text(v).strip('"') for v in ds.attrs["values"]]
                try:
                    numbers = [float(v) for v in literals]
                    design[name] = [numbers[int(i)] for i in values]
                except ValueError:
                    design[name] = [literals[int(i)] for i in values]
            else:
                design[name] = values
        wanted = (("/runs", "/attackers") if model == "attribution_game" else ("/runs",))
        tables = {t: pd.DataFrame(f[t][:]) for t in wanted}
        attackers = ([_text(a) for a in f["/scenario/attackers"][:]]
                     if "/scenario/attackers" in f else [])
    return Sweep(model, names, design, tables, attackers)


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, int]:
    """Mean, half-width of the Student-t interval, count (NaN entries left out)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return math.nan, math.nan, 0
    if n == 1:
        return float(v[0]), math.nan, 1
    half = stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return float(v.mean()), float(half), n


def dose_response(sweep: Sweep, parameter: str | None = None,
                  level: float = 0.95) -> pd.DataFrame:
    """One row per (point, series, measure): x, the simulated mean with its interval, the
    closed form, and whether the closed form is inside the interval."""
    x = parameter or sweep.parameters[0]
    if x not in sweep.parameters:
        raise BadInput(f"no parameter {x!r} in the sweep (it has {', '.join(sweep.parameters)})")
    others = [p for p in sweep.parameters if p != x]
    design = sweep.design.set_index("point")
    rows = []

    def add(point, series, measure, simulated, theory):
        mean, half, n = interval(simulated, level)
        rows.append({"point": int(point), x: design.loc[point, x], "series": series,
                     "measure": measure, "simulated": mean, "half_width": half,
                     "replications": n, "theory": float(theory),
                     "inside": bool(abs(mean - theory) <= half) if n > 1 else False})

    def label(point, extra=""):
        parts = [f"{p} = {design.loc[point, p]}" for p in others]
        if extra:
            parts.insert(0, extra)
        return ", ".join(parts) if parts else "simulation"

    if sweep.model == "attribution_game":
        a = sweep.tables["/attackers"]
        for (point, attacker), g in a.groupby(["point", "attacker"]):
            name = sweep.attackers[attacker] if attacker < len(sweep.attackers) else str(attacker)
            add(point, label(point, f"attacker {name}"), "attack probability a_i",
                g["attack_frequency"].to_numpy(), g["attack_theory"].iloc[0])
    else:
        r = sweep.tables["/runs"]
        for point, g in r.groupby("point"):
            add(point, label(point), "threshold T", g["threshold_found"].to_numpy(),
                g["threshold_theory"].iloc[0])
            # V(T̂) on independent episodes is unbiased for V(T̂) in closed form; its mean
            # over replications is compared with the mean of the closed form at each T̂.
            mean_found = float(np.nanmean(g["value_theory_found"]))
            add(point, label(point), "value V(T-hat)", g["value_checked"].to_numpy(), mean_found)
            rows[-1]["optimum"] = float(g["value_theory"].iloc[0])
    frame = pd.DataFrame(rows)
    return frame.sort_values(["measure", "series", x]).reset_index(drop=True)


def markdown(frame: pd.DataFrame, x: str) -> str:
    lines = [f"| {x} | series | measure | simulated (95 % interval) | closed form | inside |",
             "|---:|---|---|---|---:|---|"]
    for _, r in frame.iterrows():
        value = r[x]
        shown = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
        lines.append(f"| {shown} | {r['series']} | {r['measure']} | {r['simulated']:.4f} ± "
                     f"{r['half_width']:.4f} (n = {r['replications']}) | {r['theory']:.4f} | "
                     f"{'yes' if r['inside'] else '**no**'} |")
    return "\n".join(lines)


def summary(frame: pd.DataFrame) -> str:
    parts = []
    for measure, g in frame.groupby("measure", sort=False):
        worst = g.loc[(g["simulated"] - g["theory"]).abs().idxmax()]
        parts.append(f"{measure}: the closed form is inside the 95 % interval at "
                     f"{int(g['inside'].sum())} of {len(g)} points (largest difference "
                     f"{worst['simulated'] - worst['theory']:+.4f})")
    return "; ".join(parts)


def plot(frame: pd.DataFrame, x: str, path: str, title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    measures = list(dict.fromkeys(frame["measure"]))
    fig, axes = plt.subplots(1, len(measures), figsize=(5.2 * len(measures), 4.0), squeeze=False)
    for ax, measure in zip(axes[0], measures):
        g = frame[frame["measure"] == measure]
        series = list(dict.fromkeys(g["series"]))
        for k, s in enumerate(series):
            h = g[g["series"] == s].sort_values(x)
            color = f"C{k}"
            ax.plot(h[x], h["theory"], "-", color=color, lw=1.5,
                    label=f"closed form{'' if len(series) == 1 else ', ' + s}")
            ax.errorbar(h[x], h["simulated"], yerr=h["half_width"], fmt="o", ms=4,
                        color=color, mfc="white", capsize=3,
                        label=f"simulation, 95 % interval{'' if len(series) == 1 else ', ' + s}")
            if "optimum" in h and h["optimum"].notna().any():
                ax.plot(h[x], h["optimum"], ":", color="0.4", lw=1.2, label="V(T*), the optimum")
        ax.set_xlabel(x)
        ax.set_ylabel(measure)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m analysis.games",
        description="Dose-response of a game sweep: simulation against the closed form")
    parser.add_argument("file", help="output of `cyberdeter sweep` on a game scenario")
    parser.add_argument("--parameter", help="the x axis (default: the sweep's first parameter)")
    parser.add_argument("--level", type=float, default=0.95, help="interval level (0.95)")
    parser.add_argument("--markdown", action="store_true", help="print the table in Markdown")
    parser.add_argument("--plot", metavar="PNG", help="write the dose-response plot")
    parser.add_argument("--title", help="the plot's title")
    args = parser.parse_args(argv)
    try:
        if not 0 < args.level < 1:
            raise BadInput(f"--level must be in (0, 1), got {args.level}")
        sweep = load(args.file)
        x = args.parameter or sweep.parameters[0]
        frame = dose_response(sweep, x, args.level)
    except BadInput as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    if args.markdown:
        print(markdown(frame, x))
        print()
    print(summary(frame))
    if args.plot:
        title = args.title or {
            "attribution_game": f"Attribution game: attack probability against {x}",
            "timing_game": f"Timing game: threshold and value against {x}"}[sweep.model]
        plot(frame, x, args.plot, title)
        print(f"wrote {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
