"""Issue 21 statistics against R 4.2.2 (stats, survival 3.5.3, coin 1.4-2, pwr): degenerate
cases as R, two-sample Hodges-Lehmann, power at n pairs, exact McNemar power, Cox ties,
Fine-Gray via finegray() + coxph, p.adjust. Every reference value was computed with the R
call written next to it (R printed with options(digits = 17))."""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    bowker,
    cox_cluster,
    fine_gray_coxph,
    gray_test,
    hodges_lehmann,
    hodges_lehmann_shift,
    mcnemar,
    mcnemar_odds_ratio,
    mcnemar_power,
    p_adjust,
    paired_mean_difference,
    paired_t,
    paired_t_detectable,
    paired_t_power,
    stratified_cox,
    stratified_logrank,
    stuart_maxwell,
    wilcoxon_rank_sum,
    wilcoxon_signed_rank,
)
from tests.test_stats_competing import AGE, PAIR, STATUS, TIME
from tests.test_stats_competing import G as FG_GROUP

REL = 1e-6  # the tolerance; 1e-4 where R solves with uniroot's default tol
ROOT = 1e-4


def nan(*values) -> bool:
    return all(np.isnan(v) for v in values)


# ---------------------------------------------------------------- degenerate cases as R


def test_mcnemar_without_discordant_pairs_is_not_computed():
    # R: mcnemar.test(table(factor(c(1,1,0,0), 0:1), factor(c(1,1,0,0), 0:1)))
    #    -> McNemar's chi-squared = NaN, df = 1, p-value = NA
    # R: binom.test(0, 0) -> error "'n' must be a positive integer >= 'x'" (exact p: NA)
    x = [1, 1, 0, 0]
    res = mcnemar(x, x, exact=False)
    assert nan(res.statistic, res.pvalue) and res.df == 1
    res = mcnemar(x, x)
    assert nan(res.statistic, res.pvalue) and res.df is None
    assert "not computed: no discordant pairs" in res.method
    # one discordant pair is computed. R: binom.test(1, 1)$p.value -> 1
    assert mcnemar([1, 1, 0, 0], [1, 0, 0, 0]).pvalue == 1.0
    # R: b / c = 0 / 0 -> NaN
    assert nan(mcnemar_odds_ratio(x, x).estimate)


def _expand(table, labels="abcd"):
    x, y = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            x += [labels[i]] * count
            y += [labels[j]] * count
    return x, y


def test_all_concordant_square_table_is_not_computed():
    # R: mcnemar.test(diag(c(3, 2, 4))) -> McNemar's chi-squared = NaN, df = 3, p-value = NA
    x, y = _expand([[3, 0, 0], [0, 2, 0], [0, 0, 4]])
    res = bowker(x, y)
    assert nan(res.statistic, res.pvalue) and res.df == 3
    assert "not computed: no discordant pairs" in res.method
    # R: coin::mh_test(as.table(diag(c(3, 2, 4)))) -> chi-squared = NaN, df = 3, p-value = NA
    res = stuart_maxwell(x, y)
    assert nan(res.statistic, res.pvalue) and res.df == 3
    assert "not computed: no discordant pairs" in res.method
    # 4 x 4: R: mcnemar.test(diag(c(1, 2, 1, 3))) -> NaN, df = 6, p-value = NA;
    #    coin::mh_test(as.table(diag(c(1, 2, 1, 3)))) -> NaN, df = 4, p-value = NA
    x, y = _expand([[1, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1, 0], [0, 0, 0, 3]])
    assert bowker(x, y).df == 6 and stuart_maxwell(x, y).df == 4


