"""spinepair.stats survival functions against R 4.2.2, survival 3.5.3 (and MASS::gehan).

Every reference value was computed with the R call written next to it.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from spinepair.stats import StatsInputError, kaplan_meier, stratified_cox, stratified_logrank

# 12 matched pairs: ties within and across arms, censoring tied with events (pair 2),
# a pair where both are censored (pair 4), tied events across arms (pairs 5 and 9).
# R: d <- data.frame(s = rep(sprintf("P%02d", 1:12), each = 2), g = rep(c("SRS", "RT"), 12),
#   t = c(5,3, 8,8, 12,6, 4,4, 10,10, 15,2, 7,9, 20,11, 3,3, 14,5, 6,1, 18,12),
#   e = c(1,1, 0,1, 1,1, 0,0, 1,1, 0,1, 1,0, 0,1, 1,1, 1,0, 0,1, 1,1))
S = np.repeat([f"P{i:02d}" for i in range(1, 13)], 2)
G = np.tile(["SRS", "RT"], 12)
T = np.array([5, 3, 8, 8, 12, 6, 4, 4, 10, 10, 15, 2, 7, 9, 20, 11, 3, 3, 14, 5, 6, 1, 18, 12.0])
E = np.array([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1])

# MASS::gehan (Gehan 1965), 21 pairs of 6-MP vs control, rows ordered by pair, control first.
# R: library(MASS); gehan[order(gehan$pair), c("pair", "time", "cens", "treat")]
GEHAN_CONTROL = [1, 22, 3, 12, 8, 17, 2, 11, 8, 12, 2, 5, 4, 15, 8, 23, 5, 11, 4, 1, 8]
GEHAN_MP = [10, 7, 32, 23, 22, 6, 16, 34, 32, 25, 11, 20, 19, 6, 17, 35, 6, 13, 9, 6, 10]
GEHAN_MP_EVENT = [1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0]


def gehan():
    t = np.ravel(np.column_stack([GEHAN_CONTROL, GEHAN_MP]))
    e = np.ravel(np.column_stack([np.ones(21, int), GEHAN_MP_EVENT]))
    g = np.tile(["control", "6-MP"], 21)
    pair = np.repeat(np.arange(1, 22), 2)
    return t, e, g, pair


def test_stratified_logrank_matches_survdiff():
    # R: survdiff(Surv(t, e) ~ g + strata(s), data = d)$chisq -> 4.5; p 0.0338948535246893
    res = stratified_logrank(T, E, G, S)
    assert res.statistic == pytest.approx(4.5, rel=1e-12)
    assert res.pvalue == pytest.approx(0.0338948535246893, rel=1e-10)
    assert res.df == 1 and "12 strata" in res.method


def test_one_stratum_is_plain_logrank_and_labels_are_free():
    # R: survdiff(Surv(t, e) ~ g, data = d)$chisq -> 4.79131352920491
    res = stratified_logrank(T, E, G, np.zeros(24))
    assert res.statistic == pytest.approx(4.79131352920491, rel=1e-12)
    # Shuffling rows, integer strata and boolean groups change nothing.
    order = np.random.default_rng(1).permutation(24)
    pairs = np.repeat(np.arange(12), 2)
    res2 = stratified_logrank(T[order], E[order], (G == "SRS")[order], pairs[order])
    assert res2.statistic == pytest.approx(4.5, rel=1e-12)


def test_stratified_logrank_gehan():
    # R: survdiff(Surv(time, cens) ~ treat + strata(pair), data = gehan)$chisq -> 10.7142857142857
    t, e, g, pair = gehan()
    assert stratified_logrank(t, e, g, pair).statistic == pytest.approx(10.7142857142857, rel=1e-12)


def test_stratified_logrank_no_events_and_bad_input():
    # R: survdiff(Surv(c(1,2), c(0,0)) ~ c("a","b") + strata(c(1,1))) -> Chisq = 0, p = NA
    res = stratified_logrank([1, 2], [0, 0], ["a", "b"], [1, 1])
    assert res.statistic == 0.0 and np.isnan(res.pvalue) and "no events" in res.method
    # R: survdiff(Surv(t, e) ~ g + strata(s)) with t = 1:4, e = c(1,0,1,0),
    #    g = c("a","a","b","b"), s = c(1,1,2,2) -> error "system is exactly singular"
    with pytest.raises(StatsInputError, match="both groups at risk"):
        stratified_logrank([1, 2, 3, 4], [1, 0, 1, 0], ["a", "a", "b", "b"], [1, 1, 2, 2])
    with pytest.raises(StatsInputError, match="exactly 2 levels"):
        stratified_logrank([1, 2], [1, 1], ["a", "a"], [1, 1])
    with pytest.raises(StatsInputError, match="negative"):
        stratified_logrank([1, -2], [1, 1], ["a", "b"], [1, 1])
    with pytest.raises(StatsInputError, match="strata: missing"):
        stratified_logrank([1, 2], [1, 1], ["a", "b"], [1, None])


def loop_logrank(t, e, g, s):
    """Textbook per-stratum, per-event-time log-rank (reference for the vectorised one)."""
    o_minus_e = var = 0.0
    for stratum in np.unique(s):
        ts, es, gs = t[s == stratum], e[s == stratum], g[s == stratum]
        for u in np.unique(ts[es == 1]):
            risk = ts >= u
            n, n1 = risk.sum(), (risk & (gs == 1)).sum()
            d, d1 = ((ts == u) & (es == 1)).sum(), ((ts == u) & (es == 1) & (gs == 1)).sum()
            o_minus_e += d1 - d * n1 / n
            if n > 1:
                var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e**2 / var if var > 0 else 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 1), st.integers(0, 4)),
        min_size=2,
        max_size=30,
    )
)
def test_stratified_logrank_equals_loop(rows):
    t, e, g, s = (np.array(c) for c in zip(*rows))
    if len(np.unique(g)) < 2:
        return
    try:
        res = stratified_logrank(t.astype(float), e, g, s)
    except StatsInputError:  # events, but none informative: the loop's variance is 0 too
        assert e.any() and loop_logrank(t, e, g, s) == 0
        return
    assert res.statistic == pytest.approx(loop_logrank(t, e, g, s), rel=1e-9, abs=1e-12)


# R: f <- survfit(Surv(t, e) ~ 1, data = d, conf.type = CT); cbind(f$time, f$n.risk, f$n.event,
#    f$n.censor, f$surv, f$lower, f$upper)
KM_TIMES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 18, 20]
KM_RISK = [24, 23, 22, 19, 17, 15, 13, 12, 10, 9, 7, 6, 4, 3, 2, 1]
KM_EVENTS = [1, 1, 3, 0, 1, 1, 1, 1, 0, 2, 1, 2, 1, 0, 1, 0]
KM_CENSOR = [0, 0, 0, 2, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 1]
KM_SURV = [0.958333333333333, 0.916666666666667, 0.791666666666667, 0.791666666666667,
           0.745098039215686, 0.695424836601307, 0.641930618401207, 0.588436400201106,
           0.588436400201106, 0.457672755711971, 0.392290933467404, 0.261527288978269,
           0.196145466733702, 0.196145466733702, 0.098072733366851, 0.098072733366851]  # fmt: skip
KM_CI = {
    # conf.type = "log-log": f$lower, f$upper
    "log-log": (
        [0.73920615114689547, 0.70605526784401451, 0.56984698676278100, 0.56984698676278100,
         0.51747879995993551, 0.46291423115341301, 0.40576873252705309, 0.35278918223941508,
         0.35278918223941508, 0.22712101046247815, 0.17418619631987062, 0.08544281484911097,
         0.05014206566246115, 0.05014206566246115, 0.00793589231191341, 0.00793589231191341],
        [0.994023720195695, 0.978483036574296, 0.907516758757071, 0.907516758757071,
         0.876850596092453, 0.842568583771462, 0.804247681510921, 0.763456540608362,
         0.763456540608362, 0.662233260549163, 0.605900828538412, 0.481296337388100,
         0.412080471963284, 0.412080471963284, 0.327958923604633, 0.327958923604633],
    ),
    # conf.type = "log"
    "log": (
        [0.8816314023314650, 0.8125004413722201, 0.6447778146509123, 0.6447778146509123,
         0.5877825479041671, 0.5292751401255300, 0.4685209286605292, 0.4113028204894486,
         0.4113028204894486, 0.2775329782716730, 0.2186498178534518, 0.1159348024835335,
         0.0728161097776714, 0.0728161097776714, 0.0178498069406619, 0.0178498069406619],
        [1.0, 1.0, 0.972018727800725, 0.972018727800725, 0.944517815342786, 0.913732134192537,
         0.879522970337848, 0.841855148645933, 0.841855148645933, 0.754736797858841,
         0.703829429137106, 0.589956781010928, 0.528358961192120, 0.528358961192120,
         0.538843980891191, 0.538843980891191],
    ),
    # conf.type = "plain"
    "plain": (
        [0.87838762653435798, 0.80609150915203676, 0.62918924035754431, 0.62918924035754431,
         0.56839152484285438, 0.50556375572507484, 0.43978701683405463, 0.37769430735066561,
         0.37769430735066561, 0.22873813619801031, 0.16298421306756058, 0.04877205463224213,
         0.00178112984495052, 0.00178112984495052, 0.0, 0.0],
        [1.0, 1.0, 0.954144092975789, 0.954144092975789, 0.921804553588518, 0.885285917477539,
         0.844074219968359, 0.799178493051547, 0.799178493051547, 0.686607375225933,
         0.621597653867248, 0.474282523324297, 0.390509803622454, 0.390509803622454,
         0.265160885850366, 0.265160885850366],
    ),
}  # fmt: skip
# R: summary(f)$table[c("median", "0.95LCL", "0.95UCL")] for each conf.type
KM_MEDIAN = {"log-log": (10, 6, 12), "log": (10, 7, np.nan), "plain": (10, 7, 12)}


@pytest.mark.parametrize("conf_type", ["log-log", "log", "plain"])
def test_kaplan_meier_matches_survfit(conf_type):
    km = kaplan_meier(T, E, conf_type=conf_type)
    np.testing.assert_array_equal(km.times, KM_TIMES)
    np.testing.assert_array_equal(km.n_at_risk, KM_RISK)
    np.testing.assert_array_equal(km.n_events, KM_EVENTS)
    np.testing.assert_array_equal(km.n_censored, KM_CENSOR)
    np.testing.assert_allclose(km.survival, KM_SURV, rtol=1e-13)
    np.testing.assert_allclose(km.lower, KM_CI[conf_type][0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(km.upper, KM_CI[conf_type][1], rtol=1e-12)
    np.testing.assert_array_equal((km.median, km.median_lower, km.median_upper),
                                  KM_MEDIAN[conf_type])  # fmt: skip


def test_kaplan_meier_at_times_matches_summary():
    # R: s <- summary(survfit(Surv(t, e) ~ 1, data = d, conf.type = "log-log"),
    #                 times = c(1, 2, 3, 6, 12)); cbind(s$n.risk, s$surv, s$std.err, s$lower, s$upper)
    pts = kaplan_meier(T, E).at([1, 2, 3, 6, 12])
    np.testing.assert_array_equal(pts.n_at_risk, [24, 23, 22, 15, 6])
    np.testing.assert_allclose(pts.survival, [0.958333333333333, 0.916666666666667,
                               0.791666666666667, 0.695424836601307, 0.261527288978269], rtol=1e-13)  # fmt: skip
    np.testing.assert_allclose(pts.se, [0.0407893754321900, 0.0564169333655275,
                               0.0828981693493981, 0.0968696784093138, 0.1085505835945015], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(pts.lower, [0.739206151146895, 0.706055267844015,
                               0.569846986762781, 0.462914231153413, 0.085442814849111], rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(pts.upper, [0.994023720195695, 0.978483036574296,
                               0.907516758757071, 0.842568583771462, 0.481296337388100], rtol=1e-12)  # fmt: skip


def test_kaplan_meier_at_edges():
    # R: t <- c(1,2,2,3,4,5,5,6); e <- c(0,1,1,0,1,0,1,1)
    #    summary(survfit(Surv(t, e) ~ 1), times = c(0, 0.5, 2.5, 6), extend = TRUE)
    #    -> n.risk 8 8 5 1; surv 1 1 0.714 0; std.err 0 0 0.171 NaN; CI at 0, 0.5: (1, 1)
    km = kaplan_meier([1, 2, 2, 3, 4, 5, 5, 6], [0, 1, 1, 0, 1, 0, 1, 1])
    pts = km.at([0, 0.5, 2.5, 6, 7])
    np.testing.assert_array_equal(pts.n_at_risk, [8, 8, 5, 1, 0])
    np.testing.assert_allclose(pts.survival[:4], [1, 1, 0.7142857142857143, 0])
    np.testing.assert_array_equal(pts.lower[:2], [1, 1])
    assert np.isnan(pts.se[3]) and np.isnan(pts.lower[3])  # S = 0: R gives NaN/NA
    assert np.isnan(pts.survival[4])  # after the last observed time (R extend = FALSE drops it)
    # where S = 1 the CI is (1, 1) for every type (R gives NA for log-log there)
    assert (km.lower[0], km.upper[0]) == (1.0, 1.0)


def test_kaplan_meier_alpha_and_median_rules():
    # R: f <- survfit(Surv(t, e) ~ 1, data = d, conf.type = "log", conf.int = 0.9)
    #    f$lower[3] -> 0.6664079931120315, f$upper[3] -> 0.940469078385963;
    #    summary(f)$table[c("median", "0.9LCL", "0.9UCL")] -> 10, 7, 14
    km = kaplan_meier(T, E, conf_type="log", alpha=0.1)
    assert km.lower[2] == pytest.approx(0.6664079931120315, rel=1e-12)
    assert km.upper[2] == pytest.approx(0.940469078385963, rel=1e-12)
    assert (km.median, km.median_lower, km.median_upper) == (10, 7, 14)
    # S = 0.5 exactly on [2, 4): R takes the midpoint.
    # R: summary(survfit(Surv(c(1,2,3,4), c(1,1,0,1)) ~ 1))$table["median"] -> 3 (LCL 1, UCL NA)
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], conf_type="log")
    assert (km.median, km.median_lower) == (3, 1) and np.isnan(km.median_upper)
    # R: summary(survfit(Surv(c(1,2,3,4,5), c(1,0,0,1,0)) ~ 1))$table -> median 4, LCL 4, UCL NA
    km = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 1, 0], conf_type="log")
    assert (km.median, km.median_lower) == (4, 4) and np.isnan(km.median_upper)
    # Median not reached.
    assert np.isnan(kaplan_meier([1, 2, 3], [1, 0, 0]).median)


def test_kaplan_meier_gehan_published():
    # Published worked example (6-MP arm of Gehan 1965; Klein & Moeschberger 2003, Table 4.1A):
    # S(t) and Greenwood SE at the event times; same numbers from
    # R: s <- summary(survfit(Surv(time, cens) ~ 1, data = gehan, subset = treat == "6-MP"))
    #    cbind(s$time, s$surv, s$std.err); median 23, 0.95LCL 16, 0.95UCL NA (conf.type "log")
    km = kaplan_meier(GEHAN_MP, GEHAN_MP_EVENT, conf_type="log")
    pts = km.at([6, 7, 10, 13, 16, 22, 23])
    np.testing.assert_allclose(pts.survival, [0.857142857142857, 0.806722689075630,
        0.752941176470588, 0.690196078431372, 0.627450980392157, 0.537815126050420,
        0.448179271708683], rtol=1e-13)  # fmt: skip
    np.testing.assert_allclose(pts.se, [0.0763603548321213, 0.0869352851800572,
        0.0963496529943205, 0.1068147077750098, 0.1140538652567525, 0.1282337516930340,
        0.1345914567557604], rtol=1e-12)  # fmt: skip
    assert (km.median, km.median_lower) == (23, 16) and np.isnan(km.median_upper)


def test_kaplan_meier_bad_input():
    with pytest.raises(StatsInputError, match="conf_type"):
        kaplan_meier([1], [1], conf_type="logit")
    with pytest.raises(StatsInputError, match="event"):
        kaplan_meier([1, 2], [1, 3])


def test_stratified_cox_matches_coxph():
    # R: summary(coxph(Surv(t, e) ~ g + strata(s), data = d)) -> coef gSRS -1.09861228866769,
    #    se 0.666666666666597, p 0.0993694103055801, exp(coef) 0.333333333333472,
    #    lower .95 0.0902424858037578, upper .95 1.23125055921916
    res = stratified_cox(T, E, G, S)
    assert (res.level, res.reference) == ("SRS", "RT")
    assert res.coef == pytest.approx(-1.09861228866769, rel=1e-9)
    assert res.se == pytest.approx(0.666666666666597, rel=1e-9)
    assert res.hr == pytest.approx(0.333333333333472, rel=1e-9)
    assert res.lower == pytest.approx(0.0902424858037578, rel=1e-9)
    assert res.upper == pytest.approx(1.23125055921916, rel=1e-9)
    assert res.pvalue == pytest.approx(0.0993694103055801, rel=1e-9)
    flipped = stratified_cox(T, E, G, S, reference="SRS")
    assert flipped.hr == pytest.approx(1 / 0.333333333333472, rel=1e-9)


def test_stratified_cox_gehan():
    # R: summary(coxph(Surv(time, cens) ~ treat + strata(pair), data = gehan))
    #    -> treatcontrol exp(coef) 5.99999999999998, se 0.623609564462323, p 0.00406327573295884,
    #       lower .95 1.76739583312156, upper .95 20.3689514965172
    t, e, g, pair = gehan()
    res = stratified_cox(t, e, g, pair)
    assert res.level == "control"
    assert res.hr == pytest.approx(5.99999999999998, rel=1e-9)
    assert res.se == pytest.approx(0.623609564462323, rel=1e-9)
    assert res.pvalue == pytest.approx(0.00406327573295884, rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx((1.76739583312156, 20.3689514965172), rel=1e-9)
    # Wald p is consistent with the reported coef and se.
    assert res.pvalue == pytest.approx(2 * sps.norm.sf(abs(res.coef / res.se)), rel=1e-9)


@pytest.mark.filterwarnings("ignore::Warning")
@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=4, max_value=12).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(1, 6), min_size=2 * n, max_size=2 * n),
            st.lists(st.booleans(), min_size=2 * n, max_size=2 * n),
        )
    )
)
def test_stratified_cox_equals_lifelines_on_random_pairs(data):
    """Independent reference: lifelines' CoxPHFitter (Efron ties, strata) on the same data."""
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    times, events = data
    n = len(times) // 2
    group = ["RT", "SRS"] * n
    pair = np.repeat(np.arange(n), 2)
    frame = pd.DataFrame(
        {"t": times, "e": np.asarray(events, int), "g": [g == "SRS" for g in group], "s": pair}
    ).astype({"g": int})
    try:
        ref = CoxPHFitter().fit(
            frame,
            "t",
            "e",
            strata=["s"],
            fit_options={"precision": 1e-12, "r_precision": 1e-14, "max_steps": 500},
        )
    except ConvergenceError:  # lifelines cannot fit it either (no information): skip
        return
    coef = float(ref.summary.loc["g", "coef"])
    if not np.isfinite(coef) or abs(coef) > 8:
        return
    res = stratified_cox(times, events, group, pair)
    # lifelines' Newton steps can stop 1e-6 short where the likelihood is flat: with all 20
    # times tied it gave 1.7917582 for the exact log(6) = 1.7917595 that we return
    assert res.coef == pytest.approx(coef, abs=1e-5)
    assert res.se == pytest.approx(float(ref.summary.loc["g", "se(coef)"]), rel=1e-5)


def test_stratified_cox_with_a_non_finite_hazard_ratio_says_so():
    # every event is in the SRS arm: R coxph warns "coefficient may be infinite"
    t = [1, 5, 2, 6, 3, 7]
    e = [1, 0, 1, 0, 1, 0]
    with pytest.raises(StatsInputError, match="did not converge"):
        stratified_cox(t, e, ["SRS", "RT"] * 3, [1, 1, 2, 2, 3, 3])


def test_z_quantile_is_norm_ppf_and_kaplan_meier_needs_no_scipy_stats():
    # z_quantile computes scipy.stats.norm.ppf bit for bit without importing scipy.stats (0.5 s
    # of a job's CPU), so the Kaplan-Meier figure jobs never import it.
    from spinepair.stats._common import z_quantile

    for alpha in (1e-9, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 0.9):
        assert z_quantile(alpha) == float(sps.norm.ppf(1 - alpha / 2))
    code = (
        "import sys\n"
        "from spinepair.stats import kaplan_meier\n"
        "kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1])\n"
        "assert 'scipy.stats' not in sys.modules, 'scipy.stats imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
