"""The sensitivity summary: the declared primary estimates of every variant beside the primary
analysis (results/sensitivity/summary.csv and .md), read from the ARDs only.

An estimate is declared in the study config (``sensitivity.estimates``) as ``table``, ``row``,
``statistic`` (default ``estimate``), optional ``arm`` (default ``all``), ``label``,
``reference`` (the no-effect value, default 0) and ``log`` (ratio scale in the forest plot).
"""

from __future__ import annotations

import pandas as pd

from spinepair.analysis.ard import CHANGES_TABLE, PRIMARY, select
from spinepair.analysis.survival_summary import P_TESTS
from spinepair.analysis.tables import fmt_estimate, fmt_p
from spinepair.escape import markdown as md

COLUMNS = [
    "estimate",
    "label",
    "variant",
    "description",
    "value",
    "lower",
    "upper",
    "p",
    "test",
    "n",
    "pairs",
    "change",
    "method",
]
PRIMARY_DESCRIPTION = "Primary analysis"
NOT_IN_ARD = "not in the ARD"


def estimate_key(decl: dict) -> str:
    """'table/row/statistic' (and '/arm' when not ``all``): the estimate's key in the summary."""
    key = f"{decl['table']}/{decl['row']}/{decl.get('statistic', 'estimate')}"
    return key if decl.get("arm", "all") == "all" else f"{key}/{decl['arm']}"


def estimate_label(decl: dict) -> str:
    return str(decl.get("label") or estimate_key(decl))


def p_test(decl: dict, tests: pd.DataFrame | None = None, level: str = "") -> str:
    """The test behind the p of an estimate: the survival and competing-risks tests by
    statistic; a table row's from its ``p`` row at the estimate's level in ``tests`` (the
    method's name, e.g. "McNemar exact binomial"); '' when unknown."""
    if decl["table"] in ("survival", "competing"):
        return P_TESTS.get(decl.get("statistic", "estimate"), "")
    if tests is None:
        return ""
    hit = tests[(tests["row"] == str(decl["row"])) & (tests["level"] == level)]
    return str(hit["method"].iloc[0]).split(" (")[0].split(",")[0] if len(hit) == 1 else ""


def read_estimate(ard: pd.DataFrame, decl: dict, variant: str) -> dict:
    """value, lower, upper, p, its test, n and method of one declared estimate of
    ``variant``; n is the row's own n (the n it analysed), else the row's ``pairs``
    statistic. A missing row gives NaN and the method "not in the ARD"."""
    table, row = decl["table"], str(decl["row"])
    stat, arm = decl.get("statistic", "estimate"), decl.get("arm", "all")
    hit = select(ard, table, row, statistic=stat, arm=arm, variant=variant)
    if len(hit) > 1:
        raise ValueError(f"sensitivity estimate {estimate_key(decl)}: {len(hit)} ARD rows")
    if hit.empty:
        nan = float("nan")
        return {
            "value": nan,
            "lower": nan,
            "upper": nan,
            "p": nan,
            "test": p_test(decl),
            "n": pd.NA,
            "method": NOT_IN_ARD,
        }
    got = hit.iloc[0]
    tests = select(ard, table, None, statistic="p", arm="all", variant=variant)
    n = got["n"]
    if pd.isna(n):
        pairs = select(ard, table, row, statistic="pairs", arm="all", variant=variant)
        n = pairs["value"].iloc[0] if len(pairs) == 1 else pd.NA
    return {
        "value": float(got["value"]),
        "lower": float(got["lower"]),
        "upper": float(got["upper"]),
        "p": float(got["p"]),
        "test": p_test(decl, tests, str(got["level"])),
        "n": pd.NA if pd.isna(n) else int(n),
        "method": str(got["method"]),
    }


