"""Study diagnostics with declared thresholds (in the spirit of OHDSI CohortMethod), the
adjusted estimates and the power figures: results/diagnostics.csv and .md.

Checks, each PASS / WARN / FAIL against the study config (``analysis.diagnostics``):

- balance: |SMD| after matching of every covariate of the match stage's balance (the table
  rows with an SMD and the matching variables; the eligible cohort's SD as denominator); a
  covariate's |SMD| is the largest over its levels; WARN above ``smd_warn``, FAIL above
  ``smd_fail``; covariates declared ``analysis.adjust.prognostic`` are marked;
- informative pairs per primary endpoint (both values; discordant pairs; pairs with an event):
  FAIL when none, WARN below ``min_informative_pairs``;
- the effect detectable at the first ``analysis.power.levels`` power: WARN when a ratio (odds
  or hazard) beyond ``max_detectable_ratio`` or a mean difference beyond ``max_detectable_sd``
  SDs of the differences is all the pairs could detect;
- proportional hazards per survival endpoint (R ``cox.zph``): WARN when p < alpha;
- the design (:mod:`spinepair.analysis.design_checks`): arm by site, and events before the
  declared ``first_assessment_months`` of an endpoint.

Every covariate flagged by the balance check gets adjusted estimates of the primary endpoints
(:mod:`spinepair.analysis.adjusted`), alone and, when several are declared prognostic,
together; the pairs needed come from :mod:`spinepair.analysis.power_analysis`, only for an
effect declared in ``analysis.power.effects`` (never from the observed effect). The frame has
the ARD's columns plus ``status``, ``message`` (the line shown) and ``limitation`` (a sentence
for the summary's limitations, on design and detectable-effect WARNs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis import levels as vocab
from spinepair.analysis.adjusted import EFFECT, adjusted_rows, endpoint_sides
from spinepair.analysis.ard import ArdRows, to_frame
from spinepair.analysis.design_checks import Check, early_events, site_confounding
from spinepair.analysis.power_analysis import endpoint_power, sentence
from spinepair.escape import markdown as md
from spinepair.matching.balance import verdicts

SECTIONS = {
    "design": "Design",
    "balance": "Balance after matching",
    "informative_pairs": "Informative pairs",
    "detectable_effect": "Minimum detectable effect",
    "zph_p": "Proportional hazards",
    "adjusted_estimate": "Adjusted estimates",
    "power": "Pairs needed",
}


class _Rows:
    """ARD rows with a status, a message and a limitation each."""

    def __init__(self):
        self.parts, self.status, self.message, self.limitation = [], [], [], []

    def add(self, part: ArdRows, status: str = "", message: str = "", limitation: str = "") -> None:
        self.parts.append(part)
        blank = [""] * (len(part.rows) - 1)
        self.status += [status] * len(part.rows)
        self.message += [message, *blank]
        self.limitation += [limitation, *blank]

    def check(self, check: Check) -> None:
        self.add(check.part, check.status, check.message, check.limitation)

    def frame(self) -> pd.DataFrame:
        frame = to_frame(self.parts)
        return frame.assign(status=self.status, message=self.message, limitation=self.limitation)


def grade(value: float, warn: float, fail: float | None = None) -> str:
    """PASS up to ``warn``, WARN above it, FAIL above ``fail``; WARN when not computable."""
    if value is None or np.isnan(value):
        return "WARN"
    if fail is not None and value > fail:
        return "FAIL"
    return "WARN" if value > warn else "PASS"


def balance_checks(balance: pd.DataFrame, cfg: dict, prognostic) -> pd.DataFrame:
    """One row per covariate of the match stage's balance (``balance.csv``, the one SMD
    definition, :mod:`spinepair.matching.balance`): its verdicts (variable, label, level,
    abs_smd after matching, before, status) plus prognostic; largest first."""
    out = verdicts(balance, cfg["smd_warn"], cfg["smd_fail"])
    return out.assign(prognostic=out["variable"].isin(set(prognostic)))


def _balance_rows(out: _Rows, bal: pd.DataFrame, cfg: dict) -> None:
    limits = f"WARN > {cfg['smd_warn']}, FAIL > {cfg['smd_fail']}"
    top = bal.iloc[0]
    part = ArdRows("diagnostics")
    part.add("balance_max", top["variable"], "max_abs_smd", top["abs_smd"], level=top["level"],
             n=len(bal), method=f"largest |SMD| after matching over the covariates; {limits}")  # fmt: skip
    out.add(part, top["status"], f"largest |SMD| after matching over the {len(bal)} "
            f"covariates: {top['abs_smd']:.3f} ({top['label']}); {limits}")  # fmt: skip
    for r in bal.itertuples():
        part = ArdRows("diagnostics")
        part.add("balance", r.variable, "abs_smd", r.abs_smd, level=r.level, method=limits)
        level = f" = {vocab.label(r.variable, r.level)}" if r.level else ""
        before = "" if np.isnan(r.before) else f" (before matching {r.before:.3f})"
        mark = " [declared prognostic]" if r.prognostic else ""
        text = f"{r.label}{level}: |SMD| after matching {r.abs_smd:.3f}{before}{mark}"
        out.add(part, r.status, text if r.status != "PASS" else "")


def informative(pf, spec: dict) -> tuple[int, int, str]:
    """(informative pairs, complete pairs, what informs) of an endpoint."""
    ep = endpoint_sides(pf, spec)
    ok = (ep["idx"].notna().all(axis=1) & ep["cmp"].notna().all(axis=1)).to_numpy()
    i, c = ep["idx"][ok], ep["cmp"][ok]
    if spec["kind"] == "continuous":
        return int(ok.sum()), int(ok.sum()), "pairs with both values"
    if spec["kind"] == "binary":
        return (
            int((i["y"].to_numpy() != c["y"].to_numpy()).sum()),
            int(ok.sum()),
            "discordant pairs",
        )
    events = (i["event"].to_numpy() + c["event"].to_numpy()) > 0
    return int(events.sum()), int(ok.sum()), "pairs with at least one event"


def _endpoint_rows(out: _Rows, pf, spec, cfg, alpha, levels, effects, arms) -> None:
    key, label = spec["key"], spec.get("label", spec["key"])
    k, n, what = informative(pf, spec)
    status = "FAIL" if k == 0 else ("WARN" if k < cfg["min_informative_pairs"] else "PASS")
    part = ArdRows("diagnostics")
    part.add(key, spec.get("variable", key), "informative_pairs", k, n=n,
             method=f"{what}; WARN below {cfg['min_informative_pairs']}")  # fmt: skip
    out.add(part, status, f"{label}: {k} of {n} pairs informative ({what}); "
            f"WARN below {cfg['min_informative_pairs']}")  # fmt: skip
    pw = endpoint_power(pf, spec, levels, alpha, effects.get(key))
    _detectable_row(out, pw, spec, cfg, levels[0])
    if spec["kind"] == "survival":
        _zph_row(out, pf, spec, alpha, arms)
    if pw.declared:
        _power_rows(out, pw, label, levels)


def _detectable_row(out: _Rows, pw, spec, cfg, level) -> None:
    label, effect = spec.get("label", spec["key"]), EFFECT[spec["kind"]]
    if spec["kind"] == "continuous":
        size, limit = pw.detectable / pw.spread, cfg["max_detectable_sd"]
        least = (f"only mean differences of {pw.detectable:.2f} or more were detectable at "
                 f"{level:.0%} power")  # fmt: skip
        text = f"{pw.detectable:.2f} ({size:.2f} SD of the differences; WARN above {limit} SD)"
    else:
        size, limit = max(pw.detectable, 1 / pw.detectable), cfg["max_detectable_ratio"]
        least = (f"only {effect}s as far from 1 as {pw.detectable:.2f} or "
                 f"{1 / pw.detectable:.2f} were detectable at {level:.0%} power")  # fmt: skip
        text = f"{effect} {pw.detectable:.2f} or {1 / pw.detectable:.2f} (WARN beyond {limit})"
    part = ArdRows("diagnostics")
    part.add(pw.key, spec.get("variable", pw.key), "detectable_effect", pw.detectable,
             n=pw.pairs, method=f"{effect} detectable at {level:.0%} power, {pw.method}; "
             f"{size:.6g} {'SD of the differences' if spec['kind'] == 'continuous' else 'fold'}; "
             f"WARN beyond {limit}")  # fmt: skip
    if np.isnan(pw.detectable):
        text = least = f"no effect detectable at {level:.0%} power"
    status = grade(size, limit)
    limitation = "" if status == "PASS" else (
        f"{label}: with {pw.pairs} pairs, {least}; a non-significant difference does not "
        "show that the arms are equivalent.")  # fmt: skip
    out.add(part, status, f"{label}: detectable at {level:.0%} power with {pw.pairs} pairs: "
            f"{text}", limitation)  # fmt: skip


def _zph_row(out: _Rows, pf, spec, alpha, arms) -> None:
    ep = endpoint_sides(pf, spec)
    ok = (ep["idx"].notna().all(axis=1) & ep["cmp"].notna().all(axis=1)).to_numpy()
    n = int(ok.sum())
    t = np.r_[ep["idx"]["time"][ok], ep["cmp"]["time"][ok]]
    e = np.r_[ep["idx"]["event"][ok], ep["cmp"]["event"][ok]]
    group = np.r_[np.repeat(arms[0], n), np.repeat(arms[1], n)]
    label, part = spec.get("label", spec["key"]), ArdRows("diagnostics")
    try:
        res = stats.cox_zph(t, e, group, np.tile(np.arange(n), 2))
    except stats.StatsInputError as exc:
        part.add(spec["key"], spec["key"], "zph_p", None, n=n, method=f"not computed: {exc}")
        out.add(part, "WARN", f"{label}: proportional-hazards test not computed ({exc})")
        return
    part.add(spec["key"], spec["key"], "zph_p", res.pvalue, p=res.pvalue, n=n,
             method=f"{res.method}; WARN below {alpha}")  # fmt: skip
    out.add(part, "WARN" if res.pvalue < alpha else "PASS",
            f"{label}: proportional-hazards test (cox.zph) p={res.pvalue:.3f}; WARN below {alpha}")  # fmt: skip


def _power_rows(out: _Rows, pw, label, levels) -> None:
    part = ArdRows("power")
    part.add(pw.key, pw.kind, "effect", pw.effect, n=pw.pairs,
             method=f"declared effect (analysis.power.effects); {pw.method}")  # fmt: skip
    for lv in levels:
        part.add(pw.key, pw.kind, "pairs_needed", pw.needed.get(lv), level=f"{lv:g}",
                 method=pw.method)  # fmt: skip
        if pw.kind == "survival":
            part.add(pw.key, pw.kind, "events_needed", pw.events_needed.get(lv), level=f"{lv:g}",
                     method=pw.method)  # fmt: skip
    out.add(part, "", sentence(pw, label, levels))


def covariate_sets(bal: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each flagged covariate alone, then the flagged prognostic ones together (if several)."""
    flagged = bal[bal["status"] != "PASS"]
    sets = [(v,) for v in flagged["variable"]]
    joint = tuple(flagged.loc[flagged["prognostic"], "variable"])
    return sets + ([joint] if len(joint) > 1 else [])


