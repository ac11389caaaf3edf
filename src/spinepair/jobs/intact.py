"""Damaged Parquet results found at the start of a run, so that a plain rerun rebuilds them.

A result cut short (a full disk, a copy interrupted, a file system repaired after a crash)
keeps its name and a recent time stamp, so Snakemake takes it as up to date and the next job
fails on it. :func:`damaged` finds such files in the results folder by reading 12 bytes of
each (:func:`spinepair.contracts.parquetfile.damage`); :func:`set_aside` renames one to
``<name>.corrupt`` (one copy kept for a look), so that Snakemake sees it missing and plans
its job and every job downstream of it. Hidden files (temporary files of a write under way)
are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

from spinepair.contracts.parquetfile import damage

SUFFIX = ".corrupt"


def damaged(results_dir: str | os.PathLike) -> list[tuple[Path, str]]:
    """(path, why) of every Parquet file under results_dir that is not a complete one."""
    root = Path(results_dir)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".parquet") and not name.startswith("."):
                path = Path(folder) / name
                why = damage(path)
                if why is not None:
                    found.append((path, why))
    return found


def set_aside(path: str | os.PathLike) -> Path:
    """Rename a damaged result to ``<name>.corrupt`` beside it (replacing an older one)."""
    path = Path(path)
    aside = path.with_name(path.name + SUFFIX)
    os.replace(path, aside)
    return aside
