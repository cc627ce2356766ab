"""Malformed deterrence scenarios through the real binary: each must exit 2 with one
message naming file, line, key and what was expected, and leave no output file."""
import pytest

BASE = """\
[run]
replications = 2
horizon_days = 100

[states.Home]
defense = 0.3

[states.Rival]
targetable = false

[attackers.Group]
kind = "state_sponsored"
sponsor = "Rival"
"""

# (case, file text, line, dotted key ("" for none), phrase of the message). BASE has 13
# lines, so text appended to it starts on line 14.
CASES = [
    ("syntax: unclosed table", BASE + "[states.Other\n", 14, "", "TOML syntax error"),
    ("syntax: missing value", BASE + "capability =\n", 14, "", "TOML syntax error"),
    ("syntax: duplicate key", BASE + "kind = \"criminal\"\n", 14, "", "TOML syntax error"),
    ("unknown root key", "replicatons = 3\n" + BASE, 1, "replicatons", "unknown key"),
    ("unknown run key", BASE.replace("horizon_days", "horizon_dayz"), 3, "run.horizon_dayz", "did you mean 'horizon_days'"),
    ("unknown state key", BASE.replace("defense = 0.3", "defence = 0.3"), 6, "states.Home.defence", "did you mean 'defense'"),
    ("unknown attacker key", BASE + "capabilty = 0.5\n", 14, "attackers.Group.capabilty", "did you mean 'capability'"),
    ("unknown calibration key", BASE + "[calibration]\nseverity_sd = 1\n", 15, "calibration.severity_sd", "unknown key"),
    ("wrong type: string for number", BASE.replace("defense = 0.3", 'defense = "high"'), 6, "states.Home.defense", "got a string"),
    ("wrong type: number for bool", BASE.replace("targetable = false", "targetable = 0"), 9, "states.Rival.targetable", "expected true or false"),
    ("wrong type: float replications", BASE.replace("replications = 2", "replications = 2.5"), 2, "run.replications", "expected an integer"),
    ("wrong type: kind as number", BASE.replace('kind = "state_sponsored"', "kind = 1"), 12, "attackers.Group.kind", "expected a string"),
    ("out of range: defense 1", BASE.replace("defense = 0.3", "defense = 1.0"), 6, "states.Home.defense", "[0, 1)"),
    ("out of range: negative rate", BASE + "opportunity_rate = -0.1\n", 14, "attackers.Group.opportunity_rate", "(0, 86400] (per day: at most one per tick of one second), got -0.1"),
    ("out of range: capability 0", BASE + "capability = 0\n", 14, "attackers.Group.capability", "(0, 1]"),
    ("out of range: accuracy", BASE.replace("defense = 0.3", "attribution_accuracy = 1.2"), 6, "states.Home.attribution_accuracy", "[0, 1]"),
    ("out of range: horizon", BASE.replace("horizon_days = 100", "horizon_days = 0"), 3, "run.horizon_days", "expected a number"),
    ("out of range: zero replications", BASE.replace("replications = 2", "replications = 0"), 2, "run.replications", "expected an integer in [1,"),
    ("out of range: alignment", BASE + "[states.Home.alignment]\nRival = 2\n", 15, "states.Home.alignment.Rival", "[0, 1]"),
    ("nan", BASE.replace("defense = 0.3", "defense = nan"), 6, "states.Home.defense", "got nan"),
    ("bad choice: kind", BASE.replace("state_sponsored", "pirate"), 12, "attackers.Group.kind", 'expected one of "state_sponsored"'),
    ("bad choice: program kind", BASE + '[[programs]]\nkind = "bribery"\nowner = "Home"\n', 15, "programs[0].kind", "expected one of"),
    ("unknown sponsor", BASE.replace('sponsor = "Rival"', 'sponsor = "Atlantis"'), 13, "attackers.Group.sponsor", "Atlantis"),
    ("unknown target", BASE + 'targets = ["Hom"]\n', 14, "attackers.Group.targets", "did you mean 'Home'"),
    ("unknown program owner", BASE + '[[programs]]\nkind = "training"\nowner = "Nobody"\n', 16, "programs[0].owner", "Nobody"),
    ("unknown mega-event host", BASE + '[[mega_events]]\nhost = "Nowhere"\nstart_day = 1\nend_day = 2\n', 15, "mega_events[0].host", "Nowhere"),
    ("unknown community member", BASE + '[communities.CERT]\nmembers = ["Home", "Mars"]\n', 15, "communities.CERT.members", "Mars"),
    ("thresholds out of order", BASE.replace("defense = 0.3", "[states.Home.doctrine.attribute]\nthreshold = 0.9"), 7, "states.Home.doctrine.attribute.threshold", "ordered"),
    ("threshold below resolve", BASE.replace("defense = 0.3", "resolve = 0.5"), 6, "states.Home.resolve", "ordered"),
    ("policy change breaks order", BASE + '[[policy_changes]]\nday = 50\nstate = "Home"\nrung = "coordinate"\nthreshold = 5\n', 18, "policy_changes[0].threshold", "ordered"),
    ("empty targets", BASE + "targets = []\n", 14, "attackers.Group.targets", "empty"),
    ("target is own sponsor", BASE + 'targets = ["Home", "Rival"]\n', 14, "attackers.Group.targets", "Rival"),
    ("state-sponsored without sponsor", BASE.replace('sponsor = "Rival"\n', ""), 11, "attackers.Group", "sponsor"),
    ("no states", "[attackers.Group]\n", 1, "states", "at least one state"),
    ("no attackers", "[states.Home]\n", 1, "attackers", "at least one attacker"),
    ("mega-event ends before it starts", BASE + '[[mega_events]]\nhost = "Home"\nstart_day = 10\nend_day = 5\n', 17, "mega_events[0].end_day", "start_day"),
    ("program ends before it starts", BASE + '[[programs]]\nkind = "training"\nowner = "Home"\nstart_day = 10\nend_day = 5\n', 18, "programs[0].end_day", "start_day"),
    ("prior rungs wrong length", BASE + "[attackers.Group.prior]\nrungs = [1, 2, 3]\n", 15, "attackers.Group.prior.rungs", "4"),
    ("scarce stock above max", BASE + "[attackers.Group.scarce]\nstock = 5\nmax_stock = 2\n", 15, "attackers.Group.scarce.stock", "max_stock"),
    ("duplicate community member", BASE + '[communities.CERT]\nmembers = ["Home", "Home"]\n', 15, "communities.CERT.members", "Home"),
    ("reporting longer than horizon", BASE.replace("horizon_days = 100", "horizon_days = 100\nreporting_days = 200"), 4, "run.reporting_days", "horizon_days"),
    ("other model", 'model = "tetris"\n' + BASE, 1, "model", 'expected one of "deterrence", "phold", "hold"'),
]


@pytest.mark.parametrize("case,text,line,key,phrase", CASES, ids=[c[0] for c in CASES])
def test_bad_scenario(cli, tmp_path, case, text, line, key, phrase):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(text)
    out = tmp_path / "out.h5"
    r = cli("run", scenario, "-o", out)
    assert r.returncode == 2, f"{case}: exit {r.returncode}\n{r.stderr}"
    message = r.stderr.strip()
    assert "\n" not in message, "one line"
    assert message.startswith(f"error: {scenario}:{line}:"), message
    if key:
        assert f": {key}" in message, message
    assert phrase in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"], "no output on bad input"
    for command in ("validate", "describe"):
        v = cli(command, scenario)
        assert v.returncode == 2 and v.stderr.strip() == message, command
        assert v.stdout == "", f"{command} printed on bad input"


def test_the_base_is_valid(cli, tmp_path):
    scenario = tmp_path / "ok.toml"
    scenario.write_text(BASE)
    assert cli("validate", scenario).returncode == 0
    r = cli("run", scenario, "-o", tmp_path / "ok.h5")
    assert r.returncode == 0, r.stderr
