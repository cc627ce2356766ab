"""Moves (issue 15, item 4), end to end: the questions of a move are put to each played state
in one form, built by running the move ahead and matched to their answers by key and content
when the move is played out; a question the answers made arise comes in a follow-up form.
Every answer is in the journal before the next question, and a session stopped in the middle
of a form (a closed window) resumes to the session played without a break.

Sessions play Japan (and the United States) in scenarios/japan_2015_2021.toml for one year,
as in test_wargame.py, whose one-question-at-a-time sessions are the reference here.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from test_wargame import (DELEGATE, DOCTRINE_SOURCE, HORIZON, JOIN, ONE_AT_A_TIME, PLAYER,
                          PLAYER_SOURCE, RESPOND, RUNGS, SCENARIO, SEED, SIM_TABLES, TIMEOUT,
                          TURN, Deviator, Terminal, Tmux, assert_same_tables, differing_columns,
                          journal_of, last_header, parse_prompt, play, strings, table, text, waiting,
                          wargame_attrs)

MOVES = ["--horizon-days", HORIZON, "--seed", SEED]  # moves: the default
QUARTER = 365.25 / 4
TIMEOUT_SOURCE = 3


def forms(stdout):
    """The forms printed: (move, state, follow_up, number of questions listed)."""
    out = []
    for m in re.finditer(r"^ MOVE (\d+) \| ([A-Z ]+?) \| (.*)\n=+\n (.*?)\n((?:   .*\n)*)",
                         stdout, re.M):
        items = re.findall(r"^   \d+\. ", m.group(5), re.M)
        out.append((int(m.group(1)), m.group(2), m.group(3) == "follow-up", len(items)))
    return out


def session(binary, out, choose, *extra):
    term = Terminal(binary, [Path(os.environ["CYBERDETER_SOURCE"]) / SCENARIO, "--play", PLAYER,
                             "-o", out, *MOVES, *extra], out.parent)
    answers = play(term, choose)
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    return answers, stdout


@pytest.fixture(scope="module")
def enter_throughout(binary, tmp_path_factory):
    """Japan and the United States, every question answered with Enter, in moves."""
    d = tmp_path_factory.mktemp("moves")
    out = d / "enter.h5"
    r = subprocess.run([binary, "wargame", Path(os.environ["CYBERDETER_SOURCE"]) / SCENARIO,
                        "--play", PLAYER, "--play", "United States", "-o", out,
                        *map(str, MOVES)], input="\n" * 500, capture_output=True, text=True,
                       timeout=60, cwd=d)
    assert r.returncode == 0, r.stderr
    return {"path": out, "stdout": r.stdout}


def test_one_form_per_state_per_move_listing_its_cases_and_invitations(enter_throughout):
    path, stdout = enter_throughout["path"], enter_throughout["stdout"]
    attrs = wargame_attrs(path)
    assert attrs["move_days"] == pytest.approx(QUARTER), "a move spans a turn by default"
    rows = table(path, "/wargame/decisions")
    # Move k holds the days ((k-1) * move_days, k * move_days].
    expected = np.maximum(1, np.ceil(rows["day"] / QUARTER - 1e-9)).astype(int)
    assert np.array_equal(rows["move"], expected)
    asked = rows[(rows["source"] == PLAYER_SOURCE) & (rows["kind"] != TURN)]
    printed = forms(stdout)
    assert printed, stdout[:3000]
    names = {0: "JAPAN", 1: "UNITED STATES"}
    # Enter everywhere changes nothing: no follow-up, one form per state and move, and each
    # form lists exactly that state's questions of the move.
    assert not any(f[2] for f in printed)
    keys = [(m, s) for m, s, _, _ in printed]
    assert len(keys) == len(set(keys)), "two forms for one state in one move"
    for m, s, _, n in printed:
        state = [k for k, v in names.items() if v == s][0]
        mine = asked[(asked["move"] == m) & (asked["state"] == state)]
        assert n == len(mine), (m, s)
    assert sorted(keys) == sorted({(int(r["move"]), names[int(r["state"])]) for r in asked})
    assert len(printed) < len(asked), "no form held more than one question"
    # The form's list comes before the briefs of its questions.
    first = stdout.index(" MOVE ")
    assert stdout.index(" DECISION ", first) > first


def test_the_pacing_at_the_start_counts_the_questions_asked(enter_throughout):
    path, stdout = enter_throughout["path"], enter_throughout["stdout"]
    assert "Questions a year for all played states" in stdout
    row = re.search(r"^  \(none\) \(this one\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$",
                    stdout, re.M)
    assert row, stdout[:2000]
    rows = table(path, "/wargame/decisions")
    years = HORIZON / 365.25
    shown = rows[rows["source"] == PLAYER_SOURCE]
    responds = (shown["kind"] == RESPOND).sum() / years
    joins = (shown["kind"] == JOIN).sum() / years
    turn_rows = rows[rows["kind"] == TURN]
    turns = len({(int(r["state"]), int(r["turn"])) for r in turn_rows
                 if r["source"] == PLAYER_SOURCE}) / years
    # Enter throughout follows the doctrine's history, which the estimate counts.
    assert float(row.group(1)) == pytest.approx(responds, abs=0.051)
    assert float(row.group(2)) == pytest.approx(joins, abs=0.051)
    assert float(row.group(3)) == pytest.approx(turns, abs=0.051)
    for d in ("0", "0.2", "0.4", "0.6"):
        assert re.search(rf"^  {re.escape(d)}\s+[\d.]+", stdout, re.M), d


def test_a_turn_at_which_nothing_happened_is_skipped(binary, source_dir, tmp_path):
    """Monthly turns: some months bring a state nothing (no detection, no question); their
    turns are recorded as the doctrine's 'done' without being put to the players."""
    out = tmp_path / "monthly.h5"
    r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "--play",
                        "United States", "-o", out, *map(str, MOVES), "--turn-days", "30",
                        "--delegate-below", "0.4"], input="\n" * 500, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = table(out, "/wargame/decisions")
    skipped = 0
    for s in (0, 1):
        mine = rows[rows["state"] == s]
        last_turn = -1
        for i, r in enumerate(mine):
            if r["kind"] != TURN:
                continue
            since = mine[last_turn + 1:i]
            asked = (since["source"] == PLAYER_SOURCE).any()
            if r["source"] == DOCTRINE_SOURCE:
                skipped += 1
                assert not asked and r["choice"] == 0, r
            last_turn = i
    assert skipped > 0
    assert skipped < (rows["kind"] == TURN).sum()


