"""cyberdeter wargame, end to end: the real binary answered through its standard input (a
pipe, as a script would), through a real terminal (tmux), from decisions files and from its
own session files; the session files are checked with h5py against each other and against
`cyberdeter run`.

Every session plays Japan in scenarios/japan_2015_2021.toml for one year (seed 7): about 20
decisions, a fraction of a second each. The answers are chosen from what the prompts show
(not from a fixed list of lines), so the tests follow the model if its numbers change.
"""
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest

SCENARIO = "scenarios/japan_2015_2021.toml"
PLAYER = "Japan"
SEED = 7
HORIZON = 365
# Cases weaker than this are left to the doctrine (recorded with source 2, never shown).
DELEGATE = 0.0
# Most tests below put one question at a time (--move-days 0) and every turn, so that each
# prompt is one decision in the order of simulated time; moves (the default) are tested in
# their own section, against these.
ONE_AT_A_TIME = ["--move-days", 0, "--every-turn"]
SETTINGS = ["--horizon-days", HORIZON, "--seed", SEED, *ONE_AT_A_TIME]

SIM_TABLES = ["/runs", "/timeseries", "/states", "/attackers", "/beliefs", "/incidents"]
SESSION_TABLES = ["/wargame/decisions", "/wargame/actions", "/wargame/briefs"]
DECISION_COLUMNS = ("decision", "day", "state", "kind", "incident", "turn", "named", "confidence",
                    "case_strength", "recommended", "choice", "options", "deviates", "seconds",
                    "source", "late", "move", "leader", "p_join")
RESPOND, JOIN, TURN = 0, 1, 2
PLAYER_SOURCE, FILE_SOURCE, DOCTRINE_SOURCE = 0, 1, 2
RUNGS = {"quiet": 0, "attribute": 1, "coordinate": 2, "sanction": 3}
LETTERS = {"q": "quiet", "a": "attribute", "c": "coordinate", "s": "sanction"}
ACTION_KINDS = {"done": 0, "enable": 1, "disable": 2, "threshold": 3, "program": 4}
TIMEOUT = 20  # seconds for any one step; a session takes well under one


# ---- helpers -------------------------------------------------------------------------------

def table(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def strings(path, name):
    with h5py.File(path, "r") as f:
        return [s.decode() if isinstance(s, bytes) else s for s in f[name][()]]


def text(path, name):
    with h5py.File(path, "r") as f:
        v = f[name][()]
    return v.decode() if isinstance(v, bytes) else v


def wargame_attrs(path):
    with h5py.File(path, "r") as f:
        return dict(f["/wargame"].attrs)


def differing_columns(a, b, ignore=()):
    """Columns of two structured arrays that differ (all of them if the shapes differ)."""
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    if a.shape != b.shape:
        return [f"shape {a.shape} != {b.shape}"]
    return [c for c in a.dtype.names if c not in ignore and not np.array_equal(a[c], b[c])]


def assert_same_tables(path_a, path_b, names, ignore=()):
    for name in names:
        a, b = table(path_a, name), table(path_b, name)
        if a.dtype.names:
            assert differing_columns(a, b, ignore) == [], f"{name}: {path_a} vs {path_b}"
        else:
            assert a.shape == b.shape and np.array_equal(a, b), f"{name}: {path_a} vs {path_b}"


@dataclass
class Prompt:
    """What the terminal shows when it waits: the kind of question and its default."""
    kind: int
    default: str  # the word Enter stands for: quiet/attribute/.., join/decline, or "" (turn)
    options: list = field(default_factory=list)  # respond: the rungs offered
    number: int = -1  # respond: the incident; turn: the turn; join: -1 (not in the header)
    header: str = ""


def parse_prompt(transcript):
    """The question at the end of everything printed so far."""
    tail = transcript[-400:]
    headers = re.findall(r"^ (DECISION \d+ \| .*|TURN \d+ \| .*)$", transcript, re.M)
    header = headers[-1] if headers else ""
    if " Respond:" in tail:
        line = tail[tail.rindex(" Respond:"):].splitlines()[0]
        options = [LETTERS[m] for m in re.findall(r"\[(\w)\]", line)]
        default = re.search(r"Enter = (\w+) \(the doctrine's advice\)", tail).group(1)
        incident = int(re.search(r"\| incident (\d+)$", header).group(1))
        return Prompt(RESPOND, default, options, incident, header)
    if "[j]oin  [d]ecline" in tail:
        # No prediction of a played state's own answer: Enter leaves it to the simulation.
        assert "Enter = leave it to the simulation" in tail
        return Prompt(JOIN, "", header=header)
    if "Action, or Enter to end the turn" in tail:
        turn = int(re.search(r"^TURN (\d+) \|", header).group(1))
        return Prompt(TURN, "", number=turn, header=header)
    raise AssertionError(f"no known prompt at the end of:\n{tail}")


class Terminal:
    """`cyberdeter wargame` on pipes: reads its output up to each prompt, answers a line."""

    def __init__(self, binary, args, cwd):
        self.stderr_path = Path(cwd) / f"stderr-{uuid.uuid4().hex[:8]}.txt"
        self._stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([binary, "wargame", *map(str, args)], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr)
        self.out = ""
        self.mark = 0  # end of what screen() returned last
        self.prompts = 0

    def _read(self, deadline):
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no prompt within {TIMEOUT} s; output so far:\n"
                                 f"{self.out[-3000:]}")
        chunk = os.read(fd, 1 << 16)
        self.out += chunk.decode()
        return bool(chunk)

    def screen(self):
        """What was printed since the last call, up to the next prompt; None at the end."""
        deadline = time.monotonic() + TIMEOUT
        while not (len(self.out) > self.mark and self.out.endswith("\n> ")):
            if not self._read(deadline):
                return None
        text_ = self.out[self.mark:]
        self.mark = len(self.out)
        self.prompts += 1
        return text_

    def answer(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def finish(self, timeout=TIMEOUT):
        """Closes standard input, reads the rest; returns (exit status, stdout, stderr)."""
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        status = self.proc.wait(timeout=timeout)
        self._stderr.close()
        return status, self.out, self.stderr_path.read_text()


@dataclass
class Answer:
    prompt: Prompt
    line: str


def play(terminal, choose):
    """Answers every prompt with choose(prompt) until the session ends; returns the answers."""
    answers = []
    while terminal.screen() is not None:
        prompt = parse_prompt(terminal.out)
        line = choose(prompt)
        answers.append(Answer(prompt, line))
        terminal.answer(line)
    return answers


class Deviator:
    """Answers like the doctrine, except: joins the first invitation (whatever the model would do),
    changes the doctrine at turn 1 (enables sanctions, lowers the coordinate threshold,
    starts an exercise), and attributes publicly the first case the doctrine keeps quiet."""

    TURN_1 = ["enable sanction", "threshold coordinate 0.75", "program exercise", ""]

    def __init__(self):
        self.joined = self.attributed = False
        self.turn_1 = list(self.TURN_1)

    def __call__(self, p):
        if p.kind == JOIN and not self.joined:
            self.joined = True
            return "j"
        if p.kind == RESPOND and p.default == "quiet" and "attribute" in p.options \
                and not self.attributed:
            self.attributed = True
            return "a"
        if p.kind == TURN and p.number == 1 and self.turn_1:
            return self.turn_1.pop(0)
        return ""


def expected_choice(answer, row):
    """The choice column a row must hold for an answer typed at a prompt."""
    p, line = answer.prompt, answer.line.strip().lower()
    if p.kind == RESPOND:
        return RUNGS[LETTERS.get(line, line) if line else p.default]
    if p.kind == JOIN:
        return int(line in ("j", "join")) if line else int(row["recommended"])
    return ACTION_KINDS[line.split()[0] if line else "done"]


@pytest.fixture
def wg(binary):
    """wg(*args, stdin=...) runs `cyberdeter wargame ARGS` with stdin as text."""

    def run(*args, stdin="", cwd=None):
        return subprocess.run([binary, "wargame", *map(str, args)], input=stdin,
                              capture_output=True, text=True, timeout=60, cwd=cwd)

    return run


def scripted_session(binary, scenario, out, choose, *extra):
    term = Terminal(binary, [scenario, "--play", PLAYER, "-o", out, *SETTINGS,
                             "--delegate-below", DELEGATE, *extra], out.parent)
    answers = play(term, choose)
    status, stdout, stderr = term.finish()
    return answers, status, stdout, stderr


@pytest.fixture(scope="module")
def played(binary, source_dir, tmp_path_factory):
    """One session with deviations (Deviator), answered prompt by prompt through pipes."""
    d = tmp_path_factory.mktemp("played")
    out = d / "session.h5"
    answers, status, stdout, stderr = scripted_session(binary, source_dir / SCENARIO, out,
                                                       Deviator())
    assert status == 0, stderr
    return {"path": out, "answers": answers, "stdout": stdout, "stderr": stderr}


@pytest.fixture(scope="module")
def default_session(binary, source_dir, tmp_path_factory):
    """Every prompt answered with Enter (the doctrine's or the model's answer)."""
    d = tmp_path_factory.mktemp("default")
    out = d / "default.h5"
    r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "-o", out,
                        *map(str, SETTINGS), "--delegate-below", str(DELEGATE)],
                       input="\n" * 500, capture_output=True, text=True, timeout=60, cwd=d)
    assert r.returncode == 0, r.stderr
    return out


