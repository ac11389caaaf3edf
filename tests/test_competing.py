"""Competing risks (table ``competing``) on the 6 hand-built pairs of test_tables, against R
(cmprsk 2.2-11, survival 3.x).

R set-up shared by the numbers below:
  library(cmprsk); library(survival)
  pair <- c(1:6, 1:6); g <- rep(c("SRS", "RT"), each = 6)
  lc_t <- c(8, 5, 8.5, 12, 3, 15, 10, 4, 9, 11, 3, 6); lc_e <- c(1,0,0,1,0,0, 0,1,1,0,0,1)
  os_t <- c(12, 5, 8.5, 20, 3, 15, 10, 7, 9, 14, 3, 6); os_e <- c(1,1,0,1,1,0, 1,0,1,1,0,1)
  # local failure, death competing, others censored at the last imaging
  st <- ifelse(lc_e == 1, 1, ifelse(os_e == 1, 2, 0))
  tt <- ifelse(lc_e == 1 | os_e == 0, lc_t, os_t)
  # further treatment (interval fi), death competing, others censored at follow-up (= os_t)
  ft <- c(1,0,0,1,0,0, 0,1,0,0,1,1); fi <- c(3, NA, NA, 6.5, NA, NA, NA, 4, NA, NA, 8, 2.5)
  st2 <- ifelse(ft == 1, 1, ifelse(os_e == 1, 2, 0)); tt2 <- ifelse(ft == 1, fi, os_t)
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from spinepair.analysis.analysis_sets import mark_sets
from spinepair.analysis.ard import one, to_frame
from spinepair.analysis.competing import competing_stats
from spinepair.analysis.endpoint_definitions import endpoint
from spinepair.analysis.endpoint_status import status_and_time
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import survival_stats
from tests.test_tables import ARMS, synthetic

MONTHS = [1, 2, 3, 6, 12]
# death at any time competing (the R set-up above)
LC = {"title": "LC", "competing": {"event": "os"}, "horizons_months": MONTHS}
FURTHER = {
    "title": "Further treatment",
    "time": "further_tx_interval_months",
    "event": "further_tx",
    "censor_time": "followup_months",
    "competing": {"event": "os"},
    "horizons_months": MONTHS,
}
LC_PAIRED = {
    **LC, "time": "lc_months", "event": "lc_event",
    "competing": {"event": "os", "gray_strata": True},
}  # fmt: skip
Z = float(sps.norm.ppf(0.975))


def run(decls: dict, sets=None):
    pf = mark_sets(pair_frame(*synthetic()), sets)
    params = {"alpha": 0.05, "analysis_sets": sets}
    return to_frame([competing_stats(pf, ARMS, decls, params)])


@pytest.fixture(scope="module")
def ard():
    return run({"lc": LC, "further_tx": FURTHER, "lc_paired": LC_PAIRED})


def loglog(est: float, var: float) -> tuple[float, float]:
    """The log(-log) CI of a cumulative incidence from R's estimate and variance."""
    w = np.exp(Z * np.sqrt(var) / (est * np.log(est)))
    return est ** (1 / w), est**w


def test_status_and_time_per_patient():
    pf = pair_frame(*synthetic())
    status, time = status_and_time(pf, "idx", endpoint("lc", LC))
    # rbind(st, tt)[, 1:6]: 1 8 | 2 5 | 0 8.5 | 1 12 | 2 3 | 0 15
    assert status.tolist() == [1, 2, 0, 1, 2, 0]
    assert time.tolist() == [8, 5, 8.5, 12, 3, 15]
    status, time = status_and_time(pf, "cmp", endpoint("further_tx", FURTHER))
    # rbind(st2, tt2)[, 7:12]: 2 10 | 1 4 | 2 9 | 2 14 | 1 8 | 1 2.5
    assert status.tolist() == [2, 1, 2, 2, 1, 1]
    assert time.tolist() == [10, 4, 9, 14, 8, 2.5]


def test_cumulative_incidence_against_cmprsk(ard):
    # timepoints(cuminc(tt, st, g), c(1, 2, 3, 6, 12)): "SRS 1" est 0 0 0 0 0.4166666667,
    #   var at 12 0.08723958333; "RT 1" est 0 0 0 0.4 0.6, var 0 0 0 0.0625 0.06777777778
    srs = [one(ard, "competing", "lc", "cif", arm="SRS", time=m) for m in (1, 2, 3, 6, 12)]
    np.testing.assert_allclose([r["value"] for r in srs], [0, 0, 0, 0, 0.4166666667], atol=1e-9)
    rt12 = one(ard, "competing", "lc", "cif", arm="RT", time=12)
    assert rt12["value"] == pytest.approx(0.6)
    np.testing.assert_allclose([rt12["lower"], rt12["upper"]], loglog(0.6, 0.06777777778))
    np.testing.assert_allclose(
        [srs[-1]["lower"], srs[-1]["upper"]], loglog(0.4166666667, 0.08723958333), rtol=1e-8
    )
    assert one(ard, "competing", "lc", "events", arm="RT")["value"] == 3
    assert one(ard, "competing", "lc", "competing_events", arm="SRS")["value"] == 2
    # timepoints(cuminc(tt2, st2, g), 12): "SRS 1" 0.3333333333 (var 0.04822530864),
    #   "RT 1" 0.5 (var 0.05340277778)
    f12 = one(ard, "competing", "further_tx", "cif", arm="RT", time=12)
    assert f12["value"] == pytest.approx(0.5)
    np.testing.assert_allclose([f12["lower"], f12["upper"]], loglog(0.5, 0.05340277778))


