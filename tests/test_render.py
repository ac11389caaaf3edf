"""Round trip of the four export styles: ingest(render(truth)) == expected(truth)."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from spinepair.ingest.pipeline import ingest_site
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
