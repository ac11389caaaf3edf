"""spinepair.stats restricted mean survival time against R 4.2.2, survival 3.5.3.

Every reference value was computed with the R call written next to it, on the 12 matched
pairs ``d`` of tests/test_stats_survival.py.
"""

import numpy as np
import pytest

from spinepair.stats import StatsInputError, rmst, rmst_difference
from tests.test_stats_survival import E, G, T

Z = 1.959963984540054  # R: qnorm(0.975)


@pytest.mark.parametrize(
    ("tau", "mean", "se"),
    [
        # R: summary(survfit(Surv(t, e) ~ 1, data = d), rmean = TAU)$table[c("rmean", "se(rmean)")]
        (10, 7.71765962795374616, 0.64534605008731993),
        (12.5, 8.69838696162225666, 0.82992214316018442),
        (25, 10.5617688955924258, 1.5528307795124272),  # beyond the last time (20)
    ],
)
def test_rmst_matches_survfit(tau, mean, se):
    res = rmst(T, E, tau)
    assert (res.estimate, res.se) == pytest.approx((mean, se), rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((mean - Z * se, mean + Z * se), rel=1e-12)
    assert ("carried forward" in res.method) == (tau > 20)


def test_rmst_difference_between_arms():
    # R: summary(survfit(Surv(t, e) ~ g, data = d), rmean = 12)$table[, c("rmean", "se(rmean)")]
    #    g=RT 7.1944444444444446 1.17034436504160455; g=SRS 9.8520833333333329 0.94151816368368391
    res = rmst_difference(T, E, G, 12)
    se = np.hypot(1.17034436504160455, 0.94151816368368391)
    assert res.estimate == pytest.approx(9.8520833333333329 - 7.1944444444444446, rel=1e-12)
    assert res.se == pytest.approx(se, rel=1e-12)
    assert res.lower == pytest.approx(res.estimate - Z * se, rel=1e-12)
    assert "pairing ignored" in res.method


def test_rmst_edges():
    # all censored. R: summary(survfit(Surv(c(2, 3, 5), c(0, 0, 0)) ~ 1), rmean = 4)$table
    #    -> rmean 4, se(rmean) 0
    res = rmst([2, 3, 5], [0, 0, 0], 4)
    assert (res.estimate, res.se, res.lower, res.upper) == (4.0, 0.0, 4.0, 4.0)
    with pytest.raises(StatsInputError, match="tau"):
        rmst(T, E, 0)
    with pytest.raises(StatsInputError, match="exactly 2 levels"):
        rmst_difference(T, E, np.zeros(len(T)), 10)
