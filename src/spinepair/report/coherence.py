"""Every number a reader sees, checked against the ARD it was rendered from.

A statistical referee must find no two places that give different numbers for the same
quantity. Every output that shows numbers (tables, survival summary, summary, diagnostics,
figure annotations, balance page) is split into blocks (a table row with its level lines, a
summary bullet, a figure); each block is anchored to the ARD rows of the quantity it shows by
the label it starts with (a table row's label, an endpoint's title). Each number of the block,
as printed (its decimals, a percent), must be the rounding of a number of those ARD rows: a
value, an interval bound, a p, an n or denominator, a time, a level in percent, or a number
its method text states. Numbers after ``<``, ``>``, ``≤`` or ``≥`` are thresholds and limits
(``p<0.001``, ``≥4``), not quantities, and are not checked.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from spinepair.escape import markdown as md

NUMBER = re.compile(r"(?<![\w.<>≤≥])(-|−)?(\d+(?:\.\d+)?)(%?)(?!\w|\.\d)")
THRESHOLD = re.compile(r"(?:[<>≤≥]=?|=<|=>)\s*[-−]?\d+(?:\.\d+)?%?")
RANGE = re.compile(r"(\d%?)-(?=\d)")  # 3.4-10.0: a range, not a negative bound
_NUMERIC = ("value", "lower", "upper", "p", "time", "n", "denominator", "conf_level")


@dataclass(frozen=True)
class Token:
    """A number as printed: its value, its decimals and whether it is a percent."""

    text: str
    value: float
    decimals: int
    percent: bool


@dataclass(frozen=True)
class Block:
    """Text of one output that shows one quantity's numbers (``anchor``: its label, or '')."""

    source: str
    anchor: str
    text: str


@dataclass(frozen=True)
class Mismatch:
    """A printed number no ARD number of its block rounds to."""

    source: str
    anchor: str
    number: str
    text: str

    def __str__(self) -> str:
        where = f" [{self.anchor}]" if self.anchor else ""
        return f"{self.source}{where}: {self.number} in {self.text.strip()[:160]!r}"


def tokens(text: str) -> list[Token]:
    """The numbers of ``text`` as printed, thresholds (``<0.001``, ``≥4``) left out."""
    text = RANGE.sub(r"\1 – ", html.unescape(text).replace("\\", ""))
    text = THRESHOLD.sub(" ", text)
    out = []
    for m in NUMBER.finditer(text):
        sign, digits, pct = m.groups()
        value = float(digits) * (-1 if sign else 1)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        out.append(Token(m.group(0), value, decimals, bool(pct)))
    return out


def _method_numbers(methods: Iterable[str]) -> list[float]:
    return [t.value / 100 if t.percent else t.value for m in methods for t in tokens(str(m))]


def reference_numbers(rows: pd.DataFrame) -> list[float]:
    """Every number of ARD ``rows`` a renderer may print (see the module docstring)."""
    nums: list[float] = []
    for col in _NUMERIC:
        if col in rows.columns:
            nums += [float(v) for v in pd.to_numeric(rows[col], errors="coerce").dropna()]
    if {"value", "denominator"} <= set(rows.columns):
        share = pd.to_numeric(rows["value"]) / pd.to_numeric(rows["denominator"])
        nums += [float(v) for v in share.dropna()]
    nums += _method_numbers(rows["method"]) if "method" in rows.columns else []
    nums += _method_numbers(rows["level"]) if "level" in rows.columns else []  # "30 Gy / 10 fx"
    return nums


def matches(token: Token, numbers: Iterable[float]) -> bool:
    """Whether ``token`` is the rounding (to its decimals) of one of ``numbers``, of its
    absolute value or of its reciprocal (a ratio read the other way); a percent of 100 times
    it; a whole number of the number or 100 times it (a count, or the bound of a percent's
    interval printed without its sign, as ``68% (47–82)``)."""
    half = 0.5 * 10.0**-token.decimals + 1e-9
    scales = (100.0,) if token.percent else (1.0, 100.0) if token.decimals == 0 else (1.0,)
    for v in numbers:
        if not math.isfinite(v) or (token.value < 0 and v >= 0):
            continue
        cands = (v, 1 / v) if v > 0 and not token.percent else (v,)
        if any(abs(abs(s * c) - abs(token.value)) <= half for c in cands for s in scales):
            return True
    return False


