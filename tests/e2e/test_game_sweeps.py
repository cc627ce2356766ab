"""Sweeps of the formal games (docs/games.md "Sweeps") through the real binary: the same
bytes on threads, shards merged in any order, MPI ranks and a killed run resumed; a
point's rows are those of `run` with the same overrides and seed, theory columns included;
bad sweep files exit 2 at their line and key and write nothing."""
import random
import re
import shutil
import signal

import h5py
import numpy as np
import pytest

from test_sweep_modes import contents, environment, mpirun, start_and_stop

needs_mpi = pytest.mark.skipif(shutil.which("mpirun") is None, reason="mpirun is not on PATH")

# Small bases: a task takes about a millisecond, so that the whole sweep runs in a second
# or two, yet long enough to be killed after its first checkpoint.
GAMES = {
    "attribution": {
        "base": "validation/attribution_baseline.toml",
        "sets": {"run.rounds": "3000", "run.trajectory_rounds": "1000"},
        "tables": ("/runs", "/attackers", "/signals", "/trajectory"),
        "sweep": """\
base = "{base}"
name = "attribution-detection"
[run]
replications = {replications}
seed = 31
[design]
kind = "grid"
[[parameters]]
name = "detection"
path = "signals.detection"
range = [0.2, 1.0]
steps = 3
[[parameters]]
name = "mode"
path = "game.mode"
values = ["fixed", "learning"]
""",
        "points": 6,
    },
    "timing": {
        "base": "validation/timing_game.toml",
        "sets": {"run.episodes": "300", "search.grid_points": "5", "search.tolerance": "0.02",
                 "search.check_episodes": "300", "evaluate.thresholds": "[0.5]"},
        "tables": ("/runs", "/values"),
        "sweep": """\
base = "{base}"
name = "timing-stealth"
[run]
replications = {replications}
seed = 7
common_random_numbers = false
[design]
kind = "grid"
[[parameters]]
name = "stealth"
path = "game.stealth"
range = [0.1, 0.7]
steps = 4
""",
        "points": 4,
    },
}


def base_text(source_dir, game):
    """The game's validation file with the smaller settings of GAMES (keys replaced in
    place, so that the file keeps its layout)."""
    spec = GAMES[game]
    text = (source_dir / "scenarios" / spec["base"]).read_text()
    for key, value in spec["sets"].items():
        table, name = key.rsplit(".", 1)
        section = re.search(rf"(?ms)^\[{re.escape(table)}\]\n(.*?)(?=^\[|\Z)", text)
        assert section, (game, table)
        body = section.group(1)
        if re.search(rf"(?m)^{name} = ", body):
            body = re.sub(rf"(?m)^{name} = .*$", f"{name} = {value}", body)
        else:
            body = f"{name} = {value}\n" + body
        text = text[:section.start(1)] + body + text[section.end(1):]
    return text


@pytest.fixture(scope="module", params=sorted(GAMES))
def game(request, binary, source_dir, tmp_path_factory):
    """A game's small sweep, its reference output on one thread, and how to run it."""
    import subprocess
    name = request.param
    spec = GAMES[name]
    d = tmp_path_factory.mktemp(name)
    base = d / "base.toml"
    base.write_text(base_text(source_dir, name))
    replications = 40
    sweep = d / "sweep.toml"
    sweep.write_text(spec["sweep"].format(base=base, replications=replications))

    def run(*args, launcher=()):
        return subprocess.run([*launcher, binary, *map(str, args)], capture_output=True,
                              text=True, env=environment(), timeout=300)

    ref = d / "ref.h5"
    r = run("sweep", sweep, "-o", ref, "--threads", 1, "-q")
    assert r.returncode == 0, r.stderr
    return type("Game", (), dict(name=name, dir=d, base=base, sweep=sweep, ref=ref, run=run,
                                 tables=spec["tables"], points=spec["points"],
                                 replications=replications))


def assert_same(a, b, tables):
    """Every table equal in its bytes, and every other dataset and attribute equal (but
    the root's provenance)."""
    with h5py.File(a) as fa, h5py.File(b) as fb:
        assert sorted(fa) == sorted(fb)
        for name in tables:
            ta, tb = fa[name][:], fb[name][:]
            assert ta.dtype == tb.dtype, name
            assert len(ta) == len(tb), f"{name}: {len(ta)} rows != {len(tb)} rows"
            assert ta.tobytes() == tb.tobytes(), f"{name} differs"
    ca, cb = contents(a), contents(b)
    assert sorted(ca) == sorted(cb)
    for name in ca:
        assert ca[name] == cb[name], f"{name} differs between {a.name} and {b.name}"


