"""One demo patient's simulator record -> its rows in the six common-data-model tables.

Relative times (months from treatment start) become calendar dates; MRI visits run until
local progression, death or last follow-up. Records of the designed pairs carry their
calibrated visits and events (``mri_months``, ``lp_visit``, ``cf_visit``, ``olp_visit``,
``further``); generic patients have these drawn here.

:func:`spinepair.synth.registry.site_truth` is the column-wise counterpart for registry
sites. Both take their timings from ``simparams.RECORDS`` and their formulas from
:mod:`spinepair.synth.core`; only the order of the random draws differs (per patient here,
per column there), and merging the two loops would redraw the committed demo exports.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.contracts.cdm import TABLES
from spinepair.synth import simparams as P
from spinepair.synth.core import (
    LEVELS_BY_REGION,
    OME_MG,
    jan1_days,
    level_span,
    months_to_days,
    other_level,
    timeline,
)

R = P.RECORDS
EPOCH = pd.Timestamp("1970-01-01")


def _dates(rng: np.random.Generator, rec: dict) -> dict:
    """Calendar dates of one patient from its relative times."""
    start = int(jan1_days(rec["treatment_year"])) + int(rng.integers(*R["start_day"]))
    days = timeline(
        start,
        int(rng.integers(*R["spine_dx_lead"])),
        rec["fractions"],
        rec["interval_months"],
        rec["age_years"],
        rec["os_months"],
    )
    d = {k: EPOCH + pd.Timedelta(days=int(v)) for k, v in days.items() if k != "followup_days"}
    d["death"] = d["last"] if rec["dead"] else None
    d["followup_days"] = int(days["followup_days"])
    return d


def patient_rows(rng: np.random.Generator, pid: str, rec: dict, machine: str) -> dict:
    """The rows of the six tables for one patient."""
    d = _dates(rng, rec)
    level = rec.get("index_level") or str(rng.choice(LEVELS_BY_REGION[rec["region"]]))
    rec["index_level"] = level
    srs = rec["arm"] == "SRS"
    isodose = coverage = None
    if srs:
        novalis = machine == "Novalis"
        isodose = R["novalis_isodose_pct"] if novalis else float(rng.integers(*R["isodose_pct"]))
        coverage = float(np.clip(round(rng.normal(*R["coverage_pct"]), 1), *R["coverage_range"]))
    levels = level if srs else str(level_span(level)[0])
    rows = {t: [] for t in TABLES}
    rows["patients"].append(
        {
            "patient_id": pid,
            "sex": rec["sex"],
            "birth_date": d["birth"],
            "primary_tumor": rec["primary_tumor"],
            "primary_diagnosis_date": d["primary"],
            "spine_met_diagnosis_date": d["spine"],
            "child_pugh": rec["child_pugh"],
            "n_spine_mets": rec["n_spine_mets"],
            "ecog": rec["ecog"],
            "ambulation": rec["ambulation"],
            "index_level": level,
            "tumor_volume_cc": round(rec["tumor_volume_cc"], 1),
            "prior_index_treatment": rec["prior_index_treatment"],
            "death_date": d["death"],
            "last_followup_date": d["last"],
        }
    )
    rows["treatments"].append(
        {
            "patient_id": pid,
            "course": 1,
            "modality": rec["arm"],
            "machine": machine,
            "start_date": d["start"],
            "end_date": d["end"],
            "total_dose_gy": float(rec["total_dose_gy"]),
            "fractions": int(rec["fractions"]),
            "isodose_pct": isodose,
            "coverage_pct": coverage,
            "levels": levels,
            "intent": "primary",
        }
    )
    _assessment_rows(rng, pid, rec, d, rows["assessments"])
    visits = _imaging_rows(rng, pid, rec, d, level, rows["imaging"])
    for kind, grade in rec["toxicities"]:
        rows["toxicities"].append(
            {
                "patient_id": pid,
                "date": d["start"]
                + pd.Timedelta(days=min(int(rng.integers(*R["toxicity_lag"])), d["followup_days"])),
                "type": kind,
                "rtog_grade": grade,
            }
        )
    if rec["further"] is not None:
        kind, reason, months = rec["further"]
        rows["further_treatments"].append(
            {
                "patient_id": pid,
                "date": d["start"] + pd.Timedelta(days=months_to_days(months)),
                "type": kind,
                "level": level,
                "reason": reason,
            }
        )
    elif (
        visits.get("lp") is not None and rng.random() < P.GENERIC["further"] and not rec.get("core")
    ):
        lp_day = visits["lp"]
        when = lp_day + int(rng.integers(*R["further_lag"]))
        if when < d["followup_days"]:
            rows["further_treatments"].append(
                {
                    "patient_id": pid,
                    "date": d["start"] + pd.Timedelta(days=when),
                    "type": str(rng.choice(P.GENERIC["further_types"])),
                    "level": level,
                    "reason": "tumor_progression",
                }
            )
    return rows


def _assessment_rows(rng, pid, rec, d, out) -> None:
    pre_day = d["start"] - pd.Timedelta(days=int(rng.integers(*R["pain_pre_lead"])))
    out.append(
        {
            "patient_id": pid,
            "date": pre_day,
            "vas": rec["vas_pre"],
            "analgesic": rec["analgesic_pre"],
            "ome_mg": OME_MG[rec["analgesic_pre"]],
        }
    )
    post_offset = int(rng.integers(*R["pain_post_lag"]))
    post_day = d["end"] + pd.Timedelta(days=post_offset)
    alive_then = (post_day - d["start"]).days < d["followup_days"]
    if rec.get("post_visit", True) and alive_then:
        out.append(
            {
                "patient_id": pid,
                "date": post_day,
                "vas": rec["vas_post"],
                "analgesic": rec["analgesic_post"],
                "ome_mg": OME_MG[rec["analgesic_post"]],
            }
        )


def _imaging_rows(rng, pid, rec, d, level, out) -> dict:
    """MRI visits until local progression, death or last follow-up; returns event days."""
    found = {}
    if not rec["imaged"]:
        return found
    lp_visit = rec.get("lp_visit")
    lp_m = rec.get("lp_months")
    other = str(other_level(rng, level)[0])
    olp_visit = rec.get("olp_visit")
    cf_visit = rec.get("cf_visit")
    months = rec.get("mri_months", P.MRI_VISIT_MONTHS)
    visit_days = [months_to_days(m) for m in months]
    visit_days = [v for v in visit_days if v <= d["followup_days"]] or [
        max(1, d["followup_days"] - 1)
    ]
    if lp_visit is None and lp_m is not None:
        later = [i for i, v in enumerate(visit_days) if v >= months_to_days(lp_m)]
        lp_visit = later[0] if later else None
    if olp_visit is None and rec.get("olp"):
        olp_visit = int(rng.integers(0, len(visit_days)))
    if cf_visit is None and rec.get("cf"):
        cf_visit = int(rng.integers(0, len(visit_days)))
    last = len(visit_days) - 1 if lp_visit is None else min(lp_visit, len(visit_days) - 1)
    for i in range(last + 1):
        day = d["start"] + pd.Timedelta(days=visit_days[i])
        finding = "local_progression" if i == lp_visit else "no_progression"
        if finding == "local_progression":
            found["lp"] = visit_days[i]
        out.append(
            {"patient_id": pid, "date": day, "modality": "MRI", "finding": finding, "level": level}
        )
        if olp_visit is not None and i == min(olp_visit, last):
            out.append(
                {
                    "patient_id": pid,
                    "date": day,
                    "modality": "MRI",
                    "finding": "other_level_progression",
                    "level": other,
                }
            )
        if cf_visit is not None and i == min(cf_visit, last):
            out.append(
                {
                    "patient_id": pid,
                    "date": day,
                    "modality": "MRI",
                    "finding": "compression_fracture",
                    "level": level,
                }
            )
    return found
