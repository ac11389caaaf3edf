"""What the demo and the registry simulators share: weight tables, dose regimens, spine
anatomy, time units, analgesic doses and the typed tables of a site's truth.

The per-patient functions take scalars or arrays (one element per patient), so the
registry computes all of a site's patients at once and the demo one patient at a time
through the same code; random draws are consumed in element order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import TABLES, VOCABULARIES
from spinepair.contracts.stages import column_dtypes
from spinepair.synth import simparams as P

SPINE_LEVELS = VOCABULARIES["spine_level"]
LEVELS_BY_REGION = {
    "cervical": [f"C{i}" for i in range(2, 8)],
    "thoracic": [f"T{i}" for i in range(1, 13)],
    "lumbar": [f"L{i}" for i in range(1, 6)],
    "sacral": ["S1", "S2"],
}
MOBILE_LEVELS = 24  # C1..L5: where another progressing level is drawn
# Oral morphine equivalent (mg/day) recorded with each analgesic.
OME_MG = {"none": 0.0, "otc": 0.0, "steroid": 0.0, "narcotic": 60.0}


def shares(weights: dict) -> tuple[list, np.ndarray]:
    """Keys and probabilities of a table of relative weights."""
    w = np.array(list(weights.values()), dtype=float)
    return list(weights), w / w.sum()


def regimens(arm: str) -> tuple[list[tuple[float, int]], np.ndarray]:
    """The (total Gy, fractions) regimens of an arm and their probabilities."""
    return shares(P.SRS_REGIMENS if arm == "SRS" else P.RT_REGIMENS)


def months_to_days(months):
    """Months (of ``simparams.MONTH_DAYS`` days) -> whole days, half to even."""
    return np.rint(np.multiply(months, P.MONTH_DAYS)).astype(np.int64)


def course_days(fractions):
    """Days from the first to the last fraction, five fractions a week."""
    fx = np.asarray(fractions)
    return np.where(fx == 1, 0, fx - 1 + 2 * ((fx - 1) // 5))


def years_to_days(years):
    """Years (of 365.25 days) -> whole days, half to even."""
    return np.rint(np.multiply(years, 365.25)).astype(np.int64)


def jan1_days(years):
    """Day number (days since 1970-01-01) of 1 January of each year."""
    return (
        (np.asarray(years) - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    )


def timeline(start, spine_lead, fractions, interval_months, age_years, os_months) -> dict:
    """Day numbers of a patient's dates from the treatment start (a day number), the days from
    spine metastasis diagnosis to the start, and the patient's relative times; the last
    follow-up (``last`` = ``start`` + ``followup_days``) comes after the last fraction."""
    span = course_days(fractions)
    spine = start - spine_lead
    followup = np.maximum(months_to_days(os_months), span + 1)
    return {
        "start": start,
        "end": start + span,
        "spine": spine,
        "primary": spine - months_to_days(interval_months),
        "birth": start - years_to_days(age_years),
        "last": start + followup,
        "followup_days": followup,
    }


def level_span(levels) -> np.ndarray:
    """Conventional RT field: the index level with one level either side ("T5" -> "T4-T6")."""
    i = pd.Index(SPINE_LEVELS).get_indexer(np.atleast_1d(levels))
    lv = np.array(SPINE_LEVELS, dtype=object)
    return lv[np.maximum(i - 1, 0)] + "-" + lv[np.minimum(i + 1, len(lv) - 1)]


def other_level(rng: np.random.Generator, levels) -> np.ndarray:
    """Per index level, a uniformly drawn mobile level at least two levels away from it."""
    i = pd.Index(SPINE_LEVELS).get_indexer(np.atleast_1d(levels))
    lo, hi = np.maximum(i - 1, 0), np.minimum(i + 1, MOBILE_LEVELS - 1)
    near = np.maximum(hi - lo + 1, 0)  # mobile levels within one of the index level
    k = rng.integers(0, MOBILE_LEVELS - near)  # the k-th allowed level, in spine order
    return np.array(SPINE_LEVELS, dtype=object)[np.where(k < lo, k, k + near)]


def truth_frames(tables: dict, identities: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per table, rows (a list of dicts) or columns (a dict of arrays) -> a DataFrame in the
    common-data-model dtypes keyed by ``patient_id``, sorted by patient and date; the fake
    identifiers are appended to ``patients`` (row for row)."""
    out = {}
    for table, cols in TABLES.items():
        keep = tuple(c for c in cols if c.name not in ("patient_key", "site", "arm"))
        df = pd.DataFrame(tables[table], columns=["patient_id"] + [c.name for c in keep])
        df = df.astype({"patient_id": "string", **column_dtypes(keep)})
        if table == "patients":
            df = pd.concat([df, identities.reset_index(drop=True)], axis=1)
        sort = ["patient_id"] + [c for c in ("date", "course") if c in df.columns]
        out[table] = df.sort_values(sort, kind="stable").reset_index(drop=True)
    return out
