"""Write a :class:`spinepair.analysis.tables.Table` as CSV, Markdown, HTML and LaTeX
(deterministic bytes).

Small-count masking (``mask_below=k``): every count cell of the data columns (``n``,
``n (x%)``, ``a : b``) below k is printed as ``<k`` and its percentage dropped, in every format.
The CSV holds the rows only; the other formats add the title and the footnotes.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from spinepair.jobs.jobio import write_text

TEXT_COLUMNS = ("Variable", "Level", "p", "Test", "SMD")
_COUNT = re.compile(r"^(\d+)( \(\d+(?:\.\d+)?%\))?$")
_RATIO = re.compile(r"^(\d+) : (\d+)$")
_NUM = ' class="num"'
_STYLE = (
    "body{font-family:Helvetica,Arial,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;font-size:0.9em}"
    "caption{font-weight:bold;text-align:left;padding-bottom:0.5em}"
    "th,td{padding:0.25em 0.7em;text-align:left}"
    "thead th{border-top:2px solid #222;border-bottom:1px solid #222}"
    "tbody tr:last-child td{border-bottom:2px solid #222}"
    "td.num{text-align:right}ol.notes{font-size:0.8em;color:#444}"
)
_TEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def mask_count(n: int, k: int | None) -> str:
    """``str(n)``, or ``"<k"`` when masking is on and n < k."""
    return f"<{k}" if k is not None and n < k else str(n)


def mask_cell(cell: str, k: int | None) -> str:
    """Mask one formatted cell if it is a count below ``k`` (see module docstring)."""
    if k is None:
        return cell
    m = _COUNT.match(cell)
    if m:
        return f"<{k}" if int(m.group(1)) < k else cell
    m = _RATIO.match(cell)
    if m:
        return f"{mask_count(int(m.group(1)), k)} : {mask_count(int(m.group(2)), k)}"
    return cell


def masked_rows(rows: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """A copy of ``rows`` with every count cell of the data columns masked below ``k``."""
    out = rows.copy()
    for col in out.columns:
        if col not in TEXT_COLUMNS:
            out[col] = [mask_cell(str(c), k) for c in out[col]]
    return out


def to_csv(rows: pd.DataFrame) -> str:
    return rows.to_csv(index=False, lineterminator="\n")


def to_markdown(title: str, rows: pd.DataFrame, notes: list[str]) -> str:
    def cell(v) -> str:
        return str(v).replace("|", "\\|")

    lines = [f"**{cell(title)}**", ""]
    lines.append("| " + " | ".join(cell(c) for c in rows.columns) + " |")
    lines.append("|" + "|".join("---" for _ in rows.columns) + "|")
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows.itertuples(index=False)]
    lines.append("")
    lines += [f"{i}. {n}" for i, n in enumerate(notes, 1)]
    return "\n".join(lines) + "\n"


def to_html(title: str, rows: pd.DataFrame, notes: list[str]) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in rows.columns)
    body = []
    for r in rows.itertuples(index=False):
        cells = "".join(
            f"<td{'' if c in ('Variable', 'Level', 'Test') else _NUM}>{esc(str(v))}</td>"
            for c, v in zip(rows.columns, r)
        )
        body.append(f"<tr>{cells}</tr>")
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        f"<table>\n<caption>{esc(title)}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + f'\n</tbody>\n</table>\n<ol class="notes">{items}</ol>\n</body>\n</html>\n'
    )


def tex_escape(text: str) -> str:
    """LaTeX-escape plain text (special characters, ±, <=, >=, <, >)."""
    text = str(text)
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in ("<=", ">="):
            out.append(r"$\leq$" if pair == "<=" else r"$\geq$")
            i += 2
            continue
        out.append(_TEX.get(text[i], text[i]))
        i += 1
    return "".join(out)


def to_latex(title: str, rows: pd.DataFrame, notes: list[str]) -> str:
    spec = "".join("l" if c in ("Variable", "Level", "Test") else "r" for c in rows.columns)
    lines = [
        r"\begin{table}[ht]",
        r"\centering\small",
        rf"\caption{{{tex_escape(title)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(tex_escape(c) for c in rows.columns) + r" \\",
        r"\midrule",
    ]
    lines += [" & ".join(tex_escape(v) for v in r) + r" \\" for r in rows.itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip\footnotesize"]
    lines += [rf"{i}. {tex_escape(n)}\par" for i, n in enumerate(notes, 1)]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_table(table, stem, mask_below: int | None = None) -> list[Path]:
    """Write ``stem``.csv/.md/.html/.tex of ``table`` (rows masked below ``mask_below``);
    returns the paths written."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rows = masked_rows(table.rows, mask_below).astype(str)
    notes = list(table.footnotes)
    if mask_below is not None:
        notes.append(f"Counts below {mask_below} are shown as <{mask_below}.")
    texts = {
        ".csv": to_csv(rows),
        ".md": to_markdown(table.title, rows, notes),
        ".html": to_html(table.title, rows, notes),
        ".tex": to_latex(table.title, rows, notes),
    }
    paths = []
    for ext, text in texts.items():
        path = stem.with_name(stem.name + ext)
        write_text(text, path)
        paths.append(path)
    return paths
