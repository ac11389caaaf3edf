"""Damaged raw exports: every problem is reported with site, file, row, column and check."""

from __future__ import annotations

import csv
import hashlib
import io

import openpyxl
import pytest
import yaml

from spinepair.errors import IngestError
from spinepair.ingest.pipeline import ingest_site
from spinepair.synth.render import render_site
from tests.helpers.strategies import small_truth as _truth
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"
STYLE = {"A": "wide_csv", "B": "xlsx", "C": "cp949_csv", "D": "long_eav"}
ENCODING = {"A": "utf-8", "C": "cp949", "D": "utf-8"}
FILES = {
    "A": {
        "patients": "A_patients.csv",
        "treatments": "A_rt_courses.csv",
        "assessments": "A_pain_followup.csv",
        "imaging": "A_imaging.csv",
    },
    "C": {
        "patients": "C_patient.csv",
        "treatments": "C_rt.csv",
        "assessments": "C_pain.csv",
        "imaging": "C_imaging.csv",
    },
    "B": {
        "patients": "Patients",
        "treatments": "RT Courses",
        "assessments": "Pain",
        "imaging": "Imaging",
    },
}
ENTITY = {
    "patients": "PATIENT",
    "treatments": "RT_COURSE",
    "assessments": "PAIN_ASSESS",
    "imaging": "IMAGING",
}
D_FILE = "D_cdw_extract.csv"
B_FILE = "B_spine_registry.xlsx"
KEY = b"k"


IDENTIFIERS = [
    v
    for site in STYLE
    for t in [_truth(site)["patients"]]
    for col in ("patient_id", "name", "rrn", "phone")
    for v in t[col]
]


def _raw_name(site: str, table: str, cdm: str) -> str:
    spec = yaml.safe_load((SITES / f"{site}.yaml").read_text(encoding="utf-8"))
    for src in spec["sources"]:
        if src["format"] == "long":
            ent = src["entities"][ENTITY[table]]
            if cdm == "patient_id":
                return src["long"]["id"]
            return {v: k for k, v in ent["columns"].items()}[cdm]
        if src["table"] == table:
            inv = {v: k for k, v in src["columns"].items()}
            if cdm in inv:
                return inv[cdm]
            return "V1 " + {v: k for k, v in src["melt"]["fields"].items()}[cdm]
    raise KeyError(cdm)


class Export:
    """A rendered export in tmp_path with helpers to damage it like a real one."""

    def __init__(self, site: str, root):
        self.site, self.dir = site, root / site
        render_site(_truth(site), STYLE[site], self.dir)

    def label(self, table: str) -> str:
        if self.site == "B":
            return f"{B_FILE}[{FILES['B'][table]}]"
        return D_FILE if self.site == "D" else FILES[self.site][table]

    # --- CSV (A, C, D) -------------------------------------------------------------
    def rows(self, fname: str) -> list[list[str]]:
        text = (self.dir / fname).read_bytes().decode(ENCODING[self.site])
        return list(csv.reader(io.StringIO(text, newline="")))

    def write_rows(self, fname: str, rows: list[list[str]]) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\r\n").writerows(rows)
        (self.dir / fname).write_bytes(buf.getvalue().encode(ENCODING[self.site]))

    def set_value(self, table: str, cdm: str, k: int, value) -> tuple[int, str]:
        """Set the k-th (1-based) data record's value; return (row, raw column)."""
        col = _raw_name(self.site, table, cdm)
        if self.site == "B":
            book = openpyxl.load_workbook(self.dir / B_FILE)
            sheet = book[FILES["B"][table]]
            j = [c.value for c in sheet[1]].index(col) + 1
            sheet.cell(row=k + 1, column=j, value=value)
            book.save(self.dir / B_FILE)
            return k + 1, col
        if self.site == "D":
            rows = self.rows(D_FILE)
            hits = [i for i, r in enumerate(rows) if r[1] == ENTITY[table] and r[3] == col]
            i = hits[k - 1]
            rows[i][4] = str(value)
            self.write_rows(D_FILE, rows)
            return i + 1, col
        fname = FILES[self.site][table]
        rows = self.rows(fname)
        rows[k][rows[0].index(col)] = str(value)
        self.write_rows(fname, rows)
        return k + 1, col

    def sha(self) -> dict:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.dir.iterdir()}

    def ingest(self, **kw):
        settings = {"max_quarantine_share": 1.0}  # 3 patients: one is a third
        return ingest_site(
            SITES / f"{self.site}.yaml", self.dir, self.site, KEY, settings=settings, **kw
        )

    def fails(self) -> IngestError:
        before = self.sha()
        with pytest.raises(IngestError) as info:
            self.ingest()
        assert self.sha() == before, "ingest must not modify the raw export"
        msg = str(info.value)
        assert msg.startswith(f"ingest of site {self.site} failed: ")
        assert "Traceback" not in msg
        for ident in IDENTIFIERS:
            assert ident not in msg, f"identifier {ident!r} leaked into the message"
        for f in info.value.failures:
            assert f["site"] == self.site
            if f["cdm_column"] in ("patient_id", "name", "rrn", "phone"):
                assert f["value"] is None
        return info.value


