"""Weighted Cox model on (start, stop] rows, Efron or Breslow ties, several covariates, as R
``coxph(Surv(start, stop, status) ~ x, weights = w)`` (no strata), with per-row score
residuals for R's robust variance.

Risk-set sums at each event time u (rows with start < u <= stop) are tail sums over rows
sorted by stop minus those sorted by start, so no Python loop runs over rows or times.
Tied deaths at u give d Efron sub-steps r = 0 .. d-1 in which the dying count with weight
1 - r/d (Breslow: weight 1); each sub-step has the mean weight of the dying (R's meanwt).
"""

from __future__ import annotations

import numpy as np

from spinepair.stats._common import StatsInputError


class CountingCox:
    """Log-likelihood, score, information and score residuals of a weighted Cox model."""

    def __init__(self, start, stop, status, weight, x, ties: str = "efron"):
        if ties not in ("efron", "breslow"):
            raise StatsInputError(f"ties must be 'efron' or 'breslow', got {ties!r}")
        self.start, self.stop, self.w, self.x = start, stop, weight, x
        self.dead = status == 1
        self.u = np.unique(stop[self.dead])  # event times
        if len(self.u) == 0:
            raise StatsInputError("no event: nothing to model")
        self.by_stop = np.argsort(stop, kind="stable")
        self.by_start = np.argsort(start, kind="stable")
        self.stop_pos = np.searchsorted(stop[self.by_stop], self.u, side="left")
        self.start_pos = np.searchsorted(start[self.by_start], self.u, side="left")
        self.event_of_row = np.searchsorted(self.u, stop[self.dead])  # dying rows' event time
        d = np.bincount(self.event_of_row, minlength=len(self.u)).astype(float)
        self.meanwt = np.bincount(self.event_of_row, weights=weight[self.dead]) / d
        self.sub = np.repeat(np.arange(len(self.u)), d.astype(int))  # one sub-step per death
        first = np.repeat(np.cumsum(d) - d, d.astype(int))
        self.frac = (np.arange(len(self.sub)) - first) / d[self.sub]
        if ties == "breslow":
            self.frac = np.zeros_like(self.frac)

    def _at_risk(self, v: np.ndarray) -> np.ndarray:
        """Sum of v over the rows at risk at each event time (first axis: rows)."""
        zero = np.zeros((1,) + v.shape[1:])
        tail_stop = np.concatenate([np.cumsum(v[self.by_stop][::-1], axis=0)[::-1], zero])
        tail_start = np.concatenate([np.cumsum(v[self.by_start][::-1], axis=0)[::-1], zero])
        return tail_stop[self.stop_pos] - tail_start[self.start_pos]

    def _dying(self, v: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.u),) + v.shape[1:])
        np.add.at(out, self.event_of_row, v[self.dead])
        return out

    def substeps(self, beta: np.ndarray):
        """Denominator, mean and second moment of x at each sub-step; risk scores."""
        risk = np.exp(self.x @ beta)
        x = self.x
        parts = [self.w * risk, (self.w * risk)[:, None] * x]
        parts.append(parts[1][:, :, None] * x[:, None, :])
        out = []
        for v in parts:
            extra = (1,) * (v.ndim - 1)
            f = self.frac.reshape(-1, *extra)
            out.append(self._at_risk(v)[self.sub] - f * self._dying(v)[self.sub])
        den, s1, s2 = out
        return den, s1 / den[:, None], s2 / den[:, None, None], risk

    def loglik_score_info(self, beta: np.ndarray):
        den, mean, second, _ = self.substeps(beta)
        mw = self.meanwt[self.sub]
        wx = self.w[self.dead][:, None] * self.x[self.dead]
        loglik = float((wx @ beta).sum() - (mw * np.log(den)).sum())
        score = wx.sum(axis=0) - (mw[:, None] * mean).sum(axis=0)
        cov = second - mean[:, :, None] * mean[:, None, :]
        return loglik, score, (mw[:, None, None] * cov).sum(axis=0)

    def fit(self, tol: float = 1e-12, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
        """Newton-Raphson with step halving: (coef, information at coef)."""
        beta = np.zeros(self.x.shape[1])
        loglik, score, info = self.loglik_score_info(beta)
        info0 = np.diag(info).copy()
        for _ in range(max_iter):
            step = np.linalg.solve(info, score)
            new = self.loglik_score_info(beta + step)
            while new[0] < loglik - 1e-12 and np.abs(step).max() > 1e-12:
                step = step / 2
                new = self.loglik_score_info(beta + step)
            beta, (loglik, score, info) = beta + step, new
            if np.abs(step).max() < tol:
                if (np.diag(info) < 1e-10 * info0).any():
                    break
                return beta, info
        raise StatsInputError("Cox model did not converge (a coefficient may be infinite)")

    def score_residuals(self, beta: np.ndarray) -> np.ndarray:
        """Per-row score residuals, unweighted (R ``residuals(fit, "score")``)."""
        den, mean, _, risk = self.substeps(beta)
        m, p = len(self.u), self.x.shape[1]

        def per_time(values):
            out = np.zeros((m,) + values.shape[1:])
            np.add.at(out, self.sub, values)
            return out

        h = (self.meanwt[self.sub] / den)[:, None]
        haz0, haz1 = per_time(h[:, 0]), per_time(h * mean)
        part0, part1 = per_time(self.frac * h[:, 0]), per_time(self.frac[:, None] * h * mean)
        cum0 = np.r_[0.0, np.cumsum(haz0)]
        cum1 = np.vstack([np.zeros((1, p)), np.cumsum(haz1, axis=0)])
        upto_stop = np.searchsorted(self.u, self.stop, side="right")
        upto_start = np.searchsorted(self.u, self.start, side="right")
        c0 = cum0[upto_stop] - cum0[upto_start]
        c1 = cum1[upto_stop] - cum1[upto_start]
        resid = -risk[:, None] * (self.x * c0[:, None] - c1)
        k = self.event_of_row
        mean_time = per_time(mean) / np.bincount(self.sub, minlength=m)[:, None]
        xd = self.x[self.dead]
        resid[self.dead] += xd - mean_time[k]
        resid[self.dead] += risk[self.dead][:, None] * (xd * part0[k][:, None] - part1[k])
        return resid
