"""Time-to-event endpoints, each declared once (study config ``analysis.endpoints``).

Short form ``os: Overall survival`` (title; derived columns ``os_months``, ``os_event``), or::

    lc:
      title: Local control
      event: lc_event              # flag: the event of interest (default <key>_event)
      time: lc_months              # its time, and the censoring time (default <key>_months)
      censor_time: followup_months # censoring time without an event (default: time)
      analysis_set: lc             # a key of analysis.analysis_sets (default: all pairs)
      competing: {event: os, within_months: 3}   # gray_strata: true, Gray's test by pair
      horizons_months: [1, 2, 3, 6, 12]

``competing.event`` is an endpoint key whose ``<key>_event`` / ``<key>_months`` is the competing
event (death); it counts only ``within_months`` after the censoring time (the last assessment),
at any time when that is null, and a later one leaves the patient censored at the censoring
time. Every method (Kaplan-Meier, log-rank, Cox, RMST, rates, cumulative incidence, Gray,
Fine-Gray) reads the one status of :func:`spinepair.analysis.endpoint_status.status_and_time`;
the cause-specific ones take a competing event as censoring at its time. Plain Python: the
workflow imports it while it parses.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    """One declared time-to-event endpoint (see the module docstring)."""

    key: str
    title: str
    event: str
    time: str
    censor_time: str
    analysis_set: str | None = None
    competing: str | None = None
    within_months: float | None = None
    gray_strata: bool = False
    horizons: tuple[float, ...] = ()

    def rule(self) -> str:
        """The endpoint's definition in words, for every footnote, method and caption."""
        text = f"event {self.event} at {self.time}"
        if self.competing:
            when = (
                f"within {self.within_months:g} months after {self.censor_time}"
                if self.within_months is not None
                else "at any time"
            )
            text += f"; death or other competing event ({self.competing}) counts {when}"
            if self.within_months is not None:
                text += f", a later one is censored at {self.censor_time}"
        return text + f"; others censored at {self.censor_time}"


def endpoint(key: str, decl) -> Endpoint:
    """The :class:`Endpoint` of one ``analysis.endpoints`` entry (short or long form)."""
    if decl is None or isinstance(decl, str):
        decl = {"title": decl or key}
    time = str(decl.get("time", f"{key}_months"))
    comp = decl.get("competing") or {}
    if isinstance(comp, str):
        comp = {"event": comp}
    within = comp.get("within_months")
    return Endpoint(
        key=key,
        title=str(decl.get("title", key)),
        event=str(decl.get("event", f"{key}_event")),
        time=time,
        censor_time=str(decl.get("censor_time", time)),
        analysis_set=decl.get("analysis_set"),
        competing=comp.get("event"),
        within_months=None if within is None else float(within),
        gray_strata=bool(comp.get("gray_strata", False)),
        horizons=tuple(float(m) for m in decl.get("horizons_months") or ()),
    )


def endpoints(declared: dict) -> dict[str, Endpoint]:
    """{key: Endpoint} of ``analysis.endpoints``."""
    return {str(k): endpoint(str(k), v) for k, v in (declared or {}).items()}


def titles(declared: dict) -> dict[str, str]:
    """{key: title} of ``analysis.endpoints`` (figures, flow diagram, landing page)."""
    return {k: e.title for k, e in endpoints(declared).items()}


def competing_keys(declared: dict) -> list[str]:
    """The endpoints with a competing event (a cumulative-incidence figure each)."""
    return [k for k, e in endpoints(declared).items() if e.competing]


def settings(declared: dict) -> dict:
    """The declarations the ARD depends on (titles left out, so a title edit reruns the
    renderers only), in long form."""
    out = {}
    for key, e in endpoints(declared).items():
        decl = {f: getattr(e, f) for f in ("event", "time", "censor_time", "analysis_set")}
        decl["competing"] = {
            "event": e.competing,
            "within_months": e.within_months,
            "gray_strata": e.gray_strata,
        }
        out[key] = {**decl, "horizons_months": list(e.horizons)}
    return out
