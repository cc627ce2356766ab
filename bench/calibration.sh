#!/usr/bin/env bash
# Calibration targets of issue 14, through the real command line (docs/calibration.md):
#
#   bench/calibration.sh [BINARY] [TEST_CALIBRATION]
#       default build/release/app/cyberdeter and build/ci/tests/models/test_calibration
#   CALIBRATION_OUT=FILE keeps the Japan calibration's output there (the worked study of
#   docs/calibration.md starts from it); SKIP_TRUTHS=1 leaves out part 4.
#
# 1. The Japan calibration, scenarios/calibration/japan_2015_2021.toml (4 waves x 2,500
#    worlds x 10 replications = 100,000 runs) on 2 threads: wall time and peak memory.
# 2. The same with a quarter of the worlds per wave (25,000 runs): peak memory again, so
#    that memory bounded in the number of runs shows as a ratio near 1.
# 3. A plain sweep of the same 100,000 runs (one point x 100,000 replications of the
#    shipped world) in the same session: the calibration's overhead (emulators, screening,
#    wave files) as a ratio of times taken on the same, shared machine.
# 4. The long synthetic-truth run: 20 truths, each calibrated in 4 waves x 200 worlds x 8
#    replications; prints each truth's fate and how many were kept.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/app/cyberdeter}")
test_cal=${2:-build/ci/tests/models/test_calibration}
src=$PWD
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() {  # measure LABEL CMD...: prints wall seconds and peak MB
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" > "$out/$label.log"
  read -r secs kb < "$out/time"
  printf "  %-34s %7.1f s  peak %6.0f MB\n" "$label" "$secs" "$(echo "$kb / 1024" | bc -l)"
  echo "$secs" > "$out/$label.secs"
}

sed -e "s|^base = .*|base = \"$src/scenarios/japan_2015_2021.toml\"|" \
    scenarios/calibration/japan_2015_2021.toml > "$out/cal.toml"
sed -e "s|^points = .*|points = 625|" -e "s|^candidates = .*|candidates = 25000|" \
    "$out/cal.toml" > "$out/quarter.toml"
cat > "$out/sweep.toml" <<TOML
base = "$src/scenarios/japan_2015_2021.toml"
[run]
replications = 100000
seed = 20150101
[design]
kind = "grid"
[[parameters]]
path = "attackers.APT10.operation_cost"
values = [1.0]
TOML

echo "japan_2015_2021 calibration on 2 threads ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
measure "calibrate 100,000 runs" "$bin" calibrate "$out/cal.toml" -o "$out/cal.h5" --threads 2
measure "calibrate 25,000 runs" "$bin" calibrate "$out/quarter.toml" -o "$out/quarter.h5" --threads 2
measure "sweep of the same 100,000 runs" "$bin" sweep "$out/sweep.toml" -o "$out/sweep.h5" --threads 2 -q
printf "  calibration / plain sweep of as many runs: %.2f\n" \
  "$(echo "$(cat "$out/calibrate 100,000 runs.secs") / $(cat "$out/sweep of the same 100,000 runs.secs")" | bc -l)"
sed -n '1,12p' "$out/calibrate 100,000 runs.log"
/usr/bin/python3 -m analysis plausible "$out/cal.h5"
[ -z "${CALIBRATION_OUT:-}" ] || cp "$out/cal.h5" "$CALIBRATION_OUT"

if [ -z "${SKIP_TRUTHS:-}" ] && [ -x "$test_cal" ]; then
  echo
  echo "synthetic truths (4 waves x 200 worlds x 8 replications each)"
  CYBERDETER_SCENARIOS="$src/scenarios" /usr/bin/time -f "  %e s" "$test_cal" "[.long]" -s 2>&1 |
    grep -E "^truth|^kept|s$"
fi
