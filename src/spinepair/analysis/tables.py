"""Publication tables rendered from the ARD and the study config's table declarations.

Each declared row (see :mod:`spinepair.analysis.table_stats` for the kinds) becomes one or more
formatted rows: mean ± SD or median (IQR), ``n (x.x%)`` (percent of the arm's patients with a
value), ``n`` or ``a : b``; ``n/a`` in an arm a row is not defined in; a ``Missing`` row under
a variable with missing values (ARD statistic ``missing``); the effect estimate with its CI
where the ARD has one (statistic ``estimate``); p-values to three decimals, ``not computed``
where the test gives none (R: NA); the multiplicity-adjusted p (statistic ``p_adjusted``)
beside its raw p. The arm headers carry the matched patients per arm (ARD table ``pairs``).

A p belongs to its estimate: every test is printed on the line of the contrast it tests (the
row's line; the tested level's line for a level-vs-rest McNemar; a line of its own for the
collapse of a Bowker row) with its test named in the Test column. The estimate column is
titled with the requested level (``1 - alpha``); an interval that reaches another level
(``conf_level``) is not printed there: the point estimate is, its interval with its level goes
to its footnote.

Footnotes tied to rows get a marker (a, b, c ... in order of first use): the exact method of
every test and estimate, every pair left out of a test, every test not computed and why, the
primary endpoints (``analysis.primary``) and the multiplicity adjustment. The table's declared
footnotes follow unmarked. Columns empty in every row (no SMD, no estimate) are left out. A
``layout: grades`` table is rendered by :func:`grades_table`. The module stays one (over 400
lines): the row kinds and the grades layout share the formatters and footnote state of one
table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import select
from spinepair.analysis.balance_ard import smd_note
from spinepair.analysis.settings import row_key
from spinepair.analysis.table_stats import row_tests
from spinepair.report.richtext import mark_letter

SHORT = {
    "paired_t": "paired t",
    "welch_t": "Welch t",
    "mcnemar": "McNemar",
    "bowker": "Bowker",
    "wilcoxon": "Wilcoxon signed-rank",
}
ESTIMATE = "Estimate"
ADJUSTED = "Adjusted p"
OPTIONAL = ("SMD", ESTIMATE, "p", ADJUSTED, "Test")
NOT_COMPUTED = "not computed"


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


def fmt_level(level: float) -> str:
    """A confidence level in percent: 0.95 -> '95%'."""
    return f"{100 * level:.4g}%"


def same_level(level: float, requested: float) -> bool:
    """Whether an interval's ``conf_level`` is the requested one."""
    return bool(np.isclose(level, requested, rtol=0, atol=1e-9))


def _unsigned_zero(text: str) -> str:
    """'-0.00' printed as '0.00' (a value that rounds to zero has no sign)."""
    return text.lstrip("-") if float(text) == 0 else text


def reason(method: str) -> str:
    """Why a test or estimate was not computed: the text after 'not computed: '."""
    return method.split("not computed: ", 1)[-1]


def arm_header(ard: pd.DataFrame, arm: str) -> str:
    """'SRS (n = 28)': the arm with its matched patients (ARD table ``pairs``), else the arm."""
    hit = select(ard, "pairs", "pairs", statistic="n", arm=arm)
    return f"{arm} (n = {int(hit['value'].iloc[0])})" if len(hit) else arm


def table_data(ard: pd.DataFrame, name: str, labels: dict[str, str]) -> pd.DataFrame:
    """The numeric ARD rows of table ``name`` with each row's printed label (machine CSV)."""
    rows = select(ard, name).drop(columns=["table"]).reset_index(drop=True)
    rows.insert(1, "label", [labels.get(r, "") for r in rows["row"]])
    return rows


def level_text(variable: str, level: str) -> str:
    """The printed label of a tested level: 'Complete or partial' for 'complete+partial'."""
    parts = [vocab.label(variable, v) for v in level.split("+")]
    return " or ".join([parts[0], *(p[:1].lower() + p[1:] for p in parts[1:])])


def _int(v) -> int | None:
    return None if pd.isna(v) else int(v)


