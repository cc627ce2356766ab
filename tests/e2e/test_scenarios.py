"""The built-in scenarios, end to end: they run, their output is consistent and documented,
their trajectories are pinned, and the sanctions counterfactual shares random numbers with
its baseline until the policy changes."""
import json
import os
import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest

SCENARIOS = ["minimal", "japan_2015_2021", "japan_sanctions", "coordinated_attribution"]
FINGERPRINTS = Path(__file__).with_name("fingerprints.json")


def table(path, name):
    with h5py.File(path) as f:
        return pd.DataFrame(f[name][:])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, binary, source_dir):
    """Each built-in scenario run once with 3 replications and every table."""
    import subprocess
    out = {}
    d = tmp_path_factory.mktemp("scenarios")
    for name in SCENARIOS:
        path = d / f"{name}.h5"
        r = subprocess.run([binary, "run", str(source_dir / f"scenarios/{name}.toml"), "-o", str(path),
                            "--replications", "3", "--incidents", "--choices"],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "attacks" in r.stdout and "responses" in r.stdout
        out[name] = path
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_table_is_there_and_consistent(outputs, name):
    path = outputs[name]
    with h5py.File(path) as f:
        for t in ("runs", "timeseries", "states", "attackers", "beliefs", "incidents", "choices"):
            assert t in f, t
        n_states = len(f["/scenario/states"])
        n_attackers = len(f["/scenario/attackers"])
    runs = table(path, "/runs")
    assert list(runs.replication) == [0, 1, 2]
    assert (runs.attributed <= runs.detected).all()
    assert (runs.detected <= runs.launched).all()
    assert (runs.succeeded <= runs.launched).all()
    assert (runs.attributed_correct + runs.attributed_wrong == runs.attributed).all()
    assert (runs.launched_state_sponsored + runs.launched_criminal + runs.launched_hacktivist
            == runs.launched).all()

    incidents = table(path, "/incidents")
    per_rep = incidents.groupby("replication").size()
    assert (per_rep.values == runs.launched.values).all(), "one record per launched incident"
    assert (incidents.groupby("replication").success.sum().values == runs.succeeded.values).all()
    assert (incidents.landed_day >= incidents.decided_day).all()
    det = incidents[incidents.detected]
    assert (det.detected_day >= det.landed_day).all()
    att = incidents[incidents.attributed]
    assert (att.attributed_day >= att.detected_day).all()
    assert ((att.named == att.attacker) == att.correct).all()

    ts = table(path, "/timeseries")
    assert (ts.groupby("replication").launched.sum().values == runs.launched.values).all()
    states = table(path, "/states")
    assert len(states) == 3 * n_states
    assert (states.groupby("replication").launched.sum().values == runs.launched.values).all()
    assert len(table(path, "/attackers")) == 3 * n_attackers

    choices = table(path, "/choices")
    chosen = choices[choices.chosen & ~choices.held]
    assert len(chosen) >= runs.launched.sum(), "every launch was a choice"
    assert np.allclose(choices.utility, choices.p_success * choices.gain - choices.cost - choices.consequence)


TYPES = {"u8": "uint64", "i8": "int64", "f8": "float64", "u4": "uint32", "i4": "int32",
         "u1": "uint8", "i1": "int8", "b1": "bool"}


def test_every_column_is_documented(outputs, source_dir):
    """Each table's section of docs/hdf5-schema.md lists exactly its columns, in order,
    with their types and units."""
    doc = (source_dir / "docs/hdf5-schema.md").read_text()
    with h5py.File(outputs["japan_2015_2021"]) as f:
        for t in ("runs", "timeseries", "states", "attackers", "beliefs", "incidents", "choices"):
            assert f"`/{t}`" in doc, f"/{t} is not in docs/hdf5-schema.md"
            ds = f[t]
            units = [u.decode() if isinstance(u, bytes) else u for u in ds.attrs["units"]]
            actual = [(name, TYPES[ds.dtype[name].kind + str(ds.dtype[name].itemsize)], unit)
                      for name, unit in zip(ds.dtype.names, units)]
            rows = re.findall(r"^\| `(\w+)` \| (\w+) \| ([^|]+) \|",
                              section(doc, f"### `/{t}`"), re.M)
            documented = [(name, kind, unit.strip()) for name, kind, unit in rows]
            assert documented == actual, f"docs/hdf5-schema.md /{t} differs from the file"


@pytest.fixture(scope="module")
def session(tmp_path_factory, binary, source_dir):
    """A short war-game session the doctrine plays: every /wargame object is written."""
    import subprocess
    path = tmp_path_factory.mktemp("wargame") / "session.h5"
    r = subprocess.run([binary, "wargame", str(source_dir / "scenarios/minimal.toml"),
                        "--play", "Homeland", "--rest", "doctrine", "--horizon-days", "200",
                        "-o", str(path)],
                       capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return path


def section(doc, heading):
    """The text of a docs/hdf5-schema.md section, from its heading to the next one."""
    start = doc.index(heading)
    ends = [i for i in (doc.find("\n## ", start + 1), doc.find("\n### ", start + 1)) if i >= 0]
    return doc[start:min(ends) if ends else len(doc)]


def test_every_wargame_object_and_column_is_documented(session, source_dir):
    doc = (source_dir / "docs/hdf5-schema.md").read_text()
    with h5py.File(session) as f:
        names = []
        f["/wargame"].visit(lambda name: names.append(f"/wargame/{name}"))
        assert "/wargame/decisions" in names and "/wargame/counterfactual/runs" in names
        for name in names:
            assert f"`{name}`" in doc, f"{name} is not in docs/hdf5-schema.md"
        for attribute in f["/wargame"].attrs:
            assert f"`{attribute}`" in section(doc, "## `/wargame`"), \
                f"/wargame attribute {attribute} is not documented"
        decisions = f["/wargame/decisions"]
        assert len(decisions) > 0
        units = dict(zip(decisions.dtype.names, (u.decode() if isinstance(u, bytes) else u
                                                 for u in decisions.attrs["units"])))
    # Every column in the table of its section, with its unit; no column the file lacks.
    rows = re.findall(r"^\| `(\w+)` \| \w+ \| ([^|]+) \|",
                      section(doc, "### `/wargame/decisions`"), re.M)
    documented = {column: unit.strip() for column, unit in rows}
    assert documented == units, "docs/hdf5-schema.md /wargame/decisions differs from the file"


@pytest.mark.parametrize("name", SCENARIOS)
def test_describe_round_trips(cli, source_dir, tmp_path, name):
    first = cli("describe", source_dir / f"scenarios/{name}.toml")
    assert first.returncode == 0, first.stderr
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(first.stdout)
    second = cli("describe", resolved)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split("\n", 1)[1] == first.stdout.split("\n", 1)[1]


def test_trajectory_fingerprints_are_pinned(outputs):
    """A change that moves any built-in scenario's trajectory must be deliberate: update
    tests/e2e/fingerprints.json with CYBERDETER_UPDATE_FINGERPRINTS=1 and say why."""
    got = {name: [int(x) for x in table(path, "/runs").fingerprint] for name, path in outputs.items()}
    if os.environ.get("CYBERDETER_UPDATE_FINGERPRINTS"):
        FINGERPRINTS.write_text(json.dumps(got, indent=2) + "\n")
    want = json.loads(FINGERPRINTS.read_text())
    assert got == want


def test_sanctions_counterfactual_shares_random_numbers_until_the_policy(outputs, source_dir):
    text = (source_dir / "scenarios/japan_sanctions.toml").read_text()
    days = [float(d) for d in re.findall(r"^day\s*=\s*([0-9.]+)", text, re.M)]
    policy_day = max(days)  # Japan's adoption is the last policy change
    base = table(outputs["japan_2015_2021"], "/incidents")
    alt = table(outputs["japan_sanctions"], "/incidents")
    landed = ["replication", "incident", "attacker", "victim", "decided_day", "landed_day",
              "success", "severity", "detected", "detected_day"]
    judged = landed + ["attributed", "attributed_day", "named", "confidence", "rung_decided"]
    def before(df, column, keys):
        return df[df[column] < policy_day][keys].reset_index(drop=True)
    assert len(before(base, "landed_day", landed)) > 100
    pd.testing.assert_frame_equal(before(base, "landed_day", landed), before(alt, "landed_day", landed))
    judged_base = before(base[base.attributed], "attributed_day", judged)
    assert len(judged_base) > 10
    pd.testing.assert_frame_equal(judged_base, before(alt[alt.attributed], "attributed_day", judged))
    # Decisions come from their own streams: the same opportunities after the change too.
    cb, ca = table(outputs["japan_2015_2021"], "/choices"), table(outputs["japan_sanctions"], "/choices")
    assert (cb.day.values == ca.day.values).all()