# ---- 1. a session answered through standard input ------------------------------------------

def test_scripted_session_records_every_decision_as_answered(played):
    path, answers = played["path"], played["answers"]
    attrs = wargame_attrs(path)
    assert attrs["status"] == "complete"
    assert list(attrs["played"]) == [PLAYER]
    assert attrs["seed"] == SEED and attrs["replication"] == 0
    assert attrs["day_reached"] == HORIZON
    assert attrs["turn_days"] == pytest.approx(365.25 / 4)

    rows = table(path, "/wargame/decisions")
    assert rows.dtype.names == DECISION_COLUMNS
    assert attrs["decisions"] == len(rows)
    assert np.array_equal(rows["decision"], np.arange(len(rows)))
    assert np.all(np.diff(rows["day"]) >= 0), "decisions are recorded in simulated time"
    assert set(rows["state"]) == {0}, "only the played state (Japan, index 0) decides"

    # The policy found each of its occasions, so the session holds what the test is about.
    kinds = [a.prompt.kind for a in answers]
    lines = [a.line for a in answers]
    assert "j" in lines and "a" in lines, "no invitation to join or no quiet case to attribute"
    assert Deviator.TURN_1[:-1] == [a.line for a in answers if a.prompt.kind == TURN
                                    and a.prompt.number == 1][:3]

    # Shown decisions are the player's, row for row; the weak cases were the doctrine's.
    shown = rows[rows["source"] == PLAYER_SOURCE]
    delegated = rows[rows["source"] == DOCTRINE_SOURCE]
    assert len(shown) + len(delegated) == len(rows)
    assert len(shown) == len(answers)
    assert len(delegated) > 0, "--delegate-below 0 left no weak case to the doctrine"
    assert np.all(delegated["kind"] == RESPOND)
    assert np.all(delegated["case_strength"] < DELEGATE)
    assert not np.any(delegated["deviates"])
    assert np.array_equal(delegated["choice"], delegated["recommended"])
    assert np.all(shown[shown["kind"] == RESPOND]["case_strength"] >= DELEGATE)
    assert list(shown["kind"]) == kinds
    for row, a in zip(shown, answers):
        assert row["choice"] == expected_choice(a, row), (row, a)
        if a.prompt.kind == RESPOND:
            assert row["incident"] == a.prompt.number
            assert row["recommended"] == RUNGS[a.prompt.default]
            offered = {r for r in range(4) if row["options"] >> r & 1}
            assert offered == {RUNGS[o] for o in a.prompt.options}
        elif a.prompt.kind == JOIN:
            assert row["recommended"] in (0, 1)
        else:
            assert row["turn"] == a.prompt.number and row["incident"] == -1
            assert row["recommended"] == -1
        assert row["deviates"] == (row["choice"] != row["recommended"]
                                   if a.prompt.kind != TURN else row["choice"] != 0)
        assert row["seconds"] >= 0
    first_join = shown[shown["kind"] == JOIN][0]
    # attribute, three doctrine changes, and the join if the model would have declined
    assert shown["deviates"].sum() == 4 + (first_join["recommended"] == 0)

    # Every rung may be chosen at every response, enabled in the doctrine or not (the brief
    # says so; the doctrine only advises), before turn 1's changes as after them. (This
    # once expected sanctions to be offered only after turn 1 enabled them; with no
    # response before turn 1 in the old random numbers, that check was never exercised.)
    turn_1_day = rows[(rows["kind"] == TURN) & (rows["turn"] == 1)]["day"][0]
    responds = rows[rows["kind"] == RESPOND]
    assert np.all(responds["options"] == 0b1111)
    later = responds[responds["day"] > turn_1_day]
    assert len(later) > 0
    shown_after = [a for a in answers if a.prompt.kind == RESPOND and a.prompt.number in
                   set(later["incident"][later["source"] == PLAYER_SOURCE])]
    assert shown_after and all("sanction" in a.prompt.options for a in shown_after)

    actions = strings(path, "/wargame/actions")
    briefs = strings(path, "/wargame/briefs")
    assert len(actions) == len(briefs) == len(rows)
    turn_1 = [actions[i] for i in range(len(rows))
              if rows[i]["kind"] == TURN and rows[i]["turn"] == 1]
    assert turn_1 == ["enable sanction", "threshold coordinate 0.75", "program exercise", "done"]
    for i, row in enumerate(rows):
        if row["kind"] == RESPOND:
            assert actions[i] == [w for w, k in RUNGS.items() if k == row["choice"]][0]
            assert re.search(rf"^ DECISION {i + 1} \| JAPAN \| .* \| incident {row['incident']}$",
                             briefs[i], re.M), briefs[i]
        elif row["kind"] == JOIN:
            assert actions[i] == ("join" if row["choice"] else "decline")
            assert f"DECISION {i + 1} | JAPAN" in briefs[i] and "Invitation" in briefs[i]
        elif i == 0 or rows[i - 1]["kind"] != TURN or rows[i - 1]["turn"] != row["turn"]:
            assert f"TURN {row['turn']} | JAPAN" in briefs[i], "a turn's brief is recorded once"
    # The briefs recorded are the briefs shown.
    for i in np.flatnonzero(rows["source"] == PLAYER_SOURCE):
        if briefs[i].strip():
            assert briefs[i] in played["stdout"]

    assert "Session saved to" in played["stdout"]


