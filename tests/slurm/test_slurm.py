"""A sweep on a real single-node Slurm cluster (scripts/slurm/local-cluster.sh): submitted as
a job array of shards plus a dependent merge (scripts/slurm/submit-sweep.sh), the merged
file's /runs is identical to the same sweep run on threads. Also: srun starts tasks, and
with PMIx when the cluster has it.

Needs root and the Debian packages slurm-wlm and munge (scripts/install-deps.sh installs
them); CYBERDETER_BIN names the binary, as for tests/e2e. The daemons are always stopped.
"""
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

SOURCE = Path(os.environ.get("CYBERDETER_SOURCE", Path(__file__).resolve().parents[2]))
SCRIPTS = SOURCE / "scripts" / "slurm"
SLURM_PROGRAMS = ("munged", "slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "scontrol", "srun")
DONE = {"COMPLETED"}
FAILED = {"FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
          "DEADLINE", "PREEMPTED"}

SWEEP = """\
base = "{base}"
name = "slurm-shards"
[run]
replications = 3
seed = 17
[design]
kind = "grid"
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
range = [0.3, 0.9]
steps = 2
[[parameters]]
name = "defense"
path = "states.Homeland.defense"
values = [0.2, 0.5]
"""


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as e:
        return f"({path}: {e})"
    return "\n".join(text[-lines:])


def clean_environment() -> dict:
    """The environment without SLURM_* (set when ctest itself runs inside a Slurm job)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}


class Cluster:
    def __init__(self, state: Path):
        self.state = state
        self.env = dict(clean_environment(), SLURM_CONF=str(state / "slurm.conf"))

    @property
    def mpi(self) -> str:
        m = re.search(r"^MpiDefault=(\S+)", (self.state / "slurm.conf").read_text(), re.M)
        return m.group(1) if m else "none"

    def run(self, *args, timeout=30, check=True):
        r = subprocess.run([str(a) for a in args], env=self.env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if check and r.returncode != 0:
            pytest.fail(f"{' '.join(map(str, args))} exited {r.returncode}\n"
                        f"stdout:\n{r.stdout}\nstderr:\n{r.stderr}\n{self.diagnostics()}")
        return r

    def job_states(self, job_id: str) -> list[str]:
        """States of a job, or of every task of an array job ([] if Slurm does not know it)."""
        r = self.run("scontrol", "-o", "show", "job", job_id, check=False)
        return re.findall(r"\bJobState=(\S+)", r.stdout)

    def diagnostics(self, *log_dirs: Path) -> str:
        parts = []
        for name in ("slurmctld", "slurmd", "munged"):
            parts.append(f"----- {name} log (last lines) -----\n"
                         f"{tail(self.state / 'log' / f'{name}.log')}")
        for cmd in (("squeue",), ("scontrol", "-o", "show", "job"), ("sinfo", "-N", "-l")):
            try:
                r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=10)
                parts.append(f"----- {' '.join(cmd)} -----\n{r.stdout}{r.stderr}")
            except (OSError, subprocess.TimeoutExpired) as e:
                parts.append(f"----- {' '.join(cmd)}: {e}")
        for d in log_dirs:
            for f in sorted(d.glob("*.out")):
                parts.append(f"----- job output {f} -----\n{tail(f)}")
        return "\n".join(parts)


@pytest.fixture(scope="session")
def binary() -> str:
    path = os.environ.get("CYBERDETER_BIN")
    if not path:
        pytest.fail("CYBERDETER_BIN is not set: run these tests through ctest")
    return str(Path(path).resolve())


@pytest.fixture(scope="module")
def cluster():
    if os.geteuid() != 0:
        pytest.skip("the local Slurm cluster runs its daemons as root; not root here")
    missing = [p for p in SLURM_PROGRAMS if shutil.which(p) is None]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} not found): "
                    "scripts/install-deps.sh installs slurm-wlm and munge")
    # Short: munge's unix socket lives in it (paths are limited to 107 bytes).
    state = Path(tempfile.mkdtemp(prefix="cd-slurm-"))
    script = str(SCRIPTS / "local-cluster.sh")
    try:
        t0 = time.monotonic()
        r = subprocess.run([script, "start", str(state)], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL, env=clean_environment())
        print(r.stdout, r.stderr, f"(start took {time.monotonic() - t0:.1f} s)")
        if r.returncode != 0:
            pytest.fail(f"local-cluster.sh start failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        yield Cluster(state)
    finally:
        r = subprocess.run([script, "stop", str(state)], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL, env=clean_environment())
        print(r.stdout, r.stderr)
        shutil.rmtree(state, ignore_errors=True)


def wait_for(cluster: Cluster, job_id: str, timeout: float, log_dir: Path) -> str:
    """Waits until every state of the job is final; returns 'COMPLETED' or fails the test."""
    deadline = time.monotonic() + timeout
    states = []
    while time.monotonic() < deadline:
        states = cluster.job_states(job_id)
        if states and all(s in DONE | FAILED for s in states):
            if all(s in DONE for s in states):
                return "COMPLETED"
            break
        time.sleep(0.25)
    else:
        pytest.fail(f"job {job_id} not finished after {timeout} s (states {states})\n"
                    f"{cluster.diagnostics(log_dir)}")
    pytest.fail(f"job {job_id} ended {states}\n{cluster.diagnostics(log_dir)}")


def runs(path: Path) -> np.ndarray:
    with h5py.File(path) as f:
        return f["/runs"][:]


def test_sweep_as_job_array_then_merge_equals_threads(cluster, binary, tmp_path):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SWEEP.format(base=SOURCE / "scenarios" / "minimal.toml"))
    merged = tmp_path / "out" / "merged.h5"
    # From another directory: the script makes every path absolute.
    r = subprocess.run([str(SCRIPTS / "submit-sweep.sh"), "sweep.toml", "out/merged.h5",
                        "--shards", "3", "--cyberdeter", binary, "--time", "5"],
                       cwd=tmp_path, env=cluster.env, capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n{cluster.diagnostics()}"
    ids = dict(line.split("=", 1) for line in r.stdout.split())
    assert set(ids) == {"array_job", "merge_job"}, r.stdout
    assert all(v.isdigit() for v in ids.values()), r.stdout
    parts_dir = tmp_path / "out" / "merged.parts"

    wait_for(cluster, ids["merge_job"], 60, parts_dir / "logs")
    assert cluster.job_states(ids["array_job"]) == ["COMPLETED"] * 3
    assert sorted(p.name for p in parts_dir.glob("part-*.h5")) == [
        "part-1.h5", "part-2.h5", "part-3.h5"]
    assert merged.is_file(), cluster.diagnostics(parts_dir / "logs")

    threads = tmp_path / "threads.h5"
    t = subprocess.run([binary, "sweep", str(sweep), "-o", str(threads), "--threads", "2"],
                       capture_output=True, text=True, timeout=60, env=clean_environment())
    assert t.returncode == 0, t.stderr

    a, b = runs(merged), runs(threads)
    assert len(b) == 4 * 3
    assert a.dtype == b.dtype
    for field in b.dtype.names:  # NaN-aware, and names the first field that differs
        np.testing.assert_array_equal(a[field], b[field], err_msg=f"/runs field {field}")
    if not any(b.dtype[f].kind == "f" and np.isnan(b[f]).any() for f in b.dtype.names):
        assert np.array_equal(a, b)  # record == treats NaN as unequal: the bytes cover NaN
    assert a.tobytes() == b.tobytes(), "/runs is not byte-identical"


def test_srun_starts_two_tasks(cluster):
    r = cluster.run("srun", "-n", "2", "hostname")
    assert len(r.stdout.split()) == 2, r.stdout


def test_srun_with_pmix(cluster):
    if cluster.mpi != "pmix":
        pytest.skip("the cluster runs MpiDefault=none: Slurm's mpi_pmix plugin or libpmix.so "
                    "(slurm-wlm-basic-plugins, libpmix-dev) is missing")
    r = cluster.run("srun", "--mpi=pmix", "-n", "2", "printenv", "PMIX_RANK")
    assert sorted(r.stdout.split()) == ["0", "1"], r.stdout


def test_sweep_under_srun_mpi_equals_threads(cluster, binary, tmp_path):
    """`srun --mpi=pmix -n 2 cyberdeter sweep` runs as one MPI job of two ranks (not two
    independent sweeps) and writes the same /runs as threads."""
    if cluster.mpi != "pmix":
        pytest.skip("the cluster runs MpiDefault=none: no PMIx for OpenMPI under srun")
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(SWEEP.format(base=SOURCE / "scenarios" / "minimal.toml"))
    out = tmp_path / "srun.h5"
    # Under srun's PMIx, OpenMPI's components are unloaded before exit, so LeakSanitizer
    # (make test-asan) sees their allocations without a stack to match a suppression
    # against; our own code's leaks are checked by every other test of that build.
    env = dict(cluster.env, ASAN_OPTIONS="detect_leaks=0")
    r = subprocess.run(["srun", "--mpi=pmix", "-n", "2", binary, "sweep", str(sweep), "-o",
                        str(out)], env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n{cluster.diagnostics()}"
    assert "2 MPI ranks" in r.stdout, r.stdout + r.stderr
    assert r.stdout.count("output") == 1, "only rank 0 reports: " + r.stdout
    threads = tmp_path / "threads.h5"
    t = subprocess.run([binary, "sweep", str(sweep), "-o", str(threads), "--threads", "2", "-q"],
                       capture_output=True, text=True, timeout=60, env=clean_environment())
    assert t.returncode == 0, t.stderr
    assert runs(out).tobytes() == runs(threads).tobytes()


def test_the_cluster_starts_in_a_container_without_cgroups():
    """slurmd 22.05 loads its cgroup plugin even with proctrack/linuxproc and task/none, and
    failed ("can't stat /sys/fs/cgroup/systemd/") where /sys/fs/cgroup is absent, as in some
    containers. local-cluster.sh gives it a cgroup.conf with a mount point of its own."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to hide /sys/fs/cgroup in a mount namespace")
    missing = [p for p in SLURM_PROGRAMS if shutil.which(p) is None]
    if missing:
        pytest.skip(f"Slurm is not installed ({', '.join(missing)} not found)")
    state = Path(tempfile.mkdtemp(prefix="cd-nocg-"))
    script = str(SCRIPTS / "local-cluster.sh")
    # In a private mount namespace, an empty tmpfs hides the cgroup file system; the daemons
    # are stopped before the namespace goes away.
    inner = (f"mount -t tmpfs none /sys/fs/cgroup || exit 77; "
             f"{script} start {state} || exit 1; . {state}/env; "
             f"out=$(srun -n 2 echo ok); rc=$?; {script} stop {state} >/dev/null; "
             f"[ $rc -eq 0 ] && [ \"$(echo $out)\" = 'ok ok' ]")
    try:
        r = subprocess.run(["unshare", "-m", "bash", "-c", inner], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL, env=clean_environment())
        if r.returncode == 77:
            pytest.skip("cannot mount a tmpfs over /sys/fs/cgroup here: " + r.stderr.strip())
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        subprocess.run([script, "stop", str(state)], capture_output=True, timeout=60,
                       stdin=subprocess.DEVNULL, env=clean_environment())
        shutil.rmtree(state, ignore_errors=True)


