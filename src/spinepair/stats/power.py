"""Power and sample size for matched-pair designs: paired t, McNemar, log-rank.

All two-sided at level ``alpha``. Sample sizes are returned unrounded (``n``) and rounded
up (``pairs``); minimum detectable effects are solved to full precision (R's defaults stop
at ``tol = .Machine$double.eps^0.25``; the references here use ``tol = 1e-12``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from spinepair.stats._common import StatsInputError, sps, z_quantile


@dataclass(frozen=True)
class SampleSize:
    """Pairs (or events) needed: ``n`` unrounded, ``pairs`` rounded up; ``method`` names it."""

    n: float
    pairs: int
    method: str


def _check_power(power: float) -> float:
    if not 0 < power < 1:
        raise StatsInputError(f"power must be in (0, 1), got {power}")
    return float(sps.norm.ppf(power))


def _paired_t_power(n: float, delta: float, sd: float, alpha: float, strict: bool = False) -> float:
    """R ``power.t.test(type = "paired", strict = )``: upper tail, plus the lower if strict."""
    df, crit = n - 1, sps.t.isf(alpha / 2, n - 1)
    ncp = np.sqrt(n) * delta / sd
    power = sps.nct.sf(crit, df, ncp)
    if strict:  # the wrong tail; scipy gives NaN where it is below 1e-300 (huge ncp)
        power += np.nan_to_num(sps.nct.cdf(-crit, df, ncp))
    return float(power)


def paired_t_power(
    n: float, delta: float, sd: float = 1.0, alpha: float = 0.05, strict: bool = False
) -> float:
    """Power of the two-sided paired t-test with ``n`` pairs for mean difference ``delta``
    and SD ``sd`` of the differences, as R ``power.t.test(n=, delta=, sd=, type = "paired",
    strict=)$power``. ``strict=True`` adds the rejections in the wrong tail, which equals
    ``pwr::pwr.t.test(n=, d = delta / sd, type = "paired")$power``."""
    z_quantile(alpha)
    if n < 2 or sd <= 0:
        raise StatsInputError(f"need n >= 2 pairs and sd > 0, got n={n}, sd={sd}")
    return _paired_t_power(n, delta, sd, alpha, strict)


def paired_t_pairs(delta: float, sd: float, power: float = 0.8, alpha: float = 0.05) -> SampleSize:
    """Pairs for a paired t-test to detect mean difference ``delta`` given the SD of the
    differences, as R ``power.t.test(delta=, sd=, type = "paired", power=)$n``."""
    z_quantile(alpha)
    _check_power(power)
    if delta == 0 or sd <= 0:
        raise StatsInputError(f"need delta != 0 and sd > 0, got delta={delta}, sd={sd}")
    n = optimize.brentq(
        lambda m: _paired_t_power(m, abs(delta), sd, alpha) - power, 2, 1e7, xtol=1e-12
    )
    return SampleSize(n, math.ceil(n), "Paired t, noncentral t (R power.t.test paired)")


def paired_t_detectable(
    n: int, sd: float, power: float = 0.8, alpha: float = 0.05, strict: bool = False
) -> float:
    """Smallest mean difference detectable with ``n`` pairs, as R
    ``power.t.test(n=, sd=, type = "paired", power=, strict=)$delta``; with ``sd = 1`` and
    ``strict=True`` the effect size d of ``pwr::pwr.t.test(n=, power=, type = "paired")``."""
    z_quantile(alpha)
    _check_power(power)
    if n < 2 or sd <= 0:
        raise StatsInputError(f"need n >= 2 pairs and sd > 0, got n={n}, sd={sd}")
    return optimize.brentq(
        lambda d: _paired_t_power(n, d, sd, alpha, strict) - power,
        sd * 1e-7,
        sd * 1e7,
        xtol=1e-14,
    )


def _mcnemar_n(p10: float, p01: float, za: float, zb: float) -> float:
    psi, delta = p10 + p01, p10 - p01
    return (za * np.sqrt(psi) + zb * np.sqrt(psi - delta**2)) ** 2 / delta**2


def mcnemar_pairs(p10: float, p01: float, power: float = 0.8, alpha: float = 0.05) -> SampleSize:
    """Pairs for McNemar's test given the discordant-cell probabilities (Connor 1987,
    Biometrics 43:207): n = [z_a sqrt(psi) + z_b sqrt(psi - delta^2)]^2 / delta^2 with
    psi = p10 + p01 and delta = p10 - p01."""
    za, zb = z_quantile(alpha), _check_power(power)
    _check_discordant(p10, p01)
    if p10 == p01:
        raise StatsInputError(f"need p10 != p01, got {p10}, {p01}")
    n = float(_mcnemar_n(p10, p01, za, zb))
    return SampleSize(n, math.ceil(n), "McNemar, Connor (1987) normal approximation")


def mcnemar_detectable(n: int, discordant: float, power: float = 0.8, alpha: float = 0.05) -> float:
    """Smallest |p10 - p01| detectable with ``n`` pairs when p10 + p01 = ``discordant``
    (Connor 1987 solved for delta); NaN if even p10 = ``discordant`` is not detectable."""
    za, zb = z_quantile(alpha), _check_power(power)
    if n < 1 or not 0 < discordant <= 1:
        raise StatsInputError(f"need n >= 1 and 0 < discordant <= 1, got {n}, {discordant}")

    def gap(delta: float) -> float:
        return _mcnemar_n((discordant + delta) / 2, (discordant - delta) / 2, za, zb) - n

    if gap(discordant) > 0:
        return float("nan")
    return optimize.brentq(gap, discordant * 1e-9, discordant, xtol=1e-14)


def _check_discordant(p10: float, p01: float) -> None:
    if not (p10 >= 0 and p01 >= 0 and 0 < p10 + p01 <= 1):
        raise StatsInputError(f"need p10, p01 >= 0 and 0 < p10 + p01 <= 1; got {p10}, {p01}")


def mcnemar_power(n: int, p10: float, p01: float, alpha: float = 0.05) -> float:
    """Power of the exact McNemar test (two-sided exact binomial test on the discordant
    pairs, :func:`spinepair.stats.mcnemar`) with ``n`` pairs, by enumeration: the number of
    discordant pairs m is binomial(n, p10 + p01); given m, b is binomial(m, p10 / (p10 + p01))
    and the test rejects when ``binom.test(b, m)$p.value <= alpha`` (m = 0: no test, no
    rejection). For a discordance probability psi and conditional odds ratio OR use
    p10 = psi OR / (1 + OR), p01 = psi / (1 + OR)."""
    z_quantile(alpha)
    _check_discordant(p10, p01)
    if n < 1 or n != int(n):
        raise StatsInputError(f"n must be a positive whole number of pairs, got {n}")
    n = int(n)
    m = np.arange(1, n + 1)
    b = np.arange(n + 1)
    lower = sps.binom.cdf(np.minimum(b[None, :], m[:, None] - b[None, :]), m[:, None], 0.5)
    reject = (b[None, :] <= m[:, None]) & (np.minimum(1.0, 2 * lower) <= alpha)
    given_m = (reject * sps.binom.pmf(b[None, :], m[:, None], p10 / (p10 + p01))).sum(axis=1)
    return float((sps.binom.pmf(m, n, p10 + p01) * given_m).sum())


def logrank_events(
    hazard_ratio: float, power: float = 0.8, alpha: float = 0.05, allocation: float = 0.5
) -> SampleSize:
    """Events for the log-rank test (Schoenfeld 1983, Biometrics 39:499):
    d = (z_a + z_b)^2 / (p (1 - p) log(HR)^2), p = ``allocation`` (0.5 for matched pairs).
    ``pairs`` here is the number of events rounded up."""
    za, zb = z_quantile(alpha), _check_power(power)
    if hazard_ratio <= 0 or hazard_ratio == 1 or not 0 < allocation < 1:
        raise StatsInputError("need hazard ratio > 0, != 1 and 0 < allocation < 1")
    d = (za + zb) ** 2 / (allocation * (1 - allocation) * np.log(hazard_ratio) ** 2)
    return SampleSize(float(d), math.ceil(d), "Log-rank events, Schoenfeld (1983)")


def logrank_pairs(
    hazard_ratio: float, event_probability: float, power: float = 0.8, alpha: float = 0.05
) -> SampleSize:
    """Matched pairs for the log-rank test: Schoenfeld events (allocation 1/2) divided by
    the probability that a patient has the event, halved. Ignores the pairing (as does the
    Schoenfeld formula), so it is conservative for an informative matching."""
    if not 0 < event_probability <= 1:
        raise StatsInputError(f"event_probability must be in (0, 1], got {event_probability}")
    n = logrank_events(hazard_ratio, power, alpha).n / event_probability / 2
    return SampleSize(n, math.ceil(n), "Log-rank pairs, Schoenfeld (1983) events / P(event) / 2")


def logrank_detectable(
    events: float, power: float = 0.8, alpha: float = 0.05, allocation: float = 0.5
) -> float:
    """Smallest hazard ratio below 1 detectable with ``events`` events (Schoenfeld 1983
    solved for HR): exp(-(z_a + z_b) / sqrt(p (1 - p) d)); its inverse is the one above 1."""
    za, zb = z_quantile(alpha), _check_power(power)
    if events <= 0 or not 0 < allocation < 1:
        raise StatsInputError("need events > 0 and 0 < allocation < 1")
    return float(np.exp(-(za + zb) / np.sqrt(allocation * (1 - allocation) * events)))
