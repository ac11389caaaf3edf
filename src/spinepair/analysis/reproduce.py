"""Every published number of a reference study beside the recomputed one, PASS or DIFFERS.

The reference (a YAML named by the study config's ``study.reference.figures``; the demo's is
``config/reference_paper.yaml``, whose header documents the format) declares the tolerances
and, per table section, entries naming the ARD ``row`` they are compared with. One line per
number: counts exact, printed percentages, means and SDs (relative), p-values (absolute and the
same decision at alpha), medians and rates (absolute). A DIFFERS line carries the entry's note.

An entry with ``variant: <name>`` is compared with that sensitivity variant's ARD (the paper's
definition of an endpoint where the study's differs, e.g. fracture counted as a toxicity).
Where a p DIFFERS, the reference's ``counterparts`` (the entry's ``test`` -> a test of
:mod:`spinepair.analysis.counterparts`, e.g. paired_t -> student_t) names the unpaired or
unstratified test the paper may have used; its p on the pair frame is shown beside, with the
same tolerance, so a reader sees whether the method explains the gap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import PRIMARY, select
from spinepair.analysis.counterparts import counterpart
from spinepair.errors import SpinepairError
from spinepair.escape import markdown as md

SECTIONS = ("table1", "table2", "table3", "survival")
COLUMNS = [
    "item", "table", "row", "level", "arm", "statistic",
    "paper", "ours", "tolerance", "result", "note", "analysis",
    "counterpart", "counterpart_p", "counterpart_result",
]  # fmt: skip


def variants_named(reference: dict) -> list[str]:
    """The sensitivity variants the reference's entries are compared with (sorted)."""
    return sorted(
        {
            str(entry["variant"])
            for table in SECTIONS
            for entry in (reference.get(table) or {}).values()
            if isinstance(entry, dict) and "variant" in entry
        }
    )


class ReferenceError(SpinepairError, ValueError):
    """A reference entry the analysis results cannot answer."""


class _Comparer:
    def __init__(self, ard: pd.DataFrame, reference: dict, pf=None, variants=None):
        self.ard, self.ref, self.pf, self.variants = ard, reference, pf, dict(variants or {})
        self.tol, self.alpha = reference["tolerance"], float(reference["alpha"])
        self.arms = reference["arms"]
        self.lines: list[dict] = []

    def rows(self, table, item, entry, **where) -> pd.DataFrame:
        name = entry.get("variant", PRIMARY)
        if name != PRIMARY and name not in self.variants:
            raise ReferenceError(f"reference {table}.{item}: no results of variant {name!r}")
        ard = self.variants.get(name, self.ard)
        hit = select(ard, table, entry["row"], variant=name, **where)
        if not len(hit):
            raise ReferenceError(
                f"reference {table}.{item}: no analysis result for row {entry['row']!r} {where}"
            )
        return hit

    def ours(self, table, item, entry, statistic, arm="all", **where) -> pd.Series:
        return self.rows(table, item, entry, statistic=statistic, arm=arm, **where).iloc[0]

    def line(self, table, item, entry, level, arm, statistic, paper, ours, kind) -> None:
        ok, tolerance = self.check(kind, float(paper), ours)
        explain = not ok and kind == "p" and arm == "all"
        extra = self.counterpart(table, entry, float(paper), statistic) if explain else {}
        self.lines.append(
            {
                "item": item,
                "table": table,
                "row": entry["row"],
                "level": level,
                "arm": arm,
                "statistic": statistic,
                "paper": paper,
                "ours": ours,
                "tolerance": tolerance,
                "result": "PASS" if ok else "DIFFERS",
                "note": "" if ok else str(entry.get("note", "")),
                "analysis": entry.get("variant", PRIMARY),
                "counterpart": "",
                "counterpart_p": np.nan,
                "counterpart_result": "",
                **extra,
            }
        )

    def counterpart(self, table: str, entry: dict, paper: float, statistic: str) -> dict:
        """The counterpart test of a DIFFERS p (see the module docstring), or nothing."""
        name = (self.ref.get("counterparts") or {}).get(entry.get("test"))
        if self.pf is None or name is None or "variant" in entry:
            return {}
        variable = self.ours(table, "", entry, statistic)["variable"]
        res = counterpart(self.pf, name, variable)
        ok, _ = self.check("p", paper, res.p)
        return {
            "counterpart": res.method,
            "counterpart_p": res.p,
            "counterpart_result": "PASS" if ok else "DIFFERS",
        }

    def check(self, kind: str, paper: float, ours: float) -> tuple[bool, str]:
        tol = float(self.tol[kind])
        if np.isnan(ours):
            return False, "not computed"
        if kind == "count":
            return abs(ours - paper) <= tol, "exact" if tol == 0 else f"±{tol:g}"
        if kind in ("mean", "sd"):
            return abs(ours - paper) <= tol * abs(paper), f"±{tol:.0%} relative"
        if kind == "p":
            same = (ours < self.alpha) == (paper < self.alpha)
            text = f"±{tol:g} and same decision at alpha {self.alpha:g}"
            return abs(ours - paper) <= tol and same, text
        unit = {"percent": " points", "median": " months", "rate": " points"}[kind]
        return abs(ours - paper) <= tol, f"±{tol:g}{unit}"

    def level_of(self, table, item, entry, key, arm) -> str:
        """The ARD level of a paper level key (the level itself or its display label)."""
        known = self.rows(table, item, entry, statistic="n", arm=arm)
        for lv, var in zip(known["level"], known["variable"]):
            if str(key) in (lv, vocab.label(var, lv)):
                return lv
        raise ReferenceError(f"reference {table}.{item}: level {key!r} not in the results")

    def entry(self, table: str, item: str, entry: dict) -> None:
        kind = entry["compare"]
        for paper_arm, arm in self.arms.items():
            if paper_arm not in entry:
                continue
            want = entry[paper_arm]
            if kind == "count":
                got = self.ours(table, item, entry, "n", arm=arm, level="")
                self.line(table, item, entry, "", arm, "n", want, got["value"], "count")
                pct = (entry.get("pct") or {}).get(paper_arm)
                if pct is not None:
                    ours = round(100 * got["value"] / got["denominator"], 1)
                    self.line(table, item, entry, "", arm, "pct", pct, ours, "percent")
            elif kind == "levels":
                for key, n in want.items():
                    lv = self.level_of(table, item, entry, key, arm)
                    got = self.ours(table, item, entry, "n", arm=arm, level=lv)["value"]
                    self.line(table, item, entry, lv, arm, "n", n, got, "count")
            elif kind in ("mean_sd", "mean"):
                stats = ("mean", "sd") if kind == "mean_sd" else ("mean",)
                for stat, paper in zip(stats, want if kind == "mean_sd" else [want]):
                    got = self.ours(table, item, entry, stat, arm=arm)["value"]
                    self.line(table, item, entry, "", arm, stat, paper, got, stat)
            elif kind == "median":
                got = self.ours(table, item, entry, "median", arm=arm)["value"]
                self.line(table, item, entry, "", arm, "median", want, got, "median")
            elif kind == "rate":
                for month, pct in zip(entry["months"], want):
                    got = self.ours(table, item, entry, "survival", arm=arm, time=float(month))
                    level = f"{month:g} months"
                    self.line(
                        table, item, entry, level, arm, "survival", pct, 100 * got["value"], "rate"
                    )
            elif kind == "p_by_arm":
                got = self.ours(table, item, entry, "p", arm=arm)["value"]
                self.line(table, item, entry, "", arm, "p", want, got, "p")
            else:
                raise ReferenceError(f"reference {table}.{item}: unknown compare {kind!r}")
        if "p" in entry:
            stat = entry.get("p_statistic", "p")
            got = self.ours(table, item, entry, stat)["value"]
            self.line(table, item, entry, "", "all", stat, entry["p"], got, "p")


