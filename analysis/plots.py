"""Figures: matplotlib with the Agg backend (no display), saved as PNG and SVG.

Every function takes tidy tables (from doseresponse, timeseries, sensitivity, discovery)
and returns a ``Figure``; :func:`save` writes it as ``STEM.png`` and ``STEM.svg``.
Labels carry units: :func:`axis_label` turns ("launched", "count") into
"launched [count per run]".
"""
from __future__ import annotations

import textwrap

import base64
import io as _io
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

plt.rcParams.update({
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",      # text stays text in the SVG (small, editable)
    "svg.hashsalt": "cyberdeter",  # deterministic SVG ids
})

COLORS = plt.rcParams["axes.prop_cycle"].by_key()["color"]
EVENT_COLORS = {"mega_event": "#d62728", "policy_change": "#2ca02c"}


def axis_label(name: str, unit: str | None = None, *, per_run: bool = False) -> str:
    """ "damage [VU per run]"; unit "1" means a pure number and is left out."""
    unit = (unit or "").strip()
    if unit in ("", "1"):
        return f"{name}{' (per run)' if per_run else ''}"
    if per_run and unit in ("count",):
        return f"{name} [count per run]"
    if per_run:
        return f"{name} [{unit}, per run]"
    return f"{name} [{unit}]"


