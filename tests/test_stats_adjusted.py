"""spinepair.stats.adjusted against R 4.2.2, survival 3.5.3 (and MASS::gehan).

Every reference value was computed with the R call written next to it, options(digits = 17).
"""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    conditional_logistic,
    paired_difference_regression,
    stratified_cox_adjusted,
)
from tests.test_stats_survival import E, G, S, T, gehan

# covariates of the 12 pairs d of tests/test_stats_survival.py (rows SRS, RT per pair)
# R: d$x <- c(3.1,4.0, 2.2,5.5, 6.1,3.3, 1.0,2.0, 4.4,4.1, 7.2,2.9, 5.0,6.3, 3.8,1.7,
#             2.5,2.6, 6.6,4.9, 1.2,3.4, 5.9,5.1)
#    d$b <- c(1,0, 1,1, 0,1, 0,0, 1,0, 0,1, 1,1, 0,0, 1,0, 0,1, 0,0, 1,0)
#    d$g <- factor(d$g, levels = c("RT", "SRS"))
X = np.array([3.1, 4.0, 2.2, 5.5, 6.1, 3.3, 1.0, 2.0, 4.4, 4.1, 7.2, 2.9,
              5.0, 6.3, 3.8, 1.7, 2.5, 2.6, 6.6, 4.9, 1.2, 3.4, 5.9, 5.1])  # fmt: skip
B = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0.0])


def test_stratified_cox_with_a_covariate():
    # R: f1 <- coxph(Surv(t, e) ~ g + x + strata(s), data = d); summary(f1)
    #    gSRS coef -1.09472802135824310, se 0.67949225191189733, p 0.1071585523935203,
    #    exp(coef) 0.33463060695098695, lower .95 0.088344762531957999, upper 1.2675074322360529
    res = stratified_cox_adjusted(T, E, G, S, X, names=["x"], reference="RT")
    assert res.estimate == pytest.approx(0.33463060695098695, rel=1e-8)
    assert res.se == pytest.approx(0.67949225191189733, rel=1e-8)
    assert (res.lower, res.upper) == pytest.approx((0.088344762531957999, 1.2675074322360529),
                                                   rel=1e-8)  # fmt: skip
    assert res.pvalue == pytest.approx(0.1071585523935203, rel=1e-7)
    assert res.kept == ("x",) and "Efron" in res.method
    assert res.n == 11  # pairs with an event (pair P04 has none)


def test_stratified_cox_with_two_covariates():
    # R: f2 <- coxph(Surv(t, e) ~ g + x + b + strata(s), data = d); summary(f2)
    #    gSRS exp(coef) 0.20648687781549488, se 1.05775227844247777, p 0.13585981576582362,
    #    lower .95 0.025973596281306511, upper .95 1.641545138694456
    res = stratified_cox_adjusted(T, E, G, S, np.column_stack([X, B]), names=["x", "b"])
    assert res.estimate == pytest.approx(0.20648687781549488, rel=1e-7)
    assert res.se == pytest.approx(1.05775227844247777, rel=1e-7)
    assert (res.lower, res.upper) == pytest.approx((0.025973596281306511, 1.641545138694456),
                                                   rel=1e-7)  # fmt: skip
    assert res.pvalue == pytest.approx(0.13585981576582362, rel=1e-6)


def test_stratified_cox_adjusted_gehan():
    # R: g <- gehan[order(gehan$pair), ]; g$w <- (seq_len(42) * 7) %% 11
    #    summary(coxph(Surv(time, cens) ~ treat + w + strata(pair), data = g))
    #    treatcontrol exp(coef) 7.2485366498343664, se 0.72585088192889025,
    #    p 0.0063539298212659766, lower 1.74745076529808285, upper 30.067389941615581
    t, e, g, pair = gehan()
    w = (np.arange(1, 43) * 7) % 11
    res = stratified_cox_adjusted(t, e, g, pair, w, reference="6-MP")
    assert res.estimate == pytest.approx(7.2485366498343664, rel=1e-8)
    assert res.se == pytest.approx(0.72585088192889025, rel=1e-8)
    assert (res.lower, res.upper) == pytest.approx((1.74745076529808285, 30.067389941615581),
                                                   rel=1e-8)  # fmt: skip
    assert res.pvalue == pytest.approx(0.0063539298212659766, rel=1e-7)


