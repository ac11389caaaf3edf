"""Snakemake's directory lock after a killed run: say what to do, clear it only on request.

Snakemake leaves ``.snakemake/locks/*.lock`` behind when its process is killed (SIGKILL,
power loss) and then refuses to start until ``snakemake --unlock``. A run calls
:func:`stale_lock_notice` once it holds spinepair's own run lock
(:mod:`spinepair.jobs.runlock`): no other run works in the directory then, so any such lock
file is stale, on one host or across the hosts of a file system whose ``flock`` they share.
Nothing is deleted by default: the notice prints what to do. With the opt-in variable
``SPINEPAIR_CLEAR_STALE_LOCKS=1`` the stale lock is removed instead. Without the run lock (a
file system without locks) a lock file counts as stale only when no other Snakemake process
on this machine works in the same directory; ``/proc`` is scanned only then, and only when
lock files exist.
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


CLEAR_VARIABLE = "SPINEPAIR_CLEAR_STALE_LOCKS"


def stale_locks(workdir: str | os.PathLike, run_lock_held: bool = False) -> list[Path]:
    """Lock files in workdir that no live run holds.

    With ``run_lock_held`` (this process holds spinepair's run lock of workdir) every lock
    file is stale; without, those no live Snakemake process on this machine may hold.
    """
    workdir = Path(workdir).resolve()
    locks = sorted((workdir / ".snakemake" / "locks").glob("*.lock"))
    if not locks or run_lock_held:
        return locks
    if not Path("/proc/self").exists() or other_snakemake_in(workdir):
        return []
    return locks


def stale_lock_notice(workdir: str | os.PathLike, run_lock_held: bool = False) -> list[Path]:
    """Clear stale locks if the opt-in variable is set, else print how; returns the removed."""
    locks = stale_locks(workdir, run_lock_held)
    if not locks:
        return []
    if os.environ.get(CLEAR_VARIABLE) == "1":
        for lock in locks:
            lock.unlink(missing_ok=True)
        print("spinepair: removed the lock left by an interrupted run (no Snakemake runs here)")
        return locks
    print(
        "spinepair: a lock left by an interrupted run is in .snakemake/locks and no Snakemake "
        "runs here; run `snakemake --unlock` once, then start again "
        f"(or set {CLEAR_VARIABLE}=1 to clear such locks automatically)"
    )
    return []