def _assert_failure(err: IngestError, file, row, column, check, value=None) -> None:
    hits = [f for f in err.failures if f["check"] == check]
    assert hits, f"no {check} failure in {err.failures}"
    f = hits[0]
    assert (f["file"], f["row"], f["column"]) == (file, row, column), f
    if value is not None:
        assert f["value"] == value
    line = next(x for x in str(err).splitlines() if f"check {check}" in x)
    assert file in line and f"row {row}" in line
    if column is not None:
        assert repr(column) in line


ALL = sorted(STYLE)
CSV_SITES = ["A", "C", "D"]


@pytest.mark.parametrize("site", ALL)
def test_clean_export_ingests(site, tmp_path):
    res = Export(site, tmp_path).ingest()
    assert len(res.tables["patients"]) == 3
    assert len(res.tables["assessments"]) == 6


@pytest.mark.parametrize(
    ("site", "table", "cdm", "k", "value", "check"),
    [
        *[(s, "patients", "birth_date", 2, "1950-02-30", "date") for s in ALL],
        *[(s, "assessments", "vas", 1, 11, "range") for s in ALL],
        *[(s, "treatments", "total_dose_gy", 2, -20, "range") for s in ALL],
        *[(s, "treatments", "fractions", 3, 2.5, "integer") for s in ALL],
        *[(s, "imaging", "finding", 1, "progressed", "vocabulary") for s in ALL],
        ("C", "patients", "sex", 1, "3", "vocabulary"),
        *[
            (s, "treatments", "end_date", 1, d, "date_order:start_before_end")
            for s, d in (
                ("A", "2016-02-27"),
                ("B", "27/02/2016"),
                ("C", "2016.02.27"),
                ("D", "20160227"),
            )
        ],
    ],
)
def test_bad_value(site, table, cdm, k, value, check, tmp_path):
    exp = Export(site, tmp_path)
    if cdm == "birth_date":
        value = {"B": "30/02/1950", "C": "1950.02.30", "D": "19500230"}.get(site, value)
    row, col = exp.set_value(table, cdm, k, value)
    err = exp.fails()
    _assert_failure(err, exp.label(table), row, col, check)
    shown = next(f["value"] for f in err.failures if f["check"] == check)
    assert shown is not None and str(value).split(".")[0] in shown
    # quarantine mode: the bad record is set aside, the rest of the site goes through
    if check.startswith("date_order") or table != "patients":
        res = exp.ingest(quarantine=True)
        q = res.quarantine
        assert ((q["row"] == row) & (q["check"] == check)).any()
        assert res.report["tables"][table]["records_rejected"] == 1
        assert len(res.tables[table]) == len(_truth(site)[table]) - 1


@pytest.mark.parametrize("site", ALL)
def test_missing_column(site, tmp_path):
    exp = Export(site, tmp_path)
    col = _raw_name(site, "treatments", "total_dose_gy")
    if site == "B":
        book = openpyxl.load_workbook(exp.dir / B_FILE)
        sheet = book["RT Courses"]
        sheet.delete_cols([c.value for c in sheet[1]].index(col) + 1)
        book.save(exp.dir / B_FILE)
    elif site == "D":
        rows = exp.rows(D_FILE)
        exp.write_rows(D_FILE, [r[:4] for r in rows])
        col = "VALUE"
    else:
        rows = exp.rows(FILES[site]["treatments"])
        j = rows[0].index(col)
        exp.write_rows(FILES[site]["treatments"], [r[:j] + r[j + 1 :] for r in rows])
    err = exp.fails()
    _assert_failure(err, exp.label("treatments"), 1, col, "required_column")
    with pytest.raises(IngestError):  # a missing column fails the site even in quarantine
        exp.ingest(quarantine=True)


@pytest.mark.parametrize("site", ["A", "B", "C"])  # EAV: an unknown attribute is an error
def test_extra_column_is_a_warning(site, tmp_path):
    exp = Export(site, tmp_path)
    if site == "B":
        book = openpyxl.load_workbook(exp.dir / B_FILE)
        sheet = book["Patients"]
        sheet.cell(row=1, column=sheet.max_column + 1, value="Remarks")
        book.save(exp.dir / B_FILE)
    else:
        rows = exp.rows(FILES[site]["patients"])
        exp.write_rows(
            FILES[site]["patients"], [rows[0] + ["Remarks"]] + [r + ["x"] for r in rows[1:]]
        )
    res = exp.ingest()
    warn = [w for w in res.report["warnings"] if w["check"] == "extra_column"]
    assert [w["column"] for w in warn] == ["Remarks"]
    assert warn[0]["file"] == exp.label("patients")
    assert len(res.tables["patients"]) == 3


