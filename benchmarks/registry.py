"""Registry-scale benchmark: the whole workflow on 10,000 / 100,000 / 1,000,000 patients.

Usage (from the repository root; see benchmarks/registry.md):

    registry.py run --patients N [--sites 20] [--root DIR] [--project DIR] [-- SNAKEMAKE ARGS]
    registry.py pandera [--patients 250000]
    registry.py survival --study DIR

``run`` writes the synthetic registry to ROOT/N/ (skipped if its config.yaml exists), runs
``snakemake --cores 2 --configfile ROOT/N/config.yaml`` in PROJECT (default: this
repository) and prints one Markdown row per rule from Snakemake's benchmark files (jobs,
summed and largest job wall time, largest peak RSS) plus the total wall time; the raw
numbers go to ROOT/N/benchmark.json. ``pandera`` times the strict CDM validation of one
site's six tables. ``survival`` times spinepair's stratified log-rank and Kaplan-Meier on
the matched cohort of a finished run next to R survival's survdiff/survfit on the same data.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

R_SCRIPT = """
suppressMessages(library(survival))
d <- read.csv("{csv}")
best <- function(f) min(replicate(3, system.time(f())[["elapsed"]]))
t_lr <- best(function() survdiff(Surv(t, e) ~ g + strata(s), data = d))
t_km <- best(function() survfit(Surv(t, e) ~ 1, data = d))
chisq <- survdiff(Surv(t, e) ~ g + strata(s), data = d)$chisq
cat(sprintf("%.17g %.6f %.6f\\n", chisq, t_lr, t_km))
"""


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), {mem:.0f} GB RAM, load average {load:.1f} at start"


def rule_table(results: Path) -> pd.DataFrame:
    """Per rule: jobs, summed and largest wall time (s), largest peak RSS (MB)."""
    rows = []
    for tsv in sorted((results / "benchmarks").rglob("*.tsv")):
        rule = tsv.relative_to(results / "benchmarks").parts[0].removesuffix(".tsv")
        b = pd.read_csv(tsv, sep="\t").iloc[-1]
        rows.append({"rule": rule, "s": float(b["s"]), "max_rss": float(b["max_rss"])})
    jobs = pd.DataFrame(rows)
    return jobs.groupby("rule", sort=False).agg(
        jobs=("s", "size"),
        wall_sum_s=("s", "sum"),
        wall_max_s=("s", "max"),
        peak_mb=("max_rss", "max"),
    )


def run(args) -> None:
    study = (args.root / str(args.patients)).resolve()
    config = study / "config.yaml"
    gen_s = None
    if not config.exists():
        from spinepair.synth.registry import write_registry

        start = time.perf_counter()
        write_registry(study, args.patients, args.sites)
        gen_s = time.perf_counter() - start
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(config)]
    cmd += args.snakemake_args
    env = {**os.environ, "PYTHONPATH": str(args.project / "src")}
    info = machine()
    start = time.perf_counter()
    subprocess.run(cmd, cwd=args.project, check=True, env=env)
    total = time.perf_counter() - start
    table = rule_table(study / "results")
    pairs = len(pd.read_parquet(study / "results" / "matched" / "pairs.parquet"))
    print(f"\n{args.patients:,} patients, {args.sites} sites, {pairs:,} pairs; {info}")
    print(
        "| rule | jobs | wall, sum of jobs (s) | wall, slowest job (s) | peak RSS, largest job (MB) |"
    )
    print("|---|---|---|---|---|")
    for rule, r in table.iterrows():
        print(
            f"| {rule} | {int(r.jobs)} | {r.wall_sum_s:.1f} | {r.wall_max_s:.1f} | {r.peak_mb:.0f} |"
        )
    print(
        f"| all jobs | {int(table['jobs'].sum())} | {table['wall_sum_s'].sum():.1f} | "
        f"{table['wall_max_s'].max():.1f} | {table['peak_mb'].max():.0f} |"
    )
    print(f"end to end (snakemake --cores 2, wall): {total:.1f} s")
    (study / "benchmark.json").write_text(
        json.dumps(
            {
                "patients": args.patients,
                "sites": args.sites,
                "pairs": pairs,
                "machine": info,
                "generate_s": gen_s,
                "total_wall_s": total,
                "rules": table.reset_index().to_dict("records"),
            },
            indent=1,
        )
    )


def pandera(args) -> None:
    from spinepair.contracts.stages import cdm_schema
    from spinepair.synth.registry import site_truth

    truth = site_truth(np.random.default_rng(1), "R01", "RT", "Clinac iX", args.patients)
    tables = {}
    for table, df in truth.items():
        df = df.drop(columns=["name", "rrn", "phone"], errors="ignore")
        df = df.rename(columns={"patient_id": "patient_key"})
        if table == "patients":
            df.insert(1, "site", pd.array(["R01"] * len(df), dtype="string"))
            df.insert(2, "arm", pd.array(["RT"] * len(df), dtype="string"))
        tables[table] = df
    start = time.perf_counter()
    for table, df in tables.items():
        cdm_schema(table).validate(df, lazy=True)
    total = time.perf_counter() - start
    rows = sum(len(df) for df in tables.values())
    print(
        f"pandera: {args.patients:,} patients, {rows:,} rows in 6 tables: {total:.1f} s; {machine()}"
    )


def survival(args) -> None:
    from spinepair.stats import kaplan_meier, stratified_logrank

    res = args.study / "results"
    derived = pd.concat(pd.read_parquet(p) for p in sorted((res / "derived").glob("*.parquet")))
    derived = derived.set_index("patient_key")
    pairs = pd.read_parquet(res / "matched" / "pairs.parquet")
    keys = np.concatenate([pairs["index_key"], pairs["comparator_key"]])
    d = pd.DataFrame(
        {
            "s": np.tile(pairs["pair_id"].to_numpy(int), 2),
            "g": np.repeat([1, 0], len(pairs)),
            "t": derived.loc[keys, "os_months"].to_numpy(float),
            "e": derived.loc[keys, "os_event"].to_numpy(bool).astype(int),
        }
    )
    best = {}
    for name, fn in (
        ("logrank", lambda: stratified_logrank(d["t"], d["e"], d["g"], d["s"])),
        ("km", lambda: kaplan_meier(d["t"], d["e"])),
    ):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        best[name] = (min(times), out)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "os.csv"
        d.to_csv(csv, index=False)
        r = subprocess.run(
            ["Rscript", "-e", R_SCRIPT.format(csv=csv.as_posix())],
            capture_output=True,
            text=True,
            check=True,
        )
    r_chisq, r_lr, r_km = (float(v) for v in r.stdout.split())
    chisq = best["logrank"][1].statistic
    print(
        f"| {len(pairs):,} | {best['logrank'][0]:.4f} | {r_lr:.4f} | {best['km'][0]:.4f} | "
        f"{r_km:.4f} | {chisq:.10g} | {abs(chisq - r_chisq):.2g} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--patients", type=int, required=True)
    r.add_argument("--sites", type=int, default=20)
    r.add_argument("--root", type=Path, default=ROOT / "results" / "registry")
    r.add_argument("--project", type=Path, default=ROOT)
    r.add_argument("snakemake_args", nargs="*", help="passed on to snakemake (after --)")
    p = sub.add_parser("pandera")
    p.add_argument("--patients", type=int, default=250_000)
    s = sub.add_parser("survival")
    s.add_argument("--study", type=Path, required=True)
    args = ap.parse_args()
    {"run": run, "pandera": pandera, "survival": survival}[args.cmd](args)


if __name__ == "__main__":
    main()
