"""Style E: a radiation-oncology department's own XLSX workbook (see DESIGN.md).

What real department exports look like: Korean sheet names and headers; a title and an
export line above each header (merged cells); a two-row header with merged group cells on
the courses sheet; SRS and conventional RT patients together, and rows of the department's
other patients (``E_EXCLUDED``) to filter out; a "합계" footer; patient ids as numbers on
the patients sheet and as zero-padded text elsewhere; birth dates as Excel serial day
numbers in General cells; start dates in three styles in one column; the prescription as
text (``800cGy x 3fx``, a dose per fraction in cGy); VAS as ``7/10``; grades as ``G2`` or
``Grade 2``; numeric code cells; missing-value markers (``-``, ``N/A``, ``없음``, 999); the
analgesics on a separate prescription sheet dated near the pain visit.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from spinepair.synth.export_io import sorted_table, write_fixed_zip
from spinepair.synth.export_layouts import (
    E_CODES,
    E_COURSE_HEADER,
    E_EXCLUDED,
    E_EXPORTED,
    E_MISSING,
    E_OME_MISSING,
    E_PAIN_HEADER,
    E_RX_HEADER,
    E_SHEETS,
    E_TOX_HEADER,
    KO_CODES,
    KO_HEADERS,
)

EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's (1900) serial day numbers
FILE = "E_department.xlsx"


def _date(v, i: int = 0, mixed: bool = False):
    """A date as the department writes it: yyyy.mm.dd, or (mixed) one of three styles."""
    if pd.isna(v):
        return None
    styles = ("%Y.%m.%d", f"{v.year}-{v.month}-{v.day}", f"{v.year}년 {v.month}월 {v.day}일")
    return v.strftime(styles[i % 3] if mixed else styles[0])


def _code(v, codes: dict, numeric: bool = False):
    """A CDM value as its export code; numeric codes as number cells."""
    if pd.isna(v):
        return None
    code = codes[v]
    whole = code.isdigit() and (code == "0" or not code.startswith("0"))
    return int(code) if numeric and whole else code


def _number(v):
    if pd.isna(v):
        return None
    return int(v) if float(v).is_integer() else float(v)


def _missing(values: list, start: int = 0) -> list:
    """Empty cells written as the department's markers, used in turn."""
    return [
        E_MISSING[(start + i) % len(E_MISSING)] if v is None else v for i, v in enumerate(values)
    ]