class Anchors:
    """Labels a reader sees -> the ARD rows of the quantity each labels."""

    def __init__(self, ard: pd.DataFrame, labels: dict[str, set[str]]):
        self.ard = ard
        self.labels = sorted(labels.items(), key=lambda kv: -len(kv[0]))
        common = ard[ard["table"].isin(["pairs"])]
        self.common = reference_numbers(common)
        self.everything = reference_numbers(ard)

    def find(self, text: str) -> tuple[list[str], set[str]]:
        """The labels ``text`` contains (longest first, none inside another) and the ARD
        row keys they name."""
        found, keys = [], set()
        for label, named in self.labels:
            if label and label in text:
                found.append(label)
                keys |= named
                text = text.replace(label, "\0")
        return found, keys

    def numbers(self, keys: set[str]) -> list[float]:
        """The reference numbers of the ARD rows of ``keys`` (a row key or the variable the
        row is computed on); of the whole ARD when the block names no quantity."""
        if not keys:
            return self.everything
        rows = self.ard[self.ard["row"].isin(keys) | self.ard["variable"].isin(keys)]
        return reference_numbers(rows) + self.common


def check(blocks: Iterable[Block], anchors: Anchors) -> Iterator[Mismatch]:
    """The printed numbers of ``blocks`` that no ARD number of their quantity rounds to."""
    for block in blocks:
        labels, keys = anchors.find(block.anchor or block.text)
        text = block.text
        for label in labels:
            text = text.replace(label, " ")
        numbers = anchors.numbers(keys)
        for tok in tokens(text):
            if not matches(tok, numbers):
                yield Mismatch(block.source, "; ".join(labels), tok.text, block.text)


def markdown_blocks(source: str, text: str) -> list[Block]:
    """One block per bullet or table line of a Markdown output."""
    return [
        Block(source, "", line)
        for line in text.splitlines()
        if line.lstrip().startswith(("- ", "|")) and not set(line) <= set("|-: ")
    ]


def table_blocks(source: str, shown: pd.DataFrame, own_rows=frozenset()) -> list[Block]:
    """One block per table row as printed (its label line and the level lines under it; a
    level line whose text is in ``own_rows`` is a row of its own); the header names no
    quantity and is left out."""
    blocks, label, lines = [], "", []
    for _, row in shown.iterrows():
        cells = ["" if pd.isna(v) else str(v) for v in row]
        if not cells[0] and len(cells) > 1 and cells[1] in own_rows:
            cells = [cells[1], "", *cells[2:]]
        if cells[0]:
            if lines:
                blocks.append(Block(source, label, " ; ".join(lines)))
            label, lines = cells[0], []
        lines.append(" | ".join(cells[1:]))
    if lines:
        blocks.append(Block(source, label, " ; ".join(lines)))
    return blocks


SVG_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")


def svg_blocks(source: str, svg: str, anchor: str) -> list[Block]:
    """The annotations of a figure (its texts with words; axis ticks and numbers at risk are
    positions, not statistics)."""
    texts = [t.strip() for t in SVG_TEXT.findall(svg)]
    return [Block(source, anchor, t) for t in texts if re.search(r"[A-Za-z]", t)]


def labels_of(results, titles: dict[str, str], tables) -> dict[str, set[str]]:
    """Every label a reader sees -> the ARD row keys it names: the rows of each of ``tables``
    (``tables/<table>.data.csv``) and the endpoints' titles."""
    labels: dict[str, set[str]] = {}
    for table in tables:
        data = pd.read_csv(
            results / "tables" / f"{table}.data.csv", dtype=str, keep_default_na=False
        )
        if "label" not in data.columns:  # a table whose rows are endpoints (their titles)
            continue
        for row, label in data[["row", "label"]].drop_duplicates().itertuples(index=False):
            labels.setdefault(label, set()).add(row)
    for key, title in titles.items():
        labels.setdefault(str(title), set()).add(key)
    return labels


