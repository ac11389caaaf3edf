"""Write a :class:`spinepair.analysis.tables.Table` as CSV, Markdown, HTML, LaTeX and Word
(deterministic bytes).

Two CSVs: ``<stem>.csv`` holds the formatted cells as printed (a ``Notes`` column names each
row's footnote markers) and ``<stem>.data.csv`` the numeric ARD rows behind the table (value,
lower, upper, n, denominator, p, method), for computing with. Symbols and subscripts are
rendered per format by :mod:`spinepair.report.richtext`; footnote markers are superscripts
after the row's label, their notes listed under the table before the general footnotes.

Small-count masking (``mask_below=k``): every count cell of the data columns (``n``,
``n (x%)``, ``a : b``) below k is printed as ``<k`` and its percentage dropped, in every format;
in the data CSV the value of every count statistic below k is left empty.

Config text is data (:mod:`spinepair.escape`): HTML, LaTeX and Word escape every cell;
Markdown escapes the title, headers, the label columns (:data:`LABEL_COLUMNS`) and the notes,
and only the pipes of the cells we formatted. In the CSVs, the cells that are config text are
quoted against formula injection (:func:`spinepair.escape.csv_cell`) and the numbers we
formatted are not: in ``<stem>.csv`` the headers and the label columns (Variable, Level: the
study config's row labels and levels) are text, every other column holds numbers we formatted
(``-1.2 (-2.0, 0.3)``, ``<0.001``, ``12 (43%)``) or our test names; in ``<stem>.data.csv``
every column of a non-numeric dtype is text (row labels, variables, levels, arms, methods) and
the numeric columns are left as written.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from spinepair import escape as esc
from spinepair.jobs.jobio import write_text
from spinepair.report import richtext as rt
from spinepair.report.docx_table import write_docx
from spinepair.report.table_layout import flat_headers, label_cells, left_aligned, notes_of

LABEL_COLUMNS = ("Variable", "Level")  # config text (row labels, levels) in every table
TEXT_COLUMNS = (
    "Variable",
    "Level",
    "p",
    "Adjusted p",
    "Test",
    "SMD",
    "Estimate",
    "Estimate (95% CI)",
)
COUNT_STATISTICS = ("n", "missing", "events", "discordant_index", "discordant_comparator")
_COUNT = re.compile(r"^(\d+)( \(\d+(?:\.\d+)?%\))?$")
_RATIO = re.compile(r"^(\d+) : (\d+)$")
_STYLE = (
    "body{font-family:Helvetica,Arial,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;font-size:0.9em}"
    "caption{font-weight:bold;text-align:left;padding-bottom:0.5em}"
    "th,td{padding:0.25em 0.7em;text-align:left}"
    "thead tr:first-child th{border-top:2px solid #222}"
    "thead tr:last-child th{border-bottom:1px solid #222}th.span{text-align:center}"
    "tbody tr:last-child td{border-bottom:2px solid #222}"
    "td.num{text-align:right}.notes{font-size:0.8em;color:#444;margin:0.2em 0}"
)


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


def masked_data(data: pd.DataFrame, k: int | None) -> pd.DataFrame:
    """The numeric rows with every count statistic below ``k`` emptied."""
    if k is None:
        return data
    out = data.copy()
    small = out["statistic"].isin(COUNT_STATISTICS) & (out["value"] < k)
    out.loc[small, "value"] = float("nan")
    return out


def to_csv(table, rows: pd.DataFrame) -> str:
    out = rows.copy()
    for col in out.columns:
        quote = esc.csv_cell if col in LABEL_COLUMNS else str
        out[col] = [quote(rt.plain(v)) for v in out[col]]
    out.columns = [esc.csv_cell(rt.plain(h)) for h in flat_headers(table)]
    if any(table.row_marks()):
        out["Notes"] = [",".join(m) for m in table.row_marks()]
    return out.to_csv(index=False, lineterminator="\n")


def to_markdown(table, rows: pd.DataFrame, extra: list[str]) -> str:
    def cell(v) -> str:  # a cell we formatted
        return rt.plain(v).replace("|", "\\|")

    def text(v) -> str:  # config text
        return esc.markdown(rt.plain(v))

    labels = [i for i, c in enumerate(rows.columns) if c in LABEL_COLUMNS]
    lines = [f"**{text(table.title)}**", ""]
    lines.append("| " + " | ".join(text(c) for c in flat_headers(table)) + " |")
    lines.append("|" + "|".join(":--" if left_aligned(c) else "--:" for c in rows.columns) + "|")
    for values, (at, marks) in label_cells(table, rows):
        values = [text(v) if i in labels else cell(v) for i, v in enumerate(values)]
        values[at] += rt.superscript(marks)
        lines.append("| " + " | ".join(values) + " |")
    lines.append("")
    lines += [
        f"{rt.superscript(m) + ' ' if m else ''}{text(n)}  " for m, n in notes_of(table, extra)
    ]
    return "\n".join(lines) + "\n"


def to_html(table, rows: pd.DataFrame, extra: list[str]) -> str:
    heads = ""
    if table.spanners:
        heads = (
            "<tr>"
            + "".join(
                f'<th colspan="{w}" class="span">{rt.as_html(s)}</th>' for s, w in table.spanners
            )
            + "</tr>"
        )
    heads += "<tr>" + "".join(f"<th>{rt.as_html(h)}</th>" for h in table.headers()) + "</tr>"
    body = []
    for values, (at, marks) in label_cells(table, rows):
        cells = [rt.as_html(v) for v in values]
        if marks:
            cells[at] += f"<sup>{','.join(marks)}</sup>"
        tds = [
            f"<td>{v}</td>" if left_aligned(c) else f'<td class="num">{v}</td>'
            for c, v in zip(rows.columns, cells)
        ]
        body.append("<tr>" + "".join(tds) + "</tr>")
    notes = "".join(
        f'<p class="notes">{f"<sup>{m}</sup> " if m else ""}{rt.as_html(n)}</p>'
        for m, n in notes_of(table, extra)
    )
    title = rt.as_html(table.title)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc.html(rt.plain(table.title))}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<table>\n<caption>{title}</caption>\n<thead>{heads}</thead>\n<tbody>\n"
        + "\n".join(body)
        + f"\n</tbody>\n</table>\n{notes}\n</body>\n</html>\n"
    )


def tex_escape(text: str) -> str:
    """LaTeX-escape plain text (special characters, ±, ≤/<=, ≥/>=, <, >)."""
    return rt.tex_escape(text)


def to_latex(table, rows: pd.DataFrame, extra: list[str]) -> str:
    spec = "".join("l" if left_aligned(c) else "r" for c in rows.columns)
    lines = [
        r"\begin{table}[ht]",
        r"\centering\small",
        rf"\caption{{{rt.as_tex(table.title)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
    ]
    if table.spanners:
        lines.append(
            " & ".join(
                rf"\multicolumn{{{w}}}{{c}}{{{rt.as_tex(s)}}}" if w > 1 else rt.as_tex(s)
                for s, w in table.spanners
            )
            + r" \\"
        )
        start = 1
        rules = []
        for s, w in table.spanners:
            if s:
                rules.append(rf"\cmidrule(lr){{{start}-{start + w - 1}}}")
            start += w
        lines.append(" ".join(rules))
    lines += [" & ".join(rt.as_tex(h) for h in table.headers()) + r" \\", r"\midrule"]
    for values, (at, marks) in label_cells(table, rows):
        cells = [rt.as_tex(v) for v in values]
        if marks:
            cells[at] += rf"\textsuperscript{{{','.join(marks)}}}"
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\par\smallskip\footnotesize"]
    lines += [
        (rf"\textsuperscript{{{m}}}~" if m else "") + rf"{rt.as_tex(n)}\par"
        for m, n in notes_of(table, extra)
    ]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_table(table, stem, mask_below: int | None = None) -> list[Path]:
    """Write ``stem``.csv/.data.csv/.md/.html/.tex/.docx of ``table`` (rows masked below
    ``mask_below``); returns the paths written."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    rows = masked_rows(table.rows, mask_below).astype(str)
    extra = [f"Counts below {mask_below} are shown as <{mask_below}."] if mask_below else []
    texts = {
        ".csv": to_csv(table, rows),
        ".md": to_markdown(table, rows, extra),
        ".html": to_html(table, rows, extra),
        ".tex": to_latex(table, rows, extra),
    }
    if table.data is not None:
        data = masked_data(table.data, mask_below)
        texts[".data.csv"] = esc.csv_text_columns(data).to_csv(index=False, lineterminator="\n")
    paths = []
    for ext, text in texts.items():
        path = stem.with_name(stem.name + ext)
        write_text(text, path)
        paths.append(path)
    path = stem.with_name(stem.name + ".docx")
    write_docx(table, rows, notes_of(table, extra), path)
    return [*paths, path]
