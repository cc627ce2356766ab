"""Fixtures for the analysis package's tests: real files written by the real binary.

The binary is $CYBERDETER_BIN (default build/ci/app/cyberdeter under the source tree).
Every file is made once per session, small enough that the whole set takes about a second:
a run of scenarios/minimal.toml with --incidents --choices (20 replications), the same
run with the policy change switched off (the counterfactual, same seed), and three sweeps
of minimal.toml with --timeseries: a grid (5 × 2 points), a Saltelli design (N = 16 base
samples of 3 parameters) and a Morris design (8 trajectories of 3 parameters, one given by
`values`, one an integer range); with `cyberdeter sweep --incidents` when the binary has it.
For windows, displacement and questions: minimal.toml with a second targetable state, Ally,
swept over Homeland's defense (labelled values) and RivalAPT's capability, with a
[question] and --incidents --timeseries.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE = Path(os.environ.get("CYBERDETER_SOURCE", Path(__file__).resolve().parents[2]))
if str(SOURCE) not in sys.path:  # `import analysis` from the source tree, wherever pytest runs
    sys.path.insert(0, str(SOURCE))

MINIMAL = SOURCE / "scenarios" / "minimal.toml"

GRID = """\
base = "{base}"
name = "analysis-grid"
[run]
replications = 3
seed = 5
[design]
kind = "grid"
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
range = [0.3, 0.9]
steps = 5
[[parameters]]
name = "sanctions"
path = "states.Homeland.doctrine.sanction.enabled"
values = [false, true]
"""

SALTELLI = """\
base = "{base}"
name = "analysis-saltelli"
[run]
replications = 2
seed = 5
[design]
kind = "saltelli"
points = 16
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
range = [0.3, 0.9]
[[parameters]]
name = "defense"
path = "states.Homeland.defense"
range = [0.05, 0.6]
scale = "log"
[[parameters]]
name = "gain"
path = "attackers.RivalAPT.gain"
range = [1.0, 8.0]
"""

MORRIS = """\
base = "{base}"
name = "analysis-morris"
[run]
replications = 2
seed = 5
[design]
kind = "morris"
points = 8
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
range = [0.3, 0.9]
[[parameters]]
name = "defense"
path = "states.Homeland.defense"
values = [0.1, 0.3, 0.5]
[[parameters]]
name = "gain"
path = "attackers.RivalAPT.gain"
range = [1, 8]
"""


ALLY = """
[states.Ally]
economy = 0.05
defense = 0.2
"""

DISPLACEMENT = """\
base = "{base}"
name = "analysis-displacement"
[run]
replications = 8
seed = 11
[design]
kind = "grid"
[[parameters]]
name = "defense"
path = "states.Homeland.defense"
values = [0.2, 0.8]
labels = ["as is", "hardened"]
[[parameters]]
name = "capability"
path = "attackers.RivalAPT.capability"
values = [0.7, 0.9]
[question]
text = "Does hardening Homeland deter RivalAPT, or move it to Ally?"
metric = "launched@Homeland"
compare = "defense"
baseline = "as is"
window = ["2022-01-01", 1827]
"""


@pytest.fixture(scope="session")
def binary() -> str:
    path = os.environ.get("CYBERDETER_BIN") or str(SOURCE / "build" / "ci" / "app" / "cyberdeter")
    if not Path(path).is_file():
        pytest.fail(f"no cyberdeter binary at {path}: build it (cmake --build --preset ci) or "
                    f"set CYBERDETER_BIN")
    return path


def _run(binary, *args, cwd=None):
    r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                       timeout=300)
    assert r.returncode == 0, f"cyberdeter {' '.join(map(str, args))}: {r.stderr}"
    return r


@pytest.fixture(scope="session")
def sweep_has_incidents(binary) -> bool:
    r = subprocess.run([binary, "sweep", "--help"], capture_output=True, text=True, timeout=60)
    return "--incidents" in r.stdout


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("analysis-data")


@pytest.fixture(scope="session")
def run_file(binary, data_dir) -> Path:
    """minimal.toml, 20 replications, with /incidents and /choices (Homeland sanctions from day 731)."""
    out = data_dir / "minimal.h5"
    _run(binary, "run", MINIMAL, "-o", out, "--replications", 20, "--incidents", "--choices", "-q")
    return out


@pytest.fixture(scope="session")
def counterfactual_file(binary, data_dir) -> Path:
    """The same world and seed where Homeland never switches its sanction rung on."""
    out = data_dir / "minimal_nosanction.h5"
    _run(binary, "run", MINIMAL, "-o", out, "--replications", 20, "--incidents", "-q",
         "--set", "policy_changes[0].enabled=false")
    return out


def _sweep(binary, data_dir, name, text, *extra) -> Path:
    spec = data_dir / f"{name}.toml"
    spec.write_text(text.format(base=MINIMAL))
    out = data_dir / f"{name}.h5"
    _run(binary, "sweep", spec, "-o", out, "--timeseries", "-q", "--threads", 2, *extra)
    return out


@pytest.fixture(scope="session")
def grid_file(binary, data_dir, sweep_has_incidents) -> Path:
    extra = ("--incidents",) if sweep_has_incidents else ()
    return _sweep(binary, data_dir, "grid", GRID, *extra)


@pytest.fixture(scope="session")
def saltelli_file(binary, data_dir) -> Path:
    return _sweep(binary, data_dir, "saltelli", SALTELLI)


@pytest.fixture(scope="session")
def morris_file(binary, data_dir) -> Path:
    return _sweep(binary, data_dir, "morris", MORRIS)


@pytest.fixture(scope="session")
def ally_scenario(data_dir) -> Path:
    """minimal.toml with a second state RivalAPT can attack (Ally)."""
    out = data_dir / "ally.toml"
    out.write_text(MINIMAL.read_text() + ALLY)
    return out


@pytest.fixture(scope="session")
def displacement_file(binary, data_dir, ally_scenario) -> Path:
    """2 × 2 grid (Homeland's defense as is / hardened × RivalAPT's capability), 8
    replications, with [question], /incidents and /timeseries."""
    spec = data_dir / "displacement.toml"
    spec.write_text(DISPLACEMENT.format(base=ally_scenario))
    out = data_dir / "displacement.h5"
    _run(binary, "sweep", spec, "-o", out, "--timeseries", "--incidents", "-q", "--threads", 2)
    return out


@pytest.fixture(scope="session")
def sweep_incidents_file(grid_file, sweep_has_incidents) -> Path:
    if not sweep_has_incidents:
        pytest.skip("this cyberdeter binary has no `sweep --incidents` yet (not in "
                    "`cyberdeter sweep --help`)")
    return grid_file


@pytest.fixture
def cli(capsys):
    """Runs `python3 -m analysis ARGS` in-process; returns (status, stdout, stderr)."""
    from analysis.__main__ import main

    def run(*args):
        status = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def pytest_configure(config):
    config.addinivalue_line("markers", "performance: timing targets of the analysis package "
                                       "(loading 100,000 runs < 2 s, their report < 30 s)")
