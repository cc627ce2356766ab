"""Scripted seats for `cyberdeter serve` (docs/wargame.md, "The seat protocol"): a seat
connects with its token, answers every question of its forms by a policy, ends its turns,
and keeps every message it received."""

import json
import re
import subprocess
import threading
import time
from urllib.parse import parse_qs, urlparse

import websocket  # python3-websocket (websocket-client), installed by scripts/install-deps.sh

TIMEOUT = 30


def start_server(binary, args, cwd=None):
    """Starts `cyberdeter serve ARGS`; returns (process, {seat: url}) once it listens."""
    proc = subprocess.Popen([binary, "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=cwd)
    links, lines = {}, []
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("the server stopped: " + "".join(lines) + proc.stderr.read())
        lines.append(line)
        m = re.match(r"^  (.+?): (ws://\S+)$", line)
        if m:
            links[m.group(1)] = m.group(2)
            if m.group(1) == "observers":
                break
    # The rest of stdout is drained so that the server never blocks on a full pipe.
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return proc, links


def connect(url):
    """A connection with the hello its link stands for."""
    q = parse_qs(urlparse(url).query)
    ws = websocket.create_connection(url.split("?")[0], timeout=TIMEOUT)
    hello = {"type": "hello", "seat": q["seat"][0]}
    if "token" in q:
        hello["token"] = q["token"][0]
    ws.send(json.dumps(hello))
    return ws


def receive(ws):
    return json.loads(ws.recv())


def receive_until(ws, kind, limit=1000):
    """The next message of type `kind`, skipping others (a move may open, the clock tick,
    or the white cell receive copies of every seat's intelligence, between two messages a
    test expects); fails after `limit` others."""
    for _ in range(limit):
        m = receive(ws)
        if m["type"] == kind:
            return m
    raise AssertionError(f"no '{kind}' message in {limit}")


class Seat(threading.Thread):
    """Plays a seat until the session ends or `stop_after_move` closes."""

    def __init__(self, url, policy=None, stop_after_move=None):
        super().__init__(daemon=True)
        self.url, self.policy = url, policy or (lambda item: "default")
        self.stop_after_move = stop_after_move
        self.received, self.error = [], None
        self.answered = set()

    def run(self):
        try:
            ws = connect(self.url)
            while True:
                try:
                    raw = ws.recv()
                except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
                    return
                if not raw:
                    return
                msg = json.loads(raw)
                self.received.append(msg)
                if msg["type"] == "end":
                    return
                if msg["type"] == "form":
                    for item in msg["items"]:
                        key = (msg["round"], item["item"])
                        if item["answered"] or key in self.answered:
                            continue
                        self.answered.add(key)
                        ws.send(json.dumps({"type": "answer", "move": msg["move"],
                                            "item": item["item"], "choice": self.policy(item),
                                            "rationale": "scripted"}))
                if msg["type"] == "turn":
                    ws.send(json.dumps({"type": "action", "words": "done"}))
                if (msg["type"] == "move" and msg["phase"] == "closed"
                        and self.stop_after_move is not None
                        and msg["move"] >= self.stop_after_move):
                    ws.close()
                    return
        except Exception as e:  # reported by the test
            self.error = e
