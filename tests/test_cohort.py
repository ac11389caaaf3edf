"""Eligibility steps: order, reasons, per-arm rules, missing values, attrition counts."""

import pandas as pd
import pytest

from spinepair.cohort.eligibility import select
from spinepair.errors import ConfigError

STEPS = [
    {"name": "window", "column": "treatment_year", "between": [2005, 2012]},
    {"name": "primary", "column": "primary_tumor", "in": ["HCC"]},
    {
        "name": "primary treatment",
        "column": "prior_index_treatment",
        "in_by_arm": {"SRS": ["none"], "RT": ["none", "rt"]},
    },
]


def derived(rows):
    cols = ["patient_key", "arm", "treatment_year", "primary_tumor", "prior_index_treatment"]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(1, "site", "X")
    return df


def test_each_patient_excluded_at_first_failing_step_with_reason():
    df = derived(
        [
            ("p1", "SRS", 2004, "lung", "surgery"),  # fails all: first step wins
            ("p2", "SRS", 2010, "lung", "none"),
            ("p3", "SRS", 2010, "HCC", "rt"),  # SRS: any prior treatment excludes
            ("p4", "RT", 2010, "HCC", "rt"),  # RT: only prior surgery excludes
            ("p5", "RT", 2010, "HCC", "surgery"),
            ("p6", "SRS", 2012, "HCC", "none"),
        ]
    )
    cohort, attrition = select(df, STEPS)
    by = cohort.set_index("patient_key")
    assert list(by["excluded_at"].fillna("-")) == [
        "window",
        "primary",
        "primary treatment",
        "-",
        "primary treatment",
        "-",
    ]
    assert by.loc["p1", "exclusion_reason"] == "treatment_year 2004 outside 2005-2012"
    assert by.loc["p2", "exclusion_reason"] == "primary_tumor lung not in ['HCC']"
    assert (
        by.loc["p5", "exclusion_reason"] == "prior_index_treatment surgery not allowed for arm RT"
    )
    assert list(by["eligible"]) == [False, False, False, True, False, True]
    srs = attrition[attrition["arm"] == "SRS"].set_index("step_no")
    assert list(srs["n_before"]) == [4, 4, 3, 2]
    assert list(srs["n_after"]) == [4, 3, 2, 1]
    rt = attrition[attrition["arm"] == "RT"].set_index("step_no")
    assert list(rt["n_after"]) == [2, 2, 2, 1]


def test_missing_value_fails_the_step_with_its_own_reason():
    df = derived([("p1", "SRS", None, "HCC", "none")])
    cohort, _ = select(df, STEPS)
    assert cohort.loc[0, "exclusion_reason"] == "treatment_year missing"
    assert not cohort.loc[0, "eligible"]


def test_nobody_disappears():
    df = derived([(f"p{i}", "SRS" if i % 2 else "RT", 2000 + i, "HCC", "none") for i in range(20)])
    cohort, attrition = select(df, STEPS)
    assert len(cohort) == len(df)
    assert cohort["eligible"].sum() + cohort["excluded_at"].notna().sum() == len(df)
    final = attrition[attrition["step_no"] == len(STEPS)]
    assert final["n_after"].sum() == cohort["eligible"].sum()


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"name": "x", "column": "nope", "in": [1]}, "unknown column 'nope'"),
        ({"name": "x", "column": "arm"}, "exactly one of"),
        ({"name": "x", "column": "arm", "in": ["SRS"], "between": [1, 2]}, "exactly one of"),
    ],
)
def test_malformed_steps_are_config_errors(bad, message):
    with pytest.raises(ConfigError, match=message):
        select(derived([("p1", "SRS", 2010, "HCC", "none")]), [bad])
