"""Size limits of a raw file, checked before it is parsed, so that a small hostile file
cannot exhaust memory or flood the logs.

Delimited text (CSV, long EAV): the longest line, the longest field and the number of
fields of a line (the header's width included), measured in bytes of the file by
:class:`TextScan` while the file is read (a line ends at LF; quotes are not parsed, so a
quoted field holding delimiters counts as several fields: the counts are upper bounds).

XLSX workbooks (:func:`check_workbook`), from the zip directory and then by streaming
the parts through :mod:`zipfile` (which stops at each member's declared size and checks
its CRC, so the directory cannot lie): the number of members, each member's and the
total uncompressed size, the compression ratio of members above 1 MiB (a zip bomb), the
sheet's ``<dimension ref>`` and, since that can lie, the largest row and column of every
cell (a streaming scan of the sheet XML, never a tree of it), its cell count, and the size
and number of shared strings. python-calamine is called only on a workbook that passed.

Each limit exceeded is a :class:`~spinepair.ingest.readers.FileProblem` whose check is
the limit's name and whose value is the measured value; the limits are the study
config's ``ingest.limits`` (defaults: :data:`DEFAULTS`, reasons in config/README.md).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

from spinepair.ingest.readers import FileProblem, local_name, sheet_part

MiB = 2**20
DEFAULTS = {
    "max_line_bytes": 4 * MiB,
    "max_field_bytes": 1 * MiB,
    "max_columns": 2000,
    "xlsx_max_members": 10_000,
    "xlsx_max_member_bytes": 1024 * MiB,
    "xlsx_max_total_bytes": 2048 * MiB,
    "xlsx_max_ratio": 100,
    "xlsx_max_rows": 1_048_576,
    "xlsx_max_columns": 16_384,
    "xlsx_max_cells": 50_000_000,
    "xlsx_max_area_per_cell": 20,
    "xlsx_max_shared_strings_bytes": 256 * MiB,
    "xlsx_max_shared_strings": 10_000_000,
}
DESCRIPTIONS = {
    "max_line_bytes": "no line of a text file is longer than ingest.limits.max_line_bytes",
    "max_field_bytes": "no field of a text file is longer than ingest.limits.max_field_bytes",
    "max_columns": "no line of a text file has more fields than ingest.limits.max_columns",
    "xlsx_max_members": "a workbook has at most ingest.limits.xlsx_max_members parts",
    "xlsx_max_member_bytes": "no workbook part unzips to more than "
    "ingest.limits.xlsx_max_member_bytes",
    "xlsx_max_total_bytes": "a workbook unzips to at most ingest.limits.xlsx_max_total_bytes",
    "xlsx_max_ratio": "no workbook part above 1 MiB is compressed more than "
    "ingest.limits.xlsx_max_ratio times (a zip bomb)",
    "xlsx_max_rows": "no sheet cell lies below row ingest.limits.xlsx_max_rows",
    "xlsx_max_columns": "no sheet cell lies right of column ingest.limits.xlsx_max_columns",
    "xlsx_max_cells": "a sheet's area (rows x columns, as its reader allocates it) is at most "
    "ingest.limits.xlsx_max_cells cells",
    "xlsx_max_area_per_cell": "a sheet's area above 1,000,000 cells is at most "
    "ingest.limits.xlsx_max_area_per_cell times the cells it holds (a far, empty corner)",
    "xlsx_max_shared_strings_bytes": "a workbook's shared strings unzip to at most "
    "ingest.limits.xlsx_max_shared_strings_bytes",
    "xlsx_max_shared_strings": "a workbook has at most ingest.limits.xlsx_max_shared_strings "
    "shared strings",
}
RATIO_FLOOR = MiB  # smaller members may compress as much as they like
AREA_FLOOR = 1_000_000  # a sheet's area up to this may be as empty as it likes (~100 MB read)
_CHUNK = 4 * MiB


def settings(given: dict | None) -> dict:
    """The limits: the defaults overridden by the study config's ``ingest.limits``."""
    return DEFAULTS | (given or {})


def exceeded(limit: str, measured: int, what: str, limits: dict, row=None, unit="") -> FileProblem:
    """The failure of a limit: its name, the measured value and the limit's value."""
    return FileProblem(
        limit,
        row,
        f"{what} is {measured:,}{unit}, above ingest.limits.{limit} = {limits[limit]:,}{unit}: "
        "the file is not parsed",
        value=str(measured),
    )


