"""Broken-export corpus: a registry of kinds of damage real hospital exports show.

Each kind is a function that damages a COPY of a rendered site export (one folder per
export style: wide CSV, XLSX, CP949 CSV, long EAV) and returns what ingest must do about
it (:class:`Expect`): fail naming file, row, column and check; warn; ingest it exactly like
the clean export (normalised damage); or reject the site spec (config damage).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pandas as pd
import yaml

from spinepair.synth.render import render_site
from tests.helpers.strategies import frame, small_truth
from tests.helpers.workflow import ROOT

SITES = ROOT / "config" / "sites"
SITE_OF = {"wide_csv": "A", "xlsx": "B", "cp949_csv": "C", "long_eav": "D"}
STYLES = tuple(SITE_OF)
CSV_STYLES = ("wide_csv", "cp949_csv", "long_eav")
ENCODING = {"A": "utf-8", "C": "cp949", "D": "utf-8"}
DATE_FORMAT = {"A": "%Y-%m-%d", "B": "%d/%m/%Y", "C": "%Y.%m.%d", "D": "%Y%m%d"}
B_FILE, D_FILE = "B_spine_registry.xlsx", "D_cdw_extract.csv"
ENTITY = {
    "patients": "PATIENT",
    "treatments": "RT_COURSE",
    "assessments": "PAIN_ASSESS",
    "imaging": "IMAGING",
    "toxicities": "TOXICITY",
    "further_treatments": "ADD_TX",
}
IDENTIFIER_COLUMNS = ("patient_id", "name", "rrn", "phone")


def corpus_truth(site: str) -> dict[str, pd.DataFrame]:
    """The 3-patient truth of the damage tests, with one toxicity and salvage per patient."""
    truth = small_truth(site)
    ids = list(truth["patients"]["patient_id"])
    truth["toxicities"] = frame(
        "toxicities",
        [
            {"patient_id": p, "date": pd.Timestamp("2016-04-01"), "type": "nausea"}
            | {"rtog_grade": 1}
            for p in ids
        ],
    )
    truth["further_treatments"] = frame(
        "further_treatments",
        [
            {"patient_id": p, "date": pd.Timestamp("2016-08-01")}
            | {"type": "vertebroplasty_kyphoplasty", "level": "T10"}
            | {"reason": "compression_fracture"}
            for p in ids
        ],
    )
    return truth


def identifiers() -> set[str]:
    """Every direct identifier and raw id of the corpus truths (never in a message)."""
    return {
        str(v)
        for site in SITE_OF.values()
        for col in IDENTIFIER_COLUMNS
        for v in corpus_truth(site)["patients"][col]
    }


def render_pristine(root: Path) -> dict[str, Path]:
    """Render each style's clean export once under ``root``; style -> folder."""
    out = {}
    for style, site in SITE_OF.items():
        out[style] = root / style
        render_site(corpus_truth(site), style, out[style])
    return out


@dataclass(frozen=True)
class Expect:
    """What ingest must do: outcome fail / warn / ok / config, where, and a hint it gives."""

    outcome: str
    check: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None
    hint: str | None = None
    collapses: bool = False  # quarantine mode keeps one copy: the clean tables, a warning


