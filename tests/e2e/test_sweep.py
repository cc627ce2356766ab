"""cyberdeter sweep on threads: the same file whatever the thread count, the same runs as
`run` with the same overrides, common random numbers across points, and bad sweep files."""
import h5py
import numpy as np
import pandas as pd
import pytest

SWEEP = """\
base = "{base}"
name = "test"
[run]
replications = 3
seed = 17
common_random_numbers = {crn}
[design]
kind = "grid"
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
range = [0.3, 0.9]
steps = 3
[[parameters]]
name = "defense"
path = "states.Homeland.defense"
values = [0.2, 0.5]
"""


def write(tmp_path, source_dir, crn="true", text=SWEEP):
    path = tmp_path / "sweep.toml"
    path.write_text(text.format(base=source_dir / "scenarios/minimal.toml", crn=crn))
    return path


def runs(path):
    with h5py.File(path) as f:
        return f["/runs"][:]


def test_same_file_whatever_the_thread_count(cli, source_dir, tmp_path):
    sweep = write(tmp_path, source_dir)
    tables = []
    for threads in (1, 2, 3):
        out = tmp_path / f"t{threads}.h5"
        r = cli("sweep", sweep, "-o", out, "--threads", threads)
        assert r.returncode == 0, r.stderr
        tables.append(runs(out))
    assert len(tables[0]) == 6 * 3
    assert all((t == tables[0]).all() for t in tables[1:]), "bit-identical /runs"
    assert list(tables[0]["point"]) == [p for p in range(6) for _ in range(3)]


def test_each_point_equals_run_with_the_same_overrides(cli, source_dir, tmp_path):
    sweep = write(tmp_path, source_dir)
    assert cli("sweep", sweep, "-o", tmp_path / "s.h5", "-q").returncode == 0
    table = pd.DataFrame(runs(tmp_path / "s.h5"))
    with h5py.File(tmp_path / "s.h5") as f:
        capability = f["/design/capability"][:]
        defense_index = f["/design/defense"][:].astype(int)
        defense_values = [float(v) for v in f["/design/defense"].attrs["values"]]
        assert f["/design"].attrs["paths"][0] == "attackers.RivalAPT.capability"
    for point in (0, 5):
        out = tmp_path / f"run{point}.h5"
        r = cli("run", source_dir / "scenarios/minimal.toml", "-o", out, "-q", "--seed", 17,
                "--replications", 3,
                "--set", f"attackers.RivalAPT.capability={capability[point]!r}",
                "--set", f"states.Homeland.defense={defense_values[defense_index[point]]!r}")
        assert r.returncode == 0, r.stderr
        single = pd.DataFrame(runs(out)).drop(columns="point")
        swept = table[table.point == point].drop(columns="point").reset_index(drop=True)
        pd.testing.assert_frame_equal(single, swept)


def test_common_random_numbers_across_points_unless_switched_off(cli, source_dir, tmp_path):
    assert cli("sweep", write(tmp_path, source_dir), "-o", tmp_path / "crn.h5", "-q").returncode == 0
    crn = pd.DataFrame(runs(tmp_path / "crn.h5"))
    assert crn.groupby("replication").seed.nunique().eq(1).all()
    independent = write(tmp_path, source_dir, crn="false")
    assert cli("sweep", independent, "-o", tmp_path / "ind.h5", "-q").returncode == 0
    ind = pd.DataFrame(runs(tmp_path / "ind.h5"))
    assert ind.seed.nunique() == len(ind)