def _adjusted(out: _Rows, pf, endpoints, sets, bal, arms, alpha) -> None:
    labels = dict(zip(bal["variable"], bal["label"]))
    rows = adjusted_rows(pf, endpoints, sets, arms, alpha).rows
    by_key = {s["key"]: s.get("label", s["key"]) for s in endpoints}
    for i, row in enumerate(rows):
        single = ArdRows("adjusted")
        single.rows.append(row)
        message = ""
        if row["statistic"] == "adjusted_estimate":
            covs = " + ".join(labels.get(v, v) for v in row["variable"].split(" + "))
            head = f"{by_key[row['row']]}, adjusted for {covs}"
            if np.isnan(row["value"]):
                message = f"{head}: {row['method']}"
            else:
                raw = rows[i - 1]
                message = (f"{head}: {_ci(raw)} unadjusted vs {_ci(row)} adjusted "
                           f"({row['method'].split(':')[0]}; {row['n']} informative pairs)")  # fmt: skip
        out.add(single, "", message)


def _ci(row: dict) -> str:
    return f"{row['value']:.2f} (95% CI {row['lower']:.2f} to {row['upper']:.2f})"


def diagnostics(ard, pf, params: dict, balance=None) -> pd.DataFrame:
    """The diagnostics frame (see the module docstring). ``params``: alpha, arms, table_rows
    (the balance table's declared rows), diagnostics, adjust, power (config sections), titles
    (endpoint key -> title, for the design checks)."""
    cfg, arms, alpha = params["diagnostics"], tuple(params["arms"]), float(params["alpha"])
    levels = [float(v) for v in params["power"].get("levels", [0.8, 0.9])]
    effects = dict(params["power"].get("effects") or {})
    prognostic = params["adjust"].get("prognostic", [])
    bal = balance_checks(balance, cfg, prognostic)
    out = _Rows()
    out.check(site_confounding(pf, arms))
    first = cfg.get("first_assessment_months") or {}
    for check in early_events(pf, arms, first, dict(params.get("titles") or {})):
        out.check(check)
    _balance_rows(out, bal, cfg)
    for spec in cfg["endpoints"]:
        _endpoint_rows(out, pf, spec, cfg, alpha, levels, effects, arms)
    _adjusted(out, pf, cfg["endpoints"], covariate_sets(bal), bal, arms, alpha)
    return out.frame()


DESIGN = ("pairs_same_site", "shared_sites", "events_before_first_assessment",
          "early_event_months")  # fmt: skip


def _section(frame: pd.DataFrame) -> pd.Series:
    name = frame["statistic"].where(frame["table"] != "power", "power")
    name = name.where(~name.isin(DESIGN), "design")
    return name.replace({"abs_smd": "balance", "max_abs_smd": "balance"})


def lines(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Section title -> Markdown bullet lines of the rows that carry a message."""
    shown = frame[frame["message"] != ""].assign(section=lambda d: _section(d))
    out: dict[str, list[str]] = {}
    for key, title in SECTIONS.items():
        hit = shown[shown["section"] == key]
        out[title] = [
            f"- {r.status + ': ' if r.status else ''}{md(r.message)}" for r in hit.itertuples()
        ]
    return {k: v for k, v in out.items() if v}


def markdown(frame: pd.DataFrame, title: str = "Study diagnostics") -> str:
    """results/diagnostics.md: one section per check, a line per row with a message
    (Markdown-escaped: messages carry config labels)."""
    text = [f"# {title}", ""]
    for section, bullets in lines(frame).items():
        text += [f"## {section}", "", *bullets, ""]
    return "\n".join(text)