def test_paired_tests_with_all_differences_zero():
    # R: t.test(c(1,2,3), c(1,2,3), paired = TRUE) -> t = NaN, df = 2, p-value = NA,
    #    mean difference 0, conf.int NaN NaN
    res = paired_t([1, 2, 3], [1, 2, 3])
    assert nan(res.statistic, res.pvalue) and res.df == 2 and "not computed" in res.method
    est = paired_mean_difference([1, 2, 3], [1, 2, 3])
    assert est.estimate == 0 and nan(est.lower, est.upper, est.conf_level)
    # R: t.test(c(1,2,3), c(0,1,2), paired = TRUE) -> error "data are essentially constant"
    with pytest.raises(StatsInputError, match="constant"):
        paired_t([1, 2, 3], [0, 1, 2])
    # R: t.test(c(1e-20, 3e-20), c(0, 0), paired = TRUE) -> t = 2, df = 1, p 0.29516723530086642
    #    (tiny but not constant: R tests, spinepair did not)
    assert paired_t([1e-20, 3e-20], [0, 0]).pvalue == pytest.approx(0.29516723530086642, rel=REL)
    # R: wilcox.test(c(1,2,3), c(1,2,3), paired = TRUE) -> V = 0, p-value = NA
    res = wilcoxon_signed_rank([1, 2, 3], [1, 2, 3])
    assert res.statistic == 0 and nan(res.pvalue)
    # R: wilcox.test(c(1,2,3), c(1,2,3), paired = TRUE, conf.int = TRUE) -> estimate NaN,
    #    "0 percent confidence interval: NaN NaN"
    est = hodges_lehmann([1, 2, 3], [1, 2, 3])
    assert nan(est.estimate, est.lower, est.upper, est.conf_level)


