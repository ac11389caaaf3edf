"""Style F: a research coordinator's SPSS files, one ``.sav`` per table (see DESIGN.md).

Variables are named after the CDM columns in capitals (the patient id ``PT_ID``); coded
variables are numbers 1..n with value labels (the CDM values, sex as Male/Female); dates
are SPSS date variables; the arm of each patient is the labelled variable ``GROUP``.
Output is deterministic: the file header's creation time is fixed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat

from spinepair.contracts.cdm import TABLES, VOCABULARIES
from spinepair.synth.export_io import sorted_table
from spinepair.synth.export_layouts import F_FILES, F_LABELLED

LABEL_TEXT = {"sex": {"M": "Male", "F": "Female"}}
# The .sav header's creation date ("dd mmm yy") and time ("hh:mm:ss") at bytes 92..108.
_STAMP = slice(92, 109)
_FIXED_STAMP = b"01 Jan 2400:00:00"


def variable(column: str) -> str:
    """The SPSS variable name of a CDM column."""
    return {"patient_id": "PT_ID", "arm": "GROUP"}.get(column, column.upper())


def _values(table: str, column: str) -> tuple[str, ...]:
    if column == "arm":  # an arm name: the simulator's arms are named after the modalities
        return VOCABULARIES["modality"]
    return next(c.values for c in TABLES[table] if c.name == column)


def _frame(table: str, df: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict]:
    """The table as SPSS variables, their value labels and their display formats."""
    out, labels, formats = pd.DataFrame(index=df.index), {}, {}
    for col in df.columns:
        name, s = variable(col), df[col]
        if col in F_LABELLED[table]:
            values = _values(table, col)
            out[name] = s.map({v: float(i) for i, v in enumerate(values, start=1)}).astype(float)
            text = LABEL_TEXT.get(col, {})
            labels[name] = {i: text.get(v, v) for i, v in enumerate(values, start=1)}
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[name] = [None if pd.isna(v) else v.date() for v in s]
            formats[name] = "DATE11"
        elif pd.api.types.is_numeric_dtype(s):
            out[name] = s.astype("Float64").astype(float)
        else:
            out[name] = s.astype(object).where(s.notna(), "")
    return out.reset_index(drop=True), labels, formats


def render_spss(truth: dict, out: Path) -> None:
    """Write ``truth`` as one SPSS file per table in ``out``."""
    for table, fname in F_FILES.items():
        df = sorted_table(truth, table)
        if table == "patients":
            primary = truth["treatments"].query("intent == 'primary'")
            arm = primary.drop_duplicates("patient_id").set_index("patient_id")["modality"]
            df = df.assign(arm=df["patient_id"].map(arm))
        frame, labels, formats = _frame(table, df)
        path = out / fname
        pyreadstat.write_sav(
            frame, str(path), variable_value_labels=labels, variable_format=formats
        )
        data = bytearray(path.read_bytes())
        data[_STAMP] = _FIXED_STAMP
        path.write_bytes(bytes(data))
