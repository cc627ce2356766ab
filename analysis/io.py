"""Reading cyberdeter's HDF5 files (run, sweep and merge output) into tidy pandas frames.

    from analysis.io import open_file
    with open_file("out/minimal.h5") as f:
        runs = f.runs(["launched", "damage"])        # reads only these fields (+ the keys)
        runs.attrs["units"]                          # {"point": "1", ..., "damage": "notional VU"}
        incidents = f.incidents()                    # index columns decoded to categoricals

Every frame carries ``attrs["units"]`` and ``attrs["descriptions"]`` (column -> text, as
the file gives them), ``attrs["table"]``, ``attrs["source"]`` and ``attrs["value_unit"]``
(what one VU means in the scenario). Metrics (:class:`MetricSpec`) carry a display unit
in which "VU" is replaced by the scenario's ``value_unit`` when it gives one.

Columns are read lazily: ``columns=[...]`` reads only those fields of the compound dataset
(h5py's ``Dataset.fields``), so memory grows with the columns asked for, not the table's
width. Fixed-length string columns are decoded to ``str``; index columns (``state``,
``victim``, ``target``, ``attacker``, ``named``, ``sector``, ``attacker_kind``, ``rung_*``)
become categoricals over the names in ``/scenario`` (``decode=False`` keeps the integers;
``named = -1`` becomes missing).

Metrics (:func:`metric_spec`, :meth:`CyberFile.metric`) are any ``/runs`` column, a
derived measure (:data:`DERIVED`), a ratio of two columns (``"detected/launched"``), or a
per-state / per-attacker column of a run or sweep file (``"launched@Japan"`` from ``/states``,
``"named@APT10"`` from ``/attackers``; ``launched_state_sponsored@Japan`` and the other
per-kind counts come from ``/incidents`` when the file has it).

Refused with :class:`BadInput` (exit status 2 on the command line): a half-written file
(``NAME.partial-PID``), a sweep checkpoint under ``OUT.h5.parts/``, a file that is not
HDF5 or not cyberdeter output, and a file of another schema major version.
"""
from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import h5py
import numpy as np
import pandas as pd

#: The schema version this package was written for (docs/hdf5-schema.md).
SCHEMA_VERSION = "0.1"

#: Tables of the deterrence model and the columns that identify a row.
KEYS = {
    "runs": ("point", "replication"),
    "timeseries": ("point", "replication", "period"),
    "states": ("point", "replication", "state"),
    "attackers": ("point", "replication", "attacker"),
    "beliefs": ("point", "replication", "attacker", "state"),
    "incidents": ("point", "replication", "incident"),
    "choices": ("replication", "decision", "target"),
}

#: Index columns and the /scenario name list they index.
NAME_LISTS = {
    "state": "states", "victim": "states", "target": "states",
    "attacker": "attackers", "named": "attackers",
    "sector": "sectors",
    "attacker_kind": "attacker_kinds",
    "rung_decided": "rungs", "rung_final": "rungs",
}

KINDS = ("state_sponsored", "criminal", "hacktivist")


class AnalysisError(Exception):
    """A failure the command line reports in one line; ``status`` is its exit status."""

    status = 1


class BadInput(AnalysisError):
    """Wrong file, unknown metric or parameter, bad option: exit status 2."""

    status = 2


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _text(value) -> str:
    """An attribute or scalar string dataset's value as str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value[()])
    if isinstance(value, np.generic):
        return _text(value.item())
    return str(value)


def _str_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        return [_text(value)]
    return [_text(v) for v in np.asarray(value).ravel()]


def _plain(value):
    """numpy scalars and arrays to plain Python (for JSON and tables)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.shape else _plain(value[()])
    if isinstance(value, np.generic):
        return value.item()
    return value