def test_stratified_cox_infinite_estimate_is_refused():
    # R: d$b <- c(1,0, 0,1, 1,1, 0,0, 1,0, 0,0, 1,0, 0,1, 1,0, 1,1, 0,0, 0,1)
    #    coxph(Surv(t, e) ~ g + x + b + strata(s), data = d)
    #    -> "Ran out of iterations and did not converge", coef gSRS -19.7 (infinite)
    b = np.array([1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1.0])
    with pytest.raises(StatsInputError, match="infinite"):
        stratified_cox_adjusted(T, E, G, S, np.column_stack([X, b]))


def test_covariate_constant_within_pairs_is_dropped_as_aliased():
    # R: d$k <- rep(0:11, each = 2); f <- coxph(Surv(t, e) ~ g + k + strata(s), data = d)
    #    coef k NA; gSRS exp(coef) 0.33333333333347198, lower .95 0.090242485803757766,
    #    upper .95 1.2312505592191567
    k = np.repeat(np.arange(12.0), 2)
    res = stratified_cox_adjusted(T, E, G, S, k, names=["k"], reference="RT")
    assert res.kept == () and "aliased, dropped: k" in res.method
    assert res.estimate == pytest.approx(0.33333333333347198, rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx((0.090242485803757766, 1.2312505592191567),
                                                   rel=1e-9)  # fmt: skip


# 14 pairs, index (arm = 1) first in each pair.
# R: p <- data.frame(pair = rep(1:14, each = 2), arm = rep(c(1, 0), 14),
#   y = c(1,0, 1,0, 0,1, 1,1, 0,0, 1,0, 0,1, 1,0, 1,0, 0,0, 0,1, 1,0, 1,1, 1,0),
#   x = c(3.1,4.0, 2.2,5.5, 6.1,3.3, 1.0,2.0, 4.4,4.1, 7.2,2.9, 5.0,6.3, 3.8,1.7, 2.5,2.6,
#         6.6,4.9, 1.2,3.4, 5.9,5.1, 2.0,2.8, 4.7,3.9),
#   r = factor(c("a","b", "b","b", "c","a", "a","a", "b","c", "c","a", "a","b", "b","a",
#                "c","c", "a","a", "b","a", "c","b", "a","c", "b","b")))
Y = np.array([1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0])
XC = np.r_[X, [2.0, 2.8, 4.7, 3.9]]
R = np.array(list("abbbcaaabccaabbaccaabacbacbb"))


def _sides(values):
    values = np.asarray(values)
    return values[0::2], values[1::2]


def _dummies(r):
    return np.column_stack([(r == "b"), (r == "c")]).astype(float)


def test_clogit_unadjusted_is_the_discordant_ratio():
    # R: c0 <- clogit(y ~ arm + strata(pair), data = p); summary(c0)
    #    exp(coef) 2.333333333333333, se 0.69006555934235425, p 0.21950281228300078,
    #    lower .95 0.60338139707972882, upper .95 9.0232222451582018
    res = conditional_logistic(*_sides(Y))
    assert res.estimate == pytest.approx(2.333333333333333, rel=1e-10)
    assert res.se == pytest.approx(0.69006555934235425, rel=1e-10)
    assert (res.lower, res.upper) == pytest.approx((0.60338139707972882, 9.0232222451582018),
                                                   rel=1e-10)  # fmt: skip
    assert res.pvalue == pytest.approx(0.21950281228300078, rel=1e-9)
    assert res.n == 10  # discordant pairs


def test_clogit_with_a_covariate():
    # R: c1 <- clogit(y ~ arm + x + strata(pair), data = p); summary(c1)
    #    arm exp(coef) 2.2808509930099206, se 0.69881150956009230, p 0.23802808455882690,
    #    lower .95 0.57978567195745057, upper .95 8.9727661512410197
    res = conditional_logistic(*_sides(Y), *_sides(XC), names=["x"])
    assert res.estimate == pytest.approx(2.2808509930099206, rel=1e-9)
    assert res.se == pytest.approx(0.69881150956009230, rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx((0.57978567195745057, 8.9727661512410197),
                                                   rel=1e-9)  # fmt: skip
    assert res.pvalue == pytest.approx(0.23802808455882690, rel=1e-8)


def test_clogit_with_a_covariate_and_a_factor():
    # R: c2 <- clogit(y ~ arm + x + r + strata(pair), data = p); summary(c2)
    #    arm exp(coef) 3.91151379592684378, se 1.05972821265095241, p 0.19807644584015710,
    #    lower .95 0.4901201709821957353, upper .95 31.2167119036645850
    xi, xc = _sides(np.column_stack([XC, _dummies(R)]))
    res = conditional_logistic(*_sides(Y), xi, xc, names=["x", "r=b", "r=c"])
    assert res.estimate == pytest.approx(3.91151379592684378, rel=1e-8)
    assert res.se == pytest.approx(1.05972821265095241, rel=1e-8)
    assert (res.lower, res.upper) == pytest.approx((0.4901201709821957353, 31.2167119036645850),
                                                   rel=1e-8)  # fmt: skip
    assert res.pvalue == pytest.approx(0.19807644584015710, rel=1e-7)


def test_clogit_without_discordant_pairs_is_refused():
    with pytest.raises(StatsInputError, match="discordant"):
        conditional_logistic([1, 0, 1], [1, 0, 1])


# 12 pairs of a continuous outcome y and covariates x (continuous) and z (binary).
# R: w <- data.frame(y1 = c(5,3,6,2,7,4,5,8,3,6,4,5), y2 = c(3,4,2,2,5,5,1,6,4,2,3,2),
#   x1 = c(6,5,7,3,8,6,5,9,4,7,6,5), x2 = c(5,6,4,3,6,7,3,6,5,4,5,3),
#   z1 = c(1,0,1,1,0,0,1,0,1,1,0,1), z2 = c(0,0,1,0,1,0,0,0,1,0,1,0))
Y1, Y2 = (
    np.array([5, 3, 6, 2, 7, 4, 5, 8, 3, 6, 4, 5.0]),
    np.array([3, 4, 2, 2, 5, 5, 1, 6, 4, 2, 3, 2.0]),
)
X1, X2 = (
    np.array([6, 5, 7, 3, 8, 6, 5, 9, 4, 7, 6, 5.0]),
    np.array([5, 6, 4, 3, 6, 7, 3, 6, 5, 4, 5, 3.0]),
)
Z1, Z2 = (
    np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1.0]),
    np.array([0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 1, 0.0]),
)


