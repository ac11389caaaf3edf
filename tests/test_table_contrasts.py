"""A p belongs to its estimate, and an interval to its level: for every row kind, each p a
table prints is recomputed from the pair frame with the test of the estimate printed on the
same line; no interval of another level sits in the "95% CI" column; a p R gives as NA prints
"not computed"; dose schedules, arm-only rows, median (IQR) rows, the multiplicity adjustment
and a table without tests.

R set-up: that of tests/test_table_stats_estimates.py (x_i, x_c, f_i, f_c, newcombe, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinepair import stats
from spinepair.analysis.ard import one, select, to_frame
from spinepair.analysis.estimates import welch_mean_difference
from spinepair.analysis.findings import summary_markdown
from spinepair.analysis.multiplicity import adjust_family
from spinepair.analysis.table_stats import table_stats
from spinepair.analysis.tables import fmt_estimate, fmt_p, render_tables
from tests.test_table_stats_estimates import ARMS, PARAMS, SIDES, frame

T, F, N = True, False, None
EXTRA = {
    "cat": ([1, 2, 3, 1, 2, 4, 1, 2, 3, 1], [2, 2, 1, 1, 3, 2, 1, 1, 2, 2]),  # count, shown
    "same": ([T, F, T, F, F, F, T, F, F, F], [T, F, T, F, F, F, T, F, F, F]),  # concordant
    "few": ([1, 2, 3, N, N, N, N, N, N, N], [0, 0, 0, N, N, N, N, N, N, N]),
    "dose": ([24, 24, 30, 35, 35, 24, 30, 35, 35, 24], [30, 30, 30, 30, 30, 30, 30, 30, 20, 30]),
    "fx": ([1, 1, 3, 5, 5, 1, 3, 5, 5, 1], [10, 10, 10, 10, 10, 10, 10, 10, 5, 10]),
    "margin": ([24, 24, 30, 35, 35, 24, 30, 35, 35, 24], [N] * 10),
    "tox_nausea": ([T, F, F, T, F, F, F, F, F, F], [F, F, F, F, T, F, F, F, F, F]),
}
ROWS = [
    {"variable": "x", "label": "x", "kind": "continuous", "test": "paired_t"},
    {"variable": "x", "key": "x_med", "label": "x median", "kind": "continuous",
     "summary": "median_iqr", "test": "wilcoxon", "digits": 2},
    {"variable": "few", "label": "few", "kind": "continuous", "summary": "median_iqr",
     "test": "wilcoxon"},
    {"variable": "interval", "label": "interval", "kind": "continuous", "among": "flag",
     "test": "welch_t"},
    {"variable": "margin", "label": "margin", "kind": "continuous", "arms": ["SRS"]},
    {"variable": "pain", "label": "pain", "kind": "categorical", "test": "bowker",
     "untested": ["not_evaluable"], "show": ["complete", "partial", "stable", "progression"],
     "estimate_levels": ["complete", "partial"]},
    {"variable": "grp", "label": "grp", "kind": "categorical", "test": "mcnemar",
     "test_level": "hi"},
    {"variable": "cat", "label": "cat", "kind": "categorical", "test": "wilcoxon",
     "test_variable": "count"},
    {"variable": "flag", "label": "flag", "kind": "binary", "test": "mcnemar"},
    {"variable": "same", "label": "same", "kind": "binary", "test": "mcnemar"},
    {"variable": "tox_{level}", "vocabulary": "toxicity_type", "kind": "flags"},
    {"variable": "grp", "key": "grp_counts", "label": "grp counts", "kind": "counts"},
    {"variable": "grp", "key": "grp_ratio", "label": "grp ratio", "kind": "ratio",
     "levels": ["hi", "lo"]},
    {"variable": "post", "before": "pre", "label": "pre vs post", "kind": "within_arm",
     "test": "paired_t"},
    {"variable": "dose", "key": "schedule", "fractions": "fx", "label": "schedule",
     "kind": "schedule"},
]  # fmt: skip
FAMILY = {"method": "holm", "family": ["x", "flag", "pain"]}


def pair_frame() -> pd.DataFrame:
    pf = frame()
    for col, (idx, cmp) in EXTRA.items():
        pf[f"{col}_idx"] = pd.Series(idx, dtype=object)
        pf[f"{col}_cmp"] = pd.Series(cmp, dtype=object)
    for col in ("few", "dose", "margin"):
        for s in ("idx", "cmp"):
            pf[f"{col}_{s}"] = pf[f"{col}_{s}"].astype(float)
    return pf


def analysed(decl=None, multiplicity=FAMILY) -> pd.DataFrame:
    parts = table_stats("t", decl or {"rows": ROWS}, pair_frame(), ARMS, PARAMS)
    adjust_family(parts, multiplicity)
    return to_frame(parts)


@pytest.fixture(scope="module")
def ard() -> pd.DataFrame:
    return analysed()


@pytest.fixture(scope="module")
def table(ard):
    return render_tables(ard, {"t": {"title": "t", "rows": ROWS}}, ARMS, {"primary": ["x"]})["t"]


def line(table, variable, level=""):
    rows = table.rows
    start = rows.index[rows["Variable"] == variable][0]
    if not level:
        return rows.loc[start]
    after = rows.loc[start:]
    return after[after["Level"] == level].iloc[0]


def notes_of(table, r) -> str:
    return " ".join(table.notes[m] for m in table.row_marks()[r.name])


def side(col):
    pf = pair_frame()
    x, y = pf[f"{col}_idx"], pf[f"{col}_cmp"]
    return x, y


def complete(col):
    x, y = side(col)
    ok = x.notna() & y.notna()
    return x[ok].astype(float).to_numpy(), y[ok].astype(float).to_numpy()


def expected_lines():
    """(Variable, Level) -> (test name, p, estimate) recomputed from the pair frame with the
    test of the contrast the line shows."""
    pain_i, pain_c = (pd.Series(s) for s in SIDES["pain"])
    ok = (pain_i != "not_evaluable") & (pain_c != "not_evaluable")
    levels = ["complete", "partial", "stable", "progression"]
    resp = [s[ok].isin(["complete", "partial"]).to_numpy() for s in (pain_i, pain_c)]
    grp = [np.asarray(s) == "hi" for s in SIDES["grp"]]
    flag = [np.asarray(s, bool) for s in SIDES["flag"]]
    x = complete("x")
    iv = [pd.Series(v, dtype=float)[pd.Series(f, dtype=bool)].dropna() for v, f in
          zip(SIDES["interval"], SIDES["flag"])]  # fmt: skip
    rd = stats.paired_risk_difference
    return {
        ("x", ""): ("paired t", stats.paired_t(*x).pvalue, stats.paired_mean_difference(*x), 1),
        ("x median", ""): (
            "Wilcoxon signed-rank",
            stats.wilcoxon_signed_rank(*x).pvalue,
            stats.hodges_lehmann(*x),
            2,
        ),
        ("few", ""): (
            "Wilcoxon signed-rank",
            stats.wilcoxon_signed_rank(*complete("few")).pvalue,
            "2.0",
            1,
        ),  # its interval reaches 75% only: the point estimate
        ("interval", ""): ("Welch t", stats.welch_t(*iv).pvalue, welch_mean_difference(*iv), 1),
        ("pain", ""): (
            "Bowker",
            stats.bowker(pain_i[ok], pain_c[ok], categories=levels).pvalue,
            None,
            2,
        ),
        ("", "complete or partial"): ("McNemar", stats.mcnemar(*resp).pvalue, rd(*resp), 2),
        ("", "hi"): ("McNemar", stats.mcnemar(*grp).pvalue, rd(*grp), 2),
        ("cat", ""): (
            "Wilcoxon signed-rank",
            stats.wilcoxon_signed_rank(*complete("count")).pvalue,
            None,
            2,
        ),
        ("flag", ""): ("McNemar", stats.mcnemar(*flag).pvalue, rd(*flag), 2),
    }


def test_every_printed_p_is_the_test_of_the_estimate_beside_it(table):
    expected = expected_lines()
    checked = set()
    for _, r in table.rows.iterrows():
        if r["p"] in ("", "not computed"):
            continue
        key = (r["Variable"], r["Level"]) if r["Variable"] else ("", r["Level"])
        test, p, est, digits = expected[key]
        assert (r["Test"], r["p"]) == (test, fmt_p(p)), key
        if isinstance(est, str) or est is None:
            assert r["Estimate"] == (est or ""), key  # None: a test with no estimate
        else:
            assert r["Estimate"] == fmt_estimate(est.estimate, est.lower, est.upper, digits), key
        checked.add(key)
    assert checked == set(expected)
    # the Hodges-Lehmann line: the estimate of the signed-rank test's contrast
    hl = line(table, "x median")
    # wilcox.test(x_i, x_c, paired = TRUE, conf.int = TRUE): 0.5 (0.075, 0.8), p 0.02734375
    assert (hl["Estimate"], hl["p"]) == ("0.50 (0.07, 0.80)", "0.027")
    # rows without a test print no p: counts, ratio, flags, schedule, arm-only rows
    for label in ("grp counts", "grp ratio", "Nausea", "schedule", "margin"):
        at = table.rows.index[(table.rows["Variable"] == label) | (table.rows["Level"] == label)]
        assert (table.rows.loc[at, ["p", "Test", "Estimate"]] == "").all(axis=None), label


def test_a_bowker_row_and_its_collapse_each_print_their_own_test(table, ard):
    head, both = line(table, "pain"), line(table, "pain", "complete or partial")
    # Bowker on pairs 1-9: the header line, no estimate (a 4-category comparison has none)
    assert (head["Test"], head["Estimate"]) == ("Bowker", "")
    # binom.test(3, 3)$p.value = 0.25; newcombe(resp_i, resp_c): 0.333 (-0.049, 0.594)
    assert (both["Test"], both["p"], both["Estimate"]) == ("McNemar", "0.250", "0.33 (-0.05, 0.59)")
    assert one(ard, "t", "pain", "estimate", level="complete+partial")["p"] == pytest.approx(0.25)
    assert head["p"] != both["p"]


def test_the_within_arm_cells_are_each_arms_paired_t(table):
    r = line(table, "pre vs post")
    for arm, col in zip(ARMS, (0, 1)):
        p = stats.paired_t(SIDES["pre"][col], SIDES["post"][col]).pvalue
        assert r[arm] == (f"p{fmt_p(p)}" if p < 0.001 else f"p = {fmt_p(p)}")
    assert r["Test"] == "paired t"


def test_no_interval_of_another_level_under_the_95_percent_column(table, ard):
    assert table.headers()[table.rows.columns.get_loc("Estimate")] == "Estimate (95% CI)"
    # wilcox.test(c(1, 2, 3), c(0, 0, 0), paired = TRUE, conf.int = TRUE):
    #   estimate 2, conf.int 1 3, attr(conf.int, "conf.level") 0.75 (requested 0.95)
    est = one(ard, "t", "few", "estimate")
    assert (est["value"], est["lower"], est["upper"], est["conf_level"]) == (2, 1, 3, 0.75)
    few = line(table, "few")
    assert few["Estimate"] == "2.0"  # the point estimate only
    assert "its 75% interval (1.0, 3.0) is not a 95% CI" in notes_of(table, few)
    # every interval printed in the column is one of 95%
    printed = table.rows["Estimate"].str.contains(r"\(", regex=True)
    assert printed.sum() >= 4
    intervals = ard[(ard["statistic"] == "estimate") & ard["lower"].notna()]
    cells = {fmt_estimate(r.value, r.lower, r.upper, d): r.conf_level
             for r in intervals.itertuples() for d in (1, 2)}  # fmt: skip
    for cell in table.rows.loc[printed, "Estimate"]:
        assert cells[cell] == 0.95, cell
    # every interval in the ARD carries its level
    ci = ard[ard["lower"].notna() & (ard["statistic"] != "q1")]
    assert ci["conf_level"].notna().all()


def test_a_row_shown_as_categories_but_tested_on_a_count_has_no_estimate(table, ard):
    assert not len(select(ard, "t", "cat", statistic="estimate"))
    r = line(table, "cat")
    assert r["Estimate"] == "" and "tested on count, not on the categories shown" in notes_of(
        table, r
    )


def test_a_p_r_gives_as_na_prints_not_computed(table, ard):
    # R: mcnemar.test(matrix(c(3, 0, 0, 7), 2))$p.value = NaN (no discordant pairs)
    assert np.isnan(one(ard, "t", "same", "p")["value"])
    r = line(table, "same")
    assert (r["p"], r["Test"]) == ("not computed", "McNemar")
    assert "same: McNemar test not computed (no discordant pairs)." in notes_of(table, r)
    assert not (table.rows["p"] == "1.000").any()
    text = summary_markdown(
        analysed(), {"t": {"rows": [{**ROWS[9], "finding": True}]}}, ARMS, {"endpoints": {}}
    )
    assert "McNemar p not computed (no discordant pairs)" in text


def test_dose_schedules_are_categories(table):
    assert [
        tuple(line(table, "schedule", lv)[list(ARMS)]) for lv in
        ("24 Gy / 1 fx", "30 Gy / 3 fx", "35 Gy / 5 fx", "20 Gy / 5 fx", "30 Gy / 10 fx")
    ] == [("4 (40.0%)", "0 (0.0%)"), ("2 (20.0%)", "0 (0.0%)"), ("4 (40.0%)", "0 (0.0%)"),
          ("0 (0.0%)", "1 (10.0%)"), ("0 (0.0%)", "9 (90.0%)")]  # fmt: skip
    levels = list(table.rows["Level"][table.rows.index > line(table, "schedule").name][:5])
    assert levels == ["20 Gy / 5 fx", "24 Gy / 1 fx", "30 Gy / 3 fx", "30 Gy / 10 fx",
                      "35 Gy / 5 fx"]  # fmt: skip  # by dose, then fractions


def test_a_row_defined_in_one_arm_only(table, ard):
    r = line(table, "margin")
    assert (r["SRS"], r["RT"]) == ("29.6 ± 5.2", "n/a")
    assert "defined for SRS only" in notes_of(table, r)
    assert set(select(ard, "t", "margin", statistic="mean")["arm"]) == {"SRS"}
    with pytest.raises(ValueError, match="defined in arms"):
        analysed({"rows": [{**ROWS[4], "test": "paired_t"}]}, None)


def test_median_iqr_rows(table, ard):
    # quantile(x_i, c(.5, .25, .75)) = 5.700 5.025 6.250; x_c: 5.125 4.900 5.950
    got = [one(ard, "t", "x_med", s, arm="SRS")["value"] for s in ("median", "q1", "q3")]
    np.testing.assert_allclose(got, [5.7, 5.025, 6.25], rtol=1e-12)
    assert line(table, "x median")[list(ARMS)].tolist() == ["5.70 (5.03–6.25)", "5.12 (4.90–5.95)"]
    assert any("Median (IQR)" in n for n in table.footnotes)
    with pytest.raises(ValueError, match="tested by wilcoxon"):
        analysed({"rows": [{**ROWS[1], "test": "paired_t"}]}, None)


def test_multiplicity_adjusted_p_beside_the_raw_p(table, ard):
    # p.adjust(c(0.02069187910, 0.375, 0.25), "holm") = 0.0620756373 0.5 0.5
    # (x: paired t; flag: McNemar; pain: the McNemar of its collapse, its estimate's test)
    adjusted = [
        one(ard, "t", "x", "p_adjusted")["value"],
        one(ard, "t", "flag", "p_adjusted")["value"],
        one(ard, "t", "pain", "p_adjusted", level="complete+partial")["value"],
    ]
    np.testing.assert_allclose(adjusted, [0.0620756373, 0.5, 0.5], rtol=1e-9)
    assert line(table, "x")["Adjusted p"] == "0.062"
    assert line(table, "pain", "complete or partial")["Adjusted p"] == "0.500"
    assert line(table, "pain")["Adjusted p"] == ""  # the Bowker test is not in the family
    assert "Holm-adjusted over the 3 p-values" in notes_of(table, line(table, "x"))
    # p.adjust(c(0.02069187910, 0.375, 0.25), "BH") = 0.0620756373 0.375 0.375
    bh = analysed(multiplicity={**FAMILY, "method": "BH"})
    assert one(bh, "t", "flag", "p_adjusted")["value"] == pytest.approx(0.375, rel=1e-9)


def test_primary_endpoint_marked(table):
    assert "Primary endpoint (analysis.primary)." in notes_of(table, line(table, "x"))
    assert "Primary endpoint" not in notes_of(table, line(table, "flag"))


def test_a_table_without_tests_compares_by_smd_only():
    decl = {"title": "t", "rows": ROWS, "smd": True, "tests": False}
    ard = analysed(decl, None)
    assert not ard["statistic"].isin(["p", "estimate", "pairs_excluded"]).any()
    assert (ard["statistic"] == "smd").any()
    t = render_tables(ard, {"t": decl}, ARMS)["t"]
    assert "p" not in t.rows.columns and "SMD" in t.rows.columns
    assert any("tables.t.tests: false" in n for n in t.footnotes)