class _Renderer:
    """Formats the rows of one declared table from its ARD rows."""

    def __init__(self, name: str, ard: pd.DataFrame, arms, params: dict | None = None):
        params = params or {}
        self.ard = select(ard, name)
        self.a, self.b = arms
        self.heads = {arm: arm_header(ard, arm) for arm in arms}
        self.level = 1 - float(params.get("alpha", 0.05))
        self.primary = {str(k) for k in params.get("primary") or ()}
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

    def add(self, variable="", level="", a="", b="", tested=None, smd=np.nan, notes=()):
        """One printed line; ``tested``: the :class:`Tested` cells of the test on it."""
        tested = tested or Tested()
        self.rows.append(
            {
                "Variable": variable,
                "Level": level,
                self.a: a,
                self.b: b,
                ESTIMATE: tested.estimate,
                "p": tested.p,
                ADJUSTED: tested.adjusted,
                "Test": tested.test,
                "SMD": "" if np.isnan(smd) else f"{smd:.3f}",
            }
        )
        self.marks.append(self.mark([*notes, *tested.notes]))

    def test(self, key: str, label: str, test: str, arm="all", level="") -> Tested:
        """The p, adjusted p and test name cells of one test, with their notes."""
        out = Tested()
        excluded = self.num(key, "pairs_excluded", arm=arm, level=level)
        if excluded > 0:
            out.notes.append(f"{label}: {int(excluded)} pair(s) with a missing value excluded.")
        hit = self.get(key, "p", arm=arm, level=level)
        if not len(hit):
            return out
        method, p = str(hit["method"].iloc[0]), float(hit["value"].iloc[0])
        out.test = SHORT[test]
        if np.isnan(p):
            out.p = NOT_COMPUTED
            out.notes.append(f"{label}: {SHORT[test]} test not computed ({reason(method)}).")
            return out
        out.p = fmt_p(p)
        named = method.lower().startswith(SHORT[test].split()[0].lower())
        out.notes.insert(0, f"{method}." if named else f"{SHORT[test]}: {method}.")
        adjusted = self.get(key, "p_adjusted", arm=arm, level=level)
        if len(adjusted):
            out.adjusted = fmt_p(float(adjusted["value"].iloc[0]))
            out.notes.append(f"Adjusted p: {adjusted['method'].iloc[0]}.")
        return out

    def estimate(self, key: str, label: str, digits: int, level="") -> tuple[str, list[str]]:
        """The estimate cell and its method note (ARD statistic ``estimate``); an interval
        of another level than the column's goes to the note with its level."""
        hit = self.get(key, "estimate", arm="all", level=level)
        if not len(hit):
            return "", []
        r = hit.iloc[0]
        method = str(r["method"])
        if method.startswith("not computed: "):
            return "", [f"{label}: estimate not computed ({reason(method)})."]
        cell = fmt_estimate(r["value"], r["lower"], r["upper"], digits)
        if same_level(r["conf_level"], self.level):
            return cell, [f"Estimate: {method}."]
        point, interval = cell.split(" ", 1)
        reached, column = fmt_level(r["conf_level"]), fmt_level(self.level)
        note = f"Estimate: {method}; its {reached} interval {interval} is not a {column} CI."
        return point, [note]

    def tested(self, spec, key, label, test, level="", digits=2) -> Tested:
        """The cells of the test at ``level`` of a row and of its estimate."""
        out = self.test(key, label, test, level=level)
        out.estimate, more = self.estimate(key, label, digits, level)
        out.notes += more
        if key in self.primary and not level:
            out.notes.insert(0, "Primary endpoint (analysis.primary).")
        return out

    def missing(self, key: str) -> None:
        """A ``Missing`` row when the ARD counts missing values in either arm."""
        counts = [self.num(key, "missing", arm=arm) for arm in (self.a, self.b)]
        if any(c > 0 for c in counts):
            self.add("", "Missing", *(str(int(np.nan_to_num(c))) for c in counts))

    def counts(self, key: str, level: str, arm: str) -> str:
        hit = self.get(key, "n", level=level, arm=arm)
        return fmt_count(int(hit["value"].iloc[0]), _int(hit["denominator"].iloc[0]))

    def summary(self, spec, key: str, arm: str, digits: int) -> str:
        """'mean ± SD' or 'median (Q1–Q3)' of one arm; 'n/a' in an arm the row is not
        defined in."""
        if arm not in spec.get("arms", (self.a, self.b)):
            return "n/a"
        n = self.get(key, "mean", arm=arm)["n"]
        if not len(n) or not n.iloc[0]:
            return ""
        if spec.get("summary") == "median_iqr":
            q = [self.num(key, s, arm=arm) for s in ("median", "q1", "q3")]
            return f"{q[0]:.{digits}f} ({q[1]:.{digits}f}–{q[2]:.{digits}f})"
        mean, sd = self.num(key, "mean", arm=arm), self.num(key, "sd", arm=arm)
        return f"{mean:.{digits}f} ± {sd:.{digits}f}"

    def continuous(self, spec, key, label) -> None:
        digits = int(spec.get("digits", 1))
        tested = self.tested(spec, key, label, spec.get("test"), digits=digits)
        a, b = (self.summary(spec, key, arm, digits) for arm in (self.a, self.b))
        notes = []
        if "arms" in spec:
            other = [arm for arm in (self.a, self.b) if arm not in spec["arms"]]
            notes.append(
                f"{label}: defined for {', '.join(spec['arms'])} only (n/a: not applicable to "
                f"{', '.join(other)}); not compared across arms."
            )
        smd = self.num(key, "smd", level="")
        self.add(spec.get("label", ""), spec.get("level", ""), a, b, tested, smd, notes)
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
        if spec.get("test_variable", spec["variable"]) != spec["variable"]:
            notes.append(
                f"{label}: tested on {spec['test_variable']}, not on the categories shown; "
                "no estimate is shown for it."
            )
        tests = dict(row_tests(spec))
        shown = list(self.get(key, "n", arm=self.a)["level"])
        main = self.tested(spec, key, label, tests[""]) if "" in tests else None
        self.add(spec.get("label", ""), "", tested=main, notes=notes)
        for lv in shown:
            smd = self.num(key, "smd", level=lv) if percent else np.nan
            a, b = self.counts(key, lv, self.a), self.counts(key, lv, self.b)
            text = vocab.label(spec["variable"], lv)
            at = self.tested(spec, key, f"{label} {text}", tests[lv], lv) if lv in tests else None
            self.add("", text, a, b, at, smd=smd)
        for lv, test in tests.items():
            if lv and lv not in shown:
                text = level_text(spec["variable"], lv)
                self.add("", text, tested=self.tested(spec, key, f"{label}, {text}", test, lv))
        self.missing(key)

    def binary(self, spec, key, label) -> None:
        tested = self.tested(spec, key, label, spec.get("test") and "mcnemar")
        a, b = self.counts(key, "", self.a), self.counts(key, "", self.b)
        smd = self.num(key, "smd", level="True")
        self.add(spec.get("label", ""), spec.get("level", ""), a, b, tested, smd)
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
            got = self.test(key, f"{label} ({arm})", spec["test"], arm=arm)
            notes += [n for n in got.notes if n not in notes]
            shown = got.p in ("", NOT_COMPUTED)
            cells.append(got.p if shown else f"p{got.p}" if got.p[0] == "<" else f"p = {got.p}")
        self.add(spec.get("label", ""), "", *cells, Tested(test=SHORT[spec["test"]]), notes=notes)

    def render(self, decl: dict, name: str, full_ard: pd.DataFrame) -> Table:
        for spec in decl["rows"]:
            key = row_key(spec)
            label = " ".join(t for t in (spec.get("label", ""), spec.get("level", "")) if t)
            self.labels[key] = label
            if spec["kind"] in ("counts", "schedule"):
                self.categorical(spec, key, label, percent=spec["kind"] == "schedule")
            else:
                getattr(self, spec["kind"])(spec, key, label or key)
        notes = list(decl.get("footnotes", ()))
        rows = pd.DataFrame(self.rows)
        has_missing = (rows["Level"] == "Missing").any()
        missing = " Missing = patients without a value." if has_missing else ""
        notes.append(f"n (%) = patients (% of the arm's patients with a value).{missing}")
        if any(spec.get("summary") == "median_iqr" for spec in decl["rows"]):
            notes.append("Median (IQR) = median (first–third quartile, R quantile type 7).")
        if decl.get("tests") is False:
            notes.append(
                f"No tests: the arms are compared by SMD only (tables.{name}.tests: false)."
            )
        keep = [c for c in rows.columns if c not in OPTIONAL or (rows[c] != "").any()]
        if "SMD" in keep:
            notes.append(smd_note(full_ard, self.a, self.b))
        titles = {**self.heads, ESTIMATE: f"Estimate ({fmt_level(self.level)} CI)"}
        header = [titles.get(c, c) for c in keep]
        data = table_data(full_ard, name, self.labels)
        return Table(
            name, decl["title"], rows[keep], notes, self.notes, self.marks, header, data=data
        )


@dataclass
class Tested:
    """The cells of one test on a printed line, and its notes."""

    p: str = ""
    test: str = ""
    estimate: str = ""
    adjusted: str = ""
    notes: list[str] = field(default_factory=list)


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


def render_tables(ard: pd.DataFrame, tables: dict, arms, params: dict | None = None):
    """Every declared table (study config ``tables``) rendered from the ARD, as {name:
    :class:`Table`}; ``params``: the config's ``analysis`` keys ``alpha`` (the estimate
    column's level) and ``primary``."""
    return {
        name: grades_table(name, decl, ard, arms)
        if decl.get("layout") == "grades"
        else _Renderer(name, ard, arms, params).render(decl, name, ard)
        for name, decl in tables.items()
    }
