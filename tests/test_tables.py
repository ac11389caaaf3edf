"""Tables 1-3 (as the demo study config declares them) and pair_frame on a hand-built set of
6 matched pairs: analysed into the ARD, rendered from it (counts computed by hand; p-values
compared with direct spinepair.stats calls and, where noted, with R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from spinepair import stats
from spinepair.analysis.analyse import analyse
from spinepair.analysis.ard import value
from spinepair.analysis.pair_frame import PairingError, pair_frame
from spinepair.analysis.tables import fmt_estimate, render_tables
from tests.helpers.workflow import ROOT

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
TABLES = CONFIG["tables"]
ARMS = ("SRS", "RT")
PARAMS = {
    **CONFIG["analysis"],
    "variants": {"mcnemar": {"exact": True}, "wilcoxon": {"correct": True}},
}
T, F, N = True, False, None
TOX_TYPES = [
    "nausea",
    "sore_throat",
    "esophagitis",
    "dry_mouth",
    "dysphagia",
    "diarrhea",
    "skin",
    "fatigue",
    "myelopathy",
    "other",
]
# (index arm values of pairs 1-6, comparator arm values of pairs 1-6)
COLS = {
    "sex": (["M", "M", "M", "M", "F", "M"], ["M", "M", "M", "F", "M", "M"]),
    "age_years": ([50, 62, 71, 45, 58, 66], [52, 60, 70, 49, 61, 63]),
    "interval_months": ([10, 3.5, 20, 7, 12, 30], [8, 5, 18, 9, 15, 25]),
    "child_pugh": (["A", "A", "B", "A", "A", N], ["A", "B", "B", "A", "A", "A"]),
    "index_region": (
        ["cervical", "thoracic", "lumbar", "lumbar", "thoracic", "cervical"],
        ["thoracic", "thoracic", "lumbar", "cervical", "lumbar", "cervical"],
    ),
    "n_spine_mets": ([1, 2, 5, 1, 3, 2], [1, 3, 4, 2, 3, 1]),
    "ecog_group": (
        ["<=1", "<=1", ">=2", "<=1", ">=2", "<=1"],
        ["<=1", ">=2", ">=2", "<=1", "<=1", "<=1"],
    ),
    "ambulation_group": (
        ["<=2", "<=2", ">=3", "<=2", "<=2", "<=2"],
        ["<=2", "<=2", "<=2", "<=2", ">=3", "<=2"],
    ),
    "tumor_volume_cc": ([20.5, 35.0, 12.0, 50.2, 8.8, 27.0], [30.0, 22.0, 40.5, 45.0, 18.0, 33.0]),
    "vas_pre": ([7, 8, 5, 9, 6, 4], [6, 5, 7, 8, 3, N]),
    "vas_post": ([2, 4, 5, 3, 0, 6], [3, 2, 4, 8, 1, N]),
    "margin_dose_gy": ([24, 30, 18, 27, 24, 16], [30, 30, 20, 25, 39, 30]),
    "fractions": ([3, 5, 1, 3, 3, 1], [10, 10, 5, 10, 13, 10]),
    "pain_response": (
        ["partial", "partial", "stable", "partial", "complete", "progression"],
        ["partial", "partial", "partial", "stable", "stable", "not_evaluable"],
    ),
    "compression_fracture": ([T, F, F, T, F, F], [F, F, F, F, T, F]),
    "further_tx": ([T, F, F, T, F, F], [F, T, F, F, T, T]),
    "further_tx_type": (
        ["vertebroplasty_kyphoplasty", N, N, "srs", N, N],
        [N, "surgery", N, N, "vertebroplasty_kyphoplasty", "rt"],
    ),
    "further_tx_interval_months": ([3.0, N, N, 6.5, N, N], [N, 4.0, N, N, 8.0, 2.5]),
    "further_tx_reason": (
        ["compression_fracture", N, N, "tumor_progression", N, N],
        [N, "tumor_progression", N, N, "tumor_progression", "compression_fracture"],
    ),
    "os_months": ([12, 5, 8.5, 20, 3, 15], [10, 7, 9, 14, 3, 6]),
    "os_event": ([T, T, F, T, T, F], [T, F, T, T, F, T]),
    "pfs_months": ([8, 5, 8.5, 12, 3, 10], [10, 4, 9, 11, 3, 6]),
    "pfs_event": ([T, T, F, T, T, T], [T, T, T, F, F, T]),
    "lc_months": ([8, 5, 8.5, 12, 3, 15], [10, 4, 9, 11, 3, 6]),
    "lc_event": ([T, F, F, T, F, F], [F, T, T, F, F, T]),
    "other_level_progression_before_index": ([T, F, T, F, F, F], [F, F, T, T, F, F]),
    "followup_months": ([12, 5, 8.5, 20, 3, 15], [10, 7, 9, 14, 3, 6]),
    "followup_mri": ([T, T, F, T, T, T], [T, F, T, T, T, F]),
    "fracture_months": ([4, 5, N, 12, 3, 15], [10, N, 9, 11, 3, N]),
    "fracture_event": ([T, F, N, T, F, F], [F, N, F, F, T, N]),
}
# toxicity grades (0 = none): {type: (index arm, comparator arm)}
GRADES = {
    "nausea": ([1, 0, 2, 0, 0, 0], [0, 1, 0, 0, 0, 0]),
    "dysphagia": ([0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0]),
    "esophagitis": ([0, 0, 0, 0, 0, 0], [0, 2, 0, 1, 0, 0]),
    "skin": ([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 0]),
    "sore_throat": ([0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 3]),
}


def synthetic() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(derived, pairs): 6 pairs, index patients s1-s6 (SRS), comparators r1-r6 (RT)."""
    arms = []
    for side, arm, prefix in ((0, "SRS", "s"), (1, "RT", "r")):
        d = pd.DataFrame({k: pd.Series(v[side], dtype=object) for k, v in COLS.items()})
        d.insert(0, "patient_key", [f"{prefix}{i}" for i in range(1, 7)])
        d.insert(1, "arm", arm)
        for col in ("age_years", "interval_months", "tumor_volume_cc", "margin_dose_gy"):
            d[col] = d[col].astype(float)
        for col in ("vas_pre", "vas_post", "n_spine_mets", "fractions"):
            d[col] = d[col].astype("Int64")
        d["n_mets_cat"] = d["n_spine_mets"].clip(upper=4)
        d["vas_change"] = d["vas_pre"] - d["vas_post"]
        d["pain_improved"] = (d["vas_change"] > 0).astype("boolean")
        d["total_dose_gy"] = d["margin_dose_gy"]  # the prescribed dose
        dose, n = d["margin_dose_gy"], d["fractions"].astype(float)
        d["eqd2_gy"] = dose * (dose / n + 10) / 12
        for ty in TOX_TYPES:
            g = pd.Series(GRADES.get(ty, ([0] * 6, [0] * 6))[side])
            d[f"tox_{ty}_grade"] = g.astype("Int64")  # 0 = none, as derive
            d[f"tox_{ty}"] = g > 0
        d["tox_any"] = d[[f"tox_{ty}" for ty in TOX_TYPES]].any(axis=1)
        arms.append(d)
    derived = pd.concat(arms, ignore_index=True)
    pairs = pd.DataFrame(
        {
            "pair_id": range(1, 7),
            "index_key": [f"s{i}" for i in range(1, 7)],
            "comparator_key": [f"r{i}" for i in range(1, 7)],
            "distance": np.linspace(0.1, 0.6, 6),
        }
    )
    return derived, pairs


