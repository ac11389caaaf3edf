"""spinepair.stats cumulative incidence, Gray's test and Fine-Gray against R 4.2.2,
cmprsk 2.2-11 and survival 3.5.3.

Every reference value was computed with the R call written next to it, on the data below
(generated once in R: set.seed(20240611); latent times rexp, causes sample(0:2), censoring
runif, rounded to 0.1 so that times are tied; pasted with dput).
"""

import numpy as np
import pytest

from spinepair.stats import StatsInputError, cuminc, fine_gray, gray_test

# R: time <- c(...); status <- c(...); g <- rep(c("RT", "SRS"), 30); pair <- rep(1:30, each = 2)
#    centre <- rep(c("A", "B", "C"), each = 20); x <- as.numeric(g == "SRS")
TIME = np.array([17.2, 4, 9.3, 4.2, 0.3, 1.3, 1.7, 0.3, 6.8, 3.4, 4.4, 2.7, 4.6, 14.5, 4, 4.7, 7,
    9.6, 11.6, 6.9, 2.6, 0.7, 5.8, 6.9, 1.2, 3.4, 0.2, 2.1, 7.1, 4.5, 0.4, 1.5, 12.9, 2, 11, 2.9,
    7.3, 5.6, 5.5, 13, 6.9, 4.3, 4.7, 1.3, 1, 4.6, 18.8, 2.7, 0.5, 2.2, 4.2, 3, 7.4, 12.1, 2.7, 12,
    2.7, 11.8, 1.3, 0.4])  # fmt: skip
STATUS = np.array([0, 2, 0, 2, 1, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 2, 0, 1, 2, 1, 0, 0,
    0, 1, 0, 1, 1, 2, 0, 1, 0, 2, 1, 0, 1, 0, 0, 2, 1, 0, 2, 1, 0, 0, 0, 2, 1, 2, 0, 0, 0, 0, 2, 0,
    2, 2])  # fmt: skip
G = np.tile(["RT", "SRS"], 30)
PAIR = np.repeat(np.arange(1, 31), 2)
CENTRE = np.repeat(["A", "B", "C"], 20)
# R: age <- round(50 + 10 * sin(1:60), 1)
AGE = np.round(50 + 10 * np.sin(np.arange(1, 61)), 1)


def test_cuminc_matches_cmprsk():
    # R: ci <- cuminc(time, status, g); x <- ci[["RT 1"]]; k <- seq(3, length(x$time) - 1, 2)
    #    x$time[k]; x$est[k]; x$var[k]      (the corners after each jump)
    rt = cuminc(TIME, STATUS, G)["RT"]
    np.testing.assert_array_equal(rt.times, [0.3, 0.4, 4, 4.2, 4.4, 4.7, 5.5, 7, 7.3])
    np.testing.assert_allclose(rt.estimate, [0.034482758620689655, 0.068965517241379309,
        0.11196924672423765, 0.15497297620709599, 0.19797670568995435, 0.24384735047166992,
        0.28971799525338549, 0.34017570451327261, 0.39694062743064562], rtol=1e-13)  # fmt: skip
    np.testing.assert_allclose(rt.variance, [0.0011890606420927468, 0.0022947050401611298,
        0.0039480183653025341, 0.0054335068155530646, 0.0067511901410168438,
        0.0081117713420921136, 0.0092628370297107628, 0.010575755412759558,
        0.012089933863002], rtol=1e-12)  # fmt: skip
    # R: x <- ci[["SRS 1"]] (same corners)
    srs = cuminc(TIME, STATUS, G)["SRS"]
    np.testing.assert_allclose(srs.variance, [0.0011905773010750078, 0.0022977404385906481,
        0.0034143437143210652, 0.0044366241961514537, 0.0060640411513360514,
        0.0074889338465584272, 0.0096823190838527459, 0.011345810799624614,
        0.090016791560285872], rtol=1e-12)  # fmt: skip
    # competing cause. R: x <- ci[["RT 2"]]
    rt2 = cuminc(TIME, STATUS, G, cause=2)["RT"]
    np.testing.assert_array_equal(rt2.times, [1, 1.3, 2.7, 5.8, 6.8])
    np.testing.assert_allclose(rt2.variance, [0.0012856803448606121, 0.0025831737881436547,
        0.0040335742159734872, 0.0057796898838819721, 0.0073164400217836335], rtol=1e-12)  # fmt: skip


