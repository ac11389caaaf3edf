"""Per-patient covariates and endpoints of one site (the ``derive`` stage).

:func:`derive_site` turns the six common-data-model tables of one site into one row per
patient (none dropped) matching ``schemas/derived.yaml``. The treatment of a patient is
its primary-intent course (intent "primary"; when there are several, the first by
start_date, then course number); a patient without one keeps NA treatment columns and NA
endpoints so that the select stage can exclude it with a reason.
"""

from __future__ import annotations

import functools

import pandas as pd
import pandera.pandas as pa

from spinepair.contracts.cdm import REGIONS, SCHEMA_DIR, TABLE_NAMES
from spinepair.contracts.stages import load_stage_schema
from spinepair.endpoints import (
    dose,
    first_fractures,
    fracture_times,
    further_treatment,
    pain_response,
    select_visits,
    time_to_events,
    toxicity_summary,
)
from spinepair.endpoints.pain import EXACTLY_TWO, RULES
from spinepair.endpoints.toxicity import FRACTURE_RULES
from spinepair.errors import ConfigError, SpinepairError

SCHEMA_PATH = SCHEMA_DIR / "derived.yaml"

DEFAULT_PARAMS: dict = {
    # days per month for every duration reported in months
    "month_days": 30.4375,
    # time origin of all times to event: "treatment_start" (first day) or "treatment_end"
    "time_origin": "treatment_start",
    # alpha/beta ratio (Gy) of BED and EQD2 (nBED); 10 = tumour / early-reacting tissue
    "alpha_beta": 10.0,
    # pre-treatment VAS: latest assessment within [start - pre_window_days, start]
    "pre_window_days": 30,
    # 1-month VAS: closest to end + post_target_days within end + post_window_days[0..1]
    "post_target_days": 30,
    "post_window_days": [21, 45],
    # "paper" (the study's four categories) or "chow2012" (consensus, uses OME)
    "pain_rule": "paper",
    # paper rule: a VAS decrease of exactly 2 counts as "stable" or "partial"
    "exactly_two": "stable",
    # paper rule: analgesic ranks; a step up is pain progression
    "analgesic_ladder": {"none": 0, "otc": 1, "steroid": 2, "narcotic": 3},
    # toxicities count up to this many days after treatment_start (acute); None: no limit
    "acute_toxicity_days": None,
    # a treatment-related compression fracture also makes tox_any true (the reference
    # paper's definition; a study declares it as a variant, the fracture is its own endpoint)
    "fracture_counts_as_toxicity": False,
    # "progression_on_or_before": a fracture with index local progression on or before it
    # is attributed to the tumour, not a toxicity; "none": every index fracture counts
    "fracture_progression_rule": "progression_on_or_before",
}

_TREATMENT_COLS = {
    "start_date": "treatment_start",
    "end_date": "treatment_end",
    "modality": "modality",
    "total_dose_gy": "total_dose_gy",
    "fractions": "fractions",
    "isodose_pct": "isodose_pct",
}


@functools.cache
def schema() -> pa.DataFrameSchema:
    """The pandera schema of the derived table, built from ``schemas/derived.yaml``."""
    return load_stage_schema(SCHEMA_PATH)


def resolve_params(params: dict | None) -> dict:
    """``DEFAULT_PARAMS`` updated with ``params``; unknown keys are a ConfigError."""
    params = params or {}
    unknown = sorted(set(params) - set(DEFAULT_PARAMS))
    if unknown:
        raise ConfigError(f"unknown derive parameter(s) {unknown}; known: {sorted(DEFAULT_PARAMS)}")
    out = {**DEFAULT_PARAMS, **params}
    if out["time_origin"] not in ("treatment_start", "treatment_end"):
        raise ConfigError(
            f"time_origin must be 'treatment_start' or 'treatment_end', got {out['time_origin']!r}"
        )
    if not float(out["month_days"]) > 0:
        raise ConfigError(f"month_days must be positive, got {out['month_days']!r}")
    acute = out["acute_toxicity_days"]
    if acute is not None and (type(acute) is not int or acute < 0):
        raise ConfigError(f"acute_toxicity_days must be null or days >= 0, got {acute!r}")
    choices = {
        "pain_rule": RULES,
        "exactly_two": EXACTLY_TWO,
        "fracture_progression_rule": FRACTURE_RULES,
        "fracture_counts_as_toxicity": (True, False),
    }
    for key, allowed in choices.items():
        if out[key] not in allowed or type(out[key]) is not type(allowed[0]):
            raise ConfigError(f"{key} must be one of {list(allowed)}, got {out[key]!r}")
    return out


def _primary_course(treatments: pd.DataFrame) -> pd.DataFrame:
    prim = treatments[treatments["intent"] == "primary"]
    prim = prim.sort_values(["patient_key", "start_date", "course"]).drop_duplicates("patient_key")
    return prim[["patient_key", *_TREATMENT_COLS]].rename(columns=_TREATMENT_COLS)


