"""Design facts a referee checks first, as study diagnostics (:mod:`spinepair.analysis.diagnostics`).

- arm by site: the share of pairs whose members come from the same site, and the sites each
  arm occurs at among the matched pairs; WARN when the arms occur at disjoint sets of sites
  (the arm is then confounded with the site: no within-site comparison exists);
- events before the first assessment: per endpoint declared in
  ``analysis.diagnostics.first_assessment_months`` (key -> months), the events dated before
  the earliest plausible first assessment (e.g. a local failure before the first follow-up
  MRI; their count and, per arm, their times, statistic ``early_event_months``); WARN when
  there is any.

Each check is a :class:`Check`: its ARD rows (table ``diagnostics``), PASS/WARN, the line
shown and, for a WARN, a limitation sentence for the summary.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from spinepair.analysis.ard import ArdRows


@dataclass
class Check:
    """One diagnostic: ARD rows, status, the line shown and a limitation ("" when PASS)."""

    part: ArdRows
    status: str
    message: str
    limitation: str = ""


def _sites(values) -> str:
    return ", ".join(sorted(map(str, set(values))))


def site_confounding(pf: pd.DataFrame, arms) -> Check:
    """Pairs within one site and the sites of each arm (columns ``site_idx``, ``site_cmp``)."""
    n = len(pf)
    same = int((pf["site_idx"].astype(str) == pf["site_cmp"].astype(str)).sum())
    where = {arm: set(pf[f"site_{side}"].astype(str)) for arm, side in zip(arms, ("idx", "cmp"))}
    shared = where[arms[0]] & where[arms[1]]
    part = ArdRows("diagnostics")
    method = "pairs whose two members were treated at the same site"
    part.add("site", "site", "pairs_same_site", same, n=n, denominator=n, method=method)
    part.add("site", "site", "shared_sites", len(shared), n=n,
             method="sites at which both arms occur among the matched pairs")  # fmt: skip
    arms_at = "; ".join(f"{arm} at {_sites(where[arm])}" for arm in arms)
    text = f"{same} of {n} pairs within one site ({arms_at})"
    if shared:
        return Check(part, "PASS", f"Arm by site: {text}; both arms at {_sites(shared)}")
    return Check(
        part,
        "WARN",
        f"Arm by site: {text}; the arms occur at disjoint sets of sites, so arm is confounded "
        "with site",
        f"Treatment arm is completely confounded with hospital ({arms_at}; {same} of {n} pairs "
        "within one hospital): the comparison cannot separate the treatment from differences "
        "between hospitals in patient selection, imaging schedules and toxicity recording.",
    )


def early_events(pf: pd.DataFrame, arms, first: dict, titles: dict) -> list[Check]:
    """Per declared endpoint key, the events before ``first[key]`` months
    (columns ``<key>_months`` and ``<key>_event`` of each pair member)."""
    checks = []
    for key, months in first.items():
        title, limit = titles.get(key, key), float(months)
        times = {
            arm: sorted(
                float(t)
                for t, e in zip(pf[f"{key}_months_{side}"], pf[f"{key}_event_{side}"])
                if pd.notna(t) and pd.notna(e) and bool(e) and float(t) < limit
            )
            for arm, side in zip(arms, ("idx", "cmp"))
        }
        k = sum(map(len, times.values()))
        part = ArdRows("diagnostics")
        part.add(key, f"{key}_months", "events_before_first_assessment", k, n=2 * len(pf),
                 method=f"events of pair members dated before {limit:g} months (declared "
                 "earliest plausible first assessment)")  # fmt: skip
        for arm, ts in times.items():
            for i, t in enumerate(ts, 1):
                part.add(key, f"{key}_months", "early_event_months", t, arm=arm, level=str(i),
                         method=f"time of early event {i} of the arm")  # fmt: skip
        if not k:
            text = f"{title}: no event before {limit:g} months (earliest plausible assessment)"
            checks.append(Check(part, "PASS", text))
            continue
        at = "; ".join(
            f"{arm} " + ", ".join(f"{t:.2f}" for t in ts) for arm, ts in times.items() if ts
        )
        checks.append(
            Check(
                part,
                "WARN",
                f"{title}: {k} events before {limit:g} months, the earliest plausible first "
                f"assessment ({at} months)",
                f"{title}: {k} events are dated before a plausible first assessment "
                f"({limit:g} months; {at} months): they may be findings present at baseline "
                "or dating errors, and they weigh on the early rates.",
            )
        )
    return checks
