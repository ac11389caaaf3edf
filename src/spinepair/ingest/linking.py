"""Linking a site's records: patient ids normalised alike in every table, and a second
source joined onto a table's rows (same patient, nearest date within a window).

An id stored as a number on one sheet (``420088``, read ``420088.0``) and as zero-padded
text on another (``00420088``) is one id once the spec declares ``patient_id: {zero_pad: 8}``;
an id that is not digits, or longer than the width, fails (``id_format``). A joined row
fills the target rows of its patient to which it is the nearest, within ``within_days``;
two equally near joined rows fail the target row (``join_ambiguous``), a joined row that
fills no target row is a warning.
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, TABLES
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.values import read_dates
from spinepair.ingest.failure import WARNING, Failure

ID_DIGITS = r"[0-9]+(?:\.0+)?"


def normalise_ids(chk: Checks, raw: dict, width: int) -> None:
    """Zero-pad every table's patient ids in place; ``id_format`` failures for the rest."""
    for table, frame in raw.items():
        padded, bad = padded_ids(frame[RAW_ID_FIELD], width)
        chk.register("id_format", table, RAW_ID_FIELD, f"patient id of at most {width} digits")
        detail = f"not a patient id of at most {width} digits (patient_id: zero_pad: {width})"
        chk.fail(frame, table, bad, RAW_ID_FIELD, "id_format", detail)
        frame[RAW_ID_FIELD] = padded


def padded_ids(ids: pd.Series, width: int) -> tuple[pd.Series, pd.Series]:
    """Ids zero-padded to ``width`` (others as they are) and which of them are no id."""
    pid = ids.astype("string")
    digits = pid.str.fullmatch(ID_DIGITS, na=False).astype(bool)
    padded = pid.str.replace(r"\.0+$", "", regex=True).str.zfill(width)
    bad = pid.notna() & (~digits | (padded.str.len() > width))
    return padded.where(digits & ~bad, pid), bad


def _sources(frame: pd.DataFrame) -> pd.Series:
    return frame["_src"].fillna(-1) if "_src" in frame else pd.Series(-1, index=frame.index)


def join_source(chk: Checks, ex, spec: dict, raw: dict, table: str, extra: pd.DataFrame):
    """Add the columns of a joined source's rows (``extra``) to ``raw[table]`` in place."""
    source = spec["sources"][int(extra["_src"].iloc[0])]
    on, within = source["join"]["date"], source["join"]["within_days"]
    target = raw[table]
    cols = [c for c in extra.columns if not c.startswith("_") and c not in (RAW_ID_FIELD, on)]
    mine, _ = read_dates(spec, table, on, target[on], _sources(target))
    theirs, what = read_dates(spec, table, on, extra[on], _sources(extra))
    for i in extra.index[theirs.isna()]:
        detail = f"no date in format {what[i]} to join this row on"
        ex.add(
            Failure(
                chk.site,
                extra.at[i, "_file"],
                int(extra.at[i, "_row"]),
                extra.at[i, f"_col.{on}"],
                on,
                table,
                "join_date",
                detail,
                value=extra.at[i, on],
            )
        )
    left = pd.DataFrame({"pid": target[RAW_ID_FIELD], "day": mine, "t": target.index})
    right = pd.DataFrame({"pid": extra[RAW_ID_FIELD], "day": theirs, "x": extra.index})
    pairs = left.dropna().merge(right.dropna(), on="pid", suffixes=("", "_x"))
    pairs["gap"] = (pairs["day"] - pairs["day_x"]).abs().dt.days
    pairs = pairs[pairs["gap"] <= within]
    pairs = pairs[pairs.groupby("t")["gap"].transform("min") == pairs["gap"]]
    tied = pairs["t"].duplicated(keep=False)
    chk.register("join_ambiguous", table, on, f"one nearest joined row per {table} row")
    detail = f"two rows of the joined source are equally near this {on}"
    ambiguous = target.index.isin(pairs.loc[tied, "t"])
    chk.fail(
        target,
        table,
        ambiguous,
        on,
        "join_ambiguous",
        detail,
        target[on],
    )
    pairs = pairs[~tied]
    used = extra.loc[pairs["x"]]
    for c in cols:
        target[c] = target[c].astype("string")
        target.loc[pairs["t"].to_numpy(), c] = used[c].to_numpy()
        target[f"_col.{c}"] = extra[f"_col.{c}"].iloc[0]
        target.loc[pairs["t"].to_numpy(), f"_row.{c}"] = used["_row"].to_numpy()
        target[f"_row.{c}"] = target[f"_row.{c}"].fillna(target["_row"]).astype("int64")
        target.loc[pairs["t"].to_numpy(), f"_file.{c}"] = used["_file"].to_numpy()
    unused = extra.index.difference(pairs["x"])
    for i in unused[theirs[unused].notna()]:
        detail = f"joined to no {table} row of the patient within {within} days"
        ex.add(
            Failure(
                chk.site,
                extra.at[i, "_file"],
                int(extra.at[i, "_row"]),
                None,
                None,
                table,
                "join_unused",
                detail,
                severity=WARNING,
            )
        )
    required = [c for c in TABLES[table] if c.name in cols and not c.nullable]
    if required:
        chk.register("join_match", table, required[0].name, "a joined row for every row")
        missing = ~target.index.isin(pairs["t"]) & ~ambiguous & target[on].notna()
        detail = f"no row of the joined source within {within} days of this {on}"
        chk.fail(target, table, missing, required[0].name, "join_match", detail, target[on])