def test_gray_test_against_cmprsk(ard):
    # cuminc(tt, st, g)$Tests["1", "pv"] = 0.4039195559 (unstratified)
    gray = one(ard, "competing", "lc", "gray_p")
    assert gray["value"] == pytest.approx(0.4039195559, rel=1e-8)
    assert "unstratified" in gray["method"]
    # cuminc(tt, st, g, strata = pair)$Tests["1", ] : stat 0, pv 1
    paired = one(ard, "competing", "lc_paired", "gray_p")
    assert paired["value"] == pytest.approx(1.0) and "stratified by pair" in paired["method"]
    # cuminc(tt2, st2, g)$Tests["1", "pv"] = 0.5923775523
    assert one(ard, "competing", "further_tx", "gray_p")["value"] == pytest.approx(
        0.5923775523, rel=1e-8
    )


def test_fine_gray_against_r(ard):
    # summary(crr(tt, st, as.numeric(g == "SRS")))$coef: exp(coef) 0.444325331
    assert one(ard, "competing", "lc", "fg_shr")["value"] == pytest.approx(0.444325331, rel=1e-7)
    # d2 <- data.frame(tt2, st2 = factor(st2, 0:2), x = as.numeric(g == "SRS"), pair)
    # fg2 <- finegray(Surv(tt2, st2) ~ ., data = d2, etype = "1")
    # summary(coxph(Surv(fgstart, fgstop, fgstatus) ~ x + cluster(pair), weights = fgwt,
    #   data = fg2, ties = "breslow")): exp(coef) 0.6141428429, 0.07385173471-5.107143832,
    #   Pr(>|z|) 0.6519068634 (robust SE 1.080717841)
    fg = one(ard, "competing", "further_tx", "fg_shr")
    np.testing.assert_allclose(
        [fg["value"], fg["lower"], fg["upper"], fg["p"]],
        [0.6141428429, 0.07385173471, 5.107143832, 0.6519068634],
        rtol=1e-7,
    )
    assert "pair-clustered" in fg["method"] and "SRS vs RT" in fg["method"]


def test_analysis_set_and_exclusions():
    sets = {"lc": {"require": "followup_mri"}}
    ard = run({"lc": {**LC, "analysis_set": "lc"}}, sets)
    assert one(ard, "competing", "lc", "pairs_outside_set")["value"] == 3
    assert one(ard, "competing", "lc", "pairs")["value"] == 3
    assert one(ard, "competing", "lc", "n", arm="SRS")["value"] == 3
    derived, pairs = synthetic()
    derived.loc[derived["patient_key"] == "r2", "further_tx_interval_months"] = None
    pf = pair_frame(derived, pairs)
    ard = to_frame([competing_stats(pf, ARMS, {"further_tx": FURTHER}, {"alpha": 0.05})])
    assert one(ard, "competing", "further_tx", "pairs_excluded")["value"] == 1
    assert one(ard, "competing", "further_tx", "pairs")["value"] == 5


def test_competing_event_counts_only_within_the_window():
    # RT: r1 lc 10 / death 10, r4 lc 11 (no failure) / death 14, r5 lc 3 / alive
    pf = pair_frame(*synthetic())
    status, time = status_and_time(pf, "cmp", endpoint("lc", LC))
    assert status.tolist() == [2, 1, 1, 2, 0, 1] and time.tolist() == [10, 4, 9, 14, 3, 6]
    within = {**LC, "competing": {"event": "os", "within_months": 2}}
    status, time = status_and_time(pf, "cmp", endpoint("lc", within))
    # r4's death 3 months after the last imaging: censored at the last imaging (11)
    assert status.tolist() == [2, 1, 1, 0, 0, 1] and time.tolist() == [10, 4, 9, 11, 3, 6]
    assert "within 2 months after lc_months" in endpoint("lc", within).rule()


def test_km_and_cox_read_the_same_definition_and_pairs():
    within = {**LC, "competing": {"event": "os", "within_months": 2}}
    pf = pair_frame(*synthetic())
    surv = to_frame(survival_stats(pf, ARMS, {"lc": within}, {"alpha": 0.05}))
    comp = to_frame([competing_stats(pf, ARMS, {"lc": within}, {"alpha": 0.05})])
    for arm in ARMS:
        assert (
            one(surv, "survival", "lc", "events", arm=arm)["value"]
            == (one(comp, "competing", "lc", "events", arm=arm)["value"])
        )
    assert one(surv, "survival", "lc", "cox_hr")["method"].endswith(
        one(comp, "competing", "lc", "pairs")["method"].replace(
            "; analysis set", "; a competing event censors at its time; analysis set"
        )
    )


def test_one_minus_km_equals_cif_without_competing_events():
    derived, pairs = synthetic()
    derived["os_event"] = False  # no competing event: CIF = 1 - KM at every time
    pf = pair_frame(derived, pairs)
    surv = to_frame(survival_stats(pf, ARMS, {"lc": LC}, {"alpha": 0.05}))
    comp = to_frame([competing_stats(pf, ARMS, {"lc": LC}, {"alpha": 0.05})])
    for arm in ARMS:
        assert one(comp, "competing", "lc", "competing_events", arm=arm)["value"] == 0
        km = [one(surv, "survival", "lc", "survival", arm=arm, time=m)["value"] for m in MONTHS]
        cif = [one(comp, "competing", "lc", "cif", arm=arm, time=m)["value"] for m in MONTHS]
        np.testing.assert_allclose(1 - np.array(km), cif, atol=1e-12)
    assert one(surv, "survival", "lc", "survival", arm="SRS", time=12)["value"] < 1
