"""Bounded resources (security issue 20, probes 6 and 12): a small hostile file fails a size
limit before it is parsed, naming the limit and the measured value; python-calamine never
sees a workbook over a limit (the process cannot abort), and memory stays small.

The hostile files are made small, with :mod:`zipfile` directly: a 50 KB-class workbook
with one cell at XFD1048576 (calamine aborts the process on it: SIGABRT), one at
CV1000000 (6.8 GB before), a zip-bombed shared strings part, a CSV line of 5 MB under a
lowered limit.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from spinepair.ingest import limits as lim
from spinepair.ingest.readers import FileProblem, xlsx_grid
from tests.helpers.hostile import NS, workbook

HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'


def _problem(path: Path, limits=None) -> FileProblem:
    with pytest.raises(FileProblem) as err:
        xlsx_grid(path, "Sheet1", limits)
    return err.value


def test_a_plain_workbook_passes(tmp_path):
    book = workbook(
        tmp_path / "ok.xlsx", HEADER + '<row r="2"><c r="A2"><v>7</v></c></row>', "A1:A2"
    )
    header, grid, _, _ = xlsx_grid(book, "Sheet1")
    assert header == ["id"] and grid.iloc[0, 0] == "7.0"


def test_cell_at_xfd1048576_fails_before_calamine(tmp_path, monkeypatch):
    """Probe 6: calamine aborts the process on this sheet; the limit fires first."""
    book = workbook(
        tmp_path / "far.xlsx", HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    assert book.stat().st_size < 50_000
    import python_calamine

    def never(*_a, **_k):
        raise AssertionError("python-calamine was called")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    p = _problem(book)
    assert p.check == "xlsx_max_cells" and p.value == str(1_048_576 * 16_384)
    assert "xlsx_max_cells" in p.detail and "17,179,869,184" in p.detail


def test_lying_dimension_is_caught_by_the_scan(tmp_path):
    """The dimension says A1; a cell at CV1000000 (100 x 1,000,000 cells: 6.8 GB before)."""
    rows = HEADER + '<row r="1000000"><c r="CV1000000"><v>1</v></c></row>'
    p = _problem(workbook(tmp_path / "cv.xlsx", rows, "A1"))
    assert p.check == "xlsx_max_cells" and p.value == "100000000"


def test_declared_dimension_alone_fails(tmp_path):
    p = _problem(workbook(tmp_path / "dim.xlsx", HEADER, "A1:XFD1048576"))
    assert p.check == "xlsx_max_cells" and "declared dimension" in p.detail


def test_far_empty_corner_within_the_area_limit_fails(tmp_path, monkeypatch):
    """Neighbour of probe 6: one cell at AX1000000 spans 50 x 1,000,000 cells, within
    xlsx_max_cells, but the sheet holds 2 cells: its reader would allocate 50 M for them."""
    import python_calamine

    def never(*_a, **_k):
        raise AssertionError("python-calamine was called")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    rows = HEADER + '<row r="1000000"><c r="AX1000000"><v>1</v></c></row>'
    for dimension in ("A1", "A1:AX1000000"):  # the corner found by the scan or declared
        p = _problem(workbook(tmp_path / "ax.xlsx", rows, dimension))
        assert p.check == "xlsx_max_area_per_cell" and p.value == str(50_000_000 // 2)
        assert "50,000,000 cells of area, 2 held" in p.detail


def test_sparse_area_below_the_floor_and_dense_sheets_pass(tmp_path):
    corner = HEADER + '<row r="999"><c r="J999"><v>1</v></c></row>'  # 9,990 cells of area
    _, grid, _, _ = xlsx_grid(workbook(tmp_path / "small.xlsx", corner), "Sheet1")
    assert grid.shape == (998, 10)
    cells = "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in "ABCD")
    dense = "".join(f'<row r="{r}">{cells.format(r=r)}</row>' for r in range(1, 300_001))
    with zipfile.ZipFile(workbook(tmp_path / "dense.xlsx", dense, "A1:D300000")) as zf:
        lim._check_zip(zf, "Sheet1", lim.settings(None))  # 1.2 M cells of area, all held


def test_rows_without_r_are_counted(tmp_path):
    rows = HEADER + "<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>" * 5
    p = _problem(workbook(tmp_path / "nor.xlsx", rows, "A1"), lim.settings({"xlsx_max_cells": 17}))
    assert p.check == "xlsx_max_cells" and p.value == "18"  # 6 rows x 3 columns


def test_zip_bomb_shared_strings(tmp_path):
    """Probe 6: a small workbook whose shared strings unzip to 64 MiB of one string."""
    si = "<si><t>aaaaaaaaaaaaaaaa</t></si>"
    strings = f'<sst xmlns="{NS}">' + si * (64 * 2**20 // len(si)) + "</sst>"
    book = workbook(tmp_path / "bomb.xlsx", HEADER, "A1", strings)
    assert book.stat().st_size < 1_000_000
    p = _problem(book)
    assert p.check == "xlsx_max_ratio" and "sharedStrings.xml" in p.detail
    p = _problem(book, lim.settings({"xlsx_max_ratio": 10**6, "xlsx_max_shared_strings": 1000}))
    assert p.check == "xlsx_max_shared_strings" and int(p.value) > 1000
    p = _problem(
        book, lim.settings({"xlsx_max_ratio": 10**6, "xlsx_max_shared_strings_bytes": 2**20})
    )
    assert p.check == "xlsx_max_shared_strings_bytes"


def test_member_count_and_sizes(tmp_path):
    book = workbook(tmp_path / "ok.xlsx", HEADER)
    assert _problem(book, lim.settings({"xlsx_max_members": 4})).check == "xlsx_max_members"
    small = lim.settings({"xlsx_max_member_bytes": 100})
    assert _problem(book, small).check == "xlsx_max_member_bytes"
    assert (
        _problem(book, lim.settings({"xlsx_max_total_bytes": 300})).check == "xlsx_max_total_bytes"
    )


def test_not_a_zip_is_readable_failure(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert _problem(bad).check == "readable"


def _in_fresh_process(code: str) -> tuple[list[str], int]:
    """What ``code`` prints, run in a new interpreter, and that process's peak memory in KB
    (VmHWM: ru_maxrss would count the parent's peak, which a new process inherits)."""
    code = textwrap.dedent(code) + (
        '\nprint(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])\n'
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr  # (calamine's SIGABRT would be -6)
    *out, peak = proc.stdout.split()
    return out, int(peak)


def test_calamine_abort_case_runs_clean_in_a_subprocess(tmp_path):
    """The XFD1048576 workbook through the reader in a fresh process: it exits normally
    with the limit failure (no SIGABRT), in small memory."""
    book = workbook(
        tmp_path / "far.xlsx", HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    out, peak_kb = _in_fresh_process(
        f"""
        from spinepair.ingest.readers import FileProblem, xlsx_grid
        try:
            xlsx_grid({str(book)!r}, "Sheet1")
        except FileProblem as exc:
            print(exc.check)
        """
    )
    assert out == ["xlsx_max_cells"]
    assert peak_kb < 250_000  # the interpreter and pandas, nothing of the sheet


# --- text --------------------------------------------------------------------------------


def _scan(data: bytes, limits=None, chunk=None, delimiter=","):
    scan = lim.TextScan(lim.settings(limits), delimiter)
    step = chunk or max(1, len(data))
    for i in range(0, len(data), step):
        scan.feed(data[i : i + step])
    scan.finish()
    return scan.problem


@pytest.mark.parametrize("chunk", [None, 1, 7, 64])
def test_text_scan_does_not_depend_on_chunks(chunk):
    data = b"a,b,c\n1,2,3\n" + b"x" * 50 + b",1,2\n4,5,6"
    p = _scan(data, {"max_field_bytes": 40}, chunk)
    assert (p.check, p.row, p.value) == ("max_field_bytes", 3, "50")
    p = _scan(data, {"max_line_bytes": 20}, chunk)
    assert (p.check, p.row, p.value) == ("max_line_bytes", 3, "54")
    p = _scan(data, {"max_columns": 2}, chunk)
    assert (p.check, p.row, p.value) == ("max_columns", 1, "3")
    assert _scan(data, None, chunk) is None


def test_long_csv_line_fails_before_parsing(tmp_path, monkeypatch):
    """Probe 6/12: a 5 MB line (one 5 MB cell) under a lowered limit: a limit failure at
    line 2, in the whole and in the block-wise read, never parsed."""
    from spinepair.ingest import extract, readers, textstream

    path = tmp_path / "x.csv"
    path.write_bytes(b"id,value\n1," + b"z" * 5_000_000 + b"\n2,ok\n")
    limits = lim.settings({"max_line_bytes": 1_000_000})

    def never(*_a, **_k):
        raise AssertionError("parsed")

    monkeypatch.setattr(readers, "csv_grid", never)
    monkeypatch.setattr(extract, "csv_grid", never)
    with pytest.raises(FileProblem) as err:
        lim.check_text(path.read_bytes(), limits, ",")
    assert (err.value.check, err.value.row, err.value.value) == ("max_line_bytes", 2, "5000002")
    from spinepair.ingest.sources import Watch

    watch = Watch(path)
    scan = lim.TextScan(limits, ",")
    blocks = textstream._blocks(path, 65536, watch, scan)
    with pytest.raises(FileProblem) as err2:
        list(blocks)
    assert (err2.value.check, err2.value.row, err2.value.value) == ("max_line_bytes", 2, "5000002")


def test_wide_header_fails(tmp_path):
    data = b",".join(b"c%d" % i for i in range(3000)) + b"\n"
    p = _scan(data)
    assert (p.check, p.value) == ("max_columns", "3000")


def test_default_limits_accept_the_demo():
    root = Path(__file__).resolve().parents[2] / "data" / "demo"
    for f in root.glob("*/*.csv"):
        assert _scan(f.read_bytes()) is None, f
    for f in root.glob("*/*.xlsx"):
        with zipfile.ZipFile(f) as zf:
            sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        lim.check_workbook(f, "Patients", lim.DEFAULTS)


def test_peak_memory_of_the_scan_is_small(tmp_path):
    """The checks stream: a shared-strings part of 32 MiB (2 M strings) is counted and
    refused in a process that never holds it."""
    si = "<si><t>b</t></si>"
    strings = f'<sst xmlns="{NS}">' + si * (32 * 2**20 // len(si)) + "</sst>"
    book = workbook(tmp_path / "b.xlsx", HEADER, "A1", strings)
    out, peak_kb = _in_fresh_process(
        f"""
        from spinepair.ingest import limits as lim
        from spinepair.ingest.readers import FileProblem, xlsx_grid
        wide = {{"xlsx_max_ratio": 10**6, "xlsx_max_shared_strings": 10**6}}
        try:
            xlsx_grid({str(book)!r}, "Sheet1", lim.settings(wide))
        except FileProblem as exc:
            print(exc.check)
        """
    )
    assert out == ["xlsx_max_shared_strings"]
    assert peak_kb < 250_000
