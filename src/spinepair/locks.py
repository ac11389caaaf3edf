"""Clear Snakemake's directory lock when the run that held it was killed.

Snakemake leaves ``.snakemake/locks/*.lock`` behind when its process is killed (SIGKILL,
power loss) and then refuses to start until ``--unlock``. A lock is stale when no other
Snakemake process on this machine works in the same directory; only then is it removed,
so two concurrent runs are still kept apart. Processes on other hosts of a shared file
system are invisible here: set SPINEPAIR_KEEP_LOCKS=1 there to keep Snakemake's own rule.
"""

from __future__ import annotations

import os
from pathlib import Path


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return pids


def other_snakemake_in(workdir: Path) -> bool:
    """Whether another live Snakemake process (not this one or its parents) uses workdir."""
    mine = _ancestors()
    for proc in Path("/proc").glob("[0-9]*"):
        if int(proc.name) in mine:
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if b"snakemake" in cmdline and cwd == workdir:
            return True
    return False


def clear_stale_locks(workdir: str | os.PathLike) -> list[Path]:
    """Remove the lock files of a killed run; returns what was removed."""
    workdir = Path(workdir).resolve()
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    if not locks or os.environ.get("SPINEPAIR_KEEP_LOCKS") or not Path("/proc/self").exists():
        return []
    if other_snakemake_in(workdir):
        return []
    for lock in locks:
        lock.unlink(missing_ok=True)
    return locks
