"""Love plot: |SMD| before and after matching per variable, with the balance threshold.

Output is byte-for-byte reproducible: fixed SVG hash salt, no date or software metadata.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def love_plot(
    balance_before_after_df: pd.DataFrame, path_svg, path_png, threshold: float = 0.1
) -> None:
    """Write the Love plot of a :func:`spinepair.matching.balance.balance_before_after` table to SVG and
    PNG (one row per variable or categorical level, top to bottom in table order; an infinite
    |SMD| is drawn at the right edge and flagged in its label)."""
    df = balance_before_after_df
    labels = [v + (f" = {lv}" if lv != "" else "") for v, lv in zip(df["variable"], df["level"])]
    before = df["smd_before"].abs().to_numpy(float)
    after = df["smd_after"].abs().to_numpy(float)
    finite = np.concatenate([before, after, [threshold]])
    cap = 1.1 * finite[np.isfinite(finite)].max()  # infinite |SMD| (separated arms) drawn here
    labels = [
        lab + (" (|SMD| inf)" if np.isinf([b, a]).any() else "")
        for lab, b, a in zip(labels, before, after)
    ]
    before, after = np.where(np.isinf(before), cap, before), np.where(np.isinf(after), cap, after)
    y = np.arange(len(df))[::-1]
    with matplotlib.rc_context({"svg.hashsalt": "spinepair", "svg.fonttype": "path"}):
        fig = Figure(figsize=(6.0, 1.2 + 0.32 * max(len(df), 1)), layout="constrained")
        ax = fig.add_subplot()
        ax.hlines(y, np.fmin(before, after), np.fmax(before, after), color="0.8", lw=1)
        ax.scatter(before, y, facecolors="white", edgecolors="black", label="before matching")
        ax.scatter(after, y, color="black", label="after matching")
        ax.axvline(threshold, color="tab:red", ls="--", lw=1, label=f"|SMD| = {threshold}")
        ax.set_yticks(y, labels)
        ax.set_xlabel("absolute standardised mean difference")
        ax.legend(loc="lower right", fontsize="small", frameon=False)
        fig.savefig(Path(path_svg), format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(Path(path_png), format="png", dpi=150, metadata={"Software": None})
