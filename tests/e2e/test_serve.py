"""`cyberdeter serve`: scripted seats play a coalition war-game over WebSocket on loopback
(docs/wargame.md, "The seat protocol"). Three seats (the victim and two allies), a white
cell and an observer play two moves of scenarios/coordinated_attribution.toml; the victim
drafts coordinated statements with evidence, one ally amends, the other speaks
separately. A seat that tries to read or act for another is refused, bad messages never
stop the server, and a server killed mid-session resumes from its journal to the session
an uninterrupted server gives."""

import json
import os
import signal
import socket
import subprocess
import time

import h5py
import numpy as np
import pytest

from seat_client import Seat, connect, receive, receive_until, start_server

SCENARIO = "scenarios/coordinated_attribution.toml"
SEATS = ["Victim", "Ally1", "Ally2"]
TWO_MOVES = ["--turn-days", "0", "--move-days", "365", "--horizon-days", "730"]
RESPOND, JOIN = 0, 1


def victim_policy(item):
    if item["kind"] == "respond":
        if "coordinate" in item["options"]:
            return "coordinate evidence 0.5 likelihood likely p 0.8"
        return "default"
    return "join"


POLICIES = {"Victim": victim_policy, "Ally1": lambda item: "amend evidence 0.2",
            "Ally2": lambda item: "separate"}


def serve(binary, source_dir, out, *extra):
    return start_server(binary, [str(source_dir / SCENARIO), *(f"--seat={s}" for s in SEATS),
                                 "--white-cell", *TWO_MOVES, "-o", str(out), *extra])


def play(links, stop_after_move=None):
    """Seats, the white cell and an observer, started; returns them by name."""
    players = {s: Seat(links[s], POLICIES[s], stop_after_move) for s in SEATS}
    players["white cell"] = Seat(links["white cell"], lambda item: None, stop_after_move)
    players["observer"] = Seat(links["observers"], None, stop_after_move)
    for p in players.values():
        p.start()
    return players


def finish(proc, players, timeout=60):
    for p in players.values():
        p.join(timeout)
        assert not p.is_alive(), "a seat did not see the end of the session"
        assert p.error is None, p.error
    assert proc.wait(timeout) == 0, proc.stderr.read()


def table(path, name):
    with h5py.File(path, "r") as f:
        return f[name][()]


def actions(path):
    return [a.decode() for a in table(path, "/wargame/actions")]


