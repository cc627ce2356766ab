"""`cyberdeter calibrate` end to end: the output, bit-identity whatever runs it (threads,
MPI ranks, job-array shards, kills and resumes), bad input, and policy questions across the
plausible worlds (`sweep --worlds`, `analysis answer`, `analysis report`)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "ASAN_OPTIONS": "detect_leaks=0"}
needs_mpi = pytest.mark.skipif(shutil.which("mpirun") is None, reason="mpirun is not on PATH")
PYTHON = "/usr/bin/python3"

# The minimal world, three uncertain parameters, three targets that the shipped minimal
# world lands near (so that some worlds are plausible).
CALIBRATION = """
base = "{base}"
name = "small"
[run]
replications = {reps}
seed = 5
[method]
waves = {waves}
points = {points}
candidates = {candidates}
emulator_points = {points}
[[parameters]]
name = "cost"
path = "attackers.RivalAPT.operation_cost"
prior = "log_uniform"
range = [0.5, 6.0]
source = "[M] test"
[[parameters]]
name = "rate"
path = "attackers.RivalAPT.opportunity_rate"
prior = "truncated_normal"
mean = 0.05
sd = 0.02
range = [0.02, 0.1]
source = "[M] test"
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
prior = "beta"
alpha = 9.0
beta = 1.0
range = [0.6, 1.0]
source = "[M] test"
[[targets]]
id = "launched"
name = "state-sponsored operations a year"
statistic = "per_year"
of = {{ kind = "state_sponsored" }}
band = [6.0, 12.0]
source = "test"
[[targets]]
id = "success"
statistic = "share"
of = {{ kind = "state_sponsored", detected = true }}
where = {{ success = true }}
observed = 0.6
cases = 300
source = "test"
[[targets]]
id = "lag"
statistic = "median"
of = {{ detected = true, public = true }}
value = "response_lag_days"
observed = 120.0
factor = 1.5
source = "test"
"""

STUDY = """
base = "{base}"
name = "sanctions across worlds"
[run]
replications = 12
seed = 3
[design]
kind = "grid"
[[parameters]]
name = "sanctions"
path = "states.Homeland.doctrine.sanction.enabled"
values = [false, true]
labels = ["off", "on"]
[question]
text = "Do sanctions from the start reduce the group's operations?"
metric = "launched_state_sponsored"
compare = "sanctions"
baseline = "off"
treatment = "on"
"""


def environment(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_ARRAY_")}
    env.update(MPI_ENV)
    env.update(extra or {})
    return env


@pytest.fixture(scope="module")
def run(binary):
    def go(*args, launcher=(), timeout=300, env=None):
        return subprocess.run([*launcher, binary, *map(str, args)], capture_output=True,
                              text=True, env=environment(env), timeout=timeout)
    return go


def write(path, source_dir, waves=3, points=40, reps=4, candidates=4000):
    path.write_text(CALIBRATION.format(base=source_dir / "scenarios/minimal.toml", waves=waves,
                                       points=points, reps=reps, candidates=candidates))
    return path


def contents(path):
    """Every dataset and attribute, but the root's (command line, creation time)."""
    out = {}
    with h5py.File(path) as f:
        def visit(name, obj):
            attrs = {k: np.asarray(v).tolist() for k, v in obj.attrs.items()}
            if isinstance(obj, h5py.Dataset):
                data = obj[()]
                out[name] = (attrs, data.tobytes() if isinstance(data, np.ndarray) else data)
            else:
                out[name] = (attrs, None)
        f.visititems(visit)
    return out


def assert_same_file(a, b):
    ca, cb = contents(a), contents(b)
    assert sorted(ca) == sorted(cb)
    for name in ca:
        assert ca[name] == cb[name], f"{name} differs between {a} and {b}"


