"""Adjusted estimates of the primary endpoints for covariates left imbalanced after matching.

A primary endpoint is declared in the study config (``analysis.diagnostics.endpoints``) with a
``key``, a ``kind`` and a ``label``:

- ``continuous``: derived column ``variable`` (default ``key``); paired-difference regression
- ``binary``: a flag column, or with ``levels`` true when the value is one of them and missing
  when it is in ``exclude``; conditional logistic regression on the pairs
- ``survival``: derived ``<key>_months`` and ``<key>_event``; Cox model stratified by pair

Each covariate set is fitted on the pairs complete for the endpoint and the covariates; the
unadjusted estimate of the same model on the same pairs is reported beside it (ARD table
``adjusted``, row = endpoint key, variable = covariates joined by " + ", statistics
``unadjusted_estimate`` and ``adjusted_estimate``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis import levels as vocab
from spinepair.analysis.ard import ArdRows

EFFECT = {"continuous": "mean difference", "binary": "odds ratio", "survival": "hazard ratio"}


def sides(pf: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """The index and comparator columns of a derived column in the pair frame."""
    for c in (f"{column}_idx", f"{column}_cmp"):
        if c not in pf.columns:
            raise KeyError(f"pair frame has no column {c!r} (derived column {column!r})")
    return pf[f"{column}_idx"], pf[f"{column}_cmp"]


def _binary(s: pd.Series, spec: dict) -> pd.Series:
    if "levels" not in spec:
        return s.astype("boolean").astype(float)
    text = s.astype("string")
    out = text.isin([str(v) for v in spec["levels"]]).astype(float)
    drop = text.isna() | text.isin([str(v) for v in spec.get("exclude", ())])
    return out.mask(drop.to_numpy(bool))


def endpoint_sides(pf: pd.DataFrame, spec: dict) -> dict[str, pd.DataFrame]:
    """{"idx": ..., "cmp": ...} frames of the endpoint: column ``y`` (continuous, binary as
    0/1 with NaN for missing), or ``time`` and ``event`` (survival)."""
    if spec["kind"] == "survival":
        t, e = sides(pf, f"{spec['key']}_months"), sides(pf, f"{spec['key']}_event")
        return {
            side: pd.DataFrame(
                {"time": pd.to_numeric(t[i]).astype(float), "event": e[i].astype(float)}
            )
            for i, side in enumerate(("idx", "cmp"))
        }
    x = sides(pf, spec.get("variable", spec["key"]))
    conv = (lambda s: _binary(s, spec)) if spec["kind"] == "binary" else _numeric
    return {side: pd.DataFrame({"y": conv(x[i])}) for i, side in enumerate(("idx", "cmp"))}


def _numeric(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s).astype(float)


def covariate_sides(pf: pd.DataFrame, variable: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Design columns of a covariate for both sides: the value of a numeric column, else one
    0/1 column per level but the first seen (in vocabulary order), NaN where missing."""
    x, y = sides(pf, variable)
    if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
        return _numeric(x).to_frame(variable), _numeric(y).to_frame(variable)
    seen = {str(v) for v in pd.concat([x, y]).dropna().unique()}
    order = [v for v in vocab.levels(variable) if v in seen]
    order += sorted(seen - set(order))

    def dummies(s: pd.Series) -> pd.DataFrame:
        text = s.astype("string")
        return pd.DataFrame(
            {f"{variable}={lv}": (text == lv).astype(float).mask(text.isna()) for lv in order[1:]}
        )

    return dummies(x), dummies(y)


def _stack(idx: pd.DataFrame, cmp: pd.DataFrame) -> np.ndarray:
    return np.concatenate([idx.to_numpy(float), cmp.to_numpy(float)])


def fit(pf: pd.DataFrame, spec: dict, covariates: list[str], arms, alpha: float):
    """(unadjusted, adjusted) :class:`spinepair.stats.AdjustedEffect` of the endpoint on the
    pairs complete for it and for ``covariates``."""
    ep = endpoint_sides(pf, spec)
    xs = [covariate_sides(pf, v) for v in covariates]
    xi = pd.concat([x[0] for x in xs], axis=1) if xs else pd.DataFrame(index=pf.index)
    xc = pd.concat([x[1] for x in xs], axis=1) if xs else pd.DataFrame(index=pf.index)
    ok = np.ones(len(pf), bool)
    for frame in (ep["idx"], ep["cmp"], xi, xc):
        ok &= frame.notna().all(axis=1).to_numpy()
    names = list(xi.columns)
    xi, xc = xi[ok], xc[ok]
    ei, ec = ep["idx"][ok], ep["cmp"][ok]
    kw = {"alpha": alpha}
    if spec["kind"] == "continuous":
        model = stats.paired_difference_regression
        return model(ei["y"], ec["y"], **kw), model(ei["y"], ec["y"], xi, xc, names, **kw)
    if spec["kind"] == "binary":
        model = stats.conditional_logistic
        return model(ei["y"], ec["y"], **kw), model(ei["y"], ec["y"], xi, xc, names, **kw)
    n = int(ok.sum())
    surv = {
        "time": np.r_[ei["time"], ec["time"]],
        "event": np.r_[ei["event"], ec["event"]],
        "group": np.r_[np.repeat(arms[0], n), np.repeat(arms[1], n)],
        "strata": np.tile(np.arange(n), 2),
        "reference": arms[1],
        "alpha": alpha,
    }
    model = stats.stratified_cox_adjusted
    return model(**surv), model(**surv, x=_stack(xi, xc), names=names)


def adjusted_rows(pf: pd.DataFrame, endpoints, covariate_sets, arms, alpha: float) -> ArdRows:
    """ARD rows (table ``adjusted``) of every endpoint spec and covariate set (a list of
    derived columns); a model that cannot be fitted is a row without value, its reason as
    method."""
    out = ArdRows("adjusted")
    for spec in endpoints:
        for covs in covariate_sets:
            variable = " + ".join(covs)
            try:
                fits = fit(pf, spec, list(covs), arms, alpha)
            except stats.StatsInputError as exc:
                out.add(
                    spec["key"], variable, "adjusted_estimate", None, method=f"not computed: {exc}"
                )
                continue
            for statistic, res in zip(("unadjusted_estimate", "adjusted_estimate"), fits):
                out.add(
                    spec["key"],
                    variable,
                    statistic,
                    res.estimate,
                    lower=res.lower,
                    upper=res.upper,
                    p=res.pvalue,
                    n=res.n,
                    conf_level=getattr(res, "conf_level", 1 - alpha),
                    method=f"{EFFECT[spec['kind']]} {arms[0]} vs {arms[1]}: {res.method}",
                )
    return out
