"""Run the real Snakemake on a temporary copy of the project (for workflow tests)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("Snakefile", "workflow", "profiles", "config", "schemas", "data", "src")


def copy_project(dest: Path) -> Path:
    """Copy what a study run needs (not results/, not .snakemake/) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_symlink():
            os.symlink(os.readlink(src), dest / name)
        elif src.is_dir():
            shutil.copytree(
                src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            shutil.copy2(src, dest / name)
    return dest


def job_env(workdir: Path) -> dict:
    """Environment in which jobs import the copy's library (so tests may edit it)."""
    return {**os.environ, "PYTHONPATH": str(workdir / "src")}


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``python -m snakemake`` in ``workdir``; on failure show its output."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", *args]
    proc = subprocess.run(
        cmd, check=False, cwd=workdir, capture_output=True, text=True, env=job_env(workdir)
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    return proc


def dry_run(workdir: Path, *args: str) -> tuple[dict[str, int], dict[str, set[str]]]:
    """(rule -> number of jobs a dry run would execute, reason -> rules it names)."""
    proc = snakemake(workdir, "-n", "--quiet", "rules", *args)
    stats, _, reasons = (proc.stdout + proc.stderr).partition("Reasons:")
    jobs: dict[str, int] = {}
    for line in stats.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
            jobs[parts[0]] = int(parts[1])
    why: dict[str, set[str]] = {}
    reason = None
    for line in reasons.splitlines():
        if line.startswith("        ") and reason is not None:
            why.setdefault(reason, set()).update(r.strip() for r in line.split(","))
        elif line.startswith("    ") and line.endswith(":"):
            reason = line.strip().removesuffix(":")
        elif line.strip():
            reason = None
    return jobs, why


def dry_run_jobs(workdir: Path, *args: str) -> dict[str, int]:
    """Rule -> number of jobs a dry run would execute (empty when nothing to do)."""
    return dry_run(workdir, *args)[0]