def test_logrank_and_cox_without_events():
    # R: survdiff(Surv(c(1,2), c(0,0)) ~ c("a","b") + strata(c(1,1))) -> Chisq = 0, p = NA
    res = stratified_logrank([1, 2], [0, 0], ["a", "b"], [1, 1])
    assert res.statistic == 0 and nan(res.pvalue)
    # R: survdiff(Surv(1:4, c(1,0,1,0)) ~ c("a","a","b","b") + strata(c(1,1,2,2)))
    #    -> error "system is exactly singular"
    with pytest.raises(StatsInputError, match="both groups at risk"):
        stratified_logrank([1, 2, 3, 4], [1, 0, 1, 0], ["a", "a", "b", "b"], [1, 1, 2, 2])
    # R: coxph(Surv(1:4, rep(0, 4)) ~ c("a","b","a","b") + strata(c(1,1,2,2))) -> coef NA
    with pytest.raises(StatsInputError, match="no events"):
        stratified_cox([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"], [1, 1, 2, 2])
    # R: cmprsk::cuminc(1:4, c(0,0,0,0), c("a","b","a","b")) -> error "NAs in foreign
    #    function call (arg 3)"
    with pytest.raises(StatsInputError, match="no events"):
        gray_test([1, 2, 3, 4], [0, 0, 0, 0], ["a", "b", "a", "b"])
    # R: cuminc(1:4, c(0,2,0,2), c("a","b","a","b"))$Tests has a row for cause 2 only
    assert nan(gray_test([1, 2, 3, 4], [0, 2, 0, 2], ["a", "b", "a", "b"]).pvalue)


# --------------------------------------------------------------- conf_level of estimates


def test_hodges_lehmann_paired_reports_achieved_level():
    # R: w <- wilcox.test(x, y, paired = TRUE, conf.int = TRUE); c(w$estimate, w$conf.int,
    #    attr(w$conf.int, "conf.level"))
    # x = c(1.3, 2.1, 0.4), y = c(0.2, 0.5, 0.9) -> 0.825 -0.5 1.6 0.75 (exact)
    est = hodges_lehmann([1.3, 2.1, 0.4], [0.2, 0.5, 0.9])
    assert (est.estimate, est.lower, est.upper, est.conf_level) == pytest.approx(
        (0.825, -0.5, 1.6, 0.75), rel=REL
    )
    # x = c(3, 3, 4, 2, 5), y = c(2, 2, 2, 1, 2) -> 1.49993109575438632 1 2.00006778655516859
    #    0.59999999999999964 (normal approximation, ties)
    est = hodges_lehmann([3, 3, 4, 2, 5], [2, 2, 2, 1, 2])
    assert (est.estimate, est.lower, est.upper) == pytest.approx(
        (1.49993109575438632, 1, 2.00006778655516859), rel=ROOT
    )
    assert est.conf_level == pytest.approx(0.6, rel=REL) and "achieved 0.6" in est.method
    # reached: R wilcox.test(wx, wy, paired = TRUE, conf.int = TRUE) -> conf.level 0.95
    wx = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
    wy = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
    assert hodges_lehmann(wx, wy).conf_level == 0.95
    assert paired_mean_difference(wx, wy, alpha=0.1).conf_level == pytest.approx(0.9)


# ------------------------------------------------------- two-sample Hodges-Lehmann shift

# R: x1 <- c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30)
#    y1 <- c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 3.14)            (no ties)
X1 = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y1 = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 3.14]
# R: cx <- c(1, 2, 1, 3, 2, 1, 4, 1, 2, 1, 1, 3, 2, 1, 5, 1)
#    cy <- c(2, 2, 3, 1, 3, 2, 2, 1, 4, 3, 2, 1, 2, 2, 3, 4)            (ties)
CX = [1, 2, 1, 3, 2, 1, 4, 1, 2, 1, 1, 3, 2, 1, 5, 1]
CY = [2, 2, 3, 1, 3, 2, 2, 1, 4, 3, 2, 1, 2, 2, 3, 4]
# R: sx <- sin(1:60) * 10; sy <- cos(1:55) * 5                          (n >= 50, no ties)
SX = np.sin(np.arange(1, 61)) * 10
SY = np.cos(np.arange(1, 56)) * 5

# R: f <- function(...) { w <- wilcox.test(..., conf.int = TRUE)
#      c(w$statistic, w$p.value, w$estimate, w$conf.int, attr(w$conf.int, "conf.level")) }
TWO_SAMPLE = [
    # (x, y, keyword arguments, R call, W, p, estimate, lower, upper, conf.level, tol)
    (X1, Y1, {}, "f(x1, y1)", 42, 0.29912587412587416, 0.58999999999999986,
     -0.49999999999999978, 1.18999999999999995, 0.95, REL),
    (X1, Y1, {"alpha": 0.1}, "f(x1, y1, conf.level = 0.9)", 42, 0.29912587412587416,
     0.58999999999999986, -0.36999999999999988, 1.03299999999999992, 0.9, REL),
    (X1, Y1, {"exact": False}, "f(x1, y1, exact = FALSE)", 42, 0.28982196982861336,
     0.59000465521787326, -0.50002544471306365, 1.19004851371239728, 0.95, ROOT),
    (X1, Y1, {"exact": False, "correct": False}, "f(x1, y1, exact = FALSE, correct = FALSE)",
     42, 0.26637992334248256, 0.59000465521787326, -0.49995310371178947,
     1.18999024681202603, 0.95, ROOT),
    (X1[:3], Y1[:2], {}, "f(x1[1:3], y1[1:2])", 4, 0.79999999999999982, 0.84700000000000009,
     -0.378, 1.18300000000000005, 0.80000000000000004, REL),
    (CX, CY, {}, "f(cx, cy)", 93, 1.7338694019565673e-01, -9.9993413125105512e-01,
     -1.0000249163927000e+00, 4.1741453662698423e-05, 0.95, ROOT),
    (CX, CY, {"correct": False}, "f(cx, cy, correct = FALSE)", 93, 1.6723848805661815e-01,
     -9.9993413125105512e-01, -1.0000098494886021e+00, 5.6448108303538323e-05, 0.95, ROOT),
    (CX, CY, {"alpha": 0.01}, "f(cx, cy, conf.level = 0.99)", 93, 0.17338694019565673,
     -0.99993413125105512, -1.00003491412733880, 0.99994867904487073, 0.99, ROOT),
    (SX, SY, {}, "f(sx, sy)", 1710, 0.73903159261563989, 0.55464419013997746,
     -2.47690008827706265, 3.48956441730504396, 0.95, ROOT),
    (SX, SY, {"exact": True}, "f(sx, sy, exact = TRUE)", 1710, 0.73998657860734740,
     0.55514894475630538, -2.47686371974777630, 3.48951183059010273, 0.95, REL),
    (SX, SY, {"correct": False}, "f(sx, sy, correct = FALSE)", 1710, 0.73691950105196313,
     0.55464419013997746, -2.47684861379432242, 3.48947193813112611, 0.95, ROOT),
]  # fmt: skip


@pytest.mark.parametrize("case", TWO_SAMPLE, ids=[c[3] for c in TWO_SAMPLE])
def test_two_sample_hodges_lehmann_matches_wilcox_test(case):
    x, y, kw, _, w, p, estimate, lower, upper, level, tol = case
    test_kw = {k: v for k, v in kw.items() if k != "alpha"}
    res = wilcoxon_rank_sum(x, y, **test_kw)
    assert res.statistic == w and res.pvalue == pytest.approx(p, rel=REL)
    est = hodges_lehmann_shift(x, y, **kw)
    # tol.root 1e-4 is absolute in R; compare the roots on that scale
    assert (est.estimate, est.lower, est.upper) == pytest.approx(
        (estimate, lower, upper), rel=tol, abs=1e-9 if tol == REL else 1e-4
    )
    assert est.conf_level == pytest.approx(level, rel=REL)
    assert ("not achievable" in est.method) == (level < 1 - kw.get("alpha", 0.05) - 1e-9)


def test_two_sample_exact_p_is_symmetric_and_rejects_bad_input():
    # R: wilcox.test(y1, x1) -> W = 21 (= m n - 42), p-value = 0.29912587412587416
    res = wilcoxon_rank_sum(Y1, X1)
    assert res.statistic == 63 - 42 and res.pvalue == pytest.approx(0.29912587412587416)
    assert "exact" in res.method
    with pytest.raises(StatsInputError, match="both groups"):
        wilcoxon_rank_sum([], [1.0, 2.0])
    # R: wilcox.test(c(1, 1), c(1, 1), conf.int = TRUE) -> "cannot compute confidence
    #    interval when all observations are tied"
    with pytest.raises(StatsInputError, match="all observations are tied"):
        hodges_lehmann_shift([1, 1], [1, 1])


# ----------------------------------------------------------------- power at given pairs


def test_paired_t_power_matches_power_t_test_and_pwr():
    # R: power.t.test(n = 28, delta = 0.5, sd = 1.2, type = "paired")$power
    #    -> 0.56593203692325789
    assert paired_t_power(28, 0.5, 1.2) == pytest.approx(0.56593203692325789, rel=REL)
    # R: power.t.test(n = 28, delta = 0.5, sd = 1.2, type = "paired", strict = TRUE)$power
    #    -> 0.56595360680554574;
    #    pwr::pwr.t.test(n = 28, d = 0.5 / 1.2, type = "paired", alternative = "two.sided")$power
    #    -> 0.56595360680554574
    assert paired_t_power(28, 0.5, 1.2, strict=True) == pytest.approx(0.56595360680554574, rel=REL)
    # R: power.t.test(n = 10, delta = 0.3, sd = 1, sig.level = 0.01, type = "paired")$power
    #    -> 0.037025379314433615
    assert paired_t_power(10, 0.3, alpha=0.01) == pytest.approx(0.037025379314433615, rel=REL)
    # R: pwr::pwr.t.test(n = 10, d = 0.3, sig.level = 0.01, type = "paired")$power
    #    -> 0.037391322986767062
    assert paired_t_power(10, 0.3, alpha=0.01, strict=True) == pytest.approx(
        0.037391322986767062, rel=REL
    )
    with pytest.raises(StatsInputError, match="n >= 2"):
        paired_t_power(1, 0.5)


def test_detectable_difference_at_given_pairs():
    # R: power.t.test(n = 28, sd = 1.2, power = 0.8, type = "paired", tol = 1e-12)$delta
    #    -> 0.65908797810676878
    assert paired_t_detectable(28, 1.2) == pytest.approx(0.65908797810676878, rel=REL)
    # R: power.t.test(n = 28, sd = 1.2, power = 0.8, type = "paired", strict = TRUE,
    #    tol = 1e-12)$delta -> 0.65908719749601041
    assert paired_t_detectable(28, 1.2, strict=True) == pytest.approx(0.65908719749601041, rel=REL)
    # pwr solves with uniroot's default tol (pwr 1.3 has no tol argument):
    # R: pwr::pwr.t.test(n = 28, power = 0.8, type = "paired")$d -> 0.54923063934395056
    # R: pwr::pwr.t.test(n = 6, power = 0.8, type = "paired")$d -> 1.4345378770300727
    assert paired_t_detectable(28, 1, strict=True) == pytest.approx(0.54923063934395056, rel=ROOT)
    assert paired_t_detectable(6, 1, strict=True) == pytest.approx(1.4345378770300727, rel=ROOT)


# R: mcn_power <- function(n, p10, p01, alpha = 0.05) {
#      psi <- p10 + p01; total <- 0
#      for (m in 1:n) { rej <- 0
#        for (b in 0:m) if (binom.test(b, m)$p.value <= alpha) rej <- rej + dbinom(b, m, p10 / psi)
#        total <- total + dbinom(m, n, psi) * rej }
#      total }
MCNEMAR_POWER = [
    ((28, 0.25, 0.05), "mcn_power(28, 0.25, 0.05)", 0.36520312698978996),
    ((28, 0.2, 0.1), "mcn_power(28, 0.2, 0.1)", 0.083293636539841134),
    ((50, 0.15, 0.05, 0.01), "mcn_power(50, 0.15, 0.05, 0.01)", 0.079586984968997826),
    # discordance 0.3, odds ratio 3: p10 = psi OR / (1 + OR), p01 = psi / (1 + OR)
    ((28, 0.225, 0.075), "psi <- 0.3; or <- 3; mcn_power(28, psi*or/(1+or), psi/(1+or))",
     0.1871650778564139),
    ((5, 0.4, 0.1), "mcn_power(5, 0.4, 0.1)", 0.0),  # 5 pairs can never reach p <= 0.05
]  # fmt: skip


@pytest.mark.parametrize("case", MCNEMAR_POWER, ids=[c[1] for c in MCNEMAR_POWER])
def test_exact_mcnemar_power_by_enumeration(case):
    args, _, power = case
    assert mcnemar_power(*args) == pytest.approx(power, rel=REL, abs=1e-15)


def test_exact_mcnemar_power_bad_input():
    with pytest.raises(StatsInputError, match="p10, p01"):
        mcnemar_power(28, 0.7, 0.5)
    with pytest.raises(StatsInputError, match="whole number"):
        mcnemar_power(2.5, 0.2, 0.1)


# -------------------------------------------------------------- Cox: Breslow and exact

# R: d <- data.frame(t = c(2,2,3,3,5,8, 1,1,1,4,6,6, 3,3,3,3,7,9, 2,4,4,4,5,5),
#      e = c(1,1,1,1,1,0, 1,1,1,0,1,1, 1,1,1,0,1,1, 1,1,1,1,0,1),
#      g = c("RT","RT","SRS","RT","SRS","SRS", "RT","RT","SRS","SRS","RT","SRS",
#            "RT","RT","RT","SRS","SRS","SRS", "RT","RT","SRS","RT","SRS","SRS"),
#      s = rep(1:4, each = 6))
TT = [2, 2, 3, 3, 5, 8, 1, 1, 1, 4, 6, 6, 3, 3, 3, 3, 7, 9, 2, 4, 4, 4, 5, 5]
TE = [1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1]
TG = [
    "RT",
    "RT",
    "SRS",
    "RT",
    "SRS",
    "SRS",
    "RT",
    "RT",
    "SRS",
    "SRS",
    "RT",
    "SRS",
    "RT",
    "RT",
    "RT",
    "SRS",
    "SRS",
    "SRS",
    "RT",
    "RT",
    "SRS",
    "RT",
    "SRS",
    "SRS",
]
TS = np.repeat([1, 2, 3, 4], 6)

# R: f <- coxph(Surv(t, e) ~ g + strata(s), data = d, ties = TIES); sm <- summary(f)
#    c(coef(f), sqrt(vcov(f)), sm$coefficients[5], sm$logtest[1], sm$sctest[1])
COX_TIES = {
    "efron": (-1.6251185620581445335, 0.5941101854971625462, 0.0062307840290083136,
              8.8820204736224255271, 8.9554369784430232215),
    "breslow": (-1.342929409489690418, 0.586702795472406446, 0.022082649301693479,
                6.148886684774694800, 5.992197659297788803),
    "exact": (-2.9893643433910757068, 1.1120002276815776909, 0.0071821846633429954,
              12.1715587750412836954, 10.6666666666666642982),
}  # fmt: skip


@pytest.mark.parametrize("ties", list(COX_TIES))
def test_stratified_cox_ties_match_coxph(ties):
    coef, se, p, lr, score = COX_TIES[ties]
    res = stratified_cox(TT, TE, TG, TS, ties=ties)
    assert (res.coef, res.se, res.pvalue) == pytest.approx((coef, se, p), rel=REL)
    assert res.likelihood_ratio.statistic == pytest.approx(lr, rel=REL)
    assert res.score.statistic == pytest.approx(score, rel=REL)
    assert res.wald.statistic == pytest.approx((coef / se) ** 2, rel=REL)
    assert f'ties = "{ties}"' in res.method and res.conf_level == 0.95


def test_gehan_ties_and_clustered_breslow():
    from tests.test_stats_survival import gehan

    # R: gehan$treat <- relevel(gehan$treat, "control")
    #    coxph(Surv(time, cens) ~ treat + strata(pair), data = gehan, ties = "breslow"/"exact")
    #    -> coef -1.7917594692280507, se 0.62360956446232252, p 0.0040632757329588367
    #    (no tie within a pair: the three methods agree), logtest 11.887296215404522
    t, e, g, pair = gehan()
    for ties in ("breslow", "exact"):
        res = stratified_cox(t, e, g, pair, reference="control", ties=ties)
        assert (res.coef, res.se, res.pvalue) == pytest.approx(
            (-1.7917594692280507, 0.62360956446232252, 0.0040632757329588367), rel=REL
        )
        assert res.likelihood_ratio.statistic == pytest.approx(11.887296215404522, rel=REL)
    # R: f <- coxph(Surv(t, e) ~ g + cluster(s), data = d, ties = "breslow")
    #    c(coef(f), sqrt(f$naive.var), sqrt(vcov(f)), summary(f)$coefficients[6])
    #    -> -1.4451218000147639 0.52434375894852792 0.47313419439861509 0.0022554182411204725
    res = cox_cluster(TT, TE, TG, TS, ties="breslow")
    assert (res.coef, res.se, res.robust_se, res.pvalue) == pytest.approx(
        (-1.4451218000147639, 0.52434375894852792, 0.47313419439861509, 0.0022554182411204725),
        rel=REL,
    )
    with pytest.raises(StatsInputError, match="ties must be"):
        stratified_cox(TT, TE, TG, TS, ties="average")
    with pytest.raises(StatsInputError, match="Efron or Breslow"):
        cox_cluster(TT, TE, TG, TS, ties="exact")


# --------------------------------------------------- Fine-Gray via finegray() + coxph

# Data of tests/test_stats_competing.py. R:
#    d <- data.frame(time, status = factor(status, 0:2), g, age); d$pair <- rep(1:30, each = 2)
#    fg <- finegray(Surv(time, status) ~ ., data = d, etype = "1")
#    f <- coxph(Surv(fgstart, fgstop, fgstatus) ~ g, weights = fgwt, data = fg, ties = TIES)
#    c(coef(f), sqrt(f$naive.var), sqrt(vcov(f)), summary(f)$coefficients[1, 6],
#      summary(f)$conf.int[3:4], f$loglik[2])


def check_fg(res, coef, naive, robust, p, lower, upper, loglik=None):
    assert res.coef[0] == pytest.approx(coef, rel=REL, abs=1e-9)
    assert (res.naive_se[0], res.se[0], res.pvalue) == pytest.approx((naive, robust, p), rel=REL)
    assert (res.lower, res.upper) == pytest.approx((lower, upper), rel=REL)
    if loglik is not None:
        assert res.loglik == pytest.approx(loglik, rel=REL)


def test_fine_gray_coxph_untied_events():
    # no tied events of cause 1: Efron = Breslow.
    #   -> -0.024764203803706322 0.472013458836719635 0.426431667082796062
    #      0.953690410729193028 0.422927329252072992 2.250216661422567821 -63.776476745730818
    for ties in ("efron", "breslow"):
        check_fg(
            fine_gray_coxph(TIME, STATUS, FG_GROUP, ties=ties),
            -0.024764203803706322, 0.472013458836719635, 0.426431667082796062,
            0.953690410729193028, 0.422927329252072992, 2.250216661422567821,
            -63.776476745730818,
        )  # fmt: skip
    # R: coxph(... ~ g + age, weights = fgwt, data = fg); c(coef(f), sqrt(diag(vcov(f))))
    #    -> -0.071598568771269119 -0.046180562386581532 0.42656301625516535 0.030840035685832736
    res = fine_gray_coxph(TIME, STATUS, FG_GROUP, covariates={"age": AGE})
    np.testing.assert_allclose(
        np.r_[res.coef, res.se],
        [-0.071598568771269119, -0.046180562386581532, 0.42656301625516535, 0.030840035685832736],
        rtol=REL,
    )
    # R: fg2 <- finegray(Surv(time, status) ~ ., data = d, etype = "2"); summary(coxph(
    #    Surv(fgstart, fgstop, fgstatus) ~ g, weights = fgwt, data = fg2))$coefficients[1, ]
    #    -> 0.66931499978380882 1.95289912603293736 0.55966871672974949 0.53824479757064614
    #       1.24351410883067448 0.21367844513367332
    res = fine_gray_coxph(TIME, STATUS, FG_GROUP, cause=2)
    assert (res.coef[0], res.hr, res.naive_se[0], res.se[0], res.pvalue) == pytest.approx(
        (0.66931499978380882, 1.95289912603293736, 0.55966871672974949, 0.53824479757064614,
         0.21367844513367332), rel=REL
    )  # fmt: skip


def test_fine_gray_coxph_tied_events_efron_vs_breslow():
    # R: d$tr <- round(time); fgr <- finegray(Surv(tr, status) ~ ., data = d, etype = "1")
    #    (times 0 occur: finegray starts the rows at -1)
    tr = np.round(TIME)
    # ties = "efron" -> 0.0016090349896411718 0.4720115399778835874 0.4315692184088151806
    #    0.9970252252779547852 0.4298791785351175898 2.3337330664489708276 -63.986447857525576
    res = fine_gray_coxph(tr, STATUS, FG_GROUP)
    check_fg(res, 0.0016090349896411718, 0.4720115399778835874, 0.4315692184088151806,
             0.9970252252779547852, 0.4298791785351175898, 2.3337330664489708276,
             -63.986447857525576)  # fmt: skip
    assert "Efron ties" in res.method and res.conf_level == 0.95
    # ties = "breslow" -> 0.010743558726125407 0.472123425667163588 0.421104210239965582
    #    0.979645917614388906 0.442813971032098797 2.307333767088040055 -64.326651453318661
    check_fg(fine_gray_coxph(tr, STATUS, FG_GROUP, ties="breslow"), 0.010743558726125407,
             0.472123425667163588, 0.421104210239965582, 0.979645917614388906,
             0.442813971032098797, 2.307333767088040055, -64.326651453318661)  # fmt: skip
    # R: f <- coxph(Surv(fgstart, fgstop, fgstatus) ~ g + cluster(pair), weights = fgwt,
    #    data = fgr); c(sqrt(vcov(f)), summary(f)$coefficients[1, 6])
    #    -> 0.4612652761284908864 0.9972167391763161470
    res = fine_gray_coxph(tr, STATUS, FG_GROUP, cluster=PAIR)
    assert (res.cluster_se[0], res.cluster_p) == pytest.approx(
        (0.4612652761284908864, 0.9972167391763161470), rel=REL
    )
    # R: ... ~ g + age + cluster(pair) -> coef -0.050029050310760687 -0.048000727876466788,
    #    se 0.457433074590472832 0.029421572587640700
    res = fine_gray_coxph(tr, STATUS, FG_GROUP, covariates={"age": AGE}, cluster=PAIR)
    np.testing.assert_allclose(
        np.r_[res.coef, res.cluster_se],
        [-0.050029050310760687, -0.048000727876466788, 0.457433074590472832, 0.0294215725876407],
        rtol=REL,
    )
    with pytest.raises(StatsInputError, match="no event of cause"):
        fine_gray_coxph(tr, np.where(STATUS == 1, 0, STATUS), FG_GROUP)


# ------------------------------------------------------------------------- p.adjust


def test_p_adjust_matches_r_with_na():
    p = [0.01, 0.04, np.nan, 0.03, 0.2, 0.04, 0.5]
    # R: p <- c(0.01, 0.04, NA, 0.03, 0.2, 0.04, 0.5)
    #    p.adjust(p, "holm") -> 0.06 0.16 NA 0.15 0.40 0.16 0.50
    np.testing.assert_allclose(
        p_adjust(p, "holm"), [0.06, 0.16, np.nan, 0.15, 0.4, 0.16, 0.5], rtol=1e-12
    )
    #    p.adjust(p, "BH") -> 0.06 0.06 NA 0.06 0.24 0.06 0.50
    np.testing.assert_allclose(
        p_adjust(p, "BH"), [0.06, 0.06, np.nan, 0.06, 0.24, 0.06, 0.5], rtol=1e-12
    )
    #    p.adjust(p, "bonferroni") -> 0.06 0.24 NA 0.18 1.00 0.24 1.00
    np.testing.assert_allclose(
        p_adjust(p, "bonferroni"), [0.06, 0.24, np.nan, 0.18, 1, 0.24, 1], rtol=1e-12
    )
    # R: p.adjust(c(0.001, 0.8, 0.02), "BH") -> 0.003 0.800 0.030
    np.testing.assert_allclose(p_adjust([0.001, 0.8, 0.02], "BH"), [0.003, 0.8, 0.03])
    # R: p.adjust(c(NA, NA), "holm") -> NA NA
    assert nan(*p_adjust([np.nan, np.nan]))
    with pytest.raises(StatsInputError, match="method"):
        p_adjust([0.1], "hochberg")
    with pytest.raises(StatsInputError, match=r"\[0, 1\]"):
        p_adjust([1.2])
