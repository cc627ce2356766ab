"""Policy questions across the plausible worlds of a calibration.

    cyberdeter calibrate CAL.toml -o cal.h5
    cyberdeter sweep STUDY.toml --worlds cal.h5 -o study.h5
    /usr/bin/python3 -m analysis answer study.h5          # the answer across worlds
    /usr/bin/python3 -m analysis plausible cal.h5         # what the data identify

`sweep --worlds` runs the sweep file's design in every plausible world (design parameter
``world``, and each calibrated parameter's value in that world), with common random
numbers: replication r of the baseline and of the treatment see the same random streams
in a world, so each world gives a paired effect with its own Monte Carlo error.

Across worlds (docs/calibration.md, "Policy questions across worlds"):

- per world w, the paired differences d_wr = B_wr − A_wr over its R replications give the
  effect e_w (their mean) and its Monte Carlo standard error s_w (sd / √R);
- the median and the 90 % interval of e_w over the worlds (weighted by the calibration's
  weights) describe the effect across what the data allow; they include the Monte Carlo
  error of each e_w;
- that error is kept apart from the spread between worlds by the method of moments:
  Var(e) = τ² + mean(s²), so the spread between worlds is τ = √max(0, Var(e) − mean(s²)),
  and each world's effect shrunk towards the mean by τ² / (τ² + s_w²) (an empirical-Bayes
  estimate) gives the distribution of the effect between worlds net of Monte Carlo noise;
- "helps" is the effect's sign (by default lower is better: fewer attacks); the share of
  worlds where it helps, and where it helps or harms detectably (the world's 95 % paired
  t interval excludes 0);
- PRIM (analysis.prim) over the worlds' parameters finds the box where it helps, and the
  rank correlation of each parameter with the effect says which ones decide its size.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .io import BadInput, CyberFile

LEVEL_WORLDS = 0.90


def is_worlds_sweep(cf: CyberFile) -> bool:
    return cf.kind == "sweep" and "sweep" in cf.h5 and "worlds" in cf.h5["sweep"]


def worlds_spec(cf: CyberFile) -> dict:
    """The [[parameters]] and [[worlds]] the sweep was crossed with (/sweep/worlds)."""
    raw = cf.h5["sweep/worlds"][()]
    return tomllib.loads(raw.decode() if isinstance(raw, bytes) else str(raw))


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cum, q - 1e-12)])


@dataclass
class AcrossWorlds:
    metric: str
    unit: str
    what: str
    baseline: str
    treatment: str
    helps_lower: bool
    per_world: pd.DataFrame                  # world, weight, params…, mean_a, mean_b, effect, se, …
    params: list[str]
    median: float = math.nan
    interval: tuple[float, float] = (math.nan, math.nan)        # of the estimates
    interval_between: tuple[float, float] = (math.nan, math.nan)  # shrunk: between worlds
    tau: float = math.nan                    # sd between worlds, net of Monte Carlo error
    mc_se: float = math.nan                  # typical Monte Carlo se within a world (rms)
    share_helps: float = math.nan
    share_helps_detectably: float = math.nan
    share_harms_detectably: float = math.nan
    prim_box: object = None                  # prim.Box where it helps
    prim_text: str = ""
    size_box: object = None                  # prim.Box of the strongest quarter
    size_text: str = ""
    size_drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    replications: int = 0
    notes: list = field(default_factory=list)

    @property
    def n_worlds(self) -> int:
        return len(self.per_world)

    def sentence(self) -> str:
        d = 3
        unit = "" if self.unit in ("", "1", "count") else f" {self.unit}"
        verb = "reduced" if self.median < 0 else "raised"
        lo, hi = self.interval
        text = (f"Across the {self.n_worlds} plausible worlds, {self.treatment} against "
                f"{self.baseline} {verb} {self.what} by a median of {_sig(abs(self.median), d)}"
                f"{unit} per run (90 % of worlds between {_sig(lo, d)} and {_sig(hi, d)}; "
                f"spread between worlds sd {_sig(self.tau, d)}, Monte Carlo error within a world "
                f"± {_sig(self.mc_se, d)}); it {'reduced' if self.helps_lower else 'raised'} it in "
                f"{100 * self.share_helps:.0f} % of worlds ({100 * self.share_helps_detectably:.0f} % "
                f"detectably, {100 * self.share_harms_detectably:.0f} % detectably the other way), "
                f"{self.replications} paired runs per world.")
        return text

    def prim_sentence(self) -> str:
        return self.prim_text

    def sentences(self) -> list[str]:
        out = [self.sentence()]
        if self.prim_text:
            out.append(self.prim_text)
        if self.size_text:
            out.append(self.size_text)
        return out

    def text(self) -> str:
        lines = self.sentences()
        lines.append("")
        lines.append(f"  metric          {self.metric}" + (f" [{self.unit}]" if self.unit not in ("", "1") else ""))
        lines.append(f"  compared        {self.baseline} (baseline) against {self.treatment}, "
                     f"paired by replication in each world")
        lines.append(f"  effect          median {_sig(self.median, 4)}; 90 % of worlds "
                     f"[{_sig(self.interval[0], 4)}, {_sig(self.interval[1], 4)}]; net of Monte "
                     f"Carlo error [{_sig(self.interval_between[0], 4)}, "
                     f"{_sig(self.interval_between[1], 4)}]")
        lines.append(f"  spread          between worlds sd {_sig(self.tau, 4)}; Monte Carlo se "
                     f"within a world (rms) {_sig(self.mc_se, 4)}")
        if len(self.size_drivers):
            lines.append("  size            Spearman rank correlation of the effect with each parameter:")
            for _, r in self.size_drivers.iterrows():
                lines.append(f"      {r['parameter']:<28} {r['spearman']:+.2f}  (p = {r['p_value']:.2g})")
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"metric": self.metric, "unit": self.unit, "baseline": self.baseline,
                "treatment": self.treatment, "worlds": self.n_worlds,
                "replications": self.replications, "median": self.median,
                "interval": list(self.interval), "interval_between": list(self.interval_between),
                "tau": self.tau, "mc_se": self.mc_se, "share_helps": self.share_helps,
                "share_helps_detectably": self.share_helps_detectably,
                "share_harms_detectably": self.share_harms_detectably,
                "prim": self.prim_text, "prim_size": self.size_text,
                "sentences": self.sentences(),
                "size_drivers": self.size_drivers.to_dict(orient="records"),
                "notes": self.notes}


def across_worlds(cf: CyberFile, question, *, helps: str = "lower", window=None,
                  seed: int = 0) -> AcrossWorlds:
    """The answer to QUESTION (analysis.question) in every world of a `sweep --worlds` file."""
    from .question import _name_of, _resolve, _stored_levels
    if not is_worlds_sweep(cf):
        raise BadInput(f"{cf.path}: not a sweep run with --worlds (no /sweep/worlds)")
    spec_w = worlds_spec(cf)
    wparams = [p["name"] for p in spec_w.get("parameters", [])]
    weights_by_world = {int(w["world"]): float(w["weight"]) for w in spec_w.get("worlds", [])}
    p = cf.parameter(question.compare)
    if p.name == "world" or p.name in wparams:
        raise BadInput("the question compares the worlds themselves: compare a parameter of the "
                       "sweep file (its policy), which runs in every world")
    spec = cf.metric_spec(question.metric)
    from .window import parse_window
    window_spec = window if window is not None else question.window
    w = parse_window(cf, window_spec) if window_spec is not None else None
    mf = cf.metric(spec.name, window=w)
    design = cf.design(decode=False)
    levels = _stored_levels(cf, p)
    base = (_resolve(p, question.baseline, levels, "baseline") if question.baseline is not None
            else float(levels[0]))
    if question.treatments is not None:
        if len(question.treatments) != 1:
            raise BadInput("across worlds, compare one treatment with the baseline: give "
                           "--treatment V")
        treat = _resolve(p, question.treatments[0], levels, "treatment")
    else:
        others = [float(v) for v in levels if v != base]
        if len(others) != 1:
            raise BadInput(f"'{p.name}' takes {len(levels)} values: say which is the treatment "
                           f"(--treatment V)")
        treat = others[0]
    world_param = cf.parameter("world")
    world_ids = np.array([int(v) for v in world_param.values])
    value = design[p.name].to_numpy(float)
    wcol = design["world"].to_numpy(int)
    rows = []
    reps = None
    for k in np.unique(wcol):
        in_world = wcol == k
        pa = design.point[in_world & np.isclose(value, base)].tolist()
        pb = design.point[in_world & np.isclose(value, treat)].tolist()
        if not pa or not pb:
            raise BadInput(f"world {world_ids[k]} has no pair of points to compare")
        # Other parameters of the sweep file: pooled within the world, per replication.
        a = mf[mf.point.isin(pa)].groupby("replication")["value"].mean()
        b = mf[mf.point.isin(pb)].groupby("replication")["value"].mean()
        joined = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
        d = (joined["b"] - joined["a"]).to_numpy(float)
        n = len(d)
        reps = n if reps is None else min(reps, n)
        se = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        t = stats.t.ppf(0.975, n - 1) if n > 1 else math.nan
        row = {"world": int(world_ids[k]), "weight": weights_by_world.get(int(world_ids[k]), math.nan),
               "mean_a": float(joined["a"].mean()), "mean_b": float(joined["b"].mean()),
               "effect": float(d.mean()), "se": se,
               "ci_low": float(d.mean() - t * se), "ci_high": float(d.mean() + t * se)}
        first = design[in_world].iloc[0]
        for name in wparams:
            row[name] = float(first[name])
        rows.append(row)
    pw = pd.DataFrame(rows)
    wts = pw["weight"].to_numpy(float)
    if not np.all(np.isfinite(wts)) or wts.sum() <= 0:
        wts = np.ones(len(pw))
    wts = wts / wts.sum()
    pw["weight"] = wts
    e = pw["effect"].to_numpy(float)
    s = pw["se"].to_numpy(float)
    lower = helps != "higher"
    res = AcrossWorlds(metric=spec.name, unit=spec.unit,
                       what=spec.name + (f" in {w.describe()}" if w is not None else ""),
                       baseline=f"{p.name} = {_name_of(p, base)}",
                       treatment=f"{p.name} = {_name_of(p, treat)}", helps_lower=lower,
                       per_world=pw, params=wparams, replications=int(reps or 0))
    res.median = _weighted_quantile(e, wts, 0.5)
    res.interval = (_weighted_quantile(e, wts, 0.05), _weighted_quantile(e, wts, 0.95))
    mean = float(np.sum(wts * e))
    var = float(np.sum(wts * (e - mean) ** 2)) * len(e) / max(len(e) - 1, 1)
    mc = float(np.nanmean(s ** 2))
    res.mc_se = math.sqrt(mc)
    tau2 = max(0.0, var - mc)
    res.tau = math.sqrt(tau2)
    shrink = tau2 / (tau2 + s ** 2) if tau2 > 0 else np.zeros_like(s)
    shrunk = mean + shrink * (e - mean)
    pw["effect_between"] = shrunk
    res.interval_between = (_weighted_quantile(shrunk, wts, 0.05),
                            _weighted_quantile(shrunk, wts, 0.95))
    good = e < 0 if lower else e > 0
    res.share_helps = float(np.sum(wts * good))
    res.share_helps_detectably = float(np.sum(wts * ((pw["ci_high"] < 0) if lower else (pw["ci_low"] > 0))))
    res.share_harms_detectably = float(np.sum(wts * ((pw["ci_low"] > 0) if lower else (pw["ci_high"] < 0))))
    pw["helps"] = good
    if tau2 == 0:
        res.notes.append("the effects of the worlds differ no more than their Monte Carlo "
                         "errors: the data leave no detectable spread of this effect")
    # Which parameters decide its size: rank correlation with the effect.
    drivers = []
    for name in wparams:
        x = pw[name].to_numpy(float)
        if np.ptp(x) == 0:
            continue
        rho, pv = stats.spearmanr(x, e)
        drivers.append({"parameter": name, "spearman": float(rho), "p_value": float(pv)})
    if drivers:
        res.size_drivers = (pd.DataFrame(drivers)
                            .assign(_a=lambda f: -f["spearman"].abs())
                            .sort_values("_a").drop(columns="_a").reset_index(drop=True))
    # Which decide its sign: PRIM over the worlds' parameters, cases = worlds where it helps.
    n_good = int(good.sum())
    if wparams and 0 < n_good < len(pw):
        from .prim import prim
        X = pw[wparams]
        result = prim(X, good.astype(float), threshold=0.5, threshold_type=">", seed=seed,
                      min_mass=max(0.05, 5 / len(pw)))
        verb = "reduces" if lower else "raises"
        base_rate = n_good / len(pw)
        if not result.boxes or not result.boxes[0].limits["restricted"].any():
            res.prim_text = (f"PRIM: no region of the calibrated parameters where it {verb} "
                             f"{spec.name} more often than in the {100 * base_rate:.0f} % of all "
                             f"worlds where it does.")
        else:
            box = result.boxes[0]
            res.prim_box = box
            res.prim_text = (f"PRIM: it {verb} {spec.name} in {100 * box.density:.0f} % of the "
                             f"worlds where {box.describe().split(':')[0]} ({100 * box.coverage:.0f} % "
                             f"of the worlds where it {verb.rstrip('s')}s lie there, "
                             f"{100 * box.mass:.0f} % of all worlds), against "
                             f"{100 * base_rate:.0f} % overall.")
    elif wparams:
        res.prim_text = (f"It {'reduces' if lower else 'raises'} {spec.name} in "
                         f"{'every' if n_good == len(pw) else 'no'} plausible world: no parameter "
                         f"decides its sign.")
    # Which decide its size: PRIM over the worlds where it is strongest (the quarter of
    # worlds with the largest change in the helpful direction).
    if wparams and len(pw) >= 8 and res.tau > 0:
        strong_cut = float(np.quantile(e, 0.25 if lower else 0.75))
        strong = (e <= strong_cut) if lower else (e >= strong_cut)
        from .prim import prim
        result = prim(pw[wparams], strong.astype(float), threshold=0.5, threshold_type=">",
                      seed=seed, min_mass=max(0.05, 5 / len(pw)))
        if result.boxes and result.boxes[0].limits["restricted"].any():
            box = result.boxes[0]
            res.size_box = box
            res.size_text = (f"PRIM: of the quarter of worlds where it changes {spec.name} most "
                             f"(a change of {_sig(strong_cut, 3)} per run or beyond), "
                             f"{100 * box.coverage:.0f} % lie where "
                             f"{box.describe().split(':')[0]} ({100 * box.density:.0f} % of the "
                             f"worlds there, against 25 % overall).")
    return res


def _sig(x: float, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "nan"
    if x == 0:
        return "0"
    return f"{x:.{max(digits - 1 - int(math.floor(math.log10(abs(x)))), 0)}f}"


# ---------------------------------------------------------------------------------------
# the calibration's own output: what the data identify


@dataclass
class Plausible:
    path: str
    parameters: pd.DataFrame     # name, prior, low, high, prior/plausible quantiles, ratio
    waves: pd.DataFrame
    worlds: pd.DataFrame         # every world: wave, params, plausible, weight, …
    targets: pd.DataFrame
    names: list

    def text(self) -> str:
        n = int(self.worlds["plausible"].sum())
        lines = [f"{self.path}: {n} plausible worlds of {len(self.worlds)} simulated in "
                 f"{len(self.waves)} waves"]
        lines.append("")
        lines.append("  wave   worlds  prior left  non-implausible by their runs")
        for k, r in self.waves.iterrows():
            lines.append(f"  {k:>4} {int(r['worlds']):>8}  {100 * r['region_share']:>8.3g} %  "
                         f"{int(r['non_implausible']):>8} ({100 * r['non_implausible_share']:.0f} %)")
        lines.append("")
        lines.append("  parameter                    prior 90 %              plausible 90 %          prior mass / 0.9")
        for _, r in self.parameters.iterrows():
            lines.append(f"  {r['name']:<28} [{_sig(r['prior_q05'])}, {_sig(r['prior_q95'])}]".ljust(55)
                         + f"[{_sig(r['plausible_q05'])}, {_sig(r['plausible_q95'])}]".ljust(24)
                         + f"{r['interval_ratio']:.2f}  {self.verdict(r['interval_ratio'])}")
        return "\n".join(lines)

    @staticmethod
    def verdict(ratio: float) -> str:
        if not math.isfinite(ratio):
            return ""
        if ratio > 0.8:
            return "left unidentified by the targets"
        if ratio > 0.5:
            return "weakly identified"
        return "identified"


def read_plausible(path) -> Plausible:
    import h5py
    with h5py.File(path, "r") as f:
        if "calibration" not in f:
            raise BadInput(f"{path}: not the output of `cyberdeter calibrate` (no /calibration)")

        def frame(group):
            g = f[group]
            out = {}
            for k in g.keys():
                v = g[k][()]
                if v.dtype.kind in "SO":
                    v = np.array([x.decode() if isinstance(x, bytes) else x for x in v])
                out[k] = v
            return pd.DataFrame(out)
        params = frame("parameters")
        waves = frame("waves")
        worlds = frame("worlds")
        names = [n.decode() if isinstance(n, bytes) else n for n in f["design"].attrs["parameters"]]
        for n in names + ["wave"]:
            worlds[n] = f["design"][n][()]
        targets = frame("targets")
    return Plausible(str(path), params, waves, worlds, targets, names)


def prior_sample(row: pd.Series, n: int, rng: np.random.Generator) -> np.ndarray:
    """n draws from a parameter's prior (as /parameters or /sweep/worlds describe it)."""
    kind, lo, hi = row["prior"], float(row["low"]), float(row["high"])
    u = rng.random(n)
    if kind == "log_uniform":
        return np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
    if kind == "beta":
        return lo + (hi - lo) * stats.beta.ppf(u, float(row["alpha"]), float(row["beta"]))
    if kind == "truncated_normal":
        m, s = float(row["normal_mean"]), float(row["normal_sd"])
        a, b = stats.norm.cdf((lo - m) / s), stats.norm.cdf((hi - m) / s)
        return m + s * stats.norm.ppf(a + u * (b - a))
    return lo + u * (hi - lo)


