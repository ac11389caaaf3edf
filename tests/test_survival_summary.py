"""Survival statistics (ARD) and survival.csv on the 6 hand-built pairs of test_tables, vs
direct stats calls and R; the local-control analysis set and the flow rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinepair import stats
from spinepair.analysis.analysis_sets import mark_sets
from spinepair.analysis.ard import one, select, to_frame
from spinepair.analysis.endpoint_definitions import endpoint
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import (
    COLUMNS,
    km_groups,
    lookup,
    survival_stats,
    survival_table,
)
from tests.test_tables import ARMS, COLS, PARAMS, synthetic

# every pair analysed (the R numbers below use all 6); the config's sets are tested apart
ALL_PAIRS = {k: v for k, v in PARAMS.items() if k != "analysis_sets"}
LC_SET = {"lc": {"require": "followup_mri"}}
# the endpoints as the R set-up below defines them: no competing event, lc rates at 1-12 months
DECLARED = {"os": "OS", "pfs": "PFS", "lc": {"title": "LC", "horizons_months": [1, 2, 3, 6, 12]}}
OS = {"os": "OS"}


def summary(derived, pairs) -> pd.DataFrame:
    ard = to_frame(survival_stats(pair_frame(derived, pairs), ARMS, DECLARED, ALL_PAIRS))
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
    groups = km_groups(pair_frame(*synthetic()), endpoint("os", "OS"), ARMS, None)
    t, e, _, _ = arrays("os")
    assert list(groups) == ["SRS", "RT"]
    np.testing.assert_array_equal(groups["RT"][0], t[6:])
    np.testing.assert_array_equal(groups["SRS"][1], e[:6])


def test_ard_rows_carry_the_tests_p():
    ard = to_frame(survival_stats(pair_frame(*synthetic()), ARMS, OS, ALL_PAIRS))
    t, e, g, s = arrays("os")
    row = one(ard, "survival", "os", "cox_hr", arm="all")
    assert row["p"] == stats.stratified_cox(t, e, g, s, reference="RT").pvalue
    assert one(ard, "survival", "os", "logrank_p", arm="all")["p"] == (
        stats.stratified_logrank(t, e, g, s).pvalue
    )
    assert set(ard["row"]) == {"os"}


def test_estimate_and_cox_companions_against_r(table):
    # coxph(Surv(os_t, os_e) ~ g + strata(pair)), g <- relevel(factor(g), "RT"):
    #   HR 0.6666666667 (0.1113965132-3.989751849), Wald p 0.6569234597
    est = lookup(table, "os", "all", "estimate")
    np.testing.assert_allclose(
        est[["value", "lower", "upper"]].astype(float), [0.6666666667, 0.1113965132, 3.989751849],
        rtol=1e-6,
    )  # fmt: skip
    assert est["method"].startswith("hazard ratio SRS vs RT: Cox proportional hazards stratified")
    # summary(fit)$logtest["pvalue"] = 0.6536292360; $sctest["pvalue"] = 0.654720846
    assert lookup(table, "os", "all", "lr_p")["value"] == pytest.approx(0.6536292360, rel=1e-7)
    assert lookup(table, "os", "all", "score_p")["value"] == pytest.approx(0.654720846, rel=1e-7)
    # summary(coxph(Surv(os_t, os_e) ~ g + cluster(pair))): HR 0.5606836951,
    #   0.1296033743-2.425602015 (robust SE 0.7472984783), Pr(>|z|) 0.4387809803
    hr = lookup(table, "os", "all", "hr_cluster")
    np.testing.assert_allclose(
        hr[["value", "lower", "upper"]].astype(float), [0.5606836951, 0.1296033743, 2.425602015],
        rtol=1e-6,
    )  # fmt: skip
    # cox.zph(fit)$table["g", "p"] = 0.08716880882 (fit: stratified by pair)
    assert lookup(table, "os", "all", "zph_p")["value"] == pytest.approx(0.08716880882, rel=1e-6)


def test_rmst_against_r(table):
    # summary(survfit(Surv(os_t[g == a], os_e[g == a]) ~ 1), rmean = 12)$table:
    #   SRS rmean 9.333333333, se 1.557538419; RT rmean 9.4666666667, se 0.9657850386
    srs = lookup(table, "os", "SRS", "rmst", time=12)
    assert srs["value"] == pytest.approx(9.333333333, rel=1e-9)
    assert srs["upper"] - srs["value"] == pytest.approx(1.959963985 * 1.557538419, rel=1e-8)
    diff = lookup(table, "os", "all", "rmst_difference", time=12)
    se = np.hypot(1.557538419, 0.9657850386)
    assert diff["value"] == pytest.approx(9.333333333 - 9.4666666667, rel=1e-8)
    assert diff["lower"] == pytest.approx(diff["value"] - 1.959963985 * se, rel=1e-8)
    assert "pairing ignored" in diff["method"] and "SRS − RT" in diff["method"]


def test_ard_uses_timefix_by_default():
    derived, pairs = synthetic()
    # 0.1 + 0.2 is not 0.3 in floating point; R's timefix (and ours) ties them
    derived.loc[derived["patient_key"] == "s5", "os_months"] = 0.1 + 0.2
    derived.loc[derived["patient_key"] == "r5", "os_months"] = 0.3
    ard = to_frame(survival_stats(pair_frame(derived, pairs), ARMS, OS, ALL_PAIRS))
    t, e, g, s = arrays("os")
    t[4], t[10] = 0.1 + 0.2, 0.3
    fixed, unfixed = (stats.stratified_cox(t, e, g, s, "RT", timefix=f).hr for f in (True, False))
    assert fixed != unfixed
    assert one(ard, "survival", "os", "estimate")["value"] == fixed


def test_local_control_analysis_set():
    # followup_mri: SRS T T F T T T, RT T F T T T F -> pairs 1, 4, 5 in the set
    pf = mark_sets(pair_frame(*synthetic()), LC_SET)
    params = {**ALL_PAIRS, "analysis_sets": LC_SET}
    lc = {"title": "LC", "analysis_set": "lc", "horizons_months": [8]}
    ard = to_frame(survival_stats(pf, ARMS, {"os": "OS", "lc": lc}, params))
    out = one(ard, "survival", "lc", "pairs_outside_set")
    assert out["value"] == 3 and "followup_mri" in out["method"]
    assert one(ard, "survival", "lc", "pairs", arm="all")["value"] == 3
    assert one(ard, "survival", "os", "pairs", arm="all")["value"] == 6
    # summary(survfit(Surv(lc_t[k & g == "SRS"], lc_e[k & g == "SRS"]) ~ 1,
    #   conf.type = "log-log"), times = 8), k <- pair %in% c(1, 4, 5):
    #   surv 0.5, lower 0.00598309, upper 0.91041
    r = one(ard, "survival", "lc", "survival", arm="SRS", time=8.0)
    assert r["value"] == pytest.approx(0.5)
    assert r["lower"] == pytest.approx(0.00598309, rel=1e-5)
    # survdiff(Surv(lc_t[k], lc_e[k]) ~ g[k] + strata(pair[k]))$chisq = 1
    assert one(ard, "survival", "lc", "logrank_chisq")["value"] == pytest.approx(1.0)
    groups = km_groups(pf, endpoint("lc", lc), ARMS, LC_SET)
    np.testing.assert_array_equal(groups["SRS"][0], [8, 12, 3])  # the figure's pairs too
    flow = select(ard, "flow", "lc", statistic="n_analysed")
    assert set(flow["arm"]) == set(ARMS) and (flow["value"] == 3).all()
    assert "followup_mri" in flow["variable"].iloc[0]
    # every row of the block names the one set and its n; no arm is described on other pairs
    rows = select(ard, "survival", "lc")
    assert set(rows["analysis_set"]) == {"pairs with followup_mri true for both members"}
    assert (rows["n"] == 3).all()
    assert (one(ard, "survival", "lc", "n", arm="SRS")["value"], flow["value"].iloc[0]) == (3, 3)
    assert set(select(ard, "survival", "os")["analysis_set"]) == {"matched pairs"}
    assert (select(ard, "flow", "os", statistic="n_analysed")["value"] == 6).all()
