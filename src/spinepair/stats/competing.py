"""Competing risks: cumulative incidence (Aalen-Johansen) and Gray's test, as R ``cmprsk``.

Vectorised ports of cmprsk 2.2-11's Fortran ``cinc`` (estimate and Gray's variance) and
``crstm`` (Gray 1988 k-sample test, stratified): no Python loop over rows, times or strata.
Times are used as given (cmprsk applies no ``timefix``); ``status`` codes: ``cencode`` for
censored, ``cause`` for the event of interest, anything else a competing event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.stats._common import (
    StatsInputError,
    TestResult,
    as_float,
    same_length,
    sps,
    z_quantile,
)


def _inputs(time, status, cause, cencode) -> tuple[np.ndarray, np.ndarray]:
    """Times and status coded 0 censored, 1 cause of interest, 2 competing event."""
    t = as_float(time, "time")
    if (t < 0).any():
        raise StatsInputError(f"time: negative value at position {int(np.argmax(t < 0))}")
    s = np.asarray(status)
    same_length(time=t, status=s)
    if pd.isna(s).any():
        raise StatsInputError(f"status: missing value at position {int(np.argmax(pd.isna(s)))}")
    code = np.where(s == cencode, 0, np.where(s == cause, 1, 2))
    return t, code


def _groups(values, n: int, name: str) -> tuple[np.ndarray, pd.Index]:
    if values is None:
        return np.zeros(n, dtype=np.int64), pd.Index(["all"])
    codes, levels = pd.factorize(np.asarray(values), sort=True)
    if (codes < 0).any():
        raise StatsInputError(f"{name}: missing value at position {int(np.argmax(codes < 0))}")
    same_length(time=np.empty(n), **{name: codes})
    return codes, levels


@dataclass(frozen=True, eq=False)
class CIFPoints:
    """Cumulative incidence read at requested times (R ``cmprsk::timepoints``)."""

    times: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray


@dataclass(frozen=True, eq=False)
class CumulativeIncidence:
    """Cumulative incidence of one cause in one group at each distinct time of that cause.

    ``variance`` is Gray's estimator as printed by R ``cmprsk::cuminc``; ``lower``/``upper``
    is the pointwise log(-log) CI F^exp(+-z sqrt(var) / (F log F)) built on it (cuminc
    gives no CI). ``last_time`` is the group's largest follow-up time.
    """

    group: str
    times: np.ndarray
    estimate: np.ndarray
    variance: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    last_time: float

    def at(self, times) -> CIFPoints:
        """Estimate and variance at ``times``: right-continuous steps, 0 before the first
        event, NaN before 0 or after ``last_time`` (as ``timepoints``)."""
        q = as_float(np.atleast_1d(times), "times")
        idx = np.searchsorted(self.times, q, side="right") - 1
        outside = (q < 0) | (q > self.last_time)

        def pick(values: np.ndarray) -> np.ndarray:
            got = np.where(idx >= 0, np.r_[values, 0.0][idx], 0.0)
            return np.where(outside, np.nan, got)

        return CIFPoints(q, pick(self.estimate), pick(self.variance))


def _cif_one_group(t: np.ndarray, code: np.ndarray, z: float, label: str) -> CumulativeIncidence:
    """cmprsk's Fortran ``cinc`` for one group, over distinct times instead of rows."""
    order = np.argsort(t, kind="stable")
    t, code = t[order], code[order]
    first = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    rs = (len(t) - first).astype(float)
    nd1 = np.add.reduceat((code == 1).astype(float), first)
    nd2 = np.add.reduceat((code == 2).astype(float), first)
    after = 1 - (nd1 + nd2) / rs
    fk = np.r_[1.0, np.cumprod(after)[:-1]]  # all-cause KM just before each time
    fkn = fk * after
    f = np.cumsum(fk * nd1 / rs)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(fkn > 0, 1 / fkn, 0.0)

        def terms(nd, t4):
            tied = np.where(nd > 1, 1 - (nd - 1) / (rs - 1), 1.0)
            t6 = fk * fk * tied * nd / (rs * rs)
            return t4 * t4 * t6, inv * t4 * t6, inv * inv * t6

        competing = (nd2 > 0) & (fkn > 0)
        v_comp = [np.where(competing, x, 0.0) for x in terms(nd2, f * inv)]
        v_cause = [np.where(nd1 > 0, x, 0.0) for x in terms(nd1, 1 + inv * f)]
    v1, v2, v3 = (np.cumsum(a + b) for a, b in zip(v_comp, v_cause, strict=True))
    event = nd1 > 0
    est, var = f[event], (v1 + f * f * v3 - 2 * f * v2)[event]
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.exp(z * np.sqrt(var) / (est * np.log(est)))
        lower, upper = est ** (1 / width), est**width
    return CumulativeIncidence(label, t[first][event], est, var, lower, upper, float(t[-1]))


