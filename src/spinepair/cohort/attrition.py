"""Pooled attrition: per-site eligibility counts plus the matching step, per arm.

When a site was ingested in quarantine mode, a first step (``step_no`` -1) counts the
patients whose own row was set aside at ingest, from the site's validation report.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["arm", "site", "step_no", "step", "rule", "n_before", "n_excluded", "n_after"]
QUARANTINE_STEP = "quarantined at ingest"
QUARANTINE_RULE = "patient row invalid (ingest.quarantine; reasons in quarantine.parquet)"


def quarantine_rows(reports: list[dict]) -> pd.DataFrame:
    """Step -1 per site ingested in quarantine mode: patients read, set aside, ingested."""
    rows = [
        {
            "arm": r["arm"],
            "site": r["site"],
            "step_no": -1,
            "step": QUARANTINE_STEP,
            "rule": QUARANTINE_RULE,
            "n_before": r["tables"]["patients"]["records_read"],
            "n_excluded": r["tables"]["patients"]["records_rejected"],
            "n_after": r["tables"]["patients"]["records_ingested"],
        }
        for r in reports
        if r.get("mode") == "quarantine"
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def pooled_attrition(
    site_tables: list[pd.DataFrame],
    cohort: pd.DataFrame,
    pairs: pd.DataFrame,
    ingest_reports: list[dict] | None = None,
) -> pd.DataFrame:
    """Rows per arm and site, then per arm over all sites ("all"), ending with matching.

    The matching step's ``n_before`` is the eligible count and ``n_after`` the number of
    patients in pairs; everything comes from recorded counts, nothing is typed in.
    ``ingest_reports`` (the sites' validation.json) add the quarantine step, if any.
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
    match_rows = []
    for (arm, site), group in eligible.groupby(["arm", "site"], sort=True):
        n_matched = int(((matched["arm"] == arm) & (matched["site"] == site)).sum())
        match_rows.append(
            {
                "arm": arm,
                "site": site,
                "step_no": last,
                "step": "matched 1:1",
                "rule": "in a matched pair",
                "n_before": len(group),
                "n_excluded": len(group) - n_matched,
                "n_after": n_matched,
            }
        )
    per_site = pd.concat([per_site, pd.DataFrame(match_rows)], ignore_index=True)[COLUMNS]
    pooled = (
        per_site.groupby(["arm", "step_no", "step", "rule"], sort=True)[
            ["n_before", "n_excluded", "n_after"]
        ]
        .sum()
        .reset_index()
        .assign(site="all")
    )[COLUMNS]
    out = pd.concat([per_site, pooled], ignore_index=True)
    return out.sort_values(["arm", "site", "step_no"], kind="stable").reset_index(drop=True)


def arm_flow(attrition: pd.DataFrame, arm: str) -> list[dict]:
    """The pooled steps of one arm in order, with the per-site counts of the first step.

    After a quarantine step the "screened" step is dropped: its count is the quarantine
    step's ``n_after``.
    """
    rows = attrition[(attrition["arm"] == arm) & (attrition["site"] == "all")]
    out = rows.sort_values("step_no").to_dict("records")
    if not out:
        return out
    if out[0]["step"] == QUARANTINE_STEP:
        out = [r for r in out if r["step_no"] != 0]
    first = out[0]["step_no"]
    sites = attrition[
        (attrition["arm"] == arm) & (attrition["site"] != "all") & (attrition["step_no"] == first)
    ]
    out[0]["by_site"] = dict(zip(sites["site"], sites["n_before"]))
    return out
