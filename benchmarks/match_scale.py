"""Scale benchmark for spinepair.matching.match on a synthetic cohort.

Match:  match_scale.py --treated 20000 --controls 200000 --out DIR [--method greedy] [--seed 1]
        writes DIR/cohort.csv, DIR/pairs.csv; prints pairs, total distance, seconds, peak MB.
Score:  match_scale.py --out DIR --score OTHER_PAIRS.csv
        total Mahalanobis distance of other pairs (treated_id, control_id) from DIR/cohort.csv,
        with the same pooled within-arm covariance as spinepair (for a fair MatchIt comparison).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from spinepair.matching.match import distance_transform, match

CALIPERS = {"age": 5, "interval_months": 12, "year": 2}
EXACT = ["sex", "child_pugh", "n_mets"]


def cohort(n_treated: int, n_controls: int, seed: int) -> pd.DataFrame:
    """Synthetic cohort; treated patients are somewhat younger and treated later."""
    rng = np.random.default_rng(seed)
    n = n_treated + n_controls
    treat = np.r_[np.ones(n_treated, int), np.zeros(n_controls, int)]
    return pd.DataFrame(
        {
            "id": [f"p{i:07d}" for i in range(n)],
            "treat": treat,
            "sex": rng.choice(["M", "F"], n, p=[0.8, 0.2]),
            "child_pugh": rng.choice(["A", "B", "C"], n, p=[0.7, 0.25, 0.05]),
            "n_mets": rng.choice(["1", "2-3", "4+"], n, p=[0.5, 0.3, 0.2]),
            "age": np.round(rng.normal(60 - 3 * treat, 10), 1),
            "interval_months": np.round(rng.gamma(1.5, 16 + 4 * treat), 1),
            "year": rng.integers(2005, 2021, n) + rng.binomial(1, 0.3 * treat),
        }
    )


def total_distance(df: pd.DataFrame, treated_ids, control_ids) -> float:
    """Sum of Mahalanobis distances of the given pairs (pooled within-arm covariance)."""
    x = df.set_index("id")[list(CALIPERS)]
    arm = df.set_index("id")["treat"]
    transform, _ = distance_transform(
        x[arm == 1].to_numpy(float), x[arm == 0].to_numpy(float), "mahalanobis"
    )
    diff = x.loc[list(treated_ids)].to_numpy(float) - x.loc[list(control_ids)].to_numpy(float)
    return float(np.linalg.norm(diff @ transform, axis=1).sum())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--treated", type=int, default=20000)
    ap.add_argument("--controls", type=int, default=200000)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--method", choices=["greedy", "optimal"], default="greedy")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--score", type=Path, help="score these pairs against DIR/cohort.csv")
    args = ap.parse_args(argv)
    if args.score:
        df = pd.read_csv(args.out / "cohort.csv", dtype={"n_mets": str})
        other = pd.read_csv(args.score, dtype=str)
        tot = total_distance(df, other["treated_id"], other["control_id"])
        print(f"{args.score}: pairs {len(other)}  total distance {tot:.3f}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    df = cohort(args.treated, args.controls, args.seed)
    df.to_csv(args.out / "cohort.csv", index=False)
    spec = {"method": args.method, "distance": "mahalanobis", "exact": EXACT, "calipers": CALIPERS}
    t0 = time.perf_counter()
    res = match(df[df.treat == 1], df[df.treat == 0], spec, id_col="id")
    secs = time.perf_counter() - t0
    pairs = res.pairs.rename(columns={"index_key": "treated_id", "comparator_key": "control_id"})
    pairs[["treated_id", "control_id", "distance"]].to_csv(args.out / "pairs.csv", index=False)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{args.method} {args.treated} x {args.controls}: pairs {len(pairs)}  "
        f"total distance {pairs['distance'].sum():.3f}  "
        f"(check {total_distance(df, pairs['treated_id'], pairs['control_id']):.3f})  "
        f"match seconds {secs:.2f}  peak MB {peak:.0f}",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
