"""Publication tables rendered from the ARD and the study config's table declarations.

Each declared row (see :mod:`spinepair.analysis.table_stats` for the kinds) becomes one or more
formatted rows: mean ± SD, ``n (x.x%)`` (percent of the arm's patients with a value), ``n`` or
``a : b``; p-values to three decimals. Footnotes name every test with its exact variant (the
``method`` of each ARD ``p`` row), then the table's declared footnotes, then every pair left
out of a test and every test not computed. A ``layout: grades`` table is rendered by
:func:`grades_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import select
from spinepair.analysis.table_stats import row_key

SHORT = {
    "paired_t": "paired t",
    "welch_t": "Welch t",
    "mcnemar": "McNemar",
    "bowker": "Bowker",
    "wilcoxon": "Wilcoxon signed-rank",
}


@dataclass
class Table:
    """A publication table: title, formatted ``rows`` and ``footnotes``."""

    name: str
    title: str
    rows: pd.DataFrame
    footnotes: list[str]


def fmt_p(p: float | None) -> str:
    """p-value for print: '<0.001' or three decimals; '' when there is none."""
    if p is None or np.isnan(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_count(n: int, denom: int | None = None) -> str:
    """'n' or 'n (x.x%)' with the percentage of ``denom``."""
    if not denom:
        return str(int(n))
    return f"{int(n)} ({100 * n / denom:.1f}%)"


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


class _Renderer:
    """Formats the rows of one declared table from its ARD rows."""

    def __init__(self, name: str, ard: pd.DataFrame, arms):
        self.ard = select(ard, name)
        self.a, self.b = arms
        self.rows: list[dict] = []
        self.methods: dict[str, set[str]] = {}
        self.notes: list[str] = []

    def get(self, key: str, statistic: str, **where) -> pd.DataFrame:
        sel = (self.ard["row"] == key) & (self.ard["statistic"] == statistic)
        for col, want in where.items():
            sel &= self.ard[col] == str(want)
        return self.ard[sel]

    def num(self, key: str, statistic: str, **where) -> float:
        hit = self.get(key, statistic, **where)
        return (
            float(hit["value"].iloc[0]) if len(hit) and pd.notna(hit["value"].iloc[0]) else np.nan
        )

    def add(self, variable="", level="", a="", b="", p="", test="", smd=np.nan) -> None:
        self.rows.append(
            {
                "Variable": variable,
                "Level": level,
                self.a: a,
                self.b: b,
                "p": p,
                "Test": test,
                "SMD": "" if np.isnan(smd) else f"{smd:.3f}",
            }
        )

    def test(self, key: str, label: str, test: str | None, arm="all") -> tuple[float, str]:
        """(p, short test name) of a row's test, recording its method and footnotes."""
        if not test:
            return np.nan, ""
        excluded = self.num(key, "pairs_excluded", arm=arm)
        if excluded > 0:
            self.notes.append(
                f"{label}: {int(excluded)} pair(s) with a missing value excluded from the test."
            )
        hit = self.get(key, "p", arm=arm)
        if not len(hit):
            return np.nan, ""
        method = str(hit["method"].iloc[0])
        if method.startswith("not computed: "):
            self.notes.append(f"{label}: test {method.replace(': ', ' (', 1)}).")
            return np.nan, ""
        self.methods.setdefault(SHORT[test], set()).add(method)
        return float(hit["value"].iloc[0]), SHORT[test]

    def counts(self, key: str, level: str, arm: str) -> str:
        hit = self.get(key, "n", level=level, arm=arm)
        return fmt_count(int(hit["value"].iloc[0]), _int(hit["denominator"].iloc[0]))

    def mean(self, key: str, arm: str, digits: int) -> str:
        n = self.get(key, "mean", arm=arm)["n"]
        if not len(n) or not n.iloc[0]:
            return ""
        mean, sd = self.num(key, "mean", arm=arm), self.num(key, "sd", arm=arm)
        return f"{mean:.{digits}f} ± {sd:.{digits}f}"

    def continuous(self, spec, key, label) -> None:
        p, test = self.test(key, label, spec.get("test"))
        digits = int(spec.get("digits", 1))
        a, b = self.mean(key, self.a, digits), self.mean(key, self.b, digits)
        self.add(
            spec.get("label", ""),
            spec.get("level", ""),
            a,
            b,
            fmt_p(p),
            test,
            self.num(key, "smd", level=""),
        )

    def categorical(self, spec, key, label, percent=True) -> None:
        if spec.get("test") == "bowker":
            untested = self.num(key, "pairs_untested")
            if untested > 0:
                names = " or ".join(
                    vocab.label(spec["variable"], v).lower() for v in spec.get("untested", ())
                )
                self.notes.append(
                    f"{label}: {int(untested)} pair(s) with {names} excluded from the test."
                )
        p, test = self.test(key, label, spec.get("test"))
        self.add(spec.get("label", ""), "", p=fmt_p(p), test=test)
        shown = self.get(key, "n", arm=self.a)["level"]
        for lv in shown:
            smd = self.num(key, "smd", level=lv) if percent else np.nan
            self.add(
                "",
                vocab.label(spec["variable"], lv),
                self.counts(key, lv, self.a),
                self.counts(key, lv, self.b),
                smd=smd,
            )

    def binary(self, spec, key, label) -> None:
        p, test = self.test(key, label, spec.get("test"))
        self.add(
            spec.get("label", ""),
            spec.get("level", ""),
            self.counts(key, "", self.a),
            self.counts(key, "", self.b),
            fmt_p(p),
            test,
            self.num(key, "smd", level="True"),
        )

    def flags(self, spec, key, label) -> None:
        for lv in vocab.levels(spec["vocabulary"]):
            var = spec["variable"].format(level=lv)
            if len(self.get(var, "n")):
                text = vocab.label(spec["vocabulary"], lv)
                self.binary({"variable": var, "level": text}, var, text)

    def ratio(self, spec, key, label) -> None:
        cells = [
            " : ".join(str(int(self.num(key, "n", level=lv, arm=arm))) for lv in spec["levels"])
            for arm in (self.a, self.b)
        ]
        self.add(
            spec.get("label", ""), "", *cells, smd=self.num(key, "smd", level=spec["levels"][0])
        )

    def within_arm(self, spec, key, label) -> None:
        cells = []
        for arm in (self.a, self.b):
            p, _ = self.test(key, f"{label} ({arm})", spec["test"], arm=arm)
            cells.append("" if np.isnan(p) else ("p" if p < 0.001 else "p = ") + fmt_p(p))
        self.add(spec.get("label", ""), "", *cells, test=SHORT[spec["test"]])

    def render(self, decl: dict, name: str) -> Table:
        for spec in decl["rows"]:
            kind = "categorical" if spec["kind"] == "counts" else spec["kind"]
            key = row_key(spec)
            label = " ".join(t for t in (spec.get("label", ""), spec.get("level", "")) if t)
            if spec["kind"] == "counts":
                self.categorical(spec, key, label, percent=False)
            else:
                getattr(self, kind)(spec, key, label or key)
        tests = [f"{k}: {'; '.join(sorted(v))}." for k, v in sorted(self.methods.items())]
        notes = tests + list(decl.get("footnotes", ())) + self.notes
        notes.append(
            f"n (%) = patients (% of the arm's patients with a value); SMD = standardised mean "
            f"difference {self.a} minus {self.b} (pooled SD)."
        )
        columns = ["Variable", "Level", self.a, self.b, "p", "Test", "SMD"]
        return Table(name, decl["title"], pd.DataFrame(self.rows, columns=columns), notes)


