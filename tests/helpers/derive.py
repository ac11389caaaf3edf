"""Hand-built one-patient sites for the derive and endpoint tests."""

from __future__ import annotations

import functools

import pandas as pd

from spinepair.contracts.cdm import TABLES
from spinepair.contracts.stages import cdm_schema, column_dtypes

T0 = pd.Timestamp("2010-03-01")
_schema = functools.cache(cdm_schema)  # first treatment day of the default patient


def day(n: int) -> pd.Timestamp:
    """The date ``n`` days after T0."""
    return T0 + pd.Timedelta(days=n)


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    """A common-data-model table from row dicts, cast and validated like ingest output."""
    cols = TABLES[table]
    df = pd.DataFrame(rows, columns=[c.name for c in cols])
    df = df.astype(column_dtypes(cols))
    return _schema(table).validate(df)


def site(patient: dict | None = None, *, key: str = "p1", **children: list[dict]) -> dict:
    """A one-patient site: ``patient`` overrides the default patient row; ``children`` maps
    table names to row dicts (patient_key filled in). Default treatment: 1 x 24 Gy SRS on T0.
    """
    p = {
        "patient_key": key,
        "site": "A",
        "arm": "SRS",
        "sex": "M",
        "birth_date": pd.Timestamp("1950-03-01"),
        "primary_tumor": "HCC",
        "primary_diagnosis_date": pd.Timestamp("2008-03-01"),
        "spine_met_diagnosis_date": pd.Timestamp("2010-01-01"),
        "child_pugh": "A",
        "n_spine_mets": 1,
        "ecog": 1,
        "ambulation": 2,
        "index_level": "L4",
        "tumor_volume_cc": 30.0,
        "prior_index_treatment": "none",
        "death_date": pd.NaT,
        "last_followup_date": day(365),
    }
    p.update(patient or {})
    children.setdefault(
        "treatments",
        [
            {
                "course": 1,
                "modality": "SRS",
                "machine": "Novalis",
                "start_date": T0,
                "end_date": T0,
                "total_dose_gy": 24.0,
                "fractions": 1,
                "isodose_pct": 80.0,
                "coverage_pct": 95.0,
                "levels": "L4",
                "intent": "primary",
            }
        ],
    )
    tables = {"patients": frame("patients", [p])}
    for name in TABLES:
        if name != "patients":
            rows = [{"patient_key": key, **r} for r in children.get(name, [])]
            tables[name] = frame(name, rows)
    return tables


def merge_sites(*sites: dict) -> dict:
    """Concatenate one-patient sites into one site."""
    return {t: pd.concat([s[t] for s in sites], ignore_index=True) for t in TABLES}


# A 10-fraction RT course over days 0..13 at L4, the primary treatment.
RT_COURSE = {
    "course": 1,
    "modality": "RT",
    "machine": "linac",
    "start_date": day(0),
    "end_date": day(13),
    "total_dose_gy": 30.0,
    "fractions": 10,
    "isodose_pct": None,
    "coverage_pct": None,
    "levels": "L4",
    "intent": "primary",
}
