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
    cells = _cells(spec, raw, parsed, errors)
    tally = cells.groupby(["file", "column", "target", "status"], sort=False).size()
    out: dict[str, list[dict]] = {}
    for (file, column, target), n in tally.groupby(level=[0, 1, 2], sort=False):
        by = n.droplevel([0, 1, 2])
        entry = {"column": column, "target": target, "read": int(by.sum())}
        entry |= {s: int(by.get(s, 0)) for s in STATUSES}
        if by.get("unread"):
            entry["unread"] = int(by["unread"])
        out.setdefault(file, []).append(entry)
    for file, columns in ex.columns.items():
        counted = {e["column"] for e in out.get(file, [])}
        rows = len(ex.rowmaps.get(file, ()))
        for column, target in columns.items():
            if column not in counted:
                entry = {"column": column, "target": target, "read": rows}
                if not rows and target in CDM_TARGETS:  # a file of no rows
                    entry |= dict.fromkeys(STATUSES, 0)
                out.setdefault(file, []).append(entry)
    return out
