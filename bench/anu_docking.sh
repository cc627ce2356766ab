#!/usr/bin/env bash
# Docking of the ANU deterrence model (docs/anu.md, docs/validation.md §5): the whole
# 11 x 11 grid of its published Summary.csv (10 replications of 10,000 turns per cell,
# 1.2 x 10^11 attacks), then the comparison cell by cell, and the same grid with each of
# the two switches of docs/anu.md §4. Every sweep is resumable: run the script again after
# an interruption and it continues where the checkpoints stopped.
#
#   bench/anu_docking.sh [BINARY] [OUTDIR]     # default build/release/app/cyberdeter, out/
#   ANU_SWITCHES=0 bench/anu_docking.sh        # only the original grid
#
# Prints the docking table (published / ours per cell, ≠ where the test says they
# differ), the same against the mirrored rationality, and the wall time of each sweep.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/app/cyberdeter}")
out=${2:-out}
python=/usr/bin/python3
mkdir -p "$out"

sweep() {  # sweep NAME SWEEP_FILE [EXTRA OVERRIDE LINES for the base]
  local name=$1 file=$2
  local args=(sweep "$file" -o "$out/$name.h5" --checkpoint 60)
  if [[ -e "$out/$name.h5" && ! -e "$out/$name.h5.parts" ]]; then
    echo "$out/$name.h5: already complete"
    return
  fi
  [[ -e "$out/$name.h5.parts" ]] && args+=(--resume)
  local start=$SECONDS
  "$bin" "${args[@]}"
  echo "$name: $((SECONDS - start)) s wall"
}

# A copy of the grid whose base scenario has one of the switches on.
variant() {  # variant NAME TABLE KEY VALUE
  local dir="$out/$1"
  mkdir -p "$dir"
  sed -e "s|^$3 = .*|$3 = $4 |" scenarios/reference/anu_deterrence.toml > "$dir/base.toml"
  grep -q "^$3 = $4 " "$dir/base.toml"
  sed -e "s|^base = .*|base = \"base.toml\"|" -e "s|^name = .*|name = \"anu-grid-$1\"|" \
    scenarios/sweeps/anu_grid.toml > "$dir/grid.toml"
  echo "$dir/grid.toml"
}

sweep anu_grid scenarios/sweeps/anu_grid.toml
"$python" -m analysis.docking "$out/anu_grid.h5" --markdown --long
echo "mirrored (published rationality r against ours at 1 - r):"
"$python" -m analysis.docking "$out/anu_grid.h5" --mirror --markdown

if [[ "${ANU_SWITCHES:-1}" != 0 ]]; then
  sweep anu_grid_partners2 "$(variant partners2 coordination partners 2)"
  sweep anu_grid_delay50 "$(variant delay50 publication delay_rounds 50)"
  "$python" - "$out" <<'PY'
import sys
import h5py, pandas as pd
out = sys.argv[1]
def grid(name):
    with h5py.File(f"{out}/{name}.h5") as f:
        r = pd.DataFrame({k: f["/runs"][k] for k in ("rationality", "attribution", "max_deterrence")})
    return r.round({"rationality": 1, "attribution": 1}).pivot_table(
        index="rationality", columns="attribution", values="max_deterrence")
def markdown(frame, signed=False):
    cols = list(frame.columns)
    lines = ["| rationality \\ attribution | " + " | ".join(f"{c:.1f}" for c in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for r, row in frame.iterrows():
        lines.append(f"| {r:.1f} | " + " | ".join(f"{v:+.2f}" if signed else f"{v:.2f}"
                                                   for v in row) + " |")
    return "\n".join(lines)
base = grid("anu_grid")
for name in ("anu_grid_partners2", "anu_grid_delay50"):
    print(f"\n{name}: max deterrence, and its change from the original grid")
    g = grid(name)
    print(markdown(g))
    print()
    print(markdown(g - base, signed=True))
PY
fi