CALIBRATION = """
base = "{base}"
[run]
replications = 3
seed = 9
[method]
waves = 2
points = 20
candidates = 400
[[parameters]]
name = "cost"
path = "attackers.RivalAPT.operation_cost"
prior = "log_uniform"
range = [0.5, 6.0]
source = "test"
[[parameters]]
name = "rate"
path = "attackers.RivalAPT.opportunity_rate"
range = [0.02, 0.1]
source = "test"
[[targets]]
id = "launched"
statistic = "per_year"
of = {{ kind = "state_sponsored" }}
band = [6.0, 12.0]
source = "test"
"""


def test_calibration_as_job_arrays_equals_threads(cluster, binary, tmp_path):
    """scripts/slurm/submit-calibrate.sh: per wave, an array of shards and a merge job,
    chained; the output equals a calibration on threads."""
    cal = tmp_path / "cal.toml"
    cal.write_text(CALIBRATION.format(base=SOURCE / "scenarios" / "minimal.toml"))
    out = tmp_path / "out" / "cal.h5"
    r = subprocess.run([str(SCRIPTS / "submit-calibrate.sh"), "cal.toml", "out/cal.h5",
                        "--shards", "2", "--cyberdeter", binary, "--time", "5"],
                       cwd=tmp_path, env=cluster.env, capture_output=True, text=True, timeout=30,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}\n{cluster.diagnostics()}"
    ids = dict(line.split("=", 1) for line in r.stdout.split())
    assert sorted(ids) == ["wave_0_array", "wave_0_merge", "wave_1_array", "wave_1_merge"]
    logs = Path(str(out) + ".logs")
    wait_for(cluster, ids["wave_1_merge"], 120, logs)
    assert cluster.job_states(ids["wave_0_array"]) == ["COMPLETED"] * 2
    assert out.is_file(), cluster.diagnostics(logs)
    threads = tmp_path / "threads.h5"
    t = subprocess.run([binary, "calibrate", str(cal), "-o", str(threads), "--threads", "2",
                        "-q"], capture_output=True, text=True, timeout=60,
                       env=clean_environment())
    assert t.returncode == 0, t.stderr
    with h5py.File(out) as a, h5py.File(threads) as b:
        assert a["runs"][:].tobytes() == b["runs"][:].tobytes()
        for name in ("worlds/plausible", "worlds/launched", "plausible/world", "waves/accepted"):
            assert a[name][:].tobytes() == b[name][:].tobytes(), name
