"""reproduction: each published number against the ARD with its declared tolerance."""

from __future__ import annotations

import pytest

from spinepair.analysis.reproduce import ReferenceError, reproduction, reproduction_markdown
from tests.test_tables import analysed

TOLERANCE = {"count": 0, "percent": 0.05, "mean": 0.1, "sd": 0.1, "p": 0.1, "median": 2.0,
             "rate": 10.0}  # fmt: skip


def reference(**sections) -> dict:
    return {"title": "a paper", "arms": {"a": "SRS", "b": "RT"}, "alpha": 0.05,
            "tolerance": TOLERANCE, **sections}  # fmt: skip


@pytest.fixture(scope="module")
def ard():
    return analysed().ard


def result(ard, table="table2", **entry) -> dict:
    lines = reproduction(ard, reference(**{table: {"x": entry}}))
    return {(r.arm, r.level, r.statistic): (r.ours, r.result, r.note) for r in lines.itertuples()}


def test_counts_are_exact_and_a_printed_percentage_is_checked(ard):
    # toxicity: SRS 2/6, RT 4/6 (test_tables)
    got = result(ard, row="tox_any", compare="count", a=2, b=5, pct={"b": 80.0}, note="misprint")
    assert got[("SRS", "", "n")] == (2, "PASS", "")
    assert got[("RT", "", "n")] == (4, "DIFFERS", "misprint")
    assert got[("RT", "", "pct")] == (66.7, "DIFFERS", "misprint")


def test_p_needs_the_tolerance_and_the_same_decision(ard):
    # McNemar on toxicity: p = 0.6875 (test_tables)
    assert result(ard, row="tox_any", compare="count", p=0.62)[("all", "", "p")][1] == "PASS"
    assert result(ard, row="tox_any", compare="count", p=0.5)[("all", "", "p")][1] == "DIFFERS"


def test_levels_by_value_or_label_and_means_relative(ard):
    got = result(ard, "table1", row="n_mets_cat", compare="levels", b={"1": 2, ">=4": 1})
    assert got[("RT", "1", "n")][1] == got[("RT", "4", "n")][1] == "PASS"
    mean = result(ard, "table1", row="age_years", compare="mean_sd", a=[58.67 * 1.09, 8.0])
    assert mean[("SRS", "", "mean")][1] == "PASS" and mean[("SRS", "", "sd")][1] == "DIFFERS"


def test_survival_medians_and_rates(ard):
    lines = reproduction(
        ard,
        reference(
            survival={
                "os": {"row": "os", "compare": "median", "b": 13, "p": 0.9,
                       "p_statistic": "logrank_p"},
                "lc": {"row": "lc", "compare": "rate", "months": [6], "a": [95]},
            }
        ),
    )  # fmt: skip
    got = {(r.item, r.statistic): (round(r.ours, 3), r.result) for r in lines.itertuples()}
    assert got[("os", "median")] == (10.0, "DIFFERS")  # R: 10; 3 months off
    # local control on the config's analysis set, pairs 1, 4, 5; R:
    # summary(survfit(Surv(c(8, 12, 3), c(1, 1, 0)) ~ 1), times = 6)$surv = 1
    assert got[("lc", "survival")] == (100.0, "PASS")
    text = reproduction_markdown(lines, reference())
    assert "3 published numbers compared: 1 PASS, 2 DIFFERS" in text
    assert text.count("**DIFFERS**") == 2  # the median and the log-rank p (0.655 vs 0.9)


def test_an_entry_the_results_cannot_answer_stops(ard):
    with pytest.raises(ReferenceError, match="child_pughh"):
        result(ard, row="child_pughh", compare="count", a=1)
    with pytest.raises(ReferenceError, match="level 'D'"):
        result(ard, "table1", row="child_pugh", compare="levels", a={"D": 1})
