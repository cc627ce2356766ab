#!/usr/bin/env bash
# Issue #17's Latin hypercube target: a design with one replication per point against a
# grid with the same number of runs of japan_2015_2021, alternated in each round; prints
# each round's wall and CPU times and the hypercube's runs per second against the grid's.
#
#   bench/lhs_vs_grid.sh [BINARY] [ROUNDS] [POINTS]   # default release build, 3, 2000
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/app/cyberdeter}")
rounds=${2:-3}
points=${3:-2000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
base=$PWD/scenarios/japan_2015_2021.toml
params='[[parameters]]
name = "cost"
path = "attackers.APT10.operation_cost"
range = [0.5, 2.0]
[[parameters]]
name = "defense"
path = "states.Japan.defense"
range = [0.1, 0.4]'
printf 'name = "lhs"\nbase = "%s"\n[run]\nreplications = 1\nseed = 1\n[design]\nkind = "latin_hypercube"\npoints = %d\n%s\n' \
  "$base" "$points" "$params" > "$out/lhs.toml"
# The grid: 5 x 4 points, points / 20 replications each (the same number of runs).
printf 'name = "grid"\nbase = "%s"\n[run]\nreplications = %d\nseed = 1\n[design]\nkind = "grid"\n%s\n' \
  "$base" $((points / 20)) "$(printf '%s\n' "$params" | sed -e 's/^range = \[0.5, 2.0\]$/&\nsteps = 5/' -e 's/^range = \[0.1, 0.4\]$/&\nsteps = 4/')" > "$out/grid.toml"
# shellcheck source=bench/median.sh
source bench/median.sh  # the scripts run from the repository root (cd above)
for ((r = 0; r < rounds; r++)); do
  for d in grid lhs; do
    rm -rf "$out/$d.h5"
    /usr/bin/time -f "$d %e %U %S" -a -o "$out/times.txt" "$bin" sweep "$out/$d.toml" \
      -o "$out/$d.h5" -q --threads 2
  done
done
cat "$out/times.txt"
wall() { awk -v d="$1" '$1 == d {print $2}' "$out/times.txt" | median; }
cpu() { awk -v d="$1" '$1 == d {print $3 + $4}' "$out/times.txt" | median; }
printf "median wall: grid %.2f s, hypercube %.2f s; CPU: grid %.2f s, hypercube %.2f s\n" \
  "$(wall grid)" "$(wall lhs)" "$(cpu grid)" "$(cpu lhs)"
printf "hypercube runs/s against the grid: %.2f (target 0.90)\n" \
  "$(echo "$(wall grid) / $(wall lhs)" | bc -l)"
