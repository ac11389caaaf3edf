"""Forest plot of the sensitivity analyses: one panel per declared estimate, the analyses
(primary first, then the variants) as rows, each estimate with its 95% CI, a dashed line at
no effect. Labels sit left of the panels and the printed estimates right of them, outside
the plotting area, so no text covers a marker. Output is reproducible as the KM figures'.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, NullFormatter

from spinepair.analysis.sensitivity_summary import estimate_key
from spinepair.analysis.tables import fmt_estimate
from spinepair.escape import figure_rc

PRIMARY_COLOR, VARIANT_COLOR = "#d62728", "#1f77b4"
ROW_INCHES, PANEL_PAD_INCHES = 0.32, 0.9


def _right_text(row) -> str:
    return fmt_estimate(row.value, row.lower, row.upper, 2) or row.method


def _limits(values: np.ndarray, reference: float, log: bool) -> tuple[float, float]:
    """x limits holding every CI end and the reference, with a margin."""
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    lo, hi = min([reference, *finite]), max([reference, *finite])
    if log:
        span = max(np.log(hi / lo), np.log(2.0))
        return lo * np.exp(-0.08 * span), hi * np.exp(0.08 * span)
    span = hi - lo if hi > lo else max(abs(reference), 1.0)
    return lo - 0.08 * span, hi + 0.08 * span


def _ratio_ticks(ax) -> None:
    """Plain-number ticks (0.1, 0.2, 0.5, 1, 2, 5, ...) on a log axis."""
    lo, hi = ax.get_xlim()
    ticks = [m * 10.0**e for e in range(-3, 4) for m in (1, 2, 5)]
    ax.set_xticks([t for t in ticks if lo <= t <= hi], minor=False)
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def forest_figure(summary: pd.DataFrame, estimates: list[dict], width: float = 8.0) -> Figure:
    """The forest plot of ``summary`` (:func:`~spinepair.analysis.sensitivity_summary.
    summary_table`); ``estimates`` are the declarations (``reference``, ``log``) in order."""
    keys = list(dict.fromkeys(summary["estimate"]))
    n_rows = summary.groupby("estimate", sort=False).size().max()
    heights = [n_rows * ROW_INCHES + PANEL_PAD_INCHES] * len(keys)
    fig = Figure(figsize=(width, sum(heights)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(keys), 1, squeeze=False, height_ratios=heights)[:, 0]
    decls = {estimate_key(d): d for d in estimates}
    for ax, key in zip(axes, keys):
        decl = decls[key]
        rows = summary[summary["estimate"] == key].reset_index(drop=True)
        ref, log = float(decl.get("reference", 0.0)), bool(decl.get("log", False))
        y = -np.arange(len(rows), dtype=float)
        for yi, row in zip(y, rows.itertuples(index=False)):
            if not np.isfinite(row.value):
                continue
            primary = yi == 0
            has_ci = np.isfinite(row.lower) and np.isfinite(row.upper)
            ax.errorbar(
                [row.value],
                [yi],
                xerr=[[row.value - row.lower], [row.upper - row.value]] if has_ci else None,
                fmt="D" if primary else "o",
                color=PRIMARY_COLOR if primary else VARIANT_COLOR,
                ms=6,
                capsize=3,
                lw=1.3,
            )
        ax.axvline(ref, color="0.45", ls="--", lw=0.9)
        if log:
            ax.set_xscale("log")
        ax.set_xlim(*_limits(rows[["value", "lower", "upper"]].to_numpy(float).ravel(), ref, log))
        if log:
            _ratio_ticks(ax)
        ax.set_ylim(y[-1] - 0.6, 0.6)
        ax.set_yticks(y, [textwrap.fill(d, 38) for d in rows["description"]], fontsize=8)
        right = ax.twinx()
        right.set_ylim(ax.get_ylim())
        right.set_yticks(y, [_right_text(r) for r in rows.itertuples(index=False)], fontsize=8)
        right.tick_params(right=False)
        ax.tick_params(left=False, labelsize=8)
        ax.set_title(str(rows["label"].iloc[0]), fontsize=9, loc="left")
        ax.grid(axis="x", color="0.9", lw=0.6)
    return fig


def forest_plot(summary: pd.DataFrame, estimates: list[dict], path_png, path_svg, dpi: int = 300):
    """Write :func:`forest_figure` to PNG (``dpi``) and SVG."""
    with matplotlib.rc_context(figure_rc("none")):
        fig = forest_figure(summary, estimates)
        fig.savefig(Path(path_svg), format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(Path(path_png), format="png", dpi=dpi, metadata={"Software": None})