class Raw:
    """A damaged copy of one site's export (and of its spec, when the spec is damaged)."""

    def __init__(self, pristine: Path, dest: Path, style: str):
        self.style, self.site = style, SITE_OF[style]
        self.dir = dest / self.site
        shutil.copytree(pristine, self.dir)
        self.spec_path = SITES / f"{self.site}.yaml"
        spec = yaml.safe_load(self.spec_path.read_text(encoding="utf-8"))
        self.sources = spec["sources"]

    # --- where things are --------------------------------------------------------------
    def source(self, table: str) -> dict:
        if self.site == "D":
            return self.sources[0]
        return next(s for s in self.sources if s["table"] == table)

    def fname(self, table: str) -> str:
        return {"B": B_FILE, "D": D_FILE}.get(self.site) or self.source(table)["path"]

    def label(self, table: str) -> str:
        """The file name ingest reports (``book.xlsx[Sheet]`` for a sheet)."""
        if self.site == "B":
            return f"{B_FILE}[{self.source(table)['sheet']}]"
        return self.fname(table)

    def raw_name(self, table: str, cdm: str) -> str:
        """The raw column (EAV: attribute) holding CDM column ``cdm`` (first melt group)."""
        src = self.source(table)
        if self.site == "D":
            if cdm == "patient_id":
                return src["long"]["id"]
            cols = src["entities"][ENTITY[table]]["columns"]
            return next(k for k, v in cols.items() if v == cdm)
        inv = {v: k for k, v in src["columns"].items()}
        if cdm in inv:
            return inv[cdm]
        field = next(k for k, v in src["melt"]["fields"].items() if v == cdm)
        header = self.header(table)
        return next(h for h in header if h.endswith(" " + field) or h == field)

    def date(self, ts: str) -> str:
        return pd.Timestamp(ts).strftime(DATE_FORMAT[self.site])

    # --- CSV files ---------------------------------------------------------------------
    def text(self, fname: str) -> str:
        return (self.dir / fname).read_bytes().decode(ENCODING[self.site])

    def rows(self, fname: str) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.text(fname), newline="")))

    def write_rows(self, fname: str, rows: list[list[str]], delimiter: str = ",") -> None:
        buf = io.StringIO()
        csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        (self.dir / fname).write_bytes(buf.getvalue().encode(ENCODING[self.site]))

    # --- XLSX sheets -------------------------------------------------------------------
    def edit_sheet(self, table: str, fn: Callable) -> None:
        book = openpyxl.load_workbook(self.dir / B_FILE)
        fn(book, book[self.source(table)["sheet"]])
        book.save(self.dir / B_FILE)

    def header(self, table: str) -> list[str]:
        if self.site == "B":
            book = openpyxl.load_workbook(self.dir / B_FILE, read_only=True)
            sheet = book[self.source(table)["sheet"]]
            return [c.value for c in next(sheet.iter_rows(max_row=1))]
        return self.rows(self.fname(table))[0]

    # --- cells -------------------------------------------------------------------------
    def _locate(self, table: str, cdm: str, k: int, rows: list[list[str]]) -> tuple[int, int]:
        """(0-based row index, column index) of the k-th record's value in CSV rows."""
        col = self.raw_name(table, cdm)
        if self.site == "D":
            if cdm == "patient_id":
                hits = [i for i, r in enumerate(rows) if r[1] == ENTITY[table]]
                return hits[k - 1], 0
            hits = [i for i, r in enumerate(rows) if r[1] == ENTITY[table] and r[3] == col]
            return hits[k - 1], 4
        return k, rows[0].index(col)

    def get_value(self, table: str, cdm: str, k: int) -> str:
        if self.site == "B":
            book = openpyxl.load_workbook(self.dir / B_FILE)
            sheet = book[self.source(table)["sheet"]]
            j = [c.value for c in sheet[1]].index(self.raw_name(table, cdm)) + 1
            return str(sheet.cell(row=k + 1, column=j).value)
        rows = self.rows(self.fname(table))
        i, j = self._locate(table, cdm, k, rows)
        return rows[i][j]

    def set_value(self, table: str, cdm: str, k: int, value) -> tuple[int, str]:
        """Set the k-th (1-based) record's value; return (reported row, raw column)."""
        col = self.raw_name(table, cdm)
        if self.site == "B":

            def put(book, sheet):
                j = [c.value for c in sheet[1]].index(col) + 1
                sheet.cell(row=k + 1, column=j, value=value)

            self.edit_sheet(table, put)
            return k + 1, col
        rows = self.rows(self.fname(table))
        i, j = self._locate(table, cdm, k, rows)
        rows[i][j] = str(value)
        self.write_rows(self.fname(table), rows)
        return i + 1, col

    # --- the damaged site spec ---------------------------------------------------------
    def damage_spec(self, old: str, new: str) -> int:
        """Replace the first ``old`` in a copy of the spec; return that line (1-based)."""
        text = self.spec_path.read_text(encoding="utf-8")
        assert old in text, old
        line = text[: text.index(old)].count("\n") + 1
        self.spec_path = self.dir.parent / f"{self.site}.yaml"
        self.spec_path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return line

    def sha256(self) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.dir.iterdir()}


KINDS: dict[str, tuple[tuple[str, ...], Callable[[Raw], Expect]]] = {}


def kind(*styles: str):
    """Register a damage function for the given styles (all four by default)."""

    def deco(fn):
        KINDS[fn.__name__] = (styles or STYLES, fn)
        return fn

    return deco


def _fail_at(raw: Raw, table: str, cdm: str, k: int, value, check: str) -> Expect:
    row, col = raw.set_value(table, cdm, k, value)
    return Expect("fail", check, raw.label(table), row, col)


def _drop_or_rename_column(raw: Raw, new_name: str | None) -> Expect:
    """Delete (new_name None) or rename the dose column (EAV: the VALUE/ATTR column)."""
    table = "treatments"
    if raw.site == "D":
        col = "VALUE" if new_name is None else "ATTR"
        rows = raw.rows(D_FILE)
        j = rows[0].index(col)
        if new_name is None:
            rows = [r[:j] + r[j + 1 :] for r in rows]
        else:
            rows[0][j] = new_name
        raw.write_rows(D_FILE, rows)
        return Expect("fail", "required_column", D_FILE, 1, col)
    col = raw.raw_name(table, "total_dose_gy")
    if raw.site == "B":

        def edit(book, sheet):
            j = [c.value for c in sheet[1]].index(col) + 1
            if new_name is None:
                sheet.delete_cols(j)
            else:
                sheet.cell(row=1, column=j, value=new_name)

        raw.edit_sheet(table, edit)
    else:
        rows = raw.rows(raw.fname(table))
        j = rows[0].index(col)
        if new_name is None:
            rows = [r[:j] + r[j + 1 :] for r in rows]
        else:
            rows[0][j] = new_name
        raw.write_rows(raw.fname(table), rows)
    return Expect("fail", "required_column", raw.label(table), 1, col)


@kind()
def missing_column(raw: Raw) -> Expect:
    return _drop_or_rename_column(raw, None)


@kind()
def renamed_column(raw: Raw) -> Expect:
    return _drop_or_rename_column(raw, "Dose")