def cuminc(time, status, group=None, cause=1, cencode=0, alpha: float = 0.05):
    """Cumulative incidence of ``cause`` per group, as R ``cmprsk::cuminc(ftime, fstatus,
    group)``: a dict level -> :class:`CumulativeIncidence` (one key "all" without ``group``)."""
    z = z_quantile(alpha)
    t, code = _inputs(time, status, cause, cencode)
    g, levels = _groups(group, len(t), "group")
    return {
        str(level): _cif_one_group(t[g == k], code[g == k], z, str(level))
        for k, level in enumerate(levels)
    }


def _segment_cumsum(values: np.ndarray, seg_start: np.ndarray) -> np.ndarray:
    """Cumulative sum along axis 0 restarting where ``seg_start`` is True."""
    c = np.cumsum(values, axis=0)
    starts = np.flatnonzero(seg_start)
    offset = (c - values)[starts]
    return c - np.repeat(offset, np.diff(np.r_[starts, len(values)]), axis=0)


def _segment_cumprod(values: np.ndarray, seg_start: np.ndarray) -> np.ndarray:
    zero = values == 0
    logs = _segment_cumsum(np.log(np.where(zero, 1.0, values)), seg_start)
    return np.where(_segment_cumsum(zero.astype(float), seg_start) > 0, 0.0, np.exp(logs))


def _shift(values: np.ndarray, seg_start: np.ndarray, fill: float) -> np.ndarray:
    """Previous row's value within the segment (``fill`` at each segment start)."""
    out = np.roll(values, 1, axis=0)
    out[seg_start] = fill
    return out


