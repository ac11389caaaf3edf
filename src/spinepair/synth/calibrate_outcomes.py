"""Calibrated outcomes of the demo's 28 designed pairs: survival, imaging, local
progression, toxicity, fractures, further treatment and other-level progression.

Survival follows the paper's actuarial local-control curve and medians; the events are
then placed on a survival draw so that the paper's counts hold exactly. Acceptance is
checked by :mod:`spinepair.synth.checks`, independent of the pipeline.
"""

from __future__ import annotations

import numpy as np

from spinepair.synth import simparams as P
from spinepair.synth.checks import km, km_median, km_rates, p_pair_logrank, p_welch, within
from spinepair.synth.core import months_to_days

N = P.PAIRS


# --------------------------------------------------------------------------- survival


def _on_a_day(months):
    """Months rounded to a whole day."""
    return months_to_days(months) / P.MONTH_DAYS


def _survival_arm(rng: np.random.Generator, arm: str, years: np.ndarray) -> list[dict]:
    """Death, follow-up, MRI visits and local progression of one arm.

    Local progression follows the paper's actuarial curve (piecewise-constant hazard);
    it is seen at the next scheduled MRI or at an earlier symptom-driven MRI.
    """
    lc = np.array(P.LOCAL_CONTROL[arm])
    grid = np.array((0,) + P.LOCAL_CONTROL_MONTHS, float)
    cum_h = -np.log(np.concatenate([[1.0], lc]))
    tail_rate = (cum_h[-1] - cum_h[-2]) / (grid[-1] - grid[-2])
    schedule = _on_a_day(P.MRI_VISIT_MONTHS)
    imaged = np.zeros(N, bool)
    imaged[rng.choice(N, P.FOLLOWUP_MRI[arm], replace=False)] = True
    out = []
    for i in range(N):
        e = rng.exponential()
        t_lp = (
            np.interp(e, cum_h, grid) if e < cum_h[-1] else grid[-1] + (e - cum_h[-1]) / tail_rate
        )
        long_survivor = rng.random() < P.LONG_SURVIVOR_SHARE[arm]
        if long_survivor:
            base = rng.uniform(*P.LONG_SURVIVOR_MONTHS)
            death = base
        else:
            base = rng.lognormal(np.log(P.OS_MEDIAN[arm] * 1.15), 0.7)
            death = min(base, t_lp + rng.gamma(2.0, 1.5)) if t_lp < base else base
        death = max(death, 2.3)
        admin = (P.STUDY_YEARS[1] + 2 - years[i]) * 12 - rng.uniform(0, 11)
        os_m = min(death, max(admin, 2.3))
        dead = bool(death <= admin)
        visits, lp_visit = [], None
        if imaged[i]:
            early = rng.random() < P.IMAGING_STOP_EARLY_SHARE
            stop = min(os_m, rng.uniform(*P.IMAGING_STOP_MONTHS[0 if early else 1]))
            seen = min([v for v in schedule if v >= t_lp] + [t_lp + rng.uniform(0.1, 0.6)])
            visits = [v for v in schedule if v < min(seen - 0.1, stop)]
            if seen < stop - 0.05:
                visits.append(_on_a_day(seen))
                lp_visit = len(visits) - 1
            visits = visits or [schedule[0]]
        out.append(
            {
                "os_months": float(os_m),
                "dead": dead,
                "imaged": bool(visits),
                "n_visits": len(visits),
                "lp_visit": lp_visit,
                "visits": np.array(visits, float),
            }
        )
    return out


def _endpoints(recs: list[dict]):
    os_t = np.array([r["os_months"] for r in recs])
    os_e = np.array([r["dead"] for r in recs])
    lc_t = np.array(
        [
            (
                r["visits"][r["lp_visit"]]
                if r["lp_visit"] is not None
                else (r["visits"][-1] if r["imaged"] else 0.0)
            )
            for r in recs
        ]
    )
    lc_e = np.array([r["lp_visit"] is not None for r in recs])
    pfs_t = np.where(lc_e, np.minimum(lc_t, os_t), os_t)
    pfs_e = lc_e | os_e
    return os_t, os_e, lc_t, lc_e, pfs_t, pfs_e


def _arm_ok(arm: str, recs: list[dict]) -> bool:
    """The arm's imaging count, follow-up, local-control rates and medians are the paper's
    (cheap checks first: a Kaplan-Meier fit costs milliseconds)."""
    if sum(r["imaged"] for r in recs) != P.FOLLOWUP_MRI[arm]:
        return False
    os_t, os_e, lc_t, lc_e, pfs_t, pfs_e = _endpoints(recs)
    fu_mean, fu_sd = P.FOLLOWUP[arm]
    if (
        lc_e.sum() < 8
        or abs(os_t.mean() - fu_mean) > 0.1 * fu_mean
        or abs(os_t.std(ddof=1) - fu_sd) > 0.25 * fu_sd
    ):
        return False
    rates = km_rates(km(lc_t, lc_e), P.LOCAL_CONTROL_MONTHS)
    os_target, pfs_target = P.PAPER_MEDIANS[arm]
    return bool(
        np.all(np.abs(rates - np.array(P.LOCAL_CONTROL[arm])) <= P.RATE_TOL)
        and abs(km_median(km(os_t, os_e)) - os_target) <= P.MEDIAN_TOL
        and abs(km_median(km(pfs_t, pfs_e)) - pfs_target) <= P.MEDIAN_TOL
    )