def save(fig, outdir: str | Path, stem: str, formats: Sequence[str] = ("png", "svg")) -> dict:
    """Writes FIG as OUTDIR/STEM.png and .svg; returns {"png": path, "svg": path}."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in formats:
        path = outdir / f"{stem}.{fmt}"
        fig.savefig(path, format=fmt, bbox_inches="tight",
                    metadata={"Date": None} if fmt == "svg" else None)
        out[fmt] = path
    plt.close(fig)
    return out


def png_base64(path: str | Path) -> str:
    return base64.b64encode(Path(path).read_bytes()).decode("ascii")


def figure_png_bytes(fig) -> bytes:
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _is_numeric(series: pd.Series) -> bool:
    return (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            and not isinstance(series.dtype, pd.CategoricalDtype))


def dose_response(table: pd.DataFrame, metric_label: str, params: Sequence[str],
                  param_labels: Sequence[str] | None = None, *, level: float = 0.95,
                  title: str | None = None, log_x: bool = False):
    """Mean of the metric against the first parameter, one line per value of the second
    (if any), with the confidence interval as a band (numeric x) or error bars."""
    param_labels = list(param_labels or params)
    x = params[0]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    groups = [(None, table)] if len(params) == 1 else list(table.groupby(params[1], sort=True, observed=True))
    numeric = _is_numeric(table[x])
    cats = None if numeric else list(pd.unique(table[x]))
    for k, (key, g) in enumerate(groups):
        color = COLORS[k % len(COLORS)]
        label = None if key is None else f"{param_labels[1]} = {_fmt(key)}"
        if numeric:
            g = g.sort_values(x)
            ax.plot(g[x], g["mean"], marker="o", ms=4, color=color, label=label)
            ax.fill_between(g[x].to_numpy(float), g["ci_low"].to_numpy(float),
                            g["ci_high"].to_numpy(float), color=color, alpha=0.2, lw=0)
        else:
            pos = np.array([cats.index(v) for v in g[x]], dtype=float)
            offset = (k - (len(groups) - 1) / 2) * 0.08
            ax.errorbar(pos + offset, g["mean"],
                        yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                        fmt="o-", capsize=4, color=color, label=label)
    if not numeric:
        ax.set_xticks(range(len(cats)))
        ax.set_xticklabels([_fmt(c) for c in cats])
    if log_x and numeric:
        ax.set_xscale("log")
    ax.set_xlabel(param_labels[0])
    ax.set_ylabel(textwrap.fill(metric_label, 40))
    band = f"mean over runs, {level:.0%} CI"
    ax.set_title(title or f"Dose-response ({band})")
    if len(groups) > 1:
        ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return f"{v:.4g}"
    return str(v)


def timeseries(table: pd.DataFrame, metrics: Sequence[str], labels: dict, events: pd.DataFrame,
               *, level: float = 0.95, band: str = "ci", title: str | None = None,
               start_date: str | None = None):
    """One panel per metric: mean per reporting period over runs, with a band; mega-events
    shaded, policy changes as vertical lines."""
    n = len(metrics)
    fig, axes = plt.subplots(n, 1, figsize=(7.2, 1.9 + 1.7 * n), sharex=True, squeeze=False)
    axes = axes[:, 0]
    for ax, m in zip(axes, metrics):
        t = table[table.metric == m].sort_values("mid_day")
        ax.plot(t["mid_day"], t["mean"], color=COLORS[0], lw=1.4, label="mean over runs")
        ax.fill_between(t["mid_day"].to_numpy(float), t["low"].to_numpy(float),
                        t["high"].to_numpy(float), color=COLORS[0], alpha=0.22, lw=0,
                        label=(f"{level:.0%} CI of the mean" if band == "ci"
                               else f"{level:.0%} of runs"))
        ax.set_ylabel(labels.get(m, m), fontsize=8.5)
        _mark_events(ax, events)
    axes[0].legend(fontsize=7.5, frameon=False, loc="upper left")
    xlabel = "day of the run"
    if start_date:
        xlabel += f" (day 0 = {start_date})"
    axes[-1].set_xlabel(xlabel)
    if title:
        axes[0].set_title(title)
    _event_legend(fig, events)
    fig.tight_layout()
    return fig


def _mark_events(ax, events: pd.DataFrame) -> None:
    for _, e in events.iterrows():
        color = EVENT_COLORS.get(e["kind"], "gray")
        if e["end_day"] > e["start_day"]:
            ax.axvspan(e["start_day"], e["end_day"], color=color, alpha=0.15, lw=0)
        else:
            ax.axvline(e["start_day"], color=color, ls="--", lw=1.0)


def _event_legend(fig, events: pd.DataFrame) -> None:
    if events is None or not len(events):
        return
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = []
    for _, e in events.iterrows():
        color = EVENT_COLORS.get(e["kind"], "gray")
        what = "mega-event" if e["kind"] == "mega_event" else "policy change"
        text = f"{what}: {e['label']} (day {e['start_day']:g}"
        text += f"–{e['end_day']:g})" if e["end_day"] > e["start_day"] else ")"
        handles.append(Patch(color=color, alpha=0.3, label=text) if e["end_day"] > e["start_day"]
                       else Line2D([], [], color=color, ls="--", label=text))
    fig.legend(handles=handles, loc="lower center", fontsize=7.5, frameon=False,
               ncol=1, bbox_to_anchor=(0.5, -0.02 - 0.035 * len(handles)))


def sobol(frame: pd.DataFrame, metric_label: str, *, level: float = 0.95, title: str | None = None):
    """Bars of first-order (S1) and total (ST) indices per parameter, with intervals."""
    names = list(frame["parameter"])
    x = np.arange(len(names))
    w = 0.38
    fig, ax = plt.subplots(figsize=(max(4.5, 1.1 * len(names) + 2.5), 3.8))
    for k, (col, label) in enumerate((("S1", "first order S1"), ("ST", "total ST"))):
        v = frame[col].to_numpy(float)
        lo = frame[f"{col}_low"].to_numpy(float)
        hi = frame[f"{col}_high"].to_numpy(float)
        err = np.vstack([np.clip(v - lo, 0, None), np.clip(hi - v, 0, None)])
        ax.bar(x + (k - 0.5) * w, v, w, yerr=err, capsize=3, label=label, color=COLORS[k])
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=20 if len(names) > 4 else 0, ha="right" if len(names) > 4 else "center")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("Sobol index (share of variance)")
    ax.set_title(title or f"Sobol indices of {metric_label} ({level:.0%} bootstrap CI)")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def sobol_convergence(conv: pd.DataFrame, *, title: str | None = None):
    """Indices against the number of base samples used (the convergence check)."""
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    ncol = [c for c in conv.columns if c in ("n", "N", "samples", "base_samples")]
    if not ncol or "parameter" not in conv.columns:
        ax.text(0.5, 0.5, "no convergence table", ha="center", va="center", transform=ax.transAxes)
        return fig
    n = ncol[0]
    for k, (name, g) in enumerate(conv.groupby("parameter", sort=False)):
        c = COLORS[k % len(COLORS)]
        g = g.sort_values(n)
        if "S1" in g:
            ax.plot(g[n], g["S1"], "o-", ms=3, color=c, label=f"{name} S1")
        if "ST" in g:
            ax.plot(g[n], g["ST"], "s--", ms=3, color=c, label=f"{name} ST")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("base samples N")
    ax.set_ylabel("index")
    ax.set_title(title or "Convergence of the Sobol indices")
    ax.legend(frameon=False, fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def morris(frame: pd.DataFrame, metric_label: str, *, title: str | None = None):
    """μ* (with its interval) against σ per parameter: the classic Morris plane."""
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    mu = frame["mu_star"].to_numpy(float)
    sig = frame["sigma"].to_numpy(float)
    if "mu_star_low" in frame:
        err = np.vstack([np.clip(mu - frame["mu_star_low"].to_numpy(float), 0, None),
                         np.clip(frame["mu_star_high"].to_numpy(float) - mu, 0, None)])
        ax.errorbar(mu, sig, xerr=err, fmt="o", capsize=3, color=COLORS[0])
    else:
        ax.plot(mu, sig, "o", color=COLORS[0])
    for name, a, b in zip(frame["parameter"], mu, sig):
        ax.annotate(str(name), (a, b), textcoords="offset points", xytext=(5, 4), fontsize=8)
    top = float(np.nanmax(np.concatenate([mu, sig]))) if len(mu) else 1.0
    ax.plot([0, top], [0, top], color="gray", lw=0.7, ls=":", label="σ = μ*")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"μ* (mean |elementary effect|) of {metric_label} per unit range")
    ax.set_ylabel("σ (spread of elementary effects)")
    ax.set_title(title or "Morris screening")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def prim_trajectory(traj: pd.DataFrame, chosen: Sequence[int] = (), *, title: str | None = None):
    """The peeling trajectory: density against coverage, colour = mass."""
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["mass"], cmap="viridis", s=18)
    ax.plot(traj["coverage"], traj["density"], color="gray", lw=0.6)
    for i in chosen:
        if 0 <= i < len(traj):
            r = traj.iloc[i]
            ax.scatter([r["coverage"]], [r["density"]], s=90, facecolors="none", edgecolors="red")
    fig.colorbar(sc, ax=ax, label="mass (share of runs in the box)")
    ax.set_xlabel("coverage (share of the cases of interest inside)")
    ax.set_ylabel("density (share of the box's runs that are cases)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(title or "PRIM peeling trajectory")
    fig.tight_layout()
    return fig


def chains(table: pd.DataFrame, *, top: int = 8, title: str | None = None):
    """Horizontal bars: share of incidents per attack → attribution → response chain,
    inside the box vs outside."""
    t = table.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7.4, 0.45 * len(t) + 1.4))
    y = np.arange(len(t))
    ax.barh(y + 0.2, 100 * t["share_inside"], 0.4, label="runs inside the box", color=COLORS[3])
    ax.barh(y - 0.2, 100 * t["share_outside"], 0.4, label="runs outside", color=COLORS[7])
    ax.set_yticks(y)
    ax.set_yticklabels(t["chain"], fontsize=7.5)
    ax.set_xlabel("share of incidents [%]")
    ax.set_title(title or "Incident chains: attacker kind → attribution → response")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def histogram(values: np.ndarray, label: str, *, title: str | None = None, threshold=None):
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    ax.hist(v, bins=min(40, max(5, int(np.sqrt(len(v))))), color=COLORS[0], alpha=0.8)
    if threshold is not None:
        ax.axvline(threshold, color="red", ls="--", lw=1, label=f"threshold {threshold:g}")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel(label)
    ax.set_ylabel("runs")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def bars(labels: Sequence[str], means, lows, highs, ylabel: str, *, title: str | None = None):
    """Means with interval whiskers, one bar per label (per-state tables of run files)."""
    fig, ax = plt.subplots(figsize=(max(4.5, 0.7 * len(labels) + 2), 3.6))
    x = np.arange(len(labels))
    means = np.asarray(means, float)
    err = np.vstack([np.clip(means - np.asarray(lows, float), 0, None),
                     np.clip(np.asarray(highs, float) - means, 0, None)])
    ax.bar(x, means, yerr=err, capsize=3, color=COLORS[0])
    ax.set_xticks(x)
    ax.set_xticklabels(labels, rotation=30 if len(labels) > 5 else 0,
                       ha="right" if len(labels) > 5 else "center")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
