"""Demo study timings: every job's wall time and peak memory, a whole-study run, one
site's ingest alone, and the no-op dry run (nothing to do after a full run).

    python benchmarks/demo_timings.py [--cores 4]

Runs on a temporary copy of the project; prints Markdown tables for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from workflow_helpers import copy_project, job_env


def timed(workdir: Path, *args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "snakemake", *args], cwd=workdir, env=job_env(workdir),
                   check=True, capture_output=True)
    return time.perf_counter() - start


def job_table(results: Path) -> pd.DataFrame:
    rows = []
    for tsv in sorted((results / "benchmarks").rglob("*.tsv")):
        b = pd.read_csv(tsv, sep="\t")
        job = tsv.relative_to(results / "benchmarks").with_suffix("").as_posix()
        rows.append({"job": job, "wall s": round(float(b["s"].iloc[0]), 2),
                     "peak RSS MB": round(float(b["max_rss"].iloc[0]), 0)})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cores", default="4")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_project(Path(tmp) / "study")
        full = timed(work, "--cores", args.cores)
        jobs = job_table(work / "results")
        noop = [timed(work, "-n") for _ in range(5)]
        site = timed(work, "--cores", args.cores, "--forcerun", "ingest", "--until", "ingest",
                     "results/ingested/C/validation.json")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}\n")
    print(f"| measure | seconds |\n|---|---|\n| full demo study, `snakemake --cores {args.cores}` "
          f"| {full:.1f} |\n| no-op dry run `snakemake -n` after it (median of 5) | "
          f"{statistics.median(noop):.2f} |\n| one site (C) ingest alone, forced | {site:.1f} |\n")
    ingest = jobs[jobs["job"].str.startswith("ingest/")]
    print(f"ingest of all four sites: {ingest['wall s'].sum():.1f} s of job time "
          f"(sum of the four ingest jobs)\n")
    print(jobs.to_markdown(index=False))


if __name__ == "__main__":
    main()
