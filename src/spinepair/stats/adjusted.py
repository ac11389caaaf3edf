"""Covariate-adjusted effect estimates for 1:1 matched pairs.

- :func:`paired_difference_regression`: continuous outcome, R ``lm(I(y1 - y2) ~ I(x1 - x2))``;
  the intercept is the adjusted mean difference (index minus comparator).
- :func:`conditional_logistic`: binary outcome, R ``survival::clogit(y ~ arm + x +
  strata(pair))``; for pairs only the discordant ones inform, and the model is a logistic
  regression without intercept on the within-pair differences (arm difference = 1).
- :func:`stratified_cox_adjusted`: time to event, R ``coxph(Surv(t, e) ~ arm + x +
  strata(pair))`` with Efron ties.

Covariates are matrices (one column per covariate or dummy level, ``None`` for none). A
covariate column that is aliased with the arm or earlier columns on the informative pairs is
dropped, as R reports its coefficient NA, and the method says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinepair.stats._common import StatsInputError, as_bool, as_float, same_length, sps, z_quantile


@dataclass(frozen=True)
class AdjustedEffect:
    """The arm effect (mean difference, odds ratio or hazard ratio) with CI and p, the pairs
    that inform it, the covariate columns kept and the exact method."""

    estimate: float
    lower: float
    upper: float
    pvalue: float
    se: float
    n: int
    kept: tuple[str, ...]
    method: str
    conf_level: float = float("nan")


def _matrix(x, n: int, name: str) -> np.ndarray:
    if x is None:
        return np.empty((n, 0))
    arr = np.asarray(x, dtype=float).reshape(n, -1)
    for j in range(arr.shape[1]):
        as_float(arr[:, j], f"{name} column {j}")
    return arr


def _names(names, p: int) -> list[str]:
    names = [f"x{j + 1}" for j in range(p)] if names is None else [str(v) for v in names]
    if len(names) != p:
        raise StatsInputError(f"{len(names)} covariate names for {p} columns")
    return names


def independent_columns(design: np.ndarray, tol: float = 1e-7) -> list[int]:
    """Columns of ``design`` kept in order, each only if it raises the rank (R's NA rule)."""
    keep: list[int] = []
    for j in range(design.shape[1]):
        trial = design[:, [*keep, j]]
        scale = np.abs(trial).max(axis=0)
        scale[scale == 0] = 1
        if np.linalg.matrix_rank(trial / scale, tol=tol) == len(keep) + 1:
            keep.append(j)
    return keep


def _note(dropped: list[str]) -> str:
    return f"; aliased, dropped: {', '.join(dropped)}" if dropped else ""


def paired_difference_regression(
    y_idx, y_cmp, x_idx=None, x_cmp=None, names=None, alpha: float = 0.05
) -> AdjustedEffect:
    """Adjusted mean difference (index - comparator): the intercept of the least-squares
    regression of the within-pair outcome difference on the within-pair covariate differences,
    t CI and p on n - 1 - p df (R ``lm(I(y1 - y2) ~ I(x1 - x2))``; without covariates the
    paired mean difference)."""
    z_quantile(alpha)
    d = as_float(y_idx, "y_idx") - as_float(y_cmp, "y_cmp")
    n = len(d)
    dx = _matrix(x_idx, n, "x_idx") - _matrix(x_cmp, n, "x_cmp")
    names = _names(names, dx.shape[1])
    design = np.column_stack([np.ones(n), dx])
    keep = independent_columns(design)
    if keep[:1] != [0]:
        raise StatsInputError("no pairs to regress")
    dropped = [names[j - 1] for j in range(1, design.shape[1]) if j not in keep]
    z = design[:, keep]
    df = n - z.shape[1]
    if df < 1:
        raise StatsInputError(f"{n} pairs cannot estimate {z.shape[1]} coefficients")
    coef, *_ = np.linalg.lstsq(z, d, rcond=None)
    resid = d - z @ coef
    sigma2 = float(resid @ resid) / df
    se = float(np.sqrt(sigma2 * np.linalg.inv(z.T @ z)[0, 0]))
    est = float(coef[0])
    tq = float(sps.t.ppf(1 - alpha / 2, df))
    p = float(2 * sps.t.sf(abs(est / se), df)) if se > 0 else float("nan")
    return AdjustedEffect(
        est,
        est - tq * se,
        est + tq * se,
        p,
        se,
        n,
        tuple(names[j - 1] for j in keep[1:]),
        "Paired-difference regression: intercept of lm(I(y1 - y2) ~ I(x1 - x2)), t CI"
        + _note(dropped),
        1 - alpha,
    )


# |coefficient| x (range of its column) above this is taken as infinite (exp(20) ~ 5e8)
INFINITE_LOG_RATIO = 20.0


def _newton(step_fn, design: np.ndarray, names, max_iter: int = 50, tol: float = 1e-10):
    """Maximise a concave log-likelihood: ``step_fn(beta) -> (loglik, score, information)``;
    Newton-Raphson with step halving. Returns (beta, information). An estimate whose log
    ratio over its column's range exceeds :data:`INFINITE_LOG_RATIO` is refused as infinite
    (R warns "coefficient may be infinite" and reports a huge one); ``names`` name the
    columns in the message."""
    beta = np.zeros(design.shape[1])
    ll, score, info = step_fn(beta)
    step = np.full_like(beta, np.inf)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:  # information vanished: the estimate runs off
            step = np.full_like(beta, np.inf)
            break
        new = step_fn(beta + step)
        while new[0] < ll - 1e-12 and np.abs(step).max() > 1e-12:
            step = step / 2
            new = step_fn(beta + step)
        beta, (ll, score, info) = beta + step, new
        if np.abs(step).max() < tol:
            break
    spread = np.maximum(design.max(axis=0) - design.min(axis=0), np.abs(design).max(axis=0))
    runaway = (np.abs(step) >= tol) | (np.abs(beta) * spread > INFINITE_LOG_RATIO)
    if runaway.any():
        which = ", ".join(n for n, bad in zip(names, runaway) if bad)
        raise StatsInputError(
            f"model did not converge: infinite estimate for {which} "
            "(separation or monotone likelihood)"
        )
    return beta, info


def _ratio(beta, info, alpha, n, kept, method) -> AdjustedEffect:
    se = float(np.sqrt(np.linalg.inv(info)[0, 0]))
    z = z_quantile(alpha)
    b = float(beta[0])
    return AdjustedEffect(
        float(np.exp(b)),
        float(np.exp(b - z * se)),
        float(np.exp(b + z * se)),
        float(2 * sps.norm.sf(abs(b / se))),
        se,
        n,
        kept,
        method,
        1 - alpha,
    )


def conditional_logistic(
    y_idx, y_cmp, x_idx=None, x_cmp=None, names=None, alpha: float = 0.05
) -> AdjustedEffect:
    """Conditional odds ratio index vs comparator from 1:1 pairs, adjusted for covariates;
    Wald CI and p (R ``clogit(y ~ arm + x + strata(pair))``). ``n`` = discordant pairs."""
    yi, yc = as_bool(y_idx, "y_idx"), as_bool(y_cmp, "y_cmp")
    n = same_length(y_idx=yi, y_cmp=yc)
    dx = _matrix(x_idx, n, "x_idx") - _matrix(x_cmp, n, "x_cmp")
    names = _names(names, dx.shape[1])
    disc = yi != yc
    if not disc.any():
        raise StatsInputError("no discordant pairs: the conditional odds ratio is not estimable")
    design = np.column_stack([np.ones(int(disc.sum())), dx[disc]])
    keep = independent_columns(design)
    z, y = design[:, keep], yi[disc].astype(float)

    def step(beta):
        eta = z @ beta
        prob = 1 / (1 + np.exp(-eta))
        ll = float((y * eta - np.logaddexp(0, eta)).sum())
        return ll, z.T @ (y - prob), (z * (prob * (1 - prob))[:, None]).T @ z

    labels = ["arm", *names]
    beta, info = _newton(step, z, [labels[j] for j in keep])
    dropped = [names[j - 1] for j in range(1, design.shape[1]) if j not in keep]
    method = "Conditional logistic regression on the pairs, Wald CI (R clogit)" + _note(dropped)
    return _ratio(beta, info, alpha, int(disc.sum()), tuple(names[j - 1] for j in keep[1:]), method)


def _tail(v: np.ndarray, first: np.ndarray, end: np.ndarray) -> np.ndarray:
    tail = np.concatenate([np.cumsum(v[::-1], axis=0)[::-1], np.zeros((1, *v.shape[1:]))])
    return tail[first] - tail[end]


def _efron_step(t, e, z, s):
    """Efron partial log-likelihood, score and information of the multi-covariate Cox model
    stratified by ``s`` (rows sorted by stratum and time)."""
    new_stratum = np.r_[True, s[1:] != s[:-1]]
    first = np.flatnonzero(new_stratum | np.r_[True, t[1:] != t[:-1]])
    stratum_end = np.r_[np.flatnonzero(new_stratum)[1:], len(t)]
    end = stratum_end[np.cumsum(new_stratum) - 1][first]
    d = np.add.reduceat(e, first)
    ev = np.flatnonzero(d > 0)
    sub = np.repeat(ev, d[ev].astype(int))
    start = np.repeat(np.cumsum(d[ev]) - d[ev], d[ev].astype(int))
    frac = (np.arange(len(sub)) - start) / d[sub]
    zz = z[:, :, None] * z[:, None, :]

    def step(beta):
        eta = z @ beta
        w = np.exp(eta)
        parts = []
        for v in (w, w[:, None] * z, w[:, None, None] * zz):
            dying = np.add.reduceat(v * e.reshape(-1, *([1] * (v.ndim - 1))), first)
            frac_ = frac.reshape(-1, *([1] * (v.ndim - 1)))
            parts.append(_tail(v, first, end)[sub] - frac_ * dying[sub])
        s0, s1, s2 = parts
        mean = s1 / s0[:, None]
        ll = float((eta * e).sum() - np.log(s0).sum())
        score = (z * e[:, None]).sum(axis=0) - mean.sum(axis=0)
        info = (s2 / s0[:, None, None] - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
        return ll, score, info

    return step


def stratified_cox_adjusted(
    time, event, group, strata, x=None, names=None, reference=None, alpha: float = 0.05
) -> AdjustedEffect:
    """Hazard ratio of the non-reference ``group`` level adjusted for the covariates ``x``
    (rows as ``time``), Cox model stratified by ``strata``, Efron ties, Wald CI and p (R
    ``coxph(Surv(t, e) ~ group + x + strata(pair))``). ``n`` = strata with an event."""
    t, e = as_float(time, "time"), as_bool(event, "event").astype(float)
    levels = sorted({str(v) for v in np.asarray(group)})
    if len(levels) != 2:
        raise StatsInputError(f"group must have exactly 2 levels, got {levels}")
    reference = levels[0] if reference is None else str(reference)
    if reference not in levels:
        raise StatsInputError(f"reference {reference!r} is not a group level {levels}")
    arm = (np.asarray(group).astype(str) != reference).astype(float)
    s = np.unique(np.asarray(strata), return_inverse=True)[1]
    n = same_length(time=t, event=e, group=arm, strata=s)
    covs = _matrix(x, n, "x")
    names = _names(names, covs.shape[1])
    design = np.column_stack([arm, covs])
    centred = design - _stratum_means(design, s)
    keep = independent_columns(centred[np.isin(s, s[e > 0])])
    if keep[:1] != [0]:
        raise StatsInputError("the arm does not vary within any stratum with an event")
    order = np.lexsort((t, s))
    z = centred[order][:, keep]
    labels = ["arm", *names]
    beta, info = _newton(_efron_step(t[order], e[order], z, s[order]), z, [labels[j] for j in keep])
    dropped = [names[j - 1] for j in range(1, design.shape[1]) if j not in keep]
    method = (
        "Cox model stratified by pair with covariates, Efron ties, Wald CI (R coxph strata())"
        + _note(dropped)
    )
    informative = len(np.unique(s[e > 0]))
    return _ratio(beta, info, alpha, informative, tuple(names[j - 1] for j in keep[1:]), method)


def _stratum_means(design: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Per-row mean of each column within its stratum (the Cox fit is invariant to it)."""
    counts = np.bincount(s).astype(float)
    sums = np.stack([np.bincount(s, weights=col) for col in design.T], axis=1)
    return (sums / counts[:, None])[s]
