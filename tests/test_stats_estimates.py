"""spinepair.stats.estimates against R 4.2.2 (stats package).

Every reference value was computed with the R call written next to it. The Newcombe
interval has no implementation in base R or in a Debian-packaged R library; its reference
is the method written out in R (function ``nc10`` below, the formula of Newcombe 1998,
Stat Med 17:2635, method 10, as coded in the CRAN package contingencytables,
``Newcombe_square_and_add_CI_paired_2x2``), applied to that package's worked examples.
"""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    hodges_lehmann,
    mcnemar_odds_ratio,
    paired_mean_difference,
    paired_risk_difference,
)

REL = 1e-12

# R: x <- c(12.1, 9.8, 15.3, 11.0, 8.7, 14.2, 10.5, 13.9)
#    y <- c(10.4, 10.1, 12.8, 11.0, 9.9, 12.5, 8.1, 13.0)   (one zero difference)
TX = [12.1, 9.8, 15.3, 11.0, 8.7, 14.2, 10.5, 13.9]
TY = [10.4, 10.1, 12.8, 11.0, 9.9, 12.5, 8.1, 13.0]
# No ties, no zeros (n = 9). R: wx <- c(...); wy <- c(...)
WX = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
WY = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
# Counts with ties and zeros. R: cx <- c(...); cy <- c(...)
CX = [1, 2, 1, 3, 2, 1, 4, 1, 2, 1, 1, 3, 2, 1, 5, 1]
CY = [2, 2, 3, 1, 3, 2, 2, 1, 4, 3, 2, 1, 2, 2, 3, 4]
# 60 pairs without ties. R: sx <- sin(1:60) * 10; sy <- cos(1:60) * 5
SX = np.sin(np.arange(1, 61)) * 10
SY = np.cos(np.arange(1, 61)) * 5


def close(res, estimate, lower, upper, rel=REL):
    assert (res.estimate, res.lower, res.upper) == pytest.approx(
        (estimate, lower, upper), rel=rel, abs=1e-14
    )


def test_paired_mean_difference_matches_t_test():
    # R: t.test(x, y, paired = TRUE)$conf.int -> -0.16441287657375955 2.0894128765737596;
    #    $estimate -> 0.96249999999999991
    close(paired_mean_difference(TX, TY), 0.9625, -0.16441287657375955, 2.0894128765737596)
    # R: t.test(wx, wy, paired = TRUE, conf.level = 0.9)$conf.int
    #    -> 0.16730279135896456 0.69647498641881322
    res = paired_mean_difference(WX, WY, alpha=0.1)
    assert (res.lower, res.upper) == pytest.approx((0.16730279135896456, 0.69647498641881322))
    with pytest.raises(StatsInputError, match="constant"):
        paired_mean_difference([1, 2, 3], [0, 1, 2])
    with pytest.raises(StatsInputError, match="at least 2"):
        paired_mean_difference([1], [0])


def hl(*args, **kwargs):
    """R: f <- function(...) { w <- wilcox.test(..., paired = TRUE, conf.int = TRUE)
    c(w$estimate, w$conf.int, attr(w$conf.int, "conf.level")) }"""
    return hodges_lehmann(*args, **kwargs)


def test_hodges_lehmann_exact_walsh_interval():
    # R: f(wx, wy) -> 0.46000000000000008 0.010000000000000009 0.78600000000000003 0.95
    res = hl(WX, WY)
    close(res, 0.46000000000000008, 0.010000000000000009, 0.78600000000000003)
    assert "exact" in res.method
    # R: f(wx, wy, conf.level = 0.99) -> 0.46000000000000008 -0.11350000000000005 0.987 0.99
    close(hl(WX, WY, alpha=0.01), 0.46000000000000008, -0.11350000000000005, 0.9870000000000001)
    # R: f(sx, sy, exact = TRUE) -> 0.23559347213355641 -1.5168688880261965 2.4470884453487161
    close(hl(SX, SY, exact=True), 0.23559347213355641, -1.5168688880261965, 2.4470884453487161)


def test_hodges_lehmann_level_not_achievable_says_so():
    # R: f(c(1.2, 2.5, 3.1), c(0, 0, 0)) -> 2.325 1.2 3.1, conf.level 0.75 (with a warning)
    res = hl([1.2, 2.5, 3.1], [0, 0, 0])
    close(res, 2.325, 1.2, 3.1)
    assert "achieved 0.75" in res.method


