"""Study diagnostics: thresholds (PASS/WARN/FAIL), informative pairs, adjusted estimates on the
pair frame, power sentences; on constructed inputs (R references written beside numbers)."""

import numpy as np
import pandas as pd
import pytest

from spinepair.analysis.adjusted import covariate_sides, endpoint_sides, fit
from spinepair.analysis.ard import ArdRows, to_frame
from spinepair.analysis.design_checks import early_events, site_confounding
from spinepair.analysis.diagnostics import (
    balance_checks,
    covariate_sets,
    diagnostics,
    grade,
    informative,
    markdown,
)
from spinepair.analysis.findings import summary_lines
from spinepair.analysis.power_analysis import endpoint_power, sentence
from spinepair.escape import markdown_unescape
from tests.test_stats_adjusted import X1, X2, Y1, Y2

CFG = {
    "balance_table": "table1",
    "smd_warn": 0.1,
    "smd_fail": 0.25,
    "min_informative_pairs": 3,
    "max_detectable_ratio": 2.0,
    "max_detectable_sd": 0.5,
}
ROWS = [
    {"variable": "age_years", "label": "Age", "kind": "continuous"},
    {"variable": "vas_pre", "label": "Pretreatment VAS", "kind": "continuous"},
    {"variable": "ecog_group", "label": "ECOG", "kind": "categorical"},
]


def _ard(smds: dict) -> pd.DataFrame:
    rows = ArdRows("table1")
    for (variable, level), value in smds.items():
        rows.add(variable, variable, "smd", value, level=level)
    return to_frame([rows])


def _balance(after: dict, before: dict | None = None) -> pd.DataFrame:
    """A match-stage balance frame (spinepair.matching.balance) with these SMDs."""
    labels = {r["variable"]: r["label"] for r in ROWS}
    return pd.DataFrame(
        [
            {"variable": v, "label": labels[v], "matching": False, "level": lv,
             "smd_before": (before or {}).get((v, lv), np.nan), "smd_after": smd}
            for (v, lv), smd in after.items()
        ]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (0.0, "PASS"),
        (0.1, "PASS"),
        (0.1001, "WARN"),
        (0.25, "WARN"),
        (0.26, "FAIL"),
        (float("nan"), "WARN"),
    ],
)
def test_grade_thresholds(value, status):
    assert grade(value, 0.1, 0.25) == status


def test_balance_checks_take_the_worst_level_and_mark_prognostic():
    balance = _balance(
        {
            ("age_years", ""): -0.05,
            ("vas_pre", ""): 0.415,
            ("ecog_group", "<=1"): -0.244,
            ("ecog_group", ">=2"): 0.12,
        },
        {("vas_pre", ""): -0.33, ("age_years", ""): 0.2},
    )
    bal = balance_checks(balance, CFG, ["vas_pre"])
    assert list(bal["variable"]) == ["vas_pre", "ecog_group", "age_years"]
    assert list(bal["status"]) == ["FAIL", "WARN", "PASS"]
    assert bal.loc[1, "level"] == "<=1" and bal.loc[1, "abs_smd"] == pytest.approx(0.244)
    assert list(bal["prognostic"]) == [True, False, False]
    assert bal.loc[0, "before"] == pytest.approx(0.33)
    assert np.isnan(bal.loc[1, "before"])
    assert covariate_sets(bal) == [("vas_pre",), ("ecog_group",)]
    bal.loc[1, "prognostic"] = True
    assert covariate_sets(bal)[-1] == ("vas_pre", "ecog_group")


def _pf() -> pd.DataFrame:
    """12 pairs: y/x of tests/test_stats_adjusted.py, a pain category, a flag, a survival."""
    n = 12
    pain_i = ["complete", "stable", "partial", "not_evaluable"] * 3
    pain_c = ["stable", "stable", "progression", "partial"] * 3
    return pd.DataFrame(
        {
            "pair_id": np.arange(n),
            "y_idx": Y1,
            "y_cmp": Y2,
            "x_idx": X1,
            "x_cmp": X2,
            "pain_idx": pain_i,
            "pain_cmp": pain_c,
            "flag_idx": pd.array([True, False, True, None] * 3, dtype="boolean"),
            "flag_cmp": pd.array([False, False, True, True] * 3, dtype="boolean"),
            "os_months_idx": np.arange(1.0, n + 1),
            "os_months_cmp": np.arange(n, 0.0, -1),
            "os_event_idx": [True, False] * 6,
            "os_event_cmp": [False, False, True] * 4,
            "grp_idx": ["a", "b", "c"] * 4,
            "grp_cmp": ["b", "b", None, "a"] * 3,
            "site_idx": ["A", "B"] * 6,
            "site_cmp": ["C", "D", "D"] * 4,
        }
    )


