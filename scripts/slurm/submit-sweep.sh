#!/usr/bin/env bash
# Submits a cyberdeter sweep to Slurm: a job array of N shards (sweep.sbatch), then the
# merge of their part files into OUT.h5 (merge.sbatch), which starts only once every shard
# succeeded. Prints the two job ids on stdout, one per line:
#   array_job=123
#   merge_job=124
# Works from any directory: every path is made absolute before submission.
#
# usage: scripts/slurm/submit-sweep.sh SWEEP.toml OUT.h5 [options] [sbatch options...]
#   --shards N          number of array tasks (default 4)
#   --cyberdeter PATH   the binary the jobs run (default: `cyberdeter` on PATH, resolved now)
#   --parts-dir DIR     where the part files and logs go (default: OUT without .h5, + .parts)
#   --max-running K     at most K shards at once (--array=1-N%K)
#   --resume            resubmission after failures: each shard continues its own part file
#   --                  everything after it goes to sbatch
# Any other argument after SWEEP.toml and OUT.h5 goes to sbatch, for both jobs, after the
# options set here (so it wins): e.g. -p batch --time 4:00:00 --account proj.
#
# Re-submitting after some shards failed: run the same command with --resume (and the same
# --shards). Without --resume, a parts directory that already holds part files is refused,
# so that parts of an earlier sweep can never end up in the merge.
set -euo pipefail

prog=submit-sweep
die() {
  echo "$prog: $*" >&2
  exit 2
}
usage() {
  sed -n '/^# usage:/,/^# Any other/p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
shards=4
bin=
parts_dir=
max_running=
resume=0
positional=()
sbatch_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --shards) [ $# -ge 2 ] || die "--shards needs a value"; shards=$2; shift 2 ;;
    --shards=*) shards=${1#*=}; shift ;;
    --cyberdeter) [ $# -ge 2 ] || die "--cyberdeter needs a value"; bin=$2; shift 2 ;;
    --cyberdeter=*) bin=${1#*=}; shift ;;
    --parts-dir) [ $# -ge 2 ] || die "--parts-dir needs a value"; parts_dir=$2; shift 2 ;;
    --parts-dir=*) parts_dir=${1#*=}; shift ;;
    --max-running) [ $# -ge 2 ] || die "--max-running needs a value"; max_running=$2; shift 2 ;;
    --max-running=*) max_running=${1#*=}; shift ;;
    --resume) resume=1; shift ;;
    -h | --help) usage ;;
    --) shift; sbatch_args+=("$@"); break ;;
    *)
      if [ ${#positional[@]} -lt 2 ] && [[ "$1" != -* ]]; then
        positional+=("$1")
      else
        sbatch_args+=("$1")
      fi
      shift
      ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || die "--shards must be a positive integer, not '$shards'"
[ -z "$max_running" ] || [[ "$max_running" =~ ^[1-9][0-9]*$ ]] ||
  die "--max-running must be a positive integer, not '$max_running'"
command -v sbatch >/dev/null 2>&1 || die "sbatch not found: is this a Slurm submit host?"

sweep=${positional[0]}
[ -f "$sweep" ] || die "sweep file $sweep not found"
sweep=$(realpath -- "$sweep")
out=$(realpath -m -- "${positional[1]}")
[[ "$out" == *.h5 ]] || die "output $out should end in .h5"
[ -n "$parts_dir" ] || parts_dir=${out%.h5}.parts
parts_dir=$(realpath -m -- "$parts_dir")

if [ -z "$bin" ]; then
  bin=$(command -v cyberdeter) || die "cyberdeter is not on PATH: pass --cyberdeter PATH"
fi
[[ -f "$bin" && -x "$bin" ]] || die "cyberdeter binary $bin is not an executable file"
bin=$(realpath -- "$bin")

mkdir -p -- "$parts_dir/logs" "$(dirname -- "$out")"
if [ $resume -eq 0 ] && compgen -G "$parts_dir/part-*.h5" >/dev/null; then
  die "$parts_dir already holds part files: pass --resume to continue them, or remove them"
fi

name=$(basename -- "$sweep" .toml)
array=1-$shards${max_running:+%$max_running}
resume_arg=()
[ $resume -eq 0 ] || resume_arg=(--resume)

job_id() { # sbatch --parsable prints "id" or "id;cluster"
  local id=${1%%;*}
  [[ "$id" =~ ^[0-9]+$ ]] || return 1
  echo "$id"
}

if ! reply=$(sbatch --parsable --array="$array" --job-name="sweep-$name" --chdir="$parts_dir" \
  --output="$parts_dir/logs/%x-%A_%a.out" "${sbatch_args[@]}" \
  "$here/sweep.sbatch" "$sweep" "$parts_dir" "$bin" "${resume_arg[@]}"); then
  die "sbatch refused the array (message above)"
fi
array_job=$(job_id "$reply") || die "unexpected reply from sbatch: $reply"

if ! reply=$(sbatch --parsable --dependency="afterok:$array_job" \
  --kill-on-invalid-dep=yes --job-name="merge-$name" --chdir="$parts_dir" \
  --output="$parts_dir/logs/%x-%j.out" "${sbatch_args[@]}" \
  "$here/merge.sbatch" "$parts_dir" "$out" "$bin" "$shards"); then
  scancel "$array_job" 2>/dev/null || true
  die "sbatch refused the merge (message above); cancelled array job $array_job"
fi
merge_job=$(job_id "$reply") || {
  scancel "$array_job" 2>/dev/null || true
  die "unexpected reply from sbatch: $reply; cancelled array job $array_job"
}

echo "array_job=$array_job"
echo "merge_job=$merge_job"
{
  echo "$prog: $shards shards of $sweep: array job $array_job$([ $resume -eq 0 ] || echo ' (resuming)')"
  echo "$prog: merge into $out: job $merge_job, once every shard succeeded"
  echo "$prog: part files and logs in $parts_dir"
} >&2
