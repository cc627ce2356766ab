"""analysis.games on real sweeps of the formal games written by the binary: a small
attribution-game sweep over the detection rate and a timing-game sweep over stealth. The
simulated means must sit within 4.5 standard errors of the closed form (the bands of
docs/validation.md §4, from the replications), the closed form must move the way theory
says, the plot and the table are written, and bad input exits 2."""
from __future__ import annotations

import subprocess
import sys

import h5py
import numpy as np
import pytest
from scipy import stats

from analysis import games
from conftest import SOURCE, _run

ATTRIBUTION = """\
model = "attribution_game"
name = "analysis attribution"
[run]
replications = 4
rounds = 20000
seed = 3
[signals]
detection = 0.8
identification = 0.9
false_alarm = 0.05
[attackers.A]
[attackers.B]
"""

TIMING = """\
model = "timing_game"
name = "analysis timing"
[run]
replications = 6
episodes = 3000
seed = 4
[game]
discount = 0.9
stealth = 0.1
persistence = 0.9
[search]
grid_points = 9
tolerance = 0.01
check_episodes = 3000
"""

SWEEP = """\
base = "{base}"
name = "{name}"
[run]
replications = {replications}
seed = 17
common_random_numbers = false
[design]
kind = "grid"
[[parameters]]
name = "{parameter}"
path = "{path}"
range = [{lo}, {hi}]
steps = {steps}
"""


def sweep(binary, d, name, base_text, parameter, path, lo, hi, steps, replications):
    base = d / f"{name}.toml"
    base.write_text(base_text)
    spec = d / f"{name}_sweep.toml"
    spec.write_text(SWEEP.format(base=base, name=name, replications=replications,
                                 parameter=parameter, path=path, lo=lo, hi=hi, steps=steps))
    out = d / f"{name}.h5"
    _run(binary, "sweep", spec, "-o", out, "--threads", 2, "-q")
    return out


@pytest.fixture(scope="module")
def attribution(binary, tmp_path_factory):
    return sweep(binary, tmp_path_factory.mktemp("games"), "attribution", ATTRIBUTION,
                 "detection", "signals.detection", 0.2, 1.0, 5, 4)


@pytest.fixture(scope="module")
def timing(binary, tmp_path_factory):
    return sweep(binary, tmp_path_factory.mktemp("games"), "timing", TIMING, "stealth",
                 "game.stealth", 0.0, 0.8, 5, 6)


def within_bands(frame, sigmas=4.5):
    """|simulated - closed form| <= sigmas standard errors, point by point (half_width is
    the 95 % Student-t half-width over the replications; back to one standard error)."""
    one_se = frame["half_width"] / stats.t.ppf(0.975, frame["replications"] - 1)
    return ((frame["simulated"] - frame["theory"]).abs() <= sigmas * one_se).to_numpy()


def test_attribution_dose_response_follows_the_closed_form(attribution):
    s = games.load(str(attribution))
    assert s.model == "attribution_game" and s.parameters == ["detection"]
    assert s.attackers == ["A", "B"]
    frame = games.dose_response(s)
    assert len(frame) == 5 * 2  # points x attackers
    assert set(frame["measure"]) == {"attack probability a_i"}
    assert (frame["replications"] == 4).all()
    # The theory column is the binary's closed form for each point, as /attackers has it.
    with h5py.File(attribution) as f:
        a = f["/attackers"][:]
        detection = f["/design/detection"][:]
    for _, r in frame.iterrows():
        rows = a[(a["point"] == r["point"]) & (a["attacker"] == (0 if "A" in r["series"] else 1))]
        assert r["theory"] == rows["attack_theory"][0]
        assert r["detection"] == pytest.approx(detection[r["point"]])
        assert r["simulated"] == pytest.approx(rows["attack_frequency"].mean())
    assert within_bands(frame).all(), frame
    # More detection deters: a_i falls along the sweep, in theory and in the simulation.
    A = frame[frame["series"].str.contains("A")].sort_values("detection")
    assert (np.diff(A["theory"]) < 0).all()
    assert A["simulated"].iloc[-1] < A["simulated"].iloc[0] - 0.05


def test_timing_dose_response_follows_the_closed_form(timing):
    s = games.load(str(timing))
    frame = games.dose_response(s)
    threshold = frame[frame["measure"] == "threshold T"].sort_values("stealth")
    value = frame[frame["measure"] == "value V(T-hat)"].sort_values("stealth")
    assert len(threshold) == len(value) == 5
    # T* = w (P - S) V(T*) falls with stealth, to 0 where S reaches P; so does T-hat.
    assert (np.diff(threshold["theory"]) < 0).all()
    assert threshold["simulated"].iloc[-1] < threshold["simulated"].iloc[0] - 0.1
    # V(T-hat) on independent episodes is unbiased for V(T-hat) in closed form.
    assert within_bands(value).all(), value
    # The found thresholds' values are never above the optimum V(T*) (up to noise).
    assert (value["theory"] <= value["optimum"] + 1e-12).all()


def test_markdown_and_plot_from_the_command_line(attribution, timing, tmp_path):
    for path, x in ((attribution, "detection"), (timing, "stealth")):
        png = tmp_path / f"{x}.png"
        r = subprocess.run([sys.executable, "-m", "analysis.games", str(path), "--markdown",
                            "--plot", str(png)], capture_output=True, text=True, cwd=SOURCE)
        assert r.returncode == 0, r.stderr
        assert r.stdout.startswith(f"| {x} | series | measure |"), r.stdout
        assert "the closed form is inside the 95 % interval at" in r.stdout
        assert png.stat().st_size > 10_000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_input_exits_2(binary, attribution, tmp_path):
    run = tmp_path / "run.h5"
    base = attribution.parent / "attribution.toml"
    _run(binary, "run", base, "-o", run, "-q", "--replications", 1, "--set", "run.rounds=100")
    cases = [
        ([str(run)], "not a sweep (no /design)"),
        ([str(tmp_path / "missing.h5")], "cannot be read as HDF5"),
        ([str(attribution), "--parameter", "stealth"], "no parameter 'stealth'"),
        ([str(attribution), "--level", "1.5"], "--level must be in (0, 1)"),
    ]
    for args, phrase in cases:
        r = subprocess.run([sys.executable, "-m", "analysis.games", *args], capture_output=True,
                           text=True, cwd=SOURCE)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("error: ") and phrase in r.stderr, r.stderr