@kind()
def duplicated_column(raw: Raw) -> Expect:
    """A column exported twice (same header name)."""
    table = "treatments"
    col = "SEQ" if raw.site == "D" else raw.raw_name(table, "machine")
    if raw.site == "B":

        def edit(book, sheet):
            j = [c.value for c in sheet[1]].index(col) + 1
            last = sheet.max_column + 1
            for r in range(1, sheet.max_row + 1):
                sheet.cell(row=r, column=last, value=sheet.cell(row=r, column=j).value)

        raw.edit_sheet(table, edit)
    else:
        rows = raw.rows(raw.fname(table))
        j = rows[0].index(col)
        raw.write_rows(raw.fname(table), [r + [r[j]] for r in rows])
    return Expect("fail", "unique_column", raw.label(table), 1, col)


@kind()
def extra_column(raw: Raw) -> Expect:
    """An unmapped column: ignored with a warning naming it."""
    table = "patients"
    if raw.site == "B":

        def edit(book, sheet):
            sheet.cell(row=1, column=sheet.max_column + 1, value="Remarks")

        raw.edit_sheet(table, edit)
    else:
        rows = raw.rows(raw.fname(table))
        raw.write_rows(raw.fname(table), [rows[0] + ["Remarks"]] + [r + ["x"] for r in rows[1:]])
    return Expect("warn", "extra_column", raw.label(table), 1, "Remarks")


@kind(*CSV_STYLES)
def wrong_encoding(raw: Raw) -> Expect:
    """The patients file saved in the other encoding (UTF-8 <-> CP949)."""
    fname = raw.fname("patients")
    text = raw.text(fname)
    wrong = "cp949" if ENCODING[raw.site] == "utf-8" else "utf-8"
    (raw.dir / fname).write_bytes(text.encode(wrong))
    first = next(i for i, line in enumerate(text.split("\n")) if not line.isascii())
    return Expect("fail", "encoding", fname, first + 1)


@kind(*CSV_STYLES)
def byte_order_mark(raw: Raw) -> Expect:
    """A UTF-8 BOM: stripped in a UTF-8 file; in a CP949 file it means a re-save as UTF-8."""
    fname = raw.fname("patients")
    if raw.site == "C":
        (raw.dir / fname).write_bytes(b"\xef\xbb\xbf" + raw.text(fname).encode("utf-8"))
        return Expect("fail", "encoding", fname, 1, hint="UTF-8 byte-order mark")
    (raw.dir / fname).write_bytes(b"\xef\xbb\xbf" + (raw.dir / fname).read_bytes())
    return Expect("ok")


@kind(*CSV_STYLES)
def mixed_line_endings(raw: Raw) -> Expect:
    """CRLF, LF and lone CR line breaks in one file: all are line breaks."""
    fname = raw.fname("treatments")
    lines = raw.text(fname).split("\r\n")
    ends = ["\r\n", "\n", "\r"]
    text = "".join(line + ends[i % 3] for i, line in enumerate(lines[:-1]))
    (raw.dir / fname).write_bytes(text.encode(ENCODING[raw.site]))
    return Expect("ok")


@kind(*CSV_STYLES)
def delimiter_changed(raw: Raw) -> Expect:
    """The file saved with ';' (a European Excel) instead of the declared ','."""
    fname = raw.fname("treatments")
    raw.write_rows(fname, raw.rows(fname), delimiter=";")
    return Expect("fail", "delimiter", fname, 1, hint="delimited by ';'")


@kind()
def quoted_newline(raw: Raw) -> Expect:
    """A line break inside a (quoted) cell: legal; later rows keep their true line numbers."""
    mrow, _ = raw.set_value("treatments", "machine", 1, "True\nBeam")
    row, col = raw.set_value("treatments", "total_dose_gy", 3, -20)
    shift = 1 if raw.site != "B" and mrow < row else 0
    return Expect("fail", "range", raw.label("treatments"), row + shift, col)


@kind()
def empty_file(raw: Raw) -> Expect:
    """A zero-byte file (XLSX: an empty sheet)."""
    if raw.site == "B":

        def edit(book, sheet):
            name = sheet.title
            book.remove(sheet)
            book.create_sheet(name)

        raw.edit_sheet("imaging", edit)
    else:
        (raw.dir / raw.fname("imaging")).write_bytes(b"")
    return Expect("fail", "not_empty", raw.label("imaging"), 1)


@kind()
def header_only(raw: Raw) -> Expect:
    """The patients file (EAV: the whole export) has a header and no data rows."""
    if raw.site == "B":
        raw.edit_sheet("patients", lambda book, sheet: sheet.delete_rows(2, sheet.max_row))
    else:
        fname = raw.fname("patients")
        raw.write_rows(fname, raw.rows(fname)[:1])
    return Expect("fail", "rows_present", raw.label("patients"), 2)