@pytest.fixture(scope="module")
def small(run, source_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    cal = write(d / "cal.toml", source_dir)
    ref = d / "ref.h5"
    r = run("calibrate", cal, "-o", ref, "--threads", 2)
    assert r.returncode == 0, r.stderr
    assert not (d / "ref.h5.parts").exists()

    class Small:
        pass
    s = Small()
    s.dir, s.cal, s.ref, s.stdout = d, cal, ref, r.stdout
    return s


def test_output_holds_every_wave_the_plausible_worlds_and_prior_against_plausible(small):
    assert "plausible" in small.stdout
    with h5py.File(small.ref) as f:
        for group in ("calibration", "scenario", "parameters", "targets", "design", "worlds",
                      "waves", "plausible", "runs"):
            assert group in f, group
        waves = f["waves/worlds"][:]
        assert len(waves) == 3
        n = int(waves.sum())
        assert len(f["design/world"]) == n == len(f["worlds/max_implausibility"])
        assert len(f["runs"]) == n * 4
        runs = f["runs"][:]
        assert np.array_equal(np.unique(runs["world"]), np.arange(n))
        # the world's value is the ratio of its runs' sums (one definition, docs/calibration.md)
        w0 = runs[runs["world"] == 0]
        assert f["worlds/success"][0] == pytest.approx(w0["success_num"].sum() / w0["success_den"].sum())
        assert f["worlds/launched"][0] == pytest.approx(w0["launched_num"].sum() / w0["launched_den"].sum())
        # implausibility as documented
        z, sd = f["targets/observed"][0], f["targets/sd_observed"][0]
        v, var = f["worlds/launched"][0], f["worlds/launched_variance"][0]
        assert f["worlds/launched_implausibility"][0] == pytest.approx(abs(z - v) / np.sqrt(sd ** 2 + var))
        plausible = f["worlds/plausible"][:].astype(bool)
        assert plausible.sum() == len(f["plausible/world"]) > 0
        assert np.all(f["worlds/max_implausibility"][:][plausible] <= 3.0)
        assert f["plausible/weight"][:].sum() == pytest.approx(1.0)
        # later waves sample a smaller region, and more of their worlds pass
        share = f["waves/region_share"][:]
        assert share[0] == 1.0 and share[-1] < 1.0
        assert f["waves/non_implausible_share"][-1] > f["waves/non_implausible_share"][0]
        # prior against plausible, per parameter
        assert list(f["parameters/name"].asstr()[:]) == ["cost", "rate", "capability"]
        ratio = f["parameters/interval_ratio"][:]
        assert np.all((ratio > 0) & (ratio <= 1 / 0.9 + 1e-9))
        lines = f["plausible/overrides"].asstr()[0].splitlines()
        assert [l.split("=")[0] for l in lines] == [
            "attackers.RivalAPT.operation_cost", "attackers.RivalAPT.opportunity_rate",
            "attackers.RivalAPT.capability"]


def test_analysis_plausible_prints_and_draws(small, tmp_path):
    r = subprocess.run([PYTHON, "-m", "analysis", "plausible", small.ref, "-o", tmp_path],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    assert "plausible worlds of" in r.stdout and "prior mass" in r.stdout
    assert (tmp_path / "plausible_pairs.png").stat().st_size > 0
    assert (tmp_path / "plausible_pairs.svg").stat().st_size > 0


@pytest.mark.parametrize("threads", [1, 3])
def test_the_same_file_on_any_number_of_threads(run, small, tmp_path, threads):
    out = tmp_path / "t.h5"
    r = run("calibrate", small.cal, "-o", out, "--threads", threads, "-q")
    assert r.returncode == 0, r.stderr
    assert_same_file(small.ref, out)


@needs_mpi
def test_the_same_file_on_mpi_ranks(run, small, tmp_path):
    out = tmp_path / "m.h5"
    r = run("calibrate", small.cal, "-o", out, "-q",
            launcher=["mpirun", "--oversubscribe", "-n", "2"], timeout=300)
    assert r.returncode == 0, r.stderr
    assert_same_file(small.ref, out)


def test_the_same_file_from_job_array_shards(run, small, tmp_path):
    out = tmp_path / "s.h5"
    for wave in range(3):
        for i in (2, 1, 3):
            r = run("calibrate", small.cal, "-o", out, "--shard", f"{i}/3")
            assert r.returncode == 0, r.stderr
            assert f"wave {wave}, shard {i}/3" in r.stdout
            assert not out.exists()
        r = run("calibrate", small.cal, "-o", out, "--resume", "--until-wave", wave, "-q")
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "s.h5.parts" / f"wave-{wave}.h5").exists() or out.exists()
    assert out.exists() and not (tmp_path / "s.h5.parts").exists()
    assert_same_file(small.ref, out)


def test_a_shard_never_removes_another_shards_file_in_progress(run, small, tmp_path):
    """Shards of a job array start at once: one shard's start must leave the part another
    is writing under its temporary name (it removed them all: the other shard's rename then
    failed, exit 1, and the wave's merge never ran). Its own dead incarnations' files go."""
    out = tmp_path / "s.h5"
    wave = tmp_path / "s.h5.parts" / "wave-0"
    other = wave / "shard-2-of-3"
    own = wave / "shard-1-of-3"
    other.mkdir(parents=True)
    own.mkdir(parents=True)
    alive = other / f"part-000000000007.h5.partial-{os.getpid()}"  # a process that runs
    alive.write_bytes(b"being written")
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = own / f"part-000000000003.h5.partial-{dead.pid}"
    stale.write_bytes(b"left by a killed run")
    r = run("calibrate", small.cal, "-o", out, "--shard", "1/3", "--resume")
    assert r.returncode == 0, r.stderr
    assert alive.exists(), "another shard's part in progress was removed"
    assert not stale.exists(), "this shard's own dead temporary file stays"


def saved_runs(parts):
    """Runs held by merged waves and by the checkpoints of waves not yet merged.

    A kill between writing wave-K.h5 and removing wave-K/ leaves both; the calibration
    then counts the merged wave once and never reads its checkpoints again, so neither
    does this count."""
    total = 0
    for p in parts.rglob("*.h5"):
        wave_dir = p.relative_to(parts).parts[0]
        if wave_dir != p.name and (parts / (wave_dir + ".h5")).exists():
            continue  # a checkpoint of a wave already merged
        with h5py.File(p) as f:
            total += int((f["sweep/task_end"][:] - f["sweep/task_begin"][:]).sum())
    return total


@pytest.fixture(scope="module")
def longer(source_dir, tmp_path_factory, run):
    d = tmp_path_factory.mktemp("longer")
    cal = write(d / "cal.toml", source_dir, waves=3, points=90, reps=6, candidates=9000)
    ref = d / "ref.h5"
    t0 = time.monotonic()
    r = run("calibrate", cal, "-o", ref, "--threads", 2, "--checkpoint", 0.05, "-q")
    assert r.returncode == 0, r.stderr
    return cal, ref, time.monotonic() - t0


# Kills spread over the whole run (as shares of the reference run's time): during waves,
# between them, during a wave's merge and the final output.
@pytest.mark.parametrize("share", [0.05, 0.3, 0.55, 0.8, 0.95])
def test_killed_at_any_moment_resumes_to_the_same_file(binary, run, longer, tmp_path, share):
    cal, ref, seconds = longer
    after = share * seconds
    out = tmp_path / "k.h5"
    parts = tmp_path / "k.h5.parts"
    args = [binary, "calibrate", cal, "-o", out, "--threads", 2, "--checkpoint", 0.05, "-q"]
    proc = subprocess.Popen(list(map(str, args)), env=environment(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    time.sleep(after)
    proc.kill()
    proc.communicate()
    if out.exists():
        pytest.skip(f"the calibration finished within {after} s on this machine")
    saved = saved_runs(parts)
    # without --resume: refused, nothing touched
    r = run("calibrate", cal, "-o", out)
    assert r.returncode == 2 and "--resume" in r.stderr
    r = run("calibrate", cal, "-o", out, "--threads", 2, "--resume")
    assert r.returncode == 0, r.stderr
    m = re.search(r"resumed\s+([\d,]+) runs were already done", r.stdout)
    done = int(m.group(1).replace(",", "")) if m else 0
    assert done >= saved, (done, saved)
    assert not parts.exists()
    assert_same_file(ref, out)


def test_interrupted_then_resumed(binary, run, longer, tmp_path):
    cal, ref, seconds = longer
    out = tmp_path / "i.h5"
    proc = subprocess.Popen(list(map(str, [binary, "calibrate", cal, "-o", out, "--threads", 2,
                                           "--checkpoint", 0.05])),
                            env=environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(0.5 * seconds)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("finished before the signal")
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and not out.exists()
    r = run("calibrate", cal, "-o", out, "--resume", "-q")
    assert r.returncode == 0, r.stderr
    assert_same_file(ref, out)
    r = run("calibrate", cal, "-o", out, "--resume")
    assert r.returncode == 0 and "already complete" in r.stdout


BAD = [
    ("prior = \"log_uniform\"\nrange = [0.5, 6.0]", "prior = \"log_uniform\"\nrange = [0.0, 6.0]",
     "parameters[0].range", "low > 0"),
    ("of = {{ kind = \"state_sponsored\" }}", "of = {{ kind = \"state_sponsord\" }}",
     "targets[0].of.kind", "did you mean 'state_sponsored'"),
    ("observed = 0.6\ncases = 300", "observed = 0.6", "targets[1]", "`band = [low, high]`"),
    ("path = \"attackers.RivalAPT.capability\"", "path = \"attackers.RivalAPT.capabilty\"",
     "parameters[2].path", "unknown key (did you mean 'capability'?)"),
    ("range = [0.6, 1.0]", "range = [0.6, 1.5]", "parameters[2].path",
     "with value 1.5 the base scenario is invalid"),
    ("waves = {waves}", "waves = {waves}\nwaivs = 2", "method.waivs", "unknown key"),
]


@pytest.mark.parametrize("old,new,key,phrase", BAD, ids=[b[2] for b in BAD])
def test_bad_calibration_files_exit_2_and_write_nothing(run, source_dir, tmp_path, old, new, key,
                                                        phrase):
    text = CALIBRATION.replace(old, new)
    assert text != CALIBRATION
    cal = tmp_path / "bad.toml"
    cal.write_text(text.format(base=source_dir / "scenarios/minimal.toml", waves=2, points=20,
                               reps=3, candidates=100))
    out = tmp_path / "out.h5"
    r = run("calibrate", cal, "-o", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert re.search(rf"{re.escape(str(cal))}:\d+:\d+: {re.escape(key)}", r.stderr), r.stderr
    assert phrase in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == [cal]


# --- policy questions across worlds -------------------------------------------------------

@pytest.fixture(scope="module")
def study(run, small, source_dir):
    s = small.dir / "study.toml"
    s.write_text(STUDY.format(base=source_dir / "scenarios/minimal.toml"))
    out = small.dir / "study.h5"
    r = run("sweep", s, "--worlds", small.ref, "-o", out, "--threads", 2)
    assert r.returncode == 0, r.stderr
    assert "plausible worlds" in r.stdout
    return s, out


def test_a_study_runs_paired_in_every_plausible_world(small, study):
    _, out = study
    with h5py.File(small.ref) as c, h5py.File(out) as f:
        worlds = c["plausible/world"][:]
        names = list(f["design"].attrs["parameters"])
        assert names[:4] == ["world", "cost", "rate", "capability"] and names[-1] == "sanctions"
        assert len(f["design/point"]) == 2 * len(worlds)
        # each world's values are the calibration's
        lit = [int(v) for v in f["design/world"].attrs["values"]]
        assert lit == list(worlds)
        w = f["design/world"][:].astype(int)
        assert np.allclose(f["design/cost"][:], c["design/cost"][:][worlds[w]])
        # common random numbers: replication r has the same seed at every point
        runs = f["runs"][:]
        seeds = runs["seed"].reshape(-1, 12)
        assert np.all(seeds == seeds[0])


def test_answer_across_worlds(study):
    _, out = study
    r = subprocess.run([PYTHON, "-m", "analysis", "answer", out, "--details"],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    assert re.search(r"Across the \d+ plausible worlds, sanctions = on against sanctions = off",
                     r.stdout), r.stdout
    assert "Monte Carlo error within a world" in r.stdout
    assert "Spearman" in r.stdout


def test_report_has_a_section_across_worlds_with_its_pictures(study, tmp_path):
    _, out = study
    r = subprocess.run([PYTHON, "-m", "analysis", "report", out, "-o", tmp_path],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "report.html").read_text()
    assert "Across plausible worlds" in html
    for stem in ("worlds_pairs", "worlds_effect", "worlds_prim"):
        assert (tmp_path / "figures" / f"{stem}.png").stat().st_size > 0
        assert (tmp_path / "figures" / f"{stem}.svg").stat().st_size > 0


def test_sweep_refuses_to_set_what_the_worlds_set(run, small, source_dir, tmp_path):
    s = tmp_path / "clash.toml"
    s.write_text(STUDY.format(base=source_dir / "scenarios/minimal.toml").replace(
        "states.Homeland.doctrine.sanction.enabled", "attackers.RivalAPT.operation_cost").replace(
        "values = [false, true]", "values = [1.0, 2.0]"))
    r = run("sweep", s, "--worlds", small.ref, "-o", tmp_path / "o.h5")
    assert r.returncode == 2, r.stderr
    assert "attackers.RivalAPT.operation_cost" in r.stderr and "one parameter only" in r.stderr
    assert not (tmp_path / "o.h5").exists() and not (tmp_path / "o.h5.parts").exists()


def test_sweep_refuses_worlds_of_another_base(run, small, source_dir, tmp_path):
    s = tmp_path / "other.toml"
    s.write_text(STUDY.format(base=source_dir / "scenarios/japan_2015_2021.toml").replace(
        "states.Homeland.doctrine.sanction.enabled", "states.Japan.doctrine.sanction.enabled").replace(
        'metric = "launched_state_sponsored"', 'metric = "launched"'))
    r = run("sweep", s, "--worlds", small.ref, "-o", tmp_path / "o.h5")
    assert r.returncode == 2, r.stderr
    assert "calibrated on" in r.stderr


TYPES = {"u8": "uint64", "i8": "int64", "f8": "float64", "u4": "uint32", "i4": "int32",
         "u1": "uint8", "i1": "int8", "b1": "bool"}


def test_every_object_and_column_is_documented(small, source_dir):
    """docs/hdf5-schema.md names every object of a calibration's output (with ID and NAME
    for a target's id and a parameter's name) and lists /runs' fixed columns exactly."""
    doc = (source_dir / "docs/hdf5-schema.md").read_text()
    start = doc.index("## Calibration (files written by `cyberdeter calibrate`)")
    part = doc[start:doc.index("\n## ", start + 1)]
    with h5py.File(small.ref) as f:
        ids = list(f["targets/id"].asstr()[:])
        names = list(f["parameters/name"].asstr()[:])
        objects = []
        f.visititems(lambda n, o: objects.append("/" + n) if isinstance(o, h5py.Dataset) else None)
        for name in objects:
            if name.startswith("/scenario") or name == "/runs":
                continue
            generic = name
            for i in sorted(ids, key=len, reverse=True):
                generic = re.sub(rf"(/|_){re.escape(i)}(_|$)", rf"\1ID\2", generic, count=1)
            for n in names:
                if generic == f"/design/{n}":
                    generic = "/design/NAME"
            assert f"`{generic}`" in part, f"{name} ({generic}) is not in docs/hdf5-schema.md"
        for group in ("calibration", "waves", "design"):
            for attribute in f[group].attrs:
                assert f"`{attribute}`" in part, f"/{group} attribute {attribute} is not documented"
        ds = f["runs"]
        units = [u.decode() if isinstance(u, bytes) else u for u in ds.attrs["units"]]
        actual = [(n, TYPES[ds.dtype[n].kind + str(ds.dtype[n].itemsize)], u)
                  for n, u in zip(ds.dtype.names, units)]
    runs = part[part.index("### Calibration `/runs`"):]
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| ([^|]+) \|", runs, re.M)
    documented = [(n, k, u.strip()) for n, k, u in rows]
    fixed = actual[:len(documented)]
    assert documented == fixed
    rest = [n for n, _, _ in actual[len(documented):]]
    assert rest == [f"{i}_{s}" for i in ids for s in ("num", "den")]


def test_report_of_a_calibration(small, tmp_path):
    r = subprocess.run([PYTHON, "-m", "analysis", "report", small.ref, "-o", tmp_path],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "report.html").read_text()
    assert "Plausible worlds" in html and "interval_ratio" in html
    assert (tmp_path / "figures" / "plausible_pairs.svg").stat().st_size > 0


def test_max_worlds_keeps_an_evenly_spaced_subsample(run, small, study, tmp_path):
    s, _ = study
    out = tmp_path / "sub.h5"
    r = run("sweep", s, "--worlds", small.ref, "--max-worlds", 5, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(small.ref) as c, h5py.File(out) as f:
        worlds = list(c["plausible/world"][:])
        picked = [int(v) for v in f["design/world"].attrs["values"]]
        n = len(worlds)
        assert picked == [worlds[k * n // 5] for k in range(5)]
        assert len(f["design/point"]) == 10
    r = run("sweep", s, "--max-worlds", 5, "-o", tmp_path / "x.h5")
    assert r.returncode == 2 and "--worlds" in r.stderr


def test_a_worlds_sweep_from_shards_merges_to_the_same_file(run, small, study, tmp_path):
    s, ref = study
    parts = []
    for i in (1, 2, 3):
        part = tmp_path / f"p{i}.h5"
        r = run("sweep", s, "--worlds", small.ref, "-o", part, "--shard", f"{i}/3", "-q")
        assert r.returncode == 0, r.stderr
        parts.append(part)
    out = tmp_path / "merged.h5"
    r = run("merge", *parts, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    with h5py.File(ref) as a, h5py.File(out) as b:
        assert a["runs"][:].tobytes() == b["runs"][:].tobytes()
        assert a["sweep/worlds"][()] == b["sweep/worlds"][()]
        assert a["sweep"].attrs["sweep_id"] == b["sweep"].attrs["sweep_id"]
        for name in a["design"]:
            assert np.array_equal(a["design"][name][:], b["design"][name][:]), name


def test_a_study_may_not_replace_a_table_the_worlds_set(run, small, source_dir, tmp_path):
    s = tmp_path / "table.toml"
    s.write_text(STUDY.format(base=source_dir / "scenarios/minimal.toml").replace(
        'path = "states.Homeland.doctrine.sanction.enabled"\nvalues = [false, true]\n'
        'labels = ["off", "on"]',
        'path = "attackers.RivalAPT"\nvalues = [{ kind = "state_sponsored", sponsor = '
        '"Rivalia" }, { kind = "state_sponsored", sponsor = "Rivalia", operation_cost = 4.0 }]\n'
        'labels = ["off", "on"]'))
    r = run("sweep", s, "--worlds", small.ref, "-o", tmp_path / "o.h5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "'attackers.RivalAPT'" in r.stderr and "one parameter only" in r.stderr
