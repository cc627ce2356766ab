"""analysis.io: every table of every kind of file as a tidy frame with units; lazy
columns; decoded names; refusal of half-written, foreign and future-schema files."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

from analysis.io import BadInput, CyberFile, load, metric_spec, open_file


def _check_units(df: pd.DataFrame, cf: CyberFile, table: str) -> None:
    units = df.attrs["units"]
    assert set(units) == set(df.columns), f"/{table}: a unit for every column"
    raw = cf.units(table)
    for c in df.columns:
        assert units[c] == raw[c] and units[c] != "", (table, c)
    assert df.attrs["table"] == table
    assert df.attrs["descriptions"]


def test_run_file_every_table(run_file):
    with open_file(run_file) as f:
        assert f.kind == "run" and f.producer == "run" and f.model == "deterrence"
        assert f.n_runs == 20 and f.replications == 20 and f.master_seed == 1
        assert set(f.tables) >= {"runs", "timeseries", "states", "attackers", "beliefs",
                                 "incidents", "choices"}
        for table in ("runs", "timeseries", "states", "attackers", "beliefs", "incidents", "choices"):
            df = f.table(table)
            assert len(df) == f.h5[table].shape[0] > 0
            assert list(df.columns) == list(f.h5[table].dtype.names)
            _check_units(df, f, table)
        runs = f.runs()
        assert runs.attrs["units"]["damage"] == "VU" and runs.attrs["value_unit"] == "notional VU"
        assert runs.attrs["units"]["launched"] == "count"
        assert (runs["point"] == 0).all()
        assert list(runs["replication"]) == list(range(20))
        design = f.design()
        assert list(design.columns) == ["point"] and len(design) == 1
        assert f.parameters == []


def test_index_columns_decoded_to_names(run_file):
    with open_file(run_file) as f:
        states, attackers = f.names("states"), f.names("attackers")
        assert states == ["Homeland", "Rivalia"] and attackers == ["RivalAPT", "Crew"]
        assert all(isinstance(s, str) for s in states)
        inc = f.incidents()
        for col, names in (("victim", states), ("attacker", attackers), ("named", attackers),
                           ("attacker_kind", ["state_sponsored", "criminal", "hacktivist"]),
                           ("rung_final", ["none", "attribute", "coordinate", "sanction"])):
            assert isinstance(inc[col].dtype, pd.CategoricalDtype), col
            assert list(inc[col].cat.categories) == names, col
        raw = f.incidents(["named"], decode=False)
        assert raw["named"].dtype.kind == "i"
        # named = -1 (nobody named) becomes missing
        assert (inc["named"].isna() == (raw["named"] == -1)).all()
        assert inc["named"].isna().any()
        assert inc["success"].dtype == bool
        # the decoded names agree with the raw indexes
        raw_victim = f.incidents(["victim"], decode=False)["victim"].to_numpy()
        assert (inc["victim"].astype(str).to_numpy() == np.array(states)[raw_victim]).all()
        st = f.states()
        assert set(st["state"].astype(str)) == set(states)
        ch = f.choices(["utility", "chosen"])
        assert isinstance(ch["target"].dtype, pd.CategoricalDtype)


def test_lazy_column_selection(run_file, monkeypatch):
    calls = []
    original = h5py.Dataset.fields

    def spy(self, names):
        calls.append(list(names) if not isinstance(names, str) else [names])
        return original(self, names)

    monkeypatch.setattr(h5py.Dataset, "fields", spy)
    with open_file(run_file) as f:
        df = f.runs(["damage", "launched"])
        assert list(df.columns) == ["point", "replication", "launched", "damage"]  # file order
        assert calls[-1] == ["point", "replication", "launched", "damage"]
        assert df.attrs["units"] == {"point": "1", "replication": "1", "launched": "count",
                                     "damage": "VU"}
        only = f.incidents(["severity"], keys=False)
        assert list(only.columns) == ["severity"]
        assert calls[-1] == ["severity"]
        with pytest.raises(BadInput, match="did you mean 'launched'"):
            f.runs(["lanched"])
    assert list(load(run_file, "runs", ["seed"]).columns) == ["point", "replication", "seed"]


def test_sweep_files(grid_file, saltelli_file, morris_file):
    with open_file(grid_file) as f:
        assert f.kind == "sweep" and f.producer == "sweep" and f.design_kind == "grid"
        assert f.n_points == 10 and f.replications == 3 and f.n_runs == 30
        assert f.common_random_numbers and f.complete
        d = f.design()
        assert list(d.columns) == ["point", "capability", "sanctions"]
        assert d["sanctions"].dtype == bool
        assert sorted(d["capability"].unique()) == pytest.approx([0.3, 0.45, 0.6, 0.75, 0.9])
        assert d.attrs["descriptions"]["sanctions"] == "states.Homeland.doctrine.sanction.enabled"
        stored = f.design(decode=False)
        assert set(stored["sanctions"]) == {0.0, 1.0}
        p = f.parameter("sanctions")
        assert p.values == (False, True) and p.literals == ("false", "true")
        cap = f.parameter("attackers.RivalAPT.capability")
        assert (cap.lo, cap.hi, cap.steps) == (0.3, 0.9, 5)
        with pytest.raises(BadInput, match="did you mean 'capability'"):
            f.parameter("capabilty")
        runs = f.runs()
        assert list(runs["point"]) == [p for p in range(10) for _ in range(3)]
        _check_units(runs, f, "runs")
        ts = f.timeseries(["launched"])
        assert set(ts["point"]) == set(range(10))
        _check_units(ts, f, "timeseries")
        m = f.metric("launched", with_design=True)
        assert list(m.columns) == ["point", "replication", "seed", "value", "capability", "sanctions"]
        assert (m.groupby("replication")["seed"].nunique() == 1).all(), "common random numbers"
        prov = f.provenance()
        assert prov["sweep"] == "analysis-grid" and len(prov["sweep_id"]) == 40
        assert prov["design"] == "grid" and prov["points"] == 10
    with open_file(saltelli_file) as f:
        assert f.design_kind == "saltelli" and f.n_points == 16 * 5
        d = f.parameter("defense")
        assert d.log and not d.integer
        u = f.unit_design()
        assert u.shape == (80, 3) and (u >= 0).all() and (u <= 1).all()
        # base row j = 1 (rows 5-9): A, AB_1, AB_2, AB_3, B; AB_i is A with column i of B
        a, b = u[5], u[9]
        for i in range(3):
            expected = a.copy()
            expected[i] = b[i]
            assert np.allclose(u[6 + i], expected)
    with open_file(morris_file) as f:
        assert f.design_kind == "morris" and f.n_points == 8 * 4
        g = f.parameter("gain")
        assert g.integer and (g.lo, g.hi) == (1.0, 8.0)
        assert f.parameter("defense").values == (0.1, 0.3, 0.5)
        d = f.design()
        assert set(d["defense"]) <= {0.1, 0.3, 0.5}
        u = f.unit_design()
        assert set(np.round(np.unique(u), 9)) <= {0.0, round(1 / 3, 9), round(2 / 3, 9), 1.0}
        steps = np.abs(np.diff(u.reshape(8, 4, 3), axis=1)) > 1e-12
        assert (steps.sum(axis=2) == 1).all(), "one factor moves per step"
        assert (steps.sum(axis=1) == 1).all(), "each factor moves once per trajectory"
        moved = np.diff(u.reshape(8, 4, 3), axis=1)[steps]
        assert np.allclose(np.abs(moved), 2 / 3), "by Δ = p / (2(p − 1))"
        # the stored values are what cyberdeter's mapping gives at these unit coordinates
        stored = f.design(decode=False)
        for i, p in enumerate(f.parameters):
            assert np.allclose(p.at(u[:, i]), stored[p.name].to_numpy())


DOCTRINES = """\
base = "{base}"
name = "analysis-doctrines"
[run]
replications = 3
seed = 5
[design]
kind = "grid"
[[parameters]]
name = "doctrine"
path = "states.Homeland.doctrine"
values = [
  {{attribute = {{threshold = 0.3}}, sanction = {{enabled = false, threshold = 0.6}}}},
  {{attribute = {{enabled = false}}, coordinate = {{enabled = false}}}},
]
{labels}
"""


def _doctrine_sweep(binary, tmp_path, labels: str) -> Path:
    source = Path(os.environ.get("CYBERDETER_SOURCE", Path(__file__).resolve().parents[2]))
    tmp_path.mkdir()
    spec = tmp_path / "doctrines.toml"
    spec.write_text(DOCTRINES.format(base=source / "scenarios" / "minimal.toml", labels=labels))
    out = tmp_path / "doctrines.h5"
    r = subprocess.run([binary, "sweep", str(spec), "-o", str(out), "-q"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return out


def test_table_values_are_named_by_their_labels(binary, tmp_path):
    from analysis.report import effect_between_points
    silent = "{attribute = {enabled = false}, coordinate = {enabled = false}}"
    with open_file(_doctrine_sweep(binary, tmp_path / "plain", "")) as f:
        p = f.parameter("doctrine")
        assert p.kind == "categorical" and p.labels is None
        assert p.values[1] == {"attribute": {"enabled": False}, "coordinate": {"enabled": False}}
        assert p.literals[1] == silent
        assert list(f.design()["doctrine"]) == [p.literals[0], silent], "tables as TOML"
    with open_file(_doctrine_sweep(binary, tmp_path / "labelled",
                                   'labels = ["as played", "silent"]')) as f:
        p = f.parameter("doctrine")
        assert p.labels == ("as played", "silent") and p.literals[1] == silent
        d = f.design()
        assert list(d["doctrine"]) == ["as played", "silent"]
        assert list(f.design(decode=False)["doctrine"]) == [0.0, 1.0]
        assert list(f.design_numeric()["doctrine"]) == [0.0, 1.0]
        e = effect_between_points(f, 0, 1, "launched", n_boot=200)
        assert "point 0 (doctrine = as played)" in e.sentence
        assert "point 1 (doctrine = silent)" in e.sentence


def test_sweep_incidents_have_points(sweep_incidents_file):
    with open_file(sweep_incidents_file) as f:
        inc = f.incidents(["attacker_kind", "victim"])
        assert list(inc.columns)[:3] == ["point", "replication", "incident"]
        assert set(inc["point"]) <= set(range(f.n_points))
        counts = inc.groupby(["point", "replication"]).size()
        runs = f.runs(["launched"]).set_index(["point", "replication"])["launched"]
        assert (counts.reindex(runs.index, fill_value=0) == runs).all()
        assert isinstance(inc["attacker_kind"].dtype, pd.CategoricalDtype)


def test_metrics(run_file, grid_file):
    with open_file(run_file) as f:
        runs = f.runs()
        ratio = f.metric("detected/launched")
        assert np.allclose(ratio["value"], runs.detected / runs.launched)
        assert metric_spec(f, "detected/launched").unit == "1"
        assert f.metric_spec("damage").unit == "notional VU"
        assert f.metric_spec("mean_detection_delay").unit == "day"
        per_state = f.metric("launched@Homeland")
        st = f.states(["launched"], decode=False)
        assert np.allclose(per_state["value"], st[st.state == 0]["launched"])
        kind = f.metric("launched_state_sponsored@Homeland")
        assert np.allclose(kind["value"], runs.launched_state_sponsored)  # one victim only
        assert f.metric("named@RivalAPT")["value"].sum() > 0
        for bad, hint in (("lanched", "did you mean 'launched'"),
                          ("detected/lanched", "did you mean 'launched'"),
                          ("launched@Homelnd", "did you mean 'Homeland'")):
            with pytest.raises(BadInput, match=hint):
                f.metric_spec(bad)
    with open_file(grid_file) as f:
        # Sweeps carry /states and /attackers with the design point of every row.
        per_state = f.metric("launched@Homeland")
        st = f.states(["launched"], decode=False)
        st = st[st.state == 0]
        assert np.array_equal(per_state[["point", "replication"]].to_numpy(),
                              st[["point", "replication"]].to_numpy())
        assert np.allclose(per_state["value"], st["launched"])
        assert not np.allclose(per_state["value"], per_state["value"].iloc[0]), "per run"
        named = f.metric("named@RivalAPT", points=[3])
        at = f.attackers(["named"], decode=False)
        assert np.allclose(named["value"], at[(at.point == 3) & (at.attacker == 0)]["named"])
        assert len(f.metric("launched", points=[3, 4])) == 6
        with pytest.raises(BadInput, match="no design point 10"):
            f.metric("launched", points=[10])


def test_events_from_the_resolved_scenario(run_file):
    with open_file(run_file) as f:
        ev = f.events()
        mega = ev[ev.kind == "mega_event"].iloc[0]
        assert (mega.start_day, mega.end_day) == (1247.0, 1277.0)
        assert "Homeland Expo" in mega.label
        pol = ev[ev.kind == "policy_change"].iloc[0]
        assert pol.start_day == 731.0 and "sanction on" in pol.label


def test_refuses_half_written_file(run_file, tmp_path):
    partial = tmp_path / "out.h5.partial-123"
    shutil.copy(run_file, partial)
    with pytest.raises(BadInput) as e:
        open_file(partial)
    assert "did not finish" in str(e.value) and "--resume" in str(e.value)
    parts = tmp_path / "sweep.h5.parts"
    parts.mkdir()
    shutil.copy(run_file, parts / "rank0-0.h5")
    with pytest.raises(BadInput, match="unfinished sweep.*--resume"):
        open_file(parts / "rank0-0.h5")


def test_refuses_foreign_files(tmp_path):
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(3)
        f.attrs["program"] = "something-else"
    with pytest.raises(BadInput, match="not a cyberdeter output file"):
        open_file(other)
    bare = tmp_path / "bare.h5"
    with h5py.File(bare, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(BadInput, match="no program attribute"):
        open_file(bare)
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5")
    with pytest.raises(BadInput, match="not an HDF5 file"):
        open_file(text)
    with pytest.raises(BadInput, match="no such file"):
        open_file(tmp_path / "missing.h5")


def test_refuses_another_schema_major_version(run_file, tmp_path):
    future = tmp_path / "future.h5"
    shutil.copy(run_file, future)
    with h5py.File(future, "r+") as f:
        f.attrs["schema_version"] = "9.0"
    with pytest.raises(BadInput) as e:
        open_file(future)
    assert "9.0" in str(e.value) and "0.1" in str(e.value)
    minor = tmp_path / "minor.h5"
    shutil.copy(run_file, minor)
    with h5py.File(minor, "r+") as f:
        f.attrs["schema_version"] = "0.2"
    with open_file(minor) as f:  # a newer minor version of the same major: readable
        assert f.n_runs == 20


def test_missing_optional_table_is_explained(saltelli_file):
    with open_file(saltelli_file) as f:
        with pytest.raises(BadInput, match="--incidents"):
            f.incidents()
        assert len(f.states()) == len(f.runs()) * len(f.names("states"))


def test_fixed_length_string_columns_are_decoded(run_file, tmp_path):
    # no table of schema 0.1 has a string column yet; the loader decodes any it meets
    copy = tmp_path / "strings.h5"
    shutil.copy(run_file, copy)
    with h5py.File(copy, "r+") as f:
        rows = np.array([(0, b"Homeland"), (1, "Rivalia".encode())],
                        dtype=[("replication", "<u8"), ("label", "S16")])
        ds = f.create_dataset("notes", data=rows)
        ds.attrs["units"] = np.array(["1", "1"], dtype=h5py.string_dtype())
    with open_file(copy) as f:
        df = f.table("notes")
        assert list(df["label"]) == ["Homeland", "Rivalia"]
        assert all(isinstance(v, str) for v in df["label"])
        assert df.attrs["units"] == {"replication": "1", "label": "1"}


def test_merged_shards_read_like_the_sweep(binary, grid_file, data_dir, tmp_path,
                                           sweep_has_incidents):
    import subprocess
    spec = data_dir / "grid.toml"
    parts = []
    for shard in ("1/2", "2/2"):
        out = tmp_path / f"part{shard[0]}.h5"
        r = subprocess.run([binary, "sweep", str(spec), "-o", str(out), "--shard", shard, "-q",
                            "--timeseries"]
                           + (["--incidents"] if sweep_has_incidents else []),
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        parts.append(out)
    with open_file(parts[0]) as f:
        assert not f.complete and f.warnings and "merge" in f.warnings[0]
    merged = tmp_path / "merged.h5"
    r = subprocess.run([binary, "merge", *map(str, parts), "-o", str(merged)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with open_file(merged) as m, open_file(grid_file) as g:
        assert m.producer == "merge" and m.kind == "sweep" and m.complete and not m.warnings
        pd.testing.assert_frame_equal(m.runs(), g.runs())
        pd.testing.assert_frame_equal(m.design(), g.design())
        assert m.provenance()["sweep_id"] == g.provenance()["sweep_id"]


# ---- war-game sessions ---------------------------------------------------------------------

MINIMAL = Path(__file__).resolve().parents[2] / "scenarios" / "minimal.toml"


def _session(binary, out: Path, answers: str, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([binary, "wargame", str(MINIMAL), "--play", "Homeland", "-o", str(out),
                           "--horizon-days", "400", "-q", *extra],
                          input=answers, capture_output=True, text=True, timeout=120)


def test_session_decisions_decode_and_summarise(binary, tmp_path):
    out = tmp_path / "session.h5"
    r = _session(binary, out, "\n" * 400)  # every answer the model's own
    assert r.returncode == 0, r.stderr
    with open_file(out) as f:
        assert f.is_session and f.producer == "wargame"
        a = f.session_attrs
        assert a["played"] == ["Homeland"] and a["status"] == "complete"
        d = f.decisions(briefs=True)
        assert len(d) == a["decisions"] > 0
        assert set(d["kind"].cat.categories) == {"respond", "join", "turn", "inject", "override"}
        assert set(d["source"]) == {"player"}
        assert (d["state"] == "Homeland").all()
        assert not d["deviates"].any()
        turns = d[d["kind"] == "turn"]
        assert (turns["action"] == "done").all() and len(turns) == 4  # days 91, 183, 274, 365
        shown = d[d["kind"] != "turn"]
        assert shown["brief"].str.contains("DECISION").all()
        assert d.attrs["units"]["seconds"] == "s"
        # Every answer was the model's: the counterfactual is the session.
        cf = f.counterfactual("runs")
        runs = f.runs()
        for col in ("launched", "damage", "public_responses", "sanctions_imposed"):
            assert cf[col].iloc[0] == runs[col].iloc[0], col
    from analysis.report import summary_text
    with open_file(out) as f:
        text = summary_text(f)
    assert "war-game played by Homeland: complete" in text
    assert f"decisions    {a['decisions']}:" in text


def test_interrupted_session_opens_and_says_how_to_resume(binary, tmp_path):
    out = tmp_path / "stopped.h5"
    r = _session(binary, out, "\n\n", "--move-days", "0")  # two answers, two decisions
    assert r.returncode == 1 and out.exists(), r.stderr
    from analysis.report import summary_text
    with open_file(out) as f:
        assert f.n_runs == 0 and f.session_attrs["status"] == "interrupted"
        assert len(f.decisions()) == 2
        text = summary_text(f)
        with pytest.raises(BadInput, match="no /runs"):
            f.runs()
    assert "interrupted" in text and "--resume" in text


def test_a_run_file_is_not_a_session(run_file):
    with open_file(run_file) as f:
        assert not f.is_session
        with pytest.raises(BadInput, match="not a war-game session"):
            f.decisions()
