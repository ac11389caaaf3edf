"""spinepair.stats paired tests and unpaired t-tests against R 4.2.2 (stats package).

Every reference value was computed with the R call written next to it.
"""

import numpy as np
import pytest

from spinepair.stats import (
    StatsInputError,
    TestResult,
    bowker,
    independent_t,
    mcnemar,
    paired_t,
    welch_t,
    wilcoxon_signed_rank,
)

REL = 1e-10

# R: x <- c(12.1, 9.8, 15.3, 11.0, 8.7, 14.2, 10.5, 13.9)
#    y <- c(10.4, 10.1, 12.8, 11.0, 9.9, 12.5, 8.1, 13.0)   (one zero difference)
TX = [12.1, 9.8, 15.3, 11.0, 8.7, 14.2, 10.5, 13.9]
TY = [10.4, 10.1, 12.8, 11.0, 9.9, 12.5, 8.1, 13.0]
# R: a <- c(3.2, 4.8, 2.9, 5.5, 4.1, 3.8, 6.0)
#    b <- c(2.1, 2.5, 3.0, 1.8, 2.9, 2.2, 3.5, 2.7, 1.9, 2.4)
A = [3.2, 4.8, 2.9, 5.5, 4.1, 3.8, 6.0]
B = [2.1, 2.5, 3.0, 1.8, 2.9, 2.2, 3.5, 2.7, 1.9, 2.4]
# No ties, no zeros (n = 9). R: wx <- c(...); wy <- c(...)
WX = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
WY = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
# Counts with ties and zeros (like numbers of spine metastases). R: cx <- c(...); cy <- c(...)
CX = [1, 2, 1, 3, 2, 1, 4, 1, 2, 1, 1, 3, 2, 1, 5, 1]
CY = [2, 2, 3, 1, 3, 2, 2, 1, 4, 3, 2, 1, 2, 2, 3, 4]


def check(res: TestResult, stat: float, p: float, df: float | None = None) -> None:
    assert res.statistic == pytest.approx(stat, rel=REL, abs=1e-12)
    assert res.pvalue == pytest.approx(p, rel=REL, abs=1e-14)
    if df is None:
        assert res.df is None
    else:
        assert res.df == pytest.approx(df, rel=REL)


def test_paired_t_matches_r():
    # R: t.test(x, y, paired = TRUE) -> t = 2.0196333624989755, df = 7, p = 0.0831753055204319
    check(paired_t(TX, TY), 2.0196333624989755, 0.0831753055204319, 7)


def test_welch_t_matches_r():
    # R: t.test(a, b) -> t = 3.90086007446622940, df = 7.80201153872367303, p = 0.00476609608579553
    check(welch_t(A, B), 3.90086007446622940, 0.00476609608579553, 7.80201153872367303)


def test_independent_t_matches_r():
    # R: t.test(a, b, var.equal = TRUE) -> t = 4.41515828615409, df = 15, p = 5.01457494726217e-04
    check(independent_t(A, B), 4.41515828615409, 5.01457494726217e-04, 15)


def test_paired_t_rejects_constant_and_missing():
    with pytest.raises(StatsInputError, match="constant"):
        paired_t([1, 2, 3], [0, 1, 2])
    with pytest.raises(StatsInputError, match="position 1"):
        paired_t([1, np.nan, 3], [0, 1, 2])
    with pytest.raises(StatsInputError, match="same length"):
        paired_t([1, 2, 3], [0, 1])


def test_wilcoxon_exact_default_matches_r():
    # R: wilcox.test(wx, wy, paired = TRUE) -> V = 40, p = 0.0390625 ("exact test")
    res = wilcoxon_signed_rank(WX, WY)
    check(res, 40, 0.0390625)
    assert "exact" in res.method


def test_wilcoxon_exact_lower_tail_is_symmetric():
    # Swapping x and y gives V' = n(n+1)/2 - V = 5 and the same exact p (R: same call, swapped).
    check(wilcoxon_signed_rank(WY, WX), 5, 0.0390625)


def test_wilcoxon_normal_variants_match_r():
    # R: wilcox.test(wx, wy, paired = TRUE, exact = FALSE) -> p = 0.0440109840129515
    check(wilcoxon_signed_rank(WX, WY, exact=False), 40, 0.0440109840129515)
    # R: wilcox.test(wx, wy, paired = TRUE, exact = FALSE, correct = FALSE) -> p = 0.0381517101734152
    check(wilcoxon_signed_rank(WX, WY, exact=False, correct=False), 40, 0.0381517101734152)


