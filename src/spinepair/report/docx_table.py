"""Word (.docx) output of a publication table (python-docx): the title as caption paragraph,
a real table with a bold header row (arm spanners as merged cells), footnote markers as
superscript runs, symbols and subscripts as in :mod:`spinepair.report.richtext`, and the notes
in small type under the table. Landscape when the table has more than seven columns.

The bytes are deterministic: fixed document properties and zip member dates.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from spinepair.jobs.jobio import atomic_path
from spinepair.report import richtext as rt
from spinepair.report.table_layout import label_cells, left_aligned

EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _write(paragraph, text, size=None, bold=False, superscript=False) -> None:
    for part, sub in rt.spans(text):
        run = paragraph.add_run(part)
        run.bold = bold
        if sub or superscript:  # one vertical alignment per run: set only the one used
            run.font.subscript, run.font.superscript = sub, superscript
        if size:
            run.font.size = Pt(size)


def _cell(cell, text, marks=(), right=False, bold=False) -> None:
    paragraph = cell.paragraphs[0]
    _write(paragraph, text, size=9, bold=bold)
    if marks:
        _write(paragraph, ",".join(marks), size=9, superscript=True)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def document(table, rows, notes) -> Document:
    """The Word document of ``table`` (formatted ``rows``; ``notes`` (marker, text) pairs)."""
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = rt.plain(table.title), "spinepair", ""
    props.created = props.modified = EPOCH
    props.revision = 1
    if len(rows.columns) > 7:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    _write(doc.add_paragraph(), table.title, size=11, bold=True)
    n_head = 2 if table.spanners else 1
    grid = doc.add_table(rows=n_head + len(rows), cols=len(rows.columns))
    grid.style = "Table Grid"
    if table.spanners:
        start = 0
        for text, width in table.spanners:
            merged = grid.cell(0, start).merge(grid.cell(0, start + width - 1))
            _cell(merged, text, bold=True)
            merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            start += width
    # Cells row by row: grid.cell(i, j) walks the whole table each call (quadratic, 1 s for
    # Table 2); the header and body rows have no merged cells, so row.cells[j] is column j.
    grid_rows = grid.rows[n_head - 1 :]
    for cell, head in zip(grid_rows[0].cells, table.headers()):
        _cell(cell, head, bold=True)
    for row, (values, (at, marks)) in zip(grid_rows[1:], label_cells(table, rows)):
        for j, (cell, col, value) in enumerate(zip(row.cells, rows.columns, values)):
            _cell(cell, value, marks if j == at else (), right=not left_aligned(col))
    for marker, text in notes:
        paragraph = doc.add_paragraph()
        if marker:
            _write(paragraph, marker, size=8, superscript=True)
            _write(paragraph, " ", size=8)
        _write(paragraph, text, size=8)
    return doc


def write_docx(table, rows, notes, path) -> None:
    """Write the Word document of ``table`` to ``path`` (deterministic bytes)."""
    buffer = io.BytesIO()
    document(table, rows, notes).save(buffer)
    with (
        atomic_path(path) as tmp,
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
