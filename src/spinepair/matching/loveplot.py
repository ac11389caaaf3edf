"""Love plot: |SMD| before and after matching per covariate, matching variables first.

The rows are those of the match stage's balance (:mod:`spinepair.matching.balance`: the SD of
the eligible cohort as denominator before and after), with its labels (the table rows'); a
two-level categorical covariate is one row (its second level: the |SMD| of both levels is the
same), a covariate with more levels one row per level. Threshold lines at the study's WARN
and FAIL |SMD| (``analysis.diagnostics`` smd_warn, smd_fail).

Output is byte-for-byte reproducible: fixed SVG hash salt, no date or software metadata.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from spinepair.escape import figure_rc

GROUPS = ("Matching variables", "Other covariates")


def love_rows(balance: pd.DataFrame, level_label=None) -> pd.DataFrame:
    """The plotted rows of a :func:`spinepair.matching.balance.balance` table: variable,
    level, label, group, smd_before, smd_after, matching variables first (see module
    docstring). ``level_label(variable, level)`` prints a level (default: the level itself)."""
    level_label = level_label or (lambda _v, lv: lv)
    rows = []
    for var, part in balance.groupby("variable", sort=False):
        group = GROUPS[0] if part["matching"].any() else GROUPS[1]
        levels = part if len(part) != 2 or (part["level"] == "").any() else part.iloc[1:]
        for r in levels.itertuples(index=False):
            text = r.label if r.level in ("", "True") else f"{r.label}: {level_label(var, r.level)}"
            rows.append((var, r.level, text, group, r.smd_before, r.smd_after))
    cols = ["variable", "level", "label", "group", "smd_before", "smd_after"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("group", key=lambda g: g.map(GROUPS.index), kind="stable")


def love_plot(rows: pd.DataFrame, path_svg, path_png, thresholds=(0.1,)) -> Figure:
    """Write the Love plot of :func:`love_rows` to SVG and PNG, top to bottom in row order
    with a gap and a heading per group; an infinite |SMD| is drawn at the right edge and
    flagged in its label. Returns the figure."""
    before = rows["smd_before"].abs().to_numpy(float)
    after = rows["smd_after"].abs().to_numpy(float)
    finite = np.concatenate([before, after, list(thresholds)])
    cap = 1.1 * finite[np.isfinite(finite)].max()  # infinite |SMD| (separated arms) drawn here
    labels = [
        lab + (" (|SMD| inf)" if np.isinf([b, a]).any() else "")
        for lab, b, a in zip(rows["label"], before, after)
    ]
    before, after = np.where(np.isinf(before), cap, before), np.where(np.isinf(after), cap, after)
    groups = rows["group"].tolist()
    y, at, heads = [], 0.0, []
    for i, g in enumerate(groups):
        if i == 0 or g != groups[i - 1]:
            at += 0.8 if i else 0.0
            heads.append((at, g))
            at += 1.0
        y.append(at)
        at += 1.0
    y = -np.asarray(y)
    with matplotlib.rc_context(figure_rc("path")):
        fig = Figure(figsize=(7.5, 1.4 + 0.3 * (len(rows) + 2 * len(heads))), layout="constrained")
        ax = fig.add_subplot()
        ax.hlines(y, np.fmin(before, after), np.fmax(before, after), color="0.8", lw=1)
        ax.scatter(before, y, facecolors="white", edgecolors="black", label="before matching")
        ax.scatter(after, y, color="black", label="after matching")
        for t, style in zip(sorted(set(thresholds)), ("--", ":")):
            ax.axvline(t, color="tab:red", ls=style, lw=1, label=f"|SMD| = {t:g}")
        for h, _ in heads[1:]:
            ax.axhline(-h + 0.9, color="0.6", lw=0.6)
        ax.set_yticks([*y, *(-h for h, _ in heads)], [*labels, *(g for _, g in heads)])
        for tick in ax.get_yticklabels()[len(y) :]:
            tick.set_fontweight("bold")
        ax.set_ylim(y.min() - 0.8, 0.8)
        ax.set_xlim(0, None)
        ax.set_xlabel("Absolute standardised mean difference")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize="small")
        fig.savefig(Path(path_svg), format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(Path(path_png), format="png", dpi=150, metadata={"Software": None})
    return fig
