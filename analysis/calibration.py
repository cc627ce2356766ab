"""Calibration of the built-in world scenario against the empirical base rates of
docs/validation.md §3.1.

    /usr/bin/python3 -m analysis.calibration out/japan_2015_2021.h5 [--markdown] [--seed 0]

The file must come from ``cyberdeter run --incidents`` (the rates are computed from the
incident records). Each simulated figure is pooled over replications (a share is the sum
of its numerators over the sum of its denominators), and its 95 % interval is a percentile
bootstrap over replications, which are independent worlds.

What "inside" means. An empirical figure is itself an estimate from a finite dataset: for
a share p observed on n cases its band here is p ± 2 √(p(1 − p)/n), the dataset's own 95 %
sampling band; a range given as a range (30–44 incidents a year) is used as given. A
simulated value is *inside* when its interval overlaps the band. Medians reported without
their n (the EuRepoC lags) have no sampling band; they are marked *close* when the
simulated median is within a factor 1.5 of the figure, and *far* otherwise. Figures the
model does not represent (for example whether a target conceded) are listed as not
modelled rather than dropped.
"""
from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from typing import Callable

import h5py
import numpy as np
import pandas as pd

STATE_SPONSORED = 0  # attacker_kind code (docs/hdf5-schema.md)
RUNG_SANCTION = 3


@dataclass(frozen=True)
class Band:
    """An empirical figure and the band it allows."""
    figure: str         # as the source gives it
    low: float
    high: float
    source: str
    kind: str = "share"  # share, range or median

    @staticmethod
    def share(p: float, n: int, source: str) -> "Band":
        half = 2.0 * math.sqrt(p * (1.0 - p) / n)
        return Band(f"{100 * p:.1f} % of {n}", max(0.0, p - half), min(1.0, p + half), source)


def _per_replication(incidents: pd.DataFrame, replications: np.ndarray,
                     numerator: Callable[[pd.DataFrame], pd.Series],
                     denominator: Callable[[pd.DataFrame], pd.Series]) -> tuple[np.ndarray, np.ndarray]:
    num = numerator(incidents).groupby(incidents["replication"]).sum()
    den = denominator(incidents).groupby(incidents["replication"]).sum()
    return (num.reindex(replications, fill_value=0).to_numpy(float),
            den.reindex(replications, fill_value=0).to_numpy(float))


def _bootstrap_ratio(num: np.ndarray, den: np.ndarray, rng: np.random.Generator,
                     n_boot: int) -> tuple[float, float, float]:
    estimate = num.sum() / den.sum() if den.sum() > 0 else float("nan")
    idx = rng.integers(0, len(num), size=(n_boot, len(num)))
    with np.errstate(invalid="ignore", divide="ignore"):
        boots = num[idx].sum(axis=1) / den[idx].sum(axis=1)
    low, high = np.nanpercentile(boots, [2.5, 97.5])
    return float(estimate), float(low), float(high)


def _bootstrap_median(values_by_replication: list[np.ndarray], rng: np.random.Generator,
                      n_boot: int) -> tuple[float, float, float]:
    pooled = np.concatenate(values_by_replication) if values_by_replication else np.array([])
    if pooled.size == 0:
        return float("nan"), float("nan"), float("nan")
    estimate = float(np.median(pooled))
    k = len(values_by_replication)
    boots = []
    for _ in range(n_boot):
        pick = rng.integers(0, k, size=k)
        sample = np.concatenate([values_by_replication[i] for i in pick])
        if sample.size:
            boots.append(np.median(sample))
    low, high = np.percentile(boots, [2.5, 97.5])
    return estimate, float(low), float(high)