def analysed(derived=None, pairs=None, tables=TABLES):
    """The Analysis (pair frame and ARD) of the synthetic pairs (or of those given)."""
    if derived is None:
        derived, pairs = synthetic()
    return analyse(derived, pairs, ARMS, tables, PARAMS)


def rendered(derived=None, pairs=None) -> dict:
    return render_tables(analysed(derived, pairs).ard, TABLES, ARMS)


@pytest.fixture(scope="module")
def pf() -> pd.DataFrame:
    return pair_frame(*synthetic())


@pytest.fixture(scope="module")
def ard() -> pd.DataFrame:
    return analysed().ard


@pytest.fixture(scope="module")
def tables(ard) -> dict:
    return render_tables(ard, TABLES, ARMS)


def all_notes(table) -> list[str]:
    """The notes tied to rows (markers) and the general footnotes."""
    return [*table.notes.values(), *table.footnotes]


def row(table, variable, level=""):
    rows = table.rows
    if variable:
        start = rows.index[rows["Variable"] == variable][0]
    else:
        start = 0
    if not level:
        return rows.loc[start]
    after = rows.loc[start:]
    return after[after["Level"] == level].iloc[0]


def test_pair_frame_aligns_both_arms(pf):
    assert list(pf["pair_id"]) == [1, 2, 3, 4, 5, 6]
    assert list(pf["index_key"]) == [f"s{i}" for i in range(1, 7)]
    assert pf["age_years_idx"].tolist() == COLS["age_years"][0]
    assert pf["age_years_cmp"].tolist() == COLS["age_years"][1]
    assert (pf["arm_idx"] == "SRS").all() and (pf["arm_cmp"] == "RT").all()


