"""Survival analysis on matched pairs: stratified log-rank, Kaplan-Meier, stratified Cox.

All vectorised with numpy (no Python loop over rows, strata or times), the stratified
Cox model included (Newton-Raphson on the Efron partial likelihood).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.stats._common import (
    StatsInputError,
    TestResult,
    as_bool,
    as_float,
    same_length,
    sps,
    z_quantile,
)
from spinepair.stats._efron import EfronCox

TIES_TEXT = {
    "efron": "Efron ties",
    "breslow": "Breslow ties",
    "exact": "exact partial likelihood for ties",
}
from spinepair.stats.timefix import timefix as fix_times

CONF_TYPES = ("log-log", "log", "plain")
# R: quantile.survfit(tolerance = sqrt(.Machine$double.eps))
_TOL = float(np.sqrt(np.finfo(float).eps))


def _times(time, timefix: bool = False) -> np.ndarray:
    t = as_float(time, "time")
    if (t < 0).any():
        raise StatsInputError(f"time: negative value at position {int(np.argmax(t < 0))}")
    return fix_times(t) if timefix else t


def _factor(values, name: str) -> tuple[np.ndarray, pd.Index]:
    codes, levels = pd.factorize(np.asarray(values), sort=True)
    if (codes < 0).any():
        raise StatsInputError(f"{name}: missing value at position {int(np.argmax(codes < 0))}")
    return codes, levels


def _two_groups(group) -> tuple[np.ndarray, pd.Index]:
    codes, levels = _factor(group, "group")
    if len(levels) != 2:
        raise StatsInputError(f"group must have exactly 2 levels, got {list(levels)}")
    return codes, levels


def stratified_logrank(time, event, group, strata, timefix: bool = True) -> TestResult:
    """Log-rank test of two groups stratified by ``strata`` (e.g. matched pair id).

    Equals R ``survdiff(Surv(time, event) ~ group + strata(strata))``: per stratum and
    distinct event time, observed minus expected events in one group and the hypergeometric
    variance are summed over all strata; chi-square = (O - E)^2 / V with 1 df. A stratum
    holding one group only contributes nothing. Without any event the result is statistic 0,
    p and df NaN, as R (chisq 0, p NA); events but no stratum with both groups at risk at an
    event time (V = 0) raise StatsInputError (R: "system is exactly singular"). ``timefix`` merges times equal up
    to rounding noise as R does (:func:`spinepair.stats.timefix.timefix`).
    """
    t, e = _times(time, timefix), as_bool(event, "event")
    g, _ = _two_groups(group)
    s, s_levels = _factor(strata, "strata")
    n = same_length(time=t, event=e, group=g, strata=s)
    order = np.lexsort((t, s))
    t, e, s, g1 = t[order], e[order], s[order], g[order] == 1
    new_stratum = np.r_[True, s[1:] != s[:-1]]
    new_time = new_stratum | np.r_[True, t[1:] != t[:-1]]
    stratum_end = np.r_[np.flatnonzero(new_stratum)[1:], n]
    end_row = stratum_end[np.cumsum(new_stratum) - 1]
    first = np.flatnonzero(new_time)  # first row of each (stratum, time) block
    deaths = np.add.reduceat(e.astype(float), first)
    deaths1 = np.add.reduceat((e & g1).astype(float), first)
    at_risk = (end_row[first] - first).astype(float)
    tail1 = np.r_[np.cumsum(g1[::-1])[::-1], 0]  # number of group-1 rows at or after each row
    at_risk1 = (tail1[first] - tail1[end_row[first]]).astype(float)
    keep = deaths > 0
    deaths, deaths1, at_risk, at_risk1 = deaths[keep], deaths1[keep], at_risk[keep], at_risk1[keep]
    frac = at_risk1 / at_risk
    o_minus_e = float((deaths1 - deaths * frac).sum())
    multi = at_risk > 1
    var = float(
        (
            deaths[multi]
            * frac[multi]
            * (1 - frac[multi])
            * (at_risk[multi] - deaths[multi])
            / (at_risk[multi] - 1)
        ).sum()
    )
    method = f"Log-rank test stratified by {len(s_levels)} strata (R survdiff with strata())"
    if not e.any():
        return TestResult(0.0, float("nan"), float("nan"), "Log-rank not computed: no events")
    if var <= 0:
        raise StatsInputError(
            "log-rank: no event time with both groups at risk in the same stratum"
        )
    stat = o_minus_e**2 / var
    return TestResult(float(stat), float(sps.chi2.sf(stat, 1)), 1.0, method)


@dataclass(frozen=True, eq=False)
class KMPoints:
    """Kaplan-Meier estimate read at requested times (NaN after the last observed time)."""

    times: np.ndarray
    survival: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_at_risk: np.ndarray


@dataclass(frozen=True, eq=False)
class KaplanMeier:
    """Kaplan-Meier curve at every distinct observed time (as R ``survfit``).

    ``se`` is the Greenwood standard error of S(t) (R ``summary.survfit`` std.err); it is NaN
    where S(t) = 0. ``lower``/``upper`` is the pointwise CI of type ``conf_type``; where
    S(t) = 1 it is (1, 1), where S(t) = 0 it is NaN. ``median`` and its CI follow R
    ``quantile.survfit`` (NaN when not reached).
    """

    times: np.ndarray
    n_at_risk: np.ndarray
    n_events: np.ndarray
    n_censored: np.ndarray
    survival: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    alpha: float
    median: float
    median_lower: float
    median_upper: float

    def at(self, times) -> KMPoints:
        """Survival, SE, CI and number at risk at ``times`` (R ``summary(fit, times=)``)."""
        q = as_float(np.atleast_1d(times), "times")
        idx = np.searchsorted(self.times, q, side="right") - 1
        before = idx < 0
        after = q > self.times[-1]
        safe = np.clip(idx, 0, None)

        def pick(values: np.ndarray, start: float) -> np.ndarray:
            out = np.where(before, start, values[safe])
            return np.where(after, np.nan, out)

        risk_idx = np.searchsorted(self.times, q, side="left")
        padded_risk = np.r_[self.n_at_risk, 0]
        return KMPoints(
            times=q,
            survival=pick(self.survival, 1.0),
            se=pick(self.se, 0.0),
            lower=pick(self.lower, 1.0),
            upper=pick(self.upper, 1.0),
            n_at_risk=padded_risk[risk_idx],
        )


def _confint(surv: np.ndarray, se_h: np.ndarray, conf_type: str, z: float):
    """Pointwise CI from S and the SE of the cumulative hazard, formulas of R survfit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = z * se_h * surv
            lower, upper = np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        elif conf_type == "log":
            lower, upper = surv * np.exp(-z * se_h), np.minimum(surv * np.exp(z * se_h), 1.0)
        else:
            loglog = np.log(-np.log(surv))
            width = z * se_h / np.log(surv)
            lower, upper = np.exp(-np.exp(loglog - width)), np.exp(-np.exp(loglog + width))
    one, zero = surv == 1, surv == 0
    lower = np.where(one, 1.0, np.where(zero, np.nan, lower))
    upper = np.where(one, 1.0, np.where(zero, np.nan, upper))
    return lower, upper


