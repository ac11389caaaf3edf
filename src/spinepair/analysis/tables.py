"""Publication tables rendered from the ARD and the study config's table declarations.

Each declared row (see :mod:`spinepair.analysis.table_stats` for the kinds) becomes one or more
formatted rows: mean ± SD, ``n (x.x%)`` (percent of the arm's patients with a value), ``n`` or
``a : b``; a ``Missing`` row under a variable with missing values (ARD statistic ``missing``);
the effect estimate with its 95% CI where the ARD has one (statistic ``estimate``); p-values to
three decimals. The arm headers carry the matched patients per arm (ARD table ``pairs``).

Footnotes tied to rows get a marker (a, b, c ... in order of first use): the exact method of
every test and estimate, every pair left out of a test and every test not computed. The
table's declared footnotes follow unmarked. Columns empty in every row (no SMD, no estimate)
are left out. A ``layout: grades`` table is rendered by :func:`grades_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import select
from spinepair.analysis.settings import row_key
from spinepair.report.richtext import mark_letter

SHORT = {
    "paired_t": "paired t",
    "welch_t": "Welch t",
    "mcnemar": "McNemar",
    "bowker": "Bowker",
    "wilcoxon": "Wilcoxon signed-rank",
}
ESTIMATE = "Estimate (95% CI)"
OPTIONAL = ("SMD", ESTIMATE, "p", "Test")


@dataclass
class Table:
    """A publication table: title, formatted ``rows`` (column names unique keys; ``header``
    the printed column titles, default the column names), general ``footnotes``, ``notes``
    tied to rows ({marker: text}) with the ``marks`` of each row, optional ``spanners`` (text,
    columns) printed above the header, and the numeric ARD rows behind it (``data``)."""

    name: str
    title: str
    rows: pd.DataFrame
    footnotes: list[str]
    notes: dict[str, str] = field(default_factory=dict)
    marks: list[tuple[str, ...]] = field(default_factory=list)
    header: list[str] | None = None
    spanners: list[tuple[str, int]] = field(default_factory=list)
    data: pd.DataFrame | None = None

    def headers(self) -> list[str]:
        return list(self.header) if self.header else [str(c) for c in self.rows.columns]

    def row_marks(self) -> list[tuple[str, ...]]:
        return list(self.marks) if self.marks else [()] * len(self.rows)


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


def fmt_estimate(value: float, lower: float, upper: float, digits: int) -> str:
    """'x (lower, upper)' at ``digits`` decimals ('' without a value; no '-0.00')."""
    if pd.isna(value):
        return ""
    value, lower, upper = (_unsigned_zero(f"{v:.{digits}f}") for v in (value, lower, upper))
    return f"{value} ({lower}, {upper})"


def _unsigned_zero(text: str) -> str:
    """'-0.00' printed as '0.00' (a value that rounds to zero has no sign)."""
    return text.lstrip("-") if float(text) == 0 else text


def arm_header(ard: pd.DataFrame, arm: str) -> str:
    """'SRS (n = 28)': the arm with its matched patients (ARD table ``pairs``), else the arm."""
    hit = select(ard, "pairs", "pairs", statistic="n", arm=arm)
    return f"{arm} (n = {int(hit['value'].iloc[0])})" if len(hit) else arm


def table_data(ard: pd.DataFrame, name: str, labels: dict[str, str]) -> pd.DataFrame:
    """The numeric ARD rows of table ``name`` with each row's printed label (machine CSV)."""
    rows = select(ard, name).drop(columns=["table"]).reset_index(drop=True)
    rows.insert(1, "label", [labels.get(r, "") for r in rows["row"]])
    return rows


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


