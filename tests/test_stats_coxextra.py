"""spinepair.stats Cox extras and timefix against R 4.2.2, survival 3.5.3 (and MASS::gehan).

Every reference value was computed with the R call written next to it, on the 12 matched
pairs ``d`` and the Gehan pairs defined in tests/test_stats_survival.py.
"""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    cox_cluster,
    cox_zph,
    kaplan_meier,
    stratified_cox,
    stratified_logrank,
    timefix,
)
from tests.test_stats_survival import E, G, S, T, gehan


def test_cox_cluster_matches_coxph():
    # R: f <- coxph(Surv(t, e) ~ g + cluster(s), data = d); summary(f)
    #    coef -1.2235382531286707, sqrt(f$naive.var) 0.58217492712796504,
    #    sqrt(f$var) 0.46333586355389172, lower .95 0.11864020438277487,
    #    upper .95 0.72948487266271911, Pr(>|z|) 0.008273112950795242
    res = cox_cluster(T, E, G, S)
    assert (res.level, res.reference) == ("SRS", "RT")
    assert res.coef == pytest.approx(-1.2235382531286707, rel=1e-9)
    assert res.se == pytest.approx(0.58217492712796504, rel=1e-9)
    assert res.robust_se == pytest.approx(0.46333586355389172, rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx((0.11864020438277487, 0.72948487266271911),
                                                   rel=1e-9)  # fmt: skip
    assert res.pvalue == pytest.approx(0.008273112950795242, rel=1e-8)


def test_cox_cluster_gehan():
    # R: f <- coxph(Surv(time, cens) ~ treat + cluster(pair), data = gehan)
    #    coef 1.5721251488290655, sqrt(f$naive.var) 0.4123967177094553,
    #    sqrt(f$var) 0.39113616731669204
    res = cox_cluster(*gehan())
    assert res.coef == pytest.approx(1.5721251488290655, rel=1e-9)
    assert res.se == pytest.approx(0.4123967177094553, rel=1e-9)
    assert res.robust_se == pytest.approx(0.39113616731669204, rel=1e-9)
    with pytest.raises(StatsInputError, match="cluster"):
        cox_cluster(T, E, G, S[:-1])


def test_stratified_cox_likelihood_ratio_score_wald():
    # R: fs <- coxph(Surv(t, e) ~ g + strata(s), data = d); ss <- summary(fs)
    #    ss$logtest -> 3.1394888625872905, 1, 0.076417752743468695
    #    ss$sctest  -> 3, 1, 0.083264516663550558
    #    fs$wald.test -> 2.7156351618268184 (ss$waldtest rounds it to 2.72), p 0.099369410305580427
    res = stratified_cox(T, E, G, S)
    assert res.likelihood_ratio.statistic == pytest.approx(3.1394888625872905, rel=1e-9)
    assert res.likelihood_ratio.pvalue == pytest.approx(0.076417752743468695, rel=1e-9)
    assert res.score.statistic == pytest.approx(3.0, rel=1e-12)
    assert res.score.pvalue == pytest.approx(0.083264516663550558, rel=1e-12)
    assert res.wald.statistic == pytest.approx(2.7156351618268184, rel=1e-9)
    assert res.wald.pvalue == pytest.approx(0.099369410305580427, rel=1e-9)


def test_stratified_cox_tests_gehan():
    # R: sg <- summary(coxph(Surv(time, cens) ~ treat + strata(pair), data = gehan))
    #    sg$logtest 11.887296215404522; sg$sctest 10.714285714285715; $wald.test 8.2553194171758779
    res = stratified_cox(*gehan())
    assert res.likelihood_ratio.statistic == pytest.approx(11.887296215404522, rel=1e-9)
    assert res.score.statistic == pytest.approx(10.714285714285715, rel=1e-12)
    assert res.wald.statistic == pytest.approx(8.2553194171758779, rel=1e-9)


@pytest.mark.parametrize(
    ("data", "stratified", "chisq", "p"),
    [
        # R: cox.zph(coxph(Surv(t, e) ~ g + strata(s), data = d))$table["g", ]
        ((T, E, G, S), True, 0.00017183113562915434, 0.98954127956668658),
        # R: cox.zph(coxph(Surv(t, e) ~ g, data = d))$table["g", ]
        ((T, E, G, S), False, 0.18768540814695017, 0.66485005452915746),
        # R: cox.zph(coxph(Surv(time, cens) ~ treat + strata(pair), data = gehan))$table
        (gehan(), True, 0.020764730642545561, 0.88542172215498705),
        # R: cox.zph(coxph(Surv(time, cens) ~ treat, data = gehan))$table
        (gehan(), False, 0.022863378052822018, 0.87981289495725679),
    ],
)
def test_cox_zph_matches_r(data, stratified, chisq, p):
    t, e, g, s = data
    res = cox_zph(t, e, g, s if stratified else None)
    assert res.statistic == pytest.approx(chisq, rel=1e-8)
    assert res.pvalue == pytest.approx(p, rel=1e-8)
    assert res.df == 1


def test_timefix_merges_floating_point_noise():
    assert 0.1 + 0.2 != 0.3
    np.testing.assert_array_equal(timefix([0.1 + 0.2, 0.3, 1.0, 2.0]), [0.3, 0.3, 1.0, 2.0])
    same = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(timefix(same), same)


def test_timefix_in_kaplan_meier():
    # R: tt <- c(0.1 + 0.2, 0.3, 1/3 * 3, 1, 2, 0.5); ee <- c(1, 1, 1, 1, 0, 1)
    #    f <- survfit(Surv(tt, ee) ~ 1) -> time 0.3 0.5 1 2; n.risk 6 4 3 1;
    #    surv 0.66666666666666663 0.5 0.16666666666666666 0.16666666666666666
    #    survfit(Surv(tt, ee) ~ 1, timefix = FALSE) -> time 0.3 0.30000000000000004 0.5 1 2;
    #    surv 0.83333333333333337 0.66666666666666674 0.5 0.16666666666666666 0.16666666666666666
    tt, ee = [0.1 + 0.2, 0.3, 1 / 3 * 3, 1, 2, 0.5], [1, 1, 1, 1, 0, 1]
    km = kaplan_meier(tt, ee)
    np.testing.assert_array_equal(km.times, [0.3, 0.5, 1, 2])
    np.testing.assert_array_equal(km.n_at_risk, [6, 4, 3, 1])
    np.testing.assert_allclose(km.survival, [2 / 3, 0.5, 1 / 6, 1 / 6], rtol=1e-15)
    km = kaplan_meier(tt, ee, timefix=False)
    assert len(km.times) == 5
    np.testing.assert_allclose(km.survival[:2], [0.83333333333333337, 0.66666666666666674],
                               rtol=1e-15)  # fmt: skip


def test_timefix_in_logrank_and_cox():
    # R: d <- data.frame(t = c(0.1 + 0.2, 0.3, 1, 2, 0.5, 0.7, 0.3), e = c(1, 1, 1, 0, 1, 1, 1),
    #                    g = c(1, 2, 1, 2, 1, 2, 2))
    #    survdiff(Surv(t, e) ~ g, data = d)$chisq -> 0.1197380729653879
    #    untied (same order as without timefix): d$t[1] <- 0.30001 -> 0.032034947215143703
    #    coef(coxph(Surv(t, e) ~ g, data = d)) -> -0.2218017587807323
    #    coef(coxph(Surv(t, e) ~ g, data = d, timefix = FALSE)) -> -0.094650139762805119
    t = [0.1 + 0.2, 0.3, 1, 2, 0.5, 0.7, 0.3]
    e, g, one = [1, 1, 1, 0, 1, 1, 1], [1, 2, 1, 2, 1, 2, 2], [0] * 7
    assert stratified_logrank(t, e, g, one).statistic == pytest.approx(0.1197380729653879)
    assert stratified_logrank(t, e, g, one, timefix=False).statistic == pytest.approx(
        0.032034947215143703
    )
    assert stratified_cox(t, e, g, one).coef == pytest.approx(-0.2218017587807323, rel=1e-9)
    assert stratified_cox(t, e, g, one, timefix=False).coef == pytest.approx(
        -0.094650139762805119, rel=1e-9
    )
