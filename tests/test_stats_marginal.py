"""spinepair.stats.stuart_maxwell against R 4.2.2, coin 1.4.2 (``mh_test``).

Every reference value was computed with the R call written next to it.
"""

import numpy as np
import pytest

from spinepair.stats import StatsInputError, stuart_maxwell

# R: x <- c("none","mild","severe","mild","none","mild","severe","none","mild","mild","none",
#           "severe","mild","none","mild","severe","none","mild")
#    y <- c("mild","mild","mild","none","none","severe","severe","mild","mild","severe","mild",
#           "mild","severe","none","severe","none","mild","none")
CODES = {"n": "none", "m": "mild", "s": "severe"}
X = [CODES[c] for c in "nmsmnmsnmmnsmnmsnm"]
Y = [CODES[c] for c in "mmmnnssmmsmmsnsnmn"]


def expand(table):
    """Paired category codes (row = x, column = y) reproducing a k x k table of counts."""
    k = len(table)
    counts = np.ravel(table)
    return np.repeat(np.arange(k).repeat(k), counts), np.repeat(np.tile(np.arange(k), k), counts)


def test_stuart_maxwell_matches_coin():
    # R: library(coin); lev <- c("mild", "none", "severe")
    #    r <- mh_test(table(factor(x, lev), factor(y, lev))); statistic(r); pvalue(r)
    #    -> 0.25, 0.88249690258459546 (df 2)
    res = stuart_maxwell(X, Y)
    assert res.statistic == pytest.approx(0.25, rel=1e-12)
    assert res.pvalue == pytest.approx(0.88249690258459546, rel=1e-12)
    assert res.df == 2


def test_stuart_maxwell_four_categories():
    # R: tab <- as.table(matrix(c(20,5,3,1, 4,15,6,2, 2,3,18,5, 0,1,7,10), 4, byrow = TRUE))
    #    r <- mh_test(tab) -> 2.1901528013582348, p 0.53389056583953332
    res = stuart_maxwell(*expand([[20, 5, 3, 1], [4, 15, 6, 2], [2, 3, 18, 5], [0, 1, 7, 10]]))
    assert res.statistic == pytest.approx(2.1901528013582348, rel=1e-12)
    assert res.pvalue == pytest.approx(0.53389056583953332, rel=1e-12)
    assert res.df == 3


def test_stuart_maxwell_category_without_discordant_pairs():
    # R: r <- mh_test(as.table(matrix(c(5,0,0, 0,4,3, 0,6,2), 3, byrow = TRUE)))
    #    -> chi-squared = 0.99999999999999978, df = 1, p-value = 0.31731050786291404
    res = stuart_maxwell(*expand([[5, 0, 0], [0, 4, 3], [0, 6, 2]]))
    assert (res.statistic, res.df) == (pytest.approx(1.0, rel=1e-12), 1)
    assert res.pvalue == pytest.approx(0.31731050786291404, rel=1e-12)


def test_stuart_maxwell_edges():
    # R: coin::mh_test(as.table(diag(c(1, 1, 1)))) -> chi-squared = NaN, df = 3, p-value = NA
    res = stuart_maxwell(["a", "b", "c"], ["a", "b", "c"])
    assert np.isnan(res.statistic) and np.isnan(res.pvalue) and res.df == 3
    assert "not computed: no discordant pairs" in res.method
    with pytest.raises(StatsInputError, match="at least 2 categories"):
        stuart_maxwell(["a", "a"], ["a", "a"])
    with pytest.raises(StatsInputError, match="not one of the categories"):
        stuart_maxwell(["a", "b"], ["a", "z"], categories=["a", "b"])