def test_cuminc_timepoints():
    # R: timepoints(ci, c(0, 1, 2.5, 5, 10, 12, 19.5, 25)) rows "SRS 2": est, var
    pts = cuminc(TIME, STATUS, G, cause=2)["SRS"].at([0, 1, 2.5, 5, 10, 12, 19.5, 25])
    np.testing.assert_allclose(pts.estimate[:6], [0, 0.034482758620689655, 0.106206896551724134,
        0.32024682395644288, 0.37639927404718698, 0.37639927404718698], rtol=1e-13)  # fmt: skip
    np.testing.assert_allclose(pts.variance[:6], [0, 0.0011890606420927468,
        0.0035059517378306457, 0.0094983087753522932, 0.0111893502804481446,
        0.0111893502804481446], rtol=1e-12)  # fmt: skip
    assert np.isnan(pts.estimate[6:]).all() and np.isnan(pts.variance[6:]).all()  # NA in R


def test_cuminc_log_log_interval():
    # R: x <- ci[["RT 1"]]; F <- x$est[9]; V <- x$var[9]     (time 4.2)
    #    F^exp(c(-1, 1) * qnorm(0.975) * sqrt(V) / (F * log(F)))
    #    -> 0.046233809116071931 0.322748870759541895
    rt = cuminc(TIME, STATUS, G)["RT"]
    assert (rt.lower[3], rt.upper[3]) == pytest.approx(
        (0.046233809116071931, 0.322748870759541895), rel=1e-12
    )
    assert "all" in cuminc(TIME, STATUS)  # no group: one curve


@pytest.mark.parametrize(
    ("kwargs", "stat", "p", "df"),
    [
        # R: cuminc(time, status, g)$Tests
        ({}, 0.00063718904837702561, 0.97986145482493914, 1),
        ({"cause": 2}, 1.55453159057775147645, 0.21246770027762507, 1),
        # R: cuminc(time, status, g, strata = centre)$Tests
        ({"strata": CENTRE}, 0.0019293926658878499, 0.96496430499707242, 1),
        ({"strata": CENTRE, "cause": 2}, 1.6182599694266930346, 0.20333458078019995, 1),
        # R: cuminc(time, status, g, strata = pair)$Tests
        ({"strata": PAIR}, 0.5, 0.47950012218695348, 1),
        ({"strata": PAIR, "cause": 2}, 1.6, 0.20590321073206841, 1),
        # R: cuminc(time, status, g, rho = 1)$Tests
        ({"rho": 1}, 0.004245050590982442, 0.94805134393917079, 1),
        ({"rho": 1, "cause": 2}, 1.433517335150488181, 0.23119126422296943, 1),
        # R: cuminc(time, status, g, cencode = 2)$Tests (row "0": cause 0, censored = 2)
        ({"cause": 0, "cencode": 2}, 0.01494035907999202, 0.90271626487491174, 1),
    ],
)
def test_gray_test_matches_cmprsk(kwargs, stat, p, df):
    res = gray_test(TIME, STATUS, G, **kwargs)
    assert res.statistic == pytest.approx(stat, rel=1e-10)
    assert res.pvalue == pytest.approx(p, rel=1e-10)
    assert res.df == df


def test_gray_test_three_groups_and_errors():
    # R: cuminc(time, status, rep(c("a", "b", "c"), 20))$Tests -> 2.5043497755134836,
    #    p 0.28588235819771590, df 2 (cause 1); 2.3816130540932861, 0.30397600030829275 (cause 2)
    three = np.tile(["a", "b", "c"], 20)
    res = gray_test(TIME, STATUS, three)
    assert (res.statistic, res.df) == (pytest.approx(2.5043497755134836, rel=1e-10), 2)
    assert gray_test(TIME, STATUS, three, cause=2).statistic == pytest.approx(
        2.3816130540932861, rel=1e-10
    )
    with pytest.raises(StatsInputError, match="at least 2 groups"):
        gray_test(TIME, STATUS, np.zeros(60))
    with pytest.raises(StatsInputError, match="negative"):
        gray_test(-TIME, STATUS, G)