def test_after_action_names_the_first_departure(played):
    path = played["path"]
    rows = table(path, "/wargame/decisions")
    summary = text(path, "/wargame/after_action")
    assert summary in played["stdout"], "the file keeps the summary the players saw"
    first = rows[np.flatnonzero(rows["deviates"])[0]]
    assert first["kind"] == JOIN, "the first invitation comes before the first response"
    assert f"(day {int(np.floor(first['day']))})" in \
        summary[summary.index("First departure from the doctrine"):]
    assert (f"Japan chose to join an invitation about incident {first['incident']}; "
            f"the model would have declined") in summary.replace("\n   ", " ")
    responds = rows[rows["kind"] == RESPOND]
    joins = rows[rows["kind"] == JOIN]
    assert f"{len(responds)} responses ({responds['deviates'].sum()} unlike the doctrine)" \
        in summary
    assert f"{len(joins)} invitations answered ({joins['deviates'].sum()} unlike the model)" \
        in summary.replace("\n ", " ")
    assert "No decision departed" not in summary


def test_after_action_fits_an_80_column_terminal(played):
    summary = text(played["path"], "/wargame/after_action")
    for line in summary.splitlines():
        if str(played["path"]) not in line:  # the debrief command line holds the file's path
            assert len(line) <= 80, line


def test_counterfactual_differs_where_the_players_departed(played):
    path = played["path"]
    rows = table(path, "/wargame/decisions")
    session = table(path, "/incidents")
    doctrine = table(path, "/wargame/counterfactual/incidents")
    assert differing_columns(session, doctrine) != [], \
        "the players departed from the doctrine, yet the history is the doctrine's"
    # The incident attributed against the doctrine's advice: publicly attributed in the
    # session, kept quiet in the counterfactual (same random numbers up to that decision).
    attributed = rows[(rows["kind"] == RESPOND) & (rows["choice"] == RUNGS["attribute"])
                      & (rows["recommended"] == RUNGS["quiet"])]
    assert len(attributed) == 1
    incident = attributed["incident"][0]
    s = session[session["incident"] == incident]
    assert len(s) == 1 and s["victim"][0] == 0
    assert s["rung_decided"][0] == RUNGS["attribute"]
    c = doctrine[doctrine["incident"] == incident]
    if len(c) == 1 and c["victim"][0] == 0 and c["named"][0] == s["named"][0]:
        assert c["rung_decided"][0] == RUNGS["quiet"]
    # The counterfactual is a whole replication of the same shape as the session.
    assert table(path, "/wargame/counterfactual/runs").dtype == table(path, "/runs").dtype
    assert len(table(path, "/wargame/counterfactual/states")) == len(table(path, "/states"))
    runs, cf = table(path, "/runs"), table(path, "/wargame/counterfactual/runs")
    assert runs["responses_attribute"][0] != cf["responses_attribute"][0] or \
        differing_columns(runs, cf, ignore=("events", "fingerprint")) != []


# ---- 2. all defaults: the session is the doctrine's history, and `run`'s -------------------

