"""Tests on matched pairs (and the unpaired t-tests), each returning a :class:`TestResult`.

Conventions follow R's ``stats`` package unless stated; every p-value is two-sided.
Missing values raise :class:`StatsInputError` (drop incomplete pairs explicitly first).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.stats._common import (
    StatsInputError,
    TestResult,
    as_bool,
    as_float,
    not_computed,
    same_length,
    sps,
)


def _t_result(t: float, df: float, method: str) -> TestResult:
    return TestResult(float(t), float(2 * sps.t.sf(abs(t), df)), float(df), method)


def paired_differences(x, y) -> tuple[np.ndarray, float]:
    """Differences x - y (at least 2) and their SD, checked as R ``t.test(paired = TRUE)``:
    StatsInputError if constant and non-zero (R: "data are essentially constant"); SD 0
    when all are zero (R then gives t NaN, p NA)."""
    x, y = as_float(x, "x"), as_float(y, "y")
    n = same_length(x=x, y=y)
    if n < 2:
        raise StatsInputError(f"paired t-test needs at least 2 pairs, got {n}")
    d = x - y
    sd = float(d.std(ddof=1))
    if sd < 10 * np.finfo(float).eps * abs(d.mean()):
        raise StatsInputError("paired t-test: the differences x - y are (essentially) constant")
    return d, sd


def paired_t(x, y) -> TestResult:
    """Paired t-test of mean(x - y) = 0, as R ``t.test(x, y, paired = TRUE)``; when every
    difference is zero: t and p NaN with n - 1 df, as R (t NaN, p NA)."""
    d, sd = paired_differences(x, y)
    n = len(d)
    if sd == 0:
        return not_computed("Paired t-test not computed: all differences are zero", n - 1.0)
    return _t_result(d.mean() / (sd / np.sqrt(n)), n - 1, "Paired t-test (R t.test paired)")


def _two_samples(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_float(x, "x"), as_float(y, "y")
    if len(x) < 2 or len(y) < 2:
        raise StatsInputError(
            f"t-test needs at least 2 values per group, got {len(x)} and {len(y)}"
        )
    if x.var(ddof=1) == 0 and y.var(ddof=1) == 0:
        raise StatsInputError("t-test: both groups are constant")
    return x, y


def welch_t(x, y) -> TestResult:
    """Welch's unequal-variance t-test, as R ``t.test(x, y)`` (its default)."""
    x, y = _two_samples(x, y)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    t = (x.mean() - y.mean()) / np.sqrt(vx + vy)
    return _t_result(t, df, "Welch two-sample t-test, unequal variances (R t.test)")


