"""Time the paired-study statistics on large matched cohorts (pairs of exponential times).

Run: python benchmarks/stats_scale.py [pairs ...]   (default 20000 100000)
Prints one Markdown row per function and size; results are kept in benchmarks/README.md.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from spinepair.stats import (
    cox_cluster,
    cox_zph,
    cuminc,
    fine_gray,
    gray_test,
    rmst_difference,
    stratified_cox,
)


def _data(pairs: int):
    rng = np.random.default_rng(1)
    n = 2 * pairs
    t = np.round(rng.exponential(10, n), 1) + 0.1
    status = rng.choice([0, 1, 2], n, p=[0.3, 0.4, 0.3])
    group = np.tile(["RT", "SRS"], pairs)
    pair = np.repeat(np.arange(pairs), 2)
    return t, status, group, pair


def _calls(t, status, group, pair) -> dict:
    died = status > 0
    return {
        "cuminc": lambda: cuminc(t, status, group),
        "gray_test (strata = pair)": lambda: gray_test(t, status, group, strata=pair),
        "fine_gray (cluster = pair)": lambda: fine_gray(t, status, group, cluster=pair),
        "stratified_cox": lambda: stratified_cox(t, died, group, pair),
        "cox_cluster": lambda: cox_cluster(t, died, group, pair),
        "cox_zph (strata = pair)": lambda: cox_zph(t, died, group, strata=pair),
        "rmst_difference (tau 12)": lambda: rmst_difference(t, died, group, 12.0),
    }


def main(sizes: list[int]) -> None:
    print("| pairs | function | seconds |\n|---|---|---|")
    for pairs in sizes:
        for name, call in _calls(*_data(pairs)).items():
            start = time.perf_counter()
            call()
            print(f"| {pairs:,} | {name} | {time.perf_counter() - start:.3f} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [20_000, 100_000])
