"""Cox model extras for matched pairs: pair-clustered robust variance, proportional-hazards
test (R ``cox.zph``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.stats._common import StatsInputError, TestResult, sps, z_quantile
from spinepair.stats._efron import EfronCox
from spinepair.stats.survival import TIES_TEXT, cox_design


@dataclass(frozen=True)
class ClusteredCox:
    """Hazard ratio of ``level`` vs ``reference`` with CI and p from the robust SE."""

    hr: float
    lower: float
    upper: float
    pvalue: float
    coef: float
    se: float
    robust_se: float
    level: str
    reference: str
    method: str
    conf_level: float = float("nan")


def cox_cluster(
    time,
    event,
    group,
    cluster,
    reference=None,
    alpha: float = 0.05,
    timefix: bool = True,
    ties: str = "efron",
) -> ClusteredCox:
    """Unstratified Cox model of ``group`` with a robust variance clustered by ``cluster``
    (the pair id), as R ``coxph(Surv(time, event) ~ group + cluster(pair), ties =)`` with
    ``ties`` "efron" (default) or "breslow":
    ``se`` is the model-based SE, ``robust_se`` the sandwich from score residuals summed
    within cluster; CI exp(coef +- z robust_se) and p use the robust SE, as R's summary.
    """
    z = z_quantile(alpha)
    n = len(np.asarray(time))
    t, e, x, s, level, reference = cox_design(time, event, group, np.zeros(n), reference, timefix)
    ids, _ = pd.factorize(np.asarray(cluster))
    if len(ids) != n or (ids < 0).any():
        raise StatsInputError("cluster: one non-missing id per row is required")
    model = EfronCox(t, e, x, s, ties)
    coef, info = model.fit()
    order = np.lexsort((t, s))
    per_cluster = np.bincount(ids[order], weights=model.score_residuals(coef))
    robust = float(np.sqrt((per_cluster**2).sum()) / info)
    return ClusteredCox(
        hr=float(np.exp(coef)),
        lower=float(np.exp(coef - z * robust)),
        upper=float(np.exp(coef + z * robust)),
        pvalue=float(2 * sps.norm.sf(abs(coef / robust))),
        coef=float(coef),
        se=float(1 / np.sqrt(info)),
        robust_se=robust,
        level=level,
        reference=reference,
        method=f"Cox proportional hazards, {TIES_TEXT[ties]}, robust SE clustered by pair, "
        "CI and p from the robust SE (R coxph with cluster())",
        conf_level=1 - alpha,
    )


def cox_zph(time, event, group, strata=None, timefix: bool = True) -> TestResult:
    """Proportional-hazards score test of the group effect, as R ``cox.zph(fit)`` (transform
    "km", Efron ties) for ``coxph(Surv(time, event) ~ group)`` or, with ``strata`` (e.g.
    the pair id), ``coxph(Surv(time, event) ~ group + strata(pair))``: chi-square on 1 df.
    """
    n = len(np.asarray(time))
    strata = np.zeros(n) if strata is None else strata
    t, e, x, s, _, _ = cox_design(time, event, group, strata, None, timefix)
    model = EfronCox(t, e, x, s)
    coef, _ = model.fit()
    stat = model.zph_km_test(coef)
    return TestResult(
        float(stat),
        float(sps.chi2.sf(stat, 1)),
        1.0,
        "Proportional hazards score test, g(t) = 1 - KM(t-) (R cox.zph, transform km)",
    )
