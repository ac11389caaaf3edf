"""Benchmark spinepair.stats.stratified_logrank and kaplan_meier against statsmodels and R.

Usage: survival_bench.py --pairs N [--out DIR] [--repeats 3]

Generates N matched pairs (2N rows) of random survival data (integer days, censoring,
ties), times each method (best of ``--repeats``; statsmodels once, skipped above 100,000
pairs), runs R survival's survdiff/survfit on the same data through ``Rscript`` (timing
only the computation, with system.time) and compares the chi-square with R's.
Prints one Markdown table row and writes DIR/survival_bench_N.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.stats import kaplan_meier, stratified_logrank

STATSMODELS_MAX_PAIRS = 100_000

R_SCRIPT = """
suppressMessages(library(survival))
d <- read.csv("{csv}")
best <- function(expr_fun) min(replicate({repeats}, system.time(expr_fun())[["elapsed"]]))
t_lr <- best(function() survdiff(Surv(t, e) ~ g + strata(s), data = d))
t_km <- best(function() survfit(Surv(t, e) ~ 1, data = d))
chisq <- survdiff(Surv(t, e) ~ g + strata(s), data = d)$chisq
cat(sprintf("%.17g %.6f %.6f\\n", chisq, t_lr, t_km))
"""


def simulate(pairs: int, seed: int = 20240501) -> pd.DataFrame:
    """Random matched-pair survival data: exponential times (HR 0.7), uniform censoring."""
    rng = np.random.default_rng(seed)
    group = np.tile([1, 0], pairs)
    frailty = np.repeat(rng.gamma(2.0, 0.5, pairs), 2)
    event_time = rng.exponential(365 / (frailty * np.where(group == 1, 0.7, 1.0)))
    censor_time = rng.uniform(30, 900, 2 * pairs)
    return pd.DataFrame(
        {
            "s": np.repeat(np.arange(pairs), 2),
            "g": group,
            "t": np.ceil(np.minimum(event_time, censor_time)),
            "e": (event_time <= censor_time).astype(int),
        }
    )


def best_of(repeats: int, fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def run_statsmodels(d: pd.DataFrame) -> tuple[float, float]:
    from statsmodels.duration.survfunc import survdiff

    start = time.perf_counter()
    chisq, _ = survdiff(d["t"].to_numpy(), d["e"].to_numpy(), d["g"].to_numpy(), strata=d["s"])
    return time.perf_counter() - start, float(chisq)


def run_r(d: pd.DataFrame, repeats: int) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "pairs.csv"
        d.to_csv(csv, index=False)
        script = R_SCRIPT.format(csv=csv.as_posix(), repeats=repeats)
        out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    chisq, t_lr, t_km = (float(v) for v in out.stdout.split())
    return chisq, t_lr, t_km


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, required=True)
    parser.add_argument("--out", type=Path, default=Path("results/benchmarks"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    d = simulate(args.pairs)
    t, e, g, s = (d[c].to_numpy() for c in ("t", "e", "g", "s"))
    t_lr, res = best_of(args.repeats, lambda: stratified_logrank(t, e, g, s))
    t_km, _ = best_of(args.repeats, lambda: kaplan_meier(t, e))
    row = {"pairs": args.pairs, "rows": len(d), "spinepair_logrank_s": t_lr,
           "spinepair_km_s": t_km, "chisq": res.statistic}  # fmt: skip
    sm_time, sm_chisq = None, None  # statsmodels skipped above STATSMODELS_MAX_PAIRS: too slow
    if args.pairs <= STATSMODELS_MAX_PAIRS:
        sm_time, sm_chisq = run_statsmodels(d)
    r_chisq, row["r_logrank_s"], row["r_km_s"] = run_r(d, args.repeats)
    row["statsmodels_logrank_s"] = sm_time
    row["r_chisq"] = r_chisq
    row["abs_diff_vs_r"] = abs(res.statistic - r_chisq)
    row["statsmodels_abs_diff_vs_r"] = None if sm_chisq is None else abs(sm_chisq - r_chisq)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"survival_bench_{args.pairs}.json").write_text(json.dumps(row, indent=2))

    def fmt(v, spec=".3f"):
        return "skipped" if v is None else format(v, spec)

    print(
        "| pairs | rows | spinepair logrank s | spinepair KM s | statsmodels survdiff s | "
        "R survdiff s | R survfit s | chisq | abs diff vs R (spinepair / statsmodels) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.pairs:,} | {len(d):,} | {t_lr:.3f} | {t_km:.3f} | "
        f"{fmt(row['statsmodels_logrank_s'])} | {row['r_logrank_s']:.3f} | {row['r_km_s']:.3f} | "
        f"{res.statistic:.6f} | {row['abs_diff_vs_r']:.2e} / "
        f"{fmt(row['statsmodels_abs_diff_vs_r'], '.2e')} |"
    )


if __name__ == "__main__":
    main()
