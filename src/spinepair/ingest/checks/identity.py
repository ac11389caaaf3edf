"""One person, one patient: identity checks run before the identifiers are dropped.

Within a site, two patient ids with the same resident registration number (digits only),
or, where neither row has one, the same name and birth date, are one person counted twice
(``same_person``). Every patient's arm is one of the study's arms (``arm_in_study``), and
their primary course is of the modality the arm stands for (``arm_modality``): a 30 Gy /
10 fraction RT course at an SRS site is not SRS.
"""

from __future__ import annotations

import pandas as pd

from spinepair.contracts.cdm import RAW_ID_FIELD, VOCABULARIES
from spinepair.ingest.checks.collector import Checks
from spinepair.ingest.checks.sitewide import Sitewide, clash_rows
from spinepair.ingest.pseudonym import normalised_rrn
from spinepair.ingest.redact import rrn_spilled

MODALITIES = VOCABULARIES["modality"]
RRN = r"[0-9]{6}[- ]?[0-9]{7}"  # a resident registration number as exports write it


def check_same_person(
    chk: Checks, raw: pd.DataFrame, pats: pd.DataFrame, site: Sitewide | None = None
) -> None:
    """A registration number is 13 digits (``YYMMDD-NNNNNNN``: anything else would give a
    person pseudonym of no person); two patient ids of one person: same RRN, or same name
    and birth date without RRN."""
    rrn = normalised_rrn(raw["rrn"]) if "rrn" in raw else pd.Series(pd.NA, index=raw.index)
    chk.register("rrn_format", "patients", "rrn", "a registration number YYMMDD-NNNNNNN")
    text = raw["rrn"].astype("string").str.strip() if "rrn" in raw else rrn
    bad = text.notna() & ~text.str.fullmatch(RRN, na=False).astype(bool)
    spilled, ok, person = rrn_spilled(text)  # a site read in parts: no RRN on disk
    if spilled.any():
        bad = bad.mask(spilled, ~ok)
        rrn = rrn.mask(spilled, "person:" + person)
    detail = "not a resident registration number (13 digits, YYMMDD-NNNNNNN)"
    chk.fail(raw, "patients", bad, "rrn", "rrn_format", detail)
    rrn = rrn.where(~bad)
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
        other = clash_rows(keys[ok]) if site is None else site.same_person(column, keys)
        if other is None or not len(other):
            continue
        clash = ok & keys["key"].isin(other.index)
        detail = (
            f"{what} as another patient id (rows "
            + keys.loc[clash, "key"].map(other).astype("string")
            + "): one person counted twice?"
        ).reindex(keys.index)
        chk.fail(raw, "patients", clash, column, "same_person", detail)


def check_arm(chk: Checks, raw: dict, parsed: dict, arm, study_arms) -> pd.Series:
    """Each patient's arm: the site's, a patients column, or the arm of the primary course's
    modality (its own name unless the spec's ``map`` names another). Every arm is one of
    ``study_arms``, every patient has one, and every primary course is of the modality its
    patient's arm stands for (where the arm stands for one: see :func:`arm_modalities`)."""
    tx, pats = parsed["treatments"], parsed["patients"]
    primary = tx[(tx["intent"] == "primary") & tx["modality"].notna()]
    first = primary.drop_duplicates(RAW_ID_FIELD).set_index(RAW_ID_FIELD)["modality"]
    by_modality = arm_modalities(arm)
    source = arm["from"] if isinstance(arm, dict) else None
    if source == "primary_course":
        named = {m: a for a, ms in by_modality.items() for m in ms}
        arms = pats[RAW_ID_FIELD].map(first).map(named).astype("string")
        chk.register("arm_present", "patients", RAW_ID_FIELD, "a primary course gives the arm")
        detail = "no primary course with a modality: the patient's arm is unknown"
        chk.fail(raw["patients"], "patients", arms.isna(), RAW_ID_FIELD, "arm_present", detail)
    elif source == "column":
        arms = pats["arm"].astype("string")
    else:
        arms = pd.Series(arm, index=pats.index, dtype="string")
    column = "arm" if source == "column" else RAW_ID_FIELD
    chk.register("arm_in_study", "patients", column, f"the arm is one of {', '.join(study_arms)}")
    outside = arms.notna() & ~arms.isin(list(study_arms))
    detail = "arm '" + arms + f"' is not an arm of the study (its arms: {', '.join(study_arms)})"
    chk.fail(raw["patients"], "patients", outside, column, "arm_in_study", detail, arms)
    arms = arms.where(~outside)
    by_id = pd.Series(arms.to_numpy(), index=pats[RAW_ID_FIELD].to_numpy())
    own = tx[RAW_ID_FIELD].map(by_id[~by_id.index.duplicated()].dropna())
    chk.register("arm_modality", "treatments", "modality", "primary course modality = arm's")
    pairs = pd.Series([(a, m) for a, ms in by_modality.items() for m in ms], dtype=object)
    bad = (tx["intent"] == "primary") & tx["modality"].notna() & own.isin(list(by_modality))
    bad &= ~pd.Series(list(zip(own, tx["modality"], strict=True)), index=tx.index).isin(pairs)
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


def arm_modalities(arm) -> dict[str, list[str]]:
    """Arm -> the modalities it stands for: each modality stands for the arm of its own
    name, unless ``arm: {from: primary_course, map: {modality: arm}}`` names another. An
    arm that is no modality's (a fixed arm or an arm column named otherwise) stands for
    none, and its primary courses' modality is not checked."""
    named = arm.get("map", {}) if isinstance(arm, dict) else {}
    out: dict[str, list[str]] = {}
    for modality in MODALITIES:
        out.setdefault(named.get(modality, modality), []).append(modality)
    return out
