"""Analysis of cyberdeter HDF5 output: effects, sensitivity, scenario discovery and reports.

Command line: ``python3 -m analysis SUBCOMMAND`` (summary, metrics, effect, dose,
sensitivity, discover, timeseries, report; ``--help`` on each).

Modules:
    io            open_file / load: run, sweep and merge files as tidy pandas frames with units
    effects       paired effects with common random numbers (t and BCa bootstrap intervals)
    doseresponse  a metric against one or two swept parameters, with intervals
    sensitivity   Sobol indices (Saltelli designs) and Morris screening
    prim          the Patient Rule Induction Method
    discovery     PRIM on a sweep, with the incident chains of the runs in each box
    timeseries    per-period means over replications with bands and event markers
    plots         matplotlib (Agg) figures saved as PNG and SVG
    report        composed analyses and the self-contained HTML report

``from analysis import open_file`` works without importing the heavier modules first.
"""

__all__ = ["open_file", "load", "CyberFile", "AnalysisError", "BadInput"]


def __getattr__(name):  # lazy: `python3 -m analysis.X` should not pay for what it does not use
    if name in __all__:
        from . import io
        return getattr(io, name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