def _first_crossing(x: np.ndarray, curve: np.ndarray, p: float = 0.5) -> float:
    """R survival's ``findq`` for one probability: where ``1 - curve`` first reaches ``p``."""
    xs = np.r_[0.0, x]
    y = np.r_[0.0, 1.0 - curve]
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    first.sort()  # keep the first occurrence of each value, in time order (R duplicated())
    last_is_nan = bool(np.isnan(y[first[-1]]))
    first = first[~np.isnan(y[first])]
    xs_u, y_u = xs[first], y[first]
    if y_u.max() < p:
        return float("nan")
    hit1 = np.flatnonzero(y_u + _TOL >= p)
    hit2 = np.flatnonzero(y_u - _TOL >= p)
    if not last_is_nan and abs(p - y_u[-1]) < _TOL:
        return float((xs_u[hit1[0]] + xs[-1]) / 2)
    if hit2.size == 0:
        return float("nan")
    return float((xs_u[hit1[0]] + xs_u[hit2[0]]) / 2)


def kaplan_meier(
    time, event, conf_type: str = "log-log", alpha: float = 0.05, timefix: bool = True
) -> KaplanMeier:
    """Kaplan-Meier estimate with Greenwood SE and a ``conf_type`` CI at level 1 - ``alpha``.

    ``conf_type``: "log-log" (lifelines; R ``conf.type = "log-log"``), "log" (R survfit
    default) or "plain". ``timefix`` merges times equal up to rounding noise, as R survfit.
    """
    if conf_type not in CONF_TYPES:
        raise StatsInputError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0 < alpha < 1:
        raise StatsInputError(f"alpha must be in (0, 1), got {alpha}")
    t, e = _times(time, timefix), as_bool(event, "event")
    n = same_length(time=t, event=e)
    if n == 0:
        raise StatsInputError("Kaplan-Meier needs at least one observation")
    order = np.argsort(t, kind="stable")
    t, e = t[order], e[order]
    first = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    times = t[first]
    n_rows = np.diff(np.r_[first, n])
    deaths = np.add.reduceat(e.astype(np.int64), first)
    at_risk = n - first
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - deaths / at_risk)
        se_h = np.sqrt(np.cumsum(deaths / (at_risk * (at_risk - deaths).astype(float))))
        se = np.where(surv == 0, np.nan, surv * se_h)
    z = z_quantile(alpha)  # without scipy.stats: a Kaplan-Meier figure job never imports it
    lower, upper = _confint(surv, se_h, conf_type, z)
    return KaplanMeier(
        times=times,
        n_at_risk=at_risk,
        n_events=deaths,
        n_censored=n_rows - deaths,
        survival=surv,
        se=se,
        lower=lower,
        upper=upper,
        conf_type=conf_type,
        alpha=alpha,
        median=_first_crossing(times, surv),
        median_lower=_first_crossing(times, lower),
        median_upper=_first_crossing(times, upper),
    )


