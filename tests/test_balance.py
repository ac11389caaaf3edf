"""Balance before and after matching (spinepair.matching.balance) against MatchIt 4.5.1's
``summary(m, standardize = TRUE)`` on the demo's eligible cohort with our pairs imposed.

tests/data/balance_demo.csv: the synthetic demo's eligible cohort (120 patients, SRS = treat 1),
``matched``/``pair`` = the demo's 28 pairs. The reference values were computed with (R 4,
MatchIt 4.5.1; exact matching on the pair id reproduces the given pairs, every matched patient
weight 1, every other 0, checked by the stopifnot):

    library(MatchIt)
    d <- read.csv("tests/data/balance_demo.csv", stringsAsFactors = TRUE)
    d$n_mets_cat <- factor(d$n_mets_cat)
    d$pair_id <- factor(ifelse(is.na(d$pair), paste0("u", seq_len(nrow(d))), d$pair))
    f <- treat ~ sex + age_years + interval_months + child_pugh + index_region + n_mets_cat +
      ecog_group + ambulation_group + tumor_volume_cc + vas_pre + treatment_year
    for (est in c("ATT", "ATE")) {   # ATT: s.d.denom "treated"; ATE: "pooled"
      m <- matchit(update(f, . ~ pair_id), data = d, method = "exact", estimand = est)
      stopifnot(all(m$weights == d$matched))
      s <- summary(m, addlvariables = f, data = d, standardize = TRUE)
      print(cbind(s$sum.all[, 1:3], s$sum.matched[, 1:3]), digits = 15)  # rows below
    }
"""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinepair.matching import balance as bal_mod
from spinepair.matching.balance import (
    Covariate,
    balance,
    balance_before_after,
    covariates,
    lookup,
    read_balance,
    verdicts,
)