def test_pair_frame_rejects_bad_pairs():
    derived, pairs = synthetic()
    bad = pairs.copy()
    bad.loc[0, "comparator_key"] = "r99"
    with pytest.raises(PairingError, match="r99"):
        pair_frame(derived, bad)
    bad = pairs.copy()
    bad.loc[1, "comparator_key"] = "r1"
    with pytest.raises(PairingError, match="two pairs"):
        pair_frame(derived, bad)
    with pytest.raises(PairingError, match="more than once"):
        pair_frame(pd.concat([derived, derived.iloc[:1]]), pairs)


def _mean_sd(values) -> str:
    x = np.asarray([v for v in values if v is not None], float)
    return f"{x.mean():.1f} ± {x.std(ddof=1):.1f}"


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def test_table1_numeric_rows_and_paired_t(tables, ard):
    t = tables["table1"]
    assert list(t.rows.columns) == [
        "Variable", "Level", "SRS", "RT", "Estimate", "p", "Test", "SMD"
    ]  # fmt: skip
    assert t.headers()[2:5] == ["SRS (n = 6)", "RT (n = 6)", "Estimate (95% CI)"]
    assert row(t, "Sex (M : F)")[["SRS", "RT"]].tolist() == ["5 : 1", "5 : 1"]
    for label, col in (
        ("Age, years", "age_years"),
        ("Tumour volume, cc", "tumor_volume_cc"),
    ):
        r = row(t, label)
        x, y = COLS[col]
        assert r["SRS"] == _mean_sd(x) and r["RT"] == _mean_sd(y)
        assert r["p"] == _p(stats.paired_t(x, y).pvalue) and r["Test"] == "paired t"
    # R: t.test(c(50,62,71,45,58,66), c(52,60,70,49,61,63), paired=TRUE)$p.value = 0.6884275698
    assert value(ard, "table1", "age_years", "p") == pytest.approx(0.6884275698, abs=1e-9)
    # SMD without the match stage's balance: the pair frame's own SD of the index arm
    x, y = (np.asarray(v, float) for v in COLS["age_years"])
    smd = (x.mean() - y.mean()) / x.std(ddof=1)
    assert row(t, "Age, years")["SMD"] == f"{smd:.3f}"
    # margin dose: defined for SRS only (arms: [SRS]), not tested across arms
    margin = row(t, "Margin dose, Gy")
    assert margin[["SRS", "RT", "p", "Test"]].tolist() == [
        _mean_sd(COLS["margin_dose_gy"][0]), "n/a", "", ""
    ]  # fmt: skip
    # pretreatment VAS: pair 6 lacks the RT value, dropped from the test and footnoted
    r = row(t, "Pretreatment VAS")
    assert r["p"] == _p(stats.paired_t([7, 8, 5, 9, 6], [6, 5, 7, 8, 3]).pvalue)
    assert any("Pretreatment VAS: 1 pair(s)" in n for n in all_notes(t))


