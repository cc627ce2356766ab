#!/usr/bin/python3
"""Regenerates docs/studies.md: runs every study of scenarios/studies/ as its comment
block says, with `analysis answer` (and the extra analyses the page quotes), and fills
studies.md.in with what they print and how long they took.

    scripts/docs-studies/gen.py [BINARY]      (default build/release/app/cyberdeter)

Outputs go to build/docs-studies/. Run it after any change to the model, the studies or
what `analysis` prints, and review the diff of the page: a verdict that changes must be
explained in the page's text, not silently replaced."""
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

here = Path(__file__).resolve().parent
root = here.parents[1]
binary = Path(sys.argv[1] if len(sys.argv) > 1 else root / "build/release/app/cyberdeter").resolve()
work = root / "build/docs-studies"
work.mkdir(parents=True, exist_ok=True)
python = "/usr/bin/python3"

# Options of `answer` where the page shows the details (each combination of the other
# parameters, the displacement table).
ANSWER_OPTIONS = {"h1_sanctions": ["--details"], "h2_coalition_size": ["--details"],
                  "h4_games_preparation": ["--details"]}
# Extra analyses a study's section quotes, beyond `answer` (arguments after the file).
EXTRA = {
    "h5_demonstration": [["effect", "--points", "0", "3", "--metric", "launched@APT28"],
                         ["effect", "--points", "0", "3", "--metric", "launched@APT10"]],
    "h6_false_flags": [["effect", "--points", "0", "3", "--metric", "attributed_wrong"]],
}


def run(args, **kw):
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {shlex.join(map(str, args))}\n{r.stderr}")
    return r.stdout


values = {"version": run([binary, "--version"]).strip()}
for study in sorted((root / "scenarios/studies").glob("*.toml")):
    name = study.stem
    out = work / f"{name}.h5"
    if out.exists():
        out.unlink()
    start = time.monotonic()
    run([binary, "sweep", study, "-o", out, "-q", "--threads", "2"])
    values[f"{name}.seconds"] = f"{time.monotonic() - start:.1f}"
    shown = f"out/{name.split('_')[0]}.h5" if not name.endswith("_japan") else "out/h3_japan.h5"
    answer = run([python, "-m", "analysis", "answer", out, *ANSWER_OPTIONS.get(name, [])],
                 cwd=root)
    values[f"{name}.answer"] = answer.replace(str(out), shown).rstrip()
    for k, extra in enumerate(EXTRA.get(name, [])):
        text = run([python, "-m", "analysis", extra[0], out, *extra[1:]], cwd=root)
        values[f"{name}.extra{k}"] = text.replace(str(out), shown).rstrip()

template = (here / "studies.md.in").read_text()
missing = set()


def fill(m):
    key = m.group(1)
    if key not in values:
        missing.add(key)
        return m.group(0)
    return values[key]


page = re.sub(r"@@([\w.]+)@@", fill, template)
if missing:
    sys.exit(f"studies.md.in asks for {sorted(missing)}, which gen.py did not produce")
(root / "docs/studies.md").write_text(page)
print(f"docs/studies.md written ({binary}, {values['version']})")
