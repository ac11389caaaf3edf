"""reproduction: each published number against the ARD with its declared tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinepair.analysis.counterparts import counterpart
from spinepair.analysis.reproduce import (
    ReferenceError,
    reproduction,
    reproduction_markdown,
    variants_named,
)
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


def _pf() -> pd.DataFrame:
    """8 pairs; the R vectors of test_counterparts_agree_with_r (x/y index/comparator)."""
    return pd.DataFrame(
        {
            "v_idx": [3.1, 4.5, 2.2, 5.0, 3.3, 4.1, 2.9, 3.8],
            "v_cmp": [2.0, 3.9, 2.2, 4.4, 1.5, 3.0, 3.3, 2.8],
            "k_idx": [1, 2, 2, 3, 4, 1, 2, 3],
            "k_cmp": [2, 2, 3, 3, 4, 4, 1, 4],
            "c_idx": list("abacabba"),
            "c_cmp": list("bbcccacc"),
            "b_idx": [True, True, True, False, True, True, False, True],
            "b_cmp": [False, False, True, False, False, False, False, True],
            "s_months_idx": [1, 4, 6, 8, 10, 12, 3, 7],
            "s_event_idx": [1, 1, 0, 1, 1, 0, 1, 1],
            "s_months_cmp": [2, 5, 9, 11, 14, 15, 13, 6],
            "s_event_cmp": [0, 1, 1, 0, 1, 1, 0, 1],
        }
    )


@pytest.mark.parametrize(
    ("name", "variable", "r_p"),
    [
        # x, y = v_idx, v_cmp; ki, kc = k_idx, k_cmp; arm = rep(c("S", "R"), each = 8)
        ("student_t", "v", 0.14774500723455392),  # R: t.test(x, y, var.equal = TRUE)$p.value
        ("welch_t", "v", 0.14784351836165421),  # R: t.test(x, y)$p.value
        # R: wilcox.test(ki, kc, exact = FALSE, correct = TRUE)$p.value
        ("rank_sum", "k", 0.27750969448665108),
        # R: chisq.test(table(arm, c(ci, cc)))$p.value (3 categories, no correction)
        ("chisq", "c", 0.096971967864405054),
        # R: chisq.test(table(arm, c(bi, bc)))$p.value (2 x 2, Yates)
        ("chisq", "b", 0.13361440253771517),
        ("fisher", "b", 0.13193473193473204),  # R: fisher.test(table(arm, c(bi, bc)))$p.value
        # R: 1 - pchisq(survdiff(Surv(c(ti, tc), c(ei, ec)) ~ arm)$chisq, 1)
        ("logrank", "s", 0.12825352909910193),
    ],
)
def test_counterparts_agree_with_r(name, variable, r_p):
    assert counterpart(_pf(), name, variable).p == pytest.approx(r_p, rel=1e-6)


def test_a_counterpart_that_cannot_be_computed_says_why():
    got = counterpart(_pf(), "fisher", "c")
    assert np.isnan(got.p) and got.method.startswith("not computed: Fisher needs a 2 x 2")
    with pytest.raises(ValueError, match="unknown counterpart"):
        counterpart(_pf(), "anova", "v")


def test_a_p_that_differs_gets_its_counterpart_beside_it(ard):
    pf = analysed().pairs
    ref = reference(
        counterparts={"mcnemar": "fisher"},
        table2={
            "near": {"row": "tox_any", "compare": "count", "p": 0.62, "test": "mcnemar"},
            "far": {"row": "tox_any", "compare": "count", "p": 0.2, "test": "mcnemar"},
        },
    )
    lines = reproduction(ard, ref, pf).set_index("item")
    assert lines.loc["near", "counterpart"] == ""  # PASS: nothing to explain
    far = lines.loc["far"]
    assert far["result"] == "DIFFERS"
    assert far["counterpart_p"] == counterpart(pf, "fisher", "tox_any").p
    assert far["counterpart"].startswith("Fisher exact")
    text = reproduction_markdown(lines.reset_index(), ref)
    assert "## Does the method explain a p that differs?" in text
    assert "agrees with the paper for " in text and "| far | 0.2 | 0.6875 |" in text


def test_an_entry_may_name_the_variant_it_is_compared_with(ard):
    variant = ard.assign(value=ard["value"] + 1, variant="paper_definition")
    entry = {"row": "tox_any", "compare": "count", "a": 3, "variant": "paper_definition"}
    ref = reference(table2={"x": entry})
    assert variants_named(ref) == ["paper_definition"]
    lines = reproduction(ard, ref, variants={"paper_definition": variant})
    assert lines["ours"].tolist() == [3.0] and lines["analysis"].tolist() == ["paper_definition"]
    assert "| x (variant paper\\_definition) | SRS |" in reproduction_markdown(lines, ref)
    with pytest.raises(ReferenceError, match="no results of variant 'paper_definition'"):
        reproduction(ard, ref)