def toml_literal(text: str):
    """The value of one TOML literal (``'true'``, ``'0.5'``, ``'"Japan"'``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


PARTIAL = re.compile(r"\.partial-\d+$")


def check_path(path: str | os.PathLike) -> Path:
    """Refuses (BadInput) paths that cannot be a finished cyberdeter output file."""
    p = Path(path)
    if PARTIAL.search(p.name):
        final = PARTIAL.sub("", p.name)
        raise BadInput(
            f"{p}: a half-written file: the run that was writing it did not finish "
            f"(files are written as NAME.partial-PID and renamed to NAME ('{final}') when "
            f"complete); rerun the command, or for a sweep run the same command with "
            f"--resume to continue it")
    if p.parent.name.endswith(".parts"):
        raise BadInput(
            f"{p}: a checkpoint of an unfinished sweep (in {p.parent.name}/), not an "
            f"output file; run the same `cyberdeter sweep` command with --resume to finish "
            f"it, then analyse {p.parent.name[:-len('.parts')]}")
    if not p.exists():
        raise BadInput(f"{p}: no such file")
    if p.is_dir():
        raise BadInput(f"{p}: is a directory, not an HDF5 file")
    if not h5py.is_hdf5(p):
        raise BadInput(f"{p}: not an HDF5 file (expected the output of cyberdeter run, "
                       f"sweep or merge)")
    return p


def _check_schema(p: Path, version: str) -> None:
    mine = SCHEMA_VERSION.split(".")[0]
    theirs = version.split(".")[0]
    if theirs != mine:
        raise BadInput(
            f"{p}: schema version {version}, but this analysis package reads schema "
            f"version {SCHEMA_VERSION} (major version {mine}); use the analysis package "
            f"of the cyberdeter version that wrote the file")


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: its name and path, and what the sweep file said about it."""

    name: str
    path: str
    values: tuple | None = None        # decoded `values`, or None for a range
    literals: tuple | None = None      # the TOML literals of `values`
    labels: tuple | None = None        # the sweep file's `labels` of `values`, if it gave them
    lo: float | None = None
    hi: float | None = None
    log: bool = False
    integer: bool = False
    steps: int | None = None

    @property
    def kind(self) -> str:
        if self.values is not None:
            if all(isinstance(v, bool) for v in self.values):
                return "boolean"
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.values):
                return "numeric values"
            return "categorical"
        return ("integer range" if self.integer else "log range" if self.log else "range")

    @property
    def value_names(self) -> tuple | None:
        """How analysis output names each of `values`: its label if the sweep file gave
        `labels`, else a string as itself, a table or array as its TOML literal."""
        if self.values is None:
            return None
        if self.labels is not None:
            return self.labels
        return tuple(lit if isinstance(v, (dict, list)) else str(v)
                     for v, lit in zip(self.values, self.literals or self.values))

    def at(self, u: np.ndarray) -> np.ndarray:
        """The stored design value at unit coordinates u (cyberdeter's mapping, sweep.cpp)."""
        u = np.minimum(np.asarray(u, dtype=float), np.nextafter(1.0, 0.0))
        if self.values is not None:
            n = len(self.values)
            return np.minimum(np.floor(u * n), n - 1).astype(float)
        if self.integer:
            span = self.hi - self.lo + 1.0
            return np.minimum(self.lo + np.floor(u * span), self.hi)
        if self.log:
            return np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        return self.lo + u * (self.hi - self.lo)

    def unit(self, stored: np.ndarray) -> np.ndarray:
        """Approximate inverse of :meth:`at` (centre of the cell for discrete parameters)."""
        v = np.asarray(stored, dtype=float)
        if self.values is not None:
            return (v + 0.5) / len(self.values)
        if self.lo is None:
            return v
        if self.integer:
            return (v - self.lo + 0.5) / (self.hi - self.lo + 1.0)
        if self.log:
            return (np.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (v - self.lo) / (self.hi - self.lo)


@dataclass(frozen=True)
class MetricSpec:
    """How to compute a metric per run: the columns it needs from a table and a function."""

    name: str
    table: str
    columns: tuple[str, ...]
    compute: Callable[[pd.DataFrame], pd.Series] = field(repr=False)
    unit: str
    label: str
    entity: str | None = None   # "state" or "attacker" for NAME@X metrics
    member: str | None = None   # the state's or attacker's name


#: Derived per-run measures: name -> (numerator, denominator, unit, label).
DERIVED = {
    "success_rate": ("succeeded", "launched", "1", "share of launched operations that succeeded"),
    "detection_rate": ("detected", "launched", "1", "share of launched operations detected"),
    "attribution_rate": ("attributed", "launched", "1",
                         "share of launched operations attributed (an actor named internally)"),
    "attribution_accuracy": ("attributed_correct", "attributed", "1",
                             "share of attributions naming the culprit"),
    "response_rate": ("public_responses", "attributed", "1",
                      "share of attributions answered publicly"),
    "state_sponsored_share": ("launched_state_sponsored", "launched", "1",
                              "share of launched operations by state-sponsored attackers"),
    "mean_detection_delay": ("detection_delay_days_sum", "detected", "day",
                             "mean landing → detection delay"),
    "mean_attribution_delay": ("attribution_delay_days_sum", "attributed", "day",
                               "mean detection → judgement delay"),
    "mean_response_delay": ("response_delay_days_sum", "public_responses", "day",
                            "mean landing → public response delay"),
    "mean_coalition_signers": ("coalition_signers_sum", "coalitions_invited", "states",
                               "mean signers of a coalition response"),
    "damage_per_attack": ("damage", "launched", "VU", "damage per launched operation"),
}


def _ratio(num: str, den: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(df: pd.DataFrame) -> pd.Series:
        n = df[num].to_numpy(dtype=float)
        d = df[den].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(d != 0, n / np.where(d != 0, d, 1.0), np.nan)
        return pd.Series(out, index=df.index)
    return compute


def _column(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(df: pd.DataFrame) -> pd.Series:
        return pd.Series(df[col].to_numpy(dtype=float), index=df.index)
    return compute


def _ratio_unit(a: str, b: str) -> str:
    if a == b:
        return "1"
    if b in ("count", "1"):
        return a if a != "count" else "1"
    return f"{a}/{b}"


def _safe(text: str) -> str:
    """A file-name-safe form of a metric or parameter name."""
    text = text.replace("/", "_per_").replace("@", "_at_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "x"


class CyberFile:
    """An open, checked cyberdeter output file; see the module docstring."""

    def __init__(self, path: str | os.PathLike):
        self.path = check_path(path)
        try:
            self.h5 = h5py.File(self.path, "r")
        except OSError as e:
            raise BadInput(f"{self.path}: cannot be opened as HDF5 ({e})") from None
        try:
            self._check()
        except BaseException:
            self.h5.close()
            raise
        self._cache: dict = {}
        self.warnings: list[str] = []
        if self.kind == "sweep" and not self.complete:
            a = self.sweep_attrs
            self.warnings.append(
                f"{self.path} holds {a.get('tasks', '?')} of {a.get('total_tasks', '?')} tasks "
                f"of the sweep (shard {a.get('shard') or '?'}): merge the shards with "
                f"`cyberdeter merge` to analyse the whole sweep")

    # -- identity ------------------------------------------------------------------------
    def _check(self) -> None:
        attrs = self.h5.attrs
        program = _text(attrs["program"]) if "program" in attrs else None
        if program != "cyberdeter":
            what = f"its program attribute is '{program}'" if program else "it has no program attribute"
            raise BadInput(f"{self.path}: not a cyberdeter output file ({what}; expected "
                           f"the output of cyberdeter run, sweep or merge)")
        version = _text(attrs.get("schema_version", ""))
        if not version:
            raise BadInput(f"{self.path}: no schema_version attribute; this analysis package "
                           f"reads schema version {SCHEMA_VERSION}")
        _check_schema(self.path, version)
        # An interrupted war-game session has its decisions but no runs yet.
        if "runs" not in self.h5 and "wargame" not in self.h5:
            raise BadInput(f"{self.path}: has no /runs table (not a finished cyberdeter output file)")

    def close(self) -> None:
        self.h5.close()

    def __enter__(self) -> "CyberFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"CyberFile({str(self.path)!r}, kind={self.kind!r}, runs={self.n_runs})"

    @property
    def attrs(self) -> dict:
        return {k: _plain(v) for k, v in self.h5.attrs.items()}

    @property
    def kind(self) -> str:
        """``"run"`` (cyberdeter run) or ``"sweep"`` (cyberdeter sweep or merge)."""
        return "sweep" if "sweep" in self.h5 else "run"

    @property
    def producer(self) -> str:
        """The command that wrote the file: ``run``, ``sweep`` or ``merge``."""
        words = _text(self.h5.attrs.get("command_line", "")).split()
        for w in words[1:3]:
            if w in ("run", "sweep", "merge", "wargame"):
                return w
        return self.kind

    @property
    def model(self) -> str:
        if "scenario" in self.h5:
            return _text(self.h5["scenario"].attrs.get("model", "deterrence"))
        return "unknown"

    @property
    def scenario_attrs(self) -> dict:
        if "scenario" not in self.h5:
            return {}
        return {k: _plain(v) for k, v in self.h5["scenario"].attrs.items()}

    @property
    def sweep_attrs(self) -> dict:
        if "sweep" not in self.h5:
            return {}
        return {k: _plain(v) for k, v in self.h5["sweep"].attrs.items()}

    @property
    def design_attrs(self) -> dict:
        if "design" not in self.h5:
            return {}
        return {k: _plain(v) for k, v in self.h5["design"].attrs.items()}

    @property
    def complete(self) -> bool:
        return self.kind == "run" or bool(self.sweep_attrs.get("complete", 1))

    @property
    def name(self) -> str:
        """The sweep's name (sweeps) or the scenario's name."""
        if self.kind == "sweep" and self.sweep_attrs.get("name"):
            return str(self.sweep_attrs["name"])
        return str(self.scenario_attrs.get("name", "") or self.path.stem)

    @property
    def replications(self) -> int:
        if self.kind == "sweep":
            return int(self.sweep_attrs.get("replications", self.design_attrs.get("replications", 1)))
        return int(self.scenario_attrs.get("replications", self.n_runs))

    @property
    def master_seed(self) -> int | None:
        seed = (self.sweep_attrs if self.kind == "sweep" else self.scenario_attrs).get("master_seed")
        return None if seed is None else int(seed)

    @property
    def design_kind(self) -> str | None:
        return self.design_attrs.get("kind") if self.kind == "sweep" else None

    @property
    def common_random_numbers(self) -> bool:
        return self.kind == "run" or bool(self.design_attrs.get("common_random_numbers", 1))

    @property
    def n_runs(self) -> int:
        return int(self.h5["runs"].shape[0]) if "runs" in self.h5 else 0

    @property
    def n_points(self) -> int:
        if "design" in self.h5 and "point" in self.h5["design"]:
            return int(self.h5["design/point"].shape[0])
        return 1

    @property
    def value_unit(self) -> str:
        return str(self.scenario_attrs.get("value_unit", "") or "")

    def provenance(self) -> dict:
        """Everything a replication package needs to say where the numbers came from."""
        a = self.attrs
        s = self.scenario_attrs
        out = {
            "file": str(self.path),
            "kind": f"{self.kind} (written by cyberdeter {self.producer})",
            "program": a.get("program"),
            "program_version": a.get("program_version"),
            "git_revision": a.get("git_revision"),
            "command_line": a.get("command_line"),
            "created_utc": a.get("created_utc"),
            "schema_version": a.get("schema_version"),
            "model": s.get("model"),
            "scenario": s.get("name"),
            "scenario_source": s.get("source_path"),
            "master_seed": self.master_seed,
            "replications": self.replications,
            "horizon_days": s.get("horizon_days"),
            "reporting_days": s.get("reporting_days"),
            "start_date": s.get("start_date"),
            "value_unit": s.get("value_unit"),
            "runs": self.n_runs,
        }
        if self.kind == "sweep":
            w = self.sweep_attrs
            d = self.design_attrs
            out.update({
                "sweep": w.get("name"),
                "sweep_source": w.get("source_path"),
                "sweep_id": w.get("sweep_id"),
                "sweep_sha1": w.get("sweep_sha1"),
                "sweep_program_version": w.get("program_version"),
                "design": d.get("kind"),
                "points": self.n_points,
                "parameters": ", ".join(f"{p.name} ({p.path})" for p in self.parameters),
                "common_random_numbers": bool(d.get("common_random_numbers", 1)),
                "tasks": f"{w.get('tasks')} of {w.get('total_tasks')}",
                "shard": w.get("shard") or "(whole sweep)",
                "complete": bool(w.get("complete", 1)),
            })
        return {k: v for k, v in out.items() if v is not None and v != ""}

    # -- names and texts -----------------------------------------------------------------
    def names(self, which: str) -> list[str]:
        """Names in /scenario/WHICH (states, attackers, sectors, rungs, attacker_kinds)."""
        key = ("names", which)
        if key not in self._cache:
            path = f"scenario/{which}"
            self._cache[key] = ([_text(v) for v in self.h5[path][()]] if path in self.h5 else [])
        return self._cache[key]

    def _scalar_text(self, path: str) -> str:
        if path not in self.h5:
            return ""
        return _text(self.h5[path][()])

    @property
    def scenario_text(self) -> str:
        """The scenario file as read (the base scenario of a sweep)."""
        return self._scalar_text("scenario/text")

    @property
    def resolved_text(self) -> str:
        """Every parameter after defaults and overrides, as TOML."""
        return self._scalar_text("scenario/resolved")

    @property
    def sweep_text(self) -> str:
        return self._scalar_text("sweep/text")

    @property
    def scenario(self) -> dict:
        """The resolved scenario, parsed."""
        if "scenario" not in self._cache:
            text = self.resolved_text or self.scenario_text
            try:
                self._cache["scenario"] = tomllib.loads(text) if text else {}
            except tomllib.TOMLDecodeError:
                self._cache["scenario"] = {}
        return self._cache["scenario"]

    @property
    def sweep_spec(self) -> dict:
        """The sweep file, parsed."""
        if "sweep_spec" not in self._cache:
            text = self.sweep_text
            try:
                self._cache["sweep_spec"] = tomllib.loads(text) if text else {}
            except tomllib.TOMLDecodeError:
                self._cache["sweep_spec"] = {}
        return self._cache["sweep_spec"]

    def events(self) -> pd.DataFrame:
        """Mega-events and policy changes of the (base) scenario, for time-series markers.

        Columns: kind (``mega_event`` or ``policy_change``), label, start_day, end_day.
        """
        rows = []
        sc = self.scenario
        for m in sc.get("mega_events", []) or []:
            name = m.get("name") or "mega-event"
            rows.append({"kind": "mega_event",
                         "label": f"{name} ({m.get('host', '?')}, ×{m.get('value_multiplier', 2)})",
                         "start_day": float(m.get("start_day", 0.0)),
                         "end_day": float(m.get("end_day", m.get("start_day", 0.0)))})
        for c in sc.get("policy_changes", []) or []:
            what = []
            if "enabled" in c:
                what.append("on" if c["enabled"] else "off")
            if "threshold" in c:
                what.append(f"threshold {c['threshold']}")
            rows.append({"kind": "policy_change",
                         "label": f"{c.get('state', '?')} {c.get('rung', '?')} {' '.join(what)}".strip(),
                         "start_day": float(c.get("day", 0.0)),
                         "end_day": float(c.get("day", 0.0))})
        horizon = self.scenario_attrs.get("horizon_days")
        df = pd.DataFrame(rows, columns=["kind", "label", "start_day", "end_day"])
        if horizon is not None and len(df):
            df = df[df.start_day <= float(horizon)].reset_index(drop=True)
        return df

    # -- tables --------------------------------------------------------------------------
    @property
    def tables(self) -> list[str]:
        """Names of the tables (1-D compound datasets at the root)."""
        return [k for k, v in self.h5.items()
                if isinstance(v, h5py.Dataset) and v.dtype.names is not None]

    def columns(self, table: str) -> list[str]:
        self._need(table)
        return list(self.h5[table].dtype.names)

    def _need(self, table: str) -> h5py.Dataset:
        if table not in self.h5 or not isinstance(self.h5[table], h5py.Dataset):
            hint = {
                "incidents": " (run with `cyberdeter run --incidents`, or `cyberdeter sweep "
                             "--incidents`)",
                "choices": " (run with `cyberdeter run --choices`)",
                "timeseries": " (sweeps write it with `cyberdeter sweep --timeseries`)",
                "states": " (sweeps write it since git 1f9edcd of cyberdeter 0.1.0: re-run "
                          "an older sweep)",
                "attackers": " (sweeps write it since git 1f9edcd of cyberdeter 0.1.0: re-run "
                             "an older sweep)",
                "beliefs": " (only run files have it)",
            }.get(table, "")
            raise BadInput(f"{self.path}: has no /{table} table{hint}")
        return self.h5[table]

    def units(self, table: str) -> dict[str, str]:
        ds = self._need(table)
        names = ds.dtype.names
        units = _str_list(ds.attrs.get("units"))
        out = {}
        for i, n in enumerate(names):
            u = units[i] if i < len(units) else _text(ds.attrs.get(f"{n}_unit", ""))
            out[n] = u
        return out

    def descriptions(self, table: str) -> dict[str, str]:
        ds = self._need(table)
        names = ds.dtype.names
        texts = _str_list(ds.attrs.get("descriptions"))
        return {n: (texts[i] if i < len(texts) else _text(ds.attrs.get(f"{n}_description", "")))
                for i, n in enumerate(names)}

    def _vu(self, unit: str) -> str:
        """A unit for display: "VU" becomes the scenario's value_unit when it gives one."""
        vu = self.value_unit
        if unit == "VU" and vu:
            return vu
        return unit

    def table(self, name: str, columns: Sequence[str] | None = None, *, keys: bool = True,
              decode: bool = True, rows: slice | None = None) -> pd.DataFrame:
        """Table NAME as a DataFrame; only COLUMNS (plus the key columns) are read."""
        ds = self._need(name)
        available = list(ds.dtype.names)
        if columns is None:
            wanted = available
        else:
            if isinstance(columns, str):
                columns = [columns]
            for c in columns:
                if c not in available:
                    raise BadInput(f"{self.path}: /{name} has no column '{c}'"
                                   f"{did_you_mean(c, available)}")
            wanted = ([k for k in KEYS.get(name, ()) if k in available and k not in columns]
                      if keys else []) + list(columns)
            wanted = [c for c in available if c in set(wanted)]  # file order
        sel = rows if rows is not None else slice(None)
        if ds.shape[0] == 0:
            data = np.zeros(0, dtype=[(c, ds.dtype.fields[c][0]) for c in wanted])
        elif wanted == available:
            data = ds[sel]
        else:
            data = ds.fields(list(wanted))[sel]
        df = pd.DataFrame(data if data.dtype.names else {wanted[0]: data}, copy=False)
        for c in df.columns:
            kind = df[c].dtype.kind
            if kind == "S":
                df[c] = np.char.decode(df[c].to_numpy().astype(bytes), "utf-8")
            elif kind == "O" and len(df) and isinstance(df[c].iloc[0], bytes):
                df[c] = df[c].str.decode("utf-8")
        if decode:
            self._decode(df)
        units = self.units(name)
        desc = self.descriptions(name)
        df.attrs = {"table": name, "source": str(self.path),
                    "units": {c: units.get(c, "") for c in df.columns},
                    "descriptions": {c: desc.get(c, "") for c in df.columns},
                    "value_unit": self.value_unit or "VU"}
        return df

    def _decode(self, df: pd.DataFrame) -> None:
        for c in df.columns:
            which = NAME_LISTS.get(c)
            if which is None:
                continue
            names = self.names(which)
            if not names:
                continue
            codes = df[c].to_numpy().astype(np.int64)
            if len(codes) and (codes.max() >= len(names) or codes.min() < -1):
                continue  # not an index into the list: leave the numbers
            df[c] = pd.Categorical.from_codes(codes, categories=names)

    def runs(self, columns=None, **kw) -> pd.DataFrame:
        """/runs: one row per run (point × replication)."""
        return self.table("runs", columns, **kw)

    def timeseries(self, columns=None, **kw) -> pd.DataFrame:
        """/timeseries: one row per run and reporting period."""
        return self.table("timeseries", columns, **kw)

    def incidents(self, columns=None, **kw) -> pd.DataFrame:
        """/incidents: every incident's record (needs --incidents)."""
        return self.table("incidents", columns, **kw)

    def choices(self, columns=None, **kw) -> pd.DataFrame:
        """/choices: every target weighed at every decision (needs --choices)."""
        return self.table("choices", columns, **kw)

    def states(self, columns=None, **kw) -> pd.DataFrame:
        return self.table("states", columns, **kw)

    # ---- war-game sessions (cyberdeter wargame; docs/wargame.md) -------------------------

    @property
    def is_session(self) -> bool:
        """True for a war-game session file (it has /wargame)."""
        return "wargame" in self.h5

    @property
    def session_attrs(self) -> dict:
        """/wargame's attributes: played, status, turn_days, delegate_below, seed, ..."""
        if not self.is_session:
            raise BadInput(f"{self.path}: not a war-game session (no /wargame)")
        out = {k: _plain(v) for k, v in self.h5["wargame"].attrs.items()}
        out["played"] = _str_list(self.h5["wargame"].attrs.get("played", []))
        return out

    def decisions(self, briefs: bool = False) -> pd.DataFrame:
        """/wargame/decisions, one row per decision, with names decoded: kind (respond, join,
        turn, inject, override), source (player, file, doctrine, timeout, jump), state, named and leader (the state
        that invited) as names, the decision in
        words (`action`) and, with BRIEFS, the brief that was shown."""
        self.session_attrs  # noqa: B018 - raises BadInput for other files
        df = self.table("wargame/decisions", decode=False)
        df["kind"] = pd.Categorical.from_codes(df["kind"].astype(np.int64),
                                               categories=["respond", "join", "turn", "inject",
                                                           "override"])
        df["source"] = pd.Categorical.from_codes(df["source"].astype(np.int64),
                                                 categories=["player", "file", "doctrine",
                                                             "timeout", "jump"])
        for col, which in (("state", "states"), ("named", "attackers"), ("leader", "states")):
            names = self.names(which)
            codes = df[col].to_numpy().astype(np.int64)
            if names and (len(codes) == 0 or codes.max() < len(names)):
                df[col] = pd.Categorical.from_codes(codes, categories=names)
        n = len(df)
        df["action"] = _str_list(self.h5["wargame/actions"][()]) if n else []
        if briefs:
            # A decision shown no brief of its own (a turn's later actions) stores " ".
            df["brief"] = ([b.strip() for b in _str_list(self.h5["wargame/briefs"][()])]
                           if n else [])
        return df

    def counterfactual(self, table: str = "runs", **kw) -> pd.DataFrame:
        """A table of the session's counterfactual: the same replication played by the
        doctrine (`runs`, `states` or `incidents`)."""
        if not self.is_session:
            raise BadInput(f"{self.path}: not a war-game session (no /wargame)")
        return self.table(f"wargame/counterfactual/{table}", **kw)

    def attackers(self, columns=None, **kw) -> pd.DataFrame:
        return self.table("attackers", columns, **kw)

    def beliefs(self, columns=None, **kw) -> pd.DataFrame:
        return self.table("beliefs", columns, **kw)

    # -- the design ----------------------------------------------------------------------
    @property
    def parameters(self) -> list[Parameter]:
        """The swept parameters in the sweep file's order ([] for a run file)."""
        if "parameters" in self._cache:
            return self._cache["parameters"]
        out = []
        if "design" in self.h5:
            g = self.h5["design"]
            names = _str_list(g.attrs.get("parameters"))
            paths = _str_list(g.attrs.get("paths"))
            spec = {}
            for p in self.sweep_spec.get("parameters", []) or []:
                spec[p.get("name", p.get("path"))] = p
            for i, n in enumerate(names):
                path = paths[i] if i < len(paths) else _text(g[n].attrs.get("path", ""))
                s = spec.get(n, {})
                literals = _str_list(g[n].attrs["values"]) if n in g and "values" in g[n].attrs else None
                if literals is not None:
                    labels = _str_list(g[n].attrs["labels"]) if "labels" in g[n].attrs else None
                    out.append(Parameter(n, path, values=tuple(toml_literal(v) for v in literals),
                                         literals=tuple(literals),
                                         labels=tuple(labels) if labels else None))
                    continue
                rng = s.get("range")
                if rng and len(rng) == 2:
                    out.append(Parameter(
                        n, path, lo=float(rng[0]), hi=float(rng[1]),
                        log=s.get("scale", "linear") == "log",
                        integer=all(isinstance(v, int) and not isinstance(v, bool) for v in rng),
                        steps=s.get("steps")))
                else:
                    vals = g[n][()] if n in g else np.zeros(0)
                    out.append(Parameter(n, path,
                                         lo=float(np.min(vals)) if len(vals) else None,
                                         hi=float(np.max(vals)) if len(vals) else None))
        self._cache["parameters"] = out
        return out

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name or p.path == name:
                return p
        names = [p.name for p in self.parameters]
        if not names:
            raise BadInput(f"{self.path}: a run file has no swept parameters (parameters "
                           f"come from a sweep's /design)")
        raise BadInput(f"{self.path}: unknown parameter '{name}'{did_you_mean(name, names)}; "
                       f"the sweep varies {', '.join(names)}")

    def design(self, *, decode: bool = True) -> pd.DataFrame:
        """/design: one row per point; parameters given by `values` decoded to their values.

        Numeric and boolean values stay numbers and booleans; other values (strings, inline
        tables, arrays) become categoricals named by :attr:`Parameter.value_names`, the
        sweep file's `labels` when it gave them.
        ``decode=False`` keeps the stored numbers (value-list parameters as indexes).
        A run file gives one point (0) and no parameters.
        """
        key = ("design", decode)
        if key in self._cache:
            return self._cache[key].copy()
        if "design" not in self.h5:
            df = pd.DataFrame({"point": np.zeros(1, dtype=np.int64)})
            df.attrs = {"table": "design", "source": str(self.path), "units": {"point": "1"},
                        "descriptions": {"point": "Design point index"}}
            self._cache[key] = df
            return df.copy()
        g = self.h5["design"]
        cols = {"point": g["point"][()]}
        units = {"point": "1"}
        desc = {"point": "Design point index (the point column of /runs)"}
        for p in self.parameters:
            raw = g[p.name][()]
            desc[p.name] = p.path
            units[p.name] = _text(g[p.name].attrs.get("unit", "")) or ""
            if decode and p.values is not None:
                idx = raw.astype(np.int64)
                if p.kind == "boolean":
                    cols[p.name] = np.array([p.values[i] for i in idx], dtype=bool)
                elif p.kind == "numeric values":
                    cols[p.name] = np.array([p.values[i] for i in idx], dtype=float)
                else:
                    cols[p.name] = pd.Categorical.from_codes(idx, categories=list(p.value_names))
            else:
                cols[p.name] = raw
        df = pd.DataFrame(cols)
        df.attrs = {"table": "design", "source": str(self.path), "units": units,
                    "descriptions": desc}
        self._cache[key] = df
        return df.copy()

    def design_numeric(self) -> pd.DataFrame:
        """The design with every parameter as a number (booleans 0/1, strings as indexes),
        indexed by point: the X of PRIM and of regressions."""
        df = self.design(decode=True).set_index("point")
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = df[c].cat.codes.astype(float)
            else:
                df[c] = df[c].astype(float)
        return df

    def unit_design(self) -> np.ndarray:
        """The design in unit coordinates [0, 1] (rows in point order, columns in parameter
        order), as cyberdeter drew it before mapping to values.

        For Morris designs the grid levels {0, 1/(p−1), …, 1} are recovered exactly from
        the stored values and the trajectory structure (each factor moves once per
        trajectory, by Δ = p / (2(p − 1))), also where the value mapping collapses levels
        (value lists, small integer ranges). For other designs the inverse of the value
        mapping is used (cell centres for discrete parameters).
        """
        stored = self.design(decode=False)
        params = self.parameters
        values = np.column_stack([stored[p.name].to_numpy(dtype=float) for p in params]) \
            if params else np.zeros((len(stored), 0))
        if self.design_kind == "morris":
            levels = int((self.sweep_spec.get("design") or {}).get("levels", 4))
            return morris_unit(values, params, levels)
        return np.column_stack([p.unit(values[:, i]) for i, p in enumerate(params)]) \
            if params else values

    # -- metrics -------------------------------------------------------------------------
    def metric_names(self) -> list[str]:
        cols = [c for c in self.columns("runs") if c not in ("point", "replication", "seed",
                                                             "fingerprint")]
        derived = [k for k, (a, b, *_rest) in DERIVED.items() if a in cols and b in cols]
        return cols + derived

    def metric_spec(self, metric: str) -> MetricSpec:
        return metric_spec(self, metric)

    def metric(self, metric: str, *, points: Sequence[int] | None = None,
               with_design: bool = False, window=None) -> pd.DataFrame:
        """Per-run values of METRIC: columns point, replication, seed, value (float; NaN
        where a ratio divides by zero), plus the design's parameters if asked.
        WINDOW (``"START..END"``, a mega-event's name, or an :class:`analysis.window.Window`)
        counts the metric over those days only (see analysis.window).
        ``attrs``: metric, unit, label, and ``window`` (a WindowUse) when one was given."""
        spec = metric_spec(self, metric)
        use = None
        if window is not None:
            from .window import parse_window, windowed_values
            df = self.runs(["seed"])
            value, use = windowed_values(self, spec, parse_window(self, window))
        elif spec.table == "runs":
            need = [c for c in spec.columns if c not in ("point", "replication", "seed")]
            df = self.runs(["seed", *need])
            value = spec.compute(df)
        else:
            base = self.runs(["seed"])
            value = _member_metric(self, spec, base)
            df = base
        zeros = np.zeros(len(df), dtype=np.int64)  # reference models' /runs has no point
        out = pd.DataFrame({"point": df["point"].to_numpy(np.int64) if "point" in df else zeros,
                            "replication": df["replication"].to_numpy(np.int64),
                            "seed": df["seed"].to_numpy(),
                            "value": np.asarray(value, dtype=float)})
        if points is not None:
            points = [int(p) for p in points]
            bad = sorted(set(points) - set(range(self.n_points)))
            if bad:
                raise BadInput(f"{self.path}: no design point {bad[0]} (the design has points "
                               f"0 to {self.n_points - 1})")
            out = out[out.point.isin(points)].reset_index(drop=True)
        if with_design and self.parameters:
            d = self.design().set_index("point")
            joined = d.reindex(out["point"].to_numpy())
            for c in d.columns:
                out[c] = joined[c].to_numpy() if not isinstance(d[c].dtype, pd.CategoricalDtype) \
                    else pd.Categorical(joined[c])
        out.attrs = {"metric": spec.name, "unit": spec.unit, "label": spec.label,
                     "source": str(self.path)}
        if use is not None:
            out.attrs["window"] = use
        return out

    def members(self, metric: str, *, window=None) -> tuple[pd.DataFrame, list[str]]:
        """A per-state or per-attacker metric (``COLUMN@NAME``) for every member of its
        kind at once: a frame of point, replication, seed and one column per state (or
        attacker), in /runs row order, and the member names. The total over members is
        the column ``total`` (for counts and values; the frame has no total for levels
        such as final_defense or beliefs). ``attrs``: as :meth:`metric`, plus ``entity``,
        ``member`` (the one named) and ``additive``."""
        spec = metric_spec(self, metric)
        if spec.entity is None:
            raise BadInput(f"'{metric}' is not a per-state or per-attacker metric (COLUMN@NAME)")
        column = spec.name.split("@", 1)[0]
        names = self.names("states" if spec.entity == "state" else "attackers")
        base = self.runs(["seed"])
        use = None
        if window is not None:
            from .window import member_counts, parse_window
            values, use = member_counts(self, column, spec.entity, parse_window(self, window),
                                        spec.name)
        elif spec.table == "incidents":
            from .window import Window, incident_counts
            everything = Window(-np.inf, np.inf, "all days")
            values = incident_counts(self, [column], everything, group="victim",
                                     n_groups=len(names))[column]
        else:
            values = _member_matrix(self, spec, base, len(names))
        out = pd.DataFrame({"point": base["point"].to_numpy(np.int64),
                            "replication": base["replication"].to_numpy(np.int64),
                            "seed": base["seed"].to_numpy()})
        for i, n in enumerate(names):
            out[n] = values[:, i]
        raw_unit = "count" if spec.table == "incidents" else self.units(spec.table)[column]
        additive = raw_unit in ("count", "VU")  # counts and values add up; levels do not
        if additive:
            out["total"] = values.sum(axis=1)
        out.attrs = {"metric": spec.name, "unit": spec.unit, "label": spec.label,
                     "source": str(self.path), "entity": spec.entity, "member": spec.member,
                     "column": column, "additive": bool(additive)}
        if use is not None:
            out.attrs["window"] = use
        return out, names


def metric_spec(cf: CyberFile, metric: str) -> MetricSpec:
    """Parses a metric name (see the module docstring); BadInput with a suggestion if unknown."""
    metric = metric.strip()
    runs_cols = cf.columns("runs")
    units = cf.units("runs")
    desc = cf.descriptions("runs")
    if "@" in metric:
        return _member_spec(cf, metric)
    if metric in runs_cols:
        return MetricSpec(metric, "runs", (metric,), _column(metric), cf._vu(units[metric]),
                          desc.get(metric) or metric)
    if metric in DERIVED:
        a, b, unit, label = DERIVED[metric]
        if a in runs_cols and b in runs_cols:
            return MetricSpec(metric, "runs", (a, b), _ratio(a, b), cf._vu(unit), label)
    if "/" in metric:
        a, b = (s.strip() for s in metric.split("/", 1))
        for c in (a, b):
            if c not in runs_cols:
                raise BadInput(f"unknown metric '{c}' in '{metric}'{did_you_mean(c, runs_cols)}; "
                               f"a ratio is COLUMN/COLUMN of /runs")
        return MetricSpec(f"{a}/{b}", "runs", (a, b), _ratio(a, b),
                          cf._vu(_ratio_unit(units[a], units[b])),
                          f"{desc.get(a) or a} per {(desc.get(b) or b).lower()}")
    choices = cf.metric_names()
    raise BadInput(f"unknown metric '{metric}'{did_you_mean(metric, choices)}; metrics are "
                   f"/runs columns, derived measures ({', '.join(DERIVED)}), ratios like "
                   f"detected/launched, or COLUMN@STATE and COLUMN@ATTACKER "
                   f"(`python3 -m analysis metrics FILE` lists them)")


_KIND_COLUMN = re.compile(r"^(launched|succeeded|damage)(?:_(state_sponsored|criminal|hacktivist))?$")


def _member_spec(cf: CyberFile, metric: str) -> MetricSpec:
    col, member = (s.strip() for s in metric.split("@", 1))
    member = member.strip('"\'')
    states, attackers = cf.names("states"), cf.names("attackers")
    if member in states:
        entity, table = "state", "states"
    elif member in attackers:
        entity, table = "attacker", "attackers"
    else:
        raise BadInput(f"unknown state or attacker '{member}' in '{metric}'"
                       f"{did_you_mean(member, states + attackers)}; the scenario has states "
                       f"{', '.join(states) or '(none)'} and attackers {', '.join(attackers) or '(none)'}")
    kind_match = _KIND_COLUMN.match(col)
    if entity == "state" and kind_match and kind_match.group(2):
        if "incidents" not in cf.h5:
            raise BadInput(f"'{metric}' counts incidents by victim and attacker kind: it needs "
                           f"/incidents (run with --incidents); /states has "
                           f"{', '.join(c for c in cf.columns('states') if c not in ('replication', 'state')) if 'states' in cf.h5 else 'no columns'}")
        what, kind = kind_match.groups()
        unit = "count" if what != "damage" else cf._vu("VU")
        label = {"launched": "Operations launched", "succeeded": "Operations that succeeded",
                 "damage": "Damage"}[what] + f" by {kind.replace('_', '-')} attackers against {member}"
        return MetricSpec(f"{col}@{member}", "incidents", (what, kind), _column("value"), unit,
                          label, entity, member)
    if table not in cf.h5:
        raise BadInput(f"'{metric}': per-{entity} metrics come from /{table}, which this file "
                       f"does not have (sweeps write it since git 1f9edcd of cyberdeter 0.1.0: "
                       f"re-run an older sweep)")
    cols = [c for c in cf.columns(table) if c not in ("point", "replication", "state", "attacker")]
    if col not in cols:
        raise BadInput(f"unknown /{table} column '{col}' in '{metric}'{did_you_mean(col, cols)}")
    unit = cf._vu(cf.units(table)[col])
    label = f"{cf.descriptions(table).get(col) or col} ({member})"
    return MetricSpec(f"{col}@{member}", table, (col,), _column(col), unit, label, entity, member)


def _member_metric(cf: CyberFile, spec: MetricSpec, base: pd.DataFrame) -> np.ndarray:
    """Values of a NAME@MEMBER metric aligned with the rows of BASE (a /runs frame)."""
    rep = base["replication"].to_numpy(np.int64)
    point = base["point"].to_numpy(np.int64)
    R = int(rep.max()) + 1 if len(rep) else 1
    key = point * R + rep
    if spec.table == "incidents":
        what, kind = spec.columns
        names = cf.names("attacker_kinds") or list(KINDS)
        kind_code = names.index(kind) if kind in names else KINDS.index(kind)
        member = cf.names("states").index(spec.member)
        cols = ["replication", "victim", "attacker_kind"] + (["success"] if what == "succeeded" else []) \
            + (["damage"] if what == "damage" else [])
        inc = cf.incidents(cols, keys=False, decode=False)
        p = (cf.h5["incidents"].fields("point")[()].astype(np.int64)
             if "point" in cf.h5["incidents"].dtype.names else np.zeros(len(inc), np.int64))
        sel = (inc["victim"].to_numpy() == member) & (inc["attacker_kind"].to_numpy() == kind_code)
        if what == "succeeded":
            sel &= inc["success"].to_numpy(bool)
        weights = inc["damage"].to_numpy(float)[sel] if what == "damage" else None
        ikey = p[sel] * R + inc["replication"].to_numpy(np.int64)[sel]
        s = pd.Series(weights if weights is not None else np.ones(len(ikey)), index=ikey)
        sums = s.groupby(level=0).sum()
        return sums.reindex(key, fill_value=0.0).to_numpy(float)
    df = cf.table(spec.table, [spec.columns[0]], decode=False)
    idx_col = spec.entity
    member = (cf.names("states") if spec.entity == "state" else cf.names("attackers")).index(spec.member)
    df = df[df[idx_col].to_numpy() == member]
    # A sweep's /states and /attackers carry the design point; older run files had none.
    rows_point = (df["point"].to_numpy(np.int64) if "point" in df
                  else np.zeros(len(df), np.int64))
    s = pd.Series(df[spec.columns[0]].to_numpy(float),
                  index=rows_point * R + df["replication"].to_numpy(np.int64))
    s = s.groupby(level=0).sum()
    return s.reindex(key).to_numpy(float)


def _member_matrix(cf: CyberFile, spec: MetricSpec, base: pd.DataFrame, n: int) -> np.ndarray:
    """COLUMN of /states or /attackers for every member, shape (runs of BASE, n)."""
    rep = base["replication"].to_numpy(np.int64)
    point = base["point"].to_numpy(np.int64)
    R = int(rep.max()) + 1 if len(rep) else 1
    position = pd.Series(np.arange(len(rep)), index=point * R + rep)
    df = cf.table(spec.table, [spec.columns[0]], decode=False)
    rows_point = df["point"].to_numpy(np.int64) if "point" in df else np.zeros(len(df), np.int64)
    row = position.reindex(rows_point * R + df["replication"].to_numpy(np.int64)).to_numpy()
    member = df[spec.entity].to_numpy(np.int64)
    ok = ~np.isnan(row) & (member >= 0) & (member < n)
    out = np.full((len(rep), n), np.nan)
    out[row[ok].astype(np.int64), member[ok]] = df[spec.columns[0]].to_numpy(float)[ok]
    return out


def morris_unit(values: np.ndarray, params: Sequence[Parameter], levels: int) -> np.ndarray:
    """Unit coordinates of a Morris design's stored values (see CyberFile.unit_design)."""
    n, d = values.shape
    if d == 0:
        return values.copy()
    grid = np.arange(levels) / (levels - 1)
    jump = levels // 2
    if n % (d + 1) != 0:
        raise AnalysisError(f"a Morris design of {d} parameters has rows in trajectories of "
                            f"{d + 1}, but this one has {n} rows")
    # candidate levels of every stored value, per parameter
    mapped = [p.at(grid) for p in params]
    out = np.empty_like(values)
    for t in range(n // (d + 1)):
        block = values[t * (d + 1):(t + 1) * (d + 1)]
        moved_at: dict[int, int] = {}
        for i in range(d):
            changes = np.nonzero(~np.isclose(block[1:, i], block[:-1, i], rtol=1e-12, atol=0))[0]
            if len(changes):
                moved_at[i] = int(changes[0]) + 1
        free_steps = [s for s in range(1, d + 1) if s not in moved_at.values()]
        for i in range(d):
            if i not in moved_at:
                moved_at[i] = free_steps.pop(0) if free_steps else 1
        for i, p in enumerate(params):
            s = moved_at[i]
            before, after = block[0, i], block[-1, i]
            ca = np.nonzero(np.isclose(mapped[i], before, rtol=1e-9, atol=1e-12))[0]
            cb = np.nonzero(np.isclose(mapped[i], after, rtol=1e-9, atol=1e-12))[0]
            pair = None
            for a in ca:
                for b in (a + jump, a - jump):
                    if b in cb:
                        pair = (a, b)
                        break
                if pair:
                    break
            if pair is None:  # not on the grid (should not happen): the nearest levels
                a = int(np.argmin(np.abs(mapped[i] - before)))
                pair = (a, a + jump if a + jump < levels else a - jump)
            col = np.where(np.arange(d + 1) < s, grid[pair[0]], grid[pair[1]])
            out[t * (d + 1):(t + 1) * (d + 1), i] = col
    return out


def open_file(path: str | os.PathLike) -> CyberFile:
    """Opens and checks a cyberdeter output file (use as a context manager)."""
    return CyberFile(path)


def load(path: str | os.PathLike, table: str = "runs", columns=None, **kw) -> pd.DataFrame:
    """One table of a file as a DataFrame: ``load("out.h5", "incidents", ["victim"])``."""
    with open_file(path) as f:
        if table == "design":
            return f.design(**kw)
        return f.table(table, columns, **kw)


def safe_name(text: str) -> str:
    return _safe(text)
