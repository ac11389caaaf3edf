"""The STROBE-style flow of the study as data: what each box of the diagram says.

Built from the pooled attrition table (recorded counts only) and the analysed numbers per
endpoint; :mod:`spinepair.cohort.flowchart` draws it. Steps that exclude nobody are left out
of the diagram (they stay in the attrition table); exclusions are worded as exclusions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from spinepair.cohort.attrition import MATCH_STEP, QUARANTINE_STEP, arm_flow


@dataclass(frozen=True)
class Exclusion:
    """One reason in an exclusion box: its wording, count and per-site counts."""

    wording: str
    n: int
    by_site: dict[str, int]


@dataclass(frozen=True)
class ArmFlow:
    """The boxes of one arm, from the exports to the patients in pairs."""

    arm: str
    top_label: str
    screened: int
    screened_by_site: dict[str, int]
    quarantined: Exclusion | None
    quarantined_records: list[Exclusion]  # child records set aside at ingest, per table
    exclusions: list[Exclusion]
    eligible: int
    not_matched: Exclusion | None
    matched: int


@dataclass(frozen=True)
class Flow:
    """The whole diagram: the arms, the pairs they join into, and the analysed boxes."""

    arms: list[ArmFlow]
    pairs: int
    analysed: list[tuple[str, dict[str, int]]] = field(default_factory=list)


def _exclusion(step: dict) -> Exclusion | None:
    if not step["n_excluded"]:
        return None
    sites = {s: n for s, n in step["excluded_by_site"].items() if n}
    wording = step.get("exclusion")
    wording = wording if isinstance(wording, str) and wording else f"not: {step['step']}"
    return Exclusion(wording, int(step["n_excluded"]), sites)


def _child_records(records: pd.DataFrame | None, arm: str) -> list[Exclusion]:
    """Child records set aside at ingest per table (sites of the arm), those with any."""
    if records is None or records.empty:
        return []
    mine = records[(records["arm"] == arm) & (records["table"] != "patients")]
    mine = mine[mine["records_rejected"] > 0]
    return [
        Exclusion(f"{table} records", int(g["records_rejected"].sum()),
                  dict(zip(g["site"].astype(str), g["records_rejected"].astype(int))))
        for table, g in mine.groupby("table", sort=True)
    ]  # fmt: skip


def arm_boxes(attrition: pd.DataFrame, arm: str, records: pd.DataFrame | None = None) -> ArmFlow:
    """The boxes of one arm from the pooled attrition table (and the per-table records set
    aside at ingest, :func:`spinepair.cohort.attrition.quarantined_records`)."""
    steps = arm_flow(attrition, arm)
    if not steps:
        raise ValueError(f"the attrition table has no rows for arm {arm!r}")
    quarantined = _exclusion(steps[0]) if steps[0]["step"] == QUARANTINE_STEP else None
    match = next(s for s in steps if s["step"] == MATCH_STEP)
    eligibility = [s for s in steps[1:] if s["step"] != MATCH_STEP]
    return ArmFlow(
        arm=arm,
        top_label="records in the exports" if quarantined else "screened",
        screened=int(steps[0]["n_before"]),
        screened_by_site=steps[0]["by_site"],
        quarantined=quarantined,
        quarantined_records=_child_records(records, arm),
        exclusions=[e for e in map(_exclusion, eligibility) if e is not None],
        eligible=int(match["n_before"]),
        not_matched=_exclusion(match),
        matched=int(match["n_after"]),
    )


def analysed_from_ard(
    ard: pd.DataFrame, titles: dict[str, str] | None = None
) -> list[tuple[str, dict[str, int]]]:
    """(label, {arm: n}) per analysis from the ARD's ``flow`` rows, in ARD order.

    A row whose key is an endpoint of ``titles`` is labelled with the endpoint's title and
    its analysis set in brackets (the row's ``variable``, if any); other rows (from table
    rows) carry their label in ``variable``.
    """
    titles = titles or {}
    rows = ard[(ard["table"] == "flow") & (ard["statistic"] == "n_analysed")]
    rows = rows[rows["variant"] == "primary"]
    boxes: dict[str, dict[str, int]] = {}
    for key, variable, arm, n in zip(rows["row"], rows["variable"], rows["arm"], rows["value"]):
        label = str(variable)
        if key in titles:
            label = titles[key] + (f" ({variable})" if variable else "")
        boxes.setdefault(label, {})[str(arm)] = int(n)
    return list(boxes.items())


def study_flow(
    attrition: pd.DataFrame,
    arms: list[str],
    analysed: list[tuple[str, dict[str, int]]],
    records: pd.DataFrame | None = None,
) -> Flow:
    """The flow of a 1:1 matched study: both arms must end in the same number of patients."""
    boxes = [arm_boxes(attrition, arm, records) for arm in arms]
    matched = {b.matched for b in boxes}
    if len(matched) != 1:
        raise ValueError(f"arms end in different numbers of matched patients: {matched}")
    return Flow(boxes, matched.pop(), list(analysed))
