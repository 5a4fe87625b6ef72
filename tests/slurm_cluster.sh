# A one-node Slurm cluster in a scratch directory, for tests (sourced by bash scripts).
# slurm_start DIR: its own munged (own socket and key), slurmctld and slurmd on free
# ports, SLURM_CONF exported; returns 77 (CTest's "skipped") when Slurm is not
# installed or cannot start here. slurm_stop: cancels every job, waits for the queue to
# drain, then stops the daemons by the PIDs they wrote, in reverse order.
SLURM_DIR=""

slurm_free_port() {
  local p
  for p in $(seq "$1" $(($1 + 200))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

slurm_start() {
  SLURM_DIR=$1
  local tool
  for tool in munged slurmctld slurmd sbatch squeue scancel sinfo; do
    if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
      echo "SKIPPED: $tool is not installed (bash tools/setup.sh --slurm installs Slurm)" >&2
      return 77
    fi
  done
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED: a test cluster's slurmd must run as root" >&2
    return 77
  fi
  export PATH="$PATH:/usr/sbin"
  rm -rf "$SLURM_DIR"
  mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" "$SLURM_DIR/munge"
  chmod 755 "$SLURM_DIR"
  # munged refuses a key or socket directory others can write, and a socket others cannot reach.
  dd if=/dev/urandom of="$SLURM_DIR/munge/munge.key" bs=1024 count=1 status=none
  chown -R munge:munge "$SLURM_DIR/munge"
  chmod 755 "$SLURM_DIR/munge"
  chmod 400 "$SLURM_DIR/munge/munge.key"
  runuser -u munge -- munged --socket="$SLURM_DIR/munge/socket" \
    --key-file="$SLURM_DIR/munge/munge.key" --pid-file="$SLURM_DIR/munge/munged.pid" \
    --log-file="$SLURM_DIR/munge/munged.log" --seed-file="$SLURM_DIR/munge/seed" ||
    { echo "SKIPPED: munged does not start here" >&2; return 77; }
  local ctl_port slurmd_port
  ctl_port=$(slurm_free_port $((20000 + $$ % 20000))) || return 77
  slurmd_port=$(slurm_free_port $((ctl_port + 1))) || return 77
  cat >"$SLURM_DIR/slurm.conf" <<CONF
ClusterName=test$$
SlurmctldHost=localhost
SlurmctldPort=$ctl_port
SlurmdPort=$slurmd_port
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$SLURM_DIR/munge/socket
CredType=cred/munge
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/slurmctld.log
SlurmdLogFile=$SLURM_DIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SchedulerParameters=batch_sched_delay=0
SlurmdParameters=config_overrides
NodeName=localhost CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$SLURM_DIR/slurm.conf
  slurmctld -f "$SLURM_CONF" || { echo "SKIPPED: slurmctld does not start here" >&2; return 77; }
  slurmd -f "$SLURM_CONF" -N localhost || { echo "SKIPPED: slurmd does not start here" >&2; return 77; }
  local i state
  for i in $(seq 150); do
    state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
    [ "$state" = idle ] && return 0
    sleep 0.2
  done
  echo "SKIPPED: the test cluster's node never became idle (state '$state'); see $SLURM_DIR/*.log" >&2
  return 77
}

slurm_stop_pid() {  # PIDFILE: TERM the daemon that wrote it, wait up to 10 s
  local pid i
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

slurm_stop() {
  [ -n "$SLURM_DIR" ] || return 0
  if [ -f "$SLURM_DIR/slurmctld.pid" ]; then
    scancel --full -u root 2>/dev/null || true
    local i
    for i in $(seq 100); do
      [ -z "$(squeue -h 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  slurm_stop_pid "$SLURM_DIR/slurmd.pid"
  slurm_stop_pid "$SLURM_DIR/slurmctld.pid"
  slurm_stop_pid "$SLURM_DIR/munge/munged.pid"
}
