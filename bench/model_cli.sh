#!/usr/bin/env bash
# Measures the cost of output options and the memory of long horizons on the built-in
# Japan scenario, through the real command line, alternating the variants in one run so
# that the ratios share the machine's state. Usage: bench/model_cli.sh [BINARY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-5}
scenario=scenarios/japan_2015_2021.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck source=bench/median.sh
source bench/median.sh  # the scripts run from the repository root (cd above)
seconds() { /usr/bin/time -f "%e" "$bin" run "$scenario" -o "$out/o.h5" -q "$@" 2>&1 >/dev/null | tail -1; }

declare -A times
variants=("plain" "one_thread" "incidents" "incidents_c0" "choices")
for ((r = 0; r < rounds; r++)); do
  times[plain]+="$(seconds --replications 500) "
  times[one_thread]+="$(seconds --replications 500 --threads 1) "
  times[incidents]+="$(seconds --replications 500 --incidents) "
  times[incidents_c0]+="$(seconds --replications 500 --incidents --compression 0) "
  times[choices]+="$(seconds --replications 500 --incidents --choices) "
done
base=$(echo ${times[plain]} | tr ' ' '\n' | median)
echo "japan_2015_2021, 500 replications, median of $rounds runs (wall time; all cores but one_thread)"
for v in "${variants[@]}"; do
  m=$(echo ${times[$v]} | tr ' ' '\n' | median)
  printf "  %-14s %6.2f s  ratio %.2f\n" "$v" "$m" "$(echo "$m / $base" | bc -l)"
done

echo "peak memory against replications (minimal.toml):"
for reps in 200 20000 100000; do
  kb=$(/usr/bin/time -f "%M" "$bin" run scenarios/minimal.toml -o "$out/m.h5" -q \
       --replications $reps 2>&1 >/dev/null | tail -1)
  echo "  ${reps} replications: ${kb} KB"
done

echo "peak memory against horizon (10 replications, --incidents):"
for years in 5 50; do
  kb=$(/usr/bin/time -f "%M" "$bin" run "$scenario" -o "$out/m.h5" -q --replications 10 \
       --incidents --horizon-days $((years * 365)) 2>&1 >/dev/null | tail -1)
  echo "  ${years} years: ${kb} KB"
done
