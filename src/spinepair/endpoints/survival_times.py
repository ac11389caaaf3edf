"""Time-to-event endpoints, follow-up and further treatment at the index level.

All times run from the time origin (``anchors["origin"]``) in months of ``month_days``
days. An event on the origin day gives time 0 and is kept.
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import FURTHER_TREATMENT_TYPES


def _months(later: pd.Series, earlier: pd.Series, month_days: float) -> pd.Series:
    return ((later - earlier).dt.days / month_days).astype("Float64")


def _first_date(rows: pd.DataFrame) -> pd.Series:
    return rows.groupby("patient_key")["date"].min()


def time_to_events(imaging: pd.DataFrame, anchors: pd.DataFrame, month_days: float) -> pd.DataFrame:
    """OS, local control, PFS, other-level progression, follow-up (one row per patient).

    ``anchors`` has patient_key, origin, treatment_end, index_level, death_date,
    last_followup_date.
    - OS: death; else censored at last_followup_date.
    - Local control: first "local_progression" at the index level on imaging dated on/after
      the origin; else censored at the last imaging (any finding, any level) on/after the
      origin. Without any imaging on/after the origin lc_months and lc_event are NA: the
      patient has no assessment and is left out, never censored at 0 months.
    - PFS: first of index local progression or death; else censored at last_followup_date.
    - other_level_progression_before_index: an "other_level_progression" finding dated
      before the first index local progression (at any date when there is none).
    - followup_months: death (or last_followup_date) minus origin, equal to os_months.
    - followup_mri: an MRI dated after the last treatment day (a same-day scan is taken as
      the planning scan).
    """
    a = anchors.set_index("patient_key")
    img = imaging.merge(anchors[["patient_key", "origin", "index_level"]], on="patient_key")
    after = img[img["date"] >= img["origin"]]
    lp = _first_date(
        after[(after["finding"] == "local_progression") & (after["level"] == after["index_level"])]
    ).reindex(a.index)
    last_img = after.groupby("patient_key")["date"].max().reindex(a.index)
    other = img[img["finding"] == "other_level_progression"]
    other_first = _first_date(other).reindex(a.index)
    mri = imaging.merge(anchors[["patient_key", "treatment_end"]], on="patient_key")
    mri = mri[(mri["modality"] == "MRI") & (mri["date"] > mri["treatment_end"])]

    out = pd.DataFrame(index=a.index)
    died = a["death_date"].notna()
    os_end = a["death_date"].where(died, a["last_followup_date"])
    out["os_months"] = _months(os_end, a["origin"], month_days)
    out["os_event"] = died
    lc_end = lp.where(lp.notna(), last_img)
    out["lc_months"] = _months(lc_end, a["origin"], month_days)
    out["lc_event"] = pd.Series(lp.notna(), dtype="boolean").where(last_img.notna())
    pfs_event_date = pd.concat([lp, a["death_date"]], axis=1).min(axis=1)
    pfs_end = pfs_event_date.where(pfs_event_date.notna(), a["last_followup_date"])
    out["pfs_months"] = _months(pfs_end, a["origin"], month_days)
    out["pfs_event"] = pfs_event_date.notna()
    out["other_level_progression_before_index"] = other_first.notna() & (
        lp.isna() | (other_first < lp)
    )
    out["followup_months"] = out["os_months"]
    out["followup_mri"] = a.index.isin(mri["patient_key"])
    return out


def further_treatment(
    further: pd.DataFrame, anchors: pd.DataFrame, month_days: float
) -> pd.DataFrame:
    """First further treatment at the index level dated after treatment_end, per patient.

    Columns further_tx (bool), further_tx_type, further_tx_interval_months (from the
    origin), further_tx_reason; NA when none. Same-day rows are ordered by the type
    vocabulary (surgery first) so the choice is deterministic.
    """
    f = further.merge(
        anchors[["patient_key", "origin", "treatment_end", "index_level"]], on="patient_key"
    )
    f = f[(f["level"] == f["index_level"]) & (f["date"] > f["treatment_end"])]
    order = {t: i for i, t in enumerate(FURTHER_TREATMENT_TYPES)}
    f = f.assign(_order=f["type"].map(order)).sort_values(["patient_key", "date", "_order"])
    f = f.drop_duplicates("patient_key").set_index("patient_key")
    keys = pd.Index(anchors["patient_key"], name="patient_key")
    first = f.reindex(keys)
    return pd.DataFrame(
        {
            "further_tx": keys.isin(f.index),
            "further_tx_type": first["type"].astype("string"),
            "further_tx_interval_months": _months(first["date"], first["origin"], month_days),
            "further_tx_reason": first["reason"].astype("string"),
        },
        index=keys,
    )
