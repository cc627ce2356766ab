#!/usr/bin/env bash
# `run` on 2 threads against 1 (issue #17): `run` of the Japan scenario at the default
# compression and with --compression 0, on --threads 1 and 2, alternating the four variants
# in every round so that the ratios share the machine's state. Prints per variant the
# median wall time and CPU time (user + system), and per compression the speed-up of 2
# threads over 1 (wall) and the CPU that the second thread costs.
# Usage: bench/threads_cli.sh [BINARY] [ROUNDS] [REPLICATIONS]
# shellcheck source=bench/run_timing.sh
source "$(dirname "$0")/run_timing.sh"  # strict mode, in the source tree
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-3}
replications=${3:-4000}
variants=("t1" "t2" "t1_c0" "t2_c0")
declare -A args=([t1]="--threads 1" [t2]="--threads 2" [t1_c0]="--threads 1 --compression 0"
  [t2_c0]="--threads 2 --compression 0")
alternate
declare -A mw mc
echo "japan_2015_2021, $replications replications, median of $rounds alternating rounds"
for v in "${variants[@]}"; do
  mw[$v]=$(echo ${wall[$v]} | tr ' ' '\n' | median)
  mc[$v]=$(echo ${cpu[$v]} | tr ' ' '\n' | median)
  printf "  %-6s wall %6.2f s   cpu %6.2f s\n" "$v" "${mw[$v]}" "${mc[$v]}"
done
for c in "" "_c0"; do
  printf "  2 threads against 1%-19s wall %.2fx   cpu %.2fx\n" \
    "$([ -z "$c" ] && echo " (default level)" || echo " (--compression 0)")" \
    "$(echo "${mw[t1$c]} / ${mw[t2$c]}" | bc -l)" "$(echo "${mc[t2$c]} / ${mc[t1$c]}" | bc -l)"
done