@kind()
def truncated_file(raw: Raw) -> Expect:
    """The transfer stopped mid-file (XLSX: a cut zip archive)."""
    path = raw.dir / raw.fname("further_treatments")
    data = path.read_bytes()
    if raw.site == "B":
        path.write_bytes(data[: len(data) // 2])
        return Expect("fail", "readable", raw.label("patients"), None)
    start = data.rstrip(b"\r\n").rindex(b"\n") + 1
    path.write_bytes(data[: data.index(b",", start) + 3])
    return Expect("fail", "field_count", raw.label("further_treatments"), data.count(b"\n"))


@kind(*CSV_STYLES)
def unclosed_quote(raw: Raw) -> Expect:
    """A quote opened and never closed: the rest of the file would be one cell."""
    path = raw.dir / raw.fname("imaging")
    data = path.read_bytes()
    path.write_bytes(data + b'x,"MRI\r\n')
    return Expect("fail", "csv_syntax", raw.label("imaging"), data.count(b"\n") + 1)


@kind()
def unparseable_date(raw: Raw) -> Expect:
    return _fail_at(raw, "treatments", "start_date", 2, "early March", "date")


@kind()
def impossible_date(raw: Raw) -> Expect:
    """31 February, written in the site's own date format."""
    value = {"A": "1950-02-31", "B": "31/02/1950", "C": "1950.02.31", "D": "19500231"}[raw.site]
    return _fail_at(raw, "patients", "birth_date", 2, value, "date")


@kind()
def year_1900(raw: Raw) -> Expect:
    """A placeholder date (Excel's day 0 era) as birth date."""
    expect = _fail_at(raw, "patients", "birth_date", 1, raw.date("1900-01-01"), "date_range")
    return replace(expect, hint="placeholder")


@kind()
def future_date(raw: Raw) -> Expect:
    """A last follow-up in 2099: rejected, the cell named."""
    return _fail_at(raw, "patients", "last_followup_date", 2, raw.date("2099-05-05"), "date_future")


@kind()
def dates_out_of_order(raw: Raw) -> Expect:
    value = raw.date("2016-02-27")
    return _fail_at(raw, "treatments", "end_date", 1, value, "date_order:start_before_end")


@kind()
def vas_out_of_range(raw: Raw) -> Expect:
    return _fail_at(raw, "assessments", "vas", 2, 11, "range")


@kind()
def ecog_out_of_range(raw: Raw) -> Expect:
    return _fail_at(raw, "patients", "ecog", 3, 5, "range")


@kind()
def grade_out_of_range(raw: Raw) -> Expect:
    return _fail_at(raw, "toxicities", "rtog_grade", 2, 6, "range")


@kind()
def dose_in_wrong_unit(raw: Raw) -> Expect:
    """3000 where the spec declares Gy (site B declares cGy: 300000 cGy = 3000 Gy)."""
    value = 300000 if raw.site == "B" else 3000
    expect = _fail_at(raw, "treatments", "total_dose_gy", 1, value, "range")
    return expect if raw.site == "B" else replace(expect, hint="a dose in cGy")


@kind()
def negative_dose(raw: Raw) -> Expect:
    return _fail_at(raw, "treatments", "total_dose_gy", 2, -20, "range")


@kind()
def non_integer_fractions(raw: Raw) -> Expect:
    return _fail_at(raw, "treatments", "fractions", 3, 2.5, "integer")


@kind()
def duplicate_patient_conflicting(raw: Raw) -> Expect:
    """The first patient exported twice, the second time with another sex."""
    sex = {"A": ("Male", "Female"), "C": ("1", "2")}.get(raw.site, ("M", "F"))
    col = raw.raw_name("patients", "patient_id")
    if raw.site == "B":

        def edit(book, sheet):
            values = [c.value for c in sheet[2]]
            j = [c.value for c in sheet[1]].index(raw.raw_name("patients", "sex"))
            values[j] = sex[1]
            sheet.append(values)

        raw.edit_sheet("patients", edit)
        return Expect("fail", "unique", raw.label("patients"), 5, col)
    rows = raw.rows(raw.fname("patients"))
    if raw.site == "D":
        first = [r for r in rows[1:] if r[0] == rows[1][0] and r[1] == "PATIENT"]
        copy = [[r[0], r[1], "2", r[3], "F" if r[3] == "SEX" else r[4]] for r in first]
        raw.write_rows(D_FILE, rows + copy)
        return Expect("fail", "unique", D_FILE, len(rows) + 1, col)
    j = rows[0].index(raw.raw_name("patients", "sex"))
    dup = list(rows[1])
    dup[j] = sex[1] if dup[j] == sex[0] else sex[0]
    raw.write_rows(raw.fname("patients"), [*rows, dup])
    return Expect("fail", "unique", raw.label("patients"), len(rows) + 1, col)


@kind()
def orphan_child_row(raw: Raw) -> Expect:
    """A pain assessment of a patient id absent from the patients table."""
    ghost = f"{raw.site}9999999"
    if raw.site == "D":  # every line of the EAV record carries the id
        rows = raw.rows(D_FILE)
        hits = [i for i, r in enumerate(rows) if r[1] == "PAIN_ASSESS"]
        rec = [i for i in hits if (rows[i][0], rows[i][2]) == (rows[hits[0]][0], rows[hits[0]][2])]
        for i in rec:
            rows[i][0] = ghost
        raw.write_rows(D_FILE, rows)
        return Expect("fail", "orphan", D_FILE, rec[0] + 1, "PT_NO")
    return _fail_at(raw, "assessments", "patient_id", 2, ghost, "orphan")


@kind()
def unknown_code(raw: Raw) -> Expect:
    return _fail_at(raw, "imaging", "finding", 1, "progressed", "vocabulary")


@kind()
def excel_error(raw: Raw) -> Expect:
    """#N/A where a dose should be (XLSX: a real error cell)."""
    return _fail_at(raw, "treatments", "total_dose_gy", 1, "#N/A", "spreadsheet_value")


@kind()
def excel_formula(raw: Raw) -> Expect:
    """A formula instead of its value (XLSX: a formula cell never computed)."""
    return _fail_at(raw, "treatments", "total_dose_gy", 2, "=12*2", "spreadsheet_value")


@kind()
def number_as_text_with_comma(raw: Raw) -> Expect:
    """'1,200.5' (digit grouping) stored as text: rejected, not guessed."""
    expect = _fail_at(raw, "patients", "tumor_volume_cc", 1, "1,200.5", "number")
    return replace(expect, hint="digit grouping or decimal comma")


@kind()
def whitespace_in_codes(raw: Raw) -> Expect:
    """Leading/trailing spaces and tabs around codes and numbers: stripped."""
    for table, cdm, k in (
        ("patients", "sex", 1),
        ("imaging", "modality", 2),
        ("assessments", "vas", 1),
    ):
        raw.set_value(table, cdm, k, f" \t{raw.get_value(table, cdm, k)}  ")
    return Expect("ok")


@kind()
def full_width_characters(raw: Raw) -> Expect:
    """Full-width digits/letters and ideographic spaces (Korean IME): folded to ASCII."""
    wide = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
    for table, cdm, k in (
        ("imaging", "modality", 1),
        ("assessments", "vas", 2),
        ("patients", "ecog", 1),
    ):
        raw.set_value(table, cdm, k, "\u3000" + raw.get_value(table, cdm, k).translate(wide))
    return Expect("ok")


@kind()
def missing_file(raw: Raw) -> Expect:
    """The imaging file is not in the drop (XLSX: its sheet was renamed)."""
    if raw.site == "B":
        raw.edit_sheet("imaging", lambda book, sheet: setattr(sheet, "title", "Imaging (old)"))
        return Expect("fail", "sheet_present", raw.label("imaging"), None)
    if raw.site == "D":
        (raw.dir / D_FILE).rename(raw.dir / "D_cdw_extract.csv.bak")
        return Expect("fail", "file_present", "D_cdw_*.csv", None)
    (raw.dir / raw.fname("imaging")).unlink()
    return Expect("fail", "file_present", raw.fname("imaging"), None)


@kind()
def spec_typo_key(raw: Raw) -> Expect:
    """The site YAML says ``colums:`` (or ``entites:``) instead of the real key."""
    old = "entities:" if raw.site == "D" else "columns:"
    line = raw.damage_spec(f"    {old}", f"    {old[:4]}{old[5:]}")
    return Expect("config", "Additional properties are not allowed", None, line)


@kind()
def spec_wrong_type(raw: Raw) -> Expect:
    """A list-valued key given as a plain string."""
    fmt = DATE_FORMAT[raw.site]
    line = raw.damage_spec(f'date_formats: ["{fmt}"]', f'date_formats: "{fmt}"')
    return Expect("config", "is not of type 'array'", "date_formats", line)


@kind(*CSV_STYLES)
def spec_unknown_encoding(raw: Raw) -> Expect:
    """An encoding name Python does not know (``utf8x``)."""
    old = "encoding: " + ENCODING[raw.site]
    line = raw.damage_spec(old, "encoding: utf8x")
    return Expect("config", "unknown text encoding 'utf8x'", "encoding", line)


# --- issue 12: one reading only, every value accounted for, plausibility, identity ----------
SWAPPED = {"A": "%Y-%d-%m", "B": "%m/%d/%Y", "C": "%Y.%d.%m", "D": "%Y%d%m"}
STRICT_NS = (
    ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ("http://schemas.openxmlformats.org/drawingml/2006/main", "http://purl.oclc.org/ooxml/drawingml/main"),
)  # fmt: skip


def _site_text(raw: Raw, by_site: dict[str, str]) -> str:
    return by_site[raw.site]


@kind()
def date_short_digits(raw: Raw) -> Expect:
    """'201631' under %Y%m%d (pandas alone reads 2016-03-01): digit counts are part of it."""
    value = _site_text(raw, {"A": "2016-3-1", "B": "1/3/2016", "C": "2016.3.1", "D": "201631"})
    return _fail_at(raw, "treatments", "start_date", 2, value, "date")


@kind()
def date_seven_digits(raw: Raw) -> Expect:
    """'2016031' under %Y%m%d (pandas alone reads 2016-03-01)."""
    value = _site_text(raw, {"A": "2016-03-1", "B": "01/3/2016", "C": "2016.03.1", "D": "2016031"})
    return _fail_at(raw, "treatments", "start_date", 1, value, "date")


@kind()
def date_with_time_text(raw: Raw) -> Expect:
    """A date typed with a time: not the declared format."""
    return _fail_at(raw, "patients", "birth_date", 1, raw.date("1950-03-04") + " 00:00", "date")


@kind()
def date_month_thirteen(raw: Raw) -> Expect:
    """A date written the other way round (month 13): rejected, not swapped."""
    value = _site_text(
        raw, {"A": "2016-13-03", "B": "03/13/2016", "C": "2016.13.03", "D": "20161303"}
    )
    return _fail_at(raw, "further_treatments", "date", 1, value, "date")


@kind()
def date_two_digit_year(raw: Raw) -> Expect:
    value = _site_text(raw, {"A": "16-03-01", "B": "01/03/16", "C": "16.03.01", "D": "160301"})
    return _fail_at(raw, "assessments", "date", 1, value, "date")


@kind()
def spec_ambiguous_date_formats(raw: Raw) -> Expect:
    """[%d/%m/%Y, %m/%d/%Y]: every day <= 12 reads two ways; refused with the spec."""
    fmt = DATE_FORMAT[raw.site]
    line = raw.damage_spec(
        f'date_formats: ["{fmt}"]', f'date_formats: ["{fmt}", "{SWAPPED[raw.site]}"]'
    )
    return Expect("config", "both read a value", "date_formats", line)


@kind()
def spec_two_digit_year(raw: Raw) -> Expect:
    fmt = DATE_FORMAT[raw.site]
    line = raw.damage_spec(
        f'date_formats: ["{fmt}"]', f'date_formats: ["{fmt.replace("%Y", "%y")}"]'
    )
    return Expect("config", "two-digit year", "date_formats", line)


@kind("xlsx")
def date_cells_mixed(raw: Raw) -> Expect:
    """A US-locale spreadsheet turned one dd/mm text date into a real (month-first) date."""
    col = raw.raw_name("patients", "primary_diagnosis_date")
    raw.edit_sheet("patients", lambda book, sheet: sheet.cell(
        row=3, column=[c.value for c in sheet[1]].index(col) + 1, value=dt.datetime(2015, 10, 1)
    ))  # fmt: skip
    return Expect("fail", "date_cells", raw.label("patients"), 3, col)


@kind("xlsx")
def date_cell_in_text_column(raw: Raw) -> Expect:
    """'1-2' typed into the levels column became a date cell."""
    col = raw.raw_name("treatments", "levels")
    raw.edit_sheet("treatments", lambda book, sheet: sheet.cell(
        row=2, column=[c.value for c in sheet[1]].index(col) + 1, value=dt.datetime(2016, 1, 2)
    ))  # fmt: skip
    return Expect("fail", "date_cells", raw.label("treatments"), 2, col)


@kind("xlsx")
def strict_open_xml(raw: Raw) -> Expect:
    """The workbook saved as Strict Open XML (other namespaces): read exactly as before."""
    path = raw.dir / B_FILE
    data = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(data) as zi, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            part = zi.read(info)
            if info.filename.endswith((".xml", ".rels")):
                text = part.decode("utf-8")
                for old, new in STRICT_NS:
                    text = text.replace(old, new)
                part = text.encode("utf-8")
            zo.writestr(info, part)
    path.write_bytes(out.getvalue())
    return Expect("ok")


@kind("xlsx")
def strict_open_xml_error_cell(raw: Raw) -> Expect:
    """Strict Open XML with an error cell: the cell is still named."""
    expect = excel_error(raw)
    strict_open_xml(raw)
    return expect


@kind("wide_csv")
def reshape_header_case(raw: Raw) -> Expect:
    """'V2 vas': matches the visit pattern but its field is not mapped (values would vanish)."""
    rows = raw.rows("A_pain_followup.csv")
    rows[0][rows[0].index("V2 VAS")] = "V2 vas"
    raw.write_rows("A_pain_followup.csv", rows)
    return Expect("fail", "reshape_column", "A_pain_followup.csv", 1, "V2 vas")


@kind("wide_csv")
def reshape_header_suffix(raw: Raw) -> Expect:
    rows = raw.rows("A_pain_followup.csv")
    rows[0][rows[0].index("V1 OME (mg)")] = "V1 OME (mg) old"
    raw.write_rows("A_pain_followup.csv", rows)
    return Expect("fail", "reshape_column", "A_pain_followup.csv", 1, "V1 OME (mg) old")


@kind("wide_csv")
def reshape_group_field_case(raw: Raw) -> Expect:
    """'Nausea grade': the group loses its grade column: named, not dropped."""
    rows = raw.rows("A_toxicity.csv")
    rows[0][rows[0].index("Nausea Grade")] = "Nausea grade"
    raw.write_rows("A_toxicity.csv", rows)
    return Expect("fail", "required_column", "A_toxicity.csv", 1, "Nausea rtog_grade")


def _eav_edit(raw: Raw, entity: str, attr: str | None, fn) -> int:
    """Apply fn to the rows of D_FILE; return the (1-based) line of the first matching line."""
    rows = raw.rows(D_FILE)
    i = next(k for k, r in enumerate(rows) if r[1] == entity and (attr is None or r[3] == attr))
    raw.write_rows(D_FILE, fn(rows, i))
    return i + 1


def _blank(col: int):
    def fn(rows, i):
        rows[i][col] = ""
        return rows

    return fn


@kind("long_eav")
def eav_empty_attribute(raw: Raw) -> Expect:
    """An EAV line without ATTR (a death date lost): named."""
    line = _eav_edit(raw, "PATIENT", "DEATH_DATE", _blank(3))
    return Expect("fail", "attribute_present", D_FILE, line, "ATTR")


@kind("long_eav")
def eav_empty_entity(raw: Raw) -> Expect:
    """An EAV line without ENTITY (a toxicity lost): named."""
    line = _eav_edit(raw, "TOXICITY", "RTOG_GRADE", _blank(1))
    return Expect("fail", "entity_present", D_FILE, line, "ENTITY")


@kind("long_eav")
def eav_unknown_attribute(raw: Raw) -> Expect:
    line = _eav_edit(
        raw,
        "RT_COURSE",
        "MACHINE",
        lambda rows, i: [*rows[: i + 1], [*rows[i][:3], "BOOST_GY", "8"], *rows[i + 1 :]],
    )
    return Expect("fail", "known_attribute", D_FILE, line + 1, "ATTR")


@kind("long_eav")
def eav_unknown_entity(raw: Raw) -> Expect:
    rows = raw.rows(D_FILE)
    raw.write_rows(D_FILE, [*rows, [rows[1][0], "LAB", "1", "AFP", "1200"]])
    return Expect("fail", "known_entity", D_FILE, len(rows) + 1, "ENTITY")


@kind("long_eav")
def eav_ignored_entity(raw: Raw) -> Expect:
    """An entity the spec declares ignored: read exactly as before."""
    rows = raw.rows(D_FILE)
    raw.write_rows(D_FILE, [*rows, [rows[1][0], "LAB", "1", "AFP", "1200"]])
    raw.damage_spec("    entities:", "    ignore_entities: [LAB]\n    entities:")
    return Expect("ok")


@kind("long_eav")
def eav_attribute_twice(raw: Raw) -> Expect:
    line = _eav_edit(
        raw,
        "PAIN_ASSESS",
        "VAS",
        lambda rows, i: [*rows[: i + 1], [*rows[i][:4], "9"], *rows[i + 1 :]],
    )
    return Expect("fail", "unique_attribute", D_FILE, line + 1, "VAS")


@kind("long_eav")
def eav_line_exported_twice(raw: Raw) -> Expect:
    """An exact copy of one EAV line: strict fails it, quarantine keeps one copy."""
    line = _eav_edit(
        raw, "TOXICITY", "TYPE", lambda rows, i: [*rows[: i + 1], rows[i], *rows[i + 1 :]]
    )
    return Expect("fail", "unique_attribute", D_FILE, line + 1, "TYPE", collapses=True)


def _header_only(raw: Raw, table: str) -> None:
    if raw.site == "B":
        raw.edit_sheet(table, lambda book, sheet: sheet.delete_rows(2, sheet.max_row))
    elif raw.site == "D":
        rows = raw.rows(D_FILE)
        raw.write_rows(D_FILE, [r for r in rows if r[1] != ENTITY[table]])
    else:
        raw.write_rows(raw.fname(table), raw.rows(raw.fname(table))[:1])


@kind()
def header_only_treatments(raw: Raw) -> Expect:
    """No treatment rows at all: the study cannot use the site."""
    _header_only(raw, "treatments")
    return Expect("fail", "rows_present", raw.label("treatments"), 2)


@kind()
def header_only_imaging(raw: Raw) -> Expect:
    """A whole site's imaging missing: a warning naming the file."""
    _header_only(raw, "imaging")
    return Expect("warn", "rows_present", raw.label("imaging"), 2)


@kind()
def header_only_toxicities(raw: Raw) -> Expect:
    _header_only(raw, "toxicities")
    return Expect("warn", "rows_present", raw.label("toxicities"), 2)


def _dose(raw: Raw, k: int, gy: float, fractions: int | None = None) -> tuple[int, str]:
    value = gy * 100 if raw.site == "B" else gy
    row, col = raw.set_value("treatments", "total_dose_gy", k, _num(value))
    if fractions is not None:
        raw.set_value("treatments", "fractions", k, fractions)
    return row, col


def _num(v: float) -> str | float:
    return int(v) if float(v).is_integer() else v


@kind()
def dose_and_fractions_swapped(raw: Raw) -> Expect:
    """3 Gy in 24 fractions instead of 24 Gy in 3."""
    row, col = _dose(raw, 2, 3, 24)
    return Expect("fail", "dose_per_fraction", raw.label("treatments"), row, col, hint="swapped")


@kind()
def per_fraction_dose_as_total(raw: Raw) -> Expect:
    """SRS 8 Gy x 3 recorded as 8 Gy; RT 3 Gy x 10 recorded as 3 Gy."""
    if raw.site in "AB":
        row, col = _dose(raw, 1, 8)
        return Expect("fail", "modality_dose", raw.label("treatments"), row, col)
    row, col = _dose(raw, 1, 3, 10)
    return Expect("fail", "dose_per_fraction", raw.label("treatments"), row, col)


@kind()
def bed_implausible(raw: Raw) -> Expect:
    """60 Gy in 2 fractions: each value in range, the course is not."""
    row, col = _dose(raw, 3, 60, 2)
    return Expect("fail", "bed", raw.label("treatments"), row, col)


@kind("wide_csv", "xlsx")
def srs_in_ten_fractions(raw: Raw) -> Expect:
    """An SRS course of 30 Gy in 10 fractions: a conventional course labelled SRS."""
    _dose(raw, 2, 30)
    row, col = raw.set_value("treatments", "fractions", 2, 10)
    return Expect("fail", "modality_dose", raw.label("treatments"), row, col)


@kind("xlsx")
def dose_in_gy_in_cgy_column(raw: Raw) -> Expect:
    """24 typed in Gy into the cGy column: 0.24 Gy."""
    row, col = raw.set_value("treatments", "total_dose_gy", 1, 24)
    return Expect("fail", "dose_per_fraction", raw.label("treatments"), row, col)


@kind("xlsx")
def whole_column_in_gy_declared_cgy(raw: Raw) -> Expect:
    """Every dose in Gy where the spec says cGy: the site's unit is named."""
    for k in (1, 2, 3):
        _, col = raw.set_value("treatments", "total_dose_gy", k, 24)
    return Expect("fail", "dose_unit", raw.label("treatments"), 2, col, hint="cGy/Gy mix-up?")


@kind("wide_csv", "cp949_csv", "long_eav")
def spec_declares_cgy_for_gy(raw: Raw) -> Expect:
    """The spec says cGy for a column in Gy: the site's unit is named."""
    fmt = DATE_FORMAT[raw.site]
    raw.damage_spec(
        f'date_formats: ["{fmt}"]',
        f'date_formats: ["{fmt}"]\nunits: {{treatments.total_dose_gy: cGy}}',
    )
    row = 2 if raw.site != "D" else None
    col = raw.raw_name("treatments", "total_dose_gy")
    if raw.site == "D":
        rows = raw.rows(D_FILE)
        row = next(i for i, r in enumerate(rows) if r[3] == col) + 1
    return Expect("fail", "dose_unit", raw.label("treatments"), row, col, hint="cGy/Gy mix-up?")


@kind()
def sentinel_tumour_volume(raw: Raw) -> Expect:
    """999 for 'unknown' inside the allowed range (0.01..2000 cc)."""
    return _fail_at(raw, "patients", "tumor_volume_cc", 2, 999, "sentinel")


@kind()
def sentinel_ome(raw: Raw) -> Expect:
    return _fail_at(raw, "assessments", "ome_mg", 3, 9999, "sentinel")


@kind()
def sentinel_declared_missing(raw: Raw) -> Expect:
    """999 declared a missing-value code: read as missing (a required value, so named)."""
    fmt = DATE_FORMAT[raw.site]
    raw.damage_spec(
        f'date_formats: ["{fmt}"]',
        f'date_formats: ["{fmt}"]\nmissing_codes: {{patients.n_spine_mets: ["999"]}}',
    )
    return replace(
        _fail_at(raw, "patients", "n_spine_mets", 2, 999, "required"), hint="missing value"
    )


@kind()
def same_rrn_two_ids(raw: Raw) -> Expect:
    """One person under two MRNs: the same registration number."""
    rrn = raw.get_value("patients", "rrn", 1)
    raw.set_value("patients", "rrn", 3, rrn)
    row, col = _patient_row(raw, 1)
    return Expect("fail", "same_person", raw.label("patients"), row, col)


@kind()
def same_rrn_other_spelling(raw: Raw) -> Expect:
    """The same registration number without its hyphen: still one person."""
    rrn = raw.get_value("patients", "rrn", 1)
    row, col = raw.set_value("patients", "rrn", 2, rrn.replace("-", " "))
    return Expect("fail", "same_person", raw.label("patients"), row, col)


@kind()
def same_name_and_birth_no_rrn(raw: Raw) -> Expect:
    """No registration numbers: same name and birth date under two MRNs."""
    name = raw.get_value("patients", "name", 1)
    for k in (1, 2):
        raw.set_value("patients", "rrn", k, "")
    row, col = raw.set_value("patients", "name", 2, name)
    return Expect("fail", "same_person", raw.label("patients"), row, col)


def _patient_row(raw: Raw, k: int) -> tuple[int, str]:
    """(reported row, raw column) of the rrn of the k-th patient (value unchanged)."""
    return raw.set_value("patients", "rrn", k, raw.get_value("patients", "rrn", k))


@kind()
def arm_mismatch(raw: Raw) -> Expect:
    """An RT course at an SRS site (and the reverse): the declared arm does not override it."""
    other = {"A": "RT", "B": "RT", "C": "1", "D": "SRS"}[raw.site]
    return _fail_at(raw, "treatments", "modality", 2, other, "arm_modality")


@kind()
def toxicity_after_followup(raw: Raw) -> Expect:
    """A child date against the patient's own row: quarantine rejects the patient whole."""
    return _fail_at(
        raw,
        "toxicities",
        "date",
        1,
        raw.date("2018-01-01"),
        "date_order:toxicities_not_after_followup",
    )


@kind()
def toxicity_file_exported_twice(raw: Raw) -> Expect:
    """Every toxicity row twice: strict fails; quarantine keeps one copy of each."""
    if raw.site == "B":

        def edit(book, sheet):
            for values in [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]:
                sheet.append(values)

        raw.edit_sheet("toxicities", edit)
        return Expect(
            "fail",
            "unique",
            raw.label("toxicities"),
            2,
            raw.raw_name("toxicities", "date"),
            collapses=True,
        )
    if raw.site == "D":
        rows = raw.rows(D_FILE)
        tox = [r for r in rows if r[1] == "TOXICITY"]
        raw.write_rows(D_FILE, rows + tox)
        return Expect("fail", "unique_attribute", D_FILE, len(rows) + 1, tox[0][3], collapses=True)
    rows = raw.rows(raw.fname("toxicities"))
    raw.write_rows(raw.fname("toxicities"), rows + rows[1:])
    col = "Nausea Date" if raw.site == "A" else raw.raw_name("toxicities", "date")
    return Expect("fail", "unique", raw.label("toxicities"), 2, col, collapses=True)
