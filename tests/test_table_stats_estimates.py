"""The estimate with its CI (and companions) beside every table test, and the SMD and flow
declarations, on a hand-built frame of 10 matched pairs, against R.

R set-up shared by the numbers below (R 4.2.2):
  x_i <- c(5.1, 6.3, 4.8, 7.2, 5.9, 6.1, 4.4, 5.5, 6.8, 5.0)
  x_c <- c(4.9, 5.8, 5.25, 6.1, 5.0, 6.4, 4.0, 4.9, 6.0, 4.3)
  n_i <- c(1,2,3,1,2,4,1,2,3,1); n_c <- c(2,2,1,1,3,2,1,1,2,2)
  f_i <- c(T,T,F,T,F,T,T,F,T,F); f_c <- c(F,T,F,F,F,T,F,T,F,F)
  h_i <- c(1,0,1,0,0,1,0,0,1,0) == 1; h_c <- c(0,0,1,1,0,0,0,0,0,0) == 1
  cor_or <- function(x, y) { b <- sum(x & !y); cc <- sum(!x & y)
    ci <- binom.test(b, b + cc)$conf.int; c(b, cc, b / cc, ci / (1 - ci)) }
  newcombe <- function(x, y) {  # Newcombe (1998) method 10, Wilson limits of prop.test
    a <- sum(x & y); b <- sum(x & !y); c <- sum(!x & y); d <- sum(!x & !y); n <- a + b + c + d
    p1 <- (a + b) / n; p2 <- (a + c) / n
    w1 <- prop.test(a + b, n, correct = FALSE)$conf.int
    w2 <- prop.test(a + c, n, correct = FALSE)$conf.int
    cr <- a * d - b * c; adj <- if (cr > n / 2) cr - n / 2 else if (cr >= 0) 0 else cr
    m <- (a + b) * (c + d) * (a + c) * (b + d); phi <- if (m > 0) adj / sqrt(m) else 0
    dl <- p1 - w1[1]; du <- w2[2] - p2; el <- p2 - w2[1]; eu <- w1[2] - p1
    c(p1 - p2, p1 - p2 - sqrt(dl^2 - 2 * phi * dl * du + du^2),
      p1 - p2 + sqrt(el^2 - 2 * phi * el * eu + eu^2)) }
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from spinepair.analysis.ard import one, select, to_frame
from spinepair.analysis.estimates import welch_mean_difference
from spinepair.analysis.table_stats import table_stats
from tests.helpers.workflow import ROOT

ARMS = ("SRS", "RT")
T, F, N = True, False, None
SIDES = {
    "x": ([5.1, 6.3, 4.8, 7.2, 5.9, 6.1, 4.4, 5.5, 6.8, 5.0],
          [4.9, 5.8, 5.25, 6.1, 5.0, 6.4, 4.0, 4.9, 6.0, 4.3]),
    "count": ([1, 2, 3, 1, 2, 4, 1, 2, 3, 1], [2, 2, 1, 1, 3, 2, 1, 1, 2, 2]),
    "flag": ([T, T, F, T, F, T, T, F, T, F], [F, T, F, F, F, T, F, T, F, F]),
    "grp": (["hi", "lo", "hi", "lo", "lo", "hi", "lo", "lo", "hi", "lo"],
            ["lo", "lo", "hi", "hi", "lo", "lo", "lo", "lo", "lo", "lo"]),
    "pain": (["complete", "partial", "stable", "partial", "progression", "partial", "complete",
              "stable", "partial", "not_evaluable"],
             ["partial", "stable", "stable", "progression", "stable", "partial", "partial",
              "stable", "stable", "partial"]),
    "interval": ([3.0, 6.5, N, 2.0, N, 4.5, 8.0, N, 1.5, N],
                 [N, 4.0, N, N, N, 7.5, N, 2.5, N, N]),
    "pre": ([7, 8, 6, 9, 5, 7, 8, 6, 7, 8], [6, 7, 7, 8, 6, 5, 9, 7, 6, 7]),
    "post": ([3, 4, 5, 2, 5, 3, 4, 6, 2, 5], [4, 6, 5, 6, 3, 4, 5, 5, 6, 6]),
}  # fmt: skip
ROWS = [
    {"variable": "x", "kind": "continuous", "test": "paired_t", "smd": True},
    {"variable": "x", "key": "x_hl", "kind": "continuous", "test": "wilcoxon"},
    {"variable": "count", "kind": "continuous", "test": "wilcoxon"},
    {"variable": "flag", "kind": "binary", "test": "mcnemar", "flow": "flag pairs"},
    {"variable": "flag", "key": "flag_or", "kind": "binary", "test": "mcnemar",
     "estimate": "odds_ratio"},
    {"variable": "grp", "kind": "categorical", "test": "mcnemar", "test_level": "hi"},
    {"variable": "pain", "kind": "categorical", "test": "bowker", "untested": ["not_evaluable"],
     "show": ["complete", "partial", "stable", "progression"],
     "estimate_levels": ["complete", "partial"], "flow": "pain evaluable"},
    {"variable": "pain", "key": "pain_no_levels", "kind": "categorical", "test": "bowker",
     "untested": ["not_evaluable"]},
    {"variable": "interval", "kind": "continuous", "among": "flag", "test": "welch_t"},
    {"variable": "post", "before": "pre", "kind": "within_arm", "test": "paired_t"},
    {"variable": "count", "key": "count_plain", "kind": "continuous"},
]  # fmt: skip
PARAMS = {"alpha": 0.05, "variants": {"wilcoxon": {"exact": None, "correct": True}}}


def frame() -> pd.DataFrame:
    pf = pd.DataFrame({"pair_id": range(1, 11)})
    for col, (idx, cmp) in SIDES.items():
        pf[f"{col}_idx"] = pd.Series(idx, dtype=object)
        pf[f"{col}_cmp"] = pd.Series(cmp, dtype=object)
    for col in ("x", "count", "interval", "pre", "post"):
        for s in ("idx", "cmp"):
            pf[f"{col}_{s}"] = pf[f"{col}_{s}"].astype(float)
    return pf


@pytest.fixture(scope="module")
def ard() -> pd.DataFrame:
    return to_frame(table_stats("t", {"rows": ROWS}, frame(), ARMS, PARAMS))


def ci(ard, row, statistic="estimate", **where):
    r = one(ard, "t", row, statistic, **where)
    return [r["value"], r["lower"], r["upper"]]


def test_paired_mean_difference(ard):
    # t.test(x_i, x_c, paired = TRUE): estimate, conf.int, p.value
    #   0.445, 0.08555737647, 0.80444262353; p 0.02069187910
    np.testing.assert_allclose(ci(ard, "x"), [0.445, 0.08555737647, 0.80444262353], rtol=1e-9)
    r = one(ard, "t", "x", "estimate")
    assert r["p"] == pytest.approx(0.02069187910, rel=1e-8) and r["n"] == 10
    assert r["method"].startswith("SRS − RT: Paired mean difference, t interval with 9 df")


def test_hodges_lehmann_exact_and_asymptotic(ard):
    # wilcox.test(x_i, x_c, paired = TRUE, conf.int = TRUE): 0.5, 0.075, 0.8 (exact)
    np.testing.assert_allclose(ci(ard, "x_hl"), [0.5, 0.075, 0.8], rtol=1e-12)
    assert "exact Walsh-average CI" in one(ard, "t", "x_hl", "estimate")["method"]
    # wilcox.test(n_i, n_c, paired = TRUE, conf.int = TRUE, correct = TRUE) (ties, zeros):
    #   0.4999663558, -1.0000000000, 1.5000389686 (uniroot tolerance 1e-4)
    np.testing.assert_allclose(ci(ard, "count"), [0.4999663558, -1, 1.5000389686], atol=2e-4)
    assert one(ard, "t", "count", "estimate")["p"] == pytest.approx(0.4290171745, rel=1e-8)


def test_mcnemar_companions(ard):
    # cor_or(f_i, f_c): b 4, c 1, OR 4, CI 0.3958332833-196.9898729893
    assert ci(ard, "flag", "discordant_index")[0] == 4
    assert ci(ard, "flag", "discordant_comparator")[0] == 1
    np.testing.assert_allclose(
        ci(ard, "flag", "odds_ratio"), [4, 0.3958332833, 196.9898729893], rtol=1e-9
    )
    # newcombe(f_i, f_c): 0.3, -0.1177317973, 0.6011387661
    rd = [0.3, -0.1177317973, 0.6011387661]
    np.testing.assert_allclose(ci(ard, "flag", "risk_difference"), rd, rtol=1e-9)
    np.testing.assert_allclose(ci(ard, "flag"), rd, rtol=1e-9)  # the default estimate
    # binom.test(4, 5)$p.value = 0.375
    assert one(ard, "t", "flag", "estimate")["p"] == pytest.approx(0.375)
    np.testing.assert_allclose(ci(ard, "flag_or"), [4, 0.3958332833, 196.9898729893], rtol=1e-9)
    assert "Conditional odds ratio" in one(ard, "t", "flag_or", "estimate")["method"]


def test_mcnemar_of_one_level(ard):
    # cor_or(h_i, h_c): 3, 1, 3, 0.2408802278-157.4920882748;
    # newcombe(h_i, h_c): 0.2, -0.1869620829, 0.5210862319
    np.testing.assert_allclose(
        ci(ard, "grp", "odds_ratio"), [3, 0.2408802278, 157.4920882748], rtol=1e-9
    )
    np.testing.assert_allclose(ci(ard, "grp"), [0.2, -0.1869620829, 0.5210862319], rtol=1e-9)
    assert "grp = hi" in one(ard, "t", "grp", "estimate")["method"]


def test_bowker_companions(ard):
    # lv <- c("complete", "partial", "stable", "progression"); p_i, p_c: pairs 1-9 of SIDES
    # (pair 10 not evaluable); tab <- table(factor(p_i, lv), factor(p_c, lv))
    # coin::pvalue(coin::mh_test(tab)) = 0.132778358
    sm = one(ard, "t", "pain", "stuart_maxwell_p")
    assert (sm["value"], sm["p"]) == (pytest.approx(0.132778358, rel=1e-8),) * 2
    assert sm["n"] == 9
    # the Bowker test has no estimate: a k-category comparison has none
    assert not len(select(ard, "t", "pain", statistic="estimate", level=""))
    assert not len(select(ard, "t", "pain_no_levels", statistic="estimate"))
    # its collapse is a test of its own: McNemar and risk difference at level complete+partial
    # ci_, cc_ <- p_i %in% c("complete", "partial"), p_c %in% ...: b 3, c 0
    # binom.test(3, 3)$p.value = 0.25
    # newcombe(ci_, cc_): 0.3333333333, -0.04935599861, 0.59389721066
    both = "complete+partial"
    np.testing.assert_allclose(
        ci(ard, "pain", level=both), [1 / 3, -0.04935599861, 0.59389721066], rtol=1e-9
    )
    est, p = one(ard, "t", "pain", "estimate", level=both), one(ard, "t", "pain", "p", level=both)
    assert est["p"] == p["value"] == pytest.approx(0.25) and est["n"] == 9
    assert p["method"].startswith("McNemar") and est["conf_level"] == 0.95
    assert "pain in {complete, partial}" in est["method"]


def test_welch_difference_of_means(ard):
    # t.test(c(3, 6.5, 2, 4.5, 8, 1.5), c(4, 7.5, 2.5)): -0.4166666667, -5.4088667606,
    #   4.5755334272; p 0.8297012030
    expected = [-0.4166666667, -5.4088667606, 4.5755334272]
    np.testing.assert_allclose(ci(ard, "interval"), expected, rtol=1e-9)
    assert one(ard, "t", "interval", "estimate")["p"] == pytest.approx(0.8297012030, rel=1e-8)
    direct = welch_mean_difference([3, 6.5, 2, 4.5, 8, 1.5], [4, 7.5, 2.5])
    np.testing.assert_allclose([direct.estimate, direct.lower, direct.upper], expected, rtol=1e-9)


def test_within_arm_estimates(ard):
    # t.test(c(7,8,6,9,5,7,8,6,7,8), c(3,4,5,2,5,3,4,6,2,5), paired = TRUE):
    #   3.2, 1.589784730294, 4.810215269706
    np.testing.assert_allclose(
        ci(ard, "pre_vs_post", arm="SRS"), [3.2, 1.589784730294, 4.810215269706], rtol=1e-9
    )
    assert one(ard, "t", "pre_vs_post", "estimate", arm="SRS")["method"].startswith("pre − post")
    assert len(select(ard, "t", "pre_vs_post", statistic="estimate")) == 2


def test_every_test_but_bowker_has_exactly_one_estimate(ard):
    tests = ard[ard["statistic"] == "p"]
    tested = tests[~tests["method"].str.startswith("Bowker")][["row", "level", "arm"]]
    estimates = ard[ard["statistic"] == "estimate"][["row", "level", "arm"]]
    assert sorted(map(tuple, tested.to_numpy())) == sorted(map(tuple, estimates.to_numpy()))
    assert "count_plain" not in set(ard["row"][ard["statistic"] == "estimate"])


def test_smd_only_where_declared(ard):
    assert set(ard["row"][ard["statistic"] == "smd"]) == {"x"}
    both = to_frame(table_stats("t", {"rows": ROWS, "smd": True}, frame(), ARMS, PARAMS))
    assert {"count", "flag", "grp", "pain"} <= set(both["row"][both["statistic"] == "smd"])


def test_flow_rows_count_the_analysed_pairs(ard):
    flow = select(ard, "flow", statistic="n_analysed")
    got = {(r.row, r.arm): (r.variable, r.value) for r in flow.itertuples()}
    assert got == {
        ("flag", "SRS"): ("flag pairs", 10),
        ("flag", "RT"): ("flag pairs", 10),
        ("pain", "SRS"): ("pain evaluable", 9),
        ("pain", "RT"): ("pain evaluable", 9),
    }


def test_an_estimate_that_cannot_be_computed_says_why():
    pf = frame()
    pf["x_cmp"] = pf["x_idx"] - 0.5  # constant differences: no t interval
    ard = to_frame(table_stats("t", {"rows": ROWS[:1]}, pf, ARMS, PARAMS))
    est = one(ard, "t", "x", "estimate")
    assert np.isnan(est["value"]) and est["method"].startswith("not computed: ")


def test_demo_footnotes_name_the_rules_with_the_configs_values():
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    notes = " ".join(config["tables"]["table2"]["footnotes"])
    assert f"(endpoints.exactly_two: {config['endpoints']['exactly_two']})" in notes
    within = config["analysis"]["endpoints"]["lc"]["competing"]["within_months"]
    assert f"a death within {within} months of the last imaging is a competing event" in notes
