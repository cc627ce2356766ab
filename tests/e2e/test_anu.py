"""The ANU deterrence model through the real binary: run, validate, describe, bad input,
sweeps that give the same bytes on threads, shards and MPI ranks, and the reduced docking
grid of docs/validation.md §5 against the published table."""
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "ASAN_OPTIONS": "detect_leaks=0"}

SMALL_SWEEP = """\
base = "{base}"
name = "anu-small"
[run]
replications = 3
seed = 9
[design]
kind = "grid"
[[parameters]]
name = "attribution"
path = "anu.attribution"
range = [0.2, 0.8]
steps = 2
[[parameters]]
name = "rationality"
path = "anu.rationality"
values = [0.1, 0.9]
"""


@pytest.fixture
def scenario(source_dir):
    return source_dir / "scenarios" / "reference" / "anu_deterrence.toml"


@pytest.fixture
def small_base(tmp_path, scenario):
    """The built-in scenario at 40 turns of 20 states: a run takes milliseconds."""
    text = scenario.read_text()
    text = re.sub(r"(?m)^states = 100 ", "states = 20 ", text)
    text = re.sub(r"(?m)^turns = 10000 ", "turns = 40 ", text)
    text = re.sub(r"(?m)^trajectory_turns = 100 ", "trajectory_turns = 10 ", text)
    path = tmp_path / "anu_small.toml"
    path.write_text(text)
    return path


def test_run_writes_the_tables_with_units(cli, small_base, tmp_path):
    out = tmp_path / "anu.h5"
    r = cli("run", small_base, "-o", out, "--replications", 3, "--seed", 4)
    assert r.returncode == 0, r.stderr
    assert "max deterrence" in r.stdout and "M attacks/s" in r.stdout
    with h5py.File(out) as f:
        assert f["/scenario"].attrs["model"] == "anu_deterrence"
        runs, intensities, trajectory = f["/runs"][:], f["/intensities"][:], f["/trajectory"][:]
        assert len(runs) == 3 and list(runs["replication"]) == [0, 1, 2]
        assert (runs["attacks"] == 20 * 100 * 40).all()
        assert len(intensities) == 3 * 10
        assert len(trajectory) == 3 * 4 * 10  # turns 10, 20, 30, 40
        top = intensities["retaliation_mean"].reshape(3, 10).max(axis=1)
        assert np.array_equal(top, runs["max_deterrence"])
        assert f["/runs"].attrs["description"]
        units = {k: v for k, v in f["/runs"].attrs.items() if k.startswith("unit")}
        assert units, "every column carries its unit"
    again = tmp_path / "again.h5"
    assert cli("run", small_base, "-o", again, "--replications", 3, "--seed", 4, "-q").returncode == 0
    with h5py.File(out) as a, h5py.File(again) as b:
        assert a["/runs"][:].tobytes() == b["/runs"][:].tobytes()


def test_validate_and_describe_round_trip(cli, scenario, tmp_path):
    r = cli("validate", scenario)
    assert r.returncode == 0 and "ANU deterrence model" in r.stdout
    r = cli("describe", scenario, "--set", "anu.rationality=0.25")
    assert r.returncode == 0, r.stderr
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(r.stdout)
    assert "rationality = 0.25" in r.stdout
    again = cli("describe", resolved)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split("\n", 1)[1] == r.stdout.split("\n", 1)[1]


@pytest.mark.parametrize("text,where,phrase", [
    ('model = "anu_deterrence"\n[anu]\nrationality = 1.5\n', ":3:", "anu.rationality"),
    ('model = "anu_deterrence"\n[anu]\nstates = 5\n[coordination]\npartners = 9\n', ":5:",
     "coordination.partners"),
    ('model = "anu_deterrence"\n[anu]\nturn = 5\n', ":3:", "anu.turn: unknown key"),
    ('model = "anu_deterrence"\n[publication]\ndelay_rounds = -1\n', ":3:",
     "publication.delay_rounds"),
])
def test_bad_files_exit_2_with_the_place_and_write_nothing(cli, tmp_path, text, where, phrase):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out.h5"
    for args in (["run", bad, "-o", out], ["validate", bad], ["describe", bad]):
        r = cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert f"bad.toml{where}" in r.stderr and phrase in r.stderr, r.stderr
        assert r.stdout == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_run_refuses_deterrence_options(cli, scenario, tmp_path):
    for option in (["--horizon-days", "10"], ["--incidents"]):
        r = cli("run", scenario, "-o", tmp_path / "x.h5", *option)
        assert r.returncode == 2 and "deterrence" in r.stderr or "ANU" in r.stderr, r.stderr
        assert not (tmp_path / "x.h5").exists()


