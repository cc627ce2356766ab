"""The cyberdeter command line, end to end: exit statuses, messages, files."""
import re
import shutil
import subprocess

import h5py
import numpy as np
import pandas as pd
import pytest


def test_version_prints_version_and_git_revision(cli):
    r = cli("--version")
    assert r.returncode == 0
    assert re.match(r"cyberdeter \d+\.\d+\.\d+ \(git [0-9a-z.\-]+\)", r.stdout), r.stdout


def test_help_lists_every_subcommand(cli):
    r = cli("--help")
    assert r.returncode == 0
    for sub in ("run", "validate", "describe", "sweep", "merge", "wargame"):
        assert sub in r.stdout


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["run"], ["run", "x.toml"],
                                  ["run", "x.toml", "-o", "y.h5", "--replications", "0"],
                                  ["run", "x.toml", "-o", "y.h5", "--compression", "12"],
                                  ["--no-such-flag"]])
def test_bad_command_lines_exit_2(cli, args):
    r = cli(*args)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip(), "a bad command line must say what is wrong"


@pytest.mark.parametrize("args,phrase", [
    (["foo"], "unknown command 'foo'; the commands are run, validate"),
    (["swep", "x.toml"], "unknown command 'swep' (did you mean 'sweep'?)"),
    (["calibrat", "--help"], "unknown command 'calibrat'"),
])
def test_an_unknown_command_is_named_with_a_suggestion(cli, args, phrase):
    """`cyberdeter foo` said "A subcommand is required", and `cyberdeter calibrate --help`
    printed the main help with exit 0."""
    r = cli(*args)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert phrase in r.stderr, r.stderr


def test_every_designed_subcommand_is_available(cli):
    r = cli("--help")
    assert r.returncode == 0
    for name in ("run", "validate", "describe", "sweep", "merge", "equilibrium", "wargame",
                 "debrief"):
        assert name in r.stdout, name
    assert "not available" not in r.stdout


def test_run_writes_a_self_describing_file(cli, source_dir, tmp_path):
    scenario = source_dir / "scenarios/reference/phold.toml"
    out = tmp_path / "phold.h5"
    r = cli("run", scenario, "-o", out, "--replications", 3, "--horizon-days", 30)
    assert r.returncode == 0, r.stderr
    assert "events processed" in r.stdout
    assert out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["phold.h5"], "no partial file may remain"

    with h5py.File(out, "r") as f:
        for key in ("program", "program_version", "git_revision", "command_line",
                    "created_utc", "schema_version"):
            assert isinstance(f.attrs[key], str) and f.attrs[key], key
        assert "--replications" in f.attrs["command_line"]
        text = f["/scenario/text"][()].decode("utf-8")
        assert text == scenario.read_text()
        resolved = f["/scenario/resolved"][()].decode("utf-8")
        assert "horizon_days = 30.0" in resolved and "replications = 3" in resolved
        runs = pd.DataFrame(f["/runs"][:])
        assert f["/runs"].attrs["events_unit"] == "count"
    assert list(runs["replication"]) == [0, 1, 2]
    assert (runs["end_day"] == 30.0).all()
    assert (runs["events"] > 0).all()
    assert runs["fingerprint"].nunique() == 3, "replications must differ"


def test_same_seed_same_runs_table(cli, source_dir, tmp_path):
    scenario = source_dir / "scenarios/reference/phold.toml"
    tables = []
    for name in ("a.h5", "b.h5"):
        r = cli("run", scenario, "-o", tmp_path / name, "--replications", 2,
                "--horizon-days", 10, "--seed", 99, "-q")
        assert r.returncode == 0 and r.stdout == ""
        with h5py.File(tmp_path / name) as f:
            tables.append(f["/runs"][:])
    assert (tables[0] == tables[1]).all()


def datasets(path):
    """Every dataset of an HDF5 file by name, as NumPy arrays."""
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
    return out


def stored_chunks(path):
    """Every chunk of every chunked dataset: where it sits, its filter mask and its bytes."""
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and obj.chunks is not None:
                for i in range(obj.id.get_num_chunks()):
                    info = obj.id.get_chunk_info(i)
                    mask, data = obj.id.read_direct_chunk(info.chunk_offset)
                    out[(name, info.chunk_offset)] = (info.byte_offset, info.filter_mask, mask,
                                                      bytes(data))
        f.visititems(visit)
    return out