def test_all_default_session_equals_counterfactual_and_run(default_session, binary, source_dir,
                                                           tmp_path):
    path = default_session
    rows = table(path, "/wargame/decisions")
    assert wargame_attrs(path)["status"] == "complete"
    assert len(rows) > 5
    assert not np.any(rows["deviates"])
    assert set(rows["source"]) <= {PLAYER_SOURCE, DOCTRINE_SOURCE}
    summary = text(path, "/wargame/after_action")
    assert "No decision departed from the doctrine" in summary

    for name in ("runs", "states", "incidents"):
        ignore = ("events", "fingerprint") if name == "runs" else ()
        cf = table(path, f"/wargame/counterfactual/{name}")
        assert differing_columns(table(path, f"/{name}"), cf, ignore) == [], name

    run = tmp_path / "run.h5"
    r = subprocess.run([binary, "run", source_dir / SCENARIO, "-o", run, "--replications", "1",
                        "--incidents", "--seed", str(SEED), "--horizon-days", str(HORIZON), "-q"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert_same_tables(path, run, SIM_TABLES, ignore=("events", "fingerprint"))
    # The only extra events are the turns.
    turns = len(set(rows[rows["kind"] == TURN]["turn"]))
    assert turns == 3
    assert table(path, "/runs")["events"][0] == table(run, "/runs")["events"][0] + turns


def test_without_turns_two_players_and_another_replication_equal_run(wg, binary, source_dir,
                                                                      tmp_path):
    """--turn-days 0 adds no event: the whole /runs row, fingerprint included, is run's."""
    out = tmp_path / "two.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "--play", "United States", "-o", out,
           *SETTINGS, "--turn-days", 0, "--replication", 2, stdin="\n" * 500)
    assert r.returncode == 0, r.stderr
    rows = table(out, "/wargame/decisions")
    assert set(rows["state"]) == {0, 1} and not np.any(rows["kind"] == TURN)
    assert wargame_attrs(out)["replication"] == 2
    run = tmp_path / "run.h5"
    r = subprocess.run([binary, "run", source_dir / SCENARIO, "-o", run, "--replications", "3",
                        "--incidents", "--seed", str(SEED), "--horizon-days", str(HORIZON), "-q"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for name in SIM_TABLES:
        theirs = table(run, name)
        theirs = theirs[theirs["replication"] == 2]
        assert differing_columns(table(out, name), theirs) == [], name


# ---- 3. replays ----------------------------------------------------------------------------

def test_replaying_the_session_file_gives_the_same_session(played, wg, source_dir, tmp_path):
    replay = tmp_path / "replay.h5"
    r = wg(source_dir / SCENARIO, "-o", replay, "--horizon-days", HORIZON,
           "--decisions", played["path"], stdin="")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Replaying" in r.stdout
    assert wargame_attrs(replay) == wargame_attrs(played["path"])
    assert_same_tables(played["path"], replay, SIM_TABLES + SESSION_TABLES +
                       ["/wargame/counterfactual/runs", "/wargame/counterfactual/incidents"])
    assert text(replay, "/wargame/after_action").replace(str(replay), "X") == \
        text(played["path"], "/wargame/after_action").replace(str(played["path"]), "X")


def decisions_toml(path, rows=None):
    """A decisions file holding a session's decisions (all of them, or `rows`)."""
    table_ = table(path, "/wargame/decisions")
    actions = strings(path, "/wargame/actions")
    names = strings(path, "/scenario/states")
    kinds = {RESPOND: "respond", JOIN: "join", TURN: "turn"}
    out = ["# written by test_wargame.py"]
    for i in (range(len(table_)) if rows is None else rows):
        row = table_[i]
        out += ["", "[[decision]]", f'state = "{names[row["state"]]}"',
                f'kind = "{kinds[int(row["kind"])]}"']
        if row["kind"] == TURN:
            out.append(f"turn = {row['turn']}")
        else:
            out.append(f"incident = {row['incident']}")
        out.append(f'choice = "{actions[i]}"')
        out.append(f"day = {row['day']!r}")
    return "\n".join(out) + "\n"


def test_a_decisions_file_reproduces_the_simulation(played, wg, source_dir, tmp_path):
    script = tmp_path / "decisions.toml"
    script.write_text(decisions_toml(played["path"]))
    replay = tmp_path / "from_toml.h5"
    r = wg(source_dir / SCENARIO, "-o", replay, *SETTINGS, "--play", PLAYER,
           "--decisions", script, stdin="")
    assert r.returncode == 0, r.stdout + r.stderr
    assert_same_tables(played["path"], replay, SIM_TABLES + ["/wargame/actions",
                                                             "/wargame/briefs"])
    ours, theirs = table(played["path"], "/wargame/decisions"), table(replay, "/wargame/decisions")
    assert differing_columns(ours, theirs, ignore=("source", "seconds")) == []
    assert np.all(theirs["source"] == FILE_SOURCE)
    assert np.all(theirs["seconds"] == 0)


def test_decisions_file_then_the_doctrine(played, wg, source_dir, tmp_path):
    """--rest doctrine: after the file's decisions, the doctrine decides without asking."""
    rows = table(played["path"], "/wargame/decisions")
    first_deviation = int(np.flatnonzero(rows["deviates"])[0])
    script = tmp_path / "start.toml"
    script.write_text(decisions_toml(played["path"], range(first_deviation + 1)))
    out = tmp_path / "rest.h5"
    r = wg(source_dir / SCENARIO, "-o", out, *SETTINGS, "--play", PLAYER,
           "--decisions", script, "--rest", "doctrine", stdin="q\n" * 50)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "> " not in r.stdout, "--rest doctrine asked the terminal"
    got = table(out, "/wargame/decisions")
    assert np.all(got["source"][:first_deviation + 1] == FILE_SOURCE)
    assert np.all(got["source"][first_deviation + 1:] == DOCTRINE_SOURCE)
    assert list(got["deviates"]).count(True) == 1
    doctrine = np.where(got["kind"] == TURN, 0, got["recommended"])
    assert np.array_equal(got["choice"][first_deviation + 1:], doctrine[first_deviation + 1:])


# ---- 4. wrong answers and wrong command lines ----------------------------------------------

def test_invalid_answers_are_asked_again_and_change_nothing(binary, source_dir, tmp_path,
                                                            default_session):
    out = tmp_path / "invalid.h5"
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS,
                             "--delegate-below", DELEGATE], tmp_path)
    # (answer, what the terminal must say) tried once at the first prompt of each kind.
    wrong = {
        JOIN: [("maybe", " ! 'maybe' is not an answer"),
               ("?", "Answer United States's invitation"),
               ("brief", " Invitation   United States invites Japan")],
        RESPOND: [("xyz", " ! 'xyz' is not an answer"),
                  ("retaliate # hard", " ! 'retaliate' is not an answer"),
                  ("help", "Choose how Japan responds")],
        TURN: [("threshold attribute 5", " ! the attribute threshold must be at most the "
                                         "coordinate threshold"),
               ("threshold sanction -1", " ! a threshold is a case strength from 0 to 1e+12"),
               ("threshold sanction 1e57", " ! a threshold is a case strength from 0 to 1e+12"),
               ("threshold sanction 0x1p3", " ! expected a number for the threshold, got "
                                            "'0x1p3'"),
               ("program training rate 1 years 1e100", " ! the session ends in "),
               ("program training years 1e50", " ! the session ends in "),
               ("program exercise cost -1", " ! a program's cost is a number of VU a year"),
               ("program investment cost 1e57", " ! a program's cost is a number of VU a "
                                                "year"),
               ("threshold coordinate x", " ! expected a number for the threshold, got 'x'"),
               ("program juggling", " ! 'juggling' is not a program"),
               ("program sharing Nowhere", " ! no community 'Nowhere' (the scenario has: "),
               ("program training rate 2", " ! a program's rate is a number in (0, 1]"),
               ("program exercise years 2", " ! usage: program exercise"),
               ("enable attribute", " ! attribute is already enabled"),
               ("disable sanction", " ! sanction is already disabled"),
               ("frobnicate", " ! 'frobnicate' is not an action"),
               ("?", "one action per line")],
    }
    tried = set()
    while term.screen() is not None:
        p = parse_prompt(term.out)
        if p.kind in wrong and p.kind not in tried:
            tried.add(p.kind)
            for line, message in wrong[p.kind]:
                term.answer(line)
                reply = term.screen()
                assert reply is not None, f"the session ended after {line!r}"
                assert message in reply, f"{line!r} -> {reply}"
                again = parse_prompt(term.out)
                assert (again.kind, again.number) == (p.kind, p.number), \
                    f"{line!r} was taken as an answer"
        term.answer("")
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    assert tried == {JOIN, RESPOND, TURN}
    assert wargame_attrs(out)["status"] == "complete"
    rows = table(out, "/wargame/decisions")
    assert not np.any(rows["deviates"])
    assert_same_tables(default_session, out, SIM_TABLES)
    assert differing_columns(table(default_session, "/wargame/decisions"), rows,
                             ignore=("seconds",)) == []


def test_bad_command_lines_exit_2_and_say_why(wg, source_dir, tmp_path, played):
    scenario = source_dir / SCENARIO
    out = tmp_path / "x.h5"
    cases = [
        (["--play", "Narnia", "-o", out, scenario],
         ["--play Narnia: no such state", "Japan", "United States", "Australia"]),
        (["-o", out, scenario], ["--play STATE", "Japan", "United States"]),
        (["--play", PLAYER, "--play", PLAYER, "-o", out, scenario], ["given twice"]),
        (["--play", PLAYER, "-o", out], ["scenario FILE"]),
        ([scenario, "--play", PLAYER], ["-o SESSION.h5"]),
        (["--play", PLAYER, "-o", out, tmp_path / "nowhere.toml"], ["nowhere.toml"]),
        (["--resume", played["path"], "-o", out], ["is a complete session"]),
        (["--resume", tmp_path / "nowhere.h5"], ["does not exist"]),
        (["--resume", played["path"], scenario], ["give no scenario FILE"]),
        (["--play", PLAYER, "-o", out, "--rest", "maybe", scenario], ["--rest"]),
        (["--play", PLAYER, "-o", out, "--decisions", tmp_path / "none.toml", scenario],
         ["none.toml does not exist"]),
    ]
    for args, messages in cases:
        r = wg(*args, stdin="\n" * 100)
        assert r.returncode == 2, (args, r.returncode, r.stdout, r.stderr)
        for m in messages:
            assert m in r.stderr, (args, m, r.stderr)
        assert not out.exists(), args


def test_the_scenario_file_may_follow_play(wg, source_dir, tmp_path):
    out = tmp_path / "after_play.h5"
    r = wg("--play", PLAYER, source_dir / SCENARIO, "-o", out, *SETTINGS, "--turn-days", 0,
           stdin="\n" * 500)
    assert r.returncode == 0, r.stderr
    assert wargame_attrs(out)["status"] == "complete"


BAD_DECISIONS = {
    "unknown_key": ('[[decision]]\nstate = "Japan"\nkind = "join"\nincident = 6\n'
                    'choice = "join"\ncolour = "red"\n', r":6:\d+: .*colour.*unknown key"),
    "bad_choice": ('# a comment\n[[decision]]\nstate = "Japan"\nkind = "respond"\n'
                   'incident = 6\nchoice = "nuke"\n',
                   r":6:\d+: .*choice.*expected quiet, attribute, coordinate or sanction"),
    "bad_join": ('[[decision]]\nstate = "Japan"\nkind = "join"\nincident = 6\n'
                 'choice = "maybe"\n', r":5:\d+: .*expected join or decline"),
    "bad_action": ('[[decision]]\nstate = "Japan"\nkind = "turn"\nturn = 1\n'
                   'choice = "program juggling"\n', r":5:\d+: .*'juggling' is not a program"),
    "unknown_state": ('\n[[decision]]\nstate = "Narnia"\nkind = "join"\nincident = 6\n'
                      'choice = "join"\n', r":3:\d+: .*no state 'Narnia'"),
}


@pytest.mark.parametrize("case", sorted(BAD_DECISIONS))
def test_bad_decisions_files_exit_2_with_file_and_line(case, wg, source_dir, tmp_path):
    body, pattern = BAD_DECISIONS[case]
    script = tmp_path / f"{case}.toml"
    script.write_text(body)
    out = tmp_path / "x.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS, "--decisions", script,
           stdin="\n" * 100)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert re.search(re.escape(str(script)) + pattern, r.stderr), r.stderr
    assert not out.exists()


