"""Fills wargame.md.in with the outputs of gen.sh (in out/) and writes docs/wargame.md."""
import re
from pathlib import Path

import sys

here = Path(__file__).parent
out = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "out"
target = Path(sys.argv[2]) if len(sys.argv) > 2 else here.parents[1] / "docs" / "wargame.md"
text = lambda name: (out / name).read_text()


def blocks(transcript):
    """The transcript cut at each brief: [(header line, text)], the first being the banner."""
    parts = re.split(r"\n\n(?====+\n [A-Z])", transcript)
    result = []
    for part in parts:
        lines = part.split("\n")
        head = lines[1] if lines[0].startswith("===") else lines[0]
        result.append((head.strip(), part.rstrip("\n")))
    return result


def pick(bs, prefix):
    found = [t for h, t in bs if h.startswith(prefix)]
    assert len(found) == 1, (prefix, [h for h, _ in bs])
    return found[0]


bs = blocks(text("transcript.txt"))
heads = [h for h, _ in bs]
banner = bs[0][1]
transcript = "\n\n".join([
    banner,
    pick(bs, "TURN 1 |"),
    "[... TURN 2: Enter ...]",
    pick(bs, "MOVE 3 |"),
    pick(bs, "DECISION 9 |"),
    pick(bs, "DECISION 10 |"),
    "[... DECISIONS 12 and 13, two weak cases against the Ransomware crew, TURN 3, MOVE 4\n"
    "     with DECISION 15 (a case) and DECISION 16 (an invitation), TURN 4, and MOVE 5 with\n"
    "     DECISION 21: Enter ...]",
    pick(bs, "AFTER-ACTION"),
])
expected = ["TURN 1", "TURN 2", "MOVE 3", "DECISION 9", "DECISION 10", "DECISION 12", "DECISION 13",
            "TURN 3", "MOVE 4", "DECISION 15", "DECISION 16", "TURN 4", "MOVE 5", "DECISION 21",
            "AFTER-ACTION SUMMARY"]
assert [h.split(" |")[0] for h in heads[1:]] == expected, heads

resume_lines = text("resume.txt").split("\n")
cut = next(i for i, l in enumerate(resume_lines) if l.startswith(" Attribution"))
resume = "\n".join(resume_lines[:cut + 1]) + "\n[...]"

debrief1 = text("debrief1.txt")
debrief1 = "$ cyberdeter debrief session.h5 --decisions decisions.toml\n[... the after-action summary ...]\n" + debrief1[debrief1.index("Japan: "):].rstrip("\n")

hawk = text("hawk.txt")
hawk = "[...]\n" + hawk[hawk.index("=" * 78 + "\n AFTER-ACTION"):].rstrip("\n")
debrief_hawk = "$ cyberdeter debrief hawk.h5 --sweep as_played.toml\n[... the after-action summary ...]\n" + \
    text("debrief_hawk.txt")[text("debrief_hawk.txt").index("Japan: "):].rstrip("\n")

effect = text("effect.txt").rstrip("\n")
whatif = text("whatif.txt")
wl = whatif.split("\n")
start = next(i for i, l in enumerate(wl) if l.startswith("Replaying"))
summary_start = next(i for i, l in enumerate(wl) if "AFTER-ACTION" in l) - 1
world = next(i for i, l in enumerate(wl) if l.startswith(" World"))
whatif = "\n".join(wl[start:world]) + "\n[...]"

decisions = text("decisions.toml").split("\n[[decision]]")
decisions_head = decisions[0].rstrip("\n") + "\n" + "".join("\n[[decision]]" + d for d in decisions[1:5]).rstrip("\n") + "\n\n# [...]"

early_toml = (here / "early.toml").read_text().rstrip("\n")
early = text("early.txt").split("\n")
start = next(i for i, l in enumerate(early) if l.startswith("Replaying"))
world = next(i for i, l in enumerate(early) if l.startswith(" World"))
early = "\n".join(early[start:world]) + "\n[...]"

mismatch = text("mismatch.txt").rstrip("\n")
read_py = (here / "read.py").read_text().rstrip("\n")
read = text("read.txt").rstrip("\n")

counts = []
for line in text("counts.txt").split("\n"):
    if not line:
        continue
    z, t, asked, responses, joins, turns, total = line.split()
    counts.append((z, t, asked, responses, joins, turns, total))
rows = []
for z in dict.fromkeys(c[0] for c in counts):
    q = next(c for c in counts if c[0] == z and c[1] == "91.3125")
    y = next(c for c in counts if c[0] == z and c[1] == "365.25")
    label = "(none)" if z == "none" else z
    rows.append(f"| {label} | {q[2]} of {q[6]} | {q[3]} | {q[4]} | {q[5]} | {y[2]} of {y[6]} |")

# The pacing table the session prints at its start.
banner_lines = text("transcript.txt").split("\n")
p0 = next(i for i, l in enumerate(banner_lines) if l.startswith("Questions a year"))
p1 = next(i for i, l in enumerate(banner_lines) if l.startswith("  0.6"))
pacing = "```\n" + "\n".join(banner_lines[p0:p1 + 1]) + "\n```"

compare = text("compare.txt").rstrip("\n")
csv_lines = [l for l in text("decisions.csv").split("\n") if l]
with_reason = [l for l in csv_lines[1:] if not l.endswith(",")]
csv_head = "\n".join(csv_lines[:4] + ["[...]"] + with_reason)

version = text("version.txt").split("cyberdeter ", 1)[1].strip()
version = re.sub(r" \(git [0-9a-f]+(-dirty)?\)", "", version)

doc = (here / "wargame.md.in").read_text()
for key, value in {
    "VERSION": version, "COUNTS": "\n".join(rows), "PACING": pacing, "COMPARE": compare,
    "CSV": csv_head, "LAST": text("last_point.txt").strip(), "TRANSCRIPT": transcript, "RESUME": resume,
    "DEBRIEF1": debrief1, "HAWK": hawk, "DEBRIEF_HAWK": debrief_hawk, "EFFECT": effect,
    "WHATIF": whatif, "DECISIONS": decisions_head, "EARLY_TOML": early_toml, "EARLY": early,
    "MISMATCH": mismatch, "HAWK_N": str(text("hawk.txt").count("\n> ")), "HAWK_PY": (here / "hawk.py").read_text().rstrip("\n"), "READ_PY": read_py, "READ": read, "QUIT": "> quit\n" + text("quit.txt").split("> quit\n", 1)[1].rstrip("\n"), "READ_ANALYSIS_PY": (here / "read_analysis.py").read_text().rstrip("\n"), "READ_ANALYSIS": text("read_analysis.txt").rstrip("\n"),
}.items():
    assert f"@@{key}@@" in doc, key
    doc = doc.replace(f"@@{key}@@", value)
assert "@@" not in doc
target.write_text(doc)
print("wrote", len(doc.split("\n")), "lines")
