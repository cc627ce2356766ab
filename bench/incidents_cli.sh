#!/usr/bin/env bash
# The cost of --incidents at the default compression (issue #17): `run` of the Japan
# scenario, plain and with --incidents (deflate level 1, and level 0), on --threads 2,
# alternating the variants in every round so that the ratios share the machine's state.
# Prints per variant the median wall time and CPU time (user + system) and their ratios
# to the plain run. Usage: bench/incidents_cli.sh [BINARY] [ROUNDS] [REPLICATIONS]
# shellcheck source=bench/run_timing.sh
source "$(dirname "$0")/run_timing.sh"  # strict mode, in the source tree
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-9}
replications=${3:-300}
variants=("plain" "incidents" "incidents_c0")
declare -A args=([plain]="--threads 2" [incidents]="--threads 2 --incidents"
  [incidents_c0]="--threads 2 --incidents --compression 0")
alternate
base_wall=$(echo ${wall[plain]} | tr ' ' '\n' | median)
base_cpu=$(echo ${cpu[plain]} | tr ' ' '\n' | median)
echo "japan_2015_2021, $replications replications, --threads 2, median of $rounds alternating rounds"
for v in "${variants[@]}"; do
  w=$(echo ${wall[$v]} | tr ' ' '\n' | median)
  c=$(echo ${cpu[$v]} | tr ' ' '\n' | median)
  printf "  %-13s wall %5.2f s  ratio %.2f   cpu %5.2f s  ratio %.2f\n" "$v" "$w" \
    "$(echo "$w / $base_wall" | bc -l)" "$c" "$(echo "$c / $base_cpu" | bc -l)"
done