def summary_table(
    ards: dict[str, pd.DataFrame],
    pairs: dict[str, int],
    estimates: list[dict],
    descriptions: dict[str, str],
) -> pd.DataFrame:
    """One row per declared estimate x analysis (primary first, then the variants in
    ``descriptions`` order): its value, CI, p, analysed n, matched ``pairs`` and ``change``
    (value minus the primary value). ``ards`` maps "primary" and each variant to its ARD."""
    rows = []
    for decl in estimates:
        first = None
        for name in [PRIMARY, *descriptions]:
            got = read_estimate(ards[name], decl, name)
            first = got["value"] if first is None else first
            rows.append(
                {
                    "estimate": estimate_key(decl),
                    "label": estimate_label(decl),
                    "variant": name,
                    "description": descriptions.get(name, PRIMARY_DESCRIPTION),
                    **got,
                    "pairs": int(pairs[name]),
                    "change": got["value"] - first,
                }
            )
    table = pd.DataFrame(rows, columns=COLUMNS)
    return table.astype({"n": "Int64", "pairs": "Int64"})


def _number(v: float, digits: int = 2) -> str:
    return "" if pd.isna(v) else f"{round(v, digits) + 0.0:+.{digits}f}"  # no "-0.00"


def flat_overrides(overrides: dict, prefix: str = "") -> list[str]:
    """'section.key = value' lines of a variant's overrides (nested mappings flattened)."""
    out = []
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out += flat_overrides(value, f"{path}.")
        else:
            out.append(f"{path} = {value}")
    return out


def changes_lines(ards: dict[str, pd.DataFrame], variants: dict, arms) -> list[str]:
    """One line per variant and compared column: how many matched patients the variant moves
    to another category than the primary analysis, per arm and by transition."""
    lines = []
    for name, decl in variants.items():
        rows = ards[name]
        changed = rows[(rows["table"] == CHANGES_TABLE) & (rows["statistic"] == "patients_changed")]
        for col in dict.fromkeys(changed["row"]):
            one = changed[changed["row"] == col].set_index("arm")
            total = one.loc["all"]
            per_arm = ", ".join(
                f"{a} {int(one.loc[a, 'value'])} of {int(one.loc[a, 'n'])}" for a in arms
            )
            moved = rows[
                (rows["table"] == CHANGES_TABLE)
                & (rows["row"] == col)
                & (rows["statistic"] == "patients_moved")
            ]
            how = "; ".join(
                f"{m.level} ({m.arm} {int(m.value)})" for m in moved.itertuples(index=False)
            )
            lines.append(
                f"{decl['description']} ({name}): {col} changes for {int(total['value'])} of "
                f"{int(total['n'])} matched patients ({per_arm})" + (f": {how}" if how else "")
            )
    return lines


def summary_markdown(table: pd.DataFrame, ards: dict, variants: dict, arms, title: str) -> str:
    """summary.md: the estimates table, the category changes vs primary and each variant's
    overrides (every rule that changes a number is named). Config text (title, labels,
    descriptions, overrides) is Markdown-escaped."""
    shown = pd.DataFrame(
        {
            "Estimate": table["label"].map(md),
            "Analysis": table["description"].map(md),
            "Estimate (95% CI)": [
                fmt_estimate(r.value, r.lower, r.upper, 2) or r.method
                for r in table.itertuples(index=False)
            ],
            "p": [
                f"{fmt_p(p)} ({test})" if test and fmt_p(p) else fmt_p(p)
                for p, test in zip(table["p"], table["test"])
            ],
            "n": table["n"].map(lambda n: "" if pd.isna(n) else str(int(n))),
            "Pairs": table["pairs"].map(str),
            "Change vs primary": [
                "" if v == PRIMARY else _number(c)
                for v, c in zip(table["variant"], table["change"])
            ],
        }
    )
    notes = [
        "Change vs primary: the variant's estimate minus the primary estimate (same scale).",
        "n: pairs (or patients) analysed for the estimate (its analysis set); Pairs: matched pairs.",
        "Each p names its test in brackets.",
        *changes_lines(ards, variants, arms),
        *(
            f"{decl['description']} ({name}): " + "; ".join(flat_overrides(decl["overrides"]))
            for name, decl in variants.items()
        ),
    ]
    body = shown.to_markdown(index=False, tablefmt="github", disable_numparse=True)
    return "\n".join([f"**{md(title)}**", "", body, "", *(f"- {md(n)}" for n in notes)]) + "\n"