def test_decisions_that_do_not_match_the_session_exit_2_without_output(played, wg, source_dir,
                                                                       tmp_path):
    rows = table(played["path"], "/wargame/decisions")
    out = tmp_path / "x.h5"
    # A later decision names another incident: the error gives that decision's file line.
    wrong = next(i for i in range(2, len(rows)) if rows[i]["kind"] != TURN)
    blocks = decisions_toml(played["path"]).split("\n[[decision]]\n")
    i = wrong + 1  # blocks[0] is the header comment
    assert "incident = " in blocks[i]
    blocks[i] = re.sub(r"incident = (\d+)", lambda m: f"incident = {int(m.group(1)) + 1000}",
                       blocks[i])
    script = tmp_path / "mismatch.toml"
    script.write_text("\n[[decision]]\n".join(blocks))
    lines = script.read_text().splitlines()
    decision_lines = [n + 1 for n, l in enumerate(lines) if l == "[[decision]]"]
    state_line = decision_lines[wrong] + 1
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS, "--decisions", script,
           stdin="\n" * 100)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"{script}:{state_line}:" in r.stderr, r.stderr
    assert f"decision {wrong + 1}" in r.stderr and "but the session asks for" in r.stderr
    assert not out.exists()

    # Decisions left over when the session ends are an error too, and nothing is written.
    extra = decisions_toml(played["path"]) + \
        '\n[[decision]]\nstate = "Japan"\nkind = "turn"\nturn = 99\nchoice = "done"\n'
    script.write_text(extra)
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS, "--decisions", script,
           stdin="\n" * 100)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "1 scripted decision(s) were never asked for" in r.stderr, r.stderr
    assert not out.exists()

    # Another seed: the session file's decisions no longer fit.
    r = wg(source_dir / SCENARIO, "-o", out, "--horizon-days", HORIZON, "--seed", SEED + 1,
           "--decisions", played["path"], stdin="\n" * 100)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert str(played["path"]) in r.stderr and "but the session asks for" in r.stderr
    assert not out.exists()


# ---- 5. interrupted sessions resume --------------------------------------------------------

# --resume keeps the session's scenario, seed, replication, --turn-days and --delegate-below
# (all recorded in /wargame); giving any of them again is refused.

def answer_lines(played):
    return [a.line for a in played["answers"]]


def interrupted_checks(path, n):
    attrs = wargame_attrs(path)
    assert attrs["status"] == "interrupted"
    assert attrs["decisions"] >= n
    with h5py.File(path, "r") as f:
        assert sorted(f.keys()) == ["scenario", "wargame"], "an interrupted session has no tables"
    return attrs


