"""The unpaired or unstratified counterpart of a paired test, on the pair frame: what a
published p that the paired analysis does not reproduce may have come from.

Counterparts (``COUNTERPARTS``; the values of the arms' members, pairing ignored):

- ``student_t``: Student two-sample t-test, pooled variance (R ``t.test(x, y, var.equal = TRUE)``);
- ``welch_t``: Welch two-sample t-test (R ``t.test(x, y)``);
- ``rank_sum``: Wilcoxon rank-sum, normal approximation with continuity and tie correction
  (R ``wilcox.test(x, y, exact = FALSE, correct = TRUE)``);
- ``chisq``: Pearson chi-square of the arm x category table, Yates-corrected when 2 x 2
  (R ``chisq.test(table(arm, value))``);
- ``fisher``: Fisher's exact test of the 2 x 2 table (R ``fisher.test(table(arm, value))``);
- ``logrank``: log-rank test without strata (R ``survdiff(Surv(time, event) ~ arm)``) on
  ``<variable>_months`` and ``<variable>_event``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.stats as sps

from spinepair import stats


@dataclass(frozen=True)
class Counterpart:
    """A counterpart's p and its method in words (``p`` NaN and the reason when not computed)."""

    p: float
    method: str


def _values(pf: pd.DataFrame, variable: str) -> tuple[pd.Series, pd.Series]:
    return pf[f"{variable}_idx"].dropna(), pf[f"{variable}_cmp"].dropna()


def _table(pf: pd.DataFrame, variable: str) -> np.ndarray:
    x, y = _values(pf, variable)
    arm = np.r_[np.zeros(len(x)), np.ones(len(y))]
    values = pd.concat([x, y], ignore_index=True).astype(str)
    return pd.crosstab(arm, values).to_numpy()


def _t(pf, variable, test) -> Counterpart:
    x, y = _values(pf, variable)
    res = test(x.astype(float), y.astype(float))
    return Counterpart(res.pvalue, res.method)


def _rank_sum(pf, variable) -> Counterpart:
    x, y = _values(pf, variable)
    res = sps.mannwhitneyu(x.astype(float), y.astype(float), use_continuity=True,
                           alternative="two-sided", method="asymptotic")  # fmt: skip
    return Counterpart(float(res.pvalue), "Wilcoxon rank-sum, normal approximation with "
                       "continuity correction (R wilcox.test(x, y, exact = FALSE))")  # fmt: skip


def _chisq(pf, variable) -> Counterpart:
    res = sps.chi2_contingency(_table(pf, variable), correction=True)
    return Counterpart(float(res.pvalue), "Pearson chi-square of arm x category, Yates "
                       "correction for 2 x 2 (R chisq.test)")  # fmt: skip


def _fisher(pf, variable) -> Counterpart:
    table = _table(pf, variable)
    if table.shape != (2, 2):
        return Counterpart(
            float("nan"), f"not computed: Fisher needs a 2 x 2 table, got {table.shape}"
        )
    return Counterpart(
        float(sps.fisher_exact(table).pvalue), "Fisher exact, two-sided (R fisher.test)"
    )


def _logrank(pf, variable) -> Counterpart:
    sides = [
        pd.DataFrame({"t": pf[f"{variable}_months_{s}"], "e": pf[f"{variable}_event_{s}"], "g": g})
        for s, g in (("idx", 1), ("cmp", 0))
    ]
    d = pd.concat(sides, ignore_index=True).dropna()
    res = stats.stratified_logrank(
        d["t"].astype(float), d["e"].astype(bool), d["g"], np.zeros(len(d))
    )
    return Counterpart(
        res.pvalue, "Log-rank test without strata (R survdiff(Surv(time, event) ~ arm))"
    )


COUNTERPARTS = {
    "student_t": lambda pf, v: _t(pf, v, stats.independent_t),
    "welch_t": lambda pf, v: _t(pf, v, stats.welch_t),
    "rank_sum": _rank_sum,
    "chisq": _chisq,
    "fisher": _fisher,
    "logrank": _logrank,
}


def counterpart(pf: pd.DataFrame, name: str, variable: str) -> Counterpart:
    """The counterpart test ``name`` (a key of ``COUNTERPARTS``) of ``variable``."""
    if name not in COUNTERPARTS:
        raise ValueError(f"unknown counterpart test {name!r}; known: {sorted(COUNTERPARTS)}")
    try:
        return COUNTERPARTS[name](pf, variable)
    except (stats.StatsInputError, ValueError) as exc:
        return Counterpart(float("nan"), f"not computed: {exc}")
