"""Fine-Gray subdistribution hazard regression, as R ``cmprsk::crr``, with a pair-clustered
variance.

Vectorised (cumulative sums over the time-sorted data, O(n log n)): the risk set of a
cause-of-interest event at time t holds everyone still event-free plus those who had a
competing event before t, weighted G(t-)/G(T_i-) with G the Kaplan-Meier estimate of the
censoring distribution (one censoring group, crr's default). Breslow ties, as crr.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.stats._common import StatsInputError, as_float, sps, z_quantile
from spinepair.stats.competing import _inputs


@dataclass(frozen=True, eq=False)
class FineGrayResult:
    """Coefficients of a Fine-Gray model; ``hr``/``lower``/``upper`` are for the first (group)
    term with crr's variance, ``cluster_*`` use the pair-clustered variance (None without
    ``cluster``)."""

    names: tuple[str, ...]
    coef: np.ndarray
    se: np.ndarray
    naive_se: np.ndarray
    cluster_se: np.ndarray | None
    hr: float
    lower: float
    upper: float
    pvalue: float
    cluster_lower: float | None
    cluster_upper: float | None
    cluster_p: float | None
    loglik: float
    method: str
    conf_level: float = float("nan")


class _SortedData:
    """Time-sorted data with the censoring weights and the cause-of-interest time blocks."""

    def __init__(self, t: np.ndarray, code: np.ndarray, x: np.ndarray):
        order = np.argsort(t, kind="stable")
        self.order = order
        self.t, self.code, self.x = t[order], code[order], x[order]
        n = len(t)
        first = np.flatnonzero(np.r_[True, self.t[1:] != self.t[:-1]])
        self.block_of_row = np.cumsum(np.r_[True, self.t[1:] != self.t[:-1]]) - 1
        at_risk = (n - first).astype(float)
        censored = np.add.reduceat((self.code == 0).astype(float), first)
        g_after = np.cumprod(1 - censored / at_risk)
        # G(T_i-) per row; at T_i = 0 crr reads G(0), after censorings at time 0
        g_before = np.r_[1.0, g_after[:-1]]
        self.g = np.where(self.t == 0, g_after[0], g_before[self.block_of_row])
        self.first, self.at_risk, self.censored = first, at_risk, censored
        events = np.add.reduceat((self.code == 1).astype(float), first)
        self.ev = np.flatnonzero(events > 0)  # blocks with cause-of-interest events
        self.d = events[self.ev]
        self.ev_first = first[self.ev]
        self.comp = (self.code == 2).astype(float)

    def sums(self, beta: np.ndarray):
        """S0, S1, S2 over the Fine-Gray risk set at each event block, and exp(x beta)."""
        w = np.exp(self.x @ beta)
        x = self.x
        parts = (w, w[:, None] * x, w[:, None, None] * x[:, :, None] * x[:, None, :])
        g_ev = self.g[self.ev_first]
        competing = self.comp / self.g
        out = []
        for v in parts:
            extra = (1,) * (v.ndim - 1)
            tail = np.cumsum(v[::-1], axis=0)[::-1]  # rows at or after each row
            weighted = v * competing.reshape(-1, *extra)
            before = np.cumsum(weighted, axis=0) - weighted  # competing rows before each row
            out.append(tail[self.ev_first] + g_ev.reshape(-1, *extra) * before[self.ev_first])
        return out[0], out[1], out[2], w

    def fit_terms(self, beta: np.ndarray):
        s0, s1, s2, _ = self.sums(beta)
        xbar = s1 / s0[:, None]
        events = self.code == 1
        loglik = float((self.x[events] @ beta).sum() - (self.d * np.log(s0)).sum())
        score = self.x[events].sum(axis=0) - (self.d[:, None] * xbar).sum(axis=0)
        info = (
            self.d[:, None, None] * (s2 / s0[:, None, None] - xbar[:, :, None] * xbar[:, None, :])
        ).sum(axis=0)
        return loglik, score, info

    def residuals(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-row score residuals eta (weights taken as known) and the censoring term psi
        of Fine & Gray (1999), as cmprsk's Fortran ``crrvv``; rows in sorted order."""
        s0, s1, _, w = self.sums(beta)
        xbar = s1 / s0[:, None]
        ev_t = self.t[self.ev_first]
        g_ev = self.g[self.ev_first]
        h0, h1 = self.d / s0, self.d[:, None] * xbar / s0[:, None]
        upto = np.searchsorted(ev_t, self.t, side="right")  # event blocks with u <= T_i
        cum0, cum1 = np.r_[0.0, np.cumsum(h0)], np.vstack([0 * h1[:1], np.cumsum(h1, axis=0)])
        tail0 = np.r_[np.cumsum((g_ev * h0)[::-1])[::-1], 0.0]
        tail1 = np.vstack([np.cumsum((g_ev[:, None] * h1)[::-1], axis=0)[::-1], 0 * h1[:1]])
        x = self.x
        eta = -w[:, None] * (x * cum0[upto][:, None] - cum1[upto])
        comp = self.comp[:, None] / self.g[:, None]
        eta -= comp * w[:, None] * (x * tail0[upto][:, None] - tail1[upto])
        is_event = self.code == 1
        row_block = np.searchsorted(ev_t, self.t[is_event])
        eta[is_event] += x[is_event] - xbar[row_block]
        # q(u) at each censoring time u
        cens_blocks = np.flatnonzero(self.censored > 0)
        u = self.t[self.first[cens_blocks]]
        cw = self.comp * w / self.g
        c0 = np.r_[0.0, np.cumsum(cw)]
        c1 = np.vstack([0 * x[:1], np.cumsum(cw[:, None] * x, axis=0)])
        before = np.searchsorted(self.t, u, side="left")
        from_u = np.searchsorted(ev_t, u, side="left")
        q = c1[before] * tail0[from_u][:, None] - c0[before][:, None] * tail1[from_u]
        risk = self.at_risk[cens_blocks]
        step = q * (self.censored[cens_blocks] / risk**2)[:, None]
        cum_step = np.vstack([0 * x[:1], np.cumsum(step, axis=0)])
        psi = -cum_step[np.searchsorted(u, self.t, side="right")]
        own = np.searchsorted(u, self.t[self.code == 0])
        psi[self.code == 0] += q[own] / risk[own][:, None]
        return eta, psi


