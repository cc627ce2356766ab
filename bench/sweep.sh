#!/usr/bin/env bash
# Sweep targets of issue 4, through the real command line, on the built-in dose-response
# sweep (scenarios/sweeps/japan_sanction_doctrine.toml: 20 points of japan_2015_2021) with
# more replications per point. Variants alternate in each round so that ratios share the
# machine's state; each figure is a median over rounds, and every time is the wall time of
# the whole command (start-up, validation, checkpoints and the final merge included).
#
#   bench/sweep.sh [BINARY] [ROUNDS]          # default build/release/app/cyberdeter, 3
#
# Prints: parallel efficiency on 2 threads and on 2 MPI ranks (speedup over one thread /
# 2), replications per second on all cores including writing /runs, the peak memory of a
# 100,000-run sweep, and the cost of merging its shards relative to running it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/app/cyberdeter}")
rounds=${2:-3}
src=$PWD
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

sweep() {  # sweep REPLICATIONS FILE
  sed -e "s|^base = .*|base = \"$src/scenarios/japan_2015_2021.toml\"|" \
      -e "s|^replications = .*|replications = $1|" \
      scenarios/sweeps/japan_sanction_doctrine.toml > "$2"
}
# shellcheck source=bench/median.sh
source bench/median.sh  # the scripts run from the repository root (cd above)
wall() { /usr/bin/time -f "%e" "$@" 2>&1 >/dev/null | tail -1; }

sweep 1000 "$out/s.toml"   # 20 points x 1,000 = 20,000 runs: about 8 s on two cores
runs=20000
sweep 1 "$out/tiny.toml"   # 20 runs: the fixed cost of starting a sweep
t1=() t2=() m2=() f1=() f2=()
for ((r = 0; r < rounds; r++)); do
  t1+=("$(wall "$bin" sweep "$out/s.toml" -o "$out/t1.h5" -q --threads 1)")
  t2+=("$(wall "$bin" sweep "$out/s.toml" -o "$out/t2.h5" -q --threads 2)")
  if command -v mpirun >/dev/null; then
    m2+=("$(wall mpirun -n 2 "$bin" sweep "$out/s.toml" -o "$out/m2.h5" -q)")
    f1+=("$(wall "$bin" sweep "$out/tiny.toml" -o "$out/f1.h5" -q)")
    f2+=("$(wall mpirun -n 2 "$bin" sweep "$out/tiny.toml" -o "$out/f2.h5" -q)")
  fi
done
one=$(printf '%s\n' "${t1[@]}" | median)
two=$(printf '%s\n' "${t2[@]}" | median)
echo "japan_sanction_doctrine, 20 points x 1000 replications = $runs runs, median of $rounds rounds"
printf "  1 thread        %6.2f s  %6.0f runs/s\n" "$one" "$(echo "$runs / $one" | bc -l)"
printf "  2 threads       %6.2f s  %6.0f runs/s  efficiency %.0f %%\n" "$two" \
  "$(echo "$runs / $two" | bc -l)" "$(echo "100 * $one / $two / 2" | bc -l)"
if [ ${#m2[@]} -gt 0 ]; then
  mpi=$(printf '%s\n' "${m2[@]}" | median)
  printf "  2 MPI ranks     %6.2f s  %6.0f runs/s  efficiency %.0f %%\n" "$mpi" \
    "$(echo "$runs / $mpi" | bc -l)" "$(echo "100 * $one / $mpi / 2" | bc -l)"
  printf "  fixed cost of a 20-run sweep: %.2f s in one process, %.2f s under mpirun -n 2\n" \
    "$(printf '%s\n' "${f1[@]}" | median)" "$(printf '%s\n' "${f2[@]}" | median)"
fi

# 100,000 runs: peak memory (GNU time's maximum resident set size), and the merge.
sweep 5000 "$out/big.toml"   # 20 points x 5,000
kb=$(/usr/bin/time -f "%M" "$bin" sweep "$out/big.toml" -o "$out/big.h5" -q 2>&1 >/dev/null | tail -1)
printf "  100,000 runs on all cores: peak memory %.0f MB\n" "$(echo "$kb / 1024" | bc -l)"
shards=8
for ((i = 1; i <= shards; i++)); do
  "$bin" sweep "$out/big.toml" -o "$out/part-$i.h5" -q --shard "$i/$shards"
done
run=$(wall "$bin" sweep "$out/big.toml" -o "$out/big2.h5" -q)
merge=$(wall "$bin" merge "$out"/part-*.h5 -o "$out/merged.h5" -q)
printf "  100,000 runs: sweep %.1f s, merge of %d shards %.2f s (%.1f %% of the sweep)\n" \
  "$run" "$shards" "$merge" "$(echo "100 * $merge / $run" | bc -l)"
/usr/bin/python3 -c "
import h5py, sys
d = h5py.File(sys.argv[1])['/runs']
print(f'  /runs: {d.dtype.itemsize} bytes per row in memory, '
      f'{d.id.get_storage_size() / d.shape[0]:.0f} on disk (deflate 1)')" "$out/merged.h5"
