"""Pain response at one month: visit selection and the response category of one patient."""

from __future__ import annotations

import math

import pandas as pd

from spinepair.errors import ConfigError

PAPER_CATEGORIES = ("complete", "partial", "stable", "progression", "not_evaluable")
CHOW_CATEGORIES = ("complete", "partial", "indeterminate", "progression", "not_evaluable")
DEFAULT_LADDER = {"none": 0, "otc": 1, "steroid": 2, "narcotic": 3}
RULES = ("paper", "chow2012")
EXACTLY_TWO = ("stable", "partial")


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x))


def pain_response(
    vas_pre,
    vas_post,
    analgesic_pre,
    analgesic_post,
    rule: str = "paper",
    exactly_two: str = "stable",
    ome_pre=None,
    ome_post=None,
    ladder: dict | None = None,
) -> str:
    """Pain response category of one patient from pre-treatment and 1-month assessments.

    rule="paper" (the reference study), evaluated in this order:
    complete = VAS 0 and analgesic "none" at one month; progression = any VAS increase or
    a step up the analgesic ``ladder`` (default none < otc < steroid < narcotic);
    partial = VAS decrease > 2 with stable or decreased medication (a decrease of exactly
    2 is partial only when ``exactly_two="partial"``, the paper leaves it undefined);
    stable = anything else (same VAS or a smaller decrease). VAS 0 while analgesics are
    still taken is therefore not complete.

    rule="chow2012" (International Bone Metastases Consensus, Chow et al. 2012, Int J
    Radiat Oncol Biol Phys 82:1730), on oral morphine equivalents (OME, mg/day):
    complete = pain 0 with no OME increase; partial = pain reduction >= 2 without OME
    increase, or OME reduction >= 25% without pain increase; progression = pain increase
    >= 2 with stable OME (change within +-25%), or OME increase >= 25% with pain stable or
    +1; indeterminate = anything else. A missing OME counts as 0 when the analgesic is
    "none", otherwise the patient is not evaluable. Missing VAS -> "not_evaluable".

    >>> pain_response(7, 0, "otc", "none")
    'complete'
    >>> pain_response(7, 0, "narcotic", "narcotic")
    'partial'
    >>> pain_response(5, 3, "none", "none"), pain_response(5, 3, "none", "none",
    ...     exactly_two="partial")
    ('stable', 'partial')
    >>> pain_response(6, 2, "otc", "narcotic")
    'progression'
    >>> pain_response(6, 4, "narcotic", "narcotic", rule="chow2012", ome_pre=60, ome_post=60)
    'partial'
    """
    if _missing(vas_pre) or _missing(vas_post):
        return "not_evaluable"
    drop = int(vas_pre) - int(vas_post)
    if rule == "paper":
        if exactly_two not in EXACTLY_TWO:
            raise ConfigError(f"exactly_two must be one of {EXACTLY_TWO}, got {exactly_two!r}")
        ladder = DEFAULT_LADDER if ladder is None else ladder
        for value in (analgesic_pre, analgesic_post):
            if value not in ladder:
                raise ConfigError(f"analgesic {value!r} is not on the analgesic ladder {ladder}")
        if int(vas_post) == 0 and analgesic_post == "none":
            return "complete"
        if drop < 0 or ladder[analgesic_post] > ladder[analgesic_pre]:
            return "progression"
        if drop > 2 or (drop == 2 and exactly_two == "partial"):
            return "partial"
        return "stable"
    if rule == "chow2012":
        return _chow(drop, int(vas_post), analgesic_pre, analgesic_post, ome_pre, ome_post)
    raise ConfigError(f"pain rule must be one of {RULES}, got {rule!r}")


def _ome(ome, analgesic) -> float | None:
    if _missing(ome):
        return 0.0 if analgesic == "none" else None
    return float(ome)


def _chow(drop: int, vas_post: int, analgesic_pre, analgesic_post, ome_pre, ome_post) -> str:
    pre, post = _ome(ome_pre, analgesic_pre), _ome(ome_post, analgesic_post)
    if pre is None or post is None:
        return "not_evaluable"
    increased = post > pre
    up25 = increased and 4 * post >= 5 * pre  # >= 25% above baseline (any rise from 0)
    down25 = post < pre and 4 * post <= 3 * pre  # >= 25% below baseline
    if vas_post == 0 and not increased:
        return "complete"
    if (drop >= 2 and not increased) or (down25 and drop >= 0):
        return "partial"
    if (drop <= -2 and not up25 and not down25) or (up25 and drop in (0, -1)):
        return "progression"
    return "indeterminate"


def select_visits(
    assessments: pd.DataFrame,
    anchors: pd.DataFrame,
    pre_window_days: int,
    post_target_days: int,
    post_window_days: tuple[int, int],
) -> pd.DataFrame:
    """The pre-treatment and 1-month assessment of each patient of ``anchors``.

    ``anchors`` has patient_key, treatment_start, treatment_end, death_date. Pre: the
    assessment closest to the start within [start - pre_window_days, start]. Post: the one
    closest to end + post_target_days within [end + lo, end + hi] (ties -> earlier date);
    none when the patient died before end + lo. Returns one row per anchors patient with
    vas/analgesic/ome _pre and _post (NA when no visit qualifies).
    """
    lo, hi = post_window_days
    if not 0 <= lo <= post_target_days <= hi or pre_window_days < 0:
        raise ConfigError(
            "pain windows need 0 <= post_window_days[0] <= post_target_days <= "
            f"post_window_days[1] and pre_window_days >= 0; got {pre_window_days}, "
            f"{post_target_days}, {list(post_window_days)}"
        )
    a = assessments.merge(anchors, on="patient_key", how="inner")
    day = pd.Timedelta(days=1)
    in_pre = (a["date"] <= a["treatment_start"]) & (
        a["date"] >= a["treatment_start"] - pre_window_days * day
    )
    pre = a[in_pre].sort_values(["patient_key", "date"]).drop_duplicates("patient_key", keep="last")
    opens = a["treatment_end"] + lo * day
    alive = a["death_date"].isna() | (a["death_date"] >= opens)
    in_post = (a["date"] >= opens) & (a["date"] <= a["treatment_end"] + hi * day) & alive
    post = a[in_post].assign(_dist=(a["date"] - a["treatment_end"] - post_target_days * day).abs())
    post = post.sort_values(["patient_key", "_dist", "date"]).drop_duplicates("patient_key")
    fields = ["vas", "analgesic", "ome_mg"]
    out = anchors[["patient_key"]]
    for frame, suffix in ((pre, "_pre"), (post, "_post")):
        part = frame[["patient_key", *fields]].rename(
            columns={
                "vas": f"vas{suffix}",
                "analgesic": f"analgesic{suffix}",
                "ome_mg": f"ome{suffix}",
            }
        )
        out = out.merge(part, on="patient_key", how="left")
    return out
