"""The calibration's acceptance checks, on implementations independent of the pipeline.

The generator must not grade its own draws with the code it is meant to test, so nothing
here imports ``spinepair.stats`` or ``spinepair.endpoints``: the t-tests are scipy's, the
Bowker statistic is statsmodels', Kaplan-Meier is lifelines', the pair-stratified log-rank
is statsmodels' ``survdiff``, and the pain categories are the paper's definition written
out once more (:func:`paper_pain_category`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from scipy import stats as sps
from statsmodels.duration.survfunc import survdiff
from statsmodels.stats.contingency_tables import SquareTable

from spinepair.synth import simparams as P

PAIN_CATEGORIES = ("complete", "partial", "stable", "progression")


def within(
    values, target: tuple[float, float], tol: float = P.MEAN_TOL, sd_tol: float = P.SD_TOL
) -> bool:
    """Mean and SD within relative tolerances of ``target`` = (mean, SD)."""
    m, s = float(np.mean(values)), float(np.std(values, ddof=1))
    return abs(m - target[0]) <= tol * target[0] and abs(s - target[1]) <= sd_tol * target[1]


def p_paired(x, y) -> float:
    """Paired t-test p-value (scipy)."""
    return float(sps.ttest_rel(x, y).pvalue)


def p_welch(x, y) -> float:
    """Welch's unequal-variance t-test p-value (scipy)."""
    return float(sps.ttest_ind(x, y, equal_var=False).pvalue)


def p_bowker(x, y, categories=PAIN_CATEGORIES) -> float:
    """Bowker's symmetry test of paired categories (statsmodels' statistic).

    statsmodels counts every off-diagonal pair in the degrees of freedom; the paper's rule
    (SPSS) leaves out the pairs that are empty in both directions, so the p-value is taken
    on that many degrees of freedom. Without a discordant pair the test is not computed
    (NaN, as R's NA).
    """
    table = pd.crosstab(
        pd.Categorical(x, categories), pd.Categorical(y, categories), dropna=False
    ).to_numpy()
    stat = SquareTable(table, shift_zeros=False).symmetry().statistic
    upper = np.triu_indices(len(categories), 1)
    df = int(((table[upper] + table.T[upper]) > 0).sum())
    return float(sps.chi2.sf(stat, df)) if df else float("nan")


def km(time, event) -> KaplanMeierFitter:
    """Kaplan-Meier fit (lifelines)."""
    return KaplanMeierFitter().fit(np.asarray(time, float), np.asarray(event, bool))


def km_rates(fit: KaplanMeierFitter, times) -> np.ndarray:
    """Survival at ``times``; NaN beyond the last observed time (the estimate stops there)."""
    t = np.asarray(times, float)
    rates = fit.survival_function_at_times(t).to_numpy()
    return np.where(t > fit.timeline.max(), np.nan, rates)


def km_median(fit: KaplanMeierFitter, tol: float = 1e-9) -> float:
    """Median survival: the first time the curve reaches 0.5; where it rests at exactly 0.5,
    the midpoint between that time and the next drop (or the last time). NaN if not reached.

    (lifelines' own ``median_survival_time_`` takes the first time below 0.5 instead.)
    """
    sf = fit.survival_function_.iloc[:, 0]
    times, surv = sf.index.to_numpy(float), sf.to_numpy()
    reached = np.flatnonzero(surv <= 0.5 + tol)
    if not len(reached):
        return float("nan")
    first = reached[0]
    if surv[first] < 0.5 - tol:
        return float(times[first])
    below = np.flatnonzero(surv < 0.5 - tol)
    return float((times[first] + (times[below[0]] if len(below) else times[-1])) / 2)


def p_pair_logrank(t1, e1, t0, e0) -> float:
    """Log-rank test stratified by pair (statsmodels ``survdiff``); pair i = (t1[i], t0[i])."""
    n = len(t1)
    _, p = survdiff(
        np.r_[t1, t0],
        np.r_[e1, e0].astype(int),
        np.repeat([1, 0], n),
        strata=np.r_[np.arange(n), np.arange(n)],
    )
    return float(p)


def paper_pain_category(vas_pre: int, vas_post: int, analgesic_pre: str, analgesic_post: str):
    """The paper's pain response at one month (a decrease of exactly 2 counts as stable).

    complete: no pain (VAS 0) without analgesics; progression: any VAS increase or more
    analgesics; partial: VAS decrease of more than 2 with stable or fewer analgesics;
    stable: anything else.
    """
    if vas_post == 0 and analgesic_post == "none":
        return "complete"
    if vas_post > vas_pre or P.ANALGESIC_LEVEL[analgesic_post] > P.ANALGESIC_LEVEL[analgesic_pre]:
        return "progression"
    return "partial" if vas_pre - vas_post > 2 else "stable"
