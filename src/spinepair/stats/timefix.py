"""Times equal up to floating-point noise made equal, as R survival's ``aeqSurv``.

R's ``survfit``, ``survdiff`` and ``coxph`` apply it by default (``timefix = TRUE``), so that
e.g. 0.1 + 0.2 and 0.3 count as one tied time; without it they are two distinct times.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def timefix(time: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Each time replaced by the smallest of its group of near-equal times (R ``aeqSurv``).

    Sorted distinct values y closer than ``tolerance`` in absolute terms, or relative to
    mean(|y|), are chained into one group.
    """
    t = np.asarray(time, dtype=float)
    y = np.unique(t[np.isfinite(t)])
    if len(y) < 2 or tolerance <= 0:
        return t
    dy = np.diff(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        tied = (dy <= tolerance) | (dy / np.abs(y).mean() <= tolerance)
    if not tied.any():
        return t
    cuts = y[np.r_[True, ~tied]]
    return cuts[np.searchsorted(cuts, t, side="right") - 1]
