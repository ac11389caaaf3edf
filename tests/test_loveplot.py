"""Love plot rows (study labels, one row per two-level covariate, no duplicate of a matching
variable, matching variables first) and the figure (thresholds, deterministic bytes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.matching.loveplot import GROUPS, config_labels, love_plot, love_rows
from tests.test_tables import TABLES

BALANCE = pd.DataFrame(
    {
        "variable": ["sex", "sex", "age_years", "child_pugh_num", "child_pugh", "child_pugh",
                     "index_region", "index_region", "index_region", "vas_pre"],
        "level": ["F", "M", "", "", "A", "B", "cervical", "lumbar", "thoracic", ""],
        "smd_before": [-0.1, 0.1, -0.24, -0.41, 0.37, -0.26, 0.2, 0.24, -0.35, 0.33],
        "smd_after": [0.0, 0.0, -0.04, -0.12, 0.12, -0.12, 0.08, 0.22, -0.31, np.inf],
    }
)  # fmt: skip
MATCHING = ["sex", "age_years", "child_pugh_num"]


def rows():
    labels = config_labels(TABLES, {"child_pugh_num": "Child-Pugh class", "sex": "Sex"})
    return love_rows(BALANCE, MATCHING, labels)


def test_rows():
    r = rows()
    assert r["label"].tolist() == [
        "Sex: M",
        "Age, years",
        "Child-Pugh class",
        "Location of index metastasis: cervical",
        "Location of index metastasis: lumbar",
        "Location of index metastasis: thoracic",
        "Pretreatment VAS",
    ]
    assert r["group"].tolist() == [GROUPS[0]] * 3 + [GROUPS[1]] * 4
    assert r.loc[r["label"] == "Child-Pugh class", "smd_before"].item() == -0.41  # the score


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