def test_arms_at_disjoint_sites_warn_with_a_limitation():
    check = site_confounding(_pf(), ("SRS", "RT"))
    assert check.status == "WARN"
    assert check.message.startswith("Arm by site: 0 of 12 pairs within one site (SRS at A, B;")
    assert "completely confounded with hospital" in check.limitation
    assert check.part.rows[0]["value"] == 0 and check.part.rows[1]["value"] == 0
    pf = _pf().assign(site_cmp=["A", "C", "C"] * 4)  # pairs 0 and 6 within site A
    check = site_confounding(pf, ("SRS", "RT"))
    assert check.status == "PASS" and check.limitation == ""
    assert check.part.rows[0]["value"] == 2 and check.message.endswith("both arms at A")


def test_events_before_the_first_plausible_assessment():
    pf = _pf()  # os events: index at months 1, 3, 5, ...; comparator at 10, 7, 4, 1
    titles = {"os": "Survival"}
    (check,) = early_events(pf, ("SRS", "RT"), {"os": 3.5}, titles)
    assert check.status == "WARN" and check.part.rows[0]["value"] == 3
    assert check.message == (
        "Survival: 3 events before 3.5 months, the earliest plausible first assessment "
        "(SRS 1.00, 3.00; RT 1.00 months)"
    )
    assert check.limitation.startswith("Survival: 3 events are dated before")
    times = [
        (r["arm"], r["value"]) for r in check.part.rows if r["statistic"] == "early_event_months"
    ]
    assert times == [("SRS", 1.0), ("SRS", 3.0), ("RT", 1.0)]
    (check,) = early_events(pf, ("SRS", "RT"), {"os": 1.0}, titles)  # strictly before
    assert check.status == "PASS" and check.limitation == ""


def test_binary_endpoint_levels_and_exclusions():
    spec = {"key": "resp", "variable": "pain", "kind": "binary",
            "levels": ["complete", "partial"], "exclude": ["not_evaluable"]}  # fmt: skip
    ep = endpoint_sides(_pf(), spec)
    assert ep["idx"]["y"].tolist()[:3] == [1.0, 0.0, 1.0] and np.isnan(ep["idx"]["y"][3])
    assert ep["cmp"]["y"].tolist()[:4] == [0.0, 0.0, 0.0, 1.0]
    # complete pairs 9; discordant: pairs 1 and 3 of every 4 -> 6
    assert informative(_pf(), spec) == (6, 9, "discordant pairs")


def test_informative_pairs_of_each_kind():
    pf = _pf()
    assert informative(pf, {"key": "y", "kind": "continuous"})[:2] == (12, 12)
    assert informative(pf, {"key": "flag", "kind": "binary"})[:2] == (3, 9)
    # survival: a pair informs when either member has the event
    assert informative(pf, {"key": "os", "kind": "survival"})[:2] == (8, 12)


def test_categorical_covariate_dummies_with_missing():
    xi, xc = covariate_sides(_pf(), "grp")
    assert list(xi.columns) == ["grp=b", "grp=c"]
    assert xc["grp=b"].isna().sum() == 3 and xi.notna().all().all()


def test_adjusted_fit_on_the_pair_frame_is_index_minus_comparator():
    # R: lm(I(y1 - y2) ~ I(x1 - x2), data = w): intercept 0.2409638554216865,
    #    and lm(I(y1 - y2) ~ 1): 1.5833333333333335 (w of tests/test_stats_adjusted.py)
    raw, adj = fit(_pf(), {"key": "y", "kind": "continuous"}, ["x"], ("SRS", "RT"), 0.05)
    assert raw.estimate == pytest.approx(1.5833333333333335, rel=1e-12)
    assert adj.estimate == pytest.approx(0.2409638554216865, rel=1e-12)


def test_power_sentence_paired_t():
    # d = c(2,-1,3,0,1,4,-2,1,2,0): mean 1, sd 1.8257418583505538
    # R: power.t.test(delta = 1, sd = sd(d), power = 0.8, type = "paired")$n 28.144054759775546
    #    ... power = 0.9 -> 36.999095804293944; power.t.test(n = 10, sd = sd(d), power = 0.8,
    #    type = "paired")$delta 1.81844300669931
    d = np.array([2, -1, 3, 0, 1, 4, -2, 1, 2, 0.0])
    pf = pd.DataFrame({"v_idx": d + 5, "v_cmp": np.full(10, 5.0)})
    pw = endpoint_power(pf, {"key": "v", "kind": "continuous"}, [0.8, 0.9], 0.05, 1.0)
    assert pw.needed == {0.8: 29, 0.9: 37} and pw.declared
    assert pw.detectable == pytest.approx(1.81844300669931, rel=1e-9)
    text = sentence(pw, "VAS change", [0.8, 0.9])
    assert text == (
        "VAS change: the declared difference 1.00 (SD of differences 1.83) would need 29 pairs"
        " for 80% power and 37 pairs for 90% power; 10 pairs detect 1.82 at 80% power."
    )