# ---------------------------------------------------------------------------------------
# pictures


def pairs_plot(plausible: pd.DataFrame, prior: pd.DataFrame, names: list, *, title: str = ""):
    """Pairs plot: the prior (grey) and the plausible worlds (colour), each pair of parameters
    below the diagonal, each parameter's two histograms on it (densities)."""
    from .plots import plt
    k = len(names)
    fig, axes = plt.subplots(k, k, figsize=(1.9 * k + 1, 1.9 * k + 0.5), squeeze=False)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                bins = np.linspace(prior[xj].min(), prior[xj].max(), 21)
                ax.hist(prior[xj], bins=bins, density=True, color="0.75", label="prior")
                if len(plausible):
                    ax.hist(plausible[xj], bins=bins, density=True, histtype="step", lw=1.6,
                            color="C0", label="plausible")
                ax.set_yticks([])
            else:
                ax.scatter(prior[xj], prior[yi], s=2, color="0.8", rasterized=True)
                ax.scatter(plausible[xj], plausible[yi], s=4, color="C0", alpha=0.6, rasterized=True)
            if i == k - 1:
                ax.set_xlabel(xj, fontsize=8)
            else:
                ax.set_xticklabels([])
            if j == 0 and i != 0:
                ax.set_ylabel(yi, fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7, loc="upper right")
    fig.suptitle(title or f"{len(plausible)} plausible worlds (blue) against the prior (grey)")
    fig.tight_layout()
    return fig


