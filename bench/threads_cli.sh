#!/usr/bin/env bash
# `run` on 2 threads against 1 (issue #17): `run` of the Japan scenario at the default
# compression and with --compression 0, on --threads 1 and 2, alternating the four variants
# in every round so that the ratios share the machine's state. Prints per variant the
# median wall time and CPU time (user + system), and per compression the speed-up of 2
# threads over 1 (wall) and the CPU that the second thread costs.
# Usage: bench/threads_cli.sh [BINARY] [ROUNDS] [REPLICATIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-3}
replications=${3:-4000}
scenario=scenarios/japan_2015_2021.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
# "wall cpu" of one run
measure() {
  /usr/bin/time -f "%e %U %S" "$bin" run "$scenario" -o "$out/o.h5" -q \
    --replications "$replications" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'
}

declare -A wall cpu
variants=("t1" "t2" "t1_c0" "t2_c0")
declare -A args=([t1]="--threads 1" [t2]="--threads 2" [t1_c0]="--threads 1 --compression 0"
  [t2_c0]="--threads 2 --compression 0")
for ((r = 0; r < rounds; r++)); do
  for v in "${variants[@]}"; do
    # shellcheck disable=SC2086  # the arguments are words
    read -r w c < <(measure ${args[$v]})
    wall[$v]+="$w "
    cpu[$v]+="$c "
  done
done
declare -A mw mc
echo "japan_2015_2021, $replications replications, median of $rounds alternating rounds"
for v in "${variants[@]}"; do
  mw[$v]=$(echo ${wall[$v]} | tr ' ' '\n' | median)
  mc[$v]=$(echo ${cpu[$v]} | tr ' ' '\n' | median)
  printf "  %-6s wall %6.2f s   cpu %6.2f s\n" "$v" "${mw[$v]}" "${mc[$v]}"
done
for c in "" "_c0"; do
  printf "  2 threads against 1%-17s wall %.2fx   cpu %.2fx\n" \
    "$([ -z "$c" ] && echo " (default level)" || echo " (--compression 0)")" \
    "$(echo "${mw[t1$c]} / ${mw[t2$c]}" | bc -l)" "$(echo "${mc[t2$c]} / ${mc[t1$c]}" | bc -l)"
done
