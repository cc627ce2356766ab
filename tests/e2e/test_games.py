"""The formal games (docs/validation.md §1 and §2) through the real binary: the
`equilibrium` command prints the closed form, `run` writes self-describing files, and bad
game files exit 2 with file, line and key."""
import re

import h5py
import pandas as pd
import pytest

VALIDATION = "scenarios/validation"

# (file, a_1 = a_2, x*, p_1^s for s = nothing, points to A, points to B): the cases of
# docs/validation.md §1.2.
ATTRIBUTION = [
    ("attribution_baseline.toml", 0.524586, 0.475414, (0.09846, 0.80842, 0.08982)),
    ("attribution_fewer_false_alarms.toml", 0.426390, None, None),
    ("attribution_fewer_opportunities.toml", 0.567639, None, None),
]


def number_after(label, text):
    m = re.search(re.escape(label) + r"\s+([-0-9.]+)", text)
    assert m, f"{label!r} not in\n{text}"
    return float(m.group(1))


@pytest.mark.parametrize("name,a,x,p", ATTRIBUTION, ids=[c[0] for c in ATTRIBUTION])
def test_equilibrium_prints_the_attribution_table(cli, source_dir, name, a, x, p):
    r = cli("equilibrium", source_dir / VALIDATION / name)
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"\s+([AB])\s+U\[0, 1\]\s+1\s+([0-9.]+)\s+([-0-9.]+)", line)
        if m:
            rows[m.group(1)] = (float(m.group(2)), float(m.group(3)))
    assert set(rows) == {"A", "B"}, r.stdout
    for attacker in "AB":
        assert abs(rows[attacker][0] - a) < 1e-5
        if x is not None:
            assert abs(rows[attacker][1] - x) < 1e-5
    if p is not None:
        for signal, expected in zip(("nothing", "points to A", "points to B"), p):
            m = re.search(r"\n\s+A\s+" + signal + r"\s+([0-9.]+)\s+([0-9.]+)", r.stdout)
            assert m, r.stdout
            assert abs(float(m.group(1)) - expected) < 1e-5  # p_1^s
            assert abs(float(m.group(2)) - expected) < 1e-5  # r_1^s = p_1^s


def test_equilibrium_prints_the_timing_optimum(cli, source_dir):
    r = cli("equilibrium", source_dir / VALIDATION / "timing_game.toml")
    assert r.returncode == 0, r.stderr
    assert abs(number_after("T*     =", r.stdout) - 0.49096) < 1e-5
    assert abs(number_after("V(T*)  =", r.stdout) - 0.68189) < 1e-5
    assert abs(number_after("V(0)   =", r.stdout) - 0.54945) < 1e-5
    assert "w^t < 1e-12" in r.stdout


def test_equilibrium_takes_overrides(cli, source_dir):
    r = cli("equilibrium", source_dir / VALIDATION / "timing_game.toml",
            "--set", "game.stealth=0.95")
    assert r.returncode == 0, r.stderr
    assert number_after("T*     =", r.stdout) == 0.0
    assert "use at once" in r.stdout


@pytest.mark.parametrize("scenario", ["scenarios/minimal.toml", "scenarios/reference/hold.toml"])
def test_equilibrium_refuses_other_models(cli, source_dir, scenario):
    r = cli("equilibrium", source_dir / scenario)
    assert r.returncode == 2
    assert "attribution_game" in r.stderr and r.stdout == ""


def test_help_lists_equilibrium(cli):
    r = cli("--help")
    assert r.returncode == 0 and "equilibrium" in r.stdout


def test_run_attribution_writes_a_self_describing_file(cli, source_dir, tmp_path):
    scenario = source_dir / VALIDATION / "attribution_baseline.toml"
    out = tmp_path / "game.h5"
    r = cli("run", scenario, "-o", out, "--replications", 3, "--set", "run.rounds=20000")
    assert r.returncode == 0, r.stderr
    assert "attack frequency" in r.stdout and "(0.524586)" in r.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["game.h5"]
    with h5py.File(out, "r") as f:
        assert f.attrs["program"] == "cyberdeter"
        assert f["/scenario"].attrs["model"] == "attribution_game"
        assert f["/scenario/text"][()].decode() == scenario.read_text()
        assert "rounds = 20000" in f["/scenario/resolved"][()].decode()
        assert [s.decode() for s in f["/scenario/signals"][:]] == [
            "nothing", "points to A", "points to B"]
        runs = pd.DataFrame(f["/runs"][:])
        attackers = pd.DataFrame(f["/attackers"][:])
        signals = pd.DataFrame(f["/signals"][:])
        trajectory = pd.DataFrame(f["/trajectory"][:])
        equilibrium = pd.DataFrame(f["/equilibrium/attackers"][:])
        for table in ("/runs", "/attackers", "/signals", "/trajectory", "/equilibrium/signals"):
            assert len(f[table].attrs["units"]) == len(f[table].dtype.names), table
        assert f["/attackers"].attrs["attack_frequency_unit"] == "1"
        assert f["/signals"].attrs["p_guilty_description"].startswith("Empirical P(guilty | s)")
    assert list(runs.replication) == [0, 1, 2]
    assert (runs.rounds == 20000).all()
    assert len(attackers) == 6 and len(signals) == 18
    assert len(trajectory) == 3 * 100 * 2
    assert (equilibrium.attack - 0.524586).abs().max() < 1e-5
    assert (runs.attacks == attackers.groupby("replication").attacks.sum().values).all()
    assert (signals.groupby(["replication", "attacker"]).rounds.sum() == 20000).all()
    assert runs.seed.nunique() == 3