@pytest.fixture(scope="module")
def one_at_a_time(binary, tmp_path_factory):
    out = tmp_path_factory.mktemp("single") / "single.h5"
    answers, stdout = session(binary, out, Deviator(), "--delegate-below", DELEGATE,
                              *ONE_AT_A_TIME)
    return {"path": out, "answers": answers, "stdout": stdout}


@pytest.fixture(scope="module")
def in_moves(binary, tmp_path_factory):
    out = tmp_path_factory.mktemp("moved") / "moved.h5"
    answers, stdout = session(binary, out, Deviator(), "--delegate-below", DELEGATE,
                              "--every-turn")
    return {"path": out, "answers": answers, "stdout": stdout}


def test_a_room_that_departs_gets_the_same_session_in_moves_as_one_question_at_a_time(
        one_at_a_time, in_moves):
    """The same room (Deviator: joins the first invitation, changes its doctrine at turn 1,
    attributes the first quiet case) in moves and one question at a time: the answers,
    matched to the questions by key and content when each move is played out, give the same
    decisions and the same history."""
    a, b = one_at_a_time["path"], in_moves["path"]
    assert_same_tables(a, b, SIM_TABLES + ["/wargame/actions"])
    assert differing_columns(table(a, "/wargame/decisions"), table(b, "/wargame/decisions"),
                             ignore=("seconds", "move")) == []
    assert table(b, "/wargame/decisions")["deviates"].sum() >= 4
    assert forms(in_moves["stdout"])


