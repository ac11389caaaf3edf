"""Kaplan-Meier figure: files written, deterministic bytes, p-value and medians in the SVG."""

from __future__ import annotations

import numpy as np

from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import km_groups
from spinepair.report.kmplot import at_risk_times, km_figure
from tests.test_tables import ARMS, synthetic


def draw(directory, pvalue=0.8523, medians=None, **options):
    groups = km_groups(pair_frame(*synthetic()), "os", ARMS)
    png, svg = directory / "km.png", directory / "km.svg"
    km_figure(groups, "Overall survival", pvalue, medians, png, svg, **options)
    return png, svg


def test_files_and_text(tmp_path):
    png, svg = draw(tmp_path, medians={"SRS": 12.0, "RT": float("nan")})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "Stratified log-rank p = 0.852" in text
    assert "SRS (n = 6, median 12.0 mo)" in text
    assert "RT (n = 6, median not reached)" in text
    assert "Number at risk" in text and "Months after treatment" in text


def test_small_pvalue_and_medians_from_curves(tmp_path):
    _, svg = draw(tmp_path, pvalue=0.0004)
    text = svg.read_text(encoding="utf-8")
    assert "Stratified log-rank p &lt; 0.001" in text
    # medians from the curves: R quantile(survfit(Surv(c(12, 5, 8.5, 20, 3, 15),
    # c(1,1,0,1,1,0)) ~ 1), 0.5) = 12; RT (os_t[7:12], os_e[7:12] of test_survival_summary) 10
    assert "SRS (n = 6, median 12.0 mo)" in text and "RT (n = 6, median 10.0 mo)" in text


def test_deterministic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = draw(tmp_path / "a")
    b = draw(tmp_path / "b")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()


def test_at_risk_times():
    np.testing.assert_array_equal(at_risk_times(20), [0, 3, 6, 9, 12, 15, 18])
    np.testing.assert_array_equal(at_risk_times(5), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(at_risk_times(50), [0, 12, 24, 36, 48])


def test_figure_options(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    png, svg = draw(tmp_path / "a", width=8.0, height=4.0, dpi=100, xlabel="Weeks")
    text = svg.read_text(encoding="utf-8")
    assert 'width="576pt" height="288pt"' in text and "Weeks" in text  # 72 pt per inch
    default_png, _ = draw(tmp_path / "b")
    assert png.stat().st_size < default_png.stat().st_size  # 100 dpi vs 300 dpi
