"""The order of a patient's dates, within a row and against the patient's own row."""

from __future__ import annotations

from spinepair.contracts.cdm import RAW_ID_FIELD
from spinepair.ingest.checks.collector import Checks

# (name, table, column, left, right, description): left <= right when both are known.
DATE_ORDER = (
    (
        "birth_before_primary",
        "patients",
        "primary_diagnosis_date",
        "birth_date",
        "primary_diagnosis_date",
        "birth date <= primary diagnosis date",
    ),
    (
        "primary_before_spine_met",
        "patients",
        "spine_met_diagnosis_date",
        "primary_diagnosis_date",
        "spine_met_diagnosis_date",
        "primary diagnosis date <= spine metastasis diagnosis date",
    ),
    (
        "spine_met_before_followup",
        "patients",
        "last_followup_date",
        "spine_met_diagnosis_date",
        "last_followup_date",
        "spine metastasis diagnosis date <= last follow-up date",
    ),
    (
        "death_not_after_followup",
        "patients",
        "death_date",
        "death_date",
        "last_followup_date",
        "death date <= last follow-up date (last follow-up is the last known status)",
    ),
    (
        "spine_met_before_start",
        "treatments",
        "start_date",
        "p.spine_met_diagnosis_date",
        "start_date",
        "spine metastasis diagnosis date <= treatment start date",
    ),
    (
        "start_before_end",
        "treatments",
        "end_date",
        "start_date",
        "end_date",
        "treatment start date <= treatment end date",
    ),
    (
        "end_before_followup",
        "treatments",
        "end_date",
        "end_date",
        "p.last_followup_date",
        "treatment end date <= last follow-up date",
    ),
    (
        "death_not_before_start",
        "treatments",
        "start_date",
        "start_date",
        "p.death_date",
        "death date (if any) >= treatment start date",
    ),
    *(
        (
            f"{t}_not_after_followup",
            t,
            "date",
            "date",
            "p.last_followup_date",
            f"{t} date <= last follow-up date",
        )
        for t in ("assessments", "imaging", "toxicities", "further_treatments")
    ),
    *(
        (f"{t}_not_before_birth", t, "date", "p.birth_date", "date", f"{t} date >= birth date")
        for t in ("assessments", "imaging", "toxicities", "further_treatments")
    ),
)


def check_date_order(chk: Checks, raw: dict, parsed: dict) -> None:
    """Every rule of DATE_ORDER on every row where both dates are known."""
    pats = parsed["patients"]
    pinfo = pats.drop_duplicates(RAW_ID_FIELD).set_index(RAW_ID_FIELD).add_prefix("p.")
    for name, table, column, left, right, desc in DATE_ORDER:
        df = parsed[table]
        if table != "patients":
            df = df.join(pinfo, on=RAW_ID_FIELD)
        chk.register(f"date_order:{name}", table, column, desc)
        bad = (df[left] > df[right]).fillna(False)
        detail = f"violates {desc}"
        chk.fail(raw[table], table, bad, column, f"date_order:{name}", detail, raw[table][column])


# Rules comparing a child row with its patient's own row: a failure involves the patient.
INVOLVES_PATIENT = frozenset(
    f"date_order:{name}"
    for name, table, _, left, right, _ in DATE_ORDER
    if table != "patients" and (left.startswith("p.") or right.startswith("p."))
)