DATA = Path(__file__).parent / "data" / "balance_demo.csv"
NUMERIC = ("age_years", "interval_months", "tumor_volume_cc", "vas_pre", "treatment_year")
CATEGORICAL = ("sex", "child_pugh", "index_region", "n_mets_cat", "ecog_group", "ambulation_group")
# fmt: off
ATT = {  # row: (mean T all, mean C all, SMD all, mean T matched, mean C matched, SMD matched)
    "sexF": (0.0714285714285714, 0.0978260869565217, -0.102498949302488, 0.0714285714285714, 0.0714285714285714, 0.0),
    "sexM": (0.9285714285714286, 0.9021739130434783, 0.102498949302488, 0.9285714285714286, 0.9285714285714286, 0.0),
    "age_years": (58.98455069912975, 62.262059935124846, -0.2527552961581584, 58.98455069912975, 59.48117727583847, -0.0382988996941496),
    "interval_months": (18.69991199765327, 54.47727881439157, -1.2800719984500695, 18.69991199765327, 19.300674684658258, -0.0214945805622823),
    "child_pughA": (0.9285714285714286, 0.8043478260869565, 0.4823479967175903, 0.9285714285714286, 0.8928571428571429, 0.1386750490563071),
    "child_pughB": (0.0714285714285714, 0.1521739130434783, -0.3135261978664339, 0.0714285714285714, 0.1071428571428571, -0.1386750490563073),
    "child_pughC": (0.0, 0.0434782608695652, -0.243492376778837, 0.0, 0.0, 0.0),
    "index_regioncervical": (0.25, 0.1630434782608696, 0.200817484935522, 0.25, 0.2142857142857143, 0.0824786098842323),
    "index_regionlumbar": (0.5, 0.3804347826086957, 0.2391304347826086, 0.5, 0.3928571428571428, 0.2142857142857143),
    "index_regionsacral": (0.0, 0.0434782608695652, -0.243492376778837, 0.0, 0.0, 0.0),
    "index_regionthoracic": (0.25, 0.4130434782608696, -0.3765327842541038, 0.25, 0.3928571428571428, -0.329914439536929),
    "n_mets_cat1": (0.3571428571428572, 0.2282608695652174, 0.2689762929456269, 0.3571428571428572, 0.3571428571428572, 0.0),
    "n_mets_cat2": (0.2857142857142857, 0.3369565217391304, -0.1134295247669093, 0.2857142857142857, 0.25, 0.0790569415042094),
    "n_mets_cat3": (0.1071428571428571, 0.2391304347826087, -0.4267371554879843, 0.1071428571428571, 0.1428571428571428, -0.1154700538379251),
    "n_mets_cat4": (0.25, 0.1956521739130435, 0.1255109280847012, 0.25, 0.25, 0.0),
    "ecog_group<=1": (0.6785714285714286, 0.6413043478260869, 0.0797967769984564, 0.6785714285714286, 0.7857142857142857, -0.2294157338705616),
    "ecog_group>=2": (0.3214285714285715, 0.358695652173913, -0.0797967769984562, 0.3214285714285715, 0.2142857142857143, 0.2294157338705619),
    "ambulation_group<=2": (0.9285714285714286, 0.8586956521739131, 0.2713207481536445, 0.9285714285714286, 0.9285714285714286, 0.0),
    "ambulation_group>=3": (0.0714285714285714, 0.1413043478260869, -0.2713207481536446, 0.0714285714285714, 0.0714285714285714, 0.0),
    "tumor_volume_cc": (33.99285714285714, 38.47717391304348, -0.1625892831650837, 33.99285714285714, 41.1, -0.2576859133095287),
    "vas_pre": (6.535714285714286, 5.717391304347826, 0.3415787308340943, 6.535714285714286, 5.464285714285714, 0.4472283193083968),
    "treatment_year": (2008.2142857142858, 2008.4565217391305, -0.1046320924262917, 2008.2142857142858, 2008.25, -0.0154265264474384),
}
ATE = {  # row: (mean T all, mean C all, SMD all, mean T matched, mean C matched, SMD matched)
    "sexF": (0.0714285714285714, 0.0978260869565217, -0.0949505847546894, 0.0714285714285714, 0.0714285714285714, 0.0),
    "sexM": (0.9285714285714286, 0.9021739130434783, 0.0949505847546894, 0.9285714285714286, 0.9285714285714286, 0.0),
    "age_years": (58.98455069912975, 62.262059935124846, -0.2428644772025024, 58.98455069912975, 59.48117727583847, -0.0368001873473324),
    "interval_months": (18.69991199765327, 54.47727881439157, -0.7242107788114228, 18.69991199765327, 19.300674684658258, -0.0121607276372608),
    "child_pughA": (0.9285714285714286, 0.8043478260869565, 0.3714387103276641, 0.9285714285714286, 0.8928571428571429, 0.1067886292192034),
    "child_pughB": (0.0714285714285714, 0.1521739130434783, -0.2583645611724509, 0.0714285714285714, 0.1071428571428571, -0.1142766328262763),
    "child_pughC": (0.0, 0.0434782608695652, -0.3015113445777636, 0.0, 0.0, 0.0),
    "index_regioncervical": (0.25, 0.1630434782608696, 0.216058451717854, 0.25, 0.2142857142857143, 0.0887382926698329),
    "index_regionlumbar": (0.5, 0.3804347826086957, 0.2426241040172185, 0.5, 0.3928571428571428, 0.2174164048985466),
    "index_regionsacral": (0.0, 0.0434782608695652, -0.3015113445777636, 0.0, 0.0, 0.0),
    "index_regionthoracic": (0.25, 0.4130434782608696, -0.35165373060579, 0.25, 0.3928571428571428, -0.3081156496736445),
    "n_mets_cat1": (0.3571428571428572, 0.2282608695652174, 0.2861397075408997, 0.3571428571428572, 0.3571428571428572, 0.0),
    "n_mets_cat2": (0.2857142857142857, 0.3369565217391304, -0.1108347113722518, 0.2857142857142857, 0.25, 0.0772484351988421),
    "n_mets_cat3": (0.1071428571428571, 0.2391304347826087, -0.3542666257804049, 0.1071428571428571, 0.1428571428571428, -0.0958603810935213),
    "n_mets_cat4": (0.25, 0.1956521739130435, 0.1308783932503807, 0.25, 0.25, 0.0),
    "ecog_group<=1": (0.6785714285714286, 0.6413043478260869, 0.0787283113771626, 0.6785714285714286, 0.7857142857142857, -0.226343895209342),
    "ecog_group>=2": (0.3214285714285715, 0.358695652173913, -0.0787283113771624, 0.3214285714285715, 0.2142857142857143, 0.2263438952093422),
    "ambulation_group<=2": (0.9285714285714286, 0.8586956521739131, 0.2281136146799411, 0.9285714285714286, 0.9285714285714286, 0.0),
    "ambulation_group>=3": (0.0714285714285714, 0.1413043478260869, -0.2281136146799412, 0.0714285714285714, 0.0714285714285714, 0.0),
    "tumor_volume_cc": (33.99285714285714, 38.47717391304348, -0.1597774342810838, 33.99285714285714, 41.1, -0.253229445861879),
    "vas_pre": (6.535714285714286, 5.717391304347826, 0.330032869405714, 6.535714285714286, 5.464285714285714, 0.4321113470397394),
    "treatment_year": (2008.2142857142858, 2008.4565217391305, -0.1015022739395098, 2008.2142857142858, 2008.25, -0.0149650788500291),
}
# fmt: on


