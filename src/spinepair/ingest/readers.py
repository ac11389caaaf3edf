"""Reading one raw file into a header and a grid of stripped text cells.

CSV (any Python codec, a declared delimiter) and XLSX sheets (transitional and Strict
Open XML). Normalised, not rejected: a UTF-8 BOM (in a UTF-8 file), CRLF/LF/CR line
breaks, spaces around cells and headers, full-width ASCII forms (``ＭＲＩ``, ``７``).
Rejected as a whole file (:class:`FileProblem`): a BOM in a non-UTF-8 file, bytes not in
the declared encoding, another delimiter than declared, duplicated header names, an
unreadable workbook, a sheet column mixing real date cells with text. XLSX error cells
and uncomputed formulas are read as their text (``#N/A``, ``=...``) so that the cell
checks reject them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import python_calamine


class FileProblem(Exception):
    """A problem that makes a whole file unreadable."""

    def __init__(self, check, row, detail, value=None, column=None):
        super().__init__(detail)
        self.check, self.row, self.detail, self.value = check, row, detail, value
        self.column = column


# Normalised in every cell and header: full-width ASCII forms (U+FF01-FF5E, typed by East
# Asian input methods) fold to ASCII and the ideographic space to a space; nothing else
# (no NFKC: it would turn "10²" into "102").
_WIDE = "[\uff01-\uff5e\u3000]"
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DELIMITERS = (",", ";", "\t", "|")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")
# Worth parsing a sheet's XML for: an error cell or a formula (any namespace prefix).
_MARKED = re.compile(r't="e"|<(?:\w+:)?f[\s>/]')


def decode(data: bytes, encoding: str, offset: int = 0, line: int = 0) -> str:
    """Decoded text without a BOM, with every line break (CRLF, CR, LF) as LF.

    ``offset`` and ``line``: where ``data`` starts in its file (bytes and line breaks
    before it), for a block of a file read in parts; a BOM counts only at the file's start.
    """
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    codec = "utf-8" if offset and utf8 else encoding
    if not offset and data.startswith(codecs.BOM_UTF8) and not utf8:
        detail = f"the file starts with a UTF-8 byte-order mark but the spec declares {encoding}"
        raise FileProblem("encoding", 1, detail + " (re-saved as UTF-8?)")
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        where = line + data[: exc.start].count(b"\n") + 1
        raise FileProblem(
            "encoding",
            where,
            f"byte 0x{data[exc.start]:02x} at offset {offset + exc.start} is not valid {encoding}",
        ) from None
    if not offset:
        text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def csv_grid(text: str, delimiter: str) -> tuple[list[str], pd.DataFrame, pd.Series]:
    """Header, data grid (indexed by line number) and the field count of each data row."""
    if not text.strip():
        raise FileProblem("not_empty", 1, "the file is empty (no header line)")
    if '"' not in text:  # fast path: one record per line, fields counted by delimiters
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        body = pd.Series(lines[1:], dtype="string[pyarrow]").str.rstrip("\r")
        nfields = body.str.count(re.escape(delimiter)).add(1).astype("int64").to_numpy()
        nfields[(body == "").to_numpy()] = 0
        header = lines[0].rstrip("\r").split(delimiter)
        width = max(len(header), int(nfields.max(initial=0)))
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            skiprows=1,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
        )
        grid.index = np.arange(2, len(grid) + 2)
        return [h.strip() for h in header], grid, pd.Series(nfields, index=grid.index)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        detail = f"unreadable CSV (truncated file or unclosed quote?): {exc}"
        raise FileProblem("csv_syntax", reader.line_num, detail) from None
    header = [h.strip() for h in rows[0]]
    grid = pd.DataFrame(rows[1:], dtype=object)
    nfields = pd.Series(np.fromiter(map(len, rows[1:]), dtype=np.int64, count=len(rows) - 1))
    line = pd.Series(np.arange(2, len(rows) + 1), dtype=np.int64)
    if len(grid):
        # quoted fields may span lines: shift each record by the line breaks before it
        extra = sum(grid[c].fillna("").str.count("\n") for c in grid.columns)
        line += extra.shift(fill_value=0).cumsum().to_numpy() + sum(h.count("\n") for h in rows[0])
    grid.index = line.to_numpy()
    return header, grid, nfields.set_axis(grid.index)


def xlsx_grid(
    path: Path, sheet: str, limits: dict | None = None
) -> tuple[list[str], pd.DataFrame, pd.Series, list]:
    """Header (first row), grid and merged cell ranges of one sheet; any unreadable workbook
    is a ``readable`` problem. The workbook is first checked against the size ``limits``
    (:mod:`.limits`; the defaults when None): python-calamine never sees one over them."""
    from spinepair.ingest.limits import check_workbook, settings  # (limits imports this)

    check_workbook(path, sheet, settings(limits))
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        if sheet not in book.sheet_names:
            found = ", ".join(map(repr, book.sheet_names))
            detail = f"sheet {sheet!r} not found (the workbook has {found})"
            raise FileProblem("sheet_present", None, detail, sheet)
        data = book.get_sheet_by_name(sheet)
        rows = data.to_python(skip_empty_area=False)
        merges = list(data.merged_cell_ranges or [])
        marks = _xlsx_marks(path, sheet)
    except (
        python_calamine.CalamineError,
        OSError,
        zipfile.BadZipFile,
        KeyError,
        ElementTree.ParseError,
        UnicodeDecodeError,
        ValueError,
    ) as exc:
        detail = f"not a readable XLSX workbook: {exc or type(exc).__name__}"
        raise FileProblem("readable", None, detail) from None
    if not rows or not any(str(v).strip() for r in rows for v in r):
        raise FileProblem("not_empty", 1, f"sheet {sheet!r} is empty (no header row)")
    header = [str(h).strip() for h in rows[0]]
    _check_date_cells(header, rows)
    grid = pd.DataFrame(rows[1:], dtype=object, columns=range(len(header)))
    grid = grid.astype(str).where(grid.notna(), None)
    grid.index = np.arange(2, len(rows) + 1)
    for (row, col), text in marks.items():
        keep = row not in grid.index or col >= len(header)
        if not keep and (text.startswith("#") or grid.at[row, col] in (None, "")):
            grid.at[row, col] = text
    return header, grid, pd.Series(len(header), index=grid.index), merges


def _check_date_cells(header: list[str], rows: list[list]) -> None:
    """A column holding both real date cells and text: some cells were converted."""
    for j, name in enumerate(header):
        cells = [(i, r[j]) for i, r in enumerate(rows[1:], start=2) if j < len(r)]
        dates = [i for i, v in cells if isinstance(v, dt.date | dt.time)]
        texts = [i for i, v in cells if isinstance(v, str) and v.strip()]
        if dates and texts:
            row = min(dates if len(dates) <= len(texts) else texts)
            raise FileProblem(
                "date_cells",
                row,
                f"the column mixes {len(dates)} real date cells with {len(texts)} text cells "
                "(a spreadsheet program converted some text dates, perhaps reading dd/mm as "
                "mm/dd?): export the column one way",
                column=name,
            )


def local_name(tag: str) -> str:
    """An XML tag without its namespace (transitional or Strict Open XML, any prefix)."""
    return tag.rsplit("}", 1)[-1]


def sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of a sheet (by its name in the workbook), None when there is none."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    rid = next(
        (
            v
            for s in book.iter()
            if local_name(s.tag) == "sheet" and s.get("name") == sheet
            for k, v in s.attrib.items()
            if k.endswith("}id")
        ),
        None,
    )
    target = next((r.get("Target") for r in rels if r.get("Id") == rid), None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _xlsx_marks(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column index) -> error code (``#N/A``) or ``=formula`` of such cells of a sheet.

    Calamine reads error cells as empty and formulas as their stored result (empty when
    never computed); these marks let the cell checks reject them. Namespaces (transitional
    or Strict Open XML, any prefix) are matched by local name.
    """
    with zipfile.ZipFile(path) as zf:
        part = sheet_part(zf, sheet)
        if part is None:
            raise ValueError(f"sheet {sheet!r} has no part in the workbook relationships")
        xml = zf.read(part)
    if not _MARKED.search(xml.decode("utf-8")):
        return {}
    marks = {}
    for r, row in enumerate(
        e for e in ElementTree.fromstring(xml).iter() if local_name(e.tag) == "row"
    ):
        rownum = int(row.get("r", r + 1))
        col = -1
        for cell in (e for e in row if local_name(e.tag) == "c"):
            ref = _CELL_REF.fullmatch(cell.get("r", ""))
            col = col + 1 if ref is None else _column_index(ref[1])
            parts = {local_name(e.tag): e for e in cell}
            if cell.get("t") == "e":
                value = parts.get("v")
                marks[(rownum, col)] = value.text if value is not None else "#ERROR"
            elif "f" in parts:
                marks[(rownum, col)] = "=" + (parts["f"].text or "(shared formula)")
    return marks


