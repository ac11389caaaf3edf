"""Which records a site's failures reject, kept whole (quarantine mode sets them aside).

A failing cell rejects its row; a record-level read problem (an attribute given twice or
missing from an EAV line) rejects the whole record; a failure involving the patient's own
row (a child date against the patient's dates) rejects the patient; a rejected patient
takes all its child rows with it (``parent_rejected``). In quarantine mode, exact
duplicate rows are collapsed to one copy (a warning), and a site whose quarantine removes
more than ``max_share`` of any table fails.
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import CHILD_TABLES, RAW_ID_FIELD, TABLE_NAMES
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.date_order import INVOLVES_PATIENT
from spinepair.ingest.failure import WARNING, Failure

# Read problems of one record (not of a whole file): quarantine mode can set them aside.
RECORD_CHECKS = {
    "field_count": "every row has as many fields as the header",
    "unique_attribute": "an EAV record gives each attribute once",
    "attribute_present": "every EAV line names its attribute",
    "extract": "every value of an extract column matches its pattern",
    "join_date": "every row of a joined source has a date",
}


def is_fatal(read_failures: pd.DataFrame, long_files: set[str]) -> pd.Series:
    """Read problems that stop the site even in quarantine mode.

    A malformed line of a long (EAV) file is fatal: its record cannot be told, so the
    record it belongs to cannot be rejected whole.
    """
    record = read_failures["check"].isin(list(RECORD_CHECKS))
    malformed_eav = (read_failures["check"] == "field_count") & read_failures["file"].isin(
        list(long_files)
    )
    return ~record | malformed_eav


def collapse_duplicates(raw: pd.DataFrame, table: str, site: str) -> tuple:
    """Drop exact copies of an earlier row of the same table; a warning for each copy."""
    values = [c for c in raw.columns if not c.startswith("_")]
    copy = raw.duplicated(values, keep="first")
    first = raw.groupby(values, dropna=False, sort=False)["_row"].transform("min")
    warnings = [
        Failure(
            site,
            f,
            int(r),
            None,
            None,
            table,
            "exact_duplicate",
            f"an exact copy of row {int(o)}: one copy kept",
            severity=WARNING,
        )
        for f, r, o in zip(raw.loc[copy, "_file"], raw.loc[copy, "_row"], first[copy], strict=True)
    ]
    return raw[~copy].reset_index(drop=True), warnings


def rejected_rows(chk: Checks, raw: dict, parsed: dict, read_failures: pd.DataFrame) -> dict:
    """table -> boolean Series of rejected raw rows; adds the cascade failures to ``chk``."""
    errors = chk.error_frame()
    rejected = {t: pd.Series(False, index=raw[t].index) for t in TABLE_NAMES}
    for t, idx in errors.groupby("table")["idx"] if len(errors) else []:
        rejected[t].loc[idx.astype("int64").unique()] = True
    records = read_failures[read_failures["check"].isin(list(RECORD_CHECKS))]
    hit = pd.MultiIndex.from_frame(records[["file", "rec"]].astype({"rec": "int64"}))
    for t in TABLE_NAMES:
        own = pd.MultiIndex.from_arrays([raw[t]["_file"], raw[t]["_rec"]])
        rejected[t] |= pd.Series(own.isin(hit), index=raw[t].index)
    involved = errors[errors["check"].isin(list(INVOLVES_PATIENT))]
    involved_ids = pd.Index(
        pd.concat(
            [
                parsed[t].loc[g.astype("int64").unique(), RAW_ID_FIELD]
                for t, g in involved.groupby("table")["idx"]
            ]
            or [pd.Series(dtype="string")]
        ).dropna()
    )
    pats = parsed["patients"][RAW_ID_FIELD]
    with_child = pats.isin(involved_ids) & ~rejected["patients"]
    chk.register(
        "child_rejected",
        "patients",
        RAW_ID_FIELD,
        "a patient whose dates conflict with a rejected row is rejected too (quarantine mode)",
    )
    detail = "the patient's own dates conflict with a rejected row (see that failure)"
    chk.fail(raw["patients"], "patients", with_child, RAW_ID_FIELD, "child_rejected", detail)
    rejected["patients"] |= with_child
    bad_ids = pd.Index(parsed["patients"].loc[rejected["patients"], RAW_ID_FIELD].dropna())
    for t in CHILD_TABLES:
        cascade = parsed[t][RAW_ID_FIELD].isin(bad_ids) & ~rejected[t]
        detail = "the patient's own row was rejected"
        chk.fail(raw[t], t, cascade, RAW_ID_FIELD, "parent_rejected", detail)
        rejected[t] |= cascade
    chk.register(
        "parent_rejected",
        None,
        RAW_ID_FIELD,
        "rows of a rejected patient are rejected too (quarantine mode)",
    )
    return rejected


CASCADE = ("parent_rejected", "child_rejected")


def share_failures(site: str, counts: dict, max_share: float) -> list[Failure]:
    """A failure per table of which quarantine removed more than ``max_share``; ``counts``:
    table -> (records read, records rejected, files of the rejected records)."""
    out = []
    for t in TABLE_NAMES:
        n, k, files = counts[t]
        if n and k / n > max_share:
            detail = (
                f"quarantine would remove {k} of {n} {t} records ({k / n:.0%}), more than "
                f"ingest.max_quarantine_share ({max_share:.0%}): fix the export"
            )
            out.append(Failure(site, files[0], None, None, None, t, "quarantine_share", detail))
    return out
