"""cyberdeter sweep at scale: the same /runs (and /timeseries) bytes whatever runs the sweep
(threads, MPI ranks, shards merged in any order, a run killed or interrupted and resumed),
the refusals of `merge` and `--resume`, shards from a Slurm job array, and progress output."""
import os
import pty
import random
import re
import shutil
import signal
import subprocess
import time
from types import SimpleNamespace

import h5py
import numpy as np
import pytest

SMALL = """\
base = "{base}"
name = "modes"
[run]
replications = {replications}
seed = {seed}
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

# About 1,000 replications/s per core: 8 points x 400 replications last long enough to be
# killed after the first checkpoint and well before the end.
LONG = """\
base = "{base}"
name = "long"
[run]
replications = {replications}
seed = {seed}
[design]
kind = "grid"
[[parameters]]
name = "capability"
path = "attackers.APT10.capability"
range = [0.3, 0.9]
steps = 4
[[parameters]]
name = "defense"
path = "states.Japan.defense"
values = [0.08, 0.2]
"""

SMALL_TASKS = 6 * 20
LONG_TASKS = 8 * 400
# OpenMPI keeps allocations until exit and unloads its components first, so in the ASan
# build (make test-asan) LeakSanitizer would report them with no stack to suppress: MPI runs
# go without leak detection there (a no-op otherwise); every other run still checks leaks.
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1", "ASAN_OPTIONS": "detect_leaks=0"}
needs_mpi = pytest.mark.skipif(shutil.which("mpirun") is None, reason="mpirun is not on PATH")


# --- helpers -----------------------------------------------------------------------------

def environment(extra=None):
    """The test's environment without Slurm array variables (they would shard every sweep),
    plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_ARRAY_")}
    env.update(MPI_ENV)
    env.update(extra or {})
    return env


def mpirun(ranks):
    return ["mpirun", "--oversubscribe", "-n", str(ranks)]


@pytest.fixture(scope="module")
def run(binary):
    """Runs cyberdeter (under `launcher`, e.g. mpirun) with a clean environment."""

    def go(*args, env=None, launcher=(), timeout=300):
        return subprocess.run([*launcher, binary, *map(str, args)], capture_output=True,
                              text=True, env=environment(env), timeout=timeout)

    return go


def write_sweep(path, source_dir, template=SMALL, replications=20, seed=17, base=None):
    scenario = base or source_dir / ("scenarios/minimal.toml" if template is SMALL
                                     else "scenarios/japan_2015_2021.toml")
    path.write_text(template.format(base=scenario, replications=replications, seed=seed))
    return path


def table(path, name="/runs"):
    with h5py.File(path) as f:
        return f[name][:]


def assert_same_table(a, b, what="/runs"):
    assert a.dtype == b.dtype, what
    assert len(a) == len(b), f"{what}: {len(a)} rows != {len(b)} rows"
    assert np.array_equal(a, b), f"{what} differ"
    assert a.tobytes() == b.tobytes(), f"{what} differ in their bytes"


def contents(path):
    """Every dataset's values and every object's attributes, but the root's (provenance:
    command line, creation time)."""
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
    """Same /runs (compound and bytes), same /timeseries, and every other dataset and
    attribute equal."""
    with h5py.File(a) as fa, h5py.File(b) as fb:
        assert sorted(fa) == sorted(fb)
        for name in ("/runs", "/states", "/attackers", "/timeseries"):
            if name in fa or name in fb:
                assert_same_table(fa[name][:], fb[name][:], name)
    ca, cb = contents(a), contents(b)
    assert sorted(ca) == sorted(cb)
    for name in ca:
        assert ca[name] == cb[name], f"{name} differs between {a.name} and {b.name}"


def sweep_attrs(path):
    with h5py.File(path) as f:
        return {k: (v.decode() if isinstance(v, bytes) else v)
                for k, v in f["/sweep"].attrs.items()}


def tasks_of(path):
    """The tasks a sweep output or part says it holds, as a set."""
    with h5py.File(path) as f:
        begin, end = f["/sweep/task_begin"][:], f["/sweep/task_end"][:]
    return {t for b, e in zip(begin, end) for t in range(b, e)}


def row_tasks(rows, replications):
    return rows["point"].astype(np.int64) * replications + rows["replication"].astype(np.int64)


def committed_parts(parts_dir):
    return sorted(p for p in parts_dir.glob("*.h5") if p.is_file())


def saved_tasks(parts_dir, replications=400):
    """Tasks held by the committed parts, counted from their rows and checked against
    what each part says it holds."""
    total = 0
    for part in committed_parts(parts_dir):
        rows = table(part)
        assert set(row_tasks(rows, replications).tolist()) == tasks_of(part), part.name
        assert sweep_attrs(part)["tasks"] == len(rows)
        total += len(rows)
    return total


