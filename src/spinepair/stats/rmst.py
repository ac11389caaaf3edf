"""Restricted mean survival time (RMST) up to a horizon tau, per arm and between arms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinepair.stats._common import StatsInputError, z_quantile
from spinepair.stats.survival import kaplan_meier


@dataclass(frozen=True)
class RMST:
    """Restricted mean survival time (or a difference of two) with SE and normal CI."""

    estimate: float
    lower: float
    upper: float
    se: float
    method: str
    conf_level: float = float("nan")


def rmst(time, event, tau: float, alpha: float = 0.05, timefix: bool = True) -> RMST:
    """Area under the Kaplan-Meier curve from 0 to ``tau`` with a normal CI, as R
    ``print(survfit(Surv(time, event) ~ 1), rmean = tau)`` (rmean, se(rmean)): variance
    sum over event times t <= tau of A(t)^2 d / (n (n - d)), A(t) the area from t to tau.
    Beyond the last observed time the curve is carried forward, as R does."""
    z = z_quantile(alpha)
    if not np.isfinite(tau) or tau <= 0:
        raise StatsInputError(f"tau must be a positive number, got {tau}")
    km = kaplan_meier(time, event, timefix=timefix)
    keep = km.times <= tau
    times, surv = km.times[keep], km.survival[keep]
    d, n = km.n_events[keep].astype(float), km.n_at_risk[keep].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(n > d, d / (n * (n - d)), 0.0)
    start = min(0.0, float(km.times[0]))
    widths = np.diff(np.r_[start, times, tau])
    rectangles = widths * np.r_[1.0, surv]
    area_after = np.cumsum(rectangles[::-1])[::-1][1:]  # area from each time to tau
    mean = float(rectangles.sum() + start)
    se = float(np.sqrt((area_after**2 * hazard).sum()))
    method = f"RMST to tau = {tau:g}, Kaplan-Meier area, normal CI (R print(survfit, rmean))"
    if tau > km.times[-1]:
        method += "; tau beyond the last observed time: last survival carried forward"
    return RMST(mean, mean - z * se, mean + z * se, se, method, 1 - alpha)


def rmst_difference(
    time, event, group, tau: float, alpha: float = 0.05, timefix: bool = True
) -> RMST:
    """RMST of the second group level minus the first (sorted, as R factors) up to ``tau``,
    normal CI with variance the sum of the two arms' variances. This treats the arms as
    independent and ignores the matching, so for matched pairs the CI is conservative when
    pair members' outcomes are positively correlated."""
    z = z_quantile(alpha)
    g = np.asarray(group)
    levels = np.unique(g)
    if len(levels) != 2:
        raise StatsInputError(f"group must have exactly 2 levels, got {list(levels)}")
    t, e = np.asarray(time), np.asarray(event)
    first, second = (rmst(t[g == lv], e[g == lv], tau, alpha, timefix) for lv in levels)
    diff = second.estimate - first.estimate
    se = float(np.hypot(first.se, second.se))
    method = (
        f"RMST difference {levels[1]} - {levels[0]} to tau = {tau:g}, normal CI, variances "
        "added: arms treated as independent, pairing ignored"
    )
    return RMST(diff, diff - z * se, diff + z * se, se, method, 1 - alpha)
