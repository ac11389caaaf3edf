"""R's ``uniroot`` (Brent's zeroin, R ``src/library/stats/src/zeroin.c``, ``R_zeroin2``).

Ported step for step so that results computed with R's default, coarse tolerances (e.g.
``wilcox.test(tol.root = 1e-4)``) are reproduced to rounding error rather than to ``tol``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from spinepair.stats._common import StatsInputError

_EPS = float(np.finfo(float).eps)


def uniroot(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    tol: float = _EPS**0.25,
    f_lower: float | None = None,
    f_upper: float | None = None,
    maxiter: int = 1000,
) -> float:
    """Root of ``f`` in [lower, upper] exactly as R ``uniroot(f, lower=, upper=, tol=)``."""
    fa = f(lower) if f_lower is None else f_lower
    fb = f(upper) if f_upper is None else f_upper
    if not np.sign(fa) * np.sign(fb) <= 0:
        raise StatsInputError("uniroot: f() values at end points not of opposite sign")
    a, b, c, fc = lower, upper, lower, fa
    if fa == 0:
        return a
    if fb == 0:
        return b
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p, q = cb * t1, 1.0 - t1
            else:
                q, t1, t2 = fa / fc, fb / fc, fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < 0.75 * cb * q - abs(tol_act * q) / 2 and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    raise StatsInputError(f"uniroot did not converge in {maxiter} iterations")