def test_a_session_in_moves_replays_from_its_file(in_moves, binary, tmp_path):
    replay = tmp_path / "replay.h5"
    r = subprocess.run([binary, "wargame", Path(os.environ["CYBERDETER_SOURCE"]) / SCENARIO,
                        "-o", replay, "--horizon-days", str(HORIZON), "--decisions",
                        in_moves["path"]], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    assert_same_tables(in_moves["path"], replay, SIM_TABLES + ["/wargame/decisions",
                                                               "/wargame/actions"])


def test_an_answer_that_changes_what_follows_brings_a_follow_up(binary, tmp_path):
    """Japan coordinates a statement on every case, where its doctrine mostly keeps quiet:
    the United States, played too, is invited to statements the move's form could not list
    (the run ahead kept quiet). They come in a follow-up form, and the session equals the
    same room answered one question at a time."""
    def coordinate(p):
        if p.kind == RESPOND:
            return "c" if "JAPAN" in p.header else ""
        return "j" if p.kind == JOIN else ""
    both = ["--play", "United States", "--every-turn"]
    moved = tmp_path / "coordinate.h5"
    _, stdout = session(binary, moved, coordinate, *both)
    single = tmp_path / "coordinate1.h5"
    session(binary, single, coordinate, *both, *ONE_AT_A_TIME)
    follow_ups = [f for f in forms(stdout) if f[2]]
    assert follow_ups, "no follow-up form"
    assert any(f[1] == "UNITED STATES" for f in follow_ups)
    assert "The answers changed what followed" in stdout
    assert_same_tables(moved, single, SIM_TABLES + ["/wargame/actions"])
    assert differing_columns(table(moved, "/wargame/decisions"),
                             table(single, "/wargame/decisions"),
                             ignore=("seconds", "move")) == []
    rows = table(moved, "/wargame/decisions")
    japan = rows[(rows["kind"] == RESPOND) & (rows["state"] == 0)]
    assert np.all(japan["choice"] == RUNGS["coordinate"])


def test_the_move_timer_gives_the_defaults_as_timeouts(binary, source_dir, tmp_path):
    """--move-minutes: when a state's time for a move runs out, its unanswered questions take
    their defaults (source timeout) and the session goes on without anyone typing."""
    out = tmp_path / "timer.h5"
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o", out, *MOVES,
                             "--move-minutes", "0.02"], tmp_path)  # 1.2 s a move
    screen = term.screen()
    assert "A move gives each state 0.02 minute(s)" in screen
    assert "Time left in this move: 0 min 0" in screen
    # Nobody answers, and standard input stays open.
    deadline = time.monotonic() + 120
    while term.proc.poll() is None:
        assert time.monotonic() < deadline, "the session did not go on by itself"
        time.sleep(0.2)
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    assert "time is up for move 1" in stdout
    rows = table(out, "/wargame/decisions")
    asked = rows[rows["source"] == TIMEOUT_SOURCE]
    assert len(asked) > 0 and (rows["source"] == PLAYER_SOURCE).sum() == 0
    # A default is the doctrine's advice, the simulation's answer, the end of a turn.
    assert not asked["deviates"].any()
    assert ", source = 3" in journal_of(out).read_text()


# ---- a closed window in the middle of a move (issue 15, "Done when") -----------------------

def pure_policy(p):
    """Answers from the question alone (not from what was asked before): the final session
    is then the same whatever the order in which forms and follow-ups put the questions."""
    if p.kind == RESPOND:
        return "a" if p.default == "quiet" and p.number % 3 == 0 else ""
    if p.kind == JOIN:
        return "j"
    return ""


def screen_prompt(screen):
    """parse_prompt on a tmux screen (the prompt's last line is '>' there)."""
    return parse_prompt(screen.rstrip() + " ")


