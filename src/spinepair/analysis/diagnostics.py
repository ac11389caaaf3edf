"""Study diagnostics with declared thresholds (in the spirit of OHDSI CohortMethod), the
adjusted estimates and the power figures: results/diagnostics.csv and .md.

Checks, each PASS / WARN / FAIL against the study config (``analysis.diagnostics``):

- balance: |SMD| after matching of every row of the balance table (Table 1) with an SMD in
  the ARD (treatment rows declare none); a covariate's |SMD| is the largest over its levels;
  WARN above ``smd_warn``, FAIL above ``smd_fail``; covariates declared
  ``analysis.adjust.prognostic`` are marked;
- informative pairs per primary endpoint (both values; discordant pairs; pairs with an event):
  FAIL when none, WARN below ``min_informative_pairs``;
- the effect detectable at the first ``analysis.power.levels`` power: WARN when a ratio (odds
  or hazard) beyond ``max_detectable_ratio`` or a mean difference beyond ``max_detectable_sd``
  SDs of the differences is all the pairs could detect;
- proportional hazards per survival endpoint (R ``cox.zph``): WARN when p < alpha.

Every covariate flagged by the balance check gets adjusted estimates of the primary endpoints
(:mod:`spinepair.analysis.adjusted`), alone and, when several are declared prognostic,
together; the pairs needed per endpoint come from :mod:`spinepair.analysis.power_analysis`.
The frame has the ARD's columns plus ``status`` and ``message`` (the line shown).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair import stats
from spinepair.analysis.adjusted import EFFECT, adjusted_rows, endpoint_sides
from spinepair.analysis.ard import ArdRows, select, to_frame
from spinepair.analysis.power_analysis import endpoint_power, sentence
from spinepair.analysis.settings import row_key
from spinepair.escape import markdown as md

SECTIONS = {
    "balance": "Balance after matching",
    "informative_pairs": "Informative pairs",
    "detectable_effect": "Minimum detectable effect",
    "zph_p": "Proportional hazards",
    "adjusted_estimate": "Adjusted estimates",
    "power": "Pairs needed",
}


class _Rows:
    """ARD rows with a status and a message each."""

    def __init__(self):
        self.parts, self.status, self.message = [], [], []

    def add(self, part: ArdRows, status: str = "", message: str = "") -> None:
        self.parts.append(part)
        self.status += [status] * len(part.rows)
        self.message += [message] + [""] * (len(part.rows) - 1)

    def frame(self) -> pd.DataFrame:
        frame = to_frame(self.parts)
        return frame.assign(status=self.status, message=self.message)


def grade(value: float, warn: float, fail: float | None = None) -> str:
    """PASS up to ``warn``, WARN above it, FAIL above ``fail``; WARN when not computable."""
    if value is None or np.isnan(value):
        return "WARN"
    if fail is not None and value > fail:
        return "FAIL"
    return "WARN" if value > warn else "PASS"


def balance_checks(ard, table_rows, cfg: dict, prognostic, before=None) -> pd.DataFrame:
    """One row per covariate of the balance table: variable, label, level, abs_smd (largest
    over levels), before (|SMD| before matching, from ``balance.csv`` when given), status,
    prognostic; sorted by abs_smd, largest first."""
    labels = {row_key(r): r.get("label", row_key(r)) for r in table_rows}
    smd = select(ard, cfg["balance_table"], statistic="smd")
    smd = smd.assign(abs_smd=smd["value"].abs())
    rows = []
    for key, group in smd.groupby("row", sort=False):
        worst = group.loc[group["abs_smd"].fillna(np.inf).idxmax()]
        variable = str(worst["variable"])
        rows.append(
            {
                "variable": variable,
                "label": labels.get(key, key),
                "level": str(worst["level"]),
                "abs_smd": float(worst["abs_smd"]),
                "before": _before(before, variable),
                "status": grade(float(worst["abs_smd"]), cfg["smd_warn"], cfg["smd_fail"]),
                "prognostic": variable in set(prognostic),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("abs_smd", ascending=False, na_position="first", ignore_index=True)


def _before(balance, variable: str) -> float:
    if balance is None or "smd_before" not in balance.columns:
        return float("nan")
    hit = balance.loc[balance["variable"] == variable, "smd_before"].abs()
    return float(hit.max()) if len(hit) else float("nan")


def _balance_rows(out: _Rows, bal: pd.DataFrame, cfg: dict) -> None:
    limits = f"WARN > {cfg['smd_warn']}, FAIL > {cfg['smd_fail']}"
    top = bal.iloc[0]
    part = ArdRows("diagnostics")
    part.add("balance_max", top["variable"], "max_abs_smd", top["abs_smd"], level=top["level"],
             n=len(bal), method=f"largest |SMD| after matching over the covariates; {limits}")  # fmt: skip
    out.add(part, top["status"], f"largest |SMD| after matching over {len(bal)} "
            f"{cfg['balance_table']} covariates: {top['abs_smd']:.3f} ({top['label']}); {limits}")  # fmt: skip
    for r in bal.itertuples():
        part = ArdRows("diagnostics")
        part.add("balance", r.variable, "abs_smd", r.abs_smd, level=r.level, method=limits)
        level = f" = {r.level}" if r.level else ""
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
    part.add(key, spec.get("variable", key), "informative_pairs", k, n=n, method=what)
    out.add(part, status, f"{label}: {k} of {n} pairs informative ({what}); "
            f"WARN below {cfg['min_informative_pairs']}")  # fmt: skip
    pw = endpoint_power(pf, spec, levels, alpha, effects.get(key))
    _detectable_row(out, pw, spec, cfg, levels[0])
    if spec["kind"] == "survival":
        _zph_row(out, pf, spec, alpha, arms)
    _power_rows(out, pw, label, levels)


def _detectable_row(out: _Rows, pw, spec, cfg, level) -> None:
    label = spec.get("label", spec["key"])
    if spec["kind"] == "continuous":
        size, limit = pw.detectable / pw.spread, cfg["max_detectable_sd"]
        text = f"{pw.detectable:.2f} ({size:.2f} SD of the differences; WARN above {limit} SD)"
    else:
        size, limit = max(pw.detectable, 1 / pw.detectable), cfg["max_detectable_ratio"]
        text = f"{EFFECT[spec['kind']]} {pw.detectable:.2f} or {1 / pw.detectable:.2f} " \
               f"(WARN beyond {limit})"  # fmt: skip
    part = ArdRows("diagnostics")
    part.add(pw.key, spec.get("variable", pw.key), "detectable_effect", pw.detectable,
             n=pw.pairs, method=f"{EFFECT[spec['kind']]} detectable at {level:.0%} power, "
             f"{pw.method}")  # fmt: skip
    if np.isnan(pw.detectable):
        text = f"no effect detectable at {level:.0%} power"
    out.add(part, grade(size, limit), f"{label}: detectable at {level:.0%} power with "
            f"{pw.pairs} pairs: {text}")  # fmt: skip


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
    part.add(spec["key"], spec["key"], "zph_p", res.pvalue, p=res.pvalue, n=n, method=res.method)
    out.add(part, "WARN" if res.pvalue < alpha else "PASS",
            f"{label}: proportional-hazards test (cox.zph) p={res.pvalue:.3f}; WARN below {alpha}")  # fmt: skip


def _power_rows(out: _Rows, pw, label, levels) -> None:
    part = ArdRows("power")
    part.add(pw.key, pw.kind, "effect", pw.effect, n=pw.pairs,
             method=("declared" if pw.declared else "observed") + f" effect; {pw.method}")  # fmt: skip
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
    (the balance table's declared rows), diagnostics, adjust, power (config sections)."""
    cfg, arms, alpha = params["diagnostics"], tuple(params["arms"]), float(params["alpha"])
    levels = [float(v) for v in params["power"].get("levels", [0.8, 0.9])]
    effects = dict(params["power"].get("effects") or {})
    prognostic = params["adjust"].get("prognostic", [])
    bal = balance_checks(ard, params["table_rows"], cfg, prognostic, balance)
    out = _Rows()
    _balance_rows(out, bal, cfg)
    for spec in cfg["endpoints"]:
        _endpoint_rows(out, pf, spec, cfg, alpha, levels, effects, arms)
    _adjusted(out, pf, cfg["endpoints"], covariate_sets(bal), bal, arms, alpha)
    return out.frame()


def _section(frame: pd.DataFrame) -> pd.Series:
    name = frame["statistic"].where(frame["table"] != "power", "power")
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