def effect_plot(res: AcrossWorlds):
    """The effect in every world (sorted) with its 95 % Monte Carlo interval, the median and
    the 90 % interval across worlds, and beside it the distribution net of Monte Carlo error."""
    from .plots import axis_label, plt
    pw = res.per_world.sort_values("effect").reset_index(drop=True)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 1]},
                                  sharey=True)
    x = np.arange(len(pw))
    colors = np.where(pw["helps"], "C0", "C3")
    ax.vlines(x, pw["ci_low"], pw["ci_high"], color=colors, alpha=0.35, lw=1)
    ax.scatter(x, pw["effect"], s=6, c=colors, zorder=3)
    ax.axhline(0, color="k", lw=0.8)
    ax.axhline(res.median, color="C2", lw=1.2, ls="--", label=f"median {_sig(res.median)}")
    ax.axhspan(*res.interval, color="C2", alpha=0.08, label="90 % of worlds")
    ax.set_xlabel("plausible worlds, sorted by the effect")
    ax.set_ylabel(axis_label(f"{res.treatment} − {res.baseline}\n{res.metric}", res.unit, per_run=True))
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title("Effect in each world (95 % Monte Carlo interval)")
    ax2.hist(pw["effect_between"], bins=25, orientation="horizontal", color="C2", alpha=0.6)
    ax2.axhline(0, color="k", lw=0.8)
    ax2.set_title(f"between worlds\n(sd {_sig(res.tau)}, MC error removed)")
    ax2.set_xlabel("worlds")
    fig.tight_layout()
    return fig


