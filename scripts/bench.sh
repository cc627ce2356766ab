#!/usr/bin/env bash
# Builds the release preset and runs the engine benchmarks; the tables in bench/README.md
# come from this script. Engine and baseline run interleaved in one process (random
# interleaving of repetitions), so that a busy machine slows both alike; compare ratios
# from one run, not absolute rates from different runs.
#
#   scripts/bench.sh                               # everything, 5 repetitions, medians
#   BENCH_REPETITIONS=9 scripts/bench.sh           # more repetitions
#   scripts/bench.sh --benchmark_filter='BM_Hold'  # extra arguments go to bench_engine
#
# The raw results are written to build/release/bench/bench_engine.json, and the tables
# are printed at the end in the form bench/README.md uses.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
repetitions="${BENCH_REPETITIONS:-5}"
min_time="${BENCH_MIN_TIME:-0.2}"
out=build/release/bench/bench_engine.json
python=/usr/bin/python3  # Debian's interpreter; only the standard library is needed

cmake --preset release >/dev/null
cmake --build --preset release --target bench_engine -j "$(nproc)"

build/release/bench/bench_engine \
  --benchmark_repetitions="$repetitions" \
  --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true \
  --benchmark_min_time="$min_time" \
  --benchmark_out="$out" --benchmark_out_format=json \
  "$@"

"$python" - "$out" <<'EOF'
import json, re, sys

with open(sys.argv[1]) as f:
    data = json.load(f)
ctx = data["context"]
median, reps = {}, {}
for b in data["benchmarks"]:
    if "items_per_second" not in b:
        continue
    if b.get("aggregate_name") == "median":
        median[b["run_name"]] = b["items_per_second"] / 1e6
    elif b.get("run_type") == "iteration":
        reps.setdefault(b["run_name"], []).append(b["items_per_second"] / 1e6)

print()
print(f"machine: {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, "
      f"load average {ctx.get('load_avg')}, {ctx.get('date')}")
print()
print("| pending | engine M ev/s | std::priority_queue M ev/s | ratio | range over repetitions |")
print("|---:|---:|---:|---:|---:|")
hold = sorted((int(m.group(1)), rate) for name, rate in median.items()
              if (m := re.fullmatch(r"BM_Hold/(\d+)", name)))
for size, rate in hold:
    base = median.get(f"BM_HoldStdPriorityQueue/{size}")
    if base:
        # Random interleaving runs every benchmark once per round: the k-th repetitions
        # of the two ran in the same round, under much the same machine load.
        ratios = [e / b for e, b in zip(reps.get(f"BM_Hold/{size}", []),
                                        reps.get(f"BM_HoldStdPriorityQueue/{size}", []))]
        spread = f"{min(ratios):.2f}–{max(ratios):.2f}" if ratios else ""
        print(f"| {size:,} | {rate:.2f} | {base:.2f} | {rate / base:.2f} | {spread} |")

draws = median.get("BM_HoldDrawsOnly")
if draws:
    print()
    print(f"draws alone (BM_HoldDrawsOnly): {draws:.1f} M/s, {1e3 / draws:.1f} ns per event")

for family in ("BM_QueueHold_", "BM_QueueHoldMixed_", "BM_Switch_", "BM_SwitchMixed_"):
    rows, sizes = {}, []
    for name, rate in median.items():
        m = re.fullmatch(re.escape(family) + r"(\w*)/(\d+)", name)
        if not m:
            continue
        impl, size = m.group(1), int(m.group(2))
        rows.setdefault(impl, {})[size] = rate
        if size not in sizes:
            sizes.append(size)
    if not rows:
        continue
    sizes.sort()
    order = ["StdPriorityQueue", "BoostDaryHeap4", "BoostPairingHeap", "InlineQuaternaryHeap",
             "CalendarQueue", "KeyHeap", "EngineQueue", "Heap", "Radix"]
    print()
    print(f"{family}*: median M events/s")
    print("| queue | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for impl, by_size in sorted(rows.items(), key=lambda r: (order + [r[0]]).index(r[0])):
        cells = [f"{by_size[s]:.2f}" if s in by_size else "" for s in sizes]
        print(f"| {impl} | " + " | ".join(cells) + " |")

print()
print("BM_HoldCancel: each event also schedules a timeout and cancels the previous one")
print("| pending | hold M ev/s | hold+cancel M ev/s | extra ns per event |")
print("|---:|---:|---:|---:|")
for size, rate in hold:
    cancel = median.get(f"BM_HoldCancel/{size}")
    if cancel:
        print(f"| {size:,} | {rate:.2f} | {cancel:.2f} | {1e3 / cancel - 1e3 / rate:.0f} |")
EOF