def test_run_on_any_number_of_threads_writes_the_same_tables(cli, source_dir, tmp_path):
    scenario = source_dir / "scenarios/japan_2015_2021.toml"
    files = {}
    chunks = {}
    for threads in (1, 2, 5):
        out = tmp_path / f"t{threads}.h5"
        r = cli("run", scenario, "-o", out, "--replications", 23, "--incidents", "--choices",
                "--threads", threads)
        assert r.returncode == 0, r.stderr
        assert f"on {threads} thread" in r.stdout, r.stdout
        files[threads] = datasets(out)
        chunks[threads] = stored_chunks(out)
    assert {"runs", "timeseries", "incidents", "choices"} <= set(files[1])
    for threads in (2, 5):
        assert files[threads].keys() == files[1].keys()
        for name, data in files[1].items():
            assert np.array_equal(files[threads][name], data), f"{name} differs on {threads} threads"
        # Chunks are compressed on as many threads, yet stored at the same places with the
        # same bytes.
        assert chunks[threads] == chunks[1], f"stored chunks differ on {threads} threads"
    assert len(chunks[1]) > 10


def test_deflated_tables_read_back_through_zlib_as_the_uncompressed_ones(cli, source_dir,
                                                                         tmp_path):
    """Full chunks are deflated by libdeflate, partial ones by HDF5's zlib: h5py and h5dump
    (plain zlib) must read the values written without compression."""
    scenario = source_dir / "scenarios/japan_2015_2021.toml"
    tables = ("runs", "timeseries", "incidents", "choices")
    files = {}
    for level in (0, 1, 9):
        out = tmp_path / f"c{level}.h5"
        r = cli("run", scenario, "-o", out, "--replications", 23, "--incidents", "--choices",
                "--threads", 2, "--compression", level, "-q")
        assert r.returncode == 0, r.stderr
        files[level] = out
        with h5py.File(out) as f:
            assert f["incidents"].compression == (None if level == 0 else "gzip")
            assert f["incidents"].id.get_num_chunks() > 3
    plain = datasets(files[0])
    for level in (1, 9):
        deflated = datasets(files[level])
        for name in tables:
            assert np.array_equal(deflated[name], plain[name]), f"{name} differs at level {level}"
    assert files[1].stat().st_size < files[0].stat().st_size / 2
    h5dump = shutil.which("h5dump")
    if h5dump is None:
        pytest.skip("h5dump (hdf5-tools) is not installed")
    dumps = [subprocess.run([h5dump, "-d", "/incidents", str(files[level])], capture_output=True,
                            text=True) for level in (0, 1)]
    for dump in dumps:
        assert dump.returncode == 0, dump.stderr
    # The first line names the file.
    assert dumps[1].stdout.split("\n", 1)[1] == dumps[0].stdout.split("\n", 1)[1]


def test_a_failing_replication_is_reported_the_same_on_any_number_of_threads(
        cli, source_dir, tmp_path):
    # The budget sits between replication events so that an early one passes and a later
    # one fails: the error must name that later replication whatever the threads' timing.
    scenario = source_dir / "scenarios/japan_2015_2021.toml"
    r = cli("run", scenario, "-o", tmp_path / "all.h5", "--replications", 40, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "all.h5") as f:
        events = [int(e) for e in f["/runs"]["events"]]
    passing = max(events[:2])
    failing = next(i for i, e in enumerate(events) if i >= 2 and e > passing)
    budget = (passing + events[failing]) // 2
    for threads in (1, 4):
        out = tmp_path / f"fail{threads}.h5"
        r = cli("run", scenario, "-o", out, "--replications", 40, "--threads", threads,
                "--set", f"run.max_events={budget}", timeout=60)
        assert r.returncode == 2, r.stderr
        assert f"run.max_events: replication {failing} reached {budget} events" in r.stderr, \
            r.stderr
        assert not out.exists()


