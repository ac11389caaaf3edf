"""Multiplicity adjustment of p-values, as R ``p.adjust``."""

from __future__ import annotations

import numpy as np

from spinepair.stats._common import StatsInputError

P_ADJUST_METHODS = ("holm", "BH", "bonferroni")


def p_adjust(pvalues, method: str = "holm") -> np.ndarray:
    """Adjusted p-values as R ``p.adjust(p, method)`` for ``method`` "holm" (Holm 1979),
    "BH" (Benjamini-Hochberg 1995) or "bonferroni". NaN entries stay NaN and are not
    counted in the number of tests m (R with NA and the default ``n = length(na.omit(p))``).
    """
    if method not in P_ADJUST_METHODS:
        raise StatsInputError(f"method must be one of {P_ADJUST_METHODS}, got {method!r}")
    p = np.asarray(pvalues, dtype=float).reshape(-1)
    if ((p < 0) | (p > 1)).any():
        raise StatsInputError("p-values must lie in [0, 1]")
    out = np.full(p.shape, np.nan)
    keep = ~np.isnan(p)
    q, m = p[keep], int(keep.sum())
    if m == 0:
        return out
    if method == "bonferroni":
        adjusted = q * m
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        adjusted = np.empty(m)
        adjusted[order] = np.maximum.accumulate((m - np.arange(m)) * q[order])
    else:
        order = np.argsort(-q, kind="stable")
        adjusted = np.empty(m)
        adjusted[order] = np.minimum.accumulate(m / np.arange(m, 0, -1) * q[order])
    out[keep] = np.minimum(adjusted, 1.0)
    return out
