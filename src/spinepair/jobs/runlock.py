"""One run at a time in a working directory: an OS lock held for the life of the run.

Snakemake's own ``.snakemake/locks`` check is racy (two processes may both check before
either writes), so the Snakefile first takes an exclusive ``flock`` on
``.snakemake/spinepair.lock`` (:data:`LOCK_NAME`), without waiting, before the DAG is built.
The open descriptor is kept in this module for the life of the process; the kernel releases
the lock when the process ends in any way (SIGKILL and power loss included), so it is never
stale. The holder writes its pid, host, start time and command line into the file; a second
run reads them and stops at once with one line, exit code 1, before touching any file.

What takes the lock (decided by :func:`mode`, from Snakemake's parsed command line):

- a run, ``--touch``, ``--unlock``, ``--cleanup-metadata``, ``--delete-*-output``: exclusive
  (only a run also sets damaged results aside, see :func:`start`);
- ``--report`` (without ``--report-after-run``): shared; reports may run together, but not
  during a run (it may delete and rebuild what the report reads) and no run starts during one;
- a dry run, ``--lint``, ``--dag``, ``--summary``, ``--list-*`` and the like: nothing (they
  never block a run; a dry run says so when a run is active);
- a Snakemake process started for a job (``--mode remote`` on Slurm, subworkflow): nothing.

``flock`` works across hosts on NFSv4 and most cluster file systems; where the file system
has no locks at all the run goes on with a warning, protected by Snakemake's lock alone.
"""

from __future__ import annotations

import datetime
import errno
import fcntl
import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from spinepair.processes import alive

LOCK_NAME = Path(".snakemake") / "spinepair.lock"

# Snakemake actions that only read the workflow and its results (attribute names of its
# parsed command line); --report is handled apart.
READ_ONLY = (
    "dryrun",
    "lint",
    "list_target_rules",
    "list_rules",
    "print_compilation",
    "dag",
    "rulegraph",
    "filegraph",
    "d3dag",
    "summary",
    "detailed_summary",
    "list_changes",
    "list_input_changes",
    "list_params_changes",
    "list_untracked",
    "list_conda_envs",
    "containerize",
    "generate_unit_tests",
    "archive",
)


class RunLocked(Exception):
    """Another process holds the run lock; the message says which and what to do."""


@dataclass
class Held:
    path: Path
    fd: int
    shared: bool


_HELD: dict[Path, Held] = {}  # the open descriptors: the lock lives as long as they do


def _cli_args():
    """Snakemake's parsed command line (None when Snakemake runs from the Python API)."""
    frame = sys._getframe()
    while frame is not None:
        code = frame.f_code
        if code.co_name == "args_to_api" and code.co_filename.endswith(
            os.path.join("snakemake", "cli.py")
        ):
            return frame.f_locals.get("args")
        frame = frame.f_back
    return None


# Actions that change the working directory but run no job: the lock, no damaged-result scan.
UPKEEP = (
    "touch",
    "unlock",
    "cleanup_metadata",
    "delete_all_output",
    "delete_temp_output",
    "cleanup_shadow",
    "conda_cleanup_envs",
    "container_cleanup_images",
)


def mode(*, main_process: bool, lint: bool, dryrun: bool, args=None) -> str:
    """'run' or 'upkeep' (exclusive lock), 'report' (shared), 'dryrun' or 'none' (no lock)."""
    if not main_process or lint:
        return "none"
    if dryrun:
        return "dryrun"
    args = _cli_args() if args is None else args
    if args is None:  # the Python API: be safe, lock as a run
        return "run"
    if any(getattr(args, flag, None) for flag in READ_ONLY):
        return "none"
    if getattr(args, "report", None) and not getattr(args, "report_after_run", False):
        return "report"
    if any(getattr(args, flag, None) for flag in UPKEEP):
        return "upkeep"
    return "run"