def reproduction(ard: pd.DataFrame, reference: dict, pf=None, variants=None) -> pd.DataFrame:
    """One line per published number (see the module docstring), in the reference's order;
    ``pf`` (the pair frame) adds the counterparts of the p-values that differ, ``variants``
    maps a variant name to its ARD (for the entries naming one)."""
    comparer = _Comparer(ard, reference, pf, variants)
    for table in SECTIONS:
        for item, entry in (reference.get(table) or {}).items():
            if isinstance(entry, dict) and "row" in entry:
                comparer.entry(table, item, entry)
    frame = pd.DataFrame(comparer.lines, columns=COLUMNS)
    frame["ours"] = frame["ours"].astype(float)
    frame["counterpart_p"] = frame["counterpart_p"].astype(float)
    return frame


def reproduction_markdown(lines: pd.DataFrame, reference: dict) -> str:
    """The reproduction as Markdown: a count of PASS/DIFFERS, every line (an entry compared
    with a variant names it), then the counterpart of every p that differs (the text cells and
    the reference's title Markdown-escaped)."""
    n_differ = int((lines["result"] == "DIFFERS").sum())
    out = [
        f"# Reproduction of {md(reference.get('title', 'the reference study'))}",
        "",
        f"{len(lines)} published numbers compared: {len(lines) - n_differ} PASS, "
        + f"{n_differ} DIFFERS (tolerances declared in the reference).",
        "",
        "| item | arm | level | statistic | paper | ours | tolerance | result | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in lines.itertuples(index=False):
        item = r.item if r.analysis == PRIMARY else f"{r.item} (variant {r.analysis})"
        cells = [
            md(item),
            md(r.arm),
            md(r.level),
            md(r.statistic),
            f"{r.paper:g}",
            _fmt(r.ours, r.statistic),
            md(r.tolerance),
            f"**{r.result}**" if r.result == "DIFFERS" else r.result,
            md(r.note),
        ]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out + _counterparts(lines, reference)) + "\n"


def _counterparts(lines: pd.DataFrame, reference: dict) -> list[str]:
    shown = lines[lines["counterpart"] != ""]
    if not len(shown):
        return []
    agree = int((shown["counterpart_result"] == "PASS").sum())
    out = [
        "",
        "## Does the method explain a p that differs?",
        "",
        (
            "Each p of the paired analysis that differs from the paper's beside its unpaired or "
            "unstratified counterpart on the same patients (pairing ignored), with the same "
            f"tolerance: the counterpart agrees with the paper for {agree} of {len(shown)}."
        ),
        "",
        "| item | paper p | paired p (ours) | counterpart p | counterpart test | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in shown.itertuples(index=False):
        cells = [md(r.item), f"{r.paper:g}", _fmt(r.ours, "p"), _fmt(r.counterpart_p, "p"),
                 md(r.counterpart), r.counterpart_result]  # fmt: skip
        out.append("| " + " | ".join(cells) + " |")
    return out


def _fmt(v: float, statistic: str) -> str:
    if np.isnan(v):
        return "not computed"
    if statistic == "n":
        return str(int(v))
    return f"{v:.4f}" if "p" in statistic.split("_") else f"{v:.2f}"
