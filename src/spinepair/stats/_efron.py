"""One-covariate Cox model with Efron (default), Breslow or exact ties, optionally
stratified, vectorised with numpy.

Rows are sorted by stratum and ascending time; risk-set sums are tail sums within the
stratum read at the first row of each (stratum, time) block, so everything is O(n log n)
with no Python loop over rows, strata or times. Tied deaths at a time contribute d
"sub-steps" in which the dying are counted with weight 1 - r/d, r = 0 .. d-1 (Efron;
Breslow counts them with weight 1). "exact" is the exact conditional likelihood of R
``coxph(ties = "exact")`` for a 0/1 covariate: with n1 of n at risk having x = 1 and d
deaths, the number K of deaths with x = 1 has P(K = k) proportional to
C(n1, k) C(n - n1, d - k) exp(beta k).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln, logsumexp

from spinepair.stats._common import StatsInputError

TIES = ("efron", "breslow", "exact")


class EfronCox:
    """Partial likelihood, score residuals and the cox.zph score test for one covariate."""

    def __init__(self, t, e, x, s, ties: str = "efron"):
        if ties not in TIES:
            raise StatsInputError(f"ties must be one of {TIES}, got {ties!r}")
        self.ties = ties
        order = np.lexsort((t, s))
        self.t, self.e, self.x, self.s = t[order], e[order].astype(float), x[order], s[order]
        n = len(t)
        new_stratum = np.r_[True, self.s[1:] != self.s[:-1]]
        new_block = new_stratum | np.r_[True, self.t[1:] != self.t[:-1]]
        self.block = np.cumsum(new_block) - 1
        self.first = np.flatnonzero(new_block)
        self.block_starts_stratum = new_stratum[self.first]
        stratum_end = np.r_[np.flatnonzero(new_stratum)[1:], n]
        self.end = stratum_end[np.cumsum(new_stratum) - 1][self.first]
        d = np.add.reduceat(self.e, self.first)
        self.ev = np.flatnonzero(d > 0)
        self.d = d[self.ev]
        # one sub-step per death: its block (among event blocks) and the fraction r/d
        self.sub = np.repeat(np.arange(len(self.ev)), self.d.astype(int))
        start = np.repeat(np.cumsum(self.d) - self.d, self.d.astype(int))
        self.frac = (np.arange(len(self.sub)) - start) / self.d[self.sub]
        if ties == "breslow":
            self.frac = np.zeros_like(self.frac)
        self.x_events = float((self.x * self.e).sum())

    def _risk(self, v):
        tail = np.r_[np.cumsum(v[::-1])[::-1], 0.0]
        return (tail[self.first] - tail[self.end])[self.ev]

    def substeps(self, beta: float):
        """Denominator, mean and variance of x at every Efron sub-step; exp(beta x)."""
        w = np.exp(beta * self.x)
        dying = w * self.e
        den = (
            self._risk(w)[self.sub]
            - self.frac * np.add.reduceat(dying, self.first)[self.ev][self.sub]
        )
        s1 = (
            self._risk(w * self.x)[self.sub]
            - self.frac * np.add.reduceat(dying * self.x, self.first)[self.ev][self.sub]
        )
        s2 = (
            self._risk(w * self.x**2)[self.sub]
            - self.frac * np.add.reduceat(dying * self.x**2, self.first)[self.ev][self.sub]
        )
        mean = s1 / den
        return den, mean, s2 / den - mean**2, w

    def _exact(self, beta: float) -> tuple[float, float, float]:
        """Log-likelihood, score, information of the exact conditional likelihood."""
        n1, n = self._risk(self.x), self._risk(np.ones_like(self.x))
        k = np.arange(int(self.d.max()) + 1)[None, :]
        d, n1, n0 = self.d[:, None], n1[:, None], (n - n1)[:, None]
        possible = (k <= d) & (k <= n1) & (d - k <= n0)
        with np.errstate(invalid="ignore", divide="ignore"):
            log_count = _log_choose(n1, k) + _log_choose(n0, d - k)
        log_terms = np.where(possible, log_count + beta * k, -np.inf)
        log_den = logsumexp(log_terms, axis=1)
        prob = np.exp(log_terms - log_den[:, None])
        mean = (prob * k).sum(axis=1)
        var = (prob * k**2).sum(axis=1) - mean**2
        return (
            beta * self.x_events - float(log_den.sum()),
            self.x_events - float(mean.sum()),
            float(var.sum()),
        )

    def loglik_score_info(self, beta: float) -> tuple[float, float, float]:
        if self.ties == "exact":
            return self._exact(beta)
        den, mean, var, _ = self.substeps(beta)
        return (
            beta * self.x_events - float(np.log(den).sum()),
            self.x_events - float(mean.sum()),
            float(var.sum()),
        )

    def fit(self, tol: float = 1e-10, max_iter: int = 50) -> tuple[float, float]:
        """Newton-Raphson with step halving: (coef, information at coef)."""
        beta, (ll, grad, info) = 0.0, self.loglik_score_info(0.0)
        for _ in range(max_iter):
            if info <= 0:
                break
            step = grad / info
            new = self.loglik_score_info(beta + step)
            while new[0] < ll - 1e-12 and abs(step) > 1e-12:
                step /= 2
                new = self.loglik_score_info(beta + step)
            beta, (ll, grad, info) = beta + step, new
            if abs(step) < tol:
                return beta, info
        raise StatsInputError(
            "Cox model did not converge (no events with both groups at risk, "
            "or every event in one group: the hazard ratio is not finite)"
        )

    def score_residuals(self, beta: float) -> np.ndarray:
        """Per-row score residuals (R ``residuals(fit, "score")``, Efron or Breslow), in
        sorted order."""
        if self.ties == "exact":
            raise StatsInputError("score residuals are computed for Efron or Breslow ties only")
        den, mean, _, w = self.substeps(beta)
        nb = len(self.first)

        def per_event_block(values):
            out = np.zeros(nb)
            out[self.ev] = np.bincount(self.sub, weights=values, minlength=len(self.ev))
            return out

        haz0, haz1 = per_event_block(1 / den), per_event_block(mean / den)
        part0, part1 = per_event_block(self.frac / den), per_event_block(self.frac * mean / den)
        mean_block = np.zeros(nb)
        mean_block[self.ev] = np.bincount(self.sub, weights=mean) / self.d
        restart = self.block_starts_stratum
        cum0, cum1 = _restarting_cumsum(haz0, restart), _restarting_cumsum(haz1, restart)
        b, x = self.block, self.x
        resid = -w * (x * cum0[b] - cum1[b])
        resid += self.e * ((x - mean_block[b]) + w * (x * part0[b] - part1[b]))
        return resid

    def zph_km_test(self, beta: float) -> float:
        """Chi-square of R ``cox.zph(fit)`` (transform "km") for the single covariate."""
        km_left = _pooled_km_left(self.t, self.e)
        g = 1 - km_left
        g = g - g[self.e == 1].mean()
        gb = g[self.first][self.ev][self.sub]
        _, mean, var, _ = self.substeps(beta)
        u = float((g * self.x * self.e).sum() - (gb * mean).sum())
        i00, i01, i11 = var.sum(), (gb * var).sum(), (gb * gb * var).sum()
        return u * u / (i11 - i01 * i01 / i00)


def _log_choose(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def _restarting_cumsum(values: np.ndarray, restart: np.ndarray) -> np.ndarray:
    c = np.cumsum(values)
    starts = np.flatnonzero(restart)
    offset = (c - values)[starts]
    return c - np.repeat(offset, np.diff(np.r_[starts, len(values)]))


def _pooled_km_left(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Kaplan-Meier of all rows (strata ignored) just before each row's time, S(t-)."""
    _, inverse = np.unique(t, return_inverse=True)
    deaths = np.bincount(inverse, weights=e)
    at_risk = len(t) - np.r_[0, np.cumsum(np.bincount(inverse))[:-1]]
    surv = np.cumprod(1 - deaths / at_risk)
    return np.r_[1.0, surv[:-1]][inverse]
