"""Sensitivity analyses: config deep merge, category changes, summary table, forest plot."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from spinepair.analysis.ard import PRIMARY, ArdRows, to_frame
from spinepair.analysis.sensitivity import StudySettings, category_changes
from spinepair.analysis.sensitivity_summary import (
    NOT_IN_ARD,
    flat_overrides,
    summary_markdown,
    summary_table,
)
from spinepair.analysis.settings import (
    analysis_settings,
    deep_merge,
    variant_config,
    variant_settings,
)
from spinepair.escape import markdown_unescape
from spinepair.report.forest import forest_figure, forest_plot

ARMS = ("SRS", "RT")
BASE = {
    "endpoints": {"exactly_two": "stable", "alpha_beta": 10.0, "ladder": {"none": 0, "otc": 1}},
    "matching": {"method": "optimal", "calipers": [{"variable": "age", "width": 10}]},
    "analysis": {"analysis_sets": {"lc": {"require": "followup_mri"}}, "alpha": 0.05},
}


def test_deep_merge_merges_mappings_and_replaces_lists():
    merged = deep_merge(
        BASE,
        {
            "endpoints": {"exactly_two": "partial", "ladder": {"otc": 2}},
            "matching": {"calipers": [{"variable": "year", "width": 2}]},
        },
    )
    assert merged["endpoints"] == {
        "exactly_two": "partial",
        "alpha_beta": 10.0,
        "ladder": {"none": 0, "otc": 2},
    }
    assert merged["matching"] == {
        "method": "optimal",
        "calipers": [{"variable": "year", "width": 2}],
    }
    assert merged["analysis"] == BASE["analysis"]


def test_deep_merge_null_removes_and_base_is_untouched():
    before = repr(BASE)
    merged = deep_merge(BASE, {"analysis": {"analysis_sets": {"lc": None}, "new": [1]}})
    assert merged["analysis"] == {"analysis_sets": {}, "alpha": 0.05, "new": [1]}
    merged["endpoints"]["ladder"]["none"] = 99
    assert repr(BASE) == before


def test_category_changes_counts_matched_patients_per_arm_and_transition():
    keys = [f"p{i}" for i in range(6)]
    arm = ["SRS", "SRS", "SRS", "RT", "RT", "RT"]
    primary = pd.DataFrame(
        {"patient_key": keys, "pain": ["stable", "stable", "partial", "stable", None, "stable"]}
    )
    variant = pd.DataFrame(
        {
            "patient_key": keys,
            "arm": arm,
            "pain": ["partial", "stable", "partial", "partial", "stable", "partial"],
        }
    )
    # p2/p5 unmatched: p5's change is not counted
    pairs = pd.DataFrame({"index_key": ["p0", "p1"], "comparator_key": ["p3", "p4"]})
    ard = to_frame([category_changes(primary, variant, pairs, ["pain"], ARMS)])
    changed = ard[ard["statistic"] == "patients_changed"].set_index("arm")
    assert changed.loc["SRS", "value"] == 1 and changed.loc["SRS", "n"] == 2
    assert changed.loc["RT", "value"] == 2 and changed.loc["RT", "n"] == 2
    assert changed.loc["all", "value"] == 3 and changed.loc["all", "n"] == 4
    moved = ard[ard["statistic"] == "patients_moved"]
    got = {(r.arm, r.level): r.value for r in moved.itertuples()}
    assert got == {
        ("SRS", "stable -> partial"): 1,
        ("RT", "stable -> partial"): 1,
        ("RT", "missing -> stable"): 1,
    }


def ard_of(variant, vas, hr, pairs_lc=20, changes=None):
    """A small ARD: a table2 estimate row (n = pairs) and a survival HR (n from ``pairs``)."""
    rows = ArdRows("table2", variant)
    rows.add(
        "vas_change",
        "vas_change",
        "estimate",
        vas[0],
        lower=vas[1],
        upper=vas[2],
        p=vas[3],
        n=28,
        method="paired mean difference",
    )
    surv = ArdRows("survival", variant)
    surv.add("lc", "lc", "cox_hr", hr[0], lower=hr[1], upper=hr[2], p=hr[3], method="Cox")
    surv.add("lc", "lc", "pairs", pairs_lc)
    parts = [rows, surv]
    if changes:
        ch = ArdRows("sensitivity", variant)
        for arm, (k, n) in changes.items():
            ch.add("pain_response", "pain_response", "patients_changed", k, arm=arm, n=n)
        ch.add(
            "pain_response",
            "pain_response",
            "patients_moved",
            2,
            arm="SRS",
            level="stable -> partial",
        )
        ch.add(
            "pain_response",
            "pain_response",
            "patients_moved",
            3,
            arm="RT",
            level="stable -> partial",
        )
        parts.append(ch)
    return to_frame(parts)


ESTIMATES = [
    {"table": "table2", "row": "vas_change", "label": "VAS change"},
    {
        "table": "survival",
        "row": "lc",
        "statistic": "cox_hr",
        "label": "LC HR",
        "reference": 1,
        "log": True,
    },
    {"table": "table2", "row": "tox_any", "label": "Any toxicity"},
]
VARIANTS = {
    "pain_partial": {
        "description": "exactly 2 is partial",
        "overrides": {"endpoints": {"exactly_two": "partial"}},
    },
    "wide": {
        "description": "wide calipers",
        "overrides": {"matching": {"calipers": [{"variable": "age", "width": 15}]}},
    },
}


@pytest.fixture
def summary():
    ards = {
        PRIMARY: ard_of(PRIMARY, (0.5, -0.4, 1.4, 0.25), (0.71, 0.23, 2.25, 0.57)),
        "pain_partial": ard_of(
            "pain_partial",
            (0.5, -0.4, 1.4, 0.25),
            (0.71, 0.23, 2.25, 0.57),
            changes={"SRS": (2, 28), "RT": (3, 28), "all": (5, 56)},
        ),
        "wide": ard_of("wide", (0.9, 0.1, 1.7, 0.03), (0.5, 0.2, 1.25, 0.14), pairs_lc=25),
    }
    pairs = {PRIMARY: 28, "pain_partial": 28, "wide": 31}
    descriptions = {k: v["description"] for k, v in VARIANTS.items()}
    return ards, summary_table(ards, pairs, ESTIMATES, descriptions)


def test_summary_table_rows_values_and_change(summary):
    _, table = summary
    assert len(table) == 3 * 3
    assert list(table["variant"][:3]) == [PRIMARY, "pain_partial", "wide"]
    wide = table[(table["variant"] == "wide") & (table["estimate"] == "table2/vas_change/estimate")]
    row = wide.iloc[0]
    assert (row.value, row.lower, row.upper, row.p, row.n, row.pairs) == (
        0.9,
        0.1,
        1.7,
        0.03,
        28,
        31,
    )
    assert row.change == pytest.approx(0.4)
    hr = table[(table["variant"] == "wide") & (table["estimate"] == "survival/lc/cox_hr")].iloc[0]
    assert hr.n == 25  # no n on the HR row: the endpoint's analysed pairs
    assert hr.change == pytest.approx(0.5 - 0.71)
    missing = table[table["estimate"] == "table2/tox_any/estimate"]
    assert missing["method"].eq(NOT_IN_ARD).all() and missing["value"].isna().all()


def test_summary_markdown_names_changes_and_overrides(summary):
    ards, table = summary
    md = markdown_unescape(summary_markdown(table, ards, VARIANTS, ARMS, "Sensitivity analyses"))
    flat = re.sub(r" +", " ", md)
    assert "| VAS change | wide calipers | 0.90 (0.10, 1.70) | 0.030 | 28 | 31 | +0.40 |" in flat
    # a survival p names its test; the VAS p (a table row) is named in its table's footnotes
    assert "| LC HR | Primary analysis | 0.71 (0.23, 2.25) | 0.570 (Wald) | 20 | 28 | |" in flat
    assert (
        "exactly 2 is partial (pain_partial): pain_response changes for 5 of 56 matched "
        "patients (SRS 2 of 28, RT 3 of 28): stable -> partial (SRS 2); stable -> partial (RT 3)"
    ) in md
    assert "wide calipers (wide): matching.calipers = [{'variable': 'age', 'width': 15}]" in md
    assert NOT_IN_ARD in md


def test_flat_overrides():
    assert flat_overrides(
        {"endpoints": {"exactly_two": "partial"}, "analysis": {"a": {"b": 1}}}
    ) == [
        "endpoints.exactly_two = partial",
        "analysis.a.b = 1",
    ]


def marker_boxes(fig):
    """Display-space boxes of every plotted marker and CI bar (pixels)."""
    renderer = fig.canvas.get_renderer()
    boxes = []
    for ax in fig.axes:
        for line in ax.get_lines():
            xy = line.get_xydata()
            if line.get_marker() in ("None", None, "") or len(xy) == 0:
                continue
            half = line.get_markersize() * fig.dpi / 72 / 2
            for x, y in ax.transData.transform(xy):
                boxes.append((x - half, y - half, x + half, y + half))
        for coll in ax.collections:  # the CI bars
            ext = coll.get_window_extent(renderer)
            boxes.append((ext.x0, ext.y0, ext.x1, ext.y1))
    return boxes


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_forest_texts_do_not_cover_markers(summary):
    _, table = summary
    fig = forest_figure(table, ESTIMATES)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [
        t
        for t in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_window_extent"))
        if t.get_visible() and t.get_text().strip()
    ]
    boxes = marker_boxes(fig)
    assert len(boxes) >= 2 * 3 * 2  # markers and CI bars of 2 drawn estimates x 3 analyses
    for text in texts:
        ext = text.get_window_extent(renderer)
        box = (ext.x0, ext.y0, ext.x1, ext.y1)
        hit = [b for b in boxes if overlaps(box, b)]
        assert not hit, f"text {text.get_text()!r} covers a marker"
    labels = {t.get_text() for t in texts}
    assert {"VAS change", "LC HR", "Any toxicity", "wide calipers", NOT_IN_ARD} <= labels
    assert "0.90 (0.10, 1.70)" in labels


def test_forest_reference_lines_and_scale(summary):
    _, table = summary
    fig = forest_figure(table, ESTIMATES)
    vas, hr, _ = fig.axes[:3]
    refs = [
        line.get_xdata()[0]
        for ax in (vas, hr)
        for line in ax.get_lines()
        if line.get_linestyle() == "--"
    ]
    assert refs == [0.0, 1.0]
    assert hr.get_xscale() == "log" and vas.get_xscale() == "linear"
    lo, hi = hr.get_xlim()
    assert lo < 0.2 and hi > 2.25


def test_forest_files_are_reproducible(summary, tmp_path):
    _, table = summary
    out = []
    for name in ("a", "b"):
        png, svg = tmp_path / f"{name}.png", tmp_path / f"{name}.svg"
        forest_plot(table, ESTIMATES, png, svg, dpi=80)
        out.append((png.read_bytes(), svg.read_bytes()))
    assert out[0] == out[1]
    assert out[0][0][:8] == b"\x89PNG\r\n\x1a\n"
    assert "wide calipers" in out[0][1].decode()
    assert np.isfinite(table["value"]).sum() == 6


def test_settings_leave_out_rendering_only_keys():
    cfg = {
        **BASE,
        "study": {"title": "t", "index_arm": "SRS", "comparator_arm": "RT"},
        "eligibility": [{"name": "all", "column": "arm", "in": ["SRS", "RT"]}],
        "analysis": {
            "alpha": 0.05,
            "mask_below": 5,
            "figures": {"dpi": 100},
            "endpoints": {"os": "Overall survival"},
        },
        "tables": {"table1": {"title": "T1", "footnotes": ["x"], "rows": [{"variable": "age"}]}},
    }
    settings = StudySettings.of(cfg)
    # the endpoint's definition without its title (a title edit reruns the renderers only)
    assert settings.analysis == {
        "alpha": 0.05,
        "endpoints": {
            "os": {
                "event": "os_event", "time": "os_months", "censor_time": "os_months",
                "analysis_set": None, "horizons_months": [], "words": {},
                "competing": {"event": None, "within_months": None, "gray_strata": False},
            }
        },
    }  # fmt: skip
    assert settings.tables == {"table1": {"rows": [{"variable": "age"}]}}
    assert settings.arms == ("SRS", "RT") and settings.matching is cfg["matching"]
    variant = {
        **cfg,
        "sensitivity": {"variants": {"v": {"overrides": {"analysis": {"alpha": 0.1}}}}},
    }
    assert analysis_settings(variant_config(variant, "v"))["alpha"] == 0.1
    assert variant["analysis"]["alpha"] == 0.05
    # what the sensitivity job gets of the variant: the sections of StudySettings, and whether
    # it must derive again (only when its endpoints differ from the primary ones)
    got = variant_settings(variant, "v")
    assert got["analysis"]["alpha"] == 0.1 and got["tables"] == settings.tables
    assert got["rederive"] is False
    variant["sensitivity"]["variants"]["w"] = {"overrides": {"endpoints": {"alpha_beta": 3}}}
    assert variant_settings(variant, "w")["rederive"] is True