def _demo(denominator: str) -> pd.DataFrame:
    d = pd.read_csv(DATA)
    covs = [Covariate(v, "numeric", v) for v in NUMERIC]
    covs += [Covariate(v, "categorical", v) for v in CATEGORICAL]
    return balance(d, d["treat"] == 1, d["matched"] == 1, covs, denominator)


@pytest.mark.parametrize("denominator, reference", [("treated", ATT), ("pooled", ATE)])
def test_every_covariate_and_level_matches_matchit_summary(denominator, reference):
    ours = _demo(denominator)
    assert len(ours) == len(reference)
    for r in ours.itertuples():
        want = reference[r.variable + r.level]
        got = (r.mean_treated_before, r.mean_control_before, r.smd_before,
               r.mean_treated_after, r.mean_control_after, r.smd_after)  # fmt: skip
        assert got == pytest.approx(want, rel=1e-6, abs=1e-12), r.variable + r.level


def test_demo_child_pugh_and_vas():
    ours = _demo("treated")
    cp = lookup(ours, "child_pugh", "A")
    assert (cp["smd_before"], cp["smd_after"]) == pytest.approx((0.4823479967, 0.1386750491))
    vas = lookup(ours, "vas_pre")
    assert (vas["smd_before"], vas["smd_after"]) == pytest.approx((0.3415787308, 0.4472283193))
    # the denominator is the eligible cohort's SD of the index arm, before and after
    srs = pd.read_csv(DATA).query("treat == 1")["vas_pre"]
    assert vas["sd_denominator"] == pytest.approx(srs.std(ddof=1), rel=1e-12)


def test_zero_sd_of_the_index_arm_falls_back_to_the_size_weighted_pooled_sd():
    # child_pugh C: no SRS patient -> MatchIt pooled_sd(): sqrt((n1 p1 q1 + n0 p0 q0) / n)
    row = lookup(_demo("treated"), "child_pugh", "C")
    p0 = 4 / 92
    assert row["sd_denominator"] == pytest.approx(np.sqrt(92 * p0 * (1 - p0) / 120), rel=1e-12)


def test_before_after_wrapper_marks_the_paired_patients():
    idx = pd.DataFrame({"patient_key": ["a", "b", "c"], "x": [1.0, 2.0, 4.0]})
    cmp = pd.DataFrame({"patient_key": ["u", "v", "w"], "x": [2.0, 3.0, 9.0]})
    pairs = pd.DataFrame({"index_key": ["a", "b"], "comparator_key": ["w", "u"]})
    row = balance_before_after(idx, cmp, pairs, [Covariate("x", "numeric", "X")]).iloc[0]
    assert (row["n_treated_after"], row["n_control_after"]) == (2, 2)
    assert row["mean_control_after"] == pytest.approx(5.5)
    # R: x1 <- c(1, 2, 4); (mean(c(1, 2)) - mean(c(9, 2))) / sd(x1)  -> -2.61861468283191
    assert row["smd_after"] == pytest.approx(-2.61861468283191, rel=1e-12)