def _describe(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def holder(workdir: str | os.PathLike = ".") -> dict[str, str] | None:
    """The run that holds the lock in workdir as it recorded itself, if it still lives.

    Read without taking the lock (a dry run must never block a run starting at that
    moment); a process on another host is taken as alive.
    """
    info = _describe(Path(workdir) / LOCK_NAME)
    if not info.get("pid", "").isdigit():
        return None
    if info.get("host") == socket.gethostname():
        pid = int(info["pid"])
        if not alive(pid):
            return None
        if info.get("ticks") and _start_ticks(pid) not in ("", info["ticks"]):
            return None  # the pid now belongs to another process
    return info


def _start_ticks(pid: int | str = "self") -> str:
    """When a process started (clock ticks since boot; '' without /proc): with its pid,
    it names one process even after the pid is reused."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _who(info: dict[str, str]) -> str:
    return (
        f"pid {info.get('pid', '?')} on {info.get('host', '?')}, started "
        f"{info.get('started', '?')}: {info.get('command', '?')}"
    )


def acquire(workdir: str | os.PathLike = ".", *, shared: bool = False) -> Held | None:
    """Take the run lock of workdir without waiting; raise :class:`RunLocked` if taken.

    Returns None when the file system offers no locks (the caller warns). Taking it twice
    in one process returns the lock already held.
    """
    path = (Path(workdir) / LOCK_NAME).resolve()
    if path in _HELD:
        return _HELD[path]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            message = _refusal(fd, path, shared)
            os.close(fd)
            raise RunLocked(message) from None
        os.close(fd)
        if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            return None
        raise
    if not shared:
        command = " ".join(["snakemake", *sys.argv[1:]]).replace("\n", " ")
        record = (
            f"pid={os.getpid()}\nhost={socket.gethostname()}\nticks={_start_ticks()}\n"
            f"started={datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n"
            f"command={command}\n"
        ).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)
    held = _HELD[path] = Held(path, fd, shared)
    return held


def _refusal(fd: int, path: Path, shared: bool) -> str:
    """The one line a process that did not get the lock prints."""
    if shared:  # a report: only an exclusive holder (a run) refuses it
        info = _describe(path)
        return (
            f"spinepair: a run is active in this directory ({_who(info)}); "
            "make the report when it has finished"
        )
    try:  # exclusive refused: by a run, or only by reports holding it shared?
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        info = _describe(path)
        return (
            f"spinepair: another run is active in this directory ({_who(info)}); "
            "this one stops without touching any file: wait for it to finish or stop it "
            f"(lock: {LOCK_NAME})"
        )
    fcntl.flock(fd, fcntl.LOCK_UN)
    return (
        "spinepair: `snakemake --report` is reading the results in this directory; "
        "start the run when it has finished"
    )


def release(workdir: str | os.PathLike = ".") -> None:
    """Release the lock this process holds on workdir (the end of the process does too)."""
    held = _HELD.pop((Path(workdir) / LOCK_NAME).resolve(), None)
    if held is not None:
        os.close(held.fd)


def start(*, main_process: bool, lint: bool, dryrun: bool, results_dir: str, workdir=".") -> str:
    """What the Snakefile does before the DAG is built; returns the :func:`mode`.

    A run takes the lock (or stops the process with one line and exit code 1), clears or
    explains a stale Snakemake lock, and sets aside damaged Parquet results so that it
    rebuilds them; a dry run names those and says when a run is active; a report takes
    the lock shared.
    """
    from spinepair.jobs import intact, locks

    how = mode(main_process=main_process, lint=lint, dryrun=dryrun)
    if how in ("run", "upkeep", "report"):
        try:
            held = acquire(workdir, shared=how == "report")
        except RunLocked as exc:
            print(exc, file=sys.stderr, flush=True)
            sys.exit(1)
        if held is None:
            print(
                f"spinepair: warning: the file system offers no lock for {LOCK_NAME}; "
                "only Snakemake's own lock keeps two runs apart here",
                file=sys.stderr,
            )
    if how == "run":
        locks.stale_lock_notice(workdir, run_lock_held=held is not None)
        for path, why in intact.damaged(results_dir):
            aside = intact.set_aside(path)
            print(
                f"spinepair: {path} is not a readable Parquet file ({why}): moved to "
                f"{aside.name}; this run rebuilds it and what depends on it"
            )
    elif how == "dryrun":
        info = holder(workdir)
        if info is not None:
            print(
                f"spinepair: a run is active in this directory ({_who(info)}); "
                "this dry run shows the plan as the results are now"
            )
        for path, why in intact.damaged(results_dir):
            print(
                f"spinepair: {path} is not a readable Parquet file ({why}); a run sets it "
                "aside and rebuilds it and what depends on it (not shown in this dry run)"
            )
    return how