def number(text):
    return int(text.replace(",", ""))


def start_and_stop(binary, args, out, send, launcher=(), pattern="*.h5"):
    """Starts a sweep, waits until it has committed a checkpoint part, then sends `send`.
    Returns (returncode, stdout, stderr)."""
    parts = out.parent / (out.name + ".parts")
    proc = subprocess.Popen([*launcher, binary, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment())
    try:
        deadline = time.monotonic() + 60
        while not (parts.is_dir() and list(parts.glob(pattern))):
            assert proc.poll() is None, (
                "the sweep ended before its first checkpoint: make it longer\n"
                + proc.communicate()[1])
            assert time.monotonic() < deadline, "no checkpoint part after 60 s"
            time.sleep(0.005)
        assert proc.poll() is None, "the sweep ended before it could be stopped: make it longer"
        proc.send_signal(send)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, stdout, stderr


def read_terminal(master):
    text = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: every holder of the slave side closed it
            break
        if not chunk:
            break
        text += chunk
    return text.decode(errors="replace")


def on_terminal(binary, args):
    """Runs cyberdeter with stderr on a pseudo-terminal; returns (returncode, stdout,
    what the terminal received)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([binary, *map(str, args)], stdout=subprocess.PIPE,
                                stderr=slave, stdin=subprocess.DEVNULL, text=True,
                                env=environment())
        os.close(slave)
        slave = None
        terminal = read_terminal(master)
        stdout, _ = proc.communicate(timeout=120)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    return proc.returncode, stdout, terminal


def listing(directory):
    return sorted(p.name for p in directory.iterdir())


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(run, source_dir, tmp_path_factory):
    """6 points x 20 replications of minimal.toml on one thread: the reference, with and
    without /timeseries."""
    d = tmp_path_factory.mktemp("small")
    sweep = write_sweep(d / "sweep.toml", source_dir)
    ref, ref_ts = d / "ref.h5", d / "ref_ts.h5"
    for out, extra in ((ref, ()), (ref_ts, ("--timeseries",))):
        r = run("sweep", sweep, "-o", out, "--threads", 1, *extra)
        assert r.returncode == 0, r.stderr
    return SimpleNamespace(dir=d, sweep=sweep, ref=ref, ref_ts=ref_ts)


@pytest.fixture(scope="module")
def long(run, source_dir, tmp_path_factory):
    """8 points x 400 replications of japan_2015_2021.toml, uninterrupted, on 2 threads."""
    d = tmp_path_factory.mktemp("long")
    sweep = write_sweep(d / "long.toml", source_dir, template=LONG, replications=400, seed=5)
    ref = d / "ref.h5"
    r = run("sweep", sweep, "-o", ref, "--threads", 2, "-q")
    assert r.returncode == 0, r.stderr
    assert len(table(ref)) == LONG_TASKS
    return SimpleNamespace(dir=d, sweep=sweep, ref=ref)


def test_the_reference_is_what_it_should_be(small):
    rows = table(small.ref)
    assert len(rows) == SMALL_TASKS
    assert list(row_tasks(rows, 20)) == list(range(SMALL_TASKS)), "task order"
    attrs = sweep_attrs(small.ref)
    assert (attrs["shard"], attrs["complete"], attrs["tasks"]) == ("", 1, SMALL_TASKS)
    # --timeseries adds /timeseries and changes nothing in /runs.
    assert_same_table(rows, table(small.ref_ts))
    periods = table(small.ref_ts, "/timeseries")
    assert len(periods) > len(rows)
    assert set(row_tasks(periods, 20).tolist()) == set(range(SMALL_TASKS))
    # One /states row per state and one /attackers row per attacker of every run, in task
    # order, so that metric@State and metric@Attacker work on sweeps as on run files.
    with h5py.File(small.ref) as f:
        n_states = len(f["/scenario/states"])
        n_attackers = len(f["/scenario/attackers"])
    for name, n, column in (("/states", n_states, "state"),
                            ("/attackers", n_attackers, "attacker")):
        agents = table(small.ref, name)
        assert len(agents) == SMALL_TASKS * n, name
        assert list(row_tasks(agents, 20)) == [t for t in range(SMALL_TASKS) for _ in range(n)]
        assert list(agents[column]) == list(range(n)) * SMALL_TASKS, name


def test_agent_rows_of_a_sweep_equal_those_of_run(run, small, source_dir, tmp_path):
    """Point 4 of the sweep is `cyberdeter run` of that point's scenario with the sweep's
    seed: its /states and /attackers rows are the same, but for the `point` column."""
    with h5py.File(small.ref) as f:
        sets = []
        for name in f["/design"].attrs["parameters"]:
            d = f["/design"][name]
            value = d.attrs["values"][int(d[4])] if "values" in d.attrs else repr(d[4])
            sets += ["--set", f"{d.attrs['path']}={value}"]
    out = tmp_path / "point4.h5"
    r = run("run", source_dir / "scenarios/minimal.toml", "-o", out, "--replications", 20,
            "--seed", 17, *sets, "-q")
    assert r.returncode == 0, r.stderr
    for name in ("/states", "/attackers"):
        swept = table(small.ref, name)
        swept = swept[swept["point"] == 4]
        single = table(out, name)
        assert len(swept) == len(single) > 0
        assert (single["point"] == 0).all()
        columns = [c for c in single.dtype.names if c != "point"]
        for c in columns:
            assert np.array_equal(swept[c], single[c]), f"{name}.{c}"


# --- the same file whatever runs it ------------------------------------------------------

@pytest.mark.parametrize("threads", [2, 3])
def test_threads(run, small, tmp_path, threads):
    out = tmp_path / "out.h5"
    r = run("sweep", small.sweep, "-o", out, "--threads", threads)
    assert r.returncode == 0, r.stderr
    assert f"on {threads} threads" in r.stdout
    assert_same_file(small.ref, out)
    assert listing(tmp_path) == ["out.h5"], "the parts directory is removed"


@needs_mpi
@pytest.mark.parametrize("ranks", [2, 3])
def test_mpi_ranks(run, small, tmp_path, ranks):
    out = tmp_path / "out.h5"
    r = run("sweep", small.sweep, "-o", out, launcher=mpirun(ranks), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("cyberdeter") == 1, "rank 0 alone prints the summary"
    assert f"on {ranks} MPI ranks" in r.stdout
    assert_same_file(small.ref, out)
    assert listing(tmp_path) == ["out.h5"]


@pytest.mark.parametrize("count", [2, 5])
def test_shards_merged_in_any_order(run, small, tmp_path, count):
    shards = []
    for i in range(1, count + 1):
        out = tmp_path / f"shard{i}.h5"
        r = run("sweep", small.sweep, "-o", out, "--shard", f"{i}/{count}", "--threads", 2)
        assert r.returncode == 0, r.stderr
        assert f"shard    {i}/{count}" in r.stdout
        attrs = sweep_attrs(out)
        assert attrs["shard"] == f"{i}/{count}"
        assert attrs["complete"] == 0
        assert attrs["total_tasks"] == SMALL_TASKS
        rows = table(out)
        assert attrs["tasks"] == len(rows) > 0
        held = row_tasks(rows, 20).tolist()
        assert held == sorted(held), "a shard's rows are in task order"
        assert set(held) == tasks_of(out)
        shards.append(out)
    every = [t for s in shards for t in tasks_of(s)]
    assert sorted(every) == list(range(SMALL_TASKS)), "the shards hold every task once"

    shuffled = shards[:]
    random.Random(count).shuffle(shuffled)
    if shuffled == shards:
        shuffled.reverse()
    merged = tmp_path / "merged.h5"
    r = run("merge", *shuffled, "-o", merged)
    assert r.returncode == 0, r.stderr
    assert f"merged {count} files" in r.stdout
    # Same /runs, /design, /scenario (text and tables), /sweep (text and attributes).
    assert_same_file(small.ref, merged)
    attrs = sweep_attrs(merged)
    assert (attrs["shard"], attrs["complete"]) == ("", 1)
    with h5py.File(small.ref) as a, h5py.File(merged) as b:
        assert a["/scenario/text"][()] == b["/scenario/text"][()]
        for name in ("capability", "defense", "point"):
            assert np.array_equal(a["/design"][name][:], b["/design"][name][:])


@pytest.mark.parametrize("mode", ["threads 2", "shards 3",
                                  pytest.param("mpirun 2", marks=needs_mpi),
                                  pytest.param("mpirun 3", marks=needs_mpi)])
def test_timeseries_whatever_runs_it(run, small, tmp_path, mode):
    kind, n = mode.split()
    out = tmp_path / "out.h5"
    if kind == "threads":
        r = run("sweep", small.sweep, "-o", out, "--timeseries", "--threads", n)
        assert r.returncode == 0, r.stderr
    elif kind == "mpirun":
        r = run("sweep", small.sweep, "-o", out, "--timeseries", launcher=mpirun(n), timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    else:
        shards = []
        for i in range(1, int(n) + 1):
            shards.append(tmp_path / f"shard{i}.h5")
            r = run("sweep", small.sweep, "-o", shards[-1], "--timeseries", "--shard", f"{i}/{n}")
            assert r.returncode == 0, r.stderr
            assert sweep_attrs(shards[-1])["timeseries"] == 1
        r = run("merge", *reversed(shards), "-o", out)
        assert r.returncode == 0, r.stderr
    assert_same_table(table(small.ref_ts, "/timeseries"), table(out, "/timeseries"), "/timeseries")
    assert_same_table(table(small.ref), table(out))
    assert_same_file(small.ref_ts, out)


@pytest.mark.parametrize("mode", ["shards 3", pytest.param("mpirun 2", marks=needs_mpi)])
def test_incidents_whatever_runs_it(run, small, tmp_path, mode):
    """`sweep --incidents`: every incident's record with its point, in task order, the same
    rows whoever ran them."""
    reference = tmp_path / "threads.h5"
    r = run("sweep", small.sweep, "-o", reference, "--incidents", "--threads", "2")
    assert r.returncode == 0, r.stderr
    assert "/incidents" in r.stdout
    kind, n = mode.split()
    out = tmp_path / "out.h5"
    if kind == "mpirun":
        r = run("sweep", small.sweep, "-o", out, "--incidents", launcher=mpirun(n), timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    else:
        shards = []
        for i in range(1, int(n) + 1):
            shards.append(tmp_path / f"shard{i}.h5")
            r = run("sweep", small.sweep, "-o", shards[-1], "--incidents", "--shard", f"{i}/{n}")
            assert r.returncode == 0, r.stderr
        r = run("merge", *shards, "-o", out)
        assert r.returncode == 0, r.stderr
    incidents = table(reference, "/incidents")
    assert len(incidents) > 0
    assert sweep_attrs(out)["incidents"] == 1
    assert_same_table(incidents, table(out, "/incidents"), "/incidents")
    assert_same_table(table(small.ref), table(out))
    # In task order: (point, replication) never decreases.
    order = incidents["point"].astype(np.int64) * SMALL_TASKS + incidents["replication"]
    assert np.all(np.diff(order) >= 0)
    assert set(np.unique(incidents["point"])) == set(range(SMALL_TASKS // 20))


def test_merge_refuses_parts_with_and_without_timeseries(run, small, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    r = run("sweep", small.sweep, "-o", a, "--shard", "1/2", "--timeseries", "-q")
    assert r.returncode == 0, r.stderr
    r = run("sweep", small.sweep, "-o", b, "--shard", "2/2", "-q")
    assert r.returncode == 0, r.stderr
    r = run("merge", a, b, "-o", tmp_path / "m.h5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--timeseries" in r.stderr
    assert not (tmp_path / "m.h5").exists()


# --- killed, interrupted, resumed --------------------------------------------------------

@pytest.fixture(scope="module")
def killed(binary, long):
    """The long sweep on 2 threads, killed (SIGKILL) after its first checkpoint: its
    progress directory, kept pristine (tests copy it)."""
    out = long.dir / "killed.h5"
    args = ["sweep", long.sweep, "-o", out, "--threads", 2, "--checkpoint", 0.1, "-q"]
    code, _, _ = start_and_stop(binary, args, out, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not out.exists()
    return long.dir / "killed.h5.parts"


def test_killed_then_resumed(run, long, killed, tmp_path):
    out = tmp_path / "out.h5"
    parts = tmp_path / "out.h5.parts"
    shutil.copytree(killed, parts)
    args = ["sweep", long.sweep, "-o", out, "--threads", 2, "--checkpoint", 0.1, "-q"]
    assert all(p.name.startswith("part-") and (p.suffix == ".h5" or ".h5.partial-" in p.name)
               for p in parts.iterdir()), listing(parts)
    saved = saved_tasks(parts)
    assert 0 < saved < LONG_TASKS

    # Without --resume: refused, nothing touched.
    before = listing(parts)
    r = run(*args[:-1])
    assert r.returncode == 2, r.stderr
    assert str(parts) in r.stderr and "add --resume" in r.stderr
    assert listing(parts) == before and not out.exists()

    # A resume that asks for /timeseries when the killed run wrote none: refused.
    r = run(*args, "--resume", "--timeseries")
    assert r.returncode == 2, r.stderr
    assert "without --timeseries" in r.stderr
    assert not out.exists()
    assert saved_tasks(parts) == saved

    r = run(*args[:-1], "--resume")
    assert r.returncode == 0, r.stderr
    m = re.search(r"resumed\s+([\d,]+) runs were already done", r.stdout)
    assert m, r.stdout
    assert number(m.group(1)) == saved
    assert re.search(rf"ran\s+{LONG_TASKS - saved:,} runs", r.stdout), r.stdout
    assert not parts.exists()
    assert_same_file(long.ref, out)


@pytest.mark.parametrize("send", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_then_resumed(binary, run, long, tmp_path, send):
    out = tmp_path / "out.h5"
    parts = tmp_path / "out.h5.parts"
    args = ["sweep", long.sweep, "-o", out, "--threads", 2, "--checkpoint", 0.1]
    code, stdout, stderr = start_and_stop(binary, args, out, send)
    assert code == 130, stderr
    assert stdout == ""
    m = re.search(r"([\d,]+) of ([\d,]+) runs are saved in (\S+); run the same command with "
                  r"--resume to finish", stderr)
    assert m, stderr
    assert number(m.group(2)) == LONG_TASKS
    assert m.group(3) == str(parts)
    assert not out.exists()
    assert not [p for p in parts.iterdir() if ".partial-" in p.name], "no file left half-written"
    saved = saved_tasks(parts)
    assert number(m.group(1)) == saved
    assert 0 < saved < LONG_TASKS

    r = run(*args, "--resume")
    assert r.returncode == 0, r.stderr
    assert f"resumed  {saved:,} runs were already done" in r.stdout
    assert not parts.exists()
    assert_same_file(long.ref, out)


@needs_mpi
def test_mpi_run_stopped_then_resumed_on_threads(binary, run, long, tmp_path):
    """Parts are per task, not per rank: what an MPI run saved, threads finish."""
    out = tmp_path / "out.h5"
    parts = tmp_path / "out.h5.parts"
    args = ["sweep", long.sweep, "-o", out, "--checkpoint", 0.1, "-q"]
    code, _, stderr = start_and_stop(binary, args, out, signal.SIGTERM, launcher=mpirun(2),
                                     pattern="rank*.h5")
    assert code != 0, stderr
    assert not out.exists()
    saved = saved_tasks(parts)
    assert 0 < saved < LONG_TASKS
    r = run(*args[:-1], "--resume", "--threads", 2)
    assert r.returncode == 0, r.stderr
    assert f"resumed  {saved:,} runs were already done" in r.stdout
    assert_same_file(long.ref, out)


def test_resume_refuses_another_shard_sweep_or_timeseries(binary, run, long, tmp_path):
    out = tmp_path / "out.h5"
    parts = tmp_path / "out.h5.parts"
    args = ["sweep", long.sweep, "-o", out, "--threads", 2, "--checkpoint", 0.1, "-q"]
    code, _, _ = start_and_stop(binary, [*args, "--shard", "1/2", "--timeseries"], out,
                                signal.SIGKILL)
    assert code == -signal.SIGKILL
    saved = saved_tasks(parts)
    assert saved > 0
    committed = [p.name for p in committed_parts(parts)]

    def refused(r, phrase):
        assert r.returncode == 2, r.stdout + r.stderr
        assert phrase in r.stderr, r.stderr
        assert not out.exists()
        assert [p.name for p in committed_parts(parts)] == committed
        assert saved_tasks(parts) == saved

    refused(run(*args, "--resume", "--shard", "2/2", "--timeseries"), "the same --shard")
    refused(run(*args, "--resume", "--shard", "1/2"), "with --timeseries")
    text = long.sweep.read_text()
    changed = tmp_path / "long.toml"
    changed.write_text(text.replace("seed = 5", "seed = 6"))
    r = run("sweep", changed, *args[2:], "--resume", "--shard", "1/2", "--timeseries")
    refused(r, "belongs to another sweep")
    changed.write_text(text.replace("values = [0.08, 0.2]", "values = [0.08, 0.3]"))
    r = run("sweep", changed, *args[2:], "--resume", "--shard", "1/2", "--timeseries")
    refused(r, "belongs to another sweep")

    # Checkpoints of another build: its results may differ, so they are not mixed.
    first = committed_parts(parts)[0]
    with h5py.File(first, "r+") as f:
        real = f["/sweep"].attrs["program_version"]
        f["/sweep"].attrs["program_version"] = "0.0.0 (git 000000000000)"
    refused(run(*args, "--resume", "--shard", "1/2", "--timeseries"), "whose results may differ")
    with h5py.File(first, "r+") as f:
        f["/sweep"].attrs["program_version"] = real

    r = run(*args[:-1], "--resume", "--shard", "1/2", "--timeseries")
    assert r.returncode == 0, r.stderr
    assert f"resumed  {saved:,} runs were already done" in r.stdout
    assert sweep_attrs(out)["shard"] == "1/2"
    rows = table(out)
    reference = table(long.ref)
    mine = np.isin(row_tasks(reference, 400), sorted(tasks_of(out)))
    assert_same_table(reference[mine], rows)
    assert len(table(out, "/timeseries")) > len(rows)


def test_resume_of_a_complete_output_does_nothing(run, small, tmp_path):
    out = tmp_path / "out.h5"
    r = run("sweep", small.sweep, "-o", out, "--resume")  # nothing to resume: a plain run
    assert r.returncode == 0, r.stderr
    assert "resumed" not in r.stdout
    assert_same_file(small.ref, out)
    before = out.read_bytes()
    r = run("sweep", small.sweep, "-o", out, "--resume")
    assert r.returncode == 0, r.stderr
    assert "already complete" in r.stdout
    assert out.read_bytes() == before
    assert listing(tmp_path) == ["out.h5"]


# --- merge refuses what is not one sweep exactly once ------------------------------------

@pytest.fixture(scope="module")
def pieces(run, small, source_dir, tmp_path_factory):
    """Shards of the small sweep (of 3 and of 2), shards of the same sweep with another
    seed, and with a base scenario that differs by one comment, and a `run` output."""
    d = tmp_path_factory.mktemp("pieces")
    made = {}

    def shard(name, sweep, spec):
        made[name] = d / f"{name}.h5"
        r = run("sweep", sweep, "-o", made[name], "--shard", spec, "-q")
        assert r.returncode == 0, r.stderr

    for i in (1, 2, 3):
        shard(f"s{i}of3", small.sweep, f"{i}/3")
    shard("s1of2", small.sweep, "1/2")
    seed = write_sweep(d / "seed.toml", source_dir, seed=18)
    shard("seed2of2", seed, "2/2")
    base = d / "minimal.toml"
    base.write_text((source_dir / "scenarios/minimal.toml").read_text() + "\n# edited\n")
    shard("base2of2", write_sweep(d / "base.toml", source_dir, base=base), "2/2")
    made["run"] = d / "run.h5"
    r = run("run", source_dir / "scenarios/minimal.toml", "-o", made["run"], "-q",
            "--replications", 2)
    assert r.returncode == 0, r.stderr
    made["text"] = d / "text.h5"
    made["text"].write_text("not HDF5\n")
    return made


def other_version(pieces, tmp_path):
    path = tmp_path / "version.h5"
    shutil.copy(pieces["s2of3"], path)
    with h5py.File(path, "r+") as f:
        f["/sweep"].attrs["program_version"] = "0.0.1 (git 0123456789ab)"
    return [pieces["s1of3"], path, pieces["s3of3"]]


def duplicate(pieces, tmp_path):
    copy = tmp_path / "again.h5"
    shutil.copy(pieces["s2of3"], copy)
    return [pieces["s1of3"], pieces["s2of3"], copy, pieces["s3of3"]]


@pytest.mark.parametrize("inputs,phrases", [
    (lambda p, t: [p["s1of2"], p["seed2of2"]], ["2 different sweeps", "seed2of2.h5"]),
    (lambda p, t: [p["s1of2"], p["base2of2"]], ["2 different sweeps", "base2of2.h5"]),
    (other_version, ["2 different versions", "0.0.1 (git 0123456789ab)", "version.h5"]),
    (lambda p, t: [p["s3of3"], p["s1of3"]],
     ["39 of 120 tasks are in no part", "point 0 replications 3-5",
      "point 1 replications 1-3", "(no part of shard 2/3)"]),
    (lambda p, t: [p["s1of3"], p["s3of3"], p["s1of2"]],
     ["in both", "s1of3.h5 and", "s1of2.h5", "tasks are in no part"]),
    (duplicate, ["39 task(s) are in both", "s2of3.h5", "again.h5", "point 0 replications 3-5"]),
    (lambda p, t: [p["s1of2"], p["s1of2"]],
     ["60 task(s) are in both", "s1of2.h5 and", "(no part of shard 2/2)"]),
    (lambda p, t: [p["run"]], ["not the output of a sweep"]),
    (lambda p, t: [p["s1of3"], p["s2of3"], p["s3of3"], p["run"]], ["not the output of a sweep"]),
    (lambda p, t: [p["text"]], ["text.h5"]),
    (lambda p, t: [p["s1of3"], t / "nowhere.h5"], ["nowhere.h5: no such file"]),
], ids=["seed", "base-scenario", "version", "missing", "overlap", "duplicate",
        "same-file-twice", "run-output", "run-output-among-shards", "not-hdf5", "nonexistent"])
def test_merge_refuses(run, pieces, tmp_path, inputs, phrases):
    files = inputs(pieces, tmp_path)
    before = listing(tmp_path)
    before_bytes = {p: p.read_bytes() for p in files if p.exists()}
    r = run("merge", *files, "-o", tmp_path / "m.h5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("error: "), r.stderr
    for phrase in phrases:
        assert phrase in r.stderr, r.stderr
    assert r.stdout == ""
    assert listing(tmp_path) == before, "no output, no temporary file"
    assert {p: p.read_bytes() for p in before_bytes} == before_bytes, "inputs untouched"


def test_merge_refuses_a_checkpoint_part(run, killed, tmp_path):
    part = tmp_path / "part.h5"
    shutil.copy(committed_parts(killed)[0], part)
    r = run("merge", part, "-o", tmp_path / "m.h5")
    assert "checkpoint part" in r.stderr, r.stderr
    assert not (tmp_path / "m.h5").exists()
    assert r.returncode == 2, r.stderr


def test_merge_refuses_its_output_as_an_input(run, pieces, tmp_path):
    out = tmp_path / "m.h5"
    shutil.copy(pieces["s1of3"], out)
    r = run("merge", out, pieces["s2of3"], pieces["s3of3"], "-o", out)
    assert r.returncode == 2, r.stderr
    assert "is both an input and the output" in r.stderr
    assert out.read_bytes() == pieces["s1of3"].read_bytes()


# --- shards: the option and the Slurm job array ------------------------------------------

@pytest.mark.parametrize("spec", ["0/3", "4/3", "abc", "1/0", "0/0", "-1/3", "1/", "/3", "3",
                                  "1.5/3", "1/3x", "1//3"])
def test_bad_shard_values(run, small, tmp_path, spec):
    r = run("sweep", small.sweep, "-o", tmp_path / "out.h5", f"--shard={spec}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "expected I/N" in r.stderr, r.stderr
    assert listing(tmp_path) == [], "no output and no parts directory"


def test_an_empty_shard_value_is_refused(run, small, tmp_path):
    r = run("sweep", small.sweep, "-o", tmp_path / "out.h5", "--shard", "", "-q")
    assert r.returncode == 2, r.stdout + r.stderr
    assert listing(tmp_path) == []


def slurm(task_id, low, high, count):
    return {"SLURM_ARRAY_TASK_ID": str(task_id), "SLURM_ARRAY_TASK_MIN": str(low),
            "SLURM_ARRAY_TASK_MAX": str(high), "SLURM_ARRAY_TASK_COUNT": str(count)}


def test_slurm_job_array_sets_the_shard(run, small, pieces, tmp_path):
    out = tmp_path / "out.h5"
    r = run("sweep", small.sweep, "-o", out, env=slurm(5, 4, 6, 3))  # --array=4-6, task 5
    assert r.returncode == 0, r.stderr
    assert "shard    2/3" in r.stdout
    attrs = sweep_attrs(out)
    assert (attrs["shard"], attrs["complete"]) == ("2/3", 0)
    assert_same_file(pieces["s2of3"], out)
    # --shard wins over the environment, which is then not even read.
    out2 = tmp_path / "out2.h5"
    r = run("sweep", small.sweep, "-o", out2, "--shard", "1/3", "-q", env=slurm(9, 1, 20, 3))
    assert r.returncode == 0, r.stderr
    assert sweep_attrs(out2)["shard"] == "1/3"
    assert_same_table(table(pieces["s1of3"]), table(out2))


@pytest.mark.parametrize("env,phrase", [
    (slurm(3, 1, 5, 3), "not consecutive"),      # --array=1,3,5
    (slurm(1, 1, 3, 4), "not consecutive"),
    (slurm(7, 1, 3, 3), "not consecutive"),      # an id outside MIN..MAX
    ({"SLURM_ARRAY_TASK_ID": "2"}, "pass --shard I/N"),
    ({**slurm(2, 1, 3, 3), "SLURM_ARRAY_TASK_ID": "two"}, "not a whole number"),
], ids=["gaps", "count", "outside", "alone", "not-a-number"])
def test_bad_slurm_environment(run, small, tmp_path, env, phrase):
    r = run("sweep", small.sweep, "-o", tmp_path / "out.h5", env=env)
    assert r.returncode == 2, r.stdout + r.stderr
    assert phrase in r.stderr, r.stderr
    assert listing(tmp_path) == []


@pytest.fixture
def tiny(source_dir, tmp_path):
    """6 tasks: more shards than tasks leaves some shards empty (a job array sized
    independently of the sweep)."""
    return write_sweep(tmp_path / "tiny.toml", source_dir, replications=1)


def test_an_empty_shard_leaves_no_progress_directory(run, tiny, tmp_path):
    out = tmp_path / "out.h5"
    first = run("sweep", tiny, "-o", out, "--shard", "7/8", "-q")
    assert not (tmp_path / "out.h5.parts").exists()
    again = run("sweep", tiny, "-o", out, "--shard", "7/8", "-q")
    assert again.returncode == first.returncode, again.stderr


def test_empty_shards_write_empty_files_that_merge(run, tiny, tmp_path):
    shards = []
    for i in range(1, 9):
        shards.append(tmp_path / f"shard{i}.h5")
        r = run("sweep", tiny, "-o", shards[-1], "--shard", f"{i}/8", "-q")
        assert r.returncode == 0, f"shard {i}/8: {r.stderr}"
        assert sweep_attrs(shards[-1])["shard"] == f"{i}/8"
    assert [len(table(s)) for s in shards] == [1, 1, 1, 1, 1, 1, 0, 0]
    whole = tmp_path / "whole.h5"
    assert run("sweep", tiny, "-o", whole, "-q").returncode == 0
    merged = tmp_path / "merged.h5"
    r = run("merge", *shards, "-o", merged, "-q")
    assert r.returncode == 0, r.stderr
    assert_same_file(whole, merged)


# --- progress ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def medium(long, source_dir):
    """1,200 runs of japan_2015_2021.toml: about half a second on 2 threads, more than the
    0.2 s between two redraws of the progress line."""
    return write_sweep(long.dir / "medium.toml", source_dir, template=LONG, replications=150,
                       seed=5)


def test_progress_line_on_a_terminal(binary, medium, tmp_path):
    code, stdout, terminal = on_terminal(
        binary, ["sweep", medium, "-o", tmp_path / "out.h5", "--threads", 2])
    assert code == 0, terminal
    assert "\r\033[K" in terminal, repr(terminal)  # redrawn in place
    assert "runs/s" in terminal and "ETA" in terminal, repr(terminal)
    assert re.search(r"sweep: [\d,]+/1,200 runs \([\d.]+ %\)", terminal), repr(terminal)
    assert terminal.endswith("\n"), "the line is closed at the end"
    assert "runs/s" in stdout and "output" in stdout  # the summary, on stdout


def test_quiet_prints_nothing_even_on_a_terminal(binary, medium, tmp_path):
    code, stdout, terminal = on_terminal(
        binary, ["sweep", medium, "-o", tmp_path / "out.h5", "--threads", 2, "-q"])
    assert code == 0, terminal
    assert (stdout, terminal) == ("", "")


def test_no_progress_line_in_a_log_for_a_short_run(run, small, tmp_path):
    r = run("sweep", small.sweep, "-o", tmp_path / "out.h5")
    assert r.returncode == 0
    assert r.stderr == ""
    assert "120 runs" in r.stdout


def test_quiet_sweep_and_merge_print_nothing(run, small, pieces, tmp_path):
    r = run("sweep", small.sweep, "-o", tmp_path / "out.h5", "-q", "--threads", 2)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = run("sweep", small.sweep, "-o", tmp_path / "shard.h5", "-q", "--shard", "1/2")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = run("merge", pieces["s2of3"], pieces["s1of3"], pieces["s3of3"], "-o",
            tmp_path / "m.h5", "-q")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert_same_file(small.ref, tmp_path / "m.h5")


def test_a_signal_during_the_final_merge_publishes_nothing_and_resume_merges(binary, run,
                                                                          source_dir, tmp_path):
    """SIGTERM while the parts are merged: the merge stops (exit 130), the output is not
    published, every part stays, and --resume merges them into the same file."""
    sweep = write_sweep(tmp_path / "sweep.toml", source_dir, template=LONG, replications=50,
                        seed=5)
    ref = tmp_path / "ref.h5"
    args = ["sweep", sweep, "--threads", 2, "-q", "--timeseries", "--compression", 9]
    assert run(*args, "-o", ref).returncode == 0
    out = tmp_path / "out.h5"
    proc = subprocess.Popen([binary, *map(str, args), "-o", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment())
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob("out.h5.partial-*")):
            assert proc.poll() is None, "the sweep ended before its merge could be stopped"
            assert time.monotonic() < deadline, "no merge after 120 s"
            time.sleep(0.002)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if proc.returncode == 0:
        pytest.skip("the merge finished before the signal arrived (a fast machine)")
    assert proc.returncode == 130, stderr
    assert "during the final merge" in stderr and "--resume" in stderr, stderr
    assert not out.exists(), "an interrupted merge never publishes"
    assert not list(tmp_path.glob("out.h5.partial-*")), "nor leaves its partial file"
    assert saved_tasks(tmp_path / "out.h5.parts", 50) == 8 * 50
    r = run(*args, "-o", out, "--resume")
    assert r.returncode == 0, r.stderr
    assert_same_file(ref, out)
