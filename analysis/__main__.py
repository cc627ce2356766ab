"""The command line: ``python3 -m analysis SUBCOMMAND ...`` (``--help`` on each).

Exit status: 0 success; 2 bad input (a file that is not a finished cyberdeter output of
this schema, an unknown metric or parameter, a bad option), with one line ``error: …``
on stderr; 1 any other failure; 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from pathlib import Path

from .io import AnalysisError, BadInput

PROG = "python3 -m analysis"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2), as the binary prints them."""

    def error(self, message: str):  # noqa: D401
        sys.stderr.write(f"error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def _level(text: str) -> float:
    v = float(text)
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1), got {text}")
    return v


def _positive(text: str) -> int:
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return v


WINDOW_HELP = ("count only days START..END of each run: days (1247..1277), dates relative to "
               "the scenario's run.start_date (2023-06-01..2023-07-01; a date is its "
               "midnight), or a mega-event's name; exact from /incidents, else whole "
               "reporting periods of /timeseries (the span used is printed)")


def _metric_help(extra: str = "") -> str:
    return ("metric: a /runs column (launched, damage, attributed, public_responses, "
            "launched_state_sponsored, …), a derived measure (success_rate, detection_rate, "
            "attribution_accuracy, mean_detection_delay, …), a ratio COLUMN/COLUMN "
            "(detected/launched), or COLUMN@STATE / COLUMN@ATTACKER (/states, /attackers; "
            "per-kind counts such as launched_state_sponsored@STATE from /incidents); "
            f"`{PROG} metrics FILE` lists them{extra}")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog=PROG, description=(
        "Analyse cyberdeter output (files of `cyberdeter run`, `sweep` or `merge`): summaries, "
        "paired policy effects, dose-response, Sobol/Morris sensitivity, scenario discovery "
        "(PRIM), time series, and a self-contained HTML report."),
        epilog="Exit status: 0 success, 2 bad input (wrong file, unknown metric or parameter, "
               "bad option), 1 other failures.")
    ap.add_argument("--traceback", action="store_true", help="show Python tracebacks of failures")
    sub = ap.add_subparsers(dest="command", metavar="SUBCOMMAND", required=True)

    p = sub.add_parser("summary", help="what the file is, and the means of its key metrics",
                       description="What the file is (kind, scenario or sweep, runs, points, "
                                   "parameters, provenance) and the means of its key metrics.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")

    p = sub.add_parser("metrics", help="list the metrics a file offers, with units",
                       description="List the metrics of a file with their units and meaning.")
    p.add_argument("file", metavar="FILE")

    p = sub.add_parser(
        "effect", help="paired effect of B vs A on a metric (two files, or two sweep points)",
        description="The difference in a metric between two run files (A.h5 B.h5) or two "
                    "points of a sweep (FILE --points P Q), paired by replication (common "
                    "random numbers), with paired t and BCa bootstrap intervals, the relative "
                    "change and a sentence for the paper.")
    p.add_argument("files", nargs="+", metavar="FILE", help="A.h5 B.h5, or SWEEP.h5 with --points")
    p.add_argument("--metric", "-m", required=True, help=_metric_help())
    p.add_argument("--points", nargs=2, type=int, metavar=("P", "Q"),
                   help="compare design points P (A) and Q (B) of one sweep file")
    p.add_argument("--labels", nargs=2, metavar=("A", "B"),
                   help="names of the two conditions (default: file names or point values)")
    p.add_argument("--what", help='the metric in words for the sentence, e.g. "state-sponsored attacks"')
    p.add_argument("--window", metavar="START..END|EVENT", help=WINDOW_HELP)
    p.add_argument("--no-displacement", dest="displace", action="store_false",
                   help="for COLUMN@STATE (or @ATTACKER): skip the effect on every other state "
                        "(attacker) and the total")
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=_positive, default=10_000, help="bootstrap resamples (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser(
        "answer", help="the answer to the question a sweep file states ([question])",
        description="The answer to the sweep file's [question]: the paired effect of each "
                    "treatment value of the compared parameter against the baseline (pooled "
                    "over the other parameters, and at each of their combinations), in the "
                    "question's window, with the displacement to other states or attackers "
                    "for a COLUMN@NAME metric; or the dose-response slope for a continuous "
                    "parameter without baseline and treatment. Options replace the "
                    "question's fields (or ask one of a sweep without [question]).")
    p.add_argument("file", metavar="SWEEP.h5")
    p.add_argument("--metric", "-m", help="replace the question's metric; " + _metric_help())
    p.add_argument("--compare", metavar="P", help="replace the compared parameter")
    p.add_argument("--baseline", metavar="V", help="a label or value of the compared parameter")
    p.add_argument("--treatment", metavar="V", action="append",
                   help="a label or value of the compared parameter (repeat for several)")
    p.add_argument("--window", metavar="START..END|EVENT", help="replace the question's window; "
                   + WINDOW_HELP)
    p.add_argument("--details", action="store_true",
                   help="also the intervals, each combination of the other parameters and "
                        "the displacement table (default: the answer's sentences)")
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=_positive, default=10_000, help="bootstrap resamples (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--helps", choices=("lower", "higher"), default="lower",
                   help="across worlds (a `sweep --worlds` file): which direction of the metric "
                        "is better (default lower: fewer attacks)")

    p = sub.add_parser("dose", help="dose-response: a metric against one or two swept parameters",
                       description="Mean of a metric per value of one or two swept parameters "
                                   "with t intervals: CSV table, PNG and SVG plot.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--metric", "-m", required=True, help=_metric_help())
    p.add_argument("--param", "-p", action="append", required=True, metavar="P",
                   help="swept parameter (name or path); give twice for two")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    p.add_argument("--bins", type=_positive, default=8,
                   help="quantile bins for a continuous parameter of a sampled design (default 8)")
    p.add_argument("--points", type=int, nargs="+", metavar="P", help="only these design points")
    p.add_argument("--window", metavar="START..END|EVENT", help=WINDOW_HELP)
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")

    p = sub.add_parser("sensitivity", help="Sobol indices (saltelli) or Morris screening (morris)",
                       description="First-order and total Sobol indices with bootstrap intervals "
                                   "and a convergence check (saltelli designs), or Morris μ*, μ, σ "
                                   "(morris designs). Each point's output is the mean of the "
                                   "metric over its replications.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--metric", "-m", required=True, help=_metric_help())
    p.add_argument("-o", "--output", metavar="DIR", help="write CSV, PNG and SVG here")
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=_positive, default=1000, help="bootstrap resamples (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default 0)")
    p.add_argument("--tolerance", type=float, default=0.05,
                   help="convergence tolerance of the Sobol indices (default 0.05)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("discover", help="PRIM boxes where an outcome occurs, with incident chains",
                       description="Scenario discovery: PRIM boxes of the parameter space where "
                                   "the metric is above (or below) a threshold, their coverage "
                                   "and density, and for each box the incident chains (attacker "
                                   "kind → attribution → response) of the runs inside vs outside "
                                   "(needs /incidents: `cyberdeter sweep --incidents`).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--metric", "-m", required=True, help=_metric_help())
    p.add_argument("--threshold", "-t", type=float, required=True, help="threshold of the outcome")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--above", dest="above", action="store_true", default=True,
                   help="outcome of interest: metric > threshold (default)")
    g.add_argument("--below", dest="above", action="store_false",
                   help="outcome of interest: metric < threshold")
    p.add_argument("-o", "--output", metavar="DIR", help="write CSV, PNG and SVG here")
    p.add_argument("--per", choices=("run", "point"), default="run",
                   help="cases: every run (default) or every design point (mean over replications)")
    p.add_argument("--alpha", type=float, default=0.05, help="peeling fraction (default 0.05)")
    p.add_argument("--min-mass", type=float, default=0.05, help="smallest box mass (default 0.05)")
    p.add_argument("--min-coverage", type=float, default=None,
                   help="choose the densest box keeping at least this share of the cases "
                        "(default: the box maximising coverage x density)")
    p.add_argument("--max-boxes", type=_positive, default=1, help="boxes to find by covering (default 1)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("timeseries", help="attacks, attributions, responses over time with bands",
                       description="Mean per reporting period over replications with a band "
                                   "(95 %% CI of the mean by default), mega-events and policy "
                                   "changes marked: CSV, PNG and SVG.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--metrics", default="launched,attributed,public_responses",
                   help="comma-separated /timeseries columns (default launched,attributed,public_responses)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    p.add_argument("--points", type=int, nargs="+", metavar="P", help="only these design points (sweeps)")
    p.add_argument("--band", choices=("ci", "runs"), default="ci",
                   help="ci: interval of the mean (default); runs: central share of the runs")
    p.add_argument("--window", metavar="START..END|EVENT",
                   help="only the reporting periods wholly inside days START..END (days, dates "
                        "or a mega-event's name, as for effect)")
    p.add_argument("--level", type=_level, default=0.95, help="level of the band (default 0.95)")

    p = sub.add_parser("plausible", help="what a calibration identifies: waves, prior against plausible",
                       description="The output of `cyberdeter calibrate`: each wave's size and "
                                   "non-implausible share, each parameter's prior and plausible "
                                   "90 %% intervals and whether the targets identify it; with -o, "
                                   "the pairs plot of the plausible worlds against the prior "
                                   "(PNG, SVG) and the tables (CSV).")
    p.add_argument("file", metavar="CALIBRATION.h5")
    p.add_argument("-o", "--output", metavar="DIR", help="write the pairs plot and tables here")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("report", help="self-contained HTML report of a file",
                       description="Write DIR/report.html (figures embedded, tables, provenance, "
                                   "scenario text), DIR/figures/*.png|svg and DIR/tables/*.csv.")
    p.add_argument("file", metavar="FILE")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory")
    p.add_argument("--metric", "-m", help="primary metric (default launched); " + _metric_help())
    p.add_argument("--discover-metric", metavar="M", help="add PRIM boxes of this metric (sweeps)")
    p.add_argument("--threshold", "-t", type=float, help="threshold for --discover-metric")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--above", dest="above", action="store_true", default=True,
                   help="outcome of interest: metric > threshold (default)")
    g.add_argument("--below", dest="above", action="store_false",
                   help="outcome of interest: metric < threshold")
    p.add_argument("--timeseries-metrics", default="launched,attributed,public_responses",
                   help="comma-separated time-series metrics")
    p.add_argument("--window", metavar="START..END|EVENT",
                   help="answer the sweep's [question] in this window instead of its own, "
                        "and count the design table, dose-response and time series over it "
                        "(default: the question's window for the answer, every day for the "
                        "rest); " + WINDOW_HELP)
    p.add_argument("--title", help="title of the page")
    p.add_argument("--level", type=_level, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--n-boot", type=_positive, default=1000, help="bootstrap resamples (default 1000)")
    return ap


def _open(path):
    from .io import open_file
    cf = open_file(path)
    for w in cf.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return cf


def _json_default(o):
    import numpy as np
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not math.isfinite(float(o)) else float(o)
    if isinstance(o, (np.bool_,)):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)


