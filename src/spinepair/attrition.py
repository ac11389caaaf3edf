"""Pooled attrition: per-site eligibility counts plus the matching step, per arm."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["arm", "site", "step_no", "step", "rule", "n_before", "n_excluded", "n_after"]


def pooled_attrition(
    site_tables: list[pd.DataFrame], cohort: pd.DataFrame, pairs: pd.DataFrame
) -> pd.DataFrame:
    """Rows per arm and site, then per arm over all sites ("all"), ending with matching.

    The matching step's ``n_before`` is the eligible count and ``n_after`` the number of
    patients in pairs; everything comes from recorded counts, nothing is typed in.
    """
    per_site = pd.concat(site_tables, ignore_index=True)
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
    """The pooled steps of one arm in order, with the per-site screened counts."""
    rows = attrition[(attrition["arm"] == arm) & (attrition["site"] == "all")]
    sites = attrition[
        (attrition["arm"] == arm) & (attrition["site"] != "all") & (attrition["step_no"] == 0)
    ]
    out = rows.sort_values("step_no").to_dict("records")
    if out:
        out[0]["by_site"] = dict(zip(sites["site"], sites["n_before"]))
    return out
