"""Tests for spinepair.matching.balance against R reference values (the Love plot: test_loveplot)."""

from __future__ import annotations

import doctest
import io

import numpy as np
import pandas as pd
import pytest

from spinepair.matching import balance
from spinepair.matching.balance import balance_before_after, balance_table, diagnostic

# R: d <- read.csv("bal.csv")  (this table)
BAL = """arm,age,cp,ecog
SRS,61,A,0
SRS,55,A,1
SRS,70,B,1
SRS,48,A,0
SRS,66,C,2
RT,63,A,1
RT,52,B,1
RT,75,B,2
RT,60,A,0
RT,64,C,1
RT,45,A,2
RT,57,B,0
"""


@pytest.fixture
def bal():
    return pd.read_csv(io.StringIO(BAL))


def row(table, variable, level=""):
    return table[(table["variable"] == variable) & (table["level"] == level)].iloc[0]


def test_docstring_example_runs():
    assert doctest.testmod(balance).failed == 0


def test_numeric_smd_and_variance_ratio_match_r(bal):
    t = balance_table(bal, "arm", ["age", "ecog"])
    age = row(t, "age")
    # R: x1 <- d$age[d$arm=="SRS"]; x0 <- d$age[d$arm=="RT"]
    #    (mean(x1)-mean(x0))/sqrt((var(x1)+var(x0))/2)   -> 0.0624498336173577
    assert age["smd"] == pytest.approx(0.0624498336173577, rel=1e-12)
    # R: var(x1)/var(x0)   -> 0.841099476439791
    assert age["var_ratio"] == pytest.approx(0.841099476439791, rel=1e-12)
    # R: c(sd(x1), sd(x0))   -> 8.74642784226795 9.53689577128643
    assert age["sd_treated"] == pytest.approx(8.74642784226795, rel=1e-12)
    assert age["sd_control"] == pytest.approx(9.53689577128643, rel=1e-12)
    # R: c(mean(x1), mean(x0))   -> 60 59.4285714285714
    assert age["mean_treated"] == pytest.approx(60.0, rel=1e-12)
    assert age["mean_control"] == pytest.approx(59.4285714285714, rel=1e-12)
    assert (age["n_treated"], age["n_control"]) == (5, 7)
    ecog = row(t, "ecog")
    # R: e1 <- d$ecog[d$arm=="SRS"]; e0 <- d$ecog[d$arm=="RT"]
    #    (mean(e1)-mean(e0))/sqrt((var(e1)+var(e0))/2)   -> -0.241943351563653
    #    var(e1)/var(e0)   -> 1.05
    assert ecog["smd"] == pytest.approx(-0.241943351563653, rel=1e-12)
    assert ecog["var_ratio"] == pytest.approx(1.05, rel=1e-12)


def test_categorical_smd_uses_p_one_minus_p(bal):
    t = balance_table(bal, "arm", ["cp"])
    assert list(t["level"]) == ["A", "B", "C"]
    assert t["var_ratio"].isna().all()
    # R: p1 <- mean(d$cp[d$arm=="SRS"]==l); p0 <- mean(d$cp[d$arm=="RT"]==l)
    #    (p1-p0)/sqrt((p1*(1-p1)+p0*(1-p0))/2)   for l in A, B, C
    r_values = {"A": 0.348155311911396, "B": -0.508000508000762, "C": 0.152057184253941}
    for level, value in r_values.items():
        assert row(t, "cp", level)["smd"] == pytest.approx(value, rel=1e-12)
    assert row(t, "cp", "B")["mean_treated"] == pytest.approx(1 / 5)
    assert row(t, "cp", "B")["sd_control"] == pytest.approx(np.sqrt(3 / 7 * 4 / 7))


def test_missing_values_are_left_out_and_edge_cases():
    d = pd.DataFrame(
        {
            "arm": ["SRS", "SRS", "SRS", "RT", "RT"],
            "x": [1.0, 1.0, np.nan, 1.0, 1.0],
            "y": [2.0, 2.0, 2.0, 1, 1],
            "z": [np.nan, np.nan, 3.0, 1, 2],
        }
    )
    t = balance_table(d, "arm", ["x", "y", "z"])
    assert row(t, "x")["n_treated"] == 2
    assert row(t, "x")["smd"] == 0.0  # constant and equal in both arms
    assert row(t, "y")["smd"] == np.inf  # constant but different: perfectly separated
    assert np.isnan(row(t, "z")["smd"])  # one treated value: no SD
    assert diagnostic(t, ["z"]) == (
        False,
        ["z: SMD not computable (too few patients with a value in one arm)"],
    )
    with pytest.raises(ValueError, match=r"no column\(s\) \['w'\]"):
        balance_table(d, "arm", ["w"])


def before_after():
    index = pd.DataFrame(
        {
            "patient_key": ["s1", "s2", "s3"],
            "age": [50.0, 60.0, 70.0],
            "sex": ["M", "F", "M"],
            "cp": ["A", "B", "A"],
        }
    )
    comp = pd.DataFrame(
        {
            "patient_key": ["r1", "r2", "r3", "r4"],
            "age": [51.0, 61.0, 80.0, 90.0],
            "sex": ["M", "F", "F", "F"],
            "cp": ["A", "B", "B", "C"],
        }
    )
    pairs = pd.DataFrame({"index_key": ["s1", "s2"], "comparator_key": ["r1", "r2"]})
    return balance_before_after(index, comp, pairs, ["age", "sex", "cp"])


def test_before_after_and_diagnostic():
    ba = before_after()
    age = row(ba, "age")
    # R: (mean(c(50,60,70))-mean(c(51,61,80,90)))/sqrt((var(c(50,60,70))+var(c(51,61,80,90)))/2)
    #    -> -0.7300944272375457
    assert age["smd_before"] == pytest.approx(-0.7300944272375457, rel=1e-12)
    # R: (55-56)/sqrt((var(c(50,60))+var(c(51,61)))/2)   -> -0.1414213562373095
    assert age["smd_after"] == pytest.approx(-0.1414213562373095, rel=1e-12)
    assert (age["n_treated_after"], age["n_control_after"]) == (2, 2)
    assert row(ba, "sex", "M")["smd_after"] == 0.0
    # level C occurs only in an unmatched comparator: 0% vs 0% after matching
    cp_c = row(ba, "cp", "C")
    assert (cp_c["mean_treated_after"], cp_c["mean_control_after"], cp_c["smd_after"]) == (0, 0, 0)
    # R: p1 <- 0; p0 <- 1/4; (p1-p0)/sqrt((p1*(1-p1)+p0*(1-p0))/2)   -> -0.8164965809277261
    assert cp_c["smd_before"] == pytest.approx(-0.8164965809277261, rel=1e-12)
    passed, messages = diagnostic(ba, ["age", "sex"], threshold=0.1)
    assert not passed
    assert messages == ["age: |SMD| after matching 0.141 > 0.1"]
    assert diagnostic(ba, ["age", "sex"], threshold=0.15) == (True, [])
    passed, messages = diagnostic(
        balance_table(pd.DataFrame({"arm": ["SRS", "RT"], "sex": ["M", "F"]}), "arm", ["sex"]),
        ["sex"],
    )
    assert not passed and messages[0] == "sex=F: |SMD| inf > 0.1"
    with pytest.raises(ValueError, match="no balance rows for"):
        diagnostic(ba, ["ecog"])