def _clean(o):
    """NaN/inf to None, recursively (valid JSON)."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def _dump(obj) -> None:
    print(json.dumps(_clean(json.loads(json.dumps(obj, default=_json_default))), indent=2,
                     ensure_ascii=False))


def _written(paths: dict) -> None:
    flat = []
    for v in paths.values():
        if isinstance(v, dict):
            flat += list(v.values())
        else:
            flat.append(v)
    for p in flat:
        print(f"wrote {p}")


def cmd_summary(a) -> int:
    from .report import key_metrics, summary_text
    with _open(a.file) as cf:
        if a.json:
            _dump({"provenance": cf.provenance(), "tables": {t: cf.h5[t].shape[0] for t in cf.tables},
                   "parameters": [p.__dict__ for p in cf.parameters],
                   "key_metrics": key_metrics(cf, level=a.level).to_dict(orient="records"),
                   "warnings": cf.warnings})
        else:
            print(summary_text(cf, level=a.level))
    return 0


def cmd_metrics(a) -> int:
    from .io import DERIVED
    with _open(a.file) as cf:
        units = cf.units("runs")
        desc = cf.descriptions("runs")
        print(f"/runs columns of {cf.path}:")
        for c in cf.columns("runs"):
            if c in ("point", "replication", "seed", "fingerprint"):
                continue
            print(f"  {c:<30} [{units[c]}]  {desc.get(c, '')}")
        print("derived:")
        for name in cf.metric_names():
            if name in DERIVED:
                spec = cf.metric_spec(name)
                print(f"  {name:<30} [{spec.unit}]  {spec.label} ({'/'.join(spec.columns)})")
        print("ratios: any COLUMN/COLUMN, e.g. detected/launched")
        from .io import KINDS
        from .window import ATTACKER_COUNTS, STATE_COUNTS
        if "states" in cf.h5:
            cols = [c for c in cf.columns("states") if c not in ("point", "replication", "state")]
            print(f"per state: COLUMN@STATE with COLUMN of /states ({', '.join(cols)}), STATE in "
                  f"{', '.join(cf.names('states'))}")
        if "incidents" in cf.h5:
            print("  and launched_state_sponsored@STATE (… _criminal, _hacktivist; succeeded_*, "
                  "damage_*) from /incidents")
        if "attackers" in cf.h5:
            cols = [c for c in cf.columns("attackers") if c not in ("point", "replication", "attacker")]
            print(f"per attacker: COLUMN@ATTACKER with COLUMN of /attackers ({', '.join(cols)}), "
                  f"ATTACKER in {', '.join(cf.names('attackers'))}")
        if "states" not in cf.h5 and "attackers" not in cf.h5 and cf.model == "deterrence":
            print("per state and per attacker: none (this file has no /states or /attackers; "
                  "sweeps write them since git 1f9edcd of cyberdeter 0.1.0)")
        if "incidents" in cf.h5:
            print(f"in a window (--window), exact from /incidents: /runs counts "
                  f"{', '.join(c for c in cf.metric_names() if c in cf.columns('runs') and _windowable(c))}"
                  f" and their ratios; per state {', '.join(c for c in STATE_COUNTS if not c.endswith(KINDS))}"
                  f" (and the per-kind counts); per attacker {', '.join(ATTACKER_COUNTS)}")
        elif "timeseries" in cf.h5:
            print("in a window (--window): /runs counts that /timeseries has, over the whole "
                  "reporting periods inside the window; per state and per attacker only with "
                  "/incidents (re-run with --incidents)")
        if "timeseries" in cf.h5:
            from .timeseries import available_metrics
            print(f"time series (timeseries --metrics): {', '.join(available_metrics(cf))}")
    return 0


def _windowable(column: str) -> bool:
    from .window import countable
    return countable(column, None)


def cmd_effect(a) -> int:
    from .report import effect_between_files, effect_between_points
    kw = dict(labels=a.labels, what=a.what, level=a.level, n_boot=a.n_boot, seed=a.seed,
              window=a.window, displace=a.displace)
    if a.points is not None:
        if len(a.files) != 1:
            raise BadInput("--points compares two points of ONE sweep file: give one FILE")
        with _open(a.files[0]) as cf:
            out = effect_between_points(cf, a.points[0], a.points[1], a.metric, **kw)
    else:
        if len(a.files) != 2:
            raise BadInput(f"effect needs two files (A.h5 B.h5), or one sweep file with "
                           f"--points P Q; got {len(a.files)} file(s)")
        with _open(a.files[0]) as fa, _open(a.files[1]) as fb:
            out = effect_between_files(fa, fb, a.metric, **kw)
    if a.json:
        _dump(out.to_dict())
    else:
        print(out.text())
    return 0


def cmd_answer(a) -> int:
    from .question import answer, read_question
    from .worlds import across_worlds, is_worlds_sweep
    with _open(a.file) as cf:
        q = read_question(cf, metric=a.metric, compare=a.compare, baseline=a.baseline,
                          treatment=a.treatment)
        if is_worlds_sweep(cf):
            res = across_worlds(cf, q, helps=a.helps, window=a.window, seed=a.seed)
            if a.json:
                _dump(res.to_dict())
            else:
                if q.text:
                    print(f"Question: {q.text}")
                print(res.text() if a.details else "\n".join(res.sentences()))
            return 0
        ans = answer(cf, q, level=a.level, n_boot=a.n_boot, seed=a.seed, window=a.window)
    if a.json:
        _dump(ans.to_dict())
    else:
        print(ans.text(details=a.details))
    return 0


def cmd_plausible(a) -> int:
    from .worlds import pairs_plot, prior_sample, read_plausible
    pl = read_plausible(a.file)
    if a.json:
        _dump({"parameters": pl.parameters.to_dict(orient="records"),
               "waves": pl.waves.to_dict(orient="records"),
               "plausible": int(pl.worlds["plausible"].sum())})
    else:
        print(pl.text())
    if a.output:
        from pathlib import Path
        import numpy as np
        import pandas as pd
        from .plots import plt, save
        out = Path(a.output)
        out.mkdir(parents=True, exist_ok=True)
        rng = np.random.default_rng(0)
        prior = pd.DataFrame({r["name"]: prior_sample(r, 2000, rng)
                              for _, r in pl.parameters.iterrows()})
        chosen = pl.worlds[pl.worlds["plausible"] == 1]
        fig = pairs_plot(chosen, prior, pl.names)
        paths = save(fig, out, "plausible_pairs")
        plt.close(fig)
        pl.parameters.to_csv(out / "parameters.csv", index=False)
        pl.waves.to_csv(out / "waves.csv", index_label="wave")
        chosen.to_csv(out / "plausible_worlds.csv", index=False)
        if not a.json:
            _written({"pairs plot": paths["png"], "svg": paths["svg"],
                      "tables": out / "parameters.csv"})
    return 0


def cmd_dose(a) -> int:
    from .doseresponse import dose_response
    with _open(a.file) as cf:
        dr = dose_response(cf, a.metric, a.param, level=a.level, bins=a.bins, points=a.points,
                           window=a.window)
        paths = dr.write(a.output)
    import pandas as pd
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(dr.table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(dr.note())
    _written(paths)
    return 0


def cmd_sensitivity(a) -> int:
    from .report import sensitivity
    with _open(a.file) as cf:
        s = sensitivity(cf, a.metric, level=a.level, n_boot=a.n_boot, seed=a.seed,
                        tolerance=a.tolerance)
    if a.json:
        extra = {}
        if s.method == "sobol":
            extra = {"converged": bool(s.result.converged), "n": int(s.result.n),
                     "convergence": s.result.convergence.to_dict(orient="records")}
        else:
            extra = {"r": int(s.result.r)}
        _dump({"method": s.method, "metric": s.metric, "unit": s.unit,
               "replications": s.replications, "noise_share": s.noise_share,
               "indices": s.table.to_dict(orient="records"), "notes": s.notes, **extra})
    else:
        print(s.text())
    if a.output:
        paths = s.write(a.output)
        if not a.json:
            _written(paths)
    return 0


def cmd_discover(a) -> int:
    from .discovery import discover
    with _open(a.file) as cf:
        d = discover(cf, a.metric, a.threshold, above=a.above, per=a.per, alpha=a.alpha,
                     min_mass=a.min_mass, max_boxes=a.max_boxes, min_coverage=a.min_coverage)
        paths = d.write(a.output) if a.output else {}
    if a.json:
        _dump({"outcome": d.outcome, "cases": d.n_cases, "n": d.n, "per": d.per,
               "boxes": [{"box": b.index, "coverage": b.box.coverage, "density": b.box.density,
                          "mass": b.box.mass, "n": b.box.n, "runs_inside": b.runs_inside,
                          "limits": b.limits.to_dict(orient="records"), "reason": b.reason,
                          "chains": (b.chains.head(10).to_dict(orient="records")
                                     if b.chains is not None else None)}
                         for b in d.boxes], "notes": d.notes})
    else:
        print(d.text())
        for b in d.boxes:
            if b.chains is not None and len(b.chains):
                print(f"Box {b.index}: top incident chains (share of incidents inside | outside)")
                for r in b.chains.head(6).itertuples():
                    outside = (f"{r.share_outside:6.1%}" if r.share_outside == r.share_outside
                               else "     —")
                    print(f"    {r.chain:<58} {r.share_inside:6.1%} | {outside}")
        _written(paths)
    return 0


def cmd_timeseries(a) -> int:
    from .timeseries import timeseries
    metrics = [m for m in a.metrics.split(",") if m.strip()]
    with _open(a.file) as cf:
        ts = timeseries(cf, metrics, points=a.points, level=a.level, band=a.band, window=a.window)
        paths = ts.write(a.output)
    print(ts.note())
    _written(paths)
    return 0


def cmd_report(a, argv) -> int:
    from .report import build_report
    if (a.discover_metric is None) != (a.threshold is None):
        raise BadInput("--discover-metric and --threshold go together")
    out = build_report(a.file, a.output, metric=a.metric, discover_metric=a.discover_metric,
                       threshold=a.threshold, above=a.above, level=a.level, n_boot=a.n_boot,
                       title=a.title, argv=argv, window=a.window,
                       timeseries_metrics=[m for m in a.timeseries_metrics.split(",") if m.strip()])
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        a = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    handlers = {"summary": cmd_summary, "metrics": cmd_metrics, "effect": cmd_effect,
                "answer": cmd_answer, "plausible": cmd_plausible,
                "dose": cmd_dose, "sensitivity": cmd_sensitivity, "discover": cmd_discover,
                "timeseries": cmd_timeseries}
    try:
        if a.command == "report":
            return cmd_report(a, argv)
        return handlers[a.command](a)
    except AnalysisError as e:
        if a.traceback:
            traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
        return e.status
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        if a.traceback:
            traceback.print_exc()
        print(f"error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # a bug: say what and where, in one line
        if a.traceback:
            traceback.print_exc()
        print(f"error: internal error: {type(e).__name__}: {e} (rerun with --traceback "
              f"for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
