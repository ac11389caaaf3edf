"""Survival statistics of the matched pairs as ARD rows (table ``survival``, row = endpoint,
statistic = quantity), and the tidy survival summary (results/survival.csv) drawn from them.

Each endpoint is declared once (:mod:`.endpoint_definitions`) and analysed on the pairs of its
one analysis set (:func:`.endpoint_status.endpoint_data`): every row carries that set
(``analysis_set``) and its n (patients of the arm, or pairs for arm ``all``), and its method
states the endpoint's definition. A competing event censors at its time here (cause-specific);
:mod:`.competing` keeps it. Rows:

- per arm: ``n``, ``events``, ``median`` (months, CI; NaN when not reached), ``survival`` (a
  proportion) and ``n_at_risk`` at each declared horizon (``time``), ``rmst`` at
  ``params["rmst_horizon_months"]`` (in ``time``);
- arm ``all``: ``pairs`` used, ``pairs_excluded`` (a member's status or time unknown: without
  the assessment, never censored at 0), ``pairs_outside_set``, ``logrank_chisq``,
  ``logrank_df``, ``logrank_p`` (stratified by pair), ``cox_hr`` (index vs comparator arm,
  Wald CI and p), ``cox_p`` (Wald), ``estimate`` (the same hazard ratio), ``lr_p`` and
  ``score_p`` (likelihood-ratio and score tests of that model), ``hr_cluster`` (unstratified
  Cox, pair-clustered robust SE), ``zph_p`` and ``rmst_difference`` (pairing ignored).

Kaplan-Meier, log-rank, Cox and RMST merge times equal up to rounding noise (R's timefix).
``params`` are the config's ``analysis`` keys ``alpha``, ``km.conf_type``,
``rmst_horizon_months``, ``analysis_sets`` and ``endpoints``. Each endpoint adds its analysed
patients per arm to table ``flow`` (statistic ``n_analysed``).
"""

from __future__ import annotations

import pandas as pd

from spinepair import stats
from spinepair.analysis.analysis_sets import describe
from spinepair.analysis.ard import ArdRows, select
from spinepair.analysis.endpoint_definitions import Endpoint, endpoints
from spinepair.analysis.endpoint_status import EndpointData, endpoint_data

COLUMNS = ["endpoint", "arm", "quantity", "time", "value", "lower", "upper", "method"]
NA = float("nan")
# the test behind each p of a survival or competing row, as every summary names it
P_TESTS = {
    "logrank_p": "stratified log-rank",
    "cox_hr": "Wald",
    "cox_p": "Wald",
    "estimate": "Wald",
    "lr_p": "likelihood ratio",
    "score_p": "score",
    "hr_cluster": "Wald, robust SE",
    "zph_p": "Grambsch-Therneau",
    "gray_p": "Gray",
    "fg_shr": "Wald, pair-clustered SE",
}


def km_groups(pf: pd.DataFrame, ep: Endpoint, arms, sets: dict | None) -> dict:
    """{arm: (time, event)} of the Kaplan-Meier curves: the analysed pairs of ``ep``."""
    return endpoint_data(pf, ep, arms, sets).arm_groups(arms)


class _Endpoint:
    """Writes the ARD rows of one endpoint: each with the analysis set, its n (patients of the
    arm, pairs for ``all``) and the endpoint's definition after the method."""

    def __init__(self, out: ArdRows, ep: Endpoint, data: EndpointData, alpha: float):
        self.out, self.ep, self.data, self.level = out, ep, data, 1 - alpha
        cause_specific = "; a competing event censors at its time" if ep.competing else ""
        self.rule = f"{ep.rule()}{cause_specific}; analysis set: {data.analysis_set}"

    def add(self, arm, quantity, value, lower=NA, upper=NA, time=NA, method="", p=NA):
        n = self.data.pairs  # 1 patient per arm and pair
        has_ci = not (pd.isna(lower) and pd.isna(upper))
        self.out.add(
            self.ep.key, self.ep.key, quantity, value, arm=arm, time=time, lower=lower,
            upper=upper, p=p, n=n, conf_level=self.level if has_ci else NA,
            analysis_set=self.data.analysis_set,
            method=f"{method}; {self.rule}" if method else self.rule,
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


def _arm_rows(e: _Endpoint, arms, conf_type: str, alpha: float) -> None:
    km_method = f"Kaplan-Meier, Greenwood SE, {conf_type} CI {1 - alpha:.0%}"
    for lab, (t_arm, e_arm) in e.data.arm_groups(arms).items():
        e.add(lab, "n", len(t_arm))
        e.add(lab, "events", e_arm.sum())
        if not len(t_arm):
            continue
        fit = stats.kaplan_meier(t_arm, e_arm, conf_type=conf_type, alpha=alpha)
        e.add(lab, "median", fit.median, fit.median_lower, fit.median_upper, method=km_method)
        if e.ep.horizons:
            pts = fit.at(list(e.ep.horizons))
            for i, m in enumerate(e.ep.horizons):
                e.add(lab, "survival", pts.survival[i], pts.lower[i], pts.upper[i], m, km_method)
                e.add(lab, "n_at_risk", pts.n_at_risk[i], time=m, method="Kaplan-Meier")


def _test_rows(e: _Endpoint, arms, alpha: float) -> None:
    d = e.data
    try:
        lr = stats.stratified_logrank(d.time, d.event, d.arm, d.pair)
        e.add("all", "logrank_chisq", lr.statistic, method=lr.method)
        e.add("all", "logrank_df", lr.df, method=lr.method)
        e.add("all", "logrank_p", lr.pvalue, method=lr.method, p=lr.pvalue)
    except stats.StatsInputError as exc:
        e.add("all", "logrank_p", NA, method=f"not computed: {exc}")
    data = (d.time, d.event, d.arm, d.pair, arms, alpha)
    e.guarded(("cox_hr", "estimate"), lambda x=data: _cox_rows(*x))
    e.guarded(("hr_cluster", "zph_p"), lambda x=data: _extra_cox_rows(*x))


def survival_stats(pf: pd.DataFrame, arms, declared: dict, params: dict) -> list[ArdRows]:
    """The survival statistics of every endpoint of ``declared`` (``analysis.endpoints``) and
    its ``flow`` rows (see the module docstring)."""
    alpha = float(params.get("alpha", 0.05))
    conf_type = (params.get("km") or {}).get("conf_type", "log-log")
    tau = params.get("rmst_horizon_months")
    sets = params.get("analysis_sets")
    out, flow = ArdRows("survival"), ArdRows("flow")
    for ep in endpoints(declared).values():
        d = endpoint_data(pf, ep, arms, sets)
        e = _Endpoint(out, ep, d, alpha)
        _arm_rows(e, arms, conf_type, alpha)
        for lab in arms:
            flow.add(
                ep.key, d.analysis_set if ep.analysis_set else "", "n_analysed", d.pairs,
                arm=lab, n=d.pairs, analysis_set=d.analysis_set,
            )  # fmt: skip
        e.add("all", "pairs", d.pairs)
        e.add("all", "pairs_excluded", d.pairs_excluded)
        if ep.analysis_set:
            e.add(
                "all",
                "pairs_outside_set",
                d.pairs_outside_set,
                method=describe(sets, ep.analysis_set),
            )
        _test_rows(e, arms, alpha)
        if tau is not None and d.pairs:
            _rmst_rows(e, d.time, d.event, d.arm, arms, float(tau), alpha)
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
