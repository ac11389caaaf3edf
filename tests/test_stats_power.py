"""spinepair.stats.power against R 4.2.2 (stats package).

Every reference value was computed with the R call written next to it. McNemar (Connor 1987,
Biometrics 43:207) and log-rank (Schoenfeld 1983, Biometrics 39:499) have no function in base
R; their references are the published formulas written out in R (``connor``, ``sch``).
"""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    logrank_detectable,
    logrank_events,
    logrank_pairs,
    mcnemar_detectable,
    mcnemar_pairs,
    paired_t_detectable,
    paired_t_pairs,
)

# R: connor <- function(p10, p01, power = 0.8, a = 0.05) { psi <- p10 + p01; d <- p10 - p01
#      (qnorm(1 - a/2) * sqrt(psi) + qnorm(power) * sqrt(psi - d^2))^2 / d^2 }
#    sch <- function(hr, power = 0.8, a = 0.05, p = 0.5)
#      (qnorm(1 - a/2) + qnorm(power))^2 / (p * (1 - p) * log(hr)^2)


def test_paired_t_pairs_matches_power_t_test():
    # R: power.t.test(delta = 0.5, sd = 1.2, type = "paired", power = 0.8, tol = 1e-12)$n
    #    -> 47.166332460934001 (default tol: 47.166332457066616)
    res = paired_t_pairs(0.5, 1.2)
    assert res.n == pytest.approx(47.166332460934001, rel=1e-10) and res.pairs == 48
    # R: power.t.test(delta = 0.5, sd = 1.2, type = "paired", power = 0.9, tol = 1e-12)$n
    #    -> 62.475197868949962
    res = paired_t_pairs(0.5, 1.2, power=0.9)
    assert res.n == pytest.approx(62.475197868949962, rel=1e-10) and res.pairs == 63
    # R: power.t.test(delta = -2, sd = 3, type = "paired", power = 0.8, sig.level = 0.01,
    #                 tol = 1e-12)$n -> 29.645381848227977
    assert paired_t_pairs(-2, 3, alpha=0.01).n == pytest.approx(29.645381848227977, rel=1e-10)


def test_paired_t_detectable_matches_power_t_test():
    # R: power.t.test(n = 30, sd = 1.2, type = "paired", power = 0.8, tol = 1e-12)$delta
    #    -> 0.63508349373083406 (default tol: 0.63507193801385875)
    assert paired_t_detectable(30, 1.2) == pytest.approx(0.63508349373083406, rel=1e-10)
    # R: power.t.test(n = 12, sd = 2, type = "paired", power = 0.9, tol = 1e-12)$delta
    #    -> 2.0589432468767717
    assert paired_t_detectable(12, 2, power=0.9) == pytest.approx(2.0589432468767717, rel=1e-10)


def test_mcnemar_pairs_connor():
    # R: connor(0.2, 0.1) -> 233.0945382046738; connor(0.2, 0.1, 0.9) -> 311.04723458872883
    #    connor(0.05, 0.25) -> 56.449736660911363; connor(0.3, 0.1, 0.8, 0.01) -> 113.85639395749568
    res = mcnemar_pairs(0.2, 0.1)
    assert res.n == pytest.approx(233.0945382046738, rel=1e-12) and res.pairs == 234
    assert mcnemar_pairs(0.2, 0.1, power=0.9).n == pytest.approx(311.04723458872883, rel=1e-12)
    assert mcnemar_pairs(0.05, 0.25).n == pytest.approx(56.449736660911363, rel=1e-12)
    assert mcnemar_pairs(0.3, 0.1, alpha=0.01).n == pytest.approx(113.85639395749568, rel=1e-12)


def test_mcnemar_detectable():
    # R: mde <- function(n, psi, power = 0.8, a = 0.05) uniroot(function(d)
    #      connor((psi + d)/2, (psi - d)/2, power, a) - n, c(psi * 1e-9, psi), tol = 1e-14)$root
    #    mde(200, 0.3) -> 0.10786657961449506; mde(50, 0.4, 0.9) -> 0.27824138069546472
    assert mcnemar_detectable(200, 0.3) == pytest.approx(0.10786657961449506, rel=1e-10)
    assert mcnemar_detectable(50, 0.4, power=0.9) == pytest.approx(0.27824138069546472, rel=1e-10)
    # R: connor(0.05, 0) -> 154.5986 > 10 pairs: not even a one-sided discordance is detectable
    assert np.isnan(mcnemar_detectable(10, 0.05))


def test_logrank_schoenfeld():
    # R: sch(0.5) -> 65.345659258870896; sch(0.7) -> 246.78710454735841
    #    sch(0.7, 0.9) -> 330.37791396380959; sch(1.5, 0.8, 0.05, 2/3) -> 214.83904520698778
    res = logrank_events(0.5)
    assert res.n == pytest.approx(65.345659258870896, rel=1e-12) and res.pairs == 66
    assert logrank_events(0.7).n == pytest.approx(246.78710454735841, rel=1e-12)
    assert logrank_events(0.7, power=0.9).n == pytest.approx(330.37791396380959, rel=1e-12)
    assert logrank_events(1.5, allocation=2 / 3).n == pytest.approx(214.83904520698778, rel=1e-12)
    # R: sch(0.7) / 0.6 / 2 -> 205.65592045613201
    res = logrank_pairs(0.7, event_probability=0.6)
    assert res.n == pytest.approx(205.65592045613201, rel=1e-12) and res.pairs == 206


def test_logrank_detectable():
    # R: exp(-(qnorm(0.975) + qnorm(0.8)) / sqrt(0.25 * 120)) -> 0.59959722536293214
    #    exp(-(qnorm(0.995) + qnorm(0.9)) / sqrt(0.25 * 300)) -> 0.64056032578258915
    assert logrank_detectable(120) == pytest.approx(0.59959722536293214, rel=1e-12)
    assert logrank_detectable(300, power=0.9, alpha=0.01) == pytest.approx(
        0.64056032578258915, rel=1e-12
    )
    # round trip: the detectable HR needs exactly the given number of events
    assert logrank_events(logrank_detectable(120)).n == pytest.approx(120, rel=1e-12)


def test_power_bad_input():
    with pytest.raises(StatsInputError, match="power"):
        paired_t_pairs(1, 1, power=1.2)
    with pytest.raises(StatsInputError, match="delta"):
        paired_t_pairs(0, 1)
    with pytest.raises(StatsInputError, match="p10 != p01"):
        mcnemar_pairs(0.1, 0.1)
    with pytest.raises(StatsInputError, match="hazard ratio"):
        logrank_events(1.0)
    with pytest.raises(StatsInputError, match="event_probability"):
        logrank_pairs(0.7, 0)
