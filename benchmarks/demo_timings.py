"""Demo study timings: a full run, one site's export updated, every job's wall time, CPU time
and peak memory, and the no-op dry run (nothing to do after a full run).

    python benchmarks/demo_timings.py [--cores 2] [--site C]

Runs on a temporary copy of the project and prints Markdown for benchmarks/README.md. Each
measure gives wall time, the CPU time of Snakemake and all its jobs (robust when other work
shares the cores), the largest resident set of any one process, the jobs run and the load
average before it.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers.workflow import copy_project, job_env

# Snakemake run in a process that prints its own CPU time (all its threads, not its jobs) at exit.
SNAKEMAKE_REPORTING_CPU = """\
import atexit, resource, sys
from snakemake.cli import main


def report():
    own = resource.getrusage(resource.RUSAGE_SELF)
    print(f"snakemake-own-cpu {own.ru_utime + own.ru_stime}", file=sys.stderr)


atexit.register(report)
sys.argv[0] = "snakemake"
main()
"""


def timed(workdir: Path, *args: str) -> dict:
    """Run ``snakemake *args``: wall s, CPU s (user + system of Snakemake and every job it ran),
    the part of it in Snakemake's own process, peak RSS MB of the largest process, jobs run,
    load average before."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", SNAKEMAKE_REPORTING_CPU, *args],
        cwd=workdir,
        env=job_env(workdir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)  # usage covers the waited-for job processes too
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{stderr[-4000:]}")
    done = [line for line in stderr.splitlines() if "steps (100%) done" in line]
    own = [line for line in stderr.splitlines() if line.startswith("snakemake-own-cpu ")]
    return {
        "wall s": round(wall, 2),
        "CPU s": round(usage.ru_utime + usage.ru_stime, 1),
        "of it Snakemake s": round(float(own[-1].split()[1]), 2),
        "peak RSS MB": round(usage.ru_maxrss / 1024),  # KiB on Linux
        "jobs": int(done[-1].split()[0]) - 1 if done else 0,  # without the target rule all
        "load before": round(load, 1),
    }


def update_export(site_dir: Path) -> None:
    """A new export of the site: its first file gains a trailing blank line. Snakemake compares
    checksums of small inputs, so a mere touch would not count as an update."""
    export = min(site_dir.iterdir())
    data = export.read_bytes()
    export.write_bytes(data + (b"\r\n" if data.endswith(b"\r\n") else b"\n"))


def job_table(results: Path) -> pd.DataFrame:
    """Per job, from Snakemake's ``benchmark:`` files: wall s, CPU s, peak RSS MB."""
    rows = []
    for tsv in sorted((results / "benchmarks").rglob("*.tsv")):
        b = pd.read_csv(tsv, sep="\t").iloc[0]
        job = tsv.relative_to(results / "benchmarks").with_suffix("").as_posix()
        rows.append(
            {
                "job": job,
                "wall s": round(float(b["s"]), 2),
                "CPU s": round(float(b["cpu_time"]), 2),
                "peak RSS MB": round(float(b["max_rss"])),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cores", default="2")
    ap.add_argument("--site", default="C", help="the site whose export is updated")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_project(Path(tmp) / "study")
        measures = {
            f"full demo run, `snakemake --cores {args.cores}`": timed(work, "--cores", args.cores)
        }
        jobs = job_table(work / "results")
        noop = [timed(work, "-n") for _ in range(5)]
        measures["no-op dry run `snakemake -n` (median of 5)"] = {
            key: statistics.median(m[key] for m in noop) for key in noop[0]
        }
        update_export(work / "data" / "demo" / args.site)
        measures[f"site {args.site}'s export updated, `snakemake --cores {args.cores}`"] = timed(
            work, "--cores", args.cores
        )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    print(pd.DataFrame(measures).T.rename_axis("measure").to_markdown() + "\n")
    by_rule = jobs.assign(rule=jobs["job"].str.split("/").str[0]).groupby("rule", sort=False)
    print(by_rule[["wall s", "CPU s"]].sum().round(1).assign(jobs=by_rule.size()).to_markdown())
    print(
        f"\nall {len(jobs)} jobs: {jobs['wall s'].sum():.1f} s wall, "
        f"{jobs['CPU s'].sum():.1f} s CPU\n"
    )
    print(jobs.to_markdown(index=False))


if __name__ == "__main__":
    main()