def test_table1_categorical_rows(tables):
    t = tables["table1"]
    # Child-Pugh: pair 6 has no SRS class -> 5 SRS patients with a value; test on 5 pairs
    assert row(t, "Child-Pugh class", "A")[["SRS", "RT"]].tolist() == ["4 (80.0%)", "4 (66.7%)"]
    assert row(t, "Child-Pugh class", "B")[["SRS", "RT"]].tolist() == ["1 (20.0%)", "2 (33.3%)"]
    cp = stats.mcnemar([F, F, T, F, F], [F, T, T, F, F], exact=True)
    assert row(t, "Child-Pugh class", "B")["p"] == _p(cp.pvalue)  # on the tested level's line
    assert row(t, "Child-Pugh class")["p"] == ""
    loc = row(t, "Location of index metastasis")
    regions = ["cervical", "thoracic", "lumbar"]
    assert loc["p"] == _p(stats.bowker(*COLS["index_region"], categories=regions).pvalue)
    assert row(t, "Location of index metastasis", "Lumbar")[["SRS", "RT"]].tolist() == [
        "2 (33.3%)",
        "2 (33.3%)",
    ]
    assert "Sacral" not in set(t.rows["Level"])
    mets = row(t, "Number of spine metastases")
    assert mets["p"] == _p(stats.wilcoxon_signed_rank(*COLS["n_spine_mets"], correct=True).pvalue)
    assert mets["Test"] == "Wilcoxon signed-rank"
    counts = [row(t, "Number of spine metastases", lv)["RT"] for lv in ("1", "2", "3", ">=4")]
    assert counts == ["2 (33.3%)", "1 (16.7%)", "2 (33.3%)", "1 (16.7%)"]
    ecog = row(t, "ECOG", ">=2")
    hi = [[v == ">=2" for v in side] for side in COLS["ecog_group"]]
    assert ecog["p"] == _p(stats.mcnemar(*hi).pvalue)
    assert row(t, "ECOG", ">=2")[["SRS", "RT"]].tolist() == ["2 (33.3%)", "2 (33.3%)"]


def test_table1_footnotes_name_every_test_variant(tables):
    t = tables["table1"]
    notes = " ".join(all_notes(t))
    for method in (
        stats.paired_t([1, 2, 4], [2, 2, 2]).method,
        stats.mcnemar([T, F], [F, F]).method,
        stats.bowker(*COLS["index_region"]).method,
        stats.wilcoxon_signed_rank(*COLS["n_spine_mets"]).method,
    ):
        assert method in notes
    tested = t.rows[t.rows["p"] != ""]
    assert (tested["Test"] != "").all()


def test_table2_rows(tables, ard):
    t = tables["table2"]
    r = row(t, "VAS change (before minus after)")
    x, y = [5, 4, 0, 6, 6], [3, 3, 3, 0, 2]  # pre - post, pair 6 incomplete
    assert r["p"] == _p(stats.paired_t(x, y).pvalue)
    within = row(t, "VAS before vs after, within arm")
    assert (
        within["SRS"] == f"p = {_p(stats.paired_t(COLS['vas_pre'][0], COLS['vas_post'][0]).pvalue)}"
    )
    # pain relief: pair 6 not evaluable (RT) -> listed, excluded from Bowker
    pain = row(t, "Pain relief at 1 month")
    px, py = COLS["pain_response"][0][:5], COLS["pain_response"][1][:5]
    levels = ["complete", "partial", "stable", "progression"]
    assert pain["p"] == _p(stats.bowker(px, py, categories=levels).pvalue)
    assert row(t, "Pain relief at 1 month", "Partial")[["SRS", "RT"]].tolist() == [
        "3 (50.0%)",
        "3 (50.0%)",
    ]
    assert row(t, "Pain relief at 1 month", "Not evaluable")["RT"] == "1 (16.7%)"
    assert "Pain relief at 1 month: 1 pair(s) with not evaluable excluded." in (all_notes(t))
    tox = row(t, "Acute toxicity (RTOG, within 90 days), patients with any")
    assert tox[["SRS", "RT"]].tolist() == ["2 (33.3%)", "4 (66.7%)"]
    tox_x = [T, F, T, F, F, F]
    tox_y = [F, T, F, T, T, T]
    assert tox["p"] == _p(stats.mcnemar(tox_x, tox_y, exact=True).pvalue)
    assert row(t, tox["Variable"], "Esophagitis")[["SRS", "RT"]].tolist() == [
        "0 (0.0%)",
        "2 (33.3%)",
    ]
    cf = row(t, "Compression fracture at the treated level")
    assert cf["p"] == _p(stats.mcnemar(*COLS["compression_fracture"]).pvalue)
    interval = row(t, "Further treatment at index level", "Interval, months")
    assert interval["p"] == _p(stats.welch_t([3.0, 6.5], [4.0, 8.0, 2.5]).pvalue)
    # R: t.test(c(3, 6.5), c(4, 8, 2.5))$p.value = 0.9748306476
    p = value(ard, "table2", "further_tx_interval_months", "p")
    assert p == pytest.approx(0.9748306476, abs=1e-9)
    assert row(t, "Further treatment by type", "Vertebroplasty/kyphoplasty")[
        ["SRS", "RT"]
    ].tolist() == ["1", "1"]
    assert row(t, "Further treatment by reason", "Compression fracture")[
        ["SRS", "RT"]
    ].tolist() == ["1", "1"]
    assert row(t, "Follow-up MRI")[["SRS", "RT"]].tolist() == ["5 (83.3%)", "4 (66.7%)"]
    assert any("Welch" in n and "not matched pairs" in n for n in all_notes(t))