def test_no_power_from_the_observed_effect():
    # the observed mean difference 1.00 is not powered for; the detectable effect stays
    d = np.array([2, -1, 3, 0, 1, 4, -2, 1, 2, 0.0])
    pf = pd.DataFrame({"v_idx": d + 5, "v_cmp": np.full(10, 5.0)})
    pw = endpoint_power(pf, {"key": "v", "kind": "continuous"}, [0.8, 0.9], 0.05, None)
    assert pw.needed == {} and not pw.declared and np.isnan(pw.effect)
    assert pw.detectable == pytest.approx(1.81844300669931, rel=1e-9)


def test_a_declared_effect_that_cannot_be_powered_says_so():
    pf = pd.DataFrame({"v_idx": [1.0, 2, 3, 4], "v_cmp": [2.0, 1, 4, 3]})
    pw = endpoint_power(pf, {"key": "v", "kind": "continuous"}, [0.8], 0.05, 0.0)
    assert pw.needed == {0.8: None}
    assert "cannot be powered at 80%" in sentence(pw, "V", [0.8])


def test_diagnostics_frame_statuses_markdown_and_summary():
    pf = _pf()
    ard = _ard({("age_years", ""): 0.02, ("vas_pre", ""): 0.3, ("ecog_group", ">=2"): 0.15})
    pf["vas_pre_idx"], pf["vas_pre_cmp"] = pf["x_idx"], pf["x_cmp"]
    pf["ecog_group_idx"], pf["ecog_group_cmp"] = ["<=1", ">=2"] * 6, [">=2"] * 12
    endpoints = [
        {"key": "y", "kind": "continuous", "label": "Outcome"},
        {"key": "flag", "kind": "binary", "label": "Flag"},
        {"key": "os", "kind": "survival", "label": "Survival"},
    ]
    params = {
        "alpha": 0.05,
        "arms": ["SRS", "RT"],
        "table_rows": ROWS,
        "diagnostics": {**CFG, "endpoints": endpoints},
        "adjust": {"prognostic": ["vas_pre"]},
        "power": {"levels": [0.8, 0.9], "effects": {"y": 1.0}},
        "titles": {"os": "Survival"},
    }
    params["diagnostics"]["first_assessment_months"] = {"os": 3.5}
    balance = _balance({("age_years", ""): 0.02, ("vas_pre", ""): 0.3, ("ecog_group", ">=2"): 0.15})
    frame = diagnostics(ard, pf, params, balance)

    def status(row, statistic):
        return frame.loc[(frame["row"] == row) & (frame["statistic"] == statistic), "status"].item()

    assert status("balance_max", "max_abs_smd") == "FAIL"
    assert status("y", "informative_pairs") == "PASS"
    assert status("flag", "informative_pairs") == "PASS"  # 3 discordant, threshold 3
    assert status("flag", "detectable_effect") == "WARN"
    assert set(frame.loc[frame["table"] == "adjusted", "variable"]) == {"vas_pre", "ecog_group"}
    adj = frame[(frame["table"] == "adjusted") & (frame["row"] == "y")]
    assert adj.loc[adj["statistic"] == "adjusted_estimate", "value"].iloc[0] == pytest.approx(
        0.2409638554216865, rel=1e-12
    )  # R: lm(I(y1 - y2) ~ I(x1 - x2), data = w)
    md = markdown_unescape(markdown(frame))  # the text a reader sees
    assert "- FAIL: Pretreatment VAS: |SMD| after matching 0.300 [declared prognostic]" in md
    assert "- WARN: ECOG = >=2: |SMD| after matching 0.150" in md
    assert "Age" not in md  # PASS covariates are not listed
    assert "## Design\n\n- WARN: Arm by site: 0 of 12 pairs within one site" in md
    assert "- WARN: Survival: 3 events before 3.5 months" in md
    summary = "\n".join(summary_lines(frame))
    assert "Outcome, adjusted for Pretreatment VAS: 1.58" in summary
    assert "PASS" not in summary
    # pairs needed only for the declared effect (Outcome), not the observed ones
    power = frame[frame["table"] == "power"]
    assert set(power["row"]) == {"y"} and "Outcome: the declared difference 1.00" in summary
    limits = summary.split("## Limitations\n\n")[1].splitlines()
    assert limits[0].startswith("- Treatment arm is completely confounded with hospital")
    assert limits[1].startswith("- Survival: 3 events are dated before a plausible")
    assert "- Flag: with 9 pairs, no effect detectable at 80% power; a non-significant" in summary
    assert any(line.startswith("- Survival: with 12 pairs, only hazard ratios") for line in limits)