class _Renderer:
    """Formats the rows of one declared table from its ARD rows."""

    def __init__(self, name: str, ard: pd.DataFrame, arms):
        self.ard = select(ard, name)
        self.a, self.b = arms
        self.heads = {arm: arm_header(ard, arm) for arm in arms}
        self.rows: list[dict] = []
        self.marks: list[tuple[str, ...]] = []
        self.notes: dict[str, str] = {}
        self.labels: dict[str, str] = {}

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

    def mark(self, texts) -> tuple[str, ...]:
        """Markers of ``texts`` (a note used again keeps its marker)."""
        out = []
        for text in texts:
            known = {v: k for k, v in self.notes.items()}
            if text not in known:
                known[text] = mark_letter(len(self.notes))
                self.notes[known[text]] = text
            out.append(known[text])
        return tuple(out)

    def add(self, variable="", level="", a="", b="", p="", test="", smd=np.nan, notes=(), est=""):
        self.rows.append(
            {
                "Variable": variable,
                "Level": level,
                self.a: a,
                self.b: b,
                ESTIMATE: est,
                "p": p,
                "Test": test,
                "SMD": "" if np.isnan(smd) else f"{smd:.3f}",
            }
        )
        self.marks.append(self.mark(notes))

    def test(self, key: str, label: str, test: str | None, arm="all"):
        """(p, short test name, notes) of a row's test."""
        if not test:
            return np.nan, "", []
        notes = []
        excluded = self.num(key, "pairs_excluded", arm=arm)
        if excluded > 0:
            notes.append(f"{label}: {int(excluded)} pair(s) with a missing value excluded.")
        hit = self.get(key, "p", arm=arm)
        if not len(hit):
            return np.nan, "", notes
        method = str(hit["method"].iloc[0])
        if method.startswith("not computed: "):
            notes.append(f"{label}: test {method.replace(': ', ' (', 1)}).")
            return np.nan, "", notes
        named = method.lower().startswith(SHORT[test].split()[0].lower())
        notes.insert(0, f"{method}." if named else f"{SHORT[test]}: {method}.")
        return float(hit["value"].iloc[0]), SHORT[test], notes

    def estimate(self, key: str, label: str, digits: int) -> tuple[str, list[str]]:
        """The row's effect estimate cell and its method note (ARD statistic ``estimate``)."""
        hit = self.get(key, "estimate", arm="all")
        if not len(hit):
            return "", []
        r = hit.iloc[0]
        method = str(r["method"])
        if method.startswith("not computed: "):
            return "", [f"{label}: estimate {method.replace(': ', ' (', 1)})."]
        return fmt_estimate(r["value"], r["lower"], r["upper"], digits), [f"Estimate: {method}."]

    def missing(self, key: str) -> None:
        """A ``Missing`` row when the ARD counts missing values in either arm."""
        counts = [self.num(key, "missing", arm=arm) for arm in (self.a, self.b)]
        if any(c > 0 for c in counts):
            self.add("", "Missing", *(str(int(np.nan_to_num(c))) for c in counts))

    def counts(self, key: str, level: str, arm: str) -> str:
        hit = self.get(key, "n", level=level, arm=arm)
        return fmt_count(int(hit["value"].iloc[0]), _int(hit["denominator"].iloc[0]))

    def mean(self, key: str, arm: str, digits: int) -> str:
        n = self.get(key, "mean", arm=arm)["n"]
        if not len(n) or not n.iloc[0]:
            return ""
        mean, sd = self.num(key, "mean", arm=arm), self.num(key, "sd", arm=arm)
        return f"{mean:.{digits}f} ± {sd:.{digits}f}"

    def tested(self, spec, key, label, digits=2):
        """(p, test, estimate cell, notes) of a tested row."""
        p, test, notes = self.test(key, label, spec.get("test"))
        est, est_notes = self.estimate(key, label, digits)
        return fmt_p(p), test, est, notes + est_notes

    def continuous(self, spec, key, label) -> None:
        digits = int(spec.get("digits", 1))
        p, test, est, notes = self.tested(spec, key, label, digits)
        a, b = self.mean(key, self.a, digits), self.mean(key, self.b, digits)
        smd = self.num(key, "smd", level="")
        self.add(spec.get("label", ""), spec.get("level", ""), a, b, p, test, smd, notes, est)
        self.missing(key)

    def categorical(self, spec, key, label, percent=True) -> None:
        notes = []
        if spec.get("test") == "bowker":
            untested = self.num(key, "pairs_untested")
            if untested > 0:
                names = " or ".join(
                    vocab.label(spec["variable"], v).lower() for v in spec.get("untested", ())
                )
                notes.append(f"{label}: {int(untested)} pair(s) with {names} excluded.")
        p, test, est, more = self.tested(spec, key, label)
        self.add(spec.get("label", ""), "", p=p, test=test, notes=notes + more, est=est)
        for lv in self.get(key, "n", arm=self.a)["level"]:
            smd = self.num(key, "smd", level=lv) if percent else np.nan
            a, b = self.counts(key, lv, self.a), self.counts(key, lv, self.b)
            self.add("", vocab.label(spec["variable"], lv), a, b, smd=smd)
        self.missing(key)

    def binary(self, spec, key, label) -> None:
        p, test, est, notes = self.tested(spec, key, label)
        a, b = self.counts(key, "", self.a), self.counts(key, "", self.b)
        smd = self.num(key, "smd", level="True")
        self.add(spec.get("label", ""), spec.get("level", ""), a, b, p, test, smd, notes, est)
        self.missing(key)

    def flags(self, spec, key, label) -> None:
        for lv in vocab.levels(spec["vocabulary"]):
            var = spec["variable"].format(level=lv)
            if len(self.get(var, "n")):
                text = vocab.label(spec["vocabulary"], lv)
                self.labels[var] = text
                self.binary({"variable": var, "level": text}, var, text)

    def ratio(self, spec, key, label) -> None:
        cells = [
            " : ".join(str(int(self.num(key, "n", level=lv, arm=arm))) for lv in spec["levels"])
            for arm in (self.a, self.b)
        ]
        smd = self.num(key, "smd", level=spec["levels"][0])
        self.add(spec.get("label", ""), "", *cells, smd=smd)
        self.missing(key)

    def within_arm(self, spec, key, label) -> None:
        cells, notes = [], []
        for arm in (self.a, self.b):
            p, _, more = self.test(key, f"{label} ({arm})", spec["test"], arm=arm)
            notes += [n for n in more if n not in notes]
            cells.append("" if np.isnan(p) else ("p" if p < 0.001 else "p = ") + fmt_p(p))
        self.add(spec.get("label", ""), "", *cells, test=SHORT[spec["test"]], notes=notes)

    def render(self, decl: dict, name: str, full_ard: pd.DataFrame) -> Table:
        for spec in decl["rows"]:
            key = row_key(spec)
            label = " ".join(t for t in (spec.get("label", ""), spec.get("level", "")) if t)
            self.labels[key] = label
            if spec["kind"] == "counts":
                self.categorical(spec, key, label, percent=False)
            else:
                getattr(self, spec["kind"])(spec, key, label or key)
        notes = list(decl.get("footnotes", ()))
        rows = pd.DataFrame(self.rows)
        has_missing = (rows["Level"] == "Missing").any()
        missing = " Missing = patients without a value." if has_missing else ""
        notes.append(f"n (%) = patients (% of the arm's patients with a value).{missing}")
        keep = [c for c in rows.columns if c not in OPTIONAL or (rows[c] != "").any()]
        if "SMD" in keep:
            notes.append(f"SMD = standardised mean difference {self.a} minus {self.b} (pooled SD).")
        header = [self.heads.get(c, c) for c in keep]
        data = table_data(full_ard, name, self.labels)
        return Table(
            name, decl["title"], rows[keep], notes, self.notes, self.marks, header, data=data
        )


