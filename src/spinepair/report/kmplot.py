"""Kaplan-Meier and cumulative-incidence figures at publication level (as survminer): step
curves with censoring marks, optional CI bands, the endpoint's own y label, the numbers at risk
under the time axis at the tick times, and the test p-value and hazard ratio (95% CI) from the
ARD in a box placed where no curve runs (:mod:`spinepair.report.placement`).

The time axis stops at ``horizon`` months; by default (``horizon=None``) at the last time at
which at least ``risk_fraction`` of the patients remain at risk, so that the right of the plot
is not drawn from a handful of patients.

Output is byte-for-byte reproducible: fixed SVG hash salt, no date or software metadata.
SVG text stays text (svg.fonttype "none"): searchable and editable.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from spinepair.escape import figure_rc
from spinepair.report.placement import place
from spinepair.stats import kaplan_meier

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
_STEPS = (1, 2, 3, 6, 12, 24, 36, 60)


def at_risk_times(tmax: float, max_ticks: int = 8) -> np.ndarray:
    """Regular times 0, s, 2s, ... up to ``tmax`` with the smallest step of 1, 2, 3, 6,
    12, 24, 36, 60 giving at most ``max_ticks`` times."""
    step = next((s for s in _STEPS if tmax / s < max_ticks), _STEPS[-1])
    return np.arange(0, np.floor(tmax / step) * step + step / 2, step)


def auto_horizon(times, fraction: float = 0.1) -> float:
    """The last observed time at which at least ``fraction`` of the patients are at risk."""
    t = np.sort(np.asarray(times, float))
    at_risk = len(t) - np.arange(len(t))  # patients with time >= t[i]
    return float(t[at_risk >= fraction * len(t)].max())


def fmt_p(p: float | None) -> str:
    """'p < 0.001', 'p > 0.99', else p to two significant digits; '' when there is none."""
    if p is None or np.isnan(p):
        return ""
    if p < 0.001:
        return "p < 0.001"
    if p > 0.99:
        return "p > 0.99"
    return f"p = {p:#.2g}"


def stats_text(
    pvalue, test: str, hr=None, contrast: str = "", *, analysis_set: str = "", ratio: str = "HR",
    hr_p=None, hr_test: str = "Wald",
) -> str:  # fmt: skip
    """The figure's test box: the analysis set and its n ('<set>, n = 20 pairs'), '<test>
    p = ...' and '<ratio> <contrast> x.xx (95% CI l-u), <hr_test> p = ...'."""
    lines = [analysis_set] if analysis_set else []
    lines.append(f"{test} {fmt_p(pvalue)}" if fmt_p(pvalue) else f"{test} p not available")
    if hr is not None and np.isfinite(hr[0]):
        text = f"{ratio} {contrast} {hr[0]:.2f} (95% CI {hr[1]:.2f}–{hr[2]:.2f})"
        if fmt_p(hr_p):
            text += f", {hr_test} {fmt_p(hr_p)}"
        lines.append(text.replace("  ", " "))
    return "\n".join(lines)


def _median_text(m: float) -> str:
    return "median not reached" if m is None or np.isnan(m) else f"median {m:.1f} mo"


def _steps(x, y, horizon):
    """Vertices of a right-continuous step function from (0, y0), cut at ``horizon``."""
    keep = x <= horizon
    x, y = x[keep], y[keep]
    xs = np.r_[np.repeat(x, 2)[1:], horizon]
    ys = np.repeat(y, 2)
    return xs, ys


def _save(fig, path_png, path_svg, dpi) -> None:
    fig.savefig(Path(path_svg), format="svg", metadata={"Date": None, "Creator": None})
    fig.savefig(Path(path_png), format="png", dpi=dpi, metadata={"Software": None})


def _finish(fig, ax, text: str) -> None:
    """Place the legend, then the test box, each where no curve runs."""
    legend = ax.legend(fontsize=8, frameon=False)
    taken = place(legend, ax)
    box = ax.text(0, 0, text, transform=ax.transAxes, fontsize=8.5, linespacing=1.4)
    if place(box, ax, [taken] if taken is not None else []) is None:
        box.remove()  # nowhere free inside the plot: above it, under the title
        ax.set_title(text, fontsize=8.5, loc="left")


