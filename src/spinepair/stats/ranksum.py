"""Two independent samples: Wilcoxon rank-sum (Mann-Whitney) test and the Hodges-Lehmann
shift with its CI, as R ``wilcox.test(x, y, conf.int = TRUE)`` (R 4.2, ``digits.rank = Inf``).
"""

from __future__ import annotations

import numpy as np

from spinepair.stats._common import (
    Estimate,
    StatsInputError,
    TestResult,
    as_float,
    sps,
    z_quantile,
)
from spinepair.stats._zeroin import uniroot

_EPS = float(np.finfo(float).eps)


def wilcox_pmf(m: int, n: int) -> np.ndarray:
    """P(W = w), w = 0 .. m n, exact null distribution of the rank-sum statistic W (R
    ``dwilcox``): the Gaussian binomial coefficient [m + n choose m] in q, counted exactly."""
    counts = np.zeros(m * n + 1, dtype=object)
    counts[0] = 1
    for i in range(1, m + 1):  # times (1 - q^(n+i)) / (1 - q^i); stays a polynomial
        counts[n + i :] -= counts[: m * n + 1 - n - i].copy()
        for k in range(i, m * n + 1):
            counts[k] += counts[k - i]
    return (counts / sum(counts)).astype(float)


def _samples(x, y) -> tuple[np.ndarray, np.ndarray]:
    x, y = as_float(x, "x"), as_float(y, "y")
    if len(x) == 0 or len(y) == 0:
        raise StatsInputError(f"rank-sum test needs values in both groups, got {len(x)}, {len(y)}")
    return x, y


def _use_exact(x, y, exact: bool | None) -> bool:
    ranks = sps.rankdata(np.r_[x, y])
    ties = len(np.unique(ranks)) != len(ranks)
    return ((len(x) < 50 and len(y) < 50) if exact is None else exact) and not ties


def _standardised(x: np.ndarray, y: np.ndarray, shift: float, correct: bool) -> float:
    """R wilcox.test's inner ``W(d)``: (W - mn/2 - correction) / sigma, tie-corrected."""
    m, n = len(x), len(y)
    ranks = sps.rankdata(np.r_[x - shift, y])
    z = ranks[:m].sum() - m * (m + 1) / 2 - m * n / 2
    _, ties = np.unique(ranks, return_counts=True)
    sigma = np.sqrt(m * n / 12 * ((m + n + 1) - (ties**3 - ties).sum() / ((m + n) * (m + n - 1))))
    if sigma == 0:
        raise StatsInputError("rank-sum test: all observations are tied")
    return float((z - (np.sign(z) * 0.5 if correct else 0.0)) / sigma)


def wilcoxon_rank_sum(x, y, exact: bool | None = None, correct: bool = True) -> TestResult:
    """Wilcoxon rank-sum (Mann-Whitney) test of two independent samples, as R
    ``wilcox.test(x, y, exact=, correct=)``: W = rank sum of ``x`` - m(m+1)/2; exact null
    distribution when ``exact`` (default: both samples below 50) and no ties, otherwise the
    normal approximation with tie-corrected variance and, if ``correct``, continuity
    correction."""
    x, y = _samples(x, y)
    m, n = len(x), len(y)
    w = float(sps.rankdata(np.r_[x, y])[:m].sum() - m * (m + 1) / 2)
    if _use_exact(x, y, exact):
        cdf = np.cumsum(wilcox_pmf(m, n))
        tail = 1 - cdf[round(w) - 1] if w > m * n / 2 else cdf[round(w)]
        method = "Wilcoxon rank-sum (Mann-Whitney), exact (R wilcox.test)"
        return TestResult(w, float(min(1.0, 2 * tail)), None, method)
    z = _standardised(x, y, 0.0, correct)
    method = "Wilcoxon rank-sum (Mann-Whitney), normal approximation "
    method += "with" if correct else "without"
    method += " continuity correction, tie-corrected variance (R wilcox.test)"
    if exact:
        method += "; exact p not possible with ties"
    return TestResult(w, float(2 * sps.norm.sf(abs(z))), None, method)


def _exact_shift(x: np.ndarray, y: np.ndarray, alpha: float) -> Estimate:
    m, n = len(x), len(y)
    diffs = np.sort((x[:, None] - y[None, :]).ravel())
    cdf = np.cumsum(wilcox_pmf(m, n))
    qu = max(int(np.argmax(cdf >= alpha / 2 - 10 * _EPS)), 1)  # R qwilcox(alpha/2, m, n)
    achieved = 2 * float(cdf[qu - 1])
    level = 1 - alpha
    method = "Hodges-Lehmann shift (median of x - y differences), exact CI"
    if achieved - alpha > alpha / 2:  # R: conf.level <- 1 - achieved.alpha
        level = 1 - achieved
        method += f"; requested level not achievable, achieved {level:.3g}"
    lower, upper = float(diffs[qu - 1]), float(diffs[m * n - qu])
    return Estimate(float(np.median(diffs)), lower, upper, method + " (R wilcox.test)", level)


def _normal_shift(x, y, alpha: float, correct: bool, tol_root: float) -> Estimate:
    lo, hi = float(x.min() - y.max()), float(x.max() - y.min())
    w_lo, w_hi = _standardised(x, y, lo, correct), _standardised(x, y, hi, correct)

    def root(zq: float) -> float:
        if w_lo - zq <= 0:
            return lo
        if w_hi - zq >= 0:
            return hi
        return uniroot(
            lambda s: _standardised(x, y, s, correct) - zq, lo, hi, tol_root, w_lo - zq, w_hi - zq
        )

    zq = z_quantile(alpha)
    estimate = uniroot(lambda s: _standardised(x, y, s, False), lo, hi, tol_root)
    method = "Hodges-Lehmann shift, normal-approximation CI "
    method += "with" if correct else "without"
    method += f" continuity correction, estimate and limits by uniroot tol {tol_root:g}"
    return Estimate(estimate, root(zq), root(-zq), method + " (R wilcox.test)", 1 - alpha)


def hodges_lehmann_shift(
    x,
    y,
    exact: bool | None = None,
    correct: bool = True,
    alpha: float = 0.05,
    tol_root: float = 1e-4,
) -> Estimate:
    """Hodges-Lehmann location shift of ``x`` vs ``y`` (two independent samples) with the
    CI of R ``wilcox.test(x, y, conf.int = TRUE, exact=, correct=)``.

    Exact route (as :func:`wilcoxon_rank_sum`): median of all differences x_i - y_j and the
    exact interval; ``conf_level`` is 1 - the achieved alpha when R finds the requested
    level not achievable. Otherwise R's asymptotic route: estimate and limits are roots
    (R ``uniroot``, to ``tol_root``) of the normal-approximation statistic, with continuity
    correction if ``correct`` (not for the estimate).
    """
    z_quantile(alpha)
    x, y = _samples(x, y)
    if _use_exact(x, y, exact):
        return _exact_shift(x, y, alpha)
    return _normal_shift(x, y, alpha, correct, tol_root)