def test_same_seed_same_game_file(cli, source_dir, tmp_path):
    scenario = source_dir / VALIDATION / "attribution_fewer_opportunities_learning.toml"
    tables = []
    for name in ("a.h5", "b.h5"):
        r = cli("run", scenario, "-o", tmp_path / name, "--replications", 2, "-q",
                "--set", "run.rounds=5000", "--set", "run.burn_in_rounds=1000")
        assert r.returncode == 0 and r.stdout == ""
        with h5py.File(tmp_path / name) as f:
            tables.append((f["/runs"][:], f["/trajectory"][:]))
    assert (tables[0][0] == tables[1][0]).all()
    assert (tables[0][1] == tables[1][1]).all()


def test_run_timing_writes_values_and_the_search(cli, source_dir, tmp_path):
    scenario = source_dir / VALIDATION / "timing_game.toml"
    out = tmp_path / "timing.h5"
    r = cli("run", scenario, "-o", out, "--replications", 2, "--set", "run.episodes=2000")
    assert r.returncode == 0, r.stderr
    assert "T* = 0.490963" in r.stdout and "T-hat" in r.stdout
    with h5py.File(out, "r") as f:
        assert f["/scenario"].attrs["model"] == "timing_game"
        assert f["/scenario"].attrs["truncation_periods"] == 263
        assert abs(f["/equilibrium"].attrs["threshold"] - 0.49096) < 1e-5
        runs = pd.DataFrame(f["/runs"][:])
        values = pd.DataFrame(f["/values"][:])
        assert f["/values"].attrs["value_unit"] == "stakes"
    requested = values[values.purpose == 0]
    assert len(requested) == 2 * 5
    assert (requested.episodes == 2000).all()
    assert ((requested.value - requested.value_theory).abs() < 5 * requested.standard_error).all()
    assert len(values[values.purpose == 2]) == 2
    assert runs.threshold_found.between(0, 1).all()


def test_game_runs_refuse_deterrence_options(cli, source_dir, tmp_path):
    scenario = source_dir / VALIDATION / "attribution_baseline.toml"
    for option in (["--horizon-days", "10"], ["--incidents"]):
        r = cli("run", scenario, "-o", tmp_path / "x.h5", *option)
        assert r.returncode == 2, option
        assert r.stderr.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


ATTRIBUTION_BASE = """\
model = "attribution_game"

[run]
rounds = 1000

[attackers.A]
retaliation_cost = 1.0

[attackers.B]
"""  # 9 lines: text appended starts on line 10

TIMING_BASE = """\
model = "timing_game"

[game]
discount = 0.9
"""  # 4 lines