def _column_index(letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def fold(s: pd.Series) -> pd.Series:
    """Fold full-width ASCII forms to ASCII (see ``_WIDE``), only where present."""
    hit = s.str.contains(_WIDE, regex=True, na=False)
    if not hit.any():
        return s
    return s.where(~hit, s[hit].map(lambda v: v.translate(FOLD))).astype("string[pyarrow]")


def check_header(header: list[str], delimiter: str | None) -> None:
    """File-level header problems: another delimiter than declared, duplicated names."""
    if delimiter is not None and len(header) == 1:
        found = [d for d in _DELIMITERS if d != delimiter and d in header[0]]
        if found:
            raise FileProblem(
                "delimiter",
                1,
                f"the header has no {delimiter!r} but contains {found[0]!r}: the file seems "
                f"delimited by {found[0]!r}, the spec declares {delimiter!r}",
            )
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    dups = [n for n, k in seen.items() if k > 1 and n]
    if dups:
        detail = f"column {dups[0]!r} appears {seen[dups[0]]} times in the header"
        raise FileProblem("unique_column", 1, detail, column=dups[0])


def labelled(grid: pd.DataFrame, header: list[str]) -> pd.DataFrame:
    """Label the (stripped) grid columns with the header; empty -> NA."""
    out = grid.reindex(columns=range(len(header))).set_axis(header, axis=1)
    return out.apply(lambda s: s.astype("string[pyarrow]").mask(s == ""))
