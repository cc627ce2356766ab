#!/usr/bin/env python3
"""Load test of `cyberdeter serve` on loopback: 12 seats and 20 observers for 50 moves
(bench/README.md, "The seat server under load").

The world is scenarios/coordinated_attribution.toml with seven more allies (Victim and
Ally1..Ally11 are the 12 seats). Every seat answers every question of every form at once
("default" for the victim's cases, "join" or "separate" for invitations); observers only
read. It checks that nothing is lost — every answer acknowledged, every observer given
every public message the server logged, every question of the session file answered by
its seat — and reports the wall time, the messages and the server's peak memory (VmHWM)
sampled per move. Usage: bench/serve_load.py BINARY [SOURCE_DIR]"""

import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
from seat_client import Seat, start_server  # noqa: E402

MOVES, SEATS, OBSERVERS, MOVE_DAYS = 50, 12, 20, 73


def world(source):
    text = (source / "scenarios/coordinated_attribution.toml").read_text()
    extra_alignment = "".join(f"Ally{i} = 0.8\n" for i in range(5, SEATS))
    text = text.replace("Ally4 = 0.8                   # [M]\n",
                        "Ally4 = 0.8                   # [M]\n" + extra_alignment)
    block = re.search(r"\[states\.Ally4\]\n(?:.*\n)*?\n", text).group(0)
    text = text.replace(block, block + "".join(block.replace("Ally4", f"Ally{i}")
                                               for i in range(5, SEATS)))
    return text


def peak_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    binary = sys.argv[1]
    source = Path(sys.argv[2] if len(sys.argv) > 2 else Path(__file__).resolve().parents[1])
    tmp = Path(tempfile.mkdtemp(prefix="serve_load."))
    scenario = tmp / "load.toml"
    scenario.write_text(world(source))
    seats = ["Victim"] + [f"Ally{i}" for i in range(1, SEATS)]
    out = tmp / "load.h5"
    started = time.time()
    proc, links = start_server(binary, [str(scenario), *(f"--seat={s}" for s in seats),
                                        "--turn-days", "0", "--move-days", str(MOVE_DAYS),
                                        "--horizon-days", str(MOVES * MOVE_DAYS), "-o", str(out),
                                        # Scripted seats answer a form at machine speed.
                                        "--max-rate", "100000"])
    policy = {s: (lambda item: "default") for s in seats}
    policy.update({f"Ally{i}": (lambda item: "separate") for i in range(1, SEATS, 2)})
    policy.update({f"Ally{i}": (lambda item: "join") for i in range(2, SEATS, 2)})
    players = [Seat(links[s], policy[s]) for s in seats]
    observers = [Seat(links["observers"]) for _ in range(OBSERVERS)]
    peak, samples = [0], []

    def sample():
        while proc.poll() is None:
            kib = peak_kib(proc.pid)
            if kib:
                peak[0] = kib
                samples.append(kib)
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    for p in players + observers:
        p.start()
    for p in players + observers:
        p.join(600)
    rc = proc.wait(600)
    wall = time.time() - started
    assert rc == 0, proc.stderr.read()
    for p in players + observers:
        assert p.error is None, p.error
        assert p.received and p.received[-1]["type"] == "end", "a connection missed the end"
    # Nothing lost: every answer sent was acknowledged...
    for p in players:
        acks = sum(1 for m in p.received if m["type"] == "ack")
        assert acks == len(p.answered), (p.url, acks, len(p.answered))
    # ... every observer saw every public message after it joined ...
    log = [json.loads(line) for line in open(f"{out}.messages")]
    public = [e["message"] for e in log if e["peer"] == "all"]
    moves = {m["move"] for m in public if m["type"] == "move"}
    # (a move in which no seat has a question puts out no form, and no message)
    assert moves <= set(range(1, MOVES + 1)) and max(moves) == MOVES, sorted(moves)
    # (every kind the server broadcast: moves, what went public, the clock, the end)
    broadcast = {m["type"] for m in public}
    for o in observers:
        seen = [m for m in o.received if m["type"] in broadcast]
        assert seen == public[len(public) - len(seen):], "an observer missed a message"
    # ... and every question of the session was answered by its seat.
    import h5py
    with h5py.File(out, "r") as f:
        d = f["/wargame/decisions"][()]
    assert len(d) > 0 and set(d["source"]) == {0}
    inbound = sum(1 for e in log if e["dir"] == "in")
    outbound = sum(1 for e in log if e["dir"] == "out")
    print(f"seats {SEATS}, observers {OBSERVERS}, moves {MOVES}: {len(d)} decisions")
    print(f"wall time {wall:.1f} s; messages in {inbound}, out {outbound} (as logged: "
          f"a message to a seat's connections counts once)")
    quarters = [samples[min(len(samples) - 1, len(samples) * k // 4)] for k in range(1, 5)]
    print(f"server peak memory (VmHWM) {peak[0] / 1024:.1f} MiB; after a quarter, half, "
          f"three quarters and all of the session: "
          + ", ".join(f"{q / 1024:.1f}" for q in quarters) + " MiB")
    print(f"message log {os.path.getsize(f'{out}.messages') / 1e6:.1f} MB, journal "
          f"{os.path.getsize(f'{out}.journal') / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