def test_hold_scenario_runs(cli, source_dir, tmp_path):
    r = cli("run", source_dir / "scenarios/reference/hold.toml", "-o", tmp_path / "h.h5",
            "--horizon-days", 5, "--set", "hold.pending=100")
    assert r.returncode == 0, r.stderr
    with h5py.File(tmp_path / "h.h5") as f:
        runs = f["/runs"][:]
    # 100 pending events, mean hold 1 day, 5 days: about 500 events per replication.
    assert all(300 < e < 700 for e in runs["events"])


BAD_SCENARIOS = [
    # (file text, expected line, key in message, phrase in message)
    ('model = "phold"\n[run\nseed = 1\n', 2, "", "TOML syntax error"),
    ('model = "phold"\n[run]\nreplicatons = 2\n', 3, "run.replicatons", "did you mean 'replications'"),
    ('model = "phold"\n[phold]\nremote_fraction = 1.5\n', 3, "phold.remote_fraction", "expected a number in [0, 1]"),
    ('model = "phold"\n[phold]\nlogical_processes = "many"\n', 3, "phold.logical_processes", "expected an integer"),
    ('model = "phold"\n[run]\nhorizon_days = -5\n', 3, "run.horizon_days", "expected a number in (0,"),
    ('model = "tetris"\n', 1, "model", 'expected one of "deterrence", "phold", "hold"'),
    ('[run]\nseed = 1\n', 1, "states", "missing required table [states]"),
    ('model = "hold"\n[phold]\nremote_fraction = 0.5\n', 2, "phold", "unknown key"),
]


@pytest.mark.parametrize("text,line,key,phrase", BAD_SCENARIOS)
def test_bad_scenarios_exit_2_with_place_and_no_output(cli, tmp_path, text, line, key, phrase):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text)
    out = tmp_path / "out.h5"
    r = cli("run", scenario, "-o", out)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"error: {scenario}:{line}:"), r.stderr
    if key:
        assert f": {key}: " in r.stderr
    assert phrase in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"], "no output on bad input"
    assert cli("validate", scenario).returncode == 2


def test_missing_scenario_file_exits_2(cli, tmp_path):
    r = cli("run", tmp_path / "nope.toml", "-o", tmp_path / "o.h5")
    assert r.returncode == 2
    assert "nope.toml" in r.stderr and "cannot open" in r.stderr


def test_missing_output_directory_exits_2_and_writes_nothing(cli, source_dir, tmp_path):
    r = cli("run", source_dir / "scenarios/reference/phold.toml", "-o", tmp_path / "no/such/dir/o.h5")
    assert r.returncode == 2
    assert "does not exist" in r.stderr


def test_bad_override_exits_2(cli, source_dir, tmp_path):
    r = cli("run", source_dir / "scenarios/reference/phold.toml", "-o", tmp_path / "o.h5",
            "--set", "phold.mean_delay_days=0")
    assert r.returncode == 2
    assert "phold.mean_delay_days" in r.stderr and "expected a number > 0" in r.stderr
    assert not any(tmp_path.iterdir())


def test_validate_and_describe_round_trip(cli, source_dir, tmp_path):
    scenario = source_dir / "scenarios/reference/phold.toml"
    assert cli("validate", scenario).returncode == 0
    first = cli("describe", scenario, "--set", "phold.remote_fraction=0.25")
    assert first.returncode == 0
    assert "remote_fraction = 0.25" in first.stdout
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(first.stdout)
    assert cli("validate", resolved).returncode == 0, "describe must print a valid scenario"
    second = cli("describe", resolved)
    body = lambda s: s.split("\n", 1)[1]  # drop the comment line naming the file
    assert body(second.stdout) == body(first.stdout)


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_interrupt_stops_cleanly_and_leaves_no_file(binary, source_dir, tmp_path, signal_name):
    import signal
    import subprocess
    import time
    out = tmp_path / "long.h5"
    proc = subprocess.Popen([binary, "run", str(source_dir / "scenarios/japan_2015_2021.toml"),
                             "-o", str(out), "--replications", "1000000", "--incidents"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while not any(tmp_path.iterdir()) and time.time() < deadline:  # the partial file exists
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(getattr(signal, signal_name))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "no output was written" in err
    assert not any(tmp_path.iterdir()), "the partial file must be removed"