def survival(rng: np.random.Generator, years_s, years_r):
    def draw(arm, years):
        for _ in range(P.MAX_TRIES):
            recs = _survival_arm(rng, arm, years)
            if _arm_ok(arm, recs):
                return recs
        raise RuntimeError(f"survival calibration failed for {arm}")  # pragma: no cover

    srs = draw("SRS", years_s)
    s = _endpoints(srs)
    for _ in range(1000):
        rt = draw("RT", years_r)
        r = _endpoints(rt)
        if (
            p_pair_logrank(s[0], s[1], r[0], r[1]) > 0.3
            and p_pair_logrank(s[4], s[5], r[4], r[5]) > 0.2
        ):
            return srs, rt
    raise RuntimeError("survival calibration failed: log-rank")  # pragma: no cover


# --------------------------------------------------------------------------- toxicity etc.


def _assign_toxicity(rng, pairs, surv):
    """Toxicity sets, fractures and further treatments; False when infeasible."""
    order = rng.permutation(N)
    both, s_only = order[: P.TOXICITY_BOTH_PAIRS], order[P.TOXICITY_BOTH_PAIRS :]
    n_s = len(P.TOXICITY_SETS["SRS"]) - P.TOXICITY_BOTH_PAIRS
    n_r = len(P.TOXICITY_SETS["RT"]) - P.TOXICITY_BOTH_PAIRS
    s_only, r_only = s_only[:n_s], s_only[n_s : n_s + n_r]
    holders = {"SRS": list(both) + list(s_only), "RT": list(both) + list(r_only)}
    for k, arm in enumerate(("SRS", "RT")):
        sets = [list(x) for x in P.TOXICITY_SETS[arm]]
        pool = list(holders[arm])
        rng.shuffle(pool)
        for tox in sorted(sets, key=lambda x: ("cf", 0) not in x):
            chosen = None
            for i in pool:
                rec, sv = pairs[i][k], surv[arm][i]
                if ("cf", 0) in tox:
                    other = pairs[i][1 - k]
                    if (
                        not sv["imaged"]
                        or other.get("cf")
                        or rec["total_dose_gy"] / rec["fractions"] >= 20
                        or (sv["lp_visit"] is not None and sv["lp_visit"] < 1)
                    ):
                        continue
                chosen = i
                break
            if chosen is None:
                return False
            pool.remove(chosen)
            rec, sv = pairs[chosen][k], surv[arm][chosen]
            rec["toxicities"] = [t for t in tox if t[0] != "cf"]
            if ("cf", 0) in tox:
                rec["cf"] = True
                limit = sv["lp_visit"] if sv["lp_visit"] is not None else sv["n_visits"]
                rec["cf_visit"] = int(rng.integers(0, limit))
    return _assign_further(rng, pairs, surv)


def _assign_further(rng, pairs, surv) -> bool:
    for k, arm in enumerate(("SRS", "RT")):
        plan = list(P.FURTHER_TREATMENTS[arm])
        cf = [i for i in range(N) if pairs[i][k].get("cf")]
        lp = [i for i in range(N) if surv[arm][i]["lp_visit"] is not None]
        rng.shuffle(cf)
        rng.shuffle(lp)
        intervals = []
        for kind, reason in plan:
            src = cf if reason == "compression_fracture" else lp
            placed = False
            while src and not placed:
                i = src.pop()
                sv, rec = surv[arm][i], pairs[i][k]
                visit = rec["cf_visit"] if reason == "compression_fracture" else sv["lp_visit"]
                when = sv["visits"][visit] + rng.uniform(0.2, 1.5)
                if when < sv["os_months"] - 0.1 and rec.get("further") is None:
                    rec["further"] = (kind, reason, float(when))
                    intervals.append(when)
                    placed = True
            if not placed:
                return False
        if not within(intervals, P.FURTHER_INTERVAL[arm], 0.06, 0.09):
            return False
    s = [r[0]["further"][2] for r in pairs if r[0].get("further")]
    t = [r[1]["further"][2] for r in pairs if r[1].get("further")]
    return p_welch(s, t) > 0.1


def _assign_other_level(rng, pairs, surv) -> bool:
    for k, arm in enumerate(("SRS", "RT")):
        ok = [
            i
            for i in range(N)
            if surv[arm][i]["imaged"]
            and (surv[arm][i]["lp_visit"] is None or surv[arm][i]["lp_visit"] >= 1)
        ]
        if len(ok) < P.OTHER_LEVEL_PROGRESSION[arm]:
            return False
        for i in rng.choice(ok, P.OTHER_LEVEL_PROGRESSION[arm], replace=False):
            sv = surv[arm][i]
            limit = sv["lp_visit"] if sv["lp_visit"] is not None else sv["n_visits"]
            pairs[i][k]["olp_visit"] = int(rng.integers(0, limit))
    b = sum(1 for p in pairs if "olp_visit" in p[0] and "olp_visit" not in p[1])
    c = sum(1 for p in pairs if "olp_visit" not in p[0] and "olp_visit" in p[1])
    return abs(b - c) <= 1


def place_events(rng, pairs, surv, tries: int = 20_000) -> bool:
    """Toxicity, fractures, further treatment and other-level progression on a survival draw."""
    for _ in range(tries):
        for p in pairs:
            for rec in p:
                for key in ("toxicities", "cf", "cf_visit", "further", "olp_visit"):
                    rec.pop(key, None)
        if _assign_toxicity(rng, pairs, surv) and _assign_other_level(rng, pairs, surv):
            return True
    return False