def test_hodges_lehmann_normal_approximation_with_zero_difference():
    # R: f(x, y) -> 1.1996182506666773 -0.74997334504755653 2.4499962601954319 (one zero)
    res = hl(TX, TY)
    close(res, 1.1996182506666773, -0.74997334504755653, 2.4499962601954319, rel=1e-10)
    assert "normal-approximation" in res.method and "with continuity" in res.method


def test_hodges_lehmann_normal_approximation_with_ties_and_zeros():
    # R: f(cx, cy) -> -0.50006521204131249 -1.5000354463958998 0.50002856433867782
    close(hl(CX, CY), -0.50006521204131249, -1.5000354463958998, 0.50002856433867782, rel=1e-10)
    # R: f(cx, cy, tol.root = 1e-12)
    #    -> -0.50000000000025091 -1.5000000000001534 0.50000000000076383
    close(hl(CX, CY, tol_root=1e-12), -0.50000000000025091, -1.5000000000001534,
          0.50000000000076383, rel=1e-10)  # fmt: skip


def test_hodges_lehmann_exact_false_and_large_n():
    # R: f(wx, wy, exact = FALSE) -> 0.46000237262956578 0.0099619423094986122 0.78604299068703887
    close(hl(WX, WY, exact=False), 0.46000237262956578, 0.0099619423094986122,
          0.78604299068703887, rel=1e-10)  # fmt: skip
    # R: f(wx, wy, exact = FALSE, correct = FALSE)
    #    -> 0.46000237262956578 0.010012499072844752 0.78599819437088159
    res = hl(WX, WY, exact=False, correct=False)
    close(res, 0.46000237262956578, 0.010012499072844752, 0.78599819437088159, rel=1e-10)
    assert "without continuity" in res.method
    # n = 60 >= 50: normal approximation by default.
    # R: f(sx, sy) -> 0.23643680684487361 -1.5169065044165515 2.4470947362560187
    close(hl(SX, SY), 0.23643680684487361, -1.5169065044165515, 2.4470947362560187, rel=1e-10)


def test_hodges_lehmann_degenerate_input():
    # R: wilcox.test(c(1, 2), c(1, 2), paired = TRUE, conf.int = TRUE)$estimate -> NaN
    res = hl([1, 2], [1, 2])
    assert (
        np.isnan(res.estimate) and np.isnan(res.lower) and "all differences are zero" in res.method
    )
    # R: w <- wilcox.test(c(2, 3, 4), c(1, 2, 3), paired = TRUE, conf.int = TRUE)
    #    w$estimate -> midrange 1; w$conf.int -> NaN NaN
    res = hl([2, 3, 4], [1, 2, 3])
    assert res.estimate == 1 and np.isnan(res.lower) and np.isnan(res.upper)
    with pytest.raises(StatsInputError, match="same length"):
        hl([1, 2], [1])


def table_to_pairs(a, b, c, d):
    """Two paired binary vectors with cell counts a (1,1), b (1,0), c (0,1), d (0,0)."""
    x = np.repeat([1, 1, 0, 0], [a, b, c, d])
    y = np.repeat([1, 0, 1, 0], [a, b, c, d])
    return x, y


def test_mcnemar_odds_ratio_matches_binom_test():
    # R: orci <- function(b, c, conf = 0.95) {
    #      ci <- binom.test(b, b + c, conf.level = conf)$conf.int; c(b / c, ci / (1 - ci)) }
    # R: orci(6, 16) -> 0.375 0.12018366326892038 1.0089244510694295
    res = mcnemar_odds_ratio(*table_to_pairs(59, 6, 16, 80))
    close(res, 0.375, 0.12018366326892038, 1.0089244510694295)
    assert (res.b, res.c) == (6, 16)
    # R: orci(1, 7) -> 0.14285714285714285 0.0031697390302537296 1.1119755536473468
    close(mcnemar_odds_ratio(*table_to_pairs(1, 1, 7, 12)), 1 / 7, 0.0031697390302537296,
          1.1119755536473468)  # fmt: skip
    # R: orci(10, 8, 0.9) -> 1.25 0.51652572817359521 3.0990116407136998
    close(mcnemar_odds_ratio(*table_to_pairs(2, 10, 8, 1), alpha=0.1), 1.25,
          0.51652572817359521, 3.0990116407136998)  # fmt: skip