def _design(group, covariates, n: int, reference) -> tuple[np.ndarray, list[str]]:
    codes, levels = pd.factorize(np.asarray(group), sort=True)
    if (codes < 0).any() or len(levels) != 2:
        raise StatsInputError(
            f"group must have exactly 2 levels and no missing values, got {list(levels)}"
        )
    reference = levels[0] if reference is None else reference
    if reference not in levels:
        raise StatsInputError(f"reference {reference!r} is not a group level {list(levels)}")
    level = levels[1] if reference == levels[0] else levels[0]
    columns, names = [(levels[codes] == level).astype(float)], [f"{level} vs {reference}"]
    if covariates is not None:
        frame = pd.DataFrame(covariates)
        for name in frame.columns:
            columns.append(as_float(frame[name].to_numpy(), str(name)))
            names.append(str(name))
    x = np.column_stack(columns)
    if len(x) != n:
        raise StatsInputError(f"group/covariates have {len(x)} rows, time has {n}")
    return x, names


def fine_gray(
    time,
    status,
    group,
    covariates=None,
    cluster=None,
    cause=1,
    cencode=0,
    reference=None,
    alpha: float = 0.05,
    tol: float = 1e-12,
    max_iter: int = 50,
) -> FineGrayResult:
    """Fine-Gray model of ``cause`` on ``group`` (binary; ``reference`` as in R factors) and
    optional numeric ``covariates`` (columns of a DataFrame or 2-D array).

    Coefficients and ``se`` equal R ``cmprsk::crr(ftime, fstatus, cov1)`` (its variance
    includes the term for the estimated censoring weights); ``naive_se`` is the inverse
    information. With ``cluster`` (e.g. the pair id), ``cluster_se`` is the sandwich with
    score residuals summed within cluster and the censoring weights taken as known, which
    equals the robust SE of R ``coxph(Surv(fgstart, fgstop, fgstatus) ~ x + cluster(pair),
    weights = fgwt, ties = "breslow")`` on ``survival::finegray()`` data.
    """
    t, code = _inputs(time, status, cause, cencode)
    x, names = _design(group, covariates, len(t), reference)
    if not (code == 1).any():
        raise StatsInputError(f"no event of cause {cause!r}: nothing to model")
    data = _SortedData(t, code, x)
    beta = np.zeros(x.shape[1])
    loglik, score, info = data.fit_terms(beta)
    info0 = np.diag(info).copy()
    for _ in range(max_iter):
        step = np.linalg.solve(info, score)
        new = data.fit_terms(beta + step)
        while new[0] < loglik - 1e-12 and np.abs(step).max() > 1e-12:
            step = step / 2
            new = data.fit_terms(beta + step)
        beta, (loglik, score, info) = beta + step, new
        if np.abs(step).max() < tol:
            break
    if np.abs(step).max() >= tol or (np.diag(info) < 1e-10 * info0).any():
        raise StatsInputError("Fine-Gray model did not converge (a coefficient may be infinite)")
    inv = np.linalg.inv(info)
    eta, psi = data.residuals(beta)
    se = np.sqrt(np.diag(inv @ ((eta + psi).T @ (eta + psi)) @ inv))
    cluster_se = None
    if cluster is not None:
        ids = cluster_ids(cluster, len(t))[data.order]
        summed = np.zeros((ids.max() + 1, x.shape[1]))
        np.add.at(summed, ids, eta)
        cluster_se = np.sqrt(np.diag(inv @ (summed.T @ summed) @ inv))
    method = "Fine-Gray subdistribution hazards, Breslow ties, one censoring group; se as R crr"
    if cluster is not None:
        method += (
            "; cluster_se pair-clustered with censoring weights taken as known "
            "(R coxph with cluster() on survival::finegray data)"
        )
    return fitted(names, beta, inv, se, cluster_se, loglik, method, alpha)


