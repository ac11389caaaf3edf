"""Effect estimates with confidence intervals for matched pairs.

Paired mean difference (t), Hodges-Lehmann median of the paired differences (as R
``wilcox.test(paired = TRUE, conf.int = TRUE)``), and the McNemar companions for two paired
binary outcomes: conditional odds ratio b/c with exact CI and the risk difference with
Newcombe's hybrid score CI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinepair.stats._common import (
    NAN,
    Estimate,
    StatsInputError,
    as_bool,
    as_float,
    same_length,
    sps,
    z_quantile,
)
from spinepair.stats._zeroin import uniroot
from spinepair.stats.paired import paired_differences, signrank_pmf

_EPS = float(np.finfo(float).eps)


def _differences(x, y) -> np.ndarray:
    x, y = as_float(x, "x"), as_float(y, "y")
    same_length(x=x, y=y)
    return x - y


def paired_mean_difference(x, y, alpha: float = 0.05) -> Estimate:
    """Mean of ``x - y`` with the t interval of R ``t.test(x, y, paired = TRUE)$conf.int``;
    all differences zero: estimate 0 with a NaN interval, as R."""
    z_quantile(alpha)
    d, sd = paired_differences(x, y)
    n = len(d)
    if sd == 0:
        return Estimate(
            0.0, NAN, NAN, "Paired mean difference, CI not computed: all differences are zero"
        )
    half = float(sps.t.ppf(1 - alpha / 2, n - 1)) * sd / np.sqrt(n)
    mean = float(d.mean())
    return Estimate(
        mean,
        mean - half,
        mean + half,
        f"Paired mean difference, t interval with {n - 1} df (R t.test paired)",
        1 - alpha,
    )


def _walsh_interval(d: np.ndarray, alpha: float) -> Estimate:
    """Exact CI and pseudomedian from the Walsh averages (R wilcox.test, Bauer 1972)."""
    n = len(d)
    walsh = np.sort((d[:, None] + d[None, :])[np.triu_indices(n)]) / 2
    cdf = np.cumsum(signrank_pmf(n))
    qu = max(int(np.argmax(cdf >= alpha / 2 - 10 * _EPS)), 1)  # R qsignrank(alpha/2, n)
    ql = n * (n + 1) // 2 - qu
    achieved = 2 * float(cdf[qu - 1])
    level = 1 - alpha
    method = "Hodges-Lehmann median of paired differences, exact Walsh-average CI"
    if achieved - alpha > alpha / 2:  # R: conf.level <- 1 - signif(achieved.alpha, 2)
        level = 1 - float(f"{achieved:.2g}")
        method += f"; requested level not achievable, achieved {level:g}"
    return Estimate(
        float(np.median(walsh)),
        float(walsh[qu - 1]),
        float(walsh[ql]),
        method + " (R wilcox.test paired, conf.int)",
        level,
    )


def _w_statistic(d: np.ndarray, shift: float, correct: bool) -> float:
    """Standardised signed-rank statistic of ``d - shift`` (R wilcox.test's inner ``W``)."""
    xd = d - shift
    xd = xd[xd != 0]
    nx = len(xd)
    ranks = sps.rankdata(np.abs(xd))
    zd = ranks[xd > 0].sum() - nx * (nx + 1) / 4
    _, ties = np.unique(ranks, return_counts=True)
    var = nx * (nx + 1) * (2 * nx + 1) / 24 - (ties**3 - ties).sum() / 48
    if var <= 0:
        return float("nan")
    return float((zd - (np.sign(zd) * 0.5 if correct else 0.0)) / np.sqrt(var))


def _normal_interval(d: np.ndarray, alpha: float, correct: bool, tol_root: float) -> Estimate:
    """Asymptotic CI by inverting the normal-approximation signed-rank test (R wilcox.test)."""
    lo, hi = float(d.min()), float(d.max())
    w_lo = _w_statistic(d, lo, correct)
    w_hi = _w_statistic(d, hi, correct) if np.isfinite(w_lo) else float("nan")
    if not (np.isfinite(w_lo) and np.isfinite(w_hi)):
        return Estimate(
            (lo + hi) / 2,
            float("nan"),
            float("nan"),
            "Hodges-Lehmann: all non-zero "
            "differences tied, CI not computable; estimate is the midrange "
            "(R wilcox.test)",
        )
    level, a = 1 - alpha, alpha
    while w_lo - sps.norm.isf(a / 2) < 0 or w_hi - sps.norm.ppf(a / 2) > 0:
        a *= 2
    method = "Hodges-Lehmann median of paired differences, normal-approximation CI"
    method += " with continuity correction" if correct else " without continuity correction"
    if a >= 1 or 1 - level < a * 0.75:
        level = 1 - min(1.0, a)
        method += f"; requested level not achievable, achieved {level:g}"
    if a < 1:
        bounds = [
            uniroot(
                lambda s, zq=zq: _w_statistic(d, s, correct) - zq,
                lo,
                hi,
                tol_root,
                w_lo - zq,
                w_hi - zq,
            )
            for zq in (sps.norm.isf(a / 2), sps.norm.ppf(a / 2))
        ]
    else:
        bounds = [float(np.median(d))] * 2
    estimate = uniroot(lambda s: _w_statistic(d, s, False), lo, hi, tol_root)
    return Estimate(
        estimate,
        bounds[0],
        bounds[1],
        method + ", zeros dropped, estimate and "
        f"limits by uniroot tol {tol_root:g} (R wilcox.test paired, conf.int)",
        level,
    )


def hodges_lehmann(
    x,
    y,
    exact: bool | None = None,
    correct: bool = True,
    alpha: float = 0.05,
    tol_root: float = 1e-4,
) -> Estimate:
    """Hodges-Lehmann (pseudo)median of ``x - y`` with CI, as R
    ``wilcox.test(x, y, paired = TRUE, conf.int = TRUE)``.

    Zero differences are dropped. With fewer than 50 non-zero differences (or ``exact=True``)
    and neither ties nor zeros: median of the Walsh averages and the exact interval.
    Otherwise R's asymptotic route: estimate and limits are roots (R ``uniroot``, Brent, to
    ``tol_root``) of the normal-approximation statistic, with continuity correction if
    ``correct`` (not for the estimate). If every difference is zero the result is NaN.
    """
    z_quantile(alpha)
    d = _differences(x, y)
    zeros = bool((d == 0).any())
    d = d[d != 0]
    if len(d) == 0:
        return Estimate(
            float("nan"),
            float("nan"),
            float("nan"),
            "Hodges-Lehmann: all differences are zero, nothing to estimate",
        )
    ties = len(np.unique(np.abs(d))) != len(d)
    if (len(d) < 50 if exact is None else exact) and not ties and not zeros:
        return _walsh_interval(d, alpha)
    return _normal_interval(d, alpha, correct, tol_root)


@dataclass(frozen=True)
class DiscordantOddsRatio:
    """Conditional (McNemar) odds ratio b/c of the discordant pairs with its CI."""

    estimate: float
    lower: float
    upper: float
    b: int
    c: int
    method: str
    conf_level: float = NAN


def _discordant(x, y) -> tuple[int, int, int, int]:
    x, y = as_bool(x, "x"), as_bool(y, "y")
    same_length(x=x, y=y)
    return int(np.sum(x & y)), int(np.sum(x & ~y)), int(np.sum(~x & y)), int(np.sum(~x & ~y))


def mcnemar_odds_ratio(x, y, alpha: float = 0.05) -> DiscordantOddsRatio:
    """Odds ratio b/c (b = #x true & y false, c = #x false & y true) with the exact CI.

    The CI is the Clopper-Pearson interval of b/(b+c) (R ``binom.test(b, b + c)$conf.int``)
    mapped by p/(1-p). c = 0 gives an infinite estimate and upper limit; b + c = 0 (no
    discordant pairs) leaves the odds ratio undefined: NaN, and ``method`` says so.
    """
    z_quantile(alpha)
    _, b, c, _ = _discordant(x, y)
    m = b + c
    method = "Conditional odds ratio b/c, exact Clopper-Pearson CI of b/(b+c) (R binom.test)"
    if m == 0:
        return DiscordantOddsRatio(
            float("nan"),
            float("nan"),
            float("nan"),
            0,
            0,
            "Conditional odds ratio undefined: no discordant pairs",
        )
    p_lo = float(sps.beta.ppf(alpha / 2, b, c + 1)) if b > 0 else 0.0
    p_hi = float(sps.beta.ppf(1 - alpha / 2, b + 1, c)) if c > 0 else 1.0
    with np.errstate(divide="ignore"):
        odds = np.divide([b, p_lo, p_hi], [c, 1 - p_lo, 1 - p_hi])
    return DiscordantOddsRatio(
        float(odds[0]), float(odds[1]), float(odds[2]), b, c, method, 1 - alpha
    )


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def paired_risk_difference(x, y, alpha: float = 0.05) -> Estimate:
    """P(x) - P(y) for paired binary outcomes with Newcombe's method 10 CI.

    Newcombe RG (1998) Improved confidence intervals for the difference between binomial
    proportions based on paired data. Stat Med 17:2635-2650, method 10: Wilson score limits
    of both marginal proportions combined by square-and-add with the correlation phi, where
    AD - BC in phi is replaced by AD - BC - N/2 if above N/2, by 0 if in [0, N/2] (phi = 0
    when a margin is empty).
    """
    z = z_quantile(alpha)
    a, b, c, d = _discordant(x, y)
    n = a + b + c + d
    if n == 0:
        raise StatsInputError("paired risk difference needs at least one pair")
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = _wilson(a + b, n, z)
    l2, u2 = _wilson(a + c, n, z)
    margins = float(a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    adjusted = cross - n / 2 if cross > n / 2 else (0.0 if cross >= 0 else cross)
    phi = adjusted / np.sqrt(margins) if margins > 0 else 0.0
    dl, du = p1 - l1, u2 - p2
    el, eu = p2 - l2, u1 - p1
    lower = p1 - p2 - np.sqrt(max(dl * dl - 2 * phi * dl * du + du * du, 0.0))
    upper = p1 - p2 + np.sqrt(max(el * el - 2 * phi * el * eu + eu * eu, 0.0))
    return Estimate(
        p1 - p2,
        float(lower),
        float(upper),
        "Paired risk difference, Newcombe (1998, Stat Med 17:2635) method 10 hybrid score CI",
        1 - alpha,
    )