def test_tmux_hangup_in_the_middle_of_a_move_resumes_to_the_uninterrupted_session(
        binary, source_dir, tmp_path):
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed (scripts/install-deps.sh installs it)")
    reference = tmp_path / "reference.h5"
    session(binary, reference, pure_policy, "--delegate-below", "0")

    path = tmp_path / "hup.h5"
    tmux = Tmux(exe, 80, 50)
    command = (f"exec {shlex.quote(binary)} wargame {shlex.quote(str(source_dir / SCENARIO))} "
               f"--play {PLAYER} --seed {SEED} --horizon-days {HORIZON} --delegate-below 0 "
               f"-o {shlex.quote(str(path))}")
    tmux.start(command, tmp_path)
    answered_in_form = 0
    try:
        pid = int(tmux("display-message", "-p", "-t", "wg", "#{pane_pid}").stdout.strip())
        screen = tmux.wait_for(waiting, "the first prompt")
        given = 0
        while True:
            # Stop after the first answer inside a form of two questions or more, with the
            # form's next question on the screen.
            listed = re.findall(r"^ MOVE \d+ \| JAPAN .*\n=+\n .*?(\d+) questions? ", screen,
                                re.M)
            p = screen_prompt(screen)
            header = p.header
            tmux.type(pure_policy(p))
            given += 1
            deadline = time.monotonic() + TIMEOUT
            while True:
                screen = tmux.screen()
                if waiting(screen) and screen_prompt(screen).header != header:
                    break
                assert time.monotonic() < deadline, screen
                time.sleep(0.05)
            answers = [l for l in journal_of(path).read_text().splitlines()
                       if l.startswith("answer = {")]
            last = journal_of(path).read_text().rsplit("decision = {", 1)[-1]
            pending = last.count("\nanswer = {")
            if listed and int(listed[-1]) >= 2 and pending >= 1 and \
                    screen_prompt(screen).kind != TURN:
                answered_in_form = pending
                break
            assert given < 60, "no form of two questions came"
        assert answers
        tmux("kill-session", "-t", "wg")  # the window closes: SIGHUP
        deadline = time.monotonic() + TIMEOUT
        while Path(f"/proc/{pid}").exists():
            assert time.monotonic() < deadline, "the session did not end"
            time.sleep(0.05)
    finally:
        tmux.kill()
    journal = journal_of(path).read_text()
    # Whichever the session noticed first, the hang-up or its terminal's end, it stopped and
    # saved.
    assert "stop = {" in journal
    # The answers of the move under way are in the journal (not yet decisions).
    tail = journal.rsplit("decision = {", 1)[-1]
    assert tail.count("\nanswer = {") == answered_in_form >= 1
    assert wargame_attrs(path)["status"] == "interrupted"

    term = Terminal(binary, ["--resume", path], tmp_path)
    play(term, pure_policy)
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    assert f"with its {answered_in_form} answer(s) given" in stdout
    assert wargame_attrs(path)["status"] == "complete"
    assert_same_tables(reference, path, SIM_TABLES + ["/wargame/actions"])
    assert differing_columns(table(reference, "/wargame/decisions"),
                             table(path, "/wargame/decisions"), ignore=("seconds",)) == []


# ---- the line editor (issue: "the Up arrow inserts ^[[A") --------------------------------

