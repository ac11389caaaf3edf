"""Love plot rows (the balance's labels, one row per two-level covariate, one per level
otherwise, matching variables first) and the figure (thresholds, deterministic bytes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.matching.loveplot import GROUPS, love_plot, love_rows

BALANCE = pd.DataFrame(
    {
        "variable": ["sex", "sex", "age_years", "child_pugh", "child_pugh", "child_pugh",
                     "index_region", "index_region", "vas_pre"],
        "label": ["Sex", "Sex", "Age, years", "Child-Pugh class", "Child-Pugh class",
                  "Child-Pugh class", "Location", "Location", "Pretreatment VAS"],
        "matching": [True, True, True, True, True, True, False, False, False],
        "level": ["F", "M", "", "A", "B", "C", "cervical", "lumbar", ""],
        "smd_before": [-0.1, 0.1, -0.25, 0.48, -0.31, -0.24, 0.2, 0.24, 0.34],
        "smd_after": [0.0, 0.0, -0.04, 0.14, -0.14, 0.0, 0.08, 0.21, np.inf],
    }
)  # fmt: skip


def rows():
    first = BALANCE["variable"] == "index_region"  # an other covariate first: moved down
    return love_rows(pd.concat([BALANCE[first], BALANCE[~first]]))


def test_rows():
    r = rows()
    assert r["label"].tolist() == [
        "Sex: M",
        "Age, years",
        "Child-Pugh class: A",
        "Child-Pugh class: B",
        "Child-Pugh class: C",
        "Location: lumbar",  # two levels: one row, the second level
        "Pretreatment VAS",
    ]
    assert r["group"].tolist() == [GROUPS[0]] * 5 + [GROUPS[1]] * 2
    # the balance's SMDs, unchanged: the same numbers as Table 1 and the diagnostics
    got = r.set_index("label").loc["Child-Pugh class: A", ["smd_before", "smd_after"]]
    assert got.tolist() == [0.48, 0.14]


def test_figure(tmp_path):
    outputs = []
    for k in (1, 2):
        svg, png = tmp_path / f"l{k}.svg", tmp_path / f"l{k}.png"
        fig = love_plot(rows(), svg, png, thresholds=(0.1, 0.15))
        outputs.append((svg.read_bytes(), png.read_bytes()))
    assert outputs[0] == outputs[1] and b"Software" not in outputs[0][1]
    ax = fig.axes[0]
    vertical = [line.get_xdata() for line in ax.get_lines()]
    assert sorted(x[0] for x in vertical if x[0] == x[1]) == [0.1, 0.15]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[-2:] == list(GROUPS) and "Pretreatment VAS (|SMD| inf)" in ticks
