"""The one per-patient status (0 censored, 1 event, 2 competing event) and time of a declared
endpoint (:mod:`.endpoint_definitions`) on the pair frame, and the pairs each method analyses.

Every survival method reads :func:`endpoint_data`: Kaplan-Meier, log-rank, Cox and RMST take
status 1 as the event and a competing event as censoring at its time (cause-specific); the
cumulative incidence, Gray's test and Fine-Gray keep status 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spinepair.analysis.analysis_sets import in_set, set_label
from spinepair.analysis.endpoint_definitions import Endpoint

CENSORED, EVENT, COMPETING = 0, 1, 2


def _column(pf: pd.DataFrame, name: str, side: str) -> pd.Series:
    if f"{name}_{side}" not in pf.columns:
        raise KeyError(f"endpoint: pair frame has no column {name}_{side}")
    return pf[f"{name}_{side}"]


def status_and_time(pf: pd.DataFrame, side: str, ep: Endpoint) -> tuple[pd.Series, pd.Series]:
    """Status and time of one side (``idx`` or ``cmp``) of the pair frame; both NA when the
    event, the competing event (when it matters) or the time is unknown."""

    def num(name: str) -> pd.Series:
        return pd.to_numeric(_column(pf, name, side)).astype(float)

    event = _column(pf, ep.event, side).astype("boolean")
    t_event, t_cens = num(ep.time), num(ep.censor_time)
    status = pd.Series(np.where(event.fillna(False), EVENT, CENSORED), index=pf.index)
    known = event.notna()
    time = t_event.where(status == EVENT, t_cens)
    if ep.competing:
        comp = _column(pf, f"{ep.competing}_event", side).astype("boolean")
        t_comp = num(f"{ep.competing}_months")
        counts = comp.fillna(False).to_numpy(bool) & (status == CENSORED).to_numpy()
        if ep.within_months is not None:
            counts &= (t_comp <= t_cens + ep.within_months).to_numpy()
        status = status.where(~counts, COMPETING)
        time = time.where(~counts, t_comp)
        known &= event.fillna(False) | comp.notna()
    known &= time.notna()
    return status.where(known).astype("Int64"), time.where(known)


@dataclass(frozen=True, eq=False)
class EndpointData:
    """Both members of the complete pairs in the endpoint's analysis set (index arm first)."""

    time: np.ndarray
    status: np.ndarray
    arm: np.ndarray
    pair: np.ndarray
    pairs_excluded: int  # in the set, a member's status or time unknown
    pairs_outside_set: int
    analysis_set: str  # the set in words

    @property
    def event(self) -> np.ndarray:
        """Status 1 (a competing event censors: cause-specific methods)."""
        return self.status == EVENT

    @property
    def pairs(self) -> int:
        return len(self.time) // 2

    def arm_groups(self, arms) -> dict:
        """{arm: (time, event)} of the cause-specific methods (Kaplan-Meier)."""
        return {a: (self.time[self.arm == a], self.event[self.arm == a]) for a in arms}


def endpoint_data(pf: pd.DataFrame, ep: Endpoint, arms, sets: dict | None) -> EndpointData:
    """The analysed pairs of ``ep`` (``sets``: the config's ``analysis.analysis_sets``)."""
    a, b = arms
    sx, tx = status_and_time(pf, "idx", ep)
    sy, ty = status_and_time(pf, "cmp", ep)
    inside = in_set(pf, ep.analysis_set) if ep.analysis_set else np.ones(len(pf), bool)
    complete = (sx.notna() & sy.notna()).to_numpy()
    keep = complete & inside
    return EndpointData(
        time=np.r_[tx[keep].to_numpy(float), ty[keep].to_numpy(float)],
        status=np.r_[sx[keep].to_numpy(int), sy[keep].to_numpy(int)],
        arm=np.repeat([a, b], keep.sum()),
        pair=np.tile(pf["pair_id"].to_numpy()[keep], 2),
        pairs_excluded=int((~complete & inside).sum()),
        pairs_outside_set=int((~inside).sum()),
        analysis_set=set_label(sets, ep.analysis_set),
    )
