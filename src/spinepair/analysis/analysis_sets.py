"""Analysis sets: the pairs an endpoint is analysed on (study config ``analysis.analysis_sets``).

A set is declared by key, e.g. ``lc: {require: followup_mri, label: pairs with follow-up MRI}``,
and an endpoint names it (``analysis.endpoints.<key>.analysis_set``): a pair is in the set when
the flag column ``require`` is true for both members. Every statistic of the endpoint (numbers,
events, Kaplan-Meier curves, medians, rates, tests, hazard ratios, cumulative incidence) uses
these pairs and no others. :func:`mark_sets` writes ``in_set_<key>`` into the pair frame, so every
consumer of the pair frame (statistics, figures) reads the same pairs; :func:`in_set` reads it
back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis.ard import MATCHED_PAIRS

PREFIX = "in_set_"


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
    return out


def in_set(pf: pd.DataFrame, key: str) -> np.ndarray:
    """Boolean mask of the pairs in the analysis set ``key``."""
    col = f"{PREFIX}{key}"
    if col not in pf.columns:
        raise KeyError(f"analysis set {key!r} is not declared (analysis.analysis_sets)")
    return pf[col].to_numpy(bool)


def set_label(sets: dict | None, key: str | None) -> str:
    """The set ``key`` in words (its ``label``); "matched pairs" without a set."""
    decl = (sets or {}).get(key) if key else None
    if not decl:
        return MATCHED_PAIRS
    return str(decl.get("label") or f"pairs with {decl['require']} true for both members")


def describe(sets: dict | None, key: str | None) -> str:
    """The rule of the set ``key`` in words ('' without a set)."""
    decl = (sets or {}).get(key) if key else None
    if not decl:
        return ""
    return (
        f"analysis set: {set_label(sets, key)} ({decl['require']} true for both members of a "
        "pair; a pair with a member outside the set is left out of every statistic)"
    )