def test_tmux_arrows_edit_the_line_and_up_recalls_the_last_answer(binary, source_dir, tmp_path):
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed (scripts/install-deps.sh installs it)")
    out = tmp_path / "edit.h5"
    tmux = Tmux(exe, 80, 50)
    command = (f"{shlex.quote(binary)} wargame {shlex.quote(str(source_dir / SCENARIO))} "
               f"--play {PLAYER} --seed {SEED} --horizon-days {HORIZON} --delegate-below 9 "
               f"-o {shlex.quote(str(out))}; echo EXIT=$?; sleep 600")
    tmux.start(command, tmp_path)
    try:
        screen = tmux.wait_for(waiting, "the first prompt")
        for _ in range(30):  # Enter up to turn 1
            if "Action, or Enter" in screen.rstrip()[-200:]:
                break
            header = last_header(screen)
            tmux.type("")
            screen = tmux.wait_for(lambda s: waiting(s) and last_header(s) != header,
                                   "the next prompt")
        assert "Action, or Enter" in screen.rstrip()[-200:], screen
        # A typo fixed with Left, Backspace and Right.
        tmux.keys("-l", "enable sanctoin")
        tmux.keys("Left", "Left", "BSpace", "Right")
        tmux.keys("-l", "o")
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: "ok: enable sanction" in s and waiting(s), "ok")
        # Up recalls it (not ^[[A); Home, Delete and typing make another action of it.
        tmux.keys("Up")
        screen = tmux.wait_for(lambda s: s.rstrip().endswith("> enable sanction"), "recall")
        assert "^[[A" not in screen
        tmux.keys("Home", "DC", "DC")
        tmux.keys("-l", "dis")
        tmux.keys("End")
        tmux.keys("-l", " # changed our mind")
        tmux.keys("Enter")
        screen = tmux.wait_for(lambda s: "ok: disable sanction" in s and waiting(s), "ok 2")
        tmux.keys("Enter")  # end the turn
        tmux.type("quit")
        screen = tmux.wait_for(lambda s: "EXIT=" in s, "the end")
        assert "EXIT=0" in screen, screen
    finally:
        tmux.kill()
    rows = table(out, "/wargame/decisions")
    actions = strings(out, "/wargame/actions")
    turn = [i for i, r in enumerate(rows) if r["kind"] == TURN and r["turn"] == 1]
    assert [actions[i] for i in turn] == ["enable sanction", "disable sanction", "done"]
    assert strings(out, "/wargame/rationales")[turn[1]] == "changed our mind"