def test_a_binary_covariate_has_levels_false_and_true():
    d = pd.DataFrame({"f": [1, 0, None, 1, 1]}, dtype="Int64")
    t, m = np.array([1, 1, 1, 0, 0], bool), np.ones(5, bool)
    out = balance(d, t, m, [Covariate("f", "binary", "F")])
    assert out["level"].tolist() == ["False", "True"]
    # proportions 1/2 vs 1: (0.5 - 1) / sqrt(0.5 * 0.5)
    assert lookup(out, "f", "True")["smd_before"] == pytest.approx(-1.0)


def test_missing_values_are_left_out_and_equal_means_give_zero():
    d = pd.DataFrame({"x": [1.0, np.nan, 3.0, 1.0, 3.0], "g": ["a", "b", None, "a", "b"]})
    t, m = np.array([1, 1, 1, 0, 0], bool), np.ones(5, bool)
    covs = [Covariate("x", "numeric", "X"), Covariate("g", "categorical", "G")]
    out = balance(d, t, m, covs)
    x = lookup(out, "x")
    assert (x["n_treated_before"], x["smd_before"]) == (2, 0.0)
    assert lookup(out, "g", "a")["n_treated_before"] == 2  # the missing g left out


def test_covariates_from_table_rows_then_matching_variables():
    tables = {
        "table1": {"smd": True, "rows": [
            {"variable": "child_pugh", "label": "Child-Pugh class", "kind": "categorical"},
            {"variable": "n_mets_cat", "label": "Spine metastases", "kind": "categorical"},
            {"variable": "age_years", "label": "Age", "kind": "continuous"},
            {"variable": "dose", "label": "Dose", "kind": "continuous", "smd": False},
            {"variable": "dose", "label": "Dose / fractions", "kind": "schedule"},
            {"variable": "margin", "label": "Margin", "kind": "continuous", "arms": ["SRS"]},
            {"variable": "fracture", "label": "Fracture", "kind": "binary"},
        ]},
        "table2": {"rows": [{"variable": "vas_post", "kind": "continuous"}]},
    }  # fmt: skip
    matching = {"exact": ["sex"], "calipers": [{"variable": "child_pugh_num", "width": 1},
                {"variable": "n_mets_cat", "width": 1}], "balance_variables": ["year"]}  # fmt: skip
    labels = {"child_pugh_num": "Child-Pugh class", "year": "Year"}
    got = covariates(tables, matching, labels, {"sex": False, "year": True})
    assert [(c.variable, c.kind, c.label, c.matching) for c in got] == [
        ("child_pugh", "categorical", "Child-Pugh class", True),  # stands for child_pugh_num
        ("n_mets_cat", "categorical", "Spine metastases", True),  # the table row's kind
        ("age_years", "numeric", "Age", False),
        ("fracture", "binary", "Fracture", False),
        ("sex", "categorical", "sex", True),
        ("year", "numeric", "Year", False),
    ]


def test_verdicts_grade_the_worst_level_and_csv_round_trip(tmp_path):
    out = _demo("treated").assign(label=lambda d: d["variable"], matching=False)
    path = tmp_path / "balance.csv"
    out.to_csv(path, index=False)
    back = read_balance(path)
    pd.testing.assert_frame_equal(back, out, check_dtype=False)
    v = verdicts(back, 0.1, 0.25).set_index("variable")
    assert v.loc["vas_pre", "status"] == "FAIL" and v.loc["child_pugh", "status"] == "WARN"
    assert v.loc["child_pugh", "level"] in ("A", "B")
    assert v.loc["sex", "status"] == "PASS"
    assert v.loc["child_pugh", "before"] == pytest.approx(0.4823479967)


def test_unknown_denominator_is_refused():
    with pytest.raises(ValueError, match="denominator"):
        _demo("control")


def test_docstring_example_runs():
    assert doctest.testmod(bal_mod).failed == 0
