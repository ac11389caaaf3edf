"""Round trip of the four export styles: ingest(render(truth)) == expected(truth)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from spinepair.ingest.pipeline import ingest_site
from spinepair.ingest.statfiles import read_stat_file
from spinepair.synth.render import STYLES, render_site
from tests.helpers.strategies import expected, frame, small_truth, truths
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"
STYLE_OF = {
    "A": ("wide_csv", "SRS"),
    "B": ("xlsx", "SRS"),
    "C": ("cp949_csv", "RT"),
    "D": ("long_eav", "RT"),
}
KEY = b"test-key"
# Styles E and F hold both arms (each patient's arm: the primary course's modality);
# their specs ship with the simulator (the demo study keeps the paper's four sites).
BOTH_ARMS = {"E": "department_xlsx", "F": "spss"}
PACKAGE_SITES = ROOT / "src" / "spinepair" / "synth" / "sites"


def _digest(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("site", sorted(STYLE_OF))
def test_round_trip(site, tmp_path_factory):
    style, arm = STYLE_OF[site]

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(truths(prefix=site, arm=arm))
    def check(truth):
        raw = tmp_path_factory.mktemp(site)
        render_site(truth, style, raw)
        result = ingest_site(SITES / f"{site}.yaml", raw, site, KEY)
        want = expected(truth, site, arm, KEY)
        for table, want_table in want.items():
            pd.testing.assert_frame_equal(result.tables[table], want_table, obj=f"{site} {table}")
        assert result.report["status"] == "ok"
        assert result.quarantine.empty
        total = sum(len(f) for f in truth.values())
        assert sum(t["records_ingested"] for t in result.report["tables"].values()) == total

    check()


@pytest.mark.parametrize("site", sorted(BOTH_ARMS))
def test_round_trip_both_arms(site, tmp_path_factory):
    style = BOTH_ARMS[site]

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(truths(prefix="0", all_treated=True, whole_cgy=True))
    def check(truth):
        raw = tmp_path_factory.mktemp(site)
        render_site(truth, style, raw)
        result = ingest_site(PACKAGE_SITES / f"{site}.yaml", raw, site, KEY)
        for table, want_table in expected(truth, site, None, KEY).items():
            pd.testing.assert_frame_equal(result.tables[table], want_table, obj=f"{site} {table}")
        assert result.report["status"] == "ok"
        total = sum(len(f) for f in truth.values())
        assert sum(t["records_ingested"] for t in result.report["tables"].values()) == total

    check()


def test_department_and_spss_exports_are_realistic(tmp_path):
    """Spot checks of styles E and F: title rows, merged two-row header, serial dates,
    per-fraction prescriptions, the filtered patient, the footer; SPSS value labels."""
    truth = small_truth("0")
    render_site(truth, "department_xlsx", tmp_path / "E")
    render_site(truth, "spss", tmp_path / "F")
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "E" / "E_department.xlsx"))
    pats = book.get_sheet_by_name("환자목록").to_python()
    assert pats[2][:3] == ["진단구분", "등록번호", "성명"]
    assert pats[3][1] == 17 and pats[3][6] == 18326  # id as a number, birth as a serial day
    assert pats[-2][0] == "뇌전이" and pats[-1][:2] == ["합계", "3명"]
    sheet = book.get_sheet_by_name("치료내역")
    rows = sheet.to_python()
    assert rows[2][4:7] == ["치료기간", "", "처방"] and rows[3][4:7] == ["시작일", "종료일", "선량"]
    assert rows[4][0] == "00000017" and rows[4][6] == "800cGy x 3fx"
    assert ((2, 4), (2, 5)) in sheet.merged_cell_ranges
    f = read_stat_file(tmp_path / "F" / "F_patients.sav", "sav")
    assert f.labels["SEX"] == {"1": "Male", "2": "Female"}
    assert f.labels["GROUP"] == {"1": "SRS", "2": "RT"}


@pytest.mark.parametrize("style", STYLES)
def test_rendering_is_deterministic(style, tmp_path):
    truth = small_truth("R")
    truth["toxicities"] = frame(
        "toxicities",
        [
            {
                "patient_id": "R0000017",
                "date": pd.Timestamp("2016-03-03"),
                "type": t,
                "rtog_grade": 2,
            }
            for t in ("nausea", "skin")
        ],
    )
    first, second = tmp_path / "1", tmp_path / "2"
    render_site(truth, style, first)
    render_site(truth, style, second)
    assert _digest(first) == _digest(second)
    assert len(_digest(first)) >= 1


def test_unknown_style_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown export style"):
        render_site({}, "pdf", tmp_path)


def test_exports_are_realistic(tmp_path):
    """Spot checks of the raw formats: cGy, text dates, CP949 Korean headers, EAV lines."""
    truth = small_truth("S")
    for site, (style, _) in STYLE_OF.items():
        render_site(truth, style, tmp_path / site)
    dose = truth["treatments"]["total_dose_gy"].iloc[0]
    c_text = (tmp_path / "C" / "C_rt.csv").read_bytes().decode("cp949")
    assert c_text.startswith("등록번호,치료차수,치료방법")
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "C" / "C_patient.csv").read_bytes().decode("utf-8")
    d_head = (tmp_path / "D" / "D_cdw_extract.csv").read_text().splitlines()[0]
    assert d_head == "PT_NO,ENTITY,SEQ,ATTR,VALUE"
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "B" / "B_spine_registry.xlsx"))
    rows = book.get_sheet_by_name("RT Courses").to_python()
    assert rows[0][6] == "Total Dose (cGy)"
    assert rows[1][6] == pytest.approx(dose * 100)
    assert isinstance(rows[1][4], str) and rows[1][4].count("/") == 2