@pytest.mark.parametrize("where", ["half", "inside_turn_1"])
def test_end_of_input_saves_and_resume_completes(where, played, wg, source_dir, tmp_path):
    lines = answer_lines(played)
    if where == "half":
        k = len(lines) // 2
    else:  # after "enable sanction", before the turn's other actions
        k = lines.index(Deviator.TURN_1[0]) + 1
    path = tmp_path / "session.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", path, *SETTINGS,
           "--delegate-below", DELEGATE, stdin="".join(f"{l}\n" for l in lines[:k]))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "--resume" in r.stdout
    attrs = interrupted_checks(path, k)
    full = table(played["path"], "/wargame/decisions")
    saved = table(path, "/wargame/decisions")
    # Every answer given is saved (with the doctrine's decisions in between), nothing more.
    assert (saved["source"] == PLAYER_SOURCE).sum() == k
    assert differing_columns(saved, full[:len(saved)], ignore=("seconds",)) == []
    assert attrs["day_reached"] == saved["day"][-1]
    assert attrs["delegate_below"] == float(DELEGATE)
    refused = wg("--resume", path, "--delegate-below", DELEGATE)
    assert refused.returncode == 2 and "keeps the session's settings" in refused.stderr
    full_actions = strings(played["path"], "/wargame/actions")
    assert strings(path, "/wargame/actions") == full_actions[:len(saved)]

    resumed = tmp_path / "resumed.h5"
    r = wg("--resume", path, "-o", resumed,
           stdin="".join(f"{l}\n" for l in lines[k:]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert f"Replaying {len(saved)} decision(s)" in r.stdout
    assert wargame_attrs(resumed)["status"] == "complete"
    assert_same_tables(played["path"], resumed, SIM_TABLES + ["/wargame/actions"])
    assert differing_columns(table(resumed, "/wargame/decisions"), full,
                             ignore=("seconds",)) == []
    # The saved part keeps its recorded times.
    assert np.array_equal(table(resumed, "/wargame/decisions")["seconds"][:len(saved)],
                          saved["seconds"])
    # The interrupted file itself is left as it was.
    assert wargame_attrs(path)["status"] == "interrupted"


def test_quit_saves_and_exits_0(played, wg, source_dir, tmp_path):
    lines = answer_lines(played)
    path = tmp_path / "quit.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", path, *SETTINGS,
           "--delegate-below", DELEGATE, stdin="".join(f"{l}\n" for l in lines[:3]) + "quit\n")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert "stopped by a player" in r.stdout
    interrupted_checks(path, 3)
    # Resume in place (the default output is the session itself).
    r = wg("--resume", path,
           stdin="".join(f"{l}\n" for l in lines[3:]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert wargame_attrs(path)["status"] == "complete"
    assert_same_tables(played["path"], path, SIM_TABLES)


def test_sigint_while_waiting_saves_and_resumes(played, binary, wg, source_dir, tmp_path):
    lines = answer_lines(played)
    k = 4
    path = tmp_path / "sigint.h5"
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o", path, *SETTINGS,
                             "--delegate-below", DELEGATE], tmp_path)
    for line in lines[:k]:
        assert term.screen() is not None
        term.answer(line)
    assert term.screen() is not None, "the session ended before the prompt to interrupt"
    parse_prompt(term.out)  # waiting at a prompt, stdin still open
    assert term.proc.poll() is None
    term.proc.send_signal(signal.SIGINT)
    status = term.proc.wait(timeout=TIMEOUT)
    _, _, stderr = term.finish()
    assert status == 130, stderr
    assert "interrupted (SIGINT)" in stderr
    assert f"cyberdeter wargame --resume {path}" in stderr
    saved = table(path, "/wargame/decisions")
    interrupted_checks(path, k)
    assert (saved["source"] == PLAYER_SOURCE).sum() == k

    r = wg("--resume", path, "-o", tmp_path / "resumed.h5",
           stdin="".join(f"{l}\n" for l in lines[k:]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert_same_tables(played["path"], tmp_path / "resumed.h5", SIM_TABLES)


def test_help_fits_80_columns(wg, source_dir, tmp_path):
    """'?' at a join, a turn and a response prompt: every line of the help fits."""
    out = tmp_path / "help.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS,
           stdin="?\n\n" * 60)
    assert r.returncode == 0, r.stderr
    for marker in ("Answer United States's invitation", "one action per line",
                   "Choose how Japan responds"):
        assert marker in r.stdout
    wide = [l for l in r.stdout.splitlines() if len(l) > 80 and str(out) not in l]
    assert wide == []


# ---- 6. a real terminal --------------------------------------------------------------------

class Tmux:
    def __init__(self, exe, width, height):
        self.exe = exe
        self.socket = f"cyberdeter-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "TERM": os.environ.get("TERM") or "xterm-256color"}
        self.env.pop("TMUX", None)
        self.width, self.height = width, height

    def __call__(self, *args, check=True):
        r = subprocess.run([self.exe, "-L", self.socket, "-f", "/dev/null", *args],
                           capture_output=True, text=True, timeout=10, env=self.env)
        if check:
            assert r.returncode == 0, (args, r.stderr)
        return r

    def start(self, command, cwd):
        self("new-session", "-d", "-s", "wg", "-x", str(self.width), "-y", str(self.height),
             "-c", str(cwd), command)
        self.socket_path = self("display-message", "-p", "#{socket_path}").stdout.strip()

    def screen(self):
        # -J joins lines the terminal wrapped, so a line too wide shows as one long line.
        return self("capture-pane", "-p", "-J", "-t", "wg").stdout

    def history(self):
        """The whole pane: what scrolled off the top as well as the screen."""
        return self("capture-pane", "-p", "-J", "-S", "-", "-t", "wg").stdout

    def keys(self, *keys):
        self("send-keys", "-t", "wg", *keys)

    def type(self, line):
        if line:
            self.keys("-l", line)
        self.keys("Enter")

    def wait_for(self, predicate, what, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{screen}")
            time.sleep(0.05)

    def kill(self):
        self("kill-server", check=False)
        if getattr(self, "socket_path", ""):  # tmux leaves its socket file behind
            Path(self.socket_path).unlink(missing_ok=True)


def waiting(screen):
    lines = [l.rstrip() for l in screen.splitlines() if l.strip()]
    return bool(lines) and lines[-1] == ">"


def last_header(screen):
    headers = re.findall(r"^ (?:DECISION|TURN) \d+ \|.*$", screen, re.M)
    return headers[-1] if headers else None


def test_tmux_terminal_session(binary, source_dir, tmp_path):
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed (scripts/install-deps.sh installs it)")
    tmux = Tmux(exe, 80, 50)
    session = tmp_path / "tmux.h5"
    command = (f"{shlex.quote(binary)} wargame {shlex.quote(str(source_dir / SCENARIO))} "
               f"--play {PLAYER} --seed {SEED} --horizon-days {HORIZON} "
               f"-o {shlex.quote(str(session))}; echo EXIT=$?; sleep 600")
    tmux.start(command, tmp_path)
    try:
        screen = tmux.wait_for(lambda s: waiting(s) and last_header(s), "the first prompt")
        # The banner may have scrolled off when the first form is long: read the scrollback.
        assert "Type ? at any prompt for help" in tmux.history()
        answered = 0
        # Enter (the default) until a response brief, the richest one, is on the screen.
        while " Respond:" not in screen[max(screen.rfind(" DECISION"), 0):]:
            assert answered < 30, "no response brief came"
            header = last_header(screen)
            tmux.type("")
            answered += 1
            screen = tmux.wait_for(lambda s: waiting(s) and last_header(s) != header,
                                   f"the prompt after {header}")
        brief = screen[screen.rindex(" DECISION"):]
        lines = brief.splitlines()
        assert re.fullmatch(r" DECISION \d+ \| JAPAN \| \d{4}-\d\d-\d\d \(day \d+\) \| "
                            r"incident \d+", lines[0].rstrip()), lines[0]
        assert re.fullmatch(r"=+", screen.splitlines()[screen[:screen.rindex(" DECISION")]
                                                       .count("\n") - 1].rstrip())
        labels = [l[1:13].rstrip() for l in lines if re.match(r" \S", l)]
        for label in ("Incident", "Attribution", "Sponsor", "Allies", "Doctrine", "So far"):
            assert label in labels, (label, brief)
        assert labels.index("Incident") < labels.index("Attribution") < labels.index("Doctrine")
        # Every rung may be chosen; the doctrine advises (ICD 203 words for likelihood).
        assert re.search(r"^ Respond:  \[q\]uiet  \[a\]ttribute  \[c\]oordinate  \[s\]anction\s*$",
                         brief, re.M)
        assert re.search(r"^ Enter = \w+ \(the doctrine's advice\)   \? = help\s*$", brief, re.M)
        assert "advises: " in brief and "likelihood: " in brief and "confidence: " in brief
        for line in screen.splitlines():
            assert len(line.rstrip()) <= 80, f"wider than the terminal: {line!r}"

        tmux.type("?")
        screen = tmux.wait_for(lambda s: "Choose how Japan responds" in s and waiting(s), "help")
        assert "take the doctrine's recommendation" in screen
        # The same question is asked again after the help (see test_help_fits_80_columns
        # for the help's own width).
        assert screen.rstrip().endswith(">")
        assert " Respond:  [q]uiet" in screen[screen.rindex("Choose how Japan responds"):]
        assert last_header(screen) in (None, lines[0].rstrip()), "the help answered the question"

        tmux.type("quit")
        screen = tmux.wait_for(lambda s: "EXIT=" in s, "the end of the session")
        assert "EXIT=0" in screen
        assert "Continue with: cyberdeter wargame --resume" in screen
    finally:
        tmux.kill()
    attrs = wargame_attrs(session)
    assert attrs["status"] == "interrupted"
    assert attrs["decisions"] == answered
    rows = table(session, "/wargame/decisions")
    assert np.all(rows["source"] == PLAYER_SOURCE) and not np.any(rows["deviates"])


# --- input that cannot be answered (issue: faults lose nothing, item 8) --------------------

def test_a_closed_standard_input_saves_the_session(binary, source_dir, tmp_path):
    path = tmp_path / "closed.h5"
    r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "-o", path,
                        *map(str, SETTINGS)], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=60, close_fds=True, preexec_fn=lambda: os.close(0))
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "standard input ended before the session did" in r.stdout
    assert "cannot read standard input" not in r.stderr
    interrupted_checks(path, 0)


def test_a_huge_invalid_answer_is_cut_when_echoed_and_costs_linear_time(wg, source_dir,
                                                                        tmp_path):
    line = "x" * 6_400_000
    start = time.monotonic()
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", tmp_path / "s.h5", *SETTINGS,
           stdin=line + "\n\0\n")
    elapsed = time.monotonic() - start
    assert r.returncode == 1, r.stderr
    assert elapsed < 10, f"{elapsed:.1f} s for a 6.4 MB line (it took 5.6 s, quadratic)"
    assert len(r.stdout) < 20_000, "the line is not echoed whole"
    assert "... (6400000 characters)" in r.stdout
    assert "\0" not in r.stdout, "a NUL byte is shown as '?'"
    assert [l for l in r.stdout.splitlines() if len(l) > 80 and str(tmp_path) not in l] == []


