"""The study's findings (results/summary.md), one Markdown line each, from the ARD.

One line per table row the study config marks ``finding: true`` (both arms and the test), then
one per survival endpoint with its analysis set and n (medians, stratified log-rank p, hazard
ratio with its Wald p) and, where the ARD holds rates at horizons, one with those rates, their
CI and numbers at risk (flagged below ``min_at_risk``); per endpoint with a competing event a
paragraph reconciling the cause-specific (Cox) and subdistribution (Fine-Gray) estimates under
the endpoint's one definition. Counts below ``mask_below`` are masked.
Config text (labels, levels, arms, titles, diagnostic messages) is Markdown-escaped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import select
from spinepair.analysis.endpoint_definitions import titles as endpoint_titles
from spinepair.analysis.settings import row_key
from spinepair.analysis.table_stats import row_tests
from spinepair.analysis.tables import SHORT, fmt_p, level_text, reason
from spinepair.escape import markdown as md
from spinepair.report.publish import mask_count


def _count(n: int, d: int | None, k: int | None) -> str:
    shown = mask_count(n, k)
    return f"{shown}/{d}" if shown != str(n) or not d else f"{n}/{d} ({100 * n / d:.1f}%)"


def _p(p) -> str:
    text = fmt_p(p)
    return "p not computed" if not text else ("p<0.001" if text == "<0.001" else f"p={text}")


def _months(row: pd.Series) -> str:
    if np.isnan(row["value"]):
        return "not reached"
    lo = "NA" if np.isnan(row["lower"]) else f"{row['lower']:.1f}"
    hi = "NA" if np.isnan(row["upper"]) else f"{row['upper']:.1f}"
    return f"{row['value']:.1f} (95% CI {lo}-{hi})"


def _pct(v: float) -> str:
    return "not estimable" if np.isnan(v) else f"{100 * v:.0f}%"


def _set(pairs: pd.Series) -> str:
    """'<analysis set>, n = 20 pairs' of a ``pairs`` ARD row."""
    return f"{md(str(pairs['analysis_set']))}, n = {int(pairs['value'])} pairs"


def _ratio(row: pd.Series) -> str:
    if np.isnan(row["value"]):
        return "not computed"
    return f"{row['value']:.2f} (95% CI {row['lower']:.2f}-{row['upper']:.2f})"


def _rate(row, at_risk, min_at_risk: int) -> str:
    """'63% (95% CI 38-80; 9 at risk)', flagged below ``min_at_risk`` at risk."""
    if np.isnan(row.value):
        return "not estimable"
    text = f"{_pct(row.value)} (95% CI {_pct(row.lower)}-{_pct(row.upper)}; "
    text += f"{int(at_risk)} at risk"
    return text + (f", fewer than {min_at_risk})" if at_risk < min_at_risk else ")")


class _Lines:
    def __init__(self, ard: pd.DataFrame, arms, k: int | None, primary=()):
        self.ard, self.arms, self.k = ard, tuple(arms), k
        self.primary = {str(key) for key in primary or ()}

    def stat(self, table, key, statistic, **where) -> pd.DataFrame:
        return select(self.ard, table, key, statistic=statistic, **where)

    def test(self, table, key, spec) -> str:
        """Every test of the row, each named, on its contrast (a level's test after the
        level), a p R gives as NA 'not computed' with why, an adjusted p beside its raw p."""
        parts = []
        for level, test in row_tests(spec):
            hit = self.stat(table, key, "p", arm="all", level=level)
            if not len(hit):
                continue
            p = float(hit["value"].iloc[0])
            text = f"{SHORT[test]} {_p(p)}"
            text += f" ({md(reason(hit['method'].iloc[0]))})" if np.isnan(p) else ""
            adjusted = self.stat(table, key, "p_adjusted", arm="all", level=level)
            if len(adjusted):
                words = adjusted["method"].iloc[0].split(" over ")[0]
                text += f", {words} {_p(float(adjusted['value'].iloc[0]))}"
            prefix = f"{md(level_text(spec['variable'], level).lower())}: " if level else ""
            parts.append(prefix + text)
        return "; ".join(parts) or "no test"

    def arm_text(self, table, key, spec, arm) -> str:
        if spec["kind"] == "continuous":
            mean = float(self.stat(table, key, "mean", arm=arm)["value"].iloc[0])
            sd = float(self.stat(table, key, "sd", arm=arm)["value"].iloc[0])
            return f"{mean:.1f} ± {sd:.1f}"
        counts = self.stat(table, key, "n", arm=arm)
        parts = [
            ("" if spec["kind"] == "binary" else md(vocab.label(spec["variable"], r.level)) + " ")
            + _count(int(r.value), None if pd.isna(r.denominator) else int(r.denominator), self.k)
            for r in counts.itertuples()
        ]
        return ", ".join(parts)

    def row(self, table: str, spec: dict) -> str:
        key = row_key(spec)
        label = md(" ".join(t for t in (spec.get("label", ""), spec.get("level", "")) if t))
        a, b = (f"{md(arm)} {self.arm_text(table, key, spec, arm)}" for arm in self.arms)
        sep = " vs " if spec["kind"] in ("continuous", "binary") else "; "
        label += " (primary endpoint)" if key in self.primary else ""
        return f"- {label}: {a}{sep}{b}, {self.test(table, key, spec)}."

    def endpoint(self, endpoint: str, title: str, min_at_risk: int) -> list[str]:
        one = {
            s: self.stat("survival", endpoint, s, arm="all").iloc[0]
            for s in ("logrank_p", "cox_hr", "pairs")
        }
        a, b = (md(arm) for arm in self.arms)
        title = f"{md(title)} ({_set(one['pairs'])})"
        medians = [self.stat("survival", endpoint, "median", arm=arm) for arm in self.arms]
        line = f"- {title}: median " + " vs ".join(
            f"{md(arm)} {_months(m.iloc[0]) if len(m) else 'not estimable'}"
            for arm, m in zip(self.arms, medians)
        )
        line += f" months, stratified log-rank {_p(one['logrank_p']['value'])}"
        hr = one["cox_hr"]
        if not np.isnan(hr["value"]):
            line += (
                f", HR {a} vs {b} {hr['value']:.2f} (95% CI {hr['lower']:.2f}-{hr['upper']:.2f}),"
                f" Wald {_p(hr['p'])}"
            )
        lines = [line + "."]
        rates = self.stat("survival", endpoint, "survival")
        if len(rates):
            risk = self.stat("survival", endpoint, "n_at_risk").set_index(["arm", "time"])
            parts = [
                f"{md(arm)} "
                + ", ".join(
                    f"{r.time:g} mo {_rate(r, risk['value'].get((arm, r.time)), min_at_risk)}"
                    for r in rates[rates["arm"] == arm].itertuples()
                )
                for arm in self.arms
            ]
            lines.append(f"- {title}, Kaplan-Meier rates: {'; '.join(parts)}.")
        return lines

    def reconciliation(self, key: str, title: str) -> list[str]:
        """The cause-specific and subdistribution estimates of one endpoint side by side."""
        rows = select(self.ard, "competing", key)
        if rows.empty:
            return []
        every = rows[rows["arm"] == "all"].set_index("statistic")
        cox = self.stat("survival", key, "cox_hr", arm="all").iloc[0]
        fg, gray = every.loc["fg_shr"], every.loc["gray_p"]
        a, b = (md(arm) for arm in self.arms)
        last = rows.loc[rows["statistic"] == "cif", "time"].max()
        cif = rows[(rows["statistic"] == "cif") & (rows["time"] == last)].set_index("arm")
        km = self.stat("survival", key, "survival", time=last).set_index("arm")
        counts = rows[rows["statistic"].isin(["events", "competing_events"])]
        counts = counts.set_index(["arm", "statistic"])["value"]

        def per_arm(values, fmt) -> str:
            return " vs ".join(f"{md(arm)} {fmt(values, arm)}" for arm in self.arms)

        return [
            "",
            f"## {md(title)}: cause-specific and subdistribution estimates",
            "",
            f"One definition ({md(str(every.loc['pairs', 'method']))}), "
            f"n = {int(every.loc['pairs', 'value'])} pairs. "
            f"Cause-specific HR {a} vs {b} (Cox stratified by pair) {_ratio(cox)}, Wald "
            f"{_p(cox['p'])}; subdistribution HR (Fine-Gray) {_ratio(fg)}, Wald {_p(fg['p'])} "
            f"(pair-clustered SE); Gray's test {_p(gray['value'])}. At {last:g} months the "
            "cumulative incidence is "
            + per_arm(cif, lambda v, arm: _pct(v.loc[arm, "value"]))
            + " and one minus the Kaplan-Meier estimate "
            + per_arm(km, lambda v, arm: _pct(1 - v.loc[arm, "value"]))
            + "; events "
            + per_arm(counts, lambda v, arm: f"{int(v[(arm, 'events')])}")
            + ", competing events "
            + per_arm(counts, lambda v, arm: f"{int(v[(arm, 'competing_events')])}")
            + ". The cause-specific HR compares the rate of the event among patients still "
            "event-free and without the competing event; the subdistribution HR compares the "
            "cumulative incidence, which also falls in an arm where more patients have the "
            "competing event first. Both come from the same patients and definition, answer "
            "different questions and may point in different directions; one minus Kaplan-Meier "
            "is at least the cumulative incidence because it treats competing events as censored.",
        ]


def summary_lines(frame: pd.DataFrame) -> list[str]:
    """The diagnostics part of results/summary.md: every check that is not PASS (and the
    largest |SMD|), per endpoint the estimate adjusted for the most imbalanced covariate and
    for the prognostic ones together, the pairs needed for declared effects, and the
    limitation sentences of the checks that carry one."""
    frame = frame.fillna({"status": "", "message": "", "limitation": ""})
    shown = frame[frame["message"] != ""]
    checks = shown[(shown["table"] == "diagnostics")]
    checks = checks[(checks["status"] != "PASS") | (checks["statistic"] == "max_abs_smd")]
    adjusted = shown[shown["table"] == "adjusted"]
    first = adjusted["variable"].iloc[0] if len(adjusted) else ""
    adjusted = adjusted[
        (adjusted["variable"] == first) | adjusted["variable"].str.contains(" + ", regex=False)
    ]
    power = shown[shown["table"] == "power"]
    out = []
    for title, rows in (
        ("Study diagnostics (results/diagnostics.md)", checks),
        ("Adjusted for imbalanced covariates", adjusted),
        ("Pairs needed for the declared effects", power),
    ):
        if len(rows):
            bullets = [
                f"- {r.status + ': ' if r.status else ''}{md(r.message)}" for r in rows.itertuples()
            ]
            out += ["", f"## {title}", "", *bullets]
    if "limitation" in frame:
        limits = [f"- {md(text)}" for text in frame["limitation"] if text]
        out += ["", "## Limitations", "", *limits] if limits else []
    return out


def summary_markdown(
    ard: pd.DataFrame, tables: dict, arms, params: dict, diagnostics: pd.DataFrame | None = None
) -> str:
    """The findings (see the module docstring); ``tables`` = the study config's table
    declarations, ``params`` = its ``analysis`` section (``endpoints``: key -> title,
    ``mask_below``, ``min_at_risk``; ``endpoints`` may be the declarations themselves);
    ``diagnostics`` (results/diagnostics.csv) adds the diagnostics, adjusted estimates and
    pairs needed (:func:`summary_lines`)."""
    lines = _Lines(ard, arms, params.get("mask_below"), params.get("primary"))
    out = ["# Findings", ""]
    for name, decl in tables.items():
        out += [lines.row(name, spec) for spec in decl.get("rows", ()) if spec.get("finding")]
    min_at_risk = int(params.get("min_at_risk", 5))
    titles = endpoint_titles(params["endpoints"])
    for endpoint, title in titles.items():
        out += lines.endpoint(endpoint, title, min_at_risk)
    for endpoint, title in titles.items():
        out += lines.reconciliation(endpoint, title)
    if diagnostics is not None:
        out += summary_lines(diagnostics)
    return "\n".join(out) + "\n"