def test_paired_difference_regression_without_covariates_is_the_mean_difference():
    # R: l0 <- lm(I(y1 - y2) ~ 1, data = w); summary(l0); confint(l0)
    #    1.5833333333333335, se 0.57019844144496112, p 0.018006315727296097,
    #    CI 0.32833502540559278 2.8383316412610742
    res = paired_difference_regression(Y1, Y2)
    assert res.estimate == pytest.approx(1.5833333333333335, rel=1e-12)
    assert res.se == pytest.approx(0.57019844144496112, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((0.32833502540559278, 2.8383316412610742),
                                                   rel=1e-12)  # fmt: skip
    assert res.pvalue == pytest.approx(0.018006315727296097, rel=1e-10)


def test_paired_difference_regression_with_a_covariate():
    # R: l1 <- lm(I(y1 - y2) ~ I(x1 - x2), data = w); summary(l1); confint(l1)
    #    (Intercept) 0.2409638554216865, se 0.28870446575010883, p 0.42341197185634671,
    #    CI -0.40230978145807150 0.88423749230144455
    res = paired_difference_regression(Y1, Y2, X1, X2, names=["x"])
    assert res.estimate == pytest.approx(0.2409638554216865, rel=1e-12)
    assert res.se == pytest.approx(0.28870446575010883, rel=1e-12)
    assert (res.lower, res.upper) == pytest.approx((-0.40230978145807150, 0.88423749230144455),
                                                   rel=1e-12)  # fmt: skip
    assert res.pvalue == pytest.approx(0.42341197185634671, rel=1e-10)


def test_paired_difference_regression_with_two_covariates():
    # R: l2 <- lm(I(y1 - y2) ~ I(x1 - x2) + I(z1 - z2), data = w); summary(l2); confint(l2)
    #    (Intercept) 0.13427734374999958, se 0.25622392847434683, p 0.61289493778135862,
    #    CI -0.445341451328539084 0.7138961388285382
    res = paired_difference_regression(
        Y1, Y2, np.column_stack([X1, Z1]), np.column_stack([X2, Z2]), names=["x", "z"]
    )
    assert res.estimate == pytest.approx(0.13427734374999958, rel=1e-11)
    assert res.se == pytest.approx(0.25622392847434683, rel=1e-11)
    assert (res.lower, res.upper) == pytest.approx((-0.445341451328539084, 0.7138961388285382),
                                                   rel=1e-11)  # fmt: skip
    assert res.pvalue == pytest.approx(0.61289493778135862, rel=1e-10)
    assert res.kept == ("x", "z") and "lm(" in res.method


def test_clogit_all_discordant_pairs_one_way_is_refused():
    # R: clogit(y ~ arm + strata(pair)) with every discordant pair's case in arm 1
    #    -> "Loglik converged before variable 1; coefficient may be infinite"
    with pytest.raises(StatsInputError, match="infinite"):
        conditional_logistic([1, 1, 0, 1], [0, 0, 0, 1])
