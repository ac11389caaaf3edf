"""The paper's abstract-level findings recomputed, one Markdown line each, with the paper's
published value at the end of the line for comparison (``paper`` = config/reference_paper.yaml)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from spinepair.analysis.survival_summary import lookup
from spinepair.analysis.tables import arm_labels, fmt_p
from spinepair.report.publish import mask_count


def _count(n: int, d: int, k: int | None) -> str:
    shown = mask_count(n, k)
    return f"{shown}/{d}" if shown != str(n) or not d else f"{n}/{d} ({100 * n / d:.1f}%)"


def _p(p) -> str:
    text = fmt_p(p)
    return "p not computed" if not text else ("p<0.001" if text == "<0.001" else f"p={text}")


def _months(row: pd.Series) -> str:
    if np.isnan(row["value"]):
        return "not reached"
    lo = "NA" if np.isnan(row["lower"]) else f"{row['lower']:.1f}"
    hi = "NA" if np.isnan(row["upper"]) else f"{row['upper']:.1f}"
    return f"{row['value']:.1f} (95% CI {lo}-{hi})"


def _get(paper: dict | None, path: str):
    node = paper or {}
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def summary_markdown(tables: dict, survival_df: pd.DataFrame, params: dict, paper=None) -> str:
    """Markdown list of findings from ``tables`` ({"table1": Table, "table2": Table, ...}, as
    :mod:`spinepair.analysis.tables`) and ``survival_df`` (:func:`survival_table`); counts below
    ``params["mask_below"]`` are masked."""
    a, b = arm_labels(params)
    k = params.get("mask_below")
    t1, t2 = tables["table1"].values, tables["table2"].values
    lines = ["# Findings (recomputed; paper's value at the end of each line)", ""]

    pain = t2["pain_relief"]
    ra = pain["idx"]["complete"] + pain["idx"]["partial"]
    rb = pain["cmp"]["complete"] + pain["cmp"]["partial"]
    pr = _get(paper, "table2.pain_relief") or {}
    paper_pain = (
        f"SRS {pr['srs']['complete'] + pr['srs']['partial']}, "
        f"RT {pr['rt']['complete'] + pr['rt']['partial']}, p={pr['p']}"
        if pr
        else "n/a"
    )
    lines.append(
        f"- Pain relief (complete+partial): {a} {_count(ra, pain['n_idx'], k)} vs {b} "
        f"{_count(rb, pain['n_cmp'], k)}, Bowker (all four levels) {_p(pain['p'])}. "
        f"Paper: {paper_pain}."
    )
    vc = t2["vas_change"]
    pv = _get(paper, "table2.vas_change")
    lines.append(
        f"- VAS decrease: {a} {vc['idx'][0]:.1f} ± {vc['idx'][1]:.1f} vs {b} "
        f"{vc['cmp'][0]:.1f} ± {vc['cmp'][1]:.1f}, paired t {_p(vc['p'])}. "
        f"Paper: {_pair(pv)}."
    )
    for key, label, test, path in (
        ("tox_any", "Toxicity (any)", "McNemar", "table2.toxicity_any"),
        (
            "compression_fracture",
            "Compression fracture",
            "McNemar",
            "table2.toxicity_by_type.compression_fracture",
        ),
        (
            "other_level",
            "Progression at other spine levels",
            "McNemar",
            "table2.other_level_progression_before_index",
        ),
    ):
        v, pt = t2[key], _get(paper, path)
        paper_text = f"SRS {pt['srs']}, RT {pt['rt']}, p={pt.get('p', 'n/a')}" if pt else "n/a"
        lines.append(
            f"- {label}: {a} {_count(v['idx'], v['n_idx'], k)} vs {b} "
            f"{_count(v['cmp'], v['n_cmp'], k)}, {test} {_p(v['p'])}. Paper: {paper_text}."
        )
    nb = t1["eqd2_gy"]
    lines.append(
        f"- nBED (Gy2/10): {a} {nb['idx'][0]:.1f} ± {nb['idx'][1]:.1f} vs {b} "
        f"{nb['cmp'][0]:.1f} ± {nb['cmp'][1]:.1f}, paired t {_p(nb['p'])}. "
        f"Paper: {_pair(_get(paper, 'table1.nbed_gy2_10'))}."
    )
    for ep, label, path in (
        ("os", "Overall survival", "survival.overall"),
        ("pfs", "Progression-free survival", "survival.progression_free"),
    ):
        lr = lookup(survival_df, ep, "all", "logrank_p")
        pt = _get(paper, path)
        paper_text = (
            f"median SRS {pt['median_months']['srs']} vs RT {pt['median_months']['rt']} months, "
            f"p={pt['p']}"
            if pt
            else "n/a"
        )
        lines.append(
            f"- {label}: median {a} {_months(lookup(survival_df, ep, a, 'median'))} vs {b} "
            f"{_months(lookup(survival_df, ep, b, 'median'))} months, stratified log-rank "
            f"{_p(lr['value'])}{_hr(survival_df, ep, a, b)}. Paper: {paper_text}."
        )
    lc = survival_df[(survival_df["endpoint"] == "lc") & (survival_df["quantity"] == "survival")]
    if len(lc):
        parts = []
        for arm in (a, b):
            rates = lc[lc["arm"] == arm]
            parts.append(
                f"{arm} "
                + ", ".join(f"{t:g} mo {_pct(v)}" for t, v in zip(rates["time"], rates["value"]))
            )
        pl = _get(paper, "survival.local_control_actuarial_percent")
        paper_text = (
            "; ".join(
                f"{arm.upper()} " + ", ".join(f"{m} mo {v}%" for m, v in zip(pl["months"], pl[arm]))
                for arm in ("srs", "rt")
            )
            if pl
            else "n/a"
        )
        lp = lookup(survival_df, "lc", "all", "logrank_p")["value"]
        lines.append(
            f"- Local control (actuarial): {'; '.join(parts)}; stratified log-rank {_p(lp)}. "
            f"Paper: {paper_text}."
        )
    return "\n".join(lines) + "\n"


def _pct(v: float) -> str:
    return "not estimable" if np.isnan(v) else f"{100 * v:.0f}%"


def _pair(target) -> str:
    if not target:
        return "n/a"
    s, r = target["srs"], target["rt"]
    return f"SRS {s[0]} ± {s[1]} vs RT {r[0]} ± {r[1]}, p={target.get('p', 'n/a')}"


def _hr(df: pd.DataFrame, ep: str, a: str, b: str) -> str:
    try:
        hr = lookup(df, ep, "all", "cox_hr")
    except KeyError:
        return ""
    if np.isnan(hr["value"]):
        return ""
    return f", HR {a} vs {b} {hr['value']:.2f} (95% CI {hr['lower']:.2f}-{hr['upper']:.2f})"
