"""Survival statistics of the matched pairs as ARD rows (table ``survival``, row = endpoint,
statistic = quantity), and the tidy survival summary (results/survival.csv) drawn from them.

One row per (endpoint, arm, quantity, time) with ``value`` and, where it applies, the CI
``lower``/``upper`` and the ``method``:

- per endpoint (os, pfs, lc) and arm: ``n``, ``events``, ``median`` (months, CI; NaN when not
  reached), ``rmst`` at ``params["rmst_horizon_months"]`` (in ``time``), and for lc
  ``survival`` (actuarial local control, a proportion) at each ``params["lc_months"]`` month;
- per endpoint, arm ``all``: ``pairs`` used, ``pairs_excluded`` (a member without time or
  event), ``pairs_outside_set`` (with an analysis set, :mod:`.analysis_sets`),
  ``logrank_chisq``, ``logrank_df``, ``logrank_p`` (stratified by pair), ``cox_hr`` (index vs
  comparator arm, Wald CI) and ``cox_p`` (Cox stratified by pair), ``estimate`` (the same
  hazard ratio, the displayed effect estimate), ``lr_p`` and ``score_p`` (likelihood-ratio
  and score tests of that model), ``hr_cluster`` (unstratified Cox, pair-clustered robust
  SE), ``zph_p`` (proportional-hazards test of the stratified model) and
  ``rmst_difference`` (index minus comparator, pairing ignored).

Kaplan-Meier, log-rank, Cox and RMST merge times equal up to rounding noise (R's timefix).
``params`` are the config's ``analysis`` keys ``alpha``, ``lc_months``, ``km.conf_type``,
``rmst_horizon_months`` and ``analysis_sets``; the endpoints are the keys of
``analysis.endpoints`` (derived columns ``<endpoint>_months`` and ``<endpoint>_event``). Each
endpoint adds its analysed patients per arm to table ``flow`` (statistic ``n_analysed``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis.analysis_sets import describe, in_set, member_in_set, set_label
from spinepair.analysis.ard import ArdRows, select

COLUMNS = ["endpoint", "arm", "quantity", "time", "value", "lower", "upper", "method"]
NA = float("nan")


def endpoint_data(pf: pd.DataFrame, endpoint: str, arms):
    """(time, event, arm label, pair id) arrays of the complete pairs in the endpoint's
    analysis set, how many pairs were excluded for a missing time or event, and how many
    are outside the analysis set."""
    a, b = arms
    cols = [f"{endpoint}_{v}_{s}" for v in ("months", "event") for s in ("idx", "cmp")]
    missing = [c for c in cols if c not in pf.columns]
    if missing:
        raise KeyError(f"pair frame has no column(s) {missing}")
    inside = in_set(pf, endpoint)
    complete = pf[cols].notna().all(axis=1).to_numpy()
    d = pf[complete & inside]
    time = np.r_[d[cols[0]].to_numpy(float), d[cols[1]].to_numpy(float)]
    event = np.r_[d[cols[2]].to_numpy(bool), d[cols[3]].to_numpy(bool)]
    arm = np.r_[np.repeat(a, len(d)), np.repeat(b, len(d))]
    pair = np.r_[d["pair_id"].to_numpy(), d["pair_id"].to_numpy()]
    return time, event, arm, pair, int((~complete & inside).sum()), int((~inside).sum())


def km_groups(pf: pd.DataFrame, endpoint: str, arms) -> dict:
    """{arm: (time, event)} each arm is described on (Kaplan-Meier rows and figure): the
    members of the complete pairs, or, for a ``per_arm`` analysis set, every patient of the
    arm in the set with a known time and event."""
    time, event, arm, *_ = endpoint_data(pf, endpoint, arms)
    groups = {lab: (time[arm == lab], event[arm == lab]) for lab in arms}
    for lab, side in zip(arms, ("idx", "cmp")):
        member = member_in_set(pf, endpoint, side)
        if member is not None:
            t, e = pf[f"{endpoint}_months_{side}"], pf[f"{endpoint}_event_{side}"]
            keep = member & t.notna().to_numpy() & e.notna().to_numpy()
            groups[lab] = (t.to_numpy(float)[keep], e.to_numpy(bool)[keep])
    return groups


class _Endpoint:
    """Writes the ARD rows of one endpoint."""

    def __init__(self, out: ArdRows, endpoint: str):
        self.out, self.ep = out, endpoint

    def add(self, arm, quantity, value, lower=NA, upper=NA, time=NA, method="", p=NA):
        self.out.add(
            self.ep, self.ep, quantity, value, arm=arm, time=time, lower=lower, upper=upper,
            method=method, p=p,
        )  # fmt: skip

    def guarded(self, quantities, compute) -> None:
        """Rows from ``compute()`` ({quantity: (value, lower, upper, method, p)}); when it
        cannot be computed, each of ``quantities`` with no value and the reason."""
        try:
            rows = compute()
        except stats.StatsInputError as exc:
            rows = {q: (None, NA, NA, f"not computed: {exc}", NA) for q in quantities}
        for quantity, (value, lower, upper, method, p) in rows.items():
            self.add("all", quantity, value, lower, upper, method=method, p=p)


def _cox_rows(time, event, arm, pair, arms, alpha: float) -> dict:
    a, b = arms
    cox = stats.stratified_cox(time, event, arm, pair, reference=b, alpha=alpha)
    hr = (cox.hr, cox.lower, cox.upper)
    lr, score = cox.likelihood_ratio, cox.score
    return {
        "cox_hr": (*hr, cox.method, cox.pvalue),
        "cox_p": (cox.pvalue, NA, NA, cox.method, NA),
        "estimate": (*hr, f"hazard ratio {a} vs {b}: {cox.method}", cox.pvalue),
        "lr_p": (lr.pvalue, NA, NA, lr.method, lr.pvalue),
        "score_p": (score.pvalue, NA, NA, score.method, score.pvalue),
    }


def _extra_cox_rows(time, event, arm, pair, arms, alpha: float) -> dict:
    a, b = arms
    cl = stats.cox_cluster(time, event, arm, pair, reference=b, alpha=alpha)
    zph = stats.cox_zph(time, event, arm, strata=pair)
    return {
        "hr_cluster": (
            cl.hr,
            cl.lower,
            cl.upper,
            f"hazard ratio {a} vs {b}: {cl.method}",
            cl.pvalue,
        ),
        "zph_p": (zph.pvalue, NA, NA, f"{zph.method}, model stratified by pair", zph.pvalue),
    }


def _rmst_rows(e: _Endpoint, time, event, arm, arms, tau: float, alpha: float) -> None:
    a, b = arms
    for lab in arms:
        r = stats.rmst(time[arm == lab], event[arm == lab], tau, alpha)
        e.add(lab, "rmst", r.estimate, r.lower, r.upper, tau, r.method)
    try:
        d = stats.rmst_difference(time, event, arm == a, tau, alpha)
        method = f"RMST difference {a} − {b} to {tau:g} months, normal CI, variances added: "
        method += "arms treated as independent, pairing ignored"
        e.add("all", "rmst_difference", d.estimate, d.lower, d.upper, tau, method)
    except stats.StatsInputError as exc:
        e.add("all", "rmst_difference", None, time=tau, method=f"not computed: {exc}")


def survival_stats(pf: pd.DataFrame, arms, endpoints, params: dict) -> list[ArdRows]:
    """The survival statistics of every endpoint and its ``flow`` rows (see the module
    docstring)."""
    alpha = float(params.get("alpha", 0.05))
    conf_type = (params.get("km") or {}).get("conf_type", "log-log")
    lc_months = [float(m) for m in params.get("lc_months", [])]
    tau = params.get("rmst_horizon_months")
    sets = params.get("analysis_sets")
    out, flow = ArdRows("survival"), ArdRows("flow")
    for ep in endpoints:
        e = _Endpoint(out, ep)
        time, event, arm, pair, excluded, outside = endpoint_data(pf, ep, arms)
        km_method = f"Kaplan-Meier, Greenwood SE, {conf_type} CI {1 - alpha:.0%}"
        rule = describe(sets, ep)
        label = set_label(sets, ep)
        for lab, (t_arm, e_arm) in km_groups(pf, ep, arms).items():
            e.add(lab, "n", len(t_arm))
            e.add(lab, "events", e_arm.sum())
            flow.add(ep, label, "n_analysed", len(t_arm), arm=lab, n=len(time) // 2)
            if not len(t_arm):
                continue
            fit = stats.kaplan_meier(t_arm, e_arm, conf_type=conf_type, alpha=alpha)
            e.add(lab, "median", fit.median, fit.median_lower, fit.median_upper, method=km_method)
            if ep == "lc" and lc_months:
                pts = fit.at(lc_months)
                for i, m in enumerate(lc_months):
                    e.add(
                        lab, "survival", pts.survival[i], pts.lower[i], pts.upper[i], m, km_method
                    )
        e.add("all", "pairs", len(time) // 2)
        e.add("all", "pairs_excluded", excluded)
        if rule:
            e.add("all", "pairs_outside_set", outside, method=rule)
        try:
            lr = stats.stratified_logrank(time, event, arm, pair)
            e.add("all", "logrank_chisq", lr.statistic, method=lr.method)
            e.add("all", "logrank_df", lr.df, method=lr.method)
            e.add("all", "logrank_p", lr.pvalue, method=lr.method, p=lr.pvalue)
        except stats.StatsInputError as exc:
            e.add("all", "logrank_p", NA, method=f"not computed: {exc}")
        data = (time, event, arm, pair, arms, alpha)
        e.guarded(("cox_hr", "estimate"), lambda d=data: _cox_rows(*d))
        e.guarded(("hr_cluster", "zph_p"), lambda d=data: _extra_cox_rows(*d))
        if tau is not None and len(time):
            _rmst_rows(e, time, event, arm, arms, float(tau), alpha)
    return [out, flow]


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
