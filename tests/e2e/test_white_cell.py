"""The white cell of `cyberdeter serve` (docs/wargame.md, "The white cell"): it skips,
edits and publishes the scenario's scheduled events (injects) and jumps the clock, each a
decision of the session; the session file equals the one replayed from its exported
decisions file, and a server killed mid-session resumes from its journal to the same
file. Seats and observers may not send the white cell's messages."""

import json
import os
import signal
import time

import h5py
import numpy as np
import pytest

from seat_client import Seat, connect, receive, start_server

SCENARIO = "scenarios/coordinated_attribution.toml"
SEATS = ["Victim", "Ally1", "Ally2"]
FOUR_MOVES = ["--turn-days", "0", "--move-days", "365", "--horizon-days", "1460"]
INJECTS = """
[[scheduled]]
name = "skipped"
state = "Victim"
action = "coordinate"
target = "GroupA"
signers = ["Ally1"]
evidence = 0.3
day = 500

[[scheduled]]
name = "edited"
state = "Ally1"
action = "attribute"
target = "GroupB"
day = 600

[[scheduled]]
name = "published"
state = "Victim"
action = "sanction"
target = "GroupA"
signers = ["Ally3"]
day = 1300
"""
INJECT, OVERRIDE = 3, 4  # DecisionKind
JUMP = 4  # DecisionSource


def scenario(tmp_path, source_dir):
    path = tmp_path / "injects.toml"
    path.write_text((source_dir / SCENARIO).read_text() + INJECTS)
    return path


def serve(binary, path, out, *extra):
    return start_server(binary, [str(path), *(f"--seat={s}" for s in SEATS), "--white-cell",
                                 "--adjudicate", *FOUR_MOVES, "-o", str(out), *extra])