def calibration_table(path: str, *, seed: int = 0, n_boot: int = 2000) -> pd.DataFrame:
    """One row per base rate: the band, the simulated value with its 95 % interval, and
    the verdict. Raises ValueError if the file has no /incidents."""
    with h5py.File(path, "r") as f:
        if "incidents" not in f:
            raise ValueError(f"{path} has no /incidents: run it with `cyberdeter run --incidents`")
        cols = ["replication", "attacker", "attacker_kind", "success", "detected", "landed_day",
                "rung_final", "response_day", "sanction_days"]
        data = f["incidents"].fields(cols)[:]
        incidents = pd.DataFrame({c: data[c] for c in cols})
        attackers = [a.decode() for a in f["scenario/attackers"][:]]
        replications = np.arange(int(f["scenario"].attrs["replications"]))
        horizon_years = float(f["scenario"].attrs["horizon_days"]) / 365.25
        resolved = f["scenario/resolved"][()].decode()
    sponsor = _sponsors(resolved)
    rng = np.random.default_rng(seed)
    inc = incidents
    ss = inc["attacker_kind"] == STATE_SPONSORED
    detected = inc["detected"].astype(bool)
    public = inc["rung_final"] >= 1

    rows = []

    def add(name: str, band: Band | None, value: tuple[float, float, float], unit: str,
            note: str = "") -> None:
        est, low, high = value
        if band is None:
            verdict = "not modelled"
        elif band.kind == "median":
            verdict = "close" if (band.low / 1.5 <= est <= band.low * 1.5) else "far"
        else:
            verdict = "inside" if (high >= band.low and low <= band.high) else "outside"
        rows.append({"base rate": name, "empirical": band.figure if band else "",
                     "band low": band.low if band else np.nan,
                     "band high": band.high if band else np.nan,
                     "simulated": est, "ci low": low, "ci high": high, "unit": unit,
                     "verdict": verdict, "source": band.source if band else "", "note": note})

    # DCID: volume of state-sponsored incidents a year (detected ones are the ones recorded).
    num, _ = _per_replication(inc, replications, lambda d: (ss & detected).astype(float),
                              lambda d: pd.Series(1.0, index=d.index))
    per_year = num / horizon_years
    add("state-sponsored incidents detected per year",
        Band("30-44 a year (2014-2020)", 30, 44, "DCID 2.0", "range"),
        _bootstrap_ratio(per_year, np.ones_like(per_year), rng, n_boot), "per year")

    # CFR: responses to state-sponsored operations (recorded = detected).
    n, d = _per_replication(inc, replications, lambda x: (ss & detected & public).astype(float),
                            lambda x: (ss & detected).astype(float))
    response = _bootstrap_ratio(n, d, rng, n_boot)
    add("public response to a state-sponsored operation", Band.share(0.182, 713, "CFR COT"),
        response, "share",
        "CFR counts the victim's confirmation (6.2 %) as a response; the model has no such rung")
    add("... denouncement, charges or sanctions (confirmations excluded)",
        Band.share(0.077 + 0.024 + 0.013, 713, "CFR COT"), response, "share",
        "7.7 + 2.4 + 1.3 %: the responses the model's rungs represent")
    n, d = _per_replication(inc, replications,
                            lambda x: (ss & detected & (x["rung_final"] == RUNG_SANCTION)).astype(float),
                            lambda x: (ss & detected).astype(float))
    add("sanctions against a state-sponsored operation", Band.share(0.013, 713, "CFR COT"),
        _bootstrap_ratio(n, d, rng, n_boot), "share")

    # EuRepoC: government attribution among all (recorded) incidents.
    n, d = _per_replication(inc, replications, lambda x: (detected & public).astype(float),
                            lambda x: detected.astype(float))
    add("government attribution of an incident", Band.share(0.051, 1643, "EuRepoC 1.1"),
        _bootstrap_ratio(n, d, rng, n_boot), "share")
    lags = [(g["response_day"] - g["landed_day"]).to_numpy()
            for _, g in inc[public & detected].groupby("replication")]
    add("median lag from incident to political statement (days)",
        Band("75 days", 75, 75, "EuRepoC 1.1", "median"),
        _bootstrap_median(lags, rng, min(n_boot, 500)), "days",
        "lag from landing to the public response")

    # DCID: the initiator achieved its objective.
    n, d = _per_replication(inc, replications, lambda x: (ss & detected & x["success"]).astype(float),
                            lambda x: (ss & detected).astype(float))
    add("state-sponsored operation achieved its objective", Band.share(0.858, 429, "DCID 2.0"),
        _bootstrap_ratio(n, d, rng, n_boot), "share", "success of detected operations")

    # DCID initiators among the four sponsors the scenario has.
    dcid = {"China": 115, "Russia": 113, "Iran": 65, "North Korea": 59}
    total = sum(dcid.values())
    for country, count in dcid.items():
        mine = [i for i, name in enumerate(attackers) if sponsor.get(name) == country]
        four = [i for i, name in enumerate(attackers) if sponsor.get(name) in dcid]
        n, d = _per_replication(inc, replications,
                                lambda x, m=mine: (ss & detected & x["attacker"].isin(m)).astype(float),
                                lambda x, f4=four: (ss & detected & x["attacker"].isin(f4)).astype(float))
        add(f"share of {country} among the four sponsors' incidents",
            Band.share(count / total, total, "DCID 2.0"), _bootstrap_ratio(n, d, rng, n_boot),
            "share", f"DCID: {count} of {total} incidents initiated by these four")

    # TIES: duration of imposed sanctions.
    durations = [g["sanction_days"].to_numpy()
                 for _, g in inc[inc["rung_final"] == RUNG_SANCTION].groupby("replication")]
    add("median duration of imposed sanctions (days)", Band("2 years", 730, 730, "TIES 4.1", "median"),
        _bootstrap_median(durations, rng, min(n_boot, 500)), "days")
    add("target acquiesced to sanctions, several senders vs unilateral", None,
        (float("nan"),) * 3, "", "TIES 4.1: 51.5 % vs 24.2 %. Targets do not concede in the model; "
        "coalitions raise the cost W an attacker expects instead (docs/model.md §7.3)")
    add("target conceded", None, (float("nan"),) * 3, "",
        "DCID 2.0: 2.8 %. Not represented: victims do not concede")
    return pd.DataFrame(rows)


