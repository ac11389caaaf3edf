"""Checks of a site spec's adapter features that the JSON schema cannot see.

Every ``table.column`` key names a CDM column of the right kind; every code-map target is
a value its column can hold (a vocabulary value, a number in range); every regular
expression compiles and names CDM columns of its source's table; every date-format list
reads each value one way; a joined source and a per-patient arm are mappable. Each problem
is ``(path in the spec, message)``, so that the caller names its file and line.
"""

from __future__ import annotations

import re

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLES, Column
from spinepair.ingest.dates import format_problem

STAT_FORMATS = ("sav", "sas7bdat", "dta")  # read by spinepair.ingest.statfiles


def _column(key: str) -> Column | None:
    table, _, name = key.partition(".")
    if name == "arm" and table == "patients":  # arm names: checked against the study's
        return Column("arm", "str")
    return next((c for c in TABLES.get(table, ()) if c.name == name), None)


def _target_problem(col: Column, target) -> str | None:
    """Why a code-map target cannot be a value of ``col`` (None when it can)."""
    if col.kind == "cat":
        if str(target) not in col.values:
            return f"{target!r} is not in the vocabulary of {col.name}: {', '.join(col.values)}"
    elif col.kind in ("int", "float"):
        try:
            number = float(target)
        except (TypeError, ValueError):
            return f"{target!r} is not a number ({col.name} is numeric)"
        if col.kind == "int" and not number.is_integer():
            return f"{target!r} is not a whole number ({col.name} is an integer)"
        if (col.lo is not None and number < col.lo) or (col.hi is not None and number > col.hi):
            return f"{target!r} is outside the range {col.lo}..{col.hi} of {col.name}"
    elif col.kind == "date":
        return f"{col.name} is a date: declare missing codes or date formats, not codes"
    return None


def _keyed(spec: dict) -> list[tuple[tuple, str]]:
    out = []
    kinds = {"dates": ("date",), "units": ("int", "float"), "missing_codes": None, "codes": None}
    for section, allowed in kinds.items():
        for key, value in spec.get(section, {}).items():
            col = _column(key)
            path = (section, key)
            if col is None:
                out.append((path, f"{key!r} is not a CDM column (write table.column)"))
                continue
            if allowed and col.kind not in allowed:
                out.append((path, f"{key} is a {col.kind} column, not one of {list(allowed)}"))
            if section == "codes":
                for raw, target in value.items():
                    problem = _target_problem(col, target)
                    if problem:
                        out.append(((*path, raw), problem))
            if section == "units" and "per fraction" in value and key != "treatments.total_dose_gy":
                out.append((path, "a dose per fraction is only known for treatments.total_dose_gy"))
            if section == "dates" and "formats" in value:
                clash = format_problem(value["formats"])
                if clash:
                    out.append(((*path, "formats"), clash))
    return out


def _regex(pattern: str, path: tuple, out: list) -> re.Pattern | None:
    try:
        return re.compile(pattern)
    except re.error as exc:
        out.append((path, f"not a valid regular expression: {exc}"))
        return None


def _source(i: int, src: dict, spec: dict) -> list[tuple[tuple, str]]:
    out: list[tuple[tuple, str]] = []
    at = ("sources", i)
    table = src.get("table")
    names = {c.name for c in TABLES.get(table, ())}
    for raw, pattern in src.get("extract", {}).items():
        rx = _regex(pattern, (*at, "extract", raw), out)
        if rx is None:
            continue
        if not rx.groupindex:
            out.append(((*at, "extract", raw), "the regex names no group (?P<column>...)"))
        for group in rx.groupindex:
            if group not in names:
                out.append(((*at, "extract", raw), f"group {group!r} is not a column of {table}"))
            elif group in src.get("columns", {}).values():
                out.append(((*at, "extract", raw), f"{group!r} is also mapped under columns"))
    for j, cond in enumerate(src.get("keep_rows", [])):
        if "matches" in cond:
            _regex(cond["matches"], (*at, "keep_rows", j, "matches"), out)
    if "footer" in src:
        _regex(src["footer"]["first_cell"], (*at, "footer", "first_cell"), out)
    if src.get("header_rows", 1) > src.get("header_row", 1):
        out.append(((*at, "header_rows"), "more header rows than rows up to header_row"))
    if "value_labels" in src and src["format"] not in STAT_FORMATS:
        out.append(((*at, "value_labels"), f"only {', '.join(STAT_FORMATS)} files have labels"))
    if "date_formats" in src:
        clash = format_problem(src["date_formats"])
        if clash:
            out.append(((*at, "date_formats"), clash))
    if "join" in src:
        on = src["join"]["date"]
        if on not in {c.name for c in TABLES.get(table, ()) if c.kind == "date"}:
            out.append(((*at, "join", "date"), f"{on!r} is not a date column of {table}"))
        mapped = set(src.get("columns", {}).values())
        if not {RAW_ID_FIELD, on} <= mapped:
            msg = f"a joined source maps a raw column onto {RAW_ID_FIELD} and onto {on}"
            out.append(((*at, "join"), msg))
        others = [s for s in spec["sources"] if s.get("table") == table and "join" not in s]
        if not others:
            out.append(((*at, "join"), f"no other source gives the {table} rows to join onto"))
    return out


def feature_errors(spec: dict) -> list[tuple[tuple, str]]:
    """Every problem of the adapter features (see module docstring)."""
    out = _keyed(spec)
    for i, src in enumerate(spec["sources"]):
        out += _source(i, src, spec)
    if spec.get("arm") == {"from": "column"}:
        mapped = {
            v
            for s in spec["sources"]
            if s.get("table") == "patients"
            for v in s["columns"].values()
        }
        if "arm" not in mapped:
            out.append((("arm",), "arm {from: column} needs a patients column mapped onto arm"))
    return out