def test_mcnemar_odds_ratio_edges():
    # R: orci(5, 0) -> Inf 0.9163558573154601 Inf
    res = mcnemar_odds_ratio(*table_to_pairs(3, 5, 0, 2))
    assert res.estimate == np.inf and res.upper == np.inf
    assert res.lower == pytest.approx(0.9163558573154601, rel=REL)
    # R: orci(0, 4) -> 0 0 1.5148668593658703
    close(mcnemar_odds_ratio(*table_to_pairs(3, 0, 4, 2)), 0.0, 0.0, 1.5148668593658703)
    # no discordant pairs: R's b / c is 0/0 = NaN, binom.test(0, 0) is an error
    res = mcnemar_odds_ratio([1, 0, 1], [1, 0, 1])
    assert np.isnan(res.estimate) and np.isnan(res.lower) and "no discordant" in res.method
    with pytest.raises(StatsInputError, match="boolean or 0/1"):
        mcnemar_odds_ratio([1, 2], [0, 1])


# R: wilson <- function(k, n, z) { p <- k / n
#      (p + z^2/(2*n) + c(-1, 1) * z * sqrt(p*(1-p)/n + z^2/(4*n^2))) / (1 + z^2/n) }
#    nc10 <- function(a, b, c, d, conf = 0.95) {
#      N <- a+b+c+d; z <- qnorm(1 - (1-conf)/2); p1 <- (a+b)/N; p2 <- (a+c)/N
#      w1 <- wilson(a+b, N, z); w2 <- wilson(a+c, N, z)
#      A <- a*d - b*c; M <- (a+b)*(c+d)*(a+c)*(b+d)
#      phi <- if (M == 0) 0 else if (A > N/2) (A - N/2)/sqrt(M) else if (A >= 0) 0 else A/sqrt(M)
#      c(p1 - p2, p1 - p2 - sqrt((p1-w1[1])^2 - 2*phi*(p1-w1[1])*(w2[2]-p2) + (w2[2]-p2)^2),
#                 p1 - p2 + sqrt((p2-w2[1])^2 - 2*phi*(p2-w2[1])*(w1[2]-p1) + (w1[2]-p1)^2)) }
@pytest.mark.parametrize(
    ("cells", "alpha", "expected"),
    [
        # Bentur et al. 2009 (contingencytables example). R: nc10(1, 1, 7, 12)
        ((1, 1, 7, 12), 0.05, (-0.2857142857142857, -0.5069202266861409, -0.025559124164859892)),
        # Cavo et al. 2012 (contingencytables example). R: nc10(59, 6, 16, 80)
        ((59, 6, 16, 80), 0.05,
         (-0.062111801242236031, -0.11862119563870993, -0.0046251139330500748)),
        # R: nc10(59, 6, 16, 80, 0.9)
        ((59, 6, 16, 80), 0.1,
         (-0.062111801242236031, -0.10974484287179012, -0.013785990793168473)),
        # negative AD - BC. R: nc10(2, 10, 8, 1)
        ((2, 10, 8, 1), 0.05, (0.095238095238095233, -0.2808697974306632, 0.44407484746689746)),
        # no discordant pairs. R: nc10(5, 0, 0, 7)
        ((5, 0, 0, 7), 0.05, (0.0, -0.14778788884650362, 0.14778788884650362)),
        # an empty margin: phi = 0. R: nc10(4, 0, 3, 0)
        ((4, 0, 3, 0), 0.05, (-0.4285714285714286, -0.74954163547234276, 0.017119081099940758)),
    ],
)  # fmt: skip
def test_paired_risk_difference_newcombe_method_10(cells, alpha, expected):
    close(paired_risk_difference(*table_to_pairs(*cells), alpha=alpha), *expected)


def test_paired_risk_difference_bad_input():
    with pytest.raises(StatsInputError, match="at least one pair"):
        paired_risk_difference([], [])
    with pytest.raises(StatsInputError, match="alpha"):
        paired_risk_difference([1, 0], [0, 1], alpha=1.5)
