"""Write a site's truth as the raw export files of one of six hospital export styles.

Styles (see DESIGN.md): ``wide_csv`` (A), ``xlsx`` (B), ``cp949_csv`` (C), ``long_eav`` (D),
``department_xlsx`` (E, :mod:`.render_department`) and ``spss`` (F, :mod:`.render_spss`).
Output is deterministic: same truth, same bytes (fixed xlsx timestamps, stable order).
The truth has the six CDM tables with ``patient_id`` instead of ``patient_key`` and the
identifiers ``name``, ``rrn``, ``phone`` in ``patients`` (no ``site``/``arm``).
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd

from spinepair.synth.export_io import (
    coded,
    export_frame,
    sorted_table,
    text_column,
    write_csv,
    write_fixed_zip,
)
from spinepair.synth.export_layouts import (
    A_CODES,
    EAV_ENTITIES,
    EN_HEADERS,
    KO_CODES,
    KO_HEADERS,
)
from spinepair.synth.render_department import render_department
from spinepair.synth.render_spss import render_spss

STYLES = ("wide_csv", "xlsx", "cp949_csv", "long_eav", "department_xlsx", "spss")


def _render_a(truth: dict, out: Path) -> None:
    tabs = {t: coded(sorted_table(truth, t), t, A_CODES) for t in truth}
    for t, fname in (
        ("patients", "A_patients.csv"),
        ("treatments", "A_rt_courses.csv"),
        ("imaging", "A_imaging.csv"),
        ("further_treatments", "A_salvage.csv"),
    ):
        write_csv(export_frame(tabs[t], t, EN_HEADERS[t], "%Y-%m-%d"), out / fname)
    # Pain follow-up: one row per patient, visits as column groups "V1 Date", "V1 VAS", ...
    pain = tabs["assessments"].sort_values(["patient_id", "date"], kind="stable")
    pain = pain.assign(visit=pain.groupby("patient_id").cumcount() + 1)
    ids = pd.Index(pain["patient_id"].drop_duplicates(), name="MRN")
    wide = pd.DataFrame(index=ids)
    for v in range(1, max(int(pain["visit"].max()) if len(pain) else 1, 1) + 1):
        one = export_frame(
            pain[pain["visit"] == v], "assessments", EN_HEADERS["assessments"], "%Y-%m-%d"
        )
        one.index = pain.loc[pain["visit"] == v, "patient_id"].to_numpy()
        for head in EN_HEADERS["assessments"].values():
            wide[f"V{v} {head}"] = one[head].reindex(ids).fillna("").to_numpy()
    write_csv(wide.reset_index(), out / "A_pain_followup.csv")
    # Toxicity: wide by type ("Nausea Grade", "Nausea Date"); k-th event of a type on row k.
    tox = tabs["toxicities"].sort_values(["patient_id", "date"], kind="stable")
    tox = tox.assign(k=tox.groupby(["patient_id", "type"]).cumcount())
    rows = tox[["patient_id", "k"]].drop_duplicates().sort_values(["patient_id", "k"])
    wide = pd.DataFrame({"MRN": rows["patient_id"].to_numpy()})
    index = pd.MultiIndex.from_frame(rows)
    for ttype in A_CODES["toxicities.type"].values():
        sub = tox[tox["type"] == ttype].set_index(["patient_id", "k"])
        wide[f"{ttype} Grade"] = text_column(sub["rtog_grade"]).reindex(index).fillna("").to_numpy()
        wide[f"{ttype} Date"] = text_column(sub["date"]).reindex(index).fillna("").to_numpy()
    write_csv(wide, out / "A_toxicity.csv")


def _render_b(truth: dict, out: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    pain = {"patient_id": "MRN", **EN_HEADERS["assessments"]}
    sheets = (
        ("Patients", "patients", EN_HEADERS["patients"]),
        ("RT Courses", "treatments", EN_HEADERS["treatments"]),
        ("Pain", "assessments", pain),
        ("Imaging", "imaging", EN_HEADERS["imaging"]),
        ("Toxicity", "toxicities", EN_HEADERS["toxicities"]),
        ("Salvage", "further_treatments", EN_HEADERS["further_treatments"]),
    )
    for title, table, headers in sheets:
        df = sorted_table(truth, table)
        sheet = book.create_sheet(title)
        frame = export_frame(df, table, headers, "%d/%m/%Y", doses_cgy=True)
        frame = frame.rename(columns={"Total Dose (Gy)": "Total Dose (cGy)"})
        sheet.append(list(frame.columns))
        numeric = {
            headers[c] for c in df.columns if c in headers and pd.api.types.is_numeric_dtype(df[c])
        } | {"Total Dose (cGy)"}
        real_dates = {
            headers[c]
            for c in df.columns
            if c in headers and table == "imaging" and pd.api.types.is_datetime64_any_dtype(df[c])
        }
        cols = list(frame.columns)
        for i, row in enumerate(frame.itertuples(index=False)):
            cells = []
            for head, val in zip(cols, row, strict=True):
                if val == "":
                    cells.append(None)
                elif head in numeric:
                    cells.append(float(val) if not val.lstrip("-").isdigit() else int(val))
                elif head in real_dates:
                    orig = df[next(k for k, h in headers.items() if h == head)].iloc[i]
                    cells.append(orig.to_pydatetime().date())
                else:
                    cells.append(val)
            sheet.append(cells)
        for head, cell in zip(cols, sheet[1], strict=True):
            if head in real_dates:
                for c in sheet[cell.column_letter][1:]:
                    c.number_format = "dd/mm/yyyy"
    buf = io.BytesIO()
    book.save(buf)
    write_fixed_zip(buf.getvalue(), out / "B_spine_registry.xlsx")


def _render_c(truth: dict, out: Path) -> None:
    files = (
        ("patients", "C_patient.csv"),
        ("treatments", "C_rt.csv"),
        ("assessments", "C_pain.csv"),
        ("imaging", "C_imaging.csv"),
        ("toxicities", "C_toxicity.csv"),
        ("further_treatments", "C_addtx.csv"),
    )
    for table, fname in files:
        df = coded(sorted_table(truth, table), table, KO_CODES)
        write_csv(export_frame(df, table, KO_HEADERS[table], "%Y.%m.%d"), out / fname, "cp949")


def _render_d(truth: dict, out: Path) -> None:
    parts = []
    for table, (entity, inst_col) in EAV_ENTITIES.items():
        df = sorted_table(truth, table)
        if inst_col:
            seq = df[inst_col].astype("string")
        else:
            seq = (df.groupby("patient_id").cumcount() + 1).astype("string")
        cols = [c for c in df.columns if c not in ("patient_id", inst_col)]
        for pos, col in enumerate(cols):
            parts.append(
                pd.DataFrame(
                    {
                        "PT_NO": df["patient_id"].to_numpy(),
                        "ENTITY": entity,
                        "SEQ": seq.to_numpy(),
                        "ATTR": col.upper(),
                        "VALUE": text_column(df[col], "%Y%m%d").to_numpy(),
                        "_t": list(EAV_ENTITIES).index(table),
                        "_i": range(len(df)),
                        "_p": pos,
                    }
                )
            )
    long = pd.concat(parts, ignore_index=True)
    long = long[long["VALUE"] != ""].sort_values(["PT_NO", "_t", "_i", "_p"], kind="stable")
    write_csv(long.drop(columns=["_t", "_i", "_p"]), out / "D_cdw_extract.csv")


_RENDERERS = {
    "wide_csv": _render_a,
    "xlsx": _render_b,
    "cp949_csv": _render_c,
    "long_eav": _render_d,
    "department_xlsx": render_department,
    "spss": render_spss,
}


def render_site(truth: dict[str, pd.DataFrame], style: str, out_dir: str | Path) -> list[Path]:
    """Write the raw export of ``truth`` in ``style`` into ``out_dir``; return the files."""
    if style not in _RENDERERS:
        raise ValueError(f"unknown export style {style!r}; choose one of {STYLES}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    before = set(out.iterdir())
    _RENDERERS[style](truth, out)
    return sorted(set(out.iterdir()) - before) or sorted(out.iterdir())