def cluster_ids(cluster, n: int) -> np.ndarray:
    """Integer ids of ``cluster`` (one non-missing id per row)."""
    ids, _ = pd.factorize(np.asarray(cluster))
    if (ids < 0).any() or len(ids) != n:
        raise StatsInputError("cluster: one non-missing id per row is required")
    return ids


def fitted(names, beta, inv, se, cluster_se, loglik, method: str, alpha: float) -> FineGrayResult:
    """A fitted Fine-Gray model's result: the first term's hazard ratio with Wald CI and p
    from ``se`` (and from ``cluster_se`` when there is one)."""
    z = z_quantile(alpha)

    def wald(s):
        return (
            float(np.exp(beta[0] - z * s[0])),
            float(np.exp(beta[0] + z * s[0])),
            float(2 * sps.norm.sf(abs(beta[0] / s[0]))),
        )

    lower, upper, p = wald(se)
    c_lower, c_upper, c_p = wald(cluster_se) if cluster_se is not None else (None, None, None)
    return FineGrayResult(
        names=tuple(names),
        coef=beta,
        se=se,
        naive_se=np.sqrt(np.diag(inv)),
        cluster_se=cluster_se,
        hr=float(np.exp(beta[0])),
        lower=lower,
        upper=upper,
        pvalue=p,
        cluster_lower=c_lower,
        cluster_upper=c_upper,
        cluster_p=c_p,
        loglik=loglik,
        method=method,
        conf_level=1 - alpha,
    )