def test_wilcoxon_ties_and_zeros_match_r():
    # R: wilcox.test(cx, cy, paired = TRUE) -> V = 36, p = 0.51951665937894
    #    ("with continuity correction"; exact impossible with ties/zeros)
    res = wilcoxon_signed_rank(CX, CY)
    check(res, 36, 0.51951665937894)
    assert "zeros dropped" in res.method and "continuity correction" in res.method
    # R: wilcox.test(cx, cy, paired = TRUE, correct = FALSE) -> p = 0.496584591729728
    check(wilcoxon_signed_rank(CX, CY, correct=False), 36, 0.496584591729728)
    # exact=True requested: R falls back to the normal approximation with the same p.
    res = wilcoxon_signed_rank(CX, CY, exact=True)
    check(res, 36, 0.51951665937894)
    assert "not possible" in res.method


def test_wilcoxon_pratt_by_hand_in_r():
    # R, by hand: d <- cx - cy; n <- length(d); z <- sum(d == 0); rk <- rank(abs(d))
    #   V <- sum(rk[d > 0]); tt <- table(rk[d != 0])
    #   m <- (n*(n+1) - z*(z+1))/4
    #   v <- (n*(n+1)*(2*n+1) - z*(z+1)*(2*z+1))/24 - sum(tt^3 - tt)/48
    #   2 * pnorm(-abs((V - m - sign(V - m) * 0.5) / sqrt(v)))  -> V = 48, p = 0.385163873930437
    check(wilcoxon_signed_rank(CX, CY, zero_method="pratt"), 48, 0.385163873930437)


def test_wilcoxon_large_n_uses_normal_and_forced_exact():
    lx = (np.arange(1, 56) * 37) % 101  # R: lx <- (1:55 * 37) %% 101
    ly = (np.arange(1, 56) * 53) % 97 + np.arange(
        1, 56
    ) / 1000  # R: ((1:55*53) %% 97) + (1:55)/1000
    # R: wilcox.test(lx, ly, paired = TRUE) -> V = 845, p = 0.532495037291035 (n >= 50: normal)
    check(wilcoxon_signed_rank(lx, ly), 845, 0.532495037291035)
    # R: wilcox.test(lx, ly, paired = TRUE, exact = TRUE) -> V = 845, p = 0.535413385825807
    check(wilcoxon_signed_rank(lx, ly, exact=True), 845, 0.535413385825807)


def test_wilcoxon_all_zero_and_bad_option():
    # R: wilcox.test(c(1,2,3), c(1,2,3), paired = TRUE) -> V = 0, p-value = NA
    res = wilcoxon_signed_rank([1, 2, 3], [1, 2, 3])
    assert res.statistic == 0.0 and np.isnan(res.pvalue)
    assert "not computed: all differences are zero" in res.method
    with pytest.raises(StatsInputError, match="zero_method"):
        wilcoxon_signed_rank([1, 2], [2, 1], zero_method="zsplit")


# 28 pairs: b = 6 (x only), c = 1 (y only), 9 both, 12 neither.
MX = [1] * 6 + [0] * 1 + [1] * 9 + [0] * 12
MY = [0] * 6 + [1] * 1 + [1] * 9 + [0] * 12


def test_mcnemar_exact_matches_binom_test():
    # R: binom.test(6, 7)$p.value -> 0.125
    res = mcnemar(MX, MY)
    check(res, 6, 0.125)
    assert res.method == "McNemar exact binomial (two-sided)"
    # booleans are accepted as well as 0/1
    check(mcnemar(np.array(MX, bool), np.array(MY, bool)), 6, 0.125)
    # R: binom.test(15, 20)$p.value -> 0.0413894653320313
    check(mcnemar([1] * 15 + [0] * 5, [0] * 15 + [1] * 5), 15, 0.0413894653320313)
    # R: binom.test(3, 6)$p.value -> 1
    check(mcnemar([1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]), 3, 1.0)


