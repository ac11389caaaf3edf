"""Survival statistics of the matched pairs as ARD rows (table ``survival``, row = endpoint,
statistic = quantity), and the tidy survival summary (results/survival.csv) drawn from them.

One row per (endpoint, arm, quantity, time) with ``value`` and, where it applies, the CI
``lower``/``upper`` and the ``method``:

- per endpoint (os, pfs, lc) and arm: ``n``, ``events``, ``median`` (months, CI; NaN when not
  reached), and for lc ``survival`` (actuarial local control, a proportion) at each
  ``params["lc_months"]`` month in ``time``;
- per endpoint, arm ``all``: ``pairs`` used, ``pairs_excluded`` (a member without time or
  event), ``logrank_chisq``, ``logrank_df``, ``logrank_p`` (stratified by pair), ``cox_hr``
  (index vs comparator arm, Wald CI) and ``cox_p`` (Cox stratified by pair).

``params`` are the config's ``analysis`` keys ``alpha``, ``lc_months`` and ``km.conf_type``;
the endpoints are the keys of ``analysis.endpoints`` (derived columns ``<endpoint>_months`` and
``<endpoint>_event``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis.ard import ArdRows, select

COLUMNS = ["endpoint", "arm", "quantity", "time", "value", "lower", "upper", "method"]
NA = float("nan")


def endpoint_data(pf: pd.DataFrame, endpoint: str, arms):
    """(time, event, arm label, pair id) arrays of the complete pairs, and how many pairs were
    excluded for a missing time or event."""
    a, b = arms
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


def km_groups(pf: pd.DataFrame, endpoint: str, arms) -> dict:
    """Input of :func:`spinepair.report.kmplot.km_figure`: {arm: (time, event)}."""
    time, event, arm, _, _ = endpoint_data(pf, endpoint, arms)
    return {lab: (time[arm == lab], event[arm == lab]) for lab in arms}


def survival_stats(pf: pd.DataFrame, arms, endpoints, params: dict) -> ArdRows:
    """The survival statistics of every endpoint (see the module docstring)."""
    a, b = arms
    alpha = float(params.get("alpha", 0.05))
    conf_type = (params.get("km") or {}).get("conf_type", "log-log")
    lc_months = [float(m) for m in params.get("lc_months", [])]
    out = ArdRows("survival")

    def add(endpoint, arm, quantity, value, lower=NA, upper=NA, time=NA, method="", p=NA):
        out.add(
            endpoint,
            endpoint,
            quantity,
            value,
            arm=arm,
            time=time,
            lower=lower,
            upper=upper,
            method=method,
            p=p,
        )

    for ep in endpoints:
        time, event, arm, pair, excluded = endpoint_data(pf, ep, arms)
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
            add(ep, "all", "logrank_p", lr.pvalue, method=lr.method, p=lr.pvalue)
        except stats.StatsInputError as exc:
            add(ep, "all", "logrank_p", NA, method=f"not computed: {exc}")
        try:
            cox = stats.stratified_cox(time, event, arm, pair, reference=b, alpha=alpha)
            add(ep, "all", "cox_hr", cox.hr, cox.lower, cox.upper, method=cox.method, p=cox.pvalue)
            add(ep, "all", "cox_p", cox.pvalue, method=cox.method)
        except stats.StatsInputError as exc:
            add(ep, "all", "cox_hr", NA, method=f"not computed: {exc}")
    return out


def survival_table(ard: pd.DataFrame) -> pd.DataFrame:
    """The survival summary (results/survival.csv) of the ARD's ``survival`` rows."""
    rows = select(ard, "survival")
    table = pd.DataFrame(
        {
            "endpoint": rows["row"].astype(str),
            "arm": rows["arm"].astype(str),
            "quantity": rows["statistic"].astype(str),
            **{c: rows[c].astype(float) for c in ("time", "value", "lower", "upper")},
            "method": rows["method"].astype(str),
        }
    )
    return table[COLUMNS].reset_index(drop=True)


def lookup(df: pd.DataFrame, endpoint: str, arm: str, quantity: str, time=None) -> pd.Series:
    """The one row of ``df`` for (endpoint, arm, quantity[, time])."""
    sel = (df["endpoint"] == endpoint) & (df["arm"] == arm) & (df["quantity"] == quantity)
    if time is not None:
        sel &= df["time"] == float(time)
    hit = df[sel]
    if len(hit) != 1:
        raise KeyError(f"survival table: {len(hit)} rows for {endpoint}/{arm}/{quantity}/{time}")
    return hit.iloc[0]
