"""Calibration of the built-in world scenario against the empirical base rates of
docs/validation.md §3.1.

    /usr/bin/python3 -m analysis.calibration out/japan_2015_2021.h5 [--markdown] [--seed 0]

The file must come from ``cyberdeter run --incidents`` (the rates are computed from the
incident records), with the statistics the [[targets]] of
scenarios/calibration/japan_2015_2021.toml define, which `cyberdeter calibrate` computes
in every run (target_statistics; tests check the two agree run by run). Each simulated
figure is pooled over replications (the sum of its numerators over the sum of its
denominators: for a median, the mean of each replication's median), and its 95 % interval
is a percentile bootstrap over replications, which are independent worlds.

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
from pathlib import Path
from typing import Callable

import h5py
import numpy as np
import pandas as pd



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


#: The calibration file whose [[targets]] define the statistics below (one definition:
#: `cyberdeter calibrate` computes the same numerators and denominators in every run, and
#: tests/analysis/test_calibration.py checks that the two agree run by run).
TARGETS_FILE = Path(__file__).resolve().parents[1] / "scenarios/calibration/japan_2015_2021.toml"

KINDS = ("state_sponsored", "criminal", "hacktivist")
RUNGS = ("none", "attribute", "coordinate", "sanction")
VALUES = {
    "response_lag_days": lambda d: d["response_day"] - d["landed_day"],
    "sanction_days": lambda d: d["sanction_days"],
    "detection_lag_days": lambda d: d["detected_day"] - d["landed_day"],
    "attribution_lag_days": lambda d: d["attributed_day"] - d["detected_day"],
    "severity": lambda d: d["severity"],
    "damage": lambda d: d["damage"],
}


def read_targets(path=TARGETS_FILE) -> list[dict]:
    """The [[targets]] of a calibration file."""
    import tomllib
    return tomllib.loads(Path(path).read_text())["targets"]


def _names(v) -> list:
    return v if isinstance(v, list) else [v]


def _mask(inc: pd.DataFrame, spec: dict, attackers: list[str], sponsor: dict[str, str],
          states: list[str]) -> pd.Series:
    """The incidents a filter ({kind = ..., detected = true, ...}) selects, as the C++
    IncidentFilter does (models/src/deterrence/calibration.cpp)."""
    m = pd.Series(True, index=inc.index)
    if "kind" in spec:
        m &= inc["attacker_kind"].isin([KINDS.index(k) for k in _names(spec["kind"])])
    if "attacker" in spec:
        m &= inc["attacker"].isin([attackers.index(a) for a in _names(spec["attacker"])])
    if "sponsor" in spec:
        wanted = set(_names(spec["sponsor"]))
        m &= inc["attacker"].isin([i for i, a in enumerate(attackers) if sponsor.get(a) in wanted])
    if "victim" in spec:
        m &= inc["victim"].isin([states.index(v) for v in _names(spec["victim"])])
    if "rung" in spec:
        m &= inc["rung_final"].isin([RUNGS.index(r) for r in _names(spec["rung"])])
    for key, col in (("detected", "detected"), ("success", "success"), ("attributed", "attributed"),
                     ("correct", "correct"), ("mega_event", "mega_event")):
        if key in spec:
            m &= inc[col].astype(bool) == bool(spec[key])
    if "public" in spec:
        m &= (inc["rung_final"] >= 1) == bool(spec["public"])
    return m


def target_statistics(incidents: pd.DataFrame, replications: np.ndarray, attackers: list[str],
                      sponsor: dict[str, str], states: list[str], horizon_years: float,
                      targets: list[dict]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per replication, each target's numerator and denominator (a world's value is the sum
    of numerators over the sum of denominators): share = incidents of `of` matching `where`
    over incidents of `of`; per_year = incidents of `of` over the horizon in years; median
    = the replication's median of `value` over incidents of `of`, over 1 (0 when it has
    none)."""
    out = {}
    for t in targets:
        of = _mask(incidents, t.get("of", {}), attackers, sponsor, states)
        stat = t.get("statistic", "share")
        if stat == "share":
            where = _mask(incidents, t["where"], attackers, sponsor, states)
            num, den = _per_replication(incidents, replications,
                                        lambda d: (of & where).astype(float),
                                        lambda d: of.astype(float))
        elif stat == "per_year":
            num, _ = _per_replication(incidents, replications, lambda d: of.astype(float),
                                      lambda d: of.astype(float))
            den = np.full(len(replications), horizon_years)
        else:
            values = VALUES[t["value"]](incidents[of])
            med = values.groupby(incidents.loc[of, "replication"]).median()
            num = med.reindex(replications, fill_value=0.0).to_numpy(float)
            den = pd.Series(1.0, index=med.index).reindex(replications, fill_value=0.0).to_numpy(float)
        out[t["id"]] = (num, den)
    return out