def _sheet(book, table: str, header_rows: list[list], rows: list[list], merges=()) -> None:
    """A sheet: a merged title row, the export line, the header row(s) and the data rows."""
    name, title = E_SHEETS[table]
    sheet = book.create_sheet(name)
    width = len(header_rows[-1])
    sheet.append([title] + [None] * (width - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append([E_EXPORTED])
    for row in header_rows + rows:
        sheet.append(row)
    for r0, c0, r1, c1 in merges:
        sheet.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def _patients(book, pats: pd.DataFrame) -> None:
    heads = KO_HEADERS["patients"]
    rows = []
    for i, p in enumerate(pats.itertuples(index=False)):
        serial = None if pd.isna(p.birth_date) else (p.birth_date - EXCEL_EPOCH).days
        row = {
            "patient_id": int(p.patient_id) if p.patient_id.isdigit() else p.patient_id,
            "name": p.name,
            "rrn": p.rrn,
            "phone": p.phone,
            "sex": _code(p.sex, E_CODES["sex"]),
            "birth_date": serial,
            "primary_tumor": _code(p.primary_tumor, KO_CODES["primary_tumor"]),
            "primary_diagnosis_date": _date(p.primary_diagnosis_date),
            "spine_met_diagnosis_date": _date(p.spine_met_diagnosis_date),
            "child_pugh": _code(p.child_pugh, KO_CODES["child_pugh"], numeric=True),
            "n_spine_mets": _number(p.n_spine_mets),
            "ecog": _number(p.ecog),
            "ambulation": _number(p.ambulation),
            "index_level": p.index_level,
            "tumor_volume_cc": _number(p.tumor_volume_cc),
            "prior_index_treatment": _code(
                p.prior_index_treatment, KO_CODES["prior_index_treatment"], numeric=True
            ),
            "death_date": _date(p.death_date),
            "last_followup_date": _date(p.last_followup_date),
        }
        rows.append(["척추전이", *_missing([row[c] for c in heads], i)])
    if rows:  # another department patient, not in the study: the spec filters it out
        rows.append([E_EXCLUDED, 99999999, "제외환자", *rows[0][3:]])
    rows.append(["합계", f"{len(pats)}명"] + [None] * len(heads))
    _sheet(book, "patients", [["진단구분", *heads.values()]], rows)


def _courses(book, tx: pd.DataFrame) -> None:
    upper = [u for _, u, _ in E_COURSE_HEADER]
    lower = [lo for _, _, lo in E_COURSE_HEADER]
    merges = [(3, j, 4, j) for j, lo in enumerate(lower, start=1) if lo is None]
    for group in dict.fromkeys(u for _, u, lo in E_COURSE_HEADER if lo is not None):
        cols = [j for j, u in enumerate(upper, start=1) if u == group]
        merges.append((3, cols[0], 3, cols[-1]))
    upper = [u if j == 0 or u != upper[j - 1] else None for j, u in enumerate(upper)]
    rows = []
    for i, c in enumerate(tx.itertuples(index=False)):
        per_fraction = round(c.total_dose_gy * 100 / c.fractions)
        row = {
            "patient_id": c.patient_id,
            "course": int(c.course),
            "modality": E_CODES["treatments.modality"][c.modality],
            "machine": c.machine,
            "start_date": _date(c.start_date, i, mixed=True),
            "end_date": _date(c.end_date),
            "prescription": f"{per_fraction}cGy x {c.fractions}fx",
            "isodose_pct": _number(c.isodose_pct),
            "coverage_pct": _number(c.coverage_pct),
            "levels": c.levels,
            "intent": _code(c.intent, KO_CODES["intent"], numeric=True),
        }
        rows.append(_missing([row[k] for k, _, _ in E_COURSE_HEADER], i))
    _sheet(book, "treatments", [upper, [lo or None for lo in lower]], rows, merges)


def _rx_offsets(dates: pd.Series) -> np.ndarray:
    """Days from each pain visit to its prescription: +-1 when no other visit of the patient
    is within 3 days (so the visit's own prescription is the nearest), else 0."""
    days = dates.to_numpy(dtype="datetime64[D]").astype(np.int64)
    gaps = np.abs(days[:, None] - days[None, :]) + np.where(np.eye(len(days)), 10**9, 0)
    far = gaps.min(axis=1, initial=10**9) >= 4
    return np.where(far, np.where(np.arange(len(days)) % 2 == 0, -1, 1), 0)


def _pain(book, pain: pd.DataFrame) -> None:
    rows = [[a.patient_id, _date(a.date), f"{a.vas}/10"] for a in pain.itertuples(index=False)]
    _sheet(book, "assessments", [list(E_PAIN_HEADER.values())], rows)
    offsets = pain.groupby("patient_id", sort=False)["date"].transform(
        lambda d: pd.Series(_rx_offsets(d), index=d.index)
    )
    rx = pain.assign(date=pain["date"] + pd.to_timedelta(offsets, unit="D"))
    rx = rx.sort_values(["patient_id", "date"], kind="stable")
    rows = [
        [
            r.patient_id,
            _date(r.date),
            E_CODES["analgesic"][r.analgesic],
            E_OME_MISSING if pd.isna(r.ome_mg) else _number(r.ome_mg),
        ]
        for r in rx.itertuples(index=False)
    ]
    _sheet(book, "prescriptions", [list(E_RX_HEADER.values())], rows)


def _events(book, truth: dict) -> None:
    img = sorted_table(truth, "imaging")
    rows = [
        [m.patient_id, _date(m.date), m.modality, KO_CODES["finding"][m.finding], m.level]
        for m in img.itertuples(index=False)
    ]
    _sheet(book, "imaging", [list(KO_HEADERS["imaging"].values())], rows)
    tox = sorted_table(truth, "toxicities")
    rows = [
        [
            t.patient_id,
            _date(t.date),
            KO_CODES["toxicities.type"][t.type],
            f"G{t.rtog_grade}" if i % 2 == 0 else f"Grade {t.rtog_grade}",
        ]
        for i, t in enumerate(tox.itertuples(index=False))
    ]
    _sheet(book, "toxicities", [list(E_TOX_HEADER.values())], rows)
    ft = sorted_table(truth, "further_treatments")
    rows = [
        [
            f.patient_id,
            _date(f.date),
            _code(f.type, KO_CODES["further_treatments.type"], numeric=True),
            f.level,
            _code(f.reason, KO_CODES["reason"], numeric=True),
        ]
        for f in ft.itertuples(index=False)
    ]
    _sheet(book, "further_treatments", [list(KO_HEADERS["further_treatments"].values())], rows)


def render_department(truth: dict, out: Path) -> None:
    """Write ``truth`` as the department workbook ``E_department.xlsx`` in ``out``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    _patients(book, sorted_table(truth, "patients"))
    _courses(book, sorted_table(truth, "treatments"))
    _pain(book, sorted_table(truth, "assessments"))
    _events(book, truth)
    buf = io.BytesIO()
    book.save(buf)
    write_fixed_zip(buf.getvalue(), out / FILE)
