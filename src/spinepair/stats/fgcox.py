"""Fine-Gray model fitted as R does it with the survival package: ``finegray()`` expands the
data, a weighted ``coxph`` (Efron ties by default) fits it.

R: ``fg <- finegray(Surv(t, factor(status)) ~ ., data = d, etype = "1")``;
``coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights = fgwt, data = fg)``. Unlike
``cmprsk::crr`` (:func:`spinepair.stats.fine_gray`: Breslow ties, censoring weights with
censorings before events at tied times, a variance for the estimated weights), finegray
counts events before censorings at tied times and coxph reports the robust variance with
each expanded row its own cluster (or the ``cluster()`` sandwich).
"""

from __future__ import annotations

import numpy as np

from spinepair.stats._agcox import CountingCox
from spinepair.stats._common import StatsInputError
from spinepair.stats.competing import _inputs
from spinepair.stats.finegray import FineGrayResult, _design, cluster_ids, fitted
from spinepair.stats.timefix import timefix


def finegray_rows(t: np.ndarray, code: np.ndarray):
    """R ``finegray()`` rows for times ``t`` and status ``code`` (0 censored, 1 event of
    interest, 2 competing): (row of the input, start, stop, status, weight)."""
    zero = 0.0 if t.min() > 0 else 2 * t.min() - 1
    ctime, n_cens = np.unique(t[code == 0], return_counts=True)
    # censoring Kaplan-Meier, events counted before censorings at a tied time
    at_risk = (t[None, :] >= ctime[:, None]).sum(axis=1)
    at_risk -= ((t[None, :] == ctime[:, None]) & (code != 0)[None, :]).sum(axis=1)
    cprob = np.cumprod(1 - n_cens / at_risk)
    cut = np.r_[ctime, t.max()]
    prob = np.r_[1.0, cprob]
    keep = np.zeros(len(cut), dtype=bool)
    keep[0] = True
    keep[np.searchsorted(cut, np.unique(t[code == 1]), side="left")] = True
    comp = np.flatnonzero(code == 2)
    j = np.searchsorted(cut, t[comp], side="left")  # interval holding each competing time
    stop = t.copy()
    stop[comp] = cut[j]
    later = (np.arange(len(cut))[None, :] > j[:, None]) & keep[None, :]
    ci, cj = np.nonzero(later)
    rows = np.r_[np.arange(len(t)), comp[ci]]
    return (
        rows,
        np.r_[np.full(len(t), zero), cut[cj - 1]],
        np.r_[stop, cut[cj]],
        np.r_[(code == 1).astype(float), np.zeros(len(ci))],
        np.r_[np.ones(len(t)), prob[cj] / prob[j[ci]]],
    )


def fine_gray_coxph(
    time,
    status,
    group,
    covariates=None,
    cluster=None,
    cause=1,
    cencode=0,
    reference=None,
    alpha: float = 0.05,
    ties: str = "efron",
) -> FineGrayResult:
    """Fine-Gray model of ``cause`` on ``group`` (and numeric ``covariates``) as R
    ``coxph(Surv(fgstart, fgstop, fgstatus) ~ group, weights = fgwt, ties =)`` on
    ``finegray(Surv(time, status) ~ ., etype = cause)`` data (times merged by R's timefix).

    ``se`` is R's robust SE (each finegray row its own cluster; CI and p use it), ``naive_se``
    R's ``se(coef)``; with ``cluster`` (e.g. the pair id) ``cluster_se`` is the SE of R's
    ``+ cluster(pair)`` model.
    """
    t, code = _inputs(time, status, cause, cencode)
    t = timefix(t)
    x, names = _design(group, covariates, len(t), reference)
    if not (code == 1).any():
        raise StatsInputError(f"no event of cause {cause!r}: nothing to model")
    rows, start, stop, fgstatus, weight = finegray_rows(t, code)
    model = CountingCox(start, stop, fgstatus, weight, x[rows], ties)
    beta, info = model.fit()
    inv = np.linalg.inv(info)
    loglik = model.loglik_score_info(beta)[0]
    dfbeta = (weight[:, None] * model.score_residuals(beta)) @ inv
    se = np.sqrt(np.diag(dfbeta.T @ dfbeta))
    cluster_se = None
    if cluster is not None:
        ids = cluster_ids(cluster, len(t))
        summed = np.zeros((ids.max() + 1, x.shape[1]))
        np.add.at(summed, ids[rows], dfbeta)
        cluster_se = np.sqrt(np.diag(summed.T @ summed))
    method = (
        f"Fine-Gray subdistribution hazards, {ties.capitalize()} ties, fitted as R coxph on "
        "survival::finegray data (events before censorings at tied times), robust SE"
    )
    if cluster is not None:
        method += "; cluster_se clustered by pair (R coxph with cluster())"
    return fitted(names, beta, inv, se, cluster_se, loglik, method, alpha)