class TextScan:
    """Line length, longest field and fields per line of a text file fed in chunks of any
    size (the result does not depend on the chunking). A line is judged when it ends (LF,
    or the end of the file): :attr:`problem` is then the first line over a limit.
    :attr:`overlong` tells that the current, unfinished line is already over the line
    limit (a reader need not keep it)."""

    def __init__(self, limits: dict, delimiter: str):
        self.limits = limits
        self.max_line = int(limits["max_line_bytes"])
        self.max_field = int(limits["max_field_bytes"])
        self.max_cols = int(limits["max_columns"])
        delim = delimiter.encode("utf-8")
        self.delim = delim[0] if len(delim) == 1 else None
        self.line = 1  # number of the current (unfinished) line
        self.length = 0  # bytes of the current line so far
        self.delims = 0  # delimiters of the current line so far
        self.widest = 0  # longest finished field of the current line
        self.field = 0  # bytes of the current field so far
        self.problem: FileProblem | None = None

    @property
    def overlong(self) -> bool:
        return self.length > self.max_line

    def feed(self, data: bytes) -> None:
        if self.problem is not None or not data:
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        is_nl = arr == 10
        is_sep = is_nl | (arr == self.delim) if self.delim is not None else is_nl
        nl = np.flatnonzero(is_nl)
        sep = np.flatnonzero(is_sep)
        n = len(arr)
        if len(sep):
            fields = np.diff(sep, prepend=-1) - 1  # length of the field ending at each sep
            fields[0] += self.field
        if len(nl):
            lengths = np.diff(nl, prepend=-1) - 1
            lengths[0] += self.length
            line_of = np.searchsorted(nl, sep)  # the line each separator belongs to
            first = np.searchsorted(line_of, np.arange(len(nl)))  # first sep of each line
            done = int(np.searchsorted(sep, nl[-1], side="right"))  # seps of whole lines
            widest = np.maximum.reduceat(fields[:done], first)
            widest[0] = max(widest[0], self.widest)
            ndelims = np.diff(np.append(first, np.searchsorted(line_of, len(nl)))) - 1
            ndelims[0] += self.delims
            ncols = ndelims + 1
            bad = (lengths > self.max_line) | (widest > self.max_field) | (ncols > self.max_cols)
            if bad.any():
                i = int(np.argmax(bad))
                self._fail(self.line + i, int(lengths[i]), int(widest[i]), int(ncols[i]))
                return
            self.line += len(nl)
            self.length = n - int(nl[-1]) - 1
            self.delims = len(sep) - done
            self.widest = int(fields[done:].max(initial=0))
        else:
            self.length += n
            self.delims += len(sep)
            if len(sep):
                self.widest = max(self.widest, int(fields.max()))
        self.field = n - int(sep[-1]) - 1 if len(sep) else self.field + n

    def finish(self) -> None:
        """Judge the last line (a file not ending with a line break)."""
        if self.problem is None and self.length:
            widest = max(self.widest, self.field)
            self._fail(self.line, self.length, widest, self.delims + 1)

    def _fail(self, line: int, length: int, widest: int, ncols: int) -> None:
        lim = self.limits
        if length > self.max_line:
            p = exceeded("max_line_bytes", length, f"line {line}", lim, line, " bytes")
        elif widest > self.max_field:
            p = exceeded("max_field_bytes", widest, f"a field of line {line}", lim, line, " bytes")
        elif ncols > self.max_cols:
            p = exceeded("max_columns", ncols, f"the number of fields of line {line}", lim, line)
        else:
            return
        self.problem = p


def check_text(data: bytes, limits: dict, delimiter: str) -> None:
    """Raise the first limit a whole text file's bytes exceed."""
    scan = TextScan(limits, delimiter)
    scan.feed(data)
    scan.finish()
    if scan.problem is not None:
        raise scan.problem


# --- workbooks ---------------------------------------------------------------------------

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([^\"]*)\"")
_REF = re.compile(r"\$?([A-Z]{1,7})\$?([0-9]{1,12})")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_R = re.compile(rb"\br=\"([0-9]{1,12})\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_CELL_R = re.compile(rb"\br=\"([A-Z]{1,7})([0-9]{1,12})\"")
_ROW_START = re.compile(rb"<(?:\w+:)?row\b")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"([0-9]{1,12})\"")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,7})([0-9]{1,12})\"")
_SI = re.compile(rb"<(?:\w+:)?si\b")