def km_figure(
    groups: dict,
    path_png,
    path_svg,
    *,
    ylabel: str,
    pvalue: float | None = None,
    hr: tuple[float, float, float] | None = None,
    hr_p: float | None = None,
    analysis_set: str = "",
    title: str | None = None,
    xlabel: str = "Months after treatment",
    conf_type: str = "log-log",
    ci: bool = False,
    horizon: float | None = None,
    risk_fraction: float = 0.1,
    width: float = 6.5,
    height: float = 5.0,
    dpi: int = 300,
) -> Figure:
    """Write the Kaplan-Meier curves of ``groups`` ({label: (time, event)}, the first label
    the index arm) to PNG and SVG and return the figure; ``pvalue`` is the stratified
    log-rank p, ``hr`` (value, lower, upper) the hazard ratio of the first vs the second
    group with its Wald ``hr_p``, all from the ARD rows of the analysis set ``analysis_set``
    (words and n, printed in the box) that ``groups`` holds."""
    fits = {label: kaplan_meier(t, e, conf_type=conf_type) for label, (t, e) in groups.items()}
    pooled = np.concatenate([np.asarray(t, float) for t, _ in groups.values()])
    horizon = float(horizon) if horizon else auto_horizon(pooled, risk_fraction)
    ticks = at_risk_times(horizon)
    labels = list(fits)
    with matplotlib.rc_context(figure_rc("none")):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)  # a renderer for measuring text boxes
        ax, risk = fig.subplots(2, 1, sharex=True, height_ratios=[5, 0.3 + 0.28 * len(fits)])
        for i, (label, fit) in enumerate(fits.items()):
            color = COLORS[i % len(COLORS)]
            x, y = np.r_[0.0, fit.times], np.r_[1.0, fit.survival]
            if ci:
                lo, hi = np.r_[1.0, fit.lower], np.r_[1.0, fit.upper]
                bx, blo = _steps(x, lo, horizon)
                ax.fill_between(bx, blo, _steps(x, hi, horizon)[1], color=color, alpha=0.15, lw=0)
            n = int(fit.n_at_risk[0])
            legend = f"{label} (n = {n}, {_median_text(fit.median)})"
            ax.plot(*_steps(x, y, horizon), color=color, lw=1.6, label=legend)
            cens = (fit.n_censored > 0) & (fit.times <= horizon)
            ax.plot(fit.times[cens], fit.survival[cens], "|", color=color, ms=8, mew=1.2)
            counts = fit.at(ticks).n_at_risk
            for x_, c in zip(ticks, counts):
                risk.text(x_, -i, str(int(c)), ha="center", va="center", color=color, fontsize=8)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, horizon)
        ax.set_xticks(ticks)
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.tick_params(labelbottom=True)
        ax.spines[["top", "right"]].set_visible(False)
        if title:
            fig.suptitle(title, fontsize=11)
        risk.set_ylim(-len(fits) + 0.5, 0.5)
        risk.set_yticks(-np.arange(len(fits)), labels)
        for tick, color in zip(risk.get_yticklabels(), COLORS):
            tick.set_color(color)
        risk.set_title("Number at risk", fontsize=8, loc="left")
        risk.tick_params(left=False, bottom=False, labelbottom=False)
        risk.tick_params(axis="y", pad=14)  # clear of the counts centred on t = 0
        for side in risk.spines.values():
            side.set_visible(False)
        contrast = f"{labels[0]} vs {labels[1]}" if len(labels) > 1 else ""
        fig.canvas.draw()  # final layout before the free region is searched
        text = stats_text(
            pvalue, "Stratified log-rank", hr, contrast, analysis_set=analysis_set, hr_p=hr_p
        )
        _finish(fig, ax, text)
        _save(fig, path_png, path_svg, dpi)
    return fig


def cif_figure(
    curves: dict,
    path_png,
    path_svg,
    *,
    ylabel: str,
    pvalue: float | None = None,
    shr: tuple[float, float, float] | None = None,
    shr_p: float | None = None,
    contrast: str = "",
    analysis_set: str = "",
    title: str | None = None,
    xlabel: str = "Months after treatment",
    ci: bool = False,
    width: float = 6.5,
    height: float = 4.2,
    dpi: int = 300,
) -> Figure:
    """Write cumulative-incidence step curves ({label: (time, cif, lower, upper)}, as the ARD
    ``cif`` rows give them) with Gray's test ``pvalue``, the Fine-Gray ``shr`` (value, lower,
    upper) of ``contrast`` with its Wald ``shr_p`` and the ``analysis_set`` (words and n) to PNG
    and SVG; returns the figure."""
    horizon = max(float(np.max(c[0])) for c in curves.values())
    ticks = at_risk_times(horizon)
    with matplotlib.rc_context(figure_rc("none")):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)  # a renderer for measuring text boxes
        ax = fig.subplots()
        for i, (label, (t, v, lo, hi)) in enumerate(curves.items()):
            color = COLORS[i % len(COLORS)]
            order = np.argsort(t)
            x = np.r_[0.0, np.asarray(t, float)[order]]
            if ci and np.isfinite(np.asarray(lo, float)).all():
                lo_, hi_ = np.r_[0.0, np.asarray(lo)[order]], np.r_[0.0, np.asarray(hi)[order]]
                bx, blo = _steps(x, lo_, horizon)
                ax.fill_between(bx, blo, _steps(x, hi_, horizon)[1], color=color, alpha=0.15, lw=0)
            ax.plot(
                *_steps(x, np.r_[0.0, np.asarray(v)[order]], horizon),
                color=color,
                lw=1.6,
                label=label,
            )
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, horizon)
        ax.set_xticks(ticks)
        ax.set_ylabel(ylabel)
        ax.set_xlabel(xlabel)
        ax.spines[["top", "right"]].set_visible(False)
        if title:
            fig.suptitle(title, fontsize=11)
        fig.canvas.draw()
        text = stats_text(
            pvalue, "Gray's test", shr, contrast, analysis_set=analysis_set, ratio="sHR",
            hr_p=shr_p, hr_test="Wald (pair-clustered SE)",
        )  # fmt: skip
        _finish(fig, ax, text)
        _save(fig, path_png, path_svg, dpi)
    return fig


def cif_curves(rows: pd.DataFrame, arms) -> dict:
    """{label: (time, cif, lower, upper)} of the ARD ``cif`` rows of one endpoint, per arm (and
    per level when the rows name several event types)."""
    cif = rows[rows["statistic"] == "cif"]
    curves = {}
    for (arm, level), part in cif.groupby(["arm", "level"], sort=False):
        label = f"{arm}, {level}" if cif["level"].nunique() > 1 else str(arm)
        part = part.sort_values("time")
        cols = [part[c].to_numpy(float) for c in ("time", "value", "lower", "upper")]
        curves[label] = tuple(cols)
    return {k: curves[k] for k in sorted(curves, key=lambda k: _arm_order(k, arms))}


def _arm_order(label: str, arms) -> int:
    return next((i for i, a in enumerate(arms) if label.split(",")[0] == a), len(arms))
