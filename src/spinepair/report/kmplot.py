"""Kaplan-Meier figure with censoring marks, numbers at risk, log-rank p and medians.

Output is byte-for-byte reproducible: fixed SVG hash salt, no date or software metadata.
SVG text stays text (svg.fonttype "none"): searchable and editable.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from spinepair.stats import kaplan_meier

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
_STEPS = (1, 2, 3, 6, 12, 24, 36, 60)


def at_risk_times(tmax: float, max_ticks: int = 8) -> np.ndarray:
    """Regular times 0, s, 2s, ... covering ``tmax`` with the smallest step of 1, 2, 3, 6,
    12, 24, 36, 60 giving at most ``max_ticks`` times."""
    step = next((s for s in _STEPS if tmax / s < max_ticks), _STEPS[-1])
    return np.arange(0, np.floor(tmax / step) * step + step / 2, step)


def _pvalue_text(p: float | None) -> str:
    if p is None or np.isnan(p):
        return "Stratified log-rank p not available"
    return "Stratified log-rank p < 0.001" if p < 0.001 else f"Stratified log-rank p = {p:.3f}"


def _median_text(m: float) -> str:
    return "median not reached" if m is None or np.isnan(m) else f"median {m:.1f} mo"


def km_figure(
    groups: dict,
    title: str,
    pvalue: float | None,
    medians: dict | None,
    path_png,
    path_svg,
    xlabel: str = "Months after treatment",
    ylabel: str = "Probability",
    conf_type: str = "log-log",
    width: float = 6.5,
    height: float = 5.0,
    dpi: int = 300,
) -> None:
    """Write the Kaplan-Meier curves of ``groups`` ({label: (time, event)}) to PNG (``dpi``)
    and SVG (``width`` x ``height`` inches): step curves with censoring marks ('|'), the stratified log-rank ``pvalue`` and
    the ``medians`` ({label: months}; NaN = not reached; None = from the curves) in the
    legend, and the numbers at risk at regular times under the x axis."""
    fits = {label: kaplan_meier(t, e, conf_type=conf_type) for label, (t, e) in groups.items()}
    tmax = max(float(np.max(f.times)) for f in fits.values())
    ticks = at_risk_times(tmax)
    with matplotlib.rc_context({"svg.hashsalt": "spinepair", "svg.fonttype": "none"}):
        fig = Figure(figsize=(width, height), layout="constrained")
        ax, risk = fig.subplots(2, 1, sharex=True, height_ratios=[4, 1.1])
        for i, (label, fit) in enumerate(fits.items()):
            color = COLORS[i % len(COLORS)]
            median = fit.median if medians is None else medians.get(label, fit.median)
            n = int(fit.n_at_risk[0])
            ax.step(
                np.r_[0.0, fit.times],
                np.r_[1.0, fit.survival],
                where="post",
                color=color,
                lw=1.6,
                label=f"{label} (n = {n}, {_median_text(median)})",
            )
            cens = fit.n_censored > 0
            ax.plot(fit.times[cens], fit.survival[cens], "|", color=color, ms=9, mew=1.3)
            counts = fit.at(ticks).n_at_risk
            for x, c in zip(ticks, counts):
                risk.text(x, -i, str(int(c)), ha="center", va="center", color=color, fontsize=8)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlim(-0.02 * tmax, 1.03 * max(tmax, ticks[-1]))
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(loc="upper right", fontsize=8, frameon=False)
        ax.text(0.02, 0.04, _pvalue_text(pvalue), transform=ax.transAxes, fontsize=9)
        ax.tick_params(labelbottom=True)
        risk.set_ylim(-len(fits) + 0.5, 0.5)
        risk.set_yticks(-np.arange(len(fits)), list(fits))
        risk.set_xticks(ticks)
        ax.set_xlabel(xlabel)
        risk.set_title("Number at risk", fontsize=8, loc="left")
        risk.tick_params(left=False, bottom=False, labelbottom=False)
        for side in risk.spines.values():
            side.set_visible(False)
        ax.set_xticks(ticks)
        fig.savefig(Path(path_svg), format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(Path(path_png), format="png", dpi=dpi, metadata={"Software": None})