@dataclass(frozen=True)
class CoxResult:
    """Hazard ratio of ``level`` vs ``reference`` from a pair-stratified Cox model, with the
    likelihood-ratio, score and Wald tests of R ``summary(coxph)``."""

    hr: float
    lower: float
    upper: float
    pvalue: float
    coef: float
    se: float
    level: str
    reference: str
    method: str
    likelihood_ratio: TestResult | None = None
    score: TestResult | None = None
    wald: TestResult | None = None
    conf_level: float = float("nan")


def cox_design(time, event, group, strata, reference, timefix: bool):
    """Checked inputs of a one-group Cox model: t, e, x (1 = ``level``), strata, labels."""
    t, e = _times(time, timefix), as_bool(event, "event")
    g, levels = _two_groups(group)
    s, _ = _factor(strata, "strata")
    same_length(time=t, event=e, group=g, strata=s)
    if not e.any():
        raise StatsInputError("Cox model: no events (R coxph gives coefficient NA)")
    if reference is None:
        reference = levels[0]
    if reference not in levels:
        raise StatsInputError(f"reference {reference!r} is not a group level {list(levels)}")
    level = levels[1] if reference == levels[0] else levels[0]
    x = (levels[g] == level).astype(float)
    return t, e, x, s, str(level), str(reference)


def _chi2(stat: float, method: str) -> TestResult:
    return TestResult(float(stat), float(sps.chi2.sf(stat, 1)), 1.0, method)


def stratified_cox(
    time,
    event,
    group,
    strata,
    reference=None,
    alpha: float = 0.05,
    timefix: bool = True,
    ties: str = "efron",
) -> CoxResult:
    """Cox model ``group`` stratified by ``strata``, Wald CI and p; ``ties`` "efron" (R's
    default), "breslow" or "exact" (exact conditional likelihood).

    Equals R ``coxph(Surv(time, event) ~ group + strata(strata), ties =)``: HR = exp(coef) of the
    non-reference level, Wald CI exp(coef +- z se) and Wald p; ``likelihood_ratio``,
    ``score`` and ``wald`` are R's ``summary()$logtest``, ``$sctest``, ``$waldtest``.
    ``reference`` defaults to the first level in sorted order (R's factor default). Written
    here rather than taken from lifelines, whose stratified fit grows quadratically with the
    number of strata (47 s for 1,200 pairs; this takes milliseconds for 100,000).
    """
    t, e, x, s, level, reference = cox_design(time, event, group, strata, reference, timefix)
    model = EfronCox(t, e, x, s, ties)
    coef, info = model.fit()
    se = float(1 / np.sqrt(info))
    ll0, score0, info0 = model.loglik_score_info(0.0)
    ll = model.loglik_score_info(coef)[0]
    z = float(sps.norm.ppf(1 - alpha / 2))
    return CoxResult(
        hr=float(np.exp(coef)),
        lower=float(np.exp(coef - z * se)),
        upper=float(np.exp(coef + z * se)),
        pvalue=float(2 * sps.norm.sf(abs(coef / se))),
        coef=float(coef),
        se=se,
        level=level,
        reference=reference,
        method=f"Cox proportional hazards stratified by pair, {TIES_TEXT[ties]}, "
        f'Newton-Raphson, Wald CI and p (equals R coxph with strata(), ties = "{ties}")',
        likelihood_ratio=_chi2(2 * (ll - ll0), "Likelihood ratio test (R summary(coxph)$logtest)"),
        score=_chi2(score0**2 / info0, "Score (log-rank) test (R summary(coxph)$sctest)"),
        wald=_chi2((coef / se) ** 2, "Wald test (R summary(coxph)$waldtest)"),
        conf_level=1 - alpha,
    )