def _baseline(patients: pd.DataFrame, month_days: float) -> pd.DataFrame:
    p = patients
    return pd.DataFrame(
        {
            "patient_key": p["patient_key"],
            "site": p["site"],
            "arm": p["arm"],
            "sex": p["sex"],
            "primary_tumor": p["primary_tumor"],
            "prior_index_treatment": p["prior_index_treatment"],
            "child_pugh": p["child_pugh"],
            "child_pugh_num": p["child_pugh"].map({"A": 1, "B": 2, "C": 3}),
            "interval_months": (
                (p["spine_met_diagnosis_date"] - p["primary_diagnosis_date"]).dt.days / month_days
            ),
            "index_level": p["index_level"],
            "index_region": p["index_level"].str[0].map(REGIONS),
            "n_spine_mets": p["n_spine_mets"],
            "n_mets_cat": p["n_spine_mets"].clip(upper=4),
            "ecog": p["ecog"],
            "ecog_group": p["ecog"].map(
                lambda e: pd.NA if pd.isna(e) else "<=1" if e <= 1 else ">=2"
            ),
            "ambulation": p["ambulation"],
            "ambulation_group": p["ambulation"].map(
                lambda a: pd.NA if pd.isna(a) else "<=2" if a <= 2 else ">=3"
            ),
            "tumor_volume_cc": p["tumor_volume_cc"],
        }
    )


def _pain(assessments: pd.DataFrame, anchors: pd.DataFrame, prm: dict) -> pd.DataFrame:
    v = select_visits(
        assessments,
        anchors[["patient_key", "treatment_start", "treatment_end", "death_date"]],
        int(prm["pre_window_days"]),
        int(prm["post_target_days"]),
        tuple(prm["post_window_days"]),
    )
    v["pain_response"] = [
        pain_response(
            r.vas_pre,
            r.vas_post,
            r.analgesic_pre,
            r.analgesic_post,
            rule=prm["pain_rule"],
            exactly_two=prm["exactly_two"],
            ome_pre=r.ome_pre,
            ome_post=r.ome_post,
            ladder=prm["analgesic_ladder"],
        )
        for r in v.itertuples(index=False)
    ]
    both = v["vas_pre"].notna() & v["vas_post"].notna()
    v["vas_change"] = (v["vas_pre"] - v["vas_post"]).where(both)
    v["pain_evaluable"] = v["pain_response"] != "not_evaluable"
    v["pain_improved"] = (v["vas_post"] < v["vas_pre"]).astype("boolean").where(both)
    return v.drop(columns=["ome_pre", "ome_post"]).set_index("patient_key")


def derive_site(tables: dict[str, pd.DataFrame], params: dict | None = None) -> pd.DataFrame:
    """One row per patient of one site with covariates and endpoints (see module doc).

    ``tables`` maps each common-data-model table name to its ingested DataFrame;
    ``params`` overrides :data:`DEFAULT_PARAMS`. The result is validated against
    ``schemas/derived.yaml`` (all failures reported at once) before it is returned.
    """
    missing = [t for t in TABLE_NAMES if t not in tables]
    if missing:
        raise SpinepairError(f"derive: missing common-data-model table(s) {missing}")
    prm = resolve_params(params)
    month_days = float(prm["month_days"])
    patients = tables["patients"].sort_values("patient_key").reset_index(drop=True)

    out = _baseline(patients, month_days).merge(
        _primary_course(tables["treatments"]), on="patient_key", how="left"
    )
    out["treatment_year"] = out["treatment_start"].dt.year
    out["age_years"] = (out["treatment_start"] - patients["birth_date"]).dt.days / 365.25
    out["dose_per_fraction_gy"] = out["total_dose_gy"] / out["fractions"]
    out["bed_gy"] = dose.bed(out["total_dose_gy"], out["fractions"], float(prm["alpha_beta"]))
    out["eqd2_gy"] = dose.eqd2(out["total_dose_gy"], out["fractions"], float(prm["alpha_beta"]))
    out["margin_dose_gy"] = out["total_dose_gy"]

    anchors = out[["patient_key", "treatment_start", "treatment_end", "index_level"]].assign(
        origin=out[prm["time_origin"]],
        death_date=patients["death_date"],
        last_followup_date=patients["last_followup_date"],
    )
    treated = anchors[anchors["treatment_start"].notna()]
    first = first_fractures(tables["imaging"], treated, prm["fracture_progression_rule"])
    fracture = first.notna()
    parts = [
        _pain(tables["assessments"], treated, prm),
        toxicity_summary(
            tables["toxicities"],
            treated,
            fracture,
            bool(prm["fracture_counts_as_toxicity"]),
            prm["acute_toxicity_days"],
        ),
        fracture.rename("compression_fracture").rename_axis("patient_key").to_frame(),
        fracture_times(tables["imaging"], treated, first, month_days),
        further_treatment(tables["further_treatments"], treated, month_days),
        time_to_events(tables["imaging"], treated, month_days),
    ]
    out = out.join(pd.concat(parts, axis=1), on="patient_key")
    out["pain_response"] = out["pain_response"].fillna("not_evaluable")
    out["pain_evaluable"] = out["pain_evaluable"].astype("boolean").fillna(False)
    return _finish(out)


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    sch = schema()
    out = out[list(sch.columns)]
    out = out.astype({name: str(col.dtype) for name, col in sch.columns.items()})
    site = out["site"].iloc[0] if len(out) else "?"
    try:
        return sch.validate(out, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases[["column", "check", "index", "failure_case"]].copy()
        cases["patient_key"] = cases["index"].map(out["patient_key"])
        cases = cases.drop(columns="index")
        raise SpinepairError(
            f"derive: site {site}: derived table breaks schemas/derived.yaml "
            f"({len(cases)} failure(s)):\n{cases.head(20).to_string(index=False)}"
        ) from err
