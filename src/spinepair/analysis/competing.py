"""Competing risks of the matched pairs as ARD rows (table ``competing``, row = the declared
key), from the study config ``analysis.competing_risks``::

    lc:                          # key (row in the ARD)
      time: lc_months            # time of the event of interest (and of censoring)
      event: lc_event            # flag: the event of interest happened
      censor_time: lc_months     # time of censoring without any event (default: time)
      competing: os              # the competing event: <key>_months, <key>_event (death)
      analysis_set: lc           # optional: the pairs of this analysis set only
      gray_strata: false         # true: Gray's test stratified by pair (default unstratified)

Per patient: the event of interest at ``time``; else the competing event at its time; else
censored at ``censor_time``. A pair with a member lacking a needed value is left out
(``pairs_excluded``). Rows: per arm ``n``, ``events``, ``competing_events`` and ``cif``
(cumulative incidence, Aalen-Johansen, log(-log) CI from Gray's variance) at each
``analysis.lc_months``; arm ``all``: ``pairs``, ``pairs_excluded``, ``pairs_outside_set``,
``gray_p`` (Gray's test) and ``fg_shr`` (Fine-Gray subdistribution hazard ratio of the index
vs the comparator arm, CI and p from the pair-clustered robust SE). cmprsk applies no
timefix, and neither does this.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from spinepair import stats
from spinepair.analysis.analysis_sets import describe, in_set
from spinepair.analysis.ard import ArdRows

CENSORED, EVENT, COMPETING = 0, 1, 2


def status_and_time(pf: pd.DataFrame, side: str, decl: dict) -> tuple[pd.Series, pd.Series]:
    """Status (0 censored, 1 event, 2 competing event; NA when unknown) and time of one side
    (``idx`` or ``cmp``) of the pair frame."""

    def col(name: str) -> pd.Series:
        if f"{name}_{side}" not in pf.columns:
            raise KeyError(f"competing risks: pair frame has no column {name}_{side}")
        return pf[f"{name}_{side}"]

    event = col(decl["event"]).astype("boolean")
    competing = col(f"{decl['competing']}_event").astype("boolean")
    t_event = pd.to_numeric(col(decl["time"])).astype(float)
    t_comp = pd.to_numeric(col(f"{decl['competing']}_months")).astype(float)
    t_cens = pd.to_numeric(col(decl.get("censor_time", decl["time"]))).astype(float)
    status = pd.Series(
        np.where(
            event.fillna(False), EVENT, np.where(competing.fillna(False), COMPETING, CENSORED)
        ),
        index=pf.index,
    ).where(event.notna() & (event.fillna(False) | competing.notna()))
    time = t_cens.where(status == CENSORED, t_event.where(status == EVENT, t_comp))
    return status, time.where(status.notna())


def _method(decl: dict) -> str:
    cens = decl.get("censor_time", decl["time"])
    return (
        f"event {decl['event']} at {decl['time']}; competing event {decl['competing']}_event at "
        f"{decl['competing']}_months; others censored at {cens}"
    )


def _cif_ci(est: np.ndarray, var: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise log(-log) CI of a cumulative incidence (as stats.cuminc's curves)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.exp(z * np.sqrt(var) / (est * np.log(est)))
        return est ** (1 / width), est**width


def competing_one(out: ArdRows, key: str, decl: dict, pf: pd.DataFrame, arms, params) -> None:
    """The ARD rows of one declared competing-risks analysis (see the module docstring)."""
    a, b = arms
    alpha = float(params.get("alpha", 0.05))
    z = float(sps.norm.ppf(1 - alpha / 2))
    sx, tx = status_and_time(pf, "idx", decl)
    sy, ty = status_and_time(pf, "cmp", decl)
    set_key = decl.get("analysis_set")
    inside = in_set(pf, set_key) if set_key else np.ones(len(pf), bool)
    complete = (sx.notna() & sy.notna() & tx.notna() & ty.notna()).to_numpy()
    keep = complete & inside
    status = np.r_[sx[keep].to_numpy(int), sy[keep].to_numpy(int)]
    time = np.r_[tx[keep].to_numpy(float), ty[keep].to_numpy(float)]
    arm = np.repeat([a, b], keep.sum())
    pair = np.tile(pf["pair_id"].to_numpy()[keep], 2)
    rule = _method(decl)

    def add(statistic, value, arm="all", **kw):
        out.add(key, decl["event"], statistic, value, arm=arm, **kw)

    add("pairs", keep.sum(), method=rule)
    add("pairs_excluded", int((~complete & inside).sum()), method=rule)
    if set_key:
        rule_of_set = describe(params.get("analysis_sets"), set_key)
        add("pairs_outside_set", int((~inside).sum()), method=rule_of_set)
    months = [float(m) for m in params.get("lc_months", [])]
    curves = stats.cuminc(time, status, arm, alpha=alpha) if len(time) else {}
    cif_method = "cumulative incidence (Aalen-Johansen, R cmprsk::cuminc), log(-log) CI "
    cif_method += f"{1 - alpha:.0%} from Gray's variance; {rule}"
    for lab in arms:
        sel = arm == lab
        add("n", sel.sum(), lab)
        add("events", (status[sel] == EVENT).sum(), lab)
        add("competing_events", (status[sel] == COMPETING).sum(), lab)
        if lab in curves and months:
            pts = curves[lab].at(months)
            lower, upper = _cif_ci(pts.estimate, pts.variance, z)
            for m, est, lo, hi in zip(months, pts.estimate, lower, upper):
                add("cif", est, lab, time=m, lower=lo, upper=hi, method=cif_method)
    strata = pair if decl.get("gray_strata") else None
    try:
        gray = stats.gray_test(time, status, arm, strata=strata)
        how = "stratified by pair" if strata is not None else "unstratified (pairing ignored)"
        add("gray_p", gray.pvalue, p=gray.pvalue, method=f"{gray.method}; {how}; {rule}")
    except stats.StatsInputError as exc:
        add("gray_p", None, method=f"not computed: {exc}")
    try:
        fg = stats.fine_gray(time, status, arm, cluster=pair, reference=b, alpha=alpha)
        method = f"subdistribution hazard ratio {a} vs {b}: {fg.method}; CI and p from the "
        method += f"pair-clustered SE; {rule}"
        add(
            "fg_shr",
            fg.hr,
            lower=fg.cluster_lower,
            upper=fg.cluster_upper,
            p=fg.cluster_p,
            method=method,
        )
    except stats.StatsInputError as exc:
        add("fg_shr", None, method=f"not computed: {exc}")


def competing_stats(pf: pd.DataFrame, arms, params: dict) -> ArdRows:
    """The ARD rows of every analysis of ``params["competing_risks"]``."""
    out = ArdRows("competing")
    for key, decl in (params.get("competing_risks") or {}).items():
        competing_one(out, key, decl, pf, tuple(arms), params)
    return out
