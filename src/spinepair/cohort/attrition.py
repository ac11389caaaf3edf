"""Pooled attrition: per-site eligibility counts plus the matching step, per arm.

When a site was ingested in quarantine mode, a first step (``step_no`` -1) counts the
patients whose own row was set aside at ingest, from the site's validation report.
"""

from __future__ import annotations

import pandas as pd

from spinepair.cohort.persons import STEP as PERSON_STEP

COLUMNS = [
    "arm",
    "site",
    "step_no",
    "step",
    "rule",
    "exclusion",
    "n_before",
    "n_excluded",
    "n_after",
]
QUARANTINE_STEP = "quarantined at ingest"
QUARANTINE_RULE = "patient row invalid (ingest.quarantine; reasons in quarantine.parquet)"
QUARANTINE_EXCLUSION = "invalid record at ingest (reasons in quarantine.parquet)"
MATCH_STEP = "matched 1:1"
NOT_MATCHED = {"index": "no comparator inside the calipers", "comparator": "not chosen as a match"}


def quarantine_rows(reports: list[dict]) -> pd.DataFrame:
    """Step -1 per site ingested in quarantine mode: patients read, set aside, ingested."""
    rows = [
        {
            "arm": r["arm"],
            "site": r["site"],
            "step_no": -1,
            "step": QUARANTINE_STEP,
            "rule": QUARANTINE_RULE,
            "exclusion": QUARANTINE_EXCLUSION,
            "n_before": r["tables"]["patients"]["records_read"],
            "n_excluded": r["tables"]["patients"]["records_rejected"],
            "n_after": r["tables"]["patients"]["records_ingested"],
        }
        for r in reports
        if r.get("mode") == "quarantine"
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


RECORD_COLUMNS = ["site", "arm", "table", "records_read", "records_rejected", "records_ingested"]


def quarantined_records(reports: list[dict]) -> pd.DataFrame:
    """Per site ingested in quarantine mode and per table: records read, set aside, ingested
    (child records included; a patient's own row is counted in ``patients``)."""
    rows = [
        {"site": r["site"], "arm": r["arm"] if isinstance(r["arm"], str) else "per patient",
         "table": table, **{k: int(v[k]) for k in RECORD_COLUMNS[3:]}}
        for r in reports
        if r.get("mode") == "quarantine"
        for table, v in sorted(r["tables"].items())
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


def pooled_attrition(
    site_tables: list[pd.DataFrame],
    cohort: pd.DataFrame,
    pairs: pd.DataFrame,
    ingest_reports: list[dict] | None = None,
    index_arm: str | None = None,
    duplicates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows per arm and site, then per arm over all sites ("all"), ending with matching.

    The matching step's ``n_before`` is the eligible count and ``n_after`` the number of
    patients in pairs; everything comes from recorded counts, nothing is typed in.
    ``ingest_reports`` (the sites' validation.json) add the quarantine step, if any;
    ``index_arm`` words the unmatched of each arm; ``duplicates`` (the eligible patients the
    cross-site person policy excluded, :mod:`spinepair.cohort.persons`) add a pooled step
    before matching when there are any.
    """
    quarantined = quarantine_rows(ingest_reports or [])
    per_site = pd.concat(
        [t for t in [quarantined, *site_tables] if len(t)] or site_tables, ignore_index=True
    )
    matched = cohort[
        cohort["patient_key"].isin(pairs["index_key"])
        | cohort["patient_key"].isin(pairs["comparator_key"])
    ]
    eligible = cohort[cohort["eligible"].fillna(False).astype(bool)]
    last = int(per_site["step_no"].max()) + 1
    pooled_rows = []
    dup_keys = set() if duplicates is None else set(duplicates["patient_key"])
    for (arm, site), group in eligible.groupby(["arm", "site"], sort=True):
        n_dup = int(group["patient_key"].isin(dup_keys).sum())
        if dup_keys:
            reasons = duplicates.loc[duplicates["patient_key"].isin(group["patient_key"]), "reason"]
            pooled_rows.append(
                {
                    "arm": arm,
                    "site": site,
                    "step_no": last,
                    "step": PERSON_STEP,
                    "rule": "one patient per person across sites (persons.across_sites)",
                    "exclusion": "; ".join(sorted(set(reasons))) or PERSON_STEP,
                    "n_before": len(group),
                    "n_excluded": n_dup,
                    "n_after": len(group) - n_dup,
                }
            )
        n_matched = int(((matched["arm"] == arm) & (matched["site"] == site)).sum())
        pooled_rows.append(
            {
                "arm": arm,
                "site": site,
                "step_no": last + bool(dup_keys),
                "step": MATCH_STEP,
                "rule": "in a matched pair",
                "exclusion": NOT_MATCHED["index" if arm == index_arm else "comparator"],
                "n_before": len(group) - n_dup,
                "n_excluded": len(group) - n_dup - n_matched,
                "n_after": n_matched,
            }
        )
    per_site = pd.concat([per_site, pd.DataFrame(pooled_rows)], ignore_index=True)[COLUMNS]
    pooled = (
        per_site.groupby(["arm", "step_no", "step", "rule", "exclusion"], sort=True, dropna=False)[
            ["n_before", "n_excluded", "n_after"]
        ]
        .sum()
        .reset_index()
        .assign(site="all")
    )[COLUMNS]
    out = pd.concat([per_site, pooled], ignore_index=True)
    return out.sort_values(["arm", "site", "step_no"], kind="stable").reset_index(drop=True)


def _by_site(attrition: pd.DataFrame, arm: str, step_no: int, column: str) -> dict[str, int]:
    rows = attrition[
        (attrition["arm"] == arm) & (attrition["site"] != "all") & (attrition["step_no"] == step_no)
    ]
    return {str(s): int(n) for s, n in zip(rows["site"], rows[column])}


def arm_flow(attrition: pd.DataFrame, arm: str) -> list[dict]:
    """The pooled steps of one arm in order, each with its per-site counts.

    Every step has ``by_site`` (patients entering the step, per site) and
    ``excluded_by_site``. After a quarantine step the "screened" step is dropped: its count
    is the quarantine step's ``n_after``.
    """
    rows = attrition[(attrition["arm"] == arm) & (attrition["site"] == "all")]
    out = rows.sort_values("step_no").to_dict("records")
    if out and out[0]["step"] == QUARANTINE_STEP:
        out = [r for r in out if r["step_no"] != 0]
    for step in out:
        step["by_site"] = _by_site(attrition, arm, step["step_no"], "n_before")
        step["excluded_by_site"] = _by_site(attrition, arm, step["step_no"], "n_excluded")
    return out