def run_env(binary, *args, launcher=()):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_ARRAY_")}
    env.update(MPI_ENV)
    return subprocess.run([*launcher, binary, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)


def tables(path):
    with h5py.File(path) as f:
        return {t: f[t][:] for t in ("/runs", "/intensities", "/trajectory")}


def same(a, b):
    ta, tb = tables(a), tables(b)
    for name in ta:
        assert ta[name].dtype == tb[name].dtype, name
        assert ta[name].tobytes() == tb[name].tobytes(), f"{name} differs"


def test_a_sweep_is_the_same_bytes_on_threads_shards_and_mpi(binary, small_base, tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SMALL_SWEEP.format(base=small_base))
    one = tmp_path / "one.h5"
    r = run_env(binary, "sweep", sweep, "-o", one, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(one) as f:
        assert len(f["/runs"]) == 4 * 3
        assert list(f["/design"].attrs["paths"]) == ["anu.attribution", "anu.rationality"]
        assert sorted(set(f["/runs"]["rationality"])) == [0.1, 0.9]
        assert set(f["/runs"]["point"]) == {0, 1, 2, 3}
    two = tmp_path / "two.h5"
    assert run_env(binary, "sweep", sweep, "-o", two, "--threads", 2, "-q").returncode == 0
    same(one, two)
    parts = [tmp_path / f"shard{i}.h5" for i in (1, 2, 3)]
    for i, part in enumerate(parts, 1):
        r = run_env(binary, "sweep", sweep, "-o", part, "--shard", f"{i}/3", "-q")
        assert r.returncode == 0, r.stderr
    merged = tmp_path / "merged.h5"
    r = run_env(binary, "merge", parts[2], parts[0], parts[1], "-o", merged, "-q")
    assert r.returncode == 0, r.stderr
    same(one, merged)
    r = run_env(binary, "merge", parts[0], parts[1], "-o", tmp_path / "short.h5")
    assert r.returncode == 2 and "in no part" in r.stderr, r.stderr
    assert not (tmp_path / "short.h5").exists()
    if shutil.which("mpirun"):
        mpi = tmp_path / "mpi.h5"
        r = run_env(binary, "sweep", sweep, "-o", mpi, "-q",
                    launcher=["mpirun", "--oversubscribe", "-n", "2"])
        if "built without MPI" not in r.stderr:
            assert r.returncode == 0, r.stderr
            same(one, mpi)
    # The rows of a point are those of `run` with the same overrides and seed (independent
    # points: the run id carries the point).
    with h5py.File(one) as f:
        row = f["/runs"][f["/runs"]["point"] == 3][0]
    assert row["rationality"] == 0.9 and abs(row["attribution"] - 0.8) < 1e-12


def test_sweep_refuses_timeseries_and_bad_paths(binary, small_base, tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SMALL_SWEEP.format(base=small_base))
    r = run_env(binary, "sweep", sweep, "-o", tmp_path / "o.h5", "--timeseries")
    assert r.returncode == 2 and "--timeseries" in r.stderr, r.stderr
    bad = tmp_path / "bad_sweep.toml"
    bad.write_text(SMALL_SWEEP.format(base=small_base).replace(
        'path = "anu.rationality"\nvalues = [0.1, 0.9]', 'path = "anu.rationality"\nvalues = [0.1, 1.9]'))
    r = run_env(binary, "sweep", bad, "-o", tmp_path / "o.h5")
    assert r.returncode == 2, r.stderr
    assert re.search(r"bad_sweep\.toml:\d+:\d+: parameters\[1\]\.path", r.stderr), r.stderr
    assert "expected a number in [0, 1], got 1.9" in r.stderr
    assert not (tmp_path / "o.h5").exists()


def test_the_reduced_docking_grid(binary, source_dir, tmp_path):
    """docs/validation.md §5 in small: at 1,000 turns the answer already shows. Where the
    published table has random attackers (rationality 0) retaliating at 0.99 and fully
    rational ones (rationality 1) at about 0.33, the model as its code is written does the
    opposite."""
    out = tmp_path / "reduced.h5"
    r = run_env(binary, "sweep", source_dir / "scenarios/sweeps/anu_grid_reduced.toml", "-o", out,
                "--threads", 2, "-q")
    assert r.returncode == 0, r.stderr
    sys.path.insert(0, str(source_dir))
    from analysis import docking
    cells = {(c.rationality, c.attribution): c
             for c in docking.compare(docking.published(), docking.ours(str(out)))}
    assert len(cells) == 9
    for a in (0.5, 1.0):
        random_attackers, rational = cells[(0.0, a)], cells[(1.0, a)]
        assert random_attackers.published_mean > 0.95 and random_attackers.ours_mean < 0.75
        assert rational.published_mean < 0.4 and rational.ours_mean > 0.8
        assert random_attackers.verdict(0.05) == "differs" == rational.verdict(0.05)
    r = subprocess.run([sys.executable, "-m", "analysis.docking", str(out), "--markdown"],
                       capture_output=True, text=True, cwd=source_dir)
    assert r.returncode == 0, r.stderr
    assert re.search(r"\d+ of 9 cells agree, \d+ differ", r.stdout), r.stdout
    r = subprocess.run([sys.executable, "-m", "analysis.docking", str(tmp_path / "none.h5")],
                       capture_output=True, text=True, cwd=source_dir)
    assert r.returncode == 2 and r.stderr.startswith("error: "), r.stderr
