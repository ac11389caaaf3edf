"""The survival table (results/tables/survival.*, as gtsummary ``tbl_survfit``) from the ARD.

One row per endpoint and arm: the analysis set, n, events, the Kaplan-Meier median (95% CI,
"not reached") and the rate at each declared horizon with its 95% CI and number at risk. A rate
with fewer than ``min_at_risk`` patients at risk is printed with its CI and flagged (a row note).
The footnotes state each endpoint's definition (the ARD rows' method), so the table reads on
its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis.ard import select
from spinepair.analysis.tables import Table
from spinepair.report.richtext import mark_letter

TITLE = "Survival table: Kaplan-Meier estimates per endpoint and arm"
NOTE = (
    "Kaplan-Meier estimates on each endpoint's analysis set (both members of every pair "
    "analysed); rates are percentages with their 95% CI and the patients at risk at that time. "
    "Tests and hazard ratios: summary and Kaplan-Meier figures."
)
FEW = "Fewer than {k} patients at risk at a horizon (flagged *): the rate rests on few patients."


def fmt_rate(value: float, lower: float, upper: float, at_risk: float, k: int) -> str:
    """'63% (38–80), 9 at risk', '*' after it when fewer than ``k`` are at risk."""
    if np.isnan(value):
        return "not estimable"
    lo = "NA" if np.isnan(lower) else f"{100 * lower:.0f}"
    hi = "NA" if np.isnan(upper) else f"{100 * upper:.0f}"
    flag = "*" if at_risk < k else ""
    return f"{100 * value:.0f}% ({lo}–{hi}), {int(at_risk)} at risk{flag}"


def fmt_median(row: pd.Series) -> str:
    """'7.1 (3.3–10.0)' months; 'not reached' (upper limit NA when not reached)."""
    if np.isnan(row["value"]):
        return "not reached"
    lo = "NA" if np.isnan(row["lower"]) else f"{row['lower']:.1f}"
    hi = "not reached" if np.isnan(row["upper"]) else f"{row['upper']:.1f}"
    return f"{row['value']:.1f} ({lo}–{hi})"


def few_at_risk(ard: pd.DataFrame, min_at_risk: int) -> pd.DataFrame:
    """The ``n_at_risk`` ARD rows (endpoint, arm, horizon) below ``min_at_risk``."""
    risk = select(ard, "survival", statistic="n_at_risk")
    return risk[risk["value"] < min_at_risk]


def survival_publication_table(
    ard: pd.DataFrame, titles: dict, arms, min_at_risk: int = 5
) -> Table:
    """The :class:`~spinepair.analysis.tables.Table` of every endpoint of ``titles``."""
    surv = select(ard, "survival")
    horizons = sorted(set(surv.loc[surv["statistic"] == "survival", "time"]))
    cols = [f"{h:g} month{'' if h == 1 else 's'}" for h in horizons]
    rows, marks, notes = [], [], {}
    for key, title in titles.items():
        ep = surv[surv["row"] == key]
        if ep.empty:
            continue
        median = ep[ep["statistic"] == "median"]
        mark = mark_letter(len(notes))
        notes[mark] = f"{title}: {median['method'].iloc[0] if len(median) else ''}"
        for i, arm in enumerate(arms):
            one = ep[ep["arm"] == arm].set_index(["statistic", "time"], drop=False)
            n = one[one["statistic"] == "n"].iloc[0]
            cells = {
                "Variable": title if i == 0 else "",
                "Level": arm,
                "Analysis set": str(n["analysis_set"]),
                "n": str(int(n["value"])),
                "Events": str(int(one[one["statistic"] == "events"]["value"].iloc[0])),
                "Median, months (95% CI)": fmt_median(median[median["arm"] == arm].iloc[0])
                if (median["arm"] == arm).any()
                else "",
            }
            for h, col in zip(horizons, cols):
                rate = one[(one["statistic"] == "survival") & (one["time"] == h)]
                risk = one[(one["statistic"] == "n_at_risk") & (one["time"] == h)]
                cells[col] = (
                    fmt_rate(*rate.iloc[0][["value", "lower", "upper"]], risk["value"].iloc[0],
                             min_at_risk)
                    if len(rate) else ""
                )  # fmt: skip
            rows.append(cells)
            marks.append((mark,) if i == 0 else ())
    footnotes = [NOTE, FEW.format(k=min_at_risk)]
    data = surv[surv["statistic"].isin(["n", "events", "median", "survival", "n_at_risk"])]
    return Table(
        name="survival",
        title=TITLE,
        rows=pd.DataFrame(rows),
        footnotes=footnotes,
        notes=notes,
        marks=marks,
        data=data.reset_index(drop=True),
    )