def _gray_score_variance(t, code, g, s, ng: int, rho: float):
    """Score vector and its variance matrix of Gray's test (cmprsk Fortran ``crst``) summed
    over strata; arrays are (event block, group) or (event block, group, group)."""
    order = np.lexsort((t, s))
    t, code, g, s = t[order], code[order], g[order], s[order]
    new_block = np.r_[True, (s[1:] != s[:-1]) | (t[1:] != t[:-1])]
    block = np.cumsum(new_block) - 1
    nb = block[-1] + 1
    counts = np.zeros((nb, 3, ng))
    np.add.at(counts, (block, code, g), 1.0)
    seg_start_all = np.r_[True, s[1:] != s[:-1]][new_block]
    in_block = counts.sum(axis=1)
    before = _segment_cumsum(in_block, seg_start_all) - in_block
    totals = np.zeros((s.max() + 1, ng))
    np.add.at(totals, (s, g), 1.0)
    rs = totals[s[new_block]] - before
    has_event = counts[:, 1:].sum(axis=(1, 2)) > 0
    rs, d1, d2 = rs[has_event], counts[has_event, 1], counts[has_event, 2]
    stratum = s[new_block][has_event]
    seg = np.r_[True, stratum[1:] != stratum[:-1]]
    at_risk = rs > 0
    safe_rs = np.where(at_risk, rs, 1.0)
    skm = _segment_cumprod(np.where(at_risk, (rs - d1 - d2) / safe_rs, 1.0), seg)
    skmm = _shift(skm, seg, 1.0)
    f1m = _shift(_segment_cumsum(np.where(at_risk, skmm * d1 / safe_rs, 0.0), seg), seg, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(at_risk, rs / skmm, 0.0)
        tr = t1.sum(axis=1)
        tq = np.where(at_risk, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)
        nd1 = d1.sum(axis=1)
        f = _segment_cumsum(nd1 / tr, seg)
        fm = _shift(f, seg, 0.0)
        fb = (1 - fm) ** rho
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng) - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        c = _segment_cumsum(a * (nd1 / (tr * (1 - fm)))[:, None, None], seg)
        score = np.where(
            at_risk, fb[:, None] * (d1 - nd1[:, None] * t1 * (1 - f1m) / tq[:, None]), 0.0
        ).sum(axis=0)
        # cause-of-interest events (nd1 > 0), for every group k at risk
        use1 = (nd1[:, None] > 0) & at_risk
        t4 = np.where(skm > 0, 1 - (1 - f[:, None]) / skm, 1.0)
        tied = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(use1, tied * skmm * nd1[:, None] / (tr[:, None] * safe_rs), 0.0)
        m1 = a - t4[:, None, :] * c  # (block, i, k)
        # competing events in group k
        use2 = (skm > 0) & (d2 > 0)
        t4b = np.where(use2, (1 - f[:, None]) / np.where(skm > 0, skm, 1.0), 0.0)
        tied2 = np.where(d2 > 1, 1 - (d2 - 1) / np.where(rs > 1, rs - 1, 1.0), 1.0)
        t3b = np.where(use2, tied2 * skmm**2 * d2 / safe_rs**2, 0.0)
        m2 = t4b[:, None, :] * c
    v3 = t4 * t4 * t3 + t4b * t4b * t3b
    v2 = m1 * (t4 * t3)[:, None, :] - m2 * (t4b * t3b)[:, None, :]
    var = np.einsum("bik,bjk,bk->ij", m1, m1, t3) + np.einsum("bik,bjk,bk->ij", m2, m2, t3b)
    last = np.r_[np.flatnonzero(seg)[1:], len(seg)] - 1
    v3s = np.add.reduceat(v3, np.flatnonzero(seg), axis=0)
    v2s = np.add.reduceat(v2, np.flatnonzero(seg), axis=0)
    cl = c[last]
    var += np.einsum("sik,sjk,sk->ij", cl, cl, v3s)
    cross = np.einsum("sik,sjk->ij", cl, v2s)
    return score[: ng - 1], (var + cross + cross.T)[: ng - 1, : ng - 1]


def gray_test(time, status, group, strata=None, cause=1, cencode=0, rho: float = 0.0):
    """Gray's (1988) test that the cumulative incidence of ``cause`` is equal across groups,
    as R ``cmprsk::cuminc(ftime, fstatus, group, strata, rho)$Tests`` (chi-square on k - 1
    df). A singular variance, or no event of ``cause`` (R: no row in $Tests), gives NaN and
    ``method`` says so; no event of any cause raises StatsInputError (R: an error)."""
    t, code = _inputs(time, status, cause, cencode)
    if not code.any():
        raise StatsInputError("Gray's test: no events (R cuminc stops with an error)")
    g, levels = _groups(group, len(t), "group")
    s, s_levels = _groups(strata, len(t), "strata")
    if len(levels) < 2:
        raise StatsInputError(f"Gray's test needs at least 2 groups, got {list(levels)}")
    score, var = _gray_score_variance(t, code, g, s, len(levels), rho)
    df = len(levels) - 1
    method = f"Gray's test, rho = {rho:g}, {len(s_levels)} strata (R cmprsk::cuminc $Tests)"
    if np.linalg.matrix_rank(var) < df:
        return TestResult(float("nan"), float("nan"), float(df), method + "; singular variance")
    stat = float(score @ np.linalg.solve(var, score))
    return TestResult(stat, float(sps.chi2.sf(stat, df)), float(df), method)
