#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (the `fuzz` preset: Clang, ASan, UBSan) and
# runs each of them: first over its corpus in tests/fuzz/corpus/TARGET (every input must
# pass), then for SECONDS of new inputs mutated from it.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    # make fuzz: 300 s each; make test: 10 s each
#
# A finding (a crash, a sanitizer report, an uncaught exception, an input that takes more
# than 10 s or 2 GB) stops the target; its input is saved in build/fuzz/artifacts/TARGET/
# and the script exits 1. New inputs that reach new code are kept in build/fuzz/corpus/
# TARGET; copy the ones worth keeping into tests/fuzz/corpus/TARGET.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_scenario fuzz_sweep fuzz_calibration fuzz_games fuzz_wargame fuzz_part fuzz_seat)

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ is not installed (scripts/install-deps.sh installs clang)" >&2
  exit 1
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)" --target fuzz_all >/dev/null

export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0
status=0
for t in "${targets[@]}"; do
  bin=build/fuzz/tests/fuzz/$t
  seeds=tests/fuzz/corpus/$t
  work=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t/
  mkdir -p "$work" "$artifacts"
  flags=(-timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts" -print_final_stats=1)
  log=build/fuzz/$t.log
  # The corpus replayed as it is: every input a user could write must still pass.
  if ! "$bin" "${flags[@]}" -runs=0 "$seeds" >"$log" 2>&1; then
    echo "fuzz: $t fails on its corpus ($seeds); see $log" >&2
    tail -30 "$log" >&2
    status=1
    continue
  fi
  if ! "$bin" "${flags[@]}" -max_total_time="$seconds" -max_len=262144 "$work" "$seeds" \
      >>"$log" 2>&1; then
    echo "fuzz: $t found a failing input in $artifacts; see $log" >&2
    tail -40 "$log" >&2
    status=1
    continue
  fi
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  echo "fuzz: $t passed its corpus and ${seconds} s of new inputs${runs:+ ($runs executions)}"
done
exit $status
