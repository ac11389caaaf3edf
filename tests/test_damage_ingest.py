"""One damaged cell: ingest either stops, or reads every value as the truth except that cell,
which it reads one way only (no silent misreading).

A random truth is rendered in an export style, one random cell of one random file gets a
random value (another value of its column, a neighbouring number, a date in another
format, a sentinel code, empty, whitespace, text), and the ingested tables are compared
with the truth cell by cell.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinepair.errors import IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.synth.render import render_site
from tests.helpers.strategies import expected, truths
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"
KEY = b"k"
STYLES = {  # site: (style, arm, text encoding of its CSV files)
    "A": ("wide_csv", "SRS", "utf-8"),
    "B": ("xlsx", "SRS", None),
    "C": ("cp949_csv", "RT", "cp949"),
    "D": ("long_eav", "RT", "utf-8"),
}
DATES = ["2016-03-04", "04/03/2016", "2016.03.04", "20160304", "4 Mar 2016", "2016-3-4"]
ODD = ["", " ", "  ", "N/A", "-", "999", "-1", "9999", "0", "abc", "1,5", "7/10", "#N/A"]


def _grid(path: Path, encoding: str | None) -> list[list[str]]:
    if encoding is None:
        sheet = openpyxl.load_workbook(path).active
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _write(path: Path, encoding: str | None, grid, row: int, col: int, value: str, sheet):
    if encoding is None:
        book = openpyxl.load_workbook(path)
        book[sheet].cell(row + 1, col + 1).value = value
        book.save(path)
        return
    grid[row][col] = value
    buf = io.StringIO()
    text = path.read_bytes().decode(encoding)
    csv.writer(buf, lineterminator="\r\n" if "\r\n" in text else "\n").writerows(grid)
    path.write_bytes(buf.getvalue().encode(encoding))


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _diffs(got: dict, want: dict) -> list[tuple] | None:
    """Cells (table, column, got, want) where the tables differ, rows matched as wholes
    (a changed date may move its row); None when more than one row differs."""
    out = []
    for table, w in want.items():
        rows = [
            [tuple(None if pd.isna(v) else v for v in r) for r in f.astype(object).to_numpy()]
            for f in (got[table], w)
        ]
        extra = [r for r in rows[0] if r not in rows[1]]
        lost = [r for r in rows[1] if r not in rows[0]]
        if (len(extra), len(lost)) == (0, 0):
            continue
        if (len(extra), len(lost)) != (1, 1):
            return None
        out += [(table, c, a, b) for c, a, b in zip(w.columns, *extra, *lost) if a != b]
    return out


def _read_one_way(got, want, old: str, new: str, others: list[str], column: pd.Series) -> bool:
    """Whether accepting raw ``new`` (was ``old``) as CDM value ``got`` (truth ``want``) is
    its one reading: empty for an empty cell; for another raw value of the column, a value
    the column holds elsewhere (a valid code mapping); the number itself (in the unit the
    old value was read in); the date the text writes; free text as written."""
    text = new.strip()
    if not text:
        return pd.isna(got)
    if pd.isna(got):
        return False
    if isinstance(got, pd.Timestamp) and new not in others:
        return got == pd.Timestamp("2016-03-04") and text in DATES
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        x, was = _number(text), _number(old.strip())
        scale = want / was if was else 1.0
        return x is not None and math.isclose(float(got), x * scale, rel_tol=1e-9)
    return str(got) == text or (new in others and got in set(column.dropna()))


@pytest.mark.parametrize("site", sorted(STYLES))
def test_one_damaged_cell_is_an_error_or_read_one_way(site):
    style, arm, encoding = STYLES[site]

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(truth=truths(prefix=site, arm=arm, max_patients=3), data=st.data())
    def check(truth, data):
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp)
            render_site(truth, style, raw)
            path = data.draw(st.sampled_from(sorted(raw.iterdir())), label="file")
            sheet = None
            if encoding is None:
                sheet = openpyxl.load_workbook(path).active.title
            grid = _grid(path, encoding)
            if len(grid) < 2:
                return
            row = data.draw(st.integers(1, len(grid) - 1), label="row")
            col = data.draw(st.integers(0, len(grid[0]) - 1), label="column")
            old = grid[row][col] if col < len(grid[row]) else ""
            others = sorted({r[col] for r in grid[1:] if col < len(r)} - {old})
            x = _number(old)
            near = [] if x is None else [str(x + 1), str(x - 1), str(x + 0.5), f"{x:.1f}"]
            new = data.draw(st.sampled_from([*others, *near, *DATES, *ODD]), label="value")
            _write(path, encoding, grid, row, col, new, sheet)
            want = expected(truth, site, arm, KEY)
            try:
                got = ingest_site(SITES / f"{site}.yaml", raw, site, KEY).tables
            except IngestError:
                return
            diffs = _diffs(got, want)
            assert diffs is not None and len(diffs) <= 1, (path.name, old, new, diffs)
            if diffs:
                table, column, value, truth_value = diffs[0]
                assert _read_one_way(value, truth_value, old, new, others, want[table][column]), (
                    path.name,
                    column,
                    old,
                    new,
                    value,
                    truth_value,
                )

    check()
