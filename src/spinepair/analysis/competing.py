"""Competing risks of the matched pairs as ARD rows (table ``competing``, row = endpoint key),
for every endpoint declared with a competing event (``analysis.endpoints.<key>.competing``,
:mod:`.endpoint_definitions`).

The status and the pairs are those of :func:`.endpoint_status.endpoint_data`, the same as the
Kaplan-Meier and Cox rows of :mod:`.survival_summary` (one definition, one analysis set); here a
competing event keeps its own status. Rows, each with the analysis set and its n: per arm ``n``,
``events``, ``competing_events`` and ``cif`` (cumulative incidence, Aalen-Johansen, log(-log) CI
from Gray's variance) at each declared horizon; arm ``all``: ``pairs``, ``pairs_excluded``,
``pairs_outside_set``, ``gray_p`` (Gray's test, stratified by pair with ``gray_strata: true``)
and ``fg_shr`` (Fine-Gray subdistribution hazard ratio of the index vs the comparator arm, CI and
Wald p from the pair-clustered robust SE). cmprsk applies no timefix, and neither does this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from spinepair import stats
from spinepair.analysis.analysis_sets import describe
from spinepair.analysis.ard import ArdRows
from spinepair.analysis.endpoint_definitions import Endpoint, endpoints
from spinepair.analysis.endpoint_status import COMPETING, EVENT, endpoint_data

NA = float("nan")


def _cif_ci(est: np.ndarray, var: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) CI of a cumulative incidence (as stats.cuminc's curves)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.exp(z * np.sqrt(var) / (est * np.log(est)))
        return est ** (1 / width), est**width


def competing_one(out: ArdRows, ep: Endpoint, pf: pd.DataFrame, arms, params) -> None:
    """The ARD rows of one endpoint with a competing event (see the module docstring)."""
    a, b = arms
    alpha = float(params.get("alpha", 0.05))
    z = float(sps.norm.ppf(1 - alpha / 2))
    sets = params.get("analysis_sets")
    d = endpoint_data(pf, ep, arms, sets)
    rule = f"{ep.rule()}; analysis set: {d.analysis_set}"

    def add(statistic, value, arm="all", method="", lower=NA, upper=NA, **kw):
        has_ci = not (pd.isna(lower) and pd.isna(upper))
        out.add(
            ep.key, ep.key, statistic, value, arm=arm, n=d.pairs, lower=lower, upper=upper,
            conf_level=1 - alpha if has_ci else NA, analysis_set=d.analysis_set,
            method=f"{method}; {rule}" if method else rule, **kw,
        )  # fmt: skip

    add("pairs", d.pairs)
    add("pairs_excluded", d.pairs_excluded)
    if ep.analysis_set:
        add("pairs_outside_set", d.pairs_outside_set, method=describe(sets, ep.analysis_set))
    curves = stats.cuminc(d.time, d.status, d.arm, alpha=alpha) if d.pairs else {}
    cif_method = "cumulative incidence (Aalen-Johansen, R cmprsk::cuminc), log(-log) CI "
    cif_method += f"{1 - alpha:.0%} from Gray's variance"
    for lab in arms:
        sel = d.arm == lab
        add("n", sel.sum(), lab)
        add("events", (d.status[sel] == EVENT).sum(), lab)
        add("competing_events", (d.status[sel] == COMPETING).sum(), lab)
        if lab in curves and ep.horizons:
            pts = curves[lab].at(list(ep.horizons))
            lower, upper = _cif_ci(pts.estimate, pts.variance, z)
            for m, est, lo, hi in zip(ep.horizons, pts.estimate, lower, upper):
                add("cif", est, lab, time=m, lower=lo, upper=hi, method=cif_method)
    strata = d.pair if ep.gray_strata else None
    try:
        gray = stats.gray_test(d.time, d.status, d.arm, strata=strata)
        how = "stratified by pair" if strata is not None else "unstratified (pairing ignored)"
        add("gray_p", gray.pvalue, p=gray.pvalue, method=f"{gray.method}; {how}")
    except stats.StatsInputError as exc:
        add("gray_p", None, method=f"not computed: {exc}")
    try:
        fg = stats.fine_gray(d.time, d.status, d.arm, cluster=d.pair, reference=b, alpha=alpha)
        method = f"subdistribution hazard ratio {a} vs {b}: {fg.method}; CI and Wald p from "
        method += "the pair-clustered SE"
        add(
            "fg_shr", fg.hr, lower=fg.cluster_lower, upper=fg.cluster_upper, p=fg.cluster_p,
            method=method,
        )  # fmt: skip
    except stats.StatsInputError as exc:
        add("fg_shr", None, method=f"not computed: {exc}")


def competing_stats(pf: pd.DataFrame, arms, declared: dict, params: dict) -> ArdRows:
    """The ARD rows of every endpoint of ``declared`` (``analysis.endpoints``) with a
    competing event."""
    out = ArdRows("competing")
    for ep in endpoints(declared).values():
        if ep.competing:
            competing_one(out, ep, pf, tuple(arms), params)
    return out
