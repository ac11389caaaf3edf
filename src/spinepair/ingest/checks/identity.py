"""One person, one patient: identity checks run before the identifiers are dropped.

Within a site, two patient ids with the same resident registration number (digits only),
or, where neither row has one, the same name and birth date, are one person counted twice
(``same_person``). Every patient's primary course must be of the site's declared arm
(``arm_modality``): a 30 Gy / 10 fraction RT course at an SRS site is not SRS.
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD
from spinepair.ingest.checks.collector import Checks


def normalised_rrn(rrn: pd.Series) -> pd.Series:
    """Digits of a resident registration number (NA when there are none)."""
    digits = rrn.astype("string").str.replace(r"\D", "", regex=True)
    return digits.mask(digits == "")


def check_same_person(chk: Checks, raw: pd.DataFrame, pats: pd.DataFrame) -> None:
    """Two patient ids of one person: same RRN, or same name and birth date without RRN."""
    rrn = normalised_rrn(raw["rrn"]) if "rrn" in raw else pd.Series(pd.NA, index=raw.index)
    name = raw["name"] if "name" in raw else pd.Series(pd.NA, index=raw.index)
    by_rrn = pd.DataFrame({"key": rrn, "id": pats[RAW_ID_FIELD], "row": raw["_row"]})
    no_rrn = rrn.isna()
    by_name = pd.DataFrame(
        {
            "key": (name.astype("string") + "|" + pats["birth_date"].astype("string")).where(
                no_rrn
            ),
            "id": pats[RAW_ID_FIELD],
            "row": raw["_row"],
        }
    )
    for keys, column, what in (
        (by_rrn, "rrn", "the same resident registration number"),
        (by_name, "name", "the same name and birth date (no registration number)"),
    ):
        chk.register("same_person", "patients", column, f"no two patient ids with {what}")
        ok = keys["key"].notna() & keys["id"].notna()
        ids = keys[ok].groupby("key")["id"].transform("nunique")
        clash = pd.Series(False, index=keys.index)
        clash[ids.index] = ids > 1
        if not clash.any():
            continue
        other = keys[clash].groupby("key")["row"].agg(lambda r: ", ".join(map(str, sorted(r))))
        detail = (
            f"{what} as another patient id (rows "
            + keys.loc[clash, "key"].map(other).astype("string")
            + "): one person counted twice?"
        ).reindex(keys.index)
        chk.fail(raw, "patients", clash, column, "same_person", detail)


def check_arm(chk: Checks, raw: dict, parsed: dict, arm) -> pd.Series:
    """Each patient's arm (the site's, a patients column or the primary course's modality);
    every primary course is of its patient's arm, and every patient has an arm."""
    tx, pats = parsed["treatments"], parsed["patients"]
    primary = tx[(tx["intent"] == "primary") & tx["modality"].notna()]
    first = primary.drop_duplicates(RAW_ID_FIELD).set_index(RAW_ID_FIELD)["modality"]
    if arm == {"from": "primary_course"}:
        arms = pats[RAW_ID_FIELD].map(first).astype("string")
        chk.register("arm_present", "patients", RAW_ID_FIELD, "a primary course gives the arm")
        detail = "no primary course with a modality: the patient's arm is unknown"
        chk.fail(raw["patients"], "patients", arms.isna(), RAW_ID_FIELD, "arm_present", detail)
    elif arm == {"from": "column"}:
        arms = pats["arm"].astype("string")
    else:
        arms = pd.Series(arm, index=pats.index, dtype="string")
    by_id = pd.Series(arms.to_numpy(), index=pats[RAW_ID_FIELD].to_numpy())
    own = tx[RAW_ID_FIELD].map(by_id[~by_id.index.duplicated()].dropna())
    chk.register("arm_modality", "treatments", "modality", "primary course modality = arm")
    bad = (tx["intent"] == "primary") & tx["modality"].notna() & own.notna()
    bad &= tx["modality"] != own
    detail = "a primary course of another modality than the patient's arm " + own.astype("string")
    if isinstance(arm, str):
        detail = f"a primary course of another modality than the site's declared arm {arm}"
    chk.fail(
        raw["treatments"],
        "treatments",
        bad,
        "modality",
        "arm_modality",
        detail,
        raw["treatments"]["modality"],
    )
    return arms
