#!/usr/bin/env bash
# The cost of --incidents at the default compression (issue #17): `run` of the Japan
# scenario, plain and with --incidents (deflate level 1, and level 0), on --threads 2,
# alternating the variants in every round so that the ratios share the machine's state.
# Prints per variant the median wall time and CPU time (user + system) and their ratios
# to the plain run. Usage: bench/incidents_cli.sh [BINARY] [ROUNDS] [REPLICATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-9}
replications=${3:-300}
scenario=scenarios/japan_2015_2021.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# "wall cpu" of one run
measure() {
  /usr/bin/time -f "%e %U %S" "$bin" run "$scenario" -o "$out/o.h5" -q --threads 2 \
    --replications "$replications" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'
}

declare -A wall cpu
variants=("plain" "incidents" "incidents_c0")
declare -A args=([plain]="" [incidents]="--incidents" [incidents_c0]="--incidents --compression 0")
for ((r = 0; r < rounds; r++)); do
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2086  # the arguments are words
    read -r w c < <(measure ${args[$v]})
    wall[$v]+="$w "
    cpu[$v]+="$c "
  done
done
base_wall=$(echo ${wall[plain]} | tr ' ' '\n' | median)
base_cpu=$(echo ${cpu[plain]} | tr ' ' '\n' | median)
echo "japan_2015_2021, $replications replications, --threads 2, median of $rounds alternating rounds"
for v in "${variants[@]}"; do
  w=$(echo ${wall[$v]} | tr ' ' '\n' | median)
  c=$(echo ${cpu[$v]} | tr ' ' '\n' | median)
  printf "  %-13s wall %5.2f s  ratio %.2f   cpu %5.2f s  ratio %.2f\n" "$v" "$w" \
    "$(echo "$w / $base_wall" | bc -l)" "$c" "$(echo "$c / $base_cpu" | bc -l)"
done