def test_fine_gray_matches_crr():
    # cmprsk's default gtol (1e-6 relative to the log-likelihood) stops early: its coef is
    # -0.025391283759130582, 2.6e-6 from the optimum. The references use gtol = 1e-12.
    # R: f <- crr(time, status, x, gtol = 1e-12)
    #    f$coef -0.025388645187880848; sqrt(f$var) 0.45174486259702545;
    #    sqrt(f$invinf) 0.47201159925394548; f$loglik -63.798268960168336
    res = fine_gray(TIME, STATUS, G)
    assert res.names == ("SRS vs RT",)
    assert res.coef[0] == pytest.approx(-0.025388645187880848, abs=1e-9)
    assert res.se[0] == pytest.approx(0.45174486259702545, rel=1e-8)
    assert res.naive_se[0] == pytest.approx(0.47201159925394548, rel=1e-8)
    assert res.loglik == pytest.approx(-63.798268960168336, rel=1e-12)
    assert res.hr == pytest.approx(np.exp(-0.025388645187880848), rel=1e-8)
    # R: crr(time, status, x, failcode = 2) -> coef 0.66909559208179392, se 0.55141554017769012
    res = fine_gray(TIME, STATUS, G, cause=2)
    assert (res.coef[0], res.se[0]) == pytest.approx((0.66909559208179392, 0.55141554017769012),
                                                     rel=1e-8)  # fmt: skip


def test_fine_gray_extra_covariate_and_time_zero():
    # R: crr(time, status, cbind(x, age)) -> coef -0.07241328998487892 -0.046173382459521711,
    #    se 0.45315830996965395 0.033174324165459068
    res = fine_gray(TIME, STATUS, G, covariates={"age": AGE})
    np.testing.assert_allclose(res.coef, [-0.07241328998487892, -0.046173382459521711], rtol=1e-7)
    np.testing.assert_allclose(res.se, [0.45315830996965395, 0.033174324165459068], rtol=1e-7)
    # crr reads the censoring weight of rows at time 0 as G(0), not G(0-).
    # R: t0 <- time; t0[c(3, 9)] <- 0; f <- crr(t0, status, x, gtol = 1e-12)
    #    -> coef -0.087347226454881091, se 0.451969185327833756
    t0 = TIME.copy()
    t0[[2, 8]] = 0
    res = fine_gray(t0, STATUS, G)
    assert (res.coef[0], res.se[0]) == pytest.approx((-0.087347226454881091, 0.451969185327833756),
                                                     rel=1e-8)  # fmt: skip


def test_fine_gray_pair_clustered_variance_matches_coxph_finegray():
    # finegray() counts events before censorings at tied times, crr the other way round, so
    # the two agree only without such ties: untie the times.
    # R: t2 <- time + (1:60) / 1000
    #    crr(t2, status, x, gtol = 1e-12) -> coef -0.020272208521552645, se 0.45056249462026415
    #    d2 <- data.frame(t2, status = factor(status, 0:2, c("cens", "rec", "death")), x, pair, age)
    #    fg <- finegray(Surv(t2, status) ~ ., data = d2, etype = "rec")
    #    cf <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x + cluster(pair), weights = fgwt,
    #                data = fg, ties = "breslow")
    #    coef(cf) -0.020272208521552051; sqrt(cf$naive.var) 0.47205060210078076;
    #    sqrt(cf$var) 0.45693475473435186
    t2 = TIME + np.arange(1, 61) / 1000
    res = fine_gray(t2, STATUS, G, cluster=PAIR)
    assert res.coef[0] == pytest.approx(-0.020272208521552645, abs=1e-9)
    assert res.se[0] == pytest.approx(0.45056249462026415, rel=1e-8)
    assert res.naive_se[0] == pytest.approx(0.47205060210078076, rel=1e-8)
    assert res.cluster_se[0] == pytest.approx(0.45693475473435186, rel=1e-8)
    z = 1.959963984540054
    assert res.cluster_upper == pytest.approx(np.exp(res.coef[0] + z * 0.45693475473435186))
    # R: cf2 <- coxph(... ~ x + age + cluster(pair), ...); sqrt(diag(cf2$var))
    #    -> 0.45190062514087276 0.029393774231039557
    res = fine_gray(t2, STATUS, G, covariates={"age": AGE}, cluster=PAIR)
    np.testing.assert_allclose(res.cluster_se, [0.45190062514087276, 0.029393774231039557],
                               rtol=1e-7)  # fmt: skip
    assert fine_gray(t2, STATUS, G).cluster_se is None


def test_fine_gray_edges():
    with pytest.raises(StatsInputError, match="no event of cause"):
        fine_gray(TIME, np.where(STATUS == 1, 0, STATUS), G)
    with pytest.raises(StatsInputError, match="exactly 2 levels"):
        fine_gray(TIME, STATUS, np.zeros(60))
    # every cause-1 event in one group: the coefficient is infinite
    status = np.where((STATUS == 1) & (G == "RT"), 0, STATUS)
    with pytest.raises(StatsInputError, match="did not converge"):
        fine_gray(TIME, status, G)
