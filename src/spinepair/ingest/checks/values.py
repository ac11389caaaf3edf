"""Single values: spreadsheet junk, presence, code maps and vocabularies, dates, numbers,
units and ranges. Each column of a table is parsed to its CDM type; a value that fails a
check becomes NA (and a failure naming its cell).

Dates before 1901 are rejected as placeholders, and dates after the day of ingest as
impossible (``date_future``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import ADAPTER_FIELDS, RAW_ID_FIELD, TABLES, Column
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.plausibility import check_sentinel
from spinepair.ingest.dates import parse_dates

# Dates before this are placeholders (Excel's day 0 is 1900-01-00), not clinical dates.
DATE_MIN = pd.Timestamp("1901-01-01")
# A spreadsheet error code or an unevaluated formula where a value should be.
SHEET_JUNK = r"=|#(?:N/A|DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|ERROR)"
# What a real spreadsheet date cell reads as (see readers.xlsx_grid).
EXCEL_DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]


def date_formats(spec: dict) -> list[str]:
    """The formats a site's dates are read in (real date cells too, when declared)."""
    formats = list(spec.get("date_formats", ["%Y-%m-%d"]))
    return formats + EXCEL_DATE_FORMATS if spec.get("excel_dates") else formats


def parse_table(
    chk: Checks, spec: dict, table: str, raw: pd.DataFrame, limits: dict
) -> pd.DataFrame:
    """Typed CDM values of one table (NA where a value failed a check).

    A raw value the spec declares a missing-value code of its column reads as missing;
    other codes standing out from their numeric column are failures (``sentinel``, limits
    from :mod:`.plausibility`).
    """
    out = pd.DataFrame(index=raw.index)
    codes, units = spec.get("codes", {}), spec.get("units", {})
    missing = spec.get("missing_codes", {})
    formats = date_formats(spec)
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    pid = raw[RAW_ID_FIELD]
    chk.register("required", table, RAW_ID_FIELD, "patient id present")
    chk.fail(raw, table, pid.isna(), RAW_ID_FIELD, "required", "missing patient id")
    out[RAW_ID_FIELD] = pid
    for col in TABLES[table]:
        if col.name in ("patient_key", *ADAPTER_FIELDS):
            continue
        s, name = raw[col.name], col.name
        chk.register("spreadsheet_value", table, name, "not a spreadsheet error or formula")
        text = s if isinstance(s.dtype, pd.StringDtype) else s.astype("string")
        junk = text.str.match(SHEET_JUNK, na=False).astype(bool)
        detail = "a spreadsheet error code or formula, not a value (export values only)"
        chk.fail(raw, table, junk, name, "spreadsheet_value", detail, s)
        declared = _is_code(s, missing.get(f"{table}.{name}", []), col.kind in ("int", "float"))
        s = s.mask(junk | declared)
        if col.kind == "cat":
            parsed = _category(chk, table, raw, col, s, codes.get(f"{table}.{name}"))
        elif col.kind == "date":
            parsed = _date(chk, table, raw, name, s, formats, today)
        elif col.kind in ("int", "float"):
            check_sentinel(chk, table, raw, name, s, limits)
            parsed = _number(chk, table, raw, col, s, units.get(f"{table}.{name}", "Gy"))
        else:
            parsed = s.astype("string")
        if not col.nullable:
            chk.register("required", table, name, f"{name} present")
            chk.fail(raw, table, raw[name].isna() | declared, name, "required", "missing value")
        out[name] = parsed
    return out


def _is_code(s: pd.Series, codes: list[str], numeric: bool) -> pd.Series:
    """Values equal to a declared missing-value code (numerically in a numeric column:
    a spreadsheet number cell 999 reads as '999.0')."""
    hit = s.isin(codes).fillna(False).astype(bool)
    if numeric and codes:
        nums = pd.to_numeric(pd.Series(codes), errors="coerce").dropna()
        hit |= pd.to_numeric(s, errors="coerce").isin(nums.tolist()).astype(bool)
    return hit


def _category(chk: Checks, table, raw, col: Column, s: pd.Series, codemap) -> pd.Series:
    name = col.name
    if codemap:
        orig = s
        s = s.map(codemap, na_action="ignore").astype("string").where(s.notna())
        chk.register("vocabulary", table, name, f"code in {sorted(codemap)}")
        detail = f"unknown code (known: {', '.join(sorted(codemap))})"
        chk.fail(raw, table, s.isna() & orig.notna(), name, "vocabulary", detail, orig)
    else:
        chk.register("vocabulary", table, name, f"one of {list(col.values)}")
        bad = s.notna() & ~s.isin(list(col.values))
        detail = f"unknown value (allowed: {', '.join(col.values)})"
        chk.fail(raw, table, bad, name, "vocabulary", detail, s)
        s = s.where(~bad)
    return s.astype("string")


def _date(chk: Checks, table, raw, name: str, s: pd.Series, formats, today) -> pd.Series:
    out = parse_dates(s.astype("string"), formats)
    shown = " or ".join(formats)
    chk.register("date", table, name, f"date in format {shown}")
    detail = f"not a date in format {shown}"
    chk.fail(raw, table, out.isna() & s.notna(), name, "date", detail, s)
    chk.register("date_range", table, name, f"{DATE_MIN:%Y-%m-%d} <= {name}")
    early = out.notna() & (out < DATE_MIN)
    why = f"before {DATE_MIN:%Y-%m-%d} (a placeholder such as Excel's day 0?)"
    chk.fail(raw, table, early, name, "date_range", why, s)
    chk.register("date_future", table, name, f"{name} not after the day of ingest")
    future = out.notna() & (out > today)
    why = "after the day of ingest (a typing error, or a planned date?)"
    chk.fail(raw, table, future, name, "date_future", why, s)
    return out.dt.normalize().where(~early & ~future)


def _number(chk: Checks, table, raw, col: Column, s: pd.Series, unit: str) -> pd.Series:
    name = col.name
    num = pd.to_numeric(s, errors="coerce").astype("Float64")
    chk.register("number", table, name, "a number")
    bad = num.isna() & s.notna()
    why = pd.Series("not a number", index=s.index)
    if bad.any():
        comma = s.str.contains(",", regex=False, na=False).astype(bool)
        why = why.mask(comma, "not a number (digit grouping or decimal comma? write 1200.5)")
    chk.fail(raw, table, bad, name, "number", why, s)
    if unit == "cGy":
        num = num / 100
    if col.kind == "int":
        chk.register("integer", table, name, "a whole number")
        frac = num.notna() & (num % 1 != 0)
        chk.fail(raw, table, frac, name, "integer", "not a whole number", s)
        num = num.where(~frac)
    if col.lo is not None or col.hi is not None:
        lo = -np.inf if col.lo is None else col.lo
        hi = np.inf if col.hi is None else col.hi
        unit_note = " (Gy)" if name.endswith("_gy") else ""
        chk.register("range", table, name, f"{lo} <= {name} <= {hi}{unit_note}")
        bad = num.notna() & ((num < lo) | (num > hi))
        why = pd.Series(f"outside the range {lo}..{hi}", index=s.index)
        if name.endswith("_gy") and unit == "Gy":  # 3000 "Gy": a dose in cGy?
            hint = " Gy (a dose in cGy where the spec declares Gy?)"
            why = why.mask((num > hi).fillna(False).astype(bool), why + hint)
        chk.fail(raw, table, bad, name, "range", why, s)
        num = num.where(~bad)
    return num.round().astype("Int64") if col.kind == "int" else num