def test_table3_grades(tables):
    t = tables["table3"]
    anyrow = t.rows.iloc[0]
    assert anyrow["SRS any"] == "2 (33.3%)" and anyrow["RT any"] == "4 (66.7%)"
    # highest grade per patient: SRS {1, 2}; RT {1 (nausea), 1, 1 (skin), 3} -> pair 2 max 2
    # every cell n (% of the arm's 6 patients)
    grades = [anyrow[f"SRS grade {g}"] for g in ("1", "2", ">=3")]
    assert grades == ["1 (16.7%)", "1 (16.7%)", "0 (0.0%)"]
    grades = [anyrow[f"RT grade {g}"] for g in ("1", "2", ">=3")]
    assert grades == ["2 (33.3%)", "1 (16.7%)", "1 (16.7%)"]
    nausea = t.rows[t.rows["Variable"] == "Nausea"].iloc[0]
    cells = [nausea["SRS any"], nausea["SRS grade 1"], nausea["SRS grade 2"]]
    assert cells == ["2 (33.3%)", "1 (16.7%)", "1 (16.7%)"]
    assert t.headers()[1:5] == ["Any", "Grade 1", "Grade 2", "Grade >=3"]
    assert t.spanners == [("", 1), ("SRS (n = 6)", 4), ("RT (n = 6)", 4)]
    assert not any("only toxicity is an (ungraded)" in n for n in all_notes(t))
    fracture = t.rows[t.rows["Variable"].str.startswith("Compression fracture")].iloc[0]
    assert fracture["SRS any"] == "2 (33.3%)" and fracture["SRS grade 1"] == ""


def test_table3_counts_fracture_only_patients_in_a_footnote():
    derived, pairs = synthetic()
    # SRS patient s4 has only a compression fracture; counting it as a toxicity makes it a
    # patient with any toxicity but with no grade
    derived.loc[derived["patient_key"] == "s4", "tox_any"] = True
    t = rendered(derived, pairs)["table3"]
    assert t.rows.iloc[0]["SRS any"] == "3 (50.0%)"
    grades = [t.rows.iloc[0][f"SRS grade {g}"] for g in ("1", "2", ">=3")]
    assert grades == ["1 (16.7%)", "1 (16.7%)", "0 (0.0%)"]
    assert any(
        "compression fracture, counted in no grade column: SRS 1, RT 0" in n for n in all_notes(t)
    )


def test_rows_come_from_the_study_config():
    rcc = yaml.safe_load((ROOT / "config" / "rcc.yaml").read_text(encoding="utf-8"))
    tables = {**TABLES, "table1": rcc["tables"]["table1"]}
    ard = analysed(tables=tables).ard
    t1 = render_tables(ard, tables, ARMS)["table1"]
    assert "Child-Pugh class" not in set(t1.rows["Variable"])
    assert not (ard["variable"] == "child_pugh").any()
    assert list(t1.rows["Variable"][t1.rows["Variable"] != ""]) == [
        r["label"] for r in rcc["tables"]["table1"]["rows"]
    ]
    assert not any("Child-Pugh" in n for n in all_notes(t1))


