"""The effect estimate with its CI beside each table test (ARD statistic ``estimate``) and the
test's other companions.

Per test, on the pairs (or patients, Welch) the test used:

- ``paired_t``: paired mean difference, t CI; ``welch_t``: difference of means, Welch CI
- ``wilcoxon``: Hodges-Lehmann median of the paired differences with its CI (the row's
  Wilcoxon variant: ``exact``, ``correct``)
- ``mcnemar``: ``discordant_index`` (pairs with the outcome in the index arm only),
  ``discordant_comparator``, ``odds_ratio`` (conditional, exact CI) and ``risk_difference``
  (paired, Newcombe CI); the row's ``estimate`` key names which one is the estimate
  (default ``risk_difference``)
- ``bowker``: ``stuart_maxwell_p`` (marginal homogeneity); no estimate (a k-category
  comparison has none: a row's ``estimate_levels`` collapse is a McNemar test of its own,
  :mod:`spinepair.analysis.table_stats`)

Every interval carries the level it reaches (``conf_level``): the requested one, or the
achieved one where the requested is not reachable (small exact Hodges-Lehmann intervals).
An estimate whose CI cannot be computed is a row with no value and method
``not computed: <reason>``. Its ``p`` is the p of the test of that contrast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from spinepair import stats

NA = float("nan")
BINARY_ESTIMATES = ("risk_difference", "odds_ratio")


@dataclass
class Companion:
    """One ARD row beside a test."""

    statistic: str
    value: float | None
    lower: float = NA
    upper: float = NA
    method: str = ""
    conf_level: float = NA


def welch_mean_difference(x, y, alpha: float = 0.05) -> stats.Estimate:
    """Mean of ``x`` minus mean of ``y`` with the Welch t CI, as R ``t.test(x, y)$conf.int``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 2 or len(y) < 2:
        raise stats.StatsInputError(f"Welch CI needs 2 values per group, got {len(x)}, {len(y)}")
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = np.sqrt(vx + vy)
    if se == 0:
        raise stats.StatsInputError("Welch CI: no variation in either group")
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    diff = float(x.mean() - y.mean())
    half = float(sps.t.ppf(1 - alpha / 2, df) * se)
    return stats.Estimate(
        diff,
        diff - half,
        diff + half,
        f"Difference of means, Welch t interval with {df:.1f} df (R t.test)",
        1 - alpha,
    )


def _from(statistic: str, est, direction: str) -> Companion:
    level = getattr(est, "conf_level", NA)
    return Companion(
        statistic, est.estimate, est.lower, est.upper, f"{direction}: {est.method}", level
    )


def companions(test: str, x, y, spec: dict, variants: dict, sides, alpha: float):
    """The rows beside ``test`` of ``x`` vs ``y`` (complete pairs for a paired test; for
    ``bowker`` the categories, for ``mcnemar`` booleans), the ``estimate`` row last (none
    for ``bowker``).
    ``sides`` names x and y (the arms, or before/after within an arm); ``spec["what"]`` the
    outcome a McNemar row counts."""
    direction = f"{sides[0]} − {sides[1]}"
    if test == "paired_t":
        return [_from("estimate", stats.paired_mean_difference(x, y, alpha), direction)]
    if test == "welch_t":
        return [_from("estimate", welch_mean_difference(x.dropna(), y.dropna(), alpha), direction)]
    if test == "wilcoxon":
        kw = {k: variants[k] for k in ("exact", "correct") if k in variants}
        return [_from("estimate", stats.hodges_lehmann(x, y, alpha=alpha, **kw), direction)]
    if test == "mcnemar":
        what = f"{direction}, {spec['what']}"
        odds = stats.mcnemar_odds_ratio(x, y, alpha)
        rows = [
            Companion(
                "discordant_index", odds.b, method=f"pairs with {spec['what']} in {sides[0]} only"
            ),
            Companion(
                "discordant_comparator",
                odds.c,
                method=f"pairs with {spec['what']} in {sides[1]} only",
            ),
            _from("odds_ratio", odds, what),
            _from("risk_difference", stats.paired_risk_difference(x, y, alpha), what),
        ]
        chosen = spec.get("estimate", "risk_difference")
        if chosen not in BINARY_ESTIMATES:
            raise ValueError(f"estimate {chosen!r} is not one of {BINARY_ESTIMATES}")
        pick = next(r for r in rows if r.statistic == chosen)
        return [*rows, replace(pick, statistic="estimate")]
    if test == "bowker":
        sm = stats.stuart_maxwell(x, y, categories=spec["categories"])
        return [Companion("stuart_maxwell_p", sm.pvalue, method=sm.method)]
    raise ValueError(f"no estimate defined for test {test!r}")


def checked(row: Companion) -> Companion:
    """An ``estimate`` row with a missing CI becomes 'not computed' (no value)."""
    missing = row.value is not None and np.isnan([row.value, row.lower, row.upper]).any()
    if row.statistic == "estimate" and missing:
        return Companion("estimate", None, method=f"not computed: {row.method}")
    if row.statistic != "estimate" and np.isnan([row.lower, row.upper]).any():
        return Companion(row.statistic, row.value, method=row.method)  # no interval, no level
    return row