def test_tmux_random_keys_never_crash_or_hang_the_line_editor(binary, source_dir, tmp_path):
    """Random bytes typed at a real terminal (escape sequences, control keys, bytes beyond
    ASCII), for a bounded time: the session never crashes and still answers 'quit'."""
    exe = shutil.which("tmux")
    if exe is None:
        pytest.skip("tmux is not installed (scripts/install-deps.sh installs it)")
    rng = np.random.default_rng(17)
    out = tmp_path / "keys.h5"
    tmux = Tmux(exe, 80, 50)
    command = (f"{shlex.quote(binary)} wargame {shlex.quote(str(source_dir / SCENARIO))} "
               f"--play {PLAYER} --seed {SEED} --horizon-days {HORIZON} "
               f"-o {shlex.quote(str(out))}; echo EXIT=$?; sleep 600")
    tmux.start(command, tmp_path)
    try:
        tmux.wait_for(waiting, "the first prompt")
        end = time.monotonic() + float(os.environ.get("CYBERDETER_FUZZ_SECONDS", "5"))
        pieces = [b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[3~", b"\x1b[H", b"\x1bOF",
                  b"\x7f", b"\x01", b"\x05", b"\x0b", b"\x15", b"\x1b", b"\xc3\xa9", b"x",
                  b"threshold", b" ", b"#", b"?"]
        while time.monotonic() < end:
            data = b"".join(pieces[int(i)] for i in rng.integers(0, len(pieces), 20))
            # Never Enter, Ctrl-C, Ctrl-D or Ctrl-Z: the line is edited, not sent.
            data = bytes(b for b in data if b not in (3, 4, 10, 13, 26, 28))
            tmux("send-keys", "-t", "wg", "-H", *[f"{b:02x}" for b in data])
        # The random bytes may end inside an escape sequence, which would swallow the next
        # key, as a terminal's Alt does; the editor drops an unfinished one after 50 ms
        # without input, so wait longer than that, as a person's next key would.
        time.sleep(0.3)
        tmux.keys("C-e", "C-u")  # the whole line away
        tmux.type("quit")
        screen = tmux.wait_for(lambda s: "EXIT=" in s, "the end")
        assert "EXIT=0" in screen, screen
    finally:
        tmux.kill()
    assert wargame_attrs(out)["status"] == "interrupted"


# ---- the hotwash (issue 15, item 5) -----------------------------------------------------------

def coordinating_japan(p):
    """Japan coordinates every case and joins every invitation; the rest is Enter."""
    if p.kind == RESPOND:
        return "c # name them, with friends"
    return "j # stand with them" if p.kind == JOIN else ""


@pytest.fixture(scope="module")
def hotwash(binary, tmp_path_factory):
    d = tmp_path_factory.mktemp("hotwash")
    a, b = d / "a.h5", d / "b.h5"
    session(binary, a, coordinating_japan)
    r = subprocess.run([binary, "wargame", Path(os.environ["CYBERDETER_SOURCE"]) / SCENARIO,
                        "--play", PLAYER, "-o", b, *map(str, MOVES)], input="\n" * 500,
                       capture_output=True, text=True, timeout=60, cwd=d)
    assert r.returncode == 0, r.stderr
    return {"a": a, "b": b, "dir": d}


def names(path, what):
    with h5py.File(path, "r") as f:
        return [x.decode() for x in f[f"/scenario/{what}"][:]]


def test_the_after_action_lists_each_public_act_with_its_true_culprit(hotwash):
    path = hotwash["a"]
    summary = re.sub(r"\s+", " ", text(path, "/wargame/after_action"))
    incidents = table(path, "/incidents")
    attackers = names(path, "attackers")
    mine = incidents[(incidents["victim"] == 0) & (incidents["rung_final"] > 0)]
    assert len(mine) >= 2, "Japan went public too rarely for the test"
    wrong = 0
    for i in mine:
        m = re.search(rf"Japan, [a-z ]+ on incident {i['incident']} naming "
                      rf"{re.escape(attackers[i['named']])}[^.]*\. Culprit: "
                      rf"{re.escape(attackers[i['attacker']])}( \(right\)| - WRONG: (a false "
                      rf"flag|an analytic error))", summary)
        assert m, (i["incident"], summary)
        assert (m.group(1) == " (right)") == bool(i["correct"])
        if not i["correct"]:
            wrong += 1
            assert (m.group(2) == "a false flag") == bool(i["false_flag"])
    # Acts of others that Japan co-signed are listed with Japan among the co-signers.
    joined = table(path, "/wargame/decisions")
    joined = joined[(joined["kind"] == JOIN) & (joined["choice"] == 1) & ~joined["late"]]
    for j in joined:
        assert re.search(rf"on incident {j['incident']} naming [^.]*co-signed by [^.]*Japan",
                         summary), j["incident"]
    assert re.search(r"Public acts by Japan, or that it co-signed: \d+, of which "
                     rf"\d+ named the wrong actor", summary)
    assert "spent on programs" in summary


def test_debrief_compare_sets_two_sessions_side_by_side(hotwash, cli):
    a, b = hotwash["a"], hotwash["b"]
    r = cli("debrief", a, "--compare", b)
    assert r.returncode == 0, r.stderr
    da, db = table(a, "/wargame/decisions"), table(b, "/wargame/decisions")
    aa, ab = strings(a, "/wargame/actions"), strings(b, "/wargame/actions")
    key = lambda r, i, acts: (int(r["kind"]), int(r["incident"]), int(r["turn"]))
    first = {key(r, i, aa): aa[i] for i, r in enumerate(da) if r["kind"] != TURN}
    second = {key(r, i, ab): ab[i] for i, r in enumerate(db) if r["kind"] != TURN}
    differ = sum(1 for k in first.keys() | second.keys() if first.get(k) != second.get(k))
    flat = re.sub(r"\s+", " ", r.stdout)
    assert f"{differ} decision(s) differ" in flat
    assert "common random numbers" in flat
    assert re.search(r"^\s+A\s+B\s+difference$", r.stdout, re.M)
    # The columns are the two sessions' own: B played the doctrine, so its column is the
    # counterfactual A's file holds.
    cf = table(a, "/wargame/counterfactual/states")
    mine = table(a, "/states")
    quiet = re.search(r"kept quiet\s+(\d+)\s+(\d+)", r.stdout)
    assert int(quiet.group(1)) == mine["responses_none"][0]
    assert int(quiet.group(2)) == cf["responses_none"][0]
    assert "A's public acts" in r.stdout and "B's public acts" in r.stdout
    for line in r.stdout.splitlines():
        if str(a) not in line and str(b) not in line:
            assert len(line) <= 80, line


def test_debrief_compare_refuses_two_replications(hotwash, binary, source_dir, cli, tmp_path):
    other = tmp_path / "other.h5"
    r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "-o", other,
                        "--horizon-days", str(HORIZON), "--seed", "8"], input="\n" * 500,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = cli("debrief", hotwash["a"], "--compare", other)
    assert r.returncode == 2
    assert "not two histories of one replication" in r.stderr
    r = cli("debrief", hotwash["a"], "--compare", tmp_path / "missing.h5")
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_debrief_exports_the_decisions_and_rationales_as_csv(hotwash, cli, tmp_path):
    import csv
    out = tmp_path / "decisions.csv"
    r = cli("debrief", hotwash["a"], "--csv", out, "-q")
    assert r.returncode == 0, r.stderr
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    decisions = table(hotwash["a"], "/wargame/decisions")
    rationales = strings(hotwash["a"], "/wargame/rationales")
    actions = strings(hotwash["a"], "/wargame/actions")
    assert len(rows) == len(decisions)
    for row, d, why, act in zip(rows, decisions, rationales, actions):
        assert int(row["decision"]) == d["decision"] + 1
        assert row["choice"] == act
        assert row["rationale"] == why.strip()
        assert int(row["move"]) == d["move"]
    assert any(r["rationale"] == "name them, with friends" for r in rows), "a comma, quoted"
    assert any(r["kind"] == "join" and r["leader"] for r in rows)


def test_invitations_enter_the_fitted_doctrine_and_its_sweep(hotwash, cli, tmp_path):
    """A room that joins every invitation joins more readily than the model: the debrief
    says by how much, as a factor on the alignment of those who invite, and the sweep it
    writes varies that factor along with the doctrine."""
    sweep = tmp_path / "as_played.toml"
    r = cli("debrief", hotwash["a"], "--sweep", sweep)
    assert r.returncode == 0, r.stderr
    m = re.search(r"joins as if its alignment with those who invite it were x ([\d.]+)",
                  r.stdout.replace("\n  ", " "))
    assert m and float(m.group(1)) > 1.0, r.stdout
    toml = sweep.read_text()
    assert 'name = "joining_Japan"' in toml and 'link = "scale"' in toml
    assert '"states.\\"United States\\".alignment.Japan"' in toml
    # The room that let the model answer gets the model's own joining back.
    r = cli("debrief", hotwash["b"])
    m = re.search(r"alignment with those who invite it were x ([\d.]+)",
                  r.stdout.replace("\n  ", " "))
    assert m, r.stdout
    rows = table(hotwash["b"], "/wargame/decisions")
    joins = rows[(rows["kind"] == JOIN) & ~rows["late"]]
    expected = joins["p_join"].sum()
    assert np.all((joins["p_join"] > 0) & (joins["p_join"] < 1))
    # Its answers were the model's draws: the fitted factor explains them about as well.
    assert 0.05 <= float(m.group(1)) <= 3.0
    assert expected > 0


# ---- programs have costs, exercises do not stack (issue: "Ten `program exercise` ...") -------

def enter_until_turn(term):
    """Answers Enter up to the first turn, however many questions come before it; returns
    the turn's screen."""
    while True:
        screen = term.screen()
        assert screen is not None, "the session ended before a turn"
        if parse_prompt(term.out).kind == TURN:
            return screen
        term.answer("")


def test_ten_exercises_in_one_turn_double_detection_once_and_cost_what_they_cost(binary,
                                                                                source_dir,
                                                                                tmp_path):
    out = tmp_path / "exercises.h5"
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o", out, *MOVES,
                             "--delegate-below", "9"], tmp_path)
    screen = enter_until_turn(term)
    before = float(re.findall(r"detection ([\d.]+) per day", screen)[-1])
    for _ in range(10):
        term.answer("program exercise cost 5")
        term.screen()
    term.answer("brief")
    screen = term.screen()
    after = float(re.findall(r"detection ([\d.]+) per day", screen)[-1])
    assert after == pytest.approx(2 * before, rel=0.01), "ten exercises count as one"
    flat = re.sub(r"\s+", " ", screen)
    assert "exercises do not stack (the largest applies)" in flat
    assert "now 50.0 a year" in flat
    term.answer("")
    play(term, lambda p: "")
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    window = 90.0  # japan_2015_2021's calibration.exercise_window_days
    spent = table(out, "/states")["program_cost"][0]
    assert spent == pytest.approx(10 * 5 * window / 365.25)
    assert re.search(r"spent on programs \(notional VU\)\s+12\.3\s+0\.0", stdout)
    # A cost beyond the range is refused with a message, and changes nothing.
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o",
                             tmp_path / "refused.h5", *MOVES, "--delegate-below", "9"], tmp_path)
    enter_until_turn(term)
    term.answer("program exercise cost 1e57")
    assert " ! a program's cost is a number of VU a year from 0 to 1e+12" in term.screen()
    term.answer("")
    play(term, lambda p: "")
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    assert table(tmp_path / "refused.h5", "/states")["program_cost"][0] == 0