def prim_plot(res: AcrossWorlds):
    """The worlds on the two parameters that matter most (PRIM's restricted ones first, then
    the strongest rank correlations), coloured by whether the policy helps, with the box."""
    from .plots import plt
    pw = res.per_world
    chosen = []
    box = res.prim_box if res.prim_box is not None else res.size_box
    if box is not None:
        lim = box.limits
        chosen = [n for n in lim.index[lim["restricted"]] if n in res.params]
    for n in list(res.size_drivers.get("parameter", [])):
        if n not in chosen:
            chosen.append(n)
    for n in res.params:
        if n not in chosen:
            chosen.append(n)
    if len(chosen) < 2:
        chosen = (chosen + res.params)[:2]
    xn, yn = chosen[0], chosen[1] if len(chosen) > 1 else chosen[0]
    fig, ax = plt.subplots(figsize=(6, 4.6))
    sc = ax.scatter(pw[xn], pw[yn], c=pw["effect"], cmap="coolwarm", s=18,
                    edgecolors=np.where(pw["helps"], "k", "none"), linewidths=0.5)
    fig.colorbar(sc, ax=ax, label=f"effect on {res.metric} (per run)")
    if box is not None:
        lim = box.limits
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()

        def bounds(n, lo_default, hi_default):
            if n in lim.index and lim.loc[n, "restricted"]:
                lo, hi = lim.loc[n, "low"], lim.loc[n, "high"]
                return (lo if np.isfinite(lo) else lo_default, hi if np.isfinite(hi) else hi_default)
            return lo_default, hi_default
        bx0, bx1 = bounds(xn, x0, x1)
        by0, by1 = bounds(yn, y0, y1)
        from matplotlib.patches import Rectangle
        what = "where it helps" if box is res.prim_box else "its strongest quarter"
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False, lw=2, color="k",
                               ls="--", label=f"PRIM box ({what})"))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel(xn)
    ax.set_ylabel(yn)
    ax.set_title("Worlds where it helps (outlined) and the PRIM box")
    fig.tight_layout()
    return fig


