"""cyberdeter debrief: the doctrine a war-game session reveals, as a sweep that runs, and
the session as a decisions file that replays it."""
import subprocess

import h5py
import numpy as np
import pytest

SCENARIO = "scenarios/minimal.toml"  # Homeland is the only target; Rivalia sponsors
SIM_TABLES = ["runs", "timeseries", "incidents", "states", "attackers", "beliefs"]


def session(binary, source_dir, out, answers, *extra):
    """A session where Homeland answers every prompt from ANSWERS (one line each)."""
    return subprocess.run(
        [binary, "wargame", str(source_dir / SCENARIO), "--play", "Homeland", "-o", str(out),
         "--turn-days", "0", "--horizon-days", "1200", "-q", *map(str, extra)],
        input=answers, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def quiet_session(binary, source_dir, tmp_path_factory):
    """Homeland never goes public (only response prompts: no ally, no turns)."""
    out = tmp_path_factory.mktemp("debrief") / "quiet.h5"
    r = session(binary, source_dir, out, "q\n" * 400)
    assert r.returncode == 0, r.stderr
    return out


def test_debrief_prints_the_summary_and_the_fitted_doctrine(cli, quiet_session):
    r = cli("debrief", quiet_session)
    assert r.returncode == 0, r.stderr
    assert "AFTER-ACTION SUMMARY" in r.stdout
    with h5py.File(quiet_session) as f:
        d = f["wargame/decisions"][()]
    n = len(d)
    assert n > 20 and (d["choice"] == 0).all()
    assert f"Homeland: {n} responses recorded ({n} by players, 0 left to the doctrine)" in r.stdout
    # Never public: attribution stays switched on, as in the scenario, but above every case
    # the player kept quiet about; that reproduces every answer, the scenario's does not.
    assert f"the doctrine fitted to them gives {n}" in r.stdout
    reproduced_by_start = int(r.stdout.split("the scenario's doctrine gives ")[1].split()[0])
    assert reproduced_by_start < n
    fitted = r.stdout.split("attribute = {enabled = true, threshold = ")[1]
    assert float(fitted.split("}")[0]) > d["case_strength"].max()


def test_the_sweep_compares_the_scenario_with_the_session_doctrine(cli, quiet_session, tmp_path):
    sweep = tmp_path / "as_played.toml"
    r = cli("debrief", quiet_session, "--sweep", sweep, "--replications", 5, "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    base = tmp_path / "as_played.base.toml"
    assert base.exists() and sweep.exists()
    text = sweep.read_text()
    assert 'path = "states.Homeland.doctrine"' in text
    # minimal.toml switches Homeland's sanctions on at day 731: the played doctrine
    # replaces that change, so the sweep also runs without it.
    assert 'path = "policy_changes"' in text and "--points 0 3" in text
    out = tmp_path / "as_played.h5"
    r = cli("sweep", sweep, "-o", out, "-q", "--incidents", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        labels = [x.decode() if isinstance(x, bytes) else x
                  for x in f["design/doctrine_Homeland"].attrs["labels"]]
        assert labels == ["doctrine", "as played"]
        runs = f["runs"][()]
        incidents = f["incidents"][()]
    assert sorted(set(runs["point"])) == [0, 1, 2, 3]
    assert (np.bincount(runs["point"].astype(np.int64)) == 5).all()
    # As played (point 3), Homeland responds in public far less than as the scenario is
    # (point 0). Not never: the fitted doctrine reproduces every quiet answer of the session
    # with the thresholds nearest the scenario's (docs/wargame.md), so a case stronger than
    # any the player saw can still be answered in public.
    public = incidents["rung_final"] > 0
    as_played, as_is = public[incidents["point"] == 3].sum(), public[incidents["point"] == 0].sum()
    assert as_is > 0
    assert 3 * as_played < as_is, (as_played, as_is)


def test_the_decisions_file_replays_the_session(cli, source_dir, quiet_session, tmp_path):
    decisions = tmp_path / "decisions.toml"
    r = cli("debrief", quiet_session, "--decisions", decisions, "-q")
    assert r.returncode == 0, r.stderr
    assert decisions.read_text().count("[[decision]]") > 20
    replay = tmp_path / "replay.h5"
    r = cli("wargame", source_dir / SCENARIO, "--play", "Homeland", "--turn-days", 0,
            "--horizon-days", 1200, "--decisions", decisions, "-o", replay, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(quiet_session) as a, h5py.File(replay) as b:
        for t in SIM_TABLES + ["wargame/decisions", "wargame/actions", "wargame/briefs"]:
            assert np.array_equal(a[t][()], b[t][()]), t


def test_an_interrupted_session_says_how_to_resume(cli, binary, source_dir, tmp_path):
    out = tmp_path / "stopped.h5"
    r = session(binary, source_dir, out, "q\nq\n", "--move-days", "0")
    assert r.returncode == 1
    r = cli("debrief", out)
    assert r.returncode == 0, r.stderr
    assert "an interrupted session, 2 decision(s)" in r.stdout
    assert f"cyberdeter wargame --resume {out}" in r.stdout
    # In moves, two answers of the first move's form are answers, not yet decisions.
    moved = tmp_path / "moved.h5"
    r = session(binary, source_dir, moved, "q\nq\n")
    assert r.returncode == 1
    r = cli("debrief", moved)
    assert r.returncode == 0, r.stderr
    assert "an interrupted session, 0 decision(s)" in r.stdout
    assert "and 2 answer(s) of the move under way" in r.stdout


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.h5", "does not exist"),
    (lambda d: d / "run.h5", "is not a war-game session file"),
])
def test_debrief_refuses_what_is_not_a_session(cli, source_dir, tmp_path, make, message):
    run = tmp_path / "run.h5"
    assert cli("run", source_dir / SCENARIO, "-o", run, "--replications", 1, "-q").returncode == 0
    r = cli("debrief", make(tmp_path))
    assert r.returncode == 2
    assert message in r.stderr


def test_debrief_writes_nothing_into_a_missing_directory(cli, quiet_session, tmp_path):
    r = cli("debrief", quiet_session, "--sweep", tmp_path / "no" / "s.toml")
    assert r.returncode == 2
    assert "does not exist" in r.stderr
    assert not (tmp_path / "no").exists()


def test_a_hand_written_file_need_not_list_what_delegation_leaves_to_the_doctrine(
        cli, binary, source_dir, tmp_path):
    japan = source_dir / "scenarios/japan_2015_2021.toml"
    common = ["--play", "Japan", "--horizon-days", 900, "--delegate-below", 0.4]
    full = tmp_path / "full.h5"
    r = subprocess.run([binary, "wargame", str(japan), *map(str, common), "-o", str(full), "-q"],
                       input="\n" * 300, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    exported = tmp_path / "full.toml"
    assert cli("debrief", full, "--decisions", exported, "-q").returncode == 0
    header, *entries = exported.read_text().split("\n[[decision]]\n")
    asked = [e for e in entries if 'source = "doctrine"' not in e]
    assert 0 < len(asked) < len(entries)
    trimmed = tmp_path / "asked.toml"
    trimmed.write_text(header + "".join("\n[[decision]]\n" + e for e in asked))

    replay = tmp_path / "replay.h5"
    r = cli("wargame", japan, *common, "--decisions", trimmed, "-o", replay, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(full) as a, h5py.File(replay) as b:
        for t in SIM_TABLES + ["wargame/decisions", "wargame/actions"]:
            assert np.array_equal(a[t][()], b[t][()]), t
    # Without the delegation the weak cases are asked, and the file does not answer them.
    r = cli("wargame", japan, *common[:4], "--decisions", trimmed, "-o", tmp_path / "x.h5", "-q")
    assert r.returncode == 2
    assert "but the session asks for" in r.stderr
    assert not (tmp_path / "x.h5").exists()
