"""Small self-contained HTML pages for the Snakemake report, which shows HTML items inline
(Markdown and CSV items are only downloads): the Markdown the study writes (headings, bullet
lists, pipe tables, paragraphs, **bold**, backslash escapes) and a data frame as a table.
Every character of the text is HTML-escaped (:mod:`spinepair.escape`): the only markup
is the one the Markdown subset itself makes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spinepair import escape as esc
from spinepair.report import richtext as rt

if TYPE_CHECKING:  # pandas only for annotations: importing it costs a job 0.4 s
    import pandas as pd

STYLE = (  # scoped to the page's div: the report's landing page embeds the findings page
    ".sp-page{font-family:Helvetica,Arial,sans-serif;color:#222;max-width:70em}"
    ".sp-page table{border-collapse:collapse;font-size:0.85em;margin:0.5em 0}"
    ".sp-page th,.sp-page td{padding:0.2em 0.6em;text-align:left;border-bottom:1px solid #ddd}"
    ".sp-page thead th{border-bottom:2px solid #222}.sp-page pre{background:#f6f6f6;padding:0.6em}"
)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_KEPT = re.compile("\ue000(\\d+)\ue001")  # its placeholder while bold is found


def inline(text: str) -> str:
    """One line of Markdown text as HTML (symbols, subscripts, **bold**; an escaped
    character, e.g. ``\\*`` or ``\\<``, is shown as itself)."""
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        kept.append(m.group(1))
        return f"\ue000{len(kept) - 1}\ue001"

    out = _BOLD.sub(r"<strong>\1</strong>", rt.as_html(esc.MARKDOWN_ESCAPED.sub(keep, text)))
    return _KEPT.sub(lambda m: esc.html(kept[int(m.group(1))]), out)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def markdown_to_html(text: str) -> str:
    """The body HTML of the Markdown subset the study's Markdown outputs use."""
    out, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{inline(line[level:].strip())}</h{level}>")
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            body = [r for r in rows[1:] if not all(set(c) <= set(":-") for c in r)]
            head = "".join(f"<th>{inline(c)}</th>" for c in rows[0])
            trs = "".join(
                "<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body
            )
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table>")
            continue
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
        i += 1
    return "\n".join(out)


def frame_to_html(df: pd.DataFrame) -> str:
    """A table of ``df`` (cells as text, symbols and subscripts rendered)."""
    head = "".join(f"<th>{rt.as_html(c)}</th>" for c in df.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{rt.as_html(v)}</td>" for v in r) + "</tr>"
        for r in df.astype(str).itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def page(title: str, body: str) -> str:
    """A complete HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{esc.html(title)}</title><style>{STYLE}</style></head>\n"
        f'<body>\n<div class="sp-page">\n{body}\n</div>\n</body>\n</html>\n'
    )