def _sponsors(resolved_toml: str) -> dict[str, str]:
    """Attacker name -> sponsor, from /scenario/resolved."""
    import tomllib
    doc = tomllib.loads(resolved_toml)
    return {name: a.get("sponsor", "") for name, a in doc.get("attackers", {}).items()}


def to_markdown(table: pd.DataFrame) -> str:
    def fmt(row: pd.Series) -> list[str]:
        if row["verdict"] == "not modelled":
            return [row["base rate"], row["source"], "—", "—", "not modelled", row["note"]]
        if row["unit"] == "share":
            band = (f"{100 * row['band low']:.1f}–{100 * row['band high']:.1f} %"
                    f" ({row['empirical']})")
            sim = (f"{100 * row['simulated']:.1f} % ({100 * row['ci low']:.1f}–"
                   f"{100 * row['ci high']:.1f})")
        else:
            band = row["empirical"]
            sim = f"{row['simulated']:.1f} ({row['ci low']:.1f}–{row['ci high']:.1f})"
        return [row["base rate"], row["source"], band, sim, row["verdict"], row["note"]]

    lines = ["| base rate | source | empirical band | simulated (95 % CI) | verdict | note |",
             "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(fmt(r)) + " |" for _, r in table.iterrows()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m analysis.calibration",
        description="Compare a run of the world scenario (with --incidents) with the "
                    "empirical base rates of docs/validation.md §3.1.")
    parser.add_argument("file", help="output of `cyberdeter run SCENARIO --incidents`")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    args = parser.parse_args(argv)
    try:
        table = calibration_table(args.file, seed=args.seed)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.markdown:
        print(to_markdown(table))
    else:
        with pd.option_context("display.max_columns", None, "display.width", 200):
            print(table.drop(columns=["note"]).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