def test_mcnemar_chisquare_matches_r():
    # R: tab <- table(factor(mx, levels = 1:0), factor(my, levels = 1:0))
    # R: mcnemar.test(tab) -> 2.285714285714286, p = 0.130570018115737
    check(mcnemar(MX, MY, exact=False), 2.285714285714286, 0.130570018115737, 1)
    # R: mcnemar.test(tab, correct = FALSE) -> 3.571428571428572, p = 0.058781721355359
    check(mcnemar(MX, MY, exact=False, correction=False), 3.571428571428572, 0.058781721355359, 1)
    # R: mcnemar.test(matrix(c(5, 3, 3, 7), 2))$statistic -> 0 (no correction when b == c)
    res = mcnemar(
        [1] * 5 + [1] * 3 + [0] * 3 + [0] * 7, [1] * 5 + [0] * 3 + [1] * 3 + [0] * 7, exact=False
    )
    check(res, 0.0, 1.0, 1)


def test_mcnemar_no_discordant_and_bad_values():
    # R: mcnemar.test(table(c(1,0,1), c(1,0,1))) -> McNemar's chi-squared = NaN, df = 1, p NA;
    #    binom.test(0, 0) -> error "'n' must be a positive integer >= 'x'" (exact p is NA)
    for exact, df in ((True, None), (False, 1.0)):
        res = mcnemar([1, 0, 1], [1, 0, 1], exact=exact)
        assert np.isnan(res.statistic) and np.isnan(res.pvalue) and res.df == df
        assert "not computed: no discordant pairs" in res.method
    with pytest.raises(StatsInputError, match="0/1"):
        mcnemar([1, 2, 0], [1, 0, 0])


def _pairs_from_table(table, labels):
    """Expand a k x k table (x rows, y columns) into paired label arrays."""
    x, y = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            x += [labels[i]] * count
            y += [labels[j]] * count
    return x, y


LABELS = ["complete", "partial", "stable", "progression"]


def test_bowker_matches_r_without_empty_pairs():
    # R: bt <- matrix(c(5,3,2,1, 6,4,2,1, 4,3,3,2, 2,1,4,2), 4, byrow = TRUE); mcnemar.test(bt)
    #    -> 2.86666666666667, df = 6, p = 0.82538594331025
    table = [[5, 3, 2, 1], [6, 4, 2, 1], [4, 3, 3, 2], [2, 1, 4, 2]]
    x, y = _pairs_from_table(table, LABELS)
    check(bowker(x, y, categories=LABELS), 2.86666666666667, 0.82538594331025, 6)


def test_bowker_empty_pair_rule_by_hand():
    # Pair (complete, progression) is empty: R mcnemar.test gives NaN. Rule: skip it, df = 5.
    # R, by hand: bz <- matrix(c(5,3,2,0, 6,4,2,1, 4,3,3,2, 0,1,4,2), 4, byrow = TRUE)
    #   s <- sum over i<j with bz[i,j]+bz[j,i] > 0 of (bz[i,j]-bz[j,i])^2/(bz[i,j]+bz[j,i])
    #   -> s = 2.533333333333333, df = 5, pchisq(s, 5, lower.tail = FALSE) = 0.771466850762913
    table = [[5, 3, 2, 0], [6, 4, 2, 1], [4, 3, 3, 2], [0, 1, 4, 2]]
    x, y = _pairs_from_table(table, LABELS)
    res = bowker(x, y, categories=LABELS)
    check(res, 2.533333333333333, 0.771466850762913, 5)
    assert "empty off-diagonal pairs excluded" in res.method
    # A category never observed adds only empty pairs: same result.
    res2 = bowker(x, y, categories=LABELS + ["not_assessed"])
    check(res2, 2.533333333333333, 0.771466850762913, 5)


def test_bowker_default_categories_and_df_zero():
    table = [[5, 3, 2, 0], [6, 4, 2, 1], [4, 3, 3, 2], [0, 1, 4, 2]]
    x, y = _pairs_from_table(table, LABELS)
    check(bowker(x, y), 2.533333333333333, 0.771466850762913, 5)  # sorted labels: same table
    # R: mcnemar.test(diag(c(1, 1, 1))) -> McNemar's chi-squared = NaN, df = 3, p-value = NA
    res = bowker(["a", "b", "c"], ["a", "b", "c"])
    assert np.isnan(res.statistic) and np.isnan(res.pvalue) and res.df == 3
    assert "not computed: no discordant pairs" in res.method


def test_bowker_rejects_unknown_and_missing():
    with pytest.raises(StatsInputError, match="'zzz' at position 1"):
        bowker(["a", "zzz"], ["a", "b"], categories=["a", "b"])
    with pytest.raises(StatsInputError, match="missing"):
        bowker(["a", None], ["a", "b"], categories=["a", "b"])