def grades_table(name: str, decl: dict, ard: pd.DataFrame, arms) -> Table:
    """A ``layout: grades`` table (see :mod:`spinepair.analysis.grade_stats`): patients per
    type and highest grade, n (% of the arm's patients) in every cell, arms as spanners; the
    patients with an ungraded event only are counted by the declared ``ungraded_note``."""
    rows = select(ard, name)
    grades = [g["label"] for g in decl["grades"]]
    cols = ["Variable"] + [f"{arm} {g}" for arm in arms for g in ("any", *grades)]

    def n(row, arm, level=""):
        hit = rows[(rows["row"] == row) & (rows["arm"] == arm) & (rows["level"] == level)]
        return hit.iloc[0]

    denom = {arm: _int(n("any", arm)["denominator"]) for arm in arms}

    def line(row, text, graded=True):
        out = {"Variable": text}
        for arm in arms:
            out[f"{arm} any"] = fmt_count(int(n(row, arm)["value"]), denom[arm])
            for g in grades if graded else ():
                out[f"{arm} {g}"] = fmt_count(int(n(row, arm, g)["value"]), denom[arm])
        return out

    types = decl["types"]
    labels = {"any": decl["any"]["label"]}
    labels |= {lv: vocab.label(types["vocabulary"], lv) for lv in vocab.levels(types["vocabulary"])}
    labels |= {u["variable"]: u["label"] for u in decl.get("ungraded", ())}
    body = [line("any", labels["any"])]
    body += [
        line(lv, labels[lv])
        for lv in vocab.levels(types["vocabulary"])
        if (rows["row"] == lv).any()
    ]
    body += [line(u["variable"], u["label"], graded=False) for u in decl.get("ungraded", ())]
    notes = list(decl.get("footnotes", ()))
    notes.append("n (%) = patients (% of the arm's patients).")
    only = {arm: int(n("any_ungraded_only", arm)["value"]) for arm in arms}
    if any(only.values()):
        counts = ", ".join(f"{arm} {k}" for arm, k in only.items())
        notes.append(decl["ungraded_note"].format(counts=counts))
    header = ["Variable"] + [g.capitalize() for _ in arms for g in ("any", *grades)]
    spanners = [("", 1)] + [(arm_header(ard, arm), 1 + len(grades)) for arm in arms]
    return Table(
        name,
        decl["title"],
        pd.DataFrame(body, columns=cols).fillna(""),
        notes,
        header=header,
        spanners=spanners,
        data=table_data(ard, name, labels),
    )


def render_tables(ard: pd.DataFrame, tables: dict, arms) -> dict[str, Table]:
    """Every declared table (study config ``tables``) rendered from the ARD."""
    return {
        name: grades_table(name, decl, ard, arms)
        if decl.get("layout") == "grades"
        else _Renderer(name, ard, arms).render(decl, name, ard)
        for name, decl in tables.items()
    }
