"""The study's findings (results/summary.md), one Markdown line each, from the ARD.

One line per table row the study config marks ``finding: true`` (both arms and the test), then
one per survival endpoint (medians, stratified log-rank, hazard ratio) and, where the ARD holds
survival rates at given months, one with those rates. Counts below ``mask_below`` are masked.
Config text (labels, levels, arms, titles, diagnostic messages) is Markdown-escaped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import select
from spinepair.analysis.settings import row_key
from spinepair.analysis.tables import SHORT, fmt_p
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


class _Lines:
    def __init__(self, ard: pd.DataFrame, arms, k: int | None):
        self.ard, self.arms, self.k = ard, tuple(arms), k

    def stat(self, table, key, statistic, **where) -> pd.DataFrame:
        return select(self.ard, table, key, statistic=statistic, **where)

    def test(self, table, key, spec) -> str:
        hit = self.stat(table, key, "p", arm="all")
        p = float(hit["value"].iloc[0]) if len(hit) else np.nan
        return f"{SHORT[spec['test']]} {_p(p)}" if spec.get("test") else "no test"

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
        return f"- {label}: {a}{sep}{b}, {self.test(table, key, spec)}."

    def endpoint(self, endpoint: str, title: str) -> list[str]:
        one = {
            s: self.stat("survival", endpoint, s, arm="all").iloc[0]
            for s in ("logrank_p", "cox_hr")
        }
        a, b = (md(arm) for arm in self.arms)
        title = md(title)
        medians = [self.stat("survival", endpoint, "median", arm=arm) for arm in self.arms]
        line = f"- {title}: median " + " vs ".join(
            f"{md(arm)} {_months(m.iloc[0]) if len(m) else 'not estimable'}"
            for arm, m in zip(self.arms, medians)
        )
        line += f" months, stratified log-rank {_p(one['logrank_p']['value'])}"
        hr = one["cox_hr"]
        if not np.isnan(hr["value"]):
            line += (
                f", HR {a} vs {b} {hr['value']:.2f} (95% CI {hr['lower']:.2f}-{hr['upper']:.2f})"
            )
        lines = [line + "."]
        rates = self.stat("survival", endpoint, "survival")
        if len(rates):
            parts = [
                f"{md(arm)} "
                + ", ".join(
                    f"{r.time:g} mo {_pct(r.value)}"
                    for r in rates[rates["arm"] == arm].itertuples()
                )
                for arm in self.arms
            ]
            lines.append(f"- {title} (actuarial): {'; '.join(parts)}.")
        return lines


def summary_lines(frame: pd.DataFrame) -> list[str]:
    """The diagnostics part of results/summary.md: every check that is not PASS (and the
    largest |SMD|), per endpoint the estimate adjusted for the most imbalanced covariate and
    for the prognostic ones together, and the pairs-needed sentences."""
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
        ("Pairs needed", power),
    ):
        if len(rows):
            bullets = [
                f"- {r.status + ': ' if r.status else ''}{md(r.message)}" for r in rows.itertuples()
            ]
            out += ["", f"## {title}", "", *bullets]
    return out


def summary_markdown(
    ard: pd.DataFrame, tables: dict, arms, params: dict, diagnostics: pd.DataFrame | None = None
) -> str:
    """The findings (see the module docstring); ``tables`` = the study config's table
    declarations, ``params`` = its ``analysis`` section (``endpoints``, ``mask_below``);
    ``diagnostics`` (results/diagnostics.csv) adds the diagnostics, adjusted estimates and
    pairs needed (:func:`summary_lines`)."""
    lines = _Lines(ard, arms, params.get("mask_below"))
    out = ["# Findings", ""]
    for name, decl in tables.items():
        out += [lines.row(name, spec) for spec in decl.get("rows", ()) if spec.get("finding")]
    for endpoint, title in params["endpoints"].items():
        out += lines.endpoint(endpoint, title)
    if diagnostics is not None:
        out += summary_lines(diagnostics)
    return "\n".join(out) + "\n"
