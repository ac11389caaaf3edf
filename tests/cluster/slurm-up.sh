#!/usr/bin/env bash
# Start a one-node Slurm cluster on this host for tests (Debian 12, as root).
#
# Installs slurm-wlm and munge from Debian if missing, writes a one-node slurm.conf
# (no cgroups, no accounting database), starts munged, slurmctld and slurmd on
# 127.0.0.1, records their PIDs in $SPINEPAIR_SLURM_STATE (default /tmp/spinepair-slurm)
# and waits until `sinfo` shows the node idle. Stop it with slurm-down.sh.
# Re-running while the cluster is up is a no-op.
#
# Environment: SPINEPAIR_SLURM_STATE (state dir), SPINEPAIR_SLURM_CPUS (CPUs the node
# advertises, default 8), SPINEPAIR_SLURM_TIMEOUT (seconds to wait for idle, default 60).
set -euo pipefail

STATE=${SPINEPAIR_SLURM_STATE:-/tmp/spinepair-slurm}
CPUS=${SPINEPAIR_SLURM_CPUS:-8}
TIMEOUT=${SPINEPAIR_SLURM_TIMEOUT:-60}
CONF=/etc/slurm/slurm.conf

die() {
    echo "slurm-up: ERROR: $*" >&2
    exit 1
}
log() { echo "slurm-up: $*"; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages and starts daemons)"

alive() { [ -s "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

node_idle() { sinfo --noheader --Node --format=%T 2>/dev/null | grep -qx idle; }

mkdir -p "$STATE"
if alive slurmctld && alive slurmd && node_idle; then
    log "cluster already running (state in $STATE)"
    exit 0
fi

# 1. Install (skipped when the binaries exist).
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
    || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    command -v apt-get >/dev/null || die "Slurm is not installed and apt-get is not available"
    log "installing slurm-wlm and munge from Debian"
    t0=$(date +%s)
    # Keep the packages' maintainer scripts from starting the daemons themselves.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends slurm-wlm munge >"$STATE/apt.log" 2>&1 \
        || { apt-get update -q >>"$STATE/apt.log" 2>&1 \
            && apt-get install -y -q --no-install-recommends slurm-wlm munge \
                >>"$STATE/apt.log" 2>&1; } \
        || { [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
             die "apt-get install slurm-wlm munge failed; see $STATE/apt.log"; }
    [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    log "installed in $(($(date +%s) - t0)) s"
fi

# 2. Configuration.
mkdir -p "$STATE/ctld" "$STATE/spool"
rm -f "$STATE"/*.pid
host=$(hostname -s)
mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
cat >"$STATE/slurm.conf" <<EOF
# One-node test cluster written by tests/cluster/slurm-up.sh
ClusterName=spinepair
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
# The executor plugin only trusts squeue for job status when MinJobAge >= 3x its
# initial status-check delay; otherwise it falls back to sacct, which hangs here.
MinJobAge=300
NodeName=$host NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
# Jobs run srun with the SLURM_* variables stripped, so the file must be at the default path.
mkdir -p /etc/slurm
if [ -e "$CONF" ] && [ "$(readlink "$CONF" || true)" != "$STATE/slurm.conf" ]; then
    die "$CONF exists and is not ours; refusing to overwrite a site configuration"
fi
ln -sfn "$STATE/slurm.conf" "$CONF"

# 3. Daemons.
t0=$(date +%s.%N)
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "munged already running; using it (it will not be stopped by slurm-down.sh)"
else
    [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile=/etc/munge/munge.key \
        && chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key; } \
        || die "cannot create /etc/munge/munge.key"
    install -d -o munge -g munge -m 755 /run/munge
    rm -f /run/munge/munged.pid
    runuser -u munge -- munged || die "munged failed to start (see /var/log/munge/munged.log)"
    # munged writes its PID file as the munge user under /run/munge; keep a copy.
    for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
    cp /run/munge/munged.pid "$STATE/munged.pid" || die "munged wrote no PID file"
fi
slurmctld -c || die "slurmctld failed to start; see $STATE/slurmctld.log"
slurmd || die "slurmd failed to start; see $STATE/slurmd.log"

deadline=$(($(date +%s) + TIMEOUT))
until node_idle; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
        sinfo --Node --long >&2 || true
        die "node did not become idle within ${TIMEOUT} s; see $STATE/slurmctld.log and \
$STATE/slurmd.log, stop with slurm-down.sh"
    fi
    sleep 0.2
done
alive slurmctld && alive slurmd || die "daemons exited; see $STATE/slurmctld.log"
log "node $host idle with $CPUS CPUs after \
$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s (state in $STATE)"