BAD = [
    ("attribution: unknown key", ATTRIBUTION_BASE + "rationalty = 2\n", 10,
     "attackers.B.rationalty", "did you mean 'rationality'"),
    ("attribution: rounds 0", ATTRIBUTION_BASE.replace("rounds = 1000", "rounds = 0"), 4,
     "run.rounds", "expected an integer in [1,"),
    ("attribution: negative cost", ATTRIBUTION_BASE.replace("= 1.0", "= -1.0"), 7,
     "attackers.A.retaliation_cost", "> 0"),
    ("attribution: false alarms", ATTRIBUTION_BASE + "[signals]\nfalse_alarm = 0.7\n", 11,
     "signals.false_alarm", "1/2"),
    ("attribution: matrix sum", ATTRIBUTION_BASE + "[signals]\nnames = [\"n\", \"a\"]\n"
     "nobody = [0.5, 0.6]\n", 12, "signals.nobody", "sum to 1"),
    ("attribution: bad mode", ATTRIBUTION_BASE + "[game]\nmode = \"equilibrium\"\n", 11,
     "game.mode", "expected one of"),
    ("attribution: syntax", ATTRIBUTION_BASE + "[game\n", 10, "", "TOML syntax error"),
    ("attribution: beta shape", ATTRIBUTION_BASE + "[attackers.B.benefit]\n"
     "distribution = \"beta\"\nalpha = -1\n", 12, "attackers.B.benefit.alpha",
     "expected a number in [0.001, 1000]"),
    ("attribution: discrete weights", ATTRIBUTION_BASE + "[defender.cost]\n"
     "distribution = \"discrete\"\nvalues = [0.1, 0.5]\nweights = [1]\n", 13,
     "defender.cost.weights", "expected 2 weights"),
    ("attribution: triangular mode", ATTRIBUTION_BASE + "[defender.cost]\n"
     "distribution = \"triangular\"\nlo = 0.2\nmode = 0.1\n", 13, "defender.cost.mode",
     "expected a number in [0.2, 1]"),
    ("timing: discount 1", TIMING_BASE.replace("0.9", "1.0"), 4, "game.discount", "[0, 1)"),
    ("timing: unknown table", TIMING_BASE + "[serch]\n", 5, "serch", "did you mean 'search'"),
    ("timing: stakes", TIMING_BASE + "[game.stakes]\nlo = 2\nhi = 1\n", 7, "game.stakes.hi",
     "hi > lo"),
]


@pytest.mark.parametrize("case,text,line,key,phrase", BAD, ids=[c[0] for c in BAD])
def test_bad_game_files_exit_2(cli, tmp_path, case, text, line, key, phrase):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text)
    messages = []
    for args in (["run", scenario, "-o", tmp_path / "out.h5"], ["equilibrium", scenario]):
        r = cli(*args)
        assert r.returncode == 2, f"{case}: {args[0]} exit {r.returncode}\n{r.stderr}"
        assert r.stdout == "", "nothing on standard output for bad input"
        message = r.stderr.strip()
        assert "\n" not in message, message
        assert message.startswith(f"error: {scenario}:{line}:"), message
        if key:
            assert f": {key}:" in message, message
        assert phrase in message, message
        messages.append(message)
    assert messages[0] == messages[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"], "no output on bad input"


def test_bad_override_of_a_game_exits_2(cli, source_dir, tmp_path):
    r = cli("equilibrium", source_dir / VALIDATION / "attribution_baseline.toml",
            "--set", "signals.detection=1.5")
    assert r.returncode == 2
    assert "--set signals.detection=1.5" in r.stderr and "signals.detection" in r.stderr


# The games are swept (tests/e2e/test_game_sweeps.py); the reference models of the engine
# are not.
@pytest.mark.parametrize("base", ["reference/phold.toml", "reference/hold.toml"])
def test_a_sweep_of_another_model_is_refused_at_its_base_key(cli, source_dir, tmp_path, base):
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'base = "{source_dir / "scenarios" / base}"\n'
                     '[design]\nkind = "grid"\n'
                     '[[parameters]]\npath = "replications"\nvalues = [1, 2]\n')
    out = tmp_path / "out.h5"
    r = cli("sweep", sweep, "-o", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{sweep}:1:" in r.stderr and "base" in r.stderr
    assert ("sweeps run deterrence, anu_deterrence, attribution_game and timing_game "
            "scenarios (PHOLD and hold are not swept)") in r.stderr
    assert not out.exists() and not (tmp_path / "out.h5.parts").exists()


# Trajectory fingerprints of the games through the command line: `run` writes the same
# fingerprint as the model computes, and it is pinned (update only with a reason).
GAME_FINGERPRINTS = {
    "validation/attribution_baseline.toml": ["run.rounds=20000"],
    "validation/timing_game.toml": ["run.episodes=2000", "search.grid_points=5",
                                    "search.tolerance=0.01", "evaluate.thresholds=[0.5]"],
}
PINNED = {
    "validation/attribution_baseline.toml": 15566123130953266607,
    "validation/timing_game.toml": 14751885963977420634,
}


@pytest.mark.parametrize("scenario", sorted(GAME_FINGERPRINTS))
def test_game_fingerprints_are_pinned(cli, source_dir, tmp_path, scenario):
    out = tmp_path / "game.h5"
    sets = [a for s in GAME_FINGERPRINTS[scenario] for a in ("--set", s)]
    r = cli("run", source_dir / "scenarios" / scenario, "-o", out, "--replications", 2, "-q", *sets)
    assert r.returncode == 0, r.stderr
    with h5py.File(out) as f:
        runs = f["/runs"][:]
    assert int(runs["fingerprint"][0]) == PINNED[scenario]
    assert runs["fingerprint"][0] != runs["fingerprint"][1]