@pytest.fixture(scope="module")
def played(binary, source_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("serve") / "session.h5"
    proc, links = serve(binary, source_dir, out)
    players = play(links)
    finish(proc, players)
    return out, links, players


def test_seats_play_two_moves_with_a_joint_statement(played):
    out, links, players = played
    d = table(out, "/wargame/decisions")
    words = actions(out)
    assert set(d["move"]) == {1, 2}
    assert np.all(d["source"] == 0), "every question was answered by its seat"
    victim, ally1, ally2 = 0, 1, 2
    coordinated = [w for w, r in zip(words, d) if r["state"] == victim and r["kind"] == RESPOND
                   and w.startswith("coordinate")]
    assert coordinated and all(w == "coordinate evidence 0.5 likelihood likely p 0.8"
                               for w in coordinated)
    assert {w for w, r in zip(words, d) if r["state"] == ally1} == {"amend evidence 0.2"}
    assert {w for w, r in zip(words, d) if r["state"] == ally2} == {"separate"}
    # The model saw what was published: joint texts with the amended (least) evidence,
    # and split ones where Ally2 spoke apart.
    inc = table(out, "/incidents")
    ours = inc[(inc["victim"] == victim) & (inc["invited"] > 0) & (inc["rung_final"] > 0)]
    assert len(ours) > 0
    assert set(ours["statement"]) <= {1, 2, 3}
    assert np.any(ours["statement"] == 2) and np.any(ours["separate"] == 1)
    # Ally1's amendment lowers the evidence of every text it co-signs; Ally3 and Ally4,
    # played by the model, concur with the victim's draft as it stands.
    assert set(ours["evidence"]) == {0.2, 0.5}
    assert np.all(ours["evidence"][ours["signers"] == 1] == 0.5)
    # The hotwash scores the victim's stated probability (0.8) against the true culprits.
    summary = players["Victim"].received[-1]["summary"]
    stated = [(w, r) for w, r in zip(words, d) if r["state"] == victim and " p 0.8" in w]
    right = sum(1 for _, r in stated if inc[inc["incident"] == r["incident"]]["correct"][0])
    brier = (right * 0.2 ** 2 + (len(stated) - right) * 0.8 ** 2) / len(stated)
    line = next(l for l in summary.splitlines() if l.strip().startswith("Victim") and "Brier" in l)
    assert f"{len(stated)} stated" in line and f"{right} right" in line
    assert f"Brier score {brier:.3f}" in line


def test_each_seat_sees_only_its_own_channel_and_observers_only_what_is_public(played):
    out, links, players = played
    for s in SEATS:
        got = players[s].received
        assert got[0] == {"type": "welcome", "scenario": got[0]["scenario"], "seat": s,
                          "role": "seat"}
        forms = [m for m in got if m["type"] == "form"]
        assert forms and all(m["seat"] == s for m in forms)
        assert all(m.get("seat", s) == s for m in got if m["type"] in ("form", "turn", "notice"))
        others = [o for o in SEATS if o != s]
        for m in forms:
            for item in m["items"]:
                assert f"| {s.upper()} |" in item["brief"]
                assert not any(f"| {o.upper()} |" in item["brief"] for o in others)
    white = players["white cell"].received
    assert {m["to"] for m in white if m["type"] == "copy"} == set(SEATS)
    observer = players["observer"].received
    assert {m["type"] for m in observer} == {"welcome", "move", "published", "end"}
    assert not any(k in m for m in observer for k in ("brief", "draft", "items", "message"))
    # Each statement or sanction that went public, once, to observers and every seat alike,
    # as the model carried it: who names whom, with whom, the words, the evidence, the day.
    published = [m for m in observer if m["type"] == "published"]
    assert len({m["incident"] for m in published}) == len(published)
    for s in [*SEATS, "white cell"]:
        assert [m for m in players[s].received if m["type"] == "published"] == published
    inc = table(out, "/incidents")
    public = inc[inc["rung_final"] > 0]
    assert sorted(m["incident"] for m in published) == sorted(public["incident"].tolist())
    outcomes = ["alone", "joint", "split", "unjoined", "blocked"]
    for m in published:
        row = public[public["incident"] == m["incident"]][0]
        assert m["day"] == pytest.approx(row["response_day"])
        assert m["evidence"] == pytest.approx(row["evidence"])
        assert m["outcome"] == outcomes[row["statement"]]
        assert len(m["cosigners"]) == row["signers"] - 1
        assert len(m["separate"]) == row["separate"]
        if m["lead"] == "Victim" and m["outcome"] in ("joint", "split"):
            assert m["likelihood"] == "likely"
            assert m["evidence"] == pytest.approx(0.2 if "Ally1" in m["cosigners"] else 0.5)
            assert ("Ally2" in m["separate"]) == (m["outcome"] == "split")
    assert any(m["outcome"] == "split" for m in published)
    # The message log holds every message, and never a token.
    log = [json.loads(line) for line in open(f"{out}.messages")]
    assert {e["dir"] for e in log} == {"in", "out"}
    assert sum(1 for e in log if e["dir"] == "in" and e["message"].get("type") == "answer") >= \
        len(table(out, "/wargame/decisions"))
    text = open(f"{out}.messages").read()
    for url in links.values():
        if "token=" in url:
            assert url.split("token=")[1] not in text
    assert oct(os.stat(f"{out}.tokens").st_mode & 0o777) == "0o600"


def assert_closed(ws):
    """The server closed the connection (within a bounded number of messages)."""
    for _ in range(10000):
        try:
            if not ws.recv():
                return
        except Exception:
            return
    raise AssertionError("the connection stayed open")


def expect_error(ws, phrase):
    while True:
        m = receive(ws)
        if m["type"] == "error":
            assert phrase in m["error"], m
            return m


def test_a_seat_cannot_read_or_act_for_another_and_bad_messages_never_crash(binary, source_dir,
                                                                            tmp_path):
    out = tmp_path / "s.h5"
    proc, links = serve(binary, source_dir, out)
    try:
        token = {s: links[s].split("token=")[1] for s in SEATS}
        url = links["Victim"].split("?")[0]
        # Another seat's name with one's own token, a wrong token, the white cell's name.
        for seat, tok in [("Victim", token["Ally1"]), ("Ally1", "0" * 32), ("Ally1", ""),
                          ("white cell", token["Ally1"]), ("Nobody", token["Ally1"])]:
            ws = connect(f"{url}?seat={seat}&token={tok}")
            m = receive(ws)
            assert m["type"] == "error" and "not its token" in m["error"], m
            assert_closed(ws)
        ally = connect(links["Ally1"])
        assert receive(ally)["role"] == "seat"
        ally.send(json.dumps({"type": "read", "seat": "Victim"}))
        expect_error(ally, "only its own channel")
        ally.send(json.dumps({"type": "answer", "seat": "Victim", "item": 0, "choice": "quiet"}))
        expect_error(ally, "only for itself")
        ally.send(json.dumps({"type": "action", "seat": "Victim", "words": "done"}))
        expect_error(ally, "only for itself")
        ally.send(json.dumps({"type": "end_move"}))
        expect_error(ally, "only the white cell")
        ally.send(json.dumps({"type": "answer", "item": 10 ** 9, "choice": "join"}))
        expect_error(ally, "item")
        for bad in ["", "{", "[]", "null", '{"type": 3}', '{"type":"x"}', "\xff" * 10,
                    '{"a":' * 100 + "1" + "}" * 100, json.dumps({"type": "answer", "item": 0,
                                                                "choice": "x" * 5000})]:
            ally.send(bad)
            assert receive(ally)["type"] == "error"
        observer = connect(links["observers"])
        assert receive(observer)["role"] == "observer"
        observer.send(json.dumps({"type": "answer", "item": 0, "choice": "join"}))
        expect_error(observer, "observer")
        observer.send(json.dumps({"type": "read", "seat": "Victim"}))
        expect_error(observer, "observer")
        # A message over the size limit closes that connection, not the server.
        big = connect(links["Ally2"])
        receive(big)
        big.send("x" * (70 * 1024))
        assert_closed(big)
        # Faster than the rate limit: refused, then closed.
        flood = connect(links["Ally2"])
        receive(flood)
        for _ in range(300):
            flood.send('{"type":"read"}')
        expect_error(flood, "too many messages")
        assert_closed(flood)
        # Raw bytes that are not a WebSocket handshake.
        with socket.create_connection(("127.0.0.1", int(url.split(":")[2].strip("/")))) as raw:
            raw.sendall(os.urandom(4096))
        # Still serving: the seats play the session to its end.
        ally.close()
        observer.close()
        players = play(links)
        finish(proc, players)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_killed_server_resumes_from_its_journal_to_the_same_session(binary, source_dir,
                                                                      tmp_path, played):
    whole = played[0]
    out = tmp_path / "killed.h5"
    proc, links = serve(binary, source_dir, out)
    players = play(links, stop_after_move=1)
    for p in players.values():
        p.join(60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert not out.exists()
    journal = [line.split(" ")[0] for line in open(f"{out}.journal")]
    assert "answer" in journal and "complete" not in journal, "killed mid-session"
    proc, again = start_server(binary, ["--resume", str(out), "--white-cell"])
    try:
        # The seats keep their links' tokens (the port is new).
        tokens = {s: u.split("token=")[1] for s, u in links.items() if "token=" in u}
        assert {s: u.split("token=")[1] for s, u in again.items() if "token=" in u} == tokens
        finish(proc, play(again))
    finally:
        if proc.poll() is None:
            proc.kill()
    for name in ["/wargame/decisions", "/incidents"]:
        a, b = table(whole, name), table(out, name)
        assert a.shape == b.shape, name
        assert [c for c in a.dtype.names if c != "seconds" and not np.array_equal(a[c], b[c])] \
            == [], name
    assert actions(out) == actions(whole)
    assert [r.decode() for r in table(out, "/wargame/rationales")] == \
        [r.decode() for r in table(whole, "/wargame/rationales")]


def test_unanswered_questions_take_their_defaults_at_the_deadline(binary, source_dir, tmp_path):
    out = tmp_path / "s.h5"
    started = time.time()
    proc, links = serve(binary, source_dir, out, "--move-minutes", "0.02")
    # Nobody answers: every question takes its default when the move's time runs out.
    observer = Seat(links["observers"])
    observer.start()
    observer.join(60)
    assert proc.wait(60) == 0
    d = table(out, "/wargame/decisions")
    assert len(d) > 0 and np.all(d["source"] == 3)
    assert time.time() - started >= 2 * 0.02 * 60


def test_the_white_cell_ends_a_move(binary, source_dir, tmp_path):
    out = tmp_path / "s.h5"
    proc, links = serve(binary, source_dir, out)
    white = connect(links["white cell"])
    assert receive(white)["role"] == "white cell"
    deadline = time.time() + 60
    while proc.poll() is None and time.time() < deadline:
        try:
            white.send(json.dumps({"type": "end_move"}))
        except Exception:
            break  # the session ended and closed the connection
        time.sleep(0.2)
    assert proc.wait(60) == 0
    assert np.all(table(out, "/wargame/decisions")["source"] == 3)


@pytest.mark.parametrize("args, message", [
    (["--bind", "not-an-address"], "not an IP address"),
    (["--seat", "Atlantis"], "no such state"),
])
def test_bad_serve_command_lines_exit_2(binary, source_dir, tmp_path, cli, args, message):
    r = cli("serve", source_dir / SCENARIO, "--seat", "Victim", *args, "-o", tmp_path / "s.h5")
    assert r.returncode == 2, r.stderr
    assert message in r.stderr


def test_a_dropped_seat_rejoins_with_its_token_and_finds_its_answers(binary, source_dir,
                                                                     tmp_path):
    out = tmp_path / "s.h5"
    proc, links = serve(binary, source_dir, out)
    try:
        ws = connect(links["Ally1"])
        assert receive(ws)["type"] == "welcome"
        form = receive_until(ws, "form")  # a move may open in between
        assert not form["items"][0]["answered"]
        ws.send(json.dumps({"type": "answer", "item": 0, "choice": "separate"}))
        while receive(ws)["type"] != "ack":
            pass
        ws.close()
        again = connect(links["Ally1"])
        assert receive(again)["type"] == "welcome"
        form = receive_until(again, "form")
        assert [i["answered"] for i in form["items"]][:2] == [True, False]
        again.close()
        finish(proc, play(links))
        # The answer given before the drop was kept (the victim's drafts may then have
        # changed the question, which Ally1 answered again: "Moves").
        answers = [line for line in open(f"{out}.journal") if line.startswith("answer")]
        assert any('"separate"' in line for line in answers)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_white_cell_pauses_the_clock(binary, source_dir, tmp_path):
    out = tmp_path / "s.h5"
    proc, links = serve(binary, source_dir, out, "--move-minutes", "0.02")
    try:
        white = connect(links["white cell"])
        assert receive(white)["role"] == "white cell"
        white.send(json.dumps({"type": "pause"}))
        while True:
            m = receive(white)
            if m["type"] == "clock":
                assert m["phase"] == "paused"
                break
        # Unpaused, the two moves of 1.2 s would be over by now.
        time.sleep(4)
        assert proc.poll() is None, "the deadline passed during the pause"
        white.send(json.dumps({"type": "resume"}))
        assert proc.wait(60) == 0
        assert np.all(table(out, "/wargame/decisions")["source"] == 3)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_the_white_cell_reads_the_master_events_list_and_no_one_else(binary, source_dir,
                                                                       tmp_path):
    scenario = tmp_path / "injects.toml"
    scenario.write_text((source_dir / SCENARIO).read_text() + """
[[scheduled]]
name = "Victim and Ally1 name GroupA"
state = "Victim"
action = "coordinate"
target = "GroupA"
signers = ["Ally1"]
separate = ["Ally2"]
evidence = 0.3
day = 500
""")
    proc, links = start_server(binary, [str(scenario), *(f"--seat={s}" for s in SEATS),
                                        "--white-cell", *TWO_MOVES, "-o", str(tmp_path / "i.h5")])
    try:
        white = connect(links["white cell"])
        assert receive(white)["role"] == "white cell"
        white.send(json.dumps({"type": "injects"}))
        got = receive_until(white, "injects")
        assert got["injects"] == [{
            "inject": 0, "name": "Victim and Ally1 name GroupA", "enabled": True,
            "state": "Victim", "action": "coordinate", "trigger": "day", "day": 500.0,
            "evidence": 0.3, "target": "GroupA", "signers": ["Ally1"], "separate": ["Ally2"],
            "pending": True, "open": True}]
        for who, why in (("Ally1", "only the white cell"), ("observers", "observer")):
            ws = connect(links[who])
            receive(ws)
            ws.send(json.dumps({"type": "injects"}))
            expect_error(ws, why)
            ws.close()
        white.close()
    finally:
        proc.kill()
        proc.wait(10)


# --- intelligence and sharing (docs/wargame.md, "Intelligence and sharing") ---

def inbox_of(ws):
    """The connection's inbox, as the server sends it on request."""
    ws.send(json.dumps({"type": "inbox"}))
    return receive_until(ws, "inbox")["items"]


def first_items(ws):
    """The items of the seat's inbox once its first form is out (its questions' items
    are in the inbox before the form goes out)."""
    receive_until(ws, "form")
    return inbox_of(ws)


def test_a_seat_shares_intelligence_only_where_releasable_and_reads_no_other(binary, source_dir,
                                                                            tmp_path):
    out = tmp_path / "s.h5"
    # Ally2 is not aligned with the victim: it would not be invited, so the victim's
    # assessments are not releasable to it.
    proc, links = serve(binary, source_dir, out, "--set", "states.Victim.alignment.Ally2=0")
    try:
        seats = {s: connect(links[s]) for s in SEATS}
        white = connect(links["white cell"])
        assert receive(white)["role"] == "white cell"
        items = first_items(seats["Victim"])
        assert items, "the victim's cases bring its analysts' assessments"
        for it in items:
            assert it["holder"] == it["originator"] == "Victim"
            assert it["shared_by"] is None and it["shared_with"] == []
            assert it["releasability"] == "REL TO Ally1" and it["releasable_to"] == ["Ally1"]
            # Likelihood and confidence are stated apart.
            assert it["likelihood"].split(" (")[0] in (
                "almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely",
                "very likely", "almost certain")
            assert it["confidence"].split(" ")[0] in ("high", "moderate", "low")
            assert it["source"].startswith("Victim's own analysts")
        first = items[0]["item"]
        for s in ("Ally1", "Ally2"):
            theirs = inbox_of(seats[s])
            assert all(i["holder"] == s for i in theirs), f"{s} reads nothing of the victim's"
            assert first not in [i["item"] for i in theirs]
            # Asking for another seat's item by its id: refused as if it did not exist.
            seats[s].send(json.dumps({"type": "item", "item": first}))
            assert expect_error(seats[s], "not in your inbox")["error"] == \
                f"item {first} is not in your inbox"
            seats[s].send(json.dumps({"type": "share", "item": first, "with": ["Ally1"]}))
            expect_error(seats[s], "not in your inbox")
        victim = seats["Victim"]
        victim.send(json.dumps({"type": "share", "item": first, "with": ["Ally2"]}))
        expect_error(victim, "not releasable to Ally2")
        victim.send(json.dumps({"type": "share", "item": first, "with": ["Ally1"],
                                "seat": "Ally1"}))
        expect_error(victim, "only its own")
        for bad in [{"type": "share"}, {"type": "share", "item": first},
                    {"type": "share", "item": first, "with": "Ally1"},
                    {"type": "share", "item": first, "with": ["Nobody"]},
                    {"type": "share", "item": first, "with": ["Victim"]},
                    {"type": "share", "item": 1.5, "with": ["Ally1"]},
                    {"type": "share", "item": -1, "with": ["Ally1"]},
                    {"type": "share", "item": first, "with": ["Ally1", "Ally1"]},
                    {"type": "item", "item": "x"}, {"type": "item"}]:
            victim.send(json.dumps(bad))
            assert receive_until(victim, "error")
        victim.send(json.dumps({"type": "share", "item": first, "with": ["Ally1"]}))
        ack = receive_until(victim, "ack")
        assert ack == {"type": "ack", "shared": first, "with": ["Ally1"]}
        got = receive_until(seats["Ally1"], "intel")["item"]
        assert got["item"] == first and got["shared_by"] == "Victim"
        assert "shared_with" not in got, "a recipient does not learn who else received it"
        assert {k: v for k, v in got.items() if k not in ("shared_by",)} == \
            {k: v for k, v in items[0].items() if k not in ("shared_by", "shared_with",
                                                             "releasable_to")}
        ally1 = inbox_of(seats["Ally1"])
        assert [i["item"] for i in ally1 if i["holder"] != "Ally1"] == [first]
        assert all(i["holder"] == "Ally2" for i in inbox_of(seats["Ally2"]))
        # Ally1's invitations came with the victim's assessment, under the victim's control.
        invited = [i for i in ally1 if i["holder"] == "Ally1"]
        assert invited, "the victim's drafts invite Ally1"
        assert all(i["originator"] == "Victim" and i["releasable_to"] == [] and
                   i["releasability"].startswith("ORCON Victim") for i in invited)
        seats["Ally1"].send(json.dumps({"type": "share", "item": invited[0]["item"],
                                        "with": ["Ally2"]}))
        expect_error(seats["Ally1"], "ORCON")
        mine = {i["item"]: i for i in inbox_of(victim)}
        assert mine[first]["shared_with"] == ["Ally1"]
        victim.send(json.dumps({"type": "share", "item": first, "with": ["Ally1"]}))
        expect_error(victim, "already")
        # A recipient may not pass it on.
        seats["Ally1"].send(json.dumps({"type": "share", "item": first, "with": ["Ally2"]}))
        expect_error(seats["Ally1"], "only its holder")
        # The white cell sees every item and every share, as copies and in its inbox.
        copies = []
        while True:
            m = receive(white)
            if m["type"] == "copy" and m["message"]["type"] == "intel" and \
                    m["message"]["item"].get("shared_by") == "Victim":
                copies.append(m)
                break
        assert copies[0]["to"] == "Ally1"
        everything = {i["item"]: i for i in inbox_of(white)}
        assert set(everything) >= set(mine)
        assert everything[first]["shared_with"] == ["Ally1"]
        # The observer reads no intelligence.
        observer = connect(links["observers"])
        receive(observer)
        observer.send(json.dumps({"type": "inbox"}))
        expect_error(observer, "observer")
        log = [json.loads(line) for line in open(f"{out}.intel")]
        assert [e for e in log if e["kind"] == "share"] == \
            [{"kind": "share", "item": first, "from": 0, "to": [1]}]
    finally:
        proc.kill()
        proc.wait(10)


def test_a_killed_server_resumes_with_every_inbox_as_it_was(binary, source_dir, tmp_path):
    out = tmp_path / "killed.h5"
    proc, links = serve(binary, source_dir, out)
    try:
        victim = connect(links["Victim"])
        items = first_items(victim)
        victim.send(json.dumps({"type": "share", "item": items[0]["item"],
                                "with": ["Ally1", "Ally2"]}))
        receive_until(victim, "ack")
        if len(items) > 1:
            victim.send(json.dumps({"type": "share", "item": items[-1]["item"],
                                    "with": ["Ally2"]}))
            receive_until(victim, "ack")
        before = {}
        for name in [*SEATS, "white cell"]:
            ws = victim if name == "Victim" else connect(links[name])
            before[name] = inbox_of(ws)
        for ally in ("Ally1", "Ally2"):
            assert any(i["item"] == items[0]["item"] and i["shared_by"] == "Victim"
                       for i in before[ally]), ally
        assert len(before["white cell"]) >= len(items)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    proc, again = start_server(binary, ["--resume", str(out), "--white-cell"])
    try:
        for name in [*SEATS, "white cell"]:
            ws = connect(again[name])
            # On joining, a seat receives its inbox as it was.
            assert receive_until(ws, "inbox")["items"] == before[name], name
            assert inbox_of(ws) == before[name], name
            ws.close()
    finally:
        proc.kill()
        proc.wait(10)


def test_every_seat_receives_its_hotwash_as_debrief_computes_it(played, binary):
    out, links, players = played
    d = table(out, "/wargame/decisions")
    words = actions(out)
    inc = table(out, "/incidents")
    with h5py.File(out, "r") as f:
        attackers = [n.decode() if isinstance(n, bytes) else n
                     for n in f["/scenario/attackers"][()]]
    end = players["observer"].received[-1]
    assert end["type"] == "end"
    for s in [*SEATS, "white cell"]:
        assert players[s].received[-1]["hotwash"] == end["hotwash"]
    hot = {h["seat"]: h for h in end["hotwash"]}
    assert list(hot) == SEATS
    debrief = subprocess.run([binary, "debrief", str(out)], capture_output=True, text=True,
                             check=True).stdout
    for n, seat in enumerate(SEATS):
        h = hot[seat]
        mine = [(w, r) for w, r in zip(words, d) if r["state"] == n and r["kind"] in (RESPOND, JOIN)]
        assert [c["incident"] for c in h["cases"]] == [int(r["incident"]) for _, r in mine]
        assert [c["choice"] for c in h["cases"]] == [w for w, _ in mine]
        for c in h["cases"]:
            row = inc[inc["incident"] == c["incident"]][0]
            assert c["culprit"] == attackers[row["attacker"]]
            assert c["correct"] == bool(row["correct"])
            assert c["invited"] == (seat != "Victim")
        # The Brier score of the seat's stated probabilities, from the file.
        stated = [(0.8, bool(inc[inc["incident"] == r["incident"]]["correct"][0]))
                  for w, r in mine if " p 0.8" in w]
        if stated:
            assert h["brier"]["stated"] == len(stated)
            assert h["brier"]["score"] == pytest.approx(
                sum((p - y) ** 2 for p, y in stated) / len(stated))
        else:
            assert h["brier"] is None
        # The counterfactual rows are debrief's table for this seat's state.
        rows = [r for r in h["comparison"] if r["section"] == seat]
        assert rows
        lines = debrief.splitlines()
        start = lines.index(" " + seat)
        for r in rows:
            text = lines[start + 1 + rows.index(r)].split()
            values = [float(v) for v in text[len(r["label"].split()):][:2]]
            assert values == [pytest.approx(r["session"], abs=10 ** -r["decimals"]),
                              pytest.approx(r["doctrine"], abs=10 ** -r["decimals"])], r


def test_shared_intelligence_changes_nothing_in_the_history(binary, source_dir, tmp_path, played):
    """Sharing is information only (docs/model.md §7.6): the same answers with every
    releasable item shared give the session of the room that shared nothing."""
    whole = played[0]
    out = tmp_path / "shared.h5"
    proc, links = serve(binary, source_dir, out)
    try:
        sharer = connect(links["Victim"])
        receive_until(sharer, "form")
        players = play(links)
        shared = 0
        for item in inbox_of(sharer):
            if item["holder"] == "Victim" and item["releasable_to"]:
                sharer.send(json.dumps({"type": "share", "item": item["item"],
                                        "with": item["releasable_to"]}))
                receive_until(sharer, "ack")
                shared += 1
        assert shared > 0
        sharer.close()
        finish(proc, players)
    finally:
        if proc.poll() is None:
            proc.kill()
    # Ally1 received every share, live or in the inbox sent when it joined.
    got = {i["item"] for m in players["Ally1"].received
           for i in ([m["item"]] if m["type"] == "intel" else m.get("items", [])
                     if m["type"] == "inbox" else [])
           if i["shared_by"] == "Victim"}
    assert len(got) == shared
    for name in ["/wargame/decisions", "/incidents"]:
        a, b = table(whole, name), table(out, name)
        assert a.shape == b.shape, name
        assert [c for c in a.dtype.names if c != "seconds" and not np.array_equal(a[c], b[c])] \
            == [], name
