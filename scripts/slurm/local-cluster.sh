#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for tests and for trying sweeps out:
# munged, slurmctld and slurmd run as root with everything they use (slurm.conf, munge key
# and socket, state, spool, logs, pid files) under STATE_DIR. /etc/slurm and /etc/munge are
# neither read nor changed, and no system service is started.
#
#   scripts/slurm/local-cluster.sh start  STATE_DIR   # returns once the node is idle
#   . STATE_DIR/env                                   # sets SLURM_CONF for sinfo, sbatch, srun...
#   scripts/slurm/local-cluster.sh status STATE_DIR   # exit 0 running, 3 stopped, 1 partly
#   scripts/slurm/local-cluster.sh stop   STATE_DIR   # safe to repeat
#
# Needs root and the Debian packages slurm-wlm and munge (scripts/install-deps.sh).
# Environment:
#   LOCAL_SLURM_TIMEOUT  seconds `start` waits for the node to become idle (default 30)
#   LOCAL_SLURM_MPI      MpiDefault to use (default: pmix when its plugin is usable, else none)
#   LOCAL_SLURM_PORT     first port to try for slurmctld (default 6817; slurmd takes the next
#                        one; both move up in steps of 2 while a port is taken)
# A STATE_DIR kept between stop and start keeps its key and its saved job state. Unix socket
# paths are limited to 107 bytes, so keep STATE_DIR short (e.g. from `mktemp -d`).
set -euo pipefail

prog=local-cluster

die() {
  echo "$prog: $*" >&2
  exit 1
}

usage() {
  echo "usage: $0 start|stop|status STATE_DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
case "$action" in start | stop | status) ;; *) usage ;; esac

if [ "$action" != start ] && [ ! -d "$2" ]; then
  if [ "$action" = stop ]; then
    echo "$prog: $2 does not exist: nothing to stop"
    exit 0
  fi
  echo "$prog: $2 does not exist: stopped"
  exit 3
fi
state=$(realpath -m -- "$2")

conf=$state/slurm.conf
munge_dir=$state/munge
socket=$munge_dir/munge.socket
run_dir=$state/run
log_dir=$state/log
daemons=(slurmd slurmctld munged) # the order in which `stop` stops them

pid_file() { echo "$run_dir/$1.pid"; }
log_file() { echo "$log_dir/$1.log"; }

