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


# Excel's (1900 system) serial day 0; a General cell holding 41132 is 2012-08-12.
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EXCEL_SERIAL = r"[0-9]{1,6}(?:\.0+)?"
WHOLE_NUMBER_CELL = r"-?[0-9]+\.0+"  # how a whole-number spreadsheet cell reads: 1.0


def date_formats(spec: dict, table: str = "", column: str = "", source: int | None = None):
    """The formats a date column is read in: the column's own, else its source's, else the
    site's (real date cells too, when declared)."""
    own = spec.get("dates", {}).get(f"{table}.{column}", {}).get("formats")
    src = spec["sources"][source] if source is not None and "sources" in spec else {}
    formats = list(own or src.get("date_formats") or spec.get("date_formats", ["%Y-%m-%d"]))
    return formats + EXCEL_DATE_FORMATS if spec.get("excel_dates") else formats


def code_lookup(s: pd.Series, codemap: dict) -> pd.Series:
    """The code map's value of each raw value (NA when none); a whole-number cell such as
    ``1.0`` matches the code ``1``."""
    keys = {str(k): str(v) for k, v in codemap.items()}
    out = s.map(keys, na_action="ignore").astype("string")
    whole = s.str.fullmatch(WHOLE_NUMBER_CELL, na=False).astype(bool) & out.isna()
    if whole.any():
        out[whole] = s[whole].str.replace(r"\.0+$", "", regex=True).map(keys).astype("string")
    return out


def parse_table(
    chk: Checks, spec: dict, table: str, raw: pd.DataFrame, limits: dict, site=None
) -> pd.DataFrame:
    """Typed CDM values of one table (NA where a value failed a check).

    A raw value the spec declares a missing-value code of its column reads as missing;
    other codes standing out from their numeric column are failures (``sentinel``, limits
    from :mod:`.plausibility`; over the whole site through ``site``, a
    :class:`~.sitewide.Sitewide`, when the site is read in parts).
    """
    out = pd.DataFrame(index=raw.index)
    codes, units = spec.get("codes", {}), spec.get("units", {})
    missing = spec.get("missing_codes", {})
    today = pd.Timestamp.now(tz="UTC").tz_localize(None).normalize()
    pid = raw[RAW_ID_FIELD]
    if table == "patients":
        chk.identify(raw)
    chk.register("required", table, RAW_ID_FIELD, "patient id present")
    chk.fail(raw, table, pid.isna(), RAW_ID_FIELD, "required", "missing patient id")
    out[RAW_ID_FIELD] = pid
    columns = [c for c in TABLES[table] if c.name not in ("patient_key", *ADAPTER_FIELDS)]
    if table == "patients" and spec.get("arm") == {"from": "column"}:
        columns.insert(0, Column("arm", "str"))  # an arm name: see identity.check_arm
    for col in sorted(columns, key=lambda c: c.name != "fractions"):  # doses per fraction
        s, name = raw[col.name], col.name
        chk.register("spreadsheet_value", table, name, "not a spreadsheet error or formula")
        text = s if isinstance(s.dtype, pd.StringDtype) else s.astype("string")
        junk = text.str.match(SHEET_JUNK, na=False).astype(bool)
        detail = "a spreadsheet error code or formula, not a value (export values only)"
        chk.fail(raw, table, junk, name, "spreadsheet_value", detail, s)
        declared = declared_missing(
            s, missing.get(f"{table}.{name}", []), col.kind in ("int", "float")
        )
        s = s.mask(junk | declared)
        codemap = codes.get(f"{table}.{name}")
        if codemap and col.kind != "cat":  # listed codes translated, other values as they are
            s = code_lookup(s, codemap).fillna(s)
        if col.kind == "cat":
            parsed = _category(chk, table, raw, col, s, codemap)
        elif col.kind == "date":
            parsed = _date(chk, spec, table, raw, name, s, today)
        elif col.kind in ("int", "float"):
            check_sentinel(chk, table, raw, name, s, limits, site)
            unit = units.get(f"{table}.{name}", "Gy")
            per = out["fractions"] if unit.endswith("per fraction") else None
            parsed = _number(chk, table, raw, col, s, unit, per)
        else:
            parsed = s.astype("string")
        if not col.nullable:
            chk.register("required", table, name, f"{name} present")
            chk.fail(raw, table, raw[name].isna() | declared, name, "required", "missing value")
        out[name] = parsed
    return out[[RAW_ID_FIELD, *[c.name for c in columns]]]


def declared_missing(s: pd.Series, codes: list[str], numeric: bool) -> pd.Series:
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
        s = code_lookup(s, codemap).where(s.notna())
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


def read_dates(spec: dict, table: str, name: str, s: pd.Series, sources: pd.Series):
    """Dates of a raw column, each row in its source's formats (see :func:`date_formats`),
    Excel serial day numbers where the spec declares them; and what each row accepted."""
    text = s.astype("string")
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    serial = spec.get("dates", {}).get(f"{table}.{name}", {}).get("excel_serial", False)
    if serial:
        hit = text.str.fullmatch(EXCEL_SERIAL, na=False).astype(bool)
        days = pd.to_numeric(text[hit]).astype("int64")
        out[hit] = EXCEL_EPOCH + pd.to_timedelta(days, unit="D")
    shown = {}
    for src, idx in sources.groupby(sources).groups.items():
        formats = date_formats(spec, table, name, None if src < 0 else int(src))
        own = formats[: -len(EXCEL_DATE_FORMATS)] if spec.get("excel_dates") else formats
        shown[src] = " or ".join(dict.fromkeys(own)) or "(none declared)"
        if spec.get("excel_dates"):
            shown[src] += " (or a date cell)"
        rest = out.loc[idx].isna()
        out.loc[rest[rest].index] = parse_dates(text.loc[rest[rest].index], formats)
    what = pd.Series(sources.map(shown), index=s.index, dtype="string")
    if serial:
        what = what + " or an Excel serial day number"
    return out, what


def _date(chk: Checks, spec: dict, table, raw, name: str, s: pd.Series, today) -> pd.Series:
    sources = raw["_src"].fillna(-1) if "_src" in raw else pd.Series(-1, index=raw.index)
    out, what = read_dates(spec, table, name, s, sources)
    chk.register("date", table, name, "date in the declared formats")
    detail = "not a date in format " + what
    serial = spec.get("dates", {}).get(f"{table}.{name}", {}).get("excel_serial", False)
    if not serial:  # a General cell holding a day number: declare excel_serial
        number = s.astype("string").str.fullmatch(EXCEL_SERIAL, na=False).astype(bool)
        hint = f" (an Excel serial day number? declare dates: {table}.{name}: excel_serial: true)"
        detail = detail.mask(number, detail + hint)
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


def _number(chk: Checks, table, raw, col: Column, s: pd.Series, unit: str, per=None):
    """A number in the CDM unit: cGy / 100, a dose per fraction times ``per`` (fractions)."""
    name = col.name
    num = pd.to_numeric(s, errors="coerce").astype("Float64")
    chk.register("number", table, name, "a number")
    bad = num.isna() & s.notna()
    why = pd.Series("not a number", index=s.index)
    if bad.any():
        comma = s.str.contains(",", regex=False, na=False).astype(bool)
        why = why.mask(comma, "not a number (digit grouping or decimal comma? write 1200.5)")
    chk.fail(raw, table, bad, name, "number", why, s)
    if per is not None:
        num = num * per.astype("Float64")
    if unit.startswith("cGy"):
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