def _column_number(letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col


def _fail(limit: str, measured: int, what: str, limits: dict, unit: str = ""):
    raise exceeded(limit, measured, what, limits, None, unit)


def sheet_names(path: Path) -> list[str]:
    """The sheet names a workbook declares, read from its small ``xl/workbook.xml`` alone
    (no sheet is opened; a missing, oversized or unreadable part gives none)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > _CHUNK:
                return []
            book = ElementTree.fromstring(zf.read(info))
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, ElementTree.ParseError):
        return []
    return [s.get("name", "") for s in book.iter() if local_name(s.tag) == "sheet"]


def check_workbook(path: Path, sheet: str, limits: dict) -> None:
    """Raise the first limit a workbook exceeds (see module docstring) before any parse.

    A file that is not a zip, or a member whose data does not match the directory, is a
    ``readable`` problem."""
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip(zf, sheet, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        detail = f"not a readable XLSX workbook: {exc or type(exc).__name__}"
        raise FileProblem("readable", None, detail) from None


def _check_zip(zf: zipfile.ZipFile, sheet: str, limits: dict) -> None:
    infos = zf.infolist()
    if len(infos) > limits["xlsx_max_members"]:
        _fail("xlsx_max_members", len(infos), "the number of parts of the workbook", limits)
    total = 0
    for info in infos:
        name = info.filename
        if info.file_size > limits["xlsx_max_member_bytes"]:
            what = f"part {name!r} unzipped"
            _fail("xlsx_max_member_bytes", info.file_size, what, limits, " bytes")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > limits["xlsx_max_ratio"]:
            what = f"the compression ratio of part {name!r}"
            _fail("xlsx_max_ratio", int(ratio), what, limits)
        total += info.file_size
    if total > limits["xlsx_max_total_bytes"]:
        _fail("xlsx_max_total_bytes", total, "the workbook unzipped", limits, " bytes")
    strings = next((i for i in infos if i.filename.lower() == "xl/sharedstrings.xml"), None)
    if strings is not None and strings.file_size > limits["xlsx_max_shared_strings_bytes"]:
        what = "the shared strings unzipped"
        _fail("xlsx_max_shared_strings_bytes", strings.file_size, what, limits, " bytes")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        try:
            part = sheet_part(zf, sheet)
        except ElementTree.ParseError:
            part = None
    else:
        part = None
    for info in infos:  # every member read once: its real size is its declared size
        if info.filename == part:
            _scan_sheet(zf, info, limits)
        elif strings is not None and info.filename == strings.filename:
            _count_strings(zf, info, limits)
        else:
            with zf.open(info) as member:
                while member.read(_CHUNK):
                    pass


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cut: re.Pattern):
    """The member's bytes in pieces ending before a match of ``cut`` (so that no tag of
    interest spans two pieces); a piece without one is cut at its last ``<``."""
    carry = b""
    with zf.open(info) as member:
        while chunk := member.read(_CHUNK):
            data = carry + chunk
            last = None
            for last in cut.finditer(data, max(0, len(data) - len(chunk) - 64)):
                pass
            end = last.start() if last is not None and last.start() > 0 else data.rfind(b"<")
            if end <= 0:
                end = len(data)
            yield data[:end]
            carry = data[end:]
    if carry:
        yield carry


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: dict) -> None:
    """The sheet's claimed and real extent, without building its tree."""
    head = True
    max_row = max_col = row = present = declared = 0
    for piece in _chunks(zf, info, _ROW_START):
        if head:
            head = False
            dim = _DIMENSION.search(piece)
            refs = _REF.findall(dim[1].decode("ascii", "replace")) if dim else []
            if refs:
                rows = max(int(r) for _, r in refs)
                cols = max(_column_number(c) for c, _ in refs)
                _check_extent(rows, cols, "the sheet's declared dimension", limits)
                declared = rows * cols
        n_rows, row_refs = len(_ROW_START.findall(piece)), _ROW_REF.findall(piece)
        n_cells, cell_refs = len(_CELL.findall(piece)), _CELL_REF.findall(piece)
        present += n_cells
        if n_rows == len(row_refs) and n_cells == len(cell_refs):  # every r given
            numbers = [int(r) for r in row_refs] + [int(r) for _, r in cell_refs]
            max_row = max(max_row, *numbers) if numbers else max_row
            row = int(row_refs[-1]) if row_refs else row
            letters = {c.decode() for c, _ in cell_refs}
            if letters:
                max_col = max(max_col, *map(_column_number, letters))
        else:  # rows or cells without r: each follows the previous one
            for m in _ROW.finditer(piece):
                r = _ROW_R.search(m[1])
                row = int(r[1]) if r else row + 1
                max_row = max(max_row, row)
                nxt = _ROW_START.search(piece, m.end())
                col = 0
                for c in _CELL.finditer(piece, m.end(), nxt.start() if nxt else len(piece)):
                    ref = _CELL_R.search(c[1])
                    col = _column_number(ref[1].decode()) if ref else col + 1
                    max_col = max(max_col, col)
                    max_row = max(max_row, int(ref[2]) if ref else row)
        _check_extent(max_row, max_col, "the sheet's cells", limits)
    _check_sparse(max(declared, max_row * max_col), present, limits)


def _check_sparse(area: int, present: int, limits: dict) -> None:
    """A sheet's reader allocates its whole area: a few cells cannot claim a large one."""
    per_cell = limits["xlsx_max_area_per_cell"]
    if area > AREA_FLOOR and area > per_cell * present:
        what = f"the area of the sheet per cell it holds ({area:,} cells of area, {present:,} held)"
        _fail("xlsx_max_area_per_cell", area // max(present, 1), what, limits)


def _check_extent(rows: int, cols: int, what: str, limits: dict) -> None:
    if rows > limits["xlsx_max_rows"]:
        _fail("xlsx_max_rows", rows, f"the last row of {what}", limits)
    if cols > limits["xlsx_max_columns"]:
        _fail("xlsx_max_columns", cols, f"the last column of {what}", limits)
    if rows * cols > limits["xlsx_max_cells"]:
        _fail("xlsx_max_cells", rows * cols, f"the area (rows x columns) of {what}", limits)


def _count_strings(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: dict) -> None:
    n = 0
    for piece in _chunks(zf, info, _SI):
        n += len(_SI.findall(piece))
        if n > limits["xlsx_max_shared_strings"]:
            _fail("xlsx_max_shared_strings", n, "the number of shared strings", limits)