# The process id of daemon $1 if it is alive and really ours: its command line names
# STATE_DIR (each is started with its files there), so a stale pid file whose number was
# reused by another process is never taken for it.
live_pid() {
  local file pid
  file=$(pid_file "$1")
  [ -s "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$state/" || return 1
  echo "$pid"
}

tails() {
  local d f
  for d in "${daemons[@]}"; do
    f=$(log_file "$d")
    [ -f "$f" ] || continue
    echo "----- last lines of $f -----" >&2
    tail -n 25 -- "$f" >&2
  done
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

slurm_env() { env SLURM_CONF="$conf" "$@"; }

# ---------------------------------------------------------------------------------- stop
stop_daemons() {
  local d pid pids=() i
  if pid=$(live_pid slurmctld); then
    # Cancel what still runs, so that no job step outlives slurmd (steps are not ours to
    # kill by name); best effort, bounded in time.
    local jobs
    jobs=$(slurm_env timeout 5 squeue -h -o %A 2>/dev/null | sort -un | paste -sd ' ') || true
    if [ -n "$jobs" ]; then
      echo "$prog: cancelling jobs $jobs"
      # shellcheck disable=SC2086 # job ids, split on purpose
      slurm_env timeout 5 scancel $jobs 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [ -z "$(slurm_env timeout 2 squeue -h -t R,CG -o %A 2>/dev/null)" ] && break
        sleep 0.2
      done
    fi
  fi
  for d in "${daemons[@]}"; do
    if pid=$(live_pid "$d"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$d:$pid")
    fi
  done
  [ ${#pids[@]} -gt 0 ] || { rm -f -- "$run_dir"/*.pid; return 1; }
  # Wait up to 10 s for each, then SIGKILL.
  for ((i = 0; i < 100; i++)); do
    local alive=0 entry
    for entry in "${pids[@]}"; do
      kill -0 "${entry#*:}" 2>/dev/null && alive=1
    done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  for entry in "${pids[@]}"; do
    if kill -0 "${entry#*:}" 2>/dev/null; then
      echo "$prog: ${entry%%:*} (pid ${entry#*:}) ignored SIGTERM for 10 s: SIGKILL" >&2
      kill -KILL "${entry#*:}" 2>/dev/null || true
    fi
  done
  for ((i = 0; i < 50; i++)); do
    local alive=0
    for entry in "${pids[@]}"; do
      kill -0 "${entry#*:}" 2>/dev/null && alive=1
    done
    [ $alive -eq 0 ] && break
    sleep 0.1
  done
  rm -f -- "$run_dir"/*.pid
  echo "$prog: stopped ${pids[*]}"
}

if [ "$action" = stop ]; then
  if ! stop_daemons; then
    echo "$prog: not running in $state"
  fi
  exit 0
fi

# -------------------------------------------------------------------------------- status
if [ "$action" = status ]; then
  n=0
  for d in "${daemons[@]}"; do
    if pid=$(live_pid "$d"); then
      echo "$d: running (pid $pid)"
      n=$((n + 1))
    else
      echo "$d: stopped"
    fi
  done
  if live_pid slurmctld >/dev/null; then
    slurm_env timeout 5 sinfo -N -o '%N %P %T %c %m' || true
    slurm_env timeout 5 squeue || true
  fi
  [ $n -eq ${#daemons[@]} ] && exit 0
  [ $n -eq 0 ] && exit 3
  exit 1
fi

# --------------------------------------------------------------------------------- start
t0=$(now)
[ "$(id -u)" -eq 0 ] || die "must run as root (SlurmUser=root); you are $(id -un)"
for b in munged slurmctld slurmd sinfo squeue scancel; do
  command -v "$b" >/dev/null 2>&1 || die "$b not found: install slurm-wlm and munge (scripts/install-deps.sh)"
done
[ ${#socket} -le 100 ] || die "STATE_DIR is too long for a unix socket path ($socket): use a shorter one"
mkdir -p -- "$state"

running=0
for d in "${daemons[@]}"; do
  live_pid "$d" >/dev/null && running=$((running + 1))
done
if [ $running -eq ${#daemons[@]} ]; then
  echo "$prog: already running in $state"
elif [ $running -gt 0 ]; then
  die "partly running in $state: run '$0 stop $state' first"
fi

node=$(hostname -s)
cpus=$(nproc)
mem_mb=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)

# MpiDefault=pmix needs Slurm's mpi_pmix plugin (slurm-wlm-basic-plugins on Debian) and the
# unversioned libpmix.so that the plugin dlopen()s (libpmix-dev on Debian).
pmix_usable() {
  local f plugin=0 lib=0
  for f in /usr/lib/*/slurm-wlm/mpi_pmix.so /usr/lib*/slurm/mpi_pmix.so /usr/local/lib/slurm/mpi_pmix.so; do
    [ -e "$f" ] && plugin=1
  done
  for f in /usr/lib/*/pmix*/lib/libpmix.so /usr/lib*/libpmix.so /usr/lib/*/libpmix.so /usr/local/lib/libpmix.so; do
    [ -e "$f" ] && lib=1
  done
  [ $plugin -eq 1 ] && [ $lib -eq 1 ]
}
if [ $running -gt 0 ]; then
  mpi=$(sed -n 's/^MpiDefault=//p' "$conf")
  mpi_why="from the running cluster's slurm.conf"
elif [ -n "${LOCAL_SLURM_MPI:-}" ]; then
  mpi=$LOCAL_SLURM_MPI
  mpi_why="set by LOCAL_SLURM_MPI"
elif pmix_usable; then
  mpi=pmix
  mpi_why="the mpi_pmix plugin and libpmix.so are installed"
else
  mpi=none
  mpi_why="no usable mpi_pmix plugin (needs slurm-wlm-basic-plugins and libpmix-dev)"
fi

port_taken() { (: <>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ $running -eq 0 ]; then
  mkdir -p -- "$munge_dir" "$run_dir" "$log_dir" "$state/spool/ctld" "$state/spool/d" "$state/tmp"
  # munged refuses keys that others can read and key or socket directories that others can
  # write; the socket directory must be searchable by all.
  chmod 0755 -- "$munge_dir"
  if [ ! -s "$munge_dir/munge.key" ]; then
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --bits=1024 --keyfile="$munge_dir/munge.key"
    else
      (umask 077 && dd if=/dev/urandom of="$munge_dir/munge.key" bs=128 count=1 status=none)
    fi
  fi
  chmod 0600 -- "$munge_dir/munge.key"
  rm -f -- "$socket" "$socket.lock" "$run_dir"/*.pid

  port=${LOCAL_SLURM_PORT:-6817}
  while port_taken "$port" || port_taken $((port + 1)); do
    port=$((port + 2))
    [ "$port" -lt 65000 ] || die "no free pair of ports for slurmctld and slurmd"
  done

  : >"$state/plugstack.conf" # instead of /etc/slurm/plugstack.conf
  mkdir -p "$state/cgroup/systemd"
  cat >"$state/cgroup.conf" <<EOF
CgroupPlugin=cgroup/v1
CgroupMountpoint=$state/cgroup
CgroupAutomount=no
IgnoreSystemd=yes
EOF
  cat >"$conf" <<EOF
# Written by scripts/slurm/local-cluster.sh: a single-node cluster for tests.
ClusterName=cyberdeter-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
PlugStackConfig=$state/plugstack.conf
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$(pid_file slurmctld)
SlurmdPidFile=$(pid_file slurmd)
SlurmctldLogFile=$(log_file slurmctld)
SlurmdLogFile=$(log_file slurmd)
SlurmctldDebug=info
SlurmdDebug=info
TmpFS=$state/tmp
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=$mpi
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
ReturnToService=2
SlurmdParameters=config_overrides
MailProg=/bin/true
InactiveLimit=0
KillWait=2
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
MessageTimeout=10
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  {
    echo "# Source this file to use the cluster in $state: . $(printf %q "$state/env")"
    echo "export SLURM_CONF=$(printf %q "$conf")"
  } >"$state/env"

  # munged daemonizes once its socket is ready; --force accepts an existing socket and
  # directories it would otherwise call insecure (e.g. under a group-writable parent).
  munged --force --key-file="$munge_dir/munge.key" --socket="$socket" \
    --pid-file="$(pid_file munged)" --log-file="$(log_file munged)" \
    --seed-file="$munge_dir/munged.seed" </dev/null >>"$(log_file munged)" 2>&1 ||
    { tails; die "munged did not start"; }
  if command -v munge >/dev/null 2>&1 && command -v unmunge >/dev/null 2>&1; then
    munge -n -S "$socket" | unmunge -S "$socket" >/dev/null 2>&1 ||
      { tails; stop_daemons >/dev/null || true; die "munged does not answer on $socket"; }
  fi

  slurmctld -f "$conf" </dev/null >>"$(log_file slurmctld)" 2>&1 ||
    { tails; stop_daemons >/dev/null || true; die "slurmctld did not start"; }
  slurmd -f "$conf" </dev/null >>"$(log_file slurmd)" 2>&1 ||
    { tails; stop_daemons >/dev/null || true; die "slurmd did not start"; }
fi

timeout_s=${LOCAL_SLURM_TIMEOUT:-30}
deadline=$(awk -v t="$(now)" -v s="$timeout_s" 'BEGIN { printf "%d", t + s }')
node_state=
while :; do
  node_state=$(slurm_env timeout 5 sinfo -h -N -n "$node" -o %T 2>/dev/null | head -n 1) || true
  [ "$node_state" = idle ] && break
  for d in "${daemons[@]}"; do
    # The daemons write their pid files a moment after they fork; give them that moment.
    if ! live_pid "$d" >/dev/null && [ "$(elapsed "$t0" | cut -d. -f1)" -ge 3 ]; then
      tails
      stop_daemons >/dev/null || true
      die "$d exited during start-up (logs above, in $log_dir)"
    fi
  done
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tails
    slurm_env timeout 5 sinfo -N -l >&2 || true
    stop_daemons >/dev/null || true
    die "node $node not idle after $timeout_s s (state '${node_state:-no answer}')"
  fi
  sleep 0.2
done

echo "$prog: node $node idle ($cpus CPUs, $mem_mb MB), partition debug, MpiDefault=$mpi ($mpi_why), in $(elapsed "$t0") s"
echo "$prog: state, logs and slurm.conf in $state"
echo "$prog: to use it:  . $(printf %q "$state/env")   (export SLURM_CONF=$(printf %q "$conf"))"
