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
      words: {event: local failure, censor: the last imaging, competing: death}

``words`` name the event, the censoring time and the competing event as a reader knows them;
every footnote, method text and caption states the definition in them (the derived columns
in parentheses). Without them the column names stand.

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
    words: tuple[tuple[str, str], ...] = ()

    def rule(self) -> str:
        """The endpoint's definition in words, for every footnote, method and caption."""
        said = dict(self.words)
        where = f"{self.event} at {self.time}"
        text = f"{said['event']} ({where})" if "event" in said else f"event {where}"
        censor = said.get("censor", self.censor_time)
        if self.competing:
            column = f"{self.competing}_event"
            what = f"{said['competing']} ({column})" if "competing" in said else column
            if self.within_months is None:
                text += f"; {what} counts as a competing event at any time"
            else:
                text += (
                    f"; {what} counts as a competing event within {self.within_months:g} "
                    f"months after {censor}, a later one is censored at {censor}"
                )
        full = f"{censor} ({self.censor_time})" if "censor" in said else censor
        return text + f"; others censored at {full}"


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
        words=tuple((str(k), str(v)) for k, v in (decl.get("words") or {}).items()),
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
        out[key] = {**decl, "horizons_months": list(e.horizons), "words": dict(e.words)}
    return out