def test_arm_names_are_the_study_configs():
    derived, pairs = synthetic()
    derived["arm"] = derived["arm"].map({"SRS": "Surgery", "RT": "Observation"})
    arms = ("Surgery", "Observation")
    tables = {"table2": TABLES["table2"]}  # table1 names arm SRS (margin dose)
    result = analyse(derived, pairs, arms, tables, PARAMS)
    t2 = render_tables(result.ard, tables, arms)["table2"]
    assert list(t2.rows.columns[2:4]) == ["Surgery", "Observation"]
    assert set(result.ard["arm"]) == {"Surgery", "Observation", "all"}


def test_an_unexpected_level_is_shown_never_dropped():
    derived, pairs = synthetic()
    derived.loc[derived["patient_key"] == "r2", "child_pugh"] = "C"
    t1 = rendered(derived, pairs)["table1"]
    assert row(t1, "Child-Pugh class", "C")[["SRS", "RT"]].tolist() == ["0 (0.0%)", "1 (16.7%)"]
    assert "C" not in set(rendered()["table1"].rows["Level"])  # not shown when nobody has it


def test_level_labels_come_from_the_cdm_contract(tables):
    t2 = tables["table2"]
    assert "Skin problem" in set(t2.rows["Level"])  # schemas/cdm.yaml labels.toxicity_type
    assert "Vertebroplasty/kyphoplasty" in set(t2.rows["Level"])
    assert row(tables["table1"], "Number of spine metastases", ">=4")["Level"] == ">=4"


def test_ard_contract_rejects_an_impossible_p(ard):
    import pandera.errors

    from spinepair.contracts.stages import load_stage_schema

    bad = ard.copy()
    bad.loc[bad["statistic"] == "p", "p"] = 1.5
    with pytest.raises(pandera.errors.SchemaError):
        load_stage_schema("ard.yaml").validate(bad)
    assert load_stage_schema("ard.yaml").validate(ard) is not None


def test_ard_holds_every_published_number_unrounded(ard, pf):
    x = pf["age_years_idx"].astype(float)
    assert value(ard, "table1", "age_years", "mean", arm="SRS") == x.mean()
    assert value(ard, "table1", "age_years", "sd", arm="SRS") == x.std(ddof=1)
    hit = ard[(ard["row"] == "tox_any") & (ard["statistic"] == "n") & (ard["arm"] == "RT")]
    assert (hit["value"].iloc[0], hit["denominator"].iloc[0]) == (4, 6)


def test_missing_rows_and_markers_tied_to_rows(ard):
    # the ARD's "missing" rows (per row and arm) give a Missing row under their variable:
    # the synthetic data lack one SRS Child-Pugh class and one RT pretreatment VAS
    missing = ard[(ard["statistic"] == "missing") & (ard["table"] == "table1")]
    assert missing.loc[missing["value"] > 0, ["row", "arm"]].values.tolist() == [
        ["child_pugh", "SRS"],
        ["vas_pre", "RT"],
    ]
    t = render_tables(ard, TABLES, ARMS)["table1"]
    at = t.rows.index[t.rows["Level"] == "Missing"]
    assert len(at) == 2 and t.rows.loc[at[0], ["SRS", "RT"]].tolist() == ["1", "0"]
    assert t.rows.loc[at[0] - 1, "Level"] == "B"  # right under Child-Pugh's last level
    assert t.rows.loc[at[1] - 1, "Variable"] == "Pretreatment VAS"
    assert any("Missing = patients without a value" in n for n in t.footnotes)
    # every row note has a marker on its row, and each marker is used
    marks = [m for row in t.row_marks() for m in row]
    assert set(marks) == set(t.notes)
    child = t.row_marks()[at[0] - 1]  # the tested level's line (B)
    assert any("Child-Pugh class B: 1 pair(s) with a missing value" in t.notes[m] for m in child)
    without = ard[ard["statistic"] != "missing"]
    assert "Missing" not in set(render_tables(without, TABLES, ARMS)["table1"].rows["Level"])


def test_an_estimate_that_rounds_to_zero_has_no_sign():
    # Hodges-Lehmann estimates of counts are often -0.0001-like; "-0.00" must not print
    assert fmt_estimate(-0.0001, -1.0, -0.004, 2) == "0.00 (-1.00, 0.00)"
    assert fmt_estimate(-0.286, -0.48, -0.047, 2) == "-0.29 (-0.48, -0.05)"
