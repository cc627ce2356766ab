#!/usr/bin/env bash
# Soak test (make soak; not in make test): a sweep of RUNS runs (default 1,000,000) on two
# threads, killed with SIGKILL at random moments and resumed until it completes; then the
# same sweep uninterrupted. The two files' /runs, /states and /attackers must be the same
# bytes, and no process may use more than 200 MB.
#
#   bench/soak.sh [BINARY] [RUNS] [MAX_SECONDS_BETWEEN_KILLS] [MAX_KILLS]
#
# After MAX_KILLS kills (default 25) the sweep is left to finish: the final merge of a
# million runs takes longer than the gap between kills on a loaded machine, and a soak that
# kills every merge never ends (kills during the merge are part of the first 25 all the same).
#
# Prints the figures bench/README.md quotes; exits 1 if a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/release/app/cyberdeter}")
runs=${2:-1000000}
max_gap=${3:-8}
max_kills=${4:-25}
work=build/soak
rm -rf "$work" && mkdir -p "$work"
# A copy of the binary: a rebuild during the soak (it takes a while) must not change the
# program between a kill and its --resume, which --resume would rightly refuse.
cp "$bin" "$work/cyberdeter" && bin=$(realpath "$work/cyberdeter")
points=100
reps=$((runs / points))
cat >"$work/soak.toml" <<TOML
base = "$PWD/scenarios/minimal.toml"
name = "soak"
[run]
replications = $reps
seed = 4242
[design]
kind = "grid"
[[parameters]]
path = "attackers.RivalAPT.capability"
range = [0.1, 0.9]
steps = 10
[[parameters]]
path = "states.Homeland.defense"
range = [0.0, 0.6]
steps = 10
TOML
max_rss=0
note_rss() { # kilobytes from /usr/bin/time -f %M
  local kb
  kb=$(tail -1 "$1" | tr -dc '0-9')
  [ -n "$kb" ] && [ "$kb" -gt "$max_rss" ] && max_rss=$kb
  return 0
}

start=$(date +%s.%N)
kills=0
args=(sweep "$work/soak.toml" -o "$work/killed.h5" --threads 2 --checkpoint 2 -q)
first=1
while [ ! -f "$work/killed.h5" ]; do
  extra=()
  [ $first -eq 1 ] || extra=(--resume)
  first=0
  /usr/bin/time -f %M -o "$work/rss.txt" "$bin" "${args[@]}" "${extra[@]}" &
  pid=$!
  gap=$(awk -v m="$max_gap" -v r="$RANDOM" 'BEGIN { printf "%.2f", 1 + (m - 1) * r / 32767 }')
  waited=0
  while kill -0 "$pid" 2>/dev/null && awk -v w="$waited" -v g="$gap" 'BEGIN { exit !(w < g) }'; do
    sleep 0.1
    waited=$(awk -v w="$waited" 'BEGIN { print w + 0.1 }')
  done
  killed=0
  if [ "$kills" -lt "$max_kills" ] && kill -0 "$pid" 2>/dev/null; then
    # SIGKILL the sweep itself (the child of time), not time.
    child=$(pgrep -P "$pid" || true)
    [ -n "$child" ] && kill -9 "$child" 2>/dev/null && kills=$((kills + 1)) && killed=1
  fi
  status=0
  wait "$pid" 2>/dev/null || status=$?
  # A sweep that failed by itself (not by our SIGKILL) is a failure of the soak, not a
  # reason to try again forever.
  if [ "$status" -ne 0 ] && [ "$killed" -eq 0 ]; then
    echo "soak: FAILED: the sweep exited with status $status without being killed" >&2
    exit 1
  fi
  note_rss "$work/rss.txt"
done
killed_seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

start=$(date +%s.%N)
/usr/bin/time -f %M -o "$work/rss.txt" "$bin" sweep "$work/soak.toml" -o "$work/ref.h5" \
  --threads 2 -q
note_rss "$work/rss.txt"
ref_seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')

/usr/bin/python3 - "$work" "$runs" "$kills" "$killed_seconds" "$ref_seconds" "$max_rss" <<'PY'
import sys, h5py
work, runs, kills, killed_s, ref_s, rss = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
ok = True
with h5py.File(f"{work}/killed.h5") as a, h5py.File(f"{work}/ref.h5") as b:
    for t in ("runs", "states", "attackers"):
        same = a[t][:].tobytes() == b[t][:].tobytes()
        ok &= same
        print(f"  /{t}: {len(a[t]):,} rows, {'the same bytes' if same else 'DIFFERENT'}")
    n = len(a["runs"])
    ok &= n == runs
rss_mb = int(rss) / 1024
ok &= rss_mb < 200
print(f"soak: {runs:,} runs, killed {kills} times and resumed: {killed_s} s "
      f"(uninterrupted {ref_s} s); largest process {rss_mb:.0f} MB (limit 200)")
print("soak: " + ("passed" if ok else "FAILED"))
sys.exit(0 if ok else 1)
PY
