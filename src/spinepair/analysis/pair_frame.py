"""Matched pairs side by side: one row per pair, ``<col>_idx`` (index arm) and ``<col>_cmp``."""

from __future__ import annotations

import pandas as pd

from spinepair.errors import SpinepairError


class PairingError(SpinepairError, ValueError):
    """The pairs do not fit the derived patient table."""


def pair_frame(
    derived: pd.DataFrame, pairs: pd.DataFrame, key: str = "patient_key"
) -> pd.DataFrame:
    """One row per pair (in ``pair_id`` order): ``pair_id``, ``distance`` and every derived
    column twice, suffixed ``_idx`` (patient ``index_key``) and ``_cmp`` (``comparator_key``).

    Raises :class:`PairingError` when a key of ``pairs`` is not in ``derived``, a patient key is
    duplicated in ``derived``, or a patient is in more than one pair.
    """
    for col in ("pair_id", "index_key", "comparator_key"):
        if col not in pairs.columns:
            raise PairingError(f"pairs: no column {col!r} (columns: {list(pairs.columns)})")
    if key not in derived.columns:
        raise PairingError(f"derived: no column {key!r}")
    dup = derived[key][derived[key].duplicated()]
    if len(dup):
        raise PairingError(f"derived: patient {dup.iloc[0]!r} appears more than once")
    used = pd.concat([pairs["index_key"], pairs["comparator_key"]])
    if used.duplicated().any():
        raise PairingError(f"pairs: patient {used[used.duplicated()].iloc[0]!r} is in two pairs")
    if pairs["pair_id"].duplicated().any():
        raise PairingError("pairs: pair_id is not unique")
    known = set(derived[key])
    absent = [k for k in used if k not in known]
    if absent:
        raise PairingError(
            f"pairs: {len(absent)} patient key(s) not in the derived table, first {absent[0]!r}"
        )
    base = pairs[["pair_id", "index_key", "comparator_key"]].copy()
    if "distance" in pairs.columns:
        base["distance"] = pairs["distance"].to_numpy()
    table = derived.set_index(key)
    idx = table.loc[base["index_key"]].add_suffix("_idx").reset_index(drop=True)
    cmp = table.loc[base["comparator_key"]].add_suffix("_cmp").reset_index(drop=True)
    out = pd.concat([base.reset_index(drop=True), idx, cmp], axis=1)
    return out.sort_values("pair_id", kind="stable").reset_index(drop=True)
