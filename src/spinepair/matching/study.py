"""The match stage: eligible patients of all sites -> pairs, unmatched list, balance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spinepair.cohort.persons import apply_to_cohort
from spinepair.contracts.parquetfile import read_parquet
from spinepair.contracts.stages import load_stage_schema
from spinepair.matching.balance import Covariate, balance_before_after, covariates, verdicts
from spinepair.matching.match import match

SPEC_KEYS = ("method", "distance", "exact")


def matching_spec(config_matching: dict) -> dict:
    """The spinepair.matching.match spec from the config's matching section (calipers as a list)."""
    spec = {k: config_matching[k] for k in SPEC_KEYS}
    if "optimal_max_pairs" in config_matching:
        spec["optimal_max_pairs"] = config_matching["optimal_max_pairs"]
    spec["calipers"] = {c["variable"]: c["width"] for c in config_matching["calipers"]}
    return spec


@dataclass
class MatchStage:
    """Everything the match rule writes."""

    pairs: pd.DataFrame
    unmatched: pd.DataFrame
    balance: pd.DataFrame
    verdicts: pd.DataFrame


def read_persons(patient_paths, derived_paths) -> pd.DataFrame:
    """Every patient's key, person pseudonym, site, arm and treatment start (all sites)."""
    people = pd.concat(
        [
            read_parquet(p, columns=["patient_key", "person_key", "site", "arm"])
            for p in patient_paths
        ],
        ignore_index=True,
    )
    starts = pd.concat(
        [read_parquet(p, columns=["patient_key", "treatment_start"]) for p in derived_paths],
        ignore_index=True,
    )
    return people.merge(starts, on="patient_key", how="left")


def read_eligible(
    derived_paths,
    cohort_paths,
    spec: dict,
    duplicates: pd.DataFrame | None = None,
    balance_columns=(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The eligible patients' derived rows (only the columns matching needs) and the cohort.

    Reads each site's cohort first and then only its eligible rows and the matching and
    balance columns of the derived table, so memory follows the eligible cohort, not the
    registry. ``duplicates`` (patients the cross-site person policy removes) are made
    ineligible first; ``balance_columns``: further columns (the balance table's rows).
    """
    spec_m = matching_spec(spec)
    wanted = ["patient_key", "arm", *spec_m["exact"], *spec_m["calipers"]]
    wanted += [v for v in spec.get("balance_variables", []) if v not in wanted]
    wanted += [v for v in balance_columns if v not in wanted]
    cohort = pd.concat([read_parquet(p) for p in cohort_paths], ignore_index=True)
    if duplicates is not None:
        cohort = apply_to_cohort(cohort, duplicates)
    keys = cohort.loc[cohort["eligible"].fillna(False).astype(bool), "patient_key"].tolist()
    derived = pd.concat(
        [
            read_parquet(p, columns=wanted, filters=[("patient_key", "in", keys)])
            for p in derived_paths
        ],
        ignore_index=True,
    )
    return derived, cohort


def eligible_arms(
    derived: pd.DataFrame, cohort: pd.DataFrame, index_arm: str, comparator_arm: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derived rows of the eligible index and comparator patients."""
    keys = cohort.loc[cohort["eligible"].fillna(False).astype(bool), "patient_key"]
    pool = derived[derived["patient_key"].isin(keys)]
    return pool[pool["arm"] == index_arm], pool[pool["arm"] == comparator_arm]


def study_covariates(settings: dict, matching: dict, pool: pd.DataFrame) -> list[Covariate]:
    """The balance covariates (:func:`spinepair.matching.balance.covariates`) of ``pool``."""
    dtypes = {
        c: pd.api.types.is_numeric_dtype(pool[c]) and not pd.api.types.is_bool_dtype(pool[c])
        for c in pool.columns
    }
    return covariates(settings["tables"], matching, settings["labels"], dtypes)


def run_match(
    derived: pd.DataFrame,
    cohort: pd.DataFrame,
    spec: dict,
    index_arm: str,
    comparator_arm: str,
    settings: dict,
) -> MatchStage:
    """Match, validate the pairs against ``schemas/pairs.yaml`` and compute the balance of the
    eligible cohort before and after matching (``settings``: :func:`spinepair.analysis.settings.balance_settings`)."""
    index, comparator = eligible_arms(derived, cohort, index_arm, comparator_arm)
    result = match(index, comparator, matching_spec(spec))
    pairs = result.pairs.astype(
        {
            "pair_id": "Int64",
            "index_key": "string",
            "comparator_key": "string",
            "distance": "Float64",
        }
    )
    load_stage_schema("pairs.yaml").validate(pairs, lazy=True)
    covs = study_covariates(settings, spec, derived)
    balance = balance_before_after(index, comparator, pairs, covs, settings["denominator"])
    return MatchStage(pairs, result.unmatched, balance, verdicts(balance, *settings["thresholds"]))


def diagnostic_text(stage: MatchStage) -> str:
    """Human-readable balance verdicts and unmatched patients for the log and the outputs."""
    flagged = stage.verdicts[stage.verdicts["status"] != "PASS"]
    worst = "FAIL" if (flagged["status"] == "FAIL").any() else "WARN" if len(flagged) else "PASS"
    lines = [f"{worst}: balance after matching"]
    for r in flagged.itertuples():
        level = f" = {r.level}" if r.level else ""
        lines.append(f"  - {r.status}: {r.label}{level}: |SMD| after matching {r.abs_smd:.3f}")
    lines.append(f"pairs: {len(stage.pairs)}; index patients unmatched: {len(stage.unmatched)}")
    lines += [f"  - {r.index_key}: {r.reason}" for r in stage.unmatched.itertuples()]
    return "\n".join(lines) + "\n"