@pytest.mark.parametrize("site", CSV_SITES)
def test_wrong_encoding(site, tmp_path):
    exp = Export(site, tmp_path)
    fname = exp.label("patients")
    text = (exp.dir / fname).read_bytes().decode(ENCODING[site])
    wrong = "cp949" if ENCODING[site] == "utf-8" else "utf-8"
    (exp.dir / fname).write_bytes(text.encode(wrong))
    err = exp.fails()
    f = next(f for f in err.failures if f["check"] == "encoding")
    # the first non-ASCII text: C's Korean header (line 1), else the first name (line 2)
    assert f["file"] == fname and f["row"] == (1 if site == "C" else 2)
    assert ENCODING[site] in f["detail"]


@pytest.mark.parametrize("site", ALL)
def test_duplicate_patient(site, tmp_path):
    exp = Export(site, tmp_path)
    if site == "B":
        book = openpyxl.load_workbook(exp.dir / B_FILE)
        sheet = book["Patients"]
        sheet.append([c.value for c in sheet[2]])
        book.save(exp.dir / B_FILE)
        row = 5
    elif site == "D":
        rows = exp.rows(D_FILE)
        first = [r for r in rows[1:] if r[0] == rows[1][0] and r[1] == "PATIENT"]
        rows += [[r[0], r[1], "2", *r[3:]] for r in first]
        exp.write_rows(D_FILE, rows)
        row = len(rows) - len(first) + 1
    else:
        rows = exp.rows(FILES[site]["patients"])
        exp.write_rows(FILES[site]["patients"], [*rows, rows[1]])
        row = 5
    err = exp.fails()
    col = _raw_name(site, "patients", "patient_id")
    dups = [f for f in err.failures if f["check"] == "unique"]
    assert {(f["row"], f["column"]) for f in dups} >= {(row, col)}
    assert all(f["value"] is None for f in dups)
    assert "same patient id as row 2" in str(err)


@pytest.mark.parametrize("site", ALL)
def test_orphan_child_row(site, tmp_path):
    exp = Export(site, tmp_path)
    if site == "D":  # in an EAV export the id is on every line of the record
        rows = exp.rows(D_FILE)
        rec = [i for i, r in enumerate(rows) if r[1] == "IMAGING" and r[3] == "DATE"][1]
        for i in range(rec, rec + 4):
            rows[i][0] = f"{site}9999999"
        exp.write_rows(D_FILE, rows)
        row, col = rec + 1, "PT_NO"
    else:
        row, col = exp.set_value("imaging", "patient_id", 2, f"{site}9999999")
    err = exp.fails()
    _assert_failure(err, exp.label("imaging"), row, col, "orphan")
    assert f"{site}9999999" not in str(err)


@pytest.mark.parametrize("site", ALL)
def test_empty_file(site, tmp_path):
    exp = Export(site, tmp_path)
    if site == "B":
        book = openpyxl.load_workbook(exp.dir / B_FILE)
        book.remove(book["Imaging"])
        book.create_sheet("Imaging")
        book.save(exp.dir / B_FILE)
    else:
        (exp.dir / exp.label("imaging")).write_bytes(b"")
    err = exp.fails()
    _assert_failure(err, exp.label("imaging"), 1, None, "not_empty")


@pytest.mark.parametrize("site", CSV_SITES)
def test_truncated_file(site, tmp_path):
    exp = Export(site, tmp_path)
    path = exp.dir / exp.label("treatments")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 25])  # last row cut mid-line
    n_lines = data[: len(data) - 25].count(b"\n") + 1
    err = exp.fails()
    _assert_failure(err, exp.label("treatments"), n_lines, None, "field_count")
    if site == "D":  # the record of a malformed EAV line cannot be told: the site stops
        with pytest.raises(IngestError, match="check field_count"):
            exp.ingest(quarantine=True)
        return
    res = exp.ingest(quarantine=True)
    acc = res.report["files"][exp.label("treatments")]
    assert acc["rows_rejected"] == 1
    assert acc["rows_read"] == acc["rows_ingested"] + acc["rows_rejected"]
    assert any(w["check"] == "no_final_newline" for w in res.report["warnings"])


def test_unclosed_quote_at_end_of_file(tmp_path):
    exp = Export("A", tmp_path)
    path = exp.dir / "A_rt_courses.csv"
    data = path.read_bytes()
    path.write_bytes(data + b'A0000017,2,SRS,"TrueBeam')  # cut inside a quoted field
    n_lines = data.count(b"\n") + 1
    err = exp.fails()
    _assert_failure(err, "A_rt_courses.csv", n_lines, None, "csv_syntax")


def test_missing_file(tmp_path):
    exp = Export("A", tmp_path)
    (exp.dir / "A_imaging.csv").unlink()
    err = exp.fails()
    assert any(f["check"] == "file_present" and f["file"] == "A_imaging.csv" for f in err.failures)
