"""Where a sheet's table is, and which of its rows and cells a source reads.

``header_row`` (title rows above it are skipped) and ``header_rows`` (a header of several
rows, joined with spaces; a merged cell counts in every cell it covers); a ``footer`` (the
last rows, whose first cell must match the declared pattern); ``keep_rows`` (a row filter:
the rows left out are counted, never silently lost); ``missing_values`` (site-wide
markers of an empty cell); ``extract`` (named regex groups -> CDM columns).
"""

from __future__ import annotations

import re

import pandas as pd

from spinepair.ingest.readers import FileProblem


def _filled_header(full: pd.DataFrame, rows: list[int], merges) -> pd.DataFrame:
    """The header rows with each merged range's value in every cell it covers."""
    head = full.loc[rows].copy()
    for (r0, c0), (r1, c1) in merges:
        value = full.at[r0 + 1, c0] if (r0 + 1) in full.index else None
        for r in range(r0 + 1, r1 + 2):
            if r in head.index:
                for c in range(c0, min(c1 + 1, head.shape[1])):
                    head.at[r, c] = value
    return head


def _name(parts) -> str:
    words: list[str] = []
    for p in parts:
        p = "" if p is None or pd.isna(p) else str(p).strip()
        if p and (not words or words[-1] != p):
            words.append(p)
    return " ".join(words)


def locate(header: list[str], grid: pd.DataFrame, nfields: pd.Series, source: dict, merges=()):
    """Header, data grid and field counts of the table a source declares (see module doc)."""
    last, n = source.get("header_row", 1), source.get("header_rows", 1)
    footer = source.get("footer")
    if last == 1 and n == 1 and not footer:
        return header, grid, nfields
    top = pd.DataFrame([header], index=[grid.index.min() - 1 if len(grid) else 1], dtype=object)
    full = pd.concat([top.reindex(columns=grid.columns), grid]) if len(grid) else top
    if last > full.index.max() or last - n + 1 < full.index.min():
        raise FileProblem("header_row", last, f"the sheet has no header row {last}")
    head = _filled_header(full, list(range(last - n + 1, last + 1)), merges)
    names = [_name(head[c]) for c in head.columns]
    while names and not names[-1]:
        names.pop()
    data = full.loc[full.index > last]
    nfields = nfields.reindex(data.index).fillna(len(names)).astype("int64")
    if footer:
        data, nfields = _drop_footer(data, nfields, footer)
    return names, data.reindex(columns=range(len(names))), nfields


def _drop_footer(data: pd.DataFrame, nfields: pd.Series, footer: dict):
    filled = data.apply(lambda s: s.astype("string").str.strip().replace("", pd.NA))
    rows = filled.index[filled.notna().any(axis=1)][-footer["rows"] :]
    for row in rows:
        first = filled.loc[row].dropna()
        text = str(first.iloc[0]) if len(first) else ""
        if not re.fullmatch(footer["first_cell"], text):
            raise FileProblem(
                "footer",
                int(row),
                f"the footer row's first cell {text!r} does not match {footer['first_cell']!r} "
                "(the export has no footer, or another one: check the last rows)",
                value=text,
            )
    keep = data.index < (rows.min() if len(rows) else data.index.max() + 1)
    return data[keep], nfields[keep]


def keep_rows(frame: pd.DataFrame, conditions: list[dict]) -> pd.Series:
    """Rows meeting every condition (a missing filter column is a ``required_column`` problem)."""
    keep = pd.Series(True, index=frame.index)
    for cond in conditions:
        if cond["column"] not in frame:
            detail = f"column {cond['column']!r} of a keep_rows condition is missing"
            raise FileProblem("required_column", 1, detail, column=cond["column"])
        s = frame[cond["column"]]
        if "in" in cond:
            keep &= s.isin(cond["in"]).fillna(False).astype(bool)
        else:
            keep &= s.str.fullmatch(cond["matches"], na=False).astype(bool)
    return keep


def mask_missing(frame: pd.DataFrame, markers: list[str]) -> pd.DataFrame:
    """Cells equal to a site-wide missing-value marker read as empty."""
    return frame.mask(frame.isin(markers)) if markers else frame


def extract(frame: pd.DataFrame, raw: str, pattern: str):
    """The named groups of ``pattern`` in each value of column ``raw`` (one column per
    group) and the rows whose value does not match the whole pattern."""
    s = frame[raw]
    groups = s.str.extract(f"^(?:{pattern})$", expand=True)
    failed = s.notna() & groups.isna().all(axis=1)
    return groups.astype("string"), failed