def test_a_played_ally_too_late_for_the_deadline_is_asked_and_both_sides_are_told(binary,
                                                                                  source_dir,
                                                                                  tmp_path):
    """The issue: "Japan's statement went out without the United States seat's answer, and
    neither seat was told". Over the whole scenario, Japan's government is sometimes too
    slow for an ally's deadline: the seat is asked all the same, its answer does not count,
    and both sides get a NOTICE once the move is played out."""
    out = tmp_path / "late.h5"
    r = subprocess.run([binary, "wargame", source_dir / SCENARIO, "--play", PLAYER, "--play",
                        "United States", "-o", out, "--delegate-below", "0.4"],
                       input="\n" * 3000, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    rows = table(out, "/wargame/decisions")
    states = names(out, "states")
    late = rows[rows["late"]]
    assert len(late) > 0, "no late answer in this history"
    flat = re.sub(r"\s+", " ", r.stdout)
    for row in late:
        ally, leader = states[row["state"]], states[row["leader"]]
        assert row["source"] == PLAYER_SOURCE, "a late invitation is still put to its seat"
        assert re.search(rf"NOTICE \| {ally} {ally}'s answer \((join|decline)\) could not reach "
                         rf"{leader} by its deadline", flat)
        assert f"NOTICE | {leader} {ally} did not answer {leader}'s invitation on incident " \
               f"{row['incident']} by the deadline" in flat
    assert flat.count("NOTICE |") == 2 * len(late)


def test_one_question_at_a_time_the_timer_times_each_question(binary, source_dir, tmp_path):
    out = tmp_path / "each.h5"
    term = Terminal(binary, [source_dir / SCENARIO, "--play", PLAYER, "-o", out,
                             "--horizon-days", "120", "--seed", SEED, "--move-days", "0",
                             "--move-minutes", "0.01"], tmp_path)  # 0.6 s a question
    deadline = time.monotonic() + 60
    while term.proc.poll() is None:
        assert time.monotonic() < deadline, "the session did not go on by itself"
        time.sleep(0.2)
    status, stdout, stderr = term.finish()
    assert status == 0, stderr
    rows = table(out, "/wargame/decisions")
    asked = rows[rows["source"] != DOCTRINE_SOURCE]
    assert len(asked) >= 2 and np.all(asked["source"] == TIMEOUT_SOURCE)
    # Each question had its own 0.6 s, not one clock for the session.
    assert stdout.count("time is up") == len(asked)
