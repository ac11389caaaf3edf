"""Power of the primary endpoints: what the pairs could detect and, only for an effect the
study config declares in advance (``analysis.power.effects``), how many pairs would be needed
to detect it. Power computed from the observed effect is not reported (it restates the p).

Per endpoint spec (:mod:`spinepair.analysis.adjusted`) on its complete pairs:

- continuous: paired t (R ``power.t.test(type = "paired")``) from the mean and SD of the
  within-pair differences;
- binary: McNemar (Connor 1987) from the discordant proportions; a declared effect is an odds
  ratio b/c at the observed discordant proportion;
- survival: log-rank events (Schoenfeld 1983) for a declared hazard ratio, pairs at the
  observed event proportion; the detectable hazard ratio from the observed events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spinepair import stats
from spinepair.analysis.adjusted import endpoint_sides


@dataclass(frozen=True)
class EndpointPower:
    """Power figures of one endpoint (effects on the endpoint's scale: mean difference, odds
    ratio or hazard ratio). ``needed`` maps power -> pairs needed for the declared effect
    (None: not estimable; empty without a declared effect); ``events_needed`` likewise for
    survival; ``detectable`` is at ``levels[0]``."""

    key: str
    kind: str
    pairs: int
    effect: float
    declared: bool
    spread: float  # SD of differences, discordant proportion, or events
    needed: dict
    events_needed: dict
    detectable: float
    method: str


def _complete(pf, spec) -> dict:
    ep = endpoint_sides(pf, spec)
    ok = (ep["idx"].notna().all(axis=1) & ep["cmp"].notna().all(axis=1)).to_numpy()
    return {k: v[ok] for k, v in ep.items()}


def endpoint_power(pf, spec: dict, levels, alpha: float, effect: float | None) -> EndpointPower:
    """The effect detectable at ``levels[0]`` and, for a declared ``effect``, the pairs needed
    at each power in ``levels``."""
    ep = _complete(pf, spec)
    n = len(ep["idx"])
    kind, declared = spec["kind"], effect is not None
    effect = float("nan") if effect is None else float(effect)
    needed, events_needed = {}, {}
    wanted = levels if declared else ()
    if kind == "continuous":
        d = ep["idx"]["y"].to_numpy() - ep["cmp"]["y"].to_numpy()
        sd = float(np.std(d, ddof=1)) if n > 1 else float("nan")
        for pw in wanted:
            needed[pw] = _pairs(stats.paired_t_pairs, effect, sd, pw, alpha)
        detectable = _try(stats.paired_t_detectable, n, sd, levels[0], alpha)
        return EndpointPower(spec["key"], kind, n, effect, declared, sd, needed, {},
                             _nan(detectable), "paired t (R power.t.test, type paired)")  # fmt: skip
    if kind == "binary":
        yi, yc = ep["idx"]["y"].to_numpy() == 1, ep["cmp"]["y"].to_numpy() == 1
        b, c = int((yi & ~yc).sum()), int((~yi & yc).sum())
        psi = (b + c) / n if n else float("nan")
        p10, p01 = psi * effect / (1 + effect), psi / (1 + effect)
        for pw in wanted:
            needed[pw] = _pairs(stats.mcnemar_pairs, p10, p01, pw, alpha)
        delta = _try(stats.mcnemar_detectable, n, psi, levels[0], alpha)
        detectable = _nan(delta) if delta is None else (psi + delta) / (psi - delta)
        return EndpointPower(spec["key"], kind, n, effect, declared, psi, needed, {},
                             _nan(detectable), "McNemar, Connor (1987)")  # fmt: skip
    e = np.r_[ep["idx"]["event"], ep["cmp"]["event"]]
    events = int(e.sum())
    for pw in wanted:
        events_needed[pw] = _pairs(stats.logrank_events, effect, pw, alpha)
        needed[pw] = _pairs(stats.logrank_pairs, effect, events / max(2 * n, 1), pw, alpha)
    detectable = _try(stats.logrank_detectable, events, levels[0], alpha)
    return EndpointPower(spec["key"], kind, n, effect, declared, events, needed,
                         events_needed, _nan(detectable), "log-rank, Schoenfeld (1983)")  # fmt: skip


def _try(compute, *args):
    """The value of ``compute(*args)``, or None when the inputs admit no answer."""
    try:
        value = compute(*args)
    except (stats.StatsInputError, ZeroDivisionError, ValueError):
        return None
    return None if isinstance(value, float) and not np.isfinite(value) else value


def _pairs(compute, *args) -> int | None:
    """The rounded-up ``pairs`` of a sample-size function, or None when not estimable."""
    size = _try(compute, *args)
    return None if size is None else size.pairs


def _nan(value) -> float:
    return float("nan") if value is None else float(value)


def _ratio_text(r: float) -> str:
    return f"{r:.2f} (or {1 / r:.2f})"


def sentence(pw: EndpointPower, label: str, levels) -> str:
    """The answer to "if more cases were included ...", one sentence, for a declared effect."""
    first, rest = levels[0], levels[1:]
    if pw.kind == "continuous":
        what = f"the declared difference {pw.effect:.2f} (SD of differences {pw.spread:.2f})"
        can = f"{pw.pairs} pairs detect {pw.detectable:.2f}"
    elif pw.kind == "binary":
        what = f"the declared odds ratio {pw.effect:.2f} ({pw.spread:.0%} of pairs discordant)"
        can = f"{pw.pairs} pairs detect an odds ratio of {_ratio_text(pw.detectable)}"
    else:
        what = (
            f"the declared hazard ratio {pw.effect:.2f} ({int(pw.spread)} events in "
            f"{pw.pairs} pairs)"
        )
        can = f"{int(pw.spread)} events detect a hazard ratio of {_ratio_text(pw.detectable)}"
    if np.isnan(pw.detectable):
        can = f"{pw.pairs} pairs cannot reach {first:.0%} power for any effect"

    def need(level) -> str:
        pairs = pw.needed.get(level)
        if pairs is None:
            return f"cannot be powered at {level:.0%}"
        events = pw.events_needed.get(level)
        extra = f" ({events} events)" if events is not None else ""
        return f"{pairs} pairs{extra} for {level:.0%} power"

    needs = need(first) + "".join(f" and {need(lv)}" for lv in rest)
    if pw.needed.get(first) is not None:
        needs = "would need " + needs
    return f"{label}: {what} {needs}; {can} at {first:.0%} power."