def table(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def texts(path, name):
    return [a.decode() for a in table(path, name)]


def next_message(ws, accept, seconds=60):
    """The next message `accept` takes; the white cell accepts any review on the way."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        m = receive(ws)
        if accept(m):
            return m
        if m["type"] == "review":
            ws.send(json.dumps({"type": "adjudicated"}))
    raise AssertionError("no such message in time")


def reply(ws, message):
    """Sends a white-cell message; returns its ack or error."""
    ws.send(json.dumps(message))
    return next_message(ws, lambda m: m["type"] in ("ack", "error"))


def form_copy(move):
    return lambda m: m["type"] == "copy" and m["message"]["type"] == "form" and \
        m["message"]["move"] >= move


def seats(links):
    players = {s: Seat(links[s], lambda item: "default") for s in SEATS}
    for p in players.values():
        p.start()
    return players


def injects_in_move_1(white):
    """Refusals, then a skip, an edit and a publish, while move 1's forms are out."""
    next_message(white, form_copy(1))
    bad = [({"type": "inject", "inject": 9, "op": "skip"}, "no inject 9"),
           ({"type": "inject", "inject": 0, "op": "drop"}, "skip, publish or edit"),
           ({"type": "inject", "inject": "0", "op": "skip"}, "index"),
           ({"type": "inject", "inject": 1, "op": "edit", "fields": {"colour": 1}},
            "not a key"),
           ({"type": "inject", "inject": 1, "op": "edit", "fields": {"evidence": 2}},
            "scheduled[1].evidence: expected a number in [0, 1]"),
           ({"type": "inject", "inject": 1, "op": "edit", "fields": {"target": "Nobody"}},
            "unknown attacker 'Nobody'"),
           ({"type": "inject", "inject": 1, "op": "edit", "fields": {"signers": ["Ally2"]}},
            "signers"),
           ({"type": "inject", "inject": 1, "op": "edit", "fields": {"day": 100}},
            "before the end of the move under way (day 365)"),
           ({"type": "inject", "inject": 1, "op": "edit"}, "fields"),
           ({"type": "inject", "inject": 1, "op": "skip", "reason": 7}, "reason"),
           ({"type": "jump", "day": 100}, "after the end of the move under way"),
           ({"type": "jump", "day": 99999}, "up to the session's end"),
           ({"type": "jump"}, "\"day\"")]
    for message, phrase in bad:
        m = reply(white, message)
        assert m["type"] == "error" and phrase in m["error"], (message, m)
    ok = [{"type": "inject", "inject": 0, "op": "skip", "reason": "the plenary wants quiet"},
          {"type": "inject", "inject": 1, "op": "edit", "reason": "a stronger text",
           "fields": {"action": "coordinate", "signers": ["Ally2"], "evidence": 0.6,
                      "day": 620}},
          {"type": "inject", "inject": 2, "op": "publish", "reason": "now, not in year 4"}]
    for message in ok:
        m = reply(white, message)
        assert m["type"] == "ack" and m["day"] == 365.0, m
    listed = next_message(white, lambda m: m["type"] == "injects")["injects"]
    assert [i["pending"] for i in listed] == [False, True, False]
    assert listed[1]["action"] == "coordinate" and listed[1]["signers"] == ["Ally2"]
    assert listed[2]["day"] == 365.0
    # What is done cannot be undone: inject 0 is off, inject 2 happens at the move's end.
    m = reply(white, {"type": "inject", "inject": 0, "op": "skip"})
    assert m["type"] == "error" and "off already" in m["error"], m
    m = reply(white, {"type": "inject", "inject": 2, "op": "skip"})
    assert m["type"] == "error" and "has happened" in m["error"], m


def rest_of_session(white, links):
    """Ends move 1, jumps from move 2 to day 1200 (the rest of move 2 and move 3 take their
    defaults), and lets the seats play move 4; the white cell overrides the first outcome
    the model proposes in move 4 (refused without a reason), and accepts the rest."""
    white.send(json.dumps({"type": "end_move"}))
    next_message(white, form_copy(2))
    m = reply(white, {"type": "jump", "day": 1200})
    assert m["type"] == "ack" and m["day"] == 1200, m
    players = seats(links)
    review = next_message(white, lambda m: m["type"] == "review" and
                          m["adjudications"][0]["move"] == 4)
    first = review["adjudications"][0]
    assert first["proposed"] == first["options"][0] and first["reasons"], first
    assert first["reasons"][0].startswith("consent rule: ")
    ruling = {"type": "override", "incident": first["incident"], "outcome": first["options"][1]}
    for reason, phrase in ((None, "needs a reason"), ("  ", "needs a reason")):
        m = reply(white, {**ruling, **({"reason": reason} if reason else {})})
        assert m["type"] == "error" and phrase in m["error"], m
    m = reply(white, {**ruling, "outcome": first["proposed"], "reason": "same"})
    assert m["type"] == "error" and "the model's proposal" in m["error"], m
    m = reply(white, {**ruling, "incident": 10 ** 9, "reason": "x"})
    assert m["type"] == "error" and "no statement" in m["error"], m
    m = reply(white, {**ruling, "reason": "the allies' capitals disagree"})
    assert m["type"] == "ack" and m["outcome"] == first["options"][1], m
    white.send(json.dumps({"type": "adjudicated"}))
    next_message(white, lambda m: m["type"] == "end", 120)
    white.close()
    players["ruling"] = (first["incident"], first["proposed"], first["options"][1])
    return players


def finish(proc, players, timeout=120):
    for p in (p for p in players.values() if isinstance(p, Seat)):
        p.join(timeout)
        assert not p.is_alive() and p.error is None, p.error
    assert proc.wait(timeout) == 0, proc.stderr.read()


@pytest.fixture(scope="module")
def whole(binary, source_dir, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("white")
    path = scenario(tmp, source_dir)
    out = tmp / "session.h5"
    proc, links = serve(binary, path, out)
    try:
        white = connect(links["white cell"])
        assert receive(white)["role"] == "white cell"
        observer = Seat(links["observers"])
        observer.start()
        injects_in_move_1(white)
        players = rest_of_session(white, links)
        players["observer"] = observer
        finish(proc, players)
    finally:
        if proc.poll() is None:
            proc.kill()
    return path, out, players


def test_injects_and_a_jump_are_decisions_that_change_the_world(whole):
    path, out, players = whole
    d = table(out, "/wargame/decisions")
    words = texts(out, "/wargame/actions")
    injects = [(r["turn"], r["day"], r["move"], w) for r, w in zip(d, words) if r["kind"] == INJECT]
    assert injects == [
        (0, 365.0, 1, "skip"),
        (1, 365.0, 1, 'edit {action = "coordinate", day = 620.0, evidence = 0.6, '
                      'signers = ["Ally2"]}'),
        (2, 365.0, 1, "publish")]
    reasons = [t for r, t in zip(d, texts(out, "/wargame/rationales")) if r["kind"] == INJECT]
    assert reasons == ["the plenary wants quiet", "a stronger text", "now, not in year 4"]
    # Move 1 was ended by the white cell (timeout), moves 2 and 3 jumped; move 4 played.
    asked = (d["kind"] != INJECT) & (d["kind"] != OVERRIDE)
    by_move = {m: set(d["source"][(d["move"] == m) & asked]) for m in (1, 2, 3, 4)}
    assert by_move == {1: {3}, 2: {JUMP}, 3: {JUMP}, 4: {0}}
    # The override is a decision with its reason, and the model carried it out: the
    # statement's outcome is the white cell's, and so is what everyone was told.
    incident, proposed, ruled = players["ruling"]
    outcome = {"joint": 1, "split": 2, "unjoined": 3, "blocked": 4}
    rulings = [(r["incident"], r["recommended"], r["choice"], t)
               for r, t in zip(d, texts(out, "/wargame/rationales")) if r["kind"] == OVERRIDE]
    assert rulings == [(incident, outcome[proposed], outcome[ruled],
                        "the allies' capitals disagree")]
    inc = table(out, "/incidents")
    assert inc[inc["incident"] == incident]["statement"][0] == outcome[ruled]
    told = [m["outcome"] for m in players["observer"].received
            if m["type"] == "published" and m.get("incident") == incident]
    assert told == [ruled]
    # Everyone was told what the injects made public: inject 2 at the end of move 1 and
    # inject 1 as edited; the skipped one never happened.
    seen = [(m["inject"], m["day"], m["rung"], m["cosigners"])
            for m in players["observer"].received if m["type"] == "published" and "inject" in m]
    assert seen == [(2, 365.0, "sanction", ["Ally3"]), (1, 620.0, "coordinate", ["Ally2"])]
    # The world changed: two scheduled public acts, by Victim and Ally1.
    assert scheduled_acts(out) == {"Victim": 1, "Ally1": 1}


def scheduled_acts(path):
    with h5py.File(path, "r") as f:
        names = [s.decode() for s in f["/scenario/states"][()]]
    acts = {}
    for r in table(path, "/states"):
        if r["scheduled_acts"]:
            acts[names[r["state"]]] = acts.get(names[r["state"]], 0) + int(r["scheduled_acts"])
    return acts


def same_session(a, b):
    for name in ["/runs", "/timeseries", "/states", "/attackers", "/beliefs", "/incidents",
                 "/wargame/decisions", "/wargame/counterfactual/runs"]:
        x, y = table(a, name), table(b, name)
        assert x.shape == y.shape, name
        assert [c for c in x.dtype.names if c != "seconds" and not np.array_equal(x[c], y[c])] \
            == [], name
    for name in ["/wargame/actions", "/wargame/rationales"]:
        assert texts(a, name) == texts(b, name), name


def test_the_session_replays_from_its_exported_decisions_file(whole, cli, tmp_path):
    path, out, _ = whole
    decisions = tmp_path / "decisions.toml"
    assert cli("debrief", out, "--decisions", decisions, "-q").returncode == 0
    text = decisions.read_text()
    assert 'kind = "inject"' in text and 'source = "jump"' in text
    replay = tmp_path / "replay.h5"
    r = cli("wargame", path, *(a for s in SEATS for a in ("--play", s)), *FOUR_MOVES,
            "--decisions", decisions, "-o", replay)
    assert r.returncode == 0, r.stderr
    same_session(out, replay)
    # A counterfactual keeps only the injects, the doctrine playing, and publishes the
    # inject the white cell skipped: the world has one more public act.
    blocks = [b for b in text.split("\n[[decision]]\n") if 'kind = "inject"' in b]
    runs = {}
    for name, edit in (("as_is", lambda t: t), ("what_if", lambda t: t.replace(
            'choice = "skip"', 'choice = "publish"'))):
        f = tmp_path / f"{name}.toml"
        f.write_text("".join("\n[[decision]]\n" + edit(b) for b in blocks))
        r = cli("wargame", path, *(a for s in SEATS for a in ("--play", s)), *FOUR_MOVES,
                "--decisions", f, "--rest", "doctrine", "-o", tmp_path / f"{name}.h5")
        assert r.returncode == 0, r.stderr
        runs[name] = scheduled_acts(tmp_path / f"{name}.h5")
    assert runs == {"as_is": {"Victim": 1, "Ally1": 1}, "what_if": {"Victim": 2, "Ally1": 1}}


def test_a_server_killed_after_the_injects_resumes_to_the_same_session(whole, binary,
                                                                       tmp_path):
    path, reference, _ = whole
    out = tmp_path / "killed.h5"
    proc, links = serve(binary, path, out)
    white = connect(links["white cell"])
    assert receive(white)["role"] == "white cell"
    injects_in_move_1(white)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    journal = [line.split(" ")[0] for line in open(f"{out}.journal")]
    assert journal.count("answer") == 3 and "complete" not in journal
    proc, again = start_server(binary, ["--resume", str(out), "--white-cell", "--adjudicate"])
    try:
        white = connect(again["white cell"])
        assert receive(white)["role"] == "white cell"
        next_message(white, form_copy(1))
        white.send(json.dumps({"type": "injects"}))
        listed = next_message(white, lambda m: m["type"] == "injects")["injects"]
        assert [i["pending"] for i in listed] == [False, True, False]
        finish(proc, rest_of_session(white, again))
    finally:
        if proc.poll() is None:
            proc.kill()
    same_session(reference, out)


def test_seats_and_observers_may_not_send_the_white_cells_messages(binary, source_dir,
                                                                     tmp_path):
    path = scenario(tmp_path, source_dir)
    proc, links = serve(binary, path, tmp_path / "s.h5")
    try:
        for who, phrase in (("Ally1", "only the white cell"), ("observers", "observer")):
            ws = connect(links[who])
            receive(ws)
            for message in ({"type": "inject", "inject": 0, "op": "skip", "reason": "x"},
                            {"type": "jump", "day": 1000},
                            {"type": "override", "incident": 0, "outcome": "blocked",
                             "reason": "x"},
                            {"type": "adjudicated"}):
                ws.send(json.dumps(message))
                m = next_message(ws, lambda m: m["type"] == "error")
                assert phrase in m["error"], m
            ws.close()
    finally:
        proc.kill()
        proc.wait(10)
    journal = open(tmp_path / "s.h5.journal").read()
    assert "kind = 3" not in journal