def write_figures(res: AcrossWorlds, cf: CyberFile, outdir) -> dict:
    """The three pictures of the report's section, as PNG and SVG."""
    from .plots import plt, save
    out = {}
    spec = worlds_spec(cf)
    prior_rows = pd.DataFrame(spec.get("parameters", []))
    rng = np.random.default_rng(0)
    prior = pd.DataFrame({r["name"]: prior_sample(r, 2000, rng) for _, r in prior_rows.iterrows()})
    fig = pairs_plot(res.per_world[res.params], prior, res.params)
    out["pairs"] = save(fig, outdir, "worlds_pairs")
    plt.close(fig)
    fig = effect_plot(res)
    out["effect"] = save(fig, outdir, "worlds_effect")
    plt.close(fig)
    fig = prim_plot(res)
    out["prim"] = save(fig, outdir, "worlds_prim")
    plt.close(fig)
    return out


def report_section(cf: CyberFile, rep, question, *, window=None) -> None:
    """The report's section on a `sweep --worlds` file."""
    rep.h2("Across plausible worlds")
    if question.text:
        rep.p(question.text, "question")
    try:
        res = across_worlds(cf, question, window=window)
    except BadInput as e:
        rep.p(f"The question cannot be answered across worlds from this file: {e}", "warn")
        return
    for s in res.sentences():
        rep.p(s, "sentence")
    for n in res.notes:
        rep.p(n, "note")
    paths = write_figures(res, cf, rep.figdir)
    rep.figure(paths["pairs"], "The plausible worlds (blue) against the prior (grey): what the "
                               "calibration's targets leave of each parameter and pair.")
    rep.figure(paths["effect"], "The effect in each plausible world with its 95 % Monte Carlo "
                                "interval (blue: it helps), and its distribution between worlds "
                                "with the Monte Carlo error removed.")
    rep.figure(paths["prim"], "The worlds on the parameters that decide the effect, with PRIM's "
                              "box of the worlds where it helps.")
    rep.table(res.per_world, "worlds_effects", "The effect in each world: paired means, "
              "difference, Monte Carlo standard error and 95 % t interval.", max_rows=40)
    if len(res.size_drivers):
        rep.table(res.size_drivers, "worlds_size_drivers",
                  "Spearman rank correlation of each parameter with the effect (its size).")
