"""Export text and files shared by the renderers of every export style: column text,
code values, header renames, stable row order, deterministic CSV and zip (XLSX) bytes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

FIXED_TIME = "2024-01-01T00:00:00Z"


def text_column(s: pd.Series, date_fmt: str = "%Y-%m-%d", scale: float = 1.0) -> pd.Series:
    """Column as export text: dates formatted, numbers shortest-repr, missing -> ''."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime(date_fmt).fillna("")
    if pd.api.types.is_float_dtype(s):
        vals = s.astype("float64") * scale
        return vals.map(lambda v: "" if pd.isna(v) else number_text(v))
    return s.astype("string").fillna("")


def number_text(v: float) -> str:
    v = round(float(v), 6)
    return str(int(v)) if v.is_integer() else repr(v)


def coded(df: pd.DataFrame, table: str, codes: dict) -> pd.DataFrame:
    df = df.copy()
    for col in df.columns:
        cmap = codes.get(f"{table}.{col}", codes.get(col))
        if cmap and not (col in ("type", "modality") and f"{table}.{col}" not in codes):
            df[col] = df[col].map(cmap, na_action="ignore").astype("string")
    return df


def export_frame(
    df: pd.DataFrame, table: str, headers: dict, date_fmt: str, doses_cgy: bool = False
) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for col, head in headers.items():
        scale = 100.0 if doses_cgy and col == "total_dose_gy" else 1.0
        out[head] = text_column(df[col], date_fmt, scale)
    return out.reset_index(drop=True)


def sorted_table(truth: dict, table: str) -> pd.DataFrame:
    df = truth[table]
    keys = ["patient_id"] + [
        c for c in ("course", "date", "type", "finding", "level") if c in df.columns
    ]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def write_csv(df: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    path.write_bytes(df.to_csv(index=False, lineterminator="\r\n").encode(encoding))


def write_fixed_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed entry timestamps and fixed document dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED_TIME.encode(),
                    content,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    path.write_bytes(buf.getvalue())
