# shellcheck shell=bash disable=SC2154  # bin, rounds, replications, variants, args: set by the caller
# Sourced by the scripts that time `run` of the Japan scenario through the real command
# line (incidents_cli.sh, threads_cli.sh); its functions use the $bin, $rounds and
# $replications that they set.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=scenarios/japan_2015_2021.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck source=bench/median.sh
source bench/median.sh

# "wall cpu" (seconds; cpu = user + system) of one `run` with the given extra arguments.
measure() {
  /usr/bin/time -f "%e %U %S" "$bin" run "$scenario" -o "$out/o.h5" -q \
    --replications "$replications" "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'
}

# Runs each variant named in the array `variants` (its extra arguments in the associative
# array `args`) once a round for $rounds rounds, alternating them so that they share the
# machine's state; appends the times to wall[variant] and cpu[variant].
declare -A wall cpu
alternate() {
  local r v w c
  for ((r = 0; r < rounds; r++)); do
    for v in "${variants[@]}"; do
      # shellcheck disable=SC2086  # the arguments are words
      read -r w c < <(measure ${args[$v]})
      wall[$v]+="$w "
      cpu[$v]+="$c "
    done
  done
}