@pytest.mark.parametrize("edit,phrase", [
    (lambda t: t.replace('kind = "grid"', 'kind = "saltelli"\npoints = 100'), "use 64 or 128"),
    (lambda t: t.replace("RivalAPT.capability", "RivalAPT.capabilty"), "did you mean 'capability'"),
    (lambda t: t.replace("range = [0.3, 0.9]", "range = [0.3, 1.5]"), "with value 1.5"),
    (lambda t: t.replace("replications = 3", "replicatons = 3"), "unknown key"),
    (lambda t: t.replace("values = [0.2, 0.5]", "values = [0.2, 1.0]"), "with value 1.0"),
])
def test_bad_sweep_files_exit_2_and_write_nothing(cli, source_dir, tmp_path, edit, phrase):
    sweep = write(tmp_path, source_dir, text=edit(SWEEP))
    r = cli("sweep", sweep, "-o", tmp_path / "out.h5")
    assert r.returncode == 2, r.stderr
    assert phrase in r.stderr, r.stderr
    assert r.stderr.startswith(f"error: {sweep}:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]


DOCTRINES = """\
base = "{base}"
name = "doctrines"
[run]
replications = 2
seed = 3
[design]
kind = "grid"
[[parameters]]
name = "doctrine"
path = "states.Homeland.doctrine"
values = [
  {{attribute = {{enabled = true, threshold = 0.3}}, sanction = {{enabled = false, threshold = 0.6}}}},
  {{attribute = {{enabled = false}}, coordinate = {{enabled = false}}, sanction = {{enabled = false}}}},
]
labels = ["as played", "silent"]
"""


def test_a_parameter_may_swap_whole_doctrines_with_labels(cli, source_dir, tmp_path):
    sweep = write(tmp_path, source_dir, text=DOCTRINES)
    out = tmp_path / "doctrines.h5"
    r = cli("sweep", sweep, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        design = f["/design/doctrine"]
        assert list(design[:]) == [0.0, 1.0]
        assert [str(v) for v in design.attrs["labels"]] == ["as played", "silent"]
        silent = str(design.attrs["values"][1])
        assert silent == ("{attribute = {enabled = false}, coordinate = {enabled = false}, "
                          "sanction = {enabled = false}}")
    table = pd.DataFrame(runs(out))
    assert list(table.point) == [0, 0, 1, 1]
    played, quiet = table[table.point == 0], table[table.point == 1]
    assert played.responses_attribute.sum() > 0
    assert (quiet.responses_attribute == 0).all(), "the silent doctrine never names alone"
    # Point 1 is the base scenario with the whole doctrine table replaced by the literal.
    single = tmp_path / "silent.h5"
    r = cli("run", source_dir / "scenarios/minimal.toml", "-o", single, "-q", "--seed", 3,
            "--replications", 2, "--set", f"states.Homeland.doctrine={silent}")
    assert r.returncode == 0, r.stderr
    pd.testing.assert_frame_equal(pd.DataFrame(runs(single)).drop(columns="point"),
                                  quiet.drop(columns="point").reset_index(drop=True))
    # Shards merged into one file keep the labels (merge rebuilds /design from the texts).
    parts = [tmp_path / "part1.h5", tmp_path / "part2.h5"]
    for shard, part in zip(("1/2", "2/2"), parts):
        r = cli("sweep", sweep, "-o", part, "--shard", shard, "-q")
        assert r.returncode == 0, r.stderr
    merged = tmp_path / "merged.h5"
    r = cli("merge", *parts, "-o", merged)
    assert r.returncode == 0, r.stderr
    with h5py.File(merged) as m, h5py.File(out) as f:
        assert [str(v) for v in m["/design/doctrine"].attrs["labels"]] == ["as played", "silent"]
        assert (m["/runs"][:] == f["/runs"][:]).all()


@pytest.mark.parametrize("edit,phrase", [
    (lambda t: t.replace('"silent"]', '"silent", "loud"]'), "expected 2 labels"),
    (lambda t: t.replace("  {{attribute = {{enabled = false}}",
                         "  0.5, {{attribute = {{enabled = false}}"),
     "expected an inline table like the first value"),
    (lambda t: t.replace("threshold = 0.3", "threshold = 0.1"),
     "('as played') the base scenario is invalid"),
])
def test_bad_doctrine_sweeps_exit_2(cli, source_dir, tmp_path, edit, phrase):
    sweep = write(tmp_path, source_dir, text=edit(DOCTRINES))
    r = cli("sweep", sweep, "-o", tmp_path / "out.h5")
    assert r.returncode == 2, r.stderr
    assert phrase in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]


UNORDERED = """\
base = "{base}"
name = "unordered thresholds"
[run]
replications = 1
seed = 6
[design]
kind = "latin_hypercube"
points = 60
[[parameters]]
name = "attribute"
path = "states.Homeland.doctrine.attribute.threshold"
range = [0.2, 0.45]
[[parameters]]
name = "coordinate"
path = "states.Homeland.doctrine.coordinate.threshold"
range = [0.4, 0.6]
"""


def test_the_points_check_names_the_lowest_bad_point_on_any_number_of_threads(cli, source_dir,
                                                                               tmp_path):
    # Each range is valid alone (the sweep file's own check), but an attribute threshold
    # above the coordinate threshold breaks the doctrine's order: only the whole point can
    # tell, so every point is loaded before anything runs, on
    # --threads threads. The error must not depend on which thread finds a bad point first.
    sweep = write(tmp_path, source_dir, text=UNORDERED)
    errors = set()
    for threads in (1, 2, 5):
        r = cli("sweep", sweep, "-o", tmp_path / "out.h5", "--threads", threads)
        assert r.returncode == 2, r.stderr
        assert "makes the base scenario invalid" in r.stderr, r.stderr
        assert "coordinate threshold" in r.stderr, r.stderr
        errors.add(r.stderr)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.toml"]
    assert len(errors) == 1, errors
    # The named point is the first bad one of the design (one thread checks them in order),
    # and not the first point, which every thread count would find first anyway.
    point = int(next(iter(errors)).split("design point ")[1].split(" ")[0])
    assert 0 < point < 60