def grades_table(name: str, decl: dict, ard: pd.DataFrame, arms) -> Table:
    """A ``layout: grades`` table (see :mod:`spinepair.analysis.grade_stats`); the patients
    with an ungraded event only are counted by the declared ``ungraded_note`` ({counts})."""
    rows = select(ard, name)
    grades = [g["label"] for g in decl["grades"]]
    cols = ["Variable"] + [f"{arm} {g}" for arm in arms for g in ("any", *grades)]

    def n(row, arm, level=""):
        hit = rows[(rows["row"] == row) & (rows["arm"] == arm) & (rows["level"] == level)]
        return hit.iloc[0]

    def line(row, text, graded=True, with_denominator=False):
        out = {"Variable": text}
        for arm in arms:
            r = n(row, arm)
            denom = _int(r["denominator"]) if with_denominator else None
            out[f"{arm} any"] = fmt_count(int(r["value"]), denom)
            for g in grades if graded else ():
                out[f"{arm} {g}"] = fmt_count(int(n(row, arm, g)["value"]))
        return out

    types = decl["types"]
    body = [line("any", decl["any"]["label"], with_denominator=True)]
    body += [
        line(lv, vocab.label(types["vocabulary"], lv))
        for lv in vocab.levels(types["vocabulary"])
        if (rows["row"] == lv).any()
    ]
    body += [line(u["variable"], u["label"], graded=False) for u in decl.get("ungraded", ())]
    notes = list(decl.get("footnotes", ()))
    only = {arm: int(n("any_ungraded_only", arm)["value"]) for arm in arms}
    if any(only.values()):
        counts = ", ".join(f"{arm} {k}" for arm, k in only.items())
        notes.append(decl["ungraded_note"].format(counts=counts))
    return Table(name, decl["title"], pd.DataFrame(body, columns=cols).fillna(""), notes)


def render_tables(ard: pd.DataFrame, tables: dict, arms) -> dict[str, Table]:
    """Every declared table (study config ``tables``) rendered from the ARD."""
    return {
        name: grades_table(name, decl, ard, arms)
        if decl.get("layout") == "grades"
        else _Renderer(name, ard, arms).render(decl, name)
        for name, decl in tables.items()
    }