def test_the_reference_holds_every_point_in_task_order(game):
    with h5py.File(game.ref) as f:
        assert f["/scenario"].attrs["model"] == {"attribution": "attribution_game",
                                                 "timing": "timing_game"}[game.name]
        assert f["/sweep"].attrs["complete"] == 1
        runs = f["/runs"][:]
        assert len(runs) == game.points * game.replications
        task = runs["point"].astype(np.int64) * game.replications + runs["replication"]
        assert list(task) == list(range(len(runs)))
        for name in game.tables[1:]:
            rows = f[name][:]
            t = rows["point"].astype(np.int64) * game.replications + rows["replication"]
            assert (np.diff(t) >= 0).all(), f"{name} is not in task order"
            assert set(t) == set(range(len(runs))), f"{name} misses tasks"
        assert len(f["/design/point"]) == game.points


def test_threads(game, tmp_path):
    out = tmp_path / "two.h5"
    r = game.run("sweep", game.sweep, "-o", out, "--threads", 2, "-q")
    assert r.returncode == 0, r.stderr
    assert_same(game.ref, out, game.tables)


def test_shards_merged_in_any_order(game, tmp_path):
    parts = [tmp_path / f"shard{i}.h5" for i in (1, 2, 3)]
    for i, part in enumerate(parts, 1):
        r = game.run("sweep", game.sweep, "-o", part, "--shard", f"{i}/3", "-q")
        assert r.returncode == 0, r.stderr
    shuffled = parts[:]
    random.Random(3).shuffle(shuffled)
    merged = tmp_path / "merged.h5"
    r = game.run("merge", *shuffled, "-o", merged, "-q")
    assert r.returncode == 0, r.stderr
    assert_same(game.ref, merged, game.tables)
    r = game.run("merge", parts[0], parts[2], "-o", tmp_path / "short.h5")
    assert r.returncode == 2 and "in no part" in r.stderr, r.stderr
    assert not (tmp_path / "short.h5").exists()


@needs_mpi
def test_mpi_ranks(game, tmp_path):
    out = tmp_path / "mpi.h5"
    r = game.run("sweep", game.sweep, "-o", out, "-q", launcher=mpirun(2))
    if "built without MPI" in r.stderr:
        pytest.skip("built without MPI")
    assert r.returncode == 0, r.stderr
    assert_same(game.ref, out, game.tables)


def test_killed_then_resumed(binary, game, tmp_path):
    out = tmp_path / "out.h5"
    args = ["sweep", game.sweep, "-o", out, "--threads", 2, "--checkpoint", 0.02, "-q"]
    code, _, stderr = start_and_stop(binary, args, out, signal.SIGKILL)
    assert code == -signal.SIGKILL, stderr
    assert not out.exists()
    r = game.run(*args, "--resume")
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "out.h5.parts").exists()
    assert_same(game.ref, out, game.tables)


def test_a_points_rows_are_those_of_run(game, tmp_path):
    """With common random numbers a point's replication r is `run` with the point's
    overrides, the sweep's seed and replication r; without, the run id carries the point
    and the rows differ. Either way the theory columns are the point's closed form."""
    with h5py.File(game.ref) as f:
        k = game.points - 1
        overrides = [o.decode() if isinstance(o, bytes) else o
                     for o in f["/design"].attrs["paths"]]
        values = {name: f[f"/design/{name}"][k] for name in f["/design"].attrs["parameters"]}
        sweep_runs = f["/runs"][f["/runs"]["point"] == k]
        sweep_other = {t: f[t][f[t]["point"] == k] for t in game.tables[1:]}
        seed = int(f["/sweep"].attrs["master_seed"])
        crn = bool(f["/design"].attrs["common_random_numbers"])
    sets = []
    if game.name == "attribution":
        assert overrides == ["signals.detection", "game.mode"]
        sets = ["signals.detection=1.0", "game.mode=learning"]
        assert values["detection"] == 1.0 and values["mode"] == 1
    else:
        assert overrides == ["game.stealth"]
        sets = ["game.stealth=0.7"]
        assert abs(values["stealth"] - 0.7) < 1e-12
    out = tmp_path / "run.h5"
    args = [a for s in sets for a in ("--set", s)]
    r = game.run("run", game.base, "-o", out, "--seed", seed, "--replications", 3, "-q", *args)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        runs = f["/runs"][:]
        others = {t: f[t][:] for t in game.tables[1:]}
        if game.name == "attribution":
            theory = f["/equilibrium/attackers"]["attack"]
        else:
            theory = [f["/equilibrium"].attrs["threshold"]]
    assert set(runs["point"]) == {0}
    mine = sweep_runs[:3].copy()
    mine["point"] = 0
    if crn:
        assert mine.tobytes() == runs.tobytes()
        for t, rows in sweep_other.items():
            rows = rows[rows["replication"] < 3].copy()
            rows["point"] = 0
            assert rows.tobytes() == others[t].tobytes(), t
    else:
        assert not np.array_equal(mine["fingerprint"], runs["fingerprint"])
    if game.name == "attribution":
        attackers = sweep_other["/attackers"]
        assert np.array_equal(attackers["attack_theory"][:2], theory)
    else:
        assert (sweep_runs["threshold_theory"] == theory[0]).all()