def calibration_table(path: str, *, seed: int = 0, n_boot: int = 2000) -> pd.DataFrame:
    """One row per base rate: the band, the simulated value with its 95 % interval, and
    the verdict. Raises ValueError if the file has no /incidents. The statistics are those
    of the [[targets]] of TARGETS_FILE (target_statistics)."""
    with h5py.File(path, "r") as f:
        if "incidents" not in f:
            raise ValueError(f"{path} has no /incidents: run it with `cyberdeter run --incidents`")
        cols = ["replication", "attacker", "victim", "attacker_kind", "success", "detected",
                "attributed", "correct", "mega_event", "landed_day", "detected_day",
                "attributed_day", "rung_final", "response_day", "sanction_days", "severity",
                "damage"]
        data = f["incidents"].fields(cols)[:]
        incidents = pd.DataFrame({c: data[c] for c in cols})
        attackers = [a.decode() for a in f["scenario/attackers"][:]]
        states = [a.decode() for a in f["scenario/states"][:]]
        replications = np.arange(int(f["scenario"].attrs["replications"]))
        horizon_years = float(f["scenario"].attrs["horizon_days"]) / 365.25
        resolved = f["scenario/resolved"][()].decode()
    sponsor = _sponsors(resolved)
    rng = np.random.default_rng(seed)
    stats = target_statistics(incidents, replications, attackers, sponsor, states, horizon_years,
                              read_targets())

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

    def ratio(target_id: str) -> tuple[float, float, float]:
        return _bootstrap_ratio(*stats[target_id], rng, n_boot)

    # DCID: volume of state-sponsored incidents a year (detected ones are the ones recorded).
    add("state-sponsored incidents detected per year",
        Band("30-44 a year (2014-2020)", 30, 44, "DCID 2.0", "range"),
        ratio("ss_detected_per_year"), "per year")
    # CFR: responses to state-sponsored operations (recorded = detected).
    response = ratio("ss_public_response")
    add("public response to a state-sponsored operation", Band.share(0.182, 713, "CFR COT"),
        response, "share",
        "CFR counts the victim's confirmation (6.2 %) as a response; the model has no such rung")
    add("... denouncement, charges or sanctions (confirmations excluded)",
        Band.share(0.077 + 0.024 + 0.013, 713, "CFR COT"), response, "share",
        "7.7 + 2.4 + 1.3 %: the responses the model's rungs represent")
    add("sanctions against a state-sponsored operation", Band.share(0.013, 713, "CFR COT"),
        ratio("ss_sanctions"), "share")
    # EuRepoC: government attribution among all (recorded) incidents.
    add("government attribution of an incident", Band.share(0.051, 1643, "EuRepoC 1.1"),
        ratio("government_attribution"), "share")
    add("median lag from incident to political statement (days)",
        Band("75 days", 75, 75, "EuRepoC 1.1", "median"), ratio("response_lag"), "days",
        "lag from landing to the public response; mean over replications of each one's median")
    # DCID: the initiator achieved its objective.
    add("state-sponsored operation achieved its objective", Band.share(0.858, 429, "DCID 2.0"),
        ratio("ss_success"), "share", "success of detected operations")
    # DCID initiators among the four sponsors the scenario has.
    dcid = {"China": 115, "Russia": 113, "Iran": 65, "North Korea": 59}
    total = sum(dcid.values())
    for country, count in dcid.items():
        add(f"share of {country} among the four sponsors' incidents",
            Band.share(count / total, total, "DCID 2.0"),
            ratio("share_" + country.lower().replace(" ", "_")),
            "share", f"DCID: {count} of {total} incidents initiated by these four")
    # TIES: duration of imposed sanctions. Not a calibration target (the scenario sets it:
    # sanction_days = 730 / ln 2), and a replication has two or three sanctions, whose
    # median per replication would lean towards their mean: the median of them all, with a
    # bootstrap over replications.
    durations = [g["sanction_days"].to_numpy()
                 for _, g in incidents[incidents["rung_final"] == RUNGS.index("sanction")]
                 .groupby("replication")]
    add("median duration of imposed sanctions (days)", Band("2 years", 730, 730, "TIES 4.1", "median"),
        _bootstrap_median(durations, rng, min(n_boot, 500)), "days",
        "the median of every sanction (not a calibration target)")
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
