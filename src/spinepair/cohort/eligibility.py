"""Eligibility: declarative steps applied in order, every exclusion kept with its reason.

A step is a mapping from config, for example::

    {"name": "primary tumour", "column": "primary_tumor", "in": ["HCC"]}
    {"name": "study window", "column": "treatment_year", "between": [2005, 2012]}
    {"name": "primary treatment", "column": "prior_index_treatment",
     "in_by_arm": {"SRS": ["none"], "RT": ["none", "rt", "srs", "other"]}}

A patient is excluded at the first step it fails; a missing value fails the step. A step may
word its exclusion for the flow diagram (``exclusion``: a text, or a mapping arm -> text when
the rule differs by arm); without one, the rule's negation is used.
"""

from __future__ import annotations

import pandas as pd

from spinepair.errors import ConfigError

RULES = ("in", "between", "in_by_arm")


def validate_steps(steps: list[dict], columns) -> None:
    """Raise ConfigError naming the step when a step is malformed or its column unknown."""
    for i, step in enumerate(steps, 1):
        where = f"eligibility step {i} ({step.get('name', '?')!r})"
        rules = [r for r in RULES if r in step]
        if len(rules) != 1:
            raise ConfigError(f"{where}: give exactly one of {list(RULES)}")
        if step.get("column") not in columns:
            raise ConfigError(f"{where}: unknown column {step.get('column')!r}")
        if "between" in step and len(step["between"]) != 2:
            raise ConfigError(f"{where}: 'between' needs [low, high]")


def describe(step: dict) -> str:
    """The rule of a step in words, for the attrition table."""
    col = step["column"]
    if "in" in step:
        return f"{col} in {list(step['in'])}"
    if "between" in step:
        lo, hi = step["between"]
        return f"{lo} <= {col} <= {hi}"
    allowed = "; ".join(f"{arm}: {list(v)}" for arm, v in step["in_by_arm"].items())
    return f"{col} allowed per arm ({allowed})"


def exclusion_wording(step: dict, arm: str) -> str:
    """How the flow diagram names the patients a step excludes in one arm."""
    wording = step.get("exclusion")
    if isinstance(wording, dict):
        wording = wording.get(arm)
    if wording:
        return str(wording)
    col = step["column"]
    if "in" in step:
        return f"{col} not in {list(step['in'])}"
    if "between" in step:
        lo, hi = step["between"]
        return f"{col} outside {lo}-{hi}"
    return f"{col} not in {list(step['in_by_arm'].get(arm, []))}"


def _passes(df: pd.DataFrame, step: dict) -> tuple[pd.Series, pd.Series]:
    col = df[step["column"]]
    if "in" in step:
        ok = col.isin(list(step["in"]))
        why = step["column"] + " " + col.astype("string") + f" not in {list(step['in'])}"
    elif "between" in step:
        lo, hi = step["between"]
        ok = (col >= lo) & (col <= hi)
        why = step["column"] + " " + col.astype("string") + f" outside {lo}-{hi}"
    else:
        allowed = step["in_by_arm"]
        ok = pd.Series([v in allowed.get(a, ()) for v, a in zip(col, df["arm"])], index=df.index)
        why = step["column"] + " " + col.astype("string") + " not allowed for arm " + df["arm"]
    missing = col.isna()
    ok = ok.fillna(False).astype(bool) & ~missing
    why = why.where(~missing, f"{step['column']} missing")
    return ok, why


def select(derived: pd.DataFrame, steps: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the steps to one site's derived table.

    Returns the cohort (patient_key, site, arm, eligible, excluded_at, exclusion_reason;
    every patient, sorted by key) and the attrition table (one row per step, with the
    counts before, excluded and after, per arm).
    """
    validate_steps(steps, derived.columns)
    df = derived.sort_values("patient_key").reset_index(drop=True)
    excluded_at = pd.Series(pd.NA, index=df.index, dtype="string")
    reason = pd.Series(pd.NA, index=df.index, dtype="string")
    remaining = pd.Series(True, index=df.index)
    rows = []
    for arm, group in df.groupby("arm", sort=True):
        rows.append(
            _count_row(
                df["site"].iloc[0],
                arm,
                0,
                "screened",
                "all patients in the export",
                "",
                len(group),
                0,
            )
        )
    for i, step in enumerate(steps, 1):
        ok, why = _passes(df, step)
        newly = remaining & ~ok
        excluded_at[newly] = step["name"]
        reason[newly] = why[newly]
        for arm in sorted(df["arm"].unique()):
            in_arm = df["arm"] == arm
            rows.append(
                _count_row(
                    df["site"].iloc[0],
                    arm,
                    i,
                    step["name"],
                    describe(step),
                    exclusion_wording(step, arm),
                    int((remaining & in_arm).sum()),
                    int((newly & in_arm).sum()),
                )
            )
        remaining &= ok
    cohort = pd.DataFrame(
        {
            "patient_key": df["patient_key"].astype("string"),
            "site": df["site"].astype("string"),
            "arm": df["arm"].astype("string"),
            "eligible": remaining.astype("boolean"),
            "excluded_at": excluded_at,
            "exclusion_reason": reason,
        }
    )
    return cohort, pd.DataFrame(rows)


def _count_row(site, arm, no, name, rule, exclusion, n_before, n_excluded) -> dict:
    return {
        "site": site,
        "arm": arm,
        "step_no": no,
        "step": name,
        "rule": rule,
        "exclusion": exclusion,
        "n_before": n_before,
        "n_excluded": n_excluded,
        "n_after": n_before - n_excluded,
    }