def test_theory_moves_with_the_swept_parameter(game):
    """The closed form is solved per point: more detection deters (a_i falls), more
    stealth makes waiting less worth it (T* falls)."""
    with h5py.File(game.ref) as f:
        if game.name == "attribution":
            a = f["/attackers"][:]
            fixed = a[a["point"] % 2 == 0]  # mode "fixed" at every detection
            per_point = [fixed["attack_theory"][fixed["point"] == k][0] for k in (0, 2, 4)]
        else:
            runs = f["/runs"][:]
            per_point = [runs["threshold_theory"][runs["point"] == k][0] for k in range(4)]
    assert all(b < a for a, b in zip(per_point, per_point[1:])), per_point


def test_timeseries_is_refused(game, tmp_path):
    r = game.run("sweep", game.sweep, "-o", tmp_path / "o.h5", "--timeseries")
    assert r.returncode == 2 and "--timeseries" in r.stderr, r.stderr
    assert not (tmp_path / "o.h5").exists()


# (old text, new text, key, phrase, the text on the line the error names). A value that
# the base refuses is reported at the parameter's `path`, as for the deterrence model; the
# path is followed into the base only where the base holds the key, so a misspelt key is
# the base loader's "unknown key" with its suggestion.
BAD = {
    "attribution": [
        ('path = "signals.detection"', 'path = "signals.detektion"', "parameters[0].path",
         "the base scenario is invalid: unknown key (did you mean 'detection'?)",
         'path = "signals.detektion"'),
        ("range = [0.2, 1.0]", "range = [0.2, 1.5]", "parameters[0].path",
         "with value 1.5 the base scenario is invalid: expected a number in [0, 1]",
         'path = "signals.detection"'),
        ('values = ["fixed", "learning"]', 'values = ["fixed", "learned"]', "parameters[1].path",
         'with value "learned" the base scenario is invalid: expected one of "fixed", "learning"',
         'path = "game.mode"'),
        ("steps = 3", "steps = 1", "parameters[0].steps", "expected an integer", "steps = 1"),
    ],
    "timing": [
        ('path = "game.stealth"', 'path = "game.stelth"', "parameters[0].path",
         "the base scenario is invalid: unknown key (did you mean 'stealth'?)",
         'path = "game.stelth"'),
        ("range = [0.1, 0.7]", "range = [-0.1, 0.7]", "parameters[0].path",
         "with value -0.1 the base scenario is invalid: expected a number in [0, 1]",
         'path = "game.stealth"'),
        ("seed = 7", "seed = -7", "run.seed", "expected an integer", "seed = -7"),
    ],
}


@pytest.mark.parametrize("case", range(4))
def test_bad_sweep_files_exit_2_at_their_line_and_key(game, tmp_path, case):
    if case >= len(BAD[game.name]):
        pytest.skip("fewer cases for this game")
    old, new, key, phrase, anchor = BAD[game.name][case]
    text = game.sweep.read_text()
    assert old in text
    bad = tmp_path / "bad_sweep.toml"
    bad.write_text(text.replace(old, new))
    line = next(i for i, l in enumerate(bad.read_text().split("\n"), 1) if anchor in l)
    out = tmp_path / "o.h5"
    r = game.run("sweep", bad, "-o", out)
    assert r.returncode == 2, r.stderr
    assert re.search(rf"bad_sweep\.toml:{line}:\d+: {re.escape(key)}: ", r.stderr), r.stderr
    assert phrase in r.stderr, r.stderr
    assert r.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad_sweep.toml"]


