"""Per file and raw column: values read, mapped, missing, rejected (validation.json, check-site).

A cell is one raw value of a record read (a row of a wide file, a record of an EAV file);
a cell counted in several records (the id of a wide row melted into visits) counts once.
``rejected``: a failure names the cell; ``missing``: empty, a site-wide missing-value marker
or a declared missing code; ``mapped``: read as a CDM value. For a mapped column
``read = mapped + missing + rejected``; a non-empty cell that became no value without a
failure would break the sum, so the sum is also a check that nothing is dropped silently.
Raw columns read as no CDM column (row filters, EAV parts, ignored columns) are listed
with the cells of the rows read and what they are (``unmapped`` for an ignored one).
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import TABLES
from spinepair.ingest.checks.collector import cell_origin
from spinepair.ingest.checks.values import declared_missing

STATUSES = ("mapped", "missing", "rejected")
CDM_TARGETS = {f"{t}.{c.name}" for t, cols in TABLES.items() for c in cols}
PRIORITY = {"rejected": 0, "unread": 1, "mapped": 2, "missing": 3}  # a cell counted twice


def cell_tally(spec: dict, raw: dict, parsed: dict, errors: pd.DataFrame) -> pd.DataFrame:
    """Cells read into CDM columns counted by file, raw column, target and status."""
    cells = _cells(spec, raw, parsed, errors)
    tally = cells.groupby(["file", "column", "target", "status"], sort=False).size()
    return tally.rename("n").reset_index()


def _cells(spec: dict, raw: dict, parsed: dict, errors: pd.DataFrame) -> pd.DataFrame:
    """One row per cell read into a CDM column: file, row, raw column, target, status."""
    failed = set(zip(errors["file"], errors["row"], errors["column"], strict=True))
    frames = []
    for table, frame in raw.items():
        if not len(frame) or table not in TABLES:
            continue
        for col in [c[len("_col.") :] for c in frame.columns if c.startswith("_col.")]:
            file, row, name = cell_origin(frame, col)
            read = name.notna()
            file, row, name, value = file[read], row[read], name[read], frame.loc[read, col]
            kind = next((c.kind for c in TABLES[table] if c.name == col), "str")
            codes = spec.get("missing_codes", {}).get(f"{table}.{col}", [])
            missing = value.isna() | declared_missing(value, codes, kind in ("int", "float"))
            mapped = parsed[table].loc[read, col] if col in parsed[table] else value
            keys = zip(file, row.astype("int64"), name, strict=True)
            rejected = pd.Series([k in failed for k in keys], index=value.index, dtype=bool)
            status = pd.Series("mapped", index=value.index).mask(missing, "missing")
            status = status.mask(~missing & mapped.isna(), "unread").mask(rejected, "rejected")
            frames.append(
                pd.DataFrame({"file": file, "row": row, "column": name, "status": status}).assign(
                    target=f"{table}.{col}"
                )
            )
    if not frames:
        return pd.DataFrame(columns=["file", "row", "column", "target", "status"])
    cells = pd.concat(frames, ignore_index=True)
    cells = cells.sort_values("status", key=lambda s: s.map(PRIORITY), kind="stable")
    return cells.drop_duplicates(["file", "row", "column", "target"])


def column_counts(spec: dict, ex, raw: dict, parsed: dict, errors: pd.DataFrame) -> dict:
    """File -> one entry per raw column: its target and the counts (see module docstring).

    ``errors``: the failures that reject a cell (file, row and raw column); a cell that is
    neither missing nor rejected and still became no value counts as ``unread`` (never
    expected: a misreading).
    """
    rows = {file: ex.rows_read(file) for file in ex.columns}
    return column_entries(ex.columns, ex.headers, cell_tally(spec, raw, parsed, errors), rows)


def column_entries(columns: dict, headers: dict, tally: pd.DataFrame, rows: dict) -> dict:
    """The entries of :func:`column_counts` from cell tallies (summed over a site's parts)
    and the rows read per file; per file in header order (EAV attributes after it)."""
    tally = tally.groupby(["file", "column", "target", "status"], sort=False)["n"].sum()
    out: dict[str, list[dict]] = {}
    for (file, column, target), n in tally.groupby(level=[0, 1, 2], sort=False):
        by = n.droplevel([0, 1, 2])
        entry = {"column": column, "target": target, "read": int(by.sum())}
        entry |= {s: int(by.get(s, 0)) for s in STATUSES}
        if by.get("unread"):
            entry["unread"] = int(by["unread"])
        out.setdefault(file, []).append(entry)
    for file, targets in columns.items():
        counted = {e["column"] for e in out.get(file, [])}
        for column, target in targets.items():
            if column not in counted:
                entry = {"column": column, "target": target, "read": rows.get(file, 0)}
                if not rows.get(file, 0) and target in CDM_TARGETS:  # a file of no rows
                    entry |= dict.fromkeys(STATUSES, 0)
                out.setdefault(file, []).append(entry)
    for file, entries in out.items():
        place = {c: i for i, c in enumerate(headers.get(file, []))}
        entries.sort(key=lambda e, p=place: _position(e, p))
    return out


def _position(entry: dict, place: dict) -> tuple:
    """Header columns in header order, then (EAV attributes) by name; then by target."""
    column = entry["column"]
    if column in place:
        return (place[column], "", entry["target"])
    return (len(place), str(column), entry["target"])
