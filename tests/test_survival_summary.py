"""Survival statistics (ARD) and survival.csv on the 6 hand-built pairs of test_tables, vs
direct stats calls and R."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinepair import stats
from spinepair.analysis.ard import one, to_frame
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import (
    COLUMNS,
    km_groups,
    lookup,
    survival_stats,
    survival_table,
)
from tests.test_tables import ARMS, COLS, PARAMS, synthetic


def summary(derived, pairs) -> pd.DataFrame:
    ard = to_frame([survival_stats(pair_frame(derived, pairs), ARMS, ["os", "pfs", "lc"], PARAMS)])
    return survival_table(ard)


# R (survival 3.x), shared set-up for the numbers below:
#   pair <- c(1:6, 1:6); g <- rep(c("SRS", "RT"), each = 6)
#   os_t <- c(12, 5, 8.5, 20, 3, 15, 10, 7, 9, 14, 3, 6); os_e <- c(1,1,0,1,1,0, 1,0,1,1,0,1)
#   lc_t <- c(8, 5, 8.5, 12, 3, 15, 10, 4, 9, 11, 3, 6); lc_e <- c(1,0,0,1,0,0, 0,1,1,0,0,1)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return summary(*synthetic())


def arrays(endpoint):
    t = np.r_[COLS[f"{endpoint}_months"][0], COLS[f"{endpoint}_months"][1]].astype(float)
    e = np.r_[COLS[f"{endpoint}_event"][0], COLS[f"{endpoint}_event"][1]].astype(bool)
    return t, e, np.repeat(["SRS", "RT"], 6), np.r_[np.arange(1, 7), np.arange(1, 7)]


def test_layout(table):
    assert list(table.columns) == COLUMNS
    assert set(table["endpoint"]) == {"os", "pfs", "lc"}
    lc = table[(table["endpoint"] == "lc") & (table["quantity"] == "survival")]
    assert sorted(lc["time"].unique()) == [1, 2, 3, 6, 12] and set(lc["arm"]) == {"SRS", "RT"}
    assert not ((table["endpoint"] != "lc") & (table["quantity"] == "survival")).any()


def test_counts_and_tests_equal_direct_calls(table):
    for ep in ("os", "pfs", "lc"):
        t, e, g, s = arrays(ep)
        assert lookup(table, ep, "SRS", "n")["value"] == 6
        assert lookup(table, ep, "SRS", "events")["value"] == e[:6].sum()
        assert lookup(table, ep, "RT", "events")["value"] == e[6:].sum()
        lr = stats.stratified_logrank(t, e, g, s)
        assert lookup(table, ep, "all", "logrank_p")["value"] == lr.pvalue
        assert lookup(table, ep, "all", "logrank_chisq")["value"] == lr.statistic
        cox = stats.stratified_cox(t, e, g, s, reference="RT")
        row = lookup(table, ep, "all", "cox_hr")
        assert (row["value"], row["lower"], row["upper"]) == (cox.hr, cox.lower, cox.upper)
        km = stats.kaplan_meier(t[6:], e[6:], conf_type="log-log")
        row = lookup(table, ep, "RT", "median")
        np.testing.assert_equal(
            [row["value"], row["lower"], row["upper"]],
            [km.median, km.median_lower, km.median_upper],
        )


def test_against_r(table):
    # survdiff(Surv(os_t, os_e) ~ g + strata(pair))$chisq = 0.2
    assert lookup(table, "os", "all", "logrank_chisq")["value"] == pytest.approx(0.2, abs=1e-9)
    # summary(coxph(Surv(os_t, os_e) ~ relevel(factor(g), "RT") + strata(pair)))$conf.int
    #   HR 0.6666666667, 95% CI 0.1113965132-3.989751849; Pr(>|z|) 0.6569234597
    hr = lookup(table, "os", "all", "cox_hr")
    assert hr["value"] == pytest.approx(0.6666666667, rel=1e-6)
    assert hr["lower"] == pytest.approx(0.1113965132, rel=1e-6)
    assert hr["upper"] == pytest.approx(3.989751849, rel=1e-6)
    assert lookup(table, "os", "all", "cox_p")["value"] == pytest.approx(0.6569234597, rel=1e-6)
    # quantile(survfit(Surv(os_t[7:12], os_e[7:12]) ~ 1, conf.type = "log-log"), 0.5):
    #   median 10, lower 6, upper NA
    med = lookup(table, "os", "RT", "median")
    assert (med["value"], med["lower"]) == (10, 6) and np.isnan(med["upper"])
    # summary(survfit(Surv(lc_t[1:6], lc_e[1:6]) ~ 1, conf.type = "log-log"), times = 12):
    #   surv 0.375, lower 0.01097112157, upper 0.8080010725
    lc12 = lookup(table, "lc", "SRS", "survival", time=12)
    assert lc12["value"] == pytest.approx(0.375)
    assert lc12["lower"] == pytest.approx(0.01097112157, rel=1e-8)
    assert lc12["upper"] == pytest.approx(0.8080010725, rel=1e-8)


def test_incomplete_pairs_are_excluded_and_counted():
    derived, pairs = synthetic()
    derived.loc[derived["patient_key"] == "r2", "os_months"] = None
    table = summary(derived, pairs)
    assert lookup(table, "os", "all", "pairs_excluded")["value"] == 1
    assert lookup(table, "os", "all", "pairs")["value"] == 5
    assert lookup(table, "os", "SRS", "n")["value"] == 5
    assert lookup(table, "pfs", "all", "pairs_excluded")["value"] == 0


def test_km_groups():
    groups = km_groups(pair_frame(*synthetic()), "os", ARMS)
    t, e, _, _ = arrays("os")
    assert list(groups) == ["SRS", "RT"]
    np.testing.assert_array_equal(groups["RT"][0], t[6:])
    np.testing.assert_array_equal(groups["SRS"][1], e[:6])


def test_ard_rows_carry_the_tests_p():
    ard = to_frame([survival_stats(pair_frame(*synthetic()), ARMS, ["os"], PARAMS)])
    t, e, g, s = arrays("os")
    row = one(ard, "survival", "os", "cox_hr", arm="all")
    assert row["p"] == stats.stratified_cox(t, e, g, s, reference="RT").pvalue
    assert one(ard, "survival", "os", "logrank_p", arm="all")["p"] == (
        stats.stratified_logrank(t, e, g, s).pvalue
    )
    assert set(ard["row"]) == {"os"}
