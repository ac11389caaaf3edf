"""The STROBE-style flow: exclusions worded as exclusions, no zero steps, arms joined into pairs."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from spinepair.cohort import flowchart
from spinepair.cohort.attrition import pooled_attrition
from spinepair.cohort.eligibility import select
from spinepair.cohort.flow import analysed_from_ard, study_flow

STEPS = [
    {"name": "window", "column": "year", "between": [2005, 2012], "exclusion": "outside 2005-2012"},
    {"name": "primary", "column": "primary", "in": ["HCC"]},
    {
        "name": "prior",
        "column": "prior",
        "in_by_arm": {"SRS": ["none"], "RT": ["none", "rt"]},
        "exclusion": {"SRS": "any previous treatment", "RT": "previous surgery"},
    },
]


def _site(site: str, arm: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "patient_key": f"{site}{i}",
                "site": site,
                "arm": arm,
                "year": y,
                "primary": p,
                "prior": q,
            }
            for i, (y, p, q) in enumerate(rows)
        ]
    )


@pytest.fixture
def study():
    """Site A (SRS): 4 patients, B (SRS): 2, C (RT): 5; all inside the window."""
    sites = [
        _site(
            "A",
            "SRS",
            [
                (2008, "HCC", "none"),
                (2009, "RCC", "none"),
                (2010, "HCC", "rt"),
                (2011, "HCC", "none"),
            ],
        ),
        _site("B", "SRS", [(2006, "HCC", "none"), (2007, "lung", "none")]),
        _site(
            "C",
            "RT",
            [
                (2008, "HCC", "none"),
                (2009, "HCC", "rt"),
                (2010, "HCC", "surgery"),
                (2011, "RCC", "none"),
                (2012, "HCC", "none"),
            ],
        ),
    ]
    results = [select(s, STEPS) for s in sites]
    cohort = pd.concat([c for c, _ in results], ignore_index=True)
    pairs = pd.DataFrame({"index_key": ["A0", "B0"], "comparator_key": ["C0", "C1"]})
    return pooled_attrition([a for _, a in results], cohort, pairs, [], index_arm="SRS")


def test_boxes_word_exclusions_per_arm_with_site_counts_and_skip_zero_steps(study):
    flow = study_flow(study, ["SRS", "RT"], [("pain", {"SRS": 2, "RT": 1})])
    srs, rt = flow.arms
    assert (srs.top_label, srs.screened, srs.screened_by_site) == ("screened", 6, {"A": 4, "B": 2})
    # the study window excluded nobody: not drawn
    assert [(e.wording, e.n, e.by_site) for e in srs.exclusions] == [
        ("primary not in ['HCC']", 2, {"A": 1, "B": 1}),
        ("any previous treatment", 1, {"A": 1}),
    ]
    assert [(e.wording, e.n) for e in rt.exclusions] == [
        ("primary not in ['HCC']", 1),
        ("previous surgery", 1),
    ]
    assert (srs.eligible, srs.not_matched.n, srs.matched) == (3, 1, 2)
    assert srs.not_matched.wording == "no comparator inside the calipers"
    assert (rt.eligible, rt.not_matched.wording, rt.matched) == (3, "not chosen as a match", 2)
    assert flow.pairs == 2 and flow.analysed == [("pain", {"SRS": 2, "RT": 1})]


def test_arms_ending_in_different_counts_are_refused(study):
    broken = study.copy()
    last = (broken["arm"] == "RT") & (broken["site"] == "all") & (broken["step"] == "matched 1:1")
    broken.loc[last, "n_after"] = 3
    with pytest.raises(ValueError, match="different numbers of matched patients"):
        study_flow(broken, ["SRS", "RT"], [])


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_drawn_boxes_hold_their_text_and_never_overlap(study, monkeypatch, tmp_path):
    figures = []

    class Recording(flowchart.Figure):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            figures.append(self)

    monkeypatch.setattr(flowchart, "Figure", Recording)
    flow = study_flow(study, ["SRS", "RT"], [("pain response", {"SRS": 2, "RT": 2})])
    flowchart.flow_diagram(flow, tmp_path / "f.svg", tmp_path / "f.png")
    assert (tmp_path / "f.svg").stat().st_size and (tmp_path / "f.png").stat().st_size
    fig = figures[0]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    ax = fig.axes[0]
    boxes = [p.get_window_extent(renderer) for p in ax.patches]
    drawn = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]
    texts = [text for text, _ in drawn]
    assert "2 matched pairs" in texts
    assert "SRS arm\nscreened: n = 6\n(sites A 4 · B 2)" in texts
    assert any(t.startswith("Excluded (n = 3)\n• primary not in ['HCC']: 2") for t in texts)
    assert "Analysed\n• pain response: 2" in texts
    assert len(boxes) == len(texts)
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b)
    # every text lies inside one box
    for _, text in drawn:
        assert any(
            b.x0 <= text.x0 and text.x1 <= b.x1 and b.y0 <= text.y0 and text.y1 <= b.y1
            for b in boxes
        )


def test_analysed_boxes_come_from_the_flow_rows_of_the_primary_analysis():
    def row(key, label, arm, n, variant="primary", table="flow", statistic="n_analysed"):
        return {
            "table": table,
            "row": key,
            "variable": label,
            "arm": arm,
            "statistic": statistic,
            "value": float(n),
            "variant": variant,
        }

    ard = pd.DataFrame(
        [
            row("pain_response", "pain response at 1 month", "SRS", 27),
            row("pain_response", "pain response at 1 month", "RT", 28),
            row("os", "", "SRS", 28),
            row("os", "", "RT", 28),
            row("lc", "follow-up MRI", "SRS", 24),
            row("lc", "follow-up MRI", "RT", 23),
            row("lc", "follow-up MRI", "RT", 20, variant="other"),
            row("os", "", "SRS", 99, table="survival"),
            row("pain_response", "pain response at 1 month", "SRS", 5, statistic="missing"),
        ]
    )  # fmt: skip
    titles = {"os": "Overall survival", "lc": "Local control"}
    assert analysed_from_ard(ard, titles) == [
        ("pain response at 1 month", {"SRS": 27, "RT": 28}),
        ("Overall survival", {"SRS": 28, "RT": 28}),
        ("Local control (follow-up MRI)", {"SRS": 24, "RT": 23}),
    ]