def result_blocks(results, titles: dict[str, str], tables, labels=()) -> list[Block]:
    """The blocks of every output that shows numbers (see the module docstring): the shown
    CSV of each of ``tables``, the summary, the diagnostics and the endpoints' figures."""
    blocks = []
    for table in tables:
        shown = pd.read_csv(results / "tables" / f"{table}.csv", dtype=str, keep_default_na=False)
        blocks += table_blocks(f"tables/{table}.csv", shown, set(labels))
    for name in ("summary.md", "diagnostics.md"):
        if (results / name).exists():
            blocks += markdown_blocks(name, (results / name).read_text(encoding="utf-8"))
    for key, title in titles.items():
        for kind in ("km", "cif"):
            svg = results / "figures" / f"{kind}_{key}.svg"
            if svg.exists():
                blocks += svg_blocks(f"figures/{svg.name}", svg.read_text(encoding="utf-8"), title)
    return blocks


@dataclass(frozen=True)
class Coherence:
    """What the check read and found: numbers checked per output, and the mismatches."""

    checked: dict[str, int]
    mismatches: list[Mismatch]


def check_results(results, titles: dict[str, str], tables) -> Coherence:
    """Every printed number of the outputs under ``results`` (the ``tables`` named) checked
    against the ARD number of its quantity (and the diagnostics' rows)."""
    ard = pd.read_parquet(results / "ard.parquet")
    if (results / "diagnostics.csv").exists():
        diag = pd.read_csv(results / "diagnostics.csv", keep_default_na=False, na_values=[""])
        ard = pd.concat([ard.astype(object), diag.reindex(columns=ard.columns).astype(object)])
    ard = ard[ard["variant"] == "primary"].astype({"row": str, "variable": str})
    labels = labels_of(results, titles, tables)
    blocks = result_blocks(results, titles, tables, labels)
    checked: dict[str, int] = {}
    for b in blocks:
        checked[b.source] = checked.get(b.source, 0) + len(tokens(b.text))
    return Coherence(checked, list(check(blocks, Anchors(ard, labels))))


def markdown_report(result: Coherence) -> str:
    """The coherence page: numbers checked per output and every mismatch (none: PASS)."""
    total = sum(result.checked.values())
    status = "FAIL" if result.mismatches else "PASS"
    head = (
        f"**{status}**: {total} printed numbers in {len(result.checked)} outputs checked "
        f"against the analysis results dataset (ARD); {len(result.mismatches)} without an "
        "ARD number of the quantity they label."
    )
    rule = (
        "Each number must be the rounding of a number of its quantity's ARD rows (estimate, "
        "interval, p, n, time, level); numbers after <, >, ≤ or ≥ are limits and are not "
        "checked."
    )
    lines = [
        "# Coherence of the outputs",
        "",
        head,
        "",
        rule,
        "",
        "| Output | Numbers checked |",
        "|:--|--:|",
        *(f"| {md(src)} | {n} |" for src, n in sorted(result.checked.items())),
    ]
    if result.mismatches:
        lines += ["", "## Numbers without an ARD number of their quantity", ""]
        lines += [f"- {md(str(m))}" for m in result.mismatches]
    return "\n".join(lines) + "\n"


def titles_of(config: dict) -> dict[str, str]:
    """Endpoint key -> the title a reader sees (``analysis.endpoints``, the diagnostics'
    endpoint labels)."""
    analysis = config["analysis"]
    titles = {}
    for key, decl in analysis["endpoints"].items():
        titles[key] = decl.get("title", key) if isinstance(decl, dict) else str(decl)
    for spec in (analysis.get("diagnostics") or {}).get("endpoints", []):
        titles.setdefault(spec["key"], str(spec.get("label", spec["key"])))
    return titles