def test_a_bad_base_game_file_is_reported_at_the_sweeps_base_key(game, tmp_path):
    base = tmp_path / "base.toml"
    base.write_text(game.base.read_text().replace("[game]", "[game]\nbogus = 1", 1))
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(re.sub(r'(?m)^base = .*$', f'base = "{base}"', game.sweep.read_text()))
    r = game.run("sweep", sweep, "-o", tmp_path / "o.h5")
    assert r.returncode == 2, r.stderr
    assert f"{sweep}:1:" in r.stderr and "base" in r.stderr, r.stderr
    assert "game.bogus: unknown key" in r.stderr, r.stderr
    assert not (tmp_path / "o.h5").exists() and not (tmp_path / "o.h5.parts").exists()


def test_merge_refuses_a_part_of_another_sweep(game, tmp_path):
    a = tmp_path / "a.h5"
    r = game.run("sweep", game.sweep, "-o", a, "--shard", "1/2", "-q")
    assert r.returncode == 0, r.stderr
    other = tmp_path / "other.toml"
    other.write_text(game.sweep.read_text().replace("name = ", "name = \"other\"\n# ", 1))
    b = tmp_path / "b.h5"
    r = game.run("sweep", other, "-o", b, "--shard", "2/2", "-q")
    assert r.returncode == 0, r.stderr
    r = game.run("merge", a, b, "-o", tmp_path / "m.h5")
    assert r.returncode == 2, r.stderr
    assert "another sweep" in r.stderr or "different sweeps" in r.stderr, r.stderr
    assert not (tmp_path / "m.h5").exists()


TYPES = {"u8": "uint64", "i8": "int64", "f8": "float64", "u4": "uint32", "i4": "int32",
         "u1": "uint8", "i1": "int8", "b1": "bool"}


def test_every_column_is_documented(game, source_dir):
    """docs/hdf5-schema.md lists each game table's columns exactly, in order, with their
    types and units."""
    doc = (source_dir / "docs/hdf5-schema.md").read_text()
    label = {"attribution": "attribution game", "timing": "timing game"}[game.name]
    with h5py.File(game.ref) as f:
        for t in game.tables:
            heading = f"### `{t}` ({label})"
            assert heading in doc, f"{heading} is not in docs/hdf5-schema.md"
            start = doc.index(heading)
            ends = [i for i in (doc.find("\n## ", start + 1), doc.find("\n### ", start + 1))
                    if i >= 0]
            section = doc[start:min(ends) if ends else len(doc)]
            ds = f[t]
            units = [u.decode() if isinstance(u, bytes) else u for u in ds.attrs["units"]]
            actual = [(name, TYPES[ds.dtype[name].kind + str(ds.dtype[name].itemsize)], unit)
                      for name, unit in zip(ds.dtype.names, units)]
            rows = re.findall(r"^\| `(\w+)` \| (\w+) \| ([^|]+) \|", section, re.M)
            documented = [(name, kind, unit.strip()) for name, kind, unit in rows]
            assert documented == actual, f"docs/hdf5-schema.md {heading} differs from the file"


def test_a_point_without_an_equilibrium_stops_the_sweep_before_it_runs(binary, tmp_path):
    """An asymmetric game with discrete benefits whose equilibrium would mix at an atom is
    not solved: the sweep names the point and its values, exits 2 and writes nothing."""
    import subprocess
    base = tmp_path / "asym.toml"
    base.write_text('model = "attribution_game"\n[signals]\ndetection = 0.8\n'
                    'identification = 0.9\nfalse_alarm = 0.05\n[attackers.A.benefit]\n'
                    'distribution = "discrete"\nvalues = [0.3]\n[attackers.B]\n'
                    'retaliation_cost = 1.3\n')
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('base = "asym.toml"\n[run]\nreplications = 2\n[design]\nkind = "grid"\n'
                     '[[parameters]]\nname = "w"\npath = "attackers.B.retaliation_cost"\n'
                     'values = [1.0, 1.3]\n')
    r = subprocess.run([binary, "sweep", str(sweep), "-o", str(tmp_path / "o.h5")],
                       capture_output=True, text=True, env=environment(), timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"error: {sweep}: design point 0 "
                               "(attackers.B.retaliation_cost=1.0)"), r.stderr
    assert "no equilibrium found" in r.stderr and "mix at a tie" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["asym.toml", "sweep.toml"]
