"""Survival summary of the matched pairs (results/survival.csv), tidy long format.

One row per (endpoint, arm, quantity, time) with ``value`` and, where it applies, the CI
``lower``/``upper`` and the ``method``:

- per endpoint (os, pfs, lc) and arm: ``n``, ``events``, ``median`` (months, CI; NaN when not
  reached), and for lc ``survival`` (actuarial local control, a proportion) at each
  ``params["lc_months"]`` month in ``time``;
- per endpoint, arm ``all``: ``pairs`` used, ``pairs_excluded`` (a member without time or
  event), ``logrank_chisq``, ``logrank_df``, ``logrank_p`` (stratified by pair), ``cox_hr``
  (index vs comparator arm, Wald CI) and ``cox_p`` (Cox stratified by pair).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis.tables import arm_labels

ENDPOINTS = {"os": "Overall survival", "pfs": "Progression-free survival", "lc": "Local control"}
COLUMNS = ["endpoint", "arm", "quantity", "time", "value", "lower", "upper", "method"]
NA = float("nan")


def endpoint_data(pf: pd.DataFrame, endpoint: str, params: dict):
    """(time, event, arm label, pair id) arrays of the complete pairs, and how many pairs were
    excluded for a missing time or event."""
    a, b = arm_labels(params)
    cols = [f"{endpoint}_{v}_{s}" for v in ("months", "event") for s in ("idx", "cmp")]
    missing = [c for c in cols if c not in pf.columns]
    if missing:
        raise KeyError(f"pair frame has no column(s) {missing}")
    ok = pf[cols].notna().all(axis=1).to_numpy()
    d = pf[ok]
    time = np.r_[d[cols[0]].to_numpy(float), d[cols[1]].to_numpy(float)]
    event = np.r_[d[cols[2]].to_numpy(bool), d[cols[3]].to_numpy(bool)]
    arm = np.r_[np.repeat(a, len(d)), np.repeat(b, len(d))]
    pair = np.r_[d["pair_id"].to_numpy(), d["pair_id"].to_numpy()]
    return time, event, arm, pair, int((~ok).sum())


def km_inputs(pf: pd.DataFrame, endpoint: str, params: dict):
    """Inputs of :func:`spinepair.report.kmplot.km_figure`: ({arm: (time, event)}, log-rank p)."""
    time, event, arm, pair, _ = endpoint_data(pf, endpoint, params)
    groups = {lab: (time[arm == lab], event[arm == lab]) for lab in arm_labels(params)}
    return groups, stats.stratified_logrank(time, event, arm, pair).pvalue


def survival_table(pf: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The survival summary of every endpoint (see the module docstring for the layout)."""
    a, b = arm_labels(params)
    alpha = float(params.get("alpha", 0.05))
    conf_type = (params.get("km") or {}).get("conf_type", "log-log")
    lc_months = [float(m) for m in params.get("lc_months", [])]
    rows = []

    def add(endpoint, arm, quantity, value, lower=NA, upper=NA, time=NA, method=""):
        rows.append([endpoint, arm, quantity, time, float(value), lower, upper, method])

    for ep in ENDPOINTS:
        time, event, arm, pair, excluded = endpoint_data(pf, ep, params)
        km_method = f"Kaplan-Meier, Greenwood SE, {conf_type} CI {1 - alpha:.0%}"
        for lab in (a, b):
            sel = arm == lab
            add(ep, lab, "n", sel.sum())
            add(ep, lab, "events", event[sel].sum())
            if not sel.any():
                continue
            fit = stats.kaplan_meier(time[sel], event[sel], conf_type=conf_type, alpha=alpha)
            add(ep, lab, "median", fit.median, fit.median_lower, fit.median_upper, method=km_method)
            if ep == "lc" and lc_months:
                pts = fit.at(lc_months)
                for i, m in enumerate(lc_months):
                    add(
                        ep,
                        lab,
                        "survival",
                        pts.survival[i],
                        pts.lower[i],
                        pts.upper[i],
                        m,
                        km_method,
                    )
        add(ep, "all", "pairs", len(time) // 2)
        add(ep, "all", "pairs_excluded", excluded)
        try:
            lr = stats.stratified_logrank(time, event, arm, pair)
            add(ep, "all", "logrank_chisq", lr.statistic, method=lr.method)
            add(ep, "all", "logrank_df", lr.df, method=lr.method)
            add(ep, "all", "logrank_p", lr.pvalue, method=lr.method)
        except stats.StatsInputError as exc:
            add(ep, "all", "logrank_p", NA, method=f"not computed: {exc}")
        try:
            cox = stats.stratified_cox(time, event, arm, pair, reference=b, alpha=alpha)
            add(ep, "all", "cox_hr", cox.hr, cox.lower, cox.upper, method=cox.method)
            add(ep, "all", "cox_p", cox.pvalue, method=cox.method)
        except stats.StatsInputError as exc:
            add(ep, "all", "cox_hr", NA, method=f"not computed: {exc}")
    return pd.DataFrame(rows, columns=COLUMNS)


def lookup(df: pd.DataFrame, endpoint: str, arm: str, quantity: str, time=None) -> pd.Series:
    """The one row of ``df`` for (endpoint, arm, quantity[, time])."""
    sel = (df["endpoint"] == endpoint) & (df["arm"] == arm) & (df["quantity"] == quantity)
    if time is not None:
        sel &= df["time"] == float(time)
    hit = df[sel]
    if len(hit) != 1:
        raise KeyError(f"survival table: {len(hit)} rows for {endpoint}/{arm}/{quantity}/{time}")
    return hit.iloc[0]
