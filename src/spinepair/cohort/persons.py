"""One person, one patient across sites: the pooled study's policy for persons at two sites.

Ingest gives every patient a keyed person pseudonym (``person_key``: HMAC of the digits of
the registration number; no number leaves ingest). A person with patients at two or more
sites would enter the pooled study twice. The study config declares what happens
(``persons.across_sites``):

- ``keep_earliest``: the patient with the earliest treatment start stays; the person's other
  patients are excluded (a later course is not the primary treatment);
- ``exclude_all``: every patient of the person is excluded;
- ``fail``: the study stops with the sites and patient keys of each such person.

The excluded are counted in the attrition as a pooled step before matching.
"""

from __future__ import annotations

import pandas as pd

from spinepair.errors import ConfigError, SpinepairError

POLICIES = ("keep_earliest", "exclude_all", "fail")
STEP = "same person at another site"
WORDING = {
    "keep_earliest": "same person treated earlier at another site",
    "exclude_all": "same person treated at another site (all excluded)",
}
COLUMNS = ["patient_key", "site", "arm", "reason"]


class DuplicatePersonError(SpinepairError):
    """Persons with patients at two or more sites under the ``fail`` policy."""


def cross_site_duplicates(patients: pd.DataFrame, policy: str) -> pd.DataFrame:
    """The patients the policy removes (patient_key, site, arm, reason).

    ``patients``: patient_key, person_key (NA: unknown person), site, arm, treatment_start
    (NA sorts last) of every patient of every site, eligible or not.
    """
    if policy not in POLICIES:
        raise ConfigError(f"persons.across_sites must be one of {list(POLICIES)}, not {policy!r}")
    known = patients[patients["person_key"].notna()]
    sites = known.groupby("person_key")["site"].nunique()
    shared = known[known["person_key"].isin(sites[sites > 1].index)]
    if shared.empty:
        return pd.DataFrame(columns=COLUMNS).astype("string")
    if policy == "fail":
        lines = [
            "; ".join(f"site {r.site} patient {r.patient_key}" for r in g.itertuples())
            for _, g in shared.sort_values(["site", "patient_key"]).groupby("person_key")
        ]
        raise DuplicatePersonError(
            f"{len(lines)} person(s) have patients at two or more sites (persons.across_sites: "
            "fail): " + " | ".join(lines)
        )
    ordered = shared.sort_values(
        ["person_key", "treatment_start", "site", "patient_key"], na_position="last"
    )
    if policy == "keep_earliest":
        removed = ordered[ordered.duplicated("person_key", keep="first")]
    else:
        removed = ordered
    out = removed[["patient_key", "site", "arm"]].assign(reason=WORDING[policy])
    return out.sort_values(["site", "patient_key"]).reset_index(drop=True).astype("string")


def apply_to_cohort(cohort: pd.DataFrame, removed: pd.DataFrame) -> pd.DataFrame:
    """The cohort with the removed patients made ineligible at the pooled step."""
    out = cohort.copy()
    hit = out["patient_key"].isin(removed["patient_key"]) & out["eligible"].fillna(False)
    out.loc[hit, "eligible"] = False
    out.loc[hit, "excluded_at"] = STEP
    reasons = removed.set_index("patient_key")["reason"]
    out.loc[hit, "exclusion_reason"] = out.loc[hit, "patient_key"].map(reasons)
    return out
