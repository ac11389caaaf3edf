"""Kaplan-Meier and cumulative-incidence figures: files, deterministic bytes, the endpoint's y
label, p and HR text, horizon, and no text box crossing a curve (display coordinates)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from spinepair.analysis.endpoint_definitions import endpoint
from spinepair.analysis.pair_frame import pair_frame
from spinepair.analysis.survival_summary import km_groups
from spinepair.report.kmplot import (
    at_risk_times,
    auto_horizon,
    cif_curves,
    cif_figure,
    fmt_p,
    km_figure,
)
from tests.test_tables import ARMS, synthetic


def draw(directory, pvalue=0.8523, hr=(0.71, 0.34, 1.48), **options):
    groups = km_groups(pair_frame(*synthetic()), endpoint("os", "OS"), ARMS, None)
    png, svg = directory / "km.png", directory / "km.svg"
    options.setdefault("ylabel", "Overall survival probability")
    fig = km_figure(groups, png, svg, pvalue=pvalue, hr=hr, **options)
    return png, svg, fig


def step_points(line, n=400) -> np.ndarray:
    """Points along a plotted line in display coordinates (each segment sampled)."""
    xy = line.get_transform().transform(line.get_xydata())
    pieces = [np.linspace(a, b, n) for a, b in itertools.pairwise(xy)]
    return np.concatenate(pieces) if pieces else xy


def text_boxes(fig):
    """Display boxes of the legend and every text drawn inside the plot axes."""
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    return boxes + [ax.get_legend().get_window_extent(renderer)]


def assert_no_text_on_curves(fig):
    ax = fig.axes[0]
    points = np.concatenate(
        [step_points(line) for line in ax.get_lines() if len(line.get_xydata())]
    )
    for box in text_boxes(fig):
        inside = (
            (points[:, 0] > box.x0)
            & (points[:, 0] < box.x1)
            & (points[:, 1] > box.y0)
            & (points[:, 1] < box.y1)
        )
        assert not inside.any(), f"text box {box} crosses a curve"


def test_files_text_and_labels(tmp_path):
    png, svg, _ = draw(tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "Stratified log-rank p = 0.85" in text
    assert "HR SRS vs RT 0.71 (95% CI 0.34–1.48)" in text
    # medians from the curves: R quantile(survfit(Surv(c(12, 5, 8.5, 20, 3, 15),
    # c(1,1,0,1,1,0)) ~ 1), 0.5) = 12; RT (os_t[7:12], os_e[7:12] of test_survival_summary) 10
    assert "SRS (n = 6, median 12.0 mo)" in text and "RT (n = 6, median 10.0 mo)" in text
    assert "Number at risk" in text and "Months after treatment" in text
    assert "Overall survival probability" in text and ">Probability<" not in text


@pytest.mark.parametrize("ci", [False, True])
def test_text_boxes_never_cross_a_curve(tmp_path, ci):
    *_, fig = draw(tmp_path, ci=ci)
    assert_no_text_on_curves(fig)
    if ci:
        assert fig.axes[0].collections  # the bands


def test_p_formats():
    assert fmt_p(0.0004) == "p < 0.001"
    assert fmt_p(1.0) == "p > 0.99" and fmt_p(0.995) == "p > 0.99"
    assert fmt_p(0.336) == "p = 0.34" and fmt_p(0.5) == "p = 0.50"
    assert fmt_p(0.04321) == "p = 0.043" and fmt_p(0.001) == "p = 0.0010"
    assert fmt_p(float("nan")) == ""


def test_horizon():
    # 10 patients: times 1..10; at t = 10 only 1 (10%) remains, at 9 two
    assert auto_horizon(np.arange(1, 11), 0.1) == 10.0
    assert auto_horizon(np.arange(1, 11), 0.2) == 9.0
    # 30% of 5 = 1.5: two at risk at t = 4 (4 and 50), one at 50: the long survivor is cut off
    assert auto_horizon([1, 2, 3, 4, 50], 0.3) == 4.0


def test_axis_stops_at_the_horizon(tmp_path):
    *_, fig = draw(tmp_path, horizon=9.0)
    assert fig.axes[0].get_xlim() == (0.0, 9.0)
    np.testing.assert_array_equal(fig.axes[0].get_xticks(), at_risk_times(9.0))
    *_, auto = draw(tmp_path)
    # pooled OS times of the 12 patients; at least 10% (1.2, so 2) at risk up to 15 months
    assert auto.axes[0].get_xlim()[1] == 15.0


def test_deterministic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = draw(tmp_path / "a"), draw(tmp_path / "b")
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()


def test_at_risk_times():
    np.testing.assert_array_equal(at_risk_times(20), [0, 3, 6, 9, 12, 15, 18])
    np.testing.assert_array_equal(at_risk_times(5), [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(at_risk_times(50), [0, 12, 24, 36, 48])


def test_cumulative_incidence_figure(tmp_path):
    rows = pd.DataFrame(
        {
            "arm": ["SRS"] * 3 + ["RT"] * 3 + ["all"],
            "level": [""] * 7,
            "statistic": ["cif"] * 6 + ["gray_p"],
            "time": [1, 3, 6, 1, 3, 6, np.nan],
            "value": [0.1, 0.3, 0.5, 0.0, 0.1, 0.2, 0.04],
            "lower": [0.0, 0.1, 0.2, 0.0, 0.0, 0.05, np.nan],
            "upper": [0.3, 0.5, 0.7, 0.1, 0.3, 0.4, np.nan],
        }
    )
    curves = cif_curves(rows, ARMS)
    assert list(curves) == ["SRS", "RT"]
    np.testing.assert_array_equal(curves["RT"][1], [0.0, 0.1, 0.2])
    fig = cif_figure(
        curves, tmp_path / "c.png", tmp_path / "c.svg", ylabel="Cumulative incidence", pvalue=0.04,
        ci=True,
    )  # fmt: skip
    text = (tmp_path / "c.svg").read_text(encoding="utf-8")
    assert "Gray's test p = 0.040" in text
    assert_no_text_on_curves(fig)


def test_box_names_the_set_n_and_each_test():
    from spinepair.report.kmplot import stats_text

    text = stats_text(
        0.527, "Stratified log-rank", (0.86, 0.29, 2.55), "SRS vs RT",
        analysis_set="pairs with follow-up MRI, n = 20 pairs", hr_p=0.782,
    )  # fmt: skip
    assert text.splitlines() == [
        "pairs with follow-up MRI, n = 20 pairs",
        "Stratified log-rank p = 0.53",
        "HR SRS vs RT 0.86 (95% CI 0.29–2.55), Wald p = 0.78",
    ]
