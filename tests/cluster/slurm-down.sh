#!/usr/bin/env bash
# Stop the daemons that slurm-up.sh started, by the PIDs it recorded, and remove the
# /etc/slurm/slurm.conf symlink it made. Daemons it did not start are left alone.
set -euo pipefail

STATE=${SPINEPAIR_SLURM_STATE:-/tmp/spinepair-slurm}
CONF=/etc/slurm/slurm.conf

[ -d "$STATE" ] || { echo "slurm-down: nothing to stop ($STATE does not exist)"; exit 0; }

status=0
for daemon in slurmd slurmctld munged; do
    pidfile="$STATE/$daemon.pid"
    [ -s "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    # Only signal the PID if it still runs the daemon we recorded.
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "$daemon" ]; then
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "slurm-down: $daemon (PID $pid) did not stop within 10 s" >&2
            status=1
            continue
        fi
        echo "slurm-down: stopped $daemon (PID $pid)"
    fi
    rm -f "$pidfile"
done

if [ "$(readlink "$CONF" 2>/dev/null || true)" = "$STATE/slurm.conf" ]; then
    rm -f "$CONF"
fi
exit "$status"