def test_endless_invalid_input_stops_after_a_bounded_number_of_refusals(binary, source_dir,
                                                                        tmp_path):
    path = tmp_path / "garbage.h5"
    proc = subprocess.Popen([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER,
                             "-o", path, *map(str, SETTINGS)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def feed():
        try:
            while True:
                proc.stdin.write(b"garbage\n" * 1024)
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    timer = threading.Timer(60, proc.kill)
    timer.start()
    out = proc.stdout.read()  # until the program ends; the feeder never closes its input
    proc.wait()
    timer.cancel()
    assert proc.returncode == 2, out[-500:]
    assert b"20 answers in a row were refused" in out
    assert len(out) < 100_000, f"{len(out)} bytes of output (740 MB a minute before)"
    interrupted_checks(path, 0)


# ---- the journal: no answer is lost (issue: never lose a session) --------------------------

def journal_of(path):
    return Path(str(path) + ".journal")


def player_decisions_in_journal(path):
    j = journal_of(path)
    if not j.exists():
        return 0
    return sum(1 for l in j.read_text(errors="replace").splitlines()
               if l.startswith("decision = {") and ", source = 0," in l)


@pytest.mark.parametrize("how", ["hangup", "kill"])
def test_tmux_killed_mid_turn_resumes_to_the_uninterrupted_session(how, played, binary, wg,
                                                                   source_dir, tmp_path):
    """A closed window (SIGHUP: tmux kill-session) or a crash (SIGKILL) inside turn 1, after
    its first action: every answer given is in the journal, and --resume with the remaining
    answers gives the session played without a break."""
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed (scripts/install-deps.sh installs it)")
    lines = answer_lines(played)
    k = lines.index(Deviator.TURN_1[0]) + 1  # "enable sanction" given; the turn goes on
    path = tmp_path / "killed.h5"
    tmux = Tmux(exe, 80, 50)
    command = (f"exec {shlex.quote(binary)} wargame {shlex.quote(str(source_dir / SCENARIO))} "
               f"--play {PLAYER} --seed {SEED} --horizon-days {HORIZON} "
               f"{' '.join(map(str, ONE_AT_A_TIME))} "
               f"--delegate-below {DELEGATE} -o {shlex.quote(str(path))}")
    tmux.start(command, tmp_path)
    try:
        pid = int(tmux("display-message", "-p", "-t", "wg", "#{pane_pid}").stdout.strip())
        tmux.wait_for(waiting, "the first prompt")
        for i, line in enumerate(lines[:k]):
            tmux.type(line)
            deadline = time.monotonic() + TIMEOUT
            while player_decisions_in_journal(path) < i + 1 or not waiting(tmux.screen()):
                assert time.monotonic() < deadline, f"answer {i} ({line!r}) not journalled"
                time.sleep(0.05)
        if how == "hangup":
            tmux("kill-session", "-t", "wg")
        else:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + TIMEOUT
        while Path(f"/proc/{pid}").exists():
            assert time.monotonic() < deadline, "the session did not end"
            time.sleep(0.05)
    finally:
        tmux.kill()
    assert player_decisions_in_journal(path) == k
    if how == "hangup":
        interrupted_checks(path, k)  # a hang-up saves the session file too
        assert "stop = {" in journal_of(path).read_text()
    else:
        assert not path.exists()  # a crash leaves only the journal
        r = subprocess.run([binary, "debrief", path], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert "an interrupted session" in r.stdout

    r = wg("--resume", path, stdin="".join(f"{l}\n" for l in lines[k:]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert wargame_attrs(path)["status"] == "complete"
    assert_same_tables(played["path"], path, SIM_TABLES + ["/wargame/actions"])
    assert differing_columns(table(path, "/wargame/decisions"),
                             table(played["path"], "/wargame/decisions"),
                             ignore=("seconds",)) == []
    assert "complete = {" in journal_of(path).read_text()


def test_a_torn_last_line_of_the_journal_is_ignored_and_a_damaged_one_refused(played, wg,
                                                                              source_dir,
                                                                              tmp_path):
    lines = answer_lines(played)
    path = tmp_path / "torn.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", path, *SETTINGS,
           "--delegate-below", DELEGATE, stdin="".join(f"{l}\n" for l in lines[:3]))
    assert r.returncode == 1, r.stderr
    path.unlink()  # as after a power cut: only the journal
    journal = journal_of(path)
    good = journal.read_text()
    journal.write_text(good + 'decision = {decision = 99, day = 1')  # cut short
    r = wg("--resume", path, stdin="".join(f"{l}\n" for l in lines[3:]))
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert_same_tables(played["path"], path, SIM_TABLES)

    damaged = tmp_path / "damaged.h5"
    text = good.splitlines(keepends=True)
    # The first record after the header that has a day, not the last line (a torn last
    # line is ignored, as above): its check sum no longer matches.
    k = next(i for i, line in enumerate(text[1:-1], 1) if "day = " in line)
    text[k] = text[k].replace("day = ", "day = 1", 1)
    journal_of(damaged).write_text("".join(text))
    r = wg("--resume", damaged)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert f"{journal_of(damaged)}:{k + 1}: a damaged record" in r.stderr


def test_o_refuses_an_existing_session_without_force(played, wg, source_dir, tmp_path):
    done = tmp_path / "done.h5"
    shutil.copy(played["path"], done)
    before = done.read_bytes()
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", done, stdin="quit\n")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "done.h5 exists: give another -o, or --force" in r.stderr
    assert done.read_bytes() == before and not journal_of(done).exists()
    # A journal left by a session that stopped early is refused too.
    crashed = tmp_path / "crashed.h5"
    journal_of(crashed).write_text("x")
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", crashed, stdin="quit\n")
    assert r.returncode == 2 and "--resume" in r.stderr and not crashed.exists()
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", done, "--force", *SETTINGS,
           stdin="quit\n")
    assert r.returncode == 0, r.stderr
    assert wargame_attrs(done)["status"] == "interrupted"


@pytest.mark.parametrize("args, message", [
    (["--turn-days", "1e-9"], "--turn-days"),
    (["--turn-days", "1e-400"], "--turn-days"),
    (["--turn-days", "0x1p3"], "--turn-days"),
    (["--turn-days", "0.01"], "turns in"),
    (["--horizon-days", "1e-7"], "--horizon-days"),
    (["--delegate-below", "nan"], "--delegate-below"),
    (["--delegate-below", "-5"], "--delegate-below"),
    (["--seed", "18446744073709551616"], "--seed"),
    (["--replication", "-1"], "--replication"),
])
def test_out_of_range_flags_exit_2_without_output(args, message, wg, source_dir, tmp_path):
    out = tmp_path / "x.h5"
    r = wg(source_dir / SCENARIO, "--play", PLAYER, "-o", out, *args, stdin="quit\n")
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert message in r.stderr, r.stderr
    assert not out.exists() and not journal_of(out).exists()


def test_headers_and_briefs_fit_80_columns_with_long_names(wg, source_dir, tmp_path):
    out = tmp_path / "wide.h5"
    r = wg(source_dir / SCENARIO, "--play", "United States", "--play", "European Union",
           "--play", PLAYER, "-o", out, *SETTINGS, "--turn-days", 0, stdin="\n" * 500)
    assert r.returncode == 0, r.stderr
    wide = [l for l in r.stdout.splitlines() if len(l) > 80 and str(out) not in l]
    assert wide == []
    assert "invitation from" in r.stdout


def test_a_rationale_after_hash_is_kept_and_exported(wg, cli, source_dir, tmp_path):
    out = tmp_path / "why.h5"
    term = Terminal(os.environ["CYBERDETER_BIN"],
                    [source_dir / SCENARIO, "--play", PLAYER, "-o", out, *SETTINGS,
                     "--turn-days", 0], tmp_path)
    given = False
    while term.screen() is not None:
        p = parse_prompt(term.out)
        if p.kind == RESPOND and not given:
            term.answer("q # we need more evidence")
            given = True
        else:
            term.answer("")
    status, _, stderr = term.finish()
    assert status == 0 and given, stderr
    rows = table(out, "/wargame/decisions")
    rationales = strings(out, "/wargame/rationales")
    i = next(i for i, r in enumerate(rows) if r["kind"] == RESPOND and r["source"] == 0)
    assert rationales[i] == "we need more evidence" and rows[i]["choice"] == 0
    exported = tmp_path / "d.toml"
    assert cli("debrief", out, "--decisions", exported, "-q").returncode == 0
    assert 'rationale = "we need more evidence"' in exported.read_text()


@pytest.mark.parametrize("mode", ["one at a time", "moves"])
def test_random_bytes_at_every_prompt_never_crash_hang_or_lose_an_answer(binary, source_dir,
                                                                          tmp_path, mode):
    """A bounded fuzz: random lines (bytes, lengths up to 5000, NUL and escape sequences
    among them) at every prompt, one question at a time and in moves' forms. Each run ends
    within its time with 0, 1 or 2; its journal holds exactly the decisions of its session
    file, and the answers of a move under way that the session says it kept."""
    settings = SETTINGS if mode == "one at a time" else SETTINGS[:4]
    rng = np.random.default_rng(15)
    deadline = time.monotonic() + float(os.environ.get("CYBERDETER_FUZZ_SECONDS", "20"))
    runs = 0
    alphabet = list(b"qacsjd0123456789.e-+ #?\x00\x1b[A\t\r") + list(range(256))
    while time.monotonic() < deadline or runs < 3:
        lines = []
        for _ in range(int(rng.integers(1, 60))):
            n = int(rng.choice([0, 1, 2, 5, 30, 5000]))
            lines.append(bytes(rng.choice(alphabet, size=n).astype(np.uint8)).replace(b"\n", b" "))
        path = tmp_path / f"fuzz{runs}.h5"
        r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER,
                            "-o", path, *map(str, settings)], input=b"\n".join(lines) + b"\n",
                           capture_output=True, timeout=60)
        assert r.returncode in (0, 1, 2), (r.returncode, r.stderr[-2000:])
        assert b"std::" not in r.stderr and b"terminate" not in r.stderr, r.stderr[-2000:]
        assert path.exists(), r.stderr[-2000:]
        saved = table(path, "/wargame/decisions")
        text_ = journal_of(path).read_text()
        journal = [l for l in text_.splitlines() if l.startswith("decision = {")]
        assert len(journal) == len(saved)
        pending = text_.rsplit("decision = {", 1)[-1].count("\nanswer = {")
        kept = re.search(rb"and (\d+) answer\(s\) of the move under way", r.stdout)
        if wargame_attrs(path)["status"] == "interrupted":
            assert (int(kept.group(1)) if kept else 0) == pending, r.stdout[-2000:]
        runs += 1


def test_random_decisions_files_are_refused_with_exit_2(binary, source_dir, tmp_path,
                                                         played):
    rng = np.random.default_rng(16)
    good = decisions_toml(played["path"]).encode()
    deadline = time.monotonic() + float(os.environ.get("CYBERDETER_FUZZ_SECONDS", "10"))
    runs = 0
    while time.monotonic() < deadline or runs < 3:
        data = bytearray(good)
        for _ in range(int(rng.integers(1, 20))):
            i = int(rng.integers(0, len(data)))
            data[i] = int(rng.integers(0, 256))
        script = tmp_path / "fuzz.toml"
        script.write_bytes(bytes(data))
        out = tmp_path / f"fuzz{runs}.h5"
        r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "-o",
                            out, *map(str, SETTINGS), "--decisions", script, "--rest",
                            "doctrine"], capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        assert r.returncode in (0, 2), (r.returncode, r.stderr[-2000:])
        if r.returncode == 2:
            assert not out.exists() and not journal_of(out).exists(), r.stderr
        runs += 1
