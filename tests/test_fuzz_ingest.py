"""Fuzzing the adapter engine: random bytes and random mutations of valid exports.

Whatever the input, ingest either returns validated tables (every raw row accounted for)
or raises the project's own IngestError; never another exception.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinepair.errors import IngestError
from spinepair.ingest.pipeline import ingest_site
from tests.helpers.broken_corpus import B_FILE, SITE_OF, SITES, Raw, render_pristine

FUZZ = settings(
    deadline=None,
    derandomize=True,  # same examples on every run: a red test stays red
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TABLES = ("patients", "treatments", "assessments", "imaging", "toxicities", "further_treatments")
SPECIAL = [b",", b";", b'"', b"\r", b"\n", b"\r\n", b"\t", b"\xef\xbb\xbf", b"#N/A", b"=1+1"]
EDIT = st.tuples(
    st.sampled_from(["delete", "insert", "replace", "truncate", "special", "dup", "swap"]),
    st.integers(0, 2**20),
    st.integers(0, 2**20),
    st.binary(max_size=6),
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return render_pristine(tmp_path_factory.mktemp("fuzz"))


def mutate(data: bytes, edits: list[tuple]) -> bytes:
    """Apply byte-level edits (positions are taken modulo the current length)."""
    for op, a, b, blob in edits:
        n = max(len(data), 1)
        i = a % n
        lines = data.split(b"\n")
        k, m = a % len(lines), b % len(lines)
        if op == "delete":
            data = data[:i] + data[i + 1 + b % 40 :]
        elif op == "insert":
            data = data[:i] + blob + data[i:]
        elif op == "replace":
            data = data[:i] + blob + data[i + len(blob) :]
        elif op == "truncate":
            data = data[:i]
        elif op == "special":
            data = data[:i] + SPECIAL[b % len(SPECIAL)] + data[i:]
        elif op == "dup":
            data = b"\n".join(lines[: k + 1] + lines[k:])
        else:
            lines[k], lines[m] = lines[m], lines[k]
            data = b"\n".join(lines)
    return data


def ingests_or_reports(raw_dir: Path, site: str) -> None:
    """The property: tables with every row accounted for, or IngestError; nothing else."""
    for quarantine in (False, True):  # quarantine mode only when strict mode refused
        try:
            res = ingest_site(SITES / f"{site}.yaml", raw_dir, site, b"k", quarantine=quarantine)
        except IngestError as err:
            assert str(err).startswith(f"ingest of site {site} failed: ")
            assert err.failures
            continue
        for name, acc in res.report["files"].items():
            assert acc["rows_read"] == acc["rows_ingested"] + acc["rows_rejected"], name
        assert quarantine or res.report["n_failures"] == 0
        return


def _copy(pristine: Path, tmp: str, style: str) -> Raw:
    return Raw(pristine, Path(tmp), style)


@settings(FUZZ, max_examples=30)
@given(
    style=st.sampled_from(["wide_csv", "cp949_csv", "long_eav"]),
    table=st.sampled_from(TABLES),
    edits=st.lists(EDIT, min_size=1, max_size=4),
)
def test_mutated_csv_exports(pristine, style, table, edits):
    with tempfile.TemporaryDirectory() as tmp:
        raw = _copy(pristine[style], tmp, style)
        path = raw.dir / raw.fname(table)
        path.write_bytes(mutate(path.read_bytes(), edits))
        ingests_or_reports(raw.dir, raw.site)


@settings(FUZZ, max_examples=12)
@given(
    style=st.sampled_from(list(SITE_OF)),
    table=st.sampled_from(TABLES),
    data=st.binary(max_size=300) | st.binary(max_size=20).map(lambda b: b"PK\x03\x04" + b),
)
def test_random_bytes_as_a_file(pristine, style, table, data):
    with tempfile.TemporaryDirectory() as tmp:
        raw = _copy(pristine[style], tmp, style)
        (raw.dir / raw.fname(table)).write_bytes(data)
        ingests_or_reports(raw.dir, raw.site)


CELL_TEXT = st.one_of(
    st.text(st.characters(codec="cp949", exclude_categories=["Cs", "Cc"]), max_size=12),
    st.sampled_from(["", " ", "#N/A", "=A1", "1e309", "nan", "-0", "0x1F", "１２", "3,5", "NULL"]),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(FUZZ, max_examples=25)
@given(
    style=st.sampled_from(list(SITE_OF)),
    table=st.sampled_from(TABLES),
    cells=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), CELL_TEXT), max_size=3),
)
def test_random_cell_values(pristine, style, table, cells):
    """Random text in random cells (header included) of a valid export."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = _copy(pristine[style], tmp, style)
        if raw.site == "B":
            book = openpyxl.load_workbook(raw.dir / B_FILE)
            sheet = book[raw.source(table)["sheet"]]
            for r, c, text in cells:
                sheet.cell(row=1 + r % sheet.max_row, column=1 + c % sheet.max_column, value=text)
            book.save(raw.dir / B_FILE)
        else:
            rows = raw.rows(raw.fname(table))
            for r, c, text in cells:
                row = rows[r % len(rows)]
                row[c % len(row)] = text
            raw.write_rows(raw.fname(table), rows)
        ingests_or_reports(raw.dir, raw.site)


def test_mutation_helper_really_mutates():
    data = b"a,b\n1,2\n3,4\n"
    assert mutate(data, [("truncate", 4, 0, b"")]) == b"a,b\n"
    assert mutate(data, [("swap", 1, 2, b"")]) == b"a,b\n3,4\n1,2\n"
    assert mutate(data, [("special", 0, 2, b"")]) == b'"a,b\n1,2\n3,4\n'
    assert mutate(data, [("delete", 1, 1, b"")]) == b"a\n1,2\n3,4\n"
    assert mutate(data, [("dup", 1, 0, b"")]) == b"a,b\n1,2\n1,2\n3,4\n"