def independent_t(x, y) -> TestResult:
    """Student's two-sample t-test with pooled variance, as R ``t.test(x, y, var.equal = TRUE)``."""
    x, y = _two_samples(x, y)
    nx, ny = len(x), len(y)
    df = nx + ny - 2
    pooled = ((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / df
    t = (x.mean() - y.mean()) / np.sqrt(pooled * (1 / nx + 1 / ny))
    return _t_result(t, df, "Student two-sample t-test, pooled variance (R t.test var.equal)")


def signrank_pmf(n: int) -> np.ndarray:
    """P(V = v), v = 0 .. n(n+1)/2, exact null distribution of the signed-rank statistic."""
    m = n * (n + 1) // 2
    prob = np.zeros(m + 1)
    prob[0] = 1.0
    for k in range(1, n + 1):
        shifted = np.zeros_like(prob)
        shifted[k:] = prob[: m + 1 - k]
        prob = 0.5 * (prob + shifted)
    return prob


def _signrank_cdf_upper(v: float, n: int) -> tuple[float, float]:
    """P(V <= v) and P(V >= v) for the exact null distribution of the signed-rank statistic."""
    prob = signrank_pmf(n)
    v = round(v)
    return float(prob[: v + 1].sum()), float(prob[v:].sum())


def wilcoxon_signed_rank(
    x, y, exact: bool | None = None, correct: bool = True, zero_method: str = "wilcox"
) -> TestResult:
    """Wilcoxon signed-rank test of the paired differences ``x - y``; statistic V = sum of
    positive ranks.

    Defaults reproduce R ``wilcox.test(x, y, paired = TRUE)``: zero differences dropped
    (``zero_method="wilcox"``); exact null distribution when ``exact`` is None and fewer than
    50 non-zero differences, or ``exact=True``, but only without ties or zeros; otherwise the
    normal approximation with tie-corrected variance and (if ``correct``) continuity
    correction. ``zero_method="pratt"`` keeps zeros in the ranking (Pratt 1959) with the
    mean and variance adjusted for them (normal approximation only). When every difference
    is zero the result is V = 0, p NaN (R: V = 0, p NA) and ``method`` says so.
    """
    if zero_method not in ("wilcox", "pratt"):
        raise StatsInputError(f"zero_method must be 'wilcox' or 'pratt', got {zero_method!r}")
    x, y = as_float(x, "x"), as_float(y, "y")
    same_length(x=x, y=y)
    d = x - y
    zeros = d == 0
    n_zero = int(zeros.sum())
    zero_text = "zeros dropped" if zero_method == "wilcox" else "zeros ranked (Pratt)"
    if n_zero == len(d):
        return TestResult(
            0.0, float("nan"), None, "Wilcoxon signed-rank not computed: all differences are zero"
        )
    if zero_method == "wilcox":
        d = d[~zeros]
    n = len(d)
    ranks = sps.rankdata(np.abs(d))
    v = float(ranks[d > 0].sum())
    nonzero_ranks = ranks[d != 0]
    ties = len(np.unique(nonzero_ranks)) != len(nonzero_ranks)
    want_exact = (n < 50) if exact is None else exact
    if want_exact and not ties and n_zero == 0:
        lower, upper = _signrank_cdf_upper(v, n)
        p = min(1.0, 2 * (upper if v > n * (n + 1) / 4 else lower))
        return TestResult(v, p, None, "Wilcoxon signed-rank, exact (R wilcox.test paired)")
    z0 = n_zero if zero_method == "pratt" else 0
    mean = (n * (n + 1) - z0 * (z0 + 1)) / 4
    _, counts = np.unique(nonzero_ranks, return_counts=True)
    var = (n * (n + 1) * (2 * n + 1) - z0 * (z0 + 1) * (2 * z0 + 1)) / 24
    var -= float((counts**3 - counts).sum()) / 48
    diff = v - mean
    if correct:
        diff -= np.sign(diff) * 0.5
    p = float(2 * sps.norm.sf(abs(diff / np.sqrt(var))))
    method = "Wilcoxon signed-rank, normal approximation"
    method += " with continuity correction" if correct else " without continuity correction"
    method += f", tie-corrected variance, {zero_text}"
    if zero_method == "wilcox":
        method += " (R wilcox.test paired)"
    if want_exact:
        method += "; exact p not possible with ties or zeros"
    return TestResult(v, p, None, method)


def mcnemar(x, y, exact: bool = True, correction: bool = True) -> TestResult:
    """McNemar's test for paired binary data (``x``, ``y`` boolean or 0/1).

    ``exact=True`` (default): two-sided exact binomial test on the discordant pairs, as R
    ``binom.test(b, b + c)`` and SPSS; the statistic is b = #(x true, y false).
    ``exact=False``: chi-square (1 df) as R ``mcnemar.test``, with continuity correction
    ``(|b - c| - 1)^2 / (b + c)`` if ``correction`` and b != c (R applies none when b == c).
    Without discordant pairs statistic and p are NaN (R: ``mcnemar.test`` NaN / NA with 1 df,
    ``binom.test(0, 0)`` an error) and ``method`` says "not computed: no discordant pairs".
    """
    x, y = as_bool(x, "x"), as_bool(y, "y")
    same_length(x=x, y=y)
    b, c = int(np.sum(x & ~y)), int(np.sum(~x & y))
    if b + c == 0:
        return not_computed("McNemar not computed: no discordant pairs", None if exact else 1.0)
    if exact:
        p = min(1.0, 2 * float(sps.binom.cdf(min(b, c), b + c, 0.5)))
        return TestResult(float(b), p, None, "McNemar exact binomial (two-sided)")
    corrected = correction and b != c
    stat = (abs(b - c) - (1 if corrected else 0)) ** 2 / (b + c)
    method = "McNemar chi-square " + (
        "with continuity correction" if corrected else "without continuity correction"
    )
    return TestResult(float(stat), float(sps.chi2.sf(stat, 1)), 1.0, method + " (R mcnemar.test)")


def _codes(values, categories, name: str) -> np.ndarray:
    series = pd.Series(values)
    if series.isna().any():
        raise StatsInputError(f"{name}: missing value at position {int(series.isna().argmax())}")
    codes = pd.Categorical(series, categories=categories).codes
    bad = np.flatnonzero(codes < 0)
    if bad.size:
        raise StatsInputError(
            f"{name}: value {series.iloc[bad[0]]!r} at position {bad[0]} is not one of the "
            f"categories {list(categories)}"
        )
    return codes


def _paired_table(x, y, categories, test: str) -> np.ndarray:
    """k x k table of paired categories (x rows, y columns), k >= 2."""
    same_length(x=np.asarray(x), y=np.asarray(y))
    if categories is None:
        categories = sorted(
            set(pd.unique(pd.Series(x).dropna())) | set(pd.unique(pd.Series(y).dropna()))
        )
    categories = list(categories)
    k = len(categories)
    if k < 2:
        raise StatsInputError(f"{test} needs at least 2 categories, got {categories}")
    cx, cy = _codes(x, categories, "x"), _codes(y, categories, "y")
    return np.bincount(cx * k + cy, minlength=k * k).reshape(k, k)


def bowker(x, y, categories=None) -> TestResult:
    """Bowker's test of symmetry of the k x k table of paired categories (x rows, y columns).

    No cells are shifted by 0.5. Rule for empty off-diagonal pairs (n_ij + n_ji = 0), as SPSS:
    they contribute nothing and are not counted in df, so df = number of off-diagonal pairs
    with n_ij + n_ji > 0 (R ``mcnemar.test`` returns NaN instead; with no empty pair the two
    agree). Without any discordant pair statistic and p are NaN with df k(k-1)/2, as R
    ``mcnemar.test`` (NaN, NA), and ``method`` says "not computed: no discordant pairs".
    ``categories`` fixes the order and the allowed values (default: sorted observed values).
    """
    table = _paired_table(x, y, categories, "Bowker's test")
    upper = np.triu_indices(len(table), 1)
    n_ij, n_ji = table[upper], table.T[upper]
    total = n_ij + n_ji
    used = total > 0
    df = int(used.sum())
    rule = "empty off-diagonal pairs excluded from statistic and df (as SPSS)"
    if df == 0:
        return not_computed("Bowker symmetry not computed: no discordant pairs", float(len(n_ij)))
    stat = float(((n_ij[used] - n_ji[used]) ** 2 / total[used]).sum())
    method = f"Bowker symmetry chi-square, no continuity correction; {rule}"
    return TestResult(stat, float(sps.chi2.sf(stat, df)), float(df), method)


def stuart_maxwell(x, y, categories=None) -> TestResult:
    """Stuart-Maxwell test of marginal homogeneity of paired categories (x rows, y columns).

    Statistic d' S^+ d with d the differences of the row and column margins and S their
    covariance under homogeneity (S_ii = n_i. + n_.i - 2 n_ii, S_ij = -(n_ij + n_ji)); equals
    R ``coin::mh_test(table)`` (asymptotic). S^+ is the Moore-Penrose inverse and df its rank
    (k - 1 unless a category has no off-diagonal pairs, as coin). Without discordant pairs
    statistic and p are NaN with df k, as ``coin::mh_test`` (NaN, NA, df k), and ``method``
    says "not computed: no discordant pairs".
    """
    table = _paired_table(x, y, categories, "Stuart-Maxwell test").astype(float)
    d = table.sum(axis=1) - table.sum(axis=0)
    cov = -(table + table.T)
    np.fill_diagonal(cov, table.sum(axis=1) + table.sum(axis=0) - 2 * np.diag(table))
    df = int(np.linalg.matrix_rank(cov))
    method = "Stuart-Maxwell marginal homogeneity, generalized inverse (R coin::mh_test)"
    if df == 0:
        return not_computed("Stuart-Maxwell not computed: no discordant pairs", float(len(d)))
    stat = float(d @ np.linalg.pinv(cov) @ d)
    return TestResult(stat, float(sps.chi2.sf(stat, df)), float(df), method)
