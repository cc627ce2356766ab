#!/usr/bin/env bash
# Submits a cyberdeter calibration to Slurm (docs/calibration.md, "Waves on the sweep
# machinery"): for each wave, a job array of N shards, each running its share of the wave
# (`cyberdeter calibrate CAL.toml -o OUT.h5`, the shard taken from SLURM_ARRAY_TASK_ID),
# then one job that merges the wave (`--resume --until-wave K`; after the last wave it
# writes OUT.h5). Every job starts only once the one before succeeded (afterok), and each
# array computes its wave's design from the merged waves, so the chain can be submitted at
# once. Prints the job ids, one per line (wave_0_array=…, wave_0_merge=…, …).
#
# usage: scripts/slurm/submit-calibrate.sh CAL.toml OUT.h5 [options] [sbatch options...]
#   --shards N          array tasks per wave (default 4)
#   --cyberdeter PATH   the binary the jobs run (default: `cyberdeter` on PATH, resolved now)
#   --waves W           waves to submit (default: read from [method] waves of CAL.toml)
# Any other argument goes to sbatch for every job (e.g. -p batch --time 1:00:00).
#
# Re-submitting after a failure: the same command. Merged waves are read back, and each
# shard continues from its own checkpoints (OUT.h5.parts/wave-K/shard-I-of-N/).
set -euo pipefail
die() { echo "submit-calibrate: $*" >&2; exit 2; }
shards=4
bin=
waves=
positional=()
sbatch_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) shards=$2; shift 2 ;;
    --cyberdeter) bin=$2; shift 2 ;;
    --waves) waves=$2; shift 2 ;;
    -h | --help) sed -n '/^# usage:/,/^# Any other/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    *)
      if [ ${#positional[@]} -lt 2 ] && [[ "$1" != -* ]]; then positional+=("$1"); else sbatch_args+=("$1"); fi
      shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || die "usage: submit-calibrate.sh CAL.toml OUT.h5 [--shards N] [sbatch options]"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards must be a positive integer, not '$shards'"
command -v sbatch >/dev/null 2>&1 || die "sbatch not found: is this a Slurm submit host?"
cal=$(realpath -- "${positional[0]}")
out=$(realpath -m -- "${positional[1]}")
[ -f "$cal" ] || die "calibration file $cal not found"
if [ -z "$bin" ]; then bin=$(command -v cyberdeter) || die "cyberdeter is not on PATH: pass --cyberdeter PATH"; fi
bin=$(realpath -- "$bin")
"$bin" validate --help >/dev/null 2>&1 || die "$bin does not run"
if [ -z "$waves" ]; then
  waves=$(sed -n '/^\[method\]/,/^\[/{s/^waves *= *\([0-9]*\).*/\1/p}' "$cal" | head -1)
  waves=${waves:-4}
fi
logs="$out.logs"
mkdir -p -- "$logs"
dep=()
for ((k = 0; k < waves; k++)); do
  array=$(sbatch --parsable "${dep[@]}" --array="1-$shards" --job-name="calibrate-w$k" \
    --output="$logs/wave-$k-%a.log" "${sbatch_args[@]}" \
    --wrap="'$bin' calibrate '$cal' -o '$out' -q")
  echo "wave_${k}_array=$array"
  until=()
  [ $((k + 1)) -lt "$waves" ] && until=(--until-wave "$k")
  merge=$(sbatch --parsable --dependency="afterok:$array" --job-name="calibrate-m$k" \
    --output="$logs/merge-$k.log" "${sbatch_args[@]}" \
    --wrap="'$bin' calibrate '$cal' -o '$out' --resume ${until[*]}")
  echo "wave_${k}_merge=$merge"
  dep=(--dependency="afterok:$merge")
done
