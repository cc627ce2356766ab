#!/usr/bin/env bash
# What war-gaming costs, through the real command line, alternating the variants in one
# run so that the ratios share the machine's state.
#   1. The decider hook on runs without players: `run` of the built-in Japan scenario
#      (500 replications) with this binary against a binary built before the hook (OLD,
#      optional).
#   2. Replaying a whole seven-year Japan session from its own file (every decision taken
#      from it, the counterfactual replayed, the session file written) against `run` of
#      the two replications it computes (--replications 2 --incidents).
# Usage: bench/wargame.sh [BINARY] [ROUNDS] [OLD_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/release/app/cyberdeter}
rounds=${2:-5}
old=${3:-}
scenario=scenarios/japan_2015_2021.toml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# shellcheck source=bench/median.sh
source bench/median.sh  # the scripts run from the repository root (cd above)
seconds() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null </dev/null | tail -1; }

# A whole session, every answer the doctrine's (Enter), as the file to replay.
(yes '' || true) | "$bin" wargame "$scenario" --play Japan -o "$out/session.h5" -q >/dev/null

declare -A times
for ((r = 0; r < rounds; r++)); do
  times[run]+="$(seconds "$bin" run "$scenario" -o "$out/r.h5" -q --replications 500) "
  if [ -n "$old" ]; then
    times[run_old]+="$(seconds "$old" run "$scenario" -o "$out/o.h5" -q --replications 500) "
  fi
  times[replay]+="$(seconds "$bin" wargame "$scenario" --decisions "$out/session.h5" \
    -o "$out/replay.h5" -q) "
  times[run2]+="$(seconds "$bin" run "$scenario" -o "$out/r2.h5" -q --replications 2 --incidents) "
done
med() { echo ${times[$1]} | tr ' ' '\n' | median; }
decisions=$(/usr/bin/python3 -c "import h5py; print(h5py.File('$out/session.h5')['wargame'].attrs['decisions'])")
echo "japan_2015_2021, median of $rounds runs (wall time)"
printf "  run, 500 replications            %6.2f s\n" "$(med run)"
if [ -n "$old" ]; then
  printf "  the same, before the hook        %6.2f s  ratio with/without hook %.3f\n" \
    "$(med run_old)" "$(echo "$(med run) / $(med run_old)" | bc -l)"
fi
printf "  session replay (%s decisions)   %6.2f s  ratio to run --replications 2 --incidents %.2f\n" \
  "$decisions" "$(med replay)" "$(echo "$(med replay) / $(med run2)" | bc -l)"
