"""Analysis sets: the pairs an endpoint is analysed on (study config ``analysis.analysis_sets``).

A set is declared per endpoint key, e.g. ``lc: {require: followup_mri, describe: per_arm}``: a
patient is in the set when the flag column ``require`` is true. Paired comparisons (tests,
hazard ratios) keep a pair only when both members are in it. The description of each arm
(numbers, events, Kaplan-Meier curves, medians and rates) uses the same pairs by default
(``describe: pairs``), or with ``describe: per_arm`` every patient of the arm in the set, as a
study reports actuarial rates per arm. :func:`mark_sets` writes ``in_set_<key>`` (pairs) and,
for ``per_arm``, ``in_set_<key>_idx`` / ``_cmp`` (members) into the pair frame, so every
consumer of the pair frame (statistics, Kaplan-Meier figures) reads the same patients;
:func:`in_set` and :func:`member_in_set` read them back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREFIX = "in_set_"
DESCRIBE = ("pairs", "per_arm")


def _flag(s: pd.Series) -> np.ndarray:
    return s.astype("boolean").fillna(False).to_numpy(bool)


def mark_sets(pf: pd.DataFrame, sets: dict | None) -> pd.DataFrame:
    """The pair frame with a column ``in_set_<key>`` per declared set (both members have the
    ``require`` flag true)."""
    out = pf.copy()
    for key, decl in (sets or {}).items():
        if not decl:  # removed by an overlay (null)
            continue
        col = str(decl["require"])
        for side in ("idx", "cmp"):
            if f"{col}_{side}" not in pf.columns:
                raise KeyError(f"analysis set {key!r}: pair frame has no column {col}_{side}")
        out[f"{PREFIX}{key}"] = _flag(pf[f"{col}_idx"]) & _flag(pf[f"{col}_cmp"])
        describe_as = decl.get("describe", "pairs")
        if describe_as not in DESCRIBE:
            raise ValueError(f"analysis set {key!r}: describe must be one of {DESCRIBE}")
        if describe_as == "per_arm":
            for side in ("idx", "cmp"):
                out[f"{PREFIX}{key}_{side}"] = _flag(pf[f"{col}_{side}"])
    return out


def in_set(pf: pd.DataFrame, key: str) -> np.ndarray:
    """Boolean mask of the pairs in the analysis set of ``key`` (all pairs without one)."""
    col = f"{PREFIX}{key}"
    return pf[col].to_numpy(bool) if col in pf.columns else np.ones(len(pf), bool)


def member_in_set(pf: pd.DataFrame, key: str, side: str) -> np.ndarray | None:
    """Members of one side (``idx``/``cmp``) in the set of ``key`` when the set describes each
    arm on its own patients (``describe: per_arm``); None when arms are described by pairs."""
    col = f"{PREFIX}{key}_{side}"
    return pf[col].to_numpy(bool) if col in pf.columns else None


def set_label(sets: dict | None, key: str) -> str:
    """A short name of the analysis set of ``key`` for the flow diagram ('' without a set)."""
    decl = (sets or {}).get(key)
    if not decl:
        return ""
    return str(decl.get("label") or f"{decl['require']} true")


def describe(sets: dict | None, key: str) -> str:
    """The rule of the analysis set of ``key`` in words ('' when it has none)."""
    decl = (sets or {}).get(key)
    if not decl:
        return ""
    rule = (
        f"analysis set: {decl['require']} true; paired comparisons on the pairs whose both "
        "members are in the set"
    )
    if decl.get("describe") == "per_arm":
        return rule + "; each arm described (Kaplan-Meier) on all its patients in the set"
    return rule + " (a pair with one member outside the set is left out)"
