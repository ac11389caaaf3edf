"""Uniqueness of rows and referential integrity (every child row has its patient)."""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import CHILD_TABLES, RAW_ID_FIELD, UNIQUE
from spinepair.ingest.checks.collector import Checks


def check_keys(chk: Checks, raw: dict, parsed: dict) -> None:
    """One patients row per patient id; child rows unique by their key and not orphaned."""
    pats, praw = parsed["patients"], raw["patients"]
    pid = pats[RAW_ID_FIELD]
    chk.register("unique", "patients", RAW_ID_FIELD, "one patients row per patient")
    dup = pid.notna() & pid.duplicated(keep=False)
    first = praw["_row"].groupby(pid).transform("min")
    detail = "duplicate patient: same patient id as row " + first.astype("Int64").astype("string")
    chk.fail(praw, "patients", dup, RAW_ID_FIELD, "unique", detail)
    known = pd.Index(pid.dropna().unique())
    for table in CHILD_TABLES:
        df, r = parsed[table], raw[table]
        chk.register("orphan", table, RAW_ID_FIELD, "the patient exists in patients")
        orphan = df[RAW_ID_FIELD].notna() & ~df[RAW_ID_FIELD].isin(known)
        detail = "no patients row for this patient id"
        chk.fail(r, table, orphan, RAW_ID_FIELD, "orphan", detail)
        keys = [RAW_ID_FIELD if c == "patient_key" else c for c in UNIQUE[table]]
        chk.register("unique", table, keys[1], f"one row per {', '.join(keys)}")
        dup = df[keys].notna().all(axis=1) & df.duplicated(keys, keep=False)
        detail = f"duplicate row for {', '.join(keys)}"
        chk.fail(r, table, dup, keys[1], "unique", detail, df[keys[1]])
